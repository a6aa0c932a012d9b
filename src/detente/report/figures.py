"""Figures for the report, rendered as inline SVG (see :mod:`detente.report._svg`)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np

from detente.models.result import Forecast
from detente.report._svg import figure_to_svg, new_figure
from detente.scenario import Scenario

__all__ = ["MODEL_COLOURS", "mpl_text", "position_map"]

MODEL_COLOURS = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#1f78b4",
    "#b2df8a",
    "#fb9a99",
)
"""Colours used for models, in report order (colour-blind-safe Dark2, then Paired)."""


def mpl_text(text: str, width: int | None = None) -> str:
    """Make user text safe for matplotlib (no mathtext from ``$``), optionally wrapped."""
    safe = text.replace("$", r"\$")
    return "\n".join(textwrap.wrap(safe, width)) if width else safe


def position_map(scenario: Scenario, issue_id: str, forecasts: Sequence[Forecast]) -> str:
    """One issue's actors on its 0-100 scale, sized by capability x salience, with model forecasts.

    Each actor with a stance gets a row; its marker's area is proportional to capability x salience.
    Vertical lines mark each model's forecast, the status quo (dashed grey) and, for past cases, the
    actual outcome (black). The scale's end labels are written under the axis.
    """
    data = scenario.issue_data(issue_id)
    issue = data.issue
    n = data.n_actors
    weight = data.capabilities * data.saliences
    area = 40 + 900 * (weight / weight.max() if weight.max() > 0 else np.zeros(n))
    height = min(1.2 + 0.28 * n, 9.0) + 0.9
    fig = new_figure(7.0, height)
    ax = fig.add_subplot()
    order = np.argsort(-weight, kind="stable")
    rows = np.arange(n)[::-1]
    ax.scatter(
        data.positions[order],
        rows,
        s=area[order],
        color="#4a6fa5",
        alpha=0.55,
        edgecolor="#1d3557",
        linewidth=0.6,
        zorder=3,
    )
    labels = [mpl_text(scenario.actor(data.actor_ids[k]).name) for k in order]
    ax.set_yticks(rows, labels if n <= 40 else [""] * n, fontsize=8 if n <= 15 else 6)
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_xlim(-3, 103)
    if issue.status_quo is not None:
        ax.axvline(issue.status_quo, color="#888888", linestyle="--", linewidth=1.2, label="status quo")
    if issue.outcome is not None:
        ax.axvline(issue.outcome, color="black", linewidth=2.0, label="actual outcome")
    styles = ("-", "--", "-.", ":")
    for k, f in enumerate(forecasts):
        entry = next((x for x in f.issues if x.issue == issue_id), None)
        if entry is None:
            continue
        colour = MODEL_COLOURS[k % len(MODEL_COLOURS)]
        ax.axvline(
            entry.position,
            color=colour,
            linestyle=styles[k % len(styles)],
            linewidth=1.6,
            label=mpl_text(f.model),
            zorder=2,
        )
        if entry.low is not None and entry.high is not None:
            ax.axvspan(entry.low, entry.high, color=colour, alpha=0.08, zorder=1)
    ax.set_xlabel(mpl_text(f"{issue.name} (0-100 scale)", 90))
    if issue.units is not None:
        sec = ax.secondary_xaxis("top", functions=(issue.units.to_natural, issue.units.from_natural))
        sec.set_xlabel(mpl_text(issue.units.unit or "natural units"))
    # The scale's end labels go under the axis label, left and right, wrapped so they never meet.
    for x, ha, text in ((0.0, "left", f"0: {issue.meaning_0}"), (1.0, "right", f"100: {issue.meaning_100}")):
        ax.annotate(
            mpl_text(text, 30),
            xy=(x, 0.0),
            xycoords="axes fraction",
            xytext=(0, -34),
            textcoords="offset points",
            ha=ha,
            va="top",
            fontsize=7,
            color="#444444",
        )
    ax.grid(axis="x", color="#eeeeee")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return figure_to_svg(fig, title=f"Position map: {issue.name}")
