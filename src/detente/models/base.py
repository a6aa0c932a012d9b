"""The one interface every forecasting model follows.

A model is a frozen, validated set of keyword parameters (a pydantic model, like a scikit-learn
estimator whose constructor only stores parameters). Its one verb is :meth:`ForecastModel.forecast`,
a pure function of (scenario, seed) that returns a :class:`~detente.models.result.Forecast`.

Write a new one-dimensional model by subclassing :class:`IssueByIssueModel` and implementing
``_forecast_issue``; write a multidimensional one by subclassing :class:`ForecastModel` and
implementing ``forecast``. Give the class ``name``, ``summary`` and ``tags``, and add it to
``ALL_MODELS`` in :mod:`detente.models`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from detente._random import spawn
from detente._types import SeedLike
from detente.errors import ModelError, ParameterError
from detente.models.result import Forecast, IssueForecast, Round, Status
from detente.scenario import IssueData, Scenario

__all__ = ["ForecastModel", "IssueByIssueModel", "ModelLimits", "ModelTags", "OnRound", "ParameterInfo"]

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
    reference : str
        The paper or specification the model follows.
    """

    stochastic: bool = False
    produces_rounds: bool = False
    joint_issues: bool = False
    needs_capability: bool = True
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
    forecast of the others.
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
