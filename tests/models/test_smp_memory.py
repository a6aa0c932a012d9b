"""The SMP's forecast keeps only what the next turn and the history need, with identical results."""

from __future__ import annotations

import numpy as np

from detente.models import SMP
from detente.scenarios import load_scenario


def test_released_states_give_bit_identical_runs() -> None:
    s = load_scenario("ktab-soe")
    full = SMP().run(s)
    slim = SMP().run(s, keep_states=False)
    assert full.n_states == slim.n_states > 2
    assert full.ratios == slim.ratios
    for a, b in zip(full.positions, slim.positions, strict=True):
        assert np.array_equal(a, b)
    for a, b in zip(full.setups, slim.setups, strict=True):
        assert np.array_equal(a.prob, b.prob) and np.array_equal(a.risk, b.risk)
        assert np.array_equal(a.group_prob, b.group_prob)
    for a, b in zip(full.turns, slim.turns, strict=True):
        assert np.array_equal(a.target, b.target) and np.array_equal(a.chosen, b.chosen)


def test_only_the_last_state_keeps_its_actor_by_actor_arrays() -> None:
    s = load_scenario("ktab-3dim")
    n = len(s.actors)
    slim = SMP().run(s, keep_states=False)
    assert all(st.is_released and st.d.shape == (0, 0) for st in slim.setups[:-1])
    assert slim.setups[-1].d.shape == (n, n) and not slim.setups[-1].is_released
    assert not any(st.is_released for st in SMP().run(s).setups)


def test_forecast_is_unchanged_by_releasing_states() -> None:
    s = load_scenario("ktab-3dim")
    f = SMP().forecast(s)
    run = SMP().run(s)
    assert len(f.rounds) == run.n_states
    for t, r in enumerate(f.rounds):
        assert [r.probabilities[a] for a in s.actor_ids] == [round(float(p), 6) for p in run.setups[t].prob]
