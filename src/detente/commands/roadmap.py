"""Road-map commands: ``detente roadmap``, ``detente roadmap check`` and ``detente duel``.

``roadmap`` simulates a road map under several policies; ``roadmap check`` runs the analytic checks;
``duel`` plays a two-player iterated game between reference strategies.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from detente.commands._common import (
    ForceOpt,
    JsonOpt,
    ScenarioArg,
    SeedOpt,
    SubcommandFirst,
    commit,
    console,
    err_console,
    json_text,
    load,
    outputs,
    print_rows,
    progress,
)
from detente.errors import ScenarioError

__all__ = ["app", "duel", "resolve_process"]


class _ScenarioOrSubcommand(SubcommandFirst):
    """``detente roadmap [SCENARIO]`` simulates; ``roadmap check|replay|calibrate`` are subcommands."""

    target = "a scenario"

    def names_target(self, word: str) -> bool:
        """An embedded scenario's name or an existing file."""
        from detente.scenarios import list_scenarios

        return word in list_scenarios() or Path(word).exists()


app = typer.Typer(
    cls=_ScenarioOrSubcommand,
    invoke_without_command=True,
    help="Simulate a sequenced peace process (road map) under several policies; `check` tests it.",
)

ProcessOpt = Annotated[
    Path | None,
    typer.Option("--process", help="Road-map YAML file; default: the one embedded for the scenario."),
]
PolicyOpt = Annotated[
    list[str] | None,
    typer.Option("--policy", "-p", help="Policy id from the road map (repeatable); default: all."),
]


def resolve_process(scenario_name: str | None, process_path: Path | None) -> tuple[Any, Any]:
    """The (scenario, process) pair the command line names, checked against each other."""
    from detente.process.io import (
        EMBEDDED_PROCESSES,
        load_embedded_process,
        load_process,
        process_for_scenario,
    )

    s = load(scenario_name)
    if process_path is not None:
        return s, load_process(process_path, scenario=s)
    name = scenario_name or "korea"
    if name in EMBEDDED_PROCESSES:
        return s, load_embedded_process(name, scenario=s)
    found = process_for_scenario(s)
    if found is None:
        raise ScenarioError(
            f"no road map is defined for scenario {s.name!r}",
            where="--process",
            fix="write a road-map YAML file (see docs/process.md) and pass it with --process FILE",
        )
    return s, found


