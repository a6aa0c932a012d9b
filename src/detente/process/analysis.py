"""Analytic checks of a road map: self-enforcement, the commitment problem, inspections, stability.

These are the closed-form conditions of the process-models spec (section 3), evaluated on a road map
under one policy (:class:`~detente.process.setup.Setup`):

* **self-enforcement** of each actor's step k (3.1): ``c_ik <= delta_k (V_i^(k+1) - W_i^k)``;
* the **commitment problem** of each power-shifting step (3.3): the disarming side prefers war now
  iff ``delta (p - p') > (1 - delta)(1 - p) + (1 - delta)^2 c + delta (1 - delta) G``, where G is the
  guarantor penalty the counterpart faces for exploiting the shift;
* **inspection-game deterrence** of each inspected step (3.4): ``r (1 - beta)(g + L) >= g``;
* **Richardson stability** of the tension model (3.5): ``m n > a b`` and the Euler condition;
* the **smallest workable schedule**: the fewest action-for-action steps (and their sizes) that pass
  all of the above.

>>> prefers_war(p=0.3, p_next=0.25, delta=0.98, war_cost=10)
True
>>> prefers_war(p=0.3, p_next=0.29, delta=0.98, war_cost=10)
False
>>> inspection_threshold(gain=1, loss=3, detection=0.5)
0.5
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.process.setup import Setup

__all__ = [
    "Schedule",
    "check_roadmap",
    "commitment_checks",
    "inspection_checks",
    "inspection_deters",
    "inspection_threshold",
    "most_counterpart_can_offer",
    "prefers_war",
    "richardson_check",
    "self_enforcement_checks",
    "smallest_schedule",
    "war_value_now",
]


# --- closed forms -----------------------------------------------------------------------------------


def war_value_now(p: float, delta: float, war_cost: float) -> float:
    """The disarming side's value of fighting now: ``p / (1 - delta) - war_cost``."""
    return p / (1 - delta) - war_cost


def most_counterpart_can_offer(p_next: float, delta: float, war_cost: float, guarantee: float = 0.0) -> float:
    """The most the counterpart can credibly give now.

    That is the whole current flow plus the discounted post-shift war value, raised by the guarantor
    penalty ``guarantee`` it would face for reneging.
    """
    return 1.0 + delta * (p_next / (1 - delta) - war_cost + guarantee)


def prefers_war(p: float, p_next: float, delta: float, war_cost: float, guarantee: float = 0.0) -> bool:
    """Commitment problem: True when the side whose power falls from ``p`` to ``p_next`` prefers war now.

    Closed form: ``delta (p - p') > (1 - delta)(1 - p) + (1 - delta)^2 c + delta (1 - delta) G``.
    """
    lhs = delta * (p - p_next)
    rhs = (1 - delta) * (1 - p) + (1 - delta) ** 2 * war_cost + delta * (1 - delta) * guarantee
    return bool(lhs > rhs)


def largest_safe_shift(p: float, delta: float, war_cost: float, guarantee: float = 0.0) -> float:
    """The largest power shift from ``p`` that leaves no incentive for war now."""
    return ((1 - delta) * (1 - p) + (1 - delta) ** 2 * war_cost + delta * (1 - delta) * guarantee) / delta


def inspection_deters(gain: float, loss: float, rate: float, detection: float) -> bool:
    """Inspection game: a breach worth ``gain`` and punished by ``loss`` is deterred iff r d (g + L) >= g."""
    return bool(rate * detection * (gain + loss) >= gain)


def inspection_threshold(gain: float, loss: float, detection: float) -> float:
    """The smallest inspection rate that deters: ``r* = g / (d (g + L))`` (may exceed 1)."""
    if gain <= 0:
        return 0.0
    return gain / (detection * (gain + loss)) if detection > 0 else float("inf")


# --- checks on a road map ---------------------------------------------------------------------------


def self_enforcement_checks(setup: Setup) -> list[dict[str, Any]]:
    """One row per (phase, actor with a move): cost, delta_k, V, W, margin and whether it holds.

    V counts only what can follow: beyond the first phase that is not viable (a step not
    self-enforcing at full belief, or ruled out by the commitment problem) nothing is counted on,
    exactly as in the simulation. ``blocked`` marks steps the commitment problem rules out; they
    never hold.
    """
    rows = []
    for k in range(setup.n_phases):
        for i in np.flatnonzero(setup.active[k]):
            c = float(setup.cost[k, i])
            d = float(setup.step_discount[k])
            v, w = float(setup.future[k, i]), float(setup.fallback[k, i])
            rhs = d * (v - w)
            blocked = bool(setup.blocked[k, i])
            rows.append(
                {
                    "phase": setup.phases[k],
                    "actor": setup.actors[i],
                    "moves": ", ".join(setup.moves_of[k][i]),
                    "cost": c,
                    "domestic_cost": float(setup.domestic[k, i]),
                    "discount": d,
                    "V_next": v,
                    "relief_value": float(setup.relief_value[k, i]),
                    "W_renege": w,
                    "margin": rhs - c,
                    "blocked": blocked,
                    "holds": bool(c <= rhs + 1e-12) and not blocked,
                }
            )
    return rows


