"""Report sections for an experiment's analyses: what moves the forecast, what ranks levers, when it fails.

Built from the results of :mod:`detente.experiments.analysis` (nothing is run here):

- :func:`sensitivity_section` -- a Sobol, Morris or rank-regression result as a bar chart with
  intervals and the ranked table of inputs, opening with its conclusion;
- :func:`ranked_inputs_section` -- "which estimates move the forecast most", one table per outcome;
- :func:`ranking_dependence_section` -- whether the ranking of two levers depends on the inputs;
- :func:`prim_section` -- PRIM boxes as a table, the peeling trajectory and the box limits, and
  the signposts to watch;
- :func:`experiment_analysis_section` -- all of them under one heading.

Every name from a scenario or an experiment is escaped (HTML via :mod:`markupsafe`, figure text via
:func:`~detente.report.figures.mpl_text`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
from markupsafe import Markup

from detente.experiments.analysis import (
    InputInfo,
    MorrisResult,
    PrimResult,
    RankingDependence,
    RegressionResult,
    ScenarioBox,
    SensitivityResult,
    SobolResult,
    rank_inputs,
    signposts,
)
from detente.report._svg import figure_to_svg, new_figure
from detente.report.figures import MODEL_COLOURS, mpl_text
from detente.report.html import html_table
from detente.report.section import Section

__all__ = [
    "experiment_analysis_section",
    "prim_figure",
    "prim_section",
    "ranked_inputs_section",
    "ranking_dependence_section",
    "sensitivity_conclusion",
    "sensitivity_figure",
    "sensitivity_section",
]

Inputs = Sequence[InputInfo] | Mapping[str, InputInfo] | None

_P = Markup("<p>{}</p>")
_NOTE = Markup('<p class="note">{}</p>')
_FIGURE = Markup('<div class="figure">{}</div>')


def _p(text: str) -> Markup:
    return _P.format(text)


def _warn(notes: Sequence[str]) -> Markup:
    if not notes:
        return Markup("")
    items = Markup("").join(Markup("<li>{}</li>").format(n) for n in notes)
    return Markup('<div class="warn"><p>Check before reading:</p><ul>{}</ul></div>').format(items)


def _slug(*parts: str) -> str:
    text = "-".join(p for p in parts if p)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _what(result: SensitivityResult) -> str:
    """Name the outcome and lever: ``'P(complete)' under engagement``."""
    name = f"'{result.outcome}'" if result.outcome else "the outcome"
    return name + (f" under {result.lever}" if result.lever else "")


def _figure_of(result: SensitivityResult, i: int) -> str:
    lo, hi = result.influence_interval
    return f"{result.measure} {result.influence[i]:.2f} [{lo[i]:.2f}, {hi[i]:.2f}]"


# ----------------------------------------------------------------------------------- sensitivity


def sensitivity_conclusion(result: SensitivityResult, *, top: int = 3) -> str:
    """The section's first sentence: what the outcome depends on most, and what it does not."""
    order = result.order()
    neg = result.negligible
    lead = [i for i in order[:top] if not neg[i]]
    what = _what(result)
    if not lead:
        return f"No input moves {what} beyond the negligible threshold over the sampled ranges."
    first, rest = lead[0], lead[1:]
    text = f"{what[:1].upper()}{what[1:]} depends most on {result.names[first]} ({_figure_of(result, first)})"
    if rest:
        text += ", then " + ", ".join(f"{result.names[i]} ({_figure_of(result, i)})" for i in rest)
    text += "."
    n_neg = int(neg.sum())
    if n_neg:
        names = [result.names[i] for i in order if neg[i]]
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        text += (
            f" {n_neg} of {len(result.names)} inputs have negligible influence ({shown}): they could be "
            "fixed at their baseline."
        )
    if isinstance(result, SobolResult):
        inter = 1.0 - float(np.nansum(result.S1))
        if inter > 0.1:
            text += f" Interactions between inputs account for about {inter:.0%} of the variance."
    return text


