# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The SMP's N^3 chains as a compiled extension, bit for bit the numpy kernel's.

Built when detente is installed on a machine with a C compiler (``setup.py``: an optional extension,
compiled with ``-ffp-contract=off`` and without ``-ffast-math``, so that no multiply-add is fused and
nothing is reassociated). Where it is missing, the numba kernels (:mod:`detente.models._smp_numba`,
from 150 actors) or the numpy kernel run instead, with the same results. Loading it costs well under a
millisecond, against about 0.3 s of CPU and 100 MB for importing numba, so it runs at every size.

The loops are in ``_smp_core.h`` (plain C, so that the compiler vectorises the loops over targets);
this module checks the arrays (C-ordered, float64 or int64, the right shapes) and hands over their
memory. Each function computes exactly what the numpy kernel and the numba kernel of the same name
compute: see :mod:`detente.models._smp_numba` for what each argument holds.
"""

from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc


cdef extern from "_smp_core.h" nogil:
    void smp_challenge_rows(
        Py_ssize_t n, const double *uobj, const double *uni_t, const double *unn_t, const double *dmin,
        const double *rho_t, const double *one_minus, const double *w, const double *total_sal,
        double min_challenge, int commit, double *p_out, double *g_out, double *work,
    )
    void smp_coalition_matrix(
        Py_ssize_t k_voters, Py_ssize_t m, const double *w, const double *u, double floor, double *out,
        double *acc,
    )
    int smp_elections(
        Py_ssize_t g, Py_ssize_t k_voters, Py_ssize_t m, const double *w, const double *u, double floor,
        double *probs, double *work,
    )
    void smp_bargain_values(
        Py_ssize_t n, Py_ssize_t n_b, const double *uobj, const double *ui_new, const double *uj_new,
        const int64_t *init, const int64_t *rcvr, double *out, Py_ssize_t *index, double *work,
    )


cdef void _square(name, Py_ssize_t n, Py_ssize_t rows, Py_ssize_t cols) except *:
    if rows != n or cols != n:
        raise ValueError(f"{name} must be {n} x {n}, not {rows} x {cols}")


def challenge_rows(
    const double[:, ::1] uobj,
    const double[:, ::1] uni_t,
    const double[:, ::1] unn_t,
    const double[:, ::1] dmin,
    const double[:, ::1] rho_t,
    const double[:, ::1] one_minus,
    const double[::1] w,
    const double[::1] total_sal,
    double min_challenge,
    int commit,
    double[:, ::1] p_out,
    double[:, ::1] g_out,
):
    """Fill ``p_out[i, j]`` (P(i beats j) as i estimates it) and ``g_out[i, j]`` (i's expected gain).

    ``commit``: 0 SemiCommit, 1 FullCommit, 2 NoCommit.
    """
    cdef Py_ssize_t n = uobj.shape[0]
    for name, a in (("uni_t", uni_t), ("unn_t", unn_t), ("dmin", dmin), ("rho_t", rho_t),
                    ("one_minus", one_minus), ("uobj", uobj), ("p_out", p_out), ("g_out", g_out)):
        _square(name, n, a.shape[0], a.shape[1])
    if w.shape[0] != n or total_sal.shape[0] != n:
        raise ValueError(f"w and total_sal must have {n} elements")
    if commit not in (0, 1, 2):
        raise ValueError(f"unknown commitment code {commit}")
    if n == 0:
        return
    cdef double *work = <double *> malloc(4 * n * sizeof(double))
    if work == NULL:
        raise MemoryError()
    with nogil:
        smp_challenge_rows(
            n, &uobj[0, 0], &uni_t[0, 0], &unn_t[0, 0], &dmin[0, 0], &rho_t[0, 0], &one_minus[0, 0],
            &w[0], &total_sal[0], min_challenge, commit, &p_out[0, 0], &g_out[0, 0], work,
        )
    free(work)


def coalition_matrix(const double[::1] w, const double[:, ::1] u, double floor, double[:, ::1] out):
    """Coalition strengths of one Prop election: ``out[a, b] = floor + sum_k max(w_k (u_ka - u_kb), 0)``."""
    cdef Py_ssize_t k_voters = u.shape[0], m = u.shape[1]
    if w.shape[0] != k_voters:
        raise ValueError(f"w must have {k_voters} elements")
    _square("out", m, out.shape[0], out.shape[1])
    if m == 0:
        return
    cdef double *acc = <double *> malloc(m * sizeof(double))
    if acc == NULL:
        raise MemoryError()
    with nogil:
        smp_coalition_matrix(k_voters, m, &w[0] if k_voters else NULL, &u[0, 0], floor, &out[0, 0], acc)
    free(acc)


def coalition_batch(const double[::1] w, const double[:, :, ::1] u, double floor, double[:, :, ::1] out):
    """:func:`coalition_matrix` for G independent elections: ``u`` (G, K, M), ``out`` (G, M, M)."""
    cdef Py_ssize_t g, n_g = u.shape[0], k_voters = u.shape[1], m = u.shape[2]
    if w.shape[0] != k_voters:
        raise ValueError(f"w must have {k_voters} elements")
    if out.shape[0] != n_g:
        raise ValueError(f"out must hold {n_g} elections")
    _square("out", m, out.shape[1], out.shape[2])
    if m == 0 or n_g == 0:
        return
    cdef double *acc = <double *> malloc(m * sizeof(double))
    if acc == NULL:
        raise MemoryError()
    with nogil:
        for g in range(n_g):
            smp_coalition_matrix(
                k_voters, m, &w[0] if k_voters else NULL, &u[g, 0, 0], floor, &out[g, 0, 0], acc
            )
    free(acc)


def elections(const double[::1] w, const double[:, :, ::1] u, double floor, double[:, ::1] probs):
    """Option probabilities of G Prop / Linear / Conditional elections: ``u`` (G, K, M), ``probs`` (G, M).

    What :func:`detente.models._smp_kernel.scalar_pce` computes for these options, without the
    underflow branch: returns False (``probs`` unfinished) where some election needs it, else True.
    """
    cdef Py_ssize_t n_g = u.shape[0], k_voters = u.shape[1], m = u.shape[2]
    cdef int under
    if w.shape[0] != k_voters:
        raise ValueError(f"w must have {k_voters} elements")
    if probs.shape[0] != n_g or probs.shape[1] != m:
        raise ValueError(f"probs must be {n_g} x {m}")
    if n_g == 0 or m == 0:
        return True
    cdef double *work = <double *> malloc((m * m + m) * sizeof(double))
    if work == NULL:
        raise MemoryError()
    with nogil:
        under = smp_elections(
            n_g, k_voters, m, &w[0] if k_voters else NULL, &u[0, 0, 0], floor, &probs[0, 0], work
        )
    free(work)
    return not under


def bargain_values(
    const double[:, ::1] uobj,
    const double[:, ::1] ui_new,
    const double[:, ::1] uj_new,
    const int64_t[::1] init,
    const int64_t[::1] rcvr,
    double[:, ::1] out,
):
    """``out[a, m]``: the mean over positions of actor a's utility in the state bargain m produces."""
    cdef Py_ssize_t n = ui_new.shape[0], n_b = ui_new.shape[1], m
    _square("uobj", n, uobj.shape[0], uobj.shape[1])
    if uj_new.shape[0] != n or uj_new.shape[1] != n_b or out.shape[0] != n or out.shape[1] != n_b:
        raise ValueError(f"uj_new and out must be {n} x {n_b}")
    if init.shape[0] != n_b or rcvr.shape[0] != n_b:
        raise ValueError(f"init and rcvr must have {n_b} elements")
    for m in range(n_b):
        if not (0 <= init[m] < n and 0 <= rcvr[m] < n):
            raise ValueError(f"bargain {m}: parties must be positions 0..{n - 1}")
    if n == 0 or n_b == 0:
        return
    cdef Py_ssize_t *index = <Py_ssize_t *> malloc((2 * n + 1 + 2 * n_b) * sizeof(Py_ssize_t))
    cdef double *work = <double *> malloc(2 * n_b * sizeof(double))
    if index == NULL or work == NULL:
        free(index)
        free(work)
        raise MemoryError()
    with nogil:
        smp_bargain_values(
            n, n_b, &uobj[0, 0], &ui_new[0, 0], &uj_new[0, 0], &init[0], &rcvr[0], &out[0, 0], index, work
        )
    free(index)
    free(work)
