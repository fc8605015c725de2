"""`check` orchestration: one async function that runs the stages a level asks for on a base
and returns the summary. Stages are imported lazily so `--level syntax` pays for none of the
network stacks."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mailhygiene import __version__, config
from mailhygiene.errors import ConfigError
from mailhygiene.output import write_cleaned
from mailhygiene.pipeline import BaseRef, import_base, reset_statuses
from mailhygiene.store import Store
from mailhygiene.store.admin import state_counts
from mailhygiene.store.core import merged_flags_sql
from mailhygiene.summary import summarize
from mailhygiene.types import Level, Reason, Status, Verdict


@dataclass
class CheckOptions:
    input: str
    level: str = "mx"
    output: str | None = None
    only: set[str] | None = None
    column: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    out_delimiter: str | None = None
    out_encoding: str | None = None
    name: str | None = None
    fold_providers: bool = False
    neutralize_formulas: bool = True
    # DNS
    nameservers: tuple[str, ...] = ()
    dns_concurrency: int | None = None
    dns_timeout: float | None = None
    refresh_dns: bool = False
    allow_loopback: bool = False
    # SMTP
    helo: str | None = None
    mail_from: str | None = None
    smtp_port: int = config.SMTP_PORT
    per_host_concurrency: int = config.SMTP_PER_HOST_CONCURRENCY
    smtp_concurrency: int = config.SMTP_CONCURRENCY
    rate: str = config.SMTP_RATE
    smtp_timeout: float = config.SMTP_TIMEOUT
    greylist_delay: float = config.SMTP_GREYLIST_DELAY
    refresh_smtp: bool = False
    # history, phones, suppression
    bounces: tuple[str, ...] = ()
    phone_columns: tuple[str, ...] | None = None
    default_region: str = "MA"
    restart: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def params(self) -> dict[str, Any]:
        d = asdict(self)
        d["only"] = sorted(self.only) if self.only else None
        return d


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"mailhygiene": __version__, "python": platform.python_version()}
    for dist in ("duckdb", "email-validator", "dnspython", "aiosmtplib", "datasketch",
                 "phonenumbers", "disposable-email-domains"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def parse_level(level: str) -> Level:
    try:
        return Level(level.strip().lower())  # any case, as --only
    except ValueError:
        raise ConfigError(
            f"unknown --level {level!r}; choose syntax, mx or smtp") from None


class Progress(Protocol):
    """What the CLI gives the pipeline to show progress (nothing is printed otherwise)."""

    def message(self, text: str) -> None: ...

    def counter(self, label: str, total: int) -> Callable[[int], None]: ...

    def close(self) -> None: ...


StageProgress = Progress


def check(store: Store, opts: CheckOptions, *, progress: StageProgress | None = None,
          command: Sequence[str] = ()) -> dict[str, Any]:
    """Runs a check; an event loop exists only while the network stages run (MX, SMTP)."""
    level = parse_level(opts.level)
    if level is Level.SMTP:
        smtp_options(opts)  # fail fast on missing or malformed --helo / --mail-from
    base = import_base(store, opts.input, name=opts.name, column=opts.column, sheet=opts.sheet,
                       delimiter=opts.delimiter, fold_providers=opts.fold_providers,
                       reuse=not opts.restart, progress=progress.message if progress else None)
    # The working directory makes the recorded command reproducible with relative paths.
    run_id = store.start_run("check", opts.params() | {
        "command": list(command), "cwd": os.getcwd(),
        "store_before_run": state_counts(store)}, library_versions(), base.sha256)
    # Network stages commit their caches as they go (an interrupted run keeps what it learnt);
    # the verdicts are applied to the base in one transaction.
    extra: dict[str, Any] = {}
    if opts.bounces:
        from mailhygiene.store.bounces import import_paths

        if progress:
            progress.message("importing bounce history")
        # Starting over reads the bounce files again too, as `bounces import --restart` does:
        # otherwise what an earlier version of the rules (or a wrong format) stored for them
        # would still decide the verdicts of the new run.
        stats = import_paths(store, opts.bounces, base_name=base.name, restart=opts.restart)
        extra["bounces_imported"] = {"files": stats.files, "events": stats.events,
                                     "new_events": stats.new_events,
                                     "removed": stats.removed,
                                     "without_events": list(stats.without_events),
                                     "empty_folders": list(stats.empty_folders)}
    facts = Facts()
    if level in (Level.MX, Level.SMTP):
        import asyncio

        facts = asyncio.run(_gather_facts(store, base, level, opts, progress))
    # Phones do not depend on the email verdicts; the stage is atomic on its own and runs
    # before the transaction below (inside it, DuckDB 2.0 lost the rows of the bulk phone
    # path's temp tables, sending every cell to the slow path: tests/test_check_phones.py).
    from mailhygiene.phones import apply_phones

    if progress:
        progress.message("phone and fax numbers")
    apply_phones(store, base.base_id, opts.phone_columns or None, opts.default_region,
                 summary=False)
    with store.transaction():
        if base.reused:
            reset_statuses(store, base.base_id)
        extra |= _apply_facts(store, base, facts)
        # History is keyed by address across the whole store and is the strongest evidence,
        # so it is applied on every check, last.
        from mailhygiene.enrich import apply_enrichment
        from mailhygiene.history import apply_history
        from mailhygiene.suppress import apply_suppressions

        apply_history(store, base.base_id)
        # Then facts about the address itself (role, free, disposable, typo), and last the
        # opt-out lists, which override every other verdict but invalid.
        enrichment = apply_enrichment(store, base.base_id)
        suppression = apply_suppressions(store, base.base_id)
    summary = summarize(store, base, level=level.value)
    summary |= extra
    _history_figures(store, base, summary)
    from mailhygiene.phones import phone_summary

    summary["phones"] = {col: s.to_json()
                         for col, s in phone_summary(store, base.base_id).items()}
    summary["enrichment"] = enrichment.to_json()
    summary["suppression"] = suppression.to_json()
    summary["run_id"] = run_id
    summary["reused_import"] = base.reused
    if opts.output:
        if progress:
            progress.message(f"writing {Path(opts.output).name}")
        summary["output"] = str(opts.output)
        summary["output_rows"] = write_cleaned(
            store, base, opts.output, only=opts.only, delimiter=opts.out_delimiter,
            encoding=opts.out_encoding, neutralize_formulas=opts.neutralize_formulas)
    store.finish_run(run_id, summary, base.base_id)
    return summary


@dataclass
class Facts:
    """What the network stages learnt, before it is applied to the base's rows."""

    domains: dict[str, Any] = field(default_factory=dict)  # domain -> mx.DomainResult
    dns_queries: int = 0
    probes: dict[str, Any] = field(default_factory=dict)  # address -> smtp.ProbeOutcome


