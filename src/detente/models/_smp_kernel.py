"""Array kernel of the Spatial Model of Politics (KTAB's SMP), on the unit scale.

Everything here works on plain numpy arrays: positions and saliences in [0, 1] (input / 100),
capabilities as given. :func:`run_smp` runs the whole model; the smaller functions (voting,
victory probabilities, probabilistic Condorcet elections, the challenge calculus, bargains) are
public within detente so that tests can check them one by one against the specification
(``docs/smp.md``).

Evaluation order follows the specification wherever it can change the last bit of a result that
is later rounded: sums over voters and over third parties run in index order (a reduction over
the first axis of a C-ordered array is sequential in numpy), and the utility function is
evaluated as ``(1 - d) * (1 + d * R)``.

Memory: nothing of size N^3 is ever held at once. The challenge calculus and the elections are
computed in blocks of at most :data:`BLOCK` elements. With ``run_smp(..., keep_states=False)``
(what :meth:`detente.models.SMP.forecast` uses) only the current and the next state keep their
N x N arrays, so memory does not grow with the number of turns.

Compiled kernels: where the C extension :mod:`detente.models._smp_ext` was built (``pip install`` with
a C compiler), the challenge calculus, the elections and the bargain values run in it at every size;
without it, numba's (:mod:`detente.models._smp_numba`) run from :data:`NUMBA_MIN_ACTORS` actors where
numba is installed. Each computes the numpy kernel's operations in its order, so the results are the
same to the last bit (``tests/models/test_smp_compiled.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np

__all__ = [
    "BLOCK",
    "SMPOptions",
    "SMPRun",
    "StateSetup",
    "TurnRecord",
    "bargains",
    "challenge_decisions",
    "challenge_general",
    "coalitions",
    "distances",
    "pce",
    "receiver_bargains",
    "run_smp",
    "scalar_pce",
    "seq_prod",
    "seq_sum",
    "state_setup",
    "utility",
    "victory_probabilities",
    "vote",
]

BLOCK = 2_000_000
"""Largest number of array elements one vectorised step works on at a time."""

CACHE_BLOCK = 131_072
"""Elements per block in the challenge calculus: small enough for the buffers to stay in cache."""

THREADS: int | None = None
"""Threads for the challenge calculus (None: one per CPU). Each block is computed the same way
whichever thread runs it, so results do not depend on the number of threads."""

THREAD_MIN_WORK = 1_000_000
"""Below this many (initiator, target, third party) triples, the calculus runs in one thread."""

NUMBA_MIN_ACTORS = 150
"""Without the compiled extension, from this many actors on the challenge calculus, the elections and
the bargain values run compiled by numba when it is installed and :data:`USE_NUMBA` is true. Below,
importing numba (about 0.3 s of CPU and 100 MB) costs more than the compiled loops save in one run."""

USE_NUMBA = os.environ.get("DETENTE_NUMBA", "1") != "0"
"""Use compiled kernels (the extension, or numba) where available (environment: ``DETENTE_NUMBA=0``
turns both off). Results are the same to the last bit either way (tested)."""

BACKEND: str | None = None
"""Which compiled kernels to use: ``None`` the best available (the extension ``_smp_ext`` at every
size, else numba from :data:`NUMBA_MIN_ACTORS` actors), ``"ext"`` or ``"numba"`` only that one (tests
use these to check each path against numpy)."""


@functools.cache
def _extension() -> ModuleType | None:
    """The compiled extension :mod:`detente.models._smp_ext`, or None where it was not built.

    Looked up once: the kernels ask for it about 50 times per turn.
    """
    try:
        from detente.models import _smp_ext
    except ImportError:  # built without a C compiler: numba or numpy
        return None
    return _smp_ext


def _compiled(name: str, n: int) -> Callable[..., None] | None:
    """The compiled kernel ``name`` for a problem of ``n`` actors (or voters), or None (numpy)."""
    if not USE_NUMBA:
        return None
    if BACKEND in (None, "ext"):
        ext = _extension()
        if ext is not None:
            return getattr(ext, name)
        if BACKEND == "ext":
            return None
    if n < NUMBA_MIN_ACTORS:
        return None
    try:
        from detente.models import _smp_numba
    except ImportError:  # numba not installed: the numpy kernel
        return None
    return getattr(_smp_numba, name, None)  # the fused elections are the extension's only


def _compiled_calculus(opts: SMPOptions, n: int) -> Callable[..., None] | None:
    """The compiled challenge calculus for these options, or None (numpy) if it does not apply."""
    if opts.voting_rule != "Prop" or opts.third_party_swing:
        return None
    return _compiled("challenge_rows", n)


def _compiled_bargain_values(n: int) -> Callable[..., None] | None:
    """The compiled bargain values for ``n`` actors, or None (numpy)."""
    return _compiled("bargain_values", n)


def _compiled_coalitions(rule: str, m: int) -> Callable[..., None] | None:
    """The compiled coalition strengths of one Prop election among ``m`` options, or None (numpy)."""
    return _compiled("coalition_matrix", m) if rule == "Prop" else None


def _compiled_coalition_batch(rule: str, k_voters: int) -> Callable[..., None] | None:
    """The compiled coalition strengths of a batch of Prop elections with ``k_voters`` voters, or None.

    The queue elections: a few options each, voted on by every actor.
    """
    return _compiled("coalition_batch", k_voters) if rule == "Prop" else None


MIN_COALITION_PCE = 1e-8
MIN_COALITION_CHALLENGE = 1e-10
BINARY_THRESHOLD = 1e-8
TARGET_THRESHOLD = 1e-5
BARGAIN_OFFSET = 1e-6
SAME_POSITION = 1e-3
STOP_OFFSET = 1e-4


@dataclass(frozen=True)
class SMPOptions:
    """The model's switches, with KTAB's names for their values (see ``docs/smp.md``)."""

    voting_rule: str = "Prop"
    victory_model: str = "Linear"
    pce_model: str = "Conditional"
    state_transitions: str = "Deterministic"
    risk_range: str = "Mid"
    risk_adjustment: str = "OneThird"
    third_party_commit: str = "SemiCommit"
    bargain_interpolation: str = "S2P2"
    bargain_model: str = "InitOnlyInterp"
    binding_bargains: bool = False
    third_party_swing: bool = False
    max_turns: int = 100
    min_turns: int = 2
    stop_ratio: float = 0.02


def seq_sum(a: np.ndarray) -> np.ndarray:
    """Sum over axis 0 strictly in index order (``a[0] + a[1] + ...``), as a loop would.

    numpy sums a contiguous axis pairwise, which can differ in the last bit; reducing the first
    axis of a C-ordered array whose other axes hold at least two elements is sequential, and
    ``accumulate`` always is.
    """
    a = np.ascontiguousarray(a)
    if a.ndim >= 2 and a[0].size >= 2:
        return np.add.reduce(a, axis=0)
    return np.add.accumulate(a, axis=0)[-1]


def seq_prod(a: np.ndarray) -> np.ndarray:
    """Product over axis 0 strictly in index order."""
    a = np.ascontiguousarray(a)
    if a.ndim >= 2 and a[0].size >= 2:
        return np.multiply.reduce(a, axis=0)
    return np.multiply.accumulate(a, axis=0)[-1]


# --- elementary pieces ------------------------------------------------------------------------------


def vote(w: np.ndarray | float, ua: np.ndarray, ub: np.ndarray, rule: str) -> np.ndarray:
    """Signed vote of a voter with weight ``w`` for option a (utility ``ua``) over b (``ub``)."""
    du = ua - ub
    if rule == "Prop":
        if np.shape(w) == () or np.broadcast_shapes(du.shape, np.shape(w)) == du.shape:
            du *= w  # in place: same value as w * du
            return du
        return w * du
    if rule == "Binary":
        return w * np.clip(du / BINARY_THRESHOLD, -1.0, 1.0)
    if rule == "PropBin":
        return w * (0.8 * du + 0.2 * np.clip(du / BINARY_THRESHOLD, -1.0, 1.0))
    if rule == "PropCbc":
        return w * (0.5 * du + 0.5 * du * du * du)
    if rule == "Cubic":
        return w * (du * du * du)
    if rule == "ASymProsp":
        return np.where(du < 0, w * du, np.where(du > 0, (2.0 / 3.0) * w * du, 0.0 * du))
    raise ValueError(f"unknown voting rule {rule!r}")


def utility(d: np.ndarray, r: np.ndarray | float) -> np.ndarray:
    """Utility of a point at distance ``d`` for risk attitude ``r``: ``(1 - d) * (1 + min(d, 1) * r)``."""
    return (1.0 - d) * (1.0 + np.minimum(d, 1.0) * r)


def distances(ideals: np.ndarray, sal: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``out[i, j]``: salience-weighted distance from actor i's ideal to point j (unit scale)."""
    n_dims = ideals.shape[1]
    num = np.zeros((ideals.shape[0], points.shape[0]))
    den = np.zeros(ideals.shape[0])
    for k in range(n_dims):  # sequential over dimensions, as specified
        diff = sal[:, k, None] * (ideals[:, k, None] - points[None, :, k])
        num = num + diff * diff
        den = den + sal[:, k] * sal[:, k]
    return np.sqrt(num / den[:, None])


