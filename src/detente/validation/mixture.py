"""A procedure-aware "who prevails" mixture model of DEU outcomes, with conformal intervals.

Many DEU outcomes coincide with a position some actor held (64% of the scored development issues)
or with the reference point; the compromise model's weighted mean almost never lands on one. This
module models the outcome of an issue as a **mixture**:

* probability mass on each *atom* -- every distinct position held, and the reference point --
  from a conditional logit of "which position prevails", whose features condition on the
  legislative procedure: the capability x salience support of the position under a
  :class:`~detente.validation.deu.CapabilityScheme`, the share of member states holding it, its
  distance from the compromise mean, whether it is the Commission's position (agenda setter) under
  co-decision or consultation, the Parliament's under each procedure, the reference point (and
  under unanimity, where each state can hold on to it), an end of the scale, and whether the member
  states that prefer it to the reference point reach the Council's voting rule;
* a continuous part (weight from the same logit, as the "none of the positions" option): the
  compromise mean plus the training issues' errors, relative to the spread of positions.

Which capability scheme describes power in the Council is itself uncertain, so ``best`` is the
**pool** of four such mixtures, one per scheme (equal, votes, Shapley-Shubik, procedure), averaged
with equal weights (:class:`PooledMixture`): on the development file the pool erred less than a
mixture whose scheme was chosen inside each training set, which switched schemes from fold to fold.

The point forecast is the mixture's median (it minimises the expected absolute error). Intervals
and quantiles are made to hold on new data by **conformal prediction** (MAPIE's
``SplitConformalRegressor``): the calibration score of an issue is the smallest ``h`` for which the
mixture's closed central interval ``[Q(1/2 - h), Q(1/2 + h)]`` holds its outcome, computed for issues
predicted by fits that never saw their proposal (grouped out-of-fold predictions); the central
interval at level ``c`` then runs between the quantiles ``1/2 - h(c)`` and ``1/2 + h(c)``, ``h(c)``
being MAPIE's conformal quantile of those scores.

Everything is chosen and fitted by grouped cross-validation over proposals on the development file
(:func:`nested_crossvalidation`): the L2 penalty of the logits (and, for a single-scheme mixture,
the scheme) is tuned inside each training set (inner folds) and scored on the outer fold.
:func:`refit` writes the frozen fit, :data:`MIXTURE_FILE` (``mixture.json``, beside ``best.json``),
with one fit per outer fold (used for development issues, so none is scored by a fit that saw it)
and one on the whole file::

    detente backtest refit-mixture --json src/detente/validation/mixture.json --force

>>> from detente.validation.deu import load_dev
>>> issue = load_dev().issue("d00032i1")
>>> model = load_shipped_mixture().model(None)
>>> q = model.quantiles([issue], QUANTILE_LEVELS)
>>> bool(np.all(np.diff(q[0]) >= 0)), q.shape
(True, (1, 19))
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.optimize import minimize

from detente.validation._shipped import read_shipped
from detente.validation.deu import (
    CapabilityScheme,
    DeuIssue,
    SchemeKind,
    load_dev,
    regime_for,
)

__all__ = [
    "FEATURES",
    "MIXTURE_FILE",
    "QUANTILE_COLUMNS",
    "QUANTILE_LEVELS",
    "ConformalPIT",
    "MixtureFit",
    "PooledMixture",
    "ShippedMixture",
    "atom_features",
    "fit_mixture",
    "fit_pooled",
    "load_shipped_mixture",
    "model_from_dict",
    "nested_crossvalidation",
    "refit",
]

MIXTURE_FILE = "mixture.json"
"""Name of the frozen mixture fit inside :mod:`detente.validation`."""

QUANTILE_LEVELS = np.round(np.arange(1, 20) * 0.05, 2)
"""Quantile levels written to backtest CSVs: 0.05, 0.10, ..., 0.95."""

QUANTILE_COLUMNS = [f"q{round(100 * p):02d}" for p in QUANTILE_LEVELS]
"""Column names of :data:`QUANTILE_LEVELS`: ``q05``, ``q10``, ..., ``q95``."""

GRID = (np.arange(200) + 0.5) / 200
"""Quantile levels of the 200-member quantile ensemble used for CRPS and log scores."""

FEATURES = (
    "support",
    "state_share",
    "distance",
    "distance_sq",
    "commission_cod",
    "commission_cns",
    "parliament_cod",
    "parliament_cns",
    "reference",
    "reference_unanimity",
    "scale_end",
    "beats_reference",
)
"""Features of an atom (a position held, or the reference point) in the who-prevails logit."""

OFFSET = 10.0
"""Added to the spread of positions when scaling the continuous part's errors (0-100 scale)."""

