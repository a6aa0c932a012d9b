/* The SMP's N^3 chains in C, bit for bit the numpy kernel's (see _smp_ext.pyx, which wraps them).
 *
 * Every element is computed with the operations, and in the order, of the numpy kernel
 * (detente/models/_smp_kernel.py) and of the numba kernels (_smp_numba.py), which these mirror
 * function by function. Compile without -ffast-math and with -ffp-contract=off (setup.py does), so
 * that no multiply-add is fused and nothing is reassociated; the loops over targets j are
 * independent per element, which lets the compiler vectorise them without changing any result.
 */
#ifndef DETENTE_SMP_CORE_H
#define DETENTE_SMP_CORE_H

#include <stddef.h>
#include <stdint.h>

/* On x86-64 with GCC, each kernel is also compiled for AVX2 and picked at run time (four doubles per
 * vector instead of two; the same operations per element, so the same results). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define SMP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SMP_CLONES
#endif

#if defined(_MSC_VER)
#define SMP_ALWAYS_INLINE static __forceinline
#define restrict __restrict
#else
#define SMP_ALWAYS_INLINE static inline __attribute__((always_inline))
#endif

/* np.maximum(v, 0.0): v when v >= 0 or NaN, else 0. */
static inline double smp_pos(double v) { return v < 0.0 ? 0.0 : v; }

/* What a third party with utility u (and unn for its own position) expects from joining the side
 * whose utility that is (own) or the other side (other), under commitment rule commit (0 Semi,
 * 1 Full, 2 No). For the initiator's utility: (ik_j, i_jk); for the target's: (jk_i, j_ik). */
SMP_ALWAYS_INLINE void smp_join_terms(const int commit, double u, double unn, double *own, double *other)
{
    if (commit == 1) {
        *own = 3.0 * u;
        *other = *own;
    } else {
        *own = 2.0 * u + unn;
        *other = commit == 0 ? 3.0 * u : *own;
    }
}

/* Add third party k's votes to the sums of targets j in [lo, hi) (commit: 0 Semi, 1 Full, 2 No). */
SMP_ALWAYS_INLINE void smp_third_party(
    const int commit, ptrdiff_t lo, ptrdiff_t hi, const double *restrict dk, const double *restrict ok,
    double r, double uni, double unn, double wn, double ik_j, double i_jk,
    const double *restrict a0, const double *restrict b0, double *restrict big_a, double *restrict big_b)
{
    for (ptrdiff_t j = lo; j < hi; j++) {
        double unj = dk[j] * r;
        unj = unj + 1.0;
        unj = unj * ok[j];
        double vp = (uni - unj) * wn;
        double plus = smp_pos(vp);
        double minus = plus - vp;
        double num = plus + a0[j];
        double pi = num / ((num + b0[j]) + minus);
        double j_ik, jk_i;
        smp_join_terms(commit, unj, unn, &jk_i, &j_ik);
        double join_i = pi * ik_j + (1.0 - pi) * j_ik;
        double join_j = pi * i_jk + (1.0 - pi) * jk_i;
        double t = (join_i - join_j) * wn;
        double tp = smp_pos(t);
        big_a[j] = big_a[j] + tp;
        big_b[j] = big_b[j] + (tp - t);
    }
}

/* p_out[i, j], g_out[i, j] for every initiator i and target j; arrays C-ordered n x n.
 * work holds 4 n doubles. See detente.models._smp_numba.challenge_rows. */
