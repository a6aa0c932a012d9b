"""Turn pydantic validation errors into one-line :class:`ScenarioError` messages.

Validators that check several parts against each other raise :class:`LocatedValueError`, which
carries the path of the part at fault (``("stances", 7)``), so the message names that part's line
rather than the top of the file. Of several problems, an unknown key is reported first, with the
closest allowed key as the likely intended spelling (``salince`` -> ``salience``), because a
misspelt key otherwise shows up only as the right key being "missing".
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from detente.errors import ScenarioError

__all__ = ["LocatedValueError", "format_loc", "scenario_error_from_validation", "shown"]


class LocatedValueError(ValueError):
    """A validator's ``ValueError`` that knows which part of the input it is about.

    ``loc`` is a path relative to the model being validated, e.g. ``("stances", 7, "actor")``.
    The message follows the ``"problem; fix"`` convention of detente's validators.
    """

    def __init__(self, message: str, loc: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.loc = tuple(loc)


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)``, clipped to ``limit`` characters, for echoing input in messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _num(x: float) -> str:
    """A bound or value for a message: ``1e+15`` -> ``1e15``."""
    return f"{x:g}".replace("e+", "e")


def format_loc(loc: tuple[Any, ...]) -> str:
    """``('stances', 3, 'salience')`` -> ``'stances[3].salience'``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _context(data: Any, loc: tuple[Any, ...]) -> str:
    """A human hint for list items: ``stances[3]`` -> ``(DPRK on sanctions)``; ``actors[1]`` -> ``(ROK)``."""
    if len(loc) < 2 or not isinstance(loc[1], int) or not isinstance(data, dict):
        return ""
    items = data.get(loc[0])
    if not isinstance(items, list | tuple) or loc[1] >= len(items) or not isinstance(items[loc[1]], dict):
        return ""
    item = items[loc[1]]
    if loc[0] == "stances" and "actor" in item and "issue" in item:
        return f" ({_clip(item['actor'])} on {_clip(item['issue'])})"
    if "id" in item:
        return f" ({_clip(item['id'])})"
    return ""


