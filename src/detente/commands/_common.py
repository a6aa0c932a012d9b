"""Options and helpers shared by every ``detente`` command: consoles, scenario loading, safe writes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from detente._files import Outputs
from detente.errors import ParameterError
from detente.scenario.scenario import Scenario
from detente.scenarios import DEFAULT_SCENARIO, resolve_scenario

__all__ = [
    "ForceOpt",
    "JsonOpt",
    "ScenarioArg",
    "SeedOpt",
    "command_line",
    "commit",
    "console",
    "err_console",
    "escape",
    "json_text",
    "load",
    "outputs",
    "parse_params",
    "print_rows",
    "progress",
]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

ScenarioArg = Annotated[
    str | None,
    typer.Argument(
        help=f"Embedded scenario (see `detente scenarios`) or scenario file; default {DEFAULT_SCENARIO}.",
        show_default=False,
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Seed for every random draw.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite output files that exist.")]
JsonOpt = Annotated[Path | None, typer.Option("--json", help="Also write the result as JSON to this file.")]


INPUT: list[str] = []
"""The scenario the running command loaded (file or embedded name): errors without a file name it."""


def load(name_or_path: str | None) -> Scenario:
    """Load the scenario named on the command line (embedded name or file path; None = default)."""
    INPUT[:] = [name_or_path or DEFAULT_SCENARIO]
    return resolve_scenario(name_or_path)


def json_text(data: Any) -> str:
    """JSON text as detente writes it: UTF-8, indented, no NaN or infinity."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def outputs(paths: list[Path | None], *, force: bool) -> Outputs:
    """Check a command's output paths before any work; stage and :func:`commit` them at the end."""
    return Outputs(paths, force=force)


def commit(out: Outputs) -> None:
    """Place every staged output together and say where each went."""
    for path in out.commit():
        err_console.print(f"wrote {path}", markup=False, soft_wrap=True)


def print_rows(
    rows: list[dict[str, Any]], *, title: str | None = None, columns: list[str] | None = None
) -> None:
    """Print rows of a result as a rich table on stdout.

    A table too wide for the terminal is printed at the width it needs (the terminal wraps the
    lines) rather than cropped, so no number is ever cut off.
    """
    from detente.report.console import rows_table

    table = rows_table(rows, title=title, columns=columns)
    needed = _minimum_width(table)
    if needed <= console.width:
        console.print(table)
    else:  # rich never prints wider than its console, so use a wider one on the same stream
        Console(file=console.file, width=needed, highlight=False).print(table, crop=False)


def _minimum_width(table: Any) -> int:
    """Width at which no header or short cell of ``table`` must break; long text wraps at 40."""
    total = 1
    for column in table.columns:
        need = max(len(str(c)) for c in [column.header, *column.cells])
        if column.max_width is not None:
            need = min(need, column.max_width)
        total += min(need, 40) + 3
    return total


def parse_params(items: list[str] | None) -> dict[str, Any]:
    """``["voting_rule=Cubic", "max_rounds=50"]`` -> dict; values stay text for the model to validate."""
    params: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(
                f"{item!r} is not NAME=VALUE",
                where="--param",
                fix="write parameters as NAME=VALUE, e.g. --param max_rounds=50",
            )
        key, value = item.split("=", 1)
        key = key.strip().replace("-", "_")
        if not key:
            raise ParameterError(f"{item!r} has no name", where="--param", fix="write NAME=VALUE")
        params[key] = value.strip()
    return params


def command_line() -> str:
    """The command line as typed, for the report's reproducibility footer ('' when not run as a CLI)."""
    return " ".join(["detente", *sys.argv[1:]]) if sys.argv and sys.argv[0].endswith("detente") else ""


def escape(text: str) -> str:
    """Escape rich markup in user text."""
    from rich.markup import escape as _escape

    return _escape(text)


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for long work; yields ``update(done, total)`` for the engine to call.

    When stderr is not a terminal (a pipe, a file, a test) nothing is drawn, so logs and error
    messages get no blank lines or control codes.
    """
    if not err_console.is_terminal:
        yield lambda done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update
