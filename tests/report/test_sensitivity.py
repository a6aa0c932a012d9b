"""The "which estimates matter" section: Morris screening of the estimates, one at a time as a fallback."""

from __future__ import annotations

import re

import numpy as np
import pytest

from detente.errors import ScenarioError
from detente.models import Compromise, WeightedMedian
from detente.models.compare import compare_models
from detente.report import sensitivity
from detente.report.run import analysis_sections
from detente.report.sensitivity import (
    ScreeningSection,
    morris_screening,
    screened_model,
    screening_section,
    sensitivity_section,
)
from detente.scenarios import load_scenario


@pytest.fixture(scope="module")
def korea():
    # few estimates keep the screening quick: 28 estimated stances, 56 inputs
    return load_scenario("korea-2017-11")


@pytest.fixture(scope="module")
def screening(korea):
    return morris_screening(korea, "compromise", seed=0, trajectories=6)


def test_morris_screening_ranks_each_estimate_for_each_issue(korea, screening):
    n_inputs = 2 * len(korea.estimates())
    assert len(screening.inputs) == n_inputs
    assert screening.runs == 6 * (n_inputs + 1)
    assert set(screening.results) == set(korea.issue_ids)
    # the compromise forecast of an issue moves only with the stances on that issue
    for issue, res in screening.results.items():
        others = [k for k, inp in enumerate(screening.inputs) if inp.issue != issue]
        assert np.allclose(res.mu_star[others], 0.0), issue
    moved = [r for r in screening.results.values() if float(np.max(r.mu_star)) > 0.05]
    assert moved
    top = moved[0]
    assert (top.mu_star_conf >= 0).all()


def test_morris_screening_is_a_function_of_the_seed(korea, screening):
    again = morris_screening(korea, "compromise", seed=0, trajectories=6)
    other = morris_screening(korea, "compromise", seed=1, trajectories=6)
    issue = next(iter(screening.results))
    assert np.array_equal(again.results[issue].mu_star, screening.results[issue].mu_star)
    assert not all(
        np.array_equal(other.results[i].mu_star, screening.results[i].mu_star) for i in screening.results
    )


def test_the_section_says_it_used_morris_with_its_settings(korea, monkeypatch):
    monkeypatch.setattr(sensitivity, "TRAJECTORIES", 6)
    monkeypatch.setattr(
        sensitivity.morris_screening,
        "__kwdefaults__",
        {**sensitivity.morris_screening.__kwdefaults__, "trajectories": 6},
    )
    section = screening_section(korea, ["compromise", "median"], seed=0)
    assert isinstance(section, ScreeningSection) and section.model == "compromise"
    html = str(section.html)
    assert "Morris screening" in html and "6 Morris trajectories on a 4-level grid" in html
    assert f"{6 * (2 * len(korea.estimates()) + 1):,} forecasts, seed 0" in html
    assert "moves it by (mu*)" in html
    cells = re.findall(r'<td class="num">(\d+\.\d) ± (\d+\.\d)</td>', html)
    values = [float(a) for a, _ in cells]
    assert values and values == sorted(values, reverse=True)  # ranked by mu*
    assert "one at a time" not in html.lower().replace("one at a time shows", "")


def test_the_section_falls_back_to_one_at_a_time_when_no_experiment_can_be_built(korea, monkeypatch):
    def refuse(*args, **kwargs):
        raise ScenarioError("the experiment varies 600 inputs, over the limit of 500", fix="fewer inputs")

    monkeypatch.setattr(sensitivity, "morris_screening", refuse)
    comparison = compare_models(korea, [Compromise()], seed=0)
    html = str(sensitivity_section(korea, comparison, seed=0).html)
    assert "Morris screening of the estimates was not possible here" in html
    assert "over the limit of 500" in html
    assert "largest move" in html


def test_a_screening_computed_ahead_is_used_only_for_the_model_it_screened(korea):
    ready = ScreeningSection(
        "sensitivity", "Which estimates matter", sensitivity.Markup("<p>ahead</p>"), model="median"
    )
    by_median = compare_models(korea, [WeightedMedian()], seed=0)
    assert screened_model(["median"]) == "median"
    assert str(sensitivity_section(korea, by_median, seed=0, ready=ready).html) == "<p>ahead</p>"
    by_compromise = compare_models(korea, [Compromise()], seed=0)
    assert "ahead" not in str(
        sensitivity_section(korea, by_compromise, seed=0, ready=ready).html
    )  # a different model: computed afresh


def test_slow_headline_models_are_screened_through_the_compromise_model():
    assert screened_model(["expected-utility-mc"]) == "compromise"
    assert screened_model(["smp"]) == "compromise"
    assert screened_model([]) == "compromise"


def test_analysis_sections_include_the_screening_only_when_models_are_given(korea, monkeypatch):
    monkeypatch.setattr(
        sensitivity.morris_screening,
        "__kwdefaults__",
        {**sensitivity.morris_screening.__kwdefaults__, "trajectories": 4},
    )
    monkeypatch.setattr("detente.report.run.ANALYSIS_SECTIONS", [])
    assert analysis_sections(korea, seed=0) == []
    (section,) = analysis_sections(korea, seed=0, models=["compromise"])
    assert section.id == "sensitivity" and isinstance(section, ScreeningSection)
