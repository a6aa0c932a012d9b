"""Timings of the DEU backtest (python benchmarks/bench_backtest.py [--jobs N]).

Targets: ``detente backtest deu deu_dev.csv --model best`` within a few minutes on 2 cores, with
identical results serially and in parallel; exact Shapley-Shubik and Banzhaf indices of the EU-27
Council under the Nice rules (27 players, three criteria) in seconds.

Prints: wall time of the power indices of each Council regime; wall time of the ``--model best``
backtest (all 250 scored issues of the development file) with 1 and with 2 worker processes, and
whether the two gave the same forecasts, intervals and scores.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from detente.validation.deu import load_dev, regimes
from detente.validation.power import VotingGame, banzhaf, shapley_shubik
from detente.validation.run import run_deu


def power_timings() -> None:
    for r in regimes():
        members = r.members
        weights = [tuple(r.votes[s] for s in members)]
        quotas = [r.qvote]
        if r.qmin:
            weights.append((1.0,) * len(members))
            quotas.append(r.qmin)
        if r.qpop:
            weights.append(tuple(r.population[s] for s in members))
            quotas.append(r.qpop)
        game = VotingGame(tuple(weights), tuple(quotas))
        t = time.perf_counter()
        ss = shapley_shubik(game)
        bz = banzhaf(game)
        dt = time.perf_counter() - t
        print(
            f"power indices, {r.name}: {len(members)} players, {len(quotas)} criteria: {dt:.2f} s "
            f"(SS sum {ss.sum():.6f}, Banzhaf sum {bz.sum():.6f})"
        )


def backtest(jobs: int) -> tuple[float, object]:
    data = load_dev()
    t = time.perf_counter()
    result = run_deu(data, models=["best"], seed=0, n_jobs=jobs)
    return time.perf_counter() - t, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    power_timings()
    t1, serial = backtest(1)
    print(f"backtest deu --model best, 1 job: {t1:.1f} s")
    t2, parallel = backtest(args.jobs)
    print(f"backtest deu --model best, {args.jobs} jobs: {t2:.1f} s")
    same = all(
        np.array_equal(serial.evaluation.point[m], parallel.evaluation.point[m], equal_nan=True)
        and np.array_equal(serial.evaluation.lo[m], parallel.evaluation.lo[m], equal_nan=True)
        and np.array_equal(serial.evaluation.hi[m], parallel.evaluation.hi[m], equal_nan=True)
        for m in serial.models
    )
    print(f"serial and parallel identical: {same}")
    for s in parallel.scores:
        print(s.row())


if __name__ == "__main__":
    main()
