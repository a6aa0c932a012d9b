"""Two-player iterated prisoner's dilemma between reference strategies, over many seeded matches.

Each turn both players choose C or D; an *execution error* (rate ``noise``) flips a chosen action
before it is played, and both players see the flipped action (the ``axelrod`` library's noise). A
*misperception* (rate ``misperception``) flips only what the other player sees, so the two players'
histories differ. Standard payoffs R=3, S=0, T=5, P=1. All matches run at once, vectorized.

>>> d = play_duel("tft", "defect", turns=10)
>>> d.mean_scores()
(9.0, 14.0)
>>> d.cooperation_rates()
(0.1, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente._random import spawn
from detente.errors import ParameterError
from detente.process.strategies import Strategy, get_strategy

__all__ = ["STANDARD_PAYOFFS", "DuelResult", "play_duel"]

STANDARD_PAYOFFS: dict[str, float] = {"R": 3.0, "S": 0.0, "T": 5.0, "P": 1.0}
"""Prisoner's-dilemma payoffs: reward, sucker, temptation, punishment."""


@dataclass(frozen=True)
class DuelResult:
    """Scores and actions of ``runs`` seeded matches between two strategies.

    ``scores``: total payoff per match and player, shape (runs, 2). ``played``: realised actions,
    shape (runs, turns, 2), ``True`` = C.
    """

    strategies: tuple[str, str]
    turns: int
    noise: float
    misperception: float
    seed: int
    scores: np.ndarray
    played: np.ndarray
    payoffs: dict[str, float] = field(default_factory=lambda: dict(STANDARD_PAYOFFS))

    @property
    def runs(self) -> int:
        """Number of matches."""
        return int(self.scores.shape[0])

    def mean_scores(self) -> tuple[float, float]:
        """Each player's total score, averaged over matches."""
        m = self.scores.mean(axis=0)
        return float(m[0]), float(m[1])

    def cooperation_rates(self) -> tuple[float, float]:
        """Each player's share of turns with a realised C, averaged over matches."""
        m = self.played.mean(axis=(0, 1))
        return float(m[0]), float(m[1])

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (means, standard errors, the first match's moves)."""
        se = self.scores.std(axis=0, ddof=1) / np.sqrt(self.runs) if self.runs > 1 else np.zeros(2)
        first = "".join("C" if a else "D" for a in self.played[0, :, 0])
        second = "".join("C" if a else "D" for a in self.played[0, :, 1])
        return {
            "strategies": list(self.strategies),
            "turns": self.turns,
            "noise": self.noise,
            "misperception": self.misperception,
            "seed": self.seed,
            "runs": self.runs,
            "payoffs": self.payoffs,
            "mean_scores": list(self.mean_scores()),
            "score_standard_errors": [float(x) for x in se],
            "mean_scores_per_turn": [s / self.turns for s in self.mean_scores()],
            "cooperation_rates": list(self.cooperation_rates()),
            "first_match": [first, second],
        }


def _check_rate(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ParameterError(f"{name}={value} is not a probability", where=f"--{name}", fix="use 0 to 1")
    return float(value)


MAX_MOVES = 20_000_000
"""Most turns (matches x turns per match) one :func:`play_duel` call plays: the moves are all kept."""


def play_duel(
    a: str | Strategy,
    b: str | Strategy,
    *,
    turns: int = 200,
    noise: float = 0.0,
    misperception: float = 0.0,
    runs: int = 1,
    seed: int = 0,
    record: bool = False,
    payoffs: dict[str, float] | None = None,
) -> DuelResult:
    """Play ``runs`` matches of ``turns`` turns between strategies ``a`` and ``b``.

    Parameters
    ----------
    a, b:
        Strategy names (see :func:`~detente.process.strategies.strategy_names`) or instances.
    turns:
        Turns per match.
    noise:
        Execution-error rate: each chosen action is flipped with this probability; both see the flip.
    misperception:
        Perception-error rate: each player's view of the other's action is flipped independently.
    runs, seed:
        Number of matches and the master seed; the same seed gives the same matches.
    record:
        Keep a shared incident record of what was really played, which strategies that use standing
        (``contrite``) consult instead of their own perceptions.
    payoffs:
        ``{"R", "S", "T", "P"}``; default :data:`STANDARD_PAYOFFS`.
    """
    if turns < 1:
        raise ParameterError(f"turns={turns} is below 1", where="--turns", fix="use 1 or more turns")
    if runs < 1:
        raise ParameterError(f"runs={runs} is below 1", where="--runs", fix="use 1 or more runs")
    if runs * turns > MAX_MOVES:
        raise ParameterError(
            f"{runs:,} matches of {turns:,} turns are {runs * turns:,} turns, over the limit of "
            f"{MAX_MOVES:,} (every match's moves are kept)",
            where="--runs, --turns",
            fix="play fewer or shorter matches",
        )
    noise = _check_rate("noise", noise)
    misperception = _check_rate("misperception", misperception)
    pay = dict(STANDARD_PAYOFFS if payoffs is None else payoffs)
    players = [get_strategy(s) if isinstance(s, str) else s for s in (a, b)]
    names = (players[0].name, players[1].name)
    states = [p.start(runs) for p in players]
    rngs = [spawn(seed, "duel", "player", k) for k in range(2)]
    noise_rng = spawn(seed, "duel", "noise")
    seen_rng = spawn(seed, "duel", "perception")
    # payoff to the row player for (own C?, other C?): [[P, T], [S, R]] indexed [own][other]
    table = np.array([[pay["P"], pay["T"]], [pay["S"], pay["R"]]])
    played = np.empty((runs, turns, 2), dtype=bool)
    scores = np.zeros((runs, 2))
    for t in range(turns):
        intended = [players[k].decide(states[k], rngs[k]) for k in range(2)]
        flips = noise_rng.random((2, runs)) < noise if noise > 0 else np.zeros((2, runs), dtype=bool)
        acts = [intended[k] ^ flips[k] for k in range(2)]
        wrong = seen_rng.random((2, runs)) < misperception if misperception > 0 else np.zeros((2, runs), bool)
        seen = [acts[1] ^ wrong[0], acts[0] ^ wrong[1]]  # seen[k]: what player k sees the other play
        scores[:, 0] += table[acts[0].astype(int), acts[1].astype(int)]
        scores[:, 1] += table[acts[1].astype(int), acts[0].astype(int)]
        played[:, t, 0], played[:, t, 1] = acts
        for k in range(2):
            players[k].update(
                states[k],
                intended=intended[k],
                played=acts[k],
                seen=seen[k],
                record=acts[1 - k] if record else None,
            )
    return DuelResult(
        strategies=names,
        turns=turns,
        noise=noise,
        misperception=misperception,
        seed=seed,
        scores=scores,
        played=played,
        payoffs=pay,
    )
