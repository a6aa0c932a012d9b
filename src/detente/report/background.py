"""Run one report computation in a second process while the main one does other work.

``detente run`` computes the road map, deals and track-record sections (seeded, pure functions of the
scenario and the seed) while the models forecast. The result is the same as computing it in-process;
when a second process cannot be used (one CPU, no ``fork``, a worker that dies), the computation runs
in this process when its result is asked for.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Generic, TypeVar

__all__ = ["Background"]

T = TypeVar("T")


def _exit_with_parent(parent: int) -> None:
    """In the worker: end as soon as the parent process is gone (killed, even with SIGKILL).

    A forked worker holds its own copy of the pipe it reads work from, so it would otherwise wait for
    work forever after its parent died.
    """
    import threading
    import time

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="detente-parent-watch", daemon=True).start()


class Background(Generic[T]):
    """``func(*args, **kwargs)`` started in a forked worker process; :meth:`result` waits for it.

    Parameters
    ----------
    func:
        A picklable function whose result is picklable.
    args, kwargs:
        Its arguments.
    """

    def __init__(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> None:
        self._call = (func, args, kwargs)
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future[T] | None = None
        if (os.cpu_count() or 1) < 2 or "fork" not in mp.get_all_start_methods():
            return
        try:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=mp.get_context("fork"),
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            )
            self._future = self._pool.submit(func, *args, **kwargs)
        except (OSError, RuntimeError):
            self._pool, self._future = None, None

    def result(self) -> T:
        """The function's result: from the worker, or computed here if the worker could not run it."""
        func, args, kwargs = self._call
        try:
            if self._future is not None:
                try:
                    return self._future.result()
                except (OSError, RuntimeError, EOFError):  # the worker died: compute here instead
                    pass
            return func(*args, **kwargs)
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop the worker (its result is not needed)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
