"""The one interface every forecasting model follows.

A model is a frozen, validated set of keyword parameters (a pydantic model, like a scikit-learn
estimator whose constructor only stores parameters). Its one verb is :meth:`ForecastModel.forecast`,
a pure function of (scenario, seed) that returns a :class:`~detente.models.result.Forecast`.

Write a new one-dimensional model by subclassing :class:`IssueByIssueModel` and implementing
``_forecast_issue``; write a multidimensional one by subclassing :class:`ForecastModel` and
implementing ``forecast``. Give the class ``name``, ``summary`` and ``tags``, and add it to
``ALL_MODELS`` in :mod:`detente.models`.

Veto players (:attr:`detente.scenario.Issue.veto_players`) can hold an issue at its status quo alone.
A model tagged ``honours_vetoes`` keeps its forecast where every veto player is at least as well off
as at the status quo (:func:`veto_interval`); :class:`IssueByIssueModel` does this for its subclasses,
and a multidimensional model tagged so must do it itself (the contract checks hold it to that).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from detente._random import spawn
from detente._types import SeedLike
from detente.errors import ModelError, ParameterError
from detente.models.result import Forecast, IssueForecast, Round, Status
from detente.scenario import IssueData, Scenario

__all__ = [
    "VETO_TOLERANCE",
    "ForecastModel",
    "IssueByIssueModel",
    "ModelLimits",
    "ModelTags",
    "OnRound",
    "ParameterInfo",
    "apply_vetoes",
    "veto_interval",
]

OnRound = Callable[[Round], None]
"""Callback a caller may pass to watch a dynamic model's rounds as they are computed."""


@dataclass(frozen=True)
class ModelTags:
    """What a model is, declared on the class and checked by the common contract tests.

    Attributes
    ----------
    stochastic : bool
        The forecast depends on the seed.
    produces_rounds : bool
        The forecast has a non-empty ``rounds`` history.
    joint_issues : bool
        The model treats issues jointly (multidimensional); otherwise issue by issue.
    needs_capability : bool
        Capabilities enter the forecast.
    honours_vetoes : bool
        The forecast of an issue with veto players stays inside the outcomes every veto player
        weakly prefers to the status quo (:func:`veto_interval`). Models whose own dynamics decide
        the outcome (challenges, bargains, elections) leave it False and ignore veto players.
    reference : str
        The paper or specification the model follows.
    """

    stochastic: bool = False
    produces_rounds: bool = False
    joint_issues: bool = False
    needs_capability: bool = True
    honours_vetoes: bool = False
    reference: str = ""


