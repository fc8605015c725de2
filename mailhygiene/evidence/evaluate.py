"""Evidence for "B derives from A's base" against "B was collected independently" (issue 8).

`evaluate(store, a, b, opts)` reads the store; `weigh(data, opts)` is the pure part (the
benchmark calls it on counts built in memory). The result never says that B was copied, nor
gives a probability of copying: it states how much more probable the findings are under one
proposition than under the other (ENFSI 2015)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from mailhygiene.evidence.data import EvidenceData, load_counts
from mailhygiene.evidence.dates import LABELS
from mailhygiene.evidence.model import (
    COMMON_SIGMA,
    CURVATURE_SIGMA,
    CURVATURE_VARIANTS,
    DRIFT,
    DRIFT_SIGMA,
    MIN_BASELINE,
    AuxResult,
    BaselineGrid,
    CopiedEstimate,
    NearGrowth,
    StratumCounts,
    baseline_grid,
    baseline_rates,
    combine,
    copied_estimate,
    copied_trend_factor,
    count_model,
    likelihood_table,
    near_strata,
    order_lr,
    point_grid,
    raw_form_lr,
    trend_rates,
    with_trend,
)
from mailhygiene.evidence.stats import FloatArray, enfsi_words, kendall_tau
from mailhygiene.evidence.strata import ASSUMED_BOUNDS
from mailhygiene.evidence.wording import Item, en_text, en_texts, item, stratum_factor
from mailhygiene.store import Store

MAX_LOG10_LR = 6.0  # DESIGN.md: 10^6 at most
ASSUMED_MAX_LOG10_LR = 3.0  # without a baseline source the stated bounds carry less weight

PROP_D = "B derives from A's base"
PROP_I = "B was collected independently of A's base"


@dataclass(frozen=True, slots=True)
class EvidenceOptions:
    """date_column/cutoff: A's date-added column and the date B's author left (A's later
    additions cannot have been copied: they give the baseline). reference_base_id: a stored
    independent collection R (B's rate on R minus A gives the baseline when no cut-off is
    given). a_bounce_keys: dedup keys A's bounce history shows hard-bounced;
    use_bounces_table: also read hard bounces from the store's `bounces` table."""

    date_column: str | None = None
    cutoff: date | None = None
    reference_base_id: int | None = None
    a_bounce_keys: tuple[str, ...] = ()
    use_bounces_table: bool = True
    max_log10_lr: float = MAX_LOG10_LR
    seed: int = 0


@dataclass(frozen=True, slots=True)
class EvidenceResult:
    log10_lr: float
    verbal: str
    copied_estimate: int | None
    copied_ci95: tuple[int, int] | None  # None with copied_estimate (no baseline)
    baseline: dict[str, Any]
    signals: dict[str, dict[str, Any]]
    sensitivity: list[dict[str, Any]]
    limit_items: list[Item] = field(default_factory=list)
    strengthen_items: list[Item] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    dates: dict[str, Any] | None = None  # how A's date column was read (None: no column)

    @property
    def limits(self) -> list[str]:
        return en_texts(self.limit_items)

    @property
    def strengthen(self) -> list[str]:
        return en_texts(self.strengthen_items)

    def to_json(self) -> dict[str, Any]:
        """{"evidence": {...}}: merge into the compare report as is."""
        return {"evidence": {
            "log10_lr": round(self.log10_lr, 2),
            "lr": _lr_text(self.log10_lr),
            "verbal": self.verbal,
            "propositions": {"hd": PROP_D, "hi": PROP_I},
            "copied_estimate": self.copied_estimate,
            "copied_ci95": None if self.copied_ci95 is None else list(self.copied_ci95),
            "baseline": self.baseline,
            "signals": self.signals,
            "sensitivity": self.sensitivity,
            "counts": self.counts,
            "dates": self.dates,
            "limits": self.limits,
            "strengthen": self.strengthen,
            # the same sentences as codes and parameters (evidence.wording), for translation
            "limit_items": self.limit_items,
            "strengthen_items": self.strengthen_items,
        }}


