"""Suppression (opt-out) lists (issue 11): people who objected must not be contacted (Moroccan
law 09-08 and CNDP guidance, the French Bloctel list under law 2020-901, GDPR art. 21).

`import_suppression` stores a list of emails, phone numbers or whole domains, normalized the way
the pipeline normalizes contacts (emails: the key `check` gives a valid address; phones: E.164;
domains: ASCII lowercase), or as SHA-256 hex digests of those forms (the usual way such lists
are exchanged; for phones the digest of the E.164 form with or without its '+' is accepted).
It reads the file (`read_suppression_file`, as `check` reads a contact file) before opening the
store (`import_suppression_file`), so a file with nothing to import creates nothing.

`apply_suppressions` marks a base's matches. Every matching contact gains the `suppressed` flag;
its status becomes `do_not_mail/suppressed` unless it is `invalid` (the invalid rate must not
depend on which opt-out lists were loaded), `duplicate` (duplicates are outside the rates and the
send list already) or already `do_not_mail`. Phone cells that match get
`mh_<col>_status = suppressed` when they were valid or possible numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailhygiene import config, syntax_fast
from mailhygiene.errors import InputError
from mailhygiene.history_detail import keep_lifted_sql
from mailhygiene.ingest import (  # read as `check` reads contact files
    OLE2_MAGIC,
    detect_encoding,
    find_address_column,
    is_address_name,
    norm_header,
    python_decoding,
    reads_as_workbook,
    sha256_file,
    split_records,
    xlsx_rows,
)
from mailhygiene.phones import (
    PhoneStatus,
    check_phone,
    decide_cells,
    detect_phone_columns,
    phone_region,
)
from mailhygiene.privacy import mask_address
from mailhygiene.report.fmt import plural
from mailhygiene.store.core import key_of_base_sql, merged_flags_sql, now
from mailhygiene.store.phones import phones_table, recorded_phone_columns
from mailhygiene.store.suppressions import (
    SUPPRESSIONS_DDL,
    has_entries,
    insert_entries,
    list_rows,
)
from mailhygiene.store.txn import atomic
from mailhygiene.syntax import check_syntax
from mailhygiene.titles import title_rows
from mailhygiene.types import SUPPRESSION_DETAIL, Flag, Reason, Status

if TYPE_CHECKING:
    from mailhygiene.store import Store

__all__ = [
    "KINDS",
    "ImportStats",
    "SuppressStats",
    "SuppressionFile",
    "apply_suppressions",
    "email_key",
    "import_suppression",
    "import_suppression_file",
    "list_suppressions",
    "normalize_entry",
    "read_suppression_file",
]

KINDS = ("email", "phone", "domain")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
# Column names are folded as `check` folds them (ingest.norm_header: case, accents, '_') and
# recognised as `check` recognises them (find_address_column, detect_phone_columns), plus:
_PHONE_NAMES = frozenset({"numero", "number", "e164", "e.164", "msisdn"})
_DOMAIN_WORDS = frozenset({"domain", "domains", "domaine", "domaines"})
_HASH_WORDS = frozenset({"sha256", "hash", "hashed", "hashes", "digest"})
# A cell that looks like an entry never names a column: "gmail.com" or "mail.ru" at the top of
# a domain list is its first domain, not a header.
_ENTRY_LIKE = re.compile(r"@|\.[^\W\d_]{2,}$")
# The words that name a column alone (`Téléphone`, `numero`, `sha256`, `email_sha256`): a
# one-column list's header, as opposed to a title above it ("Liste téléphone Bloctel").
_NAME_WORDS = frozenset({*_PHONE_NAMES, *config.PHONE_HEADER_WORDS, *_DOMAIN_WORDS,
                         *_HASH_WORDS,
                         *(w for h in config.ADDRESS_HEADERS for w in re.findall(r"[a-z]+", h))})


# Email entries are judged as `check` judges addresses: stored as the key it gives a valid
# contact; one it finds invalid is rejected (such a contact is never mailed and its '!' key
# matches no entry). syntax_fast's rules decide the plain majority, email-validator the rest.
# RFC 5321 caps an address at 254 octets: a longer cell is no address, whatever name wraps it,
# and email-validator spends half a second on a 2 MB one.
_MAX_ENTRY_CHARS = 1024
# `check`'s cleaned CSV writes a cell starting with one of these behind an apostrophe
# (output.FORMULA_PREFIXES, against CSV injection): a list cut from such a file gets them back.
_FORMULA_FIRST = "=+-@\t\r"
# `Jean Dupont <jean@acme.fr>`, `"Dupont, Jean" <jean@acme.fr>`, `<jean@acme.fr>`: a mail
# client's copy of an address (RFC 5322 name-addr). `check` refuses the form in a contact cell;
# on an opt-out list it names the mailbox between the brackets.
_NAME_ADDR = re.compile(r'(?:[^<>@"]*|"[^"]*")\s*<([^<>]*)>')


def _syntax_key(text: str) -> str | None:
    """The key `check` gives a contact cell `text`, None when it judges the cell invalid."""
    if syntax_fast.fast_valid(text):
        return text.lower()
    if len(text) > _MAX_ENTRY_CHARS:
        return None
    r = check_syntax(text)
    return r.key if r.ok else None


def _spellings(text: str) -> Iterator[str]:
    """The entry, then the address it spells in a form `check` refuses but that names exactly
    one mailbox: in a name-addr, after `mailto:`, or with the root's trailing dot."""
    yield text
    m = _NAME_ADDR.fullmatch(text)
    if m:
        text = m.group(1).strip()
        yield text
    if text[:7].casefold() == "mailto:":
        text = text[7:].strip()
        yield text
    if text.endswith(".") and "@" in text:
        yield text.rstrip(".")  # `jean@acme.fr.`: the same domain, written absolute


