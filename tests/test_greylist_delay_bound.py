"""A huge --greylist-delay is refused before any work (exploratory finding). It was accepted
(finite), the probes were sent, then the retry time overflowed: "internal error:
OverflowError: date value out of range", exit 1, nothing saved, and every rerun probed the
servers again with a new random address."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main
from mailhygiene.errors import ConfigError
from mailhygiene.smtp import SmtpOptions


@pytest.mark.parametrize("delay", [1e12, 1e308])
def test_huge_greylist_delay_is_a_config_error(delay: float) -> None:
    with pytest.raises(ConfigError, match="--greylist-delay"):
        SmtpOptions(helo="probe.example.org", mail_from="probe@example.org",
                    greylist_delay=delay)


def test_a_day_or_a_week_is_fine() -> None:
    for delay in (0.0, 86400.0, 7 * 86400.0):
        SmtpOptions(helo="probe.example.org", mail_from="probe@example.org",
                    greylist_delay=delay)


def test_check_refuses_it_with_one_line_exit_2(tmp_path: Path) -> None:
    src = tmp_path / "l.csv"
    src.write_text("email\na@users.example\n", encoding="utf-8")
    # --nameserver on a closed loopback port: without the check the run would go on (and
    # find nothing to probe); no query ever leaves the machine.
    res = CliRunner().invoke(main, [
        "check", str(src), "--db", str(tmp_path / "s.duckdb"), "--level", "smtp",
        "--nameserver", "127.0.0.1:1", "--dns-timeout", "0.2", "--helo", "probe.example.org",
        "--mail-from", "probe@example.org", "--greylist-delay", "1e12", "--no-progress"])
    assert res.exit_code == 2, res.output
    assert "--greylist-delay" in res.output and len(res.output.strip().splitlines()) == 1
