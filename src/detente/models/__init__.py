"""Forecasting models, all with one interface: ``model.forecast(scenario, seed=...) -> Forecast``.

``ALL_MODELS`` lists every model class; :func:`get_model` builds one by name with parameters.
"""

from __future__ import annotations

from typing import Any

from detente.errors import ParameterError
from detente.models.base import ForecastModel, IssueByIssueModel, ModelTags
from detente.models.compromise import Compromise
from detente.models.dominant import DominantActor
from detente.models.expected_utility import ExpectedUtility, ExpectedUtilityMC
from detente.models.median import CondorcetMedian, WeightedMedian
from detente.models.nash import NashBargaining
from detente.models.result import Challenge, Forecast, IssueForecast, Round, Status
from detente.models.smp import SMP

ALL_MODELS: tuple[type[ForecastModel], ...] = (
    Compromise,
    WeightedMedian,
    CondorcetMedian,
    NashBargaining,
    DominantActor,
    ExpectedUtility,
    ExpectedUtilityMC,
    SMP,
)
"""Every model class, in the order reports list them."""

BASELINE_MODELS: tuple[type[ForecastModel], ...] = (
    Compromise,
    WeightedMedian,
    CondorcetMedian,
    NashBargaining,
    DominantActor,
)
"""The static baseline models."""


def model_names() -> list[str]:
    """Names of all models, in report order."""
    return [m.name for m in ALL_MODELS]


def get_model(name: str, **params: Any) -> ForecastModel:
    """Build the model called ``name`` with ``params`` (validated).

    >>> get_model("compromise")
    Compromise()
    """
    for cls in ALL_MODELS:
        if cls.name == name:
            return cls(**params)
    raise ParameterError(
        f"there is no model called {name!r}",
        where="--model",
        fix=f"use one of: {', '.join(model_names())}",
    )


__all__ = [
    "ALL_MODELS",
    "BASELINE_MODELS",
    "SMP",
    "Challenge",
    "Compromise",
    "CondorcetMedian",
    "DominantActor",
    "ExpectedUtility",
    "ExpectedUtilityMC",
    "Forecast",
    "ForecastModel",
    "IssueByIssueModel",
    "IssueForecast",
    "ModelTags",
    "NashBargaining",
    "Round",
    "Status",
    "WeightedMedian",
    "get_model",
    "model_names",
]
