"""``detente backtest``: score models against known outcomes (DEU file, single case) and refit ``best``."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer

from detente.commands._common import (
    ForceOpt,
    SeedOpt,
    command_line,
    commit,
    err_console,
    load,
    outputs,
    print_rows,
    progress,
)
from detente.errors import ParameterError

__all__ = ["app"]

app = typer.Typer(
    help="Backtest models against real outcomes, with calibrated 80% predictive intervals.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

ModelOpt = Annotated[
    list[str] | None,
    typer.Option("--model", "-m", help="Model to score (repeatable): best or a model name; default: all."),
]
JobsOpt = Annotated[
    int, typer.Option("--jobs", "-j", help="Worker processes (-1: one per CPU); results do not depend on it.")
]


def _print_result(result: object, title: str) -> None:
    from detente.validation.run import BacktestResult

    assert isinstance(result, BacktestResult)
    print_rows([s.row() for s in result.scores], title=title)
    for note in result.notes:
        err_console.print(f"note: {note}", markup=False, soft_wrap=True)


def _json(data: object) -> str:
    import json  # here: the command line imports this module for every command

    return json.dumps(data, indent=1) + "\n"


def _csv(rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


@app.command("deu")
def deu(
    file: Annotated[Path, typer.Argument(help="CSV file with the DEU layout (e.g. deu_dev.csv).")],
    model: ModelOpt = None,
    csv_out: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Write forecasts (isnr, model, forecast, lo, hi, q05 ... q95, outcome, fit) to this CSV.",
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "--report",
            help="A folder for a validation page (DIR/validation.html), or a .csv file: the forecasts, "
            "as --csv.",
        ),
    ] = None,
    capability: Annotated[
        str | None,
        typer.Option(
            "--capability",
            help="Capability scheme of point forecasts: equal, votes, shapley, banzhaf, procedure.",
        ),
    ] = None,
    seed: SeedOpt = 0,
    jobs: JobsOpt = -1,
    force: ForceOpt = False,
) -> None:
    """Backtest models on every DEU issue with an outcome and three or more positions.

    Prints MAE, median absolute error, RMSE, 80% interval coverage, CRPS, hit rates within 5 and 10
    points and the paired difference in MAE from the compromise model (cluster-bootstrap 95% CI over
    proposals). best is the procedure-aware mixture with conformal intervals (mixture.json).
    """
    from detente.validation.deu import read_deu
    from detente.validation.run import run_deu

    if report is not None and report.suffix.lower() == ".csv":
        if csv_out is not None:
            raise ParameterError(
                f"--out {report} and --csv {csv_out} both name the forecasts' CSV file",
                where="--out",
                fix="give one of them (--out DIR writes the report page)",
            )
        csv_out, report = report, None
    out = csv_out
    page = report / "validation.html" if report is not None else None
    with outputs([out, page], force=force) as files:
        data = read_deu(file)
        with progress("backtesting") as update:
            result = run_deu(
                data, models=model, seed=seed, n_jobs=jobs, capability=capability, on_progress=update
            )
        n = len(result.evaluation.sim.issues)
        _print_result(result, f"Backtest on {n} DEU issues of {file.name} (80% intervals; seed {seed})")
        if out is not None:
            files.add(out, _csv(result.rows()))
        if page is not None:
            from detente.report.validation import validation_page

            title = f"Backtest: {file.name}"
            files.add(page, validation_page(result, title=title, seed=seed, command=command_line()))
        commit(files)


@app.command("case")
def case(
    scenario: Annotated[str, typer.Argument(help="Scenario file or embedded scenario name.")],
    outcome: Annotated[
        float | None,
        typer.Option("--outcome", help="Known outcome in the issue's natural units (0-100 if it has none)."),
    ] = None,
    issue: Annotated[
        str | None, typer.Option("--issue", help="Issue the outcome belongs to (if several).")
    ] = None,
    model: ModelOpt = None,
    seed: SeedOpt = 0,
    jobs: JobsOpt = 1,
) -> None:
    """Backtest models on one case with a known outcome (e.g. the EC emissions case, 8.833 years)."""
    from detente.validation.run import run_case, with_outcome

    s = with_outcome(load(scenario), outcome, issue)
    result = run_case(s, models=model, seed=seed, n_jobs=jobs)
    ev = result.evaluation
    rows = []
    for j, issue_id in enumerate(ev.sim.issues):
        iss = s.issue(issue_id)
        y = ev.sim.outcome[j]
        for m in result.models:
            p, lo, hi = ev.point[m][j], ev.lo[m][j], ev.hi[m][j]
            if p != p:  # NaN: the model failed
                rows.append({"issue": issue_id, "model": m, "forecast": "failed"})
                continue
            rows.append(
                {
                    "issue": issue_id,
                    "model": m,
                    "forecast": iss.format_position(p, 2),
                    "80% interval": f"{iss.format_position(lo, 2)} - {iss.format_position(hi, 2)}",
                    "outcome": iss.format_position(y, 2),
                    "error (0-100)": f"{abs(p - y):.2f}",
                    "inside": "yes" if lo - 1e-9 <= y <= hi + 1e-9 else "no",
                }
            )
    print_rows(rows, title=f"Backtest: {s.name} (seed {seed})")
    for note in result.notes:
        err_console.print(f"note: {note}", markup=False, soft_wrap=True)


@app.command("refit")
def refit(
    out: Annotated[
        Path,
        typer.Option(
            "--json", help="JSON file for the fit (the package reads src/detente/validation/best.json)."
        ),
    ] = Path("best.json"),
    seed: SeedOpt = 0,
    jobs: JobsOpt = -1,
    force: ForceOpt = False,
) -> None:
    """Choose and fit the best model and the interval calibrations by grouped CV on the DEU dev file."""
    from detente.validation.best import refit as do_refit

    with outputs([out], force=force) as files:
        with progress("simulating the development file") as update:
            fit = do_refit(seed=seed, n_jobs=jobs, on_progress=update)
        print_rows(
            fit["cv_table"],
            title=f"Cross-validated accuracy ({fit['n_folds']} folds by proposal); best = {fit['selected']}",
        )
        files.add(out, _json(fit))
        commit(files)


@app.command("refit-mixture")
def refit_mixture(
    out: Annotated[
        Path,
        typer.Option(
            "--json", help="JSON file for the fit (the package reads src/detente/validation/mixture.json)."
        ),
    ] = Path("mixture.json"),
    seed: SeedOpt = 0,
    force: ForceOpt = False,
) -> None:
    """Fit the procedure-aware mixture (best on DEU files) by nested grouped CV on the DEU dev file.

    One mixture per capability scheme, pooled with equal weights; the logits' penalty is chosen
    inside each training set; the conformal
    scores come from grouped out-of-fold predictions. Folds are those of best.json.
    """
    from detente.validation.mixture import refit as do_refit

    with outputs([out], force=force) as files:
        with progress("fitting the mixture by nested cross-validation"):
            fit = do_refit(seed=seed)
        penalties = ", ".join(f"{p:g}" for _, p in fit["fold_choices"])
        err_console.print(
            f"full fit: mixtures under {', '.join(fit['full']['pool'])} pooled, penalty "
            f"{fit['full']['penalty']:g}; penalty per fold: {penalties}",
            markup=False,
            soft_wrap=True,
        )
        files.add(out, _json(fit))
        commit(files)
