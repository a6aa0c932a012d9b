"""A strict, safe YAML reader that remembers the line of every value.

Differences from ``yaml.safe_load``:

* **YAML 1.2 core schema** for plain values: ``9e1`` and ``1E3`` are numbers, ``yes``/``no``/``on``/
  ``off`` stay text (``NO`` is Norway's id, not false), dates such as ``2024-02-30`` stay text, and
  ``010`` is ten (not octal eight). ``0x10`` and ``0o17`` are hexadecimal and octal integers.
* **Tags** are allowed only where they say what the value already is (``!!str`` always); any other
  tag (``!!timestamp``, ``!!binary``, ``!!python/...``, ``!!int "10"``) is refused by name.
* **Aliases** (``*name``) are refused, which rules out "billion laughs" YAML bombs.
* **Duplicate keys** are refused instead of silently keeping the last one.
* **Numbers** longer than :data:`MAX_NUMBER_CHARS` characters are refused (Python refuses integers
  over 4,300 digits, and no scenario needs one).

The result comes with a map from each value's path (``("stances", 3, "salience")``) to its line
number, so that errors can name the line. libyaml's parser is used when PyYAML has it (about ten
times faster than the pure-Python one); the two give the same results.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any, ClassVar

import yaml

from detente.errors import ScenarioError
from detente.scenario._fields import MAX_NUMBER_CHARS

__all__ = ["MAX_DEPTH", "MAX_NUMBER_CHARS", "load_yaml_with_lines", "resolve_plain_core"]

MAX_DEPTH = 40
"""Deepest nesting of mappings and lists accepted."""


_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_TAG + "map", _TAG + "seq"}

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution)
_CORE = [
    (_TAG + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), list("~nN")),
    (_TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")),
    (
        _TAG + "int",
        re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
        list("-+0123456789"),
    ),
    (
        _TAG + "float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+.0123456789"),
    ),
]


class _CoreResolver(yaml.resolver.BaseResolver):
    """Resolves plain scalars by the YAML 1.2 core schema."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}


for _tag, _regexp, _first in _CORE:
    _CoreResolver.add_implicit_resolver(_tag, _regexp, _first)
_CoreResolver.add_implicit_resolver(_TAG + "null", re.compile(r"^$"), [""])


def _number_text(loader: Any, node: yaml.ScalarNode) -> str:
    text = str(node.value)
    if len(text) > MAX_NUMBER_CHARS:
        raise ScenarioError(
            f"a number of {len(text)} characters",
            where=f"line {node.start_mark.line + 1}",
            fix=f"write numbers in at most {MAX_NUMBER_CHARS} characters (use e-notation, e.g. 1.5e9)",
        )
    return text


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    text = _number_text(loader, node)
    if text.startswith("0x"):
        return int(text[2:], 16)
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 10)


def _construct_float(loader: Any, node: yaml.ScalarNode) -> float:
    text = _number_text(loader, node)
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(text)


def _construct_bool(loader: Any, node: yaml.ScalarNode) -> bool:
    return str(node.value).lower() == "true"


_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"
_PLAIN = [(tag, regexp, set(first)) for tag, regexp, first in _CORE]


@functools.lru_cache(maxsize=4096)
def _resolve_plain(value: str) -> str:
    first = value[:1]
    for tag, regexp, starts in _PLAIN:
        if (first in starts or (first == "" and tag == _TAG + "null")) and regexp.match(value):
            return tag
    return _STR


def resolve_plain_core(value: str) -> str:
    """The YAML 1.2 core-schema tag of a plain (unquoted) scalar, e.g. ``'1e3'`` -> ``...:float``."""
    return _resolve_plain(value)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """libyaml's (or PyYAML's) parser with the core-schema resolver and strict constructors."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = _CoreResolver.yaml_implicit_resolvers
    yaml_constructors: ClassVar[dict[Any, Any]] = dict(yaml.SafeLoader.yaml_constructors)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """The YAML 1.2 core schema's tag for a node without an explicit one (no path resolvers)."""
        if kind is yaml.ScalarNode:
            return _resolve_plain(value) if implicit[0] else _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


