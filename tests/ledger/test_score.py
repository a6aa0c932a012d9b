"""Scores equal hand computations; skill; the ranking rule; retrospective and prospective apart."""

from __future__ import annotations

import math

import pytest

from detente.ledger.records import seal
from detente.ledger.score import MIN_GRADED, brier, crps, log_score, score_ledger


def test_scores_by_hand():
    assert brier(0.8, True) == pytest.approx(0.04)
    assert brier(0.8, False) == pytest.approx(0.64)
    assert log_score(0.8, True) == pytest.approx(-math.log(0.8))
    assert log_score(0.8, False) == pytest.approx(-math.log(0.2))
    # CRPS from quantiles is twice the mean pinball loss: levels 0.25, 0.5, 0.75 at 1, 2, 3; outcome 3
    # pinball: 0.25*(3-1)=0.5, 0.5*(3-2)=0.5, 0.75*0=0 -> 2/3 * 1.0
    assert crps([1.0, 2.0, 3.0], [0.25, 0.5, 0.75], 3.0) == pytest.approx(2 / 3)
    # a point forecast (all quantiles equal) with symmetric levels scores the absolute error
    assert crps([2.0] * 19, [round(0.05 * k, 2) for k in range(1, 20)], 5.0) == pytest.approx(3.0)


def _forecast(qid, p, base, none, *, retro, kind="binary", method="roadmap", sample="in"):
    forecast = {"probability": p} if kind == "binary" else {"quantiles": p, "levels": [0.25, 0.5, 0.75]}
    return {
        "question": {"id": qid, "text": qid, "kind": kind, "resolve_by": "2020-01-01"},
        "issued": "2019-01-01",
        "retrospective": retro,
        "sample": sample,
        "as_of": "2019-01",
        "model": {"method": method},
        "forecast": forecast,
        "baselines": {"base_rate": base, "no_change": none},
    }


def _ledger(items):
    """Seal (id, kind, content) items into a list of records (no database needed for scoring)."""
    out, prev = [], "0" * 64
    for seq, (rid, kind, content) in enumerate(items, 1):
        rec = seal(seq, rid, kind, prev, content)
        out.append(rec)
        prev = rec.hash
    return out


def _resolve(rid, outcome):
    return (
        f"resolve:{rid}",
        "resolution",
        {"forecast": rid, "outcome": outcome, "source": "s", "resolved": "2020-01-01"},
    )


def test_skill_against_each_baseline_by_hand():
    records = _ledger(
        [
            ("a", "forecast", _forecast("a", 0.8, 0.5, 0.02, retro=False)),
            ("b", "forecast", _forecast("b", 0.3, 0.5, 0.98, retro=False)),
            _resolve("a", True),
            _resolve("b", False),
        ]
    )
    s = score_ledger(records)
    [row] = [r for r in s.summary if r["group"] == "prospective" and r["kind"] == "binary"]
    model = (0.04 + 0.09) / 2
    base = 0.25
    none = (0.98**2 + 0.98**2) / 2
    assert row["brier"] == pytest.approx(model)
    assert row["brier_base_rate"] == pytest.approx(base)
    assert row["brier_no_change"] == pytest.approx(none)
    assert row["brier_skill_vs_base_rate"] == pytest.approx(1 - model / base)
    assert row["brier_skill_vs_no_change"] == pytest.approx(1 - model / none)
    assert row["log"] == pytest.approx((-math.log(0.8) - math.log(0.7)) / 2)


def test_continuous_questions_get_crps():
    records = _ledger(
        [
            (
                "c",
                "forecast",
                _forecast(
                    "c", [1.0, 2.0, 3.0], [0.0, 0.0, 1.0], [5.0, 5.0, 5.0], retro=True, kind="continuous"
                ),
            ),
            _resolve("c", 3.0),
        ]
    )
    [row] = [r for r in score_ledger(records).summary if r["sample"] == "all"]
    assert row["kind"] == "continuous" and row["crps"] == pytest.approx(2 / 3)
    assert row["crps_no_change"] == pytest.approx(2.0)


def test_fewer_than_ten_graded_gives_no_ranking_and_says_so():
    items = []
    for k in range(MIN_GRADED - 1):
        items += [
            (f"q{k}", "forecast", _forecast(f"q{k}", 0.6, 0.5, 0.02, retro=False)),
            _resolve(f"q{k}", True),
        ]
    s = score_ledger(_ledger(items))
    assert s.ranking["prospective"] == []
    assert (
        "no ranking" in s.ranking_note["prospective"]
        and f"roadmap ({MIN_GRADED - 1})" in s.ranking_note["prospective"]
    )
    more = [*items, ("q9", "forecast", _forecast("q9", 0.6, 0.5, 0.02, retro=False)), _resolve("q9", True)]
    s = score_ledger(_ledger(more))
    assert [r["method"] for r in s.ranking["prospective"]] == ["roadmap", "base rate", "no change"]
    assert (
        s.ranking["prospective"][0]["rank"] == 1 and "ranked by mean Brier" in s.ranking_note["prospective"]
    )


def test_retrospective_and_prospective_are_never_pooled():
    records = _ledger(
        [
            ("p", "forecast", _forecast("p", 0.9, 0.5, 0.5, retro=False)),
            ("r", "forecast", _forecast("r", 0.1, 0.5, 0.5, retro=True)),
            ("open", "forecast", _forecast("open", 0.5, 0.5, 0.5, retro=False)),
            _resolve("p", True),
            _resolve("r", True),
        ]
    )
    s = score_ledger(records)
    pro = [r for r in s.summary if r["group"] == "prospective"]
    retro = [r for r in s.summary if r["group"] == "retrospective" and r["sample"] == "all"]
    assert [r["questions"] for r in pro] == [1] and [r["questions"] for r in retro] == [1]
    assert pro[0]["brier"] == pytest.approx(0.01) and retro[0]["brier"] == pytest.approx(0.81)
    assert {g.group for g in s.grades} == {"prospective", "retrospective"}
    assert s.open_forecasts == 1


def test_a_correction_supersedes_the_earlier_outcome():
    records = _ledger(
        [
            ("a", "forecast", _forecast("a", 0.8, 0.5, 0.5, retro=False)),
            _resolve("a", False),
            _resolve("a", True),
        ]
    )
    [g] = score_ledger(records).grades
    assert g.outcome is True and g.scores["model"]["brier"] == pytest.approx(0.04)


def test_calibration_table_bins():
    items = []
    for k, (p, y) in enumerate([(0.05, False), (0.08, True), (0.92, True)]):
        items += [(f"q{k}", "forecast", _forecast(f"q{k}", p, 0.5, 0.5, retro=False)), _resolve(f"q{k}", y)]
    table = score_ledger(_ledger(items)).calibration["prospective"]
    assert [r["bin"] for r in table] == ["0.0-0.1", "0.9-1.0"]
    assert table[0]["questions"] == 2 and table[0]["observed frequency"] == pytest.approx(0.5)
    assert table[0]["mean forecast"] == pytest.approx(0.065)
