// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * qlat gate: the statistics behind the decisions (docs/gate.md says which
 * and why). Everything is in log space (lgamma, log-ratios of successive
 * terms), so counts of millions neither overflow nor underflow:
 *
 *  - binomial and hypergeometric tails, summed outward from the point of
 *    interest; when a sum is cut short, the rest is bounded from above, so
 *    a tail is never under-estimated where that would favour a regression;
 *  - Fisher's exact test, one-sided, for two proportions (margin 0);
 *  - the exact unconditional test of H0: p_run - p_base <= margin with the
 *    Farrington-Manning score statistic (margin > 0);
 *  - confidence bounds of quantiles from order statistics, mapped to
 *    histogram buckets (valid on binned data), as p-values;
 *  - Holm's step-down adjustment.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "gate_priv.h"

/* ---- log-concave distributions on [lo, hi] -------------------------------- */

enum { D_BINOM, D_HYPER };

struct dist {
	int kind;
	double lo, hi, mode;
	double n, p, lq;		/* binomial; lq = log(p / (1 - p)) */
	double N, K, m;			/* hypergeometric: population, successes, draws */
};

/* terms summed before the rest of a tail is bounded instead */
#define TAIL_MAX_TERMS	200000

static double lchoose(double n, double k)
{
	return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

static double dist_logp(const struct dist *d, double k)
{
	if (d->kind == D_BINOM) {
		if (d->p <= 0)
			return k == 0 ? 0 : -INFINITY;
		if (d->p >= 1)
			return k == d->n ? 0 : -INFINITY;
		return lchoose(d->n, k) + k * log(d->p) + (d->n - k) * log1p(-d->p);
	}
	return lchoose(d->K, k) + lchoose(d->N - d->K, d->m - k) - lchoose(d->N, d->m);
}

/* log(pmf(k + 1) / pmf(k)) */
static double dist_lstep(const struct dist *d, double k)
{
	if (d->kind == D_BINOM)
		return log((d->n - k) / (k + 1)) + d->lq;
	return log((d->K - k) * (d->m - k) / ((k + 1) * (d->N - d->K - d->m + k + 1)));
}

static void binom_init(struct dist *d, double n, double p)
{
	memset(d, 0, sizeof(*d));
	d->kind = D_BINOM;
	d->n = n;
	d->p = p;
	d->hi = n;
	if (p <= 0) {
		d->hi = 0;
	} else if (p >= 1) {
		d->lo = n;
	} else {
		d->lq = log(p / (1 - p));
		d->mode = fmin(n, floor((n + 1) * p));
	}
	if (p >= 1)
		d->mode = n;
}

/* successes among m draws without replacement from N holding K */
static void hyper_init(struct dist *d, double N, double K, double m)
{
	memset(d, 0, sizeof(*d));
	d->kind = D_HYPER;
	d->N = N;
	d->K = K;
	d->m = m;
	d->lo = fmax(0, m - (N - K));
	d->hi = fmin(K, m);
	d->mode = fmin(d->hi, fmax(d->lo, floor((m + 1) * (K + 1) / (N + 2))));
}

/*
 * Sum of pmf(k) from k0 outward (dir +1 or -1) to the end of the support,
 * k0 at or beyond the mode in that direction so that the terms decrease.
 * Once the rest is negligible (or after TAIL_MAX_TERMS terms) the sum
 * stops; with bound_rest the rest is bounded by a geometric series of the
 * last ratio (the ratios only fall further: log-concavity) and added, so
 * the result is never below the true tail. Without, the partial sum is
 * returned (never above it).
 */
static double tail_out(const struct dist *d, double k0, int dir, bool bound_rest)
{
	double lt = dist_logp(d, k0), s = 0, k = k0, t, ln, r, rest;
	long i;

	for (i = 0;; i++) {
		t = exp(lt);
		s += t;
		if ((dir > 0 && k >= d->hi) || (dir < 0 && k <= d->lo))
			return s;
		ln = lt + (dir > 0 ? dist_lstep(d, k) : -dist_lstep(d, k - 1));
		r = exp(ln - lt);
		rest = r < 1 ? t * r / (1 - r) : INFINITY;
		if (rest <= 1e-17 * s || rest < 1e-300 || i >= TAIL_MAX_TERMS)
			return bound_rest ? s + rest : s;
		k += dir;
		lt = ln;
	}
}

/* P(X >= k), never under-estimated */
static double dist_upper(const struct dist *d, double k)
{
	if (k <= d->lo)
		return 1;
	if (k > d->hi)
		return 0;
	if (k >= d->mode)
		return fmin(1, tail_out(d, k, 1, true));
	return fmax(0, 1 - tail_out(d, k - 1, -1, false));
}

/* P(X <= k), never under-estimated */
static double dist_lower(const struct dist *d, double k)
{
	if (k < d->lo)
		return 0;
	if (k >= d->hi)
		return 1;
	if (k <= d->mode)
		return fmin(1, tail_out(d, k, -1, true));
	return fmax(0, 1 - tail_out(d, k + 1, 1, false));
}

double gate_binom_upper(__u64 n, double p, __u64 k)
{
	struct dist d;

	binom_init(&d, n, p);
	return dist_upper(&d, k);
}

double gate_binom_lower(__u64 n, double p, __u64 k)
{
	struct dist d;

	binom_init(&d, n, p);
	return dist_lower(&d, k);
}

/* ---- two proportions -------------------------------------------------------- */

/*
 * Fisher's exact test, one-sided: with the total number of events x0 + x1
 * fixed, the run's count is hypergeometric under H0: p_run <= p_base;
 * p = P(X1 >= x1).
 */
double gate_fisher(__u64 x0, __u64 n0, __u64 x1, __u64 n1)
{
	struct dist d;

	hyper_init(&d, (double)n0 + n1, (double)x0 + x1, n1);
	return dist_upper(&d, x1);
}

/*
 * The restricted maximum likelihood estimate of the baseline's rate under
 * p_run = p_base + delta, by bisection of the (decreasing) derivative of
 * the log-likelihood: slow, robust; the reference for the closed form.
 */
double gate_fm_rmle_bisect(double x0, double n0, double x1, double n1, double delta)
{
	double lo = 0, hi = 1 - delta, mid;
	int i;

#define DLL(r) ((x1 ? x1 / ((r) + delta) : 0) - (n1 - x1 ? (n1 - x1) / (1 - (r) - delta) : 0) + \
		(x0 ? x0 / (r) : 0) - (n0 - x0 ? (n0 - x0) / (1 - (r)) : 0))
	for (i = 0; i < 200; i++) {
		mid = (lo + hi) / 2;
		if (mid <= lo || mid >= hi)
			break;
		if (DLL(mid) > 0)
			lo = mid;
		else
			hi = mid;
	}
#undef DLL
	return (lo + hi) / 2;
}

