"""Sweep throughput: Korean road-map runs per second under parameter uncertainty, serial and on Dask.

Each task draws a perturbed copy of the Korean road map (its ranged numbers drawn from the task's
seed) and simulates ``--runs`` runs of one policy (engagement). The benchmark reports

1. serial against Dask with ``--workers`` local workers on the same ``--draws`` tasks: wall time,
   road-map runs per second and their ratio (goal: at least 1.7x on 2 cores), with the cluster
   started beforehand and, separately, started by the sweep itself; and checks both give the same
   outputs;
2. ``--big-draws`` x ``--runs`` road-map runs (default 1,000 x 100 = 10^5) on the Dask workers, the
   cluster started by the sweep (goal: under 60 s);
3. CPU time of the whole benchmark (this process and its finished worker processes).

Run: python benchmarks/bench_sweep.py [--draws 200] [--big-draws 1000] [--runs 100] [--workers 2]
[--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from detente.experiments.backends import Backend, collect
from detente.experiments.types import Outputs, Task

_CACHE: dict[str, Any] = {}


def _korea() -> tuple[Any, Any]:
    """The Korean scenario and road map, loaded once per worker process."""
    if "korea" not in _CACHE:
        from detente.process.io import load_embedded_process
        from detente.scenarios import load_scenario

        scenario = load_scenario("korea")
        _CACHE["korea"] = (scenario, load_embedded_process("korea", scenario=scenario))
    return _CACHE["korea"]


def road_map_task(task: Task, seed: np.random.SeedSequence) -> Outputs:
    """One parameter draw: perturb the road map's ranged numbers, simulate ``runs`` runs of engagement."""
    from detente.process.simulate import simulate
    from detente.process.uncertainty import perturbed_process

    scenario, process = _korea()
    rng = np.random.default_rng(seed)
    drawn = perturbed_process(process, rng, None)
    runs = int(task.inputs["runs"])
    result = simulate(drawn, scenario, ["engagement"], runs=runs, seed=int(rng.integers(2**31)))[0]
    return {
        "complete": float(np.mean(result.outcome == 0)),
        "escalated": float(np.mean(result.escalated)),
        "broken": float(np.mean(result.broken)),
    }


def _tasks(draws: int, runs: int) -> list[Task]:
    return [Task(k, "engagement", k, {"runs": float(runs)}) for k in range(draws)]


def _timed(func: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


def _cpu_seconds() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=200, help="parameter draws for serial vs Dask")
    ap.add_argument("--big-draws", type=int, default=1000, help="parameter draws for the large Dask sweep")
    ap.add_argument("--runs", type=int, default=100, help="road-map runs per parameter draw")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args()

    from distributed import LocalCluster

    wall_start = time.perf_counter()
    cpu_start = _cpu_seconds()
    tasks = _tasks(args.draws, args.runs)
    load_before = os.getloadavg()[0]
    _korea()  # the serial run's one-off loading is not counted in its time (workers load theirs)
    cpu_serial = time.process_time()
    t_serial, serial = _timed(lambda: collect(road_map_task, tasks, seed=args.seed))
    cpu_serial = time.process_time() - cpu_serial

    import logging

    cluster = LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.CRITICAL,
    )
    try:
        warm = Backend("dask", scheduler=cluster.scheduler_address)
        collect(
            road_map_task, _tasks(args.workers * 2, 1), seed=0, backend=warm, batch_size=1
        )  # load, import
        t_dask_warm, dask_warm = _timed(lambda: collect(road_map_task, tasks, seed=args.seed, backend=warm))
    finally:
        cluster.close()
    cold = Backend("dask", workers=args.workers)
    t_dask_cold, dask_cold = _timed(lambda: collect(road_map_task, tasks, seed=args.seed, backend=cold))
    identical = serial == dask_warm == dask_cold

    big = _tasks(args.big_draws, args.runs)
    t_big, big_out = _timed(lambda: collect(road_map_task, big, seed=args.seed, backend=cold))
    wall = time.perf_counter() - wall_start
    cpu = _cpu_seconds() - cpu_start

    n_runs = args.draws * args.runs
    figures = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
        },
        "draws": args.draws,
        "runs_per_draw": args.runs,
        "workers": args.workers,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
        "serial_s": t_serial,
        "serial_cpu_s": cpu_serial,
        "dask_started_cluster_s": t_dask_warm,
        "dask_with_startup_s": t_dask_cold,
        "serial_runs_per_s": n_runs / t_serial,
        "dask_runs_per_s": n_runs / t_dask_warm,
        "dask_with_startup_runs_per_s": n_runs / t_dask_cold,
        "speedup": t_serial / t_dask_warm,
        "speedup_with_startup": t_serial / t_dask_cold,
        "identical_outputs": identical,
        "big_draws": args.big_draws,
        "big_road_map_runs": args.big_draws * args.runs,
        "big_dask_s": t_big,
        "big_runs_per_s": args.big_draws * args.runs / t_big,
        "big_mean_complete": float(np.mean([o["complete"] for o in big_out])),
        "total_wall_s": wall,
        "total_cpu_s": cpu,
    }
    print(
        f"python {figures['machine']['python']}, {figures['machine']['cpus']} CPUs, "
        f"{figures['machine']['processor']}"
    )
    print(f"{'sweep':<52} {'wall s':>8} {'runs/s':>9} {'vs serial':>9}")
    rows = [
        (f"serial: {args.draws} draws x {args.runs} runs", t_serial, n_runs / t_serial, 1.0),
        (
            f"dask, {args.workers} workers, cluster already up",
            t_dask_warm,
            n_runs / t_dask_warm,
            t_serial / t_dask_warm,
        ),
        (
            f"dask, {args.workers} workers, cluster started by sweep",
            t_dask_cold,
            n_runs / t_dask_cold,
            t_serial / t_dask_cold,
        ),
        (
            f"dask, {args.workers} workers: {args.big_draws} draws x {args.runs} runs",
            t_big,
            args.big_draws * args.runs / t_big,
            float("nan"),
        ),
    ]
    for label, seconds, rate, ratio in rows:
        shown = "" if ratio != ratio else f"{ratio:.2f}x"
        print(f"{label:<52} {seconds:8.2f} {rate:9.0f} {shown:>9}")
    print(f"identical outputs serial / dask: {identical}; serial CPU {cpu_serial:.2f} s")
    print(f"1-minute load average before / after: {load_before:.2f} / {figures['load_average_after']:.2f}")
    print(f"whole benchmark: {wall:.1f} s wall, {cpu:.1f} s CPU (this process and its worker processes)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    # Run the module's functions under its importable name, so that workers import them (with the
    # per-worker cache) instead of receiving pickled copies of __main__'s globals with every batch.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_sweep

    bench_sweep.main()
