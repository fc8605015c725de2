"""The likelihood-ratio model on aggregated counts (issue 8). Pure functions over small arrays:
the store layer (`evidence.data`) and the benchmark both reduce bases to these counts.

Propositions (DESIGN.md "Provenance"):
  Hd: B derives from A's base as it stood at the cut-off: a fraction f of A's addresses was
      taken, each retention group kept with its own share rho (laundering may drop invalid or
      personal-looking addresses), then mixed with B's own collection;
  Hi: B was collected independently of A.

Under Hi an address of stratum s of A is in B with the independent rate p_s, estimated only from
data copying cannot contaminate (A's additions after the cut-off, or B's rate on a reference
collection minus A). Under Hd it is in B with p_s + (1 - p_s) f rho_g. The LR integrates f
(log-uniform prior) and each rho_g (grid prior), so nothing is fitted to the A-B overlap and
the Occam penalty of the free parameters is paid.

Strata are disjoint sets of addresses, so their binomial likelihoods multiply; the stratified
overlap and the shared errors are one joint model (one f), never two multiplied LRs."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from mailhygiene.evidence.stats import (
    FloatArray,
    binom_cell_log10_ratio,
    jeffreys_interval,
    kendall_tau_null_sd,
    log10_mean_exp10,
)
from mailhygiene.evidence.strata import BOUNCED
from mailhygiene.evidence.wording import Item, en_text, item

GROUPS = ("public", "personal", "invalid")
F_GRID = np.logspace(-4.0, 0.0, 25)
RHO_GRID = np.linspace(0.0, 1.0, 11)
# A copier usually keeps every valid-looking address: half the prior mass on rho = 1. Invalid
# addresses are often removed by a re-check (r = 1) or all kept (r = 0): mass at both ends.
_RHO_PRIOR_VALID = np.full(11, 0.5 / 11)
_RHO_PRIOR_VALID[-1] += 0.5
_RHO_PRIOR_INVALID = np.full(11, 0.5 / 11)
_RHO_PRIOR_INVALID[0] += 0.3
_RHO_PRIOR_INVALID[-1] += 0.2
DRIFT = 1.2  # "upper" mode: Jeffreys 95% upper bound times this
# Drift between the baseline's addresses and A's earlier ones, as log-normal factors on the
# independent rate: one common to all strata (e.g. older addresses had longer to be published)
# and one per stratum. Copying cannot hide in the common factor: it adds f*rho to every rate,
# a large relative excess where the independent rate is low and a small one where it is high.
COMMON_SIGMA = 0.10
DRIFT_SIGMA = 0.05
AUX_CAP = 1.0  # at most one order of magnitude from each of raw form and order
_P_NODES = 16  # grid nodes of each stratum's independent rate
_DRIFT_NODES = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
_DRIFT_W = np.exp(-0.5 * _DRIFT_NODES**2) / np.exp(-0.5 * _DRIFT_NODES**2).sum()
_COMMON_NODES = np.linspace(-2.0, 2.0, 5)
_COMMON_W = np.exp(-0.5 * _COMMON_NODES**2) / np.exp(-0.5 * _COMMON_NODES**2).sum()


@dataclass(frozen=True, slots=True)
class StratumCounts:
    """One stratum of A. n/k: A's addresses eligible for copying (before the cut-off) and how
    many are in B; m/x: the baseline sample and how many are in B. `p_assumed` replaces the
    baseline when no baseline source exists (a stated bound). `in_lr` False keeps the stratum
    out of the LR (bulk imports a third party may have sold to both) but in the count."""

    name: str
    group: str
    n: int
    k: int
    m: int = 0
    x: int = 0
    invalid: bool = False
    role: bool = False
    p_assumed: float | None = None
    in_lr: bool = True
    # A's pre-cut-off addresses of the stratum by age slice (oldest first; slices of equal
    # size in date order, the same dates for every stratum) and how many are in B, and the
    # baseline's position after the first slice (`slice_position`); empty without dates.
    age_n: tuple[int, ...] = ()
    age_k: tuple[int, ...] = ()
    age_post: float = 0.0
    # The correction the gradient among A's later additions themselves calls for
    # (`PostGradient.factor`, given for valid-looking strata); 1 without one.
    post_factor: float = 1.0
    # A's pre-cut-off additions of the stratum among the newest ones, as many (all strata
    # together) as came after the cut-off, and how many are in B: the near-cut-off reading
    # (`near_strata`); 0, 0 without dates.
    near_n: int = 0
    near_k: int = 0
    # Scale of the baseline's rate (on the odds) for A's earlier addresses under independence:
    # the larger of the age slices' trend (`age_trend_factor`) and `post_factor`, which
    # measure the same visibility from two sides (so they are not multiplied); 1 without
    # baseline. Derived once, at construction: the evaluation reads it many times.
    trend: float = field(init=False, default=1.0)
    age_factor: float = field(init=False, default=1.0)  # the age slices' own share of it

    def __post_init__(self) -> None:
        if self.m > 0:
            age = age_trend_factor(self.age_n, self.age_k, self.age_post) if self.age_n \
                else 1.0
            object.__setattr__(self, "age_factor", age)
            object.__setattr__(self, "trend", max(age, self.post_factor))


@dataclass(frozen=True, slots=True)
class BaselineGrid:
    """Each stratum's independent rate as a histogram: cells [lo, hi][s, j] with nodes
    p[s, j] inside and weights w[s, j] (rows sum to 1). The likelihoods integrate each cell
    (`binom_cell_log10_ratio`); the copied count reads the nodes. A point rate has lo = hi."""

    p: FloatArray
    w: FloatArray
    lo: FloatArray
    hi: FloatArray

    def take(self, idx: Sequence[int]) -> BaselineGrid:
        return BaselineGrid(self.p[idx], self.w[idx], self.lo[idx], self.hi[idx])


@dataclass(frozen=True, slots=True)
class CountModelResult:
    log10_lr: float
    post_tf: FloatArray  # (T, F) posterior weights of (common drift, f) under Hd
    rho_post: dict[str, FloatArray]  # group -> (T, F, RHO) posterior of rho given (drift, f)


def baseline_rates(strata: Sequence[StratumCounts], mode: str = "upper",
                   drift: float = DRIFT) -> FloatArray:
    """A single independent rate per stratum: Jeffreys 95% upper bound times the drift
    allowance ("upper") or the Jeffreys posterior mean ("point"); stated bounds where no
    baseline exists."""
    x = np.array([s.x for s in strata], float)
    m = np.array([s.m for s in strata], float)
    if mode == "upper":
        _, hi = jeffreys_interval(x, m)
        p = np.minimum(1.0, hi * drift)
    elif mode == "point":
        p = (x + 0.5) / (m + 1.0)
    else:
        raise ValueError(f"unknown baseline mode {mode!r}")
    assumed = np.array([np.nan if s.p_assumed is None else s.p_assumed for s in strata])
    p = np.where(~np.isnan(assumed) & (m == 0), assumed, p)
    return np.asarray(p, float)


MAX_TREND = 20.0


def slice_position(slices: int, pre: int, post: int) -> float:
    """Where the baseline's centre falls, in slices after the first, when `pre` addresses
    are cut into `slices` slices of equal size and `post` addresses come after them."""
    return slices - 0.5 + (post / (pre / slices) / 2.0 if pre else 0.0)


def _log_slope(n: FloatArray, rate: FloatArray, k: FloatArray) -> tuple[float, float] | None:
    """Weighted least-squares slope of log(rate) over the slice index, and its standard
    error (weights: the inverse binomial variance of a log rate, from k of n)."""
    q = np.arange(len(n), dtype=float)
    use = n > 0
    if use.sum() < 3:
        return None
    y = np.log(np.maximum(rate[use], 1e-9))
    w = 1.0 / (1.0 / (k[use] + 0.5) + 1.0 / (n[use] + 0.5))
    x = q[use]
    xm = float((w * x).sum() / w.sum())
    sxx = float((w * (x - xm) ** 2).sum())
    if sxx <= 0.0:
        return None
    slope = float((w * (x - xm) * (y - (w * y).sum() / w.sum())).sum()) / sxx
    return slope, math.sqrt(1.0 / sxx)


def _extend(n: FloatArray, slope: float, post_position: float) -> float:
    q = np.arange(len(n), dtype=float)
    factor = float((n * np.exp(slope * (q - post_position))).sum() / n.sum())
    return min(max(factor, 1.0), MAX_TREND)


def age_trend_factor(n: Sequence[int], k: Sequence[int], post_position: float) -> float:
    """How much more often an independent collector finds a stratum's addresses added before
    the cut-off than those added after it, measured where copying cannot create it: the
    trend of the in-B rate across A's pre-cut-off additions in age order (`n`, `k`: addresses
    and how many are in B, per slice of equal time rank, oldest first). A copy of A at the
    cut-off adds the same share to every slice, so it flattens that trend and never makes
    one; older addresses, longer published, make one (measured on independent crawls of the
    demo's universe: 7.2% of the oldest quarter in B, 3.6% of the newest, 2.7% after the
    cut-off). The log rate's slope over the slices (weighted least squares, moved towards
    zero by one standard error: noise alone gives no correction) is extended to the
    baseline's position (`post_position`, in slices after the first) and averaged over the
    slices' addresses. Only ever >= 1: a trend the other way makes the uncorrected baseline
    the conservative one."""
    nn = np.asarray(n, float)
    kk = np.asarray(k, float)
    fit = _log_slope(nn, (kk + 0.5) / (nn + 0.5), kk)
    if fit is None:
        return 1.0
    slope = min(0.0, fit[0] + fit[1])
    return 1.0 if slope == 0.0 else _extend(nn, slope, post_position)


@dataclass(frozen=True, slots=True)
class PostGradient:
    """How much more often B holds the older half of A's later additions (after the cut-off,
    valid-looking, cut in two halves by date) than the newer half. `ratio` compares each half
    with what the kinds' own rates predict, so a different mix of kinds in the halves does
    not make one; `z` is its log over its standard error."""

    older: float  # in-B rate of the older half
    newer: float
    ratio: float
    z: float
    factor: float  # `post_gradient_factor`


def _half_sums(halves: Mapping[str, tuple[int, int, int, int]], prior: float,
               ) -> tuple[list[float], list[float], list[int]]:
    """B's counts in an older and a newer half (plus `prior` each), what each kind's own rate
    over both halves expects there, and the halves' sizes."""
    obs, exp, size = [prior, prior], [0.0, 0.0], [0, 0]
    for n1, k1, n2, k2 in halves.values():
        if n1 + n2 == 0:
            continue
        rate = (k1 + k2) / (n1 + n2)
        obs[0] += k1
        obs[1] += k2
        exp[0] += n1 * rate
        exp[1] += n2 * rate
        size[0] += n1
        size[1] += n2
    return obs, exp, size


