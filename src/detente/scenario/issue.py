"""Issues: the things negotiated, each on a 0-100 scale with labelled ends."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from detente.scenario._fields import Identifier, Name, Score, Text

__all__ = ["Issue", "Units"]


class Units(BaseModel):
    """How a 0-100 issue scale maps onto natural units (years, per cent, ...).

    Position 0 is ``at_0`` units and position 100 is ``at_100`` units, linearly in between.

    >>> u = Units(unit="years", at_0=4, at_100=10)
    >>> u.to_natural(50.0)
    7.0
    >>> u.from_natural(8.833)
    80.55
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    unit: Text = Field(default="", description="Name of the unit, e.g. 'years'.")
    at_0: float = Field(allow_inf_nan=False, description="Value in natural units at position 0.")
    at_100: float = Field(allow_inf_nan=False, description="Value in natural units at position 100.")

    @model_validator(mode="after")
    def _distinct_ends(self) -> Units:
        if self.at_0 == self.at_100:
            raise ValueError(
                "at_0 and at_100 are equal; give the natural values at positions 0 and 100, which must differ"
            )
        return self

    def to_natural(self, position: float) -> float:
        """Convert a 0-100 position into natural units."""
        return self.at_0 + (self.at_100 - self.at_0) * position / 100.0

    def from_natural(self, value: float) -> float:
        """Convert a value in natural units into a 0-100 position."""
        position = 100.0 * (value - self.at_0) / (self.at_100 - self.at_0)
        # Round scalars to 12 decimals so that exact inputs (8.833 years) give exact positions (80.55);
        # arrays (as matplotlib passes them) are returned as computed.
        return round(position, 12) if isinstance(position, float) else position


class Issue(BaseModel):
    """One issue under negotiation, with a scale from 0 to 100.

    ``meaning_0`` and ``meaning_100`` say what the ends of the scale stand for; ``status_quo`` is
    the outcome if no agreement is reached (used as the disagreement point by bargaining models).
    ``units`` optionally maps the scale onto natural units for display. ``outcome`` records, for a
    negotiation that is over, what was actually decided: reports show it beside the forecasts, and
    backtests score against it. Models never read it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    id: Identifier = Field(description="Short unique id, used in stances and on the command line.")
    name: Name = Field(description="Display name.")
    description: Text = Field(default="", description="What is negotiated.")
    meaning_0: Text = Field(default="", description="What position 0 stands for.")
    meaning_100: Text = Field(default="", description="What position 100 stands for.")
    status_quo: Score | None = Field(
        default=None, description="The outcome without agreement, 0-100 (optional)."
    )
    units: Units | None = Field(default=None, description="Optional natural units of the scale.")
    outcome: Score | None = Field(
        default=None,
        description="For a past negotiation: the outcome that actually happened, 0-100 (optional).",
    )
    veto_players: tuple[Identifier, ...] = Field(
        default=(),
        strict=False,  # a YAML or JSON list is fine
        description="Actors that can hold the issue at its status quo alone (each needs a stance; the "
        "issue needs a status quo). Models that honour vetoes keep their forecast where every veto "
        "player is at least as well off as at the status quo.",
    )

    @model_validator(mode="after")
    def _veto_needs_status_quo(self) -> Issue:
        if self.veto_players and self.status_quo is None:
            raise ValueError("veto players need a status quo to hold the issue at; add status_quo (0-100)")
        if len(set(self.veto_players)) != len(self.veto_players):
            raise ValueError("an actor is listed twice among the veto players; list each once")
        return self

    def to_natural(self, position: float) -> float:
        """Convert a 0-100 position into the issue's natural units (identity without units)."""
        return position if self.units is None else self.units.to_natural(position)

    def from_natural(self, value: float) -> float:
        """Convert a value in the issue's natural units into a 0-100 position."""
        return value if self.units is None else self.units.from_natural(value)

    def format_position(self, position: float, digits: int = 1) -> str:
        """Format a 0-100 position for display, with natural units when the issue has them."""
        if self.units is None:
            return f"{position:.{digits}f}"
        natural = self.units.to_natural(position)
        unit = f" {self.units.unit}" if self.units.unit else ""
        return f"{natural:.{digits + 2}f}{unit}"
