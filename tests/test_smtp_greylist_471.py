"""Greylisting sent as 451 4.7.1 is not a "slow down" (exploratory finding).

milter-greylist, sqlgrey and Exchange defer an unknown triplet with "451 4.7.1 Greylisting in
action, please come back later". The prober took every 4.7.x as "slow down": after each
recipient it closed the session and paused the domain (60 s by default), so a domain with N
addresses took N minutes to be greylisted, one RCPT per session."""

from __future__ import annotations

import time

import pytest

from mailhygiene.devtools import smtpfarm
from mailhygiene.devtools.smtpfarm import Behaviour, SmtpFarm
from mailhygiene.smtp import ProbeTarget, SmtpOptions, probe_domains
from mailhygiene.smtp_reply import is_domain_pause, parse_reply
from mailhygiene.types import Reason, Status

GREY_471 = ("451 4.7.1 <{rcpt}>: Recipient address rejected: Greylisting in action, "
            "please come back later")


@pytest.mark.parametrize(("code", "message", "expected"), [
    pytest.param(451, "4.7.1 Greylisting in action, please come back later", False,
                 id="milter-greylist"),
    pytest.param(451, "4.7.1 <a@b.example>: Recipient address rejected: Greylisted for 5 "
                 "minutes", False, id="greylisted"),
    pytest.param(450, "4.7.1 Grey-listed, try again later", False, id="grey-listed"),
    pytest.param(451, "4.7.1 Rate limit exceeded, slow down", True, id="rate-limit"),
    pytest.param(450, "4.7.1 Too many connections from your IP", True, id="too-many"),
    pytest.param(421, "4.7.0 Greylisted, closing connection", True, id="421-always"),
])
def test_greylisting_is_not_a_pause(code: int, message: str, expected: bool) -> None:
    r = parse_reply(code, message)
    assert is_domain_pause(r.code, r.enhanced, r.text) is expected


@pytest.mark.network
async def test_471_greylisting_domain_is_asked_in_one_session(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(smtpfarm, "GREYLISTED", GREY_471)
    domain = "grey471.test"
    users = ("alice", "bob", "carol", "dave")
    with SmtpFarm([Behaviour(greylist=True)], subnet="127.0.4") as farm:
        opts = SmtpOptions(helo="probe.mailhygiene.test", mail_from="probe@mailhygiene.test",
                           port=farm.port, allow_loopback=True, timeout=3.0, rate=2000.0,
                           domain_pause=1.0, greylist_delay=0.0)
        t = ProbeTarget(domain, (farm.servers[0].ip,), tuple(f"{u}@{domain}" for u in users))
        start = time.monotonic()
        out = await probe_domains(None, [t], opts)
        elapsed = time.monotonic() - start
        server = farm.servers[0]
        assert {(o.verdict.status, o.verdict.reason) for o in out.values()} == {
            (Status.UNKNOWN, Reason.GREYLISTED)}
        # the random address and the four users in one session, no pause between them
        assert server.connections == 1 and server.rcpt_count() == 5
        assert elapsed < 1.0
