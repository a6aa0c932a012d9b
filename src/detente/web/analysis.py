"""What the workbench computes: the fast forecasts on every edit, and the slow runs queued as jobs.

Everything here calls the same pure functions as the command line: :func:`compare_models` (as
``detente run`` and ``detente forecast``), :func:`summary_section` and :func:`run_report` (as
``detente run``'s report), :func:`simulate` and :func:`roadmap_report_sections` (as ``detente
roadmap`` and the report), :func:`deal_sections` (as the report's deals and coalitions),
:func:`detente.deals.advice.advise` (as ``detente advise``).

Fast models (:data:`FAST_MODELS`) each take under 0.1 s on the Korean scenario and re-run on every
edit; the Monte Carlo expected-utility model (about 6 s) runs only as a queued job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from importlib import import_module
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from detente.models import ALL_MODELS, get_model
from detente.models.compare import Comparison, compare_models
from detente.report.section import Section
from detente.scenario import Scenario
from detente.web.jobs import JobResult, Progress

__all__ = [
    "FAST_MODELS",
    "SLOW_KINDS",
    "SectionCache",
    "fast_forecasts",
    "forecast_grid",
    "render_sections",
    "report_css",
    "slow_job",
]

FAST_MODELS: tuple[str, ...] = tuple(m.name for m in ALL_MODELS if m.name != "expected-utility-mc")
"""Models re-run on every edit (each under 0.1 s on the Korean scenario, measured)."""

SLOW_KINDS: dict[str, str] = {
    "roadmap": "Road map (Monte Carlo, 1,000 runs per policy)",
    "deals": "Package deals and coalitions",
    "mc": "Expected utility, Monte Carlo (expected-utility-mc)",
    "report": "Full report (every model and analysis, as detente run)",
}
"""Kinds of queued runs, with what each computes."""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_SECTIONS = _ENV.from_string(
    "{% macro render(s, level) %}"
    '<section id="{{ s.id }}"><h{{ level }}>{{ s.title }}</h{{ level }}>{{ s.html }}'
    "{% for t in s.subsections %}{{ render(t, level + 1) }}{% endfor %}</section>"
    "{% endmacro %}{% for s in sections %}{{ render(s, 2) }}{% endfor %}"
)


def render_sections(sections: Sequence[Section]) -> Markup:
    """Report sections as one HTML fragment (titles escaped; bodies are the sections' trusted HTML)."""
    return Markup(_SECTIONS.render(sections=list(sections)))


def report_css() -> str:
    """The report's own style sheet (from its template), so that sections look the same in the workbench."""
    text = files("detente.report").joinpath("templates/report.html.j2").read_text("utf-8")
    start, end = text.find("<style>"), text.find("</style>")
    return text[start + len("<style>") : end] if 0 <= start < end else ""


def fast_forecasts(scenario: Scenario, *, seed: int = 0) -> Comparison:
    """Forecasts of every fast model (:data:`FAST_MODELS`), as ``detente run`` computes them."""
    return compare_models(scenario, [get_model(name) for name in FAST_MODELS], seed=seed)


def forecast_grid(comparison: Comparison) -> dict[str, dict[str, float]]:
    """``{model: {issue id: forecast position}}`` of a comparison, for the JSON API and the deltas."""
    return {f.model: {x.issue: x.position for x in f.issues} for f in comparison.forecasts}


class SectionCache:
    """Sections computed by finished jobs, by (scenario id, state, analysis): the report job reuses them."""

    def __init__(self) -> None:
        self._data: dict[tuple[int, str, str], list[Section]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str, str]) -> list[Section] | None:
        """The cached sections, or None."""
        with self._lock:
            return self._data.get(key)

    def put(self, key: tuple[int, str, str], sections: list[Section]) -> None:
        """Keep sections (the cache holds the last 64 entries)."""
        with self._lock:
            self._data[key] = sections
            while len(self._data) > 64:
                self._data.pop(next(iter(self._data)))


def _roadmap(scenario: Scenario, seed: int, progress: Progress) -> list[Section]:
    from detente.process.io import process_for_scenario
    from detente.process.simulate import simulate
    from detente.report.roadmap import REPORT_RUNS, roadmap_report_sections

    process = process_for_scenario(scenario)
    if process is None:
        return []
    results = simulate(
        process,
        scenario,
        runs=REPORT_RUNS,
        seed=seed,
        on_progress=lambda done, total: progress(done / max(total, 1), f"road map: batch {done} of {total}"),
    )
    return roadmap_report_sections(process, scenario, results, seed=seed)


def _mc(scenario: Scenario, seed: int, progress: Progress) -> list[Section]:
    from detente.report.expected_utility import expected_utility_sections
    from detente.report.html import html_table
    from detente.report.tables import forecast_table

    model = get_model("expected-utility-mc")
    comparison = compare_models(
        scenario, [model], seed=seed, on_round=lambda _name, r: progress(0.0, f"round {r.index}")
    )
    if not comparison.forecasts:
        reasons = "; ".join(comparison.failures.values())
        return [Section("mc", "Expected utility, Monte Carlo", Markup("<p>{}</p>").format(reasons))]
    rows = forecast_table(scenario, comparison.forecasts)
    table = html_table(rows, ["issue", *[k for k in rows[0] if k not in ("issue", "id")]])
    sections = [Section("mc", "Expected utility, Monte Carlo: forecasts", table)]
    return sections + expected_utility_sections(comparison.forecasts[0], scenario)


