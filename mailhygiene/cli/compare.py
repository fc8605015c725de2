"""`mailhygiene compare`, `fingerprint`, `fingerprint-import` and `search` (issue 7).

A fingerprint file is imported with `fingerprint import FILE.json` (or `fingerprint-import
FILE.json`): `fingerprint` takes the second argument only after the word "import", so a base or
a file named "import" can still be fingerprinted with `fingerprint import` alone."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from mailhygiene import config
from mailhygiene.cli.common import db_option, refuse_overwrites
from mailhygiene.compare import Comparison, FingerprintComparison, compare_fingerprint_files
from mailhygiene.compare import compare_inputs as run_compare
from mailhygiene.evidence.wording import en_text
from mailhygiene.fingerprint import (
    Fingerprint,
    ImportOutcome,
    MinHashParams,
    fingerprint_input,
    import_fingerprint,
)
from mailhygiene.keys import HmacKey, load_key
from mailhygiene.privacy import strip_terminal_escapes
from mailhygiene.report.fmt import counted, side_names
from mailhygiene.search import SearchResult, search_input
from mailhygiene.store import Store, open_store
from mailhygiene.store.admin import state_counts

F = TypeVar("F", bound=Callable[..., Any])


def key_option(f: F) -> F:
    return click.option(
        "--key-file", type=click.Path(dir_okay=False, exists=True),
        help=f"HMAC key file (default: ${config.HMAC_KEY_ENV}, else this store's own key).")(f)


def num_perm_option(f: F) -> F:
    return click.option("--num-perm", type=click.IntRange(2, 4096),
                        default=config.FINGERPRINT_NUM_PERM, show_default=True,
                        help="MinHash permutations (std err of the Jaccard <= 0.5/sqrt(N)).")(f)


def _key(store: Store, key_file: str | None) -> HmacKey:
    res = load_key(store, key_file=key_file)
    for w in res.warnings:
        click.echo(f"mailhygiene: warning: {w}", err=True)
    return res.key


def _name(s: str) -> str:
    return strip_terminal_escapes(s)[:60]


def _num(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "n/a"
    return f"{100 * x:.2f}%" if pct else f"{x:.4f}"


def _ci(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f" (95% {100 * ci[0]:.2f}–{100 * ci[1]:.2f}%)"


# -- compare ------------------------------------------------------------------------------------
@click.command()
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (stable keys).")
@click.option("--fingerprints-only", is_flag=True,
              help="A and B are fingerprint files: estimates only, no addresses, no store.")
@key_option
@db_option
@num_perm_option
@click.option("--column", help="Address column of file inputs (header name or 1-based index).")
@click.option("--a-column", help="A's address column, when A and B name it differently.")
@click.option("--b-column", help="B's address column, when A and B name it differently.")
@click.option("--a-bounces", multiple=True, type=click.Path(exists=True),
              help="Evidence: A's bounce history (any format `bounces import` reads).")
@click.option("--date-column", help="Evidence: A's date-added column (with --cutoff).")
@click.option("--cutoff", help="Evidence: the date B's author left, e.g. 2023-06-30.")
@click.option("--reference",
              help="Evidence: an independent collection (file, base name or id:N).")
@click.option("--html", "html", type=click.Path(dir_okay=False),
              help="Also write the provenance report (self-contained HTML) here.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="en", show_default=True)
@click.option("--show-addresses", is_flag=True,
              help="Report: show addresses unmasked (internal use; noted on the report).")
def compare(a: str, b: str, as_json: bool, fingerprints_only: bool, key_file: str | None,
            db: str, num_perm: int, column: str | None, a_column: str | None,
            b_column: str | None, a_bounces: tuple[str, ...],
            date_column: str | None, cutoff: str | None, reference: str | None,
            html: str | None, lang: str, show_addresses: bool) -> None:
    """Overlap of bases A and B (files, stored base names, or id:N for the base with id N,
    as `store info` lists them): exact counts on dedup keys, the MinHash estimate with its
    error and, as `evidence`, a likelihood ratio for "B derives from A's base" against "B was
    collected independently"."""
    result: Comparison | FingerprintComparison
    refuse_overwrites({"--html": html}, [a, b, reference, *a_bounces],
                      None if fingerprints_only else db)
    if fingerprints_only:
        if html:
            raise click.UsageError("--html needs the bases, not only fingerprints")
        result = compare_fingerprint_files(a, b)
        payload = result.to_json()
    else:
        from mailhygiene.checker import library_versions
        from mailhygiene.evidence import evidence_hook, evidence_options
        from mailhygiene.fingerprint import resolve_base
        from mailhygiene.store.core import now

        col_a, col_b = a_column or column, b_column or column
        with open_store(db) as store:
            key = _key(store, key_file)
            ref_id = resolve_base(store, reference, column=column)[0] if reference else None
            ev = evidence_options(a_bounces=a_bounces, date_column=date_column, cutoff=cutoff,
                                  reference_base_id=ref_id)
            params = {"a": a, "b": b, "num_perm": num_perm, "column": column,
                      "a_column": a_column, "b_column": b_column,
                      "a_bounces": list(a_bounces), "date_column": date_column,
                      "cutoff": cutoff, "reference": reference,
                      "reference_base_id": ref_id, "key_id": key.key_id,
                      "command": ["mailhygiene", *sys.argv[1:]], "cwd": os.getcwd(),
                      "store_before_run": state_counts(store)}
            started = now()
            result = run_compare(store, a, b, key=key, params=MinHashParams(num_perm=num_perm),
                                 column=col_a, column_b=col_b, evidence=evidence_hook(ev))
            for w in result.warnings:
                click.echo(f"mailhygiene: warning: {w}", err=True)
            payload = result.to_json()
            # Recorded once it has succeeded, start and end in one transaction: a compare that
            # fails (a base name not stored, an unreadable date column, Ctrl-C) leaves no
            # unfinished run behind, and `report` only ever sees finished ones.
            with store.transaction():
                run_id = store.start_run("compare", params, library_versions(),
                                         started_at=started)
                payload["run_id"] = run_id
                store.finish_run(run_id, payload, result.a.base_id)
            if html:
                from mailhygiene.report import write_compare_report

                path = write_compare_report(store, run_id, html, lang=lang,
                                            show_addresses=show_addresses)
                click.echo(f"provenance report: {path}", err=True)
    if as_json:
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    else:
        _print_comparison(result)
        if isinstance(result, Comparison) and result.evidence:
            _print_evidence(dict(result.evidence))


