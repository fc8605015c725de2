"""The detail a DNS verdict stores: the English text is unchanged (it is what stores hold), it
reads back into the facts it was written from, and the reports word every form the MX stage
can write for their reader, notes of failed queries included, in French (issue 9: everything a
French reader sees is French) and in English (`NXDOMAIN (the domain does not exist)`, not the
stored shorthand)."""

from __future__ import annotations

import ast
import errno
import inspect
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mailhygiene.dns_detail as dd
from mailhygiene import mx, mx_wire
from mailhygiene.dns_detail import KINDS, STAGES, DnsDetail, read_dns_detail, read_note
from mailhygiene.domain_verdict import Answer, DomainFacts, HostFacts, Outcome, decide
from mailhygiene.report.dns_messages import MALFORMED_FR, dns_detail_fr, note_fr
from mailhygiene.report.fmt import number_format
from mailhygiene.report.messages import Catalogue

FR = number_format("fr")
OC = Outcome
PUBLIC, PRIVATE = "93.184.216.34", "10.1.2.3"
NODATA = Answer(OC.NODATA, 300)


def addr(*addresses: str) -> Answer:
    return Answer(OC.ANSWER, 600, addresses=addresses)


def mx_answer(*hosts: str) -> Answer:
    return Answer(OC.ANSWER, 3600, mx=tuple((10 * (i + 1), h) for i, h in enumerate(hosts)))


def facts(mx: Answer, **hosts: HostFacts) -> DomainFacts:
    return DomainFacts("example.ma", mx, {h.replace("_", "."): f for h, f in hosts.items()})


# -- the stored English: as every store written so far holds it -----------------------------
# One case per form decide() writes (kind and stage); the ids name them.
WRITTEN = [
    pytest.param(facts(Answer(OC.NXDOMAIN, 300)), "NXDOMAIN", id="nxdomain-mx"),
    pytest.param(facts(mx_answer(".")), "null MX (RFC 7505): the domain accepts no mail",
                 id="null_mx-mx"),
    pytest.param(facts(mx_answer("mx1.example.ma", "mx2.example.ma"),
                       mx1_example_ma=HostFacts(addr(PUBLIC), NODATA)),
                 "MX mx1.example.ma (+1)", id="deliverable-hosts"),
    pytest.param(facts(NODATA, example_ma=HostFacts(addr(PUBLIC), NODATA)),
                 "no MX, mail goes to example.ma", id="deliverable-domain"),
    pytest.param(facts(Answer(OC.TIMEOUT)), "MX lookup: timeout", id="failed-mx"),
    pytest.param(facts(Answer(OC.NO_NAMESERVER, detail="Connection refused")),
                 "MX lookup: no_nameserver (Connection refused)", id="failed-mx-note"),
    pytest.param(facts(mx_answer("mx.example.ma"), mx_example_ma=HostFacts(
        Answer(OC.SERVFAIL), Answer(OC.ERROR, detail="malformed reply: short header"))),
        "MX host address: error, servfail (malformed reply: short header)",
        id="failed-hosts"),
    pytest.param(facts(NODATA, example_ma=HostFacts(Answer(OC.REFUSED), NODATA)),
                 "address of the domain (no MX): refused", id="failed-domain"),
    pytest.param(facts(mx_answer("mx.example.ma")), "MX host address: not looked up",
                 id="not_looked_up-hosts"),
    pytest.param(facts(NODATA), "address of the domain (no MX): not looked up",
                 id="not_looked_up-domain"),
    pytest.param(facts(mx_answer("mx.example.ma"),
                       mx_example_ma=HostFacts(addr(PRIVATE), NODATA)),
                 "MX hosts resolve only to non-public addresses", id="not_public-hosts"),
    pytest.param(facts(NODATA, example_ma=HostFacts(addr(PRIVATE), NODATA)),
                 "no MX; the domain's addresses are not public", id="not_public-domain"),
    pytest.param(facts(mx_answer("mx.example.ma"), mx_example_ma=HostFacts(NODATA, NODATA)),
                 "MX hosts have no address", id="no_address-hosts"),
    pytest.param(facts(NODATA, example_ma=HostFacts(NODATA, NODATA)), "no MX and no address",
                 id="no_address-domain"),
]


