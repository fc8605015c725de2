"""Vectorized phone verdicts in DuckDB for the easy majority of cells (issue 11 bench goal:
phone parsing must not dominate `check`). Same idea as `syntax_fast`: the verdicts must equal
`phones.check_phone` (libphonenumber's parse + is_valid_number) on every cell this path decides;
every other cell goes to `check_phone` (tests compare both on generated and hand-written cells).

The path decides a cell only when libphonenumber's steps reduce to plain digit operations:
- the cell is ASCII digits with spaces, dots, dashes and parentheses, an optional leading '+'
  (and '(' before it), at least 3 digits, ending with a digit, after an optional label such
  as "Fax:" or "Tél.";
- the default region dials abroad with '00', strips a literal national prefix and has no
  transform rule (true of MA, FR and most of Europe and Africa);
- the country (of the '+'/'00' code, or the default region) strips a literal national prefix
  or none, has no transform rule and is not a non-geographic entity;
- a national number does not start with the region's own country code.
A placeholder cell (normalize.PLACEHOLDERS: "n/a", "-", "0", "#N/A"...) never has that shape
(at least 3 digits, ending with one), so check_phone decides it (empty) on both paths.
Leading zeros need no special case: the SQL keeps the national number as a string, which is
what the library's national_significant_number rebuilds from its italian_leading_zero and
number_of_leading_zeros fields before matching types and lengths and formatting E.164.
Then the steps of `phonenumberutil.parse` (IDD/plus stripping, country code extraction,
national prefix stripping with its viability and length checks), `region_code_for_number`,
`_number_type_helper` and `_test_number_length` are written as SQL over the library's own
metadata, with its regular expressions evaluated by RE2 (full matches, as the library does).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

if TYPE_CHECKING:
    from mailhygiene.store import Store

__all__ = ["decide_fast", "fast_path_supported"]

_SIMPLE = r"^ *\(?\+?[0-9](?:[0-9 .()\-]*[0-9])? *$"
# A leading label ("Fax:", "Tél.") is dropped by check_phone's cleaning before parsing; these
# labels contain nothing its other cleaning steps react to (separators, "ou", "poste", "p.").
_LABEL = (r"^(?i)(?:fax|t[eé]l[eé]phone|t[eé]l|phone|mobile|gsm|portable|fixe|standard)"
          r"\s*[.:]?\s*")
_MIN_NSN = 2  # phonenumberutil._MIN_LENGTH_FOR_NSN
_MAX_NSN = 17  # phonenumberutil._MAX_LENGTH_FOR_NSN
_TYPE_DESCS = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager",
               "uan", "voicemail")


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _strip_sql(expr: str, chars: str) -> str:
    """`expr` without any of `chars`: nested replace() calls, 0.16 s per 1.5M cells against
    0.22 s for translate(), which maps characters one by one."""
    for ch in chars:
        expr = f"replace({expr}, {_q(ch)}, '')"
    return expr


def _metadata(region: str) -> Any:
    return PhoneMetadata.metadata_for_region(region, None)


def _simple_prefix(md: Any) -> bool:
    """National prefix for parsing is absent or a literal digit string, with no transform."""
    npfp = md.national_prefix_for_parsing
    return (not md.national_prefix_transform_rule) and (
        npfp is None or npfp == "" or re.fullmatch(r"\d+", npfp) is not None)


def fast_path_supported(default_region: str) -> bool:
    md = _metadata(default_region.upper())
    return md is not None and md.international_prefix == "00" and _simple_prefix(md)


def _match_desc(n: str, desc: Any) -> str:
    """_is_number_matching_desc: length in the desc's possible lengths, then a full match."""
    if desc is None or not desc.national_number_pattern:
        return "false"
    full = f"regexp_full_match({n}, {_q(desc.national_number_pattern)})"
    lengths = [x for x in desc.possible_length]
    if lengths:
        return f"(length({n}) IN ({', '.join(str(x) for x in lengths)}) AND {full})"
    return full


def _match_pattern(n: str, desc: Any) -> str:
    """_match_national_number(..., allow_prefix_match=False): full match of the pattern only."""
    if desc is None or not desc.national_number_pattern:
        return "false"
    return f"regexp_full_match({n}, {_q(desc.national_number_pattern)})"


def _type_sql(n: str, md: Any) -> str:
    """_number_type_helper as a CASE giving our lower-case type names."""
    parts = [f"WHEN NOT {_match_desc(n, md.general_desc)} THEN 'unknown'"]
    for name in _TYPE_DESCS:
        parts.append(f"WHEN {_match_desc(n, getattr(md, name))} THEN '{name}'")
    same = bool(md.same_mobile_and_fixed_line_pattern)
    fixed = _match_desc(n, md.fixed_line)
    mobile = _match_desc(n, md.mobile)
    if same:
        parts.append(f"WHEN {fixed} THEN 'fixed_line_or_mobile'")
    else:
        parts.append(f"WHEN {fixed} THEN CASE WHEN {mobile} THEN 'fixed_line_or_mobile' "
                     "ELSE 'fixed_line' END")
        parts.append(f"WHEN {mobile} THEN 'mobile'")
    return "CASE " + " ".join(parts) + " ELSE 'unknown' END"


