"""Turn a process and one policy into the arrays the simulator and the analytic checks use.

:func:`prepare` applies a policy's levers (strategies, perception overrides, guarantees on or off,
coalition) to a :class:`~detente.process.spec.Process` on its scenario and returns a :class:`Setup`:
plain numpy arrays indexed by (phase, actor) and (phase, issue), plus the per-step values of the
self-enforcement condition (section 3.1 of the process-models spec).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.process.spec import Perception, Phase, Policy, Process
from detente.process.strategies import Strategy, get_strategy
from detente.scenario.scenario import Scenario

__all__ = ["Setup", "prepare", "start_positions"]


@dataclass(frozen=True)
class Setup:
    """A process under one policy, as arrays. K phases, N actors, I issues, S shocks.

    Attributes
    ----------
    actors, issues, phases:
        Ids, in array order.
    active : (K, N) bool
        Actor has a move in the phase.
    cost, benefit : (K, N)
        One-off cost of the actor's moves in the phase; payoffs it receives from others' moves.
    detect : (K, N)
        Probability that the actor's breach in the phase is found: 1 for public moves, r (1 - beta)
        when any of its moves there is inspected.
    effects : (K, I)
        Issue-position change when the phase is completed.
    counterparts : (K, N, N) bool
        ``[k, i, j]``: j is a counterpart of i in phase k (active, not on i's side).
    penalty : (K, N)
        Expected guarantor penalty on the actor's detected breach in the phase: the sum over other
        guarantors whose guarantee holds by then of credibility x penalty.
    completion : (N,)
        Value of the completed road map to each actor.
    future, fallback, step_discount : (K, N), (K, N), (K,)
        V_i^(k+1), W_i^k and delta^(s_k) of the self-enforcement condition
        ``cost <= step_discount * (future - fallback)``.
    """

    process: Process
    policy: Policy
    actors: tuple[str, ...]
    issues: tuple[str, ...]
    phases: tuple[str, ...]
    strategies: tuple[Strategy, ...]
    active: np.ndarray
    cost: np.ndarray
    benefit: np.ndarray
    detect: np.ndarray
    power_shift: np.ndarray
    effects: np.ndarray
    counterparts: np.ndarray
    side: np.ndarray
    penalty: np.ndarray
    completion: np.ndarray
    future: np.ndarray
    fallback: np.ndarray
    step_discount: np.ndarray
    sustain: np.ndarray
    patience: np.ndarray
    quorum: np.ndarray
    max_tension: np.ndarray
    perception: Perception
    false_alarm: float
    miss: float
    hostility_noise: float
    shock_actor: np.ndarray
    shock_rate: np.ndarray
    shock_size: np.ndarray
    shock_phase: np.ndarray
    start: np.ndarray
    escalation_effects: np.ndarray
    moves_of: tuple[tuple[tuple[str, ...], ...], ...]

    @property
    def n_actors(self) -> int:
        """N."""
        return len(self.actors)

    @property
    def n_phases(self) -> int:
        """K."""
        return len(self.phases)

    def step_label(self, phase: int, actor: int) -> str:
        """``'talks: DPRK (dismantle_yongbyon, admit_inspectors)'``."""
        moves = ", ".join(self.moves_of[phase][actor]) or "no move"
        return f"{self.phases[phase]}: {self.actors[actor]} ({moves})"


def start_positions(scenario: Scenario) -> np.ndarray:
    """Issue positions before the road map: each issue's status quo, or else the weighted mean stance.

    The weights of the fallback are capability x salience of the actors with a stance.
    """
    pos = scenario.positions()
    w = scenario.capabilities()[:, None] * scenario.saliences()
    out = np.empty(len(scenario.issues))
    for k, issue in enumerate(scenario.issues):
        if issue.status_quo is not None:
            out[k] = issue.status_quo
            continue
        ok = np.isfinite(pos[:, k]) & np.isfinite(w[:, k]) & (w[:, k] > 0)
        out[k] = float(np.average(pos[ok, k], weights=w[ok, k])) if ok.any() else 50.0
    return out


def _phases_under(process: Process, policy: Policy) -> list[Phase]:
    """Phases with the policy's changes: without guarantees, guarantee moves are dropped."""
    if policy.guarantees:
        return list(process.phases)
    out = []
    for ph in process.phases:
        moves = tuple(m for m in ph.moves if m.kind != "guarantee")
        out.append(ph.model_copy(update={"moves": moves}) if moves else ph.model_copy(update={"moves": ()}))
    return out


def prepare(process: Process, scenario: Scenario, policy: Policy | str) -> Setup:
    """Arrays for simulating ``process`` on ``scenario`` under ``policy`` (object or id)."""
    if isinstance(policy, str):
        policy = process.policy(policy)
    phases = _phases_under(process, policy)
    movers = process.actors()
    sides = process.tension.sides
    # Actors that never move still take part when a side, a payoff or a shock names them.
    named = [a for side in sides for a in side]
    named += [a for ph in process.phases for m in ph.moves for a in m.payoffs]
    named += [sh.actor for sh in process.tension.shocks]
    extra = list(dict.fromkeys(a for a in named if a not in movers))
    actors = tuple(movers + extra)
    index = {a: n for n, a in enumerate(actors)}
    issues = tuple(i.id for i in scenario.issues)
    iidx = {i: n for n, i in enumerate(issues)}
    K, N, n_issues = len(phases), len(actors), len(issues)

    coalition = policy.coalition
    settings = process.perception.model_dump()
    settings.update(policy.perception)
    info = float(settings["information"]) + (coalition.information if coalition else 0.0)
    perception = Perception.model_validate({**settings, "information": min(1.0, info)})
    scale = 1.0 - perception.information

    catch = process.verification.catch_probability()
    active = np.zeros((K, N), dtype=bool)
    cost = np.zeros((K, N))
    benefit = np.zeros((K, N))
    detect = np.ones((K, N))
    power = np.zeros((K, N))
    effects = np.zeros((K, n_issues))
    moves_of: list[list[list[str]]] = [[[] for _ in range(N)] for _ in range(K)]
    for k, ph in enumerate(phases):
        for m in ph.moves:
            i = index[m.actor]
            active[k, i] = True
            cost[k, i] += m.cost
            power[k, i] += m.power_shift
            moves_of[k][i].append(m.id)
            if m.verification == "inspected":
                detect[k, i] = min(detect[k, i], catch)
            for a, v in m.payoffs.items():
                benefit[k, index[a]] += v
            for iss, v in m.effects.items():
                effects[k, iidx[iss]] += v

    side = np.full(N, -1)
    for s, members in enumerate(sides):
        for a in members:
            side[index[a]] = s
    same_side = (side[:, None] == side[None, :]) & (side[:, None] >= 0)
    not_self = ~np.eye(N, dtype=bool)
    counterparts = active[:, None, :] & (not_self & ~same_side)[None, :, :]

    credibility = {g.actor: g.credibility for g in process.guarantors}
    if coalition is not None:
        credibility = {
            a: min(1.0, c + (coalition.credibility if a in coalition.members else 0.0))
            for a, c in credibility.items()
        }
    phase_index = {ph.id: k for k, ph in enumerate(phases)}
    penalty = np.zeros((K, N))
    if policy.guarantees:
        for g in process.guarantors:
            first = phase_index.get(g.from_phase, 0) if g.from_phase else 0
            contribution = credibility[g.actor] * g.penalty
            penalty[first:] += contribution * (np.asarray(actors) != g.actor)[None, :]

    completion = np.array([process.completion.values.get(a, 0.0) for a in actors], dtype=float)
    if coalition is not None:
        outside = np.array([a not in coalition.members for a in actors])
        completion = completion + coalition.side_payment * outside

    sustain = np.array([ph.exit.sustain for ph in phases], dtype=np.int64)
    delta = process.discount.value
    step_discount = delta ** sustain.astype(float)
    # U^k: value at the start of step k of finishing from step k on (costs now, payoffs at its end)
    U = np.zeros((K + 1, N))
    U[K] = completion
    for k in range(K - 1, -1, -1):
        U[k] = -cost[k] + step_discount[k] * (benefit[k] + U[k + 1])
    future = benefit + U[1:]
    fallback = (1.0 - detect) * benefit - detect * penalty

    shocks = process.tension.shocks
    move_phase = {m.id: k for k, ph in enumerate(phases) for m in ph.moves}
    shock_phase = np.array(
        [move_phase.get(s.suspended_by, K + 1) if s.suspended_by else K + 1 for s in shocks], dtype=np.int64
    )
    esc = np.zeros(n_issues)
    for iss, v in process.escalation_effects.items():
        esc[iidx[iss]] = v
    strategies = tuple(
        get_strategy(policy.strategy_for(a).name, **policy.strategy_for(a).params) for a in actors
    )
    return Setup(
        process=process,
        policy=policy,
        actors=actors,
        issues=issues,
        phases=tuple(ph.id for ph in phases),
        strategies=strategies,
        active=active,
        cost=cost,
        benefit=benefit,
        detect=detect,
        power_shift=power,
        effects=effects,
        counterparts=counterparts,
        side=side,
        penalty=penalty,
        completion=completion,
        future=future,
        fallback=fallback,
        step_discount=step_discount,
        sustain=sustain,
        patience=np.array([ph.exit.patience for ph in phases], dtype=np.int64),
        quorum=np.array([ph.exit.quorum for ph in phases]),
        max_tension=np.array(
            [np.inf if ph.entry.max_tension is None else ph.entry.max_tension for ph in phases]
        ),
        perception=perception,
        false_alarm=perception.false_alarm * scale,
        miss=perception.miss * scale,
        hostility_noise=perception.hostility_noise * scale,
        shock_actor=np.array([index[s.actor] for s in shocks], dtype=np.int64),
        shock_rate=np.array([s.rate for s in shocks]),
        shock_size=np.array([s.size for s in shocks]),
        shock_phase=shock_phase,
        start=start_positions(scenario),
        escalation_effects=esc,
        moves_of=tuple(tuple(tuple(x) for x in row) for row in moves_of),
    )
