"""The evidence section in French: every sentence of `evidence` carries a code and parameters
next to its English text; the English is made from the codes, the French report words them.
Evidence is built in memory (`weigh` on EvidenceData) and rendered through a stored run."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mailhygiene.evidence.data import EvidenceData
from mailhygiene.evidence.dates import DateFormat
from mailhygiene.evidence.evaluate import EvidenceOptions, weigh
from mailhygiene.evidence.model import NearGrowth, PostGradient, StratumCounts
from mailhygiene.evidence.strata import ASSUMED_BOUNDS
from mailhygiene.evidence.wording import (
    TEMPLATES,
    en_text,
    item,
    stratum_factor,
    template_fields,
)
from mailhygiene.report import render_compare
from mailhygiene.report.evidence_messages import (
    EVIDENCE_FR,
    french_date,
    stratum_en,
    stratum_fr,
    word_fr,
)
from mailhygiene.report.fmt import number_format
from mailhygiene.report.messages import MESSAGES, Catalogue
from mailhygiene.store import open_store

FR = number_format("fr")
NNBSP = "\u202f"
# JSON text fields and their structured twins (evidence.wording).
PAIRS = (("limits", "limit_items"), ("strengthen", "strengthen_items"))
BULK = [{"date": "2021-03-01", "rows": 1200, "in_b": 80},
        {"date": "2021-05-01", "rows": 100, "in_b": 40}]


def _data(source: str, *, bulk: list[dict[str, Any]] | None = None,
          sorted_files: tuple[str, ...] = (), a_post: int = 500, invalid: bool = True,
          raw: tuple[int, int, int, int] = (0, 0, 0, 0), shared_order: int = 50,
          reference_unique: int = 0, dates: DateFormat | None = None, a_undated: int = 0,
          post_baseline: int | None = None,
          reference_outside: int | None = None, trend: bool = False,
          role_baseline: bool = True,
          post_gradient: PostGradient | None = None,
          near_growth: NearGrowth | None = None) -> EvidenceData:
    weighed = source != "assumed"
    rm, rx = (200, 40) if role_baseline else (0, 0)
    strata = [StratumCounts("ok/role/alone", "public", 400, 120, rm, rx, role=True,
                            in_lr=weighed, near_n=100, near_k=30),
              StratumCounts("ok/freemail", "personal", 900, 200, 300, 20, in_lr=weighed,
                            near_n=300, near_k=25,
                            # older addresses in B more often: an age trend
                            **({"age_n": (225,) * 4, "age_k": (90, 55, 35, 20),
                                "age_post": 4.5} if trend else {}))]
    if invalid:
        strata.append(StratumCounts(
            "inv_domain/business/alone", "invalid", 100, 30, 50, 1, invalid=True,
            p_assumed=None if weighed else ASSUMED_BOUNDS["inv_domain"]))
    if bulk:
        strata.append(StratumCounts("ok/freemail/bulk", "personal", 300, 120, 300, 20,
                                    in_lr=False))
    rng = np.random.default_rng(0)
    post = (np.arange(40.0), rng.permutation(40).astype(float)) if weighed else (
        np.zeros(0), np.zeros(0))
    return EvidenceData(
        strata=strata, baseline_source=source, raw=raw,
        order_pre=(np.arange(float(shared_order)),
                   rng.permutation(shared_order).astype(float)),
        order_post=post, sorted_files=list(sorted_files), a_unique=1400, b_unique=2000,
        shared=350, a_pre=1400, a_post=a_post, bulk=bulk or [],
        reference_unique=reference_unique, dates=dates, a_undated=a_undated,
        undated_in_b=a_undated // 4,
        post_baseline=a_post if post_baseline is None else post_baseline,
        reference_outside=reference_outside, post_gradient=post_gradient,
        near_growth=near_growth)


CUT = EvidenceOptions(date_column="date_ajout", cutoff=date(2023, 1, 1))
CASES: dict[str, tuple[EvidenceData, EvidenceOptions]] = {
    "post-cutoff-all-weighed": (_data("post_cutoff", raw=(60, 30, 50, 5)), CUT),
    "bulk-and-both-sorted": (_data("post_cutoff", bulk=BULK, sorted_files=("A", "B"),
                                   raw=(5, 1, 3, 0)), CUT),
    "too-few-shared": (_data("post_cutoff", shared_order=5, raw=(4, 1, 30, 3)), CUT),
    "b-sorted": (_data("post_cutoff", sorted_files=("B",)), CUT),
    "age-trend": (_data("post_cutoff", trend=True), CUT),
    "role-without-baseline": (_data("post_cutoff", role_baseline=False), CUT),
    "post-gradient": (_data("post_cutoff", post_gradient=PostGradient(
        0.137, 0.057, 2.34, 10.0, 2.0)), CUT),
    # the additions just before the cut-off say less than all earlier ones
    "near-cutoff": (_data("post_cutoff", near_growth=NearGrowth(1.2, 1.1, 1.32, 0.3, 400,
                                                                500, 0.2, 0.2)), CUT),
    "assumed": (_data("assumed", a_post=0), EvidenceOptions()),
    "cutoff-after-everything": (
        _data("assumed", a_post=0, invalid=False),
        EvidenceOptions(date_column="date_ajout", cutoff=date(2030, 1, 1))),
    "reference": (_data("reference", a_post=0, invalid=False, reference_unique=1234),
                  EvidenceOptions(reference_base_id=3)),
    # how A's date column was read (evidence.dates), and baselines too small to be used
    "dates-detected-some-undated": (
        _data("post_cutoff", dates=DateFormat("ymd", "year_first", 1800, 1500, empty=100,
                                              year_first=1500), a_undated=400), CUT),
    "dates-conflicting": (
        _data("post_cutoff", dates=DateFormat("dmy", "conflicting", 1900, 1800,
                                              day_first=700, month_first=100,
                                              either=1100)), CUT),
    "dates-ambiguous": (
        _data("post_cutoff", dates=DateFormat("dmy", "ambiguous", 1900, 1900, either=1900,
                                              flips=37)), CUT),
    # a column mixing year-first dates (read as such) with year-last ones
    "dates-mixed-detected": (
        _data("post_cutoff", dates=DateFormat("dmy", "day_first", 1900, 1880, year_first=1200,
                                              day_first=300, either=380)), CUT),
    "dates-mixed-conflicting": (
        _data("post_cutoff", dates=DateFormat("mdy", "conflicting", 1900, 1850,
                                              year_first=1000, day_first=100,
                                              month_first=300, either=550)), CUT),
    "dates-mixed-ambiguous": (
        _data("post_cutoff", dates=DateFormat("dmy", "ambiguous", 1900, 1900, year_first=900,
                                              either=1000, flips=12)), CUT),
    "small-post-cutoff": (_data("assumed", a_post=12), CUT),
    # test@test, toto@toto.fr...: left out of both bases
    "generic-entries": (dataclasses.replace(_data("post_cutoff"), a_generic=12), CUT),
    "reference-too-small": (
        _data("assumed", a_post=0, reference_unique=2000, reference_outside=0),
        EvidenceOptions(reference_base_id=3)),
}


def _cases(*names: str) -> list[Any]:
    return [pytest.param(*CASES[n], id=n) for n in names or CASES]


def _evidence(data: EvidenceData, opts: EvidenceOptions) -> dict[str, Any]:
    """The evidence section as the store holds it (through JSON)."""
    ev: dict[str, Any] = json.loads(json.dumps(weigh(data, opts).to_json()))["evidence"]
    return ev


def _pairs(ev: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(English text, item) of every sentence of the evidence section."""
    out = [(t, it) for key, items in PAIRS
           for t, it in zip(ev[key], ev[items], strict=True)]
    b = ev["baseline"]
    out += [(b["description"], b["description_item"]), (b["uncertainty"], b["uncertainty_item"])]
    if ev.get("dates"):
        out.append((ev["dates"]["description"], ev["dates"]["description_item"]))
    for name, sig in ev["signals"].items():
        if name == "combination":
            out.append((sig["method"], sig["method_item"]))
            continue
        out += list(zip(sig["assumptions"], sig["assumption_items"], strict=True))
        if sig.get("note_item") is not None:
            out.append((sig["note"], sig["note_item"]))
    return out


