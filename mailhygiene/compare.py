"""How two bases overlap: exactly, and as estimated from MinHash fingerprints (issue 7).

Exact counts are DuckDB joins on the dedup keys of the two stored bases (inside one store the
dedup key and its keyed hash identify the same set; keyed hashes only matter for what leaves the
store). The MinHash estimate comes from the two bases' fingerprints (see `fingerprint.py`) and
is reported with its standard error sqrt(J(1-J)/k) and a 95% interval, so its error can be read
next to the exact value; `compare_fingerprint_files` gives the estimate alone, for two parties
who exchange fingerprint files and no addresses.

Containment from Jaccard and sizes: |A ∩ B| = J / (1 + J) * (|A| + |B|), so
containment of B in A = |A ∩ B| / |B|; its standard error follows by the delta method.

`Comparison` is a frozen dataclass; `to_json()` gives the stable keys. The provenance evidence
(issue 8) is attached with `dataclasses.replace(comparison, evidence={...})` and appears as the
`evidence` key of the JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mailhygiene.config import COMPARE_TOP_DOMAINS, WILSON_Z
from mailhygiene.errors import InputError
from mailhygiene.fingerprint import (
    DEFAULT_PARAMS,
    Fingerprint,
    MinHashParams,
    check_pair_compatible,
    fingerprint_base,
    load_fingerprint_file,
    resolve_base,
)
from mailhygiene.keys import HmacKey
from mailhygiene.privacy import distinct_masks
from mailhygiene.report.fmt import counted
from mailhygiene.store import Store
from mailhygiene.store import fingerprints as fpsql

SCHEMA = "mailhygiene.compare/1"
SCHEMA_FINGERPRINTS = "mailhygiene.compare-fingerprints/1"

__all__ = [
    "BaseSide",
    "Comparison",
    "DomainOverlap",
    "EvidenceHook",
    "FingerprintComparison",
    "MinHashEstimate",
    "StatusOverlap",
    "column_warning",
    "compare_bases",
    "compare_fingerprint_files",
    "compare_fingerprints",
    "compare_inputs",
    "estimate_from_jaccard",
]


# -- values -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BaseSide:
    name: str
    rows: int  # input rows, duplicates and invalid rows included
    unique: int  # distinct dedup keys
    base_id: int | None = None
    checked: bool = False  # statuses beyond syntax are known (contacts.status)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "base_id": self.base_id, "rows": self.rows,
                "unique": self.unique, "checked": self.checked}


@dataclass(frozen=True)
class MinHashEstimate:
    """What a pair of MinHash signatures says about the overlap of two sets of known sizes."""

    num_perm: int
    jaccard: float
    stderr: float  # sqrt(J(1-J)/k), at the estimate
    jaccard_ci95: tuple[float, float]  # Wilson interval on the k matches ~ Binomial(k, J)
    intersection: float
    containment_b_in_a: float | None
    containment_b_in_a_stderr: float | None
    containment_b_in_a_ci95: tuple[float, float] | None
    containment_a_in_b: float | None
    containment_a_in_b_stderr: float | None
    containment_a_in_b_ci95: tuple[float, float] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "minhash_jaccard": self.jaccard,
            "minhash_stderr": self.stderr,
            "minhash_jaccard_ci95": list(self.jaccard_ci95),
            "minhash_intersection": self.intersection,
            "minhash_containment_b_in_a": self.containment_b_in_a,
            "minhash_containment_b_in_a_stderr": self.containment_b_in_a_stderr,
            "minhash_containment_b_in_a_ci95": _opt_list(self.containment_b_in_a_ci95),
            "minhash_containment_a_in_b": self.containment_a_in_b,
            "minhash_containment_a_in_b_stderr": self.containment_a_in_b_stderr,
            "minhash_containment_a_in_b_ci95": _opt_list(self.containment_a_in_b_ci95),
            "minhash_num_perm": self.num_perm,
        }


@dataclass(frozen=True)
class StatusOverlap:
    status: str  # A's status of the key ("unchecked" when A has no status for it)
    a_unique: int
    in_b: int
    reason: str | None = None  # set in `by_reason` rows

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status}
        if self.reason is not None:
            out["reason"] = self.reason
        out.update(a_unique=self.a_unique, in_b=self.in_b,
                   share_in_b=_ratio(self.in_b, self.a_unique))
        return out


@dataclass(frozen=True)
class DomainOverlap:
    domain: str  # masked (privacy.mask_address)
    overlap: int
    a_unique: int
    b_unique: int

    def to_json(self) -> dict[str, Any]:
        return {"domain": self.domain, "overlap": self.overlap, "a_unique": self.a_unique,
                "b_unique": self.b_unique}


@dataclass(frozen=True)
class Comparison:
    a: BaseSide
    b: BaseSide
    exact: int  # |A ∩ B| on distinct dedup keys
    estimate: MinHashEstimate | None
    params: MinHashParams | None
    key_id: str | None
    by_status: tuple[StatusOverlap, ...] | None  # None when A has not been checked
    by_reason: tuple[StatusOverlap, ...] | None  # the same split by (status, reason)
    by_domain: tuple[DomainOverlap, ...]
    evidence: Mapping[str, Any] | None = None  # issue 8 attaches its section here
    warnings: tuple[str, ...] = ()  # e.g. a side whose column holds few addresses

    @property
    def containment_b_in_a(self) -> float | None:
        return _ratio(self.exact, self.b.unique)

    @property
    def containment_a_in_b(self) -> float | None:
        return _ratio(self.exact, self.a.unique)

    @property
    def jaccard(self) -> float | None:
        return _ratio(self.exact, self.a.unique + self.b.unique - self.exact)

    def to_json(self) -> dict[str, Any]:
        overlap: dict[str, Any] = {
            "exact": self.exact,
            "containment_b_in_a": self.containment_b_in_a,
            "containment_a_in_b": self.containment_a_in_b,
            "jaccard": self.jaccard,
        }
        overlap.update(_estimate_json(self.estimate))
        j = self.jaccard
        overlap["minhash_error"] = (None if self.estimate is None or j is None
                                    else self.estimate.jaccard - j)
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "overlap": overlap,
            "by_status": (None if self.by_status is None
                          else [s.to_json() for s in self.by_status]),
            "by_reason": (None if self.by_reason is None
                          else [s.to_json() for s in self.by_reason]),
            "by_domain": [d.to_json() for d in self.by_domain],
            "minhash": _params_json(self.params, self.key_id),
        }
        out["warnings"] = list(self.warnings)
        if self.evidence is not None:
            out["evidence"] = dict(self.evidence)
        return out


@dataclass(frozen=True)
class FingerprintComparison:
    """Two fingerprints compared: estimates only, no address involved."""

    a: BaseSide
    b: BaseSide
    estimate: MinHashEstimate | None  # None when a side is empty
    params: MinHashParams
    key_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_FINGERPRINTS,
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "overlap": _estimate_json(self.estimate),
            "minhash": _params_json(self.params, self.key_id),
        }


def _estimate_json(e: MinHashEstimate | None) -> dict[str, Any]:
    if e is not None:
        return e.to_json()
    keys = MinHashEstimate(0, 0.0, 0.0, (0.0, 0.0), 0.0, *([None] * 6)).to_json()
    return dict.fromkeys(keys)


def _params_json(p: MinHashParams | None, key_id: str | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"num_perm": p.num_perm, "seed": p.seed, "scheme": p.scheme, "key_id": key_id}


def _ratio(n: int | float, d: int | float) -> float | None:
    return None if d == 0 else n / d


def _opt_list(t: tuple[float, float] | None) -> list[float] | None:
    return None if t is None else list(t)


# -- pure statistics ----------------------------------------------------------------------------
def wilson(matches: int, k: int, z: float = WILSON_Z) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (bounded, sensible at 0 and k)."""
    if k <= 0:
        return (0.0, 1.0)
    p = matches / k
    den = 1 + z * z / k
    mid = (p + z * z / (2 * k)) / den
    half = z * math.sqrt(p * (1 - p) / k + z * z / (4 * k * k)) / den
    lo = 0.0 if matches <= 0 else max(0.0, mid - half)
    hi = 1.0 if matches >= k else min(1.0, mid + half)
    return (lo, hi)


