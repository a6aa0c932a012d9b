"""Question files for the forecast ledger (``format: detente-ledger-questions/1``).

A question file lists dated questions that a later record will answer, each with:

* ``text``, ``kind`` (``binary``, or ``continuous`` on a stated ``scale`` with a unit), a
  ``resolution`` (criterion and source) and a ``resolve_by`` date;
* ``scenario``: the (dated) scenario it is issued from, whose ``as_of`` date is the data-as-of date;
* ``maps_to``: the model output that gives the forecast, exactly one of

  - ``roadmap: {event, policy, start_phase}``: the share of simulated road-map runs in which
    ``event`` happens in the window (see :data:`ROADMAP_EVENTS`); for a continuous question the
    event ``test months`` (months with a strategic test in the window) gives an ensemble;
  - ``forecast: {model, issue}``: an issue forecast's distribution over perturbed inputs
    (continuous, on the scenario's 0-100 scale);
  - ``deal: {package}``: the share of perturbed scenarios in which a package of the scenario's
    package file passes (binary);
  - ``base_rate: {}``: detente has no model output for the question; the record keeps the baselines
    only and says so (method ``base rate only``);

* ``baseline``: which event series of the Korean event data (:data:`SERIES`) gives the base rate and
  the no-change forecast (:mod:`detente.ledger.baselines`);
* for shipped retrospective questions, the ``outcome`` and its ``outcome_source`` (a quoted row).

The window of a question runs from ``window_start`` (default: the month after the as-of month) to
the month of ``resolve_by``, both included. Loading reports the first problem as one line with the
file, line and field.
"""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detente.errors import ScenarioError
from detente.scenario._errors import scenario_error_from_validation
from detente.scenario._fields import AsOf, Identifier, Name, Text
from detente.scenario._yaml import load_yaml_with_lines
from detente.scenario.io import decode_text, read_text

__all__ = [
    "EMBEDDED_QUESTIONS",
    "FORMAT_TAG",
    "ROADMAP_EVENTS",
    "SERIES",
    "Baseline",
    "DealMap",
    "ForecastMap",
    "MapsTo",
    "Question",
    "QuestionFile",
    "RoadmapMap",
    "Scale",
    "load_embedded_questions",
    "load_questions",
    "loads_questions",
    "resolve_questions",
]

FORMAT_TAG = "detente-ledger-questions/1"

ROADMAP_EVENTS = (
    "reach talks",
    "reach mechanism",
    "interim settlement",
    "final settlement",
    "breakdown",
    "clash",
    "test",
    "nuclear test",
    "icbm launch",
    "test months",
)
"""Road-map events a question can map to. ``nuclear test`` and ``icbm launch`` thin the simulated
strategic-test months by the share of strategic-test months with a nuclear test (an ICBM launch) in
the event data to the calibration cutoff; ``test months`` counts the months with a strategic test."""

RoadmapEvent = Literal[
    "reach talks",
    "reach mechanism",
    "interim settlement",
    "final settlement",
    "breakdown",
    "clash",
    "test",
    "nuclear test",
    "icbm launch",
    "test months",
]

SERIES = (
    "test",
    "nuclear test",
    "icbm launch",
    "clash",
    "reach talks",
    "breakdown",
    "interim settlement",
    "leader meeting",
    "sanctions resolution",
    "exercise suspension",
    "test months",
    "status quo",
)
"""Series a baseline can use: monthly series of the Korean event data (see
:mod:`detente.ledger.baselines`), or ``status quo`` for an issue forecast (no change: the issue's
status quo at the as-of date; base rate: uniform over the question's scale)."""

Series = Literal[
    "test",
    "nuclear test",
    "icbm launch",
    "clash",
    "reach talks",
    "breakdown",
    "interim settlement",
    "leader meeting",
    "sanctions resolution",
    "exercise suspension",
    "test months",
    "status quo",
]

EMBEDDED_QUESTIONS = {
    "korea-retrospective": "korea_ledger_retrospective.yaml",
    "korea-prospective": "korea_ledger_prospective.yaml",
}
"""Question sets shipped with detente, by name (files in :mod:`detente.scenarios`)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Scale(_Model):
    """The scale of a continuous question: its range and unit."""

    low: float
    high: float
    unit: Name

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high:g}) must be above low ({self.low:g})")
        return self


class Resolution(_Model):
    """How the question is resolved: the criterion and the source that will be read."""

    criterion: Text = Field(min_length=1)
    source: Text = Field(min_length=1)


class RoadmapMap(_Model):
    """A road-map event probability (or, for ``test months``, an ensemble) under a policy."""

    event: RoadmapEvent
    policy: Identifier
    start_phase: Identifier | None = Field(
        default=None, description="Phase the process stands in at the as-of date (default: the first)."
    )


class ForecastMap(_Model):
    """An issue forecast's distribution over perturbed inputs (continuous, scenario scale)."""

    model: Identifier
    issue: Identifier
    position_sd: float = Field(default=10.0, ge=0.0, le=50.0)


class DealMap(_Model):
    """A deal's acceptance: the share of perturbed scenarios in which the package passes."""

    package: Identifier
    position_sd: float = Field(default=10.0, ge=0.0, le=50.0)


