"""Read and write scenarios: detente YAML, JSON and record CSV, plus KTAB and BDM-style tables.

:func:`load_scenario` reads any supported file and returns a validated :class:`Scenario`, or raises
a :class:`~detente.errors.ScenarioError` whose one-line message names the file, the line, row or
field, and the fix. :func:`save_scenario` writes YAML, JSON or CSV by the file's suffix and never
overwrites an existing file unless ``force=True``.

Limits: files larger than :data:`MAX_FILE_BYTES` (10 MiB) are refused; text must be UTF-8 (a byte
order mark is allowed); YAML aliases are refused (they allow "billion laughs" bombs); line endings may
be LF, CRLF or CR.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from detente.errors import ScenarioError
from detente.scenario._errors import format_loc, scenario_error_from_validation, shown
from detente.scenario._fields import MAX_NUMBER_CHARS
from detente.scenario.scenario import Scenario, check_size

__all__ = [
    "CSV_COLUMNS",
    "FORMAT_TAG",
    "MAX_FILE_BYTES",
    "dumps_scenario",
    "load_json",
    "load_scenario",
    "loads_scenario",
    "parse_number",
    "read_text",
    "save_scenario",
    "scenario_from_data",
    "write_text",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest input file detente reads (10 MiB): a guard against runaway inputs."""

FORMAT_TAG = "detente-scenario/1"
"""Value of the ``format`` key that detente writes at the top of YAML and JSON scenario files."""

OutputFormat = Literal["yaml", "json", "csv"]
_LISTS = ("actors", "issues", "stances")


# --- reading --------------------------------------------------------------------------------------


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file with the checks every input gets; normalise line endings to LF."""
    p = Path(path)
    if not p.exists():
        raise ScenarioError("no such file", source=p, fix="check the path and the file name")
    if not p.is_file():
        raise ScenarioError("not a regular file", source=p, fix="give the path of a file")
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            f"the file is {size / 2**20:.1f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit",
            source=p,
            fix="split the scenario or remove unneeded content",
        )
    raw = p.read_bytes()
    return decode_text(raw, source=str(p))


def decode_text(raw: bytes, *, source: str) -> str:
    """Decode UTF-8 bytes (BOM allowed) and normalise CRLF and CR line endings to LF."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            source=source,
            where=f"line {line}",
            fix="save the file as UTF-8 (most editors offer it under 'Save as' or 'Encoding')",
        ) from None
    if "\x00" in text:
        raise ScenarioError(
            "the file contains NUL bytes: it is not a text file",
            source=source,
            fix="give a YAML, JSON or CSV text file",
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def scenario_from_data(
    data: Any, *, source: str | None, lines: dict[tuple[Any, ...], int] | None = None
) -> Scenario:
    """Validate parsed YAML/JSON data as a scenario, with one-line errors."""
    if data is None:
        raise ScenarioError(
            "the file is empty", source=source, fix="write a scenario with name, actors, issues and stances"
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            f"the top level is a {type(data).__name__}, not a mapping",
            source=source,
            fix="start the file with keys such as 'name:', 'actors:', 'issues:'",
        )
    data = dict(data)
    check_size(*(len(v) if isinstance(v := data.get(k), list) else 0 for k in _LISTS), source=source)
    tag = data.pop("format", FORMAT_TAG)
    if tag != FORMAT_TAG:
        raise ScenarioError(
            f"unknown format {shown(tag, 40)}",
            source=source,
            where="format",
            fix=f"use format: {FORMAT_TAG} (or leave the key out)",
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise scenario_error_from_validation(
            exc, source=source, data=data, lines=lines, model=Scenario
        ) from None


def loads_scenario(text: str, fmt: OutputFormat, *, source: str = "<string>") -> Scenario:
    """Parse scenario text in detente's own YAML, JSON or record-CSV format."""
    if fmt == "yaml":
        from detente.scenario._yaml import load_yaml_with_lines  # imports PyYAML: not for CSV or JSON

        data, lines = load_yaml_with_lines(text, source)
        return scenario_from_data(data, source=source, lines=lines)
    if fmt == "json":
        return scenario_from_data(load_json(text, source=source), source=source)
    if fmt == "csv":
        from detente.scenario.formats import read_csv_any

        return read_csv_any(text, source=source)
    raise ValueError(f"unknown format {fmt!r}")


class _Constant:
    """Stands in for a JSON ``NaN`` or ``Infinity`` until its place in the data is known."""

    def __init__(self, name: str) -> None:
        self.name = name


def _json_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"a number of {len(text)} digits")
    return int(text)


def load_json(text: str, *, source: str) -> Any:
    """Parse JSON text strictly: one-line errors for bad syntax, NaN or Infinity, and huge numbers."""
    import json  # here, as yaml is: a CSV scenario (KTAB's inputs) never needs it

    try:
        data = json.loads(text, parse_constant=_Constant, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"not valid JSON: {exc.msg}",
            source=source,
            where=f"line {exc.lineno}, column {exc.colno}",
            fix="check commas, brackets and quotes",
        ) from None
    except ValueError as exc:
        raise ScenarioError(
            f"{exc}",
            source=source,
            fix=f"write numbers in at most {MAX_NUMBER_CHARS} characters (use e-notation, e.g. 1.5e9)",
        ) from None
    except RecursionError:
        raise ScenarioError(
            "the JSON is nested too deeply", source=source, fix="nest objects only a few levels"
        ) from None
    found = _find_constant(data, ())
    if found is not None:
        path, name = found
        raise ScenarioError(
            f"{name} is not a number",
            source=source,
            where=format_loc(path) or "top level",
            fix="write a finite number (JSON has no NaN or Infinity)",
        )
    return data


def _find_constant(data: Any, path: tuple[Any, ...]) -> tuple[tuple[Any, ...], str] | None:
    if isinstance(data, _Constant):
        return path, data.name
    items: Any = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        found = _find_constant(value, (*path, key))
        if found is not None:
            return found
    return None


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file of any supported kind, chosen by suffix (and, for CSV, by content).

    ``.yaml``/``.yml``: detente YAML. ``.json``: detente JSON. ``.csv``/``.txt``: detente's record
    CSV, KTAB's SMP input CSV, or a Bueno de Mesquita-style table (name, capability, position,
    salience), recognised from the first lines.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    fmt: OutputFormat
    if suffix in {".yaml", ".yml"}:
        fmt = "yaml"
    elif suffix == ".json":
        fmt = "json"
    elif suffix in {".csv", ".txt", ".tsv"}:
        fmt = "csv"
    else:
        raise ScenarioError(
            f"unknown file type {suffix or '(no suffix)'!r}",
            source=p,
            fix="use a .yaml, .yml, .json or .csv file",
        )
    return loads_scenario(read_text(p), fmt, source=str(p))


