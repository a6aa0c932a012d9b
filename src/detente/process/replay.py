"""Historical replay: start a road map at dated points of the record and score what it said would happen.

A replay file lists **episodes**: a date (the as-of date of a scenario version), where the road map
stood then (its phase), and the policy actually followed. Each episode asks binary **questions** about
the following months that the record answers: were talks reached, did a freeze hold, was an interim
settlement reached, was there a strategic test, a military clash. :func:`replay` simulates each
episode forward under its policy and gives, per question, the forecast probability, two baselines
and their proper scores:

* **base rate**: how often the event happened in comparable windows of the event data before the
  calibration cutoff (:mod:`detente.calibration`), so it uses no information the road map lacks;
* **no change**: the state at the as-of date persists (a test within the window if there was one
  in the 12 months before; talks if talks were under way; no settlement, breakdown or clash
  otherwise), at 0.98 or 0.02 so that log scores stay finite.

Scores are the Brier and the logarithmic score (``scoringrules``), lower is better; skill is
``1 - score / baseline score``. A question is **out of sample** when its window starts after the
calibration cutoff (the fitted parameters never saw any of it) and **in sample** otherwise; the two
are summarised apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from detente.errors import ScenarioError
from detente.scenario._errors import scenario_error_from_validation
from detente.scenario._fields import AsOf, Identifier, Name, Text
from detente.scenario._yaml import load_yaml_with_lines
from detente.scenario.io import decode_text, read_text

__all__ = [
    "EVENTS",
    "Episode",
    "Question",
    "ReplayFile",
    "ReplayResult",
    "base_rate",
    "event_history",
    "event_probability",
    "load_embedded_replay",
    "load_replay",
    "no_change",
    "replay",
]

EVENTS = (
    "reach talks",
    "reach mechanism",
    "interim settlement",
    "final settlement",
    "breakdown",
    "clash",
    "test",
)
"""Events a question can ask about, within its window of months."""

Event = Literal[
    "reach talks", "reach mechanism", "interim settlement", "final settlement", "breakdown", "clash", "test"
]

NO_CHANGE_SURE = 0.98
"""The no-change baseline's probability for 'as now' (1 - this for a change)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Question(_Model):
    """A yes/no question the record answers: does ``event`` happen within ``months`` of the episode's date."""

    id: Identifier
    text: Text
    event: Event
    months: int = Field(ge=1, le=120)
    outcome: bool
    source: Text = Field(description="The record that answers it: a timeline row, a data file, with dates.")
    note: Text = ""


class Episode(_Model):
    """A dated starting point of a replay: scenario version, road-map phase, and the policy followed."""

    id: Identifier
    scenario: Name = Field(description="Embedded scenario (a dated Korean version) the episode starts from.")
    as_of: AsOf = Field(description="The episode's date (YYYY-MM); overrides the scenario's as-of date.")
    start_phase: Identifier
    policy: Identifier
    policy_note: Text = Field(description="What was actually done, and why it maps to that policy.")
    questions: tuple[Question, ...] = Field(min_length=1)


class ReplayFile(_Model):
    """A set of dated episodes to replay a road map on."""

    format: Literal["detente-replay/1"] = "detente-replay/1"
    name: Name
    description: Text = ""
    process: Name = Field(description="Embedded road map (by scenario name) the episodes replay.")
    cutoff: AsOf = Field(description="Calibration cutoff: windows starting after it are out of sample.")
    episodes: tuple[Episode, ...] = Field(min_length=1)


def loads_replay(text: str, *, source: str = "<string>") -> ReplayFile:
    """Parse and validate replay YAML text (one-line errors)."""
    data, lines = load_yaml_with_lines(text, source)
    if not isinstance(data, dict):
        raise ScenarioError(
            "a replay file must be a mapping", source=source, fix="start with 'name:', 'episodes:'"
        )
    try:
        return ReplayFile.model_validate(data)
    except ValidationError as exc:
        raise scenario_error_from_validation(
            exc, source=source, data=data, lines=lines, model=ReplayFile
        ) from None


def load_replay(path: str | Path) -> ReplayFile:
    """Read a replay file (``.yaml``)."""
    return loads_replay(read_text(path), source=str(path))


def load_embedded_replay(name: str = "korea") -> ReplayFile:
    """The replay shipped for an embedded scenario family (``korea``: ``korea_replay.yaml``)."""
    file = f"{name}_replay.yaml"
    resource = files("detente.scenarios").joinpath(file)
    if not resource.is_file():
        raise ScenarioError(
            f"there is no embedded replay for {name!r}", fix="give a replay file with --replay FILE"
        )
    return loads_replay(decode_text(resource.read_bytes(), source=file), source=file)


# --- forecasts from simulated runs ------------------------------------------------------------------


