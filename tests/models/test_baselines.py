"""Exact, hand-checkable tests of the static baseline models."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import ModelError
from detente.models import Compromise, CondorcetMedian, DominantActor, NashBargaining, WeightedMedian
from detente.models.median import weighted_median
from detente.scenario import Actor, Issue, Scenario, Stance


def one_issue(positions, capabilities, saliences=None, status_quo=None):
    saliences = saliences or [50.0] * len(positions)
    actors = [Actor(id=f"a{k}", name=f"A{k}", capability=c) for k, c in enumerate(capabilities)]
    return Scenario(
        name="one issue",
        actors=actors,
        issues=[Issue(id="x", name="X", status_quo=status_quo)],
        stances=[
            Stance(actor=f"a{k}", issue="x", position=p, salience=s)
            for k, (p, s) in enumerate(zip(positions, saliences, strict=True))
        ],
    )


def test_compromise_is_the_capability_salience_weighted_mean(two_actors):
    assert Compromise().forecast(two_actors).position("x") == 75.0
    s = one_issue([10, 40, 90], [1, 2, 3], [20, 50, 100])
    expected = (1 * 20 * 10 + 2 * 50 * 40 + 3 * 100 * 90) / (1 * 20 + 2 * 50 + 3 * 100)
    assert Compromise().forecast(s).position("x") == pytest.approx(expected, rel=1e-15)


def test_compromise_with_equal_saliences_is_the_capability_weighted_mean():
    rng = np.random.default_rng(0)
    pos, cap = rng.uniform(0, 100, 7), rng.uniform(0.1, 5, 7)
    s = one_issue(pos.tolist(), cap.tolist(), [30.0] * 7)
    assert Compromise().forecast(s).position("x") == pytest.approx(np.average(pos, weights=cap), rel=1e-12)


def test_ec_compromise_matches_the_published_initial_mean(ec):
    years = ec.issue("delay").to_natural(Compromise().forecast(ec).position("delay"))
    assert years == pytest.approx(7.389955686853767, abs=1e-12)  # specs/bdm-scholz.md, section 10


def test_weighted_median_examples():
    assert weighted_median(np.array([0.0, 10.0, 20.0]), np.array([1.0, 1.0, 3.0])) == 20.0
    assert weighted_median(np.array([0.0, 10.0, 20.0]), np.array([2.0, 1.0, 2.0])) == 10.0
    assert weighted_median(np.array([30.0, 10.0]), np.array([1.0, 1.0])) == 20.0  # tie: midpoint
    assert weighted_median(np.array([5.0, 10.0]), np.array([0.0, 1.0])) == 10.0  # zero weight ignored


@settings(max_examples=80)
@given(
    st.lists(
        st.tuples(st.integers(0, 20).map(lambda v: v * 5.0), st.integers(1, 9).map(float)),
        min_size=1,
        max_size=9,
    )
)
def test_weighted_median_leaves_at_most_half_the_weight_on_each_side(pairs):
    x = np.array([p for p, _ in pairs])
    w = np.array([q for _, q in pairs])
    m = weighted_median(x, w)
    assert w[x < m].sum() <= w.sum() / 2 + 1e-9
    assert w[x > m].sum() <= w.sum() / 2 + 1e-9


def _brute_force_condorcet(x, w):
    """Held positions that beat every other held position by a strict weighted majority."""
    winners = []
    options = sorted(set(x))
    for a in options:
        beats_all = True
        for b in options:
            if a == b:
                continue
            margin = sum(wk * np.sign(abs(xk - b) - abs(xk - a)) for xk, wk in zip(x, w, strict=True))
            beats_all &= margin > 0
        if beats_all:
            winners.append(a)
    return winners


@settings(max_examples=80)
@given(
    st.lists(
        st.tuples(st.integers(0, 10).map(lambda v: v * 10.0), st.integers(1, 9).map(float)),
        min_size=1,
        max_size=8,
    )
)
def test_condorcet_median_agrees_with_brute_force_pairwise_votes(pairs):
    x = [p for p, _ in pairs]
    c = [q for _, q in pairs]
    f = CondorcetMedian().forecast(one_issue(x, c))
    winners = _brute_force_condorcet(x, [ck * 50 for ck in c])
    if winners:
        assert winners == [f.position("x")]
        assert f.issues[0].details["condorcet_winner"] is True
    else:
        assert f.issues[0].details["condorcet_winner"] is False
        assert f.position("x") in x


def test_nash_closed_form_two_actors_linear_utility_status_quo_outside():
    # A at 20 (capability 1), B at 80 (capability 3), status quo 0. Feasible outcomes: [0, 40];
    # on [20, 40] the objective is log(40 - y) + 3 log(y), maximised at y = 40 * 3 / 4 = 30.
    s = one_issue([20, 80], [1, 3], status_quo=0)
    assert NashBargaining(utility="linear").forecast(s).position("x") == pytest.approx(30.0, abs=1e-8)
    # With equal weights the maximiser is at the kink y = 20 (A's ideal point).
    s = one_issue([20, 80], [1, 1], status_quo=0)
    assert NashBargaining(utility="linear").forecast(s).position("x") == pytest.approx(20.0, abs=1e-8)


def test_nash_quadratic_matches_a_dense_grid_search():
    s = one_issue([20, 55, 80], [1, 2, 3], [40, 60, 70], status_quo=5)
    y = NashBargaining().forecast(s).position("x")
    grid = np.linspace(0, 100, 1_000_001)
    x, w, r = np.array([20, 55, 80.0]), np.array([40, 120, 210.0]), np.abs(5 - np.array([20, 55, 80.0]))
    gains = r**2 - (grid[:, None] - x) ** 2
    obj = np.where((gains > 0).all(axis=1), (w * np.log(np.clip(gains, 1e-300, None))).sum(axis=1), -np.inf)
    assert y == pytest.approx(grid[np.argmax(obj)], abs=2e-4)


def test_nash_status_quo_between_actors_is_the_only_unanimous_agreement():
    s = one_issue([10, 90], [1, 1], status_quo=40)
    f = NashBargaining().forecast(s)
    assert f.position("x") == 40.0 and f.issues[0].details["feasible"] == "status_quo_only"


def test_nash_without_status_quo_is_symmetric():
    assert NashBargaining().forecast(one_issue([0, 100], [2, 2])).position("x") == pytest.approx(50.0)


def test_dominant_actor_breaks_ties_by_salience_then_mean():
    s = one_issue([10, 60, 90], [5, 5, 1], [50, 80, 100])
    f = DominantActor().forecast(s)
    assert f.position("x") == 60.0 and f.issues[0].details["actors"] == ["a1"]
    s = one_issue([10, 60, 90], [5, 5, 1], [80, 80, 100])
    assert DominantActor().forecast(s).position("x") == 35.0


@pytest.mark.parametrize(
    "model", [Compromise(), WeightedMedian(), CondorcetMedian(), NashBargaining()], ids=lambda m: m.name
)
def test_zero_weight_everywhere_is_a_model_error_naming_the_issue(model):
    s = one_issue([10, 60], [0, 0])
    with pytest.raises(ModelError, match="issue 'x'"):
        model.forecast(s)


@pytest.mark.parametrize("perm", list(itertools.permutations(range(3))))
def test_baselines_do_not_depend_on_actor_order(perm):
    pos, cap, sal = [15.0, 50.0, 85.0], [1.0, 2.0, 3.0], [90.0, 40.0, 60.0]
    base = one_issue(pos, cap, sal, status_quo=30)
    shuffled = one_issue(
        [pos[k] for k in perm], [cap[k] for k in perm], [sal[k] for k in perm], status_quo=30
    )
    for model in (Compromise(), WeightedMedian(), CondorcetMedian(), NashBargaining(), DominantActor()):
        assert model.forecast(shuffled).position("x") == pytest.approx(
            model.forecast(base).position("x"), abs=1e-9
        )
