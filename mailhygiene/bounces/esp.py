"""ESP exports: Amazon SES notifications (SNS or event publishing JSON), SendGrid event webhook
and bounce-list JSON, Mailgun events (webhook or Events API), Mailchimp "cleaned" CSV exports.

Field names follow each vendor's documentation:
- SES: docs.aws.amazon.com/ses/latest/dg/notification-contents.html (notificationType or
  eventType; bounce.bouncedRecipients[].status/diagnosticCode; complaint; delivery) and
  event-publishing-retrieving-sns-contents.html (Subscription: subscription.contactList,
  timestamp, newTopicPreferences / oldTopicPreferences: unsubscribeAll,
  topicSubscriptionStatus[].topicName/subscriptionStatus; mail.destination), as JSON, in an
  SNS notification's Message or an EventBridge event's detail;
- SendGrid: docs.sendgrid.com event webhook (event, email, timestamp, reason, status, type,
  bounce_classification, asm_group_id; unsubscribe, group_unsubscribe, group_resubscribe) and
  the legacy bounces API (email, created, reason, status);
- Mailgun: documentation.mailgun.com events (event-data.event failed/delivered/complained/
  unsubscribed, severity, recipient, delivery-status.code / enhanced-code / message /
  description);
- Mailchimp: audience export of cleaned contacts (Email Address, CLEAN_TIME...)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from mailhygiene.bounces import reasons
from mailhygiene.bounces.model import SES_NAME, BounceEvent

# SES bounceType/bounceSubType -> reason when the DSN fields say nothing more specific.
_SES_SUBTYPES = {
    "noemail": "userunknown", "mailboxfull": "mailboxfull", "messagetoolarge": "emailtoolarge",
    "contentrejected": "contenterror", "attachmentrejected": "policyviolation",
}
# SES would not send because the address is on one of its suppression lists (Permanent
# bounces; table of bounce types, docs.aws.amazon.com/ses/latest/dg/notification-contents.html):
# `Suppressed`, the global list of addresses with "a recent history of producing hard bounces";
# `OnAccountSuppressionList`, the account's own list, whose entries each have one reason,
# BOUNCE or COMPLAINT. A send SES refused because of that list is also reported as a Complaint
# (complaintSubType OnAccountSuppressionList: _COMPLAINT_LIST below): the Bounce is the list's
# bounce side, an address that failed permanently before (or that the sender listed as such),
# as SendGrid's "Bounced Address". Both read as a bounce list, as _LIST_DROPS below.
_SES_LISTS = frozenset({"suppressed", "onaccountsuppressionlist"})
_BOUNCE_LIST = ("suppressed", True, "failed")
_OPT_OUT = ("suppressed", False, "unsubscribed")
# The person took an opt-out back (SendGrid group_resubscribe: back in one unsubscribe group;
# an SES Subscription record: back in a contact list or one of its topics).
_RESUBSCRIBE = ("suppressed", False, "resubscribed")
# A send refused because the address is on a complaint list: the person complained before, and
# every later send to the address repeats the refusal. Action `failed` (the send failed), not
# `feedback` (a complaint itself), so history counts the complaints and not their echoes.
_COMPLAINT_LIST = ("feedback", False, "failed")
_MAILCHIMP_EMAIL_COLUMNS = ("email address", "email", "e-mail address", "email_address")
# Why the ESP refused to send (its own suppression lists), as SendGrid's dropped reasons and
# Mailgun's suppress-* reasons say it -> (reason, hard, action). Its bounce and invalid lists
# hold addresses that failed permanently before: a hard bounce it remembers. An opt-out or a
# complaint on record is the person's objection; spam content is about the message.
_LIST_DROPS: dict[str, tuple[str, bool, str]] = {
    "bounced address": _BOUNCE_LIST,
    "invalid": _BOUNCE_LIST,
    "suppress-bounce": _BOUNCE_LIST,
    "unsubscribed address": _OPT_OUT,
    "suppress-unsubscribe": _OPT_OUT,
    "spam reporting address": _COMPLAINT_LIST,
    "suppress-complaint": _COMPLAINT_LIST,
    "spam content": ("spamdetected", False, "failed"),
}


def _time(value: Any) -> datetime | None:
    """ISO 8601 strings, 'YYYY-MM-DD HH:MM:SS' or Unix seconds (SendGrid, Mailgun)."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, (int, float)) or str(value).replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(value), tz=UTC)
        text = str(value).strip().replace("Z", "+00:00")
        dt = datetime.fromisoformat(text)
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _event(source: str, index: int, address: str, status: str, diagnostic: str, *,
           hint: str = "", action: str = "failed", when: datetime | None = None,
           replycode: str = "", remote_mta: str = "", message_id: str = "",
           feedback_type: str = "") -> BounceEvent:
    dtype, sep, dtext = diagnostic.partition(";")
    text = dtext.strip() if sep and dtype.strip().lower() in ("smtp", "x-postfix", "x-unix") \
        else diagnostic
    field, quoted = reasons.find_status(status), reasons.find_status(text)
    # A field holding only the class (SendGrid writes 5.0.0 for every permanent bounce) says
    # less than the remote server's own enhanced code quoted in the text (550 5.1.1 ...).
    if field.endswith(".0.0") and quoted[:1] == field[:1] and quoted != field:
        field = quoted
    status = field or quoted
    replycode = replycode or reasons.find_replycode(text)
    reason = reasons.classify(status, text, replycode=replycode, action=action, hint=hint)
    if reason == "filtered" and action == "failed" and _no_such_mailbox(status, replycode, text):
        reason = "userunknown"
    return BounceEvent(
        source=source, index=index, address=address.strip(), reason=reason, status=status,
        replycode=replycode, hard=reasons.is_hard(reason, status, replycode, text),
        action=action, event_time=when, remote_mta=remote_mta, diagnostic=text[:1000],
        message_id=message_id, feedback_type=feedback_type)


