"""Constrained field types shared by the scenario classes."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

__all__ = [
    "MAX_CAPABILITY",
    "MAX_NUMBER_CHARS",
    "AsOf",
    "Capability",
    "Identifier",
    "Name",
    "Score",
    "Text",
    "check_text",
]

MAX_NUMBER_CHARS = 64
"""Longest number accepted in scenario text (YAML, JSON, CSV), in characters (``1.7976931348623157e308``
has 23). Python refuses integers over 4,300 digits, and no scenario needs one."""

_FORBIDDEN_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\n\t"} | {"\x7f"}


def check_text(value: str) -> str:
    """Reject control characters (other than newline and tab) and text that is not valid Unicode."""
    bad = next((ch for ch in value if ch in _FORBIDDEN_CONTROL), None)
    if bad is not None:
        raise ValueError(f"contains the control character {bad!r}; remove it")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("contains characters that are not valid Unicode (lone surrogates)") from exc
    return value


def _check_finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


Text = Annotated[str, AfterValidator(check_text)]
"""Free text: any Unicode without control characters other than newline and tab."""

Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(check_text)]
"""A display name: 1 to 200 characters."""

Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"),
]
"""A short id: letters, digits, ``_``, ``.`` and ``-``, starting with a letter or digit."""

AsOf = Annotated[str, StringConstraints(pattern=r"^(|\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?)$")]
"""A date as ISO text at year, month or day precision (``2019-03``), or ``""``."""

MAX_CAPABILITY = 1e15
"""Largest capability accepted. Models use only ratios of capabilities, so any scale fits under it;
the bound keeps products of capability, salience and utility (cubed, in some voting rules) finite."""

Capability = Annotated[float, Field(ge=0.0, le=MAX_CAPABILITY, allow_inf_nan=False)]
"""An actor's capability: 0 to :data:`MAX_CAPABILITY`."""

Score = Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)]
"""A number on detente's 0-100 scale (positions, saliences, status quo)."""