# -- (a) every code has an English and a French template ----------------------------------

@pytest.mark.parametrize("code", sorted(TEMPLATES))
def test_every_code_has_a_french_template_with_the_same_parameters(code: str) -> None:
    assert template_fields(EVIDENCE_FR[code]) == template_fields(TEMPLATES[code])
    assert EVIDENCE_FR[code].strip() and EVIDENCE_FR[code] != TEMPLATES[code]


def test_no_french_template_without_a_code() -> None:
    assert set(EVIDENCE_FR) == set(TEMPLATES)


def test_the_cases_emit_every_code_and_french_words_each_item() -> None:
    seen: set[str] = set()
    for data, opts in CASES.values():
        for english, it in _pairs(_evidence(data, opts)):
            seen.add(it["code"])
            french = word_fr(it, FR)
            assert french is not None, it
            assert "{" not in french and "}" not in french, french
            assert french != english
    assert seen == set(TEMPLATES)


@pytest.mark.parametrize(("it", "french"), [
    pytest.param(item("limit.bulk", dates=2, rows=1300, in_b=120),
                 f"(2 date(s) d'import, 1{NNBSP}300 adresses, dont 120 présentes dans B)",
                 id="bulk-numbers"),
    pytest.param(item("limit.order_sorted", files=["A", "B"]), "constaté dans A et B.",
                 id="files-joined-with-et"),
    pytest.param(item("limit.no_post_cutoff", cutoff="2030-01-01"), "après le 1er janvier 2030",
                 id="date-written-out"),
    pytest.param(item("baseline.post_cutoff", a_post=1044, cutoff="2012-03-11",
                      column="date_ajout"),
                 f"Les 1{NNBSP}044 adresses ajoutées à A après le 11 mars 2012 (colonne "
                 "« date_ajout »)", id="baseline-column"),
    pytest.param(item("baseline.assumed", **ASSUMED_BOUNDS),
                 f"(2{NNBSP}% pour les adresses mal formées, 5{NNBSP}% pour les domaines "
                 "inexistants ou sans courrier", id="bounds-as-percent"),
    pytest.param(item("uncertainty.integrated", common_sigma=0.1, stratum_sigma=0.05,
                      drift=1.2), "(écart type 0,1 commun, 0,05 par strate)",
                 id="decimal-comma"),
    pytest.param(item("note.raw_few_baseline", min_baseline=20), "Moins de 20 paires",
                 id="note"),
    pytest.param(item("limit.age_trend", strata=[stratum_factor("ok/freemail", 1.24),
                                                 stratum_factor("inv_domain/business/seen",
                                                                12.5)],
                      max_factor=12.5),
                 "(d'apparence valide, messagerie gratuite (\u00d71,24) ; domaine "
                 "invalide, professionnelles, d'autres adresses du domaine dans B "
                 "(\u00d712,50))", id="strata-words-and-decimal-comma"),
    pytest.param(item("limit.kind_without_baseline", strata=["ok/role/alone"],
                      min_baseline=20),
                 "d'apparence valide, génériques, aucune autre adresse du domaine dans B "
                 ": moins de 20", id="strata-without-factor"),
])
def test_french_parameters_are_formatted_for_the_reader(it: dict[str, Any],
                                                         french: str) -> None:
    assert french in (word_fr(it, FR) or "")


