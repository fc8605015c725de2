"""`mailhygiene report`: the HTML report of a recorded check or compare run (issue 9)."""

from __future__ import annotations

import click

from mailhygiene.cli.common import db_option, refuse_overwrites
from mailhygiene.privacy import strip_terminal_escapes
from mailhygiene.report import write_report
from mailhygiene.store import open_store


@click.command()
@click.option("--kind", type=click.Choice(["check", "compare"]), default="check",
              show_default=True, help="Hygiene (check) or provenance (compare) report.")
@click.option("--run", "run_id", type=int, help="Run id (see the store's runs table).")
@click.option("--latest", is_flag=True, help="The latest finished run of --kind (default).")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
              help="Language of the report (numbers are formatted for it).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="HTML file to write (self-contained: opens offline, prints to PDF).")
@click.option("--show-addresses", is_flag=True,
              help="Show full addresses (internal use; the report says so). Default: masked.")
@db_option
def report(kind: str, run_id: int | None, latest: bool, lang: str, output: str,
           show_addresses: bool, db: str) -> None:
    """Write the self-contained HTML report of a check or compare run.

    \b
    mailhygiene report --latest --lang fr -o rapport.html
    mailhygiene report --kind compare --run 12 -o provenance.html
    """
    if latest and run_id is not None:
        raise click.UsageError("give --run ID or --latest, not both")
    refuse_overwrites({"-o": output}, db=db)
    with open_store(db, read_only=True) as store:
        path, rid = write_report(store, output, kind=kind, run_id=run_id, lang=lang,
                                 show_addresses=show_addresses)
    click.echo(f"{kind} report of run {rid} written to {strip_terminal_escapes(str(path))}")