def _lr_text(log10_lr: float) -> str:
    lr = 10.0 ** log10_lr
    return f"{lr:.3g}" if lr >= 0.01 else f"1/{1 / lr:.3g}"


def verbal(log10_lr: float) -> str:
    """ENFSI wording for the proposition the findings favour; never a probability of copying."""
    words = enfsi_words(log10_lr)
    if words == "no support":
        return ("The findings are about as probable whether B derives from A's base or was "
                "collected independently: they support neither proposition.")
    if log10_lr > 0:
        return (f"The findings provide {words} for the proposition that B derives from A's base "
                "rather than independent collection.")
    return (f"The findings provide {words} for the proposition that B was collected "
            "independently rather than derived from A's base.")


def evaluate(store: Store, a_base_id: int, b_base_id: int,
             opts: EvidenceOptions | None = None) -> EvidenceResult:
    """The `evidence` section of `compare A B`."""
    o = opts or EvidenceOptions()
    data = load_counts(store, a_base_id, b_base_id, date_column=o.date_column, cutoff=o.cutoff,
                       reference_base_id=o.reference_base_id,
                       a_bounce_keys=list(o.a_bounce_keys),
                       use_bounces_table=o.use_bounces_table, seed=o.seed)
    return weigh(data, o)


def _aux(data: EvidenceData) -> tuple[AuxResult, AuxResult]:
    u, t, u0, t0 = data.raw
    raw = raw_form_lr(u, t, u0, t0)
    if data.sorted_files:
        order = AuxResult(0.0, False, {"shared": len(data.order_pre[0])},
                          item("note.order_sorted", files=list(data.sorted_files)))
    else:
        ar, br = data.order_pre
        pa, pb = data.order_post
        tau = kendall_tau(ar, br) if len(ar) >= 2 else 0.0
        tau0 = kendall_tau(pa, pb) if len(pa) >= 2 else None
        order = order_lr(tau, len(ar), tau0, len(pa))
    return raw, order


def _counts_lr(strata: list[StratumCounts], **kw: Any) -> float:
    return count_model(strata, **kw).log10_lr


