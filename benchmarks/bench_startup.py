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
    python benchmarks/bench_startup.py --large    # also 640 actors in fresh processes, per SMP kernel
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


_AS_THE_COMMAND_LINE = (
    "import gc, os; os.environ['OPENBLAS_NUM_THREADS'] = '1'; "
    "from detente.__main__ import relax_collector_for_startup; relax_collector_for_startup(); {imports}; "
    "gc.freeze()"
)
"""A floor measurement: ``imports`` with one BLAS thread, the collector's start-up allowance, and the
heap frozen before shutdown, as the command line runs."""

_STACK = "import numpy, pydantic, typer, rich.console, rich.table; from pydantic import BaseModel"
_ONE_MODEL = "exec('class M(BaseModel):\\n    x: int')"

STACK_IMPORTS = _AS_THE_COMMAND_LINE.format(imports=_STACK)
"""The libraries every ``detente forecast`` imports, set up as the command line sets them: the floor of
its start-up while those libraries are the stack."""

STACK_MODEL = _AS_THE_COMMAND_LINE.format(imports=f"{_STACK}; {_ONE_MODEL}")
"""The same, plus one pydantic model class: the first model makes pydantic look for plugins (it imports
``importlib.metadata`` and reads every installed package's entry points), as detente's models do."""

CORE_MODEL = _AS_THE_COMMAND_LINE.format(
    imports=f"import numpy; from pydantic import BaseModel; {_ONE_MODEL}"
)
"""numpy and one pydantic model, without typer and rich: the floor of any command line whose scenario
model is pydantic's, whatever draws its tables."""


SPLIT_RUN = """
import contextlib, io, os, sys, time
os.environ["OPENBLAS_NUM_THREADS"] = "1"
from detente.__main__ import relax_collector_for_startup
relax_collector_for_startup()  # as the console script does
t0 = time.process_time()
import detente.cli as cli
t1 = time.process_time()
import detente.models.smp, detente.report.tables, detente.scenarios, detente.scenario.io
import typer._adapters
t2 = time.process_time()
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    cli.dispatch(["forecast", {name!r}, "--model", "smp"])
t3 = time.process_time()
print(t0, t1 - t0, t2 - t1, t3 - t2)
"""


def split(name: str, env: dict[str, str], repeats: int = 5) -> None:
    """Where ``detente forecast NAME --model smp`` spends its CPU time (the fastest of ``repeats``)."""
    runs = []
    for _ in range(repeats):
        args = [sys.executable, "-c", SPLIT_RUN.format(name=name)]
        out = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
        runs.append([float(v) for v in out.stdout.split()])
    start, cli, rest, run = min(runs, key=sum)
    print(
        f"{name}, one process: interpreter {start:.3f} s, importing detente.cli {cli:.3f} s, "
        f"the rest of the imports {rest:.3f} s, reading, forecasting and printing {run:.3f} s"
    )
    print()


def smp_backend() -> str:
    """Which SMP kernel a default forecast uses at 80 actors: the extension, numba or numpy."""
    from detente.models import _smp_kernel

    rows = _smp_kernel._compiled("challenge_rows", 80)
    return "numpy" if rows is None else str(rows.__module__)


LARGE_RUN = """
import resource, sys, time
sys.path.insert(0, {here!r})
from bench_smp import random_scenario
from detente.models import SMP, _smp_kernel
_smp_kernel.BACKEND = {backend!r}
s = random_scenario(640)
start = time.process_time()
f = SMP().forecast(s)
cpu = time.process_time() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(len(f.rounds), cpu, rss, "numba" in sys.modules)
"""


def large(repeats: int = 3) -> None:
    """640 actors (``bench_smp.random_scenario(640)``), a fresh process per run and kernel."""
    print("| 640 actors, 2 issues | states | CPU time (forecast) | peak RSS | numba imported |")
    print("|---|---|---|---|---|")
    here = os.path.dirname(os.path.abspath(__file__))
    for backend in ("ext", "numba"):
        for _ in range(repeats):
            code = LARGE_RUN.format(here=here, backend=backend)
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            states, cpu, rss, numba = out.stdout.split()
            print(f"| {backend} | {states} | {float(cpu):.1f} s | {float(rss):.0f} MiB | {numba} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="start-up and small KTAB inputs only")
    parser.add_argument("--no-bytecode", action="store_true", help="whole commands without cached .pyc")
    parser.add_argument("--large", action="store_true", help="640 actors, each compiled kernel")
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
    print(f"SMP kernel by default: {smp_backend()}")
    print()
    print("| command | CPU time |")
    print("|---|---|")
    print(f"| `python -c pass` | {child_cpu([sys.executable, '-c', 'pass'], env, 7):.3f} s |")
    stack = [sys.executable, "-c", STACK_IMPORTS]
    print(f"| importing numpy, pydantic, typer and rich, nothing else | {child_cpu(stack, env, 7):.3f} s |")
    with_model = child_cpu([sys.executable, "-c", STACK_MODEL], env, 7)
    print(f"| the same and one pydantic model (pydantic's plugin lookup) | {with_model:.3f} s |")
    core = child_cpu([sys.executable, "-c", CORE_MODEL], env, 7)
    print(f"| numpy and one pydantic model, without typer and rich | {core:.3f} s |")
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
    split("ktab-a080", env)
    if args.large:
        large()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
