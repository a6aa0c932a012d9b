"""The shipped Korean outcomes agree with the event data, and the baselines use no later data."""

from __future__ import annotations

import pytest

from detente.ledger.baselines import baselines, event_data, month_number
from detente.ledger.questions import load_embedded_questions

CHECKABLE = {
    "test",
    "nuclear test",
    "icbm launch",
    "clash",
    "sanctions resolution",
    "leader meeting",
    "test months",
}


RETROSPECTIVE = load_embedded_questions("korea-retrospective").questions
# questions on talks are resolved from the timeline's talks rows (quoted in each question's
# source), not from a monthly series: they are checked by hand, not here
BY_SERIES = [q for q in RETROSPECTIVE if q.baseline.series in CHECKABLE]


def test_most_shipped_outcomes_can_be_checked_against_a_monthly_series():
    assert len(BY_SERIES) >= len(RETROSPECTIVE) // 2


@pytest.mark.parametrize("q", BY_SERIES, ids=lambda q: q.id)
def test_shipped_outcome_matches_the_event_series(q):
    from detente.scenarios import load_scenario

    data = event_data()
    as_of = month_number(load_scenario(q.scenario).as_of)
    first, last = as_of + 1 - data.first, month_number(q.resolve_by.isoformat()) - data.first
    window = data.series[q.baseline.series][first : last + 1]
    if q.kind == "continuous":
        assert float(window.sum()) == q.outcome
    else:
        assert bool(window.any()) == q.outcome


def test_base_rates_use_only_data_to_the_as_of_month():
    early = baselines("test", "binary", "2017-11", 12, in_talks=False)
    assert early["window"] == "1993-01 to 2017-11"
    late = baselines("test", "binary", "2030-01", 12, in_talks=False)
    assert late["window"] == "1993-01 to 2026-04"
    assert early["base_rate"] != late["base_rate"]
