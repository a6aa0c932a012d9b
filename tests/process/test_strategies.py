"""Reference strategies: the rules in their docstrings, hand-checked, and the duel's properties."""

from __future__ import annotations

import numpy as np
import pytest

from detente.errors import ParameterError
from detente.process.duel import play_duel
from detente.process.strategies import STRATEGIES, DecisionContext, get_strategy, strategy_names


def moves(d, player=0, run=0):
    return "".join("C" if x else "D" for x in d.played[run, :, player])


def test_every_strategy_has_name_docstring_and_classifier():
    assert len(STRATEGIES) >= 11
    for name, cls in STRATEGIES.items():
        assert cls.name == name and cls.__doc__ and len(cls.__doc__.split()) >= 5
        assert "memory_depth" in cls.classifier and "stochastic" in cls.classifier


def test_unknown_strategy_is_a_parameter_error():
    with pytest.raises(ParameterError, match="use one of"):
        get_strategy("titfortwotats")


def test_wsls_corrects_one_error_in_two_rounds():
    # WSLS against itself, with player 0's action flipped in round 3 (an execution error)
    s = get_strategy("wsls")
    st = [s.start(1), s.start(1)]
    seq = []
    for t in range(6):
        a = [s.decide(st[k], np.random.default_rng(0)) for k in range(2)]
        played = [a[0].copy(), a[1].copy()]
        if t == 2:
            played[0] = ~played[0]
        seq.append("".join("C" if p[0] else "D" for p in played))
        for k in range(2):
            s.update(st[k], intended=a[k], played=played[k], seen=played[1 - k])
    assert seq == ["CC", "CC", "DC", "DD", "CC", "CC"]


def test_grim_never_forgives_and_grit_retaliates_once():
    g = get_strategy("grim")
    st = g.start(1)
    rng = np.random.default_rng(0)
    for seen in [True, False, True, True]:
        a = g.decide(st, rng)
        g.update(st, intended=a, played=a, seen=np.array([seen]))
    assert not g.decide(st, rng)[0]
    grit = get_strategy("grit", patience=2)
    st = grit.start(1)
    out = []
    for seen in [True, False, True, True, False, False, False, False, False, True]:
        a = grit.decide(st, rng)
        out.append("C" if a[0] else "D")
        grit.update(st, intended=a, played=a, seen=np.array([seen]))
    # one D after each switch to D (rounds 3 and 6); then patience: two more C; then D until it cooperates
    assert "".join(out) == "CCDCCDCCDD"


def test_max_pressure_withholds_until_the_demand_is_met():
    d = play_duel("max-pressure", "cooperate", turns=10)
    assert moves(d) == "DDDDDDCCCC"  # demand 6 rounds of compliance
    d = play_duel("max-pressure", "tft", turns=10)
    assert moves(d, 1) == "CDDDDDDDDD"  # a reciprocating side never gets it started


def test_contrite_standing_needs_the_record_under_misperception():
    without = play_duel("contrite", "contrite", turns=200, misperception=0.05, runs=300, seed=4)
    with_record = play_duel(
        "contrite", "contrite", turns=200, misperception=0.05, runs=300, seed=4, record=True
    )
    assert with_record.cooperation_rates()[0] == 1.0
    assert without.cooperation_rates()[0] < 0.8


def test_contrite_standing_costs_one_round_per_error():
    """Against itself with one execution error: the erring side cooperates while the other punishes once."""
    s = get_strategy("contrite")
    st = [s.start(1), s.start(1)]
    seq = []
    for t in range(5):
        a = [s.decide(st[k], np.random.default_rng(0)) for k in range(2)]
        played = [a[0].copy(), a[1].copy()]
        if t == 1:
            played[0] = ~played[0]
        seq.append("".join("C" if p[0] else "D" for p in played))
        for k in range(2):
            s.update(st[k], intended=a[k], played=played[k], seen=played[1 - k], record=played[1 - k])
    assert seq == ["CC", "DC", "CD", "CC", "CC"]


def test_self_enforcing_cooperates_exactly_when_the_condition_holds():
    s = get_strategy("self-enforcing", prior=0.5)
    st = s.start(3)
    ctx = DecisionContext(
        cost=np.array([1.0, 1.0, 1.0]),
        future=np.array([3.0, 2.0, 4.0]),
        fallback=np.array([0.0, 0.0, 3.0]),
        discount=1.0,
    )
    # cost <= b (future - fallback) with b = 0.5: 1.5, 1.0, 0.5
    assert s.decide(st, np.random.default_rng(0), ctx).tolist() == [True, True, False]


@pytest.mark.parametrize("name", strategy_names())
def test_same_seed_same_match_and_clones_play_alike(name):
    a = play_duel(name, "gtft", turns=50, noise=0.05, misperception=0.05, runs=20, seed=9)
    b = play_duel(name, "gtft", turns=50, noise=0.05, misperception=0.05, runs=20, seed=9)
    assert np.array_equal(a.played, b.played) and np.array_equal(a.scores, b.scores)
    c = play_duel(get_strategy(name), "gtft", turns=50, noise=0.05, misperception=0.05, runs=20, seed=9)
    assert np.array_equal(a.played, c.played)


@pytest.mark.parametrize(
    "name",
    [
        n
        for n, c in STRATEGIES.items()
        if c.classifier["memory_depth"] == 1 and not c.classifier["stochastic"]
    ],
)
def test_declared_memory_one_bounds_behaviour(name):
    """A deterministic memory-one strategy's move depends only on the last round's pair of actions."""
    rng = np.random.default_rng(0)
    s = get_strategy(name)
    for own in (True, False):
        for opp in (True, False):
            outs = set()
            for history in range(8):  # different earlier histories, same last round
                st = s.start(1)
                h = np.random.default_rng(history).random(5) < 0.5
                for x in [*h, opp]:
                    s.update(st, intended=np.array([own]), played=np.array([own]), seen=np.array([x]))
                outs.add(bool(s.decide(st, rng)[0]))
            assert len(outs) == 1, (name, own, opp)


def test_duel_rejects_bad_rates():
    with pytest.raises(ParameterError, match="noise"):
        play_duel("tft", "tft", noise=1.5)
    with pytest.raises(ParameterError, match="turns"):
        play_duel("tft", "tft", turns=0)