def _method_text(result: SensitivityResult) -> str:
    """What the numbers are and what they are conditional on."""
    cond = (
        f"Conditioning: {_what(result)} as the model computes it when the inputs vary together over "
        "their sampled ranges; another range gives other indices."
    )
    if isinstance(result, SobolResult):
        return (
            f"Sobol indices (SALib) from a Saltelli design: base sample {result.n_base}, "
            f"{result.n_runs} runs; "
            f"{result.conf_level:.0%} bootstrap intervals. ST is the share of the outcome's variance that "
            "involves the input at all (alone or with others); S1 the share due to it alone. An input with "
            f"ST below {result.threshold:g} or an interval reaching 0 is marked negligible. {cond}"
        )
    if isinstance(result, MorrisResult):
        return (
            f"Morris screening (SALib): {result.n_trajectories} trajectories, {result.n_runs} runs. mu* is "
            "the mean absolute change of the outcome when the input moves across its range (scaled to 0-1) "
            "one step at a time, with its "
            f"{result.conf_level:.0%} bootstrap interval; sigma large against mu* means interactions or "
            f"curvature. mu* below {result.threshold:.0%} of the largest is marked negligible. {cond}"
        )
    if isinstance(result, RegressionResult):
        return (
            f"Standardized rank regression coefficients (statsmodels OLS on ranks) from a {result.sampler} "
            f"sample of {result.n_runs} runs, with {result.conf_level:.0%} intervals; the sign gives the "
            f"direction. The rank regression explains {result.r2:.0%} of the variance of the ranks. "
            f"|SRRC| below {result.threshold:g} or an interval containing 0 is marked negligible. {cond}"
        )
    return cond


def sensitivity_figure(result: SensitivityResult, *, top_k: int = 10) -> str:
    """Horizontal bars of the top ``top_k`` inputs with interval whiskers, as inline SVG.

    Sobol: ST and S1 side by side; Morris: mu*; rank regression: |SRRC| (coloured by sign).
    """
    idx = result.order()[:top_k]
    k = len(idx)
    fig = new_figure(6.5, 0.9 + 0.32 * k)
    ax = fig.add_subplot()
    rows = np.arange(k)[::-1]
    labels = [mpl_text(result.names[i]) for i in idx]
    lo, hi = result.influence_interval
    val = result.influence[idx]
    err = [np.maximum(0, val - lo[idx]), np.maximum(0, hi[idx] - val)]
    if isinstance(result, SobolResult):
        h = 0.38
        ax.barh(rows + h / 2, val, h, xerr=err, capsize=2, color=MODEL_COLOURS[0], label="ST (total)")
        s1 = result.S1[idx]
        ax.barh(
            rows - h / 2,
            s1,
            h,
            xerr=result.S1_conf[idx],
            capsize=2,
            color=MODEL_COLOURS[2],
            label="S1 (first order)",
        )
        ax.axvline(result.threshold, color="#888888", linestyle=":", linewidth=0.8)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        ax.set_xlabel("share of the outcome's variance")
    else:
        if isinstance(result, RegressionResult):
            colours = [MODEL_COLOURS[0] if result.srrc[i] >= 0 else MODEL_COLOURS[1] for i in idx]
        else:
            colours = [MODEL_COLOURS[0]] * k
        ax.barh(rows, val, 0.6, xerr=err, capsize=2, color=colours)
        ax.set_xlabel(
            "|SRRC| (green: raises the outcome, orange: lowers it)"
            if isinstance(result, RegressionResult)
            else "mu* (outcome units per input range)"
        )
    ax.axvline(0, color="#444444", linewidth=0.6)
    ax.set_yticks(rows, labels, fontsize=8)
    ax.set_title(mpl_text(_what(result), 90), fontsize=9)
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    return figure_to_svg(fig, title=f"{result.measure} per input: {_what(result)}")


