"""Report sections of experiment analyses: they render, open with their conclusion, and escape names."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.sample import latin as latin_sample
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from detente.experiments.analysis import (
    InputInfo,
    PrimResult,
    SobolResult,
    morris_indices,
    prim_boxes,
    rank_regression,
    ranking_dependence,
    sobol_indices,
)
from detente.report.experiments import (
    experiment_analysis_section,
    prim_section,
    ranked_inputs_section,
    ranking_dependence_section,
    sensitivity_conclusion,
    sensitivity_section,
)
from detente.report.html import render_html

EVIL = "<script>alert(1)</script>"
NAMES = ["learning", EVIL, "noise"]
PROBLEM = {"num_vars": 3, "names": NAMES, "bounds": [[0.0, 1.0]] * 3}
INFO = [
    InputInfo("learning", "estimate", 0.0, 1.0, baseline=0.5, rationale="from the 2018 essays"),
    InputInfo(EVIL, "range", 0.0, 1.0, baseline=0.7),
]


@pytest.fixture(scope="module")
def sobol_result() -> SobolResult:
    X = sobol_sample.sample(PROBLEM, 256, calc_second_order=False, seed=1)
    return sobol_indices(
        PROBLEM, 3 * X[:, 0] + X[:, 1], outcome="P(interim)", lever="engagement", num_resamples=200
    )


@pytest.fixture(scope="module")
def prim_result() -> PrimResult:
    X = np.random.default_rng(0).random((600, 3))
    y = (X[:, 0] < 0.3) & (X[:, 1] > 0.6)
    return prim_boxes(X, y, names=NAMES, case="step freeze fails", lever="engagement")


def test_sensitivity_section_opens_with_conclusion(sobol_result: SobolResult) -> None:
    sec = sensitivity_section(sobol_result, INFO)
    html = str(sec.html)
    first = html.split("</p>")[0]
    assert first.startswith("<p>&#39;P(interim)&#39; under engagement depends most on learning (ST 0.")
    assert "<svg" in html and "</svg>" in html
    assert "analyst&#39;s estimate" in html and "<td>learning</td>" in html
    assert '<tr class="estimate">' in html
    assert "<td>yes</td>" in html  # noise flagged negligible
    assert "base sample 256, 1280 runs" in html
    assert "Conditioning" in html
    assert sec.id == "sensitivity-engagement-p-interim"


def test_names_are_escaped_everywhere(sobol_result: SobolResult, prim_result: PrimResult) -> None:
    sec = experiment_analysis_section([sobol_result], [], [prim_result], INFO)
    page = render_html("experiment", [sec])
    assert EVIL not in page
    assert "&lt;script&gt;" in page
    assert page.count("<svg") == 1 + len(prim_result.boxes)  # the chart, one figure per PRIM box


def test_convergence_warning_shows_for_small_n_only() -> None:
    X = sobol_sample.sample(PROBLEM, 16, calc_second_order=False, seed=1)
    small = sobol_indices(PROBLEM, np.sin(6 * X[:, 0]) * X[:, 2] + X[:, 1], outcome="y", num_resamples=100)
    assert small.warnings
    html = str(sensitivity_section(small).html)
    assert '<div class="warn">' in html and "have not converged" in html
    X = sobol_sample.sample(PROBLEM, 2048, calc_second_order=False, seed=1)
    large = sobol_indices(PROBLEM, 3 * X[:, 0] + X[:, 1], outcome="y", num_resamples=100)
    assert not large.warnings and '<div class="warn">' not in str(sensitivity_section(large).html)


def test_morris_and_regression_sections_render() -> None:
    X = morris_sample.sample(PROBLEM, 20, num_levels=4, seed=2)
    m = morris_indices(PROBLEM, X, 3 * X[:, 0] + X[:, 1], outcome="y")
    html = str(sensitivity_section(m).html)
    assert "mu*" in html and "<svg" in html and "depends most on learning (mu* 3.00" in html
    X = latin_sample.sample(PROBLEM, 200, seed=2)
    r = rank_regression(X, -3 * X[:, 0] + X[:, 1], names=NAMES)
    html = str(sensitivity_section(r).html)
    assert "|SRRC|" in html and "SRRC -0.9" in html and "<p>The outcome depends most on learning" in html


def test_conclusion_without_influential_input() -> None:
    X = latin_sample.sample(PROBLEM, 100, seed=2)
    r = rank_regression(X, np.ones(100), names=NAMES, outcome="noise only")
    assert sensitivity_conclusion(r).startswith("No input moves 'noise only'")


def test_ranked_inputs_section_leads_with_estimates(sobol_result: SobolResult) -> None:
    sec = ranked_inputs_section([sobol_result], INFO)
    html = str(sec.html)
    assert "The analyst&#39;s estimates that matter most: learning for" in html
    assert html.count("<table>") == 1
    assert "<td>from the 2018 essays</td>" in html


def test_ranking_dependence_section_names_the_deciding_input() -> None:
    X = sobol_sample.sample(PROBLEM, 256, calc_second_order=False, seed=3)
    rd = ranking_dependence(
        PROBLEM, "sobol", X, 1.0 + 0 * X[:, 0], 2 * X[:, 0], lever_a="engage", lever_b="press", outcome="P"
    )
    html = str(ranking_dependence_section(rd, INFO).html)
    assert html.startswith("<p>engage beats press on &#39;P&#39; in 5")
    assert "depends most on learning (ST" in html
    assert html.count("<svg") == 2
    always = ranking_dependence(
        PROBLEM, "sobol", X, 5.0 + X[:, 0], X[:, 0], lever_a="engage", lever_b="press", outcome="P"
    )
    assert "does not depend on the inputs" in str(ranking_dependence_section(always).html)


def test_prim_section_has_signposts_table_and_plot(prim_result: PrimResult) -> None:
    sec = prim_section(prim_result, INFO)
    html = str(sec.html)
    assert html.startswith("<p>Step freeze fails under engagement in ")
    assert "Signposts to watch: learning (now 0.5; trigger: falls below 0.3" in html
    assert '<th class="num">coverage</th>' in html and '<th class="num">density</th>' in html
    assert "<svg" in html
    assert sec.title == "When step freeze fails under engagement"


def test_prim_section_without_box() -> None:
    X = np.random.default_rng(0).random((50, 2))
    r = prim_boxes(X, np.zeros(50, dtype=bool), names=["a", "b"], case="war")
    html = str(prim_section(r).html)
    assert "No region of the inputs" in html and "<svg" not in html and '<div class="warn">' in html


def test_experiment_section_has_unique_ids(sobol_result: SobolResult, prim_result: PrimResult) -> None:
    sec = experiment_analysis_section([sobol_result, sobol_result], [], [prim_result], INFO)
    ids = [s.id for s in sec.subsections]
    assert len(ids) == len(set(ids)) == 4
    assert all(i.replace("-", "").isalnum() for i in ids)


def test_rendering_is_deterministic(sobol_result: SobolResult, prim_result: PrimResult) -> None:
    a = render_html("x", [experiment_analysis_section([sobol_result], [], [prim_result], INFO)])
    b = render_html("x", [experiment_analysis_section([sobol_result], [], [prim_result], INFO)])
    assert a == b
