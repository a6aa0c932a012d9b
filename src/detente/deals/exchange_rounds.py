"""Stokman and van Oosten's exchange model in rounds: the Equal Gain model as Decide runs it.

The specification is ``docs/exchange.md``; in short, each **round**:

1. The expected outcome of each issue is the capability x salience weighted mean of the actors'
   positions (the "MDS"): ``O_j = sum_i c_i s_ij x_ij / sum_i c_i s_ij``, over the actors with a
   stance on ``j``.
2. For every pair of issues ``(p, q)`` (in scenario order, ``p`` first), two actors with stances on
   both can exchange if they lie on opposite sides of the outcome on both issues (actor ``x < O`` is
   "left"). The one with the larger ratio ``s_p / s_q`` **demands** ``p`` and **supplies** ``q``
   (moves its vote on ``q`` toward the other's position); the other supplies ``p``.
3. Each exchange's two moves are set so that both actors gain the same (the *equal gain*
   condition, ``dq = dp (s_Ip + s_Jp) / (s_Iq + s_Jq)`` for outcome shifts ``dp``, ``dq``), as large
   as allowed: a supplier moves at most to its partner's position, and the shifted outcome on a
   supply issue may not pass the demander's position (as the demander sees that outcome: its
   round-start value plus the moves that partners already made toward it in this round).
4. The exchange with the largest gain is made; every remaining exchange that shares an actor's
   supply vote with it is recomputed from that actor's new voting position (a vote can be **re-used**
   within a round, but only further in the same direction, and an actor's moves on one exchange
   may add up to at most 100 points toward the right); exchanges that share a demand are recomputed
   with the partner's new vote; exchanges that can no longer move are dropped. This repeats until no
   exchange is left.
5. Every actor that supplied takes as its new position a weighted mix of its round-start position
   ``x`` and its final voting position ``y``: ``x' = x + (0.1 + 0.4 (1 - s)) (y - x)`` (s on 0-1).

Ties of gain go to the exchange listed first (in the list that each step sorts by gain, stably).
Decide breaks exact ties at random, so its runs differ from one another after the first tie;
detente's choice equals Decide's with its random tie-breaking switched off.

>>> from detente.scenarios import load_scenario
>>> r = exchange_rounds(load_scenario("decide-sample"), rounds=2)
>>> [round(x, 3) for x in r.rounds[0].mean[:2]]
[49.353, 27.246]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detente._types import ActorId, IssueId
from detente.errors import ParameterError
from detente.scenario import Scenario

__all__ = ["MAX_ROUNDS", "Round", "RoundExchange", "RoundsResult", "exchange_rounds"]

MAX_ROUNDS = 1000
"""Most rounds one call runs."""

SALIENCE_WEIGHT = 0.4
"""Weight of ``(1 - s)`` in the adoption of voting positions between rounds (Decide's default)."""

FIXED_WEIGHT = 0.1
"""Fixed part of the adoption weight between rounds (Decide's default)."""

_TINY = 1e-10  # smallest move or gain that counts (Decide's threshold)
_TIE = 1e-12  # gains this close (relative) are a tie: the exchange listed first is made
_EDGE = 1e-9  # tolerance of the 0-100 scale ends, for floating-point rounding


@dataclass(frozen=True)
class RoundExchange:
    """One exchange made in a round.

    ``actor_i`` demands ``issue_p`` and moves its vote on ``issue_q`` by ``move_i`` (to ``vote_i``);
    ``actor_j`` demands ``issue_q`` and moves its vote on ``issue_p`` by ``move_j`` (to ``vote_j``).
    ``start_i``/``start_j`` are the voting positions before the exchange (a re-used vote starts
    where an earlier exchange of the round left it). ``gain`` is each actor's gain (salience on 0-1
    x scale points). ``mds_q_before``/``mds_q_after`` (and ``_p_``) are the outcome on the supply
    issue as the demander sees it, before and after the move.
    """

    round: int
    step: int
    actor_i: ActorId
    actor_j: ActorId
    issue_p: IssueId
    issue_q: IssueId
    start_i: float
    start_j: float
    move_i: float
    move_j: float
    vote_i: float
    vote_j: float
    gain: float
    mds_q_before: float
    mds_q_after: float
    mds_p_before: float
    mds_p_after: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Round:
    """One round: outcomes and spreads before and after the exchanges, and the exchanges made.

    ``mean`` is each issue's weighted mean of the positions at the round's start (Decide's "avg
    MDS"); ``voting_mean`` the weighted mean of the voting positions after the round's exchanges
    ("avg voting MDS"); ``variance`` and ``voting_variance`` the unweighted mean squared distance of
    the positions (voting positions) from those means. ``externalities`` maps each actor to its
    summed gains and losses from exchanges it took no part in, split as Decide does (see
    docs/exchange.md), and its own gains.
    """

    number: int
    mean: tuple[float, ...]
    voting_mean: tuple[float, ...]
    variance: tuple[float, ...]
    voting_variance: tuple[float, ...]
    exchanges: tuple[RoundExchange, ...]
    externalities: dict[ActorId, dict[str, float]]

    def to_dict(self, issue_ids: tuple[IssueId, ...]) -> dict[str, Any]:
        """JSON-ready dict keyed by issue id."""

        def by_issue(values: tuple[float, ...]) -> dict[str, float]:
            return dict(zip(issue_ids, values, strict=True))

        return {
            "round": self.number,
            "mean": by_issue(self.mean),
            "voting_mean": by_issue(self.voting_mean),
            "variance": by_issue(self.variance),
            "voting_variance": by_issue(self.voting_variance),
            "exchanges": [e.to_dict() for e in self.exchanges],
            "externalities": self.externalities,
        }


@dataclass(frozen=True)
class RoundsResult:
    """All rounds, and the positions at the start and at the end (after the last adoption)."""

    actor_ids: tuple[ActorId, ...]
    issue_ids: tuple[IssueId, ...]
    rounds: tuple[Round, ...]
    positions_before: np.ndarray
    positions_after: np.ndarray
    outcomes_before: np.ndarray
    outcomes_after: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""

        def table(a: np.ndarray) -> dict[str, dict[str, float | None]]:
            return {
                actor: {
                    i: (None if np.isnan(v) else float(v)) for i, v in zip(self.issue_ids, row, strict=True)
                }
                for actor, row in zip(self.actor_ids, a, strict=True)
            }

        return {
            "model": "equal-gain",
            "outcomes_before": dict(zip(self.issue_ids, map(float, self.outcomes_before), strict=True)),
            "outcomes_after": dict(zip(self.issue_ids, map(float, self.outcomes_after), strict=True)),
            "positions_before": table(self.positions_before),
            "positions_after": table(self.positions_after),
            "rounds": [r.to_dict(self.issue_ids) for r in self.rounds],
        }


class _RoundState:
    """The candidate exchanges of one round as parallel arrays (one entry per exchange).

    Role ``I`` demands ``P`` and supplies ``Q``; role ``J`` demands ``Q`` and supplies ``P``. Each
    role keeps its current supply position, its latest tentative move and the moves it retained
    from earlier recalculations (sum, min, max) for the validity rules.
    """

    def __init__(self, X: np.ndarray, S: np.ndarray, W: np.ndarray, has: np.ndarray) -> None:
        self.X, self.S, self.W, self.has = X, S, W, has
        n, k = X.shape
        Xz = np.where(has, X, 0.0)
        self.D = W.sum(axis=0)
        self.base = (W * Xz).sum(axis=0)
        self.O = self.base / self.D
        left = X < self.O
        I_, J_, P_, Q_ = [], [], [], []
        for p in range(k):
            for q in range(p + 1, k):
                both = has[:, p] & has[:, q]
                group = np.where(both, left[:, p].astype(int) | (left[:, q].astype(int) * 2), -1)
                for ga, gb in ((0, 3), (1, 2)):
                    ii, jj = np.nonzero(group == ga)[0], np.nonzero(group == gb)[0]
                    if ii.size == 0 or jj.size == 0:
                        continue
                    a, b = np.repeat(ii, jj.size), np.tile(jj, ii.size)
                    # the actor that cares relatively more about p demands p (role I)
                    swap = S[a, p] * S[b, q] < S[b, p] * S[a, q]
                    I_.append(np.where(swap, b, a))
                    J_.append(np.where(swap, a, b))
                    P_.append(np.full(a.size, p))
                    Q_.append(np.full(a.size, q))
        cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=int)  # noqa: E731
        self.I, self.J, self.P, self.Q = cat(I_), cat(J_), cat(P_), cat(Q_)
        E = self.I.size
        self.xsI = X[self.I, self.Q].astype(float)
        self.xsJ = X[self.J, self.P].astype(float)
        self.dI = X[self.I, self.P]  # I's own position on P: where it wants the outcome on P
        self.dJ = X[self.J, self.Q]
        self.lastI = np.zeros(E)
        self.lastJ = np.zeros(E)
        self.retI = np.zeros((E, 3))  # sum, min, max of retained moves
        self.retJ = np.zeros((E, 3))
        self.retI[:, 1:] = self.retJ[:, 1:] = np.nan
        self.yI = np.zeros(E)
        self.yJ = np.zeros(E)
        self.gain = np.zeros(E)
        self.alive = np.ones(E, dtype=bool)
        self.UP = np.full((E, n), np.nan)  # partners' votes on P that I has seen move toward it
        self.UQ = np.full((E, n), np.nan)
        self.nbs = np.zeros((E, 4))  # outcome on Q before/after I's move, on P before/after J's
        self._calc(np.arange(E), np.zeros(E, dtype=bool), np.zeros(E, dtype=bool))

    # --- pieces --------------------------------------------------------------------------------

    @staticmethod
    def _retain(ret: np.ndarray, last: np.ndarray, which: np.ndarray) -> None:
        r = ret[which]
        r[:, 0] += last[which]
        r[:, 1] = np.fmin(r[:, 1], last[which])
        r[:, 2] = np.fmax(r[:, 2], last[which])
        ret[which] = r

    @staticmethod
    def _valid(xs: np.ndarray, m: np.ndarray, ret: np.ndarray) -> np.ndarray:
        lo = np.fmin(ret[:, 1], m)
        hi = np.fmax(ret[:, 2], m)
        return (
            (np.abs(m) <= 100.0)
            & (np.abs(m) > _TINY)
            & (xs + m >= -_EDGE)
            & (xs + m <= 100.0 + _EDGE)
            & (ret[:, 0] + m <= 100.0)
            & (((lo < 0) & (hi < 0)) | ((lo > 0) & (hi > 0)))
        )

    def _num(self, idx: np.ndarray, mover: np.ndarray, issue: np.ndarray, U: np.ndarray) -> np.ndarray:
        """Numerator of the outcome on ``issue`` with the seen updates ``U``, the mover left out."""
        Wc = self.W[:, issue].T  # (m, n)
        Xc = np.where(self.has[:, issue].T, self.X[:, issue].T, 0.0)
        seen = ~np.isnan(U[idx])
        seen[np.arange(idx.size), mover] = False
        shift = np.where(seen, Wc * (np.nan_to_num(U[idx]) - Xc), 0.0).sum(axis=1)
        return self.base[issue] + shift - Wc[np.arange(idx.size), mover] * Xc[np.arange(idx.size), mover]

    def _check(self, idx: np.ndarray, role_i: bool) -> None:
        """Cap a move whose outcome shift would pass the demander's position (as the demander sees it)."""
        if idx.size == 0:
            return
        if role_i:
            A, B, a, b, U = self.I[idx], self.J[idx], self.Q[idx], self.P[idx], self.UQ
            xs, y, target, xsB, dB = self.xsI[idx], self.yI[idx], self.dJ[idx], self.xsJ[idx], self.dI[idx]
        else:
            A, B, a, b, U = self.J[idx], self.I[idx], self.P[idx], self.Q[idx], self.UP
            xs, y, target, xsB, dB = self.xsJ[idx], self.yJ[idx], self.dI[idx], self.xsI[idx], self.dJ[idx]
        wA = self.W[A, a]
        num = self._num(idx, A, a, U)
        nbs0 = (num + wA * xs) / self.D[a]
        nbs1 = (num + wA * y) / self.D[a]
        at_target = np.abs(target - nbs0) <= _EDGE  # the outcome already stands at the demander's position
        fine = (((target >= nbs0) & (target >= nbs1)) | ((target <= nbs0) & (target <= nbs1))) & ~at_target
        over = ~fine
        col = 2 * (not role_i)
        self.nbs[idx, col] = nbs0
        self.nbs[idx, col + 1] = nbs1
        if not over.any():
            return
        k = idx[over]
        own = U[k, A[over]]
        start = np.where(np.isnan(own), xs[over], own)  # a seen vote of the mover itself counts here
        delta = np.abs((target[over] * self.D[a[over]] - num[over] - wA[over] * start) / wA[over])
        delta = np.where(at_target[over], 0.0, delta)
        shift_a = delta * wA[over] / self.D[a[over]]
        sA_a, sB_a = self.S[A[over], a[over]], self.S[B[over], a[over]]
        sA_b, sB_b = self.S[A[over], b[over]], self.S[B[over], b[over]]
        shift_b = shift_a * (sA_a + sB_a) / (sA_b + sB_b)
        mB = np.abs(shift_b * self.D[b[over]] / self.W[B[over], b[over]])
        mA = delta.copy()
        mB = np.where(xsB[over] > dB[over], -mB, mB)
        mA = np.where(xs[over] > target[over], -mA, mA)
        gain = np.abs(shift_a * sA_a - shift_b * sA_b)
        if role_i:
            self.lastI[k], self.lastJ[k] = mA, mB
            self.yI[k], self.yJ[k] = self.xsI[k] + mA, self.xsJ[k] + mB
        else:
            self.lastJ[k], self.lastI[k] = mA, mB
            self.yJ[k], self.yI[k] = self.xsJ[k] + mA, self.xsI[k] + mB
        self.gain[k] = gain
        self.nbs[k, col + 1] = (num[over] + wA[over] * (xs[over] + mA)) / self.D[a[over]]

    def _calc(self, idx: np.ndarray, reuse_i: np.ndarray, reuse_j: np.ndarray) -> None:
        """(Re)compute the equal-gain moves of the exchanges ``idx``; drop those that cannot move."""
        if idx.size == 0:
            return
        self._retain(self.retI, self.lastI, idx[reuse_i])
        self._retain(self.retJ, self.lastJ, idx[reuse_j])
        I, J, P, Q = self.I[idx], self.J[idx], self.P[idx], self.Q[idx]  # noqa: E741
        S, W, D = self.S, self.W, self.D
        xsI, xsJ, dI, dJ = self.xsI[idx], self.xsJ[idx], self.dI[idx], self.dJ[idx]
        sIP, sIQ, sJP, sJQ = S[I, P], S[I, Q], S[J, P], S[J, Q]
        ratio = (sIP + sJP) / (sIQ + sJQ)
        # J moves all the way to I's position on P ...
        mJ = np.abs(dI - xsJ)
        dp = mJ * W[J, P] / D[P]
        dq = dp * ratio
        mI = dq * D[Q] / W[I, Q]
        # ... unless I would then have to move past J's position on Q: then I moves all the way.
        room = np.abs(dJ - xsI)
        over = mI > room
        dq = np.where(over, room * W[I, Q] / D[Q], dq)
        dp = np.where(over, dq / ratio, dp)
        mI = np.where(over, room, mI)
        mJ = np.where(over, dp * D[P] / W[J, P], mJ)
        mI = np.where(xsI > dJ, -mI, mI)
        mJ = np.where(xsJ > dI, -mJ, mJ)
        self.lastI[idx], self.lastJ[idx] = mI, mJ
        self.yI[idx], self.yJ[idx] = xsI + mI, xsJ + mJ
        self.gain[idx] = np.abs(dq * sIQ - dp * sIP)
        ok = (
            self._valid(xsI, mI, self.retI[idx])
            & self._valid(xsJ, mJ, self.retJ[idx])
            & (self.gain[idx] >= _TINY)
        )
        live = idx[ok]
        self._check(live, role_i=True)
        self._check(live, role_i=False)
        ok[ok] = self._valid(self.xsI[live], self.lastI[live], self.retI[live]) & self._valid(
            self.xsJ[live], self.lastJ[live], self.retJ[live]
        )
        self.alive[idx] = ok

    @staticmethod
    def _update(U: np.ndarray, rows: np.ndarray, actor: int, value: float, start: float) -> None:
        """Record a partner's new vote; of an earlier and a new record, keep the one nearer its start."""
        old = U[rows, actor]
        keep = np.where(start <= old, old < value, old > value) & ~np.isnan(old)
        U[rows, actor] = np.where(keep, old, value)

    def realise(self, r: int) -> None:
        """Make exchange ``r`` and recompute the exchanges it affects."""
        self.alive[r] = False
        e = np.nonzero(self.alive)[0]
        I, J, P, Q = self.I[e], self.J[e], self.P[e], self.Q[e]  # noqa: E741
        rI, rJ, rP, rQ = self.I[r], self.J[r], self.P[r], self.Q[r]
        yI, yJ = self.yI[r], self.yJ[r]
        sup_i1 = (rI == I) & (rQ == Q)
        sup_i2 = (rJ == I) & (rP == Q)
        sup_j1 = (rI == J) & (rQ == P)
        sup_j2 = (rJ == J) & (rP == P)
        self.xsI[e[sup_i1]] = yI
        self.xsI[e[sup_i2]] = yJ
        self.xsJ[e[sup_j1]] = yI
        self.xsJ[e[sup_j2]] = yJ
        # rJ demanded rQ and rI moved on it: exchanges where rJ demands rQ record rI's new vote
        dem1 = ((rJ == J) & (rQ == Q)) | ((rJ == I) & (rQ == P))
        dem2 = ((rI == J) & (rP == Q)) | ((rI == I) & (rP == P))
        for dem, actor, issue, value in ((dem1, rI, rQ, yI), (dem2, rJ, rP, yJ)):
            start = float(self.X[actor, issue])
            on_q = dem & (issue == Q)
            on_p = dem & (issue == P)
            self._update(self.UQ, e[on_q], actor, value, start)
            self._update(self.UP, e[on_p], actor, value, start)
        reuse_i = sup_i1 | sup_i2
        reuse_j = sup_j1 | sup_j2
        hit = reuse_i | reuse_j | dem1 | dem2
        self._calc(e[hit], reuse_i[hit], reuse_j[hit])


