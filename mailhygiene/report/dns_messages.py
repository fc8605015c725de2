"""DNS details (`dns_detail`) worded for the report's reader, in English and in French: the
facts of the stored text (`NXDOMAIN`, `MX mx.example.ma (+1)`), not its shorthand. One wording
serves both languages; only the phrases (`DnsWords`) differ. Host names, reply codes
(SERVFAIL, NOTIMP), errno symbols and exception class names are identifiers and are shown as
such."""

from __future__ import annotations

from dataclasses import dataclass

from mailhygiene.dns_detail import (
    ANSWER_FOR_NXDOMAIN,
    CHAIN_TOO_LONG,
    NOT_A_NAME,
    TCP,
    UNREACHABLE,
    DnsDetail,
    Note,
    read_dns_detail,
    read_note,
)
from mailhygiene.report.fmt import Count, NumberFormat

_FIXED_FR = {
    ("nxdomain", "mx"): "NXDOMAIN (le domaine n'existe pas)",
    ("null_mx", "mx"): "MX nul (RFC 7505) : le domaine n'accepte aucun courrier",
    ("not_public", "hosts"): "les serveurs MX ne pointent que vers des adresses non publiques",
    ("not_public", "domain"): "pas de MX ; les adresses du domaine ne sont pas publiques",
    ("no_address", "hosts"): "les serveurs MX n'ont pas d'adresse",
    ("no_address", "domain"): "ni MX ni adresse",
}
_WHAT_FR = {"mx": "recherche MX", "hosts": "adresse des serveurs MX",
            "domain": "adresse du domaine (pas de MX)"}
FAILURES_FR = {
    "error": "réponse inexploitable",
    "no_nameserver": "aucun résolveur joignable",
    "refused": "requête refusée par le résolveur",
    "servfail": "échec du serveur DNS",
    "timeout": "délai dépassé",
}
_NOTES_FR = {
    NOT_A_NAME: "nom impossible à écrire en DNS",
    UNREACHABLE: "résolveur injoignable",
    TCP: "en TCP",
    CHAIN_TOO_LONG: "chaîne d'alias (CNAME) trop longue",
    ANSWER_FOR_NXDOMAIN: "réponse NXDOMAIN portant des enregistrements",
}
# mx_wire's MalformedReply reasons (a test checks that every one is here).
MALFORMED_FR = {
    "short header": "en-tête trop court",
    "question count is not 1": "nombre de questions différent de 1",
    "name runs past the end": "nom au-delà de la fin",
    "truncated pointer": "pointeur tronqué",
    "bad compression pointer": "pointeur de compression invalide",
    "unknown label type": "type de label inconnu",
    "label runs past the end": "label au-delà de la fin",
    "name too long": "nom trop long",
    "record header runs past the end": "en-tête d'enregistrement au-delà de la fin",
    "rdata runs past the end": "données d'enregistrement au-delà de la fin",
    "short SOA": "SOA trop court",
    "short MX": "MX trop court",
    "MX name runs past its rdata": "nom du MX au-delà de ses données",
    "bad address length": "longueur d'adresse invalide",
}
# The socket errors a resolver's failure gives; any other is named by its errno symbol.
_ERRNO_FR = {
    "ECONNREFUSED": "connexion refusée",
    "ENETUNREACH": "réseau injoignable",
    "EHOSTUNREACH": "hôte injoignable",
    "ECONNRESET": "connexion réinitialisée",
    "ETIMEDOUT": "délai de connexion dépassé",
    "EACCES": "accès refusé",
    "EPERM": "opération non permise",
    "EADDRNOTAVAIL": "adresse indisponible",
    "ENOBUFS": "mémoire tampon saturée",
}

_FIXED_EN = {
    ("nxdomain", "mx"): "NXDOMAIN (the domain does not exist)",
    ("null_mx", "mx"): "null MX (RFC 7505): the domain accepts no mail",
    ("not_public", "hosts"): "the MX servers point only to non-public addresses",
    ("not_public", "domain"): "no MX; the domain's addresses are not public",
    ("no_address", "hosts"): "the MX servers have no address",
    ("no_address", "domain"): "neither MX nor address",
}
_WHAT_EN = {"mx": "MX lookup", "hosts": "address of the MX servers",
            "domain": "address of the domain (no MX)"}
FAILURES_EN = {
    "error": "unusable answer",
    "no_nameserver": "no resolver reachable",
    "refused": "query refused by the resolver",
    "servfail": "DNS server failure",
    "timeout": "timed out",
}
_NOTES_EN = {
    NOT_A_NAME: "name that cannot be written in DNS",
    UNREACHABLE: "resolver unreachable",
    TCP: "over TCP",
    CHAIN_TOO_LONG: "alias (CNAME) chain too long",
    ANSWER_FOR_NXDOMAIN: "NXDOMAIN reply carrying records",
}
_ERRNO_EN = {
    "ECONNREFUSED": "connection refused",
    "ENETUNREACH": "network unreachable",
    "EHOSTUNREACH": "host unreachable",
    "ECONNRESET": "connection reset",
    "ETIMEDOUT": "connection timed out",
    "EACCES": "permission denied",
    "EPERM": "operation not permitted",
    "EADDRNOTAVAIL": "address not available",
    "ENOBUFS": "no buffer space",
}


