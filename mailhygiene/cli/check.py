"""`mailhygiene check`: validate a contact base and write the cleaned list."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from mailhygiene import config
from mailhygiene.checker import CheckOptions, dumps
from mailhygiene.checker import check as run_check
from mailhygiene.cli.common import (
    DELAY,
    SECONDS,
    db_option,
    make_progress,
    print_summary,
    refuse_overwrites,
    warn_without_events,
)
from mailhygiene.errors import InputError
from mailhygiene.ingest import check_input_file
from mailhygiene.output import parse_delimiter, parse_encoding, parse_only
from mailhygiene.phones import phone_region
from mailhygiene.store import open_store


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the cleaned CSV here (every input row and column + mh_* columns).")
@click.option("--level", default=config.DEFAULT_LEVEL, show_default=True,
              help="How far to check: syntax, mx (DNS) or smtp (opt-in mailbox probe).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@db_option
@click.option("--column", help="Address column (header name or 1-based index).")
@click.option("--sheet", help="XLSX worksheet (default: the first).")
@click.option("--delimiter", help="Input delimiter (default: detected).")
@click.option("--only", help="Keep only these statuses in the output, e.g. valid,unknown.")
@click.option("--out-delimiter", help="Output delimiter (default: the input's).")
@click.option("--out-encoding", help="Output encoding (default: the input's).")
@click.option("--name", help="Name of the base in the store (default: file name).")
@click.option("--fold-providers", is_flag=True,
              help="Treat Gmail dots and +tags as the same mailbox when deduplicating.")
@click.option("--keep-formulas", is_flag=True,
              help="Do not neutralize cells starting with = + - @ (spreadsheet formulas).")
@click.option("--nameserver", multiple=True, metavar="HOST[:PORT]",
              help="DNS resolver to query (repeatable; default: the system's).")
@click.option("--dns-concurrency", type=click.IntRange(min=1), help="Concurrent DNS queries.")
@click.option("--dns-timeout", type=SECONDS, help="Seconds per DNS query attempt.")
@click.option("--refresh-dns", is_flag=True, help="Ignore cached DNS answers.")
@click.option("--allow-loopback", is_flag=True,
              help="(tests/demos) let MX hosts on 127.0.0.0/8 count as mail hosts.")
@click.option("--helo", help="SMTP: the name to greet with (required for --level smtp).")
@click.option("--mail-from", help="SMTP: envelope sender (required for --level smtp).")
@click.option("--smtp-port", type=int, default=config.SMTP_PORT, show_default=True,
              help="(tests) SMTP port of the MX hosts.")
@click.option("--per-host-concurrency", type=click.IntRange(min=1),
              default=config.SMTP_PER_HOST_CONCURRENCY, show_default=True,
              help="SMTP: connections at once to one MX address.")
@click.option("--smtp-concurrency", type=click.IntRange(min=1),
              default=config.SMTP_CONCURRENCY, show_default=True,
              help="SMTP: connections at once, in total.")
@click.option("--rate", default=config.SMTP_RATE, show_default=True,
              help="SMTP: global limit on new connections + RCPT commands, e.g. 10/s, "
                   "300/min.")
@click.option("--smtp-timeout", type=SECONDS, default=config.SMTP_TIMEOUT, show_default=True,
              help="SMTP: seconds to wait for any reply.")
@click.option("--greylist-delay", type=DELAY, default=config.SMTP_GREYLIST_DELAY,
              show_default=True,
              help="SMTP: seconds before the first retry of a deferred address.")
@click.option("--refresh-smtp", is_flag=True,
              help="Ask every mailbox again instead of reusing stored SMTP answers.")
@click.option("--bounces", multiple=True, type=click.Path(exists=True),
              help="Bounce messages/logs/ESP exports to import and apply (repeatable).")
@click.option("--phone-column", multiple=True,
              help="Phone/fax column (repeatable; default: detected from headers).")
@click.option("--default-region", default="MA", show_default=True,
              help="Country for numbers written without a prefix (ISO code).")
@click.option("--restart", is_flag=True,
              help="Start over instead of resuming: import INPUT again and read the "
                   "--bounces files again, replacing what earlier imports stored.")
@click.option("--html", "html", type=click.Path(dir_okay=False),
              help="Also write the hygiene report (self-contained HTML) here.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="en", show_default=True)
@click.option("--show-addresses", is_flag=True,
              help="Report: show addresses unmasked (internal use; noted on the report).")
@click.option("--progress/--no-progress", default=None,
              help="Progress on stderr (default: only on a terminal, never in CI).")
def check(input_path: str, output: str | None, level: str, as_json: bool, db: str,
          column: str | None, sheet: str | None, delimiter: str | None, only: str | None,
          out_delimiter: str | None, out_encoding: str | None, name: str | None,
          fold_providers: bool, keep_formulas: bool, nameserver: tuple[str, ...],
          dns_concurrency: int | None, dns_timeout: float | None, refresh_dns: bool,
          allow_loopback: bool, helo: str | None, mail_from: str | None, smtp_port: int,
          per_host_concurrency: int, smtp_concurrency: int, rate: str,
          smtp_timeout: float, greylist_delay: float, refresh_smtp: bool, bounces: tuple[str, ...],
          phone_column: tuple[str, ...],
          default_region: str, restart: bool, html: str | None, lang: str,
          show_addresses: bool, progress: bool | None) -> None:
    """Validate the addresses of INPUT (CSV, TXT or XLSX) and summarise the result.

    \b
    mailhygiene check contacts.csv -o cleaned.csv
    mailhygiene check contacts.csv --level syntax --json
    """
    # Also refuses a missing output directory, before the work rather than after it.
    refuse_overwrites({"-o": output, "--html": html}, [input_path, *bounces], db)
    # Options are checked before any work (a check at the MX level can take minutes).
    delimiter = parse_delimiter(delimiter, "--delimiter")
    out_delimiter = parse_delimiter(out_delimiter, "--out-delimiter")
    out_encoding = parse_encoding(out_encoding, "--out-encoding")
    phone_region(default_region)
    # before the store is opened: a missing input must not leave an empty store file behind
    check_input_file(Path(input_path))
    opts = CheckOptions(
        input=input_path, level=level, output=output, only=parse_only(only), column=column,
        sheet=sheet, delimiter=delimiter, out_delimiter=out_delimiter,
        out_encoding=out_encoding, name=name, fold_providers=fold_providers,
        neutralize_formulas=not keep_formulas, nameservers=nameserver,
        dns_concurrency=dns_concurrency, dns_timeout=dns_timeout, refresh_dns=refresh_dns,
        allow_loopback=allow_loopback, helo=helo, mail_from=mail_from, smtp_port=smtp_port,
        per_host_concurrency=per_host_concurrency, smtp_concurrency=smtp_concurrency,
        rate=rate, smtp_timeout=smtp_timeout, greylist_delay=greylist_delay,
        refresh_smtp=refresh_smtp, bounces=bounces,
        phone_columns=phone_column or None, default_region=default_region, restart=restart,
    )
    if opts.only is not None and output is None:
        raise InputError("--only selects the rows of the cleaned list: give it -o FILE")
    show = make_progress(progress)
    try:
        with open_store(db) as store:
            summary: dict[str, Any] = run_check(
                store, opts, progress=show, command=["mailhygiene", *sys.argv[1:]])
            if html:
                from mailhygiene.report import write_check_report

                summary["report"] = str(write_check_report(
                    store, summary["run_id"], html, lang=lang, show_addresses=show_addresses))
    finally:
        if show:
            show.close()
    imported = summary.get("bounces_imported", {})
    warn_without_events(imported.get("without_events", ()), imported.get("empty_folders", ()))
    if as_json:
        click.echo(dumps(summary))
    else:
        print_summary(summary)
