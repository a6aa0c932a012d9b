r"""The experiment file: which numbers to vary, which levers to pull, which outcomes to watch.

An analyst's first question about a forecast is "what would change it?". An experiment file
(YAML, ``format: detente-experiment/1``) answers it as a designed sweep: **uncertainties** (inputs
drawn from distributions: stances, capabilities, road-map numbers, model parameters), **levers**
(road-map policies, packages on the table, coalitions that align) and **outcomes** (road-map
probabilities, model forecasts, package acceptance), with a **sampler** (Sobol, Morris, Latin
hypercube or plain Monte Carlo) that says how the inputs are combined::

    format: detente-experiment/1
    name: What decides the road map
    scenario: korea                 # embedded name, or a file relative to this one
    estimates: false                # no default ranges around estimated stances
    uncertainties:
      - target: stance.DPRK.nuclear.position
        distribution: uniform
        low: 80
        high: 100
        rationale: how firm is the DPRK on its arsenal?
    levers:
      policies: [engagement, pressure]
    outcomes: [roadmap.interim, roadmap.completion]
    runs_per_sample: 50
    sampler: {method: latin, n: 100}

**Defaults.** Unless switched off, every stance marked ``basis: estimate`` becomes two inputs: its
position (its own ``uncertainty`` if it has one, else uniform within ``estimates.position`` points)
and its salience (uniform within ``estimates.salience`` points), clipped to 0-100. When the
experiment runs a road map, its numbers with ``ranges`` are drawn from them (``roadmap_ranges``)
and its numbers marked ``fitted`` from a triangular law over the 95% interval of the calibration's
sampling distribution, peaked at the file's value (``fitted``). An input the file lists for the
same target replaces the default.

:func:`load_experiment` reads a file (or an embedded experiment by name) and returns an
:class:`Experiment`: the validated :class:`ExperimentSpec` with everything it refers to loaded and
resolved (inputs with their distributions, lever ids, outcome columns). A problem raises a one-line
:class:`~detente.errors.ScenarioError` naming the file, line and field, and the fix.

>>> e = loads_experiment('''
... name: toy
... scenario: ec-emissions
... estimates: false
... uncertainties:
...   - {target: stance.Germany.delay.position, distribution: uniform, low: 0, high: 20}
... outcomes: [forecast.compromise.delay]
... sampler: {method: latin, n: 8}
... ''')
>>> [i.name for i in e.inputs], e.levers, e.outcomes
(['stance.Germany.delay.position'], ('',), ('forecast.compromise.delay',))
>>> try:
...     loads_experiment('name: x\nscenario: korea\noutcome: [roadmap.interim]\n', source="x.yaml")
... except Exception as exc:
...     print(exc)
x.yaml: line 3, outcome: unknown key 'outcome' (did you mean 'outcomes'?). Fix: write 'outcomes' ...
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import types
import typing
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detente.errors import DetenteError, ScenarioError
from detente.scenario._errors import LocatedValueError, format_loc, scenario_error_from_validation, shown
from detente.scenario._fields import MAX_CAPABILITY, Identifier, Name, Text
from detente.scenario._yaml import load_yaml_with_lines
from detente.scenario.io import decode_text, read_text

if typing.TYPE_CHECKING:
    from detente.deals.package import PackageFile
    from detente.process.spec import Process
    from detente.scenario import Scenario

__all__ = [
    "EMBEDDED_EXPERIMENTS",
    "FORMAT_TAG",
    "MAX_INPUTS",
    "MAX_TASKS",
    "CoalitionLever",
    "Distribution",
    "Experiment",
    "ExperimentSpec",
    "Input",
    "Lever",
    "SamplerSpec",
    "UncertaintySpec",
    "list_experiments",
    "load_experiment",
    "loads_experiment",
    "resolve_experiment",
]

FORMAT_TAG = "detente-experiment/1"
"""Value of the ``format`` key of experiment files."""

MAX_INPUTS = 500
"""Most inputs (uncertainties, defaults included) one experiment may vary."""

MAX_TASKS = 1_000_000
"""Most tasks (sample rows x levers) one experiment may have."""

EMBEDDED_EXPERIMENTS: dict[str, str] = {
    "korea-roadmap": "korea_experiment.yaml",
    "korea-estimates": "korea_estimates.yaml",
}
"""Embedded experiment name -> its file in :mod:`detente.scenarios`."""

FITTED_SEED = 20_240_601
"""Seed of the calibration draws that give fitted numbers their 95% interval (fixed, so a spec
always resolves to the same ranges)."""

FITTED_DRAWS = 4_000
"""Calibration draws used to find a fitted number's 95% interval."""

GUIDE = "docs/experiments.md"

Dist = Literal["uniform", "triangular", "normal", "lognormal", "categorical"]
Kind = Literal["estimate", "range", "fitted", "user"]
Method = Literal["sobol", "morris", "latin", "monte-carlo"]


# --- the file -------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_FLOAT = Field(default=None, allow_inf_nan=False)
_PARAMS: dict[str, tuple[set[str], set[str]]] = {
    # distribution -> (required, optional) parameters
    "uniform": ({"low", "high"}, set()),
    "triangular": ({"low", "mode", "high"}, set()),
    "normal": ({"mean", "sd"}, {"low", "high"}),
    "lognormal": ({"median", "sigma"}, {"low", "high"}),
    "categorical": ({"choices"}, {"weights"}),
}
_ALL_PARAMS = ("low", "high", "mode", "mean", "sd", "median", "sigma", "choices", "weights")


class UncertaintySpec(_Model):
    """One uncertain input as written in the file: its target and its distribution.

    ``uniform``: ``low``, ``high``. ``triangular``: ``low``, ``mode``, ``high``. ``normal``: ``mean``,
    ``sd``, optionally truncated to ``low``/``high``. ``lognormal``: ``median`` and ``sigma`` (the
    standard deviation of the logarithm), optionally truncated. ``categorical``: ``choices`` and
    optional ``weights``. Every law is also truncated to the target's valid range.
    """

    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-\[\]*]*$",
        description="Column name of the input (default: the target).",
    )
    target: str = Field(
        min_length=1, max_length=300, description="What the input sets, e.g. stance.A.x.position"
    )
    distribution: Dist = "uniform"
    low: float | None = _FLOAT
    high: float | None = _FLOAT
    mode: float | None = _FLOAT
    mean: float | None = _FLOAT
    sd: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    median: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    sigma: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    choices: tuple[str | float, ...] | None = Field(default=None, min_length=2, max_length=1000)
    weights: tuple[float, ...] | None = None
    rationale: Text = Field(default="", description="Why this range: the analyst's reasoning.")
    source: Text = Field(default="", description="Where the range comes from (a document, a person).")

    @model_validator(mode="after")
    def _parameters(self) -> UncertaintySpec:
        required, optional = _PARAMS[self.distribution]
        given = {p for p in _ALL_PARAMS if getattr(self, p) is not None}
        missing = sorted(required - given)
        if missing:
            raise LocatedValueError(
                f"a {self.distribution} distribution needs {', '.join(missing)}; add "
                + " and ".join(f"'{m}:'" for m in missing),
                (missing[0],),
            )
        extra = sorted(given - required - optional)
        if extra:
            raise LocatedValueError(
                f"{extra[0]!r} is not a parameter of a {self.distribution} distribution; remove it "
                f"(it takes {', '.join(sorted(required | optional))})",
                (extra[0],),
            )
        lo, hi = self.low, self.high
        if lo is not None and hi is not None and not lo < hi:
            raise LocatedValueError(
                f"low ({lo:g}) is not below high ({hi:g}); give low < high (a fixed number needs no input)",
                ("low",),
            )
        if self.distribution == "triangular":
            assert lo is not None and hi is not None and self.mode is not None
            if not lo <= self.mode <= hi:
                raise LocatedValueError(
                    f"the mode ({self.mode:g}) is outside [{lo:g}, {hi:g}]; put it between low and high",
                    ("mode",),
                )
        if self.distribution == "normal":
            assert self.mean is not None
            if (lo is not None and self.mean < lo) or (hi is not None and self.mean > hi):
                raise LocatedValueError(
                    "the mean is outside the truncation bounds; put it between low and high", ("mean",)
                )
        if self.distribution == "categorical":
            assert self.choices is not None
            if len(set(map(str, self.choices))) != len(self.choices):
                raise LocatedValueError("a choice is listed twice; list each choice once", ("choices",))
            if self.weights is not None:
                if len(self.weights) != len(self.choices):
                    raise LocatedValueError(
                        f"{len(self.weights)} weights for {len(self.choices)} choices; "
                        "give one weight per choice",
                        ("weights",),
                    )
                if any(not math.isfinite(w) or w < 0 for w in self.weights) or sum(self.weights) <= 0:
                    raise LocatedValueError(
                        "weights must be non-negative numbers with a positive sum; correct them", ("weights",)
                    )
        return self


