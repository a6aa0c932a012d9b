"""The ``detente`` command line: parse, call one pure function, present the typed result.

Every command is a thin presenter. What escapes a command is handled in one place,
:func:`detente.commands._boundary.guarded` (called by :class:`_DetenteGroup`): an error detente raises
on purpose (:class:`DetenteError`) prints one line and ends the program with its exit code (2 for bad
input); a bug prints one line naming a crash file. Outputs are never overwritten without ``--force``.

Adding a command: write it in its own module under :mod:`detente.commands` (a plain function, or a
``typer.Typer()`` sub-app), using the shared options and helpers of :mod:`detente.commands._common`:
load the scenario with ``load``, print with ``print_rows``, declare the output files with ``outputs``
before any work and place them together with ``commit``. Then register it in the block at the end of
this file.
"""

from __future__ import annotations

import copy
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text
from typer.core import TyperGroup

from detente import __version__
from detente._defaults import DEFAULT_SCENARIO
from detente.commands._boundary import guarded
from detente.commands._common import (
    ForceOpt,
    JsonOpt,
    ScenarioArg,
    SeedOpt,
    command_line,
    commit,
    console,
    err_console,
    json_text,
    load,
    outputs,
    parse_params,
    print_rows,
)
from detente.errors import ModelError

if TYPE_CHECKING:
    from detente.models.result import Forecast
    from detente.scenario.scenario import Scenario

__all__ = ["app", "app_for", "dispatch", "main"]


class _DetenteGroup(TyperGroup):
    """The root command group: every outcome of a command goes through :func:`guarded`.

    Errors detente raises on purpose print one line and exit with their code (2 for bad input);
    usage errors print one line and exit 2; a bug prints one line naming its crash file (exit 70).
    """

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; exit (or, with ``standalone_mode=False``, return) its exit code."""
        argv = list(sys.argv[1:] if args is None else args)
        code = guarded(
            lambda: super(_DetenteGroup, self).main(
                argv, prog_name, complete_var, standalone_mode=False, **extra
            ),
            argv,
        )
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=_DetenteGroup,
    name="detente",
    help="Forecast and simulate multilateral negotiations and peace processes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        console.print(f"detente {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Forecast and simulate multilateral negotiations and peace processes.

    With no scenario argument, commands use the embedded Korean peninsula scenario.
    """


# --- scenario commands -----------------------------------------------------------------------------


@app.command()
def scenarios() -> None:
    """List the scenarios embedded in detente."""
    from detente.scenarios import embedded_scenarios, load_scenario

    rows = [
        {
            "name": e.name + (" (default)" if e.name == DEFAULT_SCENARIO else ""),
            "as of": load_scenario(e.name).as_of or "-",
            "content": e.summary,
        }
        for e in embedded_scenarios()
    ]
    print_rows(rows, title="Embedded scenarios (as of: the date their stances describe)")


@app.command()
def show(scenario: ScenarioArg = None) -> None:
    """Print a scenario readably: actors, issues, stances and sources."""
    from detente.report.tables import scenario_summary, stance_rows

    s = load(scenario)
    counts = scenario_summary(s)
    console.print(s.name, style="bold")
    if s.description:
        console.print(s.description, markup=False)
    console.print(
        f"{counts['actors']} actors, {counts['issues']} issues, {counts['stances']} stances "
        f"({counts['sourced']} sourced, {counts['estimates']} analyst estimates), "
        f"{counts['sources']} sources",
        markup=False,
    )
    print_rows(
        [
            {
                "id": a.id,
                "name": a.name,
                "capability": f"{a.capability:g}",
                "group": a.group,
                "description": a.description,
            }
            for a in s.actors
        ],
        title="Actors",
    )
    print_rows(
        [
            {
                "id": i.id,
                "name": i.name,
                "0 means": i.meaning_0,
                "100 means": i.meaning_100,
                "status quo": "-" if i.status_quo is None else i.format_position(i.status_quo),
            }
            for i in s.issues
        ],
        title="Issues",
    )
    rows = [
        {**r, "quote or rationale": f"\u201c{r['quote']}\u201d" if r["quote"] else r["note"]}
        for r in stance_rows(s)
    ]
    print_rows(
        rows,
        title="Stances (sourced: the source's words; estimate: the analyst's rationale)",
        columns=[
            "actor",
            "issue",
            "position",
            "salience",
            "uncertainty",
            "basis",
            "source",
            "quote or rationale",
        ],
    )
    if s.sources:
        print_rows(
            [
                {
                    "id": x.id,
                    "title": x.title,
                    "author": x.author,
                    "date": x.date,
                    "file or URL": x.file or x.url,
                }
                for x in s.sources
            ],
            title="Sources",
        )


