"""An ESP event whose status field is only the class (SendGrid's "5.0.0") and whose reason
quotes the remote server's own enhanced code ("550 5.1.1 ... does not exist") is read with
that code: a hard bounce, as the same reply in a Postfix log or an SES notification is."""

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