def estimate_from_jaccard(jaccard: float, num_perm: int, size_a: int,
                          size_b: int) -> MinHashEstimate:
    """Intersection and containments implied by a MinHash Jaccard estimate and the set sizes.

    |A ∩ B| = J/(1+J) (|A|+|B|), capped at min(|A|, |B|); d|A ∩ B|/dJ = (|A|+|B|)/(1+J)^2
    carries the standard error over (delta method); intervals map the Jaccard interval through
    the same increasing function."""
    k = num_perm
    se = math.sqrt(jaccard * (1 - jaccard) / k)
    ci = wilson(round(jaccard * k), k)
    total = size_a + size_b
    cap = min(size_a, size_b)

    def inter(j: float) -> float:
        return min(float(cap), j / (1 + j) * total)

    d_inter = total / (1 + jaccard) ** 2 * se

    def contain(size: int) -> tuple[float | None, float | None, tuple[float, float] | None]:
        if size == 0:
            return None, None, None
        return (inter(jaccard) / size, d_inter / size,
                (inter(ci[0]) / size, inter(ci[1]) / size))

    cb, cb_se, cb_ci = contain(size_b)
    ca, ca_se, ca_ci = contain(size_a)
    return MinHashEstimate(num_perm=k, jaccard=jaccard, stderr=se, jaccard_ci95=ci,
                           intersection=inter(jaccard), containment_b_in_a=cb,
                           containment_b_in_a_stderr=cb_se, containment_b_in_a_ci95=cb_ci,
                           containment_a_in_b=ca, containment_a_in_b_stderr=ca_se,
                           containment_a_in_b_ci95=ca_ci)


