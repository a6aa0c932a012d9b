"""Historical replay and parameter uncertainty of the road map."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.errors import ScenarioError
from detente.process.io import load_embedded_process
from detente.process.replay import _History, base_rate, load_embedded_replay, loads_replay, no_change, replay
from detente.process.uncertainty import (
    calibrated_value,
    perturbed_process,
    simulate_with_parameters,
    varied_numbers,
)
from detente.scenarios import load_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def korea():
    k = load_scenario("korea-2017-11")
    return load_embedded_process("korea", scenario=k), k


def test_the_shipped_replay_covers_the_record_with_sources():
    book = load_embedded_replay("korea")
    assert book.cutoff == "2019-12-31"
    dates = [e.as_of for e in book.episodes]
    assert dates == sorted(dates) and dates[0] == "1994-06" and dates[-1] == "2024-07"
    out = [e for e in book.episodes if e.as_of > "2019-12"]
    assert len(out) >= 2 and sum(len(e.questions) for e in out) >= 3
    assert all(q.source.strip() for e in book.episodes for q in e.questions)


def test_replay_files_get_one_line_errors():
    bad = "name: x\nprocess: korea\ncutoff: '2019-12'\nepisodes:\n"
    bad += "- id: a\n  scenario: korea\n  as_of: '2018-06'\n"
    bad += "  start_phase: talks\n  policy: engagement\n  policy_note: n\n  questions:\n"
    bad += "  - {id: q, text: t, event: summit, months: 12, outcome: true, source: s}\n"
    with pytest.raises(ScenarioError) as info:
        loads_replay(bad, source="r.yaml")
    assert "r.yaml: line 12" in info.value.message and "event" in info.value.message
    assert "\n" not in info.value.message


def _history(test, talks=None):
    n = len(test)
    months = [(2000 + k // 12, k % 12 + 1) for k in range(n)]
    talks = np.zeros(n, bool) if talks is None else np.asarray(talks, bool)
    z = np.zeros(n, bool)
    start = talks & ~np.concatenate([[False], talks[:-1]])
    end = ~talks & np.concatenate([[False], talks[:-1]])
    return _History(months, np.asarray(test, bool), z, talks, start, end, z)


def test_base_rate_counts_windows_before_the_cutoff_by_hand():
    # 12 months, a test in month 6 (index 5); cutoff at month 12; 3-month windows start at 0..8
    h = _history([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1])
    # windows starting at s cover s+1..s+3: those with index 5 are s = 2, 3, 4; index 11 lies beyond the
    # cutoff-bounded windows (s <= 11 - 3 = 8 covers up to index 11: s = 8 covers 9..11) -> s = 8 too
    hits, windows = 4, 9
    assert base_rate(h, "test", 3, "2000-12", in_talks=False) == pytest.approx((hits + 1) / (windows + 2))


def test_no_change_carries_the_state_at_the_date():
    h = _history([0] * 12 + [1] + [0] * 11)
    assert no_change(h, "test", "2001-06", in_talks=False) == pytest.approx(0.98)  # a test in 2001-01
    assert no_change(h, "test", "2000-06", in_talks=False) == pytest.approx(0.02)
    assert no_change(h, "reach talks", "2000-06", in_talks=True) == pytest.approx(0.98)
    assert no_change(h, "clash", "2000-06", in_talks=False) == pytest.approx(0.02)


@pytest.mark.slow
def test_replay_scores_every_question_with_proper_scores_and_separates_the_samples():
    book = load_embedded_replay("korea")
    result = replay(book, runs=200, seed=1)
    assert len(result.rows) == sum(len(e.questions) for e in book.episodes)
    for r in result.rows:
        y = 1.0 if r["outcome"] else 0.0
        for who in ("roadmap", "base_rate", "no_change"):
            p = r[f"p_{who}"]
            assert 0.0 < p < 1.0
            assert r[f"brier_{who}"] == pytest.approx((p - y) ** 2)  # scoringrules' Brier score
            assert r[f"log_{who}"] == pytest.approx(-np.log(p if y else 1 - p))
        assert r["sample"] == ("out" if r["as_of"] > "2019-12" else "in")
    summary = {s["sample"]: s for s in result.summary()}
    assert set(summary) == {"in sample", "out of sample"}
    out = [r for r in result.rows if r["sample"] == "out"]
    assert summary["out of sample"]["brier_roadmap"] == pytest.approx(
        np.mean([r["brier_roadmap"] for r in out])
    )
    again = replay(book, runs=200, seed=1)
    assert again.rows == result.rows


def test_replay_command_writes_forecasts_baselines_outcomes_and_scores(tmp_path):
    out = tmp_path / "r.json"
    r = runner.invoke(app, ["roadmap", "replay", "--runs", "50", "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert "in sample" in r.stdout and "out of sample" in r.stdout
    data = json.loads(out.read_text())
    q = data["questions"][0]
    keys = ("p_roadmap", "p_base_rate", "p_no_change", "outcome", "brier_roadmap", "log_roadmap", "sample")
    assert all(k in q for k in keys)
    assert data["cutoff"] == "2019-12-31" and len(data["summary"]) == 2


def test_fitted_numbers_of_the_road_map_equal_the_shipped_calibration(korea):
    p, _ = korea
    fitted = [
        (path, name, how[len("fitted:") :])
        for path, name, how in varied_numbers(p)
        if how.startswith("fitted")
    ]
    assert {key for _, _, key in fitted} >= {
        "tests.pressure.p_test_after_quiet",
        "tests.pressure.p_test_after_test",
        "clashes.icb.pressure.p_month",
        "patience.mean_months",
    }
    blocks = dict(p.provenance_blocks())
    for path, name, key in fitted:
        value = getattr(blocks[path], name)
        assert value == pytest.approx(calibrated_value(key), rel=2e-3), (path, name, key)


def test_parameter_draws_vary_fitted_and_ranged_numbers_reproducibly(korea):
    p, _ = korea
    a = perturbed_process(p, np.random.default_rng(3), lambda key: 0.5)
    b = perturbed_process(p, np.random.default_rng(3), lambda key: 0.5)
    assert a == b and a != p
    assert a.tension.shocks[0].rate == 0.5 and a.escalation.monthly_hazard == 0.5
    low, high = p.discount.ranges["value"]
    assert low <= a.discount.value <= high and a.discount.value != p.discount.value


def test_parameter_intervals_are_reproducible_and_wider_than_a_point(korea):
    p, k = korea
    one = simulate_with_parameters(p, k, ["engagement", "coalition"], draws=6, runs_per_draw=60, seed=2)
    two = simulate_with_parameters(p, k, ["engagement", "coalition"], draws=6, runs_per_draw=60, seed=2)
    rows = one.rows()
    assert rows == two.rows()
    for row in rows:
        assert row["low"] <= row["mean"] <= row["high"]
    escalation = next(r for r in rows if r["policy"] == "engagement" and r["event"] == "escalation")
    assert escalation["high"] - escalation["low"] > 0.05  # the fitted clash rate and the ranges matter


def test_roadmap_json_reports_both_kinds_of_interval(tmp_path):
    out = tmp_path / "r.json"
    r = runner.invoke(
        app,
        ["roadmap", "--policy", "engagement", "--runs", "100", "--parameter-draws", "4", "--json", str(out)],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    assert data["parameter_uncertainty"]["draws"] == 4
    assert {row["event"] for row in data["parameter_uncertainty"]["rows"]} >= {"complete", "escalation"}
    assert data["behaviour"]["prior"] == 0.8
    assert "Monte Carlo" in r.stdout and "parameter uncertainty" in r.stdout
