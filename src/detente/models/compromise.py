"""The compromise model: the capability x salience weighted mean of positions."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from detente.models._weights import influence_weights
from detente.models.base import IssueByIssueModel, ModelTags
from detente.scenario import IssueData

__all__ = ["Compromise"]


class Compromise(IssueByIssueModel):
    """Forecast each issue as the mean of positions weighted by capability x salience.

    ``sum_i c_i s_i x_i / sum_i c_i s_i``. In studies of EU legislation this simple baseline is hard
    to beat (Achen 2006; Thomson 2011); every report shows it.

    Names: compromise model, weighted mean, position-exchange baseline (van den Bos 1991;
    Achen 2006).

    Examples
    --------
    >>> from detente.scenarios import load_scenario
    >>> f = Compromise().forecast(load_scenario("ec-emissions"))
    >>> round(f.position("delay"), 3)  # 0-100 scale
    56.499
    """

    name: ClassVar[str] = "compromise"
    summary: ClassVar[str] = "capability x salience weighted mean of positions"
    tags: ClassVar[ModelTags] = ModelTags(
        honours_vetoes=True, reference="Achen (2006), The European Union Decides, ch. 10"
    )

    def _forecast_issue(
        self, data: IssueData, rng: np.random.Generator | None
    ) -> tuple[float, dict[str, Any]]:
        w = influence_weights(data, self.name)
        return float(np.dot(w, data.positions) / w.sum()), {}
