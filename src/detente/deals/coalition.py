"""Coalitions: who can move a model's forecast, and how far.

For any forecasting model (``detente.models.get_model(name)``) these functions re-run the model on
changed scenarios, with the same seed each time (common random numbers), and report the change of
the forecast on every issue:

* :func:`remove_effect`: the actor or group leaves the negotiation (its stances go);
* :func:`add_effect`: an actor joins with stated stances;
* :func:`align_effect`: a coalition's members adopt one common position on every issue where they
  have a stance: the capability x salience weighted mean of their positions, or a stated target;
* :func:`shapley`: each actor's Shapley value on the forecast, from the game whose value ``v(S)`` is
  the forecast when only the actors in ``S`` take part. By efficiency the values on an issue add up
  to ``forecast - v(empty)``: each actor's share of moving the outcome away from where it would be
  without anyone. ``v(empty)`` (and ``v(S)`` on an issue where no member of ``S`` has positive
  capability and salience) is the issue's status quo, or the unweighted mean of all positions on an
  issue without one. Exact (all ``2**n`` coalitions) up to ``exact_limit`` actors; otherwise
  estimated from seeded random orderings, in parallel if asked, with the same result for any
  number of workers;
* :func:`best_coalition`: the coalition of a given size whose members, by aligning on a target
  (``{issue: position}``), move the forecast closest to it (the summed distance over the target's
  issues). Exact enumeration when there are at most ``exact_limit`` coalitions of that size,
  greedy (adding the best actor one at a time) beyond.

>>> from detente.models import get_model
>>> from detente.scenarios import load_scenario
>>> s = load_scenario("ktab-3dim")
>>> sh = shapley(get_model("compromise"), s)
>>> bool(abs(sh.values.sum(axis=0) - (sh.grand - sh.empty)).max() < 1e-9)  # efficiency
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import combinations
from typing import Any

import numpy as np

from detente._random import make_rng
from detente._types import ActorId, IssueId, SeedLike
from detente.errors import ParameterError
from detente.experiments.run import run_replicates
from detente.models.base import ForecastModel
from detente.scenario import Actor, Scenario, Stance

__all__ = [
    "CoalitionChoice",
    "Effect",
    "ShapleyValues",
    "add_effect",
    "align_effect",
    "best_coalition",
    "group_members",
    "null_outcomes",
    "remove_effect",
    "shapley",
]


@dataclass(frozen=True)
class Effect:
    """The change of a model's forecast when actors leave, join or align."""

    label: str
    kind: str
    actors: tuple[ActorId, ...]
    issue_ids: tuple[IssueId, ...]
    before: np.ndarray
    after: np.ndarray

    @property
    def change(self) -> np.ndarray:
        """``after - before`` per issue."""
        return self.after - self.before

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict keyed by issue id."""
        return {
            "label": self.label,
            "kind": self.kind,
            "actors": list(self.actors),
            "before": dict(zip(self.issue_ids, map(float, self.before), strict=True)),
            "after": dict(zip(self.issue_ids, map(float, self.after), strict=True)),
            "change": dict(zip(self.issue_ids, map(float, self.change), strict=True)),
        }


@dataclass(frozen=True)
class ShapleyValues:
    """Shapley values on the forecast: ``values[i, j]`` is actor ``i``'s share on issue ``j``.

    ``empty`` is ``v(empty)`` and ``grand`` the forecast with every actor; ``stderr`` is the Monte
    Carlo standard error (zeros when ``exact``).
    """

    actor_ids: tuple[ActorId, ...]
    issue_ids: tuple[IssueId, ...]
    values: np.ndarray
    stderr: np.ndarray
    empty: np.ndarray
    grand: np.ndarray
    exact: bool
    n_permutations: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict keyed by actor and issue ids."""
        return {
            "exact": self.exact,
            "n_permutations": self.n_permutations,
            "empty": dict(zip(self.issue_ids, map(float, self.empty), strict=True)),
            "grand": dict(zip(self.issue_ids, map(float, self.grand), strict=True)),
            "values": {
                a: dict(zip(self.issue_ids, map(float, row), strict=True))
                for a, row in zip(self.actor_ids, self.values, strict=True)
            },
            "stderr": {
                a: dict(zip(self.issue_ids, map(float, row), strict=True))
                for a, row in zip(self.actor_ids, self.stderr, strict=True)
            },
        }


