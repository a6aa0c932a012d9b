"""``detente advise``: what should one actor do? Its levers, ranked by what they do for it.

The analysis is :func:`detente.deals.advice.advise`; this module only presents it: the actor's
baseline, the ranked levers, their net gain under each model, and optionally the report page
(``--out DIR`` writes ``DIR/report.html``) and the JSON record.
"""

from __future__ import annotations

from typing import Annotated

import typer

from detente.commands._common import (
    ForceOpt,
    JsonOpt,
    OutOpt,
    ScenarioArg,
    SeedOpt,
    command_line,
    commit,
    console,
    json_text,
    load,
    outputs,
    print_rows,
)

__all__ = ["advise"]


def advise(
    scenario: ScenarioArg = None,
    actor: Annotated[str, typer.Option("--actor", "-a", help="The actor to advise (its id).")] = "",
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="Model to forecast with (repeatable); default: compromise, nash."),
    ] = None,
    step: Annotated[
        float, typer.Option("--step", help="Points that position and salience levers move (0-50).")
    ] = 10.0,
    top: Annotated[
        int, typer.Option("--top", min=0, help="Levers to print (0: all); the report and JSON hold all.")
    ] = 15,
    out: OutOpt = None,
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """What should an actor do? Rank the levers it controls by its net gain in the forecasts.

    Levers: moving its position on an issue (concede or harden), raising its salience, aligning with
    a partner or coalition, a Stokman exchange with a partner, and proposing a package amended until
    every veto player accepts it. Each is applied and the models re-run; the gain is the actor's
    utility of the new forecasts minus the old (its own positions and saliences).
    """
    from detente.deals.advice import CONDITIONING, DEFAULT_MODELS
    from detente.deals.advice import advise as run_advice
    from detente.errors import ParameterError

    report = out / "report.html" if out is not None else None
    with outputs([report, json_out], force=force) as files:
        s = load(scenario)
        if not actor.strip():
            raise ParameterError(
                "no actor given",
                where="--actor",
                fix=f"name the actor to advise with --actor, one of: {', '.join(s.actor_ids)}",
            )
        with console.status("weighing levers"):
            a = run_advice(s, actor, models=model or DEFAULT_MODELS, step=step, seed=seed)
        models = ", ".join(a.models)
        print_rows(
            a.baseline_rows(), title=f"{a.actor} in {s.name}: its stances and the forecasts ({models})"
        )
        shown = a.levers[:top] if top else a.levers
        print_rows(
            a.rows(top or None),
            title=f"What {a.actor} can do, best first (utility points, 0-100; mean of {models})",
        )
        if len(shown) < len(a.levers):
            console.print(f"... {len(a.levers) - len(shown)} more levers (--top 0 prints them all)")
        if len(a.models) > 1:
            print_rows(a.model_rows(top or None), title="Net gain by model (utility points)")
        console.print(
            f"Forecasts: the outcome {CONDITIONING} (a package: if the parties adopt it). Ranked by "
            f"{a.actor}'s net gain: its utility of the forecasts after the lever minus before, by its own "
            "positions and saliences, averaged over the models; cost: the utility lost on issues that move "
            f"away from it. Levers move {a.step:g} points.",
            markup=False,
        )
        for note in a.notes:
            console.print(f"note: {note}", markup=False)
        if report is not None:
            from detente.report.advice import advice_report

            files.add(report, advice_report(a, command=command_line()))
        if json_out is not None:
            files.add(json_out, json_text(a.to_dict()))
        commit(files)