def _ranked_table(result: SensitivityResult, inputs: Inputs) -> Markup:
    ranked = rank_inputs(result, inputs)
    rows = [r.row() for r in ranked]
    classes = {k: "estimate" for k, r in enumerate(ranked) if r.kind == "estimate"}
    return html_table(rows, numeric=["rank", result.measure], classes=classes)


def sensitivity_section(
    result: SensitivityResult,
    inputs: Inputs = None,
    *,
    top_k: int = 10,
    section_id: str | None = None,
    title: str | None = None,
) -> Section:
    """One outcome's sensitivity: conclusion, what the numbers are, warnings, chart, ranked table.

    Parameters
    ----------
    result : SensitivityResult
        A Sobol, Morris or rank-regression result.
    inputs : sequence or mapping of InputInfo, optional
        Kinds, ranges and rationales of the inputs, for the table.
    top_k : int
        Inputs shown in the chart (the table shows all).
    section_id, title : str, optional
        Anchor and heading; derived from the outcome and lever when not given.
    """
    html = (
        _p(sensitivity_conclusion(result))
        + _warn(result.warnings)
        + _FIGURE.format(Markup(sensitivity_figure(result, top_k=top_k)))
        + _NOTE.format(_method_text(result))
        + _ranked_table(result, inputs)
    )
    return Section(
        section_id or _slug("sensitivity", result.lever, result.outcome),
        title or f"What moves {result.outcome}" + (f" under {result.lever}" if result.lever else ""),
        html,
    )


def ranked_inputs_section(
    results: Sequence[SensitivityResult],
    inputs: Inputs = None,
    *,
    section_id: str = "experiment-ranking",
    title: str = "Which estimates move the forecast most",
) -> Section:
    """One ranked table of inputs per (lever, outcome): the estimates worth a second look first.

    Each table lists the inputs by influence, with their kind (analyst's estimate, road-map range,
    fitted, user), sampled range and index with its interval; negligible inputs are marked.
    """
    if not results:
        return Section(section_id, title, _p("No outcome was analysed."))
    estimates: list[str] = []
    info = dict(inputs) if isinstance(inputs, Mapping) else {i.name: i for i in inputs or ()}
    parts = []
    for res in results:
        top = res.order()[0]
        if not res.negligible[top] and info.get(res.names[top], InputInfo("")).kind == "estimate":
            estimates.append(f"{res.names[top]} for {_what(res)}")
        parts.append(
            _p(sensitivity_conclusion(res, top=2)) + _warn(res.warnings) + _ranked_table(res, inputs)
        )
    lead = (
        "The analyst's estimates that matter most: " + "; ".join(estimates) + "."
        if estimates
        else "No analyst's estimate leads any outcome's ranking."
    )
    html = (
        _p(lead)
        + _NOTE.format(
            "Rows in amber are analyst's estimates: a better-sourced value for them would change the "
            "forecast most. Inputs marked negligible could be fixed at their baseline."
        )
        + Markup("").join(parts)
    )
    return Section(section_id, title, html)


# ----------------------------------------------------------------------------- ranking dependence


def ranking_dependence_section(
    rd: RankingDependence,
    inputs: Inputs = None,
    *,
    top_k: int = 8,
    section_id: str | None = None,
) -> Section:
    """Whether the ranking of two levers depends on the inputs, and which inputs decide it."""
    a, b = rd.lever_a, rd.lever_b
    share = f"{rd.share_a_better:.0%} [{rd.share_low:.0%}, {rd.share_high:.0%}]"
    better = "higher" if rd.higher_is_better else "lower"
    if rd.indicator is None:
        winner = a if rd.share_a_better >= 0.5 else b
        lead = (
            f"{winner} gives the better '{rd.outcome}' in every sampled case: the ranking of {a} and {b} "
            "does not depend on the inputs over their ranges."
        )
    else:
        dec = rd.decisive
        res = rd.indicator
        named = ", ".join(f"{n} ({_figure_of(res, res.names.index(n))})" for n in dec[:3])
        lead = f"{a} beats {b} on '{rd.outcome}' in {share} of the sampled cases; which one wins depends " + (
            f"most on {named}." if dec else "on no single input beyond the negligible threshold."
        )
    html = _p(lead) + _NOTE.format(
        f"Both levers ran on the same input samples; a lever beats the other when its '{rd.outcome}' is "
        f"{better}. Share with its 95% Wilson interval ({rd.n_ties} ties count as not beating). The first "
        "chart analyses the indicator 'A beats B' (what decides the winner); the second the difference "
        "A - B (what moves the margin)."
    )
    for res in (rd.indicator, rd.difference):
        if res is None:
            continue
        html += _warn(res.warnings) + _FIGURE.format(Markup(sensitivity_figure(res, top_k=top_k)))
    if rd.indicator is not None:
        html += _ranked_table(rd.indicator, inputs)
    return Section(
        section_id or _slug("ranking", rd.outcome, a, b),
        f"Does the ranking of {a} and {b} depend on the inputs?",
        html,
    )