/*
 * Farrington & Manning (1990): the restricted MLE of the baseline's rate
 * under p_run - p_base = delta in closed form (the root of a cubic), with
 * the bisection above when the closed form is not usable.
 */
static double fm_rmle(double x0, double n0, double x1, double n1, double delta)
{
	double p1 = x1 / n1, p0 = x0 / n0, t = n0 / n1, a = 1 + t;
	double b = -(1 + t + p1 + t * p0 + delta * (t + 2));
	double c = delta * delta + delta * (2 * p1 + t + 1) + p1 + t * p0;
	double d = -p1 * delta * (1 + delta);
	double v = b * b * b / (27 * a * a * a) - b * c / (6 * a * a) + d / (2 * a);
	double u = sqrt(fmax(0, b * b / (9 * a * a) - c / (3 * a)));
	double w, r1;

	if (v < 0)
		u = -u;
	if (!(fabs(u) > 1e-12))
		return gate_fm_rmle_bisect(x0, n0, x1, n1, delta);
	w = (M_PI + acos(fmax(-1, fmin(1, v / (u * u * u))))) / 3;
	r1 = 2 * u * cos(w) - b / (3 * a);
	if (!isfinite(r1))
		return gate_fm_rmle_bisect(x0, n0, x1, n1, delta);
	return fmax(0, fmin(1 - delta, r1 - delta));
}

/* the Farrington-Manning score statistic of H0: p_run - p_base = delta */
double gate_fm_z(double x0, double n0, double x1, double n1, double delta)
{
	double r0 = fm_rmle(x0, n0, x1, n1, delta), r1 = r0 + delta;
	double diff = x1 / n1 - x0 / n0 - delta;
	double var = r1 * (1 - r1) / n1 + r0 * (1 - r0) / n0;

	if (var > 0)
		return diff / sqrt(var);
	return diff > 0 ? INFINITY : diff < 0 ? -INFINITY : 0;
}

