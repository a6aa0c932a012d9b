"""The workbench's persistence: scenarios, edits (with their history) and runs, in any SQLAlchemy database.

:func:`open_workbench_store` opens (creating its tables) a SQLite file in the workspace by default,
or any SQLAlchemy URL (``postgresql+psycopg://...``). The tables are the workbench's own
(``detente_workbench_*``), so one database can hold them next to the experiments store and the ledger.

* ``detente_workbench_scenarios``: one row per scenario opened in the workbench (an embedded one or
  an upload): its name, its origin and its *baseline*, the detente YAML it started from.
* ``detente_workbench_edits``: every edit, in order: who, when, which number (actor, issue, field),
  the previous and the new value, and the edit's basis (source id and quote, or an estimate's
  rationale). Undo marks an edit undone; nothing is deleted, so the history stays complete.
* ``detente_workbench_runs``: the queued runs (road map, deals, Monte Carlo, report): status,
  progress, the result's HTML fragment or the workspace-relative path of the file it wrote.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from detente.errors import InputError
from detente.experiments.store import database_target

__all__ = ["DEFAULT_STORE_NAME", "WorkbenchStore", "open_workbench_store"]

DEFAULT_STORE_NAME = "workbench.db"
"""File name of the default store, a SQLite file in the workspace."""

_metadata = sa.MetaData()

_scenarios = sa.Table(
    "detente_workbench_scenarios",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("baseline", sa.Text, nullable=False),
    sa.Column("created", sa.String(40), nullable=False),
)

_edits = sa.Table(
    "detente_workbench_edits",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scenario_id", sa.Integer, sa.ForeignKey("detente_workbench_scenarios.id"), nullable=False),
    sa.Column("created", sa.String(40), nullable=False),
    sa.Column("author", sa.Text, nullable=False, default=""),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("issue", sa.Text, nullable=False, default=""),
    sa.Column("field", sa.String(20), nullable=False),
    sa.Column("old_value", sa.Float, nullable=True),
    sa.Column("new_value", sa.Float, nullable=False),
    sa.Column("basis", sa.String(20), nullable=False),
    sa.Column("source", sa.Text, nullable=False, default=""),
    sa.Column("quote", sa.Text, nullable=False, default=""),
    sa.Column("rationale", sa.Text, nullable=False, default=""),
    sa.Column("new_source", sa.Text, nullable=False, default=""),
    sa.Column("undone", sa.String(40), nullable=False, default=""),
)

_runs = sa.Table(
    "detente_workbench_runs",
    _metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("scenario_id", sa.Integer, sa.ForeignKey("detente_workbench_scenarios.id"), nullable=False),
    sa.Column("state", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("progress", sa.Float, nullable=False, default=0.0),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("created", sa.String(40), nullable=False),
    sa.Column("finished", sa.String(40), nullable=False, default=""),
    sa.Column("html", sa.Text, nullable=False, default=""),
    sa.Column("file", sa.Text, nullable=False, default=""),
    sa.Column("error", sa.Text, nullable=False, default=""),
)

EDIT_FIELDS = tuple(c.name for c in _edits.columns)
RUN_FIELDS = tuple(c.name for c in _runs.columns)


def now() -> str:
    """The current UTC time as ISO 8601 text (seconds), as every row records it."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


