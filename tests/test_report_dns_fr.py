"""The hygiene report words the DNS details of a real MX run (against the local unbound) for its
reader, in French and in English, in the HTML and as headless Chromium shows it; the store
keeps its English shorthand (tests/test_dns_detail.py covers every form; this is the path a
user takes)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main
from mailhygiene.devtools.unbound import LocalDns
from mailhygiene.report import render_check
from mailhygiene.store import open_store
from tests.test_report import _problems, needs_chromium, render_in_chromium

pytestmark = pytest.mark.network

# domain -> its detail in the French report, in the English one (email-validator refuses .test,
# so this zone is under .example). Fewer than 10 addresses hold each domain, so host names are
# masked (README "Privacy").
DETAILS = {
    "nx.example": ("NXDOMAIN (le domaine n'existe pas)",
                   "NXDOMAIN (the domain does not exist)"),
    "nullmx.example": ("MX nul (RFC 7505) : le domaine n'accepte aucun courrier",
                       "null MX (RFC 7505): the domain accepts no mail"),
    "timeout.example": ("recherche MX : délai dépassé", "MX lookup: timed out"),
    "servfail.example": ("recherche MX : échec du serveur DNS",
                         "MX lookup: DNS server failure"),
    "hostfail.example": ("adresse des serveurs MX : échec du serveur DNS",
                         "address of the MX servers: DNS server failure"),
    "aonly.example": ("pas de MX, le courrier va à a***.example",
                      "no MX, mail goes to a***.example"),
    "normal.example": ("serveur MX m***.example", "MX server m***.example"),
    "multi.example": ("serveurs MX m***.example et 1 autre",
                      "MX servers m***.example and 1 other"),
    "noaddr.example": ("les serveurs MX n'ont pas d'adresse", "the MX servers have no address"),
    "private.example": ("les serveurs MX ne pointent que vers des adresses non publiques",
                        "the MX servers point only to non-public addresses"),
    "nomail.example": ("ni MX ni adresse", "neither MX nor address"),
}
RECORDS = [("nullmx.example", "MX", "0 ."), ("hostfail.example", "MX", "10 mx.servfail.example."),
           ("aonly.example", "A", "127.0.0.99"),
           ("normal.example", "MX", "10 mx.normal.example."),
           ("mx.normal.example", "A", "127.0.0.11"),
           ("multi.example", "MX", "10 mx1.multi.example."),
           ("multi.example", "MX", "20 mx2.multi.example."),
           ("mx1.multi.example", "A", "127.0.0.12"), ("mx2.multi.example", "A", "127.0.0.13"),
           ("noaddr.example", "MX", "10 ghost.noaddr.example."),
           ("private.example", "MX", "10 mx.private.example."),
           ("mx.private.example", "A", "10.1.2.3"),
           ("nomail.example", "TXT", '"v=spf1 -all"')]


@pytest.fixture(scope="module")
def french_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, int]]:
    tmp = tmp_path_factory.mktemp("report-dns-fr")
    src = tmp / "in.csv"
    src.write_text("email\n" + "".join(f"jean.martin{i}@{d}\n" for i, d in enumerate(DETAILS)),
                   encoding="utf-8")
    out, db = tmp / "rapport.html", tmp / "s.duckdb"
    server = LocalDns(RECORDS, servfail_zones=("servfail.example",),
                      timeout_zones=("timeout.example",))
    server.start()
    try:
        r = CliRunner().invoke(main, ["check", str(src), "--level", "mx", "--nameserver",
                                      server.address, "--dns-timeout", "0.3",
                                      "--allow-loopback", "--html", str(out), "--lang", "fr",
                                      "--json", "--db", str(db)], catch_exceptions=False)
    finally:
        server.stop()
    assert r.exit_code == 0, r.output
    yield out, db, int(json.loads(r.output)["run_id"])


def _details(page: str) -> list[str]:
    cells = page.split("data-detail>")[1:]
    return [html.unescape(c.split("</td>", 1)[0]) for c in cells]


def test_the_french_report_words_every_dns_detail(french_report: tuple[Path, Path, int]
                                                  ) -> None:
    out, db, run_id = french_report
    assert sorted(_details(out.read_text(encoding="utf-8"))) == sorted(
        fr for fr, _ in DETAILS.values())
    with open_store(db, read_only=True) as store:
        english = render_check(store, run_id, lang="en")
    assert sorted(_details(english)) == sorted(en for _, en in DETAILS.values())


@needs_chromium
def test_chromium_shows_the_french_dns_details(french_report: tuple[Path, Path, int],
                                               tmp_path: Path) -> None:
    r = render_in_chromium(french_report[0], tmp_path / "profile")
    assert _problems(r.events) == []
    assert sorted(r.dom["details"]) == sorted(fr for fr, _ in DETAILS.values())
