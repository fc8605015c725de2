"""The hygiene report's content, from a `check` run's summary plus a few reads of the base's
rows (typo suggestions, the replies verdicts rest on). Every address shown is masked unless the
caller asks otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mailhygiene import config
from mailhygiene.enrich import suggest_domain
from mailhygiene.history_detail import LIFTED_TAIL_PATTERN, split_lifted
from mailhygiene.privacy import (
    ADDRESS_PATTERN,
    mask_address,
    mask_hosts,
    mask_text,
    shown_domains,
)
from mailhygiene.report.fmt import NumberFormat
from mailhygiene.report.messages import Catalogue
from mailhygiene.report.svg import ACCENT, STATUS_COLOURS, Bar, bar_chart
from mailhygiene.stats import wilson_interval
from mailhygiene.store import Store
from mailhygiene.summary import history_changed
from mailhygiene.types import REASON_STATUS, TYPO_DETAIL

MAX_REASONS_CHART = 16
MAX_TYPO_SUGGESTIONS = 20
TYPO_SAMPLES = 3
MAX_DETAILS_PER_REASON = 3
MAX_DETAIL_ROWS = 30
# The cleaned file's column pointing a duplicate at the first row of its address (output.py).
DUPLICATE_COLUMN = config.OUTPUT_PREFIX + "duplicate_of"


@dataclass(frozen=True, slots=True)
class Figure:
    """One number of the report: `key` names it in the summary, `value` is the raw number
    (kept as a data attribute so a reader or test can check it), `text` what is printed."""

    key: str
    label: str
    value: float | int
    text: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class CountRow:
    key: str
    label: str
    count: int
    share: float | None
    meaning: str = ""
    colour: str = ACCENT


@dataclass(frozen=True, slots=True)
class TypoRow:
    suggestion: str
    typed_domains: list[tuple[str, int]]
    count: int
    samples: list[str]


@dataclass(frozen=True, slots=True)
class DetailRow:
    reason: str
    evidence: str
    detail: str
    count: int


@dataclass
class CheckContent:
    figures: list[Figure] = field(default_factory=list)
    statuses: list[CountRow] = field(default_factory=list)
    reasons: list[CountRow] = field(default_factory=list)
    evidence: list[CountRow] = field(default_factory=list)
    details: list[DetailRow] = field(default_factory=list)
    flags: list[CountRow] = field(default_factory=list)
    typos: list[TypoRow] = field(default_factory=list)
    domains: list[dict[str, Any]] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    status_chart: Any = ""
    reason_chart: Any = ""
    duplicates_text: str = ""
    interval: tuple[Any, Any] = (None, None)
    lead: str = ""
    rows_current: bool = True
    output_columns: list[str] = field(default_factory=list)  # what the cleaned file adds
    only: list[str] = field(default_factory=list)  # statuses kept by --only (empty: all rows)
    output_rows_text: str = ""  # after the number of rows written
    use_text: str = ""  # what the cleaned file keeps and adds
    send_text: str = ""  # what a send list (--only valid,unknown) holds, reason by reason
    domains_note: str = ""  # which domains are masked (empty with --show-addresses)


def _int(x: Any) -> int:
    try:
        return int(x)
    except (TypeError, ValueError):
        return 0


def _interval_note(cat: Catalogue, fmt: NumberFormat, ci: Any) -> str:
    """`95% confidence interval: lo – hi` under a rate's card; empty without an interval (a
    run recorded before it had one)."""
    if not ci or ci[0] is None:
        return ""
    return f"{cat.t('chk_ci95')}{cat.t('colon')}{fmt.interval(ci[0], ci[1], 2)}"


def _share(n: int, d: int) -> float | None:
    return n / d if d else None


def rows_match_run(store: Store, run_id: int, base_id: Any) -> bool:
    """The base's rows hold this run's verdicts only if no later check ran on the same base
    (a later run overwrites statuses); row-level sections are drawn only then."""
    if base_id is None or not store.table_exists("contacts"):
        return False
    later = store.scalar("SELECT count(*) FROM runs WHERE command = 'check' AND base_id = ? "
                         "AND run_id > ?", [int(base_id), run_id])
    return not later


def build(store: Store, summary: dict[str, Any], cat: Catalogue, fmt: NumberFormat, *,
          show_addresses: bool, rows_current: bool = True, only: Any = None) -> CheckContent:
    """`rows_current`: whether the base's rows still hold this run's verdicts (typo samples
    and quoted replies are read from them). `only`: the run's --only statuses (its params)."""
    s = summary
    c = CheckContent()
    c.rows_current = rows_current
    row_base = s.get("base_id") if rows_current else None
    rows, unique = _int(s.get("rows")), _int(s.get("unique"))
    dups, invalid = _int(s.get("duplicates")), _int(s.get("invalid"))
    rate = float(s.get("invalid_rate") or 0.0)
    ci = s.get("invalid_rate_ci95") or [None, None]
    c.figures = [
        Figure("rows", cat.t("chk_rows"), rows, fmt.integer(rows)),
        Figure("unique", cat.t("chk_unique"), unique, fmt.integer(unique)),
        Figure("duplicates", cat.t("chk_duplicates"), dups, fmt.integer(dups)),
        Figure("invalid", cat.t("chk_invalid"), invalid, fmt.integer(invalid)),
        Figure("invalid_rate", cat.t("chk_invalid_rate"), rate, fmt.percent_of(rate, 2),
               note=cat.t("chk_ci95") + cat.t("colon")),
    ]
    if "domains" in s:
        c.figures.append(Figure("domains", cat.t("chk_domains"), _int(s["domains"]),
                                fmt.integer(_int(s["domains"]))))
    if _int(s.get("unparseable_rows")):
        c.figures.append(Figure("unparseable_rows", cat.t("chk_unparseable"),
                                _int(s["unparseable_rows"]), fmt.integer(s["unparseable_rows"])))
    if _int(s.get("title_rows")):
        c.figures.append(Figure("title_rows", cat.t("chk_title_rows"), _int(s["title_rows"]),
                                fmt.integer(_int(s["title_rows"])),
                                note=cat.t("chk_title_rows_note")))
    if "from_history" in s:
        c.figures.append(Figure("from_history", cat.t("chk_from_history"),
                                _int(s["from_history"]), fmt.integer(_int(s["from_history"]))))
    if history_changed(s):
        r = float(s["invalid_rate_without_history"] or 0.0)
        h_ci = s.get("invalid_rate_without_history_ci95") or [None, None]
        c.figures.append(Figure("invalid_rate_without_history",
                                cat.t("chk_rate_without_history"), r, fmt.percent_of(r, 2),
                                note=_interval_note(cat, fmt, h_ci)))
    empty = _int(s.get("empty_cells"))
    if empty:
        addresses, inv_addr = _int(s.get("addresses")), _int(s.get("invalid_addresses"))
        a_rate = float(s.get("invalid_rate_addresses") or 0.0)
        a_ci = s.get("invalid_rate_addresses_ci95") or [None, None]
        c.figures.append(Figure("empty_cells", cat.t("chk_empty"), empty, fmt.integer(empty)))
        c.figures.append(Figure("invalid_rate_addresses", cat.t("chk_rate_addresses"), a_rate,
                                fmt.percent_of(a_rate, 2), note=_interval_note(cat, fmt, a_ci)))
    c.interval = (ci[0], ci[1])
    c.lead = cat.t("chk_lead", rows=cat.count(rows, fmt), unique=cat.count(unique, fmt),
                   dups=cat.count(dups, fmt), invalid=cat.count(invalid, fmt),
                   rate=fmt.percent_of(rate, 2), lo=fmt.percent_of(ci[0], 2),
                   hi=fmt.percent_of(ci[1], 2))
    if empty:
        c.lead += " " + cat.t(
            "chk_lead_empty", empty=cat.count(empty, fmt),
            addresses=cat.count(addresses, fmt), invalid=cat.count(inv_addr, fmt),
            rate=fmt.percent_of(a_rate, 2), lo=fmt.percent_of(a_ci[0], 2),
            hi=fmt.percent_of(a_ci[1], 2))

    by_status = {str(k): _int(v) for k, v in (s.get("by_status") or {}).items()}
    c.statuses = [CountRow(k, cat.label(k), n, _share(n, rows),
                           colour=STATUS_COLOURS.get(k, ACCENT))
                  for k, n in sorted(by_status.items(), key=lambda kv: (-kv[1], kv[0]))]
    c.status_chart = bar_chart(
        [Bar(r.label, r.count, f"{fmt.integer(r.count)} ({fmt.percent_of(r.share)})",
             r.colour, r.key) for r in c.statuses], title=cat.t("chk_status_title"))

    by_reason = {str(k): _int(v) for k, v in (s.get("by_reason") or {}).items()}
    c.reasons = [CountRow(k, cat.label(k), n, _share(n, rows),
                          colour=STATUS_COLOURS.get(REASON_STATUS.get(k, ""), ACCENT))
                 for k, n in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))]
    c.reason_chart = bar_chart(
        [Bar(r.label, r.count, f"{fmt.integer(r.count)} ({fmt.percent_of(r.share)})",
             r.colour, r.key) for r in c.reasons[:MAX_REASONS_CHART]],
        title=cat.t("chk_reason_title"), label_width=300)

    by_ev = {str(k): _int(v) for k, v in (s.get("by_evidence") or {}).items()}
    order = ["history", "smtp", "dns", "syntax"]
    c.evidence = [CountRow(k, cat.label(k), n, _share(n, unique), cat.evidence_meaning(k))
                  for k, n in sorted(by_ev.items(),
                                     key=lambda kv: (order.index(kv[0]) if kv[0] in order
                                                     else 9, kv[0]))]
    c.details = _details(store, row_base, show_addresses=show_addresses)

    flags = {str(k): _int(v) for k, v in (s.get("flags") or {}).items()}
    c.flags = [CountRow(k, cat.label(k), n, _share(n, unique), cat.flag_meaning(k))
               for k, n in sorted(flags.items(), key=lambda kv: (-kv[1], kv[0]))]
    c.typos = _typos(store, row_base, show_addresses=show_addresses)

    top = [d for d in s.get("top_domains") or [] if isinstance(d, dict)]
    names = _domain_names([(str(d.get("domain", "")), _int(d.get("rows"))) for d in top],
                          show_addresses)
    for d, name in zip(top, names, strict=True):
        n, inv = _int(d.get("rows")), _int(d.get("invalid"))
        share = d.get("invalid_share")
        # A run recorded before the summary held each domain's interval gets it from the
        # counts, which the interval depends on alone.
        ci = d.get("invalid_share_ci95") or (wilson_interval(inv, n) if 0 <= inv <= n
                                             else (None, None))
        c.domains.append({"domain": name, "rows": n, "invalid": inv,
                          "share": float(share) if share is not None else _share(inv, n),
                          "ci": (ci[0], ci[1])})
    if not show_addresses:
        c.domains_note = cat.t("chk_domains_masked", n=cat.count(
            config.SHOWN_DOMAIN_MIN_ADDRESSES, fmt))
    phones = s.get("phones") or {}
    if isinstance(phones, dict):
        for key, p in phones.items():
            if isinstance(p, dict) and "invalid_rate" in p:
                c.phones.append({"column": str(p.get("column", key)),
                                 "filled": _int(p.get("filled")), "valid": _int(p.get("valid")),
                                 "invalid": _int(p.get("invalid")),
                                 "rate": float(p.get("invalid_rate") or 0.0),
                                 "ci": p.get("invalid_rate_ci95") or [None, None],
                                 "by_reason": p.get("by_reason") or {}})
    c.duplicates_text = cat.t("chk_dup_text", n=cat.count(dups, fmt),
                              share=fmt.percent_of(_share(dups, rows)), column=DUPLICATE_COLUMN)
    _cleaned_file(c, s, cat, fmt, only)
    c.send_text = _send_list(s, cat, fmt)
    return c