class EstimateDefaults(_Model):
    """Half-widths of the default ranges around estimated stances (0 leaves that number fixed)."""

    position: float = Field(default=15.0, ge=0.0, le=100.0, allow_inf_nan=False)
    salience: float = Field(default=10.0, ge=0.0, le=100.0, allow_inf_nan=False)


class RoadmapCoalition(_Model):
    """What a coalition lever does to the road map: the settings of its ``coalition`` block."""

    information: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    credibility: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    side_payment: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)
    entry_bonus: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)


class CoalitionLever(_Model):
    """A coalition lever: its members align on one position on every issue where they have a stance.

    The common position is ``target[issue]`` where given, else the capability x salience weighted
    mean of the members' positions (as ``detente coalition`` aligns a coalition). With ``roadmap``
    the road map also runs under its baseline policy plus a coalition block of these members.
    """

    id: Identifier
    actors: tuple[Identifier, ...] = Field(min_length=1)
    target: dict[Identifier, float] = Field(default_factory=dict)
    roadmap: RoadmapCoalition | None = None
    description: Text = ""


class LeverSpec(_Model):
    """The levers: road-map policies, packages on the table, coalitions (each a separate lever).

    Levers are listed one after the other, not crossed: ``policies: [a, b]`` with ``coalitions:
    [c]`` gives the levers ``policy:a``, ``policy:b`` and ``coalition:c``. ``policies`` left out
    means every policy of the road map when an outcome needs the road map (``all`` says so
    explicitly; ``[]`` runs the baseline, the road map's first policy, only). Under a package or
    coalition lever the road map runs under its baseline policy.
    """

    policies: tuple[Identifier, ...] | Literal["all"] | None = None
    packages: tuple[Identifier, ...] = ()
    coalitions: tuple[Identifier | CoalitionLever, ...] = ()


class SamplerSpec(_Model):
    """How inputs are combined: the sampling method and its size.

    ``n`` is the base sample size: Sobol makes ``n * (D + 2)`` rows (``n * (2D + 2)`` with
    ``second_order``) and needs ``n`` a power of 2; Morris makes ``n * (D + 1)`` (``n``
    trajectories over a grid of ``levels``); Latin hypercube and Monte Carlo make ``n``.
    """

    method: Method = "latin"
    n: int = Field(default=64, ge=1, le=MAX_TASKS)
    levels: int = Field(default=4, ge=2, le=100)
    second_order: bool = False

    @model_validator(mode="after")
    def _checks(self) -> SamplerSpec:
        if self.method == "sobol" and self.n & (self.n - 1):
            low = 1 << (self.n.bit_length() - 1)
            raise LocatedValueError(
                f"Sobol sampling needs n to be a power of 2, got {self.n}; use n: {low} or {low * 2}",
                ("n",),
            )
        if self.method == "morris" and self.levels % 2:
            raise LocatedValueError(
                f"Morris levels must be even, got {self.levels}; use levels: {self.levels + 1}", ("levels",)
            )
        if self.second_order and self.method != "sobol":
            raise LocatedValueError(
                "second_order applies to Sobol sampling only; remove it or use method: sobol",
                ("second_order",),
            )
        return self


class ExperimentSpec(_Model):
    """An experiment file as written: validated field by field, not yet checked against its scenario."""

    format: Literal["detente-experiment/1"] = FORMAT_TAG
    name: Name
    description: Text = ""
    scenario: Name = Field(description="Embedded scenario name, or a file relative to the spec file.")
    roadmap: Name | None = Field(default=None, description="Embedded road map (e.g. korea) or a file.")
    packages: Name | None = Field(default=None, description="Embedded package file (korea) or a file.")
    models: dict[Identifier, dict[Identifier, Any]] = Field(
        default_factory=dict, description="Fixed model parameters, e.g. {smp: {voting_rule: Cubic}}."
    )
    estimates: bool | EstimateDefaults = True
    roadmap_ranges: bool = True
    fitted: bool = True
    uncertainties: tuple[UncertaintySpec, ...] = Field(default=(), max_length=MAX_INPUTS)
    correlations: tuple[tuple[str, str, float], ...] = ()
    levers: LeverSpec = Field(default_factory=LeverSpec)
    outcomes: tuple[str, ...] = Field(min_length=1, max_length=10_000)
    runs_per_sample: int = Field(default=100, ge=1, le=100_000)
    sampler: SamplerSpec = Field(default_factory=SamplerSpec)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)

    @model_validator(mode="after")
    def _correlations(self) -> ExperimentSpec:
        for k, (a, b, rho) in enumerate(self.correlations):
            if a == b:
                raise LocatedValueError(
                    f"input {a!r} is correlated with itself; name two different inputs", ("correlations", k)
                )
            if not -1.0 < rho < 1.0 or not math.isfinite(rho):
                raise LocatedValueError(
                    f"a correlation must lie strictly between -1 and 1, got {rho:g}; correct it",
                    ("correlations", k, 2),
                )
        if self.correlations and self.sampler.method in ("sobol", "morris"):
            raise LocatedValueError(
                f"{self.sampler.method} sensitivity indices need independent inputs, and correlations "
                "are given; remove 'correlations' or use sampler method latin or monte-carlo",
                ("correlations",),
            )
        return self


# --- resolved parts -------------------------------------------------------------------------------


TAIL = 0.005
"""Normal and lognormal inputs are drawn from their central 99% (quantiles 0.005 to 0.995)."""


