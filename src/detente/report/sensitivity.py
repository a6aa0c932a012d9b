"""Which estimates matter: the analyst's estimated stances ranked by how much they move each forecast.

Morris screening (:func:`morris_screening`, the method of the experiments' ``korea-estimates``): every
estimated stance's position is drawn from its own stated uncertainty, or uniformly within
:data:`POSITION_HALF` points of the estimate, and its salience within :data:`SALIENCE_HALF` points;
:data:`TRAJECTORIES` Morris trajectories on a :data:`LEVELS`-level grid (r (d + 1) forecasts for d
inputs) give each input's mu*, the mean absolute change of each issue's forecast per full range of the
input, with a 95% bootstrap interval. It runs with the report's seed and takes about a second for the
Korean scenario (106 inputs, 2,140 compromise forecasts); ``detente run`` computes it in its second
process, beside the road map and deals.

When no experiment can be built for the scenario (too many inputs or tasks, a model the experiments
cannot forecast with), the section falls back to one at a time (:func:`leverage`): each estimated
stance's position is set to the low and the high end of its stated uncertainty (its range, or its
position plus and minus one standard deviation; plus and minus :data:`DEFAULT_SWING` points where it
states none), everything else held, and the model re-forecasts the stance's issue. One at a time shows
each estimate's own leverage, not interactions between estimates.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from markupsafe import Markup

from detente.errors import DetenteError
from detente.models import ALL_MODELS
from detente.models.base import ForecastModel
from detente.models.compare import Comparison
from detente.report.html import html_table
from detente.report.labels import model_label
from detente.report.section import Section
from detente.report.summary import choose_model
from detente.scenario import Scenario, Stance

if TYPE_CHECKING:
    from detente.experiments.analysis import MorrisResult

__all__ = [
    "DEFAULT_SWING",
    "LEVELS",
    "POSITION_HALF",
    "SALIENCE_HALF",
    "SHOWN",
    "TRAJECTORIES",
    "Leverage",
    "Screening",
    "ScreeningSection",
    "leverage",
    "morris_screening",
    "screened_model",
    "sensitivity_section",
]

TRAJECTORIES = 20
"""Morris trajectories of the report's screening (as the embedded ``korea-estimates`` experiment)."""

LEVELS = 4
"""Grid levels of the Morris design."""

POSITION_HALF = 15.0
"""Half-width of the range drawn around an estimated position that states no uncertainty."""

SALIENCE_HALF = 10.0
"""Half-width of the range drawn around an estimated salience."""

RESAMPLES = 500
"""Bootstrap resamples behind each mu* interval."""

DEFAULT_SWING = 10.0
"""Points each way tried for an estimate that states no uncertainty."""

SHOWN = 15
"""Rows of the ranking shown in the report."""


@dataclass(frozen=True)
class Leverage:
    """How far one estimated stance moves its issue's forecast when set to the ends of its range."""

    actor: str
    issue: str
    position: float
    low: float
    high: float
    at_low: float
    at_high: float
    base: float

    @property
    def move(self) -> float:
        """The larger absolute change of the forecast (points on 0-100)."""
        return max(abs(self.at_low - self.base), abs(self.at_high - self.base))


def _range(st: Stance) -> tuple[float, float]:
    u = st.uncertainty
    if u is None:
        lo, hi = st.position - DEFAULT_SWING, st.position + DEFAULT_SWING
    elif u.sd is not None:
        lo, hi = st.position - u.sd, st.position + u.sd
    else:
        assert u.low is not None and u.high is not None
        lo, hi = u.low, u.high
    return max(0.0, lo), min(100.0, hi)


def _with_position(scenario: Scenario, st: Stance, value: float) -> Scenario:
    stances = tuple(x.model_copy(update={"position": value}) if x is st else x for x in scenario.stances)
    return scenario.model_copy(update={"stances": stances})