@app.callback()
def roadmap(
    ctx: typer.Context,
    scenario: ScenarioArg = None,
    process: ProcessOpt = None,
    policy: PolicyOpt = None,
    runs: Annotated[
        int,
        typer.Option(
            "--runs", "-n", min=1, max=100_000, help="Monte Carlo runs per policy (at most 100,000)."
        ),
    ] = 1000,
    seed: SeedOpt = 0,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (-1: one per CPU).")] = 1,
    draws: Annotated[
        int,
        typer.Option(
            "--parameter-draws",
            min=0,
            max=1000,
            help="Parameter sets drawn for intervals with parameter uncertainty (0: none).",
        ),
    ] = 20,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Simulate the road map under each policy: settlements, breakdown and escalation, with intervals.

    The first table's 95% intervals are Monte Carlo only (the file's numbers as given); the second
    draws the fitted numbers from their fits and the estimates from their ranges
    (--parameter-draws sets, each of --runs / 5 runs) and shows the 2.5-97.5% range over the draws.
    """
    if ctx.invoked_subcommand is not None:
        return
    from detente.process.simulate import RoadmapResult, simulate

    with outputs([json_out], force=force) as files:
        s, p = resolve_process(scenario, process)
        with progress(f"simulating {runs} runs x {len(policy or p.policies)} policies") as update:
            results = simulate(p, s, policy, runs=runs, seed=seed, n_jobs=jobs, on_progress=update)
        result = RoadmapResult(process=p, scenario=s, seed=seed, runs=runs, policies=results)
        unit = f"{p.time_step.length:g} {p.time_step.unit}"
        print_rows(
            result.summary_rows(),
            title=f"{p.name}: {runs} runs per policy, seed {seed}; probability [95% interval]",
        )
        rows = []
        for pr in results:
            reach = pr.reach_probabilities()
            times = {r["event"]: r.get("median_rounds") for r in reach}
            fails = pr.failing_steps()
            row: dict[str, Any] = {"policy": pr.policy}
            for ph in pr.setup.phases[1:]:
                t = times.get(f"reach {ph}")
                row[f"time to {ph}"] = "-" if t is None else f"{t:g}"
            t = times.get("complete")
            row["time to complete"] = "-" if t is None else f"{t:g}"
            row["step that fails most"] = (
                f"{fails[0]['step']} ({fails[0]['share_of_runs']:.0%})" if fails else "-"
            )
            rows.append(row)
        print_rows(rows, title=f"Median time (rounds of {unit}) and the step that fails most")
        params = None
        if draws > 0:
            from detente.process.uncertainty import simulate_with_parameters

            per_draw = max(50, runs // 5)
            with progress(f"{draws} parameter draws x {per_draw} runs") as update:
                params = simulate_with_parameters(
                    p,
                    s,
                    policy,
                    draws=draws,
                    runs_per_draw=per_draw,
                    seed=seed,
                    n_jobs=jobs,
                    on_progress=update,
                )
            table: dict[str, dict[str, Any]] = {}
            for r in params.rows():
                table.setdefault(r["policy"], {"policy": r["policy"]})[r["event"]] = (
                    f"{r['mean']:.2f} [{r['low']:.2f}, {r['high']:.2f}]"
                )
            print_rows(
                list(table.values()),
                title=f"With parameter uncertainty: mean over {draws} draws [2.5%, 97.5% over draws]",
            )
        b = p.behaviour
        console.print(
            f"Behaviour defaults (in the file): prior belief {b.prior:g}, learning {b.learning:g}, "
            f"generosity {'1/3' if b.generosity is None else f'{b.generosity:g}'}; horizon {p.horizon} "
            f"rounds; scenario as of {s.as_of or 'undated'}. First table: Monte Carlo intervals only.",
            markup=False,
        )
        if json_out is not None:
            data = result.to_json_dict()
            data["behaviour"] = p.behaviour.model_dump(
                include={"prior", "learning", "generosity", "prior_dated"}
            )
            data["parameter_uncertainty"] = params.to_json_dict() if params is not None else None
            files.add(json_out, json_text(data))
            commit(files)


def _fmt_row(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, bool):
            out[k] = "yes" if v else "NO"
        elif isinstance(v, float):
            out[k] = f"{v:.3f}"
        else:
            out[k] = v
    return out


@app.command()
def check(
    scenario: ScenarioArg = None,
    process: ProcessOpt = None,
    policy: Annotated[
        str | None, typer.Option("--policy", "-p", help="Policy whose levers apply; default: the first.")
    ] = None,
    grid: Annotated[
        int, typer.Option("--grid", min=2, max=60, help="Schedule search: steps of 1/GRID.")
    ] = 20,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Test each step's self-enforcement, the commitment problem, inspections, stability; find a schedule."""
    from detente.errors import ParameterError
    from detente.process.analysis import check_roadmap
    from detente.process.setup import prepare

    with outputs([json_out], force=force) as files:
        s, p = resolve_process(scenario, process)
        pid = policy or p.policies[0].id
        if pid not in [x.id for x in p.policies]:
            raise ParameterError(
                f"there is no policy called {pid!r} in the road map",
                where="--policy",
                fix=f"use one of: {', '.join(x.id for x in p.policies)}",
            )
        report = check_roadmap(prepare(p, s, pid), grid=grid)
        console.print(f"{p.name}: analytic checks under policy '{pid}'", markup=False)
        print_rows(
            [_fmt_row(r) for r in report["self_enforcement"]],
            title="Self-enforcement: cost <= discount x (V_next - W_renege)",
        )
        if report["commitment"]:
            print_rows(
                [_fmt_row(r) for r in report["commitment"]],
                title="Commitment problem of power-shifting steps (holds = no incentive for war now)",
            )
        if report["inspection"]:
            print_rows(
                [_fmt_row(r) for r in report["inspection"]],
                title="Inspection game: deterred iff rate x detection x (gain + loss) >= gain",
            )
        rc = report["richardson"]
        print_rows(
            [
                _fmt_row(
                    {
                        "stable (mn > ab)": rc["stable"],
                        "Euler stable": rc["euler_stable"],
                        "index with shocks": rc["index_with_shocks"],
                        "index under a kept freeze": rc["index_frozen_complying"],
                        "escalation threshold": rc["threshold"],
                    }
                )
            ],
            title="Tension model (Richardson)",
        )
        sch = report["schedule"]
        if sch["steps"] is None:
            console.print(f"Smallest schedule: none found ({sch['reason']}).", markup=False)
        else:
            print_rows(
                [_fmt_row(r) for r in sch["rows"]],
                title=f"Smallest workable schedule: {sch['steps']} step(s) of {sch['step_rounds']} rounds",
            )
        if report["unsourced_blocks"]:
            err_console.print(
                "note: no quote and no estimate for: " + ", ".join(report["unsourced_blocks"]),
                markup=False,
                soft_wrap=True,
            )
        if json_out is not None:
            files.add(json_out, json_text(report))
            commit(files)


