"""Forecast-ledger commands: ``detente ledger issue``, ``resolve``, ``score``, ``verify`` and the rest.

The subcommands: issue, resolve, retrospective, score, verify, show, export, digest and report.

The ledger (default: the SQLite file ``detente-ledger.db`` here; ``--store`` takes a path or any
SQLAlchemy URL) is append-only: ``issue`` seals one forecast record per question, ``resolve``
appends an outcome, and nothing is ever changed in place. ``verify`` re-checks the hash chain and
names the first record that was edited, deleted or moved. See docs/ledger.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from detente.commands._common import (
    ForceOpt,
    JsonOpt,
    SeedOpt,
    command_line,
    commit,
    console,
    err_console,
    json_text,
    outputs,
    print_rows,
)
from detente.errors import DetenteError, InputError, ParameterError

__all__ = ["LedgerBrokenError", "app"]

app = typer.Typer(
    no_args_is_help=True,
    help="Forecast ledger: issue dated forecasts, resolve and score them, verify the hash chain.",
)

StoreOpt = Annotated[
    str,
    typer.Option(
        "--store",
        help="Ledger: a SQLite file path or a database URL (postgresql+psycopg://...).",
        show_default=True,
    ),
]
RunsOpt = Annotated[
    int, typer.Option("--runs", "-n", min=10, max=100_000, help="Monte Carlo runs per simulated policy.")
]


class LedgerBrokenError(DetenteError):
    """The ledger's hash chain does not verify (exit code 1)."""

    exit_code = 1


def _open(store: str, *, create: bool) -> Any:
    """Open the ledger; a read-only command refuses a SQLite file that does not exist."""
    from detente.ledger.store import open_ledger

    if not create and "://" not in store and not Path(store).expanduser().exists():
        raise InputError(
            "there is no ledger here",
            source=store,
            fix="issue forecasts first (detente ledger issue QUESTIONS) or give --store",
        )
    return open_ledger(store)


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ParameterError(f"{text!r} is not a date", where=option, fix="write YYYY-MM-DD") from None


def _unique_ids(existing: set[str], wanted: list[str]) -> list[str]:
    """Record ids for new forecasts: the question id, or ``id-2``, ``id-3``... if already in the ledger."""
    out = []
    taken = set(existing)
    for qid in wanted:
        rid, n = qid, 1
        while rid in taken:
            n += 1
            rid = f"{qid}-{n}"
        taken.add(rid)
        out.append(rid)
    return out


def _forecast_rows(records: list[Any]) -> list[dict[str, str]]:
    from detente.ledger.digest import forecast_text

    rows = []
    for r in records:
        c = r.content
        b = c["baselines"]
        rows.append(
            {
                "id": r.record_id,
                "question": c["question"]["text"],
                "as of": c["as_of"],
                "resolve by": c["question"]["resolve_by"],
                "method": c["model"]["method"],
                "forecast": forecast_text(c),
                "base rate": forecast_text({"forecast": _as_forecast(b["base_rate"])}),
                "no change": forecast_text({"forecast": _as_forecast(b["no_change"])}),
                "retro": "yes" if c.get("retrospective") else "no",
            }
        )
    return rows


def _as_forecast(x: Any) -> dict[str, Any]:
    return {"quantiles": x} if isinstance(x, list) else {"probability": x}


def _issue(
    questions: str, scenario: str | None, store: str, runs: int, seed: int, issued: str | None, retro: bool
) -> tuple[Any, list[Any], Any]:
    from detente.ledger.issue import issue as issue_forecasts
    from detente.ledger.questions import resolve_questions

    book = resolve_questions(questions)
    day = _date(issued, "--issued")
    contents = issue_forecasts(book, scenario=scenario, runs=runs, seed=seed, issued=day, retrospective=retro)
    ledger = _open(store, create=True)
    existing = {r.record_id for r in ledger.records()}
    ids = _unique_ids(existing, [qid for qid, _ in contents])
    sealed = ledger.append([(rid, "forecast", c) for rid, (_, c) in zip(ids, contents, strict=True)])
    return book, sealed, ledger


