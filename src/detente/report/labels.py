"""Plain-language labels for the report: model names, run statuses and links to the source list."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from detente.models.result import Forecast, Status
from detente.scenario import Scenario

__all__ = [
    "MODEL_LABELS",
    "actor_name",
    "issue_name",
    "link_sources",
    "model_label",
    "settle_note",
    "source_anchor",
    "source_label",
]

MODEL_LABELS: dict[str, str] = {
    "compromise": "Compromise (weighted mean)",
    "median": "Weighted median",
    "condorcet": "Condorcet winner",
    "nash": "Nash bargaining",
    "dominant": "Most capable actor",
    "expected-utility": "Expected utility",
    "expected-utility-mc": "Expected utility (Monte Carlo)",
    "smp": "Spatial Model of Politics",
    "best": "Best (cross-validated)",
}
"""Model id -> the name the report shows; ids not listed are shown as they are."""


def model_label(model: str) -> str:
    """The report's name for a model id (``"expected-utility"`` -> ``"Expected utility"``)."""
    return MODEL_LABELS.get(model, model)


def actor_name(scenario: Scenario, actor_id: str) -> str:
    """The actor's name (its id when the scenario has no such actor, e.g. a road map's own actor).

    >>> from detente.scenarios import load_scenario
    >>> actor_name(load_scenario("korea"), "USA")
    'United States'
    """
    return next((a.name for a in scenario.actors if a.id == actor_id), actor_id)


def issue_name(scenario: Scenario, issue_id: str) -> str:
    """The issue's name (its id when the scenario has no such issue).

    >>> from detente.scenarios import load_scenario
    >>> issue_name(load_scenario("korea"), "troops")
    'US forces in Korea'
    """
    return next((i.name for i in scenario.issues if i.id == issue_id), issue_id)


def settle_note(forecast: Forecast, issue_id: str | None = None, *, tolerance: float = 0.5) -> str:
    """How a run ended, in words: one-shot, settled after N rounds, or did not settle within N rounds.

    A dynamic model that stopped at its round limit is said not to have settled when some actor's
    position (on ``issue_id``, or on any issue) still moved by more than ``tolerance`` points in the
    last round; otherwise it "stopped after N rounds, with positions no longer moving".
    """
    n = max(len(forecast.rounds) - 1, 0)
    if forecast.status == Status.STATIC or not forecast.rounds:
        return "one-shot (no rounds)"
    if forecast.status == Status.CONVERGED:
        return f"settled after {n} rounds"
    moved = 0.0
    if len(forecast.rounds) >= 2:
        last, before = forecast.rounds[-1].positions, forecast.rounds[-2].positions
        for actor, pos in last.items():
            for issue, value in pos.items():
                if issue_id is None or issue == issue_id:
                    moved = max(moved, abs(value - before.get(actor, {}).get(issue, value)))
    if moved > tolerance:
        return (
            f"did not settle within {n} rounds (positions still moved up to {moved:.1f} points in the last)"
        )
    return f"stopped after its {n} rounds, with positions no longer moving"


def source_anchor(source_id: str) -> str:
    """The id of a source's entry in the report's source list."""
    return "source-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in source_id)


def source_label(scenario: Scenario, source_id: str) -> str:
    """A short citation: the first author's words and the year, and the source's number in the list."""
    for k, s in enumerate(scenario.sources, start=1):
        if s.id == source_id:
            author = s.author.split(",")[0].split("(")[0].strip() or s.title
            if len(author) > 40:
                author = author[:39] + "…"
            year = s.date[:4] if s.date else "n.d."
            return f"{author} {year} [{k}]"
    return source_id


def link_sources(scenario: Scenario, text: str) -> Markup:
    """``text`` escaped, with every mention of a source id turned into a link to its list entry.

    >>> from detente.scenarios import load_scenario
    >>> str(link_sources(load_scenario("korea"), "as seed001 reads it"))
    'as <a href="#source-seed001">A. Zhebin 2019 [2]</a> reads it'
    """
    ids = sorted((s.id for s in scenario.sources), key=len, reverse=True)
    if not ids or not text:
        return escape(text)
    pattern = re.compile(r"\b(" + "|".join(re.escape(i) for i in ids) + r")\b")
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(
            Markup('<a href="#{}">{}</a>').format(
                source_anchor(m.group(1)), source_label(scenario, m.group(1))
            )
        )
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)
