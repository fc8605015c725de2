"""`mailhygiene bounces import|parse`: read bounce messages, logs and ESP exports (issue 5)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from mailhygiene.bounces.detect import FORMATS, iter_bytes, iter_files, read_file
from mailhygiene.config import DEFAULT_DB
from mailhygiene.privacy import mask_address, strip_terminal_escapes
from mailhygiene.report.fmt import counted
from mailhygiene.store import open_store
from mailhygiene.store.bounces import import_paths


@click.group("bounces")
def bounces() -> None:
    """Bounce history: DSNs, free-text bounces, ARF, auto-replies, Postfix logs, ESP exports."""


@bounces.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--base", "base_name", default=None, help="Label: where this history came from.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Force the input format instead of detecting it.")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(),
              help="DuckDB store.")
def import_cmd(paths: tuple[str, ...], base_name: str | None, fmt: str | None, db: str) -> None:
    """Store the bounce events of PATH... (files, maildir folders, mbox). Idempotent."""
    with open_store(db) as store:
        stats = import_paths(store, paths, base_name=base_name, fmt=fmt)
    click.echo(f"files: {stats.files}  events: {stats.events}  new: {stats.new_events}")
    warn_without_events(stats.without_events)


def warn_without_events(files: Sequence[str]) -> None:
    """An unknown format, a wrong --format or a binary file reads as "no event": said on
    stderr, naming the files (`bounces import`, `bounces parse`, `check --bounces`)."""
    if not files:
        return
    shown = ", ".join(strip_terminal_escapes(f) for f in files[:5])
    more = len(files) - 5
    click.echo(f"mailhygiene: warning: no bounce event found in "
               f"{counted(len(files), 'file', 'files')}: {shown}"
               + (f" and {more} more" if more > 0 else ""), err=True)


@bounces.command("parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--jsonl", is_flag=True,
              help="One JSON object per event (refusals, and deliveries, auto-replies or "
                   "complaints when a file reports them), full addresses included.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Force the input format instead of detecting it.")
def parse_cmd(paths: tuple[str, ...], jsonl: bool, fmt: str | None) -> None:
    """Print the events of PATH... without storing them (addresses masked unless --jsonl)."""
    empty: list[str] = []
    for path in paths:
        for file in iter_files(Path(path)):
            found = False
            for ev in iter_bytes(read_file(file)[1], str(file), fmt):
                found = found or bool(ev.address)
                if jsonl:
                    click.echo(json.dumps(ev.as_json(), ensure_ascii=False))
                else:
                    click.echo("\t".join((ev.source, str(ev.index), mask_address(ev.address),
                                          ev.reason, ev.status or "-", ev.replycode or "-",
                                          "hard" if ev.hard else "soft", ev.action or "-")))
            if not found:
                empty.append(str(file))
    warn_without_events(empty)
