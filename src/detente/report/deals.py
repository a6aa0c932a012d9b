"""Report sections for package deals and coalitions (registered in ``ANALYSIS_SECTIONS``).

:func:`deal_sections` returns, for a scenario with a shipped package file (the Korean big bargain),
who accepts and who vetoes each package, the smallest changes acceptable to every veto player, the
Nash and Kalai-Smorodinsky packages beside the package, Pareto frontiers for the file's issue pairs
and the exchanges of Stokman's model; and, for any scenario of up to :data:`MAX_COALITION_ACTORS`
actors, who can move the forecast (Shapley values, removals, alignments, the four-party coalition).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from markupsafe import Markup

from detente.deals.analysis import MAX_PACKAGE_ACTORS, DealAnalysis, analyse_coalitions, analyse_package
from detente.deals.bargain import issue_pair_grid, pareto_mask
from detente.deals.coalition import Effect, align_effect
from detente.deals.package import PackageFile, packages_for
from detente.deals.veto import judge, veto_indices
from detente.errors import ModelError, ParameterError
from detente.models import get_model, model_names
from detente.report._svg import figure_to_svg, new_figure
from detente.report.figures import MODEL_COLOURS, mpl_text
from detente.report.html import html_table
from detente.report.labels import actor_name, issue_name, model_label
from detente.report.section import Section
from detente.scenario import Scenario

__all__ = ["MAX_COALITION_ACTORS", "deal_sections"]

MAX_COALITION_ACTORS = 40
"""Largest scenario (in actors) for which the report computes coalition analyses."""

_P = Markup("<p>{}</p>")


def _p(text: str) -> Markup:
    return _P.format(text)


def deal_sections(scenario: Scenario, *, seed: int = 0) -> list[Section]:
    """Package and coalition sections for ``scenario`` ([] when neither applies)."""
    out: list[Section] = []
    book = packages_for(scenario)
    if book is not None and len(scenario.actors) <= MAX_PACKAGE_ACTORS:
        out.append(_package_section(scenario, book, seed))
    elif len(scenario.actors) <= MAX_PACKAGE_ACTORS:
        with contextlib.suppress(ModelError, ParameterError):
            out.append(_rounds_section(scenario))
    if len(scenario.actors) <= MAX_COALITION_ACTORS:
        # over the analysis's limits (many issues), the report goes without it
        with contextlib.suppress(ModelError):
            out.append(_coalition_section(scenario, book, seed))
    return out


# --- packages ------------------------------------------------------------------------------------


def _fmt(v: float) -> str:
    return f"{v:+.3f}"


def _package_section(scenario: Scenario, book: PackageFile, seed: int) -> Section:
    main = analyse_package(scenario, book.packages[0], book=book, seed=seed)
    subs = [
        _verdict_subsection(scenario, book, main),
        _amendment_subsection(scenario, main),
        _solutions_subsection(scenario, main),
        _frontier_subsection(scenario, book, main),
        _exchange_subsection(scenario, main),
    ]
    intro = _p(
        f"Each actor's utility of a package is 1 minus its salience-weighted distance from the package "
        f"(linear, risk-neutral), compared with its utility of the status quo. Packages come from the "
        f"shipped package file for this scenario ({len(book.packages)} packages); every term is quoted "
        f"from a source or marked as an analyst's estimate. Decision rule of '{book.packages[0].name}': "
        f"{book.packages[0].decision_rule.describe()}. Methods: docs/deals.md."
    )
    return Section("deals", "Package deals", intro, tuple(subs))


def _verdict_subsection(scenario: Scenario, book: PackageFile, main: DealAnalysis) -> Section:
    prefs, ref = main.prefs, main.reference
    rows: list[dict[str, Any]] = []
    bars: dict[str, np.ndarray] = {}
    for pkg in book.packages:
        x = pkg.vector(scenario)
        v = judge(prefs, x, ref, pkg.decision_rule)
        bars[pkg.name] = v.gains
        for r in v.actors:
            rows.append(
                {
                    "package": pkg.name,
                    "actor": actor_name(scenario, r.actor),
                    "utility": f"{r.utility:.3f}",
                    "status quo": f"{r.reference_utility:.3f}",
                    "gain": _fmt(r.gain),
                    "verdict": "vetoes" if r.vetoes else ("accepts" if r.accepts else "rejects"),
                }
            )
    for sol in (main.nash, main.kalai_smorodinsky):
        if sol.solved:
            bars[{"nash": "Nash package", "kalai-smorodinsky": "Kalai-Smorodinsky package"}[sol.kind]] = (
                sol.gains
            )
    if main.amendment.feasible:
        bars[f"{main.package.name}, amended"] = main.amendment.gains_after
    verdicts = []
    for p in book.packages:
        v = judge(prefs, p.vector(scenario), ref, p.decision_rule)
        verdicts.append(f"{p.name}: " + ("passes" if v.passes else "vetoed by " + _names(scenario, v.vetoes)))
    html = (
        _p("; ".join(verdicts) + ".")
        + Markup(
            figure_to_svg(
                _gains_figure([actor_name(scenario, a) for a in prefs.actor_ids], bars),
                title="Gain over the status quo per actor",
            )
        )
        + html_table(rows, numeric=["utility", "status quo", "gain"])
    )
    return Section("deals-verdict", "Who accepts and who vetoes", html)


def _names(scenario: Scenario, actor_ids: Sequence[str]) -> str:
    """Actors' names joined by commas."""
    return ", ".join(actor_name(scenario, a) for a in actor_ids)


