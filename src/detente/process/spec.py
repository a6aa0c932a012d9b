"""The road-map (process) file: phases of reciprocal moves, verification, guarantors, tension, policies.

A :class:`Process` describes a sequenced peace process on top of a scenario: its actors and issues
are the scenario's. Every block that carries numbers also carries its provenance: a ``quote`` from a
``source`` (one of the process file's sources), an ``estimate`` (the analyst's rationale for the
numbers), or both.

Units. Costs, payoffs, penalties and completion values are in one unit: the value of the whole
contested good for one round (so a cost of 2 is worth two rounds of everything at stake). Rates and
probabilities are per round; one round is ``time_step`` long. Tension is an index whose escalation
threshold is set in the file. Issue effects are in points on the scenario's 0-100 issue scales.

>>> from detente.process.io import load_embedded_process
>>> p = load_embedded_process("korea")
>>> [ph.id for ph in p.phases]
['freeze', 'talks', 'mechanism']
>>> p.move("test_moratorium").actor
'DPRK'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detente.scenario._errors import LocatedValueError
from detente.scenario._fields import AsOf, Identifier, Name, Text
from detente.scenario.stance import Source

__all__ = [
    "MOVE_KINDS",
    "Behaviour",
    "Coalition",
    "Coercion",
    "Commitment",
    "Completion",
    "Discount",
    "Entry",
    "Escalation",
    "ExitRule",
    "Guarantor",
    "Move",
    "Perception",
    "Phase",
    "Policy",
    "Process",
    "Provenance",
    "Shock",
    "StrategyChoice",
    "Tension",
    "TimeStep",
    "Verification",
]

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Effect = Annotated[float, Field(ge=-100.0, le=100.0, allow_inf_nan=False)]

MOVE_KINDS = (
    "suspend_tests",
    "suspend_exercises",
    "sanctions_relief",
    "dismantle",
    "admit_inspectors",
    "guarantee",
    "economic_project",
    "talks",
    "other",
)
"""The kinds of move a road map can contain."""

MoveKind = Literal[
    "suspend_tests",
    "suspend_exercises",
    "sanctions_relief",
    "dismantle",
    "admit_inspectors",
    "guarantee",
    "economic_project",
    "talks",
    "other",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Provenance(_Model):
    """Where a block's numbers come from: a verbatim ``quote`` from ``source``, an ``estimate``, or both."""

    source: Identifier | None = Field(default=None, description="Id of a source in the file's sources.")
    quote: Text = Field(default="", description="Words quoted verbatim from the source.")
    estimate: Text = Field(default="", description="The analyst's rationale for numbers not in the quote.")
    fitted: dict[str, Text] = Field(
        default_factory=dict,
        description="Numbers fitted to event data: field name -> the parameter of the shipped "
        "calibration (src/detente/data/korea/calibration.json) it equals, e.g. "
        "{rate: tests.pressure.p_test_after_quiet}; parameter-uncertainty runs draw it from its fit.",
    )
    ranges: dict[str, tuple[Finite, Finite]] = Field(
        default_factory=dict,
        description="Plausible ranges of estimated numbers: field name -> [low, high]; parameter-"
        "uncertainty runs draw the field uniformly from its range.",
    )

    @model_validator(mode="after")
    def _ranges_hold_their_values(self) -> Provenance:
        for name, (low, high) in self.ranges.items():
            value = getattr(self, name, None)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise LocatedValueError(
                    f"'ranges' names {name!r}, which is not a number of this block; name a numeric field",
                    ("ranges", name),
                )
            if not low <= value <= high:
                raise LocatedValueError(
                    f"the range [{low:g}, {high:g}] of {name!r} does not hold its value {value:g}; "
                    "widen the range or correct the value",
                    ("ranges", name),
                )
        return self

    @model_validator(mode="after")
    def _quote_needs_source(self) -> Provenance:
        if self.quote and not self.source:
            raise ValueError("a quote needs its source; add 'source:' with a source id")
        if self.source and not self.quote:
            raise ValueError("a source needs a quote; add 'quote:' with the words it rests on")
        return self

    def has_provenance(self) -> bool:
        """True when the block gives a quote, an estimate rationale or fitted values."""
        return bool(self.quote.strip() or self.estimate.strip() or self.fitted)


