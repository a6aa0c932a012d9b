"""Backtest runs behind ``detente backtest``: a DEU file, or one case with a known outcome.

Both run the models with Monte Carlo input uncertainty (:func:`~detente.validation.backtest.simulate`)
and give each a calibrated 80% predictive interval from the frozen fit shipped in ``best.json``
(:mod:`detente.validation.best`). For an issue of a proposal in the development file the fit made
without that proposal's cross-validation fold is used; for any other issue, the fit on the whole
development file. A model that was not in ALL_MODELS when ``best.json`` was fitted gets its raw Monte
Carlo interval (no calibration), and the result says so.

On a DEU file, ``best`` is the procedure-aware who-prevails mixture with conformal intervals
(:mod:`detente.validation.mixture`, frozen in ``mixture.json``): its forecast is the mixture's median
and its quantiles are exact; every other model's quantiles are those of its calibrated predictive
samples. On a single case (not a DEU issue) ``best`` is the predictor of ``best.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from detente.errors import ParameterError, ScenarioError
from detente.models import ALL_MODELS
from detente.scenario import Scenario
from detente.validation.backtest import Case, MonteCarlo, Simulation, simulate
from detente.validation.best import Shipped, load_shipped
from detente.validation.crossval import CrossValidation, Predictor
from detente.validation.deu import ALL_SCHEMES, DeuData, deu_cases
from detente.validation.mixture import GRID, QUANTILE_COLUMNS, QUANTILE_LEVELS, load_shipped_mixture
from detente.validation.scoring import ModelScore

__all__ = ["BacktestResult", "model_choices", "run_case", "run_deu", "with_outcome"]


def model_choices() -> list[str]:
    """Names ``--model`` accepts: ``best`` and every model of ALL_MODELS."""
    return ["best", *[m.name for m in ALL_MODELS]]


@dataclass
class BacktestResult:
    """Forecasts, intervals and scores of a backtest.

    ``evaluation`` holds per-model forecasts, intervals and predictive samples over the issue rows of
    ``evaluation.sim``; ``fit`` says for each row which frozen fit was used (``"cross-validated"``
    for issues of development proposals, ``"frozen"`` otherwise); ``notes`` lists caveats
    (uncalibrated models, model failures).
    """

    models: list[str]
    evaluation: CrossValidation
    fit: list[str]
    scores: list[ModelScore]
    notes: list[str] = field(default_factory=list)
    quantiles: dict[str, np.ndarray] = field(default_factory=dict)

    def quantiles_of(self, model: str) -> np.ndarray:
        """Predictive quantiles (n, 19) of a model at 0.05, 0.10, ..., 0.95.

        Exact for the mixture (``best`` on DEU files); else those of the model's predictive samples.
        """
        if model not in self.quantiles:
            s = self.evaluation.samples[model]
            q = np.full((len(self.evaluation.sim.issues), len(QUANTILE_LEVELS)), np.nan)
            ok = np.all(np.isfinite(s), axis=1) & np.isfinite(self.evaluation.point[model]) if s.size else []
            if s.size and np.any(ok):
                q[ok] = np.quantile(s[ok], QUANTILE_LEVELS, axis=1).T
            self.quantiles[model] = q
        return self.quantiles[model]

    def rows(self) -> list[dict[str, object]]:
        """One row per (issue, model): ``isnr, model, forecast, lo, hi, q05 ... q95, outcome, fit``."""
        ev = self.evaluation
        out: list[dict[str, object]] = []
        qs = {m: self.quantiles_of(m) for m in self.models}
        for j, issue in enumerate(ev.sim.issues):
            for m in self.models:
                p = ev.point[m][j]
                out.append(
                    {
                        "isnr": issue,
                        "model": m,
                        "forecast": _fmt(p),
                        "lo": _fmt(ev.lo[m][j]),
                        "hi": _fmt(ev.hi[m][j]),
                        **{c: _fmt(q) for c, q in zip(QUANTILE_COLUMNS, qs[m][j], strict=True)},
                        "outcome": _fmt(ev.sim.outcome[j]),
                        "fit": self.fit[j],
                    }
                )
        return out


def _fmt(x: float) -> str:
    return "" if not np.isfinite(x) else f"{x:.4f}"


def _predictors(models: Sequence[str], shipped: Shipped) -> tuple[list[Predictor], list[str]]:
    notes = []
    out = []
    for m in models:
        pred = shipped.predictor(m)
        if pred is None:
            notes.append(
                f"model {m} was not in the refit of best.json: its interval is the raw Monte Carlo range "
                "(not calibrated); run `detente backtest refit` to calibrate it"
            )
            pred = Predictor(m, (m,), (1.0,))
        out.append(pred)
    return out, notes


def _evaluate(
    sim: Simulation, names: list[str], shipped: Shipped, *, seed: int
) -> tuple[CrossValidation, list[str], list[str]]:
    preds, notes = _predictors(names, shipped)
    folds = shipped.folds
    fold = np.array([folds.get(g, -1) for g in sim.groups])
    n = len(sim.outcome)
    point, lo, hi, samples = {}, {}, {}, {}
    for pred in preds:
        p, a, b = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        s: np.ndarray | None = None
        for k in sorted(set(fold.tolist())):
            rows = fold == k
            fitted = shipped.predictor(pred.name, None if k < 0 else k) or pred
            pk, sk, ak, bk = fitted.predict(sim.subset(rows))
            if s is None:
                s = np.full((n, sk.shape[1]), np.nan)
            p[rows], s[rows], a[rows], b[rows] = pk, sk, ak, bk
        point[pred.name], lo[pred.name], hi[pred.name] = p, a, b
        samples[pred.name] = s if s is not None else np.empty((n, 0))
    fit = ["cross-validated" if k >= 0 else "frozen" for k in fold]
    for model, (count, why) in sim.failures.items():
        notes.append(f"model {model} failed on {count} forecast(s) or draw(s): {why}")
    return CrossValidation(sim, fold, point, lo, hi, samples, {}), fit, notes


def _needed(names: Sequence[str], shipped: Shipped) -> tuple[list[str], list[str]]:
    """Models to simulate, and those of them whose forecasts under other capability variants are needed."""
    models: list[str] = []
    variants: list[str] = []
    for name in names:
        pred = shipped.predictor(name)
        if pred is None:
            models.append(name)
            continue
        models += pred.models
        variants += [f.partition("@")[0] for f in pred.features if "@" in f]
    return list(dict.fromkeys(models)), list(dict.fromkeys(variants))


def _check_models(models: Sequence[str] | None) -> list[str]:
    choices = model_choices()
    names = list(dict.fromkeys(models or choices))
    for m in names:
        if m not in choices:
            raise ParameterError(
                f"there is no model called {m!r}", where="--model", fix=f"use one of: {', '.join(choices)}"
            )
    if "compromise" not in names:
        names.insert(0, "compromise")  # the reference of every paired comparison
    return names


def run_deu(
    data: DeuData,
    *,
    models: Sequence[str] | None = None,
    seed: int = 0,
    n_jobs: int | None = 1,
    capability: str | None = None,
    mc: MonteCarlo | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Backtest models on every scored issue of a DEU file (see the module).

    ``models`` defaults to ``best`` and every model; the compromise model is always added as the
    reference. ``capability`` is the scheme of the point forecasts (default: the one ``best.json``
    was fitted with).
    """
    shipped = load_shipped()
    names = _check_models(models)
    base = capability or shipped.raw["base_scheme"]
    if base not in ALL_SCHEMES:
        raise ParameterError(
            f"there is no capability scheme {base!r}",
            where="--capability",
            fix=f"use one of: {', '.join(ALL_SCHEMES)}",
        )
    cases = deu_cases(data.issues, base=base)  # type: ignore[arg-type]
    if not cases:
        raise ScenarioError(
            "no issue has an outcome and at least three positions",
            source=data.source,
            fix="give issues an 'out' value and positions of at least three actors",
        )
    sim_models, variant_models = _needed(names, shipped)
    sim = simulate(
        cases,
        sim_models,
        mc=mc or shipped.mc,
        seed=seed,
        n_jobs=n_jobs,
        variant_models=variant_models,
        on_progress=on_progress,
    )
    evaluation, fit, notes = _evaluate(sim, names, shipped, seed=seed)
    quantiles: dict[str, np.ndarray] = {}
    if "best" in names:
        by_id = {i.isnr: i for i in data.issues}
        issues = [by_id[i] for i in sim.issues]
        point, qs, ens, which = load_shipped_mixture().predict(issues)
        evaluation.point["best"] = point
        evaluation.lo["best"] = qs[:, QUANTILE_LEVELS.tolist().index(0.1)]
        evaluation.hi["best"] = qs[:, QUANTILE_LEVELS.tolist().index(0.9)]
        evaluation.samples["best"] = ens
        quantiles["best"] = qs
        fit = [f if f == w else f"{f} (best: {w})" for f, w in zip(fit, which, strict=True)]
        if base != "equal":
            notes.append(
                "--capability does not change best: the mixture pools the four capability schemes "
                "it was fitted with"
            )
        assert len(GRID) == ens.shape[1]
    if base != shipped.raw["base_scheme"]:
        notes.append(
            f"point forecasts use --capability {base}, but the calibrations were fitted with "
            f"{shipped.raw['base_scheme']}; intervals may be miscalibrated"
        )
    return BacktestResult(names, evaluation, fit, evaluation.scores(names, seed=seed), notes, quantiles)


