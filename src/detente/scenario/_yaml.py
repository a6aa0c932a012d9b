"""A strict, safe YAML reader that remembers the line of every value.

Differences from ``yaml.safe_load``: aliases (``*name``) are refused, which rules out "billion
laughs" YAML bombs; duplicate keys are refused instead of silently keeping the last one; and the
result comes with a map from each value's path (``("stances", 3, "salience")``) to its line number,
so that errors can name the line.
"""

from __future__ import annotations

from typing import Any

import yaml

from detente.errors import ScenarioError

__all__ = ["load_yaml_with_lines"]

MAX_DEPTH = 40
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ScenarioError(
                "YAML aliases (*name) are not allowed",
                where=f"line {event.start_mark.line + 1}",
                fix="write the repeated value out in full",
            )
        return super().compose_node(parent, index)


def load_yaml_with_lines(text: str, source: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse YAML text; return (data, {path: line}). Raises :class:`ScenarioError` on bad YAML."""
    loader = None
    try:
        loader = _NoAliasLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[tuple[Any, ...], int] = {}
        data = _build(loader, node, (), lines, source)
        return data, lines
    except ScenarioError as exc:
        raise exc.located(source) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise ScenarioError(
            f"not valid YAML: {problem}",
            source=source,
            where=where,
            fix="check indentation, colons and quotes around this place",
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ScenarioError(
            f"not valid YAML: the character {chr(exc.character)!r} is not allowed",
            source=source,
            where=f"line {line}",
            fix="remove control characters from the file",
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"not valid YAML: {exc}", source=source, fix="check the YAML syntax") from None
    except RecursionError:
        raise ScenarioError(
            "the YAML is nested too deeply", source=source, fix=f"nest at most {MAX_DEPTH} levels"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def _build(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: tuple[Any, ...],
    lines: dict[tuple[Any, ...], int],
    source: str,
) -> Any:
    if len(path) > MAX_DEPTH:
        raise ScenarioError(
            "the YAML is nested too deeply",
            where=f"line {node.start_mark.line + 1}",
            fix=f"nest at most {MAX_DEPTH} levels",
        )
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
        raise ScenarioError(
            f"the YAML tag {node.tag!r} is not allowed",
            where=f"line {node.start_mark.line + 1}",
            fix="remove the tag (the '!!...' part)",
        )
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ScenarioError(
                    "a mapping key must be plain text",
                    where=f"line {key_node.start_mark.line + 1}",
                    fix="use a simple name as the key",
                )
            key = loader.construct_object(key_node)
            if not isinstance(key, str | int | float | bool) or key is None:
                key = str(key)
            if key in out:
                raise ScenarioError(
                    f"the key {key!r} appears twice",
                    where=f"line {key_node.start_mark.line + 1}",
                    fix="keep one of the two entries",
                )
            out[key] = _build(loader, value_node, (*path, key), lines, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, k), lines, source) for k, item in enumerate(node.value)]
    return loader.construct_object(node)
