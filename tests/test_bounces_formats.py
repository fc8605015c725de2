"""Every input format issue 5 lists, on realistic samples (fixtures/bounces, shared data)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mailhygiene.bounces import parse_bytes, parse_path
from mailhygiene.bounces.detect import iter_files, sniff
from mailhygiene.cli.bounces import bounces
from mailhygiene.errors import InputError
from tests.data import BOUNCES_DIR

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"
MAILDIR = BOUNCES_DIR / "maildir"


def summary(path: Path, fmt: str | None = None) -> list[tuple[str, str, str, bool, str]]:
    return [(e.address, e.reason, e.status, e.hard, e.action) for e in parse_path(path, fmt)]


def test_postfix_log() -> None:
    assert summary(FIX / "postfix-maillog.log") == [
        ("ghost@example.org", "userunknown", "5.1.1", True, "failed"),
        ("full@example.com", "mailboxfull", "4.2.2", False, "delayed"),
        ("alice@example.com", "delivered", "2.0.0", False, "delivered"),
        ("bob@blocked.example", "blocked", "5.7.1", False, "failed"),
        ("someone@nxdomain.example", "hostunknown", "5.4.4", True, "failed"),
        ("late@example.com", "expired", "4.4.1", False, "expired"),
        ("carol@example.net", "delivered", "2.0.0", False, "delivered"),
    ]
    events = list(parse_path(FIX / "postfix-maillog.log"))
    assert events[0].message_id == "3F1A82A0001"
    assert events[0].remote_mta == "mx.example.org[198.51.100.7]:25"
    assert events[5].event_time is not None and events[5].event_time.year == 2026


def test_ses_sns_notification() -> None:
    assert summary(FIX / "ses-bounce-sns.json") == [
        ("nobody@example.org", "userunknown", "5.1.1", True, "failed"),
        ("quota@example.org", "mailboxfull", "5.2.2", False, "failed"),
    ]


def test_ses_event_publishing_jsonl() -> None:
    assert summary(FIX / "ses-events.jsonl") == [
        ("suppressed@example.com", "suppressed", "", True, "failed"),  # account bounce list
        ("angry@example.com", "feedback", "", False, "feedback"),
        ("happy@example.com", "delivered", "2.6.0", False, "delivered"),
        ("full@example.com", "mailboxfull", "", False, "delayed"),
    ]
    assert [e.index for e in parse_path(FIX / "ses-events.jsonl")] == [1, 2, 3, 4]


def test_sendgrid_events() -> None:
    got = summary(FIX / "sendgrid-events.json")
    assert got[0] == ("gone@example.org", "userunknown", "5.1.1", True, "failed")
    assert got[1][1] == "blocked" and not got[1][3]
    assert got[2][4] == "delayed" and not got[2][3]  # deferred: 4.x.x is never hard
    assert got[3][1] == "suppressed" and got[3][3]  # dropped, "Bounced Address"
    assert got[4][1] == "delivered" and got[5][1] == "feedback"
    assert len(got) == 6  # "open" events are not delivery outcomes


@pytest.mark.parametrize(
    ("email", "addresses"),
    [
        pytest.param("a@example.org", ["a@example.org"], id="string"),
        pytest.param(["a@example.org", "b@example.org"], ["a@example.org", "b@example.org"],
                     id="list-one-event-each"),
        pytest.param(["a@example.org", 7, None, {"x": "c@example.org"}], ["a@example.org"],
                     id="list-non-strings-dropped"),
        pytest.param([], [], id="empty-list"),
        pytest.param({"address": "a@example.org"}, [], id="object"),
        pytest.param(5, [], id="number"),
        pytest.param(None, [], id="null"),
    ],
)
def test_sendgrid_email_field_shapes(email: object, addresses: list[str]) -> None:
    doc = [{"email": email, "event": "bounce", "status": "5.1.1", "reason": "550 5.1.1 no"},
           {"email": "last@example.org", "event": "bounce", "status": "5.1.1"}]
    got = parse_bytes(json.dumps(doc).encode(), "sg.json", "sendgrid")
    assert [(e.address, e.index) for e in got] == [
        *((a, k) for k, a in enumerate(addresses, 1)), ("last@example.org", len(addresses) + 1)]
    assert all(e.reason == "userunknown" for e in got)


# The address fields of SES and Mailgun events, and the objects around them, in the shapes a
# broken export or a hand-edited capture can hold: one odd entry gives no event of its own and
# never loses the file's other events (a parser error used to drop the whole file).
_ODD_ADDRESS_FIELDS = [
    pytest.param("a@example.org", ["a@example.org"], id="string"),
    pytest.param(["a@example.org", "b@example.org"], ["a@example.org", "b@example.org"],
                 id="list-one-event-each"),
    pytest.param(["a@example.org", 7, None], ["a@example.org"], id="list-non-strings-dropped"),
    pytest.param({"address": "a@example.org"}, [], id="object"),
    pytest.param(5, [], id="number"),
    pytest.param(None, [], id="null"),
]


@pytest.mark.parametrize(("value", "addresses"), _ODD_ADDRESS_FIELDS)
def test_ses_address_field_shapes(value: object, addresses: list[str]) -> None:
    recipients: list[object] = [{"emailAddress": value, "status": "5.1.1"}, "x@example.org",
                                {"emailAddress": "last@example.org", "status": "5.1.1"}]
    doc = {"notificationType": "Bounce", "mail": {"messageId": "m1"},
           "bounce": {"bounceType": "Permanent", "bouncedRecipients": recipients}}
    got = parse_bytes(json.dumps(doc).encode(), "ses.json", "ses")
    assert [e.address for e in got] == [*addresses, "last@example.org"]
    assert all(e.reason == "userunknown" and e.message_id == "m1" for e in got)


@pytest.mark.parametrize(("value", "addresses"), _ODD_ADDRESS_FIELDS)
def test_mailgun_recipient_field_shapes(value: object, addresses: list[str]) -> None:
    status = {"code": 550, "enhanced-code": "5.1.1", "message": "no such user"}
    doc = [{"event": "failed", "severity": "permanent", "recipient": value,
            "delivery-status": status},
           {"event": "failed", "recipient": "r@example.org", "delivery-status": "odd",
            "message": ["odd"]},
           {"event-data": {"event": "failed", "severity": "permanent",
                           "recipient": "last@example.org", "delivery-status": status}}]
    got = parse_bytes(json.dumps(doc).encode(), "mg.json", "mailgun")
    assert [e.address for e in got] == [*addresses, "r@example.org", "last@example.org"]
    assert [e.index for e in got] == list(range(1, len(got) + 1))


@pytest.mark.parametrize("doc", [
    pytest.param({"notificationType": "Bounce", "mail": "odd", "bounce": ["odd"]}, id="bounce"),
    pytest.param({"notificationType": "Complaint", "complaint": {"complainedRecipients": 5}},
                 id="complaint"),
    pytest.param({"notificationType": "Delivery", "delivery": {"recipients": "d@example.org"}},
                 id="delivery-string"),
])
def test_ses_odd_objects_keep_the_other_documents(doc: dict[str, object]) -> None:
    last = {"notificationType": "Bounce", "bounce": {
        "bounceType": "Permanent",
        "bouncedRecipients": [{"emailAddress": "last@example.org", "status": "5.1.1"}]}}
    got = parse_bytes(json.dumps([doc, last]).encode(), "ses.json", "ses")
    assert got[-1].address == "last@example.org" and got[-1].reason == "userunknown"
    assert len(got) == (2 if "delivery" in doc else 1)


def test_mailgun_webhook_and_events_api() -> None:
    assert summary(FIX / "mailgun-webhook.json") == [
        ("alice@example.com", "userunknown", "5.1.1", True, "failed")]
    got = summary(FIX / "mailgun-events.json")
    assert [g[1] for g in got] == ["mailboxfull", "suppressed", "delivered", "feedback"]
    assert [g[3] for g in got] == [False, True, False, False]  # suppress-bounce: bounced before


def test_mailchimp_cleaned_csv() -> None:
    got = list(parse_path(FIX / "mailchimp-cleaned.csv"))
    assert [(e.address, e.reason, e.hard) for e in got] == [
        ("ghost@example.org", "suppressed", False), ("full@example.com", "suppressed", False)]
    assert got[0].event_time is not None and got[0].event_time.month == 10


def test_mbox_splits_messages_and_ignores_non_bounces() -> None:
    got = list(parse_path(FIX / "postfix-dsn.mbox"))
    assert [(e.source.rsplit("#", 1)[1], e.index, e.reason, e.hard) for e in got] == [
        ("1", 1, "userunknown", True), ("1", 2, "blocked", False)]
    assert got[0].remote_mta == "mx.example.org"


@pytest.mark.skipif(not MAILDIR.is_dir(), reason="shared bounce data not present")
def test_maildir_folder(tmp_path: Path) -> None:
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    shutil.copy(MAILDIR / "lhost-postfix-01.eml", box / "cur" / "1.host:2,S")
    shutil.copy(MAILDIR / "arf-01.eml", box / "new" / "2.host")
    (box / "dovecot-uidlist").write_text("3 V1 N1\n")
    got = list(parse_path(box))
    assert {e.reason for e in got} >= {"feedback"}
    assert all(e.source.startswith(str(box)) for e in got)


@pytest.mark.parametrize(
    ("files", "read"),
    [
        pytest.param(["box/cur/1", "box/new/2", "box/tmp/3"], ["box/cur/1", "box/new/2"],
                     id="maildir-tmp-skipped"),
        pytest.param(["box/cur/1", "box/new/2", "box/tmp/3", "box/.Sent/cur/4",
                      "box/.Sent/new/5", "box/.Sent/tmp/6"],
                     ["box/.Sent/cur/4", "box/.Sent/new/5", "box/cur/1", "box/new/2"],
                     id="maildir-plus-plus-subfolder"),
        pytest.param(["box/cur/1", "box/tmp/3"], ["box/cur/1", "box/tmp/3"],
                     id="not-a-maildir-without-new"),
        pytest.param(["a/tmp/1", "a/x"], ["a/tmp/1", "a/x"], id="plain-folder-named-tmp"),
        pytest.param(["one/cur/1", "one/new/", "one/tmp/2", "two/tmp/3", "two/cur/4",
                      "two/new/"], ["one/cur/1", "two/cur/4"], id="two-maildirs-empty-new"),
    ],
)
def test_iter_files_skips_maildir_tmp(tmp_path: Path, files: list[str], read: list[str]) -> None:
    for name in files:
        target = tmp_path / name
        if name.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_files(tmp_path)] == read


def test_maildir_tmp_messages_are_not_bounces(tmp_path: Path) -> None:
    """A message in tmp/ is still being delivered (maildir(5)): it is not read."""
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    shutil.copy(FIX / "postfix-maillog.log", box / "tmp" / "1.host")
    shutil.copy(FIX / "mailgun-webhook.json", box / "new" / "2.host")
    assert [(e.address, e.source) for e in parse_path(box)] == [
        ("alice@example.com", str(box / "new" / "2.host"))]


@pytest.mark.skipif(not MAILDIR.is_dir(), reason="shared bounce data not present")
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("arf-01.eml", "feedback", id="arf"),
        pytest.param("rfc3834-04.eml", "vacation", id="auto-reply"),
        pytest.param("lhost-exim-01.eml", "blocked", id="exim-freetext"),
        pytest.param("lhost-qmail-06.eml", "mailboxfull", id="qmail-freetext"),
        pytest.param("lhost-yahoo-01.eml", "userunknown", id="yahoo-freetext"),
    ],
)
def test_message_kinds(name: str, reason: str) -> None:
    got = list(parse_path(MAILDIR / name))
    assert got and got[0].reason == reason
    if reason in ("feedback", "vacation"):
        assert not got[0].hard


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        pytest.param(b"", "eml", id="empty"),
        pytest.param(b"\x00\xff\xfe" * 100, "eml", id="binary"),
        pytest.param(b"From: x\nContent-Type: multipart/report; boundary=zz\n\n--zz\n", "eml",
                     id="truncated-report"),
        pytest.param(b'{"notificationType": "Bounce", "bounce": 3}', "json", id="bad-ses"),
        pytest.param(b"[1, 2, {\"email\": 5}]", "json", id="bad-sendgrid"),
        pytest.param(b"Email Address,CLEAN_TIME\n\"unterminated", "mailchimp", id="bad-csv"),
    ],
)
def test_broken_input_yields_nothing(data: bytes, fmt: str) -> None:
    assert parse_bytes(data, "x") == []
    assert parse_bytes(data, "x", fmt if fmt != "json" else "ses") == []


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    for fmt in (None, "eml", "mbox", "postfix", "ses", "sendgrid", "mailgun", "mailchimp"):
        assert isinstance(parse_bytes(data, "fuzz", fmt), list)


def test_unreadable_paths_raise_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        list(parse_path(tmp_path / "missing.eml"))
    with pytest.raises(InputError):
        list(parse_path(FIX / "postfix-maillog.log", "nonsense"))


def test_sniff() -> None:
    assert sniff((FIX / "postfix-maillog.log").read_bytes()) == "postfix"
    assert sniff((FIX / "ses-bounce-sns.json").read_bytes()) == "ses"
    assert sniff((FIX / "sendgrid-events.json").read_bytes()) == "sendgrid"
    assert sniff((FIX / "mailgun-events.json").read_bytes()) == "mailgun"
    assert sniff((FIX / "mailchimp-cleaned.csv").read_bytes(), "x.csv") == "mailchimp"
    assert sniff((FIX / "postfix-dsn.mbox").read_bytes()) == "mbox"


def test_cli_parse_jsonl() -> None:
    result = CliRunner().invoke(bounces, ["parse", "--jsonl", str(FIX / "postfix-dsn.mbox")])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["index"] for r in rows] == [1, 2]
    assert set(rows[0]) == {"source", "index", "address", "reason", "status", "replycode",
                            "hard", "action", "scope"}
    assert rows[0]["address"] == "ghost@example.org" and rows[0]["hard"] is True
    assert rows[1]["status"] == "5.7.1" and rows[1]["replycode"] == "554"


def test_cli_parse_masks_by_default_and_prints_nothing_for_non_bounces(tmp_path: Path) -> None:
    result = CliRunner().invoke(bounces, ["parse", str(FIX / "postfix-dsn.mbox")])
    assert result.exit_code == 0
    assert "ghost@example.org" not in result.output and "g***@e***.org" in result.output
    plain = tmp_path / "hello.eml"
    plain.write_text("From: a@example.com\nTo: b@example.org\nSubject: hi\n\nHello there.\n")
    result = CliRunner().invoke(bounces, ["parse", "--jsonl", str(plain)])
    assert result.exit_code == 0 and result.stdout == ""
    # ... but says on stderr which file gave no event (a wrong format reads as "none").
    assert result.stderr == f"mailhygiene: warning: no bounce event found in 1 file: {plain}\n"
    result = CliRunner().invoke(bounces, ["parse", str(FIX / "postfix-dsn.mbox"), str(plain)])
    assert result.exit_code == 0 and str(plain) in result.stderr
    assert "postfix-dsn" not in result.stderr and "g***@e***.org" in result.stdout


EXIM = b"""From: Mail Delivery System <Mailer-Daemon@mx.example.net>
To: news@example.net
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: gone@example.org, busy@example.com
Auto-Submitted: auto-replied
Date: Fri, 20 Nov 2026 09:00:06 +0000

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  gone@example.org
    host mx.example.org [198.51.100.7]
    SMTP error from remote mail server after RCPT TO:<gone@example.org>:
    550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown
  busy@example.com
    host mx.example.com [203.0.113.5]
    SMTP error from remote mail server after RCPT TO:<busy@example.com>:
    452 4.2.2 <busy@example.com>: Mailbox full

