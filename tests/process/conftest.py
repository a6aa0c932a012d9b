"""A tiny two-actor road map on the ``two_actors`` scenario, for hand-checkable tests."""

from __future__ import annotations

import pytest

from detente.process.io import loads_process

TINY = """
name: Tiny road map
scenario: two
horizon: 40
discount: {value: 0.9, estimate: test value for hand checks}
verification: {inspection_rate: 0.5, detection: 0.8, estimate: test}
guarantors:
- {actor: B, penalty: 2, credibility: 0.5, estimate: test}
perception: {false_alarm: 0.0, miss: 0.0, estimate: test}
tension:
  sides: [[A], [B]]
  initial: 10
  reaction: 0.1
  restraint: 0.2
  grievance: 1
  goodwill: 1
  defection_shock: 5
  threshold: 50
  estimate: test
  shocks:
  - {id: tests, actor: A, rate: 0.5, size: 4, suspended_by: freeze_a, estimate: test}
commitment: {actor: A, counterpart: B, power: 0.4, war_cost: 2, estimate: test}
completion: {values: {A: 2, B: 1}, estimate: test}
escalation_effects: {x: 10}
phases:
- id: one
  name: First step
  estimate: test
  exit: {sustain: 2, patience: 2}
  moves:
  - {id: freeze_a, name: A freezes, actor: A, kind: suspend_tests,
     cost: 1, payoffs: {B: 2}, effects: {x: -10}, estimate: test}
  - {id: relief_b, name: B relieves, actor: B, kind: sanctions_relief,
     cost: 1, payoffs: {A: 2}, effects: {x: 5}, estimate: test}
- id: two
  name: Second step
  estimate: test
  exit: {sustain: 3, patience: 2}
  moves:
  - {id: dismantle_a, name: A dismantles, actor: A, kind: dismantle,
     cost: 2, power_shift: 0.1, verification: inspected, payoffs: {B: 3}, effects: {x: -20}, estimate: test}
  - {id: guarantee_b, name: B guarantees, actor: B, kind: guarantee,
     cost: 1, payoffs: {A: 2}, effects: {x: 10}, estimate: test}
policies:
- {id: nice, name: Both cooperate, strategies: {default: cooperate}, estimate: test}
- {id: mean, name: B defects, strategies: {A: tft, B: defect}, bundle: true, estimate: test}
- {id: bare, name: No guarantees, strategies: {default: cooperate}, guarantees: false, estimate: test}
"""


@pytest.fixture
def tiny_text() -> str:
    return TINY


@pytest.fixture
def tiny(two_actors):
    scenario = two_actors.model_copy(update={"name": "two"})
    return loads_process(TINY, source="tiny.yaml", scenario=scenario), scenario