def _distinct_domains(store: Store, base: BaseRef) -> list[str]:
    return [r[0] for r in store.fetchall(
        "SELECT DISTINCT domain FROM contacts WHERE base_id = ? AND syntax_ok "
        "AND status <> 'duplicate' AND domain IS NOT NULL ORDER BY domain", [base.base_id])]


async def _gather_facts(store: Store, base: BaseRef, level: Level, opts: CheckOptions,
                        progress: Progress | None) -> Facts:
    """The network stages of an MX or SMTP check."""
    from mailhygiene import config, mx

    facts = Facts()
    domains = _distinct_domains(store, base)
    dns_opts = mx.DnsOptions(
        nameservers=tuple(opts.nameservers),
        concurrency=(config.DNS_CONCURRENCY if opts.dns_concurrency is None
                     else opts.dns_concurrency),
        timeout=opts.dns_timeout or config.DNS_TIMEOUT,
        allow_loopback=opts.allow_loopback, refresh=opts.refresh_dns)
    tick = progress.counter("DNS domains", len(domains)) if progress else None
    facts.domains, facts.dns_queries = await mx.check_domains(store, domains, dns_opts,
                                                              progress=tick)
    if level is Level.SMTP:
        from mailhygiene import smtp

        deliverable = {d: r.mx_addresses for d, r in facts.domains.items()
                       if r.verdict.status is Status.UNKNOWN
                       and r.verdict.reason is Reason.SMTP_SKIPPED}
        addresses = [a for a, d in store.fetchall(
            "SELECT DISTINCT address, domain FROM contacts WHERE base_id = ? AND syntax_ok "
            "AND status <> 'duplicate' AND address IS NOT NULL ORDER BY address",
            [base.base_id]) if d in deliverable]
        targets = smtp.targets_for(addresses, deliverable)
        total = sum(len(t.addresses) for t in targets)
        tick = progress.counter("SMTP addresses", total) if progress else None
        facts.probes = await smtp.probe_domains(store, targets, smtp_options(opts),
                                                progress=tick)
    return facts


