"""Report sections of the Spatial Model of Politics: trajectories, outcome probabilities, challenges.

:func:`smp_sections` turns a forecast of :class:`~detente.models.SMP` into report sections: a
summary of the run and its forecast, each issue's position trajectories over turns for every
actor (inline SVG), the probability of each actor's position being the outcome over turns, and
who challenged whom with what result.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from markupsafe import Markup, escape

from detente.models.result import Forecast
from detente.report._svg import Series, line_chart
from detente.report.figures import actor_styles
from detente.report.html import html_table
from detente.report.section import Section
from detente.report.tables import format_issue_value
from detente.scenario import Scenario

__all__ = ["MAX_LABELLED_ACTORS", "challenge_rows", "probability_chart", "smp_sections", "trajectory_chart"]

MAX_LABELLED_ACTORS = 12
"""Charts name every actor in a legend up to this many actors; above it, only the most capable."""

MAX_CHALLENGE_ROWS = 40
"""The challenge table lists at most this many challenger-target pairs (the most frequent)."""


def _labelled(scenario: Scenario) -> set[str]:
    caps = scenario.capabilities()
    order = np.argsort(-caps, kind="stable")[:MAX_LABELLED_ACTORS]
    return {scenario.actors[k].id for k in order}


def trajectory_chart(forecast: Forecast, scenario: Scenario, issue_id: str) -> str:
    """One issue: every actor's position (0-100) in each state, with the status quo and the forecast.

    Lines are labelled at their ends; with more than :data:`MAX_LABELLED_ACTORS` actors only the most
    capable are drawn.
    """
    issue = scenario.issue(issue_id)
    turns = [r.index for r in forecast.rounds]
    labelled = _labelled(scenario)
    styles = actor_styles(scenario.actor_ids)
    series = []
    for actor in scenario.actors:
        ys = [r.positions.get(actor.id, {}).get(issue_id) for r in forecast.rounds]
        if any(y is None for y in ys) or actor.id not in labelled:
            continue
        colour, dash = styles[actor.id]
        series.append(Series(actor.name, turns, [float(y) for y in ys if y is not None], colour, dash))
    if issue.status_quo is not None:
        series.append(
            Series("status quo", [turns[0], turns[-1]], [issue.status_quo] * 2, colour="#5c6773", dash="6 3")
        )
    entry = next(x for x in forecast.issues if x.issue == issue_id)
    series.append(
        Series(
            "SMP forecast",
            [turns[0], turns[-1]],
            [entry.position] * 2,
            colour="#000000",
            dash="2 2",
            width=2.5,
        )
    )
    return line_chart(
        series,
        title=f"SMP position trajectories: {issue.name}",
        x_label="turn (0 = the stated positions)",
        y_label="position (0-100)",
    )


def probability_chart(forecast: Forecast, scenario: Scenario) -> str:
    """Each actor's probability that its position is the outcome, state by state, labelled directly."""
    turns = [r.index for r in forecast.rounds]
    labelled = _labelled(scenario)
    styles = actor_styles(scenario.actor_ids)
    series = []
    for actor in scenario.actors:
        if actor.id not in labelled:
            continue
        ys = [(r.probabilities or {}).get(actor.id) for r in forecast.rounds]
        if any(y is None for y in ys):
            continue
        colour, dash = styles[actor.id]
        series.append(Series(actor.name, turns, [float(y) for y in ys if y is not None], colour, dash))
    return line_chart(
        series,
        title="SMP outcome probability of each actor's position",
        x_label="turn (0 = the stated positions)",
        y_label="probability",
        y_range=(0.0, 1.0),
    )


def challenge_rows(forecast: Forecast, scenario: Scenario) -> list[dict[str, str]]:
    """One row per (challenger, target) pair: in which turns, how often, and what came of it."""
    stats: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"turns": [], "both": 0, "challenger": 0, "target": 0, "p": []}
    )
    for r in forecast.rounds:
        for c in r.challenges:
            row = stats[(c.challenger, c.target)]
            row["turns"].append(r.index - 1)
            row["both"] += bool(c.accepted)
            row["challenger"] += bool(c.details.get("challenger_adopted"))
            row["target"] += bool(c.details.get("target_adopted"))
            if c.probability is not None:
                row["p"].append(c.probability)
    order = sorted(stats, key=lambda key: (-len(stats[key]["turns"]), key))
    rows = []
    for challenger, target in order[:MAX_CHALLENGE_ROWS]:
        s = stats[(challenger, target)]
        turns = s["turns"]
        shown = ", ".join(str(t) for t in turns[:12]) + (" ..." if len(turns) > 12 else "")
        rows.append(
            {
                "challenger": scenario.actor(challenger).name,
                "target": scenario.actor(target).name,
                "turns": shown,
                "bargains": str(len(turns)),
                "challenger moved": str(s["challenger"]),
                "target moved": str(s["target"]),
                "both moved": str(s["both"]),
                "P(win)": f"{np.mean(s['p']):.2f}" if s["p"] else "",
            }
        )
    return rows


