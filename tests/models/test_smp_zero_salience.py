"""SMP and zero saliences: refused by default (as KTAB), forecast with zero_salience='tiny'."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente._random import make_rng
from detente.errors import ModelError
from detente.experiments.uncertainty import perturb
from detente.models.smp import SMP
from detente.scenario import Actor, Issue, Scenario, Stance


def _case(sal_c: float = 0.0) -> Scenario:
    return Scenario(
        name="t",
        actors=[Actor(id=a, name=a, capability=c) for a, c in (("A", 1), ("B", 2), ("C", 1))],
        issues=[Issue(id="x", name="X")],
        stances=[
            Stance(actor="A", issue="x", position=0, salience=50),
            Stance(actor="B", issue="x", position=60, salience=80),
            Stance(actor="C", issue="x", position=100, salience=sal_c),
        ],
    )


def test_default_refuses_with_a_one_line_error() -> None:
    with pytest.raises(ModelError) as info:
        SMP().forecast(_case())
    assert "\n" not in str(info.value) and "no salience" in str(info.value) and "Fix:" in str(info.value)


def test_tiny_option_forecasts_and_barely_weighs_the_actor() -> None:
    f = SMP(zero_salience="tiny").forecast(_case()).issues[0].position
    g = SMP().forecast(_case(sal_c=1e-4)).issues[0].position
    assert 0 <= f <= 100 and f == pytest.approx(g, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), sd=st.floats(0.0, 500.0), sal=st.floats(0.01, 100.0))
def test_salience_noise_never_yields_a_refused_scenario(seed: int, sd: float, sal: float) -> None:
    s = perturb(_case(sal_c=sal), make_rng(seed), salience_sd=sd)
    assert all(x.salience > 0 for x in s.stances)
    assert 0 <= SMP(max_turns=3).forecast(s).issues[0].position <= 100
