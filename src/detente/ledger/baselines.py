"""Baselines for ledger questions: a base rate from the Korean event data and a no-change forecast.

Both use only data up to the question's data-as-of month (the scenario's ``as_of``, or the end of
the record, 2026-04, if that is earlier), so they use no information the forecast lacked.

* **Base rate**: the share of windows of the question's length, starting in every month from
  1993-01 and ending by the as-of month, in which the event happened, Laplace-corrected
  ((hits + 1) / (windows + 2)). For the road map's own events (test, clash, reach talks, breakdown,
  interim settlement) this is :func:`detente.process.replay.base_rate` (windows for talks events
  conditioned on being in or out of talks, as the replay does). For a count (``test months``) the
  base rate is the distribution of the counts in those windows, given by its quantiles.
* **No change**: the state at the as-of date persists. For the road map's events this is
  :func:`detente.process.replay.no_change`; for the other series, the event is forecast at 0.98 if
  it happened in the 12 months up to the as-of month and at 0.02 otherwise; for a count, the count
  of the window of the same length just before the as-of month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import numpy as np

__all__ = ["QUANTILE_LEVELS", "RECORD_END", "EventData", "baselines", "event_data", "month_number"]

QUANTILE_LEVELS = tuple(round(0.05 * k, 2) for k in range(1, 20))
"""Quantile levels of continuous forecasts: 0.05, 0.10, ..., 0.95."""

RECORD_END = (2026, 4)
"""The last month of the event record (the CNS missile data run to April 2026)."""

NO_CHANGE_SURE = 0.98

_REPLAY_EVENTS = {"test", "clash", "reach talks", "breakdown", "interim settlement"}


def month_number(text: str) -> int:
    """``'2018-06'`` (or a full date) as a month count, for window arithmetic."""
    y, m = str(text).split("-")[:2]
    return int(y) * 12 + int(m) - 1


def month_text(n: int) -> str:
    """The inverse of :func:`month_number`: ``'YYYY-MM'``."""
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


@dataclass(frozen=True)
class EventData:
    """Monthly indicators from 1993-01 to the end of the record (see the module docstring)."""

    history: Any
    first: int
    series: dict[str, np.ndarray]


@cache
def event_data() -> EventData:
    """The event series the baselines use (read once per process)."""
    from detente.calibration.events import (
        load_missile_tests,
        load_timeline,
        monthly_series,
        sanctions_resolutions,
    )
    from detente.process.replay import event_history

    end = date(2026, 4, 30)
    history = event_history()
    frame = monthly_series(end, start="1993-01")
    months = [p.year * 12 + p.month - 1 for p in frame.index]
    first = months[0]

    def indicator(dates: Any) -> np.ndarray:
        hit = {d.year * 12 + d.month - 1 for d in dates}
        return np.array([m in hit for m in months])

    missiles = load_missile_tests(end)
    timeline = load_timeline(end)
    summits = [
        d
        for d, k, a in zip(timeline["date"], timeline["kind"], timeline["actors"], strict=True)
        if k == "summit" and "USA" in a and "DPRK" in a
    ]
    halts = [
        d
        for d, k, a in zip(timeline["date"], timeline["kind"], timeline["actors"], strict=True)
        if k == "freeze" and a and a[0] == "USA"
    ]
    series = {
        "test": frame["strategic"].to_numpy().astype(bool),
        "nuclear test": frame["nuclear"].to_numpy().astype(bool),
        "icbm launch": indicator(missiles.loc[missiles["missile_type"] == "ICBM", "date"]),
        "clash": frame["armed_incident"].to_numpy().astype(bool),
        "leader meeting": indicator(summits),
        "sanctions resolution": indicator(sanctions_resolutions(timeline)["date"]),
        "exercise suspension": indicator(halts),
        "test months": frame["strategic"].to_numpy().astype(float),
    }
    return EventData(history=history, first=first, series=series)


def data_as_of(as_of: str) -> str:
    """The month the baselines read data to: the as-of month, or the record's end if earlier."""
    return month_text(min(month_number(as_of), RECORD_END[0] * 12 + RECORD_END[1] - 1))


def _windows(data: EventData, series: str, months: int, last: int) -> np.ndarray:
    """Per window of ``months`` ending by month index ``last``: hits (or counts) in the window."""
    x = data.series[series].astype(float)
    return np.array([x[s + 1 : s + 1 + months].sum() for s in range(0, last - months + 1)])


def baselines(series: str, kind: str, as_of: str, months: int, *, in_talks: bool) -> dict[str, Any]:
    """The base-rate and no-change forecasts of a question (see the module docstring).

    Parameters
    ----------
    series:
        The event series (:data:`detente.ledger.questions.SERIES`).
    kind:
        ``binary`` (probabilities) or ``continuous`` (quantiles at :data:`QUANTILE_LEVELS`).
    as_of:
        The question's data-as-of month (``YYYY-MM``).
    months:
        The length of the question's window in months.
    in_talks:
        Whether talks are under way at the as-of date (the process starts past its first phase).

    Returns
    -------
    dict
        ``base_rate`` and ``no_change`` (a probability, or a list of quantiles), and ``window``: the
        months the base rate's windows cover, e.g. ``'1993-01 to 2017-11'``.
    """
    from detente.process.replay import base_rate as replay_base_rate
    from detente.process.replay import no_change as replay_no_change

    data = event_data()
    cut = data_as_of(as_of)
    last = month_number(cut) - data.first
    window = f"{month_text(data.first)} to {cut}"
    if kind == "continuous":
        counts = _windows(data, series, months, last)
        base = [float(v) for v in np.quantile(counts, QUANTILE_LEVELS)]
        before = float(data.series[series][max(0, last - months + 1) : last + 1].sum())
        return {"base_rate": base, "no_change": [before] * len(QUANTILE_LEVELS), "window": window}
    if series in _REPLAY_EVENTS:
        p_base = replay_base_rate(data.history, series, months, cut, in_talks=in_talks)
        p_none = replay_no_change(data.history, series, cut, in_talks=in_talks)
    else:
        hits = _windows(data, series, months, last) > 0
        p_base = (float(hits.sum()) + 1) / (hits.size + 2)
        recent = bool(data.series[series][max(0, last - 11) : last + 1].any())
        p_none = NO_CHANGE_SURE if recent else 1 - NO_CHANGE_SURE
    return {"base_rate": float(p_base), "no_change": float(p_none), "window": window}


def thinning_share(series: str, cutoff: str) -> float:
    """Share of strategic-test months with a nuclear test (or an ICBM launch) up to ``cutoff``.

    Used to turn the road map's simulated strategic-test months into nuclear-test or ICBM-launch
    probabilities (each simulated test month is of that type with this probability).
    """
    data = event_data()
    last = month_number(cutoff) - data.first + 1
    tests = data.series["test"][:last]
    of_type = data.series[series][:last] & tests
    return float(of_type.sum()) / max(1, int(tests.sum()))
