"""Normalization and dedup keys: tables of cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailhygiene.normalize import (
    PLACEHOLDERS,
    clean_cell,
    dedup_key,
    fold_provider,
    is_placeholder,
    placeholders_sql,
)
from mailhygiene.privacy import mask_address, mask_text, strip_terminal_escapes
from mailhygiene.syntax import check_syntax, invalid_key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        pytest.param("Jean.Dupont@Example.COM", "jean.dupont@example.com", id="case"),
        pytest.param("  a@b.ma\u00a0", "a@b.ma", id="trim-nbsp"),
        pytest.param("e\u0301lise@exa\u0301mple.fr", "\u00e9lise@xn--exmple-qta.fr", id="nfc-idna"),
        pytest.param("STRASSE@x.de", "strasse@x.de", id="casefold"),
        pytest.param("", None, id="empty"),
        pytest.param("   ", None, id="blank"),
        pytest.param("no-at-sign", "no-at-sign", id="garbage"),
        pytest.param(" N/A ", None, id="placeholder"),
        pytest.param("#N/A", None, id="excel-error"),
        pytest.param("NÉANT", None, id="placeholder-fr"),
        pytest.param("n/a@x.com", "n/a@x.com", id="placeholder-inside-an-address"),
    ],
)
def test_dedup_key(raw: str, key: str | None) -> None:
    assert dedup_key(raw) == key


@pytest.mark.parametrize(
    ("local", "domain", "folded"),
    [
        pytest.param("j.ohn+news", "gmail.com", ("john", "gmail.com"), id="gmail"),
        pytest.param("john", "googlemail.com", ("john", "gmail.com"), id="googlemail"),
        pytest.param("a.b+x", "hotmail.fr", ("a.b", "hotmail.fr"), id="plus-only"),
        pytest.param("a.b+x", "example.ma", ("a.b+x", "example.ma"), id="untouched"),
    ],
)
def test_fold_provider(local: str, domain: str, folded: tuple[str, str]) -> None:
    assert fold_provider(local, domain) == folded


@given(st.text())
def test_dedup_key_never_raises_and_is_idempotent(s: str) -> None:
    k = dedup_key(s)
    if k is not None:
        assert dedup_key(k) == dedup_key(dedup_key(k))


@given(st.text())
def test_clean_cell_idempotent(s: str) -> None:
    assert clean_cell(clean_cell(s)) == clean_cell(s)


@given(st.text())
def test_check_syntax_never_raises(s: str) -> None:
    r = check_syntax(s)
    assert r.ok == (r.reason is None)
    if not r.ok and r.key is not None:
        assert r.key.startswith("!")


def test_invalid_key_never_collides_with_valid() -> None:
    assert invalid_key("a@b.com") != check_syntax("a@b.com").key


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        pytest.param("jean.dupont@example.ma", "j***@e***.ma", id="ma"),
        pytest.param("x@y", "x***@y***", id="no-tld"),
        pytest.param("nothing", "n***", id="no-at"),
        pytest.param("", "", id="empty"),
    ],
)
def test_mask_address(address: str, masked: str) -> None:
    assert mask_address(address) == masked


def test_mask_text_and_escapes() -> None:
    assert mask_text("bounce for jean@example.ma today") == "bounce for j***@e***.ma today"
    assert strip_terminal_escapes("\x1b[31mred\x1b[0m\u202eevil") == "redevil"


@pytest.mark.parametrize(
    ("cell", "placeholder"),
    [
        ("N/A", True), ("n/a", True), ("-", True), ("--", True), ("...", True), ("0", True),
        ("#N/A", True), ("#VALEUR!", True), ("Néant", True), ("NE\u0301ANT", True),
        ("Non communiqué", True), ("pas d'email", True), ("x", True),
        ("N/A.", False), ("n/a@x.com", False), ("jean", False), ("00", False), ("", False),
        ("néant néant", False),
    ],
)
def test_is_placeholder(cell: str, placeholder: bool) -> None:
    assert is_placeholder(cell) is placeholder


def test_placeholders_are_never_addresses() -> None:
    assert PLACEHOLDERS and all("@" not in p and p == p.casefold() for p in PLACEHOLDERS)


def test_placeholders_sql_is_is_placeholder() -> None:
    import duckdb

    cells = [*sorted(PLACEHOLDERS), "n/a.", "nxa", "a-", "xxxx", "0.", "pas d email", "?!"]
    sql = placeholders_sql("lower(c)")
    got = [duckdb.execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS c)", [c]).fetchone()
           for c in cells]
    assert [g[0] if g else None for g in got] == [is_placeholder(c) for c in cells]