@app.command("issue")
def issue_command(
    questions: Annotated[
        str,
        typer.Argument(
            help="Question YAML file, or an embedded set: korea-retrospective, korea-prospective."
        ),
    ],
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", "-s", help="Scenario for every question (overrides the file's)."),
    ] = None,
    store: StoreOpt = "detente-ledger.db",
    runs: RunsOpt = 2000,
    seed: SeedOpt = 0,
    issued: Annotated[str | None, typer.Option("--issued", hidden=True)] = None,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Freeze one forecast record per question: dates, scenario hash, model, seed, forecast, baselines.

    Records are appended to the ledger and sealed in its hash chain. Records whose outcomes are
    already known (a retrospective question file, or a resolve-by date already past) are marked
    retrospective and scored apart.
    """
    with outputs([json_out], force=force) as files:
        book, sealed, ledger = _issue(questions, scenario, store, runs, seed, issued, False)
        print_rows(
            _forecast_rows(sealed), title=f"{book.name}: {len(sealed)} forecasts sealed in {ledger.display}"
        )
        console.print(f"head hash {sealed[-1].hash}", markup=False, soft_wrap=True)
        if json_out is not None:
            files.add(json_out, json_text([r.to_json_dict() for r in sealed]))
            commit(files)


def _find_forecast(records: list[Any], record_id: str) -> Any:
    for r in records:
        if r.kind == "forecast" and r.record_id == record_id:
            return r
    from difflib import get_close_matches

    ids = [r.record_id for r in records if r.kind == "forecast"]
    near = get_close_matches(record_id, ids, n=1)
    raise ParameterError(
        f"there is no forecast {record_id!r} in the ledger",
        where="ID",
        fix=f"did you mean {near[0]!r}?" if near else "see the ids with detente ledger show",
    )


@app.command("resolve")
def resolve_command(
    record_id: Annotated[
        str, typer.Argument(metavar="ID", help="The forecast's id (see detente ledger show).")
    ],
    outcome: Annotated[str, typer.Option("--outcome", help="yes or no; or the observed value (continuous).")],
    source: Annotated[str, typer.Option("--source", help="The record that answers it, quoted and dated.")],
    store: StoreOpt = "detente-ledger.db",
    correction: Annotated[
        bool,
        typer.Option("--correction", help="Append a corrected outcome for an already resolved forecast."),
    ] = False,
    resolved: Annotated[str | None, typer.Option("--resolved", hidden=True)] = None,
) -> None:
    """Append the outcome of a forecast (the forecast record itself is never changed)."""
    from detente.ledger.issue import parse_outcome, resolution
    from detente.ledger.score import latest_resolutions

    ledger = _open(store, create=False)
    records = ledger.records()
    rec = _find_forecast(records, record_id)
    already = latest_resolutions(records).get(record_id)
    if already is not None and not correction:
        raise ParameterError(
            f"{record_id!r} was resolved on {already.content['resolved']} "
            f"(outcome {already.content['outcome']})",
            where="ID",
            fix="add --correction to append a corrected outcome",
        )
    day = _date(resolved, "--resolved")
    if day is not None and not rec.content.get("retrospective"):
        raise ParameterError(
            "--resolved is only for retrospective records", where="--resolved", fix="leave it out"
        )
    q = rec.content["question"]
    value = parse_outcome(outcome, q["kind"], q.get("scale"))
    content = resolution(
        rec.content, rec.record_id, rec.hash, value, source, resolved=day, correction=correction
    )
    [sealed] = ledger.append([(f"resolve:{record_id}", "resolution", content)])
    console.print(
        f"{record_id}: outcome {value} recorded (record #{sealed.seq}, hash {sealed.hash})",
        markup=False,
        soft_wrap=True,
    )


@app.command("retrospective")
def retrospective_command(
    questions: Annotated[
        str, typer.Argument(help="Question file with known outcomes; default: the Korean retrospective set.")
    ] = "korea-retrospective",
    store: StoreOpt = "detente-ledger.db",
    runs: RunsOpt = 2000,
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Issue a retrospective question set, resolve each from its shipped outcome and source, and score.

    Every record is marked retrospective. Prints the scores of the retrospective group with both
    baselines (see `detente ledger score`).
    """
    from detente.ledger.issue import resolution

    with outputs([json_out], force=force) as files:
        book, sealed, ledger = _issue(questions, None, store, runs, seed, None, True)
        by_id = {q.id: q for q in book.questions}
        items = []
        for rec in sealed:
            q = by_id[rec.content["question"]["id"]]
            if q.outcome is None:
                continue
            content = resolution(
                rec.content, rec.record_id, rec.hash, q.outcome, q.outcome_source, resolved=q.resolve_by
            )
            items.append((f"resolve:{rec.record_id}", "resolution", content))
        ledger.append(items)
        err_console.print(
            f"{len(sealed)} retrospective forecasts issued and {len(items)} resolved in {ledger.display}",
            markup=False,
            soft_wrap=True,
        )
        scores = _print_scores(ledger.records(), groups=("retrospective",))
        if json_out is not None:
            files.add(json_out, json_text(scores.to_json_dict()))
            commit(files)


def _print_scores(records: list[Any], groups: tuple[str, ...] = ("prospective", "retrospective")) -> Any:
    from detente.ledger.report import summary_rows
    from detente.ledger.score import score_ledger

    scores = score_ledger(records)
    for group in groups:
        rows = [r for r in summary_rows(scores) if r["group"] == group]
        if rows:
            print_rows(
                [{k: v for k, v in r.items() if k != "group"} for r in rows],
                title=f"{group.capitalize()} scores (lower is better; skill = 1 - score / baseline score)",
            )
            cal = scores.calibration.get(group) or []
            if cal:
                print_rows(
                    [{k: (f"{v:.2f}" if isinstance(v, float) else v) for k, v in r.items()} for r in cal],
                    title=f"{group.capitalize()} calibration (binary model forecasts)",
                )
            if scores.ranking.get(group):
                print_rows(
                    [
                        {
                            "rank": r["rank"],
                            "method": r["method"],
                            "questions": r["questions"],
                            "Brier": f"{r['brier']:.3f}",
                        }
                        for r in scores.ranking[group]
                    ],
                    title=f"{group.capitalize()} ranking",
                )
        console.print(f"{group}: {scores.ranking_note.get(group, '')}", markup=False, soft_wrap=True)
    console.print(f"open forecasts (not yet resolved): {scores.open_forecasts}", markup=False)
    return scores


@app.command("score")
def score_command(
    store: StoreOpt = "detente-ledger.db", json_out: JsonOpt = None, force: ForceOpt = False
) -> None:
    """Score the resolved forecasts: Brier and log (binary), CRPS (continuous), skill, calibration.

    Prospective and retrospective records are scored apart. Methods are ranked only once each has
    at least 10 graded binary questions.
    """
    with outputs([json_out], force=force) as files:
        scores = _print_scores(_open(store, create=False).records())
        if json_out is not None:
            files.add(json_out, json_text(scores.to_json_dict()))
            commit(files)


@app.command("verify")
def verify_command(
    store: StoreOpt = "detente-ledger.db",
    head: Annotated[
        str | None,
        typer.Option("--head", help="A head hash published earlier (digest): it must still be in the chain."),
    ] = None,
) -> None:
    """Check the hash chain: every record's seal, sequence number and link.

    Exits 0 when intact; otherwise exits 1 with one line naming the first broken record.
    """
    ledger = _open(store, create=False)
    report = ledger.verify()
    if not report.ok:
        more = f" (and {len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
        raise LedgerBrokenError(
            f"the ledger does not verify: {report.problems[0].message}{more}",
            source=ledger.display,
            fix="restore the ledger from a copy; a sealed record cannot be edited, deleted or moved",
        )
    if head is not None and head not in {r.hash for r in ledger.records()}:
        raise LedgerBrokenError(
            f"the published head {head[:16]}... is not in the ledger: it was rewritten or truncated",
            source=ledger.display,
            fix="restore the ledger from a copy that contains the published head",
        )
    console.print(
        f"ledger intact: {report.records} records, head hash {report.head}", markup=False, soft_wrap=True
    )


@app.command("show")
def show_command(
    record_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="One forecast: print it in full.")
    ] = None,
    store: StoreOpt = "detente-ledger.db",
) -> None:
    """List the forecasts (with their outcome, if resolved), or print one forecast and its resolutions."""
    from detente.ledger.score import latest_resolutions

    records = _open(store, create=False).records()
    if record_id is not None:
        rec = _find_forecast(records, record_id)
        related = [r for r in records if r.kind == "resolution" and r.content.get("forecast") == record_id]
        data = [rec.to_json_dict(), *[r.to_json_dict() for r in related]]
        console.print(json_text(data), markup=False, end="", soft_wrap=True)
        return
    resolved = latest_resolutions(records)
    rows = _forecast_rows([r for r in records if r.kind == "forecast"])
    for row in rows:
        res = resolved.get(row["id"])
        row["outcome"] = "-" if res is None else str(res.content["outcome"])
    if not rows:
        console.print("the ledger has no forecasts yet", markup=False)
        return
    print_rows(rows, title=f"{len(rows)} forecasts, {len(resolved)} resolved")


