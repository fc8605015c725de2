"""The HMAC key that turns dedup keys into keyed hashes (issue 7, DESIGN.md "Provenance").

Hashed addresses are still personal data, and a plain hash of an address is reversed by hashing
candidate addresses; a keyed hash (HMAC-SHA256, RFC 2104, truncated to 128 bits) is not, as long
as the key stays the expert's secret. Two parties who exchange fingerprints must use the same key.

Where the key comes from, first match wins:
1. `--key-file F`: the file's bytes (one trailing newline is dropped, so `echo` works);
2. `MAILHYGIENE_KEY`: the variable's UTF-8 bytes;
3. the store's own random 32-byte key, created on first use and saved in `hmac_keys`, so re-runs
   on the same store agree. Fingerprints made with it cannot be matched with anyone else's: a
   warning says so (returned to the caller, which prints it; the library never prints).

The key id (16 hex digits of SHA-256 over a domain-separated key) is recorded with every
fingerprint so mismatched keys are refused instead of compared. It identifies the key; it does
not protect a weak one (a short passphrase can be guessed from its id): use >= 16 random bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from mailhygiene.config import HMAC_KEY_ENV, HMAC_MIN_KEY_BYTES
from mailhygiene.errors import ConfigError
from mailhygiene.store import Store
from mailhygiene.store import fingerprints as fpsql
from mailhygiene.store.core import now

_BLOCK = 64  # SHA-256 block size in bytes (RFC 2104 "B")
_KEY_ID_PREFIX = b"mailhygiene key id v1\x00"

__all__ = [
    "HmacKey",
    "KeyResolution",
    "base_hash64",
    "key_id_of",
    "keyed_hash_hex",
    "keyed_hashes_hex",
    "load_key",
]


@dataclass(frozen=True)
class HmacKey:
    """A secret key and its public id. `repr` never shows the secret."""

    secret: bytes = field(repr=False)
    key_id: str
    source: str  # "file", "env" or "store"

    @property
    def pads(self) -> tuple[bytes, bytes]:
        """The two key blocks K ^ ipad and K ^ opad of RFC 2104 section 2."""
        k = hashlib.sha256(self.secret).digest() if len(self.secret) > _BLOCK else self.secret
        k = k.ljust(_BLOCK, b"\x00")
        return bytes(x ^ 0x36 for x in k), bytes(x ^ 0x5C for x in k)


@dataclass(frozen=True)
class KeyResolution:
    key: HmacKey
    warnings: tuple[str, ...] = ()


def key_id_of(secret: bytes) -> str:
    return hashlib.sha256(_KEY_ID_PREFIX + secret).hexdigest()[:16]


def make_key(secret: bytes, source: str) -> HmacKey:
    if not secret:
        raise ConfigError(f"the HMAC key from {source} is empty")
    return HmacKey(secret=secret, key_id=key_id_of(secret), source=source)


def load_key(store: Store | None, *, key_file: str | Path | None = None,
             env: Mapping[str, str] | None = None) -> KeyResolution:
    """The key to use, with warnings for the CLI to print (see the module docstring)."""
    environ = os.environ if env is None else env
    warnings: list[str] = []
    if key_file is not None:
        try:
            secret = Path(key_file).read_bytes()
        except OSError as e:
            raise ConfigError(f"cannot read key file {key_file}: {e.strerror or e}") from e
        if not secret.strip():
            # A key made of line breaks is an empty file that an editor touched, not a secret.
            raise ConfigError(f"key file {key_file} is empty (or only blank lines)")
        key = make_key(secret.removesuffix(b"\n").removesuffix(b"\r"), "file")
    elif environ.get(HMAC_KEY_ENV):
        key = make_key(environ[HMAC_KEY_ENV].encode("utf-8"), "env")
    else:
        if store is None:
            raise ConfigError(
                f"no HMAC key: give --key-file or set {HMAC_KEY_ENV} (no store to keep one in)")
        found = fpsql.stored_key(store)
        if found is None:
            secret = secrets.token_bytes(32)
            fpsql.save_key(store, key_id_of(secret), secret, now())
            found = fpsql.stored_key(store)
            assert found is not None
        key = HmacKey(secret=found[1], key_id=found[0], source="store")
        warnings.append(
            f"no HMAC key given (--key-file or {HMAC_KEY_ENV}): using this store's own random "
            f"key (id {key.key_id}). Comparisons inside this store are fine; fingerprints "
            "exported with it cannot be compared with anyone else's.")
    if len(key.secret) < HMAC_MIN_KEY_BYTES:
        warnings.append(
            f"the HMAC key is only {len(key.secret)} bytes: keyed hashes of guessable addresses "
            f"are only as secret as the key; use at least {HMAC_MIN_KEY_BYTES} random bytes.")
    return KeyResolution(key=key, warnings=tuple(warnings))


def keyed_hash_hex(key: HmacKey, dedup_key: str) -> str:
    """Reference implementation with Python's hmac (one value; tests and test vectors)."""
    return hmac.new(key.secret, dedup_key.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def keyed_hashes_hex(store: Store, key: HmacKey, values: Sequence[str]) -> list[str]:
    """Keyed hashes of many dedup keys, computed in DuckDB in one statement."""
    ipad, opad = key.pads
    return fpsql.keyed_hashes_hex(store, values, ipad, opad)


def base_hash64(store: Store, key: HmacKey, base_id: int) -> npt.NDArray[np.uint64]:
    """The first 64 bits of the keyed hash of each distinct dedup key of a stored base."""
    ipad, opad = key.pads
    return fpsql.base_hash64(store, base_id, ipad, opad)


def strings_hash64(store: Store, key: HmacKey, values: Sequence[str]) -> npt.NDArray[np.uint64]:
    """Same as `base_hash64` for a list of dedup keys (deduplicated)."""
    ipad, opad = key.pads
    return fpsql.strings_hash64(store, values, ipad, opad)
