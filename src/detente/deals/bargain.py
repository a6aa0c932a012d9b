"""Bargaining over packages: Pareto frontier, Nash and Kalai-Smorodinsky packages, smallest amendments.

The amendment of a package is the smallest change that every veto player accepts.

Every problem here is solved exactly as a smooth program with :func:`scipy.optimize.minimize`
(SLSQP), not on a grid. Distances enter through epigraph variables ``t_ij >= |x_j - p_ij|``, so
that the kinks of linear (city-block) utilities become linear constraints:

    U_i(x, t) = 1 - sum_j w_ij * phi_i(t_ij / 100),
    t_ij >= x_j - p_ij,   t_ij >= p_ij - x_j,   0 <= x_j <= 100.

Maximising any increasing function of the utilities, or requiring ``U_i >= c``, makes the epigraph
exact. For exponents ``rho >= 1`` each ``U_i`` is concave, so the feasible utility set is convex,
the Nash product has a unique maximum in utilities, and one start suffices (a few are used anyway,
keeping the best). For ``rho < 1`` the problems are non-convex and the solvers add seeded random
starts (``n_starts``), keeping the best feasible optimum.

With ``d_i`` the actors' utilities without agreement (status quo or BATNA) and the *bargaining
parties* (by default every actor):

* **maximin**: the package that maximises the smallest gain ``min_i (U_i - d_i)``. If that gain is
  not positive, no package makes every party strictly better off, and the Nash and
  Kalai-Smorodinsky packages do not exist (status ``"no_gain"``).
* **Nash**: maximise ``sum_i beta_i log(U_i - d_i)`` (Nash 1950; ``beta`` equal by default, or
  bargaining power such as capability for the asymmetric solution).
* **Kalai-Smorodinsky**: the largest ``lambda`` with ``U_i - d_i >= lambda (I_i - d_i)`` for every
  party, where ``I_i`` is party ``i``'s best utility among packages every party accepts (the ideal
  point of the bargaining set). Ties are broken by maximising the sum of normalised gains, so the
  result is Pareto-optimal.
* **amendment**: the package closest to a proposal, in the L1 norm (total scale points moved; the
  default, which changes few issues) or the L2 norm, that gives every veto player at least
  ``d_i + margin``.

>>> import numpy as np
>>> from detente.scenario import Actor, Issue, Scenario, Stance
>>> s = Scenario(name="t", actors=[Actor(id="A", name="A", capability=1),
...                                Actor(id="B", name="B", capability=1)],
...              issues=[Issue(id="x", name="X", status_quo=50)],
...              stances=[Stance(actor="A", issue="x", position=0, salience=50),
...                       Stance(actor="B", issue="x", position=100, salience=50)])
>>> b = Bargain(Preferences.from_scenario(s), np.array([50.0]), batna={"A": 0.2, "B": 0.1})
>>> round(float(b.nash().package[0]), 4)  # closed form 50 * (1 - 0.2 + 0.1)
45.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.optimize import linprog, minimize
from threadpoolctl import ThreadpoolController

from detente._random import spawn
from detente._types import ActorId, SeedLike
from detente.deals.utility import SMOOTHING, Preferences, reference_utilities
from detente.errors import ParameterError

__all__ = [
    "Amendment",
    "Bargain",
    "Frontier",
    "Solution",
    "pareto_mask",
]

FEASIBILITY = 1e-7
"""Largest constraint violation (utility units or scale points) accepted in a solver's answer."""

Norm = Literal["l1", "l2"]

_THREADPOOLS = ThreadpoolController()
"""SLSQP works on tiny matrices; multithreaded BLAS makes it up to 150 times slower (measured on the
2-core benchmark machine), so the solvers run with one BLAS thread."""


@dataclass(frozen=True)
class Solution:
    """A package found by a bargaining solution, with every actor's utility and gain.

    ``status`` is ``"solved"``, ``"no_gain"`` (no package makes every party strictly better off;
    ``package`` is then the maximin package) or ``"infeasible"`` (no package meets the constraints).
    """

    kind: str
    package: np.ndarray
    utilities: np.ndarray
    gains: np.ndarray
    parties: tuple[ActorId, ...]
    status: str = "solved"
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def solved(self) -> bool:
        """True when the solution exists."""
        return self.status == "solved"

    def to_dict(self, prefs: Preferences) -> dict[str, Any]:
        """JSON-ready dict keyed by issue and actor ids."""
        return {
            "kind": self.kind,
            "status": self.status,
            "package": dict(zip(prefs.issue_ids, map(float, self.package), strict=True)),
            "utilities": dict(zip(prefs.actor_ids, map(float, self.utilities), strict=True)),
            "gains": dict(zip(prefs.actor_ids, map(float, self.gains), strict=True)),
            "parties": list(self.parties),
            "details": self.details,
        }


