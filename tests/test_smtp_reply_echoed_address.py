"""An address the server echoes in its reply is data, not wording (exploratory finding).

Postfix, Exim and Sendmail quote the recipient in their refusals: "550 5.1.1 <abuse@x>: ...
User unknown". A local part or a domain made of ordinary words (spam, abuse, helo, listed,
blocked, spf...) must not turn that refusal into a policy block; for the catch-all test's random
address it must not make a whole domain's accepted mailboxes "blocked"."""

from __future__ import annotations

import pytest

from mailhygiene.devtools.smtpfarm import Behaviour, SmtpFarm
from mailhygiene.smtp import ProbeTarget, SmtpOptions, probe_domains
from mailhygiene.smtp_reply import classify_reply, parse_reply
from mailhygiene.types import Reason, Status

INV = (Status.INVALID, Reason.MAILBOX_NOT_FOUND)
BLOCK = (Status.UNKNOWN, Reason.BLOCKED)


@pytest.mark.parametrize(("code", "text", "expected"), [
    (550, "5.1.1 <spam@users.example>: Recipient address rejected: User unknown in virtual "
          "mailbox table", INV),
    (550, "5.1.1 <ghost@spamfree.example>: Recipient address rejected: User unknown", INV),
    (550, "5.1.1 <helo@shop.example>: Recipient address rejected: User unknown in local "
          "recipient table", INV),
    (550, "5.1.1 <mh-0123abcd@listed.example>: Recipient address rejected: User unknown", INV),
    (550, "<x@blocked.example>... User unknown", INV),
    (550, "No such user - abuse@sorbs.example", INV),
    # the wording itself still decides: a policy refusal stays a policy refusal
    (554, "5.7.1 <x@shop.example>: Relay access denied", BLOCK),
    (550, "5.7.1 Client host [192.0.2.1] blocked using zen.spamhaus.org", BLOCK),
    (550, "Rejected: 192.0.2.1 listed at bl.spamcop.net", BLOCK),
    (553, "5.1.8 <probe@shop.example>: Sender address rejected: Domain not found", BLOCK),
])
def test_echoed_address_is_not_read_as_wording(code: int, text: str,
                                               expected: tuple[Status, Reason]) -> None:
    r = parse_reply(code, text)
    v = classify_reply(r.code, r.enhanced, r.text)
    assert (v.status, v.reason) == expected
    assert ("@" in v.detail) == ("@" in text)  # the raw reply, address included, is kept


@pytest.mark.network
async def test_domain_named_with_a_policy_word_keeps_its_verdicts() -> None:
    """The farm answers like Postfix (the recipient quoted). On spamfree.test the random
    address's 5.1.1 must prove the domain is not catch-all: alice (250) is valid."""
    domain = "spamfree.test"
    with SmtpFarm([Behaviour(mailboxes=frozenset({f"alice@{domain}"}))],
                  subnet="127.0.3") as farm:
        opts = SmtpOptions(helo="probe.mailhygiene.test", mail_from="probe@mailhygiene.test",
                           port=farm.port, allow_loopback=True, timeout=3.0, rate=2000.0)
        t = ProbeTarget(domain, (farm.servers[0].ip,), (f"alice@{domain}", f"ghost@{domain}"))
        out = await probe_domains(None, [t], opts)
    got = {a: (o.verdict.status, o.verdict.reason) for a, o in out.items()}
    assert got == {f"alice@{domain}": (Status.VALID, Reason.ACCEPTED),
                   f"ghost@{domain}": INV}
