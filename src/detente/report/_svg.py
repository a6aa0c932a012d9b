"""Turn matplotlib figures into inline SVG text for self-contained reports."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")  # never open windows: reports are rendered headless

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["STYLE", "figure_to_svg", "new_figure"]

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "svg.fonttype": "none",  # text stays text: searchable, small, escaped by matplotlib
    "svg.hashsalt": "detente",  # stable element ids, so the same input gives the same file
}

_XML_DECL = re.compile(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)


def new_figure(width: float = 6.5, height: float = 3.0) -> Figure:
    """A new figure in the report's style (sizes in inches)."""
    with plt.rc_context(STYLE):
        fig = plt.figure(figsize=(width, height), layout="constrained")
    return fig


def figure_to_svg(fig: Figure, *, title: str = "") -> str:
    """Render ``fig`` as an inline ``<svg>`` element (no XML declaration) and close it.

    The SVG is deterministic (fixed hash salt, no date metadata) and makes no network requests.
    ``title`` becomes an accessible ``aria-label``.
    """
    buf = io.StringIO()
    with plt.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = _XML_DECL.sub("", buf.getvalue())
    if title:
        from markupsafe import escape

        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
    return svg
