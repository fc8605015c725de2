"""The detail a bounce-history verdict stores: the English sentence is unchanged (it is what
stores hold), it reads back into the facts it was written from, and the reports word those
facts for their reader, in French (issue 9: everything a French reader sees is French) and in
English (days written out, reasons in words)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from mailhygiene.bounces.model import SES_NAME
from mailhygiene.cli import main
from mailhygiene.history import HistoryEvent, decide_history
from mailhygiene.history_detail import KINDS, EventNote, HistoryDetail, read_detail
from mailhygiene.report.fmt import number_format
from mailhygiene.report.history_messages import REASONS_EN, REASONS_FR, history_detail_fr
from mailhygiene.report.messages import Catalogue
from mailhygiene.types import Evidence, Reason, Status, Verdict

FR = number_format("fr")
NNBSP = "\u202f"
T0 = datetime(2024, 1, 5, 9, 0)
SKIPPED = Verdict(Status.UNKNOWN, Reason.SMTP_SKIPPED, Evidence.DNS)


def ev(reason: str, day: int | None = 0, status: str = "", hard: bool = False) -> HistoryEvent:
    return HistoryEvent(reason=reason, hard=hard, status=status,
                        event_time=None if day is None else T0 + timedelta(days=day))


# -- the stored English: as every store written so far holds it -----------------------------
@pytest.mark.parametrize(("events", "text"), [
    pytest.param([ev("userunknown", 0, "5.1.1", hard=True)],
                 "hard bounce 5.1.1 userunknown on 2024-01-05", id="hard"),
    pytest.param([ev("hostunknown", None, hard=True)], "hard bounce hostunknown on unknown date",
                 id="hard-no-code-no-date"),
    pytest.param([ev("mailboxfull", 0, "4.2.2"), ev("mailboxfull", 70, "4.2.2")],
                 "2 soft bounces from 2024-01-05 to 2024-03-15 (last: 4.2.2 mailboxfull on "
                 "2024-03-15)", id="soft"),
    pytest.param([ev("", None), ev("", 0), ev("", 40)],
                 "3 soft bounces from unknown date to 2024-02-14 (last: on 2024-02-14)",
                 id="soft-without-reason"),
    pytest.param([ev("feedback", 0), ev("feedback", 3)], "complaint (2) on 2024-01-08",
                 id="complaint"),
    pytest.param([ev("delivered", 0)], "delivered on 2024-01-05", id="delivered"),
    pytest.param([ev("vacation", None)], "vacation on unknown date", id="vacation"),
])
def test_history_details_are_written_as_before(events: list[HistoryEvent], text: str) -> None:
    v = decide_history(events, SKIPPED)
    assert v is not None and v.detail == text
    assert read_detail(text) is not None


# -- written, then read back ----------------------------------------------------------------
_DAYS = st.one_of(st.just(""), st.dates(date(1990, 1, 1), date(2100, 1, 1)).map(str))
_CODES = st.one_of(st.just(""), st.integers(200, 599).map(str),  # a reply code, 5.1.10...
                   st.tuples(st.sampled_from("245"), st.integers(0, 9), st.integers(0, 999))
                   .map(lambda t: "{}.{}.{}".format(*t)))
_REASONS = st.sampled_from(["", *sorted(REASONS_FR)])
_NOTES = st.builds(EventNote, _CODES, _REASONS, _DAYS)
_NAMES = st.from_regex(SES_NAME, fullmatch=True)


@st.composite
def _details(draw: st.DrawFn) -> HistoryDetail:
    kind = draw(st.sampled_from(KINDS))
    count = draw(st.integers(1, 10**6))
    if kind in ("opted_out", "lifted"):  # of every mail, or of unsubscribe groups
        # (SendGrid's numbers), contact lists and topics (SES's names); a trace of lifted
        # opt-outs names at least one of them (an opt-out of every mail is never lifted)
        groups = sorted(draw(st.sets(st.integers(0, 10**9), max_size=4)))
        lists = sorted(draw(st.sets(_NAMES, max_size=3)))
        topics = sorted(draw(st.sets(st.tuples(_NAMES, _NAMES), max_size=4)))
        if kind == "lifted" and not (groups or lists or topics):
            groups = [draw(st.integers(0, 10**9))]
        return HistoryDetail(kind, EventNote(day=draw(_DAYS)),
                             first_day=draw(_DAYS) if kind == "lifted" else "",
                             groups=tuple(str(g) for g in groups), lists=tuple(lists),
                             topics=tuple(topics))
    if kind in ("listed", "cleaned", "complaint_listed"):
        return HistoryDetail(kind, EventNote(day=draw(_DAYS)))
    if kind == "complaint":
        return HistoryDetail(kind, EventNote(day=draw(_DAYS)), count=count)
    if kind == "delivered":
        return HistoryDetail(kind, EventNote(reason=draw(st.sampled_from(["delivered",
                                                                          "vacation"])),
                                             day=draw(_DAYS)))
    if kind == "soft":
        return HistoryDetail(kind, draw(_NOTES), count=count, first_day=draw(_DAYS))
    return HistoryDetail(kind, draw(_NOTES))


@given(_details())
def test_a_detail_reads_back_into_its_facts(d: HistoryDetail) -> None:
    assert read_detail(d.text()) == d


@pytest.mark.parametrize("text", [
    pytest.param("MX mx1.example.com (+1)", id="dns"),
    pytest.param("550 5.1.1 <j***@e***.ma>: user unknown", id="smtp-reply"),
    pytest.param("did you mean gmail.com", id="typo"),
    pytest.param("hard bounce 5.1.1 userunknown on 2024-13-45", id="impossible-day"),
    pytest.param("2 soft bounces from 2024-01-05 to 2024-03-15 (last: 4.2.2 mailboxfull on "
                 "2024-03-16)", id="last-day-disagrees"),
    pytest.param("hard bounce 5.1.1 userunknown, 2024-01-05", id="other-wording"),
    pytest.param("opted out of unsubscribe group 9, 12 (the sending service's list) on "
                 "2024-05-06", id="group-but-two-numbers"),
    pytest.param("opted out of unsubscribe groups 9 (the sending service's list) on "
                 "2024-05-06", id="groups-but-one-number"),
])
def test_texts_this_version_did_not_write_are_not_read(text: str) -> None:
    assert read_detail(text) is None


@pytest.mark.parametrize(("bad", "good"), [
    pytest.param("contact list News, Shop", "contact lists News, Shop", id="list-two-names"),
    pytest.param("topic a of contact list News; topic b of contact list News",
                 "topics a, b of contact list News", id="topics-of-a-list-apart"),
    pytest.param("contact list News; unsubscribe group 9",
                 "unsubscribe group 9; contact list News", id="other-order"),
    pytest.param("contact list <b>News</b>", "contact list News", id="not-a-list-name"),
    pytest.param("contact list News;", "contact list News", id="empty-part"),
    pytest.param("newsletter News", "contact list News", id="not-a-scope"),
])
def test_opt_out_scopes_are_read_only_as_written(bad: str, good: str) -> None:
    def text(scopes: str) -> str:
        return f"opted out of {scopes} (the sending service's list) on 2024-05-06"

    assert read_detail(text(bad)) is None
    d = read_detail(text(good))
    assert d is not None and (d.lists, d.topics) != ((), ())


# -- the French report -----------------------------------------------------------------------
@pytest.mark.parametrize(("text", "french"), [
    pytest.param("hard bounce 5.1.1 userunknown on 2024-01-05",
                 "rebond définitif le 5 janvier 2024 (5.1.1, destinataire inconnu)", id="hard"),
    pytest.param("hard bounce hostunknown on unknown date",
                 "rebond définitif à une date inconnue (domaine inconnu)", id="hard-no-date"),
    pytest.param("2 soft bounces from 2024-01-01 to 2024-03-15 (last: 4.2.2 mailboxfull on "
                 "2024-03-15)",
                 "2 rebonds temporaires du 1er janvier 2024 au 15 mars 2024 (dernier le "
                 "15 mars 2024 : 4.2.2, boîte pleine)", id="soft"),
    pytest.param("1234 soft bounces from unknown date to 2024-02-14 (last: on 2024-02-14)",
                 f"1{NNBSP}234 rebonds temporaires d'une date inconnue au 14 février 2024 "
                 "(dernier le 14 février 2024)", id="soft-count-grouped"),
    pytest.param("complaint (1) on 2024-01-08", "plainte le 8 janvier 2024", id="complaint"),
    pytest.param("complaint (3) on unknown date",
                 "3 plaintes, la dernière à une date inconnue", id="complaints"),
    pytest.param("complaint (on the sending service's complaint list) on 2024-05-06",
                 "plainte (liste de plaintes de la plateforme d'envoi) le 6 mai 2024",
                 id="esp-complaint-list"),
    pytest.param("delivered on 2024-04-02", "délivrée le 2 avril 2024", id="delivered"),
    pytest.param("vacation on 2024-04-02", "réponse d'absence reçue le 2 avril 2024",
                 id="vacation"),
    pytest.param("hard bounce (on the sending service's bounce list) on 2024-05-06",
                 "rebond définitif (liste de rebonds de la plateforme d'envoi) le 6 mai 2024",
                 id="esp-bounce-list"),
    pytest.param("opted out (the sending service's list) on unknown date",
                 "désinscription (liste de la plateforme d'envoi) à une date inconnue",
                 id="esp-opt-out"),
    pytest.param("opted out of unsubscribe group 10 (the sending service's list) on "
                 "2024-05-06", "désinscription du groupe d'abonnement 10 (liste de la "
                 "plateforme d'envoi) le 6 mai 2024", id="esp-group-opt-out"),
    pytest.param("opted out of unsubscribe groups 9, 12 (the sending service's list) on "
                 "2024-05-06", "désinscription des groupes d'abonnement 9, 12 (liste de la "
                 "plateforme d'envoi) le 6 mai 2024", id="esp-group-opt-outs"),
    pytest.param("opted out of contact list News (the sending service's list) on "
                 "2024-05-06", "désinscription de la liste de contacts News (liste de la "
                 "plateforme d'envoi) le 6 mai 2024", id="esp-list-opt-out"),
    pytest.param("opted out of contact lists News, Shop (the sending service's list) on "
                 "2024-05-06", "désinscription des listes de contacts News, Shop (liste de la "
                 "plateforme d'envoi) le 6 mai 2024", id="esp-list-opt-outs"),
    pytest.param("opted out of topic offers of contact list News (the sending service's list) "
                 "on 2024-05-06", "désinscription de la rubrique offers de la liste de "
                 "contacts News (liste de la plateforme d'envoi) le 6 mai 2024",
                 id="esp-topic-opt-out"),
    pytest.param("opted out of unsubscribe group 10; contact list Shop; topics events, offers "
                 "of contact list News (the sending service's list) on unknown date",
                 "désinscription du groupe d'abonnement 10 ; de la liste de contacts Shop ; "
                 "des rubriques events, offers de la liste de contacts News (liste de la "
                 "plateforme d'envoi) à une date inconnue", id="esp-scopes"),
    pytest.param("cleaned by the sending service on 2024-05-06 (a hard bounce or repeated "
                 "soft bounces)", "écartée par la plateforme d'envoi le 6 mai 2024 (un rebond "
                 "définitif ou des rebonds temporaires répétés)", id="esp-cleaned"),
])
def test_history_details_are_worded_in_french(text: str, french: str) -> None:
    assert history_detail_fr(text, FR) == french
    assert Catalogue("fr").detail(text, "history") == french


# -- the English report: the same facts, worded for the reader (it showed the stored text) --
@pytest.mark.parametrize(("text", "english"), [
    pytest.param("hard bounce 5.1.1 userunknown on 2024-01-05",
                 "hard bounce on 5 January 2024 (5.1.1, recipient unknown)", id="hard"),
    pytest.param("hard bounce hostunknown on unknown date",
                 "hard bounce on an unknown date (domain unknown)", id="hard-no-date"),
    pytest.param("hard bounce 550 on 2024-01-05", "hard bounce on 5 January 2024 (550)",
                 id="hard-code-only"),
    pytest.param("2 soft bounces from 2024-01-01 to 2024-03-15 (last: 4.2.2 mailboxfull on "
                 "2024-03-15)", "2 soft bounces from 1 January 2024 to 15 March 2024 (the "
                 "last on 15 March 2024: 4.2.2, mailbox full)", id="soft"),
    pytest.param("1234 soft bounces from unknown date to 2024-02-14 (last: on 2024-02-14)",
                 "1,234 soft bounces from an unknown date to 14 February 2024 (the last on "
                 "14 February 2024)", id="soft-count-grouped"),
    pytest.param("complaint (1) on 2024-01-08", "complaint on 8 January 2024", id="complaint"),
    pytest.param("complaint (3) on unknown date", "3 complaints, the last on an unknown date",
                 id="complaints"),
    pytest.param("complaint (on the sending service's complaint list) on 2024-05-06",
                 "complaint (the sending service's complaint list) on 6 May 2024",
                 id="esp-complaint-list"),
    pytest.param("delivered on 2024-04-02", "delivered on 2 April 2024", id="delivered"),
    pytest.param("vacation on 2024-04-02", "auto-reply received on 2 April 2024",
                 id="vacation"),
    pytest.param("hard bounce (on the sending service's bounce list) on 2024-05-06",
                 "hard bounce (the sending service's bounce list) on 6 May 2024",
                 id="esp-bounce-list"),
    pytest.param("opted out (the sending service's list) on unknown date",
                 "opted out (the sending service's list) on an unknown date", id="esp-opt-out"),
    pytest.param("opted out of unsubscribe group 10; contact list Shop; topics events, offers "
                 "of contact list News (the sending service's list) on unknown date",
                 "opted out of unsubscribe group 10; contact list Shop; topics events, offers "
                 "of contact list News (the sending service's list) on an unknown date",
                 id="esp-scopes"),
    pytest.param("cleaned by the sending service on 2024-05-06 (a hard bounce or repeated "
                 "soft bounces)", "removed by the sending service on 6 May 2024 (a hard "
                 "bounce or repeated soft bounces)", id="esp-cleaned"),
    pytest.param("delivered on 2024-06-03; opt-out of unsubscribe group 10 on 2024-05-06 taken "
                 "back on 2024-06-01", "delivered on 3 June 2024; opted out of unsubscribe "
                 "group 10 on 6 May 2024, taken back on 1 June 2024", id="lifted"),
])
def test_history_details_are_worded_in_english(text: str, english: str) -> None:
    assert Catalogue("en").detail(text, "history") == english


def test_every_bounce_reason_is_worded_in_both_languages() -> None:
    assert set(REASONS_EN) == set(REASONS_FR)


@given(_details())
def test_every_detail_is_worded_in_both_languages(d: HistoryDetail) -> None:
    """No stored shorthand reaches a reader: ISO days, `last:` and sisimai's reason words."""
    for lang in ("en", "fr"):
        worded = Catalogue(lang).detail(d.text(), "history")
        assert worded != d.text()
        assert not re.search(r"\d{4}-\d{2}-\d{2}|(?:on|from) unknown date|last:|"
                             r"opt-out of|mailboxfull", worded), worded


