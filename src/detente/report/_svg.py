"""Inline SVG for self-contained reports: matplotlib figures made responsive, and small charts drawn directly.

Matplotlib figures (:func:`new_figure`, :func:`figure_to_svg`) lose their fixed pixel size: they get
a ``viewBox``, scale to the width of the page, never upscale beyond their natural size and keep a
minimum width (their box scrolls sideways on a phone rather than shrinking the text below legibility).

The direct charts (:func:`line_chart`, :func:`histogram`, :func:`strip_chart`) are written as SVG
text without matplotlib: they are fast (a report draws dozens), their text is 13 px at natural size,
and series are labelled directly at the end of their lines instead of in a legend.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # never open windows: reports are rendered headless

import matplotlib.pyplot as plt
from markupsafe import escape
from matplotlib.figure import Figure

__all__ = [
    "FONT",
    "MIN_WIDTH",
    "STYLE",
    "Series",
    "figure_to_svg",
    "histogram",
    "line_chart",
    "new_figure",
    "nudge",
    "svg_element",
]

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "svg.fonttype": "none",  # text stays text: searchable, small, escaped by matplotlib
    "svg.hashsalt": "detente",  # stable element ids, so the same input gives the same file
}

FONT = 13
"""Font size (SVG user units = CSS px at natural size) of the direct charts' text."""

MIN_WIDTH = 560
"""Minimum rendered width (px) of a chart: narrower screens scroll the chart's box, not the page."""

