"""Grouped cross-validation of forecasts and of calibrated predictive intervals.

A :class:`Predictor` turns the simulated forecasts of a :class:`~detente.validation.backtest.Simulation`
into a prediction: a convex combination of *features* (a model's point forecast under the base
capability variant, ``"compromise"``; under another variant, ``"compromise@votes"``; the issue's
status quo, ``"status_quo"``; or the scale's midpoint, ``"midpoint"``), and a
:class:`~detente.validation.backtest.Calibration` of its predictive distribution. A single model is
a predictor with one feature of weight 1; a stack has its weights fitted by least absolute
deviations under the constraint that they are non-negative and sum to 1 (a linear programme, solved
with scipy's HiGHS), so every stacked forecast stays on the 0-100 scale.

:func:`crossvalidate` fits predictors on all but one fold of proposals and predicts the held-out
fold, so that issues of one proposal are never on both sides: every score it gives is for issues
the fitted weights and interval widths have never seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.optimize import linprog

from detente.errors import ModelError
from detente.validation.backtest import Calibration, Simulation, predictive
from detente.validation.scoring import ModelScore, crps_samples, score

__all__ = [
    "CrossValidation",
    "Predictor",
    "assign_folds",
    "crossvalidate",
    "feature_arrays",
    "fit_convex_lad",
]


def assign_folds(groups: Sequence[str], n_folds: int, seed: int) -> dict[str, int]:
    """Assign every group (proposal) to one of ``n_folds`` folds: a seeded shuffle, dealt in turn."""
    labels = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(labels))
    return {labels[int(j)]: k % n_folds for k, j in enumerate(order)}


def feature_arrays(sim: Simulation, feature: str) -> tuple[np.ndarray, np.ndarray]:
    """Point forecasts (n,) and Monte Carlo draws (n, draws) of one feature."""
    n_draws = sim.draws.shape[2]
    if feature == "midpoint":
        point = np.full(len(sim.outcome), 50.0)
        return point, np.repeat(point[:, None], n_draws, axis=1)
    if feature == "status_quo":
        fill = sim.point[:, sim.column("compromise")] if "compromise" in sim.models else 50.0
        point = np.where(np.isfinite(sim.status_quo), sim.status_quo, fill)
        return point, np.repeat(point[:, None], n_draws, axis=1)
    model, _, variant = feature.partition("@")
    if model not in sim.models:
        raise ModelError(
            f"the simulation has no forecasts of model {model!r}",
            where=f"feature {feature}",
            fix="simulate the models the predictor uses",
        )
    k = sim.column(model)
    # A case without the variant (a scenario with its own capabilities) uses its base forecast.
    point = sim.variant_points[variant][:, k] if variant in sim.variant_points else sim.point[:, k]
    return point, sim.draws[:, k, :]


def fit_convex_lad(F: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights w >= 0 with sum 1 minimising ``sum |y - F w|`` (a linear programme)."""
    n, K = F.shape
    if K == 1:
        return np.ones(1)
    c = np.r_[np.zeros(K), np.ones(n)]
    eye = np.eye(n)
    A = np.block([[-F, -eye], [F, -eye]])
    b = np.r_[-y, y]
    res = linprog(
        c,
        A_ub=A,
        b_ub=b,
        A_eq=np.r_[np.ones(K), np.zeros(n)][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * (K + n),
        method="highs",
    )
    if not res.success:  # pragma: no cover - the programme is always feasible and bounded
        raise ModelError(f"stacking failed: {res.message}", fix="report this as a bug")
    w = np.clip(res.x[:K], 0.0, None)
    return w / w.sum()


@dataclass(frozen=True)
class Predictor:
    """A (possibly stacked) forecast with a calibrated predictive distribution.

    Attributes
    ----------
    name : str
    features : tuple of str
        What it combines (see the module).
    weights : tuple of float or None
        Fixed weights, or None to fit them (a stack).
    calibration : Calibration or None
    relative : bool
        Whether :meth:`fit` calibrates errors relative to the issue's spread of positions.
    prune : float
        After fitting, features with weight below this are dropped and the weights refitted.
    """

    name: str
    features: tuple[str, ...]
    weights: tuple[float, ...] | None = None
    calibration: Calibration | None = None
    relative: bool = False
    prune: float = 0.02

    def combine(self, sim: Simulation) -> tuple[np.ndarray, np.ndarray]:
        """Point forecasts (n,) and draws (n, draws) of the weighted combination."""
        if self.weights is None:
            raise ModelError(f"predictor {self.name!r} is not fitted", fix="fit it first")
        point = np.zeros(len(sim.outcome))
        draws = np.zeros((len(sim.outcome), sim.draws.shape[2]))
        for feature, w in zip(self.features, self.weights, strict=True):
            if w == 0:
                continue
            p, d = feature_arrays(sim, feature)
            point = point + w * p
            draws = draws + w * np.where(np.isfinite(d), d, p[:, None])
        return point, draws

    def fit(self, sim: Simulation) -> Predictor:
        """Fit the weights (for a stack) and the calibration on ``sim``'s issues."""
        fitted = self
        if self.weights is None:
            F = np.column_stack([feature_arrays(sim, f)[0] for f in self.features])
            ok = np.all(np.isfinite(F), axis=1)
            w = fit_convex_lad(F[ok], sim.outcome[ok])
            keep = w >= self.prune
            if not keep.all():
                w2 = fit_convex_lad(F[ok][:, keep], sim.outcome[ok])
                w = np.zeros(len(w))
                w[keep] = w2
            fitted = replace(self, weights=tuple(float(round(x, 6)) for x in w))
        point, draws = fitted.combine(sim)
        cal = Calibration.fit(point, draws, sim.outcome, sim.spread, relative=self.relative)
        return replace(fitted, calibration=cal)

    def predict(self, sim: Simulation) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Point forecast, predictive samples, and the 80% interval (lo, hi) of every issue."""
        point, draws = self.combine(sim)
        samples, lo, hi = predictive(self.calibration, point, draws, sim.spread)
        return point, samples, lo, hi

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (fitted parts only)."""
        return {
            "weights": None if self.weights is None else list(self.weights),
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
        }

    def with_fit(self, d: dict[str, Any]) -> Predictor:
        """A copy with the fitted parts read from :meth:`to_dict` output."""
        cal = d.get("calibration")
        w = d.get("weights")
        return replace(
            self,
            weights=None if w is None else tuple(float(x) for x in w),
            calibration=None if cal is None else Calibration.from_dict(cal),
        )

    @property
    def models(self) -> list[str]:
        """Models whose forecasts the predictor needs (compromise for the status-quo fill)."""
        out = [f.partition("@")[0] for f in self.features if f not in ("midpoint", "status_quo")]
        if "status_quo" in self.features:
            out.append("compromise")
        return list(dict.fromkeys(out))

    @property
    def variants(self) -> list[str]:
        """Capability variants (other than the base) whose point forecasts the predictor needs."""
        return list(dict.fromkeys(f.partition("@")[2] for f in self.features if "@" in f))


@dataclass
class CrossValidation:
    """Out-of-fold predictions of several predictors, and their fits per fold.

    ``point``, ``lo``, ``hi``: name -> (n,); ``samples``: name -> (n, m); ``fits``: name -> list of
    the fitted predictor of each fold; ``fold``: fold index of every issue row.
    """

    sim: Simulation
    fold: np.ndarray
    point: dict[str, np.ndarray]
    lo: dict[str, np.ndarray]
    hi: dict[str, np.ndarray]
    samples: dict[str, np.ndarray]
    fits: dict[str, list[Predictor]]

    def scores(self, names: Sequence[str] | None = None, *, seed: int = 0) -> list[ModelScore]:
        """Accuracy of every predictor on the issues where it and the compromise model have forecasts."""
        ref = self.point.get("compromise")
        out = []
        for name in names or list(self.point):
            p = self.point[name]
            ok = np.isfinite(p) & (np.isfinite(ref) if ref is not None else True)
            groups = [g for g, keep in zip(self.sim.groups, ok, strict=True) if keep]
            out.append(
                score(
                    name,
                    p[ok],
                    self.lo[name][ok],
                    self.hi[name][ok],
                    self.samples[name][ok],
                    self.sim.outcome[ok],
                    reference=None if ref is None or name == "compromise" else ref[ok],
                    groups=groups,
                    seed=seed,
                )
            )
        return out

    def coverage_curve(self, name: str, levels: Sequence[float]) -> np.ndarray:
        """Observed coverage of central predictive intervals at each nominal level."""
        s, y = self.samples[name], self.sim.outcome
        ok = np.isfinite(self.point[name])
        out = []
        for level in levels:
            lo, hi = np.quantile(s[ok], [(1 - level) / 2, (1 + level) / 2], axis=1)
            out.append(np.mean((y[ok] >= lo - 1e-9) & (y[ok] <= hi + 1e-9)))
        return np.array(out)

    def crps(self, name: str) -> float:
        """Mean CRPS of a predictor over the issues where it has forecasts."""
        ok = np.isfinite(self.point[name])
        return float(np.mean(crps_samples(self.samples[name][ok], self.sim.outcome[ok])))


def crossvalidate(
    sim: Simulation, predictors: Sequence[Predictor], fold_of: dict[str, int]
) -> CrossValidation:
    """Grouped cross-validation: fit each predictor without a fold, predict the fold; every fold."""
    fold = np.array([fold_of[g] for g in sim.groups])
    n = len(sim.outcome)
    point: dict[str, np.ndarray] = {}
    lo: dict[str, np.ndarray] = {}
    hi: dict[str, np.ndarray] = {}
    samples: dict[str, np.ndarray] = {}
    fits: dict[str, list[Predictor]] = {}
    n_folds = max(fold_of.values()) + 1 if fold_of else 0
    for pred in predictors:
        p = np.full(n, np.nan)
        a = np.full(n, np.nan)
        b = np.full(n, np.nan)
        s: np.ndarray | None = None
        fits[pred.name] = []
        for k in range(n_folds):
            test = fold == k
            fitted = pred.fit(sim.subset(~test))
            fits[pred.name].append(fitted)
            if not test.any():
                continue
            pk, sk, ak, bk = fitted.predict(sim.subset(test))
            if s is None:
                s = np.full((n, sk.shape[1]), np.nan)
            p[test], s[test], a[test], b[test] = pk, sk, ak, bk
        point[pred.name], lo[pred.name], hi[pred.name] = p, a, b
        samples[pred.name] = s if s is not None else np.empty((n, 0))
    return CrossValidation(sim, fold, point, lo, hi, samples, fits)
