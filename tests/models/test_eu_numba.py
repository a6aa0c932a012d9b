"""The compiled (numba) expected-utility kernels give the numpy kernels' results to the last bit.

Both paths run here: the numpy kernels (``USE_NUMBA`` off) and the compiled ones, forced on for
small inputs too (``NUMBA_MIN_ACTORS`` 0). The reference replication of Scholz et al. is checked on
the numpy path in test_expected_utility.py; here the compiled path must give the same log.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from detente.models import ExpectedUtility, ExpectedUtilityMC
from detente.models import _eu_kernel as kernel
from detente.models.expected_utility import reference_log
from detente.scenarios import load_scenario

numba = pytest.importorskip("numba", reason="numba is optional (pip install detente[fast])")
from detente.models import _eu_numba as compiled  # noqa: E402


@pytest.fixture
def compiled_on(monkeypatch: pytest.MonkeyPatch):
    """A switch between the two paths, with the compiled one taken at any size."""
    monkeypatch.setattr(kernel, "NUMBA_MIN_ACTORS", 0)

    def use(on: bool) -> None:
        monkeypatch.setattr(kernel, "USE_NUMBA", on)

    return use


def test_pairwise_sum_is_numpys_sum_to_the_last_bit() -> None:
    rng = np.random.default_rng(0)
    sizes = [*range(0, 300), 1023, 1024, 1025, 4097, 65_536, 250_000, *rng.integers(300, 300_000, 40)]
    for n in sizes:
        x = np.abs(rng.standard_normal(n)) * 10.0 ** rng.integers(-4, 4, n)
        assert compiled.pairwise_sum(x) == np.add.reduce(x), n


def test_pow_array_is_cs_pow_to_the_last_bit() -> None:
    rng = np.random.default_rng(1)
    base = np.r_[0.0, 1.0, 0.5, rng.random(200_000) * 2]
    exponent = np.r_[0.5, 3.0, 1.0, rng.random(200_000) * 3 + 0.05]
    want = np.array([math.pow(b, e) for b, e in zip(base, exponent, strict=True)])
    assert compiled.pow_array(base, exponent).tobytes() == want.tobytes()


@pytest.mark.parametrize(
    ("normalisation", "sequential"), [("triple", True), ("triple", False), ("pair", False), ("pair", True)]
)
def test_compiled_probabilities_are_bit_identical(compiled_on, normalisation: str, sequential: bool) -> None:
    rng = np.random.default_rng(7)
    for n in (1, 2, 5, 17, 33, 160):
        x = np.round(rng.uniform(0, 100, n), rng.integers(0, 3))
        w = rng.uniform(0, 5, n) * (rng.random(n) > 0.1)  # some actors without weight
        r = rng.uniform(0.5, 2.0, n)
        delta = float(np.ptp(x)) or 1.0
        got = {}
        for on in (False, True):
            compiled_on(on)
            got[on] = kernel.probabilities(x, w, r, delta, normalisation, sequential=sequential)
        assert got[True].tobytes() == got[False].tobytes(), n


def test_compiled_path_reproduces_the_reference_log(compiled_on) -> None:
    compiled_on(False)
    want = reference_log(load_scenario("ec-emissions"), rounds=10)
    compiled_on(True)
    assert reference_log(load_scenario("ec-emissions"), rounds=10) == want


@pytest.mark.parametrize("params", [{}, {"summation": "actor_order"}, {"normalisation": "pair"}])
def test_compiled_forecasts_are_identical(compiled_on, params: dict[str, str]) -> None:
    s = load_scenario("ktab-a040")
    out = {}
    for on in (False, True):
        compiled_on(on)
        out[on] = ExpectedUtility(**params).forecast(s).model_dump_json()
    assert out[True] == out[False]


def test_compiled_monte_carlo_is_identical(compiled_on) -> None:
    s = load_scenario("ec-emissions")
    out = {}
    for on in (False, True):
        compiled_on(on)
        out[on] = ExpectedUtilityMC(runs=8).forecast(s, seed=3).model_dump_json()
    assert out[True] == out[False]


def test_compiled_path_is_taken_only_where_it_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernel, "USE_NUMBA", True)
    monkeypatch.setattr(kernel, "NUMBA_MIN_ACTORS", 150)
    assert kernel._compiled(150) is compiled
    assert kernel._compiled(149) is None  # small: numpy, no compile cost
    monkeypatch.setattr(kernel, "USE_NUMBA", False)
    assert kernel._compiled(1000) is None
