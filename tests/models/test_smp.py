"""The SMP's options, quirk fixes, stochastic mode, edge cases, CLI and report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import detente.models._smp_kernel as K  # noqa: N812
from detente.cli import app
from detente.errors import ModelError, ParameterError
from detente.experiments.run import run_replicates
from detente.models import SMP, get_model
from detente.models.checks import small_scenario
from detente.models.smp import _round6, smp_inputs
from detente.report.smp import challenge_rows, smp_sections
from detente.scenario import Actor, Issue, Scenario, Stance
from detente.scenarios import load_scenario
from tests.models.smp_logs import load_reference

KTAB_CSV = Path(__file__).parents[2] / "src" / "detente" / "scenarios" / "ktab" / "dummyData_3Dim.csv"

OPTION_VALUES = {
    "voting_rule": ["Binary", "PropBin", "PropCbc", "Cubic", "ASymProsp"],
    "victory_model": ["Square", "Quartic", "Octic", "Binary"],
    "pce_model": ["MarkovIncentive", "MarkovUniform"],
    "risk_range": ["Min", "Max"],
    "risk_adjustment": ["None", "Half", "TwoThirds", "Full"],
    "third_party_commit": ["NoCommit", "FullCommit"],
    "bargain_interpolation": ["S1P1", "S2PMax"],
    "bargain_model": ["InitRcvrInterp", "PWCompInterp"],
    "binding_bargains": [True],
    "third_party_swing": [True],
    "salience_scale": ["actor"],
    "accommodation": [0.5],
}


@pytest.mark.parametrize(
    ("param", "value"), [(p, v) for p, vs in OPTION_VALUES.items() for v in vs], ids=lambda x: str(x)
)
def test_every_option_runs_and_stays_on_the_scale(param, value):
    s = load_scenario("ktab-3dim")
    f = SMP(**{param: value}).forecast(s, seed=4)
    assert f.parameters[param] == value
    assert 2 <= len(f.rounds) - 1 <= 100
    for r in f.rounds:
        for pos in r.positions.values():
            assert all(0.0 <= v <= 100.0 for v in pos.values())
        assert all(0.0 <= p <= 1.0 + 1e-12 for p in r.probabilities.values())
    assert all(0.0 <= x.low <= x.position <= x.high <= 100.0 for x in f.issues)


def test_options_change_the_run():
    s = load_scenario("ktab-3dim")
    base = SMP().forecast(s).rounds[-1].positions
    for param, value in [("voting_rule", "Cubic"), ("risk_range", "Max"), ("bargain_interpolation", "S1P1")]:
        assert SMP(**{param: value}).forecast(s).rounds[-1].positions != base, param


def test_parameters_from_the_command_line_are_validated():
    assert get_model("smp", voting_rule="Cubic", max_turns="7").max_turns == 7
    with pytest.raises(ParameterError, match="voting_rule"):
        SMP(voting_rule="Majority")
    with pytest.raises(ParameterError, match="accommodation"):
        SMP(accommodation=1.5)


def _setup(name="ktab-soe", **params):
    x, sal, cap = smp_inputs(load_scenario(name))
    opts = SMP(**params).options()
    return x, sal, cap, opts, K.state_setup(x, x, sal, cap, opts)


def test_vectorised_decisions_equal_the_general_challenge_calculus():
    _x, sal, cap, opts, st = _setup()
    n = len(cap)
    p, g = K.challenge_decisions(st, sal.sum(axis=1), cap, opts)
    i, j = np.nonzero(~np.eye(n, dtype=bool))
    p2, g2 = K.challenge_general(st, sal.sum(axis=1), cap, i, i, i, j, opts)
    assert np.array_equal(p[i, j], p2) and np.array_equal(g[i, j], g2)


@pytest.mark.parametrize("commit", ["FullCommit", "NoCommit"])
def test_third_parties_vanish_under_full_and_no_commit_unless_swing_is_on(commit):
    """Known quirk 1: P is decided by the two principals alone; third_party_swing fixes it."""
    _x, sal, cap, opts, st = _setup(third_party_commit=commit)
    w = sal.sum(axis=1) * cap
    p, _ = K.challenge_decisions(st, sal.sum(axis=1), cap, opts)
    u = st.uobj
    rho = st.rho
    n = len(cap)
    i, j = np.nonzero(~np.eye(n, dtype=bool))
    vi = w[i] * (u[i, i] - u[i, j])
    vj = w[j] * (K.utility(st.d[j, i], rho[i, j]) - K.utility(st.d[j, j], rho[i, j]))
    a0 = 1e-10 + np.maximum(vi, 0) + np.maximum(vj, 0)
    b0 = 1e-10 + np.maximum(-vi, 0) + np.maximum(-vj, 0)
    np.testing.assert_allclose(p[i, j], a0 / (a0 + b0), rtol=1e-12)
    swing = SMP(third_party_commit=commit, third_party_swing=True).options()
    p_swing, _ = K.challenge_decisions(st, sal.sum(axis=1), cap, swing)
    assert np.abs(p_swing[i, j] - p[i, j]).max() > 0.05


def test_semicommit_third_party_at_the_initiators_position_votes_for_the_target():
    """Known quirk 1: under SemiCommit a third party sitting on x_i hedges and backs j."""
    s = Scenario(
        name="Hedge",
        actors=[Actor(id=a, name=a, capability=c) for a, c in (("i", 1.0), ("j", 1.0), ("n", 5.0))],
        issues=[Issue(id="x", name="X")],
        stances=[
            Stance(actor="i", issue="x", position=20, salience=50),
            Stance(actor="j", issue="x", position=80, salience=50),
            Stance(actor="n", issue="x", position=20, salience=50),
        ],
    )
    x, sal, cap = smp_inputs(s)
    opts = SMP().options()
    st = K.state_setup(x, x, sal, cap, opts)
    ts = sal.sum(axis=1)
    with_n, _ = K.challenge_general(st, ts, cap, *(np.array([v]) for v in (0, 0, 0, 1)), opts)
    weak = cap.copy()
    weak[2] = 1e-9
    without_n, _ = K.challenge_general(st, ts, weak, *(np.array([v]) for v in (0, 0, 0, 1)), opts)
    assert with_n[0] < without_n[0]


def test_non_default_bargain_models_match_the_bargains_printed_in_the_logs():
    """KTAB logs the receiver's bargain and the compromise for every challenge (quirk 5)."""
    for name in ("ktab-3dim", "ktab-soe"):
        ref = load_reference(name)
        _x0, sal, cap = smp_inputs(load_scenario(name))
        run = SMP().run(load_scenario(name))
        checked = 0
        for t, turn in enumerate(run.turns):
            init, rcvr = turn.bargain_init, turn.bargain_rcvr
            x = run.positions[t]
            ri, rj, ci, cj = K.receiver_bargains(run.setups[t], x, sal, cap, init, rcvr, SMP().options())
            for m, (i, j) in enumerate(zip(init.tolist(), rcvr.tolist(), strict=True)):
                want = ref.receiver_bargains[(t, i, j)]
                np.testing.assert_allclose([ri[m] * 100, rj[m] * 100], want, atol=1e-9)
                comp = ref.compromises[(t, i, j)]
                np.testing.assert_allclose([ci[m] * 100, cj[m] * 100], comp, atol=5e-4 + 1e-9)
                checked += 1
        assert checked == len(ref.receiver_bargains)


