"""``detente deal`` and ``detente coalition``: package bargains, vetoes, exchange, who moves a forecast."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

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
    progress,
)
from detente.errors import ParameterError

__all__ = ["coalition", "deal"]


def _fmt(v: float, digits: int = 3) -> str:
    return f"{v:+.{digits}f}" if v else f"{0:.{digits}f}"


def deal(
    scenario: ScenarioArg = None,
    package: Annotated[
        str | None,
        typer.Option(
            "--package", help="A shipped package id (e.g. big-bargain), or a package file (FILE or FILE:ID)."
        ),
    ] = None,
    exponent: Annotated[
        float,
        typer.Option(
            "--exponent", help="Utility exponent: 1 risk-neutral, 2 risk-averse, 0.5 risk-acceptant."
        ),
    ] = 1.0,
    norm: Annotated[
        str, typer.Option("--norm", help="Norm of the smallest amendment: l1 (points moved) or l2.")
    ] = "l1",
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Judge a package deal: who gains and who vetoes, and what would make it acceptable to all.

    Shows the Nash and Kalai-Smorodinsky packages, the smallest changes every veto player accepts,
    who concedes what, and the exchanges of Stokman's model.
    """
    from detente.deals.analysis import analyse_package
    from detente.deals.package import packages_for, resolve_package

    with outputs([json_out], force=force) as files:
        if norm not in ("l1", "l2"):
            raise ParameterError(f"unknown norm {norm!r}", where="--norm", fix="use l1 or l2")
        s = load(scenario)
        if package is None and packages_for(s) is None:
            # no package to judge: show the exchange model in rounds (docs/exchange.md) instead
            from detente.commands.exchange import show_rounds

            show_rounds(s, files, json_out)
            return
        pkg, book = resolve_package(s, package)
        with console.status("bargaining"):
            a = analyse_package(s, pkg, book=book, exponent=exponent, norm=norm, seed=seed)  # type: ignore[arg-type]
        v = a.verdict
        console.print(Text.assemble((pkg.name, "bold"), f" ({pkg.id}) on {s.name}; rule: {v.rule}"))
        print_rows(
            [
                {
                    "actor": r.actor,
                    "utility": f"{r.utility:.3f}",
                    "status quo": f"{r.reference_utility:.3f}",
                    "gain": _fmt(r.gain),
                    "accepts": "yes" if r.accepts else "no",
                    "veto": "VETO" if r.vetoes else ("veto player" if r.veto_player else ""),
                }
                for r in v.actors
            ],
            title="Who gains and who vetoes (utility 0-1, against the status quo)",
        )
        outcome = "passes" if v.passes else f"fails: vetoed by {', '.join(v.vetoes) or 'too little support'}"
        console.print(f"The package {outcome}.", markup=False)
        am = a.amendment
        rows = []
        for j, issue in enumerate(s.issues):
            rows.append(
                {
                    "issue": issue.id,
                    "status quo": f"{a.reference[j]:.1f}",
                    "package": f"{a.x[j]:.1f}",
                    "amended": f"{am.package[j]:.1f}" if am.feasible else "-",
                    "change": _fmt(am.change[j], 1) if am.feasible else "-",
                    "Nash": f"{a.nash.package[j]:.1f}" if a.nash.solved else "-",
                    "Kalai-Smorodinsky": f"{a.kalai_smorodinsky.package[j]:.1f}"
                    if a.kalai_smorodinsky.solved
                    else "-",
                }
            )
        print_rows(rows, title="Packages (0-100 scales)")
        if am.feasible:
            console.print(
                f"Smallest change acceptable to every veto player ({am.norm}): {am.distance:.1f} points.",
                markup=False,
            )
        else:
            console.print("No package is acceptable to every veto player.", markup=False)
        if not a.nash.solved:
            console.print(
                "No package makes every party strictly better off: no Nash or K-S package.", markup=False
            )
        print_rows(
            [
                {k: (f"{v:+.3f}" if isinstance(v, float) else v) for k, v in r.items()}
                for r in a.concession_rows()
            ],
            title="Concessions in the amended package (utility given up per issue)",
        )
        ex = a.exchange
        if ex.exchanges:
            print_rows(
                [
                    {
                        "step": e.step,
                        "gains on": f"{e.actor_a} on {e.issue_a}",
                        "pays with": f"{e.actor_a} moves {e.move_a:+.1f} on {e.issue_b}",
                        "partner": f"{e.actor_b} moves {e.move_b:+.1f} on {e.issue_a}",
                        "gain each": f"{e.gain:.2f}",
                    }
                    for e in ex.exchanges
                ],
                title=f"Stokman exchanges ({len(ex.exchanges)}, {ex.status})",
            )
        else:
            console.print("Stokman exchange model: no profitable exchange.", markup=False)
        if json_out is not None:
            files.add(json_out, json_text(a.to_dict()))
            commit(files)


