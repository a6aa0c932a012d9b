"""The Equal Gain exchange model in rounds against Decide's own outputs (tests/data/decide/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.deals.exchange_rounds import exchange_rounds
from detente.errors import ParameterError
from detente.scenario.formats import slugify
from detente.scenarios import load_scenario

REF = json.loads((Path(__file__).parents[1] / "data" / "decide" / "decide_reference.json").read_text())


def _ours(name: str) -> tuple:
    s = load_scenario(name)
    return s, exchange_rounds(s, rounds=10)


def test_sample_case_means_within_half_a_point_every_round() -> None:
    s, r = _ours("decide-sample")
    ref = REF["sample_data"]["issues"]
    worst = 0.0
    for name, series in ref.items():
        k = s.issue_ids.index(slugify(name))
        ours = np.array([rd.mean[k] for rd in r.rounds])
        worst = max(worst, float(np.abs(ours - np.array(series["mean"])).max()))
    assert worst < 0.5
    # rounds 1-4 are identical to Decide's (no tie or rounding has separated the two yet)
    for name, series in ref.items():
        k = s.issue_ids.index(slugify(name))
        assert [rd.mean[k] for rd in r.rounds[:4]] == pytest.approx(series["mean"][:4], abs=1e-6)
        assert [rd.voting_mean[k] for rd in r.rounds[:3]] == pytest.approx(
            series["voting_mean"][:3], abs=1e-6
        )
        if series["scale"] == [0.0, 100.0]:  # Decide reports other scales' variances in its own units
            assert [rd.variance[k] for rd in r.rounds[:4]] == pytest.approx(series["variance"][:4], rel=1e-6)


def test_sample_case_within_decides_own_spread_of_random_tie_runs() -> None:
    s, r = _ours("decide-sample")
    env = REF["sample_data"]["random_tie_runs"]["issues"]
    for name, e in env.items():
        k = s.issue_ids.index(slugify(name))
        ours = np.array([rd.mean[k] for rd in r.rounds])
        assert np.all(ours >= np.array(e["mean_min"]) - 0.5) and np.all(ours <= np.array(e["mean_max"]) + 0.5)


@pytest.mark.parametrize(
    ("name", "case", "count"), [("decide-sample", "sample_data", 20), ("decide-cop21", "cop21", 20)]
)
def test_first_exchanges_match_decide(name: str, case: str, count: int) -> None:
    s = load_scenario(name)
    mine = exchange_rounds(s, rounds=1).rounds[0].exchanges
    names = {a.id: a.name for a in s.actors}
    for e, ref in zip(mine[:count], REF[case]["round_1_exchanges"][:count], strict=False):
        assert names[e.actor_i] == ref["i"]["actor"] and names[e.actor_j] == ref["j"]["actor"]
        assert e.move_i == pytest.approx(ref["i"]["move"], abs=1e-4)
        assert e.move_j == pytest.approx(ref["j"]["move"], abs=1e-4)
        assert e.gain == pytest.approx(ref["gain"], abs=1e-6)
        assert e.mds_q_before == pytest.approx(ref["i"]["nbs_0"], abs=1e-4)


def test_round_one_outcomes_and_exchange_counts_match() -> None:
    _, r = _ours("decide-sample")
    assert [len(rd.exchanges) for rd in r.rounds[:3]] == REF["sample_data"]["exchanges_per_round"][:3]
    first = r.rounds[0]
    assert first.exchanges[0].actor_i == "Willems" and first.exchanges[0].gain == pytest.approx(
        1.973684, abs=1e-6
    )
    assert set(first.externalities["VVD"]) == {
        "inner_positive",
        "inner_negative",
        "outer_positive",
        "outer_negative",
        "own",
    }


def test_votes_are_reused_within_a_round() -> None:
    _, r = _ours("decide-sample")
    keys = [(e.actor_i, e.issue_q) for e in r.rounds[0].exchanges] + [
        (e.actor_j, e.issue_p) for e in r.rounds[0].exchanges
    ]
    assert len(keys) > len(set(keys))  # some actor supplied the same issue twice in round 1
    again = [e for e in r.rounds[0].exchanges if e.start_i != r.positions_before[0, 0] and e.step > 1]
    assert again


def test_bad_rounds_are_refused() -> None:
    with pytest.raises(ParameterError, match="rounds"):
        exchange_rounds(load_scenario("decide-sample"), rounds=0)


def test_cli_end_to_end(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "ex.json"
    res = runner.invoke(app, ["exchange", "decide-sample", "--rounds", "3", "--json", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["model"] == "equal-gain" and len(data["rounds"]) == 3
    assert data["rounds"][0]["mean"]["extra-investering"] == pytest.approx(49.4883041, abs=1e-6)
    res = runner.invoke(
        app, ["exchange", "decide-sample", "--variant", "single-pass", "--json", str(tmp_path / "s.json")]
    )
    assert res.exit_code == 0 and json.loads((tmp_path / "s.json").read_text())["model"] == "single-pass"
    for args in (["--rounds", "0"], ["--variant", "random"], ["--show", "-1"]):
        res = runner.invoke(app, ["exchange", "decide-sample", *args])
        assert res.exit_code == 2 and "Traceback" not in res.output and "Fix:" in res.output
    res = runner.invoke(app, ["exchange", "no-such-scenario"])
    assert res.exit_code == 2 and "neither an embedded scenario" in res.output


def test_deal_without_a_package_shows_the_rounds(tmp_path: Path) -> None:
    out = tmp_path / "deal.json"
    res = CliRunner().invoke(app, ["deal", "decide-copenhagen", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "no package to judge" in res.output
    assert json.loads(out.read_text())["model"] == "equal-gain"


def test_report_has_the_rounds_section_for_a_scenario_without_a_package() -> None:
    from detente.report.deals import deal_sections

    sections = {s.id: s for s in deal_sections(load_scenario("decide-sample"))}
    assert "deals-exchange-rounds" in sections
    assert "Equal Gain" in sections["deals-exchange-rounds"].title
    assert "49.4" in str(sections["deals-exchange-rounds"].html)  # extra-investering, round 1