_XML_DECL = re.compile(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)
_SIZE = re.compile(r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"')


def new_figure(width: float = 6.5, height: float = 3.0) -> Figure:
    """A new figure in the report's style (sizes in inches)."""
    with plt.rc_context(STYLE):
        fig = plt.figure(figsize=(width, height), layout="constrained")
    return fig


def figure_to_svg(fig: Figure, *, title: str = "") -> str:
    """Render ``fig`` as a responsive inline ``<svg>`` element (no XML declaration) and close it.

    The fixed ``width``/``height`` are replaced by a style that fills the column up to the figure's
    natural size (96 px per inch) and no less than :data:`MIN_WIDTH`. The SVG is deterministic (fixed
    hash salt, no date metadata) and makes no network requests. ``title`` becomes an accessible
    ``aria-label``.
    """
    buf = io.StringIO()
    with plt.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = _XML_DECL.sub("", buf.getvalue())

    def responsive(m: re.Match[str]) -> str:
        natural = float(m.group(2)) * 4 / 3  # pt -> CSS px
        style = f"width:100%;height:auto;max-width:{natural:.0f}px;min-width:{min(natural, MIN_WIDTH):.0f}px"
        return f'<svg{m.group(1)} class="chart" style="{style}"'

    svg = _SIZE.sub(responsive, svg, count=1)
    if title:
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
    return f'<div class="figure" tabindex="0">{svg}</div>'


# --- direct charts ------------------------------------------------------------------------------------


def svg_element(width: float, height: float, body: str, *, title: str, min_width: float = MIN_WIDTH) -> str:
    """Wrap chart ``body`` in a responsive ``<svg>`` with a ``viewBox`` and an accessible label.

    The chart sits in a ``<div class="figure">`` that scrolls sideways when the screen is narrower than
    ``min_width``, so the page itself never does.
    """
    style = f"width:100%;height:auto;max-width:{width:.0f}px;min-width:{min(width, min_width):.0f}px"
    return (
        '<div class="figure" tabindex="0"><svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" class="chart" '
        f'role="img" aria-label="{escape(title)}" style="{style}" font-family="DejaVu Sans, Arial, '
        f'sans-serif" font-size="{FONT}">{body}</svg></div>'
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = "#1d2733", **kw: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in kw.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>{escape(text)}</text>'


def nudge(values: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Move sorted label positions apart to at least ``gap``, keeping them within [low, high].

    Used for direct labels at the ends of lines: each label stays as near its line as it can.

    >>> nudge([10, 11, 30], 5, 0, 100)
    [8.0, 13.0, 30.0]
    """
    order = sorted(range(len(values)), key=lambda k: values[k])
    ys = [float(values[k]) for k in order]
    for _ in range(50):
        moved = False
        for k in range(1, len(ys)):
            if ys[k] - ys[k - 1] < gap - 1e-9:
                mid = (ys[k] + ys[k - 1]) / 2
                ys[k - 1], ys[k] = mid - gap / 2, mid + gap / 2
                moved = True
        if ys:
            shift = max(0.0, low - ys[0]) - max(0.0, ys[-1] - high)
            ys = [y + shift for y in ys]
        if not moved:
            break
    out = [0.0] * len(ys)
    for k, y in zip(order, ys, strict=True):
        out[k] = round(y, 6)
    return out


@dataclass(frozen=True)
class Series:
    """One line of a :func:`line_chart`: its label (written at the line's end), points and style."""

    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    colour: str = "#0072B2"
    dash: str = ""
    width: float = 1.8


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / n
    mag = 10 ** int(f"{raw:e}".split("e")[1])
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = step * -(-lo // step)
    out, v = [], first
    while v <= hi + 1e-9:
        out.append(round(v, 10))
        v += step
    return out


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    y_range: tuple[float, float] = (0.0, 100.0),
    bands: Sequence[tuple[float, float, str]] = (),
    width: float = 680,
    height: float = 300,
    label_width: float = 150,
) -> str:
    """A line chart with every series labelled at its right end (no legend).

    ``bands`` are shaded horizontal bands (lo, hi, colour).
    """
    left, top, bottom = 52.0, 12.0, 44.0
    right = width - label_width
    x_all = [float(x) for s in series for x in s.xs] or [0.0, 1.0]
    x0, x1 = min(x_all), max(x_all)
    if x1 == x0:
        x1 = x0 + 1
    y0, y1 = y_range

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (right - left)

    def py(y: float) -> float:
        return height - bottom - (y - y0) / (y1 - y0) * (height - bottom - top)

    parts = []
    for lo, hi, colour in bands:
        parts.append(
            f'<rect x="{left:.1f}" y="{py(hi):.1f}" width="{right - left:.1f}" '
            f'height="{max(py(lo) - py(hi), 0.5):.1f}" fill="{colour}" fill-opacity="0.12"/>'
        )
    for t in _ticks(y0, y1):
        parts.append(f'<line x1="{left}" x2="{right}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#e6e9ec"/>')
        parts.append(_text(left - 6, py(t) + 4, f"{t:g}", anchor="end", fill="#5c6773"))
    xt = sorted({round(x) for x in x_all})
    step = max(1, -(-len(xt) // 10))
    for t in xt[::step]:
        parts.append(_text(px(t), height - bottom + 17, f"{t:g}", anchor="middle", fill="#5c6773"))
    parts.append(
        f'<line x1="{left}" x2="{right}" y1="{height - bottom}" y2="{height - bottom}" stroke="#5c6773"/>'
    )
    parts.append(_text((left + right) / 2, height - 6, x_label, anchor="middle"))
    parts.append(
        f'<text transform="translate(14 {(top + height - bottom) / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" fill="#1d2733">{escape(y_label)}</text>'
    )
    ends = []
    for s in series:
        pts = [(px(float(x)), py(float(y))) for x, y in zip(s.xs, s.ys, strict=True)]
        if not pts:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{s.colour}" stroke-width="{s.width}"{dash}/>'
        )
        ends.append((pts[-1][1], s))
    placed = nudge([y for y, _ in ends], FONT + 1, top + 4, height - bottom)
    for (y, s), ly in zip(ends, placed, strict=True):
        parts.append(
            f'<line x1="{right + 2:.1f}" x2="{right + 8:.1f}" y1="{y:.1f}" y2="{ly - 4:.1f}" '
            f'stroke="{s.colour}"/>'
        )
        label = s.label if len(s.label) <= 20 else s.label[:19] + "…"
        parts.append(_text(right + 10, ly, label, fill="#1d2733"))
    return svg_element(width, height, "".join(parts), title=title)


def histogram(
    values: Sequence[float],
    *,
    title: str,
    x_label: str,
    marks: Sequence[tuple[float, str, str]] = (),
    band: tuple[float, float] | None = None,
    bins: int = 20,
    x_range: tuple[float, float] = (0.0, 100.0),
    width: float = 680,
    height: float = 220,
) -> str:
    """A histogram of ``values`` with labelled vertical ``marks`` (x, label, colour) and a shaded ``band``."""
    left, right, top, bottom = 48.0, width - 16, 34.0, 44.0
    x0, x1 = x_range
    counts = [0] * bins
    for v in values:
        k = min(bins - 1, max(0, int((float(v) - x0) / (x1 - x0) * bins)))
        counts[k] += 1
    cmax = max(counts) or 1

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (right - left)

    def py(c: float) -> float:
        return height - bottom - c / cmax * (height - bottom - top)

    parts = []
    if band is not None:
        parts.append(
            f'<rect x="{px(band[0]):.1f}" y="{top}" width="{max(px(band[1]) - px(band[0]), 1):.1f}" '
            f'height="{height - bottom - top}" fill="#56B4E9" fill-opacity="0.2"/>'
        )
    bw = (right - left) / bins
    for k, c in enumerate(counts):
        if c:
            parts.append(
                f'<rect x="{left + k * bw + 0.5:.1f}" y="{py(c):.1f}" width="{bw - 1:.1f}" '
                f'height="{height - bottom - py(c):.1f}" fill="#0072B2"/>'
            )
    parts.append(
        f'<line x1="{left}" x2="{right}" y1="{height - bottom}" y2="{height - bottom}" stroke="#5c6773"/>'
    )
    for t in _ticks(x0, x1):
        parts.append(_text(px(t), height - bottom + 17, f"{t:g}", anchor="middle", fill="#5c6773"))
    parts.append(_text(left - 6, py(cmax) + 4, str(cmax), anchor="end", fill="#5c6773"))
    parts.append(_text(left - 6, height - bottom, "0", anchor="end", fill="#5c6773"))
    parts.append(_text((left + right) / 2, height - 6, x_label, anchor="middle"))
    xs = nudge([px(x) for x, _, _ in marks], 120, left + 50, right - 50)
    for (x, label, colour), lx in zip(marks, xs, strict=True):
        parts.append(
            f'<line x1="{px(x):.1f}" x2="{px(x):.1f}" y1="{top - 4}" y2="{height - bottom}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        parts.append(_text(lx, top - 10, label, anchor="middle", fill=colour))
    return svg_element(width, height, "".join(parts), title=title)
