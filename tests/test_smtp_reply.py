"""Reply classification (issue 6): real-world RCPT replies -> verdicts. Pure, no network.

Reply texts are as published by the providers (postmaster pages, RFC examples) or as emitted
by stock MTA configurations (Postfix, Exim, Sendmail, qmail, Exchange)."""

from __future__ import annotations

from typing import cast

import pytest

from mailhygiene.smtp_reply import (
    CatchAll,
    Failure,
    apply_catch_all,
    classify_failure,
    classify_reply,
    classify_session_reply,
    decide_catch_all,
    is_domain_pause,
    is_too_many_recipients,
    needs_retry,
    parse_reply,
)
from mailhygiene.types import Evidence, Flag, Reason, Status

V = (Status.VALID, Reason.ACCEPTED)
INV = (Status.INVALID, Reason.MAILBOX_NOT_FOUND)
FULL = (Status.RISKY, Reason.MAILBOX_FULL)
GREY = (Status.UNKNOWN, Reason.GREYLISTED)
BLOCK = (Status.UNKNOWN, Reason.BLOCKED)
REJ = (Status.UNKNOWN, Reason.REJECTED)

CASES = [
    # --- accepted ---------------------------------------------------------------------------
    pytest.param(250, "2.1.5 OK a1si123 - gsmtp", V, id="gmail-ok"),
    pytest.param(250, "2.1.5 Recipient OK", V, id="outlook-ok"),
    pytest.param(250, "recipient <a@yahoo.com> ok", V, id="yahoo-ok"),
    pytest.param(250, "2.1.5 Ok", V, id="postfix-ok"),
    pytest.param(250, "Accepted", V, id="exim-ok"),
    pytest.param(251, "User not local; will forward to <b@example.org>", V, id="251-forward"),
    # --- mailbox does not exist ------------------------------------------------------------
    pytest.param(550, "5.1.1 The email account that you tried to reach does not exist. Please "
                 "try\n5.1.1 double-checking the recipient's email address for typos or\n"
                 "5.1.1 unnecessary spaces. For more information, go to\n5.1.1  "
                 "https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp",
                 INV, id="gmail-nosuchuser-multiline"),
    pytest.param(550, "5.5.0 Requested action not taken: mailbox unavailable "
                 "(S2017062302) [DB5EUR03FT003.eop-EUR03.prod.protection.outlook.com]",
                 INV, id="outlook-com-mailbox-unavailable"),
    pytest.param(550, "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP "
                 "address lookup", INV, id="exchange-online-5.1.10"),
    pytest.param(550, "5.1.1 RESOLVER.ADR.RecipNotFound; not found", INV, id="exchange-5.1.1"),
    pytest.param(554, "delivery error: dd This user doesn't have a yahoo.com account "
                 "(jdoe@yahoo.com) [-5] - mta1234.mail.ne1.yahoo.com", INV, id="yahoo-dd"),
    pytest.param(550, "5.1.1 <x@example.org>: Recipient address rejected: User unknown in "
                 "local recipient table", INV, id="postfix-local-recipient-table"),
    pytest.param(550, "5.1.1 <x@example.org>: Recipient address rejected: User unknown in "
                 "virtual mailbox table", INV, id="postfix-virtual-mailbox-table"),
    pytest.param(550, "Unrouteable address", INV, id="exim-unrouteable"),
    pytest.param(550, "No Such User Here", INV, id="cpanel-exim-no-such-user"),
    pytest.param(550, "5.1.1 <x@example.org>... User unknown", INV, id="sendmail"),
    pytest.param(550, "sorry, no mailbox here by that name. (#5.1.1)", INV, id="qmail"),
    pytest.param(550, "5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. "
                 "OFR_416 [416]", INV, id="orange-invalid-recipient"),
    pytest.param(550, "5.1.1 <x@ovh.net>: Recipient address rejected: User unknown",
                 INV, id="ovh-postfix"),
    pytest.param(550, "Requested action not taken: mailbox unavailable", INV,
                 id="rfc5321-550-text"),
    pytest.param(550, "5.1.6 Recipient addresses in this domain not accepted. Mailbox has "
                 "moved", INV, id="5.1.6-moved"),
    pytest.param(553, "5.1.3 The recipient address <x y@example.org> is not a valid RFC-5321 "
                 "address", INV, id="gmail-5.1.3-syntax"),
    pytest.param(550, "5.1.2 Host unknown (Name server: example.invalid: host not found)",
                 INV, id="sendmail-5.1.2"),
    pytest.param(550, "utilisateur inconnu / unknown user", INV, id="french-unknown-user"),
    pytest.param(550, "Adresse inconnue", INV, id="french-unknown-address"),
    # --- mailbox full ----------------------------------------------------------------------
    pytest.param(552, "5.2.2 The email account that you tried to reach is over quota.", FULL,
                 id="gmail-552-5.2.2"),
    pytest.param(452, "4.2.2 The recipient's inbox is out of storage space.", FULL,
                 id="gmail-452-4.2.2-over-quota"),
    pytest.param(552, "Requested mail action aborted: exceeded storage allocation", FULL,
                 id="rfc5321-552"),
    pytest.param(554, "delivery error: dd Sorry, your message to x@yahoo.com cannot be "
                 "delivered. This account is over quota.", FULL, id="yahoo-over-quota"),
    # --- transient: greylisting, busy, rate limits -------------------------------------------
    pytest.param(450, "4.2.0 <x@example.org>: Recipient address rejected: Greylisted, see "
                 "http://postgrey.schweikert.ch/help/example.org.html", GREY, id="postgrey"),
    pytest.param(451, "4.7.1 Please try again later", GREY, id="gmail-451-4.7.1"),
    pytest.param(451, "Temporary local problem - please try later", GREY, id="exim-451"),
    pytest.param(421, "4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to "
                 "unexpected volume or user complaints - 4.16.55.1", GREY, id="yahoo-tss04"),
    pytest.param(421, "mwinf5c10 ME Trop de connexions, veuillez verifier votre configuration. "
                 "Too many connections, slow down. OFR004_104 [104]", GREY,
                 id="orange-421-too-many-connections"),
    pytest.param(450, "4.1.1 <x@example.org>: Recipient address rejected: unverified address",
                 GREY, id="postfix-450-unverified"),
    pytest.param(450, "User is receiving mail too quickly", GREY, id="yahoo-450"),
    pytest.param(452, "4.5.3 Too many recipients", GREY, id="452-too-many-alone"),
    # --- policy / reputation: never invalid, even with 550 or a user-ish text --------------
    pytest.param(550, "5.7.1 Service unavailable; Client host [192.0.2.1] blocked using "
                 "zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1", BLOCK,
                 id="postfix-spamhaus"),
    pytest.param(550, "5.7.1 [192.0.2.1] Our system has detected that this message is likely "
                 "unsolicited mail. To reduce the amount of spam sent to Gmail, this message "
                 "has been blocked.", BLOCK, id="gmail-5.7.1-unsolicited"),
    pytest.param(550, "5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please "
                 "contact your Internet service provider since part of their network is on our "
                 "block list (S3150).", BLOCK, id="outlook-s3150"),
    pytest.param(550, "SC-001 (BAY004-MC1F15) Unfortunately, messages from 192.0.2.1 weren't "
                 "sent. Please contact your Internet service provider. You can tell them that "
                 "Hotmail does not relay dynamically-assigned IP ranges.", REJ,
                 id="hotmail-sc001-no-keyword"),
    pytest.param(554, "5.7.1 <x@example.org>: Relay access denied", BLOCK, id="relay-denied"),
    pytest.param(553, "5.7.1 Connections will not be accepted from 192.0.2.1, because the ip "
                 "is in Spamhaus's list", BLOCK, id="yahoo-553-spamhaus"),
    pytest.param(554, "5.7.9 Message not accepted for policy reasons.", BLOCK, id="yahoo-5.7.9"),
    pytest.param(550, "5.4.1 Recipient address rejected: Access denied. AS(201806281) [x]",
                 BLOCK, id="exchange-dbeb-access-denied-ambiguous"),
    pytest.param(550, "User unknown; blocked by policy", BLOCK, id="user-unknown-but-policy"),
    pytest.param(550, "Mailbox unavailable - sender IP listed on Barracuda RBL", BLOCK,
                 id="barracuda-rbl-with-mailbox-words"),
    pytest.param(554, "Service unavailable; Client host [192.0.2.1] blocked using "
                 "b.barracudacentral.org", BLOCK, id="barracuda-554"),
    pytest.param(550, "5.1.8 Sender address rejected: Domain not found", BLOCK,
                 id="5.1.8-our-sender"),
    pytest.param(550, "Administrative prohibition", BLOCK, id="exim-admin-prohibition"),
    pytest.param(550, "Rejeté pour spam / rejected as spam", BLOCK, id="french-spam"),
    # --- refused for a reason we cannot name ------------------------------------------------
    pytest.param(550, "Rejected", REJ, id="bare-rejected"),
    pytest.param(554, "Transaction failed", REJ, id="bare-554"),
    pytest.param(550, "5.2.1 The email account that you tried to reach is disabled.", REJ,
                 id="gmail-disabled-not-final"),
    pytest.param(501, "5.5.4 Syntax: RCPT TO:<address>", REJ, id="syntax-error"),
    pytest.param(503, "5.5.1 Error: need MAIL command", REJ, id="bad-sequence"),
    pytest.param(552, "5.5.3 Too many recipients", REJ, id="552-5.5.3-not-full"),
    pytest.param(354, "Go ahead", REJ, id="3xx-nonsense"),
]


