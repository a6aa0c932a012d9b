"""Issue forecasts for ledger questions, and resolve them: the contents of ledger records.

:func:`issue` turns a question file into forecast-record contents: for each question, the issued
date and the data-as-of date, the scenario's content hash, the detente version, the model (method,
policy, event or issue), seed and runs, the forecast (a probability, or quantiles at
:data:`~detente.ledger.baselines.QUANTILE_LEVELS`) and the two baselines. :func:`resolution` makes
a resolution's content. Neither touches a store; :mod:`detente.commands.ledger` appends them.

Road-map forecasts simulate the scenario's road map once per (scenario, policy, start phase) with
``runs`` runs and ``seed`` (so the same seed gives the same forecasts), over the longest window;
probabilities are clipped to [0.005, 0.995] (a simulated 0 of finitely many runs is no certainty).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from detente.errors import ParameterError, ScenarioError
from detente.ledger.baselines import QUANTILE_LEVELS, baselines, data_as_of, month_number, month_text
from detente.ledger.questions import Question, QuestionFile
from detente.ledger.records import canonical_json, sha256_text

__all__ = ["CLIP", "issue", "parse_outcome", "resolution", "scenario_hash"]

CLIP = 0.005
"""Forecast probabilities are kept within [CLIP, 1 - CLIP]."""


def scenario_hash(scenario: Any) -> str:
    """sha256 of the scenario's canonical JSON (its plain data as written by detente, keys sorted)."""
    from detente.scenario.io import scenario_to_data

    return sha256_text(canonical_json(scenario_to_data(scenario)))


def _window(q: Question, as_of: str) -> tuple[int, int]:
    """(first, last) month offsets of the question's window after the as-of month (1 = the next month)."""
    base = month_number(as_of)
    first = month_number(q.window_start) - base if q.window_start else 1
    last = month_number(q.resolve_by.isoformat()) - base
    if first < 1:
        raise ScenarioError(
            f"the window starts {q.window_start}, not after the as-of month {as_of}",
            where=f"questions[{q.id}].window_start",
            fix="start the window after the scenario's as-of date",
        )
    if last < first:
        raise ScenarioError(
            f"resolve_by {q.resolve_by} is not after the window's start ({month_text(base + first)})",
            where=f"questions[{q.id}].resolve_by",
            fix="give a resolve_by date after the scenario's as-of date",
        )
    return first, last


def _roadmap_forecast(result: Any, event: str, first: int, last: int, cutoff: str) -> dict[str, Any]:
    """The forecast a simulated policy gives for ``event`` in rounds first..last (1-based, inclusive)."""
    from detente.ledger.baselines import thinning_share
    from detente.process.replay import event_probability

    setup = result.setup
    shocks = [s.id for s in setup.process.tension.shocks]
    if event in ("test months", "nuclear test", "icbm launch"):
        k = result.shock_hits[:, first - 1 : last, shocks.index("tests")].sum(axis=1)
        if event == "test months":
            return {
                "quantiles": [float(v) for v in np.quantile(k, QUANTILE_LEVELS)],
                "levels": list(QUANTILE_LEVELS),
                "mean": float(k.mean()),
            }
        share = thinning_share(event, cutoff)
        p = float(np.mean(1 - (1 - share) ** k))
        return {"probability": min(max(p, CLIP), 1 - CLIP), "raw": p, "share_of_test_months": share}
    if first == 1:
        p = event_probability(result, event, last)
    else:  # P(event by last) - P(event by first - 1) for one-off events; tests: any in the window
        if event == "test":
            p = float(result.shock_hits[:, first - 1 : last, shocks.index("tests")].any(axis=1).mean())
        else:
            p = event_probability(result, event, last) - event_probability(result, event, first - 1)
    return {"probability": min(max(p, CLIP), 1 - CLIP), "raw": p}


def _perturbed(scenario: Any, runs: int, seed: int, position_sd: float) -> list[Any]:
    from detente._random import make_rng
    from detente.experiments.uncertainty import perturb

    rng = make_rng(seed)
    return [perturb(scenario, rng, position_sd=position_sd) for _ in range(runs)]