def post_gradient(halves: Mapping[str, tuple[int, int, int, int]]) -> PostGradient | None:
    """The gradient among A's later additions from per-kind counts (older half: addresses,
    in B; newer half: addresses, in B); None with fewer than 5 in B in either half.

    Copying at the cut-off cannot make it (A's later additions were not there to copy).
    Visibility still growing for recent addresses makes it, and the age slices before the
    cut-off cannot see that once visibility has levelled off there: an independent
    collection made at A's end then holds A's older addresses more often than the baseline
    (all later additions, the newer half included) says. Its factor corrects for it."""
    obs, exp, size = _half_sums(halves, 0.0)
    if min(obs) < 5 or min(exp) <= 0:
        return None
    ratio = (obs[0] / exp[0]) / (obs[1] / exp[1])
    se = math.sqrt(1.0 / obs[0] + 1.0 / obs[1])
    return PostGradient(obs[0] / size[0], obs[1] / size[1], ratio, math.log(ratio) / se,
                        post_gradient_factor(ratio, se))


def post_gradient_factor(ratio: float, se: float) -> float:
    """The baseline's scale that the gradient among A's later additions calls for. The two
    halves' rates sit at a quarter and three quarters of the later additions' span; the log
    rate's line through them, moved towards zero by one standard error (`se`, of the log
    ratio: noise alone gives no correction), reaches the cut-off at r_older * sqrt(ratio),
    against the baseline's (r_older + r_newer) / 2: with equal halves, 2 ratio^1.5 / (1 +
    ratio). That is the rate of the addresses added just before the cut-off; older ones are
    left to the age slices (`age_trend_factor`)."""
    shrunk = math.exp(max(0.0, math.log(max(ratio, 1e-12)) - se))
    return min(max(2.0 * math.pow(shrunk, 1.5) / (1.0 + shrunk), 1.0), MAX_TREND)


