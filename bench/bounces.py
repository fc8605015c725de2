"""`make bench-bounces`: accuracy of the bounce parsers on ../shared/data/bounces (issue 5).

Prints the per-recipient agreement with go-sisimai's expectations (matched by file and index),
the hard-bounce precision/recall, a confusion table of reasons, and the parse speed against a
baseline measured in the same run (the stdlib email parser alone on the same files).

Then the import throughput on a generated Postfix log (`--lines N`, 100,000 by default: the
fixture's lines with a queue id and addresses of their own per copy): events/s of `bounces
import` into a fresh store, and of a second import of the same file (idempotent: no new
event), against parsing alone measured in the same run.

    python bench/bounces.py [--lines 100000] [--accuracy-only] [-v]"""

from __future__ import annotations

import argparse
import email
import email.policy
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailhygiene.bounces.accuracy import measure  # noqa: E402
from mailhygiene.bounces.detect import parse_path  # noqa: E402
from mailhygiene.store import Store  # noqa: E402
from mailhygiene.store.bounces import import_paths  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "bounces"
GOALS = {"precision": 0.99, "recall": 0.95, "reason": 0.90, "status": 0.95}
FIXTURE_LOG = ROOT / "fixtures" / "bounces" / "postfix-maillog.log"
_QID = re.compile(r"\b[0-9A-F]{11}\b")
_ADDR = re.compile(r"([<\s])([\w.]+)@([\w.-]+)")


def synthetic_log(lines: int) -> bytes:
    """`lines` lines of the fixture's Postfix log, each copy with its own queue ids and
    addresses (user.k@dN.domain), so that every event and key is distinct."""
    template = FIXTURE_LOG.read_text().splitlines()
    out: list[str] = []
    k = 0
    while len(out) < lines:
        k += 1
        for line in template[: lines - len(out)]:
            line = _QID.sub(lambda m, k=k: f"{int(m.group(0), 16) ^ k:011X}", line)
            out.append(_ADDR.sub(lambda m, k=k: f"{m.group(1)}{m.group(2)}.{k}@d{k % 997}."
                                 f"{m.group(3)}", line))
    return ("\n".join(out) + "\n").encode()


def import_throughput(lines: int) -> None:
    """Parse alone (the baseline) vs import into a fresh store vs re-import, same file."""
    with tempfile.TemporaryDirectory(prefix="mh-bench-bounces-") as tmp:
        log = Path(tmp) / "mail.log"
        log.write_bytes(synthetic_log(lines))
        t0 = time.perf_counter()
        events = sum(1 for ev in parse_path(log) if ev.address)
        parse = time.perf_counter() - t0
        with Store(Path(tmp) / "b.duckdb") as store:
            t0 = time.perf_counter()
            first = import_paths(store, [log])
            load = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = import_paths(store, [log])
            reload = time.perf_counter() - t0
    print(f"import throughput: generated Postfix log, {lines:,} lines, {events:,} events")
    print(f"{'stage':<34}{'seconds':>8}{'events/s':>10}{'ratio':>8}{'new':>9}")
    for name, secs, new in (("parse only (baseline)", parse, None),
                            ("bounces import, fresh store", load, first.new_events),
                            ("bounces import again", reload, again.new_events)):
        print(f"{name:<34}{secs:>8.2f}{events / max(secs, 1e-9):>10,.0f}"
              f"{secs / max(parse, 1e-9):>8.2f}{'' if new is None else f'{new:,}':>9}")


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
    ap = argparse.ArgumentParser(description="Bounce parsing accuracy and import throughput.")
    ap.add_argument("--lines", type=int, default=100_000,
                    help="lines of the generated Postfix log for the import timing")
    ap.add_argument("--accuracy-only", action="store_true",
                    help="skip the import timing (a minute of work on two cores)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = ap.parse_args()
    if not args.accuracy_only:
        import_throughput(args.lines)
        print()
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
    if args.verbose:
        print()
        for m in acc.misses:
            print("miss", *m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