def test_binding_bargains_move_both_parties_or_neither():
    run = SMP(binding_bargains=True).run(load_scenario("ktab-soe"))
    default = SMP().run(load_scenario("ktab-soe"))
    moved_any = False
    for turn in run.turns:
        for _k, m in enumerate(turn.chosen.tolist()):
            if m >= 0:
                moved_any = True
                i, j = turn.bargain_init[m], turn.bargain_rcvr[m]
                assert turn.chosen[i] == m and turn.chosen[j] == m
    assert moved_any
    assert not np.array_equal(run.positions[-1], default.positions[-1])


def test_blocking_does_not_change_a_single_bit(monkeypatch):
    s = load_scenario("ktab-soe")
    a = SMP().run(s)
    monkeypatch.setattr(K, "CACHE_BLOCK", 7)
    monkeypatch.setattr(K, "BLOCK", 50)
    b = SMP().run(s)
    assert a.n_states == b.n_states
    for pa, pb, sa, sb in zip(a.positions, b.positions, a.setups, b.setups, strict=True):
        assert np.array_equal(pa, pb) and np.array_equal(sa.prob, sb.prob)


def test_threads_do_not_change_a_single_bit(monkeypatch):
    s = load_scenario("ktab-a040")
    monkeypatch.setattr(K, "THREAD_MIN_WORK", 0)
    monkeypatch.setattr(K, "CACHE_BLOCK", 4000)
    monkeypatch.setattr(K, "THREADS", 1)
    a = SMP().run(s)
    monkeypatch.setattr(K, "THREADS", 3)
    b = SMP().run(s)
    assert a.n_states == b.n_states == 21
    assert all(np.array_equal(pa, pb) for pa, pb in zip(a.positions, b.positions, strict=True))