def _parse_target(items: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not sep or not key.strip() or number != number:
            raise ParameterError(
                f"{item!r} is not ISSUE=VALUE", where="--target", fix="write e.g. --target nuclear=0"
            )
        out[key.strip()] = number
    return out


def _coalition(k: int, text: str) -> Any:
    """A coalition from ``--align A,B,C``."""
    from detente.deals.package import Coalition

    members = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    if not members:
        raise ParameterError(
            f"{text!r} names no actor",
            where="--align",
            fix="list actor ids separated by commas, e.g. USA,China",
        )
    return Coalition(id=f"c{k}", name=", ".join(members), members=members)


def coalition(
    scenario: ScenarioArg = None,
    model: Annotated[str, typer.Option("--model", "-m", help="Forecasting model (see `detente models`).")] = (
        "compromise"
    ),
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target", help="Target ISSUE=VALUE (repeatable): find the coalitions that move toward it."
        ),
    ] = None,
    align: Annotated[
        list[str] | None,
        typer.Option("--align", help="A coalition to align, as ACTOR,ACTOR,... (repeatable)."),
    ] = None,
    permutations: Annotated[
        int,
        typer.Option("--permutations", min=2, help="Orderings for sampled Shapley values (over 10 actors)."),
    ] = 200,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Worker processes for sampled Shapley values.")
    ] = 1,
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Who can move a model's forecast, and which coalition moves it furthest toward a target.

    Shows Shapley values, the effect of removing each actor and group and of aligning coalitions, and
    with --target the best coalition of each size.
    """
    from detente.deals.analysis import analyse_coalitions
    from detente.models import get_model

    with outputs([json_out], force=force) as files:
        s = load(scenario)
        m = get_model(model)
        goal = _parse_target(target)
        named = None
        if align:
            named = [_coalition(k, text) for k, text in enumerate(align, start=1)]
        with progress("Shapley values") as update:
            result = analyse_coalitions(
                s,
                m,
                seed=seed,
                target=goal,
                coalitions=named,
                n_permutations=permutations,
                n_jobs=jobs,
                on_progress=update,
            )
        sh = result.shapley
        print_rows(
            [
                {"actor": a, **{i: f"{v:+.2f}" for i, v in zip(sh.issue_ids, row, strict=True)}}
                for a, row in zip(sh.actor_ids, sh.values, strict=True)
            ]
            + [
                {
                    "actor": "(forecast - without anyone)",
                    **{i: f"{v:+.2f}" for i, v in zip(sh.issue_ids, sh.grand - sh.empty, strict=True)},
                }
            ],
            title=f"Shapley values on the {m.name} forecast (points of the 0-100 scale)",
        )
        for note in result.notes:
            console.print(f"note: {note}", markup=False)
        effects = [*result.removals, *result.alignments]
        print_rows(
            [
                {"change": e.label, **{i: f"{v:+.2f}" for i, v in zip(e.issue_ids, e.change, strict=True)}}
                for e in effects
            ],
            title="Change of the forecast when actors leave or align",
        )
        if result.best:
            print_rows(
                [
                    {
                        "size": c.size,
                        "coalition": ", ".join(c.members),
                        "distance before": f"{c.distance_before:.2f}",
                        "distance after": f"{c.distance_after:.2f}",
                        "search": "exact" if c.exact else "greedy",
                    }
                    for c in result.best
                ],
                title="Best coalition of each size aligning on the target "
                + ", ".join(f"{k}={v:g}" for k, v in goal.items()),
            )
        if json_out is not None:
            files.add(json_out, json_text(result.to_dict()))
            commit(files)
