"""Simulation: serial equals parallel, seeds reproduce, and the levers move outcomes the right way."""

from __future__ import annotations

import numpy as np
import pytest

from detente.process.io import load_embedded_process
from detente.process.simulate import simulate, simulate_policy, wilson
from detente.scenarios import load_scenario


@pytest.fixture(scope="module")
def korea():
    k = load_scenario("korea-2017-11")
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


def _variant(**replacements):
    """The Korean road map with some lines of its file replaced (each old text must occur once)."""
    from importlib.resources import files

    from detente.process.io import loads_process

    text = files("detente.scenarios").joinpath("korea_roadmap.yaml").read_text(encoding="utf-8")
    for old, new in replacements.values():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    k = load_scenario("korea-2017-11")
    return loads_process(text, source="variant.yaml", scenario=k), k


def _interim(p, k, policies, runs=600):
    res = {r.policy: r for r in simulate(p, k, policies, runs=runs, seed=0)}
    return {pid: r.interim_settled().mean() for pid, r in res.items()}


def test_the_shipped_road_map_ranks_policies_by_its_numbers_not_by_construction(korea):
    p, k = korea
    res = {r.policy: r for r in simulate(p, k, runs=600, seed=0)}
    # with the baseline's guarantees the arsenal's dismantling is ruled out, and US relief for
    # Yongbyon alone costs more at home than it is worth: the talks break down (the Hanoi failure)
    assert res["engagement"].interim_settled().mean() == 0.0
    # the coalition's more credible guarantees make the final step safe: everything follows
    assert res["coalition"].interim_settled().mean() > 0.8 and (res["coalition"].outcome == 0).mean() > 0.8


def test_coercion_wins_where_the_dprk_is_the_binding_constraint():
    # Yongbyon costs the DPRK more; the US has no domestic cost: only tighter sanctions make the
    # DPRK's step worth taking
    p, k = _variant(
        yongbyon=("    cost: 2\n    power_shift: 0.01", "    cost: 4.5\n    power_shift: 0.01"),
        domestic=("    domestic_cost: 2\n", "    domestic_cost: 0\n"),
    )
    shares = _interim(p, k, ["engagement", "coercion"])
    assert shares["engagement"] == 0.0 and shares["coercion"] > 0.5


def test_sequencing_wins_where_the_us_needs_to_see_compliance_first():
    # US relief is worth it only at a belief above the prior: seeing the DPRK comply first raises it
    p, k = _variant(domestic=("    domestic_cost: 2\n", "    domestic_cost: 0.75\n"))
    shares = _interim(p, k, ["engagement", "sequencing"])
    assert shares["sequencing"] > shares["engagement"] + 0.1


def test_information_wins_where_misread_compliance_breaks_the_freeze():
    p, k = _variant(
        domestic=("    domestic_cost: 2\n", "    domestic_cost: 0\n"),
        false_alarms=("  false_alarm: 0.08\n", "  false_alarm: 0.24\n"),
    )
    shares = _interim(p, k, ["engagement", "information"])
    assert shares["information"] > shares["engagement"] + 0.2


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


def test_an_actor_with_a_payoff_but_no_move_is_simulated():
    # regression: China gets a payoff from a move but has no move of its own once its guarantee is cut;
    # setting up the road map used to fail with a KeyError on the actor with no move
    guarantee = (
        "  - id: guarantee_china\n    name: Chinese security guarantee\n    actor: China\n"
        "    kind: guarantee\n    cost: 0.5\n    payoffs: {DPRK: 1}\n"
        "    effects: {guarantees: 15, peace_mechanism: 10}\n"
    )
    p, k = _variant(
        cut=(
            guarantee,
            "  - id: guarantee_china_cut\n    name: cut\n    actor: DPRK\n    kind: other\n"
            "    cost: 0\n    payoffs: {China: 1}\n    effects: {}\n",
        ),
    )
    assert not any(m.actor == "China" for ph in p.phases for m in ph.moves)
    assert any("China" in m.payoffs for ph in p.phases for m in ph.moves)
    (res,) = simulate(p, k, ["engagement"], runs=50, seed=0)
    assert res.outcome.shape == (50,)