def commitment_checks(setup: Setup) -> list[dict[str, Any]]:
    """One row per power-shifting step of the disarming actor: p, p', the bound, war or not."""
    cm = setup.process.commitment
    if cm is None:
        return []
    a, b = setup.actors.index(cm.actor), setup.actors.index(cm.counterpart)
    delta = setup.process.discount.value
    p = cm.power
    rows = []
    for k in range(setup.n_phases):
        shift = float(setup.power_shift[k, a])
        if shift <= 0:
            continue
        p_next = max(0.0, p - shift)
        guarantee = float(setup.penalty[k, b])
        war = prefers_war(p, p_next, delta, cm.war_cost, guarantee)
        rows.append(
            {
                "phase": setup.phases[k],
                "actor": cm.actor,
                "power_before": p,
                "power_after": p_next,
                "guarantee": guarantee,
                "largest_safe_shift": largest_safe_shift(p, delta, cm.war_cost, guarantee),
                "war_now": war_value_now(p, delta, cm.war_cost),
                "best_offer": most_counterpart_can_offer(p_next, delta, cm.war_cost, guarantee),
                "holds": not war,
            }
        )
        p = p_next
    return rows


def inspection_checks(setup: Setup) -> list[dict[str, Any]]:
    """One row per (phase, actor) with an inspected move: gain g, loss L, r, r* and whether it deters.

    g is the step's cost (what cheating saves); L is the expected guarantor penalty plus the discounted
    value of the rest of the road map, which a detected breach forfeits.
    """
    v = setup.process.verification
    rows = []
    for k in range(setup.n_phases):
        for i in np.flatnonzero(setup.active[k] & (setup.detect[k] < 1.0)):
            g = float(setup.cost[k, i])
            loss = float(setup.penalty[k, i] + setup.step_discount[k] * max(0.0, setup.future[k, i]))
            rows.append(
                {
                    "phase": setup.phases[k],
                    "actor": setup.actors[i],
                    "gain": g,
                    "loss": loss,
                    "inspection_rate": v.inspection_rate,
                    "detection": v.detection,
                    "needed_rate": inspection_threshold(g, loss, v.detection),
                    "holds": inspection_deters(g, loss, v.inspection_rate, v.detection),
                }
            )
    return rows


def richardson_check(setup: Setup) -> dict[str, Any]:
    """Stability (m n > a b, Euler step 1) and equilibrium tension with and without the shocks."""
    tn = setup.process.tension
    a = b = tn.reaction
    m = n = tn.restraint
    jac = np.array([[-m, a], [b, -n]])
    eig = np.linalg.eigvals(jac)
    det = m * n - a * b
    impulse = np.full(2, tn.grievance + a * setup.perception.hostility_bias)
    for j, actor in enumerate(setup.shock_actor):
        s = setup.side[actor]
        if s >= 0:
            impulse[s] += setup.shock_rate[j] * setup.shock_size[j]

    def equilibrium(g: np.ndarray) -> list[float]:
        x = (a * g[1] + n * g[0]) / det
        y = (b * g[0] + m * g[1]) / det
        return [float(x), float(y)]

    calm = np.full(2, tn.grievance + a * setup.perception.hostility_bias - tn.goodwill)
    with_shocks = equilibrium(impulse) if det > 0 else [float("inf")] * 2
    frozen = equilibrium(calm) if det > 0 else [float("inf")] * 2
    return {
        "stable": bool(det > 0),
        "euler_stable": bool(np.all(np.abs(1 + eig) < 1)),
        "mn_minus_ab": float(det),
        "equilibrium_with_shocks": with_shocks,
        "index_with_shocks": float(np.mean(np.maximum(with_shocks, 0))),
        "equilibrium_frozen_complying": [max(0.0, x) for x in frozen],
        "index_frozen_complying": float(np.mean(np.maximum(frozen, 0))),
        "threshold": tn.threshold,
    }


@dataclass(frozen=True)
class Schedule:
    """The fewest action-for-action steps that pass every condition, with their sizes.

    ``fractions``: each step's share of the whole trade (every move scaled alike). ``grid``: steps are
    multiples of ``1 / grid``. ``steps`` is ``None`` when no schedule on this grid works.
    """

    steps: int | None
    fractions: tuple[float, ...]
    grid: int
    step_rounds: int
    rows: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    reason: str = ""