# The prior sd of the difference between the two sides' log gradients (`near_growth`); the
# sensitivity table shows the near-cut-off reading at half and twice this value.
CURVATURE_SIGMA = 1.0
CURVATURE_VARIANTS = (0.5, 2.0)


@dataclass(frozen=True, slots=True)
class NearGrowth:
    """How much more often an independent collector finds A's additions just before the
    cut-off (the near window: the newest ones, as many as came after it) than those after
    it: the growth of visibility from the later additions' centre to the near window's,
    measured on each side of the cut-off by the gradient between its two halves (valid-
    looking additions, each kind's own rate taken into account, half an address added to
    each count). On a log-linear stretch each side's ratio is the growth over half the
    distance, so the growth is about their product (`near_growth`): the later additions'
    ratio (copying cannot make it) times the near window's (a copy at the cut-off flattens
    it, never makes it). Its uncertainty, `sigma` (the standard error of log(factor)), is
    integrated as a drift common to all strata (one growth raises them all), not moved
    towards none: an unmeasured gradient is a wide one, not an absent one."""

    post_ratio: float  # older half over newer half of the later additions
    near_ratio: float  # the same within the near window
    factor: float  # the estimated growth, at least 1 (the other way corrects nothing)
    sigma: float
    near: int
    post: int
    post_se: float  # standard errors of the two log ratios
    near_se: float
    curvature: float = CURVATURE_SIGMA

    def with_curvature(self, curvature: float) -> NearGrowth:
        """The same measurements combined under another curvature prior (sensitivity)."""
        return _combined_growth(self.post_ratio, self.post_se, self.near_ratio, self.near_se,
                                self.near, self.post, curvature)


def _half_ratio(halves: Mapping[str, tuple[int, int, int, int]]) -> tuple[float, float]:
    """(ratio, standard error of its log) of B's rates in an older and a newer half, each
    kind's own rate taken into account, half an address added to each half's count: with no
    address in B the ratio is 1 and its error 2 (nothing measured)."""
    obs, exp, _ = _half_sums(halves, 0.5)
    se = math.sqrt(1.0 / obs[0] + 1.0 / obs[1])
    return ((obs[0] / exp[0]) / (obs[1] / exp[1]) if min(exp) > 0 else 1.0), se



def near_growth(post_halves: Mapping[str, tuple[int, int, int, int]],
                near_halves: Mapping[str, tuple[int, int, int, int]], near: int,
                post: int) -> NearGrowth | None:
    """`NearGrowth` from per-kind half counts (older half: addresses, in B; newer half:
    addresses, in B) of the later additions and of the near window; None without either.

    The two sides' log ratios are taken to differ by a curvature of prior sd
    `CURVATURE_SIGMA` (a factor e): with both measured, the growth is close to their
    product (each side's own gradient over its own half of the distance); with one side
    unmeasured (B holds none of A's later additions: a ratio of 1 +- 2), the other side's
    gradient, widened by the curvature, stands in for it instead of an unbounded one. The
    generalized least squares estimate of their common mean, doubled, with its variance."""
    if near <= 0 or post <= 0:
        return None
    rp, sp = _half_ratio(post_halves)
    rn, sn = _half_ratio(near_halves)
    return _combined_growth(rp, sp, rn, sn, near, post, CURVATURE_SIGMA)


def _combined_growth(rp: float, sp: float, rn: float, sn: float, near: int, post: int,
                     curvature: float) -> NearGrowth:
    t = curvature**2 / 4.0
    cov = np.array([[sp * sp + t, -t], [-t, sn * sn + t]])
    w = np.linalg.solve(cov, np.ones(2))
    mean = float(w @ np.array([math.log(rp), math.log(rn)])) / float(w.sum())
    sigma = 2.0 / math.sqrt(float(w.sum()))
    factor = min(max(math.exp(2.0 * mean), 1.0), MAX_TREND)
    return NearGrowth(rp, rn, factor, sigma, near, post, sp, sn, curvature)


