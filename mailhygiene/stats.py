"""Small statistics helpers shared by the summaries (pure functions)."""

from __future__ import annotations

import math

from mailhygiene import config

__all__ = ["rate", "wilson_interval"]


def wilson_interval(k: int, n: int, z: float = config.WILSON_Z) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n (Wilson 1927; Newcombe 1998 method 3).

    Chosen over the normal (Wald) interval because it stays inside [0, 1] and keeps its
    coverage when k is 0 or n, or n is small, which is exactly where base figures get argued.
    n == 0 gives the uninformative (0.0, 1.0)."""
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return (low, high)


def rate(k: int, n: int) -> float:
    """k/n, 0.0 when n is 0 (an empty column has no rate to report, not a division error)."""
    return k / n if n else 0.0
