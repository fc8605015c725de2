"""A complaint is counted once: the sends an ESP refused afterwards because the address is on
its complaint list (SES complaintSubType OnAccountSuppressionList, SendGrid "Spam Reporting
Address", Mailgun suppress-complaint) keep it do_not_mail/complained but are no new complaints."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.bounces import parse_bytes
from mailhygiene.cli import main
from mailhygiene.history import HistoryEvent, decide_history
from mailhygiene.store import Store
from mailhygiene.types import Evidence, Reason, Status, Verdict

T0 = datetime(2026, 1, 1, 12, 0)
SKIPPED = Verdict(Status.UNKNOWN, Reason.SMTP_SKIPPED, Evidence.DNS)


def complaint(day: int | None) -> HistoryEvent:
    return HistoryEvent(reason="feedback", hard=False, action="feedback",
                        event_time=None if day is None else T0 + timedelta(days=day))


def refused(day: int | None) -> HistoryEvent:
    """A send refused because the address is on the ESP's complaint list."""
    return HistoryEvent(reason="feedback", hard=False, action="failed",
                        event_time=None if day is None else T0 + timedelta(days=day))


@pytest.mark.parametrize(("events", "detail"), [
    pytest.param([complaint(0)], "complaint (1) on 2026-01-01", id="one"),
    pytest.param([complaint(0), complaint(3)], "complaint (2) on 2026-01-04", id="two"),
    pytest.param([complaint(0), refused(7), refused(14), refused(21)],
                 "complaint (1) on 2026-01-01", id="one-then-three-refusals"),
    pytest.param([refused(7), complaint(9), refused(14)], "complaint (1) on 2026-01-10",
                 id="refusals-around-the-complaint"),
    pytest.param([refused(7), refused(14)],
                 "complaint (on the sending service's complaint list) on 2026-01-15",
                 id="only-refusals"),
    pytest.param([refused(None)],
                 "complaint (on the sending service's complaint list) on unknown date",
                 id="only-refusal-no-date"),
    pytest.param([refused(3), complaint(None)], "complaint (1) on unknown date",
                 id="undated-complaint"),
    # Stores written before this reading hold SES's refusals with action `feedback`: they
    # count as complaints until `bounces import --restart` reads the files again.
    pytest.param([HistoryEvent(reason="feedback", hard=False)],
                 "complaint (1) on unknown date", id="no-action"),
])
def test_list_refusals_are_not_counted_as_complaints(events: list[HistoryEvent],
                                                      detail: str) -> None:
    v = decide_history(events, SKIPPED)
    assert v is not None
    assert (v.status, v.reason, v.detail) == (Status.DO_NOT_MAIL, Reason.COMPLAINED, detail)


def _ses_complaint(address: str, day: int, sub: str | None) -> dict[str, object]:
    """An SES complaint notification (developer guide, "Amazon SES notification contents")."""
    c: dict[str, object] = {
        "complainedRecipients": [{"emailAddress": address}],
        "timestamp": f"2026-11-{day:02d}T12:00:00.000Z", "feedbackId": f"0102-f-{day}",
        "complaintSubType": sub}
    if sub is None:  # a complaint the recipient's provider reported through its loop
        c |= {"complaintFeedbackType": "abuse", "userAgent": "Yahoo!-Mail-Feedback/2.0",
              "arrivalDate": f"2026-11-{day:02d}T11:59:00.000Z"}
    return {"notificationType": "Complaint", "complaint": c,
            "mail": {"timestamp": f"2026-11-{day:02d}T11:00:00.000Z",
                     "source": "news@example.net", "messageId": f"0102-msg-{day}",
                     "destination": [address]}}


@pytest.mark.parametrize(("data", "fmt", "action"), [
    pytest.param(json.dumps(_ses_complaint("x@example.com", 2, None)).encode(), None,
                 "feedback", id="ses-complaint"),
    pytest.param(json.dumps(_ses_complaint("x@example.com", 2, "OnAccountSuppressionList"))
                 .encode(), None, "failed", id="ses-account-list-refusal"),
    pytest.param(json.dumps([{"email": "x@example.com", "event": "spamreport",
                              "timestamp": 1763630300}]).encode(), "sendgrid", "feedback",
                 id="sendgrid-spamreport"),
    pytest.param(json.dumps([{"email": "x@example.com", "event": "dropped",
                              "reason": "Spam Reporting Address", "status": "5.0.0",
                              "timestamp": 1763630300}]).encode(), "sendgrid", "failed",
                 id="sendgrid-spam-reporting-address"),
    pytest.param(json.dumps([{"event": "complained", "recipient": "x@example.com",
                              "timestamp": 1763630300}]).encode(), "mailgun", "feedback",
                 id="mailgun-complained"),
    pytest.param(json.dumps([{"event": "failed", "severity": "permanent",
                              "reason": "suppress-complaint", "recipient": "x@example.com",
                              "timestamp": 1763630300,
                              "delivery-status": {"code": 605, "message": ""}}]).encode(),
                 "mailgun", "failed", id="mailgun-suppress-complaint"),
])
def test_complaints_and_list_refusals_are_told_apart(data: bytes, fmt: str | None,
                                                      action: str) -> None:
    (ev,) = parse_bytes(data, "events.json", fmt)
    assert (ev.reason, ev.hard, ev.action) == ("feedback", False, action)


def test_ses_account_list_refusals_do_not_inflate_the_count(tmp_path: Path) -> None:
    """One complaint, then three campaigns SES refused for the address: `complaint (1)`."""
    docs = [_ses_complaint("once@example.com", 2, None)] + [
        _ses_complaint("once@example.com", d, "OnAccountSuppressionList") for d in (9, 16, 23)
    ] + [_ses_complaint("listed@example.com", d, "OnAccountSuppressionList") for d in (9, 16)]
    (tmp_path / "ses.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    (tmp_path / "list.csv").write_text("email\nonce@example.com\nlisted@example.com\n")
    r = CliRunner().invoke(main, ["check", str(tmp_path / "list.csv"), "--level", "syntax",
                                  "--db", str(tmp_path / "s.duckdb"), "--no-progress",
                                  "--bounces", str(tmp_path / "ses.jsonl")])
    assert r.exit_code == 0, r.output
    with Store(tmp_path / "s.duckdb") as store:
        got = store.fetchall("SELECT raw, status, reason, detail FROM contacts ORDER BY row_no")
    assert got == [
        ("once@example.com", "do_not_mail", "complained", "complaint (1) on 2026-11-02"),
        ("listed@example.com", "do_not_mail", "complained",
         "complaint (on the sending service's complaint list) on 2026-11-16")]
