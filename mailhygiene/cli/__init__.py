"""Command-line interface. Each command calls one library function; this package is the only
place that prints, exits or runs an event loop."""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from mailhygiene import __version__
from mailhygiene.errors import MailhygieneError
from mailhygiene.privacy import mask_text, strip_terminal_escapes

# numpy (loaded for DuckDB's Python functions, MinHash and the evidence model) starts one
# OpenBLAS thread per core, which spin while the process starts: about 0.1 s of CPU taken
# from DuckDB's threads. Nothing here multiplies matrices larger than 2 x 2.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _clean(text: str) -> str:
    return mask_text(strip_terminal_escapes(text))


def _usage_error(e: click.exceptions.UsageError) -> NoReturn:
    """A bad option, argument or command name: one line, as every other bad input, not
    click's usage block (the help is one command away)."""
    where = e.ctx.command_path if e.ctx is not None else "mailhygiene"
    click.echo(f"mailhygiene: error: {_clean(e.format_message())} (see '{where} --help')",
               err=True)
    sys.exit(e.exit_code)


# Command name -> module of mailhygiene.cli defining it (as a function of the same name, with
# "-" as "_"). Modules are imported when their command runs: `check` does not pay for the
# import of datasketch, scipy and jinja2, which is most of a short run's start-up.
COMMANDS = {
    "check": "check", "compare": "compare", "fingerprint": "compare",
    "fingerprint-import": "compare", "search": "compare", "retry": "retry",
    "bounces": "bounces", "suppress": "suppress", "report": "report", "store": "store",
}


# What `mailhygiene --help` lists: written here so that the listing imports no command's
# module (it took a second: datasketch, scipy and jinja2); tests/test_check_cli.py keeps the
# keys equal to COMMANDS'.
SUMMARIES = {
    "bounces": "Import or print bounce history (DSNs, logs, ESPs).",
    "check": "Validate a list's addresses; summary and cleaned list.",
    "compare": "Overlap of two bases and the provenance evidence.",
    "fingerprint": "MinHash fingerprint of a base (no address in it).",
    "fingerprint-import": "Load a fingerprint file made elsewhere.",
    "report": "HTML report (French or English) of a recorded run.",
    "retry": "Probe the SMTP retry queue's due items again.",
    "search": "Rank stored bases by their share of a base's addresses.",
    "store": "Store upkeep: info, drop, compact.",
    "suppress": "Opt-out lists (emails, phones, domains, hashes).",
}


class MainGroup(click.Group):
    """Loads each command's module on first use, and turns tool errors into one clear line
    and exit code 2, never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, SUMMARIES[name]) for name in self.list_commands(ctx)])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        import importlib

        mod = importlib.import_module(f"mailhygiene.cli.{module}")
        command: click.Command = getattr(mod, cmd_name.replace("-", "_"))
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # The group's own options (`mailhygiene --bogus`) are parsed before invoke runs.
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `mailhygiene` alone: the help, from click
        except click.exceptions.UsageError as e:
            _usage_error(e)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MailhygieneError as e:
            # Error texts may quote input lines (DuckDB's CSV errors do): mask addresses.
            click.echo(f"mailhygiene: error: {_clean(str(e))}", err=True)
            sys.exit(e.exit_code)
        except click.exceptions.NoArgsIsHelpError:
            raise  # a group alone (`mailhygiene store`): its help, as `mailhygiene` gives
        except click.exceptions.UsageError as e:
            # A bad option or argument of a command, or an unknown command.
            _usage_error(e)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("mailhygiene: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (`... | head`): nothing to report. Python would complain
            # again when flushing stdout at exit, so it is pointed at /dev/null first.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(141)
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