# Unknown because no mailbox was asked; every other unknown reason is a check that could not
# finish (no answer, DNS error, deferred, refused by policy): DESIGN.md never calls it invalid.
_NOT_ASKED = ("smtp_skipped", "syntax_ok")


def _send_list(s: dict[str, Any], cat: Catalogue, fmt: NumberFormat) -> str:
    """What `--only valid,unknown` keeps, counted by reason from the summary's
    `by_status_reason` (empty for a run recorded before it had them)."""
    pairs = s.get("by_status_reason")
    if not isinstance(pairs, dict):
        return ""
    kept: dict[str, dict[str, int]] = {"valid": {}, "unknown": {}}
    for key, n in pairs.items():
        status, _, reason = str(key).partition("/")
        if status in kept and _int(n):
            kept[status][reason] = _int(n)

    def reasons(status: str) -> str:
        by = sorted(kept[status].items(), key=lambda kv: (-kv[1], kv[0]))
        return ", ".join(f"{cat.label(r)}{cat.t('colon')}{fmt.integer(n)}" for r, n in by)

    valid, unknown = (sum(kept[st].values()) for st in ("valid", "unknown"))
    text = cat.t("chk_send_list", n=cat.count(valid + unknown, fmt),
                 valid=cat.count(valid, fmt), unknown=cat.count(unknown, fmt),
                 valid_reasons=f" ({reasons('valid')})" if valid else "",
                 unknown_reasons=f" ({reasons('unknown')})" if unknown else "")
    unsettled = {r: n for r, n in kept["unknown"].items() if r not in _NOT_ASKED}
    if unsettled:
        text += " " + cat.t("chk_send_unsettled", n=cat.count(sum(unsettled.values()), fmt),
                            reasons=cat.join([cat.label(r) for r in sorted(
                                unsettled, key=lambda r: (-unsettled[r], r))]))
    return text