ERROR_LEVELS = np.linspace(0.0, 1.0, 41)
SCHEME_GRID: tuple[SchemeKind, ...] = ("equal", "votes", "shapley", "procedure")
"""Capability schemes the nested cross-validation chooses among."""
PENALTY_GRID = (1.0, 3.0, 10.0, 30.0)
"""L2 penalties of the logit the nested cross-validation chooses among."""


# --- features -------------------------------------------------------------------------------------


def _weights(issue: DeuIssue, scheme: CapabilityScheme) -> tuple[list[str], np.ndarray, np.ndarray]:
    actors = list(issue.positions)
    caps = scheme.capabilities(issue)
    x = np.array([issue.positions[a] for a in actors])
    w = np.array([issue.saliences[a] * caps[a] for a in actors])
    if w.sum() <= 0:
        w = np.ones_like(w)
    return actors, x, w


def compromise(issue: DeuIssue, scheme: CapabilityScheme) -> tuple[float, float]:
    """The compromise mean (capability x salience weighted) and the weighted sd of positions."""
    _, x, w = _weights(issue, scheme)
    m = float(np.dot(w, x) / w.sum())
    return m, float(np.sqrt(np.dot(w, (x - m) ** 2) / w.sum()))


def atoms(issue: DeuIssue) -> np.ndarray:
    """The positions an outcome can coincide with: every distinct position held and the reference point."""
    values = set(issue.positions.values())
    if issue.reference is not None:
        values.add(issue.reference)
    return np.array(sorted(values), dtype=float)


def _beats_reference(issue: DeuIssue, value: float) -> float:
    """1 if the member states that prefer ``value`` to the reference point can pass it in the Council."""
    rp = issue.reference
    states = [a for a in issue.positions if a not in ("com", "ep")]
    if rp is None or value == rp or not states:
        return 0.0
    prefer = [a for a in states if abs(issue.positions[a] - value) < abs(issue.positions[a] - rp)]
    if issue.voting_rule == "Unan":
        return float(len(prefer) == len(states))
    regime = regime_for(issue)
    if regime.blocking_min is not None:  # Lisbon: 55% of the members and 65% of the population, or
        # fewer than blocking_min members against (shares of the states with a position)
        pop = regime.population
        held, total = sum(pop.get(a, 0.0) for a in prefer), sum(pop.get(a, 0.0) for a in states)
        double = len(prefer) >= regime.qvote / len(regime.votes) * len(states) and held >= (
            regime.qpop / sum(pop.values()) * total
        )
        return float(double or len(states) - len(prefer) < regime.blocking_min)
    votes = regime.votes
    held = sum(votes.get(a, 0.0) for a in prefer)
    total = sum(votes.get(a, 0.0) for a in states)
    return float(total > 0 and held >= regime.qvote / sum(votes.values()) * total)


def atom_features(issue: DeuIssue, scheme: CapabilityScheme) -> tuple[np.ndarray, np.ndarray]:
    """The atoms of an issue (k,) and their features (k, len(FEATURES)), in the order of FEATURES."""
    actors, x, w = _weights(issue, scheme)
    m, _ = compromise(issue, scheme)
    values = atoms(issue)
    states = [a for a in actors if a not in ("com", "ep")]
    cod = issue.procedure == "COD"
    unan = issue.voting_rule == "Unan"
    rows = []
    for v in values:
        at = x == v
        holders = {a for a, h in zip(actors, at, strict=True) if h}
        is_ref = issue.reference is not None and v == issue.reference
        rows.append(
            [
                float(w[at].sum() / w.sum()),
                sum(a in holders for a in states) / max(1, len(states)),
                abs(v - m) / 100.0,
                (abs(v - m) / 100.0) ** 2,
                float("com" in holders and cod),
                float("com" in holders and not cod),
                float("ep" in holders and cod),
                float("ep" in holders and not cod),
                float(is_ref),
                float(is_ref and unan),
                float(v in (0.0, 100.0)),
                _beats_reference(issue, float(v)),
            ]
        )
    return values, np.array(rows, dtype=float).reshape(len(values), -1)


