"""Bargaining solutions against hand-derived answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from detente.deals.bargain import Bargain, pareto_mask
from detente.deals.utility import Preferences, status_quo_package
from tests.deals._fixtures import make


def two_on_a_line(exponent=1.0):
    """A at 0, B at 100 on one issue, status quo 50."""
    s = make([[0], [100]], [[50], [50]], [50])
    return Preferences.from_scenario(s, exponent=exponent)


@pytest.mark.parametrize(("dA", "dB"), [(0.2, 0.1), (0.0, 0.0), (0.5, 0.3), (0.1, 0.6)])
def test_nash_closed_form_two_actors_one_issue_linear(dA, dB):
    # U_A = 1 - x/100, U_B = x/100; max (1 - x/100 - dA)(x/100 - dB) gives x* = 50 (1 - dA + dB).
    b = Bargain(two_on_a_line(), np.array([50.0]), batna={"A0": dA, "A1": dB})
    sol = b.nash()
    assert sol.solved
    assert sol.package[0] == pytest.approx(50 * (1 - dA + dB), abs=1e-5)
    # Linear frontier with equal slopes: Kalai-Smorodinsky coincides with Nash here.
    assert b.kalai_smorodinsky().package[0] == pytest.approx(50 * (1 - dA + dB), abs=1e-5)
    assert b.ideal_point() == pytest.approx([1 - dB, 1 - dA], abs=1e-7)


def test_nash_and_ks_differ_with_status_quo_outside_both_ideals():
    # A at 20, B at 80, status quo 0: d = (0.8, 0.2). Nash: the nearer ideal, 20 (product
    # (40 - x) x on [20, 40]). KS: I = (1, 0.6); (40 - x)/20 = x/40 gives x = 80/3.
    s = make([[20], [80]], [[50], [50]], [0])
    b = Bargain(Preferences.from_scenario(s), status_quo_package(s))
    assert b.d == pytest.approx([0.8, 0.2])
    assert b.nash().package[0] == pytest.approx(20.0, abs=1e-5)
    assert b.ideal_point() == pytest.approx([1.0, 0.6], abs=1e-7)
    ks = b.kalai_smorodinsky()
    assert ks.package[0] == pytest.approx(80 / 3, abs=1e-5)
    assert ks.details["share"] == pytest.approx(2 / 3, abs=1e-6)


def test_two_issue_trade_nash_and_ks_by_hand():
    # A at (0,0) with weights (.75,.25); B at (100,100) with (.5,.5); BATNA utilities 0.
    # Frontier: U_A = 1 - U_B/2 for U_B <= 1/2, then 1.5 - 1.5 U_B. Nash: U_B = 1/2 at (0, 100).
    # KS: ideal (1, 1), so U_A = U_B = 0.6 on the second piece: package (20, 100).
    s = make([[0, 0], [100, 100]], [[75, 25], [50, 50]], [50, 50])
    b = Bargain(Preferences.from_scenario(s), status_quo_package(s), batna={"A0": 0.0, "A1": 0.0})
    nash, ks = b.nash(), b.kalai_smorodinsky()
    assert nash.package == pytest.approx([0.0, 100.0], abs=1e-4)
    assert nash.utilities == pytest.approx([0.75, 0.5], abs=1e-6)
    assert ks.package == pytest.approx([20.0, 100.0], abs=1e-5)
    assert ks.utilities == pytest.approx([0.6, 0.6], abs=1e-6)
    f = b.frontier("A0", "A1", n_points=11)
    ua, ub = f.utilities[:, 0], f.utilities[:, 1]
    expected = np.where(ub <= 0.5, 1 - ub / 2, 1.5 - 1.5 * ub)
    assert ua == pytest.approx(expected, abs=1e-6)
    assert ub.max() == pytest.approx(1.0) and ub.min() == pytest.approx(0.0, abs=1e-9)


def test_quadratic_utilities_match_scalar_root_finding():
    # rho = 2: U_A = 1 - y^2, U_B = 1 - (1 - y)^2 with y = x/100; d = (0.5, 0).
    b = Bargain(two_on_a_line(2.0), np.array([50.0]), batna={"A0": 0.5, "A1": 0.0})

    def dlog_nash(y):  # derivative of log(0.5 - y^2) + log(2y - y^2)
        return -2 * y / (0.5 - y**2) + (2 - 2 * y) / (2 * y - y**2)

    y_nash = brentq(dlog_nash, 1e-6, 0.5**0.5 - 1e-9)
    assert b.nash().package[0] == pytest.approx(100 * y_nash, abs=1e-4)
    ib = 1 - (1 - 0.5**0.5) ** 2  # B's best with U_A >= 0.5
    assert b.ideal_point() == pytest.approx([1.0, ib], abs=1e-6)
    y_ks = brentq(lambda y: (0.5 - y**2) / 0.5 - (1 - (1 - y) ** 2) / ib, 0.0, 0.5**0.5)
    assert b.kalai_smorodinsky().package[0] == pytest.approx(100 * y_ks, abs=1e-4)


def test_no_gain_when_status_quo_is_pareto_optimal():
    # Two actors in direct opposition with the status quo between them: every move hurts someone.
    b = Bargain(two_on_a_line(), np.array([50.0]))
    assert b.maximin().status == "no_gain"
    assert b.nash().status == "no_gain" and b.kalai_smorodinsky().status == "no_gain"


def test_amendment_l1_and_l2_by_hand():
    # Package (60, 80): A (ideal 0,0; weights .75,.25) loses .15 against the status quo (50, 50).
    # L1: move issue 0 by 20 (A gains .0075 per point there) -> (40, 80).
    # L2: move along (3, 1) by 6 -> (42, 74), distance sqrt(360).
    s = make([[0, 0], [100, 100]], [[75, 25], [50, 50]], [50, 50])
    b = Bargain(Preferences.from_scenario(s), status_quo_package(s))
    package = np.array([60.0, 80.0])
    assert b.prefs.utility(package) - b.d == pytest.approx([-0.15, 0.2])
    l1 = b.amend(package)
    assert l1.feasible and l1.package == pytest.approx([40.0, 80.0], abs=1e-5)
    assert l1.distance == pytest.approx(20.0, abs=1e-5)
    assert np.all(l1.gains_after >= -1e-9)
    l2 = b.amend(package, norm="l2")
    assert l2.package == pytest.approx([42.0, 74.0], abs=1e-3)
    assert l2.distance == pytest.approx(360**0.5, abs=1e-3)
    # An acceptable package needs no change.
    assert b.amend(np.array([40.0, 80.0])).distance == 0.0


def test_amendment_infeasible_when_no_package_suits_everyone():
    b = Bargain(two_on_a_line(), np.array([50.0]))
    a = b.amend(np.array([80.0]), margin=0.1)
    assert not a.feasible


def test_nash_is_pareto_optimal_and_beats_random_packages():
    from detente.scenarios import load_scenario

    s = load_scenario("ktab-3dim")
    prefs = Preferences.from_scenario(s)
    sq = np.array([30.0, 60.0, 45.0])
    b = Bargain(prefs, sq)
    nash = b.nash()
    assert nash.solved and np.all(nash.gains > 0)
    assert b.pareto_improvement(nash.package).details["total_gain"] == pytest.approx(0.0, abs=1e-6)
    assert b.pareto_improvement(sq).details["total_gain"] > 0.01
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 100, size=(20000, 3))
    g = prefs.utility(X) - b.d
    ok = np.all(g > 0, axis=1)
    best_random = np.max(np.sum(np.log(g[ok]), axis=1))
    assert np.sum(np.log(nash.gains)) >= best_random - 1e-9


@pytest.mark.parametrize("rho", [0.5, 0.7])
def test_non_convex_nash_beats_a_fine_grid_and_is_seeded(rho):
    s = make([[10, 90], [80, 20], [60, 70]], [[70, 30], [40, 60], [50, 50]], [0, 0])
    prefs = Preferences.from_scenario(s, exponent=rho)
    b = Bargain(prefs, status_quo_package(s), seed=3)
    nash = b.nash()
    g = np.linspace(0, 100, 201)
    X = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    gains = prefs.utility(X) - b.d
    ok = np.all(gains > 0, axis=1)
    assert np.sum(np.log(nash.gains)) >= np.max(np.sum(np.log(gains[ok]), axis=1)) - 1e-6
    again = Bargain(prefs, status_quo_package(s), seed=3).nash()
    assert np.array_equal(nash.package, again.package)


def test_capability_power_moves_nash_toward_the_stronger():
    s = make([[0], [100]], [[50], [50]], [50], capabilities=[1, 3])
    b = Bargain(Preferences.from_scenario(s), np.array([50.0]), batna={"A0": 0.0, "A1": 0.0})
    # Weighted Nash: max 0.25 log(1 - y) + 0.75 log(y) gives y = 0.75.
    assert b.nash(power="capability").package[0] == pytest.approx(75.0, abs=1e-4)


def test_pareto_mask_on_a_grid_matches_brute_force():
    rng = np.random.default_rng(1)
    U = rng.random((300, 3)).round(1)
    mask = pareto_mask(U, chunk=37)
    brute = [
        not any(np.all(U[q] >= U[p]) and np.any(U[q] > U[p]) for q in range(len(U))) for p in range(len(U))
    ]
    assert mask.tolist() == brute
