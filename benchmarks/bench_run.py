"""Benchmark: CPU and wall time of the whole ``detente run`` command on the embedded Korean scenario.

Runs ``python -m detente run --out DIR`` as a subprocess (start-up included) ``--repeat`` times and
prints, per run, the wall time and the CPU time of the command and its worker processes (user +
system, from ``resource.getrusage(RUSAGE_CHILDREN)``) with the 1-minute load average when the run
started (CPU time depends less on the machine's load than wall time), then the median. The target is
at most 10 s wall on 2 cores. Usage::

    python benchmarks/bench_run.py [--repeat 3] [--scenario korea]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def one_run(scenario: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one ``detente run`` of ``scenario`` into a scratch folder."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "detente", "run", scenario, "--out", tmp],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    """Parse arguments, run the benchmark, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenario", default="korea")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}")
    print(f"command: {sys.executable} -m detente run {args.scenario} --out TMP")
    walls, cpus = [], []
    for k in range(args.repeat):
        load = os.getloadavg()[0]
        wall, cpu = one_run(args.scenario)
        walls.append(wall)
        cpus.append(cpu)
        print(f"run {k + 1}: wall {wall:.2f} s, CPU {cpu:.2f} s (load average {load:.1f})", flush=True)
    print(f"median: wall {statistics.median(walls):.2f} s, CPU {statistics.median(cpus):.2f} s")


if __name__ == "__main__":
    main()
