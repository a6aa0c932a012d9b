"""External checks of the iterated-game strategies and ``duel`` against the axelrod library (test-only).

axelrod's results come from ``tests/data/axelrod/reference.json`` (made by ``regenerate.py`` beside it),
so these tests run without axelrod; ``test_axelrod_live.py`` checks that file against axelrod itself.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from detente.process.duel import play_duel
from detente.process.strategies import GenerousTitForTat, gtft_generosity

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_PATH = ROOT / "tests" / "data" / "axelrod" / "reference.json"
REGENERATE = REFERENCE_PATH.with_name("regenerate.py")
REFERENCE = json.loads(REFERENCE_PATH.read_text(encoding="utf-8"))

# detente's names of the strategies axelrod also has (Cooperator, Defector, TitForTat, GTFT,
# ContriteTitForTat, WinStayLoseShift, Grudger)
SHARED = ("cooperate", "defect", "tft", "gtft", "contrite-tft", "wsls", "grim")
# Pairs in which a random draw changes play even without noise: GTFT meeting a defection.
RANDOM_PAIRS = {("gtft", "defect"), ("defect", "gtft")}


def _moves(result, player):
    return "".join("C" if x else "D" for x in result.played[0, :, player])


def test_reference_is_for_the_pinned_axelrod_and_the_shared_strategies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert f"axelrod=={REFERENCE['generated']['axelrod']}" in project["optional-dependencies"]["crosscheck"]
    assert tuple(REFERENCE["strategies"]) == SHARED


@pytest.mark.parametrize("turns", [10, 200])
@pytest.mark.parametrize(
    "pair",
    [p for p in itertools.product(SHARED, repeat=2) if p not in RANDOM_PAIRS],  # those: in distribution below
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def test_noiseless_scores_equal_axelrod_exactly(pair, turns):
    a, b = pair
    theirs = REFERENCE["noiseless"]["turns"][str(turns)][a][b]
    ours = play_duel(a, b, turns=turns)
    assert ours.mean_scores() == (float(theirs["scores"][0]), float(theirs["scores"][1]))
    # and the move sequences are identical too, both players'
    assert [_moves(ours, 0), _moves(ours, 1)] == theirs["moves"]


def test_gtft_against_defector_matches_axelrod_in_distribution():
    turns, seeds = 200, 200
    ours = play_duel("gtft", "defect", turns=turns, runs=2000, seed=5)
    reference = REFERENCE["gtft_vs_defector"]
    assert (reference["turns"], reference["seeds"]) == (turns, seeds)
    theirs = np.array(reference["gtft"], float)  # GTFT's final score, one per axelrod seed
    assert theirs.shape == (seeds,)
    # expected GTFT score per match: it plays C w.p. q after a D (scoring 0), D otherwise (scoring 1)
    q = 1 / 3
    expected = (turns - 1) * (1 - q)
    assert ours.mean_scores()[0] == pytest.approx(expected, abs=4 * 6.7 / np.sqrt(2000) + 0.5)
    se = theirs.std(ddof=1) / np.sqrt(seeds)
    assert abs(ours.mean_scores()[0] - theirs.mean()) < 4 * se + 0.5


def test_hand_checked_ten_turn_matches():
    assert play_duel("defect", "tft", turns=10).mean_scores() == (14.0, 9.0)
    assert play_duel("cooperate", "defect", turns=10).mean_scores() == (0.0, 50.0)
    assert play_duel("cooperate", "tft", turns=10).mean_scores() == (30.0, 30.0)


def _round_robin(names, turns=10):
    totals = dict.fromkeys(names, 0.0)
    for a, b in itertools.combinations(names, 2):
        s = play_duel(a, b, turns=turns).mean_scores()
        totals[a] += s[0]
        totals[b] += s[1]
    return [totals[n] for n in names]


def test_round_robins_from_the_spec():
    assert _round_robin(["cooperate", "tft", "defect"]) == [30, 39, 64]
    assert _round_robin(["cooperate", "tft", "grim", "defect"]) == [60, 69, 69, 78]


def test_gtft_optimal_generosity_is_one_third():
    assert gtft_generosity(R=3, S=0, T=5, P=1) == pytest.approx(1 / 3)
    assert GenerousTitForTat().q == pytest.approx(1 / 3)
    # axelrod's GTFT works its generosity out from the game
    assert REFERENCE["gtft_generosity"]["p"] == pytest.approx(gtft_generosity())
    # the other branch of the minimum: (R - P) / (T - P) binds for a large reward
    assert gtft_generosity(R=4, S=0, T=5, P=1) == pytest.approx(min(1 - 1 / 4, 3 / 4))


@pytest.mark.parametrize(
    ("name", "noise"),
    [(n, e) for n in ("tft", "gtft", "contrite-tft", "wsls", "grim") for e in (0.01, 0.05, 0.1)],
)
def test_noisy_self_play_cooperation_agrees_with_axelrod(name, noise):
    """Share of turns with a realised C, self-play, 200 turns: our 1,000 runs vs axelrod's 100 seeds."""
    ours = play_duel(name, name, turns=200, noise=noise, runs=1000, seed=11)
    reference = REFERENCE["noisy_self_play"]
    assert (reference["turns"], reference["seeds"]) == (200, 100)
    # turns (of 200) in which axelrod's first player played C, one count per seed
    rates = np.array(reference["cooperations"][name][str(noise)], float) / 200
    assert rates.shape == (100,)
    ours_rates = ours.played[:, :, 0].mean(axis=1)
    se = np.sqrt(rates.var(ddof=1) / rates.size + ours_rates.var(ddof=1) / ours_rates.size)
    assert abs(ours_rates.mean() - rates.mean()) < 4 * se + 1e-9, (ours_rates.mean(), rates.mean(), se)