def _print_evidence(ev: dict[str, Any]) -> None:
    out = click.echo
    out("evidence")
    out(f"  log10 LR                  {ev.get('log10_lr')!s:>14}{_cap_note(ev)}")
    out(f"  {strip_terminal_escapes(str(ev.get('verbal', '')))}")
    if ev.get("copied_estimate") is not None:
        lo, hi = ev.get("copied_ci95") or (0, 0)
        out(f"  copied from A (estimate)  {ev['copied_estimate']:>14,.0f}  "
            f"(95% {lo:,.0f}–{hi:,.0f})")
    baseline = ev.get("baseline")
    if isinstance(baseline, dict):
        baseline = _grouped(baseline.get("description_item"),
                            baseline.get("description") or baseline.get("source"))
    # In full: a sentence cut at a fixed width ("nor bounced mailboxes (most") is a quote
    # the other side can read against the expert.
    out(f"  baseline: {strip_terminal_escapes(str(baseline))}")
    dates = ev.get("dates")
    if isinstance(dates, dict) and dates.get("description"):
        said = _grouped(dates.get("description_item"), dates["description"])
        out(f"  {strip_terminal_escapes(said)}")
    # Why a given baseline source was not used, and A's addresses left out for want of a date.
    # The common-source and direction limits bound what the LR itself means, so they are shown.
    unshown = 0
    for text, it in zip(ev.get("limits") or [], ev.get("limit_items") or [], strict=False):
        if isinstance(it, dict) and it.get("code") in _SHOWN_LIMITS:
            out(f"  note: {strip_terminal_escapes(_grouped(it, text))}")
        else:
            unshown += 1
    rows = [r.get("log10_lr") for r in ev.get("sensitivity") or [] if isinstance(r, dict)]
    lrs = [float(x) for x in rows if isinstance(x, (int, float))]
    if lrs:
        out(f"  sensitivity: log10 LR {min(lrs):.2f} to {max(lrs):.2f} across "
            f"{counted(len(lrs), 'variant', 'variants')} of the assumptions")
    more = f"{counted(unshown, 'other limit', 'other limits')} and " if unshown else ""
    out(f"  {more}the sensitivity table: --json (evidence.limits, evidence.sensitivity) "
        "or --html")


