"""Which stored bases resemble a new one? (issue 7, `mailhygiene search`)

Every stored fingerprint with the same key and MinHash parameters (computed from stored bases or
imported from files) is put into a datasketch `MinHashLSHEnsemble`, an LSH index built for
containment queries (Zhu et al., VLDB 2016). The index is rebuilt from the `fingerprints` table
on each search: nothing has to be maintained when a base is added (a stored base that has no
fingerprint for the current key is fingerprinted first, once). The query returns candidates
whose containment of the input (|input ∩ base| / |input|) is probably above `threshold`; each
candidate is then scored by the containment estimated from its MinHash Jaccard and the two
sizes, and ranked.

Cost: building the ensemble costs about 10 ms per stored fingerprint with num_perm=256
(measured: 2,000 signatures in 19 s on the 2-core dev machine), a query a few ms. So the index
pays off only when it is kept; rebuilt per search, a linear scan of every signature
(`exhaustive=True`, `--exhaustive`) is cheaper for a store of a few hundred bases and never
misses a base.

The input is a query, not a reference base: a file that is not stored yet is imported only for
the search and dropped again before `search_input` returns (with the fingerprint made of it), so
a later search does not list it as a hit; `store info` does not show it. A file already stored
(the same bytes and options, imported on purpose by `check`, `fingerprint` or `compare`) is used
as it is and kept. Dropping rather than marking keeps one meaning for a stored base: something
imported on purpose, searched, compared, listed and dropped like any other.

What it can do: triage many bases by signatures alone (no address), find bases that hold a
sizeable share of the input even when sizes differ by orders of magnitude.
What it cannot do: give exact counts (use `compare`); find bases below the threshold (LSH is
probabilistic: a base near the threshold can be missed, one below it can appear, and its score
then says so); compare fingerprints made with another key or other parameters (they are
skipped, and counted in the result); estimates of small containments when the base is much
larger than the input are coarse (the Jaccard is then tiny, within a few 1/num_perm of 0).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from datasketch import MinHashLSHEnsemble

from mailhygiene.compare import estimate_from_jaccard
from mailhygiene.config import SEARCH_THRESHOLD, SEARCH_TOP
from mailhygiene.fingerprint import (
    DEFAULT_PARAMS,
    Fingerprint,
    MinHashParams,
    check_compatible,
    fingerprint_base,
    fingerprint_from_row,
    load_fingerprint_file,
    resolve_base,
)
from mailhygiene.keys import HmacKey
from mailhygiene.store import Store, admin
from mailhygiene.store import fingerprints as fpsql

__all__ = ["SearchHit", "SearchResult", "search_bases", "search_input"]


@dataclass(frozen=True)
class SearchHit:
    name: str
    base_id: int | None  # None for an imported fingerprint
    source: str  # computed / imported
    size: int
    jaccard: float
    containment: float  # estimated |input ∩ base| / |input|
    containment_stderr: float
    # compare's interval for the same estimate (the Jaccard's Wilson interval mapped through
    # the containment formula): the plug-in error above is 0 at 0% and 100%.
    containment_ci95: tuple[float, float]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "base_id": self.base_id, "source": self.source,
                "size": self.size, "minhash_jaccard": self.jaccard,
                "containment_of_input": self.containment,
                "containment_of_input_stderr": self.containment_stderr,
                "containment_of_input_ci95": list(self.containment_ci95)}


@dataclass(frozen=True)
class SearchResult:
    query: str
    query_size: int
    indexed: int  # fingerprints in the index
    skipped: int  # stored fingerprints with another key or other parameters
    candidates: int  # returned by the LSH Ensemble (or all, when exhaustive) before ranking
    threshold: float
    hits: tuple[SearchHit, ...]
    computed: int = 0  # stored bases fingerprinted for this search (had none for this key)
    exhaustive: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"schema": "mailhygiene.search/1", "query": self.query,
                "query_size": self.query_size, "indexed": self.indexed,
                "skipped": self.skipped, "candidates": self.candidates,
                "computed": self.computed, "exhaustive": self.exhaustive,
                "threshold": self.threshold, "hits": [h.to_json() for h in self.hits]}


def search_bases(store: Store, query: Fingerprint, key: HmacKey, *, top: int = SEARCH_TOP,
                 threshold: float = SEARCH_THRESHOLD, params: MinHashParams = DEFAULT_PARAMS,
                 exhaustive: bool = False) -> SearchResult:
    """Ranks stored fingerprints by estimated containment of `query` (the query's own base,
    when stored, is left out). `exhaustive` scores every fingerprint instead of the LSH
    Ensemble's candidates (and then keeps those with an estimate >= threshold)."""
    rows = fpsql.all_fingerprints(store, num_perm=params.num_perm, seed=params.seed,
                                  scheme=params.scheme, key_id=key.key_id)
    total, _ = fpsql.count_fingerprints(store)
    stored = [fingerprint_from_row(r) for r in rows]
    pool = {i: fp for i, fp in enumerate(stored)
            if fp.size > 0 and not (query.base_id is not None and fp.base_id == query.base_id)}
    hits: list[SearchHit] = []
    candidates: set[int] = set()
    if pool and query.size > 0:
        qmh = query.minhash()
        if exhaustive:
            candidates = set(pool)
        else:
            # num_part 8 (size partitions): fewer than datasketch's 16 halves the build time.
            lsh = MinHashLSHEnsemble(threshold=threshold, num_perm=params.num_perm,
                                     num_part=min(8, len(pool)))
            lsh.index([(i, fp.minhash(), fp.size) for i, fp in pool.items()])
            candidates = set(lsh.query(qmh, query.size))
        for i in candidates:
            fp = pool[i]
            j = float(qmh.jaccard(fp.minhash()))
            # "a" = the input: containment of the input in the base is |A ∩ B| / |A|.
            est = estimate_from_jaccard(j, params.num_perm, query.size, fp.size)
            hits.append(SearchHit(name=fp.name, base_id=fp.base_id, source=fp.source,
                                  size=fp.size, jaccard=j,
                                  containment=est.containment_a_in_b or 0.0,
                                  containment_stderr=est.containment_a_in_b_stderr or 0.0,
                                  containment_ci95=est.containment_a_in_b_ci95 or (0.0, 1.0)))
    if exhaustive:
        hits = [h for h in hits if h.containment >= threshold]
    hits.sort(key=lambda h: (-h.containment, h.name))
    return SearchResult(query=query.name, query_size=query.size, indexed=len(pool),
                        skipped=total - len(rows), candidates=len(candidates),
                        threshold=threshold, hits=tuple(hits[:top]), exhaustive=exhaustive)