@pytest.mark.parametrize(("name", "noise"), [("tft", 0.05), ("gtft", 0.05), ("wsls", 0.01)])
def test_noisy_scores_agree_with_axelrod(name, noise):
    ours = play_duel(name, "tft", turns=200, noise=noise, runs=1000, seed=3)
    reference = REFERENCE["noisy_vs_tft"]
    assert (reference["turns"], reference["seeds"]) == (200, 100)
    theirs = np.array(reference["scores"][name][str(noise)][0], float)  # the first player's, per seed
    assert theirs.shape == (100,)
    se = np.sqrt(theirs.var(ddof=1) / 100 + ours.scores[:, 0].var(ddof=1) / 1000)
    assert abs(ours.mean_scores()[0] - theirs.mean()) < 4 * se


def test_spec_cooperation_table_within_three_deviations():
    """Section 2.4 of the process-models spec (axelrod 4.14, 50 seeds): TFT, GTFT, Contrite TFT."""
    table = {
        "tft": {0.01: 0.678, 0.05: 0.516, 0.10: 0.515},
        "gtft": {0.01: 0.970, 0.05: 0.865, 0.10: 0.778},
        "contrite-tft": {0.01: 0.973, 0.05: 0.829, 0.10: 0.716},
    }
    for name, row in table.items():
        for noise, value in row.items():
            rate = play_duel(name, name, turns=200, noise=noise, runs=2000, seed=1).cooperation_rates()[0]
            sd = 0.03 if (name, noise) == ("tft", 0.01) else 0.015
            assert abs(rate - value) <= 3 * sd, (name, noise, rate, value)
    assert play_duel("tft", "tft", turns=200, noise=0.0).cooperation_rates() == (1.0, 1.0)


def test_noisy_tft_self_play_tends_to_nine_quarters():
    for noise in (0.01, 0.05):
        d = play_duel("tft", "tft", turns=2000, noise=noise, runs=200, seed=2)
        assert d.mean_scores()[0] / 2000 == pytest.approx(2.25, abs=0.08)


def test_regenerate_script_refuses_to_run_without_axelrod():
    # axelrod is hidden even where it is installed; --check, so that the file is never rewritten here
    code = (
        "import runpy, sys; sys.modules['axelrod'] = None; "
        f"sys.argv = [{str(REGENERATE)!r}, '--check']; runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    before = REFERENCE_PATH.read_bytes()
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        'regenerate.py needs axelrod: pip install -e ".[crosscheck]" (see the docstring)'
    ]
    assert REFERENCE_PATH.read_bytes() == before
