"""The SMP reproduces KTAB's reference logs turn by turn, and the spec's worked numbers."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models import SMP
from detente.models._smp_kernel import SMPOptions, challenge_general, distances, run_smp
from detente.models.smp import smp_inputs
from detente.scenarios import load_scenario
from tests.models.smp_logs import REFERENCE_LOGS, load_reference


@pytest.fixture(scope="module", params=sorted(REFERENCE_LOGS))
def case(request):
    name = request.param
    ref = load_reference(name)
    forecast = SMP().forecast(load_scenario(name))
    run = SMP().run(load_scenario(name))
    return name, ref, forecast, run


def test_reference_logs_parse_as_documented():
    a, b = load_reference("ktab-3dim"), load_reference("ktab-soe")
    assert (a.n_states, a.positions.shape, len(a.fractions)) == (11, (11, 7, 3), 10)
    assert (b.n_states, b.positions.shape, len(b.fractions)) == (28, (28, 13, 2), 27)
    assert a.probabilities[0, 0] == 0.0047 and a.fractions[1] == 0.7631


def test_same_number_of_turns(case):
    _, ref, forecast, run = case
    assert run.n_states == ref.n_states
    assert len(forecast.rounds) == ref.n_states
    assert forecast.status.value == "converged"


def test_every_turns_positions_match(case):
    name, ref, forecast, _ = case
    s = load_scenario(name)
    for t, r in enumerate(forecast.rounds):
        got = np.array([[r.positions[a][i] for i in s.issue_ids] for a in s.actor_ids])
        np.testing.assert_allclose(got, ref.positions[t], atol=1e-6, rtol=0, err_msg=f"state {t}")


def test_every_turns_probabilities_match_to_the_printed_digit(case):
    name, ref, forecast, run = case
    s = load_scenario(name)
    for t, r in enumerate(forecast.rounds):
        got = np.array([r.probabilities[a] for a in s.actor_ids])
        np.testing.assert_allclose(got, ref.probabilities[t], atol=1e-4, rtol=0, err_msg=f"state {t}")
        # the unrounded values print as the log's strings
        printed = [f"{p:.4f}" for p in run.setups[t].prob]
        assert printed == [f"{p:.4f}" for p in ref.probabilities[t]], t


def test_convergence_ratios_risk_attitudes_and_targets_match(case):
    _, ref, _, run = case
    assert [f"{r:.4f}" for r in run.ratios] == [f"{f:.4f}" for f in ref.fractions]
    for t in range(ref.n_states):
        np.testing.assert_allclose(run.setups[t].risk, ref.risk[t], atol=1e-3, rtol=0)
    for t, turn in enumerate(run.turns):
        assert turn.target.tolist() == ref.targets[t], t
        has = turn.target >= 0
        np.testing.assert_allclose(turn.gain[has], np.array(ref.worth[t])[has], atol=5e-4, rtol=0)


def test_every_logged_challenge_estimate_matches(case):
    """All 'Est by h of prob P that [i>j], with expected gain to k of dEU' lines, every perspective."""
    name, ref, _, run = case
    _, sal, cap = smp_inputs(load_scenario(name))
    keys = sorted(ref.estimates)
    assert len(keys) > 200
    for t in sorted({k[0] for k in keys}):
        rows = np.array([k[1:] for k in keys if k[0] == t])
        h, i, j, k = rows.T
        p, g = challenge_general(run.setups[t], sal.sum(axis=1), cap, h, k, i, j, SMPOptions())
        want = np.array([ref.estimates[(t, *r)] for r in rows.tolist()])
        assert [f"{v:.4f}" for v in p] == [f"{v:.4f}" for v in want[:, 0]]
        assert [f"{v:+.4f}" for v in g] == [f"{v:+.4f}" for v in want[:, 1]]


def test_worked_numbers_of_the_specification():
    """Section 21 of the spec: dummyData_3Dim, state 0 and turn 0."""
    x, sal, cap = smp_inputs(load_scenario("ktab-3dim"))
    np.testing.assert_allclose(sal.sum(axis=1), [0.8359, 0.7634, 0.9664, 0.8221, 0.8898, 0.7769, 0.8571])
    u0 = 1.0 - distances(x, sal, x)
    np.testing.assert_allclose(u0[0], [1.000, 0.903, 0.639, 0.870, 0.929, 0.882, 0.890], atol=5e-4)
    run = run_smp(x, sal, cap, SMPOptions())
    np.testing.assert_allclose(
        run.setups[0].risk, [-0.500, -0.459, -0.499, -0.274, 1.000, -0.232, -0.430], atol=5e-4
    )
    np.testing.assert_allclose(
        run.setups[0].risk_neutral, [0.0018, 0.0209, 0.0021, 0.1078, 0.7054, 0.1276, 0.0345], atol=5e-5
    )
    turn = run.turns[0]
    assert turn.target.tolist() == [6, 0, 6, 0, 0, 1, 1]
    assert round(turn.p[0], 4) == 0.7643 and round(turn.gain[0], 4) == 0.0947
    assert round(turn.p[6], 4) == 0.3970 and round(turn.gain[6], 4) == 0.0286
    m = int(np.flatnonzero(turn.bargain_init == 0)[0])
    np.testing.assert_allclose(turn.bargain_i[m] * 100, [75.61, 24.78, 71.95], atol=1e-9)
    np.testing.assert_allclose(turn.bargain_j[m] * 100, [75.61, 24.79, 71.95], atol=1e-9)
    assert len(turn.queue_prob[0]) == 5  # SQ, 0:6, 1:0, 3:0, 4:0
    chosen = turn.chosen[0]
    assert (turn.bargain_init[chosen], turn.bargain_rcvr[chosen]) == (4, 0)
    np.testing.assert_allclose(run.positions[1][0] * 100, [79.54, 44.71, 72.05], atol=1e-9)
    np.testing.assert_allclose(run.positions[1][4] * 100, [79.54, 44.72, 72.05], atol=1e-9)
    np.testing.assert_allclose(
        run.setups[1].risk, [1.000, -0.469, -0.500, -0.474, 0.655, -0.462, -0.469], atol=5e-4
    )
    final = [[float(f"{v:.1f}") for v in row] for row in run.positions[-1] * 100]  # as printf prints
    assert final == [
        [78.6, 31.8, 74.1],
        [78.6, 31.8, 74.1],
        [82.5, 90.9, 0.1],
        [67.1, 50.1, 63.7],
        [78.6, 31.6, 74.1],
        [79.9, 34.4, 75.2],
        [78.6, 31.6, 74.1],
    ]


@pytest.mark.parametrize(("name", "states"), [("ktab-6dim", 30), ("ktab-a040", 21), ("ktab-a080", 18)])
def test_state_counts_of_ktabs_other_examples(name, states):
    """KTAB's published state counts for inputs without a log here (spec section 23)."""
    run = SMP().run(load_scenario(name))
    assert run.n_states == states
