// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * qlat gate: the decisions. Per series and quantile from confidence
 * bounds of order statistics on buckets, per miss counter and counter
 * ratio with an exact test (Fisher's, or the exact unconditional test with
 * a margin), all under Holm's correction; the statistics are in
 * gate_stats.c, the rules in docs/gate.md.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gate_priv.h"

const char *const gate_verdict_names[] = { "pass", "improved", "inconclusive", "regression" };
const char *const gate_verdict_upper[] = { "pass", "improved", "INCONCLUSIVE", "REGRESSION" };

static struct check *new_check(struct checks *cs, enum check_kind kind, const char *series)
{
	struct check *c;

	cs->c = gate_grow(cs->c, cs->n, sizeof(*cs->c));
	c = &cs->c[cs->n++];
	c->kind = kind;
	c->change = NAN;
	snprintf(c->series, sizeof(c->series), "%s", series);
	return c;
}

__attribute__((format(printf, 2, 3)))
static void note(struct checks *cs, const char *fmt, ...)
{
	va_list ap;

	if (cs->nnotes >= (int)(sizeof(cs->notes) / sizeof(cs->notes[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(cs->notes[cs->nnotes++], sizeof(cs->notes[0]), fmt, ap);
	va_end(ap);
}

void gate_opts_default(struct gate_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->q[0] = 0.50;
	o->q[1] = 0.99;
	o->q[2] = 0.999;
	o->nq = 3;
	o->rel_margin = 0.10;
	o->abs_margin = 0;
	o->alpha = 0.01;
	o->miss_margin = 0;
	o->min_samples = 100;
}

bool gate_ignored(const struct gate_opts *o, const char *sub, const char *metric)
{
	char full[128];
	int i;

	snprintf(full, sizeof(full), "%s.%s", sub, metric);
	for (i = 0; i < o->nignore; i++)
		if (!fnmatch(o->ignore[i], metric, 0) || !fnmatch(o->ignore[i], full, 0))
			return true;
	return false;
}

/* lower is worse (e.g. deadline slack)? "slack" by default */
static bool lower_is_worse(const struct gate_opts *o, const char *sub, const char *metric)
{
	char full[128], pat[128], *eq;
	bool down = !strcmp(metric, "slack");
	int i;

	snprintf(full, sizeof(full), "%s.%s", sub, metric);
	for (i = 0; i < o->ndirection; i++) {
		snprintf(pat, sizeof(pat), "%s", o->direction[i]);
		eq = strrchr(pat, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		if (!fnmatch(pat, metric, 0) || !fnmatch(pat, full, 0))
			down = !strcmp(eq, "down");
	}
	return down;
}

void gate_qname(char *buf, size_t len, double q)
{
	snprintf(buf, len, "p%.4g", q * 100);
}

void gate_fmt_val(char *buf, size_t len, double v, bool ns)
{
	static const struct { double div; const char *unit; } u[] = {
		{ 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" },
	};
	size_t i;

	if (ns) {
		for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
			if (v >= u[i].div) {
				snprintf(buf, len, "%.3g%s", v / u[i].div, u[i].unit);
				return;
			}
		}
		snprintf(buf, len, "%.0fns", v);
	} else {
		snprintf(buf, len, "%.0f", v);
	}
}

static struct check *series_check(struct checks *cs, const struct gate_series *s,
				  enum check_kind kind, const char *what)
{
	char name[160];
	struct check *c;
	int i;

	gate_series_name(name, sizeof(name), s);
	c = new_check(cs, kind, name);
	snprintf(c->what, sizeof(c->what), "%s", what);
	c->sub = s->sub;
	c->metric = s->metric;
	c->key = s->key;
	c->val = s->val;
	c->ns = s->ns;
	for (i = 0; i < GATE_SIDES; i++)
		c->n[i] = s->h[i].count;
	return c;
}

static void quantile_checks(struct checks *cs, const struct gate_series *s,
			    const struct gate_opts *o)
{
	const struct qlat_hist *b = &s->h[GATE_BASE], *r = &s->h[GATE_RUN];
	bool down = lower_is_worse(o, s->sub, s->metric);
	char qn[24];
	struct check *c;
	__u64 x, y;
	double pm;
	int i;

	if (!s->present[GATE_BASE] || !s->present[GATE_RUN]) {
		c = series_check(cs, s, K_STATUS, "series");
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason), "only in the %s",
			 s->present[GATE_BASE] ? "baseline" : "run");
		return;
	}
	if (b->overflow || r->overflow) {
		c = series_check(cs, s, K_STATUS, "overflow");
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason),
			 "values >= 2^63 not binned: baseline %llu, run %llu",
			 (unsigned long long)b->overflow, (unsigned long long)r->overflow);
		return;
	}
	if (b->count < o->min_samples || r->count < o->min_samples) {
		c = series_check(cs, s, K_STATUS, "samples");
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason), "too few samples (minimum %llu)",
			 o->min_samples);
		return;
	}
	if (b->count > GATE_MAX_N || r->count > GATE_MAX_N) {
		c = series_check(cs, s, K_STATUS, "samples");
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason), "more than %llu samples on a side",
			 GATE_MAX_N);
		return;
	}
	for (i = 0; i < o->nq; i++) {
		double q = down ? 1 - o->q[i] : o->q[i];

		gate_qname(qn, sizeof(qn), q);
		c = series_check(cs, s, K_QUANTILE, qn);
		c->s = s;
		c->q = q;
		c->down = down;
		/* the buckets of the point estimates, for reading */
		c->lo[GATE_BASE] = qlat_hist_quantile_lo(b, q);
		c->hi[GATE_BASE] = qlat_hist_quantile(b, q);
		c->lo[GATE_RUN] = qlat_hist_quantile_lo(r, q);
		c->hi[GATE_RUN] = qlat_hist_quantile(r, q);
		if (!down && c->hi[GATE_BASE])
			c->change = (double)c->hi[GATE_RUN] / c->hi[GATE_BASE] - 1;
		else if (down && c->lo[GATE_BASE])
			c->change = (double)c->lo[GATE_RUN] / c->lo[GATE_BASE] - 1;
		/* the decision: confidence bounds from order statistics (gate_stats.c) */
		c->pval = gate_quantile_pvalue(r, b, q, !down, o->rel_margin, o->abs_margin,
					       o->alpha, &c->pmin, &x, &y);
		c->pimp = gate_quantile_pvalue(r, b, q, down, o->rel_margin, o->abs_margin,
					       o->alpha, &pm, &x, &y);
		c->tested = c->pmin <= o->alpha;
		c->exact = true;
	}
}

