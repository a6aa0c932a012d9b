"""External checks of the iterated-game strategies and ``duel`` against the axelrod library (test-only)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from detente.process.duel import play_duel
from detente.process.strategies import GenerousTitForTat, gtft_generosity

axl = pytest.importorskip("axelrod")

SHARED = {
    "cooperate": axl.Cooperator,
    "defect": axl.Defector,
    "tft": axl.TitForTat,
    "gtft": axl.GTFT,
    "contrite-tft": axl.ContriteTitForTat,
    "wsls": axl.WinStayLoseShift,
    "grim": axl.Grudger,
}
# Pairs in which a random draw changes play even without noise: GTFT meeting a defection.
RANDOM_PAIRS = {("gtft", "defect"), ("defect", "gtft")}


def _axl_match(a, b, turns, noise=0.0, seed=1):
    m = axl.Match((SHARED[a](), SHARED[b]()), turns=turns, noise=noise, seed=seed)
    m.play()
    return m


@pytest.mark.parametrize("turns", [10, 200])
@pytest.mark.parametrize(
    "pair",
    [p for p in itertools.product(SHARED, repeat=2) if p not in RANDOM_PAIRS],  # those: in distribution below
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def test_noiseless_scores_equal_axelrod_exactly(pair, turns):
    a, b = pair
    ours = play_duel(a, b, turns=turns)
    theirs = _axl_match(a, b, turns).final_score()
    assert ours.mean_scores() == (float(theirs[0]), float(theirs[1]))
    # and the move sequences are identical too
    moves = _axl_match(a, b, turns).result
    assert [("C" if x else "D") for x in ours.played[0, :, 0]] == [str(m[0]) for m in moves]


def test_gtft_against_defector_matches_axelrod_in_distribution():
    turns, seeds = 200, 200
    ours = play_duel("gtft", "defect", turns=turns, runs=2000, seed=5)
    theirs = np.array(
        [_axl_match("gtft", "defect", turns, seed=s).final_score() for s in range(seeds)], float
    )
    # expected GTFT score per match: it plays C w.p. q after a D (scoring 0), D otherwise (scoring 1)
    q = 1 / 3
    expected = (turns - 1) * (1 - q)
    assert ours.mean_scores()[0] == pytest.approx(expected, abs=4 * 6.7 / np.sqrt(2000) + 0.5)
    se = theirs[:, 0].std(ddof=1) / np.sqrt(seeds)
    assert abs(ours.mean_scores()[0] - theirs[:, 0].mean()) < 4 * se + 0.5


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
    g = axl.GTFT()
    axl.Match((g, axl.Cooperator()), turns=1).play()
    assert g.p == pytest.approx(gtft_generosity())
    # the other branch of the minimum: (R - P) / (T - P) binds for a large reward
    assert gtft_generosity(R=4, S=0, T=5, P=1) == pytest.approx(min(1 - 1 / 4, 3 / 4))


@pytest.mark.parametrize(
    ("name", "noise"),
    [(n, e) for n in ("tft", "gtft", "contrite-tft", "wsls", "grim") for e in (0.01, 0.05, 0.1)],
)
def test_noisy_self_play_cooperation_agrees_with_axelrod(name, noise):
    """Share of turns with a realised C, self-play, 200 turns: our 1,000 runs vs axelrod's 100 seeds."""
    ours = play_duel(name, name, turns=200, noise=noise, runs=1000, seed=11)
    rates = []
    for s in range(100):
        m = _axl_match(name, name, 200, noise=noise, seed=s)
        rates.append(np.mean([str(x[0]) == "C" for x in m.result]))
    rates = np.array(rates)
    ours_rates = ours.played[:, :, 0].mean(axis=1)
    se = np.sqrt(rates.var(ddof=1) / rates.size + ours_rates.var(ddof=1) / ours_rates.size)
    assert abs(ours_rates.mean() - rates.mean()) < 4 * se + 1e-9, (ours_rates.mean(), rates.mean(), se)


@pytest.mark.parametrize(("name", "noise"), [("tft", 0.05), ("gtft", 0.05), ("wsls", 0.01)])
def test_noisy_scores_agree_with_axelrod(name, noise):
    ours = play_duel(name, "tft", turns=200, noise=noise, runs=1000, seed=3)
    theirs = np.array(
        [_axl_match(name, "tft", 200, noise=noise, seed=s).final_score() for s in range(100)], float
    )
    se = np.sqrt(theirs[:, 0].var(ddof=1) / 100 + ours.scores[:, 0].var(ddof=1) / 1000)
    assert abs(ours.mean_scores()[0] - theirs[:, 0].mean()) < 4 * se


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
