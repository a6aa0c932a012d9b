"""Run several models on one scenario and collect their forecasts side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from pydantic import BaseModel, ConfigDict

from detente._random import child_sequence
from detente._types import SeedLike
from detente.errors import ModelError
from detente.models.base import ForecastModel
from detente.models.result import Forecast, Round
from detente.scenario import Scenario

__all__ = ["Comparison", "compare_models"]


class Comparison(BaseModel):
    """Forecasts of several models on one scenario, and the models that could not run on it.

    ``failures`` maps a model name to the one-line reason (a :class:`ModelError` message).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    seed: int | None
    forecasts: tuple[Forecast, ...]
    failures: dict[str, str] = {}

    def forecast(self, model: str) -> Forecast:
        """The forecast of the model called ``model``."""
        for f in self.forecasts:
            if f.model == model:
                return f
        raise KeyError(model)


def compare_models(
    scenario: Scenario,
    models: Sequence[ForecastModel],
    *,
    seed: SeedLike = None,
    on_model: Callable[[str], None] | None = None,
    on_round: Callable[[str, Round], None] | None = None,
) -> Comparison:
    """Forecast ``scenario`` with each model; a model that raises :class:`ModelError` is recorded, not fatal.

    Each model gets its own random stream derived from ``seed`` and its name, so adding a model does
    not change the others' forecasts. ``on_model(name)`` is called before each model runs, and
    ``on_round(name, round)`` after each round of a dynamic model (for progress displays).
    """
    forecasts, failures = [], {}
    for model in models:
        if on_model is not None:
            on_model(model.name)
        model_seed = child_sequence(seed, "model", model.name) if seed is not None else None
        try:
            watch = None if on_round is None else partial(on_round, model.name)
            f = model.forecast(scenario, seed=model_seed, on_round=watch)
        except ModelError as exc:
            failures[model.name] = exc.message
            continue
        forecasts.append(f.model_copy(update={"seed": seed if isinstance(seed, int) else None}))
    return Comparison(
        scenario=scenario.name,
        seed=seed if isinstance(seed, int) else None,
        forecasts=tuple(forecasts),
        failures=failures,
    )
