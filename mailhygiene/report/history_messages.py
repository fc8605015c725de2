"""Bounce-history details (`history_detail`) in French: the facts of the stored English
sentence, worded for the reader, counts in the report's number format and days written out
as in the evidence section."""

from __future__ import annotations

from itertools import groupby

from mailhygiene.history_detail import EventNote, HistoryDetail, read_detail, split_lifted
from mailhygiene.report.evidence_messages import french_date
from mailhygiene.report.fmt import NumberFormat, plural

# sisimai's reasons (bounces.reasons), as a French reader names them. A reason missing here
# is shown as its code, like a status code: an identifier, not an English sentence.
REASONS_FR = {
    "userunknown": "destinataire inconnu",
    "hostunknown": "domaine inconnu",
    "hasmoved": "destinataire parti",
    "notaccept": "domaine n'acceptant pas de courrier",
    "mailboxfull": "boîte pleine",
    "suspend": "boîte suspendue",
    "filtered": "refusé par un filtre du destinataire",
    "expired": "délai de remise dépassé",
    "systemerror": "erreur du serveur destinataire",
    "systemfull": "serveur destinataire saturé",
    "networkerror": "erreur de réseau",
    "exceedlimit": "message au-delà de la limite de la boîte",
    "toomanyconn": "trop de connexions",
    "speeding": "envoi trop rapide",
    "undefined": "raison non précisée",
    "onhold": "en attente",
    "suppressed": "adresse écartée par la plateforme d'envoi",
    "delivered": "délivré",
    "vacation": "réponse d'absence",
    "feedback": "plainte",
    "blocked": "bloqué",
    "spamdetected": "pris pour un pourriel",
    "rejected": "expéditeur refusé",
    "norelaying": "relais refusé",
    "policyviolation": "contraire à la politique du destinataire",
    "authfailure": "échec d'authentification (SPF, DKIM, DMARC)",
    "requireptr": "enregistrement PTR exigé",
    "securityerror": "erreur de sécurité",
    "badreputation": "mauvaise réputation de l'expéditeur",
    "ratelimited": "débit limité",
    "contenterror": "contenu refusé",
    "virusdetected": "virus détecté",
    "notcompliantrfc": "message non conforme aux RFC",
    "failedstarttls": "échec de STARTTLS",
    "syntaxerror": "erreur de syntaxe SMTP",
    "emailtoolarge": "message trop volumineux",
    "mailererror": "erreur du logiciel de courrier",
}

# What a proof of delivery was (history.EXISTS).
_DELIVERED_FR = {"delivered": "délivrée", "vacation": "réponse d'absence reçue"}


def _on(day: str) -> str:
    return f"le {french_date(day)}" if day else "à une date inconnue"


def _from_to(first: str, last: str) -> str:
    start = f"du {french_date(first)}" if first else "d'une date inconnue"
    return f"{start} au {french_date(last)}" if last else f"{start} à une date inconnue"


def _what(note: EventNote) -> str:
    """`5.1.1, destinataire inconnu`: the code, then the reason in words."""
    return ", ".join(x for x in (note.code, REASONS_FR.get(note.reason, note.reason)) if x)


def word_history_fr(d: HistoryDetail, fmt: NumberFormat) -> str:
    n = fmt.integer(d.count)
    if d.kind == "complaint":
        if d.count == 1:
            return f"plainte {_on(d.last.day)}"
        return f"{n} plaintes, la dernière {_on(d.last.day)}"
    if d.kind == "hard":
        what = _what(d.last)
        return f"rebond définitif {_on(d.last.day)}" + (f" ({what})" if what else "")
    if d.kind == "soft":
        words = plural(d.count, "rebond temporaire", "rebonds temporaires", "fr")
        what = _what(d.last)
        return (f"{n} {words} {_from_to(d.first_day, d.last.day)} (dernier "
                f"{_on(d.last.day)}" + (f" : {what})" if what else ")"))
    if d.kind == "listed":
        return f"rebond définitif (liste de rebonds de la plateforme d'envoi) {_on(d.last.day)}"
    if d.kind == "complaint_listed":
        return f"plainte (liste de plaintes de la plateforme d'envoi) {_on(d.last.day)}"
    if d.kind == "opted_out" and (d.groups or d.lists or d.topics):
        return (f"désinscription {_scopes_fr(d)} (liste de la plateforme d'envoi) "
                f"{_on(d.last.day)}")
    if d.kind == "opted_out":
        return f"désinscription (liste de la plateforme d'envoi) {_on(d.last.day)}"
    if d.kind == "cleaned":
        return (f"écartée par la plateforme d'envoi {_on(d.last.day)} (un rebond définitif ou "
                "des rebonds temporaires répétés)")
    if d.kind == "lifted":
        return f"désinscription {_scopes_fr(d)} {_on(d.first_day)}, annulée {_on(d.last.day)}"
    word = _DELIVERED_FR.get(d.last.reason, REASONS_FR.get(d.last.reason, d.last.reason))
    return f"{word} {_on(d.last.day)}"


def _scopes_fr(d: HistoryDetail) -> str:
    """`du groupe d'abonnement 10 ; de la liste de contacts News ; des rubriques a, b de la
    liste de contacts Shop` (SES's French documentation says liste de contacts, rubrique)."""
    def several(one: str, many: str, names: tuple[str, ...] | list[str]) -> str:
        return (one if len(names) == 1 else many) + " " + ", ".join(names)

    parts = [several("du groupe d'abonnement", "des groupes d'abonnement", d.groups)
             ] if d.groups else []
    if d.lists:
        parts.append(several("de la liste de contacts", "des listes de contacts", d.lists))
    parts.extend(several("de la rubrique", "des rubriques", [t for _, t in items])
                 + f" de la liste de contacts {name}"
                 for name, items in groupby(d.topics, key=lambda t: t[0]))
    return " ; ".join(parts)


def history_detail_fr(text: str, fmt: NumberFormat) -> str | None:
    """The French wording of a stored history detail; None for a text `read_detail` does not
    read (the caller keeps it as stored)."""
    head, lifted = split_lifted(text)
    d = read_detail(head) if head else None
    if lifted is None:
        return None if d is None else word_history_fr(d, fmt)
    return with_lifted_fr(None if d is None else word_history_fr(d, fmt), head, lifted, fmt)


def with_lifted_fr(worded: str | None, head: str, lifted: HistoryDetail,
                   fmt: NumberFormat) -> str:
    """A detail followed by a lifted opt-out's trace, in French: `worded` is the detail's own
    French wording (None: `head` is shown as stored)."""
    trace = word_history_fr(lifted, fmt)
    shown = head if worded is None else worded
    return f"{shown} ; {trace}" if shown else trace
