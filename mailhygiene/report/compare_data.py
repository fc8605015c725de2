"""The provenance report's content, from a `compare` run's summary: `Comparison.to_json()`
with the `evidence` section of issue 8 when it was evaluated. Every section is optional."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from mailhygiene.evidence.stats import ENFSI_BANDS, enfsi_words
from mailhygiene.privacy import NO_DOMAIN, mask_text
from mailhygiene.report.fmt import NumberFormat, side_names
from mailhygiene.report.messages import Catalogue
from mailhygiene.report.svg import lr_chart, overlap_figure

_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074"
                                            "\u2075\u2076\u2077\u2078\u2079")
SIGNAL_ORDER = ("stratified_overlap", "shared_errors", "raw_form", "order")


@dataclass
class Signal:
    key: str
    label: str
    log10_lr: float | None
    cap: float
    included: bool
    counts: list[tuple[str, str]]
    note: str
    strata: list[dict[str, Any]]
    assumptions: list[str]


@dataclass
class CompareContent:
    sides: list[dict[str, Any]] = field(default_factory=list)
    overlap: dict[str, Any] = field(default_factory=dict)
    overlap_rows: list[dict[str, Any]] = field(default_factory=list)
    overlap_chart: Markup = field(default_factory=Markup)
    by_status: list[dict[str, Any]] = field(default_factory=list)
    by_domain: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[str, Any] | None = None
    signals: list[Signal] = field(default_factory=list)
    sensitivity: list[dict[str, Any]] = field(default_factory=list)
    lr_chart: Markup = field(default_factory=Markup)
    limits: list[str] = field(default_factory=list)
    strengthen: list[str] = field(default_factory=list)
    untranslated: bool = False  # some tool text kept in English (JSON without its items)
    key_id: str | None = None
    minhash: dict[str, Any] | None = None
    enfsi_scale: list[tuple[str, str]] = field(default_factory=list)


def _f(x: Any) -> float | None:
    try:
        return None if x is None else float(x)
    except (TypeError, ValueError):
        return None


def _i(x: Any) -> int:
    try:
        return int(x)
    except (TypeError, ValueError):
        return 0


def build(summary: dict[str, Any], cat: Catalogue, fmt: NumberFormat, *,
          show_addresses: bool) -> CompareContent:
    s = summary
    c = CompareContent()
    def text(v: Any) -> str:
        return str(v) if show_addresses else mask_text(str(v))

    for role, key in (("cmp_base_a", "a"), ("cmp_base_b", "b")):
        side = s.get(key) or {}
        c.sides.append({"role": cat.t(role), "key": key, "name": text(side.get("name", "")),
                        "base_id": side.get("base_id"), "rows": _i(side.get("rows")),
                        "unique": _i(side.get("unique")), "checked": side.get("checked")})
    a, b = c.sides
    a["name"], b["name"] = side_names(a["name"], a["base_id"], b["name"], b["base_id"])
    ov = s.get("overlap") or {}
    c.overlap = ov
    exact = _i(ov.get("exact"))
    a_u, b_u = c.sides[0]["unique"], c.sides[1]["unique"]
    c.overlap_chart = overlap_figure(
        max(0, a_u - exact), exact, max(0, b_u - exact),
        labels=(cat.t("cmp_only_a"), cat.t("cmp_both"), cat.t("cmp_only_b")),
        names=("A", "B"), fmt=fmt, title=cat.t("cmp_overlap"), colon=cat.t("colon"))

    def est(prefix: str, pct: bool) -> dict[str, Any]:
        v = _f(ov.get(prefix))
        se = _f(ov.get(prefix + "_stderr"))
        ci = ov.get(prefix + "_ci95") or [None, None]
        if v is None:
            return {"text": "\u2014", "value": None}
        if pct:
            t = fmt.percent_of(v, 2)
            if se is not None:
                t += f" \u00b1 {fmt.percent_of(se, 2)}"
            if ci[0] is not None:
                t += f" [{fmt.interval(ci[0], ci[1], 2)}]"
        else:
            t = fmt.number(v, 4)
            if se is not None:
                t += f" \u00b1 {fmt.number(se, 4)}"
            if ci[0] is not None:
                t += f" [{fmt.number(_f(ci[0]), 4)} \u2013 {fmt.number(_f(ci[1]), 4)}]"
        return {"text": t, "value": v}

    inter = _f(ov.get("minhash_intersection"))
    c.overlap_rows = [
        {"key": "exact", "label": cat.t("cmp_exact"), "value": exact,
         "text": fmt.integer(exact),
         "estimate": {"text": fmt.integer(round(inter)) if inter is not None else "\u2014",
                      "value": inter}},
        {"key": "containment_b_in_a", "label": cat.t("cmp_b_in_a"),
         "value": _f(ov.get("containment_b_in_a")),
         "text": fmt.percent_of(_f(ov.get("containment_b_in_a")), 2),
         "estimate": est("minhash_containment_b_in_a", True)},
        {"key": "containment_a_in_b", "label": cat.t("cmp_a_in_b"),
         "value": _f(ov.get("containment_a_in_b")),
         "text": fmt.percent_of(_f(ov.get("containment_a_in_b")), 2),
         "estimate": est("minhash_containment_a_in_b", True)},
        {"key": "jaccard", "label": cat.t("cmp_jaccard"), "value": _f(ov.get("jaccard")),
         "text": fmt.number(_f(ov.get("jaccard")), 4),
         "estimate": _jaccard_estimate(ov, fmt)},
    ]
    for row in s.get("by_status") or []:
        c.by_status.append({"status": cat.label(row.get("status", "")),
                            "a_unique": _i(row.get("a_unique")), "in_b": _i(row.get("in_b")),
                            "share": _f(row.get("share_in_b"))})
    for row in s.get("by_domain") or []:
        domain = str(row.get("domain", ""))
        c.by_domain.append({"domain": cat.t("cmp_no_domain") if domain == NO_DOMAIN
                            else text(domain),
                            "overlap": _i(row.get("overlap")),
                            "a_unique": _i(row.get("a_unique")),
                            "b_unique": _i(row.get("b_unique"))})
    mh = s.get("minhash")
    c.minhash = mh if isinstance(mh, dict) else None
    c.key_id = None if c.minhash is None else c.minhash.get("key_id")
    ev = s.get("evidence")
    if isinstance(ev, dict) and ev.get("log10_lr") is not None:
        _evidence(c, ev, cat, fmt, text)
    return c


def _jaccard_estimate(ov: dict[str, Any], fmt: NumberFormat) -> dict[str, Any]:
    j = _f(ov.get("minhash_jaccard"))
    if j is None:
        return {"text": "\u2014", "value": None}
    t = fmt.number(j, 4)
    se = _f(ov.get("minhash_stderr"))
    if se is not None:
        t += f" \u00b1 {fmt.number(se, 4)}"
    ci = ov.get("minhash_jaccard_ci95") or [None, None]
    if ci[0] is not None:
        t += f" [{fmt.number(_f(ci[0]), 4)} \u2013 {fmt.number(_f(ci[1]), 4)}]"
    return {"text": t, "value": j}


@dataclass
class _Wording:
    """The evidence's sentences in the report's language: each item (`evidence.wording`)
    worded by the catalogue, else (English report, JSON older than the codes, a code this
    catalogue does not know) the English text as stored. `kept` lists the English texts a
    non-English report had to keep, so the report can say so."""

    cat: Catalogue
    fmt: NumberFormat
    text: Callable[[Any], str]
    kept: list[str] = field(default_factory=list)

    def one(self, english: Any, item: Any) -> str:
        worded = self.cat.evidence(item, self.fmt)
        if worded is None and english and self.cat.lang != "en":
            self.kept.append(str(english))
        return self.text((english or "") if worded is None else worded)

    def all(self, texts: Any, items: Any) -> list[str]:
        # Paired by position: a text without its item (e.g. added by hand) is kept as is.
        its = items if isinstance(items, list) else []
        return [self.one(x, its[i] if i < len(its) else None)
                for i, x in enumerate(texts if isinstance(texts, list) else [])]


def _evidence(c: CompareContent, ev: dict[str, Any], cat: Catalogue, fmt: NumberFormat,
              text: Callable[[Any], str]) -> None:
    log10_lr = float(ev["log10_lr"])
    words = enfsi_words(log10_lr)
    cap = _f((ev.get("signals") or {}).get("combination", {}).get("cap")) or 6.0
    verbal = (text(ev["verbal"]) if cat.lang == "en" and ev.get("verbal")
              else cat.verbal(log10_lr, words))
    ci = ev.get("copied_ci95") or [None, None]
    baseline = ev.get("baseline") or {}
    dates = ev.get("dates") or {}  # how A's date column was read (absent before it existed)
    combination = (ev.get("signals") or {}).get("combination") or {}
    w = _Wording(cat, fmt, text)
    c.evidence = {
        "log10_lr": log10_lr, "lr": lr_text(log10_lr, fmt),
        "words": cat.enfsi(words), "verbal": verbal, "cap": cap,
        "cap_text": "10" + str(round(cap)).translate(_SUPERSCRIPT),
        "copied": ev.get("copied_estimate"), "copied_lo": ci[0], "copied_hi": ci[1],
        "baseline_source": text(cat.baseline_source(str(baseline.get("source", "")))),
        "baseline_description": w.one(baseline.get("description"),
                                      baseline.get("description_item")),
        "baseline_uncertainty": w.one(baseline.get("uncertainty"),
                                      baseline.get("uncertainty_item")),
        "dates": w.one(dates.get("description"), dates.get("description_item")),
        "combination": w.one(combination.get("method"), combination.get("method_item")),
        "counts_log10_lr": _f(combination.get("counts_log10_lr")),
        "counts": {str(k): v for k, v in (ev.get("counts") or {}).items()},
    }
    signals = ev.get("signals") or {}
    names = [k for k in SIGNAL_ORDER if k in signals] + sorted(
        k for k in signals if k not in SIGNAL_ORDER and k != "combination")
    for name in names:
        sig = signals[name]
        if not isinstance(sig, dict):
            continue
        counts = [(cat.count_name(str(k)), _count_text(v, fmt))
                  for k, v in (sig.get("counts") or {}).items()]
        c.signals.append(Signal(
            key=name, label=cat.t("sig_" + name) if "sig_" + name in cat.messages else name,
            log10_lr=_f(sig.get("log10_lr")), cap=cap,
            included=bool(sig.get("included", True)),
            counts=counts, note=w.one(sig.get("note"), sig.get("note_item")),
            strata=[_stratum(r, cat) for r in sig.get("strata") or []],
            assumptions=w.all(sig.get("assumptions"), sig.get("assumption_items"))))
    for row in ev.get("sensitivity") or []:
        v = _f(row.get("log10_lr")) or 0.0
        c.sensitivity.append({"variant": cat.variant(str(row.get("variant", ""))),
                              "log10_lr": v, "words": cat.enfsi(enfsi_words(v))})
    c.lr_chart = lr_chart(
        [(r["variant"], r["log10_lr"]) for r in c.sensitivity]
        or [(cat.t("cmp_log10_lr"), log10_lr)],
        cap=cap, fmt=fmt, title=cat.t("cmp_sensitivity"), axis_label=cat.t("cmp_log10_lr"))
    c.enfsi_scale = _enfsi_scale(cat, fmt)
    c.limits = w.all(ev.get("limits"), ev.get("limit_items"))
    c.strengthen = w.all(ev.get("strengthen"), ev.get("strengthen_items"))
    c.untranslated = bool(w.kept)


def _enfsi_scale(cat: Catalogue, fmt: NumberFormat) -> list[tuple[str, str]]:
    """(LR range, words) rows of the ENFSI verbal scale, from the bands the evaluation uses."""
    rows = []
    upper: float | None = None
    for bound, words in ENFSI_BANDS:
        hi = "" if upper is None else f" \u2013 {fmt.integer(upper)}"
        lo = fmt.integer(bound) if bound >= 10 else fmt.number(bound, 0)
        rows.append((f"{lo}{hi}" if hi else f"\u2265 {lo}", cat.enfsi(words)))
        upper = bound
    rows.append((f"1 \u2013 {fmt.number(ENFSI_BANDS[-1][0], 0)}", cat.enfsi("no support")))
    return rows


def lr_text(log10_lr: float, fmt: NumberFormat) -> str:
    """The likelihood ratio written out: `1 000 000`, `316`, `4.27`, `1/250` (a ratio below one
    is shown as its inverse fraction, the form experts read aloud)."""
    if log10_lr < 0:
        return "1/" + lr_text(-log10_lr, fmt)
    lr = 10.0 ** log10_lr
    if lr >= 100:
        return fmt.integer(round(lr, -math.floor(log10_lr) + 2))
    return fmt.number(lr, 2 if lr < 10 else 1)


def _stratum(r: dict[str, Any], cat: Catalogue) -> dict[str, Any]:
    code = str(r.get("stratum", ""))
    weighed = bool(r.get("weighed", True))
    rate = _f(r.get("independent_rate"))
    if rate == 0.5 and not _i(r.get("baseline_addresses")):
        rate = None  # recorded before it was null: the Jeffreys estimate of 0 in 0, no rate
    return {"stratum": cat.stratum(code), "code": code, "a_addresses": _i(r.get("a_addresses")),
            "in_b": _i(r.get("in_b")), "rate": _f(r.get("rate")),
            "baseline_addresses": _i(r.get("baseline_addresses")),
            "baseline_in_b": _i(r.get("baseline_in_b")),
            "independent_rate": rate, "weighed": weighed}


def _count_text(v: Any, fmt: NumberFormat) -> str:
    if isinstance(v, bool) or v is None:
        return str(v).lower() if v is not None else "\u2014"
    if isinstance(v, int):
        return fmt.integer(v)
    if isinstance(v, float):
        return fmt.number(v, 4)
    return str(v)