def _length_sql(n: str, md: Any) -> str | None:
    """_test_number_length for type UNKNOWN (general desc), as our reason names."""
    lengths = list(md.general_desc.possible_length)
    local = list(md.general_desc.possible_length_local_only or ())
    if not lengths:
        return None
    rest = lengths[1:]
    local_case = (f"WHEN length({n}) IN ({', '.join(map(str, local))}) THEN 'local_only' "
                  if local else "")
    rest_case = (f"WHEN length({n}) IN ({', '.join(map(str, rest))}) THEN 'possible' "
                 if rest else "")
    return (f"CASE {local_case}WHEN length({n}) = {lengths[0]} THEN 'possible' "
            f"WHEN length({n}) < {lengths[0]} THEN 'too_short' "
            f"WHEN length({n}) > {lengths[-1]} THEN 'too_long' {rest_case}"
            "ELSE 'invalid_length' END")


def _cc_sql(full: str) -> str:
    """_extract_country_code: the first 1-3 digit prefix that is an assigned code."""
    by_len: dict[int, list[str]] = {1: [], 2: [], 3: []}
    for cc in COUNTRY_CODE_TO_REGION_CODE:
        by_len[len(str(cc))].append(_q(str(cc)))
    whens = " ".join(
        f"WHEN substr({full}, 1, {k}) IN ({', '.join(v)}) THEN substr({full}, 1, {k})"
        for k, v in sorted(by_len.items()) if v)
    return f"CASE WHEN {full} LIKE '0%' THEN NULL {whens} ELSE NULL END"