def issue(
    questions: QuestionFile,
    *,
    scenario: str | None = None,
    runs: int = 2000,
    seed: int = 0,
    issued: dt.date | None = None,
    retrospective: bool = False,
    n_jobs: int | None = 1,
) -> list[tuple[str, dict[str, Any]]]:
    """Forecast every question; return ``(question id, record content)`` pairs in file order.

    Parameters
    ----------
    questions:
        The question file.
    scenario:
        Scenario (embedded name or file) for every question, overriding the file's and the questions'.
    runs, seed:
        Monte Carlo runs (road map) or input draws (issue forecasts, deals), and the seed.
    issued:
        The issued date; ``None`` takes today's date from the clock. Giving a date marks every
        record retrospective.
    retrospective:
        Mark the records retrospective (also implied by the file's ``retrospective: true``, by
        ``issued``, and, per question, by a resolve-by date already past when issued).
    n_jobs:
        Worker processes for the road-map simulations (1: none).
    """
    from detente import __version__
    from detente.scenarios import resolve_scenario

    now = dt.datetime.now(dt.UTC)
    marked = retrospective or questions.retrospective or issued is not None
    day = issued or now.date()
    cache: dict[str, Any] = {}
    sims: dict[tuple[str, str, str | None], int] = {}
    plans = []
    for q in questions.questions:
        name = scenario or q.scenario or questions.scenario
        if name is None:
            raise ScenarioError(
                f"question {q.id!r} names no scenario",
                where=f"questions[{q.id}].scenario",
                fix="give 'scenario:' in the file or the question, or --scenario",
            )
        if name not in cache:
            s = resolve_scenario(name)
            if not s.as_of or len(s.as_of) < 7:
                raise ScenarioError(
                    f"scenario {s.name!r} has no as-of month, so a question's window cannot be placed",
                    where="as_of",
                    fix="give the scenario an as_of date (YYYY-MM)",
                )
            cache[name] = s
        s = cache[name]
        first, last = _window(q, s.as_of[:7])
        plans.append((q, name, s, first, last))
    # one simulation per scenario, policy and start phase, over the longest window
    from detente.process.io import process_for_scenario
    from detente.process.simulate import simulate

    for q, name, _s, _first, last in plans:
        m = q.maps_to.roadmap
        if m is None:
            continue
        key = (name, m.policy, m.start_phase)
        sims[key] = max(sims.get(key, 0), last)
    results: dict[tuple[str, str, str | None], Any] = {}
    for (name, policy, start), horizon in sims.items():
        s = cache[name]
        process = process_for_scenario(s)
        if process is None:
            raise ScenarioError(
                f"no road map is defined for scenario {s.name!r}",
                fix="map the question to another model output, or use a scenario with a road map",
            )
        process = process.model_copy(update={"horizon": max(horizon, 1)})
        [res] = simulate(process, s, [policy], runs=runs, seed=seed, n_jobs=n_jobs, start_phase=start)
        results[(name, policy, start)] = res

    out = []
    for q, name, s, first, last in plans:
        m = q.maps_to
        as_of = s.as_of[:7]
        model: dict[str, Any] = {"method": m.method}
        if m.roadmap is not None:
            res = results[(name, m.roadmap.policy, m.roadmap.start_phase)]
            forecast = _roadmap_forecast(res, m.roadmap.event, first, last, questions.cutoff)
            model.update(
                event=m.roadmap.event,
                policy=m.roadmap.policy,
                start_phase=m.roadmap.start_phase or res.setup.phases[res.setup.start_phase],
            )
            in_talks = res.setup.start_phase > 0
        elif m.forecast is not None:
            forecast = _issue_forecast(
                s, m.forecast.model, m.forecast.issue, runs, seed, m.forecast.position_sd
            )
            model.update(model=m.forecast.model, issue=m.forecast.issue, position_sd=m.forecast.position_sd)
            in_talks = False
        elif m.deal is not None:
            forecast = _deal_forecast(s, m.deal.package, runs, seed, m.deal.position_sd)
            model.update(package=m.deal.package, position_sd=m.deal.position_sd)
            in_talks = False
        else:
            forecast = {}
            in_talks = False
        if q.baseline.series == "status quo":
            base = _status_quo_baselines(s, m.forecast.issue if m.forecast else "", q)
        else:
            base = baselines(q.baseline.series, q.kind, as_of, last - first + 1, in_talks=in_talks)
        if m.base_rate is not None:
            forecast = (
                {"probability": base["base_rate"]}
                if q.kind == "binary"
                else {"quantiles": base["base_rate"], "levels": list(QUANTILE_LEVELS)}
            )
        content: dict[str, Any] = {
            "question": {
                "id": q.id,
                "set": questions.name,
                "text": q.text,
                "kind": q.kind,
                "scale": q.scale.model_dump() if q.scale else None,
                "resolution": q.resolution.model_dump(),
                "resolve_by": q.resolve_by.isoformat(),
                "window": [month_text(month_number(as_of) + first), month_text(month_number(as_of) + last)],
                "note": q.note,
            },
            "issued": day.isoformat(),
            "recorded_at": now.isoformat(timespec="seconds"),
            "retrospective": marked or q.resolve_by < day,
            "as_of": as_of,
            "data_as_of": data_as_of(as_of),
            "cutoff": questions.cutoff,
            "sample": "out" if month_number(as_of) + first > month_number(questions.cutoff) else "in",
            "scenario": {"name": s.name, "as_of": s.as_of, "sha256": scenario_hash(s)},
            "detente_version": __version__,
            "model": model,
            "seed": seed,
            "runs": runs,
            "forecast": forecast,
            "baselines": {
                "series": q.baseline.series,
                "base_rate": base["base_rate"],
                "no_change": base["no_change"],
                "window": base["window"],
            },
        }
        out.append((q.id, content))
    return out


