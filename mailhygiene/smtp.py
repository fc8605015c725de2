"""SMTP probing stage (issue 6): per domain, ask the MX hosts whether they would accept each
recipient, politely, without ever sending a message.

Entry points: `probe_domains` (the `check --level smtp` stage) and `retry_due` (`mailhygiene
retry`). Both take a `Store` (or None: nothing persisted) and return one `ProbeOutcome` per
address. Per domain:

- sessions carry up to `max_rcpt_per_session` RCPTs (RFC 5321 §4.5.3.1.8 requires servers to
  take 100; we ask fewer). A server that refuses a further RCPT ("too many recipients", 452,
  503) gets the rest in new sessions, with the learned per-session limit: its real
  mailboxes are never marked dead for it;
- the first RCPT of a domain is a random, never-existing local part (the catch-all test, once
  per domain per run). If it is accepted, acceptances mean nothing: `catch_all/accept_all`;
- 4xx answers are `unknown/greylisted` and queued in `retry_queue` with a not-before time
  (`greylist_delay`, doubling per attempt, dropped after `greylist_max_age`);
- settled answers younger than `reprobe_after` are reused from the store, not asked again.

Decisions are in `smtp_reply` (pure), the bytes in `smtp_session`, the limits in `politeness`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import secrets
import socket
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from mailhygiene import config
from mailhygiene.errors import ConfigError
from mailhygiene.normalize import ascii_domain
from mailhygiene.politeness import Politeness, connections_for_rate, parse_rate
from mailhygiene.smtp_reply import (
    CatchAll,
    Failure,
    Reply,
    apply_catch_all,
    classify_failure,
    classify_reply,
    classify_session_reply,
    decide_catch_all,
    needs_retry,
)
from mailhygiene.smtp_session import SessionConfig, SessionReport, run_session
from mailhygiene.store import Store
from mailhygiene.store import probes as db
from mailhygiene.store.core import now as utcnow
from mailhygiene.types import Evidence, Flag, Reason, Status, Verdict

__all__ = ["ProbeOutcome", "ProbeTarget", "SmtpOptions", "probe_domains", "retry_due",
           "run_retry", "targets_for"]

Progress = Callable[[int], None]

_HELO_RE = re.compile(
    r"^(?:(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]"
    r"[A-Za-z0-9-]{0,61}|\[[0-9A-Fa-f:.]+\])$"
)
_MAIL_FROM_RE = re.compile(r"^[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+$")
# The longest first retry delay: beyond it a retry time (doubling per attempt) would be past
# what a date can hold, and a greylisting server has long forgotten the first attempt.
_MAX_GREYLIST_DELAY = 365 * 86400.0


@dataclass(frozen=True)
class SmtpOptions:
    """Network options of the SMTP stage. `helo` and `mail_from` are required: a default
    would impersonate someone (issue 6). `rate` counts new connections plus RCPT commands,
    per second, globally (see `politeness`)."""

    helo: str
    mail_from: str
    port: int = config.SMTP_PORT
    per_host_concurrency: int = config.SMTP_PER_HOST_CONCURRENCY
    concurrency: int = config.SMTP_CONCURRENCY
    rate: float = parse_rate(config.SMTP_RATE)
    timeout: float = config.SMTP_TIMEOUT
    max_idle: float = config.SMTP_MAX_IDLE  # longest wait for --rate on an open connection
    allow_loopback: bool = False
    greylist_delay: float = config.SMTP_GREYLIST_DELAY
    greylist_max_age: float = config.SMTP_GREYLIST_MAX_AGE
    max_rcpt_per_session: int = config.SMTP_MAX_RCPT_PER_SESSION
    domain_pause: float = config.SMTP_DOMAIN_PAUSE  # after 421 / 4.7.x
    session_attempts: int = config.SMTP_SESSION_ATTEMPTS  # fruitless sessions before giving up
    reprobe_after: float = config.SMTP_REPROBE_AFTER  # settled answers younger are reused
    starttls: bool = True

    def __post_init__(self) -> None:
        if not _HELO_RE.match(self.helo or ""):
            raise ConfigError(f"--helo must be a fully qualified host name that you control "
                              f"(or an address literal), got {self.helo!r}")
        if not _MAIL_FROM_RE.match(self.mail_from or ""):
            raise ConfigError(f"--mail-from must be an address you control, "
                              f"got {self.mail_from!r}")
        if not 0 < self.port < 65536:
            raise ConfigError(f"bad SMTP port {self.port}")
        for name in ("per_host_concurrency", "concurrency", "max_rcpt_per_session",
                     "session_attempts"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1")
        for name in ("rate", "timeout", "max_idle"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be positive")
        for name in ("greylist_delay", "greylist_max_age", "domain_pause", "reprobe_after"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative")
        if self.greylist_delay > _MAX_GREYLIST_DELAY:
            raise ConfigError(f"--greylist-delay must be at most {_MAX_GREYLIST_DELAY:.0f} "
                              f"seconds (a year), got {self.greylist_delay:g}")


@dataclass(frozen=True)
class ProbeTarget:
    """One domain's addresses and where to ask. `mx_hosts`: IP addresses (preferred: they
    come from our own resolver) or host names, in MX preference order."""

    domain: str
    mx_hosts: tuple[str, ...]
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class ProbeOutcome:
    address: str
    verdict: Verdict
    reply_code: int | None
    enhanced_code: str
    reply_text: str
    probed_at: datetime
    host: str
    from_cache: bool = False  # reused from the store, not asked in this run
    retry_at: datetime | None = None  # set when queued for a greylisting retry


@dataclass
class _Run:
    opts: SmtpOptions
    politeness: Politeness
    cfg: SessionConfig
    no_tls: set[str]


def targets_for(addresses: Iterable[str],
                mx_addresses: Mapping[str, Sequence[str]]) -> list[ProbeTarget]:
    """Groups normalized addresses by ASCII domain and attaches each domain's MX addresses
    (e.g. `mx.DomainResult.mx_addresses`, preference order). Domains absent from
    `mx_addresses` or without any address are left out: nothing to probe there. Pure."""
    by_domain: dict[str, list[str]] = {}
    for address in dict.fromkeys(addresses):
        by_domain.setdefault(ascii_domain(address.rpartition("@")[2]), []).append(address)
    return [ProbeTarget(d, tuple(mx_addresses[d]), tuple(addrs))
            for d, addrs in by_domain.items() if mx_addresses.get(d)]


async def probe_domains(store: Store | None, targets: Sequence[ProbeTarget], opts: SmtpOptions,
                        progress: Progress | None = None) -> dict[str, ProbeOutcome]:
    """Probes every address of every target; returns {address: outcome}. Results, catch-all
    tests and the retry queue are written to `store` domain by domain as they complete."""
    if store is not None:
        db.ensure(store)
    # At a low rate, fewer sessions at once: the others would wait on open connections.
    concurrency = connections_for_rate(opts.concurrency, opts.rate, opts.max_idle)
    run = _Run(opts, Politeness(concurrency=concurrency,
                                per_host=opts.per_host_concurrency, rate=opts.rate),
               SessionConfig(opts.helo, opts.mail_from, opts.port, opts.timeout, opts.starttls,
                             opts.domain_pause, opts.max_idle),
               set())
    results = _cached(store, [a for t in targets for a in t.addresses], opts)
    if progress and results:
        progress(len(results))
    queue: deque[ProbeTarget] = deque()
    for t in targets:
        todo = tuple(a for a in dict.fromkeys(t.addresses) if a not in results)
        if todo:
            queue.append(replace(t, addresses=todo))

    async def worker() -> None:
        while queue:
            target = queue.popleft()
            outcomes, canary = await _probe_target(run, store, target)
            retry_at = (_persist(store, target, outcomes, canary, opts)
                        if store is not None else {})
            for o in outcomes:
                results[o.address] = replace(o, retry_at=retry_at.get(o.address))
            if progress:
                progress(len(outcomes))

    # Enough workers to keep every connection slot busy while some domains sleep in a pause;
    # never one task per item (no gather over a million addresses).
    tasks = [asyncio.create_task(worker()) for _ in range(min(len(queue), concurrency * 2))]
    try:
        await asyncio.gather(*tasks)
    finally:  # on error or interruption: stop the others; finished domains are already saved
        for task in tasks:
            task.cancel()
    return results


async def retry_due(store: Store, opts: SmtpOptions,
                    progress: Progress | None = None) -> dict[str, ProbeOutcome]:
    """Probes the retry-queue items whose not-before time has passed (`mailhygiene retry`)."""
    db.ensure(store)
    by_domain: dict[str, list[db.RetryRow]] = {}
    for row in db.due_retries(store, utcnow()):
        by_domain.setdefault(row.domain, []).append(row)
    targets = [ProbeTarget(d, rows[0].mx_hosts, tuple(r.address for r in rows))
               for d, rows in by_domain.items()]
    return await probe_domains(store, targets, opts, progress)


# -- one domain ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Canary:
    local: str
    verdict: Verdict
    state: CatchAll
    row: db.ProbeRow | None


async def _probe_target(run: _Run, store: Store | None,
                        target: ProbeTarget) -> tuple[list[ProbeOutcome], _Canary | None]:
    domain = target.domain
    hosts, why_none = await _host_addresses(target.mx_hosts, run.opts)
    if not hosts:
        v = classify_failure(why_none, f"MX {', '.join(target.mx_hosts) or '(none)'}")
        t = utcnow()
        return [ProbeOutcome(a, v, None, "", "", t, "") for a in target.addresses], None

    # The catch-all test: reuse a recent decision (a retry must not re-test, or a greylisting
    # server would defer the new random address and undo it); re-ask an inconclusive test with
    # the same local part (greylisting keys on the recipient); otherwise a new random one.
    prior = db.get_domain_test(store, domain) if store is not None else None
    known: CatchAll | None = None
    if prior and prior[1] != CatchAll.UNKNOWN and (
            (utcnow() - prior[2]).total_seconds() <= run.opts.reprobe_after):
        known = CatchAll(prior[1])
    canary_local = prior[0] if prior and prior[1] == CatchAll.UNKNOWN else (
        "mh-" + secrets.token_hex(8))
    canary_addr = f"{canary_local}@{domain}"
    pending: deque[str] = deque([*([] if known else [canary_addr]), *target.addresses])
    answers: dict[str, tuple[Reply, str, datetime]] = {}
    given_up: dict[str, tuple[Verdict, Reply | None, str, datetime]] = {}
    limit = run.opts.max_rcpt_per_session
    fruitless = 0
    while pending:
        await run.politeness.wait_domain(domain)
        batch = [pending.popleft() for _ in range(min(limit, len(pending)))]
        rep = await run_session(hosts, batch, run.cfg, run.politeness, run.no_tls)
        t = utcnow()
        for address, reply in rep.answers:
            answers[address] = (reply, rep.host, t)
        for address in rep.skipped:
            given_up[address] = (classify_failure(Failure.NO_SMTPUTF8), None, rep.host, t)
        if rep.pause:
            run.politeness.pause_domain(domain, run.opts.domain_pause)
        if rep.too_many_at is not None:
            limit = max(1, rep.too_many_at)
        pending.extendleft(reversed(rep.unprocessed))
        fruitless = 0 if rep.progressed else fruitless + 1
        permanent = rep.stop_reply is not None and rep.stop_reply.code >= 500
        if pending and (permanent or fruitless >= run.opts.session_attempts):
            v = _session_verdict(rep)
            while pending:
                given_up[pending.popleft()] = (v, rep.stop_reply, rep.host, t)

    def verdict_of(address: str) -> tuple[Verdict, Reply | None, str, datetime]:
        if address in answers:
            reply, host, t = answers[address]
            return classify_reply(reply.code, reply.enhanced, reply.text), reply, host, t
        return given_up[address]

    canary: _Canary | None = None
    if known is not None:
        state, cv = known, classify_failure(Failure.NO_HOST)  # cv unused when state is known
    else:
        cv, creply, chost, ct = verdict_of(canary_addr)
        state = decide_catch_all(cv)
        canary = _Canary(canary_local, cv, state,
                         _row(canary_addr, domain, cv, creply, chost, ct, canary=True))
    outcomes = []
    for address in target.addresses:
        v, r, host, t = verdict_of(address)
        v = apply_catch_all(v, state, cv)
        outcomes.append(ProbeOutcome(address, v, r.code if r else None, r.enhanced if r else "",
                                     r.text if r else "", t, host))
    return outcomes, canary


def _session_verdict(rep: SessionReport) -> Verdict:
    if rep.stop_reply is not None:
        r = rep.stop_reply
        return classify_session_reply(r.code, r.enhanced, r.text)
    return classify_failure(rep.failure or Failure.NO_HOST, rep.failure_detail)


async def _host_addresses(mx_hosts: Sequence[str], opts: SmtpOptions) -> tuple[list[str], Failure]:
    """IP addresses to try, in preference order, without loopback unless allowed (a hostile
    or broken MX pointing at 127.0.0.1 must not make us probe ourselves)."""
    out: list[str] = []
    saw_loopback = False
    for host in mx_hosts:
        for ip in await _resolve(host, opts):
            addr = ipaddress.ip_address(ip)
            mapped = getattr(addr, "ipv4_mapped", None)
            local = addr.is_loopback or addr.is_unspecified or bool(mapped and mapped.is_loopback)
            if local and not opts.allow_loopback:
                saw_loopback = True
                continue
            if ip not in out:
                out.append(ip)
    return out, (Failure.LOOPBACK if saw_loopback else Failure.NO_HOST)


async def _resolve(host: str, opts: SmtpOptions) -> list[str]:
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    # Host names go through the system resolver; callers should pass the MX stage's
    # addresses instead so the configured --nameserver is honoured.
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(opts.timeout):
            infos = await loop.getaddrinfo(host.rstrip("."), opts.port,
                                           type=socket.SOCK_STREAM)
    except (OSError, TimeoutError):
        return []
    return list(dict.fromkeys(str(i[4][0]) for i in infos))


# -- store -----------------------------------------------------------------------------------
def _row(address: str, domain: str, v: Verdict, reply: Reply | None, host: str, t: datetime,
         canary: bool = False) -> db.ProbeRow:
    return db.ProbeRow(address, domain, host, v.status.value, v.reason.value, v.evidence.value,
                       ",".join(sorted(f.value for f in v.flags)), v.detail,
                       reply.code if reply else None, reply.enhanced if reply else "",
                       reply.text if reply else "", t, canary)


def _persist(store: Store, target: ProbeTarget, outcomes: Sequence[ProbeOutcome],
             canary: _Canary | None, opts: SmtpOptions) -> dict[str, datetime]:
    """Writes one domain's evidence and retry-queue changes atomically; returns the retry
    times of the addresses queued."""
    rows = [_outcome_row(o, target.domain) for o in outcomes]
    now = utcnow()
    prior = db.get_retries(store, [o.address for o in outcomes])
    retry, settled = [], []
    for o in outcomes:
        if not needs_retry(o.verdict):
            settled.append(o.address)
            continue
        old = prior.get(o.address)
        attempts = (old.attempts if old else 0) + 1
        first = old.first_deferred_at if old else now
        if (now - first).total_seconds() > opts.greylist_max_age:
            settled.append(o.address)  # gave up: the outcome stays unknown/greylisted
            continue
        delay = opts.greylist_delay * 2 ** (attempts - 1)
        retry.append(db.RetryRow(o.address, target.domain, target.mx_hosts, attempts, first,
                                 now + timedelta(seconds=delay), o.verdict.detail))
    with store.transaction():
        if canary is not None and canary.row is not None:
            rows.append(canary.row)
            db.put_domain_test(store, target.domain, canary.local, canary.state.value,
                               canary.verdict.detail, now)
        db.insert_probes(store, rows)
        db.delete_retries(store, settled)
        db.upsert_retries(store, retry)
    return {r.address: r.not_before for r in retry}


def _outcome_row(o: ProbeOutcome, domain: str) -> db.ProbeRow:
    v = o.verdict
    return db.ProbeRow(o.address, domain, o.host, v.status.value, v.reason.value,
                       v.evidence.value, ",".join(sorted(f.value for f in v.flags)), v.detail,
                       o.reply_code, o.enhanced_code, o.reply_text, o.probed_at)


def _cached(store: Store | None, addresses: Sequence[str],
            opts: SmtpOptions) -> dict[str, ProbeOutcome]:
    """Outcomes we need not ask again: settled answers younger than `reprobe_after`, and
    deferred ones whose retry time has not come (asking early would be deferred again).
    Two queries for the whole run, not per domain."""
    if store is None or not addresses:
        return {}
    latest = db.latest_probes(store, addresses)
    if not latest:
        return {}
    retries = db.get_retries(store, list(latest))
    now = utcnow()
    out: dict[str, ProbeOutcome] = {}
    for address, row in latest.items():
        q = retries.get(address)
        if q is not None:
            if q.not_before <= now:
                continue  # due: ask again
        elif (now - row.probed_at).total_seconds() > opts.reprobe_after:
            continue
        v = Verdict(Status(row.status), Reason(row.reason), Evidence(row.evidence),
                    frozenset(Flag(f) for f in row.flags.split(",") if f), row.detail)
        out[address] = ProbeOutcome(address, v, row.reply_code, row.enhanced_code,
                                    row.reply_text, row.probed_at, row.host, from_cache=True,
                                    retry_at=q.not_before if q else None)
    return out


async def run_retry(store: Store, opts: SmtpOptions,
                    progress: Progress | None = None) -> dict[str, Any]:
    """`mailhygiene retry`: probes the due items and summarises (counts only, no address)."""
    outcomes = await retry_due(store, opts, progress)
    counts: dict[str, int] = {}
    for o in outcomes.values():
        key = f"{o.verdict.status.value}/{o.verdict.reason.value}"
        counts[key] = counts.get(key, 0) + 1
    return {"probed": len(outcomes), "by_status_reason": dict(sorted(counts.items())),
            "queued": db.count_retries(store)}
