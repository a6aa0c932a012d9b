"""Expected-utility model: any BDM table, degenerate inputs, properties, Monte Carlo, CLI and report."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from detente.cli import app
from detente.errors import DetenteError, ModelError
from detente.models import ExpectedUtility, ExpectedUtilityMC
from detente.report.expected_utility import challenge_rows, default_chart_actors, expected_utility_sections
from detente.scenario import Actor, Issue, Scenario, Stance
from detente.scenario.formats import read_bdm_text
from detente.scenarios import load_scenario, resolve_scenario
from detente.scenarios.known import attach_known_outcome, find_case
from tests.conftest import PACKAGE_SCENARIOS

EC_CSV = PACKAGE_SCENARIOS / "bdm" / "scholz_EC_emissions_ExampleActors.csv"
EC_ROWS = [
    ("Netherlands", 0.08, 4, 0.8),
    ("Belgium", 0.08, 7, 0.4),
    ("Luxembourg", 0.03, 4, 0.2),
    ("Germany", 0.16, 4, 0.8),
    ("France", 0.16, 10, 0.6),
    ("Italy", 0.16, 10, 0.6),
    ("UK", 0.16, 10, 0.9),
    ("Ireland", 0.05, 7, 0.1),
    ("Denmark", 0.05, 4, 1.0),
    ("Greece", 0.08, 7, 0.7),
]
runner = CliRunner()


def table(header, rows, *, sep=",", eol="\n"):
    lines = [sep.join(header)] + [sep.join(repr(v) if not isinstance(v, str) else v for v in r) for r in rows]
    return eol.join(lines) + eol


def natural_trajectory(scenario, forecast, stat="mean"):
    issue = scenario.issues[0]
    return [issue.to_natural(r.summary[f"{stat}:{issue.id}"]) for r in forecast.rounds]


def one_issue(positions, saliences, capabilities):
    actors = [Actor(id=f"a{k}", name=f"A{k}", capability=c) for k, c in enumerate(capabilities)]
    stances = [
        Stance(actor=f"a{k}", issue="x", position=p, salience=s)
        for k, (p, s) in enumerate(zip(positions, saliences, strict=True))
    ]
    return Scenario(name="t", actors=actors, issues=[Issue(id="x", name="X")], stances=stances)


# --- any Bueno de Mesquita-style table -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "sep", "eol", "sal_scale", "a", "b"),
    [
        (("Actor", "Capability", "Position", "Salience"), ",", "\n", 1, 1.0, 0.0),
        (("Country", "Power", "Position (years)", "Importance"), ";", "\r", 100, 1.0, 0.0),
        (("name", "clout", "Ideal point", "Salience [0-100]"), "\t", "\r\n", 100, 50.0, -1000.0),
        (("Stakeholder", "Influence", "Stance", "Priority"), ",", "\r", 1, 0.001, -3.0),
        (("PLAYER", "Resources", "Pref", "Intensity"), ",", "\n", 100, 12.5, 7.0),
    ],
)
def test_any_bdm_table_gives_the_same_trajectory_in_its_own_units(header, sep, eol, sal_scale, a, b):
    """Spellings, delimiters, line endings, salience scales, position ranges: converted and back."""
    header = [h if h != "Pref" else "preference" for h in header]
    rows = [(n, c, a * x + b, s * sal_scale) for n, c, x, s in EC_ROWS]
    s = read_bdm_text(table(header, rows, sep=sep, eol=eol), source="any.csv")
    f = ExpectedUtility().forecast(s)
    ref = ExpectedUtility().forecast(load_scenario("ec-emissions"))
    ec = load_scenario("ec-emissions")
    want = [a * m + b for m in natural_trajectory(ec, ref)]
    got = natural_trajectory(s, f)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-9 * abs(a))
    # The known case is recognised whatever the table looks like.
    assert find_case(s) is not None
    assert attach_known_outcome(s).issues[0].format_position(
        attach_known_outcome(s).issues[0].outcome, 2
    ) == (f"{a * 8.833 + b:.4f}" + (" years" if (a, b) == (1.0, 0.0) else ""))


def test_a_reversed_scale_mirrors_the_trajectory_when_the_choice_rule_is_symmetric():
    """Scholz's compromise key ranks offers by position, so it depends on the scale's direction;
    the least-move rule does not: negated positions give the negated trajectory."""
    from detente.models import _eu_kernel as kern

    c, x, s = (np.array([r[k] for r in EC_ROWS], dtype=float) for k in (1, 2, 3))
    for choice, mirrored in (("least_move", True), ("scholz_key", False)):
        settings = kern.Settings(choice=choice)
        a = kern.run_issue(x, c * s, s, settings, rounds=10).means
        b = kern.run_issue(-x, c * s, s, settings, rounds=10).means
        assert (b == pytest.approx([-v for v in a], rel=1e-12)) is mirrored


def test_a_changed_table_is_not_the_known_case():
    rows = [r if r[0] != "Ireland" else ("Ireland", 0.06, 7, 0.1) for r in EC_ROWS]
    s = read_bdm_text(table(("Actor", "Capability", "Position", "Salience"), rows), source="x.csv")
    assert find_case(s) is None and attach_known_outcome(s) == s


def test_the_raw_csv_gets_the_known_outcome_on_loading():
    s = resolve_scenario(str(EC_CSV))
    issue = s.issues[0]
    assert issue.outcome == 80.55 and issue.format_position(issue.outcome) == "8.833 years"


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.floats(-1e6, 1e6, allow_nan=False),
            st.floats(0, 1, allow_nan=False),
            st.floats(0, 100, allow_nan=False),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["\n", "\r", "\r\n"]),
)
def test_random_bdm_tables_run_without_an_exception(rows, eol):
    text = table(
        ("Actor", "Capability", "Position", "Salience"),
        [(f"actor {k}", c, x, s) for k, (x, c, s) in enumerate(rows)],
        eol=eol,
    )
    try:
        s = read_bdm_text(text, source="random.csv")
        f = ExpectedUtility(rounds=5).forecast(s)
    except DetenteError as exc:  # anything else is a bug and fails the test
        assert "\n" not in exc.message
        return
    issue = s.issues[0]
    lo, hi = min(r[0] for r in rows), max(r[0] for r in rows)
    span = max(hi - lo, 1.0)
    for r in f.rounds:
        for pos in r.positions.values():
            assert lo - 1e-9 * span <= issue.to_natural(pos[issue.id]) <= hi + 1e-9 * span


# --- degenerate inputs -----------------------------------------------------------------------------------


def test_all_actors_at_one_position_forecast_that_position():
    s = one_issue([40.0, 40.0, 40.0], [50, 60, 70], [1, 2, 3])
    f = ExpectedUtility().forecast(s)
    assert f.position("x") == 40.0 and f.status.value == "converged"
    assert len(f.rounds) == 1 and f.issues[0].details["degenerate"] == "all actors share one position"


def test_a_single_actor_keeps_its_position():
    f = ExpectedUtility().forecast(one_issue([23.0], [40], [2]))
    assert f.position("x") == 23.0 and f.issues[0].details["degenerate"] == "a single actor"


@pytest.mark.parametrize(("caps", "sals"), [([0, 0, 0], [50, 60, 70]), ([1, 2, 3], [0, 0, 0])])
def test_zero_capability_or_salience_for_everyone_is_a_clear_error(caps, sals):
    with pytest.raises(ModelError) as err:
        ExpectedUtility().forecast(one_issue([10.0, 50.0, 90.0], sals, caps))
    assert "issue 'x'" in err.value.message and "Fix:" in err.value.message and "\n" not in err.value.message


def test_zero_capability_table_on_the_command_line_is_one_line_and_exit_code_2(tmp_path):
    path = tmp_path / "zero.csv"
    path.write_text(
        table(("Actor", "Capability", "Position", "Salience"), [("A", 0, 1, 0.5), ("B", 0, 3, 0.5)])
    )
    r = runner.invoke(app, ["forecast", str(path), "--model", "expected-utility"])
    assert r.exit_code == 2 and r.stderr.startswith("error:") and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.output


def test_two_actors_documented_answer(two_actors):
    """Two actors: the more threatened is risk acceptant; the weaker one gives in to the stronger."""
    f = ExpectedUtility().forecast(two_actors)
    d = f.issues[0].details
    assert sorted(d["exponent"][0]) == pytest.approx([0.5, 2.0])
    moves = [(c.target, c.offer, c.challenger) for r in f.rounds for c in r.challenges if c.accepted]
    assert moves and all(0 <= p["x"] <= 100 for r in f.rounds for p in r.positions.values())
    final = f.rounds[-1].positions
    assert final["A"]["x"] == final["B"]["x"] == f.position("x")  # they end together
    assert ExpectedUtility(mode="paper").forecast(two_actors).position("x") in (0.0, 100.0)


def test_actors_without_a_stance_on_an_issue_are_left_out(ktab3):
    s = ktab3.replace_stances(
        [
            st
            for st in ktab3.stances
            if not (st.actor == ktab3.actor_ids[0] and st.issue == ktab3.issue_ids[0])
        ]
    )
    f = ExpectedUtility(rounds=3).forecast(s)
    first = s.actor_ids[0]
    assert s.issue_ids[0] not in f.rounds[-1].positions[first]
    assert s.issue_ids[1] in f.rounds[-1].positions[first]


# --- properties ------------------------------------------------------------------------------------------

positions = st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=7)


@st.composite
def issue_scenarios(draw):
    xs = draw(positions)
    n = len(xs)
    sal = draw(st.lists(st.floats(0, 100, allow_nan=False), min_size=n, max_size=n))
    cap = draw(st.lists(st.floats(0, 1e3, allow_nan=False), min_size=n, max_size=n))
    # Ties are common: reuse positions and weights.
    if draw(st.booleans()):
        xs = [xs[k % 2] for k in range(n)]
    return one_issue(xs, sal, cap)


def _reversed(s: Scenario) -> Scenario:
    return Scenario(name=s.name, actors=s.actors[::-1], issues=s.issues, stances=s.stances[::-1])


OPTIONS = [
    {},
    {"mode": "paper"},
    {"mode": "paper", "q": 0.5},
    {"capitulation": True, "choice": "least_move"},
    {"choice": "strongest_sender", "perspective": "own"},
]


@settings(max_examples=60)
@given(issue_scenarios(), st.sampled_from(OPTIONS))
def test_positions_stay_in_the_input_range_and_do_not_depend_on_actor_order(s, options):
    model = ExpectedUtility(rounds=6, **options)
    try:
        f = model.forecast(s)
    except ModelError:
        return
    x0 = [st.position for st in s.stances]
    lo, hi = min(x0), max(x0)
    for r in f.rounds:
        for pos in r.positions.values():
            assert lo <= pos["x"] <= hi
    g = model.forecast(_reversed(s))
    # Bitwise: the order-free summation makes every position identical, not just close.
    assert [r.positions for r in f.rounds] == [r.positions for r in g.rounds]
    assert f.positions() == g.positions()


@settings(max_examples=15)
@given(issue_scenarios())
def test_monte_carlo_does_not_depend_on_actor_order(s):
    model = ExpectedUtilityMC(runs=4, rounds=3)
    try:
        f = model.forecast(s, seed=9)
    except ModelError:
        return
    g = model.forecast(_reversed(s), seed=9)
    assert f.issues[0].details["values"] == g.issues[0].details["values"]


def test_actor_order_summation_is_close_to_the_default_on_korea():
    s = load_scenario("korea")
    a = ExpectedUtility().forecast(s)
    b = ExpectedUtility(summation="actor_order").forecast(s)
    for issue in s.issue_ids:
        assert a.position(issue) == pytest.approx(b.position(issue), abs=1e-9)


# --- Monte Carlo ------------------------------------------------------------------------------------------


def test_monte_carlo_is_reproducible_and_seed_dependent():
    s = load_scenario("ec-emissions")
    m = ExpectedUtilityMC(runs=30)
    a, b, c = m.forecast(s, seed=1), m.forecast(s, seed=1), m.forecast(s, seed=2)
    assert a == b
    assert a.issues[0].details["values"] != c.issues[0].details["values"]
    d = a.issues[0].details
    assert len(d["values"]) == 30 and a.issues[0].low <= a.issues[0].position <= a.issues[0].high
    assert a.issues[0].position == pytest.approx(float(np.median(d["values"])))


@pytest.mark.slow
def test_monte_carlo_serial_and_parallel_are_identical():
    s = load_scenario("korea")
    serial = ExpectedUtilityMC(runs=16, rounds=5).forecast(s, seed=3)
    parallel = ExpectedUtilityMC(runs=16, rounds=5, n_jobs=2).forecast(s, seed=3)
    assert [i.details["values"] for i in serial.issues] == [i.details["values"] for i in parallel.issues]
    assert serial.rounds == parallel.rounds


def test_monte_carlo_without_noise_or_random_ties_is_the_deterministic_model():
    s = load_scenario("ec-emissions")
    mc = ExpectedUtilityMC(runs=3, position_sd=0, salience_sd=0, capability_cv=0, random_ties=False)
    f = mc.forecast(s, seed=0)
    assert f.issues[0].details["values"] == [ExpectedUtility().forecast(s).position("delay")] * 3


def test_monte_carlo_uses_a_stances_own_uncertainty():
    s = one_issue([10.0, 50.0, 90.0], [50, 50, 50], [1, 1, 1])
    wide = s.replace_stances([st.model_copy(update={"uncertainty": None}) for st in s.stances])
    from detente.scenario.stance import Uncertainty

    exact = s.replace_stances(
        [st.model_copy(update={"uncertainty": Uncertainty(sd=0.0)}) for st in s.stances]
    )
    m = ExpectedUtilityMC(runs=10, salience_sd=0, capability_cv=0, random_ties=False)
    assert len(set(m.forecast(exact, seed=1).issues[0].details["values"])) == 1
    assert len(set(m.forecast(wide, seed=1).issues[0].details["values"])) > 1


# --- command line and report --------------------------------------------------------------------------------


def test_cli_forecast_of_the_raw_csv_prints_reference_median_mean_and_outcome(tmp_path):
    out = tmp_path / "f.json"
    r = runner.invoke(app, ["forecast", str(EC_CSV), "--model", "expected-utility", "--json", str(out)])
    assert r.exit_code == 0, r.output
    for text in ("8.41593 years", "7.46131 years", "9.96198 years", "7.24213 years", "8.833 years"):
        assert text in r.stdout
    data = json.loads(out.read_text())
    assert data["model"] == "expected-utility" and len(data["turns"]) == 11
    issue = next(iter(data["forecast"]))
    assert set(data["turns"][1]["positions"]["Belgium"]) == {issue}
    assert any(c["accepted"] and c["offer"] == "compromise" for c in data["turns"][1]["challenges"])


def test_cli_run_report_shows_outcome_rounds_and_quadrant_charts(tmp_path):
    r = runner.invoke(app, ["run", str(EC_CSV), "--model", "expected-utility", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "8.833 years" in r.stdout
    html = (tmp_path / "report.html").read_text()
    assert "Appendix: expected-utility model" in html and "8.833 years" in html
    assert "Perceptual quadrant charts" in html and "Median and mean by round" in html
    assert "8.41593 years" in html and "compromise" in html


@pytest.mark.slow  # `detente run korea` also runs the analyses other modules register (road maps, deals)
def test_korea_runs_and_its_report_has_rounds_and_quadrant_charts(tmp_path):
    s = load_scenario("korea")
    f = ExpectedUtility().forecast(s)
    assert len(f.rounds) == 11 and all(0 <= v <= 100 for v in f.positions().values())
    sections = expected_utility_sections(f, s)
    assert len(sections) == 1 and len(sections[0].subsections) == len(s.issues)
    assert sections[0].collapsed and all(sub.collapsed for sub in sections[0].subsections)
    # one quadrant chart (the first issue) shows how to read the model; every issue gets its trajectory
    first, *rest = sections[0].subsections
    assert "Perceptual quadrant charts" in first.html and first.html.count("<svg") >= 2
    for sub in rest:
        assert "Perceptual quadrant charts" not in sub.html and sub.html.count("<svg") == 1
    # Default chart actors are the most capable; every issue's chart names them.
    assert default_chart_actors(s, "nuclear")[0] == max(s.actors, key=lambda a: a.capability).id
    r = runner.invoke(app, ["run", "korea", "--model", "expected-utility", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "report.html").read_text()
    assert html.count("Perceptual quadrant charts") == 1
    mc = ExpectedUtilityMC(runs=8, rounds=4).forecast(s, seed=2)
    mc_sections = expected_utility_sections(mc, s)
    assert "Monte Carlo" in mc_sections[0].title
    assert all("Monte Carlo forecasts" in sub.html for sub in mc_sections[0].subsections)


def test_challenge_rows_list_every_offer_with_acceptance():
    s = load_scenario("ec-emissions")
    f = ExpectedUtility().forecast(s)
    rows = challenge_rows(f, s, "delay")
    assert len(rows) == sum(len(r.challenges) for r in f.rounds)
    first = [r for r in rows if r["round"] == "1" and r["accepted"] == "yes"]
    assert [(r["target"], r["offer"], r["challenger"]) for r in first] == [
        ("Belgium", "compromise", "France"),
        ("Luxembourg", "conflict", "Belgium"),
        ("Ireland", "conflict", "Luxembourg"),
    ]
    assert first[0]["target moves to"] == "8.41593 years"


def test_report_sections_are_deterministic():
    s = load_scenario("ec-emissions")
    f = ExpectedUtility().forecast(s)
    a = expected_utility_sections(f, s, actors=["Belgium", "France", "Luxembourg"])
    b = expected_utility_sections(f, s, actors=["Belgium", "France", "Luxembourg"])
    assert a == b
    assert "as Belgium (i) sees it" in a[0].subsections[0].html
    assert math.isfinite(f.position("delay"))
