"""Simulation: serial equals parallel, seeds reproduce, and the levers move outcomes the right way."""

from __future__ import annotations

import numpy as np
import pytest

from detente.process.io import load_embedded_process
from detente.process.simulate import simulate, simulate_policy, wilson
from detente.scenarios import load_scenario


@pytest.fixture(scope="module")
def korea():
    k = load_scenario("korea")
    return load_embedded_process("korea", scenario=k), k


def _same(a, b):
    for key in ("outcome", "fail_phase", "fail_actor", "broken", "escalated"):
        assert np.array_equal(getattr(a, key), getattr(b, key)), key
    for key in ("reach_time", "done_time", "positions", "tension", "escalation_time"):
        assert np.array_equal(getattr(a, key), getattr(b, key), equal_nan=True), key


@pytest.mark.slow
def test_serial_equals_parallel(korea):
    p, k = korea
    serial = simulate(p, k, runs=600, seed=7, n_jobs=1)
    parallel = simulate(p, k, runs=600, seed=7, n_jobs=2)
    for a, b in zip(serial, parallel, strict=True):
        _same(a, b)


def test_serial_equals_parallel_small(korea):
    p, k = korea
    a = simulate(p, k, ["engagement", "pressure"], runs=300, seed=3, n_jobs=1)
    b = simulate(p, k, ["engagement", "pressure"], runs=300, seed=3, n_jobs=2)
    for x, y in zip(a, b, strict=True):
        _same(x, y)


def test_policy_results_do_not_depend_on_other_policies(korea):
    p, k = korea
    alone = simulate_policy(p, k, "coalition", runs=300, seed=5)
    together = simulate(p, k, ["engagement", "coalition"], runs=300, seed=5)[1]
    _same(alone, together)
    other_seed = simulate_policy(p, k, "coalition", runs=300, seed=6)
    assert not np.array_equal(alone.tension, other_seed.tension, equal_nan=True)


def test_levers_move_outcomes_as_the_essays_argue(korea):
    p, k = korea
    res = {r.policy: r for r in simulate(p, k, runs=1000, seed=0)}

    def complete(pid):
        return (res[pid].outcome == 0).mean()

    def escalation(pid):
        return res[pid].escalated.mean()

    assert complete("engagement") > complete("pressure") + 0.3
    assert escalation("pressure") > escalation("engagement") + 0.3
    assert complete("no-guarantees") < complete("engagement") - 0.3
    assert complete("misperception") < complete("engagement") - 0.3
    assert complete("information") > complete("engagement")
    assert complete("coalition") > complete("engagement")
    # no-guarantees fails most at the dismantling steps of the DPRK
    top = res["no-guarantees"].failing_steps()[0]
    assert top["actor"] == "DPRK" and top["phase"] in {"talks", "mechanism"}


def test_runs_are_internally_consistent(korea):
    p, k = korea
    r = simulate_policy(p, k, "engagement", runs=500, seed=2)
    reached = np.isfinite(r.reach_time)
    assert reached[:, 0].all()
    assert (reached[:, 1:] <= reached[:, :-1]).all()  # can only reach a phase after the previous one
    completed = r.outcome == 0
    assert reached[completed].all()
    assert not (r.escalated & completed).any()
    assert ((r.fail_phase >= 0) == r.broken).all()
    assert ((r.positions >= 0) & (r.positions <= 100)).all()
    # completed runs moved every issue by the sum of the move effects (within the 0-100 bounds)
    expected = np.clip(r.setup.start + r.setup.effects.sum(axis=0), 0, 100)
    assert np.allclose(r.positions[completed], expected)
    # phases take at least their sustain
    times = r.reach_time[completed]
    assert (np.diff(times, axis=1) >= r.setup.sustain[:-1]).all()


def test_tiny_cooperators_finish_in_the_minimum_time(tiny):
    process, scenario = tiny
    r = simulate_policy(process, scenario, "nice", runs=50, seed=0)
    assert (r.outcome == 0).all()
    assert np.all(r.done_time == 2 + 3)
    mean = simulate_policy(process, scenario, "mean", runs=50, seed=0)
    assert mean.broken.all() and (mean.fail_phase == 0).all()
    assert (mean.setup.actors[mean.fail_actor[0]]) == "B"


def test_wilson_interval_covers_extremes():
    lo, hi = wilson(0, 100)
    assert lo == 0 and 0 < hi < 0.05
    lo, hi = wilson(100, 100)
    assert hi == 1 and 0.95 < lo < 1
