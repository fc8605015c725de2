"""Amazon SES Subscription records (event publishing: a recipient changed their preferences for
the sender's contact list): opt-outs and re-subscriptions of the whole list (`list:NAME`) or of
one of its topics (`topic:LIST/TOPIC`)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mailhygiene.bounces import parse_bytes
from mailhygiene.cli import main
from mailhygiene.history import HistoryEvent, decide_history
from mailhygiene.history_detail import read_detail, split_lifted
from mailhygiene.store import Store
from mailhygiene.types import Evidence, Reason, Status, Verdict

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
    # Firehose's S3 objects: records one after the other, no separator
    pytest.param(json.dumps(SUB) + json.dumps(EVENTBRIDGE), id="concatenated"),
    pytest.param(json.dumps(SUB, indent=2) + " " + json.dumps(SNS) + "\n", id="concatenated-ws"),
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


# -- what history makes of them -------------------------------------------------------------
T0 = datetime(2026, 1, 1, 12, 0)
SKIPPED = Verdict(Status.UNKNOWN, Reason.SMTP_SKIPPED, Evidence.DNS)


def ev(action: str, day: int | None, scope: str) -> HistoryEvent:
    return HistoryEvent(reason="suppressed", hard=False, action=action, scope=scope,
                        event_time=None if day is None else T0 + timedelta(days=day))


def out(day: int | None, scope: str) -> HistoryEvent:
    return ev(OUT, day, scope)


def back(day: int | None, scope: str) -> HistoryEvent:
    return ev(BACK, day, scope)


def opted(scopes: str, day: str = "2026-01-01") -> str:
    return f"opted out of {scopes} (the sending service's list) on {day}"


EVERY = "opted out (the sending service's list) on 2026-01-01"
N, NT = "list:News", "topic:News/offers"


@pytest.mark.parametrize(("events", "want"), [
    pytest.param([out(0, N)], opted("contact list News"), id="list"),
    pytest.param([out(0, NT)], opted("topic offers of contact list News"), id="topic"),
    pytest.param([out(0, N), out(0, NT)], opted("contact list News"),
                 id="the-list-covers-its-topics"),
    pytest.param([out(0, "list:Shop"), out(0, NT), out(0, "topic:News/events"),
                  out(0, "group:10"), out(0, "list:Alerts")],
                 opted("unsubscribe group 10; contact lists Alerts, Shop; topics events, "
                       "offers of contact list News"), id="several-scopes"),
    pytest.param([out(0, NT), out(0, "topic:Shop/offers")],
                 opted("topic offers of contact list News; topic offers of contact list Shop"),
                 id="same-topic-two-lists"),
    pytest.param([out(0, ""), out(3, N)], EVERY, id="every-mail-covers-the-list"),
    # Each record states every preference again: a topic's change at day 4 restates the
    # list's opt-out, which still dates from day 0.
    pytest.param([out(0, N), out(4, N), out(4, NT)], opted("contact list News"),
                 id="restated-list-opt-out-keeps-its-first-day"),
    pytest.param([out(0, N), back(2, N), out(5, N), out(8, N)],
                 opted("contact list News", "2026-01-06"),
                 id="first-day-since-the-last-re-subscription"),
    # Lifting: the same scope, strictly later, both times known.
    pytest.param([out(0, N), back(5, N)], None, id="list-back-later"),
    pytest.param([back(0, N), out(5, N)], opted("contact list News", "2026-01-06"),
                 id="list-back-earlier"),
    pytest.param([out(0, N), back(0, N)], opted("contact list News"), id="same-second"),
    pytest.param([out(0, N), back(5, "list:Shop")], opted("contact list News"),
                 id="another-list"),
    pytest.param([out(0, N), back(None, N)], opted("contact list News"),
                 id="undated-re-subscription"),
    pytest.param([out(None, N), back(5, N)], opted("contact list News", "unknown date"),
                 id="undated-opt-out"),
    pytest.param([out(0, NT), back(5, NT)], None, id="topic-back-later"),
    pytest.param([out(0, NT), back(5, "topic:News/events")],
                 opted("topic offers of contact list News"), id="another-topic"),
    pytest.param([out(0, NT), back(5, "topic:Shop/offers")],
                 opted("topic offers of contact list News"), id="same-topic-another-list"),
    # unsubscribeAll overrides the topics: turning it off brings the topic preferences back as
    # they were, so the list's re-subscription leaves a topic opt-out in force...
    pytest.param([out(0, NT), out(1, N), back(5, N)],
                 opted("topic offers of contact list News"),
                 id="list-back-leaves-a-topic-out"),
    # ...and a topic's re-subscription does not lift the list's opt-out.
    pytest.param([out(0, N), out(0, NT), back(5, NT)], opted("contact list News"),
                 id="topic-back-leaves-the-list-out"),
    pytest.param([out(0, NT), out(1, N), back(5, N), back(6, NT)], None,
                 id="list-and-topic-back"),
    pytest.param([out(0, N), back(40, N), out(41, NT), back(80, NT)], None,
                 id="consent-is-no-soft-bounce"),
])
def test_ses_opt_outs_and_re_subscriptions(events: list[HistoryEvent],
                                          want: str | None) -> None:
    """`want` None: history leaves the verdict as it was; the trace a lifted opt-out leaves
    after the detail is test_lifted_ses_opt_outs_leave_a_trace's."""
    v = decide_history(events, SKIPPED)
    detail = "" if v is None else split_lifted(v.detail)[0]
    if want is None:
        assert v is None or replace(v, detail=detail) == SKIPPED
    else:
        assert v is not None
        assert (v.status, v.reason, detail) == (Status.DO_NOT_MAIL, Reason.SUPPRESSED, want)
        assert read_detail(want) is not None


