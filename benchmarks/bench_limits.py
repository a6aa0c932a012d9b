"""Time and memory of each model, and of reading scenarios, at the size limits detente enforces.

For ``docs/reliability.md``: each case runs in its own process (so its peak resident memory is its
own) on a seeded random one-issue scenario with as many actors as the model accepts
(``Model.limits.max_actors``), and on the scenario-wide limits for reading and validating files.
It prints a Markdown table: case, actors x issues, CPU seconds, wall seconds, peak RSS (MiB).

Usage::

    python benchmarks/bench_limits.py              # every case (about 10 minutes on 2 cores)
    python benchmarks/bench_limits.py --quick      # only the fast cases
    python benchmarks/bench_limits.py --case smp   # one case

Random positions (uniform on 0-100), saliences (uniform 1-100) and capabilities (uniform 1-100) are
a hard case for the dynamic models: they take more rounds to settle than most real scenarios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES: dict[str, tuple[str, int, int]] = {
    # case: (what, actors, issues)
    "read-yaml": ("read", 5_000, 18),  # 9.1 MiB, near the 10 MiB file limit
    "read-json": ("read", 5_000, 12),  # 9.4 MiB
    "read-csv": ("read", 5_000, 20),  # 9.0 MiB: 100,000 stances, the scenario limit
    "compromise": ("model", 5_000, 1),
    "median": ("model", 5_000, 1),
    "nash": ("model", 5_000, 1),
    "dominant": ("model", 5_000, 1),
    "condorcet": ("model", 2_000, 1),
    "expected-utility": ("model", 500, 1),
    "expected-utility-mc": ("model", 150, 1),
    "smp": ("model", 640, 1),
}
QUICK = ("read-json", "read-csv", "compromise", "median", "nash", "dominant", "condorcet")


def scenario(n_actors: int, n_issues: int, seed: int = 2026):
    """A seeded random scenario of ``n_actors`` x ``n_issues``, every actor with a stance on every issue."""
    import numpy as np

    from detente.scenario import Actor, Issue, Scenario, Stance

    rng = np.random.default_rng(seed)
    return Scenario(
        name=f"random {n_actors} x {n_issues}",
        actors=[
            Actor(id=f"a{k}", name=f"Actor {k}", capability=float(rng.uniform(1, 100)))
            for k in range(n_actors)
        ],
        issues=[Issue(id=f"i{j}", name=f"Issue {j}", status_quo=50.0) for j in range(n_issues)],
        stances=[
            Stance(
                actor=f"a{k}",
                issue=f"i{j}",
                position=float(rng.uniform(0, 100)),
                salience=float(rng.uniform(1, 100)),
                note="random",
            )
            for k in range(n_actors)
            for j in range(n_issues)
        ],
    )


def child(case: str) -> None:
    """Run one case in this process and print a JSON line of its measurements."""
    what, n, m = CASES[case]
    s = scenario(n, m)
    extra: dict[str, object] = {}
    if what == "read":
        from detente.scenario.io import dumps_scenario, load_scenario

        fmt = case.split("-")[1]
        from detente.scenario.io import dumps_scenario as _dump

        assert len(_dump(s, fmt)) <= 10 * 2**20, "the case must fit the file limit"  # type: ignore[arg-type]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"s.{fmt}"
            path.write_text(dumps_scenario(s, fmt))  # type: ignore[arg-type]
            extra["MiB"] = round(path.stat().st_size / 2**20, 1)
            del s
            t0, w0 = time.process_time(), time.perf_counter()
            load_scenario(path)
    else:
        from detente.models import get_model

        model = get_model(case)
        t0, w0 = time.process_time(), time.perf_counter()
        f = model.forecast(s, seed=0)
        extra["rounds"] = len(f.rounds)
    print(
        json.dumps(
            {
                "case": case,
                "size": f"{n:,} x {m}",
                "cpu_s": round(time.process_time() - t0, 2),
                "wall_s": round(time.perf_counter() - w0, 2),
                "rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                **extra,
            }
        )
    )


def main() -> None:
    """Run the chosen cases, each in a fresh process, and print the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the fast cases")
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="run this case (repeatable)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    cases = args.case or (QUICK if args.quick else list(CASES))
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"Command: python benchmarks/bench_limits.py {' '.join(sys.argv[1:])}".rstrip())
    print()
    print("| case | actors x issues | CPU s | wall s | peak RSS (MiB) | note |")
    print("|---|---|---|---|---|---|")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    for case in cases:
        out = subprocess.run(
            [sys.executable, __file__, "--child", case], capture_output=True, text=True, env=env, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        note = f"{r['MiB']} MiB file" if "MiB" in r else f"{r['rounds']} rounds"
        print(
            f"| {r['case']} | {r['size']} | {r['cpu_s']} | {r['wall_s']} | {r['rss_mib']} | {note} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
