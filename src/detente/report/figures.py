"""Figures for the report, rendered as inline SVG (see :mod:`detente.report._svg`), and its palette.

Colours come from the Okabe-Ito palette, which stays distinguishable under the common forms of
colour blindness; lines also differ in dash pattern, and charts label lines directly, so no reader
has to match colours to a legend.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from markupsafe import escape

from detente.models.result import Forecast
from detente.report._svg import FONT, svg_element
from detente.scenario import Scenario

__all__ = ["DASHES", "MODEL_COLOURS", "OKABE_ITO", "actor_styles", "mpl_text", "position_map"]

OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: weak on white)
)
"""The Okabe-Ito colour-blind-safe palette, ordered for use on a white page."""

MODEL_COLOURS = OKABE_ITO
"""Colours used for models and policies, in report order."""

DASHES = ("", "6 3", "2 3", "8 3 2 3")
"""Dash patterns (SVG ``stroke-dasharray``), cycled after the colours so that no two lines look alike."""


def actor_styles(actor_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Actor id -> (colour, dash pattern), the same for an actor in every chart of a report.

    The first seven actors get solid Okabe-Ito colours (yellow is skipped: too faint for lines);
    further actors reuse them with dashes.
    """
    colours = OKABE_ITO[:7]
    return {
        a: (colours[k % len(colours)], DASHES[(k // len(colours)) % len(DASHES)])
        for k, a in enumerate(actor_ids)
    }


def mpl_text(text: str, width: int | None = None) -> str:
    """Make user text safe for matplotlib (no mathtext from ``$``), optionally wrapped."""
    safe = text.replace("$", r"\$")
    return "\n".join(textwrap.wrap(safe, width)) if width else safe


def position_map(scenario: Scenario, issue_id: str, forecasts: Sequence[Forecast]) -> str:
    """One issue's actors on its 0-100 scale, sized by capability x salience, with model forecasts.

    Each actor with a stance gets a row; its marker's area is proportional to capability x salience.
    Forecasts are ticks on a row of their own, labelled by model, beside the status quo (dashed grey)
    and, for past cases, the actual outcome (black). The scale's end meanings are written under the
    axis.
    """
    data = scenario.issue_data(issue_id)
    issue = data.issue
    n = data.n_actors
    weight = data.capabilities * data.saliences
    wmax = float(weight.max()) if n and weight.max() > 0 else 1.0
    order = sorted(range(n), key=lambda k: -weight[k])
    width, left, right, row = 680.0, 150.0, 660.0, 24.0
    entries = []
    for f in forecasts:
        entry = next((x for x in f.issues if x.issue == issue_id), None)
        if entry is not None:
            entries.append((f.model, entry.position))
    top = 14.0
    actors_bottom = top + row * n
    fc_top = actors_bottom + 10
    label_rows: list[float] = []
    parts = []

    def px(v: float) -> float:
        return left + v / 100 * (right - left)

    for k, j in enumerate(order):
        y = top + row * k + row / 2
        name = scenario.actor(data.actor_ids[j]).name
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eef0f2"/>')
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#1d2733">'
            f"{escape(name if len(name) <= 20 else name[:19] + '…')}</text>"
        )
        r = 3 + 8 * (float(weight[j]) / wmax) ** 0.5
        parts.append(
            f'<circle cx="{px(float(data.positions[j])):.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#0072B2" '
            'fill-opacity="0.55" stroke="#1d3557" stroke-width="0.8"/>'
        )
    # forecasts: one tick per distinct value, models sharing a value share a label
    groups: dict[float, list[str]] = {}
    for model, pos in entries:
        groups.setdefault(round(pos, 1), []).append(model)
    for k, (pos, models) in enumerate(sorted(groups.items())):
        y = fc_top + 18 * k + 12
        label_rows.append(y)
        x = px(pos)
        anchor = "start" if pos < 55 else "end"
        dx = 6 if anchor == "start" else -6
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{y:.1f}" stroke="#D55E00"/>')
        parts.append(
            f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" fill="#8a3b00">'
            f"{escape(', '.join(models))}: {pos:g}</text>"
        )
    axis_y = (label_rows[-1] + 14) if label_rows else fc_top + 6
    if issue.status_quo is not None:
        x = px(issue.status_quo)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{axis_y:.1f}" stroke="#5c6773" '
            'stroke-dasharray="5 3" stroke-width="1.5"/>'
        )
    if issue.outcome is not None:
        x = px(issue.outcome)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{axis_y:.1f}" stroke="#000" stroke-width="2.5"/>'
        )
    parts.append(f'<line x1="{left}" x2="{right}" y1="{axis_y:.1f}" y2="{axis_y:.1f}" stroke="#5c6773"/>')
    for t in (0, 25, 50, 75, 100):
        label = issue.format_position(t, 3) if issue.units is not None else f"{t}"
        parts.append(
            f'<text x="{px(t):.1f}" y="{axis_y + 16:.1f}" text-anchor="middle" fill="#5c6773">'
            f"{escape(label)}</text>"
        )
    y = axis_y + 36
    legend = ["dashed grey: status quo" if issue.status_quo is not None else "", "orange: model forecasts"]
    if issue.outcome is not None:
        legend.append("black: actual outcome")
    parts.append(
        f'<text x="{left}" y="{y:.1f}" fill="#5c6773">{escape("; ".join(x for x in legend if x))}</text>'
    )
    y += 4
    for text in (f"0: {issue.meaning_0}", f"100: {issue.meaning_100}"):
        lines = textwrap.wrap(text, 80) or [""]
        for line in lines:
            y += FONT + 4
            parts.append(f'<text x="{left}" y="{y:.1f}" fill="#1d2733">{escape(line)}</text>')
    height = y + 10
    return svg_element(width, height, "".join(parts), title=f"Position map: {issue.name}")
