"""Bounce history inputs: DSNs, free-text bounces, ARF, auto-replies, Postfix logs, ESP exports.

`parse_path` reads any of them into `BounceEvent`s; `classify` turns a status code and a
diagnostic text into a sisimai-vocabulary reason; `is_hard` decides hard vs soft."""

from mailhygiene.bounces.detect import parse_bytes, parse_path
from mailhygiene.bounces.model import BounceEvent
from mailhygiene.bounces.reasons import classify, is_hard

__all__ = ["BounceEvent", "classify", "is_hard", "parse_bytes", "parse_path"]
