"""Every model in ALL_MODELS passes the common contract (detente.models.checks)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from detente.errors import DetenteError
from detente.models import ALL_MODELS, ForecastModel, IssueByIssueModel
from detente.models.checks import ALL_CHECKS, KNOWN_EXCEPTIONS
from detente.models.result import Forecast
from tests.generators import scenarios


def _cases():
    for cls in ALL_MODELS:
        for check in ALL_CHECKS:
            reason = KNOWN_EXCEPTIONS.get((cls.name, check.__name__))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(cls, check, id=f"{cls.name}-{check.__name__}", marks=marks)


@pytest.mark.parametrize("model_cls, check", list(_cases()))
def test_contract(model_cls, check):
    check(model_cls)


def _concrete_subclasses(cls):
    for sub in cls.__subclasses__():
        if sub is not IssueByIssueModel and sub.__module__.startswith("detente."):
            yield sub
        yield from _concrete_subclasses(sub)


def test_all_models_lists_every_model_class():
    found = {c for c in _concrete_subclasses(ForecastModel) if c.name}
    assert found == set(ALL_MODELS)
    names = [c.name for c in ALL_MODELS]
    assert len(names) == len(set(names))


@settings(max_examples=25)
@given(scenarios(max_actors=5, max_issues=2, rich_text=False))
@pytest.mark.parametrize("model_cls", ALL_MODELS, ids=lambda c: c.name)
def test_random_scenarios_give_a_forecast_or_a_detente_error(model_cls, scenario):
    try:
        f = model_cls().forecast(scenario, seed=0)
    except DetenteError as exc:
        assert "\n" not in exc.message
        return
    assert isinstance(f, Forecast)
    assert all(-1e-7 <= x.position <= 100 + 1e-7 for x in f.issues)