@dataclass(frozen=True)
class Distribution:
    """A resolved probability law on the natural scale, truncated to ``[lower, upper]``.

    ``ppf`` maps unit-scale samples (what the samplers make) to natural values; a categorical law
    maps them to choice codes (0, 1, ...). Unbounded tails are cut at the 0.1% and 99.9% quantiles,
    so a Morris grid point of 0 or 1 gives a finite value.

    >>> Distribution("uniform", low=10, high=20).ppf(np.array([0.0, 0.5, 1.0])).tolist()
    [10.0, 15.0, 20.0]
    >>> coin = Distribution("categorical", choices=("a", "b"), weights=(0.25, 0.75))
    >>> coin.ppf(np.array([0.2, 0.3])).tolist()
    [0.0, 1.0]
    """

    kind: str
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None
    median: float | None = None
    sigma: float | None = None
    lower: float = -math.inf
    upper: float = math.inf
    choices: tuple[str | float, ...] = ()
    weights: tuple[float, ...] = ()

    @property
    def bounds(self) -> tuple[float, float]:
        """The support on the natural scale (codes ``0 .. k-1`` for a categorical law)."""
        if self.kind == "categorical":
            return (0.0, float(len(self.choices) - 1))
        if self.kind in ("uniform", "triangular"):
            assert self.low is not None and self.high is not None
            return (self.low, self.high)
        return (self.lower, self.upper)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Natural values (or choice codes) at unit-scale quantiles ``u``."""
        from scipy import stats

        u = np.asarray(u, dtype=float)
        if self.kind == "categorical":
            w = np.asarray(self.weights or [1.0] * len(self.choices), dtype=float)
            edges = np.cumsum(w / w.sum())[:-1]
            return np.searchsorted(edges, u, side="right").astype(float)
        if self.kind == "uniform":
            assert self.low is not None and self.high is not None
            return self.low + (self.high - self.low) * np.clip(u, 0.0, 1.0)
        if self.kind == "triangular":
            assert self.low is not None and self.high is not None and self.mode is not None
            width = self.high - self.low
            return stats.triang.ppf(np.clip(u, 0.0, 1.0), (self.mode - self.low) / width, self.low, width)
        law = (
            stats.norm(self.mean, self.sd)
            if self.kind == "normal"
            else stats.lognorm(self.sigma, scale=self.median)  # law of exp(N(log median, sigma))
        )
        # the central 99% of the (truncated) law: a Morris grid or a Sobol point at quantile 0 or 1
        # would otherwise reach the far end of the valid range (0 or 100 for a position with sd 15)
        lo_q = max(float(law.cdf(self.lower)), TAIL) if math.isfinite(self.lower) else TAIL
        hi_q = min(float(law.cdf(self.upper)), 1.0 - TAIL) if math.isfinite(self.upper) else 1.0 - TAIL
        if hi_q <= lo_q:  # the truncation leaves less than the tails: fall back to the truncated law
            lo_q = float(law.cdf(self.lower)) if math.isfinite(self.lower) else TAIL
            hi_q = float(law.cdf(self.upper)) if math.isfinite(self.upper) else 1.0 - TAIL
        return np.clip(law.ppf(lo_q + (hi_q - lo_q) * np.clip(u, 0.0, 1.0)), self.lower, self.upper)

    def describe(self) -> str:
        """A short text, e.g. ``uniform(60, 90)``."""
        if self.kind == "categorical":
            return f"categorical({', '.join(map(str, self.choices))})"
        names = {
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "normal": ("mean", "sd"),
            "lognormal": ("median", "sigma"),
        }[self.kind]
        text = f"{self.kind}({', '.join(f'{getattr(self, n):g}' for n in names)})"
        if self.kind in ("normal", "lognormal") and (math.isfinite(self.lower) or math.isfinite(self.upper)):
            text += f" in [{self.lower:g}, {self.upper:g}]"
        return text

    def to_json_dict(self) -> dict[str, Any]:
        """The law as JSON-ready data (for the canonical text and reports)."""
        out: dict[str, Any] = {"kind": self.kind}
        for name in ("low", "high", "mode", "mean", "sd", "median", "sigma"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.kind in ("normal", "lognormal"):
            out["lower"] = self.lower if math.isfinite(self.lower) else None
            out["upper"] = self.upper if math.isfinite(self.upper) else None
        if self.choices:
            out["choices"] = list(self.choices)
        if self.weights:
            out["weights"] = list(self.weights)
        return out


@dataclass(frozen=True)
class Input:
    """One resolved input of the experiment: what it sets, how it is drawn, where it comes from.

    Attributes
    ----------
    name : str
        Column name (default: the canonical target).
    target : str
        Canonical target, e.g. ``stance.DPRK.nuclear.position``, ``roadmap.tension.shocks[tests].rate``.
    distribution : Distribution
    kind : str
        ``estimate`` (a default around an estimated stance), ``range`` (a road-map number's stated
        range), ``fitted`` (a road-map number fitted to event data) or ``user`` (listed in the file).
    base : float or str or None
        The value the scenario or road map gives the target (None where it has none).
    valid : tuple of float
        The range of values the target accepts (values are clipped into it).
    integer : bool
        The target takes whole numbers (values are rounded).
    rationale, source : str
    """

    name: str
    target: str
    distribution: Distribution
    kind: Kind
    base: float | str | None = None
    valid: tuple[float, float] = (-math.inf, math.inf)
    integer: bool = False
    rationale: str = ""
    source: str = ""
    key: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @property
    def categorical(self) -> bool:
        """True for a choice among named options."""
        return self.distribution.kind == "categorical"

    @property
    def bounds(self) -> tuple[float, float]:
        """The support of the input's values on the natural scale (codes for a categorical input)."""
        return self.distribution.bounds

    def values(self, unit: np.ndarray) -> np.ndarray:
        """Natural values (choice codes for a categorical input) of unit-scale samples."""
        x = self.distribution.ppf(unit)
        if self.categorical:
            return x
        x = np.clip(x, self.valid[0], self.valid[1])
        return np.round(x) if self.integer else x

    def value_of(self, code_or_value: float) -> float | str:
        """The value a task carries: the choice itself for a categorical input, else the number."""
        if self.categorical:
            return self.distribution.choices[int(code_or_value)]
        return float(code_or_value)

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "name": self.name,
            "target": self.target,
            "kind": self.kind,
            "distribution": self.distribution.to_json_dict(),
            "base": self.base,
            "rationale": self.rationale,
            "source": self.source,
        }


@dataclass(frozen=True)
class Lever:
    """One lever: its id as tasks carry it (``policy:engagement``, ``package:big-bargain``, ...)."""

    id: str
    kind: Literal["none", "policy", "package", "coalition"]
    ref: str = ""
    actors: tuple[str, ...] = ()
    target: tuple[tuple[str, float], ...] = ()
    roadmap: RoadmapCoalition | None = None