def email_key(value: str) -> str | None:
    """The stored form of an email entry: the key `check` gives the address it names, or None
    when it names no address `check` would find valid (counted as rejected)."""
    text = value.strip()
    if len(text) > _MAX_ENTRY_CHARS:
        return None
    if text[:1] == "'" and text[1:2] and text[1:2] in _FORMULA_FIRST:
        # `check`'s own formula escape, undone: `'-jean@acme.fr` (itself valid) is taken for
        # -jean@acme.fr; `'@x.fr` (no address without its apostrophe) stays as written.
        key = _spelled_key(text[1:].strip())
        if key is not None:
            return key
    return _spelled_key(text)


def _spelled_key(text: str) -> str | None:
    for candidate in _spellings(text):
        key = _syntax_key(candidate)
        if key is not None:
            return key
    return None


def _domain_key(value: str) -> str | None:
    # "@acme.fr" names a domain; "jane@acme.fr" is an address, and cutting it down to
    # acme.fr would suppress every contact of the domain for one person's opt-out.
    d = value.removeprefix("@")
    if "@" in d or len(d) > _MAX_ENTRY_CHARS:
        return None
    d = d.strip().lstrip("*").lstrip(".").rstrip(".")
    if not d:
        return None
    # A domain `check` accepts in an address, in the form it stores as the contact's domain.
    key = _syntax_key(f"x@{d}")
    return key.rpartition("@")[2] if key is not None else None


@dataclass(frozen=True, slots=True)
class ImportStats:
    list_name: str
    kind: str
    hashed: bool
    read: int  # non-empty entries read, unreadable records (a stray quote) included
    stored: int  # new distinct entries added to the list
    repeated: int  # entries already in the list or repeated in the file
    rejected: int  # entries that do not normalize (not an address / number / domain / digest)
    imported_at: str

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_entry(value: str, kind: str, hashed: bool,
                    default_region: str = config.DEFAULT_PHONE_REGION) -> str | None:
    """The stored form of one list entry, or None if it is not a usable entry."""
    v = value.strip()
    if not v:
        return None
    if hashed:
        return v.lower() if _HEX64.fullmatch(v) else None
    if kind == "email":
        return email_key(v)
    if kind == "phone":
        r = check_phone(v, default_region)
        return r.e164 if r.status in (PhoneStatus.VALID, PhoneStatus.POSSIBLE) else None
    if kind == "domain":
        return _domain_key(v)
    raise InputError(f"unknown suppression kind {kind!r} (one of {', '.join(KINDS)})")