def _cap_note(ev: dict[str, Any]) -> str:
    """Says when the headline is the cap, not a value the data reached: 3.0 without a measured
    baseline reads otherwise as a measured 10^3."""
    from mailhygiene.evidence.evaluate import MAX_LOG10_LR

    comb = (ev.get("signals") or {}).get("combination") or {}
    cap, lr = comb.get("cap"), ev.get("log10_lr")
    if not isinstance(cap, (int, float)) or not isinstance(lr, (int, float)):
        return ""
    if abs(lr) < cap:
        return ""
    why = " without a baseline measured on A's own addresses" if cap < MAX_LOG10_LR else ""
    return f"  (capped: 10^{cap:g} at most{why})"


def _grouped(it: Any, text: Any) -> str:
    """An evidence sentence for the terminal: from its item, counts written 30,466 as in the
    tables; the stored text when there is no item this version can word."""
    try:
        return en_text(it, grouped=True) if isinstance(it, dict) else str(text)
    except (KeyError, IndexError, ValueError):
        return str(text)


_SHOWN_LIMITS = ("limit.common_source", "limit.direction", "limit.dates_as_given",
                 "limit.no_post_cutoff", "limit.small_post_cutoff",
                 "limit.reference_too_small", "limit.undated")


def _print_comparison(c: Comparison | FingerprintComparison) -> None:
    out = click.echo
    out(f"{'':<28}{'A':>14}{'B':>14}")
    a_name, b_name = side_names(_name(c.a.name), c.a.base_id, _name(c.b.name), c.b.base_id,
                                width=13)
    out(f"{'name':<28}{a_name:>14}{b_name:>14}")
    out(f"{'rows':<28}{c.a.rows:>14,}{c.b.rows:>14,}")
    out(f"{'unique':<28}{c.a.unique:>14,}{c.b.unique:>14,}")
    if isinstance(c, Comparison):
        out(f"overlap (exact)             {c.exact:>14,}")
        out(f"  B in A (|A∩B|/|B|)        {_num(c.containment_b_in_a, True):>14}")
        out(f"  A in B (|A∩B|/|A|)        {_num(c.containment_a_in_b, True):>14}")
        out(f"  Jaccard                   {_num(c.jaccard):>14}")
    e = c.estimate
    if e is None:
        out("MinHash estimate            n/a (empty side or no key)")
    else:
        lo, hi = e.jaccard_ci95
        out(f"MinHash Jaccard             {e.jaccard:>14.4f}  ± {e.stderr:.4f} "
            f"(95% {lo:.4f}–{hi:.4f}, k={e.num_perm})")
        if isinstance(c, Comparison) and c.jaccard is not None:
            out(f"  error vs exact            {e.jaccard - c.jaccard:>+14.4f}")
        # Each estimate with its interval, as the Jaccard has: the plug-in ± is 0 at 0% and
        # 100% (sqrt(J(1-J)/k)), which alone would read as an exact figure.
        ci_b = e.containment_b_in_a_ci95
        over = (f"  (95% {ci_b[0] * c.b.unique:,.0f}–{ci_b[1] * c.b.unique:,.0f})"
                if ci_b is not None else "")
        out(f"  est. overlap              {e.intersection:>14,.0f}{over}")
        out(f"  est. B in A               {_num(e.containment_b_in_a, True):>14}  ± "
            f"{_num(e.containment_b_in_a_stderr, True)}{_ci(ci_b)}")
        out(f"  est. A in B               {_num(e.containment_a_in_b, True):>14}  ± "
            f"{_num(e.containment_a_in_b_stderr, True)}{_ci(e.containment_a_in_b_ci95)}")
    if isinstance(c, Comparison):
        if c.by_status is not None:
            out("overlap by A's status       A unique     in B   share")
            for s in c.by_status:
                share = s.in_b / s.a_unique if s.a_unique else 0.0
                out(f"  {s.status:<24}{s.a_unique:>10,}{s.in_b:>9,}  {100 * share:5.1f}%")
        if c.by_domain:
            out("overlap by domain (masked)  overlap   A unique   B unique")
            for d in c.by_domain:
                out(f"  {_name(d.domain)[:24]:<24}{d.overlap:>10,}{d.a_unique:>11,}"
                    f"{d.b_unique:>11,}")


