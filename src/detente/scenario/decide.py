r"""Reader for the input files of Decide, the Stokman-van Oosten exchange model program.

Decide's input is a table of records, one a line, each led by a tag in its first field (which may be
quoted with ``'`` or ``"``); fields are tab-, semicolon- or comma-separated:

========  ====================================================================================
``#A``    an actor: id, name, optional comment
``#P``    an issue: id, name or description, optional comment
``#M``    a point of an issue's scale: issue id, value, optional meaning. The lowest and highest
          ``#M`` values of an issue are the ends of its scale.
``#D``    an actor's data on an issue: actor id, issue id, position (on the issue's scale),
          salience, power
``#O``    a comment (the first one is taken as the scenario's description)
``#/``    a comment or column header, ignored
========  ====================================================================================

How the records become a detente :class:`~detente.scenario.Scenario`:

* positions are mapped linearly from the issue's scale (its lowest to highest ``#M`` value; the
  positions' own range if the issue has no ``#M`` lines) onto 0-100, and a scale other than 0-100
  is kept as the issue's ``units``, so forecasts convert back;
* saliences: Decide writes them on 0-1 (the example cases do) or 0-100; if every salience in the
  file is at most 1 they are multiplied by 100;
* power: Decide gives it per actor and issue; detente has one capability per actor, so an actor's
  power must be the same on every issue (it is in Decide's example cases) and becomes its
  capability;
* an actor without a ``#D`` line on an issue has no stance on it (Decide leaves it out of that
  issue too).

Every problem is a one-line :class:`~detente.errors.ScenarioError` naming the file, the line and the
fix.

>>> s = read_decide_text("#A;a;A\n#A;b;B\n#P;x;X\n#M;x;0;no\n#M;x;10;yes\n"
...                      "#D;a;x;2;0.5;1\n#D;b;x;10;0.8;1\n", source="t.csv")
>>> [st.position for st in s.stances], [st.salience for st in s.stances]
([20.0, 100.0], [50.0, 80.0])
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from detente.errors import ScenarioError
from detente.scenario._errors import shown
from detente.scenario.io import parse_number, read_text, scenario_from_data
from detente.scenario.scenario import Scenario, check_size

__all__ = ["DECIDE_TAGS", "looks_like_decide", "read_decide", "read_decide_text"]

DECIDE_TAGS = ("#A", "#P", "#M", "#D", "#O", "#/")
"""The record tags of Decide's input format."""

_MIN_FIELDS = {
    "#A": (2, "#A, actor id, name"),
    "#P": (2, "#P, issue id, description"),
    "#M": (3, "#M, issue id, value, meaning"),
    "#D": (6, "#D, actor id, issue id, position, salience, power"),
}


def _strip(cell: str) -> str:
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "'\"":
        cell = cell[1:-1].strip()
    return cell


def _first_cell(line: str) -> str:
    for d in ("\t", ";", ","):
        if d in line:
            return _strip(line.split(d, 1)[0])
    return _strip(line)


def looks_like_decide(text: str) -> bool:
    """True if the first non-blank line of ``text`` starts with one of Decide's record tags."""
    for line in text.split("\n"):
        if line.strip():
            return _first_cell(line) in DECIDE_TAGS
    return False


def _split(text: str) -> list[tuple[int, list[str]]]:
    """Rows with their 1-based line numbers; quotes of either kind are removed."""
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        delim = "\t" if "\t" in line else ";" if ";" in line else ","
        quote = "'" if line.lstrip().startswith("'") else '"'
        try:
            cells = next(csv.reader(io.StringIO(line), delimiter=delim, quotechar=quote))
        except (csv.Error, StopIteration):
            cells = line.split(delim)
        out.append((number, [_strip(c) for c in cells]))
    return out


def read_decide(path: str | Path) -> Scenario:
    """Read a Decide input file (see the module docstring)."""
    return read_decide_text(read_text(path), source=str(path))