/* the exact unconditional test handles up to this many trials per side */
#define FM_EXACT_MAX	100000
#define FM_GRID		400
#define FM_REFINE	40

struct fm_ctx {
	double n0, n1, delta, zc;
	double x0, x1;
	long *bmin;			/* per a: smallest b with Z(a, b) >= zc; -1 unknown */
	double *pmf, *tail;		/* scratch, n1 + 1 and n0 + 1 */
};

static long fm_bmin(struct fm_ctx *f, long a)
{
	long lo = 0, hi = (long)f->n1 + 1, mid;

	if (f->bmin[a] >= 0)
		return f->bmin[a];
	/* Z rises with b at fixed a: the smallest b reaching zc, n1 + 1 if none */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (gate_fm_z(a, f->n0, mid, f->n1, f->delta) >= f->zc)
			hi = mid;
		else
			lo = mid + 1;
	}
	return f->bmin[a] = lo;
}

/* pmf of Bin(n, p) where it is above e^-46 of its mode, into pmf[lo..hi] */
static void binom_window(double n, double p, double *pmf, long *wlo, long *whi)
{
	struct dist d;
	double lm, l;
	long k, m;

	binom_init(&d, n, p);
	if (d.lo == d.hi) {
		*wlo = *whi = (long)d.lo;
		pmf[*wlo] = 1;
		return;
	}
	m = (long)d.mode;
	lm = dist_logp(&d, m);
	pmf[m] = exp(lm);
	for (k = m, l = lm; k < (long)n; k++) {
		l += dist_lstep(&d, k);
		if (l < lm - 46)
			break;
		pmf[k + 1] = exp(l);
	}
	*whi = k;
	for (k = m, l = lm; k > 0; k--) {
		l -= dist_lstep(&d, k - 1);
		if (l < lm - 46)
			break;
		pmf[k - 1] = exp(l);
	}
	*wlo = k;
}

/* P(the rejection region) at p_base = r0, p_run = r0 + delta */
static double fm_region_prob(struct fm_ctx *f, double r0)
{
	long lo0, hi0, lo1, hi1, a, b;
	double s = 0, r1 = fmin(1, r0 + f->delta);

	/* the run's upper tails over its window */
	binom_window(f->n1, r1, f->pmf, &lo1, &hi1);
	f->tail[hi1 - lo1] = 0;
	for (b = hi1; b >= lo1; b--)
		f->tail[b - lo1] = (b < hi1 ? f->tail[b - lo1 + 1] : 0) + f->pmf[b];
	/* the baseline's pmf after the run's in the scratch array */
	binom_window(f->n0, r0, f->pmf + (long)f->n1 + 1, &lo0, &hi0);
	for (a = lo0; a <= hi0; a++) {
		double pa = f->pmf[(long)f->n1 + 1 + a], t;

		b = fm_bmin(f, a);
		t = b <= lo1 ? 1 : b > hi1 ? 0 : f->tail[b - lo1];
		s += pa * t;
	}
	return s;
}

/* Clopper-Pearson: the rate p with P(Bin(n, p) >= x) = e (lower) or P(Bin(n, p) <= x) = e */
static double cp_bound(double x, double n, double e, bool lower)
{
	double lo = 0, hi = 1, mid, t;
	struct dist d;
	int i;

	if (lower && x <= 0)
		return 0;
	if (!lower && x >= n)
		return 1;
	for (i = 0; i < 60; i++) {
		mid = (lo + hi) / 2;
		binom_init(&d, n, mid);
		t = lower ? dist_upper(&d, x) : dist_lower(&d, x);
		/* both tails rise away from the bound: lower: with p; upper: as p falls */
		if ((lower && t > e) || (!lower && t < e))
			hi = mid;
		else
			lo = mid;
	}
	return lower ? lo : hi;
}

/*
 * One-sided p-value of H0: p_run - p_base <= delta (delta > 0): the exact
 * unconditional test with the Farrington-Manning statistic Z, i.e. the
 * largest probability, over the null, of a Z at least the one observed.
 * The region {Z >= z} is closed upward in the run's count, so for a given
 * baseline rate r0 the largest probability is at p_run = min(1, r0 + delta).
 * Berger & Boos (1994): r0 is only searched within a Clopper-Pearson
 * interval of confidence 1 - gamma from the baseline's count, and gamma is
 * added to the result (still a valid p-value; it keeps the supremum away
 * from degenerate rates far from the data). The supremum is taken on a
 * grid of FM_GRID rates, refined twice around its best point. Beyond
 * FM_EXACT_MAX trials on a side, the normal approximation of the same Z
 * (Farrington-Manning's own test). *exact says which.
 */