@pytest.mark.parametrize(("f", "text"), WRITTEN)
def test_dns_details_are_written_as_before(f: DomainFacts, text: str) -> None:
    assert decide(f).detail == text
    d = read_dns_detail(text)
    assert d is not None and d.text() == text


def _forms() -> list[tuple[str, str]]:
    """Every (kind, stage) DnsDetail writes a text for."""
    out = []
    for kind in KINDS:
        for stage in STAGES:
            try:
                DnsDetail(kind, stage, host="mx.example.ma", failures=("timeout",)).text()
            except ValueError:
                continue
            out.append((kind, stage))
    return out


def test_the_table_above_covers_every_form() -> None:
    ids = {p.id for p in WRITTEN}
    assert {f"{k}-{s}" for k, s in _forms()} <= ids


def test_failures_are_the_transient_outcomes() -> None:
    assert set(dd.FAILURES) == {o.value for o in Outcome if o.transient}


# -- every form, every note: a French wording ------------------------------------------------
@pytest.mark.parametrize(("kind", "stage"), _forms())
def test_every_form_has_a_french_wording(kind: str, stage: str) -> None:
    d = DnsDetail(kind, stage, host="mx.example.ma", others=2,
                  failures=dd.FAILURES if kind == "failed" else (),
                  notes=(dd.UNREACHABLE,) if kind == "failed" else ())
    french = dns_detail_fr(d.text(), FR)
    assert french is not None and french != d.text()
    if kind == "failed":
        assert all(w not in french for w in ("lookup", "address", "unreachable", "servfail",
                                             "no_nameserver", "timeout"))


# -- every form: an English wording (the English report showed the stored shorthand) -------
ENGLISH = [
    pytest.param("NXDOMAIN", "NXDOMAIN (the domain does not exist)", id="nxdomain-mx"),
    pytest.param("null MX (RFC 7505): the domain accepts no mail",
                 "null MX (RFC 7505): the domain accepts no mail", id="null_mx-mx"),
    pytest.param("MX mx1.example.ma (+1)", "MX servers mx1.example.ma and 1 other",
                 id="deliverable-hosts"),
    pytest.param("MX mx1.example.ma (+1234)", "MX servers mx1.example.ma and 1,234 others",
                 id="deliverable-hosts-many"),
    pytest.param("MX mx1.example.ma", "MX server mx1.example.ma", id="deliverable-hosts-one"),
    pytest.param("no MX, mail goes to example.ma", "no MX, mail goes to example.ma",
                 id="deliverable-domain"),
    pytest.param("MX lookup: timeout", "MX lookup: timed out", id="failed-mx"),
    pytest.param("MX lookup: no_nameserver (Connection refused)",
                 "MX lookup: no resolver reachable (connection refused)", id="failed-mx-note"),
    pytest.param("MX host address: error, servfail (malformed reply: short header; tcp)",
                 "address of the MX servers: unusable answer, DNS server failure (malformed "
                 "reply: short header; over TCP)", id="failed-hosts"),
    pytest.param("address of the domain (no MX): refused",
                 "address of the domain (no MX): query refused by the resolver",
                 id="failed-domain"),
    pytest.param("MX host address: not looked up", "address of the MX servers: not looked up",
                 id="not_looked_up-hosts"),
    pytest.param("address of the domain (no MX): not looked up",
                 "address of the domain (no MX): not looked up", id="not_looked_up-domain"),
    pytest.param("MX hosts resolve only to non-public addresses",
                 "the MX servers point only to non-public addresses", id="not_public-hosts"),
    pytest.param("no MX; the domain's addresses are not public",
                 "no MX; the domain's addresses are not public", id="not_public-domain"),
    pytest.param("MX hosts have no address", "the MX servers have no address",
                 id="no_address-hosts"),
    pytest.param("no MX and no address", "neither MX nor address", id="no_address-domain"),
]


@pytest.mark.parametrize(("text", "english"), ENGLISH)
def test_every_form_has_an_english_wording(text: str, english: str) -> None:
    assert Catalogue("en").detail(text, "dns") == english


