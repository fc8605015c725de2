"""A contact file's column names: folded as compared, this tool's own (mh_*) columns, the choice
of the address column, and the tests that tell titles.py which row can be the header."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from mailhygiene import config
from mailhygiene.errors import InputError
from mailhygiene.privacy import mask_text


def norm_header(name: str) -> str:
    """A column name as compared (case, accents, '_' and spacing folded)."""
    s = unicodedata.normalize("NFKD", name.strip().strip("\ufeff")).casefold()
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.replace("_", " ").split())


_ADDRESS_HEADERS = [norm_header(h) for h in config.ADDRESS_HEADERS]


def column_key(name: str) -> str:
    """A column name as matched against this tool's own (mh_*): spacing, BOM and case
    folded, nothing else (norm_header also folds '_' and accents, for address headers)."""
    return name.strip().strip("\ufeff").casefold()


def is_own_column(name: str) -> bool:
    """A column named as this tool names its own (mh_status, mh_<phone>_e164...)."""
    return column_key(name).startswith(config.OUTPUT_PREFIX)


def own_columns(header: Sequence[str]) -> set[int]:
    """The columns a file cleaned before holds from an earlier run (0-based): its mh_* ones,
    when it has all of config.OUTPUT_COLUMNS. They hold verdicts, not data to check: never
    taken for the address or a phone column, and refreshed in the cleaned CSV. In any other
    file an mh_* column is the user's own data, kept as it is."""
    names = {column_key(h) for h in header}
    if not set(config.OUTPUT_COLUMNS) <= names:
        return set()
    return {i for i, h in enumerate(header) if is_own_column(h)}


def find_address_column(header: list[str], rows: list[list[str]],
                        column: str | None) -> tuple[int, bool]:
    """(0-based index, first row is a header). `column` is a header name or 1-based index."""
    if column is not None:
        names = [norm_header(h) for h in header]
        want = norm_header(column)
        if want in names:
            return names.index(want), True
        if column.isdigit() and 1 <= int(column) <= len(header):
            return int(column) - 1, True
        # masked before it is cut: a cut address ("karim.ben...") no longer looks like one
        shown = mask_text(", ".join(header))[:300]
        raise InputError(f"column {column!r} not found; columns are: {shown}")
    # A cleaned file's own columns (mh_address) are never taken for the address column.
    own = own_columns(header)
    names = ["" if i in own else norm_header(h) for i, h in enumerate(header)]
    # Columns whose header names an address column, best first: exact names in
    # ADDRESS_HEADERS' order, then names holding "mail" or "courriel" in column order. A name
    # can mislead ("Adresse" is often the postal address, "Mailing Street", Google Contacts'
    # "E-mail 1 - Type"): the one whose sample holds the most cells with an '@' wins, the
    # better-named on a tie, and the first of all when no sample holds one (or none was given).
    named = [names.index(w) for w in _ADDRESS_HEADERS if w in names]
    named += [i for i, n in enumerate(names)
              if ("mail" in n or "courriel" in n) and i not in named]
    if named:
        sample = rows[:200]
        found = [sum(1 for r in sample if i < len(r) and "@" in r[i]) for i in named]
        return named[found.index(max(found))], True
    # No recognisable header: the column where most values look like addresses.
    candidates = [header, *rows[:200]]
    best, best_hits = -1, 0
    for i in range(len(header)):
        if i in own:
            continue
        hits = sum(1 for r in candidates if i < len(r) and "@" in r[i])
        if hits > best_hits:
            best, best_hits = i, hits
    if best >= 0 and best_hits >= max(1, len(candidates) // 2):
        return best, "@" not in header[best]
    raise InputError(
        "no address column found (looked for a header like email, e-mail, courriel, mail, "
        "adresse, or a column of addresses); name it with --column"
    )


def address_column_hint(header: Sequence[str], rows: Sequence[Sequence[str]],
                        chosen: int) -> tuple[int, int, int] | None:
    """Another column that holds addresses far more often than the one its name chose
    ("email", empty on most rows, beside "Contact" full of them): (its index, its cells with
    an '@' among the sample's rows, the chosen column's). None when the chosen column holds
    an '@' in half the sample or more, or no other column holds at least that many and
    twice the chosen one's. Only a hint: the name decided, and --column overrides it."""
    sample = rows[:200]

    def at_cells(i: int) -> int:
        return sum(1 for r in sample if i < len(r) and "@" in r[i])

    have = at_cells(chosen)
    need = max(5, len(sample) // 2)
    if have >= need:
        return None
    own = own_columns(header)
    best, best_hits = -1, 0
    for i in range(len(header)):
        if i != chosen and i not in own and (hits := at_cells(i)) > best_hits:
            best, best_hits = i, hits
    if best < 0 or best_hits < max(need, 2 * have + 1):
        return None
    return best, best_hits, have


def _header_test(column: str | None) -> Callable[[Sequence[str]], bool]:
    """Whether a row can be the header (titles.title_rows): it holds the name given with
    --column or, without one (or with an index), a name find_address_column takes for the
    address column's."""
    if column is not None and not column.isdigit():
        want = norm_header(column)
        return lambda row: any(norm_header(c) == want for c in row)

    def named(row: Sequence[str]) -> bool:
        names = [norm_header(c) for c in row]
        return any(n in _ADDRESS_HEADERS or "mail" in n or "courriel" in n for n in names)

    return named


def is_address_name(cell: str) -> bool:
    """Whether a cell is an address-column name exactly (find_address_column's first rule):
    `email`, `E-mail`, `Courriel`, not "Liste emailing", a title that holds "mail"."""
    return norm_header(cell) in _ADDRESS_HEADERS


def _name_test(column: str | None) -> Callable[[str], bool]:
    """Whether a one-column list's line is its header (titles.list_header): an address-column
    name, exactly, or the name given with --column."""
    if column is None or column.isdigit():
        return is_address_name
    want = norm_header(column)
    return lambda cell: is_address_name(cell) or norm_header(cell) == want
