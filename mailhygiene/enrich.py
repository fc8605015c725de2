"""Enrichment: role, free-provider and disposable flags, and typo suggestions (issues 4 and 11).

Decisions are pure functions over one local part or one domain (`is_role`, `is_free`,
`is_disposable`, `suggest_domain`). `apply_enrichment` applies them to a whole base in DuckDB:
roles are found by one regex in SQL, domain facts are computed once per DISTINCT domain in
Python, and UPDATEs joined with those domains and with the role rows write flags, statuses and
details.

Status precedence (documented in the README): a risky reason never hides a stronger verdict, so
rows whose status is `invalid`, `do_not_mail` or `duplicate` only gain flags (and a typo
suggestion in `detail` when it is empty). Other rows become `risky` with one reason, chosen as
    possible_typo > disposable > role_account
because a typo means the address is probably not the one the person meant (fix it first), a
disposable address will stop existing soon, and a role box is a real mailbox that merely does not
belong to one person. Risky reasons set by earlier evidence (mailbox_full, soft_bounced from
bounce history or SMTP) are kept.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from disposable_email_domains import allowlist as _disposable_allowlist
from disposable_email_domains import blocklist as _disposable_blocklist

from mailhygiene.history_detail import keep_lifted_sql
from mailhygiene.store.core import merged_flags_sql
from mailhygiene.store.txn import atomic
from mailhygiene.types import TYPO_DETAIL, Flag, Reason, Status

if TYPE_CHECKING:
    from mailhygiene.store import Store

__all__ = [
    "DomainFacts",
    "EnrichStats",
    "apply_enrichment",
    "domain_facts",
    "is_disposable",
    "is_free",
    "is_role",
    "normalize_local",
    "risky_reason",
    "suggest_domain",
]

# Reasons this stage owns: re-running the stage may replace them.
OWN_REASONS = (Reason.POSSIBLE_TYPO, Reason.DISPOSABLE, Reason.ROLE_ACCOUNT)
# Statuses a risky reason must not hide (DESIGN.md: an invalid verdict stays visible).
PROTECTED_STATUSES = (Status.INVALID, Status.DO_NOT_MAIL, Status.DUPLICATE)


def _read_list(name: str) -> frozenset[str]:
    text = resources.files("mailhygiene").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


@functools.cache
def role_local_parts() -> frozenset[str]:
    return _read_list("role_local_parts.txt")


@functools.cache
def free_domains() -> frozenset[str]:
    return _read_list("free_providers.txt")


@functools.cache
def popular_domains() -> frozenset[str]:
    """Typo targets: every free provider plus the legitimate near neighbours listed apart."""
    return free_domains() | _read_list("popular_domains.txt")


# -- pure decisions --------------------------------------------------------------------------


def normalize_local(local: str) -> str:
    """The form role names are compared in: casefolded, +tag dropped, '.', '-' and '_' removed,
    trailing digits removed (info2, no-reply, no_reply and noreply all give the same name)."""
    s = local.casefold().split("+", 1)[0]
    s = s.replace(".", "").replace("-", "").replace("_", "")
    return s.rstrip("0123456789")


def is_role(local: str) -> bool:
    """RFC 2142 role mailboxes and common French/Moroccan department boxes."""
    return normalize_local(local) in role_local_parts()


def _parents(domain: str) -> Iterable[str]:
    labels = domain.split(".")
    for i in range(len(labels) - 1):
        yield ".".join(labels[i:])


def is_disposable(domain: str) -> bool:
    """In the maintained disposable-email-domains blocklist (the domain or a parent domain:
    throwaway services hand out subdomains too), and not in its allowlist."""
    d = domain.lower().rstrip(".")
    if d in _disposable_allowlist:
        return False
    return any(p in _disposable_blocklist for p in _parents(d))


def is_free(domain: str) -> bool:
    return domain.lower().rstrip(".") in free_domains()


# Top-level domains that are real but are also the classic slips for .com (Colombia, Cameroon,
# Oman); a provider name followed by one of these is corrected. Any other real TLD is left
# alone (hotmail.be is a real Microsoft domain even if our list lacked it).
_COM_SLIPS = frozenset({"co", "cm", "om"})
_COMMON_TLDS = frozenset({
    "com", "net", "org", "info", "biz", "edu", "gov", "int", "mil", "eu", "uk", "io", "me",
    "asia", "mobi", "name", "pro", "tel", "travel", "xyz", "online", "site", "app", "dev",
})


@functools.cache
def _known_tlds() -> frozenset[str]:
    """Real TLDs a typed domain may legitimately end with: ISO 3166 country codes (from the
    phonenumbers metadata, which covers every ccTLD in use) plus common generic TLDs."""
    import phonenumbers  # local import: only needed for the TLD table

    cc = {r.lower() for r in phonenumbers.SUPPORTED_REGIONS if len(r) == 2}
    return frozenset(cc | {"uk", "su", "ac"} | _COMMON_TLDS)


def _split(domain: str) -> tuple[str, str]:
    """Provider name (first label) and suffix (the rest: 'fr', 'co.uk')."""
    name, _, suffix = domain.partition(".")
    return name, suffix


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without repeated edits): one
    insertion, deletion, substitution or transposition of adjacent characters costs 1."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        prev2, prev = prev, cur
    return prev[lb]


def _name_budget(target_name: str) -> int:
    """Edits allowed in the provider name: none for short names (sfr, free, aol, gmx: their
    one-edit neighbours are mostly other real domains), one from 5 letters, two from 8."""
    n = len(target_name)
    return 0 if n < 5 else 1 if n < 8 else 2


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


@functools.cache
def _name_index() -> dict[str, frozenset[str]]:
    """Symmetric-delete index (SymSpell): every string reachable by up to two deletions from a
    popular provider name maps to that name, so candidates are found without scanning."""
    index: dict[str, set[str]] = {}
    for dom in popular_domains():
        name, _ = _split(dom)
        for d in _deletes(name, 2):
            index.setdefault(d, set()).add(name)
    return {k: frozenset(v) for k, v in index.items()}


@functools.cache
def _name_lengths() -> tuple[int, int]:
    lengths = [len(_split(d)[0]) for d in popular_domains()]
    return min(lengths), max(lengths)


@functools.cache
def _suffixes_by_name() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for dom in popular_domains():
        name, suffix = _split(dom)
        out.setdefault(name, set()).add(suffix)
    return {k: frozenset(v) for k, v in out.items()}


def _suffix_fix(typed: str, suffixes: frozenset[str]) -> str | None:
    """The provider's suffix the typed one was meant to be, or None. A typed suffix that is
    itself a real TLD is only corrected for the classic .com slips (co, cm, om)."""
    if typed in suffixes:
        return typed
    if typed in _known_tlds() and typed not in _COM_SLIPS:
        return None
    close = sorted(s for s in suffixes if osa_distance(typed, s) <= 1)
    truncated = [s for s in suffixes if s.startswith(typed)]
    if len(truncated) > 1:
        return None  # hotmail.c: .com or .co.uk? do not guess
    if len(truncated) == 1:
        return truncated[0]  # a cut-off suffix: gmail.c, menara.m
    if len(close) == 1:
        return close[0]
    return None  # none or ambiguous (hotmail.f: .fr or .it?)


@functools.cache
def suggest_domain(domain: str) -> str | None:
    """The popular domain `domain` is probably a typo of, or None.

    Conservative by construction: a domain in the popular or free lists is never corrected;
    short provider names (< 5 letters) only get suffix fixes; the name may differ by one edit
    (two from 8 letters) counting a transposition as one edit; a real TLD is not replaced
    except by the classic .com slips; ties between candidates give no suggestion.
    gmial.com -> gmail.com, hotmial.fr -> hotmail.fr, yahooo.fr -> yahoo.fr,
    gmail.con -> gmail.com, menara.m -> menara.ma; ymail.com -> None."""
    d = domain.strip().lower().rstrip(".")
    # Disposable domains are not excluded: the blocklist holds typosquats of providers
    # (gmial.com, hotmial.com), and for those the suggestion is the useful fact.
    if not d or "." not in d or d in popular_domains():
        return None
    name, suffix = _split(d)
    if not name or not suffix:
        return None
    lo, hi = _name_lengths()
    if not lo - 2 <= len(name) <= hi + 2:
        return None  # no provider name within two edits (most company domains)
    suffixes = _suffixes_by_name()
    candidates: set[str] = set()
    for key in _deletes(name, 2):
        candidates |= _name_index().get(key, frozenset())
    best: list[tuple[int, str]] = []
    for target in candidates:
        dist = osa_distance(name, target)
        if dist > _name_budget(target):
            continue
        fixed = _suffix_fix(suffix, suffixes[target])
        if fixed is None:
            continue
        suggestion = f"{target}.{fixed}"
        if suggestion == d:
            continue
        total = dist + (0 if fixed == suffix else 1)
        best.append((total, suggestion))
    if not best:
        return None
    best.sort()
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None  # two equally good corrections: do not guess
    return best[0][1]


@dataclass(frozen=True, slots=True)
class DomainFacts:
    free: bool
    disposable: bool
    suggestion: str | None

    @property
    def any(self) -> bool:
        return self.free or self.disposable or self.suggestion is not None


def domain_facts(domain: str, *, typo: bool = True) -> DomainFacts:
    """`typo=False` skips the typo search (for domains typo_candidates ruled out)."""
    d = domain.lower().rstrip(".")
    return DomainFacts(free=is_free(d), disposable=is_disposable(d),
                       suggestion=suggest_domain(d) if typo else None)


def typo_candidates(store: Store, domains: Sequence[str]) -> set[str]:
    """The domains whose first label is within its edit budget of a provider name by DuckDB's
    damerau_levenshtein: a superset of those suggest_domain can correct (that distance never
    exceeds the OSA distance suggest_domain uses), found in bulk rather than by the Python
    search on every distinct domain of a base."""
    names = sorted(_suffixes_by_name())
    if not domains or not names:
        return set()
    rows = store.execute(
        """SELECT DISTINCT d FROM (
               SELECT d, string_split(rtrim(lower(trim(d)), '.'), '.')[1] AS label
               FROM (SELECT unnest($d::VARCHAR[]) AS d)) AS q,
               (SELECT unnest($n::VARCHAR[]) AS n, unnest($b::INTEGER[]) AS b) AS p
           -- the distance is at least the difference of lengths: a cheap test first (a
           -- CASE, since DuckDB may evaluate both sides of an AND)
           WHERE CASE WHEN abs(length(q.label) - length(p.n)) <= p.b
                      THEN damerau_levenshtein(q.label, p.n) <= p.b ELSE false END""",
        {"d": list(domains), "n": names, "b": [_name_budget(n) for n in names]}).fetchall()
    return {str(r[0]) for r in rows}


def risky_reason(flags: Iterable[Flag]) -> Reason | None:
    """The one risky reason a set of enrichment flags gives (precedence: module docstring)."""
    fs = set(flags)
    if Flag.TYPO in fs:
        return Reason.POSSIBLE_TYPO
    if Flag.DISPOSABLE in fs:
        return Reason.DISPOSABLE
    if Flag.ROLE in fs:
        return Reason.ROLE_ACCOUNT
    return None


def typo_detail(suggestion: str) -> str:
    return TYPO_DETAIL + suggestion


# -- application to a base -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnrichStats:
    rows: int  # contacts rows that gained at least one flag
    distinct_domains: int  # domains examined (each once)
    role: int  # rows flagged, whatever their status
    free: int
    disposable: int
    typo: int
    marked: dict[str, int]  # rows whose status became risky, by reason
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


_SEPARATORS = "[._-]*"  # characters normalize_local removes, any number of them


@functools.cache
def _role_sql() -> str:
    """SQL condition: normalize_local() of contacts.key's local part is a role name (keys are
    already casefolded; syntax-valid keys hold one '@', quoted local parts being invalid). One
    anchored regex, exact rather than a prefilter: the local part up to its first '+' is a role
    name with separators anywhere, then only separators and digits (normalize_local drops
    the separators and the trailing digits). Names normalize_local can never give (a
    separator, '+' or '@' inside, a trailing digit) are left out. Must stay equal to
    normalize_local (tested). The earlier form (a two-letter prefilter, then the
    normalization in string functions joined with the names) ran those functions on nearly
    half the rows of a typical base, and cost about 0.08 s per million rows more."""
    names = sorted(r for r in role_local_parts()
                   if r and not r[-1].isdigit() and not set(r) & set("._-+@"))
    alternatives = "|".join(_SEPARATORS.join(re.escape(ch) for ch in r) for r in names)
    pattern = f"^{_SEPARATORS}(?:{alternatives})[._0-9-]*(?:[+@]|$)".replace("'", "''")
    return f"coalesce(regexp_matches(c.key, '{pattern}'), false)"


def apply_enrichment(store: Store, base_id: int) -> EnrichStats:
    """Adds role/free/disposable/typo flags to `contacts` of `base_id` and sets risky statuses
    (see the module docstring for precedence). Idempotent: running it twice changes nothing.

    No table of every flagged row: rows in a domain with facts are updated by a join with
    those few domains, and only role rows are materialized (row number and domain). Roles
    are applied before the domain reasons, which then replace role_account where they apply
    (possible_typo > disposable > role_account): the same end state as choosing the reason
    per row first. The row figures come from per-domain row counts and the role table
    rather than from a table of every flagged row."""
    t0 = time.perf_counter()
    rows_in: dict[str, int] = dict(store.fetchall(
        "SELECT domain, count(*) FROM contacts WHERE base_id = ? AND domain IS NOT NULL "
        "AND domain <> '' GROUP BY domain", [base_id]))
    typo_possible = typo_candidates(store, list(rows_in))
    facts = {d: f for d in rows_in if (f := domain_facts(d, typo=d in typo_possible)).any}
    risky = {d: f for d, f in facts.items() if f.disposable or f.suggestion is not None}
    own = ", ".join(f"'{r.value}'" for r in OWN_REASONS)
    protected = ", ".join(f"'{s.value}'" for s in PROTECTED_STATUSES)
    overridable = _overridable("contacts", protected, own)
    role_flag = f"'{Flag.ROLE.value}'"
    # Domain facts reach DuckDB as list parameters, unnested in the statement itself (no
    # registered Python objects, no numpy).
    with atomic(store):
        store.execute(
            f"""CREATE OR REPLACE TEMP TABLE _mh_role AS
            SELECT row_no, domain FROM contacts c
            WHERE base_id = ? AND domain IS NOT NULL AND {_role_sql()}""",
            [base_id],
        )
        # Flags of the rows in a domain with facts (most flagged rows, for `free`): the
        # domain's own flags, sorted (disposable < free < typo), merged with earlier flags
        # where there are some. Statuses are set apart, on far fewer rows: DuckDB rewrites
        # every SET column of every matched row.
        store.execute(
            f"""UPDATE contacts SET
              flags = CASE WHEN coalesce(contacts.flags, '') = '' THEN d.flags
                ELSE {merged_flags_sql('contacts.flags', 'd.flags')} END
            FROM (SELECT unnest($fd::VARCHAR[]) AS domain, unnest($ff::VARCHAR[]) AS flags) d
            WHERE contacts.base_id = $base AND contacts.domain = d.domain""",
            {"base": base_id, "fd": list(facts), "ff": [_domain_flags(f) for f in facts.values()]},
        )
        store.execute(
            f"""UPDATE contacts SET
              flags = CASE WHEN coalesce(contacts.flags, '') = '' THEN {role_flag}
                ELSE {merged_flags_sql('contacts.flags', role_flag)} END,
              status = CASE WHEN {overridable}
                            THEN '{Status.RISKY.value}' ELSE contacts.status END,
              reason = CASE WHEN {overridable}
                            THEN '{Reason.ROLE_ACCOUNT.value}' ELSE contacts.reason END,
              evidence = coalesce(contacts.evidence, 'syntax')
            FROM _mh_role r
            WHERE contacts.base_id = ? AND contacts.row_no = r.row_no""",
            [base_id],
        )
        # After the roles: a typo or disposable domain replaces role_account (an own reason).
        # A row made possible_typo gets the suggestion as its detail, over what an earlier
        # stage left there ("MX mx.gmial.com": at the mx level the typo's suggestion was in
        # no detail, and the report's typo table was empty); a verdict that stands keeps its
        # own detail (the report takes such a row's suggestion from its domain).
        store.execute(
            f"""UPDATE contacts SET
              status = CASE WHEN {overridable}
                            THEN '{Status.RISKY.value}' ELSE contacts.status END,
              reason = CASE WHEN {overridable} THEN d.reason ELSE contacts.reason END,
              evidence = coalesce(contacts.evidence, 'syntax'),
              detail = CASE WHEN d.suggestion IS NOT NULL
                             AND (coalesce(contacts.detail, '') = ''
                                  OR contacts.detail LIKE '{TYPO_DETAIL}%' OR {overridable})
                            THEN {keep_lifted_sql("'" + TYPO_DETAIL + "' || d.suggestion",
                                                  'contacts.detail')}
                            ELSE contacts.detail END
            FROM (SELECT unnest($rd::VARCHAR[]) AS domain, unnest($rr::VARCHAR[]) AS reason,
                         unnest($rs::VARCHAR[]) AS suggestion) d
            WHERE contacts.base_id = $base AND contacts.domain = d.domain""",
            {"base": base_id, "rd": list(risky),
             "rr": [_domain_reason(f) for f in risky.values()],
             "rs": [f.suggestion for f in risky.values()]},
        )
    role = store.fetchone(
        "SELECT count(*), count(d.domain) FROM _mh_role r "
        "LEFT JOIN (SELECT unnest(?::VARCHAR[]) AS domain) d ON d.domain = r.domain",
        [list(facts)])
    marked = dict(
        store.fetchall(
            "SELECT reason, count(*) FROM contacts WHERE base_id = ? AND status = ? "
            f"AND reason IN ({own}) GROUP BY reason ORDER BY reason",
            [base_id, Status.RISKY.value],
        )
    )
    store.execute("DROP TABLE IF EXISTS _mh_role")
    assert role is not None
    roles, roles_in_fact_domains = int(role[0]), int(role[1])

    def rows_where(test: Callable[[DomainFacts], bool]) -> int:
        return sum(rows_in[d] for d, f in facts.items() if test(f))

    return EnrichStats(
        rows=rows_where(lambda f: True) + roles - roles_in_fact_domains,
        distinct_domains=len(rows_in), role=roles,
        free=rows_where(lambda f: f.free), disposable=rows_where(lambda f: f.disposable),
        typo=rows_where(lambda f: f.suggestion is not None),
        marked={str(k): int(v) for k, v in marked.items()},
        seconds=time.perf_counter() - t0,
    )


def _domain_flag_set(f: DomainFacts) -> list[Flag]:
    """The flags a domain gives every row in it (role is a fact of the row)."""
    return [flag for flag, on in ((Flag.DISPOSABLE, f.disposable), (Flag.FREE, f.free),
                                  (Flag.TYPO, f.suggestion is not None)) if on]


def _domain_reason(f: DomainFacts) -> str:
    """The risky reason of a disposable or typo domain (precedence: risky_reason)."""
    reason = risky_reason(_domain_flag_set(f))
    assert reason is not None  # asked only for disposable or typo domains
    return reason.value


def _domain_flags(f: DomainFacts) -> str:
    """The flags a domain gives its rows, in sorted order (the order contacts.flags keeps)."""
    return ",".join(sorted(flag.value for flag in _domain_flag_set(f)))


def _overridable(tbl: str, protected: str, own: str) -> str:
    """Rows whose status a risky reason may set: not protected, and not already risky for a
    reason from stronger evidence (history/SMTP); NULL (not yet classified) counts as free."""
    return (
        f"(coalesce({tbl}.status, '') NOT IN ({protected}) AND NOT "
        f"(coalesce({tbl}.status, '') = '{Status.RISKY.value}' "
        f"AND coalesce({tbl}.reason, '') NOT IN ({own})))"
    )
