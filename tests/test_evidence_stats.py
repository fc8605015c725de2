"""Provenance evidence (issue 8): each statistic against hand-computed small cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mailhygiene.evidence.evaluate import verbal
from mailhygiene.evidence.model import (
    AUX_CAP,
    CURVATURE_SIGMA,
    CURVATURE_VARIANTS,
    F_GRID,
    MAX_TREND,
    RHO_GRID,
    AuxResult,
    BaselineGrid,
    StratumCounts,
    _rho_prior,
    age_trend_factor,
    combine,
    copied_estimate,
    copied_trend_factor,
    count_model,
    likelihood_table,
    near_growth,
    near_strata,
    order_lr,
    point_grid,
    pooled_baseline,
    post_gradient,
    post_gradient_factor,
    raw_form_lr,
)
from mailhygiene.evidence.stats import (
    beta_quantile,
    betainc,
    binom_cell_log10_ratio,
    binom_log10_ratio,
    enfsi_words,
    jeffreys_interval,
    kendall_tau,
    kendall_tau_null_sd,
    log_norm_cdf,
)

# -- beta, Jeffreys ---------------------------------------------------------------------------


@pytest.mark.parametrize(("q", "a", "b", "expected"), [
    # Beta(1, b): CDF 1 - (1 - x)^b, so the quantile is 1 - (1 - q)^(1/b)
    pytest.param(0.975, 1.0, 4.0, 1 - 0.025 ** 0.25, id="beta-1-4"),
    # Beta(a, 1): CDF x^a, quantile q^(1/a)
    pytest.param(0.5, 3.0, 1.0, 0.5 ** (1 / 3), id="beta-3-1"),
    # symmetric: the median is 1/2
    pytest.param(0.5, 7.5, 7.5, 0.5, id="symmetric-median"),
])
def test_beta_quantile_closed_forms(q: float, a: float, b: float, expected: float) -> None:
    assert float(beta_quantile(q, a, b)[()]) == pytest.approx(expected, abs=1e-9)


def test_betainc_against_trapezoid() -> None:
    # Beta(0.5, 10.5) CDF at 0.2 by substitution x = u^2 (removes the singularity at 0):
    # integral of 2 (1 - u^2)^9.5 du from 0 to sqrt(0.2), over B(0.5, 10.5).
    u = np.linspace(0.0, math.sqrt(0.2), 200_001)
    y = 2.0 * (1.0 - u**2) ** 9.5
    integral = float(np.sum((y[1:] + y[:-1]) / 2.0 * np.diff(u)))
    beta_fn = math.exp(math.lgamma(0.5) + math.lgamma(10.5) - math.lgamma(11.0))
    assert float(betainc(0.5, 10.5, 0.2)[()]) == pytest.approx(integral / beta_fn, abs=1e-8)


def test_jeffreys_interval_ends() -> None:
    lo, hi = jeffreys_interval([0, 10, 0], [10, 10, 0])
    assert lo[0] == 0.0 and hi[1] == 1.0  # x = 0 and x = n conventions
    assert (lo[2], hi[2]) == (0.0, 1.0)  # no data, no information
    # x = 0, n = 10: upper end is the 97.5% quantile of Beta(0.5, 10.5)
    assert float(betainc(0.5, 10.5, hi[0])[()]) == pytest.approx(0.975, abs=1e-9)
    assert hi[0] == pytest.approx(0.2172, abs=5e-4)


def test_jeffreys_interval_interior_contains_estimate() -> None:
    lo, hi = jeffreys_interval(50, 1000)
    assert lo[0] < 0.05 < hi[0]
    assert float(betainc(50.5, 950.5, lo[0])[()]) == pytest.approx(0.025, abs=1e-9)


# -- binomial ratio, Kendall tau, verbal scale -----------------------------------------------


def test_binom_log10_ratio_hand() -> None:
    # Bin(3; 10, .5) / Bin(3; 10, .3): the binomial coefficient cancels.
    expected = 10 * math.log10(0.5) - 3 * math.log10(0.3) - 7 * math.log10(0.7)
    got = binom_log10_ratio(3.0, 10.0, np.array(0.5), np.array(0.3))
    assert float(got) == pytest.approx(expected, abs=1e-12)
    via_comb = math.log10(math.comb(10, 3) * 0.5**10 / (math.comb(10, 3) * 0.3**3 * 0.7**7))
    assert float(got) == pytest.approx(via_comb, abs=1e-12)


@pytest.mark.parametrize(("x", "y", "tau"), [
    pytest.param([1, 2, 3, 4], [1, 2, 3, 4], 1.0, id="same-order"),
    pytest.param([1, 2, 3, 4], [4, 3, 2, 1], -1.0, id="reversed"),
    pytest.param([1, 2, 3, 4], [1, 3, 2, 4], 4 / 6, id="one-swap"),  # 5 concordant, 1 not
    pytest.param([3, 1, 2], [1, 2, 3], -1 / 3, id="three"),  # pairs: (3,1)- (3,2)- (1,2)+
])
def test_kendall_tau_hand(x: list[int], y: list[int], tau: float) -> None:
    assert kendall_tau(np.array(x, float), np.array(y, float)) == pytest.approx(tau)


def test_kendall_tau_matches_pair_count() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.permutation(60).astype(float), rng.permutation(60).astype(float)
    s = sum(np.sign(x[i] - x[j]) * np.sign(y[i] - y[j])
            for i in range(60) for j in range(i + 1, 60))
    assert kendall_tau(x, y) == pytest.approx(s / (60 * 59 / 2))


def test_kendall_null_sd_hand() -> None:
    assert kendall_tau_null_sd(10) == pytest.approx(math.sqrt(50 / 810))


@pytest.mark.parametrize(("log10_lr", "words"), [
    pytest.param(0.0, "no support", id="lr-1"),
    pytest.param(0.5, "weak support", id="lr-3"),
    pytest.param(1.5, "moderate support", id="lr-30"),
    pytest.param(2.5, "moderately strong support", id="lr-300"),
    pytest.param(3.5, "strong support", id="lr-3000"),
    pytest.param(5.0, "very strong support", id="lr-1e5"),
    pytest.param(6.0, "extremely strong support", id="lr-1e6"),
    pytest.param(-2.5, "moderately strong support", id="lr-1/300"),
])
def test_enfsi_bands(log10_lr: float, words: str) -> None:
    assert enfsi_words(log10_lr) == words


def test_verbal_wording_states_propositions_not_copying() -> None:
    pro = verbal(4.5)
    assert pro.startswith("The findings provide very strong support for the proposition that B "
                          "derives from A's base rather than independent collection")
    con = verbal(-1.5)
    assert "moderate support" in con and "collected independently" in con
    for text in (pro, con, verbal(0.1)):
        assert "copied" not in text and "probability" not in text


# -- the count model ----------------------------------------------------------------------------


def _hand_lr(strata: list[tuple[int, int, float, str]]) -> float:
    """Direct sum: mean over f of prod over groups of sum over rho of prior * prod of
    binomial ratios (fixed independent rates, no drift)."""
    total = 0.0
    for f in F_GRID:
        prod = 1.0
        for g in {s[3] for s in strata}:
            acc = 0.0
            for rho, w in zip(RHO_GRID, _rho_prior(g), strict=True):
                term = w
                for n, k, p, gg in strata:
                    if gg != g:
                        continue
                    hit = p + (1 - p) * f * rho
                    term *= (hit**k * (1 - hit) ** (n - k)) / (p**k * (1 - p) ** (n - k))
                acc += term
            prod *= acc
        total += prod / len(F_GRID)
    return math.log10(total)


@pytest.mark.parametrize("cells", [
    pytest.param([(40, 4, 0.1, "personal")], id="one-stratum-at-baseline"),
    pytest.param([(40, 12, 0.1, "personal")], id="one-stratum-excess"),
    pytest.param([(30, 9, 0.2, "public"), (20, 3, 0.05, "invalid"),
                  (25, 2, 0.1, "personal")], id="three-groups"),
])
def test_count_model_matches_hand_sum(cells: list[tuple[int, int, float, str]]) -> None:
    strata = [StratumCounts(f"s{i}", g, n, k) for i, (n, k, _, g) in enumerate(cells)]
    table = likelihood_table(strata, point_grid(np.array([c[2] for c in cells])),
                             common_sigma=0.0)
    got = count_model(strata, table=table).log10_lr
    assert got == pytest.approx(_hand_lr(cells), abs=1e-9)


def test_count_model_direction() -> None:
    at_base = [StratumCounts("a", "personal", 5000, 250, 5000, 250)]
    excess = [StratumCounts("a", "personal", 5000, 500, 5000, 250)]
    assert count_model(at_base).log10_lr < 0.0
    assert count_model(excess).log10_lr > 5.0


def test_count_model_ignores_strata_out_of_lr() -> None:
    organic = StratumCounts("a", "personal", 5000, 250, 5000, 250)
    bulk = StratumCounts("a/bulk", "personal", 2000, 1500, 5000, 250, in_lr=False)
    assert count_model([organic, bulk]).log10_lr == pytest.approx(
        count_model([organic]).log10_lr)


def test_copied_estimate_hand() -> None:
    # p = 0.1 stated (no drift): D = (300 - 1000 * 0.1) / 0.9 = 222.2;
    # sd = sqrt((1000 - 222.2) * 0.1 / 0.9) = 9.30, so the 95% interval is about 204..240.
    s = StratumCounts("a", "personal", 1000, 300, p_assumed=0.1)
    est = copied_estimate([s])
    assert est.estimate == 222
    assert est.ci95[0] == pytest.approx(222.2 - 1.96 * 9.30, abs=1.5)
    assert est.ci95[1] == pytest.approx(222.2 + 1.96 * 9.30, abs=1.5)


def test_copied_estimate_bulk_takes_organic_share() -> None:
    org = StratumCounts("a", "personal", 1000, 300, p_assumed=0.1)
    # a bulk import fully shared with B (a list sold to both) adds only the organic share
    bulk = StratumCounts("a/bulk", "personal", 500, 500, p_assumed=0.1, in_lr=False)
    est = copied_estimate([org, bulk])
    assert est.estimate == pytest.approx(222.2 * 1.5, abs=1.0)


def test_copied_estimate_independent_interval_reaches_zero() -> None:
    s = StratumCounts("a", "personal", 5000, 250, 5000, 250)
    est = copied_estimate([s])
    assert est.ci95[0] == 0 and est.estimate < est.ci95[1]


# -- auxiliary signals ------------------------------------------------------------------------


def test_raw_form_not_weighed_without_baseline() -> None:
    assert not raw_form_lr(0, 0, 100, 10).included
    assert not raw_form_lr(50, 40, 10, 1).included


def test_raw_form_direction_and_floor() -> None:
    same = raw_form_lr(200, 20, 200, 20)
    assert math.log10(0.5) - 1e-9 <= same.log10_lr < 0.1
    kept = raw_form_lr(200, 150, 200, 20)
    assert kept.log10_lr > 10


def test_order_lr_hand_at_baseline() -> None:
    # tau = tau0 = 0: Hd = 0.5 phi(0) + 0.5 * P(0 <= N(0, s) <= 1) / 1 and Hi = phi(0)
    n, n0 = 400, 100
    s = math.hypot(kendall_tau_null_sd(n), kendall_tau_null_sd(n0))
    phi0 = 1 / (s * math.sqrt(2 * math.pi))
    unif = 0.5 * math.erf(1 / s / math.sqrt(2))
    expected = math.log10((0.5 * phi0 + 0.5 * unif) / phi0)
    res = order_lr(0.0, n, 0.0, n0)
    assert res.included and res.log10_lr == pytest.approx(expected, abs=1e-12)


def test_order_lr_needs_baseline() -> None:
    assert not order_lr(0.9, 500, None, 0).included
    assert not order_lr(0.9, 500, 0.0, 5).included
    assert order_lr(0.9, 500, 0.0, 100).log10_lr > 3


def test_combine_caps() -> None:
    aux = [AuxResult(5.0, True), AuxResult(-0.2, True), AuxResult(9.0, False)]
    assert combine(1.0, aux, 6.0) == pytest.approx(1.0 + AUX_CAP - 0.2)
    assert combine(10.0, aux, 6.0) == 6.0
    assert combine(-10.0, [], 6.0) == -6.0


def test_pooled_baseline_chain() -> None:
    cells = {("ok", "business/seen"): (100, 30), ("ok", "business/alone"): (5, 1),
             ("inv_syntax", "freemail"): (3, 0), ("inv_domain", "freemail"): (40, 1),
             ("ok", "freemail"): (500, 40)}
    assert pooled_baseline(cells, "ok", "business/seen") == (100, 30)
    assert pooled_baseline(cells, "ok", "business/alone") == (105, 31)  # both neighbour states
    assert pooled_baseline(cells, "inv_syntax", "freemail") == (43, 1)  # invalid classes
    assert pooled_baseline({("inv_syntax", "role/seen"): (1, 0)}, "inv_syntax",
                           "role/seen") == (1, 0)  # nothing to pool with


def test_copied_estimate_lies_inside_its_interval() -> None:
    """A B made almost entirely of A's addresses: the interval clips at the shared count and the
    point estimate must not fall outside it."""
    from mailhygiene.evidence.model import copied_estimate as estimate

    for strata in _clip_cases():
        est = estimate(strata)
        lo, hi = est.ci95
        assert est.estimate is not None and lo <= est.estimate <= hi


def _clip_cases() -> list[list[object]]:
    from mailhygiene.evidence.model import StratumCounts

    return [
        # Found by a random search: the mixture's 2.5% quantile clips at the shared count
        # while its mean stays below it.
        [StratumCounts("s0", "valid", n=20000, k=19980, m=50, x=2),
         StratumCounts("s1", "invalid", n=20000, k=19800, m=1000, x=1, invalid=True)],
        [StratumCounts("s0", "valid", n=20000, k=20000, p_assumed=0.05),
         StratumCounts("s1", "invalid", n=60000, k=59940, m=50, x=0, invalid=True)],
        [StratumCounts("valid", "valid", n=10, k=10, m=5, x=0)],
    ]


@pytest.mark.parametrize(("n", "k", "post", "low", "high"), [
    ([1000, 1000, 1000, 1000], [50, 50, 50, 50], 4.5, 1.0, 1.0),      # flat: no correction
    ([1000, 1000, 1000, 1000], [20, 30, 45, 70], 4.5, 1.0, 1.0),      # newer more found: none
    ([10394, 9970, 9549, 9436], [748, 521, 412, 339], 4.2, 1.6, 2.1),  # demo universe, freemail
    ([551, 445, 392, 378], [153, 45, 29, 10], 4.1, 4.0, 20.0),        # its public role addresses
    ([10394, 9970, 9549, 9436], [5789, 5167, 4734, 4446], 4.2, 1.0, 1.25),  # a copy flattens it
    ([40, 40, 40, 40], [3, 2, 2, 1], 4.5, 1.0, 1.0),                   # noise: one SE eats it
    ([1000, 0, 0, 1000], [90, 0, 0, 10], 4.5, 1.0, 1.0),               # two slices: no slope
    ([10**6] * 4, [10**5, 10**4, 10**3, 10**2], 9.0, 20.0, 20.0),      # capped
])
def test_age_trend_factor(n: list[int], k: list[int], post: float, low: float,
                          high: float) -> None:
    f = age_trend_factor(n, k, post)
    assert low <= f <= high
    s = StratumCounts("x", "personal", sum(n), sum(k), 1000, 10, age_n=tuple(n),
                      age_k=tuple(k), age_post=post)
    assert s.trend == f


@pytest.mark.parametrize(("ratio", "se", "expected"), [
    (1.0, 0.0, 1.0),                     # no gradient
    (0.5, 0.0, 1.0),                     # newer found more often: no correction
    (2.0, 0.0, 2 * 2**1.5 / 3),          # the line through both halves, at the cut-off
    (2.0, math.log(2.0), 1.0),           # one standard error eats it
    (4.0, math.log(2.0), 2 * 2**1.5 / 3),  # shrunk to 2 first
    (1e6, 0.0, MAX_TREND),               # capped
])
def test_post_gradient_factor(ratio: float, se: float, expected: float) -> None:
    assert post_gradient_factor(ratio, se) == pytest.approx(expected)


@pytest.mark.parametrize(("halves", "older", "newer", "ratio", "factor_above_1"), [
    # one kind: rates 20% and 10%, 2 times
    ({"freemail": (1000, 200, 1000, 100)}, 0.2, 0.1, 2.0, True),
    # two kinds, each flat, mixed differently in the halves: no gradient once kinds count
    ({"freemail": (900, 90, 100, 10), "business/alone": (100, 50, 900, 450)},
     0.14, 0.46, 1.0, False),
    # too few in B in a half to measure anything
    ({"freemail": (1000, 4, 1000, 100)}, None, None, None, False),
])
def test_post_gradient(halves: dict[str, tuple[int, int, int, int]], older: float | None,
                       newer: float | None, ratio: float | None,
                       factor_above_1: bool) -> None:
    g = post_gradient(halves)
    if ratio is None:
        assert g is None
        return
    assert g is not None
    assert (g.older, g.newer, g.ratio) == pytest.approx((older, newer, ratio))
    assert (g.factor > 1.0) == factor_above_1
    s = StratumCounts("ok/freemail", "personal", 100, 10, 1000, 10, post_factor=g.factor)
    assert s.trend == pytest.approx(g.factor)  # no age slices: the gradient alone


def test_post_factor_and_age_trend_are_not_multiplied() -> None:
    slices = {"age_n": (1000, 1000, 1000, 1000), "age_k": (90, 60, 40, 25), "age_post": 4.5}
    age = StratumCounts("x", "personal", 4000, 215, 1000, 10, **slices).trend  # type: ignore[arg-type]
    assert age > 1.5
    for post in (1.2, age, 2 * age):
        s = StratumCounts("x", "personal", 4000, 215, 1000, 10, post_factor=post,
                          **slices)  # type: ignore[arg-type]
        assert s.trend == pytest.approx(max(age, post)) and s.age_factor == pytest.approx(age)
    # no baseline, no correction
    assert StratumCounts("x", "personal", 10, 1, post_factor=3.0).trend == 1.0


@pytest.mark.parametrize(("share", "slope"), [(0.0, 0.0), (0.0, -0.4), (0.3, -0.4),
                                              (0.5, -0.8), (0.3, 0.0), (0.2, -0.5)])
def test_copied_trend_factor_recovers_the_trend_under_a_copy(share: float,
                                                             slope: float) -> None:
    """Slices whose independent rate falls with age as exp(slope * (q - post)) from a
    baseline rate of 2%, plus a copied share: the factor fitted with the share taken out is
    the true one, where the test's factor (the slope of the diluted rates) is smaller."""
    post, p0, n = 4.5, 0.02, 10**6
    q = np.arange(4.0)
    p = p0 * np.exp(slope * (q - post))
    rate = p + (1 - p) * share
    k = tuple(round(n * r) for r in rate)
    s = StratumCounts("x", "personal", 4 * n, sum(k), 10**6, int(p0 * 10**6),
                      age_n=(n,) * 4, age_k=k, age_post=post)
    mean_p = float(np.mean(p))
    truth = (mean_p / (1 - mean_p)) / (p0 / (1 - p0))  # on the odds, as it is applied
    got = copied_trend_factor(s, p0)
    assert got == pytest.approx(min(max(truth, 1.0), MAX_TREND), rel=0.02)
    if share and slope:
        assert s.trend < got