def weigh(data: EvidenceData, opts: EvidenceOptions | None = None, *,
          sensitivity: bool = True) -> EvidenceResult:
    """Pure: the LR, its wording, the copied count and the sensitivity table from counts."""
    o = opts or EvidenceOptions()
    assumed = data.baseline_source == "assumed"
    # A reference collection's addresses outside A can be found more or less often than A's
    # own, depending on how each collection was made (bench/provenance measured both ways):
    # its LR is capped as the stated bounds' is, and no copied count is given.
    reference = data.baseline_source == "reference"
    cap = min(o.max_log10_lr, ASSUMED_MAX_LOG10_LR) if assumed or reference \
        else o.max_log10_lr
    strata = data.strata
    # Each stratum's baseline scaled by the age trend of A's earlier additions (1 when there
    # is none, or no dates): the main evaluation, the copied count and every variant below
    # but the one that shows the LR without it.
    plain_grid = baseline_grid(strata)
    spread_grid = baseline_grid(strata, trend_spread=True)
    grid = with_trend(spread_grid, strata)
    trended = any(s.trend > 1.0 and s.m > 0 for s in strata)
    # The likelihood table covers the weighed strata only (bulk imports are counted, not
    # weighed); every LR below is computed from it.
    lr_strata = [s for s in strata if s.in_lr and s.n > 0]
    lr_idx = [i for i, s in enumerate(strata) if s.in_lr and s.n > 0]
    lr_grid = grid.take(lr_idx)
    table_ = likelihood_table(lr_strata, lr_grid)
    ll = table_.loglik()
    plain_point = baseline_rates(strata, "point")
    p_point = trend_rates(plain_point, strata)
    fit = count_model(lr_strata, table=table_, loglik=ll)
    raw, order = _aux(data)
    all_total = combine(fit.log10_lr, (raw, order), cap)
    # The reading above extends the age trend among A's earlier additions across the
    # cut-off, which the data cannot check; the near-cut-off reading assumes only that
    # visibility changes smoothly there. The headline is the smaller: the one that favours
    # the accused (a false "derived" is the worst error this report can make).
    near = _near_reading(data, raw, order, cap) if not assumed and not reference else None
    total = all_total if near is None else min(all_total, near.total)

    # Without a baseline the independent rate of valid addresses is unknown, so how many of
    # the shared valid addresses were copied is not identified: anywhere from none to all.
    # Neither a point estimate nor a 95% interval exists (a lower end would only restate the
    # flat prior put on those strata), so both are left out rather than one of them.
    copied: int | None = None
    ci: tuple[int, int] | None = None
    if not assumed and not reference:
        copied, ci = _copied(strata, plain_grid, spread_grid, plain_point)
        if near is not None:
            # the interval spans both readings; the estimate follows the headline's
            ci = (min(ci[0], int(near.copied.ci95[0])), max(ci[1], int(near.copied.ci95[1])))
            if near.total < all_total:
                copied = min(max(int(near.copied.estimate), ci[0]), ci[1])
        # A's addresses without a readable date that B holds are in no stratum: any of them
        # may have been copied, so the interval's upper end takes them all (limit.undated).
        ci = (ci[0], ci[1] + data.undated_in_b)

    valid_only = [replace(s, in_lr=not s.invalid) for s in lr_strata]
    errors_only = [replace(s, in_lr=s.invalid) for s in lr_strata]
    signals: dict[str, dict[str, Any]] = {
        "stratified_overlap": {
            "log10_lr": round(_counts_lr(valid_only, table=table_, loglik=ll), 2),
            "strata": [_stratum_json(s, float(p)) for s, p in zip(strata, p_point, strict=True)
                       if not s.invalid],
            **_assumptions(item("assumption.overlap_independent", common_sigma=COMMON_SIGMA,
                                stratum_sigma=DRIFT_SIGMA),
                           item("assumption.overlap_derived")),
        },
        "shared_errors": {
            "log10_lr": round(_counts_lr(errors_only, table=table_, loglik=ll), 2),
            "strata": [_stratum_json(s, float(p)) for s, p in zip(strata, p_point, strict=True)
                       if s.invalid],
            **_assumptions(item("assumption.shared_errors")),
        },
        "raw_form": {"log10_lr": round(raw.log10_lr, 2), "included": raw.included,
                     "counts": raw.counts, "note": raw.note,
                     **_assumptions(item("assumption.raw_form")),
                     "note_item": raw.note_item},
        "order": {"log10_lr": round(order.log10_lr, 3), "included": order.included,
                  "counts": order.counts, "note": order.note,
                  **_assumptions(item("assumption.order")),
                  "note_item": order.note_item},
        "combination": {
            "method": en_text(method := item("combination.method")),
            "counts_log10_lr": round(fit.log10_lr, 2),
            # the two readings the headline is the smaller of (None: no cut-off baseline)
            "all_additions_log10_lr": round(all_total, 2),
            "near_cutoff_log10_lr": None if near is None else round(near.total, 2),
            "cap": cap,
            "method_item": method,
        },
    }

    def row(name: str, value: float) -> dict[str, Any]:
        v = float(max(-cap, min(cap, value)))
        return {"variant": name, "log10_lr": round(v, 2), "verbal": enfsi_words(v)}

    aux_total = combine(0.0, (raw, order), cap)
    table: list[dict[str, Any]] = []
    if sensitivity:
        no_role = [replace(s, in_lr=not s.role) for s in lr_strata]
        upper = point_grid(trend_rates(baseline_rates(lr_strata, "upper"), lr_strata))
        table = [
            row("main (baseline integrated over its uncertainty)", total),
        ]
        if near is not None:
            table += [row("all earlier additions, age trend extended across the cut-off",
                          all_total),
                      row("additions just before the cut-off only", near.total)]
            # the curvature allowed between the two sides' gradients is an assumption
            g = data.near_growth
            assert g is not None
            for sd in CURVATURE_VARIANTS:
                alt = _near_reading(replace(data, near_growth=g.with_curvature(sd)), raw,
                                    order, cap)
                if alt is not None:
                    table.append(row(near_curvature_variant(sd), alt.total))
        table += [
            # a point rate and no drift allowance: the label says both (read alone, it looked
            # like "even the point estimate" for independent B's scoring 6 on this row only)
            row("point baseline, no uncertainty or drift", _counts_lr(
                lr_strata, table=likelihood_table(lr_strata, point_grid(p_point[lr_idx]),
                                                  common_sigma=0.0)) + aux_total),
            row("upper baseline (Jeffreys 95% x 1.2)",
                _counts_lr(lr_strata, table=likelihood_table(lr_strata, upper,
                                                             common_sigma=0.0))
                + aux_total),
            row("without role addresses", _counts_lr(no_role, table=table_, loglik=ll) + aux_total),
            row("invalid retention 0", aux_total + _counts_lr(
                lr_strata, table=table_, loglik=ll, fixed_rho={"invalid": 0.0})),
            row("invalid retention 1", aux_total + _counts_lr(
                lr_strata, table=table_, loglik=ll, fixed_rho={"invalid": 1.0})),
            row("counts only", fit.log10_lr),
        ]
        if trended:
            plain = plain_grid.take(lr_idx)
            table.append(row("without the age-trend correction", _counts_lr(
                lr_strata, table=likelihood_table(lr_strata, plain)) + aux_total))
    limits, strengthen = _limits(data, assumed)
    limits += _baseline_limits(data, o)
    g = data.near_growth
    if near is not None and g is not None and near.total < all_total - 0.5:
        limits.append(item(
            "limit.near_cutoff", near=g.near, post=g.post, factor=round(g.factor, 2),
            spread=round(math.exp(2.0 * near.sigma), 1), near_lr=round(near.total, 2),
            all_lr=round(all_total, 2)))
    baseline = _baseline_json(data, o)
    counts = {"a_unique": data.a_unique, "b_unique": data.b_unique, "shared": data.shared,
              "a_before_cutoff": data.a_pre, "a_after_cutoff": data.a_post,
              "a_undated": data.a_undated, "a_generic": data.a_generic}
    return EvidenceResult(total, verbal(total), copied, ci, baseline, signals, table,
                          limits, strengthen, counts, _dates_json(data, o))


