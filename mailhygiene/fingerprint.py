"""MinHash fingerprints of bases over keyed hashes (issue 7).

A fingerprint is a datasketch MinHash (scheme "affine64") of the set of a base's distinct dedup
keys, each fed in as the first 64 bits of its keyed hash. It is computed with numpy in bulk, but
with exactly datasketch's arithmetic: the MurmurHash3 fmix64 pre-mix, then per permutation
`a_k * h + b_k mod 2^64` with the (a, b) that `MinHash(num_perm, seed, scheme="affine64")`
draws, and the minimum over the set. So the result IS a datasketch MinHash: updating
`MinHash(num_perm, seed, scheme="affine64", hashfunc=int)` with the same 64-bit values gives the
same hash values (tested), and datasketch's `jaccard`, `merge` and LSH indexes work on it.

Exported files (`export_fingerprint`) hold the signature, the sizes, the parameters, the key id
and the tool version: no address and no keyed hash. A signature value is the minimum of a
bijective permutation of the keyed hashes, so someone who knows the (public) permutation could
recover up to `num_perm` truncated keyed hashes from it; without the HMAC key these reveal no
address, and with the key one can only test guessed addresses, as with any shared-key scheme.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from datasketch import LeanMinHash, MinHash

from mailhygiene import __version__
from mailhygiene.config import FINGERPRINT_NUM_PERM, FINGERPRINT_SCHEME, FINGERPRINT_SEED
from mailhygiene.errors import InputError
from mailhygiene.keys import HmacKey, base_hash64
from mailhygiene.outfile import write_text
from mailhygiene.store import Store
from mailhygiene.store import fingerprints as fpsql
from mailhygiene.store.admin import parse_base_id
from mailhygiene.store.core import now

FILE_FORMAT = "mailhygiene-fingerprint"
FILE_FORMAT_VERSION = 1
KEYED_HASH = "hmac-sha256-128"  # RFC 2104 HMAC-SHA256 of the dedup key, first 128 bits
MINHASH_INPUT = "first 64 bits (big-endian) of the keyed hash"
_U64 = np.uint64
_MAX = np.uint64(0xFFFFFFFFFFFFFFFF)
# MurmurHash3 fmix64 constants, as in datasketch.minhash._FMIX_CONSTANTS[64].
_FMIX = (_U64(33), _U64(0xFF51AFD7ED558CCD), _U64(33), _U64(0xC4CEB9FE1A85EC53), _U64(33))
_CHUNK = 1 << 20  # hashes per block: keeps the temporary arrays at 8 MB each

__all__ = [
    "DEFAULT_PARAMS",
    "Fingerprint",
    "FingerprintFileData",
    "ImportOutcome",
    "ImportResult",
    "MinHashParams",
    "decide_import",
    "export_fingerprint",
    "fingerprint_base",
    "fingerprint_from_hashes",
    "fingerprint_input",
    "import_fingerprint",
    "load_fingerprint_file",
    "minhash_signature",
    "parse_fingerprint_json",
    "resolve_base",
    "validate_fingerprint_data",
]


@dataclass(frozen=True)
class MinHashParams:
    num_perm: int = FINGERPRINT_NUM_PERM
    seed: int = FINGERPRINT_SEED
    scheme: str = FINGERPRINT_SCHEME


DEFAULT_PARAMS = MinHashParams()


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """A base's MinHash with what is needed to compare it: sizes, parameters, key id."""

    name: str
    params: MinHashParams
    key_id: str
    rows: int  # input rows, duplicates included
    size: int  # distinct dedup keys: the set the signature describes
    signature: npt.NDArray[np.uint64]
    created_at: datetime
    tool_version: str = __version__
    base_id: int | None = None
    source: str = "computed"

    def minhash(self) -> LeanMinHash:
        """The signature as a datasketch LeanMinHash (jaccard, LSH...)."""
        return LeanMinHash(seed=self.params.seed, hashvalues=self.signature,
                           scheme=self.params.scheme)

    def to_json(self) -> dict[str, Any]:
        """The export format: only the signature, sizes, parameters, key id and tool version."""
        return {
            "format": FILE_FORMAT,
            "format_version": FILE_FORMAT_VERSION,
            "tool": "mailhygiene",
            "tool_version": self.tool_version,
            "keyed_hash": KEYED_HASH,
            "key_id": self.key_id,
            "minhash": {
                "library": "datasketch",
                "scheme": self.params.scheme,
                "num_perm": self.params.num_perm,
                "seed": self.params.seed,
                "input": MINHASH_INPUT,
            },
            "rows": self.rows,
            "size": self.size,
            "signature_encoding": SIGNATURE_ENCODING,
            "signature": base64.b64encode(self.signature.astype("<u8").tobytes()).decode("ascii"),
        }


