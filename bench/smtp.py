"""SMTP probing throughput against the aiosmtpd farm on loopback (issue 6).

Prints addresses/s, connections opened and the peak simultaneous connections per MX host for:

- baseline: one connection per address (how the anchors probe), default rate limit;
- defaults: the shipped politeness settings (per host 1, 20 in total, 10/s, <= 20 RCPT per
  session);
- faster settings for comparison (more per host, higher rate).

The ratio column is against the baseline measured in the same run. With the default rate limit
the figure is bounded by the limit (10 tokens/s, one per connection and one per RCPT): that is
the point of the limit, not a property of the farm.

    .venv/bin/python bench/smtp.py [--addresses 200] [--domains 10] [--hosts 4]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from mailhygiene.devtools.smtpfarm import Behaviour, SmtpFarm
from mailhygiene.smtp import ProbeTarget, SmtpOptions, probe_domains


@dataclass(frozen=True)
class Case:
    name: str
    kw: dict[str, object]


def build(addresses: int, domains: int, hosts: int) -> tuple[list[Behaviour], list[str]]:
    names = [f"bench{i}.test" for i in range(domains)]
    per = max(1, addresses // domains)
    existing = frozenset(f"u{j}@{d}" for d in names for j in range(0, per, 2))
    return [Behaviour(mailboxes=existing) for _ in range(hosts)], names


async def run_case(farm: SmtpFarm, domains: list[str], per: int, case: Case) -> dict[str, float]:
    farm.reset_counters()
    await asyncio.sleep(0.05)
    targets = [ProbeTarget(d, (farm.servers[i % len(farm.servers)].ip,),
                           tuple(f"u{j}@{d}" for j in range(per))) for i, d in enumerate(domains)]
    opts = SmtpOptions(helo="bench.mailhygiene.test", mail_from="bench@mailhygiene.test",
                       port=farm.port, allow_loopback=True, **case.kw)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    out = await probe_domains(None, targets, opts)
    dt = time.perf_counter() - t0
    assert len(out) == per * len(domains)
    assert all(o.verdict.reason.value in ("accepted", "mailbox_not_found") for o in out.values())
    assert "DATA" not in farm.all_verbs()
    return {"n": len(out), "seconds": dt, "rate": len(out) / dt,
            "connections": sum(s.connections for s in farm.servers),
            "peak_per_host": max(s.max_open for s in farm.servers)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addresses", type=int, default=200)
    ap.add_argument("--domains", type=int, default=10)
    ap.add_argument("--hosts", type=int, default=4)
    args = ap.parse_args()
    behaviours, domains = build(args.addresses, args.domains, args.hosts)
    per = max(1, args.addresses // args.domains)
    cases = [
        Case("baseline: 1 connection/address, 10/s", {"max_rcpt_per_session": 1}),
        Case("defaults (1/host, 20 total, 10/s)", {}),
        Case("1/host, 20 total, 1000/s", {"rate": 1000.0}),
        Case("4/host, 50 total, 1000/s", {"rate": 1000.0, "per_host_concurrency": 4,
                                          "concurrency": 50}),
    ]
    with SmtpFarm(behaviours, subnet="127.0.3") as farm:
        rows = [(c.name, asyncio.run(run_case(farm, domains, per, c))) for c in cases]
    base = rows[0][1]["rate"]
    print(f"SMTP probe bench: {per * len(domains)} addresses, {len(domains)} domains, "
          f"{args.hosts} aiosmtpd hosts on loopback")
    print(f"{'settings':<40}{'addr/s':>9}{'seconds':>9}{'conns':>7}{'peak/host':>10}"
          f"{'x base':>8}")
    for name, r in rows:
        print(f"{name:<40}{r['rate']:>9.1f}{r['seconds']:>9.2f}{int(r['connections']):>7}"
              f"{int(r['peak_per_host']):>10}{r['rate'] / base:>8.2f}")


if __name__ == "__main__":
    main()