# --- writing --------------------------------------------------------------------------------------


def scenario_to_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data (defaults left out), with the format tag first."""
    body = scenario.model_dump(mode="json", exclude_defaults=True)
    return {"format": FORMAT_TAG, **body}


@functools.cache
def _dumper() -> type:
    """The YAML dumper class (built on first use: PyYAML is imported only to read or write YAML)."""
    import yaml

    from detente.scenario._yaml import resolve_plain_core

    class _Dumper(yaml.SafeDumper):
        """YAML dumper: block style, multi-line strings as literal blocks, no aliases.

        Text that either YAML 1.1 or the YAML 1.2 core schema (which detente reads) would take for a
        number, a boolean or null is quoted, so that ``1e3`` or ``yes`` written as text come back as
        text here and in other tools.
        """

        def ignore_aliases(self, data: Any) -> bool:
            return True

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            tag = super().resolve(kind, value, implicit)
            if kind is yaml.ScalarNode and implicit[0] and tag == "tag:yaml.org,2002:str":
                core = resolve_plain_core(value)
                if core != tag:
                    return core
            return tag

    def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value and value == value.strip() and "\t" not in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str_presenter)
    return _Dumper


def dumps_scenario(scenario: Scenario, fmt: OutputFormat) -> str:
    """Serialise a scenario to detente YAML, JSON or record CSV (all lossless)."""
    if fmt == "yaml":
        import yaml

        return yaml.dump(
            scenario_to_data(scenario), Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=100
        )
    if fmt == "json":
        import json

        return json.dumps(scenario_to_data(scenario), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _dumps_csv(scenario)
    raise ValueError(f"unknown format {fmt!r}")


def format_for_path(path: str | Path) -> OutputFormat:
    """The output format implied by a file suffix."""
    suffix = Path(path).suffix.lower()
    formats: dict[str, OutputFormat] = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv"}
    if suffix not in formats:
        raise ScenarioError(
            f"cannot write {suffix or 'files without a suffix'!r}",
            source=path,
            fix="name the output .yaml, .json or .csv",
        )
    return formats[suffix]


def write_text(path: str | Path, text: str, *, force: bool = False) -> Path:
    """Write text atomically; refuse to replace an existing file unless ``force``.

    See :mod:`detente._files` for the guarantees (checked first, exclusive create, no partial files).
    """
    from detente._files import write_file

    return write_file(path, text, force=force)


def save_scenario(scenario: Scenario, path: str | Path, *, force: bool = False) -> Path:
    """Write a scenario as YAML, JSON or CSV (by suffix); refuses to overwrite unless ``force``."""
    return write_text(path, dumps_scenario(scenario, format_for_path(path)), force=force)


# --- detente record CSV -------------------------------------------------------------------------------

CSV_COLUMNS = (
    "record",
    "id",
    "name",
    "title",
    "description",
    "as_of",
    "horizon",
    "capability",
    "group",
    "meaning_0",
    "meaning_100",
    "status_quo",
    "outcome",
    "veto_players",
    "unit",
    "at_0",
    "at_100",
    "actor",
    "issue",
    "position",
    "salience",
    "sd",
    "low",
    "high",
    "basis",
    "source",
    "quote",
    "author",
    "date",
    "file",
    "url",
    "note",
    "reported_by",
)
"""Columns of detente's record CSV: one row per scenario, source, actor, issue and stance."""


