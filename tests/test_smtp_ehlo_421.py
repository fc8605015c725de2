"""A 421 answer to EHLO is a "try later", not a lost connection (exploratory finding).

aiosmtplib closes the connection when it reads 421; the prober then sent HELO on the closed
connection, got "disconnected" and reported `unknown/no_connect` after reconnecting at once,
session after session, to a server that had just said it was overloaded."""

from __future__ import annotations

import asyncio
import time

import pytest

from mailhygiene.smtp import ProbeTarget, SmtpOptions, probe_domains
from mailhygiene.types import Reason, Status

pytestmark = pytest.mark.network

PAUSE = 0.4


async def test_ehlo_421_pauses_and_defers() -> None:
    lines: list[str] = []
    connections: list[float] = []

    async def client(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        connections.append(time.monotonic())
        w.write(b"220 mx.busy.test ESMTP\r\n")
        await w.drain()
        line = (await r.readline()).decode().strip()
        lines.append(line)
        if line.upper().startswith("EHLO"):
            w.write(b"421 4.7.0 mx.busy.test Too many connections, try again later\r\n")
            await w.drain()
        w.close()

    server = await asyncio.start_server(client, "127.0.7.2", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        opts = SmtpOptions(helo="probe.mailhygiene.test", mail_from="probe@mailhygiene.test",
                           port=port, allow_loopback=True, timeout=3.0, rate=2000.0,
                           domain_pause=PAUSE, session_attempts=2, greylist_delay=0.0)
        out = await probe_domains(
            None, [ProbeTarget("busy.test", ("127.0.7.2",), ("alice@busy.test",))], opts)
    finally:
        server.close()
        await server.wait_closed()
    o = out["alice@busy.test"]
    assert (o.verdict.status, o.verdict.reason) == (Status.UNKNOWN, Reason.GREYLISTED)
    assert o.reply_code == 421
    assert not any(line.upper().startswith("HELO") for line in lines)
    assert len(connections) == 2 and connections[1] - connections[0] >= PAUSE * 0.95
