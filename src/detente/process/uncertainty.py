"""Road-map probabilities with parameter uncertainty, beside the Monte Carlo-only intervals.

A Wilson interval from many runs of one parameter set says how precisely the simulation estimates a
probability *given* the file's numbers. It says nothing about the numbers themselves. Here the
numbers vary too: :func:`simulate_with_parameters` draws ``draws`` parameter sets, simulates each,
and reports for every policy and event the mean probability over the draws and the 2.5% and 97.5%
quantiles of the per-draw probabilities (the **parameter interval**).

What varies in a draw:

* numbers marked ``fitted`` are drawn from their fit's sampling distribution
  (:meth:`detente.calibration.korea.KoreaCalibration.sample`: GLM coefficients from their multivariate
  normal, turned into probabilities);
* numbers with ``ranges`` are drawn uniformly from their range (estimates: the range is the
  analyst's, stated in the file beside the rationale).

Every other number stays as it is. Draw d of policy P is seeded from (seed, "parameters", d) and its
runs from (seed, P, ...) as in :func:`~detente.process.simulate.simulate`, so results are
reproducible and do not depend on ``n_jobs``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente._random import spawn
from detente.process.spec import Process
from detente.scenario.scenario import Scenario

__all__ = [
    "ParameterResult",
    "calibrated_value",
    "perturbed_process",
    "simulate_with_parameters",
    "varied_numbers",
]

_STEP = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


def calibrated_value(key: str, calibration: Any = None) -> float:
    """The point estimate of a calibration parameter, named as in its ``sample`` draws.

    ``tests.<regime>.p_test_after_quiet`` / ``p_test_after_test``, ``clashes.icb.<regime>.p_month``,
    ``clashes.armed.<regime>.p_month``, ``patience.mean_months``, ``patience.rate_per_month``.
    """
    from detente.calibration.korea import load_calibration

    c = calibration if calibration is not None else load_calibration()
    parts = key.split(".")
    if parts[0] == "tests" and len(parts) == 3:
        chain = next(ch for ch in c.tests.chains if ch.regime == parts[1])
        return float(getattr(chain, parts[2]).value)
    if parts[0] == "clashes" and len(parts) == 4:
        model = c.clashes.icb if parts[1] == "icb" else c.clashes.armed_incidents
        regime = next(r for r in model.regimes if r.regime == parts[2])
        return float(getattr(regime, parts[3]).value)
    if parts[0] == "patience" and len(parts) == 2:
        return float(getattr(c.patience.exponential, parts[1]).value)
    raise KeyError(key)


def varied_numbers(process: Process) -> list[tuple[str, str, str]]:
    """Every number a draw varies: (block path, field, 'fitted:<parameter>' or 'range')."""
    out = []
    for path, block in process.provenance_blocks():
        out += [(path, name, f"fitted:{key}") for name, key in block.fitted.items()]
        out += [(path, name, "range") for name in block.ranges if name not in block.fitted]
    return out


def _block(data: dict[str, Any], path: str) -> dict[str, Any]:
    node: Any = data
    for part in path.split("."):
        m = _STEP.fullmatch(part)
        assert m is not None, path
        node = node[m.group(1)]
        if m.group(2) is not None:
            node = node[int(m.group(2))]
    return node


def perturbed_process(
    process: Process, rng: np.random.Generator, fitted: Callable[[str], float] | None
) -> Process:
    """A copy of ``process`` with its fitted numbers from ``fitted(parameter)`` and ranged ones drawn.

    ``fitted`` returns the drawn value of a calibration parameter; ``None`` keeps fitted numbers.
    """
    data = process.model_dump()
    for path, block in process.provenance_blocks():
        target = _block(data, path)
        for name, (low, high) in block.ranges.items():
            if name not in block.fitted:
                target[name] = float(rng.uniform(low, high))
        if fitted is not None:
            for name, key in block.fitted.items():
                target[name] = float(fitted(key))
    return Process.model_validate(data)


@dataclass(frozen=True)
class ParameterResult:
    """Per policy and event: the mean probability over parameter draws and its parameter interval."""

    draws: int
    runs_per_draw: int
    seed: int
    probabilities: dict[str, dict[str, np.ndarray]]  # policy -> event -> (draws,) probabilities

    def rows(self) -> list[dict[str, Any]]:
        """One row per (policy, event): mean, 2.5% and 97.5% quantiles over the draws."""
        out = []
        for policy, events in self.probabilities.items():
            for event, p in events.items():
                lo, hi = np.quantile(p, [0.025, 0.975])
                out.append(
                    {
                        "policy": policy,
                        "event": event,
                        "mean": float(p.mean()),
                        "low": float(lo),
                        "high": float(hi),
                    }
                )
        return out

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "draws": self.draws,
            "runs_per_draw": self.runs_per_draw,
            "seed": self.seed,
            "interval": "2.5% and 97.5% quantiles over parameter draws (fitted numbers and estimate ranges)",
            "rows": self.rows(),
        }


def _events(result: Any) -> dict[str, float]:
    out = {r["event"]: r["probability"] for r in result.outcome_probabilities()}
    out.pop("ongoing at horizon", None)
    return out


def simulate_with_parameters(
    process: Process,
    scenario: Scenario,
    policies: Sequence[str] | None = None,
    *,
    draws: int = 20,
    runs_per_draw: int = 200,
    seed: int = 0,
    n_jobs: int | None = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> ParameterResult:
    """Simulate ``draws`` parameter sets of the road map (see the module docstring)."""
    from detente.calibration.korea import load_calibration
    from detente.process.simulate import simulate

    uses_fits = any(block.fitted for _, block in process.provenance_blocks())
    sample = load_calibration().sample(draws, spawn(seed, "parameters", "fitted")) if uses_fits else None
    ids = list(policies) if policies else [p.id for p in process.policies]
    probs: dict[str, dict[str, list[float]]] = {pid: {} for pid in ids}
    for d in range(draws):
        fitted = (lambda key, d=d: float(sample[key][d])) if sample is not None else None
        varied = perturbed_process(process, spawn(seed, "parameters", "ranges", d), fitted)
        results = simulate(
            varied, scenario, ids, runs=runs_per_draw, seed=seed * 1_000_003 + d, n_jobs=n_jobs
        )
        for r in results:
            for event, p in _events(r).items():
                probs[r.policy].setdefault(event, []).append(p)
        if on_progress is not None:
            on_progress(d + 1, draws)
    return ParameterResult(
        draws=draws,
        runs_per_draw=runs_per_draw,
        seed=seed,
        probabilities={pid: {e: np.array(v) for e, v in ev.items()} for pid, ev in probs.items()},
    )
