"""Out-of-sample skill of the Korean road map on the historical record (a benchmark, not a test).

Runs ``detente roadmap replay``'s engine on the shipped episodes and prints the per-question table
and the Brier and log skill against the base-rate and no-change baselines, in and out of sample
(out: the question's window starts after the calibration cutoff, 2019-12-31). The target the project
set itself: out-of-sample Brier skill against the base rate of at least 0. The figure is reported in
docs/korea.md whatever it is.

Usage::

    python benchmarks/bench_replay.py               # 5,000 runs per episode, seed 0
    python benchmarks/bench_replay.py --runs 20000 --seed 1
"""

from __future__ import annotations

import argparse
import time

from detente.process.replay import load_embedded_replay, replay


def main() -> None:
    """Replay the shipped episodes and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    book = load_embedded_replay("korea")
    t0 = time.perf_counter()
    result = replay(book, runs=args.runs, seed=args.seed)
    seconds = time.perf_counter() - t0
    print(
        f"{book.name}: {args.runs} runs per episode, seed {args.seed}, cutoff {book.cutoff}, {seconds:.1f} s"
    )
    print()
    print("| episode | question | sample | road map | base rate | no change | outcome |")
    print("|---|---|---|---|---|---|---|")
    for r in result.rows:
        print(
            f"| {r['episode']} | {r['text']} | {r['sample']} | {r['p_roadmap']:.2f} | "
            f"{r['p_base_rate']:.2f} | {r['p_no_change']:.2f} | {'yes' if r['outcome'] else 'no'} |"
        )
    print()
    print(
        "| sample | questions | Brier: road map | base rate | no change | skill vs base rate | "
        "skill vs no change | log: road map | log skill vs base rate |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for s in result.summary():
        print(
            f"| {s['sample']} | {s['questions']} | {s['brier_roadmap']:.3f} | {s['brier_base_rate']:.3f} | "
            f"{s['brier_no_change']:.3f} | {s['brier_skill_vs_base_rate']:+.2f} | "
            f"{s['brier_skill_vs_no_change']:+.2f} | {s['log_roadmap']:.3f} | "
            f"{s['log_skill_vs_base_rate']:+.2f} |"
        )


if __name__ == "__main__":
    main()