@lru_cache(maxsize=16)
def _permutations(num_perm: int, seed: int, scheme: str) -> tuple[npt.NDArray[np.uint64], ...]:
    if scheme != "affine64":
        raise InputError(f"unsupported MinHash scheme {scheme!r} (only affine64)")
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    return np.ascontiguousarray(a, dtype=_U64), np.ascontiguousarray(b, dtype=_U64)


def _fmix64(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    s1, m1, s2, m2, s3 = _FMIX
    h = h ^ (h >> s1)
    h *= m1
    h ^= h >> s2
    h *= m2
    h ^= h >> s3
    return h


def minhash_signature(hashes: npt.NDArray[np.uint64],
                      params: MinHashParams = DEFAULT_PARAMS) -> npt.NDArray[np.uint64]:
    """The datasketch MinHash hash values of a set of 64-bit values, in bulk.

    Loops over permutations (num_perm passes over a contiguous block) rather than building the
    n x num_perm matrix: each pass is two vectorized ops and a min, and memory stays O(n)."""
    a, b = _permutations(params.num_perm, params.seed, params.scheme)
    out = np.full(params.num_perm, _MAX, dtype=_U64)
    tmp = np.empty(min(len(hashes), _CHUNK), dtype=_U64)
    with np.errstate(over="ignore"):
        for start in range(0, len(hashes), _CHUNK):
            block = _fmix64(np.asarray(hashes[start:start + _CHUNK], dtype=_U64))
            t = tmp[:len(block)]
            for k in range(params.num_perm):
                np.multiply(block, a[k], out=t)
                np.add(t, b[k], out=t)
                m = t.min()
                if m < out[k]:
                    out[k] = m
    return out


def fingerprint_from_hashes(hashes: npt.NDArray[np.uint64], *, name: str, key_id: str,
                            rows: int | None = None, params: MinHashParams = DEFAULT_PARAMS,
                            base_id: int | None = None) -> Fingerprint:
    """A fingerprint of a set given its 64-bit keyed hashes (assumed distinct)."""
    return Fingerprint(name=name, params=params, key_id=key_id,
                       rows=len(hashes) if rows is None else rows, size=len(hashes),
                       signature=minhash_signature(hashes, params), created_at=now(),
                       base_id=base_id)


def fingerprint_base(store: Store, base_id: int, key: HmacKey, *,
                     params: MinHashParams = DEFAULT_PARAMS, name: str | None = None,
                     reuse: bool = True) -> Fingerprint:
    """Fingerprint of a stored base, computed (HMAC in DuckDB, MinHash in numpy) and saved in
    `fingerprints`, or the saved one when `reuse` and one exists for the same key and
    parameters (bases are immutable once imported)."""
    if reuse:
        row = fpsql.find_fingerprint(store, base_id, num_perm=params.num_perm, seed=params.seed,
                                     scheme=params.scheme, key_id=key.key_id)
        if row is not None:
            return fingerprint_from_row(row)
    label = name or fpsql.base_name(store, base_id) or f"base {base_id}"
    rows, _ = fpsql.base_counts(store, base_id)
    hashes = base_hash64(store, key, base_id)
    fp = fingerprint_from_hashes(hashes, name=label, key_id=key.key_id, rows=rows, params=params,
                                 base_id=base_id)
    fpsql.insert_fingerprint(
        store, base_id=base_id, name=label, num_perm=params.num_perm, seed=params.seed,
        scheme=params.scheme, key_id=key.key_id, rows=rows, size=fp.size,
        created_at=fp.created_at, source="computed", tool_version=__version__,
        signature=[int(v) for v in fp.signature])
    return fp


def fingerprint_from_row(row: fpsql.FingerprintRow) -> Fingerprint:
    (_fid, base_id, name, num_perm, seed, scheme, key_id, rows, size, created_at, source,
     tool_version, signature) = row
    return Fingerprint(
        name=str(name), params=MinHashParams(int(num_perm), int(seed), str(scheme)),
        key_id=str(key_id), rows=int(rows), size=int(size),
        signature=np.array(signature, dtype=_U64), created_at=created_at,
        tool_version=str(tool_version or ""), base_id=None if base_id is None else int(base_id),
        source=str(source))


def export_fingerprint(fp: Fingerprint, path: str | Path) -> None:
    write_text(path, json.dumps(fp.to_json(), indent=2) + "\n")


# -- fingerprint files --------------------------------------------------------------------------
# Bounds of a valid file. A file is made by this tool, so anything it would not write is refused
# (a tampered size gave negative overlaps and ± thousands of percent).
MAX_FILE_BYTES = 1 << 20  # a 4,096-permutation file is 45 kB
MAX_COUNT = 10**12  # rows and sizes: far above any list, and exact as floats in the estimates
MAX_NUM_PERM = 4096  # as --num-perm
MAX_SEED = 2**32 - 1  # datasketch draws its permutations with numpy's RandomState(seed)
SIGNATURE_ENCODING = "base64 of uint64 little-endian"
_KEY_ID = re.compile(r"[0-9a-f]{16}")  # keys.key_id_of: 16 hex digits of a SHA-256
_TOOL_VERSION = re.compile(r"[0-9A-Za-z.+!_-]{1,64}")  # PEP 440 and local versions
_TOP_FIELDS = frozenset({"format", "format_version", "tool", "tool_version", "keyed_hash",
                         "key_id", "minhash", "rows", "size", "signature_encoding",
                         "signature"})
_MINHASH_FIELDS = frozenset({"library", "scheme", "num_perm", "seed", "input"})


@dataclass(frozen=True, eq=False)
class FingerprintFileData:
    """The validated content of a fingerprint file."""

    params: MinHashParams
    key_id: str
    rows: int
    size: int
    signature: npt.NDArray[np.uint64]
    tool_version: str


class _Invalid(InputError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"invalid fingerprint file: field {field!r}: {problem}")


def _kind(v: object) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if v is None:
        return "null"
    names = {int: "an integer", float: "a number with a fraction or an exponent",
             str: "a string", list: "an array", dict: "an object"}
    return names.get(type(v), type(v).__name__)


def _shown(v: object) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _get(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise _Invalid(where + key, "missing")
    return obj[key]


def _int(obj: dict[str, Any], key: str, where: str, lo: int, hi: int) -> int:
    v = _get(obj, key, where)
    # bool is an int subclass in Python; JSON's true is not a number.
    if isinstance(v, bool) or not isinstance(v, int):
        raise _Invalid(where + key, f"must be an integer, not {_kind(v)}")
    if not lo <= v <= hi:
        raise _Invalid(where + key, f"must be an integer from {lo:,} to {hi:,}, not {_shown(v)}")
    return v


def _const(obj: dict[str, Any], key: str, where: str, expected: str) -> str:
    v = _get(obj, key, where)
    if v != expected or not isinstance(v, str):
        raise _Invalid(where + key, f"must be {expected!r}, not {_shown(v)}")
    return v


def _str(obj: dict[str, Any], key: str, where: str, pattern: re.Pattern[str],
         what: str) -> str:
    v = _get(obj, key, where)
    if not isinstance(v, str) or not pattern.fullmatch(v):
        raise _Invalid(where + key, f"must be {what}, not {_shown(v)}")
    return v


def _object(v: object, where: str, fields: frozenset[str]) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise _Invalid(where, f"must be an object, not {_kind(v)}")
    unknown = sorted(set(v) - fields)
    if unknown:
        raise _Invalid(f"{where}.{unknown[0]}" if where else unknown[0],
                       "unknown field (this tool does not write it)")
    return v


def validate_fingerprint_data(data: object) -> FingerprintFileData:
    """Checks every field of a parsed fingerprint file, as `Fingerprint.to_json` writes it:
    constants, types (JSON true is not an integer, 1000.0 is not one either), ranges, and
    consistency (size <= rows; one 64-bit signature value per permutation; the signature of an
    empty set is all 2^64-1 and only it). Any 8-byte value is in affine64's hash range
    [0, 2^64). Raises `InputError` naming the first bad field. Pure."""
    if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
        raise InputError(f"not a mailhygiene fingerprint file (no format: {FILE_FORMAT})")
    version = data.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) \
            and version != FILE_FORMAT_VERSION:
        raise InputError(f"fingerprint format version {_shown(version)} is not supported "
                         f"(this tool reads version {FILE_FORMAT_VERSION})")
    _int(data, "format_version", "", FILE_FORMAT_VERSION, FILE_FORMAT_VERSION)
    _object(data, "", _TOP_FIELDS)
    _const(data, "tool", "", "mailhygiene")
    tool_version = _str(data, "tool_version", "", _TOOL_VERSION, "a version such as 1.2.0")
    _const(data, "keyed_hash", "", KEYED_HASH)
    key_id = _str(data, "key_id", "", _KEY_ID, "16 lowercase hex digits")
    mh = _object(_get(data, "minhash", ""), "minhash", _MINHASH_FIELDS)
    _const(mh, "library", "minhash.", "datasketch")
    scheme = _const(mh, "scheme", "minhash.", FINGERPRINT_SCHEME)
    num_perm = _int(mh, "num_perm", "minhash.", 2, MAX_NUM_PERM)
    seed = _int(mh, "seed", "minhash.", 0, MAX_SEED)
    _const(mh, "input", "minhash.", MINHASH_INPUT)
    rows = _int(data, "rows", "", 0, MAX_COUNT)
    size = _int(data, "size", "", 0, MAX_COUNT)
    if size > rows:
        raise _Invalid("size", f"{size:,} distinct addresses cannot come from {rows:,} rows")
    _const(data, "signature_encoding", "", SIGNATURE_ENCODING)
    text = _get(data, "signature", "")
    if not isinstance(text, str):
        raise _Invalid("signature", f"must be a base64 string, not {_kind(text)}")
    if len(text) > 4 * (8 * MAX_NUM_PERM + 2) // 3 + 4:
        raise _Invalid("signature", f"{len(text):,} characters is longer than "
                                    f"{MAX_NUM_PERM:,} values")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as e:  # binascii.Error
        raise _Invalid("signature", f"not base64 ({e})") from None
    if len(raw) != 8 * num_perm:
        raise _Invalid("signature", f"has {len(raw) / 8:g} values, not minhash.num_perm="
                                    f"{num_perm} (8 bytes each)")
    sig = np.frombuffer(raw, dtype="<u8").astype(_U64)
    if size == 0 and not bool(np.all(sig == _MAX)):
        raise _Invalid("signature", "size is 0, but this is not the signature of an empty set")
    if size > 0 and bool(np.all(sig == _MAX)):
        raise _Invalid("signature", f"is that of an empty set, but size is {size:,}")
    return FingerprintFileData(params=MinHashParams(num_perm, seed, scheme), key_id=key_id,
                               rows=rows, size=size, signature=sig, tool_version=tool_version)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise InputError(f"invalid fingerprint file: duplicate field {k!r}")
        out[k] = v
    return out


def parse_fingerprint_json(raw: bytes) -> object:
    """The JSON of a fingerprint file: UTF-8, with or without a BOM (Windows editors add one);
    NaN and Infinity (Python extensions, not JSON), duplicate fields, deep nesting and very
    long numbers are refused with an `InputError` rather than a crash."""
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(f"not a mailhygiene fingerprint file (larger than "
                         f"{MAX_FILE_BYTES:,} bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"not a mailhygiene fingerprint file (not UTF-8: {e})") from None
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise InputError("not a mailhygiene fingerprint file (JSON nested too deeply)") from None
    except ValueError as e:  # JSONDecodeError, NaN/Infinity, over 4,300 digits
        raise InputError(f"not a mailhygiene fingerprint file (not JSON: {e})") from None


def load_fingerprint_file(path: str | Path, *, name: str | None = None) -> Fingerprint:
    """Reads and validates a fingerprint file (any parameters; see `import_fingerprint`): one
    `InputError` naming the file and the field for anything this tool would not have written."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise InputError(f"cannot read fingerprint file {p}: {e.strerror or e}") from e
    try:
        v = validate_fingerprint_data(parse_fingerprint_json(raw))
    except InputError as e:
        raise InputError(f"{p}: {e}") from None
    return Fingerprint(name=name or p.stem, params=v.params, key_id=v.key_id, rows=v.rows,
                       size=v.size, signature=v.signature, created_at=now(),
                       tool_version=v.tool_version, source="imported")


def _describe(params: MinHashParams) -> str:
    return f"num_perm={params.num_perm}, seed={params.seed}, scheme={params.scheme}"


def _same_but_num_perm(a: MinHashParams, b: MinHashParams) -> bool:
    return (a.seed, a.scheme) == (b.seed, b.scheme)


def check_compatible(fp: Fingerprint, *, key_id: str, params: MinHashParams, what: str) -> None:
    """Refuses a fingerprint made with another key or other parameters: its signature could
    not be compared with ours (datasketch would compare garbage or raise). For `fingerprint
    import` and `search`, whose own --num-perm says which parameters `fp` must have."""
    if fp.key_id != key_id:
        raise InputError(
            f"{what} was made with HMAC key id {fp.key_id}, not {key_id}: fingerprints can only "
            "be compared when both sides use the same key (--key-file or MAILHYGIENE_KEY)")
    if fp.params != params:
        # Only num_perm is an option; seed and scheme are fixed by the version that made it.
        remedy = (f"use --num-perm {fp.params.num_perm} to match"
                  if _same_but_num_perm(fp.params, params) else
                  f"seed and scheme are fixed by the mailhygiene version that made it "
                  f"({fp.tool_version}; this is {__version__}): export it again with this one")
        raise InputError(f"{what} has {_describe(fp.params)}; expected {_describe(params)} "
                         f"({remedy})")


def check_pair_compatible(fa: Fingerprint, fb: Fingerprint, what_a: str, what_b: str) -> None:
    """`compare --fingerprints-only`: two exported files are comparable only when they were
    exported with the same key and parameters. No option of `compare` can change a file, so
    the advice is how to export one of them again."""
    if fa.key_id != fb.key_id:
        raise InputError(
            f"{what_a} was made with HMAC key id {fa.key_id} and {what_b} with {fb.key_id}: "
            "fingerprints can only be compared when both sides use the same key; export them "
            "with the same key (`mailhygiene fingerprint BASE --key-file KEY --export FILE`)")
    if fa.params == fb.params:
        return
    if _same_but_num_perm(fa.params, fb.params):
        remedy = (f"export {what_b} again with `mailhygiene fingerprint BASE --num-perm "
                  f"{fa.params.num_perm} --export FILE` (or {what_a} with --num-perm "
                  f"{fb.params.num_perm})")
    else:
        remedy = ("seed and scheme are fixed by the mailhygiene version that exports the "
                  f"file ({fa.tool_version} and {fb.tool_version}): export both with the same "
                  "version")
    raise InputError(f"{what_a} has {_describe(fa.params)} and {what_b} has "
                     f"{_describe(fb.params)}: both files must be exported with the same "
                     f"parameters; {remedy}")


class ImportOutcome(StrEnum):
    STORED = "stored"
    ALREADY_STORED = "already_stored"  # same content: not stored again
    REPLACED = "replaced"  # --replace: the imported fingerprint of that name was replaced


@dataclass(frozen=True, eq=False)
class ImportResult:
    fingerprint: Fingerprint
    outcome: ImportOutcome
    existing_name: str | None = None  # the stored twin's name (ALREADY_STORED)


def decide_import(name: str, same_content: str | None, name_taken: bool,
                  replace_existing: bool) -> ImportOutcome:
    """What `fingerprint-import` does with a valid, compatible file (pure).

    - Same content (key, parameters, rows, size, signature) already stored, imported or
      computed from a stored base, under any name: nothing is stored (re-imports are no-ops
      and `search` does not list one set twice).
    - Else an imported fingerprint already has the name: refused unless `replace_existing` (a name
      stands for one fingerprint; silently keeping both would list both in `search`).
    - Else stored."""
    if same_content is not None:
        return ImportOutcome.ALREADY_STORED
    if name_taken:
        if not replace_existing:
            raise InputError(
                f"an imported fingerprint named {name!r} is already in the store, with other "
                "content: import this file under another name (--name) or replace that one "
                "(--replace)")
        return ImportOutcome.REPLACED
    return ImportOutcome.STORED


def import_fingerprint(store: Store, path: str | Path, key: HmacKey, *,
                       params: MinHashParams = DEFAULT_PARAMS, name: str | None = None,
                       replace_existing: bool = False) -> ImportResult:
    """Loads a fingerprint made elsewhere with the same key and parameters into the store (it
    then takes part in `search`); idempotent, see `decide_import`."""
    fp = load_fingerprint_file(path, name=name)
    check_compatible(fp, key_id=key.key_id, params=params, what=f"fingerprint file {path}")
    signature = [int(v) for v in fp.signature]
    twin = fpsql.find_same_fingerprint(
        store, num_perm=fp.params.num_perm, seed=fp.params.seed, scheme=fp.params.scheme,
        key_id=fp.key_id, rows=fp.rows, size=fp.size, signature=signature)
    try:
        outcome = decide_import(fp.name, twin, fpsql.imported_name_taken(store, fp.name),
                                replace_existing)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
    if outcome is ImportOutcome.ALREADY_STORED:
        return ImportResult(fp, outcome, twin)
    fpsql.insert_fingerprint(
        store, base_id=None, name=fp.name, num_perm=fp.params.num_perm, seed=fp.params.seed,
        scheme=fp.params.scheme, key_id=fp.key_id, rows=fp.rows, size=fp.size,
        created_at=fp.created_at, source="imported", tool_version=fp.tool_version,
        signature=signature, replace_imported=outcome is ImportOutcome.REPLACED)
    return ImportResult(fp, outcome)


def resolve_base(store: Store, spec: str, *, column: str | None = None,
                 name: str | None = None) -> tuple[int, str]:
    """(base_id, name asked for) for a command-line argument: an existing file is imported with
    `pipeline.import_base` under `name`; `id:N` is the stored base with id N (`store info`
    lists them; a name shared by several bases can only be given so); anything else is looked
    up as a stored base name.

    A file given without `name` reuses an import of the same file (path, bytes and options)
    whatever its name (`import_base`'s rule), preferring one named after the file; the name
    returned is then the file name, not the reused base's: `fingerprint x.csv` after
    `fingerprint x.csv --name XX` answered "fingerprint of XX"."""
    path = Path(spec)
    if path.is_file():
        from mailhygiene.pipeline import import_base

        label = name or path.stem
        ref = import_base(store, path, column=column, name=name, prefer_name=label)
        return int(ref.base_id), label
    base_id = parse_base_id(spec)
    if base_id is not None:
        stored_name = fpsql.base_name(store, base_id)
        if stored_name is None:
            raise InputError(f"no stored base has id {base_id} ({spec!r}); "
                             "`mailhygiene store info` lists them")
        return base_id, stored_name
    matches = fpsql.base_by_name(store, spec)
    if not matches:
        raise InputError(f"{spec!r} is neither a readable file nor a stored base name")
    if len(matches) > 1:
        ids = ", ".join(str(m[0]) for m in matches)
        forms = [f"id:{m[0]}" for m in matches]
        either = f"{', '.join(forms[:-1])} or {forms[-1]}"
        raise InputError(f"several stored bases are named {spec!r} (ids {ids}); give one as "
                         f"{either}, or use one file")
    return matches[0]


def fingerprint_input(store: Store, spec: str, key: HmacKey, *,
                      params: MinHashParams = DEFAULT_PARAMS, name: str | None = None,
                      export: str | Path | None = None, column: str | None = None) -> Fingerprint:
    """`mailhygiene fingerprint INPUT|BASE`: resolve (a file is imported under `name`),
    fingerprint (saved in the store), and optionally export the fingerprint file."""
    base_id, label = resolve_base(store, spec, column=column, name=name)
    # The name asked for, even when the base (and its stored fingerprint) was reused by
    # content from an import under another name.
    fp = replace(fingerprint_base(store, base_id, key, params=params), name=label)
    if export is not None:
        export_fingerprint(fp, export)
    return fp
