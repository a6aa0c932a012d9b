"""The Spatial Model of Politics (SMP) of KTAB, reproduced exactly and vectorised.

Every turn, each actor estimates, for every other actor, the chance that it would win a challenge
(a contest decided by the principals and by third parties who join the side they expect to gain
from) and what it would gain; it challenges the target where it expects the most gain and proposes
a bargain: both move towards each other, the stronger and the more committed less. Each actor then
chooses, by a probabilistic Condorcet election among all actors, between the bargains that involve
it and the status quo. Positions move simultaneously, risk attitudes are re-inferred, and the run
stops when the positions settle.

Under its default parameters the model reproduces KTAB's two reference logs exactly (positions,
probabilities and number of turns; see ``docs/smp.md``), and runs KTAB's 80-actor example in well
under a second against KTAB's 352 s.

Examples
--------
>>> from detente.scenarios import load_scenario
>>> f = SMP().forecast(load_scenario("ktab-3dim"))
>>> len(f.rounds), f.status.value
(11, 'converged')
>>> f.rounds[1].positions["SActor-00"]
{'Pstn1': 79.54, 'Pstn2': 44.71, 'Pstn3': 72.05}
>>> round(f.rounds[0].probabilities["SActor-04"], 4)
0.6001
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from detente._random import spawn
from detente._types import SeedLike
from detente.errors import ModelError
from detente.models._smp_kernel import SMPOptions, SMPRun, run_smp
from detente.models.base import ForecastModel, ModelLimits, ModelTags, OnRound
from detente.models.result import Forecast, IssueForecast, Round, Status
from detente.scenario import Scenario

__all__ = ["SMP", "smp_inputs"]

VotingRule = Literal["Binary", "PropBin", "Prop", "PropCbc", "Cubic", "ASymProsp"]
VictoryModel = Literal["Linear", "Square", "Quartic", "Octic", "Binary"]
PCEModel = Literal["Conditional", "MarkovIncentive", "MarkovUniform"]
StateTransitions = Literal["Deterministic", "Stochastic"]
RiskRange = Literal["Min", "Mid", "Max"]
RiskAdjustment = Literal["None", "OneThird", "Half", "TwoThirds", "Full"]
ThirdPartyCommit = Literal["NoCommit", "SemiCommit", "FullCommit"]
BargainInterpolation = Literal["S1P1", "S2P2", "S2PMax"]
BargainModel = Literal["InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"]


TINY_SALIENCE = 1e-6
"""Salience (unit scale, i.e. 1e-4 on 0-100) that ``zero_salience="tiny"`` gives a stated zero salience."""


def smp_inputs(
    scenario: Scenario, salience_scale: str = "common", zero_salience: str = "refuse"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions and saliences on the unit scale and capabilities, as the SMP uses them.

    Saliences are divided by ``max(100, largest total)`` (``"common"``: one scale for all actors,
    so who cares more stays visible) or by ``max(100, the actor's own total)`` (``"actor"``). KTAB
    inputs never total more than 100, so both give KTAB's ``salience / 100``. An actor without a
    stance on an issue gets salience 0 there and sits at the issue's status quo (or, without one,
    at the capability-weighted mean of the stated positions).

    ``zero_salience="refuse"`` (KTAB's behaviour, the default) refuses an actor whose saliences are
    all zero; ``"tiny"`` gives every stated salience of zero the value :data:`TINY_SALIENCE`, so
    such an actor takes part with (next to) no weight and the model forecasts the issue.
    """
    pos = scenario.positions()
    sal = scenario.saliences()
    cap = scenario.capabilities()
    missing = np.isnan(pos)
    if missing.any():
        for k, issue in enumerate(scenario.issues):
            col = missing[:, k]
            if col.any():
                if issue.status_quo is not None:
                    fill = issue.status_quo
                else:
                    w = np.where(col, 0.0, cap + 1e-12)
                    fill = float(np.nansum(pos[:, k] * w) / w.sum())
                pos[col, k] = fill
                sal[col, k] = 0.0
    totals = sal.sum(axis=1)
    if salience_scale == "common":
        scale = np.full(len(totals), max(100.0, float(totals.max())))
    else:
        scale = np.maximum(100.0, totals)
    unit = sal / scale[:, None]
    if zero_salience == "tiny":
        unit = np.where(~missing & ~(unit > 0), TINY_SALIENCE, unit)
    empty = np.flatnonzero(~((unit * unit).sum(axis=1) > 0))
    if empty.size:
        actor = scenario.actors[int(empty[0])].id
        raise ModelError(
            f"actor {actor!r} has (next to) no salience on any issue, so the SMP cannot measure distances",
            where=f"actor {actor}",
            fix="give the actor a positive salience on some issue, or remove it from the scenario",
        )
    return pos / 100.0, unit, cap


