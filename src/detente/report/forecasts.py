"""Report sections for a model comparison on one scenario, and for the scenario itself."""

from __future__ import annotations

from markupsafe import Markup, escape

from detente.models.compare import Comparison
from detente.report.figures import position_map
from detente.report.html import html_table
from detente.report.section import Section
from detente.report.tables import (
    NO_CHANGE,
    forecast_statement,
    forecast_table,
    plural,
    scenario_summary,
    stance_rows,
    veto_notes,
)
from detente.scenario import Scenario

__all__ = ["comparison_sections", "scenario_section"]


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-").lower() or "x"


def comparison_sections(scenario: Scenario, comparison: Comparison) -> list[Section]:
    """The forecast table (issue x model, beside the no-change baseline) and one position map per issue.

    The intro says what the forecasts are (:func:`~detente.report.tables.forecast_statement`); notes
    under the table say which models do not honour an issue's veto players and where the veto
    players bound a forecast (:func:`~detente.report.tables.veto_notes`).
    """
    rows = forecast_table(scenario, comparison.forecasts)
    models = [f.model for f in comparison.forecasts]
    cols = ["issue", NO_CHANGE, *models]
    cols += ["outcome"] if rows and "outcome" in rows[0] else []
    parts = [
        Markup(
            "<p>{} Each model's forecast of each issue is on the issue's 0-100 scale (or in its "
            'natural units where it has them), beside the no-change baseline ("{}": where the issue '
            "stays if the parties reach no settlement). Interval bounds, where a model gives them, are "
            "in brackets.</p>"
        ).format(forecast_statement(scenario), NO_CHANGE),
        html_table(rows, cols, numeric=[c for c in cols if c != "issue"]),
    ]
    parts += [
        Markup('<p class="note">{}</p>').format(note) for note in veto_notes(scenario, comparison.forecasts)
    ]
    if any(i.outcome is not None for i in scenario.issues):
        parts.append(
            Markup(
                '<p class="note">"outcome" is what was actually decided (a past case); '
                "models never see it.</p>"
            )
        )
    status_rows = [
        {"model": f.model, "status": f.status.value, "rounds": str(max(len(f.rounds) - 1, 0))}
        for f in comparison.forecasts
    ]
    parts.append(html_table(status_rows, ["model", "status", "rounds"], numeric=["rounds"]))
    if comparison.failures:
        items = "".join(
            f"<li><strong>{escape(m)}</strong>: {escape(msg)}</li>" for m, msg in comparison.failures.items()
        )
        parts.append(
            Markup(
                f'<div class="warn"><p>Models that could not run on this scenario:</p><ul>{items}</ul></div>'
            )
        )
    summary = Section("forecasts", "Forecasts by model", Markup("").join(parts))
    maps = []
    for issue in scenario.issues:
        svg = position_map(scenario, issue.id, comparison.forecasts)
        body = Markup(
            f'<p>{escape(issue.description)}</p><div class="figure">{svg}</div>'
            if issue.description
            else f'<div class="figure">{svg}</div>'
        )
        maps.append(Section(f"map-{_slug(issue.id)}", issue.name, body))
    return [
        summary,
        Section(
            "position-maps",
            "Position maps",
            Markup(
                "<p>Actors on each issue's scale; marker area is proportional to "
                "capability x salience. Lines mark each model's forecast.</p>"
            ),
            tuple(maps),
        ),
    ]


def scenario_section(scenario: Scenario) -> Section:
    """The scenario's actors, issues, stances (estimates marked), and sources."""
    counts = scenario_summary(scenario)
    intro = Markup(
        f"<p>{plural(counts['actors'], 'actor')}, {plural(counts['issues'], 'issue')}, "
        f"{plural(counts['stances'], 'stance')}: "
        f'{counts["sourced"]} stated in a source, <span class="estimate">{counts["estimates"]} analyst '
        "estimates</span>.</p>"
    )
    actors = html_table(
        [
            {
                "actor": a.name,
                "id": a.id,
                "capability": f"{a.capability:g}",
                "group": a.group,
                "basis of capability": a.description,
            }
            for a in scenario.actors
        ],
        numeric=["capability"],
    )
    issues = html_table(
        [
            {
                "issue": i.name,
                "id": i.id,
                "0 means": i.meaning_0,
                "100 means": i.meaning_100,
                "status quo": "-" if i.status_quo is None else i.format_position(i.status_quo),
            }
            for i in scenario.issues
        ]
    )
    rows = stance_rows(scenario)
    est = {k: "estimate" for k, r in enumerate(rows) if r["basis"] == "estimate"}
    stances = html_table(
        rows,
        ["actor", "issue", "position", "salience", "uncertainty", "basis", "source", "quote", "note"],
        numeric=["position", "salience"],
        classes=est,
    )
    sources = Markup("").join(
        Markup("<li>{}{}{}{}</li>").format(
            Markup("<strong>{}</strong>").format(s.title),
            f" — {s.author}" if s.author else "",
            f" ({s.date})" if s.date else "",
            f" [{s.file or s.url}]" if (s.file or s.url) else "",
        )
        for s in scenario.sources
    )
    subsections = (
        Section("scenario-actors", "Actors", actors),
        Section("scenario-issues", "Issues", issues),
        Section(
            "scenario-stances",
            "Stances and their sources",
            Markup(
                '<p class="note">Rows in <span class="estimate">amber</span> are the analyst\'s '
                "estimates, with the rationale in the note; the others quote their source.</p>"
            )
            + stances,
        ),
        Section("scenario-sources", "Sources", Markup(f"<ul>{sources}</ul>")),
    )
    return Section("scenario", f"Scenario: {scenario.name}", intro, subsections)