def _event_probability(result: Any, event: str, months: int) -> float:
    """Share of runs in which ``event`` happened within ``months`` rounds."""
    setup = result.setup
    if event in ("reach talks", "reach mechanism"):
        k = setup.phases.index(event.split()[1])
        if k <= setup.start_phase:  # the episode starts there
            return 1.0
        t = result.reach_time[:, k]
        hit = np.isfinite(t) & (t <= months)
    elif event == "interim settlement":
        t = result.interim_time()
        hit = np.isfinite(t) & (t <= months)
    elif event == "final settlement":
        hit = np.isfinite(result.done_time) & (result.done_time <= months)
    elif event == "breakdown":
        hit = np.isfinite(result.break_time) & (result.break_time <= months)
    elif event == "clash":
        hit = np.isfinite(result.escalation_time) & (result.escalation_time <= months)
    elif event == "test":
        j = [s.id for s in setup.process.tension.shocks].index("tests")
        hit = result.shock_hits[:, :months, j].any(axis=1)
    else:  # pragma: no cover - the file model only admits EVENTS
        raise ValueError(event)
    return float(hit.mean())


def event_probability(result: Any, event: str, months: int) -> float:
    """Share of a policy's simulated runs in which ``event`` (see :data:`EVENTS`) happened within ``months``.

    Used by the replay and by the forecast ledger (:mod:`detente.ledger`) to turn a
    :class:`~detente.process.simulate.PolicyResult` into a probability.
    """
    return _event_probability(result, event, months)


# --- baselines ---------------------------------------------------------------------------------------


def _month_index(text: str) -> tuple[int, int]:
    y, m = text.split("-")[:2]
    return int(y), int(m)


def _shift(ym: tuple[int, int], k: int) -> tuple[int, int]:
    n = ym[0] * 12 + ym[1] - 1 + k
    return n // 12, n % 12 + 1


@dataclass(frozen=True)
class _History:
    """Monthly indicators from the event data (to the end of the record), for baselines."""

    months: list[tuple[int, int]]
    test: np.ndarray
    clash: np.ndarray
    talks: np.ndarray
    talks_start: np.ndarray
    talks_end: np.ndarray
    settlement: np.ndarray


RECORD_END = date(2026, 4, 30)
"""The end of the event record (the CNS missile data run to April 2026)."""


def _history() -> _History:
    """Monthly indicators 1993 to the end of the record (strategic tests, clashes, talks, relief)."""
    from detente.calibration.events import load_timeline, monthly_series

    frame = monthly_series(RECORD_END, start="1993-01")
    months = [(p.year, p.month) for p in frame.index]
    talks = (frame["regime"] == "talks").to_numpy()
    start = talks & ~np.concatenate([[False], talks[:-1]])
    end = ~talks & np.concatenate([[False], talks[:-1]])
    timeline = load_timeline(RECORD_END)
    relief = {
        (d.year, d.month)
        for d, kind in zip(timeline["date"], timeline["kind"], strict=True)
        if kind == "relief"
    }
    return _History(
        months=months,
        test=frame["strategic"].to_numpy().astype(bool),
        clash=frame["armed_incident"].to_numpy().astype(bool),
        talks=talks,
        talks_start=start,
        talks_end=end,
        settlement=np.array([m in relief for m in months]),
    )


def event_history() -> _History:
    """Monthly indicators of the Korean event data, 1993 to the end of the record, for the baselines.

    Used by :func:`base_rate` and :func:`no_change` here and by the forecast ledger.
    """
    return _history()


def base_rate(history: _History, event: str, months: int, cutoff: str, *, in_talks: bool) -> float:
    """How often ``event`` happened within ``months`` in windows that start on or before the cutoff.

    Windows start in every month of the record up to the cutoff (and end by it); windows for talks
    events start in months outside talks (reach) or inside talks (breakdown, settlement), matching
    the episode. A Laplace correction ((hits + 1) / (windows + 2)) keeps it off 0 and 1.
    """
    cut = _month_index(cutoff)
    idx = {m: k for k, m in enumerate(history.months)}
    if cut not in idx:
        raise ValueError(f"cutoff {cutoff} outside the record")
    last = idx[cut]
    series = {
        "test": history.test,
        "clash": history.clash,
        "reach talks": history.talks_start,
        "reach mechanism": history.settlement,
        "interim settlement": history.settlement,
        "final settlement": np.zeros_like(history.test),
        "breakdown": history.talks_end,
    }[event]
    hits = windows = 0
    for s in range(0, last - months + 1):
        if event in ("reach talks",) and history.talks[s]:
            continue
        if event in (
            "breakdown",
            "interim settlement",
            "reach mechanism",
            "final settlement",
        ) and in_talks != bool(history.talks[s]):
            continue
        windows += 1
        hits += bool(series[s + 1 : s + 1 + months].any())
    return (hits + 1) / (windows + 2)


