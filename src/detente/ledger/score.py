"""Grade the ledger: proper scores, skill against the baselines, calibration, and (only when earned) ranks.

Every forecast record with a resolution is **graded**: binary questions get the Brier and the
logarithmic score, continuous ones the CRPS from their quantiles (``scoringrules``: ``brier_score``,
``log_score``, ``crps_quantile``), for the model's forecast and for each baseline (base rate and
no change). All scores are negatively oriented (lower is better); **skill** against a baseline is
``1 - mean score / mean baseline score`` over the same questions. The latest resolution of a
forecast counts (a correction is appended, never edited in).

**Retrospective** and **prospective** records are graded apart and never pooled. Methods (``roadmap``,
``forecast:<model>``, ``deal``, ``base rate only``, and the two baselines) are **ranked** only when
every method of a group has at least :data:`MIN_GRADED` graded binary questions; otherwise the
summary says which fall short. Retrospective scores are also given in and out of sample: a question
is out of sample when its window starts after the calibration cutoff of the model's fitted numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.ledger.records import Record

__all__ = ["MIN_GRADED", "Grade", "LedgerScores", "brier", "crps", "grade", "log_score", "score_ledger"]

MIN_GRADED = 10
"""Graded binary questions each method needs before methods are ranked."""

FORECASTERS = ("model", "base_rate", "no_change")
"""Who is scored on each graded question: the model (or method) and the two baselines."""


def brier(p: float, outcome: bool) -> float:
    """Brier score of probability ``p`` for a yes/no outcome (``scoringrules.brier_score``)."""
    import scoringrules as sr

    return float(sr.brier_score(np.array([float(outcome)]), np.array([p]))[0])


def log_score(p: float, outcome: bool) -> float:
    """Logarithmic score (negative log likelihood) of ``p`` (``scoringrules.log_score``)."""
    import scoringrules as sr

    return float(sr.log_score(np.array([float(outcome)]), np.array([p]))[0])


def crps(quantiles: list[float], levels: list[float], outcome: float) -> float:
    """CRPS of a forecast given by quantiles at ``levels`` (``scoringrules.crps_quantile``, pinball loss)."""
    import scoringrules as sr

    return float(sr.crps_quantile(np.array([outcome]), np.array([quantiles]), np.array(levels))[0])


@dataclass(frozen=True)
class Grade:
    """One graded forecast: the record, its outcome and the scores of the model and the baselines."""

    record_id: str
    question: str
    group: str
    sample: str
    kind: str
    method: str
    as_of: str
    resolve_by: str
    forecasts: dict[str, Any]
    outcome: bool | float
    source: str
    scores: dict[str, dict[str, float]]

    def row(self) -> dict[str, Any]:
        """A flat row: id, question, group, method, forecasts, outcome and scores."""
        out: dict[str, Any] = {
            "id": self.record_id,
            "question": self.question,
            "group": self.group,
            "sample": self.sample,
            "kind": self.kind,
            "method": self.method,
            "as_of": self.as_of,
            "resolve_by": self.resolve_by,
            "outcome": self.outcome,
        }
        for who in FORECASTERS:
            out[f"forecast_{who}"] = _point(self.forecasts[who])
            for name, value in self.scores[who].items():
                out[f"{name}_{who}"] = value
        return out


def _point(forecast: Any) -> float:
    """A probability, or the median of quantiles, for display."""
    if isinstance(forecast, list):
        return float(forecast[len(forecast) // 2])
    return float(forecast)


def latest_resolutions(records: Iterable[Record]) -> dict[str, Record]:
    """The latest resolution record of each forecast id."""
    out: dict[str, Record] = {}
    for r in records:
        if r.kind == "resolution":
            out[str(r.content.get("forecast"))] = r
    return out


def grade(records: list[Record]) -> list[Grade]:
    """Grade every resolved forecast record (see the module docstring)."""
    resolved = latest_resolutions(records)
    grades = []
    for r in records:
        if r.kind != "forecast" or r.record_id not in resolved:
            continue
        c = r.content
        res = resolved[r.record_id].content
        q = c["question"]
        y = res["outcome"]
        if q["kind"] == "binary":
            forecasts = {
                "model": c["forecast"]["probability"],
                "base_rate": c["baselines"]["base_rate"],
                "no_change": c["baselines"]["no_change"],
            }
            scores = {
                who: {"brier": brier(p, bool(y)), "log": log_score(p, bool(y))}
                for who, p in forecasts.items()
            }
        else:
            levels = c["forecast"]["levels"]
            forecasts = {
                "model": c["forecast"]["quantiles"],
                "base_rate": c["baselines"]["base_rate"],
                "no_change": c["baselines"]["no_change"],
            }
            scores = {who: {"crps": crps(qs, levels, float(y))} for who, qs in forecasts.items()}
        grades.append(
            Grade(
                record_id=r.record_id,
                question=q["text"],
                group="retrospective" if c.get("retrospective") else "prospective",
                sample=c.get("sample", ""),
                kind=q["kind"],
                method=c["model"]["method"],
                as_of=c["as_of"],
                resolve_by=q["resolve_by"],
                forecasts=forecasts,
                outcome=y,
                source=res["source"],
                scores=scores,
            )
        )
    return grades


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _skill(score: float | None, ref: float | None) -> float | None:
    if score is None or ref is None or ref <= 0:
        return None
    return 1 - score / ref


def calibration_table(grades: list[Grade], bins: int = 10) -> list[dict[str, Any]]:
    """Binary model forecasts in bins of probability: count, mean forecast and observed frequency."""
    rows = []
    edges = np.linspace(0, 1, bins + 1)
    for k in range(bins):
        lo, hi = edges[k], edges[k + 1]
        inside = [
            g
            for g in grades
            if g.kind == "binary"
            and (lo <= g.forecasts["model"] < hi or (k == bins - 1 and g.forecasts["model"] == 1.0))
        ]
        if not inside:
            continue
        rows.append(
            {
                "bin": f"{lo:.1f}-{hi:.1f}",
                "questions": len(inside),
                "mean forecast": float(np.mean([g.forecasts["model"] for g in inside])),
                "observed frequency": float(np.mean([bool(g.outcome) for g in inside])),
            }
        )
    return rows


@dataclass(frozen=True)
class LedgerScores:
    """Scores of one ledger: graded rows, per-method summaries, calibration and the ranking (or why not)."""

    grades: tuple[Grade, ...]
    summary: tuple[dict[str, Any], ...]
    calibration: dict[str, list[dict[str, Any]]]
    ranking: dict[str, list[dict[str, Any]]]
    ranking_note: dict[str, str]
    open_forecasts: int

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready: graded questions, summaries, calibration tables, ranking and notes."""
        return {
            "graded": [g.row() for g in self.grades],
            "summary": list(self.summary),
            "calibration": self.calibration,
            "ranking": self.ranking,
            "ranking_note": self.ranking_note,
            "open_forecasts": self.open_forecasts,
            "min_graded_for_ranking": MIN_GRADED,
        }