double gate_fm_pvalue(__u64 x0, __u64 n0, __u64 x1, __u64 n1, double delta, double gamma,
		      bool *exact)
{
	struct fm_ctx f = { .n0 = n0, .n1 = n1, .delta = delta, .x0 = x0, .x1 = x1 };
	double z = gate_fm_z(x0, n0, x1, n1, delta), best = 0, lo, hi, step, r, p;
	double clo, chi;
	int i, pass, bi = 0;

	*exact = false;
	if (delta >= 1)
		return 1;
	if (n0 > FM_EXACT_MAX || n1 > FM_EXACT_MAX || isinf(z))
		return z == INFINITY ? 0 : z == -INFINITY ? 1 : 0.5 * erfc(z / M_SQRT2);
	f.zc = z - 1e-9 * fmax(1, fabs(z));	/* ties: the observed table is in the region */
	f.bmin = malloc((n0 + 1) * sizeof(*f.bmin));
	f.pmf = malloc((n0 + n1 + 2) * sizeof(*f.pmf));
	f.tail = malloc((n1 + 1) * sizeof(*f.tail));
	if (!f.bmin || !f.pmf || !f.tail) {
		free(f.bmin);
		free(f.pmf);
		free(f.tail);
		return 0.5 * erfc(z / M_SQRT2);
	}
	memset(f.bmin, 0xff, (n0 + 1) * sizeof(*f.bmin));
	clo = lo = cp_bound(x0, n0, gamma / 2, true);
	chi = hi = cp_bound(x0, n0, gamma / 2, false);
	for (pass = 0; pass < 3; pass++) {
		int np = pass ? FM_REFINE : FM_GRID;

		step = (hi - lo) / np;
		for (i = 0; i <= np; i++) {
			r = lo + i * step;
			p = fm_region_prob(&f, r);
			if (p > best) {
				best = p;
				bi = i;
			}
		}
		r = lo + bi * step;
		lo = fmax(clo, r - step);
		hi = fmin(chi, r + step);
		bi = 0;
	}
	free(f.bmin);
	free(f.pmf);
	free(f.tail);
	*exact = true;
	/* + gamma, + the pmf mass left out of the windows (< e^-46 a term) */
	return fmin(1, best + gamma + 1e-12);
}

/* ---- quantiles on buckets --------------------------------------------------- */

/*
 * One side of a quantile comparison, per bucket k: the number of samples
 * below it (cum_lt) and at or below it (cum_le). With q-quantile xi and
 * order statistics X_(1) <= ... <= X_(n) of n independent samples,
 * X_(l) > xi needs fewer than l samples <= xi, which has probability
 * <= P(Bin(n, q) <= l - 1); X_(u) < xi needs u or more samples < xi:
 * probability <= P(Bin(n, q) >= u). Every X_(l) with l > cum_lt[k] is at
 * least lo(k), every X_(u) with u <= cum_le[k] at most hi(k). So
 *   lo(k) is a lower bound of xi with error probability L[k] = P(Bin <= cum_lt[k]),
 *   hi(k) an upper bound of xi with error probability U[k] = P(Bin >= cum_le[k]),
 * whatever the values inside the buckets (lo and hi clamped to the exact
 * min and max, which are X_(1) and X_(n)). L rises with k, U falls.
 */
struct qside {
	double L[QLAT_SLOTS], U[QLAT_SLOTS];
	__u64 lo[QLAT_SLOTS], hi[QLAT_SLOTS];
};

static void qside_init(struct qside *s, const struct qlat_hist *h, double q)
{
	__u64 cum = 0, before;
	struct dist d;
	int k;

	binom_init(&d, h->count, q);
	for (k = 0; k < QLAT_SLOTS; k++) {
		before = cum;
		cum += h->slots[k];
		s->lo[k] = qlat_slot_lo(k) < h->min ? h->min : qlat_slot_lo(k);
		s->hi[k] = qlat_slot_hi(k) > h->max ? h->max : qlat_slot_hi(k);
		/* empty buckets repeat the previous values */
		s->L[k] = k && !h->slots[k - 1] ? s->L[k - 1] : dist_lower(&d, before);
		s->U[k] = k && !h->slots[k] ? s->U[k - 1] : dist_upper(&d, cum);
	}
}

