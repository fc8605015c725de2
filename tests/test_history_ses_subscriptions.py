"""Amazon SES Subscription records (event publishing: a recipient changed their preferences for
the sender's contact list): opt-outs and re-subscriptions of the whole list (`list:NAME`) or of
one of its topics (`topic:LIST/TOPIC`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mailhygiene.bounces import parse_bytes

# The record as the SES developer guide shows it ("Subscription record", event publishing).
SUB: dict[str, Any] = {
    "eventType": "Subscription",
    "mail": {"timestamp": "2022-01-12T01:00:14.340Z", "source": "sender@example.com",
             "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
             "sendingAccountId": "123456789012",
             "messageId": "EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000",
             "destination": ["recipient@example.com"]},
    "subscription": {
        "contactList": "ContactListName", "timestamp": "2022-01-12T01:00:17.910Z",
        "source": "UnsubscribeHeader",
        "newTopicPreferences": {"unsubscribeAll": True, "topicSubscriptionStatus": [
            {"topicName": "ExampleTopicName", "subscriptionStatus": "OptOut"}]},
        "oldTopicPreferences": {"unsubscribeAll": False, "topicSubscriptionStatus": [
            {"topicName": "ExampleTopicName", "subscriptionStatus": "OptOut"}]}}}
LIST = "list:ContactListName"
TOPIC = "topic:ContactListName/ExampleTopicName"
OUT, BACK = "unsubscribed", "resubscribed"


def record(new: dict[str, Any] | None = None, old: dict[str, Any] | None = None,
           drop: tuple[str, ...] = (), **sub: Any) -> dict[str, Any]:
    """SUB with its subscription's fields changed (`drop`: fields removed)."""
    s = dict(SUB["subscription"]) | sub
    if new is not None:
        s["newTopicPreferences"] = new
    if old is not None:
        s["oldTopicPreferences"] = old
    for k in drop:
        s.pop(k, None)
    return SUB | {"subscription": s}


def prefs(unsubscribe_all: Any, **topics: str) -> dict[str, Any]:
    return {"unsubscribeAll": unsubscribe_all, "topicSubscriptionStatus": [
        {"topicName": t, "subscriptionStatus": s} for t, s in topics.items()]}


# Read after each record of a table: the file is read as SES events, so a record that gives
# no event shows it was read and left out, not skipped with the whole file.
CONTROL = SUB | {"mail": SUB["mail"] | {"destination": ["control@example.com"]}}


def read(doc: Any) -> list[tuple[str, str, str]]:
    """(address, action, scope) of the events `doc` gives, read before CONTROL."""
    events = parse_bytes(json.dumps([doc, CONTROL]).encode(), "ses.json")
    assert all(e.reason == "suppressed" and not e.hard for e in events)
    got = [(e.address, e.action, e.scope) for e in events]
    assert got[-2:] == [("control@example.com", OUT, LIST), ("control@example.com", OUT, TOPIC)]
    return got[:-2]


R = "recipient@example.com"