def near_curvature_variant(sd: float) -> str:
    """The sensitivity row of the near-cut-off reading under another curvature prior."""
    return (f"additions just before the cut-off only, curvature sd {sd:g} "
            f"(main: {CURVATURE_SIGMA:g})")


@dataclass(frozen=True, slots=True)
class _NearReading:
    count_lr: float
    total: float  # with the raw-form and order signals, capped
    copied: CopiedEstimate  # scaled from the near windows to all of A's earlier additions
    sigma: float  # log-sd of the growth's common factor (with the usual common drift)


def _near_reading(data: EvidenceData, raw: AuxResult, order: AuxResult,
                  cap: float) -> _NearReading | None:
    """The LR and copied count on A's additions just before the cut-off, as many as came after
    it, against the baseline raised by the growth the gradients on both sides of the cut-off
    show over the distance between the two windows (`model.near_growth`), its uncertainty
    integrated as a drift common to all strata. It needs no age trend across the cut-off,
    only visibility changing smoothly there: a copy at the cut-off shows as a jump between
    the windows, visibility growing with age as gradients within them. Measured on in-memory
    pairs (README, "Near-cut-off reading"): independent crawls whose visibility rises during
    an address's first year or two, or grows log-linearly with a cut-off near either end of
    A's dates, scored up to 10^6 on the reading of all earlier additions, at most 0.27 on
    this one."""
    g = data.near_growth
    if data.baseline_source != "post_cutoff" or g is None:
        return None
    near = near_strata(data.strata, g)
    idx = [i for i, s in enumerate(near) if s.in_lr and s.n > 0]
    if not idx:
        return None
    sigma = math.hypot(COMMON_SIGMA, g.sigma)
    load = [sigma if s.m > 0 else COMMON_SIGMA for s in near]
    grid = with_trend(baseline_grid(near), near)
    weighed = [near[i] for i in idx]
    table = likelihood_table(weighed, grid.take(idx), loadings=[load[i] for i in idx])
    lr = count_model(weighed, table=table).log10_lr
    copied = copied_estimate(near, grid, loadings=load, whole=data.strata)
    return _NearReading(lr, combine(lr, (raw, order), cap), copied, sigma)