@dataclass(frozen=True)
class Experiment:
    """A loaded experiment: the spec with its scenario, road map and packages, and what it resolves to.

    Attributes
    ----------
    spec : ExperimentSpec
    source : str
        The file (or embedded name) it was read from.
    scenario : Scenario
    process : Process or None
        The road map, when outcomes, levers or inputs need one.
    packages : PackageFile or None
        The package file, when outcomes or levers need one.
    inputs : tuple of Input
        Every input varied, defaults included, in design column order.
    lever_list : tuple of Lever
        The levers (one ``Lever(id="")`` when there are none).
    outcomes : tuple of str
        The output columns (wildcards expanded).
    file_digests : dict
        sha256 of the content of the scenario, road-map and package files used.
    """

    spec: ExperimentSpec
    source: str
    scenario: Scenario
    process: Process | None
    packages: PackageFile | None
    inputs: tuple[Input, ...]
    lever_list: tuple[Lever, ...]
    outcomes: tuple[str, ...]
    file_digests: dict[str, str]
    correlation: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def levers(self) -> tuple[str, ...]:
        """Lever ids, as :attr:`detente.experiments.types.Task.lever` carries them."""
        return tuple(lv.id for lv in self.lever_list)

    @property
    def input_names(self) -> tuple[str, ...]:
        """Input names in design column order."""
        return tuple(i.name for i in self.inputs)

    def input(self, name: str) -> Input:
        """The input called ``name`` (KeyError if none)."""
        for i in self.inputs:
            if i.name == name:
                return i
        raise KeyError(name)

    def needs_roadmap(self) -> bool:
        """True when some outcome is a road-map outcome."""
        return any(o.startswith("roadmap.") for o in self.outcomes)

    def canonical_data(self) -> dict[str, Any]:
        """Everything that defines the experiment, as JSON-ready data (spec, resolution, file digests)."""
        return {
            "format": FORMAT_TAG,
            "spec": self.spec.model_dump(mode="json", exclude={"seed"}),
            "inputs": [i.to_json_dict() for i in self.inputs],
            "levers": list(self.levers),
            "outcomes": list(self.outcomes),
            "files": dict(sorted(self.file_digests.items())),
        }

    def canonical_text(self) -> str:
        """The canonical JSON text of :meth:`canonical_data` (sorted keys, no spaces)."""
        return json.dumps(self.canonical_data(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def spec_hash(self) -> str:
        """sha256 of :meth:`canonical_text`: equal for the same spec on the same input files.

        It covers the content of the scenario, road-map and package files (an edited input file is a
        different experiment), not the default seed: the seed is a property of a sweep.
        """
        return hashlib.sha256(self.canonical_text().encode("utf-8")).hexdigest()


# --- loading ---------------------------------------------------------------------------------------


def _where(path: tuple[Any, ...], lines: dict[tuple[Any, ...], int] | None) -> str:
    text = format_loc(path) or "top level"
    if lines:
        for k in range(len(path), -1, -1):
            if path[:k] in lines:
                return f"line {lines[path[:k]]}, {text}"
    return text


class _Ctx:
    """Where the spec came from, for locating errors and resolving relative paths."""

    def __init__(self, source: str, base_dir: Path | None, lines: dict[tuple[Any, ...], int] | None) -> None:
        self.source = source
        self.base_dir = base_dir
        self.lines = lines

    def error(self, problem: str, path: tuple[Any, ...], fix: str) -> ScenarioError:
        return ScenarioError(problem, source=self.source, where=_where(path, self.lines), fix=fix)

    def path(self, text: str) -> Path:
        p = Path(text)
        return p if p.is_absolute() or self.base_dir is None else self.base_dir / p


def _suggest(word: str, choices: list[str]) -> str:
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _choices(choices: list[str], limit: int = 25) -> str:
    shown_ = choices[:limit]
    return ", ".join(shown_) + (f", ... ({len(choices)} in all)" if len(choices) > limit else "")


def loads_experiment(
    text: str, *, source: str = "<string>", base_dir: str | Path | None = None
) -> Experiment:
    """Parse and resolve experiment YAML text; relative file names are read from ``base_dir``."""
    data, lines = load_yaml_with_lines(text, source)
    if data is None:
        raise ScenarioError(
            "the file is empty", source=source, fix="write an experiment with scenario, outcomes and sampler"
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            f"the top level is a {type(data).__name__}, not a mapping",
            source=source,
            fix="start the file with keys such as 'name:', 'scenario:', 'outcomes:'",
        )
    tag = data.get("format", FORMAT_TAG)
    if tag != FORMAT_TAG:
        raise ScenarioError(
            f"unknown format {shown(tag, 40)}",
            source=source,
            where=_where(("format",), lines),
            fix=f"use format: {FORMAT_TAG} (or leave the key out)",
        )
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise scenario_error_from_validation(
            exc, source=source, data=data, lines=lines, model=ExperimentSpec, guide=GUIDE
        ) from None
    ctx = _Ctx(source, Path(base_dir) if base_dir is not None else None, lines)
    return _resolve(spec, ctx)


def load_experiment(path: str | Path) -> Experiment:
    """Load an experiment file, or an embedded experiment by name (:data:`EMBEDDED_EXPERIMENTS`)."""
    text = str(path)
    if text in EMBEDDED_EXPERIMENTS:
        file = EMBEDDED_EXPERIMENTS[text]
        raw = files("detente.scenarios").joinpath(file).read_bytes()
        return loads_experiment(decode_text(raw, source=file), source=file)
    p = Path(path)
    if p.suffix.lower() not in {".yaml", ".yml"}:
        if not p.suffix and not p.exists():
            raise ScenarioError(
                f"{text!r} is neither an embedded experiment nor a file",
                fix=f"use one of: {', '.join(EMBEDDED_EXPERIMENTS)}, or the path of an experiment file",
            )
        raise ScenarioError(
            f"unknown file type {p.suffix or '(no suffix)'!r} for an experiment",
            source=p,
            fix="give a YAML experiment file ending in .yaml or .yml",
        )
    return loads_experiment(read_text(p), source=str(p), base_dir=p.parent)


resolve_experiment = load_experiment
"""Alias of :func:`load_experiment`: an embedded name or a path."""


def list_experiments() -> list[str]:
    """Names of the embedded experiments."""
    return list(EMBEDDED_EXPERIMENTS)


# --- resolution -----------------------------------------------------------------------------------


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _load_scenario(spec: ExperimentSpec, ctx: _Ctx) -> tuple[Scenario, str]:
    from detente.scenario.io import load_scenario as load_scenario_file
    from detente.scenarios import embedded_scenarios, list_scenarios, load_scenario

    name = spec.scenario
    for entry in embedded_scenarios():
        if entry.name == name:
            raw = files("detente.scenarios").joinpath(entry.file).read_bytes()
            return load_scenario(name), _digest(raw)
    p = ctx.path(name)
    if not p.exists():
        raise ctx.error(
            f"{name!r} is neither an embedded scenario nor a file{_suggest(name, list_scenarios())}",
            ("scenario",),
            f"use one of: {', '.join(list_scenarios())}, or a scenario file (relative to the spec)",
        )
    try:
        scenario = load_scenario_file(p)
    except DetenteError as exc:
        raise exc.located(p) from None
    return scenario, _digest(p.read_bytes())


def _load_process(
    spec: ExperimentSpec, scenario: Scenario, ctx: _Ctx, needed: bool
) -> tuple[Any, str | None]:
    from detente.process.io import EMBEDDED_PROCESSES, load_embedded_process, load_process

    name = spec.roadmap
    if name is None:
        if not needed:
            return None, None
        for embedded in EMBEDDED_PROCESSES:
            try:
                process = load_embedded_process(embedded, scenario=scenario)
            except ScenarioError:
                continue
            raw = files("detente.scenarios").joinpath(EMBEDDED_PROCESSES[embedded]).read_bytes()
            return process, _digest(raw)
        raise ctx.error(
            f"the experiment needs a road map and scenario {scenario.name!r} has none shipped",
            ("roadmap",),
            "give one with 'roadmap: FILE' (a road-map YAML file relative to the spec)",
        )
    if name in EMBEDDED_PROCESSES:
        try:
            process = load_embedded_process(name, scenario=scenario)
        except ScenarioError as exc:
            raise ctx.error(
                f"the embedded road map {name!r} does not fit scenario {scenario.name!r}: {exc.problem}",
                ("roadmap",),
                "use a road map written for this scenario",
            ) from None
        raw = files("detente.scenarios").joinpath(EMBEDDED_PROCESSES[name]).read_bytes()
        return process, _digest(raw)
    p = ctx.path(name)
    if not p.exists():
        raise ctx.error(
            f"{name!r} is neither an embedded road map nor a file{_suggest(name, list(EMBEDDED_PROCESSES))}",
            ("roadmap",),
            f"use one of: {', '.join(EMBEDDED_PROCESSES)}, or a road-map file (relative to the spec)",
        )
    return load_process(p, scenario=scenario), _digest(p.read_bytes())


def _load_packages(
    spec: ExperimentSpec, scenario: Scenario, ctx: _Ctx, needed: bool
) -> tuple[PackageFile | None, str | None]:
    from detente.deals.package import EMBEDDED_PACKAGE_FILES, load_packages, loads_packages

    def embedded(file: str) -> tuple[PackageFile, str]:
        raw = files("detente.scenarios").joinpath(file).read_bytes()
        return loads_packages(raw.decode("utf-8"), "yaml", source=file), _digest(raw)

    name = spec.packages
    names = {f.removesuffix("_packages.yaml"): f for f in EMBEDDED_PACKAGE_FILES}
    if name is None:
        if not needed:
            return None, None
        for file in EMBEDDED_PACKAGE_FILES:
            book, digest = embedded(file)
            if book.fits(scenario):
                return book, digest
        raise ctx.error(
            f"the experiment needs packages and none are shipped for scenario {scenario.name!r}",
            ("packages",),
            "give a package file with 'packages: FILE' (see docs/deals.md)",
        )
    if name in names:
        book, digest = embedded(names[name])
    else:
        p = ctx.path(name)
        if not p.exists():
            raise ctx.error(
                f"{name!r} is neither an embedded package file nor a file{_suggest(name, list(names))}",
                ("packages",),
                f"use one of: {', '.join(names)}, or a package file (relative to the spec)",
            )
        book, digest = load_packages(p), _digest(p.read_bytes())
    for pk in book.packages:
        try:
            pk.check(scenario)
        except DetenteError as exc:
            raise ctx.error(
                exc.problem, ("packages",), exc.fix or "write the packages for this scenario"
            ) from None
    return book, digest


_STEP = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\[\]]+\])*)$")


def _field_range(info: Any) -> tuple[float, float, bool, bool]:
    """(low, high, low strict, high strict) from a pydantic field's constraints."""
    lo, hi, lo_strict, hi_strict = -math.inf, math.inf, False, False
    metadata = list(getattr(info, "metadata", []) or [])
    ann = getattr(info, "annotation", None)
    for _ in range(4):  # constraints inside Optional[Annotated[...]]
        for arg in typing.get_args(ann):
            if typing.get_origin(arg) is typing.Annotated:
                metadata += list(arg.__metadata__)
                for m in arg.__metadata__:
                    metadata += list(getattr(m, "metadata", []) or [])
        if typing.get_origin(ann) is typing.Annotated:
            metadata += list(ann.__metadata__)
            for m in ann.__metadata__:
                metadata += list(getattr(m, "metadata", []) or [])
            ann = typing.get_args(ann)[0]
        else:
            break
    for m in metadata:
        if getattr(m, "ge", None) is not None:
            lo = max(lo, float(m.ge))
        if getattr(m, "gt", None) is not None:
            lo, lo_strict = max(lo, float(m.gt)), True
        if getattr(m, "le", None) is not None:
            hi = min(hi, float(m.le))
        if getattr(m, "lt", None) is not None:
            hi, hi_strict = min(hi, float(m.lt)), True
    return lo, hi, lo_strict, hi_strict


