"""``detente exchange``: Stokman and van Oosten's vote-exchange model, in rounds as Decide runs it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from detente._files import Outputs
from detente.commands._common import (
    ForceOpt,
    JsonOpt,
    ScenarioArg,
    commit,
    console,
    json_text,
    load,
    outputs,
    print_rows,
)
from detente.errors import ParameterError

if TYPE_CHECKING:
    from detente.scenario.scenario import Scenario  # the command line starts without the scenario stack

__all__ = ["exchange"]


def exchange(
    scenario: ScenarioArg = None,
    rounds: Annotated[int, typer.Option("--rounds", help="Number of rounds (Decide's iterations).")] = 10,
    variant: Annotated[
        str,
        typer.Option(
            "--variant",
            help="equal-gain: Decide's Equal Gain model in rounds; single-pass: each vote traded once.",
        ),
    ] = "equal-gain",
    show: Annotated[int, typer.Option("--show", help="Exchanges listed per round (0: none).")] = 5,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Run the exchange model: actors trade votes across issues they care about unequally.

    Needs no package and no status quo. Shows each round's weighted mean outcome per issue at the
    round's start and after its exchanges (voting positions), and the largest exchanges.
    """
    with outputs([json_out], force=force) as files:
        if variant not in ("equal-gain", "single-pass"):
            raise ParameterError(
                f"unknown variant {variant!r}", where="--variant", fix="use equal-gain or single-pass"
            )
        if show < 0:
            raise ParameterError("--show must be 0 or more", where="--show", fix="give e.g. --show 5")
        s = load(scenario)
        if variant == "single-pass":
            from detente.deals.exchange import exchange as single_pass

            res = single_pass(s)
            print_rows(
                [
                    {
                        "issue": i,
                        "before": f"{res.outcomes_before[k]:.1f}",
                        "after": f"{res.outcomes_after[k]:.1f}",
                    }
                    for k, i in enumerate(s.issue_ids)
                ],
                title=f"Single-pass exchange on {s.name}: {len(res.exchanges)} exchanges ({res.status})",
            )
            data = {"model": "single-pass", **res.to_dict()}
        else:
            from detente.deals.exchange_rounds import exchange_rounds

            with console.status("exchanging"):
                r = exchange_rounds(s, rounds=rounds)
            rows = []
            for k, issue in enumerate(s.issue_ids):
                row = {"issue": issue}
                for rd in r.rounds:
                    row[f"r{rd.number}"] = f"{rd.mean[k]:.1f}"
                row["final"] = f"{r.outcomes_after[k]:.1f}"
                rows.append(row)
            print_rows(
                rows, title=f"Equal Gain exchange on {s.name}: weighted mean per issue at each round's start"
            )
            print_rows(
                [
                    {"issue": issue, **{f"r{rd.number}": f"{rd.voting_mean[k]:.1f}" for rd in r.rounds}}
                    for k, issue in enumerate(s.issue_ids)
                ],
                title="Weighted mean of the voting positions after each round's exchanges",
            )
            if show:
                for rd in r.rounds[:1] + r.rounds[-1:] if len(r.rounds) > 1 else r.rounds:
                    print_rows(
                        [
                            {
                                "step": e.step,
                                "actor i": f"{e.actor_i} moves {e.move_i:+.1f} on {e.issue_q}",
                                "actor j": f"{e.actor_j} moves {e.move_j:+.1f} on {e.issue_p}",
                                "gain each": f"{e.gain:.4f}",
                            }
                            for e in rd.exchanges[:show]
                        ],
                        title=f"Round {rd.number}: the first {min(show, len(rd.exchanges))} of "
                        f"{len(rd.exchanges)} exchanges",
                    )
            data = r.to_dict()
        if json_out is not None:
            files.add(json_out, json_text(data))
        commit(files)


def show_rounds(s: Scenario, files: Outputs, json_out: Path | None, rounds: int = 10) -> None:
    """Print the Equal Gain model's per-round means for ``s`` (``detente deal`` without a package)."""
    from detente.deals.exchange_rounds import exchange_rounds

    console.print(f"{s.name} has no package to judge: the exchange model in rounds instead.", markup=False)
    with console.status("exchanging"):
        r = exchange_rounds(s, rounds=rounds)
    print_rows(
        [
            {"issue": issue, **{f"r{rd.number}": f"{rd.mean[k]:.1f}" for rd in r.rounds}}
            for k, issue in enumerate(s.issue_ids)
        ],
        title=f"Equal Gain exchange on {s.name}: weighted mean per issue at each round's start",
    )
    if json_out is not None:
        files.add(json_out, json_text(r.to_dict()))
    commit(files)
