"""From an experiment file to answers: run the sweep (or resume it), then analyse what was stored.

This module joins the parts of an experiment: the loaded spec (:mod:`~detente.experiments.spec`),
its design (:mod:`~detente.experiments.design`), the evaluator (:mod:`~detente.experiments.evaluate`),
the backends and the results store (:mod:`~detente.experiments.sweep`), and the analyses
(:mod:`~detente.experiments.analysis`). Every answer is read back from the store, so an analysis of
a sweep run yesterday on a cluster is the same as one of a sweep run now on a laptop.

* :func:`sweep` runs the design's missing runs into the store (all of them the first time).
* :func:`analyse` gives, per lever and outcome, the sensitivity analysis the design allows (Sobol,
  Morris or rank regression), and for pairs of levers whether their ranking depends on the inputs.
* :func:`discover` runs PRIM on each outcome of interest (by default every road-map step's
  failure): the boxes of inputs under which the step fails, as signposts and triggers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.errors import ParameterError
from detente.experiments.analysis import (
    InputInfo,
    PrimResult,
    RankingDependence,
    SensitivityResult,
    prim_boxes,
    ranking_dependence,
    sensitivity,
)
from detente.experiments.backends import Backend
from detente.experiments.design import Design, build_design
from detente.experiments.spec import Experiment
from detente.experiments.store import RunArrays, Store
from detente.experiments.sweep import SweepResult, run_sweep

__all__ = [
    "Analysis",
    "analyse",
    "default_comparisons",
    "discover",
    "input_infos",
    "outcome_arrays",
    "sweep",
]

HIGHER_IS_WORSE = ("roadmap.breakdown", "roadmap.escalation", "roadmap.fail.", "roadmap.time_to_")
"""Outcome names (prefixes) for which a lower value is the better one when levers are ranked."""


def _worse_is_higher(outcome: str) -> bool:
    return any(outcome.startswith(p) for p in HIGHER_IS_WORSE)


def sweep(
    experiment: Experiment,
    store: Store,
    *,
    seed: int | None = None,
    backend: Backend | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[Design, SweepResult]:
    """Run (or resume) the experiment's sweep into ``store``; return its design and what was run.

    The experiment is identified in the store by its spec hash (the spec and the content of every
    file it reads) and the seed: the same command run again continues where it stopped and adds no
    row twice. ``seed`` defaults to the spec's ``seed`` (0 when it has none).
    """
    from detente.experiments.evaluate import Evaluator

    master = _seed(experiment, seed)
    design = build_design(experiment, master)
    result = run_sweep(
        store,
        name=experiment.spec.name,
        spec_hash=experiment.spec_hash(),
        spec_text=experiment.canonical_text(),
        seed=master,
        tasks=design.tasks(),
        func=Evaluator(experiment),
        backend=backend or Backend(),
        on_progress=on_progress,
    )
    return design, result


def _seed(experiment: Experiment, seed: int | None) -> int:
    if seed is not None:
        return int(seed)
    return int(getattr(experiment.spec, "seed", None) or 0)


def input_infos(design: Design) -> list[InputInfo]:
    """The design's inputs described for tables and signposts (kind, sampled range, value now)."""
    out = []
    for j, inp in enumerate(design.inputs):
        col = design.values[:, j]
        choices = design.choices.get(inp.name)
        out.append(
            InputInfo(
                name=inp.name,
                kind=inp.kind,  # type: ignore[arg-type]
                low=None if choices else float(np.min(col)),
                high=None if choices else float(np.max(col)),
                choices=tuple(str(c) for c in choices) if choices else None,
                baseline=inp.base,
                target=inp.target,
                rationale=inp.rationale or None,
            )
        )
    return out


