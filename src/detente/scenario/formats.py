"""Readers for other projects' scenario tables, all producing a validated :class:`Scenario`.

* **KTAB's SMP input CSV** (line 1: scenario name, description, number of actors, number of
  dimensions; line 2: header; then one row per actor: name, description, capability, then a
  position and a salience per dimension). Positions and saliences are already on 0-100.
* **Bueno de Mesquita-style tables**: one row per actor with a name, capability, position and
  salience column under any of the usual spellings (see :data:`COLUMN_SPELLINGS`), comma-,
  semicolon- or tab-separated. Saliences on 0-1 (every value <= 1) are multiplied by 100.
  Positions may be on any numeric range: they are mapped linearly onto 0-100 from the lowest to
  the highest position in the table, and the issue records that mapping as its ``units`` so that
  forecasts convert back (the EC emissions case: 4 years -> 0, 10 years -> 100).
* detente's own record CSV (see :mod:`detente.scenario.io`).
* Decide's tagged records (``#A``, ``#P``, ``#M``, ``#D``; see :mod:`detente.scenario.decide`).

:func:`read_csv_any` recognises which of the three a CSV file is.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from detente.errors import ScenarioError
from detente.scenario.io import parse_number, read_record_csv, read_text, scenario_from_data
from detente.scenario.scenario import Scenario, check_size

__all__ = [
    "COLUMN_SPELLINGS",
    "read_bdm_table",
    "read_csv_any",
    "read_ktab_csv",
    "slugify",
]

COLUMN_SPELLINGS: dict[str, tuple[str, ...]] = {
    "name": (
        "actor",
        "actors",
        "name",
        "actorname",
        "player",
        "stakeholder",
        "country",
        "party",
        "state",
        "member",
        "memberstate",
    ),
    "capability": (
        "capability",
        "capabilities",
        "cap",
        "power",
        "influence",
        "clout",
        "resources",
        "weight",
        "strength",
        "capacity",
        "potentialpower",
    ),
    "position": (
        "position",
        "positions",
        "pos",
        "stance",
        "preference",
        "idealpoint",
        "ideal",
        "policyposition",
        "issueposition",
        "actorposition",
        "x",
    ),
    "salience": ("salience", "saliences", "sal", "importance", "priority", "issuesalience", "intensity"),
    "description": ("description", "desc", "fullname", "label"),
    "group": ("group", "bloc", "coalition", "camp"),
}
"""Accepted header spellings, compared after lower-casing and removing everything but letters."""


def slugify(text: str, taken: set[str] | None = None) -> str:
    """A valid, unique detente id made from ``text`` (``"Policy Position"`` -> ``"Policy_Position"``)."""
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", text.strip()).strip("_.-") or "x"
    if not slug[0].isalnum():
        slug = "x" + slug
    slug = slug[:60]
    if taken is not None:
        base, k = slug, 2
        while slug in taken:
            slug = f"{base}_{k}"
            k += 1
        taken.add(slug)
    return slug


def _rows(text: str, delimiter: str = ",", *, source: str | None = None) -> list[list[str]]:
    # Parse the whole text, not line by line, so that quoted fields may contain newlines.
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=False)
    try:
        return list(reader)
    except csv.Error as exc:
        problem = str(exc)
        if "field larger than field limit" in problem:
            problem = f"a field longer than {csv.field_size_limit():,} characters"
        raise ScenarioError(
            f"malformed CSV: {problem}",
            source=source,
            where=f"line {reader.line_num}",
            fix="check the quotes in the file (a field that opens a quote must close it)",
        ) from None


def _nonblank(rows: list[list[str]]) -> list[list[str]]:
    return [r for r in rows if any(c.strip() for c in r)]


def _shown_header(cells: list[str]) -> str:
    text = ", ".join(c.strip() for c in cells)
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if max(counts.values()) > 0 else ","


def _norm(header: str) -> str:
    # "Position (years)" and "Salience [0-1]" name their column before the bracketed unit.
    return re.sub(r"[^a-z]", "", re.sub(r"\(.*?\)|\[.*?\]", "", header.lower()))


def read_csv_any(text: str, *, source: str) -> Scenario:
    """Read a CSV text in whichever supported layout it is (record, KTAB, Decide or BDM table)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        raise ScenarioError(
            "the file is empty", source=source, fix="give a CSV with a header row and one row per actor"
        )
    from detente.scenario.decide import looks_like_decide, read_decide_text

    if looks_like_decide(text):
        return read_decide_text(text, source=source)
    delim = _delimiter(lines[0])
    rows = _nonblank(_rows(text, delim, source=source))
    if not rows:
        raise ScenarioError(
            "the file has no cells with content",
            source=source,
            fix="give a CSV with a header row and one row per actor",
        )
    first = rows[0]
    if first and first[0].strip() == "record":
        return read_record_csv(rows, source=source)
    if _looks_like_ktab(first):
        return read_ktab_text(text, source=source)
    return read_bdm_text(text, source=source)


