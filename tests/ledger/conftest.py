"""Shared fixtures of the ledger tests: a small question file and a ledger issued from it."""

from __future__ import annotations

import pytest

SMALL = """\
format: detente-ledger-questions/1
name: small test set
scenario: korea-2018-06
cutoff: '2019-12-31'
questions:
- id: talks-break
  text: Do the talks break down by the end of 2019?
  kind: binary
  resolution: {criterion: a summit ends without agreement, source: the timeline}
  resolve_by: 2019-12-31
  maps_to: {roadmap: {event: breakdown, policy: engagement, start_phase: talks}}
  baseline: {series: breakdown}
- id: tests
  text: Strategic-test months to the end of 2019?
  kind: continuous
  scale: {low: 0, high: 18, unit: months}
  resolution: {criterion: months with a strategic test, source: CNS}
  resolve_by: 2019-12-31
  maps_to: {roadmap: {event: test months, policy: engagement, start_phase: talks}}
  baseline: {series: test months}
- id: unsc
  text: A new sanctions resolution by the end of 2019?
  kind: binary
  resolution: {criterion: a resolution adopted, source: the timeline}
  resolve_by: 2019-12-31
  maps_to: {base_rate: {}}
  baseline: {series: sanctions resolution}
"""


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture
def small_ledger(tmp_path, small_file):
    """A SQLite ledger holding the three small forecasts (50 runs, seed 1)."""
    from detente.ledger.issue import issue
    from detente.ledger.questions import load_questions
    from detente.ledger.store import open_ledger

    store = open_ledger(tmp_path / "l.db")
    contents = issue(load_questions(small_file), runs=50, seed=1)
    store.append([(qid, "forecast", c) for qid, c in contents])
    return store