# ------------------------------------------------------------------------------------------- PRIM


def prim_figure(result: PrimResult, box: ScenarioBox) -> str:
    """The peeling trajectory (coverage vs density, chosen box marked) and the box's limits.

    Left: each step of PRIM's peeling and pasting as a point, coloured by the number of restricted
    inputs; the chosen box is ringed. Right: the box's limits on each restricted input, drawn on the
    input's sampled range scaled to 0-1 (a categorical input shows the share of its choices kept).
    """
    fig = new_figure(6.8, 2.9)
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.0, 1.1])
    cov = np.asarray(box.trajectory["coverage"])
    den = np.asarray(box.trajectory["density"])
    res = np.asarray(box.trajectory["res_dim"])
    sc = ax1.scatter(cov, den, c=res, cmap="viridis", s=14, zorder=3)
    ax1.scatter(
        [box.coverage],
        [box.density],
        s=110,
        facecolors="none",
        edgecolors="#b2182b",
        linewidths=1.6,
        zorder=4,
        label="chosen box",
    )
    ax1.axhline(result.threshold, color="#888888", linestyle="--", linewidth=0.8)
    ax1.set_xlabel("coverage")
    ax1.set_ylabel("density")
    ax1.set_xlim(-0.03, 1.03)
    ax1.set_ylim(0, 1.03)
    ax1.legend(fontsize=7, frameon=False, loc="lower left")
    fig.colorbar(sc, ax=ax1, label="restricted inputs", shrink=0.8)
    ax1.set_title(mpl_text(f"Box {box.index}: peeling trajectory"), fontsize=9)
    n = len(box.limits)
    rows = np.arange(n)[::-1]
    for r, lim in zip(rows, box.limits, strict=True):
        if lim.choices is not None:
            total = len(lim.all_choices or lim.choices)
            lo, hi = 0.0, len(lim.choices) / max(total, 1)
            label = mpl_text(f"{lim.name} = {', '.join(lim.choices)}", 40)
        else:
            f_lo = lim.full_low if lim.full_low is not None else 0.0
            f_hi = lim.full_high if lim.full_high is not None else 1.0
            span = (f_hi - f_lo) or 1.0
            lo = ((lim.low if lim.low is not None else f_lo) - f_lo) / span
            hi = ((lim.high if lim.high is not None else f_hi) - f_lo) / span
            label = mpl_text(lim.condition(), 40)
        ax2.barh(r, 1.0, 0.5, color="#eeeeee", edgecolor="#bbbbbb", linewidth=0.5)
        ax2.barh(r, hi - lo, 0.5, left=lo, color=MODEL_COLOURS[0])
        ax2.text(0.5, r + 0.33, label, ha="center", va="bottom", fontsize=7)
    ax2.set_yticks(rows, [mpl_text(lim.name) for lim in box.limits], fontsize=8)
    ax2.set_xlim(0, 1)
    ax2.set_ylim(-0.6, n - 0.2)
    ax2.set_xlabel("position in the sampled range (0-1)")
    ax2.set_title("Box limits", fontsize=9)
    return figure_to_svg(fig, title=f"PRIM box {box.index} for {result.case}")


