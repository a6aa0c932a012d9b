"""Speed of the expected-utility model: deterministic runs and the Monte Carlo variant.

Run: python benchmarks/bench_expected_utility.py
"""

from __future__ import annotations

import time

from detente.models import ExpectedUtility, ExpectedUtilityMC
from detente.scenarios import load_scenario


def best_of(func, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
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


if __name__ == "__main__":
    main()
