import pytest

from detente.errors import ScenarioError
from detente.report.validation import validation_sections
from detente.scenarios import load_scenario
from detente.validation.best import load_shipped
from detente.validation.run import with_outcome


def test_every_report_shows_the_shipped_cross_validated_figures():
    sections = validation_sections(load_scenario("ktab-3dim"), seed=0)
    (top,) = sections
    ids = [s.id for s in top.subsections]
    assert ids == ["validation-deu"]
    html = str(top.subsections[0].html)
    assert load_shipped().raw["selected"] in html and "compromise" in html


def test_a_case_with_an_outcome_gets_its_backtest():
    (top,) = validation_sections(load_scenario("ec-emissions"), seed=0)
    ids = [s.id for s in top.subsections]
    assert "validation-case-accuracy" in ids and "validation-case-calibration" in ids


def test_with_outcome_takes_natural_units():
    s = load_scenario("ec-emissions")
    assert with_outcome(s, 8.833, None).issue("delay").outcome == pytest.approx(80.55)
    assert with_outcome(s, 4.0, "delay").issue("delay").outcome == 0.0
    with pytest.raises(ScenarioError, match="no issue 'speed'"):
        with_outcome(s, 5.0, "speed")
    with pytest.raises(ScenarioError, match="outside the issue's scale"):
        with_outcome(s, 3.0, None)