@dataclass
class _Design:
    """Stacked logit options of a set of issues: atoms, then one continuous option per issue."""

    values: list[np.ndarray]
    X: np.ndarray  # (n_options, K + 2)
    start: np.ndarray  # first option of each issue
    size: np.ndarray
    chosen: np.ndarray  # option index (global) of the outcome, per issue
    centre: np.ndarray
    spread: np.ndarray


_FeatureCache = dict[tuple[int, CapabilityScheme], tuple[np.ndarray, np.ndarray, float, float]]
"""Features, atoms and compromise of (issue, scheme), kept for the length of one cross-validation."""


def _design(
    issues: Sequence[DeuIssue], scheme: CapabilityScheme, cache: _FeatureCache | None = None
) -> _Design:
    K = len(FEATURES)
    blocks, values, start, size, chosen, centre, spread = [], [], [], [], [], [], []
    pos = 0
    for issue in issues:
        key = (id(issue), scheme)  # issues outlive the cache (one cross-validation run)
        if cache is not None and key in cache:
            v, F, m, sd = cache[key]
        else:
            v, F = atom_features(issue, scheme)
            m, sd = compromise(issue, scheme)
            if cache is not None:
                cache[key] = (v, F, m, sd)
        block = np.zeros((len(v) + 1, K + 2))
        block[: len(v), :K] = F
        block[len(v), K] = 1.0
        block[len(v), K + 1] = sd / 50.0
        blocks.append(block)
        values.append(v)
        start.append(pos)
        size.append(len(v) + 1)
        hit = np.flatnonzero(np.isclose(v, issue.outcome)) if issue.outcome is not None else []
        chosen.append(pos + (int(hit[0]) if len(hit) else len(v)))
        centre.append(m)
        spread.append(sd)
        pos += len(v) + 1
    return _Design(
        values,
        np.vstack(blocks) if blocks else np.zeros((0, K + 2)),
        np.array(start, dtype=int),
        np.array(size, dtype=int),
        np.array(chosen, dtype=int),
        np.array(centre),
        np.array(spread),
    )


def _option_probs(design: _Design, theta: np.ndarray) -> np.ndarray:
    u = design.X @ theta
    group = np.repeat(np.arange(len(design.start)), design.size)
    mx = np.maximum.reduceat(u, design.start) if len(u) else np.zeros(0)
    e = np.exp(u - mx[group])
    return e / np.add.reduceat(e, design.start)[group]


