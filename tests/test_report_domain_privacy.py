"""Domains in the hygiene outputs (README "Privacy"): gmail.com says nothing about anyone, but
a domain one or two addresses of a base hold (jean-dupont.fr) names a person. The report and
check's terminal summary mask a domain fewer than config.SHOWN_DOMAIN_MIN_ADDRESSES unique
addresses hold, as they mask addresses; `--json` is the operator's, like the cleaned list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene import config
from mailhygiene.cli import main
from mailhygiene.privacy import mask_hosts, shown_domains
from mailhygiene.report import render_check
from mailhygiene.store import open_store

N = config.SHOWN_DOMAIN_MIN_ADDRESSES
PERSONAL = ("jean-dupont.fr", "famille-martin.ma", "orange-sud.fr", "oasis.fr")


@pytest.mark.parametrize(("counts", "shown"), [
    pytest.param([("gmail.com", 300), ("jean-dupont.fr", 2)], ["gmail.com", "j***.fr"],
                 id="few-addresses-masked"),
    pytest.param([("firm.ma", N), ("firm2.ma", N - 1)], ["firm.ma", "f***.ma"],
                 id="threshold-is-shown"),
    pytest.param([("orange.fr", 50), ("oasis.fr", 2), ("outlook.fr", 1)],
                 ["orange.fr", "o***.fr (1)", "o***.fr (2)"], id="colliding-masks-numbered"),
    pytest.param([("", 3)], ["(no valid domain)"], id="empty"),
])
def test_shown_domains(counts: list[tuple[str, int]], shown: list[str]) -> None:
    assert shown_domains(counts, N) == shown


@pytest.mark.parametrize(("text", "masked"), [
    pytest.param("MX mx.jean-dupont.fr (+1)", "MX m***.fr (+1)", id="mx-host"),
    pytest.param("no MX, mail goes to jean-dupont.fr", "no MX, mail goes to j***.fr",
                 id="fallback"),
    pytest.param("550 5.1.1 <j***@j***.fr>: user unknown", "550 5.1.1 <j***@j***.fr>: user "
                 "unknown", id="masked-address-and-status-kept"),
    pytest.param("4.4.1 timeout from 192.0.2.7, e.g. retry", "4.4.1 timeout from 192.0.2.7, "
                 "e.g. retry", id="ip-and-abbreviation-kept"),
])
def test_mask_hosts(text: str, masked: str) -> None:
    assert mask_hosts(text) == masked


@pytest.fixture
def checked(tmp_path: Path) -> tuple[Path, Path, dict[str, object]]:
    src = tmp_path / "in.csv"
    rows = [f"p{i}@gmail.com" for i in range(N + 1)]
    rows += ["jean@jean-dupont.fr", "marie@jean-dupont.fr", "solo@famille-martin.ma",
             "a@orange-sud.fr", "b@oasis.fr"]
    src.write_text("email\n" + "\n".join(rows) + "\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--json", "--db",
                                  str(db)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    with open_store(db) as store:  # what the MX level writes for a domain's own mail host
        store.execute("UPDATE contacts SET status = 'unknown', reason = 'smtp_skipped', "
                      "evidence = 'dns', detail = 'MX mx.' || domain WHERE domain <> "
                      "'gmail.com'")
    return src, db, summary


def test_json_keeps_the_domains_for_the_operator(
        checked: tuple[Path, Path, dict[str, object]]) -> None:
    top = checked[2]["top_domains"]
    assert isinstance(top, list)
    assert {d["domain"] for d in top} == {"gmail.com", *PERSONAL}


def test_terminal_summary_masks_domains_few_addresses_hold(
        checked: tuple[Path, Path, dict[str, object]]) -> None:
    src, db, _ = checked
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--db", str(db)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    top = r.output.split("top domains", 1)[1]
    assert "gmail.com" in top
    assert [d for d in PERSONAL if d in r.output] == []
    for masked in ("j***.fr", "f***.ma", "o***.fr (1)", "o***.fr (2)"):
        assert masked in top


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_report_masks_domains_few_addresses_hold(
        checked: tuple[Path, Path, dict[str, object]], lang: str) -> None:
    _, db, summary = checked
    with open_store(db, read_only=True) as store:
        page = render_check(store, int(str(summary["run_id"])), lang=lang)
        shown = render_check(store, int(str(summary["run_id"])), lang=lang,
                             show_addresses=True)
    # domain table, its data attributes and the DNS details (mx.jean-dupont.fr) alike
    assert [d for d in PERSONAL if d in page] == []
    assert 'data-domain="gmail.com"' in page and 'data-domain="j***.fr"' in page
    host = {"en": "MX server m***.fr", "fr": "serveur MX m***.fr"}[lang]
    assert host in page and 'data-k="domains_masked"' in page
    assert all(d in shown for d in PERSONAL) and 'data-k="domains_masked"' not in shown