------ This is a copy of the message, including all the headers. ------

From: news@example.net
To: gone@example.org, busy@example.com
Subject: November news
"""

QMAIL = b"""From: MAILER-DAEMON@mx.example.net
To: news@example.net
Subject: failure notice

Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<late@example.org>:
I'm not going to try again; this message has been in the queue too long.

--- Below this line is a copy of the message.

To: late@example.org
"""


def test_exim_failed_recipients_each_get_their_own_diagnostic() -> None:
    got = parse_bytes(EXIM, "exim.eml")
    assert [(e.index, e.address, e.reason, e.status, e.hard) for e in got] == [
        (1, "gone@example.org", "userunknown", "5.1.1", True),
        (2, "busy@example.com", "mailboxfull", "4.2.2", False),
    ]


def test_qmail_queue_lifetime_alone_means_expired() -> None:
    got = parse_bytes(QMAIL, "qmail.eml")
    assert [(e.address, e.reason, e.hard) for e in got] == [("late@example.org", "expired",
                                                               False)]


def test_report_with_wrong_boundary_is_still_read() -> None:
    data = (FIX / "postfix-dsn.mbox").read_bytes().split(b"\nFrom news@", 1)[0]
    data = data.split(b"\n", 1)[1].replace(b'boundary="3F1A82A0001', b'boundary="WRONG', 1)
    got = parse_bytes(data, "broken.eml", "eml")
    assert [(e.address, e.reason) for e in got] == [("ghost@example.org", "userunknown"),
                                                    ("bob@blocked.example", "blocked")]


def test_kddi_user_unknown_is_a_hard_bounce() -> None:
    """An ezweb.ne.jp "<address>: User unknown" without the SMTP command is the mailbox, not a
    filter (KDDI's own wording for a filter refusal is "550 : User unknown")."""
    msg = (b"From: MAILER-DAEMON@example.org\r\nTo: sender@example.org\r\n"
           b"Subject: Undeliverable\r\nContent-Type: text/plain\r\n\r\n"
           b"Sorry, we were unable to deliver your message to the following address.\r\n\r\n"
           b"<neko@ezweb.ne.jp>:\r\n550: <neko@ezweb.ne.jp>: User unknown\r\n")
    events = parse_bytes(msg, "kddi.eml", "eml")
    assert [(e.address, e.reason, e.hard) for e in events] == [
        ("neko@ezweb.ne.jp", "userunknown", True)]


@pytest.mark.parametrize("pack", ["gzip", "bz2", "lzma", "utf-16", "utf-16-be"])
def test_compressed_and_utf16_logs_read_like_the_plain_one(tmp_path: Path, pack: str) -> None:
    """Rotated logs (mail.log.2.gz, .bz2, .xz) and UTF-16 exports give the same events."""
    import bz2
    import gzip
    import lzma

    plain = (FIX / "postfix-maillog.log").read_bytes()
    packed = {"gzip": gzip.compress, "bz2": bz2.compress, "lzma": lzma.compress,
              "utf-16": lambda b: b.decode("utf-8").encode("utf-16"),
              "utf-16-be": lambda b: b"\xfe\xff" + b.decode("utf-8").encode("utf-16-be"),
              }[pack](plain)
    f = tmp_path / "mail.log.2"
    f.write_bytes(packed)
    assert summary(f) == summary(FIX / "postfix-maillog.log")
    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(bounces, ["import", str(f), "--db", str(db)])
    assert r.exit_code == 0 and "events: 7  new: 7" in r.output, r.output
    assert "warning" not in r.output


def test_import_warns_about_files_without_events(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "random.bin").write_bytes(bytes(range(256)) * 40)
    (logs / "notes.txt").write_text("nothing to see here\n")
    shutil.copy(FIX / "postfix-maillog.log", logs / "mail.log")
    r = CliRunner().invoke(bounces, ["import", str(logs), "--db", str(tmp_path / "s.db")])
    assert r.exit_code == 0, r.output
    assert "files: 3  events: 7" in r.output
    assert "no bounce event found in 2 files" in r.output
    assert "notes.txt" in r.output and "random.bin" in r.output
    assert "mail.log," not in r.output


@pytest.mark.parametrize("command", ["import", "parse"])
def test_a_folder_without_files_is_named(tmp_path: Path, command: str) -> None:
    """A wrong folder, or a maildir whose messages are all still in tmp/, reads nothing: it
    was said nowhere ("files: 0  events: 0"), as if its bounces had been read."""
    empty = tmp_path / "bounces-2024"
    empty.mkdir()
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "tmp" / "1.eml").write_bytes((FIX / "postfix-dsn.mbox").read_bytes())
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(FIX / "postfix-maillog.log", logs / "mail.log")
    db = ["--db", str(tmp_path / "s.db")] if command == "import" else []
    r = CliRunner().invoke(bounces, [command, str(empty), str(maildir), str(logs), *db])
    assert r.exit_code == 0, r.output
    assert r.stderr == (f"mailhygiene: warning: no file to read in 2 folders: {empty}, "
                        f"{maildir}\n")
