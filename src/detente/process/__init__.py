"""Road maps and iterated games: sequenced, reciprocal peace processes over time.

* :mod:`detente.process.spec` and :mod:`detente.process.io`: the road-map file (phases, moves,
  verification, guarantors, perception, tension, policies) and its loader;
* :mod:`detente.process.strategies`: reference strategies (TFT, GTFT, Contrite, WSLS, Grim, GRIT,
  maximum pressure, a self-enforcing utility rule), vectorized over runs;
* :mod:`detente.process.duel`: two-player iterated prisoner's dilemma;
* :mod:`detente.process.simulate`: seeded Monte Carlo runs of a road map under policies;
* :mod:`detente.process.analysis`: self-enforcement, commitment problem, inspection game, stability,
  smallest workable schedule.

>>> from detente.process import load_embedded_process, simulate_policy
>>> from detente.scenarios import load_scenario
>>> korea = load_scenario("korea")
>>> result = simulate_policy(load_embedded_process("korea"), korea, "information", runs=250, seed=0)
>>> result.runs
250
"""

from detente.process.analysis import check_roadmap, smallest_schedule
from detente.process.duel import DuelResult, play_duel
from detente.process.io import check_process, load_embedded_process, load_process, loads_process
from detente.process.setup import Setup, prepare
from detente.process.simulate import PolicyResult, RoadmapResult, simulate, simulate_policy
from detente.process.spec import Process
from detente.process.strategies import STRATEGIES, get_strategy, gtft_generosity, strategy_names

__all__ = [
    "STRATEGIES",
    "DuelResult",
    "PolicyResult",
    "Process",
    "RoadmapResult",
    "Setup",
    "check_process",
    "check_roadmap",
    "get_strategy",
    "gtft_generosity",
    "load_embedded_process",
    "load_process",
    "loads_process",
    "play_duel",
    "prepare",
    "simulate",
    "simulate_policy",
    "smallest_schedule",
    "strategy_names",
]
