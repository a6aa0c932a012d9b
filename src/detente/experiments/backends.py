"""Run a sweep's tasks serially, in local worker processes or on a Dask cluster, in batches.

A sweep is a list of :class:`~detente.experiments.types.Task` and a
:data:`~detente.experiments.types.TaskFunction`. :func:`execute` applies the function to every task
and hands each finished *batch* of results to a callback in the calling process (the results store
writes one batch per transaction). Run ``k`` always gets the random stream
``child_sequence(seed, "sweep", k)`` (:func:`task_seed`): it depends on the master seed and the run
index only, so the outputs are the same whichever backend runs the task, with however many workers,
in whatever order, and after any number of resumptions.

Cheap runs are grouped into batches (:func:`plan_batches`); a batch is one unit of work for a
worker. Parallel backends keep only a bounded number of batches in flight and report batches as they
complete, so the callback may see them out of order; :func:`collect` puts the outputs back in task
order.

>>> from detente.experiments.types import Task
>>> def draw(task, seed_seq):
...     import numpy as np
...     return {"x": float(np.random.default_rng(seed_seq).random())}
>>> tasks = [Task(k, "", k, {}) for k in range(5)]
>>> collect(draw, tasks, seed=3) == collect(draw, tasks[::-1], seed=3)[::-1]
True
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import multiprocessing as mp
import os
import signal
import socket
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from detente._random import child_sequence
from detente._types import SeedLike
from detente.errors import DetenteError, ParameterError
from detente.experiments.types import Outputs, Task, TaskFunction

__all__ = [
    "BACKENDS",
    "Backend",
    "BatchCallback",
    "TaskFailedError",
    "collect",
    "default_batch_size",
    "execute",
    "plan_batches",
    "task_seed",
]

BackendKind = Literal["serial", "processes", "dask"]
BACKENDS: tuple[str, ...] = ("serial", "processes", "dask")
"""The backend kinds :func:`execute` accepts."""

MAX_BATCH = 64
"""Largest default batch: enough to amortise the cost of shipping a batch, small enough to interrupt."""

BatchCallback = Callable[[list[tuple[Task, Outputs]]], None]
"""``on_batch(rows)``: receives one finished batch as (task, outputs) pairs, in the calling process."""


@dataclass(frozen=True)
class Backend:
    """Where and how a sweep's tasks run.

    Attributes
    ----------
    kind : {"serial", "processes", "dask"}
        ``serial`` runs in the calling process; ``processes`` in a local pool of worker processes;
        ``dask`` on a Dask cluster (a local one started for the sweep, or ``scheduler``).
    workers : int or None
        Worker processes for ``processes`` and for a local Dask cluster; ``None`` means one per CPU.
        Ignored by ``serial`` and when a scheduler address is given.
    scheduler : str or None
        Address of a running Dask scheduler (e.g. ``tcp://10.0.0.5:8786``); only for ``dask``.
    batch_size : int or None
        Tasks per batch; ``None`` picks several batches per worker, at most :data:`MAX_BATCH` tasks.
    connect_timeout : float
        Seconds to wait for a Dask scheduler before giving up with a :class:`ParameterError`.
    """

    kind: BackendKind = "serial"
    workers: int | None = None
    scheduler: str | None = None
    batch_size: int | None = None
    connect_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.kind not in BACKENDS:
            raise ParameterError(
                f"unknown backend {self.kind!r}",
                where="backend",
                fix=f"use one of {', '.join(BACKENDS)}",
            )
        if self.workers is not None and self.workers < 1:
            raise ParameterError(
                f"workers must be at least 1, got {self.workers}", where="workers", fix="pass 1 or more"
            )
        if self.batch_size is not None and self.batch_size < 1:
            raise ParameterError(
                f"batch size must be at least 1, got {self.batch_size}",
                where="batch_size",
                fix="pass 1 or more, or leave it unset",
            )
        if self.scheduler is not None and self.kind != "dask":
            raise ParameterError(
                f"a scheduler address is only used by the dask backend, not {self.kind!r}",
                where="scheduler",
                fix="choose the dask backend or drop the scheduler address",
            )
        if self.connect_timeout <= 0:
            raise ParameterError(
                "the connect timeout must be positive", where="connect_timeout", fix="pass seconds > 0"
            )

    def worker_count(self) -> int:
        """Number of workers the backend uses locally (1 for serial; the CPUs when unset)."""
        if self.kind == "serial":
            return 1
        return self.workers or max(1, os.cpu_count() or 1)


class TaskFailedError(DetenteError):
    """A task function raised (or returned something that is not outputs) for one run.

    Attributes
    ----------
    run_index : int or None
        The failing run (``None`` when a whole batch was lost, e.g. a worker died).
    details : str
        The worker's traceback, for debugging; the message itself stays on one line.
    """

    def __init__(
        self, problem: str, *, run_index: int | None = None, details: str = "", fix: str | None = None
    ) -> None:
        super().__init__(problem, where=None if run_index is None else f"run {run_index}", fix=fix)
        self.run_index = run_index
        self.details = details

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes
        return (_rebuild_task_failed, (self.problem, self.run_index, self.details, self.fix))


def _rebuild_task_failed(
    problem: str, run_index: int | None, details: str, fix: str | None
) -> TaskFailedError:
    return TaskFailedError(problem, run_index=run_index, details=details, fix=fix)


def task_seed(seed: SeedLike, run_index: int) -> np.random.SeedSequence:
    """The seed sequence of run ``run_index`` of a sweep with master ``seed``.

    It depends on nothing else (not on the backend, the workers or which runs remain).
    """
    return child_sequence(seed, "sweep", int(run_index))


def default_batch_size(n_tasks: int, workers: int) -> int:
    """Tasks per batch: about four batches per worker, at least 1 and at most :data:`MAX_BATCH`."""
    if n_tasks <= 0:
        return 1
    return max(1, min(MAX_BATCH, math.ceil(n_tasks / (4 * max(1, workers)))))


def plan_batches(tasks: Sequence[Task], batch_size: int) -> list[list[Task]]:
    """Split ``tasks`` (in their order) into consecutive batches of ``batch_size`` tasks."""
    if batch_size < 1:
        raise ParameterError(f"batch size must be at least 1, got {batch_size}", where="batch_size")
    return [list(tasks[i : i + batch_size]) for i in range(0, len(tasks), batch_size)]


def _run_batch(
    func: TaskFunction, batch: list[tuple[Task, np.random.SeedSequence]]
) -> list[tuple[Task, Outputs]]:
    """Run one batch on a worker; a failing task raises :class:`TaskFailedError` naming its run."""
    rows: list[tuple[Task, Outputs]] = []
    for task, seq in batch:
        try:
            raw = func(task, seq)
            outputs = {str(name): float(value) for name, value in dict(raw).items()}
        except Exception as exc:
            message = f"the task function failed: {type(exc).__name__}: {exc}"
            raise TaskFailedError(message, run_index=task.run_index, details=traceback.format_exc()) from None
        rows.append((task, outputs))
    return rows


def _ignore_sigint() -> None:
    """Worker initialiser: Ctrl-C is the caller's to handle (it stops the workers itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def execute(
    func: TaskFunction,
    tasks: Sequence[Task],
    *,
    seed: SeedLike,
    backend: Backend | BackendKind = "serial",
    on_batch: BatchCallback,
    workers: int | None = None,
    scheduler: str | None = None,
    batch_size: int | None = None,
) -> None:
    """Run ``func`` on every task and pass each finished batch to ``on_batch``.

    Parameters
    ----------
    func : TaskFunction
        ``func(task, seed_sequence) -> outputs``; picklable (top level) for the parallel backends.
    tasks : sequence of Task
        The runs to do; their ``run_index`` values must be distinct.
    seed : int or SeedSequence
        Master seed of the sweep; run ``k`` gets :func:`task_seed` ``(seed, k)``.
    backend : Backend or {"serial", "processes", "dask"}
        Where to run. A string is combined with ``workers``, ``scheduler`` and ``batch_size``; a
        :class:`Backend` already carries them (keyword arguments that are given override its fields).
    on_batch : callable
        Called in this process with each finished batch as a list of (task, outputs), in task order
        within the batch. Parallel backends may finish batches out of order.
    workers, scheduler, batch_size :
        See :class:`Backend`.

    Raises
    ------
    TaskFailedError
        A task function raised; the message names the run index and the original error.
    ParameterError
        An invalid backend setting, or a Dask scheduler that cannot be reached.
    KeyboardInterrupt
        Re-raised after pending work is cancelled and the workers are shut down.
    """
    config = _backend(backend, workers=workers, scheduler=scheduler, batch_size=batch_size)
    items = list(tasks)
    if len({t.run_index for t in items}) != len(items):
        raise ParameterError(
            "two tasks share a run index", where="tasks", fix="give every task its own index"
        )
    if not items:
        return
    size = config.batch_size or default_batch_size(len(items), config.worker_count())
    batches = [[(t, task_seed(seed, t.run_index)) for t in b] for b in plan_batches(items, size)]
    if config.kind == "serial":
        for batch in batches:
            on_batch(_run_batch(func, batch))
    elif config.kind == "processes":
        _execute_processes(func, batches, config, on_batch)
    else:
        _execute_dask(func, batches, config, on_batch)