def _issue_forecast(scenario: Any, model_name: str, issue_id: str, runs: int, seed: int, sd: float) -> dict:
    """Quantiles of a model's forecast for one issue over ``runs`` perturbed copies of the scenario."""
    from detente.models import get_model

    if issue_id not in [i.id for i in scenario.issues]:
        raise ScenarioError(
            f"scenario {scenario.name!r} has no issue {issue_id!r}",
            where="maps_to.forecast.issue",
            fix=f"use one of: {', '.join(i.id for i in scenario.issues)}",
        )
    model = get_model(model_name)
    draws = min(runs, 200)
    values = []
    for k, s in enumerate(_perturbed(scenario, draws, seed, sd)):
        f = model.forecast(s, seed=seed + k)
        values.append(next(i.position for i in f.issues if i.issue == issue_id))
    v = np.array(values)
    return {
        "quantiles": [float(x) for x in np.quantile(v, QUANTILE_LEVELS)],
        "levels": list(QUANTILE_LEVELS),
        "mean": float(v.mean()),
        "draws": draws,
    }


def _status_quo_baselines(scenario: Any, issue_id: str, q: Question) -> dict[str, Any]:
    """Baselines of an issue forecast: no change is its status quo; the base rate is uniform on the scale."""
    issue = next(i for i in scenario.issues if i.id == issue_id)
    sq = issue.status_quo
    if sq is None:
        raise ScenarioError(
            f"issue {issue_id!r} of {scenario.name!r} has no status quo for the no-change baseline",
            where=f"questions[{q.id}].baseline",
            fix="give the issue a status_quo in the scenario",
        )
    low, high = (q.scale.low, q.scale.high) if q.scale else (0.0, 100.0)
    return {
        "base_rate": [low + level * (high - low) for level in QUANTILE_LEVELS],
        "no_change": [float(sq)] * len(QUANTILE_LEVELS),
        "window": "uniform over the scale; status quo at the as-of date",
    }


def _deal_forecast(scenario: Any, package: str, runs: int, seed: int, sd: float) -> dict:
    """Share of ``runs`` perturbed copies of the scenario in which ``package`` passes."""
    from detente.deals.analysis import analyse_package
    from detente.deals.package import resolve_package

    pkg, _book = resolve_package(scenario, package)
    draws = min(runs, 200)
    passes = [
        analyse_package(s, pkg, seed=seed).verdict.passes for s in _perturbed(scenario, draws, seed, sd)
    ]
    p = float(np.mean(passes))
    return {"probability": min(max(p, CLIP), 1 - CLIP), "raw": p, "draws": draws}


def parse_outcome(text: str, kind: str, scale: dict[str, Any] | None) -> bool | float:
    """An outcome typed on the command line: yes/no for binary questions, a number on the scale otherwise."""
    word = text.strip().lower()
    if kind == "binary":
        if word in ("yes", "true", "1", "y"):
            return True
        if word in ("no", "false", "0", "n"):
            return False
        raise ParameterError(f"{text!r} is not yes or no", where="--outcome", fix="give --outcome yes or no")
    try:
        value = float(word)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise ParameterError(f"{text!r} is not a number", where="--outcome", fix="give the observed value")
    if scale and not scale["low"] <= value <= scale["high"]:
        raise ParameterError(
            f"{value:g} is outside the question's scale {scale['low']:g}-{scale['high']:g} {scale['unit']}",
            where="--outcome",
            fix="give a value on the question's scale",
        )
    return value


def resolution(
    forecast: dict[str, Any],
    forecast_id: str,
    forecast_hash: str,
    outcome: bool | float,
    source: str,
    *,
    resolved: dt.date | None = None,
    correction: bool = False,
) -> dict[str, Any]:
    """The content of a resolution record for a forecast record (checked against its resolve-by date).

    A 'no' (or a number) before the resolve-by date is refused: only an event that has happened can
    be recorded early.
    """
    now = dt.datetime.now(dt.UTC)
    day = resolved or now.date()
    by = dt.date.fromisoformat(forecast["question"]["resolve_by"])
    if day < by and outcome is not True:
        raise ParameterError(
            f"{forecast_id!r} resolves by {by}; only an event that has happened can be recorded before then",
            where="--outcome",
            fix=f"wait until {by} to record this outcome",
        )
    if not source.strip():
        raise ParameterError("the source is empty", where="--source", fix="quote the record that answers it")
    return {
        "forecast": forecast_id,
        "forecast_hash": forecast_hash,
        "outcome": outcome,
        "source": " ".join(source.split()),
        "resolved": day.isoformat(),
        "recorded_at": now.isoformat(timespec="seconds"),
        "retrospective": bool(forecast.get("retrospective")),
        "correction": correction,
    }