def _valid(lo: float, hi: float, lo_strict: bool, hi_strict: bool) -> tuple[float, float]:
    """The closed interval of values inside the (possibly open) bounds."""
    if lo_strict:
        lo = math.nextafter(lo, math.inf) if lo != 0 else 1e-12
    if hi_strict:
        hi = math.nextafter(hi, -math.inf) - 1e-12 * max(1.0, abs(hi))
    return lo, hi


def _is_int(annotation: Any) -> bool:
    ann = annotation
    while typing.get_origin(ann) is typing.Annotated:
        ann = typing.get_args(ann)[0]
    return ann is int


def _inner(annotation: Any) -> Any:
    """The model or container inside Optional/Annotated."""
    for _ in range(5):
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin is typing.Union or origin is types.UnionType:
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                break
        else:
            break
    return annotation


@dataclass(frozen=True)
class _Target:
    """A resolved target: its canonical text, its key (for applying it), base value and valid range."""

    canonical: str
    key: tuple[Any, ...]
    base: float | str | None
    valid: tuple[float, float]
    integer: bool = False
    choices: tuple[str, ...] = ()  # allowed values of a categorical target ('' = any)
    roadmap: bool = False
    dated: bool = False  # a dated value of the road map is in force on the scenario's date


def _resolve_roadmap_path(
    path: str, process: Process, where: tuple[Any, ...], ctx: _Ctx, as_of: str = ""
) -> _Target:
    """``tension.shocks[tests].rate`` -> key ('roadmap', 'tension', 'shocks', 0, 'rate') with its bounds.

    A number with dated values (``prior`` and ``prior_dated``, a guarantor's ``credibility`` and
    ``dated``) has as base the value in force on the scenario's ``as_of`` date, and is marked
    ``dated`` when a dated value is in force: an input then replaces that value.
    """
    from pydantic.fields import FieldInfo

    from detente.process.spec import Process

    data: Any = process.model_dump()
    cls: Any = Process
    info: Any = None
    key: list[Any] = []
    shown_: list[str] = []
    node: Any = data
    parent: Any = None
    parts = path.split(".")
    for part in parts:
        m = _STEP.match(part)
        if m is None:
            raise ctx.error(
                f"cannot read {part!r} in target 'roadmap.{path}'",
                where,
                "write a road-map path such as roadmap.behaviour.learning or "
                "roadmap.tension.shocks[tests].rate",
            )
        name, brackets = m.group(1), m.group(2)
        here = ".".join(shown_) or "the road map"
        if (
            isinstance(node, dict)
            and cls is not None
            and isinstance(cls, type)
            and issubclass(cls, BaseModel)
        ):
            if name not in cls.model_fields:
                fields = [f for f in cls.model_fields if f not in ("format",)]
                raise ctx.error(
                    f"{here} has no field {name!r}{_suggest(name, fields)}",
                    where,
                    f"use one of: {_choices(fields)}",
                )
            info = cls.model_fields[name]
            cls = _inner(info.annotation)
        elif isinstance(node, dict):  # a dict field: keys are ids
            if name not in node:
                raise ctx.error(
                    f"{here} has no entry {name!r}{_suggest(name, list(node))}",
                    where,
                    f"use one of: {_choices(list(node)) or '(none)'}",
                )
            args = typing.get_args(cls) if cls is not None else ()
            value_ann = args[1] if len(args) == 2 else None
            info = FieldInfo.from_annotation(value_ann) if value_ann is not None else None
            cls = _inner(value_ann) if value_ann is not None else None
        else:
            raise ctx.error(
                f"{here} is a number, not a block; 'roadmap.{path}' goes too deep",
                where,
                "end the path there",
            )
        parent = node if not brackets else None
        node = node[name]
        key.append(name)
        shown_.append(name)
        for raw in re.findall(r"\[([^\[\]]+)\]", brackets):
            if not isinstance(node, list | tuple):
                raise ctx.error(f"{'.'.join(shown_)} is not a list", where, f"remove '[{raw}]'")
            if re.fullmatch(r"\d+", raw):
                idx = int(raw)
                if idx >= len(node):
                    raise ctx.error(
                        f"{'.'.join(shown_)} has {len(node)} items, so [{raw}] does not exist",
                        where,
                        f"use an index below {len(node)} or an item's id",
                    )
            else:
                ids = [item.get("id", item.get("actor")) if isinstance(item, dict) else None for item in node]
                if raw not in ids:
                    known = [str(i) for i in ids if i is not None]
                    raise ctx.error(
                        f"{'.'.join(shown_)} has no item {raw!r}{_suggest(raw, known)}",
                        where,
                        f"use one of: {_choices(known)}",
                    )
                idx = ids.index(raw)
            item = node[idx]
            label = item.get("id", item.get("actor")) if isinstance(item, dict) else None
            shown_[-1] += f"[{label if label is not None else idx}]"
            node = item
            key.append(idx)
            args = [a for a in typing.get_args(cls) if a is not Ellipsis] if cls is not None else []
            cls = _inner(args[0]) if args else None
    if isinstance(node, bool) or not (node is None or isinstance(node, int | float)):
        kind = (
            "a list"
            if isinstance(node, list | tuple)
            else "a block"
            if isinstance(node, dict)
            else "not a number"
        )
        raise ctx.error(
            f"'roadmap.{path}' is {kind}, not a number",
            where,
            "target a numeric field, e.g. roadmap.behaviour.learning",
        )
    lo, hi, los, his = _field_range(info) if info is not None else (-math.inf, math.inf, False, False)
    integer = info is not None and _is_int(info.annotation)
    base = None if node is None else float(node)
    dated = False
    if isinstance(parent, dict) and as_of:
        field_name = key[-1]
        history = parent.get(f"{field_name}_dated") or (
            parent.get("dated") if field_name == "credibility" else None
        )
        in_force = sorted(when for when in (history or {}) if when <= as_of)
        if in_force:
            base, dated = float(history[in_force[-1]]), True
    return _Target(
        canonical="roadmap." + ".".join(shown_),
        key=("roadmap", *key),
        base=base,
        valid=_valid(lo, hi, los, his),
        integer=integer,
        roadmap=True,
        dated=dated,
    )