class SMP(ForecastModel):
    """KTAB's Spatial Model of Politics: challenges, bargains and Condorcet elections, turn by turn.

    All of KTAB's documented parameters are available under their KTAB values (e.g.
    ``SMP(voting_rule="Cubic", third_party_commit="FullCommit")``); the defaults are KTAB's and
    reproduce its reference logs exactly. Two switches fix KTAB quirks and are off by default:
    ``binding_bargains`` and ``third_party_swing``. The forecast of an issue is the median of the
    final state's outcome distribution (the distinct final positions with the probabilities KTAB
    reports for them); ``low``/``high`` are its 10% and 90% points, and ``details`` holds the most
    likely position and the mean. ``rounds[t]`` is state t (0 = input) with every actor's position,
    its position's probability of being the outcome, and the challenges of the turn that led to it.

    Names: Spatial Model of Politics, SMP, KTAB, Wise (2015).
    """

    name: ClassVar[str] = "smp"
    summary: ClassVar[str] = "KTAB's Spatial Model of Politics: challenges and bargains, turn by turn"
    tags: ClassVar[ModelTags] = ModelTags(
        stochastic=False,
        produces_rounds=True,
        joint_issues=True,
        honours_vetoes=False,  # its turns of challenges and bargains decide the outcome (docs/smp.md)
        reference="Wise et al., KAPSARC Toolkit for Behavioral Analysis (KTAB), SMP; docs/smp.md",
    )
    limits: ClassVar[ModelLimits] = ModelLimits(
        max_actors=640,
        why="each turn weighs every challenge against every third actor: time grows with actors cubed "
        "and each turn works on actors-by-actors arrays",
    )

    voting_rule: VotingRule = Field(
        "Prop", description="utility difference -> vote: Prop, Binary, PropBin, PropCbc, Cubic, ASymProsp"
    )
    victory_model: VictoryModel = Field(
        "Linear", description="coalitions -> victory chance: Linear, Square, Quartic, Octic, Binary"
    )
    pce_model: PCEModel = Field(
        "Conditional", description="Condorcet election: Conditional, MarkovIncentive, MarkovUniform"
    )
    state_transitions: StateTransitions = Field(
        "Deterministic", description="queues take the likeliest entry (Deterministic) or draw (Stochastic)"
    )
    risk_range: RiskRange = Field(
        "Mid", description="risk attitude range: Mid [-0.5,1], Min [0,1], Max [-1,1]"
    )
    risk_adjustment: RiskAdjustment = Field(
        "OneThird", description="others' risk as perceived: OneThird, None, Half, TwoThirds, Full"
    )
    third_party_commit: ThirdPartyCommit = Field(
        "SemiCommit", description="where third parties end up: SemiCommit, NoCommit, FullCommit"
    )
    bargain_interpolation: BargainInterpolation = Field(
        "S2P2", description="bargain weights (KTAB InterVecBrgn): S2P2, S1P1, S2PMax"
    )
    bargain_model: BargainModel = Field(
        "InitOnlyInterp", description="bargains per challenge: InitOnlyInterp, InitRcvrInterp, PWCompInterp"
    )
    accommodation: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="share of a move that becomes the actor's new ideal (1 = KTAB's CSV identity matrix)",
    )
    binding_bargains: bool = Field(
        False, description="True: a bargain moves its two parties only if both their queues chose it"
    )
    third_party_swing: bool = Field(
        False,
        description="True: a third party's vote is added to the side it joins, so it matters under every "
        "commitment rule (KTAB: one shared chance, third parties vanish under FullCommit/NoCommit)",
    )
    salience_scale: Literal["common", "actor"] = Field(
        "common",
        description="divide saliences by max(100, largest actor total) or by max(100, each actor's total)",
    )
    zero_salience: Literal["refuse", "tiny"] = Field(
        "refuse",
        description="refuse an actor with zero salience on every issue (KTAB), or treat a stated zero "
        "salience as a tiny positive one (1e-4 on 0-100) so that every issue gets a forecast",
    )
    max_turns: int = Field(100, ge=1, le=10_000, description="turn limit (KTAB: 100)")
    stop_ratio: float = Field(
        0.02, ge=0.0, le=1.0, description="stop when a turn moves less than this share of the first turn"
    )

    def options(self) -> SMPOptions:
        """The kernel's options for these parameters."""
        return SMPOptions(
            voting_rule=self.voting_rule,
            victory_model=self.victory_model,
            pce_model=self.pce_model,
            state_transitions=self.state_transitions,
            risk_range=self.risk_range,
            risk_adjustment=self.risk_adjustment,
            third_party_commit=self.third_party_commit,
            bargain_interpolation=self.bargain_interpolation,
            bargain_model=self.bargain_model,
            binding_bargains=self.binding_bargains,
            third_party_swing=self.third_party_swing,
            max_turns=self.max_turns,
            stop_ratio=self.stop_ratio,
        )

    def run(
        self,
        scenario: Scenario,
        *,
        seed: SeedLike = None,
        on_round: OnRound | None = None,
        keep_states: bool = True,
    ) -> SMPRun:
        """Run the model and return the kernel's full record (all states and turns, unit scale).

        With ``keep_states=False`` each past state drops its actors-by-actors arrays (distances,
        perceived risk attitudes, utilities), so memory stays flat over the turns; positions,
        turns and reported probabilities are kept and identical.
        """
        self.check_limits(scenario)
        x, sal, cap = smp_inputs(scenario, self.salience_scale, self.zero_salience)
        n = len(cap)
        acc = None if self.accommodation == 1.0 else self.accommodation * np.eye(n)
        ids = scenario.actor_ids
        draw = None
        if self.state_transitions == "Stochastic":

            def draw(turn: int, actor: int) -> float:
                # one stream per (turn, queue owner): independent of scheduling and queue order
                return float(spawn(seed, "smp", "queue", turn, ids[actor]).random())

        hook = None
        if on_round is not None:
            held = _stance_issues(scenario)

            def hook(state: int, run: SMPRun) -> None:
                on_round(_round(scenario, run, state, held))

        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
                return run_smp(
                    x,
                    sal,
                    cap,
                    self.options(),
                    accommodation=acc,
                    draw=draw,
                    on_state=hook,
                    keep_states=keep_states,
                )
        except ArithmeticError as exc:
            raise ModelError(
                f"the SMP could not finish: {exc}",
                where=f"model smp, pce_model={self.pce_model}",
                fix="use pce_model=Conditional",
            ) from None

    def forecast(
        self, scenario: Scenario, *, seed: SeedLike = None, on_round: OnRound | None = None
    ) -> Forecast:
        """Run the SMP on ``scenario`` and report every state (see the class docstring)."""
        run = self.run(scenario, seed=seed, on_round=on_round, keep_states=False)
        run.setups[-1] = run.setups[-1].released()  # what follows needs no N x N array
        # the rounds are built after the run (again, if on_round saw them): its arrays are gone by now
        held = _stance_issues(scenario)
        rounds = []
        for t in range(run.n_states):
            rounds.append(_round(scenario, run, t, held))
            if t:  # turn t - 1 is reported: its bargains are not needed again (the peak is here)
                run.turns[t - 1] = run.turns[t - 1].released()
        final = run.setups[-1]
        x = run.positions[-1]
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(final.group_prob))):
            raise ModelError(
                "the SMP's arithmetic broke down on this scenario (non-finite positions or probabilities)",
                where="model smp",
                fix="check for extreme capabilities or saliences (far below 1e-100 or above 1e100)",
            )
        reps, gp = final.groups, final.group_prob
        issues = []
        group = np.searchsorted(reps, final.rep)
        counts = np.bincount(group, minlength=len(reps))
        for k, issue in enumerate(scenario.issues):
            # each distinct final position: the mean of its members (independent of actor order)
            values = np.bincount(group, weights=x[:, k], minlength=len(reps)) / counts * 100.0
            order = np.argsort(values, kind="stable")
            cum = np.cumsum(gp[order]) / gp.sum()

            def quantile(q: float, values: np.ndarray = values[order], cum: np.ndarray = cum) -> float:
                return float(values[min(int(np.searchsorted(cum, q - 1e-12)), len(cum) - 1)])

            issues.append(
                IssueForecast(
                    issue=issue.id,
                    position=quantile(0.5),
                    low=quantile(0.1),
                    high=quantile(0.9),
                    details={
                        "most_likely": round(float(values[int(np.argmax(gp))]), 6),
                        "expected": round(float(np.dot(gp, values) / gp.sum()), 6),
                    },
                )
            )
        details: dict[str, Any] = {
            "turns": run.n_states - 1,
            "fractional_change": [round(r, 6) for r in run.ratios],
            "risk_attitudes": {
                a: round(float(r), 6) for a, r in zip(scenario.actor_ids, final.risk, strict=True)
            },
            "interval": "middle 80% of the final state's outcome probabilities",
        }
        status = Status.CONVERGED if run.converged else Status.MAX_ROUNDS
        return self._result(scenario, seed, issues, rounds=rounds, status=status, details=details)


