"""Scenarios embedded in the package, read through :mod:`importlib.resources`.

``korea`` (the default) is the Korean peninsula case as it stands now: it names the newest dated
version, ``korea-2026-11``. ``korea-2017-11`` (the five source essays' case) ... ``korea-2026-11`` are
the same case at six dates, each with its as-of date;
``ec-emissions`` is Bueno de Mesquita's European Community example with its known outcome; the
``ktab-*`` scenarios are KTAB's SMP example inputs.

>>> "korea" in list_scenarios()
True
>>> load_scenario("ec-emissions").issue("delay").units.unit
'years'
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from detente._defaults import DEFAULT_SCENARIO
from detente.errors import ScenarioError
from detente.scenario.io import decode_text, loads_scenario
from detente.scenario.io import load_scenario as load_scenario_file
from detente.scenario.scenario import Scenario

__all__ = ["DEFAULT_SCENARIO", "EmbeddedScenario", "list_scenarios", "load_scenario", "resolve_scenario"]


@dataclass(frozen=True)
class EmbeddedScenario:
    """An embedded scenario: its name, file inside the package, and a one-line summary."""

    name: str
    file: str
    summary: str


_EMBEDDED: tuple[EmbeddedScenario, ...] = (
    EmbeddedScenario(
        "korea",
        "korea-2026-11.yaml",
        "Korean peninsula crisis now: the newest dated version (korea-2026-11); 6 actors, 9 issues",
    ),
    EmbeddedScenario(
        "korea-2017-11",
        "korea-2017-11.yaml",
        "Korean peninsula crisis as of 2017-11, after the Hwasong-15 test: the essays' case, re-audited",
    ),
    EmbeddedScenario(
        "korea-2018-06",
        "korea-2018-06.yaml",
        "Korean peninsula crisis as of 2018-06, after the Singapore summit and the exercise suspension",
    ),
    EmbeddedScenario(
        "korea-2019-03",
        "korea-2019-03.yaml",
        "Korean peninsula crisis as of 2019-03, after the Hanoi summit failed and the spring exercises ended",
    ),
    EmbeddedScenario(
        "korea-2022-06",
        "korea-2022-06.yaml",
        "Korean peninsula crisis as of 2022-06, after the ICBM tests resumed and the May 2022 Council veto",
    ),
    EmbeddedScenario(
        "korea-2024-07",
        "korea-2024-07.yaml",
        "Korean peninsula crisis as of 2024-07, after the June 2024 Russia-DPRK treaty",
    ),
    EmbeddedScenario(
        "korea-2026-11",
        "korea-2026-11.yaml",
        "Korean peninsula crisis as of 2026-11 (now): events to 2024, missile tests to 2026, rest estimated",
    ),
    EmbeddedScenario(
        "ec-emissions",
        "ec-emissions.yaml",
        "EC car emission standards (Bueno de Mesquita 1994): 10 actors, outcome 8.833 years",
    ),
    EmbeddedScenario("ktab-3dim", "ktab/dummyData_3Dim.csv", "KTAB example: 7 synthetic actors, 3 issues"),
    EmbeddedScenario(
        "ktab-soe",
        "ktab/SOE-Pol-Comp.csv",
        "KTAB example: China's oil-and-gas SOE reform, 13 actors, 2 issues",
    ),
    EmbeddedScenario("ktab-6dim", "ktab/dummyData_6Dim.csv", "KTAB example: 27 synthetic actors, 6 issues"),
    EmbeddedScenario("ktab-a040", "ktab/dummyData-a040.csv", "KTAB scaling test: 40 actors, 1 issue"),
    EmbeddedScenario("ktab-a080", "ktab/dummyData-a080.csv", "KTAB scaling test: 80 actors, 1 issue"),
    EmbeddedScenario("ktab-a160", "ktab/dummyData-a160.csv", "KTAB scaling test: 160 actors, 1 issue"),
    EmbeddedScenario(
        "decide-sample",
        "decide/sample_data.txt",
        "Decide's training case: a city's toll ring, 10 actors, 6 issues (Decide input format)",
    ),
    EmbeddedScenario(
        "decide-cop21", "decide/cop21.csv", "Decide example: COP21 Paris climate talks, 15 actors, 13 issues"
    ),
    EmbeddedScenario(
        "decide-copenhagen",
        "decide/copenhagen.csv",
        "Decide example: COP15 Copenhagen climate talks, 11 actors, 7 issues",
    ),
)


def embedded_scenarios() -> tuple[EmbeddedScenario, ...]:
    """All embedded scenarios, default first."""
    return _EMBEDDED


def list_scenarios() -> list[str]:
    """Names of the embedded scenarios, default first."""
    return [e.name for e in _EMBEDDED]


def load_scenario(name: str) -> Scenario:
    """Load the embedded scenario called ``name``."""
    for entry in _EMBEDDED:
        if entry.name == name:
            resource = files(__package__).joinpath(entry.file)
            text = decode_text(resource.read_bytes(), source=f"<embedded {name}>")
            fmt = "yaml" if entry.file.endswith(".yaml") else "csv"
            return loads_scenario(text, fmt, source=entry.file)
    raise ScenarioError(
        f"there is no embedded scenario called {name!r}",
        fix=f"use one of: {', '.join(list_scenarios())}, or the path of a scenario file",
    )


def resolve_scenario(name_or_path: str | Path | None) -> Scenario:
    """Load an embedded scenario by name, or a scenario file by path; ``None`` gives the default.

    A file holding the table of a published case with a known outcome gets that outcome recorded
    (:mod:`detente.scenarios.known`).
    """
    if name_or_path is None:
        return load_scenario(DEFAULT_SCENARIO)
    text = str(name_or_path)
    if text in list_scenarios():
        return load_scenario(text)
    path = Path(text)
    if not path.suffix and not path.exists():
        raise ScenarioError(
            f"{text!r} is neither an embedded scenario nor a file",
            fix=f"use one of: {', '.join(list_scenarios())}, or the path of a scenario file",
        )
    from detente.scenarios.known import attach_known_outcome

    return attach_known_outcome(load_scenario_file(path))  # tables of published cases get their outcome
