"""Tables and SQL for provenance (issue 7): the store's HMAC key, MinHash fingerprints, keyed
hashes computed in bulk, and the exact set arithmetic of `compare`.

Keyed hashes are computed inside DuckDB with its `sha256` over BLOBs: HMAC is
H((K ^ opad) || H((K ^ ipad) || m)) (RFC 2104), so two nested `sha256` calls with the padded key
blocks as parameters give HMAC-SHA256 for a whole column at once. The caller (`keys.py`) builds
the padded blocks; this module never sees the key otherwise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from mailhygiene.store.core import Store

FINGERPRINT_DDL = (
    "CREATE SEQUENCE IF NOT EXISTS fingerprint_ids START 1",
    """CREATE TABLE IF NOT EXISTS fingerprints (
        fingerprint_id INTEGER PRIMARY KEY,
        base_id INTEGER,            -- NULL for a fingerprint imported from a file
        name VARCHAR NOT NULL,
        num_perm INTEGER NOT NULL,
        seed BIGINT NOT NULL,
        scheme VARCHAR NOT NULL,    -- datasketch permutation scheme (affine64)
        key_id VARCHAR NOT NULL,    -- short hash of the HMAC key, never the key
        rows BIGINT NOT NULL,       -- input rows (duplicates included)
        size BIGINT NOT NULL,       -- distinct dedup keys: the set the MinHash describes
        created_at TIMESTAMP NOT NULL,
        source VARCHAR NOT NULL,    -- 'computed' or 'imported'
        tool_version VARCHAR,
        signature UBIGINT[] NOT NULL
    )""",
    # The store's own random key, used only when the user gives none (issue 7: "re-runs agree").
    """CREATE TABLE IF NOT EXISTS hmac_keys (
        key_id VARCHAR PRIMARY KEY,
        secret BLOB NOT NULL,
        created_at TIMESTAMP NOT NULL
    )""",
)

# HMAC-SHA256 of a VARCHAR column, truncated to 128 bits (32 hex digits). `encode` gives the
# UTF-8 bytes (a VARCHAR::BLOB cast would interpret backslash escapes). $mh_ipad and $mh_opad
# are the 64-byte key blocks K^ipad and K^opad.
_HMAC_HEX = "substr(sha256($mh_opad || unhex(sha256($mh_ipad || encode({col})))), 1, 32)"
# The first 64 bits of the keyed hash as an unsigned integer: the MinHash input.
_HMAC_U64 = ("('0x' || substr(sha256($mh_opad || unhex(sha256($mh_ipad || encode({col})))), "
             "1, 16))::UBIGINT")

FingerprintRow = tuple[Any, ...]
_FP_COLUMNS = ("fingerprint_id, base_id, name, num_perm, seed, scheme, key_id, rows, size, "
               "created_at, source, tool_version, signature")


def ensure(store: Store) -> None:
    store.ensure(FINGERPRINT_DDL)


def hmac_hex_sql(col: str) -> str:
    """SQL expression: the 128-bit keyed hash of `col` as 32 lowercase hex digits."""
    return _HMAC_HEX.format(col=col)


def pad_params(ipad: bytes, opad: bytes) -> dict[str, bytes]:
    return {"mh_ipad": ipad, "mh_opad": opad}


# -- keys ---------------------------------------------------------------------------------------
def stored_key(store: Store) -> tuple[str, bytes] | None:
    ensure(store)
    row = store.fetchone("SELECT key_id, secret FROM hmac_keys ORDER BY created_at LIMIT 1")
    return None if row is None else (str(row[0]), bytes(row[1]))


def save_key(store: Store, key_id: str, secret: bytes, created_at: datetime) -> None:
    ensure(store)
    store.execute("INSERT INTO hmac_keys VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                  [key_id, secret, created_at])


# -- keyed hashes in bulk -----------------------------------------------------------------------
def keyed_hashes_hex(store: Store, values: Sequence[str], ipad: bytes, opad: bytes) -> list[str]:
    """Keyed hashes of a list of strings (small inputs: tests, test vectors), in order."""
    params: dict[str, Any] = {"vals": list(values), **pad_params(ipad, opad)}
    rows = store.execute(
        f"SELECT list_transform($vals::VARCHAR[], lambda v: {hmac_hex_sql('v')})", params
    ).fetchall()
    return [str(v) for v in rows[0][0]] if rows and rows[0][0] is not None else []


def base_counts(store: Store, base_id: int) -> tuple[int, int]:
    """(rows, distinct non-NULL dedup keys) of a base."""
    row = store.fetchone(
        "SELECT count(*), count(DISTINCT key) FROM contacts WHERE base_id = ?", [base_id])
    assert row is not None
    return int(row[0]), int(row[1])


def base_hash64(store: Store, base_id: int, ipad: bytes, opad: bytes) -> npt.NDArray[np.uint64]:
    """First 64 bits of the keyed hash of every distinct dedup key of a base, as a numpy array
    (hashing distinct keys only: duplicates add nothing to a set)."""
    sql = (f"SELECT {_HMAC_U64.format(col='key')} AS h FROM "
           "(SELECT DISTINCT key FROM contacts WHERE base_id = $base AND key IS NOT NULL)")
    params: dict[str, Any] = {"base": base_id, **pad_params(ipad, opad)}
    arr = store.execute(sql, params).fetchnumpy()["h"]
    return np.ascontiguousarray(arr, dtype=np.uint64)


def strings_hash64(store: Store, values: Sequence[str], ipad: bytes,
                   opad: bytes) -> npt.NDArray[np.uint64]:
    """Same as `base_hash64` for an in-memory list of dedup keys (deduplicated here)."""
    params: dict[str, Any] = {"vals": list(values), **pad_params(ipad, opad)}
    arr = store.execute(
        f"SELECT {_HMAC_U64.format(col='v')} AS h FROM "
        "(SELECT DISTINCT unnest($vals::VARCHAR[]) AS v) WHERE v IS NOT NULL", params,
    ).fetchnumpy()["h"]
    return np.ascontiguousarray(arr, dtype=np.uint64)


# -- fingerprints -------------------------------------------------------------------------------
def insert_fingerprint(store: Store, *, base_id: int | None, name: str, num_perm: int, seed: int,
                       scheme: str, key_id: str, rows: int, size: int, created_at: datetime,
                       source: str, tool_version: str, signature: Sequence[int],
                       replace_imported: bool = False) -> int:
    """Stores a fingerprint; a computed one replaces the earlier one for the same base and
    parameters, an imported one with `replace_imported` the imported ones of the same name."""
    ensure(store)
    with store.transaction():
        if base_id is not None:
            store.execute(
                "DELETE FROM fingerprints WHERE base_id = ? AND num_perm = ? AND seed = ? "
                "AND scheme = ? AND key_id = ?", [base_id, num_perm, seed, scheme, key_id])
        elif replace_imported:
            store.execute("DELETE FROM fingerprints WHERE base_id IS NULL AND name = ?", [name])
        fid = int(store.scalar("SELECT nextval('fingerprint_ids')"))
        store.execute(
            f"INSERT INTO fingerprints ({_FP_COLUMNS}) VALUES ({', '.join(['?'] * 13)})",
            [fid, base_id, name, num_perm, seed, scheme, key_id, rows, size, created_at, source,
             tool_version, list(signature)],
        )
    return fid


def find_same_fingerprint(store: Store, *, num_perm: int, seed: int, scheme: str, key_id: str,
                          rows: int, size: int, signature: Sequence[int]) -> str | None:
    """Name of a stored fingerprint (imported or computed) with exactly this content."""
    ensure(store)
    v = store.scalar(
        "SELECT name FROM fingerprints WHERE num_perm = ? AND seed = ? AND scheme = ? "
        "AND key_id = ? AND rows = ? AND size = ? AND signature = ?::UBIGINT[] "
        "ORDER BY base_id IS NULL, fingerprint_id LIMIT 1",
        [num_perm, seed, scheme, key_id, rows, size, list(signature)])
    return None if v is None else str(v)


def imported_name_taken(store: Store, name: str) -> bool:
    ensure(store)
    return bool(store.scalar(
        "SELECT count(*) > 0 FROM fingerprints WHERE base_id IS NULL AND name = ?", [name]))


def find_fingerprint(store: Store, base_id: int, *, num_perm: int, seed: int, scheme: str,
                     key_id: str) -> FingerprintRow | None:
    ensure(store)
    return store.fetchone(
        f"SELECT {_FP_COLUMNS} FROM fingerprints WHERE base_id = ? AND num_perm = ? AND seed = ? "
        "AND scheme = ? AND key_id = ? ORDER BY created_at DESC LIMIT 1",
        [base_id, num_perm, seed, scheme, key_id])


def all_fingerprints(store: Store, *, num_perm: int, seed: int, scheme: str,
                     key_id: str) -> list[FingerprintRow]:
    ensure(store)
    return store.fetchall(
        f"SELECT {_FP_COLUMNS} FROM fingerprints WHERE num_perm = ? AND seed = ? AND scheme = ? "
        "AND key_id = ? ORDER BY fingerprint_id", [num_perm, seed, scheme, key_id])


def bases_without_fingerprint(store: Store, *, num_perm: int, seed: int, scheme: str,
                              key_id: str) -> list[int]:
    """Stored bases (fully imported) that have no fingerprint for this key and parameters."""
    ensure(store)
    rows = store.fetchall(
        """SELECT base_id FROM bases
           WHERE coalesce(TRY_CAST(json_extract(format, '$.complete') AS BOOLEAN), true)
             AND base_id NOT IN (SELECT base_id FROM fingerprints WHERE base_id IS NOT NULL
                                 AND num_perm = ? AND seed = ? AND scheme = ? AND key_id = ?)
           ORDER BY base_id""", [num_perm, seed, scheme, key_id])
    return [int(r[0]) for r in rows]


def count_fingerprints(store: Store) -> tuple[int, list[tuple[int, int, str, str]]]:
    """Number of stored fingerprints and the distinct (num_perm, seed, scheme, key_id) groups."""
    ensure(store)
    n = int(store.scalar("SELECT count(*) FROM fingerprints"))
    groups = store.fetchall(
        "SELECT DISTINCT num_perm, seed, scheme, key_id FROM fingerprints ORDER BY ALL")
    return n, [(int(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in groups]


# -- bases --------------------------------------------------------------------------------------
def base_by_name(store: Store, name: str) -> list[tuple[int, str]]:
    return [(int(r[0]), str(r[1])) for r in store.fetchall(
        "SELECT base_id, name FROM bases WHERE name = ? ORDER BY base_id", [name])]


def base_name(store: Store, base_id: int) -> str | None:
    v = store.scalar("SELECT name FROM bases WHERE base_id = ?", [base_id])
    return None if v is None else str(v)


# -- exact comparison ---------------------------------------------------------------------------
# A base counts as checked when a stage beyond syntax decided some of its statuses. The import
# records evidence `syntax` on every row (so do `check --level syntax` and enrichment, and opt-out
# lists keep a row's evidence), and its `unknown`/`syntax_ok` or syntax-invalid statuses say
# nothing about domains or mailboxes: only DNS, SMTP and bounce history write other evidence
# (types.Evidence; checker.apply_verdicts, history.apply_history). A status stored without any
# evidence was not written by the import either.
CHECKED_SQL = ("status IS NOT NULL AND status <> 'duplicate' "
               "AND evidence IS DISTINCT FROM 'syntax'")


def checked_sql(base_param: str) -> str:
    """SQL for "the base `base_param` (a placeholder) was checked beyond syntax"."""
    return f"EXISTS (SELECT 1 FROM contacts WHERE base_id = {base_param} AND {CHECKED_SQL})"


def base_checked(store: Store, base_id: int) -> bool:
    """Whether a check beyond syntax (MX, SMTP or bounce history) decided statuses of the
    base: what `compare` reports as `checked`."""
    return bool(store.scalar(f"SELECT {checked_sql('?')}", [base_id]))


def address_cells(store: Store, base_id: int) -> tuple[int, int]:
    """(non-empty address cells, of them syntactically valid) of a base. A placeholder such
    as "N/A" is an empty cell (syntax_empty)."""
    row = store.fetchone(
        "SELECT count(*) FILTER (WHERE coalesce(trim(raw), '') <> '' AND syntax_reason IS "
        "DISTINCT FROM 'syntax_empty'), count(*) FILTER (WHERE syntax_ok) FROM contacts "
        "WHERE base_id = ?", [base_id])
    return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)


@dataclass(frozen=True)
class ExactCounts:
    rows: tuple[int, int]  # input rows of A and B
    unique: tuple[int, int]  # distinct non-NULL dedup keys
    overlap: int  # |A ∩ B|
    checked: tuple[bool, bool]  # checked_sql: a status decided beyond syntax
    by_status: list[tuple[str, str, int, int]]  # A's (status, reason, keys, of them in B)
    by_domain: list[tuple[str, int, int, int]]  # (domain, overlap, A's keys, B's keys)


def exact_counts(store: Store, a: int, b: int, top_domains: int) -> ExactCounts:
    """Everything `compare` counts exactly, from one full outer join of the two bases'
    distinct dedup keys (materialized once as a temporary table, then aggregated).

    A key's status and reason are those of its first row in A (later rows are `duplicate`):
    the rows without `dup_of` are exactly the first row of each key, so no grouping is needed."""
    store.execute(
        """CREATE OR REPLACE TEMP TABLE mh_compare AS
           WITH a AS (SELECT key, coalesce(status, 'unchecked') AS status,
                             coalesce(reason, '') AS reason, domain
                      FROM contacts WHERE base_id = $a AND key IS NOT NULL AND dup_of IS NULL),
                b AS (SELECT key, domain
                      FROM contacts WHERE base_id = $b AND key IS NOT NULL AND dup_of IS NULL)
           SELECT a.key IS NOT NULL AS in_a, b.key IS NOT NULL AS in_b, a.status, a.reason,
                  coalesce(a.domain, b.domain) AS domain
           FROM a FULL OUTER JOIN b ON a.key = b.key""",
        {"a": a, "b": b})
    try:
        head = store.execute(
            f"""SELECT (SELECT count(*) FILTER (base_id = $a) FROM contacts
                       WHERE base_id IN ($a, $b)),
                      (SELECT count(*) FILTER (base_id = $b) FROM contacts
                       WHERE base_id IN ($a, $b)),
                      count(*) FILTER (in_a), count(*) FILTER (in_b),
                      count(*) FILTER (in_a AND in_b),
                      {checked_sql('$a')}, {checked_sql('$b')}
               FROM mh_compare""", {"a": a, "b": b}).fetchall()[0]
        status = store.fetchall(
            """SELECT status, reason, count(*), count(*) FILTER (in_b) FROM mh_compare
               WHERE in_a GROUP BY ALL ORDER BY 3 DESC, 1, 2""")
        domain = store.fetchall(
            """SELECT domain, count(*) FILTER (in_a AND in_b) AS n, count(*) FILTER (in_a),
                      count(*) FILTER (in_b)
               FROM mh_compare GROUP BY domain HAVING n > 0 ORDER BY n DESC, domain LIMIT ?""",
            [top_domains])
    finally:
        store.execute("DROP TABLE IF EXISTS mh_compare")
    return ExactCounts(
        rows=(int(head[0]), int(head[1])), unique=(int(head[2]), int(head[3])),
        overlap=int(head[4]), checked=(bool(head[5]), bool(head[6])),
        by_status=[(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in status],
        by_domain=[("" if r[0] is None else str(r[0]), int(r[1]), int(r[2]), int(r[3]))
                   for r in domain])
