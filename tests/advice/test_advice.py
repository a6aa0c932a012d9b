"""detente advise: each lever's reported effect is what re-running the model with it applied gives."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.deals.advice import KINDS, advise, check_actor
from detente.deals.utility import Preferences, status_quo_package
from detente.errors import ParameterError
from detente.models import get_model
from detente.scenario import Actor, Issue, Scenario, Stance
from detente.scenarios import load_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def korea() -> Scenario:
    return load_scenario("korea")


@pytest.fixture(scope="module")
def russia(korea):
    return advise(korea, "Russia")


def _forecast(name: str, s: Scenario) -> np.ndarray:
    f = get_model(name).forecast(s, seed=0)
    return np.array([f.position(i) for i in s.issue_ids])


def _utility(s: Scenario, actor: str, f: np.ndarray) -> float:
    """The actor's utility of a forecast, by hand: 1 - sum of normalised saliences x distance / 100."""
    w = np.array([(st.salience if (st := s.stance(actor, i)) else 0.0) for i in s.issue_ids])
    p = np.array([(st.position if (st := s.stance(actor, i)) else 0.0) for i in s.issue_ids])
    return float(1 - (w / w.sum() * np.abs(f - p) / 100).sum())


def test_every_kind_of_lever_is_offered_and_they_are_ranked_by_net_gain(russia):
    assert {e.lever.kind for e in russia.levers} == set(KINDS)
    nets = [e.net for e in russia.levers]
    assert nets == sorted(nets, reverse=True)
    assert russia.models == ("compromise", "nash")
    assert russia.levers[0].net > 0


def test_each_levers_effect_is_the_model_rerun_with_the_lever_applied(korea, russia):
    """Exact: forecasts after each scenario lever equal a fresh run; gains equal the utility by hand."""
    checked = 0
    for e in russia.levers:
        for m in russia.models:
            base = _forecast(m, korea)
            assert np.array_equal(russia.baseline[m], base)
            after = e.lever.package if e.lever.scenario is None else _forecast(m, e.lever.scenario)
            assert np.allclose(e.after[m], after, atol=1e-12)
            gain = _utility(korea, "Russia", after) - _utility(korea, "Russia", base)
            assert e.gain[m] == pytest.approx(gain, abs=1e-12)
            assert e.benefit[m] - e.cost[m] == pytest.approx(gain, abs=1e-12)
            assert e.benefit[m] >= 0 and e.cost[m] >= 0
            checked += 1
    assert checked == 2 * len(russia.levers) > 60


def test_levers_change_only_what_they_say(korea, russia):
    for e in russia.levers:
        lv, d = e.lever, e.lever.details
        if lv.kind == "position":
            assert lv.scenario.stance("Russia", d["issue"]).position == d["to"]
            assert abs(d["to"] - d["from"]) == pytest.approx(10) or d["to"] in (0.0, 100.0)
            others = [s for s in lv.scenario.stances if (s.actor, s.issue) != ("Russia", d["issue"])]
            assert others == [s for s in korea.stances if (s.actor, s.issue) != ("Russia", d["issue"])]
        elif lv.kind == "salience":
            assert lv.scenario.stance("Russia", d["issue"]).salience == d["to"] == min(d["from"] + 10, 100)
        elif lv.kind == "exchange":
            changed = {
                (a.actor, a.issue) for a, b in zip(korea.stances, lv.scenario.stances, strict=True) if a != b
            }
            assert changed == {
                ("Russia", d["you_move"]["issue"]),
                (d["partner"], d["partner_moves"]["issue"]),
            }
            assert d["exchange_model_gain"] > 0


def test_package_levers_are_acceptable_to_every_veto_player(korea, russia):
    prefs = Preferences.from_scenario(korea)
    sq = prefs.utility(status_quo_package(korea))
    packages = [e for e in russia.levers if e.lever.kind == "package"]
    assert any(e.lever.details["package"] == "ideal" for e in packages)
    for e in packages:
        u = prefs.utility(e.lever.package)
        veto = prefs.indices(e.lever.details["veto_players"])
        assert np.all(u[veto] >= sq[veto] - 1e-6)


