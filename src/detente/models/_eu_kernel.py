"""Arithmetic of the expected-utility model (Bueno de Mesquita as clarified by Scholz et al.).

Private to :mod:`detente.models.expected_utility`. Everything here works on one issue, on whatever
numeric scale the positions are given in: the model is affine-invariant (every distance is divided
by ``delta``, the range of the initial positions), so a run in years and a run on detente's 0-100
scale agree up to float rounding. Section numbers refer to ``specs/bdm-scholz.md``.

Summation order. Every sum over actors is taken in one of two orders (``Settings.summation``):

* ``"canonical"`` (the model's default): sequentially in a canonical actor order, by position, then
  weight, then salience. Actors equal in all three are interchangeable (the arithmetic sees nothing
  else), so every result is *bitwise* independent of the order in which actors are listed;
* ``"actor_order"``: sequentially in actor order, as the replication script of Scholz et al. does.
  This fixes the order of every floating-point operation and reproduces the reference log to the
  last digit: the normalising denominator of section 5b over (voter, position, position) in that
  nesting, the numerators over voters, threat levels over challengers, the weighted mean over actors.

Powers go through C's ``pow`` (:func:`math.pow`, as Python's ``**``), never numpy's vectorised
``power``, which some CPUs evaluate with a different (SIMD) routine; each formula is evaluated left to
right as written in the specification.

Ties between equally good offers (section 10 item 6 says "the first in file order") are resolved so
that the *position* an actor moves to never depends on actor order: when tied offers lead to the same
position the first sender in actor order is named (as in the reference); when they lead to different
positions the sender with the larger expected utility wins, then the lower position. Given
priorities (random ones in the Monte Carlo variant), ties go to the sender with the highest.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Literal

import numpy as np

__all__ = [
    "KINDS",
    "NO_OFFER",
    "REFERENCE_EXACT",
    "VOTER_BLOCK",
    "IssueRun",
    "Settings",
    "Step",
    "canonical_order",
    "expected_utility",
    "iterate_issue",
    "median_position",
    "probabilities",
    "risk_exponents",
    "run_issue",
    "sequential_sum",
    "step",
    "weighted_mean",
]

Normalisation = Literal["pair", "triple"]
Votes = Literal["risk", "linear"]
Perspective = Literal["own", "receiver"]
Choice = Literal["least_move", "strongest_sender", "scholz_key"]
Summation = Literal["canonical", "actor_order"]

KINDS: tuple[str, ...] = ("conflict", "compromise", "capitulation")
"""Offer kinds by code (0, 1, 2), in the order an actor prefers them (section 8)."""
NO_OFFER = 3
"""Code of "no offer" (stalemate, or the actor would not move) in :attr:`Step.kind`."""

_pow = np.frompyfunc(math.pow, 2, 1)

VOTER_BLOCK = 65_536
"""Votes (voters x positions x positions) :func:`probabilities` holds at once: small enough to stay
in cache, large enough that few actors need a single block."""

NUMBA_MIN_ACTORS = 150
"""From this many actors on, the vote sums and the powers run compiled (numba) when numba is
installed and :data:`USE_NUMBA` is true; below, importing numba costs more than it saves."""

USE_NUMBA = os.environ.get("DETENTE_NUMBA", "1") != "0"
"""Use the compiled kernels when numba is installed (``DETENTE_NUMBA=0`` turns them off)."""


def _compiled(n_actors: int) -> ModuleType | None:
    """The compiled kernels (:mod:`detente.models._eu_numba`) if they apply to ``n_actors``, else None."""
    if not USE_NUMBA or n_actors < NUMBA_MIN_ACTORS:
        return None
    try:
        from detente.models import _eu_numba
    except ImportError:  # numba not installed: the numpy kernels
        return None
    return _eu_numba


def power(base: np.ndarray, exponent: np.ndarray | float) -> np.ndarray:
    """``base ** exponent`` element-wise through C's ``pow``, identical on every CPU.

    Bases are clipped at 0 (they are 0 or more mathematically; the clip only guards rounding).
    """
    exponent = np.asarray(exponent, dtype=float)
    base = np.maximum(np.asarray(base, dtype=float), 0.0)
    if exponent.size and np.all(exponent == 1.0):
        return np.broadcast_to(base, np.broadcast_shapes(base.shape, exponent.shape)).copy()
    b, e = np.broadcast_arrays(base, exponent)
    compiled = _compiled(math.isqrt(b.size))  # an actors x actors table from NUMBA_MIN_ACTORS on
    if compiled is not None:
        flat = compiled.pow_array(np.ascontiguousarray(b).ravel(), np.ascontiguousarray(e).ravel())
        return flat.reshape(b.shape)
    return np.asarray(_pow(base, exponent), dtype=float)


def sequential_sum(values: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """``0 + v[0] + v[1] + ...`` along ``axis`` (all of it when None), left to right as a loop adds."""
    v = np.asarray(values, dtype=float)
    if axis is None:
        v, axis = v.ravel(), 0
    if v.shape[axis] == 0:
        return np.sum(v, axis=axis)
    return np.take(np.cumsum(v, axis=axis), -1, axis=axis)


def canonical_order(x: np.ndarray, w: np.ndarray, s: np.ndarray) -> np.ndarray:
    """A permutation of the actors by position, then weight, then salience.

    Summing in this order makes every sum independent of how the actors were listed: actors that
    tie on all three keys contribute identical terms, so swapping them changes nothing.
    """
    return np.lexsort((s, w, x))


# --- settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """The resolved options of one run (see :class:`~detente.models.expected_utility.ExpectedUtility`).

    The defaults are the reference mode of section 10, with order-free summation.
    """

    normalisation: Normalisation = "triple"
    votes: Votes = "risk"
    perspective: Perspective = "receiver"
    capitulation: bool = False
    choice: Choice = "scholz_key"
    q: float = 1.0
    summation: Summation = "canonical"


REFERENCE_EXACT = Settings(summation="actor_order")
"""Reference mode with the reference's summation order: reproduces the reference log digit for digit."""