# -- the likelihood integrated over each cell of the rate's prior ------------------------------


@pytest.mark.parametrize("u", [-40.0, -12.0, -5.0, -1.0, 0.0, 0.7, 3.0, 9.0])
def test_log_norm_cdf(u: float) -> None:
    if u > -8.0:
        expected = math.log(0.5 * math.erfc(-u / math.sqrt(2.0)))
    else:  # the asymptotic series of Mills' ratio: erfc itself underflows at -40
        expected = (-0.5 * u * u - math.log(-u) - 0.5 * math.log(2.0 * math.pi)
                    + math.log(1.0 - 1.0 / u**2 + 3.0 / u**4 - 15.0 / u**6))
    assert float(log_norm_cdf(np.array(u))) == pytest.approx(expected, rel=1e-6, abs=1e-9)


def _cell_by_quadrature(k: int, n: int, lo: float, hi: float) -> float:
    q = np.linspace(lo, hi, 200_001)
    ll = binom_log10_ratio(float(k), float(n), q, np.full_like(q, 0.5)) * math.log(10.0)
    top = float(ll.max())
    return (top + math.log(float(np.trapezoid(np.exp(ll - top), q)) / (hi - lo))) / math.log(10)


@pytest.mark.parametrize(("k", "n", "lo", "hi", "tol"), [
    # a stratum of 10,000 against cells of a small baseline: the peak inside, at an edge,
    # in either tail
    (766, 10241, 0.026, 0.078, 0.005),
    (766, 10241, 0.078, 0.13, 0.005),
    (766, 10241, 0.0, 0.05, 0.005),
    (766, 10241, 0.09, 0.125, 0.005),
    (5000, 100000, 0.3, 0.6, 0.005),
    (5, 100000, 0.001, 0.002, 0.005),
    # none or all in B: the maximum at an end of [0, 1]
    (0, 652, 0.0, 0.02, 0.005),
    (0, 652, 0.02, 0.04, 0.005),
    (652, 652, 0.9, 1.0, 0.005),
    # small strata, cells as wide as the likelihood: the quadratic is rougher
    (30, 100, 0.2, 0.9, 0.01),
    (4, 7, 0.0, 0.0625, 0.03),
    (1, 3, 0.0, 1.0, 0.035),
    (200, 400, 0.0, 0.3, 0.005),
])
def test_binom_cell_matches_quadrature(k: int, n: int, lo: float, hi: float,
                                       tol: float) -> None:
    got = float(binom_cell_log10_ratio(k, n, np.array(lo), np.array(hi)))
    assert got == pytest.approx(_cell_by_quadrature(k, n, lo, hi), abs=tol)


