"""Reference strategies for iterated games, vectorized over many independent matches at once.

A strategy plays C (cooperate, ``True``) or D (defect, ``False``) each round from what it has
*observed*. Every strategy here handles a batch of ``n`` independent matches (Monte Carlo runs) with
numpy arrays, so a thousand runs cost about as much as one. The life cycle is::

    state = strategy.start(n)                      # per-match memory (a dict of arrays)
    intent = strategy.decide(state, rng, context)  # bool array: True = C
    strategy.update(state, intended=..., played=..., seen=..., record=..., mask=...)

``played`` is the action actually carried out (after execution error); ``seen`` is the opponent's
action as this player perceived it (after misperception); ``record`` is the opponent's action as a
shared incident record gives it (``None`` when there is no record). ``mask`` marks the matches in which
the player took part this round (in a road map, an actor with no move in the current phase sits out).

Each class states its rule in its docstring, with the names the literature uses, and declares a
``classifier`` in the style of the ``axelrod`` library. Strategies are looked up by name with
:func:`get_strategy`.

>>> import numpy as np
>>> tft = get_strategy("tft")
>>> state = tft.start(2)
>>> tft.decide(state, np.random.default_rng(0)).tolist()
[True, True]
>>> tft.update(state, intended=np.array([True, True]), played=np.array([True, True]),
...            seen=np.array([True, False]))
>>> tft.decide(state, np.random.default_rng(0)).tolist()
[True, False]
>>> round(gtft_generosity(R=3, S=0, T=5, P=1), 6)
0.333333
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from detente.errors import ParameterError

__all__ = [
    "STRATEGIES",
    "AlwaysCooperate",
    "AlwaysDefect",
    "Contrite",
    "ContriteTitForTat",
    "DecisionContext",
    "GenerousTitForTat",
    "Grim",
    "Grit",
    "MaximumPressure",
    "SelfEnforcing",
    "Strategy",
    "TitForTat",
    "WinStayLoseShift",
    "get_strategy",
    "gtft_generosity",
    "strategy_names",
]

State = dict[str, np.ndarray]


def gtft_generosity(*, R: float = 3, S: float = 0, T: float = 5, P: float = 1) -> float:
    """Largest generosity q at which Generous TFT cannot be exploited (Molander 1985).

    ``q* = min(1 - (T - R) / (R - S), (R - P) / (T - P))``; for the standard payoffs it is 1/3.
    """
    if not (T > R > P > S):
        raise ParameterError(
            f"payoffs must satisfy T > R > P > S (got T={T}, R={R}, P={P}, S={S})",
            where="payoffs",
            fix="use prisoner's-dilemma payoffs such as T=5, R=3, P=1, S=0",
        )
    return float(min(1 - (T - R) / (R - S), (R - P) / (T - P)))


@dataclass(frozen=True)
class DecisionContext:
    """What a payoff-driven strategy needs to know about the current step, per match (arrays of n).

    ``cost``: what cooperating on this step costs the player now; ``future``: the value of the rest
    of the process if it is completed (already discounted to the next step); ``fallback``: the value of
    reneging now (e.g. minus the expected guarantor penalty); ``discount``: the discount factor
    between this step and the next.
    """

    cost: np.ndarray
    future: np.ndarray
    fallback: np.ndarray
    discount: float


def _put(state: State, key: str, value: np.ndarray, mask: np.ndarray | None) -> None:
    """Store ``value`` under ``key`` only in the matches selected by ``mask``."""
    state[key] = value if mask is None else np.where(mask, value, state[key])


class Strategy:
    """Base class: a rule mapping an observed history to C or D, vectorized over matches."""

    name: ClassVar[str] = ""
    long_name: ClassVar[str] = ""
    classifier: ClassVar[Mapping[str, Any]] = {}

    def start(self, n: int) -> State:
        """Fresh memory for ``n`` matches (first round: nothing observed yet)."""
        return {"t": np.zeros(n, dtype=np.int64)}

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """The intended action in every match (``True`` = C)."""
        raise NotImplementedError

    def update(
        self,
        state: State,
        *,
        intended: np.ndarray,
        played: np.ndarray,
        seen: np.ndarray,
        record: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> None:
        """Remember this round: own intended and played action, the opponent's action as seen."""
        _put(state, "t", state["t"] + 1, mask)
        if "own" in state:
            _put(state, "own", played.copy(), mask)
        if "opp" in state:
            _put(state, "opp", seen.copy(), mask)

    def __repr__(self) -> str:
        return self.name