@pytest.mark.parametrize(("events", "trace"), [
    pytest.param([out(0, N), back(5, N)],
                 "opt-out of contact list News on 2026-01-01 taken back on 2026-01-06",
                 id="list"),
    pytest.param([out(0, NT), back(5, NT)], "opt-out of topic offers of contact list News on "
                 "2026-01-01 taken back on 2026-01-06", id="topic"),
    pytest.param([out(0, NT), out(1, N), back(5, N), back(6, NT)],
                 "opt-out of contact list News; topic offers of contact list News on 2026-01-01 "
                 "taken back on 2026-01-07", id="list-and-topic"),
    pytest.param([out(0, NT), out(1, N), back(5, N)],
                 "opt-out of contact list News on 2026-01-02 taken back on 2026-01-06",
                 id="topic-left-in-force"),
    pytest.param([out(0, N), back(0, N)], None, id="same-second-lifts-nothing"),
])
def test_lifted_ses_opt_outs_leave_a_trace(events: list[HistoryEvent],
                                           trace: str | None) -> None:
    v = decide_history(events, SKIPPED)
    assert v is not None
    got = split_lifted(v.detail)[1]
    assert (got and got.text()) == trace


@pytest.mark.parametrize(("bad", "good"), [
    pytest.param("", N, id="every-mail"),
    pytest.param("list:News letter", N, id="space-in-name"),
    pytest.param("list:", N, id="empty-name"),
    pytest.param("list:" + "n" * 65, "list:" + "n" * 64, id="name-too-long"),
    pytest.param("topic:offers", NT, id="topic-without-its-list"),
    pytest.param("topic:News/offers/x", NT, id="topic-with-two-slashes"),
    pytest.param("List:News", N, id="unknown-kind"),
])
def test_a_scope_this_version_did_not_write_is_every_mail(bad: str, good: str) -> None:
    """An opt-out whose scope is not one the parsers write is one of every mail, which no
    re-subscription lifts, not even one of the very same text; the scope it resembles is
    named and lifted."""
    v = decide_history([out(0, bad), back(5, bad)], SKIPPED)
    assert v is not None and v.detail == EVERY
    v = decide_history([out(0, good)], SKIPPED)
    assert v is not None and v.detail != EVERY and read_detail(v.detail) is not None
    v = decide_history([out(0, good), back(5, good)], SKIPPED)
    assert v is not None and replace(v, detail="") == SKIPPED
    assert v.detail.startswith("opt-out of ") and split_lifted(v.detail)[0] == ""