def near_strata(strata: Sequence[StratumCounts], growth: NearGrowth) -> list[StratumCounts]:
    """The strata of the near-cut-off reading: each organic stratum's near-window counts,
    its baseline (A's later additions, as in the main reading) scaled by the growth, and no
    age slices (the windows are adjacent: what lies between them is the growth). The growth
    applies to every stratum with a baseline, invalid ones too: an address that bounces now
    or a dead domain's was published like a valid one (the conservative side). Strata left
    out of the LR (bulk imports) are kept whole for the copied count."""
    out = []
    for s in strata:
        if not s.in_lr:
            out.append(s)
            continue
        out.append(replace(s, n=s.near_n, k=s.near_k, age_n=(), age_k=(), age_post=0.0,
                           post_factor=growth.factor if s.m > 0 else 1.0))
    return out


def copied_trend_factor(s: StratumCounts, p0: float) -> float:
    """The age trend's factor consistent with copying, for the copied count: a copy adds a
    share c to every slice's rate, which flattens the trend `age_trend_factor` measures. For
    a given c the trend is fitted on the slices' rates with c taken out and extended back
    from the baseline's rate `p0`; c is the share at which that independent rate and c
    together give the stratum's overall rate (found by bisection: a plain fixed-point
    iteration overshoots). Without shrinking the slope: this is an estimate, not a test."""
    if not s.age_n or s.m == 0 or sum(s.age_n) == 0:
        return 1.0
    nn = np.asarray(s.age_n, float)
    kk = np.asarray(s.age_k, float)
    rate = (kk + 0.5) / (nn + 0.5)
    overall = float(kk.sum() / nn.sum())
    p0 = min(max(p0, 1e-9), 0.999)
    q = np.arange(len(nn), dtype=float)

    def independent(c: float) -> float | None:
        fit = _log_slope(nn, (rate - c) / (1.0 - c), kk)
        if fit is None:
            return None
        slope = min(fit[0], 0.0)
        return float((nn * np.minimum(p0 * np.exp(slope * (q - s.age_post)), 0.999)).sum()
                     / nn.sum())

    p = independent(0.0)
    if p is None:
        return 1.0
    lo, hi = 0.0, 0.99 * float(rate[nn > 0].min())
    if overall > p and hi > 0.0:  # some excess left for a copy to explain
        for _ in range(40):
            c = 0.5 * (lo + hi)
            pc = independent(c)
            if pc is None:
                break
            if c * (1.0 - pc) + pc < overall:
                lo = c
            else:
                hi = c
        p = independent(lo) or p
    # as a factor on the odds, the form in which the copied count applies it
    return min(max((p / (1.0 - p)) / (p0 / (1.0 - p0)), 1.0), MAX_TREND)


def trend_rates(p: FloatArray, strata: Sequence[StratumCounts],
                factors: Sequence[float] | None = None) -> FloatArray:
    """Rates `p` (one per stratum, or nodes per stratum) scaled on the odds by each stratum's
    age trend (or `factors`); stated bounds (no baseline) are left as they are."""
    f = [s.trend for s in strata] if factors is None else list(factors)
    t = np.array([1.0 if s.m == 0 else ft for s, ft in zip(strata, f, strict=True)], float)
    pp = np.asarray(p, float)
    t = t.reshape((-1,) + (1,) * (pp.ndim - 1))
    return np.asarray(np.clip(_scale_odds(pp, t), 1e-12, 1.0 - 1e-12), float)


def with_trend(grid: BaselineGrid, strata: Sequence[StratumCounts],
               factors: Sequence[float] | None = None) -> BaselineGrid:
    # the odds scaling is monotone: a cell's ends map to the scaled cell's ends
    return BaselineGrid(trend_rates(grid.p, strata, factors), grid.w,
                        trend_rates(grid.lo, strata, factors),
                        trend_rates(grid.hi, strata, factors))


def point_grid(p: FloatArray) -> BaselineGrid:
    pp = np.clip(np.asarray(p, float), 1e-12, 1.0 - 1e-12)[:, None]
    return BaselineGrid(pp, np.ones_like(pp), pp, pp)