@dataclass(frozen=True)
class Amendment:
    """The smallest change to a package that makes it acceptable to every veto player.

    ``change`` is ``package - original`` per issue; ``distance`` is its norm. ``feasible`` is False
    when no package is acceptable to every veto player (``package`` is then the maximin package).
    """

    original: np.ndarray
    package: np.ndarray
    change: np.ndarray
    distance: float
    norm: str
    veto_players: tuple[ActorId, ...]
    gains_before: np.ndarray
    gains_after: np.ndarray
    feasible: bool

    def to_dict(self, prefs: Preferences) -> dict[str, Any]:
        """JSON-ready dict keyed by issue and actor ids."""
        issues, actors = prefs.issue_ids, prefs.actor_ids
        return {
            "feasible": self.feasible,
            "norm": self.norm,
            "distance": self.distance,
            "veto_players": list(self.veto_players),
            "package": dict(zip(issues, map(float, self.package), strict=True)),
            "change": dict(zip(issues, map(float, self.change), strict=True)),
            "gains_before": dict(zip(actors, map(float, self.gains_before), strict=True)),
            "gains_after": dict(zip(actors, map(float, self.gains_after), strict=True)),
        }


@dataclass(frozen=True)
class Frontier:
    """Points on the Pareto frontier of two actors' utilities, other parties held at their reference.

    ``utilities`` has shape (n_points, n_actors) (every actor, for plotting), ``packages`` shape
    (n_points, n_issues); points run from the best package for ``actors[1]`` to the best for
    ``actors[0]``.
    """

    actors: tuple[ActorId, ActorId]
    utilities: np.ndarray
    packages: np.ndarray


class _Program:
    """The epigraph variables ``z = (x, t, extra)`` and the utilities as functions of ``z``."""

    def __init__(
        self, prefs: Preferences, n_extra: int = 0, extra_bounds: Sequence[tuple[float, float]] = ()
    ):
        self.prefs = prefs
        self.a_idx, self.j_idx = np.nonzero(prefs.weight > 0)
        self.k = prefs.n_issues
        # Linear utilities (exponent 1) need epigraph variables for their kinks; with no exponent of
        # exactly 1 the utilities are used directly in x (smoothed at the ideal point below 1).
        self.epigraph = bool(np.any(prefs.exponent[self.a_idx] == 1.0))
        self.P = len(self.a_idx) if self.epigraph else 0
        self.n_pairs = len(self.a_idx)
        self.n_extra = n_extra
        self.n = self.k + self.P + n_extra
        self.p = prefs.ideal[self.a_idx, self.j_idx]
        self.pair_rows = np.arange(self.n_pairs)
        self.w = prefs.weight[self.a_idx, self.j_idx]
        self.rho = prefs.exponent[self.a_idx]
        self.smooth = np.where(self.rho < 1.0, SMOOTHING, 0.0)
        self.is_linear = bool(np.all(self.rho == 1.0))
        rows = np.arange(self.P)
        A = np.zeros((2 * self.P, self.n))
        A[rows, self.k + rows] = 1.0
        A[rows, self.j_idx[: self.P]] = -1.0
        A[self.P + rows, self.k + rows] = 1.0
        A[self.P + rows, self.j_idx[: self.P]] = 1.0
        self.A = A
        self.b = np.concatenate([-self.p, self.p]) if self.epigraph else np.zeros(0)
        self.bounds = [(0.0, 100.0)] * (self.k + self.P) + list(extra_bounds)

    def linear(self) -> list[dict[str, Any]]:
        """The epigraph constraints ``A z >= b`` in SLSQP's form (none without epigraph variables)."""
        A, b = self.A, self.b
        return [{"type": "ineq", "fun": lambda z: A @ z - b, "jac": lambda z: A}] if self.epigraph else []

    def z_from_x(self, x: np.ndarray, extra: Sequence[float] = ()) -> np.ndarray:
        """A starting point: ``t`` tight at ``x``."""
        x = np.clip(np.asarray(x, dtype=float), 0.0, 100.0)
        t = np.abs(x[self.j_idx] - self.p) if self.epigraph else np.zeros(0)
        return np.concatenate([x, t, np.asarray(extra, dtype=float)])

    def _distance(self, z: np.ndarray) -> np.ndarray:
        if self.epigraph:
            return np.maximum(z[self.k : self.k + self.P], 0.0) / 100.0
        return np.abs(z[self.j_idx] - self.p) / 100.0

    def utility(self, z: np.ndarray) -> np.ndarray:
        """Every actor's utility at ``z``, shape (n_actors,)."""
        d = self._distance(z)
        phi = (d + self.smooth) ** self.rho - self.smooth**self.rho
        return 1.0 - np.bincount(self.a_idx, self.w * phi, minlength=self.prefs.n_actors)

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        """Derivatives of the utilities with respect to ``z``, shape (n_actors, n)."""
        d = self._distance(z)
        dphi = self.rho * (d + self.smooth) ** (self.rho - 1.0)
        J = np.zeros((self.prefs.n_actors, self.n))
        if self.epigraph:
            J[self.a_idx, self.k + np.arange(self.P)] = -self.w * dphi / 100.0
        else:
            J[self.a_idx, self.j_idx] = -self.w * dphi * np.sign(z[self.j_idx] - self.p) / 100.0
        return J

    def x(self, z: np.ndarray) -> np.ndarray:
        """The package part of ``z``."""
        return np.clip(z[: self.k], 0.0, 100.0)


