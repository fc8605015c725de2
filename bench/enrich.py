"""Enrichment cost (issues 4/11): `apply_enrichment` on a generated base vs. a plain DuckDB
UPDATE of the same rows measured in the same run (the floor any per-row write pays).

    .venv/bin/python bench/enrich.py [--rows 1000000] [--domains 5000]

Contacts spread over --domains distinct domains (popular providers, their typos, disposable
domains and company domains); about 4% role local parts."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mailhygiene.enrich import apply_enrichment, domain_facts, suggest_domain
from mailhygiene.store import Store

SPECIAL = ["gmail.com", "yahoo.fr", "hotmail.fr", "menara.ma", "outlook.fr", "gmial.com",
           "hotmial.fr", "yahooo.fr", "gmail.con", "menara.m", "yopmail.com", "mailinator.com"]
ROLES = ["info", "contact", "admin", "sales", "noreply", "rh", "commercial", "direction"]


def build(store: Store, rows: int, domains: int) -> None:
    specials = ", ".join(f"'{d}'" for d in SPECIAL)
    roles = ", ".join(f"'{r}'" for r in ROLES)
    store.execute(f"""
        INSERT INTO contacts (base_id, row_no, raw, address, key, domain, syntax_ok, status,
                              reason, evidence, flags)
        WITH g AS (
          SELECT i AS row_no, CAST(hash(i, 1) % 100 AS BIGINT) AS pick,
                 CAST(hash(i, 2) % {domains} AS BIGINT) AS dom_no,
                 CAST(hash(i, 3) % 25 AS BIGINT) AS role_pick
          FROM range(1, {rows} + 1) t(i)
        ), n AS (
          SELECT row_no,
            CASE WHEN pick < 40 THEN [{specials}][1 + dom_no % {len(SPECIAL)}]
                 ELSE 'entreprise' || dom_no || '.ma' END AS domain,
            CASE WHEN role_pick = 0 THEN [{roles}][1 + row_no % {len(ROLES)}]
                 ELSE 'user' || row_no END AS local
          FROM g
        )
        SELECT 1, row_no, local || '@' || domain, local || '@' || domain, local || '@' || domain,
               domain, true, 'unknown', 'smtp_skipped', 'dns', '' FROM n""")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--domains", type=int, default=5000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        build(store, a.rows, a.domains)
        distinct = [r[0] for r in store.fetchall("SELECT DISTINCT domain FROM contacts")]

        suggest_domain.cache_clear()
        t0 = time.perf_counter()
        for d in distinct:
            domain_facts(d)
        t_facts = time.perf_counter() - t0
        suggest_domain.cache_clear()

        # Baseline: DuckDB writing flags, status, reason and detail of the rows the stage
        # touches, from a prepared table (the floor of any UPDATE ... FROM join).
        specials = ", ".join(f"'{d}'" for d in SPECIAL)
        roles = ", ".join(f"'{r}'" for r in ROLES)
        store.execute(
            "CREATE TEMP TABLE touched AS SELECT row_no, 'role' AS f, 'x' AS d FROM contacts "
            f"WHERE domain IN ({specials}) OR split_part(key, '@', 1) IN ({roles})")
        t0 = time.perf_counter()
        store.execute("UPDATE contacts SET flags = t.f, status = 'risky', reason = t.f, "
                      "detail = t.d FROM touched t WHERE contacts.base_id = 1 "
                      "AND contacts.row_no = t.row_no")
        t_update = time.perf_counter() - t0
        store.execute("UPDATE contacts SET flags = '', status = 'unknown', "
                      "reason = 'smtp_skipped', detail = NULL WHERE base_id = 1")

        t0 = time.perf_counter()
        st = apply_enrichment(store, 1)
        t_apply = time.perf_counter() - t0
        t0 = time.perf_counter()
        apply_enrichment(store, 1)
        t_again = time.perf_counter() - t0
        store.close()
    print(f"rows {a.rows:,}  distinct domains {len(distinct):,}  flagged rows {st.rows:,}")
    print(f"{'step':<52}{'seconds':>10}")
    print(f"{'baseline: UPDATE ... FROM of the touched rows':<52}{t_update:>10.3f}")
    print(f"{'domain facts in Python (free/disposable/typo, cold)':<52}{t_facts:>10.3f}")
    print(f"{'apply_enrichment (first run)':<52}{t_apply:>10.3f}")
    print(f"{'apply_enrichment (second run, idempotent)':<52}{t_again:>10.3f}")
    print(f"ratio apply_enrichment / baseline update: {t_apply / t_update:.2f}")
    print(f"flags: role {st.role:,}  free {st.free:,}  disposable {st.disposable:,}  "
          f"typo {st.typo:,}  risky {st.marked}")


if __name__ == "__main__":
    main()
