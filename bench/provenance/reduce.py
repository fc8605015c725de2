"""Reduces a generated (A, B) pair to the counts `mailhygiene.evidence` weighs, with numpy:
the same reduction `evidence.data.load_counts` does in SQL on stored bases."""

from __future__ import annotations

import numpy as np

from bench.provenance.generator import (
    CLS_OK,
    CUTOFF_DAY,
    KIND_FREE,
    KIND_ROLE,
    PairB,
    World,
)
from mailhygiene.evidence import EvidenceResult, StratumCounts, weigh_arrays
from mailhygiene.evidence.data import AGE_SLICES
from mailhygiene.evidence.model import (
    NearGrowth,
    near_growth,
    pooled_baseline,
    post_gradient,
    slice_position,
)

CLS_NAMES = {0: "ok", 1: "inv_syntax", 2: "inv_domain", 3: "inv_mailbox"}
KIND_NAMES = {0: "role", 1: "freemail", 2: "business"}
ORDER_SAMPLE = 2000


def bulk_mask(day: np.ndarray) -> np.ndarray:
    counts = np.bincount(day)
    med = float(np.median(counts[counts > 0]))
    bulk_days = np.flatnonzero(counts >= max(50.0, 10.0 * med))
    return np.isin(day, bulk_days)


def in_a_mask(w: World, ids: np.ndarray) -> np.ndarray:
    mask = np.zeros(w.n_ids, bool)
    mask[w.a_id] = True
    return mask[ids]


