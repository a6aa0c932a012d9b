"""Utilities, decision rules and vetoes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from detente.deals.utility import Preferences, status_quo_package
from detente.deals.veto import Unanimity, WeightedMajority, judge
from detente.errors import InputError, ParameterError
from tests.deals._fixtures import make
from tests.generators import scenarios


def three():
    # A0 wants 0, A1 wants 100, A2 wants 60 on one issue; capabilities 1, 2, 3; status quo 50.
    return make([[0], [100], [60]], [[50], [50], [50]], [50], capabilities=[1, 2, 3])


def test_utility_is_salience_weighted_and_one_at_the_ideal():
    s = make([[0, 100], [100, 0]], [[80, 20], [10, 0]], [50, 50])
    prefs = Preferences.from_scenario(s)
    assert prefs.weight.tolist() == [[0.8, 0.2], [1.0, 0.0]]
    assert prefs.utility(np.array([0.0, 100.0]))[0] == 1.0
    # 1 - .8 * .25 - .2 * .5 = .7 for A0; A1 cares only about x0: 1 - .75.
    assert prefs.utility(np.array([25.0, 50.0])) == pytest.approx([0.7, 0.25])
    # Rows of issue costs sum to 1 - utility.
    x = np.array([37.0, 12.0])
    assert prefs.issue_costs(x).sum(axis=1) == pytest.approx(1 - prefs.utility(x))


def test_risk_attitude_orders_a_sure_middle_against_a_lottery():
    s = make([[0]], [[50]], [50])
    for rho, prefers_middle in [(2.0, True), (0.5, False)]:
        prefs = Preferences.from_scenario(s, exponent=rho)
        sure = prefs.utility(np.array([50.0]))[0]
        lottery = 0.5 * prefs.utility(np.array([0.0]))[0] + 0.5 * prefs.utility(np.array([100.0]))[0]
        assert (sure > lottery) == prefers_middle
    prefs = Preferences.from_scenario(s)
    assert prefs.utility(np.array([50.0]))[0] == pytest.approx(0.5)


def test_bad_exponent_and_missing_status_quo_are_one_line_errors():
    s = three()
    with pytest.raises(ParameterError, match="exponent"):
        Preferences.from_scenario(s, exponent=-1)
    with pytest.raises(ParameterError, match="no actor 'Z'"):
        Preferences.from_scenario(s, exponent={"Z": 2.0})
    from detente.scenario import Issue

    no_sq = s.model_copy(update={"issues": (Issue(id="x0", name="X"),)})
    with pytest.raises(InputError, match="has no status_quo") as exc:
        status_quo_package(no_sq)
    assert "\n" not in str(exc.value)


def test_package_worse_than_status_quo_for_an_actor_is_its_veto():
    s = three()
    prefs = Preferences.from_scenario(s)
    sq = status_quo_package(s)
    v = judge(prefs, np.array([70.0]), sq, Unanimity())
    assert not v.passes and v.vetoes == ("A0",)
    gains = {a.actor: a.gain for a in v.actors}
    assert gains["A0"] == pytest.approx(-0.2) and gains["A1"] == pytest.approx(0.2)
    assert gains["A2"] == pytest.approx(0.0)  # |70 - 60| = |50 - 60|: indifferent, so accepts
    # A0 is no veto player if only A1 and A2 hold a veto.
    v2 = judge(prefs, np.array([70.0]), sq, Unanimity(veto_players=("A1", "A2")))
    assert v2.passes and v2.vetoes == () and v2.rejecting == ("A0",)


def test_weighted_majority_support_and_pivotal_actors():
    s = three()
    prefs = Preferences.from_scenario(s)
    sq = status_quo_package(s)
    # At 70: A1 (2) and A2 (3) accept: 5 of 6.
    v = judge(prefs, np.array([70.0]), sq, WeightedMajority(threshold=0.75))
    assert v.passes and v.support == 5.0 and v.needed == pytest.approx(4.5)
    assert [a.actor for a in v.actors if a.pivotal] == ["A1", "A2"]
    assert not judge(prefs, np.array([70.0]), sq, WeightedMajority(threshold=0.9)).passes
    # A named veto player still blocks a weighted majority.
    assert not judge(
        prefs, np.array([70.0]), sq, WeightedMajority(threshold=0.5, veto_players=("A0",))
    ).passes
    # Stated weights replace capabilities.
    w = WeightedMajority(threshold=0.5, weights={"A0": 10.0, "A1": 1.0, "A2": 1.0})
    assert not judge(prefs, np.array([70.0]), sq, w).passes


@given(scenarios(min_actors=1, max_actors=5, max_issues=3, full=True, rich_text=False))
def test_acceptance_matches_gain_sign_on_random_scenarios(s):
    prefs = Preferences.from_scenario(s)
    rng = np.random.default_rng(0)
    sq, x = rng.uniform(0, 100, size=(2, len(s.issues)))
    v = judge(prefs, x, sq, Unanimity())
    u = prefs.utility(x)
    assert np.all((u >= 0) & (u <= 1 + 1e-12))
    for a in v.actors:
        assert a.accepts == (a.gain >= -1e-9)
        assert a.vetoes == (not a.accepts)
    assert v.passes == all(a.accepts for a in v.actors)
