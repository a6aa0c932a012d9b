"""One call each for the analyses that ``detente deal``, ``detente coalition`` and the report show.

:func:`analyse_package` judges a package (who gains, who vetoes), finds the Nash, Kalai-Smorodinsky
and maximin packages, the smallest amendment every veto player accepts and who concedes what in it,
and runs the exchange model. :func:`analyse_coalitions` gives a model's Shapley values, the effect of
removing each actor and group, of aligning named coalitions, and the best coalitions toward a target.

>>> from detente.scenarios import load_scenario
>>> s = load_scenario("korea")
>>> book = packages_for(s)
>>> a = analyse_package(s, book.package("big-bargain"))
>>> set(a.verdict.vetoes) == {r.actor for r in a.verdict.actors if r.gain < 0}
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente._types import ActorId, IssueId, SeedLike
from detente.deals.bargain import Amendment, Bargain, Norm, Solution
from detente.deals.coalition import (
    CoalitionChoice,
    Effect,
    ShapleyValues,
    align_effect,
    best_coalition,
    group_members,
    remove_effect,
    shapley,
)
from detente.deals.exchange import ExchangeResult, exchange
from detente.deals.package import Coalition, Package, PackageFile, packages_for
from detente.deals.utility import Preferences, status_quo_package
from detente.deals.veto import Unanimity, Verdict, judge, veto_indices
from detente.errors import ModelError
from detente.models.base import ForecastModel
from detente.scenario import Scenario

__all__ = [
    "MAX_COALITION_ACTORS",
    "MAX_COALITION_WORK",
    "MAX_DYNAMIC_FORECASTS",
    "MAX_PACKAGE_ACTORS",
    "CoalitionAnalysis",
    "DealAnalysis",
    "analyse_coalitions",
    "analyse_package",
    "packages_for",
]

MAX_PACKAGE_ACTORS = 50
"""Most actors :func:`analyse_package` accepts: its bargaining solutions and amendment have one
constraint per actor, and Stokman's exchange weighs every pair of actors on every pair of issues
(about 8 s at 50 actors on a 2-core machine; docs/reliability.md)."""

MAX_COALITION_ACTORS = 100
"""Most actors :func:`analyse_coalitions` accepts (sampled Shapley values run the model
``permutations x actors`` times)."""

MAX_DYNAMIC_FORECASTS = 2_000
"""Most runs of a dynamic or Monte Carlo model (SMP, expected utility) one coalition analysis may make."""

MAX_COALITION_WORK = 500_000
"""Most issue forecasts (runs x issues) one coalition analysis may make with a static model (about
20 s on a 2-core machine)."""


def _check_package_size(scenario: Scenario) -> None:
    n = len(scenario.actors)
    if n > MAX_PACKAGE_ACTORS:
        raise ModelError(
            f"package analysis handles at most {MAX_PACKAGE_ACTORS} actors and this scenario has {n:,} "
            "(its bargaining solutions have a constraint per actor, and the exchange model weighs every "
            "pair of actors on every pair of issues)",
            where="deal",
            fix="analyse the package among the main actors: leave out or merge minor ones",
        )


def coalition_forecasts(n_actors: int, *, exact_limit: int = 10, n_permutations: int = 200) -> int:
    """How many forecasts :func:`analyse_coalitions` makes for ``n_actors`` (Shapley values and removals)."""
    shapley_runs = 2**n_actors if n_actors <= exact_limit else n_permutations * n_actors + 1
    return shapley_runs + 2 * n_actors


def _check_coalition_size(
    scenario: Scenario, model: ForecastModel, *, exact_limit: int, n_permutations: int
) -> None:
    n = len(scenario.actors)
    if n > MAX_COALITION_ACTORS:
        raise ModelError(
            f"coalition analysis handles at most {MAX_COALITION_ACTORS} actors and this scenario has {n:,} "
            "(it forecasts the scenario once for every actor in every sampled ordering)",
            where="coalition",
            fix="analyse coalitions among the main actors: leave out or merge minor ones",
        )
    runs = coalition_forecasts(n, exact_limit=exact_limit, n_permutations=n_permutations)
    work = runs * len(scenario.issues)
    if work > MAX_COALITION_WORK:
        raise ModelError(
            f"coalition analysis would forecast {work:,} issues ({runs:,} runs x "
            f"{len(scenario.issues)} issues; at most {MAX_COALITION_WORK:,})",
            where="coalition",
            fix="analyse fewer issues or actors, or sample fewer orderings with --permutations",
        )
    dynamic = model.tags.produces_rounds or model.tags.stochastic
    if dynamic and runs > MAX_DYNAMIC_FORECASTS:
        raise ModelError(
            f"coalition analysis with the {model.name} model would run it {runs:,} times "
            f"(at most {MAX_DYNAMIC_FORECASTS:,} for a dynamic or Monte Carlo model)",
            where="coalition",
            fix="use a static model (compromise, median, nash), or fewer orderings with --permutations",
        )


@dataclass(frozen=True)
class DealAnalysis:
    """Everything the deal report says about one package."""

    scenario: Scenario
    package: Package
    prefs: Preferences
    x: np.ndarray
    reference: np.ndarray
    verdict: Verdict
    maximin: Solution
    nash: Solution
    kalai_smorodinsky: Solution
    amendment: Amendment
    concessions: np.ndarray
    exchange: ExchangeResult
    book: PackageFile | None = None

    def concession_rows(self) -> list[dict[str, Any]]:
        """Per actor: gain before and after the amendment, and the issues it concedes on."""
        rows = []
        issues = self.prefs.issue_ids
        for k, actor in enumerate(self.prefs.actor_ids):
            c = self.concessions[k]
            gives = [f"{issues[j]} ({c[j]:.3f})" for j in np.argsort(-c) if c[j] > 1e-6]
            rows.append(
                {
                    "actor": actor,
                    "gain (package)": self.amendment.gains_before[k],
                    "gain (amended)": self.amendment.gains_after[k],
                    "net change": float(self.amendment.gains_after[k] - self.amendment.gains_before[k]),
                    "concedes on": ", ".join(gives) or "-",
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        prefs = self.prefs
        return {
            "scenario": self.scenario.name,
            "package": {
                "id": self.package.id,
                "name": self.package.name,
                "positions": self.package.positions,
            },
            "reference": dict(zip(prefs.issue_ids, map(float, self.reference), strict=True)),
            "utility": {"exponent": dict(zip(prefs.actor_ids, map(float, prefs.exponent), strict=True))},
            "verdict": self.verdict.to_dict(),
            "maximin": self.maximin.to_dict(prefs),
            "nash": self.nash.to_dict(prefs),
            "kalai_smorodinsky": self.kalai_smorodinsky.to_dict(prefs),
            "amendment": self.amendment.to_dict(prefs),
            "concessions": {
                a: dict(zip(prefs.issue_ids, map(float, row), strict=True))
                for a, row in zip(prefs.actor_ids, self.concessions, strict=True)
            },
            "exchange": self.exchange.to_dict(),
        }


def analyse_package(
    scenario: Scenario,
    package: Package,
    *,
    book: PackageFile | None = None,
    exponent: float | Mapping[ActorId, float] = 1.0,
    batna: Mapping[ActorId, float] | None = None,
    norm: Norm = "l1",
    seed: SeedLike = 0,
) -> DealAnalysis:
    """Judge ``package`` against the status quo and compare it with the bargaining solutions.

    Scenarios of more than :data:`MAX_PACKAGE_ACTORS` actors are refused (:class:`ModelError`).
    """
    _check_package_size(scenario)
    prefs = Preferences.from_scenario(scenario, exponent=exponent)
    reference = status_quo_package(scenario)
    x = package.vector(scenario)
    rule = package.decision_rule
    verdict = judge(prefs, x, reference, rule, batna=batna)
    vetoes = [prefs.actor_ids[i] for i in veto_indices(prefs, rule)]
    bargain = Bargain(
        prefs, reference, batna=batna, parties=vetoes if isinstance(rule, Unanimity) else None, seed=seed
    )
    amendment = bargain.amend(x, vetoes, norm=norm)
    concessions = prefs.issue_costs(amendment.package) - prefs.issue_costs(x)
    return DealAnalysis(
        scenario=scenario,
        package=package,
        prefs=prefs,
        x=x,
        reference=reference,
        verdict=verdict,
        maximin=bargain.maximin(),
        nash=bargain.nash(),
        kalai_smorodinsky=bargain.kalai_smorodinsky(),
        amendment=amendment,
        concessions=concessions,
        exchange=exchange(scenario),
        book=book,
    )


@dataclass(frozen=True)
class CoalitionAnalysis:
    """A model's forecast and who can move it: Shapley values, removals, alignments, best coalitions."""

    model: str
    issue_ids: tuple[IssueId, ...]
    shapley: ShapleyValues
    removals: tuple[Effect, ...]
    alignments: tuple[Effect, ...]
    best: tuple[CoalitionChoice, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "model": self.model,
            "shapley": self.shapley.to_dict(),
            "removals": [e.to_dict() for e in self.removals],
            "alignments": [e.to_dict() for e in self.alignments],
            "best_coalitions": [c.to_dict() for c in self.best],
            "notes": list(self.notes),
        }