@pytest.mark.parametrize(("it", "reason"), [
    pytest.param({"code": "limit.from_the_future"}, "unknown code", id="unknown-code"),
    pytest.param({"code": "limit.bulk", "dates": 2}, "missing parameter", id="missing-param"),
    pytest.param("limit.bulk", "not an item", id="not-a-dict"),
    pytest.param(None, "absent", id="none"),
])
def test_items_the_catalogue_cannot_word_give_none(it: Any, reason: str) -> None:
    assert word_fr(it, FR) is None, reason


@pytest.mark.parametrize(("iso", "french"), [
    pytest.param("2023-01-01", "1er janvier 2023", id="first"),
    pytest.param("2012-03-11", "11 mars 2012", id="other-day"),
    pytest.param("None", "None", id="not-a-date"),
])
def test_french_date(iso: str, french: str) -> None:
    assert french_date(iso) == french


@pytest.mark.parametrize(("code", "english", "french"), [
    pytest.param("ok/freemail", "valid-looking, free webmail",
                 "d'apparence valide, messagerie gratuite", id="ok"),
    pytest.param("ok/role/alone", "valid-looking, role, no other address of the domain in B",
                 "d'apparence valide, génériques, aucune autre adresse du domaine dans B",
                 id="ok-role-alone"),
    pytest.param("inv_syntax/business", "malformed, business", "mal formées, professionnelles",
                 id="malformed"),
])
def test_strata_are_named_in_plain_words(code: str, english: str, french: str) -> None:
    """The class of addresses no check found invalid was "not found invalid" ("non reconnues
    invalides"), a double negative to a court reader; the JSON keeps the code."""
    assert (stratum_en(code), stratum_fr(code)) == (english, french)