# -- end to end: mailhygiene check --bounces ses.json ----------------------------------------
def _at(doc: dict[str, Any], address: str, minutes: int, **sub: Any) -> dict[str, Any]:
    """`doc` for `address`, `minutes` after the guide's record."""
    when = (datetime(2022, 1, 12, 1, 0, 17, tzinfo=UTC) + timedelta(minutes=minutes))
    return doc | {"mail": doc["mail"] | {"destination": [address]},
                  "subscription": doc["subscription"] | {"timestamp": when.isoformat()} | sub}


def test_check_reads_ses_subscriptions(tmp_path: Path) -> None:
    topic_out = record(prefs(False, ExampleTopicName="OptOut"), prefs(False))
    list_back = record(prefs(False, ExampleTopicName="OptOut"), prefs(True))
    topic_back = record(prefs(False, ExampleTopicName="OptIn"),
                        prefs(False, ExampleTopicName="OptOut"))
    docs = [
        _at(SUB, "list@example.com", 0),
        _at(SUB, "back@example.com", 0), _at(list_back, "back@example.com", 60),
        _at(topic_back, "back@example.com", 61),
        _at(topic_out, "topic@example.com", 0), _at(SUB, "topic@example.com", 5),
        _at(list_back, "topic@example.com", 60),
        _at(SUB, "bad@example.com", 0, contactList="<script>x</script>"),
    ]
    lines = [json.dumps(EVENTBRIDGE | {"detail": d}) if i % 2 else
             json.dumps(SNS | {"Message": json.dumps(d)}) for i, d in enumerate(docs)]
    (tmp_path / "ses.json").write_text("\n".join(lines) + "\n")
    addresses = ["list@example.com", "back@example.com", "topic@example.com",
                 "bad@example.com"]
    (tmp_path / "list.csv").write_text("email\n" + "\n".join(addresses) + "\n")
    db, page = tmp_path / "s.duckdb", tmp_path / "rapport.html"
    r = CliRunner().invoke(main, ["check", str(tmp_path / "list.csv"), "--level", "syntax",
                                  "--db", str(db), "--no-progress", "--bounces",
                                  str(tmp_path / "ses.json"), "--html", str(page),
                                  "--lang", "fr"])
    assert r.exit_code == 0, r.output
    with Store(db) as store:
        got = store.fetchall("SELECT raw, status, reason, detail FROM contacts ORDER BY row_no")
    assert got == [
        ("list@example.com", "do_not_mail", "suppressed",
         opted("contact list ContactListName", "2022-01-12")),
        ("back@example.com", "unknown", "syntax_ok",
         "opt-out of contact list ContactListName; topic ExampleTopicName of contact list "
         "ContactListName on 2022-01-12 taken back on 2022-01-12"),
        ("topic@example.com", "do_not_mail", "suppressed",
         opted("topic ExampleTopicName of contact list ContactListName", "2022-01-12")
         + "; opt-out of contact list ContactListName on 2022-01-12 taken back on "
         "2022-01-12"),
        ("bad@example.com", "do_not_mail", "suppressed",
         "opted out (the sending service's list) on 2022-01-12")]
    html = page.read_text(encoding="utf-8")
    for french in ("désinscription de la liste de contacts ContactListName (liste de la "
                   "plateforme d'envoi) le 12 janvier 2022",
                   "désinscription de la rubrique ExampleTopicName de la liste de contacts "
                   "ContactListName",
                   # the list's opt-out, taken back, after the topic's in force
                   "2022 ; désinscription de la liste de contacts ContactListName le 12 "
                   "janvier 2022, annulée le 12 janvier 2022"):
        assert french.replace("'", "&#39;") in html, french
    assert "<script>x" not in html and "opted out" not in html and "taken back" not in html