def analyse_coalitions(
    scenario: Scenario,
    model: ForecastModel,
    *,
    seed: SeedLike = 0,
    target: Mapping[IssueId, float] | None = None,
    coalitions: Sequence[Coalition] | None = None,
    exact_limit: int = 10,
    n_permutations: int = 200,
    max_size: int | None = None,
    n_jobs: int | None = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> CoalitionAnalysis:
    """Shapley values, removal of each actor and group, named coalitions aligned, best coalitions.

    ``coalitions`` defaults to those of the shipped package file that fits the scenario (for Korea,
    the four-party coalition). With a ``target``, the best coalition of each size from 1 to
    ``max_size`` (default ``n_actors - 1``, at most 5) is found. Scenarios over
    :data:`MAX_COALITION_ACTORS` actors, and dynamic models asked to run more than
    :data:`MAX_DYNAMIC_FORECASTS` times, are refused (:class:`ModelError`).
    """
    _check_coalition_size(scenario, model, exact_limit=exact_limit, n_permutations=n_permutations)
    sh = shapley(
        model,
        scenario,
        seed=seed,
        exact_limit=exact_limit,
        n_permutations=n_permutations,
        n_jobs=n_jobs,
        on_progress=on_progress,
    )
    removals = [remove_effect(model, scenario, [a], seed=seed) for a in scenario.actor_ids]
    groups = group_members(scenario)
    removals += [
        remove_effect(model, scenario, list(m), seed=seed, label=f"without group {g}")
        for g, m in groups.items()
        if len(m) < len(scenario.actors)
    ]
    if coalitions is None:
        book = packages_for(scenario)
        coalitions = book.coalitions if book is not None else ()
    alignments = [
        align_effect(model, scenario, list(c.members), seed=seed, label=f"{c.name} aligned")
        for c in coalitions
    ]
    alignments += [
        align_effect(model, scenario, list(m), seed=seed, label=f"group {g} aligned")
        for g, m in groups.items()
        if len(m) > 1
    ]
    best: list[CoalitionChoice] = []
    notes: list[str] = []
    if target:
        n = len(scenario.actors)
        top = max_size if max_size is not None else min(n - 1, 5)
        best = [best_coalition(model, scenario, target, k, seed=seed) for k in range(1, max(top, 1) + 1)]
    if not sh.exact:
        notes.append(f"Shapley values estimated from {sh.n_permutations} seeded random orderings")
    return CoalitionAnalysis(
        model.name, scenario.issue_ids, sh, tuple(removals), tuple(alignments), tuple(best), tuple(notes)
    )
