"""The evaluator: pure in (task, seed), outcomes in range, and moving the right way for known changes."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest

from detente.deals.package import packages_for
from detente.deals.utility import Preferences, status_quo_package
from detente.deals.veto import judge
from detente.experiments.design import build_design
from detente.experiments.evaluate import Evaluator, describe, summary_lines
from detente.experiments.spec import load_experiment, loads_experiment
from detente.experiments.types import Task
from detente.models import NashBargaining
from detente.scenarios import load_scenario

SEED = np.random.SeedSequence(2024)


def run(e, lever: str = "", seed: np.random.SeedSequence = SEED, **inputs):
    return Evaluator(e)(Task(run_index=0, lever=lever, sample=0, inputs=inputs), seed)


def roadmap(body: str, scenario: str = "korea-2017-11"):
    return loads_experiment(
        f"name: t\nscenario: {scenario}\nestimates: false\nroadmap_ranges: false\nfitted: false\n"
        + body
        + "runs_per_sample: 60\nsampler: {method: latin, n: 4}\n"
    )


def test_compromise_moves_by_the_weighted_share_of_a_changed_position():
    e = loads_experiment(
        "name: t\nscenario: ec-emissions\n"
        "uncertainties:\n- {target: stance.Germany.delay.position, low: 0, high: 100}\n"
        "outcomes: [forecast.compromise.delay]\n"
    )
    s = load_scenario("ec-emissions")
    data = s.issue_data("delay")
    w = data.capabilities * data.saliences
    share = w[list(data.actor_ids).index("Germany")] / w.sum()
    low = run(e, **{"stance.Germany.delay.position": 10.0})["forecast.compromise.delay"]
    high = run(e, **{"stance.Germany.delay.position": 90.0})["forecast.compromise.delay"]
    assert high - low == pytest.approx(share * 80.0, rel=1e-12)


def test_same_task_and_seed_give_the_same_outputs_and_pickling_keeps_them():
    e = load_experiment("korea-roadmap")
    task = build_design(e, seed=1).task(5)
    f = Evaluator(e)
    a, b = f(task, SEED), f(task, np.random.SeedSequence(2024))
    assert a == b
    g = pickle.loads(pickle.dumps(f))
    assert g(task, SEED) == a
    other = f(task, np.random.SeedSequence(7))
    assert other != a  # another seed, another simulation
    assert len(pickle.dumps(Evaluator(e))) < 1_000_000


def test_road_map_outcomes_are_probabilities_and_complete():
    e = load_experiment("korea-roadmap")
    f = Evaluator(e)
    d = build_design(e, seed=3)
    for k in (0, d.n_samples + 17, 3 * d.n_samples + 40):
        task = d.task(k)
        out = f(task, np.random.SeedSequence(k))
        assert list(out) == list(e.outcomes)
        assert all(0.0 <= v <= 1.0 for v in out.values())
        assert out["roadmap.reach.freeze"] == 1.0  # every run starts in the first phase
        assert out["roadmap.completion"] <= out["roadmap.interim"] <= out["roadmap.reach.talks"]
        fails = sum(out[f"roadmap.fail.{p}"] for p in ("freeze", "talks", "mechanism"))
        assert fails == pytest.approx(out["roadmap.breakdown"])  # every breakdown is blamed on a phase


def test_a_policy_lever_changes_the_road_map():
    e = roadmap(
        "levers: {policies: [engagement, coalition]}\noutcomes: [roadmap.interim, roadmap.time_to_interim]\n"
    )
    base = run(e, "policy:engagement")
    coalition = run(e, "policy:coalition")
    assert base["roadmap.interim"] == 0.0 and math.isnan(base["roadmap.time_to_interim"])
    assert coalition["roadmap.interim"] > 0.5 and coalition["roadmap.time_to_interim"] > 9  # freeze + talks


def test_road_map_inputs_reach_the_simulation():
    e = roadmap(
        "uncertainties:\n- {target: roadmap.escalation.monthly_hazard, low: 0, high: 0.5}\n"
        "- {target: roadmap.strategy.DPRK, distribution: categorical, choices: [self-enforcing, defect]}\n"
        "- {target: roadmap.horizon, low: 12, high: 60}\n"
        "levers: {policies: [coalition]}\noutcomes: [roadmap.escalation, roadmap.interim]\n"
    )
    calm = {"roadmap.escalation.monthly_hazard": 0.0, "roadmap.strategy.DPRK": "self-enforcing"}
    out = run(e, "policy:coalition", **calm, **{"roadmap.horizon": 60.0})
    assert out["roadmap.escalation"] == 0.0 and out["roadmap.interim"] > 0.5
    hot = run(
        e, "policy:coalition", **{**calm, "roadmap.escalation.monthly_hazard": 0.5, "roadmap.horizon": 60.0}
    )
    assert hot["roadmap.escalation"] > 0.9
    defect = run(
        e, "policy:coalition", **{**calm, "roadmap.strategy.DPRK": "defect", "roadmap.horizon": 60.0}
    )
    assert defect["roadmap.interim"] == 0.0
    short = run(e, "policy:coalition", **calm, **{"roadmap.horizon": 12.4})  # rounded to 12 months
    assert short["roadmap.interim"] == 0.0  # freeze (6) + talks (9) take longer than 12
    process, policy = Evaluator(e)._process({**calm, "roadmap.horizon": 12.4}, e.lever_list[0])
    assert process.horizon == 12 and policy == "coalition"


def test_a_value_outside_the_files_range_is_accepted():
    e = roadmap(
        "uncertainties:\n- {target: roadmap.behaviour.learning, low: 0.5, high: 0.9}\n"
        "levers: {policies: [engagement]}\noutcomes: [roadmap.interim]\n"
    )  # the file's range is [0.05, 0.3]: the input replaces it
    assert 0 <= run(e, "policy:engagement", **{"roadmap.behaviour.learning": 0.8})["roadmap.interim"] <= 1


def test_a_coalition_lever_with_road_map_settings_acts_like_the_coalition_policy():
    e = roadmap(
        "levers:\n  policies: [engagement]\n  coalitions:\n"
        "  - id: four\n    actors: [Russia, China, ROK, Japan]\n"
        "    roadmap: {credibility: 0.2, side_payment: 1, entry_bonus: 10}\n"
        "  - {id: talk-only, actors: [Russia, China, ROK, Japan]}\n"
        "outcomes: [roadmap.interim]\n"
    )
    assert run(e, "coalition:four")["roadmap.interim"] > 0.5
    assert run(e, "coalition:talk-only")["roadmap.interim"] == 0.0  # aligned stances alone do not help


def test_aligning_on_the_weighted_mean_keeps_the_compromise_and_a_target_moves_it():
    e = loads_experiment(
        "name: t\nscenario: korea\nestimates: false\n"
        "levers:\n  coalitions:\n  - {id: mean, actors: [China, Russia, ROK]}\n"
        "  - {id: zero, actors: [China, Russia, ROK], target: {sanctions: 0}}\n"
        "outcomes: [forecast.compromise.*]\nsampler: {method: monte-carlo, n: 1}\n"
    )
    from detente.models import get_model

    before = get_model("compromise").forecast(load_scenario("korea")).positions()
    mean = run(e, "coalition:mean")
    assert all(mean[f"forecast.compromise.{i}"] == pytest.approx(v, abs=1e-9) for i, v in before.items())
    zero = run(e, "coalition:zero")
    assert zero["forecast.compromise.sanctions"] < before["sanctions"] - 1
    assert zero["forecast.compromise.nuclear"] == pytest.approx(mean["forecast.compromise.nuclear"])


def with_status_quo(s, issue: str, value: float):
    issues = tuple(i.model_copy(update={"status_quo": value}) if i.id == issue else i for i in s.issues)
    return s.model_copy(update={"issues": issues})


def test_deal_outcomes_follow_the_verdict():
    e = loads_experiment(
        "name: t\nscenario: korea\nestimates: false\n"
        "uncertainties:\n- {target: issue.exercises.status_quo, low: 0, high: 100}\n"
        "levers: {packages: [big-bargain, double-freeze]}\n"
        "outcomes: [deal.double-freeze.accepted, deal.double-freeze.vetoes, deal.accepted, deal.vetoes]\n"
    )
    s = load_scenario("korea")
    book = packages_for(s)
    seen = {}
    for lever in ("big-bargain", "double-freeze"):
        pk = book.package(lever)
        for sq in (25.0, 75.0):
            out = run(e, f"package:{lever}", **{"issue.exercises.status_quo": sq})
            varied = with_status_quo(s, "exercises", sq)
            prefs, reference = Preferences.from_scenario(varied), status_quo_package(varied)
            v = judge(prefs, pk.vector(s), reference, pk.decision_rule)
            assert out["deal.accepted"] == float(v.passes) and out["deal.vetoes"] == len(v.vetoes)
            df = book.package("double-freeze")
            vd = judge(prefs, df.vector(s), reference, df.decision_rule)
            assert out["deal.double-freeze.accepted"] == float(vd.passes)
            assert out["deal.double-freeze.vetoes"] == len(vd.vetoes)
            seen[sq] = out["deal.double-freeze.vetoes"]
    assert seen == {75.0: 2.0, 25.0: 1.0}  # USA and Japan veto; with a low status quo only the DPRK
    lever_free = loads_experiment(
        "name: t\nscenario: korea\nestimates: false\n"
        "levers: {packages: [big-bargain], policies: [engagement]}\n"
        "outcomes: [deal.accepted]\nsampler: {method: monte-carlo, n: 1}\n"
    )
    assert math.isnan(run(lever_free, "policy:engagement")["deal.accepted"])


def test_a_model_parameter_input_reaches_the_model():
    e = loads_experiment(
        "name: t\nscenario: ec-emissions\n"
        "uncertainties:\n- target: model.nash.utility\n  distribution: categorical\n"
        "  choices: [quadratic, linear]\n"
        "outcomes: [forecast.nash.delay]\n"
    )
    s = load_scenario("ec-emissions")
    for utility in ("quadratic", "linear"):
        expected = NashBargaining(utility=utility).forecast(s).position("delay")
        assert run(e, **{"model.nash.utility": utility})["forecast.nash.delay"] == expected
    assert NashBargaining(utility="linear").forecast(s).position("delay") != NashBargaining().forecast(
        s
    ).position("delay")


TOY = """name: toy
actors:
- {id: A, name: A, capability: 1}
- {id: B, name: B, capability: 2}
issues:
- {id: x, name: X}
- {id: y, name: Y}
stances:
- {actor: A, issue: x, position: 10, salience: 50}
- {actor: A, issue: y, position: 10, salience: 50}
- {actor: B, issue: x, position: 90, salience: 50}
"""


def test_a_degenerate_draw_gives_nan(tmp_path: Path):
    (tmp_path / "toy.yaml").write_text(TOY, encoding="utf-8")
    e = loads_experiment(
        "name: t\nscenario: toy.yaml\nestimates: false\n"
        "uncertainties:\n- {target: actor.A.capability, distribution: categorical, choices: [0, 1]}\n"
        "outcomes: [forecast.compromise.*]\n",
        base_dir=tmp_path,
    )
    out = run(e, **{"actor.A.capability": 0.0})
    assert math.isnan(out["forecast.compromise.y"])  # no one with weight on y: the model refuses
    ok = run(e, **{"actor.A.capability": 1.0})
    assert ok["forecast.compromise.x"] == pytest.approx((10 * 1 + 90 * 2) / 3)


def test_embedded_estimates_experiment_evaluates():
    e = load_experiment("korea-estimates")
    d = build_design(e, seed=0)
    f = Evaluator(e)
    outs = [f(d.task(k), np.random.SeedSequence(k)) for k in (0, 1, 500)]
    for out in outs:
        assert list(out) == list(e.outcomes)
        assert all(0.0 <= v <= 100.0 for v in out.values())
    assert outs[0] != outs[1]  # a Morris step moves one estimate, and the forecasts with it


def test_describe_counts_tasks_and_inputs():
    e = load_experiment("korea-roadmap")
    d = describe(e)
    assert d["tasks"] == d["samples"] * 4 == build_design(e).n_tasks
    assert d["inputs_by_kind"] == {"range": 10, "fitted": 4}
    assert d["roadmap_simulations"] == d["tasks"] * 50
    assert d["spec_hash"] == e.spec_hash()
    lines = summary_lines(e)
    assert any(line.startswith("inputs: 14 (4 fitted, 10 range)") for line in lines)


def test_an_unknown_lever_is_refused():
    e = load_experiment("korea-estimates")
    with pytest.raises(KeyError, match="policy:x"):
        run(e, "policy:x")


def test_an_input_replaces_the_dated_value_in_force():
    e = loads_experiment(
        "name: t\nscenario: korea\nestimates: false\nroadmap_ranges: false\nfitted: false\n"
        "uncertainties:\n- {target: roadmap.behaviour.prior, low: 0, high: 1}\n"
        "- target: roadmap.guarantors[China].credibility\n  low: 0\n  high: 1\n"
        "levers: {policies: [engagement]}\noutcomes: [roadmap.interim]\n"
    )
    assert e.process.behaviour.prior_at(e.scenario.as_of) == 0.1
    values = {"roadmap.behaviour.prior": 0.9, "roadmap.guarantors[China].credibility": 0.8}
    process, _ = Evaluator(e)._process(values, e.lever_list[0])
    assert process.behaviour.prior_at(e.scenario.as_of) == 0.9
    assert process.guarantors[1].credibility_at(e.scenario.as_of) == 0.8
