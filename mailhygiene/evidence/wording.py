"""The evidence section's sentences: one English template per stable code.

The JSON keeps each sentence's English text (a stable interface) and, next to it, its item
`{"code": ..., **params}`, so a report can word the same finding in another language. The
text is always produced from the item, so the two cannot drift. Codes are stored: never
rename one, add a new code instead. Parameters are JSON scalars, or a list of names (joined
with "and"), so a reader can word them without knowing the code. A list of strata may also
name each with a factor that applies to it (`stratum_factor`: `ok/freemail (x1.86)` in the
English): the number stays a number, so a report writes it in its own format."""

from __future__ import annotations

import re
from string import Formatter
from typing import Any

Item = dict[str, Any]

TEMPLATES: dict[str, str] = {
    # -- limits ------------------------------------------------------------------------------
    "limit.common_source":
        "A list bought by both A and B from the same third party, or any common source, "
        "produces the same findings as derivation from A: the LR concerns a common origin "
        "with A's base, not the act of copying.",
    "limit.direction":
        "Without a baseline from A's additions after a cut-off date, the findings do not tell "
        "which base came first, nor which was derived from which: the addresses A and B "
        "share, malformed ones included, fit A derived from B's base as well as B derived "
        "from A's (with the roles of A and B swapped, the same comparison gives the same "
        "kind of support).",
    "limit.dates_as_given":
        "The cut-off reading takes A's dates in column {column!r} as they are recorded; it "
        "does not check them. Addresses entered into A after the fact and dated before the "
        "cut-off (B's, say) would read as copied from A, and the direction from A to B rests "
        "on those dates: where they come from (the database's own records, backups or "
        "exports made at the time) is to be established apart from this comparison.",
    "limit.bulk":
        "{dates} bulk import date(s) in A ({rows} addresses, {in_b} in B) were left out of "
        "the LR: a purchased list may have reached B from its seller; the copied-count "
        "estimate gives them the copied share of A's other addresses.",
    "limit.order_sorted": "Order not weighed: {files} sorted on the address or domain.",
    "limit.no_post_cutoff":
        "No address of A was added after {cutoff}: the cut-off gives no baseline.",
    "limit.small_post_cutoff":
        "Only {baseline} of A's addresses added after {cutoff} can serve as a baseline (bulk "
        "imports excluded), fewer than {min_baseline}: the cut-off gives no baseline.",
    "limit.reference_too_small":
        "The reference collection holds {outside_a} addresses outside A (of "
        "{reference_unique}), fewer than {min_baseline}: it gives no baseline.",
    "limit.generic":
        "{generic} of A's entries are generic (test@test.com, toto@toto.fr, a@a.fr, "
        "votre@email.com, email@example.com...): people type them when a form wants an "
        "address, and independent bases share them by habit, so they are left out of every "
        "count of both bases.",
    "limit.undated":
        "{undated} of A's addresses have no date that can be read in column {column!r} "
        "({in_b} of them in B): neither before nor after the cut-off, they are left out of "
        "the LR, the baseline and the copied estimate; the copied count's interval adds the "
        "{in_b} to its upper end, as any of them may have been copied.",
    "limit.age_trend":
        "Among A's additions before the cut-off, older addresses are in B more often than "
        "newer ones ({strata}): any collector finds addresses published for longer more "
        "often, so A's later additions understate the independent rate of its earlier ones. "
        "Each such stratum's baseline is scaled by the trend measured across A's additions "
        "before the cut-off, extended to the baseline's dates (by up to {max_factor} times). "
        "A copy of A as it stood at the cut-off adds the same share to every age and cannot "
        "make this trend, but a copy of an older state of A, or of its older records only, "
        "does: then the LR without the correction, in the sensitivity table, is the one that "
        "applies, and the copied count's interval covers both readings.",
    "limit.post_gradient":
        "B holds the older half of A's additions after the cut-off more often than the "
        "newer half ({ratio} times, kinds of addresses taken into account; rates "
        "{older}% and {newer}%). Copying at the cut-off cannot make this gradient; "
        "visibility still growing for recent addresses does, and then the baseline "
        "understates how often an independent collector finds A's older addresses. The "
        "baseline of A's valid-looking addresses is therefore raised to the rate the "
        "gradient reaches at the cut-off ({factor} times, after moving the gradient towards "
        "none by one standard error); the LR without the correction is in the sensitivity "
        "table. If visibility kept growing for longer than A's later additions span, the LR "
        "may still overstate the support for derivation: a cut-off long before B was "
        "collected avoids the question.",
    "limit.near_cutoff":
        "The LR is the smaller of two readings. Weighing only A's {near} additions just "
        "before the cut-off (as many as the {post} after it) against the baseline raised by "
        "the gradient among A's later additions, extended to them ({factor} times, uncertain "
        "by a factor of {spread} either way), gives log10 LR {near_lr}; weighing all of A's "
        "earlier additions with the age trend measured among them gives {all_lr}. The second "
        "assumes that trend continues across the cut-off, which the data cannot check: "
        "visibility rising during an address's first year or two, or a cut-off near either "
        "end of A's dates, breaks it (independent collections generated that way scored up "
        "to log10 LR 6 on it). A copy of an older state of A, made well before the cut-off, "
        "does not show in the first: the second, in the sensitivity table, then applies.",
    "limit.reference_visibility":
        "The reference's addresses outside A are not A's kind of addresses: B finds them more "
        "or less often than A's own depending on how each collection was made (a B that "
        "crawled the pages A crawled finds A's addresses far more often; A's sign-up "
        "addresses are found less often than a crawl's). Measured on generated bases, both "
        "errors occur, so with a reference baseline only A's invalid addresses are weighed, "
        "the LR is capped at 1,000 and no copied count is given. A date-added column and "
        "cut-off give a baseline on A's own addresses.",
    "limit.kind_without_baseline":
        "{strata}: fewer than {min_baseline} baseline addresses of their kind. Pooling them "
        "with other kinds would misstate their independent rate (role addresses are found "
        "far more often than personal or business ones), so they are weighed without a "
        "baseline: how many of them were copied is anywhere from none to all.",
    # -- what would strengthen the evaluation ------------------------------------------------
    "strengthen.date_cutoff":
        "A's date-added column and the date B's author left (--date-column COL --cutoff "
        "DATE): A's later additions measure independent overlap directly.",
    "strengthen.recrawl":
        "An independent re-crawl of the sources B's author names (--reference R).",
    "strengthen.a_bounces":
        "A's bounce history (--a-bounces PATH) to identify more invalid addresses.",
    "strengthen.own_baseline":
        "A's date-added column and the cut-off date (--date-column --cutoff) give a baseline "
        "on A's own kind of addresses.",
    "strengthen.check_a":
        "A checked beyond syntax (mailhygiene check at level mx or smtp) or its bounce "
        "history, so that A's invalid addresses can be identified.",
    # -- baseline ----------------------------------------------------------------------------
    "baseline.post_cutoff":
        "A's {a_post} addresses added after {cutoff} (column {column!r}): copying at the "
        "cut-off cannot reach them",
    "baseline.reference":
        "B's overlap with the reference collection minus A ({reference_unique} addresses in "
        "the reference)",
    "baseline.assumed":
        "no baseline source: stated upper bounds on how often an independent collector finds "
        "invalid addresses ({inv_syntax} for malformed addresses, {inv_domain} for addresses "
        "whose domain does not exist or receives no mail); valid addresses not weighed, nor "
        "bounced mailboxes (mostly people who left, published as often as valid addresses)",
    "uncertainty.integrated":
        "Jeffreys posterior x log-normal drift (sd {common_sigma} common, {stratum_sigma} per "
        "stratum); sensitivity: Jeffreys 95% upper bound x {drift}",
    "uncertainty.stated_bounds": "stated bounds",
    # -- how A's date column was read (evidence.dates) ----------------------------------------
    "dates.detected":
        "Dates of column {column!r} read as {format}, the format its values show: {read} of "
        "A's {addresses} addresses have a date in that format, {unreadable} a date that "
        "cannot be read in it and {empty} an empty cell.",
    "dates.conflicting":
        "Dates of column {column!r} read as {format}, the order of most of its dates that "
        "read only one way ({day_first} only day-first, {month_first} only month-first): the "
        "column mixes both orders, so dates that read both ways may be misread. {read} of "
        "A's {addresses} addresses have a date in that format, {unreadable} a date that "
        "cannot be read in it and {empty} an empty cell.",
    "dates.ambiguous":
        "Dates of column {column!r} read as {format}, day first as in French and Moroccan "
        "usage: none of them reads only one way; read month first, {flips} addresses would "
        "fall on the other side of the cut-off. {read} of A's {addresses} addresses have a "
        "date in that format, {unreadable} a date that cannot be read in it and {empty} an "
        "empty cell.",
    # ... a column mixing year-first dates (read as such) and year-last ones
    "dates.mixed_detected":
        "Dates of column {column!r} read each in its own format: {year_first} year-first "
        "(yyyy-mm-dd, which reads one way only) and the others as {format}, the order they "
        "show. {read} of A's {addresses} addresses have a date in one of these formats, "
        "{unreadable} a date that cannot be read in them and {empty} an empty cell.",
    "dates.mixed_conflicting":
        "Dates of column {column!r} read each in its own format: {year_first} year-first "
        "(yyyy-mm-dd, which reads one way only) and the others as {format}, the order of most "
        "of those that read only one way ({day_first} only day-first, {month_first} only "
        "month-first): they mix both orders, so dates that read both ways may be misread. "
        "{read} of A's {addresses} addresses have a date in one of these formats, "
        "{unreadable} a date that cannot be read in them and {empty} an empty cell.",
    "dates.mixed_ambiguous":
        "Dates of column {column!r} read each in its own format: {year_first} year-first "
        "(yyyy-mm-dd, which reads one way only) and the others as {format}, day first as in "
        "French and Moroccan usage: none of those reads only one way; read month first, "
        "{flips} addresses would fall on the other side of the cut-off. {read} of A's "
        "{addresses} addresses have a date in one of these formats, {unreadable} a date that "
        "cannot be read in them and {empty} an empty cell.",
    # -- signals: assumptions, notes, combination --------------------------------------------
    "assumption.overlap_independent":
        "Under independence an address of A is in B at its stratum's independent rate, "
        "measured on the baseline: integrated over its Jeffreys posterior and log-normal "
        "drift factors between the baseline's addresses and A's earlier ones (sd "
        "{common_sigma} common to all strata, {stratum_sigma} per stratum); the upper-bound "
        "variant is in the sensitivity table.",
    "assumption.overlap_derived":
        "Under derivation a fraction f of A (log-uniform prior, 1e-4 to 1) was taken and each "
        "group (public-looking, personal, invalid) kept a share rho.",
    "assumption.shared_errors":
        "An independent collector finds A's invalid addresses (malformed, dead domains, "
        "unknown or hard-bounced mailboxes) only at the rate measured on the baseline; a "
        "mailbox that never existed is not published on the web.",
    "assumption.raw_form":
        "Shared addresses spelled unusually in A (case, spaces, encoding) keep that spelling "
        "in B no more often than on the baseline's shared addresses; contribution capped at "
        "log10 LR 1.",
    "assumption.order":
        "Kendall tau of shared records' positions in A and B is compared with the tau of "
        "shared records A added after the cut-off; contribution capped at log10 LR 1.",
    "note.raw_no_unusual": "no shared address with an unusual spelling",
    "note.raw_few_baseline": "fewer than {min_baseline} baseline pairs: not weighed",
    "note.order_too_few": "too few shared records",
    "note.order_no_baseline":
        "no order baseline (needs post-cut-off shared records): not weighed",
    "note.order_sorted": "skipped: {files} sorted on the address or domain",
    "combination.method":
        "Stratified overlap and shared errors are one joint binomial model over disjoint "
        "strata with one copied fraction f (their per-signal LRs above are shown for reading "
        "and are not multiplied). Raw form and order use the spellings and positions of the "
        "shared records, not their number, and each adds at most log10 LR 1.",
}