def _gains_figure(actors: Sequence[str], bars: dict[str, np.ndarray]) -> Any:
    fig = new_figure(7.0, 3.2)
    ax = fig.add_subplot()
    n = len(bars)
    width = 0.8 / max(n, 1)
    x = np.arange(len(actors))
    for k, (label, gains) in enumerate(bars.items()):
        ax.bar(
            x + (k - (n - 1) / 2) * width, gains, width, label=mpl_text(label), color=MODEL_COLOURS[k % 10]
        )
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xticks(x, [mpl_text(a, 16) for a in actors], fontsize=8)
    ax.set_ylabel("gain over status quo (utility)")
    ax.set_title("Utility against the status quo: below zero, the actor would veto")
    ax.legend(fontsize=9, frameon=False, ncols=2)
    return fig


def _concession_rows(scenario: Scenario, main: DealAnalysis) -> list[dict[str, str]]:
    """Per actor (by name): gain before and after the amendment, and the issues (by name) it concedes on."""
    am, issues = main.amendment, main.prefs.issue_ids
    rows = []
    for k, actor in enumerate(main.prefs.actor_ids):
        c = main.concessions[k]
        gives = [f"{issue_name(scenario, issues[j])} ({c[j]:.3f})" for j in np.argsort(-c) if c[j] > 1e-6]
        rows.append(
            {
                "actor": actor_name(scenario, actor),
                "gain (package)": f"{am.gains_before[k]:+.3f}",
                "gain (amended)": f"{am.gains_after[k]:+.3f}",
                "net change": f"{am.gains_after[k] - am.gains_before[k]:+.3f}",
                "concedes on": ", ".join(gives) or "-",
            }
        )
    return rows


def _amendment_subsection(scenario: Scenario, main: DealAnalysis) -> Section:
    am = main.amendment
    if not am.feasible:
        return Section(
            "deals-amendment",
            "Smallest changes acceptable to all",
            _p("No package is acceptable to every veto player: some veto player loses under every package."),
        )
    rows = [
        {
            "issue": issue.name,
            "status quo": issue.format_position(main.reference[j]),
            "package": issue.format_position(main.x[j]),
            "amended": issue.format_position(am.package[j]),
            "change": f"{am.change[j]:+.1f}",
        }
        for j, issue in enumerate(scenario.issues)
    ]
    changed = [scenario.issues[j].name for j in np.flatnonzero(np.abs(am.change) > 0.05)]
    conc = _concession_rows(scenario, main)
    html = (
        _p(
            f"The smallest change to '{main.package.name}' that leaves no veto player worse off than the "
            f"status quo moves {am.distance:.1f} scale points in total (L1 norm: points moved, summed over "
            f"issues), on {len(changed)} issue(s): {', '.join(changed) or 'none'}."
        )
        + html_table(rows, numeric=["status quo", "package", "amended", "change"])
        + _p(
            "Who concedes what: utility each actor gives up on each issue in the amended package "
            "(positive numbers), and its gain before and after."
        )
        + html_table(conc, numeric=["gain (package)", "gain (amended)", "net change"])
    )
    return Section("deals-amendment", "Smallest changes acceptable to all", html)


