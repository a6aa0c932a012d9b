"""The sampling design of an experiment: which input values each run uses, in sampler order.

:func:`build_design` draws the experiment's inputs with SALib (Saltelli's scheme for Sobol indices,
Morris trajectories, Latin hypercube) or plain Monte Carlo, on the **unit scale** (each input a
quantile in [0, 1]), then maps every column to natural values through its distribution's quantile
function. Correlated inputs (Latin hypercube and Monte Carlo only) are joined by a Gaussian copula;
with a Latin hypercube each correlated column is then re-ordered to the copula's ranks, so its
values keep their strata exactly.

The design's tasks cross every lever with every sample row: run ``lever_index * n_samples +
sample``, so each lever's runs are in sampler order, as Sobol and Morris analyses need them. The
same experiment and seed always give the same design.

>>> from detente.experiments.spec import loads_experiment
>>> e = loads_experiment('''
... name: toy
... scenario: ec-emissions
... estimates: false
... uncertainties:
...   - {target: stance.Germany.delay.position, low: 0, high: 20}
...   - {target: stance.France.delay.position, low: 80, high: 100}
... outcomes: [forecast.compromise.delay]
... sampler: {method: sobol, n: 8}
... ''')
>>> d = build_design(e, seed=1)
>>> d.unit.shape, d.n_samples == 8 * (2 + 2), len(d.tasks())
((32, 2), True, 32)
>>> bool(((d.values[:, 0] >= 0) & (d.values[:, 0] <= 20)).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente._random import spawn
from detente._types import SeedLike
from detente.experiments.spec import Experiment, Input, _n_rows
from detente.experiments.types import Task

__all__ = ["Design", "build_design", "n_samples"]


def n_samples(experiment: Experiment) -> int:
    """Rows of the experiment's sample matrix (before crossing with the levers)."""
    return _n_rows(experiment.spec.sampler, len(experiment.inputs))


@dataclass(frozen=True)
class Design:
    """The sampled inputs of an experiment and the tasks they make.

    Attributes
    ----------
    inputs : tuple of Input
        The inputs, one per column, in :attr:`problem` order.
    levers : tuple of str
        Lever ids (``("",)`` without levers).
    method : str
        ``sobol``, ``morris``, ``latin`` or ``monte-carlo``.
    problem : dict
        The SALib problem: ``num_vars``, ``names``, and ``bounds`` on the **unit scale** (every input
        ``[0, 1]``); pass :attr:`unit` as ``X`` to SALib's analyses (Morris effects are then per unit
        of quantile, comparable across inputs). ``second_order`` and ``levels`` record the sampler.
    unit : ndarray, shape (n_samples, d)
        Quantiles the sampler produced.
    values : ndarray, shape (n_samples, d)
        Natural values (choice codes 0, 1, ... for categorical inputs; see :attr:`choices`).
    seed : int
    choices : dict
        Input name -> its choices, for categorical inputs.
    """

    inputs: tuple[Input, ...]
    levers: tuple[str, ...]
    method: str
    problem: dict[str, Any]
    unit: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    seed: int
    choices: dict[str, tuple[str | float, ...]] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        """Rows of the sample matrix."""
        return int(self.unit.shape[0])

    @property
    def n_tasks(self) -> int:
        """Tasks: samples x levers."""
        return self.n_samples * len(self.levers)

    @property
    def names(self) -> tuple[str, ...]:
        """Input names, one per column."""
        return tuple(i.name for i in self.inputs)

    def row(self, sample: int) -> dict[str, float | str]:
        """Input name -> value of one sample row (a categorical input gives its choice)."""
        return {inp.name: inp.value_of(self.values[sample, j]) for j, inp in enumerate(self.inputs)}

    def task(self, run_index: int) -> Task:
        """The task of run ``run_index`` (``lever_index * n_samples + sample``)."""
        if not 0 <= run_index < self.n_tasks:
            raise IndexError(f"run {run_index} is outside the design (0 .. {self.n_tasks - 1})")
        lever, sample = divmod(run_index, self.n_samples)
        return Task(run_index=run_index, lever=self.levers[lever], sample=sample, inputs=self.row(sample))

    def tasks(self) -> list[Task]:
        """Every task, in run order: for each lever, the sample rows in sampler order."""
        rows = [self.row(k) for k in range(self.n_samples)]
        return [
            Task(run_index=li * self.n_samples + k, lever=lever, sample=k, inputs=rows[k])
            for li, lever in enumerate(self.levers)
            for k in range(self.n_samples)
        ]

    def lever_runs(self, lever: str) -> range:
        """The run indices of one lever (in sampler order)."""
        li = self.levers.index(lever)
        return range(li * self.n_samples, (li + 1) * self.n_samples)