@pytest.mark.parametrize(("k", "n", "q"), [(3, 10, 0.3), (0, 50, 0.1), (766, 10241, 0.05),
                                           (0, 0, 0.2)])
def test_binom_cell_of_a_point_is_the_binomial(k: int, n: int, q: float) -> None:
    got = binom_cell_log10_ratio(k, n, np.array([q, q]), np.array([q, q + 1e-12]))
    want = float(binom_log10_ratio(float(k), float(n), np.array(q), np.array(0.5)))
    assert got == pytest.approx([want, want], abs=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_a_late_cut_off_with_an_age_trend_is_not_read_as_copying(seed: int) -> None:
    """Independent counts: each stratum's slices found log-linearly more often with age,
    a late cut-off (the baseline 0.6 slices after the last), a baseline of a few hundred
    addresses against thousands before the cut-off. The trend correction is right, but read
    at the cells' centres the baseline's grid (widened by the trend) is far coarser than a
    large stratum's likelihood: Hi could only take the nearest node where a free copied
    share filled the gap under Hd: these counts scored log10 LR 5.75 to 6 in 5 of these 6
    draws (16 of 20 above 2 in a longer run). Integrated over the cells: -0.05 to 0.2."""
    from mailhygiene.evidence.evaluate import weigh_arrays

    rng = np.random.default_rng(seed)
    strata = []
    for name, group, p0, n_slice, m in (("ok/freemail", "personal", 0.02, 2500, 430),
                                        ("ok/business/seen", "public", 0.07, 1200, 180),
                                        ("ok/role/seen", "public", 0.2, 100, 40)):
        pos, beta = 3.6, 0.55
        ks = tuple(int(rng.binomial(n_slice, min(0.95, p0 * math.exp(beta * (pos - q)))))
                   for q in range(4))
        strata.append(StratumCounts(name, group, 4 * n_slice, sum(ks), m,
                                    int(rng.binomial(m, p0)), age_n=(n_slice,) * 4,
                                    age_k=ks, age_post=pos))
    none = np.zeros(0)
    assert weigh_arrays(strata, (0, 0, 0, 0), (none, none), (none, none)).log10_lr < 1.0


# -- the near-cut-off reading --------------------------------------------------------------


def _growth_by_hand(yp: float, sp: float, yn: float, sn: float,
                    tau: float = CURVATURE_SIGMA) -> tuple[float, float]:
    """Closed form of the two sides' generalized least squares with a curvature of prior sd
    tau: log growth = 2 ((b + tau^2/2) yp + (a + tau^2/2) yn) / (a + b + tau^2) and variance
    (4ab + tau^2 (a + b)) / (a + b + tau^2), with a, b the sides' variances."""
    a, b, t2 = sp * sp, sn * sn, tau**2
    mean = ((b + t2 / 2) * yp + (a + t2 / 2) * yn) / (a + b + t2)
    return 2.0 * mean, math.sqrt((4 * a * b + t2 * (a + b)) / (a + b + t2))


@pytest.mark.parametrize(("post", "near", "yp", "sp", "yn", "sn"), [
    # later additions: 20 and 10 in B of 100 each (0.5 added); near window flat, 30 and 30
    ({"k": (100, 20, 100, 10)}, {"k": (100, 30, 100, 30)},
     math.log(20.5 / 10.5), math.sqrt(1 / 20.5 + 1 / 10.5), 0.0, math.sqrt(2 / 30.5)),
    # B holds none of the later additions: that side says nothing (ratio 1, sd 2), the near
    # window's gradient stands in, widened by the curvature
    ({"k": (100, 0, 100, 0)}, {"k": (100, 60, 100, 30)},
     0.0, 2.0, math.log(60.5 / 30.5), math.sqrt(1 / 60.5 + 1 / 30.5)),
    # two kinds each flat, mixed differently in the halves: no gradient once kinds count
    ({"a": (90, 9, 10, 1), "b": (10, 5, 90, 45)}, {"a": (50, 5, 50, 5)},
     math.log((14.5 / 14) / (46.5 / 46)), math.sqrt(1 / 14.5 + 1 / 46.5), 0.0,
     math.sqrt(2 / 5.5)),
])
def test_near_growth(post: dict[str, tuple[int, int, int, int]],
                     near: dict[str, tuple[int, int, int, int]], yp: float, sp: float,
                     yn: float, sn: float) -> None:
    g = near_growth(post, near, 200, 200)
    assert g is not None
    log_g, sigma = _growth_by_hand(yp, sp, yn, sn)
    assert g.post_ratio == pytest.approx(math.exp(yp))
    assert g.near_ratio == pytest.approx(math.exp(yn))
    assert g.factor == pytest.approx(min(max(math.exp(log_g), 1.0), MAX_TREND))
    assert g.sigma == pytest.approx(sigma)
    assert near_growth(post, near, 0, 200) is None
    # the sensitivity rows' curvature priors, from the same measurements
    assert g.with_curvature(CURVATURE_SIGMA) == g
    for tau in CURVATURE_VARIANTS:
        alt = g.with_curvature(tau)
        log_g, sigma = _growth_by_hand(yp, sp, yn, sn, tau)
        assert alt.factor == pytest.approx(min(max(math.exp(log_g), 1.0), MAX_TREND))
        assert alt.sigma == pytest.approx(sigma)
        assert alt.curvature == tau and (alt.near, alt.post) == (g.near, g.post)


def test_near_strata_take_the_window_and_the_growth() -> None:
    g = near_growth({"k": (100, 40, 100, 10)}, {"k": (100, 30, 100, 30)}, 300, 200)
    assert g is not None and g.factor > 1.5
    ok = StratumCounts("ok/freemail", "personal", 1000, 300, 200, 20, near_n=150, near_k=40,
                       age_n=(250,) * 4, age_k=(90, 80, 70, 60), age_post=4.2)
    alone = StratumCounts("ok/role/alone", "public", 50, 30, 0, 0, near_n=10, near_k=6)
    bulk = StratumCounts("ok/freemail/bulk", "personal", 400, 100, 200, 20, in_lr=False)
    a, b, c = near_strata([ok, alone, bulk], g)
    assert (a.n, a.k, a.m, a.x, a.age_n) == (150, 40, 200, 20, ())
    assert a.trend == pytest.approx(g.factor)  # no slices: the growth alone
    assert (b.n, b.k, b.trend) == (10, 6, 1.0)  # no baseline, nothing to scale
    assert c == bulk


def test_near_copied_count_is_scaled_to_all_earlier_additions() -> None:
    """A copy at the cut-off takes the same share of every age: the near window's copied
    count is scaled to the stratum's addresses. p = 0.1 stated: D = (30 - 100 * 0.1) / 0.9
    = 22.2 in the window of 100, so 111 of the stratum's 500."""
    near = StratumCounts("a", "personal", 100, 30, p_assumed=0.1)
    whole = StratumCounts("a", "personal", 500, 150, p_assumed=0.1)
    est = copied_estimate([near], whole=[whole])
    assert est.estimate == 111
    assert est.ci95[0] < 111 < est.ci95[1] <= 150
    # a stratum with no address in the window: anywhere from none to all it shares
    empty = StratumCounts("a", "personal", 0, 0, p_assumed=0.1)
    est = copied_estimate([empty], whole=[whole])
    assert est.ci95[0] <= 8 and est.ci95[1] >= 142


def test_wide_common_drift_shares_one_factor() -> None:
    """Loadings scale one common factor: two strata whose excess is the same factor on the
    odds are explained by it under Hi (no support), where an additive copied share would
    add more to the rarer stratum."""
    s1 = StratumCounts("ok/freemail", "personal", 5000, 500, 2000, 100)  # 10% vs 5%
    s2 = StratumCounts("ok/business/seen", "public", 5000, 1500, 2000, 356)  # 30% vs ~18%
    narrow = count_model([s1, s2]).log10_lr
    wide = count_model([s1, s2], table=likelihood_table([s1, s2], loadings=[0.6, 0.6]))
    assert narrow > 4.0
    assert wide.log10_lr < 1.0
    grid = BaselineGrid(np.full((1, 1), 0.1), np.ones((1, 1)), np.full((1, 1), 0.1),
                        np.full((1, 1), 0.1))
    assert grid.take([0]).p.shape == (1, 1)
