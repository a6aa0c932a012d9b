"""A small queue for the workbench's slow runs: one worker thread, job ids, progress, results in the store.

The fast models re-run on every edit inside the request; what takes seconds (the road map's Monte
Carlo, the deals and coalitions analysis, the Monte Carlo expected-utility model, the full report) is
submitted here. Each job is a function ``work(progress)`` that calls ``progress(fraction, message)``
now and then and returns a :class:`JobResult`. The page polls the job's status until it is done.

The queue holds at most :data:`MAX_QUEUED` waiting jobs (more are refused with a one-line error), and
closing it cancels the waiting jobs and asks the running one to stop at its next progress call.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from detente.errors import DetenteError, InputError
from detente.web.store import WorkbenchStore, now

__all__ = ["MAX_QUEUED", "JobCancelledError", "JobQueue", "JobResult", "Progress", "QueueFullError"]

MAX_QUEUED = 8
"""Most jobs waiting to run; a request for more is refused (a guard against runaway clients)."""

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class JobResult:
    """What a finished job leaves: an HTML fragment for its view, and optionally a workspace file.

    Attributes
    ----------
    html : str
        Trusted HTML (every name already escaped) shown in the job's view.
    file : str
        Path of a file the job wrote, relative to the workspace ('' if none).
    """

    html: str = ""
    file: str = ""


class QueueFullError(InputError):
    """Too many runs are waiting (HTTP 429)."""


class JobCancelledError(Exception):
    """Raised inside a job by its progress callback when the queue is closing."""


class JobQueue:
    """Run slow jobs one at a time in a background thread, recording their progress in the store.

    Parameters
    ----------
    store : WorkbenchStore
        Where the runs, their progress and their results are kept.
    workers : int
        Threads running jobs (1: jobs run in the order submitted).
    max_queued : int
        Most jobs submitted and not finished; more are refused.
    """

    def __init__(self, store: WorkbenchStore, workers: int = 1, max_queued: int = MAX_QUEUED) -> None:
        self.store = store
        self.max_queued = max_queued
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="detente-job")
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()

    def pending(self) -> int:
        """Jobs submitted and not yet finished."""
        with self._lock:
            return sum(1 for f in self._futures.values() if not f.done())

    def submit(
        self,
        scenario_id: int,
        state: str,
        kind: str,
        work: Callable[[Progress], JobResult],
        *,
        before_start: Callable[[str], None] | None = None,
    ) -> str:
        """Queue ``work`` as a run of ``kind``; return its id at once (``before_start(id)`` is told it first).

        Raises
        ------
        InputError
            The queue is full or closing.
        """
        if self._closing.is_set():
            raise InputError("the server is stopping", fix="start the workbench again")
        if self.pending() >= self.max_queued:
            raise QueueFullError(
                f"{self.pending()} runs are already waiting or running",
                fix="wait until some have finished, then try again",
            )
        run_id = uuid.uuid4().hex
        if before_start is not None:
            before_start(run_id)
        self.store.add_run(run_id, scenario_id, state, kind)
        future = self._pool.submit(self._run, run_id, work)
        with self._lock:
            self._futures[run_id] = future
        return run_id

    def _run(self, run_id: str, work: Callable[[Progress], JobResult]) -> None:
        if self._closing.is_set():
            self.store.update_run(run_id, status="interrupted", finished=now(), error="the server stopped")
            return
        self.store.update_run(run_id, status="running", message="started")
        last = [0.0]

        def progress(fraction: float, message: str) -> None:
            if self._closing.is_set():
                raise JobCancelledError
            stamp = time.monotonic()
            if stamp - last[0] >= 0.2 or fraction >= 1.0:  # at most five writes a second
                last[0] = stamp
                self.store.update_run(run_id, progress=max(0.0, min(1.0, fraction)), message=message[:300])

        try:
            result = work(progress)
        except JobCancelledError:
            self.store.update_run(run_id, status="interrupted", finished=now(), error="the server stopped")
        except DetenteError as exc:
            self.store.update_run(run_id, status="failed", finished=now(), error=exc.message)
        except Exception as exc:  # a bug: say so in one line rather than leave the run "running"
            self.store.update_run(
                run_id,
                status="failed",
                finished=now(),
                error=f"internal error: {type(exc).__name__}: {exc}"[:500],
            )
        else:
            self.store.update_run(
                run_id,
                status="done",
                progress=1.0,
                message="done",
                finished=now(),
                html=result.html,
                file=result.file,
            )
        finally:
            with self._lock:
                self._futures.pop(run_id, None)

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        """Block until the run has finished (for tests and scripts)."""
        with self._lock:
            future = self._futures.get(run_id)
        if future is not None:
            future.result(timeout=timeout)

    def close(self) -> None:
        """Cancel waiting jobs, ask the running one to stop, and let the threads end."""
        self._closing.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            cancelled = [run_id for run_id, f in self._futures.items() if f.cancelled()]
        for run_id in cancelled:
            self.store.update_run(run_id, status="interrupted", finished=now(), error="the server stopped")