def output_columns(summary: dict[str, Any]) -> list[str]:
    """The columns the cleaned file adds to the input's: config.OUTPUT_COLUMNS, then four per
    phone column checked (phones.OUTPUT_SUFFIXES after the column's prefix), as written."""
    from mailhygiene.phones import OUTPUT_SUFFIXES

    cols = list(config.OUTPUT_COLUMNS)
    phones = summary.get("phones")
    for p in phones.values() if isinstance(phones, dict) else ():
        if isinstance(p, dict) and p.get("prefix"):
            cols += [f"{p['prefix']}_{suffix}" for suffix in OUTPUT_SUFFIXES]
    return cols


def _cleaned_file(c: CheckContent, s: dict[str, Any], cat: Catalogue, fmt: NumberFormat,
                  only: Any) -> None:
    """What the cleaned file holds: with --only, the rows of the kept statuses only."""
    if isinstance(only, str):
        only = only.split(",")
    c.only = sorted({str(x).strip() for x in only or () if str(x).strip()})
    c.output_columns = output_columns(s)
    columns = cat.join(c.output_columns)
    written = cat.count(_int(s.get("output_rows")), fmt)  # the report writes the number first
    if not c.only:
        c.output_rows_text = cat.t("chk_output_rows", n=written)
        c.use_text = cat.t("chk_use_1", columns=columns)
        return
    statuses = cat.join([cat.label(x) for x in c.only], "or")
    c.output_rows_text = cat.t("chk_output_rows_only", n=written,
                               total=cat.count(_int(s.get("rows")), fmt), statuses=statuses,
                               only=",".join(c.only))
    c.use_text = cat.t("chk_use_1_only", statuses=statuses, columns=columns)