@app.command()
def validate(file: Annotated[Path, typer.Argument(help="Scenario file to check.")]) -> None:
    """Check a scenario file; print a summary, or one line naming the problem (exit code 2)."""
    from detente.report.tables import plural, scenario_summary
    from detente.scenario.io import load_scenario as load_scenario_file

    s = load_scenario_file(file)
    counts = scenario_summary(s)

    # One line each, never wrapped, so that scripts can read them.
    console.print(
        f"ok: {file}: {plural(counts['actors'], 'actor')}, {plural(counts['issues'], 'issue')}, "
        f"{plural(counts['stances'], 'stance')} ({counts['sourced']} sourced, "
        f"{plural(counts['estimates'], 'estimate')})",
        markup=False,
        soft_wrap=True,
    )
    for warning in _warnings(s):
        console.print(f"warning: {warning}", markup=False, soft_wrap=True)


def _warnings(s: Scenario, shown: int = 5) -> list[str]:
    """Warnings about a valid scenario: at most ``shown`` of each kind, then a count of the rest."""
    with_stance = {st.actor for st in s.stances}
    idle = [f"actor {a.id!r} has no stances" for a in s.actors if a.id not in with_stance]
    bare = [
        f"the estimate of {st.actor} on {st.issue} gives no rationale in 'note'"
        for st in s.estimates()
        if not st.note.strip()
    ]
    out = []
    for kind, items in (("actors without stances", idle), ("estimates without a rationale", bare)):
        out += items[:shown]
        if len(items) > shown:
            out.append(f"... and {len(items) - shown} more {kind} ({len(items)} in all)")
    return out


@app.command()
def convert(
    source: Annotated[
        str,
        typer.Argument(
            help="Input: an embedded scenario name, or a detente YAML/JSON/CSV, KTAB CSV or BDM table."
        ),
    ],
    target: Annotated[Path, typer.Argument(help="Output file: .yaml, .json or .csv (detente formats).")],
    force: ForceOpt = False,
) -> None:
    """Convert a scenario between formats (YAML, JSON, CSV; KTAB and BDM tables are read)."""
    from detente.scenario.io import dumps_scenario, format_for_path

    fmt = format_for_path(target)
    with outputs([target], force=force) as out:
        s = load(source)
        out.add(target, dumps_scenario(s, fmt))
        commit(out)


# --- forecasting commands -------------------------------------------------------------------------------


@app.command()
def models() -> None:
    """List the forecasting models and their parameters."""
    from detente.models import ALL_MODELS

    for cls in ALL_MODELS:
        console.print(Text.assemble((cls.name, "bold"), f": {cls.summary}"))
        rows = [
            {"parameter": p.name, "type": p.type, "default": repr(p.default), "meaning": p.description}
            for p in cls.parameter_info()
        ]
        if rows:
            print_rows(rows)
        if cls.tags.reference:
            console.print(f"  reference: {cls.tags.reference}", markup=False)
        console.print(
            f"  limits: {cls.limits.max_actors:,} actors, {cls.limits.max_issues:,} issues "
            f"({cls.limits.why})",
            markup=False,
        )
        console.print(
            "  veto players: honoured (no veto player is worse off than at the status quo)"
            if cls.tags.honours_vetoes
            else "  veto players: not honoured (the model's own dynamics decide the outcome)",
            markup=False,
            soft_wrap=True,
        )