def _solutions_subsection(scenario: Scenario, main: DealAnalysis) -> Section:
    sols = [("Nash", main.nash), ("Kalai-Smorodinsky", main.kalai_smorodinsky), ("maximin", main.maximin)]
    rows = []
    for j, issue in enumerate(scenario.issues):
        row = {
            "issue": issue.name,
            "status quo": issue.format_position(main.reference[j]),
            main.package.name: issue.format_position(main.x[j]),
        }
        for name, sol in sols:
            row[name] = issue.format_position(sol.package[j]) if sol.status != "infeasible" else "-"
        rows.append(row)
    gains = [
        {"actor": actor_name(scenario, a), main.package.name: _fmt(main.verdict.actors[k].gain)}
        | {name: _fmt(sol.gains[k]) for name, sol in sols}
        for k, a in enumerate(main.prefs.actor_ids)
    ]
    note = (
        "The Nash package maximises the product of the veto players' gains over the status quo; the "
        "Kalai-Smorodinsky package gives each the same share of the most it could gain; the maximin "
        "package maximises the smallest gain. All three are solved exactly (docs/deals.md)."
        if main.nash.solved
        else "No package makes every veto player strictly better off, so the Nash and Kalai-Smorodinsky "
        "packages do not exist; the table shows the maximin package."
    )
    cols = ["status quo", main.package.name, *[n for n, _ in sols]]
    html = _p(note) + html_table(rows, numeric=cols) + html_table(gains, numeric=cols[1:])
    return Section("deals-nash", f"The Nash package beside '{main.package.name}'", html)


def _frontier_subsection(scenario: Scenario, book: PackageFile, main: DealAnalysis) -> Section:
    pairs = list(book.frontier_pairs)
    if not pairs:
        order = np.argsort(-np.abs(main.x - main.reference), kind="stable")
        pairs = [(scenario.issue_ids[order[0]], scenario.issue_ids[order[1]])] if len(order) > 1 else []
    figs = [
        Markup(
            figure_to_svg(_pair_figure(scenario, main, pair), title=f"Pareto set: {pair[0]} and {pair[1]}")
        )
        for pair in pairs
    ]
    html = _p(
        "Packages that differ from the Nash package (or, without one, the amended package) only on "
        "two issues, on a 61 x 61 grid: dark "
        "dots are Pareto-optimal among them (no other grid package is at least as good for every actor "
        "and better for one); the green area is acceptable to every veto player. Markers show the "
        "status quo and the packages projected onto the two issues (their other terms differ)."
    ) + Markup("").join(figs)
    return Section("deals-frontier", "Pareto frontier for issue pairs", html)


def _pair_figure(scenario: Scenario, main: DealAnalysis, pair: tuple[str, str]) -> Any:
    prefs = main.prefs
    j, k = scenario.issue_ids.index(pair[0]), scenario.issue_ids.index(pair[1])
    if main.nash.solved:
        base = main.nash.package
    else:
        base = main.amendment.package if main.amendment.feasible else main.x
    n = 61
    P, U = issue_pair_grid(prefs, base, (j, k), n=n)
    veto = veto_indices(prefs, main.package.decision_rule)
    ok = np.all(U[:, veto] >= prefs.utility(main.reference)[veto] - 1e-9, axis=1).reshape(n, n)
    front = pareto_mask(U)
    fig = new_figure(5.2, 4.6)
    ax = fig.add_subplot()
    ax.imshow(ok, origin="lower", extent=(0, 100, 0, 100), cmap="Greens", vmin=0, vmax=2, alpha=0.8)
    ax.scatter(P[front, j], P[front, k], s=2, color="#333333", alpha=0.5, label="Pareto-optimal")
    for a, actor in enumerate(prefs.actor_ids):
        ax.annotate(
            mpl_text(actor_name(scenario, actor), 22),
            (prefs.ideal[a, j], prefs.ideal[a, k]),
            fontsize=9,
            color="#1d3557",
        )
        ax.plot(prefs.ideal[a, j], prefs.ideal[a, k], "o", ms=3, color="#1d3557")
    marks = [("status quo", main.reference, "s", "grey"), (main.package.name, main.x, "D", MODEL_COLOURS[0])]
    marks += [
        ("Nash", main.nash.package, "*", MODEL_COLOURS[1]),
        ("K-S", main.kalai_smorodinsky.package, "P", MODEL_COLOURS[2]),
    ]
    if main.amendment.feasible:
        marks.append(("amended", main.amendment.package, "X", MODEL_COLOURS[3]))
    for label, x, m, c in marks:
        ax.plot(x[j], x[k], m, ms=9, color=c, mec="black", label=mpl_text(label))
    issues = scenario.issues
    ax.set_xlabel(mpl_text(f"{issues[j].name} (0 = {issues[j].meaning_0})", 60), fontsize=9)
    ax.set_ylabel(mpl_text(f"{issues[k].name} (0 = {issues[k].meaning_0})", 50), fontsize=9)
    ax.set_xlim(-2, 102)
    ax.set_ylim(-2, 102)
    ax.legend(fontsize=9, frameon=True, loc="best")
    return fig


