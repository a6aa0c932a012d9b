"""Rich renderables for the terminal, built from the plain rows of :mod:`detente.report.tables`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

__all__ = ["rows_table"]


def rows_table(
    rows: Sequence[dict[str, Any]],
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
    numeric: Sequence[str] = (),
) -> Table:
    """A rich table of ``rows`` (dicts); ``columns`` picks and orders keys (default: the first row's).

    Cell text is never interpreted as rich markup, so names such as ``[bold]`` print literally. The
    first column (an id or name) never wraps; other columns fold when the terminal is narrow.
    """
    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    table = Table(title=title, title_justify="left", header_style="bold", show_lines=False)
    for i, col in enumerate(cols):
        cells = [str(row.get(col, "")) for row in rows]
        short = max((len(c) for c in [col, *cells]), default=0)
        table.add_column(
            col,
            justify="right" if col in numeric else "left",
            overflow="ellipsis" if i == 0 else "fold",
            no_wrap=i == 0 or short <= 12,
            max_width=36 if i == 0 else None,
            min_width=short if short <= 12 else None,
        )
    for row in rows:
        table.add_row(*(Text(str(row.get(c, ""))) for c in cols))
    return table
