"""Publishable views of the ledger: the digest, and CSV and JSON exports.

The **digest** can be published before any outcome is known: it gives the chain's head hash (the
hash of the last record, which seals every record before it), the number of records, and every open
forecast with its hash. Anyone holding a published digest can later check that the ledger still
contains that head (``detente ledger verify --head HASH``), so a ledger rewritten after publication
is caught even if its new chain is internally consistent.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from detente.ledger.records import GENESIS, Record
from detente.ledger.score import latest_resolutions

__all__ = ["digest", "digest_markdown", "export_csv", "export_json", "forecast_text", "open_forecasts"]


def forecast_text(content: dict[str, Any]) -> str:
    """A forecast in a few characters: ``0.23``, or the median and the 5-95% range of quantiles."""
    f = content["forecast"]
    if "probability" in f:
        return f"{f['probability']:.3f}"
    q = f["quantiles"]
    return f"{q[len(q) // 2]:g} [{q[0]:g}, {q[-1]:g}]"


def _value(x: Any) -> str:
    if isinstance(x, list):
        return f"{x[len(x) // 2]:g} [{x[0]:g}, {x[-1]:g}]"
    return f"{x:.3f}"


def open_forecasts(records: list[Record]) -> list[Record]:
    """Forecast records without a resolution yet."""
    resolved = latest_resolutions(records)
    return [r for r in records if r.kind == "forecast" and r.record_id not in resolved]


def digest(records: list[Record], *, generated: str) -> dict[str, Any]:
    """The digest as data: head hash, record count and every open forecast (see the module docstring)."""
    head = records[-1].hash if records else GENESIS
    rows = []
    for r in open_forecasts(records):
        c = r.content
        rows.append(
            {
                "id": r.record_id,
                "seq": r.seq,
                "hash": r.hash,
                "question": c["question"]["text"],
                "kind": c["question"]["kind"],
                "issued": c["issued"],
                "retrospective": bool(c.get("retrospective")),
                "resolve_by": c["question"]["resolve_by"],
                "method": c["model"]["method"],
                "forecast": c["forecast"],
                "base_rate": c["baselines"]["base_rate"],
                "no_change": c["baselines"]["no_change"],
            }
        )
    return {
        "format": "detente-ledger-digest/1",
        "generated": generated,
        "records": len(records),
        "head": head,
        "open_forecasts": rows,
    }


def digest_markdown(data: dict[str, Any]) -> str:
    """The digest as Markdown, for publishing."""
    lines = [
        "# detente forecast ledger: digest",
        "",
        f"Generated {data['generated']}. Records: {data['records']}. Head hash (sha256 of the last record,",
        "which seals every record before it):",
        "",
        f"    {data['head']}",
        "",
        "Check later with `detente ledger verify --head HASH`.",
        "",
        "| id | question | issued | resolve by | method | forecast | base rate | no change | record hash |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in data["open_forecasts"]:
        mark = " (retrospective)" if r["retrospective"] else ""
        text = r["question"].replace("|", "\\|")
        lines.append(
            f"| {r['id']} | {text}{mark} | {r['issued']} | {r['resolve_by']} | {r['method']} | "
            f"{forecast_text({'forecast': r['forecast']})} | {_value(r['base_rate'])} | "
            f"{_value(r['no_change'])} | `{r['hash'][:16]}` |"
        )
    if not data["open_forecasts"]:
        lines.append("| - | no open forecasts | | | | | | | |")
    return "\n".join(lines) + "\n"


CSV_COLUMNS = [
    "seq",
    "record_id",
    "kind",
    "question_id",
    "question",
    "question_kind",
    "issued",
    "as_of",
    "resolve_by",
    "retrospective",
    "sample",
    "scenario",
    "scenario_sha256",
    "detente_version",
    "method",
    "policy",
    "seed",
    "runs",
    "forecast",
    "base_rate",
    "no_change",
    "forecast_of",
    "outcome",
    "source",
    "resolved",
    "prev_hash",
    "hash",
]


def _csv_row(r: Record) -> dict[str, Any]:
    c = r.content
    row: dict[str, Any] = {
        "seq": r.seq,
        "record_id": r.record_id,
        "kind": r.kind,
        "prev_hash": r.prev_hash,
        "hash": r.hash,
    }
    if r.kind == "forecast":
        q = c["question"]
        row.update(
            question_id=q["id"],
            question=q["text"],
            question_kind=q["kind"],
            issued=c["issued"],
            as_of=c["as_of"],
            resolve_by=q["resolve_by"],
            retrospective=c.get("retrospective"),
            sample=c.get("sample"),
            scenario=c["scenario"]["name"],
            scenario_sha256=c["scenario"]["sha256"],
            detente_version=c["detente_version"],
            method=c["model"]["method"],
            policy=c["model"].get("policy", ""),
            seed=c["seed"],
            runs=c["runs"],
            forecast=json.dumps(c["forecast"].get("probability", c["forecast"].get("quantiles"))),
            base_rate=json.dumps(c["baselines"]["base_rate"]),
            no_change=json.dumps(c["baselines"]["no_change"]),
        )
    else:
        row.update(
            forecast_of=c.get("forecast"),
            outcome=c.get("outcome"),
            source=c.get("source"),
            resolved=c.get("resolved"),
            retrospective=c.get("retrospective"),
        )
    return row


def export_csv(records: list[Record]) -> str:
    """One CSV row per record (forecasts and resolutions), with the hashes; lists as JSON text."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow(_csv_row(r))
    return buf.getvalue()


def export_json(records: list[Record]) -> dict[str, Any]:
    """Every record in full (sealed fields and hash), with the head hash."""
    return {
        "format": "detente-ledger-export/1",
        "head": records[-1].hash if records else GENESIS,
        "records": [r.to_json_dict() for r in records],
    }