def _exchange_subsection(scenario: Scenario, main: DealAnalysis) -> Section:
    ex = main.exchange
    if not ex.exchanges:
        return Section(
            "deals-exchange", "Vote exchange (Stokman)", _p("No profitable exchange between any two actors.")
        )
    rows = [
        {
            "step": e.step,
            "actor": actor_name(scenario, e.actor_a),
            "gains on": issue_name(scenario, e.issue_a),
            "moves on": f"{issue_name(scenario, e.issue_b)} ({e.move_a:+.1f})",
            "partner": actor_name(scenario, e.actor_b),
            "partner moves": f"{issue_name(scenario, e.issue_a)} ({e.move_b:+.1f})",
            "gain each": f"{e.gain:.2f}",
        }
        for e in ex.exchanges
    ]
    outcome = [
        {"issue": issue_name(scenario, i), "before": f"{b:.1f}", "after exchanges": f"{a:.1f}"}
        for i, b, a in zip(ex.issue_ids, ex.outcomes_before, ex.outcomes_after, strict=True)
    ]
    html = (
        _p(
            f"{len(ex.exchanges)} equal-gain exchanges ({ex.status}): in each, two actors on opposite sides "
            "of the expected outcomes on two issues each move their vote on the issue they care less about. "
            "Gains are in salience x scale points; actors outside an exchange may lose from it."
        )
        + html_table(rows, numeric=["step", "gain each"])
        + html_table(outcome, numeric=["before", "after exchanges"])
    )
    return Section("deals-exchange", "Vote exchange (Stokman)", html)


# --- coalitions ----------------------------------------------------------------------------------


def _coalition_section(scenario: Scenario, book: PackageFile | None, seed: int) -> Section:
    model = get_model("compromise")
    exact = len(scenario.actors) <= 10
    result = analyse_coalitions(scenario, model, seed=seed, n_permutations=50)
    sh = result.shapley
    names = {i: issue_name(scenario, i) for i in scenario.issue_ids}
    rows = [
        {
            "actor": actor_name(scenario, a),
            **{names[i]: f"{v:+.2f}" for i, v in zip(sh.issue_ids, row, strict=True)},
        }
        for a, row in zip(sh.actor_ids, sh.values, strict=True)
    ]
    rows.append(
        {
            "actor": "total = forecast - without anyone",
            **{names[i]: f"{v:+.2f}" for i, v in zip(sh.issue_ids, sh.grand - sh.empty, strict=True)},
        }
    )
    effects = [
        {
            "change": _effect_label(scenario, e),
            **{names[i]: f"{v:+.2f}" for i, v in zip(e.issue_ids, e.change, strict=True)},
        }
        for e in (*result.removals, *result.alignments)
    ]
    how = "exactly, over all coalitions" if exact else f"from {sh.n_permutations} seeded random orderings"
    html = (
        _p(
            f"Shapley values of each actor on the compromise forecast, computed {how}: an actor's average "
            "contribution to moving the outcome away from where it would be without anyone (the status quo), "
            "in points of the 0-100 scale. They add up to the forecast's distance from the status quo."
        )
        + html_table(rows, numeric=[names[i] for i in sh.issue_ids])
        + _p(
            "How the compromise forecast changes when an actor or group leaves, or when a coalition's "
            "members adopt one common position (their capability x salience weighted mean; under the "
            "compromise model this alone never moves the forecast)."
        )
        + html_table(effects, numeric=list(names.values()))
    )
    subs = []
    if book is not None and book.coalitions:
        subs.append(_named_coalition_subsection(scenario, book, seed))
    return Section("coalitions", "Coalitions: who can move the outcome", html, tuple(subs))


