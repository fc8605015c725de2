"""Limits that keep SMTP probing polite (issue 6): a global cap on open connections, a cap per
MX host address (default 1), a global rate limit, and a per-domain pause after "slow down"
replies (421, 4.7.x).

What the rate counts: one token per new TCP connection and one per `RCPT TO`, i.e. per
request the remote server has to work on. `MAIL FROM`, `EHLO`, `RSET` and `QUIT` ride along
for free (bounded by the number of connections). At the default 10/s a server sees at most
10 connections-or-recipients per second from us, globally.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from mailhygiene.errors import ConfigError

__all__ = ["Politeness", "TokenBucket", "connections_for_rate", "parse_rate"]


def _host_key(host: str) -> str:
    """The pause key of an MX address; brackets keep it apart from every domain name."""
    return f"[{host}]"


_RATE_RE = re.compile(
    r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:/\s*(s|sec|second|m|min|minute|h|hour))?\s*$", re.I
)
_UNIT_SECONDS = {"s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0,
                 "h": 3600.0, "hour": 3600.0}


def parse_rate(text: str | float) -> float:
    """`"10/s"` -> 10.0, `"600/min"` -> 10.0, `"36/h"` -> 0.01, `"5"` -> 5.0 (per second).

    Pure. Raises ConfigError for a malformed or non-positive rate."""
    if isinstance(text, int | float):
        value = float(text)
    else:
        m = _RATE_RE.match(text)
        if not m:
            raise ConfigError(f"bad rate {text!r}: expected a number per unit, "
                              "e.g. 10/s or 600/min")
        value = float(m.group(1)) / _UNIT_SECONDS[(m.group(2) or "s").lower()]
    if not value > 0 or math.isinf(value) or math.isnan(value):
        raise ConfigError(f"rate must be a positive finite number, got {text!r}")
    return value


def connections_for_rate(concurrency: int, rate: float, max_idle: float) -> int:
    """How many sessions may be open at once: each open session waits its turn for a token
    behind the others, so n sessions wait about n/rate between their RCPTs. More than
    rate * max_idle of them would only sit idle on servers' connections. At least one. Pure."""
    fed = rate * max_idle
    return concurrency if fed >= concurrency else max(1, math.floor(fed))


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """A strict-spacing rate limiter (a token bucket of depth 1): successive grants are at
    least 1/rate seconds apart, so any window of w seconds holds at most floor(w*rate) + 1.

    Each caller reserves the next slot without awaiting in between, so there is no lock and
    grants come out in arrival order. A cancelled waiter leaves its slot unused, which only
    makes us slower, never faster."""

    def __init__(self, rate: float, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.rate = rate
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = -math.inf

    def wait(self) -> float:
        """Seconds until the next token could be granted (no reservation)."""
        return max(0.0, self._next - self._clock())

    async def acquire(self) -> float:
        """Waits for a token; returns the slot time granted (clock units)."""
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)
        return slot


class Politeness:
    """Shared by every probe of one run. Per-host semaphores are keyed by the IP address
    actually connected to, so two MX names for one machine share a limit."""

    def __init__(self, *, concurrency: int, per_host: int, rate: float,
                 clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        if concurrency < 1 or per_host < 1:
            raise ConfigError("concurrency limits must be at least 1")
        self.concurrency = concurrency
        self.per_host = per_host
        self.bucket = TokenBucket(rate, clock=clock, sleep=sleep)
        self._clock = clock
        self._sleep = sleep
        self._global = asyncio.Semaphore(concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._paused_until: dict[str, float] = {}
        # Observed peaks, for tests and the bench (what the limits actually allowed).
        self.active = 0
        self.max_active = 0
        self.active_per_host: dict[str, int] = {}
        self.max_active_per_host: dict[str, int] = {}
        self.tokens_granted = 0

    @asynccontextmanager
    async def connection(self, host: str) -> AsyncIterator[None]:
        """Holds one connection slot to `host`. The host slot is taken before the global one,
        so a task queued behind a busy host does not hold a global slot others could use."""
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.per_host)
        async with sem:
            # A host that said "slow down" (421, 4.7.x) is left alone for the pause whatever
            # domain the next session is for: providers host thousands of domains on one MX,
            # and its limit is on our IP. Waiting holds only this host's slot.
            await self.wait_domain(_host_key(host))
            async with self._global:
                self.active += 1
                self.max_active = max(self.max_active, self.active)
                n = self.active_per_host.get(host, 0) + 1
                self.active_per_host[host] = n
                self.max_active_per_host[host] = max(self.max_active_per_host.get(host, 0), n)
                try:
                    yield
                finally:
                    self.active -= 1
                    self.active_per_host[host] -= 1

    def pause_host(self, host: str, seconds: float) -> None:
        """After a "slow down" from the MX address `host`: no new connection to it for
        `seconds`, for any domain."""
        self.pause_domain(_host_key(host), seconds)

    async def token(self) -> None:
        await self.bucket.acquire()
        self.tokens_granted += 1

    def pause_domain(self, domain: str, seconds: float) -> None:
        until = self._clock() + seconds
        if until > self._paused_until.get(domain, -math.inf):
            self._paused_until[domain] = until

    def paused_for(self, domain: str) -> float:
        return max(0.0, self._paused_until.get(domain, -math.inf) - self._clock())

    async def wait_domain(self, domain: str) -> None:
        """Sleeps while the domain is paused (a pause may be extended while we sleep)."""
        while (left := self.paused_for(domain)) > 0:
            await self._sleep(left)
