"""Numbers written for the reader's locale without the `locale` module (whose output depends on
what the machine has installed): French `1 234,5` and `3,7 %`, English `1,234.5` and `3.7%`.

The French group separator is U+202F (narrow no-break space), the typographic choice of the
Imprimerie nationale; a line never breaks inside a number."""

from __future__ import annotations

import math
from dataclasses import dataclass

NNBSP = "\u202f"
NBSP = "\u00a0"


@dataclass(frozen=True, slots=True)
class NumberFormat:
    group: str
    decimal: str
    percent: str  # the text between the number and "%"
    minus: str = "\u2212"  # a real minus sign, as printed

    def integer(self, value: int | float | None) -> str:
        if value is None:
            return "\u2014"
        return self.number(value, 0)

    def number(self, value: int | float | None, digits: int = 1) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "\u2014"
        if isinstance(value, float) and math.isinf(value):
            return ("" if value > 0 else self.minus) + "\u221e"
        text = f"{abs(value):,.{digits}f}"  # Python's en form: 1,234.5
        whole, _, frac = text.partition(".")
        out = whole.replace(",", self.group) + (self.decimal + frac if frac else "")
        negative = value < 0 and any(c not in "0.," for c in text)
        return (self.minus if negative else "") + out

    def percent_of(self, share: float | None, digits: int = 1) -> str:
        """`share` is a proportion (0.0366 -> 3.7%)."""
        if share is None:
            return "\u2014"
        return self.number(100.0 * share, digits) + self.percent + "%"

    def bound(self, share: float | None, digits: int = 1) -> str:
        """An interval's bound: `percent_of`, with the decimals `bound_digits` gives it."""
        return self.percent_of(share, bound_digits(share, digits))

    def interval(self, lo: float | None, hi: float | None, digits: int = 1) -> str:
        return f"{self.bound(lo, digits)} \u2013 {self.bound(hi, digits)}"


def bound_digits(share: float | None, digits: int = 1, most: int = 3) -> int:
    """Decimals for an interval's bound, as a percentage: `digits`, or more (up to `most`)
    when a bound above 0% or below 100% would read as 0 or 100 (0 invalid of 15,397 rows:
    "0.0% - 0.0%" said the rate was known to be 0; it is 0.0% - 0.01%)."""
    if share is None:
        return digits
    pct = 100.0 * share
    d = digits
    while d < most and ((pct > 0 and round(pct, d) == 0) or (pct < 100 and round(pct, d) == 100)):
        d += 1
    return d


FORMATS = {
    "fr": NumberFormat(group=NNBSP, decimal=",", percent=NNBSP),
    "en": NumberFormat(group=",", decimal=".", percent=""),
}


def number_format(lang: str) -> NumberFormat:
    return FORMATS[lang]


def plural(n: float, one: str, other: str, lang: str = "en") -> str:
    """The form of a word that agrees with the count `n`: `one` for 1 in English; for 0 and 1
    in French ("0 ligne", "1 ligne"). These are the CLDR plural rules' "one" category for
    whole numbers."""
    if lang == "fr":
        return one if abs(n) < 2 else other
    return one if n == 1 else other


def counted(n: int, one: str, other: str) -> str:
    """A count and its noun for the terminal (English): `1 row`, `12,345 rows`."""
    return f"{n:,} {plural(n, one, other)}"


@dataclass(frozen=True, slots=True)
class Count:
    """A count in a catalogue sentence: `{n}` writes it as formatted for the reader, and
    `{n:row is|rows are}` writes the words that agree with it (`plural`)."""

    value: int
    text: str
    lang: str = "en"

    def __format__(self, spec: str) -> str:
        if not spec:
            return self.text
        one, sep, other = spec.partition("|")
        if not sep:
            raise ValueError(f"a count's format is one|other, not {spec!r}")
        return plural(self.value, one, other, self.lang)


def parse_number(text: str, lang: str) -> float:
    """Inverse of `NumberFormat.number`/`percent_of` (tests read the report back with it)."""
    f = FORMATS[lang]
    t = text.strip().replace("%", "").replace(f.minus, "-")
    t = t.replace(NNBSP, "").replace(NBSP, "").replace(" ", "")
    if f.group != NNBSP:
        t = t.replace(f.group, "")
    return float(t.replace(f.decimal, "."))


def side_names(a: str, a_id: int | None, b: str, b_id: int | None,
               width: int | None = None) -> tuple[str, str]:
    """A's and B's names as shown side by side. Two stored bases may share a name (the same
    file imported twice, `compare id:1 id:2`): shown alike, the reader cannot tell which is
    which, so each then carries its id, `name (id:1)`. With `width`, each name is cut to it
    (the id kept whole), and names alike once cut are told apart the same way."""
    def fit(name: str, suffix: str = "") -> str:
        return name + suffix if width is None else name[:max(0, width - len(suffix))] + suffix

    if fit(a) != fit(b) or a_id is None or b_id is None or a_id == b_id:
        return fit(a), fit(b)
    return fit(a, f" (id:{a_id})"), fit(b, f" (id:{b_id})")