def _resolve_target(text: str, env: _Env, where: tuple[Any, ...], ctx: _Ctx) -> _Target:
    """Check a target against the scenario, road map and models; return it resolved."""
    from detente.models import ALL_MODELS, model_names
    from detente.process.strategies import STRATEGIES

    s = env.scenario
    head, _, rest = text.partition(".")
    kinds = ["stance", "actor", "issue", "roadmap", "model"]
    if head == "stance":
        parts = rest.split(".")
        fld = parts[-1] if parts else ""
        middle = ".".join(parts[:-1])
        if fld not in ("position", "salience"):
            raise ctx.error(
                f"a stance target ends in position or salience, not {fld!r}",
                where,
                "write stance.ACTOR.ISSUE.position or stance.ACTOR.ISSUE.salience",
            )
        for k, st in enumerate(s.stances):
            if f"{st.actor}.{st.issue}" == middle:
                return _Target(f"stance.{middle}.{fld}", ("stance", k, fld), getattr(st, fld), (0.0, 100.0))
        actor = next((a for a in s.actor_ids if middle.startswith(a + ".")), None)
        if actor is None:
            first = middle.split(".")[0]
            raise ctx.error(
                f"unknown actor {first!r} in target {text!r}{_suggest(first, list(s.actor_ids))}",
                where,
                f"use one of: {', '.join(s.actor_ids)}",
            )
        issue = middle[len(actor) + 1 :]
        if issue not in s.issue_ids:
            raise ctx.error(
                f"unknown issue {issue!r} in target {text!r}{_suggest(issue, list(s.issue_ids))}",
                where,
                f"use one of: {', '.join(s.issue_ids)}",
            )
        has = [st.issue for st in s.stances if st.actor == actor]
        raise ctx.error(
            f"{actor} has no stance on {issue!r}", where, f"target one of its stances: {', '.join(has)}"
        )
    if head in ("actor", "issue"):
        ids = list(s.actor_ids if head == "actor" else s.issue_ids)
        fld = "capability" if head == "actor" else "status_quo"
        if not rest.endswith("." + fld):
            raise ctx.error(f"an {head} target ends in .{fld}", where, f"write {head}.{head.upper()}.{fld}")
        ident = rest[: -len(fld) - 1]
        if ident not in ids:
            raise ctx.error(
                f"unknown {head} {ident!r} in target {text!r}{_suggest(ident, ids)}",
                where,
                f"use one of: {', '.join(ids)}",
            )
        k = ids.index(ident)
        if head == "actor":
            return _Target(text, ("actor", k, fld), s.actors[k].capability, (0.0, MAX_CAPABILITY))
        return _Target(text, ("issue", k, fld), s.issues[k].status_quo, (0.0, 100.0))
    if head == "roadmap":
        process = env.require_process(where)
        if rest.startswith("strategy."):
            actor = rest.removeprefix("strategy.")
            movers = [*process.actors(), "default"]
            if actor not in movers:
                raise ctx.error(
                    f"{actor!r} makes no move in the road map{_suggest(actor, movers)}",
                    where,
                    f"use one of: {', '.join(movers)}",
                )
            return _Target(
                text, ("strategy", actor), None, (0.0, 0.0), choices=tuple(STRATEGIES), roadmap=True
            )
        return _resolve_roadmap_path(rest, process, where, ctx, s.as_of)
    if head == "model":
        name, _, param = rest.partition(".")
        if name not in model_names():
            raise ctx.error(
                f"unknown model {name!r}{_suggest(name, model_names())}",
                where,
                f"use one of: {', '.join(model_names())}",
            )
        cls = next(m for m in ALL_MODELS if m.name == name)
        if param not in cls.model_fields:
            params = list(cls.model_fields)
            raise ctx.error(
                f"model {name!r} has no parameter {param!r}{_suggest(param, params)}",
                where,
                f"use one of: {', '.join(params) or '(it has none)'}",
            )
        info = cls.model_fields[param]
        lo, hi, los, his = _field_range(info)
        inner = _inner(info.annotation)
        choices = tuple(str(c) for c in typing.get_args(inner)) if typing.get_origin(inner) is Literal else ()
        default = info.get_default(call_default_factory=True)
        base = default if isinstance(default, int | float | str) and not isinstance(default, bool) else None
        return _Target(
            text, ("model", name, param), base, _valid(lo, hi, los, his), _is_int(info.annotation), choices
        )
    raise ctx.error(
        f"unknown target kind {head!r} in {text!r}{_suggest(head, kinds)}",
        where,
        "targets start with stance., actor., issue., roadmap. or model.",
    )


class _Env:
    """The loaded files of an experiment, loading the road map and packages on first need."""

    def __init__(self, spec: ExperimentSpec, ctx: _Ctx, scenario: Scenario, needs_process: bool) -> None:
        self.spec, self.ctx, self.scenario = spec, ctx, scenario
        self.digests: dict[str, str] = {}
        self.process: Process | None = None
        self.packages: PackageFile | None = None
        self._packages_loaded = False
        if spec.roadmap is not None or needs_process:
            self.process, digest = _load_process(spec, scenario, ctx, True)
            if digest:
                self.digests["roadmap"] = digest

    def require_process(self, where: tuple[Any, ...]) -> Process:
        if self.process is None:
            self.process, digest = _load_process(self.spec, self.scenario, self.ctx, True)
            if digest:
                self.digests["roadmap"] = digest
        assert self.process is not None
        return self.process

    def require_packages(self) -> PackageFile:
        if not self._packages_loaded:
            self.packages, digest = _load_packages(self.spec, self.scenario, self.ctx, True)
            if digest:
                self.digests["packages"] = digest
            self._packages_loaded = True
        assert self.packages is not None
        return self.packages


def _user_input(k: int, u: UncertaintySpec, env: _Env, ctx: _Ctx) -> Input:
    where = ("uncertainties", k, "target")
    t = _resolve_target(u.target, env, where, ctx)
    pwhere = ("uncertainties", k)
    categorical = u.distribution == "categorical"
    if t.choices and not categorical:
        raise ctx.error(
            f"{t.canonical} is a choice among {', '.join(t.choices)}, not a number",
            (*pwhere, "distribution"),
            "use distribution: categorical with choices",
        )
    if categorical:
        assert u.choices is not None
        if t.choices:
            bad = [c for c in u.choices if str(c) not in t.choices]
            if bad:
                raise ctx.error(
                    f"{bad[0]!r} is not a choice of {t.canonical}{_suggest(str(bad[0]), list(t.choices))}",
                    (*pwhere, "choices"),
                    f"use some of: {', '.join(t.choices)}",
                )
            choices: tuple[str | float, ...] = tuple(str(c) for c in u.choices)
        else:
            bad = [c for c in u.choices if isinstance(c, str)]
            if bad:
                raise ctx.error(
                    f"{t.canonical} takes a number, so the choice {bad[0]!r} does not fit",
                    (*pwhere, "choices"),
                    "list numbers as choices",
                )
            out = [c for c in u.choices if not t.valid[0] <= float(c) <= t.valid[1]]
            if out:
                raise ctx.error(
                    f"the choice {out[0]} is outside the valid range "
                    f"[{t.valid[0]:g}, {t.valid[1]:g}] of {t.canonical}",
                    (*pwhere, "choices"),
                    "use choices inside the valid range",
                )
            choices = tuple(float(c) for c in u.choices)
        dist = Distribution("categorical", choices=choices, weights=tuple(u.weights or ()))
    else:
        lo, hi = t.valid
        for name in ("low", "high", "mode"):
            value = getattr(u, name)
            if value is not None and not lo <= value <= hi:
                raise ctx.error(
                    f"{name} ({value:g}) is outside the valid range [{lo:g}, {hi:g}] of {t.canonical}",
                    (*pwhere, name),
                    f"use a number from {lo:g} to {hi:g}",
                )
        if u.distribution in ("normal", "lognormal"):
            lower = max(lo, u.low if u.low is not None else -math.inf)
            upper = min(hi, u.high if u.high is not None else math.inf)
            if u.distribution == "lognormal" and lo < 0:
                lower = max(lower, 0.0)
            center = u.mean if u.mean is not None else u.median
            assert center is not None
            if not lower <= center <= upper:
                raise ctx.error(
                    f"the centre ({center:g}) is outside the valid range "
                    f"[{lower:g}, {upper:g}] of {t.canonical}",
                    (*pwhere, "mean" if u.mean is not None else "median"),
                    "centre the distribution inside the valid range",
                )
            dist = Distribution(
                u.distribution, mean=u.mean, sd=u.sd, median=u.median, sigma=u.sigma, lower=lower, upper=upper
            )
        else:
            dist = Distribution(u.distribution, low=u.low, high=u.high, mode=u.mode)
    return Input(
        name=u.name or t.canonical,
        target=t.canonical,
        distribution=dist,
        kind="user",
        base=t.base,
        valid=t.valid,
        integer=t.integer,
        rationale=u.rationale,
        source=u.source,
        key=t.key,
    )


def _estimate_inputs(scenario: Scenario, half: EstimateDefaults) -> list[Input]:
    out = []
    for k, st in enumerate(scenario.stances):
        if st.basis != "estimate":
            continue
        name = f"stance.{st.actor}.{st.issue}"
        u = st.uncertainty
        if half.position > 0 or u is not None:
            dist: Distribution | None
            why = (
                "the stance's own uncertainty" if u is not None else f"±{half.position:g} around an estimate"
            )
            if u is not None and u.sd is not None:
                dist = (
                    Distribution("normal", mean=st.position, sd=u.sd, lower=0.0, upper=100.0)
                    if u.sd > 0
                    else None
                )
            elif u is not None:
                assert u.low is not None and u.high is not None
                dist = Distribution("uniform", low=u.low, high=u.high) if u.high > u.low else None
            else:
                lo, hi = max(0.0, st.position - half.position), min(100.0, st.position + half.position)
                dist = Distribution("uniform", low=lo, high=hi)
            if dist is not None:
                out.append(
                    Input(
                        name + ".position",
                        name + ".position",
                        dist,
                        "estimate",
                        st.position,
                        (0.0, 100.0),
                        rationale=why,
                        key=("stance", k, "position"),
                    )
                )
        if half.salience > 0:
            lo, hi = max(0.0, st.salience - half.salience), min(100.0, st.salience + half.salience)
            out.append(
                Input(
                    name + ".salience",
                    name + ".salience",
                    Distribution("uniform", low=lo, high=hi),
                    "estimate",
                    st.salience,
                    (0.0, 100.0),
                    rationale=f"±{half.salience:g} around an estimate",
                    key=("stance", k, "salience"),
                )
            )
    return out


