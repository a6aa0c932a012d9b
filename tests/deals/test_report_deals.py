"""Deal and coalition sections of the report."""

from __future__ import annotations

from detente.report.deals import deal_sections
from detente.report.run import ANALYSIS_SECTIONS, analysis_sections
from detente.scenarios import load_scenario


def test_korea_report_has_package_and_coalition_sections():
    s = load_scenario("korea")
    secs = deal_sections(s, seed=0)
    assert [x.id for x in secs] == ["deals", "coalitions"]
    subs = [x.id for x in secs[0].subsections]
    assert subs == ["deals-verdict", "deals-amendment", "deals-nash", "deals-frontier", "deals-exchange"]
    html = str(secs[0].subsections[0].html)
    assert "<svg" in html and "vetoed by" in html and "Big bargain" in html
    assert str(secs[0].subsections[3].html).count("<svg") == 2  # two issue pairs
    named = secs[1].subsections[0]
    assert "Four-party" in named.title and "<svg" in str(named.html)
    # Deterministic: the same input gives the same HTML.
    assert str(deal_sections(s, seed=0)[0].subsections[0].html) == html


def test_registered_and_applies_to_scenarios_without_packages(ktab3):
    assert ("detente.report.deals", "deal_sections") in ANALYSIS_SECTIONS
    secs = [x for x in analysis_sections(ktab3, seed=0) if x.id in ("deals", "coalitions")]
    assert [x.id for x in secs] == ["coalitions"]
    assert deal_sections(load_scenario("ktab-a160")) == []  # too many actors for the report
