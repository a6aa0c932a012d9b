"""The scenario: actors, issues and stances, checked against each other."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from detente._types import ActorId, IssueId
from detente.errors import ScenarioError
from detente.scenario._errors import LocatedValueError
from detente.scenario._fields import AsOf, Name, Text
from detente.scenario.actor import Actor
from detente.scenario.issue import Issue
from detente.scenario.stance import Source, Stance

__all__ = ["MAX_ACTORS", "MAX_ISSUES", "MAX_STANCES", "IssueData", "Scenario", "check_size"]

MAX_ACTORS = 5_000
"""Most actors a scenario may have (each model may accept fewer: ``detente models``)."""
MAX_ISSUES = 500
"""Most issues (dimensions) a scenario may have."""
MAX_STANCES = 100_000
"""Most stances a scenario may have."""


def check_size(n_actors: int, n_issues: int, n_stances: int, *, source: str | None = None) -> None:
    """Refuse a scenario over :data:`MAX_ACTORS`, :data:`MAX_ISSUES` or :data:`MAX_STANCES`.

    Readers call this as soon as they know the counts, before building anything from them.
    """
    for count, cap, what in (
        (n_actors, MAX_ACTORS, "actors"),
        (n_issues, MAX_ISSUES, "issues"),
        (n_stances, MAX_STANCES, "stances"),
    ):
        if count > cap:
            raise ScenarioError(
                f"the scenario has {count:,} {what}, over detente's limit of {cap:,}",
                source=source,
                fix=f"split the scenario or leave out minor {what} (docs/reliability.md lists the limits)",
            )


@dataclass(frozen=True)
class IssueData:
    """The numbers one issue contributes to a one-dimensional model.

    Only actors with a stance on the issue are included, in scenario order.

    Attributes
    ----------
    issue : Issue
    actor_ids : tuple of str, shape (n_actors,)
    positions : ndarray, shape (n_actors,), 0-100
    saliences : ndarray, shape (n_actors,), 0-100
    capabilities : ndarray, shape (n_actors,)
    position_sd : ndarray, shape (n_actors,); 0 where the stance gives no uncertainty
    """

    issue: Issue
    actor_ids: tuple[ActorId, ...]
    positions: np.ndarray
    saliences: np.ndarray
    capabilities: np.ndarray
    position_sd: np.ndarray

    @property
    def status_quo(self) -> float | None:
        """The issue's status quo, 0-100, or None."""
        return self.issue.status_quo

    @property
    def n_actors(self) -> int:
        """Number of actors with a stance on the issue."""
        return len(self.actor_ids)