/* the bounds of a quantile check at the level it was tested at, and its reason */
static void quantile_verdict(struct check *c, const struct gate_opts *o)
{
	const struct qlat_hist *b = &c->s->h[GATE_BASE], *r = &c->s->h[GATE_RUN];
	char v1[32], v2[32];
	__u64 bb;
	double pm, m;

	gate_quantile_pvalue(r, b, c->q, !c->down, o->rel_margin, o->abs_margin,
			     c->tested ? c->level : o->alpha, &pm, &c->rbound, &bb);
	if (!c->down) {
		m = fmax(o->rel_margin * bb, o->abs_margin);
		c->limit = bb == ~0ULL ? INFINITY : bb + m;
	} else {
		m = fmax(o->rel_margin * bb, o->abs_margin);
		c->limit = bb - m;
	}
	if (!c->tested) {
		/* 2 q^n <= alpha (or 2 (1 - q)^n): the samples one side needs */
		double qq = c->down ? 1 - c->q : c->q;
		double need = ceil(log(o->alpha / 2) / log(qq > 0.5 ? qq : 1 - qq));

		snprintf(c->reason, sizeof(c->reason),
			 "cannot fail: too few samples for %s at alpha %g (p >= %.2g; needs n >= %.0f)",
			 c->what, o->alpha, fmin(1, c->pmin), need);
		return;
	}
	gate_fmt_val(v1, sizeof(v1), c->rbound, c->s->ns);
	gate_fmt_val(v2, sizeof(v2), c->limit, c->s->ns);
	if (c->v == V_REGRESSION)
		snprintf(c->reason, sizeof(c->reason), "run %s %s %s limit %s, p=%.2g%s",
			 c->down ? "<=" : ">=", v1, c->down ? "<" : ">", v2, c->padj,
			 o->no_correction ? "" : " (Holm)");
	else if (c->v == V_IMPROVED)
		snprintf(c->reason, sizeof(c->reason), "better beyond the margin, p=%.2g%s",
			 c->padj_imp, o->no_correction ? "" : " (Holm)");
}