def test_the_methods_define_valid_looking() -> None:
    assert "valid-looking: none of them shows the address invalid" in MESSAGES["en"][
        "cmp_method_3"]
    assert "d'apparence valide : aucun ne montre l'adresse invalide" in MESSAGES["fr"][
        "cmp_method_3"]


# -- (b) the English text is made from the items ------------------------------------------

@pytest.mark.parametrize(("data", "opts"), _cases())
def test_english_text_equals_the_text_made_from_its_items(data: EvidenceData,
                                                          opts: EvidenceOptions) -> None:
    ev = _evidence(data, opts)
    for key, items in PAIRS:
        assert ev[key] == [en_text(it) for it in ev[items]], key
    for english, it in _pairs(ev):
        assert en_text(it) == english
    for sig in ev["signals"].values():
        if "note" in sig:
            assert sig["note"] == ("" if sig["note_item"] is None else en_text(sig["note_item"]))


@pytest.mark.parametrize(("data", "opts"), _cases())
def test_english_sentences_hold_no_code_or_python_repr(data: EvidenceData,
                                                       opts: EvidenceOptions) -> None:
    """A court reader gets words: the bounds without a baseline were written as a Python dict
    of stratum codes on the terminal, in the JSON and in the English report."""
    for english, _ in _pairs(_evidence(data, opts)):
        assert not re.search(r"[{}]|'inv_|inv_syntax|inv_domain", english), english


@pytest.mark.parametrize(("data", "opts", "key", "english"), [
    pytest.param(*CASES["bulk-and-both-sorted"], "limits",
                 "2 bulk import date(s) in A (1300 addresses, 120 in B) were left out of the "
                 "LR: a purchased list may have reached B from its seller; the copied-count "
                 "estimate gives them the copied share of A's other addresses.", id="bulk"),
    pytest.param(*CASES["bulk-and-both-sorted"], "limits",
                 "Order not weighed: A and B sorted on the address or domain.", id="sorted"),
    pytest.param(*CASES["cutoff-after-everything"], "limits",
                 "No address of A was added after 2030-01-01: the cut-off gives no baseline.",
                 id="no-post-cutoff"),
    pytest.param(*CASES["assumed"], "description",
                 "no baseline source: stated upper bounds on how often an independent "
                 "collector finds invalid addresses (0.02 for malformed addresses, 0.05 for "
                 "addresses whose domain does not exist or receives no mail); "
                 "valid addresses not weighed, nor bounced mailboxes (mostly people who left, "
                 "published as often as valid addresses)", id="assumed-bounds"),
    pytest.param(*CASES["post-cutoff-all-weighed"], "description",
                 "A's 500 addresses added after 2023-01-01 (column 'date_ajout'): copying at "
                 "the cut-off cannot reach them", id="post-cutoff"),
    pytest.param(*CASES["b-sorted"], "note",
                 "skipped: B sorted on the address or domain", id="order-note"),
])
def test_english_text_is_unchanged(data: EvidenceData, opts: EvidenceOptions, key: str,
                                   english: str) -> None:
    """The JSON's English is a stable interface: these are the sentences as they were before
    the codes existed, but for the baseline without a source, which held a Python dict
    ({'inv_syntax': 0.02, ...}) and now says its bounds in words as the French does."""
    ev = _evidence(data, opts)
    texts = {"limits": ev["limits"], "description": [ev["baseline"]["description"]],
             "note": [ev["signals"]["order"]["note"]]}[key]
    assert english in texts


# -- (c) the French report ----------------------------------------------------------------

def _store_run(tmp: Path, ev: dict[str, Any]) -> Path:
    db = tmp / "store.duckdb"
    summary = {"a": {"name": "A", "rows": 1400, "unique": 1400},
               "b": {"name": "B", "rows": 2000, "unique": 2000},
               "overlap": {"exact": 350}, "evidence": ev}
    with open_store(db) as store:
        rid = store.start_run("compare", {}, {})
        store.finish_run(rid, summary)
    return db


