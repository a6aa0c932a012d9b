"""Process files: one-line errors naming file, line, field and fix; cross-checks against the scenario."""

from __future__ import annotations

import pytest

from detente.errors import ScenarioError
from detente.process.io import load_process, loads_process
from detente.scenarios import load_scenario


@pytest.fixture
def korea_text():
    from importlib.resources import files

    return files("detente.scenarios").joinpath("korea_roadmap.yaml").read_text("utf-8")


def _err(text, scenario=None):
    with pytest.raises(ScenarioError) as info:
        loads_process(text, source="road.yaml", scenario=scenario)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith("road.yaml")
    return msg


def test_unknown_actor_names_line_field_and_fix(korea_text):
    bad = korea_text.replace(
        "    actor: DPRK\n    kind: suspend_tests", "    actor: NorthKorea\n    kind: suspend_tests"
    )
    msg = _err(bad, load_scenario("korea"))
    assert "unknown actor 'NorthKorea'" in msg and "phases[0].moves[0].actor" in msg and "line " in msg
    assert "use one of: DPRK" in msg


def test_unknown_issue(korea_text):
    bad = korea_text.replace("effects: {nuclear: -5}", "effects: {nukes: -5}")
    msg = _err(bad, load_scenario("korea"))
    assert "unknown issue 'nukes'" in msg and "effects" in msg


def test_bad_probability_and_missing_field(korea_text):
    msg = _err(korea_text.replace("inspection_rate: 0.6", "inspection_rate: 1.6"))
    assert "verification.inspection_rate" in msg and "Fix: use a number <= 1" in msg
    msg = _err(korea_text.replace("horizon: 60\n", ""))
    assert "horizon" in msg and "add the field" in msg


def test_unknown_strategy_move_and_phase(korea_text):
    msg = _err(
        korea_text.replace(
            "    default: self-enforcing\n", "    default: self-enforcing\n    DPRK: nice\n", 1
        )
    )
    assert "unknown strategy 'nice'" in msg and "policies[0].strategies.DPRK" in msg
    msg = _err(korea_text.replace("suspended_by: test_moratorium", "suspended_by: moratorium"))
    assert "unknown move 'moratorium'" in msg
    msg = _err(korea_text.replace("from_phase: talks", "from_phase: summit"))
    assert "unknown phase 'summit'" in msg


def test_quote_without_source_and_unknown_source(korea_text):
    msg = _err(
        korea_text.replace(
            "  source: seed004\n  quote: >-\n    should guarantee", "  quote: >-\n    should guarantee"
        )
    )
    assert "a quote needs its source" in msg
    msg = _err(
        korea_text.replace(
            "source: seed003\n  quote: >-\n    both parties", "source: seed009\n  quote: >-\n    both parties"
        )
    )
    assert "unknown source 'seed009'" in msg


def test_duplicate_ids_and_yaml_problems(korea_text):
    msg = _err(korea_text.replace("- id: talks\n", "- id: freeze\n"))
    assert "phase id 'freeze' is used twice" in msg
    msg = _err("name: [unclosed\n")
    assert "not valid YAML" in msg
    msg = _err("- a list\n")
    assert "not a mapping" in msg


def test_load_process_checks_suffix_and_existence(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_process(tmp_path / "missing.yaml")
    p = tmp_path / "road.txt"
    p.write_text("x")
    with pytest.raises(ScenarioError, match=r"\.yaml"):
        load_process(p)


def test_tiny_fixture_loads(tiny):
    process, _ = tiny
    assert process.move("dismantle_a").power_shift == 0.1
