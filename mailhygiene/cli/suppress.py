"""`mailhygiene suppress`: opt-out / suppression lists (issue 11)."""

from __future__ import annotations

import json

import click

from mailhygiene import config
from mailhygiene.cli.common import db_option, existing_store
from mailhygiene.phones import phone_region
from mailhygiene.privacy import strip_terminal_escapes
from mailhygiene.store import open_store
from mailhygiene.suppress import (
    KINDS,
    import_suppression_file,
    list_suppressions,
    read_suppression_file,
)


@click.group()
def suppress() -> None:
    """Opt-out lists (emails, phone numbers, whole domains) that `check` marks do_not_mail."""


@suppress.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--list", "list_name", help="List name (default: the file name without suffix).")
@click.option("--kind", type=click.Choice(KINDS),
              help="What the entries are (default: detected from the header or the entries).")
@click.option("--hashed/--plain", default=None,
              help="Entries are SHA-256 hex digests of normalized addresses/numbers/domains "
                   "(default: detected).")
@click.option("--default-region", default=config.DEFAULT_PHONE_REGION, show_default=True,
              help="Country (ISO code) of phone numbers written without +/00.")
@click.option("--json", "as_json", is_flag=True, help="Print the import figures as JSON.")
@db_option
def import_cmd(file: str, list_name: str | None, kind: str | None, hashed: bool | None,
               default_region: str, as_json: bool, db: str) -> None:
    """Add the entries of FILE (one per line, a CSV with a header, or an XLSX workbook's first
    sheet) to a suppression list. Fails (exit 2, nothing stored) when FILE has no entry (empty,
    blank or only a header) or when every entry is rejected."""
    # Both before the store is opened (and created): a truncated export creates nothing.
    phone_region(default_region)
    listed = read_suppression_file(file, kind=kind, hashed=hashed)
    with open_store(db) as store:
        st = import_suppression_file(store, listed, list_name=list_name,
                                     default_region=default_region)
    if as_json:
        click.echo(json.dumps(st.to_json(), sort_keys=True))
        return
    name = strip_terminal_escapes(st.list_name)
    click.echo(f"list {name} ({st.kind}{', hashed' if st.hashed else ''}): "
               f"{st.read:,} read, {st.stored:,} new, {st.repeated:,} already listed, "
               f"{st.rejected:,} rejected")


@suppress.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the lists as JSON.")
@db_option
def list_cmd(as_json: bool, db: str) -> None:
    """Show the stored suppression lists and their sizes."""
    with open_store(existing_store(db)) as store:
        rows = list_suppressions(store)
    if as_json:
        click.echo(json.dumps(rows, default=str, sort_keys=True))
        return
    if not rows:
        click.echo("no suppression list")
    for r in rows:
        click.echo(f"{strip_terminal_escapes(str(r['list'])):<24}{r['kind']:<8}"
                   f"{'hashed' if r['hashed'] else 'plain':<8}{r['entries']:>10,}  "
                   f"last imported {r['last_imported_at']:%Y-%m-%d %H:%M}")