def _report_text(db: Path, lang: str) -> str:
    with open_store(db, read_only=True) as store:
        page = render_compare(store, 1, lang=lang)
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(style|svg).*?</\1>", "", page)))
    return " ".join(text.split())


def _norm(s: str) -> str:
    return " ".join(s.split())


def _without_items(x: Any) -> Any:
    """The evidence JSON as recorded before the codes existed."""
    if isinstance(x, dict):
        return {k: _without_items(v) for k, v in x.items() if not k.endswith(("_item", "_items"))}
    if isinstance(x, list):
        return [_without_items(v) for v in x]
    return x


# Words of the English tool text that have no business in a French report.
ENGLISH = ("not weighed", "baseline", "sorted on the address", "bulk import", "Jeffreys posterior",
           "stated bounds", "Under independence", "post_cutoff", "unusual_shared",
           "ok/role/alone", "the cut-off", "common source")


@pytest.mark.parametrize(("data", "opts"), _cases("bulk-and-both-sorted", "assumed",
                                                   "cutoff-after-everything", "reference",
                                                   "dates-detected-some-undated",
                                                   "dates-conflicting", "dates-ambiguous",
                                                   "dates-mixed-detected",
                                                   "dates-mixed-conflicting",
                                                   "dates-mixed-ambiguous",
                                                   "small-post-cutoff", "reference-too-small"))
def test_french_report_has_no_english_tool_text(tmp_path: Path, data: EvidenceData,
                                                opts: EvidenceOptions) -> None:
    ev = _evidence(data, opts)
    fr = _report_text(_store_run(tmp_path, ev), "fr")
    for english, it in _pairs(ev):
        assert _norm(english) not in fr
        assert _norm(word_fr(it, FR) or "?") in fr
    assert [w for w in ENGLISH if w in fr] == []
    assert "Texte produit par l'évaluation" in fr
    assert MESSAGES["fr"]["cmp_tool_text_en"].strip() not in fr


def test_french_report_words_bulk_sorted_and_strata(tmp_path: Path) -> None:
    fr = _report_text(_store_run(tmp_path, _evidence(*CASES["bulk-and-both-sorted"])), "fr")
    for french in (f"(2 date(s) d'import, 1{NNBSP}300 adresses, dont 120 présentes dans B) "
                   "ont été écartées du RV",
                   "tri par adresse ou par domaine constaté dans A et B",
                   "Indice écarté : tri par adresse ou par domaine constaté dans A et B",
                   "après le 1er janvier 2023 (colonne « date_ajout »)",
                   "d'apparence valide, génériques, aucune autre adresse du domaine dans B",
                   "ajouts à A après la date de départ",
                   "communes à graphie inhabituelle"):
        assert _norm(french) in fr, french


@pytest.mark.parametrize(("name", "stated"), [
    pytest.param("assumed", True, id="no-baseline"),
    pytest.param("reference", True, id="reference"),
    pytest.param("cutoff-after-everything", True, id="cutoff-gives-no-baseline"),
    pytest.param("small-post-cutoff", True, id="cutoff-baseline-too-small"),
    pytest.param("post-cutoff-all-weighed", False, id="cutoff-baseline"),
    pytest.param("near-cutoff", False, id="cutoff-baseline-near-reading"),
])
def test_without_a_cutoff_baseline_a_limit_says_direction_is_not_told(
        tmp_path: Path, name: str, stated: bool) -> None:
    """Shared addresses, malformed ones too, fit either base copying the other: `compare B A`
    gave the same kind of support as `compare A B`. Only a cut-off baseline ties the findings
    to A's dates, and then nothing new is said (no claim of direction either)."""
    ev = _evidence(*CASES[name])
    direction = [t for t, it in zip(ev["limits"], ev["limit_items"], strict=True)
                 if it["code"] == "limit.direction"]
    assert len(direction) == stated
    if not stated:
        return
    assert "do not tell which base came first" in direction[0]
    db = _store_run(tmp_path, ev)
    assert _norm(direction[0]) in _report_text(db, "en")
    assert ("ne disent pas laquelle des deux bases a été constituée la première"
            in _report_text(db, "fr"))