# --- reading a list file -------------------------------------------------------------------
def _read_rows(path: Path) -> tuple[list[list[str]], int]:
    """The file's records (fields) and how many could not be read (an unbalanced quote). An
    XLSX workbook's first sheet is read as `check` reads it; text is decoded as `check`
    decodes it (ingest.detect_encoding: UTF-8, cp1252, UTF-16 with or without a BOM...)."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from e
    if head == OLE2_MAGIC:
        raise InputError(f"{path.name} is an Excel 97-2003 (.xls) or password-protected "
                         "workbook, which cannot be read: save it as .xlsx or CSV")
    if reads_as_workbook(path, head):
        return list(xlsx_rows(path, None)), 0
    return _text_rows(_read_text(path))


def _read_text(path: Path) -> str:
    try:
        encoding, bom = detect_encoding(path)
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from e
    if bom and not encoding.startswith("utf-16"):
        data = data.removeprefix(b"\xef\xbb\xbf")
    py_enc, errors = python_decoding(encoding)
    try:
        return data.decode(py_enc, errors)
    except UnicodeDecodeError as e:
        raise InputError(f"cannot decode {path.name} as {encoding}: {e.reason}") from e


def _unquote(cell: str) -> str:
    """A one-column line written as a CSV field (`"jean@acme.fr"`) is its value; a line that is
    not one well-formed field stays as it is (and is judged as such)."""
    try:
        fields = next(csv.reader([cell], strict=True))
    except (csv.Error, StopIteration):
        return cell
    return fields[0] if len(fields) == 1 else cell


def _text_rows(text: str) -> tuple[list[list[str]], int]:
    """Blank lines and `#` comment lines are skipped. One value per line, or delimited records
    read as `check` reads them (ingest.split_records): a stray quote costs its own line, which
    is counted, and never swallows the lines after it."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        return [], 0
    delim = _delimiter(lines)
    if delim is None:
        cells = (ln.strip() for ln in lines)
        return [[_unquote(c) if c[:1] == '"' else c] for c in cells], 0
    return _split(lines, delim)


def _split(lines: Sequence[str], delim: str) -> tuple[list[list[str]], int]:
    rows: list[list[str]] = []
    bad = 0
    for rec, _ in split_records(io.StringIO("\n".join(lines) + "\n", newline=""), delim):
        if rec is None:
            bad += 1
        elif rec:
            rows.append(rec)
    return rows, bad


def _delimiter(lines: Sequence[str]) -> str | None:
    """The delimiter of a delimited file, None for one value per line: the first line's most
    frequent one. A first line without any is a value, unless it is a title above a table's
    header ("Désinscrits 2024" above "Nom;Email"): then the delimiter of the first line below
    it that holds one, above any entry."""
    def most(line: str) -> str | None:
        d = max((",", ";", "\t"), key=line.count)
        return d if d in line else None

    if (d := most(lines[0])) is not None:
        return d
    for line in lines[1:config.MAX_TITLE_ROWS + 1]:
        if _is_entry(line):
            return None
        if (d := most(line)) is not None:
            head = _split(lines[:config.MAX_TITLE_ROWS + 1], d)[0]
            return d if _title_count(head) else None
    return None


def _is_entry(cell: str) -> bool:
    """A cell that is data, never a title or a header: an address or a domain, a digest, or a
    number (six digits or more and no letter: "Désinscrits au 05/01/2024" is a title)."""
    c = cell.strip()
    return bool(_ENTRY_LIKE.search(c) or _HEX64.fullmatch(c)) or (
        sum(ch.isdigit() for ch in c) >= 6 and not any(ch.isalpha() for ch in c))