def _analysis_sections(
    scenario: Scenario, seed: int, cached: Callable[[str], list[Section] | None], progress: Progress
) -> list[Section]:
    """The report's analyses (:data:`detente.report.run.ANALYSIS_SECTIONS`), reusing cached ones."""
    from detente.report.run import ANALYSIS_SECTIONS

    out: list[Section] = []
    for k, (module, func) in enumerate(ANALYSIS_SECTIONS):
        name = module.rsplit(".", 1)[-1]
        progress(0.5 + 0.3 * k / len(ANALYSIS_SECTIONS), f"report: {name}")
        found = cached(name)
        out.extend(found if found is not None else getattr(import_module(module), func)(scenario, seed=seed))
    return out


def _report(
    scenario: Scenario,
    seed: int,
    cached: Callable[[str], list[Section] | None],
    progress: Progress,
    target: Path,
) -> None:
    from detente.report.run import run_report

    models = [cls() for cls in ALL_MODELS]
    done = iter(range(len(models)))
    comparison = compare_models(
        scenario,
        models,
        seed=seed,
        on_model=lambda name: progress(0.5 * next(done) / len(models), f"report: forecasting with {name}"),
        on_round=lambda name, r: progress(-1.0, f"report: {name}, round {r.index}"),
    )
    analyses = _analysis_sections(scenario, seed, cached, progress)
    html = run_report(
        scenario,
        comparison,
        command="detente serve (workbench)",
        analyses=analyses,
        on_step=lambda step: progress(0.85, f"report: {step}"),
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")


def slow_job(
    kind: str,
    scenario: Scenario,
    *,
    seed: int,
    cache: SectionCache,
    key: tuple[int, str],
    workspace: Path,
    run_name: Callable[[], str],
) -> Callable[[Progress], JobResult]:
    """The work of a queued run of ``kind`` (one of :data:`SLOW_KINDS`) on a scenario.

    Parameters
    ----------
    kind : str
        What to run.
    scenario : Scenario
        The scenario as edited.
    seed : int
        Seed of every random draw (the command line's ``--seed``).
    cache : SectionCache
        Sections of earlier runs on the same state, reused by the report.
    key : tuple of (int, str)
        (scenario id, state) of the run.
    workspace : Path
        The workspace folder; the report is written to ``reports/<name>/report.html`` inside it.
    run_name : callable
        Returns the folder name for the report (the run id, known once the run is queued).
    """
    sid, state = key

    def cached(name: str) -> list[Section] | None:
        return cache.get((sid, state, name))

    def work(progress: Progress) -> JobResult:
        # progress(-1, ...) reports a message without a fraction: keep the last fraction
        last = [0.0]

        def report(fraction: float, message: str) -> None:
            if fraction >= 0:
                last[0] = fraction
            progress(last[0], message)

        if kind == "roadmap":
            sections = _roadmap(scenario, seed, report)
            cache.put((sid, state, "roadmap"), sections)
            if not sections:
                return JobResult(html="<p>No road map is defined for this scenario's actors and issues.</p>")
            return JobResult(html=str(render_sections(sections)))
        if kind == "deals":
            from detente.report.deals import deal_sections

            report(0.1, "deals: packages, vetoes, exchanges and coalitions")
            sections = deal_sections(scenario, seed=seed)
            cache.put((sid, state, "deals"), sections)
            if not sections:
                return JobResult(html="<p>No package or coalition analysis applies to this scenario.</p>")
            return JobResult(html=str(render_sections(sections)))
        if kind == "mc":
            return JobResult(html=str(render_sections(_mc(scenario, seed, lambda f, m: report(-1.0, m)))))
        if kind == "report":
            relative = Path("reports") / run_name() / "report.html"
            _report(scenario, seed, cached, report, workspace / relative)
            return JobResult(
                html="<p>The report is ready.</p>",
                file=relative.as_posix(),
            )
        raise ValueError(f"unknown kind of run {kind!r}")

    return work


def summary_html(scenario: Scenario, comparison: Comparison, *, seed: int = 0) -> Markup:
    """The report's summary section (most likely outcome per issue) for the fast models' forecasts."""
    from detente.report.summary import summary_section

    return render_sections([summary_section(scenario, comparison, seed=seed)])


def advice_html(scenario: Scenario, actor: str, *, seed: int = 0) -> Markup:
    """``detente advise``'s sections for one actor (its levers ranked by its net gain)."""
    from detente.deals.advice import advise
    from detente.report.advice import advice_sections

    return render_sections(advice_sections(advise(scenario, actor, seed=seed)))


def ledger_rows(store: str) -> tuple[list[dict[str, Any]], str]:
    """The forecast ledger's forecasts as ``detente ledger show`` lists them, and a note.

    ``store`` is the ledger's path or URL, given on the command line (never by a request).
    """
    from detente.commands.ledger import _forecast_rows
    from detente.ledger.score import latest_resolutions
    from detente.ledger.store import open_ledger

    if "://" not in store and not Path(store).expanduser().exists():
        return [], (
            f"There is no forecast ledger at {store}: issue forecasts with detente ledger issue, "
            "or start the workbench with --ledger PATH."
        )
    records = open_ledger(store).records()
    resolved = latest_resolutions(records)
    rows = _forecast_rows([r for r in records if r.kind == "forecast"])
    for row in rows:
        res = resolved.get(row["id"])
        row["outcome"] = "-" if res is None else str(res.content["outcome"])
    return rows, f"{len(rows)} forecasts, {len(resolved)} resolved"
