"""Reduces two stored bases (and optional baseline sources) to the counts the model weighs.

All set work is DuckDB SQL through the Store, joined on the dedup key; only aggregates and the
shared records' positions (for Kendall tau, subsampled) come back to Python."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from mailhygiene.errors import InputError
from mailhygiene.evidence.dates import (
    DATE_PART_RE,
    YEAR_FIRST_RE,
    YEAR_LAST_RE,
    DateFormat,
    detect_date_format,
)
from mailhygiene.evidence.model import (
    MIN_BASELINE,
    NearGrowth,
    PostGradient,
    StratumCounts,
    near_growth,
    pooled_baseline,
    post_gradient,
    slice_position,
)
from mailhygiene.evidence.stats import FloatArray
from mailhygiene.evidence.strata import (
    ASSUMED_BOUNDS,
    CLASS_GROUP,
    FREEMAIL_DOMAINS,
    INVALID_CLASSES,
    ROLE_LOCAL_PARTS,
    generic_sql,
)
from mailhygiene.store import Store
from mailhygiene.store.fingerprints import base_checked

ORDER_SAMPLE = 4000  # Kendall tau on at most this many shared records (sd ~ 0.01)
# A's periods: 0 could have been copied (before the cut-off, or no date column given); 1 added
# after the cut-off; 2 no readable date (neither: left out of the LR, baseline and count).
PRE, POST, UNDATED = 0, 1, 2


@dataclass(slots=True)
class EvidenceData:
    strata: list[StratumCounts]
    baseline_source: str  # post_cutoff | reference | assumed
    raw: tuple[int, int, int, int]  # u, t, u0, t0
    order_pre: tuple[FloatArray, FloatArray]
    order_post: tuple[FloatArray, FloatArray]
    sorted_files: list[str]
    a_unique: int
    b_unique: int
    shared: int
    a_pre: int
    a_post: int
    bulk: list[dict[str, Any]] = field(default_factory=list)
    reference_unique: int = 0
    dates: DateFormat | None = None  # how A's date column was read (None: no column)
    a_undated: int = 0  # A's addresses without a readable date (period UNDATED)
    a_generic: int = 0  # A's generic entries (test@test.com), left out of everything
    undated_in_b: int = 0
    post_baseline: int = 0  # A's organic (non-bulk) additions after the cut-off
    # The gradient between the older and the newer half of those additions (valid-looking
    # ones; `model.post_gradient`); None when there are too few to measure one.
    post_gradient: PostGradient | None = None
    # The growth from A's later additions to its additions just before the cut-off (as many),
    # for the near-cut-off reading (`model.near_growth`); None without a cut-off baseline.
    near_growth: NearGrowth | None = None
    reference_outside: int | None = None  # the reference's addresses not in A (None: none)
    # A checked beyond syntax (store.fingerprints.base_checked, `compare`'s a.checked); None
    # for counts built in memory, where only the strata say what is known
    a_checked: bool | None = None


def _per_key_sql(alias: str) -> str:
    """One row per dedup key (the first occurrence: duplicates carry the first row's facts);
    cells without a key fall back to their trimmed lower-cased text so malformed addresses
    (the typical copied error) still join, except empty cells and placeholders such as "N/A"
    (syntax_empty), which stand for no address. Takes $1 = the base (`_per_key` then leaves
    out generic entries).

    Keyed rows need no grouping: the import marked every later row of a key (dup_of), so
    `dup_of IS NULL` leaves each key's first row (0.4 s of grouping saved per million rows).
    Only the few keyless cells are grouped, and where one's text equals a key the earlier
    row wins, as one grouping of every row would decide (tests/test_evidence_store.py)."""
    cols = "row_no, raw, status, reason, syntax_ok, coalesce(flags, '') AS flags"
    return f"""CREATE OR REPLACE TEMP TABLE {alias} AS
        WITH keyed AS (
            SELECT key AS k, {cols} FROM contacts
            WHERE base_id = $1 AND key IS NOT NULL AND key <> '' AND dup_of IS NULL
        ), loose AS (
            SELECT k, min(row_no) AS row_no, arg_min(raw, row_no) AS raw,
                   arg_min(status, row_no) AS status, arg_min(reason, row_no) AS reason,
                   arg_min(syntax_ok, row_no) AS syntax_ok, arg_min(flags, row_no) AS flags
            FROM (SELECT lower(trim(raw)) AS k, {cols} FROM contacts
                  WHERE base_id = $1 AND (key IS NULL OR key = '')
                    AND syntax_reason IS DISTINCT FROM 'syntax_empty')
            WHERE k IS NOT NULL AND k <> ''
            GROUP BY k
        )
        SELECT * FROM keyed f WHERE NOT EXISTS (
            SELECT 1 FROM loose l WHERE l.k = f.k AND l.row_no < f.row_no)
        UNION ALL
        SELECT * FROM loose l WHERE NOT EXISTS (
            SELECT 1 FROM keyed f WHERE f.k = l.k AND f.row_no < l.row_no)"""


def _per_key(store: Store, alias: str, base_id: int) -> int:
    """The per-key table of a base (`_per_key_sql`) without its generic entries
    (strata.GENERIC_RE: test@test, toto@toto.fr), tested once per key; returns how many
    were left out."""
    store.execute(_per_key_sql(alias), [base_id])
    generic = int(store.scalar(f"SELECT count(*) FROM {alias} WHERE {generic_sql('k')}"))
    if generic:
        store.execute(f"DELETE FROM {alias} WHERE {generic_sql('k')}")
    return generic


def _domain_sql(col: str) -> str:
    """The text after the last '@' ('' without one): regexp_extract(col, '@([^@]*)$', 1)
    without a regex."""
    return (f"CASE WHEN {col} IS NULL THEN NULL WHEN contains({col}, '@') "
            f"THEN split_part({col}, '@', -1) ELSE '' END")


_KIND_SQL = """CASE
    WHEN list_contains(?::VARCHAR[], split_part(k, '@', 1)) OR flags LIKE '%role%' THEN 'role'
    WHEN list_contains(?::VARCHAR[], """ + _domain_sql("k") + """)
         OR flags LIKE '%free%' THEN 'freemail'
    ELSE 'business' END"""

_CLASS_SQL = """CASE
    WHEN syntax_ok = false OR (status = 'invalid' AND reason LIKE 'syntax%') THEN 'inv_syntax'
    WHEN reason IN ('domain_not_found', 'no_mail_host', 'null_mx') THEN 'inv_domain'
    WHEN reason IN ('mailbox_not_found', 'hard_bounced')
         OR k IN (SELECT key FROM _ev_bounce) THEN 'inv_mailbox'
    ELSE 'ok' END"""


# A stratum's kind from an _ev_a row `a`: role, freemail or business, then for the first and
# the last whether B holds other addresses of the domain ("/seen", "/alone": _mark_neighbours).
_STRATUM_KIND_SQL = ("a.kind || CASE WHEN a.kind = 'freemail' THEN '' WHEN a.seen THEN '/seen' "
                     "ELSE '/alone' END")


def _classify(store: Store, alias: str) -> None:
    store.execute(f"ALTER TABLE {alias} ADD COLUMN kind VARCHAR")
    store.execute(f"ALTER TABLE {alias} ADD COLUMN cls VARCHAR")
    store.execute(f"UPDATE {alias} SET kind = {_KIND_SQL}, cls = {_CLASS_SQL}",
                  [list(ROLE_LOCAL_PARTS), list(FREEMAIL_DOMAINS)])


def _bounce_keys(store: Store, keys: list[str] | None, use_table: bool) -> None:
    store.execute("CREATE OR REPLACE TEMP TABLE _ev_bounce (key VARCHAR)")
    if keys:
        store.execute("INSERT INTO _ev_bounce SELECT unnest(?::VARCHAR[])", [list(keys)])
    if use_table and store.table_exists("bounces"):
        cols = {r[0] for r in store.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'bounces'")}
        if {"key", "hard"} <= cols:
            store.execute("INSERT INTO _ev_bounce SELECT DISTINCT key FROM bounces "
                          "WHERE hard AND key IS NOT NULL")


def _date_column(store: Store, base_id: int, column: str) -> tuple[str, str]:
    row = store.fetchone("SELECT table_name, format FROM bases WHERE base_id = ?", [base_id])
    if row is None:
        raise InputError(f"no stored base with id {base_id}")
    table, fmt = row[0], json.loads(row[1]) if isinstance(row[1], str) else (row[1] or {})
    names = [str(c) for c in fmt.get("columns") or []]
    folded = [n.strip().casefold() for n in names]
    want = column.strip().casefold()
    index = None
    if want in folded:
        index = folded.index(want)
    elif want.isdigit() and 1 <= int(want) <= len(names):
        index = int(want) - 1
    if index is not None:
        if index == fmt.get("address_index"):
            raise InputError(f"date column {column!r} is A's address column")
        return table, f"c{index + 1}"
    raise InputError(f"date column {column!r} not found in base A (columns: "
                     f"{', '.join(names) or 'none recorded'})")


def _read_dates(store: Store, a_base_id: int, column: str,
                cutoff: date | None) -> DateFormat:
    """Sets _ev_a.added from A's date column, each value read in its family's format, the
    year-last ones in the one order their values allow (`evidence.dates`); a value that does
    not fit stays NULL. Only the date parts of values
    shaped like dates come back to Python, grouped (a few thousand distinct days at most)."""
    table, col = _date_column(store, a_base_id, column)
    store.execute("ALTER TABLE _ev_a ADD COLUMN d VARCHAR")
    store.execute("ALTER TABLE _ev_a ADD COLUMN dp VARCHAR")
    store.execute(f"""UPDATE _ev_a SET d = t.d FROM (
        SELECT row_no, trim(CAST({col} AS VARCHAR)) AS d FROM "{table}") t
        WHERE t.row_no = _ev_a.row_no""")
    store.execute("""UPDATE _ev_a SET dp = CASE WHEN regexp_matches(d, ?)
        OR regexp_matches(d, ?) THEN regexp_extract(d, ?) END""",
                  [YEAR_FIRST_RE, YEAR_LAST_RE, DATE_PART_RE])
    parts = {str(v): int(n) for v, n in store.fetchall(
        "SELECT dp, count(*) FROM _ev_a WHERE dp IS NOT NULL GROUP BY dp")}
    other, empty = (int(x or 0) for x in store.fetchone("""SELECT
        count(*) FILTER (WHERE dp IS NULL AND coalesce(d, '') <> ''),
        count(*) FILTER (WHERE coalesce(d, '') = '') FROM _ev_a""") or (0, 0))
    fmt = detect_date_format(parts, other=other, empty=empty, cutoff=cutoff)
    if fmt.order == "none":
        raise InputError(
            f"no date of A's column {column!r} can be read ({fmt.values} values, "
            f"{fmt.empty} empty cells); dates must read as yyyy-mm-dd, dd/mm/yyyy or "
            "mm/dd/yyyy, optionally followed by a time")
    store.execute("CREATE OR REPLACE TEMP TABLE _ev_dates AS SELECT unnest(?::VARCHAR[]) AS dp, "
                  "unnest(?::DATE[]) AS dd", [list(fmt.dates), list(fmt.dates.values())])
    store.execute("UPDATE _ev_a SET added = m.dd FROM _ev_dates m WHERE m.dp = _ev_a.dp")
    store.execute("DROP TABLE _ev_dates")
    return fmt


def _mark_periods(store: Store, a_base_id: int, date_column: str | None,
                  cutoff: date | None) -> DateFormat | None:
    """period PRE: could have been copied (before the cut-off, or no date column); POST: added
    after it; UNDATED: the date cannot be read (empty, or not in the column's format), so the
    address is neither before nor after the cut-off.
    bulk: the key was added on a date whose additions exceed 10 times the median day's and 50
    rows: an import of a whole list, which a third party may also have sold to B."""
    store.execute("ALTER TABLE _ev_a ADD COLUMN added DATE")
    store.execute(f"ALTER TABLE _ev_a ADD COLUMN period INTEGER DEFAULT {PRE}")
    store.execute("ALTER TABLE _ev_a ADD COLUMN bulk BOOLEAN DEFAULT false")
    if not date_column:
        return None
    fmt = _read_dates(store, a_base_id, date_column, cutoff)
    if cutoff is not None:
        store.execute(f"UPDATE _ev_a SET period = {POST} WHERE added > ?", [cutoff])
        store.execute(f"UPDATE _ev_a SET period = {UNDATED} WHERE added IS NULL")
        first, last, before = store.fetchone(
            f"SELECT min(added), max(added), count(*) FILTER (WHERE period = {PRE}) "
            "FROM _ev_a") or (None, None, 0)
        if first is not None and not before:
            # Nothing of A existed then: "copied 0 (0-0)" would read as a finding, while it
            # is almost always a typo in the year.
            raise InputError(f"no address of A was added on or before the cut-off {cutoff} "
                             f"(A's dates run from {first} to {last}): nothing of A could "
                             "have been copied then; check --cutoff")
    store.execute("""UPDATE _ev_a SET bulk = true WHERE added IN (
        WITH per AS (SELECT added, count(*) AS n FROM _ev_a WHERE added IS NOT NULL
                     GROUP BY added)
        SELECT added FROM per
        WHERE n >= greatest(50, 10 * (SELECT median(n) FROM per)))""")
    return fmt


def _mark_neighbours(store: Store) -> None:
    """seen: B holds other addresses of the same (non-freemail) domain that A lacks. A crawler
    finds addresses in clusters (a site's pages); a copied address arrives without its
    neighbours. B minus A is untouched by copying from A, so the split is fair to both
    propositions and the baseline is split the same way."""
    store.execute("ALTER TABLE _ev_a ADD COLUMN seen BOOLEAN DEFAULT false")
    store.execute(f"""UPDATE _ev_a SET seen = true WHERE kind <> 'freemail'
        AND {_domain_sql("k")} IN (
            SELECT DISTINCT {_domain_sql("b.k")} FROM _ev_b b
            ANTI JOIN _ev_a a USING (k))""")


def _sorted_on_key(store: Store, alias: str) -> bool:
    """True when the file's rows follow its addresses' or domains' alphabetical order (either
    direction) for at least 95% of adjacent rows: its order then says nothing about origin."""
    row = store.fetchone(f"""SELECT avg((k >= pk)::INT), avg((dom >= pdom)::INT) FROM (
        SELECT k, lag(k) OVER w AS pk, dom, lag(dom) OVER w AS pdom
        FROM (SELECT k, row_no, {_domain_sql("k")} AS dom FROM {alias})
        WINDOW w AS (ORDER BY row_no)) WHERE pk IS NOT NULL""")
    if row is None or row[0] is None:
        return False
    return any(v >= 0.95 or v <= 0.05 for v in row if v is not None)


def _positions(store: Store, period: int, seed: int) -> tuple[FloatArray, FloatArray]:
    """Row numbers in A and B of the shared records, subsampled with `seed`. Sorted before
    sampling: a join returns rows in no set order, and the same comparison run twice must
    give the same tau."""
    res = store.execute(
        f"""SELECT a.row_no AS ar, b.row_no AS br FROM _ev_a a JOIN _ev_b b USING (k)
            WHERE a.period = {period} AND NOT a.bulk ORDER BY a.row_no""").fetchnumpy()
    ar = np.asarray(res["ar"], float)
    br = np.asarray(res["br"], float)
    if len(ar) > ORDER_SAMPLE:
        idx = np.random.default_rng(seed).choice(len(ar), ORDER_SAMPLE, replace=False)
        ar, br = ar[idx], br[idx]
    return ar, br


def load_counts(store: Store, a_base_id: int, b_base_id: int, *,
                date_column: str | None = None, cutoff: date | None = None,
                reference_base_id: int | None = None, a_bounce_keys: list[str] | None = None,
                use_bounces_table: bool = True, seed: int = 0) -> EvidenceData:
    for bid in (a_base_id, b_base_id, reference_base_id):
        if bid is not None and not store.scalar(
                "SELECT count(*) FROM bases WHERE base_id = ?", [bid]):
            raise InputError(f"no stored base with id {bid}")
    if cutoff is not None and not date_column:
        raise InputError("a cut-off date needs A's date-added column (--date-column)")
    _bounce_keys(store, a_bounce_keys, use_bounces_table)
    a_generic = _per_key(store, "_ev_a", a_base_id)
    _per_key(store, "_ev_b", b_base_id)
    _classify(store, "_ev_a")
    _mark_neighbours(store)
    dates = _mark_periods(store, a_base_id, date_column, cutoff)
    a_post = int(store.scalar(f"SELECT count(*) FROM _ev_a WHERE period = {POST}"))

    rows = store.fetchall(f"""SELECT a.period, a.bulk, a.cls,
            {_STRATUM_KIND_SQL} AS kind, count(*) AS n,
            count(b.k) AS k,
            count(*) FILTER (WHERE b.k IS NOT NULL AND a.raw IS DISTINCT FROM a.k) AS u,
            count(*) FILTER (WHERE b.k IS NOT NULL AND a.raw IS DISTINCT FROM a.k
                             AND b.raw = a.raw) AS t
        FROM _ev_a a LEFT JOIN _ev_b b USING (k) GROUP BY ALL""")
    cells: dict[tuple[int, bool, str, str], tuple[int, int, int, int]] = {
        (int(r[0]), bool(r[1]), str(r[2]), str(r[3])): (int(r[4]), int(r[5]), int(r[6]),
                                                          int(r[7])) for r in rows}

    ref_rates: dict[tuple[str, str], tuple[int, int]] = {}
    ref_unique = 0
    if reference_base_id is not None:
        _per_key(store, "_ev_r", reference_base_id)
        _classify(store, "_ev_r")
        ref_unique = int(store.scalar("SELECT count(*) FROM _ev_r"))
        for cls, kind, m, x in store.fetchall("""SELECT r.cls, r.kind, count(*), count(b.k)
                FROM _ev_r r LEFT JOIN _ev_b b USING (k)
                WHERE r.k NOT IN (SELECT k FROM _ev_a) GROUP BY ALL"""):
            ref_rates[(str(cls), str(kind))] = (int(m), int(x))
    # A baseline source is used only if it holds at least MIN_BASELINE addresses copying
    # cannot reach (A's organic later additions; the reference minus A): below that, its rate
    # says too little about A's strata (every stratum would be pooled into one rate of a
    # handful of addresses, or, for an empty source, weighed with no baseline at all).
    post_baseline = sum(v[0] for (per, bulk, _, _), v in cells.items()
                        if per == POST and not bulk)
    ref_outside = sum(m for m, _ in ref_rates.values()) if reference_base_id else None
    source = ("post_cutoff" if post_baseline >= MIN_BASELINE
              else "reference" if ref_outside is not None and ref_outside >= MIN_BASELINE
              else "assumed")

    trends = _age_trends(store, post_baseline) if source == "post_cutoff" else {}
    halves = post_halves(store) if source == "post_cutoff" else {}
    gradient = post_gradient(halves) if source == "post_cutoff" else None
    near, near_halves = _near_window(store, post_baseline) if source == "post_cutoff" \
        else ({}, {})
    growth = near_growth(halves, near_halves, sum(v[0] for v in near.values()),
                         post_baseline) if source == "post_cutoff" else None
    strata: list[StratumCounts] = []
    for cls in ("ok", *INVALID_CLASSES):
        for kind in ("role/alone", "role/seen", "freemail", "business/alone", "business/seen"):
            for bulk in (False, True):
                n, k, _, _ = cells.get((PRE, bulk, cls, kind), (0, 0, 0, 0))
                if n == 0:
                    continue
                m, x, assumed = _baseline(source, cells, ref_rates, cls, kind)
                strata.append(StratumCounts(
                    name=f"{cls}/{kind}" + ("/bulk" if bulk else ""), group=CLASS_GROUP[cls]
                    if not (cls == "ok" and kind == "freemail") else "personal",
                    n=n, k=k, m=m, x=x, invalid=cls != "ok", role=kind.startswith("role"),
                    p_assumed=assumed,
                    # Valid-looking addresses are weighed only against A's own later
                    # additions: a reference's are not A's kind (limit.reference_visibility).
                    in_lr=not bulk and not (source != "post_cutoff" and cls == "ok"),
                    post_factor=gradient.factor if gradient and cls == "ok" and not bulk
                    else 1.0,
                    near_n=0 if bulk else near.get((cls, kind), (0, 0))[0],
                    near_k=0 if bulk else near.get((cls, kind), (0, 0))[1],
                    **({} if bulk or (cls, kind) not in trends else trends[(cls, kind)])))

    u = sum(v[2] for key, v in cells.items() if key[0] == PRE and not key[1])
    t = sum(v[3] for key, v in cells.items() if key[0] == PRE and not key[1])
    u0 = sum(v[2] for key, v in cells.items() if key[0] == POST and not key[1])
    t0 = sum(v[3] for key, v in cells.items() if key[0] == POST and not key[1])
    if source == "reference" and reference_base_id is not None:
        r = store.fetchone("""SELECT
                count(*) FILTER (WHERE r.raw IS DISTINCT FROM r.k),
                count(*) FILTER (WHERE r.raw IS DISTINCT FROM r.k AND b.raw = r.raw)
            FROM _ev_r r JOIN _ev_b b USING (k) WHERE r.k NOT IN (SELECT k FROM _ev_a)""")
        u0, t0 = (int(r[0]), int(r[1])) if r else (0, 0)

    bulk_rows = store.fetchall("""SELECT a.added, count(*), count(b.k) FROM _ev_a a
        LEFT JOIN _ev_b b USING (k) WHERE a.bulk GROUP BY a.added ORDER BY a.added""")
    sorted_files = [name for name, alias in (("A", "_ev_a"), ("B", "_ev_b"))
                    if _sorted_on_key(store, alias)]
    data = EvidenceData(
        strata=strata, baseline_source=source, raw=(u, t, u0, t0),
        order_pre=_positions(store, PRE, seed), order_post=_positions(store, POST, seed),
        sorted_files=sorted_files,
        a_unique=int(store.scalar("SELECT count(*) FROM _ev_a")),
        b_unique=int(store.scalar("SELECT count(*) FROM _ev_b")),
        shared=int(store.scalar("SELECT count(*) FROM _ev_a JOIN _ev_b USING (k)")),
        a_pre=int(store.scalar(f"SELECT count(*) FROM _ev_a WHERE period = {PRE}")),
        a_post=a_post,
        bulk=[{"date": str(d), "rows": int(n), "in_b": int(x)} for d, n, x in bulk_rows],
        reference_unique=ref_unique, dates=dates,
        a_undated=sum(v[0] for key, v in cells.items() if key[0] == UNDATED),
        undated_in_b=sum(v[1] for key, v in cells.items() if key[0] == UNDATED),
        post_baseline=post_baseline, reference_outside=ref_outside, post_gradient=gradient,
        near_growth=growth, a_generic=a_generic,
        a_checked=base_checked(store, a_base_id))
    for alias in ("_ev_a", "_ev_b", "_ev_r", "_ev_bounce"):
        store.execute(f"DROP TABLE IF EXISTS {alias}")
    return data


AGE_SLICES = 4


def post_halves(store: Store) -> dict[str, tuple[int, int, int, int]]:
    """Per kind, A's organic valid-looking additions after the cut-off cut in two halves by
    date: (older half's addresses, in B, newer half's addresses, in B), for
    `model.post_gradient`."""
    rows = store.fetchall(f"""SELECT a.h, {_STRATUM_KIND_SQL}, count(*), count(b.k)
        FROM (SELECT *, ntile(2) OVER (ORDER BY added, row_no) AS h FROM _ev_a
              WHERE period = {POST} AND NOT bulk AND cls = 'ok') a
        LEFT JOIN _ev_b b USING (k) GROUP BY ALL""")
    per: dict[str, list[int]] = {}
    for h, kind, n, k in rows:
        cell = per.setdefault(str(kind), [0, 0, 0, 0])
        cell[2 * (int(h) - 1)] += int(n)
        cell[2 * (int(h) - 1) + 1] += int(k)
    return {kind: (c[0], c[1], c[2], c[3]) for kind, c in per.items()}


def _near_window(store: Store, post_baseline: int) -> tuple[
        dict[tuple[str, str], tuple[int, int]], dict[str, tuple[int, int, int, int]]]:
    """A's organic pre-cut-off additions among the newest `post_baseline` of them (the age
    slices' order: date, then row), the window just before the cut-off that mirrors the
    baseline after it: per (class, kind), addresses and how many are in B; and, as
    `post_halves` cuts the later additions, its valid-looking ones per kind in an older and
    a newer half."""
    rows = store.fetchall(f"""SELECT a.h, a.cls, {_STRATUM_KIND_SQL}, count(*), count(b.k)
        FROM (SELECT *, ntile(2) OVER (ORDER BY added, row_no) AS h FROM (
                SELECT * FROM _ev_a WHERE period = {PRE} AND NOT bulk AND added IS NOT NULL
                ORDER BY added DESC, row_no DESC LIMIT {int(post_baseline)})) a
        LEFT JOIN _ev_b b USING (k) GROUP BY ALL""")
    cells: dict[tuple[str, str], tuple[int, int]] = {}
    halves: dict[str, list[int]] = {}
    for h, cls, kind, n, k in rows:
        key = (str(cls), str(kind))
        old = cells.get(key, (0, 0))
        cells[key] = (old[0] + int(n), old[1] + int(k))
        if cls == "ok":
            cell = halves.setdefault(str(kind), [0, 0, 0, 0])
            cell[2 * (int(h) - 1)] += int(n)
            cell[2 * (int(h) - 1) + 1] += int(k)
    return cells, {kind: (c[0], c[1], c[2], c[3]) for kind, c in halves.items()}


def _age_trends(store: Store, post_baseline: int) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (class, kind): A's organic pre-cut-off additions cut into AGE_SLICES slices of
    equal size in date order (the same dates for every stratum), their counts and how many
    are in B, and the baseline's (A's organic additions after the cut-off) position after
    them: StratumCounts' age fields, from which the model measures the age trend."""
    rows = store.fetchall(f"""SELECT a.cls,
            {_STRATUM_KIND_SQL}, a.q, count(*), count(b.k)
        FROM (SELECT *, ntile({AGE_SLICES}) OVER (ORDER BY added, row_no) AS q FROM _ev_a
              WHERE period = {PRE} AND NOT bulk AND added IS NOT NULL) a
        LEFT JOIN _ev_b b USING (k) GROUP BY ALL""")
    pre_total = sum(int(r[3]) for r in rows)
    if pre_total == 0:
        return {}
    post_position = slice_position(AGE_SLICES, pre_total, post_baseline)
    counts: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
    for cls, kind, q, n, k in rows:
        ns, ks = counts.setdefault((str(cls), str(kind)), ([0] * AGE_SLICES, [0] * AGE_SLICES))
        ns[int(q) - 1], ks[int(q) - 1] = int(n), int(k)
    return {key: {"age_n": tuple(ns), "age_k": tuple(ks), "age_post": post_position}
            for key, (ns, ks) in counts.items()}


def _baseline(source: str, cells: dict[tuple[int, bool, str, str], tuple[int, int, int, int]],
              ref: dict[tuple[str, str], tuple[int, int]], cls: str,
              kind: str) -> tuple[int, int, float | None]:
    """(m, x, assumed bound) for one stratum. Post-cut-off: A's organic later additions of the
    same class, kind and neighbour status. Reference: B's rate on R minus A, same class and
    kind (R's addresses are not split by neighbours: B minus A holds B's share of R itself).
    Sparse cells are pooled (`pooled_baseline`, which never gives a valid-looking stratum
    another kind's rate)."""
    if source == "post_cutoff":
        post = {(c, kd): (v[0], v[1]) for (per, bulk, c, kd), v in cells.items()
                if per == POST and not bulk}
        m, x = pooled_baseline(post, cls, kind)
        return m, x, None
    if source == "reference":
        m, x = pooled_baseline(ref, cls, kind.split("/")[0])
        return m, x, None
    return 0, 0, ASSUMED_BOUNDS.get(cls)
