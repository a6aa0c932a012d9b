"""Report sections of the expected-utility model: rounds, trajectories, challenges, quadrant charts.

:func:`expected_utility_sections` turns a forecast of :class:`~detente.models.ExpectedUtility` (or of
its Monte Carlo variant) into report sections: per issue, the median and mean of every round next to
the forecast and any known outcome, the actors' position trajectories, who challenged whom with
which offer and whether it was accepted, and Bueno de Mesquita's perceptual quadrant charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from markupsafe import Markup, escape

from detente.models.result import Forecast
from detente.report._svg import Series, figure_to_svg, histogram, line_chart, new_figure
from detente.report.figures import actor_styles, mpl_text
from detente.report.html import html_table
from detente.report.labels import actor_name
from detente.report.section import Section
from detente.report.tables import format_issue_value
from detente.scenario import Scenario

__all__ = [
    "MAX_CHALLENGE_ROWS",
    "challenge_rows",
    "default_chart_actors",
    "expected_utility_sections",
    "quadrant_chart",
    "trajectory_chart",
]

MAX_CHALLENGE_ROWS = 400
"""Above this many offers on an issue, the challenge table lists only the accepted ones."""

_REGION_NOTE = (
    "Each point is another actor j, placed by actor i's expected utility of challenging j (across) "
    "and j's expected utility of challenging i as i sees it (up). Upper right: conflict (above the "
    "diagonal i loses and moves to j, below it j moves to i). Lower right: i gains; j compromises "
    "(between the axis and the dashed line) or capitulates (below it). Upper left: i gives ground to "
    "j, by compromise or capitulation. Lower left: stalemate."
)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-").lower() or "x"


def default_chart_actors(scenario: Scenario, issue_id: str, count: int = 3) -> list[str]:
    """The ``count`` most capable actors with a stance on the issue (ties in scenario order)."""
    data = scenario.issue_data(issue_id)
    order = np.argsort(-data.capabilities, kind="stable")
    return [data.actor_ids[k] for k in order[: min(count, data.n_actors)]]


def expected_utility_sections(
    forecast: Forecast,
    scenario: Scenario,
    *,
    actors: Sequence[str] | None = None,
    chart_round: int = 1,
    quadrant_issues: Sequence[str] | None = None,
) -> list[Section]:
    """The sections for one expected-utility forecast (deterministic or Monte Carlo), collapsed.

    ``actors`` chooses whose quadrant charts to draw (default: the three most capable on each issue);
    ``chart_round`` the round whose expected utilities they show (1 = the input positions);
    ``quadrant_issues`` the issues that get them (default: the first issue only -- one chart shows
    how to read the model; every issue's numbers are in its challenge table).
    """
    mc = forecast.model.endswith("-mc")
    title = "Appendix: expected-utility model" + (" (Monte Carlo)" if mc else "")
    anchor = _slug(forecast.model)
    charted = set(scenario.issue_ids[:1] if quadrant_issues is None else quadrant_issues)
    subsections = []
    for issue in scenario.issues:
        entry = next((x for x in forecast.issues if x.issue == issue.id), None)
        if entry is None:
            continue
        parts: list[Markup] = [_issue_summary(forecast, scenario, issue.id)]
        if mc:
            parts.append(_figure(_distribution_chart(forecast, scenario, issue.id)))
        parts.append(_figure(trajectory_chart(forecast, scenario, issue.id)))
        parts.append(_rounds_table(forecast, scenario, issue.id))
        if not mc:
            parts.append(_challenges_block(forecast, scenario, issue.id))
            if issue.id in charted:
                parts.append(_quadrant_block(forecast, scenario, issue.id, actors, chart_round))
        subsections.append(
            Section(f"{anchor}-{_slug(issue.id)}", issue.name, Markup("").join(parts), collapsed=True)
        )
    intro = _intro(forecast, mc)
    return [Section(anchor, title, intro, tuple(subsections), collapsed=True)]


# --- text and tables ----------------------------------------------------------------------------------


def _intro(forecast: Forecast, mc: bool) -> Markup:
    settings = forecast.details.get("settings", {})
    opts = ", ".join(f"{k} = {v}" for k, v in settings.items())
    text = (
        "<p>Bueno de Mesquita's expected-utility model as clarified by Scholz, Calbert &amp; Smith (2011). "
        "Each round every actor weighs the expected utility of challenging every other; offers of "
        "conflict, compromise or capitulation move positions, all at once. The forecast is the "
        f"{escape(forecast.parameters.get('predict', 'median'))} after the last round. "
        f"Options: {escape(opts)}.</p>"
    )
    if mc:
        text += (
            f"<p>Monte Carlo: {escape(forecast.details.get('runs', ''))} runs with noisy positions, "
            "saliences and capabilities and random tie-breaking; the forecast is the median of the "
            "runs' forecasts, with its central interval. Trajectories show the mean over runs.</p>"
        )
    return Markup(text)


def _issue_summary(forecast: Forecast, scenario: Scenario, issue_id: str) -> Markup:
    issue = scenario.issue(issue_id)
    entry = next(x for x in forecast.issues if x.issue == issue_id)
    row: dict[str, Any] = {"forecast": format_issue_value(scenario, issue_id, entry.position, digits=1)}
    if entry.low is not None and entry.high is not None:
        lo = format_issue_value(scenario, issue_id, entry.low, digits=1)
        hi = format_issue_value(scenario, issue_id, entry.high, digits=1)
        row["interval"] = f"{lo} to {hi}"
    last = forecast.rounds[-1].summary if forecast.rounds else {}
    for stat in ("median", "mean"):
        if f"{stat}:{issue_id}" in last:
            row[f"last-round {stat}"] = format_issue_value(scenario, issue_id, last[f"{stat}:{issue_id}"], 1)
    if issue.outcome is not None:
        row["known outcome"] = format_issue_value(scenario, issue_id, issue.outcome, digits=1)
    if issue.status_quo is not None:
        row["status quo"] = format_issue_value(scenario, issue_id, issue.status_quo, digits=1)
    degenerate = entry.details.get("degenerate")
    note = f'<p class="note">Nothing could move: {escape(degenerate)}.</p>' if degenerate else ""
    return html_table([row], list(row), numeric=list(row)) + Markup(note)


def _rounds_table(forecast: Forecast, scenario: Scenario, issue_id: str) -> Markup:
    rows = []
    for r in forecast.rounds:
        if f"median:{issue_id}" not in r.summary:
            continue
        moves = sum(1 for c in r.challenges if c.issue == issue_id and c.accepted)
        rows.append(
            {
                "round": str(r.index),
                "median": format_issue_value(scenario, issue_id, r.summary[f"median:{issue_id}"], digits=3),
                "mean": format_issue_value(scenario, issue_id, r.summary[f"mean:{issue_id}"], digits=3),
                "moves": "-" if r.index == 0 or forecast.model.endswith("-mc") else str(moves),
            }
        )
    return Markup("<h4>Median and mean by round</h4>") + html_table(
        rows, ["round", "median", "mean", "moves"], numeric=["round", "median", "mean", "moves"]
    )


def challenge_rows(forecast: Forecast, scenario: Scenario, issue_id: str) -> list[dict[str, str]]:
    """One row per offer on the issue: round, who challenged whom, the offer, acceptance, utilities.

    Positions are in the issue's natural units; ``target's expected utility`` is the target's expected
    utility of challenging the challenger, ``challenger's expected utility`` the challenger's of
    challenging the target (as the target evaluates it).
    """
    rows = []
    for r in forecast.rounds:
        for c in r.challenges:
            if c.issue != issue_id:
                continue
            rows.append(
                {
                    "round": str(r.index),
                    "challenger": scenario.actor(c.challenger).name,
                    "target": scenario.actor(c.target).name,
                    "offer": c.offer,
                    "accepted": "yes" if c.accepted else "no",
                    "target moves to": format_issue_value(scenario, issue_id, c.details.get("position"), 3),
                    "target's expected utility": f"{c.details.get('target_eu', float('nan')):.4f}",
                    "challenger's expected utility": f"{c.expected_utility:.4f}"
                    if c.expected_utility is not None
                    else "-",
                }
            )
    return rows


def _challenges_block(forecast: Forecast, scenario: Scenario, issue_id: str) -> Markup:
    rows = challenge_rows(forecast, scenario, issue_id)
    note = ""
    if len(rows) > MAX_CHALLENGE_ROWS:
        rows = [row for row in rows if row["accepted"] == "yes"]
        note = f" There were too many offers to list; only the {len(rows)} accepted ones are shown."
    if not rows:
        return Markup("<h4>Challenges</h4><p>No actor made an offer another would accept.</p>")
    cols = list(rows[0])
    classes = {k: "estimate" for k, row in enumerate(rows) if row["accepted"] == "yes"}
    return Markup(
        '<h4>Challenges and offers</h4><p class="note">Every offer made in each round; the accepted '
        f"ones (one per moving actor) are highlighted.{escape(note)}</p>"
    ) + html_table(
        rows,
        cols,
        numeric=["round", "target moves to", "target's expected utility", "challenger's expected utility"],
        classes=classes,
    )


def _quadrant_block(
    forecast: Forecast, scenario: Scenario, issue_id: str, actors: Sequence[str] | None, chart_round: int
) -> Markup:
    entry = next(x for x in forecast.issues if x.issue == issue_id)
    available = entry.details.get("eu_ij", [])
    if not available:
        return Markup("")
    t = min(max(chart_round, 1), len(available))
    ids = entry.details["actors"]
    chosen = [a for a in (actors or default_chart_actors(scenario, issue_id)) if a in ids]
    if not chosen:
        return Markup("")
    svg = quadrant_chart(forecast, scenario, issue_id, chosen, round_index=t)
    return Markup(
        f'<h4>Perceptual quadrant charts, round {t}</h4><p class="note">{escape(_REGION_NOTE)}</p>'
    ) + _figure(svg)


def _figure(svg: str) -> Markup:
    return Markup(svg)  # the SVG comes in its own scrolling box


# --- figures -----------------------------------------------------------------------------------------


def trajectory_chart(forecast: Forecast, scenario: Scenario, issue_id: str) -> str:
    """Each actor's position round by round, with the median and any known outcome, labelled directly."""
    issue = scenario.issue(issue_id)
    rounds = [r.index for r in forecast.rounds]
    ids = [
        a
        for a in scenario.actor_ids
        if forecast.rounds and issue_id in forecast.rounds[0].positions.get(a, {})
    ]
    styles = actor_styles(scenario.actor_ids)
    series = [
        Series(
            scenario.actor(a).name,
            rounds,
            [issue.to_natural(r.positions[a][issue_id]) for r in forecast.rounds],
            colour=styles[a][0],
            dash=styles[a][1],
        )
        for a in ids
    ]
    series.append(
        Series(
            "median",
            rounds,
            [issue.to_natural(r.summary[f"median:{issue_id}"]) for r in forecast.rounds],
            colour="#000000",
            dash="2 2",
            width=3.0,
        )
    )
    if issue.outcome is not None:
        value = issue.to_natural(issue.outcome)
        series.append(
            Series("known outcome", [rounds[0], rounds[-1]], [value, value], colour="#000", dash="8 4")
        )
    unit = issue.units.unit if issue.units is not None and issue.units.unit else "position (0-100)"
    lo, hi = issue.to_natural(0.0), issue.to_natural(100.0)
    return line_chart(
        series,
        title=f"Positions by round: {issue.name}",
        x_label="round (0 = the stated positions)",
        y_label=unit,
        y_range=(min(lo, hi), max(lo, hi)),
    )


def quadrant_chart(
    forecast: Forecast, scenario: Scenario, issue_id: str, actors: Sequence[str], *, round_index: int = 1
) -> str:
    """Bueno de Mesquita's perceptual charts: one panel per actor i, one point per other actor j.

    Across: i's expected utility of challenging j; up: j's expected utility of challenging i as i
    evaluates it, both from round ``round_index`` (1 = the input positions).
    """
    entry = next(x for x in forecast.issues if x.issue == issue_id)
    ids = entry.details["actors"]
    eu_ij = np.asarray(entry.details["eu_ij"][round_index - 1])
    eu_ji = np.asarray(entry.details["eu_ji"][round_index - 1])
    fig = new_figure(3.0 * len(actors) + 0.4, 3.4)
    axes = fig.subplots(1, len(actors), squeeze=False)[0]
    for ax, a in zip(axes, actors, strict=True):
        i = ids.index(a)
        others = [j for j in range(len(ids)) if j != i]
        xs, ys = eu_ij[i, others], eu_ji[i, others]
        lim = 1.1 * max(float(np.max(np.abs(np.concatenate([xs, ys])))) if others else 0.0, 1e-9)
        ax.axhline(0, color="#888888", linewidth=0.8)
        ax.axvline(0, color="#888888", linewidth=0.8)
        grid = np.array([0.0, lim])
        ax.plot(grid, grid, color="#bbbbbb", linewidth=0.8)  # conflict: who wins
        ax.plot(grid, -grid, color="#bbbbbb", linewidth=0.8, linestyle="--")  # compromise | capitulation
        ax.plot(-grid, grid, color="#bbbbbb", linewidth=0.8, linestyle="--")
        ax.scatter(xs, ys, s=16, color="#0072B2", zorder=3)
        labels: dict[tuple[float, float], list[str]] = {}  # actors (by id) at one point share a label
        for j, x, y in zip(others, xs, ys, strict=True):
            labels.setdefault((round(float(x), 9), round(float(y), 9)), []).append(
                actor_name(scenario, ids[j])
            )
        for k, ((x, y), names) in enumerate(sorted(labels.items(), key=lambda item: item[0][1])):
            ax.annotate(  # alternate sides so that labels of nearby points do not overprint
                mpl_text(", ".join(names), 22),
                (x, y),
                fontsize=9,
                xytext=(3, 2) if k % 2 == 0 else (-3, -2),
                textcoords="offset points",
                ha="left" if k % 2 == 0 else "right",
                va="bottom" if k % 2 == 0 else "top",
            )
        for x, y, label in (
            (0.98, 0.98, "conflict"),
            (0.98, 0.02, "i gains"),
            (0.02, 0.98, "j gains"),
            (0.02, 0.02, "stalemate"),
        ):
            ax.text(
                x,
                y,
                label,
                transform=ax.transAxes,
                ha="right" if x > 0.5 else "left",
                va="top" if y > 0.5 else "bottom",
                fontsize=9,
                color="#555555",
            )
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        name = actor_name(scenario, a)
        ax.set_title(mpl_text(f"as {name} (i) sees it", 30), fontsize=10)
        ax.set_xlabel(mpl_text(f"{name}'s gain from challenging", 30), fontsize=9)
        ax.set_ylabel("other's gain from challenging", fontsize=9)
        ax.tick_params(labelsize=8)
    issue = scenario.issue(issue_id)
    return figure_to_svg(fig, title=f"Quadrant charts, round {round_index}: {issue.name}")


def _distribution_chart(forecast: Forecast, scenario: Scenario, issue_id: str) -> str:
    """Histogram of the Monte Carlo runs' forecasts, with the median, the interval and any known outcome."""
    issue = scenario.issue(issue_id)
    entry = next(x for x in forecast.issues if x.issue == issue_id)
    lo, hi = sorted((issue.to_natural(0.0), issue.to_natural(100.0)))
    values = [issue.to_natural(v) for v in entry.details.get("values", [])]
    marks = [(issue.to_natural(entry.position), f"median {issue.to_natural(entry.position):.3g}", "#000000")]
    if issue.outcome is not None:
        marks.append((issue.to_natural(issue.outcome), "known outcome", "#8a3b00"))
    band = None
    if entry.low is not None and entry.high is not None:
        band = (issue.to_natural(entry.low), issue.to_natural(entry.high))
    unit = issue.units.unit if issue.units is not None and issue.units.unit else "forecast (0-100)"
    level = float(entry.details.get("level", 0.8))
    return histogram(
        values,
        title=f"Monte Carlo forecasts: {issue.name}",
        x_label=f"{unit}; shaded: the runs' central {level:.0%}",
        marks=marks,
        band=band,
        x_range=(lo, hi),
    )