Held = list[list[tuple[str, int]]]
"""For each actor, the (issue id, column) of every issue it has a stance on (:func:`_stance_issues`)."""


def _stance_issues(scenario: Scenario) -> Held:
    """For each actor, the (issue id, column) of every issue it has a stance on, in issue order."""
    return [
        [(i.id, d) for d, i in enumerate(scenario.issues) if scenario.stance(a.id, i.id) is not None]
        for a in scenario.actors
    ]


def _round6(values: np.ndarray) -> list[Any]:
    """``round(float(v), 6)`` of every element, as a nested list of ``values``' shape: the same bits.

    Vectorized: ``rint(v * 1e6) / 1e6`` is Python's correctly rounded result whenever ``v * 1e6`` is
    not within its own rounding error of a half; those elements (and NaN and infinities) are
    rounded by Python. A reported round of a80 has some 500 such numbers.
    """
    a = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = a * 1e6
        out = np.rint(scaled) / 1e6
        off_half = np.abs(scaled - np.floor(scaled) - 0.5)
        safe = off_half > 1e-6 + np.abs(scaled) * 4.5e-16  # False for NaN, infinities and near-halves
    if not safe.all():
        flat, src = out.reshape(-1), a.reshape(-1)
        for k in np.flatnonzero(~safe.reshape(-1)).tolist():
            flat[k] = round(float(src[k]), 6)
    return out.tolist()  # type: ignore[no-any-return]