def with_outcome(scenario: Scenario, outcome: float | None, issue: str | None) -> Scenario:
    """The scenario with a known outcome on one issue, given in the issue's natural units.

    ``outcome`` is in the issue's natural units (for the EC emissions case, years: 8.833), or on the
    0-100 scale when the issue has no units. Without ``outcome`` the scenario must already record one.
    """
    if issue is not None and issue not in scenario.issue_ids:
        raise ScenarioError(
            f"the scenario has no issue {issue!r}",
            where="--issue",
            fix=f"use one of: {', '.join(scenario.issue_ids)}",
        )
    if outcome is None:
        if not any(i.outcome is not None for i in scenario.issues):
            raise ScenarioError(
                "no issue of the scenario records an outcome",
                where="--outcome",
                fix="give the known outcome with --outcome X (in the issue's units)",
            )
        return scenario
    if issue is None:
        if len(scenario.issues) > 1:
            raise ScenarioError(
                f"the scenario has {len(scenario.issues)} issues, so --outcome needs --issue",
                where="--issue",
                fix=f"name the issue: one of {', '.join(scenario.issue_ids)}",
            )
        issue = scenario.issue_ids[0]
    iss = scenario.issue(issue)
    position = iss.from_natural(outcome)
    if not 0.0 <= position <= 100.0:
        unit = f" {iss.units.unit}" if iss.units is not None and iss.units.unit else ""
        raise ScenarioError(
            f"outcome {outcome:g}{unit} lies outside the issue's scale",
            where="--outcome",
            fix=f"give a value from {iss.to_natural(0):g} to {iss.to_natural(100):g}{unit}",
        )
    new = iss.model_copy(update={"outcome": float(position)})
    issues = tuple(new if i.id == issue else i for i in scenario.issues)
    return scenario.model_copy(update={"issues": issues})


def run_case(
    scenario: Scenario,
    *,
    models: Sequence[str] | None = None,
    seed: int = 0,
    n_jobs: int | None = 1,
    mc: MonteCarlo | None = None,
) -> BacktestResult:
    """Backtest models on one scenario whose issues record outcomes (see :func:`with_outcome`).

    The scenario's own capabilities are used; features of ``best`` that refer to DEU capability
    schemes fall back to the scenario's capabilities.
    """
    shipped = load_shipped()
    names = _check_models(models)
    sim_models, _ = _needed(names, shipped)
    case = Case(key=scenario.name, variants={"given": scenario}, base="given", group=f"case:{scenario.name}")
    sim = simulate([case], sim_models, mc=mc or shipped.mc, seed=seed, n_jobs=n_jobs)
    if not sim.issues:
        raise ScenarioError("no issue of the scenario records an outcome", fix="give one with --outcome X")
    evaluation, fit, notes = _evaluate(sim, names, shipped, seed=seed)
    return BacktestResult(names, evaluation, fit, evaluation.scores(names, seed=seed), notes)
