"""Stances: one actor's position and salience on one issue, with where it comes from."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from detente.scenario._fields import Identifier, Name, Score, Text

__all__ = ["Source", "Stance", "Uncertainty"]


class Source(BaseModel):
    """A document that stances cite: an essay, a dataset, an interview, a data file."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    id: Identifier = Field(description="Short unique id that stances refer to.")
    title: Name = Field(description="Title of the document.")
    author: Text = Field(default="", description="Author(s).")
    date: Text = Field(default="", description="Date of publication, e.g. '2017-11-14'.")
    file: Text = Field(default="", description="File name, if the source is a file.")
    url: Text = Field(default="", description="Address, if the source is online.")
    note: Text = Field(default="", description="Anything else a reader should know.")


class Uncertainty(BaseModel):
    """How uncertain a stance's position is: a standard deviation, or a range, on the 0-100 scale.

    >>> Uncertainty(sd=10).sd
    10.0
    >>> Uncertainty(low=40, high=70).high
    70.0
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    sd: float | None = Field(default=None, ge=0.0, le=100.0, allow_inf_nan=False)
    low: Score | None = None
    high: Score | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Uncertainty:
        has_range = self.low is not None or self.high is not None
        if self.sd is not None and has_range:
            raise ValueError("both sd and a range are given; keep either sd or low and high")
        if self.sd is None and not has_range:
            raise ValueError("the uncertainty is empty; give sd, or low and high (0-100)")
        if has_range:
            if self.low is None or self.high is None:
                raise ValueError("a range needs both low and high; add the missing end")
            if self.low > self.high:
                raise ValueError(f"low ({self.low}) exceeds high ({self.high}); swap them")
        return self

    def standard_deviation(self) -> float:
        """The standard deviation; a range [low, high] is read as a uniform distribution."""
        if self.sd is not None:
            return self.sd
        assert self.low is not None and self.high is not None
        return (self.high - self.low) / 12**0.5


class Stance(BaseModel):
    """One actor's stance on one issue: where it stands (position) and how much it cares (salience).

    ``basis`` says whether the stance is stated in a source (``"sourced"``: then ``source`` names the
    source's id and ``quote`` holds a short quotation) or is the analyst's estimate (``"estimate"``:
    then ``note`` should give the rationale).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    actor: Identifier = Field(description="Id of the actor.")
    issue: Identifier = Field(description="Id of the issue.")
    position: Score = Field(description="The actor's preferred outcome, 0-100.")
    salience: Score = Field(description="How much the issue matters to the actor, 0-100.")
    uncertainty: Uncertainty | None = Field(default=None, description="Uncertainty of the position.")
    basis: Literal["sourced", "estimate"] = Field(
        default="estimate", description="'sourced' (stated in a source) or 'estimate' (analyst)."
    )
    source: Text = Field(default="", description="Id of the source that states the stance.")
    quote: Text = Field(default="", description="A short quotation from the source.")
    note: Text = Field(default="", description="Free note; for estimates, the rationale.")
    reported_by: Text = Field(
        default="",
        description="Whose reading of the actor's position the source gives, when it is not the actor's "
        "own statement (e.g. 'a Russian analyst's reading of the US position'); '' for the actor's own.",
    )

    @model_validator(mode="after")
    def _sourced_needs_citation(self) -> Stance:
        if self.basis == "sourced" and (not self.source or not self.quote.strip()):
            raise ValueError(
                "a sourced stance needs 'source' (a source id) and a 'quote'; "
                "otherwise mark it basis: estimate with a rationale in 'note'"
            )
        return self