def leverage(scenario: Scenario, model: ForecastModel, *, seed: int = 0) -> list[Leverage]:
    """Every estimated stance's :class:`Leverage` on ``model``'s forecast, largest move first."""
    base = model.forecast(scenario, seed=seed).positions()
    out = []
    for st in scenario.estimates():
        lo, hi = _range(st)
        moved = []
        for value in (lo, hi):
            try:
                f = model.forecast(_with_position(scenario, st, value), seed=seed)
            except DetenteError:
                moved.append(base[st.issue])
                continue
            moved.append(f.position(st.issue))
        out.append(Leverage(st.actor, st.issue, st.position, lo, hi, moved[0], moved[1], base[st.issue]))
    return sorted(out, key=lambda r: (-r.move, r.actor, r.issue))


@dataclass(frozen=True)
class ScreenedInput:
    """One screened estimate: the stance, the field varied, its value and the range drawn from."""

    name: str
    actor: str
    issue: str
    field: str
    base: float
    low: float
    high: float
    law: str = "uniform"


@dataclass(frozen=True)
class Screening:
    """The Morris screening of a scenario's estimates for one model: mu* per input and issue.

    Attributes
    ----------
    model : str
        The model whose forecasts were screened.
    trajectories, levels : int
        The Morris sampler's settings.
    runs : int
        Forecasts made (trajectories x (inputs + 1)).
    seed : int
    inputs : tuple of ScreenedInput
        In design column order.
    results : dict
        Issue id -> the :class:`~detente.experiments.analysis.MorrisResult` of its forecast.
    """

    model: str
    trajectories: int
    levels: int
    runs: int
    seed: int
    inputs: tuple[ScreenedInput, ...]
    results: dict[str, MorrisResult]


def screened_model(models: Sequence[str]) -> str:
    """The model the section screens when ``models`` ran: the headline, or compromise for a slow one."""
    from detente.models.compare import Comparison
    from detente.models.result import Forecast

    if not models:
        return "compromise"
    fake = Comparison.model_construct(
        forecasts=[Forecast.model_construct(model=m) for m in models], failures={}, seed=0
    )
    chosen = choose_model(fake).model
    cls = next((c for c in ALL_MODELS if c.name == chosen), None)
    if cls is None or cls.tags.stochastic or cls.tags.produces_rounds:
        return "compromise"
    return chosen


def morris_screening(
    scenario: Scenario,
    model: str,
    *,
    seed: int = 0,
    trajectories: int = TRAJECTORIES,
    levels: int = LEVELS,
    params: dict | None = None,
) -> Screening:
    """Screen every estimated stance (position and salience) for ``model``'s forecast of every issue.

    Builds an experiment (:mod:`detente.experiments`) over the scenario's estimates, draws the Morris
    design with ``seed``, forecasts every row in this process and analyses each issue's forecast
    with :func:`~detente.experiments.analysis.morris_indices`. Raises
    :class:`~detente.errors.DetenteError` when the experiment cannot be built (no estimates, too many
    inputs or tasks, a model the experiments do not know).
    """
    from detente.experiments.analysis import morris_indices
    from detente.experiments.backends import collect
    from detente.experiments.design import build_design
    from detente.experiments.evaluate import Evaluator
    from detente.experiments.spec import loads_experiment
    from detente.scenario.io import dumps_scenario

    spec = {
        "name": "Which estimates matter (detente run)",
        "scenario": "scenario.json",
        "estimates": {"position": POSITION_HALF, "salience": SALIENCE_HALF},
        "outcomes": [f"forecast.{model}.*"],
        "models": {model: dict(params or {})},
        "sampler": {"method": "morris", "n": trajectories, "levels": levels},
        "seed": seed,
    }
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "scenario.json").write_text(dumps_scenario(scenario, "json"), encoding="utf-8")
        experiment = loads_experiment(json.dumps(spec), source="detente run", base_dir=tmp)
    experiment = dataclasses.replace(experiment, scenario=scenario)  # the scenario itself, not a copy
    design = build_design(experiment, seed=seed)
    rows = collect(Evaluator(experiment), design.tasks(), seed=seed)
    results = {}
    for outcome in experiment.outcomes:
        y = np.array([r[outcome] for r in rows], dtype=float)
        issue = outcome.rsplit(".", 1)[1]
        results[issue] = morris_indices(
            design.problem,
            design.unit,
            y,
            num_levels=levels,
            seed=seed,
            outcome=outcome,
            num_resamples=RESAMPLES,
            fill_value=float(np.nanmean(y)) if np.isnan(y).any() and not np.isnan(y).all() else None,
        )
    inputs = []
    for inp in experiment.inputs:
        actor, issue, what = inp.target.split(".")[1:4]
        low, high = (float(v) for v in inp.values(np.array([0.0, 1.0])))
        law = inp.distribution
        how = f"normal, sd {law.sd:g}" if law.kind == "normal" and law.sd is not None else law.kind
        inputs.append(ScreenedInput(inp.name, actor, issue, what, float(inp.base), low, high, how))
    return Screening(model, trajectories, levels, design.n_tasks, seed, tuple(inputs), results)


