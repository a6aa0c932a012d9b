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
        ``cost <= step_discount * (future - fallback)``. With a coercion block, the target's
        ``future`` includes the sanctions it escapes by finishing.
    domestic : (K, N)
        The part of ``cost`` that is the political cost at home (moves' ``domestic_cost``).
    relief_value : (K, N)
        The part of ``future`` that is sanctions relief to the coercion target (0 elsewhere).
    blocked : (K, N) bool
        Steps the commitment problem rules out: the disarming actor prefers war now to taking them
        (their cost is infinite, so no payoff-driven strategy takes them).
    lead : (N,)
        Rounds of counterpart compliance after which an actor's moves fall due (sequencing; 0: at once).
    shock_rate_after, shock_hold : (S,)
        Shock rate right after a shock round (clustering); mean rounds a suspension holds after a
        breakdown.
    interim : int
        Index of the phase whose completion is the interim settlement (-1: none).
    credibility : dict
        Guarantor credibility in force on the scenario's as-of date, after the policy's levers.
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
    domestic: np.ndarray
    relief_value: np.ndarray
    blocked: np.ndarray
    lead: np.ndarray
    shock_rate_after: np.ndarray
    shock_hold: np.ndarray
    interim: int
    credibility: dict[str, float]
    initial_tension: float
    start_phase: int = 0

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


def prepare(
    process: Process, scenario: Scenario, policy: Policy | str, *, start_phase: str | None = None
) -> Setup:
    """Arrays for simulating ``process`` on ``scenario`` under ``policy`` (object or id).

    ``start_phase`` (a phase id) starts the runs in that phase, the earlier ones taken as done (for
    replaying history from a date on which the road map had got that far).
    """
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
    settings["ranges"] = {}  # the file's ranges describe its own numbers, not a policy's overrides
    info = float(settings["information"]) + (coalition.information if coalition else 0.0)
    perception = Perception.model_validate({**settings, "information": min(1.0, info)})
    scale = 1.0 - perception.information

    catch = process.verification.catch_probability()
    active = np.zeros((K, N), dtype=bool)
    cost = np.zeros((K, N))
    domestic = np.zeros((K, N))
    benefit = np.zeros((K, N))
    detect = np.ones((K, N))
    power = np.zeros((K, N))
    effects = np.zeros((K, n_issues))
    moves_of: list[list[list[str]]] = [[[] for _ in range(N)] for _ in range(K)]
    for k, ph in enumerate(phases):
        for m in ph.moves:
            i = index[m.actor]
            active[k, i] = True
            cost[k, i] += m.cost + m.domestic_cost
            domestic[k, i] += m.domestic_cost
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

    credibility = {g.actor: g.credibility_at(scenario.as_of) for g in process.guarantors}
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
    fallback = (1.0 - detect) * benefit - detect * penalty
    # Backward induction over phases. A phase is viable when every actor with a move there finds its
    # step self-enforcing at full belief (cost <= delta_k (V - W)) and the commitment problem does not
    # rule the step out; nobody counts on anything beyond the first phase that is not viable, so
    # the road map is valued as ending there (U = 0 from it on, no completion value).
    blocked = _commitment_blocked(process, phases, index, penalty, delta)
    reachable = K
    U = np.zeros((K + 1, N))
    U[K] = completion
    future = np.zeros((K, N))
    relief_value = np.zeros((K, N))
    for k in range(K - 1, -1, -1):
        relief_value = _relief_value(process, policy, phases[:reachable], index, step_discount, delta, K)
        future[k] = benefit[k] + U[k + 1] + relief_value[k]
        step_ok = cost[k] <= step_discount[k] * (future[k] - fallback[k]) + 1e-12
        if blocked[k].any() or not np.all(step_ok | ~active[k]):
            reachable = k
            U[k:] = 0.0
            continue
        U[k] = -cost[k] + step_discount[k] * (benefit[k] + U[k + 1])
    relief_value = _relief_value(process, policy, phases[:reachable], index, step_discount, delta, K)
    future = benefit + U[1:] + relief_value

    shocks = process.tension.shocks
    move_phase = {m.id: k for k, ph in enumerate(phases) for m in ph.moves}
    shock_phase = np.array(
        [move_phase.get(s.suspended_by, K + 1) if s.suspended_by else K + 1 for s in shocks], dtype=np.int64
    )
    esc = np.zeros(n_issues)
    for iss, v in process.escalation_effects.items():
        esc[iidx[iss]] = v
    strategies = tuple(_strategy(process, policy, a, scenario.as_of) for a in actors)
    lead = np.array([policy.sequencing.get(a, 0) for a in actors], dtype=np.int64)
    bonus = coalition.entry_bonus if coalition is not None else 0.0
    interim = next((k for k, ph in enumerate(phases) if ph.milestone == "interim"), -1)
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
            [np.inf if ph.entry.max_tension is None else ph.entry.max_tension + bonus for ph in phases]
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
        domestic=domestic,
        relief_value=relief_value,
        blocked=blocked,
        lead=lead,
        shock_rate_after=np.array([s.rate if s.rate_after is None else s.rate_after for s in shocks]),
        shock_hold=np.array([s.holds_after_breakdown for s in shocks]),
        interim=interim,
        credibility=credibility,
        initial_tension=process.tension.initial_at(scenario.as_of),
        start_phase=_phase_index(phases, start_phase),
    )


