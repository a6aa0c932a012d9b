"""Run many seeded replicates, serially or in worker processes, with identical results.

Every task gets its own random stream derived from the master seed and the task's index
(:func:`detente._random.spawn_seeds`), so results depend only on (seed, task), never on the number
of workers or on scheduling. Tasks are sent to workers in chunks (cheap runs must be batched) and
results come back in task order.

>>> from detente.experiments.run import run_replicates
>>> def draw(task, seed_seq):
...     import numpy as np
...     return float(np.random.default_rng(seed_seq).random()) + task
>>> serial = run_replicates(draw, range(4), seed=1, n_jobs=1)
>>> serial == run_replicates(draw, range(4), seed=1, n_jobs=1)
True
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

import numpy as np

from detente._random import spawn_seeds
from detente._types import SeedLike

__all__ = ["ReplicateFunction", "resolve_jobs", "run_replicates"]

T = TypeVar("T")
R = TypeVar("R")

ReplicateFunction = Callable[[Any, np.random.SeedSequence], Any]
"""``f(task, seed_sequence) -> result``: a picklable, top-level function for one replicate."""


def resolve_jobs(n_jobs: int | None) -> int:
    """Number of worker processes: ``None`` or ``1`` means serial, ``-1`` means one per CPU."""
    if n_jobs is None or n_jobs == 0:
        return 1
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return n_jobs


def _run_chunk(
    func: Callable[[T, np.random.SeedSequence], R], chunk: list[tuple[T, np.random.SeedSequence]]
) -> list[R]:
    return [func(task, seq) for task, seq in chunk]


def run_replicates(
    func: Callable[[T, np.random.SeedSequence], R],
    tasks: Iterable[T],
    *,
    seed: SeedLike,
    n_jobs: int | None = 1,
    chunk_size: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """Apply ``func(task, seed_sequence)`` to every task and return the results in task order.

    Parameters
    ----------
    func:
        A top-level (picklable) function of a task and its :class:`numpy.random.SeedSequence`.
    tasks:
        The tasks; task k gets the child stream ``k`` of ``seed``.
    seed:
        Master seed. The same seed gives the same results for any ``n_jobs``.
    n_jobs:
        Worker processes: 1 (default) runs serially, -1 uses every CPU.
    chunk_size:
        Tasks per batch sent to a worker; by default about four batches per worker.
    on_progress:
        Called with (done, total) after each batch, for progress bars.
    """
    items: Sequence[T] = list(tasks)
    seeds = spawn_seeds(seed, range(len(items)))
    pairs = list(zip(items, seeds, strict=True))
    total = len(pairs)
    jobs = min(resolve_jobs(n_jobs), max(1, total))
    if chunk_size is None:
        chunk_size = max(1, -(-total // (jobs * 4)))
    chunks = [pairs[i : i + chunk_size] for i in range(0, total, chunk_size)]
    results: list[R] = []
    if jobs == 1:
        for chunk in chunks:
            results.extend(_run_chunk(func, chunk))
            if on_progress is not None:
                on_progress(len(results), total)
        return results
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context(method)) as pool:
        futures = [pool.submit(_run_chunk, func, chunk) for chunk in chunks]
        for fut in futures:  # in submission order: results stay in task order
            results.extend(fut.result())
            if on_progress is not None:
                on_progress(len(results), total)
    return results
