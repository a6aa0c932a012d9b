"""Median models: the weighted median, and the pairwise-majority (Condorcet) median."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from detente.models._weights import influence_weights
from detente.models.base import IssueByIssueModel, ModelLimits, ModelTags
from detente.scenario import IssueData

__all__ = ["CondorcetMedian", "WeightedMedian", "weighted_median"]


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted median: a point with at most half the weight on either side.

    When a whole interval qualifies (the weight below it is exactly one half), the midpoint of the
    interval is returned, so the answer does not depend on the order of the inputs.

    >>> weighted_median(np.array([0.0, 10.0, 20.0]), np.array([1.0, 1.0, 3.0]))
    20.0
    >>> weighted_median(np.array([0.0, 10.0]), np.array([1.0, 1.0]))
    5.0
    """
    keep = weights > 0
    x, w = values[keep], weights[keep]
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cum = np.cumsum(w)
    half = cum[-1] / 2.0
    tol = 1e-12 * cum[-1]
    k = int(np.searchsorted(cum, half - tol))  # first index with cum >= half
    if abs(cum[k] - half) <= tol and k + 1 < len(x):
        return float((x[k] + x[k + 1]) / 2.0)
    return float(x[k])


class WeightedMedian(IssueByIssueModel):
    """Forecast each issue as the capability x salience weighted median of positions.

    The median voter's position under weighted voting: no position is preferred by a weighted
    majority when actors vote for the nearer alternative (Black 1948).

    Names: median voter model, weighted median.

    Examples
    --------
    >>> from detente.scenarios import load_scenario
    >>> f = WeightedMedian().forecast(load_scenario("ec-emissions"))
    >>> round(f.position("delay"), 3)
    50.0
    """

    name: ClassVar[str] = "median"
    summary: ClassVar[str] = "capability x salience weighted median of positions"
    tags: ClassVar[ModelTags] = ModelTags(
        honours_vetoes=True, reference="Black (1948), J. Political Economy 56:23-34"
    )

    def _forecast_issue(
        self, data: IssueData, rng: np.random.Generator | None
    ) -> tuple[float, dict[str, Any]]:
        w = influence_weights(data, self.name)
        return weighted_median(data.positions, w), {}


class CondorcetMedian(IssueByIssueModel):
    """Forecast each issue as the held position that beats every other in pairwise majority votes.

    Every actor votes, with weight capability x salience, for whichever of two positions is nearer
    its own. The Condorcet winner is the held position that wins every such vote. In one dimension
    it exists unless weights tie exactly; then the position with the fewest pairwise defeats is
    taken, and among those the one with the smallest weighted distance to all actors.
    ``details["condorcet_winner"]`` says whether a strict winner existed.

    Names: pairwise-majority median, Condorcet winner among held positions.

    Examples
    --------
    >>> from detente.scenarios import load_scenario
    >>> f = CondorcetMedian().forecast(load_scenario("ec-emissions"))
    >>> round(f.position("delay"), 3), f.issues[0].details["condorcet_winner"]
    (50.0, True)
    """

    name: ClassVar[str] = "condorcet"
    summary: ClassVar[str] = "held position that wins every pairwise weighted majority vote"
    tags: ClassVar[ModelTags] = ModelTags(
        honours_vetoes=True,
        reference="Condorcet (1785); Black (1958), The Theory of Committees and Elections",
    )
    limits: ClassVar[ModelLimits] = ModelLimits(
        max_actors=2_000, why="it compares every pair of positions: memory grows with actors squared"
    )

    def _forecast_issue(
        self, data: IssueData, rng: np.random.Generator | None
    ) -> tuple[float, dict[str, Any]]:
        w = influence_weights(data, self.name)
        options = np.unique(data.positions)  # sorted, so ties resolve independent of actor order
        # In one dimension an actor prefers the lower of two options a < b exactly when its
        # position lies below their midpoint, so each pairwise vote is a difference of two
        # cumulative weights: O(m^2 log n) instead of O(n m^2).
        order = np.argsort(data.positions, kind="stable")
        xs, cum = data.positions[order], np.concatenate([[0.0], np.cumsum(w[order])])
        mid = (options[:, None] + options[None, :]) / 2.0
        below = cum[np.searchsorted(xs, mid, side="left")]  # weight strictly below the midpoint
        above = cum[-1] - cum[np.searchsorted(xs, mid, side="right")]  # strictly above
        lower_is_a = options[:, None] < options[None, :]
        margin = np.where(lower_is_a, below - above, above - below)  # weight for a minus for b
        np.fill_diagonal(margin, 0.0)
        dist = np.abs(data.positions[:, None] - options[None, :])
        tol = 1e-12 * w.sum()
        defeats = (margin < -tol).sum(axis=1)
        strict = (margin > tol).sum(axis=1) == len(options) - 1
        total_distance = w @ dist
        best = np.lexsort((total_distance, defeats))[0]
        return float(options[best]), {"condorcet_winner": bool(strict[best])}
