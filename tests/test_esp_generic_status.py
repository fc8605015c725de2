"""An ESP event whose status field is only the class (SendGrid's "5.0.0") and whose reason
quotes the remote server's own enhanced code ("550 5.1.1 ... does not exist") is read with
that code: a hard bounce, as the same reply in a Postfix log or an SES notification is. When
neither the field nor the reason names more than the class, the reason's words decide: "550
5.0.0 unknown recipient" is a hard bounce, a policy or spam refusal is not."""

from __future__ import annotations

import json

import pytest

from mailhygiene.bounces import parse_bytes

GMAIL = ("550 5.1.1 The email account that you tried to reach does not exist. Please try "
         "double-checking the recipient's email address for typos")


@pytest.mark.parametrize("fmt", ["sendgrid", "mailgun"])
def test_generic_status_field_defers_to_quoted_code(fmt: str) -> None:
    if fmt == "sendgrid":
        doc = [{"email": "gone@example.org", "event": "bounce", "type": "bounce",
                "status": "5.0.0", "reason": GMAIL, "timestamp": 1764000000}]
    else:
        doc = [{"event": "failed", "severity": "permanent", "recipient": "gone@example.org",
                "timestamp": 1764000000,
                "delivery-status": {"code": 550, "enhanced-code": "5.0.0", "message": GMAIL}}]
    (ev,) = parse_bytes(json.dumps(doc).encode(), "x.json", fmt)
    assert (ev.status, ev.reason, ev.hard) == ("5.1.1", "userunknown", True)


def test_specific_status_field_is_kept() -> None:
    doc = [{"email": "full@example.org", "event": "bounce", "status": "5.2.2",
            "reason": "552 5.1.1 mailbox full", "timestamp": 1764000000}]
    (ev,) = parse_bytes(json.dumps(doc).encode(), "x.json", "sendgrid")
    assert ev.status == "5.2.2"


def _sendgrid(status: str, reason: str, event: str = "bounce") -> list[dict[str, object]]:
    return [{"email": "x@example.org", "event": event, "type": "bounce", "status": status,
             "reason": reason, "timestamp": 1764000000}]


# A status that names only the class (SendGrid's 5.0.0, or a bare reply code in its bounce
# list) leaves the subject to the reply's words: an explicit "no such mailbox" is X.1.1 in
# words (DESIGN.md: "or equivalent text"), anything that also speaks of policy, spam, the
# sender or DATA is not.
@pytest.mark.parametrize(
    ("doc", "fmt", "hard"),
    [
        pytest.param(_sendgrid("5.0.0", "550 5.0.0 unknown recipient"), "sendgrid",
                     True, id="550-5.0.0-unknown-recipient"),
        pytest.param(_sendgrid("5.0.0", "500 unknown recipient"), "sendgrid",
                     True, id="500-unknown-recipient"),
        pytest.param(_sendgrid("5.0.0", "550 No such user here"), "sendgrid",
                     True, id="no-such-user"),
        pytest.param(_sendgrid("550", "550 Unknown user x@example.org"), "sendgrid",
                     True, id="bounce-list-reply-code-only"),
        pytest.param(_sendgrid("5.0.0", "550 5.0.0 <x@example.org>: Recipient address "
                                        "rejected: User unknown"), "sendgrid",
                     True, id="postfix-wording"),
        pytest.param([{"event": "failed", "severity": "permanent", "recipient": "x@example.org",
                       "delivery-status": {"code": 550, "enhanced-code": "5.0.0",
                                           "message": "unknown recipient"}}], "mailgun",
                     True, id="mailgun"),
        pytest.param([{"notificationType": "Bounce", "bounce": {
            "bounceType": "Permanent", "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": "x@example.org", "action": "failed",
                                   "status": "5.0.0",
                                   "diagnosticCode": "smtp; 550 unknown recipient"}]}}],
                     "ses", True, id="ses"),
        pytest.param(_sendgrid("5.0.0", "550 5.0.0 Message rejected as spam"), "sendgrid",
                     False, id="spam-stays-soft"),
        pytest.param(_sendgrid("5.0.0", "554 5.0.0 unknown recipient: client host [192.0.2.1] "
                                        "blocked using zen.spamhaus.org"), "sendgrid",
                     False, id="rbl-beside-unknown-user"),
        pytest.param(_sendgrid("5.0.0", "550 5.0.0 Rejected for policy reasons: unknown "
                                        "recipient list"), "sendgrid",
                     False, id="policy-beside-unknown-user"),
        pytest.param(_sendgrid("5.0.0", "553 5.0.0 Sender address rejected: User unknown"),
                     "sendgrid", False, id="sender-unknown"),
        pytest.param(_sendgrid("5.0.0", "550 Requested action not taken: mailbox unavailable"),
                     "sendgrid", False, id="rfc5321-stock-550-text"),
        pytest.param(_sendgrid("5.0.0", "550 5.0.0 User unknown (in reply to end of DATA "
                                        "command)"), "sendgrid",
                     False, id="after-data-is-a-filter"),
        pytest.param(_sendgrid("", "450 4.0.0 unknown recipient, try again later",
                               event="deferred"), "sendgrid",
                     False, id="4xx-never-hard"),
    ],
)
def test_class_only_status_and_unknown_user_words(doc: list[dict[str, object]], fmt: str,
                                                  hard: bool) -> None:
    (ev,) = parse_bytes(json.dumps(doc).encode(), "x.json", fmt)
    assert (ev.reason == "userunknown", ev.hard) == (hard, hard)
