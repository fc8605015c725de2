"""`make bench-bounces`: accuracy of the bounce parsers on ../shared/data/bounces (issue 5).

Prints the per-recipient agreement with go-sisimai's expectations (matched by file and index),
the hard-bounce precision/recall, a confusion table of reasons, and the parse speed against a
baseline measured in the same run (the stdlib email parser alone on the same files)."""

from __future__ import annotations

import email
import email.policy
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailhygiene.bounces.accuracy import measure  # noqa: E402
from mailhygiene.bounces.detect import parse_path  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "bounces"
GOALS = {"precision": 0.99, "recall": 0.95, "reason": 0.90, "status": 0.95}


def confusion_table(conf: Counter[tuple[str, str]]) -> str:
    """Rows: expected reason; columns: the reasons we gave it (count), off-diagonal only."""
    expected = sorted({w for w, _ in conf}, key=lambda w: -sum(
        n for (a, _), n in conf.items() if a == w))
    lines = [f"{'expected':<16}{'n':>4}{'ok':>5}  confused with"]
    for w in expected:
        total = sum(n for (a, _), n in conf.items() if a == w)
        ok = conf[(w, w)]
        others = sorted(((g, n) for (a, g), n in conf.items() if a == w and g != w),
                        key=lambda x: -x[1])
        lines.append(f"{w:<16}{total:>4}{ok:>5}  " + ", ".join(f"{g}:{n}" for g, n in others))
    return "\n".join(lines)


def main() -> int:
    if not DATA.is_dir():
        print(f"reference data not found: {DATA}")
        return 2
    files = sorted((DATA / "maildir").glob("*.eml"))
    t0 = time.perf_counter()
    for f in files:
        email.message_from_bytes(f.read_bytes(), policy=email.policy.compat32)
    baseline = time.perf_counter() - t0
    t0 = time.perf_counter()
    for f in files:
        list(parse_path(f))
    ours = time.perf_counter() - t0
    acc = measure(DATA)
    print(f"bounce accuracy on {DATA} ({len(files)} messages, {acc.recipients} recipients)")
    print(f"{'measure':<34}{'value':>8}{'goal':>8}")
    rows = [
        ("hard-bounce precision", acc.precision, f">={GOALS['precision']}"),
        ("hard-bounce recall", acc.recall, f">={GOALS['recall']}"),
        ("reason agreement", acc.reason_rate, f">={GOALS['reason']}"),
        (f"status agreement (n={acc.status_total})", acc.status_rate, f">={GOALS['status']}"),
        ("recipients found", acc.matched / max(1, acc.recipients), ""),
    ]
    for name, value, goal in rows:
        print(f"{name:<34}{value:>8.3f}{goal:>8}")
    print(f"{'not-bounces read as bounces':<34}{acc.not_bounce_hits:>8}{'0':>8}  "
          f"(of {acc.not_bounce_files})")
    print(f"{'crashes':<34}{len(acc.crashes):>8}{'0':>8}")
    print(f"hard bounces: tp={acc.tp} fp={acc.fp} fn={acc.fn}")
    print()
    print(confusion_table(acc.confusion))
    print()
    print(f"{'timing':<34}{'seconds':>8}{'ratio':>8}")
    print(f"{'email.message_from_bytes (baseline)':<34}{baseline:>8.3f}{1.0:>8.2f}")
    print(f"{'parse_path (ours)':<34}{ours:>8.3f}{ours / max(baseline, 1e-9):>8.2f}")
    if "-v" in sys.argv:
        print()
        for m in acc.misses:
            print("miss", *m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