# --- votes, median and mean (section 3) -------------------------------------------------------------


def weighted_mean(x: np.ndarray, w: np.ndarray) -> float:
    """``sum_i w_i x_i / sum_i w_i``, summed in the given actor order (the reference's mean position)."""
    return float(sequential_sum(w * x)) / float(sequential_sum(w))


def median_position(x: np.ndarray, w: np.ndarray) -> float:
    """The median voter position: the held position minimising ``W(y) = sum_i w_i |x_i - y|``.

    It is the Condorcet winner among held positions (section 3): a weighted median. If the minimum
    is attained at several held positions (the weight below one of them is exactly half the total),
    every point between them minimises ``W`` too, and the midpoint of the lowest and highest is
    returned, so the answer depends neither on actor order nor on the direction of the scale.
    Actors of weight 0 do not vote. ``w`` must have a positive sum.
    """
    keep = w > 0
    # actors holding the same position vote as one: the weight is summed per distinct position, so
    # 0, 10, 10, 20 (equal weights) gives 10, the unique minimiser of W, not a split between 10 and 20
    xs, inverse = np.unique(x[keep], return_inverse=True)
    ws = np.bincount(inverse.ravel(), weights=w[keep])
    cum = np.cumsum(ws)
    half = cum[-1] / 2.0
    tol = 1e-12 * cum[-1]
    k = int(np.searchsorted(cum, half - tol))  # first index with weight up to it >= half
    if abs(cum[k] - half) <= tol:
        above = xs[xs > xs[k]]
        if above.size:
            return float((xs[k] + above[0]) / 2.0)
    return float(xs[k])


# --- probability of success (section 5) ----------------------------------------------------------


def _distances(x: np.ndarray, r: np.ndarray, delta: float) -> np.ndarray:
    """``D[k, m] = (|x_k - x_m| / delta)^r_k``: voter k's (risk-weighted) distance to position m."""
    return power(np.abs(x[:, None] - x[None, :]) / delta, r[:, None])


