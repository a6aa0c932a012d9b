"""Parse KTAB's SMP reference logs (tests/data/ktab/*.txt) into arrays, for the replication tests.

The log format is described in section 20 of the SMP specification (``docs/smp.md`` summarises
it): per-turn positions in ``postn k , 0 :`` blocks, per-state probabilities in the ``prob :``
history lines, one ``Fractional change`` line per turn, risk attitudes per state, and the target
each actor chose in each turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LOG_DIR = Path(__file__).parents[1] / "data" / "ktab"

_PROB = re.compile(r"^(.+), prob :((?: \d+\.\d{4})+)$")
_STATES = re.compile(r"^There were (\d+) states, with (\d+) steps between them$")
_FRACTION = re.compile(r"^Fractional change compared to first step: (\d+\.\d{4})  \(target=0\.0200\)$")
_POSTN = re.compile(r"^postn (\d+) , 0 :$")
_TARGET = re.compile(r"^In turn (\d+) actor (\d+) has most advantageous target (\d+) worth (-?\d+\.\d{3})$")
_NO_TARGET = re.compile(r"^In turn (\d+) Actor (\d+) has no advantageous targets$")
_RCVR = re.compile(r"^Bargain \[\d+, (\d+):(\d+)\] from (\d+)'s perspective \(brgnIIJ\)$")
_COMP = re.compile(r"^Power-weighted compromise \[\d+, (\d+):(\d+)\] bargain \(brgnIJ\)$")
_EST = re.compile(
    r"^Est by +(\d+) of prob (\d\.\d{4}) that \[ *(\d+)> *(\d+)\], "
    r"with expected gain to +(\d+) of ([+-]\d\.\d{4})$"
)


@dataclass
class ReferenceLog:
    """The checkable numbers of one reference log.

    ``positions`` (states, actors, dims) on 0-100, state 0 from the input header;
    ``probabilities`` (states, actors); ``fractions`` one per turn; ``risk`` (states, actors);
    ``targets[t][i]`` the target of actor i in turn t (-1: none) with ``worth[t][i]``;
    ``estimates`` maps (turn, h, i, j, k) to (P, dEU) from the ``Est by`` lines;
    ``receiver_bargains`` and ``compromises`` map (turn, i, j) to the two positions (2, dims, 0-100)
    of the bargain "from j's perspective" and of the power-weighted compromise.
    """

    names: list[str]
    n_states: int
    positions: np.ndarray
    probabilities: np.ndarray
    fractions: np.ndarray
    risk: np.ndarray
    targets: list[list[int]]
    worth: list[list[float]]
    estimates: dict[tuple[int, int, int, int, int], tuple[float, float]]
    receiver_bargains: dict[tuple[int, int, int], np.ndarray]
    compromises: dict[tuple[int, int, int], np.ndarray]


def parse_log(path: Path) -> ReferenceLog:
    lines = [ln.rstrip() for ln in path.read_text(encoding="utf-8").splitlines()]
    n_actors = int(next(ln for ln in lines if ln.startswith("Number of actors:")).split(":")[1])
    n_dims = int(next(ln for ln in lines if ln.startswith("Number of dimensions:")).split(":")[1])
    x0 = np.zeros((n_actors, n_dims))
    for ln in lines:
        m = re.match(r"^pos\[(\d+), (\d+)\] = +(\d+\.\d+)$", ln)
        if m:
            x0[int(m.group(1)), int(m.group(2))] = float(m.group(3))
    states = [int(m.group(1)) for ln in lines if (m := _STATES.match(ln))]
    assert len(states) == 1
    probs = {}
    names = []
    fractions, postn, risk_blocks = [], [], []
    targets: dict[int, dict[int, tuple[int, float]]] = {}
    estimates: dict[tuple[int, int, int, int, int], tuple[float, float]] = {}
    receiver: dict[tuple[int, int, int], np.ndarray] = {}
    compromise: dict[tuple[int, int, int], np.ndarray] = {}
    turn = -1
    for k, ln in enumerate(lines):
        if m := _PROB.match(ln):
            names.append(m.group(1))
            probs[m.group(1)] = [float(v) for v in m.group(2).split()]
        elif m := _FRACTION.match(ln):
            fractions.append(float(m.group(1)))
        elif m := _POSTN.match(ln):
            postn.append((int(m.group(1)), [float(v) for v in lines[k + 1].split()]))
        elif ln == "Inferred risk attitudes:":
            risk_blocks.append([float(v) for v in lines[k + 1 : k + 1 + n_actors]])
        elif m := _TARGET.match(ln):
            turn = int(m.group(1))
            targets.setdefault(turn, {})[int(m.group(2))] = (int(m.group(3)), float(m.group(4)))
        elif m := _NO_TARGET.match(ln):
            turn = int(m.group(1))
            targets.setdefault(turn, {})[int(m.group(2))] = (-1, float("nan"))
        elif (m := _RCVR.match(ln)) and m.group(3) == m.group(2):
            i, j = int(m.group(1)), int(m.group(2))
            receiver[(turn, i, j)] = _proposal_lines(lines, k, rf"^ +{j} proposes", (i, j))
        elif m := _COMP.match(ln):
            i, j = int(m.group(1)), int(m.group(2))
            compromise[(turn, i, j)] = _proposal_lines(lines, k, r"^ +compromise proposes", (i, j))
        elif m := _EST.match(ln):
            h, i, j, kk = (int(m.group(g)) for g in (1, 3, 4, 5))
            estimates[(turn, h, i, j, kk)] = (float(m.group(2)), float(m.group(6)))
    n_states = states[0]
    positions = np.zeros((n_states, n_actors, n_dims))
    positions[0] = x0
    assert len(postn) == (n_states - 1) * n_actors
    for b, (actor, values) in enumerate(postn):
        assert actor == b % n_actors
        positions[1 + b // n_actors, actor] = values
    probabilities = np.array([probs[nm] for nm in names]).T
    n_turns = n_states - 1
    return ReferenceLog(
        names=names,
        n_states=n_states,
        positions=positions,
        probabilities=probabilities,
        fractions=np.array(fractions),
        risk=np.array(risk_blocks[:n_states]),
        targets=[[targets[t][i][0] for i in range(n_actors)] for t in range(n_turns)],
        worth=[[targets[t][i][1] for i in range(n_actors)] for t in range(n_turns)],
        estimates=estimates,
        receiver_bargains=receiver,
        compromises=compromise,
    )


def _proposal_lines(lines: list[str], k: int, prefix: str, pair: tuple[int, int]) -> np.ndarray:
    """The 'X proposes i adopt:' and '... j adopt:' lines after line k (other threads may interleave)."""
    found: dict[int, list[float]] = {}
    for ln in lines[k + 1 : k + 12]:
        m = re.match(prefix + r" +(\d+) adopt:(.*)$", ln)
        if m and int(m.group(1)) in pair and int(m.group(1)) not in found:
            found[int(m.group(1))] = [float(v) for v in m.group(2).split()]
        if len(found) == 2:
            break
    return np.array([found[pair[0]], found[pair[1]]])


REFERENCE_LOGS = {
    "ktab-3dim": "20170530_ref-dummyData_3Dim.txt",
    "ktab-soe": "20170530_ref-SOE-Pol-Comp.txt",
}
"""Embedded scenario name -> reference log file name."""


def load_reference(scenario_name: str) -> ReferenceLog:
    return parse_log(LOG_DIR / REFERENCE_LOGS[scenario_name])
