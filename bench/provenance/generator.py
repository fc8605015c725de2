"""Seeded ground-truth worlds for the provenance benchmark (issue 8).

Addresses are integer ids (strings only when a world is written out for a full-size run):
the replicate grid works on arrays. A world holds:
- a universe of real mailboxes: personal freemail, business people on Zipf-sized domains of a
  few sectors, role addresses (contact@, info@...); each with a web visibility (the chance a
  crawler of its page finds it), the page it is published on, the page's spelling (case...),
  and whether it still exists (people leave jobs, domains die);
- a victim base A: sign-up forms (with typos: malformed strings, misspelled domains), A's own
  crawl of a set of pages, a purchased third-party list imported on one day; each entry has a
  date added (insertion order), A's raw spelling, and what A's checks know (syntax and domain
  failures; unknown mailboxes only through A's bounce log);
- a reference crawl R of the public web by another party.
Pairs: independent B (own crawl with its own bias and errors; hard cases: the same pages as A,
the same purchased list, one sector) and derived B (a share f of A at the cut-off, laundered).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NDI = np.ndarray  # shorthand in annotations below
KIND_ROLE, KIND_FREE, KIND_BIZ = 0, 1, 2
CLS_OK, CLS_SYNTAX, CLS_DOMAIN, CLS_MAILBOX = 0, 1, 2, 3
DAYS = 2190  # A collected over six years
CUTOFF_DAY = 1640  # B's author left here: about a quarter of A is added afterwards
N_SECTORS = 8


@dataclass
class World:
    scale: float
    kind: NDI  # per universe id
    sector: NDI
    vis: NDI
    page: NDI
    spell: NDI  # page spelling code (0 = canonical lower case)
    exists: NDI  # mailbox exists (domain alive and person still there)
    dead_domain: NDI
    domain: NDI  # domain id (freemail providers are ids 0..9)
    n_ids: int  # ids >= len(kind) are strings that exist nowhere but where they were made
    # A: one entry per unique key, in insertion order
    a_id: NDI
    a_day: NDI
    a_spell: NDI
    a_cls: NDI  # what A's checks and bounce log know
    a_true_invalid: NDI
    a_kind: NDI
    a_source: NDI  # 0 form, 1 crawl, 2 purchased list
    list_ids: NDI  # the purchased list (with its errors)
    list_day: int
    a_pages: NDI  # pages A crawled


def _zipf_sizes(rng: np.random.Generator, n: int, total: int, s: float = 1.1) -> NDI:
    w = 1.0 / np.arange(1, n + 1) ** s
    w = rng.permutation(w)
    return np.maximum(1, np.round(w / w.sum() * total)).astype(np.int64)


def _pick(rng: np.random.Generator, weights: NDI, k: int) -> NDI:
    """k distinct indices with probability proportional to weights (Gumbel top-k)."""
    k = min(k, int((weights > 0).sum()))
    with np.errstate(divide="ignore"):
        g = np.log(weights) + rng.gumbel(size=len(weights))
    return np.argpartition(-g, k - 1)[:k] if k > 0 else np.zeros(0, np.int64)


def make_world(seed: int, scale: float = 0.1) -> World:
    rng = np.random.default_rng(seed)
    n_free = int(400_000 * scale)
    n_dom = int(15_000 * scale)
    n_bizp = int(300_000 * scale)
    dom_size = _zipf_sizes(rng, n_dom, n_bizp)
    dom_of_person = np.repeat(np.arange(n_dom), dom_size)
    n_bizp = len(dom_of_person)
    dom_sector = rng.integers(0, N_SECTORS, n_dom)
    dom_dead = rng.random(n_dom) < 0.15
    n_role = n_dom + n_dom // 3  # contact@ on every domain, a second role on a third
    role_dom = np.concatenate([np.arange(n_dom), rng.choice(n_dom, n_dom // 3, replace=False)])
    kind = np.concatenate([np.full(n_free, KIND_FREE), np.full(n_bizp, KIND_BIZ),
                           np.full(n_role, KIND_ROLE)])
    domain = np.concatenate([rng.choice(10, n_free, p=_free_shares()), dom_of_person + 10,
                             role_dom + 10])
    n = len(kind)
    sector = np.where(kind == KIND_FREE, rng.integers(0, N_SECTORS, n),
                      dom_sector[np.maximum(domain - 10, 0)])
    vis = np.where(kind == KIND_FREE, rng.beta(0.3, 6.0, n),
                   np.where(kind == KIND_BIZ, rng.beta(0.6, 2.5, n), rng.beta(3.0, 1.5, n)))
    # pages: business addresses sit on their domain's pages, freemail ones on forums/ads
    page = np.where(kind == KIND_FREE, 100_000_000 + rng.integers(0, max(1, n_free // 5), n),
                    domain * 4 + rng.integers(0, 4, n))
    _, page = np.unique(page, return_inverse=True)
    spell = np.where(rng.random(n) < np.where(kind == KIND_FREE, 0.04, 0.09),
                     rng.integers(1, 2**40, n), 0)
    dead_domain = np.where(kind == KIND_FREE, False, dom_dead[np.maximum(domain - 10, 0)])
    left = rng.random(n) < np.where(kind == KIND_FREE, 0.28, np.where(kind == KIND_BIZ, 0.34,
                                                                      0.03))
    exists = ~dead_domain & ~left
    w = World(scale, kind, sector, vis, page, spell, exists, dead_domain, domain, n,
              *([np.zeros(0, np.int64)] * 7), np.zeros(0, np.int64), 0, np.zeros(0, np.int64))
    _make_a(w, rng)
    return w


def _free_shares() -> NDI:
    p = np.array([0.38, 0.14, 0.12, 0.1, 0.08, 0.06, 0.05, 0.03, 0.02, 0.02])
    return p / p.sum()


def _new_ids(w: World, k: int) -> NDI:
    ids = np.arange(w.n_ids, w.n_ids + k)
    w.n_ids += k
    return ids


def _make_a(w: World, rng: np.random.Generator) -> None:
    n_a = int(190_000 * w.scale)  # about 140,000 unique at full size
    n_univ = len(w.kind)
    # sign-up forms: people typing their own address, whoever they are
    n_form = int(n_a * 0.52)
    person = np.flatnonzero(w.kind != KIND_ROLE)
    form = rng.choice(person, n_form, replace=False)
    typo = rng.random(n_form) < 0.09
    typo_syntax = typo & (rng.random(n_form) < 0.45)
    form_ids = np.where(typo, _new_ids(w, n_form), form)
    form_spell = np.where(rng.random(n_form) < 0.14, rng.integers(1, 2**40, n_form), 0)
    form_day = rng.integers(0, DAYS, n_form)
    # A's crawl: a third of all pages, each crawled on one day
    n_pages = int(w.page.max()) + 1
    a_pages = np.flatnonzero(rng.random(n_pages) < 0.3)
    page_day = rng.integers(0, DAYS, n_pages)
    on_a_pages = np.isin(w.page, a_pages)
    found = on_a_pages & (rng.random(n_univ) < w.vis)
    crawl = np.flatnonzero(found)
    n_crawl = int(n_a * 0.38)
    if len(crawl) > n_crawl:
        crawl = rng.choice(crawl, n_crawl, replace=False)
    crawl_day = page_day[w.page[crawl]]
    # a purchased list, imported in one day before the cut-off
    n_list = int(n_a * 0.10)
    lst = _pick(rng, np.sqrt(w.vis) * (w.kind != KIND_ROLE) + 0.02, int(n_list * 0.9))
    list_ids = np.concatenate([lst, _new_ids(w, n_list - len(lst))])  # the seller's errors
    list_day = int(rng.integers(200, CUTOFF_DAY - 200))

    ids = np.concatenate([form_ids, crawl, list_ids])
    day = np.concatenate([form_day, crawl_day, np.full(len(list_ids), list_day)])
    src = np.concatenate([np.zeros(n_form, np.int64), np.ones(len(crawl), np.int64),
                          np.full(len(list_ids), 2)])
    u_spell = np.zeros(len(ids), np.int64)
    u_spell[n_form:] = np.where(ids[n_form:] < n_univ, w.spell[np.minimum(ids[n_form:],
                                                                          n_univ - 1)], 0)
    spell = np.concatenate([form_spell, u_spell[n_form:]])
    syntax_bad = np.concatenate([typo_syntax, np.zeros(len(crawl), bool),
                                 np.zeros(len(list_ids), bool)])
    syntax_bad[n_form + len(crawl):] = (ids[n_form + len(crawl):] >= n_univ) & (
        rng.random(len(list_ids)) < 0.3)
    # dedup on key: first occurrence in date order wins
    order = np.lexsort((rng.random(len(ids)), day))
    ids, day, src, spell, syntax_bad = ids[order], day[order], src[order], spell[order], \
        syntax_bad[order]
    _, first = np.unique(ids, return_index=True)
    first.sort()
    ids, day, src, spell, syntax_bad = ids[first], day[first], src[first], spell[first], \
        syntax_bad[first]
    univ = ids < n_univ
    safe = np.minimum(ids, n_univ - 1)
    kind = np.where(univ, w.kind[safe], np.where(rng.random(len(ids)) < 0.7, KIND_FREE,
                                                KIND_BIZ))
    dead_dom = univ & w.dead_domain[safe]
    no_mailbox = univ & ~w.exists[safe] & ~dead_dom
    cls = np.full(len(ids), CLS_OK)
    cls[~univ] = np.where(syntax_bad[~univ], CLS_SYNTAX, CLS_DOMAIN)
    cls[dead_dom] = CLS_DOMAIN
    bounced = no_mailbox & (rng.random(len(ids)) < 0.85)  # A's bounce log
    cls[bounced] = CLS_MAILBOX
    w.a_id, w.a_day, w.a_spell, w.a_cls = ids, day, spell, cls
    w.a_true_invalid = ~univ | dead_dom | no_mailbox
    w.a_kind, w.a_source = kind, src
    w.list_ids, w.list_day, w.a_pages = list_ids, list_day, a_pages


@dataclass
class PairB:
    ids: NDI  # B's unique ids, in B's row order
    spell: NDI  # B's raw spelling codes
    sorted_on_key: bool
    copied: int  # ground truth: B's addresses taken from A
    label: str
    derived: bool


AGE_GAIN = 1.5  # "aged" crawls: the oldest addresses exp(1.5) = 4.5 times easier to find


def _own_crawl(w: World, rng: np.random.Generator, n: int, *, same_pages: bool = False,
               sector: bool = False, aged: bool = False) -> tuple[NDI, NDI]:
    """B's own collection: public addresses found in proportion to visibility, with B's own
    bias, plus B's own malformed or dead finds. Returns ids in crawl order and spellings.
    `aged`: addresses published earlier are easier to find (A's addresses date from when A
    added them, the others from a day drawn at random), so an independent B overlaps A's
    older additions more than its recent ones."""
    n_univ = len(w.kind)
    weight = w.vis * np.exp(rng.normal(0.0, 0.5, N_SECTORS))[w.sector]
    if aged:
        day = rng.integers(0, DAYS, n_univ)
        in_univ = w.a_id < n_univ
        day[w.a_id[in_univ]] = w.a_day[in_univ]
        weight = weight * np.exp(AGE_GAIN * (1.0 - day / DAYS))
    if same_pages:
        weight = weight * np.where(np.isin(w.page, w.a_pages), 1.0, 0.05)
    if sector:
        fav = rng.choice(N_SECTORS, 2, replace=False)
        weight = weight * np.where(np.isin(w.sector, fav), 25.0, 1.0)
    n_err = int(n * 0.03)
    found = _pick(rng, weight, n - n_err)
    ids = np.concatenate([found, _new_ids(w, n_err)])
    if same_pages:
        # crawling the same site map: pages in the same order as A crawled them
        key = w.page[np.minimum(ids, n_univ - 1)].astype(float) + rng.random(len(ids))
        order = np.argsort(key)
    else:
        order = rng.permutation(len(ids))
    ids = ids[order]
    spell = np.where(ids < n_univ, w.spell[np.minimum(ids, n_univ - 1)], 0)
    return ids, spell


def independent_b(w: World, seed: int, case: str) -> PairB:
    """case: plain | same_pages | shared_list | sector | aged."""
    rng = np.random.default_rng(seed)
    n_b = int(100_000 * w.scale)
    if case == "shared_list":
        own, spell = _own_crawl(w, rng, n_b - len(w.list_ids))
        lst = w.list_ids
        # the seller's file: both buyers got the same spellings
        lspell = np.where(lst < len(w.kind), w.spell[np.minimum(lst, len(w.kind) - 1)], 0)
        ids = np.concatenate([own, lst])
        spell = np.concatenate([spell, lspell])
        perm = rng.permutation(len(ids))
        ids, spell = ids[perm], spell[perm]
    else:
        ids, spell = _own_crawl(w, rng, n_b, same_pages=case == "same_pages",
                                sector=case == "sector", aged=case == "aged")
    if rng.random() < 0.5:
        spell = np.zeros_like(spell)  # B's tool lower-cases everything
    return _finish(ids, spell, rng, sort=False, copied=0, label=f"independent:{case}",
                   derived=False)


def derived_b(w: World, seed: int, f: float, r: float, *, adversarial: bool = False,
              aged: bool = False) -> PairB:
    """A share f of A as it stood at the cut-off, invalid addresses dropped with share r
    (the copier re-checked them), lower-cased or not, shuffled / sorted / kept in order,
    merged into B's own crawl."""
    rng = np.random.default_rng(seed)
    pre = np.flatnonzero(w.a_day <= CUTOFF_DAY)
    take = pre[rng.random(len(pre)) < f]
    keep = ~(w.a_true_invalid[take] & (rng.random(len(take)) < r))
    if adversarial:
        public = (w.a_kind[take] != KIND_FREE) & ~w.a_true_invalid[take]
        keep &= public
    take = take[keep]
    c_ids, c_spell = w.a_id[take], w.a_spell[take]
    n_b = int(100_000 * w.scale)
    own, own_spell = _own_crawl(w, rng, max(n_b - len(take) // 2, n_b // 3), aged=aged)
    lower = rng.random() < 0.6
    # merge preserving each part's order
    slots = np.zeros(len(own) + len(c_ids), bool)
    slots[rng.choice(len(slots), len(c_ids), replace=False)] = True
    ids = np.empty(len(slots), np.int64)
    spell = np.empty(len(slots), np.int64)
    ids[slots], spell[slots] = c_ids, c_spell
    ids[~slots], spell[~slots] = own, own_spell
    if lower:
        spell = np.zeros_like(spell)
    mode = rng.choice(["shuffle", "sort", "keep"], p=[0.4, 0.3, 0.3])
    if mode == "shuffle":
        perm = rng.permutation(len(ids))
        ids, spell = ids[perm], spell[perm]
    label = f"derived:f={f:g}:r={r:g}" + (":adversarial" if adversarial else "") + (
        ":aged" if aged else "")
    return _finish(ids, spell, rng, sort=mode == "sort", copied=len(c_ids),
                   label=label, derived=True)


def _finish(ids: NDI, spell: NDI, rng: np.random.Generator, *, sort: bool, copied: int,
            label: str, derived: bool) -> PairB:
    _, first = np.unique(ids, return_index=True)
    first.sort()
    ids, spell = ids[first], spell[first]
    if sort:
        order = np.argsort(ids)  # stands for sorting on the address text
        ids, spell = ids[order], spell[order]
    return PairB(ids, spell, sort, copied, label, derived)


def reference_crawl(w: World, seed: int) -> NDI:
    rng = np.random.default_rng(seed)
    found, _ = _own_crawl(w, rng, int(120_000 * w.scale))
    return found
