"""Road-map report sections: present for Korea with both plots, absent for scenarios without a road map."""

from __future__ import annotations

from markupsafe import escape

from detente.report.html import render_html
from detente.report.roadmap import roadmap_sections
from detente.report.run import ANALYSIS_SECTIONS
from detente.scenarios import load_scenario


def test_registered_in_the_run_report():
    assert ("detente.report.roadmap", "roadmap_sections") in ANALYSIS_SECTIONS


def test_korea_report_has_reach_plot_fan_chart_tables_and_checks():
    secs = roadmap_sections(load_scenario("korea"), seed=0)
    assert len(secs) == 1
    ids = [s.id for s in secs[0].subsections]
    assert ids == [
        "roadmap-assumptions",
        "roadmap-phases",
        "roadmap-reach",
        "roadmap-tension",
        "roadmap-outcomes",
        "roadmap-failing",
        "roadmap-positions",
        "roadmap-checks",
    ]
    html = render_html("Korea", secs)
    assert html.count("<svg") == 2
    assert "Probability of reaching each phase" in html and "Tension trajectories per policy" in html
    # every policy is shown by name and defined (its description), never by its id alone
    from detente.process.io import process_for_scenario

    process = process_for_scenario(load_scenario("korea"))
    assert len(process.policies) >= 6
    for po in process.policies:
        assert f"<dt>{escape(po.name)}</dt><dd>{escape(po.description)}</dd>" in html
    # the behavioural defaults, the levers and the fitted numbers are in the report
    assert "prior belief that the other side carries on 0.1 as of 2026-11" in html
    assert "sequencing, enforcement (a bundle)" in html
    assert "fitted: tests.pressure.p_test_after_quiet" in html
    # deterministic: same seed, same report
    assert render_html("Korea", roadmap_sections(load_scenario("korea"), seed=0)) == html


def test_no_road_map_no_sections():
    assert roadmap_sections(load_scenario("ec-emissions"), seed=0) == []
    assert roadmap_sections(load_scenario("ktab-3dim"), seed=0) == []
