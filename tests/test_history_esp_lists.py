"""An ESP that refused to send because of its own lists (SendGrid `dropped`, Mailgun
`suppress-*`, SES's suppression lists, a Mailchimp cleaned row) says why: one such event keeps
the address out of the send list, with the verdict its reason supports (DESIGN.md "Result
taxonomy")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.bounces import parse_bytes
from mailhygiene.cli import main


def _dropped(reason: str) -> bytes:
    return json.dumps([{"email": "x@example.com", "event": "dropped", "reason": reason,
                        "status": "5.0.0", "timestamp": 1763630300}]).encode()


def _mailgun(reason: str) -> bytes:
    return json.dumps([{"event": "failed", "severity": "permanent", "reason": reason,
                        "recipient": "x@example.com", "timestamp": 1763630300,
                        "delivery-status": {"code": 605, "message": ""}}]).encode()


# Amazon SES's wording for its two lists (SES developer guide; knowledge-center article
# "ses-suppression-list-sending-quota").
SES_GLOBAL = ("Amazon SES has suppressed sending to this address because it has a recent history "
              "of bouncing as an invalid address. For more information about how to remove an "
              "address from the suppression list, see the Amazon SES Developer Guide: "
              "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/"
              "remove-from-suppressionlist.html")
SES_ACCOUNT = ("Amazon SES did not send the message to this address because it is on the "
               "suppression list for your account. For more information about removing "
               "addresses from the suppression list, see the Amazon SES Developer Guide at "
               "https://docs.aws.amazon.com/ses/latest/DeveloperGuide/"
               "sending-email-suppression-list.html")


def _ses(btype: str, sub: str, diag: str = "", status: str = "", *,
         address: str = "x@example.com", sns: bool = False) -> dict[str, object]:
    recipient: dict[str, str] = {"emailAddress": address, "action": "failed"}
    if status:
        recipient["status"] = status
    if diag:
        recipient["diagnosticCode"] = diag
    doc: dict[str, object] = {
        "eventType": "Bounce",
        "bounce": {"bounceType": btype, "bounceSubType": sub, "bouncedRecipients": [recipient],
                   "timestamp": "2026-11-21T12:00:00.000Z", "feedbackId": "0102-f-1",
                   "reportingMTA": "dns; amazonses.com"},
        "mail": {"timestamp": "2026-11-21T11:59:59.000Z", "source": "news@example.net",
                 "messageId": "0102-msg-1", "destination": [address]}}
    if sns:  # SNS notifications name the type notificationType, event publishing eventType
        doc["notificationType"] = doc.pop("eventType")
    return doc


@pytest.mark.parametrize(
    ("doc", "want"),
    [
        pytest.param(_ses("Permanent", "Suppressed", SES_GLOBAL, "5.1.1", sns=True),
                     ("suppressed", True, "failed"), id="global-list-sns"),
        pytest.param(_ses("Permanent", "Suppressed", SES_GLOBAL),
                     ("suppressed", True, "failed"), id="global-list-no-status"),
        pytest.param(_ses("Permanent", "OnAccountSuppressionList", SES_ACCOUNT),
                     ("suppressed", True, "failed"), id="account-list"),
        pytest.param(_ses("Permanent", "OnAccountSuppressionList", SES_ACCOUNT, "5.1.1",
                          sns=True), ("suppressed", True, "failed"), id="account-list-sns"),
        pytest.param(_ses("Permanent", "OnAccountSuppressionList"),
                     ("suppressed", True, "failed"), id="account-list-no-dsn-fields"),
        # Its complaint side: a send refused for an address listed after a complaint.
        pytest.param({"eventType": "Complaint", "complaint": {
                          "complainedRecipients": [{"emailAddress": "x@example.com"}],
                          "timestamp": "2026-11-21T12:00:00.000Z", "feedbackId": "0102-f-2",
                          "complaintSubType": "OnAccountSuppressionList"},
                      "mail": {"timestamp": "2026-11-21T11:59:59.000Z",
                               "source": "news@example.net", "messageId": "0102-msg-2",
                               "destination": ["x@example.com"]}},
                     ("feedback", False, "failed"), id="account-list-complaint"),
        pytest.param(_ses("Permanent", "General", "smtp; 550 5.1.1 user unknown", "5.1.1"),
                     ("userunknown", True, "failed"), id="general-as-before"),
        pytest.param(_ses("Permanent", "NoEmail"), ("userunknown", True, "failed"),
                     id="noemail-as-before"),
        pytest.param(_ses("Transient", "MailboxFull"), ("mailboxfull", False, "failed"),
                     id="transient-as-before"),
    ],
)
def test_ses_suppression_lists(doc: dict[str, object], want: tuple[str, bool, str]) -> None:
    (ev,) = parse_bytes(json.dumps(doc).encode(), "ses.json", None)
    assert (ev.reason, ev.hard, ev.action) == want


# Opt-outs as the ESPs' webhooks post them (SendGrid Event Webhook reference; Mailgun
# "unsubscribed" webhook, event-data).
SG_UNSUBSCRIBE = {"email": "x@example.com", "timestamp": 1763630300, "event": "unsubscribe",
                  "category": ["newsletter"], "sg_event_id": "zz_BjPgU_5pS-J8vlfB1sg==",
                  "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"}
SG_GROUP_UNSUBSCRIBE = {
    "email": "x@example.com", "timestamp": 1763630300,
    "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>", "event": "group_unsubscribe",
    "category": ["newsletter"], "sg_event_id": "sZROwMGMagFgnOEmSdvhig==",
    "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
    "useragent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "ip": "192.0.2.55",
    "url": "https://www.example.net/preferences", "asm_group_id": 10}
MG_UNSUBSCRIBED = {"signature": {"timestamp": "1763630300", "token": "a8ce0edb2dd8301dee6c",
                                 "signature": "d2271d12299f6592d9d44cd9d250f070"},
                   "event-data": {
                       "event": "unsubscribed", "id": "Ase7i2zsRYeDXztHGENqRA",
                       "timestamp": 1763630300.873676, "log-level": "info",
                       "recipient": "x@example.com", "recipient-domain": "example.com",
                       "tags": ["newsletter"], "ip": "192.0.2.55",
                       "client-info": {"client-type": "browser", "client-os": "Linux"},
                       "message": {"headers": {
                           "message-id": "20261120090000.1.ABCDEF@mg.example.net"}},
                       "user-variables": {}}}


@pytest.mark.parametrize(
    ("doc", "diagnostic"),
    [
        pytest.param(SG_UNSUBSCRIBE, "sendgrid: unsubscribe", id="sendgrid-unsubscribe"),
        pytest.param(SG_GROUP_UNSUBSCRIBE, "sendgrid: group_unsubscribe (group 10)",
                     id="sendgrid-group-unsubscribe"),
        pytest.param(MG_UNSUBSCRIBED, "mailgun: unsubscribed", id="mailgun-unsubscribed"),
        pytest.param(MG_UNSUBSCRIBED["event-data"], "mailgun: unsubscribed",
                     id="mailgun-events-api-item"),
    ],
)
def test_opt_out_events(doc: dict[str, object], diagnostic: str) -> None:
    """An opt-out at the ESP reads as its "Unsubscribed Address" list does (no code: the
    person said so, no server replied)."""
    (ev,) = parse_bytes(json.dumps(doc).encode(), "events.json", None)
    assert (ev.address, ev.reason, ev.hard, ev.action, ev.status) == (
        "x@example.com", "suppressed", False, "unsubscribed", "")
    assert ev.diagnostic == diagnostic and ev.event_time is not None and ev.message_id


@pytest.mark.parametrize(
    ("data", "fmt", "want"),
    [
        pytest.param(_dropped("Bounced Address"), "sendgrid", ("suppressed", True, "failed"),
                     id="sendgrid-bounce-list"),
        pytest.param(_dropped("Invalid"), "sendgrid", ("suppressed", True, "failed"),
                     id="sendgrid-invalid-list"),
        pytest.param(_dropped("Unsubscribed Address"), "sendgrid",
                     ("suppressed", False, "unsubscribed"), id="sendgrid-unsubscribed"),
        pytest.param(_dropped("Spam Reporting Address"), "sendgrid",
                     ("feedback", False, "failed"), id="sendgrid-spam-report-list"),
        pytest.param(_dropped("Spam Content (if spam checker app enabled)"), "sendgrid",
                     ("spamdetected", False, "failed"), id="sendgrid-spam-content"),
        pytest.param(_dropped("Invalid SMTPAPI header"), "sendgrid",
                     ("suppressed", False, "failed"), id="sendgrid-other-reason-as-before"),
        pytest.param(_mailgun("suppress-bounce"), "mailgun", ("suppressed", True, "failed"),
                     id="mailgun-bounce-list"),
        pytest.param(_mailgun("suppress-unsubscribe"), "mailgun",
                     ("suppressed", False, "unsubscribed"), id="mailgun-unsubscribed"),
        pytest.param(_mailgun("suppress-complaint"), "mailgun", ("feedback", False, "failed"),
                     id="mailgun-complaint-list"),
    ],
)
def test_list_drop_reasons(data: bytes, fmt: str, want: tuple[str, bool, str]) -> None:
    (ev,) = parse_bytes(data, "x.json", fmt)
    assert (ev.reason, ev.hard, ev.action) == want


MAILCHIMP = ('"Email Address","First Name",CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID\r\n'
             'cleaned@example.org,Jean,"2026-10-02 14:22:05","Newsletter octobre",a1b2c3\r\n')
SENDGRID = [
    {"email": "bounced@example.com", "event": "dropped", "reason": "Bounced Address",
     "status": "5.0.0", "timestamp": 1763630300, "sg_message_id": "m1"},
    {"email": "unsub@example.com", "event": "dropped", "reason": "Unsubscribed Address",
     "status": "5.0.0", "timestamp": 1763630301, "sg_message_id": "m2"},
    {"email": "spamrep@example.com", "event": "dropped", "reason": "Spam Reporting Address",
     "status": "5.0.0", "timestamp": 1763630302, "sg_message_id": "m3"},
    {"email": "content@example.com", "event": "dropped", "reason": "Spam Content",
     "status": "5.0.0", "timestamp": 1763630303, "sg_message_id": "m4"},
]
SES = [_ses("Permanent", "Suppressed", SES_GLOBAL, "5.1.1", address="ses-global@example.com"),
       _ses("Permanent", "OnAccountSuppressionList", SES_ACCOUNT,
            address="ses-account@example.com")]
WANT = {
    "cleaned@example.org": "risky,soft_bounced",
    "bounced@example.com": "invalid,hard_bounced",
    "unsub@example.com": "do_not_mail,suppressed",
    "spamrep@example.com": "do_not_mail,complained",
    "content@example.com": "unknown,syntax_ok",  # the message's content, not the address
    "ses-global@example.com": "invalid,hard_bounced",  # SES: a history of hard bounces
    "ses-account@example.com": "invalid,hard_bounced",  # SES: the account's bounce list
    "sg-unsub@example.com": "do_not_mail,suppressed",  # the person opted out
    "sg-group@example.com": "do_not_mail,suppressed",
    "mg-unsub@example.com": "do_not_mail,suppressed",
    "gone-unsub@example.com": "invalid,hard_bounced",  # an opt-out never hides a hard bounce
}
WEBHOOK = [SG_UNSUBSCRIBE | {"email": "sg-unsub@example.com"},
           SG_GROUP_UNSUBSCRIBE | {"email": "sg-group@example.com"},
           {"email": "gone-unsub@example.com", "timestamp": 1763630000, "event": "bounce",
            "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
            "status": "5.1.1", "type": "bounce", "bounce_classification": "Invalid Address"},
           SG_UNSUBSCRIBE | {"email": "gone-unsub@example.com", "timestamp": 1763630900}]


def test_one_list_event_keeps_the_address_out_of_the_send_list(tmp_path: Path) -> None:
    (tmp_path / "cleaned.csv").write_text(MAILCHIMP)
    (tmp_path / "events.json").write_text(json.dumps(SENDGRID))
    (tmp_path / "ses.jsonl").write_text("".join(json.dumps(d) + "\n" for d in SES))
    (tmp_path / "webhook.jsonl").write_text("".join(json.dumps(d) + "\n" for d in WEBHOOK))
    mailgun = json.loads(json.dumps(MG_UNSUBSCRIBED))
    mailgun["event-data"]["recipient"] = "mg-unsub@example.com"
    (tmp_path / "mailgun.json").write_text(json.dumps(mailgun))
    (tmp_path / "list.csv").write_text("email\n" + "\n".join(WANT) + "\n")
    db = str(tmp_path / "s.duckdb")
    common = ["--level", "syntax", "--db", db, "--no-progress", "--bounces",
              str(tmp_path / "cleaned.csv"), "--bounces", str(tmp_path / "events.json"),
              "--bounces", str(tmp_path / "ses.jsonl"), "--bounces",
              str(tmp_path / "webhook.jsonl"), "--bounces", str(tmp_path / "mailgun.json")]
    runner = CliRunner()
    full = runner.invoke(main, ["check", str(tmp_path / "list.csv"), "-o",
                                str(tmp_path / "all.csv"), *common])
    assert full.exit_code == 0, full.output
    rows = [line.split(",") for line in (tmp_path / "all.csv").read_text().splitlines()[1:]]
    assert {r[0]: f"{r[1]},{r[2]}" for r in rows} == WANT
    send = runner.invoke(main, ["check", str(tmp_path / "list.csv"), "-o",
                                str(tmp_path / "send.csv"), "--only", "valid,unknown", *common])
    assert send.exit_code == 0, send.output
    lines = (tmp_path / "send.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["content@example.com"]
