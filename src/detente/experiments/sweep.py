"""Run a sweep into a results store, resuming where a previous attempt stopped.

:func:`run_sweep` ties the parts together: it finds or creates the experiment in the store (by spec
hash and seed), skips the runs already stored, runs the rest on a backend
(:func:`detente.experiments.backends.execute`) and writes every finished batch in one transaction.
Because run ``k``'s seed depends only on the master seed and ``k``, a sweep stopped at any point
(Ctrl-C, a crash, SIGKILL) and started again ends with exactly the rows of an uninterrupted one.

>>> from detente.experiments.store import open_store
>>> from detente.experiments.types import Task
>>> def draw(task, seed_seq):
...     import numpy as np
...     return {"x": float(np.random.default_rng(seed_seq).random())}
>>> store = open_store("sqlite://")
>>> tasks = [Task(k, "", k, {}) for k in range(10)]
>>> result = run_sweep(store, name="demo", spec_hash="h", spec_text="", seed=1, tasks=tasks, func=draw)
>>> result.experiment.status, result.experiment.done, result.ran
('complete', 10, 10)
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from detente.errors import ParameterError
from detente.experiments.backends import Backend, BackendKind, execute
from detente.experiments.store import Experiment, Store
from detente.experiments.types import Outputs, Task, TaskFunction

__all__ = ["SweepResult", "run_sweep"]


@dataclass(frozen=True)
class SweepResult:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    experiment : Experiment
        The experiment's record after the sweep (status ``complete``; ``done`` runs stored).
    resumed : bool
        True when the experiment existed (same spec hash and seed) and was continued.
    skipped : int
        Runs found already stored and not run again.
    ran : int
        Runs done by this call.
    same_name : tuple of int
        Ids of other experiments with the same name but another spec or seed (kept as they were).
    """

    experiment: Experiment
    resumed: bool
    skipped: int
    ran: int
    same_name: tuple[int, ...] = ()


@contextlib.contextmanager
def _uninterruptible() -> Iterator[None]:
    """Hold Ctrl-C back while a batch is written; raise it right after the write (main thread only).

    The database transaction is atomic anyway; this also keeps the bookkeeping around it (status
    updates, progress) from being cut in the middle.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:
        yield  # someone else handles SIGINT: leave it to them
        return
    caught: list[Any] = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def run_sweep(
    store: Store,
    *,
    name: str,
    spec_hash: str,
    spec_text: str,
    seed: int,
    tasks: Sequence[Task],
    func: TaskFunction,
    backend: Backend | BackendKind = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    batch_size: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run (or resume) a sweep and store every run.

    Parameters
    ----------
    store : Store
        Where the runs go (:func:`detente.experiments.store.open_store`).
    name : str
        Label of the experiment.
    spec_hash, spec_text : str
        Identity and text of the experiment's spec; with ``seed`` they find an earlier attempt.
    seed : int
        Master seed; run ``k`` uses ``child_sequence(seed, "sweep", k)``.
    tasks : sequence of Task
        The whole design; its run indices must be 0 .. len(tasks)-1.
    func : TaskFunction
        ``func(task, seed_sequence) -> outputs``, picklable for the parallel backends.
    backend, workers, scheduler, batch_size :
        Where and how to run (:func:`detente.experiments.backends.execute`).
    on_progress : callable, optional
        Called with (runs stored, runs in the design) once at the start and after every batch.

    Returns
    -------
    SweepResult
        The experiment record (status ``complete``) and what this call ran and skipped.

    Raises
    ------
    KeyboardInterrupt
        After marking the experiment ``interrupted``; every stored batch is whole.
    Exception
        Any other error (e.g. :class:`~detente.experiments.backends.TaskFailedError`) after marking
        the experiment ``failed``. Rows already stored stay; a rerun continues from them.
    """
    indices = sorted(t.run_index for t in tasks)
    if indices != list(range(len(tasks))):
        raise ParameterError(
            "the tasks' run indices must be 0..n-1, each once",
            where="tasks",
            fix="number the design's runs consecutively from 0",
        )
    started = store.begin(name, spec_hash=spec_hash, spec_text=spec_text, seed=seed, n_runs=len(tasks))
    experiment = started.experiment
    done_before = store.done_run_indices(experiment)
    remaining = [t for t in tasks if t.run_index not in done_before]
    total = len(tasks)
    done = len(done_before)
    if on_progress is not None:
        on_progress(done, total)

    def write(rows: list[tuple[Task, Outputs]]) -> None:
        nonlocal done
        with _uninterruptible():
            store.add_batch(experiment, rows)
        done += len(rows)
        if on_progress is not None:
            on_progress(done, total)

    try:
        if remaining:
            execute(
                func,
                remaining,
                seed=seed,
                backend=backend,
                on_batch=write,
                workers=workers,
                scheduler=scheduler,
                batch_size=batch_size,
            )
    except KeyboardInterrupt:
        with _uninterruptible():
            store.mark(experiment, "interrupted")
        raise
    except BaseException:
        with contextlib.suppress(Exception), _uninterruptible():
            store.mark(experiment, "failed")
        raise
    with _uninterruptible():
        store.mark(experiment, "complete")
    return SweepResult(
        experiment=store.experiment(experiment),
        resumed=started.resumed,
        skipped=len(done_before),
        ran=len(remaining),
        same_name=started.same_name,
    )