# Wording that says only that the mailbox does not exist (the meaning of RFC 3463 X.1.1). Not
# RFC 5321's stock "mailbox unavailable", which servers also send for policy refusals.
_NO_SUCH_MAILBOX = re.compile(
    r"\b(?:user unknown|recipient unknown|unknown (?:user|recipient|mailbox|local[ -]part|"
    r"e-?mail address)|no such (?:user|recipient|mailbox|address)|"
    r"(?:user|recipient|mailbox) not found|invalid (?:recipient|mailbox)|"
    r"(?:user|recipient|mailbox|address|account) (?:does not|doesn't) exist|"
    r"non-?existent user|utilisateur inconnu|adresse inconnue)\b")


def _no_such_mailbox(status: str, replycode: str, text: str) -> bool:
    """A permanent failure whose codes give only its class (status 5.0.0 or none, a 5xx reply)
    and whose reply says in so many words that the mailbox does not exist, and nothing else.

    The shared rules read unknown-user wording as the recipient's filter (sisimai: filtered)
    unless the reply answered RCPT TO, and an ESP never says which command it answered: without
    this, SendGrid's "550 5.0.0 unknown recipient" could never be a hard bounce. A reply that
    also speaks of spam, policy, blocking, relaying, the sender, quota... or says it answered
    DATA keeps the shared reading (a policy refusal is never invalid: DESIGN.md)."""
    if status not in ("", "5.0.0") or replycode[:1] not in ("", "5") or not (
            status or replycode):
        return False
    t = reasons.normalize_text(text)
    if any(c != "5.0.0" for c in reasons.quoted_statuses(t)) or \
            reasons.find_command(t) not in ("", "RCPT") or not _NO_SUCH_MAILBOX.search(t):
        return False
    # Postfix's "Recipient address rejected: User unknown" is about the recipient, not the
    # sender the "rejected" phrases are about.
    rest = t.replace("recipient address rejected", "")
    return not any(reasons.matches(r, rest) for r in reasons.TEXT
                   if not r.startswith("userunknown"))


