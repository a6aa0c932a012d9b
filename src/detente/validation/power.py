"""Voting power: Shapley-Shubik and Banzhaf indices of weighted voting games, computed exactly.

A :class:`VotingGame` is a (possibly multi-criterion) weighted voting game: a coalition wins when,
for every criterion k, the sum of its members' weights ``weights[k]`` reaches ``quotas[k]``. The EU
Council under the Treaty of Nice is such a game with three criteria (votes, number of members,
population); the EU-15 Council is a single-criterion game.

Computation, always exact (no sampling):

* one criterion: generating functions (dynamic programming over the vote total and the coalition
  size), polynomial in the number of players and the total weight; weights must then be integers;
* several criteria (or a size clause, :attr:`VotingGame.winning_size`): enumeration of all 2^n
  coalitions, vectorised with numpy (winning flags built
  by meet-in-the-middle sums of two halves of the players), for up to :data:`MAX_ENUMERATION`
  players (27 players, the EU-27 Council, take about ten seconds and 0.5 GB).

The Shapley-Shubik index of player i is the share of the n! orderings in which i is pivotal:
``sum over coalitions S not containing i, S losing, S + i winning, of |S|! (n - |S| - 1)! / n!``.
The (normalised) Banzhaf index is i's share of all swings, a swing being such a coalition S.

>>> g = VotingGame.weighted([3, 2, 1, 1], quota=4)
>>> shapley_shubik(g).round(4).tolist()
[0.5, 0.1667, 0.1667, 0.1667]
>>> banzhaf(g).round(4).tolist()
[0.5, 0.1667, 0.1667, 0.1667]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import lgamma

import numpy as np

from detente.errors import ParameterError

__all__ = ["MAX_ENUMERATION", "VotingGame", "banzhaf", "shapley_shubik", "swing_counts"]

MAX_ENUMERATION = 28
"""Largest number of players for which multi-criterion games are enumerated (2^28 coalitions)."""


@dataclass(frozen=True)
class VotingGame:
    """A weighted voting game with one or more criteria.

    Attributes
    ----------
    weights : tuple of tuple of float
        ``weights[k][i]`` is player i's weight under criterion k.
    quotas : tuple of float
        A coalition wins when its total weight reaches ``quotas[k]`` for every k, up to a rounding
        tolerance (1e-9 times the largest quota, at least 1e-9; with one criterion, whose weights are
        integers, 1e-9): a quota computed as a share of a total, such as 65% of the population, is
        reached by a weight equal to it in exact arithmetic.
    winning_size : int or None
        A coalition of at least this many players also wins (None: no such clause).
    """

    weights: tuple[tuple[float, ...], ...]
    quotas: tuple[float, ...]
    winning_size: int | None = None
    """If set, a coalition of at least this many players wins whatever its weights (the Lisbon
    Council's blocking-minority clause: a blocking minority needs four members, so any coalition of
    all but three members wins)."""

    def __post_init__(self) -> None:
        if not self.weights or len(self.weights) != len(self.quotas):
            raise ParameterError(
                "a voting game needs one quota per weight criterion",
                where="VotingGame",
                fix="pass as many quotas as weight vectors",
            )
        n = len(self.weights[0])
        if n == 0 or any(len(w) != n for w in self.weights):
            raise ParameterError(
                "every weight criterion must give one weight per player",
                where="VotingGame.weights",
                fix="pass weight vectors of equal, non-zero length",
            )
        if any(x < 0 for w in self.weights for x in w):
            raise ParameterError(
                "weights must be non-negative", where="VotingGame.weights", fix="remove negative weights"
            )

    @classmethod
    def weighted(cls, weights: list[float] | tuple[float, ...], quota: float) -> VotingGame:
        """A single-criterion weighted game ``[quota; w_1, ..., w_n]``."""
        return cls((tuple(float(x) for x in weights),), (float(quota),))

    @classmethod
    def unanimity(cls, n: int) -> VotingGame:
        """The game in which all n players must agree."""
        return cls(((1.0,) * n,), (float(n),))

    @property
    def n_players(self) -> int:
        """Number of players."""
        return len(self.weights[0])


def shapley_shubik(game: VotingGame) -> np.ndarray:
    """Shapley-Shubik index of every player (sums to 1 unless no coalition can win)."""
    counts = swing_counts(game)
    n = game.n_players
    k = np.arange(n)
    # |S|! (n - |S| - 1)! / n! through log-gamma, exact enough in float for n up to a few hundred.
    coef = np.exp(np.array([lgamma(x + 1) for x in k]) + np.array([lgamma(n - x) for x in k]) - lgamma(n + 1))
    return counts @ coef


def banzhaf(game: VotingGame) -> np.ndarray:
    """Normalised Banzhaf index of every player: its share of all swings (sums to 1)."""
    swings = swing_counts(game).sum(axis=1)
    total = swings.sum()
    return swings / total if total > 0 else np.zeros_like(swings)


def swing_counts(game: VotingGame) -> np.ndarray:
    """``out[i, k]``: number of losing coalitions S of size k, without player i, that S + i turns winning.

    Exact: generating functions for one criterion, enumeration for several (see the module).
    The result is cached per game.
    """
    return _swing_counts(game).copy()


@lru_cache(maxsize=32)
def _swing_counts(game: VotingGame) -> np.ndarray:
    if len(game.weights) == 1 and game.winning_size is None:
        return _swings_generating_function(np.array(game.weights[0]), game.quotas[0])
    if game.n_players > MAX_ENUMERATION:
        raise ParameterError(
            f"{game.n_players} players are too many to enumerate a game with several criteria",
            where="VotingGame",
            fix=f"use at most {MAX_ENUMERATION} players, or a single-criterion game",
        )
    return _swings_enumeration(np.array(game.weights), np.array(game.quotas), game.winning_size)


def _swings_generating_function(w: np.ndarray, quota: float) -> np.ndarray:
    """Swings by coalition size for ``[quota; w]``: count coalitions by (size, total weight)."""
    if not np.allclose(w, np.round(w)):
        raise ParameterError(
            "exact power indices of a single-criterion game need integer weights",
            where="VotingGame.weights",
            fix="scale the weights to integers (for example votes, not vote shares)",
        )
    wi = np.round(w).astype(np.int64)
    n, total = len(wi), int(wi.sum())
    q = int(np.ceil(quota - 1e-9))
    # full[k, v]: coalitions of size k with weight v, over all players.
    full = np.zeros((n + 1, total + 1), dtype=np.float64)
    full[0, 0] = 1.0
    for x in wi:
        full[1:, x:] += full[:-1, : total + 1 - x].copy()
    out = np.zeros((n, n))
    for i, x in enumerate(wi):
        # Remove player i by deconvolution: without[k, v] = full[k, v] - without[k-1, v-x].
        without = full.copy()
        if x == 0:
            continue  # a null player (weight 0) never swings
        for v in range(x, total + 1):
            without[1:, v] -= without[:-1, v - x]
        lo, hi = max(q - x, 0), q  # S loses (weight < q) and S + i wins (weight >= q - x)
        out[i] = without[:n, lo:hi].sum(axis=1) if hi > lo else 0.0
    return np.rint(out)


def _swings_enumeration(w: np.ndarray, quotas: np.ndarray, winning_size: int | None = None) -> np.ndarray:
    """Swings by coalition size, enumerating all 2^n coalitions (bit i of a coalition = player i)."""
    n = w.shape[1]
    n_lo = n // 2
    n_hi = n - n_lo
    lo_idx = np.arange(1 << n_lo)
    hi_idx = np.arange(1 << n_hi)
    lo_bits = (lo_idx[:, None] >> np.arange(n_lo)) & 1
    hi_bits = (hi_idx[:, None] >> np.arange(n_hi)) & 1
    lo_sums = lo_bits @ w[:, :n_lo].T  # (2^n_lo, criteria)
    hi_sums = hi_bits @ w[:, n_lo:].T
    lo_size = lo_bits.sum(axis=1).astype(np.uint8)
    hi_size = hi_bits.sum(axis=1).astype(np.uint8)
    tol = 1e-9 * max(1.0, float(np.abs(quotas).max()))
    wins = np.empty(1 << n, dtype=bool)
    size = np.empty(1 << n, dtype=np.uint8)
    step = max(1, (1 << 22) >> n_lo)  # hi-values per chunk: about 4 million coalitions at a time
    for start in range(0, 1 << n_hi, step):
        stop = min(start + step, 1 << n_hi)
        ok = np.ones((stop - start, 1 << n_lo), dtype=bool)
        for k in range(w.shape[0]):
            ok &= hi_sums[start:stop, k, None] + lo_sums[None, :, k] >= quotas[k] - tol
        sizes = hi_size[start:stop, None] + lo_size[None, :]
        if winning_size is not None:
            ok |= sizes >= winning_size
        wins[start << n_lo : stop << n_lo] = ok.ravel()
        size[start << n_lo : stop << n_lo] = sizes.ravel()
    out = np.zeros((n, n))
    for i in range(n):
        view_w = wins.reshape(-1, 2, 1 << i)
        view_s = size.reshape(-1, 2, 1 << i)
        swing = view_w[:, 1, :] & ~view_w[:, 0, :]
        out[i] = np.bincount(view_s[:, 0, :][swing], minlength=n)[:n]
    return out