@pytest.mark.parametrize(("code", "message", "expected"), CASES)
def test_classify_real_replies(code: int, message: str, expected: tuple[Status, Reason]) -> None:
    r = parse_reply(code, message)
    v = classify_reply(r.code, r.enhanced, r.text)
    assert (v.status, v.reason) == expected, v.detail
    assert v.evidence is Evidence.SMTP
    assert str(code) in v.detail


def test_policy_or_transient_is_never_invalid() -> None:
    """DESIGN.md hard rules, over the whole table: 4xx and policy replies never invalid."""
    for p in CASES:
        code, message = cast(int, p.values[0]), cast(str, p.values[1])
        r = parse_reply(code, message)
        v = classify_reply(r.code, r.enhanced, r.text)
        if code // 100 == 4 or r.enhanced.startswith("5.7."):
            assert v.status is not Status.INVALID, p.id


@pytest.mark.parametrize(("code", "message", "enhanced", "text_start"), [
    pytest.param(550, "5.1.1 <a@b.c>: user unknown", "5.1.1", "<a@b.c>", id="leading"),
    pytest.param(550, "5.1.1 line one\n5.1.1 line two", "5.1.1", "line one line two",
                 id="multiline"),
    pytest.param(550, "sorry, no mailbox here by that name. (#5.1.1)", "5.1.1", "sorry",
                 id="qmail-embedded"),
    pytest.param(451, "VS1-IP Excessive unknown recipients (#4.1.8)", "4.1.8", "VS1",
                 id="yahoo-embedded"),
    pytest.param(550, "No such user (#4.1.1)", "", "No such", id="embedded-class-mismatch"),
    pytest.param(250, "", "", "", id="empty"),
])
def test_parse_reply(code: int, message: str, enhanced: str, text_start: str) -> None:
    r = parse_reply(code, message)
    assert r.enhanced == enhanced
    assert r.text.startswith(text_start)


