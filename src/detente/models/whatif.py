"""What-if and compare: forecasts of two versions of a scenario side by side, with the differences.

:func:`parse_change` reads a change as typed on the command line (``ACTOR.ISSUE.position=V``,
``ACTOR.ISSUE.salience=V``, ``ACTOR.capability=V``); :func:`apply_changes` applies changes to a
scenario (checked like any scenario); :func:`compare_scenarios` runs the same models on two scenarios
and lines their forecasts up on the issues they share, naming the issues and actors that differ.

>>> from detente.scenarios import load_scenario
>>> s = load_scenario("korea")
>>> t = apply_changes(s, [parse_change("Russia.sanctions.position=50")])
>>> t.stance("Russia", "sanctions").position
50.0
>>> d = compare_scenarios(s, s, ["compromise"])
>>> float(abs(d.difference["compromise"]).max())
0.0
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente._types import IssueId, SeedLike
from detente.errors import ModelError, ParameterError
from detente.models import BASELINE_MODELS, get_model
from detente.models.base import ForecastModel
from detente.scenario import Scenario, Stance

__all__ = ["FAST_MODELS", "Change", "Difference", "apply_changes", "compare_scenarios", "parse_change"]

FAST_MODELS: tuple[str, ...] = tuple(cls.name for cls in BASELINE_MODELS)
"""The static models, each well under a second on any embedded scenario: what-if's default."""

_FIELDS = ("position", "salience", "capability")


@dataclass(frozen=True)
class Change:
    """One change: ``field`` of ``actor`` (on ``issue`` for a position or salience) set to ``value``."""

    actor: str
    field: str
    value: float
    issue: str | None = None
    text: str = ""

    def describe(self) -> str:
        """The change as typed: ``ACTOR.ISSUE.field=V`` or ``ACTOR.capability=V``."""
        where = f"{self.actor}.{self.issue}" if self.issue else self.actor
        return f"{where}.{self.field}={self.value:g}"


_FIX = "write ACTOR.ISSUE.position=V, ACTOR.ISSUE.salience=V or ACTOR.capability=V (V from 0 to 100)"


def parse_change(text: str) -> Change:
    """Read ``ACTOR.ISSUE.position=V``, ``ACTOR.ISSUE.salience=V`` or ``ACTOR.capability=V``.

    Raises :class:`ParameterError` (naming the ``--set`` and the fix) for anything else, and for
    values that are not numbers from 0 to 100 (capabilities: any number >= 0).
    """
    key, sep, raw = text.partition("=")
    parts = [p.strip() for p in key.split(".")]
    where = f"--set {text}"
    if not sep or not raw.strip() or any(not p for p in parts) or len(parts) not in (2, 3):
        raise ParameterError(f"{text!r} is not a change", where=where, fix=_FIX)
    name = parts[-1].lower()
    if name not in _FIELDS:
        raise ParameterError(f"{parts[-1]!r} cannot be set", where=where, fix=_FIX)
    if (name == "capability") != (len(parts) == 2):
        raise ParameterError(
            f"{name} belongs to {'an actor' if name == 'capability' else 'a stance (an actor on an issue)'}",
            where=where,
            fix=_FIX,
        )
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    top = math.inf if name == "capability" else 100.0
    if not (math.isfinite(value) and 0.0 <= value <= top):
        span = "a number >= 0" if name == "capability" else "a number from 0 to 100"
        raise ParameterError(f"{raw.strip()!r} is not {span}", where=where, fix=_FIX)
    return Change(parts[0], name, value, parts[1] if len(parts) == 3 else None, text)


def _check(scenario: Scenario, c: Change) -> None:
    where = f"--set {c.text or c.describe()}"
    if c.actor not in scenario.actor_ids:
        near = difflib.get_close_matches(c.actor, scenario.actor_ids, n=1, cutoff=0.6)
        near += [a for a in scenario.actor_ids if a.lower() == c.actor.lower()]
        hint = f"did you mean {near[-1]!r}? " if near else ""
        fix = f"{hint}use one of: {', '.join(scenario.actor_ids)}"
        raise ParameterError(f"there is no actor {c.actor!r}", where=where, fix=fix)
    if c.issue is not None and c.issue not in scenario.issue_ids:
        raise ParameterError(
            f"there is no issue {c.issue!r}", where=where, fix=f"use one of: {', '.join(scenario.issue_ids)}"
        )


