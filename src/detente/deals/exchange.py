"""Stokman's vote-exchange model: pairs of actors trade support across issues they care about unequally.

The expected outcome of each issue is the capability x salience weighted mean of the actors' *voting
positions* (the compromise model; Stokman and van Oosten 1994):

    O_j = sum_i c_i s_ij v_ij / sum_i c_i s_ij.

Actors value outcomes by their original positions ``p`` (their interests), linearly and weighted by
salience (on a 0-1 scale): moving ``O_j`` by ``delta`` toward ``p_ij`` is worth ``s_ij * delta``.

An **exchange** between actors ``a`` and ``b`` on issues ``j`` and ``l`` is possible when

* on both issues their positions lie on opposite sides of the current outcome, and
* ``a`` cares relatively more about ``j`` and ``b`` about ``l``: ``s_aj s_bl > s_al s_bj``.

and neither vote to be moved has been traded before. Then ``b`` moves its vote on ``j`` toward
``p_aj`` and ``a`` moves its vote on ``l`` toward ``p_bl``; both votes are then committed (in this
implementation each actor's vote on an issue is traded at most once, so an actor never undoes a
concession it was paid for, and the process ends after at most ``n_actors * n_issues / 2`` exchanges).
A move of ``D`` shifts the outcome by ``c s D / sum c s``. Each gains on its own issue what it loses on
the other; the shifts are set so that the two net gains are **equal** (``delta_l = delta_j (s_aj +
s_bj) / (s_al + s_bl)``), giving both

    G = delta_j (s_aj s_bl - s_al s_bj) / (s_al + s_bl),

and as large as the limits allow: a mover goes at most to its partner's position, and an outcome
moves at most to the beneficiary's position (so gains stay linear).

The model is **iterated**: at each step every possible exchange between every pair of actors and
every ordered pair of issues is evaluated at once (vectorised over actor pairs and issue pairs), the
one with the largest gain is made (ties go to the first in actor and issue order), outcomes are
recomputed, and this repeats until no exchange gains more than ``min_gain`` or ``max_exchanges`` are
made. Every exchange is listed.

>>> from detente.scenario import Actor, Issue, Scenario, Stance
>>> s = Scenario(name="t",
...              actors=[Actor(id="A", name="A", capability=1), Actor(id="B", name="B", capability=1)],
...              issues=[Issue(id="x", name="X"), Issue(id="y", name="Y")],
...              stances=[Stance(actor="A", issue="x", position=0, salience=80),
...                       Stance(actor="A", issue="y", position=0, salience=20),
...                       Stance(actor="B", issue="x", position=100, salience=20),
...                       Stance(actor="B", issue="y", position=100, salience=80)])
>>> r = exchange(s)
>>> [(e.actor_a, e.actor_b, e.issue_a, e.issue_b, round(e.gain, 6)) for e in r.exchanges]
[('A', 'B', 'x', 'y', 12.0)]
>>> r.outcomes_after.tolist()
[0.0, 100.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detente._types import ActorId, IssueId
from detente.errors import ParameterError
from detente.scenario import Scenario

__all__ = ["Exchange", "ExchangeResult", "exchange"]


@dataclass(frozen=True)
class Exchange:
    """One exchange: ``actor_b`` moves on ``issue_a`` toward ``actor_a``, who moves on ``issue_b``.

    ``move_a`` is ``actor_a``'s change of voting position on ``issue_b`` and ``move_b``
    ``actor_b``'s on ``issue_a`` (signed, in scale points); ``shift_a`` and ``shift_b`` are the
    resulting changes of the outcomes on ``issue_a`` and ``issue_b``. ``gain`` is each actor's net
    gain (salience x points, saliences on 0-1). ``outcomes`` holds every issue's outcome afterwards.
    """

    step: int
    actor_a: ActorId
    actor_b: ActorId
    issue_a: IssueId
    issue_b: IssueId
    move_a: float
    move_b: float
    shift_a: float
    shift_b: float
    gain: float
    outcomes: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class ExchangeResult:
    """The exchanges made, in order, and the voting positions and outcomes before and after.

    ``status`` is ``"converged"`` (no profitable exchange is left) or ``"max_exchanges"``.
    """

    actor_ids: tuple[ActorId, ...]
    issue_ids: tuple[IssueId, ...]
    positions_before: np.ndarray
    positions_after: np.ndarray
    outcomes_before: np.ndarray
    outcomes_after: np.ndarray
    exchanges: tuple[Exchange, ...]
    status: str
    actor_gains: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict keyed by actor and issue ids."""

        def table(a: np.ndarray) -> dict[str, dict[str, float]]:
            return {
                actor: dict(zip(self.issue_ids, map(float, row), strict=True))
                for actor, row in zip(self.actor_ids, a, strict=True)
            }

        return {
            "status": self.status,
            "outcomes_before": dict(zip(self.issue_ids, map(float, self.outcomes_before), strict=True)),
            "outcomes_after": dict(zip(self.issue_ids, map(float, self.outcomes_after), strict=True)),
            "actor_gains": dict(zip(self.actor_ids, map(float, self.actor_gains), strict=True)),
            "positions_before": table(self.positions_before),
            "positions_after": table(self.positions_after),
            "exchanges": [e.to_dict() for e in self.exchanges],
        }


