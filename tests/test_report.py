"""HTML reports (issue 9): numbers equal the run's JSON summary (read back from the HTML in both
languages), hostile cells are escaped, addresses are masked, the file is self-contained, and a
real headless Chromium renders it offline (screenshots and PDFs under build/ for CI)."""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import shlex
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from mailhygiene.checker import library_versions
from mailhygiene.cli import main
from mailhygiene.compare import compare_inputs
from mailhygiene.evidence import EvidenceOptions, evaluate
from mailhygiene.ingest import InputFormat
from mailhygiene.keys import load_key
from mailhygiene.report import (
    render_check,
    render_compare,
    write_check_report,
    write_compare_report,
)
from mailhygiene.report.fmt import number_format, parse_number
from mailhygiene.report.messages import MESSAGES
from mailhygiene.report.svg import STATUS_COLOURS
from mailhygiene.stats import wilson_interval
from mailhygiene.store import Store, open_store
from mailhygiene.summary import summarize
from mailhygiene.types import REASON_STATUS, Reason

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")
HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(2)>"
LANGS = ("en", "fr")


# -- formatting -----------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "value", "digits", "text"), [
    pytest.param("en", 1234.5, 1, "1,234.5", id="en-thousands"),
    pytest.param("fr", 1234.5, 1, "1\u202f234,5", id="fr-thousands"),
    pytest.param("en", 140000, 0, "140,000", id="en-int"),
    pytest.param("fr", 1234567, 0, "1\u202f234\u202f567", id="fr-int"),
    pytest.param("en", -0.25, 2, "\u22120.25", id="en-negative"),
    pytest.param("fr", -0.001, 2, "0,00", id="fr-negative-zero-has-no-sign"),
    pytest.param("en", 999.96, 1, "1,000.0", id="en-rounding-carries"),
])
def test_number_format(lang: str, value: float, digits: int, text: str) -> None:
    f = number_format(lang)
    assert f.number(value, digits) == text
    assert parse_number(text, lang) == pytest.approx(round(value, digits))


@pytest.mark.parametrize(("lang", "share", "text"), [
    pytest.param("en", 0.036553, "3.66%", id="en"),
    pytest.param("fr", 0.036553, "3,66\u202f%", id="fr"),
    pytest.param("fr", None, "\u2014", id="missing"),
])
def test_percent_format(lang: str, share: float | None, text: str) -> None:
    assert number_format(lang).percent_of(share, 2) == text


@pytest.mark.parametrize(("lang", "lo", "hi", "text"), [
    # 0 invalid of 15,397 rows: the upper bound is 0.025%, not "0.0%"
    pytest.param("en", 0.0, 1.92 / 15_399, "0.0% \u2013 0.01%", id="upper-near-zero"),
    pytest.param("fr", 0.0, 1.92 / 15_399, "0,0\u202f% \u2013 0,01\u202f%", id="fr"),
    # all of 15,397: the lower bound is below 100%
    pytest.param("en", 1 - 1.92 / 15_399, 1.0, "99.99% \u2013 100.0%", id="lower-near-all"),
    pytest.param("en", 0.0758, 0.0789, "7.6% \u2013 7.9%", id="ordinary"),
    # a bound that stays 0 after the most decimals allowed reads 0.000%
    pytest.param("en", 0.0, 1e-9, "0.0% \u2013 0.000%", id="tiny"),
])
def test_interval_bounds_never_round_to_0_or_100(lang: str, lo: float, hi: float,
                                                 text: str) -> None:
    assert number_format(lang).interval(lo, hi) == text


@pytest.mark.parametrize(("share", "digits", "text"), [
    # the invalid-rate card writes its bounds with two decimals: none invalid of 100,000
    # rows has an upper bound of 0.0038%, which two decimals wrote "0.00%"
    pytest.param(3.84 / 100_004, 2, "0.004%", id="card-upper-near-zero"),
    pytest.param(0.0758, 2, "7.58%", id="card-ordinary"),
    pytest.param(0.0, 2, "0.00%", id="zero-is-zero"),
])
def test_a_bound_gets_the_decimals_it_needs(share: float, digits: int, text: str) -> None:
    assert number_format("en").bound(share, digits) == text


def test_catalogues_have_the_same_keys_and_no_empty_french() -> None:
    assert set(MESSAGES["en"]) == set(MESSAGES["fr"])
    assert [k for k, v in MESSAGES["fr"].items() if not v and MESSAGES["en"][k]] == []


# -- HTML reading ---------------------------------------------------------------------------
@dataclass
class El:
    tag: str
    attrs: dict[str, str]
    text_parts: list[str] = field(default_factory=list)
    children: list[El] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(self.text_parts).split())

    def find(self, tag: str | None = None, **attrs: str | None) -> list[El]:
        out = []
        for el in self.walk():
            if tag is not None and el.tag != tag:
                continue
            if all((_attr(k) in el.attrs) if v is None
                   else el.attrs.get(_attr(k)) == v for k, v in attrs.items()):
                out.append(el)
        return out

    def one(self, tag: str | None = None, **attrs: str | None) -> El:
        found = self.find(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]

    def walk(self) -> Iterator[El]:
        for c in self.children:
            yield c
            yield from c.walk()


def _attr(name: str) -> str:
    """`class_` -> `class`, `data_k` -> `data-k` (keyword arguments of `El.find`)."""
    return name.rstrip("_").replace("_", "-")


