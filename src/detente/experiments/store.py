"""The results store of sweeps: every run's inputs and outputs in SQLite or PostgreSQL, resumable.

A store holds *experiments* (one sweep each: its spec, master seed, size, provenance and status) and
their *runs* (one row per finished run, keyed by (experiment, run index)). An experiment is
identified by its spec hash and seed: starting the same sweep again finds it and continues where it
stopped (:meth:`Store.begin`, :meth:`Store.done_run_indices`). Each batch of runs is written in one
transaction (:meth:`Store.add_batch`), so a sweep killed at any moment leaves whole batches only.

``open_store("results.db")`` opens (or creates) an SQLite file; any SQLAlchemy URL works too, e.g.
``open_store("postgresql+psycopg://user@host/db")``. Outputs that are NaN are stored as JSON
``null`` and read back as NaN.

>>> store = open_store("sqlite://")  # in memory
>>> started = store.begin("demo", spec_hash="abc", spec_text="{}", seed=1, n_runs=2)
>>> started.resumed
False
>>> from detente.experiments.types import Task
>>> store.add_batch(started.experiment, [(Task(0, "a", 0, {"x": 0.5}), {"y": float("nan")})])
>>> store.done_run_indices(started.experiment)
{0}
>>> store.runs(started.experiment)[0].outputs
{'y': nan}
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import platform
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from detente.errors import InputError
from detente.experiments.types import Task

__all__ = [
    "SCHEMA_VERSION",
    "STATUSES",
    "Experiment",
    "RunArrays",
    "RunRow",
    "Started",
    "Status",
    "Store",
    "database_target",
    "git_commit",
    "open_store",
]

SCHEMA_VERSION = 1
"""Version of the table layout; a store written by a newer layout is refused."""

Status = Literal["running", "complete", "interrupted", "failed"]
STATUSES: tuple[str, ...] = ("running", "complete", "interrupted", "failed")
"""The states of an experiment: running, complete, interrupted (Ctrl-C) or failed (an error)."""

_metadata = sa.MetaData()

_meta = sa.Table(
    "detente_meta",
    _metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

_experiments = sa.Table(
    "experiments",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("spec_hash", sa.String(128), nullable=False),
    sa.Column("spec_text", sa.Text, nullable=False),
    sa.Column("seed", sa.String(64), nullable=False),  # text: a seed may exceed 64 bits
    sa.Column("n_runs", sa.Integer, nullable=False),
    sa.Column("detente_version", sa.String(64), nullable=False),
    sa.Column("git_commit", sa.String(64), nullable=True),
    sa.Column("python_version", sa.String(32), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.UniqueConstraint("spec_hash", "seed", name="uq_experiments_spec_seed"),
)

_runs = sa.Table(
    "runs",
    _metadata,
    sa.Column(
        "experiment_id", sa.Integer, sa.ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("run_index", sa.Integer, nullable=False),
    sa.Column("lever", sa.Text, nullable=False),
    sa.Column("sample", sa.BigInteger, nullable=False),
    sa.Column("inputs", sa.Text, nullable=False),
    sa.Column("outputs", sa.Text, nullable=False),
    sa.Column("seed", sa.Text, nullable=False),
    sa.Column("finished_at", sa.String(40), nullable=False),
    sa.PrimaryKeyConstraint("experiment_id", "run_index", name="pk_runs"),
)


@dataclass(frozen=True)
class Experiment:
    """One sweep in a store: what it is, where it came from, how far it got.

    Attributes
    ----------
    id : int
        The store's key for the experiment.
    name : str
        A label given by the user (not unique: the same name may hold different specs).
    spec_hash : str
        Hash of the experiment spec; with ``seed`` it identifies the experiment.
    spec_text : str
        The spec as text, to rebuild the design.
    seed : int
        The master seed.
    n_runs : int
        Number of runs in the design.
    detente_version, git_commit, python_version : str, str or None, str
        Provenance: the package version, the source tree's commit (``None`` outside a git checkout)
        and the Python version of the process that created the experiment.
    created_at, updated_at : str
        ISO 8601 UTC timestamps.
    status : {"running", "complete", "interrupted", "failed"}
        Where the sweep stands.
    done : int
        Runs stored so far.
    """

    id: int
    name: str
    spec_hash: str
    spec_text: str
    seed: int
    n_runs: int
    detente_version: str
    git_commit: str | None
    python_version: str
    created_at: str
    updated_at: str
    status: str
    done: int = 0


@dataclass(frozen=True)
class Started:
    """What :meth:`Store.begin` found or made.

    Attributes
    ----------
    experiment : Experiment
        The experiment to run into.
    resumed : bool
        True when the (spec hash, seed) pair existed: the sweep continues it.
    same_name : tuple of int
        Ids of *other* experiments with the same name (a different spec or seed), left untouched.
    """

    experiment: Experiment
    resumed: bool
    same_name: tuple[int, ...] = ()


@dataclass(frozen=True)
class RunRow:
    """One stored run: the task it did, its outputs and where its random numbers came from."""

    run_index: int
    lever: str
    sample: int
    inputs: dict[str, float | str]
    outputs: dict[str, float]
    seed: str
    finished_at: str


@dataclass(frozen=True)
class RunArrays:
    """An experiment's runs as columns (in run-index order), for analysis.

    Attributes
    ----------
    run_index, sample : numpy.ndarray of int
    lever : numpy.ndarray of str (object)
    inputs : dict of str to numpy.ndarray
        Float arrays for numeric inputs (NaN where missing); object arrays for categorical ones.
    outputs : dict of str to numpy.ndarray of float
        NaN where a run has no value for the outcome.
    """

    run_index: np.ndarray
    lever: np.ndarray
    sample: np.ndarray
    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def git_commit() -> str | None:
    """The commit of the git checkout detente runs from, or ``None`` (not a checkout, or no git).

    The package's own ``__init__.py`` must be tracked by that checkout, so that an installed copy
    inside some unrelated repository is not credited with that repository's commit.
    """
    here = Path(__file__).resolve().parents[1]
    try:
        tracked = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "__init__.py"],
            cwd=here,
            capture_output=True,
            timeout=10,
            check=False,
        )
        if tracked.returncode != 0:
            return None
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = head.stdout.strip()
    return commit if head.returncode == 0 and commit else None


# -- JSON with NaN as null ----------------------------------------------------------------------


def _encode_value(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return float(value)
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return number


def _encode(values: Mapping[str, Any]) -> str:
    return json.dumps({str(k): _encode_value(v) for k, v in values.items()}, allow_nan=False)


def _decode_input(value: Any) -> float | str:
    if value is None:
        return math.nan
    if value in ("Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    return value if isinstance(value, str) else float(value)


def _decode_inputs(text: str) -> dict[str, float | str]:
    return {k: _decode_input(v) for k, v in json.loads(text).items()}


def _decode_outputs(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in json.loads(text).items():
        decoded = _decode_input(v)
        out[k] = float(decoded)
    return out


def _seed_text(seed: int, run_index: int) -> str:
    return f'child_sequence({seed}, "sweep", {run_index})'


# -- opening ------------------------------------------------------------------------------------


def _url(target: str | Path) -> URL:
    text = str(target)
    if "://" not in text:
        path = Path(text).expanduser()
        if path.is_dir():
            raise InputError(
                "is a directory, not a database file", source=text, fix="name a file, e.g. results.db"
            )
        if not path.parent.exists():
            raise InputError(
                f"the folder {path.parent} does not exist",
                source=text,
                fix="create it or choose another path",
            )
        return URL.create("sqlite", database=str(path.resolve()))
    try:
        return sa.make_url(text)
    except Exception as exc:
        raise InputError(
            f"not a database URL ({type(exc).__name__})",
            source=_mask(text),
            fix="write a file path, or a URL like postgresql+psycopg://user@host:5432/db",
        ) from None


def _mask(text: str) -> str:
    """Hide the password in a URL that could not be parsed (user:secret@ -> user:***@)."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return text
    return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"