@dataclass(frozen=True)
class ScreeningSection(Section):
    """The section, computed ahead of the forecasts, with the model it screened."""

    model: str = ""


def screening_section(scenario: Scenario, models: Sequence[str], *, seed: int = 0) -> Section | None:
    """The section for the model :func:`screened_model` picks from ``models``.

    ``detente run`` computes it in its second process, before the forecasts are known.
    """
    if not scenario.estimates():
        return None
    model = screened_model(models)
    section = _section(scenario, model, {}, seed, note="")
    return ScreeningSection(section.id, section.title, section.html, section.subsections, model=model)


def sensitivity_section(
    scenario: Scenario, comparison: Comparison, *, seed: int = 0, ready: Section | None = None
) -> Section | None:
    """The ranking table for the headline model (or the compromise model when the headline is slow).

    ``ready`` is a :class:`ScreeningSection` computed beforehand (in ``detente run``'s second
    process); it is used when it screened the model this comparison calls for.
    """
    if not scenario.estimates():
        return None
    chosen = choose_model(comparison).model
    cls = next((c for c in ALL_MODELS if c.name == chosen), None)
    note = ""
    if cls is None or cls.tags.stochastic or cls.tags.produces_rounds:
        note = (
            f" The headline model, {model_label(chosen)}, is too slow to re-run for every estimate here, "
            "so the compromise model stands in."
        )
        cls = next(c for c in ALL_MODELS if c.name == "compromise")
        params: dict = {}
    else:
        params = comparison.forecast(chosen).parameters
    if isinstance(ready, ScreeningSection) and ready.model == cls.name and cls(**params) == cls():
        if not note:
            return ready
        return dataclasses.replace(ready, html=ready.html + Markup("<p>{}</p>").format(note.strip()))
    return _section(scenario, cls.name, params, seed, note=note)


def _section(scenario: Scenario, model: str, params: dict, seed: int, *, note: str) -> Section:
    try:
        screening = morris_screening(scenario, model, seed=seed, params=params)
    except DetenteError as exc:
        return _oat_section(scenario, model, params, seed, note=note, why=exc.message)
    return _morris_section(scenario, screening, note=note)


