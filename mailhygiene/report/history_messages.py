"""Bounce-history details (`history_detail`) worded for the report's reader, in English and in
French: the facts of the stored sentence (`hard bounce 5.1.1 userunknown on 2024-01-05`), reasons
in words, counts in the report's number format and days written out. One wording serves both
languages; only the phrases (`HistoryWords`) differ. Status codes stay as identifiers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from mailhygiene.history_detail import EventNote, HistoryDetail, read_detail, split_lifted
from mailhygiene.report.evidence_messages import french_date
from mailhygiene.report.fmt import Count, NumberFormat

# sisimai's reasons (bounces.reasons), as a reader names them. A reason missing here is shown
# as its code, like a status code: an identifier (a test checks both tables have every one).
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

REASONS_EN = {
    "userunknown": "recipient unknown",
    "hostunknown": "domain unknown",
    "hasmoved": "recipient has moved",
    "notaccept": "domain accepting no mail",
    "mailboxfull": "mailbox full",
    "suspend": "mailbox suspended",
    "filtered": "refused by a filter of the recipient",
    "expired": "delivery time expired",
    "systemerror": "recipient server error",
    "systemfull": "recipient server full",
    "networkerror": "network error",
    "exceedlimit": "message over the mailbox's limit",
    "toomanyconn": "too many connections",
    "speeding": "sending too fast",
    "undefined": "reason not given",
    "onhold": "on hold",
    "suppressed": "address suppressed by the sending service",
    "delivered": "delivered",
    "vacation": "auto-reply",
    "feedback": "complaint",
    "blocked": "blocked",
    "spamdetected": "taken for spam",
    "rejected": "sender refused",
    "norelaying": "relaying refused",
    "policyviolation": "against the recipient's policy",
    "authfailure": "authentication failure (SPF, DKIM, DMARC)",
    "requireptr": "PTR record required",
    "securityerror": "security error",
    "badreputation": "sender's bad reputation",
    "ratelimited": "rate limited",
    "contenterror": "content refused",
    "virusdetected": "virus detected",
    "notcompliantrfc": "message not compliant with the RFCs",
    "failedstarttls": "STARTTLS failed",
    "syntaxerror": "SMTP syntax error",
    "emailtoolarge": "message too large",
    "mailererror": "mail software error",
}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def english_date(iso: str) -> str:
    """`2024-01-05` -> `5 January 2024` (day first: neither 01/05 nor 05/01); anything else
    as given."""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


@dataclass(frozen=True, slots=True)
class HistoryWords:
    """One language's phrases for `word_history`. The sentences are `str.format` templates:
    `{on}` a day as `on_day` words it, `{span}` two days, `{what}` an event's code and reason,
    `{scopes}` an opt-out's groups, lists and topics, `{word}` a proof of delivery, and `{n}`
    a Count (`{n:bounce|bounces}` agrees with it)."""

    lang: str
    reasons: dict[str, str]
    delivered: dict[str, str]  # what a proof of delivery was (history.EXISTS)
    date: Callable[[str], str]
    on_day: str
    on_unknown: str
    from_day: str
    from_unknown: str
    to_day: str
    to_unknown: str
    complaint: str
    complaints: str
    hard: str
    soft: str
    soft_what: str
    listed: str
    complaint_listed: str
    opted_out: str
    opted_out_scopes: str
    cleaned: str
    lifted: str
    proof: str
    groups: tuple[str, str]
    lists: tuple[str, str]
    topics: tuple[str, str]
    topic_of: str
    sep: str  # between scopes, and before a lifted opt-out's trace


HISTORY_EN = HistoryWords(
    "en", REASONS_EN, {"delivered": "delivered", "vacation": "auto-reply received"},
    english_date, on_day="on {date}", on_unknown="on an unknown date", from_day="from {date}",
    from_unknown="from an unknown date", to_day=" to {date}", to_unknown=" to an unknown date",
    complaint="complaint {on}", complaints="{n} complaints, the last {on}",
    hard="hard bounce {on}", soft="{n} {n:soft bounce|soft bounces} {span} (the last {on}",
    soft_what=": {what})",
    listed="hard bounce (the sending service's bounce list) {on}",
    complaint_listed="complaint (the sending service's complaint list) {on}",
    opted_out="opted out (the sending service's list) {on}",
    opted_out_scopes="opted out of {scopes} (the sending service's list) {on}",
    cleaned="removed by the sending service {on} (a hard bounce or repeated soft bounces)",
    lifted="opted out of {scopes} {first}, taken back {on}", proof="{word} {on}",
    groups=("unsubscribe group", "unsubscribe groups"), lists=("contact list", "contact lists"),
    topics=("topic", "topics"), topic_of="{topics} of contact list {name}", sep="; ")
HISTORY_FR = HistoryWords(
    "fr", REASONS_FR, {"delivered": "délivrée", "vacation": "réponse d'absence reçue"},
    french_date, on_day="le {date}", on_unknown="à une date inconnue", from_day="du {date}",
    from_unknown="d'une date inconnue", to_day=" au {date}", to_unknown=" à une date inconnue",
    complaint="plainte {on}", complaints="{n} plaintes, la dernière {on}",
    hard="rebond définitif {on}",
    soft="{n} {n:rebond temporaire|rebonds temporaires} {span} (dernier {on}",
    soft_what=" : {what})",
    listed="rebond définitif (liste de rebonds de la plateforme d'envoi) {on}",
    complaint_listed="plainte (liste de plaintes de la plateforme d'envoi) {on}",
    opted_out="désinscription (liste de la plateforme d'envoi) {on}",
    opted_out_scopes="désinscription {scopes} (liste de la plateforme d'envoi) {on}",
    cleaned=("écartée par la plateforme d'envoi {on} (un rebond définitif ou des rebonds "
             "temporaires répétés)"),
    lifted="désinscription {scopes} {first}, annulée {on}", proof="{word} {on}",
    groups=("du groupe d'abonnement", "des groupes d'abonnement"),
    lists=("de la liste de contacts", "des listes de contacts"),
    topics=("de la rubrique", "des rubriques"), topic_of="{topics} de la liste de contacts {name}",
    sep=" ; ")
HISTORY_WORDS = {"en": HISTORY_EN, "fr": HISTORY_FR}


def _on(day: str, w: HistoryWords) -> str:
    return w.on_day.format(date=w.date(day)) if day else w.on_unknown


def _from_to(first: str, last: str, w: HistoryWords) -> str:
    start = w.from_day.format(date=w.date(first)) if first else w.from_unknown
    return start + (w.to_day.format(date=w.date(last)) if last else w.to_unknown)


def _what(note: EventNote, w: HistoryWords) -> str:
    """`5.1.1, recipient unknown`: the code, then the reason in words."""
    return ", ".join(x for x in (note.code, w.reasons.get(note.reason, note.reason)) if x)


def word_history(d: HistoryDetail, fmt: NumberFormat, w: HistoryWords) -> str:
    n = Count(d.count, fmt.integer(d.count), w.lang)
    on = _on(d.last.day, w)
    what = _what(d.last, w)
    if d.kind == "complaint":
        return (w.complaint if d.count == 1 else w.complaints).format(n=n, on=on)
    if d.kind == "hard":
        return w.hard.format(on=on) + (f" ({what})" if what else "")
    if d.kind == "soft":
        return (w.soft.format(n=n, span=_from_to(d.first_day, d.last.day, w), on=on)
                + (w.soft_what.format(what=what) if what else ")"))
    if d.kind in ("listed", "complaint_listed", "cleaned"):
        return str(getattr(w, d.kind)).format(on=on)
    if d.kind == "opted_out" and (d.groups or d.lists or d.topics):
        return w.opted_out_scopes.format(scopes=_scopes(d, w), on=on)
    if d.kind == "opted_out":
        return w.opted_out.format(on=on)
    if d.kind == "lifted":
        return w.lifted.format(scopes=_scopes(d, w), first=_on(d.first_day, w), on=on)
    word = w.delivered.get(d.last.reason, w.reasons.get(d.last.reason, d.last.reason))
    return w.proof.format(word=word, on=on)


def _scopes(d: HistoryDetail, w: HistoryWords) -> str:
    """`unsubscribe group 10; contact list News; topics a, b of contact list Shop` (SES's
    French documentation says liste de contacts, rubrique)."""
    def several(words: tuple[str, str], names: tuple[str, ...] | list[str]) -> str:
        return words[len(names) > 1] + " " + ", ".join(names)

    parts = [several(w.groups, d.groups)] if d.groups else []
    if d.lists:
        parts.append(several(w.lists, d.lists))
    parts.extend(w.topic_of.format(topics=several(w.topics, [t for _, t in items]), name=name)
                 for name, items in groupby(d.topics, key=lambda t: t[0]))
    return w.sep.join(parts)


def history_detail_words(text: str, fmt: NumberFormat, w: HistoryWords) -> str | None:
    """The wording of a stored history detail; None for a text `read_detail` does not read
    (the caller keeps it as stored)."""
    head, lifted = split_lifted(text)
    d = read_detail(head) if head else None
    if lifted is None:
        return None if d is None else word_history(d, fmt, w)
    return with_lifted(None if d is None else word_history(d, fmt, w), head, lifted, fmt, w)


def history_detail_fr(text: str, fmt: NumberFormat) -> str | None:
    return history_detail_words(text, fmt, HISTORY_FR)


def with_lifted(worded: str | None, head: str, lifted: HistoryDetail, fmt: NumberFormat,
                w: HistoryWords) -> str:
    """A detail followed by a lifted opt-out's trace: `worded` is the detail's own wording
    (None: `head` is shown as stored)."""
    trace = word_history(lifted, fmt, w)
    shown = head if worded is None else worded
    return f"{shown}{w.sep}{trace}" if shown else trace