class Scenario(BaseModel):
    """A negotiation: who takes part (actors), what is negotiated (issues), and who wants what (stances).

    A scenario is immutable and checked as a whole when it is built: ids are unique, every stance
    names a known actor, issue and source, no actor has two stances on one issue, and every issue has
    at least one stance. Build one from a file with :func:`detente.scenario.io.load_scenario`.

    >>> s = Scenario(
    ...     name="Toy",
    ...     actors=[Actor(id="A", name="A", capability=1), Actor(id="B", name="B", capability=3)],
    ...     issues=[Issue(id="x", name="X")],
    ...     stances=[Stance(actor="A", issue="x", position=0, salience=50),
    ...              Stance(actor="B", issue="x", position=100, salience=50)],
    ... )
    >>> s.positions().tolist()
    [[0.0], [100.0]]
    """

    # Not strict at this level, so that lists are accepted for the tuples; the leaf classes are.
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name = Field(description="Name of the scenario.", strict=True)
    description: Text = Field(
        default="", description="What the scenario is about; date and context.", strict=True
    )
    as_of: AsOf = Field(
        default="",
        description="The date the stances describe, YYYY, YYYY-MM or YYYY-MM-DD ('' if undated).",
        strict=True,
    )
    horizon: Text = Field(
        default="",
        description="When a bargained outcome would be reached, in words (e.g. 'within five years').",
        strict=True,
    )
    sources: tuple[Source, ...] = Field(default=(), description="Documents the stances cite.")
    actors: tuple[Actor, ...] = Field(min_length=1, max_length=MAX_ACTORS, description="The actors.")
    issues: tuple[Issue, ...] = Field(min_length=1, max_length=MAX_ISSUES, description="The issues.")
    stances: tuple[Stance, ...] = Field(
        min_length=1, max_length=MAX_STANCES, description="Actors' stances on issues."
    )

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        for kind, items in (("actor", self.actors), ("issue", self.issues), ("source", self.sources)):
            first: dict[str, int] = {}
            for k, item in enumerate(items):
                if item.id in first:
                    raise LocatedValueError(
                        f"two {kind}s have the id {item.id!r}; ids must be unique", (kind + "s", k, "id")
                    )
                first[item.id] = k
        actor_ids = {a.id for a in self.actors}
        issue_ids = {i.id for i in self.issues}
        source_ids = {s.id for s in self.sources}
        seen: set[tuple[str, str]] = set()
        for k, st in enumerate(self.stances):
            if st.actor not in actor_ids:
                raise LocatedValueError(
                    f"unknown actor {st.actor!r}; add it to actors or correct the id", ("stances", k, "actor")
                )
            if st.issue not in issue_ids:
                raise LocatedValueError(
                    f"unknown issue {st.issue!r}; add it to issues or correct the id", ("stances", k, "issue")
                )
            if st.source and st.source not in source_ids:
                raise LocatedValueError(
                    f"unknown source {st.source!r}; add it to sources or correct the id",
                    ("stances", k, "source"),
                )
            if (st.actor, st.issue) in seen:
                raise LocatedValueError(
                    f"a second stance of {st.actor!r} on {st.issue!r}; keep one", ("stances", k)
                )
            seen.add((st.actor, st.issue))
        for k, issue in enumerate(self.issues):
            for j, a in enumerate(issue.veto_players):
                if a not in actor_ids:
                    raise LocatedValueError(
                        f"unknown actor {a!r} among the veto players; add it to actors or correct the id",
                        ("issues", k, "veto_players", j),
                    )
                if (a, issue.id) not in self._stance_index:
                    raise LocatedValueError(
                        f"veto player {a!r} has no stance on {issue.id!r}; give it one",
                        ("issues", k, "veto_players", j),
                    )
        covered = {st.issue for st in self.stances}
        for k, issue in enumerate(self.issues):
            if issue.id not in covered:
                raise LocatedValueError(
                    f"issue {issue.id!r} has no stances; add at least one or remove it", ("issues", k)
                )
        return self

    # --- look-ups -------------------------------------------------------------------------------

    @property
    def actor_ids(self) -> tuple[ActorId, ...]:
        """Actor ids in scenario order."""
        return tuple(a.id for a in self.actors)

    @property
    def issue_ids(self) -> tuple[IssueId, ...]:
        """Issue ids in scenario order."""
        return tuple(i.id for i in self.issues)

    @cached_property
    def _actor_index(self) -> dict[str, int]:
        return {a.id: k for k, a in enumerate(self.actors)}

    @cached_property
    def _issue_index(self) -> dict[str, int]:
        return {i.id: k for k, i in enumerate(self.issues)}

    @cached_property
    def _stance_index(self) -> dict[tuple[str, str], Stance]:
        return {(s.actor, s.issue): s for s in self.stances}

    def actor(self, actor_id: ActorId) -> Actor:
        """Return the actor with this id (KeyError if there is none)."""
        return self.actors[self._actor_index[actor_id]]

    def issue(self, issue_id: IssueId) -> Issue:
        """Return the issue with this id (KeyError if there is none)."""
        return self.issues[self._issue_index[issue_id]]

    def stance(self, actor_id: ActorId, issue_id: IssueId) -> Stance | None:
        """Return the actor's stance on the issue, or None if it has none."""
        return self._stance_index.get((actor_id, issue_id))

    def source(self, source_id: str) -> Source:
        """Return the source with this id (KeyError if there is none)."""
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)

    # --- arrays for models ------------------------------------------------------------------------

    def capabilities(self) -> np.ndarray:
        """Capabilities, shape (n_actors,), in scenario order."""
        return np.array([a.capability for a in self.actors], dtype=float)

    def has_stance(self) -> np.ndarray:
        """Boolean mask, shape (n_actors, n_issues): True where the actor has a stance."""
        mask = np.zeros((len(self.actors), len(self.issues)), dtype=bool)
        for st in self.stances:
            mask[self._actor_index[st.actor], self._issue_index[st.issue]] = True
        return mask

    def positions(self) -> np.ndarray:
        """Positions, shape (n_actors, n_issues), 0-100; NaN where an actor has no stance."""
        out = np.full((len(self.actors), len(self.issues)), np.nan)
        for st in self.stances:
            out[self._actor_index[st.actor], self._issue_index[st.issue]] = st.position
        return out

    def saliences(self) -> np.ndarray:
        """Saliences, shape (n_actors, n_issues), 0-100; 0 where an actor has no stance."""
        out = np.zeros((len(self.actors), len(self.issues)))
        for st in self.stances:
            out[self._actor_index[st.actor], self._issue_index[st.issue]] = st.salience
        return out

    def issue_data(self, issue_id: IssueId) -> IssueData:
        """The stances on one issue as arrays, for one-dimensional models."""
        issue = self.issue(issue_id)
        rows = [
            (a, self._stance_index[(a.id, issue_id)])
            for a in self.actors
            if (a.id, issue_id) in self._stance_index
        ]
        return IssueData(
            issue=issue,
            actor_ids=tuple(a.id for a, _ in rows),
            positions=np.array([s.position for _, s in rows], dtype=float),
            saliences=np.array([s.salience for _, s in rows], dtype=float),
            capabilities=np.array([a.capability for a, _ in rows], dtype=float),
            position_sd=np.array(
                [s.uncertainty.standard_deviation() if s.uncertainty else 0.0 for _, s in rows],
                dtype=float,
            ),
        )

    # --- derived scenarios ------------------------------------------------------------------------

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Scenario:
        """Copy (as pydantic's ``model_copy``, without re-validation), dropping cached look-ups."""
        copy = super().model_copy(update=update, deep=deep)
        for name in _CACHED:
            copy.__dict__.pop(name, None)
        return copy

    def replace_stances(self, stances: list[Stance] | tuple[Stance, ...]) -> Scenario:
        """Return a copy with other stances (validated)."""
        return Scenario(**{**self._shallow(), "stances": tuple(stances)})

    def replace_actors(self, actors: list[Actor] | tuple[Actor, ...]) -> Scenario:
        """Return a copy with other actors (validated)."""
        return Scenario(**{**self._shallow(), "actors": tuple(actors)})

    def without_actors(self, actor_ids: set[ActorId] | list[ActorId]) -> Scenario:
        """Return a copy without these actors and their stances (validated)."""
        drop = set(actor_ids)
        return Scenario(
            **{
                **self._shallow(),
                "actors": tuple(a for a in self.actors if a.id not in drop),
                "stances": tuple(s for s in self.stances if s.actor not in drop),
            }
        )

    def _shallow(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in type(self).model_fields}

    def estimates(self) -> list[Stance]:
        """Stances that are the analyst's estimates rather than stated in a source."""
        return [s for s in self.stances if s.basis == "estimate"]


_CACHED = ("_actor_index", "_issue_index", "_stance_index")