class WorkbenchStore:
    """The workbench's tables in one database; every method is one short transaction.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The database (tables are created if missing).
    shown : str
        How to name the store in messages (a path, or the URL with its password masked).
    """

    def __init__(self, engine: sa.Engine, shown: str) -> None:
        self.engine = engine
        self.shown = shown
        _metadata.create_all(engine)

    @contextmanager
    def _tx(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as conn:
            yield conn

    # --- scenarios ------------------------------------------------------------------------------

    def add_scenario(self, name: str, origin: str, baseline: str) -> int:
        """Record a scenario opened in the workbench; return its id.

        ``baseline`` is the detente YAML the scenario starts from (edits apply on top of it).
        """
        with self._tx() as conn:
            result = conn.execute(
                _scenarios.insert().values(name=name, origin=origin, baseline=baseline, created=now())
            )
            return int(result.inserted_primary_key[0])

    def scenarios(self) -> list[dict[str, Any]]:
        """Every scenario, newest first, without its baseline text."""
        cols = [_scenarios.c.id, _scenarios.c.name, _scenarios.c.origin, _scenarios.c.created]
        with self._tx() as conn:
            rows = conn.execute(sa.select(*cols).order_by(_scenarios.c.id.desc())).mappings().all()
        return [dict(r) for r in rows]

    def scenario(self, scenario_id: int) -> dict[str, Any] | None:
        """The scenario with this id (with its baseline text), or None."""
        with self._tx() as conn:
            row = conn.execute(sa.select(_scenarios).where(_scenarios.c.id == scenario_id)).mappings().first()
        return dict(row) if row is not None else None

    # --- edits ----------------------------------------------------------------------------------

    def add_edit(self, scenario_id: int, **values: Any) -> dict[str, Any]:
        """Append an edit to a scenario's history; return the stored row."""
        row = {"created": now(), "undone": "", **values, "scenario_id": scenario_id}
        if isinstance(row.get("new_source"), dict):
            row["new_source"] = json.dumps(row["new_source"], ensure_ascii=False)
        with self._tx() as conn:
            result = conn.execute(_edits.insert().values(**row))
            new_id = int(result.inserted_primary_key[0])
            stored = conn.execute(sa.select(_edits).where(_edits.c.id == new_id)).mappings().one()
        return _edit_dict(stored)

    def edits(self, scenario_id: int) -> list[dict[str, Any]]:
        """A scenario's whole edit history, oldest first, undone edits included (``undone`` set)."""
        with self._tx() as conn:
            rows = (
                conn.execute(
                    sa.select(_edits).where(_edits.c.scenario_id == scenario_id).order_by(_edits.c.id)
                )
                .mappings()
                .all()
            )
        return [_edit_dict(r) for r in rows]

    def undo_last(self, scenario_id: int) -> dict[str, Any] | None:
        """Mark the latest edit that is not undone as undone; return it, or None if there is none."""
        with self._tx() as conn:
            row = (
                conn.execute(
                    sa.select(_edits)
                    .where(_edits.c.scenario_id == scenario_id, _edits.c.undone == "")
                    .order_by(_edits.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            stamp = now()
            conn.execute(_edits.update().where(_edits.c.id == row["id"]).values(undone=stamp))
        return {**_edit_dict(row), "undone": stamp}

    # --- runs -----------------------------------------------------------------------------------

    def add_run(self, run_id: str, scenario_id: int, state: str, kind: str) -> None:
        """Record a queued run of ``kind`` on a scenario's state (see :func:`detente.web.edits.state_key`)."""
        with self._tx() as conn:
            conn.execute(
                _runs.insert().values(
                    id=run_id,
                    scenario_id=scenario_id,
                    state=state,
                    kind=kind,
                    status="queued",
                    progress=0.0,
                    created=now(),
                )
            )

    def update_run(self, run_id: str, **values: Any) -> None:
        """Change a run's status, progress, message or result."""
        with self._tx() as conn:
            conn.execute(_runs.update().where(_runs.c.id == run_id).values(**values))

    def run(self, run_id: str) -> dict[str, Any] | None:
        """The run with this id, or None."""
        with self._tx() as conn:
            row = conn.execute(sa.select(_runs).where(_runs.c.id == run_id)).mappings().first()
        return dict(row) if row is not None else None

    def runs(self, scenario_id: int, kind: str | None = None) -> list[dict[str, Any]]:
        """A scenario's runs (of one kind, if given), newest first."""
        query = sa.select(_runs).where(_runs.c.scenario_id == scenario_id)
        if kind is not None:
            query = query.where(_runs.c.kind == kind)
        with self._tx() as conn:
            rows = conn.execute(query.order_by(_runs.c.created.desc(), _runs.c.id)).mappings().all()
        return [dict(r) for r in rows]

    def interrupt_unfinished(self) -> int:
        """Mark runs left queued or running by a previous server as interrupted; return how many."""
        with self._tx() as conn:
            result = conn.execute(
                _runs.update()
                .where(_runs.c.status.in_(("queued", "running")))
                .values(status="interrupted", finished=now(), error="the server stopped before the run ended")
            )
        return int(result.rowcount or 0)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def _edit_dict(row: Any) -> dict[str, Any]:
    out = dict(row)
    text = out.get("new_source") or ""
    out["new_source"] = json.loads(text) if text else None
    return out


def open_workbench_store(target: str | Path) -> WorkbenchStore:
    """Open (creating its tables if needed) the workbench store at a file path or SQLAlchemy URL.

    Parameters
    ----------
    target : str or Path
        A SQLite file path (created if absent; its folder must exist) or a database URL.

    Raises
    ------
    InputError
        The path or URL is unusable, or the database cannot be opened (one line, password masked).
    """
    url, shown = database_target(target)
    try:
        engine = sa.create_engine(url)
        if url.get_backend_name() == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        return WorkbenchStore(engine, shown)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        raise InputError(
            f"cannot open the workbench store ({type(exc).__name__}: {reason})",
            source=shown,
            fix="give another file with --store, or check the database URL and that its server runs",
        ) from None
    except ModuleNotFoundError as exc:
        raise InputError(
            f"the database driver is not installed ({exc.name})",
            source=shown,
            fix="install the driver (e.g. pip install 'detente[postgres]') or use a SQLite file",
        ) from None