@dataclass(frozen=True)
class ModelLimits:
    """The largest scenario a model accepts; larger ones are refused before any array is allocated.

    Attributes
    ----------
    max_actors : int
        Most actors in the scenario.
    max_issues : int
        Most issues (dimensions) in the scenario.
    max_work : float or None
        Most ``actors ** work_exponent * issues``: for models whose cost per issue grows as a power
        of the number of actors, a budget that many issues of few actors or few issues of many
        actors both fit.
    work_exponent : int
        The power of the number of actors in ``max_work``.
    why : str
        What grows with size (time, memory); shown in the refusal and in ``docs/reliability.md``.
    """

    max_actors: int = 5_000
    max_issues: int = 500
    max_work: float | None = None
    work_exponent: int = 1
    why: str = "the limit of every scenario"

    def problem(self, n_actors: int, n_issues: int) -> str | None:
        """What is over the limits for a scenario of this size, or None."""
        if n_actors > self.max_actors:
            return f"handles at most {self.max_actors:,} actors and this scenario has {n_actors:,}"
        if n_issues > self.max_issues:
            return f"handles at most {self.max_issues:,} issues and this scenario has {n_issues:,}"
        if self.max_work is not None and n_actors**self.work_exponent * n_issues > self.max_work:
            most = int(self.max_work // n_actors**self.work_exponent)
            return (
                f"handles at most {most:,} issues of {n_actors:,} actors (actors^{self.work_exponent} "
                f"x issues <= {self.max_work:,.0f}) and this scenario has {n_issues:,}"
            )
        return None


@dataclass(frozen=True)
class ParameterInfo:
    """One parameter of a model, for listings (``detente models``) and validation tests."""

    name: str
    type: str
    default: Any
    description: str


VETO_TOLERANCE = 1e-9
"""A forecast moved by no more than this (0-100 scale) onto the veto interval is not counted as bound."""


def veto_interval(status_quo: float, veto_positions: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """The outcomes every veto player weakly prefers to the status quo, as an interval of 0-100.

    With detente's symmetric (distance-based) utilities, a veto player at ``p`` accepts ``x`` exactly
    when ``|x - p| <= |status_quo - p|``: an interval around ``p`` with the status quo at one end.
    The intersection over veto players, within 0-100, always contains the status quo, so it is never
    empty. Without veto players it is the whole scale.

    >>> veto_interval(90.0, [95.0])  # |x - 95| <= 5
    (90.0, 100.0)
    >>> veto_interval(85.0, [95.0])  # |x - 95| <= 10, cut at 100
    (85.0, 100.0)
    >>> veto_interval(40.0, [40.0])
    (40.0, 40.0)
    >>> veto_interval(50.0, [60.0, 30.0])  # [40, 70] and [10, 50]
    (50.0, 50.0)
    >>> veto_interval(50.0, [60.0, 55.0])  # [40, 70] and [50, 60]
    (50.0, 60.0)
    """
    lo, hi = 0.0, 100.0
    for p in np.asarray(veto_positions, dtype=float):
        far = 2.0 * p - status_quo  # the other end of the actor's acceptable interval
        # The status quo end is kept exactly, so the intersection always contains it.
        lo = max(lo, min(status_quo, far))
        hi = min(hi, max(status_quo, far))
    return float(lo), float(hi)


def apply_vetoes(data: IssueData, position: float) -> tuple[float, dict[str, Any] | None]:
    """Project a forecast onto the issue's veto interval; return it with a record for ``details``.

    The record (None when the issue has no veto players) is ``{"players": [...], "unconstrained":
    position before projection, "acceptable": [low, high], "bound": whether the veto moved the
    forecast by more than :data:`VETO_TOLERANCE`}``. A veto player without a stance on the issue takes
    no part (a validated scenario has none; a sub-scenario copied without validation, such as a
    coalition's in :mod:`detente.deals.coalition`, may leave veto players out).
    """
    where = {a: k for k, a in enumerate(data.actor_ids)}
    players = [a for a in data.issue.veto_players if a in where]
    if not players or data.status_quo is None:
        return position, None
    lo, hi = veto_interval(data.status_quo, [data.positions[where[a]] for a in players])
    bounded = min(max(position, lo), hi)
    record = {
        "players": list(players),
        "unconstrained": float(position),
        "acceptable": [lo, hi],
        "bound": abs(bounded - position) > VETO_TOLERANCE,
    }
    return float(bounded), record


class ForecastModel(BaseModel):
    """Base class of all forecasting models.

    Build a model with keyword parameters (``SMP(voting_rule="Cubic")``); a bad value raises
    :class:`~detente.errors.ParameterError` naming the parameter and what it accepts.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    tags: ClassVar[ModelTags] = ModelTags()
    limits: ClassVar[ModelLimits] = ModelLimits()

    def __init__(self, **params: Any) -> None:
        try:
            super().__init__(**params)
        except ValidationError as exc:
            raise _parameter_error(type(self), exc) from None

    # --- parameters -------------------------------------------------------------------------

    def params(self) -> dict[str, Any]:
        """The model's parameters as a JSON-serialisable dict."""
        return self.model_dump(mode="json")

    def with_params(self, **changes: Any) -> Self:
        """Return a validated copy with some parameters changed."""
        return type(self)(**{**self.model_dump(), **changes})

    @classmethod
    def parameter_info(cls) -> list[ParameterInfo]:
        """Every parameter with its type, default and description."""
        out = []
        for pname, field in cls.model_fields.items():
            ann = field.annotation
            type_name = getattr(ann, "__name__", None) or str(ann).replace("typing.", "")
            out.append(
                ParameterInfo(
                    pname, type_name, field.get_default(call_default_factory=True), field.description or ""
                )
            )
        return out

    def __repr_args__(self) -> Any:
        for pname, field in type(self).model_fields.items():
            value = getattr(self, pname)
            if value != field.get_default(call_default_factory=True):
                yield pname, value

    # --- the verb ---------------------------------------------------------------------------

    def check_limits(self, scenario: Scenario) -> None:
        """Refuse, with a one-line :class:`~detente.errors.ModelError`, a scenario over :attr:`limits`."""
        problem = self.limits.problem(len(scenario.actors), len(scenario.issues))
        if problem is not None:
            raise ModelError(
                f"the {self.name} model {problem} ({self.limits.why})",
                where=f"model {self.name}",
                fix="leave out or merge minor actors or issues, or use a model that handles more "
                "(compromise, median, dominant and nash take any scenario detente reads)",
            )

    def forecast(
        self, scenario: Scenario, *, seed: SeedLike = None, on_round: OnRound | None = None
    ) -> Forecast:
        """Forecast the outcome of every issue of ``scenario``.

        Pure: changes neither the model nor the scenario, and never prints or writes. ``seed``
        (an int, a SeedSequence or None) fixes every random draw; ``on_round`` is called with each
        round of a dynamic model as it is computed.
        """
        raise NotImplementedError

    def _result(
        self,
        scenario: Scenario,
        seed: SeedLike,
        issues: list[IssueForecast],
        *,
        rounds: list[Round] | tuple[Round, ...] = (),
        status: Status = Status.STATIC,
        details: dict[str, Any] | None = None,
    ) -> Forecast:
        return Forecast(
            model=self.name,
            parameters=self.params(),
            seed=seed if isinstance(seed, int) else None,
            scenario=scenario.name,
            issues=tuple(issues),
            rounds=tuple(rounds),
            status=status,
            details=details or {},
        )


class IssueByIssueModel(ForecastModel):
    """A one-dimensional model, applied to each issue separately.

    Subclasses implement :meth:`_forecast_issue`. Each issue gets its own random stream derived
    from the seed and the issue id, so adding, removing or reordering issues does not change the
    forecast of the others. A subclass tagged ``honours_vetoes`` has each forecast projected onto its
    issue's veto interval (:func:`apply_vetoes`); the issue's ``details["veto"]`` then records the
    unconstrained forecast, the acceptable interval and whether the veto bound the forecast.
    """

    def forecast(
        self, scenario: Scenario, *, seed: SeedLike = None, on_round: OnRound | None = None
    ) -> Forecast:
        """Forecast each issue with :meth:`_forecast_issue` (see :meth:`ForecastModel.forecast`)."""
        self.check_limits(scenario)
        out = []
        for issue_id in scenario.issue_ids:
            data = scenario.issue_data(issue_id)
            rng = spawn(seed, self.name, issue_id) if self.tags.stochastic else None
            position, details = self._forecast_issue(data, rng)
            if self.tags.honours_vetoes:
                position, record = apply_vetoes(data, float(position))
                if record is not None:
                    details = {**details, "veto": record}
            out.append(IssueForecast(issue=issue_id, position=float(position), details=details))
        return self._result(scenario, seed, out)

    def _forecast_issue(
        self, data: IssueData, rng: np.random.Generator | None
    ) -> tuple[float, dict[str, Any]]:
        """Return (forecast position on 0-100, JSON-serialisable details) for one issue."""
        raise NotImplementedError


def _parameter_error(cls: type, exc: ValidationError) -> ParameterError:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "parameters"
    field = cls.model_fields.get(str(err["loc"][0])) if err["loc"] else None  # type: ignore[attr-defined]
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        known = ", ".join(cls.model_fields)  # type: ignore[attr-defined]
        return ParameterError(
            f"model {cls.name!r} has no parameter {loc!r}",  # type: ignore[attr-defined]
            where=f"parameter {loc}",
            fix=f"use one of: {known}",
        )
    hint = field.description if field is not None and field.description else None
    shown = repr(err.get("input"))
    return ParameterError(
        f"{msg} (got {shown if len(shown) <= 60 else shown[:57] + '...'})",
        where=f"model {cls.name!r}, parameter {loc}",  # type: ignore[attr-defined]
        fix=f"see `detente models`; {loc} is the {hint[0].lower() + hint[1:]}"
        if hint
        else "see `detente models` for allowed values",
    )
