"""The ledger's report page: the track record, scores, skill against the baselines and calibration.

:func:`ledger_html` renders one self-contained HTML page (the shared report template) from the
ledger's records: the chain's state, the scores per group (retrospective and prospective apart),
every graded forecast against its outcome, the calibration table and plot, and the open forecasts.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from detente.ledger.digest import forecast_text, open_forecasts
from detente.ledger.records import Record
from detente.ledger.score import LedgerScores
from detente.ledger.store import VerifyReport
from detente.report.html import html_table, render_html
from detente.report.section import Section

__all__ = ["ledger_html", "summary_rows"]

_P = Markup("<p>{}</p>")


def _f(x: Any, digits: int = 3, signed: bool = False) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:+.{2}f}" if signed else f"{x:.{digits}f}"
    return str(x)


def summary_rows(scores: LedgerScores) -> list[dict[str, str]]:
    """Display rows of the per-method summary: score of the method and each baseline, and skill."""
    rows = []
    for r in scores.summary:
        name = "brier" if r["kind"] == "binary" else "crps"
        row = {
            "group": r["group"],
            "sample": r["sample"],
            "kind": r["kind"],
            "method": r["method"],
            "questions": str(r["questions"]),
            "score": name.upper() if name == "crps" else "Brier",
            "method score": _f(r[name]),
            "base rate": _f(r[f"{name}_base_rate"]),
            "no change": _f(r[f"{name}_no_change"]),
            "skill vs base rate": _f(r[f"{name}_skill_vs_base_rate"], signed=True),
            "skill vs no change": _f(r[f"{name}_skill_vs_no_change"], signed=True),
        }
        if name == "brier":
            row["log score"] = _f(r["log"])
            row["log skill vs base rate"] = _f(r["log_skill_vs_base_rate"], signed=True)
        rows.append(row)
    return rows


def _calibration_svg(table: list[dict[str, Any]], title: str) -> str:
    from detente.report._svg import figure_to_svg, new_figure

    fig = new_figure(4.0, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1, label="perfect calibration")
    if table:
        x = [r["mean forecast"] for r in table]
        y = [r["observed frequency"] for r in table]
        s = [20 + 12 * r["questions"] for r in table]
        ax.scatter(x, y, s=s, color="#1f5fa0", zorder=3, label="model (size: questions)")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("forecast probability (bin mean)")
    ax.set_ylabel("observed frequency")
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    return figure_to_svg(fig, title=title)


def ledger_html(
    records: list[Record], scores: LedgerScores, check: VerifyReport, *, command: str = ""
) -> str:
    """The report page as a string (the caller writes it)."""
    state = (
        f"The ledger holds {check.records} records; its hash chain is intact; head hash {check.head}."
        if check.ok
        else f"The ledger's hash chain is BROKEN: {check.problems[0].message}."
    )
    intro = _P.format(
        state + " Retrospective records (issued after their outcomes could be known, from dated scenario "
        "versions) are scored apart from prospective ones and never pooled with them. Scores are "
        "negatively oriented (lower is better); skill = 1 - score / baseline score."
    )
    sections = [Section("chain", "The ledger", intro)]
    body = Markup("")
    for group in ("prospective", "retrospective"):
        rows = [r for r in summary_rows(scores) if r["group"] == group]
        body += Markup(f"<h3>{escape(group.capitalize())}</h3>")
        if rows:
            body += html_table(
                rows,
                numeric=[
                    k
                    for k in rows[0]
                    if "score" in k or "skill" in k or k in ("base rate", "no change", "questions")
                ],
            )
        body += _P.format(scores.ranking_note.get(group, ""))
        if scores.ranking.get(group):
            body += html_table(
                [
                    {
                        "rank": str(r["rank"]),
                        "method": r["method"],
                        "questions": str(r["questions"]),
                        "Brier": _f(r["brier"]),
                    }
                    for r in scores.ranking[group]
                ]
            )
    sections.append(Section("scores", "Scores and skill", body))
    track = [
        {
            "id": g.record_id,
            "group": g.group,
            "sample": g.sample,
            "as of": g.as_of,
            "question": g.question,
            "method": g.method,
            "forecast": _f(g.row()["forecast_model"]),
            "base rate": _f(g.row()["forecast_base_rate"]),
            "no change": _f(g.row()["forecast_no_change"]),
            "outcome": _f(g.outcome) if isinstance(g.outcome, bool) else f"{g.outcome:g}",
            "source": g.source,
        }
        for g in scores.grades
    ]
    sections.append(
        Section(
            "track-record",
            "Track record: forecasts against outcomes",
            (
                _P.format("Continuous forecasts show their median.")
                + html_table(track, numeric=["forecast", "base rate", "no change"])
            )
            if track
            else _P.format("No forecast has been resolved yet."),
        )
    )
    cal = Markup("")
    for group, table in scores.calibration.items():
        cal += Markup(f"<h3>{escape(group.capitalize())}</h3>")
        cal += (
            html_table(
                [{k: (_f(v) if isinstance(v, float) else str(v)) for k, v in r.items()} for r in table]
            )
            if table
            else _P.format("No graded binary forecasts.")
        )
        cal += Markup(_calibration_svg(table, f"Calibration of the {group} binary forecasts"))
    sections.append(Section("calibration", "Calibration", cal or _P.format("No graded binary forecasts.")))
    pending = [
        {
            "id": r.record_id,
            "question": r.content["question"]["text"],
            "issued": r.content["issued"],
            "resolve by": r.content["question"]["resolve_by"],
            "forecast": forecast_text(r.content),
        }
        for r in open_forecasts(records)
    ]
    sections.append(Section("open", "Open forecasts", html_table(pending) if pending else _P.format("None.")))
    return render_html(
        "Forecast ledger: track record",
        sections,
        description="Dated forecasts, their outcomes, proper scores and calibration.",
        command=command,
    )