def _whole(text: str) -> int | None:
    """A whole number of at most 9 ASCII digits, or None."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _looks_like_ktab(first: list[str]) -> bool:
    return len(first) >= 4 and _whole(first[2]) is not None and _whole(first[3]) is not None


# --- KTAB ---------------------------------------------------------------------------------------------


def read_ktab_csv(path: str | Path) -> Scenario:
    """Read a KTAB SMP input CSV file (see the module docstring)."""
    return read_ktab_text(read_text(path), source=str(path))


def read_ktab_text(text: str, *, source: str) -> Scenario:
    """Read KTAB SMP input CSV text."""
    rows = _nonblank(_rows(text, source=source))
    if len(rows) < 3:
        raise ScenarioError(
            "a KTAB file needs a scenario line, a header and at least one actor row",
            source=source,
            fix="see specs of KTAB's CSV format in docs/scenario-format.md",
        )
    head = rows[0]
    n_actors = _int_field(head, 2, source, "line 1, field 3 (number of actors)")
    n_dims = _int_field(head, 3, source, "line 1, field 4 (number of dimensions)")
    check_size(n_actors, n_dims, n_actors * n_dims, source=source)
    if n_actors < 1 or n_dims < 1:
        raise ScenarioError(
            "the numbers of actors and dimensions must be at least 1",
            source=source,
            where="line 1",
            fix="correct fields 3 and 4 of line 1",
        )
    body = rows[2:]
    if len(body) != n_actors:
        raise ScenarioError(
            f"line 1 announces {n_actors} actors but the file has {len(body)} actor rows",
            source=source,
            where="line 1, field 3",
            fix="make the count match the actor rows",
        )
    header = rows[1]
    if len(header) < 3 + 2 * n_dims:
        raise ScenarioError(
            f"the header has {len(header)} columns, fewer than 3 + 2 x {n_dims}",
            source=source,
            where="line 2",
            fix="give a position and a salience column per dimension",
        )
    taken_issues: set[str] = set()
    issues = []
    for d in range(n_dims):
        dim_name = header[3 + 2 * d].strip() or f"Dimension {d + 1}"
        issues.append({"id": slugify(dim_name, taken_issues), "name": dim_name})
    file_name = Path(source).name
    src = {
        "id": "input",
        "title": head[0].strip() or file_name,
        "file": file_name,
        "note": "imported from a KTAB SMP input CSV",
    }
    actors, stances, taken_actors = [], [], set()
    for k, row in enumerate(body):
        line = k + 3
        if len(row) < 3 + 2 * n_dims:
            raise ScenarioError(
                f"{len(row)} fields, fewer than 3 + 2 x {n_dims}",
                source=source,
                where=f"line {line}",
                fix="give a position and a salience per dimension",
            )
        name = row[0].strip()
        if not name:
            raise ScenarioError(
                "the actor name is empty",
                source=source,
                where=f"line {line}, field 1",
                fix="give every actor a name",
            )
        aid = slugify(name, taken_actors)
        cap = parse_number(row[2], source=source, where=f"line {line}, field 3 (capability)")
        actors.append({"id": aid, "name": name, "capability": cap, "description": row[1].strip()})
        quote = ",".join(c.strip() for c in row[: 3 + 2 * n_dims])
        for d, issue in enumerate(issues):
            pos = parse_number(
                row[3 + 2 * d], source=source, where=f"line {line}, field {4 + 2 * d} (position {d + 1})"
            )
            sal = parse_number(
                row[4 + 2 * d], source=source, where=f"line {line}, field {5 + 2 * d} (salience {d + 1})"
            )
            stances.append(
                {
                    "actor": aid,
                    "issue": issue["id"],
                    "position": pos,
                    "salience": sal,
                    "basis": "sourced",
                    "source": "input",
                    "quote": f"line {line}: {quote}"[:300],
                }
            )
    data = {
        "name": head[0].strip() or file_name,
        "description": head[1].strip() if len(head) > 1 else "",
        "sources": [src],
        "actors": actors,
        "issues": issues,
        "stances": stances,
    }
    return scenario_from_data(data, source=source, lines=None)


def _int_field(row: list[str], k: int, source: str, where: str) -> int:
    value = _whole(row[k]) if k < len(row) else None
    if value is None:
        raise ScenarioError(
            "expected a whole number (digits 0-9, at most 9 of them)",
            source=source,
            where=where,
            fix="KTAB's first line is: name, description, actors, dimensions",
        )
    return value


# --- Bueno de Mesquita-style tables -------------------------------------------------------------------


def read_bdm_table(
    path: str | Path, *, issue_name: str | None = None, scale: tuple[float, float] | None = None
) -> Scenario:
    """Read a one-issue table of actors with capability, position and salience columns."""
    return read_bdm_text(read_text(path), source=str(path), issue_name=issue_name, scale=scale)


def read_bdm_text(
    text: str, *, source: str, issue_name: str | None = None, scale: tuple[float, float] | None = None
) -> Scenario:
    """Read BDM-style table text; ``scale`` = (value at 0, value at 100) overrides the data range."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        raise ScenarioError(
            "the file is empty",
            source=source,
            fix="give a header row (actor, capability, position, salience) and actor rows",
        )
    delim = _delimiter(lines[0])
    rows = _nonblank(_rows(text, delim, source=source))
    if not rows:
        raise ScenarioError(
            "the file has no cells with content",
            source=source,
            fix="give a header row (actor, capability, position, salience) and actor rows",
        )
    header = [_norm(h) for h in rows[0]]
    cols: dict[str, int] = {}
    for role, spellings in COLUMN_SPELLINGS.items():
        for k, h in enumerate(header):
            if h in spellings and role not in cols and k not in cols.values():
                cols[role] = k
    missing = [r for r in ("name", "capability", "position", "salience") if r not in cols]
    if missing:
        raise ScenarioError(
            f"no {missing[0]} column in the header {_shown_header(rows[0])}",
            source=source,
            where="row 1",
            fix=f"name a column one of: {', '.join(COLUMN_SPELLINGS[missing[0]][:6])}",
        )
    body = rows[1:]
    if not body:
        raise ScenarioError(
            "the table has a header but no actor rows", source=source, fix="add one row per actor"
        )
    check_size(len(body), 1, len(body), source=source)
    parsed = []
    taken: set[str] = set()
    for k, row in enumerate(body, start=2):
        if len(row) < len(rows[0]):
            raise ScenarioError(
                f"{len(row)} fields but the header has {len(rows[0])}",
                source=source,
                where=f"row {k}",
                fix="fill every column",
            )

        def num(role: str, row: list[str] = row, k: int = k) -> float:
            value = parse_number(
                row[cols[role]], source=source, where=f"row {k}, column '{rows[0][cols[role]].strip()}'"
            )
            if value is None:
                raise ScenarioError(
                    "the cell is empty",
                    source=source,
                    where=f"row {k}, column '{rows[0][cols[role]].strip()}'",
                    fix=f"give every actor a {role}",
                )
            return value

        name = row[cols["name"]].strip()
        if not name:
            raise ScenarioError(
                "the actor name is empty", source=source, where=f"row {k}", fix="give every actor a name"
            )
        cap = num("capability")
        if cap < 0:
            raise ScenarioError(
                f"capability {cap} is negative",
                source=source,
                where=f"row {k}",
                fix="use a capability of 0 or more",
            )
        item = {
            "id": slugify(name, taken),
            "name": name,
            "capability": cap,
            "position": num("position"),
            "salience": num("salience"),
            "row": k,
            "raw": ",".join(c.strip() for c in row),
        }
        for role in ("description", "group"):
            if role in cols:
                item[role] = row[cols[role]].strip()
        parsed.append(item)
    sal = [p["salience"] for p in parsed]
    if min(sal) < 0:
        bad = next(p for p in parsed if p["salience"] < 0)
        raise ScenarioError(
            f"salience {bad['salience']} is negative",
            source=source,
            where=f"row {bad['row']}",
            fix="use saliences from 0 to 1 or from 0 to 100",
        )
    factor = 100.0 if max(sal) <= 1.0 else 1.0
    if max(sal) > 100.0:
        bad = next(p for p in parsed if p["salience"] > 100)
        raise ScenarioError(
            f"salience {bad['salience']} is above 100",
            source=source,
            where=f"row {bad['row']}",
            fix="use saliences from 0 to 1 or from 0 to 100",
        )
    positions = [p["position"] for p in parsed]
    lo, hi = scale if scale is not None else (min(positions), max(positions))
    if lo == hi:  # all actors at one position: centre it on a scale one unit either side
        lo, hi = lo - 1.0, hi + 1.0
    file_name = Path(source).name
    issue_id = slugify(issue_name or Path(source).stem)
    issue = {
        "id": issue_id,
        "name": issue_name or Path(source).stem,
        "meaning_0": f"{lo:g}",
        "meaning_100": f"{hi:g}",
        "units": {"unit": "", "at_0": lo, "at_100": hi},
    }
    actors, stances = [], []
    for p in parsed:
        actor = {"id": p["id"], "name": p["name"], "capability": p["capability"]}
        actor.update({r: p[r] for r in ("description", "group") if r in p})
        actors.append(actor)
        position = round(100.0 * (p["position"] - lo) / (hi - lo), 12)
        if not 0.0 <= position <= 100.0:
            raise ScenarioError(
                f"position {p['position']:g} lies outside the scale {lo:g}..{hi:g}",
                source=source,
                where=f"row {p['row']}",
                fix="widen the scale or correct the position",
            )
        stances.append(
            {
                "actor": p["id"],
                "issue": issue_id,
                "position": position,
                "salience": round(p["salience"] * factor, 12),
                "basis": "sourced",
                "source": "input",
                "quote": f"row {p['row']}: {p['raw']}"[:300],
            }
        )
    data = {
        "name": Path(source).stem,
        "description": f"Imported from the table {file_name}; positions {lo:g} to {hi:g} mapped onto 0-100"
        + ("; saliences on 0-1 multiplied by 100." if factor == 100.0 else "."),
        "sources": [
            {
                "id": "input",
                "title": Path(source).stem,
                "file": file_name,
                "note": "imported from a Bueno de Mesquita-style table",
            }
        ],
        "actors": actors,
        "issues": [issue],
        "stances": stances,
    }
    return scenario_from_data(data, source=source)