@dataclass(frozen=True)
class CoalitionChoice:
    """The best coalition of one size for a target: members, forecast, and distance to the target."""

    size: int
    members: tuple[ActorId, ...]
    target: dict[IssueId, float]
    distance_before: float
    distance_after: float
    forecast: dict[IssueId, float]
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dict(self.__dict__, members=list(self.members))


# --- the game ------------------------------------------------------------------------------------


def null_outcomes(scenario: Scenario) -> np.ndarray:
    """Each issue's outcome without actors: its status quo, or the unweighted mean of the positions."""
    pos = scenario.positions()
    return np.array(
        [
            float(issue.status_quo) if issue.status_quo is not None else float(np.nanmean(pos[:, j]))
            for j, issue in enumerate(scenario.issues)
        ]
    )


def _forecast(model: ForecastModel, scenario: Scenario, seed: SeedLike) -> np.ndarray:
    f = model.forecast(scenario, seed=seed)
    return np.array([f.position(i) for i in scenario.issue_ids])


def _coalition_value(
    model: ForecastModel, scenario: Scenario, members: np.ndarray, seed: SeedLike, empty: np.ndarray
) -> np.ndarray:
    """Forecast with only ``members`` (bool mask) taking part; ``empty`` where none of them counts."""
    keep = {a for a, m in zip(scenario.actor_ids, members, strict=True) if m}
    weight = scenario.capabilities()[:, None] * scenario.saliences()
    live = (weight[members] > 0).any(axis=0) if members.any() else np.zeros(len(scenario.issues), bool)
    out = empty.copy()
    if not live.any():
        return out
    issues = tuple(i for i, ok in zip(scenario.issues, live, strict=True) if ok)
    ids = {i.id for i in issues}
    sub = scenario.model_copy(
        update={
            "actors": tuple(a for a in scenario.actors if a.id in keep),
            "issues": issues,
            "stances": tuple(s for s in scenario.stances if s.actor in keep and s.issue in ids),
        }
    )
    out[live] = _forecast(model, sub, seed)
    return out


def group_members(scenario: Scenario) -> dict[str, tuple[ActorId, ...]]:
    """Group label -> its actors, for actors with a non-empty ``group``."""
    out: dict[str, list[ActorId]] = {}
    for a in scenario.actors:
        if a.group.strip():
            out.setdefault(a.group, []).append(a.id)
    return {g: tuple(m) for g, m in out.items()}


def _check_actors(scenario: Scenario, actors: Sequence[ActorId], where: str) -> tuple[ActorId, ...]:
    known = set(scenario.actor_ids)
    for a in actors:
        if a not in known:
            raise ParameterError(
                f"there is no actor {a!r}", where=where, fix=f"use one of: {', '.join(scenario.actor_ids)}"
            )
    if not actors:
        raise ParameterError("no actors given", where=where, fix="name at least one actor")
    return tuple(dict.fromkeys(actors))


# --- effects -------------------------------------------------------------------------------------


def remove_effect(
    model: ForecastModel,
    scenario: Scenario,
    actors: Sequence[ActorId],
    *,
    seed: SeedLike = 0,
    label: str = "",
) -> Effect:
    """The forecast without ``actors`` (issues left without stances keep :func:`null_outcomes`)."""
    actors = _check_actors(scenario, actors, "remove")
    before = _forecast(model, scenario, seed)
    mask = np.array([a not in actors for a in scenario.actor_ids])
    after = _coalition_value(model, scenario, mask, seed, null_outcomes(scenario))
    return Effect(
        label or "without " + ", ".join(actors), "remove", actors, scenario.issue_ids, before, after
    )