def _copied(strata: list[StratumCounts], plain: BaselineGrid, spread: BaselineGrid,
            point: FloatArray) -> tuple[int, tuple[int, int]]:
    """The copied count and its 95% interval. The estimate takes each stratum's age trend as
    the LR does (`StratumCounts.trend`). Where there is a trend, what made it is uncertain, so
    the interval spans the intervals under three readings: no trend correction (a copy of an
    older state of A, or of its older records only, also makes older addresses more often
    shared), the trend as the slices show it, and the trend fitted with the copied share taken
    out of every slice (`copied_trend_factor`: a copy at the cut-off flattens the trend the
    slices show). `plain` and `spread` are the baseline grids without and with the trend's
    wider drift, `point` the baseline's point rates (before any trend)."""
    low = [s.trend for s in strata]
    high = [max(copied_trend_factor(s, float(p)), t) for s, p, t in
            zip(strata, point, low, strict=True)]
    est: CopiedEstimate = copied_estimate(strata, with_trend(spread, strata, low))
    ends = [est, copied_estimate(strata, with_trend(spread, strata, high))]
    if any(t > 1.0 for t in low):
        ends.append(copied_estimate(strata, plain))
    lo = min(int(e.ci95[0]) for e in ends)
    hi = max(int(e.ci95[1]) for e in ends)
    return min(max(int(est.estimate), lo), hi), (lo, hi)


def _baseline_limits(data: EvidenceData, o: EvidenceOptions) -> list[Item]:
    """Why a baseline source that was given is not the one used, and A's addresses whose date
    cannot be read (left out of everything date-based)."""
    out: list[Item] = []
    if o.cutoff is not None and data.baseline_source != "post_cutoff":
        if data.a_post == 0:
            out.append(item("limit.no_post_cutoff", cutoff=str(o.cutoff)))
        else:
            out.append(item("limit.small_post_cutoff", cutoff=str(o.cutoff),
                            baseline=data.post_baseline, min_baseline=MIN_BASELINE))
    if data.reference_outside is not None and data.baseline_source == "assumed":
        out.append(item("limit.reference_too_small", outside_a=data.reference_outside,
                        reference_unique=data.reference_unique, min_baseline=MIN_BASELINE))
    if data.baseline_source == "post_cutoff":
        # The baseline, and so the direction from A to B, rests on A's dates: nothing here
        # can check them.
        out.append(item("limit.dates_as_given", column=o.date_column))
        corrected = [s for s in data.strata if s.age_factor > 1.05 and s.m > 0 and s.in_lr]
        if corrected:
            out.append(item("limit.age_trend", strata=[
                stratum_factor(s.name, s.age_factor) for s in corrected],
                max_factor=round(max(s.age_factor for s in corrected), 2)))
    g = data.post_gradient
    if data.baseline_source == "post_cutoff" and g is not None and g.factor > 1.05:
        out.append(item("limit.post_gradient", older=round(100 * g.older, 1),
                        newer=round(100 * g.newer, 1), ratio=round(g.ratio, 2),
                        factor=round(g.factor, 2)))
    if data.baseline_source == "reference":
        out.append(item("limit.reference_visibility"))
    if data.baseline_source != "assumed":
        alone = [s.name for s in data.strata
                 if not s.invalid and s.m == 0 and s.p_assumed is None and s.n > 0]
        if alone:
            out.append(item("limit.kind_without_baseline", strata=alone,
                            min_baseline=MIN_BASELINE))
    if data.a_undated and o.cutoff is not None:
        out.append(item("limit.undated", undated=data.a_undated, in_b=data.undated_in_b,
                        column=o.date_column))
    if data.a_generic:
        out.append(item("limit.generic", generic=data.a_generic))
    return out


