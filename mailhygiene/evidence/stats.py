"""Small statistics the evidence model needs, with numpy only (no scipy in the dependencies).

Everything here is pure and vectorized; tests check each function against hand computations."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# ENFSI Guideline for Evaluative Reporting in Forensic Science (2015), verbal equivalents of the
# likelihood ratio, lower bound of each band.
ENFSI_BANDS: tuple[tuple[float, str], ...] = (
    (1e6, "extremely strong support"),
    (1e4, "very strong support"),
    (1e3, "strong support"),
    (1e2, "moderately strong support"),
    (1e1, "moderate support"),
    (2.0, "weak support"),
)


def _betacf(a: FloatArray, b: FloatArray, x: FloatArray, iters: int = 400) -> FloatArray:
    """Continued fraction of the incomplete beta function (modified Lentz), vectorized."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = np.where(np.abs(d) < tiny, tiny, d)
    d = 1.0 / d
    h = d.copy()
    for m in range(1, iters + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        h = h * d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if bool(np.all(np.abs(delta - 1.0) < 1e-13)):
            break
    return h


_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])


def betainc(a: FloatArray | float, b: FloatArray | float, x: FloatArray | float) -> FloatArray:
    """Regularized incomplete beta I_x(a, b) (Numerical Recipes 6.4), elementwise."""
    a_, b_, x_ = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float),
                                     np.asarray(x, float))
    a_, b_, x_ = a_.astype(float), b_.astype(float), np.clip(x_.astype(float), 0.0, 1.0)
    out = np.zeros(a_.shape)
    inner = (x_ > 0) & (x_ < 1)
    out[x_ >= 1] = 1.0
    if inner.any():
        aa, bb, xx = a_[inner], b_[inner], x_[inner]
        lbt = (_lgamma(aa + bb) - _lgamma(aa) - _lgamma(bb)
               + aa * np.log(xx) + bb * np.log1p(-xx))
        bt = np.exp(lbt)
        direct = xx < (aa + 1.0) / (aa + bb + 2.0)
        res = np.empty(aa.shape)
        if direct.any():
            res[direct] = bt[direct] * _betacf(aa[direct], bb[direct], xx[direct]) / aa[direct]
        flip = ~direct
        if flip.any():
            res[flip] = 1.0 - bt[flip] * _betacf(bb[flip], aa[flip], 1.0 - xx[flip]) / bb[flip]
        out[inner] = res
    return out


def beta_quantile(q: FloatArray | float, a: FloatArray | float,
                  b: FloatArray | float) -> FloatArray:
    """Quantile of Beta(a, b): safeguarded Newton on `betainc` from a normal start, falling
    back to bisection whenever a step leaves the bracket (error < 1e-12)."""
    q_, a_, b_ = np.broadcast_arrays(np.asarray(q, float), np.asarray(a, float),
                                     np.asarray(b, float))
    q_, a_, b_ = q_.astype(float), a_.astype(float), b_.astype(float)
    lo, hi = np.zeros(a_.shape), np.ones(a_.shape)
    mean = a_ / (a_ + b_)
    sd = np.sqrt(a_ * b_ / ((a_ + b_) ** 2 * (a_ + b_ + 1.0)))
    z = np.vectorize(NormalDist().inv_cdf, otypes=[np.float64])(q_)
    x = np.clip(mean + z * sd, 1e-12, 1.0 - 1e-12)
    lbeta = _lgamma(a_) + _lgamma(b_) - _lgamma(a_ + b_)
    for _ in range(100):
        f = betainc(a_, b_, x) - q_
        lo = np.where(f < 0, x, lo)
        hi = np.where(f < 0, hi, x)
        pdf = np.exp((a_ - 1.0) * np.log(x) + (b_ - 1.0) * np.log1p(-x) - lbeta)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = x - f / pdf
        bad = ~np.isfinite(step) | (step <= lo) | (step >= hi)
        new = np.where(bad, (lo + hi) / 2.0, step)
        if bool(np.all(np.abs(new - x) < 1e-13)) or bool(np.all(hi - lo < 1e-13)):
            x = new
            break
        x = new
    return np.asarray(x, float)


