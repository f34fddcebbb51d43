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
	double limit;			/* quantile: the bound the run must not cross */
	double pval;			/* proportion: one-sided p-value */
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

#endif /* __QLAT_TOOLS_GATE_PRIV_H */