def score_ledger(records: list[Record]) -> LedgerScores:
    """Grade the ledger and summarise it per group (retrospective, prospective), kind and method."""
    grades = grade(records)
    forecasts = [r for r in records if r.kind == "forecast"]
    open_count = len(forecasts) - len(grades)
    summary: list[dict[str, Any]] = []
    calibration: dict[str, list[dict[str, Any]]] = {}
    ranking: dict[str, list[dict[str, Any]]] = {}
    notes: dict[str, str] = {}
    for group in ("prospective", "retrospective"):
        gs = [g for g in grades if g.group == group]
        if not gs:
            notes[group] = f"no graded {group} questions yet"
            continue
        samples = ("all", "in", "out") if group == "retrospective" else ("all",)
        for sample, kind, names in (
            (sample, kind, names)
            for sample in samples
            for kind, names in (("binary", ("brier", "log")), ("continuous", ("crps",)))
        ):
            for method in sorted({g.method for g in gs if g.kind == kind}):
                sel = [g for g in gs if g.kind == kind and g.method == method and sample in ("all", g.sample)]
                if not sel:
                    continue
                row: dict[str, Any] = {
                    "group": group,
                    "sample": {"all": "all", "in": "in sample", "out": "out of sample"}[sample],
                    "kind": kind,
                    "method": method,
                    "questions": len(sel),
                }
                for name in names:
                    means = {who: _mean([g.scores[who][name] for g in sel]) for who in FORECASTERS}
                    row[f"{name}"] = means["model"]
                    row[f"{name}_base_rate"] = means["base_rate"]
                    row[f"{name}_no_change"] = means["no_change"]
                    row[f"{name}_skill_vs_base_rate"] = _skill(means["model"], means["base_rate"])
                    row[f"{name}_skill_vs_no_change"] = _skill(means["model"], means["no_change"])
                summary.append(row)
        calibration[group] = calibration_table([g for g in gs if g.method != "base rate only"])
        ranking[group], notes[group] = _rank(gs)
    return LedgerScores(
        grades=tuple(grades),
        summary=tuple(summary),
        calibration=calibration,
        ranking=ranking,
        ranking_note=notes,
        open_forecasts=open_count,
    )


def _rank(grades: list[Grade]) -> tuple[list[dict[str, Any]], str]:
    """Rank methods and baselines by mean Brier score when each has :data:`MIN_GRADED` binary grades.

    The baselines are scored on the questions of the ranked methods (questions with no model
    output, ``base rate only``, are left out of the ranking).
    """
    binary = [g for g in grades if g.kind == "binary" and g.method != "base rate only"]
    methods = sorted({g.method for g in binary})
    counts = {m: sum(g.method == m for g in binary) for m in methods}
    counts["base rate"] = counts["no change"] = len(binary)
    short = {m: n for m, n in counts.items() if n < MIN_GRADED}
    if not methods or short:
        listed = ", ".join(f"{m} ({n})" for m, n in short.items()) or "every method (0)"
        return [], (
            f"no ranking: fewer than {MIN_GRADED} graded binary questions for {listed}; "
            f"methods are ranked only with at least {MIN_GRADED} each"
        )
    rows = [
        {
            "method": m,
            "questions": counts[m],
            "brier": _mean([g.scores["model"]["brier"] for g in binary if g.method == m]),
        }
        for m in methods
    ]
    for name, key in (("base rate", "base_rate"), ("no change", "no_change")):
        rows.append(
            {
                "method": name,
                "questions": len(binary),
                "brier": _mean([g.scores[key]["brier"] for g in binary]),
            }
        )
    rows.sort(key=lambda r: r["brier"])
    for k, r in enumerate(rows, 1):
        r["rank"] = k
    note = f"ranked by mean Brier score; each method has at least {MIN_GRADED} graded binary questions"
    if len(methods) > 1:
        note += " (methods scored on different questions are not strictly comparable)"
    return rows, note