def _effect_label(scenario: Scenario, e: Effect) -> str:
    """The label of a removal or alignment with actors' names (a label of the file's own stays)."""
    if e.label == "without " + ", ".join(e.actors):
        return "without " + _names(scenario, e.actors)
    if e.label == "aligned: " + ", ".join(e.actors):
        return "aligned: " + _names(scenario, e.actors)
    return e.label


def _named_coalition_subsection(scenario: Scenario, book: PackageFile, seed: int) -> Section:
    coalition = book.coalitions[0]
    package = book.packages[0]
    target = package.positions
    names = ["compromise", *[m for m in ("smp", "expected-utility") if m in model_names()]]
    effects: list[tuple[str, Effect]] = []
    for name in names:
        model = get_model(name)
        effects.append(
            (
                f"{model_label(name)}: aligned",
                align_effect(model, scenario, list(coalition.members), seed=seed),
            )
        )
        effects.append(
            (
                f"{model_label(name)}: pushing '{package.name}'",
                align_effect(model, scenario, list(coalition.members), target=target, seed=seed),
            )
        )
    rows = [
        {
            "model and coalition": label,
            **{
                issue_name(scenario, i): f"{b:.1f} -> {a:.1f}"
                for i, b, a in zip(e.issue_ids, e.before, e.after, strict=True)
            },
        }
        for label, e in effects
    ]
    fig = new_figure(7.0, 4.0)
    ax = fig.add_subplot()
    x = np.arange(len(scenario.issue_ids))
    width = 0.8 / len(effects)
    for k, (label, e) in enumerate(effects):
        ax.bar(
            x + (k - (len(effects) - 1) / 2) * width,
            e.change,
            width,
            label=mpl_text(label),
            color=MODEL_COLOURS[k % 10],
        )
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, [mpl_text(i.name, 14) for i in scenario.issues], fontsize=7)
    ax.set_ylabel("change of forecast (points)")
    ax.legend(fontsize=9, frameon=False, ncols=2)
    quote = f' The source: "{coalition.quote}" ({coalition.source}).' if coalition.quote else ""
    html = (
        _p(
            f"{coalition.name}: members {_names(scenario, coalition.members)}. Two cases per model: the "
            f"members adopt one common position, or all push the terms of '{package.name}'. Cells show "
            f"the forecast "
            f"before -> after.{quote}"
        )
        + Markup(figure_to_svg(fig, title=f"What the {coalition.name} changes"))
        + html_table(rows)
    )
    return Section("coalitions-named", f"What the {coalition.name} changes", html)


def _rounds_section(scenario: Scenario, rounds: int = 10) -> Section:
    """Decide's Equal Gain exchange model in rounds, for a scenario without a package (docs/exchange.md)."""
    from detente.deals.exchange_rounds import exchange_rounds

    r = exchange_rounds(scenario, rounds=rounds)
    rows = [
        {
            "issue": issue_name(scenario, issue),
            **{f"round {rd.number}": f"{rd.mean[k]:.1f}" for rd in r.rounds},
            "final": f"{r.outcomes_after[k]:.1f}",
        }
        for k, issue in enumerate(r.issue_ids)
    ]
    first = r.rounds[0].exchanges[:5]
    made = [
        {
            "actor": actor_name(scenario, e.actor_i),
            "moves on": f"{issue_name(scenario, e.issue_q)} ({e.move_i:+.1f})",
            "partner": actor_name(scenario, e.actor_j),
            "partner moves": f"{issue_name(scenario, e.issue_p)} ({e.move_j:+.1f})",
            "gain each": f"{e.gain:.3f}",
        }
        for e in first
    ]
    html = (
        _p(
            f"Stokman and van Oosten's exchange model, Equal Gain, {rounds} rounds as the Decide "
            "program runs them: in each round pairs of actors trade votes across issues they care "
            "about unequally, re-use a vote within the round, and then move part of the way to their "
            "voting positions. The table gives each issue's weighted mean position at each round's "
            "start (0-100)."
        )
        + html_table(rows, numeric=[c for c in rows[0] if c != "issue"] if rows else [])
        + _p(f"The first {len(made)} of round 1's {len(r.rounds[0].exchanges)} exchanges:")
        + html_table(made, numeric=["gain each"])
    )
    return Section("deals-exchange-rounds", "Vote exchange in rounds (Equal Gain)", html)