def _clip(value: Any, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fix_for(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    field = str(err["loc"][-1]) if err["loc"] else "value"
    if kind in {"less_than_equal", "greater_than_equal", "less_than", "greater_than"}:
        lo = ctx.get("ge", ctx.get("gt"))
        hi = ctx.get("le", ctx.get("lt"))
        if field in {"position", "salience", "status_quo", "low", "high", "outcome"}:
            return "use a number from 0 to 100 (detente's issue scale)"
        if field == "capability" and hi is not None:
            return (
                f"use a number from 0 to {_num(hi)}; only ratios of capabilities matter, "
                "so divide every capability by the same factor"
            )
        if lo is not None and hi is not None:
            return f"use a number from {lo} to {hi}"
        return f"use a number {'>= ' + str(lo) if lo is not None else '<= ' + str(hi)}"
    if kind == "finite_number":
        return "use a finite number (not NaN or infinity)"
    if kind in {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"}:
        if isinstance(err.get("input"), str) and not err["input"].isascii():
            return "write the number with the digits 0-9 (other scripts' digits are not read as numbers)"
        return "write a plain number such as 42 or 0.5 (not in quotes)"
    if kind in {"string_type", "string_sub_type"}:
        return "write text (in YAML, put it in quotes)"
    if kind == "missing":
        return f"add the field '{field}'"
    if kind == "extra_forbidden":
        return f"remove '{_clip(field)}' or correct its spelling"
    if kind == "string_pattern_mismatch":
        return "ids use letters, digits, '_', '.' and '-', and start with a letter or digit"
    if kind in {"string_too_short", "too_short"}:
        return f"'{field}' must not be empty"
    if kind in {"string_too_long", "too_long"}:
        return f"shorten '{field}' to at most {ctx.get('max_length')}"
    if kind == "literal_error":
        return f"use one of: {ctx.get('expected')}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return "write a mapping of field: value"
    if kind in {"tuple_type", "list_type"}:
        return "write a list"
    return ""


def _model_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that validates the mapping at ``loc`` (None if unknown)."""
    current: Any = model
    for part in loc:
        if current is None:
            return None
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            current = field.annotation if field is not None else None
        elif _is_container(current):
            args = [a for a in typing.get_args(current) if a is not Ellipsis]
            current = args[-1] if args else None
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Union/Annotated down to the model or container type inside."""
    for _ in range(5):
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin is typing.Union or origin is types.UnionType:
            inner = [
                a
                for a in typing.get_args(annotation)
                if a is not type(None)
                and (_is_container(a) or (isinstance(a, type) and issubclass(a, BaseModel)))
            ]
            annotation = inner[0] if inner else None
        else:
            break
    return annotation


def _is_container(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (tuple, list, dict)


def _suggest(key: str, candidates: list[str]) -> str | None:
    match = difflib.get_close_matches(key.lower(), [c.lower() for c in candidates], n=1, cutoff=0.6)
    if not match:
        return None
    return next(c for c in candidates if c.lower() == match[0])


def _pick(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The error to report: an unknown key before a missing one, otherwise the first."""
    for err in errors:
        if err["type"] == "extra_forbidden":
            return err
    return errors[0]


def scenario_error_from_validation(
    exc: ValidationError,
    *,
    source: str | None,
    data: Any = None,
    lines: dict[tuple[Any, ...], int] | None = None,
    model: type[BaseModel] | None = None,
    guide: str = "docs/scenario-format.md",
) -> ScenarioError:
    """The most telling problem of a pydantic ``ValidationError`` as a one-line :class:`ScenarioError`.

    ``lines`` maps a location path to a 1-based line number in the source file, when known.
    ``model`` is the class that was validated (used to suggest the intended spelling of a key);
    ``guide`` is the document a message without a specific fix points to.
    """
    errors = exc.errors(include_url=False)
    err = _pick(errors)
    loc = tuple(err["loc"])
    original = (err.get("ctx") or {}).get("error")
    if isinstance(original, LocatedValueError):
        loc = (*loc, *original.loc)
    if not loc:
        where = "top level"
    elif len(loc) >= 2 and isinstance(loc[1], int):
        where = format_loc(loc[:2]) + _context(data, loc) + (f".{format_loc(loc[2:])}" if loc[2:] else "")
    else:
        where = format_loc(loc)
    if lines:
        for k in range(len(loc), -1, -1):
            if loc[:k] in lines:
                where = f"line {lines[loc[:k]]}, {where}"
                break
    msg = err["msg"]
    fix = _fix_for(err)
    if err["type"] == "value_error":
        msg = msg.removeprefix("Value error, ")
        if "; " in msg:  # our validators say "problem; fix"
            msg, fix = msg.split("; ", 1)
    elif err["type"] == "extra_forbidden":
        key = str(loc[-1])
        msg = f"unknown key {shown(key, 40)}"
        missing = [
            str(e["loc"][-1]) for e in errors if e["type"] == "missing" and tuple(e["loc"][:-1]) == loc[:-1]
        ]
        owner = _model_at(model, loc[:-1])
        allowed = list(owner.model_fields) if owner is not None else []
        guess = _suggest(key, missing) or _suggest(key, allowed)
        if guess is not None:
            msg += f" (did you mean {guess!r}?)"
            fix = f"write '{guess}' instead of '{_clip(key)}'"
        elif allowed:
            fix = f"remove '{_clip(key)}' or correct it; the keys here are: {', '.join(allowed)}"
    elif "input" in err and err["type"] != "missing" and not isinstance(err["input"], dict | list):
        ctx = err.get("ctx") or {}
        if err["type"] == "less_than_equal" and isinstance(ctx.get("le"), int | float):
            msg = f"Input should be at most {_num(ctx['le'])}"
        elif err["type"] == "greater_than_equal" and isinstance(ctx.get("ge"), int | float):
            msg = f"Input should be at least {_num(ctx['ge'])}"
        value = err["input"]
        msg = f"{msg} (got {_num(value)})" if isinstance(value, float) else f"{msg} (got {shown(value)})"
    return ScenarioError(msg, source=source, where=where, fix=fix or f"see {guide}")
