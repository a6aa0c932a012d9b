"""Turn pydantic validation errors into one-line :class:`ScenarioError` messages."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from detente.errors import ScenarioError

__all__ = ["format_loc", "scenario_error_from_validation"]


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
        return f" ({item['actor']} on {item['issue']})"
    if "id" in item:
        return f" ({item['id']})"
    return ""


def _fix_for(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    field = str(err["loc"][-1]) if err["loc"] else "value"
    if kind in {"less_than_equal", "greater_than_equal", "less_than", "greater_than"}:
        lo = ctx.get("ge", ctx.get("gt"))
        hi = ctx.get("le", ctx.get("lt"))
        if field in {"position", "salience", "status_quo", "low", "high", "outcome"}:
            return "use a number from 0 to 100 (detente's issue scale)"
        if lo is not None and hi is not None:
            return f"use a number from {lo} to {hi}"
        return f"use a number {'>= ' + str(lo) if lo is not None else '<= ' + str(hi)}"
    if kind == "finite_number":
        return "use a finite number (not NaN or infinity)"
    if kind in {"float_type", "float_parsing", "int_type", "int_parsing"}:
        return "write a plain number"
    if kind in {"string_type", "string_sub_type"}:
        return "write text (in YAML, put it in quotes)"
    if kind == "missing":
        return f"add the field '{field}'"
    if kind == "extra_forbidden":
        return f"remove '{field}' or correct its spelling"
    if kind == "string_pattern_mismatch":
        return "ids use letters, digits, '_', '.' and '-', and start with a letter or digit"
    if kind in {"string_too_short", "too_short"}:
        return f"'{field}' must not be empty"
    if kind == "string_too_long":
        return f"shorten '{field}' to at most {ctx.get('max_length')} characters"
    if kind == "literal_error":
        return f"use one of: {ctx.get('expected')}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return "write a mapping of field: value"
    if kind in {"tuple_type", "list_type"}:
        return "write a list"
    if kind == "value_error":
        return ""
    return "see docs/scenario-format.md"


def scenario_error_from_validation(
    exc: ValidationError,
    *,
    source: str | None,
    data: Any = None,
    lines: dict[tuple[Any, ...], int] | None = None,
) -> ScenarioError:
    """The first problem of a pydantic ``ValidationError`` as a one-line :class:`ScenarioError`.

    ``lines`` maps a location path to a 1-based line number in the source file, when known.
    """
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    if not loc:
        where = "scenario"
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
    elif "input" in err and err["type"] != "missing" and not isinstance(err["input"], dict | list):
        shown = repr(err["input"])
        msg = f"{msg} (got {shown[:60]}{'...' if len(shown) > 60 else ''})"
    return ScenarioError(msg, source=source, where=where, fix=fix or None)
