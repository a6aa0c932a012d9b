"""What would change the forecast: sensitivity indices, ranking dependence and scenario discovery.

An experiment runs a model (a road map, a bargaining model) over a sample of its uncertain inputs,
once per lever (policy, package, coalition). This module analyses the resulting arrays; it does not
run anything. Every function is a pure function of plain arrays, parameters and a seed:

- :func:`sobol_indices` -- first-order and total Sobol indices with bootstrap intervals, from a
  Saltelli design (``SALib.analyze.sobol.analyze``), with a convergence check;
- :func:`morris_indices` -- Morris screening (mu*, its interval, sigma) from a Morris design
  (``SALib.analyze.morris.analyze``);
- :func:`rank_regression` -- standardized rank regression coefficients (SRRC) for designs without a
  special structure (latin hypercube, Monte Carlo), fitted by ordinary least squares on ranks with
  ``statsmodels``; its R^2 says how far a monotone additive picture can be trusted;
- :func:`sensitivity` -- picks one of the three from the sampler that made the design;
- :func:`rank_inputs` -- "which estimates move the forecast most": inputs sorted by influence, with
  their kind (estimate, road-map range, fitted, user) and range, and negligible ones flagged;
- :func:`ranking_dependence` -- whether the ranking of two levers run on the same samples depends on
  the inputs, and on which: the indices of ``Y_A - Y_B`` and of ``Y_A beats Y_B``;
- :func:`prim_boxes` -- PRIM scenario discovery (EMA Workbench): boxes of the input space where a
  case of interest (e.g. "step freeze fails") is concentrated;
- :func:`signposts` -- each box in plain sentences: the inputs to watch and their trigger values.

Missing outcome values (NaN, e.g. a time never reached) cannot be left out of a Sobol or Morris
design without breaking it: those analyses refuse them unless the caller names a fill value (an
honest one, such as the horizon for "never reached"), and record how many were filled. Regression
and PRIM drop the rows with a warning and record how many.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from detente._random import child_sequence
from detente._types import SeedLike
from detente.errors import InputError, ModelError, ParameterError

__all__ = [
    "BoxLimit",
    "InputInfo",
    "MorrisResult",
    "PrimResult",
    "RankedInput",
    "RankingDependence",
    "RegressionResult",
    "ScenarioBox",
    "SensitivityResult",
    "SobolResult",
    "morris_indices",
    "prim_boxes",
    "rank_inputs",
    "rank_regression",
    "ranking_dependence",
    "sensitivity",
    "signposts",
    "sobol_indices",
]

InputKind = Literal["estimate", "range", "fitted", "user"]

KIND_LABELS: dict[str, str] = {
    "estimate": "analyst's estimate",
    "range": "road-map number (analyst's range)",
    "fitted": "fitted to event data",
    "user": "set by the user",
}
"""How each kind of input is named in tables and sentences."""

SOBOL_NEGLIGIBLE = 0.01
"""A total Sobol index below this (1% of the outcome's variance) counts as negligible."""

MORRIS_NEGLIGIBLE = 0.05
"""A Morris mu* below this share of the largest mu* counts as negligible."""

SRRC_NEGLIGIBLE = 0.1
"""An |SRRC| below this (SRRC^2 < 1% of the variance of ranks) counts as negligible."""

SRRC_MIN_R2 = 0.7
"""Below this R^2 of the rank regression, SRRC rankings are flagged as unreliable."""


# --------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class InputInfo:
    """What an analyst needs to know about one uncertain input, for tables and signposts.

    Attributes
    ----------
    name : str
        The input's name, as in the design's column order.
    kind : {"estimate", "range", "fitted", "user"}
        ``estimate``: an analyst's estimate of a stance; ``range``: a road-map number with an
        analyst's range; ``fitted``: a number fitted to event data; ``user``: set by the user.
    low, high : float or None
        The sampled range (natural scale); ``None`` when unknown.
    choices : tuple of str or None
        For a categorical input, its choices: the design holds integer codes into this tuple.
    baseline : float, str or None
        The value the forecast uses now (a signpost reports it as "now ...").
    target : str or None
        What the input is about (e.g. ``"stances[3].position"``).
    rationale : str or None
        Why the range is what it is.
    """

    name: str
    kind: InputKind = "user"
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    baseline: float | str | None = None
    target: str | None = None
    rationale: str | None = None

    def range_text(self) -> str:
        """The sampled range as text: ``"0.1 to 0.5"``, ``"a, b or c"`` or ``""`` when unknown."""
        if self.choices:
            return ", ".join(self.choices[:-1]) + (" or " if len(self.choices) > 1 else "") + self.choices[-1]
        if self.low is None or self.high is None:
            return ""
        return f"{self.low:.3g} to {self.high:.3g}"


def _info_map(inputs: Sequence[InputInfo] | Mapping[str, InputInfo] | None) -> dict[str, InputInfo]:
    if inputs is None:
        return {}
    if isinstance(inputs, Mapping):
        return dict(inputs)
    return {i.name: i for i in inputs}


# ---------------------------------------------------------------------------------- sensitivity


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """What every sensitivity analysis of one (lever, outcome) reports.

    Attributes
    ----------
    lever : str
        The lever (policy, package, coalition) the outcome was computed under; ``""`` if none.
    outcome : str
        The outcome analysed (e.g. ``"P(complete)"`` or ``"reach interim by round 12"``).
    names : tuple of str
        Input names, in the design's column order.
    sampler : str
        The sampler that made the design (``sobol``, ``morris``, ``latin``, ``monte-carlo``).
    n_runs : int
        Model runs analysed (rows of the design actually used).
    conf_level : float
        Confidence level of the intervals (0.95).
    warnings : tuple of str
        Convergence and reliability warnings, each a sentence that says what to do.
    n_missing : int
        Outcome values that were NaN: filled with ``fill_value`` (Sobol, Morris) or dropped (others).
    fill_value : float or None
        The value NaNs were replaced with, if any.
    """

    method: ClassVar[str] = ""
    measure: ClassVar[str] = ""
    """Name of the index inputs are ranked by (``ST``, ``mu*``, ``|SRRC|``)."""

    lever: str
    outcome: str
    names: tuple[str, ...]
    sampler: str
    n_runs: int
    conf_level: float
    warnings: tuple[str, ...]
    n_missing: int
    fill_value: float | None

    @property
    def influence(self) -> np.ndarray:
        """The ranking index per input (larger moves the outcome more)."""
        raise NotImplementedError

    @property
    def influence_interval(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper ends of the ranking index's confidence interval, per input."""
        raise NotImplementedError

    @property
    def negligible(self) -> np.ndarray:
        """Boolean per input: its influence is negligible (see each method's rule)."""
        raise NotImplementedError

    def order(self) -> np.ndarray:
        """Input indices from most to least influential (ties keep the design's order)."""
        return np.argsort(-np.nan_to_num(self.influence, nan=-np.inf), kind="stable")

    def rows(self) -> list[dict[str, Any]]:
        """One dict per input, most influential first (for tables and CSV)."""
        raise NotImplementedError

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the result (NaN becomes ``None``)."""
        return {
            "method": self.method,
            "measure": self.measure,
            "lever": self.lever,
            "outcome": self.outcome,
            "sampler": self.sampler,
            "n_runs": self.n_runs,
            "conf_level": self.conf_level,
            "n_missing": self.n_missing,
            "fill_value": self.fill_value,
            "warnings": list(self.warnings),
            "inputs": [{k: _json(v) for k, v in r.items()} for r in self.rows()],
        }


def _json(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


@dataclass(frozen=True, eq=False)
class SobolResult(SensitivityResult):
    """First-order and total Sobol indices of one outcome, with bootstrap intervals.

    ``S1[i]`` is the share of the outcome's variance explained by input ``i`` alone; ``ST[i]`` the
    share that involves input ``i`` at all (alone or through interactions): ``ST[i] ~ 0`` means the
    input could be fixed anywhere in its range without changing the outcome's distribution.
    ``*_conf`` are half-widths of the ``conf_level`` bootstrap intervals (SALib's convention).

    Attributes
    ----------
    n_base : int
        The base sample size N of the Saltelli design (runs = N (d + 2), or N (2d + 2) with S2).
    S1, S1_conf, ST, ST_conf : ndarray
        Indices and interval half-widths per input.
    S2, S2_conf : ndarray or None
        Second-order indices (d x d, upper triangle) when the design has them.
    """

    method: ClassVar[str] = "sobol"
    measure: ClassVar[str] = "ST"

    n_base: int
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    S2: np.ndarray | None = None
    S2_conf: np.ndarray | None = None
    threshold: float = SOBOL_NEGLIGIBLE

    @property
    def influence(self) -> np.ndarray:  # noqa: D102
        return self.ST

    @property
    def influence_interval(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: D102
        return self.ST - self.ST_conf, self.ST + self.ST_conf

    @property
    def negligible(self) -> np.ndarray:
        """ST below ``threshold`` (1% of the variance) or its interval reaching zero."""
        return (self.ST - self.threshold < 0) | (self.ST - self.ST_conf <= 0)

    def rows(self) -> list[dict[str, Any]]:  # noqa: D102
        neg = self.negligible
        return [
            {
                "input": self.names[i],
                "ST": float(self.ST[i]),
                "ST_conf": float(self.ST_conf[i]),
                "S1": float(self.S1[i]),
                "S1_conf": float(self.S1_conf[i]),
                "negligible": bool(neg[i]),
            }
            for i in self.order()
        ]


@dataclass(frozen=True, eq=False)
class MorrisResult(SensitivityResult):
    """Morris screening of one outcome: elementary effects over one-at-a-time trajectories.

    ``mu_star`` (mean absolute elementary effect, in outcome units per unit of the input's range
    scaled to [0, 1]) ranks inputs by overall influence; ``sigma`` (their standard deviation) large
    against ``mu_star`` signals interactions or non-linearity; ``mu`` with a sign says the direction
    when effects do not change sign. Cheap (r (d + 1) runs), for screening many inputs.

    Attributes
    ----------
    n_trajectories : int
        Trajectories r in the design.
    mu, mu_star, mu_star_conf, sigma : ndarray
        Per input; ``mu_star_conf`` is the half-width of the bootstrap interval of ``mu_star``.
    """

    method: ClassVar[str] = "morris"
    measure: ClassVar[str] = "mu*"

    n_trajectories: int
    mu: np.ndarray
    mu_star: np.ndarray
    mu_star_conf: np.ndarray
    sigma: np.ndarray
    threshold: float = MORRIS_NEGLIGIBLE

    @property
    def influence(self) -> np.ndarray:  # noqa: D102
        return self.mu_star

    @property
    def influence_interval(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: D102
        return self.mu_star - self.mu_star_conf, self.mu_star + self.mu_star_conf

    @property
    def negligible(self) -> np.ndarray:
        """mu* below ``threshold`` times the largest mu*."""
        top = float(np.nanmax(self.mu_star)) if self.mu_star.size else 0.0
        return self.mu_star <= self.threshold * top

    def rows(self) -> list[dict[str, Any]]:  # noqa: D102
        neg = self.negligible
        return [
            {
                "input": self.names[i],
                "mu_star": float(self.mu_star[i]),
                "mu_star_conf": float(self.mu_star_conf[i]),
                "mu": float(self.mu[i]),
                "sigma": float(self.sigma[i]),
                "negligible": bool(neg[i]),
            }
            for i in self.order()
        ]


@dataclass(frozen=True, eq=False)
class RegressionResult(SensitivityResult):
    """Standardized rank regression coefficients (SRRC) of one outcome, for any sample.

    Inputs and outcome are replaced by their ranks, standardized, and the outcome's ranks regressed
    on the inputs' ranks by ordinary least squares. ``srrc[i]`` is the change of the outcome's rank
    (in standard deviations) per standard deviation of input ``i``'s rank, the others held fixed;
    its sign gives the direction. When the inputs are independent ``srrc[i]**2`` is the share of the
    variance of ranks that input ``i`` explains, and ``r2`` says how much of it the monotone additive
    picture explains in all: below 0.7 interactions or non-monotone effects matter and the ranking
    should be checked with a Sobol design. A categorical input enters by its code, whose order is
    arbitrary: read its SRRC only as "matters / does not".

    Attributes
    ----------
    srrc, srrc_low, srrc_high : ndarray
        Coefficients and the ends of their OLS confidence intervals.
    r2 : float
        R^2 of the rank regression.
    """

    method: ClassVar[str] = "srrc"
    measure: ClassVar[str] = "|SRRC|"

    srrc: np.ndarray
    srrc_low: np.ndarray
    srrc_high: np.ndarray
    r2: float
    threshold: float = SRRC_NEGLIGIBLE

    @property
    def influence(self) -> np.ndarray:  # noqa: D102
        return np.abs(self.srrc)

    @property
    def influence_interval(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: D102
        lo, hi = self.srrc_low, self.srrc_high
        crosses = (lo <= 0) & (hi >= 0)
        low = np.where(crosses, 0.0, np.minimum(np.abs(lo), np.abs(hi)))
        return low, np.maximum(np.abs(lo), np.abs(hi))

    @property
    def negligible(self) -> np.ndarray:
        """|SRRC| below ``threshold`` or its interval containing zero."""
        return (np.abs(self.srrc) < self.threshold) | ((self.srrc_low <= 0) & (self.srrc_high >= 0))

    def rows(self) -> list[dict[str, Any]]:  # noqa: D102
        neg = self.negligible
        return [
            {
                "input": self.names[i],
                "SRRC": float(self.srrc[i]),
                "SRRC_low": float(self.srrc_low[i]),
                "SRRC_high": float(self.srrc_high[i]),
                "negligible": bool(neg[i]),
            }
            for i in self.order()
        ]

    def to_json_dict(self) -> dict[str, Any]:  # noqa: D102
        return {**super().to_json_dict(), "r2": _json(self.r2)}


def _salib_seed(seed: SeedLike, *keys: int | str) -> int:
    """A positive int seed for SALib from our seed and keys (SALib ignores a seed of 0)."""
    return int(child_sequence(seed, *keys).generate_state(1, dtype=np.uint32)[0]) + 1


def _problem(problem: Mapping[str, Any], d: int | None = None) -> dict[str, Any]:
    """A copy of a SALib problem dict, checked (SALib adds keys to the dict it is given)."""
    try:
        names = list(problem["names"])
        num_vars = int(problem.get("num_vars", len(names)))
    except (KeyError, TypeError) as exc:
        raise ParameterError(
            "the problem is not a SALib problem dict",
            where="problem",
            fix="pass {'num_vars': d, 'names': [...], 'bounds': [[low, high], ...]}",
        ) from exc
    if num_vars != len(names):
        raise ParameterError(
            f"num_vars is {num_vars} but {len(names)} names are given", where="problem", fix="make them agree"
        )
    if d is not None and d != num_vars:
        raise InputError(
            f"the design has {d} columns but the problem names {num_vars} inputs",
            where="X",
            fix="pass X with one column per input, in the problem's order",
        )
    out = {k: (list(v) if isinstance(v, list | tuple) else v) for k, v in problem.items()}
    out["num_vars"] = num_vars
    out["names"] = names
    out.pop("groups", None)
    return out


def _outcome(Y: Any, where: str = "Y") -> np.ndarray:
    y = np.asarray(Y, dtype=float)
    if y.ndim != 1:
        raise InputError(f"the outcome has shape {y.shape}, not (n,)", where=where, fix="pass a 1-d array")
    return y


def _fill(y: np.ndarray, fill_value: float | None, method: str, label: str) -> tuple[np.ndarray, int]:
    """Refuse NaN outcomes for a structured design, or fill them with the caller's value."""
    missing = int(np.isnan(y).sum())
    if missing and fill_value is None:
        raise ModelError(
            f"{missing} of {y.size} values of {label} are missing (NaN); a {method} design needs every run",
            where="Y",
            fix="pass fill_value= a value that means the same thing (e.g. the horizon for a time never "
            "reached), or analyse an indicator (reached / not reached) instead",
        )
    if missing:
        y = np.where(np.isnan(y), float(fill_value), y)  # type: ignore[arg-type]
    return y, missing


def _label(lever: str, outcome: str) -> str:
    return f"'{outcome}'" + (f" under '{lever}'" if lever else "")


def sobol_indices(
    problem: Mapping[str, Any],
    Y: Any,
    *,
    second_order: bool | None = None,
    seed: SeedLike = 0,
    lever: str = "",
    outcome: str = "",
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    fill_value: float | None = None,
    threshold: float = SOBOL_NEGLIGIBLE,
) -> SobolResult:
    """First-order and total Sobol indices of an outcome from a Saltelli design.

    Rests on :func:`SALib.analyze.sobol.analyze` (Saltelli 2010 / Jansen estimators, bootstrap
    intervals). The outcome must be in the order of ``SALib.sample.sobol.sample``.

    Parameters
    ----------
    problem : mapping
        The SALib problem dict the design was drawn from (``num_vars``, ``names``, ``bounds``).
    Y : array of shape (n,)
        The outcome per run, in sampler order.
    second_order : bool, optional
        Whether the design included second-order rows (``calc_second_order``); inferred from
        ``n`` when not given (``n`` divisible by ``2d + 2`` but not ``d + 2`` means yes).
    seed : int
        Seeds the bootstrap resamples (with ``lever`` and ``outcome`` as keys).
    lever, outcome : str
        Labels for tables and messages.
    num_resamples : int
        Bootstrap resamples for the intervals.
    conf_level : float
        Confidence level of the intervals.
    fill_value : float, optional
        Replaces NaN outcomes; without it a NaN raises :class:`~detente.errors.ModelError`.
    threshold : float
        ST below this counts as negligible.

    Returns
    -------
    SobolResult
        With a convergence warning when the intervals are wide against the indices.
    """
    p = _problem(problem)
    d = p["num_vars"]
    y = _outcome(Y)
    n = y.size
    if second_order is None:
        second_order = n % (2 * d + 2) == 0 and n % (d + 2) != 0
    step = 2 * d + 2 if second_order else d + 2
    if n == 0 or n % step:
        raise InputError(
            f"{n} outcome values do not fit a Saltelli design of {d} inputs "
            f"({'with' if second_order else 'without'} second order: a multiple of {step})",
            where="Y",
            fix="pass the outcomes of every run of SALib.sample.sobol.sample, in its order, "
            "and say whether it had second-order rows",
        )
    label = _label(lever, outcome)
    y, missing = _fill(y, fill_value, "Sobol", label)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant outcome: 0/0, reported below
        si = _salib_sobol(
            p, y, second_order, num_resamples, conf_level, _salib_seed(seed, "sobol", lever, outcome)
        )
    res = SobolResult(
        lever=lever,
        outcome=outcome,
        names=tuple(p["names"]),
        sampler="sobol",
        n_runs=n,
        conf_level=conf_level,
        warnings=(),
        n_missing=missing,
        fill_value=fill_value if missing else None,
        n_base=n // step,
        S1=np.asarray(si["S1"], dtype=float),
        S1_conf=np.asarray(si["S1_conf"], dtype=float),
        ST=np.asarray(si["ST"], dtype=float),
        ST_conf=np.asarray(si["ST_conf"], dtype=float),
        S2=np.asarray(si["S2"], dtype=float) if second_order else None,
        S2_conf=np.asarray(si["S2_conf"], dtype=float) if second_order else None,
        threshold=threshold,
    )
    notes = list(_sobol_warnings(res, y))
    if missing:
        notes.append(f"{missing} missing values of {label} were set to {fill_value:g} before the analysis.")
    return _with_warnings(res, notes)


def _salib_sobol(
    p: dict[str, Any], y: np.ndarray, second: bool, resamples: int, conf: float, seed: int
) -> Mapping[str, Any]:
    from SALib.analyze import sobol

    return sobol.analyze(p, y, calc_second_order=second, num_resamples=resamples, conf_level=conf, seed=seed)


def _with_warnings(res: Any, notes: Sequence[str]) -> Any:
    object.__setattr__(res, "warnings", tuple(res.warnings) + tuple(notes))
    return res


def _sobol_warnings(res: SobolResult, y: np.ndarray, tol: float = 0.1) -> list[str]:
    """Convergence checks: wide ST intervals, S1 summing above 1, S1 negative beyond its interval."""
    label = _label(res.lever, res.outcome)
    more = f"increase the base sample n (now {res.n_base}); interval widths shrink like 1/sqrt(n)"
    if float(np.nanstd(y)) == 0.0:
        return [f"{label} does not vary over the sample, so it has no sensitivity to any input."]
    problems = []
    wide = [res.names[i] for i in range(len(res.names)) if res.ST_conf[i] > 0.1]
    top = res.order()[: min(3, len(res.names))]
    loose = [res.names[i] for i in top if res.ST[i] > 0 and res.ST_conf[i] > 0.5 * res.ST[i]]
    if wide:
        problems.append("ST intervals wider than +/-0.1 for " + ", ".join(wide))
    if loose:
        problems.append("ST intervals wider than half the index for " + ", ".join(loose))
    s1_sum = float(np.nansum(res.S1))
    s1_err = float(np.sqrt(np.nansum(res.S1_conf**2)))
    if s1_sum - s1_err > 1 + tol:
        problems.append(f"first-order indices sum to {s1_sum:.2f} (> 1)")
    neg = [res.names[i] for i in range(len(res.names)) if res.S1[i] + res.S1_conf[i] < -tol / 2]
    if neg:
        problems.append("first-order indices negative beyond their interval for " + ", ".join(neg))
    if not problems:
        return []
    return [f"Sobol indices of {label} have not converged: " + "; ".join(problems) + f". To fix: {more}."]


def morris_indices(
    problem: Mapping[str, Any],
    X: Any,
    Y: Any,
    *,
    num_levels: int = 4,
    seed: SeedLike = 0,
    lever: str = "",
    outcome: str = "",
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    fill_value: float | None = None,
    threshold: float = MORRIS_NEGLIGIBLE,
) -> MorrisResult:
    """Morris screening (mu*, its interval, sigma) of an outcome from a Morris design.

    Rests on :func:`SALib.analyze.morris.analyze`; ``X`` and ``Y`` are in the order of
    ``SALib.sample.morris.sample`` (r trajectories of d + 1 runs each). Use it to screen many inputs
    cheaply; follow up the influential ones with a Sobol design.

    Parameters
    ----------
    problem : mapping
        The SALib problem dict the design was drawn from.
    X : array of shape (n, d)
        The design, natural scale.
    Y : array of shape (n,)
        The outcome per run.
    num_levels : int
        The grid levels the design used (must match the sampler's ``num_levels``).
    seed, lever, outcome, num_resamples, conf_level, fill_value :
        As for :func:`sobol_indices`.
    threshold : float
        mu* below ``threshold`` times the largest counts as negligible.

    Returns
    -------
    MorrisResult
        With a warning when the intervals of the top inputs are wider than half of their mu*.
    """
    x = np.asarray(X, dtype=float)
    p = _problem(problem, x.shape[1] if x.ndim == 2 else None)
    d = p["num_vars"]
    y = _outcome(Y)
    if x.ndim != 2 or x.shape[0] != y.size or y.size == 0 or y.size % (d + 1):
        raise InputError(
            f"X {x.shape} and Y {y.shape} do not form a Morris design of {d} inputs "
            f"(runs a multiple of {d + 1})",
            where="X, Y",
            fix="pass every run of SALib.sample.morris.sample, in its order",
        )
    label = _label(lever, outcome)
    y, missing = _fill(y, fill_value, "Morris", label)
    from SALib.analyze import morris

    si = morris.analyze(
        p,
        x,
        y,
        num_resamples=num_resamples,
        conf_level=conf_level,
        num_levels=num_levels,
        seed=_salib_seed(seed, "morris", lever, outcome),
    )
    res = MorrisResult(
        lever=lever,
        outcome=outcome,
        names=tuple(p["names"]),
        sampler="morris",
        n_runs=y.size,
        conf_level=conf_level,
        warnings=(),
        n_missing=missing,
        fill_value=fill_value if missing else None,
        n_trajectories=y.size // (d + 1),
        mu=np.asarray(si["mu"], dtype=float),
        mu_star=np.asarray(si["mu_star"], dtype=float),
        mu_star_conf=np.asarray(si["mu_star_conf"], dtype=float),
        sigma=np.asarray(si["sigma"], dtype=float),
        threshold=threshold,
    )
    notes = []
    top = [i for i in res.order()[:3] if res.mu_star[i] > 0]
    loose = [res.names[i] for i in top if res.mu_star_conf[i] > 0.5 * res.mu_star[i]]
    if loose:
        notes.append(
            f"Morris screening of {label} is imprecise: mu* intervals wider than half of mu* for "
            + ", ".join(loose)
            + f". To fix: use more trajectories (now {res.n_trajectories})."
        )
    if missing:
        notes.append(f"{missing} missing values of {label} were set to {fill_value:g} before the analysis.")
    return _with_warnings(res, notes)


def rank_regression(
    X: Any,
    Y: Any,
    *,
    names: Sequence[str],
    sampler: str = "latin",
    lever: str = "",
    outcome: str = "",
    conf_level: float = 0.95,
    threshold: float = SRRC_NEGLIGIBLE,
) -> RegressionResult:
    """Standardized rank regression coefficients (SRRC) of an outcome, for any sample.

    For latin hypercube or Monte Carlo designs, which have no structure for Sobol or Morris. The
    ranks of ``Y`` are regressed on the ranks of the columns of ``X`` (all standardized) by OLS with
    :class:`statsmodels.regression.linear_model.OLS`; intervals are the OLS confidence intervals of the
    coefficients. Rows with a NaN outcome are dropped (with a :class:`UserWarning`). Deterministic: no
    seed is needed.

    Parameters
    ----------
    X : array of shape (n, d)
        Inputs, natural scale (categorical inputs as integer codes).
    Y : array of shape (n,)
        The outcome per run.
    names : sequence of str
        Input names, one per column.
    sampler, lever, outcome : str
        Labels.
    conf_level : float
        Confidence level of the intervals.
    threshold : float
        |SRRC| below this counts as negligible.

    Returns
    -------
    RegressionResult
        With a warning when R^2 < 0.7 (the ranking then misses interactions or non-monotone effects).
    """
    import statsmodels.api as sm
    from scipy.stats import rankdata

    x = np.asarray(X, dtype=float)
    y = _outcome(Y)
    names = tuple(names)
    if x.ndim != 2 or x.shape != (y.size, len(names)):
        raise InputError(
            f"X has shape {x.shape}, Y {y.shape} and {len(names)} names are given",
            where="X, Y, names",
            fix="pass X of shape (n, d), Y of shape (n,) and d names",
        )
    label = _label(lever, outcome)
    keep = ~np.isnan(y) & ~np.isnan(x).any(axis=1)
    dropped = int((~keep).sum())
    notes = []
    if dropped:
        msg = (
            f"{dropped} of {y.size} runs of {label} have a missing value and were left out of the regression."
        )
        warnings.warn(msg, UserWarning, stacklevel=2)
        notes.append(msg)
    x, y = x[keep], y[keep]
    if y.size < len(names) + 3:
        raise ModelError(
            f"only {y.size} complete runs of {label} for {len(names)} inputs",
            where="Y",
            fix="run more samples (at least ten per input)",
        )

    def z(a: np.ndarray) -> np.ndarray:
        r = rankdata(a, axis=0)
        sd = r.std(axis=0)
        return (r - r.mean(axis=0)) / np.where(sd > 0, sd, 1.0)

    zx, zy = z(x), z(y)
    d = len(names)
    if float(np.std(y)) == 0.0:
        zero = np.zeros(d)
        notes.append(f"{label} does not vary over the sample, so it has no sensitivity to any input.")
        srrc, low, high, r2 = zero, zero, zero, 0.0
    else:
        fit = sm.OLS(zy, zx).fit()
        ci = np.asarray(fit.conf_int(alpha=1 - conf_level))
        srrc, low, high = np.asarray(fit.params), ci[:, 0], ci[:, 1]
        r2 = float(fit.rsquared)
        if r2 < SRRC_MIN_R2:
            notes.append(
                f"The rank regression explains only {r2:.0%} of the variance of the ranks of {label}: "
                "interactions or non-monotone effects matter, so the SRRC ranking may mislead. "
                "To fix: run a Sobol design."
            )
    return RegressionResult(
        lever=lever,
        outcome=outcome,
        names=names,
        sampler=sampler,
        n_runs=int(y.size),
        conf_level=conf_level,
        warnings=tuple(notes),
        n_missing=dropped,
        fill_value=None,
        srrc=srrc,
        srrc_low=low,
        srrc_high=high,
        r2=r2,
        threshold=threshold,
    )


def sensitivity(
    problem: Mapping[str, Any],
    sampler: str,
    X: Any,
    Y: Any,
    *,
    seed: SeedLike = 0,
    lever: str = "",
    outcome: str = "",
    fill_value: float | None = None,
    second_order: bool | None = None,
    num_levels: int = 4,
) -> SensitivityResult:
    """The sensitivity analysis that fits the design: Sobol, Morris, or rank regression.

    ``sobol`` -> :func:`sobol_indices`; ``morris`` -> :func:`morris_indices`; ``latin`` and
    ``monte-carlo`` -> :func:`rank_regression` (NaN rows dropped there; ``fill_value`` applies to
    the structured designs only).
    """
    if sampler == "sobol":
        return sobol_indices(
            problem,
            Y,
            second_order=second_order,
            seed=seed,
            lever=lever,
            outcome=outcome,
            fill_value=fill_value,
        )
    if sampler == "morris":
        return morris_indices(
            problem,
            X,
            Y,
            num_levels=num_levels,
            seed=seed,
            lever=lever,
            outcome=outcome,
            fill_value=fill_value,
        )
    if sampler in ("latin", "monte-carlo"):
        return rank_regression(
            X, Y, names=_problem(problem)["names"], sampler=sampler, lever=lever, outcome=outcome
        )
    raise ParameterError(
        f"unknown sampler {sampler!r}", where="sampler", fix="use sobol, morris, latin or monte-carlo"
    )


# ------------------------------------------------------------------------------------ ranking


@dataclass(frozen=True)
class RankedInput:
    """One row of "which estimates move the forecast most".

    Attributes
    ----------
    rank : int
        1 for the most influential input.
    name, kind, range : str
        The input, its kind (see :data:`KIND_LABELS`) and its sampled range as text.
    measure : str
        The ranking index (``ST``, ``mu*``, ``|SRRC|``).
    value, low, high : float
        The index and its interval.
    secondary : str
        A second figure as text (``S1 0.31 [0.25, 0.37]``, ``sigma 1.2``, ``SRRC -0.45``).
    negligible : bool
        The input's influence is negligible (it could be fixed at its baseline).
    rationale : str
        Why the input's range is what it is, if given.
    """

    rank: int
    name: str
    kind: str
    range: str
    measure: str
    value: float
    low: float
    high: float
    secondary: str
    negligible: bool
    rationale: str = ""

    def row(self) -> dict[str, Any]:
        """The row as a dict of display strings (for :func:`detente.report.html.html_table`)."""
        return {
            "rank": self.rank,
            "input": self.name,
            "kind": KIND_LABELS.get(self.kind, self.kind),
            "range": self.range,
            self.measure: f"{self.value:.3g} [{self.low:.3g}, {self.high:.3g}]",
            "also": self.secondary,
            "negligible": "yes" if self.negligible else "",
            "basis of the range": self.rationale,
        }


def rank_inputs(
    result: SensitivityResult, inputs: Sequence[InputInfo] | Mapping[str, InputInfo] | None = None
) -> list[RankedInput]:
    """Inputs sorted by how much they move the outcome, with their kind and range.

    Parameters
    ----------
    result : SensitivityResult
        A Sobol, Morris or rank-regression result.
    inputs : sequence or mapping of InputInfo, optional
        Metadata per input name; unknown inputs are shown as kind ``user`` with no range.

    Returns
    -------
    list of RankedInput
        Most influential first; negligible inputs flagged.
    """
    info = _info_map(inputs)
    low, high = result.influence_interval
    neg = result.negligible
    out = []
    for rank, i in enumerate(result.order(), start=1):
        name = result.names[i]
        meta = info.get(name, InputInfo(name))
        if isinstance(result, SobolResult):
            second = (
                f"S1 {result.S1[i]:.3g} [{result.S1[i] - result.S1_conf[i]:.3g}, "
                f"{result.S1[i] + result.S1_conf[i]:.3g}]"
            )
        elif isinstance(result, MorrisResult):
            second = f"mu {result.mu[i]:.3g}, sigma {result.sigma[i]:.3g}"
        elif isinstance(result, RegressionResult):
            second = f"SRRC {result.srrc[i]:+.3g}"
        else:
            second = ""
        out.append(
            RankedInput(
                rank=rank,
                name=name,
                kind=meta.kind,
                range=meta.range_text(),
                measure=result.measure,
                value=float(result.influence[i]),
                low=float(low[i]),
                high=float(high[i]),
                secondary=second,
                negligible=bool(neg[i]),
                rationale=meta.rationale or "",
            )
        )
    return out


# --------------------------------------------------------------------------- ranking dependence


@dataclass(frozen=True, eq=False)
class RankingDependence:
    """Whether, and on which inputs, the ranking of two levers depends.

    Both levers ran on the same input samples. ``difference`` analyses ``Y_A - Y_B`` (how much
    the margin between them moves), ``indicator`` analyses ``1 if A beats B else 0`` (what decides
    which one wins).

    Attributes
    ----------
    lever_a, lever_b, outcome : str
        The two levers and the outcome compared.
    higher_is_better : bool
        Whether A beats B when its outcome is higher (else lower).
    share_a_better : float
        Share of samples in which A beats B (ties count as not beating).
    share_low, share_high : float
        95% Wilson interval of that share.
    n_ties : int
        Samples where the two are equal.
    difference : SensitivityResult
        Indices of ``Y_A - Y_B``.
    indicator : SensitivityResult or None
        Indices of the indicator; ``None`` when A always or never wins (nothing to explain).
    """

    lever_a: str
    lever_b: str
    outcome: str
    higher_is_better: bool
    share_a_better: float
    share_low: float
    share_high: float
    n_ties: int
    difference: SensitivityResult
    indicator: SensitivityResult | None

    @property
    def decisive(self) -> list[str]:
        """Inputs that decide which lever wins: non-negligible for the indicator, most first."""
        res = self.indicator if self.indicator is not None else None
        if res is None:
            return []
        neg = res.negligible
        return [res.names[i] for i in res.order() if not neg[i]]

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the result."""
        return {
            "lever_a": self.lever_a,
            "lever_b": self.lever_b,
            "outcome": self.outcome,
            "higher_is_better": self.higher_is_better,
            "share_a_better": self.share_a_better,
            "share_interval": [self.share_low, self.share_high],
            "n_ties": self.n_ties,
            "decisive": self.decisive,
            "difference": self.difference.to_json_dict(),
            "indicator": None if self.indicator is None else self.indicator.to_json_dict(),
        }


def _wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return float(lo), float(hi)


def ranking_dependence(
    problem: Mapping[str, Any],
    sampler: str,
    X: Any,
    Y_a: Any,
    Y_b: Any,
    *,
    lever_a: str,
    lever_b: str,
    outcome: str,
    higher_is_better: bool = True,
    seed: SeedLike = 0,
    fill_value: float | None = None,
    second_order: bool | None = None,
    num_levels: int = 4,
) -> RankingDependence:
    """Whether the ranking of two levers depends on the inputs, and on which ones.

    Analyses ``Y_A - Y_B`` and the indicator "A beats B" with :func:`sensitivity` (Sobol, Morris or
    rank regression, as the design allows) and counts the share of samples in which A beats B. The
    two outcome arrays must come from the same input samples, in the same order.

    Parameters
    ----------
    problem, sampler, X :
        The design, as for :func:`sensitivity`.
    Y_a, Y_b : array of shape (n,)
        The outcome under lever A and lever B, run on the same samples.
    lever_a, lever_b, outcome : str
        Labels.
    higher_is_better : bool
        A beats B when ``Y_A > Y_B`` (``True``) or ``Y_A < Y_B`` (``False``).
    seed, fill_value, second_order, num_levels :
        As for :func:`sensitivity`; ``fill_value`` fills NaN outcomes of both levers before the
        comparison (structured designs).

    Returns
    -------
    RankingDependence
    """
    a, b = _outcome(Y_a, "Y_a"), _outcome(Y_b, "Y_b")
    if a.shape != b.shape:
        raise InputError(
            f"the two levers have {a.size} and {b.size} runs",
            where="Y_a, Y_b",
            fix="pass the outcomes of both levers on the same samples",
        )
    if fill_value is not None:
        a = np.where(np.isnan(a), fill_value, a)
        b = np.where(np.isnan(b), fill_value, b)
    diff = a - b
    known = ~np.isnan(diff)
    wins = (diff > 0) if higher_is_better else (diff < 0)
    indicator = np.where(known, wins.astype(float), np.nan)
    k, n = int(wins[known].sum()), int(known.sum())
    ties = int((diff[known] == 0).sum())
    label = f"{outcome}: {lever_a} - {lever_b}"
    res_diff = sensitivity(
        problem, sampler, X, diff, seed=seed, lever="", outcome=label,
        second_order=second_order, num_levels=num_levels,
    )  # fmt: skip
    res_ind = None
    if 0 < k < n:
        res_ind = sensitivity(
            problem, sampler, X, indicator, seed=seed, lever="",
            outcome=f"{outcome}: {lever_a} beats {lever_b}", second_order=second_order, num_levels=num_levels,
        )  # fmt: skip
    lo, hi = _wilson(k, n)
    return RankingDependence(
        lever_a=lever_a,
        lever_b=lever_b,
        outcome=outcome,
        higher_is_better=higher_is_better,
        share_a_better=k / n if n else float("nan"),
        share_low=lo,
        share_high=hi,
        n_ties=ties,
        difference=res_diff,
        indicator=res_ind,
    )


# ------------------------------------------------------------------------------------------ PRIM


@dataclass(frozen=True)
class BoxLimit:
    """One restricted input of a PRIM box.

    Attributes
    ----------
    name : str
        The input.
    low, high : float or None
        The box's limits on a numeric input; ``None`` on a side that is not restricted.
    choices : tuple of str or None
        For a categorical input, the choices inside the box.
    full_low, full_high : float or None
        The input's range over the whole sample (numeric inputs).
    all_choices : tuple of str or None
        All choices of a categorical input.
    qp : float or None
        PRIM's quasi-p-value of the restriction (small: unlikely to be chance).
    """

    name: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    full_low: float | None = None
    full_high: float | None = None
    all_choices: tuple[str, ...] | None = None
    qp: float | None = None

    def condition(self) -> str:
        """The restriction as text: ``x < 0.3``, ``x > 0.6``, ``0.2 <= x <= 0.5``, ``x in {a, b}``."""
        if self.choices is not None:
            return f"{self.name} is " + " or ".join(self.choices)
        if self.low is not None and self.high is not None:
            return f"{self.low:.3g} < {self.name} < {self.high:.3g}"
        if self.high is not None:
            return f"{self.name} < {self.high:.3g}"
        return f"{self.name} > {self.low:.3g}"

    def contains(self, value: float | str) -> bool:
        """Whether ``value`` lies inside the box on this input."""
        if self.choices is not None:
            return str(value) in self.choices
        v = float(value)
        return (self.low is None or v >= self.low) and (self.high is None or v <= self.high)

    def trigger(self) -> str:
        """What crossing into the box looks like: ``falls below 0.3``, ``rises above 0.6``, ..."""
        if self.choices is not None:
            return "becomes " + " or ".join(self.choices)
        if self.low is not None and self.high is not None:
            return f"moves into {self.low:.3g} to {self.high:.3g}"
        if self.high is not None:
            return f"falls below {self.high:.3g}"
        return f"rises above {self.low:.3g}"


@dataclass(frozen=True)
class ScenarioBox:
    """A PRIM box: a region of the input space where the cases of interest concentrate.

    *Coverage* is the share of all cases of interest in the data that fall inside the box (how much
    of the problem the box explains). *Density* is the share of cases inside the box that are cases
    of interest (how reliably the box's conditions lead to the case). *Mass* is the share of all runs
    inside the box. A second box is searched among the runs outside the first, so its density
    counts those runs only, while its coverage is still out of all cases of interest.

    Attributes
    ----------
    index : int
        1 for the first box found.
    limits : tuple of BoxLimit
        The restricted inputs, in the design's column order.
    coverage, density, mass : float
        As above, at the chosen point of the peeling trajectory.
    n_cases, n_of_interest : int
        Runs inside the box and cases of interest among them.
    trajectory : dict of str to tuple
        The peeling-and-pasting trajectory: ``coverage``, ``density``, ``mass``, ``res_dim`` per step.
    chosen : int
        The step of the trajectory the box was taken at.
    """

    index: int
    limits: tuple[BoxLimit, ...]
    coverage: float
    density: float
    mass: float
    n_cases: int
    n_of_interest: int
    trajectory: dict[str, tuple[float, ...]]
    chosen: int

    @property
    def restricted(self) -> tuple[str, ...]:
        """Names of the restricted inputs."""
        return tuple(lim.name for lim in self.limits)

    def conditions(self) -> str:
        """The box as text: ``x1 < 0.3 and x2 > 0.6``."""
        return " and ".join(lim.condition() for lim in self.limits) or "anywhere"

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the box."""
        return {
            "index": self.index,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "n_cases": self.n_cases,
            "n_of_interest": self.n_of_interest,
            "chosen": self.chosen,
            "limits": [
                {
                    "name": lim.name,
                    "low": lim.low,
                    "high": lim.high,
                    "choices": list(lim.choices) if lim.choices is not None else None,
                    "qp": _json(lim.qp),
                }
                for lim in self.limits
            ],
            "trajectory": {k: [_json(v) for v in vs] for k, vs in self.trajectory.items()},
        }


@dataclass(frozen=True)
class PrimResult:
    """The boxes PRIM found for one case of interest.

    Attributes
    ----------
    case : str
        What counts as a case of interest, as a phrase (e.g. ``"step freeze fails"``).
    lever : str
        The lever the runs were made under (``""`` if none).
    boxes : tuple of ScenarioBox
        The boxes in the order found; empty when no box reaches the density threshold.
    n_runs, n_of_interest : int
        Runs analysed and cases of interest among them.
    threshold : float
        The density a box had to reach.
    n_dropped : int
        Runs dropped for a missing outcome or input.
    names : tuple of str
        The inputs PRIM could restrict.
    warnings : tuple of str
        Notes on the search (dropped runs, too few cases).
    """

    case: str
    lever: str
    boxes: tuple[ScenarioBox, ...]
    n_runs: int
    n_of_interest: int
    threshold: float
    n_dropped: int
    names: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def base_rate(self) -> float:
        """Share of all runs that are cases of interest (the density of the whole input space)."""
        return self.n_of_interest / self.n_runs if self.n_runs else float("nan")

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the result."""
        return {
            "case": self.case,
            "lever": self.lever,
            "n_runs": self.n_runs,
            "n_of_interest": self.n_of_interest,
            "base_rate": _json(self.base_rate),
            "threshold": self.threshold,
            "n_dropped": self.n_dropped,
            "warnings": list(self.warnings),
            "boxes": [b.to_json_dict() for b in self.boxes],
        }


def _prim_module() -> Any:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ipyparallel.*")
        from ema_workbench.analysis import prim
    return prim


def prim_boxes(
    X: Any,
    y: Any,
    *,
    names: Sequence[str],
    case: str = "the case of interest occurs",
    threshold: float | None = None,
    above: bool = True,
    density: float = 0.8,
    max_boxes: int = 3,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    choices: Mapping[str, Sequence[str]] | None = None,
    lever: str = "",
    selection: Literal["balanced", "coverage"] = "balanced",
    max_dims: int | None = 4,
    max_qp: float | None = 0.05,
) -> PrimResult:
    """PRIM scenario discovery: boxes of the input space where the case of interest concentrates.

    Rests on EMA Workbench's :class:`ema_workbench.analysis.prim.Prim` (Friedman & Fisher's patient
    rule induction: peel off thin slices of the input space that hold few cases of interest, then
    paste back slices that raise the box's quality). Boxes are found one after the other
    (``find_box``), each among the runs outside the earlier boxes, until ``max_boxes`` or until no
    box reaches the ``density`` threshold. PRIM is deterministic: no seed.

    Choosing the box on the peeling trajectory: among the steps whose density reaches ``density``,
    ``"balanced"`` takes the one nearest the ideal corner (coverage 1, density 1), trading coverage
    for density evenly; ``"coverage"`` takes the one with the highest coverage (then the highest
    density).

    Parameters
    ----------
    X : array of shape (n, d)
        Inputs, natural scale; categorical inputs as integer codes into ``choices``.
    y : array of shape (n,)
        Boolean (True = case of interest), or values compared with ``threshold``.
    names : sequence of str
        Input names, one per column.
    case : str
        The case of interest as a phrase, for sentences (``"step freeze fails"``).
    threshold : float, optional
        When ``y`` holds values: a case is ``y >= threshold`` (``above``) or ``y <= threshold``.
    above : bool
        Direction of ``threshold``.
    density : float
        The density a box must reach (PRIM's ``threshold``).
    max_boxes : int
        Most boxes to look for.
    peel_alpha, paste_alpha, mass_min : float
        PRIM's peeling and pasting fractions and the smallest box mass.
    choices : mapping of str to sequence of str, optional
        The choices of each categorical input.
    lever : str
        Label of the lever the runs were made under.
    selection : {"balanced", "coverage"}
        How the box is chosen on each peeling trajectory (above).
    max_dims : int or None
        Most inputs a box may restrict (default 4): only trajectory steps restricting at most this
        many inputs are candidates, so that a box reads as a few signposts rather than a list of
        every input nudged by peeling. ``None`` allows any number. When no dense step is that
        small, the dense steps with the fewest restrictions are the candidates.
    max_qp : float or None
        Restrictions whose quasi-p-value (PRIM's test that the restriction is not chance) exceeds
        this are dropped from the chosen box, and the box's coverage, density and mass are counted
        again for the larger box on the same runs (default 0.05; ``None`` keeps every restriction).
        Later boxes are still searched outside the box PRIM chose.

    Returns
    -------
    PrimResult
    """
    import pandas as pd

    x = np.asarray(X, dtype=float)
    names = tuple(names)
    raw = np.asarray(y)
    if x.ndim != 2 or x.shape != (raw.shape[0], len(names)) or raw.ndim != 1:
        raise InputError(
            f"X has shape {x.shape}, y {raw.shape} and {len(names)} names are given",
            where="X, y, names",
            fix="pass X of shape (n, d), y of shape (n,) and d names",
        )
    if not 0 < density <= 1:
        raise ParameterError(f"density {density} is not in (0, 1]", where="density", fix="use e.g. 0.8")
    if raw.dtype == bool:
        missing = np.zeros(raw.shape, dtype=bool)
        yb = raw
    else:
        vals = raw.astype(float)
        missing = np.isnan(vals)
        if threshold is None:
            if not set(np.unique(vals[~missing])) <= {0.0, 1.0}:
                raise ParameterError(
                    "y holds values, not cases of interest, and no threshold was given",
                    where="threshold",
                    fix="pass threshold= (a case is y >= threshold, or <= with above=False) or a boolean y",
                )
            yb = vals == 1.0
        else:
            yb = vals >= threshold if above else vals <= threshold
    missing = missing | np.isnan(x).any(axis=1)
    notes = []
    dropped = int(missing.sum())
    if dropped:
        msg = f"{dropped} of {raw.shape[0]} runs have a missing value and were left out of PRIM."
        warnings.warn(msg, UserWarning, stacklevel=2)
        notes.append(msg)
    x, yb = x[~missing], yb[~missing]
    k = int(yb.sum())
    n = int(yb.size)
    result = {"case": case, "lever": lever, "n_runs": n, "n_of_interest": k, "threshold": density}
    if k == 0 or k == n:
        notes.append(
            f"{'No' if k == 0 else 'Every'} run is a case of interest ({case}), so there is nothing to "
            "separate: no box."
        )
        return PrimResult(**result, boxes=(), n_dropped=dropped, names=names, warnings=tuple(notes))
    choices = dict(choices or {})
    frame = {}
    for j, name in enumerate(names):
        if name in choices:
            labels = tuple(str(c) for c in choices[name])
            codes = x[:, j].astype(int)
            frame[name] = pd.Categorical([labels[c] for c in codes], categories=list(labels))
        else:
            frame[name] = x[:, j]
    df = pd.DataFrame(frame)
    prim = _prim_module()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library's own deprecation notices (pandas), not ours
        p = prim.Prim(
            df,
            yb.astype(int),
            threshold=density,
            peel_alpha=peel_alpha,
            paste_alpha=paste_alpha,
            mass_min=mass_min,
        )
    boxes: list[ScenarioBox] = []
    for index in range(1, max_boxes + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = p.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory
        ok = np.flatnonzero(traj["density"].to_numpy() >= density)
        if ok.size == 0:  # PRIM returned its "dump box": nothing dense enough is left
            break
        if max_dims is not None:
            dims = traj["res_dim"].to_numpy()[ok]
            small = ok[dims <= max_dims]
            # a box an analyst can read: few restricted inputs (else the least restricted dense steps)
            ok = small if small.size else ok[dims == dims.min()]
        cov = traj["coverage"].to_numpy()[ok]
        den = traj["density"].to_numpy()[ok]
        if selection == "coverage":
            pick = ok[np.lexsort((-den, -cov))[0]]
        else:
            pick = ok[int(np.argmin((1 - cov) ** 2 + (1 - den) ** 2))]
        box.select(int(pick))
        row = traj.iloc[int(pick)]
        limits = _box_limits(box.box_lims[int(pick)], box.box_lims[0], box.qp[int(pick)], names, choices)
        coverage, dens, mass = float(row["coverage"]), float(row["density"]), float(row["mass"])
        n_in, k_in = int(row["n"]), int(row["k"])
        if max_qp is not None:
            kept = tuple(lim for lim in limits if lim.qp is None or lim.qp <= max_qp)
            if kept and len(kept) < len(limits):
                # drop restrictions that could be chance (quasi-p above max_qp); the box is then larger,
                # so its coverage and density are counted again on the same runs
                limits = kept
                inside = np.ones(len(yb), dtype=bool)
                for lim in limits:
                    col = df[lim.name].to_numpy()
                    inside &= np.fromiter((lim.contains(v) for v in col), bool, len(col))
                n_in, k_in = int(inside.sum()), int(yb[inside].sum())
                coverage, dens, mass = k_in / max(int(yb.sum()), 1), k_in / max(n_in, 1), n_in / len(yb)
        if not limits:
            break
        boxes.append(
            ScenarioBox(
                index=index,
                limits=limits,
                coverage=coverage,
                density=dens,
                mass=mass,
                n_cases=n_in,
                n_of_interest=k_in,
                trajectory={
                    col: tuple(float(v) for v in traj[col].to_numpy())
                    for col in ("coverage", "density", "mass", "res_dim")
                },
                chosen=int(pick),
            )
        )
    if not boxes:
        notes.append(f"No box reaches a density of {density:.0%} for {case}; lower the density threshold.")
    return PrimResult(**result, boxes=tuple(boxes), n_dropped=dropped, names=names, warnings=tuple(notes))


def _box_limits(
    lims: Any, init: Any, qp: Mapping[str, Any], names: Sequence[str], choices: Mapping[str, Sequence[str]]
) -> tuple[BoxLimit, ...]:
    """The restricted inputs of a PRIM box (a 2-row DataFrame of lower and upper limits)."""
    out = []
    for name in names:
        if name not in lims.columns:
            continue
        lo, hi = lims[name].iloc[0], lims[name].iloc[1]
        lo0, hi0 = init[name].iloc[0], init[name].iloc[1]
        q = qp.get(name) if qp else None
        qv = None if q is None else float(np.nanmax(np.asarray(q, dtype=float)))
        if name in choices:
            inside = set(lo)
            if inside == set(lo0):
                continue
            all_c = tuple(str(c) for c in choices[name])
            out.append(
                BoxLimit(name, choices=tuple(c for c in all_c if c in inside), all_choices=all_c, qp=qv)
            )
            continue
        lo, hi, lo0, hi0 = float(lo), float(hi), float(lo0), float(hi0)
        if lo <= lo0 and hi >= hi0:
            continue
        out.append(
            BoxLimit(
                name,
                low=lo if lo > lo0 else None,
                high=hi if hi < hi0 else None,
                full_low=lo0,
                full_high=hi0,
                qp=qv,
            )
        )
    return tuple(out)


def signposts(
    result: PrimResult, inputs: Sequence[InputInfo] | Mapping[str, InputInfo] | None = None
) -> list[str]:
    """Each PRIM box as plain sentences: where the case concentrates, and what to watch.

    Each restricted input becomes a signpost, and the box's limit on it a trigger value: e.g.
    "Step freeze fails in 78% of the cases where learning < 0.2 and monthly_cost < 1.5 (coverage
    64%, density 78%). Signposts to watch: learning (now 0.3; trigger: falls below 0.2), ...". An
    input's current value comes from its :class:`InputInfo` ``baseline`` when given; a baseline
    already inside the box is said so.

    Parameters
    ----------
    result : PrimResult
        Boxes from :func:`prim_boxes`.
    inputs : sequence or mapping of InputInfo, optional
        Baselines (current values) and kinds of the inputs.

    Returns
    -------
    list of str
        One paragraph per box; a single sentence when there is no box.
    """
    info = _info_map(inputs)
    case = result.case[:1].upper() + result.case[1:]
    under = f" under {result.lever}" if result.lever else ""
    if not result.boxes:
        return [
            f"No region of the inputs concentrates the cases where {result.case}{under} "
            f"(base rate {result.base_rate:.0%} of {result.n_runs} runs); no signposts."
        ]
    out = []
    for box in result.boxes:
        head = (
            f"{case}{under} in {box.density:.0%} of the cases where {box.conditions()} "
            f"(coverage {box.coverage:.0%}, density {box.density:.0%}; {box.n_cases} runs in the box, "
            f"against a base rate of {result.base_rate:.0%})."
        )
        posts = []
        for lim in box.limits:
            meta = info.get(lim.name)
            now = ""
            if meta is not None and meta.baseline is not None:
                b = meta.baseline
                btxt = f"{b:.3g}" if isinstance(b, int | float) else str(b)
                past = "; already inside the box" if lim.contains(b) else ""
                now = f"now {btxt}; "
                post = f"{lim.name} ({now}trigger: {lim.trigger()}{past})"
            else:
                post = f"{lim.name} (trigger: {lim.trigger()})"
            posts.append(post)
        out.append(head + " Signposts to watch: " + ", ".join(posts) + ".")
    return out
