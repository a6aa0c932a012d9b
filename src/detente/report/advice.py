"""The advice page of one actor: its stances, the forecasts, and its levers ranked by net gain.

:func:`advice_sections` turns an :class:`~detente.deals.advice.Advice` into report sections (what
was computed and on what condition, the baseline, the ranked levers with a bar of each net gain,
the gain under each model, and what each lever changes); :func:`advice_report` renders the page
with :func:`detente.report.html.render_html`.
"""

from __future__ import annotations

from markupsafe import Markup

from detente.deals.advice import CONDITIONING, Advice, LeverEffect
from detente.report.html import html_table, render_html
from detente.report.section import Section

__all__ = ["advice_report", "advice_sections"]


def _p(text: str) -> Markup:
    return Markup("<p>{}</p>").format(text)


def _bar(value: float, scale: float) -> Markup:
    """An inline SVG bar for a net gain (green to the right, red to the left of the zero line)."""
    width, mid = 160, 80
    length = 0.0 if scale <= 0 else min(abs(value) / scale, 1.0) * (mid - 2)
    x = mid if value >= 0 else mid - length
    colour = "#2e7d32" if value >= 0 else "#c62828"
    return Markup(
        '<svg width="{w}" height="12" role="img" aria-label="net gain {v:+.2f}">'
        '<line x1="{m}" y1="0" x2="{m}" y2="12" stroke="#888"/>'
        '<rect x="{x:.1f}" y="2" width="{l:.1f}" height="8" fill="{c}"/></svg>'
    ).format(w=width, m=mid, x=x, l=length, c=colour, v=100 * value)


def _changes(advice: Advice, e: LeverEffect) -> str:
    """Every issue's forecast change toward the actor (mean of the models), in points."""
    t = advice.toward(e)
    moved = [f"{i} {v:+.1f}" for i, v in zip(advice.issue_ids, t, strict=True) if abs(v) >= 0.05]
    return ", ".join(moved) or "no change"


def advice_sections(advice: Advice) -> list[Section]:
    """Sections of the advice page: summary, baseline, ranked levers, gains by model, changes."""
    models = ", ".join(advice.models)
    best = advice.levers[0] if advice.levers else None
    summary = [
        _p(
            f"What can {advice.actor} do to move the forecasts of {advice.scenario.name} toward its "
            f"positions? Each lever below was applied to the scenario and the models ({models}) re-run. "
            f"Forecasts are the outcome {CONDITIONING}; a package lever assumes the parties adopt it."
        ),
        _p(
            f"Ranking: {advice.actor}'s net gain, its utility of the forecasts after the lever minus "
            "before (by its own positions and saliences; utility points, 0-100), averaged over the "
            "models. Benefit is the utility gained on issues that move toward it, cost the utility lost "
            f"on issues that move away. Position and salience levers move {advice.step:g} points."
        ),
    ]
    if best is not None:
        summary.append(
            _p(f"Best lever: {best.lever.label} (net gain {100 * best.net:+.2f}; {advice.moves_text(best)}).")
        )
    for note in advice.notes:
        summary.append(_p(f"Note: {note}"))
    scale = max((abs(e.net) for e in advice.levers), default=0.0)
    rows = [
        {
            **row,
            "net gain": Markup("{} {}").format(row["net gain"], _bar(e.net, scale)),
        }
        for row, e in zip(advice.rows(), advice.levers, strict=True)
    ]
    ranked = html_table(rows, numeric=["rank", "benefit", "cost"])
    by_model = html_table(advice.model_rows(), numeric=["rank", *advice.models])
    changes = html_table(
        [
            {
                "rank": k,
                "lever": e.lever.label,
                "kind": e.lever.kind,
                "forecast change toward you": _changes(advice, e),
            }
            for k, e in enumerate(advice.levers, start=1)
        ],
        numeric=["rank"],
    )
    return [
        Section("advice-summary", f"What {advice.actor} can do", Markup("").join(summary)),
        Section(
            "advice-baseline",
            "Stances and forecasts without any lever",
            html_table(advice.baseline_rows(), numeric=["your position", "salience", *advice.models])
            + _p(
                "Utility of the forecasts to "
                + advice.actor
                + ": "
                + ", ".join(f"{m} {100 * u:.1f}" for m, u in advice.utility.items())
                + " (utility points, 100 = every issue at its position)."
            ),
        ),
        Section("advice-levers", "Levers, best first", ranked),
        Section("advice-models", "Net gain under each model", by_model),
        Section("advice-changes", "What each lever changes (points toward you, mean of the models)", changes),
    ]


def advice_report(advice: Advice, *, command: str = "") -> str:
    """The advice page as HTML text (self-contained; the caller writes it)."""
    return render_html(
        f"detente advise: {advice.actor} in {advice.scenario.name}",
        advice_sections(advice),
        description=advice.scenario.description,
        command=command,
    )
