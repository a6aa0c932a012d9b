"""The sweep backends: identical outputs on every backend, batching, failures, unreachable schedulers."""

from __future__ import annotations

import re
import socket
import time

import numpy as np
import pytest

from detente.errors import ParameterError
from detente.experiments.backends import (
    MAX_BATCH,
    Backend,
    TaskFailedError,
    collect,
    default_batch_size,
    execute,
    plan_batches,
    task_seed,
)
from detente.experiments.types import Outputs, Task
from tests.experiments.sweep_tasks import DieAt, FailAt, comparable, draw, make_tasks


def _rows(outputs: list[Outputs]) -> list[dict[str, float | None]]:
    return [comparable(o) for o in outputs]


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_outputs_in_task_order() -> None:
    tasks = make_tasks(60)
    serial = collect(draw, tasks, seed=11)
    processes = collect(draw, tasks, seed=11, backend="processes", workers=2, batch_size=7)
    dask = collect(draw, tasks, seed=11, backend=Backend("dask", workers=2, batch_size=5))
    assert _rows(processes) == _rows(serial)
    assert _rows(dask) == _rows(serial)
    # the outputs really are random draws, different per run and per seed
    assert len({o["u"] for o in serial}) == len(tasks)
    assert _rows(collect(draw, tasks, seed=12)) != _rows(serial)


def test_a_runs_seed_depends_on_the_master_seed_and_run_index_only() -> None:
    tasks = make_tasks(30)
    full = collect(draw, tasks, seed=5, batch_size=4)
    some = [tasks[k] for k in (29, 3, 17, 8)]
    part = collect(draw, some, seed=5, batch_size=1)
    assert _rows(part) == _rows([full[29], full[3], full[17], full[8]])
    assert task_seed(5, 17).spawn_key == task_seed(5, 17).spawn_key
    assert (
        np.random.default_rng(task_seed(5, 17)).random() != np.random.default_rng(task_seed(5, 18)).random()
    )


def test_serial_batches_are_consecutive_slices_of_the_tasks() -> None:
    seen: list[list[int]] = []
    execute(
        draw,
        make_tasks(10),
        seed=1,
        batch_size=4,
        on_batch=lambda rows: seen.append([t.run_index for t, _ in rows]),
    )
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [[t.run_index for t in b] for b in plan_batches(make_tasks(5), 2)] == [[0, 1], [2, 3], [4]]


def test_default_batch_size_gives_several_batches_per_worker_and_is_capped() -> None:
    assert default_batch_size(100, 2) == 13  # ceil(100 / 8): four batches per worker
    assert default_batch_size(1_000_000, 2) == MAX_BATCH
    assert default_batch_size(3, 8) == 1


def test_processes_report_every_batch_once_with_a_bounded_number_in_flight() -> None:
    counts: dict[int, int] = {}
    batches: list[int] = []

    def keep(rows: list[tuple[Task, Outputs]]) -> None:
        batches.append(len(rows))
        for task, _ in rows:
            counts[task.run_index] = counts.get(task.run_index, 0) + 1

    execute(draw, make_tasks(50), seed=3, backend="processes", workers=2, batch_size=3, on_batch=keep)
    assert counts == dict.fromkeys(range(50), 1)
    assert sorted(batches) == sorted([3] * 16 + [2])


@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_a_failing_task_is_reported_with_its_run_index(backend: str) -> None:
    with pytest.raises(TaskFailedError) as info:
        collect(FailAt(13), make_tasks(40), seed=1, backend=backend, workers=2, batch_size=4)  # type: ignore[arg-type]
    assert info.value.run_index == 13
    assert "run 13" in str(info.value) and "ValueError: boom at 13" in str(info.value)
    assert "\n" not in str(info.value)
    assert "boom at 13" in info.value.details  # the worker's traceback is kept for debugging


def test_a_worker_process_that_dies_is_an_error_naming_its_batch_not_a_hang() -> None:
    start = time.monotonic()
    with pytest.raises(
        TaskFailedError, match=r"a worker process died while running one of runs \d+\.\.\d+"
    ) as info:
        collect(DieAt(9), make_tasks(40), seed=1, backend="processes", workers=2, batch_size=4)
    assert "\n" not in str(info.value) and time.monotonic() - start < 30
    first, last = map(int, re.search(r"runs (\d+)\.\.(\d+)", str(info.value)).groups())  # type: ignore[union-attr]
    assert first <= 9 <= last  # the runs in flight when the worker died include the culprit


def test_a_function_that_cannot_be_pickled_is_an_error_naming_runs() -> None:
    pattern = r"could not run .*runs [04]\.\.[37] in a worker process: .*pickle"
    with pytest.raises(TaskFailedError, match=pattern):
        collect(
            lambda task, seed: {"x": 1.0}, make_tasks(8), seed=1, backend="processes", workers=2, batch_size=4
        )


@pytest.mark.slow
def test_a_failing_task_on_dask_is_reported_with_its_run_index() -> None:
    with pytest.raises(TaskFailedError, match=r"run 21: the task function failed: ValueError: boom at 21"):
        collect(FailAt(21), make_tasks(40), seed=1, backend="dask", workers=2, batch_size=4)


def test_an_unreachable_dask_scheduler_is_a_quick_one_line_parameter_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    start = time.monotonic()
    with pytest.raises(ParameterError) as info:
        collect(draw, make_tasks(4), seed=1, backend="dask", scheduler=address)
    assert time.monotonic() - start < 10
    message = str(info.value)
    assert address in message and "Fix:" in message and "\n" not in message


def test_a_port_that_accepts_but_never_answers_is_not_taken_for_a_scheduler() -> None:
    with socket.socket() as silent:  # listens (the kernel completes connections) but never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(ParameterError, match="cannot reach a Dask scheduler"):
            collect(
                draw, make_tasks(4), seed=1, backend=Backend("dask", scheduler=address, connect_timeout=2)
            )
        assert time.monotonic() - start < 8


@pytest.mark.slow
def test_a_running_scheduler_is_used_by_its_address() -> None:
    import logging

    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not port 8787, which may be taken
        silence_logs=logging.CRITICAL,
    ) as cluster:
        outputs = collect(draw, make_tasks(12), seed=4, backend="dask", scheduler=cluster.scheduler_address)
        assert len(cluster.scheduler.workers) == 1  # the cluster outlives the sweep: not ours to close
    assert _rows(outputs) == _rows(collect(draw, make_tasks(12), seed=4))


def test_invalid_backend_settings_are_parameter_errors() -> None:
    with pytest.raises(ParameterError, match="unknown backend 'gpu'"):
        Backend("gpu")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="workers must be at least 1"):
        Backend("processes", workers=0)
    with pytest.raises(ParameterError, match="only used by the dask backend"):
        Backend("processes", scheduler="tcp://x:1")
    with pytest.raises(ParameterError, match="share a run index"):
        collect(draw, [make_tasks(1)[0], make_tasks(1)[0]], seed=1)
    seen: list[int] = []
    execute(
        draw,
        make_tasks(5),
        seed=1,
        backend=Backend("serial", batch_size=4),
        batch_size=2,
        on_batch=lambda r: seen.append(len(r)),
    )
    assert seen == [2, 2, 1]  # a keyword overrides the Backend's field