@pytest.mark.parametrize(("doc", "want"), [
    pytest.param(SUB, [(R, OUT, LIST), (R, OUT, TOPIC)], id="guide-example"),
    pytest.param(record(prefs(False, ExampleTopicName="OptOut"), prefs(True)),
                 [(R, BACK, LIST), (R, OUT, TOPIC)], id="list-back-topic-still-out"),
    pytest.param(record(prefs(False), drop=("oldTopicPreferences",)), [],
                 id="list-in-without-old-preferences-says-nothing"),
    pytest.param(record(prefs(False), prefs(False)), [], id="list-in-and-was-in"),
    pytest.param(record(prefs(False, ExampleTopicName="OptIn"),
                        prefs(False, ExampleTopicName="OptOut")), [(R, BACK, TOPIC)],
                 id="topic-back"),
    pytest.param(record(prefs(False, ExampleTopicName="OptIn"), prefs(False)), [],
                 id="topic-in-was-not-out"),
    pytest.param(record(prefs(False, ExampleTopicName="OptIn"),
                        drop=("oldTopicPreferences",)), [], id="topic-in-without-old"),
    pytest.param(record(prefs(False, ExampleTopicName="OptOut"), prefs(False)),
                 [(R, OUT, TOPIC)], id="topic-out"),
    pytest.param(record(prefs(False, A="OptOut", B="OptIn", C="OptOut"),
                        prefs(False, B="OptOut")),
                 [(R, OUT, "topic:ContactListName/A"), (R, BACK, "topic:ContactListName/B"),
                  (R, OUT, "topic:ContactListName/C")], id="several-topics"),
    pytest.param(record(prefs(False, ExampleTopicName="OPT_OUT"), prefs(False)),
                 [(R, OUT, TOPIC)], id="api-spelling"),
    pytest.param(record(prefs("true"), prefs(False)), [(R, OUT, LIST)], id="flag-as-text"),
    pytest.param(record(prefs(1), prefs(False)), [], id="flag-not-a-boolean"),
    pytest.param(record({"topicSubscriptionStatus": "OptOut"}, prefs(False)), [],
                 id="topics-not-a-list"),
    pytest.param(record(prefs(False) | {"topicSubscriptionStatus": [
        "ExampleTopicName", {"subscriptionStatus": "OptIn"}]}, prefs(False)), [],
                 id="topic-entries-without-a-name-or-status"),
    # A name SES would not write: the opt-out is read as one of every mail (one event).
    pytest.param(record(contactList=None), [(R, OUT, "")], id="no-list-name"),
    pytest.param(record(contactList="<b>News</b>"), [(R, OUT, "")], id="markup-in-name"),
    pytest.param(record(contactList="a" * 65), [(R, OUT, "")], id="name-too-long"),
    pytest.param(record(contactList="alice@example.com"), [(R, OUT, "")],
                 id="address-as-name"),
    pytest.param(record(prefs(False, **{"a/b": "OptOut"}), prefs(False)), [(R, OUT, "")],
                 id="slash-in-topic"),
    pytest.param(record(prefs(False, ExampleTopicName="OptIn"),
                        prefs(True, ExampleTopicName="OptOut"), contactList=7), [],
                 id="no-usable-name-no-re-subscription"),
    pytest.param(record(drop=("newTopicPreferences",)), [], id="no-new-preferences"),
    pytest.param(SUB | {"subscription": "unsubscribed"}, [], id="subscription-not-an-object"),
    # Several addresses: each opted out; whose re-subscription it is cannot be told.
    pytest.param(record(prefs(True, ExampleTopicName="OptIn"),
                        prefs(False, ExampleTopicName="OptOut"))
                 | {"mail": SUB["mail"] | {"destination": [R, "b@example.com"]}},
                 [(R, OUT, LIST), ("b@example.com", OUT, LIST)], id="two-addresses"),
    pytest.param(SUB | {"mail": SUB["mail"] | {"destination": "recipient@example.com"}},
                 [(R, OUT, LIST), (R, OUT, TOPIC)], id="destination-as-text"),
    pytest.param(SUB | {"mail": SUB["mail"] | {"destination": [None, "nobody"]}}, [],
                 id="no-address"),
    pytest.param(SUB | {"mail": "m"}, [], id="mail-not-an-object"),
])
def test_ses_subscription_records_are_read(doc: dict[str, Any],
                                          want: list[tuple[str, str, str]]) -> None:
    assert read(doc) == want


def test_the_time_is_the_subscription_change() -> None:
    ev = parse_bytes(json.dumps(SUB).encode(), "ses.json")[0]
    assert ev.event_time is not None
    assert ev.event_time.isoformat() == "2022-01-12T01:00:17.910000+00:00"
    assert ev.message_id == SUB["mail"]["messageId"]
    (undated,) = parse_bytes(json.dumps(record(
        prefs(False, ExampleTopicName="OptOut"), drop=("timestamp",))).encode(), "ses.json")
    assert undated.event_time is None


SNS = {"Type": "Notification", "MessageId": "a7d2b4e5-0000-4000-8000-000000000001",
       "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events",
       "Message": json.dumps(SUB), "Timestamp": "2022-01-12T01:00:18.000Z"}
EVENTBRIDGE = {"version": "0", "id": "5e9b3c1a-0000-4000-8000-000000000002",
               "detail-type": "Email Subscribed", "source": "aws.ses",
               "account": "123456789012", "time": "2022-01-12T01:00:18Z",
               "region": "us-east-1", "resources": [], "detail": SUB}


@pytest.mark.parametrize("data", [
    pytest.param(json.dumps(SNS), id="sns"),
    pytest.param(json.dumps(EVENTBRIDGE), id="eventbridge"),
    pytest.param(json.dumps([EVENTBRIDGE, SNS]), id="array"),
    pytest.param(json.dumps(EVENTBRIDGE) + "\n" + json.dumps(SUB) + "\n", id="json-lines"),
])
def test_wrapped_records_are_read(data: str) -> None:
    events = parse_bytes(data.encode(), "ses.json")
    assert {(e.action, e.scope) for e in events} == {(OUT, LIST), (OUT, TOPIC)}
    assert [e.index for e in events] == list(range(1, len(events) + 1))


def test_eventbridge_wraps_the_other_ses_events_too() -> None:
    bounce = {"eventType": "Bounce", "mail": SUB["mail"], "bounce": {
        "bounceType": "Permanent", "bounceSubType": "General", "timestamp":
        "2022-01-12T01:00:17.910Z", "bouncedRecipients": [
            {"emailAddress": R, "status": "5.1.1", "action": "failed",
             "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}}
    (ev,) = parse_bytes(json.dumps(EVENTBRIDGE | {"detail-type": "Email Bounced",
                                                  "detail": bounce}).encode(), "ses.json")
    assert (ev.address, ev.reason, ev.hard) == (R, "userunknown", True)
