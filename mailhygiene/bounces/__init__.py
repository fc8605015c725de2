"""Bounce history inputs: DSNs, free-text bounces, ARF, auto-replies, Postfix logs, ESP exports.

`parse_path` reads any of them into `BounceEvent`s; `classify` turns a status code and a
diagnostic text into a sisimai-vocabulary reason; `is_hard` decides hard vs soft.

The names are loaded on first use: every `check` reads the stored history (which needs only
the model) and should not pay for importing the parsers (about 40 ms)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailhygiene.bounces.detect import parse_bytes, parse_path
    from mailhygiene.bounces.model import BounceEvent
    from mailhygiene.bounces.reasons import classify, is_hard

__all__ = ["BounceEvent", "classify", "is_hard", "parse_bytes", "parse_path"]

_HOME = {"BounceEvent": "model", "classify": "reasons", "is_hard": "reasons",
         "parse_bytes": "detect", "parse_path": "detect"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"mailhygiene.bounces.{_HOME[name]}"), name)
    raise AttributeError(f"module 'mailhygiene.bounces' has no attribute {name!r}")