def _fitted_intervals(keys: list[str]) -> dict[str, tuple[float, float]]:
    """The 95% interval of each calibration parameter's sampling distribution."""
    from detente._random import make_rng
    from detente.calibration.korea import load_calibration

    draws = load_calibration().sample(FITTED_DRAWS, make_rng(FITTED_SEED))
    out = {}
    for key in keys:
        lo, hi = np.quantile(draws[key], [0.025, 0.975])
        out[key] = (float(lo), float(hi))
    return out


def _roadmap_inputs(process: Process, ranges: bool, fitted: bool, env: _Env) -> list[Input]:
    from detente.process.uncertainty import varied_numbers

    numbers = varied_numbers(process)
    fitted_keys = [kind.removeprefix("fitted:") for _, _, kind in numbers if kind.startswith("fitted:")]
    intervals = _fitted_intervals(fitted_keys) if fitted and fitted_keys else {}
    blocks = dict(process.provenance_blocks())
    out = []
    for path, name, kind in numbers:
        block = blocks[path]
        t = _resolve_roadmap_path(f"{path}.{name}", process, ("roadmap",), env.ctx, env.scenario.as_of)
        if t.dated:  # the range describes the undated value; a dated one is in force
            continue
        value = float(getattr(block, name))
        if kind == "range" and ranges:
            lo, hi = block.ranges[name]
            if hi <= lo:
                continue
            lo, hi = max(lo, t.valid[0]), min(hi, t.valid[1])
            dist = Distribution("uniform", low=lo, high=hi)
            out.append(
                Input(
                    t.canonical,
                    t.canonical,
                    dist,
                    "range",
                    value,
                    t.valid,
                    t.integer,
                    rationale="the range stated in the road map",
                    key=t.key,
                )
            )
        elif kind.startswith("fitted:") and fitted:
            param = kind.removeprefix("fitted:")
            lo, hi = intervals[param]
            lo, hi = max(min(lo, value), t.valid[0]), min(max(hi, value), t.valid[1])
            if hi <= lo:
                continue
            dist = Distribution("triangular", low=lo, mode=min(max(value, lo), hi), high=hi)
            out.append(
                Input(
                    t.canonical,
                    t.canonical,
                    dist,
                    "fitted",
                    value,
                    t.valid,
                    t.integer,
                    rationale=f"95% interval of the fit of {param}",
                    source="calibration.json",
                    key=t.key,
                )
            )
    return out


def _resolve_levers(spec: ExperimentSpec, env: _Env, outcomes_need_roadmap: bool) -> tuple[Lever, ...]:
    ctx = env.ctx
    levers: list[Lever] = []
    policies = spec.levers.policies
    if policies == "all" or (policies is None and outcomes_need_roadmap):
        process = env.require_process(("levers", "policies"))
        levers += [Lever(f"policy:{p.id}", "policy", p.id) for p in process.policies]
    elif policies:
        process = env.require_process(("levers", "policies"))
        known = [p.id for p in process.policies]
        for k, pid in enumerate(policies):
            if pid not in known:
                raise ctx.error(
                    f"the road map has no policy {pid!r}{_suggest(pid, known)}",
                    ("levers", "policies", k),
                    f"use one of: {', '.join(known)}",
                )
            levers.append(Lever(f"policy:{pid}", "policy", pid))
    if spec.levers.packages:
        book = env.require_packages()
        known = [p.id for p in book.packages]
        for k, pid in enumerate(spec.levers.packages):
            if pid not in known:
                raise ctx.error(
                    f"the package file has no package {pid!r}{_suggest(pid, known)}",
                    ("levers", "packages", k),
                    f"use one of: {', '.join(known)}",
                )
            levers.append(Lever(f"package:{pid}", "package", pid))
    s = env.scenario
    for k, c in enumerate(spec.levers.coalitions):
        if isinstance(c, str):
            book = env.require_packages()
            known = [x.id for x in book.coalitions]
            if c not in known:
                raise ctx.error(
                    f"the package file names no coalition {c!r}{_suggest(c, known)}",
                    ("levers", "coalitions", k),
                    f"use one of: {', '.join(known) or '(none)'}, or write {{id:, actors: [...]}}",
                )
            found = next(x for x in book.coalitions if x.id == c)
            c = CoalitionLever(id=found.id, actors=found.members)
        for j, a in enumerate(c.actors):
            if a not in s.actor_ids:
                raise ctx.error(
                    f"unknown actor {a!r} in coalition {c.id!r}{_suggest(a, list(s.actor_ids))}",
                    ("levers", "coalitions", k, "actors", j),
                    f"use one of: {', '.join(s.actor_ids)}",
                )
        for issue, value in c.target.items():
            if issue not in s.issue_ids:
                raise ctx.error(
                    f"unknown issue {issue!r} in coalition {c.id!r}'s target"
                    + _suggest(issue, list(s.issue_ids)),
                    ("levers", "coalitions", k, "target", issue),
                    f"use one of: {', '.join(s.issue_ids)}",
                )
            if not 0 <= value <= 100:
                raise ctx.error(
                    f"target {value:g} on {issue!r} is off the 0-100 scale",
                    ("levers", "coalitions", k, "target", issue),
                    "use a number from 0 to 100",
                )
        if c.roadmap is not None:
            env.require_process(("levers", "coalitions", k, "roadmap"))
        levers.append(
            Lever(f"coalition:{c.id}", "coalition", c.id, c.actors, tuple(c.target.items()), c.roadmap)
        )
    ids = [lv.id for lv in levers]
    dup = next((i for i in ids if ids.count(i) > 1), None)
    if dup:
        raise ctx.error(f"the lever {dup!r} is listed twice", ("levers",), "list each lever once")
    return tuple(levers) or (Lever("", "none"),)


_ROADMAP_SCALARS = ("completion", "interim", "breakdown", "escalation", "ongoing", "time_to_interim",
                    "time_to_completion")  # fmt: skip
_DEAL_FIELDS = ("accepted", "vetoes")


def _resolve_outcomes(spec: ExperimentSpec, env: _Env, levers: tuple[Lever, ...]) -> tuple[str, ...]:
    from detente.models import get_model, model_names

    ctx = env.ctx
    s = env.scenario
    out: list[str] = []
    for k, text in enumerate(spec.outcomes):
        where = ("outcomes", k)
        head, _, rest = text.partition(".")
        if head == "roadmap":
            process = env.require_process(where)
            phases = [ph.id for ph in process.phases]
            interim = any(ph.milestone == "interim" for ph in process.phases)
            scalars = [x for x in _ROADMAP_SCALARS if interim or "interim" not in x]
            every = [f"roadmap.{x}" for x in scalars if not x.startswith("time")]
            every += [f"roadmap.reach.{p}" for p in phases] + [f"roadmap.fail.{p}" for p in phases]
            group, _, item = rest.partition(".")
            if rest == "*":
                out += every
            elif rest in scalars:
                out.append(text)
            elif group in ("reach", "fail", "position") and item:
                ids = phases if group != "position" else list(s.issue_ids)
                if item == "*":
                    out += [f"roadmap.{group}.{i}" for i in ids]
                elif item in ids:
                    out.append(text)
                else:
                    what = "phase" if group != "position" else "issue"
                    raise ctx.error(
                        f"the road map has no {what} {item!r}{_suggest(item, ids)}",
                        where,
                        f"use one of: {', '.join(ids)}, or *",
                    )
            else:
                names = [f"roadmap.{x}" for x in scalars]
                names += ["roadmap.reach.PHASE", "roadmap.fail.PHASE", "roadmap.position.ISSUE", "roadmap.*"]
                raise ctx.error(
                    f"unknown road-map outcome {text!r}{_suggest(text, names)}"
                    + ("" if interim or "interim" not in text else " (the road map marks no interim phase)"),
                    where,
                    f"use one of: {', '.join(names)}",
                )
        elif head == "forecast":
            name, _, issue = rest.partition(".")
            if name not in model_names():
                raise ctx.error(
                    f"unknown model {name!r} in outcome {text!r}{_suggest(name, model_names())}",
                    where,
                    f"use one of: {', '.join(model_names())}",
                )
            try:
                model = get_model(name, **spec.models.get(name, {}))
                model.check_limits(s)
            except DetenteError as exc:
                raise ctx.error(exc.problem, ("models", name) if name in spec.models else where,
                                exc.fix or "see `detente models`") from None  # fmt: skip
            if issue == "*":
                out += [f"forecast.{name}.{i}" for i in s.issue_ids]
            elif issue in s.issue_ids:
                out.append(text)
            else:
                raise ctx.error(
                    f"unknown issue {issue!r} in outcome {text!r}{_suggest(issue, list(s.issue_ids))}",
                    where,
                    f"use one of: {', '.join(s.issue_ids)}, or *",
                )
        elif head == "deal":
            pid, _, what = rest.rpartition(".")
            if what not in _DEAL_FIELDS:
                raise ctx.error(
                    f"unknown deal outcome {text!r}",
                    where,
                    "write deal.PACKAGE.accepted or deal.PACKAGE.vetoes (deal.accepted: the lever's package)",
                )
            book = env.require_packages()
            try:
                from detente.deals.utility import status_quo_package

                status_quo_package(s)
            except DetenteError as exc:
                raise ctx.error(exc.problem, where, exc.fix or "add status quos") from None
            if not pid:
                if not any(lv.kind == "package" for lv in levers):
                    raise ctx.error(
                        f"{text!r} judges the lever's package, and no package is a lever",
                        where,
                        "add levers: {packages: [...]}, or name the package: deal.PACKAGE." + what,
                    )
            elif pid not in [p.id for p in book.packages]:
                known = [p.id for p in book.packages]
                raise ctx.error(
                    f"unknown package {pid!r} in outcome {text!r}{_suggest(pid, known)}",
                    where,
                    f"use one of: {', '.join(known)}",
                )
            out.append(text)
        else:
            raise ctx.error(
                f"unknown outcome {text!r}",
                where,
                "outcomes start with roadmap., forecast. or deal. (e.g. roadmap.interim, "
                "forecast.compromise.*, deal.big-bargain.accepted)",
            )
    return tuple(dict.fromkeys(out))