static void proportion_check(struct checks *cs, struct check *c, const struct gate_opts *o)
{
	double p1, p2;
	int s;

	for (s = 0; s < GATE_SIDES; s++) {
		if (c->x[s] > c->n[s]) {
			c->v = V_INCONCLUSIVE;
			snprintf(c->reason, sizeof(c->reason), "%s: %llu out of %llu is not a fraction",
				 s ? "run" : "baseline", (unsigned long long)c->x[s],
				 (unsigned long long)c->n[s]);
			return;
		}
	}
	if (c->n[0] < o->min_samples || c->n[1] < o->min_samples) {
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason), "too few samples (minimum %llu)",
			 o->min_samples);
		return;
	}
	if (c->n[0] > GATE_MAX_N || c->n[1] > GATE_MAX_N) {
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason), "more than %llu trials on a side",
			 GATE_MAX_N);
		return;
	}
	p1 = (double)c->x[0] / c->n[0];
	p2 = (double)c->x[1] / c->n[1];
	c->change = p1 > 0 ? p2 / p1 - 1 : (p2 > 0 ? INFINITY : 0);
	/* H0: p_run - p_base <= miss_margin; Fisher's exact test for a margin of 0 */
	if (o->miss_margin > 0) {
		c->pval = gate_fm_pvalue(c->x[0], c->n[0], c->x[1], c->n[1], o->miss_margin,
					 GATE_BB_GAMMA * o->alpha, &c->exact);
	} else {
		c->pval = gate_fisher(c->x[0], c->n[0], c->x[1], c->n[1]);
		c->exact = true;
	}
	/* an improvement: H0: p_run >= p_base */
	c->pimp = gate_fisher(c->x[1], c->n[1], c->x[0], c->n[0]);
	c->tested = true;
	(void)cs;
}

static void proportion_verdict(struct check *c, const struct gate_opts *o)
{
	const char *holm = o->no_correction ? "" : " (Holm)";
	const char *approx = c->exact ? "" : ", asymptotic";
	double p1 = (double)c->x[0] / c->n[0], p2 = (double)c->x[1] / c->n[1];

	if (c->v == V_REGRESSION && p2 > p1 + o->miss_margin)
		snprintf(c->reason, sizeof(c->reason), "p=%.2g%s <= alpha %g%s", c->padj, holm,
			 o->alpha, approx);
	else if (c->v == V_IMPROVED)
		snprintf(c->reason, sizeof(c->reason), "lower, p=%.2g%s", c->padj_imp, holm);
	else
		snprintf(c->reason, sizeof(c->reason), "p=%.2g%s%s", c->padj, holm, approx);
}

/*
 * The family: every check with a p-value that can fail at alpha. Holm's
 * step-down procedure over its regression p-values keeps the probability
 * of any false regression in one gate run at most alpha; improvements
 * (which never fail a gate) are a family of their own.
 */
static void family(struct checks *cs, const struct gate_opts *o)
{
	double *p = calloc(cs->n + 1, sizeof(double)), *pi = calloc(cs->n + 1, sizeof(double));
	double *a = calloc(cs->n + 1, sizeof(double)), *ai = calloc(cs->n + 1, sizeof(double));
	double *lv = calloc(cs->n + 1, sizeof(double));
	size_t i, m = 0, untestable = 0;

	if (!p || !pi || !a || !ai || !lv)
		exit(GATE_EXIT_USAGE);
	for (i = 0; i < cs->n; i++) {
		struct check *c = &cs->c[i];

		if (c->kind == K_STATUS || c->v == V_INCONCLUSIVE)
			continue;
		if (!c->tested) {
			untestable++;
			continue;
		}
		p[m] = c->pval;
		pi[m++] = c->pimp;
	}
	if (o->no_correction) {
		for (i = 0; i < m; i++) {
			a[i] = p[i];
			ai[i] = pi[i];
			lv[i] = o->alpha;
		}
	} else {
		gate_holm(p, a, lv, m, o->alpha);
		gate_holm(pi, ai, NULL, m, o->alpha);
	}
	for (i = 0, m = 0; i < cs->n; i++) {
		struct check *c = &cs->c[i];

		if (c->kind == K_STATUS || c->v == V_INCONCLUSIVE)
			continue;
		c->padj = c->padj_imp = 1;
		if (c->tested) {
			c->padj = a[m];
			c->padj_imp = ai[m];
			c->level = lv[m++];
			if (c->padj <= o->alpha && (c->kind == K_QUANTILE ||
			    (double)c->x[1] / c->n[1] > (double)c->x[0] / c->n[0] + o->miss_margin))
				c->v = V_REGRESSION;
			else if (c->padj_imp <= o->alpha)
				c->v = V_IMPROVED;
		}
		if (c->kind == K_QUANTILE)
			quantile_verdict(c, o);
		else
			proportion_verdict(c, o);
	}
	if (m && !o->no_correction)
		note(cs, "%zu tests at family-wise alpha %g (Holm)", m, o->alpha);
	if (untestable)
		note(cs, "%zu quantile check(s) cannot fail: too few samples for their quantile at alpha %g",
		     untestable, o->alpha);
	free(p);
	free(pi);
	free(a);
	free(ai);
	free(lv);
}

