"""Expected-utility model: replication of Scholz et al.'s EC run and the checks of specs section 13."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from detente.errors import ParameterError
from detente.models import ExpectedUtility, get_model
from detente.models import _eu_kernel as kern
from detente.models.expected_utility import reference_log
from detente.models.result import Forecast, Status
from detente.scenarios import load_scenario, resolve_scenario
from tests.conftest import DATA, PACKAGE_SCENARIOS

LOG = DATA / "bdm" / "scholz_ExampleActors_10rounds_expected_output.log"
EC_CSV = PACKAGE_SCENARIOS / "bdm" / "scholz_EC_emissions_ExampleActors.csv"

# Section 10 of specs/bdm-scholz.md: the means printed in the log, and the true medians.
MEANS = [
    7.389955686853767,
    7.461314378277189,
    7.552500865855845,
    7.590144997451547,
    7.358130531334201,
    7.3491739896752115,
    7.414877545372958,
    7.510457183677219,
    7.5724470975503,
    7.324989065683666,
    7.242130958473938,
]
MEDIANS_3DP = [7.0, 8.416, 9.611, 9.962, 9.962, 9.962, 7.472, 8.825, 9.671, 9.671, 7.0]
BELGIUM_3DP = [7.0, 8.416, 9.611, 9.962, 4.801, 5.524, 7.472, 8.825, 9.671, 4.145, 4.292]

# Section 7: round-1 threat levels, R and r in reference mode.
ROUND1 = {
    "Netherlands": (-5.249283, -0.505874, 1.405653),
    "Belgium": (1.428336, 0.420370, 0.754196),
    "Luxembourg": (5.437679, 0.976502, 0.508864),
    "Germany": (-5.249283, -0.505874, 1.405653),
    "France": (-2.093933, -0.068199, 1.046524),
    "Italy": (-2.093933, -0.068199, 1.046524),
    "UK": (-8.640899, -0.976322, 1.964898),
    "Ireland": (5.607084, 1.000000, 0.500000),
    "Denmark": (-8.811603, -1.000000, 2.000000),
    "Greece": (-2.750413, -0.159259, 1.112125),
}


def ec_arrays():
    """The EC input in natural units (years), saliences on 0-1, in file order."""
    s = load_scenario("ec-emissions")
    d = s.issue_data("delay")
    x = np.array([s.issue("delay").to_natural(v) for v in d.positions])
    sal = d.saliences / 100.0
    return list(d.actor_ids), x, d.capabilities * sal, sal


@pytest.fixture(scope="module")
def ec_forecast() -> Forecast:
    return ExpectedUtility().forecast(load_scenario("ec-emissions"))


def natural(values):
    issue = load_scenario("ec-emissions").issue("delay")
    return [issue.to_natural(v) for v in values]


# --- replication ------------------------------------------------------------------------------------


def test_reference_log_is_reproduced_byte_for_byte():
    expected = LOG.read_bytes().decode("utf-8")
    assert reference_log(load_scenario("ec-emissions"), rounds=10) == expected


def test_reference_log_from_the_raw_csv_table_is_the_same():
    expected = LOG.read_bytes().decode("utf-8")
    assert reference_log(resolve_scenario(str(EC_CSV)), rounds=10) == expected


def test_log_without_the_typo_prints_the_true_median():
    text = reference_log(load_scenario("ec-emissions"), rounds=10, median_typo=False)
    medians = [float(line.split(": ")[1]) for line in text.splitlines() if line.startswith("Median")]
    assert [round(m, 3) for m in medians] == MEDIANS_3DP


def test_forecast_rounds_match_the_reference_median_and_mean(ec_forecast):
    means = natural([r.summary["mean:delay"] for r in ec_forecast.rounds])
    medians = natural([r.summary["median:delay"] for r in ec_forecast.rounds])
    assert len(ec_forecast.rounds) == 11
    assert [round(m, 3) for m in means] == [round(m, 3) for m in MEANS]
    assert [round(m, 3) for m in medians] == MEDIANS_3DP
    # The default (order-free) summation differs from the reference only in the last digits.
    for got, want in zip(means, MEANS, strict=True):
        assert math.isclose(got, want, rel_tol=1e-12)


def test_belgium_trajectory_and_three_movers_per_round(ec_forecast):
    belgium = natural([r.positions["Belgium"]["delay"] for r in ec_forecast.rounds])
    assert [round(b, 3) for b in belgium] == BELGIUM_3DP
    for r in ec_forecast.rounds[1:]:
        accepted = sorted((c.target, c.offer) for c in r.challenges if c.accepted)
        assert accepted == [("Belgium", "compromise"), ("Ireland", "conflict"), ("Luxembourg", "conflict")]


def test_round1_offers_as_in_the_log(ec_forecast):
    accepted = {c.target: c for c in ec_forecast.rounds[1].challenges if c.accepted}
    be = accepted["Belgium"]
    assert be.challenger == "France" and be.offer == "compromise"
    assert math.isclose(be.details["target_eu"], -0.11483050347300794, rel_tol=1e-12)
    assert math.isclose(be.expected_utility, 0.2432965945234421, rel_tol=1e-12)
    assert accepted["Luxembourg"].challenger == "Belgium"
    assert accepted["Ireland"].challenger == "Luxembourg"
    # Simultaneous moves: Luxembourg goes to Belgium's old position, not to where Belgium moves.
    assert natural([ec_forecast.rounds[1].positions["Luxembourg"]["delay"]]) == [7.0]


def test_forecast_is_the_last_median_and_status_is_max_rounds(ec_forecast):
    assert ec_forecast.status == Status.MAX_ROUNDS
    assert ec_forecast.position("delay") == ec_forecast.rounds[-1].summary["median:delay"]
    mean_model = ExpectedUtility(predict="mean").forecast(load_scenario("ec-emissions"))
    assert mean_model.position("delay") == pytest.approx(ec_forecast.rounds[-1].summary["mean:delay"])


def test_round1_threat_levels_and_risk_exponents():
    names, x, w, s = ec_arrays()
    st = kern.step(x, w, s, 6.0, kern.Settings())
    for k, name in enumerate(names):
        th, big_r, r = ROUND1[name]
        assert st.threat[k] == pytest.approx(th, abs=1e-6)
        assert st.big_r[k] == pytest.approx(big_r, abs=1e-6)
        assert st.r[k] == pytest.approx(r, abs=1e-6)


def test_reference_probability_belgium_beats_france():
    names, x, w, _ = ec_arrays()
    p = kern.probabilities(x, w, np.ones(10), 6.0, "triple")
    be, fr = names.index("Belgium"), names.index("France")
    assert p[be, fr] == pytest.approx(0.1705 / 28.233, rel=2e-4)
    assert p[be, fr] == pytest.approx(0.006039, abs=5e-7)
    # Section 5b: the triple denominator makes P(i beats j) + P(j beats i) far below 1.
    assert p[be, fr] + p[fr, be] < 0.05


def test_initial_median_and_mean():
    _, x, w, _ = ec_arrays()
    assert kern.median_position(x, w) == 7.0
    assert kern.weighted_mean(x, w) == 7.389955686853767


def test_pair_normalisation_sums_to_one():
    _, x, w, _ = ec_arrays()
    for votes in (np.ones(10), np.linspace(0.5, 2.0, 10)):
        p = kern.probabilities(x, w, votes, 6.0, "pair")
        differ = x[:, None] != x[None, :]
        assert np.allclose((p + p.T)[differ], 1.0)
        assert np.all(p[~differ] == 0.0)


def test_pair_normalisation_collapses_the_ec_case_to_seven_years():
    """Section 12: per-pair P (votes on exponentiated distances) puts everyone at 7.0 from round 3."""
    f = ExpectedUtility(normalisation="pair").forecast(load_scenario("ec-emissions"))
    moves = [sum(c.accepted for c in r.challenges) for r in f.rounds[1:]]
    assert moves == [8, 5, 1] + [0] * 7
    for r in f.rounds[3:]:
        assert natural(r.positions[a]["delay"] for a in r.positions) == [7.0] * 10


def test_pair_normalisation_with_linear_votes_first_two_rounds():
    """Section 12 gives 8 or 9 moves in round 1 and 5 or 6 in round 2 with linear votes too.

    (It also says round 3 has one move and everyone ends at 7.0; this implementation has three moves in
    round 3 and does not collapse with linear votes: a known difference, see docs/expected-utility.md.)
    """
    f = ExpectedUtility(normalisation="pair", votes="linear").forecast(load_scenario("ec-emissions"))
    moves = [sum(c.accepted for c in r.challenges) for r in f.rounds[1:]]
    assert moves[0] in (8, 9) and moves[1] in (5, 6)


def test_risk_exponents_stay_in_range():
    rng = np.random.default_rng(3)
    for _ in range(50):
        threat = rng.normal(size=rng.integers(2, 12)) * 10 ** rng.uniform(-3, 3)
        big_r, r = kern.risk_exponents(threat)
        assert np.all(big_r >= -1) and np.all(big_r <= 1)
        assert np.all(r >= 0.5) and np.all(r <= 2)
        assert big_r.max() == pytest.approx(1.0) and big_r.min() == pytest.approx(-1.0)
    big_r, r = kern.risk_exponents(np.full(4, 2.5))
    assert np.all(big_r == 0) and np.all(r == 1)


def test_with_q_one_the_median_and_t_do_not_matter():
    rng = np.random.default_rng(5)
    shape = (6, 6)
    p, s, d = rng.random(shape), rng.random(shape), rng.random(shape) * 3
    rho = rng.uniform(0.5, 2, shape)
    base = kern.expected_utility(p, s, d, rho, 3.0, 1.0, np.zeros(shape))
    for d_mu in (rng.random(shape) * 3, np.full(shape, 10.0), d - 1e-9, d + 1e-9):
        assert np.array_equal(kern.expected_utility(p, s, d, rho, 3.0, 1.0, d_mu), base)
    # ... but with Q < 1 they do.
    assert not np.array_equal(
        kern.expected_utility(p, s, d, rho, 3.0, 0.5, np.zeros(shape)),
        kern.expected_utility(p, s, d, rho, 3.0, 0.5, d + 1.0),
    )


def test_expected_utility_formula_by_hand():
    # i at 0, j at 3, Delta 6, r = 2, P = 0.25, s_j = 0.4, Q = 0.5, mu at 1 (T = 1: mu nearer i).
    d, dm, r = 3.0, 1.0, 2.0
    us = 2 - 4 * (0.5 - 0.5 * d / 6) ** r
    uf = 2 - 4 * (0.5 + 0.5 * d / 6) ** r
    ub = 2 - 4 * (0.5 - 0.25 * (dm + d) / 6) ** r
    usq = 2 - 4 * 0.5**r
    want = 0.4 * (0.25 * us + 0.75 * uf) + 0.6 * us - 0.5 * usq - 0.5 * ub
    got = kern.expected_utility(
        np.array(0.25), np.array(0.4), np.array(d), np.array(r), 6.0, 0.5, np.array(dm)
    )
    assert float(got) == pytest.approx(want, rel=1e-14)


def test_q_half_changes_the_ec_trajectory():
    a = ExpectedUtility().forecast(load_scenario("ec-emissions"))
    b = ExpectedUtility(q=0.5).forecast(load_scenario("ec-emissions"))
    assert [r.positions for r in a.rounds] != [r.positions for r in b.rounds]


# --- modes, options and parameters -------------------------------------------------------------------


def test_modes_resolve_and_explicit_options_override():
    assert ExpectedUtility().settings() == kern.Settings()
    paper = ExpectedUtility(mode="paper").settings()
    assert (paper.normalisation, paper.votes, paper.perspective, paper.capitulation, paper.choice) == (
        "pair",
        "linear",
        "own",
        True,
        "least_move",
    )
    assert ExpectedUtility(mode="paper", normalisation="triple").settings().normalisation == "triple"
    assert ExpectedUtility(capitulation=True).settings().capitulation is True


def test_every_option_combination_runs_and_stays_in_range():
    s = load_scenario("ec-emissions")
    for norm in ("pair", "triple"):
        for persp in ("own", "receiver"):
            for choice in ("least_move", "strongest_sender", "scholz_key"):
                for cap in (False, True):
                    m = ExpectedUtility(
                        normalisation=norm,
                        perspective=persp,
                        choice=choice,
                        capitulation=cap,
                        q=0.5,
                        rounds=6,
                    )
                    f = m.forecast(s)
                    for r in f.rounds:
                        assert all(0 <= p["delay"] <= 100 for p in r.positions.values())


def test_paper_mode_capitulations_happen_somewhere():
    seen = set()
    for name in ("ec-emissions", "ktab-3dim", "ktab-soe", "ktab-a040"):
        f = ExpectedUtility(mode="paper").forecast(load_scenario(name))
        seen |= {c.offer for r in f.rounds for c in r.challenges if c.accepted}
    assert "capitulation" in seen and "conflict" in seen


def test_tolerance_stops_a_run_that_has_settled():
    f = ExpectedUtility(normalisation="pair", rounds=50, tolerance=0.0).forecast(
        load_scenario("ec-emissions")
    )
    assert f.status == Status.CONVERGED
    assert len(f.rounds) == 5  # round 0, three rounds of moves, one round without movement
    assert f.issues[0].details["converged"] is True


@pytest.mark.parametrize(
    "params",
    [{"rounds": 0}, {"q": 1.5}, {"mode": "bdm"}, {"normalisation": "quad"}, {"tolerance": -1.0}],
)
def test_bad_parameters_raise_parameter_errors(params):
    with pytest.raises(ParameterError) as err:
        get_model("expected-utility", **params)
    assert next(iter(params)) in err.value.message


def test_cli_style_string_parameters_are_accepted():
    m = get_model("expected-utility", rounds="8", capitulation="true", q="0.5")
    assert (m.rounds, m.capitulation, m.q) == (8, True, 0.5)


# --- recorded explanations ---------------------------------------------------------------------------


def test_details_hold_every_actors_expected_utilities(ec_forecast):
    d = ec_forecast.issues[0].details
    assert d["actors"][0] == "Netherlands" and d["rounds"] == 10
    assert len(d["eu_ij"]) == 10 and np.shape(d["eu_ij"][0]) == (10, 10)
    st = kern.step(*_ec_scale_inputs(), kern.Settings())
    assert np.allclose(d["eu_ij"][0], st.u, rtol=1e-12, atol=1e-15)
    assert np.allclose(d["exponent"][0], st.r)
    # Challenges agree with the matrices: a challenge's EUs are the receiver's view of the pair.
    ids = d["actors"]
    for c in ec_forecast.rounds[1].challenges:
        a, b = ids.index(c.target), ids.index(c.challenger)
        assert c.details["target_eu"] == d["eu_ij"][0][a][b]
        assert c.expected_utility == d["eu_ji"][0][a][b]
    json.dumps(ec_forecast.to_json_dict(), allow_nan=False)


def _ec_scale_inputs():
    d = load_scenario("ec-emissions").issue_data("delay")
    s = d.saliences / 100
    return d.positions, d.capabilities * s, s, 100.0


def test_on_round_sees_each_round_as_it_is_computed():
    seen = []
    f = ExpectedUtility(rounds=4).forecast(load_scenario("korea"), on_round=seen.append)
    assert [r.index for r in seen] == [0, 1, 2, 3, 4]
    assert tuple(seen) == f.rounds


def test_json_shape_has_turns_positions_and_forecast(ec_forecast):
    data = ec_forecast.to_json_dict()
    assert data["model"] == "expected-utility"
    assert [t["turn"] for t in data["turns"]] == list(range(11))
    assert set(data["turns"][3]["positions"]["Belgium"]) == {"delay"}
    assert set(data["forecast"]) == {"delay"}
    assert "median:delay" in data["turns"][0]["summary"]
