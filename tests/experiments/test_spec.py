"""The experiment file: what loads, what each kind of mistake says, what the defaults produce."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from detente.errors import ScenarioError
from detente.experiments.spec import (
    MAX_INPUTS,
    Distribution,
    list_experiments,
    load_experiment,
    loads_experiment,
)
from detente.process.io import load_embedded_process
from detente.process.uncertainty import varied_numbers
from detente.scenarios import load_scenario

HEAD = "name: t\nscenario: {scenario}\n"


def spec(body: str, scenario: str = "korea-2017-11", source: str = "x.yaml", **kw):
    return loads_experiment(HEAD.format(scenario=scenario) + body, source=source, **kw)


def error_of(body: str, scenario: str = "korea-2017-11") -> str:
    with pytest.raises(ScenarioError) as info:
        spec(body, scenario)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("x.yaml: ")
    assert "Fix: " in msg
    return msg


# --- valid specs -----------------------------------------------------------------------------------


def test_embedded_experiments_load():
    assert list_experiments() == ["korea-roadmap", "korea-estimates"]
    road = load_experiment("korea-roadmap")
    assert road.levers == ("policy:engagement", "policy:pressure", "policy:sequencing", "policy:coalition")
    assert "roadmap.interim" in road.outcomes and "roadmap.fail.talks" in road.outcomes
    assert {i.kind for i in road.inputs} == {"range", "fitted"}
    est = load_experiment("korea-estimates")
    assert est.levers == ("",)
    assert {i.kind for i in est.inputs} == {"estimate"}
    assert len(est.outcomes) == 2 * len(est.scenario.issues)


def test_experiment_files_are_not_listed_as_scenarios():
    from detente.scenarios import embedded_scenarios

    files = {e.file for e in embedded_scenarios()}
    assert "korea_experiment.yaml" not in files and "korea_estimates.yaml" not in files


def test_default_estimates_are_exactly_the_estimate_stances():
    e = spec("outcomes: [forecast.compromise.*]\nsampler: {method: latin, n: 4}\n")
    s = load_scenario("korea-2017-11")
    estimates = {(st.actor, st.issue) for st in s.estimates()}
    assert 0 < len(estimates) < len(s.stances)  # some stances are sourced
    positions = {tuple(i.target.split(".")[1:3]) for i in e.inputs if i.target.endswith(".position")}
    saliences = {tuple(i.target.split(".")[1:3]) for i in e.inputs if i.target.endswith(".salience")}
    assert positions == estimates and saliences == estimates
    assert all(i.kind == "estimate" for i in e.inputs)
    # a stance's own uncertainty is used for its position
    st = next(st for st in s.estimates() if st.uncertainty is not None and st.uncertainty.sd)
    inp = e.input(f"stance.{st.actor}.{st.issue}.position")
    assert inp.distribution.kind == "normal" and inp.distribution.sd == st.uncertainty.sd
    assert inp.distribution.bounds == (0.0, 100.0)


TOY = """name: toy
actors:
- {id: A, name: A, capability: 1}
- {id: B, name: B, capability: 2}
- {id: C, name: C, capability: 3}
issues:
- {id: x, name: X}
stances:
- {actor: A, issue: x, position: 5, salience: 95, basis: estimate}
- {actor: B, issue: x, position: 50, salience: 50, basis: estimate}
- {actor: C, issue: x, position: 95, salience: 10, basis: sourced, source: s, quote: q}
sources:
- {id: s, title: S}
"""


def test_estimate_half_widths_are_clipped_to_the_scale(tmp_path: Path):
    (tmp_path / "toy.yaml").write_text(TOY, encoding="utf-8")
    e = loads_experiment(
        "name: t\nscenario: toy.yaml\nestimates: {position: 30, salience: 10}\n"
        "outcomes: [forecast.compromise.x]\n",
        base_dir=tmp_path,
    )
    by = {i.name: i.distribution.bounds for i in e.inputs}
    assert by == {
        "stance.A.x.position": (0.0, 35.0),
        "stance.A.x.salience": (85.0, 100.0),
        "stance.B.x.position": (20.0, 80.0),
        "stance.B.x.salience": (40.0, 60.0),
    }  # C's stance is sourced: no default
    assert {i.kind for i in e.inputs} == {"estimate"}


def test_roadmap_defaults_are_the_ranged_and_fitted_numbers():
    e = load_experiment("korea-roadmap")
    process = load_embedded_process("korea", scenario=load_scenario("korea-2017-11"))
    numbers = varied_numbers(process)
    assert len(e.inputs) == len(numbers)
    kinds = sorted(i.kind for i in e.inputs)
    assert kinds == sorted("fitted" if k.startswith("fitted") else "range" for _, _, k in numbers)
    rate = e.input("roadmap.tension.shocks[tests].rate")
    assert rate.kind == "fitted" and rate.distribution.kind == "triangular"
    lo, hi = rate.distribution.bounds
    assert lo < rate.base < hi and rate.distribution.mode == rate.base
    learning = e.input("roadmap.behaviour.learning")
    assert (learning.kind, learning.distribution.low, learning.distribution.high) == ("range", 0.05, 0.3)


def test_switches_turn_defaults_off():
    body = "outcomes: [roadmap.interim]\nsampler: {method: monte-carlo, n: 2}\n"
    assert {i.kind for i in spec(body).inputs} == {"estimate", "range", "fitted"}
    assert {i.kind for i in spec("estimates: false\n" + body).inputs} == {"range", "fitted"}
    assert {i.kind for i in spec("estimates: false\nfitted: false\n" + body).inputs} == {"range"}
    none = spec("estimates: false\nfitted: false\nroadmap_ranges: false\n" + body)
    assert none.inputs == ()


def test_a_listed_input_replaces_the_default_for_its_target():
    body = (
        "estimates: false\nuncertainties:\n- target: roadmap.behaviour.learning\n  low: 0.1\n  high: 0.2\n"
        "outcomes: [roadmap.interim]\nsampler: {method: latin, n: 2}\n"
    )
    e = spec(body)
    learning = [i for i in e.inputs if i.target == "roadmap.behaviour.learning"]
    assert len(learning) == 1 and learning[0].kind == "user" and learning[0].distribution.high == 0.2
    # an index and an id name the same number
    e2 = spec(body.replace("behaviour.learning", "tension.shocks[0].size"))
    size = [i for i in e2.inputs if i.target == "roadmap.tension.shocks[tests].size"]
    assert len(size) == 1 and size[0].kind == "user"


def test_targets_of_every_kind_resolve():
    e = spec(
        "estimates: false\nroadmap_ranges: false\nfitted: false\nuncertainties:\n"
        "- {target: stance.DPRK.nuclear.salience, distribution: triangular, low: 60, mode: 90, high: 100}\n"
        "- {target: actor.USA.capability, distribution: lognormal, median: 30, sigma: 0.2}\n"
        "- {target: issue.nuclear.status_quo, distribution: normal, mean: 90, sd: 20}\n"
        "- target: roadmap.phases[talks].moves[relief_1].cost\n  low: 0.5\n  high: 2\n"
        "- {target: roadmap.horizon, low: 24, high: 60}\n"
        "- {target: roadmap.strategy.DPRK, distribution: categorical, choices: [tft, grim]}\n"
        "- {target: model.nash.utility, distribution: categorical, choices: [quadratic, linear]}\n"
        "- {name: q, target: model.expected-utility.q, low: 0.5, high: 1}\n"
        "outcomes: [roadmap.interim, forecast.nash.nuclear]\nsampler: {method: latin, n: 2}\n"
    )
    by = {i.name: i for i in e.inputs}
    assert by["issue.nuclear.status_quo"].distribution.bounds == (0.0, 100.0)  # truncated to the scale
    assert by["roadmap.phases[talks].moves[relief_1].cost"].key == (
        "roadmap",
        "phases",
        1,
        "moves",
        2,
        "cost",
    )
    assert by["roadmap.horizon"].integer
    assert by["roadmap.strategy.DPRK"].categorical
    assert by["q"].target == "model.expected-utility.q" and by["q"].valid == (0.0, 1.0)


def test_coalition_levers_from_the_package_file_and_inline():
    e = spec(
        "estimates: false\nlevers:\n  coalitions:\n  - four-party\n"
        "  - {id: pragmatic, actors: [China, Russia, ROK], target: {nuclear: 40}}\n"
        "outcomes: [forecast.compromise.nuclear]\nsampler: {method: latin, n: 2}\n"
        "uncertainties:\n- {target: stance.DPRK.nuclear.position, low: 80, high: 100}\n"
    )
    assert e.levers == ("coalition:four-party", "coalition:pragmatic")
    assert e.lever_list[0].actors == ("Russia", "China", "ROK", "Japan")
    assert e.lever_list[1].target == (("nuclear", 40.0),)


def test_road_map_outcomes_default_to_every_policy():
    e = spec("estimates: false\nfitted: false\nroadmap_ranges: false\noutcomes: [roadmap.*]\n")
    assert len(e.levers) == 8 and all(x.startswith("policy:") for x in e.levers)
    assert "roadmap.reach.mechanism" in e.outcomes and "roadmap.time_to_interim" not in e.outcomes


def test_spec_hash_covers_the_input_files_but_not_the_seed(tmp_path: Path):
    scenario = Path(__file__).parents[2] / "src" / "detente" / "scenarios" / "ec-emissions.yaml"
    (tmp_path / "ec.yaml").write_text(scenario.read_text(encoding="utf-8"), encoding="utf-8")
    text = "name: t\nscenario: ec.yaml\noutcomes: [forecast.compromise.*]\nsampler: {method: latin, n: 4}\n"
    (tmp_path / "exp.yaml").write_text(text, encoding="utf-8")
    first = load_experiment(tmp_path / "exp.yaml")
    assert first.scenario.name == load_scenario("ec-emissions").name
    assert load_experiment(tmp_path / "exp.yaml").spec_hash() == first.spec_hash()
    (tmp_path / "exp.yaml").write_text(text + "seed: 9\n", encoding="utf-8")
    assert load_experiment(tmp_path / "exp.yaml").spec_hash() == first.spec_hash()
    (tmp_path / "ec.yaml").write_text(
        scenario.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8"
    )
    assert load_experiment(tmp_path / "exp.yaml").spec_hash() != first.spec_hash()
    (tmp_path / "exp.yaml").write_text(text.replace("n: 4", "n: 5"), encoding="utf-8")
    assert load_experiment(tmp_path / "exp.yaml").spec_hash() != first.spec_hash()
    assert '"files"' in first.canonical_text()


# --- one-line errors -----------------------------------------------------------------------------

OUT = "outcomes: [forecast.compromise.*]\nsampler: {method: latin, n: 4}\nestimates: false\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "uncertainties:\n- {target: stance.DPRJ.nuclear.position, low: 1, high: 2}\n" + OUT,
            ["line 4", "uncertainties[0].target", "unknown actor 'DPRJ'", "did you mean 'DPRK'", "DPRK, ROK"],
        ),
        (
            "uncertainties:\n- {target: stance.DPRK.nuclaer.position, low: 1, high: 2}\n" + OUT,
            ["line 4", "unknown issue 'nuclaer'", "did you mean 'nuclear'"],
        ),
        (
            "uncertainties:\n- {target: stance.DPRK.nuclear.pos, low: 1, high: 2}\n" + OUT,
            ["line 4", "ends in position or salience"],
        ),
        (
            "uncertainties:\n- {target: roadmap.behaviour.learnin, low: 0.1, high: 0.2}\n" + OUT,
            ["line 4", "no field 'learnin'", "did you mean 'learning'"],
        ),
        (
            "uncertainties:\n- target: roadmap.tension.shocks[test].rate\n  low: 0.1\n  high: 0.2\n" + OUT,
            ["line 4", "no item 'test'", "tests"],
        ),
        (
            "uncertainties:\n- {target: model.smp.voting, distribution: categorical, choices: [A, B]}\n"
            + OUT,
            ["line 4", "no parameter 'voting'", "voting_rule"],
        ),
        (
            "uncertainties:\n- target: stance.DPRK.nuclear.position\n  low: 90\n  high: 80\n" + OUT,
            ["line 5", "uncertainties[0].low", "low (90) is not below high (80)"],
        ),
        (
            "uncertainties:\n- target: stance.DPRK.nuclear.position\n  low: 90\n  high: 120\n" + OUT,
            ["line 6", "outside the valid range [0, 100]", "use a number from 0 to 100"],
        ),
        (
            "uncertainties:\n- {target: stance.DPRK.nuclear.position, distribution: normal, mean: 90}\n"
            + OUT,
            ["needs sd"],
        ),
        (
            "uncertainties:\n- {target: stance.DPRK.nuclear.position, distribution: triangular, low: 1, "
            "high: 9, mode: 10}\n" + OUT,
            ["the mode (10) is outside [1, 9]"],
        ),
        (
            "uncertainties:\n- {target: stance.DPRK.nuclear.position, low: 1, high: 9, mean: 3}\n" + OUT,
            ["'mean' is not a parameter of a uniform distribution"],
        ),
        (
            "uncertainties:\n- {target: stance.DPRK.nuclear.position, low: 1, high: 9}\n"
            "- {target: stance.DPRK.sanctions.position, low: 1, high: 9}\n"
            "- {target: stance.DPRK.exercises.position, low: 1, high: 9}\n"
            "correlations:\n- [stance.DPRK.nuclear.position, stance.DPRK.sanctions.position, 0.9]\n"
            "- [stance.DPRK.sanctions.position, stance.DPRK.exercises.position, 0.9]\n"
            "- [stance.DPRK.nuclear.position, stance.DPRK.exercises.position, -0.9]\n" + OUT,
            ["line 8", "not positive definite", "weaken some correlations"],
        ),
        (
            "uncertainties:\n- {target: stance.DPRK.nuclear.position, low: 1, high: 9}\n"
            "- {target: stance.DPRK.sanctions.position, low: 1, high: 9}\n"
            "correlations:\n- [stance.DPRK.nuclear.position, stance.DPRK.sanctions.position, 0.5]\n"
            "outcomes: [forecast.compromise.*]\nsampler: {method: sobol, n: 8}\nestimates: false\n",
            ["line 7", "correlations", "independent inputs", "use sampler method latin or monte-carlo"],
        ),
        (
            "uncertainties:\n- {target: stance.DPRK.nuclear.position, low: 1, high: 9}\n"
            "correlations:\n- [stance.DPRK.nuclear.position, nope, 0.5]\n" + OUT,
            ["line 6", "unknown input 'nope'"],
        ),
        ("outcomes: [roadmap.interm]\n", ["line 3", "outcomes[0]", "did you mean 'roadmap.interim'"]),
        ("outcomes: [forecast.compromis.nuclear]\n", ["did you mean 'compromise'"]),
        ("outcomes: [deal.big-bargian.accepted]\n", ["unknown package 'big-bargian'", "big-bargain"]),
        ("outcomes: [deal.accepted]\n", ["no package is a lever"]),
        ("outcomes: [shares]\n", ["unknown outcome 'shares'"]),
        (
            "levers:\n  policies: [engagment]\noutcomes: [roadmap.interim]\n",
            ["line 4", "levers.policies[0]", "no policy 'engagment'", "did you mean 'engagement'"],
        ),
        ("levers:\n  packages: [big]\n" + OUT, ["line 4", "no package 'big'", "big-bargain"]),
        (
            "levers:\n  coalitions:\n  - {id: c, actors: [China, Rusia]}\n" + OUT,
            ["unknown actor 'Rusia'", "did you mean 'Russia'"],
        ),
        ("outcome: [roadmap.interim]\n", ["line 3", "unknown key 'outcome'", "write 'outcomes'"]),
        (
            "outcomes: [roadmap.interim]\nsampler: {method: sobol, n: 100}\n",
            ["line 4", "sampler.n", "power of 2", "use n: 64 or 128"],
        ),
        (
            "outcomes: [roadmap.interim]\nsampler: {methd: sobol}\n",
            ["unknown key 'methd'", "did you mean 'method'"],
        ),
        ("scenario2: x\n" + OUT, ["unknown key 'scenario2'"]),
        (OUT.replace("latin, n: 4", "monte-carlo, n: 2000000"), ["sampler.n"]),
    ],
)
def test_bad_specs_give_one_line_located_errors(body: str, expected: list[str]):
    msg = error_of(body)
    for part in expected:
        assert part in msg, (part, msg)


def test_an_unknown_scenario_suggests_the_embedded_names():
    with pytest.raises(ScenarioError, match=r"x.yaml: line 2, scenario: 'koreaa' .*did you mean 'korea'"):
        spec(OUT, scenario="koreaa")


def test_too_many_tasks_is_refused():
    body = (
        "uncertainties:\n- {target: stance.DPRK.nuclear.position, low: 1, high: 9}\n"
        "outcomes: [forecast.compromise.*]\nestimates: true\nsampler: {method: sobol, n: 32768}\n"
    )
    msg = error_of(body)
    assert "over the limit of 1,000,000" in msg and "tasks" in msg


def test_too_many_inputs_is_refused(tmp_path: Path):
    n = MAX_INPUTS // 2 + 5
    actors = "\n".join(f"- {{id: a{k}, name: A{k}, capability: 1}}" for k in range(n))
    stances = "\n".join(f"- {{actor: a{k}, issue: x, position: 50, salience: 50}}" for k in range(n))
    (tmp_path / "big.yaml").write_text(
        f"name: big\nactors:\n{actors}\nissues:\n- {{id: x, name: X}}\nstances:\n{stances}\n",
        encoding="utf-8",
    )
    (tmp_path / "e.yaml").write_text(
        "name: e\nscenario: big.yaml\noutcomes: [forecast.compromise.x]\nsampler: {method: latin, n: 2}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=rf"{2 * n} inputs, over the limit of {MAX_INPUTS}"):
        load_experiment(tmp_path / "e.yaml")


def test_not_an_experiment_name_or_file():
    with pytest.raises(ScenarioError, match="neither an embedded experiment nor a file"):
        load_experiment("korea-roadmp")


# --- distributions ---------------------------------------------------------------------------------


def test_distribution_quantiles():
    u = np.linspace(0, 1, 101)
    tri = Distribution("triangular", low=0, mode=2, high=10).ppf(u)
    assert tri[0] == 0 and tri[-1] == 10 and np.all(np.diff(tri) >= 0)
    assert Distribution("triangular", low=0, mode=2, high=10).ppf(np.array([0.2]))[0] == pytest.approx(2.0)
    trunc = Distribution("normal", mean=95, sd=10, lower=0, upper=100).ppf(u)
    assert trunc.min() >= 0 and trunc.max() == 100 and np.all(np.diff(trunc) >= 0)
    free = Distribution("normal", mean=0, sd=1).ppf(u)
    assert np.isfinite(free).all() and free[-1] == pytest.approx(2.576, abs=1e-3)  # central 99%
    # a position with sd 15 does not reach the ends of the 0-100 scale at quantiles 0 and 1
    pos = Distribution("normal", mean=70, sd=15, lower=0, upper=100).ppf(np.array([0.0, 1.0]))
    assert pos == pytest.approx([70 - 2.576 * 15, 100.0], abs=0.01)
    logn = Distribution("lognormal", median=2, sigma=0.5).ppf(np.array([0.5]))
    assert logn[0] == pytest.approx(2.0)
    cat = Distribution("categorical", choices=("a", "b", "c"))
    assert cat.ppf(np.array([0.0, 0.34, 0.67, 1.0])).tolist() == [0, 1, 2, 2]
    assert cat.bounds == (0.0, 2.0)
    assert "truncated" not in Distribution("normal", mean=1, sd=1).describe()
    assert math.isinf(Distribution("normal", mean=1, sd=1).bounds[1])


def test_dated_road_map_numbers_take_the_value_in_force():
    body = "estimates: false\noutcomes: [roadmap.interim]\nsampler: {method: latin, n: 2}\n"
    then = {i.target for i in spec(body, scenario="korea-2017-11").inputs}
    now = {i.target for i in spec(body, scenario="korea").inputs}
    # the prior's range describes the undated prior; in 2026 a dated prior (0.1) is in force
    assert then - now == {"roadmap.behaviour.prior"}
    e = spec(
        body + "uncertainties:\n- {target: roadmap.behaviour.prior, low: 0, high: 1}\n", scenario="korea"
    )
    assert e.input("roadmap.behaviour.prior").base == 0.1
    credibility = spec(
        body + "uncertainties:\n- target: roadmap.guarantors[Russia].credibility\n  low: 0\n  high: 1\n",
        scenario="korea-2022-06",
    ).input("roadmap.guarantors[Russia].credibility")
    assert credibility.base == 0.2  # after the May 2022 veto
