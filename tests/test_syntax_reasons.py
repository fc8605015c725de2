"""The reason of a syntax-invalid address must not depend on which path decided it: the bulk
rules in DuckDB (`syntax_fast`, ASCII cells of at most 64 characters without '--') and
email-validator's message (`syntax.check_syntax`, everything else) must name the same family,
or a base's `by_reason` counts would depend on how long its addresses are.

Each shape below is written with a `{p}` inside a run of letters: removed, the cell is short and
decided in bulk; replaced by padding, the same shape is over 64 characters and goes to
email-validator. The padding keeps the total at 65 characters, so it never makes a label longer
than 63 characters nor the address longer than 254 (that would be a new error, `too_long`)."""

from __future__ import annotations

import random
import re

import pytest

from mailhygiene.normalize import is_placeholder
from mailhygiene.pipeline import syntax_of_values
from mailhygiene.store import Store
from mailhygiene.syntax import check_syntax
from mailhygiene.syntax_fast import MAX_FAST_LENGTH
from mailhygiene.types import Reason

MISSING_AT = Reason.SYNTAX_MISSING_AT
QUOTED = Reason.SYNTAX_QUOTED_OR_LITERAL
BAD_LOCAL = Reason.SYNTAX_BAD_LOCAL
BAD_DOMAIN = Reason.SYNTAX_BAD_DOMAIN