@dataclass(frozen=True, slots=True)
class DnsWords:
    """One language's phrases for `word_dns`. The sentences are `str.format` templates:
    `{host}`, `{what}`, `{failures}`, `{inner}`, `{reason}`, `{arg}`, and `{n}` a Count
    (`{n:other|others}` agrees with it)."""

    fixed: dict[tuple[str, str], str]
    what: dict[str, str]
    failures: dict[str, str]
    notes: dict[str, str]
    malformed: dict[str, str]
    errno: dict[str, str]
    lang: str
    one_host: str
    hosts: str
    no_mx: str
    not_looked_up: str
    failed: str
    note_sep: str
    tcp: str
    malformed_reply: str
    rcode: str
    os_error: str
    exception: str


DNS_EN = DnsWords(
    _FIXED_EN, _WHAT_EN, FAILURES_EN, _NOTES_EN,
    # mx_wire's reasons are English words already ("short header").
    {r: r for r in MALFORMED_FR}, _ERRNO_EN, "en",
    one_host="MX server {host}", hosts="MX servers {host} and {n} {n:other|others}",
    no_mx="no MX, mail goes to {host}", not_looked_up="{what}: not looked up",
    failed="{what}: {failures}", note_sep="; ", tcp="over TCP: {inner}",
    malformed_reply="malformed reply: {reason}", rcode="reply code {arg}",
    os_error="system error {arg}", exception="error {arg}")
DNS_FR = DnsWords(
    _FIXED_FR, _WHAT_FR, FAILURES_FR, _NOTES_FR, MALFORMED_FR, _ERRNO_FR, "fr",
    one_host="serveur MX {host}", hosts="serveurs MX {host} et {n} {n:autre|autres}",
    no_mx="pas de MX, le courrier va à {host}", not_looked_up="{what} : non recherchée",
    failed="{what} : {failures}", note_sep=" ; ", tcp="en TCP : {inner}",
    malformed_reply="réponse malformée : {reason}", rcode="code de réponse {arg}",
    os_error="erreur système {arg}", exception="erreur {arg}")
DNS_WORDS = {"en": DNS_EN, "fr": DNS_FR}


def _note(note: Note, w: DnsWords) -> str | None:
    if note.kind == "fixed":
        return w.notes.get(note.arg)
    if note.kind == "tcp":
        inner = None if note.inner is None else _note(note.inner, w)
        return None if inner is None else w.tcp.format(inner=inner)
    if note.kind == "malformed":
        reason = w.malformed.get(note.arg)
        return None if reason is None else w.malformed_reply.format(reason=reason)
    if note.kind == "rcode":
        return w.rcode.format(arg=note.arg)
    if note.kind == "os_error":
        return w.errno.get(note.arg) or w.os_error.format(arg=note.arg)
    if note.kind == "exception":
        return w.exception.format(arg=note.arg)
    return None


def note_words(text: str, w: DnsWords) -> str | None:
    """The wording of a note of a failed query (`Answer.detail`); None for a text `read_note`
    does not read or a reason the catalogue lacks."""
    note = read_note(text)
    return None if note is None else _note(note, w)


def note_fr(text: str) -> str | None:
    return note_words(text, DNS_FR)


def word_dns(d: DnsDetail, fmt: NumberFormat, w: DnsWords) -> str | None:
    """None for a kind this catalogue does not word (tests/test_dns_detail.py fails then)."""
    fixed = w.fixed.get((d.kind, d.stage))
    if fixed is not None:
        return fixed
    if d.kind == "deliverable" and d.stage == "hosts":
        if not d.others:
            return w.one_host.format(host=d.host)
        return w.hosts.format(host=d.host, n=Count(d.others, fmt.integer(d.others), w.lang))
    if d.kind == "deliverable" and d.stage == "domain":
        return w.no_mx.format(host=d.host)
    if d.kind == "not_looked_up":
        return w.not_looked_up.format(what=w.what[d.stage])
    if d.kind == "failed":
        failures = ", ".join(w.failures.get(f, f) for f in d.failures)
        # A note this version does not know (a store written by another) is quoted as stored.
        notes = w.note_sep.join(note_words(n, w) or n for n in d.notes)
        return (w.failed.format(what=w.what[d.stage], failures=failures)
                + (f" ({notes})" if notes else ""))
    return None


def dns_detail_words(text: str, fmt: NumberFormat, w: DnsWords) -> str | None:
    """The wording of a stored DNS detail; None for a text `read_dns_detail` does not read
    (the caller keeps it as stored)."""
    d = read_dns_detail(text)
    return None if d is None else word_dns(d, fmt, w)


def dns_detail_fr(text: str, fmt: NumberFormat) -> str | None:
    return dns_detail_words(text, fmt, DNS_FR)
