"""Forecasting models, all with one interface: ``model.forecast(scenario, seed=...) -> Forecast``.

``ALL_MODELS`` lists every model class; :func:`get_model` builds one by name with parameters.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from detente.errors import ParameterError
from detente.models.base import ForecastModel, IssueByIssueModel, ModelTags
from detente.models.result import Challenge, Forecast, IssueForecast, Round, Status

if TYPE_CHECKING:
    from detente.models.compromise import Compromise
    from detente.models.dominant import DominantActor
    from detente.models.expected_utility import ExpectedUtility, ExpectedUtilityMC
    from detente.models.median import CondorcetMedian, WeightedMedian
    from detente.models.nash import NashBargaining
    from detente.models.smp import SMP

    ALL_MODELS: tuple[type[ForecastModel], ...]
    """Every model class, in the order reports list them."""
    BASELINE_MODELS: tuple[type[ForecastModel], ...]
    """The static baseline models."""

_MODELS: dict[str, tuple[str, str]] = {
    "compromise": ("compromise", "Compromise"),
    "median": ("median", "WeightedMedian"),
    "condorcet": ("median", "CondorcetMedian"),
    "nash": ("nash", "NashBargaining"),
    "dominant": ("dominant", "DominantActor"),
    "expected-utility": ("expected_utility", "ExpectedUtility"),
    "expected-utility-mc": ("expected_utility", "ExpectedUtilityMC"),
    "smp": ("smp", "SMP"),
}
"""Every model by name, in report order: (module in this package, class). A model's module is imported
when the model is first asked for, so that ``detente forecast --model smp`` does not import the others
(each ``name`` is checked against this table by the tests)."""

_BASELINE = ("compromise", "median", "condorcet", "nash", "dominant")
_CLASSES = {cls: module for module, cls in _MODELS.values()}


def _model_class(name: str) -> type[ForecastModel]:
    module, cls = _MODELS[name]
    found: type[ForecastModel] = getattr(import_module(f"detente.models.{module}"), cls)
    return found


def __getattr__(attr: str) -> Any:
    """Model classes, ``ALL_MODELS`` and ``BASELINE_MODELS``, imported on first use (PEP 562)."""
    if attr in _CLASSES:
        value: Any = getattr(import_module(f"detente.models.{_CLASSES[attr]}"), attr)
    elif attr == "ALL_MODELS":
        value = tuple(_model_class(name) for name in _MODELS)
    elif attr == "BASELINE_MODELS":
        value = tuple(_model_class(name) for name in _BASELINE)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
    globals()[attr] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily imported ones included."""
    return sorted({*globals(), *__all__})


def model_names() -> list[str]:
    """Names of all models, in report order."""
    return list(_MODELS)


def get_model(name: str, **params: Any) -> ForecastModel:
    """Build the model called ``name`` with ``params`` (validated); imports that model's module only.

    >>> get_model("compromise")
    Compromise()
    """
    if name not in _MODELS:
        raise ParameterError(
            f"there is no model called {name!r}",
            where="--model",
            fix=f"use one of: {', '.join(model_names())}",
        )
    return _model_class(name)(**params)


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
