"""A sweep in its own process, for the tests that kill or interrupt it.

Run from the repository root: ``python -m tests.experiments.sweep_child STORE N BACKEND WORKERS BATCH DELAY``.
Prints ``progress DONE TOTAL`` after every stored batch and ``finished STATUS`` at the end.
"""

from __future__ import annotations

import sys

from detente.experiments.store import open_store
from detente.experiments.sweep import run_sweep
from tests.experiments.sweep_tasks import SlowDraw, make_tasks

SEED = 2024


def main(argv: list[str]) -> None:
    target, n, backend, workers, batch, delay = argv
    store = open_store(target)

    def progress(done: int, total: int) -> None:
        print(f"progress {done} {total}", flush=True)

    result = run_sweep(
        store,
        name="child",
        spec_hash="child-spec",
        spec_text="{}",
        seed=SEED,
        tasks=make_tasks(int(n)),
        func=SlowDraw(float(delay)),
        backend=backend,  # type: ignore[arg-type]
        workers=int(workers) if backend != "serial" else None,
        batch_size=int(batch),
        on_progress=progress,
    )
    print(f"finished {result.experiment.status} {result.experiment.done}", flush=True)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
