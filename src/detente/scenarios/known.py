r"""Known outcomes of published cases, recognised from the contents of a table.

A Bueno de Mesquita-style table (actor, capability, position, salience) says nothing about how the
negotiation ended. When a one-issue scenario read from a file matches a case in :data:`KNOWN_CASES`,
:func:`attach_known_outcome` records the published outcome on its issue, so that reports show it
next to the forecasts (models never read it).

Cases are matched by :func:`fingerprint`, which depends only on the table's contents: each actor's
name (case and surrounding spaces ignored), its share of the total capability, its salience on 0-1
and its position relative to the lowest and highest positions in the table. The file name, the row
order, the column spellings, the salience scale (0-1 or 0-100), the capability scale and the
position scale do not matter; changing any number does.

>>> from detente.scenario.formats import read_bdm_text
>>> table = read_bdm_text(
...     "Country;Power;Position (years);Importance\r"
...     "Greece;8;7;70\rNetherlands;8;4;80\rBelgium;8;7;40\rLuxembourg;3;4;20\rGermany;16;4;80\r"
...     "France;16;10;60\rItaly;16;10;60\rUK;16;10;90\rIreland;5;7;10\rDenmark;5;4;100\r",
...     source="my-table.csv",
... )
>>> table.issues[0].outcome is None, find_case(table).name
(True, 'EC car emission standards (Bueno de Mesquita 1994)')
>>> issue = attach_known_outcome(table).issues[0]
>>> issue.outcome, issue.format_position(issue.outcome)
(80.55, '8.833 years')
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from detente.scenario.issue import Units
from detente.scenario.scenario import Scenario

__all__ = ["KNOWN_CASES", "KnownCase", "attach_known_outcome", "find_case", "fingerprint"]


@dataclass(frozen=True)
class KnownCase:
    """A published case with a known outcome.

    ``low`` and ``high`` are the lowest and highest actor positions of the published table and
    ``outcome`` the outcome, all in the table's natural units (``unit``).
    """

    name: str
    fingerprint: str
    outcome: float
    low: float
    high: float
    unit: str
    citation: str


KNOWN_CASES: tuple[KnownCase, ...] = (
    KnownCase(
        name="EC car emission standards (Bueno de Mesquita 1994)",
        fingerprint="083d7c56be14b80b",
        outcome=8.833,
        low=4.0,
        high=10.0,
        unit="years",
        citation="B. Bueno de Mesquita (1994), in F. Stokman (ed.), European Community Decision Making, "
        "Yale University Press, p. 98: the delay decided was 8.833 years",
    ),
)
"""Every known case; add one by computing the fingerprint of its table with :func:`fingerprint`."""


def fingerprint(scenario: Scenario) -> str | None:
    """The contents fingerprint of a one-issue scenario (see the module docstring), or None.

    None when the scenario has several issues, no positive total capability, or all actors at one
    position (there is then no range to measure positions against).
    """
    if len(scenario.issues) != 1:
        return None
    data = scenario.issue_data(scenario.issue_ids[0])
    total = float(data.capabilities.sum())
    lo, hi = float(data.positions.min()), float(data.positions.max())
    if not total > 0 or hi == lo:
        return None
    names = [scenario.actor(a).name.strip().casefold() for a in data.actor_ids]
    rows = sorted(
        f"{name}|{c / total:.6g}|{s / 100:.6g}|{(x - lo) / (hi - lo):.6g}"
        for name, c, s, x in zip(names, data.capabilities, data.saliences, data.positions, strict=True)
    )
    return hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()[:16]


def find_case(scenario: Scenario) -> KnownCase | None:
    """The known case whose table the scenario holds, if any."""
    fp = fingerprint(scenario)
    return next((c for c in KNOWN_CASES if c.fingerprint == fp), None) if fp else None


def attach_known_outcome(scenario: Scenario) -> Scenario:
    """Return the scenario with the known outcome recorded on its issue, if it is a known case.

    Scenarios that already record an outcome, or match no case, are returned unchanged. When the
    issue's natural units span the case's own range, the outcome is converted through them (and the
    unit's name is filled in if missing); otherwise it is placed at the same fraction of the range of
    the actors' positions.
    """
    case = find_case(scenario)
    if case is None or scenario.issues[0].outcome is not None:
        return scenario
    issue = scenario.issues[0]
    data = scenario.issue_data(issue.id)
    lo, hi = float(data.positions.min()), float(data.positions.max())
    update: dict[str, object] = {}
    units = issue.units
    if (
        units is not None
        and math.isclose(units.to_natural(lo), case.low, rel_tol=1e-9, abs_tol=1e-12)
        and math.isclose(units.to_natural(hi), case.high, rel_tol=1e-9, abs_tol=1e-12)
    ):
        outcome = units.from_natural(case.outcome)
        if not units.unit:
            update["units"] = Units(unit=case.unit, at_0=units.at_0, at_100=units.at_100)
    else:
        outcome = round(lo + (case.outcome - case.low) / (case.high - case.low) * (hi - lo), 12)
    if not 0.0 <= outcome <= 100.0:
        return scenario
    update["outcome"] = outcome
    note = f"Known outcome: {case.citation}."
    update["description"] = f"{issue.description} {note}".strip()
    return scenario.model_copy(update={"issues": (issue.model_copy(update=update),)})