def _phase_index(phases: list[Phase], phase_id: str | None) -> int:
    if phase_id is None:
        return 0
    ids = [ph.id for ph in phases]
    if phase_id not in ids:
        from detente.errors import ParameterError

        raise ParameterError(
            f"there is no phase called {phase_id!r} in the road map",
            where="start phase",
            fix=f"use one of: {', '.join(ids)}",
        )
    return ids.index(phase_id)


def _strategy(process: Process, policy: Policy, actor: str, as_of: str) -> Strategy:
    """The actor's strategy under the policy, with the file's behavioural defaults filled in."""
    choice = policy.strategy_for(actor)
    params = dict(choice.params)
    b = process.behaviour
    if choice.name == "self-enforcing":
        params.setdefault("prior", b.prior_at(as_of))
        params.setdefault("learning", b.learning)
    elif choice.name == "gtft" and b.generosity is not None:
        params.setdefault("q", b.generosity)
    return get_strategy(choice.name, **params)


def _relief_value(
    process: Process,
    policy: Policy,
    phases: list[Phase],
    index: dict[str, int],
    step_discount: np.ndarray,
    delta: float,
    n_phases: int,
) -> np.ndarray:
    """(K, N): the sanctions the coercion target escapes by finishing, valued at each step.

    Sanctions cost ``monthly_cost x enforcement`` a round; finishing lifts the relief shares of the
    moves in the phases from k on. Their value at step k is that share of the cost, as a perpetuity
    starting when the road map is finished (discounted over the remaining phases).
    """
    K = len(phases)  # the phases that can be completed
    out = np.zeros((n_phases, len(index)))
    co = process.coercion
    if co is None or co.target not in index:
        return out
    enforcement = co.enforcement if policy.enforcement is None else policy.enforcement
    monthly = co.monthly_cost * enforcement
    shares = np.array([sum(co.relief.get(m.id, 0.0) for m in ph.moves) for ph in phases])
    for k in range(K):
        lifted = min(1.0, float(shares[k:].sum()))
        wait = float(np.prod(step_discount[k + 1 : K])) if k + 1 < K else 1.0
        out[k, index[co.target]] = monthly * lifted * wait / (1.0 - delta)
    return out


def _commitment_blocked(
    process: Process, phases: list[Phase], index: dict[str, int], penalty: np.ndarray, delta: float
) -> np.ndarray:
    """(K, N) bool: power-shifting steps the disarming actor would rather fight than take."""
    from detente.process.analysis import prefers_war

    out = np.zeros((len(phases), len(index)), dtype=bool)
    cm = process.commitment
    if cm is None or cm.actor not in index or cm.counterpart not in index:
        return out
    a, b = index[cm.actor], index[cm.counterpart]
    p = cm.power
    for k, ph in enumerate(phases):
        shift = sum(m.power_shift for m in ph.moves if m.actor == cm.actor)
        if shift <= 0:
            continue
        p_next = max(0.0, p - shift)
        out[k, a] = prefers_war(p, p_next, delta, cm.war_cost, float(penalty[k, b]))
        p = p_next
    return out
