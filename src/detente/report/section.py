"""A report section: a titled block of trusted HTML that a topic module builds from a result.

Topic modules (baseline forecasts, SMP, expected utility, road maps, deals, validation) each
return :class:`Section` objects; :func:`detente.report.html.render_html` lays them out. Section HTML
is built with Jinja2 or :func:`markupsafe.escape`, so names from scenarios are always escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

__all__ = ["Section"]


@dataclass(frozen=True)
class Section:
    """One section of the report.

    Attributes
    ----------
    id : str
        Anchor id (letters, digits and ``-``), unique within a report.
    title : str
        Heading text (escaped when rendered).
    html : Markup
        Body: trusted HTML, with every user-supplied string already escaped.
    subsections : tuple of Section
        Nested sections, rendered after the body.
    collapsed : bool
        Render as a collapsed ``<details>`` block (model internals, long tables): the heading stays
        visible and the reader opens it; printing and links into it open it too.
    """

    id: str
    title: str
    html: Markup = field(default_factory=lambda: Markup(""))
    subsections: tuple[Section, ...] = ()
    collapsed: bool = False
