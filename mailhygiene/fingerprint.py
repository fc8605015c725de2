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
from dataclasses import dataclass
from datetime import datetime
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
    "MinHashParams",
    "export_fingerprint",
    "fingerprint_base",
    "fingerprint_from_hashes",
    "fingerprint_input",
    "import_fingerprint",
    "load_fingerprint_file",
    "minhash_signature",
    "resolve_base",
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
            "signature_encoding": "base64 of uint64 little-endian",
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


def load_fingerprint_file(path: str | Path, *, name: str | None = None) -> Fingerprint:
    """Reads and validates a fingerprint file (any parameters; see `import_fingerprint`)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"cannot read fingerprint file {p}: {e.strerror or e}") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{p} is not a mailhygiene fingerprint file (not JSON: {e})") from e
    if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
        raise InputError(f"{p} is not a mailhygiene fingerprint file (no format: {FILE_FORMAT})")
    if data.get("format_version") != FILE_FORMAT_VERSION:
        raise InputError(f"{p}: fingerprint format version {data.get('format_version')!r} is not "
                         f"supported (this tool reads version {FILE_FORMAT_VERSION})")
    try:
        mh = data["minhash"]
        params = MinHashParams(int(mh["num_perm"]), int(mh["seed"]), str(mh["scheme"]))
        if data["keyed_hash"] != KEYED_HASH or mh["input"] != MINHASH_INPUT:
            raise InputError(f"{p}: keyed hash {data['keyed_hash']!r} / input {mh['input']!r} "
                             f"differ from this tool's ({KEYED_HASH})")
        raw = base64.b64decode(data["signature"], validate=True)
        sig = np.frombuffer(raw, dtype="<u8").astype(_U64)
        rows, size, key_id = int(data["rows"]), int(data["size"]), str(data["key_id"])
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"{p}: malformed fingerprint file ({type(e).__name__}: {e})") from e
    if len(sig) != params.num_perm or params.scheme != FINGERPRINT_SCHEME:
        raise InputError(f"{p}: signature has {len(sig)} values for num_perm={params.num_perm}, "
                         f"scheme {params.scheme!r}")
    return Fingerprint(name=name or p.stem, params=params, key_id=key_id, rows=rows, size=size,
                       signature=sig, created_at=now(), tool_version=str(data.get("tool_version")),
                       source="imported")


def check_compatible(fp: Fingerprint, *, key_id: str, params: MinHashParams, what: str) -> None:
    """Refuses a fingerprint made with another key or other parameters: its signature could
    not be compared with ours (datasketch would compare garbage or raise)."""
    if fp.key_id != key_id:
        raise InputError(
            f"{what} was made with HMAC key id {fp.key_id}, not {key_id}: fingerprints can only "
            "be compared when both sides use the same key (--key-file or MAILHYGIENE_KEY)")
    if fp.params != params:
        raise InputError(
            f"{what} has num_perm={fp.params.num_perm}, seed={fp.params.seed}, "
            f"scheme={fp.params.scheme}; expected num_perm={params.num_perm}, "
            f"seed={params.seed}, scheme={params.scheme} (use --num-perm to match)")


def import_fingerprint(store: Store, path: str | Path, key: HmacKey, *,
                       params: MinHashParams = DEFAULT_PARAMS,
                       name: str | None = None) -> Fingerprint:
    """Loads a fingerprint made elsewhere with the same key and parameters into the store (it
    then takes part in `search`)."""
    fp = load_fingerprint_file(path, name=name)
    check_compatible(fp, key_id=key.key_id, params=params, what=f"fingerprint file {path}")
    fpsql.insert_fingerprint(
        store, base_id=None, name=fp.name, num_perm=fp.params.num_perm, seed=fp.params.seed,
        scheme=fp.params.scheme, key_id=fp.key_id, rows=fp.rows, size=fp.size,
        created_at=fp.created_at, source="imported", tool_version=fp.tool_version,
        signature=[int(v) for v in fp.signature])
    return fp


def resolve_base(store: Store, spec: str, *, column: str | None = None,
                 name: str | None = None) -> tuple[int, str]:
    """(base_id, name) for a command-line argument: an existing file is imported with
    `pipeline.import_base` (which reuses a base imported from the same bytes and options);
    anything else is looked up as a stored base name."""
    path = Path(spec)
    if path.is_file():
        from mailhygiene.pipeline import import_base

        ref = import_base(store, path, column=column, name=name)
        return int(ref.base_id), str(ref.name)
    matches = fpsql.base_by_name(store, spec)
    if not matches:
        raise InputError(f"{spec!r} is neither a readable file nor a stored base name")
    if len(matches) > 1:
        ids = ", ".join(str(m[0]) for m in matches)
        raise InputError(f"several stored bases are named {spec!r} (ids {ids}); use one file")
    return matches[0]


def fingerprint_input(store: Store, spec: str, key: HmacKey, *,
                      params: MinHashParams = DEFAULT_PARAMS, name: str | None = None,
                      export: str | Path | None = None, column: str | None = None) -> Fingerprint:
    """`mailhygiene fingerprint INPUT|BASE`: resolve (a file is imported under `name`),
    fingerprint (saved in the store), and optionally export the fingerprint file."""
    base_id, _ = resolve_base(store, spec, column=column, name=name)
    fp = fingerprint_base(store, base_id, key, params=params)
    if export is not None:
        export_fingerprint(fp, export)
    return fp