def _list_drop(why: str, source: str, index: int, address: str, status: str, text: str,
               when: datetime | None, message_id: str) -> BounceEvent | None:
    """The event of a send the ESP refused because of its own lists, when `why` (its stated
    reason) says which list; None otherwise."""
    # "Spam Content (if spam checker app enabled)": the list's name is before any remark.
    known = _LIST_DROPS.get(why.lower().partition(" (")[0].strip())
    if known is None:
        return None
    return _listed(known, source, index, address, status, text, when, message_id)


def _listed(known: tuple[str, bool, str], source: str, index: int, address: str, status: str,
            text: str, when: datetime | None, message_id: str) -> BounceEvent:
    """The event of a send refused because of a list, read as `known` (reason, hard, action)."""
    reason, hard, action = known
    return BounceEvent(source=source, index=index, address=address.strip(), reason=reason,
                       status="" if reason == "feedback" else reasons.find_status(status),
                       hard=hard, action=action, event_time=when, diagnostic=text[:1000],
                       message_id=message_id,
                       feedback_type="abuse" if reason == "feedback" else "")


def _obj(value: Any) -> dict[str, Any]:
    """A JSON object field, or {} when the document holds something else there: one odd
    field must not lose the file's other events."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def parse_ses(doc: dict[str, Any], source: str) -> list[BounceEvent]:
    kind = str(doc.get("notificationType") or doc.get("eventType") or "").lower()
    mail = _obj(doc.get("mail"))
    mid = str(mail.get("messageId", ""))
    out: list[BounceEvent] = []
    if kind == "bounce":
        b = _obj(doc.get("bounce"))
        btype = str(b.get("bounceType", "")).lower()
        sub = str(b.get("bounceSubType", "")).lower()
        hint = _SES_SUBTYPES.get(sub, "")
        if btype == "undetermined":
            hint = hint or "onhold"
        listed = btype == "permanent" and sub in _SES_LISTS
        mta = str(b.get("reportingMTA", "")).partition(";")[2].strip()
        for r in map(_obj, _list(b.get("bouncedRecipients"))):
            action = str(r.get("action") or ("failed" if btype == "permanent" else "delayed"))
            diag = str(r.get("diagnosticCode", ""))
            for addr in _addresses(r.get("emailAddress")):
                if listed:  # SES itself refused: no remote server was asked
                    out.append(_listed(_BOUNCE_LIST, source, len(out) + 1, addr,
                                       str(r.get("status", "")), diag,
                                       _time(b.get("timestamp")), mid))
                    continue
                # The subtype decides only when the recipient has no DSN fields of its own.
                out.append(_event(source, len(out) + 1, addr, str(r.get("status", "")), diag,
                                  hint=hint if not diag else "", action=action,
                                  when=_time(b.get("timestamp")), remote_mta=mta,
                                  message_id=mid))
    elif kind == "complaint":
        c = _obj(doc.get("complaint"))
        ftype = str(c.get("complaintFeedbackType", "abuse") or "abuse")
        # complaintSubType is null for a complaint the recipient's provider reported, and
        # OnAccountSuppressionList for a send SES refused because of an earlier complaint.
        listed = str(c.get("complaintSubType") or "").lower() == "onaccountsuppressionlist"
        for r in map(_obj, _list(c.get("complainedRecipients"))):
            for addr in _addresses(r.get("emailAddress")):
                out.append(BounceEvent(source=source, index=len(out) + 1, address=addr,
                                       reason="feedback",
                                       action=_COMPLAINT_LIST[2] if listed else "feedback",
                                       event_time=_time(c.get("timestamp")), message_id=mid,
                                       feedback_type=ftype))
    elif kind == "subscription":
        out.extend(_ses_subscription(doc, source, mid))
    elif kind == "delivery":
        d = _obj(doc.get("delivery"))
        smtp = str(d.get("smtpResponse", ""))
        for addr in _addresses(d.get("recipients")):
            out.append(_event(source, len(out) + 1, addr, reasons.find_status(smtp) or "2.0.0",
                              smtp, action="delivered",
                              when=_time(d.get("timestamp")), message_id=mid,
                              remote_mta=str(d.get("reportingMTA", ""))))
    return [e for e in out if "@" in e.address]


_SES_NAME_RE = re.compile(SES_NAME)


def _ses_subscription(doc: dict[str, Any], source: str, mid: str) -> list[BounceEvent]:
    """The consent an SES Subscription record states (the recipient changed their preferences
    for the sender's contact list, with the unsubscribe header or the preferences page, or the
    sender did through the API), for each address of mail.destination, at
    subscription.timestamp: opt-outs (action unsubscribed) of the whole list when
    unsubscribeAll is true, and of each topic whose new status is OptOut; re-subscriptions
    (action resubscribed) of the list when unsubscribeAll went from true to false, and of a
    topic that went from OptOut to OptIn.

    Every opt-out the new preferences state is read, changed or not (the record that first
    said it may be in no file imported), and one whose list or topic name is missing or is not
    a name SES writes is an opt-out of every mail: never narrower than it may be. A
    re-subscription needs the record's own proof of the change (the old preferences, which
    may be missing), a usable name and a single address: lifting the opt-out of someone who
    did not take it back is the costly mistake."""
    sub = _obj(doc.get("subscription"))
    new, old = _obj(sub.get("newTopicPreferences")), _obj(sub.get("oldTopicPreferences"))
    name = _ses_name(sub.get("contactList"))
    changes: list[tuple[tuple[str, bool, str], str]] = []  # (reading, scope)
    new_all = _flag(new.get("unsubscribeAll"))
    if new_all:
        changes.append((_OPT_OUT, f"list:{name}" if name else ""))
    elif new_all is False and _flag(old.get("unsubscribeAll")) and name:
        changes.append((_RESUBSCRIBE, f"list:{name}"))
    was = dict(_topic_statuses(old))
    for topic, status in _topic_statuses(new):
        scope = f"topic:{name}/{topic}" if name and topic else ""
        if status == "optout":
            changes.append((_OPT_OUT, scope))
        elif status == "optin" and scope and was.get(topic) == "optout":
            changes.append((_RESUBSCRIBE, scope))
    addrs = [a for a in _addresses(_obj(doc.get("mail")).get("destination")) if "@" in a]
    when = _time(sub.get("timestamp"))
    out: list[BounceEvent] = []
    for known, scope in dict.fromkeys(changes):  # one every-mail opt-out, however many
        if known is _RESUBSCRIBE and len(addrs) != 1:
            continue
        # The scope is in the text too: the store tells events apart without it.
        text = f"ses: subscription {known[2]}" + (f" ({scope})" if scope else "")
        for addr in addrs:
            out.append(replace(_listed(known, source, len(out) + 1, addr, "", text, when, mid),
                               scope=scope))
    return out


def _ses_name(value: Any) -> str:
    """A contact list or topic name as SES writes them; "" for anything else."""
    return value if isinstance(value, str) and _SES_NAME_RE.fullmatch(value) else ""


def _flag(value: Any) -> bool | None:
    """unsubscribeAll: a JSON boolean (or its text); None when missing or anything else."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value if isinstance(value, bool) else None