@app.command()
def run(
    scenario: ScenarioArg = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="Model to run (repeatable); default: every model."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html.")] = Path("detente-report"),
    seed: SeedOpt = 0,
    force: ForceOpt = False,
    json_out: JsonOpt = None,
) -> None:
    """Run every model on a scenario, print the forecasts and write an HTML report."""
    from detente.models import ALL_MODELS, get_model
    from detente.models.compare import compare_models
    from detente.report.background import Background
    from detente.report.run import analysis_sections, run_report
    from detente.report.tables import forecast_context, forecast_table, vetoes_not_honoured

    report_path = out / "report.html"
    with outputs([report_path, json_out], force=force) as files:
        s = load(scenario)
        chosen = [get_model(m) for m in model] if model else [cls() for cls in ALL_MODELS]
        # The analyses (road map, deals, track record) depend only on the scenario and the seed: they
        # run in a second process while the models forecast, with the same results as in this one.
        analyses = Background(analysis_sections, s, seed=seed, models=[m.name for m in chosen])
        n = len(chosen)
        done = iter(range(1, n + 1))
        with console.status("forecasting") as status:
            comparison = compare_models(
                s,
                chosen,
                seed=seed,
                on_model=lambda name: status.update(f"forecasting: {name} ({next(done)}/{n})"),
                on_round=(lambda name, r: status.update(f"forecasting: {name}, round {r.index}"))
                if console.is_terminal
                else None,
            )
        if not comparison.forecasts:
            analyses.cancel()
            reasons = "; ".join(f"{name}: {why}" for name, why in comparison.failures.items())
            raise ModelError(
                f"no model could forecast this scenario ({reasons})",
                source=scenario,
                fix="correct the scenario (see the reasons), or choose other models with --model",
            )
        rows = forecast_table(s, comparison.forecasts)
        print_rows(
            rows,
            title=f"Forecasts: {s.name}",
            columns=["id", *[k for k in rows[0] if k not in ("id", "issue")]],
        )
        _print_forecast_notes(s, comparison.forecasts)
        for name, reason in comparison.failures.items():
            err_console.print(f"note: model {name} did not run: {reason}", markup=False, soft_wrap=True)
        with console.status("report: road map, deals and track record") as status:
            sections = analyses.result()
            html = run_report(
                s,
                comparison,
                command=command_line(),
                analyses=sections,
                on_step=lambda step: status.update(f"report: {step}"),
            )
        files.add(report_path, html)
        if json_out is not None:
            data = {
                **comparison.model_dump(mode="json"),
                **forecast_context(s),
                "vetoes_not_honoured": vetoes_not_honoured(s, comparison.forecasts),
            }
            files.add(json_out, json_text(data))
        commit(files)