def _outcomes_need_roadmap(spec: ExperimentSpec) -> bool:
    return any(o.startswith("roadmap.") for o in spec.outcomes)


def _resolve(spec: ExperimentSpec, ctx: _Ctx) -> Experiment:
    scenario, scenario_digest = _load_scenario(spec, ctx)
    needs_roadmap = _outcomes_need_roadmap(spec)
    env = _Env(spec, ctx, scenario, needs_roadmap)
    env.digests["scenario"] = scenario_digest
    for name, params in spec.models.items():
        from detente.models import get_model, model_names

        if name not in model_names():
            raise ctx.error(
                f"unknown model {name!r}{_suggest(name, model_names())}",
                ("models", name),
                f"use one of: {', '.join(model_names())}",
            )
        try:
            get_model(name, **params)
        except DetenteError as exc:
            raise ctx.error(exc.problem, ("models", name), exc.fix or "see `detente models`") from None
    user = [_user_input(k, u, env, ctx) for k, u in enumerate(spec.uncertainties)]
    seen: dict[tuple[Any, ...], int] = {}
    for k, inp in enumerate(user):
        if inp.key in seen:
            raise ctx.error(
                f"{inp.target} is the target of two inputs (uncertainties {seen[inp.key]} and {k})",
                ("uncertainties", k, "target"),
                "give each target one input",
            )
        seen[inp.key] = k
        if inp.key[0] == "model":
            from detente.models import get_model

            base = spec.models.get(inp.key[1], {})
            probes = inp.distribution.choices or (inp.distribution.bounds[0], inp.distribution.bounds[1])
            for probe in probes:
                value = probe if isinstance(probe, str) else (round(probe) if inp.integer else probe)
                try:
                    get_model(inp.key[1], **{**base, inp.key[2]: value})
                except DetenteError as exc:
                    raise ctx.error(
                        f"model {inp.key[1]!r} refuses {inp.key[2]}={value!r}: {exc.problem}",
                        ("uncertainties", k),
                        exc.fix or "see `detente models`",
                    ) from None
    defaults: list[Input] = []
    if spec.estimates is not False:
        half = spec.estimates if isinstance(spec.estimates, EstimateDefaults) else EstimateDefaults()
        defaults += _estimate_inputs(scenario, half)
    if env.process is not None and needs_roadmap:
        defaults += _roadmap_inputs(env.process, spec.roadmap_ranges, spec.fitted, env)
    inputs = [d for d in defaults if d.key not in seen] + user
    names = [i.name for i in inputs]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        k = next((j for j, u in enumerate(user) if u.name == dup), 0)
        raise ctx.error(
            f"two inputs are called {dup!r}", ("uncertainties", k, "name"), "give each input its own name"
        )
    if len(inputs) > MAX_INPUTS:
        raise ctx.error(
            f"the experiment varies {len(inputs)} inputs, over the limit of {MAX_INPUTS}",
            ("uncertainties",),
            "switch off defaults (estimates: false, roadmap_ranges: false) or list fewer inputs",
        )
    if not inputs and spec.sampler.method in ("sobol", "morris"):
        raise ctx.error(
            f"{spec.sampler.method} sampling needs at least one input, and the experiment varies none",
            ("uncertainties",),
            "list uncertainties, switch on the defaults, or use method: monte-carlo",
        )
    levers = _resolve_levers(spec, env, needs_roadmap)
    outcomes = _resolve_outcomes(spec, env, levers)
    correlation = _correlation_matrix(spec, inputs, ctx)
    n_tasks = _n_rows(spec.sampler, len(inputs)) * len(levers)
    if n_tasks > MAX_TASKS:
        raise ctx.error(
            f"the design has {n_tasks:,} tasks ({_n_rows(spec.sampler, len(inputs)):,} samples x "
            f"{len(levers)} levers), over the limit of {MAX_TASKS:,}",
            ("sampler", "n"),
            "use a smaller n, fewer inputs or fewer levers",
        )
    return Experiment(
        spec=spec,
        source=ctx.source,
        scenario=scenario,
        process=env.process,
        packages=env.packages,
        inputs=tuple(inputs),
        lever_list=levers,
        outcomes=outcomes,
        file_digests=dict(env.digests),
        correlation=correlation,
    )


def _n_rows(sampler: SamplerSpec, d: int) -> int:
    """Rows of the sample matrix for ``d`` inputs."""
    if sampler.method == "sobol":
        return sampler.n * (2 * d + 2 if sampler.second_order else d + 2)
    if sampler.method == "morris":
        return sampler.n * (d + 1)
    return sampler.n


def _correlation_matrix(spec: ExperimentSpec, inputs: list[Input], ctx: _Ctx) -> np.ndarray | None:
    """The normal-scale correlation matrix of the Gaussian copula (None without correlations).

    A correlation in the file is a rank (Spearman) correlation; on the normal scale it is
    ``2 sin(pi rho / 6)``.
    """
    if not spec.correlations:
        return None
    names = [i.name for i in inputs]
    c = np.eye(len(names))
    for k, (a, b, rho) in enumerate(spec.correlations):
        for j, n in enumerate((a, b)):
            if n not in names:
                raise ctx.error(
                    f"unknown input {n!r} in a correlation{_suggest(n, names)}",
                    ("correlations", k, j),
                    "name inputs by their name (default: their target)",
                )
            if inputs[names.index(n)].categorical:
                raise ctx.error(
                    f"input {n!r} is categorical and cannot be correlated",
                    ("correlations", k, j),
                    "correlate numeric inputs only",
                )
        i, j = names.index(a), names.index(b)
        if c[i, j] != 0:
            raise ctx.error(f"the pair {a!r}, {b!r} is correlated twice", ("correlations", k), "give it once")
        c[i, j] = c[j, i] = 2.0 * math.sin(math.pi * rho / 6.0)
    try:
        np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise ctx.error(
            "the correlations are inconsistent: their matrix is not positive definite",
            ("correlations",),
            "weaken some correlations (e.g. A~B and B~C high with A~C low cannot all hold)",
        ) from None
    if np.linalg.eigvalsh(c).min() < 1e-10:
        raise ctx.error(
            "the correlations are inconsistent: their matrix is singular",
            ("correlations",),
            "keep every correlation strictly between -1 and 1 and weaken some of them",
        )
    return c
