"""`mailhygiene store`: what a store holds, dropping bases, compacting the file."""

from __future__ import annotations

import json
import sys

import click

from mailhygiene.cli.common import db_option, existing_store
from mailhygiene.errors import ConfigError
from mailhygiene.privacy import strip_terminal_escapes
from mailhygiene.report.fmt import counted
from mailhygiene.store import open_store
from mailhygiene.store.admin import compact, drop_bases, info, resolve_bases


@click.group()
def store() -> None:
    """Store upkeep: list what it holds, drop bases, give space back to the disk.

    \b
    mailhygiene store info
    mailhygiene store drop old-export --yes
    mailhygiene store compact
    """


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


@store.command("info")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def info_cmd(db: str, as_json: bool) -> None:
    """Bases, run records and caches the store holds, and its size on disk.

    \b
    mailhygiene store info --db mailhygiene.duckdb
    """
    with open_store(existing_store(db), read_only=True) as s:
        data = info(s)
    if as_json:
        click.echo(json.dumps(data, sort_keys=True))
        return
    click.echo(f"{data['path']}: {_mib(data['bytes'])}")
    click.echo(f"{'id':>4}  {'rows':>10}  {'imported':<19}  {'runs':>4}  {'last run':<19}  name")
    for b in data["bases"]:
        click.echo(f"{b['base_id']:>4}  {b['rows']:>10,}  {b['imported_at'][:19]:<19}  "
                   f"{b['runs']:>4}  {(b['last_run'] or '-')[:19]:<19}  "
                   f"{strip_terminal_escapes(b['name'])}")
    for table, n in data["counts"].items():
        unfinished = data["unfinished_runs"] if table == "runs" else 0
        click.echo(f"{table:<14}{n:>12,}" + (f"  ({unfinished:,} unfinished: killed, "
                                              "interrupted or still running)"
                                              if unfinished else ""))


@store.command("drop")
@db_option
@click.argument("bases", nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="Do not ask (required without a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Print what was deleted as JSON.")
def drop_cmd(db: str, bases: tuple[str, ...], yes: bool, as_json: bool) -> None:
    """Delete stored BASES (ids or names; id:N for an id only) and what was derived from their
    rows: contacts, input table, phone verdicts, history marks, fingerprints. Run records, the
    DNS cache, probes, bounces and suppression lists stay. `store compact` then gives the
    space back.

    \b
    mailhygiene store drop 3 old-export --yes
    """
    # Resolved read-only, so that the store is not held while the question waits.
    with open_store(existing_store(db), read_only=True) as s:
        chosen = resolve_bases(s, list(bases))
    for b in chosen:
        click.echo(f"base {b.base_id} ({strip_terminal_escapes(b.name)}): "
                   f"{counted(b.rows, 'row', 'rows')}, imported {b.imported_at[:19]}", err=True)
    if not yes:
        if not sys.stdin.isatty():
            raise ConfigError("store drop: add --yes to confirm without a terminal")
        if not click.confirm(f"Delete {counted(len(chosen), 'base', 'bases')}?", err=True):
            click.echo("nothing deleted", err=True)
            sys.exit(1)
    with open_store(existing_store(db)) as s:
        deleted = drop_bases(s, [b.base_id for b in chosen])
    if as_json:
        click.echo(json.dumps({"dropped": [b.base_id for b in chosen], "deleted_rows": deleted},
                              sort_keys=True))
        return
    for b in chosen:
        click.echo(f"dropped base {b.base_id} ({strip_terminal_escapes(b.name)})")
    click.echo(f"{counted(sum(deleted.values()), 'row', 'rows')} deleted "
               f"({', '.join(f'{t} {n:,}' for t, n in sorted(deleted.items()))})")


@store.command("compact")
@db_option
@click.option("--compress", is_flag=True,
              help="Also compress the address strings, kept uncompressed for import speed: "
                   "about half the size, for a store kept as an archive; later imports into "
                   "it are slower.")
def compact_cmd(db: str, compress: bool) -> None:
    """Rewrite the store file without the space of deleted rows (DuckDB reuses that space
    but never returns it to the disk). Needs room for a second copy beside the file.

    \b
    mailhygiene store compact --db mailhygiene.duckdb
    mailhygiene store compact --compress --db case-2026.duckdb
    """
    with open_store(existing_store(db)) as s:
        result = compact(s, compress=compress)
    click.echo(f"{result['path']}: {_mib(result['bytes_before'])} -> "
               f"{_mib(result['bytes_after'])}")