def _num(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _dumps_csv(scenario: Scenario) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow(
        {
            "record": "scenario",
            "name": scenario.name,
            "description": scenario.description,
            "as_of": scenario.as_of,
            "horizon": scenario.horizon,
        }
    )
    for s in scenario.sources:
        writer.writerow({"record": "source", **s.model_dump()})
    for a in scenario.actors:
        writer.writerow({"record": "actor", **a.model_dump(), "capability": _num(a.capability)})
    for i in scenario.issues:
        row: dict[str, Any] = {"record": "issue", **i.model_dump(exclude={"units", "veto_players"})}
        row["veto_players"] = ";".join(i.veto_players)
        row["status_quo"], row["outcome"] = _num(i.status_quo), _num(i.outcome)
        if i.units is not None:
            row.update(unit=i.units.unit, at_0=_num(i.units.at_0), at_100=_num(i.units.at_100))
        writer.writerow(row)
    for st in scenario.stances:
        row = {"record": "stance", **st.model_dump(exclude={"uncertainty"})}
        row["position"], row["salience"] = _num(st.position), _num(st.salience)
        if st.uncertainty is not None:
            u = st.uncertainty
            row.update(sd=_num(u.sd), low=_num(u.low), high=_num(u.high))
        writer.writerow(row)
    return buf.getvalue()


_RECORD_FIELDS = {
    "source": ("id", "title", "author", "date", "file", "url", "note"),
    "actor": ("id", "name", "capability", "description", "group"),
    "issue": ("id", "name", "description", "meaning_0", "meaning_100", "status_quo", "outcome"),
    "stance": ("actor", "issue", "position", "salience", "basis", "source", "quote", "note", "reported_by"),
}
_NUMERIC = {
    "capability",
    "status_quo",
    "outcome",
    "position",
    "salience",
    "sd",
    "low",
    "high",
    "at_0",
    "at_100",
}


def read_record_csv(rows: list[list[str]], *, source: str) -> Scenario:
    """Build a scenario from detente's record CSV (header row first)."""
    header = [h.strip() for h in rows[0]]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise ScenarioError(
            f"unknown column {shown(unknown[0], 40)}",
            source=source,
            where="row 1",
            fix=f"use only these columns: {', '.join(CSV_COLUMNS)}",
        )
    twice = next((h for k, h in enumerate(header) if h in header[:k]), None)
    if twice is not None:
        raise ScenarioError(
            f"the column {twice!r} appears twice", source=source, where="row 1", fix="keep one of them"
        )
    kinds = [v[header.index("record")].strip() if "record" in header and v else "" for v in rows[1:]]
    check_size(*(kinds.count(k) for k in ("actor", "issue", "stance")), source=source)
    data: dict[str, Any] = {"sources": [], "actors": [], "issues": [], "stances": []}
    seen_scenario = False
    for rownum, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            raise ScenarioError(
                f"{len(values)} fields but the header has {len(header)}",
                source=source,
                where=f"row {rownum}",
                fix="quote fields that contain commas",
            )
        cells = dict(zip(header, values, strict=False))
        kind = cells.get("record", "").strip()

        def get(col: str, kind: str = kind, cells: dict[str, str] = cells, rownum: int = rownum) -> Any:
            raw = cells.get(col, "")
            if col in _NUMERIC:
                return parse_number(raw, source=source, where=f"row {rownum}, column '{col}'")
            return raw

        if kind == "scenario":
            if seen_scenario:
                raise ScenarioError(
                    "a second 'scenario' row",
                    source=source,
                    where=f"row {rownum}",
                    fix="keep one scenario row",
                )
            seen_scenario = True
            data["name"] = get("name")
            for key in ("description", "as_of", "horizon"):
                if get(key):
                    data[key] = get(key)
        elif kind in _RECORD_FIELDS:
            item = {f: get(f) for f in _RECORD_FIELDS[kind]}
            item = {k: v for k, v in item.items() if v not in ("", None)}
            if kind == "issue" and cells.get("veto_players", "").strip():
                item["veto_players"] = [a.strip() for a in cells["veto_players"].split(";") if a.strip()]
            if kind == "issue" and any(cells.get(c, "") for c in ("unit", "at_0", "at_100")):
                item["units"] = {"unit": get("unit"), "at_0": get("at_0"), "at_100": get("at_100")}
            if kind == "stance" and any(cells.get(c, "") for c in ("sd", "low", "high")):
                unc = {c: get(c) for c in ("sd", "low", "high")}
                item["uncertainty"] = {k: v for k, v in unc.items() if v is not None}
            data[kind + "s"].append(item)
        else:
            raise ScenarioError(
                f"unknown record type {shown(kind, 40)}",
                source=source,
                where=f"row {rownum}",
                fix="the 'record' column must be scenario, source, actor, issue or stance",
            )
    if not seen_scenario:
        raise ScenarioError(
            "no 'scenario' row", source=source, fix="add a row with record=scenario and the scenario's name"
        )
    return scenario_from_data(data, source=source)


MAX_MAGNITUDE = 1e15
"""Largest absolute value of a number read from a table (positions in natural units, capabilities)."""


def parse_number(raw: str, *, source: str | None, where: str) -> float | None:
    """Read a number from a table cell: ``None`` if empty, else a finite float within +-1e15.

    Refuses, with a one-line :class:`ScenarioError`: text that is not a number, digits of other
    scripts (``²``, ``١٢``: Python would read some of them), NaN and infinity, and magnitudes over
    :data:`MAX_MAGNITUDE`.
    """
    text = raw.strip()
    if text == "":
        return None
    if not text.isascii():
        raise ScenarioError(
            f"{shown(text, 40)} is not a number: it has characters other than the digits 0-9",
            source=source,
            where=where,
            fix="write the number with the digits 0-9, a '.' and an optional e-exponent, e.g. 12 or 1.5e3",
        )
    if len(text) > MAX_NUMBER_CHARS:
        raise ScenarioError(
            f"a number of {len(text)} characters",
            source=source,
            where=where,
            fix=f"write numbers in at most {MAX_NUMBER_CHARS} characters (use e-notation, e.g. 1.5e9)",
        )
    try:
        value = float(text)
    except ValueError:
        raise ScenarioError(
            f"{shown(text, 40)} is not a number",
            source=source,
            where=where,
            fix="write a plain number such as 42 or 0.5",
        ) from None
    if not math.isfinite(value):
        raise ScenarioError(
            f"{shown(text, 40)} is not a finite number",
            source=source,
            where=where,
            fix="write a finite number (not NaN or infinity)",
        )
    if abs(value) > MAX_MAGNITUDE:
        raise ScenarioError(
            f"{text} is larger than detente reads (1e15)",
            source=source,
            where=where,
            fix="rescale the column (only ratios of capabilities matter; positions can be in other units)",
        )
    return value
