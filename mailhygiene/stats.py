"""Small, pure statistics helpers."""

from __future__ import annotations

import math

from mailhygiene import config


def wilson_interval(k: int, n: int, z: float = config.WILSON_Z) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k/n (good coverage near 0 and 1)."""
    if n <= 0:
        return (0.0, 0.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))
