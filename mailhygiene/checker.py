"""`check` orchestration: one async function that runs the stages a level asks for on a base
and returns the summary. Stages are imported lazily so `--level syntax` pays for none of the
network stacks."""

from __future__ import annotations

import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mailhygiene import __version__
from mailhygiene.errors import ConfigError
from mailhygiene.output import write_cleaned
from mailhygiene.pipeline import BaseRef, import_base, reset_statuses
from mailhygiene.store import Store
from mailhygiene.summary import summarize
from mailhygiene.types import Level


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
    smtp_port: int = 25
    per_host_concurrency: int = 1
    smtp_concurrency: int = 20
    rate: str = "10/s"
    greylist_delay: float = 600.0
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
        return Level(level)
    except ValueError:
        raise ConfigError(
            f"unknown --level {level!r}; choose syntax, mx or smtp") from None


StageProgress = Callable[[str], None]


async def check(store: Store, opts: CheckOptions, *, progress: StageProgress | None = None,
                command: Sequence[str] = ()) -> dict[str, Any]:
    level = parse_level(opts.level)
    if level is Level.SMTP and not (opts.helo and opts.mail_from):
        raise ConfigError("--level smtp needs --helo NAME and --mail-from ADDRESS "
                          "(the prober never impersonates anyone by default)")
    base = import_base(store, opts.input, name=opts.name, column=opts.column, sheet=opts.sheet,
                       delimiter=opts.delimiter, fold_providers=opts.fold_providers,
                       progress=progress)
    run_id = store.start_run("check", opts.params() | {"command": list(command)},
                             library_versions(), base.sha256)
    extra: dict[str, Any] = {}
    with store.transaction():
        if base.reused:
            reset_statuses(store, base.base_id)
        extra |= await _network_stages(store, base, level, opts, progress)
    summary = summarize(store, base, level=level.value)
    summary |= extra
    summary["run_id"] = run_id
    summary["reused_import"] = base.reused
    if opts.output:
        if progress:
            progress(f"writing {Path(opts.output).name}")
        summary["output"] = str(opts.output)
        summary["output_rows"] = write_cleaned(
            store, base, opts.output, only=opts.only, delimiter=opts.out_delimiter,
            encoding=opts.out_encoding, neutralize_formulas=opts.neutralize_formulas)
    store.finish_run(run_id, summary, base.base_id)
    return summary


async def _network_stages(store: Store, base: BaseRef, level: Level, opts: CheckOptions,
                          progress: StageProgress | None) -> dict[str, Any]:
    """MX, SMTP, history, enrichment: filled in as the stages land."""
    extra: dict[str, Any] = {"dns_queries": 0}
    del store, base, level, opts, progress
    return extra


def dumps(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False, default=str)
