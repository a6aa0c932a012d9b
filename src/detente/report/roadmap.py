"""Report sections for a road map: phase reach per policy, tension fan charts, failures, checks.

:func:`roadmap_sections` is registered in :data:`detente.report.run.ANALYSIS_SECTIONS`; it returns
``[]`` for a scenario without an embedded road map. :func:`roadmap_report_sections` builds the same
sections from results already computed (``detente roadmap`` could use it for a stand-alone report).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from markupsafe import Markup

from detente.process.analysis import check_roadmap
from detente.process.simulate import PolicyResult, simulate
from detente.process.spec import Process
from detente.report._svg import figure_to_svg, new_figure
from detente.report.figures import MODEL_COLOURS, mpl_text
from detente.report.html import html_table
from detente.report.labels import actor_name, issue_name
from detente.report.section import Section
from detente.scenario import Scenario

__all__ = ["REPORT_RUNS", "roadmap_report_sections", "roadmap_sections"]

REPORT_RUNS = 1000
"""Monte Carlo runs per policy in the ``detente run`` report."""

_P = Markup("<p>{}</p>")


def _p(text: str) -> Markup:
    return _P.format(text)


def roadmap_sections(scenario: Scenario, *, seed: int = 0) -> list[Section]:
    """The road-map sections for ``scenario`` ([] when no road map is defined for it)."""
    from detente.process.io import process_for_scenario

    process = process_for_scenario(scenario)
    if process is None:
        return []
    results = simulate(process, scenario, runs=REPORT_RUNS, seed=seed)
    return roadmap_report_sections(process, scenario, results, seed=seed)


def roadmap_report_sections(
    process: Process, scenario: Scenario, results: Sequence[PolicyResult], *, seed: int
) -> list[Section]:
    """One "Road map" section with its subsections, from simulated policies."""
    runs = results[0].runs if results else 0
    intro = _p(
        f"{process.name}. {process.description} Each policy was simulated {runs} times (seed {seed}); "
        f"one round is {process.time_step.length:g} {process.time_step.unit}. Probabilities carry 95% "
        "Wilson intervals: Monte Carlo precision with the file's numbers as given, not the uncertainty of "
        "those numbers (run `detente roadmap` for intervals with parameter uncertainty). A few numbers are "
        "fitted to event data; the rest are analyst's estimates; read the results as their consequences."
    )
    defs = Markup("").join(
        Markup("<dt>{}</dt><dd>{}</dd>").format(po.name, po.description or "(no description)")
        for po in process.policies
    )
    intro += Markup(
        '<h3 id="roadmap-policies">The policies compared</h3><dl class="policies">{}</dl>'
    ).format(defs)
    subs = (
        _assumptions_subsection(process, scenario),
        _phases_subsection(process, scenario),
        _reach_subsection(results),
        _tension_subsection(process, results),
        _outcomes_subsection(results),
        _failing_subsection(process, scenario, results),
        _positions_subsection(scenario, results),
        _checks_subsection(process, scenario, results),
    )
    return [Section("roadmap", "Road map", intro, subs)]


def _assumptions_subsection(process: Process, scenario: Scenario) -> Section:
    """The behavioural defaults, the policies' levers and the numbers that are fitted or ranged."""
    from detente.process.uncertainty import varied_numbers

    b = process.behaviour
    as_of = scenario.as_of
    generosity = "1/3 (Molander)" if b.generosity is None else f"{b.generosity:g}"
    text = (
        f"Behavioural defaults (in the file): prior belief that the other side carries on "
        f"{b.prior_at(as_of):g} as of {as_of or 'an undated scenario'} ({b.prior:g} before any dated "
        f"change), learning rate {b.learning:g}, generosity of generous tit for tat {generosity}; "
        f"discount {process.discount.value:g} per round; horizon {process.horizon} rounds."
    )
    baseline = process.policies[0]
    movers = process.actors()
    levers = [
        {
            "policy": po.name,
            "levers changed from the baseline": "(baseline)"
            if po is baseline
            else ", ".join(po.levers(baseline, movers)) + (" (a bundle)" if po.bundle else ""),
            "description": po.description,
        }
        for po in process.policies
    ]
    varied = [
        {"block": path, "number": name, "basis": how.replace("fitted:", "fitted: ")}
        for path, name, how in varied_numbers(process)
    ]
    html = _p(text) + html_table(levers)
    if varied:
        html += _p("Numbers fitted to event data, or estimated with a stated range:") + html_table(varied)
    return Section("roadmap-assumptions", "Assumptions and levers", html, collapsed=True)


def _phase_name(process: Process, phase_id: str) -> str:
    return next((ph.name for ph in process.phases if ph.id == phase_id), phase_id)


