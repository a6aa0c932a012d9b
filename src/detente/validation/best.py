"""The ``best`` model: chosen and fitted only by grouped cross-validation on the DEU development file.

:func:`refit` runs every model of :data:`detente.models.ALL_MODELS` on the development issues
(:func:`detente.validation.deu.load_dev`) with Monte Carlo input uncertainty, then, by grouped
cross-validation over proposals (:mod:`detente.validation.crossval`):

1. scores every candidate predictor -- each model alone, and convex stacks of the models' forecasts
   under the four capability schemes, with or without the status quo and the scale's midpoint -- and
   takes the candidate with the lowest cross-validated mean absolute error as ``best``;
2. for ``best`` and every model, chooses between absolute and spread-relative error distributions
   for the predictive intervals by cross-validated CRPS, and fits the interval calibration.

The result, :data:`BEST_FILE` (``best.json``, shipped in the package), holds the frozen weights and
calibrations fitted on the whole file, and also those fitted on each cross-validation training set:
when ``detente backtest deu`` scores an issue of the development file, it uses the fit that never saw
the issue's proposal, so no figure is ever computed on data that was used for fitting it. Refit with::

    detente backtest refit --out src/detente/validation/best.json --force

which is deterministic for a given seed (the default 0), whatever the number of jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from detente.models import ALL_MODELS
from detente.validation._shipped import read_shipped
from detente.validation.backtest import MonteCarlo, Simulation, simulate
from detente.validation.crossval import CrossValidation, Predictor, assign_folds, crossvalidate
from detente.validation.deu import SCHEMES, deu_cases, load_dev

__all__ = ["BEST_FILE", "Shipped", "candidates", "fit_simulation", "load_shipped", "refit"]

BEST_FILE = "best.json"
"""Name of the frozen fit inside :mod:`detente.validation`."""

N_FOLDS = 10
BASE_SCHEME = "equal"


def candidates(models: list[str], sim: Simulation) -> list[Predictor]:
    """Candidate ``best`` predictors over the models that forecast every issue of ``sim``."""
    complete = [m for m in models if np.all(np.isfinite(sim.point[:, sim.column(m)]))]
    variants = [v for v in SCHEMES if v != BASE_SCHEME and v in sim.variant_points]
    with_variants = [
        f"{m}@{v}"
        for m in complete
        for v in variants
        if np.all(np.isfinite(sim.variant_points[v][:, sim.column(m)]))
    ]
    out = [Predictor(f"single:{m}", (m,), (1.0,)) for m in complete]
    out += [Predictor(f"single:{f}", (f,), (1.0,)) for f in with_variants]
    out.append(Predictor("stack:models", tuple(complete)))
    out.append(Predictor("stack:models+status_quo+midpoint", (*complete, "status_quo", "midpoint")))
    out.append(
        Predictor(
            "stack:compromise-schemes",
            ("compromise", *[f for f in with_variants if f.startswith("compromise@")]),
        )
    )
    out.append(Predictor("stack:all", (*complete, *with_variants, "status_quo", "midpoint")))
    return out


def _choose_calibration(
    sim: Simulation, pred: Predictor, fold_of: dict[str, int]
) -> tuple[Predictor, CrossValidation]:
    """Absolute or relative errors, whichever has the lower cross-validated CRPS."""
    options = [
        Predictor(pred.name, pred.features, pred.weights, None, relative) for relative in (False, True)
    ]
    cvs = [crossvalidate(sim, [p], fold_of) for p in options]
    crps = [cv.crps(pred.name) for cv in cvs]
    k = int(np.argmin(crps))
    return options[k], cvs[k]


def refit(
    *,
    seed: int = 0,
    n_jobs: int | None = 1,
    mc: MonteCarlo | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Choose and fit ``best`` and the models' calibrations on the development file (see the module).

    Returns the content of ``best.json``.
    """
    mc = mc or MonteCarlo()
    data = load_dev()
    cases = deu_cases(data.issues, base=BASE_SCHEME)
    models = [m.name for m in ALL_MODELS]
    # Models that are themselves Monte Carlo are slow: their forecasts enter stacks under the base
    # scheme only.
    cheap = [m.name for m in ALL_MODELS if not m.tags.stochastic]
    sim = simulate(
        cases, models, mc=mc, seed=seed, n_jobs=n_jobs, variant_models=cheap, on_progress=on_progress
    )
    return fit_simulation(sim, mc=mc, seed=seed)