def apply_changes(scenario: Scenario, changes: Sequence[Change]) -> Scenario:
    """The scenario with ``changes`` applied in order (later changes of the same thing win).

    A position or salience of a stance the actor does not have creates the stance when both are set
    (an analyst's estimate noting the what-if); setting only one of them is a :class:`ParameterError`.
    """
    for c in changes:
        _check(scenario, c)
    caps = {a.id: a.capability for a in scenario.actors}
    stance_updates: dict[tuple[str, str], dict[str, float]] = {}
    for c in changes:
        if c.field == "capability":
            caps[c.actor] = c.value
        else:
            assert c.issue is not None
            stance_updates.setdefault((c.actor, c.issue), {})[c.field] = c.value
    stances = list(scenario.stances)
    index = {(s.actor, s.issue): k for k, s in enumerate(stances)}
    for (actor, issue), update in stance_updates.items():
        if (actor, issue) in index:
            k = index[(actor, issue)]
            stances[k] = stances[k].model_copy(update=update)
        elif set(update) == {"position", "salience"}:
            stances.append(
                Stance(
                    actor=actor,
                    issue=issue,
                    position=update["position"],
                    salience=update["salience"],
                    note="what-if: a stance set on the command line",
                )
            )
        else:
            missing = "salience" if "position" in update else "position"
            raise ParameterError(
                f"{actor} has no stance on {issue}",
                where=f"--set {actor}.{issue}.{next(iter(update))}",
                fix=f"set its {missing} too, e.g. --set {actor}.{issue}.{missing}=50",
            )
    actors = tuple(
        a.model_copy(update={"capability": caps[a.id]}) if caps[a.id] != a.capability else a
        for a in scenario.actors
    )
    return scenario.model_copy(update={"actors": actors, "stances": tuple(stances)})