def _candidates(
    P: np.ndarray,
    V: np.ndarray,
    S: np.ndarray,
    W: np.ndarray,
    out: np.ndarray,
    WT: np.ndarray,
    has: np.ndarray,
    free: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gain, outcome shift on j and on l of every exchange (a, b, j, l); arrays (n, n, k, k)."""
    side = np.where(has, np.sign(P - out), 0.0)  # (n, k): the side of the outcome each interest lies on
    opposite = (side[:, None, :] * side[None, :, :]) < 0  # (a, b, j)
    # b moves on j toward p_aj: room left for b's vote, and for the outcome before it reaches p_aj.
    room_b = np.maximum((P[:, None, :] - V[None, :, :]) * side[:, None, :], 0.0)  # (a, b, j)
    djmax = np.minimum(W[None, :, :] * room_b / WT, np.abs(P - out)[:, None, :])  # (a, b, j)
    # a moves on l toward p_bl: by symmetry, the same array with the roles of a and b swapped.
    dlmax = np.swapaxes(djmax, 0, 1)  # (a, b, l): a's room toward p_bl, outcome room to p_bl
    s_aj = S[:, None, :, None]
    s_al = S[:, None, None, :]
    s_bj = S[None, :, :, None]
    s_bl = S[None, :, None, :]
    den = np.broadcast_to(s_al + s_bl, (*djmax.shape, P.shape[1]))
    num = np.broadcast_to(s_aj + s_bj, den.shape)
    usable = (den > 1e-12) & (num > 1e-12)
    r = np.divide(num, den, out=np.zeros(den.shape), where=usable)
    limit_l = np.divide(dlmax[:, :, None, :], r, out=np.zeros(den.shape), where=usable)
    dj = np.where(usable, np.minimum(djmax[:, :, :, None], np.where(r > 0, limit_l, np.inf)), 0.0)
    dl = r * dj
    gain = s_aj * dj - s_al * dl
    ok = (
        opposite[:, :, :, None]
        & opposite[:, :, None, :]
        & (s_aj * s_bl > s_al * s_bj)
        & free[None, :, :, None]  # b's vote on j not yet traded
        & free[:, None, None, :]  # a's vote on l not yet traded
        & ~np.eye(P.shape[0], dtype=bool)[:, :, None, None]
        & ~np.eye(P.shape[1], dtype=bool)[None, None, :, :]
    )
    return np.where(ok, gain, 0.0), dj, dl


def exchange(scenario: Scenario, *, max_exchanges: int = 1000, min_gain: float = 1e-9) -> ExchangeResult:
    """Run Stokman's exchange model on ``scenario`` until no exchange gains more than ``min_gain``."""
    if max_exchanges < 0 or not np.isfinite(min_gain) or min_gain < 0:
        raise ParameterError(
            "max_exchanges and min_gain must be non-negative",
            where="exchange",
            fix="use max_exchanges >= 0 and a small non-negative min_gain",
        )
    has = scenario.has_stance()
    P = np.where(has, np.nan_to_num(scenario.positions()), 0.0)
    S = scenario.saliences() / 100.0
    c = scenario.capabilities()
    W = c[:, None] * S
    WT = W.sum(axis=0)
    if np.any(WT <= 0):
        j = int(np.argmax(WT <= 0))
        raise ParameterError(
            f"every actor on issue {scenario.issue_ids[j]!r} has zero capability x salience (no outcome)",
            where=f"issue {scenario.issue_ids[j]}",
            fix="give an actor with a stance on the issue a positive capability and salience",
        )
    V = P.copy()
    out0 = (W * V).sum(axis=0) / WT
    out = out0.copy()
    traded = np.zeros(P.shape, dtype=bool)
    done: list[Exchange] = []
    status = "converged"
    while True:
        gain, dj, dl = _candidates(P, V, S, W, out, WT, has, ~traded)
        flat = int(np.argmax(gain))
        if gain.flat[flat] <= min_gain:
            break
        if len(done) >= max_exchanges:
            status = "max_exchanges"
            break
        a, b, j, l_ = np.unravel_index(flat, gain.shape)
        shift_j = float(dj[a, b, j, l_]) * np.sign(P[a, j] - out[j])
        shift_l = float(dl[a, b, j, l_]) * np.sign(P[b, l_] - out[l_])
        move_b = shift_j * WT[j] / W[b, j]
        move_a = shift_l * WT[l_] / W[a, l_]
        V[b, j] = np.clip(V[b, j] + move_b, 0.0, 100.0)
        V[a, l_] = np.clip(V[a, l_] + move_a, 0.0, 100.0)
        traded[b, j] = traded[a, l_] = True
        out = (W * V).sum(axis=0) / WT
        done.append(
            Exchange(
                step=len(done) + 1,
                actor_a=scenario.actor_ids[a],
                actor_b=scenario.actor_ids[b],
                issue_a=scenario.issue_ids[j],
                issue_b=scenario.issue_ids[l_],
                move_a=float(move_a),
                move_b=float(move_b),
                shift_a=float(shift_j),
                shift_b=float(shift_l),
                gain=float(gain[a, b, j, l_]),
                outcomes=tuple(float(v) for v in out),
            )
        )
    gains = (S * (np.abs(P - out0) - np.abs(P - out))).sum(axis=1)
    return ExchangeResult(
        actor_ids=scenario.actor_ids,
        issue_ids=scenario.issue_ids,
        positions_before=P,
        positions_after=V,
        outcomes_before=out0,
        outcomes_after=out,
        exchanges=tuple(done),
        status=status,
        actor_gains=gains,
    )
