"""The one value every bounce parser yields: a failed (or delivered) recipient of one message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The name of an Amazon SES contact list or topic (ContactListName, TopicName: the pattern
# AWS::SES::ContactList documents). The scopes `list:NAME` and `topic:LIST/TOPIC` hold only
# such names: no space, slash, colon, address or markup a detail could not carry as it is.
SES_NAME = r"[A-Za-z0-9_-]{1,64}"


@dataclass(frozen=True, slots=True)
class BounceEvent:
    """One recipient's outcome as reported by a DSN, a free-text bounce, a log line or an ESP.

    `reason` uses sisimai's vocabulary (issue 5); `status` is the RFC 3463 enhanced code found in
    the report ("" when none is given); `replycode` the RFC 5321 reply code ("" when none).
    `scope` is what an opt-out or a re-subscription is about: "" for every mail of the sender,
    `group:N` for one SendGrid unsubscribe group (asm_group_id N), `list:NAME` for an Amazon
    SES contact list, `topic:LIST/TOPIC` for one topic of it."""

    source: str
    index: int  # 1-based position of the recipient within its message / record
    address: str
    reason: str
    status: str = ""
    replycode: str = ""
    hard: bool = False
    action: str = ""
    event_time: datetime | None = None
    remote_mta: str = ""
    diagnostic: str = ""
    message_id: str = ""
    feedback_type: str = ""
    scope: str = ""

    def as_json(self) -> dict[str, object]:
        """The `bounces parse --jsonl` shape (issue 5)."""
        return {
            "source": self.source, "index": self.index, "address": self.address,
            "reason": self.reason, "status": self.status, "replycode": self.replycode,
            "hard": self.hard, "action": self.action, "scope": self.scope,
        }