def test_english_report_keeps_the_json_text(tmp_path: Path) -> None:
    ev = _evidence(*CASES["bulk-and-both-sorted"])
    en = _report_text(_store_run(tmp_path, ev), "en")
    for english, _ in _pairs(ev):
        assert _norm(english) in en


def test_french_report_of_older_json_keeps_the_english_and_says_so(tmp_path: Path) -> None:
    ev = _without_items(_evidence(*CASES["assumed"]))
    ev["limits"].append("A sentence from a newer tool.")
    fr = _report_text(_store_run(tmp_path, ev), "fr")
    assert _norm(ev["baseline"]["description"]) in fr
    assert "A sentence from a newer tool." in fr
    assert "Texte produit par l'évaluation (certains passages en anglais)" in fr


def test_french_report_keeps_a_text_whose_item_is_unknown(tmp_path: Path) -> None:
    ev = _evidence(*CASES["assumed"])
    ev["limit_items"][0] = {"code": "limit.from_the_future"}
    ev["limits"].append("An extra sentence without its item.")
    fr = _report_text(_store_run(tmp_path, ev), "fr")
    assert _norm(ev["limits"][0]) in fr and "An extra sentence without its item." in fr
    assert _norm(word_fr(ev["strengthen_items"][0], FR) or "?") in fr
    assert "(certains passages en anglais)" in fr


def test_methods_state_both_caps_of_the_evaluation() -> None:
    """The methods paragraph names the caps evaluate applies (a report showing a 10³ cap with
    a methods text saying only 10⁶ reads as a contradiction)."""
    from mailhygiene.evidence.evaluate import ASSUMED_MAX_LOG10_LR, MAX_LOG10_LR
    from mailhygiene.report.messages import MESSAGES

    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    for lang in ("en", "fr"):
        text = MESSAGES[lang]["cmp_method_4"]
        for cap in (MAX_LOG10_LR, ASSUMED_MAX_LOG10_LR):
            assert "10" + str(int(cap)).translate(sup) in text, (lang, cap)


@pytest.mark.parametrize(("lang", "words"), [("fr", "(pas de domaine valide)"),
                                             ("en", "(no valid domain)")])
def test_the_domain_table_words_addresses_without_a_domain(lang: str, words: str) -> None:
    from mailhygiene.privacy import NO_DOMAIN
    from mailhygiene.report.compare_data import build
    from mailhygiene.report.messages import Catalogue

    summary = {"by_domain": [{"domain": NO_DOMAIN, "overlap": 3, "a_unique": 9,
                              "b_unique": 4},
                             {"domain": "e***.ma", "overlap": 2, "a_unique": 5,
                              "b_unique": 2}]}
    c = build(summary, Catalogue(lang), number_format(lang), show_addresses=False)
    assert [r["domain"] for r in c.by_domain] == [words, "e***.ma"]


def test_grouped_english_for_the_terminal_keeps_the_json_text() -> None:
    it = item("baseline.post_cutoff", a_post=30466, cutoff="2017-12-17", column="date_ajout")
    assert en_text(it).startswith("A's 30466 addresses added after 2017-12-17")  # JSON: stable
    assert en_text(it, grouped=True).startswith("A's 30,466 addresses added after 2017-12-17")
    bounds = item("limit.undated", undated=1200, in_b=3, column="d")
    assert "1,200 of A's addresses" in en_text(bounds, grouped=True)


