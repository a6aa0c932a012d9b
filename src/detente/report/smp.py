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
from detente.report._svg import figure_to_svg, new_figure
from detente.report.figures import mpl_text
from detente.report.html import html_table
from detente.report.section import Section
from detente.report.tables import format_issue_value
from detente.scenario import Scenario

__all__ = ["MAX_LABELLED_ACTORS", "challenge_rows", "probability_chart", "smp_sections", "trajectory_chart"]

MAX_LABELLED_ACTORS = 12
"""Charts name every actor in a legend up to this many actors; above it, only the most capable."""

MAX_CHALLENGE_ROWS = 40
"""The challenge table lists at most this many challenger-target pairs (the most frequent)."""


def _colours(n: int) -> list[Any]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(k % cmap.N) for k in range(n)]


def _labelled(scenario: Scenario) -> set[str]:
    caps = scenario.capabilities()
    order = np.argsort(-caps, kind="stable")[:MAX_LABELLED_ACTORS]
    return {scenario.actors[k].id for k in order}


def trajectory_chart(forecast: Forecast, scenario: Scenario, issue_id: str) -> str:
    """One issue: every actor's position (0-100) in each state, with the status quo and the forecast."""
    issue = scenario.issue(issue_id)
    turns = [r.index for r in forecast.rounds]
    fig = new_figure(7.0, 3.2)
    ax = fig.add_subplot()
    colours = _colours(len(scenario.actors))
    labelled = _labelled(scenario)
    many = len(scenario.actors) > MAX_LABELLED_ACTORS
    for k, actor in enumerate(scenario.actors):
        ys = [r.positions.get(actor.id, {}).get(issue_id) for r in forecast.rounds]
        if any(y is None for y in ys):
            continue
        show = actor.id in labelled
        ax.plot(
            turns,
            ys,
            color=colours[k] if show or not many else "#9aa5b1",
            linewidth=1.6 if show else 0.7,
            alpha=1.0 if show else 0.6,
            marker="o" if len(turns) <= 30 and show else None,
            markersize=2.5,
            label=mpl_text(actor.name) if show else None,
            zorder=3 if show else 2,
        )
    if issue.status_quo is not None:
        ax.axhline(issue.status_quo, color="#888888", linestyle="--", linewidth=1.0, label="status quo")
    entry = next(x for x in forecast.issues if x.issue == issue_id)
    ax.axhline(entry.position, color="black", linewidth=1.4, linestyle=":", label="SMP forecast")
    if entry.low is not None and entry.high is not None:
        ax.axhspan(entry.low, entry.high, color="black", alpha=0.06, zorder=1)
    ax.set_ylim(-3, 103)
    ax.set_xlabel("turn (0 = input)")
    ax.set_ylabel(mpl_text(f"{issue.name} (0-100)", 40))
    if issue.units is not None:
        sec = ax.secondary_yaxis("right", functions=(issue.units.to_natural, issue.units.from_natural))
        sec.set_ylabel(mpl_text(issue.units.unit or "natural units"))
    if len(turns) <= 30:
        ax.set_xticks(turns)
    ax.grid(color="#eeeeee")
    ax.legend(
        loc="upper left", bbox_to_anchor=(1.12 if issue.units else 1.01, 1.0), fontsize=7, frameon=False
    )
    return figure_to_svg(fig, title=f"SMP position trajectories: {issue.name}")


def probability_chart(forecast: Forecast, scenario: Scenario) -> str:
    """Each actor's probability that its position is the outcome, state by state."""
    turns = [r.index for r in forecast.rounds]
    fig = new_figure(7.0, 2.8)
    ax = fig.add_subplot()
    colours = _colours(len(scenario.actors))
    labelled = _labelled(scenario)
    many = len(scenario.actors) > MAX_LABELLED_ACTORS
    for k, actor in enumerate(scenario.actors):
        ys = [(r.probabilities or {}).get(actor.id, np.nan) for r in forecast.rounds]
        show = actor.id in labelled
        ax.plot(
            turns,
            ys,
            color=colours[k] if show or not many else "#9aa5b1",
            linewidth=1.4 if show else 0.6,
            label=mpl_text(actor.name) if show else None,
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("turn (0 = input)")
    ax.set_ylabel("probability")
    ax.grid(color="#eeeeee")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return figure_to_svg(fig, title="SMP outcome probability of each actor's position")


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
        Markup(f"<p>Coloured and named: the {MAX_LABELLED_ACTORS} most capable actors; others in grey.</p>")
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
    return [Section(id="smp", title="Spatial Model of Politics (KTAB)", html=body, subsections=subsections)]


def _figure(svg: str) -> Markup:
    """Wrap a trusted inline SVG string produced by :func:`figure_to_svg` as markup."""
    return Markup(f'<div class="figure">{svg}</div>')
