"""Analytic checks: closed forms against direct comparisons, hand-computed values, schedule search."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente.process.analysis import (
    check_roadmap,
    commitment_checks,
    inspection_checks,
    inspection_deters,
    inspection_threshold,
    most_counterpart_can_offer,
    prefers_war,
    richardson_check,
    self_enforcement_checks,
    smallest_schedule,
    war_value_now,
)
from detente.process.setup import prepare


@given(
    p=st.floats(0.01, 0.99),
    frac=st.floats(0.0, 1.0),
    delta=st.floats(0.5, 0.995),
    cost=st.floats(0.0, 20.0),
    guarantee=st.floats(0.0, 10.0),
)
def test_commitment_closed_form_equals_direct_comparison(p, frac, delta, cost, guarantee):
    p_next = p * frac
    direct = war_value_now(p, delta, cost) - most_counterpart_can_offer(p_next, delta, cost, guarantee)
    if abs(direct) < 1e-7:  # knife edge: rounding decides
        return
    assert prefers_war(p, p_next, delta, cost, guarantee) == (direct > 0)


@given(g=st.floats(0.01, 10), loss=st.floats(0, 10), d=st.floats(0.05, 1.0), r=st.floats(0, 1))
def test_inspection_threshold_is_where_deterrence_starts(g, loss, d, r):
    r_star = inspection_threshold(g, loss, d)
    gain_from_breach = (1 - r * d) * g - r * d * loss
    assert inspection_deters(g, loss, r, d) == (gain_from_breach <= 1e-12 or r * d * (g + loss) >= g)
    if r_star <= 1:
        assert inspection_deters(g, loss, min(1.0, r_star * (1 + 1e-9)), d)


def test_a_step_the_commitment_problem_rules_out_ends_the_road_map_there(tiny):
    process, scenario = tiny  # A's dismantling shifts 0.1 of its power: 0.9 x 0.1 > 0.1 x 0.6 + 0.01 x 2
    s = prepare(process, scenario, "nice")
    rows = {(r["phase"], r["actor"]): r for r in self_enforcement_checks(s)}
    assert rows[("two", "A")]["blocked"] and not rows[("two", "A")]["holds"]
    # nobody counts on phase two: A's value of going on after step one is B's relief alone
    assert rows[("one", "A")]["V_next"] == pytest.approx(2.0)
    assert rows[("one", "B")]["V_next"] == pytest.approx(2.0)


def test_self_enforcement_by_hand(tiny_text, two_actors):
    from detente.process.io import loads_process

    scenario = two_actors.model_copy(update={"name": "two"})
    process = loads_process(tiny_text.replace("power_shift: 0.1", "power_shift: 0.05"), scenario=scenario)
    s = prepare(process, scenario, "nice")
    rows = {(r["phase"], r["actor"]): r for r in self_enforcement_checks(s)}
    d1, d2 = 0.9**2, 0.9**3
    # A, step two: cost 2; V = benefit 2 + completion 2; W = (1 - 0.4) * 2 - 0.4 * (0.5 * 2)
    v, w = 4.0, 0.6 * 2 - 0.4 * 1.0
    assert rows[("two", "A")]["V_next"] == pytest.approx(v)
    assert rows[("two", "A")]["W_renege"] == pytest.approx(w)
    assert rows[("two", "A")]["margin"] == pytest.approx(d2 * (v - w) - 2)
    # A, step one: V = 2 + U2, U2 = -2 + d2 * (2 + 2); public move, no guarantee on A's breach by A itself
    u2 = -2 + d2 * 4
    assert rows[("one", "A")]["V_next"] == pytest.approx(2 + u2)
    assert rows[("one", "A")]["W_renege"] == pytest.approx(-1.0)  # B's guarantee: 0.5 x 2
    assert rows[("one", "A")]["holds"] == (d1 * (2 + u2 + 1.0) >= 1)
    # B is the guarantor: no penalty on itself
    assert rows[("two", "B")]["W_renege"] == pytest.approx(0.0)


def test_no_guarantees_drops_guarantee_moves_and_penalties(tiny):
    process, scenario = tiny
    s = prepare(process, scenario, "bare")
    assert "guarantee_b" not in s.moves_of[1][s.actors.index("B")]
    assert np.all(s.penalty == 0)


def test_commitment_rows_follow_the_power_path(tiny):
    process, scenario = tiny
    rows = commitment_checks(prepare(process, scenario, "nice"))
    assert len(rows) == 1
    r = rows[0]
    assert (r["power_before"], r["power_after"]) == (0.4, pytest.approx(0.3))
    assert r["holds"] == (not prefers_war(0.4, 0.3, 0.9, 2, r["guarantee"]))
    assert r["holds"] == (r["war_now"] <= r["best_offer"] + 1e-12)


def test_inspection_rows(tiny):
    process, scenario = tiny
    rows = inspection_checks(prepare(process, scenario, "nice"))
    assert [(r["phase"], r["actor"]) for r in rows] == [("two", "A")]
    assert rows[0]["needed_rate"] == pytest.approx(inspection_threshold(2, rows[0]["loss"], 0.8))


def test_richardson_equilibrium_matches_a_long_deterministic_run(tiny):
    process, scenario = tiny
    s = prepare(process, scenario, "nice")
    rc = richardson_check(s)
    assert rc["stable"] and rc["mn_minus_ab"] == pytest.approx(0.2 * 0.2 - 0.1 * 0.1)
    a, m = 0.1, 0.2
    x = np.array([10.0, 10.0])
    g = np.array([1 + 0.5 * 4, 1.0])  # grievance + mean shock impulse on A's side
    for _ in range(2000):
        x = x + a * x[::-1] - m * x + g
    assert x.tolist() == pytest.approx(rc["equilibrium_with_shocks"], rel=1e-9)


def _passes(setup, fractions, grid):
    """Re-check a schedule step by step, independently of the search."""
    return smallest_schedule_check(setup, fractions)


def smallest_schedule_check(setup, fractions):
    from detente.process.analysis import prefers_war as war

    cm = setup.process.commitment
    a = setup.actors.index(cm.actor)
    others = np.arange(setup.n_actors) != a
    delta = setup.process.discount.value
    ds = delta ** max(1, round(float(setup.sustain.mean())))
    cA, bA, S = setup.cost[:, a].sum(), setup.benefit[:, a].sum(), setup.power_shift[:, a].sum()
    cB, bB = setup.cost[:, others].sum(), setup.benefit[:, others].sum()
    dA = setup.detect[:, a].min()
    penA, penB = setup.penalty[-1, a], setup.penalty[-1, others].sum()
    g = setup.penalty[-1, setup.actors.index(cm.counterpart)]
    # continuation values from the end backwards
    uA, uB = [setup.completion[a]], [setup.completion[others].sum()]
    for x in reversed(fractions):
        uA.insert(0, -cA * x + ds * (bA * x + uA[0]))
        uB.insert(0, -cB * x + ds * (bB * x + uB[0]))
    p = cm.power
    for j, x in enumerate(fractions):
        if cA * x > ds * (bA * x + uA[j + 1] - ((1 - dA) * bA * x - dA * penA)) + 1e-12:
            return False
        if cB * x > ds * (bB * x + uB[j + 1] + penB) + 1e-12:
            return False
        if war(p, p - S * x, delta, cm.war_cost, g):
            return False
        p -= S * x
    return True


def test_smallest_schedule_is_valid_and_minimal_by_brute_force(tiny):
    process, scenario = tiny
    s = prepare(process, scenario, "nice")
    grid = 8
    sch = smallest_schedule(s, grid=grid)
    assert sch.steps is not None
    assert sum(sch.fractions) == pytest.approx(1.0)
    assert smallest_schedule_check(s, sch.fractions)
    # no composition of the grid into fewer parts passes
    for n in range(1, sch.steps):
        for cuts in itertools.combinations(range(1, grid), n - 1):
            parts = np.diff([0, *cuts, grid]) / grid
            assert not smallest_schedule_check(s, tuple(parts)), parts


def test_korea_checks_run_and_guarantees_matter():
    from detente.process.io import load_embedded_process
    from detente.scenarios import load_scenario

    korea = load_scenario("korea-2017-11")
    p = load_embedded_process("korea", scenario=korea)
    base = check_roadmap(prepare(p, korea, "engagement"))
    coalition = check_roadmap(prepare(p, korea, "coalition"))
    without = check_roadmap(prepare(p, korea, "no-guarantees"))

    def row(report, phase, actor):
        return next(r for r in report["self_enforcement"] if (r["phase"], r["actor"]) == (phase, actor))

    # the arsenal's dismantling needs guarantees the US would face for exploiting it: the coalition's
    # more credible guarantees make it safe, the baseline's and none are not enough
    assert row(base, "mechanism", "DPRK")["blocked"] and row(without, "mechanism", "DPRK")["blocked"]
    assert not row(coalition, "mechanism", "DPRK")["blocked"]
    assert [r["holds"] for r in coalition["commitment"]] == [True, True]
    assert [r["holds"] for r in base["commitment"]] == [True, False]
    # with the final step ruled out, US relief at the talks (with its domestic cost) is not worth it
    assert not row(base, "talks", "USA")["holds"] and row(coalition, "talks", "USA")["holds"]
    assert row(base, "talks", "USA")["domestic_cost"] == 2.0
    assert base["richardson"]["stable"] and base["unsourced_blocks"] == []