/* the label key whose values index a subcommand's misses[] */
static const char *misses_key(const struct gate_data *d, const struct gate_sub *sub)
{
	const char *key = NULL;
	size_t i;

	if (sub->misses_key)
		return sub->misses_key;
	for (i = 0; i < d->nseries; i++) {
		const struct gate_series *s = &d->series[i];

		if (strcmp(s->sub, sub->name) || !*s->key)
			continue;
		if (!strcmp(s->key, "pipe"))
			return "pipe";
		if (key && strcmp(key, s->key))
			return NULL;	/* ambiguous */
		key = s->key;
	}
	return key;
}

static void miss_checks(struct checks *cs, const struct gate_data *d, const struct gate_opts *o)
{
	size_t i, j;
	int s;

	for (i = 0; i < d->nmisses; i++) {
		const struct gate_miss *m = &d->misses[i];
		const struct gate_sub *sub = NULL;
		const char *key;
		char name[160], idx[16];
		struct check *c;
		__u64 n[GATE_SIDES] = { 0, 0 };

		if (gate_ignored(o, m->sub, "misses"))
			continue;
		for (j = 0; j < d->nsubs; j++)
			if (!strcmp(d->subs[j].name, m->sub))
				sub = &d->subs[j];
		key = sub ? misses_key(d, sub) : NULL;
		snprintf(idx, sizeof(idx), "%u", m->idx);
		snprintf(name, sizeof(name), "%s misses %s=%u", m->sub, key ? key : "index", m->idx);
		/* denominators: everything binned with that label (e.g. slack + late) */
		for (j = 0; key && j < d->nseries; j++) {
			const struct gate_series *x = &d->series[j];

			if (strcmp(x->sub, m->sub) || strcmp(x->key, key) || strcmp(x->val, idx))
				continue;
			for (s = 0; s < GATE_SIDES; s++)
				n[s] += x->h[s].count + x->h[s].overflow;
		}
		if (!n[0] && !n[1] && !m->x[0] && !m->x[1])
			continue;	/* an unused pipe */
		c = new_check(cs, K_PROPORTION, name);
		snprintf(c->what, sizeof(c->what), "misses");
		c->sub = m->sub;
		c->metric = "misses";
		c->key = key ? key : "index";
		snprintf(c->valbuf, sizeof(c->valbuf), "%u", m->idx);
		for (s = 0; s < GATE_SIDES; s++) {
			c->x[s] = m->x[s];
			c->n[s] = n[s];
		}
		if (!key) {
			c->v = V_INCONCLUSIVE;
			snprintf(c->reason, sizeof(c->reason),
				 "no label key to count packets per miss index");
			continue;
		}
		if (!m->present[0] || !m->present[1]) {
			c->v = V_INCONCLUSIVE;
			snprintf(c->reason, sizeof(c->reason), "only in the %s",
				 m->present[0] ? "baseline" : "run");
			continue;
		}
		proportion_check(cs, c, o);
	}
}

static const struct gate_counter *find_counter(const struct gate_data *d, const char *sub,
					       const char *name)
{
	size_t i;

	for (i = 0; i < d->ncounters; i++)
		if (!strcmp(d->counters[i].sub, sub) && !strcmp(d->counters[i].name, name))
			return &d->counters[i];
	return NULL;
}