class Move(Provenance):
    """One actor's move in a phase: its cost to the actor, benefits to others, effects on issues."""

    id: Identifier
    name: Name
    actor: Identifier
    kind: MoveKind
    cost: NonNegative = Field(description="One-off cost to the actor of carrying out the move.")
    payoffs: dict[Identifier, Finite] = Field(
        default_factory=dict, description="One-off value of the move to other actors."
    )
    effects: dict[Identifier, Effect] = Field(
        default_factory=dict, description="Change of issue positions (points) once the phase is done."
    )
    verification: Literal["public", "inspected"] = Field(
        default="public", description="public: every breach is seen; inspected: found only by inspection."
    )
    power_shift: Probability = Field(
        default=0.0, description="Share of the actor's bargaining power the move gives up (disarmament)."
    )
    domestic_cost: NonNegative = Field(
        default=0.0,
        description="Political cost at home of making the move (e.g. relief before verified dismantling); "
        "added to ``cost`` in the actor's decision and reported apart.",
    )


class Entry(_Model):
    """When a phase may start: the tension index must be at or below ``max_tension`` (if given)."""

    max_tension: NonNegative | None = None


class ExitRule(_Model):
    """A phase is done after ``sustain`` rounds in a row in which a ``quorum`` of its actors complied.

    It breaks down after ``patience`` rounds in a row in which the quorum was not met.
    """

    sustain: int = Field(ge=1, le=1000)
    patience: int = Field(ge=1, le=1000)
    quorum: float = Field(default=1.0, gt=0.0, le=1.0, allow_inf_nan=False)


class Phase(Provenance):
    """A step of the road map: entry condition, the moves it asks for, and its exit rule."""

    id: Identifier
    name: Name
    description: Text = ""
    entry: Entry = Field(default_factory=Entry)
    moves: tuple[Move, ...] = Field(min_length=1)
    exit: ExitRule
    milestone: Literal["", "interim"] = Field(
        default="",
        description="'interim': completing this phase is the interim settlement, reported apart from the "
        "final one (completing the last phase).",
    )

    def actors(self) -> list[str]:
        """Actors with at least one move in this phase, in order of first appearance."""
        return list(dict.fromkeys(m.actor for m in self.moves))


class Verification(Provenance):
    """Inspections: the chance an inspection happens in a round, and the chance it finds a breach."""

    inspection_rate: Probability
    detection: Probability

    def catch_probability(self) -> float:
        """Probability that a breach of an inspected move is found in a round: r (1 - beta)."""
        return self.inspection_rate * self.detection


class Guarantor(Provenance):
    """A state that punishes detected breaches by others: a ``penalty`` imposed with ``credibility``.

    Its guarantee holds from phase ``from_phase`` on (default: the first phase).
    """

    actor: Identifier
    penalty: NonNegative
    credibility: Probability
    from_phase: Identifier | None = None
    dated: dict[AsOf, Probability] = Field(
        default_factory=dict,
        description="Credibility from a date on (YYYY, YYYY-MM or YYYY-MM-DD), applied by the scenario's "
        "as-of date: a dated break such as a veto or a treaty.",
    )

    def credibility_at(self, as_of: str) -> float:
        """The credibility in force on ``as_of`` (the latest dated value on or before it)."""
        value = self.credibility
        for when in sorted(self.dated):
            if as_of and when <= as_of:
                value = self.dated[when]
        return value


class Perception(Provenance):
    """How actors see each other's moves, and the information-quality lever.

    ``false_alarm``: chance a compliance is seen as a breach; ``miss``: chance a breach is seen as
    compliance; ``execution_error``: chance an intended move comes out the other way (seen by all).
    ``hostility_bias`` and ``hostility_noise``: how much more hostile, and how noisily, each side sees
    the other's tension level. ``information`` (0-1) scales every perception error by
    ``1 - information``; ``record`` adds a shared incident record (what really happened) that
    strategies using standing consult. ``threshold``: the share of the other actors in a phase an
    actor must see complying to count the other side as cooperating (a threshold, not unanimity).
    """

    false_alarm: Probability
    miss: Probability
    execution_error: Probability = 0.0
    hostility_bias: Finite = 0.0
    hostility_noise: NonNegative = 0.0
    information: Probability = 0.0
    record: bool = False
    threshold: float = Field(default=0.5, gt=0.0, le=1.0, allow_inf_nan=False)


