"""`mailhygiene retry`: probe again the greylisted addresses whose retry time has come."""

from __future__ import annotations

import asyncio
import json

import click

from mailhygiene import config
from mailhygiene.cli.common import DELAY, SECONDS, db_option, existing_store
from mailhygiene.politeness import parse_rate
from mailhygiene.smtp import SmtpOptions, run_retry
from mailhygiene.store import open_store


@click.command()
@db_option
@click.option("--helo", required=True,
              help="Name to greet with: a host name you control (no default).")
@click.option("--mail-from", required=True,
              help="Envelope sender: an address you control (no default).")
@click.option("--smtp-port", type=int, default=config.SMTP_PORT, show_default=True,
              help="(tests) SMTP port of the MX hosts.")
@click.option("--allow-loopback", is_flag=True,
              help="(tests/demos) allow MX hosts on 127.0.0.0/8.")
@click.option("--per-host-concurrency", type=int, default=config.SMTP_PER_HOST_CONCURRENCY,
              show_default=True,
              help="Connections at once to one MX address.")
@click.option("--smtp-concurrency", type=int, default=config.SMTP_CONCURRENCY, show_default=True,
              help="Connections at once, in total.")
@click.option("--rate", default=config.SMTP_RATE, show_default=True,
              help="Global limit on new connections + RCPT commands, e.g. 10/s, 300/min.")
@click.option("--smtp-timeout", type=SECONDS, default=config.SMTP_TIMEOUT, show_default=True,
              help="Seconds to wait for any SMTP reply.")
@click.option("--greylist-delay", type=DELAY, default=config.SMTP_GREYLIST_DELAY,
              show_default=True,
              help="Seconds before the first retry of a deferred address (doubles each time).")
@click.option("--greylist-max-age", type=DELAY, default=config.SMTP_GREYLIST_MAX_AGE,
              show_default=True,
              help="Stop retrying an address deferred for longer than this (seconds).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def retry(db: str, helo: str, mail_from: str, smtp_port: int, allow_loopback: bool,
          per_host_concurrency: int, smtp_concurrency: int, rate: str, smtp_timeout: float,
          greylist_delay: float, greylist_max_age: float, as_json: bool) -> None:
    """Probe the retry queue's due items (greylisted addresses) and record their new state.

    \b
    mailhygiene retry --helo probe.example.org --mail-from probe@example.org
    """
    opts = SmtpOptions(helo=helo, mail_from=mail_from, port=smtp_port,
                       per_host_concurrency=per_host_concurrency, concurrency=smtp_concurrency,
                       rate=parse_rate(rate), timeout=smtp_timeout,
                       allow_loopback=allow_loopback, greylist_delay=greylist_delay,
                       greylist_max_age=greylist_max_age)
    with open_store(existing_store(db)) as store:
        summary = asyncio.run(run_retry(store, opts))
    if as_json:
        click.echo(json.dumps(summary, sort_keys=True))
        return
    click.echo(f"probed      {summary['probed']:>8,}")
    for key, n in summary["by_status_reason"].items():
        click.echo(f"  {key:<30}{n:>8,}")
    click.echo(f"still queued {summary['queued']:>7,}")