def _round(scenario: Scenario, run: SMPRun, t: int, held: Held | None = None) -> Round:
    """State t of a run as a :class:`Round`, with the challenges of the turn that produced it.

    ``held`` is :func:`_stance_issues` of the scenario (computed if not given). Positions are
    reported on the 0-100 scale, numbers to 6 decimals (:func:`_round6`); the round is validated in
    one call from plain data.
    """
    held = _stance_issues(scenario) if held is None else held
    ids = scenario.actor_ids
    x = _round6(run.positions[t] * 100.0)
    challenges: list[dict[str, Any]] = []
    summary: dict[str, float] = {}
    if t > 0:
        turn = run.turns[t - 1]
        bargain_i, bargain_j = _round6(turn.bargain_i * 100.0), _round6(turn.bargain_j * 100.0)
        p, gain, chosen = _round6(turn.p), _round6(turn.gain), turn.chosen.tolist()
        for m, (i, j) in enumerate(zip(turn.bargain_init.tolist(), turn.bargain_rcvr.tolist(), strict=True)):
            by_i, by_j = chosen[i] == m, chosen[j] == m
            challenges.append(
                {
                    "challenger": ids[i],
                    "target": ids[j],
                    "offer": "bargain",
                    "accepted": by_i and by_j,
                    "probability": p[i],
                    "expected_utility": gain[i],
                    "details": {
                        "challenger_adopted": by_i,
                        "target_adopted": by_j,
                        "challenger_position": {issue: bargain_i[m][d] for issue, d in held[i]},
                        "target_position": {issue: bargain_j[m][d] for issue, d in held[j]},
                    },
                }
            )
        summary["change"] = round(run.ratios[t - 1], 6)
        summary["bargains"] = float(len(challenges))
    prob = _round6(run.setups[t].prob)
    return Round.model_validate(
        {
            "index": t,
            "positions": {ids[k]: {issue: x[k][d] for issue, d in held[k]} for k in range(len(ids))},
            "probabilities": {ids[k]: prob[k] for k in range(len(ids))},
            "challenges": challenges,
            "summary": summary,
        }
    )
