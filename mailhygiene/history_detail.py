"""The detail a bounce-history verdict stores (`contacts.detail`): one grammar, written here
and read back here.

The store keeps the English sentence (`hard bounce 5.1.1 userunknown on 2024-01-05`): it is
what every store written so far holds and what the terminal and the English report show. A
report in another language needs the facts behind it, and the contacts table has no column
for them, so `read_detail` reads the sentence back; it accepts a text only if writing what
it read gives that very text again, so a wording changed in `HistoryDetail.text` without its
reader makes `read_detail` return None (the report then keeps the text as stored, and
tests/test_history_detail.py fails), never a misreading."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from mailhygiene.bounces.model import SES_NAME

UNKNOWN_DATE = "unknown date"
KINDS = ("complaint", "hard", "soft", "delivered", "listed", "opted_out", "cleaned",
         "complaint_listed", "lifted")
# A lifted opt-out's trace follows the row's detail after this (or is the whole detail).
LIFTED_SEPARATOR = "; "


@dataclass(frozen=True, slots=True)
class EventNote:
    """What a detail says of one bounce event: its status code (RFC 3463 enhanced status,
    else the SMTP reply code), its reason (sisimai's vocabulary) and its day (ISO date, ""
    when the event has no time)."""

    code: str = ""
    reason: str = ""
    day: str = ""

    def text(self) -> str:
        return " ".join(x for x in (self.code, self.reason, "on", self.day or UNKNOWN_DATE)
                        if x)


@dataclass(frozen=True, slots=True)
class HistoryDetail:
    """`kind` is one of KINDS. `last` is the event the verdict rests on (the latest complaint,
    hard bounce, soft bounce or proof of delivery); `count` and `first_day` are those of the
    complaints or soft bounces counted; `groups` the unsubscribe groups (SendGrid asm_group_id,
    whole numbers in ascending order), `lists` the contact lists and `topics` the (contact
    list, topic) pairs (SES names, in ascending order) an opt-out is about, all () when it is
    about every mail.

    Kind `lifted` is the trace of opt-outs a re-subscription took back (history.py), which
    follows the row's detail: `first_day` is the first of those opt-outs, `last` the
    re-subscription that took back the last of them."""

    kind: str
    last: EventNote
    count: int = 1
    first_day: str = ""
    groups: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    topics: tuple[tuple[str, str], ...] = ()

    def text(self) -> str:
        """The English sentence stored in `contacts.detail` (unchanged since issue 5)."""
        day = self.last.day or UNKNOWN_DATE
        if self.kind == "complaint":
            return f"complaint ({self.count}) on {day}"
        if self.kind == "hard":
            return f"hard bounce {self.last.text()}"
        if self.kind == "soft":
            return (f"{self.count} soft bounces from {self.first_day or UNKNOWN_DATE} to "
                    f"{day} (last: {self.last.text()})")
        if self.kind == "delivered":
            return f"{self.last.reason} on {day}"
        # The sending service's own lists (bounces/esp.py): it would not send, and said why.
        if self.kind == "listed":
            return f"hard bounce (on the sending service's bounce list) on {day}"
        if self.kind == "complaint_listed":
            return f"complaint (on the sending service's complaint list) on {day}"
        if self.kind == "opted_out" and (self.groups or self.lists or self.topics):
            return f"opted out of {self._scopes()} (the sending service's list) on {day}"
        if self.kind == "opted_out":
            return f"opted out (the sending service's list) on {day}"
        if self.kind == "cleaned":
            return (f"cleaned by the sending service on {day} (a hard bounce or repeated soft "
                    "bounces)")
        if self.kind == "lifted":
            return (f"opt-out of {self._scopes()} on {self.first_day or UNKNOWN_DATE} taken "
                    f"back on {day}")
        raise ValueError(f"unknown history detail kind {self.kind!r}")

    def _scopes(self) -> str:
        """`unsubscribe group 10; contact list News; topics a, b of contact list Shop`."""
        parts = [f"unsubscribe {_several('group', self.groups)}"] if self.groups else []
        if self.lists:
            parts.append(f"contact {_several('list', self.lists)}")
        parts.extend(f"{_several('topic', [t for _, t in items])} of contact list {name}"
                     for name, items in groupby(self.topics, key=lambda t: t[0]))
        return "; ".join(parts)


def _several(word: str, names: tuple[str, ...] | list[str]) -> str:
    return f"{word}{'' if len(names) == 1 else 's'} {', '.join(names)}"


_DAY = rf"(\d{{4}}-\d{{2}}-\d{{2}}|{UNKNOWN_DATE})"
# A code is numeric (5.1.1, 550), a reason a sisimai word: neither can pass for the other.
_NOTE = rf"(?:([0-9][0-9.]*) )?(?:([a-z]+) )?on {_DAY}"
_FORMS = (
    ("lifted", re.compile(rf"opt-out of (.+) on {_DAY} taken back on {_DAY}")),
    ("listed", re.compile(rf"hard bounce \(on the sending service's bounce list\) on {_DAY}")),
    ("complaint_listed",
     re.compile(rf"complaint \(on the sending service's complaint list\) on {_DAY}")),
    ("opted_out", re.compile(rf"opted out \(the sending service's list\) on {_DAY}")),
    ("opted_out_scopes", re.compile(rf"opted out of (.+) \(the sending service's list\) on "
                                    rf"{_DAY}")),
    ("cleaned", re.compile(rf"cleaned by the sending service on {_DAY} \(a hard bounce or "
                           r"repeated soft bounces\)")),
    ("complaint", re.compile(rf"complaint \((\d+)\) on {_DAY}")),
    ("hard", re.compile(rf"hard bounce {_NOTE}")),
    ("soft", re.compile(rf"(\d+) soft bounces from {_DAY} to {_DAY} \(last: {_NOTE}\)")),
    ("delivered", re.compile(rf"([a-z]+) on {_DAY}")),
)


def _day(text: str) -> str:
    if text == UNKNOWN_DATE:
        return ""
    date.fromisoformat(text)  # ValueError for 2024-13-45: not a day this module wrote
    return text


def _parse(kind: str, m: re.Match[str]) -> HistoryDetail:
    g = m.groups()
    if kind in ("listed", "opted_out", "cleaned", "complaint_listed"):
        return HistoryDetail(kind, EventNote(day=_day(g[0])))
    if kind == "opted_out_scopes":
        return _scoped(g[0], EventNote(day=_day(g[1])))
    if kind == "lifted":
        return _scoped(g[0], EventNote(day=_day(g[2])), kind, first_day=_day(g[1]))
    if kind == "complaint":
        return HistoryDetail(kind, EventNote(day=_day(g[1])), count=int(g[0]))
    if kind == "hard":
        return HistoryDetail(kind, EventNote(g[0] or "", g[1] or "", _day(g[2])))
    if kind == "soft":
        return HistoryDetail(kind, EventNote(g[3] or "", g[4] or "", _day(g[5])),
                             count=int(g[0]), first_day=_day(g[1]))
    return HistoryDetail(kind, EventNote(reason=g[0], day=_day(g[1])))


_NAMES = rf"({SES_NAME}(?:, {SES_NAME})*)"
_GROUPS = re.compile(r"unsubscribe groups? ([0-9]+(?:, [0-9]+)*)")
_LISTS = re.compile(rf"contact lists? {_NAMES}")
_TOPICS = re.compile(rf"topics? {_NAMES} of contact list ({SES_NAME})")


def _scoped(scopes: str, last: EventNote, kind: str = "opted_out",
            first_day: str = "") -> HistoryDetail:
    """An opt-out (or the trace of lifted ones) of the groups, lists and topics `_scopes`
    wrote; ValueError for a part it does not write."""
    groups: list[str] = []
    lists: list[str] = []
    topics: list[tuple[str, str]] = []
    for part in scopes.split("; "):
        if m := _GROUPS.fullmatch(part):
            groups.extend(m[1].split(", "))
        elif m := _LISTS.fullmatch(part):
            lists.extend(m[1].split(", "))
        elif m := _TOPICS.fullmatch(part):
            topics.extend((m[2], t) for t in m[1].split(", "))
        else:
            raise ValueError(f"not an opt-out scope: {part!r}")
    if not (groups or lists or topics):
        raise ValueError("no scope")
    return HistoryDetail(kind, last, first_day=first_day, groups=tuple(groups),
                         lists=tuple(lists), topics=tuple(topics))


def read_detail(text: str) -> HistoryDetail | None:
    """The facts of a history verdict's stored detail, or None for a text this version did
    not write (another stage's detail, a later wording)."""
    for kind, form in _FORMS:
        m = form.fullmatch(text)
        if m is None:
            continue
        try:
            detail = _parse(kind, m)
        except ValueError:
            return None
        # The soft form's "last" day is written twice: both must agree, as for every field.
        return detail if detail.text() == text else None
    return None


_LIFTED_START = "opt-out of "


def split_lifted(text: str) -> tuple[str, HistoryDetail | None]:
    """(the detail before a lifted opt-out's trace, the trace), or (text, None) when `text`
    ends with no trace this version wrote. The trace starts the text or follows
    LIFTED_SEPARATOR; no other detail says "opt-out of" (history's own say "opted out")."""
    i = text.find(_LIFTED_START)
    while i >= 0:
        if i == 0 or text[:i].endswith(LIFTED_SEPARATOR):
            trace = read_detail(text[i:])
            if trace is not None and trace.kind == "lifted":
                return text[:max(0, i - len(LIFTED_SEPARATOR))], trace
        i = text.find(_LIFTED_START, i + 1)
    return text, None


def join_lifted(detail: str, trace: HistoryDetail) -> str:
    """`detail` followed by the trace (any earlier trace replaced)."""
    head, _ = split_lifted(detail)
    return f"{head}{LIFTED_SEPARATOR}{trace.text()}" if head else trace.text()


# A lifted opt-out's trace at the end of a stored detail, as join_lifted writes it (the
# scopes' own grammar is left to split_lifted: this only has to find where the trace starts).
LIFTED_TAIL_PATTERN = (rf"(?:^|{LIFTED_SEPARATOR})({_LIFTED_START}.+ on {_DAY} taken "
                   rf"back on {_DAY})$")


def keep_lifted_sql(new: str, old: str) -> str:
    """SQL for a stage that replaces a row's detail (`old`, a column) with `new` (an SQL
    expression) after history ran: the trace of a lifted opt-out that `old` ends with is kept
    after `new`, as join_lifted writes it, so a later stage of the same run does not erase
    it."""
    tail = f"regexp_extract(coalesce({old}, ''), '{LIFTED_TAIL_PATTERN}', 1)"
    return (f"(CASE WHEN {tail} = '' THEN {new} WHEN coalesce({new}, '') = '' THEN {tail} "
            f"ELSE {new} || '{LIFTED_SEPARATOR}' || {tail} END)")