@pytest.mark.parametrize(("code", "message", "expected"), [
    pytest.param(452, "4.5.3 Too many recipients", True, id="452-4.5.3"),
    pytest.param(452, "Too many recipients received this hour", True, id="452-text"),
    pytest.param(552, "5.5.3 Too many recipients", True, id="552-5.5.3"),
    pytest.param(503, "5.5.1 Error: only one recipient per transaction", True, id="503"),
    pytest.param(550, "5.1.1 User unknown", False, id="user-unknown"),
    pytest.param(450, "4.2.0 Greylisted", False, id="greylisted"),
])
def test_too_many_recipients(code: int, message: str, expected: bool) -> None:
    r = parse_reply(code, message)
    assert is_too_many_recipients(r.code, r.enhanced, r.text) is expected


@pytest.mark.parametrize(("code", "enhanced", "expected"), [
    pytest.param(421, "", True, id="421"),
    pytest.param(450, "4.7.1", True, id="4.7.x"),
    pytest.param(450, "4.2.0", False, id="greylist-no-pause"),
    pytest.param(550, "5.7.1", False, id="5.7.1-permanent"),
])
def test_domain_pause(code: int, enhanced: str, expected: bool) -> None:
    assert is_domain_pause(code, enhanced) is expected


@pytest.mark.parametrize(("failure", "reason"), [
    pytest.param(Failure.REFUSED, Reason.NO_CONNECT, id="refused"),
    pytest.param(Failure.TIMEOUT, Reason.TIMEOUT, id="timeout"),
    pytest.param(Failure.DROPPED, Reason.NO_CONNECT, id="dropped"),
    pytest.param(Failure.LOOPBACK, Reason.NO_CONNECT, id="loopback"),
    pytest.param(Failure.NO_SMTPUTF8, Reason.SMTP_SKIPPED, id="no-smtputf8"),
])
def test_failures_are_unknown(failure: Failure, reason: Reason) -> None:
    v = classify_failure(failure, "x")
    assert (v.status, v.reason) == (Status.UNKNOWN, reason)


