"""Forecast tables and reports say what the forecasts are, beside a no-change baseline."""

from __future__ import annotations

import pytest

from detente.models import SMP, Compromise, ExpectedUtility, WeightedMedian
from detente.models.compare import compare_models
from detente.report.forecasts import comparison_sections
from detente.report.run import run_report
from detente.report.tables import (
    CONDITIONING,
    NO_CHANGE,
    VETO_MARK,
    forecast_context,
    forecast_statement,
    forecast_table,
    veto_notes,
    vetoes_not_honoured,
)
from detente.report.validation import is_deu_scenario, validation_sections
from detente.scenario import Actor, Issue, Scenario, Stance
from detente.validation.deu import issue_scenario, load_dev


def dprk(*, as_of: str = "2026-11", horizon: str = "within five years") -> Scenario:
    """Two issues: 'nuclear' (status quo 90, the DPRK a veto player) and 'talks' (no status quo)."""
    return Scenario(
        name="Peninsula",
        as_of=as_of,
        horizon=horizon,
        actors=[Actor(id="DPRK", name="DPRK", capability=4), Actor(id="USA", name="USA", capability=11)],
        issues=[
            Issue(id="nuclear", name="Nuclear programme", status_quo=90, veto_players=["DPRK"]),
            Issue(id="talks", name="Talks"),
        ],
        stances=[
            Stance(actor="DPRK", issue="nuclear", position=95, salience=50),
            Stance(actor="USA", issue="nuclear", position=20, salience=50),
            Stance(actor="DPRK", issue="talks", position=30, salience=50),
            Stance(actor="USA", issue="talks", position=70, salience=50),
        ],
    )


@pytest.mark.parametrize(
    "as_of, horizon, expected",
    [
        (
            "2026-11",
            "within five years",
            "Forecast: the outcome if the parties bargain to a settlement, within five years (the "
            "scenario's horizon; as of 2026-11). No change: the status quo (- where an issue states none).",
        ),
        (
            "",
            "",
            "Forecast: the outcome if the parties bargain to a settlement, horizon not stated (undated). "
            "No change: the status quo (- where an issue states none).",
        ),
        (
            "2026",
            "",
            "Forecast: the outcome if the parties bargain to a settlement, horizon not stated (as of 2026). "
            "No change: the status quo (- where an issue states none).",
        ),
        (
            "",
            "by the end of\n2030",
            "Forecast: the outcome if the parties bargain to a settlement, by the end of 2030 (the "
            "scenario's horizon; undated). No change: the status quo (- where an issue states none).",
        ),
    ],
)
def test_the_statement_names_conditioning_horizon_and_date(as_of, horizon, expected):
    assert forecast_statement(dprk(as_of=as_of, horizon=horizon)) == expected


def test_the_statement_says_when_no_issue_has_a_status_quo(two_actors):
    assert forecast_statement(two_actors).endswith("No change: the status quo, which no issue states.")


def test_the_table_has_a_no_change_column_with_a_dash_where_there_is_no_status_quo(two_actors):
    s = dprk()
    rows = forecast_table(s, [Compromise().forecast(s)])
    assert list(rows[0]) == ["issue", "id", NO_CHANGE, "compromise"]
    assert NO_CHANGE == "no change (status quo)"
    assert [r[NO_CHANGE] for r in rows] == ["90.0", "-"]
    # Even when no issue has a status quo the baseline column is there.
    rows = forecast_table(two_actors, [Compromise().forecast(two_actors)])
    assert rows[0][NO_CHANGE] == "-"


def test_models_that_do_not_honour_vetoes_are_marked_and_named():
    s = dprk()
    forecasts = [Compromise().forecast(s), ExpectedUtility().forecast(s), SMP().forecast(s)]
    rows = forecast_table(s, forecasts)
    nuclear, talks = rows
    assert nuclear["compromise"] == "90.0"  # the weighted mean, 40, held at the veto bound
    assert nuclear["expected-utility"].endswith(f" {VETO_MARK}") and nuclear["smp"].endswith(f" {VETO_MARK}")
    assert not talks["expected-utility"].endswith(VETO_MARK) and not talks["smp"].endswith(VETO_MARK)
    assert vetoes_not_honoured(s, forecasts) == {"expected-utility": ["nuclear"], "smp": ["nuclear"]}
    notes = veto_notes(s, forecasts)
    assert notes == [
        "* expected-utility, smp do not honour the veto players of: nuclear (DPRK)",
        "The veto players bound the forecast of: compromise on nuclear (40.0 unconstrained)",
    ]
    assert veto_notes(s, forecasts[2:]) == ["* smp does not honour the veto players of: nuclear (DPRK)"]
    assert veto_notes(s.model_copy(update={"issues": (s.issues[1],)}), []) == []


def test_json_context_keys():
    ctx = forecast_context(dprk())
    assert ctx["conditioning"] == CONDITIONING
    assert ctx["horizon"] == "within five years" and ctx["as_of"] == "2026-11"
    assert ctx["no_change"] == {"nuclear": 90.0, "talks": None}
    assert ctx["veto_players"] == {"nuclear": ["DPRK"]}
    empty = forecast_context(dprk(as_of="", horizon=""))
    assert empty["horizon"] is None and empty["as_of"] is None


def test_the_report_states_conditioning_and_shows_the_no_change_column_and_veto_notes():
    s = dprk()
    comparison = compare_models(s, [Compromise(), WeightedMedian(), ExpectedUtility()], seed=0)
    (summary, _maps) = comparison_sections(s, comparison)
    html = str(summary.html)
    assert "the outcome if the parties bargain to a settlement, within five years" in html
    assert "as of 2026-11" in html
    assert '<th class="num">no change (status quo)</th>' in html
    assert '<td>Talks</td><td class="num">-</td>' in html  # no status quo: no baseline value
    assert '<td>Nuclear programme</td><td class="num">90.0</td>' in html
    # the HTML names models and issues (the terminal's notes use the ids its table shows)
    assert "Expected utility does not honour the veto players of: Nuclear programme (DPRK)" in html
    assert "The veto players bound the forecast of: Compromise (weighted mean) on Nuclear programme" in html
    assert "expected-utility does not" not in html
    full = run_report(s, comparison)
    assert "horizon; as of 2026-11" in full


def test_the_deu_track_record_is_labelled_as_not_about_another_scenario():
    (top,) = validation_sections(dprk(), seed=0)
    (deu,) = top.subsections
    assert deu.title == "Track record on EU legislation (DEU data), not on this scenario"
    assert "Not a track record on this scenario" in str(deu.html)


def test_a_deu_issue_scenario_gets_the_track_record_without_the_label():
    s = issue_scenario(load_dev().issue("d00032i1"))
    assert is_deu_scenario(s) and not is_deu_scenario(dprk())
    (top,) = validation_sections(s, seed=0)
    deu = next(x for x in top.subsections if x.id == "validation-deu")
    assert deu.title == "Track record on EU legislation (cross-validated)"
    assert "not on this scenario" not in str(deu.html) and "Not a track record" not in str(deu.html)
    assert not is_deu_scenario(s.model_copy(update={"name": "DEU d99999i9"}))


def test_the_full_report_labels_the_track_record_for_a_non_eu_scenario():
    s = dprk()
    html = run_report(s, compare_models(s, [Compromise()], seed=0))
    assert "Track record on EU legislation (DEU data), not on this scenario" in html