def outcome_arrays(design: Design, arrays: RunArrays, lever: str, outcome: str) -> np.ndarray:
    """One outcome's values for one lever, in the design's sampler order (what SALib expects)."""
    if outcome not in arrays.outputs:
        raise ParameterError(
            f"the sweep has no outcome {outcome!r}",
            where="--outcome",
            fix=f"use one of: {', '.join(sorted(arrays.outputs))}",
        )
    runs = design.lever_runs(lever)
    if not np.array_equal(arrays.run_index[runs.start : runs.stop], np.arange(runs.start, runs.stop)):
        raise ParameterError(
            "the stored runs do not match the design (a run is missing)",
            where="--store",
            fix="run the sweep again to complete it",
        )
    return np.asarray(arrays.outputs[outcome][runs.start : runs.stop], dtype=float)


def _lever_name(lever: str) -> str:
    return lever.split(":", 1)[-1] if lever else "(no lever)"


@dataclass(frozen=True)
class Analysis:
    """What an experiment's stored runs say: sensitivity per lever and outcome, and lever rankings.

    Attributes
    ----------
    name, method : str
        The experiment's name and its sampler.
    n_samples : int
        Input samples per lever.
    runs_per_sample : int
        Monte Carlo runs of the road map behind each sampled road-map outcome.
    sensitivities : list of SensitivityResult
        One per (lever, outcome) analysed.
    dependences : list of RankingDependence
        One per pair of levers compared, on the outcome compared.
    inputs : list of InputInfo
        The inputs, for tables.
    means : dict
        lever -> outcome -> mean value over the samples (NaN ignored).
    """

    name: str
    method: str
    n_samples: int
    runs_per_sample: int
    sensitivities: list[SensitivityResult]
    dependences: list[RankingDependence]
    inputs: list[InputInfo]
    means: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready summary of every analysis."""
        return {
            "experiment": self.name,
            "method": self.method,
            "n_samples": self.n_samples,
            "runs_per_sample": self.runs_per_sample,
            "means": self.means,
            "sensitivity": [s.to_json_dict() for s in self.sensitivities],
            "ranking_dependence": [d.to_json_dict() for d in self.dependences],
        }


def default_comparisons(experiment: Experiment, outcome: str) -> list[tuple[str, str]]:
    """Pairs of road-map policies to compare: the first policy against each of the others."""
    levers = [lv.id for lv in experiment.lever_list if lv.id]
    if len(levers) < 2 or outcome not in experiment.outcomes:
        return []
    return [(levers[0], other) for other in levers[1:]]


def analyse(
    experiment: Experiment,
    design: Design,
    arrays: RunArrays,
    *,
    outcomes: Sequence[str] | None = None,
    levers: Sequence[str] | None = None,
    compare: Sequence[tuple[str, str]] | None = None,
    compare_outcome: str | None = None,
    seed: int = 0,
) -> Analysis:
    """Sensitivity of each outcome under each lever, and what decides each lever comparison.

    ``outcomes`` default to every outcome of the experiment; ``levers`` to every lever. ``compare``
    lists pairs of lever ids whose ranking on ``compare_outcome`` (default: the first outcome) is
    analysed with :func:`~detente.experiments.analysis.ranking_dependence`; by default the first
    lever against each other one. Outcomes that hold NaN (e.g. a time never reached) are skipped
    by the structured designs, with a note in the result's warnings where they were analysed.
    """
    names = list(outcomes) if outcomes else list(experiment.outcomes)
    lever_ids = list(levers) if levers else list(design.levers)
    for lv in lever_ids:
        if lv not in design.levers:
            raise ParameterError(
                f"the experiment has no lever {lv!r}",
                where="--lever",
                fix=f"use one of: {', '.join(design.levers)}",
            )
    spec = experiment.spec
    second = bool(getattr(spec.sampler, "second_order", False))
    levels = int(getattr(spec.sampler, "levels", 4) or 4)
    X = design.unit
    results: list[SensitivityResult] = []
    means: dict[str, dict[str, float]] = {}
    for lv in lever_ids:
        for out in names:
            y = outcome_arrays(design, arrays, lv, out)
            means.setdefault(lv, {})[out] = float(np.nanmean(y)) if np.isfinite(y).any() else float("nan")
            if not np.isfinite(y).all() and design.method in ("sobol", "morris"):
                continue  # incomplete outcome (a time never reached): not analysable by these designs
            if np.nanstd(y) == 0:
                continue  # constant: nothing to apportion
            results.append(
                sensitivity(
                    design.problem,
                    design.method,
                    X,
                    y,
                    seed=seed,
                    lever=_lever_name(lv),
                    outcome=out,
                    second_order=second,
                    num_levels=levels,
                )
            )
    target = compare_outcome or (names[0] if names else None)
    pairs = (
        list(compare) if compare is not None else (default_comparisons(experiment, target) if target else [])
    )
    deps = []
    for a, b in pairs:
        for lv in (a, b):
            if lv not in design.levers:
                raise ParameterError(
                    f"the experiment has no lever {lv!r}",
                    where="--compare",
                    fix=f"use one of: {', '.join(design.levers)}",
                )
        ya = outcome_arrays(design, arrays, a, target)
        yb = outcome_arrays(design, arrays, b, target)
        if not (np.isfinite(ya).all() and np.isfinite(yb).all()):
            continue
        deps.append(
            ranking_dependence(
                design.problem,
                design.method,
                X,
                ya,
                yb,
                lever_a=_lever_name(a),
                lever_b=_lever_name(b),
                outcome=target,
                higher_is_better=not _worse_is_higher(target),
                seed=seed,
                second_order=second,
                num_levels=levels,
            )
        )
    return Analysis(
        name=spec.name,
        method=design.method,
        n_samples=design.n_samples,
        runs_per_sample=int(getattr(spec, "runs_per_sample", 0) or 0),
        sensitivities=results,
        dependences=deps,
        inputs=input_infos(design),
        means=means,
    )


def _step_name(experiment: Experiment, outcome: str) -> str:
    """Plain words for an outcome: 'step freeze fails' for roadmap.fail.freeze."""
    if outcome.startswith("roadmap.fail."):
        phase = outcome.removeprefix("roadmap.fail.")
        name = phase
        if experiment.process is not None:
            for ph in experiment.process.phases:
                if ph.id == phase:
                    name = ph.name or ph.id
        return f"step {name!r} fails"
    return f"{outcome} is high"


def discover(
    experiment: Experiment,
    design: Design,
    arrays: RunArrays,
    *,
    outcomes: Sequence[str] | None = None,
    levers: Sequence[str] | None = None,
    threshold: float = 0.5,
    density: float = 0.8,
    max_boxes: int = 2,
    max_dims: int | None = 4,
) -> list[PrimResult]:
    """PRIM boxes per (lever, outcome): the inputs under which the outcome exceeds ``threshold``.

    By default the outcomes are the road map's step failures (``roadmap.fail.<phase>``) and the
    levers all of the experiment's. A sample is a case of interest when its outcome (e.g. the share
    of runs in which the step failed) is above ``threshold``. Pairs in which no sample, or every
    sample, is a case are reported with no box (PRIM has nothing to separate).
    """
    names = list(outcomes) if outcomes else [o for o in experiment.outcomes if o.startswith("roadmap.fail.")]
    if not names:
        raise ParameterError(
            "the experiment has no outcome to discover boxes for",
            where="--outcome",
            fix="name an outcome, or add road-map outcomes (roadmap.fail.<phase>) to the experiment",
        )
    lever_ids = list(levers) if levers else list(design.levers)
    X = design.values
    choices = {k: [str(c) for c in v] for k, v in design.choices.items()}
    out = []
    for lv in lever_ids:
        for name in names:
            y = outcome_arrays(design, arrays, lv, name)
            ok = np.isfinite(y)
            cases = y[ok] > threshold
            if cases.all() or not cases.any():
                continue
            out.append(
                prim_boxes(
                    X[ok],
                    cases,
                    names=list(design.names),
                    case=f"{_step_name(experiment, name)} (in more than {threshold:.0%} of runs)"
                    if name.startswith("roadmap.")
                    else f"{name} > {threshold:g}",
                    density=density,
                    max_boxes=max_boxes,
                    max_dims=max_dims,
                    choices=choices or None,
                    lever=_lever_name(lv),
                )
            )
    return out
