"""Monte Carlo simulation of a road map: phases, reciprocal moves, misperception, tension, escalation.

One run plays the road map round by round. In each round every actor with a move in the current
phase decides, by its strategy, to comply (C) or breach (D); an execution error may flip the choice.
Each actor perceives each counterpart's move through misperception (false alarms and misses, shrunk
by the information lever); breaches found by verification are seen by all and trigger guarantor
penalties. An actor counts the other side as cooperating when at least a threshold share of its
counterparts is seen complying (not unanimity). A phase is done after ``sustain`` rounds in a row in
which the quorum complied, and can then be entered if tension is low enough; it breaks down after
``patience`` rounds in a row without the quorum. After a breakdown the road map no longer advances
but the actors keep interacting. A two-sided Richardson tension index moves with perceived
hostility, breaches, goodwill and random shocks (tests, exercises) that the moves in force suspend;
escalation is the index reaching its threshold, and ends the run.

All runs of a batch are simulated at once with numpy arrays; batches are seeded from (seed, policy,
batch), so results do not depend on the number of workers.

>>> import numpy as np
>>> from detente.process.io import load_embedded_process
>>> from detente.scenarios import load_scenario
>>> korea = load_scenario("korea")
>>> p = load_embedded_process("korea", scenario=korea)
>>> a = simulate_policy(p, korea, "engagement", runs=200, seed=1)
>>> b = simulate_policy(p, korea, "engagement", runs=200, seed=1)
>>> bool((a.outcome == b.outcome).all() and np.array_equal(a.tension, b.tension, equal_nan=True))
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente._random import spawn
from detente.errors import ParameterError
from detente.experiments.run import run_replicates
from detente.process.setup import Setup, prepare
from detente.process.spec import Process
from detente.process.strategies import DecisionContext
from detente.scenario.scenario import Scenario

__all__ = [
    "BATCH",
    "OUTCOMES",
    "PolicyResult",
    "RoadmapResult",
    "simulate",
    "simulate_batch",
    "simulate_policy",
    "wilson",
]

BATCH = 250
"""Runs per batch (the unit of parallel work). Fixed, so results never depend on ``n_jobs``."""

OUTCOMES = ("completed", "escalation", "breakdown", "ongoing")
"""Outcome codes of a run: 0 completed, 1 escalation (at any time), 2 breakdown without escalation,
3 still under way at the horizon."""


def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score 95% interval for a proportion.

    >>> [round(x, 4) for x in wilson(5, 10)]
    [0.2366, 0.7634]
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    p = successes / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return (float(lo), float(hi))


def simulate_batch(setup: Setup, runs: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Simulate ``runs`` runs of ``setup`` at once; return per-run arrays.

    Keys: ``reach_time`` (runs, K) rounds at which each phase was entered (NaN if never; phase 0 at
    0), ``done_time`` (runs,) round of completion, ``outcome`` (runs,) codes of :data:`OUTCOMES`,
    ``broken`` (runs,) bool, ``escalated`` (runs,) bool, ``escalation_time`` (runs,),
    ``fail_phase``/``fail_actor`` (runs,) index of the phase and actor blamed for a breakdown (-1 if
    none), ``positions`` (runs, I) final issue positions, ``tension`` (runs, horizon + 1) index,
    ``shock_hits`` (runs, horizon, S) the rounds in which each shock happened (not suspended),
    ``break_time`` (runs,) round of the breakdown (NaN if none).
    """
    p = setup.process
    R, K, N = runs, setup.n_phases, setup.n_actors
    H = p.horizon
    tn = p.tension
    sides = [np.array([setup.actors.index(a) for a in side]) for side in tn.sides]
    strat_rng = [spawn_from(rng) for _ in range(N)]
    states = [s.start(R) for s in setup.strategies]

    phase = np.full(R, setup.start_phase, dtype=np.int64)
    lead_streak = np.zeros((R, N), dtype=np.int64)  # rounds in a row each actor saw its counterparts comply
    S = setup.shock_rate.size
    last_fired = np.zeros((R, S), dtype=bool)
    holding = np.zeros((R, S), dtype=bool)  # suspensions still kept after a breakdown
    shock_hits = np.zeros((R, H, S), dtype=bool)
    hold_end = np.where(setup.shock_hold > 0, 1.0 / np.maximum(setup.shock_hold, 1e-12), 1.0)
    hazard = p.escalation
    streak = np.zeros(R, dtype=np.int64)
    bad = np.zeros(R, dtype=np.int64)
    breaches = np.zeros((R, N), dtype=np.int64)
    broken = np.zeros(R, dtype=bool)
    completed = np.zeros(R, dtype=bool)
    escalated = np.zeros(R, dtype=bool)
    reach = np.full((R, K), np.nan)
    reach[:, : setup.start_phase + 1] = 0.0
    done_time = np.full(R, np.nan)
    esc_time = np.full(R, np.nan)
    fail_phase = np.full(R, -1, dtype=np.int64)
    break_time = np.full(R, np.nan)
    fail_actor = np.full(R, -1, dtype=np.int64)
    positions = np.broadcast_to(setup.start, (R, len(setup.issues))).copy()
    hostility = np.full((R, 2), setup.initial_tension)
    tension = np.full((R, H + 1), np.nan)
    tension[:, 0] = setup.initial_tension
    rows = np.arange(R)
    perc = setup.perception
    threshold = perc.threshold

    for t in range(H):
        alive = ~(escalated | completed)
        if not alive.any():
            break
        k = np.minimum(phase, K - 1)
        present = setup.active[k] & alive[:, None]  # (R, N): actors with a move in the phase
        due = (setup.lead[None, :] == 0) | (lead_streak >= setup.lead[None, :])
        active = present & due  # sequenced actors sit out until their moves fall due

        # decisions
        intent = np.ones((R, N), dtype=bool)
        for i, strat in enumerate(setup.strategies):
            if not active[:, i].any():
                continue
            sd = setup.step_discount[k]
            ctx = DecisionContext(
                cost=np.where(setup.blocked[k, i], np.inf, setup.cost[k, i]),
                future=sd * setup.future[k, i],
                fallback=sd * setup.fallback[k, i],
                discount=1.0,
            )
            decided = strat.decide(states[i], strat_rng[i], ctx)
            intent[:, i] = np.where(active[:, i], decided, True)
        flip = (rng.random((R, N)) < perc.execution_error) & active
        played = intent ^ flip

        # verification and perception
        breach = active & ~played
        detected = breach & (rng.random((R, N)) < setup.detect[k])
        u = rng.random((R, N, N))  # [run, observer, observed]
        wrong = np.where(played[:, None, :], u < setup.false_alarm, u < setup.miss)
        seen = (played[:, None, :] ^ wrong) & ~detected[:, None, :]
        cp = setup.counterparts[k] & active[:, None, :]  # (R, N, N): counterparts whose moves are due
        n_cp = cp.sum(axis=2)
        seen_share = np.where(n_cp > 0, (cp & seen).sum(axis=2) / np.maximum(n_cp, 1), 1.0)
        true_share = np.where(n_cp > 0, (cp & played[:, None, :]).sum(axis=2) / np.maximum(n_cp, 1), 1.0)
        opp_seen = seen_share >= threshold - 1e-12
        opp_true = true_share >= threshold - 1e-12
        for i, strat in enumerate(setup.strategies):
            # an actor whose moves are not yet due still watches its counterparts (that is the point
            # of letting them move first)
            if present[:, i].any():
                strat.update(
                    states[i],
                    intended=intent[:, i],
                    played=played[:, i],
                    seen=opp_seen[:, i],
                    record=opp_true[:, i] if perc.record else None,
                    mask=present[:, i],
                )

        # phase progress (only while the road map is intact)
        going = alive & ~broken
        n_active = active.sum(axis=1)
        comply = np.where(n_active > 0, (active & played).sum(axis=1) / np.maximum(n_active, 1), 1.0)
        everyone_due = ~(present & ~due).any(axis=1)
        ok = (comply >= setup.quorum[k] - 1e-12) & everyone_due
        short = (comply < setup.quorum[k] - 1e-12) & (n_active > 0)  # a breach, not just waiting
        streak = np.where(going, np.where(ok, streak + 1, 0), streak)
        bad = np.where(going, np.where(short, bad + 1, 0), bad)
        breaches = np.where(
            (going & short)[:, None], breaches + breach, np.where(going[:, None], 0, breaches)
        )
        lead_streak = np.where(opp_seen & present, lead_streak + 1, 0)
        index_now = hostility.mean(axis=1)
        last = k == K - 1
        entry_ok = np.where(last, True, index_now <= setup.max_tension[np.minimum(k + 1, K - 1)])
        advance = going & ok & (streak >= setup.sustain[k]) & entry_ok
        if advance.any():
            positions[advance] += setup.effects[k[advance]]
            finish = advance & last
            move_on = advance & ~last
            completed |= finish
            done_time[finish] = t + 1
            phase[move_on] += 1
            reach[rows[move_on], phase[move_on]] = t + 1
            streak[advance] = 0
            lead_streak[advance] = 0
        fails = going & (bad >= setup.patience[k])
        if fails.any():
            broken |= fails
            break_time[fails] = t + 1
            fail_phase[fails] = k[fails]
            fail_actor[fails] = np.argmax(breaches[fails], axis=1)
            if S:  # suspensions in force may outlast the breakdown (the suspending actor's patience)
                sp = setup.shock_phase[None, :]
                reached = (sp < k[:, None]) | ((sp == k[:, None]) & played[:, setup.shock_actor])
                holding |= fails[:, None] & reached & (setup.shock_hold[None, :] > 0)

        # tension (Richardson, with perceived levels, shocks, breaches and goodwill)
        perceived = hostility[:, ::-1] + perc.hostility_bias
        if setup.hostility_noise > 0:
            perceived = perceived + setup.hostility_noise * rng.standard_normal((R, 2))
        impulse = np.full((R, 2), float(tn.grievance))
        for s, members in enumerate(sides):
            act = active[:, members]
            n = act.sum(axis=1)
            share_breach = np.where(n > 0, (act & ~played[:, members]).sum(axis=1) / np.maximum(n, 1), 0.0)
            share_comply = np.where(n > 0, (act & played[:, members]).sum(axis=1) / np.maximum(n, 1), 0.0)
            impulse[:, s] += tn.defection_shock * share_breach - tn.goodwill * share_comply
        if S:
            rate = np.where(last_fired, setup.shock_rate_after[None, :], setup.shock_rate[None, :])
            fired = rng.random((R, S)) < rate
            # a suspending move holds while its actor complies; once its phase is done it holds
            # until the road map breaks down, and then for as long as the actor's patience lasts
            holding &= rng.random((R, S)) >= hold_end[None, :]
            sp = setup.shock_phase[None, :]
            complying = (played & active)[:, setup.shock_actor]  # a sequenced actor not yet due is not
            done_before = (sp < k[:, None]) | (completed[:, None] & (sp < K))
            in_force = ((sp <= k[:, None]) & complying) | (done_before & ~broken[:, None]) | holding
            hits = fired & ~in_force & alive[:, None]
            last_fired = hits
            shock_hits[:, t, :] = hits
            for j, a in enumerate(setup.shock_actor):
                s = setup.side[a]
                if s >= 0:
                    impulse[:, s] += hits[:, j] * setup.shock_size[j]
        new = hostility + tn.reaction * np.maximum(perceived, 0.0) - tn.restraint * hostility + impulse
        hostility = np.where(alive[:, None], np.maximum(new, 0.0), hostility)
        index_now = hostility.mean(axis=1)
        tension[alive, t + 1] = index_now[alive]
        if hazard is None:
            boom = alive & (index_now >= tn.threshold)
        else:
            boom = alive & (rng.random(R) < hazard.hazard(index_now))
        if boom.any():
            escalated |= boom
            esc_time[boom] = t + 1
            positions[boom] += setup.escalation_effects

    np.clip(positions, 0.0, 100.0, out=positions)
    outcome = np.where(completed, 0, np.where(escalated, 1, np.where(broken, 2, 3)))
    return {
        "reach_time": reach,
        "done_time": done_time,
        "outcome": outcome.astype(np.int8),
        "broken": broken,
        "escalated": escalated,
        "escalation_time": esc_time,
        "fail_phase": fail_phase,
        "fail_actor": fail_actor,
        "positions": positions,
        "tension": tension.astype(np.float32),
        "shock_hits": shock_hits,
        "break_time": break_time,
    }


