"""The compiled SMP kernels (the C extension and numba) give the numpy kernel's results to the last bit.

Every test runs once per compiled backend: ``ext`` (``detente.models._smp_ext``, built by
``pip install`` where a C compiler is found) and ``numba`` (``pip install detente[fast]``), each forced
on for small inputs too and compared with the numpy kernel (``USE_NUMBA`` off). A backend that is not
installed is skipped, unless ``DETENTE_REQUIRE_EXT=1`` (CI sets it), which makes a missing extension
a failure.
"""

from __future__ import annotations

import importlib
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.models import SMP
from detente.models import _smp_kernel as kernel
from detente.models.checks import scenario_from_arrays
from detente.scenarios import load_scenario


def _available(backend: str) -> bool:
    module = "detente.models._smp_ext" if backend == "ext" else "numba"
    try:
        importlib.import_module(module)
    except ImportError:
        if backend == "ext" and os.environ.get("DETENTE_REQUIRE_EXT") == "1":
            pytest.fail("the compiled SMP extension is required (DETENTE_REQUIRE_EXT=1) but was not built")
        return False
    return True


@pytest.fixture(params=["ext", "numba"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A compiled backend, forced at every size; the test switches between it and numpy."""
    if not _available(request.param):
        pytest.skip(f"the {request.param} backend is not installed")
    monkeypatch.setattr(kernel, "BACKEND", request.param)
    monkeypatch.setattr(kernel, "NUMBA_MIN_ACTORS", 0)
    return request.param


def _run(monkeypatch: pytest.MonkeyPatch, name: str, compiled: bool, **params: object) -> kernel.SMPRun:
    monkeypatch.setattr(kernel, "USE_NUMBA", compiled)
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
def test_compiled_runs_are_bit_identical_on_ktab_inputs(
    monkeypatch: pytest.MonkeyPatch, backend: str, name: str
) -> None:
    _assert_same(_run(monkeypatch, name, True), _run(monkeypatch, name, False))


@pytest.mark.parametrize("commit", ["FullCommit", "NoCommit"])
def test_compiled_calculus_is_bit_identical_under_every_commitment(
    monkeypatch: pytest.MonkeyPatch, backend: str, commit: str
) -> None:
    a = _run(monkeypatch, "ktab-soe", True, third_party_commit=commit)
    b = _run(monkeypatch, "ktab-soe", False, third_party_commit=commit)
    _assert_same(a, b)


def test_compiled_path_is_taken_only_where_it_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extension at every size; without it numba from NUMBA_MIN_ACTORS; numpy where neither applies."""
    monkeypatch.setattr(kernel, "USE_NUMBA", True)
    monkeypatch.setattr(kernel, "NUMBA_MIN_ACTORS", 10)
    prop = SMP().options()
    fake_ext = type("FakeExt", (), {"challenge_rows": "ext-rows", "coalition_matrix": "ext-coal"})
    monkeypatch.setattr(kernel, "_extension", lambda: fake_ext)
    assert kernel._compiled_calculus(prop, 3) == "ext-rows"  # no import cost: every size
    assert kernel._compiled_coalitions("Prop", 3) == "ext-coal"
    assert kernel._compiled_calculus(SMP(voting_rule="Cubic").options(), 50) is None
    assert kernel._compiled_calculus(SMP(third_party_swing=True).options(), 50) is None
    assert kernel._compiled_coalitions("Binary", 50) is None
    monkeypatch.setattr(kernel, "_extension", lambda: None)  # built without a compiler
    monkeypatch.setattr(kernel, "BACKEND", "ext")
    assert kernel._compiled_calculus(prop, 50) is None  # "ext" only: numpy
    monkeypatch.setattr(kernel, "BACKEND", None)
    if _available("numba"):
        assert kernel._compiled_calculus(prop, 10).__name__ == "challenge_rows"  # numba from 10 actors
    assert kernel._compiled_calculus(prop, 9) is None  # small: numpy, no compile cost
    monkeypatch.setattr(kernel, "USE_NUMBA", False)
    monkeypatch.setattr(kernel, "_extension", lambda: fake_ext)
    assert kernel._compiled_calculus(prop, 50) is None


def test_the_extension_is_what_runs_by_default() -> None:
    """With the extension built, a default forecast uses it, and never imports numba for the SMP."""
    if not _available("ext"):
        pytest.skip("the compiled SMP extension is not built")
    assert kernel.BACKEND is None
    if kernel.USE_NUMBA:  # not switched off by DETENTE_NUMBA=0
        assert kernel._compiled_calculus(SMP().options(), 7).__module__ == "detente.models._smp_ext"


def test_the_extension_refuses_arrays_of_the_wrong_shape() -> None:
    """Bad arguments raise ValueError instead of reading past an array."""
    if not _available("ext"):
        pytest.skip("the compiled SMP extension is not built")
    from detente.models import _smp_ext

    sq, v = np.zeros((4, 4)), np.zeros(4)
    with pytest.raises(ValueError, match="5 x 5"):
        _smp_ext.challenge_rows(np.zeros((5, 5)), sq, sq, sq, sq, sq, v, v, 1e-10, 0, sq, sq)
    with pytest.raises(ValueError, match="commitment"):
        _smp_ext.challenge_rows(sq, sq, sq, sq, sq, sq, v, v, 1e-10, 5, sq.copy(), sq.copy())
    with pytest.raises(ValueError, match="C-contiguous"):
        _smp_ext.coalition_matrix(v, np.asfortranarray(np.zeros((4, 3))), 1e-8, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="parties"):
        two = np.zeros((4, 2))
        _smp_ext.bargain_values(sq, two, two, np.array([0, 4]), np.array([1, 2]), two.copy())


@pytest.mark.parametrize("rule", ["SemiCommit", "FullCommit", "NoCommit"])
def test_compiled_runs_are_bit_identical_on_random_scenarios(
    monkeypatch: pytest.MonkeyPatch, backend: str, rule: str
) -> None:
    """Random 40-actor, 3-issue scenarios (ties and repeated positions included)."""
    rng = np.random.default_rng(len(rule))
    n, n_issues = 40, 3
    pos = rng.choice([0.0, 25.0, 50.0, 50.0, 80.0, 100.0], (n, n_issues)) + rng.uniform(0, 3, (n, n_issues))
    sal, cap = rng.uniform(5, 40, (n, n_issues)), rng.lognormal(0, 1, n) + 0.01
    s = scenario_from_arrays(np.minimum(pos, 100.0).round(1), sal.round(1), cap.round(3))
    runs = []
    for compiled in (True, False):
        monkeypatch.setattr(kernel, "USE_NUMBA", compiled)
        runs.append(SMP(third_party_commit=rule, max_turns=8).run(s))
    _assert_same(*runs)


def test_compiled_elections_match_numpy_coalitions(monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    rng = np.random.default_rng(7)
    w, u = rng.uniform(0, 2, 60), rng.uniform(-1, 1, (60, 70))
    monkeypatch.setattr(kernel, "USE_NUMBA", True)
    fast = kernel.coalitions(w, u, "Prop")
    monkeypatch.setattr(kernel, "USE_NUMBA", False)
    assert fast.tobytes() == kernel.coalitions(w, u, "Prop").tobytes()


def test_compiled_queue_elections_match_numpy_coalitions(
    monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    rng = np.random.default_rng(8)
    w, u = rng.uniform(0, 2, 40), rng.uniform(-1, 1, (9, 40, 4))  # 9 queues, 40 voters, 4 options
    monkeypatch.setattr(kernel, "USE_NUMBA", True)
    fast = kernel.coalitions(w, u, "Prop")
    monkeypatch.setattr(kernel, "USE_NUMBA", False)
    assert fast.tobytes() == kernel.coalitions(w, u, "Prop").tobytes()


@pytest.mark.parametrize("n_bargains", [1, 7, 60])
def test_compiled_bargain_values_match_numpy(
    monkeypatch: pytest.MonkeyPatch, backend: str, n_bargains: int
) -> None:
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
    monkeypatch.setattr(kernel, "USE_NUMBA", True)
    fast = kernel._bargain_values(st, y, sal, init, rcvr, bi, bj)
    monkeypatch.setattr(kernel, "USE_NUMBA", False)
    assert fast.tobytes() == kernel._bargain_values(st, y, sal, init, rcvr, bi, bj).tobytes()


@pytest.mark.parametrize("shape", [(50, 60), (1, 60), (60, 1), (9, 40, 4), (1, 40, 1), (3, 1, 5)])
def test_compiled_default_elections_match_numpy(
    monkeypatch: pytest.MonkeyPatch, backend: str, shape: tuple[int, ...]
) -> None:
    """Prop / Linear / Conditional elections (fused into one call by the extension), single and batched."""
    rng = np.random.default_rng(len(shape) * 100 + shape[-1])
    w, u = rng.uniform(0, 2, shape[-2]), rng.uniform(-1, 1, shape)
    u[..., 0, :2] = 0.25  # ties between options
    opts = SMP().options()
    monkeypatch.setattr(kernel, "USE_NUMBA", True)
    fast = kernel.scalar_pce(w, u, opts)
    monkeypatch.setattr(kernel, "USE_NUMBA", False)
    slow = kernel.scalar_pce(w, u, opts)
    assert fast.shape == slow.shape == shape[:-2] + shape[-1:]
    assert fast.tobytes() == slow.tobytes()


@pytest.mark.parametrize("m", [900, 1000])
def test_compiled_elections_hand_underflow_to_numpy(
    monkeypatch: pytest.MonkeyPatch, backend: str, m: int
) -> None:
    """Every option ties, so q = 0.5^m: below the 1e-280 guard at m = 1000 (the log path), not at 900."""
    w, u = np.ones(3), np.zeros((3, m))
    opts = SMP().options()
    monkeypatch.setattr(kernel, "USE_NUMBA", True)
    fast = kernel.scalar_pce(w, u, opts)
    monkeypatch.setattr(kernel, "USE_NUMBA", False)
    slow = kernel.scalar_pce(w, u, opts)
    assert fast.tobytes() == slow.tobytes()
    assert np.allclose(fast, 1.0 / m)
    if backend == "ext":  # the extension hands the election back rather than guess
        from detente.models import _smp_ext

        probs = np.empty((1, m))
        assert _smp_ext.elections(w, u[None], kernel.MIN_COALITION_PCE, probs) == (m < 1000)


def _forecast_or_error(s: object, compiled: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    from detente.errors import DetenteError

    monkeypatch.setattr(kernel, "USE_NUMBA", compiled)
    try:
        return SMP(max_turns=6).forecast(s, seed=0).model_dump_json()
    except DetenteError as exc:  # the same error either way
        return f"error: {exc}"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(2, 12),
    st.integers(1, 3),
    st.integers(0, 2**32 - 1),
    st.sampled_from([1.0, 1e-6, 1e6, 1e-200]),
)
def test_compiled_and_numpy_agree_on_random_and_extreme_scenarios(
    monkeypatch: pytest.MonkeyPatch, n: int, n_issues: int, seed: int, scale: float
) -> None:
    """Small scenarios with repeated positions, zero saliences and capabilities spread over many
    orders of magnitude (down to 1e-209; the format allows up to 1e15): the extension (when built)
    gives numpy's forecast, or numpy's error."""
    if not _available("ext"):
        pytest.skip("the compiled SMP extension is not built")
    rng = np.random.default_rng(seed)
    pos = rng.choice([0.0, 10.0, 50.0, 50.0, 99.5, 100.0], (n, n_issues))
    sal = rng.choice([0.0, 1.0, 30.0, 100.0], (n, n_issues))
    sal[:, 0] = np.maximum(sal[:, 0], 1.0)  # every actor cares about something
    s = scenario_from_arrays(pos, sal, np.minimum(scale * np.exp(rng.uniform(-20, 20, n)), 1e15))
    monkeypatch.setattr(kernel, "BACKEND", "ext")
    assert _forecast_or_error(s, True, monkeypatch) == _forecast_or_error(s, False, monkeypatch)


def test_scenario_from_arrays_puts_each_number_where_it_belongs():
    pos = np.array([[10.0, 20.0], [30.0, 40.0], [50.0, 60.0]])
    sal = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    s = scenario_from_arrays(pos, sal, np.array([0.5, 1.5, 2.5]), name="grid")
    assert s.name == "grid" and s.actor_ids == ("A000", "A001", "A002")
    assert [a.capability for a in s.actors] == [0.5, 1.5, 2.5]
    assert s.stance("A001", "x1").position == 40.0 and s.stance("A002", "x0").salience == 5.0
    assert len(s.stances) == 6
