"""A "slow down" from an MX host pauses the host, not only the domain (exploratory finding).

Providers host many domains on one MX. When it answers "421 4.7.0 Too many connections from
your IP", the prober paused only the recipient domain of that session; the other domains on
the same MX connected again at once (at the --rate pace), so the host that asked us to slow
down got one connection per domain instead of none for the pause."""

from __future__ import annotations

import time

import pytest

from mailhygiene.devtools.smtpfarm import Behaviour, SmtpFarm
from mailhygiene.smtp import ProbeTarget, SmtpOptions, probe_domains
from mailhygiene.types import Reason, Status

pytestmark = pytest.mark.network

PAUSE = 0.4


async def test_421_pauses_the_host_for_every_domain() -> None:
    with SmtpFarm([Behaviour(always_421=True)], subnet="127.0.6") as farm:
        server = farm.servers[0]
        opts = SmtpOptions(helo="probe.mailhygiene.test", mail_from="probe@mailhygiene.test",
                           port=farm.port, allow_loopback=True, timeout=3.0, rate=2000.0,
                           domain_pause=PAUSE, session_attempts=1, greylist_delay=0.0)
        targets = [ProbeTarget(f"cust{i}.test", (server.ip,), (f"alice@cust{i}.test",))
                   for i in range(4)]
        start = time.monotonic()
        out = await probe_domains(None, targets, opts)
        elapsed = time.monotonic() - start
        assert {(o.verdict.status, o.verdict.reason) for o in out.values()} == {
            (Status.UNKNOWN, Reason.GREYLISTED)}
        assert server.connections == 4
    # four sessions to a host that said 421 each time: at least three pauses between them
    assert elapsed >= 3 * PAUSE * 0.95, elapsed