def jeffreys_interval(x: FloatArray | Sequence[int] | int, n: FloatArray | Sequence[int] | int,
                      level: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Jeffreys interval for a binomial proportion: quantiles of Beta(x + 1/2, n - x + 1/2),
    with the lower end 0 when x = 0 and the upper end 1 when x = n (Brown, Cai & DasGupta
    2001). n = 0 gives (0, 1): no information."""
    x_ = np.atleast_1d(np.asarray(x, float))
    n_ = np.atleast_1d(np.asarray(n, float))
    tail = (1.0 - level) / 2.0
    lo = beta_quantile(tail, x_ + 0.5, n_ - x_ + 0.5)
    hi = beta_quantile(1.0 - tail, x_ + 0.5, n_ - x_ + 0.5)
    lo = np.where(x_ <= 0, 0.0, lo)
    hi = np.where(x_ >= n_, 1.0, hi)
    return lo, hi


def binom_log10_ratio(k: FloatArray | float, n: FloatArray | float, p1: FloatArray,
                      p0: FloatArray) -> FloatArray:
    """log10 of Bin(k; n, p1) / Bin(k; n, p0); the binomial coefficient cancels."""
    eps = 1e-300
    p1c = np.clip(p1, eps, 1.0 - 1e-15)
    p0c = np.clip(p0, eps, 1.0 - 1e-15)
    val = k * (np.log(p1c) - np.log(p0c)) + (n - k) * (np.log1p(-p1c) - np.log1p(-p0c))
    return np.asarray(val / math.log(10.0), dtype=float)


_ERFC_C = (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806,
           0.09678418, 0.37409196, 1.00002368, -1.26551223)


def log_erfc(x: FloatArray) -> FloatArray:
    """log erfc(x) for x >= 0 without underflow (Numerical Recipes' erfcc, written as a log:
    relative error of erfc below 1.2e-7 everywhere, so the log's absolute error too)."""
    x_ = np.asarray(x, float)
    t = 1.0 / (1.0 + 0.5 * x_)
    poly = np.zeros_like(t)
    for c in _ERFC_C[:-1]:
        poly = (poly + c) * t
    return np.asarray(np.log(t) - x_ * x_ + _ERFC_C[-1] + poly, float)


def log_norm_cdf(u: FloatArray) -> FloatArray:
    """log Phi(u), accurate far into the lower tail (Phi(-40) is 1e-350)."""
    u_ = np.asarray(u, float)
    low = math.log(0.5) + log_erfc(np.abs(u_) / math.sqrt(2.0))
    return np.asarray(np.where(u_ < 0.0, low, np.log1p(-np.exp(low))), float)


def _log_sinhc(x: FloatArray) -> FloatArray:
    """log(sinh(x) / x), stable for small and large |x|."""
    a = np.abs(x)
    small = a < 1e-3
    big = np.where(small, 1.0, a)
    val = big - np.log(2.0 * big) + np.log1p(-np.exp(-2.0 * big))
    return np.asarray(np.where(small, a * a / 6.0, val), float)


def binom_cell_log10_ratio(k: FloatArray | float, n: FloatArray | float, lo: FloatArray,
                           hi: FloatArray) -> FloatArray:
    """log10 of the mean of Bin(k; n, q) over q in [lo, hi], over Bin(k; n, 1/2): the
    binomial likelihood integrated over a cell of a rate's prior (uniform within the cell),
    not read at one point of it. A point misses a likelihood narrower than the cells'
    spacing (a stratum of 10,000 addresses against a baseline of a few hundred), and a free
    copied share fills any such gap under Hd while nothing does under Hi: read at the cells'
    centres, the LR favoured copying by up to 10^6 for independent collections.

    The log-likelihood l(q) = k ln q + (n - k) ln(1 - q) is concave; it is expanded to the
    second order at the point of the cell nearest its maximum k/n, and exp of that quadratic
    is integrated exactly (normal CDF differences, in logs): exact for the Gaussian part of a
    large stratum's likelihood, and dominated by the nearest end where the cell lies in a
    tail. A cell narrower than a tenth of the curvature's scale (a point, lo == hi, included)
    takes the midpoint value with its exact linear and second-order terms. Checked against
    numerical integration in tests/test_evidence_stats.py (within 0.03 in log10)."""
    k_, n_, a, b = (np.ravel(x) for x in np.broadcast_arrays(
        np.asarray(k, float), np.asarray(n, float), np.asarray(lo, float),
        np.asarray(hi, float)))
    shape = np.broadcast_shapes(np.shape(k), np.shape(n), np.shape(lo), np.shape(hi))
    a = np.clip(a, 0.0, 1.0)
    b = np.clip(np.maximum(b, a), 0.0, 1.0)

    def derivs(q: FloatArray, kk: FloatArray,
               nn: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        # q is kept inside (0, 1): a zero count times a finite log is zero, as it should be
        qc = np.clip(q, 1e-300, 1.0 - 1e-16)
        r = 1.0 - qc
        nk = nn - kk
        kq, nr = kk / qc, nk / r
        return kk * np.log(qc) + nk * np.log(r), kq - nr, -(kq / qc + nr / r)

    w = b - a
    # the point of the cell nearest the maximum, and the curvature there
    m = np.clip(np.where(n_ > 0, k_ / np.maximum(n_, 1.0), 0.5), a, b)
    l0, l1, l2 = derivs(m, k_, n_)
    c = np.minimum(l2, -1e-12)
    val = np.empty(len(a))
    narrow = (w * w * (-c) < 0.01) | (w <= 0.0)
    # narrow cells: midpoint, exact for a linear log-likelihood, plus the curvature term
    i = np.flatnonzero(narrow)
    if len(i):
        wi = w[i]
        l0m, l1m, l2m = derivs(0.5 * (a[i] + b[i]), k_[i], n_[i])
        val[i] = l0m + _log_sinhc(0.5 * l1m * wi) + l2m * wi * wi / 24.0
    # wide cells: the quadratic at that point, integrated exactly
    i = np.flatnonzero(~narrow)
    if len(i):
        s = 1.0 / np.sqrt(-c[i])
        mu = m[i] + l1[i] * s * s
        ua = (a[i] - mu) / s
        ub = (b[i] - mu) / s
        # Phi(ub) - Phi(ua) in logs from the side where both tails are small: mirrored when
        # the cell lies above the quadratic's centre
        right = ua >= 0.0
        lo_u = np.where(right, -ub, ua)
        hi_u = np.where(right, -ua, ub)
        l_lo, l_hi = log_norm_cdf(lo_u), log_norm_cdf(hi_u)
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = l_hi + np.log1p(-np.exp(np.minimum(l_lo - l_hi, 0.0)))
            # a cell around the centre: 1 - Phi(ua) - Phi(-ub)
            both = np.log1p(-np.exp(l_lo) - (1.0 - np.exp(l_hi)))
            diff = np.where(right | (hi_u <= 0.0), tail, both)
            val[i] = (l0[i] + 0.5 * (l1[i] * s) ** 2 + np.log(s * math.sqrt(2.0 * math.pi))
                      + diff - np.log(w[i]))
    val = np.where(n_ > 0, val - n_ * math.log(0.5), 0.0)
    return np.asarray(val.reshape(shape) / math.log(10.0), float)


def log10_mean_exp10(values: FloatArray, weights: FloatArray, axis: int = -1) -> FloatArray:
    """log10 of sum_i w_i 10^v_i along `axis` (weights sum to 1), without overflow."""
    m = np.max(values, axis=axis, keepdims=True)
    s = np.sum(weights * np.power(10.0, values - m), axis=axis, keepdims=True)
    return np.asarray(np.squeeze(m + np.log10(s), axis=axis), dtype=float)


def kendall_tau(x: FloatArray, y: FloatArray) -> float:
    """Kendall's tau-a of paired positions, by counting discordant pairs with a merge sort on
    y after sorting on x (O(n log n)). Positions are distinct ranks (ties have no meaning
    here: two records cannot share a row number)."""
    n = len(x)
    if n < 2:
        return 0.0
    order = np.argsort(np.asarray(x), kind="stable")
    ys = np.asarray(y)[order]
    ranks = np.argsort(np.argsort(ys, kind="stable"), kind="stable")
    inversions = _count_inversions(ranks)
    pairs = n * (n - 1) / 2.0
    return float((pairs - 2.0 * inversions) / pairs)


def _count_inversions(a: npt.NDArray[np.int64]) -> int:
    """Inversions of a permutation with a Fenwick tree over numpy-chunked prefix counts."""
    n = len(a)
    tree = np.zeros(n + 1, dtype=np.int64)
    inv = 0
    # Plain loop over a Fenwick tree: n log n integer operations in Python is still fast
    # enough for the record counts we meet (the caller subsamples above a cap).
    for i, v in enumerate(a.tolist()):
        j = v + 1
        seen = 0
        while j > 0:
            seen += int(tree[j])
            j -= j & (-j)
        inv += i - seen
        j = v + 1
        while j <= n:
            tree[j] += 1
            j += j & (-j)
    return inv


def kendall_tau_null_sd(n: int) -> float:
    """Standard deviation of tau under independence: sqrt(2(2n+5) / (9n(n-1)))."""
    if n < 2:
        return 1.0
    return math.sqrt(2.0 * (2 * n + 5) / (9.0 * n * (n - 1)))


def enfsi_words(log10_lr: float) -> str:
    """The ENFSI verbal band of a likelihood ratio, for either proposition."""
    lr = 10.0 ** abs(log10_lr)
    for bound, words in ENFSI_BANDS:
        if lr >= bound:
            return words
    return "no support"