@app.command()
def forecast(
    scenario: Annotated[str, typer.Argument(help="Scenario file or embedded scenario name.")],
    model: Annotated[
        str, typer.Option("--model", "-m", help="Model name (see `detente models`).")
    ] = "compromise",
    param: Annotated[
        list[str] | None, typer.Option("--param", "-P", help="Model parameter NAME=VALUE (repeatable).")
    ] = None,
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Forecast a scenario with one model; print the forecast and any per-round summary."""
    from detente.models import get_model
    from detente.report.tables import forecast_context, forecast_table, rounds_table, vetoes_not_honoured

    with outputs([json_out], force=force) as files:
        s = load(scenario)
        m = get_model(model, **parse_params(param))
        if console.is_terminal:  # a status line with a round counter
            with console.status(f"forecasting with {m.name}") as status:
                done = f"forecasting with {m.name}: round {{}} done"
                f = m.forecast(s, seed=seed, on_round=lambda r: status.update(done.format(r.index)))
        else:  # no status line, so no round is built for it
            f = m.forecast(s, seed=seed)
        rounds = rounds_table(s, f)
        if rounds:
            print_rows(rounds, title=f"{m.name}: rounds")
        rows = forecast_table(s, [f])
        print_rows(
            rows,
            title=f"{m.name} forecast: {s.name} ({f.status.value})",
            columns=[k for k in rows[0] if k != "id"],
        )
        _print_forecast_notes(s, [f])
        if json_out is not None:
            data = {
                **f.to_json_dict(),
                **forecast_context(s),
                "vetoes_not_honoured": vetoes_not_honoured(s, [f]).get(f.model, []),
            }
            files.add(json_out, json_text(data))
            commit(files)


def _print_forecast_notes(s: Scenario, forecasts: Sequence[Forecast]) -> None:
    """Print, one line each under a forecast table, what the forecasts are and how vetoes entered."""
    from detente.report.tables import forecast_statement, veto_notes

    for line in [forecast_statement(s), *veto_notes(s, forecasts)]:
        console.print(line, markup=False)  # wrapped at words to the terminal's width


# --- commands from detente.commands (one line each) -------------------------------------------------

from detente.commands import deals as _deals  # noqa: E402

app.command()(_deals.deal)
app.command()(_deals.coalition)

from detente.commands import exchange as _exchange  # noqa: E402

app.command()(_exchange.exchange)

from detente.commands import backtest as _backtest  # noqa: E402

app.add_typer(_backtest.app, name="backtest")

from detente.commands import roadmap as _roadmap  # noqa: E402

app.add_typer(_roadmap.app, name="roadmap")
app.command()(_roadmap.duel)

from detente.commands import ledger as _ledger  # noqa: E402

app.add_typer(_ledger.app, name="ledger")

from detente.commands import sweep as _sweep  # noqa: E402

app.add_typer(_sweep.app, name="sweep")
app.command()(_sweep.sensitivity)
app.command()(_sweep.discover)

from detente.commands import advise as _advise  # noqa: E402
from detente.commands import whatif as _whatif  # noqa: E402

app.command()(_advise.advise)
app.command()(_whatif.whatif)
app.command()(_whatif.compare)

from detente.commands import serve as _serve  # noqa: E402

app.command()(_serve.serve)


def dispatch(argv: Sequence[str]) -> None:
    """Run the command line on ``argv`` (the arguments after the program name); exits with its code.

    Builds only the command ``argv`` names (:func:`app_for`). :func:`detente.__main__.main`, the
    console script, calls this after its process settings.
    """
    try:
        app_for(argv)(args=list(argv), prog_name="detente")
    finally:
        # The process ends here. Moving every object to the collector's permanent generation spares
        # the collections Python runs while shutting down from traversing them all (about 0.03 s of
        # CPU after a forecast, 10% of a small one). Objects are still freed and atexit handlers run.
        gc.freeze()


def main() -> None:
    """The ``detente`` console script, :func:`detente.__main__.main` (kept here for older imports)."""
    from detente.__main__ import main as entry

    entry()


def app_for(argv: Sequence[str]) -> typer.Typer:
    """The app that runs ``argv``: :data:`app` with only the command or group ``argv`` starts with.

    Typer builds the command tree before it parses anything, reading every command's signature and
    type hints (about 0.03 s of CPU); a command needs only its own. With no command first (options,
    ``--help``, a mistyped name), the whole :data:`app`.
    """
    if not argv or argv[0].startswith("-"):
        return app
    commands = [c for c in app.registered_commands if _command_name(c) == argv[0]]
    groups = [g for g in app.registered_groups if g.name == argv[0]]
    if len(commands) + len(groups) != 1:
        return app
    one = copy.copy(app)
    one.registered_commands, one.registered_groups = commands, groups
    return one


def _command_name(info: Any) -> str | None:
    """The name typer gives a registered command (its own, or its function's)."""
    if info.name:
        return str(info.name)
    return typer.main.get_command_name(info.callback.__name__) if info.callback else None


if __name__ == "__main__":  # pragma: no cover
    main()