@app.command("export")
def export_command(
    out: Annotated[
        Path, typer.Argument(help="Output file: .csv (one row per record) or .json (full records).")
    ],
    store: StoreOpt = "detente-ledger.db",
    force: ForceOpt = False,
) -> None:
    """Export every record with its hashes as CSV or JSON."""
    from detente.ledger.digest import export_csv, export_json

    suffix = out.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise ParameterError(
            f"cannot tell the format of {out.name!r}", where="OUT", fix="end the file name in .csv or .json"
        )
    with outputs([out], force=force) as files:
        records = _open(store, create=False).records()
        files.add(out, export_csv(records) if suffix == ".csv" else json_text(export_json(records)))
        commit(files)


@app.command("digest")
def digest_command(
    md_out: Annotated[
        Path | None, typer.Option("--md", help="Also write the digest as Markdown to this file.")
    ] = None,
    json_out: JsonOpt = None,
    store: StoreOpt = "detente-ledger.db",
    force: ForceOpt = False,
) -> None:
    """A digest to publish before outcomes are known: the head hash and every open forecast.

    Printed as Markdown; --md FILE and --json FILE also write it to files.
    """
    from detente.ledger.digest import digest, digest_markdown

    with outputs([md_out, json_out], force=force) as files:
        data = digest(_open(store, create=False).records(), generated=dt.date.today().isoformat())
        text = digest_markdown(data)
        console.print(text, markup=False, end="", soft_wrap=True)
        if md_out is not None:
            files.add(md_out, text)
        if json_out is not None:
            files.add(json_out, json_text(data))
        if md_out is not None or json_out is not None:
            commit(files)


@app.command("report")
def report_command(
    out_dir: Annotated[Path, typer.Argument(help="Directory for ledger.html.")],
    store: StoreOpt = "detente-ledger.db",
    force: ForceOpt = False,
) -> None:
    """Write the track-record page: forecasts against outcomes, scores, skill and calibration."""
    from detente.ledger.report import ledger_html
    from detente.ledger.score import score_ledger

    target = out_dir / "ledger.html"
    if out_dir.exists() and not out_dir.is_dir():
        raise ParameterError(f"{out_dir} is a file", where="OUT_DIR", fix="give a directory")
    with outputs([target], force=force) as files:
        ledger = _open(store, create=False)
        records = ledger.records()
        files.add(
            target, ledger_html(records, score_ledger(records), ledger.verify(), command=command_line())
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        commit(files)
