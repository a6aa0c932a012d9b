"""Bueno de Mesquita's expected-utility model, as clarified by Scholz, Calbert & Smith (2011).

Each round, every actor weighs the expected utility of challenging every other actor (eq. 25a of
Scholz et al.: the chance of winning a contest decided by the others' votes, the target's salience,
and the risk attitude derived from how threatened the actor is). Each pair of actors then lands in
one region of Bueno de Mesquita's perceptual chart: conflict, compromise, capitulation or stalemate.
Every actor accepts the offer it prefers (losing a conflict, then compromising, then capitulating;
within a kind, the least movement), and all actors move at once. After a fixed number of rounds the
forecast is the median voter position (or the weighted mean). Issues are run one at a time.

Two modes fix the choices the published descriptions leave open (``specs/bdm-scholz.md``):

=================  ==============================  ======================================
option             ``mode="reference"`` (default)  ``mode="paper"``
=================  ==============================  ======================================
normalisation      ``triple`` (section 5b)          ``pair`` (eq. 31, section 5a)
votes              ``risk`` (voters' exponents)     ``linear``
perspective        ``receiver``                     ``own`` (eq. 25b)
capitulation       off (dead in the reference)      on
choice             ``scholz_key``                   ``least_move``
=================  ==============================  ======================================

The reference mode reproduces the trajectory published by Scholz et al. and the per-round output
of their replication script; any option can be overridden one at a time. ``q`` (Q, default 1.0 as
in Bueno de Mesquita 1994) applies to both.

:func:`reference_log` writes a run in the layout of that script's log, which it reproduces byte for
byte on the EC input. :class:`ExpectedUtilityMC` adds noise on the inputs and random tie-breaking
and returns a forecast distribution.

Examples
--------
>>> from detente.scenarios import load_scenario
>>> ec = load_scenario("ec-emissions")
>>> f = ExpectedUtility().forecast(ec)
>>> [round(ec.issue("delay").to_natural(r.summary["mean:delay"]), 3) for r in f.rounds[:5]]
[7.39, 7.461, 7.553, 7.59, 7.358]
>>> [round(ec.issue("delay").to_natural(r.summary["median:delay"]), 3) for r in f.rounds[:5]]
[7.0, 8.416, 9.611, 9.962, 9.962]
>>> for c in f.rounds[1].challenges:
...     if c.accepted:
...         print(c.target, c.offer, c.challenger)
Belgium compromise France
Luxembourg conflict Belgium
Ireland conflict Luxembourg
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import partial
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from detente._random import child_sequence, spawn
from detente._types import SeedLike
from detente.errors import ModelError
from detente.experiments.run import run_replicates
from detente.models import _eu_kernel as kernel
from detente.models._weights import influence_weights
from detente.models.base import ForecastModel, ModelLimits, ModelTags, OnRound
from detente.models.result import Challenge, Forecast, IssueForecast, Round, Status
from detente.scenario import Scenario

__all__ = ["MODES", "ExpectedUtility", "ExpectedUtilityMC", "reference_log"]

MODES: dict[str, dict[str, Any]] = {
    "reference": {
        "normalisation": "triple",
        "votes": "risk",
        "perspective": "receiver",
        "capitulation": False,
        "choice": "scholz_key",
    },
    "paper": {
        "normalisation": "pair",
        "votes": "linear",
        "perspective": "own",
        "capitulation": True,
        "choice": "least_move",
    },
}
"""The options each mode sets (see the module docstring); an explicit parameter overrides its mode."""

_QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)

MAX_RECORDED_ACTORS = 60
"""Issues with more actors record only accepted offers, and each actor's expected utilities for the
first round only, so that forecasts of large scenarios stay small."""

_REFERENCE = (
    "Bueno de Mesquita (1994), in Stokman (ed.), European Community Decision Making, ch. 4; "
    "Scholz, Calbert & Smith (2011), J. Theoretical Politics 23(4):510-531"
)


class ExpectedUtility(ForecastModel):
    """Bueno de Mesquita's expected-utility model, round by round, one issue at a time.

    Each round's challenges (who made which offer to whom, of which kind, whether it was accepted,
    with both expected utilities) are in ``Forecast.rounds[k].challenges``; ``Round.summary`` holds
    the median voter position and the weighted mean of each issue (``"median:<issue>"``,
    ``"mean:<issue>"``, 0-100). ``IssueForecast.details`` holds, per round, every actor's threat
    level, risk exponent and expected utilities (see :meth:`forecast`).

    Degenerate inputs: when all actors on an issue share one position (or there is one actor),
    nothing moves and the forecast is that position (``details["degenerate"]`` says so). When every
    actor on an issue has zero capability or zero salience nobody can win a vote, and the model
    raises :class:`~detente.errors.ModelError` naming the issue.
    """

    name: ClassVar[str] = "expected-utility"
    summary: ClassVar[str] = (
        "Bueno de Mesquita's expected-utility model (Scholz et al. 2011): challenges and offers by round"
    )
    tags: ClassVar[ModelTags] = ModelTags(
        produces_rounds=True,
        honours_vetoes=False,  # its rounds of challenges decide the outcome (docs/expected-utility.md)
        reference=_REFERENCE,
    )
    limits: ClassVar[ModelLimits] = ModelLimits(
        max_actors=500,
        max_issues=50,
        max_work=2.5e8,
        work_exponent=3,
        why="each round weighs every challenge against every third actor: time grows with actors cubed, "
        "and the rounds of every issue are kept",
    )

    rounds: int = Field(
        default=10, ge=1, le=10_000, description="Number of rounds (the run may stop earlier with tolerance)."
    )
    mode: Literal["reference", "paper"] = Field(
        default="reference",
        description="'reference': the variant that reproduces Scholz et al.'s published trajectory; "
        "'paper': the model as the paper states it.",
    )
    normalisation: Literal["triple", "pair"] | None = Field(
        default=None,
        description="Probability of success: 'pair' (P(i beats j) + P(j beats i) = 1) or 'triple' "
        "(the reference's all-pairs denominator); default from mode.",
    )
    votes: Literal["risk", "linear"] | None = Field(
        default=None,
        description="Votes on distances raised to each voter's risk exponent ('risk') or linear; "
        "default from mode.",
    )
    perspective: Literal["receiver", "own"] | None = Field(
        default=None,
        description="Whose risk exponent evaluates the other side's challenge: the actor deciding "
        "('receiver') or the challenger ('own'); default from mode.",
    )
    capitulation: bool | None = Field(
        default=None, description="Allow capitulation offers (dead in the reference); default from mode."
    )
    choice: Literal["scholz_key", "least_move", "strongest_sender"] | None = Field(
        default=None,
        description="Which offer of the best kind an actor takes: least movement, the sender with the "
        "highest expected utility, or Scholz's weighted-position key for compromises; default from mode.",
    )
    q: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="Q, the probability that an unchallenged target stays put (1.0 as in BDM 1994; "
        "0.5 in BDM & Lalman 1986).",
    )
    tolerance: Annotated[float, Field(ge=0.0, le=100.0)] | None = Field(
        default=None,
        description="Convergence rule: stop when no actor moves more than this (0-100 scale) in a "
        "round; None runs the fixed number of rounds.",
    )
    predict: Literal["median", "mean"] = Field(
        default="median",
        description="Forecast after the last round: the median voter position or the weighted mean.",
    )
    summation: Literal["canonical", "actor_order"] = Field(
        default="canonical",
        description="Order of sums over actors: 'canonical' (results independent of actor order) or "
        "'actor_order' (the reference's float order, digit for digit).",
    )

    # --- options ---------------------------------------------------------------------------------

    def settings(self) -> kernel.Settings:
        """The resolved options (mode defaults with explicit parameters on top)."""
        chosen = dict(MODES[self.mode])
        for key in chosen:
            value = getattr(self, key)
            if value is not None:
                chosen[key] = value
        return kernel.Settings(**chosen, q=self.q, summation=self.summation)

    # --- the verb --------------------------------------------------------------------------------

    def forecast(
        self, scenario: Scenario, *, seed: SeedLike = None, on_round: OnRound | None = None
    ) -> Forecast:
        """Play the rounds on every issue and forecast each from the last round.

        ``IssueForecast.details`` per issue: ``actors`` (ids, the order of the lists below),
        ``range`` (the initial range of positions, 0-100), ``rounds`` (rounds played),
        ``converged``, ``degenerate`` (None, or why nothing could move), ``median`` and ``mean``
        (per round, round 0 first), and per round from round 1: ``threat`` (threat levels),
        ``risk`` (R, -1..1), ``exponent`` (r, 0.5..2), ``eu_ij`` (``[i][j]``: E_i(U_ij), i's
        expected utility of challenging j) and ``eu_ji`` (``[i][j]``: j's expected utility of
        challenging i as i's decision evaluates it). Issues with more than
        :data:`MAX_RECORDED_ACTORS` actors keep ``eu_ij``/``eu_ji`` for round 1 only.

        The seed is not used: the model is deterministic (see :class:`ExpectedUtilityMC`).
        """
        self.check_limits(scenario)
        settings = self.settings()
        inputs = [_IssueInput.from_scenario(scenario, i, self.name) for i in scenario.issue_ids]
        runs = [
            kernel.iterate_issue(inp.x, inp.w, inp.s, settings, rounds=self.rounds, tolerance=self.tolerance)
            for inp in inputs
        ]
        states = [next(it) for it in runs]
        actor_ids = _actors_with_stances(scenario, inputs)
        history = [_round(0, inputs, [st[0] for st in states], [None] * len(inputs), actor_ids)]
        if on_round is not None:
            on_round(history[0])
        active = [not st[0].converged for st in states]
        for t in range(1, self.rounds + 1):
            steps: list[kernel.Step | None] = [None] * len(inputs)
            for k, it in enumerate(runs):
                if not active[k]:
                    continue
                try:
                    states[k] = next(it)
                except StopIteration:  # pragma: no cover - iterate_issue ends only after yielding
                    active[k] = False
                    continue
                steps[k] = states[k][1]
                active[k] = not states[k][0].converged
            if all(s is None for s in steps):
                break
            history.append(_round(t, inputs, [st[0] for st in states], steps, actor_ids))
            if on_round is not None:
                on_round(history[-1])
        issues = [self._issue_forecast(inp, st[0]) for inp, st in zip(inputs, states, strict=True)]
        converged = all(st[0].converged for st in states)
        return self._result(
            scenario,
            seed,
            issues,
            rounds=history,
            status=Status.CONVERGED if converged else Status.MAX_ROUNDS,
            details={"settings": dataclasses.asdict(settings)},
        )

    def _issue_forecast(self, inp: _IssueInput, run: kernel.IssueRun) -> IssueForecast:
        final = run.medians[-1] if self.predict == "median" else run.means[-1]
        full = inp.n <= MAX_RECORDED_ACTORS
        views = run.steps if full else run.steps[:1]
        details: dict[str, Any] = {
            "actors": list(inp.actor_ids),
            "range": inp.delta,
            "rounds": len(run.steps),
            "converged": run.converged,
            "degenerate": run.degenerate,
            "median": [float(m) for m in run.medians],
            "mean": [float(m) for m in run.means],
            "threat": [st.threat.tolist() for st in run.steps],
            "risk": [st.big_r.tolist() for st in run.steps],
            "exponent": [st.r.tolist() for st in run.steps],
            "eu_ij": [st.u.tolist() for st in views],
            "eu_ji": [st.v.tolist() for st in views],
        }
        return IssueForecast(issue=inp.issue_id, position=float(np.clip(final, 0.0, 100.0)), details=details)


class ExpectedUtilityMC(ExpectedUtility):
    """Monte Carlo expected-utility model: a forecast distribution from noisy inputs and random ties.

    Each of ``runs`` replicates perturbs positions (normal noise of ``position_sd``, or the stance's
    own ``uncertainty`` where it has one: its sd, or its range read as uniform), saliences (normal,
    ``salience_sd``) and capabilities (log-normal, mean one, ``capability_cv``; one factor per actor
    for all issues), clipped to the 0-100 scale; runs :class:`ExpectedUtility` with the same
    options; and breaks exact ties between equally good offers at random. Issues on which every
    actor holds the same position are not perturbed (there is nothing to bargain over), so their
    forecast is that position. Every draw is keyed by the replicate and the ids of the actor and
    issue it belongs to, so results do not depend on the order of actors or issues.

    The forecast of an issue is the median of the replicates' forecasts, with ``low``/``high`` the
    central ``level`` interval; ``details`` holds the mean, standard deviation, quantiles and every
    replicate's value. ``rounds`` holds, per round, the mean over replicates of each actor's
    position and of the median and mean.

    Reproducible from the seed; ``n_jobs`` worker processes give the same result as one.

    Examples
    --------
    >>> from detente.scenarios import load_scenario
    >>> m = ExpectedUtilityMC(runs=20)
    >>> a = m.forecast(load_scenario("ec-emissions"), seed=4)
    >>> a == m.forecast(load_scenario("ec-emissions"), seed=4)
    True
    >>> f = a.issues[0]
    >>> f.low <= f.position <= f.high, len(f.details["values"])
    (True, 20)
    """

    name: ClassVar[str] = "expected-utility-mc"
    summary: ClassVar[str] = (
        "expected-utility model with noisy inputs and random tie-breaking: a forecast distribution"
    )
    tags: ClassVar[ModelTags] = ModelTags(
        stochastic=True, produces_rounds=True, honours_vetoes=False, reference=_REFERENCE
    )
    limits: ClassVar[ModelLimits] = ModelLimits(
        max_actors=150,
        max_issues=20,
        max_work=6.75e6,
        work_exponent=3,
        why="it plays the expected-utility rounds once per run (100 by default): time grows with actors "
        "cubed times runs",
    )

    runs: int = Field(default=100, ge=1, le=100_000, description="Number of Monte Carlo replicates.")
    position_sd: float = Field(
        default=5.0,
        ge=0.0,
        le=100.0,
        description="Standard deviation of position noise (0-100 scale) where a stance gives none.",
    )
    salience_sd: float = Field(
        default=5.0, ge=0.0, le=100.0, description="Standard deviation of salience noise (0-100 scale)."
    )
    capability_cv: float = Field(
        default=0.1, ge=0.0, le=10.0, description="Coefficient of variation of capability noise."
    )
    random_ties: bool = Field(default=True, description="Break exact ties between offers at random.")
    level: float = Field(default=0.8, gt=0.0, lt=1.0, description="Level of the predictive interval.")
    n_jobs: int = Field(
        default=1, ge=-1, le=1024, description="Worker processes (-1: one per CPU); results do not change."
    )

    def forecast(
        self, scenario: Scenario, *, seed: SeedLike = None, on_round: OnRound | None = None
    ) -> Forecast:
        """Run the replicates and summarise them (see the class docstring)."""
        self.check_limits(scenario)
        for issue_id in scenario.issue_ids:  # a clear error up front, before any worker starts
            influence_weights(scenario.issue_data(issue_id), self.name)
        func = partial(_mc_replicate, self, scenario)
        results: list[dict[str, np.ndarray]] = run_replicates(
            func, range(self.runs), seed=child_sequence(seed, self.name), n_jobs=self.n_jobs
        )
        actor_ids = {i: scenario.issue_data(i).actor_ids for i in scenario.issue_ids}
        issues, n_rounds = [], 1
        for issue_id in scenario.issue_ids:
            values = np.array([r[issue_id + "/value"][0] for r in results])
            lo_q, hi_q = (1 - self.level) / 2, 1 - (1 - self.level) / 2
            quantiles = {
                f"{q:g}": float(np.quantile(values, q)) for q in (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
            }
            issues.append(
                IssueForecast(
                    issue=issue_id,
                    position=float(np.median(values)),
                    low=float(np.quantile(values, lo_q)),
                    high=float(np.quantile(values, hi_q)),
                    details={
                        "runs": self.runs,
                        "level": self.level,
                        "mean": float(values.mean()),
                        "sd": float(values.std(ddof=1)) if values.size > 1 else 0.0,
                        "quantiles": quantiles,
                        "values": values.tolist(),
                    },
                )
            )
            n_rounds = max(n_rounds, results[0][issue_id + "/positions"].shape[0])
        history = []
        for t in range(n_rounds):
            positions: dict[str, dict[str, float]] = {}
            summary: dict[str, float] = {}
            for issue_id in scenario.issue_ids:
                pos = np.mean([_at(r[issue_id + "/positions"], t) for r in results], axis=0)
                for a, value in zip(actor_ids[issue_id], pos, strict=True):
                    positions.setdefault(a, {})[issue_id] = float(value)
                for stat in ("median", "mean"):
                    summary[f"{stat}:{issue_id}"] = float(
                        np.mean([_at(r[f"{issue_id}/{stat}"], t) for r in results])
                    )
            history.append(Round(index=t, positions=positions, summary=summary))
            if on_round is not None:
                on_round(history[-1])
        return self._result(
            scenario,
            seed,
            issues,
            rounds=history,
            status=Status.MAX_ROUNDS,
            details={"settings": dataclasses.asdict(self.settings()), "runs": self.runs},
        )


def _at(values: np.ndarray, t: int) -> np.ndarray:
    """Row ``t`` of a per-round array, or its last row when the run stopped earlier."""
    return values[min(t, values.shape[0] - 1)]


def _mc_replicate(
    model: ExpectedUtilityMC, scenario: Scenario, task: int, seq: np.random.SeedSequence
) -> dict[str, np.ndarray]:
    """One Monte Carlo replicate: perturb the inputs, then run every issue (top level: picklable).

    Every draw comes from a stream named by the replicate's seed and the ids of the actor and issue
    it belongs to, so the result does not depend on the order of actors or issues.
    """
    settings = model.settings()
    factor = {a: _capability_factor(seq, a, model.capability_cv) for a in scenario.actor_ids}
    out: dict[str, np.ndarray] = {}
    for issue_id in scenario.issue_ids:
        inp = _IssueInput.from_scenario(scenario, issue_id, model.name)
        if inp.delta > 0:  # unanimous issues are left alone: nothing to bargain over
            inp = _perturbed(model, scenario, inp, seq, factor)
        ties = None
        if model.random_ties:
            streams = [spawn(seq, "ties", issue_id, a) for a in inp.actor_ids]

            def ties(streams: list[np.random.Generator] = streams) -> np.ndarray:
                return np.array([g.random() for g in streams])

        run = kernel.run_issue(
            inp.x, inp.w, inp.s, settings, rounds=model.rounds, tolerance=model.tolerance, ties=ties
        )
        final = run.medians[-1] if model.predict == "median" else run.means[-1]
        out[issue_id + "/value"] = np.array([float(np.clip(final, 0.0, 100.0))])
        out[issue_id + "/positions"] = np.array(run.positions)
        out[issue_id + "/median"] = np.array(run.medians)
        out[issue_id + "/mean"] = np.array(run.means)
    return out


def _capability_factor(seq: np.random.SeedSequence, actor_id: str, cv: float) -> float:
    """A mean-one log-normal factor with coefficient of variation ``cv``."""
    if cv <= 0:
        return 1.0
    sigma = float(np.sqrt(np.log1p(cv**2)))
    return float(spawn(seq, "capability", actor_id).lognormal(-(sigma**2) / 2.0, sigma))


def _perturbed(
    model: ExpectedUtilityMC,
    scenario: Scenario,
    inp: _IssueInput,
    seq: np.random.SeedSequence,
    factor: dict[str, float],
) -> _IssueInput:
    """The issue's inputs with noise: a stance's own uncertainty where it has one, else the model's."""
    x, sal = inp.x.copy(), inp.s * 100.0
    for k, a in enumerate(inp.actor_ids):
        g = spawn(seq, "stance", a, inp.issue_id)
        z, uniform, zs = g.standard_normal(), g.random(), g.standard_normal()
        stance = scenario.stance(a, inp.issue_id)
        u = stance.uncertainty if stance is not None else None
        if u is not None and u.sd is None and u.low is not None and u.high is not None:
            x[k] = u.low + (u.high - u.low) * uniform
        else:
            x[k] = x[k] + (u.sd if u is not None and u.sd is not None else model.position_sd) * z
        sal[k] = sal[k] + model.salience_sd * zs
    s = np.clip(sal, 0.0, 100.0) / 100.0
    caps = np.array([scenario.actor(a).capability * factor[a] for a in inp.actor_ids])
    w = caps * s
    if not np.any(w > 0):  # noise took every weight to zero: keep the inputs as they were
        return inp
    return _IssueInput(inp.issue_id, inp.actor_ids, np.clip(x, 0.0, 100.0), w, s)


# --- plumbing ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _IssueInput:
    """One issue's numbers for the kernel: positions (0-100), weights c x s, saliences on 0-1."""

    issue_id: str
    actor_ids: tuple[str, ...]
    x: np.ndarray
    w: np.ndarray
    s: np.ndarray

    @property
    def n(self) -> int:
        return len(self.actor_ids)

    @property
    def delta(self) -> float:
        return float(self.x.max() - self.x.min())

    @classmethod
    def from_scenario(cls, scenario: Scenario, issue_id: str, model_name: str) -> _IssueInput:
        data = scenario.issue_data(issue_id)
        influence_weights(data, model_name)  # raises ModelError when every weight is 0
        s = data.saliences / 100.0
        w = data.capabilities * s
        if not np.any(w > 0):  # positive, but the product underflows
            raise ModelError(
                f"capability x salience underflows to zero for every actor on issue {issue_id!r}",
                where=f"issue {issue_id}",
                fix="rescale the capabilities (only their ratios matter)",
            )
        return cls(issue_id, data.actor_ids, data.positions.astype(float), w, s)


def _actors_with_stances(scenario: Scenario, inputs: Sequence[_IssueInput]) -> list[str]:
    held = {a for inp in inputs for a in inp.actor_ids}
    return [a for a in scenario.actor_ids if a in held]


def _round(
    index: int,
    inputs: Sequence[_IssueInput],
    runs: Sequence[kernel.IssueRun],
    steps: Sequence[kernel.Step | None],
    actor_ids: Sequence[str],
) -> Round:
    """The state of every issue after round ``index``, with the offers made in that round."""
    positions: dict[str, dict[str, float]] = {a: {} for a in actor_ids}
    summary: dict[str, float] = {}
    challenges: list[Challenge] = []
    for inp, run, st in zip(inputs, runs, steps, strict=True):
        x = run.positions[-1]
        for a, value in zip(inp.actor_ids, x, strict=True):
            positions[a][inp.issue_id] = float(value)
        summary[f"median:{inp.issue_id}"] = float(run.medians[-1])
        summary[f"mean:{inp.issue_id}"] = float(run.means[-1])
        if st is not None:
            challenges.extend(_challenges(inp, st))
    return Round(index=index, positions=positions, challenges=tuple(challenges), summary=summary)


def _challenges(inp: _IssueInput, st: kernel.Step) -> list[Challenge]:
    """Every offer of a round (only the accepted ones on issues with many actors), receiver by receiver."""
    made = st.kind < kernel.NO_OFFER
    if inp.n > MAX_RECORDED_ACTORS:
        made &= st.chosen[:, None] == np.arange(inp.n)[None, :]
    ids = inp.actor_ids
    return [
        Challenge(
            challenger=ids[b],
            target=ids[a],
            issue=inp.issue_id,
            offer=kernel.KINDS[st.kind[a, b]],
            accepted=bool(st.chosen[a] == b),
            probability=float(st.p[b, a]),
            expected_utility=float(st.v[a, b]),
            details={"target_eu": float(st.u[a, b]), "position": float(st.offer[a, b])},
        )
        for a, b in zip(*np.nonzero(made), strict=True)
    ]


# --- the reference log ------------------------------------------------------------------------------

_VERBS = {
    "conflict": "loses confrontation to",
    "compromise": "compromises with",
    "capitulation": "capitulates to",
}


def reference_log(
    scenario: Scenario,
    issue_id: str | None = None,
    *,
    rounds: int = 10,
    median_typo: bool = True,
    model: ExpectedUtility | None = None,
) -> str:
    r"""A run in the layout of the log of Scholz et al.'s replication script (``specs`` section 10).

    The run is made in the issue's natural units (years for the EC case), as the script did, with
    ``model``'s options (default: reference mode summed in actor order, which reproduces the
    published log byte for byte). ``median_typo`` repeats the script's mistake of printing the mean
    on the ``Median position:`` line of every round after round 0; pass False for the true median.

    >>> from detente.scenarios import load_scenario
    >>> for line in reference_log(load_scenario("ec-emissions"), rounds=1).splitlines()[3:7]:
    ...     print(line.replace("\t", "<tab>"))
    ROUND 1
    Belgium compromises with France
    <tab>-0.11483050347300794 vs 0.2432965945234421
    <tab>new_pos = 8.415932315426764
    """
    if model is None:
        model = ExpectedUtility(summation="actor_order")
    issue_id = issue_id or scenario.issue_ids[0]
    inp = _IssueInput.from_scenario(scenario, issue_id, model.name)
    issue = scenario.issue(issue_id)
    x = np.array([issue.to_natural(float(v)) for v in inp.x])
    run = kernel.run_issue(x, inp.w, inp.s, model.settings(), rounds=rounds)
    names = [scenario.actor(a).name for a in inp.actor_ids]
    lines = [f"Median position: {run.medians[0]!r}", f"Mean position: {run.means[0]!r}"]
    for t, st in enumerate(run.steps, start=1):
        lines += ["", f"ROUND {t}"]
        for a in np.flatnonzero(st.chosen >= 0):
            b = int(st.chosen[a])
            lines += [
                f"{names[a]} {_VERBS[kernel.KINDS[st.kind[a, b]]]} {names[b]}",
                f"\t{float(st.u[a, b])!r} vs {float(st.v[a, b])!r}",
                f"\tnew_pos = {float(st.positions[a])!r}",
            ]
        median = run.means[t] if median_typo else run.medians[t]
        lines += ["", f"Median position: {median!r}", f"Mean position: {run.means[t]!r}"]
    return "\n".join(lines) + "\n"