def _minimize(
    prog: _Program,
    fun: Callable[[np.ndarray], float],
    jac: Callable[[np.ndarray], np.ndarray],
    constraints: list[dict[str, Any]],
    starts: list[np.ndarray],
    *,
    linear_objective: bool = False,
) -> np.ndarray | None:
    """Return the best ``z`` (lowest ``fun``) whose constraints hold, or None if none was found.

    When every utility is linear (all exponents 1) and so is the objective, the whole problem is a
    linear program: it is solved exactly by HiGHS (:func:`scipy.optimize.linprog`), reading the
    affine constraints off their values and Jacobians. Otherwise SLSQP runs from each start.
    """
    cons = [*prog.linear(), *constraints]
    if linear_objective and prog.is_linear:
        return _linprog(prog, jac(starts[0]), cons)
    with _THREADPOOLS.limit(limits=1, user_api="blas"):
        return _slsqp_starts(prog, fun, jac, cons, starts)


def _slsqp_starts(
    prog: _Program,
    fun: Callable[[np.ndarray], float],
    jac: Callable[[np.ndarray], np.ndarray],
    cons: list[dict[str, Any]],
    starts: list[np.ndarray],
) -> np.ndarray | None:
    """Run SLSQP from each start; keep the best feasible answer."""
    best, best_f = None, np.inf
    for z0 in starts:
        res = minimize(
            fun, z0, jac=jac, method="SLSQP", bounds=prog.bounds, constraints=cons,
            options={"maxiter": 500, "ftol": 1e-12},
        )  # fmt: skip
        z = np.clip(res.x, [lo for lo, _ in prog.bounds], [hi for _, hi in prog.bounds])
        violation = max((float(-np.min(c["fun"](z), initial=0.0)) for c in cons), default=0.0)
        if violation > FEASIBILITY:
            continue
        f = float(fun(z))
        if f < best_f - 1e-12:
            best, best_f = z, f
    return best


def _linprog(prog: _Program, c: np.ndarray, cons: list[dict[str, Any]]) -> np.ndarray | None:
    zero = np.zeros(prog.n)
    A = np.vstack([np.atleast_2d(con["jac"](zero)) for con in cons])
    b = np.concatenate([np.atleast_1d(con["fun"](zero)) for con in cons])
    # Constraints are A z + b >= 0, i.e. -A z <= b.
    res = linprog(c, A_ub=-A, b_ub=b, bounds=prog.bounds, method="highs")
    if res.status != 0:
        return None
    z = np.clip(res.x, [lo for lo, _ in prog.bounds], [hi for _, hi in prog.bounds])
    violation = max((float(-np.min(con["fun"](z), initial=0.0)) for con in cons), default=0.0)
    return z if violation <= FEASIBILITY else None