SHAPES = [
    # No '@' at all: not an address yet, whatever quotes or brackets surround the text.
    pytest.param("jean{p}", MISSING_AT, id="no-at"),
    pytest.param('"jean{p}"', MISSING_AT, id="quoted-no-at"),
    pytest.param("Jean{p} <jean>", MISSING_AT, id="display-name-no-at"),
    pytest.param("<jean{p}>", MISSING_AT, id="angle-no-at"),
    pytest.param("[jean{p}]", MISSING_AT, id="brackets-no-at"),
    pytest.param("jean{p}.x.com", MISSING_AT, id="dot-instead-of-at"),
    pytest.param("jean{p} x.com", MISSING_AT, id="space-instead-of-at"),
    pytest.param("jean{p}(at)x.com", MISSING_AT, id="spelled-at"),
    # A quote or an angle bracket before the first '@': quoted local part or display name.
    pytest.param('"jean{p}"@x.com', QUOTED, id="quoted-local"),
    pytest.param('"je an{p}"@x.com', QUOTED, id="quoted-local-space"),
    pytest.param('"jean{p}"x@x.com', QUOTED, id="text-after-close-quote"),
    pytest.param('"jean{p}@x.com"', QUOTED, id="whole-address-quoted"),
    pytest.param('a"b{p}"@x.com', QUOTED, id="quote-inside-local"),
    pytest.param('a"b{p}@x.com', QUOTED, id="unclosed-quote"),
    pytest.param('"je\\"an{p}"@x.com', QUOTED, id="escaped-quote"),
    pytest.param("Jean{p} <jean@x.com>", QUOTED, id="display-name"),
    pytest.param('"Jean{p}" <jean@x.com>', QUOTED, id="quoted-display-name"),
    pytest.param("Jean. Dupont{p} <jean@x.com>", QUOTED, id="display-name-with-period"),
    pytest.param("<jean{p}@x.com>", QUOTED, id="angle-addr"),
    pytest.param("<jean{p}@x.com", QUOTED, id="unclosed-angle"),
    pytest.param("<jean{p}@x.com> x", QUOTED, id="text-after-angle"),
    pytest.param("Jean{p} <.jean@x.com>", QUOTED, id="display-name-bad-inner-local"),
    pytest.param("Jean{p} <jean@x>", QUOTED, id="display-name-bad-inner-domain"),
    # Domain literals (refused by email-validator's defaults), valid or not.
    pytest.param("jean{p}@[1.2.3.4]", QUOTED, id="ipv4-literal"),
    pytest.param("jean{p}@[IPv6:::1]", QUOTED, id="ipv6-literal"),
    pytest.param("jean{p}@[1.2.3]", QUOTED, id="bad-ipv4-literal"),
    pytest.param("jean{p}@[x.com]", QUOTED, id="name-in-brackets"),
    pytest.param("jean{p}@[]", QUOTED, id="empty-brackets"),
    pytest.param("jean{p}@[x@y]", QUOTED, id="at-in-brackets"),
    # The local part is checked before the domain: its error wins.
    pytest.param(".jean{p}@x.com", BAD_LOCAL, id="leading-dot"),
    pytest.param("jean{p}.@x.com", BAD_LOCAL, id="trailing-dot-local"),
    pytest.param("je..an{p}@x.com", BAD_LOCAL, id="double-dot-local"),
    pytest.param("je..an{p}@x..com", BAD_LOCAL, id="double-dot-both"),
    pytest.param("@x{p}.com", BAD_LOCAL, id="empty-local"),
    pytest.param("@jean{p}@x.com", BAD_LOCAL, id="leading-at"),
    pytest.param("je an{p}@x.com", BAD_LOCAL, id="space-in-local"),
    pytest.param("je\tan{p}@x.com", BAD_LOCAL, id="tab-in-local"),
    pytest.param("jean{p},x@x.com", BAD_LOCAL, id="comma-in-local"),
    pytest.param("jean{p};x@x.com", BAD_LOCAL, id="semicolon-in-local"),
    pytest.param("jean{p}\\x@x.com", BAD_LOCAL, id="backslash-in-local"),
    pytest.param("(Jean)jean{p}@x.com", BAD_LOCAL, id="comment-in-local"),
    pytest.param("mailto:jean{p}@x.com", BAD_LOCAL, id="mailto"),
    pytest.param("jean{p}>@x.com", BAD_LOCAL, id="close-angle-in-local"),
    pytest.param("jean{p}[x]@x.com", BAD_LOCAL, id="brackets-in-local"),
    pytest.param(".jean{p}@[1.2.3.4]", BAD_LOCAL, id="leading-dot-and-literal"),
    pytest.param("je an{p}@x@y.com", BAD_LOCAL, id="space-in-local-several-at"),
    # Then the domain (everything after the first '@').
    pytest.param("jean{p}@", BAD_DOMAIN, id="nothing-after-at"),
    pytest.param("jean{p}@x@x.com", BAD_DOMAIN, id="several-at"),
    pytest.param("jean{p}@@x.com", BAD_DOMAIN, id="double-at"),
    pytest.param("jean@x{p}", BAD_DOMAIN, id="no-period-in-domain"),
    pytest.param("jean@.x{p}.com", BAD_DOMAIN, id="leading-dot-domain"),
    pytest.param("jean@x{p}.com.", BAD_DOMAIN, id="trailing-dot-domain"),
    pytest.param("jean@x{p}..com", BAD_DOMAIN, id="empty-label"),
    pytest.param("jean@-x{p}.com", BAD_DOMAIN, id="leading-hyphen-label"),
    pytest.param("jean@x{p}-.com", BAD_DOMAIN, id="trailing-hyphen-label"),
    pytest.param("jean@x{p}.com-", BAD_DOMAIN, id="trailing-hyphen-domain"),
    pytest.param("jean@x{p}_y.com", BAD_DOMAIN, id="underscore-in-domain"),
    pytest.param("jean@x{p} .com", BAD_DOMAIN, id="space-in-domain"),
    pytest.param("jean@x{p}.com>", BAD_DOMAIN, id="stray-close-angle"),
    pytest.param('jean@x{p}.com"', BAD_DOMAIN, id="stray-quote-in-domain"),
    pytest.param("jean@x{p}[.com", BAD_DOMAIN, id="stray-bracket-in-domain"),
    pytest.param("jean@[x{p}", BAD_DOMAIN, id="unclosed-literal"),
    pytest.param("jean@x{p}.com <jean@x.com>", BAD_DOMAIN, id="display-name-after-address"),
    pytest.param("jean@x{p}.com (Jean)", BAD_DOMAIN, id="comment-after-address"),
    pytest.param("jean{p}@1.2.3.4", BAD_DOMAIN, id="ip-without-brackets"),
    pytest.param("jean{p}@x.123", BAD_DOMAIN, id="numeric-tld"),
    pytest.param("jean{p}@localhost", BAD_DOMAIN, id="localhost"),
    pytest.param("jean{p}@x.local", BAD_DOMAIN, id="special-use-domain"),
]


@pytest.fixture(scope="module")
def store() -> Store:
    return Store(":memory:")


def forms(shape: str) -> tuple[str, str]:
    """The short (bulk) and long (email-validator) forms of a shape."""
    short = shape.replace("{p}", "")
    return short, shape.replace("{p}", "q" * (MAX_FAST_LENGTH + 1 - len(short)))


def decided_in_bulk(text: str) -> bool:
    return len(text) <= MAX_FAST_LENGTH and text.isascii() and "--" not in text