def _step_label(process: Process, scenario: Scenario, phase_id: str, actor_id: str) -> str:
    """A blamed step in words: "phase name: actor name (its moves in that phase, by name)"."""
    phase = next((ph for ph in process.phases if ph.id == phase_id), None)
    moves = [m.name for m in phase.moves if m.actor == actor_id] if phase is not None else []
    label = f"{_phase_name(process, phase_id)}: {actor_name(scenario, actor_id)}"
    return label + (f" ({'; '.join(moves)})" if moves else "")


def _phases_subsection(process: Process, scenario: Scenario) -> Section:
    rows = []
    for ph in process.phases:
        for m in ph.moves:
            rows.append(
                {
                    "phase": ph.name,
                    "move": m.name,
                    "actor": actor_name(scenario, m.actor),
                    "cost": f"{m.cost:g}",
                    "verification": m.verification,
                    "effects": ", ".join(f"{issue_name(scenario, k)} {v:+g}" for k, v in m.effects.items()),
                }
            )
    exits = "; ".join(
        f"{ph.name}: done after {ph.exit.sustain} rounds of compliance"
        + (f" by {ph.exit.quorum:.0%} of its actors" if ph.exit.quorum < 1 else "")
        + f", breaks down after {ph.exit.patience} rounds of breach"
        + (
            f", entered only at tension <= {ph.entry.max_tension:g}"
            if ph.entry.max_tension is not None
            else ""
        )
        for ph in process.phases
    )
    html = _p(exits + ".") + html_table(rows, numeric=["cost"])
    return Section("roadmap-phases", "Phases and moves", html, collapsed=True)


def _reach_figure(results: Sequence[PolicyResult]) -> Any:
    phases = list(results[0].setup.phases[1:])
    labels = [*phases, "complete"]
    fig = new_figure(6.5, 3.4)
    ax = fig.add_subplot(1, 1, 1)
    width = 0.8 / max(1, len(results))
    x = np.arange(len(labels))
    for n, pr in enumerate(results):
        rows = pr.reach_probabilities()[1:]
        p = np.array([r["probability"] for r in rows])
        lo = np.maximum(0.0, p - np.array([r["low"] for r in rows]))
        hi = np.maximum(0.0, np.array([r["high"] for r in rows]) - p)
        ax.bar(
            x + (n - (len(results) - 1) / 2) * width,
            p,
            width,
            yerr=[lo, hi],
            capsize=2,
            color=MODEL_COLOURS[n % len(MODEL_COLOURS)],
            label=mpl_text(pr.setup.policy.name),
        )
    ax.set_xticks(x, [mpl_text(f"reach {lab}" if lab != "complete" else lab) for lab in labels])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("probability")
    fig.legend(fontsize=9, ncols=min(6, len(results)), loc="outside lower center", frameon=False)
    return fig


def _reach_subsection(results: Sequence[PolicyResult]) -> Section:
    rows = []
    for pr in results:
        row: dict[str, Any] = {"policy": pr.setup.policy.name}
        for r in pr.reach_probabilities()[1:]:
            row[r["event"]] = f"{r['probability']:.2f} [{r['low']:.2f}, {r['high']:.2f}]"
        rows.append(row)
    html = Markup(
        figure_to_svg(_reach_figure(results), title="Probability of reaching each phase, per policy")
    ) + html_table(rows)
    return Section("roadmap-reach", "Phase reach per policy", html)