def _spread(values: np.ndarray, has: np.ndarray, centre: np.ndarray) -> np.ndarray:
    n = has.sum(axis=0)
    return np.where(has, (np.nan_to_num(values) - centre) ** 2, 0.0).sum(axis=0) / np.maximum(n, 1)


def exchange_rounds(
    scenario: Scenario,
    *,
    rounds: int = 10,
    salience_weight: float = SALIENCE_WEIGHT,
    fixed_weight: float = FIXED_WEIGHT,
) -> RoundsResult:
    """Run the Equal Gain exchange model for ``rounds`` rounds (see the module docstring).

    Parameters
    ----------
    scenario
        Actors, issues and stances; needs no package and no status quo. Saliences are read on 0-1
        (detente's 0-100 divided by 100).
    rounds
        Number of rounds (Decide's "iterations"), 1 to :data:`MAX_ROUNDS`.
    salience_weight, fixed_weight
        The adoption weights between rounds: an actor that supplied moves its position to
        ``x + (fixed_weight + salience_weight (1 - s)) (y - x)``.

    Returns
    -------
    RoundsResult
        Per round the outcomes, spreads, exchanges and externalities; the final positions.
    """
    if not 1 <= rounds <= MAX_ROUNDS:
        raise ParameterError(
            f"rounds must be from 1 to {MAX_ROUNDS} (got {rounds})",
            where="exchange",
            fix=f"give --rounds from 1 to {MAX_ROUNDS}",
        )
    if not (0 <= fixed_weight <= 1 and 0 <= salience_weight <= 1 and fixed_weight + salience_weight <= 1):
        raise ParameterError(
            "the adoption weights must be from 0 to 1 and add up to at most 1",
            where="exchange",
            fix="use e.g. salience_weight=0.4, fixed_weight=0.1 (Decide's defaults)",
        )
    has = scenario.has_stance()
    X = np.where(has, scenario.positions(), np.nan)
    S = np.where(has, scenario.saliences() / 100.0, 0.0)
    W = scenario.capabilities()[:, None] * S
    if np.any(W.sum(axis=0) <= 0):
        j = int(np.argmax(W.sum(axis=0) <= 0))
        raise ParameterError(
            f"every actor on issue {scenario.issue_ids[j]!r} has zero capability x salience (no outcome)",
            where=f"issue {scenario.issue_ids[j]}",
            fix="give an actor with a stance on the issue a positive capability and salience",
        )
    X0 = X.copy()
    done: list[Round] = []
    ids_a, ids_i = scenario.actor_ids, scenario.issue_ids
    for number in range(1, rounds + 1):
        state = _RoundState(np.where(has, X, 0.0), S, W, has)
        order = np.arange(state.I.size)
        made: list[int] = []
        records = []
        first = True
        while order.size:
            order = order[np.argsort(-state.gain[order], kind="stable")]
            g = state.gain[order]
            near = np.nonzero(g >= g[0] - _TIE * max(abs(g[0]), 1.0))[0]
            at = int(near[np.argmin(order[near])])
            pick = int(order[at])
            order = np.delete(order, at)
            if not state.alive[pick]:
                continue
            records.append(
                (
                    pick,
                    state.xsI[pick],
                    state.xsJ[pick],
                    state.lastI[pick],
                    state.lastJ[pick],
                    *state.nbs[pick],
                )
            )
            state.realise(pick)
            made.append(pick)
            if first:
                first = False
            order = order[state.alive[order]]
        V = X.copy()
        newX = X.copy()
        exchanges = []
        ext = np.zeros((X.shape[0], 5))  # inner +, inner -, outer +, outer -, own
        for step, (r, xi, xj, mi, mj, q0, q1, p0, p1) in enumerate(records, start=1):
            a, b, p, q = int(state.I[r]), int(state.J[r]), int(state.P[r]), int(state.Q[r])
            yi, yj = state.yI[r], state.yJ[r]
            V[a, q], V[b, p] = yi, yj
            newX[a, q] = X[a, q] + (fixed_weight + salience_weight * (1 - S[a, q])) * (yi - X[a, q])
            newX[b, p] = X[b, p] + (fixed_weight + salience_weight * (1 - S[b, p])) * (yj - X[b, p])
            exchanges.append(
                RoundExchange(
                    round=number,
                    step=step,
                    actor_i=ids_a[a],
                    actor_j=ids_a[b],
                    issue_p=ids_i[p],
                    issue_q=ids_i[q],
                    start_i=float(xi),
                    start_j=float(xj),
                    move_i=float(mi),
                    move_j=float(mj),
                    vote_i=float(yi),
                    vote_j=float(yj),
                    gain=float(state.gain[r]),
                    mds_q_before=float(q0),
                    mds_q_after=float(q1),
                    mds_p_before=float(p0),
                    mds_p_after=float(p1),
                )
            )
            _externalities(ext, state, r, X, S, has, a, b, p, q, (p0, p1, q0, q1))
        Xz, Vz = np.where(has, X, 0.0), np.where(has, V, 0.0)
        mean = (W * Xz).sum(axis=0) / W.sum(axis=0)
        vmean = (W * Vz).sum(axis=0) / W.sum(axis=0)
        done.append(
            Round(
                number=number,
                mean=tuple(map(float, mean)),
                voting_mean=tuple(map(float, vmean)),
                variance=tuple(map(float, _spread(X, has, mean))),
                voting_variance=tuple(map(float, _spread(V, has, vmean))),
                exchanges=tuple(exchanges),
                externalities={
                    ids_a[k]: dict(
                        zip(
                            ("inner_positive", "inner_negative", "outer_positive", "outer_negative", "own"),
                            map(float, ext[k]),
                            strict=True,
                        )
                    )
                    for k in range(X.shape[0])
                },
            )
        )
        X = newX
    W_sum = W.sum(axis=0)
    return RoundsResult(
        actor_ids=ids_a,
        issue_ids=ids_i,
        rounds=tuple(done),
        positions_before=X0,
        positions_after=X,
        outcomes_before=(W * np.where(has, X0, 0.0)).sum(axis=0) / W_sum,
        outcomes_after=(W * np.where(has, X, 0.0)).sum(axis=0) / W_sum,
    )


