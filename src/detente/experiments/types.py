"""The types a sweep passes between its parts: a design's tasks, a task's outputs, the function between.

A sweep is a list of :class:`Task` (one per run: a lever crossed with one row of the input sample),
a :data:`TaskFunction` that turns a task and its seed into outputs, a backend that runs the function
(serially, in local processes or on Dask) and a results store that keeps every row. Run ``k``'s
random stream is derived from the master seed and ``k`` alone, so a run gives the same outputs
whichever backend runs it, in whatever order, and after any number of resumptions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["Outputs", "Task", "TaskFunction"]


@dataclass(frozen=True)
class Task:
    """One run of a sweep.

    Attributes
    ----------
    run_index : int
        The run's place in the design, unique within the sweep (0 .. n-1); it keys the run's seed
        and its row in the results store.
    lever : str
        The lever (policy, package or coalition id) the run applies; ``""`` when there are none.
    sample : int
        The row of the input sample the run uses (runs of different levers share sample rows).
    inputs : Mapping[str, float | str]
        Input name -> value drawn for this run (a categorical choice is a string).
    """

    run_index: int
    lever: str
    sample: int
    inputs: Mapping[str, float | str]


Outputs = dict[str, float]
"""Outcome name -> value of one run (NaN where an outcome is undefined, e.g. a time never reached)."""

TaskFunction = Callable[[Task, np.random.SeedSequence], Outputs]
"""``f(task, seed_sequence) -> outputs``: picklable (top-level function or instance of a top-level class)."""
