"""Options and helpers shared by every ``detente`` command: consoles, scenario loading, safe writes.

This module is imported by ``detente --version`` and ``--help``: it imports typer and rich only, and
the scenario stack (numpy, pydantic) when a command loads a scenario.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console, ConsoleDimensions
from typer.core import TyperGroup

from detente._defaults import DEFAULT_SCENARIO
from detente._files import Outputs
from detente.errors import ParameterError

if TYPE_CHECKING:
    from detente.scenario.scenario import Scenario

__all__ = [
    "ForceOpt",
    "JsonOpt",
    "OutOpt",
    "ScenarioArg",
    "SeedOpt",
    "SubcommandFirst",
    "command_line",
    "commit",
    "console",
    "err_console",
    "fit_columns",
    "json_text",
    "load",
    "outputs",
    "parse_params",
    "print_note",
    "print_rows",
    "progress",
    "terminal_width",
]


class SubcommandFirst(TyperGroup):
    """A group whose callback takes an optional positional argument and that also has subcommands.

    Click would read ``detente roadmap check`` as SCENARIO='check'; when the first word names a
    subcommand, the group's own parameters keep their defaults and the word goes to the subcommand.
    Options may follow the argument (``detente roadmap korea --runs 100``). A first word that is no
    subcommand, no :meth:`names_target` and close to a subcommand's name is refused with a suggestion.
    Subclasses say what the argument is (:attr:`target`, :meth:`names_target`).
    """

    allow_interspersed_args = True
    target = "a file"
    """What the positional argument is, for the message about a mistyped subcommand."""

    def names_target(self, word: str) -> bool:
        """Whether ``word`` names the positional argument's kind of thing (here: an existing path)."""
        return Path(word).exists()

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        """Send a leading subcommand name to the subcommand rather than to the argument."""
        if args and args[0] in self.commands:
            super().parse_args(ctx, [])
            ctx._protected_args, ctx.args = args[:1], args[1:]
            return ctx.args
        if args and not args[0].startswith("-") and not self.names_target(args[0]):
            from difflib import get_close_matches

            match = get_close_matches(args[0], list(self.commands), n=1, cutoff=0.7)
            if match:
                ctx.fail(f"{args[0]!r} is neither a subcommand nor {self.target}. Did you mean {match[0]!r}?")
        return super().parse_args(ctx, args)


DEFAULT_WIDTH = 100
"""Width of printed output when it goes to a file or a pipe and ``COLUMNS`` is not set."""


def terminal_width(stream: Any = None) -> int:
    """The width printed output must fit: ``COLUMNS`` if set, else the terminal's, else 100.

    Read at each call, so a test (or a user) changing ``COLUMNS`` changes the layout.
    """
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), 20)
    stream = sys.stdout if stream is None else stream
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns or DEFAULT_WIDTH
    except (AttributeError, OSError, ValueError):
        pass
    return DEFAULT_WIDTH


class _FittedConsole(Console):
    """A rich console whose width is :func:`terminal_width` of its stream at each use."""

    @property
    def size(self) -> ConsoleDimensions:
        """The console's width (see :func:`terminal_width`) and height."""
        return ConsoleDimensions(terminal_width(self.file), super().size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        raise AttributeError("the width of detente's consoles follows COLUMNS or the terminal")


console = _FittedConsole(highlight=False, markup=False, emoji=False)
"""stdout. Text prints as it is: no rich markup (``[bold]``) and no emoji codes (``:smile:``), so a
name from a scenario file can never restyle or break the output. Style with ``style=`` or ``Text``."""
err_console = _FittedConsole(stderr=True, highlight=False, markup=False, emoji=False)
"""stderr, printing text as it is (see :data:`console`)."""

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
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Folder for the report page (writes DIR/report.html).", metavar="DIR"),
]
"""``--out`` means one thing in every command: a folder for reports (files: ``--json FILE``, ``--csv``)."""


INPUT: list[str] = []
"""The scenario the running command loaded (file or embedded name): errors without a file name it."""


def load(name_or_path: str | None) -> Scenario:
    """Load the scenario named on the command line (embedded name or file path; None = default)."""
    from detente.scenarios import resolve_scenario

    INPUT[:] = [name_or_path or DEFAULT_SCENARIO]
    return resolve_scenario(name_or_path)


def json_text(data: Any) -> str:
    """JSON text as detente writes it: UTF-8, indented, no NaN or infinity."""
    import json  # here: only --json output needs it (about 1 ms of start-up)

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
    """Print rows of a result as a table on stdout, fitted to the terminal's width.

    The table is laid out by :func:`fit_columns`: headers wrap at spaces and hyphens, text cells wrap
    at spaces, numbers never break, and a table that cannot fit even so is printed in several parts,
    each repeating the first column (``title (continued)``). No line is wider than
    :func:`terminal_width`, and no number is cut off.
    """
    from rich.table import Table
    from rich.text import Text

    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    cells = [[_cell(row.get(c, "")) for row in rows] for c in cols]
    layout = fit_columns(cols, cells, console.width)
    for part, (indices, widths) in enumerate(layout):
        table = Table(
            title=(title if part == 0 else f"{title} (continued)") if title else None,
            title_justify="left",
            header_style="bold",
            show_lines=False,
        )
        for k, w in zip(indices, widths, strict=True):
            table.add_column(_wrap_header(cols[k], w), width=w, overflow="fold", no_wrap=False)
        for r in range(len(rows)):
            table.add_row(*(Text(cells[k][r]) for k in indices))
        console.print(table)


