import math

import pytest

from mailhygiene.stats import rate, wilson_interval


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Reference values: Newcombe (1998), Statistics in Medicine 17:857-872, table I
        # (method 3, Wilson score without continuity correction).
        pytest.param(81, 263, 0.2553, 0.3662, id="newcombe-81-263"),
        pytest.param(15, 148, 0.0624, 0.1605, id="newcombe-15-148"),
        pytest.param(0, 20, 0.0, 0.1611, id="newcombe-0-20"),
        pytest.param(1, 29, 0.0061, 0.1718, id="newcombe-1-29"),
    ],
)
def test_wilson_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


def test_wilson_bounds_and_symmetry() -> None:
    for n in (1, 2, 7, 100, 10_000):
        for k in range(0, n + 1, max(1, n // 7)):
            lo, hi = wilson_interval(k, n)
            assert 0.0 <= lo <= k / n <= hi <= 1.0
            lo2, hi2 = wilson_interval(n - k, n)
            assert math.isclose(lo, 1 - hi2, abs_tol=1e-12)
            assert math.isclose(hi, 1 - lo2, abs_tol=1e-12)


def test_wilson_all_successes_reaches_one() -> None:
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 10)[0] == 0.0


def test_wilson_empty_and_errors() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(-1, 2)


def test_wider_interval_for_fewer_rows() -> None:
    small = wilson_interval(4, 10)
    large = wilson_interval(400, 1000)
    assert small[1] - small[0] > large[1] - large[0]


def test_rate() -> None:
    assert rate(0, 0) == 0.0
    assert rate(1, 4) == 0.25
