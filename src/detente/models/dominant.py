"""The position of the most powerful actor."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from detente.models.base import IssueByIssueModel, ModelTags
from detente.scenario import IssueData

__all__ = ["DominantActor"]


class DominantActor(IssueByIssueModel):
    """Forecast each issue as the position of the actor with the greatest capability.

    Among actors with equal greatest capability, the one with the greatest salience is taken; if
    several still tie, the mean of their positions (so the forecast does not depend on the order of
    actors). ``details["actors"]`` lists the actor(s) the forecast follows.

    Names: most powerful actor, dominant-actor model, realist baseline.

    Examples
    --------
    >>> from detente.scenarios import load_scenario
    >>> f = DominantActor().forecast(load_scenario("ec-emissions"))
    >>> f.position("delay"), f.issues[0].details["actors"]
    (100.0, ['UK'])
    """

    name: ClassVar[str] = "dominant"
    summary: ClassVar[str] = "position of the most capable actor (ties: most salient, then mean)"
    tags: ClassVar[ModelTags] = ModelTags(
        honours_vetoes=True, reference="realist baseline; Thomson et al. (2006)"
    )

    def _forecast_issue(
        self, data: IssueData, rng: np.random.Generator | None
    ) -> tuple[float, dict[str, Any]]:
        top = data.capabilities == data.capabilities.max()
        top &= data.saliences == data.saliences[top].max()
        who = [a for a, t in zip(data.actor_ids, top, strict=True) if t]
        return float(data.positions[top].mean()), {"actors": sorted(who)}