# -- fingerprint --------------------------------------------------------------------------------
@click.command()
@click.argument("source", metavar="INPUT|BASE")
@click.argument("import_path", metavar="[FILE.json]", required=False,
                type=click.Path(dir_okay=False, exists=True))
@click.option("--name", help="Name of the base when INPUT is a file (default: file name).")
@num_perm_option
@click.option("--export", "export", type=click.Path(dir_okay=False),
              help="Also write a fingerprint file (signature, sizes, parameters, key id only).")
@key_option
@db_option
@click.option("--column", help="Address column of a file input (header name or 1-based index).")
@click.option("--json", "as_json", is_flag=True, help="Print the fingerprint's metadata as JSON.")
@click.option("--replace", is_flag=True,
              help="With `import`: replace an imported fingerprint of the same name.")
def fingerprint(source: str, import_path: str | None, name: str | None, num_perm: int,
                export: str | None, key_file: str | None, db: str, column: str | None,
                as_json: bool, replace: bool) -> None:
    """MinHash fingerprint of a base (a file, a stored base name, or id:N for the base with
    id N) over keyed hashes, stored in the store.

    FILE is reported under --name, by default its file name, even when a file with the same
    bytes was imported before under another name: that base is reused (a base named after the
    file is preferred) and the stored fingerprint keeps the base's name.

    `fingerprint import FILE.json` loads a fingerprint file made elsewhere instead (the same
    as `fingerprint-import FILE.json`, see its help for re-imports and --replace); a base named
    "import" is still fingerprinted by `fingerprint import` alone."""
    if import_path is not None:
        if source != "import":
            raise click.UsageError("a second argument is only taken by "
                                   "`fingerprint import FILE.json`")
        _import_fingerprint(import_path, name, num_perm, key_file, db, as_json, replace)
        return
    if replace:
        raise click.UsageError("--replace is only taken by `fingerprint import FILE.json`")
    refuse_overwrites({"--export": export}, [source], db)
    with open_store(db) as store:
        fp = fingerprint_input(store, source, _key(store, key_file),
                               params=MinHashParams(num_perm=num_perm), name=name, export=export)
    _print_fingerprint(fp, as_json, export)


def _print_fingerprint(fp: Fingerprint, as_json: bool, export: str | None,
                       extra: dict[str, Any] | None = None) -> None:
    meta = {k: v for k, v in fp.to_json().items() if k not in ("signature", "signature_encoding")}
    meta["name"] = fp.name
    # The name printed may be --name's, not the stored base's: `compare id:N` needs the id.
    meta["base_id"] = fp.base_id
    meta.update(extra or {})
    if export:
        meta["exported_to"] = export
    if as_json:
        click.echo(json.dumps(meta, indent=2, ensure_ascii=False))
        return
    click.echo(f"fingerprint of {_name(fp.name)}: {fp.size:,} unique of "
               f"{counted(fp.rows, 'row', 'rows')}, "
               f"num_perm={fp.params.num_perm}, seed={fp.params.seed}, key id {fp.key_id}"
               + (f"; stored base id:{fp.base_id}" if fp.base_id is not None else ""))
    if export:
        click.echo(f"written to {export}")


@click.command("fingerprint-import")
@click.argument("path", metavar="FILE.json", type=click.Path(dir_okay=False, exists=True))
@click.option("--name", help="Name for the imported fingerprint (default: file name).")
@click.option("--replace", is_flag=True,
              help="Replace an imported fingerprint of the same name that has other content.")
@num_perm_option
@key_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the fingerprint's metadata as JSON.")
def fingerprint_import(path: str, name: str | None, replace: bool, num_perm: int,
                       key_file: str | None, db: str, as_json: bool) -> None:
    """Load a fingerprint file made elsewhere with the same key and parameters (it then takes
    part in `search`). Also spelt `fingerprint import FILE.json`.

    Every field is checked; a file this tool would not write is refused. Importing a
    fingerprint already in the store (same content, imported or computed from a stored base,
    under any name) stores nothing and says so. A file with other content under the name of
    an imported fingerprint is refused: give it another --name, or --replace the old one."""
    _import_fingerprint(path, name, num_perm, key_file, db, as_json, replace)