@pytest.mark.parametrize(("shape", "expected"), SHAPES)
def test_reason_does_not_depend_on_length(store: Store, shape: str, expected: Reason) -> None:
    short, long = forms(shape)
    assert decided_in_bulk(short) and not decided_in_bulk(long)
    (short_ok, short_reason, _, _), (long_ok, long_reason, _, _) = syntax_of_values(
        store, [short, long])
    validator = check_syntax(long)
    assert not short_ok and not long_ok and not validator.ok
    assert (short_reason, long_reason, validator.reason) == (expected, expected, expected), (
        validator.detail)
    assert check_syntax(short).reason == expected


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("a" * 250 + "@x.com", Reason.SYNTAX_TOO_LONG, id="address-too-long"),
    pytest.param("a@" + "b" * 64 + ".com", Reason.SYNTAX_TOO_LONG, id="label-too-long"),
    pytest.param("a@" + ("b" * 60 + ".") * 5 + "com", Reason.SYNTAX_TOO_LONG,
                 id="domain-too-long"),
    pytest.param("." + "a" * 250 + "@x.com", BAD_LOCAL, id="leading-dot-before-length"),
    pytest.param("a\u200bb@x.com", BAD_LOCAL, id="unsafe-char-in-local"),
    pytest.param("ab@x\u200b.com", BAD_DOMAIN, id="unsafe-char-in-domain"),
    pytest.param("\u0301a@x.com", BAD_LOCAL, id="leading-combining-mark-local"),
    pytest.param("a@\u0301x.com", BAD_DOMAIN, id="leading-combining-mark-domain"),
    pytest.param("é..a@x..com", BAD_LOCAL, id="double-dot-both-non-ascii"),
    pytest.param("é@x..com", BAD_DOMAIN, id="double-dot-domain-non-ascii"),
    pytest.param("ab@ab--cd.com", BAD_DOMAIN, id="r-ldh-label"),
    pytest.param("ab@xn--zz.com", BAD_DOMAIN, id="bad-punycode"),
    pytest.param("jean\uff20x.com", MISSING_AT, id="full-width-at"),
    pytest.param('"jö"@x.com', QUOTED, id="quoted-non-ascii-local"),
])
def test_validator_only_shapes(store: Store, text: str, expected: Reason) -> None:
    """Shapes the bulk rules never decide (non-ASCII, '--', lengths): still one family each."""
    assert not decided_in_bulk(text)
    [(ok, reason, _, _)] = syntax_of_values(store, [text])
    result = check_syntax(text)
    assert not ok and not result.ok
    assert (reason, result.reason) == (expected, expected), result.detail


def test_non_ascii_local_part_is_valid_with_smtputf8_flag() -> None:
    assert check_syntax("jöé@x.com").smtputf8
    assert check_syntax("jöé@x.com").ok
    assert not check_syntax("jean@x.com").smtputf8


ALPHABET = "abxyXY09@.\"<>[] -()"


def random_strings(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 20))) for _ in range(n)]


def test_random_short_strings_bulk_reason_equals_validator_reason(store: Store) -> None:
    values = random_strings(4000, seed=11)
    differences = []
    for v, (ok, reason, _, _) in zip(values, syntax_of_values(store, list(values)), strict=True):
        result = check_syntax(v)
        assert ok == result.ok, v
        if reason != result.reason:
            differences.append((v, reason, result.reason, result.detail))
    assert sum(not check_syntax(v).ok for v in values) > 3000  # mostly invalid shapes
    assert not differences, differences[:20]


def test_random_padded_strings_keep_their_reason(store: Store) -> None:
    """Padding a run of letters (never next to anything but letters) keeps the shape: the long
    form goes to email-validator and must get the short form's bulk reason."""
    rng = random.Random(13)
    pairs = []
    for short in random_strings(4000, seed=17):
        runs = list(re.finditer("[a-zA-Z]+", short))
        if "--" in short or not runs or is_placeholder(short.strip()):
            continue  # (a padded "x" is no longer a placeholder)
        at = rng.choice(runs).start() + 1
        pad = "q" * (MAX_FAST_LENGTH + 1 - len(short))
        pairs.append((short, short[:at] + pad + short[at:]))
    short_results = syntax_of_values(store, [s for s, _ in pairs])
    differences = []
    for (short, long), (ok, reason, _, _) in zip(pairs, short_results, strict=True):
        result = check_syntax(long)
        assert ok == result.ok, (short, long)
        if reason != result.reason:
            differences.append((short, reason, result.reason, result.detail))
    assert len(pairs) > 2000
    assert not differences, differences[:20]


@pytest.mark.parametrize("cell", ["N/A", " n/a ", "-", "--", "#N/A", "néant", "NÉANT", "x",
                                  "Non communiqué", "0"])
def test_placeholders_are_empty_cells_on_both_paths(store: Store, cell: str) -> None:
    """"N/A" and the like stand for no address: syntax_empty without a key (so two of them are
    not duplicates), whether the bulk rules ("N/A") or email-validator's path ("néant", "--")
    decide."""
    r = check_syntax(cell)
    assert (r.ok, r.reason, r.key) == (False, Reason.SYNTAX_EMPTY, None)
    assert syntax_of_values(store, [cell]) == [(False, Reason.SYNTAX_EMPTY.value, None, None)]