def read_decide_text(text: str, *, source: str) -> Scenario:
    """Read Decide input text; ``source`` names the file in error messages."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    rows = _split(text)

    def fail(message: str, line: int, fix: str) -> ScenarioError:
        return ScenarioError(message, source=source, where=f"line {line}", fix=fix)

    actors: dict[str, dict[str, Any]] = {}
    issues: dict[str, dict[str, Any]] = {}
    scale: dict[str, list[tuple[float, str]]] = {}
    data: list[tuple[int, str, str, float, float, float]] = []
    seen: dict[tuple[str, str], int] = {}
    description = ""
    for line, cells in rows:
        tag = cells[0]
        if tag in ("#O", "#/"):
            if tag == "#O" and not description:
                description = " ".join(c for c in cells[1:] if c)
            continue
        if tag not in _MIN_FIELDS:
            raise fail(
                f"unknown record {shown(tag, 30)}",
                line,
                "start each line with #A (actor), #P (issue), #M (scale point), #D (data), #O or #/ (note)",
            )
        need, layout = _MIN_FIELDS[tag]
        filled = len(cells)
        while filled > 1 and cells[filled - 1] == "":
            filled -= 1
        if filled < need:
            raise fail(f"a {tag} line needs {need} fields and this one has {filled}", line, f"write {layout}")
        if tag == "#A":
            if cells[1] in actors:
                raise fail(
                    f"actor {shown(cells[1], 40)} is defined twice", line, "keep one #A line per actor"
                )
            actors[cells[1]] = {"name": cells[2] if len(cells) > 2 and cells[2] else cells[1], "line": line}
        elif tag == "#P":
            if cells[1] in issues:
                raise fail(
                    f"issue {shown(cells[1], 40)} is defined twice", line, "keep one #P line per issue"
                )
            issues[cells[1]] = {"name": cells[2] if len(cells) > 2 and cells[2] else cells[1], "line": line}
            scale.setdefault(cells[1], [])
        elif tag == "#M":
            if cells[1] not in issues:
                raise fail(
                    f"#M refers to issue {shown(cells[1], 40)}, which no #P line defines above",
                    line,
                    "define the issue with a #P line before its #M lines, or correct the issue id",
                )
            value = parse_number(cells[2], source=source, where=f"line {line}, field 3 (scale value)")
            if value is None:
                raise fail("the scale value is empty", line, "write #M, issue id, value, meaning")
            scale[cells[1]].append((value, cells[3] if len(cells) > 3 else ""))
        else:
            actor, issue = cells[1], cells[2]
            if actor not in actors:
                raise fail(
                    f"#D refers to actor {shown(actor, 40)}, which no #A line defines",
                    line,
                    "add an #A line for the actor or correct the actor id",
                )
            if issue not in issues:
                raise fail(
                    f"#D refers to issue {shown(issue, 40)}, which no #P line defines",
                    line,
                    "add a #P line for the issue or correct the issue id",
                )
            if (actor, issue) in seen:
                raise fail(
                    f"a second #D line for {actor} on {issue} (the first is on line {seen[actor, issue]})",
                    line,
                    "keep one #D line per actor and issue",
                )
            seen[actor, issue] = line
            values = []
            for k, what in ((3, "position"), (4, "salience"), (5, "power")):
                v = parse_number(cells[k], source=source, where=f"line {line}, field {k + 1} ({what})")
                if v is None:
                    raise fail(f"the {what} is empty", line, f"give a {what} in field {k + 1}")
                values.append(v)
            pos, sal, power = values
            if sal < 0 or sal > 100:
                raise fail(
                    f"salience {sal:g} is outside 0-100", line, "use saliences from 0 to 1 or from 0 to 100"
                )
            if power < 0:
                raise fail(f"power {power:g} is negative", line, "use a power of 0 or more")
            data.append((line, actor, issue, pos, sal, power))
    if not actors:
        raise ScenarioError("no #A (actor) lines", source=source, fix="define each actor with #A, id, name")
    if not issues:
        raise ScenarioError(
            "no #P (issue) lines", source=source, fix="define each issue with #P, id, description"
        )
    if not data:
        raise ScenarioError(
            "no #D (data) lines", source=source, fix="give #D, actor, issue, position, salience, power lines"
        )
    check_size(len(actors), len(issues), len(data), source=source)
    power_of: dict[str, tuple[float, int]] = {}
    for line, actor, issue, _pos, _sal, power in data:
        if actor in power_of and power_of[actor][0] != power:
            raise fail(
                f"actor {actor} has power {power:g} on {issue} but {power_of[actor][0]:g} on line "
                f"{power_of[actor][1]}; detente gives each actor one capability",
                line,
                "give the actor the same power on every issue",
            )
        power_of.setdefault(actor, (power, line))
    factor = 100.0 if max(d[4] for d in data) <= 1.0 else 1.0
    ranges: dict[str, tuple[float, float]] = {}
    for issue, points in scale.items():
        values = [v for v, _ in points] or [d[3] for d in data if d[2] == issue]
        if not values:
            ranges[issue] = (0.0, 100.0)
            continue
        lo, hi = min(values), max(values)
        if lo == hi:
            raise fail(
                f"issue {issue}'s scale has one point ({lo:g}): it needs a lowest and a highest value",
                issues[issue]["line"],
                "give the issue #M lines for both ends of its scale",
            )
        ranges[issue] = (lo, hi)
    from detente.scenario.formats import slugify

    taken_a: set[str] = set()
    taken_i: set[str] = set()
    actor_ids = {a: slugify(a, taken_a) for a in actors}
    issue_ids = {i: slugify(i, taken_i) for i in issues}
    stances = []
    for line, actor, issue, pos, sal, _power in data:
        lo, hi = ranges[issue]
        if not lo <= pos <= hi:
            raise fail(
                f"position {pos:g} of {actor} lies outside {issue}'s scale {lo:g}..{hi:g}",
                line,
                "correct the position or add an #M line that widens the scale",
            )
        stances.append(
            {
                "actor": actor_ids[actor],
                "issue": issue_ids[issue],
                "position": round(100.0 * (pos - lo) / (hi - lo), 12),
                "salience": round(sal * factor, 12),
                "basis": "sourced",
                "source": "input",
                "quote": f"line {line}: #D {actor} {issue} {pos:g} {sal:g} {_power:g}"[:300],
            }
        )
    issue_items = []
    for issue, info in issues.items():
        lo, hi = ranges[issue]
        meanings = dict((v, m) for v, m in scale[issue])
        item: dict[str, Any] = {"id": issue_ids[issue], "name": info["name"][:200]}
        if info["name"] != issue:
            item["description"] = info["name"]
        if meanings.get(lo):
            item["meaning_0"] = meanings[lo]
        if meanings.get(hi):
            item["meaning_100"] = meanings[hi]
        if (lo, hi) != (0.0, 100.0):
            item["units"] = {"unit": "", "at_0": lo, "at_100": hi}
        issue_items.append(item)
    file_name = Path(source).name
    note = "imported from a Decide input file" + (
        "; saliences on 0-1 multiplied by 100" if factor == 100 else ""
    )
    scenario = {
        "name": Path(source).stem,
        "description": description,
        "sources": [{"id": "input", "title": Path(source).stem, "file": file_name, "note": note}],
        "actors": [
            {
                "id": actor_ids[a],
                "name": info["name"][:200],
                "capability": power_of[a][0] if a in power_of else 0.0,
            }
            for a, info in actors.items()
        ],
        "issues": issue_items,
        "stances": stances,
    }
    return scenario_from_data(scenario, source=source)
