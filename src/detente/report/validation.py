"""Validation sections: backtest accuracy, calibration of predictive intervals, error distributions.

:func:`validation_page` renders the page of ``detente backtest deu --report DIR``;
:func:`validation_sections` is registered in :data:`detente.report.run.ANALYSIS_SECTIONS`, so every
``detente run`` report shows the shipped cross-validated accuracy of the models on DEU data and, for a
scenario whose issues record an outcome, that case's backtest. Unless the scenario is itself a DEU
issue (:func:`is_deu_scenario`), the DEU figures are labelled as a track record on EU legislation, not
on the scenario at hand.
"""

from __future__ import annotations

import numpy as np
from markupsafe import Markup, escape

from detente.errors import DetenteError
from detente.report._svg import figure_to_svg, new_figure
from detente.report.figures import MODEL_COLOURS, mpl_text
from detente.report.html import html_table, render_html
from detente.report.section import Section
from detente.scenario import Scenario
from detente.validation.run import BacktestResult

__all__ = ["calibration_plot", "error_plot", "is_deu_scenario", "validation_page", "validation_sections"]

NOMINAL_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
_NUMERIC = ("n", "MAE", "median AE", "RMSE", "80% coverage", "CRPS", "MAE - compromise [95% CI]")


def calibration_plot(result: BacktestResult) -> str:
    """Observed against nominal coverage of central predictive intervals, one line per model."""
    fig = new_figure(5.2, 4.0)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1, label="perfect calibration")
    for k, m in enumerate(result.models):
        observed = result.evaluation.coverage_curve(m, NOMINAL_LEVELS)
        ax.plot(
            NOMINAL_LEVELS,
            observed,
            marker="o",
            markersize=3,
            color=MODEL_COLOURS[k % len(MODEL_COLOURS)],
            label=mpl_text(m),
        )
    ax.axvline(0.8, color="#cccccc", linewidth=0.8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("nominal coverage of the central interval")
    ax.set_ylabel("observed share of outcomes inside")
    ax.legend(fontsize=9, frameon=False, loc="lower right")
    return figure_to_svg(fig, title="Calibration: nominal against observed coverage")


def error_plot(result: BacktestResult) -> str:
    """Distribution of absolute errors (0-100 scale) per model: box plots with the mean marked."""
    ev = result.evaluation
    errors = []
    for m in result.models:
        e = np.abs(ev.point[m] - ev.sim.outcome)
        errors.append(e[np.isfinite(e)])
    fig = new_figure(6.5, 0.9 + 0.38 * len(result.models))
    ax = fig.add_subplot()
    rows = np.arange(len(result.models))[::-1]
    ax.boxplot(
        errors,
        positions=rows,
        orientation="horizontal",
        widths=0.6,
        showmeans=True,
        meanprops={"marker": "D", "markersize": 4},
    )
    ax.set_yticks(rows, [mpl_text(m) for m in result.models])
    ax.set_xlim(-2, 102)
    ax.set_xlabel("absolute error (0-100 scale); diamond = mean")
    return figure_to_svg(fig, title="Distribution of absolute errors per model")


def _accuracy_html(result: BacktestResult) -> Markup:
    rows = [s.row() for s in result.scores]
    return html_table(rows, numeric=_NUMERIC)


def _result_sections(result: BacktestResult, prefix: str) -> list[Section]:
    ev = result.evaluation
    fits = sorted(set(result.fit))
    how = {
        "cross-validated": "development-file issues use the fit made without their proposal's fold",
        "frozen": "other issues use the fit on the whole development file",
    }
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes)
    intro = Markup(
        f"<p>{len(ev.sim.issues)} issues with known outcomes. Intervals are 80% predictive intervals from "
        "Monte Carlo input uncertainty with calibrated error distributions; "
        f"{escape('; '.join(how[f] for f in fits))}. The last column is the mean paired difference in "
        "absolute error from the compromise model (negative: more accurate), "
        "with a cluster-bootstrap 95% CI.</p>"
    )
    return [
        Section(
            f"{prefix}-accuracy",
            "Accuracy",
            intro + _accuracy_html(result) + (Markup(f"<ul>{notes}</ul>") if notes else Markup("")),
        ),
        Section(
            f"{prefix}-calibration",
            "Calibration",
            Markup(
                "<p>A calibrated model's line follows the diagonal: "
                "its x% intervals hold x% of the outcomes.</p>"
            )
            + Markup(calibration_plot(result)),
        ),
        Section(f"{prefix}-errors", "Error distribution", Markup(error_plot(result))),
    ]


