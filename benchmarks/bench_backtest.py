"""Timings of the DEU backtest (python benchmarks/bench_backtest.py [--jobs N]).

Targets: ``detente backtest deu deu_dev.csv --model best`` within a few minutes on 2 cores, with
identical results serially and in parallel; exact Shapley-Shubik and Banzhaf indices of the EU-27
Council under the Nice rules (27 players, three criteria) in seconds.

Prints: wall time of the power indices of each Council regime; wall time of the ``--model best``
backtest (all 250 scored issues of the development file) with 1 and with 2 worker processes, and
whether the two gave the same forecasts, intervals and scores.

``--targets`` prints instead the target table of issue 17 on the outer folds of the nested grouped
cross-validation (:func:`detente.validation.mixture.crossvalidated_table`): MAE and its ratio to the
compromise model's, CRPS and its ratio to the compromise model with cross-validated errors, 80%
coverage and width, hit rates within 5 and 10 points, and the paired MAE difference from compromise
with a proposal-clustered bootstrap 95% CI, for every model and capability scheme.
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


def targets() -> None:
    from detente.validation.mixture import crossvalidated_table

    t = time.perf_counter()
    rows, best = crossvalidated_table(seed=0)
    print(
        "| model | n | MAE | MAE ratio | MAE - compromise [95% CI] | CRPS | CRPS ratio | 80% coverage "
        "| 80% width | interval score | within 5 | within 10 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        d = r["MAE - compromise"]
        print(
            f"| {r['model']} | {r['n']} | {r['MAE']:.2f} | {r['MAE ratio']:.3f} | "
            f"{d[0]:+.2f} [{d[1]:+.2f}, {d[2]:+.2f}] | {r['CRPS']:.2f} | {r['CRPS ratio']:.3f} | "
            f"{100 * r['coverage80']:.1f}% | {r['width80']:.1f} | {r['interval score']:.1f} | "
            f"{100 * r['hit5']:.1f}% | {100 * r['hit10']:.1f}% |"
        )
    print(f"per-fold choices of best (scheme, penalty): {best.choices}")
    print(f"wall time: {time.perf_counter() - t:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--targets", action="store_true", help="print the cross-validated target table")
    args = parser.parse_args()
    if args.targets:
        targets()
        return
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
