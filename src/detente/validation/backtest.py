"""Backtests: run models on cases with known outcomes, with Monte Carlo forecast distributions.

:func:`simulate` runs every model on every case (a one-issue DEU scenario, or any scenario whose
issues carry an ``outcome``) twice over:

* the **point forecast** of each model, from the unperturbed inputs, under every capability
  variant of the case (for DEU: equal, Council votes, Shapley-Shubik, Banzhaf);
* ``draws`` **Monte Carlo** forecasts over input uncertainty (:class:`MonteCarlo`): noise on
  positions and saliences (:func:`detente.experiments.uncertainty.perturb`), a capability variant
  drawn at random for each draw, and model parameters drawn from listed alternatives. All models
  see the same perturbed inputs in a draw (common random numbers), so paired comparisons are sharp.

Each case's random stream is ``spawn(seed, "backtest", case key)``: a case's forecasts do not
depend on the other cases, the order of the file, the models asked for, or the number of worker
processes. Cases run in parallel through :func:`detente.experiments.run.run_replicates`.

A :class:`Calibration` turns a model's Monte Carlo draws into a calibrated predictive distribution
by adding a scaled empirical distribution of past errors (fitted by grouped cross-validation in
:mod:`detente.validation.crossval`); :func:`predictive` gives its samples and 80% interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente._random import spawn
from detente._types import SeedLike
from detente.errors import ModelError, ParameterError
from detente.experiments.run import run_replicates
from detente.experiments.uncertainty import perturb
from detente.models import ALL_MODELS, ForecastModel
from detente.scenario import Scenario

__all__ = [
    "LEVELS",
    "Calibration",
    "Case",
    "MonteCarlo",
    "Simulation",
    "build_model",
    "predictive",
    "simulate",
]

NOMINAL = 0.80
"""Nominal level of the predictive intervals (``lo``, ``hi``)."""

LEVELS = np.linspace(0.0, 1.0, 41)
"""Quantile levels at which a calibration stores its error distribution."""


@dataclass(frozen=True)
class MonteCarlo:
    """Input uncertainty of the Monte Carlo forecasts.

    Attributes
    ----------
    draws : int
        Perturbed copies of each case.
    position_sd : float
        Standard deviation of noise on positions (0-100 scale) for stances without their own
        uncertainty.
    salience_sd : float
        Standard deviation of noise on saliences (0-100).
    parameters : tuple
        ``(model name, parameter, alternatives)``: in each draw the parameter takes one of the
        alternatives at random (for models that have it). A single alternative fixes the parameter
        in the draws (say, fewer inner runs of a model that is itself a Monte Carlo).
    model_draws : tuple
        ``(model name, n)``: run this model on only the first ``n`` draws (for slow models); its
        remaining draws repeat those ``n`` in turn, so every model has ``draws`` values.
    """

    draws: int = 64
    position_sd: float = 10.0
    salience_sd: float = 15.0
    parameters: tuple[tuple[str, str, tuple[Any, ...]], ...] = (
        ("nash", "utility", ("quadratic", "linear")),
        ("expected-utility-mc", "runs", (10,)),
    )
    model_draws: tuple[tuple[str, int], ...] = (("expected-utility", 16), ("expected-utility-mc", 4))

    def __post_init__(self) -> None:
        if self.draws < 1:
            raise ParameterError("draws must be at least 1", where="--draws", fix="use 1 or more draws")
        if not (0 <= self.position_sd <= 100 and 0 <= self.salience_sd <= 100):
            raise ParameterError(
                "noise standard deviations must be within 0-100", where="Monte Carlo", fix="use 0 to 100"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "draws": self.draws,
            "position_sd": self.position_sd,
            "salience_sd": self.salience_sd,
            "parameters": [[m, p, list(v)] for m, p, v in self.parameters],
            "model_draws": [[m, n] for m, n in self.model_draws],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MonteCarlo:
        """Inverse of :meth:`to_dict`."""
        return cls(
            draws=int(d["draws"]),
            position_sd=float(d["position_sd"]),
            salience_sd=float(d["salience_sd"]),
            parameters=tuple((m, p, tuple(v)) for m, p, v in d["parameters"]),
            model_draws=tuple((m, int(n)) for m, n in d.get("model_draws", [])),
        )

    def draws_of(self, model: str) -> int:
        """Number of draws ``model`` is actually run on."""
        return min(self.draws, max(1, dict(self.model_draws).get(model, self.draws)))


@dataclass(frozen=True)
class Case:
    """One backtest case: a scenario under one or more capability variants, and where it came from.

    ``variants`` maps a variant name (a capability scheme) to the scenario; all variants have the
    same actors, issues and stances and differ only in capabilities. ``base`` names the variant
    whose unperturbed forecast is the model's point forecast. ``group`` is what cross-validation
    groups by (the DEU proposal).
    """

    key: str
    variants: dict[str, Scenario]
    base: str
    group: str = ""

    @property
    def scenario(self) -> Scenario:
        """The base variant."""
        return self.variants[self.base]


def build_model(name: str, params: dict[str, Any] | None = None) -> ForecastModel:
    """Build a model of :data:`detente.models.ALL_MODELS` by name.

    The SMP is built with ``zero_salience="tiny"`` unless ``params`` say otherwise: a backtest scores
    every issue, and KTAB's refusal of actors with zero salience would leave a third of DEU's issues
    without an SMP forecast (docs/validation.md).
    """
    for cls in ALL_MODELS:
        if cls.name == name:
            if name == "smp":
                params = {"zero_salience": "tiny", **(params or {})}
            return cls(**(params or {}))
    raise ParameterError(
        f"there is no model called {name!r}",
        where="--model",
        fix=f"use one of: best, {', '.join(c.name for c in ALL_MODELS)}",
    )


@dataclass
class Simulation:
    """Forecasts of several models on several issues with known outcomes.

    Attributes
    ----------
    keys, issues, groups : list of str, length n
        Case key, issue id and group (proposal) of every issue row.
    outcome : ndarray (n,)
    status_quo : ndarray (n,), NaN where the issue has none
    spread : ndarray (n,)
        Capability x salience weighted standard deviation of positions (base variant).
    models : list of str
    point : ndarray (n, n_models)
        Point forecasts under the base variant (NaN where the model failed).
    variant_points : dict of variant -> ndarray (n, n_models)
    draws : ndarray (n, n_models, draws)
        Monte Carlo forecasts (NaN for failed draws).
    failures : dict
        Model -> number of failed point forecasts or draws (ModelError), with the last reason.
    """

    keys: list[str]
    issues: list[str]
    groups: list[str]
    outcome: np.ndarray
    status_quo: np.ndarray
    spread: np.ndarray
    models: list[str]
    point: np.ndarray
    variant_points: dict[str, np.ndarray]
    draws: np.ndarray
    failures: dict[str, tuple[int, str]] = field(default_factory=dict)

    def column(self, model: str) -> int:
        """Index of a model in :attr:`models`."""
        return self.models.index(model)

    def subset(self, rows: np.ndarray) -> Simulation:
        """The simulation restricted to some issue rows (an index or boolean array)."""
        idx = np.arange(len(self.keys))[rows]
        pick = [int(i) for i in idx]
        return Simulation(
            keys=[self.keys[i] for i in pick],
            issues=[self.issues[i] for i in pick],
            groups=[self.groups[i] for i in pick],
            outcome=self.outcome[idx],
            status_quo=self.status_quo[idx],
            spread=self.spread[idx],
            models=list(self.models),
            point=self.point[idx],
            variant_points={k: v[idx] for k, v in self.variant_points.items()},
            draws=self.draws[idx],
            failures=dict(self.failures),
        )


def _forecast(model: ForecastModel, scenario: Scenario, seed: SeedLike) -> tuple[np.ndarray, str]:
    try:
        f = model.forecast(scenario, seed=seed)
    except ModelError as exc:
        return np.full(len(scenario.issues), np.nan), exc.problem
    return np.array([f.position(i) for i in scenario.issue_ids]), ""


def _simulate_case(
    task: tuple[Case, tuple[str, ...], MonteCarlo, int, frozenset[str]], _seq: Any
) -> dict[str, Any]:
    """Worker: point forecasts under the variants and Monte Carlo draws for one case."""
    case, names, mc, seed, variant_models = task
    base_models = [build_model(n) for n in names]
    scenario = case.scenario
    n_issues = len(scenario.issues)
    reasons: dict[str, str] = {}
    fails = dict.fromkeys(names, 0)
    variant_points = {}
    for variant, scen in case.variants.items():
        pts = np.full((n_issues, len(names)), np.nan)
        for k, model in enumerate(base_models):
            if variant != case.base and model.name not in variant_models:
                continue
            pts[:, k], why = _forecast(
                model, scen, spawn(seed, "point", case.key, model.name).integers(2**31)
            )
            if why:
                fails[model.name] += 1
                reasons[model.name] = why
        variant_points[variant] = pts
    rng = spawn(seed, "backtest", case.key)
    variants = list(case.variants)
    alternatives = list(mc.parameters)  # drawn for every model, so streams do not depend on `names`
    draws = np.empty((n_issues, len(names), mc.draws))
    limit = [mc.draws_of(n) for n in names]
    for r in range(mc.draws):
        variant = variants[int(rng.integers(len(variants)))]
        scen = perturb(case.variants[variant], rng, position_sd=mc.position_sd, salience_sd=mc.salience_sd)
        choice = {(m, p): v[int(rng.integers(len(v)))] for m, p, v in alternatives}
        model_seed = int(rng.integers(2**31))
        for k, model in enumerate(base_models):
            if r >= limit[k]:
                draws[:, k, r] = draws[:, k, r % limit[k]]
                continue
            params = {
                p: val for (m, p), val in choice.items() if m == model.name and p in type(model).model_fields
            }
            use = model.with_params(**params) if params else model
            draws[:, k, r], why = _forecast(use, scen, model_seed)
            if why:
                fails[model.name] += 1
                reasons[model.name] = why
    spread = np.empty(n_issues)
    for j, issue_id in enumerate(scenario.issue_ids):
        d = scenario.issue_data(issue_id)
        w = d.capabilities * d.saliences
        w = w if w.sum() > 0 else np.ones_like(w)
        mean = np.dot(w, d.positions) / w.sum()
        spread[j] = np.sqrt(np.dot(w, (d.positions - mean) ** 2) / w.sum())
    return {
        "variant_points": variant_points,
        "draws": draws,
        "spread": spread,
        "fails": fails,
        "why": reasons,
    }


def simulate(
    cases: Sequence[Case],
    models: Sequence[str],
    *,
    mc: MonteCarlo | None = None,
    seed: int = 0,
    n_jobs: int | None = 1,
    variant_models: Sequence[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Simulation:
    """Run ``models`` (names in :data:`~detente.models.ALL_MODELS`) on every case; see the module.

    Point forecasts under the non-base capability variants are made only for ``variant_models``
    (default: every model; NaN for the others). Only issues with an ``outcome`` are kept. Results
    are identical for any ``n_jobs``.
    """
    mc = mc or MonteCarlo()
    names = tuple(dict.fromkeys(models))
    for n in names:
        build_model(n)  # fail early on unknown names
    wanted = frozenset(names if variant_models is None else variant_models)
    tasks = [(c, names, mc, seed, wanted) for c in cases]
    results = run_replicates(_simulate_case, tasks, seed=seed, n_jobs=n_jobs, on_progress=on_progress)
    keys, issues, groups, outcome, sq, keep_rows = [], [], [], [], [], []
    for case, res in zip(cases, results, strict=True):
        for j, issue in enumerate(case.scenario.issues):
            if issue.outcome is None:
                continue
            keys.append(case.key)
            issues.append(issue.id)
            groups.append(case.group or case.key)
            outcome.append(issue.outcome)
            sq.append(np.nan if issue.status_quo is None else issue.status_quo)
            keep_rows.append((res, j))
    variant_names = list(cases[0].variants) if cases else []
    failures: dict[str, tuple[int, str]] = {}
    for res in results:
        for name, count in res["fails"].items():
            if count:
                prev = failures.get(name, (0, ""))
                failures[name] = (prev[0] + count, res["why"].get(name, prev[1]))
    n_models = len(names)
    base = cases[0].base if cases else ""
    empty = np.empty((0, n_models))
    variant_points = {
        v: np.array([res["variant_points"][v][j] for res, j in keep_rows]).reshape(-1, n_models)
        if keep_rows
        else empty
        for v in variant_names
        if all(v in res["variant_points"] for res, _ in keep_rows)
    }
    return Simulation(
        keys=keys,
        issues=issues,
        groups=groups,
        outcome=np.array(outcome, dtype=float),
        status_quo=np.array(sq, dtype=float),
        spread=np.array([res["spread"][j] for res, j in keep_rows], dtype=float),
        models=list(names),
        point=variant_points.get(base, empty),
        variant_points=variant_points,
        draws=np.array([res["draws"][j] for res, j in keep_rows]).reshape(-1, n_models, mc.draws),
        failures=failures,
    )


# --- calibrated predictive distributions ------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """How to turn Monte Carlo draws into a calibrated predictive distribution.

    The predictive distribution of an issue is the Monte Carlo draws of the model, each shifted by
    every quantile (at :data:`LEVELS` midpoints) of an empirical error distribution times
    ``scale``, clipped to 0-100. With ``relative=True`` the errors are relative to the issue's
    spread of positions (``(outcome - forecast) / (spread + offset)``), so issues on which the
    actors agree get narrower intervals.

    Attributes
    ----------
    quantiles : tuple of float
        The error distribution's quantiles at :data:`LEVELS`.
    scale : float
        Multiplier chosen so that the 80% intervals of the fitting issues cover 80% of them.
    relative : bool
    offset : float
        Added to the spread in relative mode (0-100 scale).
    """

    quantiles: tuple[float, ...]
    scale: float = 1.0
    relative: bool = False
    offset: float = 10.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (rounded to 6 decimals)."""
        return {
            "quantiles": [round(float(q), 6) for q in self.quantiles],
            "scale": round(float(self.scale), 6),
            "relative": self.relative,
            "offset": self.offset,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibration:
        """Inverse of :meth:`to_dict`."""
        return cls(
            tuple(float(q) for q in d["quantiles"]),
            float(d["scale"]),
            bool(d["relative"]),
            float(d["offset"]),
        )

    @classmethod
    def fit(
        cls,
        point: np.ndarray,
        draws: np.ndarray,
        outcome: np.ndarray,
        spread: np.ndarray,
        *,
        relative: bool = False,
        offset: float = 10.0,
        n_err: int = 16,
    ) -> Calibration:
        """Fit on issues with known outcomes: the error distribution, then the scale by bisection."""
        ok = np.isfinite(point)
        err = outcome[ok] - point[ok]
        if relative:
            err = err / (spread[ok] + offset)
        if err.size == 0:
            return cls(tuple(np.zeros(len(LEVELS))), 1.0, relative, offset)
        cal = cls(tuple(np.quantile(err, LEVELS)), 1.0, relative, offset)
        lo_s, hi_s = 0.0, 4.0
        for _ in range(30):
            mid = (lo_s + hi_s) / 2
            c = cls(cal.quantiles, mid, relative, offset)
            _, lo, hi = predictive(c, point[ok], draws[ok], spread[ok], n_err=n_err)
            covered = np.mean((outcome[ok] >= lo - 1e-9) & (outcome[ok] <= hi + 1e-9))
            if covered < NOMINAL:
                lo_s = mid
            else:
                hi_s = mid
        return cls(cal.quantiles, hi_s, relative, offset)


def predictive(
    cal: Calibration | None,
    point: np.ndarray,
    draws: np.ndarray,
    spread: np.ndarray,
    *,
    n_err: int = 16,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predictive samples (n, draws x n_err) and the 80% interval (lo, hi) of every issue.

    Without a calibration the samples are the Monte Carlo draws alone. Failed draws (NaN) are
    replaced by the point forecast.
    """
    d = np.where(np.isfinite(draws), draws, point[:, None])
    if cal is None:
        samples = d
    else:
        u = (np.arange(n_err) + 0.5) / n_err
        err = np.interp(u, LEVELS, np.array(cal.quantiles)) * cal.scale
        width = (spread + cal.offset)[:, None, None] if cal.relative else 1.0
        samples = np.clip(d[:, :, None] + width * err[None, None, :], 0.0, 100.0).reshape(len(point), -1)
    lo, hi = np.quantile(samples, [(1 - NOMINAL) / 2, (1 + NOMINAL) / 2], axis=1)
    return samples, lo, hi