@app.command("replay")
def replay_command(
    replay_file: Annotated[
        Path | None,
        typer.Option("--replay", help="Replay YAML file; default: the embedded Korean replay."),
    ] = None,
    runs: Annotated[
        int, typer.Option("--runs", "-n", min=10, max=100_000, help="Monte Carlo runs per episode.")
    ] = 2000,
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Replay the road map on history: dated episodes, the policy followed, scored against what happened.

    Prints each question's forecast, the base-rate and no-change baselines and the outcome, then the
    mean Brier and log scores in and out of sample (out: the window starts after the calibration
    cutoff) with skill against each baseline.
    """
    from detente.process.replay import load_embedded_replay, load_replay, replay

    with outputs([json_out], force=force) as files:
        book = load_replay(replay_file) if replay_file is not None else load_embedded_replay("korea")
        with console.status(f"replaying {len(book.episodes)} episodes"):
            result = replay(book, runs=runs, seed=seed)
        print_rows(
            [
                {
                    "episode": r["episode"],
                    "question": r["text"],
                    "sample": r["sample"],
                    "road map": f"{r['p_roadmap']:.2f}",
                    "base rate": f"{r['p_base_rate']:.2f}",
                    "no change": f"{r['p_no_change']:.2f}",
                    "outcome": "yes" if r["outcome"] else "no",
                }
                for r in result.rows
            ],
            title=f"{book.name}: {runs} runs per episode, seed {seed}, cutoff {book.cutoff}",
        )
        print_rows(
            [
                {
                    "sample": row["sample"],
                    "questions": row["questions"],
                    "Brier: road map": f"{row['brier_roadmap']:.3f}",
                    "base rate": f"{row['brier_base_rate']:.3f}",
                    "no change": f"{row['brier_no_change']:.3f}",
                    "skill vs base rate": f"{row['brier_skill_vs_base_rate']:+.2f}",
                    "skill vs no change": f"{row['brier_skill_vs_no_change']:+.2f}",
                    "log: road map": f"{row['log_roadmap']:.3f}",
                    "log skill vs base rate": f"{row['log_skill_vs_base_rate']:+.2f}",
                }
                for row in result.summary()
            ],
            title="Scores (lower is better; skill = 1 - score / baseline score)",
        )
        if json_out is not None:
            files.add(json_out, json_text(result.to_json_dict()))
            commit(files)


def duel(
    strategy_a: Annotated[str, typer.Argument(help="First strategy (see docs/process.md), e.g. tft.")],
    strategy_b: Annotated[str, typer.Argument(help="Second strategy, e.g. gtft.")],
    turns: Annotated[int, typer.Option("--turns", "-t", min=1, max=100_000, help="Turns per match.")] = 200,
    noise: Annotated[float, typer.Option("--noise", help="Execution-error rate (0-1).")] = 0.0,
    misperception: Annotated[
        float, typer.Option("--misperception", help="Perception-error rate (0-1).")
    ] = 0.0,
    runs: Annotated[
        int, typer.Option("--runs", "-n", min=1, max=100_000, help="Seeded matches to average over.")
    ] = 1,
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Play an iterated prisoner's dilemma (R=3, S=0, T=5, P=1); print scores and cooperation rates."""
    from detente.process.duel import play_duel

    with outputs([json_out], force=force) as files:
        bar = progress(f"{runs} matches") if runs * turns > 200_000 else nullcontext()
        with bar:
            d = play_duel(
                strategy_a,
                strategy_b,
                turns=turns,
                noise=noise,
                misperception=misperception,
                runs=runs,
                seed=seed,
            )
        data = d.to_json_dict()
        rows = []
        for k, name in enumerate(d.strategies):
            row: dict[str, Any] = {
                "player": f"{k + 1}: {name}",
                "total score": f"{data['mean_scores'][k]:.2f}",
                "per turn": f"{data['mean_scores_per_turn'][k]:.3f}",
                "cooperation rate": f"{data['cooperation_rates'][k]:.3f}",
            }
            if runs > 1:
                row["score s.e."] = f"{data['score_standard_errors'][k]:.2f}"
            elif turns <= 80:
                row["moves"] = data["first_match"][k]
            rows.append(row)
        title = (
            f"{turns} turns, noise {noise:g}, misperception {misperception:g}, {runs} match(es), seed {seed}"
        )
        print_rows(rows, title=title)
        if json_out is not None:
            files.add(json_out, json_text(data))
            commit(files)


from detente.commands.calibrate import calibrate as _calibrate  # noqa: E402

app.command("calibrate")(_calibrate)
