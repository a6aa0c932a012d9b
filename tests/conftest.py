"""Shared fixtures: tiny scenarios and paths to test data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from detente.scenario import Actor, Issue, Scenario, Stance
from detente.scenarios import load_scenario

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")

DATA = Path(__file__).parent / "data"
PACKAGE_SCENARIOS = Path(__file__).parents[1] / "src" / "detente" / "scenarios"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def two_actors() -> Scenario:
    """Two actors on one issue: A (capability 1) at 0, B (capability 3) at 100, equal saliences."""
    return Scenario(
        name="Two actors",
        actors=[Actor(id="A", name="Actor A", capability=1), Actor(id="B", name="Actor B", capability=3)],
        issues=[Issue(id="x", name="Issue X", meaning_0="nothing", meaning_100="everything")],
        stances=[
            Stance(actor="A", issue="x", position=0, salience=50),
            Stance(actor="B", issue="x", position=100, salience=50),
        ],
    )


@pytest.fixture
def ec() -> Scenario:
    return load_scenario("ec-emissions")


@pytest.fixture
def ktab3() -> Scenario:
    return load_scenario("ktab-3dim")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium per test process, shared by tests/browser and tests/web.

    Playwright's sync API keeps an event loop running in the thread that opened it, so a second
    instance in the same process (a worker that runs both folders' tests) fails to start.
    """
    from tests.browser.conftest import headless_chromium

    with headless_chromium() as b:
        yield b