@dataclass(frozen=True)
class Difference:
    """Forecasts of two scenarios by the same models on their shared issues, and what differs.

    ``first[m]`` and ``second[m]`` hold model ``m``'s forecasts on ``issue_ids`` (NaN where the model
    could not forecast that scenario); ``difference[m] = second[m] - first[m]``.
    """

    labels: tuple[str, str]
    models: tuple[str, ...]
    issue_ids: tuple[IssueId, ...]
    first: dict[str, np.ndarray]
    second: dict[str, np.ndarray]
    failures: dict[str, str] = field(default_factory=dict)
    only_first: dict[str, tuple[str, ...]] = field(default_factory=dict)
    only_second: dict[str, tuple[str, ...]] = field(default_factory=dict)
    changed_stances: int = 0
    changed_actors: tuple[str, ...] = ()

    @property
    def difference(self) -> dict[str, np.ndarray]:
        """``second - first`` per model and issue."""
        return {m: self.second[m] - self.first[m] for m in self.models}

    def rows(self) -> list[dict[str, Any]]:
        """One row per issue and model: the two forecasts and the difference (issue named once)."""
        out = []
        a, b = self.labels
        for j, issue in enumerate(self.issue_ids):
            for k, m in enumerate(self.models):
                d = self.second[m][j] - self.first[m][j]
                out.append(
                    {
                        "issue": issue if k == 0 else "",
                        "model": m,
                        a: _num(self.first[m][j]),
                        b: _num(self.second[m][j]),
                        "difference": "-" if np.isnan(d) else ("0.0" if abs(d) < 0.05 else f"{d:+.1f}"),
                    }
                )
        return out

    def notes(self) -> list[str]:
        """What the two scenarios do not share, and how many stances differ."""
        out = []
        a, b = self.labels
        for kind in ("issues", "actors"):
            if self.only_first.get(kind):
                out.append(f"{kind} only in {a}: {', '.join(self.only_first[kind])}")
            if self.only_second.get(kind):
                out.append(f"{kind} only in {b}: {', '.join(self.only_second[kind])}")
        if self.changed_actors:
            out.append(f"capability differs for: {', '.join(self.changed_actors)}")
        out.append(
            f"{self.changed_stances} shared stance(s) differ in position or salience"
            if self.changed_stances
            else "every shared stance has the same position and salience"
        )
        for m, why in self.failures.items():
            out.append(f"model {m} did not run: {why}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN as null)."""

        def by_issue(v: np.ndarray) -> dict[str, float | None]:
            return {i: (None if np.isnan(x) else float(x)) for i, x in zip(self.issue_ids, v, strict=True)}

        return {
            "labels": list(self.labels),
            "models": list(self.models),
            "issues": list(self.issue_ids),
            "first": {m: by_issue(v) for m, v in self.first.items()},
            "second": {m: by_issue(v) for m, v in self.second.items()},
            "difference": {m: by_issue(v) for m, v in self.difference.items()},
            "only_first": {k: list(v) for k, v in self.only_first.items()},
            "only_second": {k: list(v) for k, v in self.only_second.items()},
            "changed_stances": self.changed_stances,
            "changed_actors": list(self.changed_actors),
            "failures": dict(self.failures),
        }


def _num(x: float) -> str:
    return "-" if np.isnan(x) else f"{x:.1f}"


def _forecast(model: ForecastModel, scenario: Scenario, issues: Sequence[str], seed: SeedLike) -> np.ndarray:
    f = model.forecast(scenario, seed=seed)
    return np.array([f.position(i) for i in issues])


def compare_scenarios(
    first: Scenario,
    second: Scenario,
    models: Sequence[str | ForecastModel] = FAST_MODELS,
    *,
    labels: tuple[str, str] = ("baseline", "what-if"),
    seed: SeedLike = 0,
) -> Difference:
    """Forecast both scenarios with each model (same seed) and line them up on their shared issues.

    A model that cannot forecast one of them (:class:`ModelError`) is listed in ``failures`` and left
    out. Raises :class:`ParameterError` when the scenarios share no issue.
    """
    chosen = [get_model(m) if isinstance(m, str) else m for m in models]
    shared = tuple(i for i in first.issue_ids if i in second.issue_ids)
    if not shared:
        raise ParameterError(
            f"{first.name} and {second.name} share no issue",
            where="compare",
            fix="compare versions of one scenario (same issue ids)",
        )
    a, b = {}, {}
    failures: dict[str, str] = {}
    for m in chosen:
        try:
            a[m.name] = _forecast(m, first, shared, seed)
            b[m.name] = _forecast(m, second, shared, seed)
        except ModelError as exc:
            a.pop(m.name, None)
            b.pop(m.name, None)
            failures[m.name] = exc.message
    names = tuple(n for n in dict.fromkeys(m.name for m in chosen) if n in a)
    if not names:
        raise ModelError(
            "no model could forecast both scenarios ("
            + "; ".join(f"{k}: {v}" for k, v in failures.items())
            + ")",
            where="--model",
            fix="choose other models with --model",
        )
    shared_actors = [x for x in first.actor_ids if x in second.actor_ids]
    changed = sum(
        1
        for actor in shared_actors
        for issue in shared
        if (s1 := first.stance(actor, issue)) is not None
        and (s2 := second.stance(actor, issue)) is not None
        and (s1.position != s2.position or s1.salience != s2.salience)
    )
    caps = [x for x in shared_actors if first.actor(x).capability != second.actor(x).capability]
    return Difference(
        labels=labels,
        models=names,
        issue_ids=shared,
        first=a,
        second=b,
        failures=failures,
        only_first={
            "issues": tuple(i for i in first.issue_ids if i not in second.issue_ids),
            "actors": tuple(x for x in first.actor_ids if x not in second.actor_ids),
        },
        only_second={
            "issues": tuple(i for i in second.issue_ids if i not in first.issue_ids),
            "actors": tuple(x for x in second.actor_ids if x not in first.actor_ids),
        },
        changed_stances=changed,
        changed_actors=tuple(caps),
    )