def coalitions(w: np.ndarray, u: np.ndarray, rule: str) -> np.ndarray:
    """Coalition strengths ``C[..., a, b]`` from voter weights ``w`` (K,) and utilities ``u`` (..., K, M).

    ``C(a, b) = 1e-8 + sum_k vote(w_k, u_ka, u_kb)+`` summed over voters in index order, and
    ``C(a, a) = 1e-8``. Leading axes of ``u`` are independent elections.
    """
    u = np.asarray(u, dtype=float)
    lead, (k_voters, m) = u.shape[:-2], u.shape[-2:]
    # compiled from NUMBA_MIN_ACTORS voters or options on (the numpy blocks hold up to BLOCK elements)
    compiled = _compiled_coalitions(rule, max(m, k_voters)) if not lead and k_voters else None
    if compiled is not None:
        out = np.empty((m, m))
        compiled(np.ascontiguousarray(w, dtype=float), np.ascontiguousarray(u), MIN_COALITION_PCE, out)
        return out
    batch = _compiled_coalition_batch(rule, k_voters) if len(lead) == 1 and k_voters else None
    if batch is not None:
        out = np.empty((*lead, m, m))
        batch(np.ascontiguousarray(w, dtype=float), np.ascontiguousarray(u), MIN_COALITION_PCE, out)
        return out
    uk = np.ascontiguousarray(np.moveaxis(u, -2, 0))  # (K, ..., M), C order: sums run in voter order
    acc = np.full((*lead, m, m), MIN_COALITION_PCE)
    per_voter = max(1, m * m * int(np.prod(lead, dtype=np.int64)))
    step = max(1, BLOCK // per_voter)
    wshape = (-1,) + (1,) * (len(lead) + 2)
    for start in range(0, k_voters, step):
        block = uk[start : start + step]
        wb = w[start : start + step].reshape(wshape)
        v = vote(wb, block[..., :, None], block[..., None, :], rule)
        np.maximum(v, 0.0, out=v)
        v[0] += acc  # sequential: acc + v_0 + v_1 + ...
        acc = seq_sum(v)
    idx = np.arange(m)
    acc[..., idx, idx] = MIN_COALITION_PCE
    return acc


def victory_probabilities(c: np.ndarray, model: str) -> np.ndarray:
    """``V[..., a, b]``, the probability that option a beats b, from coalition strengths ``c``."""
    ct = np.swapaxes(c, -1, -2)
    if model == "Binary":
        ratio = c / (c + ct)
        v = np.where(
            c >= 1.1 * ct,
            1.0 / (1.0 + 1e-6),
            np.where(ct >= 1.1 * c, 1e-6 / (1.0 + 1e-6), (2.1 * ratio - 1.0) / 0.1),
        )
    else:
        power = {"Linear": 1, "Square": 2, "Quartic": 4, "Octic": 8}[model]
        a = c**power if power > 1 else c
        b = ct**power if power > 1 else ct
        v = a / (a + b)
    m = c.shape[-1]
    idx = np.arange(m)
    v[..., idx, idx] = 0.5
    return v


def pce(v: np.ndarray, c: np.ndarray, model: str) -> np.ndarray:
    """Probabilistic Condorcet election: option probabilities (..., M) from ``V`` (and ``C``)."""
    if model == "Conditional":
        q = seq_prod(np.moveaxis(v, -1, 0))  # product over b, in order
        top = q.max(axis=-1, keepdims=True)
        if np.any(top < 1e-280):  # underflow with many options: same quantity in logs
            logq = seq_sum(np.log(np.moveaxis(v, -1, 0)))
            alt = np.exp(logq - logq.max(axis=-1, keepdims=True))
            q = np.where(top < 1e-280, alt, q)
        return q / seq_sum(np.moveaxis(q, -1, 0))[..., None]
    m = v.shape[-1]
    lead = v.shape[:-2]
    p = np.full((*lead, m), 1.0 / m)
    active = np.ones(lead, dtype=bool)
    if model == "MarkovUniform":
        tol = 1e-6
        for _ in range(1000):
            q = (1.0 / m) * np.einsum("...ab,...ab->...a", v, p[..., :, None] + p[..., None, :])
            change = np.abs(q - p).max(axis=-1)
            newp = (p + q) / 2.0
            p = np.where(active[..., None], newp, p)
            active = active & (change > tol)
            if not active.any():
                return p
    elif model == "MarkovIncentive":
        tol = 1e-8
        inc = c * v  # n(b, a) with b the row
        idx = np.arange(m)
        inc[..., idx, idx] += 1e-10
        h = inc / inc.sum(axis=-2, keepdims=True)  # h[b, a] = n(b, a) / sum_k n(k, a)
        for _ in range(1000):
            t = p[..., :, None] * np.swapaxes(h, -1, -2)  # T(a, b) = p_a h(b | a)
            q = np.einsum("...ab,...ab->...a", v, t + np.swapaxes(t, -1, -2))
            change = np.abs(q - p).max(axis=-1)
            newp = (p + q) / 2.0
            p = np.where(active[..., None], newp, p)
            active = active & (change > tol)
            if not active.any():
                return p
    else:
        raise ValueError(f"unknown PCE model {model!r}")
    raise ArithmeticError("the Markov PCE did not converge in 1000 iterations")


def scalar_pce(w: np.ndarray, u: np.ndarray, opts: SMPOptions) -> np.ndarray:
    """Option probabilities from voter weights ``w`` (K,) and utilities ``u`` (..., K, M)."""
    u = np.asarray(u, dtype=float)
    if u.ndim in (2, 3) and (opts.voting_rule, opts.victory_model, opts.pce_model) == (
        "Prop",
        "Linear",
        "Conditional",
    ):  # the default options: one compiled call for the elections, where the extension is built
        fused = _compiled("elections", max(u.shape[-2:]))
        if fused is not None:
            batch = np.ascontiguousarray(u if u.ndim == 3 else u[None], dtype=float)
            probs = np.empty((batch.shape[0], batch.shape[2]))
            if fused(np.ascontiguousarray(w, dtype=float), batch, MIN_COALITION_PCE, probs):
                return probs if u.ndim == 3 else probs[0]
            # an election's products underflowed: the numpy kernel, which then works in logs
    c = coalitions(w, u, opts.voting_rule)
    return pce(victory_probabilities(c, opts.victory_model), c, opts.pce_model)


# --- the state and its set-up -----------------------------------------------------------------------


@dataclass
class StateSetup:
    """What every state computes before (or after) a turn: distances, risk attitudes, utilities.

    ``d[i, j]`` distance from i's ideal to j's position; ``risk`` R_i; ``rho[h, i]`` h's estimate
    of i's risk attitude; ``uobj[i, j] = u(d_ij, R_i)``; ``prob`` the reported probability of each
    actor's position (section 17 of the specification); ``risk_neutral`` the PCE used for R.
    """

    d: np.ndarray
    risk: np.ndarray
    rho: np.ndarray
    uobj: np.ndarray
    risk_neutral: np.ndarray
    prob: np.ndarray
    groups: np.ndarray
    group_prob: np.ndarray
    degenerate: bool
    rep: np.ndarray

    def released(self) -> StateSetup:
        """A copy of the state without its N x N arrays (``d``, ``rho``, ``uobj``: empty (0, 0) arrays).

        What the history of a run needs (risk attitudes, reported probabilities, groups) stays;
        what only the next turn's challenge calculus needs goes, so a long run's memory does not
        grow with its turns.
        """
        empty = np.empty((0, 0))
        return dataclasses.replace(self, d=empty, rho=empty, uobj=empty)

    @property
    def is_released(self) -> bool:
        """True if the N x N arrays were dropped (see :meth:`released`)."""
        return self.d.size == 0 and self.risk.size > 0


def _risk_attitudes(p: np.ndarray, risk_range: str) -> tuple[np.ndarray, bool]:
    pmin, pmax = p.min(), p.max()
    if not pmax > pmin:  # all options equally likely (e.g. consensus): risk neutral
        return np.zeros_like(p), True
    if risk_range == "Mid":
        return (3.0 * p - (pmax + 2.0 * pmin)) / (2.0 * (pmax - pmin)), False
    if risk_range == "Min":
        return (p - pmin) / (pmax - pmin), False
    if risk_range == "Max":
        return (2.0 * p - (pmax + pmin)) / (pmax - pmin), False
    raise ValueError(f"unknown risk range {risk_range!r}")


def _perceived(risk: np.ndarray, adjustment: str) -> np.ndarray:
    rh, ri = risk[:, None], risk[None, :]
    if adjustment == "OneThird":
        rho = (2.0 * rh + ri) / 3.0
    elif adjustment == "Half":
        rho = (rh + ri) / 2.0
    elif adjustment == "TwoThirds":
        rho = (rh + 2.0 * ri) / 3.0
    elif adjustment == "None":
        rho = np.broadcast_to(rh, (len(risk), len(risk))).copy()
    elif adjustment == "Full":
        rho = np.broadcast_to(ri, (len(risk), len(risk))).copy()
    else:
        raise ValueError(f"unknown risk adjustment {adjustment!r}")
    np.fill_diagonal(rho, risk)
    return rho


def group_positions(x: np.ndarray) -> np.ndarray:
    """Group representatives: ``rep[i]`` is the first actor of i's equivalence group (scan order)."""
    n = x.shape[0]
    rep = np.empty(n, dtype=np.int64)
    is_rep = np.zeros(n, dtype=bool)
    step = max(1, CACHE_BLOCK // max(1, n * x.shape[1]))
    for start in range(0, n, step):  # distances of a block of actors to every actor at once
        diff = x[None, :, :] - x[start : start + step, None, :]
        close = np.sqrt((diff * diff).sum(axis=-1)) < SAME_POSITION  # [i, r]: same bits as one by one
        del diff
        for i in range(start, min(n, start + step)):  # greedy scan: the first representative within reach
            hit = close[i - start, :i] & is_rep[:i]
            first = int(hit.argmax()) if i else 0
            if i and hit[first]:
                rep[i] = first
            else:
                is_rep[i] = True
                rep[i] = i
    return rep


def state_setup(
    x: np.ndarray, y: np.ndarray, sal: np.ndarray, cap: np.ndarray, opts: SMPOptions
) -> StateSetup:
    """Section 9 (risk attitudes, utilities) and section 17 (reported forecast) for one state."""
    d = distances(y, sal, x)
    u0 = 1.0 - d
    p = scalar_pce(cap, u0, opts)
    risk, degenerate = _risk_attitudes(p, opts.risk_range)
    rho = _perceived(risk, opts.risk_adjustment)
    uobj = utility(d, risk[:, None])
    # reported forecast: PCE over unique positions, each actor's own risk-aware utilities
    rep = group_positions(x)
    reps = np.flatnonzero(rep == np.arange(len(rep)))
    gp = scalar_pce(cap, uobj[:, reps], opts)
    # an actor's probability is that of the last group whose representative is within 1e-3
    diff = x[:, None, :] - x[None, reps, :]
    close = np.sqrt((diff * diff).sum(axis=-1)) < SAME_POSITION
    last = close.shape[1] - 1 - np.argmax(close[:, ::-1], axis=1)
    return StateSetup(d, risk, rho, uobj, p, gp[last], reps, gp, degenerate, rep)


# --- the challenge calculus --------------------------------------------------------------------------

_COMMITS = {"SemiCommit": 0, "FullCommit": 1, "NoCommit": 2}
"""Third-party commitment rules by the code the compiled calculus takes."""


def _contest(
    uii: np.ndarray,
    uij: np.ndarray,
    uji: np.ndarray,
    ujj: np.ndarray,
    wi: np.ndarray,
    wj: np.ndarray,
    uni: np.ndarray,
    unj: np.ndarray,
    unn: np.ndarray,
    wn: np.ndarray,
    zero: list[tuple[np.ndarray, ...]],
    opts: SMPOptions,
) -> np.ndarray:
    """P(i beats j) for a batch of contests (section 10 of the specification).

    Third-party arrays have the third party n on axis 0 (``unj`` full size; ``uni``, ``unn`` and
    ``wn`` may broadcast); ``zero`` lists index tuples of the entries where n is i or j. Works in
    place on a few full-size buffers; every value is computed with the specification's order.
    """
    rule = opts.voting_rule
    vi = vote(wi, uii, uij, rule)
    vj = vote(wj, uji, ujj, rule)
    a0 = MIN_COALITION_CHALLENGE + np.maximum(vi, 0.0) + np.maximum(vj, 0.0)
    b0 = MIN_COALITION_CHALLENGE + np.maximum(-vi, 0.0) + np.maximum(-vj, 0.0)
    vp = vote(wn, uni, unj, rule)  # v_n, then its positive part
    vm = np.maximum(vp, 0.0)
    np.subtract(vm, vp, out=vp)  # max(-v, 0) == max(v, 0) - v exactly
    vp, vm = vm, vp
    commit = opts.third_party_commit
    if commit not in ("SemiCommit", "FullCommit", "NoCommit"):
        raise ValueError(f"unknown third-party commitment {commit!r}")
    if opts.third_party_swing:
        mag = vp + vm
        pi_i = (a0 + mag) / (a0 + mag + b0)
        pi_j = a0 / (a0 + b0 + mag)
        del mag
    else:
        np.add(vp, a0, out=vp)  # A0 + v+
        den = vp + b0
        den += vm
        pi_i = np.divide(vp, den, out=vp)
        pi_j = pi_i
        del den
    del vm
    # U_join_i = pi_i [ik>j] + (1 - pi_i) [j>ik];  U_join_j = pi_j [i>jk] + (1 - pi_j) [jk>i]
    if commit == "SemiCommit":
        ik_j, i_jk = 2.0 * uni + unn, 3.0 * uni
        j_ik = 3.0 * unj
        jk_i = 2.0 * unj
        jk_i += unn
    elif commit == "FullCommit":
        ik_j, i_jk = 3.0 * uni, 3.0 * uni
        j_ik = 3.0 * unj
        jk_i = j_ik
    else:
        ik_j, i_jk = 2.0 * uni + unn, 2.0 * uni + unn
        j_ik = 2.0 * unj
        j_ik += unn
        jk_i = j_ik
    omp_i = 1.0 - pi_i
    join_i = pi_i * ik_j
    np.multiply(omp_i, j_ik, out=omp_i)
    join_i += omp_i
    omp_j = np.subtract(1.0, pi_j, out=omp_i)
    np.multiply(omp_j, jk_i, out=omp_j)
    join_j = np.multiply(pi_j, i_jk, out=pi_j)  # pi_j is not needed after this
    join_j += omp_j
    del omp_j, j_ik, jk_i
    t = vote(wn, join_i, join_j, rule)
    del join_i, join_j
    for idx in zero:
        t[idx] = 0.0
    tp = np.maximum(t, 0.0)
    tm = np.subtract(tp, t, out=t)  # max(-t, 0)
    tp[0] += a0  # A = A0 + t_0+ + t_1+ + ... in order
    tm[0] += b0
    big_a = seq_sum(tp)
    big_b = seq_sum(tm)
    return big_a / (big_a + big_b)


def _gain(p: np.ndarray, uki: np.ndarray, ukj: np.ndarray, sj: np.ndarray) -> np.ndarray:
    eu_sq = uki + ukj
    eu_vict = 2.0 * uki
    eu_cntst = p * 2.0 * uki + (1.0 - p) * 2.0 * ukj
    eu_chlg = (1.0 - sj) * eu_vict + sj * eu_cntst
    return eu_chlg - eu_sq


def challenge_decisions(
    st: StateSetup, total_sal: np.ndarray, cap: np.ndarray, opts: SMPOptions
) -> tuple[np.ndarray, np.ndarray]:
    """``(P, dEU)``, each (N, N): row i is i's own estimate of challenging each target j.

    Computed in blocks of initiators so that at most :data:`BLOCK` elements are live per array.
    The diagonal (i = j) is meaningless and set to P = 0.5, dEU = 0.
    """
    d, rho = st.d, st.rho
    n = d.shape[0]
    w = total_sal * cap
    one_minus = 1.0 - d
    dmin = np.minimum(d, 1.0)
    rho_t = rho.T  # rho_t[n, i] = rho[i, n]
    uni_t = one_minus * (1.0 + dmin * rho_t)  # [n, i] = u(d_ni, rho_in)
    unn_t = np.diag(one_minus)[:, None] * (1.0 + np.diag(dmin)[:, None] * rho_t)  # [n, i]
    uobj = st.uobj
    p_out = np.full((n, n), 0.5)
    g_out = np.zeros((n, n))
    compiled = _compiled_calculus(opts, n) if opts.third_party_commit in _COMMITS else None
    if compiled is not None:
        c = np.ascontiguousarray  # the extension takes C-ordered arrays (numba any order)
        compiled(
            c(uobj), c(uni_t), c(unn_t), c(dmin), c(rho_t), c(one_minus), c(w), c(total_sal),
            MIN_COALITION_CHALLENGE, _COMMITS[opts.third_party_commit], p_out, g_out,
        )  # fmt: skip
        return p_out, g_out
    step = max(1, CACHE_BLOCK // max(1, n * n))
    ar = np.arange(n)

    def block(start: int) -> None:
        ib = ar[start : start + step]
        # third-party arrays, shape (n, b, n) = [third n, initiator i, target j]
        unj = dmin[:, None, :] * rho_t[:, ib, None]
        unj += 1.0
        unj *= one_minus[:, None, :]  # u(d_nj, rho_in)
        uni = uni_t[:, ib, None]
        unn = unn_t[:, ib, None]
        loc = np.arange(len(ib))
        zero = [(ib, loc, slice(None)), (ar, slice(None), ar)]  # third party n == i, n == j
        uii = np.diag(uobj)[ib, None]
        uij = uobj[ib, :]
        uji = uni_t.T[ib, :]  # u^i_ji = u(d_ji, rho_ij)
        ujj = unn_t.T[ib, :]
        p = _contest(uii, uij, uji, ujj, w[ib, None], w[None, :], uni, unj, unn, w[:, None, None], zero, opts)
        p_out[ib] = p  # blocks write disjoint rows: threads never share an output element
        g_out[ib] = _gain(p, uii, uij, total_sal[None, :])

    starts = list(range(0, n, step))
    threads = min(len(starts), THREADS or os.cpu_count() or 1)
    if threads > 1 and n * n * n >= THREAD_MIN_WORK:
        from concurrent.futures import ThreadPoolExecutor  # here: a small forecast never needs it

        with ThreadPoolExecutor(max_workers=threads) as pool:  # numpy releases the GIL in ufuncs
            list(pool.map(block, starts))
    else:
        for start in starts:
            block(start)
    p_out[ar, ar] = 0.5
    g_out[ar, ar] = 0.0
    return p_out, g_out


def challenge_general(
    st: StateSetup,
    total_sal: np.ndarray,
    cap: np.ndarray,
    h: np.ndarray,
    k: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    opts: SMPOptions,
) -> tuple[np.ndarray, np.ndarray]:
    """``(P, dEU)`` of ``challenge(h, k, i, j)`` for arrays of L perspectives (section 10)."""
    d, rho = st.d, st.rho
    w = total_sal * cap
    rho_h = np.ascontiguousarray(rho[h, :].T)  # (n, L): rho[h, n]; C order keeps sums over n sequential
    diag = np.diag(d)[:, None]
    uni = utility(d[:, i], rho_h)
    unj = utility(d[:, j], rho_h)
    unn = utility(diag, rho_h)
    loc = np.arange(len(i))
    zero = [(i, loc), (j, loc)]
    uii = utility(d[i, i], rho[h, i])
    uij = utility(d[i, j], rho[h, i])
    uji = utility(d[j, i], rho[h, j])
    ujj = utility(d[j, j], rho[h, j])
    p = _contest(uii, uij, uji, ujj, w[i], w[j], uni, unj, unn, w[:, None], zero, opts)
    uki = utility(d[k, i], rho[h, k])
    ukj = utility(d[k, j], rho[h, k])
    return p, _gain(p, uki, ukj, total_sal[j])


# --- bargains and queues -----------------------------------------------------------------------------


def _round4(z: np.ndarray) -> np.ndarray:
    return np.floor(10000.0 * z + 0.5) / 10000.0


def bargains(
    xi: np.ndarray, xj: np.ndarray, si: np.ndarray, sj: np.ndarray, p_i: np.ndarray, kind: str
) -> tuple[np.ndarray, np.ndarray]:
    """New positions ``(b_i, b_j)`` (L, D) for L bargains, given the initiator's win probability p_i (L,)."""
    p_i = p_i[:, None]
    p_j = 1.0 - p_i
    if kind in ("S2P2", "S1P1"):
        if kind == "S2P2":
            wi = (si * si) * (p_i * p_i)
            wj = (sj * sj) * (p_j * p_j)
        else:
            wi = si * p_i
            wj = sj * p_j
        den = wi + BARGAIN_OFFSET + wj
        bi = _round4(((wi + BARGAIN_OFFSET) * xi + wj * xj) / den)
        bj = _round4((wi * xi + (wj + BARGAIN_OFFSET) * xj) / den)
        return bi, bj
    if kind == "S2PMax":
        ei = np.maximum(0.0, p_j - p_i)
        fi = ei * sj * sj / (ei * sj * sj + BARGAIN_OFFSET + (1.0 - ei) * si * si)
        ej = np.maximum(0.0, p_i - p_j)
        fj = ej * si * si / (ej * si * si + BARGAIN_OFFSET + (1.0 - ej) * sj * sj)
        return xi + fi * (xj - xi), xj + fj * (xi - xj)
    raise ValueError(f"unknown bargain interpolation {kind!r}")


def receiver_bargains(
    st: StateSetup,
    x: np.ndarray,
    sal: np.ndarray,
    cap: np.ndarray,
    init: np.ndarray,
    rcvr: np.ndarray,
    opts: SMPOptions,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bargains of KTAB's non-default bargain models for challenges ``init[m] -> rcvr[m]``.

    Returns ``(r_i, r_j, c_i, c_j)``: the bargain "from the receiver's perspective" (interpolated,
    as KTAB does, with the receiver's estimate of the initiator's expected gain in place of a
    probability), and the power-weighted compromise of the two bargains (weights c_i S_i and
    c_i S_j, KTAB's, not rounded). See "Known quirks" in ``docs/smp.md``.
    """
    total_sal = np.zeros(len(cap))
    for k in range(sal.shape[1]):
        total_sal = total_sal + sal[:, k]
    p_i = challenge_decisions_for(st, total_sal, cap, init, rcvr, opts)
    bi, bj = bargains(x[init], x[rcvr], sal[init], sal[rcvr], p_i, opts.bargain_interpolation)
    _, gain = challenge_general(st, total_sal, cap, rcvr, init, init, rcvr, opts)
    ri, rj = bargains(x[init], x[rcvr], sal[init], sal[rcvr], gain, opts.bargain_interpolation)
    wa = (cap[init] * total_sal[init])[:, None]
    wb = (cap[init] * total_sal[rcvr])[:, None]
    return ri, rj, (wa * bi + wb * ri) / (wa + wb), (wa * bj + wb * rj) / (wa + wb)


def challenge_decisions_for(
    st: StateSetup,
    total_sal: np.ndarray,
    cap: np.ndarray,
    init: np.ndarray,
    rcvr: np.ndarray,
    opts: SMPOptions,
) -> np.ndarray:
    """The initiators' own win probabilities ``challenge(i, i, i, j).P`` for given pairs."""
    p, _ = challenge_general(st, total_sal, cap, init, init, init, rcvr, opts)
    return p


@dataclass
class TurnRecord:
    """One turn: who challenged whom, the bargains, and what each queue chose.

    ``target[i]`` is i's target (-1: no advantageous target); ``p`` and ``gain`` i's estimate of its
    win probability and expected gain against that target. ``bargain_init``, ``bargain_rcvr`` and
    ``bargain_i``/``bargain_j`` (positions, unit scale) list the proposed bargains in canonical
    order; ``chosen[k]`` is the bargain index actor k's queue chose (-1: status quo).
    """

    target: np.ndarray
    p: np.ndarray
    gain: np.ndarray
    bargain_init: np.ndarray
    bargain_rcvr: np.ndarray
    bargain_i: np.ndarray
    bargain_j: np.ndarray
    chosen: np.ndarray
    queue_prob: list[np.ndarray] = field(default_factory=list)

    def released(self) -> TurnRecord:
        """A copy without the bargains and queue probabilities (targets and choices stay).

        For a caller that has reported the turn and keeps only the run's outline: releasing each
        turn once reported lowers the traced peak of a 640-actor forecast by about 6 MiB.
        """
        none = np.empty(0)
        return TurnRecord(self.target, self.p, self.gain, none, none, none, none, self.chosen, [])


def _bargain_values(
    st: StateSetup, y: np.ndarray, sal: np.ndarray, init: np.ndarray, rcvr: np.ndarray, bi, bj
) -> np.ndarray:
    """``V[a, m]``: value to actor a of the state bargain m would produce (mean over N positions)."""
    n = st.uobj.shape[0]
    n_b = len(init)
    out = np.empty((n, n_b))
    ui_new = utility(distances(y, sal, bi), st.risk[:, None])  # (a, m)
    uj_new = utility(distances(y, sal, bj), st.risk[:, None])
    compiled = _compiled_bargain_values(n)
    if compiled is not None and n_b:
        c = np.ascontiguousarray
        compiled(c(st.uobj), c(ui_new), c(uj_new), c(init, np.int64), c(rcvr, np.int64), out)
        return out
    step = max(1, BLOCK // max(1, n * n))
    base = st.uobj.T  # [n, a]
    for start in range(0, n_b, step):
        sl = slice(start, start + step)
        t = np.repeat(base[:, :, None], len(range(n_b)[sl]), axis=2)  # [n, a, m]
        m_idx = np.arange(t.shape[2])
        t[init[sl], :, m_idx] = ui_new[:, sl].T
        t[rcvr[sl], :, m_idx] = uj_new[:, sl].T
        out[:, sl] = (1.0 / n) * seq_sum(t)
    return out


def _resolve_queues(
    st: StateSetup,
    cap: np.ndarray,
    sq_value: np.ndarray,
    bval: np.ndarray,
    init: np.ndarray,
    rcvr: np.ndarray,
    opts: SMPOptions,
    draw: Callable[[int], float] | None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Resolve every actor's queue; returns the chosen bargain index per actor (-1 = status quo)."""
    n = len(cap)
    members: list[list[int]] = [[] for _ in range(n)]
    for m, (a, b) in enumerate(zip(init.tolist(), rcvr.tolist(), strict=True)):
        members[a].append(m)
        if b != a:
            members[b].append(m)
    chosen = np.full(n, -1, dtype=np.int64)
    probs: list[np.ndarray] = [np.ones(1)] * n
    sizes = np.array([len(q) for q in members])
    for size in sorted(set(sizes.tolist())):  # not np.unique, which imports numpy.ma
        if size == 0:
            continue
        owners = np.flatnonzero(sizes == size)
        q_idx = np.array([members[k] for k in owners])  # (G, size), canonical order
        # utilities (G, N voters, 1 + size options): status quo first
        u = np.concatenate(
            [
                np.broadcast_to(sq_value[None, :, None], (len(owners), n, 1)),
                bval[:, q_idx].transpose(1, 0, 2),
            ],
            axis=2,
        )
        per = max(1, n * (size + 1) * (size + 1))
        step = max(1, BLOCK // per)
        for start in range(0, len(owners), step):
            sl = slice(start, start + step)
            p = scalar_pce(cap, u[sl], opts)
            block_owners = owners[sl].tolist()
            if draw is None:  # the most likely option of each queue, all at once
                picks = np.argmax(p, axis=-1).tolist()
                options = np.concatenate([np.full((len(block_owners), 1), -1), q_idx[sl]], axis=1)
                chosen[owners[sl]] = options[np.arange(len(block_owners)), picks]
            for g, k in enumerate(block_owners):
                pk = p[g]
                probs[k] = pk
                if draw is not None:
                    cum = np.cumsum(pk)
                    pick = int(min(np.searchsorted(cum, draw(k) * cum[-1], side="right"), len(pk) - 1))
                    chosen[k] = -1 if pick == 0 else int(q_idx[start + g, pick - 1])
    return chosen, probs


# --- the whole run -----------------------------------------------------------------------------------


@dataclass
class SMPRun:
    """A complete run: states 0..T (positions, ideals, set-ups) and turns 0..T-1."""

    positions: list[np.ndarray]
    ideals: list[np.ndarray]
    setups: list[StateSetup]
    turns: list[TurnRecord]
    ratios: list[float]
    converged: bool

    @property
    def n_states(self) -> int:
        """Number of states, including the input state 0."""
        return len(self.positions)


def run_smp(
    x0: np.ndarray,
    sal: np.ndarray,
    cap: np.ndarray,
    opts: SMPOptions,
    *,
    accommodation: np.ndarray | None = None,
    draw: Callable[[int, int], float] | None = None,
    on_state: Callable[[int, SMPRun], None] | None = None,
    keep_states: bool = True,
) -> SMPRun:
    """Run the SMP from positions ``x0`` (N, D), saliences ``sal`` (N, D), capabilities ``cap`` (N,).

    ``accommodation`` is the N x N matrix A of the ideal update (None: identity, so ideals follow
    positions). ``draw(turn, actor)`` returns a uniform number in [0, 1) for a stochastic queue
    resolution; it is required when ``opts.state_transitions == "Stochastic"``. ``on_state`` is
    called with (state index, run so far) after each state is set up. With ``keep_states=False``
    a state's N x N arrays are dropped (:meth:`StateSetup.released`) once the turn that starts
    from it is done, so memory stays flat whatever the number of turns; results are the same.
    """
    x = np.array(x0, dtype=float)
    y = x.copy()
    sal = np.asarray(sal, dtype=float)
    cap = np.asarray(cap, dtype=float)
    total_sal = np.zeros(len(cap))
    for k in range(sal.shape[1]):
        total_sal = total_sal + sal[:, k]
    run = SMPRun([x.copy()], [y.copy()], [state_setup(x, y, sal, cap, opts)], [], [], False)
    if on_state is not None:
        on_state(0, run)
    n = len(cap)
    ar = np.arange(n)
    first = 0.0
    for turn in range(opts.max_turns):
        st = run.setups[-1]
        p, g = challenge_decisions(st, total_sal, cap, opts)
        cand = np.where((g > TARGET_THRESHOLD) & (ar[:, None] != ar[None, :]), g, -np.inf)
        target = np.argmax(cand, axis=1) if n else np.zeros(0, dtype=np.int64)
        has = np.isfinite(cand[ar, target]) if n else np.zeros(0, dtype=bool)
        target = np.where(has, target, -1)
        init = ar[has]
        rcvr = target[has]
        p_best = np.where(has, p[ar, np.maximum(target, 0)], np.nan)
        g_best = np.where(has, g[ar, np.maximum(target, 0)], np.nan)
        bi, bj = bargains(x[init], x[rcvr], sal[init], sal[rcvr], p_best[has], opts.bargain_interpolation)
        if opts.bargain_model != "InitOnlyInterp" and len(init):
            ri, rj, ci, cj = receiver_bargains(st, x, sal, cap, init, rcvr, opts)
            if opts.bargain_model == "InitRcvrInterp":
                order = np.repeat(np.arange(len(init)), 2)  # each initiator: own bargain, then receiver's
                bi = np.stack([bi, ri], axis=1).reshape(-1, x.shape[1])
                bj = np.stack([bj, rj], axis=1).reshape(-1, x.shape[1])
                init, rcvr = init[order], rcvr[order]
            elif opts.bargain_model == "PWCompInterp":
                bi, bj = ci, cj
            else:
                raise ValueError(f"unknown bargain model {opts.bargain_model!r}")
        sq_value = (1.0 / n) * seq_sum(st.uobj.T)
        bval = _bargain_values(st, y, sal, init, rcvr, bi, bj)
        stochastic = opts.state_transitions == "Stochastic"
        if stochastic and draw is None:
            raise ValueError("stochastic state transitions need a draw function")
        chosen, qprob = _resolve_queues(
            st,
            cap,
            sq_value,
            bval,
            init,
            rcvr,
            opts,
            (lambda k, t=turn: draw(t, k)) if stochastic and draw is not None else None,
        )
        if opts.binding_bargains:
            for k in range(n):  # a bargain moves its parties only when both queues chose it
                m = chosen[k]
                if m >= 0:
                    other = rcvr[m] if init[m] == k else init[m]
                    if chosen[other] != m:
                        chosen[k] = -1
        new_x = x.copy()
        for k in np.flatnonzero(chosen >= 0).tolist():
            m = chosen[k]
            new_x[k] = bi[m] if init[m] == k else bj[m]
        if accommodation is None:
            new_y = new_x.copy()
        else:
            rows = accommodation.sum(axis=1)
            new_y = accommodation @ new_x + (1.0 - rows)[:, None] * y
        run.turns.append(TurnRecord(target, p_best, g_best, init, rcvr, bi, bj, chosen, qprob))
        step_dist = float(seq_sum(np.sqrt(((new_x - x) ** 2).sum(axis=1))))
        x, y = new_x, new_y
        if turn == 0:
            first = step_dist
        ratio = step_dist / (first + STOP_OFFSET)
        run.ratios.append(ratio)
        run.positions.append(x.copy())
        run.ideals.append(y.copy())
        run.setups.append(state_setup(x, y, sal, cap, opts))
        if not keep_states:
            run.setups[-2] = st.released()
            del st, p, g, cand
        if on_state is not None:
            on_state(turn + 1, run)
        k_done = turn + 1
        if k_done >= opts.min_turns and ratio < opts.stop_ratio:
            run.converged = True
            break
    return run
