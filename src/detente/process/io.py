r"""Read road-map (process) files and check them against their scenario, with one-line errors.

:func:`load_process` reads a YAML process file, validates its fields, and (given a scenario) checks
every actor and issue it names. A problem raises :class:`~detente.errors.ScenarioError` whose message
names the file, the line and field, and the fix, like the scenario loader does.

>>> from detente.scenarios import load_scenario
>>> p = load_embedded_process("korea")
>>> check_process(p, load_scenario("korea")) is p
True
>>> bad = "name: x\nscenario: korea\nhorizon: -1\n"
>>> try:
...     loads_process(bad, source="bad.yaml")
... except Exception as exc:
...     print(exc)
bad.yaml: line 3, horizon: Input should be at least 1 (got -1). Fix: use a number >= 1
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from detente.errors import ScenarioError
from detente.process.spec import Process
from detente.process.strategies import STRATEGIES, get_strategy
from detente.scenario._errors import scenario_error_from_validation
from detente.scenario._yaml import load_yaml_with_lines
from detente.scenario.io import decode_text, read_text
from detente.scenario.scenario import Scenario

__all__ = [
    "EMBEDDED_PROCESSES",
    "check_process",
    "load_embedded_process",
    "load_process",
    "loads_process",
    "process_for_scenario",
]

EMBEDDED_PROCESSES: dict[str, str] = {"korea": "korea_roadmap.yaml"}
"""Embedded scenario name -> its default road-map file in :mod:`detente.scenarios`."""


def loads_process(text: str, *, source: str = "<string>", scenario: Scenario | None = None) -> Process:
    """Parse and validate process YAML text; check it against ``scenario`` when one is given."""
    data, lines = load_yaml_with_lines(text, source)
    if data is None:
        raise ScenarioError(
            "the file is empty", source=source, fix="write a road map with phases and policies"
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            f"the top level is a {type(data).__name__}, not a mapping",
            source=source,
            fix="start the file with keys such as 'name:', 'phases:', 'policies:'",
        )
    try:
        process = Process.model_validate(data)
    except ValidationError as exc:
        raise scenario_error_from_validation(
            exc, source=source, data=data, lines=lines, model=Process, guide="docs/process.md"
        ) from None
    if scenario is not None:
        check_process(process, scenario, source=source, lines=lines)
    else:
        _check_internal(process, source=source, lines=lines)
    return process


def load_process(path: str | Path, *, scenario: Scenario | None = None) -> Process:
    """Load a process YAML file; check it against ``scenario`` when one is given."""
    p = Path(path)
    if p.suffix.lower() not in {".yaml", ".yml"}:
        raise ScenarioError(
            f"unknown file type {p.suffix or '(no suffix)'!r} for a road map",
            source=p,
            fix="give a YAML process file ending in .yaml or .yml",
        )
    return loads_process(read_text(p), source=str(p), scenario=scenario)


def load_embedded_process(name: str, *, scenario: Scenario | None = None) -> Process:
    """The road map shipped for the embedded scenario ``name`` (see :data:`EMBEDDED_PROCESSES`)."""
    if name not in EMBEDDED_PROCESSES:
        raise ScenarioError(
            f"there is no embedded road map for scenario {name!r}",
            fix="give one with --process FILE; embedded road maps exist for: "
            + ", ".join(EMBEDDED_PROCESSES),
        )
    file = EMBEDDED_PROCESSES[name]
    resource = files("detente.scenarios").joinpath(file)
    text = decode_text(resource.read_bytes(), source=file)
    return loads_process(text, source=file, scenario=scenario)


def process_for_scenario(scenario: Scenario) -> Process | None:
    """The embedded road map that fits ``scenario`` (every actor and issue it names exists), or ``None``.

    The Korean road map fits every dated Korean version, since they share their actor and issue ids.
    """
    for name in EMBEDDED_PROCESSES:
        try:
            return load_embedded_process(name, scenario=scenario)
        except ScenarioError:
            continue
    return None


# --- cross-checks -----------------------------------------------------------------------------------


def _where(path: tuple[Any, ...], lines: dict[tuple[Any, ...], int] | None) -> str:
    from detente.scenario._errors import format_loc

    text = format_loc(path)
    if lines:
        for k in range(len(path), -1, -1):
            if path[:k] in lines:
                return f"line {lines[path[:k]]}, {text}"
    return text


def _actor_refs(p: Process) -> Iterator[tuple[tuple[Any, ...], str]]:
    for k, ph in enumerate(p.phases):
        for j, m in enumerate(ph.moves):
            yield ("phases", k, "moves", j, "actor"), m.actor
            for a in m.payoffs:
                yield ("phases", k, "moves", j, "payoffs", a), a
    for k, g in enumerate(p.guarantors):
        yield ("guarantors", k, "actor"), g.actor
    for s, side in enumerate(p.tension.sides):
        for j, a in enumerate(side):
            yield ("tension", "sides", s, j), a
    for k, sh in enumerate(p.tension.shocks):
        yield ("tension", "shocks", k, "actor"), sh.actor
    if p.commitment is not None:
        yield ("commitment", "actor"), p.commitment.actor
        yield ("commitment", "counterpart"), p.commitment.counterpart
    for a in p.completion.values:
        yield ("completion", "values", a), a
    if p.coercion is not None:
        yield ("coercion", "target"), p.coercion.target
    for k, po in enumerate(p.policies):
        for a in po.strategies:
            if a != "default":
                yield ("policies", k, "strategies", a), a
        if po.coalition is not None:
            for j, a in enumerate(po.coalition.members):
                yield ("policies", k, "coalition", "members", j), a
        for a in po.sequencing:
            yield ("policies", k, "sequencing", a), a


def _issue_refs(p: Process) -> Iterator[tuple[tuple[Any, ...], str]]:
    for k, ph in enumerate(p.phases):
        for j, m in enumerate(ph.moves):
            for i in m.effects:
                yield ("phases", k, "moves", j, "effects", i), i
    for i in p.escalation_effects:
        yield ("escalation_effects", i), i


def _fail(problem: str, path: tuple[Any, ...], fix: str, source: str | None, lines: Any) -> ScenarioError:
    return ScenarioError(problem, source=source, where=_where(path, lines), fix=fix)


def _check_internal(p: Process, *, source: str | None, lines: dict[tuple[Any, ...], int] | None) -> None:
    """Checks that need no scenario: unique ids, known sources, moves and strategies."""
    seen: dict[str, tuple[Any, ...]] = {}
    for k, ph in enumerate(p.phases):
        if ph.id in seen:
            raise _fail(
                f"the phase id {ph.id!r} is used twice",
                ("phases", k, "id"),
                "give each phase its own id",
                source,
                lines,
            )
        seen[ph.id] = ("phases", k)
    moves: set[str] = set()
    for k, ph in enumerate(p.phases):
        for j, m in enumerate(ph.moves):
            if m.id in moves:
                raise _fail(
                    f"the move id {m.id!r} is used twice",
                    ("phases", k, "moves", j, "id"),
                    "give each move its own id",
                    source,
                    lines,
                )
            moves.add(m.id)
            if m.actor in m.payoffs:
                raise _fail(
                    f"move {m.id!r} pays its own actor {m.actor!r}",
                    ("phases", k, "moves", j, "payoffs"),
                    "list only other actors under payoffs; the actor's side is 'cost'",
                    source,
                    lines,
                )
    policies: set[str] = set()
    for k, po in enumerate(p.policies):
        if po.id in policies:
            raise _fail(
                f"the policy id {po.id!r} is used twice",
                ("policies", k, "id"),
                "give each policy its own id",
                source,
                lines,
            )
        policies.add(po.id)
        for a, choice in po.strategies.items():
            name = choice if isinstance(choice, str) else choice.name
            params = {} if isinstance(choice, str) else choice.params
            if name not in STRATEGIES:
                raise _fail(
                    f"unknown strategy {name!r}",
                    ("policies", k, "strategies", a),
                    f"use one of: {', '.join(STRATEGIES)}",
                    source,
                    lines,
                )
            try:
                get_strategy(name, **params)
            except Exception as exc:
                msg = getattr(exc, "message", str(exc))
                raise _fail(
                    f"bad strategy parameters: {msg}",
                    ("policies", k, "strategies", a),
                    "see docs/process.md for each strategy's parameters",
                    source,
                    lines,
                ) from None
    baseline = p.policies[0]
    for k, po in enumerate(p.policies[1:], start=1):
        changed = po.levers(baseline, p.actors())
        if len(changed) > 1 and not po.bundle:
            raise _fail(
                f"policy {po.id!r} changes {len(changed)} levers from the baseline {baseline.id!r} "
                f"({', '.join(changed)})",
                ("policies", k),
                "change one lever per policy, or mark it 'bundle: true' and name it as a bundle",
                source,
                lines,
            )
    if p.coercion is not None:
        for move_id in p.coercion.relief:
            if move_id not in moves:
                raise _fail(
                    f"unknown move {move_id!r}",
                    ("coercion", "relief", move_id),
                    f"use the id of a move: {', '.join(sorted(moves))}",
                    source,
                    lines,
                )
    for k, sh in enumerate(p.tension.shocks):
        if sh.suspended_by is not None and sh.suspended_by not in moves:
            raise _fail(
                f"unknown move {sh.suspended_by!r}",
                ("tension", "shocks", k, "suspended_by"),
                f"use the id of a move: {', '.join(sorted(moves))}",
                source,
                lines,
            )
    for k, g in enumerate(p.guarantors):
        if g.from_phase is not None and g.from_phase not in seen:
            raise _fail(
                f"unknown phase {g.from_phase!r}",
                ("guarantors", k, "from_phase"),
                f"use the id of a phase: {', '.join(seen)}",
                source,
                lines,
            )
    source_ids = {s.id for s in p.sources}
    for path, block in p.provenance_blocks():
        if block.source is not None and block.source not in source_ids:
            loc = (*_path_tuple(path), "source")
            raise _fail(
                f"unknown source {block.source!r}",
                loc,
                f"use one of the ids under sources: {', '.join(sorted(source_ids)) or '(none)'}",
                source,
                lines,
            )


def _path_tuple(path: str) -> tuple[Any, ...]:
    """``'phases[1].moves[0]'`` -> ``('phases', 1, 'moves', 0)``."""
    out: list[Any] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        out.append(name)
        for idx in rest.split("[") if rest else []:
            out.append(int(idx.rstrip("]")))
    return tuple(out)


def check_process(
    process: Process,
    scenario: Scenario,
    *,
    source: str | None = None,
    lines: dict[tuple[Any, ...], int] | None = None,
) -> Process:
    """Check that every actor and issue the process names exists in ``scenario``; return the process."""
    _check_internal(process, source=source, lines=lines)
    actors = [a.id for a in scenario.actors]
    issues = [i.id for i in scenario.issues]
    for path, actor in _actor_refs(process):
        if actor not in actors:
            raise _fail(
                f"unknown actor {actor!r} (not in scenario {scenario.name!r})",
                path,
                f"use one of: {', '.join(actors)}",
                source,
                lines,
            )
    for path, issue in _issue_refs(process):
        if issue not in issues:
            raise _fail(
                f"unknown issue {issue!r} (not in scenario {scenario.name!r})",
                path,
                f"use one of: {', '.join(issues)}",
                source,
                lines,
            )
    return process