def _title_count(rows: Sequence[Sequence[str]]) -> int:
    """How many of `rows` are titles above the header: `check`'s rule (titles.title_rows,
    with a header that names a column as `_cells` reads one), looked for above the first row
    holding an entry. An opt-out list of numbers or domains has no '@' to stop it, and a data
    row taken for a title would be an opt-out lost."""
    head = list(takewhile(lambda row: not any(_is_entry(c) for c in row),
                          rows[:config.MAX_TITLE_ROWS + 1]))
    return title_rows(head, lambda row: bool(_named_columns(row)), _is_name)


def _is_name(cell: str) -> bool:
    """A one-column list's header (titles.list_header): a column name alone, as `check` knows
    address-column names (ingest.is_address_name) or made of _NAME_WORDS only, that also names
    a column as `_cells` reads one."""
    words = re.findall(r"[a-z0-9]+", norm_header(cell))
    alone = is_address_name(cell) or (bool(words) and _NAME_WORDS.issuperset(words))
    return alone and bool(_named_columns([cell]))


@dataclass(frozen=True, slots=True)
class _Column:
    index: int
    kind: str | None  # None: a digest column whose name does not say of what
    hashed: bool | None  # True: the name says digests; None: told by the entries


def _named_columns(header: Sequence[str],
                   rows: Sequence[Sequence[str]] = ()) -> list[_Column]:
    """The columns of `header` whose names say what they hold, in header order. Of several
    that could name the address column, `check`'s choice: the one whose first 200 `rows`
    hold the most `@` (a French export's postal `Adresse` beside `Adresse courriel`, which
    made the list's entries postal addresses, all rejected)."""
    names = [norm_header(h) for h in header]
    named = ["" if _ENTRY_LIKE.search(n) else h for h, n in zip(header, names, strict=True)]
    phones = set(detect_phone_columns(named))
    try:
        # Without rows, only a name makes a header (a column of addresses under a title is
        # not one); with them, the @-count picks among the names.
        first, is_header = find_address_column(named, [], None)
        if is_header and rows:
            first, is_header = find_address_column(named, [list(r) for r in rows[:200]],
                                                   None)
        emails = {first} if is_header else set()
    except InputError:
        emails = set()
    out = []
    for i, n in enumerate(names):
        if not named[i]:
            continue
        words = re.findall(r"[a-z0-9]+", n)
        kind = ("phone" if i in phones or n in _PHONE_NAMES
                else "domain" if _DOMAIN_WORDS.intersection(words)
                else "email" if i in emails else None)
        if _HASH_WORDS.intersection(words) or "sha256" in "".join(words):
            out.append(_Column(i, kind, True))
        elif kind is not None:
            out.append(_Column(i, kind, None))
    return out


def _cells(rows: Sequence[Sequence[str]], kind: str | None,
           hashed: bool | None) -> tuple[list[str], _Column | None]:
    """The entries of a one-value-per-line file or of one column of a delimited file or sheet,
    and the column when its name says what it holds. A first record that names a column is a
    header, one column or several; among named columns, the first that fits `kind` and
    `hashed`."""
    if not rows:
        return [], None
    columns = _named_columns(rows[0], rows[1:])
    fits = [c for c in columns
            if (kind is None or c.kind in (kind, None))
            and (hashed is None or bool(c.hashed) == hashed)]
    if not columns:
        return [r[0].strip() for r in rows if r], None  # no header: first column
    col = (fits or columns)[0]
    return [r[col.index].strip() for r in rows[1:] if len(r) > col.index], col


def _looks_like(entry: str) -> str | None:
    local, at, _ = entry.rpartition("@")
    if at and local.strip():
        return "email"
    if sum(ch.isdigit() for ch in entry) >= 6:
        return "phone"
    if "." in entry and not re.search(r"\s", entry):
        return "domain"
    return None