def collect(
    func: TaskFunction,
    tasks: Sequence[Task],
    *,
    seed: SeedLike,
    backend: Backend | BackendKind = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    batch_size: int | None = None,
) -> list[Outputs]:
    """Run ``func`` on every task (like :func:`execute`) and return the outputs in task order.

    The result is identical for every backend and worker count.
    """
    by_index: dict[int, Outputs] = {}

    def keep(rows: list[tuple[Task, Outputs]]) -> None:
        for task, outputs in rows:
            by_index[task.run_index] = outputs

    execute(
        func,
        tasks,
        seed=seed,
        backend=backend,
        on_batch=keep,
        workers=workers,
        scheduler=scheduler,
        batch_size=batch_size,
    )
    return [by_index[t.run_index] for t in tasks]


def _backend(
    backend: Backend | str, *, workers: int | None, scheduler: str | None, batch_size: int | None
) -> Backend:
    if isinstance(backend, Backend):
        given = {"workers": workers, "scheduler": scheduler, "batch_size": batch_size}
        changes = {k: v for k, v in given.items() if v is not None}
        return dataclasses.replace(backend, **changes) if changes else backend
    return Backend(kind=backend, workers=workers, scheduler=scheduler, batch_size=batch_size)  # type: ignore[arg-type]


def _max_in_flight(workers: int) -> int:
    return 2 * workers