def estimate_pair(fa: Fingerprint, fb: Fingerprint) -> MinHashEstimate | None:
    """datasketch's Jaccard of two compatible fingerprints, with sizes. None when a side is
    empty (an empty MinHash equals another empty one: its Jaccard means nothing)."""
    if fa.size == 0 or fb.size == 0:
        return None
    j = float(fa.minhash().jaccard(fb.minhash()))
    return estimate_from_jaccard(j, fa.params.num_perm, fa.size, fb.size)


# -- library entry points -----------------------------------------------------------------------
def compare_bases(store: Store, a_base_id: int, b_base_id: int, *, key: HmacKey | None = None,
                  params: MinHashParams = DEFAULT_PARAMS,
                  top_domains: int = COMPARE_TOP_DOMAINS) -> Comparison:
    """Exact overlap of two stored bases, broken down by A's status and by domain, plus the
    MinHash estimate from their fingerprints when a key is given (computed and saved in
    `fingerprints` if missing)."""
    names = []
    for base_id in (a_base_id, b_base_id):
        name = fpsql.base_name(store, base_id)
        if name is None:
            raise InputError(f"no stored base with id {base_id}")
        names.append(name)
    n = fpsql.exact_counts(store, a_base_id, b_base_id, top_domains)
    a = BaseSide(name=names[0], rows=n.rows[0], unique=n.unique[0], base_id=a_base_id,
                 checked=n.checked[0])
    b = BaseSide(name=names[1], rows=n.rows[1], unique=n.unique[1], base_id=b_base_id,
                 checked=n.checked[1])
    by_status = by_reason = None
    if a.checked:
        by_reason = tuple(StatusOverlap(s, k, m, reason=r) for s, r, k, m in n.by_status)
        totals: dict[str, list[int]] = {}
        for s, _r, k, m in n.by_status:
            t = totals.setdefault(s, [0, 0])
            t[0] += k
            t[1] += m
        by_status = tuple(StatusOverlap(s, k, m) for s, (k, m)
                          in sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0])))
    shown = distinct_masks([d for d, *_ in n.by_domain])
    by_domain = tuple(DomainOverlap(m, k, na, nb)
                      for m, (_, k, na, nb) in zip(shown, n.by_domain, strict=True))
    estimate = None
    if key is not None:
        fa = fingerprint_base(store, a_base_id, key, params=params)
        fb = fingerprint_base(store, b_base_id, key, params=params)
        estimate = estimate_pair(fa, fb)
    warnings = tuple(w for side, base_id in (("A", a_base_id), ("B", b_base_id))
                     if (w := column_warning(side, *fpsql.address_cells(store, base_id))))
    same = same_content_warning(store, a_base_id, b_base_id)
    warnings += (same,) if same else ()
    return Comparison(a=a, b=b, exact=n.overlap, estimate=estimate,
                      params=params if key is not None else None,
                      key_id=None if key is None else key.key_id,
                      by_status=by_status, by_reason=by_reason, by_domain=by_domain,
                      warnings=warnings)


