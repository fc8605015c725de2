"""Charts as inline SVG, drawn in Python: no script, no font file, no network (issue 9). Every
text placed in a chart goes through `markupsafe.escape`; the functions return `Markup` so the
templates insert them as is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from mailhygiene.report.fmt import NumberFormat

# Status colours: chosen to stay distinct in greyscale print (lightness differs).
STATUS_COLOURS = {
    "valid": "#2e7d32",
    "invalid": "#c62828",
    "risky": "#ef6c00",
    "catch_all": "#6a1b9a",
    "do_not_mail": "#37474f",
    "unknown": "#1565c0",
    "duplicate": "#9e9e9e",
}
ACCENT = "#1f3a5f"
MUTED = "#b0bec5"
FONT = "font-family:inherit"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the reader sees it
    colour: str = ACCENT
    key: str = ""  # the stored value (status, reason...), kept as a data attribute


def _num(x: float) -> str:
    return f"{x:.1f}"


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 760, label_width: int = 250,
              row: int = 26) -> Markup:
    """Horizontal bars, longest first as given, value written at the end of each bar."""
    if not bars:
        return Markup("")
    top = max((b.value for b in bars), default=0.0) or 1.0
    value_room = 150
    span = width - label_width - value_room
    height = row * len(bars) + 8
    parts = [
        f'<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, b in enumerate(bars):
        y = 4 + i * row
        w = max(1.0, span * b.value / top) if b.value > 0 else 0.0
        parts.append(
            f'<g data-key="{escape(b.key)}">'
            f'<text x="{label_width - 8}" y="{y + row * 0.62:.1f}" text-anchor="end" '
            f'font-size="13" style="{FONT}" fill="#222">{escape(b.label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{_num(w)}" height="{row - 8}" '
            f'rx="2" fill="{escape(b.colour)}"/>'
            f'<text x="{label_width + w + 6:.1f}" y="{y + row * 0.62:.1f}" font-size="13" '
            f'style="{FONT}" fill="#222">{escape(b.text)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def share_bar(share: float | None, *, width: int = 120, colour: str = "#c62828") -> Markup:
    """A small bar for a proportion, for table cells."""
    s = 0.0 if share is None else max(0.0, min(1.0, share))
    return Markup(
        f'<svg class="minibar" xmlns="http://www.w3.org/2000/svg" width="{width}" height="12" '
        f'viewBox="0 0 {width} 12" aria-hidden="true">'
        f'<rect x="0" y="1" width="{width}" height="10" fill="#eceff1"/>'
        f'<rect x="0" y="1" width="{_num(width * s)}" height="10" fill="{escape(colour)}"/>'
        "</svg>"
    )


def overlap_figure(a_only: int, both: int, b_only: int, *, labels: tuple[str, str, str],
                   names: tuple[str, str], fmt: NumberFormat, title: str, colon: str = ": ",
                   width: int = 760) -> Markup:
    """Two aligned bars: A = [A only | shared], B = [shared | B only], to scale."""
    total = max(1, a_only + both + b_only)
    left, span = 120, width - 140
    xa = left
    xs = left + span * a_only / total
    xb = xs + span * both / total
    xe = left + span
    colours = ("#90a4ae", "#c62828", "#64b5f6")

    def seg(x0: float, x1: float, y: int, colour: str) -> str:
        return (f'<rect x="{_num(x0)}" y="{y}" width="{_num(max(0.0, x1 - x0))}" height="26" '
                f'fill="{colour}"/>')

    def legend(i: int, n: int, x: float) -> str:
        return (f'<rect x="{_num(x)}" y="92" width="12" height="12" fill="{colours[i]}"/>'
                f'<text x="{_num(x + 18)}" y="103" font-size="13" style="{FONT}">'
                f"{escape(labels[i])}{escape(colon)}{escape(fmt.integer(n))}</text>")

    parts = [
        f'<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} 112" width="100%" style="max-width:{width}px" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="{left - 8}" y="27" text-anchor="end" font-size="13" font-weight="600" '
        f'style="{FONT}">{escape(names[0])}</text>',
        f'<text x="{left - 8}" y="63" text-anchor="end" font-size="13" font-weight="600" '
        f'style="{FONT}">{escape(names[1])}</text>',
        seg(xa, xs, 8, colours[0]), seg(xs, xb, 8, colours[1]),
        seg(xs, xb, 44, colours[1]), seg(xb, xe, 44, colours[2]),
        legend(0, a_only, left), legend(1, both, left + 220), legend(2, b_only, left + 440),
        "</svg>",
    ]
    return Markup("".join(parts))


# ENFSI bands on the log10 scale (evidence.stats.ENFSI_BANDS: 2, 10, 100, 1e3, 1e4, 1e6).
ENFSI_EDGES = (0.30103, 1.0, 2.0, 3.0, 4.0, 6.0)


def lr_chart(rows: Sequence[tuple[str, float]], *, cap: float, fmt: NumberFormat, title: str,
             axis_label: str, width: int = 780, label_width: int = 390) -> Markup:
    """log10 LR of each variant as a bar from 0 on a symmetric axis [-cap, cap], with the
    ENFSI band edges drawn as ticks. The first row (the main result) is emphasised."""
    if not rows:
        return Markup("")
    cap = max(1.0, cap)
    row_h = 26
    plot_w = width - label_width - 70
    x0 = label_width + plot_w / 2

    def x(v: float) -> float:
        return x0 + plot_w / 2 * max(-cap, min(cap, v)) / cap

    height = row_h * len(rows) + 44
    parts = [
        f'<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    bottom = row_h * len(rows) + 6
    for edge in ENFSI_EDGES:
        for sgn in (1, -1):
            if edge <= cap:
                xe = x(sgn * edge)
                parts.append(f'<line x1="{_num(xe)}" y1="2" x2="{_num(xe)}" y2="{bottom}" '
                             'stroke="#cfd8dc" stroke-dasharray="3,3"/>')
    for tick in range(-int(cap), int(cap) + 1):
        parts.append(f'<text x="{_num(x(tick))}" y="{bottom + 16}" text-anchor="middle" '
                     f'font-size="11" style="{FONT}" fill="#555">'
                     f"{escape(fmt.integer(tick))}</text>")
    parts.append(f'<text x="{_num(x0)}" y="{bottom + 34}" text-anchor="middle" font-size="12" '
                 f'style="{FONT}" fill="#333">{escape(axis_label)}</text>')
    parts.append(f'<line x1="{_num(x0)}" y1="2" x2="{_num(x0)}" y2="{bottom}" stroke="#333"/>')
    for i, (label, v) in enumerate(rows):
        y = 4 + i * row_h
        xv = x(v)
        lo, hi = sorted((x0, xv))
        colour = ACCENT if i == 0 else "#78909c"
        weight = ' font-weight="600"' if i == 0 else ""
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" font-size="12"'
            f'{weight} style="{FONT}">{escape(_clip(label, 56))}</text>'
            f'<rect x="{_num(lo)}" y="{y + 4}" width="{_num(max(1.5, hi - lo))}" height="16" '
            f'fill="{colour}"/>'
            f'<text x="{_num(min(xv, x0 + plot_w / 2) + (6 if v >= 0 else -6))}" y="{y + 16}" '
            f'text-anchor="{"start" if v >= 0 else "end"}" font-size="12" style="{FONT}">'
            f"{escape(fmt.number(v, 2))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