def smtp_options(opts: CheckOptions) -> Any:
    """SmtpOptions from the check options; raises ConfigError on a bad --helo/--mail-from."""
    from mailhygiene import config, smtp
    from mailhygiene.politeness import parse_rate

    if not (opts.helo and opts.mail_from):
        raise ConfigError("--level smtp needs --helo NAME and --mail-from ADDRESS "
                          "(the prober never impersonates anyone by default)")
    return smtp.SmtpOptions(
        helo=opts.helo, mail_from=opts.mail_from, port=opts.smtp_port,
        per_host_concurrency=opts.per_host_concurrency, concurrency=opts.smtp_concurrency,
        rate=parse_rate(opts.rate), timeout=opts.smtp_timeout,
        allow_loopback=opts.allow_loopback,
        greylist_delay=opts.greylist_delay,
        # --refresh-smtp: no settled answer or catch-all test is young enough to reuse
        # (a greylisted address still waits for its retry time: asked early, it is deferred
        # again).
        reprobe_after=0.0 if opts.refresh_smtp else config.SMTP_REPROBE_AFTER)


def _apply_facts(store: Store, base: BaseRef, facts: Facts) -> dict[str, Any]:
    extra: dict[str, Any] = {"dns_queries": facts.dns_queries}
    if facts.domains:
        apply_verdicts(store, base.base_id, {d: r.verdict for d, r in facts.domains.items()},
                       on="domain")
        extra["domains_from_cache"] = sum(1 for r in facts.domains.values() if r.from_cache)
    if facts.probes:
        apply_verdicts(store, base.base_id, {a: o.verdict for a, o in facts.probes.items()},
                       on="address")
        extra["smtp_probed"] = sum(1 for o in facts.probes.values() if not o.from_cache)
        extra["smtp_from_cache"] = sum(1 for o in facts.probes.values() if o.from_cache)
    return extra


def apply_verdicts(store: Store, base_id: int, verdicts: dict[str, Verdict], *,
                   on: str) -> None:
    """Applies verdicts keyed by contacts.`on` (domain or address) to the base's syntax-valid,
    non-duplicate rows, in one bulk UPDATE. Flags are merged with the row's."""
    rows = [(k, v.status.value, v.reason.value, v.evidence.value,
             ",".join(sorted(f.value for f in v.flags)), v.detail) for k, v in verdicts.items()]
    table = f"_mh_{on}_verdicts"
    store.load_rows(table, [on, "status", "reason", "evidence", "flags", "detail"], rows)
    match = (f'FROM "{table}" v WHERE contacts.base_id = ? AND contacts.{on} = v.{on} '
             "AND contacts.syntax_ok AND contacts.status <> 'duplicate'")
    # Flags and details only where the verdict has some: DuckDB rewrites every SET column of
    # every matched row, and most verdicts carry neither. (Stored flags are already sorted and
    # distinct, so rows without new flags keep theirs as they are.)
    store.execute(f"UPDATE contacts SET flags = {merged_flags_sql('contacts.flags', 'v.flags')} "
                  f"{match} AND coalesce(v.flags, '') <> ''", [base_id])
    store.execute(f"UPDATE contacts SET detail = v.detail {match} "
                  "AND coalesce(v.detail, '') <> ''", [base_id])
    store.execute("UPDATE contacts SET status = v.status, reason = v.reason, "
                  f"evidence = v.evidence {match}", [base_id])
    store.execute(f'DROP TABLE IF EXISTS "{table}"')


def _history_figures(store: Store, base: BaseRef, summary: dict[str, Any]) -> None:
    """`from_history` and the invalid rate without history, so a figure such as "40% bounce"
    can be quoted with its basis (issue 5)."""
    from mailhygiene.history import history_summary
    from mailhygiene.stats import wilson_interval

    hs = history_summary(store, base.base_id)
    denom = summary["unique"]
    summary["from_history"] = hs.from_history
    summary["invalid_without_history"] = hs.invalid_without_history
    summary["invalid_rate_without_history"] = hs.invalid_without_history / denom if denom else 0.0
    summary["invalid_rate_without_history_ci95"] = list(
        wilson_interval(hs.invalid_without_history, denom))


def dumps(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False, default=str)