def validation_page(result: BacktestResult, *, title: str, seed: int, command: str = "") -> str:
    """The self-contained HTML validation page of a DEU backtest."""
    return render_html(
        title,
        _result_sections(result, "backtest"),
        description="Backtest of forecasting models against real outcomes.",
        seed=seed,
        command=command,
    )


def is_deu_scenario(scenario: Scenario) -> bool:
    """Whether ``scenario`` is one EU legislative issue of the DEU data.

    Such scenarios come from :func:`detente.validation.deu.issue_scenario`: named ``DEU <isnr>``, with
    the one issue ``<isnr>``. For any other scenario the DEU track record is about other negotiations.

    >>> from detente.scenarios import load_scenario
    >>> is_deu_scenario(load_scenario("korea"))
    False
    """
    prefix = "DEU "
    return (
        scenario.name.startswith(prefix)
        and len(scenario.issues) == 1
        and scenario.issues[0].id == scenario.name[len(prefix) :]
    )


def _shipped_section(scenario: Scenario) -> Section | None:
    from detente.validation.best import load_shipped

    try:
        raw = load_shipped().raw
    except DetenteError:
        return None
    rows = [{k: v for k, v in r.items() if k != "calibration"} for r in raw["cv_table"]]
    deu = is_deu_scenario(scenario)
    caveat = (
        ""
        if deu
        else "<p><strong>Not a track record on this scenario.</strong> This scenario is not an EU "
        "legislative decision from the DEU data, so these numbers say how the models did on EU "
        "legislation, not how accurate they are here; negotiations of another kind may favour other "
        "models, and errors may be larger.</p>"
    )
    text = Markup(
        f"{caveat}<p>Accuracy of the models on {raw['dev_issues']} issues of EU legislation (DEU data), each "
        f"forecast by a model fitted without the issue's proposal ({raw['n_folds']}-fold cross-validation "
        "grouped by proposal). Errors on the issues' 0-100 scales. <code>best</code> is "
        f"<code>{escape(raw['selected'])}</code>, chosen by cross-validation. Reproduce with "
        f"<code>{escape(raw['command'])}</code>.</p>"
    )
    title = (
        "Track record on EU legislation (cross-validated)"
        if deu
        else "Track record on EU legislation (DEU data), not on this scenario"
    )
    return Section("validation-deu", title, text + html_table(rows, numeric=_NUMERIC))


def validation_sections(scenario: Scenario, *, seed: int) -> list[Section]:
    """Shipped cross-validated accuracy, and this scenario's backtest when its issues record outcomes."""
    subsections = []
    shipped = _shipped_section(scenario)
    if shipped is not None:
        subsections.append(shipped)
    if any(i.outcome is not None for i in scenario.issues):
        from detente.validation.run import run_case

        try:
            result = run_case(scenario, seed=seed)
        except DetenteError as exc:
            subsections.append(
                Section(
                    "validation-case",
                    "Backtest of this case",
                    Markup(f"<p>Not available: {escape(exc.message)}</p>"),
                )
            )
        else:
            subsections.extend(
                Section(s.id, f"This case: {s.title.lower()}", s.html)
                for s in _result_sections(result, "validation-case")
            )
    if not subsections:
        return []
    return [Section("validation", "Validation", Markup(""), tuple(subsections))]
