"""Command-line interface. Each command calls one library function; this package is the only
place that prints, exits or runs an event loop."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from mailhygiene import __version__
from mailhygiene.errors import MailhygieneError
from mailhygiene.privacy import mask_text, strip_terminal_escapes


def _clean(text: str) -> str:
    return mask_text(strip_terminal_escapes(text))


class MainGroup(click.Group):
    """Turns tool errors into one clear line and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MailhygieneError as e:
            # Error texts may quote input lines (DuckDB's CSV errors do): mask addresses.
            click.echo(f"mailhygiene: error: {_clean(str(e))}", err=True)
            sys.exit(e.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("mailhygiene: interrupted", err=True)
            sys.exit(130)
        except Exception as e:
            if os.environ.get("MAILHYGIENE_DEBUG"):
                raise
            click.echo(
                f"mailhygiene: internal error: {type(e).__name__}: "
                f"{_clean(str(e))[:500]} (set MAILHYGIENE_DEBUG=1 for details)",
                err=True,
            )
            sys.exit(1)


@click.group(cls=MainGroup)
@click.version_option(__version__, prog_name="mailhygiene")
def main() -> None:
    """Email base hygiene and provenance."""


# --- commands: one module each; register here -----------------------------------------------
from mailhygiene.cli.check import check  # noqa: E402

main.add_command(check)
# (further commands are registered below, one line each)
from mailhygiene.cli.compare import compare, fingerprint, fingerprint_import, search  # noqa: E402, I001
main.add_command(compare)
main.add_command(fingerprint)
main.add_command(fingerprint_import)
main.add_command(search)
from mailhygiene.cli.retry import retry  # noqa: E402, I001
main.add_command(retry)
from mailhygiene.cli.bounces import bounces  # noqa: E402, I001
main.add_command(bounces)
from mailhygiene.cli.suppress import suppress  # noqa: E402, I001
main.add_command(suppress)
from mailhygiene.cli.report import report  # noqa: E402, I001
main.add_command(report)
