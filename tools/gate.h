/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * qlat gate: pass/regression decisions between two sets of binned runs
 * (the JSON documents of `qlat cmdq --json`, `qlat zc --json`, ...).
 * See docs/gate.md for the decision rules.
 */
#ifndef __QLAT_TOOLS_GATE_H
#define __QLAT_TOOLS_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "hist.h"

#define GATE_EXIT_PASS		0
#define GATE_EXIT_USAGE		1	/* usage error, unreadable or malformed input */
#define GATE_EXIT_REGRESSION	2
#define GATE_EXIT_INCONCLUSIVE	3	/* drops, overflow, too few samples, missing series */

enum { GATE_BASE, GATE_RUN, GATE_SIDES };

/* One histogram series: (subcommand, metric, label key=value), both sides */
struct gate_series {
	char *sub, *metric, *key, *val;	/* key/val "" when unlabelled */
	bool ns;			/* unit ns, else plain counts */
	bool present[GATE_SIDES];
	struct qlat_hist h[GATE_SIDES];
};

/* A named event counter of one subcommand ("events" object) */
struct gate_counter {
	char *sub, *name;
	bool present[GATE_SIDES];
	__u64 v[GATE_SIDES];
};

/* Deadline misses of one subcommand, by index ("misses" array) */
struct gate_miss {
	char *sub;
	unsigned int idx;
	bool present[GATE_SIDES];
	__u64 x[GATE_SIDES];
};

struct gate_sub {
	char *name;
	char *misses_key;		/* label key of the misses index, if the document says */
	bool present[GATE_SIDES];
	__u64 drops[GATE_SIDES];
	bool drops_uncounted[GATE_SIDES];	/* "dropped" null: the path cannot count them */
	__u64 lost[GATE_SIDES];		/* loss counters among the events (map_full, badkey) */
};

struct gate_data {
	struct gate_series *series;
	size_t nseries;
	struct gate_counter *counters;
	size_t ncounters;
	struct gate_miss *misses;
	size_t nmisses;
	struct gate_sub *subs;
	size_t nsubs;
	unsigned int docs[GATE_SIDES], files[GATE_SIDES];
};

void gate_data_init(struct gate_data *d);
void gate_data_free(struct gate_data *d);

/*
 * Add the text of one file (one or more JSON documents; of several
 * documents of the same subcommand, e.g. `-i` intervals, only the last
 * counts since they are cumulative) to one side, summing histograms and
 * counters with what is there. Returns 0, or -EINVAL with a message naming
 * `name` and the problem in err.
 */
int gate_parse_buffer(struct gate_data *d, int side, const char *buf, size_t len,
		      const char *name, char *err, size_t errlen);

#define GATE_MAX_QUANTILES 16

struct gate_opts {
	double q[GATE_MAX_QUANTILES];
	int nq;
	double rel_margin;		/* fraction of the baseline bound */
	double abs_margin;		/* in the metric's unit (ns) */
	double alpha;			/* family-wise significance of all the tests */
	double miss_margin;		/* absolute margin on a miss fraction */
	unsigned long long min_samples;
	char **ratios;			/* "NUM/DEN[+DEN...]" counter proportions */
	int nratios;
	char **ignore;			/* fnmatch patterns on metric or sub.metric */
	int nignore;
	char **direction;		/* "PATTERN=up|down", later ones win */
	int ndirection;
	bool no_correction;		/* --correction none: each test at alpha */
};

void gate_opts_default(struct gate_opts *o);

/*
 * Decide, and write the requested renderings (any may be NULL): the human
 * table, the JSON verdict, the HTML report. Returns the exit code.
 */
int gate_evaluate(const struct gate_data *d, const struct gate_opts *o,
		  FILE *table, FILE *json, FILE *html, const char *const *files[GATE_SIDES]);

/* `qlat gate`: argv[0] is the program name for messages */
int gate_main(int argc, char **argv);

#endif /* __QLAT_TOOLS_GATE_H */
