"""HMAC keys and keyed hashes computed in DuckDB (issue 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailhygiene.errors import ConfigError
from mailhygiene.keys import (
    key_id_of,
    keyed_hash_hex,
    keyed_hashes_hex,
    load_key,
    make_key,
    strings_hash64,
)
from mailhygiene.store import Store


@pytest.fixture(scope="module")
def store() -> Store:
    return Store(":memory:")


# RFC 4231 section 4 test cases for HMAC-SHA256 (full digests; we keep the first 128 bits).
@pytest.mark.parametrize(
    ("key", "data", "digest"),
    [
        pytest.param(b"\x0b" * 20, "Hi There",
                     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                     id="rfc4231-case1"),
        pytest.param(b"Jefe", "what do ya want for nothing?",
                     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                     id="rfc4231-case2-short-key"),
        pytest.param(b"\xaa" * 131, "Test Using Larger Than Block-Size Key - Hash Key First",
                     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                     id="rfc4231-case6-long-key"),
    ],
)
def test_rfc4231_vectors_in_duckdb(store: Store, key: bytes, data: str, digest: str) -> None:
    k = make_key(key, "test")
    assert keyed_hashes_hex(store, k, [data]) == [digest[:32]]
    assert keyed_hash_hex(k, data) == digest[:32]


@settings(max_examples=60, deadline=None)
@given(secret=st.binary(min_size=1, max_size=150),
       # Lone surrogates excluded: no decoded file yields them, and DuckDB refuses them.
       values=st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00",
                                                      blacklist_categories=("Cs",)),
                               max_size=80), max_size=8))
def test_bulk_sql_equals_python_hmac(secret: bytes, values: list[str]) -> None:
    """Any key length (short, one block, longer than a block) and any Unicode text, including
    backslashes that a VARCHAR -> BLOB cast would misread as escapes."""
    store = Store(":memory:")
    k = make_key(secret, "test")
    assert keyed_hashes_hex(store, k, values) == [keyed_hash_hex(k, v) for v in values]


def test_hash64_is_the_first_64_bits(store: Store) -> None:
    k = make_key(b"k" * 32, "test")
    values = ["a@b.ma", "\\x41@b.ma", "éloïse@exemple.fr", "a@b.ma"]
    got = sorted(int(x) for x in strings_hash64(store, k, values))
    want = sorted({int(keyed_hash_hex(k, v)[:16], 16) for v in values})
    assert got == want  # deduplicated, big-endian first 8 bytes


def test_key_from_file_env_and_precedence(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "key"
    f.write_bytes(b"file secret of more than sixteen bytes\n")
    r = load_key(store, key_file=f, env={"MAILHYGIENE_KEY": "env secret, long enough!!"})
    assert r.key.source == "file" and r.key.secret == b"file secret of more than sixteen bytes"
    assert r.warnings == ()
    r2 = load_key(store, env={"MAILHYGIENE_KEY": "env secret, long enough!!"})
    assert r2.key.source == "env" and r2.key.secret == b"env secret, long enough!!"
    assert r.key.key_id != r2.key.key_id
    assert r.key.key_id == key_id_of(b"file secret of more than sixteen bytes")
    assert len(r.key.key_id) == 16 and "secret" not in repr(r.key)


def test_store_key_is_created_once_and_warned(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as s:
        first = load_key(s, env={})
    with Store(path) as s:
        again = load_key(s, env={})
    assert first.key.source == again.key.source == "store"
    assert first.key.secret == again.key.secret and len(first.key.secret) == 32
    assert any("no HMAC key given" in w for w in first.warnings + again.warnings)
    with Store(tmp_path / "other.duckdb") as s:
        assert load_key(s, env={}).key.key_id != first.key.key_id


@pytest.mark.parametrize(
    ("content", "message"),
    [pytest.param(b"", "empty", id="empty-file"), pytest.param(b"\n", "empty", id="newline")],
)
def test_bad_key_files(tmp_path: Path, store: Store, content: bytes, message: str) -> None:
    f = tmp_path / "key"
    f.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        load_key(store, key_file=f, env={})


def test_missing_key_file_and_short_key(tmp_path: Path, store: Store) -> None:
    with pytest.raises(ConfigError, match="cannot read key file"):
        load_key(store, key_file=tmp_path / "nope", env={})
    r = load_key(store, env={"MAILHYGIENE_KEY": "short"})
    assert any("only 5 bytes" in w for w in r.warnings)
    with pytest.raises(ConfigError, match="no HMAC key"):
        load_key(None, env={})


@pytest.mark.parametrize("content", [b"", b"\n", b"\n\n", b"  \r\n\t\n"])
def test_a_blank_key_file_is_refused(tmp_path: Path, content: bytes) -> None:
    f = tmp_path / "key"
    f.write_bytes(content)
    with pytest.raises(ConfigError, match="is empty"):
        load_key(None, key_file=f)
