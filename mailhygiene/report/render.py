"""Rendering: one jinja2 template set for both languages, autoescaped, written atomically."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from mailhygiene import __version__
from mailhygiene.errors import ConfigError, InputError
from mailhygiene.outfile import same_file, write_text
from mailhygiene.privacy import mask_text
from mailhygiene.report import check_data, compare_data
from mailhygiene.report.fmt import number_format
from mailhygiene.report.messages import LANGS, Catalogue
from mailhygiene.report.runs import (
    RunRecord,
    command_line,
    latest_run,
    load_base,
    load_run,
    param_rows,
    when,
)
from mailhygiene.report.svg import share_bar
from mailhygiene.store import Store

_ENV: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        # autoescape on for every template: all values come from user files (issue 9).
        _ENV = jinja2.Environment(
            loader=jinja2.PackageLoader("mailhygiene.report", "templates"),
            autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
            lstrip_blocks=True, keep_trailing_newline=True)
    return _ENV


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ConfigError(f"unknown report language {lang!r}; choose {' or '.join(LANGS)}")
    return lang


def _common(store: Store, run: RunRecord, lang: str, show_addresses: bool,
            base_ids: list[tuple[str, Any]]) -> dict[str, Any]:
    cat = Catalogue(lang)
    fmt = number_format(lang)
    inputs = []
    for role, base_id in base_ids:
        b = None if base_id is None else load_base(store, int(base_id))
        if b is not None:
            inputs.append({"role": role,
                           "name": b.name if show_addresses else mask_text(b.name),
                           "file": (b.file or "") if show_addresses else mask_text(b.file or ""),
                           "sha256": b.sha256 or "", "rows": b.rows,
                           "imported": when(b.imported_at)})
    return {
        "lang": lang, "t": cat.t, "label": cat.label, "cat": cat, "fmt": fmt,
        "share_bar": share_bar, "show_addresses": show_addresses, "run": run,
        "started": when(run.started_at), "finished": when(run.finished_at),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "version": __version__, "inputs": inputs,
        "versions": sorted((str(k), str(v)) for k, v in run.versions.items()),
        "params": param_rows(run.params, show_addresses=show_addresses),
        "command": command_line(run.params, show_addresses=show_addresses),
    }


def render_check(store: Store, run_id: int, *, lang: str = "en",
                 show_addresses: bool = False) -> str:
    run = load_run(store, run_id)
    if run.command != "check":
        raise InputError(f"run {run_id} is a {run.command!r} run, not a check")
    lang = _lang(lang)
    ctx = _common(store, run, lang, show_addresses,
                  [("A", run.summary.get("base_id", run.base_id))])
    ctx["s"] = run.summary
    # A base is named after its file, and a file may be named after a person's address.
    base = str(run.summary.get("base", ""))
    ctx["base_name"] = base if show_addresses else mask_text(base)
    base_id = run.summary.get("base_id", run.base_id)
    ctx["c"] = check_data.build(
        store, run.summary, ctx["cat"], ctx["fmt"], show_addresses=show_addresses,
        rows_current=check_data.rows_match_run(store, run.run_id, base_id),
        only=run.params.get("only"))
    ctx["level_key"] = f"level_{run.summary.get('level', '')}"
    return environment().get_template("check.html.j2").render(ctx)


def render_compare(store: Store, run_id: int, *, lang: str = "en",
                   show_addresses: bool = False) -> str:
    run = load_run(store, run_id)
    if run.command != "compare":
        raise InputError(f"run {run_id} is a {run.command!r} run, not a compare")
    lang = _lang(lang)
    s = run.summary
    ctx = _common(store, run, lang, show_addresses,
                  [("A", (s.get("a") or {}).get("base_id")),
                   ("B", (s.get("b") or {}).get("base_id"))])
    ctx["s"] = s
    ctx["c"] = compare_data.build(s, ctx["cat"], ctx["fmt"], show_addresses=show_addresses)
    if ctx["c"].key_id is None:
        ctx["c"].key_id = run.params.get("key_id")
    return environment().get_template("compare.html.j2").render(ctx)


def write_check_report(store: Store, run_id: int, path: str | Path, *, lang: str = "en",
                       show_addresses: bool = False) -> Path:
    """The hygiene report of check run `run_id`, as one self-contained HTML file."""
    return write_text(path, render_check(store, run_id, lang=lang,
                                           show_addresses=show_addresses))


def write_compare_report(store: Store, run_id: int, path: str | Path, *, lang: str = "en",
                         show_addresses: bool = False) -> Path:
    """The provenance report of compare run `run_id`, as one self-contained HTML file."""
    return write_text(path, render_compare(store, run_id, lang=lang,
                                             show_addresses=show_addresses))


def _refuse_run_files(params: dict[str, Any], out: Path) -> None:
    """A report written later (`mailhygiene report -o`) must not replace a file of the run it
    describes: its inputs, bounce logs or cleaned list (recorded relative to the run's
    working directory)."""
    cwd = Path(str(params.get("cwd") or "."))
    names: list[str] = []
    for key in ("input", "output", "a", "b", "reference", "bounces", "a_bounces"):
        value = params.get(key)
        names += [str(v) for v in value] if isinstance(value, list) else [str(value or "")]
    for name in filter(None, names):
        if (cwd / name).is_file() and same_file(out, cwd / name):
            raise InputError(f"-o {out} is {name}, a file of the run reported on: choose "
                             "another file")


def write_report(store: Store, path: str | Path, *, kind: str = "check",
                 run_id: int | None = None, lang: str = "en",
                 show_addresses: bool = False) -> tuple[Path, int]:
    """`mailhygiene report`: the given run, or the latest run of `kind`."""
    if kind not in ("check", "compare"):
        raise ConfigError(f"unknown report kind {kind!r}; choose check or compare")
    rid = latest_run(store, kind) if run_id is None else run_id
    _refuse_run_files(load_run(store, rid).params, Path(path))
    writer = write_check_report if kind == "check" else write_compare_report
    return writer(store, rid, path, lang=lang, show_addresses=show_addresses), rid
