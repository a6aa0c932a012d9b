"""Assemble the report of ``detente run``: forecasts, model-specific sections, and the scenario."""

from __future__ import annotations

from importlib import import_module

from detente.models.compare import Comparison
from detente.report.forecasts import comparison_sections, scenario_section
from detente.report.html import render_html
from detente.report.section import Section
from detente.scenario import Scenario

__all__ = ["ANALYSIS_SECTIONS", "MODEL_SECTIONS", "analysis_sections", "model_sections", "run_report"]

MODEL_SECTIONS: dict[str, tuple[str, str]] = {
    "smp": ("detente.report.smp", "smp_sections"),
    "expected-utility": ("detente.report.expected_utility", "expected_utility_sections"),
    "expected-utility-mc": ("detente.report.expected_utility", "expected_utility_sections"),
}
"""Model name -> (module, function) that builds that model's own report sections."""


ANALYSIS_SECTIONS: list[tuple[str, str]] = [
    ("detente.report.roadmap", "roadmap_sections"),
    ("detente.report.deals", "deal_sections"),
    ("detente.report.validation", "validation_sections"),
]
"""(module, function) pairs for analyses beyond forecasting that ``detente run`` adds to its report.

Each function is called as ``function(scenario, seed=seed)`` and returns a list of sections, or an
empty list when the analysis does not apply to the scenario (say, no road map is defined for it).
Register one line per analysis, in the order the report should show them.
"""


def analysis_sections(scenario: Scenario, *, seed: int) -> list[Section]:
    """Sections of the registered analyses (road maps, deals, validation) that apply to ``scenario``."""
    out: list[Section] = []
    for module, func in ANALYSIS_SECTIONS:
        out.extend(getattr(import_module(module), func)(scenario, seed=seed))
    return out


def model_sections(scenario: Scenario, comparison: Comparison) -> list[Section]:
    """Sections that dynamic models add (trajectories, challenges, quadrant charts)."""
    out: list[Section] = []
    for f in comparison.forecasts:
        if f.model not in MODEL_SECTIONS:
            continue
        module, func = MODEL_SECTIONS[f.model]
        out.extend(getattr(import_module(module), func)(f, scenario))
    return out


def run_report(
    scenario: Scenario,
    comparison: Comparison,
    *,
    extra: list[Section] | None = None,
    command: str = "",
) -> str:
    """The whole ``detente run`` report as an HTML string."""
    sections = [*comparison_sections(scenario, comparison), *model_sections(scenario, comparison)]
    sections += analysis_sections(scenario, seed=comparison.seed)
    sections += list(extra or [])
    sections.append(scenario_section(scenario))
    return render_html(
        scenario.name, sections, description=scenario.description, seed=comparison.seed, command=command
    )
