"""--dns-concurrency 0 is refused like -5 (exploratory finding): it silently meant the default,
200 queries at once, the opposite of what someone lowering it wants."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main


@pytest.mark.parametrize("value", ["0", "-5"])
def test_dns_concurrency_below_one_is_refused_before_any_work(tmp_path: Path,
                                                              value: str) -> None:
    src = tmp_path / "l.csv"
    src.write_text("email\na@users.example\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    res = CliRunner().invoke(main, [
        "check", str(src), "--db", str(db), "--nameserver", "127.0.0.1:1",
        "--dns-timeout", "0.2", "--dns-concurrency", value, "--no-progress"])
    assert res.exit_code == 2, res.output
    assert "--dns-concurrency" in res.output
    assert len(res.output.strip().splitlines()) == 1
