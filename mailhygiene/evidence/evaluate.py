"""Evidence for "B derives from A's base" against "B was collected independently" (issue 8).

`evaluate(store, a, b, opts)` reads the store; `weigh(data, opts)` is the pure part (the
benchmark calls it on counts built in memory). The result never says that B was copied, nor
gives a probability of copying: it states how much more probable the findings are under one
proposition than under the other (ENFSI 2015)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from mailhygiene.evidence.data import EvidenceData, load_counts
from mailhygiene.evidence.model import (
    COMMON_SIGMA,
    DRIFT,
    DRIFT_SIGMA,
    AuxResult,
    BaselineGrid,
    CopiedEstimate,
    StratumCounts,
    baseline_grid,
    baseline_rates,
    combine,
    copied_estimate,
    count_model,
    likelihood_table,
    order_lr,
    point_grid,
    raw_form_lr,
)
from mailhygiene.evidence.stats import enfsi_words, kendall_tau
from mailhygiene.evidence.strata import ASSUMED_BOUNDS
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
    copied_ci95: tuple[int, int]
    baseline: dict[str, Any]
    signals: dict[str, dict[str, Any]]
    sensitivity: list[dict[str, Any]]
    limits: list[str] = field(default_factory=list)
    strengthen: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """{"evidence": {...}}: merge into the compare report as is."""
        return {"evidence": {
            "log10_lr": round(self.log10_lr, 2),
            "lr": _lr_text(self.log10_lr),
            "verbal": self.verbal,
            "propositions": {"hd": PROP_D, "hi": PROP_I},
            "copied_estimate": self.copied_estimate,
            "copied_ci95": list(self.copied_ci95),
            "baseline": self.baseline,
            "signals": self.signals,
            "sensitivity": self.sensitivity,
            "counts": self.counts,
            "limits": self.limits,
            "strengthen": self.strengthen,
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
                          f"skipped: {' and '.join(data.sorted_files)} sorted on the address "
                          "or domain")
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
    cap = min(o.max_log10_lr, ASSUMED_MAX_LOG10_LR) if assumed else o.max_log10_lr
    strata = data.strata
    grid = baseline_grid(strata)
    # The likelihood table covers the weighed strata only (bulk imports are counted, not
    # weighed); every LR below is computed from it.
    lr_strata = [s for s in strata if s.in_lr and s.n > 0]
    lr_idx = [i for i, s in enumerate(strata) if s.in_lr and s.n > 0]
    lr_grid = BaselineGrid(grid.p[lr_idx], grid.w[lr_idx])
    table_ = likelihood_table(lr_strata, lr_grid)
    ll = table_.loglik()
    p_point = baseline_rates(strata, "point")
    fit = count_model(lr_strata, table=table_, loglik=ll)
    raw, order = _aux(data)
    total = combine(fit.log10_lr, (raw, order), cap)

    est: CopiedEstimate = copied_estimate(strata, grid)
    copied: int | None = int(est.estimate)
    ci = (int(est.ci95[0]), int(est.ci95[1]))
    if assumed:
        # Valid addresses are not weighed without a baseline: only a lower end is known.
        copied = None
        ci = (ci[0], int(sum(s.k for s in strata)))

    valid_only = [replace(s, in_lr=not s.invalid) for s in lr_strata]
    errors_only = [replace(s, in_lr=s.invalid) for s in lr_strata]
    signals: dict[str, dict[str, Any]] = {
        "stratified_overlap": {
            "log10_lr": round(_counts_lr(valid_only, table=table_, loglik=ll), 2),
            "strata": [_stratum_json(s, float(p)) for s, p in zip(strata, p_point, strict=True)
                       if not s.invalid],
            "assumptions": [
                "Under independence an address of A is in B at its stratum's independent "
                "rate, measured on the baseline: integrated over its Jeffreys posterior and "
                f"log-normal drift factors between the baseline's addresses and A's earlier "
                f"ones (sd {COMMON_SIGMA} common to all strata, {DRIFT_SIGMA} per stratum); "
                "the upper-bound variant is in the sensitivity table.",
                "Under derivation a fraction f of A (log-uniform prior, 1e-4 to 1) was taken "
                "and each group (public-looking, personal, invalid) kept a share rho.",
            ],
        },
        "shared_errors": {
            "log10_lr": round(_counts_lr(errors_only, table=table_, loglik=ll), 2),
            "strata": [_stratum_json(s, float(p)) for s, p in zip(strata, p_point, strict=True)
                       if s.invalid],
            "assumptions": [
                "An independent collector finds A's invalid addresses (malformed, dead "
                "domains, unknown or hard-bounced mailboxes) only at the rate measured on the "
                "baseline; a mailbox that never existed is not published on the web.",
            ],
        },
        "raw_form": {"log10_lr": round(raw.log10_lr, 2), "included": raw.included,
                     "counts": raw.counts, "note": raw.note,
                     "assumptions": ["Shared addresses spelled unusually in A (case, spaces, "
                                     "encoding) keep that spelling in B no more often than "
                                     "on the baseline's shared addresses; contribution capped "
                                     "at log10 LR 1."]},
        "order": {"log10_lr": round(order.log10_lr, 3), "included": order.included,
                  "counts": order.counts, "note": order.note,
                  "assumptions": ["Kendall tau of shared records' positions in A and B is "
                                  "compared with the tau of shared records A added after the "
                                  "cut-off; contribution capped at log10 LR 1."]},
        "combination": {
            "method": "Stratified overlap and shared errors are one joint binomial model over "
                      "disjoint strata with one copied fraction f (their per-signal LRs above "
                      "are shown for reading and are not multiplied). Raw form and order use "
                      "the spellings and positions of the shared records, not their number, "
                      "and each adds at most log10 LR 1.",
            "counts_log10_lr": round(fit.log10_lr, 2),
            "cap": cap,
        },
    }

    def row(name: str, value: float) -> dict[str, Any]:
        v = float(max(-cap, min(cap, value)))
        return {"variant": name, "log10_lr": round(v, 2), "verbal": enfsi_words(v)}

    aux_total = combine(0.0, (raw, order), cap)
    table: list[dict[str, Any]] = []
    if sensitivity:
        no_role = [replace(s, in_lr=not s.role) for s in lr_strata]
        upper = point_grid(baseline_rates(lr_strata, "upper"))
        table = [
            row("main (baseline integrated over its uncertainty)", total),
            row("point baseline", _counts_lr(lr_strata, table=likelihood_table(
                lr_strata, point_grid(p_point[lr_idx]), common_sigma=0.0)) + aux_total),
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
    limits, strengthen = _limits(data, assumed)
    if o.cutoff is not None and data.a_post == 0:
        limits.append(f"No address of A was added after {o.cutoff}: the cut-off gives no "
                      "baseline.")
    baseline = _baseline_json(data, o)
    counts = {"a_unique": data.a_unique, "b_unique": data.b_unique, "shared": data.shared,
              "a_before_cutoff": data.a_pre, "a_after_cutoff": data.a_post}
    return EvidenceResult(total, verbal(total), copied, ci, baseline, signals, table,
                          limits, strengthen, counts)


def _stratum_json(s: StratumCounts, p: float) -> dict[str, Any]:
    return {"stratum": s.name, "a_addresses": s.n, "in_b": s.k,
            "rate": round(s.k / s.n, 5) if s.n else None,
            "baseline_addresses": s.m, "baseline_in_b": s.x,
            "independent_rate": round(p, 5), "weighed": s.in_lr}


def _baseline_json(data: EvidenceData, o: EvidenceOptions) -> dict[str, Any]:
    src = data.baseline_source
    desc = {
        "post_cutoff": f"A's {data.a_post} addresses added after {o.cutoff} "
                       f"(column {o.date_column!r}): copying at the cut-off cannot reach them",
        "reference": f"B's overlap with the reference collection minus A "
                     f"({data.reference_unique} addresses in the reference)",
        "assumed": "no baseline source: stated upper bounds on how often an independent "
                   f"collector finds invalid addresses {ASSUMED_BOUNDS}; valid addresses "
                   "not weighed",
    }[src]
    return {"source": src, "description": desc,
            "uncertainty": (f"Jeffreys posterior x log-normal drift (sd {COMMON_SIGMA} common, "
                            f"{DRIFT_SIGMA} per stratum); sensitivity: Jeffreys 95% upper "
                            f"bound x {DRIFT}") if src != "assumed" else "stated bounds",
            "drift_sigma_common": COMMON_SIGMA, "drift_sigma_stratum": DRIFT_SIGMA}


def _limits(data: EvidenceData, assumed: bool) -> tuple[list[str], list[str]]:
    limits = [
        "A list bought by both A and B from the same third party, or any common source, "
        "produces the same findings as derivation from A: the LR concerns a common origin "
        "with A's base, not the act of copying.",
    ]
    if data.bulk:
        rows = sum(b["rows"] for b in data.bulk)
        in_b = sum(b["in_b"] for b in data.bulk)
        limits.append(
            f"{len(data.bulk)} bulk import date(s) in A ({rows} addresses, {in_b} in B) were "
            "left out of the LR: a purchased list may have reached B from its seller; the "
            "copied-count estimate gives them the copied share of A's other addresses.")
    if data.sorted_files:
        limits.append("Order not weighed: " + " and ".join(data.sorted_files)
                      + " sorted on the address or domain.")
    strengthen: list[str] = []
    if assumed:
        strengthen += [
            "A's date-added column and the date B's author left (--date-column COL "
            "--cutoff DATE): A's later additions measure independent overlap directly.",
            "An independent re-crawl of the sources B's author names (--reference R).",
            "A's bounce history (--a-bounces PATH) to identify more invalid addresses.",
        ]
    elif data.baseline_source == "reference":
        strengthen.append("A's date-added column and the cut-off date (--date-column "
                          "--cutoff) give a baseline on A's own kind of addresses.")
    if not any(s.invalid and s.n > 0 for s in data.strata):
        strengthen.append("A checked (mailhygiene check) or its bounce history, so that A's "
                          "invalid addresses can be identified.")
    return limits, strengthen


def weigh_arrays(strata: list[StratumCounts], raw: tuple[int, int, int, int],
                 order_pre: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
                 order_post: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
                 *, source: str = "post_cutoff", sorted_files: list[str] | None = None,
                 a_post: int = 0, sensitivity: bool = False) -> EvidenceResult:
    """`weigh` on counts built in memory (the benchmark's replicate grid)."""
    shared = sum(s.k for s in strata)
    data = EvidenceData(strata=strata, baseline_source=source, raw=raw,
                        order_pre=(np.asarray(order_pre[0], float),
                                   np.asarray(order_pre[1], float)),
                        order_post=(np.asarray(order_post[0], float),
                                    np.asarray(order_post[1], float)),
                        sorted_files=sorted_files or [], a_unique=sum(s.n for s in strata),
                        b_unique=0, shared=shared, a_pre=sum(s.n for s in strata),
                        a_post=a_post)
    return weigh(data, sensitivity=sensitivity)