# -- the age-trend limit's strata and factors come from the model, not from its English -----
def _age_trend(ev: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return next((t, it) for t, it in zip(ev["limits"], ev["limit_items"], strict=True)
                if it["code"] == "limit.age_trend")


def test_age_trend_item_holds_each_stratum_and_its_factor_as_data() -> None:
    data, opts = CASES["age-trend"]
    english, it = _age_trend(_evidence(data, opts))
    corrected = [s for s in data.strata if s.age_factor > 1.05]
    assert it["strata"] == [{"stratum": s.name, "factor": round(s.age_factor, 2)}
                            for s in corrected]
    # the JSON's English is as before: `ok/freemail (x2.02)`
    assert all(f"{s.name} (x{s.age_factor:.2f})" in english for s in corrected)


def test_french_report_writes_the_age_trend_factors_in_french(tmp_path: Path) -> None:
    ev = _evidence(*CASES["age-trend"])
    _, it = _age_trend(ev)
    factor = it["strata"][0]["factor"]
    fr = _report_text(_store_run(tmp_path, ev), "fr")
    worded = f"d'apparence valide, messagerie gratuite (\u00d7{FR.number(factor, 2)})"
    assert worded in fr and "," in FR.number(factor, 2)
    assert f"(x{factor:.2f})" not in fr and "(certains passages en anglais)" not in fr
    assert _norm(word_fr(it, FR) or "?") in fr


def test_a_run_recorded_with_the_factors_in_text_is_worded_alike(tmp_path: Path) -> None:
    """Runs recorded before the factors were data hold `ok/freemail (x2.02)`: that frozen form
    is read once, into the same data, so their reports say the same."""
    _, it = _age_trend(_evidence(*CASES["age-trend"]))
    recorded = it | {"strata": [f"{e['stratum']} (x{e['factor']:.2f})" for e in it["strata"]]}
    for lang in ("fr", "en"):
        cat = Catalogue(lang)
        fmt = number_format(lang)
        assert cat.evidence(recorded, fmt) == cat.evidence(it, fmt)
    assert "messagerie gratuite (\u00d7" in (Catalogue("fr").evidence(recorded, FR) or "")


def test_a_stratum_entry_the_report_cannot_read_keeps_the_english(tmp_path: Path) -> None:
    ev = _evidence(*CASES["age-trend"])
    english, it = _age_trend(ev)
    i = ev["limit_items"].index(it)
    ev["limit_items"][i] = it | {"strata": ["ok/freemail [factor 2.02]"]}
    fr = _report_text(_store_run(tmp_path, ev), "fr")
    assert _norm(english) in fr and "(certains passages en anglais)" in fr


@pytest.mark.parametrize("case", ["near-cutoff", "age-trend", "assumed"])
def test_every_sensitivity_variant_has_a_french_label(case: str) -> None:
    """A variant without a French label would stay English in the French report's table."""
    names = [r["variant"] for r in _evidence(*CASES[case])["sensitivity"]]
    if case == "near-cutoff":  # both readings, and the near one under other curvatures
        assert sum("curvature" in n for n in names) == 2
    fr = Catalogue("fr")
    assert len(names) >= 7 and [n for n in names if fr.variant(n) == n] == []


def _stratum_cell(db: Path, lang: str, code: str) -> str:
    with open_store(db, read_only=True) as store:
        page = render_compare(store, 1, lang=lang)
    row = re.search(rf'<tr data-stratum="{re.escape(code)}">(.*?)</tr>', page)
    assert row, code
    last = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))[-1]
    return html.unescape(re.sub(r"<[^>]+>", "", last))


def test_a_stratum_without_baseline_shows_no_independent_rate(tmp_path: Path) -> None:
    """A kind of address with no baseline address (weighed as anywhere from none to all) has
    no independent rate: the JSON held 0.5, the Jeffreys estimate of 0 in 0, and the report
    showed it as a measured 50.000%. A stratum left out of the LR says so."""
    ev = _evidence(*CASES["role-without-baseline"])
    role = ev["signals"]["stratified_overlap"]["strata"][0]
    assert (role["stratum"], role["baseline_addresses"], role["weighed"]) == (
        "ok/role/alone", 0, True)
    assert role["independent_rate"] is None
    (tmp_path / "new").mkdir()
    db = _store_run(tmp_path / "new", ev)
    assert _stratum_cell(db, "en", "ok/role/alone") == "no baseline: 0 to 100%"
    assert _stratum_cell(db, "fr", "ok/role/alone") == "sans référence\u00a0: de 0 à 100\u202f%"
    # a run recorded with the placeholder reads the same
    role["independent_rate"] = 0.5
    (tmp_path / "old").mkdir()
    assert _stratum_cell(_store_run(tmp_path / "old", ev), "en", "ok/role/alone") == (
        "no baseline: 0 to 100%")
    # measured but left out of the LR (no baseline source: valid addresses not weighed)
    ev = _evidence(*CASES["assumed"])
    role = ev["signals"]["stratified_overlap"]["strata"][0]
    assert not role["weighed"] and role["baseline_addresses"] > 0
    (tmp_path / "assumed").mkdir()
    cell = _stratum_cell(_store_run(tmp_path / "assumed", ev), "en", "ok/role/alone")
    assert cell == f"{100 * role['independent_rate']:.3f}% (not weighed)"