def _dates_json(data: EvidenceData, o: EvidenceOptions) -> dict[str, Any] | None:
    """How A's date column was read (evidence.dates): the format, why, and its counts (of A's
    unique addresses, the unit of every other count)."""
    f = data.dates
    if f is None:
        return None
    tail: dict[str, Any] = {"column": o.date_column, "format": f.label, "read": f.read,
                            "addresses": f.values + f.empty, "unreadable": f.unreadable,
                            "empty": f.empty}
    mixed = ""
    if f.mixed:  # the year-first dates, then the year-last ones' format and its basis
        mixed = "mixed_"
        tail |= {"format": LABELS[f.order], "year_first": f.year_first}
    if f.basis == "conflicting":
        it = item(f"dates.{mixed}conflicting", day_first=f.day_first,
                  month_first=f.month_first, **tail)
    elif f.basis == "ambiguous":
        it = item(f"dates.{mixed}ambiguous", flips=f.flips, **tail)
    else:
        it = item(f"dates.{mixed}detected", **tail)
    return {"column": o.date_column, "format": f.label, "basis": f.basis,
            "addresses": f.values + f.empty, "read": f.read, "unreadable": f.unreadable,
            "empty": f.empty, "year_first": f.year_first, "day_first_only": f.day_first,
            "month_first_only": f.month_first, "either_way": f.either,
            "flips_if_other_order": f.flips, "description": en_text(it),
            "description_item": it}


def _stratum_json(s: StratumCounts, p: float) -> dict[str, Any]:
    # A stratum without any baseline address or stated bound has no independent rate (the
    # model takes it as anywhere from 0 to 1, or leaves it out): the Jeffreys point estimate
    # of 0 in 0, 0.5, is no finding, and the report showed it as a measured 50%.
    measured = s.m > 0 or s.p_assumed is not None
    return {"stratum": s.name, "a_addresses": s.n, "in_b": s.k,
            "rate": round(s.k / s.n, 5) if s.n else None,
            "baseline_addresses": s.m, "baseline_in_b": s.x,
            "independent_rate": round(p, 5) if measured else None,
            "age_trend": round(s.trend, 3), "weighed": s.in_lr}


def _assumptions(*items: Item) -> dict[str, Any]:
    return {"assumptions": en_texts(list(items)), "assumption_items": list(items)}