class Bargain:
    """Bargaining over packages for one scenario's preferences, against a status quo or BATNA.

    Parameters
    ----------
    prefs:
        The actors' preferences (:class:`~detente.deals.utility.Preferences`).
    reference:
        The package without agreement (usually the status quo), shape (n_issues,).
    batna:
        Optional reservation utilities (0-1) replacing some actors' utility of ``reference``.
    parties:
        The actors who bargain (default: every actor). Only their utilities constrain and enter the
        solutions; every actor's utility is reported.
    seed, n_starts:
        Seeded random starting points, used when some exponent is below 1 (non-convex problems).
    """

    def __init__(
        self,
        prefs: Preferences,
        reference: np.ndarray,
        *,
        batna: Mapping[ActorId, float] | None = None,
        parties: Sequence[ActorId] | None = None,
        seed: SeedLike = 0,
        n_starts: int = 12,
    ) -> None:
        self.prefs = prefs
        self.reference = np.asarray(reference, dtype=float)
        self.d = reference_utilities(prefs, self.reference, batna)
        self.party_idx = prefs.indices(list(parties) if parties is not None else None)
        if len(self.party_idx) == 0:
            raise ParameterError("no bargaining parties", where="parties", fix="name at least one actor")
        self.parties = tuple(prefs.actor_ids[k] for k in self.party_idx)
        self.seed = seed
        self.n_starts = n_starts
        self._cache: dict[str, Any] = {}

    # --- helpers -------------------------------------------------------------------------------

    def _candidate_xs(self, extra: Sequence[np.ndarray] = ()) -> list[np.ndarray]:
        prefs = self.prefs
        w = prefs.capability[:, None] * prefs.weight
        tot = w.sum(axis=0)
        mean = np.where(tot > 0, (w * prefs.ideal).sum(axis=0) / np.where(tot > 0, tot, 1.0), 50.0)
        xs = [self.reference, mean, *extra]
        if not prefs.convex:
            xs += [prefs.ideal[k] for k in self.party_idx]
            rng = spawn(self.seed, "deals", "starts")
            xs += list(rng.uniform(0.0, 100.0, size=(self.n_starts, prefs.n_issues)))
        return xs

    def _solution(self, kind: str, x: np.ndarray, status: str = "solved", **details: Any) -> Solution:
        u = self.prefs.utility(x)
        return Solution(kind, x, u, u - self.d, self.parties, status, dict(details))

    def _cons_at_least(self, prog: _Program, idx: np.ndarray, floor: np.ndarray) -> dict[str, Any]:
        """``U_i >= floor_i`` for actors ``idx``."""
        return {
            "type": "ineq",
            "fun": lambda z: prog.utility(z)[idx] - floor,
            "jac": lambda z: prog.jacobian(z)[idx],
        }

    # --- solutions -----------------------------------------------------------------------------

    def _max_min(
        self, scale: np.ndarray, extra_starts: Sequence[np.ndarray] = (), *, only: bool = False
    ) -> tuple[np.ndarray, float]:
        """Maximise ``lambda`` subject to ``U_i - d_i >= lambda * scale_i`` for the parties."""
        idx, d = self.party_idx, self.d[self.party_idx]
        prog = _Program(self.prefs, 1, [(-1.0, 1.0 / max(float(scale.min()), 1e-9))])
        n = prog.n

        def fun(z: np.ndarray) -> float:
            return -float(z[-1])

        grad = np.zeros(n)
        grad[-1] = -1.0

        def jac(z: np.ndarray) -> np.ndarray:
            return grad

        def cfun(z: np.ndarray) -> np.ndarray:
            return prog.utility(z)[idx] - d - z[-1] * scale

        def cjac(z: np.ndarray) -> np.ndarray:
            J = prog.jacobian(z)[idx]
            J[:, -1] = -scale
            return J

        starts = []
        for x in list(extra_starts) if only else self._candidate_xs(extra_starts):
            z = prog.z_from_x(x, [0.0])
            z[-1] = float(np.min((prog.utility(z)[idx] - d) / scale))
            starts.append(z)
        z = _minimize(
            prog, fun, jac, [{"type": "ineq", "fun": cfun, "jac": cjac}], starts, linear_objective=True
        )
        if z is None:  # the solver failed from every start: fall back to the best start itself
            best = max(starts, key=lambda z0: float(z0[-1]))
            return prog.x(best), float(best[-1])
        return prog.x(z), float(z[-1])

    def maximin(self) -> Solution:
        """The package maximising the smallest gain of any party (status ``no_gain`` if it is <= 0)."""
        if "maximin" not in self._cache:
            x, lam = self._max_min(np.ones(len(self.party_idx)))
            status = "solved" if lam > FEASIBILITY else "no_gain"
            self._cache["maximin"] = self._solution("maximin", x, status, smallest_gain=lam)
        return self._cache["maximin"]

    def ideal_point(self) -> np.ndarray:
        """Each party's best utility among packages every party accepts, shape (n_parties,)."""
        if "ideal" in self._cache:
            return self._cache["ideal"]
        idx, d = self.party_idx, self.d[self.party_idx]
        prog = _Program(self.prefs)
        out = np.empty(len(idx))
        base = self.maximin().package
        for pos, i in enumerate(idx):

            def fun(z: np.ndarray, i: int = i) -> float:
                return -float(prog.utility(z)[i])

            def jac(z: np.ndarray, i: int = i) -> np.ndarray:
                return -prog.jacobian(z)[i]

            starts = [prog.z_from_x(x) for x in [base, self.prefs.ideal[i], *self._candidate_xs()]]
            z = _minimize(prog, fun, jac, [self._cons_at_least(prog, idx, d)], starts, linear_objective=True)
            out[pos] = float(prog.utility(z)[i]) if z is not None else float(self.d[i])
        self._cache["ideal"] = out
        return out

    def nash(self, power: Mapping[ActorId, float] | Literal["equal", "capability"] = "equal") -> Solution:
        """The Nash bargaining package: maximise the (weighted) product of the parties' gains.

        ``power`` gives each party's exponent ``beta_i``: ``"equal"`` (the symmetric Nash solution),
        ``"capability"``, or a mapping actor -> power (parties left out get 1).
        """
        beta = self._power(power)
        m = self.maximin()
        if not m.solved:
            return self._solution("nash", m.package, "no_gain", reason=_NO_GAIN)
        idx, d = self.party_idx, self.d[self.party_idx]
        prog = _Program(self.prefs)
        floor = 1e-12

        def fun(z: np.ndarray) -> float:
            g = prog.utility(z)[idx] - d
            return -float(beta @ np.log(np.maximum(g, floor)))

        def jac(z: np.ndarray) -> np.ndarray:
            g = np.maximum(prog.utility(z)[idx] - d, floor)
            return -(beta / g) @ prog.jacobian(z)[idx]

        starts = [prog.z_from_x(m.package)]
        if not self.prefs.convex:
            for x in self._candidate_xs()[2:]:
                xs, lam = self._max_min(np.ones(len(idx)), [x], only=True)
                if lam > FEASIBILITY:
                    starts.append(prog.z_from_x(xs))
        z = _minimize(prog, fun, jac, [self._cons_at_least(prog, idx, d + floor)], starts)
        x = prog.x(z) if z is not None else m.package
        return self._solution("nash", x, power=dict(zip(self.parties, map(float, beta), strict=True)))

    def _power(self, power: Mapping[ActorId, float] | str) -> np.ndarray:
        if power == "equal":
            return np.ones(len(self.party_idx))
        if power == "capability":
            beta = self.prefs.capability[self.party_idx].astype(float)
        elif isinstance(power, Mapping):
            beta = np.ones(len(self.party_idx))
            for actor, value in power.items():
                if actor not in self.parties:
                    raise ParameterError(
                        f"{actor!r} is not a bargaining party",
                        where="power",
                        fix=f"use {', '.join(self.parties)}",
                    )
                beta[self.parties.index(actor)] = float(value)
        else:
            raise ParameterError(
                f"unknown bargaining power {power!r}",
                where="power",
                fix="use 'equal', 'capability' or a mapping",
            )
        if not np.all(np.isfinite(beta)) or np.any(beta < 0) or beta.sum() <= 0:
            raise ParameterError(
                "bargaining powers must be non-negative and not all zero",
                where="power",
                fix="give each party a power >= 0",
            )
        return beta / beta.sum()

    def kalai_smorodinsky(self) -> Solution:
        """The Kalai-Smorodinsky package: equal shares of each party's possible gain, as large as can be."""
        m = self.maximin()
        if not m.solved:
            return self._solution("kalai-smorodinsky", m.package, "no_gain", reason=_NO_GAIN)
        idx, d = self.party_idx, self.d[self.party_idx]
        ideal = self.ideal_point()
        scale = np.maximum(ideal - d, 1e-12)
        x1, lam = self._max_min(scale, [m.package])
        # Second stage: among packages reaching lambda, maximise the sum of normalised gains.
        prog = _Program(self.prefs)
        grad_scale = 1.0 / scale

        def fun(z: np.ndarray) -> float:
            return -float(grad_scale @ (prog.utility(z)[idx] - d))

        def jac(z: np.ndarray) -> np.ndarray:
            return -grad_scale @ prog.jacobian(z)[idx]

        cons = [self._cons_at_least(prog, idx, d + (lam - 1e-9) * scale)]
        z = _minimize(prog, fun, jac, cons, [prog.z_from_x(x1)], linear_objective=True)
        x = prog.x(z) if z is not None else x1
        return self._solution(
            "kalai-smorodinsky",
            x,
            share=lam,
            ideal=dict(zip(self.parties, map(float, ideal), strict=True)),
        )

    def amend(
        self,
        package: np.ndarray,
        veto_players: Sequence[ActorId] | None = None,
        *,
        norm: Norm = "l1",
        margin: float = 0.0,
    ) -> Amendment:
        """The package nearest ``package`` (by ``norm``) giving each veto player at least ``d_i + margin``.

        ``veto_players`` defaults to the bargaining parties. The L1 norm counts the scale points moved
        summed over issues; the L2 norm is the Euclidean distance.
        """
        if norm not in ("l1", "l2"):
            raise ParameterError(f"unknown norm {norm!r}", where="norm", fix="use 'l1' or 'l2'")
        x0 = np.asarray(package, dtype=float)
        idx = self.prefs.indices(list(veto_players)) if veto_players is not None else self.party_idx
        floor = self.d[idx] + margin
        k = self.prefs.n_issues
        before = self.prefs.utility(x0) - self.d
        if np.all(before[idx] >= floor - self.d[idx] - 1e-12):
            return Amendment(x0, x0, np.zeros(k), 0.0, norm, tuple(self.prefs.actor_ids[i] for i in idx),
                             before, before, True)  # fmt: skip
        if norm == "l1":
            prog = _Program(self.prefs, k, [(0.0, 100.0)] * k)
            grad = np.zeros(prog.n)
            grad[-k:] = 1.0
            S = np.zeros((2 * k, prog.n))
            S[np.arange(k), -k + np.arange(k)] = 1.0
            S[np.arange(k), np.arange(k)] = -1.0
            S[k + np.arange(k), -k + np.arange(k)] = 1.0
            S[k + np.arange(k), np.arange(k)] = 1.0
            sb = np.concatenate([-x0, x0])
            extra = [{"type": "ineq", "fun": lambda z: S @ z - sb, "jac": lambda z: S}]

            def fun(z: np.ndarray) -> float:
                return float(z[-k:].sum())

            def jac(z: np.ndarray) -> np.ndarray:
                return grad

            def start(x: np.ndarray) -> np.ndarray:
                return prog.z_from_x(x, np.abs(np.clip(x, 0, 100) - x0))
        else:
            prog = _Program(self.prefs)
            extra = []

            def fun(z: np.ndarray) -> float:
                return float(np.sum((z[:k] - x0) ** 2))

            def jac(z: np.ndarray) -> np.ndarray:
                g = np.zeros(prog.n)
                g[:k] = 2.0 * (z[:k] - x0)
                return g

            def start(x: np.ndarray) -> np.ndarray:
                return prog.z_from_x(x)

        m = self.maximin()
        starts = [start(x) for x in [x0, m.package, *self._candidate_xs()]]
        cons = [self._cons_at_least(prog, idx, floor), *extra]
        z = _minimize(prog, fun, jac, cons, starts, linear_objective=norm == "l1")
        vetoes = tuple(self.prefs.actor_ids[i] for i in idx)
        if z is None:
            return Amendment(x0, m.package, m.package - x0, float("nan"), norm, vetoes, before,
                             m.gains, False)  # fmt: skip
        x = prog.x(z)
        change = x - x0
        dist = float(np.abs(change).sum()) if norm == "l1" else float(np.sqrt((change**2).sum()))
        return Amendment(x0, x, change, dist, norm, vetoes, before, self.prefs.utility(x) - self.d, True)

    def frontier(self, actor_a: ActorId, actor_b: ActorId, n_points: int = 21) -> Frontier:
        """The Pareto frontier of two actors' utilities among packages every party accepts.

        Computed by the epsilon-constraint method: for ``n_points`` levels of ``U_b`` between its
        reference and its ideal, maximise ``U_a`` subject to ``U_b >= level`` and every other party
        keeping at least its reference utility.
        """
        a, b = self.prefs.index(actor_a), self.prefs.index(actor_b)
        others = np.array([i for i in self.party_idx if i not in (a, b)], dtype=int)
        prog = _Program(self.prefs)

        def best_for(i: int, floors: dict[int, float]) -> np.ndarray | None:
            cidx = np.array([*others, *floors], dtype=int)
            cfloor = np.array([*self.d[others], *floors.values()])

            def fun(z: np.ndarray) -> float:
                return -float(prog.utility(z)[i])

            def jac(z: np.ndarray) -> np.ndarray:
                return -prog.jacobian(z)[i]

            cons = [self._cons_at_least(prog, cidx, cfloor)] if len(cidx) else []
            xs = [self.prefs.ideal[i], *self._candidate_xs()]
            z = _minimize(prog, fun, jac, cons, [prog.z_from_x(x) for x in xs], linear_objective=True)
            return None if z is None else prog.x(z)

        top_b = best_for(b, {a: self.d[a]})
        if top_b is None:
            return Frontier(
                (actor_a, actor_b), np.empty((0, self.prefs.n_actors)), np.empty((0, self.prefs.n_issues))
            )
        levels = np.linspace(self.prefs.utility(top_b)[b], self.d[b], n_points)
        pkgs = [x for lv in levels if (x := best_for(a, {b: lv - 1e-10})) is not None]
        P = np.array(pkgs)
        return Frontier((actor_a, actor_b), self.prefs.utility(P), P)

    def pareto_improvement(self, package: np.ndarray) -> Solution:
        """The package that maximises the parties' total gain over ``package`` without making any worse.

        A total gain of (about) zero means ``package`` is Pareto-optimal for the parties.
        """
        idx = self.party_idx
        u0 = self.prefs.utility(np.asarray(package, dtype=float))[idx]
        prog = _Program(self.prefs)

        def fun(z: np.ndarray) -> float:
            return -float(prog.utility(z)[idx].sum())

        def jac(z: np.ndarray) -> np.ndarray:
            return -prog.jacobian(z)[idx].sum(axis=0)

        cons = [self._cons_at_least(prog, idx, u0 - 1e-12)]
        z = _minimize(prog, fun, jac, cons, [prog.z_from_x(package)], linear_objective=True)
        x = prog.x(z) if z is not None else np.asarray(package, dtype=float)
        total = float((self.prefs.utility(x)[idx] - u0).sum())
        return self._solution("pareto-improvement", x, total_gain=total)