SMP_CLONES static void smp_challenge_rows(
    ptrdiff_t n, const double *uobj, const double *uni_t, const double *unn_t, const double *dmin,
    const double *rho_t, const double *one_minus, const double *w, const double *total_sal,
    double min_challenge, int commit, double *p_out, double *g_out, double *work)
{
    double *restrict a0 = work, *restrict b0 = work + n, *restrict big_a = work + 2 * n,
                     *restrict big_b = work + 3 * n;
    for (ptrdiff_t i = 0; i < n; i++) {
        double uii = uobj[i * n + i];
        double wi = w[i];
        for (ptrdiff_t j = 0; j < n; j++) {
            double vi = (uii - uobj[i * n + j]) * wi;
            double vj = (uni_t[j * n + i] - unn_t[j * n + i]) * w[j];
            a0[j] = min_challenge + smp_pos(vi) + smp_pos(vj);
            b0[j] = min_challenge + smp_pos(-vi) + smp_pos(-vj);
            big_a[j] = a0[j];
            big_b[j] = b0[j];
        }
        /* third parties k in index order; the target k itself is skipped (its t is 0 exactly, and
         * adding +0.0 to these positive sums changes nothing), and so is k == i */
        for (ptrdiff_t k = 0; k < n; k++) {
            if (k == i) continue;
            double wn = w[k], uni = uni_t[k * n + i], unn = unn_t[k * n + i], r = rho_t[k * n + i];
            double ik_j, i_jk;
            smp_join_terms(commit, uni, unn, &ik_j, &i_jk);
            const double *dk = dmin + k * n, *ok = one_minus + k * n;
            if (commit == 0) {
                smp_third_party(0, 0, k, dk, ok, r, uni, unn, wn, ik_j, i_jk, a0, b0, big_a, big_b);
                smp_third_party(0, k + 1, n, dk, ok, r, uni, unn, wn, ik_j, i_jk, a0, b0, big_a, big_b);
            } else if (commit == 1) {
                smp_third_party(1, 0, k, dk, ok, r, uni, unn, wn, ik_j, i_jk, a0, b0, big_a, big_b);
                smp_third_party(1, k + 1, n, dk, ok, r, uni, unn, wn, ik_j, i_jk, a0, b0, big_a, big_b);
            } else {
                smp_third_party(2, 0, k, dk, ok, r, uni, unn, wn, ik_j, i_jk, a0, b0, big_a, big_b);
                smp_third_party(2, k + 1, n, dk, ok, r, uni, unn, wn, ik_j, i_jk, a0, b0, big_a, big_b);
            }
        }
        for (ptrdiff_t j = 0; j < n; j++) {
            if (j == i) {
                p_out[i * n + j] = 0.5;
                g_out[i * n + j] = 0.0;
                continue;
            }
            double uij = uobj[i * n + j];
            double p = big_a[j] / (big_a[j] + big_b[j]);
            double sj = total_sal[j];
            double eu_sq = uii + uij;
            double eu_vict = 2.0 * uii;
            double eu_cntst = p * 2.0 * uii + (1.0 - p) * 2.0 * uij;
            g_out[i * n + j] = ((1.0 - sj) * eu_vict + sj * eu_cntst) - eu_sq;
            p_out[i * n + j] = p;
        }
    }
}

/* out[a, b] = floor + sum_k max(w_k (u_ka - u_kb), 0), voters in index order; out[a, a] = floor.
 * u is k_voters x m, out m x m, acc m doubles. See detente.models._smp_numba.coalition_matrix. */
SMP_CLONES static void smp_coalition_matrix(
    ptrdiff_t k_voters, ptrdiff_t m, const double *w, const double *u, double floor, double *out,
    double *restrict acc)
{
    for (ptrdiff_t a = 0; a < m; a++) {
        for (ptrdiff_t b = 0; b < m; b++) acc[b] = floor;
        for (ptrdiff_t k = 0; k < k_voters; k++) {
            const double *restrict uk = u + k * m;
            double uka = uk[a], wk = w[k];
            for (ptrdiff_t b = 0; b < m; b++) acc[b] = acc[b] + smp_pos((uka - uk[b]) * wk);
        }
        acc[a] = floor;
        for (ptrdiff_t b = 0; b < m; b++) out[a * m + b] = acc[b];
    }
}

/* Option probabilities of g elections with the Prop voting rule, the Linear victory model and the
 * Conditional PCE: u is g x k_voters x m (voter k's utility of option a), probs g x m.
 * As the numpy kernel: C = coalition strengths; V[a, b] = C[a, b] / (C[a, b] + C[b, a]), V[a, a] = 0.5;
 * q[a] = V[a, 0] V[a, 1] ... (in order); p[a] = q[a] / (q[0] + q[1] + ...). Returns 1, leaving probs
 * unfinished, if some election's largest q is below 1e-280 (the numpy kernel then works in logs; the
 * caller runs it), else 0. work holds m * m + m doubles. */