def probabilities(
    x: np.ndarray,
    w: np.ndarray,
    r: np.ndarray,
    delta: float,
    normalisation: Normalisation,
    *,
    sequential: bool = True,
) -> np.ndarray:
    """``P[i, j]``: probability that i beats j in a contest, shape (n_actors, n_actors).

    Voter k's vote for a over b is ``w_k ((|x_k - b| / delta)^r_k - (|x_k - a| / delta)^r_k)``
    (pass ``r`` of ones for linear votes). ``"pair"`` divides i's positive votes by all absolute
    votes on the pair (section 5a); ``"triple"`` divides by all absolute votes of every voter on
    every ordered pair of actor positions (section 5b). P is 0 where ``x_i == x_j`` and where no
    voter distinguishes any positions; with ``"pair"``, a pair on which no voter distinguishes the
    two positions gets 0.5 each way. Sums run over voters in the given order; ``sequential`` adds
    the triple denominator strictly term by term, as the reference does (section 10), otherwise each
    voter's share is added pairwise (faster, and just as deterministic for a given actor order).
    """
    n = x.size
    dist = _distances(x, r, delta)
    compiled = _compiled(n)
    if compiled is not None:  # the same sums in the same order, fused (see _eu_numba)
        mode = 0 if normalisation == "pair" else (1 if sequential else 2)
        num, pair_den, den = compiled.vote_sums(
            np.ascontiguousarray(dist), np.ascontiguousarray(w, dtype=float), mode
        )
        return _shares(x, num, pair_den, den, normalisation)
    num = np.zeros((n, n))
    pair_den = np.zeros((n, n))
    den = 0.0
    # Voters in blocks of at most VOTER_BLOCK votes: block[k, i, j] is voter k's vote for x_i over
    # x_j. Sums over voters still run voter by voter in order (the running total is added to a
    # block's first voter, then the block is reduced over its voter axis, which numpy does
    # sequentially), so every result is the same to the last bit as adding one voter at a time;
    # memory is O(n^2) whatever the number of actors.
    step = max(1, VOTER_BLOCK // max(1, n * n))
    for start in range(0, n, step):
        d = dist[start : start + step]
        votes = w[start : start + step, None, None] * (d[:, None, :] - d[:, :, None])
        size = np.abs(votes)
        num = _add_voters(num if start else None, np.maximum(votes, 0.0, out=votes))
        if normalisation == "pair":
            pair_den = _add_voters(pair_den if start else None, size)
        elif sequential:  # strictly left to right over (voter, position, position)
            den = float(np.cumsum(np.concatenate(([den], size.ravel())))[-1])
        else:  # numpy's pairwise sum of each voter's votes, then voter by voter: as deterministic
            for k in range(size.shape[0]):
                den = den + float(np.add.reduce(size[k], axis=None))
    return _shares(x, num, pair_den, den, normalisation)


def _shares(
    x: np.ndarray, num: np.ndarray, pair_den: np.ndarray, den: float, normalisation: Normalisation
) -> np.ndarray:
    """P from the summed votes: numerators over the pair's or over all absolute votes (section 5)."""
    n = x.size
    same = x[:, None] == x[None, :]
    if normalisation == "pair":
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(pair_den > 0, num / np.where(pair_den > 0, pair_den, 1.0), 0.5)
    else:
        p = num / den if den > 0 else np.zeros((n, n))
    return np.where(same, 0.0, p)


def _add_voters(total: np.ndarray | None, block: np.ndarray) -> np.ndarray:
    """``total + block[0] + block[1] + ...`` element-wise, voter by voter in order (``block`` is reused).

    With ``total`` None the sum starts from ``block[0]`` itself, as a cumulative sum over all voters
    does.
    """
    if total is not None:
        block[0] += total
    if block[0].size >= 2:  # reducing the first axis of a C-ordered array is sequential in numpy
        return np.add.reduce(block, axis=0)
    return np.cumsum(block, axis=0)[-1]


# --- expected utilities (sections 4 and 6) -------------------------------------------------------


def expected_utility(
    p: np.ndarray,
    s_target: np.ndarray,
    d: np.ndarray,
    rho: np.ndarray,
    delta: float,
    q: float,
    d_mu: np.ndarray,
) -> np.ndarray:
    """E(i -> j) of eq. 25a, element-wise over broadcast arrays.

    Arguments: ``p`` = P(i beats j); ``s_target`` = s_j, 0-1; ``d`` = |x_i - x_j|; ``rho`` = the
    evaluating exponent; ``delta`` = the initial range; ``q`` = Q; ``d_mu`` = |x_i - mu| (only used
    when ``q < 1``).
    """
    rho = np.broadcast_to(np.asarray(rho, dtype=float), np.broadcast_shapes(np.shape(d), np.shape(rho)))
    return _combine(p, s_target, *_utilities(d, rho, delta), q, d, rho, delta, d_mu)


def _utilities(d: np.ndarray, rho: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Us, Uf and Usq of section 4 for distances ``d`` and exponents ``rho`` (same shape)."""
    us, uf = _gains(d, rho, delta)
    usq = 2 - 4 * power(np.full(np.shape(rho), 0.5), rho)
    return us, uf, usq


def _gains(d: np.ndarray, rho: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Us and Uf of section 4 (:func:`_utilities` without Usq, for callers that compute it per actor)."""
    us = 2 - 4 * power(0.5 - 0.5 * d / delta, rho)
    uf = 2 - 4 * power(0.5 + 0.5 * d / delta, rho)
    return us, uf


def _combine(
    p: np.ndarray,
    s_target: np.ndarray,
    us: np.ndarray,
    uf: np.ndarray,
    usq: np.ndarray,
    q: float,
    d: np.ndarray,
    rho: np.ndarray,
    delta: float,
    d_mu: np.ndarray,
) -> np.ndarray:
    """Eq. 25a from the utilities, evaluated left to right as the specification writes it."""
    e = s_target * (p * us + (1 - p) * uf) + (1 - s_target) * us - q * usq
    if q != 1.0:
        t = (d_mu < d).astype(float)
        ub = 2 - 4 * power(0.5 - 0.25 * (d_mu + d) / delta, rho)
        uw = 2 - 4 * power(0.5 + 0.25 * (d_mu + d) / delta, rho)
        e = e - (1 - q) * (t * ub + (1 - t) * uw)
    return np.asarray(e, dtype=float)


def eu_tables(
    x: np.ndarray, s: np.ndarray, p: np.ndarray, r: np.ndarray, delta: float, q: float, mu: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each actor's view of every pair, both with its own exponent r_i.

    Returns ``(eu_ij, eu_ji)``: ``eu_ij[i, j] = E^i(U_ij)``, i's expected utility of challenging j;
    ``eu_ji[i, j] = E^i(U_ji)``, j's expected utility of challenging i as i estimates it.
    Diagonals are 0. Both use the same distance and exponent, so the utilities are computed once.
    """
    d = np.abs(x[:, None] - x[None, :])
    d_mu = np.abs(x - mu)
    rho = np.broadcast_to(r[:, None], d.shape)
    us, uf = _gains(d, rho, delta)
    usq = np.broadcast_to((2 - 4 * power(np.full(r.shape, 0.5), r))[:, None], d.shape)
    eu_ij = _combine(p, s[None, :], us, uf, usq, q, d, rho, delta, d_mu[:, None])
    eu_ji = _combine(p.T, s[:, None], us, uf, usq, q, d, rho, delta, d_mu[None, :])
    np.fill_diagonal(eu_ij, 0.0)
    np.fill_diagonal(eu_ji, 0.0)
    return eu_ij, eu_ji


def risk_exponents(threat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Section 7, steps 3-4: ``(R, r)`` from the threat levels; ``R`` in [-1, 1], ``r`` in [0.5, 2].

    When all threat levels are equal (to 1e-12 of their size) every actor gets R = 0, r = 1.
    """
    hi, lo = float(threat.max()), float(threat.min())
    if hi - lo <= 1e-12 * max(1.0, abs(hi), abs(lo)):
        big_r = np.zeros_like(threat)
    else:
        big_r = np.clip((2 * threat - hi - lo) / (hi - lo), -1.0, 1.0)
    return big_r, (1 - big_r / 3) / (1 + big_r / 3)


# --- one round (sections 7-8 and 10) -------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One round: the threat levels and exponents, each actor's view, the offers, the new positions.

    Matrices are indexed ``[receiver a, sender b]``: ``u[a, b]`` is a's expected utility of
    challenging b; ``v[a, b]`` is b's expected utility of challenging a as the perspective rule
    evaluates it; ``p[a, b]`` is P(a beats b). ``kind[a, b]`` is the code of b's offer to a (0
    conflict a loses, 1 compromise, 2 capitulation; :data:`NO_OFFER` none) and ``offer[a, b]`` the
    position a would move to; ``chosen[a]`` is the sender whose offer a accepted, or -1.
    """

    start: np.ndarray
    positions: np.ndarray
    threat: np.ndarray
    big_r: np.ndarray
    r: np.ndarray
    u: np.ndarray
    v: np.ndarray
    p: np.ndarray
    kind: np.ndarray
    offer: np.ndarray
    chosen: np.ndarray
    mu: float


def step(
    x: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    delta: float,
    settings: Settings,
    priority: np.ndarray | None = None,
) -> Step:
    """Play one round from positions ``x``; all moves are applied simultaneously at the end.

    ``w`` = capability x salience, ``s`` = salience on 0-1. ``priority``, when given (one number per
    actor), breaks exact ties between equally good offers in favour of the sender with the highest
    priority (random priorities give random tie-breaking); otherwise as in the module docstring.
    """
    n = x.size
    q = settings.q
    mu = median_position(x, w) if q != 1.0 else float("nan")
    ones = np.ones(n)
    # Sums over actors run in the order of `perm` (see the module docstring); element-wise
    # arithmetic is the same in any order, so only P and the threat levels need the permutation.
    canonical = settings.summation == "canonical"
    perm = canonical_order(x, w, s) if canonical else np.arange(n)
    inv = np.argsort(perm)
    xp, wp = x[perm], w[perm]

    def probs(r: np.ndarray) -> np.ndarray:
        p = probabilities(xp, wp, r[perm], delta, settings.normalisation, sequential=not canonical)
        return p[np.ix_(inv, inv)]

    # Section 7: threat levels with every exponent 1 (evaluator and voters).
    p1 = probs(ones)
    _, eu_ji1 = eu_tables(x, s, p1, ones, delta, q, mu)
    threat = np.asarray(sequential_sum(eu_ji1[:, perm], 1))  # Th_i = sum_j E_i(j -> i); diagonal 0
    big_r, r = risk_exponents(threat)
    # Second pass with the new exponents.
    p = probs(r if settings.votes == "risk" else ones)
    eu_ij, eu_ji = eu_tables(x, s, p, r, delta, q, mu)
    u = eu_ij  # u[a, b]: receiver a's expected utility of challenging b (exponent r_a)
    v = eu_ji if settings.perspective == "receiver" else eu_ij.T  # v[a, b]: b's of challenging a
    kind, offer, chosen = _choose(x, u, v, settings, priority)
    new = x.copy()
    movers = chosen >= 0
    new[movers] = offer[movers, chosen[movers]]
    return Step(x.copy(), new, threat, big_r, r, u, v, p, kind, offer, chosen, mu)


def _choose(
    x: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    settings: Settings,
    priority: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Classify every offer (section 8 / section 10 item 5) and pick one per receiver (item 6)."""
    n = x.size
    xa, xb = x[:, None], x[None, :]
    differ = xa != xb
    conflict = differ & (u > 0) & (v > u)
    concede = differ & (v > 0) & (u < 0)
    compromise = concede & (v > np.abs(u))
    capitulation = concede & (np.abs(u) >= v) & settings.capitulation
    kind = np.full((n, n), NO_OFFER)
    kind[capitulation] = 2
    kind[compromise] = 1
    kind[conflict] = 0
    with np.errstate(invalid="ignore", divide="ignore"):
        part = xa + (xb - xa) * np.abs(u / v)
    part = np.clip(part, np.minimum(xa, xb), np.maximum(xa, xb))  # inside [x_a, x_b]; guards rounding
    offer = np.where(kind == 1, part, np.broadcast_to(xb, (n, n)))
    offer = np.where(kind == NO_OFFER, xa, offer)
    # Only offers of the best kind each receiver has are in the pool.
    best = kind.min(axis=1)
    pool = (kind == best[:, None]) & (best[:, None] < NO_OFFER)
    move = np.abs(offer - xa)
    if settings.choice == "strongest_sender":
        key = -v
    elif settings.choice == "scholz_key":
        with np.errstate(invalid="ignore", divide="ignore"):
            weighted = (np.abs(u) * xa + np.abs(v) * xb) / (np.abs(u) + np.abs(v))
        key = np.where(kind == 1, weighted, move)
    else:
        key = move
    key = np.where(pool, key, np.inf)
    tied = pool & (key == key.min(axis=1, keepdims=True))
    if priority is not None:
        chosen = np.argmax(np.where(tied, priority[None, :], -np.inf), axis=1)
    else:
        lo = np.where(tied, offer, np.inf).min(axis=1, keepdims=True)
        hi = np.where(tied, offer, -np.inf).max(axis=1, keepdims=True)
        strongest = tied & (v == np.where(tied, v, -np.inf).max(axis=1, keepdims=True))
        lowest = strongest & (offer == np.where(strongest, offer, np.inf).min(axis=1, keepdims=True))
        chosen = np.where((lo == hi)[:, 0], np.argmax(tied, axis=1), np.argmax(lowest, axis=1))
    chosen = np.where(best < NO_OFFER, chosen, -1)
    return kind, offer, chosen


# --- a whole run ---------------------------------------------------------------------------------


@dataclass
class IssueRun:
    """A run on one issue: positions per round (round 0 = input), the steps, medians and means."""

    positions: list[np.ndarray]
    steps: list[Step] = field(default_factory=list)
    medians: list[float] = field(default_factory=list)
    means: list[float] = field(default_factory=list)
    converged: bool = False
    degenerate: str | None = None


def iterate_issue(
    x0: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    settings: Settings,
    *,
    rounds: int,
    tolerance: float | None = None,
    ties: Callable[[], np.ndarray] | None = None,
) -> Iterator[tuple[IssueRun, Step | None]]:
    """Play up to ``rounds`` rounds on one issue, yielding ``(run, step)`` after round 0 and each round.

    ``w`` = capability x salience (some weight must be positive), ``s`` = salience on 0-1. The run
    stops early, marked converged, when no actor moves more than ``tolerance`` in a round. When all
    actors start at one position nothing can move: the run has round 0 only and is converged.
    ``ties``, when given, is called once per round for the tie-breaking priorities of :func:`step`.
    """
    x = np.asarray(x0, dtype=float).copy()
    canonical = settings.summation == "canonical"

    def mean(x: np.ndarray) -> float:
        order = canonical_order(x, w, s) if canonical else slice(None)
        return weighted_mean(x[order], w[order])

    run = IssueRun(positions=[x.copy()], medians=[median_position(x, w)], means=[mean(x)])
    delta = float(x.max() - x.min())
    if delta == 0.0:
        run.converged = True
        run.degenerate = "all actors share one position" if x.size > 1 else "a single actor"
    yield run, None
    if run.degenerate:
        return
    for _ in range(rounds):
        st = step(x, w, s, delta, settings, None if ties is None else ties())
        moved = float(np.max(np.abs(st.positions - x)))
        x = st.positions
        run.steps.append(st)
        run.positions.append(x.copy())
        run.medians.append(median_position(x, w))
        run.means.append(mean(x))
        if tolerance is not None and moved <= tolerance:
            run.converged = True
        yield run, st
        if run.converged:
            return


def run_issue(
    x0: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    settings: Settings,
    *,
    rounds: int,
    tolerance: float | None = None,
    ties: Callable[[], np.ndarray] | None = None,
) -> IssueRun:
    """Play a whole run on one issue (see :func:`iterate_issue`) and return it."""
    runs = iterate_issue(x0, w, s, settings, rounds=rounds, tolerance=tolerance, ties=ties)
    for run, _ in runs:  # noqa: B007 - the last state is the result
        pass
    return run
