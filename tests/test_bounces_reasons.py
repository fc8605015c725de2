"""Pure classification tables: RFC 3463 codes + MTA wording -> sisimai reasons, hard/soft."""

from __future__ import annotations

import pytest

from mailhygiene.bounces.reasons import classify, find_replycode, find_status, is_hard


@pytest.mark.parametrize(
    ("status", "text", "reason"),
    [
        pytest.param("5.1.1", "550 5.1.1 <a@example.org>: Recipient address rejected: User "
                     "unknown in virtual mailbox table (in reply to RCPT TO command)",
                     "userunknown", id="postfix-user-unknown"),
        pytest.param("5.1.1", "550-5.1.1 The email account that you tried to reach does not "
                     "exist.", "userunknown", id="gmail-no-account"),
        pytest.param("5.1.2", "550 5.1.2 Host unknown (Name server: example.invalid: host not "
                     "found)", "hostunknown", id="sendmail-host-unknown"),
        pytest.param("5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound", "userunknown",
                     id="exchange-recipient-not-found"),
        pytest.param("5.2.2", "552 5.2.2 Mailbox full", "mailboxfull", id="mailbox-full"),
        pytest.param("4.2.2", "452 4.2.2 The email account that you tried to reach is over "
                     "quota.", "mailboxfull", id="gmail-over-quota"),
        pytest.param("5.7.1", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked "
                     "using zen.spamhaus.org", "blocked", id="rbl"),
        pytest.param("5.7.1", "550 5.7.1 Relaying denied", "norelaying", id="relay-denied"),
        pytest.param("5.7.26", "550 5.7.26 This mail has been blocked because the sender is "
                     "unauthenticated. Gmail requires all senders to authenticate with SPF or "
                     "DKIM.", "authfailure", id="gmail-5.7.26"),
        pytest.param("5.7.1", "550 5.7.1 Client host rejected: cannot find your hostname",
                     "requireptr", id="no-ptr"),
        pytest.param("5.3.4", "552 5.3.4 Message size exceeds fixed maximum message size",
                     "emailtoolarge", id="too-big"),
        pytest.param("4.4.7", "Delivery time expired", "expired", id="expired"),
        pytest.param("5.1.6", "550 5.1.6 Recipient addresses have moved", "hasmoved",
                     id="has-moved"),
        pytest.param("5.7.13", "525 5.7.13 User account disabled", "suspend",
                     id="account-disabled"),
        pytest.param("2.0.0", "250 2.0.0 Ok: queued", "delivered", id="delivered"),
        pytest.param("5.6.0", "554 5.6.0 Message contains invalid header", "contenterror",
                     id="content-class"),
        pytest.param("5.1.8", "553 5.1.8 <news@example.net>... Domain of sender address "
                     "news@example.net does not exist", "rejected", id="bad-sender"),
        pytest.param("", "", "undefined", id="nothing-known"),
    ],
)
def test_classify(status: str, text: str, reason: str) -> None:
    assert classify(status, text) == reason


@pytest.mark.parametrize(
    ("reason", "status", "replycode", "hard"),
    [
        pytest.param("userunknown", "5.1.1", "550", True, id="5.1.1"),
        pytest.param("userunknown", "4.1.1", "450", False, id="4.x-never-hard"),
        pytest.param("hostunknown", "5.1.2", "", True, id="5.1.2"),
        pytest.param("hasmoved", "5.1.6", "", True, id="5.1.6"),
        pytest.param("notaccept", "5.1.10", "550", True, id="null-mx-5.1.10"),
        pytest.param("notaccept", "", "421", False, id="notaccept-4xx"),
        pytest.param("mailboxfull", "5.2.2", "552", False, id="full-is-soft"),
        pytest.param("blocked", "5.7.1", "554", False, id="policy-is-soft"),
        pytest.param("feedback", "", "", False, id="complaint-never-hard"),
        pytest.param("vacation", "", "", False, id="vacation"),
    ],
)
def test_is_hard(reason: str, status: str, replycode: str, hard: bool) -> None:
    assert is_hard(reason, status, replycode) is hard


@pytest.mark.parametrize(
    ("text", "status", "reply"),
    [
        pytest.param("550 5.1.1 <a@b.c>... User unknown", "5.1.1", "550", id="plain"),
        pytest.param("host [10.4.5.6] said: 421 busy", "", "421", id="ip-is-not-a-status"),
        pytest.param("Unable to contact LDAP server. (#4.4.3)", "4.4.3", "", id="qmail-hash"),
        pytest.param("550-5.7.509 Access denied", "5.7.509", "550", id="three-digit-detail"),
        pytest.param("Sun, 03 Oct 2010 15:49:30 -0700", "", "", id="date-is-not-a-code"),
    ],
)
def test_find_codes(text: str, status: str, reply: str) -> None:
    assert find_status(text) == status
    assert find_replycode(text) == reply


@pytest.mark.parametrize(
    ("field", "text", "reply", "want"),
    [
        pytest.param("5.0.0", "550 5.1.1 <a@b.c>... User unknown", "550", "5.1.1",
                     id="vague-field-yields"),
        pytest.param("5.1.1", "550 5.1.1 User unknown", "550", "5.1.1", id="same"),
        pytest.param("4.4.7", "554 4.4.7 Message expired <421 4.4.2 Connection timed out>",
                     "554", "4.4.2", id="4.4.7-yields-to-the-cause"),
        pytest.param("", "5.1.0 - Unknown address error 550-'5.2.2 Mailbox full'", "550",
                     "5.2.2", id="code-after-reply-first"),
        pytest.param("5.2.2", "", "", "5.2.2", id="field-only"),
        pytest.param("", "Out: 250 2.1.0 Ok In: RCPT Out: 450 4.3.0 Try later", "", "4.3.0",
                     id="transcript-failure-over-success"),
    ],
)
def test_status_for(field: str, text: str, reply: str, want: str) -> None:
    from mailhygiene.bounces.reasons import status_for

    assert status_for(field, text, reply) == want