def _morris_section(scenario: Scenario, sc: Screening, *, note: str) -> Section:
    candidates = []
    for issue, res in sc.results.items():
        for i in range(len(res.names)):
            if res.mu_star[i] > 0.05:  # moves the forecast by more than 0.05 points over its range
                candidates.append((float(res.mu_star[i]), issue, i, res))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    table = []
    for k, (_mu, issue, i, res) in enumerate(candidates[:SHOWN], start=1):
        inp = sc.inputs[i]
        what = "position" if inp.field == "position" else "salience"
        table.append(
            {
                "rank": str(k),
                "actor": scenario.actor(inp.actor).name,
                "estimate": f"{what} on {scenario.issue(inp.issue).name}",
                "value": f"{inp.base:g}",
                "range drawn": f"{inp.low:.0f} to {inp.high:.0f}"
                + (f" ({inp.law})" if inp.law != "uniform" else ""),
                "forecast of": scenario.issue(issue).name,
                "moves it by (mu*)": f"{res.mu_star[i]:.1f} ± {res.mu_star_conf[i]:.1f}",
            }
        )
    still = [scenario.issue(i).name for i, r in sc.results.items() if float(np.nanmax(r.mu_star)) <= 0.05]
    rest = len(candidates) - len(table)
    tail = ""
    if rest > 0:
        tail = (
            f" {rest} further pairs of an estimate and a forecast: at most {candidates[SHOWN][0]:.1f} points."
        )
    if still:
        tail += f" No estimate moves the forecast of: {', '.join(still)}."
    intro = Markup(
        "<p>Which of the analyst's estimates move the forecasts most, by Morris screening (the method of "
        "the experiments' <code>korea-estimates</code>, docs/experiments.md). Each of the {} estimated "
        "stances has its position drawn from its stated uncertainty (uniformly within {:g} points of the "
        "estimate where it states none) and its salience within {:g} points; {} was re-run on {} "
        "Morris trajectories on a {}-level grid ({:,} forecasts, seed {}). <em>mu*</em> is the average "
        "change of the forecast (points on the issue's 0-100 scale) when the estimate goes from one end "
        "of its range to the other, with its 95% bootstrap interval; the table ranks pairs of an estimate "
        "and a forecast by it.{}{} Screening ranks the estimates worth sourcing first; it does not "
        "apportion the forecast's variance (a Sobol design in <code>detente sweep</code> does).</p>"
    ).format(
        len(scenario.estimates()),
        POSITION_HALF,
        SALIENCE_HALF,
        model_label(sc.model),
        sc.trajectories,
        sc.levels,
        sc.runs,
        sc.seed,
        note,
        tail,
    )
    html = intro + html_table(table, numeric=["rank", "value", "moves it by (mu*)"])
    return Section("sensitivity", "Which estimates matter", html)


def _oat_section(scenario: Scenario, model: str, params: dict, seed: int, *, note: str, why: str) -> Section:
    cls = next(c for c in ALL_MODELS if c.name == model)
    try:
        rows = leverage(scenario, cls(**params), seed=seed)
    except DetenteError as exc:
        return Section(
            "sensitivity", "Which estimates matter", Markup("<p>Not available: {}</p>").format(exc.message)
        )
    table = [
        {
            "rank": str(k),
            "actor": scenario.actor(r.actor).name,
            "issue": scenario.issue(r.issue).name,
            "estimate": f"{r.position:g}",
            "range tried": f"{r.low:g} to {r.high:g}",
            "forecast moves": f"{r.base:.1f} → {r.at_low:.1f} / {r.at_high:.1f}",
            "largest move": f"{r.move:.1f}",
        }
        for k, r in enumerate(rows[:SHOWN], start=1)
    ]
    rest = rows[SHOWN:]
    tail = (
        f" The other {len(rest)} estimates move no forecast by more than {rest[0].move:.1f} points."
        if rest
        else ""
    )
    intro = Markup(
        "<p>Morris screening of the estimates was not possible here ({}), so each of the analyst's {} "
        "estimated stances was set to the low and the high end of its stated uncertainty (its range, or "
        "one standard deviation either side; {:g} points either side where none is stated), one at a "
        "time, and the issue re-forecast with {}.{} Ranked by the larger move of the forecast (points on "
        "the issue's 0-100 scale).{} One at a time shows each estimate's own leverage, not interactions "
        "between estimates.</p>"
    ).format(why, len(rows), DEFAULT_SWING, model_label(cls.name), note, tail)
    html = intro + html_table(table, numeric=["rank", "estimate", "forecast moves", "largest move"])
    return Section("sensitivity", "Which estimates matter", html)
