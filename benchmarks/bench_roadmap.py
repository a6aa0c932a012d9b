"""Road-map simulator speed: 6 policies x N runs on the Korean road map, serial and with 2 workers.

Run: python benchmarks/bench_roadmap.py [--runs 1000] [--repeat 3]
Prints wall-clock seconds of `simulate` (best of --repeat), of the whole `detente roadmap` command
(subprocess, including start-up), and of `play_duel` for 1,000 noisy 200-turn matches.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time

from detente.process.duel import play_duel
from detente.process.io import load_embedded_process
from detente.process.simulate import simulate
from detente.scenarios import load_scenario


def best_of(repeat, func):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        func()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    korea = load_scenario("korea")
    process = load_embedded_process("korea", scenario=korea)
    cpu = platform.processor() or platform.machine()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {cpu}")
    for jobs in (1, 2):
        t = best_of(args.repeat, lambda j=jobs: simulate(process, korea, runs=args.runs, seed=0, n_jobs=j))
        print(f"simulate: 6 policies x {args.runs} runs, n_jobs={jobs}: {t:.2f} s")
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "detente", "roadmap", "--runs", str(args.runs)],
        check=True,
        capture_output=True,
    )
    print(f"detente roadmap --runs {args.runs} (whole command, one run): {time.perf_counter() - t:.2f} s")
    t = best_of(args.repeat, lambda: play_duel("tft", "gtft", turns=200, noise=0.05, runs=1000, seed=0))
    print(f"play_duel: 1000 matches x 200 turns with noise: {t:.3f} s")


if __name__ == "__main__":
    main()