@pytest.mark.parametrize(("code", "message", "expected"), [
    pytest.param(550, "5.1.8 <probe@ex.org>: Sender address rejected: Domain not found",
                 BLOCK, id="mail-from-5.1.8"),
    pytest.param(550, "5.1.1 <probe@ex.org>: Sender address rejected: User unknown", BLOCK,
                 id="mail-from-user-unknown-is-about-us"),
    pytest.param(552, "5.2.2 over quota", BLOCK, id="mail-from-552"),
    pytest.param(421, "4.7.0 too many connections", GREY, id="banner-421"),
    pytest.param(554, "5.7.1 No SMTP service here", BLOCK, id="banner-554"),
    pytest.param(250, "ok", REJ, id="unexpected-2xx"),
])
def test_session_replies_never_judge_the_mailbox(code: int, message: str,
                                                 expected: tuple[Status, Reason]) -> None:
    r = parse_reply(code, message)
    v = classify_session_reply(r.code, r.enhanced, r.text)
    assert (v.status, v.reason) == expected


ACCEPTED = classify_reply(250, "2.1.5", "Ok")
UNKNOWN_USER = classify_reply(550, "5.1.1", "User unknown")
DEFERRED = classify_reply(450, "4.2.0", "Greylisted")
POLICY = classify_reply(550, "5.7.1", "blocked")


@pytest.mark.parametrize(("canary", "state"), [
    pytest.param(ACCEPTED, CatchAll.YES, id="random-accepted"),
    pytest.param(UNKNOWN_USER, CatchAll.NO, id="random-unknown"),
    pytest.param(DEFERRED, CatchAll.UNKNOWN, id="random-greylisted"),
    pytest.param(POLICY, CatchAll.UNKNOWN, id="random-blocked"),
    pytest.param(classify_failure(Failure.TIMEOUT), CatchAll.UNKNOWN, id="random-timeout"),
])
def test_decide_catch_all(canary: object, state: CatchAll) -> None:
    assert decide_catch_all(canary) is state  # type: ignore[arg-type]


@pytest.mark.parametrize(("verdict", "state", "canary", "expected"), [
    pytest.param(ACCEPTED, CatchAll.NO, UNKNOWN_USER, V, id="accepted-not-catch-all"),
    pytest.param(ACCEPTED, CatchAll.YES, ACCEPTED, (Status.CATCH_ALL, Reason.ACCEPT_ALL),
                 id="accepted-catch-all"),
    pytest.param(ACCEPTED, CatchAll.UNKNOWN, DEFERRED, GREY, id="accepted-test-deferred"),
    pytest.param(ACCEPTED, CatchAll.UNKNOWN, POLICY, BLOCK, id="accepted-test-blocked"),
    pytest.param(UNKNOWN_USER, CatchAll.YES, ACCEPTED, INV, id="rejected-on-catch-all"),
    pytest.param(DEFERRED, CatchAll.NO, UNKNOWN_USER, GREY, id="deferred-stays"),
])
def test_apply_catch_all(verdict: object, state: CatchAll, canary: object,
                         expected: tuple[Status, Reason]) -> None:
    v = apply_catch_all(verdict, state, canary)  # type: ignore[arg-type]
    assert (v.status, v.reason) == expected
    assert (Flag.CATCH_ALL_DOMAIN in v.flags) is (state is CatchAll.YES)


def test_needs_retry_only_for_greylisted() -> None:
    assert needs_retry(DEFERRED)
    assert not needs_retry(UNKNOWN_USER)
    assert not needs_retry(POLICY)
    assert not needs_retry(classify_failure(Failure.TIMEOUT))