def search_input(store: Store, spec: str, key: HmacKey, *, top: int = SEARCH_TOP,
                 threshold: float = SEARCH_THRESHOLD, params: MinHashParams = DEFAULT_PARAMS,
                 column: str | None = None, exhaustive: bool = False) -> SearchResult:
    """`mailhygiene search INPUT`: INPUT is a fingerprint file (*.json), a contact file or a
    stored base name. Stored bases without a fingerprint for this key and these parameters are
    fingerprinted first (once; saved), so every stored base is ranked. A contact file that is
    not stored yet is imported for the search only: its base is dropped before returning, so
    the query never becomes one of the bases later searches rank."""
    missing = fpsql.bases_without_fingerprint(store, num_perm=params.num_perm, seed=params.seed,
                                              scheme=params.scheme, key_id=key.key_id)
    for base_id in missing:
        fingerprint_base(store, base_id, key, params=params)
    if spec.lower().endswith(".json"):
        query = load_fingerprint_file(spec)
        check_compatible(query, key_id=key.key_id, params=params, what=f"fingerprint file {spec}")
        res = search_bases(store, query, key, top=top, threshold=threshold, params=params,
                           exhaustive=exhaustive)
    else:
        with _query_base(store, spec, column) as (base_id, label):
            query = replace(fingerprint_base(store, base_id, key, params=params), name=label)
            res = search_bases(store, query, key, top=top, threshold=threshold, params=params,
                               exhaustive=exhaustive)
    return replace(res, computed=len(missing))


@contextmanager
def _query_base(store: Store, spec: str, column: str | None) -> Iterator[tuple[int, str]]:
    """(base_id, name asked for) of a file or stored base name, for one search: a base this
    import creates is dropped on the way out (with its fingerprint), a stored one is kept."""
    # resolve_base keeps the one rule for reusing a stored import (same bytes and options,
    # preferring a base named after the file): a new base is told by its id, not by
    # re-implementing that rule here.
    stored = {b.base_id for b in admin.bases(store)}
    base_id, label = resolve_base(store, spec, column=column)
    try:
        yield base_id, label
    finally:
        if base_id not in stored:
            admin.drop_bases(store, [base_id])
