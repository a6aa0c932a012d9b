"""Decision rules and verdicts: who gains from a package, who accepts it, and who can veto it.

An actor *accepts* a package when its utility of the package is at least its utility without
agreement (status quo or BATNA; see :mod:`detente.deals.utility`), within a tolerance of ``1e-9``:
an indifferent actor accepts. Two decision rules say whether the package is adopted:

* :class:`Unanimity`: every named veto player must accept (no names: every actor is a veto player).
  A veto player that rejects the package *vetoes* it.
* :class:`WeightedMajority`: the accepting actors' weights (capabilities unless stated) must reach
  ``threshold`` of the total weight, and any named veto players must also accept. An accepting actor
  is *pivotal* when the package would fail without it.

>>> import numpy as np
>>> from detente.scenario import Actor, Issue, Scenario, Stance
>>> s = Scenario(name="t", actors=[Actor(id="A", name="A", capability=1),
...                                Actor(id="B", name="B", capability=3)],
...              issues=[Issue(id="x", name="X", status_quo=50)],
...              stances=[Stance(actor="A", issue="x", position=0, salience=50),
...                       Stance(actor="B", issue="x", position=100, salience=50)])
>>> v = judge(Preferences.from_scenario(s), np.array([70.0]), np.array([50.0]), Unanimity())
>>> v.passes, v.vetoes
(False, ('A',))
>>> judge(Preferences.from_scenario(s), np.array([70.0]), np.array([50.0]),
...       WeightedMajority(threshold=0.6)).passes
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from detente._types import ActorId
from detente.deals.utility import Preferences, reference_utilities
from detente.errors import ParameterError

__all__ = [
    "ACCEPT_TOLERANCE",
    "ActorVerdict",
    "DecisionRule",
    "Unanimity",
    "Verdict",
    "WeightedMajority",
    "judge",
]

ACCEPT_TOLERANCE = 1e-9
"""An actor accepts a package whose gain is at least ``-ACCEPT_TOLERANCE`` (utility units)."""


class Unanimity(BaseModel):
    """Every veto player must accept; an empty ``veto_players`` means every actor is one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["unanimity"] = "unanimity"
    veto_players: tuple[str, ...] = Field(default=(), description="Actors whose consent is required.")

    def describe(self) -> str:
        """One line for reports."""
        who = ", ".join(self.veto_players) if self.veto_players else "every actor"
        return f"unanimity of the veto players ({who})"


class WeightedMajority(BaseModel):
    """Accepting actors must hold at least ``threshold`` of the weight, and named veto players must accept.

    ``weights`` maps actors to voting weights; actors left out have weight 0. Without ``weights``
    the actors' capabilities are the weights.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["weighted_majority"] = "weighted_majority"
    threshold: float = Field(default=0.5, gt=0.0, le=1.0, description="Share of weight needed, in (0, 1].")
    weights: dict[str, Annotated[float, Field(ge=0.0, le=1e15, allow_inf_nan=False)]] | None = Field(
        default=None, description="Voting weights (0 to 1e15); default capability."
    )
    veto_players: tuple[str, ...] = Field(default=(), description="Actors whose consent is also required.")

    def describe(self) -> str:
        """One line for reports."""
        basis = "stated weights" if self.weights else "capability"
        extra = f", with veto players {', '.join(self.veto_players)}" if self.veto_players else ""
        return f"weighted majority: at least {self.threshold:.0%} of {basis}{extra}"


DecisionRule = Annotated[Unanimity | WeightedMajority, Field(discriminator="kind")]
"""A decision rule: :class:`Unanimity` or :class:`WeightedMajority` (tagged by ``kind``)."""


@dataclass(frozen=True)
class ActorVerdict:
    """One actor's view of a package."""

    actor: ActorId
    utility: float
    reference_utility: float
    gain: float
    accepts: bool
    veto_player: bool
    vetoes: bool
    pivotal: bool
    weight: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Verdict:
    """Whether a package passes under a rule, with every actor's gain and vote."""

    rule: str
    actors: tuple[ActorVerdict, ...]
    passes: bool
    support: float
    needed: float

    @property
    def vetoes(self) -> tuple[ActorId, ...]:
        """Veto players that reject the package."""
        return tuple(a.actor for a in self.actors if a.vetoes)

    @property
    def rejecting(self) -> tuple[ActorId, ...]:
        """Every actor worse off than without agreement."""
        return tuple(a.actor for a in self.actors if not a.accepts)

    @property
    def gains(self) -> np.ndarray:
        """Gains in actor order."""
        return np.array([a.gain for a in self.actors])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "rule": self.rule,
            "passes": self.passes,
            "support": self.support,
            "needed": self.needed,
            "vetoes": list(self.vetoes),
            "actors": [a.to_dict() for a in self.actors],
        }


def veto_indices(prefs: Preferences, rule: Unanimity | WeightedMajority) -> np.ndarray:
    """Indices of the rule's veto players (every actor for a unanimity rule naming none)."""
    if isinstance(rule, Unanimity) and not rule.veto_players:
        return np.arange(prefs.n_actors)
    return prefs.indices(list(rule.veto_players))


def _weights(prefs: Preferences, rule: Unanimity | WeightedMajority) -> np.ndarray:
    if isinstance(rule, Unanimity) or rule.weights is None:
        return prefs.capability.astype(float)
    w = np.zeros(prefs.n_actors)
    for actor, value in rule.weights.items():
        if not np.isfinite(value) or value < 0:
            raise ParameterError(
                f"a voting weight must be a non-negative number, got {value!r}",
                where=f"weights.{actor}",
                fix="give each actor a weight >= 0",
            )
        w[prefs.index(actor)] = value
    return w


def judge(
    prefs: Preferences,
    package: np.ndarray,
    reference: np.ndarray,
    rule: Unanimity | WeightedMajority,
    *,
    batna: Mapping[ActorId, float] | None = None,
) -> Verdict:
    """Judge ``package`` against ``reference`` (the status quo or a BATNA package) under ``rule``."""
    u = prefs.utility(package)
    d = reference_utilities(prefs, reference, batna)
    gain = u - d
    accepts = gain >= -ACCEPT_TOLERANCE
    veto = np.zeros(prefs.n_actors, dtype=bool)
    veto[veto_indices(prefs, rule)] = True
    w = _weights(prefs, rule)
    total = float(w.sum())
    support = float(w[accepts].sum())
    if isinstance(rule, Unanimity):
        needed = float(w[veto].sum())
        passes = bool(np.all(accepts[veto]))
        pivotal = veto & accepts
    else:
        needed = rule.threshold * total
        majority = support >= needed - 1e-12 * max(total, 1.0)
        passes = bool(majority and np.all(accepts[veto]))
        # Pivotal: an accepting actor without whom the package would fail.
        pivotal = (
            accepts & (veto | (support - w < needed - 1e-12 * max(total, 1.0))) if passes else accepts & veto
        )
    rows = tuple(
        ActorVerdict(
            actor=a,
            utility=float(u[k]),
            reference_utility=float(d[k]),
            gain=float(gain[k]),
            accepts=bool(accepts[k]),
            veto_player=bool(veto[k]),
            vetoes=bool(veto[k] and not accepts[k]),
            pivotal=bool(pivotal[k]),
            weight=float(w[k]),
        )
        for k, a in enumerate(prefs.actor_ids)
    )
    return Verdict(rule=rule.describe(), actors=rows, passes=passes, support=support, needed=needed)
