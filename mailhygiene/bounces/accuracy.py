"""Accuracy of the bounce parsers against a labeled corpus (expected.jsonl, see
../shared/data/README.md): per recipient, matched by (file, index). Used by the test and by
`make bench-bounces`."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mailhygiene.bounces.detect import parse_path

_INTERNAL_RE = re.compile(r"^[245]\.(?:0\.9\d\d|[89]\.\d+)$")


def explicit_status(code: str) -> str:
    """sisimai fills a missing status with internal codes (X.0.9xx, X.9.xxx), which are not
    RFC 3463 codes and are never in the message: they compare as "no status"."""
    return "" if _INTERNAL_RE.match(code or "") else (code or "")


@dataclass
class Accuracy:
    recipients: int = 0
    matched: int = 0
    reason_ok: int = 0
    status_total: int = 0
    status_ok: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[str, int, str, str, str, str]] = field(default_factory=list)
    not_bounce_files: int = 0
    not_bounce_hits: int = 0
    crashes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def reason_rate(self) -> float:
        return self.reason_ok / self.recipients if self.recipients else 0.0

    @property
    def status_rate(self) -> float:
        return self.status_ok / self.status_total if self.status_total else 0.0


def measure(root: Path) -> Accuracy:
    """Compare parse_path over root/maildir with root/expected.jsonl; count not-bounces."""
    acc = Accuracy()
    for line in (root / "expected.jsonl").read_text().splitlines():
        exp = json.loads(line)
        path = root / exp["file"]
        try:
            events = list(parse_path(path))
            # A file holding several messages (mbox) numbers recipients across the file, as
            # the expectations do; a single message keeps its own 1-based indexes.
            several = len({e.source for e in events}) > 1
            got = {(i if several else e.index): e for i, e in enumerate(events, 1)}
        except Exception as e:
            acc.crashes.append(f"{exp['file']}: {type(e).__name__}: {e}")
            got = {}
        for r in exp["recipients"]:
            acc.recipients += 1
            want = r["reason_normalized"]
            ev = got.get(r["index"])
            reason = ev.reason if ev else "(missing)"
            acc.matched += ev is not None
            acc.confusion[(want, reason)] += 1
            if reason == want:
                acc.reason_ok += 1
            want_status = explicit_status(r["status"])
            status = ev.status if ev else ""
            if r["status"]:
                acc.status_total += 1
                acc.status_ok += status == want_status
            hard = bool(ev and ev.hard)
            if hard and r["hardbounce"]:
                acc.tp += 1
            elif hard:
                acc.fp += 1
            elif r["hardbounce"]:
                acc.fn += 1
            if reason != want or (r["status"] and status != want_status) or \
                    hard != r["hardbounce"]:
                acc.misses.append((exp["file"], r["index"], want, reason,
                                   f"{r['status']}", status))
    for path in sorted((root / "not-bounces").glob("*")):
        acc.not_bounce_files += 1
        try:
            acc.not_bounce_hits += bool(list(parse_path(path)))
        except Exception as e:
            acc.crashes.append(f"{path.name}: {type(e).__name__}: {e}")
    for path in sorted((root / "esp-json").glob("*")):
        try:
            list(parse_path(path))
        except Exception as e:
            acc.crashes.append(f"{path.name}: {type(e).__name__}: {e}")
    return acc