def same_content_warning(store: Store, a_base_id: int, b_base_id: int) -> str | None:
    """A and B read from files of the same bytes (the same file given twice, or a copy): the
    comparison is of a base with itself, which a typo in a command line easily makes."""
    if a_base_id == b_base_id:
        return "A and B are the same stored base: the comparison is of a base with itself"
    digests = store.fetchall("SELECT base_id, sha256 FROM bases WHERE base_id IN (?, ?)",
                             [a_base_id, b_base_id])
    values = {d for _, d in digests}
    if len(digests) == 2 and len(values) == 1 and None not in values:
        return ("A and B were read from files with the same content (SHA-256 "
                f"{next(iter(values))[:16]}...): the comparison is of a base with itself")
    return None


def column_warning(side: str, cells: int, addresses: int) -> str | None:
    """A side whose address column holds mostly something else (dates, names, a wrong
    --a-column): its "overlap" would be one of those values, and shared malformed values read
    as errors a copy shares, i.e. as evidence of copying. None when most cells are
    addresses."""
    if cells and addresses < COLUMN_MIN_ADDRESS_SHARE * cells:
        return (f"{side}'s address column holds few addresses ({addresses:,} of "
                f"{counted(cells, 'non-empty cell', 'non-empty cells')}, "
                f"{addresses / cells:.0%}): is it the right column? "
                f"(--{side.lower()}-column); the overlap and the evidence compare those cells")
    return None


# Below this share of addresses among a side's non-empty cells, `compare` warns (column_warning).
COLUMN_MIN_ADDRESS_SHARE = 0.5

EvidenceHook = Callable[[Store, int, int], Mapping[str, Any]]


def compare_inputs(store: Store, a: str, b: str, *, key: HmacKey | None,
                   params: MinHashParams = DEFAULT_PARAMS, column: str | None = None,
                   column_b: str | None = None, top_domains: int = COMPARE_TOP_DOMAINS,
                   evidence: EvidenceHook | None = None) -> Comparison:
    """`mailhygiene compare A B`: A and B are files (imported, or reused when already
    imported) or stored base names; `column` names the address column of A when it is a file,
    `column_b` that of B (None: detected). `evidence(store, a_base_id, b_base_id)`, when given,
    returns the `evidence` section (issue 8), attached to the result."""
    pa, pb = Path(a), Path(b)
    if pa.is_file() and pb.is_file() and pa.resolve() != pb.resolve():
        from mailhygiene.pipeline import import_pair

        ra, rb = import_pair(store, pa, pb, column=column, column_b=column_b)
        a_id, b_id = ra.base_id, rb.base_id
    else:
        a_id, _ = resolve_base(store, a, column=column)
        b_id, _ = resolve_base(store, b, column=column_b)
    c = compare_bases(store, a_id, b_id, key=key, params=params, top_domains=top_domains)
    if evidence is not None:
        c = replace(c, evidence=evidence(store, a_id, b_id))
    return c


def compare_fingerprints(fa: Fingerprint, fb: Fingerprint,
                         labels: tuple[str, str] | None = None) -> FingerprintComparison:
    """`labels` name A and B in a refusal (default: the fingerprints' names)."""
    what_a, what_b = labels or (f"fingerprint {fa.name!r}", f"fingerprint {fb.name!r}")
    check_pair_compatible(fa, fb, what_a, what_b)
    return FingerprintComparison(
        a=BaseSide(name=fa.name, rows=fa.rows, unique=fa.size, base_id=fa.base_id),
        b=BaseSide(name=fb.name, rows=fb.rows, unique=fb.size, base_id=fb.base_id),
        estimate=estimate_pair(fa, fb), params=fa.params, key_id=fa.key_id)


def compare_fingerprint_files(path_a: str | Path, path_b: str | Path) -> FingerprintComparison:
    """`compare --fingerprints-only`: two exported fingerprint files, no store, no key needed
    (both files must carry the same key id and parameters)."""
    return compare_fingerprints(load_fingerprint_file(path_a), load_fingerprint_file(path_b),
                                (f"fingerprint file {path_a}", f"fingerprint file {path_b}"))