def test_the_english_table_covers_every_form() -> None:
    assert {f"{k}-{s}" for k, s in _forms()} <= {p.id for p in ENGLISH}


def _client_notes_in_source() -> list[ast.expr]:
    """The `detail=` arguments the MX stage's client writes (mx.py, mx_wire.py)."""
    out = []
    for module in (mx, mx_wire):
        tree = ast.parse(Path(inspect.getfile(module)).read_text(encoding="utf-8"))
        out += [kw.value for node in ast.walk(tree) if isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "Answer"
                for kw in node.keywords if kw.arg == "detail"]
    return out


def test_the_client_writes_notes_only_through_dns_detail() -> None:
    """A note written as a literal (or f-string) in mx.py or mx_wire.py has no reading and no
    French wording: every note must come from dns_detail's constants and builders."""
    values = _client_notes_in_source()
    assert len(values) >= 9
    literals = [ast.unparse(v) for v in values
                if any(isinstance(n, ast.JoinedStr)
                       or (isinstance(n, ast.Constant) and isinstance(n.value, str))
                       for n in ast.walk(v))]
    assert literals == []


def _malformed_reasons() -> set[str]:
    tree = ast.parse(Path(inspect.getfile(mx_wire)).read_text(encoding="utf-8"))
    return {node.args[0].value for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", "") == "MalformedReply" and node.args
            and isinstance(node.args[0], ast.Constant)}


def _bare_os_error() -> OSError:
    return OSError("no strerror")  # strerror None: named by its class


# Every constant and builder of dns_detail, with the notes it writes.
NOTES = [
    pytest.param(dd.NOT_A_NAME, "nom impossible à écrire en DNS",
                 "name that cannot be written in DNS", id="NOT_A_NAME"),
    pytest.param(dd.UNREACHABLE, "résolveur injoignable", "resolver unreachable",
                 id="UNREACHABLE"),
    pytest.param(dd.TCP, "en TCP", "over TCP", id="TCP"),
    pytest.param(dd.CHAIN_TOO_LONG, "chaîne d'alias (CNAME) trop longue",
                 "alias (CNAME) chain too long", id="CHAIN_TOO_LONG"),
    pytest.param(dd.ANSWER_FOR_NXDOMAIN, "réponse NXDOMAIN portant des enregistrements",
                 "NXDOMAIN reply carrying records", id="ANSWER_FOR_NXDOMAIN"),
    pytest.param(dd.os_error_note(ConnectionRefusedError(
        errno.ECONNREFUSED, os.strerror(errno.ECONNREFUSED))), "connexion refusée",
        "connection refused", id="os_error_note"),
    pytest.param(dd.os_error_note(OSError(errno.EMFILE, os.strerror(errno.EMFILE))),
                 "erreur système EMFILE", "system error EMFILE", id="os_error_note-other-errno"),
    pytest.param(dd.os_error_note(_bare_os_error()), "erreur OSError", "error OSError",
                 id="os_error_note-no-strerror"),
    pytest.param(dd.exception_note(KeyError("x")), "erreur KeyError", "error KeyError",
                 id="exception_note"),
    pytest.param(dd.tcp_note(dd.os_error_note(ConnectionResetError(
        errno.ECONNRESET, os.strerror(errno.ECONNRESET)))),
        "en TCP : connexion réinitialisée", "over TCP: connection reset", id="tcp_note"),
    pytest.param(dd.rcode_note("NOTIMP"), "code de réponse NOTIMP", "reply code NOTIMP",
                 id="rcode_note"),
    pytest.param(dd.rcode_note("11"), "code de réponse 11", "reply code 11",
                 id="rcode_note-number"),
    pytest.param(dd.malformed_note("short SOA"), "réponse malformée : SOA trop court",
                 "malformed reply: short SOA", id="malformed_note"),
]


@pytest.mark.parametrize(("note", "french", "english"), NOTES)
def test_every_note_is_worded_in_both_languages(note: str, french: str, english: str) -> None:
    assert note_fr(note) == french
    text = f"MX lookup: error ({note})"
    assert Catalogue("fr").detail(text, "dns") == f"recherche MX : réponse inexploitable ({french})"
    assert Catalogue("en").detail(text, "dns") == f"MX lookup: unusable answer ({english})"