/* sum of the "+"-separated counters of a subcommand; false if any is missing on a side */
static bool counter_sum(const struct gate_data *d, const char *sub, const char *names,
			__u64 v[GATE_SIDES], bool *any)
{
	char buf[256], *t, *save = NULL;
	bool ok = true;
	int s;

	v[0] = v[1] = 0;
	snprintf(buf, sizeof(buf), "%s", names);
	for (t = strtok_r(buf, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
		const struct gate_counter *c = find_counter(d, sub, t);

		if (!c) {
			ok = false;
			continue;
		}
		*any = true;
		for (s = 0; s < GATE_SIDES; s++) {
			v[s] += c->v[s];
			ok &= c->present[s];
		}
	}
	return ok;
}

static void ratio_checks(struct checks *cs, const struct gate_data *d, const struct gate_opts *o)
{
	int r, s;
	size_t i;

	for (r = 0; r < o->nratios; r++) {
		char spec[256], *num, *den;
		bool any = false;

		snprintf(spec, sizeof(spec), "%s", o->ratios[r]);
		num = spec;
		den = strchr(spec, '/');
		*den++ = '\0';	/* validated by the option parser */
		for (i = 0; i < d->nsubs; i++) {
			const struct gate_sub *sub = &d->subs[i];
			__u64 x[GATE_SIDES], n[GATE_SIDES];
			bool has = false, ok;
			char name[160];
			struct check *c;

			ok = counter_sum(d, sub->name, num, x, &has);
			if (!has)
				continue;	/* not this subcommand's counters */
			any = true;
			ok &= counter_sum(d, sub->name, den, n, &has);
			snprintf(name, sizeof(name), "%.32s %.60s/%.60s", sub->name, num, den);
			c = new_check(cs, K_PROPORTION, name);
			snprintf(c->what, sizeof(c->what), "ratio");
			c->sub = sub->name;
			c->metric = "ratio";
			for (s = 0; s < GATE_SIDES; s++) {
				c->x[s] = x[s];
				c->n[s] = n[s];
			}
			if (!ok) {
				c->v = V_INCONCLUSIVE;
				snprintf(c->reason, sizeof(c->reason),
					 "a counter is missing on one side");
				continue;
			}
			proportion_check(cs, c, o);
		}
		if (!any) {
			struct check *c = new_check(cs, K_STATUS, o->ratios[r]);

			snprintf(c->what, sizeof(c->what), "ratio");
			c->v = V_INCONCLUSIVE;
			snprintf(c->reason, sizeof(c->reason), "no counter \"%.64s\" in any document",
				 num);
		}
	}
}

int gate_cmp_series(const void *a, const void *b)
{
	const struct gate_series *x = a, *y = b;
	char *e1, *e2;
	long long v1, v2;
	int c;

	if ((c = strcmp(x->sub, y->sub)))
		return c;
	if ((c = strcmp(x->metric, y->metric)))
		return c;
	if ((c = strcmp(x->key, y->key)))
		return c;
	v1 = strtoll(x->val, &e1, 10);
	v2 = strtoll(y->val, &e2, 10);
	if (!*e1 && !*e2 && *x->val && *y->val)
		return v1 < v2 ? -1 : v1 > v2;
	return strcmp(x->val, y->val);
}

int gate_decide(struct checks *cs, const struct gate_data *d, const struct gate_opts *o)
{
	bool reg = false, inc = false;
	size_t i;
	int s;

	for (i = 0; i < d->nsubs; i++) {
		const struct gate_sub *sub = &d->subs[i];

		for (s = 0; s < GATE_SIDES; s++) {
			if (sub->drops[s] || sub->lost[s]) {
				struct check *c;
				char name[160];

				snprintf(name, sizeof(name), "%s %s", sub->name,
					 sub->drops[s] ? "dropped" : "lost");
				c = new_check(cs, K_STATUS, name);
				snprintf(c->what, sizeof(c->what), "drops");
				c->sub = sub->name;
				c->v = V_INCONCLUSIVE;
				snprintf(c->reason, sizeof(c->reason),
					 "%llu events dropped, %llu lost (map_full, badkey) in the %s: "
					 "unmeasurable", (unsigned long long)sub->drops[s],
					 (unsigned long long)sub->lost[s], s ? "run" : "baseline");
				cs->unmeasurable = true;
			} else if (sub->drops_uncounted[s]) {
				note(cs, "%s %s: drops not counted on its attach path",
				     s ? "run" : "baseline", sub->name);
			}
		}
	}
	for (i = 0; i < d->nseries; i++)
		if (!gate_ignored(o, d->series[i].sub, d->series[i].metric))
			quantile_checks(cs, &d->series[i], o);
	miss_checks(cs, d, o);
	ratio_checks(cs, d, o);
	family(cs, o);
	if (!d->nseries && !d->nmisses) {
		struct check *c = new_check(cs, K_STATUS, "(all)");

		snprintf(c->what, sizeof(c->what), "data");
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason), "no histograms on either side");
	}
	for (i = 0; i < cs->n; i++) {
		reg |= cs->c[i].v == V_REGRESSION;
		inc |= cs->c[i].v == V_INCONCLUSIVE;
	}
	if (cs->unmeasurable)
		return GATE_EXIT_INCONCLUSIVE;
	if (reg)
		return GATE_EXIT_REGRESSION;
	return inc ? GATE_EXIT_INCONCLUSIVE : GATE_EXIT_PASS;
}

const char *gate_exit_verdict(int code)
{
	switch (code) {
	case GATE_EXIT_PASS: return "pass";
	case GATE_EXIT_REGRESSION: return "regression";
	default: return "inconclusive";
	}
}
