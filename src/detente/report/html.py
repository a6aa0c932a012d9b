"""Render a report: one self-contained HTML page (inline CSS and SVG, no scripts, no network)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from typing import Any

from jinja2 import Environment, select_autoescape
from markupsafe import Markup, escape

from detente import __version__
from detente.report.section import Section

__all__ = ["html_table", "render_html"]

_ENV = Environment(
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render_html(
    title: str,
    sections: Sequence[Section],
    *,
    description: str = "",
    seed: int | None = None,
    command: str = "",
    lead: int = 0,
) -> str:
    """The report page as a string; the caller writes it. Every text argument is escaped.

    The first ``lead`` sections come before the scenario's description and the table of contents (the
    summary a reader should see first); the rest follow them.
    """
    template = _ENV.from_string(
        files("detente.report").joinpath("templates/report.html.j2").read_text("utf-8")
    )
    return template.render(
        title=title,
        sections=list(sections),
        description=description,
        seed=seed,
        command=command,
        version=__version__,
        lead=lead,
    )


def html_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    numeric: Sequence[str] = (),
    classes: dict[int, str] | None = None,
) -> Markup:
    """An escaped HTML table of ``rows`` (dicts); ``numeric`` columns are right-aligned.

    ``classes`` optionally maps a row index to a CSS class (e.g. ``"estimate"``).
    """
    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    head = "".join(
        f'<th class="num">{escape(c)}</th>' if c in numeric else f"<th>{escape(c)}</th>" for c in cols
    )
    body = []
    for k, row in enumerate(rows):
        cls = f' class="{escape(classes[k])}"' if classes and k in classes else ""
        cells = "".join(
            f'<td class="num">{escape(row.get(c, ""))}</td>'
            if c in numeric
            else f"<td>{escape(row.get(c, ''))}</td>"
            for c in cols
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return Markup(
        f'<div class="table-wrap" tabindex="0"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