LIFTED = "opt-out of unsubscribe group 10 on 2024-05-06 taken back on 2024-06-01"
LIFTED_FR = "désinscription du groupe d'abonnement 10 le 6 mai 2024, annulée le 1er juin 2024"
LIFTED_EN = "opted out of unsubscribe group 10 on 6 May 2024, taken back on 1 June 2024"


@pytest.mark.parametrize(("text", "evidence", "french"), [
    pytest.param(LIFTED, "history", LIFTED_FR, id="alone"),
    pytest.param("delivered on 2024-06-03; " + LIFTED, "history",
                 "délivrée le 3 juin 2024 ; " + LIFTED_FR, id="after-a-history-detail"),
    pytest.param("MX mx.example.com; " + LIFTED, "dns",
                 "serveur MX mx.example.com ; " + LIFTED_FR, id="after-a-dns-detail"),
    pytest.param("250 2.1.5 Ok; " + LIFTED, "smtp", "250 2.1.5 Ok ; " + LIFTED_FR,
                 id="after-a-server-reply"),
    pytest.param("opt-out of contact list News; topics a, b of contact list Shop on "
                 "unknown date taken back on 2024-06-01", "dns",
                 "désinscription de la liste de contacts News ; des rubriques a, b de la liste "
                 "de contacts Shop à une date inconnue, annulée le 1er juin 2024", id="scopes"),
    # Not a trace this version wrote: shown as stored.
    pytest.param("MX mx.example.com;" + LIFTED, "dns", "MX mx.example.com;" + LIFTED,
                 id="no-separator"),
])
def test_a_lifted_opt_out_is_worded_in_french(text: str, evidence: str, french: str) -> None:
    assert Catalogue("fr").detail(text, evidence) == french