class MapsTo(_Model):
    """The model output a question maps to: exactly one of the four keys."""

    roadmap: RoadmapMap | None = None
    forecast: ForecastMap | None = None
    deal: DealMap | None = None
    base_rate: dict[str, str] | None = Field(
        default=None, description="No model output: the record keeps the baselines only."
    )

    @model_validator(mode="after")
    def _one(self) -> MapsTo:
        given = [k for k in ("roadmap", "forecast", "deal", "base_rate") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of roadmap, forecast, deal or base_rate"
                + (f" (found {', '.join(given)})" if given else "")
            )
        return self

    @property
    def method(self) -> str:
        """The forecasting method's name, for scoring and ranking (``roadmap``, ``forecast:smp``, ...).

        The road map's policy is a condition of the question (the policy then followed), not a method.
        """
        if self.roadmap is not None:
            return "roadmap"
        if self.forecast is not None:
            return f"forecast:{self.forecast.model}"
        if self.deal is not None:
            return "deal"
        return "base rate only"


class Baseline(_Model):
    """Which event series gives the base rate and the no-change forecast (windows from 1993-01)."""

    series: Series
    note: Text = ""


class Question(_Model):
    """One dated question: text, kind, resolution, date, scenario, model output and baselines."""

    id: Identifier
    text: Text = Field(min_length=1)
    kind: Literal["binary", "continuous"]
    scale: Scale | None = None
    resolution: Resolution
    resolve_by: date
    window_start: AsOf = Field(default="", description="First month of the window (default: after as-of).")
    scenario: Name | None = Field(default=None, description="Scenario issued from (default: the file's).")
    maps_to: MapsTo
    baseline: Baseline
    outcome: bool | float | None = Field(default=None, description="Known outcome (retrospective only).")
    outcome_source: Text = ""
    note: Text = ""

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.kind == "continuous" and self.scale is None:
            raise ValueError("a continuous question needs a scale (low, high, unit)")
        if self.kind == "binary" and self.scale is not None:
            raise ValueError("a binary question takes no scale")
        m = self.maps_to
        continuous_output = (
            m.roadmap is not None and m.roadmap.event == "test months"
        ) or m.forecast is not None
        if self.kind == "binary" and continuous_output:
            raise ValueError("this model output is a distribution: make the question continuous")
        if self.kind == "continuous" and not continuous_output and m.base_rate is None:
            raise ValueError("this model output is a probability: make the question binary")
        if m.forecast is not None and self.baseline.series != "status quo":
            raise ValueError("an issue forecast's baseline is the issue's 'status quo'")
        if m.forecast is None and self.baseline.series == "status quo":
            raise ValueError("'status quo' is the baseline of issue forecasts (maps_to: forecast) only")
        if self.kind == "continuous" and self.baseline.series not in ("test months", "status quo"):
            raise ValueError("a continuous question needs 'test months' or 'status quo' for its baseline")
        if self.kind == "binary" and self.baseline.series == "test months":
            raise ValueError("'test months' is a count: use it for continuous questions")
        if self.outcome is not None:
            if self.kind == "binary" and not isinstance(self.outcome, bool):
                raise ValueError("the outcome of a binary question is true or false")
            if self.kind == "continuous" and isinstance(self.outcome, bool):
                raise ValueError("the outcome of a continuous question is a number")
            if not self.outcome_source:
                raise ValueError("an outcome needs its outcome_source (the record that answers it)")
        return self


class QuestionFile(_Model):
    """A set of ledger questions."""

    format: Literal["detente-ledger-questions/1"] = FORMAT_TAG
    name: Name
    description: Text = ""
    scenario: Name | None = Field(default=None, description="Default scenario the questions are issued from.")
    cutoff: AsOf = Field(
        default="2019-12-31", description="Calibration cutoff of the model's fitted numbers."
    )
    retrospective: bool = Field(
        default=False, description="Questions whose outcomes are known when issued (marked, scored apart)."
    )
    questions: tuple[Question, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> QuestionFile:
        seen: set[str] = set()
        for q in self.questions:
            if q.id in seen:
                raise ValueError(f"question id {q.id!r} appears twice")
            seen.add(q.id)
        return self


def loads_questions(text: str, *, source: str = "<string>") -> QuestionFile:
    """Parse and validate question-file YAML text; problems raise a one-line :class:`ScenarioError`."""
    data, lines = load_yaml_with_lines(text, source)
    if not isinstance(data, dict):
        raise ScenarioError(
            "a question file must be a mapping",
            source=source,
            fix=f"start with 'format: {FORMAT_TAG}', 'name:' and 'questions:' (see docs/ledger.md)",
        )
    if data.get("format", FORMAT_TAG) != FORMAT_TAG:
        raise ScenarioError(
            f"format {data.get('format')!r} is not a ledger question file",
            source=source,
            where="format",
            fix=f"use 'format: {FORMAT_TAG}'",
        )
    try:
        return QuestionFile.model_validate(data)
    except ValidationError as exc:
        raise scenario_error_from_validation(
            exc, source=source, data=data, lines=lines, model=QuestionFile, guide="docs/ledger.md"
        ) from None


def load_questions(path: str | Path) -> QuestionFile:
    """Read a question file (``.yaml``)."""
    return loads_questions(read_text(path), source=str(path))


def load_embedded_questions(name: str) -> QuestionFile:
    """A question set shipped with detente, by name (see :data:`EMBEDDED_QUESTIONS`)."""
    file = EMBEDDED_QUESTIONS[name]
    resource = files("detente.scenarios").joinpath(file)
    return loads_questions(decode_text(resource.read_bytes(), source=file), source=file)


def resolve_questions(name_or_path: str) -> QuestionFile:
    """An embedded question set by name, or a question file by path (one-line error otherwise)."""
    if name_or_path in EMBEDDED_QUESTIONS:
        return load_embedded_questions(name_or_path)
    if not Path(name_or_path).exists():
        raise ScenarioError(
            f"there is no question file or embedded question set called {name_or_path!r}",
            fix=f"give a question YAML file or one of: {', '.join(EMBEDDED_QUESTIONS)}",
        )
    return load_questions(name_or_path)