def no_change(history: _History, event: str, as_of: str, *, in_talks: bool) -> float:
    """The no-change baseline: the state at ``as_of`` persists (see the module docstring)."""
    idx = {m: k for k, m in enumerate(history.months)}
    k = idx.get(_month_index(as_of))
    if event == "test" and k is not None:
        recent = bool(history.test[max(0, k - 11) : k + 1].any())
        return NO_CHANGE_SURE if recent else 1 - NO_CHANGE_SURE
    if event == "reach talks":
        return NO_CHANGE_SURE if in_talks else 1 - NO_CHANGE_SURE
    return 1 - NO_CHANGE_SURE


# --- the replay ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayResult:
    """Per-question forecasts, baselines, outcomes and scores, and the in/out-of-sample summaries."""

    replay: ReplayFile
    runs: int
    seed: int
    rows: tuple[dict[str, Any], ...]

    def summary(self) -> list[dict[str, Any]]:
        """Mean Brier and log scores per sample and forecaster, with skill against each baseline."""
        out = []
        for sample in ("in", "out"):
            rows = [r for r in self.rows if r["sample"] == sample]
            if not rows:
                continue
            row: dict[str, Any] = {
                "sample": "in sample" if sample == "in" else "out of sample",
                "questions": len(rows),
            }
            for who in ("roadmap", "base_rate", "no_change"):
                row[f"brier_{who}"] = float(np.mean([r[f"brier_{who}"] for r in rows]))
                row[f"log_{who}"] = float(np.mean([r[f"log_{who}"] for r in rows]))
            for base in ("base_rate", "no_change"):
                for score in ("brier", "log"):
                    ref = row[f"{score}_{base}"]
                    row[f"{score}_skill_vs_{base}"] = (
                        1 - row[f"{score}_roadmap"] / ref if ref > 0 else float("nan")
                    )
            out.append(row)
        return out

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready: the questions and the summaries."""
        return {
            "replay": self.replay.name,
            "cutoff": self.replay.cutoff,
            "runs": self.runs,
            "seed": self.seed,
            "questions": list(self.rows),
            "summary": self.summary(),
        }


def _scores(p: float, y: bool) -> tuple[float, float]:
    import scoringrules as sr

    obs = np.array([1.0 if y else 0.0])
    fct = np.array([p])
    return float(sr.brier_score(obs, fct)[0]), float(sr.log_score(obs, fct)[0])


def replay(
    file: ReplayFile,
    *,
    runs: int = 1000,
    seed: int = 0,
    n_jobs: int | None = 1,
    clip: float = 0.005,
) -> ReplayResult:
    """Simulate every episode under its policy and score every question (see the module docstring).

    Forecast probabilities are clipped to ``[clip, 1 - clip]`` before the log score (a simulated 0
    from a finite number of runs is not a certainty).
    """
    from detente.process.io import load_embedded_process
    from detente.process.simulate import simulate
    from detente.scenarios import load_scenario

    history = _history()
    rows = []
    for ep in file.episodes:
        scenario = load_scenario(ep.scenario).model_copy(update={"as_of": ep.as_of})
        process = load_embedded_process(file.process, scenario=scenario)
        longest = max(q.months for q in ep.questions)
        process = process.model_copy(update={"horizon": max(longest, 1)})
        [result] = simulate(
            process, scenario, [ep.policy], runs=runs, seed=seed, n_jobs=n_jobs, start_phase=ep.start_phase
        )
        in_talks = ep.start_phase != process.phases[0].id
        for q in ep.questions:
            p_model = min(max(_event_probability(result, q.event, q.months), clip), 1 - clip)
            p_base = base_rate(history, q.event, q.months, file.cutoff, in_talks=in_talks)
            p_none = no_change(history, q.event, ep.as_of, in_talks=in_talks)
            row: dict[str, Any] = {
                "episode": ep.id,
                "as_of": ep.as_of,
                "policy": ep.policy,
                "question": q.id,
                "text": q.text,
                "event": q.event,
                "months": q.months,
                "sample": "out" if ep.as_of > file.cutoff[:7] else "in",
                "outcome": q.outcome,
                "p_roadmap": p_model,
                "p_base_rate": p_base,
                "p_no_change": p_none,
                "source": q.source,
            }
            for who, p in (("roadmap", p_model), ("base_rate", p_base), ("no_change", p_none)):
                row[f"brier_{who}"], row[f"log_{who}"] = _scores(p, q.outcome)
            rows.append(row)
    return ReplayResult(replay=file, runs=runs, seed=seed, rows=tuple(rows))