def smallest_schedule(setup: Setup, *, grid: int = 20, step_rounds: int | None = None) -> Schedule:
    """Search for the fewest steps in which the disarming actor and its counterpart can trade.

    The whole road map is pooled into one trade between the ``commitment`` actor A (its total cost,
    power shift and payoffs received) and everyone else, and cut into steps that are multiples of
    ``1/grid`` of it; every step takes ``step_rounds`` rounds (default: the mean phase length). A
    dynamic programme over (share done, steps left) keeps, for each state, the Pareto set of both
    sides' continuation values and returns the smallest number of steps for which some schedule
    passes self-enforcement for both sides at every step and the commitment test for A.
    """
    cm = setup.process.commitment
    if cm is None:
        return Schedule(None, (), grid, 0, reason="the road map has no commitment block")
    a = setup.actors.index(cm.actor)
    others = np.arange(setup.n_actors) != a
    delta = setup.process.discount.value
    s = int(step_rounds or max(1, round(float(setup.sustain.mean()))))
    ds = delta**s
    cA, bA, S = setup.cost[:, a].sum(), setup.benefit[:, a].sum(), setup.power_shift[:, a].sum()
    cB, bB = setup.cost[:, others].sum(), setup.benefit[:, others].sum()
    fA, fB = setup.completion[a], setup.completion[others].sum()
    dA = float(setup.detect[:, a].min())
    penA, penB = float(setup.penalty[-1, a]), float(setup.penalty[-1, others].sum())
    guarantee = float(setup.penalty[-1, setup.actors.index(cm.counterpart)])

    def step_ok(u: int, f: int, uA: float, uB: float) -> tuple[bool, float, float]:
        x = f / grid
        okA = cA * x <= ds * (bA * x + uA - ((1 - dA) * bA * x - dA * penA)) + 1e-12
        okB = cB * x <= ds * (bB * x + uB + penB) + 1e-12
        p = cm.power - S * u / grid
        okC = not prefers_war(p, p - S * x, delta, cm.war_cost, guarantee)
        return okA and okB and okC, -cA * x + ds * (bA * x + uA), -cB * x + ds * (bB * x + uB)

    # fronts[u]: list of (UA, UB, schedule) from state u with the current number of steps left
    fronts: list[list[tuple[float, float, tuple[int, ...]]]] = [[] for _ in range(grid + 1)]
    fronts[grid] = [(float(fA), float(fB), ())]
    for m in range(1, grid + 1):
        new: list[list[tuple[float, float, tuple[int, ...]]]] = [[] for _ in range(grid + 1)]
        for u in range(grid):
            cands = []
            for f in range(1, grid - u + 1):
                for uA, uB, sch in fronts[u + f]:
                    ok, vA, vB = step_ok(u, f, uA, uB)
                    if ok:
                        cands.append((vA, vB, (f, *sch)))
            new[u] = _pareto(cands)
        fronts = new
        if fronts[0]:
            best = max(fronts[0], key=lambda t: min(t[0], t[1]))
            fractions = tuple(f / grid for f in best[2])
            rows = []
            done = 0.0
            for j, x in enumerate(fractions):
                rows.append(
                    {
                        "step": j + 1,
                        "share": x,
                        "cost_to_" + cm.actor: float(cA * x),
                        "power_shift": float(S * x),
                        "received_by_" + cm.actor: float(bA * x),
                        "power_before": float(cm.power - S * done),
                    }
                )
                done += x
            return Schedule(m, fractions, grid, s, tuple(rows))
    return Schedule(
        None, (), grid, s, reason=f"no schedule with steps of at least 1/{grid} passes every test"
    )


def _pareto(cands: list[tuple[float, float, tuple[int, ...]]]) -> list[tuple[float, float, tuple[int, ...]]]:
    """Keep candidates not dominated in both continuation values."""
    cands.sort(key=lambda t: (-t[0], -t[1]))
    out: list[tuple[float, float, tuple[int, ...]]] = []
    best_b = -np.inf
    for c in cands:
        if c[1] > best_b + 1e-12:
            out.append(c)
            best_b = c[1]
    return out


def check_roadmap(setup: Setup, *, grid: int = 20) -> dict[str, Any]:
    """Every analytic check of a road map under one policy, as a JSON-ready dict."""
    schedule = smallest_schedule(setup, grid=grid)
    gaps = [path for path, block in setup.process.provenance_blocks() if not block.has_provenance()]
    return {
        "policy": setup.policy.id,
        "self_enforcement": self_enforcement_checks(setup),
        "commitment": commitment_checks(setup),
        "inspection": inspection_checks(setup),
        "richardson": richardson_check(setup),
        "schedule": {
            "steps": schedule.steps,
            "fractions": list(schedule.fractions),
            "grid": schedule.grid,
            "step_rounds": schedule.step_rounds,
            "rows": list(schedule.rows),
            "reason": schedule.reason,
        },
        "unsourced_blocks": gaps,
    }