def _import_fingerprint(path: str, name: str | None, num_perm: int, key_file: str | None,
                        db: str, as_json: bool, replace: bool = False) -> None:
    with open_store(db) as store:
        res = import_fingerprint(store, path, _key(store, key_file),
                                 params=MinHashParams(num_perm=num_perm), name=name,
                                 replace_existing=replace)
    fp = res.fingerprint
    extra = {"import": {"outcome": str(res.outcome), "existing_name": res.existing_name}}
    _print_fingerprint(fp, as_json, None, extra)
    if as_json:
        return
    if res.outcome is ImportOutcome.ALREADY_STORED:
        click.echo(f"already in the store as {_name(res.existing_name or '')!r} (same "
                   "content): not stored again")
    elif res.outcome is ImportOutcome.REPLACED:
        click.echo(f"replaced the imported fingerprint named {_name(fp.name)!r}")


# -- search -------------------------------------------------------------------------------------
@click.command()
@click.argument("source", metavar="INPUT")
@click.option("--top", type=click.IntRange(1), default=config.SEARCH_TOP, show_default=True)
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=config.SEARCH_THRESHOLD,
              show_default=True, help="LSH Ensemble containment threshold for candidates.")
@click.option("--exhaustive", is_flag=True,
              help="Score every stored fingerprint (no LSH misses; cheaper for small stores).")
@click.option("--json", "as_json", is_flag=True, help="Print the ranking as JSON.")
@num_perm_option
@key_option
@db_option
@click.option("--column", help="Address column of a file input (header name or 1-based index).")
def search(source: str, top: int, threshold: float, exhaustive: bool, as_json: bool,
           num_perm: int, key_file: str | None, db: str, column: str | None) -> None:
    """Rank stored bases by the estimated share of INPUT (file, base name, id:N or fingerprint
    file) they contain. A file not stored yet is imported for this search only and dropped
    again: `fingerprint` it to make it one of the bases searched."""
    with open_store(db) as store:
        res = search_input(store, source, _key(store, key_file), top=top, threshold=threshold,
                           params=MinHashParams(num_perm=num_perm), column=column,
                           exhaustive=exhaustive)
    if as_json:
        click.echo(json.dumps(res.to_json(), indent=2, ensure_ascii=False))
    else:
        _print_search(res)


def _print_search(r: SearchResult) -> None:
    how = "scored" if r.exhaustive else "indexed"
    click.echo(f"{_name(r.query)}: {r.query_size:,} unique; "
               f"{counted(r.indexed, 'fingerprint', 'fingerprints')} {how}, "
               f"{counted(r.candidates, 'candidate', 'candidates')}, "
               f"threshold {r.threshold:g} containment"
               + (f", {r.skipped} skipped (other key or parameters)" if r.skipped else "")
               + (f", {r.computed} fingerprinted now" if r.computed else ""))
    if not r.hits:
        click.echo(f"  no stored base reaches the threshold ({r.threshold:g} containment)"
                   + ("" if r.exhaustive else "; --exhaustive scores every one"))
    # Two bases may share a name (list.csv and list.xlsx, or a base and an imported
    # fingerprint): shown alike, the reader cannot tell which to `compare`, so each then
    # carries its id, as `compare` and `store info` give it.
    names = [_name(h.name)[:30] for h in r.hits]
    for i, (h, name) in enumerate(zip(r.hits, names, strict=True), 1):
        if names.count(name) > 1:
            name = (f"{name[:30 - len(f' (id:{h.base_id})')]} (id:{h.base_id})"
                    if h.base_id is not None else f"{name[:19]} (imported)")
        # two decimals, as the interval after it and compare's estimates
        click.echo(f"{i:>3}. {name:<30} {100 * h.containment:6.2f}% "
                   f"± {100 * h.containment_stderr:.2f}{_ci(h.containment_ci95)}  "
                   f"(size {h.size:,}, J {h.jaccard:.3f})")