def _execute_processes(
    func: TaskFunction,
    batches: list[list[tuple[Task, np.random.SeedSequence]]],
    config: Backend,
    on_batch: BatchCallback,
) -> None:
    jobs = min(config.worker_count(), len(batches))
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=mp.get_context(method), initializer=_ignore_sigint
    )
    spans: dict[Future[list[tuple[Task, Outputs]]], tuple[int, int]] = {}
    pending: set[Future[list[tuple[Task, Outputs]]]] = set()
    queue = iter(batches)
    clean = False

    def submit(batch: list[tuple[Task, np.random.SeedSequence]]) -> None:
        fut = pool.submit(_run_batch, func, batch)
        spans[fut] = (batch[0][0].run_index, batch[-1][0].run_index)
        pending.add(fut)

    try:
        for batch in _take(queue, _max_in_flight(jobs)):
            submit(batch)
        while pending:
            finished, still = wait(pending, return_when=FIRST_COMPLETED)
            pending.intersection_update(still)
            for fut in finished:
                rows = _batch_result(fut, spans)
                spans.pop(fut)
                for batch in _take(queue, 1):
                    submit(batch)
                on_batch(rows)
        clean = True
    except BrokenProcessPool as exc:  # a worker died (killed, out of memory, os._exit) or could not start
        raise TaskFailedError(
            f"a worker process died while running {_span(spans.values())}: {exc}",
            fix="check that the task function is a picklable top-level function and does not exhaust "
            "memory; run the sweep with the serial backend to see the failing run",
        ) from exc
    finally:
        if clean:
            pool.shutdown(wait=True)
        else:
            for fut in pending:
                fut.cancel()
            _terminate_pool(pool)


def _batch_result(
    fut: Future[list[tuple[Task, Outputs]]], spans: dict[Any, tuple[int, int]]
) -> list[tuple[Task, Outputs]]:
    try:
        return fut.result()
    except (TaskFailedError, BrokenProcessPool):  # a task's own error; a dead worker (handled above)
        raise
    except Exception as exc:  # e.g. the function or a task could not be pickled
        raise TaskFailedError(
            f"could not run {_span([spans[fut]])} in a worker process: {type(exc).__name__}: {exc}",
            fix="the task function and tasks must be picklable (a top-level function or class instance)",
        ) from exc


def _span(spans: Iterable[tuple[int, int]]) -> str:
    """The run indices of the batches in flight, for messages: ``runs 8..15`` or ``run 8``."""
    pairs = list(spans)
    if not pairs:
        return "a batch"
    first, last = min(a for a, _ in pairs), max(b for _, b in pairs)
    return f"run {first}" if first == last else f"one of runs {first}..{last}"


def _terminate_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel queued work and kill the workers instead of waiting for them."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if callable(terminate):
        with contextlib.suppress(Exception):
            terminate()
        return
    processes = dict(getattr(pool, "_processes", None) or {})
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes.values():
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes.values():
        with contextlib.suppress(Exception):
            proc.join(timeout=5)


