"""Report sections for a model comparison on one scenario, and for the scenario itself."""

from __future__ import annotations

from markupsafe import Markup, escape

from detente.models.compare import Comparison
from detente.report.figures import position_map
from detente.report.html import html_table
from detente.report.labels import link_sources, model_label, settle_note, source_anchor, source_label
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
    """Appendix sections: every model's forecast of every issue, and one position map per issue.

    The table puts each model's forecast (with its own interval, where it gives one) beside the
    no-change baseline; notes say which models do not honour an issue's veto players and where the veto
    players bound a forecast (:func:`~detente.report.tables.veto_notes`), and how each run ended in
    words ("did not settle within 10 rounds"). Both sections are collapsed: the summary comes first.
    """
    rows = forecast_table(scenario, comparison.forecasts)
    models = [f.model for f in comparison.forecasts]
    labels = {m: model_label(m) for m in models}
    shown = [{labels.get(k, k): v for k, v in row.items()} for row in rows]
    cols = ["issue", NO_CHANGE, *labels.values()]
    cols += ["outcome"] if rows and "outcome" in rows[0] else []
    levels = sorted(
        {
            f"{model_label(f.model)}: {float(x.details.get('level', 0.8)):.0%}"
            for f in comparison.forecasts
            for x in f.issues[:1]
            if x.low is not None
        }
    )
    parts = [
        Markup(
            "<p>{} Each model's forecast of each issue is on the issue's 0-100 scale (or in its "
            'natural units where it has them), beside the no-change baseline ("{}": where the issue '
            "stays if the parties reach no settlement). Brackets hold a model's own interval, not "
            "calibrated against outcomes ({}); they mean different things per model (see its section).</p>"
        ).format(forecast_statement(scenario), NO_CHANGE, "; ".join(levels) or "no model gives one"),
        html_table(shown, cols, numeric=[c for c in cols if c != "issue"]),
    ]
    parts += [
        Markup('<p class="note">{}</p>').format(note)
        for note in veto_notes(scenario, comparison.forecasts, names=True)
    ]
    if any(i.outcome is not None for i in scenario.issues):
        parts.append(
            Markup(
                '<p class="note">"outcome" is what was actually decided (a past case); '
                "models never see it.</p>"
            )
        )
    status_rows = [
        {
            "model": model_label(f.model),
            "what the model does": _model_summary(f.model),
            "how the run ended": settle_note(f),
        }
        for f in comparison.forecasts
    ]
    parts.append(html_table(status_rows, ["model", "what the model does", "how the run ended"]))
    if comparison.failures:
        items = "".join(
            f"<li><strong>{escape(model_label(m))}</strong>: {escape(msg)}</li>"
            for m, msg in comparison.failures.items()
        )
        parts.append(
            Markup(
                f'<div class="warn"><p>Models that could not run on this scenario:</p><ul>{items}</ul></div>'
            )
        )
    summary = Section("forecasts", "Appendix: forecasts by model", Markup("").join(parts), collapsed=True)
    maps = []
    for issue in scenario.issues:
        svg = position_map(scenario, issue.id, comparison.forecasts)
        body = Markup(f"<p>{escape(issue.description)}</p>{svg}" if issue.description else svg)
        maps.append(Section(f"map-{_slug(issue.id)}", issue.name, body))
    return [
        summary,
        Section(
            "position-maps",
            "Appendix: position maps",
            Markup(
                "<p>Actors on each issue's 0-100 scale; a marker's area grows with the actor's capability x "
                "salience. Orange ticks mark the models' forecasts, labelled with the models' names.</p>"
            ),
            tuple(maps),
            collapsed=True,
        ),
    ]


def _model_summary(model: str) -> str:
    from detente.models import ALL_MODELS

    return next((cls.summary for cls in ALL_MODELS if cls.name == model), "")


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
    for row, st in zip(rows, scenario.stances, strict=True):
        row["source"] = (
            Markup('<a href="#{}">{}</a>').format(source_anchor(st.source), source_label(scenario, st.source))
            if st.source
            else ""
        )
        row["note"] = link_sources(scenario, st.note)
    est = {k: "estimate" for k, r in enumerate(rows) if r["basis"] == "estimate"}
    stances = html_table(
        rows,
        ["actor", "issue", "position", "salience", "uncertainty", "basis", "source", "quote", "note"],
        numeric=["position", "salience"],
        classes=est,
    )
    sources = Markup("").join(
        Markup('<li id="{}"><strong>{}</strong>{}{}{}{}</li>').format(
            source_anchor(s.id),
            s.title,
            f" — {s.author}" if s.author else "",
            f" ({s.date})" if s.date else "",
            Markup(' <span class="note">[{}]</span>').format(s.file or s.url) if (s.file or s.url) else "",
            Markup('<br><span class="note">{}</span>').format(s.note) if s.note else "",
        )
        for s in scenario.sources
    )
    subsections = (
        Section("scenario-actors", "Actors", actors),
        Section("scenario-issues", "Issues", issues),
        Section(
            "scenario-stances",
            "Stances and their sources",
            collapsed=True,
            html=Markup(
                '<p class="note">Rows in <span class="estimate">amber</span> are the analyst\'s '
                "estimates, with the rationale in the note; the others quote their source.</p>"
            )
            + stances,
        ),
        Section("scenario-sources", "Sources", Markup(f'<ol class="sources">{sources}</ol>')),
    )
    return Section("scenario", f"Scenario: {scenario.name}", intro, subsections)
