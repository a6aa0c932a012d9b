"""Reading the frozen fits shipped inside :mod:`detente.validation` (``best.json``, ``mixture.json``)."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from detente.errors import InputError

__all__ = ["read_shipped"]


def read_shipped(name: str, refit: str) -> dict[str, Any]:
    """The JSON file ``name`` of the package; a missing file is an error whose fix is ``refit``."""
    try:
        return dict(json.loads(files("detente.validation").joinpath(name).read_text("utf-8")))
    except FileNotFoundError:
        raise InputError(
            f"the package has no fitted model file {name}",
            source=name,
            fix=f"run `{refit}`",
        ) from None
