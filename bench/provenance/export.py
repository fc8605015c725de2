"""Writes a generated world and pair as files (full-size runs go through the store like a
user's compare): A.csv (email, date_added), B.csv (email), A's bounce keys, R.csv."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from bench.provenance.generator import KIND_FREE, KIND_ROLE, PairB, World

FIRST = ("jean", "marie", "pierre", "sophie", "nicolas", "julie", "mohamed", "fatima",
         "youssef", "khadija", "ahmed", "said", "karim", "nadia", "omar", "salma", "hassan",
         "amina", "rachid", "leila", "ali", "samira", "mehdi", "imane", "anas", "hind",
         "thomas", "camille", "lucas", "emma", "hamza", "zineb", "ayoub", "meryem")
LAST = ("dupont", "martin", "bernard", "durand", "moreau", "benali", "elamrani", "alaoui",
        "bennani", "idrissi", "tazi", "chraibi", "berrada", "fassi", "lahlou", "kettani",
        "ziani", "mansouri", "haddad", "boukhari", "saidi", "ouazzani", "naciri", "sebti",
        "petit", "roux", "fontaine", "garnier", "rami", "amrani", "cherkaoui", "benjelloun")
WORDS = ("atlas", "sahara", "medina", "agadir", "tanger", "rabat", "fes", "oasis", "argan",
         "cedre", "olivier", "soleil", "marine", "atelier", "conseil", "immo", "tech", "logis",
         "trans", "agri", "pharma", "textile", "auto", "batiment", "voyage", "cafe", "digital")
FREEMAIL = ("gmail.com", "hotmail.fr", "yahoo.fr", "menara.ma", "outlook.fr", "hotmail.com",
            "gmail.fr", "live.fr", "yahoo.com", "orange.fr")
ROLES = ("contact", "info", "commercial", "direction", "rh", "accueil")
DAY0 = date(2019, 1, 1)


def _unique(cands: list[str], salt: np.ndarray) -> list[str]:
    seen: set[str] = set()
    out = []
    for c, s in zip(cands, salt.tolist(), strict=True):
        v = c
        bump = 0
        while v in seen:
            bump += 1
            local, _, dom = c.partition("@")
            v = f"{local}{(s + bump) % 997}@{dom}"
        seen.add(v)
        out.append(v)
    return out


def address_strings(w: World, seed: int = 0) -> list[str]:
    """One canonical (lower-case) string per id, universe first, then made-up ids."""
    rng = np.random.default_rng(seed)
    n_univ = len(w.kind)
    n_dom = int(w.domain.max()) - 9
    dom_names = _unique([f"{WORDS[a]}-{WORDS[b]}@{('ma', 'fr', 'com')[t]}" for a, b, t in zip(
        rng.integers(0, len(WORDS), n_dom), rng.integers(0, len(WORDS), n_dom),
        rng.integers(0, 3, n_dom), strict=True)], rng.integers(0, 10**6, n_dom))
    dom_names = [d.replace("@", ".") for d in dom_names]
    fi = rng.integers(0, len(FIRST), n_univ)
    la = rng.integers(0, len(LAST), n_univ)
    pat = rng.integers(0, 5, n_univ)
    cands = []
    for i in range(n_univ):
        kd, dm = int(w.kind[i]), int(w.domain[i])
        f, last = FIRST[fi[i]], LAST[la[i]]
        dom = FREEMAIL[dm] if kd == KIND_FREE else dom_names[dm - 10]
        if kd == KIND_ROLE:
            cands.append(f"{ROLES[i % len(ROLES)]}@{dom}")
            continue
        local = (f"{f}.{last}", f"{f[0]}{last}", f"{f}{last}", f"{f}_{last}",
                 f"{f}.{last}{1960 + i % 45}")[pat[i]]
        cands.append(f"{local}@{dom}")
    univ = _unique(cands, rng.integers(0, 10**6, n_univ))
    extra = []
    n_extra = w.n_ids - n_univ
    base = rng.integers(0, n_univ, max(n_extra, 1))
    kinds = rng.integers(0, 6, max(n_extra, 1))
    for j in range(n_extra):
        local, _, dom = univ[base[j]].partition("@")
        k = int(kinds[j])
        if k == 0:
            extra.append(f"{local}{dom}")  # the @ forgotten
        elif k == 1:
            extra.append(f"{local}@{dom.split('.')[0]}")  # no TLD
        elif k == 2:
            extra.append(f"{local}@@{dom}")
        elif k == 3:
            extra.append(f"{local}@{dom[0]}{dom[2]}{dom[1]}{dom[3:]}")  # swapped letters
        else:
            extra.append(f"{local}@{dom.split('.')[0]}x{j}.ma")  # a domain that never was
    return univ + _unique(extra, rng.integers(0, 10**6, max(n_extra, 1)))[:n_extra]


def spelled(addr: str, code: int) -> str:
    """The raw cell: the canonical address or one of its unusual spellings."""
    if code == 0:
        return addr
    local, at, dom = addr.partition("@")
    v = code % 3
    if v == 0:
        return ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + at + dom
    if v == 1:
        return local + at + dom.upper()
    return f" {addr} "


def write_pair(w: World, b: PairB, ref: np.ndarray | None, out: Path,
               strings: list[str] | None = None) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    s = strings or address_strings(w)
    with (out / "A.csv").open("w", newline="", encoding="utf-8") as fh:
        wr = csv.writer(fh)
        wr.writerow(["email", "date_added"])
        for i, d, sp in zip(w.a_id.tolist(), w.a_day.tolist(), w.a_spell.tolist(),
                            strict=True):
            wr.writerow([spelled(s[i], sp), (DAY0 + timedelta(days=d)).isoformat()])
    with (out / "B.csv").open("w", newline="", encoding="utf-8") as fh:
        wr = csv.writer(fh)
        wr.writerow(["email"])
        for i, sp in zip(b.ids.tolist(), b.spell.tolist(), strict=True):
            wr.writerow([spelled(s[i], sp)])
    if ref is not None:
        with (out / "R.csv").open("w", newline="", encoding="utf-8") as fh:
            wr = csv.writer(fh)
            wr.writerow(["email"])
            for i in ref.tolist():
                wr.writerow([s[i]])
    from bench.provenance.generator import CLS_DOMAIN, CLS_MAILBOX
    bounced = [s[i] for i in w.a_id[w.a_cls == CLS_MAILBOX].tolist()]
    dead = [s[i] for i in w.a_id[w.a_cls == CLS_DOMAIN].tolist()]
    return {"bounced": bounced, "dead_domain_addresses": dead}
