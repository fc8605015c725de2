"""`mailhygiene bounces import|parse`: read bounce messages, logs and ESP exports (issue 5)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mailhygiene.bounces.detect import FORMATS, iter_bytes, iter_files, read_file
from mailhygiene.cli.common import db_option, warn_without_events
from mailhygiene.privacy import mask_address
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
@click.option("--restart", is_flag=True,
              help="Read PATH... again and replace what earlier imports stored for them "
                   "(after an upgrade that reads them differently, or a wrong --format).")
@db_option
def import_cmd(paths: tuple[str, ...], base_name: str | None, fmt: str | None, restart: bool,
               db: str) -> None:
    """Store the bounce events of PATH... (files, maildir folders, mbox). Idempotent."""
    with open_store(db) as store:
        stats = import_paths(store, paths, base_name=base_name, fmt=fmt, restart=restart)
    replaced = f"  removed: {stats.removed}" if restart else ""
    click.echo(f"files: {stats.files}  events: {stats.events}  new: {stats.new_events}"
               f"{replaced}")
    warn_without_events(stats.without_events, stats.empty_folders)


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
    folders: list[str] = []
    for path in paths:
        read = False
        for file in iter_files(Path(path)):
            read = True
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
        if not read:
            folders.append(path)
    warn_without_events(empty, folders)
