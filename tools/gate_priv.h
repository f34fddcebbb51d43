/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * qlat gate's private pieces, shared by its files: gate_input.c (reading),
 * gate_decide.c (the checks), gate_render.c (table, JSON, HTML) and gate.c
 * (the command line).
 */
#ifndef __QLAT_TOOLS_GATE_PRIV_H
#define __QLAT_TOOLS_GATE_PRIV_H

#include <stddef.h>
#include <stdio.h>
#include "gate.h"

enum gate_verdict { V_PASS, V_IMPROVED, V_INCONCLUSIVE, V_REGRESSION };
enum check_kind { K_QUANTILE, K_PROPORTION, K_STATUS };

struct check {
	enum check_kind kind;
	char series[160];		/* "cmdq flush_eoc thread=0" */
	const char *sub, *metric, *key, *val;
	char what[24];			/* "p99", "misses", "ratio", "samples", ... */
	bool ns, down;
	double q;			/* the quantile evaluated (1-q for down) */
	__u64 n[GATE_SIDES];		/* samples (quantile) or denominators */
	__u64 lo[GATE_SIDES], hi[GATE_SIDES];	/* quantile bucket bounds */
	__u64 x[GATE_SIDES];		/* proportion numerators */
	const struct gate_series *s;	/* quantile: the series */
	double limit;			/* quantile: the bound the run must not cross */
	__u64 rbound;			/* quantile: the run's confidence bound */
	double pval;			/* one-sided p-value of a regression */
	double pimp;			/* one-sided p-value of an improvement */
	double pmin;			/* the smallest p-value the sample sizes allow */
	double padj, padj_imp;		/* Holm-adjusted (--correction none: pval, pimp) */
	double level;			/* the threshold Holm compared pval with */
	bool tested;			/* in the family of tests (has a p-value, can fail) */
	bool exact;			/* proportion: exact test (else asymptotic) */
	double change;			/* relative change, NAN when undefined */
	enum gate_verdict v;
	char reason[200];
	char valbuf[16];
};

struct checks {
	struct check *c;
	size_t n;
	bool unmeasurable;		/* drops: nothing can be trusted */
	char notes[8][200];
	int nnotes;
};

extern const char *const gate_verdict_names[];
extern const char *const gate_verdict_upper[];

/* gate_input.c: growing arrays, strings, names, files */
void *gate_grow(void *p, size_t n, size_t size);
char *gate_strdup(const char *s);
void gate_series_name(char *buf, size_t len, const struct gate_series *s);
int gate_load_file(struct gate_data *d, int side, const char *path, char *err, size_t errlen);

/* gate_decide.c */
/* --ignore: is sub.metric (or metric) one of the patterns? */
bool gate_ignored(const struct gate_opts *o, const char *sub, const char *metric);
void gate_qname(char *buf, size_t len, double q);
void gate_fmt_val(char *buf, size_t len, double v, bool ns);
int gate_cmp_series(const void *a, const void *b);
/* Run every check on d (series sorted); returns the exit code */
int gate_decide(struct checks *cs, const struct gate_data *d, const struct gate_opts *o);
const char *gate_exit_verdict(int code);

/* gate_stats.c */
double gate_binom_upper(__u64 n, double p, __u64 k);	/* P(Bin(n, p) >= k) */
double gate_binom_lower(__u64 n, double p, __u64 k);	/* P(Bin(n, p) <= k) */
/* one-sided Fisher exact test of H0: p1 <= p0 (0 baseline, 1 run) */
double gate_fisher(__u64 x0, __u64 n0, __u64 x1, __u64 n1);
double gate_fm_z(double x0, double n0, double x1, double n1, double delta);
double gate_fm_rmle_bisect(double x0, double n0, double x1, double n1, double delta);
/* one-sided test of H0: p1 - p0 <= delta > 0, exact unconditional (or asymptotic) */
double gate_fm_pvalue(__u64 x0, __u64 n0, __u64 x1, __u64 n1, double delta, double gamma,
		      bool *exact);
/* Berger-Boos gamma of gate_fm_pvalue(), as a fraction of alpha */
#define GATE_BB_GAMMA	1e-3
double gate_quantile_pvalue(const struct qlat_hist *run, const struct qlat_hist *base, double q,
			    bool above, double rel, double abs_m, double gamma, double *pmin,
			    __u64 *rbound, __u64 *bbound);
void gate_holm(const double *p, double *adj, double *level, size_t m, double alpha);

/* more samples than this on a side: beyond the arithmetic of the tests */
#define GATE_MAX_N	1000000000000ULL

#endif /* __QLAT_TOOLS_GATE_PRIV_H */