def test_reordering_actors_gives_the_same_trajectories():
    """Positions do not depend on actor order (probabilities may: KTAB groups equal positions greedily)."""
    s = load_scenario("ktab-soe")
    t = Scenario(
        name=s.name, actors=s.actors[::-1], issues=s.issues[::-1], stances=s.stances[::-1], sources=s.sources
    )
    a, b = SMP().forecast(s), SMP().forecast(t)
    assert len(a.rounds) == len(b.rounds)
    for ra, rb in zip(a.rounds, b.rounds, strict=True):
        for actor, pos in ra.positions.items():
            assert pos == pytest.approx(rb.positions[actor], abs=1e-9)
    assert a.positions() == pytest.approx(b.positions(), abs=1e-9)


# --- stochastic mode ----------------------------------------------------------------------------------


def _stochastic_final(task: int, seed_seq: np.random.SeedSequence) -> list[list[float]]:
    run = SMP(state_transitions="Stochastic").run(load_scenario("ktab-3dim"), seed=seed_seq)
    return run.positions[-1].tolist()


def test_stochastic_runs_are_reproducible_from_the_seed():
    s = load_scenario("ktab-soe")
    model = SMP(state_transitions="Stochastic")
    a, b = model.forecast(s, seed=5), model.forecast(s, seed=5)
    assert a == b
    others = [model.forecast(s, seed=k).rounds for k in range(6, 10)]
    assert any(r != a.rounds for r in others)


def test_stochastic_serial_equals_parallel():
    serial = run_replicates(_stochastic_final, range(6), seed=3, n_jobs=1)
    parallel = run_replicates(_stochastic_final, range(6), seed=3, n_jobs=2)
    assert serial == parallel
    assert len({json.dumps(r) for r in serial}) > 1


# --- edge cases ---------------------------------------------------------------------------------------


def test_consensus_is_a_settled_state_not_an_error():
    base = small_scenario()
    same = base.replace_stances([st.model_copy(update={"position": 64.0}) for st in base.stances])
    f = SMP().forecast(same)
    assert f.status.value == "converged" and len(f.rounds) == 3
    assert f.positions() == {"x": 64.0, "y": 64.0}
    assert all(not r.challenges for r in f.rounds)


def test_two_actors_and_one_actor_run():
    lone = Scenario(
        name="Lone",
        actors=[Actor(id="solo", name="Solo", capability=2.0)],
        issues=[Issue(id="x", name="X")],
        stances=[Stance(actor="solo", issue="x", position=23.0, salience=40.0)],
    )
    assert SMP().forecast(lone).position("x") == pytest.approx(23.0)


def test_two_actors(two_actors):
    f = SMP().forecast(two_actors)
    assert 0.0 <= f.position("x") <= 100.0
    assert f.rounds[1].challenges


def test_an_actor_without_salience_is_a_model_error_naming_it():
    base = small_scenario()
    stances = [st.model_copy(update={"salience": 0.0}) if st.actor == "a2" else st for st in base.stances]
    with pytest.raises(ModelError, match="'a2'"):
        SMP().forecast(base.replace_stances(stances))


def test_missing_stances_and_saliences_above_100():
    s = load_scenario("korea")
    assert s.saliences().sum(axis=1).max() > 100
    x, sal, _cap = smp_inputs(s)
    assert sal.sum(axis=1).max() == pytest.approx(1.0)
    assert np.argmax(sal.sum(axis=1)) == np.argmax(s.saliences().sum(axis=1))
    _, sal_actor, _ = smp_inputs(s, "actor")
    np.testing.assert_allclose(sal_actor.sum(axis=1), 1.0)
    base = small_scenario()
    gap = base.replace_stances([st for st in base.stances if not (st.actor == "a1" and st.issue == "x")])
    x, sal, _ = smp_inputs(gap)
    assert sal[1, 0] == 0.0 and x[1, 0] == pytest.approx(0.35)  # the status quo of x
    f = SMP().forecast(gap)
    assert "x" not in f.rounds[-1].positions["a1"] and "y" in f.rounds[-1].positions["a1"]


def test_on_round_sees_every_state_in_order():
    seen = []
    f = SMP().forecast(load_scenario("ktab-3dim"), on_round=seen.append)
    assert seen == list(f.rounds)


def test_korea_runs():
    s = load_scenario("korea")
    f = SMP().forecast(s)
    assert [x.issue for x in f.issues] == list(s.issue_ids)
    assert len(f.rounds) >= 3
    assert set(f.rounds[-1].positions) == {"DPRK", "ROK", "USA", "China", "Russia", "Japan"}


# --- output: JSON, CLI, report -------------------------------------------------------------------------