def database_target(target: str | Path) -> tuple[URL, str]:
    """The database a store path or URL names, and how messages show it.

    A plain path is an SQLite file (its folder must exist); anything with ``://`` is a SQLAlchemy
    URL. Returns the :class:`sqlalchemy.engine.URL` and the text to show: the path as given, or the
    URL with its password masked. Raises :class:`~detente.errors.InputError` (password masked) for a
    folder, a missing parent folder or an unparsable URL. Every store (results, ledger, workbench)
    opens its database through it.
    """
    url = _url(target)
    text = str(target)
    return url, (text if "://" not in text else url.render_as_string(hide_password=True))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def open_store(target: str | Path) -> Store:
    """Open (creating its tables if needed) the results store at a file path or SQLAlchemy URL.

    Parameters
    ----------
    target : str or Path
        A file path (an SQLite file, created if absent) or a URL such as
        ``postgresql+psycopg://user:password@host:5432/dbname`` or ``sqlite:///results.db``.

    Raises
    ------
    InputError
        The URL cannot be parsed or names a missing driver, the database cannot be reached (the
        message shows the URL with its password masked), or the file or database is not a detente
        store (or one written by a newer layout).
    """
    url, shown = database_target(target)
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        connect_args["timeout"] = 30
    elif url.get_backend_name() == "postgresql" and url.get_driver_name() in ("psycopg", "psycopg2"):
        connect_args["connect_timeout"] = 10
    try:
        engine = sa.create_engine(url, connect_args=connect_args)
    except Exception as exc:
        raise InputError(
            f"cannot open a database for this URL ({type(exc).__name__}: {exc})",
            source=shown,
            fix="check the URL's scheme and that its driver is installed (e.g. postgresql+psycopg://)",
        ) from None
    if url.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine, shown)
    try:
        store._prepare()
    except InputError:
        engine.dispose()
        raise
    except sa.exc.DatabaseError as exc:
        engine.dispose()
        text = str(exc.orig) if exc.orig is not None else str(exc)
        if "not a database" in text or "malformed" in text:
            raise InputError(
                "not a detente results store (not an SQLite database)",
                source=shown,
                fix="choose another file name; detente creates the store when the file does not exist",
            ) from None
        raise InputError(
            f"cannot reach the database ({type(exc.orig or exc).__name__}: {text.splitlines()[0][:200]})",
            source=shown,
            fix="check that the server is running, the host, port, database name and credentials",
        ) from None
    return store