def _tension_figure(process: Process, results: Sequence[PolicyResult]) -> Any:
    n = len(results)
    cols = min(3, n)
    rows = -(-n // cols)
    fig = new_figure(6.5, 2.0 * rows + 0.4)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    threshold = process.tension.threshold
    for k, pr in enumerate(results):
        ax = axes[k // cols][k % cols]
        q = pr.tension_quantiles((0.05, 0.25, 0.5, 0.75, 0.95))
        t = np.arange(q.shape[1])
        colour = MODEL_COLOURS[k % len(MODEL_COLOURS)]
        ax.fill_between(t, q[0], q[4], color=colour, alpha=0.18, linewidth=0)
        ax.fill_between(t, q[1], q[3], color=colour, alpha=0.35, linewidth=0)
        ax.plot(t, q[2], color=colour, linewidth=1.2)
        ax.axhline(threshold, color="#b2182b", linewidth=0.8, linestyle="--")
        ax.set_title(mpl_text(pr.setup.policy.name), fontsize=9)
        ax.set_ylim(0, threshold * 1.15)
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(mpl_text(f"round ({process.time_step.unit})"))
    for row in axes:
        row[0].set_ylabel("tension")
    return fig


def _tension_subsection(process: Process, results: Sequence[PolicyResult]) -> Section:
    html = _p(
        "Median tension index (line), 25-75% band (dark) and 5-95% band (light) over runs; a run that "
        "ended keeps its last value. The dashed line is the escalation threshold "
        f"({process.tension.threshold:g})."
    ) + Markup(figure_to_svg(_tension_figure(process, results), title="Tension trajectories per policy"))
    return Section("roadmap-tension", "Tension trajectories", html)


def _outcomes_subsection(results: Sequence[PolicyResult]) -> Section:
    rows = []
    for pr in results:
        row: dict[str, Any] = {"policy": pr.setup.policy.name}
        for r in pr.outcome_probabilities():
            row[r["event"]] = f"{r['probability']:.3f} [{r['low']:.3f}, {r['high']:.3f}]"
        esc = pr.escalation_time[np.isfinite(pr.escalation_time)]
        row["median rounds to escalation"] = f"{np.median(esc):g}" if esc.size else "-"
        rows.append(row)
    html = _p(
        "Breakdown: the road map stops advancing (a phase saw its patience run out); actors keep "
        "interacting afterwards, so escalation can follow. Escalation: the tension index reached the "
        "threshold, at any time."
    ) + html_table(rows)
    return Section("roadmap-outcomes", "Breakdown and escalation", html)


def _failing_subsection(process: Process, scenario: Scenario, results: Sequence[PolicyResult]) -> Section:
    rows = []
    for pr in results:
        for f in pr.failing_steps()[:3]:
            rows.append(
                {
                    "policy": pr.setup.policy.name,
                    "step (phase: actor and moves)": _step_label(process, scenario, f["phase"], f["actor"]),
                    "breakdowns": f["breakdowns"],
                    "share of runs": f"{f['share_of_runs']:.1%}",
                }
            )
    if not rows:
        return Section("roadmap-failing", "Which step fails most", _p("No run broke down."))
    html = _p(
        "For each breakdown, the actor that breached most often during the final streak of breaches is "
        "blamed, with its moves in that phase; the three most frequent steps per policy."
    ) + html_table(rows, numeric=["breakdowns", "share of runs"])
    return Section("roadmap-failing", "Which step fails most", html)


def _positions_subsection(scenario: Scenario, results: Sequence[PolicyResult]) -> Section:
    issues = results[0].setup.issues
    rows = []
    for n, iss in enumerate(issues):
        row: dict[str, Any] = {
            "issue": issue_name(scenario, iss),
            "start": f"{results[0].setup.start[n]:.0f}",
        }
        for pr in results:
            s = pr.position_summary()[n]
            row[pr.setup.policy.name] = f"{s['mean']:.0f} [{s['p05']:.0f}-{s['p95']:.0f}]"
        rows.append(row)
    html = _p(
        "Final issue positions (0-100 scales of the scenario): mean and 5-95% range over runs. Moves "
        "change positions when their phase is completed; escalation applies the file's escalation effects."
    ) + html_table(rows)
    return Section("roadmap-positions", "Final issue positions", html)


def _checks_subsection(process: Process, scenario: Scenario, results: Sequence[PolicyResult]) -> Section:
    def step(r: dict[str, Any]) -> str:
        return f"{_phase_name(process, r['phase'])}: {actor_name(scenario, r['actor'])}"

    rows = []
    for pr in results:
        rep = check_roadmap(pr.setup)
        fails = [step(r) for r in rep["self_enforcement"] if not r["holds"]]
        com = [_phase_name(process, r["phase"]) for r in rep["commitment"] if not r["holds"]]
        insp = [step(r) for r in rep["inspection"] if not r["holds"]]
        sch = rep["schedule"]
        rows.append(
            {
                "policy": pr.setup.policy.name,
                "steps not self-enforcing": ", ".join(fails) or "none",
                "commitment problem at": ", ".join(com) or "none",
                "inspections fail to deter": ", ".join(insp) or "none",
                "smallest schedule": "none found"
                if sch["steps"] is None
                else f"{sch['steps']} step(s): " + ", ".join(f"{x:.0%}" for x in sch["fractions"]),
            }
        )
    rc = check_roadmap(results[0].setup)["richardson"]
    html = _p(
        "Self-enforcement: each step's cost against the discounted value of finishing minus the value of "
        "reneging. Commitment problem: whether a dismantling step shifts power faster than the other side "
        "can credibly compensate (guarantees count). Inspection game: whether inspection rate x detection "
        "deters a breach. Smallest schedule: the fewest equal-terms steps of the pooled trade that pass all "
        f"three. Tension model: {'stable' if rc['stable'] else 'UNSTABLE'} (mn > ab); equilibrium index "
        f"{rc['index_with_shocks']:.0f} with tests and exercises, {rc['index_frozen_complying']:.0f} under a "
        "kept freeze."
    ) + html_table(rows)
    return Section("roadmap-checks", "Analytic checks", html, collapsed=True)