def _externalities(
    ext: np.ndarray,
    state: _RoundState,
    r: int,
    X: np.ndarray,
    S: np.ndarray,
    has: np.ndarray,
    a: int,
    b: int,
    p: int,
    q: int,
    nbs: tuple[float, float, float, float],
) -> None:
    """Add exchange ``r``'s effects on every actor with stances on both its issues.

    An actor gains ``s_p (|O_p - x_p| - |O'_p - x_p|) + s_q (...)`` from the outcome shifts; the two
    exchanging actors book it as "own", an actor on the same side as one of them on both issues
    (the exchange's own pair of groups) as "inner", any other as "outer".
    """
    p0, p1, q0, q1 = nbs
    both = has[:, p] & has[:, q]
    xp, xq = np.nan_to_num(X[:, p]), np.nan_to_num(X[:, q])
    value = S[:, p] * (np.abs(p0 - xp) - np.abs(p1 - xp)) + S[:, q] * (np.abs(q0 - xq) - np.abs(q1 - xq))
    value = np.where(both, value, 0.0)
    left = X < state.O
    group = left[:, p].astype(int) | (left[:, q].astype(int) * 2)
    ga = group[a]
    inner = (group == ga) | (group == 3 - ga)
    own = np.zeros(X.shape[0], dtype=bool)
    own[[a, b]] = True
    ext[own, 4] += value[own]
    rest = both & ~own
    ext[rest & inner, 0] += np.where(value > 0, value, 0.0)[rest & inner]
    ext[rest & inner, 1] += np.where(value < 0, value, 0.0)[rest & inner]
    ext[rest & ~inner, 2] += np.where(value > 0, value, 0.0)[rest & ~inner]
    ext[rest & ~inner, 3] += np.where(value < 0, value, 0.0)[rest & ~inner]