def prim_section(result: PrimResult, inputs: Inputs = None, *, section_id: str | None = None) -> Section:
    """Scenario discovery for one case of interest: signposts first, then the boxes and their plots.

    Parameters
    ----------
    result : PrimResult
        Boxes from :func:`detente.experiments.analysis.prim_boxes`.
    inputs : sequence or mapping of InputInfo, optional
        Baselines (current values) of the inputs, for the signposts.
    section_id : str, optional
        Anchor; derived from the case and lever when not given.
    """
    sentences = signposts(result, inputs)
    under = f" under {result.lever}" if result.lever else ""
    html = _p(sentences[0])
    if len(sentences) > 1:
        html += Markup("<ul>{}</ul>").format(
            Markup("").join(Markup("<li>{}</li>").format(s) for s in sentences[1:])
        )
    html += _warn(result.warnings)
    html += _NOTE.format(
        f"PRIM (EMA Workbench) searched {result.n_runs} runs{under} for regions of the inputs where "
        f"'{result.case}' is concentrated ({result.n_of_interest} cases, base rate {result.base_rate:.0%}). "
        "Coverage: the share of all such cases that fall in the box. Density: the share of runs in the box "
        f"that are such cases; a box had to reach {result.threshold:.0%}. Mass: the share of all runs in the "
        "box. Each later box is searched among the runs outside the earlier ones. On each peeling trajectory "
        "the box closest to full coverage and full density is chosen. A restricted input is a signpost; "
        "its limit, the trigger value."
    )
    if result.boxes:
        rows = [
            {
                "box": b.index,
                "conditions": b.conditions(),
                "coverage": f"{b.coverage:.0%}",
                "density": f"{b.density:.0%}",
                "mass": f"{b.mass:.0%}",
                "runs in box": b.n_cases,
                "cases in box": b.n_of_interest,
            }
            for b in result.boxes
        ]
        html += html_table(
            rows, numeric=["box", "coverage", "density", "mass", "runs in box", "cases in box"]
        )
        for b in result.boxes:
            html += _FIGURE.format(Markup(prim_figure(result, b)))
    return Section(
        section_id or _slug("prim", result.lever, result.case),
        f"When {result.case}" + under,
        html,
    )


# ----------------------------------------------------------------------------------------- all


def experiment_analysis_section(
    sensitivities: Sequence[SensitivityResult] = (),
    dependences: Sequence[RankingDependence] = (),
    prims: Sequence[PrimResult] = (),
    inputs: Inputs = None,
    *,
    title: str = "What would change the forecast",
    description: str = "",
    section_id: str = "experiment",
) -> Section:
    """All of an experiment's analyses under one heading, with unique anchors.

    The ranked table of estimates comes first, then each outcome's chart, each ranking
    dependence and each PRIM search.
    """
    seen: dict[str, int] = {}

    def unique(base: str) -> str:
        seen[base] = seen.get(base, 0) + 1
        return base if seen[base] == 1 else f"{base}-{seen[base]}"

    subs: list[Section] = []
    if sensitivities:
        subs.append(ranked_inputs_section(sensitivities, inputs, section_id=unique(f"{section_id}-ranking")))
        for res in sensitivities:
            sid = unique(_slug(section_id, "sens", res.lever, res.outcome))
            subs.append(sensitivity_section(res, inputs, section_id=sid))
    for rd in dependences:
        sid = unique(_slug(section_id, "rank", rd.outcome, rd.lever_a, rd.lever_b))
        subs.append(ranking_dependence_section(rd, inputs, section_id=sid))
    for pr in prims:
        subs.append(prim_section(pr, inputs, section_id=unique(_slug(section_id, "prim", pr.lever, pr.case))))
    intro = description or (
        "What the forecast depends on: how much each uncertain input moves each outcome, whether the "
        "ranking of the levers depends on them, and in which regions of the inputs a step fails."
    )
    return Section(section_id, title, _p(intro), tuple(subs))
