"""Actors: who takes part in a negotiation and how much potential influence each has."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from detente.scenario._fields import Capability, Identifier, Name, Text

__all__ = ["Actor"]


class Actor(BaseModel):
    """One actor in a negotiation: a state, an organisation, a faction or a person.

    ``capability`` is the actor's potential influence on any issue, on any non-negative scale (it is
    used as read: models that need shares normalise it themselves). ``group`` puts actors into
    blocs (for example ``"Big Four"``) that reports and coalition analyses can use.

    >>> Actor(id="DPRK", name="North Korea", capability=25).capability
    25.0
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    id: Identifier = Field(description="Short unique id, used in stances and on the command line.")
    name: Name = Field(description="Display name.")
    capability: Capability = Field(description="Potential influence, on any non-negative scale up to 1e15.")
    description: Text = Field(default="", description="Who the actor is; the basis of its capability.")
    group: Text = Field(default="", description="Optional bloc or group label.")