def test_the_note_table_covers_every_builder_and_constant() -> None:
    names = {n for n, v in vars(dd).items() if not n.startswith("_") and n != "read_note"
             and (n.endswith("_note") or (n.isupper() and isinstance(v, str)))}
    assert names and names <= {str(p.id).split("-")[0] for p in NOTES}


def test_every_malformed_reply_reason_has_a_french_wording() -> None:
    reasons = _malformed_reasons()
    assert len(reasons) >= 10
    assert reasons <= set(MALFORMED_FR), reasons - set(MALFORMED_FR)
    for r in reasons:
        assert note_fr(dd.malformed_note(r)) is not None


# -- any facts decide() can be given: the detail reads back and is worded in French ----------
_NOTE_TEXTS = [p.values[0] for p in NOTES]
_OUTCOMES = st.sampled_from(list(Outcome))
_HOSTS = st.sampled_from(["mx1.example.ma", "mx2.example.ma", "mail.xn--caf-dma.ma", "."])


@st.composite
def _answer(draw: st.DrawFn, kind: str) -> Answer:
    outcome = draw(_OUTCOMES)
    note = draw(st.sampled_from(["", *_NOTE_TEXTS])) if outcome.transient else ""
    if outcome is not OC.ANSWER:
        return Answer(outcome, 300, detail=note)
    if kind == "mx":
        hosts = draw(st.lists(_HOSTS, min_size=1, max_size=4))
        return Answer(outcome, 300, mx=tuple((i, h) for i, h in enumerate(hosts)))
    return Answer(outcome, 300, addresses=tuple(draw(st.lists(
        st.sampled_from([PUBLIC, PRIVATE, "127.0.0.1", "::1"]), min_size=1, max_size=2))))


@st.composite
def _facts(draw: st.DrawFn) -> DomainFacts:
    names = draw(st.lists(st.sampled_from(["mx1.example.ma", "mx2.example.ma", "example.ma",
                                           "mail.xn--caf-dma.ma"]), max_size=3, unique=True))
    return DomainFacts("example.ma", draw(_answer("mx")),
                       {h: HostFacts(draw(_answer("a")), draw(_answer("aaaa"))) for h in names})


@given(_facts(), st.booleans())
def test_every_detail_decide_writes_is_read_and_worded_in_french(f: DomainFacts,
                                                                 loopback: bool) -> None:
    text = decide(f, allow_loopback=loopback).detail
    d = read_dns_detail(text)
    assert d is not None, text
    assert all(read_note(n) is not None and note_fr(n) is not None for n in d.notes), d.notes
    french = dns_detail_fr(text, FR)
    assert french is not None and french != text
    english = Catalogue("en").detail(text, "dns")
    assert not any(w in english for w in ("(+", "MX host address", "no_nameserver", "servfail"))


# -- texts this version did not write ---------------------------------------------------------
@pytest.mark.parametrize("text", [
    pytest.param("hard bounce 5.1.1 userunknown on 2024-01-05", id="history"),
    pytest.param("550 5.1.1 <j***@e***.ma>: user unknown", id="smtp-reply"),
    pytest.param("MX lookup: sleepy", id="unknown-failure"),
    pytest.param("MX lookup: timeout ()", id="empty-notes"),
    pytest.param("MX mx.example.ma (+0)", id="zero-others"),
    pytest.param("address of the domain (no MX): not looked up again", id="other-wording"),
])
def test_texts_this_version_did_not_write_are_not_read(text: str) -> None:
    assert read_dns_detail(text) is None
    assert Catalogue("fr").detail(text, "dns") == text
    assert Catalogue("en").detail(text, "dns") == text


def test_an_unknown_note_is_quoted_as_stored() -> None:
    """A store written by another version may hold a note this one does not read: the
    detail is still worded in French around it."""
    assert Catalogue("fr").detail("MX lookup: servfail (some new note)", "dns") == (
        "recherche MX : échec du serveur DNS (some new note)")