/* the largest lo(k) with L[k] <= e; 0 when there is none */
static __u64 qside_lower(const struct qside *s, double e)
{
	int k;

	for (k = QLAT_SLOTS - 1; k >= 0; k--)
		if (s->L[k] <= e)
			return s->lo[k];
	return 0;
}

/* the smallest hi(k) with U[k] <= e; ~0 (no bound) when there is none */
static __u64 qside_upper(const struct qside *s, double e)
{
	int k;

	for (k = 0; k < QLAT_SLOTS; k++)
		if (s->U[k] <= e)
			return s->hi[k];
	return ~0ULL;
}

/*
 * p-value of "the run's q-quantile is above the baseline's by more than
 * the margin" (above), or below it by more than the margin (!above). At
 * level gamma the test rejects when the run's bound at error gamma/2 is
 * beyond the baseline's opposite bound at error gamma/2 plus the margin
 * max(rel * bound, abs_m): both hold with probability >= 1 - gamma, and
 * then the true quantiles are as far apart. The p-value is the smallest
 * such gamma, over all pairs of buckets. *pmin: the smallest p-value the
 * two sample sizes allow at all; rbound and bbound: the two bounds at
 * error gamma / 2 each (~0 for "no upper bound").
 */
double gate_quantile_pvalue(const struct qlat_hist *run, const struct qlat_hist *base, double q,
			    bool above, double rel, double abs_m, double gamma, double *pmin,
			    __u64 *rbound, __u64 *bbound)
{
	struct qside r, b;
	double best = 1, g, m;
	int j, k;

	qside_init(&r, run, q);
	qside_init(&b, base, q);
	if (above)
		*pmin = 2 * fmax(exp(run->count * log1p(-q)), exp(base->count * log(q)));
	else
		*pmin = 2 * fmax(exp(run->count * log(q)), exp(base->count * log1p(-q)));
	if (isnan(*pmin))
		*pmin = 1;
	for (j = 0; j < QLAT_SLOTS; j++) {
		for (k = 0; k < QLAT_SLOTS; k++) {
			if (above) {
				m = fmax(rel * b.hi[k], abs_m);
				if (!(r.lo[j] > b.hi[k] + m))
					continue;
				g = 2 * fmax(r.L[j], b.U[k]);
			} else {
				m = fmax(rel * b.lo[k], abs_m);
				if (!(r.hi[j] + m < b.lo[k]))
					continue;
				g = 2 * fmax(r.U[j], b.L[k]);
			}
			if (g < best)
				best = g;
		}
	}
	if (above) {
		*rbound = qside_lower(&r, gamma / 2);
		*bbound = qside_upper(&b, gamma / 2);
	} else {
		*rbound = qside_upper(&r, gamma / 2);
		*bbound = qside_lower(&b, gamma / 2);
	}
	return fmin(1, best);
}

/* ---- Holm --------------------------------------------------------------------- */

static const double *holm_p;

static int holm_cmp(const void *a, const void *b)
{
	double x = holm_p[*(const size_t *)a], y = holm_p[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

/*
 * Holm's step-down adjusted p-values: sorted ascending, the i-th (from 0)
 * times (m - i), made non-decreasing, at most 1. H_i is rejected at
 * family-wise level alpha when adj[i] <= alpha. level[i] (may be NULL):
 * the threshold alpha / (m - i) that the procedure compares p[i] with.
 */
void gate_holm(const double *p, double *adj, double *level, size_t m, double alpha)
{
	size_t *idx = malloc(m * sizeof(*idx)), i;
	double run = 0;

	if (!idx) {
		for (i = 0; i < m; i++)
			adj[i] = fmin(1, p[i] * m);
		return;
	}
	for (i = 0; i < m; i++)
		idx[i] = i;
	holm_p = p;
	qsort(idx, m, sizeof(*idx), holm_cmp);
	for (i = 0; i < m; i++) {
		double v = fmin(1, p[idx[i]] * (m - i));

		if (v > run)
			run = v;
		adj[idx[i]] = run;
		if (level)
			level[idx[i]] = alpha / (m - i);
	}
	free(idx);
}
