"""Summaries as plain rows, shared by the HTML report and the terminal.

Each function takes typed results and returns a list of dicts (one per row) with display-ready
strings, so the same numbers appear in both places and can be tested without rendering.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from detente.models.result import Forecast
from detente.scenario import Scenario

__all__ = [
    "CONDITIONING",
    "NO_CHANGE",
    "VETO_MARK",
    "forecast_context",
    "forecast_statement",
    "forecast_table",
    "format_issue_value",
    "honours_vetoes",
    "plural",
    "scenario_summary",
    "stance_rows",
    "veto_notes",
    "vetoes_not_honoured",
]

CONDITIONING = "the outcome if the parties bargain to a settlement"
"""What every forecast is: the outcome conditional on the parties bargaining to a settlement."""

NO_CHANGE = "no change (status quo)"
"""Title of the no-change baseline column: each issue's status quo, ``-`` where it has none."""

VETO_MARK = "*"
"""Appended to a forecast of an issue with veto players by a model that does not honour them."""


def plural(count: int, noun: str) -> str:
    """``plural(1, "issue")`` -> ``"1 issue"``; ``plural(9, "issue")`` -> ``"9 issues"``."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def format_issue_value(scenario: Scenario, issue_id: str, position: float | None, digits: int = 1) -> str:
    """Format a 0-100 position of an issue, in natural units when the issue has them."""
    if position is None:
        return "-"
    return scenario.issue(issue_id).format_position(position, digits)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def forecast_statement(scenario: Scenario) -> str:
    """One sentence saying what the forecasts are: conditioning, horizon, date, and the baseline.

    >>> from detente.scenarios import load_scenario
    >>> s = load_scenario("korea").model_copy(update={"horizon": "within five years", "as_of": "2026-11"})
    >>> print(forecast_statement(s))
    Forecast: the outcome if the parties bargain to a settlement, within five years (the scenario's
    horizon; as of 2026-11). No change: the status quo.
    >>> print(forecast_statement(s.model_copy(update={"horizon": "", "as_of": ""})))
    Forecast: the outcome if the parties bargain to a settlement, horizon not stated (undated). No
    change: the status quo.
    """
    horizon = _one_line(scenario.horizon)
    when = f"as of {scenario.as_of}" if scenario.as_of else "undated"
    framed = f"{horizon} (the scenario's horizon; {when})" if horizon else f"horizon not stated ({when})"
    n_sq = sum(i.status_quo is not None for i in scenario.issues)
    if n_sq == len(scenario.issues):
        baseline = "the status quo"
    elif n_sq:
        baseline = "the status quo (- where an issue states none)"
    else:
        baseline = "the status quo, which no issue states"
    return f"Forecast: {CONDITIONING}, {framed}. No change: {baseline}."


def forecast_context(scenario: Scenario) -> dict[str, Any]:
    """What JSON outputs add to say what the forecasts are.

    ``conditioning`` (:data:`CONDITIONING`), ``horizon`` and ``as_of`` (the scenario's, or None),
    ``no_change`` (issue id -> status quo on 0-100, or None), ``statement``
    (:func:`forecast_statement`) and ``veto_players`` (issue id -> actor ids, for issues that have
    them).
    """
    return {
        "conditioning": CONDITIONING,
        "horizon": _one_line(scenario.horizon) or None,
        "as_of": scenario.as_of or None,
        "statement": forecast_statement(scenario),
        "no_change": {i.id: i.status_quo for i in scenario.issues},
        "veto_players": {i.id: list(i.veto_players) for i in scenario.issues if i.veto_players},
    }


def honours_vetoes(forecast: Forecast, issue_id: str) -> bool:
    """Whether ``forecast`` kept its forecast of ``issue_id`` within the veto players' acceptable set.

    Models in :data:`detente.models.ALL_MODELS` say so with their ``honours_vetoes`` tag; a forecast of
    another model counts as honouring vetoes when the issue's ``details`` record them (``"veto"``).
    """
    from detente.models import ALL_MODELS

    for cls in ALL_MODELS:
        if cls.name == forecast.model:
            return cls.tags.honours_vetoes
    entry = next((x for x in forecast.issues if x.issue == issue_id), None)
    return entry is not None and "veto" in entry.details


def vetoes_not_honoured(scenario: Scenario, forecasts: Sequence[Forecast]) -> dict[str, list[str]]:
    """Model name -> ids of the issues with veto players whose veto the model does not honour."""
    out: dict[str, list[str]] = {}
    for f in forecasts:
        issues = [
            i.id
            for i in scenario.issues
            if i.veto_players and any(x.issue == i.id for x in f.issues) and not honours_vetoes(f, i.id)
        ]
        if issues:
            out[f.model] = issues
    return out


def veto_notes(scenario: Scenario, forecasts: Sequence[Forecast], *, names: bool = False) -> list[str]:
    """One-line notes on veto players: which models ignore them (marked :data:`VETO_MARK`), where they bound.

    For example ``"* smp, expected-utility do not honour the veto players of: nuclear (DPRK)"`` and
    ``"The veto players bound the forecast of: compromise on nuclear (38.8 unconstrained)"``: ids, as
    the terminal's forecast table (whose columns are model ids) and ``--model`` use them. With
    ``names`` the notes name models, issues and actors as the HTML report does: ``"* Spatial Model of
    Politics does not honour the veto players of: DPRK nuclear programme (Democratic People's Republic
    of Korea)"``.
    """
    from detente.report.labels import actor_name, model_label

    def model(m: str) -> str:
        return model_label(m) if names else m

    def issue(i: str) -> str:
        return scenario.issue(i).name if names else i

    def actors(ids: Sequence[str]) -> str:
        return ", ".join(actor_name(scenario, a) if names else a for a in ids)

    notes = []
    ignored = vetoes_not_honoured(scenario, forecasts)
    if ignored:
        issues = [i for i in scenario.issues if any(i.id in ids for ids in ignored.values())]
        which = "; ".join(f"{issue(i.id)} ({actors(i.veto_players)})" for i in issues)
        verb = "does" if len(ignored) == 1 else "do"
        who = ", ".join(model(m) for m in ignored)
        notes.append(f"{VETO_MARK} {who} {verb} not honour the veto players of: {which}")
    bound = []
    for f in forecasts:
        for x in f.issues:
            record = x.details.get("veto")
            if isinstance(record, dict) and record.get("bound"):
                was = format_issue_value(scenario, x.issue, record["unconstrained"])
                bound.append(f"{model(f.model)} on {issue(x.issue)} ({was} unconstrained)")
    if bound:
        notes.append(f"The veto players bound the forecast of: {'; '.join(bound)}")
    return notes


def forecast_table(scenario: Scenario, forecasts: Sequence[Forecast]) -> list[dict[str, Any]]:
    """One row per issue: the no-change baseline, its forecast under each model, and the outcome if known.

    Keys: ``issue`` (display name), ``id``, :data:`NO_CHANGE` (the status quo, ``-`` where the issue
    has none), one key per model name, and ``outcome`` when any issue has one. A model's forecast of
    an issue whose veto players it does not honour ends in :data:`VETO_MARK` (:func:`veto_notes`
    explains it).
    """
    has_outcome = any(i.outcome is not None for i in scenario.issues)
    rows = []
    for issue in scenario.issues:
        row: dict[str, Any] = {"issue": issue.name, "id": issue.id}
        row[NO_CHANGE] = format_issue_value(scenario, issue.id, issue.status_quo)
        for f in forecasts:
            entry = next((x for x in f.issues if x.issue == issue.id), None)
            text = format_issue_value(scenario, issue.id, entry.position if entry else None)
            if entry is not None and entry.low is not None and entry.high is not None:
                lo = format_issue_value(scenario, issue.id, entry.low).split(" ")[0]
                hi = format_issue_value(scenario, issue.id, entry.high).split(" ")[0]
                text += f" [{lo}, {hi}]"
            if entry is not None and issue.veto_players and not honours_vetoes(f, issue.id):
                text += f" {VETO_MARK}"
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
