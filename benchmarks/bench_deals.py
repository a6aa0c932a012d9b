"""Timings of the deal and coalition analyses (python benchmarks/bench_deals.py).

Targets: the full package analysis of the Korean big bargain (verdict, maximin, Nash,
Kalai-Smorodinsky, L1 amendment, exchange) under 1 s; Nash for 27 actors x 6 issues under 5 s;
exact Shapley values on the Korean compromise forecast under 1 s.
"""

from __future__ import annotations

import time

import numpy as np

from detente.deals import Bargain, Preferences, packages_for, status_quo_package
from detente.deals.analysis import analyse_package
from detente.deals.coalition import shapley
from detente.deals.exchange import exchange
from detente.models import get_model
from detente.scenarios import load_scenario


def best_of(func, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        func()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    korea = load_scenario("korea")
    book = packages_for(korea)
    six = load_scenario("ktab-6dim")
    prefs6 = Preferences.from_scenario(six)
    sq6 = np.full(len(six.issues), 50.0)
    rows = [
        ("korea: analyse_package(big-bargain), rho=1", lambda: analyse_package(korea, book.packages[0])),
        (
            "korea: analyse_package(big-bargain), rho=2",
            lambda: analyse_package(korea, book.packages[0], exponent=2.0),
        ),
        (
            "korea: Nash, rho=0.5 (non-convex, 12 seeded starts)",
            lambda: Bargain(
                Preferences.from_scenario(korea, exponent=0.5),
                status_quo_package(korea),
            ).nash(),
        ),
        (
            "ktab-6dim (27 x 6): Nash + Kalai-Smorodinsky",
            lambda: (Bargain(prefs6, sq6).nash(), Bargain(prefs6, sq6).kalai_smorodinsky()),
        ),
        ("ktab-6dim (27 x 6): exchange model", lambda: exchange(six)),
        ("korea: exact Shapley, compromise (64 coalitions)", lambda: shapley(get_model("compromise"), korea)),
        ("korea: exact Shapley, smp (64 coalitions)", lambda: shapley(get_model("smp"), korea)),
    ]
    for label, func in rows:
        print(f"{label:55s} {best_of(func):8.3f} s")


if __name__ == "__main__":
    main()
