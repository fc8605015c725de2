"""SMTP probing against a real Postfix on loopback (issue 6): existing mailboxes come out
valid, unknown ones invalid/mailbox_not_found, and Postfix never receives DATA."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from mailhygiene.devtools.postfix import PostfixServer, available
from mailhygiene.smtp import ProbeTarget, SmtpOptions, probe_domains
from mailhygiene.types import Reason, Status

pytestmark = [pytest.mark.network,
              pytest.mark.skipif(available() is not None, reason=str(available()))]


@pytest.fixture(scope="module")
def postfix() -> Iterator[PostfixServer]:
    with PostfixServer({"alice", "bob", "jean.dupont"}, domain="mh.test") as pf:
        yield pf


async def disconnect_lines(pf: PostfixServer) -> list[str]:
    """Postfix writes its log through postlogd, a little after the session ends."""
    for _ in range(100):
        lines = [ln for ln in pf.log().splitlines() if "disconnect from" in ln and "mail=" in ln]
        if lines:
            return lines
        await asyncio.sleep(0.1)
    return []


def opts(pf: PostfixServer) -> SmtpOptions:
    return SmtpOptions(helo="probe.mailhygiene.test", mail_from="probe@mailhygiene.test",
                       port=pf.port, allow_loopback=True, timeout=10.0, rate=1000.0)


async def test_postfix_existing_and_unknown_mailboxes(postfix: PostfixServer) -> None:
    addresses = ("alice@mh.test", "bob@mh.test", "jean.dupont@mh.test", "ghost@mh.test",
                 "alice2@mh.test")
    out = await probe_domains(None, [ProbeTarget("mh.test", (postfix.host,), addresses)],
                              opts(postfix))
    got = {a: (o.verdict.status, o.verdict.reason) for a, o in out.items()}
    assert got == {
        "alice@mh.test": (Status.VALID, Reason.ACCEPTED),
        "bob@mh.test": (Status.VALID, Reason.ACCEPTED),
        "jean.dupont@mh.test": (Status.VALID, Reason.ACCEPTED),
        "ghost@mh.test": (Status.INVALID, Reason.MAILBOX_NOT_FOUND),
        "alice2@mh.test": (Status.INVALID, Reason.MAILBOX_NOT_FOUND),
    }
    ghost = out["ghost@mh.test"]
    assert (ghost.reply_code, ghost.enhanced_code) == (550, "5.1.1")
    assert "User unknown in virtual mailbox table" in ghost.reply_text
    assert out["alice@mh.test"].enhanced_code == "2.1.5"
    # Postfix logs each session's command counts on disconnect: one session, the catch-all
    # test + 5 recipients of which 3 accepted, RSET and QUIT, and no DATA/BDAT at all.
    sessions = await disconnect_lines(postfix)
    assert len(sessions) == 1, sessions
    assert "rcpt=3/6" in sessions[0] and "rset=1" in sessions[0] and "quit=1" in sessions[0]
    assert "data=" not in sessions[0] and "bdat=" not in sessions[0]


async def test_postfix_other_domain_is_relay_denied_not_invalid(postfix: PostfixServer) -> None:
    out = await probe_domains(None, [ProbeTarget("elsewhere.test", (postfix.host,),
                                                 ("alice@elsewhere.test",))], opts(postfix))
    o = out["alice@elsewhere.test"]
    assert (o.verdict.status, o.verdict.reason) == (Status.UNKNOWN, Reason.BLOCKED)
    assert o.enhanced_code == "5.7.1"