class Shock(Provenance):
    """Random provocations (tests, exercises) that raise the tension of the ``actor``'s side.

    Each round it happens with probability ``rate`` and adds ``size``, unless the move
    ``suspended_by`` is in force (its phase reached and its actor complying that round).
    """

    id: Identifier
    actor: Identifier
    rate: Probability
    size: NonNegative
    suspended_by: Identifier | None = None
    rate_after: Probability | None = Field(
        default=None,
        description="Rate in a round right after a round with this shock (clustering: a two-state Markov "
        "chain); default: the same as ``rate``.",
    )
    holds_after_breakdown: NonNegative = Field(
        default=0.0,
        description="Mean rounds the suspension keeps holding after the road map breaks down (the "
        "suspending actor's patience without reward; 0: it ends at once).",
    )


class Tension(Provenance):
    """A Richardson-type tension model between two sides.

    Per round, each side's hostility x moves by ``reaction * (perceived other) - restraint * x +
    grievance + shocks + defection_shock * (share of its actors breaching) - goodwill * (share
    complying)``. The tension index is the mean of the two sides; escalation is the index reaching
    ``threshold``.
    """

    sides: tuple[tuple[Identifier, ...], tuple[Identifier, ...]]
    initial: NonNegative
    initial_dated: dict[AsOf, NonNegative] = Field(
        default_factory=dict,
        description="The tension index from a date on, applied by the scenario's as-of date.",
    )
    reaction: NonNegative
    restraint: float = Field(gt=0.0, le=1.0, allow_inf_nan=False)
    grievance: Finite = 0.0
    goodwill: NonNegative = 0.0
    defection_shock: NonNegative = 0.0
    threshold: float = Field(gt=0.0, allow_inf_nan=False)
    shocks: tuple[Shock, ...] = ()

    def initial_at(self, as_of: str) -> float:
        """The starting tension index for a scenario dated ``as_of``."""
        value = self.initial
        for when in sorted(self.initial_dated):
            if as_of and when <= as_of:
                value = self.initial_dated[when]
        return value

    @model_validator(mode="after")
    def _sides(self) -> Tension:
        a, b = self.sides
        if not a or not b:
            raise ValueError("each of the two sides needs at least one actor; list actor ids under both")
        both = set(a) & set(b)
        if both:
            raise ValueError(f"{sorted(both)} on both sides; put each actor on one side only")
        return self


class Escalation(Provenance):
    """Escalation as a hazard: the chance of a military clash in a round rises with the tension index.

    ``monthly_hazard`` is the chance at ``reference_index``; each point of tension above it multiplies
    the chance by ``exp(slope)``. When a road map has this block, escalation is this random event and
    the tension ``threshold`` only bounds the index; without it, escalation is the index reaching the
    threshold. A clash ends the run.
    """

    monthly_hazard: Probability
    reference_index: NonNegative
    slope: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)

    def hazard(self, index: Any) -> Any:
        """The clash probability at tension ``index`` (array or float)."""
        import numpy as np

        return np.minimum(
            1.0, self.monthly_hazard * np.exp(self.slope * (np.asarray(index) - self.reference_index))
        )


class Behaviour(Provenance):
    """Behavioural defaults of the strategies, stated in the file so that reports can show them.

    ``prior`` and ``learning``: the starting belief that the other side carries the process through,
    and the weight of the newest observation, for the ``self-enforcing`` rule; ``generosity``: the
    chance that generous tit for tat forgives a breach (default: Molander's bound, 1/3). A policy's
    strategy parameters override them.
    """

    prior: Probability = 0.8
    learning: Probability = 0.3
    generosity: Probability | None = None
    prior_dated: dict[AsOf, Probability] = Field(
        default_factory=dict,
        description="The prior belief from a date on, applied by the scenario's as-of date (trust is "
        "lower after a failed summit than before the first).",
    )

    def prior_at(self, as_of: str) -> float:
        """The prior belief for a scenario dated ``as_of``."""
        value = self.prior
        for when in sorted(self.prior_dated):
            if as_of and when <= as_of:
                value = self.prior_dated[when]
        return value


