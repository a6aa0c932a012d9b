"""Summaries as plain rows, shared by the HTML report and the terminal.

Each function takes typed results and returns a list of dicts (one per row) with display-ready
strings, so the same numbers appear in both places and can be tested without rendering.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from detente.models.result import Forecast
from detente.scenario import Scenario

__all__ = ["forecast_table", "format_issue_value", "plural", "scenario_summary", "stance_rows"]


def plural(count: int, noun: str) -> str:
    """``plural(1, "issue")`` -> ``"1 issue"``; ``plural(9, "issue")`` -> ``"9 issues"``."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def format_issue_value(scenario: Scenario, issue_id: str, position: float | None, digits: int = 1) -> str:
    """Format a 0-100 position of an issue, in natural units when the issue has them."""
    if position is None:
        return "-"
    return scenario.issue(issue_id).format_position(position, digits)


def forecast_table(scenario: Scenario, forecasts: Sequence[Forecast]) -> list[dict[str, Any]]:
    """One row per issue: its forecast under each model, plus status quo and outcome if known.

    Keys: ``issue`` (display name), ``id``, one key per model name, ``status quo`` and ``outcome``
    when any issue has them.
    """
    has_sq = any(i.status_quo is not None for i in scenario.issues)
    has_outcome = any(i.outcome is not None for i in scenario.issues)
    rows = []
    for issue in scenario.issues:
        row: dict[str, Any] = {"issue": issue.name, "id": issue.id}
        if has_sq:
            row["status quo"] = format_issue_value(scenario, issue.id, issue.status_quo)
        for f in forecasts:
            entry = next((x for x in f.issues if x.issue == issue.id), None)
            text = format_issue_value(scenario, issue.id, entry.position if entry else None)
            if entry is not None and entry.low is not None and entry.high is not None:
                lo = format_issue_value(scenario, issue.id, entry.low).split(" ")[0]
                hi = format_issue_value(scenario, issue.id, entry.high).split(" ")[0]
                text += f" [{lo}, {hi}]"
            row[f.model] = text
        if has_outcome:
            row["outcome"] = format_issue_value(scenario, issue.id, issue.outcome)
        rows.append(row)
    return rows


def scenario_summary(scenario: Scenario) -> dict[str, int]:
    """Counts: actors, issues, stances, sourced stances, estimates, sources."""
    n_est = len(scenario.estimates())
    return {
        "actors": len(scenario.actors),
        "issues": len(scenario.issues),
        "stances": len(scenario.stances),
        "sourced": len(scenario.stances) - n_est,
        "estimates": n_est,
        "sources": len(scenario.sources),
    }


def stance_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """One row per stance with actor and issue names, numbers, basis and citation."""
    rows = []
    for st in scenario.stances:
        src = ""
        if st.source:
            s = scenario.source(st.source)
            src = s.file or s.title
        unc = ""
        if st.uncertainty is not None:
            u = st.uncertainty
            unc = f"sd {u.sd:g}" if u.sd is not None else f"{u.low:g}-{u.high:g}"
        rows.append(
            {
                "actor": scenario.actor(st.actor).name,
                "issue": scenario.issue(st.issue).name,
                "position": f"{st.position:g}",
                "salience": f"{st.salience:g}",
                "uncertainty": unc,
                "basis": st.basis,
                "source": src,
                "quote": st.quote,
                "note": st.note,
            }
        )
    return rows


def rounds_table(scenario: Scenario, forecast: Forecast) -> list[dict[str, Any]]:
    """One row per round of a dynamic model with its per-round summary statistics.

    Summary keys of the form ``"<stat>:<issue id>"`` (or plain ``"<stat>"`` for one-issue scenarios)
    are positions and are shown in the issue's natural units; others are shown as numbers. Empty for
    static models.
    """
    rows = []
    single = scenario.issue_ids[0] if len(scenario.issues) == 1 else None
    for r in forecast.rounds:
        if not r.summary:
            continue
        row: dict[str, Any] = {"round": str(r.index)}
        for key, value in r.summary.items():
            _stat, _, issue_id = key.partition(":")
            issue_id = issue_id or (single or "")
            if issue_id in scenario.issue_ids:
                row[key] = format_issue_value(scenario, issue_id, value, digits=3)
            else:
                row[key] = f"{value:.4g}"
        rows.append(row)
    return rows
