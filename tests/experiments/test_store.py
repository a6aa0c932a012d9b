"""The results store on SQLite and on a real PostgreSQL server: round trips, resumption, export, errors."""

from __future__ import annotations

import csv
import json
import math
import socket
import subprocess
from pathlib import Path

import numpy as np
import pytest

import detente
from detente.errors import InputError
from detente.experiments.store import SCHEMA_VERSION, git_commit, open_store
from detente.experiments.types import Task


def _batch(indices: range | list[int]) -> list[tuple[Task, dict[str, float]]]:
    return [
        (
            Task(k, "engage" if k % 2 else "pressure", k // 2, {"x": k / 4, "kind": "hi" if k % 3 else "lo"}),
            {"y": k * 1.5, "when": math.nan if k % 2 else float(k), "big": math.inf if k == 1 else -1.0},
        )
        for k in indices
    ]


def test_runs_round_trip_with_nan_and_categorical_inputs(store_target: str) -> None:
    store = open_store(store_target)
    exp = store.begin("demo", spec_hash="h1", spec_text="{spec}", seed=7, n_runs=6).experiment
    store.add_batch(exp, _batch([3, 1, 2]))
    store.add_batch(exp, _batch([0]))
    assert store.done_run_indices(exp) == {0, 1, 2, 3}
    rows = store.runs(exp)
    assert [r.run_index for r in rows] == [0, 1, 2, 3]
    for row, (task, outputs) in zip(rows, _batch(range(4)), strict=True):
        assert (row.lever, row.sample, row.inputs) == (task.lever, task.sample, dict(task.inputs))
        assert row.outputs["y"] == outputs["y"]
        assert math.isnan(row.outputs["when"]) == math.isnan(outputs["when"])
        assert row.outputs["big"] == outputs["big"]
        assert row.seed == f'child_sequence(7, "sweep", {row.run_index})'
    arrays = store.arrays(exp)
    assert arrays.run_index.tolist() == [0, 1, 2, 3]
    assert arrays.lever.tolist() == ["pressure", "engage", "pressure", "engage"]
    assert np.array_equal(arrays.outputs["when"], [0.0, np.nan, 2.0, np.nan], equal_nan=True)
    assert arrays.inputs["x"].dtype == float and arrays.inputs["kind"].tolist() == ["lo", "hi", "hi", "lo"]
    [listed] = store.experiments()
    assert (listed.done, listed.n_runs, listed.status) == (4, 6, "running")
    store.close()


def test_begin_resumes_the_same_spec_and_seed_and_never_clobbers_a_name(store_target: str) -> None:
    store = open_store(store_target)
    first = store.begin("sweep", spec_hash="aaa", spec_text="A", seed=1, n_runs=4)
    assert not first.resumed and first.same_name == ()
    store.add_batch(first.experiment, _batch([0, 1]))
    store.mark(first.experiment, "interrupted")
    again = store.begin("sweep", spec_hash="aaa", spec_text="A", seed=1, n_runs=4)
    assert again.resumed and again.experiment.id == first.experiment.id
    assert again.experiment.done == 2 and again.experiment.status == "running"
    changed = store.begin("sweep", spec_hash="bbb", spec_text="B", seed=1, n_runs=4)
    assert not changed.resumed and changed.experiment.id != first.experiment.id
    assert changed.same_name == (first.experiment.id,)
    other_seed = store.begin("sweep", spec_hash="aaa", spec_text="A", seed=2, n_runs=4)
    assert not other_seed.resumed
    assert store.runs(first.experiment)[1].outputs["y"] == 1.5  # untouched by the later ones
    assert [e.done for e in store.experiments()] == [2, 0, 0]
    assert store.experiment("sweep").id == other_seed.experiment.id  # by name: the newest
    with pytest.raises(InputError, match="runs"):
        store.begin("sweep", spec_hash="aaa", spec_text="A", seed=1, n_runs=5)
    store.close()


def test_status_transitions(store_target: str) -> None:
    store = open_store(store_target)
    exp = store.begin("s", spec_hash="h", spec_text="", seed=0, n_runs=1).experiment
    for status in ("interrupted", "failed", "complete"):
        store.mark(exp, status)  # type: ignore[arg-type]
        assert store.experiment(exp.id).status == status
    with pytest.raises(InputError, match="unknown status"):
        store.mark(exp, "paused")  # type: ignore[arg-type]
    store.close()


def test_add_batch_is_all_or_nothing(store_target: str) -> None:
    store = open_store(store_target)
    exp = store.begin("s", spec_hash="h", spec_text="", seed=0, n_runs=10).experiment
    good = _batch(range(4))
    bad = Task(4, "engage", 2**70, {"x": 1.0})  # the database refuses a sample beyond 64 bits
    with pytest.raises(Exception):  # noqa: B017 - whichever error the database driver raises
        store.add_batch(exp, [*good, (bad, {"y": 1.0})])
    assert store.done_run_indices(exp) == set()
    with pytest.raises(InputError, match="outside the design"):
        store.add_batch(exp, [*good, (Task(10, "", 0, {}), {"y": 1.0})])
    assert store.done_run_indices(exp) == set()
    store.add_batch(exp, good)
    store.add_batch(exp, _batch(range(2, 6)))  # 2 and 3 again: skipped, never duplicated
    assert [r.run_index for r in store.runs(exp)] == [0, 1, 2, 3, 4, 5]
    store.close()


def test_export_csv_and_json(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.db")
    exp = store.begin("demo", spec_hash="h", spec_text="{}", seed=3, n_runs=3).experiment
    store.add_batch(exp, _batch(range(3)))
    store.export(exp, tmp_path / "runs.csv")
    with (tmp_path / "runs.csv").open() as fh:
        table = list(csv.reader(fh))
    assert table[0] == ["run_index", "lever", "sample", "x", "kind", "y", "when", "big"]
    assert table[1] == ["0", "pressure", "0", "0.0", "lo", "0.0", "0.0", "-1.0"]
    assert table[2] == ["1", "engage", "0", "0.25", "hi", "1.5", "", "Infinity"]
    text = store.export(exp, tmp_path / "runs.json").read_text()

    def no_constants(name: str) -> None:
        raise AssertionError(f"{name} in strict JSON")

    document = json.loads(text, parse_constant=no_constants)
    assert document["experiment"]["seed"] == 3 and document["experiment"]["n_runs"] == 3
    assert document["runs"][1] == {
        "run_index": 1,
        "lever": "engage",
        "sample": 0,
        "x": 0.25,
        "kind": "hi",
        "y": 1.5,
        "when": None,
        "big": "Infinity",
    }
    with pytest.raises(InputError, match=r"\.csv or \.json"):
        store.export(exp, tmp_path / "runs.xlsx")
    store.close()


def test_provenance_is_recorded(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.db")
    exp = store.begin("demo", spec_hash="h", spec_text="the spec", seed=9, n_runs=1).experiment
    assert exp.detente_version == detente.__version__
    assert exp.python_version.count(".") == 2 and exp.spec_text == "the spec"
    package = Path(detente.__file__).parent
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=package, capture_output=True, text=True, check=False
    )
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", "__init__.py"], cwd=package, capture_output=True, check=False
    )
    expected = head.stdout.strip() if head.returncode == 0 and tracked.returncode == 0 else None
    assert exp.git_commit == expected == git_commit()
    assert exp.created_at.endswith("+00:00")
    store.close()


def test_a_reopened_store_keeps_its_experiments(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with open_store(path) as store:
        exp = store.begin("demo", spec_hash="h", spec_text="", seed=1, n_runs=2).experiment
        store.add_batch(exp, _batch([1]))
    with open_store(str(path)) as store:
        assert store.done_run_indices(exp) == {1}
        mode = store.engine.connect().exec_driver_sql("PRAGMA journal_mode").scalar()
        assert mode == "wal"


def _one_line_input_error(target: str | Path) -> str:
    with pytest.raises(InputError) as info:
        open_store(target)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_bad_locations_are_one_line_input_errors(tmp_path: Path) -> None:
    assert "not a database URL" in _one_line_input_error("://nowhere")
    assert "driver" in _one_line_input_error("postgresql+nodriver://u:pw@localhost/db")
    assert "does not exist" in _one_line_input_error(tmp_path / "missing" / "r.db")
    junk = tmp_path / "notes.db"
    junk.write_text("these are my notes, not a database " * 40)
    assert "not a detente results store" in _one_line_input_error(junk)
    assert junk.read_text().startswith("these are my notes")  # and left alone
    import sqlite3

    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE runs (id INTEGER)")
    other.commit()
    other.close()
    assert "not a detente results store" in _one_line_input_error(tmp_path / "other.db")


def test_an_unreachable_database_names_the_url_with_the_password_masked() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    message = _one_line_input_error(f"postgresql+psycopg://alice:s3cret@127.0.0.1:{port}/results")
    assert f"postgresql+psycopg://alice:***@127.0.0.1:{port}/results" in message
    assert "s3cret" not in message and "cannot reach the database" in message


def test_a_store_from_a_newer_layout_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    open_store(path).close()
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("UPDATE detente_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    db.commit()
    db.close()
    assert "newer" in _one_line_input_error(path)