def template_fields(template: str) -> set[str]:
    """The parameter names a template uses (a translation must use the same ones)."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def item(code: str, **params: Any) -> Item:
    """A sentence as a code and its parameters; fails early on a code or parameter that has
    no English template, so every item the evidence emits can be worded."""
    if code not in TEMPLATES:
        raise KeyError(f"no English template for evidence code {code!r}")
    if template_fields(TEMPLATES[code]) != set(params):
        raise KeyError(f"evidence code {code!r}: parameters {sorted(params)} do not fit "
                       "its template")
    return {"code": code, **params}


def stratum_factor(stratum: str, factor: float) -> dict[str, Any]:
    """A list entry naming a stratum and a factor applied to it (limit.age_trend)."""
    return {"stratum": stratum, "factor": round(factor, 2)}


# How runs recorded before `stratum_factor` existed wrote such an entry: one string, frozen.
_RECORDED_FACTOR = re.compile(r"([a-z_]+(?:/[a-z_]+)*) \(x([0-9]+\.[0-9]{2})\)")


def recorded_entry(entry: Any) -> Any:
    """A list entry as `stratum_factor` makes it, also from a run recorded before it existed
    (`"ok/freemail (x1.86)"`); any other entry as it is."""
    m = _RECORDED_FACTOR.fullmatch(entry) if isinstance(entry, str) else None
    return entry if m is None else stratum_factor(m[1], float(m[2]))


def _entry_text(entry: Any) -> str:
    if isinstance(entry, dict):
        return f"{entry['stratum']} (x{float(entry['factor']):.2f})"
    return str(entry)


def params(it: Item) -> dict[str, Any]:
    return {k: v for k, v in it.items() if k != "code"}


def en_text(it: Item, *, grouped: bool = False) -> str:
    """The English sentence of an item, as the JSON's text fields hold it (a stable interface:
    counts as plain integers). `grouped`: counts with thousands separators ("A's 30,466
    addresses"), for the terminal, whose tables write them so."""
    values = {k: " and ".join(map(_entry_text, v)) if isinstance(v, list)
              else f"{v:,}" if grouped and isinstance(v, int) and not isinstance(v, bool)
              else v for k, v in params(it).items()}
    return TEMPLATES[str(it["code"])].format(**values)


def en_texts(items: list[Item]) -> list[str]:
    return [en_text(it) for it in items]
