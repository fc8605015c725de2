"""DNS details (`dns_detail`) in French: the facts of the stored English text, worded for the
reader. Host names, reply codes (SERVFAIL, NOTIMP), errno symbols and exception class names are
identifiers and are shown as such."""

from __future__ import annotations

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
from mailhygiene.report.fmt import NumberFormat, plural

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


def _note_fr(note: Note) -> str | None:
    if note.kind == "fixed":
        return _NOTES_FR.get(note.arg)
    if note.kind == "tcp":
        inner = None if note.inner is None else _note_fr(note.inner)
        return None if inner is None else f"en TCP : {inner}"
    if note.kind == "malformed":
        reason = MALFORMED_FR.get(note.arg)
        return None if reason is None else f"réponse malformée : {reason}"
    if note.kind == "rcode":
        return f"code de réponse {note.arg}"
    if note.kind == "os_error":
        return _ERRNO_FR.get(note.arg, f"erreur système {note.arg}")
    if note.kind == "exception":
        return f"erreur {note.arg}"
    return None


def note_fr(text: str) -> str | None:
    """The French wording of a note of a failed query (`Answer.detail`); None for a text
    `read_note` does not read or a reason this catalogue lacks."""
    note = read_note(text)
    return None if note is None else _note_fr(note)


def word_dns_fr(d: DnsDetail, fmt: NumberFormat) -> str | None:
    """None for a kind this catalogue does not word (tests/test_dns_detail.py fails then)."""
    fixed = _FIXED_FR.get((d.kind, d.stage))
    if fixed is not None:
        return fixed
    if d.kind == "deliverable" and d.stage == "hosts":
        if not d.others:
            return f"serveur MX {d.host}"
        others = plural(d.others, "autre", "autres", "fr")
        return f"serveurs MX {d.host} et {fmt.integer(d.others)} {others}"
    if d.kind == "deliverable" and d.stage == "domain":
        return f"pas de MX, le courrier va à {d.host}"
    if d.kind == "not_looked_up":
        return f"{_WHAT_FR[d.stage]} : non recherchée"
    if d.kind == "failed":
        failures = ", ".join(FAILURES_FR.get(f, f) for f in d.failures)
        # A note this version does not know (a store written by another) is quoted as stored.
        notes = " ; ".join(note_fr(n) or n for n in d.notes)
        return f"{_WHAT_FR[d.stage]} : {failures}" + (f" ({notes})" if notes else "")
    return None


def dns_detail_fr(text: str, fmt: NumberFormat) -> str | None:
    """The French wording of a stored DNS detail; None for a text `read_dns_detail` does not
    read (the caller keeps it as stored)."""
    d = read_dns_detail(text)
    return None if d is None else word_dns_fr(d, fmt)
