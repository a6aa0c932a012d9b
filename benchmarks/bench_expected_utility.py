"""Speed of the expected-utility model: deterministic runs, the Monte Carlo variant, large issues.

Run: python benchmarks/bench_expected_utility.py [--large]

``--large`` times one round on random one-issue scenarios of 150-1,000 actors with the numpy kernels
and with the compiled ones (numba) in the same run, as CPU time, after one warm-up round per path (so
compiling or loading the cached kernels is not counted; the one-off cost of importing numba and
loading its cache is printed apart), and checks that both give the same forecast.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from detente.models import ExpectedUtility, ExpectedUtilityMC
from detente.models import _eu_kernel as kernel
from detente.scenarios import load_scenario

sys.path.insert(0, str(Path(__file__).parent))
from bench_smp import random_scenario


def best_of(func, repeat: int = 3, clock=time.perf_counter) -> float:
    """The shortest of ``repeat`` runs of ``func`` by ``clock`` (wall time; ``time.process_time``: CPU)."""
    times = []
    for _ in range(repeat):
        start = clock()
        func()
        times.append(clock() - start)
    return min(times)


def small() -> None:
    for name in ("ec-emissions", "korea", "ktab-6dim", "ktab-a040", "ktab-a080", "ktab-a160"):
        s = load_scenario(name)
        n = len(s.actors)
        t = best_of(lambda s=s: ExpectedUtility().forecast(s))
        what = f"{name:13s} {n:4d} actors {len(s.issues)} issues"
        print(f"expected-utility  {what}, 10 rounds: {t * 1000:8.1f} ms")
    s = load_scenario("korea")
    for jobs in (1, 2):
        t = best_of(lambda jobs=jobs: ExpectedUtilityMC(runs=200, n_jobs=jobs).forecast(s, seed=1), repeat=2)
        print(f"expected-utility-mc korea 200 runs, n_jobs={jobs}: {t:6.2f} s")


def large() -> None:
    code = (
        "import time; t = time.process_time(); from detente.models import _eu_numba; "
        "print(time.process_time() - t)"
    )
    load = float(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )
    print(f"importing numba and loading the cached kernels: {load:.2f} s CPU (once per process)")
    kernel.NUMBA_MIN_ACTORS = 0
    print("actors | numpy s/round | compiled s/round | ratio | same forecast")
    for n in (150, 300, 500):  # 500: the model's limit
        s = random_scenario(n, 1)
        model = ExpectedUtility(rounds=1)
        out, cpu = {}, {}
        for on in (False, True):
            kernel.USE_NUMBA = on
            model.forecast(s)  # warm-up
            cpu[on] = best_of(lambda m=model, s=s: m.forecast(s), 2, time.process_time)
            out[on] = model.forecast(s).model_dump_json()
        print(
            f"{n:6d} | {cpu[False]:13.3f} | {cpu[True]:16.3f} | {cpu[False] / cpu[True]:5.1f} | "
            f"{out[False] == out[True]}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="large issues, numpy against compiled")
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    print(f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}")
    large() if args.large else small()


if __name__ == "__main__":
    main()