def evaluate_pair(w: World, b: PairB, seed: int = 0, *, baseline: str = "post_cutoff",
                  ref_ids: np.ndarray | None = None) -> EvidenceResult:
    n_ids = w.n_ids
    in_b = np.zeros(n_ids, bool)
    in_b[b.ids] = True
    b_pos = np.zeros(n_ids, np.int64)
    b_pos[b.ids] = np.arange(len(b.ids))
    b_spell = np.zeros(n_ids, np.int64)
    b_spell[b.ids] = b.spell
    a_in = in_b[w.a_id]
    post = w.a_day > CUTOFF_DAY
    bulk = bulk_mask(w.a_day)
    cls, kind = w.a_cls, w.a_kind
    # neighbours: B holds other addresses of the same (non-freemail) domain that A lacks
    n_univ = len(w.kind)
    b_only = b.ids[~in_a_mask(w, b.ids)]
    b_only = b_only[b_only < n_univ]
    covered = np.unique(w.domain[b_only][w.kind[b_only] != KIND_FREE])
    a_univ = w.a_id < n_univ
    a_dom = np.where(a_univ, w.domain[np.minimum(w.a_id, n_univ - 1)], -1)
    seen = a_univ & (kind != KIND_FREE) & np.isin(a_dom, covered)
    cell = (cls * 6 + kind * 2 + seen).astype(np.int64)
    strata: list[StratumCounts] = []
    pre_org = ~post & ~bulk
    post_org = post & ~bulk
    pre_bulk = ~post & bulk

    def counts(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.bincount(cell[mask], minlength=24),
                np.bincount(cell[mask & a_in], minlength=24))

    n0, k0 = counts(pre_org)
    nb, kb = counts(pre_bulk)
    # the near window, as evidence.data._near_window takes it: the newest organic
    # pre-cut-off additions (date, then position), as many as the organic later ones
    near_n = np.zeros(24, np.int64)
    near_k = np.zeros(24, np.int64)
    n_post_org = int(post_org.sum())
    win = np.zeros(w.a_day.shape, bool)
    win_newer = np.zeros(w.a_day.shape, bool)
    if baseline == "post_cutoff" and n_post_org:
        idx = np.flatnonzero(pre_org)
        order = idx[np.lexsort((idx, w.a_day[idx]))][-n_post_org:]
        win[order] = True
        win_newer[order[(len(order) + 1) // 2:]] = True  # as ntile(2) cuts it
        near_n, near_k = counts(win)
    # age slices of the organic pre-cut-off additions, as evidence.data._age_trends cuts them
    slices: dict[int, dict[str, object]] = {}
    if baseline == "post_cutoff":
        idx = np.flatnonzero(pre_org)
        order = idx[np.lexsort((idx, w.a_day[idx]))]
        sl = np.zeros(w.a_day.shape, np.int64)
        sl[order] = np.arange(len(order)) * AGE_SLICES // max(len(order), 1)
        pos = slice_position(AGE_SLICES, int(pre_org.sum()), int(post_org.sum()))
        def per_slice(mask: np.ndarray) -> tuple[int, ...]:
            return tuple(int(v) for v in np.bincount(sl[mask], minlength=AGE_SLICES))

        for i in range(24):
            sel = pre_org & (cell == i)
            if sel.any():
                slices[i] = {"age_n": per_slice(sel), "age_k": per_slice(sel & a_in),
                             "age_post": pos}
    post_factor = 1.0
    growth: NearGrowth | None = None
    if baseline == "post_cutoff":
        # the gradient among A's later additions, as evidence.data.post_halves cuts them
        idx = np.flatnonzero(post_org & (cls == CLS_OK))
        order = idx[np.lexsort((idx, w.a_day[idx]))]
        newer = np.zeros(w.a_day.shape, bool)
        newer[order[(len(order) + 1) // 2:]] = True
        halves: dict[int, list[int]] = {}
        for i in range(24):
            sel = post_org & (cls == CLS_OK) & (cell == i)
            if sel.any():
                halves[i] = [int((sel & ~newer).sum()), int((sel & ~newer & a_in).sum()),
                             int((sel & newer).sum()), int((sel & newer & a_in).sum())]
        by_kind = {str(i): (h[0], h[1], h[2], h[3]) for i, h in halves.items()}
        g = post_gradient(by_kind)
        post_factor = 1.0 if g is None else g.factor
        near_halves: dict[str, tuple[int, int, int, int]] = {}
        for i in range(24):
            sel = win & (cls == CLS_OK) & (cell == i)
            if sel.any():
                near_halves[str(i)] = (
                    int((sel & ~win_newer).sum()), int((sel & ~win_newer & a_in).sum()),
                    int((sel & win_newer).sum()), int((sel & win_newer & a_in).sum()))
        growth = near_growth(by_kind, near_halves, int(near_n.sum()), n_post_org)
    if baseline == "post_cutoff":
        m1, x1 = counts(post_org)
    else:  # reference: B's rate on R minus A, by kind (R is not checked)
        assert ref_ids is not None
        r_only = np.setdiff1d(ref_ids, w.a_id)
        rk = np.where(r_only < len(w.kind), w.kind[np.minimum(r_only, len(w.kind) - 1)],
                      KIND_FREE)
        mk = np.bincount(rk, minlength=3)
        xk = np.bincount(rk[in_b[r_only]], minlength=3)
        m1 = np.tile(np.repeat(mk, 2), 4)
        x1 = np.tile(np.repeat(xk, 2), 4)
    names = {}
    for c in range(4):
        for kd in range(3):
            for sn in range(2):
                names[c * 6 + kd * 2 + sn] = (CLS_NAMES[c], KIND_NAMES[kd] + (
                    "" if kd == KIND_FREE else ("/seen" if sn else "/alone")))
    post_cells: dict[tuple[str, str], tuple[int, int]] = {}
    for i, key in names.items():
        old = post_cells.get(key, (0, 0))
        post_cells[key] = (old[0] + int(m1[i]), old[1] + int(x1[i]))
    for c in range(4):
        for kd in range(3):
            for sn in range(2):
                i = c * 6 + kd * 2 + sn
                mm, xx = pooled_baseline(post_cells, *names[i])
                group = "invalid" if c != CLS_OK else (
                    "personal" if kd == KIND_FREE else "public")
                name = f"{CLS_NAMES[c]}/{KIND_NAMES[kd]}" + (
                    "" if kd == KIND_FREE else ("/seen" if sn else "/alone"))
                for n, k, is_bulk in ((n0[i], k0[i], False), (nb[i], kb[i], True)):
                    if n == 0:
                        continue
                    strata.append(StratumCounts(
                        name + ("/bulk" if is_bulk else ""), group,
                        int(n), int(k), mm, xx, invalid=c != CLS_OK,
                        role=kd == KIND_ROLE,
                        in_lr=not is_bulk and not (baseline != "post_cutoff" and c == CLS_OK),
                        post_factor=post_factor if c == CLS_OK and not is_bulk else 1.0,
                        near_n=0 if is_bulk else int(near_n[i]),
                        near_k=0 if is_bulk else int(near_k[i]),
                        **({} if is_bulk else slices.get(i, {}))))  # type: ignore[arg-type]
    unusual = w.a_spell != 0
    same = b_spell[w.a_id] == w.a_spell
    sh = a_in & unusual
    raw = (int((sh & pre_org).sum()), int((sh & same & pre_org).sum()),
           int((sh & post_org).sum()), int((sh & same & post_org).sum()))
    if baseline != "post_cutoff":
        raw = (raw[0], raw[1], 0, 0)
    rng = np.random.default_rng(seed)

    def positions(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.flatnonzero(mask & a_in)
        if len(idx) > ORDER_SAMPLE:
            idx = rng.choice(idx, ORDER_SAMPLE, replace=False)
        return idx.astype(float), b_pos[w.a_id[idx]].astype(float)

    empty = (np.zeros(0), np.zeros(0))
    return weigh_arrays(strata, raw, positions(pre_org),
                        positions(post_org) if baseline == "post_cutoff" else empty,
                        source=baseline, sorted_files=["B"] if b.sorted_on_key else [],
                        a_post=int(post.sum()) if baseline == "post_cutoff" else 0,
                        near_growth=growth)