class Coercion(Provenance):
    """Sanctions as a coercion channel: a monthly cost on ``target`` that relief moves lift.

    While sanctions are in force the target loses ``monthly_cost x enforcement`` each round (in the
    file's unit). Completing the phase of a relief move lifts its ``relief`` share for good. In the
    target's decisions the sanctions it would escape by finishing the road map count as part of the
    value of finishing (``future``), against the sanctions it keeps by reneging. ``enforcement``
    (0-1) is how much of the cost bites, for example how strictly neighbours enforce; a policy can
    change it.
    """

    target: Identifier
    monthly_cost: NonNegative
    enforcement: Probability = 1.0
    relief: dict[Identifier, Probability] = Field(
        default_factory=dict, description="Share of the sanctions each relief move lifts (by move id)."
    )


class Commitment(Provenance):
    """The power-shift (commitment-problem) setting: who disarms, against whom, and the war values.

    ``power``: the disarming actor's expected share of the contested good from war now; ``war_cost``:
    its one-off cost of war (same unit as move costs).
    """

    actor: Identifier
    counterpart: Identifier
    power: float = Field(gt=0.0, lt=1.0, allow_inf_nan=False)
    war_cost: NonNegative


class Discount(Provenance):
    """The discount factor per round."""

    value: float = Field(gt=0.0, lt=1.0, allow_inf_nan=False)


class Completion(Provenance):
    """What a completed road map is worth to each actor (beyond the moves' own payoffs)."""

    values: dict[Identifier, Finite]


class TimeStep(_Model):
    """How long one round is, for reading times: ``length`` ``unit`` (e.g. 1 month)."""

    length: float = Field(default=1.0, gt=0.0, allow_inf_nan=False)
    unit: Name = "month"


class StrategyChoice(_Model):
    """A strategy name with optional parameters, e.g. ``{name: grit, params: {patience: 3}}``."""

    name: Identifier
    params: dict[str, float | int] = Field(default_factory=dict)


class Coalition(Provenance):
    """A coalition of pragmatic states: information, more credible guarantees, side payments.

    ``information`` is added to the information lever (perception errors shrink); ``credibility`` is
    added to that of guarantors who are members; ``side_payment`` is added to the completion value of
    every actor outside the coalition.
    """

    members: tuple[Identifier, ...] = Field(min_length=1)
    information: Probability = 0.0
    credibility: Probability = 0.0
    side_payment: NonNegative = 0.0
    entry_bonus: NonNegative = Field(
        default=0.0,
        description="Points added to every phase's entry tension limit (the coalition lowers the barrier "
        "to talks).",
    )


class Policy(Provenance):
    """A way of carrying out the road map: strategies per actor plus lever settings."""

    id: Identifier
    name: Name
    description: Text = ""
    strategies: dict[Identifier, Identifier | StrategyChoice] = Field(
        description="Strategy per actor id; the key 'default' applies to actors not listed."
    )
    perception: dict[str, float | bool] = Field(
        default_factory=dict, description="Overrides of perception fields, e.g. {information: 0.7}."
    )
    guarantees: bool = Field(default=True, description="False: no guarantors and no guarantee moves.")
    coalition: Coalition | None = None
    sequencing: dict[Identifier, int] = Field(
        default_factory=dict,
        description="Actors whose moves in each phase fall due only after their counterparts have "
        "complied this many rounds in a row in that phase ('you first'); before that their not moving "
        "is no breach.",
    )
    enforcement: Probability | None = Field(
        default=None, description="Overrides the coercion block's sanctions enforcement (0-1)."
    )
    bundle: bool = Field(
        default=False,
        description="True when the policy changes several levers at once on purpose; otherwise it may "
        "differ from the first (baseline) policy in one lever only.",
    )

    def levers(self, baseline: Policy, actors: list[str]) -> list[str]:
        """The levers in which this policy differs from ``baseline`` (strategies of ``actors``)."""
        out = [f"strategy of {a}" for a in actors if self.strategy_for(a) != baseline.strategy_for(a)]
        if self.perception != baseline.perception:
            out.append("perception")
        if self.guarantees != baseline.guarantees:
            out.append("guarantees")
        if self.coalition != baseline.coalition:
            out.append("coalition")
        if self.sequencing != baseline.sequencing:
            out.append("sequencing")
        if self.enforcement != baseline.enforcement:
            out.append("enforcement")
        return out

    @model_validator(mode="after")
    def _perception_keys(self) -> Policy:
        allowed = set(Perception.model_fields) - set(Provenance.model_fields)
        bad = sorted(set(self.perception) - allowed)
        if bad:
            raise LocatedValueError(
                f"unknown perception setting {bad[0]!r}; use one of: {', '.join(sorted(allowed))}",
                ("perception", bad[0]),
            )
        base = {"false_alarm": 0.0, "miss": 0.0}
        for key, value in self.perception.items():
            try:
                Perception.model_validate({**base, key: value})
            except ValidationError as exc:
                err = exc.errors(include_url=False)[0]
                raise LocatedValueError(
                    f"{err['msg']} (got {value!r}); see docs/process.md for the perception settings",
                    ("perception", key),
                ) from None
        return self

    def strategy_for(self, actor: str) -> StrategyChoice:
        """The strategy this policy gives ``actor``."""
        choice = self.strategies.get(actor, self.strategies.get("default", "tft"))
        return StrategyChoice(name=choice) if isinstance(choice, str) else choice


