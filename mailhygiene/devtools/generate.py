"""Seeded generator of a realistic contact base like the one in the dispute that shaped this
tool: ~140,000 rows with company / name / phone / fax / city / date-added columns, duplicates
with case and whitespace variants, typos of popular domains, dead domains, role addresses,
Moroccan and French domains, some mojibake and malformed cells. Also the DNS records that make
its domains resolvable on a local test resolver. Deterministic for a given seed."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

FIRST = [
    "mohamed", "ahmed", "youssef", "fatima", "khadija", "amina", "said", "rachid", "hassan",
    "karim", "nadia", "samira", "omar", "ali", "hamza", "salma", "imane", "meryem", "zineb",
    "yassine", "mehdi", "anas", "soufiane", "ilyas", "hajar", "jean", "pierre", "marie",
    "sophie", "nicolas", "julien", "camille", "thomas", "claire", "laurent", "isabelle",
    "philippe", "nathalie", "francois", "celine", "antoine", "emilie", "olivier", "sandrine",
    "abdelkader", "abdellah", "mustapha", "driss", "jamal", "latifa", "naima", "malika",
    "laila", "houda"
]
LAST = [
    "alaoui", "benali", "idrissi", "el", "amrani", "bennani", "tazi", "berrada", "chraibi",
    "fassi", "lahlou", "benjelloun", "squalli", "kettani", "ouazzani", "sqalli", "naciri",
    "zniber", "belhaj", "cherkaoui", "martin", "bernard", "dubois", "thomas", "robert",
    "richard", "petit", "durand", "leroy", "moreau", "simon", "laurent", "lefebvre", "michel",
    "garcia", "david", "bertrand", "roux", "vincent", "fournier", "mercier", "el", "idrissi",
    "ait", "ali", "ouali", "haddad", "mansouri", "bouzid", "amrani", "tahiri"
]
CITIES = [
    "Casablanca", "Rabat", "Marrakech", "Fès", "Tanger", "Agadir", "Meknès", "Oujda", "Kénitra",
    "Tétouan", "Salé", "Mohammedia", "El", "Jadida", "Paris", "Lyon", "Marseille", "Toulouse",
    "Lille", "Bordeaux", "Nantes"
]
SECTORS = [
    "immo", "transport", "textile", "agro", "conseil", "info", "tech", "btp", "pharma", "auto",
    "hotel", "voyages", "industrie", "distribution", "services", "logistique", "energie",
    "medical", "finance", "assur", "import", "export", "negoce", "mobilier", "plastique",
    "chimie", "emballage"
]
FREEMAIL = (("gmail.com", 30), ("hotmail.com", 8), ("hotmail.fr", 8), ("yahoo.fr", 8),
            ("yahoo.com", 5), ("outlook.fr", 3), ("outlook.com", 3), ("menara.ma", 5),
            ("live.fr", 3), ("laposte.net", 2), ("orange.fr", 3), ("free.fr", 2),
            ("wanadoo.fr", 2), ("gmx.fr", 1), ("sfr.fr", 1), ("iam.ma", 1))
TYPOS = {"gmail.com": ["gmial.com", "gmail.con", "gmai.com", "gmal.com", "gnail.com"],
         "hotmail.fr": ["hotmial.fr", "hotmail.fe", "hotmal.fr"],
         "hotmail.com": ["hotmial.com", "hotmail.co", "homail.com"],
         "yahoo.fr": ["yaho.fr", "yahooo.fr", "yahoo.ff"],
         "menara.ma": ["menara.m", "menra.ma"],
         "outlook.fr": ["outlok.fr"]}
ROLES = [
    "contact", "info", "commercial", "direction", "rh", "comptabilite", "admin", "ventes",
    "service.client", "secretariat", "support", "marketing"
]


@dataclass
class Universe:
    """Domains and what the local DNS says about them."""

    business: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)  # NXDOMAIN
    null_mx: list[str] = field(default_factory=list)
    a_only: list[str] = field(default_factory=list)

    def dns_records(self, mx_host_count: int = 50) -> list[tuple[str, str, str]]:
        """(name, type, data) records: freemail and business domains with MX on loopback hosts
        (127.0.0.x, demo and tests only), null MX and A-only domains; dead domains absent."""
        recs: list[tuple[str, str, str]] = []
        for i in range(mx_host_count):
            recs.append((f"mx{i}.mail-hosting.test", "A", f"127.0.0.{10 + i % 200}"))
        live = [d for d, _ in FREEMAIL] + self.business
        for j, d in enumerate(live):
            recs.append((d, "MX", f"10 mx{j % mx_host_count}.mail-hosting.test."))
            if j % 7 == 0:
                recs.append((d, "MX", f"20 mx{(j + 1) % mx_host_count}.mail-hosting.test."))
        for d in self.null_mx:
            recs.append((d, "MX", "0 ."))
        for k, d in enumerate(self.a_only):
            recs.append((d, "A", f"127.0.1.{1 + k % 250}"))
        return recs


def make_universe(seed: int, n_business: int = 6000) -> Universe:
    rng = random.Random(seed * 7919 + 1)
    u = Universe()
    seen: set[str] = set()
    while len(u.business) < n_business:
        tld = rng.choices(["ma", "co.ma", "com", "fr", "net.ma"], [40, 15, 25, 15, 5])[0]
        name = rng.choice(SECTORS) + rng.choice(["", "-", ""]) + rng.choice(LAST).replace(" ", "")
        if rng.random() < 0.3:
            name += str(rng.randint(1, 99))
        d = f"{name}.{tld}"
        if d not in seen:
            seen.add(d)
            u.business.append(d)
    # Some companies closed since the base was collected: dead, null-MX or web-only domains.
    rng.shuffle(u.business)
    cut = len(u.business) // 10
    u.dead = u.business[:cut]
    u.null_mx = u.business[cut : cut + cut // 10]
    u.a_only = u.business[cut + cut // 10 : cut + cut // 5]
    u.business = u.business[cut + cut // 5 :]
    return u


def _zipf_pick(rng: random.Random, items: list[str]) -> str:
    # Business domains are Zipf-like: a few big companies, a long tail of small ones.
    i = int(rng.paretovariate(0.7) * 3) - 3
    return items[i % len(items)]


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def _local(rng: random.Random, first: str, last: str) -> str:
    last = last.replace(" ", rng.choice(["", "-", "."]))
    r = rng.random()
    if r < 0.25:
        return f"{first}.{last}"
    if r < 0.35:
        return f"{first}.{last}{rng.randint(1, 99)}"
    if r < 0.5:
        return f"{first[0]}.{last}"
    if r < 0.6:
        return f"{first}{last}{rng.randint(1, 999)}"
    if r < 0.7:
        return f"{last}.{first}"
    if r < 0.8:
        return f"{first}_{last}"
    return f"{first}{rng.choice(['', '.', '_'])}{last[:3]}{rng.randint(1960, 2005)}"


def address_stream(n: int, seed: int, universe: Universe | None = None) -> Iterator[str]:
    """n addresses (with repeats) shaped like a real base; no malformed ones."""
    rng = random.Random(seed)
    u = universe or make_universe(seed)
    free_names = [d for d, _ in FREEMAIL]
    free_w = [w for _, w in FREEMAIL]
    all_biz = u.business + u.dead + u.null_mx + u.a_only
    for _ in range(n):
        first, last = _person(rng)
        if rng.random() < 0.55:
            dom = rng.choices(free_names, free_w)[0]
            if dom in TYPOS and rng.random() < 0.04:
                dom = rng.choice(TYPOS[dom])
            local = _local(rng, first, last)
        else:
            dom = _zipf_pick(rng, all_biz) if rng.random() < 0.6 else rng.choice(all_biz)
            local = rng.choice(ROLES) if rng.random() < 0.15 else _local(rng, first, last)
        yield f"{local}@{dom}"


def _mojibake(s: str) -> str:
    try:
        return s.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:
        return s


def _phone(rng: random.Random, fax: bool) -> str:
    r = rng.random()
    bad = 0.35 if fax else 0.15
    if r < 0.05:
        return ""
    if r < 0.05 + bad:
        return rng.choice([
            f"0{rng.randint(5, 7)}{rng.randint(100, 9999)}",             # too short
            f"+212 {rng.randint(5, 7)}{rng.randint(10**9, 10**10 - 1)}",  # too long
            "n/a", "00000000", f"01 {rng.randint(10, 99)} {rng.randint(10, 99)}",
            f"+212 4{rng.randint(10**7, 10**8 - 1)}",                    # invalid for region
        ])
    digits = f"{rng.choice(['5', '6', '7'] if not fax else ['5'])}{rng.randint(10**7, 10**8 - 1)}"
    style = rng.random()
    if rng.random() < 0.2:  # French numbers
        d = f"{rng.choice(['1', '6', '7'])}{rng.randint(10**7, 10**8 - 1)}"
        return f"+33 {d[0]} {d[1:3]} {d[3:5]} {d[5:7]} {d[7:9]}" if style < 0.5 else f"0{d}"
    if style < 0.3:
        return f"0{digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:7]} {digits[7:9]}"
    if style < 0.5:
        return f"+212 {digits[0]}{digits[1:3]}-{digits[3:9]}"
    if style < 0.65:
        return f"00212{digits}"
    if style < 0.8:
        return f"0{digits[0]}.{digits[1:3]}.{digits[3:5]}.{digits[5:7]}.{digits[7:9]}"
    return f"(+212) {digits}"


def generate_rows(rows: int, seed: int, universe: Universe | None = None,
                  start: date = date(2012, 1, 1)) -> Iterator[list[str]]:
    rng = random.Random(seed + 1)
    u = universe or make_universe(seed)
    addrs = address_stream(rows, seed, u)
    history: list[list[str]] = []
    day = start
    for _ in range(rows):
        if history and rng.random() < 0.08:
            # Duplicate of an earlier contact: re-entered with case/whitespace variants.
            prev = list(rng.choice(history))
            v = rng.random()
            prev[3] = (prev[3].upper() if v < 0.3 else f" {prev[3]}" if v < 0.5
                       else prev[3].capitalize() if v < 0.8 else f"{prev[3]} ")
            day += timedelta(days=rng.random() < 0.05)
            prev[7] = day.isoformat()
            yield prev
            next(addrs)
            continue
        first, last = _person(rng)
        email = next(addrs)
        r = rng.random()
        if r < 0.006:
            email = email.replace("@", "", 1)                     # missing @
        elif r < 0.010:
            email = email.replace("@", "@@", 1)
        elif r < 0.013:
            email = email.replace(".", " ", 1)                    # space inside
        elif r < 0.015:
            email = email + "."
        elif r < 0.017:
            email = email.replace("@", ",", 1)
        elif r < 0.030:
            email = ""                                            # no address given
        elif r < 0.033:
            email = _mojibake(email.replace("e", "é", 1))         # mojibake in the address
        company = f"{rng.choice(SECTORS).capitalize()} {last.title()} SARL"
        city = rng.choice(CITIES)
        if rng.random() < 0.01:
            city = _mojibake(city)
        name = f"{last.upper()} {first.title()}"
        if rng.random() < 0.005:
            name = f"=HYPERLINK(\"x\",\"{name}\")"               # hostile cell from a web form
        day += timedelta(days=rng.random() < 0.02)
        row = [company, name, first.title(), email, _phone(rng, False), _phone(rng, True),
               city, day.isoformat()]
        history.append(row)
        if len(history) > 5000:
            history.pop(rng.randrange(len(history)))
        yield row


HEADER = ["societe", "nom", "prenom", "email", "telephone", "fax", "ville", "date_ajout"]


def write_base(path: Path, rows: int, seed: int, *, delimiter: str = ";",
               encoding: str = "utf-8-sig", universe: Universe | None = None) -> Path:
    """Writes the base as a French-Excel-style CSV (';', UTF-8 with BOM by default)."""
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("w", encoding=encoding, errors="replace", newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        w.writerow(HEADER)
        for row in generate_rows(rows, seed, universe):
            w.writerow(row)
    tmp.replace(path)
    return path


def write_derived(path: Path, base_a: Path, seed: int, *, fraction: float = 0.4,
                  cutoff_share: float = 0.7, own_rows: int = 60_000,
                  invalid_removed: float = 0.5, universe: Universe | None = None) -> str:
    """A base B derived from A, laundered as a copier would: a `fraction` of A's rows from
    before the cut-off (the first `cutoff_share` of A by date), addresses lower-cased, a share of
    the visibly broken ones removed, shuffled, other columns, mixed with B's own collection
    from the same universe of domains. Returns the cut-off date (ISO): A's rows added after it
    were not available to the copier. For the demo and tests; bench/provenance has the full
    ground-truth generator."""
    rng = random.Random(seed)
    with base_a.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))[1:]
    before = rows[: int(len(rows) * cutoff_share)]
    cutoff = before[-1][7]
    before = [r for r in before if r[7] < cutoff]  # whole days only
    taken = [r for r in before if rng.random() < fraction]
    out: list[list[str]] = []
    for r in taken:
        email = r[3].strip().lower()
        if ("@" not in email or " " in email) and rng.random() < invalid_removed:
            continue
        out.append([f"{r[2]} {r[1].split(' ')[0].title()}", email, r[4]])
    own = generate_rows(own_rows, seed + 1000, universe or make_universe(1))
    out += [[f"{r[2]} {r[1].split(' ')[0].title()}", r[3].lower(), r[4]] for r in own]
    rng.shuffle(out)
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["contact", "email", "phone"])
        w.writerows(out)
    tmp.replace(path)
    return cutoff


PHONE_LABELS = ["Fax:", "Tél. ", "TEL ", "fax : ", "Téléphone:", "GSM", "Mobile: ",
                "Tel/Fax: ", "Fixe\t", "n° ", "Tél\u00a0: "]


def phone_cells(rnd: random.Random, n: int, country_codes: list[str]) -> list[str]:
    """Distinct, mostly awkward phone cells for agreement tests of the bulk phone path: every
    prefix form (national, +CC, 00CC, bare CC, (0) trunk marks), lengths from 1 to 19 digits,
    random separators, brackets, spaces and labels."""
    out = []
    for _ in range(n):
        d = "".join(rnd.choice("0123456789") for _ in range(rnd.choice(
            [1, 2, 3, 5, 7, 8, 9, 9, 9, 10, 10, 11, 12, 13, 15, 18, 19])))
        k = rnd.random()
        if k < 0.25:
            s = "0" + d
        elif k < 0.45:
            s = "+" + rnd.choice(country_codes) + d
        elif k < 0.55:
            s = "00" + rnd.choice(country_codes) + d
        elif k < 0.6:
            s = rnd.choice(["+", "00", "+0"]) + d
        elif k < 0.7:
            s = rnd.choice(["212", "33", "0212", "00", "000"]) + d
        elif k < 0.75:
            s = rnd.choice(["+33 (0)", "+212 (0)", "(0)", "0 0"]) + d
        else:
            s = rnd.choice(["05", "06", "07", "01", "09", "08", "04", "02", "03"]) + d[:8]
        t = ""
        for i, ch in enumerate(s):
            if i and rnd.random() < 0.25:
                t += rnd.choice([" ", ".", "-", " ", "  "])
            t += ch
        if rnd.random() < 0.05:
            t = "(" + t
        if rnd.random() < 0.05:
            t = f" {t} "
        if rnd.random() < 0.1:
            t = rnd.choice(PHONE_LABELS) + t
        out.append(t)
    return list(dict.fromkeys(out))
