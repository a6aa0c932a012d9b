"""What should an actor do? Rank the levers it controls by what they do to the forecasts for it.

For one actor X of a scenario, :func:`advise` builds every *lever* X can pull with the coalition and
deal machinery of :mod:`detente.deals`, applies each to the scenario, re-runs the chosen forecasting
models (by default ``compromise`` and ``nash``) and scores the new forecasts by X's own utility:

* **position** (``concede`` / ``harden``): X moves its stated position on one issue by ``step``
  points toward, or away from, the capability x salience weighted mean of the other actors;
* **salience**: X raises its salience on one issue by ``step`` points (at most 100);
* **partner**: X and one other actor align on one position per issue (their capability x salience
  weighted mean, :func:`detente.deals.coalition.aligned`); also each coalition of the scenario's
  package file that X belongs to;
* **exchange**: the best Stokman exchange between X and each partner at the baseline (X moves its
  vote on the issue it cares less about, the partner on the other; both gain in the exchange model,
  :mod:`detente.deals.exchange`), applied to the scenario;
* **package**: X's ideal package and each package of the scenario's package file, amended by the
  smallest change (L1) that every veto player accepts against the status quo
  (:meth:`detente.deals.bargain.Bargain.amend`). A package is not a change to the scenario: its
  "forecast" is the package itself, conditional on the parties adopting it.

**Scoring.** X's utility of a forecast ``f`` is that of :mod:`detente.deals.utility`, always with X's
*baseline* positions and saliences (what X wants does not change when it changes what it says):
``U(f) = 1 - sum_j w_j |f_j - p_j| / 100`` with ``w`` X's saliences normalised to sum to 1. For
each model, a lever's **benefit** is the utility X gains on issues where the forecast moves toward
it, its **cost** the utility X loses on issues where the forecast moves away (including the issues
X concedes on), and its **net gain** ``benefit - cost = U(after) - U(before)``.

**Ranking rule.** Levers are ranked by their net gain averaged over the models (equal weights),
highest first; ties go to the lower cost, then to the order above. Everything is conditional on the
models' premise: the forecast is the outcome *if the parties bargain to a settlement*.

>>> from detente.scenarios import load_scenario
>>> a = advise(load_scenario("korea"), "Russia")
>>> a.levers[0].net >= a.levers[-1].net
True
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente._types import ActorId, IssueId, SeedLike
from detente.deals.analysis import MAX_PACKAGE_ACTORS
from detente.deals.bargain import Bargain
from detente.deals.coalition import aligned
from detente.deals.exchange import _candidates
from detente.deals.package import PackageFile, packages_for
from detente.deals.utility import Preferences, status_quo_package
from detente.deals.veto import Unanimity, veto_indices
from detente.errors import ParameterError
from detente.models import get_model
from detente.models.base import ForecastModel
from detente.scenario import Scenario

__all__ = [
    "CONDITIONING",
    "DEFAULT_MODELS",
    "KINDS",
    "Advice",
    "Lever",
    "LeverEffect",
    "advise",
    "check_actor",
    "levers_for",
]

DEFAULT_MODELS: tuple[str, ...] = ("compromise", "nash")
"""Models :func:`advise` runs by default: the fast headline compromise and the Nash bargaining model."""

KINDS: tuple[str, ...] = ("position", "salience", "partner", "exchange", "package")
"""The kinds of lever, in the order ties are broken."""

CONDITIONING = "if the parties bargain to a settlement"
"""What every forecast here assumes (a package lever: if the parties adopt the package)."""


@dataclass(frozen=True)
class Lever:
    """One thing the actor can do: a changed scenario to forecast, or a package to propose.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    label : str
        What the actor does, in words (for tables).
    scenario : Scenario or None
        The scenario with the lever applied (None for a package).
    package : ndarray or None
        For a package lever, the package (one position per issue); the forecast if adopted.
    details : dict
        What changes, as JSON-ready values (issue, partner, from, to, ...).
    """

    kind: str
    label: str
    scenario: Scenario | None = None
    package: np.ndarray | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LeverEffect:
    """A lever and what it does, per model: forecasts after it and the actor's benefit, cost and net gain.

    ``after[m]`` is model ``m``'s forecast with the lever applied (shape (n_issues,)); ``benefit``,
    ``cost`` and ``gain`` are per model in utility units (0-1); ``net``, ``benefit_mean`` and
    ``cost_mean`` are their means over the models (``net`` ranks the levers).
    """

    lever: Lever
    after: dict[str, np.ndarray]
    benefit: dict[str, float]
    cost: dict[str, float]
    gain: dict[str, float]

    @property
    def net(self) -> float:
        """Net gain to the actor averaged over the models (the ranking key)."""
        return float(np.mean(list(self.gain.values())))

    @property
    def benefit_mean(self) -> float:
        """Benefit averaged over the models."""
        return float(np.mean(list(self.benefit.values())))

    @property
    def cost_mean(self) -> float:
        """Cost averaged over the models."""
        return float(np.mean(list(self.cost.values())))


@dataclass(frozen=True)
class Advice:
    """The ranked levers of one actor, with the baseline they are measured against."""

    scenario: Scenario
    actor: ActorId
    models: tuple[str, ...]
    ideal: np.ndarray
    weight: np.ndarray
    baseline: dict[str, np.ndarray]
    utility: dict[str, float]
    levers: tuple[LeverEffect, ...]
    step: float
    notes: tuple[str, ...] = ()

    @property
    def issue_ids(self) -> tuple[IssueId, ...]:
        """The scenario's issues, in order."""
        return self.scenario.issue_ids

    def toward(self, effect: LeverEffect) -> np.ndarray:
        """Points each issue's forecast moves toward the actor's position, averaged over the models."""
        moves = [
            np.abs(self.baseline[m] - self.ideal) - np.abs(effect.after[m] - self.ideal) for m in self.models
        ]
        return np.where(self.weight > 0, np.mean(moves, axis=0), 0.0)

    def moves_text(self, effect: LeverEffect, top: int = 3) -> str:
        """The issues a lever moves most, as ``issue +x.x`` (points toward the actor, mean of models)."""
        t = self.toward(effect)
        order = [j for j in np.argsort(-np.abs(t), kind="stable") if abs(t[j]) >= 0.05][:top]
        return ", ".join(f"{self.issue_ids[j]} {t[j]:+.1f}" for j in order) or "no change"

    def rows(self, top: int | None = None) -> list[dict[str, Any]]:
        """Table rows of the ranked levers: rank, lever, moves, benefit, cost, net gain.

        Benefit, cost and net gain are in utility points (the 0-1 utility x 100), means over the models.
        """
        out = []
        for rank, e in enumerate(self.levers[:top] if top else self.levers, start=1):
            out.append(
                {
                    "rank": rank,
                    "lever": e.lever.label,
                    "forecast moves toward you (points)": self.moves_text(e),
                    "benefit": f"{100 * e.benefit_mean:.2f}",
                    "cost": f"{100 * e.cost_mean:.2f}",
                    "net gain": f"{100 * e.net:+.2f}",
                }
            )
        return out

    def model_rows(self, top: int | None = None) -> list[dict[str, Any]]:
        """Net gain of each lever under each model (utility points), in rank order."""
        return [
            {"rank": rank, "lever": e.lever.label, **{m: f"{100 * e.gain[m]:+.2f}" for m in self.models}}
            for rank, e in enumerate(self.levers[:top] if top else self.levers, start=1)
        ]

    def baseline_rows(self) -> list[dict[str, Any]]:
        """The actor's position and salience and each model's baseline forecast, per issue."""
        rows = []
        for j, issue in enumerate(self.issue_ids):
            st = self.scenario.stance(self.actor, issue)
            rows.append(
                {
                    "issue": issue,
                    "your position": f"{st.position:g}" if st else "-",
                    "salience": f"{st.salience:g}" if st else "-",
                    **{m: f"{self.baseline[m][j]:.1f}" for m in self.models},
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the baseline, every lever's forecasts and scores, in rank order."""

        def by_issue(v: np.ndarray) -> dict[str, float]:
            return dict(zip(self.issue_ids, map(float, v), strict=True))

        return {
            "scenario": self.scenario.name,
            "actor": self.actor,
            "models": list(self.models),
            "conditioning": CONDITIONING,
            "ranking": "net gain to the actor (its utility, 0-1, of the forecast after minus before), "
            "averaged over the models; ties: lower cost first",
            "step": self.step,
            "position": by_issue(self.ideal),
            "weight": by_issue(self.weight),
            "baseline": {m: by_issue(v) for m, v in self.baseline.items()},
            "utility": dict(self.utility),
            "levers": [
                {
                    "rank": rank,
                    "kind": e.lever.kind,
                    "label": e.lever.label,
                    "details": e.lever.details,
                    "net_gain": e.net,
                    **(
                        {"net_gain_per_point": e.net / self.step}
                        if e.lever.kind in ("position", "salience")
                        else {}
                    ),
                    "benefit": e.benefit_mean,
                    "cost": e.cost_mean,
                    "toward": by_issue(self.toward(e)),
                    "by_model": {
                        m: {
                            "forecast": by_issue(e.after[m]),
                            "benefit": e.benefit[m],
                            "cost": e.cost[m],
                            "net_gain": e.gain[m],
                        }
                        for m in self.models
                    },
                }
                for rank, e in enumerate(self.levers, start=1)
            ],
            "notes": list(self.notes),
        }


def check_actor(scenario: Scenario, actor: str, where: str = "--actor") -> ActorId:
    """The actor id for ``actor`` (exact, or the only case-insensitive match); ParameterError otherwise.

    The error names the valid ids and, for a near miss, suggests the closest.
    """
    if actor in scenario.actor_ids:
        return actor
    folded = [a for a in scenario.actor_ids if a.lower() == actor.lower()]
    if len(folded) == 1:
        return folded[0]
    near = difflib.get_close_matches(actor, scenario.actor_ids, n=1, cutoff=0.6)
    hint = f"did you mean {near[0]!r}? " if near else ""
    raise ParameterError(
        f"there is no actor {actor!r} in {scenario.name}",
        where=where,
        fix=f"{hint}use one of: {', '.join(scenario.actor_ids)}",
    )


def _others_mean(scenario: Scenario, k: int) -> np.ndarray:
    """Capability x salience weighted mean position of every actor but ``k``, per issue (NaN if none)."""
    has = scenario.has_stance()
    w = scenario.capabilities()[:, None] * scenario.saliences() * has
    w[k] = 0.0
    pos = np.nan_to_num(scenario.positions())
    tot = w.sum(axis=0)
    return np.divide((w * pos).sum(axis=0), tot, out=np.full(tot.shape, np.nan), where=tot > 0)


def _with_stance(scenario: Scenario, actor: ActorId, issue: IssueId, **update: float) -> Scenario:
    stances = tuple(
        s.model_copy(update=update) if (s.actor, s.issue) == (actor, issue) else s for s in scenario.stances
    )
    return scenario.model_copy(update={"stances": stances})


def _with_positions(scenario: Scenario, moves: dict[tuple[ActorId, IssueId], float]) -> Scenario:
    stances = tuple(
        s.model_copy(update={"position": float(np.clip(s.position + moves[(s.actor, s.issue)], 0.0, 100.0))})
        if (s.actor, s.issue) in moves
        else s
        for s in scenario.stances
    )
    return scenario.model_copy(update={"stances": stances})


def _position_levers(scenario: Scenario, actor: ActorId, step: float) -> list[Lever]:
    k = scenario.actor_ids.index(actor)
    others = _others_mean(scenario, k)
    out = []
    for j, issue in enumerate(scenario.issue_ids):
        st = scenario.stance(actor, issue)
        if st is None or st.salience <= 0 or np.isnan(others[j]):
            continue
        toward = 1.0 if others[j] >= st.position else -1.0
        for verb, sign in (("concede", toward), ("harden", -toward)):
            new = float(np.clip(st.position + sign * step, 0.0, 100.0))
            if abs(new - st.position) < 1e-9:
                continue
            out.append(
                Lever(
                    "position",
                    f"{verb} on {issue}: {st.position:g} -> {new:g}",
                    _with_stance(scenario, actor, issue, position=new),
                    details={"issue": issue, "from": st.position, "to": new, "direction": verb},
                )
            )
    return out


def _salience_levers(scenario: Scenario, actor: ActorId, step: float) -> list[Lever]:
    out = []
    for issue in scenario.issue_ids:
        st = scenario.stance(actor, issue)
        if st is None or st.salience >= 100:
            continue
        new = float(min(st.salience + step, 100.0))
        out.append(
            Lever(
                "salience",
                f"raise salience on {issue}: {st.salience:g} -> {new:g}",
                _with_stance(scenario, actor, issue, salience=new),
                details={"issue": issue, "from": st.salience, "to": new},
            )
        )
    return out


def _partner_levers(scenario: Scenario, actor: ActorId, book: PackageFile | None) -> list[Lever]:
    out = [
        Lever(
            "partner",
            f"align with {other}",
            aligned(scenario, [actor, other]),
            details={"members": [actor, other]},
        )
        for other in scenario.actor_ids
        if other != actor
    ]
    for c in book.coalitions if book is not None else ():
        if actor in c.members and len(c.members) > 2:
            out.append(
                Lever(
                    "partner",
                    f"align the {c.name}",
                    aligned(scenario, list(c.members)),
                    details={"members": list(c.members), "coalition": c.id},
                )
            )
    return out


def _exchange_levers(scenario: Scenario, actor: ActorId) -> list[Lever]:
    """The best exchange at the baseline between ``actor`` and each partner (vectorised over pairs)."""
    has = scenario.has_stance()
    P = np.where(has, np.nan_to_num(scenario.positions()), 0.0)
    S = scenario.saliences() / 100.0
    W = scenario.capabilities()[:, None] * S
    WT = W.sum(axis=0)
    if len(scenario.issues) < 2 or np.any(WT <= 0):
        return []
    out0 = (W * P).sum(axis=0) / WT
    gain, dj, dl = _candidates(P, P.copy(), S, W, out0, WT, has, np.ones(P.shape, dtype=bool))
    x = scenario.actor_ids.index(actor)
    levers = []
    for y, partner in enumerate(scenario.actor_ids):
        if y == x:
            continue
        # (a, b) = (x, y): the partner moves on j toward x, x pays on l; (y, x): x moves on j, y on l
        options = [(x, y, gain[x, y]), (y, x, gain[y, x])]
        a, b, g = max(options, key=lambda t: float(t[2].max()))
        if g.max() <= 1e-9:
            continue
        j, l_ = np.unravel_index(int(np.argmax(g)), g.shape)
        shift_j = float(dj[a, b, j, l_]) * np.sign(P[a, j] - out0[j])
        shift_l = float(dl[a, b, j, l_]) * np.sign(P[b, l_] - out0[l_])
        move_b = shift_j * WT[j] / W[b, j]
        move_a = shift_l * WT[l_] / W[a, l_]
        ids, issues = scenario.actor_ids, scenario.issue_ids
        moves = {(ids[b], issues[j]): move_b, (ids[a], issues[l_]): move_a}
        mine = issues[l_] if a == x else issues[j]
        theirs = issues[j] if a == x else issues[l_]
        my_move = move_a if a == x else move_b
        their_move = move_b if a == x else move_a
        levers.append(
            Lever(
                "exchange",
                f"trade with {partner}: you move {my_move:+.1f} on {mine}, "
                f"{partner} {their_move:+.1f} on {theirs}",
                _with_positions(scenario, moves),
                details={
                    "partner": partner,
                    "you_move": {"issue": mine, "points": float(my_move)},
                    "partner_moves": {"issue": theirs, "points": float(their_move)},
                    "exchange_model_gain": float(g.max()),
                },
            )
        )
    return levers


def _package_levers(
    scenario: Scenario, actor: ActorId, book: PackageFile | None, seed: SeedLike
) -> tuple[list[Lever], list[str]]:
    if len(scenario.actors) > MAX_PACKAGE_ACTORS:
        return [], [f"no package levers: package bargaining handles at most {MAX_PACKAGE_ACTORS} actors"]
    missing = [i.id for i in scenario.issues if i.status_quo is None]
    if missing:
        return [], [f"no package levers: issue {missing[0]!r} has no status quo to judge packages against"]
    prefs = Preferences.from_scenario(scenario)
    reference = status_quo_package(scenario)
    k = prefs.index(actor)
    candidates = [("your ideal package", prefs.ideal[k].copy(), Unanimity(), "ideal")]
    for p in book.packages if book is not None else ():
        candidates.append((p.name, p.vector(scenario), p.decision_rule, p.id))
    out = []
    for name, x0, rule, pid in candidates:
        vetoes = [prefs.actor_ids[i] for i in veto_indices(prefs, rule)]
        bargain = Bargain(
            prefs, reference, parties=vetoes if isinstance(rule, Unanimity) else None, seed=seed
        )
        am = bargain.amend(x0, vetoes, norm="l1")
        if not am.feasible:
            continue
        moved = f", amended {am.distance:.0f} points" if am.distance > 0.05 else ""
        out.append(
            Lever(
                "package",
                f"propose {name}{moved} (every veto player accepts)",
                package=am.package,
                details={
                    "package": pid,
                    "amended_by": float(am.distance),
                    "veto_players": vetoes,
                    "positions": dict(zip(prefs.issue_ids, map(float, am.package), strict=True)),
                },
            )
        )
    return out, []


def levers_for(
    scenario: Scenario, actor: ActorId, *, step: float = 10.0, seed: SeedLike = 0
) -> tuple[list[Lever], list[str]]:
    """Every lever ``actor`` controls in ``scenario`` (module docstring), and notes on any left out."""
    book = packages_for(scenario)
    levers = [
        *_position_levers(scenario, actor, step),
        *_salience_levers(scenario, actor, step),
        *_partner_levers(scenario, actor, book),
        *_exchange_levers(scenario, actor),
    ]
    packages, notes = _package_levers(scenario, actor, book, seed)
    return [*levers, *packages], notes


def _forecast(model: ForecastModel, scenario: Scenario, seed: SeedLike) -> np.ndarray:
    f = model.forecast(scenario, seed=seed)
    return np.array([f.position(i) for i in scenario.issue_ids])


def advise(
    scenario: Scenario,
    actor: str,
    *,
    models: Sequence[str | ForecastModel] = DEFAULT_MODELS,
    step: float = 10.0,
    seed: SeedLike = 0,
) -> Advice:
    """Rank the levers ``actor`` controls by its net gain over the forecasts of ``models``.

    Parameters
    ----------
    scenario:
        The scenario to advise on.
    actor:
        The actor to advise (its id; a case-insensitive match is accepted).
    models:
        Model names or instances; each lever's forecasts are those of these models (default
        :data:`DEFAULT_MODELS`).
    step:
        Points by which position and salience levers move (default 10, at most 50).
    seed:
        Seed for the models (and the bargaining solver's starts).

    Returns
    -------
    Advice
        The levers in rank order (see the module docstring for the scoring and the ranking rule).
    """
    actor = check_actor(scenario, actor)
    if not (np.isfinite(step) and 0 < step <= 50):
        raise ParameterError(
            f"the step must be from 0 to 50 points, got {step:g}", where="--step", fix="use e.g. --step 10"
        )
    if not models:
        raise ParameterError("no model given", where="--model", fix="name a model, e.g. --model compromise")
    chosen = [get_model(m) if isinstance(m, str) else m for m in models]
    names = tuple(dict.fromkeys(m.name for m in chosen))
    chosen = [next(m for m in chosen if m.name == n) for n in names]
    prefs = Preferences.from_scenario(scenario)
    k = prefs.index(actor)
    ideal, weight = prefs.ideal[k], prefs.weight[k]
    levers, notes = levers_for(scenario, actor, step=step, seed=seed)
    baseline = {m.name: _forecast(m, scenario, seed) for m in chosen}
    after: dict[str, np.ndarray] = {}
    for m in chosen:
        rows = [
            np.asarray(lv.package, dtype=float) if lv.scenario is None else _forecast(m, lv.scenario, seed)
            for lv in levers
        ]
        after[m.name] = np.array(rows).reshape(len(levers), len(scenario.issues))
    # Vectorised over levers: per-issue loss of the actor before and after, then benefit and cost.
    effects = []
    scores = {}
    for name in names:
        before = weight * np.abs(baseline[name] - ideal) / 100.0
        now = weight * np.abs(after[name] - ideal) / 100.0
        scores[name] = (
            np.clip(before - now, 0, None).sum(axis=1),
            np.clip(now - before, 0, None).sum(axis=1),
        )
    for i, lv in enumerate(levers):
        benefit = {n: float(scores[n][0][i]) for n in names}
        cost = {n: float(scores[n][1][i]) for n in names}
        effects.append(
            LeverEffect(
                lv,
                {n: after[n][i] for n in names},
                benefit,
                cost,
                {n: benefit[n] - cost[n] for n in names},
            )
        )
    order = sorted(
        range(len(effects)),
        key=lambda i: (-round(effects[i].net, 12), round(effects[i].cost_mean, 12), i),
    )
    utility = {n: float(1.0 - (weight * np.abs(baseline[n] - ideal) / 100.0).sum()) for n in names}
    return Advice(
        scenario=scenario,
        actor=actor,
        models=names,
        ideal=ideal,
        weight=weight,
        baseline=baseline,
        utility=utility,
        levers=tuple(effects[i] for i in order),
        step=float(step),
        notes=tuple(notes),
    )
