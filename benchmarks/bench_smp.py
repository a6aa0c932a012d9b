"""Speed and memory of the Spatial Model of Politics against KTAB's measured run times.

Runs detente's SMP (default parameters, the full model: ``SMP().forecast``) on KTAB's example
inputs and on random 320- and 640-actor scenarios, and prints a Markdown table for
``docs/benchmarks.md``. KTAB's times are those measured for the specification (section 23 of
the SMP spec: KTAB's command-line runner with reduced logging on a 2-core machine).

Usage::

    python benchmarks/bench_smp.py                 # KTAB inputs, random 320 (full run), 640 (5 turns)
    python benchmarks/bench_smp.py --full-640      # also run the 640-actor scenario to the end
    python benchmarks/bench_smp.py --quick         # KTAB inputs only

Timings are the best of several repeats (wall clock, ``time.perf_counter``). Memory is the peak
traced by ``tracemalloc`` (numpy reports its buffers to it) during one run, and the process's
maximum resident set size at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import tracemalloc

import numpy as np

from detente.models import SMP
from detente.models.checks import scenario_from_arrays
from detente.scenario import Scenario
from detente.scenarios import load_scenario

KTAB_SECONDS = {"ktab-3dim": 0.6, "ktab-soe": 1.0, "ktab-6dim": 10.2, "ktab-a040": 31.0, "ktab-a080": 352.0}
KTAB_STATES = {"ktab-3dim": 11, "ktab-soe": 28, "ktab-6dim": 30, "ktab-a040": 21, "ktab-a080": 18}


def random_scenario(n_actors: int, n_issues: int = 2, seed: int = 2024) -> Scenario:
    """A seeded random scenario: uniform positions, saliences totalling 20-100, lognormal capabilities."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 100, (n_actors, n_issues)).round(2)
    share = rng.dirichlet(np.ones(n_issues), n_actors)
    sal = (share * rng.uniform(20, 100, (n_actors, 1))).round(2)
    cap = rng.lognormal(0.0, 1.0, n_actors).round(3) + 0.01
    return scenario_from_arrays(pos, sal, cap, name=f"random-{n_actors}")


def measure(scenario: Scenario, repeats: int, **params: object) -> dict[str, float]:
    model = SMP(**params)
    times = []
    forecast = None
    for _ in range(repeats):
        start = time.perf_counter()
        forecast = model.forecast(scenario)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    model.forecast(scenario)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert forecast is not None
    turns = len(forecast.rounds) - 1
    best = min(times)
    return {"states": turns + 1, "seconds": best, "per_turn": best / max(turns, 1), "peak_mib": peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="KTAB inputs only")
    parser.add_argument("--full-640", action="store_true", help="run the 640-actor scenario to the end")
    args = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"numpy {np.__version__}; load average before: {os.getloadavg()[0]:.2f}")
    print()
    print(
        "| input | actors x issues | states (KTAB) | detente, full run | per turn | KTAB | KTAB / detente "
        "| peak traced memory |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in ("ktab-3dim", "ktab-soe", "ktab-6dim", "ktab-a040", "ktab-a080", "ktab-a160"):
        s = load_scenario(name)
        repeats = 3 if name == "ktab-a160" else 7
        r = measure(s, repeats)
        ktab = KTAB_SECONDS.get(name)
        states = f"{r['states']} ({KTAB_STATES[name]})" if name in KTAB_STATES else f"{r['states']} (-)"
        ratio = f"{ktab / r['seconds']:,.0f}" if ktab else "-"
        print(
            f"| {name} | {len(s.actors)} x {len(s.issues)} | {states} | {r['seconds']:.3f} s | "
            f"{1000 * r['per_turn']:.1f} ms | {f'{ktab:g} s' if ktab else 'not run'} | {ratio} | "
            f"{r['peak_mib']:.0f} MiB |"
        )
    if not args.quick:
        for n, turns in ((320, 100), (640, 100 if args.full_640 else 5)):
            s = random_scenario(n)
            r = measure(s, 1, max_turns=turns)
            label = "full run" if r["states"] - 1 < turns else f"first {turns} turns"
            print(
                f"| random-{n} ({label}) | {n} x 2 | {r['states']} | {r['seconds']:.1f} s | "
                f"{r['per_turn']:.2f} s | - | - | {r['peak_mib']:.0f} MiB |"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"maximum resident set size of the whole benchmark process: {rss:.0f} MiB")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