_NO_GAIN = "no package makes every bargaining party strictly better off than without agreement"


def pareto_mask(utilities: np.ndarray, tol: float = 1e-12, chunk: int = 256) -> np.ndarray:
    """Which rows of ``utilities`` (n_points, n_actors) no other row Pareto-dominates.

    Row ``q`` dominates row ``p`` when it is at least as good for every actor and better for one.
    Vectorised in chunks of ``chunk`` rows (memory ``chunk * n_points * n_actors``).

    >>> pareto_mask(np.array([[1.0, 0.0], [0.5, 0.5], [0.4, 0.4], [0.0, 1.0]])).tolist()
    [True, True, False, True]
    """
    U = np.asarray(utilities, dtype=float)
    keep = np.ones(len(U), dtype=bool)
    for start in range(0, len(U), chunk):
        block = U[start : start + chunk, None, :]
        geq = np.all(U[None, :, :] >= block - tol, axis=-1)
        gt = np.any(U[None, :, :] > block + tol, axis=-1)
        keep[start : start + chunk] = ~np.any(geq & gt, axis=1)
    return keep


def issue_pair_grid(
    prefs: Preferences, base: np.ndarray, pair: tuple[int, int], n: int = 41
) -> tuple[np.ndarray, np.ndarray]:
    """Packages that vary two issues over a grid (others as in ``base``) and their utilities.

    Returns (packages of shape (n*n, n_issues), utilities of shape (n*n, n_actors)).
    """
    g = np.linspace(0.0, 100.0, n)
    xx, yy = np.meshgrid(g, g, indexing="xy")
    P = np.repeat(np.asarray(base, dtype=float)[None, :], n * n, axis=0)
    P[:, pair[0]] = xx.ravel()
    P[:, pair[1]] = yy.ravel()
    return P, prefs.utility(P)