def _group_sql(cc: int, parse_region: str, src: str) -> str | None:
    """SELECT deciding the rows of `src` whose country is `cc`, parsed with `parse_region`'s
    metadata; None when this country is outside the fast path."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(cc, ())
    if not regions or "001" in regions:
        return None
    pmd = _metadata(parse_region)
    main = regions[0]
    mmd = _metadata(main)
    if pmd is None or mmd is None or not _simple_prefix(pmd):
        return None
    mds = {r: _metadata(r) for r in regions}
    if any(m is None for m in mds.values()):
        return None
    length_main = _length_sql("nsn", mmd)
    length_parse = _length_sql("potential", pmd)
    if length_main is None or length_parse is None:
        return None
    gd = pmd.general_desc
    p = pmd.national_prefix_for_parsing or ""
    if p:
        stripped = f"substr(nsn0, {len(p) + 1})"
        potential = (
            f"CASE WHEN starts_with(nsn0, {_q(p)}) AND NOT ({_match_pattern('nsn0', gd)} "
            f"AND NOT {_match_pattern(stripped, gd)}) THEN {stripped} ELSE nsn0 END")
    else:
        potential = "nsn0"
    if len(regions) == 1:
        chosen = _q(regions[0])
        ntype = _type_sql("nsn", mds[regions[0]])
    else:
        whens = []
        for r in regions:
            m = mds[r]
            if m.leading_digits:
                cond = f"regexp_matches(nsn, {_q('^(?:' + m.leading_digits + ')')})"
            else:
                cond = f"({_type_sql('nsn', m)}) <> 'unknown'"
            whens.append(f"WHEN {cond} THEN {_q(r)}")
        chosen = f"CASE {' '.join(whens)} ELSE NULL END"
        ntype = ("CASE chosen " + " ".join(
            f"WHEN {_q(r)} THEN {_type_sql('nsn', mds[r])}" for r in regions)
            + " ELSE 'unknown' END")
    return f"""
    WITH a AS MATERIALIZED (
      SELECT raw, nsn0, {potential} AS potential FROM {src} WHERE cc = {_q(str(cc))}
        AND parse_region = {_q(parse_region)} AND verdict IS NULL
    ), b AS MATERIALIZED (
      SELECT raw, CASE WHEN ({length_parse}) NOT IN ('too_short', 'local_only',
                  'invalid_length') THEN potential ELSE nsn0 END AS nsn FROM a
    ), c AS MATERIALIZED (
      SELECT raw, nsn, {chosen} AS chosen FROM b
    ), d AS MATERIALIZED (
      SELECT raw, nsn, chosen, CASE WHEN chosen IS NULL THEN 'unknown' ELSE {ntype} END AS ntype,
             {length_main} AS len_reason
      FROM c
    )
    SELECT raw,
      CASE WHEN length(nsn) > {_MAX_NSN} THEN 'invalid'
           WHEN ntype <> 'unknown' THEN 'valid'
           WHEN len_reason = 'local_only' THEN 'possible' ELSE 'invalid' END AS status,
      CASE WHEN length(nsn) > {_MAX_NSN} THEN 'too_long'
           WHEN ntype <> 'unknown' THEN ''
           WHEN len_reason = 'possible' THEN 'invalid_for_region' ELSE len_reason END AS reason,
      CASE WHEN length(nsn) <= {_MAX_NSN} AND (ntype <> 'unknown' OR len_reason = 'local_only')
           THEN '+{cc}' || nsn END AS e164,
      CASE WHEN length(nsn) <= {_MAX_NSN} AND ntype <> 'unknown' THEN ntype END AS ntype,
      CASE WHEN length(nsn) > {_MAX_NSN} THEN NULL
           ELSE coalesce(chosen, {_q(main)}) END AS region
    FROM d"""


def decide_fast(store: Store, raw_table: str, out_table: str, default_region: str,
                min_group: int = 200) -> int:
    """Creates `out_table(raw, status, reason, e164, ntype, region)` with the verdicts of the
    cells of `raw_table(raw)` this path can decide; returns how many. Cells it leaves out must
    go through `check_phone`."""
    region = default_region.upper()
    store.execute(f"CREATE OR REPLACE TEMP TABLE {out_table} (raw VARCHAR, status VARCHAR, "
                  "reason VARCHAR, e164 VARCHAR, ntype VARCHAR, region VARCHAR)")
    if not fast_path_supported(region):
        return 0
    md = _metadata(region)
    own_cc = str(md.country_code)
    src = "_mh_pf_src"
    # Step 1: digits, form (plus / IDD 00 / national) and the country code.
    store.execute(f"""
    CREATE OR REPLACE TEMP TABLE {src} AS
    WITH s AS MATERIALIZED (
      SELECT raw, {_strip_sql('body', ' .-()+')} AS d, contains(body, '+') AS plus
      FROM (SELECT raw, CASE WHEN regexp_matches(raw, '^[ (+0-9]') THEN raw
                             ELSE regexp_replace(raw, {_q(_LABEL)}, '') END AS body
            FROM {raw_table} WHERE raw IS NOT NULL AND length(raw) <= 60)
      WHERE regexp_matches(body, {_q(_SIMPLE)})
    ), f AS MATERIALIZED (
      SELECT raw, d, plus,
        CASE WHEN plus THEN 'intl' WHEN d LIKE '000%' THEN 'other'
             WHEN d LIKE '00%' THEN 'intl' WHEN starts_with(d, {_q(own_cc)}) THEN 'other'
             ELSE 'national' END AS form,
        CASE WHEN plus THEN d WHEN d LIKE '00%' THEN substr(d, 3) ELSE d END AS fulln
      FROM s WHERE length(d) >= 3
    ), g AS MATERIALIZED (
      SELECT raw, form, fulln,
             CASE WHEN form = 'intl' THEN {_cc_sql('fulln')} ELSE {_q(own_cc)} END AS cc
      FROM f WHERE form <> 'other' AND NOT (form = 'intl' AND fulln LIKE '0%')
    )
    SELECT raw, form, cc,
      CASE WHEN form = 'national' THEN fulln ELSE substr(fulln, length(cc) + 1) END AS nsn0,
      CASE WHEN form = 'intl' AND length(fulln) <= {_MIN_NSN} THEN 'too_short'
           WHEN form = 'intl' AND cc IS NULL THEN 'invalid_country_code'
           WHEN length(CASE WHEN form = 'national' THEN fulln
                            ELSE substr(fulln, length(cc) + 1) END) < {_MIN_NSN}
             THEN 'too_short'
      END AS verdict,
      CASE WHEN form = 'national' THEN {_q(region)} END AS parse_region
    FROM g""")
    # Early verdicts (parse exceptions): too short after the IDD, unknown country code.
    store.execute(f"""INSERT INTO {out_table}
        SELECT raw, 'invalid', verdict, NULL, NULL, NULL FROM {src} WHERE verdict IS NOT NULL""")
    # parse() reads a national number with the default region's metadata and an international
    # one with the metadata of its country's main region.
    for (cc_text,) in store.fetchall(
            f"SELECT DISTINCT cc FROM {src} WHERE verdict IS NULL AND form = 'intl'"):
        regions = COUNTRY_CODE_TO_REGION_CODE.get(int(cc_text), ())
        if regions:
            store.execute(f"UPDATE {src} SET parse_region = ? WHERE cc = ? AND form = 'intl'",
                          [regions[0], cc_text])
    # A country with few cells costs more to compile than to parse in Python.
    groups = store.fetchall(f"SELECT cc, parse_region FROM {src} WHERE verdict IS NULL "
                            "AND parse_region IS NOT NULL GROUP BY ALL HAVING count(*) >= ?",
                            [min_group])
    for cc_text, parse_region in groups:
        sql = _group_sql(int(cc_text), str(parse_region), src)
        if sql is not None:
            store.execute(f"INSERT INTO {out_table} {sql}")
    store.execute(f"DROP TABLE IF EXISTS {src}")
    return int(store.scalar(f"SELECT count(*) FROM {out_table}"))
