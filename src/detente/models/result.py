"""Typed results of forecasting models: :class:`Forecast` and its parts.

All positions are on detente's 0-100 issue scale; convert with :meth:`Issue.to_natural` for display.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from detente._types import ActorId, IssueId

__all__ = ["Challenge", "Forecast", "IssueForecast", "Round", "Status"]


class Status(StrEnum):
    """How a model run ended."""

    STATIC = "static"
    """A one-shot model: no rounds."""
    CONVERGED = "converged"
    """A dynamic model whose positions settled under its stopping rule."""
    MAX_ROUNDS = "max_rounds"
    """A dynamic model stopped at its round limit (or ran its fixed number of rounds)."""


class IssueForecast(BaseModel):
    """A model's forecast for one issue: a position, and optionally an interval.

    ``low`` and ``high`` bound a predictive interval (its level is given by the model that made it,
    80% unless stated) on the 0-100 scale.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    issue: IssueId
    position: float = Field(allow_inf_nan=False)
    low: float | None = None
    high: float | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Challenge(BaseModel):
    """One actor pressing on another in a round: a challenge, offer or bargain, and what came of it.

    ``offer`` names the kind in the model's own words (``"bargain"`` for the SMP; ``"conflict"``,
    ``"compromise"``, ``"capitulation"`` for the expected-utility model). ``accepted`` says whether
    the target (or the queue that resolved it) took it. ``details`` holds model-specific numbers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    challenger: ActorId
    target: ActorId
    issue: IssueId | None = None
    offer: str
    accepted: bool | None = None
    probability: float | None = None
    expected_utility: float | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Round(BaseModel):
    """The state after one round of a dynamic model (KTAB's word is "turn").

    Round 0 is the input state. ``positions[actor][issue]`` is on the 0-100 scale;
    ``probabilities[actor]`` is, where the model has one, the probability that the actor's position
    is the outcome; ``summary`` holds per-round statistics (e.g. ``{"median:ec": 7.0}``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(ge=0)
    positions: dict[ActorId, dict[IssueId, float]]
    probabilities: dict[ActorId, float] | None = None
    challenges: tuple[Challenge, ...] = ()
    summary: dict[str, float] = Field(default_factory=dict)


class Forecast(BaseModel):
    """What a forecasting model returns: one forecast per issue, plus the rounds that led there.

    ``rounds`` is empty for static models. ``details`` holds model-specific, JSON-serialisable
    information (documented by each model).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    parameters: dict[str, Any]
    seed: int | None = None
    scenario: str
    issues: tuple[IssueForecast, ...]
    rounds: tuple[Round, ...] = ()
    status: Status = Status.STATIC
    details: dict[str, Any] = Field(default_factory=dict)

    @field_validator("issues")
    @classmethod
    def _finite(cls, value: tuple[IssueForecast, ...]) -> tuple[IssueForecast, ...]:
        for f in value:
            if not math.isfinite(f.position):
                raise ValueError(f"forecast for {f.issue!r} is not finite")
        return value

    def position(self, issue_id: IssueId) -> float:
        """The forecast position (0-100) for an issue."""
        for f in self.issues:
            if f.issue == issue_id:
                return f.position
        raise KeyError(issue_id)

    def positions(self) -> dict[IssueId, float]:
        """Forecast positions by issue id."""
        return {f.issue: f.position for f in self.issues}

    def to_json_dict(self) -> dict[str, Any]:
        """The documented JSON shape of ``detente forecast --json``.

        ``{"model", "parameters", "seed", "scenario", "status", "turns": [{"turn", "positions",
        "probabilities", "challenges"}], "forecast": {issue: value}, "intervals", "details"}``.
        """
        return {
            "model": self.model,
            "parameters": self.parameters,
            "seed": self.seed,
            "scenario": self.scenario,
            "status": self.status.value,
            "turns": [
                {
                    "turn": r.index,
                    "positions": r.positions,
                    "probabilities": r.probabilities,
                    "challenges": [c.model_dump(mode="json") for c in r.challenges],
                    "summary": r.summary,
                }
                for r in self.rounds
            ],
            "forecast": self.positions(),
            "intervals": {f.issue: [f.low, f.high] for f in self.issues if f.low is not None},
            "details": self.details,
        }
