"""A cached DNS answer expires its TTL after it was received, not after the run's batch write
(exploratory finding). Cache rows were stamped with the time they were written, which is the end
of the DNS stage for any list under DNS_SAVE_BATCH domains: one slow domain (a resolver timing
out) kept every other answer fresh for as long as the stage lasted, beyond its TTL."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from mailhygiene.devtools.unbound import LocalDns
from mailhygiene.mx import DnsOptions, check_domains
from mailhygiene.store import Store
from mailhygiene.store.core import now

pytestmark = pytest.mark.network


def test_ttl_counts_from_the_answer_not_from_the_end_of_the_stage(
        local_dns: LocalDns, tmp_path: Path) -> None:
    store = Store(tmp_path / "ttl.duckdb")
    try:
        # ttl1.test answers at once with TTL 1; timeout.test is never answered, so the stage
        # lasts two timeouts and a backoff (> 1 s) after ttl1.test's answer came in.
        opts = DnsOptions(nameservers=(local_dns.address,), timeout=0.6, retries=1,
                          allow_loopback=True)
        start = time.monotonic()
        first, _ = asyncio.run(check_domains(store, ["ttl1.test", "timeout.test"], opts))
        assert time.monotonic() - start > 1.5
        end = now()
        assert not first["ttl1.test"].from_cache
        # the store says when the answer came, well before the stage ended
        stamps = dict(store.fetchall("SELECT domain, resolved_at FROM domains"))
        assert (end - stamps["ttl1.test"]).total_seconds() > 1.0
        again, queries = asyncio.run(check_domains(store, ["ttl1.test"], opts))
        assert not again["ttl1.test"].from_cache  # its 1 s TTL ran out during the first run
        assert queries >= 1
    finally:
        store.close()
