"""The HTML report: self-contained, escaped, deterministic."""

from __future__ import annotations

import re

from detente.models import Compromise, WeightedMedian
from detente.models.compare import compare_models
from detente.report.run import run_report
from detente.scenario import Actor, Issue, Scenario, Source, Stance

EVIL = "<script>alert(1)</script>"


def evil_scenario() -> Scenario:
    return Scenario(
        name=EVIL,
        description=EVIL,
        sources=[Source(id="s", title=EVIL, author=EVIL)],
        actors=[
            Actor(id="A", name=EVIL, capability=1, description=EVIL),
            Actor(id="B", name="$x$ & <b>", capability=2),
        ],
        issues=[Issue(id="x", name=EVIL, meaning_0=EVIL, meaning_100="$$", status_quo=20)],
        stances=[
            Stance(actor="A", issue="x", position=10, salience=50, basis="sourced", source="s", quote=EVIL),
            Stance(actor="B", issue="x", position=80, salience=60, note=EVIL),
        ],
    )


def render(s: Scenario) -> str:
    return run_report(s, compare_models(s, [Compromise(), WeightedMedian()], seed=0))


def test_names_are_escaped_everywhere_including_figures():
    html = render(evil_scenario())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_report_is_self_contained():
    html = render(evil_scenario())
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html
    assert "Content-Security-Policy" in html


def test_report_is_deterministic(ec):
    assert render(ec) == render(ec)


def test_report_has_a_position_map_per_issue_and_the_outcome(ec):
    html = render(ec)
    assert html.count('aria-label="Position map:') == 1
    assert "8.833 years" in html and "7.390 years" in html
    assert "0: 4 years" in html  # scale end labels on the map
