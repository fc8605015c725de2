"""`compare`'s `checked`: a base counts as checked only when a check beyond syntax (MX, SMTP,
bounce history) decided statuses for it. The import alone, or `check --level syntax`, gives
every row a status (`unknown/syntax_ok`, syntax-invalid) with evidence `syntax`: that is not a
check. The JSON key, the provenance report (EN and FR) and "what would strengthen" must agree."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from mailhygiene.cli import main
from mailhygiene.devtools.unbound import LocalDns
from mailhygiene.evidence.data import EvidenceData
from mailhygiene.evidence.evaluate import weigh
from mailhygiene.evidence.model import StratumCounts
from mailhygiene.evidence.wording import TEMPLATES
from mailhygiene.report.evidence_messages import EVIDENCE_FR

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"
ENV = {"MAILHYGIENE_KEY": "a test key for checked, 32 bytes"}
CHECK_A = "strengthen.check_a"
A_BOUNCES = "strengthen.a_bounces"
# A: the postfix fixture's recipients (ghost@example.org hard-bounced, alice@example.com
# delivered), more addresses of the same domains, and one malformed string (a syntax-invalid
# stratum, which an unchecked A may have: it is not a check either).
A_ROWS = ["ghost@example.org", "alice@example.com", "never@example.com", "not-an-address",
          *(f"user{i}@example.com" for i in range(30)), *(f"p{i}@example.org" for i in range(20))]
B_ROWS = ["ghost@example.org", "alice@example.com", "not-an-address",
          *(f"user{i}@example.com" for i in range(0, 30, 2)), "zz@example.net"]


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("email\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def bases(tmp_path: Path) -> tuple[Path, Path, str]:
    return (_write(tmp_path / "A.csv", A_ROWS), _write(tmp_path / "B.csv", B_ROWS),
            str(tmp_path / "x.duckdb"))


def _cli(*args: str) -> str:
    """The command's stdout (messages such as "provenance report: ..." go to stderr)."""
    r = CliRunner().invoke(main, list(args), env=ENV, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.stdout


def _compare(a: Path, b: Path, db: str, tmp_path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """`compare A B --json --html` then the same run's report in French: (JSON, {lang: html})."""
    en = tmp_path / "provenance-en.html"
    out = _cli("compare", str(a), str(b), "--db", db, "--json", "--html", str(en))
    summary: dict[str, Any] = json.loads(out)
    fr = tmp_path / "provenance-fr.html"
    _cli("report", "--kind", "compare", "--latest", "--lang", "fr", "-o", str(fr), "--db", db)
    return summary, {"en": en.read_text(encoding="utf-8"), "fr": fr.read_text(encoding="utf-8")}


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _checked_cell(page: str, side: str) -> tuple[str, str]:
    """(badge class, its text) in the "Checked" column of base `side`'s row."""
    row = re.search(rf'<tr data-side="{side}">(.*?)</tr>', page, re.S)
    assert row is not None
    badge = re.search(r'<span class="badge (\w+)">([^<]*)</span>', row.group(1))
    assert badge is not None
    return badge.group(1), badge.group(2)


def _strengthen(page: str, lang: str) -> str:
    heading = {"en": "What would strengthen the evaluation",
               "fr": "Ce qui renforcerait l'évaluation"}[lang]
    at = _text(page).find(heading)
    return _text(page)[at:] if at >= 0 else ""


def _sentence(code: str, lang: str) -> str:
    return " ".join((TEMPLATES if lang == "en" else EVIDENCE_FR)[code].split())


def _assert_agree(summary: dict[str, Any], pages: dict[str, str], a_checked: bool,
                  b_checked: bool) -> None:
    assert (summary["a"]["checked"], summary["b"]["checked"]) == (a_checked, b_checked)
    # The breakdown by A's status is given only for a checked A (README, compare).
    assert (summary.get("by_status") is not None) == a_checked
    codes = [it["code"] for it in summary["evidence"]["strengthen_items"]]
    # An unchecked A is told to get checked; a checked one never is.
    assert (CHECK_A in codes) == (not a_checked)
    words = {"en": ("yes", "no"), "fr": ("oui", "non")}
    for lang, page in pages.items():
        for side, checked in (("a", a_checked), ("b", b_checked)):
            expected = ("yes", words[lang][0]) if checked else ("no", words[lang][1])
            assert _checked_cell(page, side) == expected, (lang, side)
        assert (_sentence(CHECK_A, lang) in _strengthen(page, lang)) == (not a_checked), lang


def test_compare_only_store_is_not_checked(bases: tuple[Path, Path, str],
                                          tmp_path: Path) -> None:
    a, b, db = bases
    summary, pages = _compare(a, b, db, tmp_path)
    _assert_agree(summary, pages, a_checked=False, b_checked=False)


def test_syntax_level_check_is_not_checked(bases: tuple[Path, Path, str],
                                          tmp_path: Path) -> None:
    a, b, db = bases
    _cli("check", str(a), "--level", "syntax", "--db", db)
    summary, pages = _compare(a, b, db, tmp_path)
    _assert_agree(summary, pages, a_checked=False, b_checked=False)


def test_bounce_history_makes_a_checked(bases: tuple[Path, Path, str], tmp_path: Path) -> None:
    a, b, db = bases
    _cli("check", str(a), "--level", "syntax", "--bounces",
         str(FIXTURES / "postfix-maillog.log"), "--db", db)
    summary, pages = _compare(a, b, db, tmp_path)
    _assert_agree(summary, pages, a_checked=True, b_checked=False)
    assert {s["status"] for s in summary["by_status"]} >= {"invalid", "valid", "unknown"}


@pytest.fixture(scope="module")
def dns() -> Iterator[LocalDns]:
    """Both domains of A receive mail at a loopback host (--allow-loopback): at level mx every
    address is `unknown/smtp_skipped` with evidence `dns`, none invalid."""
    server = LocalDns([("example.com", "MX", "10 mx.example.com."),
                       ("mx.example.com", "A", "127.0.0.21"),
                       ("example.org", "MX", "10 mx.example.org."),
                       ("mx.example.org", "A", "127.0.0.22")])
    server.start()
    yield server
    server.stop()


@pytest.mark.network
def test_mx_level_check_makes_a_checked(tmp_path: Path, dns: LocalDns) -> None:
    # No malformed string: A's check finds nothing invalid, and still A was checked.
    a = _write(tmp_path / "A.csv", [r for r in A_ROWS if "@" in r])
    b = _write(tmp_path / "B.csv", [r for r in B_ROWS if "@" in r])
    db = str(tmp_path / "x.duckdb")
    out = _cli("check", str(a), "--level", "mx", "--nameserver", dns.address, "--allow-loopback",
               "--dns-timeout", "1", "--json", "--db", db)
    check = json.loads(out)
    assert check["by_evidence"].get("dns") == check["unique"]
    summary, pages = _compare(a, b, db, tmp_path)
    _assert_agree(summary, pages, a_checked=True, b_checked=False)
    codes = [it["code"] for it in summary["evidence"]["strengthen_items"]]
    assert A_BOUNCES in codes and len(codes) == len(set(codes))


# -- the decision, on counts built in memory -----------------------------------------------------
def _data(a_checked: bool | None, invalid: tuple[str, ...]) -> EvidenceData:
    strata = [StratumCounts("ok/freemail", "personal", 900, 200, 300, 20),
              StratumCounts("ok/business/alone", "public", 400, 120, 200, 40)]
    strata += [StratumCounts(f"{cls}/business/alone", "invalid", 50, 10, 40, 1, invalid=True)
               for cls in invalid]
    rng = np.random.default_rng(0)
    return EvidenceData(
        strata=strata, baseline_source="post_cutoff", raw=(0, 0, 0, 0),
        order_pre=(np.arange(50.0), rng.permutation(50).astype(float)),
        order_post=(np.arange(40.0), rng.permutation(40).astype(float)), sorted_files=[],
        a_unique=1300, b_unique=2000, shared=320, a_pre=1300, a_post=500, post_baseline=500,
        a_checked=a_checked)


@pytest.mark.parametrize(("a_checked", "invalid", "expected"), [
    pytest.param(False, (), {CHECK_A}, id="unchecked-nothing-invalid"),
    pytest.param(False, ("inv_syntax",), {CHECK_A}, id="unchecked-only-malformed"),
    pytest.param(False, ("inv_syntax", "inv_mailbox"), set(), id="unchecked-bounces-given"),
    pytest.param(True, (), {A_BOUNCES}, id="checked-nothing-invalid"),
    pytest.param(True, ("inv_domain",), set(), id="checked-dead-domains"),
    pytest.param(None, (), {CHECK_A}, id="in-memory-nothing-invalid"),
    pytest.param(None, ("inv_syntax",), set(), id="in-memory-some-invalid"),
])
def test_what_would_strengthen_follows_checked(a_checked: bool | None, invalid: tuple[str, ...],
                                               expected: set[str]) -> None:
    codes = {it["code"] for it in weigh(_data(a_checked, invalid),
                                        sensitivity=False).strengthen_items}
    assert codes & {CHECK_A, A_BOUNCES} == expected
