"""SendGrid's `bounce_classification` (its "Bounce and Block Classifications": every remote
reply mapped to Invalid Address, Mailbox Unavailable, Technical Failure, Content, Reputation,
Frequency or Volume Too High or Unclassified) decides where the reply's text does not: an
"Invalid Address" the text leaves undecided is a hard bounce; a reputation, content or volume
refusal is about the sender, never a hard bounce of the address (DESIGN.md). Without the field,
and for the other classes, the text's reading stays."""

from __future__ import annotations

import json

import pytest

from mailhygiene.bounces import parse_bytes


def _line(reason: str, status: str, classification: str | None, *, event: str = "bounce",
          kind: str = "bounce") -> str:
    """One event as SendGrid's Event Webhook posts it (a batch holds one per line once a
    capture tool stores it as JSON Lines)."""
    doc: dict[str, object] = {
        "email": "x@example.com", "timestamp": 1763630000,
        "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>", "event": event,
        "category": ["newsletter"], "sg_event_id": "6g4ZI7SA-xmRDv57GoPIPw==",
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        "reason": reason, "status": status, "type": kind, "tls": 1}
    if classification is not None:
        doc["bounce_classification"] = classification
    return json.dumps(doc)


def _read(line: str) -> tuple[str, bool]:
    (ev,) = parse_bytes((line + "\n").encode(), "events.jsonl", None)
    return ev.reason, ev.hard


STOCK = "550 5.0.0 Requested action not taken: mailbox unavailable"
GONE = ("550 5.1.1 The email account that you tried to reach does not exist. Please try "
        "double-checking the recipient's email address for typos or unnecessary spaces.")
QUOTA = "550 5.4.5 Daily user sending quota exceeded"
SPAMHAUS = ("554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using "
            "zen.spamhaus.org")
MS_BLOCK = ("550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact "
            "your Internet service provider since part of their network is on our block list "
            "(S3150).")


@pytest.mark.parametrize(
    ("line", "want"),
    [
        # Invalid Address: a hard bounce where the text said nothing of the mailbox.
        pytest.param(_line(STOCK, "5.0.0", "Invalid Address"), ("userunknown", True),
                     id="invalid-address-decides-stock-text"),
        pytest.param(_line("550 Requested action not taken: mailbox unavailable", "550",
                           "Invalid Address"), ("userunknown", True),
                     id="invalid-address-bare-reply-code"),
        pytest.param(_line("550 5.0.0 <x@example.com>: Recipient rejected", "5.0.0",
                           "Invalid Address"), ("userunknown", True),
                     id="invalid-address-recipient-rejected"),
        pytest.param(_line("500 unknown recipient", "5.0.0", "Invalid Address"),
                     ("userunknown", True), id="invalid-address-sendgrid-docs-example"),
        pytest.param(_line("550 5.1.2 Host unknown (Name server: example.invalid: host not "
                           "found)", "5.1.2", "Invalid Address"), ("hostunknown", True),
                     id="invalid-address-keeps-hostunknown"),
        # ... but never over a transient code, a sender-side reading or a live mailbox.
        pytest.param(_line("452 4.2.2 The email account that you tried to reach is over quota.",
                           "4.2.2", "Invalid Address"), ("mailboxfull", False),
                     id="invalid-address-4xx-never-final"),
        pytest.param(_line(SPAMHAUS, "5.7.1", "Invalid Address"), ("blocked", False),
                     id="invalid-address-policy-text-stays"),
        pytest.param(_line("550 5.2.1 The email account that you tried to reach is disabled.",
                           "5.2.1", "Invalid Address"), ("suspend", False),
                     id="invalid-address-disabled-mailbox-stays"),
        # Sender-side classes: never a hard bounce of the address.
        pytest.param(_line(GONE, "5.1.1", "Reputation"), ("badreputation", False),
                     id="reputation-over-5.1.1"),
        pytest.param(_line(MS_BLOCK, "5.7.1", "Reputation"), ("blocked", False),
                     id="reputation-keeps-sender-side-reason"),
        pytest.param(_line(GONE, "5.1.1", "Content"), ("contenterror", False),
                     id="content-over-5.1.1"),
        pytest.param(_line("554 5.7.1 Message rejected due to content restrictions", "5.7.1",
                           "Content"), ("securityerror", False), id="content-policy-text"),
        pytest.param(_line(QUOTA, "5.4.5", "Frequency or Volume Too High"),
                     ("ratelimited", False), id="frequency-too-high"),
        pytest.param(_line(QUOTA, "5.4.5", "Frequency or Volume Limits"),
                     ("ratelimited", False), id="frequency-limits-spelling"),
        pytest.param(_line(GONE, "5.1.1", "frequency  or volume too high"),
                     ("ratelimited", False), id="frequency-any-case-and-spacing"),
        pytest.param(_line(SPAMHAUS, "5.7.1", "Reputation", kind="blocked"),
                     ("blocked", False), id="reputation-block"),
        # The other classes, and none: the text's reading.
        pytest.param(_line(GONE, "5.1.1", "Mailbox Unavailable"), ("userunknown", True),
                     id="mailbox-unavailable-keeps-reading"),
        pytest.param(_line(STOCK, "5.0.0", "Mailbox Unavailable"), ("filtered", False),
                     id="mailbox-unavailable-stock-text"),
        pytest.param(_line(GONE, "5.1.1", "Technical Failure"), ("userunknown", True),
                     id="technical-keeps-reading"),
        pytest.param(_line(STOCK, "5.0.0", "Technical"), ("filtered", False),
                     id="technical-short-spelling"),
        pytest.param(_line(STOCK, "5.0.0", "Unclassified"), ("filtered", False),
                     id="unclassified"),
        pytest.param(_line(STOCK, "5.0.0", None), ("filtered", False), id="absent"),
        pytest.param(_line(GONE, "5.1.1", None), ("userunknown", True), id="absent-hard"),
        pytest.param(_line(QUOTA, "5.4.5", None), ("mailboxfull", False),
                     id="absent-quota-as-before"),
        pytest.param(_line(STOCK, "5.0.0", ""), ("filtered", False), id="empty"),
        pytest.param(_line(STOCK, "5.0.0", "Something New"), ("filtered", False),
                     id="unknown-class"),
    ],
)
def test_bounce_classification(line: str, want: tuple[str, bool]) -> None:
    assert _read(line) == want


def test_classification_is_read_on_bounces_only() -> None:
    """A deferral is never final and a dropped send is the ESP's own list: neither carries
    a classification SendGrid documents, and one there changes nothing."""
    deferred = _line("451 4.7.1 Greylisted, please try again in 300 seconds", "4.7.1",
                     "Invalid Address", event="deferred")
    assert _read(deferred)[1] is False
    dropped = _line("Bounced Address", "5.0.0", "Reputation", event="dropped")
    assert _read(dropped) == ("suppressed", True)


def test_a_batch_reads_each_event_with_its_own_classification() -> None:
    batch = "\n".join([_line(STOCK, "5.0.0", "Invalid Address"),
                       _line(GONE, "5.1.1", "Reputation"), _line(STOCK, "5.0.0", None)])
    got = [(e.reason, e.hard) for e in parse_bytes(batch.encode(), "events.jsonl", None)]
    assert got == [("userunknown", True), ("badreputation", False), ("filtered", False)]