def _masked(address: str, show: bool) -> str:
    return address if show else mask_address(address)


def _domain_names(counts: list[tuple[str, int]], show: bool) -> list[str]:
    """Domains as the report names them: a domain few of the base's addresses hold points at
    a person (jean-dupont.fr), so it is masked like an address (README "Privacy")."""
    if show:
        return [d for d, _ in counts]
    return shown_domains(counts, config.SHOWN_DOMAIN_MIN_ADDRESSES)


def _typos(store: Store, base_id: Any, *, show_addresses: bool) -> list[TypoRow]:
    """Counts per suggested domain, with the typed domains and a few masked samples. The
    suggestion is the one stored in contacts.detail; a typo whose verdict kept another
    detail (an invalid domain's `NXDOMAIN`) gets its domain's suggestion."""
    if base_id is None or not store.table_exists("contacts"):
        return []
    rows = store.fetchall(
        "SELECT CASE WHEN detail LIKE ? THEN detail END AS sug, domain, count(*) AS n, "
        f"list(coalesce(address, raw) ORDER BY row_no)[1:{TYPO_SAMPLES}] "
        "FROM contacts WHERE base_id = ? AND status <> 'duplicate' "
        "AND (reason = 'possible_typo' OR flags LIKE '%typo%') "
        "GROUP BY sug, domain ORDER BY n DESC, domain", [TYPO_DETAIL + "%", int(base_id)])
    typed: dict[str, dict[str, int]] = {}
    samples_of: dict[str, list[str]] = {}
    for detail, domain, n, samples in rows:
        if detail is not None:  # a lifted opt-out's trace may follow the suggestion
            sug = split_lifted(str(detail))[0][len(TYPO_DETAIL):].strip()
        elif not domain or (found := suggest_domain(str(domain))) is None:
            continue
        else:
            sug = found
        counts = typed.setdefault(sug, {})
        counts[str(domain or "")] = counts.get(str(domain or ""), 0) + int(n)
        kept = samples_of.setdefault(sug, [])
        kept += [_masked(str(a), show_addresses) for a in samples or []]
    # The suggestion is a provider of the tool's list; the typed domain comes from the base.
    out = []
    for sug, by_domain in typed.items():
        doms = sorted(by_domain.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(TypoRow(sug, list(zip(_domain_names(doms, show_addresses),
                                         [n for _, n in doms], strict=True)),
                           sum(n for _, n in doms), samples_of[sug][:TYPO_SAMPLES]))
    return sorted(out, key=lambda r: (-r.count, r.suggestion))[:MAX_TYPO_SUGGESTIONS]


def _mask_hosts_but_suggestion(text: str) -> str:
    """mask_hosts, except a typo's suggestion: a provider of the tool's own list (the typo
    table names it in full), not anyone's domain ("did you mean g***.com" told nothing)."""
    if text.startswith(TYPO_DETAIL):
        head, _ = split_lifted(text)
        return head + mask_hosts(text[len(head):])
    return mask_hosts(text)


def _details(store: Store, base_id: Any, *, show_addresses: bool) -> list[DetailRow]:
    """The most frequent reply or explanation texts behind DNS, SMTP and history verdicts
    (SMTP replies quote addresses: masked), and any detail that ends with a lifted opt-out's
    trace, whatever the verdict rests on (a syntax-level row's trace is its only detail)."""
    if base_id is None or not store.table_exists("contacts"):
        return []
    # Masked, replies that differ only by the address they quote are one reply: they are
    # counted together in SQL (the addresses taken out, as mask_text finds them) and one of
    # them is shown. Counting each text apart and merging the top few after masking showed
    # "550 5.1.1 <u***@e***.ma>: User unknown" with a count of 3 for 185 such rows.
    rows = store.fetchall(
        "SELECT reason, evidence, min(detail) AS sample, count(*) AS n FROM (SELECT reason, "
        "evidence, detail, CASE WHEN ? THEN detail ELSE regexp_replace(detail, ?, '@', 'g') "
        "END AS k FROM contacts WHERE base_id = ? AND status <> 'duplicate' "
        "AND coalesce(detail, '') <> '' AND (evidence IN ('dns', 'smtp', 'history') "
        "AND coalesce(reason, '') <> 'possible_typo' OR regexp_matches(detail, ?))) "
        "GROUP BY reason, evidence, k "
        "QUALIFY row_number() OVER (PARTITION BY reason ORDER BY count(*) DESC, k) <= ? "
        "ORDER BY n DESC, reason, sample LIMIT ?",
        [show_addresses, ADDRESS_PATTERN, int(base_id), LIFTED_TAIL_PATTERN,
         MAX_DETAILS_PER_REASON,
         MAX_DETAIL_ROWS])
    # Masking can still make distinct replies equal (two hosts masked alike): merge them.
    # A text few addresses share may name their own domain (`MX mx.jean-dupont.fr`, a
    # server's banner): its host names are masked as the domain table's are.
    merged: dict[tuple[str, str, str], int] = {}
    for r, e, d, n in rows:
        text = str(d) if show_addresses else mask_text(str(d))
        if not show_addresses and int(n) < config.SHOWN_DOMAIN_MIN_ADDRESSES:
            text = _mask_hosts_but_suggestion(text)
        merged[(str(r), str(e), text)] = merged.get((str(r), str(e), text), 0) + int(n)
    return [DetailRow(r, e, d, n) for (r, e, d), n
            in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))]
