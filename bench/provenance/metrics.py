"""Validation metrics for likelihood ratios: ROC AUC, Cllr, Cllr_min (PAV), Tippett SVG."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(score of a derived pair > score of an independent one), ties counted half."""
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    allv = np.concatenate([pos, neg])
    order = np.argsort(allv, kind="mergesort")
    ranks = np.empty(len(allv))
    sv = allv[order]
    i = 0
    while i < len(sv):
        j = i
        while j + 1 < len(sv) and sv[j + 1] == sv[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2.0) / (len(pos) * len(neg)))


def cllr(log10_hd: np.ndarray, log10_hi: np.ndarray) -> float:
    """Log-likelihood-ratio cost (Brümmer & du Preez 2006), in bits."""
    lr_d = np.power(10.0, -np.asarray(log10_hd, float))
    lr_i = np.power(10.0, np.asarray(log10_hi, float))
    return float(0.5 * (np.mean(np.log2(1.0 + lr_d)) + np.mean(np.log2(1.0 + lr_i))))


def _pav(y: np.ndarray) -> np.ndarray:
    """Pool-adjacent-violators: the isotonic (non-decreasing) fit of y."""
    vals: list[float] = []
    wts: list[float] = []
    for v in y.tolist():
        vals.append(float(v))
        wts.append(1.0)
        while len(vals) > 1 and vals[-2] > vals[-1]:
            w = wts[-2] + wts[-1]
            m = (vals[-2] * wts[-2] + vals[-1] * wts[-1]) / w
            vals[-2:] = [m]
            wts[-2:] = [w]
    return np.repeat(vals, np.asarray(wts, int))


def cllr_min(log10_hd: np.ndarray, log10_hi: np.ndarray) -> float:
    """Cllr after the best monotone recalibration of the scores (discrimination only)."""
    scores = np.concatenate([log10_hd, log10_hi])
    labels = np.concatenate([np.ones(len(log10_hd)), np.zeros(len(log10_hi))])
    order = np.lexsort((-labels, scores))  # ties: pessimistic order
    post = _pav(labels[order])
    eps = 1e-12
    post = np.clip(post, eps, 1 - eps)
    prior_odds = len(log10_hd) / len(log10_hi)
    llr = np.log10(post / (1 - post)) - math.log10(prior_odds)
    lab = labels[order]
    return cllr(llr[lab == 1], llr[lab == 0])


def tippett_svg(curves: dict[str, np.ndarray], path: Path, title: str) -> None:
    """Tippett plot: for each set of log10 LRs, the share of cases with log10 LR >= x."""
    w, h, ml, mb, mt, mr = 760, 400, 60, 50, 40, 250
    xmin, xmax = -3.0, 7.0
    colors = ["#c0392b", "#2471a3", "#229954", "#7d3c98", "#d68910", "#566573"]

    def px(x: float) -> float:
        return ml + (x - xmin) / (xmax - xmin) * (w - ml - mr)

    def py(y: float) -> float:
        return mt + (1.0 - y) * (h - mt - mb)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{w}" height="{h}" fill="white"/>',
             f'<text x="{w / 2 - 60}" y="20" font-size="14">{title}</text>']
    for xv in range(int(xmin), int(xmax) + 1):
        parts.append(f'<line x1="{px(xv):.1f}" y1="{py(0):.1f}" x2="{px(xv):.1f}" '
                     f'y2="{py(1):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{px(xv) - 5:.1f}" y="{py(0) + 16:.1f}">{xv}</text>')
    for yv in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{px(xmin):.1f}" y1="{py(yv):.1f}" x2="{px(xmax):.1f}" '
                     f'y2="{py(yv):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{ml - 35}" y="{py(yv) + 4:.1f}">{yv:.2f}</text>')
    parts.append(f'<text x="{w / 2 - 80}" y="{h - 10}">log10 LR (x): share with LR &gt;= x'
                 '</text>')
    for i, (name, vals) in enumerate(curves.items()):
        v = np.sort(np.asarray(vals, float))
        xs = np.linspace(xmin, xmax, 401)
        ys = 1.0 - np.searchsorted(v, xs, side="left") / max(len(v), 1)
        pts = " ".join(f"{px(float(x)):.1f},{py(float(y)):.1f}" for x, y in zip(xs, ys,
                                                                               strict=True))
        col = colors[i % len(colors)]
        parts.append(f'<polyline fill="none" stroke="{col}" stroke-width="2" points="{pts}"/>')
        parts.append(f'<text x="{w - mr + 10}" y="{mt + 18 * i + 10}" fill="{col}">'
                     f'{name} (n={len(v)})</text>')
    parts.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