def _detect_kind(cells: Sequence[str], column: _Column | None, hashed: bool) -> str:
    if column is not None and column.kind is not None:
        return column.kind
    if hashed:
        return "email"  # digests of emails are by far the common exchange
    # What most entries look like; a tie goes to email, then phone, so a list where addresses
    # are not a majority is still not read as domains (and domain lists reject addresses).
    votes = Counter(_looks_like(c) for c in cells[:1000] if c)
    return max(KINDS, key=lambda k: votes[k])


@dataclass(frozen=True, slots=True)
class SuppressionFile:
    """An opt-out file read, its column chosen and its kind decided, before any store is
    opened: a file with nothing to import is refused without creating one."""

    path: Path
    kind: str
    hashed: bool
    cells: list[str]  # the non-empty entries of the chosen column, in file order
    unreadable: int  # records that could not be read (an unbalanced quote): rejected
    sha256: str  # of the file's bytes


def read_suppression_file(path: str | Path, kind: str | None = None,
                          hashed: bool | None = None) -> SuppressionFile:
    """Reads an opt-out list: one entry per line, a CSV or an XLSX workbook's first sheet.
    `kind` None detects it (header, then content); `hashed` None detects SHA-256 hex digests
    (header, else 90% of entries). A file without a single entry (empty, blank lines, only a
    header: a truncated export) raises InputError."""
    p = Path(path)
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown suppression kind {kind!r} (one of {', '.join(KINDS)})")
    rows, unreadable = _read_rows(p)
    rows = rows[_title_count(rows):]  # not entries (nor counted as rejected ones)
    cells, column = _cells(rows, kind, hashed)
    cells = [c for c in cells if c]
    if not cells and not unreadable:
        raise InputError(f"nothing to import: {p.name} has no entries (it is empty, blank or "
                         "only a header); nothing stored")
    if hashed is None:
        hashed = (column is not None and column.hashed) or (
            bool(cells) and sum(bool(_HEX64.fullmatch(c)) for c in cells) >= 0.9 * len(cells))
    kind = kind or _detect_kind(cells, column, hashed)
    try:
        digest = sha256_file(p)
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror or e}") from e
    return SuppressionFile(p, kind, hashed, cells, unreadable, digest)


def import_suppression(store: Store, path: str | Path, list_name: str | None = None,
                       kind: str | None = None, hashed: bool | None = None,
                       default_region: str = config.DEFAULT_PHONE_REGION) -> ImportStats:
    """Adds the entries of `path` to the suppression list `list_name` (default: the file's
    stem): read_suppression_file, then import_suppression_file."""
    region = phone_region(default_region)
    return import_suppression_file(store, read_suppression_file(path, kind, hashed),
                                   list_name, region)


def import_suppression_file(store: Store, listed: SuppressionFile, list_name: str | None = None,
                            default_region: str = config.DEFAULT_PHONE_REGION) -> ImportStats:
    """Adds the entries of a read list to the suppression list `list_name` (default: the
    file's stem). Entries already in the list keep their first import date. A file whose every
    entry is rejected stores nothing and raises InputError."""
    p, kind, hashed, cells = listed.path, listed.kind, listed.hashed, listed.cells
    region = phone_region(default_region)
    name = (list_name or p.stem or config.DEFAULT_SUPPRESSION_LIST).strip()
    if kind == "phone" and not hashed:
        values = _phone_entries(store, cells, region)
    else:
        values = [normalize_entry(c, kind, hashed, region) for c in cells]
    good = [v for v in values if v is not None]
    read = len(cells) + listed.unreadable
    if not good:
        raise InputError(_all_rejected(p, cells, read, kind, hashed, region))
    imported_at = now()
    stored = insert_entries(store, name, kind, hashed, good, imported_at, str(p), listed.sha256)
    return ImportStats(
        list_name=name, kind=kind, hashed=hashed, read=read, stored=stored,
        repeated=len(good) - stored, rejected=read - len(good),
        imported_at=imported_at.isoformat(timespec="seconds"),
    )