def _topic_statuses(prefs: dict[str, Any]) -> list[tuple[str, str]]:
    """(topic name, "" when unusable; status `optin`/`optout`, as SES writes OptIn/OptOut
    and its API OPT_IN/OPT_OUT) of each entry of topicSubscriptionStatus."""
    return [(_ses_name(t.get("topicName")),
             str(t.get("subscriptionStatus") or "").lower().replace("_", ""))
            for t in map(_obj, _list(prefs.get("topicSubscriptionStatus")))]


def _addresses(value: Any) -> list[str]:
    """The addresses of an event's address field: a string, or a list of strings (a SendGrid
    event has been seen with `"email": [...]`). Anything else (number, object, null) names no
    address: no event, rather than the text of the value stored as an address."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def parse_sendgrid(items: Iterable[dict[str, Any]], source: str) -> list[BounceEvent]:
    out: list[BounceEvent] = []
    for it in items:
        for addr in _addresses(it.get("email")):
            ev = _sendgrid_event(it, addr, source, len(out) + 1)
            if ev is not None:
                out.append(ev)
    return [e for e in out if "@" in e.address]


def _sendgrid_event(it: dict[str, Any], addr: str, source: str,
                    index: int) -> BounceEvent | None:
    """One recipient of a SendGrid event; None for events that are not delivery outcomes
    (open, click...)."""
    ev = str(it.get("event", "bounce")).lower()
    when = _time(it.get("timestamp") or it.get("created"))
    mid = str(it.get("sg_message_id") or it.get("smtp-id") or "")
    reason_text = str(it.get("reason") or it.get("response") or "")
    status = str(it.get("status", ""))
    if ev == "spamreport":
        return BounceEvent(source=source, index=index, address=addr, reason="feedback",
                           action="feedback", event_time=when, message_id=mid,
                           feedback_type="abuse")
    if ev == "delivered":
        return _event(source, index, addr, "2.0.0", reason_text, action="delivered",
                      when=when, message_id=mid)
    if ev in ("unsubscribe", "group_unsubscribe"):
        # The person opted out (of every mail, or of one unsubscribe group): as the
        # "Unsubscribed Address" list a later send is dropped for.
        group = it.get("asm_group_id")
        out = _listed(_OPT_OUT, source, index, addr, "", f"sendgrid: {ev}" + (
            f" (group {group})" if isinstance(group, (int, str)) and group != "" else ""),
            when, mid)
        return replace(out, scope=_group_scope(group)) if ev == "group_unsubscribe" else out
    if ev == "group_resubscribe":
        # Back in one unsubscribe group: it lifts an earlier opt-out of that group only
        # (history.py), so without a group number to match it says nothing.
        group = it.get("asm_group_id")
        scope = _group_scope(group)
        if not scope:
            return None
        return replace(_listed(_RESUBSCRIBE, source, index, addr, "",
                               f"sendgrid: {ev} (group {group})", when, mid), scope=scope)
    if ev not in ("bounce", "dropped", "deferred", "blocked"):
        return None
    if ev == "dropped":
        known = _list_drop(reason_text, source, index, addr, status, reason_text, when, mid)
        if known is not None:
            return known
    # Dropped = SendGrid refused to send (its suppression lists), not a remote reply.
    hint = "suppressed" if ev == "dropped" else ""
    if ev == "deferred" and not reasons.find_status(status):
        status = ""
    replycode = status if status.isdigit() and len(status) == 3 else ""
    event = _event(source, index, addr, status, reason_text, hint=hint,
                   action="delayed" if ev == "deferred" else "failed", when=when,
                   replycode=replycode, message_id=mid)
    if ev in ("bounce", "blocked"):
        return _classified(event, str(it.get("bounce_classification") or ""))
    return event


def _group_scope(value: Any) -> str:
    """The scope of a SendGrid unsubscribe group event: `group:N` for asm_group_id N (a whole
    number, as SendGrid's groups are numbered); "" (every mail, as an `unsubscribe`) when the
    event names no group it can be matched on: an opt-out is never read narrower than it may
    be."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return ""
    text = str(value).strip()
    return f"group:{int(text)}" if text.isascii() and text.isdigit() else ""


# SendGrid's bounce_classification (its "Bounce and Block Classifications": the remote reply
# mapped to one of seven groups) where it is about the sender or the message, not the address
# -> the sisimai reason it names.
_SENDER_CLASSES = {"reputation": "badreputation", "content": "contenterror",
                   "frequency or volume": "ratelimited"}
# Readings of the reply that say nothing about the mailbox, which "Invalid Address" decides:
# the stock "550 mailbox unavailable" (also sent for policy refusals) and the like.
_UNDECIDED = frozenset({"", "undefined", "onhold", "filtered", "systemerror"})


def _classified(ev: BounceEvent, classification: str) -> BounceEvent:
    """A SendGrid bounce read with its bounce_classification where that decides better than
    the reply's text; the reading of the text otherwise (and without one). "Invalid Address"
    (the address is malformed or its mailbox does not exist) makes a permanent failure the
    text left undecided a hard userunknown; a 4.x.x is still never final and a sender-side
    reading of the text (blocked, spam...) stays, as a policy reply is never invalid.
    "Reputation", "Content" and "Frequency or Volume ..." are about the sender: never a hard
    bounce of the address, whatever the text. Mailbox Unavailable, Technical Failure and
    Unclassified keep the text's reading."""
    c = " ".join(classification.lower().split())
    if c == "invalid address":
        if (reasons.transient_code(ev.status, ev.replycode) or ev.hard
                or ev.reason not in _UNDECIDED):
            return ev
        return replace(ev, reason="userunknown", hard=True)
    sender = next((r for k, r in _SENDER_CLASSES.items() if c.startswith(k)), "")
    if not sender:
        return ev
    return replace(ev, hard=False,
                   reason=ev.reason if ev.reason in reasons.SENDER_SIDE else sender)


def parse_mailgun(items: Iterable[dict[str, Any]], source: str) -> list[BounceEvent]:
    out: list[BounceEvent] = []
    for raw in items:
        it = _obj(raw.get("event-data", raw) if isinstance(raw, dict) else {})
        for addr in _addresses(it.get("recipient")):
            ev = _mailgun_event(it, addr, source, len(out) + 1)
            if ev is not None:
                out.append(ev)
    return [e for e in out if "@" in e.address]


def _mailgun_event(it: dict[str, Any], addr: str, source: str,
                   index: int) -> BounceEvent | None:
    """One recipient of a Mailgun event; None for events that are not delivery outcomes."""
    ev = str(it.get("event", "")).lower()
    when = _time(it.get("timestamp"))
    mid = str(_obj(_obj(it.get("message")).get("headers")).get("message-id", ""))
    ds = _obj(it.get("delivery-status"))
    code = str(ds.get("code", "") or "")
    text = " ".join(str(ds.get(k) or "") for k in ("message", "description")).strip()
    if ev == "complained":
        return BounceEvent(source=source, index=index, address=addr, reason="feedback",
                           action="feedback", event_time=when, message_id=mid,
                           feedback_type="abuse")
    if ev == "delivered":
        return _event(source, index, addr, "2.0.0", text, action="delivered", when=when,
                      message_id=mid, replycode=code)
    if ev == "unsubscribed":
        return _listed(_OPT_OUT, source, index, addr, "", "mailgun: unsubscribed", when, mid)
    if ev not in ("failed", "bounced", "rejected"):
        return None
    severity = str(it.get("severity", "permanent")).lower()
    why = str(it.get("reason", "")).lower()
    known = _list_drop(why, source, index, addr, str(ds.get("enhanced-code", "") or ""),
                       f"{code} {text}".strip(), when, mid)
    if known is not None:
        return known
    # Mailgun's suppress-* reasons: it did not even try (address on a suppression list).
    hint = "suppressed" if why.startswith("suppress") else ""
    status = str(ds.get("enhanced-code", "") or "")
    if severity == "temporary" and status.startswith("5"):
        status = ""
    return _event(source, index, addr, status, f"{code} {text}".strip(), hint=hint,
                  action="delayed" if severity == "temporary" else "failed", when=when,
                  replycode=code if code.isdigit() else "", message_id=mid,
                  remote_mta=str(ds.get("mx-host", "") or ""))


def _loads(text: str) -> Any:
    """json.loads for every document of a bounce input. The C decoder recurses once per nesting
    level: `[[[[...` 100,000 deep raises RecursionError, which is bad input here, not a failure
    of the tool, so it is reported as the document being undecodable (no event)."""
    try:
        return json.loads(text, strict=False)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def _load(data: bytes) -> Any:
    text = data.decode("utf-8-sig", "replace").strip()
    try:
        return _loads(text)
    except json.JSONDecodeError:
        pass
    try:
        # JSON Lines (one event per line), as webhook capture tools store them.
        return [_loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError:
        # Records written one after the other with no separator (`{...}{...}`): what Amazon
        # Data Firehose puts in its S3 objects by default.
        return _concatenated(text)


def _concatenated(text: str) -> list[Any]:
    decoder = json.JSONDecoder(strict=False)
    docs, pos = [], 0
    while pos < len(text):
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except RecursionError:
            raise json.JSONDecodeError("nested too deeply", text, pos) from None
        docs.append(doc)
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return docs


def _unwrap(doc: Any) -> Any:
    """SNS wraps the SES notification as a JSON string in "Message"; EventBridge wraps the
    event-publishing record as an object in "detail" (beside "detail-type")."""
    if isinstance(doc, dict) and doc.get("Type") == "Notification" and isinstance(
            doc.get("Message"), str):
        try:
            return _loads(doc["Message"])
        except json.JSONDecodeError:
            return doc
    if isinstance(doc, dict) and "detail-type" in doc and isinstance(doc.get("detail"), dict):
        return doc["detail"]
    return doc


def _kind(doc: Any) -> str:
    doc = _unwrap(doc)
    if isinstance(doc, dict):
        if "notificationType" in doc or "eventType" in doc:
            return "ses"
        if "event-data" in doc or ("items" in doc and isinstance(doc["items"], list)):
            return "mailgun"
        if "recipient" in doc and "event" in doc:
            return "mailgun"
        if "email" in doc:
            return "sendgrid"
    if isinstance(doc, list) and doc and isinstance(doc[0], dict):
        return _kind(doc[0])
    return ""


def sniff_json(data: bytes) -> str:
    try:
        return _kind(_load(data))
    except (json.JSONDecodeError, ValueError):
        return ""


def parse_json(data: bytes, source: str, fmt: str = "json") -> list[BounceEvent]:
    """Events from an ESP JSON document (object, array or JSON Lines)."""
    doc = _load(data)
    kind = fmt if fmt in ("ses", "sendgrid", "mailgun") else _kind(doc)
    docs = doc if isinstance(doc, list) else [doc]
    if kind == "ses":
        out: list[BounceEvent] = []
        for d in docs:
            d = _unwrap(d)
            if isinstance(d, dict):
                out.extend(_reindex(parse_ses(d, source), len(out)))
        return out
    if kind == "sendgrid":
        return parse_sendgrid([d for d in docs if isinstance(d, dict)], source)
    if kind == "mailgun":
        items: list[Any] = []
        for d in docs:
            if isinstance(d, dict) and isinstance(d.get("items"), list):
                items.extend(d["items"])
            else:
                items.append(d)
        return parse_mailgun([i for i in items if isinstance(i, dict)], source)
    return []


def _reindex(events: list[BounceEvent], offset: int) -> list[BounceEvent]:
    return [replace(e, index=e.index + offset) for e in events]


def looks_like_mailchimp_csv(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    return "email address" in first and ("clean_time" in first or "clean_campaign" in first)


def parse_mailchimp_csv(text: str, source: str) -> list[BounceEvent]:
    """Mailchimp cleans an address after a hard bounce or repeated soft bounces; the export
    does not say which, so the event is `suppressed` (not hard) with action `cleaned`: the ESP
    stopped mailing it after bounces (history.py makes that `risky/soft_bounced`)."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    col = next((header.index(c) for c in _MAILCHIMP_EMAIL_COLUMNS if c in header), -1)
    if col < 0:
        return []
    tcol = header.index("clean_time") if "clean_time" in header else -1
    out: list[BounceEvent] = []
    for row in reader:
        if len(row) <= col or "@" not in row[col]:
            continue
        when = _time(row[tcol]) if 0 <= tcol < len(row) else None
        out.append(BounceEvent(source=source, index=len(out) + 1, address=row[col].strip(),
                               reason="suppressed", action="cleaned", event_time=when,
                               diagnostic="mailchimp: cleaned"))
    return out