def _salib_seed(seed: SeedLike) -> int:
    return int(spawn(seed, "design").integers(0, 2**31 - 1))


def build_design(experiment: Experiment, seed: SeedLike = None) -> Design:
    """Draw the experiment's inputs (see the module docstring).

    Parameters
    ----------
    experiment : Experiment
        A loaded experiment (:func:`detente.experiments.spec.load_experiment`).
    seed : int, optional
        Master seed of the sweep; ``None`` takes the spec's ``seed`` (default 0). The design depends
        only on the experiment and this seed.
    """
    sampler = experiment.spec.sampler
    seed = experiment.spec.seed if seed is None else seed
    inputs = experiment.inputs
    d = len(inputs)
    names = [i.name for i in inputs]
    problem: dict[str, Any] = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    n = sampler.n
    salib_seed = _salib_seed(seed)
    if sampler.method == "sobol":
        from SALib.sample import sobol

        problem["second_order"] = sampler.second_order
        unit = sobol.sample(problem, n, calc_second_order=sampler.second_order, seed=salib_seed)
    elif sampler.method == "morris":
        from SALib.sample import morris

        problem["levels"] = sampler.levels
        unit = morris.sample(problem, n, num_levels=sampler.levels, seed=salib_seed)
    elif sampler.method == "latin":
        from SALib.sample import latin

        unit = latin.sample(problem, n, seed=salib_seed) if d else np.empty((n, 0))
    else:
        unit = spawn(seed, "design", "monte-carlo").random((n, d))
    unit = np.asarray(unit, dtype=float).reshape(-1, d) if d else np.empty((n, 0))
    if experiment.correlation is not None:
        unit = _copula(unit, experiment.correlation, stratified=sampler.method == "latin")
    values = np.empty_like(unit)
    for j, inp in enumerate(inputs):
        values[:, j] = inp.values(unit[:, j])
    return Design(
        inputs=inputs,
        levers=experiment.levers,
        method=sampler.method,
        problem=problem,
        unit=unit,
        values=values,
        seed=int(seed) if not isinstance(seed, np.random.SeedSequence) else 0,
        choices={i.name: i.distribution.choices for i in inputs if i.categorical},
    )


def _copula(unit: np.ndarray, corr: np.ndarray, *, stratified: bool) -> np.ndarray:
    """Join independent unit columns by a Gaussian copula with normal-scale correlation ``corr``.

    Only columns that take part in a correlation change. ``stratified``: keep each changed column's
    values (a Latin hypercube's strata) and only re-order them to the copula's ranks.
    """
    from scipy.stats import norm

    involved = np.flatnonzero(np.abs(corr - np.eye(len(corr))).sum(axis=1) > 0)
    if involved.size == 0:
        return unit
    sub = corr[np.ix_(involved, involved)]
    chol = np.linalg.cholesky(sub)
    eps = 1e-12
    z = norm.ppf(np.clip(unit[:, involved], eps, 1 - eps))
    joined = norm.cdf(z @ chol.T)
    out = unit.copy()
    if not stratified:
        out[:, involved] = joined
        return out
    for k, j in enumerate(involved):
        ranks = np.argsort(np.argsort(joined[:, k], kind="stable"), kind="stable")
        out[:, j] = np.sort(unit[:, j])[ranks]
    return out