@pytest.mark.parametrize(("text", "evidence", "english"), [
    pytest.param("MX mx.example.com; " + LIFTED, "dns", "MX server mx.example.com; " + LIFTED_EN,
                 id="after-a-dns-detail"),
    pytest.param("250 2.1.5 Ok; " + LIFTED, "smtp", "250 2.1.5 Ok; " + LIFTED_EN,
                 id="after-a-server-reply"),
    pytest.param(LIFTED, "syntax", LIFTED_EN, id="alone"),
    pytest.param("MX mx.example.com;" + LIFTED, "dns", "MX mx.example.com;" + LIFTED,
                 id="no-separator"),
])
def test_a_lifted_opt_out_is_worded_in_english(text: str, evidence: str, english: str) -> None:
    assert Catalogue("en").detail(text, evidence) == english


POSTFIX = ("{t} mx1 postfix/smtp[2210]: 3F1A82A000{i}: to=<{to}>, relay=mx.example.org"
           "[198.51.100.7]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn={dsn}, status={status} "
           "(host mx.example.org[198.51.100.7] said: {reply} (in reply to RCPT TO command))\n")


def test_the_french_report_words_bounce_history(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("email\nghost@example.org\nfull@example.org\nalice@example.org\n",
                   encoding="utf-8")
    events = [("2024-01-05", "ghost", "5.1.1", "bounced", "550 5.1.1 User unknown"),
              ("2024-01-05", "full", "4.2.2", "deferred", "452 4.2.2 Mailbox full"),
              ("2024-03-15", "full", "4.2.2", "deferred", "452 4.2.2 Mailbox full"),
              ("2024-04-02", "alice", "2.0.0", "sent", "250 2.0.0 Ok")]
    log = tmp_path / "maillog"
    log.write_text("".join(POSTFIX.format(t=f"{d}T09:00:03+00:00", i=i, to=f"{u}@example.org",
                                          dsn=dsn, status=s, reply=r)
                           for i, (d, u, dsn, s, r) in enumerate(events)), encoding="utf-8")
    out = tmp_path / "rapport.html"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--bounces", str(log),
                                  "--html", str(out), "--lang", "fr", "--json", "--db",
                                  str(tmp_path / "s.duckdb")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["from_history"] == 3
    page = out.read_text(encoding="utf-8")
    for french in ("rebond définitif le 5 janvier 2024 (5.1.1, destinataire inconnu)",
                   "2 rebonds temporaires du 5 janvier 2024 au 15 mars 2024 (dernier le "
                   "15 mars 2024 : 4.2.2, boîte pleine)",
                   "délivrée le 2 avril 2024"):
        assert french.replace("'", "&#39;") in page, french
    for english in ("hard bounce", "soft bounces", "userunknown", "mailboxfull", " on 2024",
                    "delivered on"):
        assert english not in page, english