class Process(_Model):
    """A sequenced peace process (road map) on a scenario, with the policies to compare."""

    format: Literal["detente-process/1"] = "detente-process/1"
    name: Name
    description: Text = ""
    scenario: Name = Field(description="Embedded scenario name (or file) whose actors and issues it uses.")
    sources: tuple[Source, ...] = ()
    time_step: TimeStep = Field(default_factory=TimeStep)
    horizon: int = Field(ge=1, le=10_000, description="Rounds simulated per run.")
    discount: Discount
    verification: Verification
    guarantors: tuple[Guarantor, ...] = ()
    perception: Perception
    tension: Tension
    commitment: Commitment | None = None
    behaviour: Behaviour = Field(default_factory=Behaviour)
    coercion: Coercion | None = None
    escalation: Escalation | None = None
    completion: Completion
    escalation_effects: dict[Identifier, Effect] = Field(default_factory=dict)
    escalation_note: Text = ""
    phases: tuple[Phase, ...] = Field(min_length=1)
    policies: tuple[Policy, ...] = Field(min_length=1)

    def move(self, move_id: str) -> Move:
        """The move with id ``move_id``."""
        for ph in self.phases:
            for m in ph.moves:
                if m.id == move_id:
                    return m
        raise KeyError(move_id)

    def phase_of(self, move_id: str) -> int:
        """Index of the phase that contains ``move_id``."""
        for k, ph in enumerate(self.phases):
            if any(m.id == move_id for m in ph.moves):
                return k
        raise KeyError(move_id)

    def policy(self, policy_id: str) -> Policy:
        """The policy with id ``policy_id``."""
        for p in self.policies:
            if p.id == policy_id:
                return p
        raise KeyError(policy_id)

    def actors(self) -> list[str]:
        """Every actor that moves in some phase, in order of first appearance."""
        return list(dict.fromkeys(m.actor for ph in self.phases for m in ph.moves))

    def provenance_blocks(self) -> list[tuple[str, Provenance]]:
        """Every block that carries numbers, with its path (for provenance checks)."""
        out: list[tuple[str, Provenance]] = [
            ("discount", self.discount),
            ("verification", self.verification),
            ("perception", self.perception),
            ("tension", self.tension),
            ("completion", self.completion),
        ]
        if self.commitment is not None:
            out.append(("commitment", self.commitment))
        if self.coercion is not None:
            out.append(("coercion", self.coercion))
        if self.escalation is not None:
            out.append(("escalation", self.escalation))
        if "behaviour" in self.model_fields_set:
            out.append(("behaviour", self.behaviour))
        out += [(f"guarantors[{k}]", g) for k, g in enumerate(self.guarantors)]
        out += [(f"tension.shocks[{k}]", s) for k, s in enumerate(self.tension.shocks)]
        for k, ph in enumerate(self.phases):
            out.append((f"phases[{k}]", ph))
            out += [(f"phases[{k}].moves[{j}]", m) for j, m in enumerate(ph.moves)]
        for k, po in enumerate(self.policies):
            out.append((f"policies[{k}]", po))
            if po.coalition is not None:
                out.append((f"policies[{k}].coalition", po.coalition))
        return out

    def summary(self) -> dict[str, Any]:
        """Counts for listings."""
        return {
            "phases": len(self.phases),
            "moves": sum(len(p.moves) for p in self.phases),
            "policies": len(self.policies),
            "horizon": self.horizon,
        }