def add_effect(
    model: ForecastModel, scenario: Scenario, actor: Actor, stances: Sequence[Stance], *, seed: SeedLike = 0
) -> Effect:
    """The forecast when ``actor`` joins with ``stances`` (validated like any scenario)."""
    before = _forecast(model, scenario, seed)
    grown = Scenario(
        **{
            **{name: getattr(scenario, name) for name in type(scenario).model_fields},
            "actors": (*scenario.actors, actor),
            "stances": (*scenario.stances, *stances),
        }
    )
    after = _forecast(model, grown, seed)
    return Effect(f"with {actor.id}", "add", (actor.id,), scenario.issue_ids, before, after)


def aligned(
    scenario: Scenario, members: Sequence[ActorId], target: Mapping[IssueId, float] | None = None
) -> Scenario:
    """The scenario with ``members`` on one common position on every issue where they have a stance.

    The common position is ``target[issue]`` where given, else the capability x salience weighted
    mean of the members' positions (their plain mean if those weights are all zero).
    """
    members = _check_actors(scenario, members, "coalition")
    for issue in target or {}:
        if issue not in scenario.issue_ids:
            raise ParameterError(
                f"there is no issue {issue!r}",
                where="--target",
                fix=f"use one of: {', '.join(scenario.issue_ids)}",
            )
    caps = {a.id: a.capability for a in scenario.actors}
    common: dict[str, float] = {}
    for issue in scenario.issue_ids:
        if target and issue in target:
            common[issue] = float(target[issue])
            continue
        st = [s for s in scenario.stances if s.issue == issue and s.actor in members]
        if not st:
            continue
        w = np.array([caps[s.actor] * s.salience for s in st])
        x = np.array([s.position for s in st])
        common[issue] = float(w @ x / w.sum()) if w.sum() > 0 else float(x.mean())
    stances = [
        s.model_copy(update={"position": common[s.issue]}) if s.actor in members and s.issue in common else s
        for s in scenario.stances
    ]
    return scenario.model_copy(update={"stances": tuple(stances)})


def align_effect(
    model: ForecastModel,
    scenario: Scenario,
    members: Sequence[ActorId],
    *,
    target: Mapping[IssueId, float] | None = None,
    seed: SeedLike = 0,
    label: str = "",
) -> Effect:
    """The forecast when ``members`` align on one position (see :func:`aligned`)."""
    members = _check_actors(scenario, members, "coalition")
    before = _forecast(model, scenario, seed)
    after = _forecast(model, aligned(scenario, members, target), seed)
    return Effect(
        label or "aligned: " + ", ".join(members), "align", members, scenario.issue_ids, before, after
    )


# --- Shapley values ------------------------------------------------------------------------------


def _permutation_contributions(
    task: int, seed_seq: np.random.SeedSequence, *, model: ForecastModel, scenario: Scenario, seed: SeedLike
) -> np.ndarray:
    """Marginal contributions of each actor along one random ordering, shape (n_actors, n_issues)."""
    n = len(scenario.actors)
    order = make_rng(seed_seq).permutation(n)
    empty = null_outcomes(scenario)
    members = np.zeros(n, dtype=bool)
    prev = empty
    out = np.zeros((n, len(scenario.issues)))
    for i in order:
        members[i] = True
        cur = _coalition_value(model, scenario, members, seed, empty)
        out[i] = cur - prev
        prev = cur
    return out


