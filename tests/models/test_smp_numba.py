"""The compiled (numba) SMP kernels give the numpy kernel's results to the last bit.

Both paths run here: the numpy kernel always (``USE_NUMBA`` off), the compiled one where numba is
installed (``pip install detente[fast]``); the compiled path is forced on for small inputs too.
"""

from __future__ import annotations

import numpy as np
import pytest

from detente.models import SMP
from detente.models import _smp_kernel as kernel
from detente.scenarios import load_scenario

numba = pytest.importorskip("numba", reason="numba is optional (pip install detente[fast])")


def _run(monkeypatch: pytest.MonkeyPatch, name: str, compiled: bool, **params: object) -> kernel.SMPRun:
    monkeypatch.setattr(kernel, "USE_NUMBA", compiled)
    monkeypatch.setattr(kernel, "NUMBA_MIN_ACTORS", 0)
    return SMP(**params).run(load_scenario(name))


def _assert_same(a: kernel.SMPRun, b: kernel.SMPRun) -> None:
    assert a.n_states == b.n_states
    assert a.ratios == b.ratios
    for pa, pb in zip(a.positions, b.positions, strict=True):
        assert pa.tobytes() == pb.tobytes()
    for sa, sb in zip(a.setups, b.setups, strict=True):
        assert sa.prob.tobytes() == sb.prob.tobytes() and sa.risk.tobytes() == sb.risk.tobytes()
    for ta, tb in zip(a.turns, b.turns, strict=True):
        assert ta.p.tobytes() == tb.p.tobytes() and ta.gain.tobytes() == tb.gain.tobytes()


@pytest.mark.parametrize("name", ["ktab-3dim", "ktab-soe", "ktab-6dim", "ktab-a040", "ktab-a080"])
def test_compiled_runs_are_bit_identical_on_ktab_inputs(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    _assert_same(_run(monkeypatch, name, True), _run(monkeypatch, name, False))


@pytest.mark.parametrize("commit", ["FullCommit", "NoCommit"])
def test_compiled_calculus_is_bit_identical_under_every_commitment(
    monkeypatch: pytest.MonkeyPatch, commit: str
) -> None:
    a = _run(monkeypatch, "ktab-soe", True, third_party_commit=commit)
    b = _run(monkeypatch, "ktab-soe", False, third_party_commit=commit)
    _assert_same(a, b)


def test_compiled_path_is_taken_only_where_it_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernel, "USE_NUMBA", True)
    monkeypatch.setattr(kernel, "NUMBA_MIN_ACTORS", 10)
    prop = SMP().options()
    assert kernel._compiled_calculus(prop, 10) is not None
    assert kernel._compiled_calculus(prop, 9) is None  # small: numpy, no compile cost
    assert kernel._compiled_calculus(SMP(voting_rule="Cubic").options(), 50) is None
    assert kernel._compiled_calculus(SMP(third_party_swing=True).options(), 50) is None
    assert kernel._compiled_coalitions("Prop", 50) is not None
    assert kernel._compiled_coalitions("Binary", 50) is None
    monkeypatch.setattr(kernel, "USE_NUMBA", False)
    assert kernel._compiled_calculus(prop, 50) is None


def test_compiled_elections_match_numpy_coalitions(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    w, u = rng.uniform(0, 2, 60), rng.uniform(-1, 1, (60, 70))
    monkeypatch.setattr(kernel, "NUMBA_MIN_ACTORS", 0)
    monkeypatch.setattr(kernel, "USE_NUMBA", True)
    fast = kernel.coalitions(w, u, "Prop")
    monkeypatch.setattr(kernel, "USE_NUMBA", False)
    assert fast.tobytes() == kernel.coalitions(w, u, "Prop").tobytes()


def test_compiled_queue_elections_match_numpy_coalitions(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(8)
    w, u = rng.uniform(0, 2, 40), rng.uniform(-1, 1, (9, 40, 4))  # 9 queues, 40 voters, 4 options
    monkeypatch.setattr(kernel, "NUMBA_MIN_ACTORS", 0)
    monkeypatch.setattr(kernel, "USE_NUMBA", True)
    fast = kernel.coalitions(w, u, "Prop")
    monkeypatch.setattr(kernel, "USE_NUMBA", False)
    assert fast.tobytes() == kernel.coalitions(w, u, "Prop").tobytes()


@pytest.mark.parametrize("n_bargains", [1, 7, 60])
def test_compiled_bargain_values_match_numpy(monkeypatch: pytest.MonkeyPatch, n_bargains: int) -> None:
    """Parties repeat across bargains (one actor in many), in no particular order."""
    rng = np.random.default_rng(n_bargains)
    n = 30
    d = rng.uniform(0, 1.5, (n, n))
    st = kernel.StateSetup(
        d, rng.uniform(-1, 1, n), d, rng.uniform(-1, 1, (n, n)), d[0], d[0], d[0], d[0], False, d[0]
    )
    init = rng.integers(0, n, n_bargains)
    rcvr = (init + rng.integers(1, n, n_bargains)) % n
    init[: n_bargains // 2] = 3  # actor 3 challenges many
    rcvr[n_bargains // 2 :: 2] = 3  # and is challenged by many
    rcvr[init == rcvr] = (rcvr[init == rcvr] + 1) % n
    y, sal = rng.uniform(0, 1, (n, 2)), rng.uniform(0.1, 1, (n, 2))
    bi, bj = rng.uniform(0, 1, (n_bargains, 2)), rng.uniform(0, 1, (n_bargains, 2))
    monkeypatch.setattr(kernel, "NUMBA_MIN_ACTORS", 0)
    monkeypatch.setattr(kernel, "USE_NUMBA", True)
    fast = kernel._bargain_values(st, y, sal, init, rcvr, bi, bj)
    monkeypatch.setattr(kernel, "USE_NUMBA", False)
    assert fast.tobytes() == kernel._bargain_values(st, y, sal, init, rcvr, bi, bj).tobytes()