class _Tree(HTMLParser):
    VOID: ClassVar[set[str]] = {"meta", "br", "hr", "img", "link", "input", "col", "area",
                                "base", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = El("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = El(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(el)
        if tag not in self.VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(El(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        for el in self.stack:
            el.text_parts.append(data)


def parse(html: str) -> El:
    t = _Tree()
    t.feed(html)
    t.close()
    return t.root


def num(el: El, lang: str) -> float:
    return parse_number(el.text, lang)


def first_number_cell(row: El) -> El:
    return row.find("td", data_v=None)[0]


# -- fixtures: a checked base and a compared pair --------------------------------------------
def _rows_a() -> list[list[str]]:
    rows = [["societe", "nom", "email", "telephone", "date_ajout"]]
    for i in range(300):
        rows.append([f"Societe {i}", f"Nom {i}", f"zqperson{i}.kw@gmail.com", "0612345678",
                     f"{2019 + i % 6}-0{1 + i % 9}-15"])
    for i in range(40):
        rows.append(["Firm", "X", f"contact@zqfirm{i}.ma", "", "2020-03-01"])
    for i in range(12):
        rows.append(["Typo", "Y", f"zqtypo{i}@gmial.com", "", "2021-05-01"])
    for i in range(10):
        rows.append(["Dead", "Z", f"zqdead{i}@example.ma", "", "2021-06-01"])
    for i in range(15):
        rows.append(["Bad", HOSTILE_SCRIPT, f"zqbad{i}.example.ma", "", "2022-01-01"])
    rows += rows[1:31]  # 30 duplicates
    rows.append([HOSTILE_IMG, HOSTILE_SCRIPT, "", "", "2022-02-02"])
    return rows


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";").writerows(rows)
    return path


def _base_ref(store: Store, base_id: int) -> Any:
    name, sha = store.fetchone("SELECT name, sha256 FROM bases WHERE base_id = ?", [base_id])
    return SimpleNamespace(base_id=base_id, name=name, sha256=sha, unparseable=0,
                           fmt=InputFormat(kind="csv", columns=["email"], address_index=0))


def _enrich_like_a_network_run(store: Store, base_id: int) -> None:
    """What the mx/smtp levels leave on rows (typo suggestions, role flags, SMTP replies that
    quote the address), set directly so the test needs no network."""
    b = [base_id]
    store.execute("UPDATE contacts SET status='risky', reason='possible_typo', "
                  "flags='free,typo', detail='did you mean gmail.com', evidence='dns' "
                  "WHERE base_id=? AND domain='gmial.com' AND status<>'duplicate'", b)
    store.execute("UPDATE contacts SET status='risky', reason='role_account', flags='role', "
                  "evidence='dns' WHERE base_id=? AND address LIKE 'contact@%' "
                  "AND status<>'duplicate'", b)
    store.execute("UPDATE contacts SET status='invalid', reason='mailbox_not_found', "
                  "evidence='smtp', detail='550 5.1.1 <' || address || '>: Recipient address "
                  "rejected: User unknown' WHERE base_id=? AND address LIKE 'zqdead%' "
                  "AND status<>'duplicate'", b)
    store.execute("UPDATE contacts SET status='unknown', reason='dns_error', evidence='dns', "
                  f"detail='{HOSTILE_SCRIPT} {HOSTILE_IMG}' WHERE base_id=? AND "
                  "address='zqperson7.kw@gmail.com'", b)


@dataclass
class Checked:
    db: Path
    run_id: int
    summary: dict[str, Any]
    addresses: list[str]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    tmp = tmp_path_factory.mktemp("report-check")
    src = _write_csv(tmp / f"{HOSTILE_IMG}.csv", _rows_a())
    db = tmp / "store.duckdb"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--json", "--db",
                                  str(db), "-o", str(tmp / "cleaned.csv")],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    s0 = json.loads(r.output)
    with open_store(db) as store:
        _enrich_like_a_network_run(store, s0["base_id"])
        s = summarize(store, _base_ref(store, s0["base_id"]), level="mx")
        s |= {k: s0[k] for k in ("run_id", "output", "output_rows", "dns_queries")}
        s["phones"] = {"telephone": {"column": "telephone", "filled": 300, "valid": 290,
                                     "invalid": 10, "invalid_rate": 10 / 300,
                                     "invalid_rate_ci95": [0.018, 0.06]}}
        store.execute("UPDATE runs SET summary = ? WHERE run_id = ?",
                      [json.dumps(s), s0["run_id"]])
        addresses = [a for (a,) in store.fetchall(
            "SELECT DISTINCT address FROM contacts WHERE address IS NOT NULL")]
    return Checked(db, s0["run_id"], s, addresses)


def record_compare_run(store: Store, a: str, b: str, *, cutoff: date) -> int:
    """What `compare --html` should record (told to the lead): a `compare` run whose summary
    is `Comparison.to_json()` with the evidence section, params with the argv and key id."""
    key = load_key(store).key
    argv = ["mailhygiene", "compare", a, b, "--date-column", "date_ajout", "--cutoff",
            cutoff.isoformat()]
    params = {"a": a, "b": b, "num_perm": 256, "date_column": "date_ajout",
              "cutoff": cutoff.isoformat(), "key_id": key.key_id, "command": argv}
    rid = store.start_run("compare", params, library_versions())

    def hook(st: Store, a_id: int, b_id: int) -> dict[str, Any]:
        res = evaluate(st, a_id, b_id, EvidenceOptions(date_column="date_ajout", cutoff=cutoff))
        ev: dict[str, Any] = res.to_json()["evidence"]
        return ev

    c = compare_inputs(store, a, b, key=key, evidence=hook)
    store.finish_run(rid, c.to_json(), c.a.base_id)
    return rid


@dataclass
class Compared:
    db: Path
    run_id: int
    summary: dict[str, Any]
    secret_hex: str
    bare_run_id: int


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Compared:
    tmp = tmp_path_factory.mktemp("report-compare")
    rows = _rows_a()
    a = _write_csv(tmp / "base_a.csv", rows)
    pre = [r for r in rows[1:] if r[4] < "2023-01-01"]
    own = [["Own", "W", f"web{i}@zqfound{i % 20}.ma", "", "2024-01-01"] for i in range(120)]
    b = _write_csv(tmp / "base_b.csv", [rows[0], *pre[::3], *pre[1::3], *own])
    db = tmp / "store.duckdb"
    with open_store(db) as store:
        rid = record_compare_run(store, str(a), str(b), cutoff=date(2023, 1, 1))
        summary = json.loads(store.scalar("SELECT CAST(summary AS VARCHAR) FROM runs "
                                          "WHERE run_id = ?", [rid]))
        # A run recorded before the evidence stage existed: every optional section absent.
        bare = {k: summary[k] for k in ("a", "b")} | {"overlap": {"exact": 3}}
        bare_id = store.start_run("compare", {}, {})
        store.finish_run(bare_id, bare)
        secret = load_key(store).key.secret.hex()
    return Compared(db, rid, summary, secret, bare_id)


def _check_html(c: Checked, lang: str, show: bool = False) -> str:
    with open_store(c.db, read_only=True) as store:
        return render_check(store, c.run_id, lang=lang, show_addresses=show)


def _compare_html(c: Compared, lang: str, run_id: int | None = None) -> str:
    with open_store(c.db, read_only=True) as store:
        return render_compare(store, run_id or c.run_id, lang=lang)


# -- numbers shown = numbers in the summary -------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_check_numbers_equal_the_summary(checked: Checked, lang: str) -> None:
    s = checked.summary
    doc = parse(_check_html(checked, lang))
    for key in ("rows", "unique", "duplicates", "invalid", "domains"):
        el = doc.one("div", data_k=key)
        assert int(el.attrs["data-v"]) == s[key]
        assert num(el, lang) == s[key], (key, el.text)
    rate = doc.one("div", data_k="invalid_rate")
    assert float(rate.attrs["data-v"]) == s["invalid_rate"]
    assert num(rate, lang) == pytest.approx(100 * s["invalid_rate"], abs=0.005)
    ci = doc.one(data_k="invalid_rate_ci95")
    lo, hi = num(ci.one("span", class_="lo"), lang), num(ci.one("span", class_="hi"), lang)
    assert (lo, hi) == (pytest.approx(100 * s["invalid_rate_ci95"][0], abs=0.005),
                        pytest.approx(100 * s["invalid_rate_ci95"][1], abs=0.005))
    for attr, section in (("data_status", "by_status"), ("data_reason", "by_reason"),
                          ("data_evidence", "by_evidence"), ("data_flag", "flags")):
        rows = doc.find("tr", **{attr: None})
        shown = {r.attrs[_attr(attr)]: num(first_number_cell(r), lang) for r in rows}
        assert shown == s[section], section
    domains = doc.find("tr", data_domain=None)
    assert [(num(d.find("td")[1], lang), num(d.find("td")[2], lang))
            for d in domains] == [(d["rows"], d["invalid"]) for d in s["top_domains"]]
    # a domain fewer than 10 addresses hold is masked (zqfirm0.ma: one address), numbered
    # where masks collide; the others are named (gmail.com, gmial.com, example.ma: 10)
    masked = [d["domain"] for d in s["top_domains"] if d["rows"] < 10]
    assert len(masked) == 17 and {"gmail.com", "gmial.com", "example.ma"} <= {
        d["domain"] for d in s["top_domains"] if d["rows"] >= 10}
    assert [d.attrs["data-domain"] for d in domains] == [
        d["domain"] for d in s["top_domains"] if d["rows"] >= 10] + [
        f"z***.ma ({i})" for i in range(1, 18)]
    assert [d.find("td")[0].text for d in domains] == [d.attrs["data-domain"] for d in domains]
    assert num(doc.one(data_k="output_rows"), lang) == s["output_rows"]
    assert int(doc.one("p", data_k="duplicates").attrs["data-v"]) == s["duplicates"]
    typo = doc.one("tr", data_suggestion="gmail.com")
    assert num(typo.find("td")[2], lang) == s["by_reason"]["possible_typo"] == 12
    phone = doc.one("tr", data_phone="telephone")
    rate_text = phone.find("td")[-1].text.split(" (")[0]
    assert parse_number(rate_text, lang) == pytest.approx(100 * 10 / 300, abs=0.005)


@pytest.mark.parametrize("lang", LANGS)
def test_check_evidentiary_metadata(checked: Checked, lang: str) -> None:
    html = _check_html(checked, lang)
    doc = parse(html)
    with open_store(checked.db, read_only=True) as store:
        file, sha = store.fetchone("SELECT file, sha256 FROM bases")
        params = json.loads(store.scalar("SELECT CAST(params AS VARCHAR) FROM runs"))
        versions = json.loads(store.scalar("SELECT CAST(versions AS VARCHAR) FROM runs"))
    assert doc.one("td", data_sha256=sha).text == sha == checked.summary["input_sha256"]
    assert file in html.replace("&lt;", "<").replace("&gt;", ">") or file in doc.one(
        "table", class_="inputs").text
    assert doc.one("pre", data_k="command").text == " ".join(
        shlex.join(params["command"]).split())
    assert params["command"][0] == "mailhygiene"
    shown = {r.find("td")[0].text: r.find("td")[1].text
             for r in doc.one("table", class_="versions").find("tr")[1:]}
    assert shown == {k: str(v) for k, v in versions.items()}
    names = {r.attrs["data-param"] for r in doc.find("tr", data_param=None)}
    assert names == set(params) - {"command"}
    # what the store held is an input too (bounce history, opt-out lists, caches): recorded
    assert set(params["store_before_run"]) == {"bounce_events", "suppression_entries",
                                               "dns_cache_domains", "smtp_probes"}
    assert "store_before_run" in names
    assert any("store_before_run" in p.text for p in doc.find("p", class_="intro"))
    assert doc.one(data_k="run_id").text == str(checked.run_id)
    assert doc.one(data_k="started_at").text and doc.one(data_k="finished_at").text


def test_check_languages_differ_only_in_words(checked: Checked) -> None:
    en, fr = parse(_check_html(checked, "en")), parse(_check_html(checked, "fr"))
    assert en.one("html").attrs["lang"] == "en" and fr.one("html").attrs["lang"] == "fr"
    assert "Invalid rate" in en.text and "Taux d'invalides" in fr.text
    assert "Taux d'invalides" not in en.text and "Invalid rate" not in fr.text
    rows_en = en.one("div", data_k="invalid_rate").text
    rows_fr = fr.one("div", data_k="invalid_rate").text
    assert rows_en != rows_fr and parse_number(rows_en, "en") == parse_number(rows_fr, "fr")


@pytest.mark.parametrize("lang", LANGS)
def test_compare_numbers_equal_the_summary(compared: Compared, lang: str) -> None:
    s = compared.summary
    ev = s["evidence"]
    doc = parse(_compare_html(compared, lang))
    for side in ("a", "b"):
        row = doc.one("tr", data_side=side)
        for key in ("rows", "unique"):
            assert num(row.one("td", data_k=key), lang) == s[side][key]
    ov = s["overlap"]
    exact = doc.one("tr", data_overlap="exact")
    assert num(exact.find("td")[1], lang) == ov["exact"] > 0
    for key in ("containment_b_in_a", "containment_a_in_b"):
        cell = doc.one("tr", data_overlap=key).find("td")[1]
        assert num(cell, lang) == pytest.approx(100 * ov[key], abs=0.005)
    jac = doc.one("tr", data_overlap="jaccard").find("td")
    assert num(jac[1], lang) == pytest.approx(ov["jaccard"], abs=5e-5)
    assert parse_number(jac[2].text.split("\u00b1")[0], lang) == pytest.approx(
        ov["minhash_jaccard"], abs=5e-5)
    lr = doc.one(data_k="log10_lr")
    assert float(lr.attrs["data-v"]) == ev["log10_lr"]
    assert num(lr, lang) == pytest.approx(ev["log10_lr"], abs=0.005)
    copied = doc.one(data_k="copied_estimate")
    assert copied.attrs["data-v"] == str(ev["copied_estimate"])
    ci = doc.one(data_k="copied_ci95")
    assert [int(ci.attrs["data-lo"]), int(ci.attrs["data-hi"])] == ev["copied_ci95"]
    sens = [parse_number(r.find("td")[1].text, lang)
            for r in doc.one("table", class_="sensitivity").find("tr")[1:]]
    assert sens == pytest.approx([r["log10_lr"] for r in ev["sensitivity"]], abs=0.005)
    for name, sig in ev["signals"].items():
        if name == "combination":
            continue
        row = doc.one("tr", data_signal=name)
        cell = row.find("td")[1]
        assert float(cell.attrs["data-v"]) == sig["log10_lr"]
        assert num(cell.one("span", class_="num"), lang) == pytest.approx(sig["log10_lr"],
                                                                       abs=0.005)
    assert doc.one(data_k="key_id").text == s["minhash"]["key_id"]
    if lang == "en":
        assert doc.one(data_k="verbal").text == ev["verbal"]
    else:
        assert "Les constatations" in doc.one(data_k="verbal").text


@pytest.mark.parametrize(("lang", "words", "codes"), [
    ("en", ["valid-looking", "A's additions after the cut-off"],
     ["ok/freemail", "ok/role", "post_cutoff", "unusual_shared"]),
    ("fr", ["d'apparence valide"], ["ok/freemail", "post_cutoff"]),
])
def test_compare_report_words_strata_and_sources(compared: Compared, lang: str,
                                                 words: list[str], codes: list[str]) -> None:
    """Strata, the baseline's source and the signals' counts are worded, not shown as the
    JSON's codes; a stratum of addresses no check found invalid is not called valid."""
    text = parse(_compare_html(compared, lang)).text
    for w in words:
        assert w in text
    for c in codes:
        assert c not in text
    assert not re.search(r"(?<![a-z])valides,", text)  # "valides, messagerie gratuite"


def test_compare_never_shows_the_key_and_states_the_limits(compared: Compared) -> None:
    for lang in LANGS:
        html = _compare_html(compared, lang)
        assert compared.secret_hex not in html
        assert compared.secret_hex[:16] not in html
    en = parse(_compare_html(compared, "en")).text
    assert "not the probability that B was copied" in en
    assert "same seller" in en and "Methods" in en


@pytest.mark.parametrize("lang", LANGS)
def test_compare_report_without_optional_sections(compared: Compared, lang: str) -> None:
    doc = parse(_compare_html(compared, lang, run_id=compared.bare_run_id))
    assert doc.find(data_k="no_evidence")
    assert num(doc.one("tr", data_overlap="exact").find("td")[1], lang) == 3
    assert doc.one("pre", data_k="command").text == MESSAGES[lang]["not_available"]


def test_kind_mismatch_and_unknown_run_are_input_errors(checked: Checked) -> None:
    from mailhygiene.errors import InputError

    with open_store(checked.db, read_only=True) as store:
        with pytest.raises(InputError, match="not a compare"):
            render_compare(store, checked.run_id)
        with pytest.raises(InputError, match="no run"):
            render_check(store, 999)


# -- injection, masking, self-containment ----------------------------------------------------
def _inject(c: Checked, tmp: Path) -> Path:
    """A copy of the store whose run summary carries hostile domain and reason names."""
    db = tmp / "hostile.duckdb"
    shutil.copy(c.db, db)
    s = dict(c.summary)
    s["base"] = HOSTILE_SCRIPT
    # held by enough addresses to be named (a masked one would not test the escaping)
    s["top_domains"] = [{"domain": HOSTILE_SCRIPT, "rows": 500, "invalid": 100,
                         "invalid_share": 0.2}, *s["top_domains"]]
    s["by_reason"] = {**s["by_reason"], HOSTILE_IMG: 1}
    s["flags"] = {**s["flags"], '"><svg onload=alert(3)>': 2}
    with open_store(db) as store:
        store.execute("UPDATE runs SET summary = ? WHERE run_id = ?", [json.dumps(s), c.run_id])
    return db


def _assert_inert(html: str) -> None:
    doc = parse(html)
    tags = {el.tag for el in doc.walk()}
    assert not tags & {"script", "img", "iframe", "object", "embed", "link", "base", "form"}
    handlers = [(el.tag, k) for el in doc.walk() for k in el.attrs if k.startswith("on")]
    assert handlers == []


@pytest.mark.parametrize("lang", LANGS)
def test_hostile_values_are_escaped(checked: Checked, tmp_path: Path, lang: str) -> None:
    db = _inject(checked, tmp_path)
    with open_store(db, read_only=True) as store:
        html = render_check(store, checked.run_id, lang=lang)
    _assert_inert(html)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the domain, base name, detail
    assert "&lt;img src=x onerror=alert(2)&gt;" in html  # file name, reason, detail
    doc = parse(html)
    assert doc.one("tr", data_domain=HOSTILE_SCRIPT).find("td")[0].text == HOSTILE_SCRIPT
    assert doc.one("b", data_k="base").text == HOSTILE_SCRIPT
    assert any(HOSTILE_IMG in el.text for el in doc.find("td", class_="mono"))


def test_addresses_are_masked_unless_asked(checked: Checked) -> None:
    for lang in LANGS:
        html = _check_html(checked, lang)
        leaked = [a for a in checked.addresses if a in html]
        assert leaked == []
        doc = parse(html)
        assert doc.one(data_privacy="masked")
        samples = doc.one("tr", data_suggestion="gmail.com").one("td", data_samples=None).text
        assert "z***@g***.com" in samples
        details = " ".join(el.text for el in doc.find("td", data_detail=None))
        assert "550 5.1.1 <z***@e***.ma>" in details
    shown = _check_html(checked, "en", show=True)
    doc = parse(shown)
    assert doc.one(data_privacy="shown")
    assert "zqtypo0@gmial.com" in shown and "zqdead0@example.ma" in shown


@pytest.mark.network
def test_typo_suggestions_of_an_mx_run(local_dns: Any, tmp_path: Path) -> None:
    """At the MX level (the default) a typo domain does not exist: its rows are invalid with
    the DNS answer as detail, and the report still lists what they were probably meant to be
    (it listed nothing: the suggestion was read from the detail only)."""
    src = tmp_path / "in.csv"
    src.write_text("email\n" + "".join(f"zqtypo{i}@gmial.com\n" for i in range(3))
                   + "zqother@hotmial.fr\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(main, ["check", str(src), "--nameserver", local_dns.address,
                                  "--json", "--db", str(db)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert s["by_reason"]["domain_not_found"] == 4 and s["flags"]["typo"] == 4
    with open_store(db, read_only=True) as store:
        for lang in LANGS:
            doc = parse(render_check(store, s["run_id"], lang=lang))
            gmail = doc.one("tr", data_suggestion="gmail.com").find("td")
            assert gmail[1].text.startswith("g***.com") and num(gmail[2], lang) == 3
            assert "z***@g***.com" in gmail[3].text
            assert num(doc.one("tr", data_suggestion="hotmail.fr").find("td")[2], lang) == 1


@pytest.mark.parametrize(("lang", "typed"), [
    ("en", "g***.com (1): 2 rows, g***.com (2): 1 row"),
    ("fr", "g***.com (1) : 2 lignes, g***.com (2) : 1 ligne"),  # El.text folds spaces
])
def test_typed_domains_say_what_their_numbers_are(tmp_path: Path, lang: str,
                                                  typed: str) -> None:
    """Two typed domains masked alike: each is numbered and its row count is named (the cell
    read `g***.com (1) (2), g***.com (2) (1)`)."""
    src = tmp_path / "in.csv"
    src.write_text("email\nann@gmial.com\nbob@gmial.com\ncid@gmal.com\n", encoding="utf-8")
    db, out = tmp_path / "s.duckdb", tmp_path / "r.html"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--db", str(db),
                                  "--html", str(out), "--lang", lang], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    doc = parse(out.read_text(encoding="utf-8"))
    cells = doc.one("tr", data_suggestion="gmail.com").find("td")
    assert cells[1].text == typed and num(cells[2], lang) == 3
    assert "o***.fr (1), o***.fr (2)" in doc.one("p", data_k="domains_masked").text


@pytest.mark.parametrize("lang", LANGS)
def test_a_reply_quoting_each_address_is_counted_once_for_all(checked: Checked,
                                                                lang: str) -> None:
    """The 10 zqdead rows got the same refusal, each quoting its own address: one line with
    count 10 (it read 3, the top three texts of the reason merged after masking)."""
    doc = parse(_check_html(checked, lang))
    rows = [tr for tr in doc.find("tr") if any(
        "550 5.1.1" in td.text for td in tr.find("td", data_detail=None))]
    assert len(rows) == 1
    assert num(rows[0].find("td")[-1], lang) == checked.summary["by_reason"][
        "mailbox_not_found"] == 10


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("recorded", ["with_interval", "before_intervals"])
def test_each_domain_share_has_its_interval(checked: Checked, tmp_path: Path, lang: str,
                                            recorded: str) -> None:
    """Each top domain's invalid share is shown with its Wilson 95% interval, the summary's
    own (example.ma: 10 invalid of 10 reads 100%, from 72.2% up); a run recorded before the
    summary held it gets the same interval from its counts."""
    top = checked.summary["top_domains"]
    assert [d["invalid_share_ci95"] for d in top] == [
        list(wilson_interval(d["invalid"], d["rows"])) for d in top]
    db = checked.db
    if recorded == "before_intervals":
        db = tmp_path / "old.duckdb"
        shutil.copy(checked.db, db)
        old = checked.summary | {"top_domains": [
            {k: v for k, v in d.items() if k != "invalid_share_ci95"} for d in top]}
        with open_store(db) as store:
            store.execute("UPDATE runs SET summary = ? WHERE run_id = ?",
                          [json.dumps(old), checked.run_id])
    with open_store(db, read_only=True) as store:
        doc = parse(render_check(store, checked.run_id, lang=lang))
    fmt = number_format(lang)
    rows = doc.find("tr", data_domain=None)
    assert len(rows) == len(top) == 20
    for tr, d in zip(rows, top, strict=True):
        cell = tr.find("td")[4]
        lo, hi = d["invalid_share_ci95"]
        assert (float(cell.attrs["data-lo"]), float(cell.attrs["data-hi"])) == (lo, hi)
        assert cell.text == " ".join(fmt.interval(lo, hi).split())  # as El.text spaces it
    dead = doc.one("tr", data_domain="example.ma").find("td")
    assert num(dead[3], lang) == 100.0
    assert 72.2 == parse_number(dead[4].text.split("\u2013")[0], lang) == pytest.approx(
        100 * wilson_interval(10, 10)[0], abs=0.05)


@pytest.mark.parametrize(("lang", "holds", "unsettled"), [
    ("en", "holds 301 rows: 0 valid and 301 unknown (syntax correct (not checked further): "
           "299, DNS error: 2).",
     "Of the unknown ones, 2 are not deliverable domains but checks that could not finish "
     "(DNS error)"),
    ("fr", "compte 301 lignes : 0 valide et 301 inconnues (syntaxe correcte (non vérifiée "
           "au-delà) : 299, erreur DNS : 2).",
     "Parmi les inconnues, 2 ne sont pas des domaines délivrables mais des vérifications qui "
     "n'ont pas pu aboutir (erreur DNS)"),
])
def test_the_send_list_advice_counts_what_it_holds(checked: Checked, lang: str, holds: str,
                                                   unsettled: str) -> None:
    """`--only valid,unknown` keeps every unknown row, a DNS error too, not only deliverable
    domains: the advice counts them by reason (it said "valid and unknown (deliverable
    domain)"), from the summary's status/reason counts."""
    s = checked.summary
    pairs = s["by_status_reason"]
    assert sum(pairs.values()) == s["rows"]
    for status in s["by_status"]:
        assert sum(n for k, n in pairs.items() if k.startswith(status + "/")) == s[
            "by_status"][status]
    assert pairs["unknown/dns_error"] == 2 and s["by_status"]["unknown"] == 301
    text = parse(_check_html(checked, lang)).one("span", data_k="send_list").text
    assert holds in text and unsettled in text


@pytest.mark.parametrize("kind", ["check", "compare"])
def test_report_is_self_contained(checked: Checked, compared: Compared, kind: str) -> None:
    html = _check_html(checked, "en") if kind == "check" else _compare_html(compared, "en")
    _assert_inert(html)
    assert not re.search(r"@import|url\(|@font-face", html)
    external = [u for u in re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", html)
                if not u.startswith("http://www.w3.org/2000/svg")]
    assert external == []
    doc = parse(html)
    charts = doc.find("svg", class_="chart")
    assert len(charts) >= 2
    assert all(c.find("rect") for c in charts)


# -- CLI ------------------------------------------------------------------------------------
def test_cli_report_latest_and_run(checked: Checked, compared: Compared, tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["report", "--latest", "--lang", "fr", "-o",
                                  str(tmp_path / "r.html"), "--db", str(checked.db)])
    assert r.exit_code == 0, r.output
    assert f"run {checked.run_id}" in r.output
    assert 'lang="fr"' in (tmp_path / "r.html").read_text(encoding="utf-8")
    r = CliRunner().invoke(main, ["report", "--kind", "compare", "--run",
                                  str(compared.run_id), "-o", str(tmp_path / "c.html"),
                                  "--db", str(compared.db)])
    assert r.exit_code == 0, r.output
    assert "Provenance report" in (tmp_path / "c.html").read_text(encoding="utf-8")
    r = CliRunner().invoke(main, ["report", "--run", "42", "-o", str(tmp_path / "x.html"),
                                  "--db", str(checked.db)])
    assert r.exit_code == 2 and "no run with id 42" in r.output
    assert not (tmp_path / "x.html").exists()
    r = CliRunner().invoke(main, ["report", "--kind", "compare", "--latest", "-o",
                                  str(tmp_path / "y.html"), "--db", str(checked.db)])
    assert r.exit_code == 2 and "no finished compare run" in r.output


def test_write_is_atomic_and_leaves_no_temp_file(checked: Checked, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "report.html"
    with open_store(checked.db, read_only=True) as store:
        p = write_check_report(store, checked.run_id, out, lang="fr")
        assert p == out and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        with pytest.raises(Exception, match="language"):
            write_check_report(store, checked.run_id, out, lang="de")
    assert sorted(x.name for x in out.parent.iterdir()) == ["report.html"]


# -- a real browser ---------------------------------------------------------------------------
# Skipped only on a machine without chromium; under CI (CI set) a missing browser fails.
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed here (scripts/setup-system.sh installs it; CI runs it)")


def _chromium() -> str:
    assert CHROMIUM, "chromium not found: run scripts/setup-system.sh (CI must have it)"
    return CHROMIUM

class Cdp:
    """A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3 in, fd 4
    out, NUL-separated JSON), standard library only."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()

        def fds() -> None:  # runs in the child: the pipe ends become fds 3 and 4
            import fcntl

            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", f"--user-data-dir={profile}", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
                # Network disabled: no name resolves, every proxy-routed request fails.
                "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
                "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=fds, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self._next = 0
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buf = b""
        while True:
            chunk = os.read(self._r, 1 << 16)
            if not chunk:
                return
            buf += chunk
            *msgs, buf = buf.split(b"\0")
            for m in msgs:
                msg = json.loads(m)
                if "id" in msg:
                    with self._lock:
                        q = self._replies.get(msg["id"])
                    if q is not None:
                        q.put(msg)
                else:
                    self.events.append(msg)

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
        self._next += 1
        q: queue.Queue[dict[str, Any]] = queue.Queue()
        with self._lock:
            self._replies[self._next] = q
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        try:
            reply = q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"chromium did not answer {method} within {timeout}s "
                                 f"(exit code {self.proc.poll()})") from None
        assert "error" not in reply, (method, reply["error"])
        result: dict[str, Any] = reply.get("result", {})
        return result

    def wait_event(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        import time

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for e in self.events:
                if e.get("method") == method:
                    return e
            time.sleep(0.05)
        raise AssertionError(f"no {method} event within {timeout}s")

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            self.proc.kill()
        self.proc.wait(timeout=20)
        os.close(self._w)
        os.close(self._r)


@dataclass
class Rendered:
    events: list[dict[str, Any]]
    dom: dict[str, Any]
    png: bytes
    pdf: bytes


def render_in_chromium(html_path: Path, profile: Path) -> Rendered:
    cdp = Cdp(_chromium(), profile)
    try:
        target = next(t for t in cdp.send("Target.getTargets")["targetInfos"]
                      if t["type"] == "page")
        sid = cdp.send("Target.attachToTarget", {"targetId": target["targetId"],
                                                 "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            cdp.send(f"{domain}.enable", session=sid)
        cdp.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                      "downloadThroughput": -1,
                                                      "uploadThroughput": -1}, session=sid)
        cdp.send("Emulation.setDeviceMetricsOverride", {"width": 1100, "height": 1400,
                                                        "deviceScaleFactor": 1,
                                                        "mobile": False}, session=sid)
        cdp.events.clear()
        cdp.send("Page.navigate", {"url": html_path.resolve().as_uri()}, session=sid)
        cdp.wait_event("Page.loadEventFired")
        probe = """JSON.stringify({
          charts: [...document.querySelectorAll('svg.chart')].map(s => ({
            shapes: s.querySelectorAll('rect,line,text').length,
            w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height})),
          minibars: document.querySelectorAll('svg.minibar').length,
          scripts: document.scripts.length,
          resources: performance.getEntriesByType('resource').map(r => r.name),
          height: document.documentElement.scrollHeight,
          title: document.title,
          details: [...document.querySelectorAll('[data-detail]')].map(td => td.innerText)})"""
        dom = json.loads(cdp.send("Runtime.evaluate", {"expression": probe,
                                                       "returnByValue": True},
                                  session=sid)["result"]["value"])
        shot = cdp.send("Page.captureScreenshot", {"format": "png",
                                                   "captureBeyondViewport": True},
                        session=sid)
        pdf = cdp.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True},
                       session=sid, timeout=60)
        return Rendered(list(cdp.events), dom, base64.b64decode(shot["data"]),
                        base64.b64decode(pdf["data"]))
    finally:
        cdp.close()


def _problems(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            out.append(f"script error: {p.get('exceptionDetails', {}).get('text')}")
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append(f"console error: {p.get('args')}")
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append(f"log error: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        elif m == "Network.loadingFailed":
            out.append(f"failed load: {p.get('errorText')}")
        elif m == "Network.requestWillBeSent":
            url = p.get("request", {}).get("url", "")
            if not url.startswith(("file:", "data:", "about:")):
                out.append(f"request: {url}")
    return out


@needs_chromium
@pytest.mark.parametrize(("kind", "lang"), [("check", "en"), ("check", "fr"),
                                            ("compare", "en"), ("compare", "fr")])
def test_chromium_renders_offline(checked: Checked, compared: Compared, tmp_path: Path,
                                  kind: str, lang: str) -> None:
    BUILD.mkdir(exist_ok=True)
    html = BUILD / f"report-{kind}-{lang}.html"
    with open_store((checked if kind == "check" else compared).db, read_only=True) as store:
        if kind == "check":
            write_check_report(store, checked.run_id, html, lang=lang)
        else:
            write_compare_report(store, compared.run_id, html, lang=lang)
    r = render_in_chromium(html, tmp_path / "profile")
    assert _problems(r.events) == []
    assert r.dom["scripts"] == 0 and r.dom["resources"] == []
    assert len(r.dom["charts"]) >= 2
    assert all(c["shapes"] >= 3 and c["w"] > 100 and c["h"] > 20 for c in r.dom["charts"])
    if kind == "check":
        assert r.dom["minibars"] >= 1
    assert r.png[:8] == b"\x89PNG\r\n\x1a\n" and len(r.png) > 20_000
    assert r.pdf[:5] == b"%PDF-" and r.pdf.count(b"/Type /Page") >= 2
    (BUILD / f"report-{kind}-{lang}.png").write_bytes(r.png)
    (BUILD / f"report-{kind}-{lang}.pdf").write_bytes(r.pdf)


@needs_chromium
def test_chromium_check_catches_external_loads_and_script_errors(tmp_path: Path) -> None:
    """The control case: the browser test above would fail on a page that fetches or throws."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><link rel="stylesheet" '
                    'href="https://cdn.example.invalid/x.css"></head><body>'
                    '<img src="http://example.invalid/x.png">'
                    '<script>throw new Error("boom")</script></body></html>', encoding="utf-8")
    problems = _problems(render_in_chromium(page, tmp_path / "profile").events)
    assert any(p.startswith("script error") for p in problems), problems
    assert any(p.startswith("failed load") for p in problems), problems
    assert any("example.invalid" in p for p in problems), problems


def test_compare_hostile_values_are_escaped_and_tool_text_masked(compared: Compared,
                                                                  tmp_path: Path) -> None:
    db = tmp_path / "hostile.duckdb"
    shutil.copy(compared.db, db)
    s = json.loads(json.dumps(compared.summary))
    s["a"]["name"] = HOSTILE_SCRIPT
    s["b"]["name"] = HOSTILE_IMG
    s["by_domain"][0]["domain"] = HOSTILE_IMG
    s["evidence"]["limits"].append(f"{HOSTILE_SCRIPT} seen at jean.dupont@example.ma")
    s["evidence"]["sensitivity"][0]["variant"] = HOSTILE_IMG
    with open_store(db) as store:
        store.execute("UPDATE runs SET summary = ? WHERE run_id = ?",
                      [json.dumps(s), compared.run_id])
    for lang in LANGS:
        with open_store(db, read_only=True) as store:
            html = render_compare(store, compared.run_id, lang=lang)
        _assert_inert(html)
        assert "<script" not in html.lower() and "<img" not in html.lower()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(2)&gt;" in html
        assert "jean.dupont@example.ma" not in html and "j***@e***.ma" in html


@pytest.mark.parametrize("summary", [
    pytest.param({"base": "x"}, id="almost-empty"),
    pytest.param({"base": "empty", "rows": 0, "unique": 0, "invalid": 0, "invalid_rate": 0.0,
                  "invalid_rate_ci95": [0.0, 1.0], "by_status": {}, "top_domains": []},
                 id="empty-base"),
])
@pytest.mark.parametrize("lang", LANGS)
def test_check_report_tolerates_missing_sections(checked: Checked, tmp_path: Path,
                                                 summary: dict[str, Any], lang: str) -> None:
    db = tmp_path / "min.duckdb"
    shutil.copy(checked.db, db)
    with open_store(db) as store:
        rid = store.start_run("check", {}, {})
        store.finish_run(rid, summary)
        doc = parse(render_check(store, rid, lang=lang))
    assert doc.one("b", data_k="base").text == summary["base"]
    assert doc.find("tr", data_status=None) == []
    assert doc.one("pre", data_k="command").text == MESSAGES[lang]["not_available"]


def test_row_level_sections_only_while_the_rows_hold_the_run(checked: Checked,
                                                             tmp_path: Path) -> None:
    db = tmp_path / "later.duckdb"
    shutil.copy(checked.db, db)
    with open_store(db) as store:
        later = store.start_run("check", {}, {})
        store.finish_run(later, {"base": "again"}, base_id=checked.summary["base_id"])
        doc = parse(render_check(store, checked.run_id, lang="en"))
    assert doc.find(data_k="rows_not_current")
    assert doc.find("tr", data_suggestion=None) == [] and doc.find("td", data_detail=None) == []
    assert num(doc.one("div", data_k="rows"), "en") == checked.summary["rows"]
    assert not parse(_check_html(checked, "en")).find(data_k="rows_not_current")


def _reason_colours(page: str) -> dict[str, str]:
    """Each reason's swatch colour in the reasons table."""
    return dict(re.findall(r'<tr data-reason="([a-z_]+)"><td><span class="swatch" '
                           r'style="background:(#[0-9a-f]+)"', page))


def test_reason_colours_do_not_depend_on_the_rows(checked: Checked, tmp_path: Path) -> None:
    """A reason is coloured by its status whether or not a later check overwrote the run's
    rows (every bar and swatch took the accent colour: the statuses were read from the rows)."""
    db = tmp_path / "later.duckdb"
    shutil.copy(checked.db, db)
    with open_store(db) as store:
        current = render_check(store, checked.run_id, lang="en")
        later = store.start_run("check", {}, {})
        store.finish_run(later, {"base": "again"}, base_id=checked.summary["base_id"])
        overwritten = render_check(store, checked.run_id, lang="en")
    colours = _reason_colours(current)
    assert set(colours) == set(checked.summary["by_reason"])
    assert _reason_colours(overwritten) == colours
    assert {colours[r] for r in ("syntax_missing_at", "possible_typo", "duplicate_of")} == {
        STATUS_COLOURS[st] for st in ("invalid", "risky", "duplicate")}
    for chart in (current, overwritten):
        bars = re.findall(r'<g data-key="syntax_missing_at"><text[^>]*>[^<]*</text><rect '
                          r'[^>]*fill="(#[0-9a-f]+)"', chart)
        assert bars == [STATUS_COLOURS["invalid"]], bars


def test_every_reason_has_one_status() -> None:
    assert set(REASON_STATUS) == {r.value for r in Reason}


def test_a_base_named_after_an_address_is_masked(tmp_path: Path) -> None:
    """Bases are named after their files, and a file may be named after a person's address:
    the name is masked in both reports like every address (shown with --show-addresses)."""
    env = {"MAILHYGIENE_KEY": "k" * 32}
    a = tmp_path / "jane.doe@realcorp.ma.csv"
    a.write_text("email\nx1@example.ma\nx2@example.ma\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("email\nx1@example.ma\nx3@example.ma\n", encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["check", str(a), "--level", "syntax", "--db", db]).exit_code == 0
    assert runner.invoke(main, ["compare", str(a), str(b), "--db", db]).exit_code == 0
    for kind in ("check", "compare"):
        for show in (False, True):
            out = tmp_path / f"{kind}{show}.html"
            r = runner.invoke(main, ["report", "--kind", kind, "-o", str(out), "--db", db,
                                     *(["--show-addresses"] if show else [])])
            assert r.exit_code == 0, r.output
            html = out.read_text(encoding="utf-8")
            assert ("jane.doe@realcorp.ma" in html) is show, (kind, show)