def _all_rejected(path: Path, cells: Sequence[str], read: int, kind: str, hashed: bool,
                  region: str) -> str:
    """One line: how many entries, read as what, and why the first was refused (masked: lists
    hold personal data)."""
    what = f"SHA-256 digests of {kind}s" if hashed else f"{kind}s"
    every = "the only entry" if read == 1 else f"all {read:,} entries"
    head = (f"nothing stored: {every} of {path.name} {plural(read, 'was', 'were')} rejected "
            f"as {what}")
    if not cells:
        return f"{head} (no record could be read: unbalanced quotes)"
    first = cells[0]
    if hashed:
        why = "not a SHA-256 hex digest"
    elif kind == "phone":
        reason = check_phone(first, region).reason
        why = f"{reason.value if reason else 'invalid'} in region {region}"
    elif kind == "domain" and "@" in first.removeprefix("@"):
        why = "an address, not a domain"
    elif len(first) > _MAX_ENTRY_CHARS:
        why = f"longer than {_MAX_ENTRY_CHARS:,} characters"
    elif kind == "email":
        r = check_syntax(first)
        why = f"not an address: {r.reason.value if r.reason else 'invalid'}"
    else:
        why = "not a domain"
    shown = " ".join(mask_address(first).split())[:80]  # one line, whatever the cell holds
    return (f"{head} (first: {shown}, {why}); see --kind, --hashed/--plain and "
            f"--default-region")


def _phone_entries(store: Store, cells: Sequence[str], region: str) -> list[str | None]:
    """The E.164 form of each of `cells`, None when it is not a valid or possible number, in
    bulk (opt-out lists such as Bloctel hold millions of numbers): normalize_entry's verdicts."""
    import numpy as np  # here only: a check never imports a list, and numpy takes 40 ms

    store.con.register("_mh_supp_cells", {"raw": np.array(list(cells) or [""], dtype=object)})
    try:
        store.execute("CREATE OR REPLACE TEMP TABLE _mh_supp_raw AS "
                      "SELECT DISTINCT raw FROM _mh_supp_cells")
        decide_cells(store, "_mh_supp_raw", "_mh_supp_verdicts", region)
        e164 = dict(store.fetchall(
            "SELECT raw, e164 FROM _mh_supp_verdicts WHERE status IN ('valid', 'possible')"))
    finally:
        store.con.unregister("_mh_supp_cells")
        store.execute("DROP TABLE IF EXISTS _mh_supp_raw")
        store.execute("DROP TABLE IF EXISTS _mh_supp_verdicts")
    return [e164.get(c) for c in cells]


def list_suppressions(store: Store) -> list[dict[str, Any]]:
    return list_rows(store)


@dataclass(frozen=True, slots=True)
class SuppressStats:
    email_rows: int  # contacts on an email or domain list, whatever their status
    marked: int  # contacts whose status became do_not_mail/suppressed
    by_list: dict[str, int] = field(default_factory=dict)  # matched contacts per list
    domain_rows: int = 0  # of email_rows, matched through a domain list
    phones: dict[str, int] = field(default_factory=dict)  # suppressed cells per column (total)

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def _domain_hits(store: Store, base_id: int) -> dict[str, str]:
    """Contact domains on a domain list (the domain itself or a parent: a company's opt-out
    covers its subdomains), with the first list name."""
    plain: dict[str, str] = {}
    digests: dict[str, str] = {}
    for name, hashed, value in store.fetchall(
            "SELECT list_name, hashed, value FROM suppressions WHERE kind = 'domain' "
            "ORDER BY list_name DESC"):
        (digests if hashed else plain)[value] = name
    hits: dict[str, str] = {}
    for (dom,) in store.fetchall(
            "SELECT DISTINCT domain FROM contacts WHERE base_id = ? AND domain IS NOT NULL",
            [base_id]):
        labels = str(dom).split(".")
        for i in range(len(labels) - 1):
            parent = ".".join(labels[i:])
            name = plain.get(parent) or (digests.get(sha256_hex(parent)) if digests else None)
            if name:
                hits[str(dom)] = name
                break
    return hits