# --- the fitted model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConformalPIT:
    """Conformal calibration of a predictive distribution's central intervals (MAPIE).

    ``scores`` are conformity scores (in probability, 0 to 1/2) of out-of-fold (grouped)
    predictions. :meth:`half_width` gives, for each confidence level, MAPIE's split-conformal
    quantile of the scores: the central interval between the quantiles ``1/2 -+ half_width`` covers
    at least that share of new outcomes when they are exchangeable with the calibration issues.
    """

    scores: tuple[float, ...]

    def half_width(self, levels: np.ndarray) -> np.ndarray:
        """Half-width in probability of the calibrated central interval at each level in (0, 1)."""
        from mapie.regression import SplitConformalRegressor
        from sklearn.dummy import DummyRegressor

        levels = np.asarray(levels, dtype=float)
        out = np.full(levels.shape, 0.5)
        n = len(self.scores)
        # MAPIE needs 1/c and 1/(1 - c) below n: beyond, the interval is everything; below, the median
        inside = (levels > 0) & (levels < 1) & (1 / np.maximum(1 - levels, 1e-12) < n) & (levels * n > 1)
        out[(levels * n <= 1) & (levels < 0.5)] = 0.0
        if not inside.any() or not self.scores:
            return out
        y = 0.5 + np.asarray(self.scores, dtype=float)  # the score as the residual of a constant 1/2
        X = np.zeros((len(y), 1))
        dummy = DummyRegressor(strategy="constant", constant=0.5).fit(X[:1], y[:1])
        mapie = SplitConformalRegressor(dummy, confidence_level=list(levels[inside]), prefit=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # levels beyond what n scores can certify: width 1/2
            mapie.conformalize(X, y)
            _, pis = mapie.predict_interval(np.zeros((1, 1)))
        hw = pis[0, 1, :] - 0.5
        out[inside] = np.clip(np.nan_to_num(hw, nan=0.5, posinf=0.5), 0.0, 0.5)
        return out


def _mixture_quantile(values: np.ndarray, probs: np.ndarray, levels: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    v, c = values[order], np.cumsum(probs[order])
    c = c / c[-1]
    return v[np.minimum(np.searchsorted(c, np.clip(levels, 0, 1) - 1e-12), len(v) - 1)]


def _score(values: np.ndarray, probs: np.ndarray, y: float) -> float:
    """Smallest h for which the closed central interval [Q(1/2 - h), Q(1/2 + h)] holds ``y``.

    With ``F(y-)`` and ``F(y)`` the mixture's CDF just below and at ``y``: the distance from 1/2 to
    the range [F(y-), F(y)] (0 when 1/2 is inside). An outcome on an atom is covered as soon as the
    interval reaches the atom's probability range, so this (not a randomised PIT) is the score whose
    conformal quantile makes the intervals cover at the nominal rate and no more.
    """
    total = probs.sum()
    below = probs[values < y - 1e-9].sum() / total
    upto = below + probs[np.abs(values - y) <= 1e-9].sum() / total
    return float(max(0.0, below - 0.5, 0.5 - upto))


class _Distribution:
    """Quantiles and conformity scores of a model given by per-issue support points and probabilities."""

    conformal: ConformalPIT | None

    def distributions(
        self, issues: Sequence[DeuIssue], cache: _FeatureCache | None = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def quantiles(
        self,
        issues: Sequence[DeuIssue],
        levels: Sequence[float] | np.ndarray,
        cache: _FeatureCache | None = None,
    ) -> np.ndarray:
        """Calibrated quantiles (n, len(levels)): the mixture's quantile at the conformal level."""
        levels = np.asarray(levels, dtype=float)
        adjusted = levels
        if self.conformal is not None:
            hw = self.conformal.half_width(np.abs(2 * levels - 1))
            adjusted = np.where(levels < 0.5, 0.5 - hw, np.where(levels > 0.5, 0.5 + hw, 0.5))
        return np.array([_mixture_quantile(v, p, adjusted) for v, p in self.distributions(issues, cache)])

    def scores(self, issues: Sequence[DeuIssue], cache: _FeatureCache | None = None) -> np.ndarray:
        """Conformity score of each issue's outcome under the (uncalibrated) mixture (see ``_score``)."""
        return np.array(
            [
                _score(v, p, float(i.outcome))  # type: ignore[arg-type]
                for (v, p), i in zip(self.distributions(issues, cache), issues, strict=True)
            ]
        )


@dataclass(frozen=True)
class MixtureFit(_Distribution):
    """A fitted mixture under one capability scheme: logit coefficients, continuous errors, calibration.

    With ``atoms=False`` it is the compromise model with cross-validated errors (no point masses):
    the reference the targets compare with.
    """

    scheme: SchemeKind
    penalty: float
    theta: tuple[float, ...]
    errors: tuple[float, ...]
    conformal: ConformalPIT | None = None
    atoms: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (rounded to 6 decimals)."""
        return {
            "scheme": self.scheme,
            "penalty": self.penalty,
            "atoms": self.atoms,
            "theta": dict(
                zip(
                    (*FEATURES, "continuous", "continuous_spread"),
                    np.round(self.theta, 6).tolist(),
                    strict=True,
                )
            ),
            "errors": np.round(self.errors, 6).tolist(),
            "conformal_scores": None
            if self.conformal is None
            else np.round(self.conformal.scores, 6).tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MixtureFit:
        """Inverse of :meth:`to_dict`."""
        names = (*FEATURES, "continuous", "continuous_spread")
        scores = d.get("conformal_scores")
        return cls(
            scheme=d["scheme"],
            penalty=float(d["penalty"]),
            theta=tuple(float(d["theta"][k]) for k in names),
            errors=tuple(float(x) for x in d["errors"]),
            conformal=None if scores is None else ConformalPIT(tuple(float(x) for x in scores)),
            atoms=bool(d.get("atoms", True)),
        )

    def with_conformal(self, scores: Sequence[float]) -> MixtureFit:
        """A copy calibrated with these conformity scores."""
        return MixtureFit(
            self.scheme, self.penalty, self.theta, self.errors, ConformalPIT(tuple(scores)), self.atoms
        )

    def distributions(
        self, issues: Sequence[DeuIssue], cache: _FeatureCache | None = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each issue's mixture as support points and probabilities (before conformal calibration)."""
        design = _design(issues, CapabilityScheme(self.scheme), cache)
        probs = _option_probs(design, np.array(self.theta)) if self.atoms else None
        err = np.interp((np.arange(40) + 0.5) / 40, ERROR_LEVELS, np.array(self.errors))
        out = []
        for j, v in enumerate(design.values):
            cont = np.clip(design.centre[j] + err * (design.spread[j] + OFFSET), 0.0, 100.0)
            if probs is None:
                out.append((cont, np.full(len(cont), 1.0 / len(cont))))
                continue
            p = probs[design.start[j] : design.start[j] + design.size[j]]
            out.append((np.r_[v, cont], np.r_[p[:-1], np.full(len(cont), p[-1] / len(cont))]))
        return out


@dataclass(frozen=True)
class PooledMixture(_Distribution):
    """The equal-weight average (linear pool) of mixtures fitted under several capability schemes.

    Which scheme describes who holds power in the Council is uncertain, and choosing one per training
    set is noisy (the nested choice switched between ``votes`` and ``equal`` from fold to fold); the
    pool averages the schemes' predictive distributions instead of choosing among them. Each
    component is a :class:`MixtureFit` (without its own calibration); the pool has one conformal
    calibration. This is ``best`` on DEU files.
    """

    components: tuple[MixtureFit, ...]
    penalty: float
    conformal: ConformalPIT | None = None

    @property
    def scheme(self) -> str:
        """The pooled schemes, e.g. ``"pool(equal+votes+shapley+procedure)"``."""
        return "pool(" + "+".join(c.scheme for c in self.components) + ")"

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (rounded to 6 decimals)."""
        return {
            "pool": [c.scheme for c in self.components],
            "penalty": self.penalty,
            "components": [c.to_dict() for c in self.components],
            "conformal_scores": None
            if self.conformal is None
            else np.round(self.conformal.scores, 6).tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PooledMixture:
        """Inverse of :meth:`to_dict`."""
        scores = d.get("conformal_scores")
        return cls(
            components=tuple(MixtureFit.from_dict(c) for c in d["components"]),
            penalty=float(d["penalty"]),
            conformal=None if scores is None else ConformalPIT(tuple(float(x) for x in scores)),
        )

    def with_conformal(self, scores: Sequence[float]) -> PooledMixture:
        """A copy calibrated with these conformity scores."""
        return PooledMixture(self.components, self.penalty, ConformalPIT(tuple(scores)))

    def distributions(
        self, issues: Sequence[DeuIssue], cache: _FeatureCache | None = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each issue's pooled mixture: the components' support points, each with 1/k of its probability."""
        parts = [c.distributions(issues, cache) for c in self.components]
        k = len(parts)
        return [
            (np.concatenate([v for v, _ in each]), np.concatenate([p / p.sum() / k for _, p in each]))
            for each in zip(*parts, strict=True)
        ]


def fit_mixture(
    issues: Sequence[DeuIssue],
    scheme: SchemeKind = "equal",
    penalty: float = 10.0,
    *,
    atoms: bool = True,
    cache: _FeatureCache | None = None,
) -> MixtureFit:
    """Fit the logit (maximum likelihood with an L2 penalty) and the continuous errors on ``issues``."""
    cs = CapabilityScheme(scheme)
    design = _design(issues, cs, cache)
    y = np.array([i.outcome for i in issues], dtype=float)
    errors = (
        tuple(np.quantile((y - design.centre) / (design.spread + OFFSET), ERROR_LEVELS))
        if len(y)
        else (0.0,) * 41
    )
    K = design.X.shape[1]
    if not atoms:
        return MixtureFit(scheme, penalty, (0.0,) * K, errors, None, False)
    onehot = np.zeros(len(design.X))
    onehot[design.chosen] = 1.0

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        p = _option_probs(design, theta)
        nll = -float(np.sum(np.log(p[design.chosen] + 1e-300)))
        grad = design.X.T @ (p - onehot)
        return nll + penalty * float(theta @ theta), grad + 2 * penalty * theta

    res = minimize(objective, np.zeros(K), jac=True, method="L-BFGS-B")
    return MixtureFit(scheme, penalty, tuple(float(t) for t in res.x), errors, None, True)


def fit_pooled(
    issues: Sequence[DeuIssue],
    schemes: Sequence[SchemeKind] = SCHEME_GRID,
    penalty: float = 10.0,
    *,
    cache: _FeatureCache | None = None,
) -> PooledMixture:
    """Fit one mixture per capability scheme (same penalty) and pool them with equal weights."""
    return PooledMixture(tuple(fit_mixture(issues, s, penalty, cache=cache) for s in schemes), penalty)


# --- cross-validation -----------------------------------------------------------------------------


@dataclass
class MixtureCV:
    """Out-of-fold results of one configuration or of the nested choice.

    ``point``: mixture medians (n,); ``quantiles``: calibrated quantiles at :data:`QUANTILE_LEVELS`
    (n, 19); ``ensemble``: calibrated quantiles at :data:`GRID` (n, 200), for CRPS and log scores;
    ``fits``: the fit of each outer fold; ``choices``: the (scheme, penalty) each fold chose.
    """

    point: np.ndarray
    quantiles: np.ndarray
    ensemble: np.ndarray
    fits: list[MixtureFit | PooledMixture] = field(default_factory=list)
    choices: list[tuple[str, float]] = field(default_factory=list)


def _fit_config(
    train: Sequence[DeuIssue], scheme: SchemeKind | None, penalty: float, atoms: bool, cache: _FeatureCache
) -> MixtureFit | PooledMixture:
    """One configuration's fit: a pooled mixture (``scheme=None``) or a mixture under one scheme."""
    if scheme is None:
        return fit_pooled(train, SCHEME_GRID, penalty, cache=cache)
    return fit_mixture(train, scheme, penalty, atoms=atoms, cache=cache)


def _oof(
    issues: Sequence[DeuIssue],
    fold: np.ndarray,
    scheme: SchemeKind | None,
    penalty: float,
    atoms: bool,
    cache: _FeatureCache,
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold medians and conformity scores of one configuration (no conformal step)."""
    point = np.full(len(issues), np.nan)
    pit = np.full(len(issues), np.nan)
    for k in np.unique(fold):
        test = np.flatnonzero(fold == k)
        train = [issues[j] for j in np.flatnonzero(fold != k)]
        fit = _fit_config(train, scheme, penalty, atoms, cache)
        held = [issues[j] for j in test]
        point[test] = fit.quantiles(held, [0.5], cache)[:, 0]
        pit[test] = fit.scores(held, cache)
    return point, pit


def _choose(
    issues: Sequence[DeuIssue],
    fold: np.ndarray,
    schemes: Sequence[SchemeKind | None],
    penalties: Sequence[float],
    atoms: bool,
    cache: _FeatureCache,
) -> tuple[SchemeKind | None, float, np.ndarray]:
    """The configuration with the lowest out-of-fold MAE, and its out-of-fold conformity scores."""
    y = np.array([i.outcome for i in issues], dtype=float)
    best: tuple[float, SchemeKind | None, float, np.ndarray] | None = None
    for scheme in schemes:
        for penalty in penalties if atoms else penalties[:1]:
            point, pit = _oof(issues, fold, scheme, penalty, atoms, cache)
            mae = float(np.mean(np.abs(point - y)))
            if best is None or mae < best[0] - 1e-12:
                best = (mae, scheme, penalty, pit)
    assert best is not None
    return best[1], best[2], best[3]


def nested_crossvalidation(
    issues: Sequence[DeuIssue],
    fold_of: dict[str, int],
    *,
    schemes: Sequence[SchemeKind] = SCHEME_GRID,
    penalties: Sequence[float] = PENALTY_GRID,
    atoms: bool = True,
    pool: bool = False,
    seed: int = 0,
) -> MixtureCV:
    """Grouped nested cross-validation: tune on the training folds only, score on the outer fold.

    For every outer fold: the configuration with the lowest inner (grouped, by the other folds)
    out-of-fold MAE is chosen -- the scheme and the penalty, or with ``pool=True`` the penalty of the
    pooled mixture over :data:`SCHEME_GRID` (``schemes`` is then not used); the model is fitted on
    the training folds; its conformal scores are the inner out-of-fold scores of the chosen
    configuration; the outer fold is then predicted. The outer fold's issues enter no step of its fit.
    ``seed`` is recorded for the interface; no step is random.
    """
    fold = np.array([fold_of[i.proposal] for i in issues])
    n = len(issues)
    point = np.full(n, np.nan)
    qs = np.full((n, len(QUANTILE_LEVELS)), np.nan)
    ens = np.full((n, len(GRID)), np.nan)
    out = MixtureCV(point, qs, ens)
    cache: _FeatureCache = {}
    configs: Sequence[SchemeKind | None] = (None,) if pool else tuple(schemes)
    for k in np.unique(fold):
        test = np.flatnonzero(fold == k)
        train_idx = np.flatnonzero(fold != k)
        train = [issues[j] for j in train_idx]
        scheme, penalty, scores = _choose(train, fold[train_idx], configs, penalties, atoms, cache)
        fit = _fit_config(train, scheme, penalty, atoms, cache).with_conformal(scores)
        held = [issues[j] for j in test]
        point[test] = fit.quantiles(held, [0.5], cache)[:, 0]
        qs[test] = fit.quantiles(held, QUANTILE_LEVELS, cache)
        ens[test] = fit.quantiles(held, GRID, cache)
        out.fits.append(fit)
        out.choices.append((fit.scheme, penalty))
    return out


def refit(*, seed: int = 0, n_folds: int = 10) -> dict[str, Any]:
    """Choose and fit the pooled mixture on the development file (see the module); mixture.json's content.

    The folds are those of ``best.json`` (:func:`detente.validation.best.load_shipped`), so both
    files hold out the same proposals.
    """
    from detente.validation.best import load_shipped

    issues = load_dev().scored()
    fold_of = load_shipped().folds
    cv = nested_crossvalidation(issues, fold_of, pool=True, seed=seed)
    fold = np.array([fold_of[i.proposal] for i in issues])
    cache: _FeatureCache = {}
    _, penalty, scores = _choose(issues, fold, (None,), PENALTY_GRID, True, cache)
    full = fit_pooled(issues, SCHEME_GRID, penalty, cache=cache).with_conformal(scores)
    return {
        "format": 2,
        "description": "Frozen fit of the procedure-aware who-prevails mixture pooled over capability "
        "schemes (the `best` model of `detente backtest deu`); its penalty chosen and its components "
        "fitted by nested grouped cross-validation on the DEU development file; conformal scores are "
        "those of grouped out-of-fold predictions.",
        "command": f"detente backtest refit-mixture --seed {seed} "
        "--json src/detente/validation/mixture.json --force",
        "seed": seed,
        "features": list(FEATURES),
        "scheme_grid": list(SCHEME_GRID),
        "penalty_grid": list(PENALTY_GRID),
        "folds": fold_of,
        "full": full.to_dict(),
        "fold_fits": [f.to_dict() for f in cv.fits],
        "fold_choices": [list(c) for c in cv.choices],
    }


def model_from_dict(d: dict[str, Any]) -> MixtureFit | PooledMixture:
    """A fit read back from :func:`refit`'s JSON: a pooled mixture, or a single-scheme one (format 1)."""
    return PooledMixture.from_dict(d) if "components" in d else MixtureFit.from_dict(d)


@dataclass(frozen=True)
class ShippedMixture:
    """The frozen mixture fit read from ``mixture.json``."""

    raw: dict[str, Any]

    @property
    def folds(self) -> dict[str, int]:
        """Development proposal -> its outer cross-validation fold."""
        return dict(self.raw["folds"])

    def model(self, fold: int | None) -> MixtureFit | PooledMixture:
        """The fit on the whole file (``fold=None``) or the one made without outer fold ``fold``."""
        return model_from_dict(self.raw["full"] if fold is None else self.raw["fold_fits"][fold])

    def predict(self, issues: Sequence[DeuIssue]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """Medians (n,), quantiles at QUANTILE_LEVELS (n, 19), ensembles at GRID (n, 200), and which fit.

        Issues of a development proposal get the fit of the fold that held the proposal out
        (``"cross-validated"``); any other issue the fit on the whole file (``"frozen"``).
        """
        folds = self.folds
        n = len(issues)
        point, qs, ens = (
            np.full(n, np.nan),
            np.full((n, len(QUANTILE_LEVELS)), np.nan),
            np.full((n, len(GRID)), np.nan),
        )
        which = ["frozen"] * n
        groups: dict[int, list[int]] = {}
        for j, issue in enumerate(issues):
            groups.setdefault(folds.get(issue.proposal, -1), []).append(j)
        for k, rows in groups.items():
            fit = self.model(None if k < 0 else k)
            sub = [issues[j] for j in rows]
            point[rows] = fit.quantiles(sub, [0.5])[:, 0]
            qs[rows] = fit.quantiles(sub, QUANTILE_LEVELS)
            ens[rows] = fit.quantiles(sub, GRID)
            if k >= 0:
                for j in rows:
                    which[j] = "cross-validated"
        return point, qs, ens, which


@lru_cache(maxsize=1)
def load_shipped_mixture() -> ShippedMixture:
    """The ``mixture.json`` shipped in the package."""
    raw = read_shipped(
        MIXTURE_FILE, "detente backtest refit-mixture --json src/detente/validation/mixture.json"
    )
    return ShippedMixture(raw)


# --- the cross-validated table ----------------------------------------------------------------------


def _score_row(
    name: str,
    point: np.ndarray,
    qs: np.ndarray,
    ens: np.ndarray,
    y: np.ndarray,
    groups: list[str],
    ref_point: np.ndarray,
    ref_crps: float | None,
    seed: int,
) -> dict[str, Any]:
    from detente.validation.scoring import (
        crps_samples,
        hit_rate,
        interval_score,
        log_score_samples,
        paired_bootstrap,
    )

    lo, hi = qs[:, QUANTILE_LEVELS.tolist().index(0.1)], qs[:, QUANTILE_LEVELS.tolist().index(0.9)]
    err, ref_err = np.abs(point - y), np.abs(ref_point - y)
    crps = crps_samples(ens, y)
    diff = paired_bootstrap(err, ref_err, groups=groups, seed=seed)
    logs = log_score_samples(ens, y)
    return {
        "model": name,
        "n": len(y),
        "MAE": float(err.mean()),
        "MAE ratio": float(err.mean() / ref_err.mean()),
        "MAE - compromise": (diff.mean, diff.low, diff.high),
        "CRPS": float(crps.mean()),
        "CRPS ratio": None if ref_crps is None else float(crps.mean() / ref_crps),
        "coverage80": float(np.mean((y >= lo - 1e-9) & (y <= hi + 1e-9))),
        "width80": float(np.mean(hi - lo)),
        "interval score": float(np.mean(interval_score(lo, hi, y, 0.2))),
        "log score": float(np.median(logs)),
        "hit5": hit_rate(point, y, 5.0),
        "hit10": hit_rate(point, y, 10.0),
    }


def crossvalidated_table(
    *, seed: int = 0, schemes: Sequence[SchemeKind] = SCHEME_GRID
) -> tuple[list[dict[str, Any]], MixtureCV]:
    """Target figures of every model and capability scheme by nested grouped cross-validation.

    Rows: ``best`` (the mixture pooled over the schemes, penalty chosen inside each training set),
    the mixture with scheme and penalty chosen inside, the mixture under each scheme (penalty chosen
    inside), and the compromise model under each scheme (its
    weighted mean as point forecast; its distribution the mean plus cross-validated errors, with the
    same conformal calibration). Ratios and paired differences are against the compromise model with
    equal capabilities. Folds: those of ``best.json``. Returns the rows and the ``best`` results.
    """
    from detente.validation.best import load_shipped

    issues = load_dev().scored()
    fold_of = load_shipped().folds
    y = np.array([i.outcome for i in issues], dtype=float)
    groups = [i.proposal for i in issues]
    ref_point = np.array([compromise(i, CapabilityScheme("equal"))[0] for i in issues])
    ref = nested_crossvalidation(issues, fold_of, schemes=("equal",), atoms=False, seed=seed)
    from detente.validation.scoring import crps_samples

    ref_crps = float(np.mean(crps_samples(ref.ensemble, y)))
    best = nested_crossvalidation(issues, fold_of, pool=True, seed=seed)
    chosen = nested_crossvalidation(issues, fold_of, schemes=schemes, seed=seed)
    rows = [
        _score_row(
            "best (mixture pooled over schemes)",
            best.point,
            best.quantiles,
            best.ensemble,
            y,
            groups,
            ref_point,
            ref_crps,
            seed,
        ),
        _score_row(
            "mixture, scheme chosen inside",
            chosen.point,
            chosen.quantiles,
            chosen.ensemble,
            y,
            groups,
            ref_point,
            ref_crps,
            seed,
        ),
    ]
    for scheme in schemes:
        cv = nested_crossvalidation(issues, fold_of, schemes=(scheme,), seed=seed)
        rows.append(
            _score_row(
                f"mixture@{scheme}", cv.point, cv.quantiles, cv.ensemble, y, groups, ref_point, ref_crps, seed
            )
        )
    for scheme in schemes:
        cv = (
            ref
            if scheme == "equal"
            else nested_crossvalidation(issues, fold_of, schemes=(scheme,), atoms=False, seed=seed)
        )
        point = np.array([compromise(i, CapabilityScheme(scheme))[0] for i in issues])
        rows.append(
            _score_row(
                f"compromise@{scheme}", point, cv.quantiles, cv.ensemble, y, groups, ref_point, ref_crps, seed
            )
        )
    return rows, best
