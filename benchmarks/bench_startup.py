"""CPU time of whole ``detente`` commands and of the SMP in-process, against KTAB and the machine's DGEMM.

Measures, in one run (issue 19):

* start-up: ``detente --version``, ``--help`` and ``models`` as whole commands;
* ``detente forecast SCENARIO --model smp`` as a whole command, and ``SMP().forecast`` in-process,
  on KTAB's example inputs, against KTAB's C++ ``smpc`` built with -O2 (CPU seconds from issue 19);
* the SMP's achieved GFLOP/s (about 38 N^3 element operations per turn, issue 19's count) against
  the DGEMM rate of one core measured in the same run (numpy's BLAS limited to one thread).

Every figure is CPU time (user + system, ``getrusage``), the best of several repeats: the machine is
shared, so wall-clock time says little. Whole commands run with cached bytecode (``.pyc`` files in a
temporary ``PYTHONPYCACHEPREFIX``, as an installed package has them) unless ``--no-bytecode``.

Usage::

    python benchmarks/bench_startup.py            # start-up, KTAB inputs, random 320 actors
    python benchmarks/bench_startup.py --quick    # start-up and the small KTAB inputs only
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np

KTAB_O2_CPU = {"ktab-3dim": 0.074, "ktab-soe": 0.50, "ktab-a080": 126.0}
"""KTAB's ``smpc`` (-O2) CPU seconds on the same inputs, from issue 19 (a080: the best of 126-156 s)."""

OPS_PER_TURN = 38
"""Element operations per turn per N^3 (challenge calculus, elections, bargain values; issue 19)."""


def child_cpu(args: list[str], env: dict[str, str], repeats: int) -> float:
    """Best CPU time (user + system) of running ``args`` as a child process."""
    best = float("inf")
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def own_cpu(func: Callable[[], object], repeats: int) -> float:
    """Best CPU time of ``func()`` in this process (all its threads)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        func()
        best = min(best, time.process_time() - start)
    return best


def dgemm_gflops(n: int = 1500, repeats: int = 5) -> float:
    """GFLOP/s of one core on an n x n matrix product (2 n^3 operations), best of ``repeats``."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a, b = rng.random((n, n)), rng.random((n, n))
    with threadpool_limits(limits=1):
        cpu = own_cpu(lambda: a @ b, repeats)
    return 2.0 * n**3 / cpu / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="start-up and small KTAB inputs only")
    parser.add_argument("--no-bytecode", action="store_true", help="whole commands without cached .pyc")
    args = parser.parse_args()

    env = dict(os.environ)
    if not args.no_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="detente-pyc-")
    detente = [sys.executable, "-m", "detente"]
    subprocess.run([*detente, "forecast", "ktab-3dim", "--model", "smp"], env=env, capture_output=True)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, ", end="")
    print(f"Python {platform.python_version()}, numpy {np.__version__}")
    print(f"load average before: {os.getloadavg()[0]:.2f}; bytecode cached: {not args.no_bytecode}")
    print()
    print("| command | CPU time |")
    print("|---|---|")
    print(f"| `python -c pass` | {child_cpu([sys.executable, '-c', 'pass'], env, 7):.3f} s |")
    for cmd in (["--version"], ["--help"], ["models"]):
        print(f"| `detente {' '.join(cmd)}` | {child_cpu([*detente, *cmd], env, 7):.3f} s |")
    print()

    from detente.models import SMP
    from detente.scenarios import load_scenario

    peak = dgemm_gflops()
    names = ["ktab-3dim", "ktab-soe", "ktab-6dim"]
    if not args.quick:
        names += ["ktab-a040", "ktab-a080", "ktab-a160"]
    print(f"DGEMM, one core, measured now: {peak:.1f} GFLOP/s")
    print()
    print(
        "| input | actors x issues | KTAB -O2 | `detente forecast --model smp` (whole command) "
        "| SMP in-process | KTAB / whole command | SMP GFLOP/s | % of DGEMM |"
    )
    print("|---|---|---|---|---|---|---|---|")
    cases = [(name, load_scenario(name)) for name in names]
    if not args.quick:
        sys.path.insert(0, os.path.dirname(__file__))
        from bench_smp import random_scenario

        cases.append(("random-320", random_scenario(320)))
    for name, s in cases:
        n = len(s.actors)
        model = SMP()
        turns = len(model.forecast(s).rounds) - 1
        inproc = own_cpu(lambda s=s, model=model: model.forecast(s), 1 if n >= 160 else 5)
        command = [*detente, "forecast", name, "--model", "smp"]
        whole = child_cpu(command, env, 3) if name.startswith("ktab") else 0.0
        gflops = OPS_PER_TURN * n**3 * turns / inproc / 1e9
        ktab = KTAB_O2_CPU.get(name)
        share = 100 * gflops / peak
        print(
            f"| {name} | {n} x {len(s.issues)} | "
            f"{f'{ktab:g} s' if ktab else '-'} | {f'{whole:.3f} s' if whole else '-'} | {inproc:.3f} s | "
            f"{f'{ktab / whole:,.1f}' if ktab and whole else '-'} | {gflops:.2f} | {share:.1f}% |"
        )
    print()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