def apply_suppressions(store: Store, base_id: int,
                       phone_columns: Sequence[str] | None = None) -> SuppressStats:
    """Marks contacts of `base_id` found on any stored suppression list, and phone cells of the
    phone columns (headers or output prefixes; None: every column apply_phones wrote)."""
    store.ensure(SUPPRESSIONS_DDL)
    hits = _domain_hits(store, base_id) if has_entries(store, "domain") else {}
    hashed_emails = bool(store.scalar(
        "SELECT count(*) > 0 FROM suppressions WHERE kind = 'email' AND hashed"))
    # Entries are keys as `check` gives them; a base imported with --fold-providers holds
    # folded keys, so its entries are folded too. A digest cannot be folded: it is matched
    # against the folded key and the address as written (lowercase).
    entry = key_of_base_sql(store, base_id, "s.value")
    folded = entry != "s.value"
    hashed_join = (
        "UNION ALL SELECT c.row_no, s.list_name, false FROM contacts c JOIN suppressions s "
        "ON s.kind = 'email' AND s.hashed AND s.value = sha256(c.key) "
        "WHERE c.base_id = $base AND c.key IS NOT NULL"
    ) if hashed_emails else ""
    if hashed_emails and folded:
        hashed_join += (
            " UNION ALL SELECT c.row_no, s.list_name, false FROM contacts c JOIN suppressions s "
            "ON s.kind = 'email' AND s.hashed AND s.value = sha256(lower(c.address)) "
            "WHERE c.base_id = $base AND c.address IS NOT NULL")
    unparseable = _unparseable_join(store, base_id, hashed_emails)
    protected = ", ".join(f"'{s.value}'" for s in
                          (Status.INVALID, Status.DUPLICATE, Status.DO_NOT_MAIL))
    with atomic(store):
        store.execute(
            f"""CREATE OR REPLACE TEMP TABLE _mh_supp_hits AS
            SELECT row_no, min(list_name) AS list_name, bool_and(by_domain) AS by_domain
            FROM (
              SELECT c.row_no, s.list_name, false AS by_domain FROM contacts c
              JOIN suppressions s ON s.kind = 'email' AND NOT s.hashed AND {entry} = c.key
              WHERE c.base_id = $base
              {hashed_join}
              {unparseable}
              UNION ALL SELECT c.row_no, d.list_name, true FROM contacts c
              JOIN (SELECT unnest($domains::VARCHAR[]) AS domain,
                           unnest($lists::VARCHAR[]) AS list_name) d
                ON d.domain = c.domain AND d.domain <> ''
              WHERE c.base_id = $base
            ) GROUP BY row_no""",
            {"base": base_id, "domains": list(hits), "lists": list(hits.values())},
        )
        marked = int(store.scalar(
            f"""SELECT count(*) FROM contacts c JOIN _mh_supp_hits h USING (row_no)
                WHERE c.base_id = ? AND coalesce(c.status, '') NOT IN ({protected})""",
            [base_id]))
        suppressed_flag = f"'{Flag.SUPPRESSED.value}'"
        store.execute(
            f"""UPDATE contacts SET
              flags = {merged_flags_sql('contacts.flags', suppressed_flag)},
              status = CASE WHEN coalesce(contacts.status, '') NOT IN ({protected})
                            THEN '{Status.DO_NOT_MAIL.value}' ELSE contacts.status END,
              reason = CASE WHEN coalesce(contacts.status, '') NOT IN ({protected})
                            THEN '{Reason.SUPPRESSED.value}' ELSE contacts.reason END,
              detail = CASE WHEN coalesce(contacts.status, '') NOT IN ({protected})
                            THEN {keep_lifted_sql("'" + SUPPRESSION_DETAIL + "' || h.list_name",
                                                  'contacts.detail')}
                            ELSE contacts.detail END
            FROM _mh_supp_hits h
            WHERE contacts.base_id = ? AND contacts.row_no = h.row_no""",
            [base_id],
        )
        row = store.fetchone("SELECT count(*), count(*) FILTER (WHERE by_domain) "
                             "FROM _mh_supp_hits")
        by_list = {str(k): int(v) for k, v in store.fetchall(
            "SELECT list_name, count(*) FROM _mh_supp_hits GROUP BY 1 ORDER BY 1")}
        store.execute("DROP TABLE IF EXISTS _mh_supp_hits")
        phones = _suppress_phones(store, base_id, phone_columns)
    assert row is not None
    return SuppressStats(email_rows=int(row[0]), marked=marked, by_list=by_list,
                         domain_rows=int(row[1]), phones=phones)