def spawn_from(rng: np.random.Generator) -> np.random.Generator:
    """A child generator drawn deterministically from ``rng`` (one per actor in a batch)."""
    return np.random.Generator(np.random.PCG64(rng.integers(0, 2**63 - 1)))


@dataclass(frozen=True)
class PolicyResult:
    """All runs of one policy: per-run arrays (see :func:`simulate_batch`) and summaries."""

    setup: Setup
    seed: int
    reach_time: np.ndarray
    done_time: np.ndarray
    outcome: np.ndarray
    broken: np.ndarray
    escalated: np.ndarray
    escalation_time: np.ndarray
    fail_phase: np.ndarray
    fail_actor: np.ndarray
    positions: np.ndarray
    tension: np.ndarray
    shock_hits: np.ndarray
    break_time: np.ndarray

    @property
    def policy(self) -> str:
        """The policy id."""
        return self.setup.policy.id

    @property
    def runs(self) -> int:
        """Number of runs."""
        return int(self.outcome.size)

    def reach_probabilities(self) -> list[dict[str, Any]]:
        """Probability (with 95% Wilson interval) of entering each phase, and of completing the road map."""
        out = []
        for k, ph in enumerate(self.setup.phases):
            hits = int(np.isfinite(self.reach_time[:, k]).sum())
            out.append(self._prob(f"reach {ph}", hits, self.reach_time[:, k]))
        out.append(self._prob("complete", int((self.outcome == 0).sum()), self.done_time))
        return out

    def _prob(self, label: str, hits: int, times: np.ndarray | None = None) -> dict[str, Any]:
        lo, hi = wilson(hits, self.runs)
        row: dict[str, Any] = {"event": label, "probability": hits / self.runs, "low": lo, "high": hi}
        if times is not None:
            finite = times[np.isfinite(times)]
            row["median_rounds"] = float(np.median(finite)) if finite.size else None
        return row

    def interim_time(self) -> np.ndarray:
        """(runs,) round at which the interim settlement was reached (NaN if never or none defined).

        The interim settlement is the completion of the phase marked ``milestone: interim``.
        """
        k = self.setup.interim
        if k < 0:
            return np.full(self.runs, np.nan)
        if k == self.setup.n_phases - 1:
            return self.done_time
        return np.where(self.reach_time[:, k + 1] > 0, self.reach_time[:, k + 1], np.nan)

    def interim_settled(self) -> np.ndarray:
        """(runs,) bool: the interim settlement was reached."""
        return np.isfinite(self.interim_time())

    def outcome_probabilities(self) -> list[dict[str, Any]]:
        """Probabilities of the interim and final settlements, breakdown and escalation (95% intervals).

        The final settlement is the completion of the whole road map; the interim settlement (if the
        file marks one) is reported apart.
        """
        interim = (
            [self._prob("interim settlement", int(self.interim_settled().sum()), self.interim_time())]
            if self.setup.interim >= 0
            else []
        )
        return [
            *interim,
            self._prob("complete", int((self.outcome == 0).sum()), self.done_time),
            self._prob("breakdown", int(self.broken.sum())),
            self._prob("escalation", int(self.escalated.sum()), self.escalation_time),
            self._prob("ongoing at horizon", int((self.outcome == 3).sum())),
        ]

    def failing_steps(self) -> list[dict[str, Any]]:
        """Which step (phase and actor) was blamed for breakdowns, most frequent first."""
        broken = self.fail_phase >= 0
        if not broken.any():
            return []
        pairs, counts = np.unique(
            np.stack([self.fail_phase[broken], self.fail_actor[broken]], axis=1), axis=0, return_counts=True
        )
        order = np.argsort(-counts, kind="stable")
        return [
            {
                "step": self.setup.step_label(int(pairs[j, 0]), int(pairs[j, 1])),
                "phase": self.setup.phases[int(pairs[j, 0])],
                "actor": self.setup.actors[int(pairs[j, 1])],
                "breakdowns": int(counts[j]),
                "share_of_runs": float(counts[j] / self.runs),
            }
            for j in order
        ]

    def position_summary(self) -> list[dict[str, Any]]:
        """Distribution of final issue positions: start, mean, 5%, 50% and 95% quantiles."""
        q = np.quantile(self.positions, [0.05, 0.5, 0.95], axis=0)
        return [
            {
                "issue": iss,
                "start": float(self.setup.start[n]),
                "mean": float(self.positions[:, n].mean()),
                "p05": float(q[0, n]),
                "median": float(q[1, n]),
                "p95": float(q[2, n]),
            }
            for n, iss in enumerate(self.setup.issues)
        ]

    def tension_quantiles(self, qs: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> np.ndarray:
        """Quantiles of the tension index per round over runs still under way, shape (len(qs), horizon+1).

        A run that ended (completed or escalated) keeps its last value, so the fan shows where runs are.
        """
        t = self.tension.astype(float)
        filled = _forward_fill(t)
        return np.quantile(filled, list(qs), axis=0)

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready summary of this policy's runs."""
        return {
            "policy": self.policy,
            "name": self.setup.policy.name,
            "runs": self.runs,
            "phases": self.reach_probabilities(),
            "outcomes": self.outcome_probabilities(),
            "failing_steps": self.failing_steps(),
            "final_positions": self.position_summary(),
            "tension_median": [float(x) for x in self.tension_quantiles((0.5,))[0]],
        }


def _forward_fill(a: np.ndarray) -> np.ndarray:
    """Fill NaNs along axis 1 with the last finite value."""
    idx = np.where(np.isfinite(a), np.arange(a.shape[1])[None, :], 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    return a[np.arange(a.shape[0])[:, None], idx]


@dataclass(frozen=True)
class RoadmapResult:
    """Results of every simulated policy on one road map."""

    process: Process
    scenario: Scenario
    seed: int
    runs: int
    policies: tuple[PolicyResult, ...]

    def summary_rows(self) -> list[dict[str, Any]]:
        """One row per policy: phase reach, completion, breakdown, escalation, with 95% intervals."""
        rows = []
        for pr in self.policies:
            row: dict[str, Any] = {"policy": pr.policy}
            for r in pr.reach_probabilities()[1:-1]:
                row[r["event"]] = _fmt(r)
            for r in pr.outcome_probabilities():
                if r["event"] != "ongoing at horizon":
                    row[r["event"]] = _fmt(r)
            rows.append(row)
        return rows

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready summary of all policies."""
        return {
            "process": self.process.name,
            "scenario": self.scenario.name,
            "seed": self.seed,
            "runs": self.runs,
            "time_step": self.process.time_step.model_dump(),
            "policies": [pr.to_json_dict() for pr in self.policies],
        }


def _fmt(row: dict[str, Any]) -> str:
    return f"{row['probability']:.2f} [{row['low']:.2f}, {row['high']:.2f}]"


def _batch_task(task: tuple[Setup, int, int, int], seed_seq: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Worker: one batch of one policy, seeded from (master seed, policy id, batch index)."""
    setup, master, batch, runs = task
    rng = spawn(master, "roadmap", setup.policy.id, batch)
    return simulate_batch(setup, runs, rng)


def simulate_policy(
    process: Process,
    scenario: Scenario,
    policy: str,
    *,
    runs: int = 1000,
    seed: int = 0,
    n_jobs: int | None = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> PolicyResult:
    """Simulate ``runs`` runs of one policy; see :func:`simulate`."""
    return simulate(
        process, scenario, [policy], runs=runs, seed=seed, n_jobs=n_jobs, on_progress=on_progress
    )[0]


def simulate(
    process: Process,
    scenario: Scenario,
    policies: Sequence[str] | None = None,
    *,
    runs: int = 1000,
    seed: int = 0,
    n_jobs: int | None = 1,
    on_progress: Callable[[int, int], None] | None = None,
    start_phase: str | None = None,
) -> tuple[PolicyResult, ...]:
    """Simulate the road map under each policy (default: all the file's policies).

    Runs are split into batches of :data:`BATCH`; batch b of policy P is seeded from (seed, P, b),
    so a policy's results do not depend on the other policies run, nor on ``n_jobs``. ``start_phase``
    starts every run in that phase (the earlier ones taken as done).
    """
    if runs < 1:
        raise ParameterError(f"runs={runs} is below 1", where="--runs", fix="use 1 or more runs")
    ids = [p.id for p in process.policies] if not policies else list(policies)
    known = [p.id for p in process.policies]
    for pid in ids:
        if pid not in known:
            raise ParameterError(
                f"there is no policy called {pid!r} in the road map",
                where="--policy",
                fix=f"use one of: {', '.join(known)}",
            )
    setups = [prepare(process, scenario, pid, start_phase=start_phase) for pid in ids]
    tasks = []
    for n, setup in enumerate(setups):
        for b, start in enumerate(range(0, runs, BATCH)):
            tasks.append((n, (setup, seed, b, min(BATCH, runs - start))))
    results = run_replicates(
        _batch_task, [t for _, t in tasks], seed=seed, n_jobs=n_jobs, chunk_size=1, on_progress=on_progress
    )
    out = []
    for n, setup in enumerate(setups):
        parts = [r for (m, _), r in zip(tasks, results, strict=True) if m == n]
        merged = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
        out.append(PolicyResult(setup=setup, seed=seed, **merged))
    return tuple(out)