def fit_simulation(sim: Simulation, *, mc: MonteCarlo, seed: int) -> dict[str, Any]:
    """The choice and fit of :func:`refit`, on an existing simulation of the development issues."""
    models = list(sim.models)
    fold_of = assign_folds(sim.groups, N_FOLDS, seed)
    # 1. the point forecast: lowest cross-validated MAE among the candidates
    cands = candidates(models, sim)
    cv_points = crossvalidate(sim, cands, fold_of)
    mae = {c.name: float(np.mean(np.abs(cv_points.point[c.name] - sim.outcome))) for c in cands}
    chosen = min(cands, key=lambda c: (mae[c.name], c.name))
    # 2. the intervals of best and of every model
    predictors: dict[str, Any] = {}
    figures: dict[str, Any] = {}
    singles = [Predictor(m, (m,), (1.0,)) for m in models]
    for pred in [Predictor("best", chosen.features, chosen.weights), *singles]:
        calibrated, cv = _choose_calibration(sim, pred, fold_of)
        full = calibrated.fit(sim)
        predictors[pred.name] = {
            "features": list(pred.features),
            "relative": calibrated.relative,
            "full": full.to_dict(),
            "folds": [f.to_dict() for f in cv.fits[pred.name]],
        }
        figures[pred.name] = cv
    reference = crossvalidate(sim, [Predictor("compromise", ("compromise",), (1.0,))], fold_of)
    table = []
    for name, cv in figures.items():
        cv.point["compromise"] = reference.point["compromise"]
        (s,) = cv.scores([name], seed=seed)
        table.append(s.row() | {"calibration": "relative" if predictors[name]["relative"] else "absolute"})
    return {
        "format": 1,
        "description": "Frozen fit of the `best` model and of every model's interval calibration, chosen "
        "and fitted by grouped cross-validation (by proposal) on the DEU development file.",
        "command": f"detente backtest refit --seed {seed} --out src/detente/validation/best.json --force",
        "seed": seed,
        "n_folds": N_FOLDS,
        "base_scheme": BASE_SCHEME,
        "monte_carlo": mc.to_dict(),
        "dev_issues": len(sim.outcome),
        "folds": fold_of,
        "selected": chosen.name,
        "candidates_cv_mae": {k: round(v, 4) for k, v in mae.items()},
        "cv_table": table,
        "failures": {k: [v[0], v[1]] for k, v in sim.failures.items()},
        "predictors": predictors,
    }


@dataclass(frozen=True)
class Shipped:
    """The frozen fit read from ``best.json``: predictors for issues inside and outside the dev file."""

    raw: dict[str, Any]

    @property
    def mc(self) -> MonteCarlo:
        """Monte Carlo settings the calibrations were fitted with."""
        return MonteCarlo.from_dict(self.raw["monte_carlo"])

    @property
    def folds(self) -> dict[str, int]:
        """Development proposal -> its cross-validation fold."""
        return dict(self.raw["folds"])

    def names(self) -> list[str]:
        """Predictors in the file (``best`` and the models fitted at refit time)."""
        return list(self.raw["predictors"])

    def predictor(self, name: str, fold: int | None = None) -> Predictor | None:
        """The predictor fitted on the whole file (``fold=None``) or without fold ``fold``."""
        entry = self.raw["predictors"].get(name)
        if entry is None:
            return None
        base = Predictor(name, tuple(entry["features"]), relative=bool(entry["relative"]))
        fit = entry["full"] if fold is None else entry["folds"][fold]
        return base.with_fit(fit)


@lru_cache(maxsize=1)
def load_shipped() -> Shipped:
    """The ``best.json`` shipped in the package."""
    raw = read_shipped(BEST_FILE, "detente backtest refit --json src/detente/validation/best.json")
    return Shipped(raw)
