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


@pytest.mark.parametrize("q", load_embedded_questions("korea-retrospective").questions, ids=lambda q: q.id)
def test_shipped_outcome_matches_the_event_series(q):
    from detente.scenarios import load_scenario

    if q.baseline.series not in CHECKABLE:
        pytest.skip("outcome read from the timeline's talks rows, not a monthly series")
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
