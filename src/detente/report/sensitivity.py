"""Which estimates matter: the analyst's estimated stances ranked by how much they move each forecast.

One at a time: each estimated stance's position is set to the low and the high end of its stated
uncertainty (its range, or its position plus and minus one standard deviation; plus and minus
:data:`DEFAULT_SWING` points where it states none), everything else held, and the headline model
re-forecasts the stance's issue. The table ranks stances by the larger of the two moves. One-at-a-time
analysis shows each estimate's own leverage; it does not show interactions between estimates (the
experiments' Sobol designs, ``detente sweep``, do).
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from detente.errors import DetenteError
from detente.models import ALL_MODELS
from detente.models.base import ForecastModel
from detente.models.compare import Comparison
from detente.report.html import html_table
from detente.report.labels import model_label
from detente.report.section import Section
from detente.report.summary import choose_model
from detente.scenario import Scenario, Stance

__all__ = ["DEFAULT_SWING", "SHOWN", "Leverage", "leverage", "sensitivity_section"]

DEFAULT_SWING = 10.0
"""Points each way tried for an estimate that states no uncertainty."""

SHOWN = 15
"""Rows of the ranking shown in the report."""


@dataclass(frozen=True)
class Leverage:
    """How far one estimated stance moves its issue's forecast when set to the ends of its range."""

    actor: str
    issue: str
    position: float
    low: float
    high: float
    at_low: float
    at_high: float
    base: float

    @property
    def move(self) -> float:
        """The larger absolute change of the forecast (points on 0-100)."""
        return max(abs(self.at_low - self.base), abs(self.at_high - self.base))


def _range(st: Stance) -> tuple[float, float]:
    u = st.uncertainty
    if u is None:
        lo, hi = st.position - DEFAULT_SWING, st.position + DEFAULT_SWING
    elif u.sd is not None:
        lo, hi = st.position - u.sd, st.position + u.sd
    else:
        assert u.low is not None and u.high is not None
        lo, hi = u.low, u.high
    return max(0.0, lo), min(100.0, hi)


def _with_position(scenario: Scenario, st: Stance, value: float) -> Scenario:
    stances = tuple(x.model_copy(update={"position": value}) if x is st else x for x in scenario.stances)
    return scenario.model_copy(update={"stances": stances})


def leverage(scenario: Scenario, model: ForecastModel, *, seed: int = 0) -> list[Leverage]:
    """Every estimated stance's :class:`Leverage` on ``model``'s forecast, largest move first."""
    base = model.forecast(scenario, seed=seed).positions()
    out = []
    for st in scenario.estimates():
        lo, hi = _range(st)
        moved = []
        for value in (lo, hi):
            try:
                f = model.forecast(_with_position(scenario, st, value), seed=seed)
            except DetenteError:
                moved.append(base[st.issue])
                continue
            moved.append(f.position(st.issue))
        out.append(Leverage(st.actor, st.issue, st.position, lo, hi, moved[0], moved[1], base[st.issue]))
    return sorted(out, key=lambda r: (-r.move, r.actor, r.issue))


def sensitivity_section(scenario: Scenario, comparison: Comparison, *, seed: int = 0) -> Section | None:
    """The ranking table for the headline model (or the compromise model when the headline is slow)."""
    if not scenario.estimates():
        return None
    chosen = choose_model(comparison).model
    cls = next((c for c in ALL_MODELS if c.name == chosen), None)
    note = ""
    if cls is None or cls.tags.stochastic or cls.tags.produces_rounds:
        note = (
            f" The headline model, {model_label(chosen)}, is too slow to re-run for every estimate here, "
            "so the compromise model stands in."
        )
        cls = next(c for c in ALL_MODELS if c.name == "compromise")
        params: dict = {}
    else:
        params = comparison.forecast(chosen).parameters
    try:
        rows = leverage(scenario, cls(**params), seed=seed)
    except DetenteError as exc:
        return Section(
            "sensitivity", "Which estimates matter", Markup("<p>Not available: {}</p>").format(exc.message)
        )
    table = [
        {
            "rank": str(k),
            "actor": scenario.actor(r.actor).name,
            "issue": scenario.issue(r.issue).name,
            "estimate": f"{r.position:g}",
            "range tried": f"{r.low:g} to {r.high:g}",
            "forecast moves": f"{r.base:.1f} → {r.at_low:.1f} / {r.at_high:.1f}",
            "largest move": f"{r.move:.1f}",
        }
        for k, r in enumerate(rows[:SHOWN], start=1)
    ]
    rest = rows[SHOWN:]
    tail = (
        f" The other {len(rest)} estimates move no forecast by more than {rest[0].move:.1f} points."
        if rest
        else ""
    )
    intro = Markup(
        "<p>Each of the analyst's {} estimated stances was set to the low and the high end of its "
        "stated uncertainty (its range, or one standard deviation either side; {:g} points either side "
        "where none is stated), one at a time, and the issue re-forecast with {}.{} Ranked by the larger "
        "move of the forecast (points on the issue's 0-100 scale).{} One at a time shows each "
        "estimate's own leverage, not interactions between estimates.</p>"
    ).format(len(rows), DEFAULT_SWING, model_label(cls.name), note, tail)
    html = intro + html_table(table, numeric=["rank", "estimate", "forecast moves", "largest move"])
    return Section("sensitivity", "Which estimates matter", html)