def _summary_rows(forecast: Forecast, scenario: Scenario) -> list[dict[str, str]]:
    rows = []
    for entry in forecast.issues:
        issue = scenario.issue(entry.issue)
        rows.append(
            {
                "issue": issue.name,
                "forecast": format_issue_value(scenario, entry.issue, entry.position),
                "80% range": (
                    f"{format_issue_value(scenario, entry.issue, entry.low)} - "
                    f"{format_issue_value(scenario, entry.issue, entry.high)}"
                    if entry.low is not None and entry.high is not None
                    else ""
                ),
                "most likely": format_issue_value(scenario, entry.issue, entry.details["most_likely"])
                if "most_likely" in entry.details
                else "",
                "status quo": format_issue_value(scenario, entry.issue, issue.status_quo)
                if issue.status_quo is not None
                else "",
            }
        )
    return rows


def smp_sections(forecast: Forecast, scenario: Scenario) -> list[Section]:
    """The SMP's report sections for ``forecast`` (a forecast of the model ``"smp"``)."""
    if forecast.model != "smp" or not forecast.rounds:
        return []
    n_turns = len(forecast.rounds) - 1
    n_bargains = sum(len(r.challenges) for r in forecast.rounds)
    ended = "settled" if forecast.status.value == "converged" else "stopped at the turn limit"
    intro = Markup(
        "<p>KTAB's Spatial Model of Politics: every turn, each actor challenges the target where it "
        "expects the most gain and proposes a bargain; each actor then picks, by a probabilistic "
        "Condorcet election among all actors, one bargain that involves it or the status quo. "
        f"This run {escape(ended)} after {n_turns} turns with {n_bargains} bargains proposed. "
        "The forecast is the median of the final state's outcome distribution (the probability, "
        "computed as KTAB does, that each distinct final position is the outcome); the range holds "
        "its middle 80%.</p>"
    )
    body = intro + html_table(_summary_rows(forecast, scenario), numeric=())
    traj = Markup("").join(
        Markup("<h4>{}</h4>").format(scenario.issue(issue_id).name)
        + _figure(trajectory_chart(forecast, scenario, issue_id))
        for issue_id in scenario.issue_ids
    )
    many = len(scenario.actors) > MAX_LABELLED_ACTORS
    note = (
        Markup(f"<p>Drawn and named: the {MAX_LABELLED_ACTORS} most capable actors.</p>")
        if many
        else Markup("")
    )
    rows = challenge_rows(forecast, scenario)
    challenge_html = Markup(
        "<p>Each row is a challenger-target pair: the turns in which the challenger proposed a bargain "
        "to the target, and how often each side's own election took its side of that bargain (bargains "
        "bind no one, so one side may move while the other stays). P(win) is the challenger's mean "
        "estimate of winning a contest.</p>"
    )
    challenge_html += (
        html_table(rows, numeric=("bargains", "challenger moved", "target moved", "both moved", "P(win)"))
        if rows
        else Markup("<p>No actor saw an advantageous target in any turn.</p>")
    )
    subsections = (
        Section(id="smp-trajectories", title="Position trajectories", html=note + traj),
        Section(
            id="smp-probabilities",
            title="Outcome probabilities over turns",
            html=note + _figure(probability_chart(forecast, scenario)),
        ),
        Section(id="smp-challenges", title="Who challenged whom", html=challenge_html),
    )
    return [
        Section(
            id="smp",
            title="Appendix: Spatial Model of Politics (KTAB)",
            html=body,
            subsections=subsections,
            collapsed=True,
        )
    ]


def _figure(svg: str) -> Markup:
    """Wrap a trusted inline SVG string as markup."""
    return Markup(svg)  # the SVG comes in its own scrolling box
