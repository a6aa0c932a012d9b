"""The ``detente`` console script and ``python -m detente``: process settings, then the command line.

This module imports nothing but ``gc``, ``os`` and ``sys`` (and detente's version string) before it
hands over to :mod:`detente.cli`, so what it sets holds while typer, rich, pydantic and numpy load:

* one BLAS thread (:data:`BLAS_THREADS`), unless the environment says otherwise;
* a start-up allowance for the cyclic garbage collector (:data:`STARTUP_GC_THRESHOLD`);
* ``detente --version`` answers here, before any of those libraries is imported.
"""

from __future__ import annotations

import gc
import os
import sys

from detente import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs --version about 0.01 s
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["BLAS_THREADS", "STARTUP_GC_THRESHOLD", "main"]

BLAS_THREADS = {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""Environment the command line sets, unless the user set it, before numpy is imported: one BLAS thread.

detente's commands multiply no large matrices (their arrays go through element-wise ufuncs, and the
few products are vectors or tiny matrices), while OpenBLAS's thread pool spins its threads at
import: about 0.06 s of CPU per command on 2 cores, and multithreaded BLAS makes small solver
iterations many times slower (see ``detente.deals.bargain``). Set the variables to use more threads.
"""

STARTUP_GC_THRESHOLD = 100_000
"""Allocations the collector lets pass before its first collection (Python's default is 700).

Start-up (importing typer, rich, pydantic, numpy and detente, and building the pydantic models)
allocates about 75,000 container objects that live until the process ends, and next to no garbage
with cycles. At the default threshold Python runs about a hundred collections over them while they
accumulate: about 0.01 s of CPU, 4-5% of a small ``detente forecast``. After the first collection
(a command that runs long enough to allocate this many objects) Python's own thresholds apply again.
"""


def _restore_thresholds(default: tuple[int, ...]) -> Callable[[str, dict[str, int]], None]:
    """A ``gc.callbacks`` hook that puts ``default`` back once the first collection has run."""

    def hook(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and gc.get_threshold()[0] == STARTUP_GC_THRESHOLD:  # not if someone reset it
            gc.set_threshold(*default)

    return hook


def relax_collector_for_startup() -> None:
    """Hold the collector's first collection back to :data:`STARTUP_GC_THRESHOLD` allocations.

    The first collection (automatic or ``gc.collect()``) brings back the thresholds in force before
    this call, so a long-running command (``serve``, ``sweep``) collects as usual after start-up.
    """
    default = gc.get_threshold()
    gc.callbacks.append(_restore_thresholds(default))
    gc.set_threshold(STARTUP_GC_THRESHOLD, *default[1:])


def main() -> None:
    """Entry point of the ``detente`` console script and of ``python -m detente``.

    Sets :data:`BLAS_THREADS` (where the environment does not) before anything imports numpy, and
    the collector's start-up allowance; ``detente --version`` answers before the command line is
    imported. Everything else runs :func:`detente.cli.dispatch`.
    """
    for name, value in BLAS_THREADS.items():
        os.environ.setdefault(name, value)
    if sys.argv[1:] == ["--version"]:
        print(f"detente {__version__}")
        return
    relax_collector_for_startup()
    from detente.cli import dispatch

    dispatch(sys.argv[1:])


if __name__ == "__main__":
    main()