def test_position_and_salience_levers_match_the_compromise_by_hand():
    """Compromise on x: (80 x 100 + 50 x 90 + 20 x 0) / 150 = 83.33; A weighs x at 0.8.

    Conceding x to 90 gives 11700 / 150 = 78 (5.33 points away from A: cost 0.8 x 5.33 / 100);
    raising A's salience on x to 90 gives 13500 / 160 = 84.375 (benefit 0.8 x 1.0417 / 100).
    """
    s = Scenario(
        name="t",
        actors=[Actor(id=x, name=x, capability=1) for x in ("A", "B", "C")],
        issues=[Issue(id="x", name="X", status_quo=50), Issue(id="y", name="Y", status_quo=50)],
        stances=[
            Stance(actor="A", issue="x", position=100, salience=80),
            Stance(actor="A", issue="y", position=100, salience=20),
            Stance(actor="B", issue="x", position=90, salience=50),
            Stance(actor="B", issue="y", position=90, salience=50),
            Stance(actor="C", issue="x", position=0, salience=20),
            Stance(actor="C", issue="y", position=0, salience=80),
        ],
    )
    a = advise(s, "A", models=["compromise"])
    by_label = {e.lever.label: e for e in a.levers}
    assert "harden on x: 100 -> 100" not in by_label  # at the end of the scale: no such lever
    concede = by_label["concede on x: 100 -> 90"]
    assert concede.after["compromise"][0] == pytest.approx(78.0)
    assert concede.cost_mean == pytest.approx(0.8 * (250 / 3 - 78) / 100)
    assert concede.benefit_mean == 0 and concede.net == pytest.approx(-concede.cost_mean)
    raise_x = by_label["raise salience on x: 80 -> 90"]
    assert raise_x.after["compromise"][0] == pytest.approx(84.375)
    assert raise_x.net == pytest.approx(0.8 * (84.375 - 250 / 3) / 100) and raise_x.cost_mean == 0
    ranks = {e.lever.label: k for k, e in enumerate(a.levers)}
    assert ranks["raise salience on x: 80 -> 90"] < ranks["concede on x: 100 -> 90"]


def test_unknown_actor_is_a_one_line_error_with_a_suggestion(korea):
    assert check_actor(korea, "russia") == "Russia"
    with pytest.raises(ParameterError, match="did you mean 'Russia'"):
        check_actor(korea, "Rusia")
    r = runner.invoke(app, ["advise", "korea", "--actor", "Rusia"])
    assert r.exit_code == 2
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "did you mean 'Russia'" in lines[0] and "DPRK, ROK, USA" in lines[0]
    r = runner.invoke(app, ["advise", "korea", "--actor", "Russia", "--step", "80"])
    assert r.exit_code == 2 and len([x for x in r.stderr.splitlines() if x.strip()]) == 1


def test_advise_command_prints_the_ranked_table_and_writes_report_and_json(tmp_path, russia):
    r = runner.invoke(
        app,
        [
            "advise",
            "korea",
            "--actor",
            "Russia",
            "--out",
            str(tmp_path / "r"),
            "--json",
            str(tmp_path / "a.json"),
        ],
        env={"COLUMNS": "100"},
    )
    assert r.exit_code == 0, r.output
    assert "What Russia can do, best first" in r.stdout
    assert max(len(x) for x in r.stdout.splitlines()) <= 100
    best = russia.levers[0]
    first_row = next(x for x in r.stdout.splitlines() if x.startswith("│ 1 "))
    assert f"{100 * best.net:+.2f}" in first_row
    data = json.loads((tmp_path / "a.json").read_text())
    assert data["actor"] == "Russia" and data["models"] == ["compromise", "nash"]
    assert [x["label"] for x in data["levers"]] == [e.lever.label for e in russia.levers]
    assert data["levers"][0]["net_gain"] == pytest.approx(best.net)
    html = (tmp_path / "r" / "report.html").read_text()
    assert "What Russia can do" in html and "Levers, best first" in html and "<svg" in html
    assert html.count("<tr>") >= 2 * len(russia.levers)