class AlwaysCooperate(Strategy):
    """Always cooperate. Names: Cooperator, ALLC."""

    name = "cooperate"
    long_name = "Always cooperate"
    classifier: ClassVar[Mapping[str, Any]] = {"memory_depth": 0, "stochastic": False, "uses_record": False}

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """C in every match."""
        return np.ones(state["t"].shape, dtype=bool)


class AlwaysDefect(Strategy):
    """Always defect. Names: Defector, ALLD."""

    name = "defect"
    long_name = "Always defect"
    classifier: ClassVar[Mapping[str, Any]] = {"memory_depth": 0, "stochastic": False, "uses_record": False}

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """D in every match."""
        return np.zeros(state["t"].shape, dtype=bool)


class TitForTat(Strategy):
    """C in round 1, then repeat the opponent's last observed action. Names: TFT, Tit For Tat (Rapoport)."""

    name = "tft"
    long_name = "Tit for tat"
    classifier: ClassVar[Mapping[str, Any]] = {"memory_depth": 1, "stochastic": False, "uses_record": False}

    def start(self, n: int) -> State:
        """Memory: the opponent's last observed action (C before the first round)."""
        return {"t": np.zeros(n, dtype=np.int64), "opp": np.ones(n, dtype=bool)}

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """The opponent's last observed action."""
        return state["opp"].copy()


class GenerousTitForTat(Strategy):
    """C after the opponent's C; after its D, C with probability ``q``, else D.

    Memory-one vector (1, q, 1, q). With ``q=None`` the optimal generosity for the standard payoffs
    (:func:`gtft_generosity`, 1/3). Names: Generous TFT, GTFT (Molander 1985; Nowak & Sigmund 1992).
    """

    name = "gtft"
    long_name = "Generous tit for tat"
    classifier: ClassVar[Mapping[str, Any]] = {"memory_depth": 1, "stochastic": True, "uses_record": False}

    def __init__(self, q: float | None = None) -> None:
        q = gtft_generosity() if q is None else float(q)
        if not 0.0 <= q <= 1.0:
            raise ParameterError(f"generosity q={q} is not a probability", where="q", fix="use 0 <= q <= 1")
        self.q = q

    def start(self, n: int) -> State:
        """Memory: the opponent's last observed action (C before the first round)."""
        return {"t": np.zeros(n, dtype=np.int64), "opp": np.ones(n, dtype=bool)}

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """C after C; after D, C with probability q (one uniform draw per match, every round)."""
        forgive = rng.random(state["opp"].shape) < self.q
        return state["opp"] | forgive