_Loader.yaml_constructors[_TAG + "int"] = _construct_int
_Loader.yaml_constructors[_TAG + "float"] = _construct_float
_Loader.yaml_constructors[_TAG + "bool"] = _construct_bool


def load_yaml_with_lines(text: str, source: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse YAML text; return (data, {path: line}). Raises :class:`ScenarioError` on bad YAML."""
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[tuple[Any, ...], int] = {}
        data = _Builder(loader, lines).build(node, ())
        return data, lines
    except ScenarioError as exc:
        raise exc.located(source) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = exc.problem or exc.context or "malformed YAML"
        if "nesting depth" in problem:
            raise ScenarioError(
                "the YAML is nested too deeply",
                source=source,
                where=where,
                fix=f"nest at most {MAX_DEPTH} levels",
            ) from None
        raise ScenarioError(
            f"not valid YAML: {problem}",
            source=source,
            where=where,
            fix="check indentation, colons and quotes around this place",
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise ScenarioError(
            f"not valid YAML: the character {char!r} is not allowed",
            source=source,
            where=f"line {line}",
            fix="remove control characters from the file",
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(
            f"not valid YAML: {' '.join(str(exc).split())[:120]}", source=source, fix="check the YAML syntax"
        ) from None
    except RecursionError:
        raise ScenarioError(
            "the YAML is nested too deeply", source=source, fix=f"nest at most {MAX_DEPTH} levels"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Builder:
    """Turns a composed node graph into Python data, checking tags, aliases, keys and depth."""

    def __init__(self, loader: Any, lines: dict[tuple[Any, ...], int]) -> None:
        self.loader = loader
        self.lines = lines
        self.seen: set[int] = set()

    def build(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        line = node.start_mark.line + 1
        if len(path) > MAX_DEPTH:
            raise ScenarioError(
                "the YAML is nested too deeply", where=f"line {line}", fix=f"nest at most {MAX_DEPTH} levels"
            )
        if id(node) in self.seen:
            raise ScenarioError(
                "a YAML alias (*name) repeats the value anchored here (&name); aliases are not allowed",
                where=f"line {line}",
                fix="write the repeated value out in full",
            )
        self.seen.add(id(node))
        self.lines[path] = line
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if node.tag not in _PLAIN_TAGS:
                raise ScenarioError(
                    f"the YAML tag {_tag_name(node.tag)!r} is not part of the format",
                    where=f"line {line}",
                    fix="remove the tag (the '!...' part)",
                )
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, k)) for k, item in enumerate(node.value)]
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._key(key_node)
                if key in out:
                    raise ScenarioError(
                        f"the key {_shown(key)} appears twice",
                        where=f"line {key_node.start_mark.line + 1}",
                        fix="keep one of the two entries",
                    )
                out[key] = self.build(value_node, (*path, key))
            return out
        return self._scalar(node)

    def _key(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise ScenarioError(
                "a mapping key must be plain text",
                where=f"line {node.start_mark.line + 1}",
                fix="use a simple name as the key",
            )
        key = self._scalar(node)
        if key is None or not isinstance(key, str | int | float | bool):
            key = str(key)
        return key

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag != _TAG + "str":
            implicit = self.loader.resolve(yaml.ScalarNode, node.value, (True, False))
            expected = implicit if node.style in (None, "") else _TAG + "str"
            if tag != expected:
                raise ScenarioError(
                    f"the YAML tag {_tag_name(tag)!r} is not part of the format",
                    where=f"line {node.start_mark.line + 1}",
                    fix="remove the tag (the '!...' part); write the value plainly",
                )
        return self.loader.construct_object(node, deep=True)


def _shown(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
