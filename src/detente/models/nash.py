"""The Nash bargaining solution on each issue, with the status quo as disagreement point."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from detente.models._weights import influence_weights
from detente.models.base import IssueByIssueModel, ModelTags
from detente.scenario import IssueData

__all__ = ["NashBargaining"]


class NashBargaining(IssueByIssueModel):
    """Forecast each issue as the asymmetric Nash bargaining solution among the actors.

    The forecast x maximises ``sum_i w_i log(u_i(x) - u_i(d))`` over the issue scale, where
    ``w_i = c_i s_i`` is actor i's bargaining weight, ``u_i(x) = -|x - x_i|^k`` (``k = 2`` for
    ``utility="quadratic"``, 1 for ``"linear"``), and d is the disagreement point: the issue's status
    quo when it has one. Without a status quo each actor's disagreement value is its worst outcome on
    the scale (the farther end). Only outcomes every weighted actor weakly prefers to d are feasible:
    if actors with positive weight stand on both sides of the status quo, the status quo itself is
    the only unanimous agreement and is the forecast (``details["feasible"] == "status_quo_only"``).
    The objective is concave, so its derivative is decreasing and scipy's ``brentq`` finds the
    maximiser (the derivative's sign change) to ``xtol``.

    Veto players: with the status quo as disagreement point, every actor with positive weight (so
    every such veto player) already weakly prefers the forecast to the status quo, so the veto
    interval binds only a veto player of zero weight, whom the Nash product leaves out.

    Names: Nash bargaining solution, asymmetric (generalised) Nash product (Nash 1950; Achen 2006).

    Examples
    --------
    >>> from detente.scenarios import load_scenario
    >>> f = NashBargaining().forecast(load_scenario("ec-emissions"))
    >>> 0 <= f.position("delay") <= 100
    True
    """

    name: ClassVar[str] = "nash"
    summary: ClassVar[str] = "asymmetric Nash bargaining solution, status quo as disagreement point"
    tags: ClassVar[ModelTags] = ModelTags(
        honours_vetoes=True, reference="Nash (1950), Econometrica 18:155-162"
    )

    utility: Literal["quadratic", "linear"] = Field(
        default="quadratic", description="shape of utility in distance: 'quadratic' or 'linear'"
    )
    xtol: float = Field(default=1e-10, gt=0, le=1e-2, description="tolerance of the search (0-100)")

    def _forecast_issue(
        self, data: IssueData, rng: np.random.Generator | None
    ) -> tuple[float, dict[str, Any]]:
        from scipy.optimize import brentq  # imported here: scipy.optimize costs 0.4 s of start-up

        w = influence_weights(data, self.name)
        keep = w > 0
        x, w = data.positions[keep], w[keep]
        k = 2.0 if self.utility == "quadratic" else 1.0
        sq = data.status_quo
        # Each actor's acceptable set is an interval around its position: |y - x_i| <= r_i.
        radius = np.abs(sq - x) if sq is not None else np.maximum(x, 100.0 - x)
        lo = float(np.clip(np.max(x - radius), 0.0, 100.0))
        hi = float(np.clip(np.min(x + radius), 0.0, 100.0))
        if hi - lo <= self.xtol:
            point = sq if sq is not None else (lo + hi) / 2.0
            return float(point), {"feasible": "status_quo_only", "interval": [lo, hi]}
        if np.all(x == x[0]):
            return float(x[0]), {"feasible": "interval", "interval": [lo, hi]}
        gap_d = radius**k  # u_i(y) - u_i(d) = r_i^k - |y - x_i|^k

        def slope(y: float) -> float:
            """Derivative of the concave objective; decreasing in y, so its zero is the maximum."""
            dist = y - x
            gain = gap_d - np.abs(dist) ** k
            # At the edge of an actor's acceptable set its gain is 0 and the slope is infinite (the
            # log of the Nash product falls to minus infinity there), with the right sign: the
            # radius is positive, so the numerator is not 0 and no NaN arises.
            with np.errstate(divide="ignore"):
                return -float(np.sum(w * k * np.abs(dist) ** (k - 1) * np.sign(dist) / gain))

        a, b = lo + 1e-12 * (hi - lo), hi - 1e-12 * (hi - lo)
        if slope(a) <= 0:
            return lo, {"feasible": "interval", "interval": [lo, hi]}
        if slope(b) >= 0:
            return hi, {"feasible": "interval", "interval": [lo, hi]}
        # brentq on the monotone derivative converges to the maximiser (or the kink where the
        # derivative changes sign, for linear utilities) to xtol, independent of actor order.
        y = brentq(slope, a, b, xtol=self.xtol, rtol=4 * np.finfo(float).eps)
        return float(y), {"feasible": "interval", "interval": [lo, hi]}
