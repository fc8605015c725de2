"""Options and printing shared by commands."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from mailhygiene import config
from mailhygiene.errors import InputError, StoreError
from mailhygiene.outfile import check_writable, descriptor, same_file
from mailhygiene.privacy import mask_text, shown_domains, strip_terminal_escapes
from mailhygiene.report.fmt import counted, number_format, plural

F = TypeVar("F", bound=Callable[..., Any])


def db_option(f: F) -> F:
    return click.option("--db", default=config.DEFAULT_DB, show_default=True,
                        envvar="MAILHYGIENE_DB", type=click.Path(dir_okay=False),
                        help="DuckDB store file.")(f)


class Seconds(click.ParamType[float]):
    """A duration in seconds: finite (nan and inf pass a plain float) and above zero, or at
    least zero for delays (0: at once)."""

    name = "seconds"

    def __init__(self, *, zero_ok: bool = False) -> None:
        self.zero_ok = zero_ok

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(v) or v < 0 or (v == 0 and not self.zero_ok):
            what = "zero or more" if self.zero_ok else "positive"
            self.fail(f"{value!r} is not a {what}, finite number of seconds", param, ctx)
        return v


SECONDS = Seconds()
DELAY = Seconds(zero_ok=True)


def existing_store(db: str) -> str:
    """`db`, refused when there is no file: commands that only read or upkeep a store never
    create one (a typo in --db must not leave an empty store and report success)."""
    if not Path(db).exists():
        raise StoreError(f"no store file at {db}")
    return db


def refuse_overwrites(outputs: Mapping[str, str | None], inputs: Iterable[str | None] = (),
                      db: str | None = None) -> None:
    """Refuses, before any work, an output file that is an input, the store or another
    output (by path, link or hard link): writing it would destroy what the run reads (inputs
    are never modified) or another of its results. An input that is the store is refused
    too. `outputs` maps each option to its path; inputs that are not files (stored base
    names) are skipped."""
    claimed: list[tuple[str, Path]] = []
    if db:
        claimed += [("the store (--db)", Path(db)),
                    ("the store's write-ahead log", Path(f"{db}.wal"))]
    for p in inputs:
        if p and Path(p).is_file():
            if db and same_file(Path(p), Path(db)):
                raise InputError(f"input {p} is the store (--db): give the contact file")
            claimed.append((f"the input {p} (inputs are never modified)", Path(p)))
    for option, p in outputs.items():
        if not p:
            continue
        check_writable(p, option)
        if descriptor(p) is not None or (Path(p).exists() and not Path(p).resolve().is_file()):
            # An open descriptor (-, /dev/stdout, even when the shell pointed it at a file),
            # a device or a pipe (/dev/null) is written into: it takes any number of outputs.
            continue
        for what, other in claimed:
            if same_file(Path(p), other):
                raise InputError(f"{option} {p} is {what}: choose another file")
        claimed.append((f"also the file of {option}", Path(p)))


def progress_enabled(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return sys.stderr.isatty() and not os.environ.get("CI")


class TerminalProgress:
    """Stage messages and tqdm bars on stderr (only built when stderr is a terminal)."""

    def __init__(self) -> None:
        self._bars: list[Any] = []

    def message(self, text: str) -> None:
        click.echo(f"· {strip_terminal_escapes(text)}", err=True)

    def counter(self, label: str, total: int) -> Callable[[int], None]:
        from tqdm import tqdm

        bar = tqdm(total=total, desc=label, unit="", file=sys.stderr, leave=False,
                   dynamic_ncols=True)
        self._bars.append(bar)

        def tick(n: int) -> None:
            bar.update(n)

        return tick

    def close(self) -> None:
        for bar in self._bars:
            bar.close()
        self._bars.clear()


def make_progress(flag: bool | None) -> TerminalProgress | None:
    return TerminalProgress() if progress_enabled(flag) else None


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ci(lo: float, hi: float) -> str:
    """A 95% interval's bounds as the English report writes them (a bound above 0 or below
    100% is never written as 0 or 100)."""
    return number_format("en").interval(lo, hi)


def print_summary(s: dict[str, Any]) -> None:
    """Human table on stdout. Addresses never appear; domains of the top table are not
    personal data on their own but free-text is still stripped of terminal escapes."""
    # Here, not at the top: summary loads the store (DuckDB), which most commands that
    # import this module do not need; a summary is printed after a check has loaded it.
    from mailhygiene.summary import history_changed

    out = click.echo
    lo, hi = s["invalid_rate_ci95"]
    out(f"base        {strip_terminal_escapes(str(s['base']))}  (level {s['level']})")
    if s.get("address_column") is not None:
        out(f"addresses   column {strip_terminal_escapes(str(s['address_column']))!r}")
    if (h := s.get("address_column_hint")) is not None:
        other = strip_terminal_escapes(mask_text(str(h["column"])))
        out(f"  note: column {other!r} holds an '@' in {h['with_at']:,} of the first "
            f"{h['rows_sampled']:,} rows, the address column in {h['address_column_with_at']:,}"
            f": if {other!r} holds the addresses, run again with --column {other!r}")
    out(f"rows        {s['rows']:>10,}")
    if s.get("title_rows"):
        lines = plural(s["title_rows"], "line", "lines")
        out(f"titles      {s['title_rows']:>10,}   {lines} above the header: kept above it in "
            "the cleaned list, not checked")
    out(f"unique      {s['unique']:>10,}")
    out(f"duplicates  {s['duplicates']:>10,}")
    out(f"invalid     {s['invalid']:>10,}   rate {_pct(s['invalid_rate'])} "
        f"(95% CI {_ci(lo, hi)}, of unique rows)")
    if s.get("empty_cells"):
        alo, ahi = s["invalid_rate_addresses_ci95"]
        empty = counted(s["empty_cells"], "empty address cell", "empty address cells")
        out(f"  of which {empty}; non-empty addresses "
            f"{s['addresses']:,}, invalid {s['invalid_addresses']:,}, rate "
            f"{_pct(s['invalid_rate_addresses'])} (95% CI {_ci(alo, ahi)})")
    if history_changed(s):
        hlo, hhi = s.get("invalid_rate_without_history_ci95", (0.0, 0.0))
        out(f"  without history: {_pct(s['invalid_rate_without_history'])} "
            f"(95% CI {_ci(hlo, hhi)})")
    out("")
    out("status")
    for k, v in ((k, v) for k, v in s["by_status"].items() if v):  # JSON keeps the zeros
        out(f"  {k:<14}{v:>10,}")
    out("reason")
    for k, v in s["by_reason"].items():
        out(f"  {k:<28}{v:>10,}")
    if s.get("flags"):
        out("flags")
        for k, v in s["flags"].items():
            out(f"  {k:<14}{v:>10,}")
    if s.get("top_domains"):
        out(f"top domains ({s.get('domains', 0):,} distinct"
            + (f", {s['dns_queries']:,} DNS queries this run" if "dns_queries" in s else "")
            + ")")
        top = s["top_domains"][:10]
        # Logs and cron mail are read by others: a domain few addresses hold names a person.
        names = shown_domains([(str(d["domain"]), int(d["rows"])) for d in top],
                              config.SHOWN_DOMAIN_MIN_ADDRESSES)
        for d, name in zip(top, names, strict=True):
            dlo, dhi = d["invalid_share_ci95"]
            out(f"  {strip_terminal_escapes(name)[:40]:<40}{d['rows']:>9,}  "
                f"invalid {_pct(d['invalid_share'])} (95% CI {_ci(dlo, dhi)})")
    for key, section in s.get("phones", {}).items():
        if isinstance(section, dict) and "invalid_rate" in section:
            plo, phi = section.get("invalid_rate_ci95", (0.0, 0.0))
            out(f"phone {key:<20} invalid {_pct(section['invalid_rate'])} "
                f"(95% CI {_ci(plo, phi)})")
    if s.get("output"):
        out(f"cleaned list: {s['output']} ({s.get('output_rows', 0):,} rows)")
    if s.get("report"):
        out(f"report: {s['report']}")


def warn_without_events(files: Sequence[str], folders: Sequence[str] = ()) -> None:
    """An unknown format, a wrong --format or a binary file reads as "no event", and a folder
    holding no file reads nothing: said on stderr, naming them (`bounces import`, `bounces
    parse`, `check --bounces`)."""
    if folders:
        shown_dirs = ", ".join(strip_terminal_escapes(f) for f in folders[:5])
        extra = len(folders) - 5
        click.echo(f"mailhygiene: warning: no file to read in "
                   f"{counted(len(folders), 'folder', 'folders')}: {shown_dirs}"
                   + (f" and {extra} more" if extra > 0 else ""), err=True)
    if not files:
        return
    shown = ", ".join(strip_terminal_escapes(f) for f in files[:5])
    more = len(files) - 5
    click.echo(f"mailhygiene: warning: no bounce event found in "
               f"{counted(len(files), 'file', 'files')}: {shown}"
               + (f" and {more} more" if more > 0 else ""), err=True)
