"""Actors' utilities of packages: salience-weighted across issues, with a stated shape and risk attitude.

A *package* is a position on every issue, a vector ``x`` of length ``n_issues`` on the 0-100 scales.
Actor ``i`` values it by

    U_i(x) = 1 - sum_j w_ij * (|x_j - p_ij| / 100) ** rho_i,    w_ij = s_ij / sum_l s_il,

where ``p_ij`` is the actor's position (its ideal point) and ``s_ij`` its salience on issue ``j``.
So an actor's utility is 1 at its ideal package and 0 at the package farthest from it on every
issue; issues it has no stance on (or salience 0) carry no weight. Utilities of different actors are
not compared; bargaining solutions below are invariant to rescaling each actor's utility.

``rho`` (the *exponent*) is the risk attitude over outcomes on each issue:

* ``rho = 1``: linear loss (risk-neutral); the default, and the shape of the compromise and
  exchange models;
* ``rho > 1``: concave utility, e.g. 2 for quadratic loss (risk-averse: a sure middle outcome is
  preferred to a lottery between the ends);
* ``0 < rho < 1``: convex utility (risk-acceptant). Bargaining problems are then non-convex, and the
  solvers in :mod:`detente.deals.bargain` use several seeded starting points.

A package is judged against a *reference*: by default the status quo (each issue's ``status_quo``),
or a stated BATNA, either a package (the outcome without agreement) or per-actor reservation
utilities. An actor's *gain* is ``U_i(package) - U_i(reference)``.

>>> import numpy as np
>>> from detente.scenario import Actor, Issue, Scenario, Stance
>>> s = Scenario(name="t", actors=[Actor(id="A", name="A", capability=1)],
...              issues=[Issue(id="x", name="X", status_quo=0), Issue(id="y", name="Y", status_quo=0)],
...              stances=[Stance(actor="A", issue="x", position=100, salience=75),
...                       Stance(actor="A", issue="y", position=0, salience=25)])
>>> prefs = Preferences.from_scenario(s)
>>> prefs.utility(np.array([50.0, 20.0])).round(3).tolist()  # 1 - 0.75*0.5 - 0.25*0.2
[0.575]
>>> prefs.with_exponent(2.0).utility(np.array([50.0, 20.0])).round(4).tolist()  # 1 - .75*.25 - .25*.04
[0.8025]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from detente._types import ActorId, IssueId
from detente.errors import InputError, ParameterError
from detente.scenario import Scenario

__all__ = ["SMOOTHING", "Preferences", "reference_utilities", "status_quo_package"]

SMOOTHING = 1e-4
"""For exponents below 1, ``(d + e)**rho - e**rho`` replaces ``d**rho`` (``e = SMOOTHING``, on the 0-1
distance scale) so that the slope at an actor's ideal point is finite. Exponents of 1 or more are
used exactly."""


@dataclass(frozen=True)
class Preferences:
    """What the actors of a scenario want, as arrays: the input of every deal computation.

    Attributes
    ----------
    actor_ids : tuple of str, shape (n_actors,)
    issue_ids : tuple of str, shape (n_issues,)
    ideal : ndarray, shape (n_actors, n_issues)
        Each actor's position (0-100); 0 where it has no stance (its weight there is 0).
    weight : ndarray, shape (n_actors, n_issues)
        Saliences normalised to sum to 1 over each actor's issues (a row of zeros for an actor with
        no salient issue: it is indifferent between all packages).
    exponent : ndarray, shape (n_actors,)
        Each actor's risk attitude ``rho`` (see the module docstring).
    capability : ndarray, shape (n_actors,)
    """

    actor_ids: tuple[ActorId, ...]
    issue_ids: tuple[IssueId, ...]
    ideal: np.ndarray
    weight: np.ndarray
    exponent: np.ndarray
    capability: np.ndarray = field(repr=False)

    @classmethod
    def from_scenario(
        cls, scenario: Scenario, *, exponent: float | Mapping[ActorId, float] = 1.0
    ) -> Preferences:
        """Build preferences from a scenario; ``exponent`` is one ``rho`` for all or one per actor."""
        ideal = np.nan_to_num(scenario.positions(), nan=0.0)
        sal = scenario.saliences()
        total = sal.sum(axis=1, keepdims=True)
        weight = np.divide(sal, total, out=np.zeros_like(sal), where=total > 0)
        prefs = cls(
            actor_ids=scenario.actor_ids,
            issue_ids=scenario.issue_ids,
            ideal=ideal,
            weight=weight,
            exponent=np.ones(len(scenario.actors)),
            capability=scenario.capabilities(),
        )
        return prefs.with_exponent(exponent)

    @property
    def n_actors(self) -> int:
        """Number of actors."""
        return len(self.actor_ids)

    @property
    def n_issues(self) -> int:
        """Number of issues."""
        return len(self.issue_ids)

    @property
    def convex(self) -> bool:
        """True when every exponent is at least 1, so every bargaining problem here is convex."""
        return bool(np.all(self.exponent >= 1.0))

    def with_exponent(self, exponent: float | Mapping[ActorId, float]) -> Preferences:
        """A copy with other risk attitudes: one exponent for all actors, or a mapping actor -> exponent.

        Actors missing from a mapping keep their exponent. Exponents must be positive and at most 10.
        """
        rho = self.exponent.copy()
        if isinstance(exponent, Mapping):
            for actor, value in exponent.items():
                if actor not in self.actor_ids:
                    raise ParameterError(
                        f"there is no actor {actor!r} to give an exponent",
                        where="exponent",
                        fix=f"use one of: {', '.join(self.actor_ids)}",
                    )
                rho[self.actor_ids.index(actor)] = _check_exponent(value, actor)
        else:
            rho[:] = _check_exponent(exponent, None)
        return replace(self, exponent=rho)

    def index(self, actor_id: ActorId) -> int:
        """Position of an actor in ``actor_ids`` (ParameterError naming the known ids if unknown)."""
        try:
            return self.actor_ids.index(actor_id)
        except ValueError:
            raise ParameterError(
                f"there is no actor {actor_id!r}",
                where="actor",
                fix=f"use one of: {', '.join(self.actor_ids)}",
            ) from None

    def indices(self, actor_ids: tuple[ActorId, ...] | list[ActorId] | None) -> np.ndarray:
        """Indices of these actors (all actors for ``None``)."""
        if actor_ids is None:
            return np.arange(self.n_actors)
        return np.array([self.index(a) for a in actor_ids], dtype=int)

    def loss(self, distance: np.ndarray) -> np.ndarray:
        """``phi_i(d)`` for distances on the 0-1 scale, shape (..., n_actors, n_issues)."""
        rho = self.exponent[:, None]
        if np.all(rho >= 1.0):
            return distance**rho
        smooth = np.where(rho < 1.0, SMOOTHING, 0.0)
        return (distance + smooth) ** rho - smooth**rho

    def utility(self, packages: np.ndarray) -> np.ndarray:
        """Every actor's utility of each package.

        ``packages`` has shape (n_issues,) or (n_packages, n_issues); the result has shape
        (n_actors,) or (n_packages, n_actors). Vectorised over actors, issues and packages.
        """
        x = np.asarray(packages, dtype=float)
        if x.shape[-1] != self.n_issues:
            raise ValueError(f"a package needs {self.n_issues} positions, got shape {x.shape}")
        d = np.abs(x[..., None, :] - self.ideal) / 100.0
        return 1.0 - np.einsum("...aj,aj->...a", self.loss(d), self.weight)

    def issue_costs(self, package: np.ndarray) -> np.ndarray:
        """Utility each actor loses on each issue at ``package``, shape (n_actors, n_issues).

        Row sums are ``1 - U_i(package)``: where an actor's concessions in the package lie.
        """
        d = np.abs(np.asarray(package, dtype=float) - self.ideal) / 100.0
        return self.loss(d) * self.weight


def _check_exponent(value: float, actor: str | None) -> float:
    rho = float(value)
    if not np.isfinite(rho) or rho <= 0 or rho > 10:
        raise ParameterError(
            f"the utility exponent must be in (0, 10], got {value!r}",
            where=f"exponent of {actor}" if actor else "exponent",
            fix="use 1 for risk-neutral, 2 for risk-averse (quadratic), 0.5 for risk-acceptant",
        )
    return rho


def status_quo_package(scenario: Scenario) -> np.ndarray:
    """The status quo as a package, shape (n_issues,). InputError if an issue has no ``status_quo``."""
    missing = [i.id for i in scenario.issues if i.status_quo is None]
    if missing:
        raise InputError(
            f"issue {missing[0]!r} has no status_quo, so packages cannot be judged against the status quo",
            where=f"issues.{missing[0]}.status_quo",
            fix="add status_quo (0-100) to every issue, or give a BATNA package or reservation utilities",
        )
    return np.array([float(i.status_quo) for i in scenario.issues])  # type: ignore[arg-type]


def reference_utilities(
    prefs: Preferences,
    reference: np.ndarray,
    batna: Mapping[ActorId, float] | None = None,
) -> np.ndarray:
    """Each actor's utility without agreement, shape (n_actors,).

    That is its utility of ``reference``, replaced by the stated reservation utility (0-1) for actors
    in ``batna``.
    """
    d = prefs.utility(reference)
    for actor, value in (batna or {}).items():
        v = float(value)
        if not np.isfinite(v) or not 0.0 <= v <= 1.0:
            raise ParameterError(
                f"a reservation utility must be in [0, 1], got {value!r}",
                where=f"batna of {actor}",
                fix="give utilities on the 0-1 scale of detente.deals.utility",
            )
        d[prefs.index(actor)] = v
    return d
