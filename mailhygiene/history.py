"""Bounce history decides verdicts (DESIGN.md "Result taxonomy", issue 5).

`decide_history` is the pure per-address decision; `apply_history` joins a base's contacts with
the store's `bounces` table (in DuckDB) and writes the verdicts history decides."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from mailhygiene import config
from mailhygiene.bounces import reasons
from mailhygiene.bounces.model import SES_NAME
from mailhygiene.history_detail import EventNote, HistoryDetail, join_lifted, split_lifted
from mailhygiene.store import Store
from mailhygiene.store import bounces as bounce_store
from mailhygiene.types import Evidence, Flag, Reason, Status, Verdict

# RFC 3463 X.1.1 / X.1.2 / X.1.3 / X.1.6 and RFC 7505 X.1.10 (null MX), or their wording.
RECIPIENT_INVALID = frozenset({"userunknown", "hostunknown", "hasmoved", "notaccept"})
# Failures about the sender, the message or the path never count against the address.
SENDER_SIDE = reasons.SENDER_SIDE
EXISTS = frozenset({"delivered", "vacation"})  # the mailbox answered or accepted
COMPLAINT = frozenset({"feedback"})
# The action of a complaint event that is a send refused because of an earlier complaint (an
# ESP's complaint list: bounces/esp.py): it keeps the address out, but is no new complaint.
LIST_REFUSAL = "failed"
# The ESP refused to send because of its own lists (bounces/esp.py): `hard` when its bounce
# list says the address failed permanently before; action `unsubscribed` when the person opted
# out; action `cleaned` (Mailchimp) after a hard bounce or repeated soft bounces, not saying
# which.
ESP_LIST = "suppressed"
OPTED_OUT = "unsubscribed"
CLEANED = "cleaned"
# The person took an opt-out back (SendGrid group_resubscribe, an SES Subscription record): it
# lifts the opt-outs of the same scope it follows. Opt-outs and re-subscriptions are about
# consent, never deliverability.
RESUBSCRIBED = "resubscribed"
CONSENT = frozenset({OPTED_OUT, RESUBSCRIBED})


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """What the decision needs from one stored bounce event."""

    reason: str
    hard: bool
    status: str = ""
    replycode: str = ""
    event_time: datetime | None = None
    action: str = ""
    # Of an opt-out: "" every mail, `group:N` one unsubscribe group, `list:NAME` one contact
    # list, `topic:LIST/TOPIC` one topic of a contact list (bounces.model.BounceEvent).
    scope: str = ""


def _is_hard(e: HistoryEvent) -> bool:
    if reasons.transient_code(e.status, e.replycode):
        return False
    return e.hard and (e.reason in RECIPIENT_INVALID or e.reason == ESP_LIST)


def _day(e: HistoryEvent) -> str:
    return e.event_time.date().isoformat() if e.event_time else ""


def _note(e: HistoryEvent) -> EventNote:
    return EventNote(e.status or e.replycode, e.reason, _day(e))


def decide_history(events: Sequence[HistoryEvent], current: Verdict) -> Verdict | None:
    """The verdict this address's history supports, or None when history says nothing new.

    An opt-out a re-subscription took back leaves a trace after the detail (`opt-out of
    unsubscribe group 10 on DAY taken back on DAY`), whatever decides the verdict: when
    history decides nothing else, `current` comes back with the trace after its detail, so
    nobody wonders why an address once opted out is mailed again.
    """
    if not events:
        return None
    evs = sorted(events, key=lambda e: (e.event_time is not None, e.event_time or datetime.min))
    v = _decide(evs, current)
    trace = _lifted_trace(evs)
    if trace is None:
        return v
    if v is None:
        v = current
    return replace(v, detail=join_lifted(split_lifted(v.detail)[0], trace))


def _decide(evs: Sequence[HistoryEvent], current: Verdict) -> Verdict | None:
    """decide_history without the trace of lifted opt-outs; `evs` in time order.

    Order of strength: a complaint (do_not_mail) > the latest of {hard bounce, proof of
    existence} > an opt-out at the ESP not taken back since (do_not_mail, but never over
    invalid, as opt-out lists: suppress.py) > the ESP cleaned it or soft bounces repeated
    across SOFT_BOUNCE_MIN_DAYS.
    Events are taken in time order (unknown times first). Sender-side failures are ignored."""
    def verdict(status: Status, reason: Reason, detail: HistoryDetail) -> Verdict:
        return Verdict(status, reason, Evidence.HISTORY, current.flags, detail.text())

    complaint = [e for e in evs if e.reason in COMPLAINT]
    if complaint:
        # SES reports every send it refused for an address on its complaint list as one more
        # complaint: the count is that of the person's complaints, the list's refusals only
        # say the address is on it (when the complaint itself is not in the history).
        real = [e for e in complaint if e.action != LIST_REFUSAL]
        if not real:
            return verdict(Status.DO_NOT_MAIL, Reason.COMPLAINED, HistoryDetail(
                "complaint_listed", EventNote(day=_day(complaint[-1]))))
        return verdict(Status.DO_NOT_MAIL, Reason.COMPLAINED, HistoryDetail(
            "complaint", EventNote(day=_day(real[-1])), count=len(real)))
    last_hard = max((i for i, e in enumerate(evs) if _is_hard(e)), default=-1)
    last_ok = max((i for i, e in enumerate(evs) if e.reason in EXISTS), default=-1)
    if last_hard > last_ok:
        e = evs[last_hard]
        if e.reason == ESP_LIST:
            return verdict(Status.INVALID, Reason.HARD_BOUNCED,
                           HistoryDetail("listed", EventNote(day=_day(e))))
        return verdict(Status.INVALID, Reason.HARD_BOUNCED, HistoryDetail("hard", _note(e)))
    resubscribed = [e for e in evs if e.action == RESUBSCRIBED]
    opt_out = [e for e in evs if e.reason == ESP_LIST and e.action == OPTED_OUT
               and not _lifted(e, resubscribed)]
    if opt_out:
        if current.status == Status.INVALID:
            return None
        return verdict(Status.DO_NOT_MAIL, Reason.SUPPRESSED, _opted_out(opt_out))
    # A cleaned address: one event says what repeated soft bounces say (or a hard bounce the
    # export does not tell apart), unless the mailbox worked since.
    cleaned = [e for e in evs[last_ok + 1:] if e.action == CLEANED]
    if cleaned and current.status != Status.INVALID:  # weaker than what DNS says today
        return verdict(Status.RISKY, Reason.SOFT_BOUNCED,
                       HistoryDetail("cleaned", EventNote(day=_day(cleaned[-1]))))
    # Soft events only count after the last proof that the mailbox works.
    soft = [e for e in evs[last_ok + 1:]
            if e.reason not in SENDER_SIDE | EXISTS | COMPLAINT and not _is_hard(e)
            and e.action not in CONSENT]
    times = [e.event_time for e in soft if e.event_time is not None]
    if len(soft) >= config.SOFT_BOUNCE_MIN_EVENTS and times and \
            max(times) - min(times) >= timedelta(days=config.SOFT_BOUNCE_MIN_DAYS):
        return verdict(Status.RISKY, Reason.SOFT_BOUNCED, HistoryDetail(
            "soft", _note(soft[-1]), count=len(soft), first_day=_day(soft[0])))
    if last_ok >= 0:
        # A past delivery does not revive a domain that DNS now says is gone.
        if current.status == Status.INVALID:
            return None
        return verdict(Status.VALID, Reason.DELIVERED,
                       HistoryDetail("delivered", EventNote(reason=evs[last_ok].reason,
                                                            day=_day(evs[last_ok]))))
    return None


def _lifted(opt_out: HistoryEvent, resubscribed: Sequence[HistoryEvent]) -> bool:
    """Whether a re-subscription of the very scope of `opt_out` came after it: the same
    unsubscribe group, contact list or topic. An opt-out of every mail is never taken back
    (SendGrid posts no event when one is removed), and one is lifted only when both times are
    known and the re-subscription is strictly later: the same second, or an unknown order,
    keeps the opt-out.

    A list's re-subscription does not lift an opt-out of one of its topics, nor a topic's one
    of the whole list: SES's unsubscribeAll overrides the topic preferences, and turning it
    off brings them back as they were, so a topic the person left stays left (its record
    says so again), and a topic taken back is not mailed while the whole list is left."""
    scope = _scope(opt_out.scope)
    return scope is not None and opt_out.event_time is not None and any(
        _scope(r.scope) == scope and r.event_time is not None
        and r.event_time > opt_out.event_time for r in resubscribed)


def _lifted_trace(evs: Sequence[HistoryEvent]) -> HistoryDetail | None:
    """The trace of the opt-outs (time order) a re-subscription took back, or None: their
    scopes, the first one's day and the day of the re-subscription that took back the last
    one (the first of its scope strictly after it)."""
    resubscribed = [e for e in evs if e.action == RESUBSCRIBED]
    lifted = [e for e in evs if e.reason == ESP_LIST and e.action == OPTED_OUT
              and _lifted(e, resubscribed)]
    if not lifted:
        return None
    backs = [min(r.event_time for r in resubscribed
                 if r.event_time is not None and _scope(r.scope) == _scope(e.scope)
                 and e.event_time is not None and r.event_time > e.event_time)
             for e in lifted]
    named = [sc for sc in (_scope(e.scope) for e in lifted) if sc is not None]
    return HistoryDetail(
        "lifted", EventNote(day=max(backs).date().isoformat()), first_day=_first_day(lifted),
        groups=tuple(sorted({n for kind, n, _ in named if kind == "group"}, key=int)),
        lists=tuple(sorted({name for kind, name, _ in named if kind == "list"})),
        topics=tuple(sorted({(name, topic) for kind, name, topic in named
                             if kind == "topic"})))


def _opted_out(opt_outs: Sequence[HistoryEvent]) -> HistoryDetail:
    """The detail of opt-outs in force (time order). An opt-out of every mail says all; one of
    unsubscribe groups (SendGrid's asm groups), contact lists or topics (SES's) only, after
    which the person still takes the sender's other mail, names them, so the user sees which
    mail it is about. An opt-out of a contact list covers its topics.

    The day is the first that states an opt-out in force: the person has been out since then.
    Later records repeat it (each SES Subscription record states every preference again, a
    topic's change restates unsubscribeAll), and the latest one, shown before, moved the
    opt-out's date forward at every change."""
    scopes = [_scope(e.scope) for e in opt_outs]
    every = [e for e, sc in zip(opt_outs, scopes, strict=True) if sc is None]
    if every:
        return HistoryDetail("opted_out", EventNote(day=_first_day(every)))
    named = [sc for sc in scopes if sc is not None]
    lists = sorted({name for kind, name, _ in named if kind == "list"})
    return HistoryDetail(
        "opted_out", EventNote(day=_first_day(opt_outs)),
        groups=tuple(sorted({n for kind, n, _ in named if kind == "group"}, key=int)),
        lists=tuple(lists),
        topics=tuple(sorted({(name, topic) for kind, name, topic in named
                             if kind == "topic" and name not in lists})))


def _first_day(events: Sequence[HistoryEvent]) -> str:
    """The day of the earliest of `events` whose time is known ("" when none is): an undated
    record may be earlier or later, so it does not decide."""
    return next((_day(e) for e in events if e.event_time is not None), "")


_SCOPE = re.compile(rf"group:([0-9]+)|list:({SES_NAME})|topic:({SES_NAME})/({SES_NAME})")


def _scope(scope: str) -> tuple[str, str, str] | None:
    """What an opt-out or a re-subscription is about: ("group", N, ""), ("list", NAME, "") or
    ("topic", LIST, TOPIC); None for every mail, and for a scope this version did not write
    (an opt-out is never read narrower than it may be)."""
    m = _SCOPE.fullmatch(scope)
    if m is None:
        return None
    group, name, topic_list, topic = m.groups()
    if group is not None:
        return ("group", group, "")
    if name is not None:
        return ("list", name, "")
    return ("topic", topic_list, topic)


@dataclass(frozen=True, slots=True)
class HistorySummary:
    """For the check summary (issue 5): how many verdicts came from history, and how many rows
    would be invalid without it (so an invalid rate can be quoted with its basis)."""

    from_history: int
    invalid_without_history: int


def history_summary(store: Store, base_id: int) -> HistorySummary:
    from_history, invalid = bounce_store.history_counts(store, base_id)
    return HistorySummary(from_history, invalid)


def _current(row: Sequence[Any]) -> Verdict:
    status, reason, evidence, flags, detail = row
    try:
        return Verdict(Status(status or Status.UNKNOWN), Reason(reason or Reason.SYNTAX_OK),
                       Evidence(evidence or Evidence.SYNTAX),
                       frozenset(Flag(f) for f in (flags or "").split(",") if f),
                       detail or "")
    except ValueError:
        return Verdict(Status.UNKNOWN, Reason.SYNTAX_OK, Evidence.SYNTAX)


def apply_history(store: Store, base_id: int) -> int:
    """Update the contacts of `base_id` whose key has bounce history; returns how many verdicts
    now come from history. The join runs in DuckDB; only matched addresses reach Python.

    Call it after every other stage has written its verdicts (history is the strongest
    evidence), inside the caller's transaction: it opens none itself."""
    rows = bounce_store.history_rows(store, base_id)
    updates: list[tuple[int, str, str, str, str]] = []
    for row_no, group in groupby(rows, key=lambda r: r[0]):
        items = list(group)
        current = _current(items[0][2:7])
        events = [HistoryEvent(reason=r[7] or "", hard=bool(r[8]), status=r[9] or "",
                               replycode=r[10] or "", event_time=r[11], action=r[12] or "",
                               scope=r[13] or "")
                  for r in items]
        v = decide_history(events, current)
        if v is not None:
            updates.append((row_no, v.status.value, v.reason.value, v.evidence.value,
                            v.detail))
    bounce_store.write_verdicts(store, base_id, updates)
    # A verdict history left as it was, with only a lifted opt-out's trace, is not one of them.
    return sum(1 for u in updates if u[3] == Evidence.HISTORY.value)
