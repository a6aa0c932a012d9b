"""Stokman's exchange model against hand-computed exchanges and its invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from detente.deals.exchange import exchange
from detente.models import get_model
from tests.deals._fixtures import make
from tests.generators import scenarios


def test_three_actors_exchange_by_hand():
    # A0 (0,0) saliences (80,20); A1 (100,100) (20,80); A2 (50,50) (50,50) with capability 2.
    # Outcomes: (35, 65). A1 moves to 0 on x0, A0 to 100 on x1; shifts 10 and 10 (A1's weight .2 of
    # 2.0 times 100 points); gain .8*10 - .2*10 = 6 each. Outcomes (25, 75). Both traded votes are now
    # committed, and every further exchange would need A0 or A1 to move a committed vote: none is left.
    s = make([[0, 0], [100, 100], [50, 50]], [[80, 20], [20, 80], [50, 50]], [50, 50], capabilities=[1, 1, 2])
    r = exchange(s)
    assert r.outcomes_before == pytest.approx([35.0, 65.0])
    assert len(r.exchanges) == 1 and r.status == "converged"
    (e1,) = r.exchanges
    assert (e1.actor_a, e1.actor_b, e1.issue_a, e1.issue_b) == ("A0", "A1", "x0", "x1")
    assert e1.gain == pytest.approx(6.0)
    assert (e1.move_a, e1.move_b, e1.shift_a, e1.shift_b) == pytest.approx((100.0, -100.0, -10.0, 10.0))
    assert e1.outcomes == pytest.approx((25.0, 75.0))
    assert r.actor_gains == pytest.approx([6.0, 6.0, -10.0])  # A2 pays: the outcomes move away from it


def test_unequal_saliences_set_the_exchange_rate():
    # A0 (0,0) saliences (90,10); A1 (100,100) (40,60); capabilities 1. Outcomes (30.77, 85.71).
    # r = (s_00 + s_10) / (s_01 + s_11) = 1.3 / 0.7. Limits: shift on x0 <= min(.4*100/1.3, 30.77),
    # shift on x1 <= min(.1*100/.7, 14.29) = 14.29, so delta_0 = 14.29 / r = 7.69 and
    # gain = delta_0 (.9*.6 - .1*.4) / .7 = 5.49.
    s = make([[0, 0], [100, 100]], [[90, 10], [40, 60]], [50, 50])
    r = exchange(s)
    o0, o1 = 4000 / 130, 6000 / 70
    assert r.outcomes_before == pytest.approx([o0, o1])
    (e,) = r.exchanges
    ratio = 1.3 / 0.7
    d1 = min(0.1 * 100 / 0.7, 100 - o1)
    d0 = min(0.4 * 100 / 1.3, o0, d1 / ratio)
    assert e.shift_a == pytest.approx(-d0) and e.shift_b == pytest.approx(d0 * ratio)
    assert e.gain == pytest.approx(d0 * (0.9 * 0.6 - 0.1 * 0.4) / 0.7)
    assert e.move_a == pytest.approx(100.0)  # A0 goes all the way to A1's position on x1


def test_initial_outcomes_are_the_compromise_forecast(ktab3):
    r = exchange(ktab3)
    f = get_model("compromise").forecast(ktab3)
    assert r.outcomes_before == pytest.approx([f.position(i) for i in ktab3.issue_ids])


def _check_equal_gains(s, r):
    S = s.saliences() / 100
    P = np.nan_to_num(s.positions())
    before = r.outcomes_before
    ids = list(s.actor_ids)
    for e in r.exchanges:
        after = np.array(e.outcomes)
        for actor in (e.actor_a, e.actor_b):
            i = ids.index(actor)
            g = float((S[i] * (np.abs(P[i] - before) - np.abs(P[i] - after))).sum())
            assert g == pytest.approx(e.gain, rel=1e-9, abs=1e-9)
        assert e.gain > 0
        before = after


def test_every_exchange_gives_both_actors_the_same_positive_gain(ktab3):
    r = exchange(ktab3)
    assert len(r.exchanges) > 3
    _check_equal_gains(ktab3, r)
    # After convergence no profitable exchange is left.
    from detente.scenario import Stance

    moved = ktab3.replace_stances(
        [
            Stance(
                actor=a,
                issue=i,
                position=float(r.positions_after[k, j]),
                salience=ktab3.stance(a, i).salience,
            )
            for k, a in enumerate(ktab3.actor_ids)
            for j, i in enumerate(ktab3.issue_ids)
            if ktab3.stance(a, i) is not None
        ]
    )
    assert r.outcomes_after == pytest.approx(exchange(moved).outcomes_before)


@given(scenarios(min_actors=2, max_actors=5, min_issues=2, max_issues=3, full=True, rich_text=False))
def test_exchange_invariants_on_random_scenarios(s):
    # the same arithmetic as exchange(), so that underflow of tiny weights is skipped too
    if np.any((s.capabilities()[:, None] * (s.saliences() / 100.0)).sum(axis=0) <= 0):
        return
    r = exchange(s, max_exchanges=200)
    _check_equal_gains(s, r)
    assert np.all((r.positions_after >= 0) & (r.positions_after <= 100))


def test_one_issue_means_no_exchange(two_actors):
    assert exchange(two_actors).exchanges == ()


def test_bad_parameters():
    from detente.errors import ParameterError

    s = make([[0, 0]], [[50, 50]], [0, 0])
    with pytest.raises(ParameterError):
        exchange(s, max_exchanges=-1)
    s0 = make([[0, 0]], [[0, 50]], [0, 0])
    with pytest.raises(ParameterError, match="zero capability x salience"):
        exchange(s0)
