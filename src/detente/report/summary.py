"""The report's first screen: the most likely outcome on each issue, how sure, and why.

:func:`headlines` chooses one forecast per issue by a stated rule -- the forecast of the model with the
lowest cross-validated error on the DEU record of EU legislation among the models that ran -- and gives
it the 80% predictive interval calibrated on that record (:func:`calibrated_intervals`). Beside it: the
status quo, the spread of the other models with an explanation drawn from the data when they disagree
widely (:func:`disagreement`), a warning when a Monte Carlo distribution has several modes
(:func:`modes`), and a note when a dynamic model did not settle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from markupsafe import Markup, escape

from detente.errors import DetenteError
from detente.models.compare import Comparison
from detente.models.result import Forecast, IssueForecast, Status
from detente.report.labels import model_label, settle_note
from detente.report.section import Section
from detente.report.tables import forecast_statement, format_issue_value, honours_vetoes
from detente.scenario import Scenario

__all__ = [
    "DISAGREEMENT",
    "LEVEL",
    "Headline",
    "Validation",
    "calibrated_intervals",
    "choose_model",
    "disagreement",
    "headlines",
    "modes",
    "summary_section",
]

DISAGREEMENT = 25.0
"""Models "disagree widely" on an issue when their forecasts span at least this many points (0-100)."""

LEVEL = 0.8
"""Level of the calibrated predictive intervals shipped in ``best.json``."""


@dataclass(frozen=True)
class Validation:
    """Why the headline model was chosen: its cross-validated record on EU legislation (DEU data)."""

    model: str
    mae: float | None
    n: int | None
    coverage: str
    runners_up: tuple[tuple[str, float], ...] = ()

    def sentence(self) -> str:
        """The rule and the record, in one sentence."""
        if self.mae is None:
            return (
                f"{model_label(self.model)}: no validation record covers the models that ran, so the first "
                "model is shown."
            )
        others = ", ".join(f"{model_label(m)} {v:.1f}" for m, v in self.runners_up[:3])
        return (
            f"The headline is the forecast of {model_label(self.model)}, the model with the lowest "
            f"cross-validated mean absolute error among those run: {self.mae:.1f} points on the 0-100 "
            f"scale over {self.n} EU legislative issues (DEU data; next: {others}). That is a track record "
            "on EU legislation, not on this scenario."
        )


@dataclass(frozen=True)
class Headline:
    """The headline forecast of one issue and what the report says beside it."""

    issue: str
    model: str
    position: float
    low: float | None
    high: float | None
    interval: str
    status_quo: float | None
    others: dict[str, float]
    why: str
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def choose_model(comparison: Comparison) -> Validation:
    """The model with the lowest cross-validated MAE in the shipped DEU record among those that ran."""
    ran = [f.model for f in comparison.forecasts]
    try:
        from detente.validation.best import load_shipped

        table = load_shipped().raw["cv_table"]
    except DetenteError:
        table = []
    scored = sorted(
        (
            (float(r["MAE"]), r["model"], int(r["n"]), str(r["80% coverage"]))
            for r in table
            if r["model"] in ran
        ),
    )
    if not scored:
        return Validation(ran[0], None, None, "")
    mae, model, n, cov = scored[0]
    return Validation(model, mae, n, cov, tuple((m, v) for v, m, _, _ in scored[1:]))


def calibrated_intervals(
    scenario: Scenario, model: str, *, seed: int = 0
) -> dict[str, tuple[float, float]] | None:
    """Issue id -> the 80% predictive interval of ``model``, calibrated on the DEU record.

    The model is run on Monte Carlo perturbations of the inputs (the settings the calibration was fitted
    with); the calibrated error distribution fitted on EU legislation is added. None when the shipped
    fit has no calibration for ``model``. The interval does not depend on any outcome: the placeholder
    outcome the simulation needs is never used.
    """
    from detente.validation.backtest import Case, simulate
    from detente.validation.best import load_shipped

    try:
        shipped = load_shipped()
    except DetenteError:
        return None
    predictor = shipped.predictor(model)
    if predictor is None or predictor.calibration is None:
        return None
    issues = tuple(i.model_copy(update={"outcome": 50.0}) for i in scenario.issues)
    placeholder = scenario.model_copy(update={"issues": issues})
    try:
        sim = simulate(
            [Case(key="report", variants={"given": placeholder}, base="given")],
            [model],
            mc=shipped.mc,
            seed=seed,
        )
        _point, _samples, lo, hi = predictor.predict(sim)
    except DetenteError:
        return None
    return {i: (float(a), float(b)) for i, a, b in zip(sim.issues, lo, hi, strict=True)}


def modes(values: Sequence[float], *, bins: int = 10, min_share: float = 0.1) -> list[tuple[float, float]]:
    """The modes of a distribution on 0-100 as (centre, share of values), largest share first.

    A histogram of ``bins`` equal bins; a mode is a peak holding at least ``min_share`` of the values
    after splitting the histogram at every dip that falls to half the smaller neighbouring peak or
    lower. One mode means a single-humped distribution.

    >>> modes([5] * 60 + [75] * 30 + [40] * 2)
    [(5.0, 0.652...), (75.0, 0.347...)]
    """
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if v.size < 10:
        return []
    counts, edges = np.histogram(np.clip(v, 0, 100), bins=bins, range=(0, 100))
    # split into segments at dips: walk the histogram keeping the running peak of the current segment
    segments: list[tuple[int, int]] = []
    start, peak, k = 0, 0, 0
    while k < bins:
        peak = max(peak, counts[k])
        rest = counts[k + 1 :]
        if rest.size and counts[k] <= 0.5 * min(peak, rest.max()) and peak >= min_share * v.size:
            later_peak = rest.max()
            if later_peak >= min_share * v.size and counts[k] <= 0.5 * later_peak:
                segments.append((start, k))
                start, peak = k + 1, 0
        k += 1
    segments.append((start, bins - 1))
    out = []
    for a, b in segments:
        seg = counts[a : b + 1]
        share = float(seg.sum()) / v.size
        if share >= min_share and seg.max() > 0:
            j = a + int(np.argmax(seg))
            inside = v[(v >= edges[j]) & (v <= edges[j + 1])]
            out.append((float(np.median(inside)) if inside.size else float(edges[j] + 5), share))
    return sorted(out, key=lambda m: -m[1]) if len(out) > 1 else out


def _weights_why(scenario: Scenario, issue_id: str) -> str:
    data = scenario.issue_data(issue_id)
    w = data.capabilities * data.saliences
    if w.sum() <= 0:
        return ""
    share = w / w.sum()
    order = np.argsort(-share, kind="stable")[:2]
    parts = [
        f"{scenario.actor(data.actor_ids[k]).name} ({share[k]:.0%} of the weight, at {data.positions[k]:g})"
        for k in order
    ]
    return "pulled most by " + " and ".join(parts)


def _why(scenario: Scenario, forecast: Forecast, entry: IssueForecast) -> str:
    """Why the forecast is where it is, from the data: a veto bound, or who weighs most."""
    issue = scenario.issue(entry.issue)
    veto = entry.details.get("veto")
    if isinstance(veto, dict) and veto.get("bound"):
        names = ", ".join(scenario.actor(a).name for a in issue.veto_players)
        return (
            f"held by the veto of {names}: the unconstrained forecast, "
            f"{format_issue_value(scenario, issue.id, veto['unconstrained'])}, is not acceptable to it"
        )
    if forecast.model in ("compromise", "median", "condorcet"):
        return _weights_why(scenario, entry.issue)
    if forecast.model == "dominant":
        return "the position of the most capable actor"
    if forecast.model == "nash" and issue.status_quo is not None:
        return "the bargain that maximises the weighted gains over the status quo"
    return ""


def disagreement(scenario: Scenario, issue_id: str, forecasts: Sequence[Forecast]) -> str:
    """Why the models disagree on an issue, from the data; "" when their spread is below :data:`DISAGREEMENT`.

    The forecasts are split at the largest gap between sorted values; the explanation names the two
    groups and what tells them apart: the veto players (honoured by one group only), the status quo,
    or an actor's position that a group sits on.
    """
    values = {
        f.model: next(x.position for x in f.issues if x.issue == issue_id)
        for f in forecasts
        if any(x.issue == issue_id for x in f.issues)
    }
    if len(values) < 2 or max(values.values()) - min(values.values()) < DISAGREEMENT:
        return ""
    ordered = sorted(values.items(), key=lambda kv: kv[1])
    gaps = [ordered[k + 1][1] - ordered[k][1] for k in range(len(ordered) - 1)]
    cut = int(np.argmax(gaps)) + 1
    low, high = ordered[:cut], ordered[cut:]
    issue = scenario.issue(issue_id)

    def describe(group: list[tuple[str, float]]) -> str:
        lo, hi = group[0][1], group[-1][1]
        span = f"{lo:.0f}" if round(lo) == round(hi) else f"{lo:.0f}-{hi:.0f}"
        return f"{', '.join(model_label(m) for m, _ in group)} at {span}"

    text = f"Models split: {describe(low)}, against {describe(high)}."
    by_model = {f.model: f for f in forecasts}
    if issue.veto_players:
        honour = {m: honours_vetoes(by_model[m], issue_id) for m in values}
        for a, b in ((low, high), (high, low)):
            if all(not honour[m] for m, _ in a) and all(honour[m] for m, _ in b):
                names = ", ".join(scenario.actor(x).name for x in issue.veto_players)
                return (
                    f"{text} The second group honours the veto of {names}, which can keep this issue at "
                    f"its status quo; the first ({', '.join(model_label(m) for m, _ in a)}) lets the others "
                    "outvote it."
                    if a is low
                    else f"{text} The first group honours the veto of {names}; the second "
                    f"({', '.join(model_label(m) for m, _ in a)}) lets the others outvote it."
                )
    data = scenario.issue_data(issue_id)
    reasons = []
    for group, label in ((low, "low"), (high, "high")):
        centre = float(np.median([v for _, v in group]))
        if issue.status_quo is not None and abs(centre - issue.status_quo) < 2:
            reasons.append(f"the {label} group stays at the status quo ({issue.status_quo:g})")
            continue
        near = [
            scenario.actor(a).name
            for a, p in zip(data.actor_ids, data.positions, strict=True)
            if abs(p - centre) < 2
        ]
        if near:
            reasons.append(f"the {label} group sits on the position of {', '.join(near)}")
    from detente.models import ALL_MODELS

    summaries = {cls.name: cls.summary for cls in ALL_MODELS}
    for group in (low, high):
        if len(group) == 1 and group[0][0] in summaries:
            reasons.append(f"{model_label(group[0][0])} is the {summaries[group[0][0]]}")
    if reasons:
        joined = "; ".join(reasons)
        text += " " + joined[0].upper() + joined[1:] + "."
    return text


def headlines(
    scenario: Scenario, comparison: Comparison, *, seed: int = 0
) -> tuple[Validation, list[Headline]]:
    """The headline model (and why) and one :class:`Headline` per issue."""
    validation = choose_model(comparison)
    chosen = comparison.forecast(validation.model)
    calibrated = calibrated_intervals(scenario, chosen.model, seed=seed)
    out = []
    for issue in scenario.issues:
        entry = next((x for x in chosen.issues if x.issue == issue.id), None)
        if entry is None:
            continue
        if calibrated is not None and issue.id in calibrated:
            low, high = calibrated[issue.id]
            low, high = min(low, entry.position), max(high, entry.position)
            interval = f"{LEVEL:.0%} calibrated"
        elif entry.low is not None and entry.high is not None:
            low, high = entry.low, entry.high
            level = entry.details.get("level", LEVEL)
            interval = f"{float(level):.0%}, the model's own (not calibrated)"
        else:
            low = high = None
            interval = "none"
        others = {
            f.model: x.position
            for f in comparison.forecasts
            for x in f.issues
            if x.issue == issue.id and f.model != chosen.model
        }
        flags, notes = [], []
        split = disagreement(scenario, issue.id, comparison.forecasts)
        if split:
            values = [entry.position, *others.values()]
            flags.append(f"models disagree (spread {max(values) - min(values):.0f} points)")
            notes.append(split)
        for f in comparison.forecasts:
            x = next((y for y in f.issues if y.issue == issue.id), None)
            if x is None:
                continue
            found = modes(x.details.get("values", []))
            if len(found) > 1:
                flags.append(f"{model_label(f.model)}: {len(found)} modes")
                parts = ", ".join(f"near {c:.0f} ({s:.0%} of runs)" for c, s in found)
                notes.append(
                    f"{model_label(f.model)}'s runs fall into {len(found)} separate groups: {parts}; its "
                    f"median, {x.position:.1f}, describes none of them well."
                )
            if f.rounds and f.status == Status.MAX_ROUNDS and f.model == chosen.model:
                note = settle_note(f, issue.id)
                if note.startswith("did not settle"):
                    flags.append(f"{model_label(f.model)} did not settle")
                    notes.append(f"{model_label(f.model)} {note}.")
        out.append(
            Headline(
                issue=issue.id,
                model=chosen.model,
                position=entry.position,
                low=low,
                high=high,
                interval=interval,
                status_quo=issue.status_quo,
                others=others,
                why=_why(scenario, chosen, entry),
                flags=flags,
                notes=notes,
            )
        )
    return validation, out


def _dot_plot(scenario: Scenario, rows: Sequence[Headline]) -> Markup:
    """Each issue on its 0-100 scale: interval bar, headline dot, status quo diamond, other models' ticks.

    Drawn with HTML and CSS (percent positions), so text keeps its size at any width.
    """
    items = []
    for h in rows:
        issue = scenario.issue(h.issue)
        marks = []
        if h.low is not None and h.high is not None:
            marks.append(
                f'<span class="iv" style="left:{h.low:.1f}%;width:{max(h.high - h.low, 0.6):.1f}%"></span>'
            )
        for v in h.others.values():
            marks.append(f'<span class="tick" style="left:{v:.1f}%"></span>')
        if h.status_quo is not None:
            marks.append(f'<span class="sq" style="left:{h.status_quo:.1f}%"></span>')
        marks.append(f'<span class="dot" style="left:{h.position:.1f}%"></span>')
        label = (
            f"{issue.name}: forecast {h.position:.0f}"
            + (f", interval {h.low:.0f}-{h.high:.0f}" if h.low is not None and h.high is not None else "")
            + (f", status quo {h.status_quo:.0f}" if h.status_quo is not None else "")
            + f", other models {min(h.others.values()):.0f}-{max(h.others.values()):.0f}"
            if h.others
            else ""
        )
        items.append(
            f'<li><div class="dp-row" role="img" aria-label="{escape(label)}">'
            f'<span class="dp-name">{escape(issue.name)}</span>'
            f'<span class="dp-track">{"".join(marks)}</span>'
            f'<span class="dp-ends"><span>0</span><span>100</span></span></div></li>'
        )
    legend = (
        '<p class="note dp-legend"><span class="key dot"></span> most likely outcome '
        '<span class="key iv"></span> its interval <span class="key sq"></span> status quo '
        '<span class="key tick"></span> other models</p>'
    )
    return Markup(f'<figure class="dotplot"><ul>{"".join(items)}</ul>{legend}</figure>')


def summary_section(scenario: Scenario, comparison: Comparison, *, seed: int = 0) -> Section:
    """The summary: one row per issue with the headline forecast, its interval, the status quo and flags."""
    validation, rows = headlines(scenario, comparison, seed=seed)
    body = []
    for h in rows:
        issue = scenario.issue(h.issue)
        value = format_issue_value(scenario, h.issue, h.position)
        iv = (
            f"{format_issue_value(scenario, h.issue, h.low)} to "
            f"{format_issue_value(scenario, h.issue, h.high)}"
            if h.low is not None and h.high is not None
            else "no interval"
        )
        others = (
            f"{min(h.others.values()):.0f} to {max(h.others.values()):.0f} ({len(h.others)} models)"
            if h.others
            else "-"
        )
        flags = "".join(f'<li class="flag">{escape(f)}</li>' for f in h.flags)
        sq = format_issue_value(scenario, h.issue, h.status_quo)
        body.append(
            "<tr>"
            f'<th scope="row" data-label="Issue"><span class="issue-name">{escape(issue.name)}</span>'
            f'<span class="scale">0 = {escape(issue.meaning_0)}; '
            f"100 = {escape(issue.meaning_100)}</span></th>"
            f'<td class="num" data-label="Status quo">{escape(sq)}</td>'
            f'<td class="num headline" data-label="Most likely"><strong>{escape(value)}</strong>'
            f'<span class="iv-text">{escape(iv)}</span></td>'
            f'<td data-label="Why">{escape(h.why) or "-"}</td>'
            f'<td data-label="Other models">{escape(others)}'
            + (f'<ul class="flags">{flags}</ul>' if flags else "")
            + "</td></tr>"
        )
    level_text = rows[0].interval if rows else ""
    caption = (
        f"Most likely outcome ({escape(model_label(validation.model))}) with its {escape(level_text)} "
        "interval, beside the status quo"
    )
    table = Markup(
        f'<div class="table-wrap" tabindex="0"><table class="summary"><caption>{caption}</caption><thead><tr>'
        '<th scope="col">Issue and scale</th><th scope="col" class="num">Status quo (no change)</th>'
        '<th scope="col" class="num">Most likely outcome and interval</th><th scope="col">Why</th>'
        f'<th scope="col">Other models, flags</th></tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    )
    interval_note = (
        f"Intervals: {LEVEL:.0%} predictive intervals, calibrated on the same EU record (there they held "
        f"{escape(validation.coverage)} of outcomes). They cover the uncertainty of the inputs (positions, "
        "saliences) and the model's error on EU legislation; errors here may be larger."
        if rows and rows[0].interval.endswith("calibrated")
        else "Intervals are the model's own, not calibrated against outcomes."
    )
    notes = [
        f"<li><strong>{escape(scenario.issue(h.issue).name)}</strong>: {escape(n)}</li>"
        for h in rows
        for n in h.notes
    ]
    intro = Markup(f'<p class="lead">{escape(forecast_statement(scenario))}</p>')
    how = Markup(
        f'<p class="note" id="summary-how">{escape(validation.sentence())} {interval_note} '
        'See <a href="#validation">the track record</a> and '
        '<a href="#sensitivity">which estimates matter</a>.</p>'
    )
    html = intro + table + how
    if notes:
        html += Markup(
            f'<h3 id="summary-flags">Flags explained</h3><ul class="flag-notes">{"".join(notes)}</ul>'
        )
    html += _dot_plot(scenario, rows)
    return Section("summary", "Most likely outcome on each issue", html)