SMP_CLONES static int smp_elections(
    ptrdiff_t g, ptrdiff_t k_voters, ptrdiff_t m, const double *w, const double *u, double floor,
    double *probs, double *work)
{
    double *c = work, *acc = work + m * m;
    for (ptrdiff_t e = 0; e < g; e++) {
        smp_coalition_matrix(k_voters, m, w, u + e * k_voters * m, floor, c, acc);
        double *q = probs + e * m;
        int under = 1;
        for (ptrdiff_t a = 0; a < m; a++) {
            double prod = 0.0;
            for (ptrdiff_t b = 0; b < m; b++) {
                double v = a == b ? 0.5 : c[a * m + b] / (c[a * m + b] + c[b * m + a]);
                prod = b == 0 ? v : prod * v;
            }
            q[a] = prod;
            if (!(prod < 1e-280)) under = 0; /* max(q) < 1e-280, NaN counting as not below */
        }
        if (under) return 1;
        double total = q[0];
        for (ptrdiff_t a = 1; a < m; a++) total = total + q[a];
        for (ptrdiff_t a = 0; a < m; a++) q[a] = q[a] / total;
    }
    return 0;
}

/* out[a, m]: mean over positions of a's utility in the state bargain m produces (n x n_b arrays).
 * Each sum gets one addend per position, in index order, then is multiplied by 1 / n.
 * index holds 2 n + 1 + 2 n_b entries, work 2 n_b doubles. See _smp_numba.bargain_values. */
SMP_CLONES static void smp_bargain_values(
    ptrdiff_t n, ptrdiff_t n_b, const double *uobj, const double *ui_new, const double *uj_new,
    const int64_t *init, const int64_t *rcvr, double *out, ptrdiff_t *index, double *work)
{
    double inv = 1.0 / (double)n;
    ptrdiff_t *start = index, *fill = index + n + 1, *parties = index + 2 * n + 1;
    double *restrict acc = work, *restrict kept = work + n_b;
    /* bargains by party: those of position k are parties[start[k]:start[k + 1]] */
    for (ptrdiff_t k = 0; k <= n; k++) start[k] = 0;
    for (ptrdiff_t m = 0; m < n_b; m++) {
        start[init[m] + 1] += 1;
        if (rcvr[m] != init[m]) start[rcvr[m] + 1] += 1;
    }
    for (ptrdiff_t k = 0; k < n; k++) start[k + 1] += start[k];
    for (ptrdiff_t k = 0; k < n; k++) fill[k] = start[k];
    for (ptrdiff_t m = 0; m < n_b; m++) {
        parties[fill[init[m]]++] = m;
        if (rcvr[m] != init[m]) parties[fill[rcvr[m]]++] = m;
    }
    for (ptrdiff_t a = 0; a < n; a++) {
        const double *ua = uobj + a * n, *uia = ui_new + a * n_b, *uja = uj_new + a * n_b;
        for (ptrdiff_t k = 0; k < n; k++) {
            double base = ua[k];
            ptrdiff_t lo = start[k], hi = start[k + 1];
            for (ptrdiff_t q = lo; q < hi; q++) {  /* the bargains k is a party to: kept aside */
                ptrdiff_t m = parties[q];
                double v = rcvr[m] == k ? uja[m] : uia[m];
                kept[q - lo] = k == 0 ? v : acc[m] + v;
            }
            if (k == 0) {
                for (ptrdiff_t m = 0; m < n_b; m++) acc[m] = base;
            } else {
                for (ptrdiff_t m = 0; m < n_b; m++) acc[m] = acc[m] + base;
            }
            for (ptrdiff_t q = lo; q < hi; q++) acc[parties[q]] = kept[q - lo];
        }
        for (ptrdiff_t m = 0; m < n_b; m++) out[a * n_b + m] = inv * acc[m];
    }
}

#endif
