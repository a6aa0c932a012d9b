"""Scores of forecasts against outcomes: point errors, hit rates, coverage, CRPS, log and interval scores.

All functions take numpy arrays over issues (and, for samples, draws) on the 0-100 scale. The
proper scores (CRPS, log score, interval score) come from the ``scoringrules`` library; the paired
difference from a reference has a proposal-clustered bootstrap CI.

>>> import numpy as np
>>> y = np.array([0.0, 50.0, 100.0])
>>> f = np.array([10.0, 50.0, 70.0])
>>> float(mae(f, y)), float(rmse(f, y)), float(median_ae(f, y))
(13.333333333333334, 18.257418583505537, 10.0)
>>> float(coverage(np.array([0, 40, 80.0]), np.array([20, 60, 90.0]), y))
0.6666666666666666
>>> round(float(crps_samples(np.array([[0.0, 0.0]]), np.array([0.0]))[0]), 6)
0.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from detente._random import make_rng
from detente._types import SeedLike

__all__ = [
    "ModelScore",
    "PairedDifference",
    "coverage",
    "crps_samples",
    "hit_rate",
    "interval_score",
    "log_score_samples",
    "mae",
    "median_ae",
    "paired_bootstrap",
    "rmse",
    "score",
]


def mae(forecast: np.ndarray, outcome: np.ndarray) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(forecast - outcome)))


def median_ae(forecast: np.ndarray, outcome: np.ndarray) -> float:
    """Median absolute error."""
    return float(np.median(np.abs(forecast - outcome)))


def rmse(forecast: np.ndarray, outcome: np.ndarray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((forecast - outcome) ** 2)))


def coverage(lo: np.ndarray, hi: np.ndarray, outcome: np.ndarray) -> float:
    """Share of outcomes inside their closed interval [lo, hi]."""
    return float(np.mean((outcome >= lo - 1e-9) & (outcome <= hi + 1e-9)))


def hit_rate(forecast: np.ndarray, outcome: np.ndarray, within: float) -> float:
    """Share of point forecasts within ``within`` points of the outcome (inclusive)."""
    return float(np.mean(np.abs(np.asarray(forecast) - np.asarray(outcome)) <= within + 1e-9))


def crps_samples(samples: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Continuous ranked probability score of each issue's sample distribution (lower is better).

    ``samples`` has shape (n_issues, n_draws): Monte Carlo draws, or a quantile ensemble (the
    distribution's quantiles at equally spaced levels). ``scoringrules.crps_ensemble`` with its
    default estimator, ``CRPS = E|X - y| - E|X - X'| / 2`` of the empirical distribution; for a point
    forecast (all draws equal) it is the absolute error.
    """
    import scoringrules as sr

    x = np.asarray(samples, dtype=float)
    return np.asarray(sr.crps_ensemble(np.asarray(outcome, dtype=float), x, m_axis=1), dtype=float)


def log_score_samples(samples: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Negative log density at the outcome of a kernel density estimate of the samples (lower is better).

    ``scoringrules.logs_ensemble`` (Gaussian kernel, Silverman's bandwidth). Point masses (outcomes
    that coincide with a position) are smoothed by the kernel, so it is a score of the smoothed
    distribution; infinite where every sample is equal and the outcome differs.
    """
    import scoringrules as sr

    x = np.asarray(samples, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(sr.logs_ensemble(np.asarray(outcome, dtype=float), x, m_axis=1), dtype=float)
    return out


def interval_score(lo: np.ndarray, hi: np.ndarray, outcome: np.ndarray, alpha: float = 0.2) -> np.ndarray:
    """Interval score of central (1 - alpha) intervals (``scoringrules.interval_score``; lower is better).

    Width plus ``2 / alpha`` times the distance by which the outcome falls outside the interval.
    """
    import scoringrules as sr

    return np.asarray(
        sr.interval_score(np.asarray(outcome, float), np.asarray(lo, float), np.asarray(hi, float), alpha),
        dtype=float,
    )


@dataclass(frozen=True)
class PairedDifference:
    """Mean difference of absolute errors (model minus reference), with a bootstrap 95% CI.

    Negative means the model is more accurate than the reference.
    """

    mean: float
    low: float
    high: float


def paired_bootstrap(
    errors: np.ndarray,
    reference: np.ndarray,
    *,
    groups: Sequence[str] | None = None,
    n_boot: int = 2000,
    seed: SeedLike = 0,
) -> PairedDifference:
    """Percentile bootstrap CI of ``mean(errors - reference)`` over issues (paired).

    With ``groups`` (say, the proposal of each issue) whole groups are resampled (a cluster
    bootstrap), since issues of one proposal are not independent.
    """
    diff = np.asarray(errors, dtype=float) - np.asarray(reference, dtype=float)
    rng = make_rng(seed)
    if groups is None:
        idx = rng.integers(0, len(diff), size=(n_boot, len(diff)))
        boot = diff[idx].mean(axis=1)
    else:
        labels, inverse = np.unique(np.asarray(groups), return_inverse=True)
        sums = np.bincount(inverse, weights=diff, minlength=len(labels))
        counts = np.bincount(inverse, minlength=len(labels)).astype(float)
        pick = rng.integers(0, len(labels), size=(n_boot, len(labels)))
        boot = sums[pick].sum(axis=1) / counts[pick].sum(axis=1)
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return PairedDifference(float(diff.mean()), float(lo), float(hi))


@dataclass(frozen=True)
class ModelScore:
    """One model's accuracy on a set of issues (the columns of the accuracy table)."""

    model: str
    n: int
    mae: float
    median_ae: float
    rmse: float
    coverage: float
    crps: float
    vs_compromise: PairedDifference | None
    hit5: float = float("nan")
    hit10: float = float("nan")

    def row(self) -> dict[str, str | int]:
        """The score as a table row of formatted numbers."""
        d = self.vs_compromise
        return {
            "model": self.model,
            "n": self.n,
            "MAE": f"{self.mae:.2f}",
            "median AE": f"{self.median_ae:.2f}",
            "RMSE": f"{self.rmse:.2f}",
            "80% coverage": f"{100 * self.coverage:.1f}%",
            "CRPS": f"{self.crps:.2f}",
            "within 5": f"{100 * self.hit5:.1f}%",
            "within 10": f"{100 * self.hit10:.1f}%",
            "MAE - compromise [95% CI]": "" if d is None else f"{d.mean:+.2f} [{d.low:+.2f}, {d.high:+.2f}]",
        }


def score(
    model: str,
    forecast: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    samples: np.ndarray,
    outcome: np.ndarray,
    *,
    reference: np.ndarray | None = None,
    groups: Sequence[str] | None = None,
    seed: SeedLike = 0,
) -> ModelScore:
    """Score one model; ``reference`` is the compromise model's forecast on the same issues."""
    err = np.abs(forecast - outcome)
    diff = None
    if reference is not None:
        diff = paired_bootstrap(err, np.abs(reference - outcome), groups=groups, seed=seed)
    return ModelScore(
        model=model,
        n=len(outcome),
        mae=mae(forecast, outcome),
        median_ae=median_ae(forecast, outcome),
        rmse=rmse(forecast, outcome),
        coverage=coverage(lo, hi, outcome),
        crps=float(np.mean(crps_samples(samples, outcome))),
        vs_compromise=diff,
        hit5=hit_rate(forecast, outcome, 5.0),
        hit10=hit_rate(forecast, outcome, 10.0),
    )
