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
from detente.scenario._fields import Identifier, Name, Text
from detente.scenario.stance import Source

__all__ = [
    "MOVE_KINDS",
    "Coalition",
    "Commitment",
    "Completion",
    "Discount",
    "Entry",
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

    @model_validator(mode="after")
    def _quote_needs_source(self) -> Provenance:
        if self.quote and not self.source:
            raise ValueError("a quote needs its source; add 'source:' with a source id")
        if self.source and not self.quote:
            raise ValueError("a source needs a quote; add 'quote:' with the words it rests on")
        return self

    def has_provenance(self) -> bool:
        """True when the block gives a quote or an estimate rationale."""
        return bool(self.quote.strip() or self.estimate.strip())


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


class Tension(Provenance):
    """A Richardson-type tension model between two sides.

    Per round, each side's hostility x moves by ``reaction * (perceived other) - restraint * x +
    grievance + shocks + defection_shock * (share of its actors breaching) - goodwill * (share
    complying)``. The tension index is the mean of the two sides; escalation is the index reaching
    ``threshold``.
    """

    sides: tuple[tuple[Identifier, ...], tuple[Identifier, ...]]
    initial: NonNegative
    reaction: NonNegative
    restraint: float = Field(gt=0.0, le=1.0, allow_inf_nan=False)
    grievance: Finite = 0.0
    goodwill: NonNegative = 0.0
    defection_shock: NonNegative = 0.0
    threshold: float = Field(gt=0.0, allow_inf_nan=False)
    shocks: tuple[Shock, ...] = ()

    @model_validator(mode="after")
    def _sides(self) -> Tension:
        a, b = self.sides
        if not a or not b:
            raise ValueError("each of the two sides needs at least one actor; list actor ids under both")
        both = set(a) & set(b)
        if both:
            raise ValueError(f"{sorted(both)} on both sides; put each actor on one side only")
        return self


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