def test_cli_forecast_reads_a_raw_ktab_csv_and_writes_the_documented_json(tmp_path):
    out = tmp_path / "out.json"
    res = CliRunner().invoke(app, ["forecast", str(KTAB_CSV), "--model", "smp", "--json", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["model"] == "smp" and data["parameters"]["voting_rule"] == "Prop"
    ref = load_reference("ktab-3dim")
    assert [t["turn"] for t in data["turns"]] == list(range(ref.n_states))
    names = ref.names
    for t, turn in enumerate(data["turns"]):
        got = np.array([[turn["positions"][a][d] for d in ("Pstn1", "Pstn2", "Pstn3")] for a in names])
        np.testing.assert_allclose(got, ref.positions[t], atol=1e-6)
        np.testing.assert_allclose([turn["probabilities"][a] for a in names], ref.probabilities[t], atol=1e-4)
    assert set(data["forecast"]) == {"Pstn1", "Pstn2", "Pstn3"}
    assert data["turns"][1]["challenges"][0]["offer"] == "bargain"


def test_cli_parameters_and_errors(tmp_path):
    out = tmp_path / "out.json"
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "forecast",
            "ktab-3dim",
            "-m",
            "smp",
            "-P",
            "state_transitions=Stochastic",
            "--seed",
            "3",
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    first = out.read_text()
    res = runner.invoke(app, ["forecast", "ktab-3dim", "-m", "smp", "--json", str(out)])
    assert res.exit_code == 2 and "--force" in res.output
    res = runner.invoke(
        app,
        [
            "forecast",
            "ktab-3dim",
            "-m",
            "smp",
            "-P",
            "state_transitions=Stochastic",
            "--seed",
            "3",
            "--json",
            str(out),
            "--force",
        ],
    )
    assert res.exit_code == 0 and out.read_text() == first
    res = runner.invoke(app, ["forecast", "ktab-3dim", "-m", "smp", "-P", "voting_rule=Majority"])
    assert res.exit_code == 2
    assert "voting_rule" in res.output and "Traceback" not in res.output


def test_report_sections_show_trajectories_and_challenges():
    s = load_scenario("korea")
    f = SMP().forecast(s)
    (section,) = smp_sections(f, s)
    titles = [sub.title for sub in section.subsections]
    assert titles == ["Position trajectories", "Outcome probabilities over turns", "Who challenged whom"]
    traj = str(section.subsections[0].html)
    assert traj.count("<svg") == len(s.issues)
    assert all(f"SMP position trajectories: {i.name}" in traj for i in s.issues)
    rows = challenge_rows(f, s)
    assert sum(int(r["bargains"]) for r in rows) == sum(len(r.challenges) for r in f.rounds)
    assert smp_sections(f.model_copy(update={"model": "median"}), s) == []


def test_detente_run_includes_the_smp_for_korea(tmp_path):
    res = CliRunner().invoke(app, ["run", "korea", "--model", "smp", "--out", str(tmp_path / "rep")])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "Spatial Model of Politics (KTAB)" in html and "Who challenged whom" in html
    assert len(re.findall(r"SMP position trajectories", html)) == len(load_scenario("korea").issues)


# --- reported numbers: _round6 is Python's round(v, 6), vectorized --------------------------------


def _same_floats(got: list[float], want: list[float]) -> bool:
    """Equal bit for bit: NaN matches NaN, and 0.0 does not match -0.0."""
    return [np.float64(g).tobytes() for g in got] == [np.float64(w).tobytes() for w in want]


def test_round6_is_pythons_round_on_halves_and_edges():
    halves = (np.arange(-300_000, 300_000) + 0.5) / 1e6  # every one a tie at the 7th decimal (or near it)
    grid = np.arange(0.0, 100.0, 3.3e-4)  # the 0-100 scale
    edges = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-7, -5e-7, 1.5e-6, 2.5e-6, 1e300, -1e-300])
    for values in (halves, grid, edges, np.random.default_rng(5).random((40, 3)) * 100.0):
        want = [round(float(v), 6) for v in values.ravel()]
        got = np.ravel(np.asarray(_round6(values), dtype=float)).tolist()
        assert _same_floats(got, want)
    # 0.1234565 is stored a little below the half, so it rounds down, as Python rounds it
    assert _round6(np.array([[0.1234565, 1.0], [2.0, 3.0]])) == [[0.123456, 1.0], [2.0, 3.0]]


@settings(max_examples=300)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=50))
def test_round6_matches_round_on_any_floats(values):
    want = [round(v, 6) for v in values]
    assert _same_floats(_round6(np.array(values)), want)