def _baseline_json(data: EvidenceData, o: EvidenceOptions) -> dict[str, Any]:
    src = data.baseline_source
    desc = {
        "post_cutoff": item("baseline.post_cutoff", a_post=data.a_post, cutoff=str(o.cutoff),
                            column=o.date_column),
        "reference": item("baseline.reference", reference_unique=data.reference_unique),
        "assumed": item("baseline.assumed", **ASSUMED_BOUNDS),
    }[src]
    unc = (item("uncertainty.integrated", common_sigma=COMMON_SIGMA,
                stratum_sigma=DRIFT_SIGMA, drift=DRIFT) if src != "assumed"
           else item("uncertainty.stated_bounds"))
    g = data.post_gradient
    n = data.near_growth
    return {"source": src, "description": en_text(desc), "uncertainty": en_text(unc),
            "drift_sigma_common": COMMON_SIGMA, "drift_sigma_stratum": DRIFT_SIGMA,
            "description_item": desc, "uncertainty_item": unc,
            # the gradient among A's later additions and the correction it calls for
            "post_gradient": None if g is None or src != "post_cutoff" else {
                "older_rate": round(g.older, 5), "newer_rate": round(g.newer, 5),
                "ratio": round(g.ratio, 3), "z": round(g.z, 2), "factor": round(g.factor, 3)},
            # the near-cut-off reading's window and growth (model.near_growth)
            "near_cutoff": None if n is None or src != "post_cutoff" else {
                "near_additions": n.near, "post_additions": n.post,
                "post_ratio": round(n.post_ratio, 3), "near_ratio": round(n.near_ratio, 3),
                "factor": round(n.factor, 3), "sigma_log": round(n.sigma, 3)}}


def _limits(data: EvidenceData, assumed: bool) -> tuple[list[Item], list[Item]]:
    """What the findings cannot tell apart, and what data would sharpen them (as items)."""
    limits = [item("limit.common_source")]
    if data.baseline_source != "post_cutoff":
        # Shared addresses, malformed ones too, are as probable whichever base copied the
        # other: only a baseline measured after A's cut-off date ties the findings to time.
        limits.append(item("limit.direction"))
    if data.bulk:
        limits.append(item("limit.bulk", dates=len(data.bulk),
                           rows=sum(b["rows"] for b in data.bulk),
                           in_b=sum(b["in_b"] for b in data.bulk)))
    if data.sorted_files:
        limits.append(item("limit.order_sorted", files=list(data.sorted_files)))
    strengthen: list[Item] = []
    if assumed:
        strengthen += [item("strengthen.date_cutoff"), item("strengthen.recrawl"),
                       item("strengthen.a_bounces")]
    elif data.baseline_source == "reference":
        strengthen.append(item("strengthen.own_baseline"))
    invalid = [s for s in data.strata if s.invalid and s.n > 0]
    if data.a_checked:
        # A's check found none of its addresses invalid: only bounces could still show some
        # (suggesting a check of A would contradict the report's "checked: yes").
        if not invalid and item("strengthen.a_bounces") not in strengthen:
            strengthen.append(item("strengthen.a_bounces"))
    else:
        # Unchecked, A shows at most its malformed strings: its dead domains and mailboxes
        # that never existed (errors a copy shares) need a check beyond syntax or bounces.
        # Counts built in memory (a_checked None) say only what their strata hold.
        known = invalid if data.a_checked is None else [
            s for s in invalid if not s.name.startswith("inv_syntax")]
        if not known:
            strengthen.append(item("strengthen.check_a"))
    return limits, strengthen


def weigh_arrays(strata: list[StratumCounts], raw: tuple[int, int, int, int],
                 order_pre: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
                 order_post: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
                 *, source: str = "post_cutoff", sorted_files: list[str] | None = None,
                 a_post: int = 0, sensitivity: bool = False,
                 near_growth: NearGrowth | None = None) -> EvidenceResult:
    """`weigh` on counts built in memory (the benchmark's replicate grid)."""
    shared = sum(s.k for s in strata)
    data = EvidenceData(strata=strata, baseline_source=source, raw=raw,
                        order_pre=(np.asarray(order_pre[0], float),
                                   np.asarray(order_pre[1], float)),
                        order_post=(np.asarray(order_post[0], float),
                                    np.asarray(order_post[1], float)),
                        sorted_files=sorted_files or [], a_unique=sum(s.n for s in strata),
                        b_unique=0, shared=shared, a_pre=sum(s.n for s in strata),
                        a_post=a_post, near_growth=near_growth)
    return weigh(data, sensitivity=sensitivity)