def shapley(
    model: ForecastModel,
    scenario: Scenario,
    *,
    seed: SeedLike = 0,
    exact_limit: int = 10,
    n_permutations: int = 200,
    n_jobs: int | None = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> ShapleyValues:
    """Each actor's Shapley value on the forecast of every issue (see the module docstring)."""
    n = len(scenario.actors)
    empty = null_outcomes(scenario)
    k = len(scenario.issues)
    if n <= exact_limit:
        masks = np.arange(2**n)
        bits = ((masks[:, None] >> np.arange(n)) & 1).astype(bool)
        v = np.empty((2**n, k))
        for m in masks:
            v[m] = _coalition_value(model, scenario, bits[m], seed, empty)
            if on_progress is not None:
                on_progress(int(m) + 1, 2**n)
        size = bits.sum(axis=1)
        fact = np.array([math.factorial(s) for s in range(n + 1)], dtype=float)
        weight = fact[size] * fact[np.maximum(n - size - 1, 0)] / fact[n]
        values = np.zeros((n, k))
        for i in range(n):
            without = masks[~bits[:, i]]
            values[i] = weight[without] @ (v[without | (1 << i)] - v[without])
        return ShapleyValues(
            scenario.actor_ids, scenario.issue_ids, values, np.zeros((n, k)), empty, v[-1], True, 0
        )
    if n_permutations < 2:
        raise ParameterError(
            "sampled Shapley values need at least 2 orderings", where="n_permutations", fix="use 100 or more"
        )
    func = partial(_permutation_contributions, model=model, scenario=scenario, seed=seed)
    contributions = np.array(
        run_replicates(func, range(n_permutations), seed=seed, n_jobs=n_jobs, on_progress=on_progress)
    )
    values = contributions.mean(axis=0)
    stderr = contributions.std(axis=0, ddof=1) / np.sqrt(n_permutations)
    grand = _forecast(model, scenario, seed)
    return ShapleyValues(
        scenario.actor_ids, scenario.issue_ids, values, stderr, empty, grand, False, n_permutations
    )


# --- best coalition toward a target ---------------------------------------------------------------


def best_coalition(
    model: ForecastModel,
    scenario: Scenario,
    target: Mapping[IssueId, float],
    size: int,
    *,
    seed: SeedLike = 0,
    exact_limit: int = 2000,
) -> CoalitionChoice:
    """The coalition of ``size`` actors that, aligned on ``target``, brings the forecast closest to it."""
    n = len(scenario.actors)
    if not target:
        raise ParameterError(
            "no target given", where="--target", fix="give ISSUE=VALUE, e.g. --target nuclear=0"
        )
    if not 1 <= size <= n:
        raise ParameterError(
            f"a coalition size must be from 1 to {n}, got {size}", where="size", fix="pick another"
        )
    for issue, value in target.items():
        if issue not in scenario.issue_ids:
            raise ParameterError(
                f"there is no issue {issue!r}",
                where="--target",
                fix=f"use one of: {', '.join(scenario.issue_ids)}",
            )
        if not 0 <= value <= 100:
            raise ParameterError(
                f"a target position must be from 0 to 100, got {value}",
                where=f"--target {issue}",
                fix="use 0-100",
            )
    cols = np.array([scenario.issue_ids.index(i) for i in target])
    goal = np.array(list(target.values()), dtype=float)

    def distance(members: tuple[ActorId, ...]) -> tuple[float, np.ndarray]:
        s = aligned(scenario, members, target) if members else scenario
        f = _forecast(model, s, seed)
        return float(np.abs(f[cols] - goal).sum()), f

    d0, _ = distance(())
    exact = math.comb(n, size) <= exact_limit
    if exact:
        candidates = combinations(scenario.actor_ids, size)
        best = min(((distance(c)[0], c) for c in candidates), key=lambda t: t[0])
        members = best[1]
    else:
        chosen: tuple[ActorId, ...] = ()
        for _ in range(size):
            rest = [a for a in scenario.actor_ids if a not in chosen]
            _, pick = min(((distance((*chosen, a))[0], a) for a in rest), key=lambda t: t[0])
            chosen = (*chosen, pick)
        members = chosen
    d1, f1 = distance(members)
    return CoalitionChoice(
        size,
        tuple(members),
        {k: float(v) for k, v in target.items()},
        d0,
        d1,
        dict(zip(scenario.issue_ids, map(float, f1), strict=True)),
        exact,
    )
