"""Resuming sweeps: after a failure, after Ctrl-C and after SIGKILL, on SQLite and PostgreSQL.

The SIGKILL and SIGINT tests run a real sweep in a subprocess (``tests/experiments/sweep_child.py``),
stop it once the store holds some but not all runs, check that the store holds whole batches only,
run the same command again and compare every row with a clean, uninterrupted run.
"""

from __future__ import annotations

import itertools
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from detente.experiments.backends import TaskFailedError, collect
from detente.experiments.store import Store, open_store
from detente.experiments.sweep import run_sweep
from tests.experiments.sweep_child import SEED
from tests.experiments.sweep_tasks import FailAt, comparable, draw, make_tasks

REPO = Path(__file__).resolve().parents[2]
N = 120
BATCH = 4


def _rows(store: Store, name: str = "child") -> list[tuple[int, str, int, dict, dict, str]]:
    exp = store.experiment(name)
    return [
        (r.run_index, r.lever, r.sample, r.inputs, comparable(r.outputs), r.seed) for r in store.runs(exp)
    ]


def _expected(n: int, seed: int = SEED) -> list[tuple[int, str, int, dict, dict, str]]:
    tasks = make_tasks(n)
    outputs = collect(draw, tasks, seed=seed)
    return [
        (
            t.run_index,
            t.lever,
            t.sample,
            dict(t.inputs),
            comparable(o),
            f'child_sequence({seed}, "sweep", {t.run_index})',
        )
        for t, o in zip(tasks, outputs, strict=True)
    ]


def _assert_whole_batches(indices: set[int], n: int, batch: int) -> None:
    for start in range(0, n, batch):
        block = set(range(start, min(n, start + batch)))
        assert block <= indices or not block & indices, f"batch {sorted(block)} is stored in part"


# -- in process -----------------------------------------------------------------------------------


def test_a_sweep_resumed_after_a_failure_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    tasks = make_tasks(N)
    store = open_store(tmp_path / "r.db")
    common = {"name": "child", "spec_hash": "child-spec", "spec_text": "{}", "seed": SEED, "tasks": tasks}
    with pytest.raises(TaskFailedError, match="run 37"):
        run_sweep(store, func=FailAt(37), batch_size=5, **common)  # type: ignore[arg-type]
    failed = store.experiment("child")
    assert failed.status == "failed" and failed.done == 35  # batches before the failing one, whole
    progress: list[tuple[int, int]] = []
    result = run_sweep(
        store,
        func=draw,
        backend="processes",
        workers=2,
        on_progress=lambda d, t: progress.append((d, t)),
        **common,
    )  # type: ignore[arg-type]
    assert result.resumed and (result.skipped, result.ran) == (35, N - 35)
    assert result.experiment.status == "complete" and result.experiment.done == N
    assert progress[0] == (35, N) and progress[-1] == (N, N)
    assert all(a[0] < b[0] for a, b in itertools.pairwise(progress))
    assert _rows(store) == _expected(N)
    again = run_sweep(store, func=draw, **common)  # type: ignore[arg-type]
    assert again.ran == 0 and again.experiment.status == "complete" and _rows(store) == _expected(N)


class _KeyboardAt:
    """A task function that behaves like Ctrl-C pressed during one run."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, task, seed):  # type: ignore[no-untyped-def]
        if task.run_index == self.index:
            raise KeyboardInterrupt
        return draw(task, seed)


def test_keyboard_interrupt_marks_the_experiment_interrupted_and_keeps_whole_batches(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.db")
    common = {
        "name": "child",
        "spec_hash": "child-spec",
        "spec_text": "{}",
        "seed": SEED,
        "tasks": make_tasks(40),
    }
    with pytest.raises(KeyboardInterrupt):
        run_sweep(store, func=_KeyboardAt(22), batch_size=BATCH, **common)  # type: ignore[arg-type]
    exp = store.experiment("child")
    assert exp.status == "interrupted" and store.done_run_indices(exp) == set(range(20))
    assert run_sweep(store, func=draw, **common).experiment.status == "complete"  # type: ignore[arg-type]
    assert _rows(store) == _expected(40)


# -- in a subprocess: SIGKILL and SIGINT ---------------------------------------------------------


class Child:
    """A sweep in a subprocess (its own process group), with its progress lines read in a thread."""

    def __init__(self, target: str, backend: str = "serial", delay: float = 0.02) -> None:
        args = [target, str(N), backend, "2", str(BATCH), str(delay)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.experiments.sweep_child", *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put("EOF")

    def wait_for(self, done: int, timeout: float = 60) -> int:
        """Block until the child reports at least ``done`` stored runs; return what it reported."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line == "EOF":
                raise AssertionError(
                    f"the child ended early: {self.proc.stderr.read() if self.proc.stderr else ''}"
                )
            if line.startswith("progress") and int(line.split()[1]) >= done:
                return int(line.split()[1])

    def group_alive(self) -> bool:
        """Whether any process of the child's group (the sweep, its workers) is still running."""
        pgid = self.proc.pid
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
        return False