# An address-like token of a row the CSV reader could not split into cells.
_TOKEN_RE = r"""[^\s,;"'<>()\[\]]+@[^\s,;"'<>()\[\]]+"""


def _unparseable_join(store: Store, base_id: int, hashed: bool) -> str:
    """Rows the reader could not align with the header (`unknown/unparseable_row`) have no
    address cell, yet hold an address somewhere in their raw text (input column 1): a listed
    one there suppresses the row, which would otherwise reach a send list (`--only
    unknown`)."""
    table = store.scalar("SELECT table_name FROM bases WHERE base_id = ?", [base_id])
    # (A base built by other means than an import may have no such table or column.)
    columns = store.scalar(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name IN "
        "('c1', 'mh_parse_error') AND database_name = current_database()", [str(table)])
    if not table or columns != 2:
        return ""
    pattern = _TOKEN_RE.replace("'", "''")
    tokens = (f"(SELECT row_no, unnest(regexp_extract_all(lower(c1), '{pattern}')) AS tok "
              f'FROM "{table}" WHERE mh_parse_error IS NOT NULL AND c1 IS NOT NULL)')
    value = "CASE WHEN s.hashed THEN sha256(u.tok) ELSE u.tok END" if hashed else "u.tok"
    return (f"UNION ALL SELECT u.row_no, s.list_name, false FROM {tokens} u "
            f"JOIN suppressions s ON s.kind = 'email' AND s.value = {value}")


def _suppress_phones(store: Store, base_id: int,
                     columns: Sequence[str] | None) -> dict[str, int]:
    cols = recorded_phone_columns(store, base_id)
    if columns is not None:
        wanted = {c.casefold() for c in columns}
        cols = [c for c in cols if c[1].casefold() in wanted or c[2].casefold() in wanted]
    t = phones_table(base_id)
    if not cols or not store.table_exists(t) or not has_entries(store, "phone"):
        return {head: 0 for _, head, _ in cols}
    out: dict[str, int] = {}
    ok = f"'{PhoneStatus.VALID.value}', '{PhoneStatus.POSSIBLE.value}'"
    for _, head, p in cols:
        store.execute(
            f"""WITH x AS (SELECT DISTINCT {p}_e164 AS e164 FROM {t}
                           WHERE {p}_status IN ({ok}))
                UPDATE {t} SET {p}_status = '{PhoneStatus.SUPPRESSED.value}',
                               {p}_reason = m.list_name
                FROM (SELECT e164, min(list_name) AS list_name FROM (
                        SELECT x.e164, s.list_name FROM x JOIN suppressions s
                          ON s.kind = 'phone' AND NOT s.hashed AND s.value = x.e164
                        UNION ALL SELECT x.e164, s.list_name FROM x JOIN suppressions s
                          ON s.kind = 'phone' AND s.hashed AND s.value = sha256(x.e164)
                        UNION ALL SELECT x.e164, s.list_name FROM x JOIN suppressions s
                          ON s.kind = 'phone' AND s.hashed
                          AND s.value = sha256(ltrim(x.e164, '+'))
                      ) GROUP BY 1) m
                WHERE {t}.{p}_status IN ({ok}) AND {t}.{p}_e164 = m.e164""")
        out[head] = int(store.scalar(
            f"SELECT count(*) FROM {t} WHERE {p}_status = 'suppressed'"))
    return out
