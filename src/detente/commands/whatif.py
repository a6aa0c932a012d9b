"""``detente whatif`` and ``detente compare``: forecasts beside a baseline, with the differences.

The logic is :mod:`detente.models.whatif`; these commands parse, call it and print one table (issue,
model, the two forecasts, the difference) and notes on what the two scenarios do not share.
"""

from __future__ import annotations

from typing import Annotated

import typer

from detente.commands._common import (
    ForceOpt,
    JsonOpt,
    ScenarioArg,
    SeedOpt,
    commit,
    console,
    json_text,
    load,
    outputs,
    print_rows,
)

__all__ = ["compare", "whatif"]

ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model", "-m", help="Model to run (repeatable); default: the static models (under a second)."
    ),
]


def _print(d: object, title: str) -> None:
    from detente.models.whatif import Difference

    assert isinstance(d, Difference)
    print_rows(d.rows(), title=title)
    console.print(
        "Forecasts: the outcome if the parties bargain to a settlement; difference: "
        f"{d.labels[1]} minus {d.labels[0]}, in points of each issue's 0-100 scale.",
        markup=False,
    )
    for note in d.notes():
        console.print(f"note: {note}", markup=False)


def whatif(
    scenario: ScenarioArg = None,
    change: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Change (repeatable): ACTOR.ISSUE.position=V, ACTOR.ISSUE.salience=V, ACTOR.capability=V.",
        ),
    ] = None,
    model: ModelOpt = None,
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Change stances or capabilities and see the forecasts beside the baseline, with the differences."""
    from detente.errors import ParameterError
    from detente.models.whatif import FAST_MODELS, apply_changes, compare_scenarios, parse_change

    with outputs([json_out], force=force) as files:
        changes = [parse_change(c) for c in change or []]
        s = load(scenario)
        if not changes:
            raise ParameterError(
                "no change given",
                where="--set",
                fix=f"give one or more, e.g. --set {s.actor_ids[0]}.{s.issue_ids[0]}.position=50",
            )
        t = apply_changes(s, changes)
        d = compare_scenarios(s, t, model or FAST_MODELS, labels=("baseline", "what-if"), seed=seed)
        _print(d, f"What if {', '.join(c.describe() for c in changes)}: {s.name}")
        if json_out is not None:
            files.add(json_out, json_text({"changes": [c.describe() for c in changes], **d.to_dict()}))
            commit(files)


def compare(
    first: Annotated[str, typer.Argument(help="First scenario: embedded name or file (e.g. korea-2019-03).")],
    second: Annotated[
        str, typer.Argument(help="Second scenario: embedded name or file (e.g. korea-2024-07).")
    ],
    model: ModelOpt = None,
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Forecast two scenarios (e.g. two dated versions) with the same models and show the differences.

    Issues and actors that only one of them has are named; forecasts are compared on shared issues.
    """
    from detente.models.whatif import FAST_MODELS, compare_scenarios

    with outputs([json_out], force=force) as files:
        a = load(first)
        b = load(second)
        la, lb = (first, second) if first != second else (f"{first} (1)", f"{second} (2)")
        d = compare_scenarios(a, b, model or FAST_MODELS, labels=(la, lb), seed=seed)
        _print(d, f"{la} and {lb}")
        if json_out is not None:
            files.add(json_out, json_text(d.to_dict()))
            commit(files)
