"""The SMP's challenge calculus fused into one compiled loop (numba), bit for bit the numpy kernel's.

Optional: imported only when numba is installed (``pip install detente[fast]``) and a state has
enough actors for compiling to pay (see :data:`detente.models._smp_kernel.NUMBA_MIN_ACTORS`).
:func:`challenge_rows` computes exactly what :func:`detente.models._smp_kernel._contest` and
``_gain`` compute for :func:`~detente.models._smp_kernel.challenge_decisions`, for the ``Prop`` voting
rule without ``third_party_swing``: every element with the same operations in the same order, sums
over third parties in index order, no fused multiply-add and no reassociation (numba's default,
``fastmath=False``), IEEE division as numpy's (``error_model="numpy"``, which also lets the loops
over targets vectorise). Only the loop is fused: nothing of size N^3 is stored, and each (initiator,
target) pair is finished while its numbers are in registers. The loops run in one thread: numba's
parallel layers do not survive a ``fork`` (process pools), and CPU time is the same.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["bargain_values", "challenge_rows", "coalition_batch", "coalition_matrix"]


@njit(inline="always")
def _pos(v: float) -> float:
    """``np.maximum(v, 0.0)``: v when v >= 0 or NaN, else 0."""
    return 0.0 if v < 0.0 else v


@njit(cache=True, error_model="numpy")
def challenge_rows(
    uobj: np.ndarray,
    uni_t: np.ndarray,
    unn_t: np.ndarray,
    dmin: np.ndarray,
    rho_t: np.ndarray,
    one_minus: np.ndarray,
    w: np.ndarray,
    total_sal: np.ndarray,
    min_challenge: float,
    commit: int,  # 0 SemiCommit, 1 FullCommit, 2 NoCommit
    p_out: np.ndarray,
    g_out: np.ndarray,
) -> None:
    """Fill ``p_out[i, j]`` (P(i beats j) as i estimates it) and ``g_out[i, j]`` (i's expected gain).

    Arguments are those :func:`~detente.models._smp_kernel.challenge_decisions` prepares:
    ``uni_t[n, i] = u(d_ni, rho_in)``, ``unn_t[n, i] = u(d_nn, rho_in)``, ``dmin = min(d, 1)``,
    ``rho_t = rho.T``, ``one_minus = 1 - d``, ``w`` the voting weights.
    """
    n = uobj.shape[0]
    for i in range(n):
        uii = uobj[i, i]
        wi = w[i]
        a0 = np.empty(n)
        b0 = np.empty(n)
        big_a = np.empty(n)
        big_b = np.empty(n)
        for j in range(n):
            uij = uobj[i, j]
            vi = (uii - uij) * wi
            vj = (uni_t[j, i] - unn_t[j, i]) * w[j]
            a0[j] = min_challenge + _pos(vi) + _pos(vj)
            b0[j] = min_challenge + _pos(-vi) + _pos(-vj)
            big_a[j] = a0[j]
            big_b[j] = b0[j]
        # third parties k in index order; for each, all targets j at once (independent: vectorised)
        for k in range(n):
            if k == i:
                continue  # t = 0 exactly: adding +0.0 to the positive sums changes nothing
            wn = w[k]
            uni = uni_t[k, i]
            unn = unn_t[k, i]
            r = rho_t[k, i]
            if commit == 0:
                ik_j = 2.0 * uni + unn
                i_jk = 3.0 * uni
            elif commit == 1:
                ik_j = 3.0 * uni
                i_jk = ik_j
            else:
                ik_j = 2.0 * uni + unn
                i_jk = ik_j
            dk = dmin[k]
            ok = one_minus[k]
            for j in range(n):
                unj = dk[j] * r
                unj += 1.0
                unj *= ok[j]
                vp = (uni - unj) * wn
                plus = _pos(vp)
                minus = plus - vp
                num = plus + a0[j]
                pi = num / ((num + b0[j]) + minus)
                if commit == 0:
                    j_ik = 3.0 * unj
                    jk_i = 2.0 * unj + unn
                elif commit == 1:
                    j_ik = 3.0 * unj
                    jk_i = j_ik
                else:
                    j_ik = 2.0 * unj + unn
                    jk_i = j_ik
                join_i = pi * ik_j + (1.0 - pi) * j_ik
                join_j = pi * i_jk + (1.0 - pi) * jk_i
                t = (join_i - join_j) * wn
                t = 0.0 if j == k else t  # the target itself is no third party
                tp = _pos(t)
                big_a[j] = big_a[j] + tp
                big_b[j] = big_b[j] + (tp - t)
        for j in range(n):
            if j == i:
                p_out[i, j] = 0.5
                g_out[i, j] = 0.0
                continue
            uij = uobj[i, j]
            p = big_a[j] / (big_a[j] + big_b[j])
            sj = total_sal[j]
            eu_sq = uii + uij
            eu_vict = 2.0 * uii
            eu_cntst = p * 2.0 * uii + (1.0 - p) * 2.0 * uij
            g_out[i, j] = ((1.0 - sj) * eu_vict + sj * eu_cntst) - eu_sq
            p_out[i, j] = p


@njit(cache=True, error_model="numpy")
def coalition_matrix(w: np.ndarray, u: np.ndarray, floor: float, out: np.ndarray) -> None:
    """Coalition strengths of one Prop election: ``out[a, b] = floor + sum_k max(w_k (u_ka - u_kb), 0)``.

    ``u[k, a]`` is voter k's utility of option a; voters are added in index order starting from
    ``floor``, as :func:`detente.models._smp_kernel.coalitions` does (for each voter, all options b
    at once). The diagonal is ``floor``.
    """
    k_voters, m = u.shape
    for a in range(m):
        acc = np.full(m, floor)
        for k in range(k_voters):
            uka = u[k, a]
            wk = w[k]
            for b in range(m):
                acc[b] = acc[b] + _pos((uka - u[k, b]) * wk)
        acc[a] = floor
        out[a, :] = acc


@njit(cache=True, error_model="numpy")
def coalition_batch(w: np.ndarray, u: np.ndarray, floor: float, out: np.ndarray) -> None:
    """:func:`coalition_matrix` for G independent elections: ``u`` (G, K, M), ``out`` (G, M, M)."""
    for g in range(u.shape[0]):
        coalition_matrix(w, u[g], floor, out[g])


@njit(cache=True, error_model="numpy")
def bargain_values(
    uobj: np.ndarray,
    ui_new: np.ndarray,
    uj_new: np.ndarray,
    init: np.ndarray,
    rcvr: np.ndarray,
    out: np.ndarray,
) -> None:
    """``out[a, m]``: the mean over positions n of actor a's utility in the state bargain m produces.

    Position n keeps ``uobj[a, n]`` unless it is bargain m's initiator (``ui_new[a, m]``) or receiver
    (``uj_new[a, m]``, which wins if it is both); the sum over n runs in index order from n = 0, then
    is multiplied by 1 / N, as :func:`detente.models._smp_kernel._bargain_values` computes it. For each
    position n, the few bargains n is a party to get their own addend first (kept aside), then every
    bargain gets ``uobj[a, n]`` added in one vectorised loop, then the kept sums are put back: each
    sum receives exactly one addend per position, in order.
    """
    n, n_b = ui_new.shape
    inv = 1.0 / n
    # bargains by party: those of position k are parties[start[k]:start[k + 1]]
    start = np.zeros(n + 1, np.int64)
    for m in range(n_b):
        start[init[m] + 1] += 1
        if rcvr[m] != init[m]:
            start[rcvr[m] + 1] += 1
    for k in range(n):
        start[k + 1] += start[k]
    parties = np.empty(start[n], np.int64)
    fill = start[:n].copy()
    for m in range(n_b):
        parties[fill[init[m]]] = m
        fill[init[m]] += 1
        if rcvr[m] != init[m]:
            parties[fill[rcvr[m]]] = m
            fill[rcvr[m]] += 1
    acc = np.empty(n_b)
    kept = np.empty(n_b)
    for a in range(n):
        for k in range(n):
            base = uobj[a, k]
            lo, hi = start[k], start[k + 1]
            for q in range(lo, hi):
                m = parties[q]
                v = uj_new[a, m] if rcvr[m] == k else ui_new[a, m]
                kept[q - lo] = v if k == 0 else acc[m] + v
            if k == 0:
                for m in range(n_b):
                    acc[m] = base
            else:
                for m in range(n_b):
                    acc[m] = acc[m] + base
            for q in range(lo, hi):
                acc[parties[q]] = kept[q - lo]
        for m in range(n_b):
            out[a, m] = inv * acc[m]