def print_note(text: str, *, err: bool = False) -> None:
    """Print a line of text (a note under a table) wrapped at word boundaries to the terminal's width."""
    (err_console if err else console).print(text, markup=False, highlight=False)


TABLE_BORDER = 3
"""Characters a table spends per column on borders and padding (plus one for the left edge)."""

TEXT_FLOOR = 10
"""Narrowest a column of words may become before a table is split into parts."""

WORD_CAP = 20
"""Words longer than this may be folded inside a narrow column of text."""


def fit_columns(headers: list[str], cells: list[list[str]], width: int) -> list[tuple[list[int], list[int]]]:
    """Lay out a table of ``headers`` and ``cells`` (one list per column) within ``width`` characters.

    Returns the parts to print, each as (column indices, column widths). Every column first gets its
    natural width (its widest header or cell); if the table is too wide, columns shrink toward their
    floor (numbers and cells without letters: their full width; headers: their longest word; text:
    its longest word, at least :data:`TEXT_FLOOR` and at most :data:`WORD_CAP`), the widest first;
    if even the floors do not fit, the columns after the first are split into consecutive parts that
    each repeat the first column.
    """
    n = len(headers)
    if n == 0:
        return [([], [])]
    natural = [_natural(h, c) for h, c in zip(headers, cells, strict=True)]
    floor = [min(_floor(h, c), nat) for h, c, nat in zip(headers, cells, natural, strict=True)]

    def room(k: int) -> int:
        return width - (TABLE_BORDER * k + 1)

    if sum(floor) <= room(n) or n == 1:
        return [(list(range(n)), _shrink(natural, floor, room(n)))]
    # Split into as few parts as the floors allow; pack by natural widths when that needs no more parts.
    by_floor, by_natural = _pack(floor, room), _pack(natural, room)
    parts = by_natural if len(by_natural) <= len(by_floor) else by_floor
    return [(p, _shrink([natural[i] for i in p], [floor[i] for i in p], room(len(p)))) for p in parts]


def _pack(widths: list[int], room: Callable[[int], int]) -> list[list[int]]:
    """Columns after the first in consecutive parts that each repeat column 0 and fit ``room``."""
    parts: list[list[int]] = []
    current = [0]
    for k in range(1, len(widths)):
        if len(current) > 1 and sum(widths[i] for i in [*current, k]) > room(len(current) + 1):
            parts.append(current)
            current = [0]
        current.append(k)
    parts.append(current)
    return parts


def _shrink(natural: list[int], floor: list[int], room: int) -> list[int]:
    """Widths from ``natural`` down toward ``floor`` (widest first) until they sum to ``room``."""
    widths = list(natural)
    excess = sum(widths) - room
    while excess > 0:
        slack = [w - f for w, f in zip(widths, floor, strict=True)]
        # the widest column with slack gives a character; the first column (the row's name) gives last
        k = max(range(len(widths)), key=lambda i: (slack[i] > 0, i > 0, widths[i] if slack[i] > 0 else -1))
        if slack[k] <= 0:  # even the floors do not fit (one very wide column): fold the widest
            k = max(range(len(widths)), key=lambda i: widths[i])
            if widths[k] <= 1:
                break
        widths[k] -= 1
        excess -= 1
    return widths


def _cell(value: Any) -> str:
    return str(value).replace("\t", " ")


def _natural(header: str, cells: list[str]) -> int:
    lines = [line for c in [header, *cells] for line in c.splitlines() or [""]]
    return max(max((len(x) for x in lines), default=0), 1)


def _header_words(header: str) -> list[str]:
    return [w for w in re.split(r"\s+|(?<=[-/])(?=\w)", header) if w]


def _floor(header: str, cells: list[str]) -> int:
    head = max((len(w) for w in _header_words(header)), default=1)
    need = 1
    for c in cells:
        if not _LETTER.search(c):  # a number, an interval, a date: never broken
            need = max(need, max((len(x) for x in c.splitlines()), default=0))
        else:
            longest = max((len(w) for w in c.split()), default=0)
            need = max(need, min(max(longest, min(TEXT_FLOOR, len(c))), WORD_CAP))
    return max(head, need)


_LETTER = re.compile(r"[^\W\d_]")


def _wrap_header(header: str, width: int) -> str:
    """``header`` broken into lines of at most ``width`` at spaces and after hyphens (long words kept)."""
    lines: list[str] = []
    for word in _header_words(header):
        glue = "" if lines and lines[-1].endswith(("-", "/")) else " "
        if lines and len(lines[-1]) + len(glue) + len(word) <= width:
            lines[-1] += glue + word
        else:
            lines.append(word)
    return "\n".join(lines)


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
        TextColumn("{task.description}", markup=False),
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