def _run_to_completion(target: str, backend: str = "serial") -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.experiments.sweep_child",
            target,
            str(N),
            backend,
            "2",
            str(BATCH),
            "0",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"finished complete {N}" in done.stdout


def _kill_and_resume(target: str, backend: str) -> None:
    child = Child(target, backend)
    child.wait_for(6 * BATCH)
    os.killpg(child.proc.pid, signal.SIGKILL)  # the sweep and its workers, as a crash or the OOM killer would
    assert child.proc.wait(timeout=30) == -signal.SIGKILL
    with open_store(target) as store:
        exp = store.experiment("child")
        stored = store.done_run_indices(exp)
        assert exp.status == "running"  # nobody had the chance to mark it
        assert 6 * BATCH <= len(stored) < N
        _assert_whole_batches(stored, N, BATCH)
        if backend == "serial":
            assert stored == set(range(len(stored)))
    _run_to_completion(target, backend)
    with open_store(target) as store:
        assert store.experiment("child").status == "complete"
        assert _rows(store) == _expected(N)  # each run index once, outputs as in a clean run


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_sigkill_then_rerun_on_sqlite_gives_the_clean_rows(tmp_path: Path, backend: str) -> None:
    _kill_and_resume(str(tmp_path / "r.db"), backend)


@pytest.mark.slow
def test_sigkill_then_rerun_on_postgres_gives_the_clean_rows(fresh_postgres: str) -> None:
    _kill_and_resume(fresh_postgres, "serial")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "whole_group"), [("serial", False), ("processes", False), ("processes", True), ("dask", True)]
)
def test_ctrl_c_stops_the_sweep_promptly_and_leaves_a_consistent_store(
    tmp_path: Path, backend: str, whole_group: bool
) -> None:
    target = str(tmp_path / "r.db")
    child = Child(target, backend)
    child.wait_for(6 * BATCH)
    if whole_group:  # Ctrl-C in a terminal: the sweep and its workers all get SIGINT
        os.killpg(child.proc.pid, signal.SIGINT)
    else:  # kill -INT of the sweep process only: it must stop its workers itself
        child.proc.send_signal(signal.SIGINT)
    start = time.monotonic()
    try:
        code = child.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(child.proc.pid, signal.SIGKILL)
        raise AssertionError("the sweep did not stop within 30 s of Ctrl-C") from None
    assert code == -signal.SIGINT
    assert child.proc.stderr is not None
    stderr = child.proc.stderr.read()
    assert stderr.count("Traceback") == 1 and stderr.rstrip().endswith(
        "KeyboardInterrupt"
    )  # workers are quiet
    assert time.monotonic() - start < 15
    deadline = time.monotonic() + 15
    while child.group_alive() and time.monotonic() < deadline:  # workers stopped too
        time.sleep(0.1)
    assert not child.group_alive()
    with open_store(target) as store:
        exp = store.experiment("child")
        stored = store.done_run_indices(exp)
        assert exp.status == "interrupted"
        assert 6 * BATCH <= len(stored) < N
        _assert_whole_batches(stored, N, BATCH)
    _run_to_completion(target, backend)
    with open_store(target) as store:
        assert _rows(store) == _expected(N)