class Store:
    """A results store (use :func:`open_store` to get one).

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The database connection pool.
    shown : str
        The store's URL with its password masked, for messages.
    """

    def __init__(self, engine: Engine, shown: str) -> None:
        self.engine = engine
        self.url = shown

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def close(self) -> None:
        """Release the store's database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------------

    def _prepare(self) -> None:
        tables = set(sa.inspect(self.engine).get_table_names())
        if "detente_meta" not in tables and tables & {"experiments", "runs"}:
            raise InputError(
                "not a detente results store (it has tables named experiments or runs of another program)",
                source=self.url,
                fix="use another file or database for detente's results",
            )
        if not {"detente_meta", "experiments", "runs"} <= tables:
            try:
                _metadata.create_all(self.engine, checkfirst=True)
            except sa.exc.DatabaseError:  # another process created them between our check and ours
                tables = set(sa.inspect(self.engine).get_table_names())
                if not {"detente_meta", "experiments", "runs"} <= tables:
                    raise
        with self.engine.begin() as conn:
            rows = {k: v for k, v in conn.execute(sa.select(_meta.c.key, _meta.c.value))}
            if not rows:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            _meta.insert(),
                            [
                                {"key": "application", "value": "detente"},
                                {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                            ],
                        )
                except sa.exc.IntegrityError:
                    pass  # written by a concurrent opener
                rows = {k: v for k, v in conn.execute(sa.select(_meta.c.key, _meta.c.value))}
        if rows.get("application") != "detente":
            raise InputError(
                "not a detente results store", source=self.url, fix="use another file or database"
            )
        version = int(rows.get("schema_version", "0"))
        if version > SCHEMA_VERSION:
            raise InputError(
                f"the store has layout version {version}, newer than this detente understands "
                f"({SCHEMA_VERSION})",
                source=self.url,
                fix="upgrade detente",
            )

    # -- experiments ------------------------------------------------------------------------------

    def begin(self, name: str, *, spec_hash: str, spec_text: str, seed: int, n_runs: int) -> Started:
        """Find the experiment with this (spec hash, seed) to resume it, or create it.

        Parameters
        ----------
        name : str
            Label of the experiment; a name already used for another spec or seed makes a *new*
            experiment (listed in :attr:`Started.same_name`), never overwrites it.
        spec_hash, spec_text : str
            The spec's hash (identity) and text (to rebuild the design later).
        seed : int
            Master seed (non-negative).
        n_runs : int
            Runs in the design.

        Returns
        -------
        Started
            The experiment, whether it was resumed, and other experiments sharing its name.
        """
        from detente import __version__

        if not isinstance(seed, int | np.integer) or seed < 0:
            raise InputError(f"a sweep's seed must be a non-negative integer, got {seed!r}", where="seed")
        if n_runs < 0:
            raise InputError(f"the number of runs must not be negative, got {n_runs}", where="n_runs")
        existing = self._find(spec_hash, int(seed))
        if existing is None:
            now = _now()
            values = {
                "name": name,
                "spec_hash": spec_hash,
                "spec_text": spec_text,
                "seed": str(int(seed)),
                "n_runs": int(n_runs),
                "detente_version": __version__,
                "git_commit": git_commit(),
                "python_version": platform.python_version(),
                "created_at": now,
                "updated_at": now,
                "status": "running",
            }
            try:
                with self.engine.begin() as conn:
                    conn.execute(_experiments.insert().values(**values))
                resumed = False
            except sa.exc.IntegrityError:  # another process began the same experiment just now
                resumed = True
            existing = self._find(spec_hash, int(seed))
            assert existing is not None
        else:
            resumed = True
            if existing.n_runs != n_runs:
                raise InputError(
                    f"experiment {existing.id} has the same spec hash and seed but {existing.n_runs} runs, "
                    f"not {n_runs}",
                    source=self.url,
                    fix="the spec hash must cover everything that sets the design; use a new seed or spec",
                )
            if existing.status != "complete" or existing.done < existing.n_runs:
                self.mark(existing, "running")
                existing = self._get(existing.id)
        with self.engine.connect() as conn:
            others = conn.execute(
                sa.select(_experiments.c.id)
                .where(_experiments.c.name == name, _experiments.c.id != existing.id)
                .order_by(_experiments.c.id)
            ).scalars()
            same_name = tuple(int(i) for i in others)
        return Started(existing, resumed, same_name)

    def _select(self) -> sa.Select[Any]:
        done = (
            sa.select(sa.func.count())
            .where(_runs.c.experiment_id == _experiments.c.id)
            .scalar_subquery()
            .label("done")
        )
        return sa.select(_experiments, done)

    @staticmethod
    def _record(row: Any) -> Experiment:
        m = row._mapping
        return Experiment(
            id=int(m["id"]),
            name=m["name"],
            spec_hash=m["spec_hash"],
            spec_text=m["spec_text"],
            seed=int(m["seed"]),
            n_runs=int(m["n_runs"]),
            detente_version=m["detente_version"],
            git_commit=m["git_commit"],
            python_version=m["python_version"],
            created_at=m["created_at"],
            updated_at=m["updated_at"],
            status=m["status"],
            done=int(m["done"]),
        )

    def _find(self, spec_hash: str, seed: int) -> Experiment | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                self._select().where(_experiments.c.spec_hash == spec_hash, _experiments.c.seed == str(seed))
            ).first()
        return None if row is None else self._record(row)

    def _get(self, experiment_id: int) -> Experiment:
        with self.engine.connect() as conn:
            row = conn.execute(self._select().where(_experiments.c.id == experiment_id)).first()
        if row is None:
            raise InputError(
                f"no experiment {experiment_id}", source=self.url, fix="list them with experiments()"
            )
        return self._record(row)

    def experiment(self, ref: int | str | Experiment) -> Experiment:
        """The current record of an experiment given by id, by name (the newest of that name) or record."""
        if isinstance(ref, Experiment):
            return self._get(ref.id)
        if isinstance(ref, int | np.integer):
            return self._get(int(ref))
        with self.engine.connect() as conn:
            row = conn.execute(
                self._select().where(_experiments.c.name == ref).order_by(_experiments.c.id.desc())
            ).first()
        if row is None:
            raise InputError(
                f"no experiment named {ref!r}", source=self.url, fix="list them with experiments()"
            )
        return self._record(row)

    def experiments(self) -> list[Experiment]:
        """Every experiment in the store, oldest first, with its runs done, total and status."""
        with self.engine.connect() as conn:
            rows = conn.execute(self._select().order_by(_experiments.c.id)).all()
        return [self._record(r) for r in rows]

    def mark(self, experiment: Experiment | int, status: Status) -> None:
        """Set an experiment's status (running, complete, interrupted or failed)."""
        if status not in STATUSES:
            raise InputError(
                f"unknown status {status!r}", where="status", fix=f"use one of {', '.join(STATUSES)}"
            )
        exp_id = experiment.id if isinstance(experiment, Experiment) else int(experiment)
        with self.engine.begin() as conn:
            conn.execute(
                _experiments.update()
                .where(_experiments.c.id == exp_id)
                .values(status=status, updated_at=_now())
            )

    # -- runs -------------------------------------------------------------------------------------

    def done_run_indices(self, experiment: Experiment | int) -> set[int]:
        """Run indices of the experiment already stored (the runs a resumed sweep skips)."""
        exp_id = experiment.id if isinstance(experiment, Experiment) else int(experiment)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(_runs.c.run_index).where(_runs.c.experiment_id == exp_id))
            return {int(i) for i in rows.scalars()}

    def add_batch(self, experiment: Experiment, rows: Iterable[tuple[Task, Mapping[str, float]]]) -> None:
        """Store a batch of finished runs in one transaction: all of them, or none on any error.

        A run index already stored (two processes running the same sweep) is skipped, not
        duplicated: both computed the same outputs from the same seed.

        Raises
        ------
        InputError
            A run index outside the experiment's design (0 .. n_runs-1).
        """
        now = _now()
        values = []
        for task, outputs in rows:
            k = int(task.run_index)
            if not 0 <= k < experiment.n_runs:
                raise InputError(
                    f"run index {k} is outside the design (0..{experiment.n_runs - 1})",
                    source=self.url,
                    where=f"experiment {experiment.id}",
                )
            values.append(
                {
                    "experiment_id": experiment.id,
                    "run_index": k,
                    "lever": task.lever,
                    "sample": task.sample,
                    "inputs": _encode(task.inputs),
                    "outputs": _encode(outputs),
                    "seed": _seed_text(experiment.seed, k),
                    "finished_at": now,
                }
            )
        if not values:
            return
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        elif dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            dialect_insert = None
        with self.engine.begin() as conn:
            if dialect_insert is not None:
                stmt = dialect_insert(_runs).on_conflict_do_nothing(
                    index_elements=["experiment_id", "run_index"]
                )
                conn.execute(stmt, values)
            else:  # any other database: skip what is there, inside the same transaction
                have = {
                    int(i)
                    for i in conn.execute(
                        sa.select(_runs.c.run_index).where(
                            _runs.c.experiment_id == experiment.id,
                            _runs.c.run_index.in_([v["run_index"] for v in values]),
                        )
                    ).scalars()
                }
                fresh = [v for v in values if v["run_index"] not in have]
                if fresh:
                    conn.execute(_runs.insert(), fresh)
            conn.execute(
                _experiments.update().where(_experiments.c.id == experiment.id).values(updated_at=now)
            )

    def runs(self, experiment: Experiment | int) -> list[RunRow]:
        """The experiment's stored runs in run-index order, inputs and outputs decoded (null -> NaN)."""
        exp_id = experiment.id if isinstance(experiment, Experiment) else int(experiment)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(_runs).where(_runs.c.experiment_id == exp_id).order_by(_runs.c.run_index)
            ).all()
        return [
            RunRow(
                run_index=int(r.run_index),
                lever=r.lever,
                sample=int(r.sample),
                inputs=_decode_inputs(r.inputs),
                outputs=_decode_outputs(r.outputs),
                seed=r.seed,
                finished_at=r.finished_at,
            )
            for r in rows
        ]

    def arrays(self, experiment: Experiment | int) -> RunArrays:
        """The experiment's runs as arrays in run-index order: one per input and per outcome."""
        rows = self.runs(experiment)
        input_names = _names(r.inputs for r in rows)
        output_names = _names(r.outputs for r in rows)
        inputs: dict[str, np.ndarray] = {}
        for name in input_names:
            column = [r.inputs.get(name, math.nan) for r in rows]
            if any(isinstance(v, str) for v in column):
                inputs[name] = np.array([None if _isnan(v) else v for v in column], dtype=object)
            else:
                inputs[name] = np.array(column, dtype=float)
        outputs = {n: np.array([r.outputs.get(n, math.nan) for r in rows], dtype=float) for n in output_names}
        return RunArrays(
            run_index=np.array([r.run_index for r in rows], dtype=np.int64),
            lever=np.array([r.lever for r in rows], dtype=object),
            sample=np.array([r.sample for r in rows], dtype=np.int64),
            inputs=inputs,
            outputs=outputs,
        )

    def export(self, experiment: Experiment | int, path: str | Path) -> Path:
        """Write the experiment's runs to CSV or JSON (by the file's suffix), one row per run.

        Columns: run_index, lever, sample, then each input, then each output. In CSV a missing or
        NaN value is an empty cell; in JSON it is ``null`` (the file is strict JSON, no NaN). The JSON
        file is an object with the experiment's record under ``"experiment"`` and the rows under
        ``"runs"``.
        """
        out = Path(path)
        suffix = out.suffix.lower()
        if suffix not in (".csv", ".json"):
            raise InputError(
                f"cannot export to {suffix or 'a file without suffix'}",
                source=out,
                fix="name a .csv or .json file",
            )
        record = self.experiment(experiment)
        rows = self.runs(record)
        input_names = _names(r.inputs for r in rows)
        output_names = _names(r.outputs for r in rows)
        clash = set(input_names) & set(output_names)
        header = ["run_index", "lever", "sample"]
        header += [f"input:{n}" if n in clash else n for n in input_names]
        header += [f"output:{n}" if n in clash else n for n in output_names]
        table = [
            [r.run_index, r.lever, r.sample]
            + [_plain(r.inputs.get(n)) for n in input_names]
            + [_plain(r.outputs.get(n)) for n in output_names]
            for r in rows
        ]
        if suffix == ".csv":
            with out.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                writer.writerows([["" if v is None else v for v in line] for line in table])
        else:
            document = {
                "experiment": {k: getattr(record, k) for k in record.__dataclass_fields__},
                "columns": header,
                "runs": [dict(zip(header, line, strict=True)) for line in table],
            }
            out.write_text(json.dumps(document, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        return out


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _plain(value: Any) -> Any:
    """A value for CSV/JSON: NaN and missing -> None, infinities as strings, else as is."""
    if value is None or _isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _names(dicts: Iterable[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for d in dicts:
        for k in d:
            seen.setdefault(k, None)
    return list(seen)