class ContriteTitForTat(Strategy):
    """TFT that apologises for its own execution errors (the ``axelrod`` library's variant).

    Rule: C in round 1. If it is contrite and its last *played* action was C, it stops being contrite
    and plays C. Otherwise, if its last intended action was C but noise made it play D while the
    opponent played C, it becomes contrite; it then plays the opponent's last action. Without noise it
    is TFT. Names: Contrite TFT (Wu & Axelrod 1995). Compare :class:`Contrite`, the standing rule.
    """

    name = "contrite-tft"
    long_name = "Contrite tit for tat"
    classifier: ClassVar[Mapping[str, Any]] = {"memory_depth": 3, "stochastic": False, "uses_record": False}

    def start(self, n: int) -> State:
        """Memory: opponent's and own last actions, own last intention, and the contrite flag."""
        ones = np.ones(n, dtype=bool)
        return {
            "t": np.zeros(n, dtype=np.int64),
            "opp": ones.copy(),
            "own": ones.copy(),
            "meant": ones.copy(),
            "contrite": np.zeros(n, dtype=bool),
        }

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """Apologise after a successful C while contrite; otherwise copy the opponent."""
        first = state["t"] == 0
        apologise = state["contrite"] & state["own"]
        becomes = ~apologise & (state["meant"] != state["own"]) & ~state["own"] & state["opp"]
        state["contrite"] = np.where(first, state["contrite"], (state["contrite"] & ~apologise) | becomes)
        return first | apologise | state["opp"]

    def update(
        self,
        state: State,
        *,
        intended: np.ndarray,
        played: np.ndarray,
        seen: np.ndarray,
        record: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> None:
        """Remember own intention and action and the opponent's observed action."""
        super().update(state, intended=intended, played=played, seen=seen, record=record, mask=mask)
        _put(state, "meant", intended.copy(), mask)


class Contrite(Strategy):
    """Contrite TFT by *standing* (Sugden 1986; Boyd 1989): punish only the side in bad standing.

    Both sides start in good standing. After each round a side falls into bad standing if it defected
    while the other was in good standing, and is (again) in good standing if it cooperated or defected
    against a side in bad standing. Rule: D only when itself in good standing and the opponent in bad
    standing; otherwise C. One error against a copy of itself costs one round of punishment.

    Standing needs both sides to agree on what happened. With a shared incident record (``record``
    given to :meth:`update`) the standings are computed from the record; without one, from this side's
    own private perceptions, which under misperception disagree with the other side's.
    """

    name = "contrite"
    long_name = "Contrite (standing)"
    classifier: ClassVar[Mapping[str, Any]] = {
        "memory_depth": float("inf"),  # standings summarise the whole history
        "stochastic": False,
        "uses_record": True,
    }

    def start(self, n: int) -> State:
        """Memory: own standing and the opponent's standing, both good."""
        ones = np.ones(n, dtype=bool)
        return {"t": np.zeros(n, dtype=np.int64), "good_self": ones.copy(), "good_opp": ones.copy()}

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """D only as justified punishment: self in good standing, opponent in bad."""
        return ~(state["good_self"] & ~state["good_opp"])

    def update(
        self,
        state: State,
        *,
        intended: np.ndarray,
        played: np.ndarray,
        seen: np.ndarray,
        record: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> None:
        """Update both standings from own action and the opponent's (record if any, else as seen)."""
        opp = seen if record is None else record
        gs, go = state["good_self"], state["good_opp"]
        new_self = played | ~go
        new_opp = opp | ~gs
        _put(state, "good_self", new_self, mask)
        _put(state, "good_opp", new_opp, mask)
        _put(state, "t", state["t"] + 1, mask)


class WinStayLoseShift(Strategy):
    """C in round 1; then C if both sides played the same last round (CC or DD), else D.

    Repeat after a reward (T or R), switch after a punishment (S or P). Names: Win-stay, lose-shift,
    WSLS, Pavlov (Kraines & Kraines 1989; Nowak & Sigmund 1993).
    """

    name = "wsls"
    long_name = "Win-stay, lose-shift"
    classifier: ClassVar[Mapping[str, Any]] = {"memory_depth": 1, "stochastic": False, "uses_record": False}

    def start(self, n: int) -> State:
        """Memory: own last played action and the opponent's last observed action."""
        ones = np.ones(n, dtype=bool)
        return {"t": np.zeros(n, dtype=np.int64), "own": ones.copy(), "opp": ones.copy()}

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """C when own last action equals the opponent's (observed) last action."""
        return state["own"] == state["opp"]


class Grim(Strategy):
    """C until the opponent is seen defecting once; D for ever after. Names: Grim trigger, Grudger."""

    name = "grim"
    long_name = "Grim trigger"
    classifier: ClassVar[Mapping[str, Any]] = {
        "memory_depth": float("inf"),
        "stochastic": False,
        "uses_record": False,
    }

    def start(self, n: int) -> State:
        """Memory: whether a defection was ever seen."""
        return {"t": np.zeros(n, dtype=np.int64), "grudge": np.zeros(n, dtype=bool)}

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """C while no grudge."""
        return ~state["grudge"]

    def update(
        self,
        state: State,
        *,
        intended: np.ndarray,
        played: np.ndarray,
        seen: np.ndarray,
        record: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> None:
        """Hold a grudge after any observed D."""
        _put(state, "grudge", state["grudge"] | ~seen, mask)
        _put(state, "t", state["t"] + 1, mask)


class Grit(Strategy):
    """Osgood's GRIT (graduated reciprocation in tension reduction) in the binary game.

    Rule: C from round 1 (the announced unilateral initiative). When the opponent switches from C to D
    (exploitation), answer with exactly one D, then resume C (rules 6-7: retaliate precisely, then
    resume). When the opponent keeps playing D without a new switch (no reciprocation), keep
    cooperating for ``patience`` further rounds (rule 4), then defect until it cooperates again; any C
    from the opponent resets the count (rule 9). Names: GRIT (Osgood 1962; Lindskold 1978).
    """

    name = "grit"
    long_name = "GRIT"
    classifier: ClassVar[Mapping[str, Any]] = {
        "memory_depth": float("inf"),
        "stochastic": False,
        "uses_record": False,
    }

    def __init__(self, patience: int = 2) -> None:
        if patience < 0:
            raise ParameterError(f"patience={patience} is negative", where="patience", fix="use 0 or more")
        self.patience = int(patience)

    def start(self, n: int) -> State:
        """Memory: opponent's last two observed actions and the unreciprocated-round counter."""
        ones = np.ones(n, dtype=bool)
        return {"t": np.zeros(n, dtype=np.int64), "opp": ones.copy(), "prev": ones.copy(), "u": np.zeros(n)}

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """Retaliate once after a switch to D; be patient with a persistent D; cooperate after C."""
        switched = state["prev"] & ~state["opp"]
        persistent = ~state["prev"] & ~state["opp"]
        return np.where(switched, False, np.where(persistent, state["u"] <= self.patience, True))

    def update(
        self,
        state: State,
        *,
        intended: np.ndarray,
        played: np.ndarray,
        seen: np.ndarray,
        record: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> None:
        """Shift the opponent's history and count rounds of persistent non-reciprocation."""
        persistent = ~state["opp"] & ~seen
        _put(state, "u", np.where(persistent, state["u"] + 1, 0), mask)
        _put(state, "prev", state["opp"].copy(), mask)
        _put(state, "opp", seen.copy(), mask)
        _put(state, "t", state["t"] + 1, mask)


class MaximumPressure(Strategy):
    """Withhold every reward until the opponent has complied for ``demand`` rounds in a row.

    Rule: D (pressure: no relief, exercises go on) until the opponent has been seen cooperating for
    ``demand`` consecutive rounds; then C while the opponent is seen cooperating; a single observed D
    puts it back to pressure with the count at zero. It is "denuclearization first, rewards after" as a
    strategy; against a reciprocating opponent it never gets started. Names: maximum pressure; a
    "suspicious" trigger strategy.
    """

    name = "max-pressure"
    long_name = "Maximum pressure"
    classifier: ClassVar[Mapping[str, Any]] = {
        "memory_depth": float("inf"),
        "stochastic": False,
        "uses_record": False,
    }

    def __init__(self, demand: int = 6) -> None:
        if demand < 1:
            raise ParameterError(f"demand={demand} is below 1", where="demand", fix="use 1 or more rounds")
        self.demand = int(demand)

    def start(self, n: int) -> State:
        """Memory: the opponent's current streak of observed cooperation."""
        return {"t": np.zeros(n, dtype=np.int64), "streak": np.zeros(n, dtype=np.int64)}

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """C only once the demanded compliance streak is reached."""
        return state["streak"] >= self.demand

    def update(
        self,
        state: State,
        *,
        intended: np.ndarray,
        played: np.ndarray,
        seen: np.ndarray,
        record: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> None:
        """Extend the streak after an observed C, reset it after a D."""
        _put(state, "streak", np.where(seen, state["streak"] + 1, 0), mask)
        _put(state, "t", state["t"] + 1, mask)


class SelfEnforcing(Strategy):
    """Cooperate on a step only when doing so is self-enforcing, given what the player has seen.

    Rule: keep a belief ``b`` that the other side will carry the process through, an exponentially
    weighted share of observed cooperation (starting at ``prior``, weight ``learning`` on the newest
    round). Cooperate iff ``cost <= discount * b * (future - fallback)``: the step's cost is at most
    the discounted gain of finishing over reneging, in the case (probability b) that the other side
    carries on; if it does not, the process fails whatever this player does (Schelling 1960; Lockwood
    & Thomas 2002). Payoffs, verification and guarantees enter through the :class:`DecisionContext`
    the caller supplies. Without a context it uses prisoner's-dilemma payoffs (T=5, R=3, P=1, S=0):
    cost ``T - R`` against the discounted value ``(R - P) / (1 - discount)`` of lasting cooperation.
    """

    name = "self-enforcing"
    long_name = "Self-enforcing (utility)"
    classifier: ClassVar[Mapping[str, Any]] = {
        "memory_depth": float("inf"),
        "stochastic": False,
        "uses_record": False,
        "uses_payoffs": True,
    }

    def __init__(self, prior: float = 0.8, learning: float = 0.3, discount: float = 0.9) -> None:
        for field, v in (("prior", prior), ("learning", learning), ("discount", discount)):
            if not 0.0 <= v <= 1.0:
                raise ParameterError(f"{field}={v} is outside [0, 1]", where=field, fix="use 0 to 1")
        self.prior, self.learning, self.discount = float(prior), float(learning), float(discount)

    def start(self, n: int) -> State:
        """Memory: the belief that the other side cooperates."""
        return {"t": np.zeros(n, dtype=np.int64), "belief": np.full(n, self.prior)}

    def decide(
        self, state: State, rng: np.random.Generator, context: DecisionContext | None = None
    ) -> np.ndarray:
        """Cooperate where the step's cost is covered by the believed, discounted surplus."""
        b = state["belief"]
        if context is None:  # repeated prisoner's dilemma, T=5, R=3, P=1, S=0
            d = self.discount
            return d * b * (3.0 - 1.0) / (1 - d) >= np.full(b.shape, 5.0 - 3.0)
        return context.cost <= context.discount * b * (context.future - context.fallback)

    def update(
        self,
        state: State,
        *,
        intended: np.ndarray,
        played: np.ndarray,
        seen: np.ndarray,
        record: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> None:
        """Move the belief toward the latest observation."""
        new = (1 - self.learning) * state["belief"] + self.learning * seen
        _put(state, "belief", new, mask)
        _put(state, "t", state["t"] + 1, mask)


STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (
        AlwaysCooperate,
        AlwaysDefect,
        TitForTat,
        GenerousTitForTat,
        ContriteTitForTat,
        Contrite,
        WinStayLoseShift,
        Grim,
        Grit,
        MaximumPressure,
        SelfEnforcing,
    )
}
"""Every reference strategy by its short name."""


def strategy_names() -> list[str]:
    """Short names of all reference strategies."""
    return list(STRATEGIES)


def get_strategy(name: str, **params: Any) -> Strategy:
    """The strategy called ``name`` (see :func:`strategy_names`), built with ``params``."""
    key = name.strip().lower()
    if key not in STRATEGIES:
        raise ParameterError(
            f"there is no strategy called {name!r}",
            where="strategy",
            fix=f"use one of: {', '.join(STRATEGIES)}",
        )
    try:
        return STRATEGIES[key](**params)
    except TypeError as exc:
        raise ParameterError(
            f"bad parameters for strategy {key!r}: {exc}",
            where="strategy",
            fix="check the parameter names in docs/process.md",
        ) from None