def _take(it: Iterator[Any], n: int) -> list[Any]:
    out = []
    for _ in range(n):
        try:
            out.append(next(it))
        except StopIteration:
            break
    return out


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Keep Dask's own log lines (worker start/stop, closing messages) off the user's stderr."""
    names = ["distributed", "distributed.scheduler", "distributed.worker", "distributed.nanny"]
    names += ["distributed.core", "distributed.comm", "distributed.batched", "distributed.client"]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _connect_dask(config: Backend, stack: contextlib.ExitStack) -> Any:
    from distributed import Client, LocalCluster

    if config.scheduler is None:
        cluster = LocalCluster(
            n_workers=config.worker_count(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # the scheduler's HTTP server (metrics) would take port 8787 or warn: any free local port
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.CRITICAL,
        )
        stack.callback(_close_quietly, cluster)
        client = Client(cluster)
        stack.callback(_close_quietly, client)
        # Ctrl-C in a terminal reaches the workers too: they would print tracebacks; this process
        # stops them instead.
        with contextlib.suppress(Exception):
            client.run(_ignore_sigint)
        return client
    deadline = time.monotonic() + config.connect_timeout
    _probe_scheduler(config.scheduler, config.connect_timeout)
    try:  # the whole connection, probe included, stays within the timeout
        client = Client(config.scheduler, timeout=max(1.0, deadline - time.monotonic()))
    except Exception as exc:  # refused, timed out, or something else answering on that port
        raise _unreachable(config.scheduler, config.connect_timeout, exc) from None
    stack.callback(_close_quietly, client)
    return client


def _unreachable(address: str, timeout: float, exc: BaseException) -> ParameterError:
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return ParameterError(
        f"cannot reach a Dask scheduler at {address} within {timeout:g} s ({reason[:120]})",
        where="scheduler",
        fix="start one with 'dask scheduler' and check the address and port, "
        "or leave the address out to use a local cluster",
    )


def _probe_scheduler(address: str, timeout: float) -> None:
    """Fail fast (instead of Dask's retries until the timeout) when nothing listens at a TCP address."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme not in ("tcp", "tls"):
        return  # other transports (inproc, ucx, ws) are left to Dask
    host, _, port_text = rest.rstrip("/").rpartition(":")
    if not host:
        host, port_text = rest.rstrip("/"), "8786"
    try:
        port = int(port_text)
    except ValueError:
        raise ParameterError(
            f"not a Dask scheduler address: {address}", where="scheduler", fix="write it as tcp://HOST:PORT"
        ) from None
    try:
        with socket.create_connection((host.strip("[]"), port), timeout=timeout) as sock:
            # A Dask scheduler greets a new connection at once; something that accepts and then
            # stays silent would make Dask's client wait forever.
            if scheme == "tcp" and not sock.recv(1):
                raise ConnectionResetError("the connection was closed without a greeting")
    except TimeoutError:
        raise _unreachable(address, timeout, TimeoutError("no answer")) from None
    except OSError as exc:
        raise _unreachable(address, timeout, exc) from None


def _close_quietly(thing: Any) -> None:
    with contextlib.suppress(Exception):
        thing.close()


def _execute_dask(
    func: TaskFunction,
    batches: list[list[tuple[Task, np.random.SeedSequence]]],
    config: Backend,
    on_batch: BatchCallback,
) -> None:
    from distributed import as_completed

    with _quiet_dask(), contextlib.ExitStack() as stack:
        client = _connect_dask(config, stack)
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or config.worker_count())
        queue = iter(batches)
        spans: dict[str, tuple[int, int]] = {}
        in_flight: set[Any] = set()

        def submit(batch: list[tuple[Task, np.random.SeedSequence]]) -> Any:
            fut = client.submit(_run_batch, func, batch, pure=False)
            spans[fut.key] = (batch[0][0].run_index, batch[-1][0].run_index)
            in_flight.add(fut)
            return fut

        done = as_completed([submit(b) for b in _take(queue, _max_in_flight(n_workers))])
        try:
            for fut in done:
                in_flight.discard(fut)
                rows = _dask_result(fut, _span([spans.pop(fut.key)]))
                for batch in _take(queue, 1):
                    done.add(submit(batch))
                fut.release()
                on_batch(rows)
        except BaseException:
            _cancel_all(client, list(in_flight))
            raise


def _dask_result(fut: Any, span: str) -> list[tuple[Task, Outputs]]:
    try:
        return fut.result()
    except TaskFailedError:
        raise
    except Exception as exc:
        raise TaskFailedError(
            f"a Dask worker failed while running {span}: {type(exc).__name__}: {exc}",
            fix="check that the workers can import detente and the task function's module",
        ) from exc


def _cancel_all(client: Any, futures: list[Any]) -> None:
    with contextlib.suppress(Exception):
        if futures:
            client.cancel(futures, force=True)
