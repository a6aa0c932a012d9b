"""Assemble the report of ``detente run``: the summary first, then the analyses, the appendix, the scenario.

Order: the most likely outcome on each issue (:mod:`detente.report.summary`); the registered analyses
(road map, deals, coalitions); which estimates matter (:mod:`detente.report.sensitivity`); the track
record that says which model to trust; then, collapsed, the appendix of model internals (every model's
forecasts, position maps, the dynamic models' rounds) and the scenario with its numbered sources.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module

from detente.models.compare import Comparison
from detente.report.forecasts import comparison_sections, scenario_section
from detente.report.html import render_html
from detente.report.section import Section
from detente.report.sensitivity import screening_section, sensitivity_section
from detente.report.summary import summary_section
from detente.scenario import Scenario

__all__ = [
    "ANALYSIS_SECTIONS",
    "LATE_ANALYSES",
    "MODEL_SECTIONS",
    "analysis_sections",
    "model_sections",
    "run_report",
]

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

LATE_ANALYSES = frozenset({"validation"})
"""Ids of analysis sections shown after "which estimates matter" rather than right after the summary."""

Step = Callable[[str], None]


def analysis_sections(
    scenario: Scenario, *, seed: int, on_step: Step | None = None, models: Sequence[str] | None = None
) -> list[Section]:
    """Sections of the registered analyses (road maps, deals, validation) that apply to ``scenario``.

    ``on_step(name)`` is called before each analysis (for progress displays). With ``models`` (the
    names of the models about to forecast), the "which estimates matter" screening for the model the
    report will choose among them is computed too (a
    :class:`~detente.report.sensitivity.ScreeningSection`; :func:`run_report` uses it when the choice
    holds). The result depends only on the scenario, the seed and ``models``, so it may be computed in
    another process.
    """
    out: list[Section] = []
    for module, func in ANALYSIS_SECTIONS:
        if on_step is not None:
            on_step(module.rsplit(".", 1)[-1])
        out.extend(getattr(import_module(module), func)(scenario, seed=seed))
    if models is not None:
        if on_step is not None:
            on_step("which estimates matter")
        screening = screening_section(scenario, models, seed=seed)
        out.extend([screening] if screening is not None else [])
    return out


def model_sections(scenario: Scenario, comparison: Comparison) -> list[Section]:
    """Sections that dynamic models add (trajectories, challenges, quadrant charts), for the appendix."""
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
    analyses: list[Section] | None = None,
    on_step: Step | None = None,
) -> str:
    """The whole ``detente run`` report as an HTML string.

    ``analyses`` are the sections of :func:`analysis_sections` when the caller computed them already
    (``detente run`` does, in parallel with the forecasts); ``on_step(name)`` names each step as it
    starts.
    """
    seed = comparison.seed or 0

    def step(name: str) -> None:
        if on_step is not None:
            on_step(name)

    step("summary")
    lead = [summary_section(scenario, comparison, seed=seed)]
    if analyses is None:
        analyses = analysis_sections(scenario, seed=seed, on_step=lambda n: step(n.replace("_", " ")))
    ready = next((s for s in analyses if s.id == "sensitivity"), None)
    analyses = [s for s in analyses if s.id != "sensitivity"]
    early = [s for s in analyses if s.id not in LATE_ANALYSES]
    late = [s for s in analyses if s.id in LATE_ANALYSES]
    step("which estimates matter")
    sensitivity = sensitivity_section(scenario, comparison, seed=seed, ready=ready)
    step("appendix: forecasts by model")
    appendix = comparison_sections(scenario, comparison)
    step("appendix: model internals")
    appendix += model_sections(scenario, comparison)
    step("scenario and sources")
    sections = [
        *lead,
        *early,
        *([sensitivity] if sensitivity is not None else []),
        *late,
        *(extra or []),
        *appendix,
        scenario_section(scenario),
    ]
    step("writing HTML")
    return render_html(
        scenario.name,
        sections,
        description=scenario.description,
        seed=comparison.seed,
        command=command,
        lead=len(lead),
    )
