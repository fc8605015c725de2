"""Politeness limits (issue 6): rate parsing, token bucket, per-host and global concurrency,
domain pauses. The limits are checked under load with independent counters."""

from __future__ import annotations

import asyncio
import itertools
import random
import time

import pytest

from mailhygiene.errors import ConfigError
from mailhygiene.politeness import Politeness, TokenBucket, connections_for_rate, parse_rate


@pytest.mark.parametrize(("text", "per_second"), [
    pytest.param("10/s", 10.0, id="per-second"),
    pytest.param("10", 10.0, id="bare-number"),
    pytest.param(" 2.5 / sec ", 2.5, id="spaces-decimal"),
    pytest.param("600/min", 10.0, id="per-minute"),
    pytest.param("60/m", 1.0, id="per-m"),
    pytest.param("36/h", 0.01, id="per-hour"),
    pytest.param("1/HOUR", 1 / 3600, id="case"),
    pytest.param(".5/s", 0.5, id="leading-dot"),
    pytest.param(3.0, 3.0, id="float"),
])
def test_parse_rate(text: str | float, per_second: float) -> None:
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize("text", [
    pytest.param("", id="empty"), pytest.param("0/s", id="zero"),
    pytest.param("-1/s", id="negative"), pytest.param("10/d", id="unknown-unit"),
    pytest.param("ten/s", id="words"), pytest.param("10/s/s", id="garbage"),
    pytest.param(float("inf"), id="inf"), pytest.param(float("nan"), id="nan"),
])
def test_parse_rate_rejects(text: str | float) -> None:
    with pytest.raises(ConfigError):
        parse_rate(text)


async def test_token_bucket_spacing_with_fake_clock() -> None:
    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(d: float) -> None:
        slept.append(d)
        await asyncio.sleep(0)

    bucket = TokenBucket(4.0, clock=lambda: now[0], sleep=fake_sleep)
    slots = await asyncio.gather(*(bucket.acquire() for _ in range(9)))
    assert sorted(slots) == pytest.approx([100.0 + 0.25 * i for i in range(9)])
    assert len(slept) == 8  # the first grant is immediate
    now[0] = 200.0  # idle for a long time: no burst accumulates beyond one token
    a, b = await bucket.acquire(), await bucket.acquire()
    assert (a, b) == (200.0, 200.25)


async def test_token_bucket_never_grants_early_under_load() -> None:
    rate = 400.0
    bucket = TokenBucket(rate)
    grants: list[tuple[float, float]] = []

    async def taker() -> None:
        for _ in range(5):
            slot = await bucket.acquire()
            grants.append((slot, time.monotonic()))

    await asyncio.gather(*(taker() for _ in range(40)))
    slots = sorted(s for s, _ in grants)
    assert len(slots) == 200
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert min(gaps) >= 1 / rate - 1e-9  # any window of w seconds holds <= w*rate + 1 slots
    assert all(real >= slot - 1e-6 for slot, real in grants)  # nobody goes before its slot


@pytest.mark.parametrize(("concurrency", "per_host", "hosts"), [
    pytest.param(20, 1, 8, id="default-limits"),
    pytest.param(5, 3, 6, id="global-binds"),
    pytest.param(50, 2, 3, id="per-host-binds"),
])
async def test_concurrency_limits_hold_under_load(concurrency: int, per_host: int,
                                                  hosts: int) -> None:
    p = Politeness(concurrency=concurrency, per_host=per_host, rate=1e9)
    rng = random.Random(7)
    active: dict[str, int] = {}
    peak: dict[str, int] = {}
    total = [0, 0]

    async def job(host: str, pause: float) -> None:
        async with p.connection(host):
            active[host] = active.get(host, 0) + 1
            total[0] += 1
            peak[host] = max(peak.get(host, 0), active[host])
            total[1] = max(total[1], total[0])
            await asyncio.sleep(pause)
            active[host] -= 1
            total[0] -= 1

    jobs = [job(f"10.0.0.{rng.randrange(hosts)}", rng.random() * 0.003) for _ in range(600)]
    await asyncio.gather(*jobs)
    assert max(peak.values()) <= per_host
    assert total[1] <= concurrency
    # The load was real: the binding limit was actually reached.
    assert total[1] == min(concurrency, per_host * hosts) or max(peak.values()) == per_host
    assert p.max_active_per_host == peak
    assert p.active == 0


async def test_domain_pause_blocks_until_time() -> None:
    now = [0.0]

    async def fake_sleep(d: float) -> None:
        now[0] += d

    p = Politeness(concurrency=1, per_host=1, rate=1.0, clock=lambda: now[0], sleep=fake_sleep)
    await p.wait_domain("a.test")
    assert now[0] == 0.0
    p.pause_domain("a.test", 30.0)
    p.pause_domain("a.test", 10.0)  # a shorter pause never shortens a longer one
    assert p.paused_for("a.test") == 30.0
    assert p.paused_for("b.test") == 0.0
    await p.wait_domain("a.test")
    assert now[0] == 30.0
    assert p.paused_for("a.test") == 0.0


def test_bad_limits() -> None:
    with pytest.raises(ConfigError):
        Politeness(concurrency=0, per_host=1, rate=1.0)
    with pytest.raises(ConfigError):
        Politeness(concurrency=1, per_host=0, rate=1.0)


@pytest.mark.parametrize(("concurrency", "rate", "max_idle", "expected"), [
    pytest.param(20, 10.0, 30.0, 20, id="default-rate-unchanged"),
    pytest.param(20, 0.1, 30.0, 3, id="6-per-min"),
    pytest.param(20, 0.5, 30.0, 15, id="30-per-min"),
    pytest.param(20, 1 / 60, 30.0, 1, id="below-one-per-max-idle"),
    pytest.param(1, 1000.0, 30.0, 1, id="concurrency-1"),
    pytest.param(20, 0.1, float("inf"), 20, id="no-bound"),
])
def test_connections_for_rate(concurrency: int, rate: float, max_idle: float,
                              expected: int) -> None:
    assert connections_for_rate(concurrency, rate, max_idle) == expected
