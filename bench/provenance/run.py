"""`make bench-provenance`: ground-truth validation of the provenance likelihood ratio.

Replicate grid at reduced size (statistics called on in-memory counts: the same functions
`compare` calls after its SQL reduction), then a few full-size pairs through the store
(CSV -> import -> evaluate), timed. Prints ROC AUC per signal and combined, Cllr and
Cllr_min, rates of misleading evidence, coverage of the copied-count interval; writes a
Tippett plot under build/."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.provenance.generator import (  # noqa: E402
    CUTOFF_DAY,
    derived_b,
    independent_b,
    make_world,
    reference_crawl,
)
from bench.provenance.metrics import auc, cllr, cllr_min, tippett_svg  # noqa: E402
from bench.provenance.reduce import evaluate_pair  # noqa: E402

F_VALUES = (0.01, 0.05, 0.10, 0.25, 0.50, 1.0)
R_VALUES = (0.0, 0.5, 0.9, 1.0)
IND_CASES = ("plain", "same_pages", "shared_list", "sector", "aged")
SIGNALS = ("stratified_overlap", "shared_errors", "raw_form", "order")


def run_grid(reps: int, scale: float, n_worlds: int) -> list[dict[str, Any]]:
    worlds = [make_world(1000 + i, scale) for i in range(n_worlds)]
    cells: list[tuple[str, dict[str, Any]]] = []
    cells += [(f"independent:{c}", {"case": c}) for c in IND_CASES]
    cells += [(f"derived:f={f:g}:r={r:g}", {"f": f, "r": r}) for f in F_VALUES
              for r in R_VALUES]
    cells += [(f"adversarial:f={f:g}", {"f": f, "r": 1.0, "adv": True}) for f in (0.05, 0.25)]
    # a world where older addresses are easier to find (B's own crawl, the "aged" case)
    cells += [(f"aged:f={f:g}", {"f": f, "r": 0.5, "aged": True}) for f in (0.05, 0.25)]
    rows: list[dict[str, Any]] = []
    for ci, (label, spec) in enumerate(cells):
        for j in range(reps):
            w = worlds[j % n_worlds]
            seed = 10_000 * (ci + 1) + j
            if "case" in spec:
                b = independent_b(w, seed, spec["case"])
            else:
                b = derived_b(w, seed, spec["f"], spec["r"], adversarial=spec.get("adv", False),
                              aged=spec.get("aged", False))
            res = evaluate_pair(w, b, seed)
            sig = res.signals
            rows.append({
                "cell": label, "derived": b.derived, "f": spec.get("f", 0.0),
                "r": spec.get("r"), "adv": spec.get("adv", False), "case": spec.get("case"),
                "aged": spec.get("aged", False),
                "lr": res.log10_lr,
                "counts": sig["combination"]["counts_log10_lr"],
                **{s: sig[s]["log10_lr"] for s in SIGNALS},
                "truth": b.copied, "est": res.copied_estimate, "ci": res.copied_ci95,
            })
    return rows


def report(rows: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    ind = [r for r in rows if not r["derived"]]
    der = [r for r in rows if r["derived"] and not r["adv"] and not r["aged"]]
    adv = [r for r in rows if r["adv"]]
    aged = [r for r in rows if r["aged"]]
    neg = np.array([r["lr"] for r in ind])
    print(f"\nreplicates: {len(rows)} ({len(ind)} independent, {len(der)} derived, "
          f"{len(adv)} adversarial, {len(aged)} derived in the age-graded world)")

    print("\nROC AUC of the combined log10 LR, derived cell vs all independent pairs")
    print("f \\ r  " + "".join(f"{r:>8g}" for r in R_VALUES) + "   worst")
    summary: dict[str, Any] = {"auc_cells": {}}
    for f in F_VALUES:
        vals = []
        for r in R_VALUES:
            pos = np.array([x["lr"] for x in der if x["f"] == f and x["r"] == r])
            vals.append(auc(pos, neg))
            summary["auc_cells"][f"f={f:g},r={r:g}"] = vals[-1]
        print(f"{f:<6g} " + "".join(f"{v:8.3f}" for v in vals) + f"   {min(vals):.3f}")
    for f in (0.05, 0.25):
        pos = np.array([x["lr"] for x in adv if x["f"] == f])
        print(f"adversarial f={f:g} (public-looking only, invalid removed): AUC "
              f"{auc(pos, neg):.3f}")
    aged_neg = np.array([x["lr"] for x in ind if x["case"] == "aged"])
    for f in (0.05, 0.25):
        pos = np.array([x["lr"] for x in aged if x["f"] == f])
        cover = np.mean([x["ci"][0] <= x["truth"] <= x["ci"][1] for x in aged if x["f"] == f])
        print(f"age-graded world f={f:g} (r = 0.5): AUC {auc(pos, aged_neg):.3f} against its "
              f"independent pairs, {auc(pos, neg):.3f} against all; copied-count coverage "
              f"{cover:.3f}")
        summary[f"auc_aged_f={f:g}"] = auc(pos, aged_neg)

    print("\nROC AUC per signal (derived f >= 5% pooled over r, vs all independent)")
    big = [x for x in der if x["f"] >= 0.05]
    for s in (*SIGNALS, "counts", "lr"):
        name = {"lr": "combined", "counts": "counts model (overlap + errors)"}.get(s, s)
        a = auc(np.array([x[s] for x in big]), np.array([x[s] for x in ind]))
        a_r1 = auc(np.array([x[s] for x in big if x["r"] == 1.0]),
                   np.array([x[s] for x in ind]))
        print(f"  {name:<34} {a:.3f}   (r = 1 only: {a_r1:.3f})")
        summary[f"auc_{s}"] = a

    hd = np.array([x["lr"] for x in big])
    c, cm = cllr(hd, neg), cllr_min(hd, neg)
    print(f"\nCllr {c:.3f} bits, Cllr_min {cm:.3f} bits (derived f >= 5% vs independent)")
    hd_all = np.array([x["lr"] for x in der])
    print(f"Cllr {cllr(hd_all, neg):.3f}, Cllr_min {cllr_min(hd_all, neg):.3f} (all f)")
    summary.update(cllr=c, cllr_min=cm)

    print("\nMisleading evidence, independent pairs")
    print(f"  {'case':<14}{'n':>6}{'LR>1':>8}{'LR>100':>8}{'LR>1e4':>8}{'max log10':>11}")
    for case in (*IND_CASES, "all"):
        v = np.array([x["lr"] for x in ind if case in ("all", x["case"])])
        print(f"  {case:<14}{len(v):>6}{(v > 0).mean():8.3f}{(v > 2).mean():8.3f}"
              f"{(v > 4).mean():8.3f}{v.max():11.2f}")
    summary["ind_above_1e4"] = int((neg > 4).sum())
    summary["ind_above_100"] = float((neg > 2).mean())
    print("Misleading evidence, derived pairs (LR < 1), by f: " + ", ".join(
        f"{f:g}: {np.mean([x['lr'] < 0 for x in der if x['f'] == f]):.3f}" for f in F_VALUES))

    print("\nCopied-count 95% interval coverage (truth inside), by f")
    cov_all = []
    for f in F_VALUES:
        sel = [x for x in der if x["f"] == f]
        inside = [x["ci"][0] <= x["truth"] <= x["ci"][1] for x in sel]
        cov_all += inside
        mae = np.mean([abs(x["est"] - x["truth"]) / max(x["truth"], 1) for x in sel])
        width = np.mean([(x["ci"][1] - x["ci"][0]) / max(x["truth"], 1) for x in sel])
        print(f"  f={f:<5g} coverage {np.mean(inside):.3f}  mean |error| {mae:.1%} of truth"
              f"  mean width {width:.1%} of truth")
    adv_cov = np.mean([x["ci"][0] <= x["truth"] <= x["ci"][1] for x in adv])
    print(f"  adversarial coverage {adv_cov:.3f}")
    ind_cov = np.mean([x["ci"][0] <= 0 for x in ind])
    print(f"  independent pairs (truth 0) inside: {ind_cov:.3f}")
    summary["coverage"] = float(np.mean(cov_all))

    curves = {"independent (all cases)": neg}
    for f in (0.05, 0.25, 1.0):
        curves[f"derived f={f:g}"] = np.array([x["lr"] for x in der if x["f"] == f])
    curves["derived f=0.01"] = np.array([x["lr"] for x in der if x["f"] == 0.01])
    curves["adversarial"] = np.array([x["lr"] for x in adv])
    svg = out / "tippett.svg"
    tippett_svg(curves, svg, "Provenance LR: Tippett plot (reduced-size grid)")
    print(f"\nTippett plot: {svg}")
    return summary


def full_size(n_runs: int, out: Path) -> None:
    """A few full-size pairs through the store: CSV -> import -> evaluate (timed)."""
    from bench.provenance.export import DAY0, address_strings, write_pair
    from mailhygiene.evidence import EvidenceOptions, evaluate
    from mailhygiene.normalize import dedup_key
    from mailhygiene.pipeline import import_base
    from mailhygiene.store import Store

    w = make_world(77, 1.0)
    pairs = [independent_b(w, 1, "plain"), derived_b(w, 2, 0.05, 1.0),
             independent_b(w, 3, "shared_list"), derived_b(w, 4, 0.25, 0.5),
             independent_b(w, 5, "same_pages"), derived_b(w, 6, 0.01, 0.0)][:n_runs]
    strings = address_strings(w)  # after the pairs: they make up ids of their own
    print(f"\nFull size: A {len(w.a_id):,} unique addresses "
          f"({w.a_true_invalid.mean():.0%} invalid), cut-off day {CUTOFF_DAY}")
    print(f"  {'pair':<26}{'B rows':>8}{'import A+B s':>13}{'evidence s':>11}"
          f"{'log10 LR':>9}{'copied':>8}  {'95% CI':<16}{'truth':>7}")
    for b in pairs:
        with tempfile.TemporaryDirectory(prefix="mh-prov-") as tmp:
            d = Path(tmp)
            info = write_pair(w, b, None, d, strings)
            st = Store(d / "s.duckdb")
            t0 = time.perf_counter()
            a_ref = import_base(st, d / "A.csv", column="email")
            b_ref = import_base(st, d / "B.csv")
            t1 = time.perf_counter()
            dead = [dedup_key(x) for x in info["dead_domain_addresses"]]  # type: ignore[union-attr]
            # stands for A's MX check (domains that do not exist)
            st.execute("UPDATE contacts SET status = 'invalid', reason = 'domain_not_found' "
                       "WHERE base_id = ? AND syntax_ok AND key IN "
                       "(SELECT unnest(?::VARCHAR[]))", [a_ref.base_id, dead])
            bounced = tuple(k for k in (dedup_key(x) for x in info["bounced"])  # type: ignore[union-attr]
                            if k)
            t2 = time.perf_counter()
            res = evaluate(st, a_ref.base_id, b_ref.base_id, EvidenceOptions(
                date_column="date_added", cutoff=DAY0 + timedelta(days=CUTOFF_DAY),
                a_bounce_keys=bounced))
            t3 = time.perf_counter()
            st.close()
        print(f"  {b.label:<26}{len(b.ids):>8,}{t1 - t0:13.2f}{t3 - t2:11.2f}"
              f"{res.log10_lr:9.2f}{res.copied_estimate!s:>8}  {res.copied_ci95!s:<16}"
              f"{b.copied:>7}")
    print("  goal: evidence for 140k vs 100k in <= 5 s (the import is the compare's own "
          "load step)")


def reference_rows(reps: int, scale: float, n_worlds: int) -> None:
    """With `--reference` as the baseline (no date cut-off): R is another crawl of the same
    universe. Printed apart: R's addresses outside A are not A's kind of addresses, so the
    evidence weighs only A's invalid addresses against it, caps the LR at 10^3 and gives no
    copied count."""
    worlds = [make_world(1000 + i, scale) for i in range(n_worlds)]
    print(f"\nReference baseline (R: another crawl of the universe; {reps} replicates per case; "
          "only invalid addresses weighed, LR capped at 10^3)")
    print(f"  {'case':<26}{'LR>1':>8}{'LR>100':>8}{'median':>9}{'max':>8}")

    def line(label: str, lrs: list[float]) -> None:
        v = np.array(lrs)
        print(f"  {label:<26}{(v > 0).mean():8.3f}{(v > 2).mean():8.3f}"
              f"{np.median(v):9.2f}{v.max():8.2f}")

    for c in ("plain", "same_pages", "sector", "aged"):
        line(f"independent:{c}", [evaluate_pair(
            worlds[j % n_worlds], independent_b(worlds[j % n_worlds], 40_000 + j, c), j,
            baseline="reference", ref_ids=reference_crawl(worlds[j % n_worlds], 50_000 + j),
        ).log10_lr for j in range(reps)])
    for f in (0.05, 0.25):
        line(f"derived:f={f:g}:r=0.5", [evaluate_pair(
            worlds[j % n_worlds], derived_b(worlds[j % n_worlds], 60_000 + j, f, 0.5), j,
            baseline="reference", ref_ids=reference_crawl(worlds[j % n_worlds], 70_000 + j),
        ).log10_lr for j in range(reps)])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--scale", type=float, default=0.25)
    ap.add_argument("--worlds", type=int, default=25)
    ap.add_argument("--full", type=int, default=4)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "provenance")
    args = ap.parse_args()
    t = time.perf_counter()
    rows = run_grid(args.reps, args.scale, args.worlds)
    grid_s = time.perf_counter() - t
    per = defaultdict(int)
    for r in rows:
        per[r["cell"]] += 1
    print(f"grid: {len(per)} cells x {args.reps} replicates at scale {args.scale} "
          f"in {grid_s:.0f} s ({grid_s / len(rows) * 1000:.0f} ms per replicate)")
    report(rows, args.out)
    reference_rows(max(args.reps // 4, 10), args.scale, args.worlds)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "replicates.json").write_text(json.dumps(rows), encoding="utf-8")
    if args.full:
        full_size(args.full, args.out)


if __name__ == "__main__":
    main()
