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

    def interval(self, lo: float | None, hi: float | None, digits: int = 1) -> str:
        return f"{self.percent_of(lo, digits)} \u2013 {self.percent_of(hi, digits)}"


FORMATS = {
    "fr": NumberFormat(group=NNBSP, decimal=",", percent=NNBSP),
    "en": NumberFormat(group=",", decimal=".", percent=""),
}


def number_format(lang: str) -> NumberFormat:
    return FORMATS[lang]


def parse_number(text: str, lang: str) -> float:
    """Inverse of `NumberFormat.number`/`percent_of` (tests read the report back with it)."""
    f = FORMATS[lang]
    t = text.strip().replace("%", "").replace(f.minus, "-")
    t = t.replace(NNBSP, "").replace(NBSP, "").replace(" ", "")
    if f.group != NNBSP:
        t = t.replace(f.group, "")
    return float(t.replace(f.decimal, "."))
