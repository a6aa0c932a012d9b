"""Task functions and designs for the sweep tests (importable by worker processes and subprocesses)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from detente.experiments.types import Outputs, Task

LEVERS = ("engage", "pressure")


def make_tasks(n: int) -> list[Task]:
    """A design of ``n`` runs: two levers crossed with n/2 sample rows, a numeric and a categorical input."""
    return [
        Task(
            run_index=k,
            lever=LEVERS[k % 2],
            sample=k // 2,
            inputs={"x": (k // 2) / 7.0, "kind": "lo" if (k // 2) % 3 else "hi"},
        )
        for k in range(n)
    ]


def draw(task: Task, seed: np.random.SeedSequence) -> Outputs:
    """A stochastic run: draws from the run's stream, with an undefined (NaN) outcome every 5th run."""
    rng = np.random.default_rng(seed)
    u = float(rng.random())
    return {
        "u": u,
        "y": float(rng.normal(loc=float(task.inputs["x"]), scale=1.0))
        + (1.0 if task.lever == "engage" else 0.0),
        "time": math.nan if task.run_index % 5 == 0 else float(rng.integers(1, 100)),
    }


@dataclass(frozen=True)
class SlowDraw:
    """:func:`draw`, after sleeping ``delay`` seconds (so that a test can stop a sweep midway)."""

    delay: float = 0.02

    def __call__(self, task: Task, seed: np.random.SeedSequence) -> Outputs:
        time.sleep(self.delay)
        return draw(task, seed)


@dataclass(frozen=True)
class FailAt:
    """:func:`draw`, except that run ``index`` raises ``ValueError('boom at <index>')``."""

    index: int

    def __call__(self, task: Task, seed: np.random.SeedSequence) -> Outputs:
        if task.run_index == self.index:
            raise ValueError(f"boom at {self.index}")
        return draw(task, seed)


def comparable(outputs: dict[str, float]) -> dict[str, float | None]:
    """Outputs with NaN replaced by None, so that equal outputs compare equal."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in outputs.items()}


@dataclass(frozen=True)
class DieAt:
    """:func:`draw`, except that the worker process running run ``index`` dies (``os._exit``)."""

    index: int

    def __call__(self, task: Task, seed: np.random.SeedSequence) -> Outputs:
        if task.run_index == self.index:
            import os

            os._exit(3)
        return draw(task, seed)