def baseline_grid(strata: Sequence[StratumCounts], sigma: float = DRIFT_SIGMA, *,
                  trend_spread: bool = False) -> BaselineGrid:
    """The independent rate integrated over its uncertainty: the Jeffreys posterior
    Beta(x + 1/2, m - x + 1/2) of the baseline, times a log-normal factor (sd `sigma`) for
    drift between the baseline's addresses and A's earlier ones. Strata without baseline use
    their stated bound as a point; without a bound, a flat rate (no information).
    `trend_spread`: a stratum whose baseline an age trend corrects (trend > 1) gets a wider
    drift, half the correction's log added in quadrature: the correction is an extrapolation,
    and its error counts as uncertainty of the rate, not as evidence."""
    s_n = len(strata)
    p = np.empty((s_n, _P_NODES))
    lw = np.empty((s_n, _P_NODES))
    edge_lo = np.empty((s_n, _P_NODES))
    edge_hi = np.empty((s_n, _P_NODES))
    cell = np.arange(_P_NODES)
    for i, s in enumerate(strata):
        sig = math.hypot(sigma, 0.5 * math.log(s.trend)) if trend_spread and s.trend > 1.0 \
            else sigma
        theta = np.exp(sig * _DRIFT_NODES)
        if s.m == 0:
            if s.p_assumed is not None:
                p[i] = edge_lo[i] = edge_hi[i] = s.p_assumed
                lw[i] = 0.0
            else:
                p[i] = (cell + 0.5) / _P_NODES
                edge_lo[i], edge_hi[i] = cell / _P_NODES, (cell + 1.0) / _P_NODES
                lw[i] = 0.0
            continue
        a, b = s.x + 0.5, s.m - s.x + 0.5
        mean = a / (a + b)
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))
        hi = min(1.0, (mean + 9.0 * sd + 6.0 / s.m) * theta[-1])
        lo = max(0.0, (mean - 9.0 * sd) * theta[0])
        nodes = lo + (hi - lo) * (cell + 0.5) / _P_NODES
        edge_lo[i] = lo + (hi - lo) * cell / _P_NODES
        edge_hi[i] = lo + (hi - lo) * (cell + 1.0) / _P_NODES
        z = nodes[:, None] / theta[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            dens = (a - 1.0) * np.log(z) + (b - 1.0) * np.log1p(-z) - np.log(theta)[None, :]
        dens = np.where((z > 0) & (z < 1), dens, -np.inf) + np.log(_DRIFT_W)[None, :]
        top = dens.max()
        lw[i] = np.log(np.exp(dens - top).sum(axis=1)) + top
        p[i] = nodes
    lw = lw - lw.max(axis=1, keepdims=True)
    w = np.exp(lw)
    w /= w.sum(axis=1, keepdims=True)
    return BaselineGrid(np.clip(p, 1e-12, 1.0 - 1e-12), w, np.clip(edge_lo, 0.0, 1.0),
                        np.clip(edge_hi, 0.0, 1.0))


MIN_BASELINE = 20


def pooled_baseline(cells: dict[tuple[str, str], tuple[int, int]], cls: str, kind: str,
                    min_m: int = MIN_BASELINE) -> tuple[int, int]:
    """(m, x) of a stratum's baseline from the baseline cells keyed (class, kind), where kind
    may carry a "/seen" or "/alone" suffix. A sparse cell is pooled with its neighbours, in
    this order: both neighbour states of its kind; every kind of its class; the invalid
    classes together (for an invalid class) with its kind; everything but bounced mailboxes;
    a bounced mailbox ("inv_mailbox") is pooled with its own class, then with the
    valid-looking addresses of its kind, never with the malformed. Pooling moves the rate
    towards the overall overlap, the conservative direction for A's rare invalid strata. A
    valid-looking stratum ("ok") is never given another kind's rate: role addresses are found
    far more often than personal or business ones (an independent B scored 10^6 on its role
    addresses against a rate pooled with the others), so without `min_m` baseline addresses
    of its own kind it has none, (0, 0): no information, weighed as anywhere from none to all
    copied."""
    base = kind.split("/")[0]
    invalid = cls != "ok"

    def total(pred: Callable[[str, str], bool]) -> tuple[int, int]:
        sel = [v for (c, kd), v in cells.items() if pred(c, kd)]
        return sum(v[0] for v in sel), sum(v[1] for v in sel)

    chain: list[Callable[[str, str], bool]] = [
        lambda c, kd: c == cls and kd == kind,
        lambda c, kd: c == cls and kd.split("/")[0] == base,
    ]
    if cls == BOUNCED:
        # A mailbox that bounces now was, for most of a base's years, a real address (people
        # leave, old pages stay online): a collector finds it about as often as a valid
        # address of its kind (24% against 24.5% in an exploratory test), not as rarely as a
        # malformed string. A baseline rarely holds bounced addresses of its own (a bounce log
        # covers mailings sent before the cut-off; a reference has no bounce history), and
        # pooled with the malformed ones every independent crawl scored 10^6. So: its own
        # class, then the valid-looking addresses of its kind, else none.
        chain += [lambda c, kd: c == cls, lambda c, kd: c == "ok" and kd.split("/")[0] == base]
    elif invalid:
        chain += [
            lambda c, kd: c == cls,
            lambda c, kd: c not in ("ok", BOUNCED) and kd.split("/")[0] == base,
            lambda c, kd: c != BOUNCED,
        ]
    for pred in chain:
        m, x = total(pred)
        if m >= min_m:
            return m, x
    return (m, x) if invalid and cls != BOUNCED else (0, 0)


def _rho_prior(group: str) -> FloatArray:
    return _RHO_PRIOR_INVALID if group == "invalid" else _RHO_PRIOR_VALID


@dataclass(frozen=True, slots=True)
class LikelihoodTable:
    """Per stratum: log10 Bin(k; n, p + (1 - p) f rho) with p = theta_t * p_j over (T common
    drift nodes, F, RHO, J rate nodes), relative to Bin(k; n, 1/2), and the same under Hi;
    computed once, reused by the LR, its per-signal subsets and the copied-count estimate."""

    hd: FloatArray  # (S, T, F, RHO, J)
    hi: FloatArray  # (S, T, J)
    p: FloatArray  # (S, T, J)
    w: FloatArray  # (S, J)
    theta_w: FloatArray  # (T,)

    def loglik(self) -> tuple[FloatArray, FloatArray]:
        """Baseline-integrated log10 likelihoods: Hd (S, T, F, RHO) and Hi (S, T)."""
        w = self.w[:, None, None, None, :]
        return (log10_mean_exp10(self.hd, w),
                log10_mean_exp10(self.hi, self.w[:, None, :]))


def _scale_odds(p: FloatArray, theta: FloatArray) -> FloatArray:
    """Drift applied to the odds, so a drifted rate stays below 1 (~ p * theta for small p)."""
    return np.asarray(p * theta / (1.0 - p + p * theta), float)


def common_nodes(sigma: float) -> tuple[FloatArray, FloatArray]:
    """Standard-normal nodes and weights of the drift common to all strata: 5 over +-2 sd
    for the usual drift (`COMMON_SIGMA`), 7 over +-2.5 sd for a wider one (the uncertain
    growth of the near-cut-off reading). Each node stands for the interval halfway to its
    neighbours (`likelihood_table` integrates it), so the steps leave no gap."""
    if sigma <= COMMON_SIGMA + 1e-12:
        return _COMMON_NODES, _COMMON_W
    nodes = np.linspace(-2.5, 2.5, 7)
    w = np.exp(-0.5 * nodes**2)
    return nodes, w / w.sum()


def likelihood_table(strata: Sequence[StratumCounts], grid: BaselineGrid | None = None,
                     common_sigma: float = COMMON_SIGMA,
                     loadings: Sequence[float] | None = None) -> LikelihoodTable:
    """`loadings`: each stratum's sd of the common drift (one standard-normal factor shared
    by all strata, each scaled by its own sd); `common_sigma` for all strata by default."""
    g = grid if grid is not None else baseline_grid(strata)
    sig = np.full(len(strata), common_sigma) if loadings is None \
        else np.asarray(loadings, float)
    if common_sigma > 0 and len(sig) and float(sig.max()) > 0:
        nodes, tw = common_nodes(float(sig.max()))
        half = 0.5 * float(nodes[1] - nodes[0])
    else:
        nodes, tw, half = np.zeros(1), np.ones(1), 0.0
    # the drift node's own interval widens each rate cell: the likelihood is integrated
    # over both, so no value of the common factor between two nodes is left out
    theta = np.exp(sig[:, None] * nodes[None, :])  # (S, T)
    theta_lo = np.exp(sig[:, None] * (nodes[None, :] - half))
    theta_hi = np.exp(sig[:, None] * (nodes[None, :] + half))
    # stated bounds (no baseline) are not subject to drift
    fixed = np.array([s.m == 0 for s in strata])[:, None, None]

    def drifted(r: FloatArray, th: FloatArray) -> FloatArray:
        out = np.where(fixed, r[:, None, :], _scale_odds(r[:, None, :], th[:, :, None]))
        return np.asarray(np.clip(out, 1e-12, 1.0 - 1e-9), float)

    p, lo, hi_ = drifted(g.p, theta), drifted(g.lo, theta_lo), drifted(g.hi, theta_hi)
    c = (F_GRID[:, None] * RHO_GRID[None, :])[None, None, :, :, None]
    k = np.array([s.k for s in strata], float)
    n = np.array([s.n for s in strata], float)
    # Each cell of the rate's histogram is integrated, under both propositions: p + (1 - p) c
    # maps the cell [lo, hi] onto [lo + (1 - lo) c, hi + (1 - hi) c] linearly.
    lo5, hi5 = lo[:, :, None, None, :], hi_[:, :, None, None, :]
    hd = binom_cell_log10_ratio(k[:, None, None, None, None], n[:, None, None, None, None],
                                lo5 + (1.0 - lo5) * c, hi5 + (1.0 - hi5) * c)
    hi = binom_cell_log10_ratio(k[:, None, None], n[:, None, None], lo, hi_)
    return LikelihoodTable(hd, hi, p, g.w, tw)


def count_model(strata: Sequence[StratumCounts], *, grid: BaselineGrid | None = None,
                fixed_rho: dict[str, float] | None = None,
                table: LikelihoodTable | None = None,
                loglik: tuple[FloatArray, FloatArray] | None = None) -> CountModelResult:
    """log10 LR of the per-stratum counts (only strata with in_lr), integrating f, rho, the
    common drift and each stratum's independent rate (`grid`; default `baseline_grid`).
    `table`/`loglik` (for all strata) avoid recomputing."""
    keep = [i for i, s in enumerate(strata) if s.in_lr and s.n > 0]
    use = [strata[i] for i in keep]
    if table is None:
        table = likelihood_table(strata, grid)
    nt = len(table.theta_w)
    if not use:
        return CountModelResult(0.0, np.full((nt, len(F_GRID)), 1.0 / (nt * len(F_GRID))), {})
    lhd_all, lhi_all = loglik if loglik is not None else table.loglik()
    lhd, lhi = lhd_all[keep], lhi_all[keep]
    total = np.zeros((nt, len(F_GRID)))
    rho_post: dict[str, FloatArray] = {}
    for g in GROUPS:
        idx = [i for i, s in enumerate(use) if s.group == g]
        if not idx:
            continue
        lg = lhd[idx].sum(axis=0)  # (T, F, RHO)
        prior = _rho_prior(g).copy()
        if fixed_rho and g in fixed_rho:
            prior = np.zeros_like(prior)
            prior[round(fixed_rho[g] * (len(RHO_GRID) - 1))] = 1.0
        with np.errstate(divide="ignore"):
            lgp = lg + np.log10(np.where(prior > 0, prior, 1e-300))[None, None, :]
        marg = log10_mean_exp10(lgp, np.ones_like(lgp))
        total += marg
        post = np.power(10.0, lgp - marg[:, :, None])
        rho_post[g] = post / post.sum(axis=2, keepdims=True)
    wf = np.full(len(F_GRID), 1.0 / len(F_GRID))
    joint_w = table.theta_w[:, None] * wf[None, :]
    hd_total = float(log10_mean_exp10(total.ravel(), joint_w.ravel()))
    hi_total = float(log10_mean_exp10(lhi.sum(axis=0), table.theta_w))
    post = joint_w * np.power(10.0, total - total.max())
    return CountModelResult(hd_total - hi_total, post / post.sum(), rho_post)


@dataclass(frozen=True, slots=True)
class CopiedEstimate:
    estimate: float
    ci95: tuple[float, float]


def copied_estimate(strata: Sequence[StratumCounts], grid: BaselineGrid | None = None,
                    theta_w: FloatArray | None = None, *,
                    loadings: Sequence[float] | None = None,
                    whole: Sequence[StratumCounts] | None = None) -> CopiedEstimate:
    """How many of B's addresses derive from A's base, with a 95% interval.

    Per stratum, k = D + I: D addresses taken from A and I found independently among the
    n - D others, so E[k] = D + (n - D) p and D = (k - n p) / (1 - p). The interval adds the
    binomial spread of I, (n - D) p (1 - p), and the uncertainty of p: its baseline posterior
    and each stratum's drift, and the drift common to all strata, weighted by `theta_w` (its
    posterior under Hd from the count model, which the high-rate strata pin down; prior if
    not given). No assumption on f or on which groups the copier kept. The sum is not clipped
    per stratum (that would bias it upwards); the interval is clipped to [0, shared]. Strata
    left out of the LR (bulk imports) take their group's organic copied share.

    `loadings`: each stratum's sd of the common drift, as in `likelihood_table`. `whole`:
    when `strata` are the near-cut-off reading's (`near_strata`), the same strata whole, in
    the same order: each organic stratum's count is scaled from its near window to all its
    addresses (a copy at the cut-off takes the same share of every age), and one with no
    near addresses is anywhere in [0, its shared count]."""
    g = grid if grid is not None else baseline_grid(strata)
    sig = np.full(len(strata), COMMON_SIGMA) if loadings is None \
        else np.asarray(loadings, float)
    nodes, prior_w = common_nodes(float(sig.max()) if len(sig) else COMMON_SIGMA)
    theta = np.exp(sig[:, None] * nodes[None, :])  # (S, T)
    tw = prior_w if theta_w is None else np.asarray(theta_w, float) / np.sum(theta_w)
    k = np.array([s.k for s in strata], float)[:, None, None]
    n = np.array([s.n for s in strata], float)[:, None, None]
    fixed = np.array([s.m == 0 for s in strata])[:, None, None]
    p = np.where(fixed, g.p[:, None, :], _scale_odds(g.p[:, None, :], theta[:, :, None]))
    p = np.clip(p, 0.0, 1.0 - 1e-9)  # (S, T, J)
    d = (k - n * p) / (1.0 - p)
    spread = np.clip(n - d, 0.0, n) * p / (1.0 - p)
    w = g.w[:, None, :]
    mean_s = (w * d).sum(axis=2)  # (S, T)
    var_s = (w * (d * d + spread)).sum(axis=2) - mean_s**2
    for i, s in enumerate(strata):
        if s.m == 0 and s.p_assumed is None:  # no information: anywhere in [0, k]
            mean_s[i], var_s[i] = s.k / 2.0, s.k * s.k / 12.0
    n_all = n[:, 0, 0].copy()
    shared = float(k.sum())
    if whole is not None:
        for i, (s, w_) in enumerate(zip(strata, whole, strict=True)):
            if not w_.in_lr:
                continue
            if s.n > 0:
                r = w_.n / s.n
                mean_s[i], var_s[i] = mean_s[i] * r, var_s[i] * r * r
            else:
                mean_s[i], var_s[i] = w_.k / 2.0, w_.k * w_.k / 12.0
            n_all[i] = w_.n
        shared = float(sum(w_.k for w_ in whole))
    # Bulk imports (possibly sold to B by the same seller) are not measured directly: each
    # takes the copied share of the organic stratum of the same class and kind, since copying
    # does not choose by import date; without such a stratum, the direct estimate is used.
    organic = {s.name: i for i, s in enumerate(strata) if s.in_lr}
    scale = np.ones(len(strata))
    mean_t = np.zeros(theta.shape[1])
    var_t = np.zeros(theta.shape[1])
    for i, s in enumerate(strata):
        j = organic.get(s.name.removesuffix("/bulk"))
        if s.in_lr or j is None or n_all[j] == 0:
            continue
        scale[i] = 0.0
        ratio = s.n / n_all[j]
        scale[j] += ratio
        frac = np.clip(mean_s[j] / n_all[j], 0.0, 1.0)
        mean_t += np.minimum(s.n * frac, s.k) - ratio * mean_s[j]
        var_t += s.n * frac * (1.0 - frac)
    mean_t += (scale[:, None] * mean_s).sum(axis=0)
    var_t += (scale[:, None] ** 2 * var_s).sum(axis=0)
    sd_t = np.sqrt(np.maximum(var_t, 0.0) + 0.25)
    total = shared
    est = min(max(float((tw * mean_t).sum()), 0.0), total)
    grid_d = np.linspace(-total - 1.0, 2.0 * total + 1.0, 6001)
    z = (grid_d[:, None] - mean_t[None, :]) / sd_t[None, :]
    cdf = (tw[None, :] * 0.5 * (1.0 + _erf(z / math.sqrt(2.0)))).sum(axis=1)
    lo = float(grid_d[min(int(np.searchsorted(cdf, 0.025)), len(grid_d) - 1)])
    hi = float(grid_d[min(int(np.searchsorted(cdf, 0.975)), len(grid_d) - 1)])
    lo, hi = min(max(lo, 0.0), total), min(max(hi, 0.0), total)
    lo_i, hi_i = math.floor(lo), math.ceil(max(hi, lo))
    # When most of the distribution lies beyond what B shares with A, both quantiles clip to
    # the shared count while the mean stays below it: the estimate reported must lie inside
    # its own interval.
    return CopiedEstimate(min(max(round(est), lo_i), hi_i), (lo_i, hi_i))


def _erf(x: FloatArray) -> FloatArray:
    """Vectorized erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
               + 0.254829592) * t * np.exp(-a * a)
    return np.asarray(sign * y, float)


# -- raw form and order: signals on the shared records' attributes ---------------------------

@dataclass(frozen=True, slots=True)
class AuxResult:
    log10_lr: float
    included: bool
    counts: dict[str, float | None] = field(default_factory=dict)
    note_item: Item | None = None  # why it is not weighed (evidence.wording)

    @property
    def note(self) -> str:
        return "" if self.note_item is None else en_text(self.note_item)


def raw_form_lr(u: int, t: int, u0: int, t0: int, *, min_baseline: int = 20) -> AuxResult:
    """Identical unusual raw spellings. u shared addresses (pre-cut-off) whose raw form in A is
    unusual (not equal to its key: case, spaces, encoding damage), t of them spelled the same in
    B; u0/t0 the same on shared addresses that cannot be copied (the baseline). Hi: t ~ Bin(u,
    b); Hd: t ~ Bin(u, b + (1-b) g) with g half at 0
    (spellings laundered, e.g. lower-cased) and half uniform on [0, 1] (kept for a share of the
    copied records). The mixture keeps the LR >= 1/2: laundering is cheap. b is integrated over
    the baseline's Jeffreys posterior (with the drift allowance), like the counts."""
    counts: dict[str, float | None] = {"unusual_shared": u, "same_spelling": t,
                                       "baseline_unusual": u0, "baseline_same": t0}
    if u == 0:
        return AuxResult(0.0, False, counts, item("note.raw_no_unusual"))
    if u0 < min_baseline:
        return AuxResult(0.0, False, counts,
                         item("note.raw_few_baseline", min_baseline=min_baseline))
    grid = baseline_grid([StratumCounts("raw", "raw", u, t, u0, t0)])
    lo, hi_ = grid.lo[0][:, None], grid.hi[0][:, None]
    g = np.linspace(0.0, 1.0, 101)[None, :]
    # each cell of b integrated, as in the count model (`binom_cell_log10_ratio`)
    hd = binom_cell_log10_ratio(float(t), float(u), lo + (1.0 - lo) * g, hi_ + (1.0 - hi_) * g)
    hi = binom_cell_log10_ratio(float(t), float(u), lo, hi_)
    wg = np.full(101, 0.5 / 101)
    wg[0] += 0.5
    joint_w = grid.w[0][:, None] * wg[None, :]
    lhd = float(log10_mean_exp10(hd.ravel(), joint_w.ravel()))
    lhi = float(log10_mean_exp10(hi[:, 0], grid.w[0]))
    return AuxResult(lhd - lhi, True, counts)


def order_lr(tau: float, n: int, tau0: float | None, n0: int, *,
             min_baseline: int = 30) -> AuxResult:
    """Preserved insertion order. tau: Kendall tau between A's and B's positions of n shared
    pre-cut-off records; tau0 on n0 shared records that cannot be copied. Hi: tau ~ N(tau0, s)
    with s from both null variances; Hd: half at tau0 (shuffled or re-sorted), half uniform on
    [tau0, 1] (the copied block kept its order)."""
    counts: dict[str, float | None] = {"shared": n, "tau": round(tau, 4), "baseline_shared": n0,
              "baseline_tau": None if tau0 is None else round(tau0, 4)}
    if n < 10:
        return AuxResult(0.0, False, counts, item("note.order_too_few"))
    if tau0 is None or n0 < min_baseline:
        return AuxResult(0.0, False, counts, item("note.order_no_baseline"))
    s = math.hypot(kendall_tau_null_sd(n), kendall_tau_null_sd(n0))
    phi0 = math.exp(-0.5 * ((tau - tau0) / s) ** 2) / (s * math.sqrt(2 * math.pi))
    width = max(1.0 - tau0, 1e-6)
    z_hi, z_lo = (1.0 - tau) / s, (tau0 - tau) / s
    unif = float(0.5 * (math.erf(z_hi / math.sqrt(2)) - math.erf(z_lo / math.sqrt(2)))) / width
    hd = 0.5 * phi0 + 0.5 * unif
    lr = math.log10(hd / phi0) if phi0 > 0.0 and hd > 0.0 else (300.0 if hd > 0 else 0.0)
    return AuxResult(lr, True, counts)


def combine(count_log10: float, aux: Sequence[AuxResult], cap: float) -> float:
    """Counts LR times each included auxiliary LR (capped at AUX_CAP: they use the spellings and
    positions of the shared records, not how many are shared, but a common source page can
    carry both spelling and order), capped overall at `cap` in both directions."""
    total = count_log10
    for a in aux:
        if a.included:
            total += min(a.log10_lr, AUX_CAP)
    return float(max(-cap, min(cap, total)))
