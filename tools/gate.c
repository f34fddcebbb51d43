// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * qlat gate BASELINE RUN: latency regression gating on binned data; the
 * command line. Input: gate_input.c, decisions: gate_decide.c, output:
 * gate_render.c; the rules are in docs/gate.md.
 */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "gate_priv.h"

struct gate_args {
	struct gate_opts o;
	const char **files[GATE_SIDES];
	int nfiles[GATE_SIDES];
	char *pos[2];
	int npos;
	bool json;
	const char *report;
	int err;
};

static void add_file(struct gate_args *a, int side, const char *path)
{
	a->files[side] = gate_grow(a->files[side], a->nfiles[side] + 1, sizeof(char *));
	a->files[side][a->nfiles[side]++] = path;
}

static void add_str(char ***v, int *n, char *s)
{
	*v = gate_grow(*v, *n, sizeof(char *));
	(*v)[(*n)++] = s;
}

static int parse_double(const char *s, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || !(*v >= lo) || !(*v <= hi))
		return -EINVAL;
	return 0;
}

static int parse_quantiles(struct gate_opts *o, const char *arg)
{
	char buf[256], *t, *save = NULL;
	double v;

	snprintf(buf, sizeof(buf), "%s", arg);
	o->nq = 0;
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool pct = *t == 'p' || *t == 'P';

		if (o->nq >= GATE_MAX_QUANTILES || parse_double(t + pct, 0, 100, &v))
			return -EINVAL;
		if (pct || v > 1)
			v /= 100;
		if (!(v > 0) || v > 1)
			return -EINVAL;
		o->q[o->nq++] = v;
	}
	return o->nq ? 0 : -EINVAL;
}

static const char gate_doc[] =
"qlat gate: compare the JSON of a run against a baseline.\n"
"Exit 0 pass, 1 usage or parse error, 2 regression, 3 inconclusive\n"
"(drops, overflow, too few samples, a series on one side only).\n"
"\n"
"BASELINE and RUN are qlat --json / --json-file outputs (qlat cmdq, qlat zc):\n"
"a file, a directory of *.json files, or a comma-separated list. Histograms\n"
"of the same series are summed per side.\n"
"\n"
"Per series and quantile, a regression is the run's lower confidence bound\n"
"(an order statistic's bucket) above the baseline's upper confidence bound\n"
"plus max(rel-margin * bound, abs-margin). Deadline misses per pipe\n"
"(misses / packets) and --ratio counters get a one-sided exact test:\n"
"Fisher's, or with --miss-margin the exact unconditional test of\n"
"p_run - p_base <= margin. Holm's correction over all the tests of a run\n"
"keeps the chance of any false regression at most --alpha (family-wise).\n"
"A quantile check whose sample sizes cannot reach --alpha cannot fail and\n"
"says so. See docs/gate.md.\n"
"\n"
"EXAMPLES:\n"
"    qlat gate base.json run.json\n"
"    qlat gate --quantiles p50,p99 --rel-margin 0.5 baseline/ results/\n"
"    qlat gate -b b1.json -b b2.json -r r1.json --report gate.html --json\n"
"    qlat gate --ratio submit_copied+zerocopy_copied/submit zb.json zr.json\v"
"Options -b and -r may be given instead of the positional arguments.";

enum {
	OPT_Q = 0x100, OPT_REL, OPT_ABS, OPT_ALPHA, OPT_MISS, OPT_MIN, OPT_RATIO, OPT_IGNORE,
	OPT_DIR, OPT_JSON, OPT_REPORT, OPT_CORR,
};

static const struct argp_option gate_options[] = {
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{ "baseline", 'b', "FILE", 0, "A baseline file or directory (repeatable)", 0 },
	{ "run", 'r', "FILE", 0, "A run file or directory (repeatable)", 0 },
	{ "quantiles", OPT_Q, "LIST", 0, "Quantiles to compare (default p50,p99,p99.9)", 1 },
	{ "rel-margin", OPT_REL, "FRAC", 0, "Relative margin on quantile bounds (default 0.10)", 1 },
	{ "abs-margin", OPT_ABS, "NS", 0, "Absolute margin on quantile bounds, in ns (default 0)", 1 },
	{ "alpha", OPT_ALPHA, "P", 0,
	  "Family-wise significance: chance of any false regression (default 0.01)", 1 },
	{ "correction", OPT_CORR, "holm|none", 0,
	  "Multiple-test correction across the checks (default holm)", 1 },
	{ "miss-margin", OPT_MISS, "FRAC", 0,
	  "Absolute margin on miss fractions, e.g. 0.001 (default 0)", 1 },
	{ "min-samples", OPT_MIN, "N", 0, "Fewer samples on a side is inconclusive (default 100)", 1 },
	{ "ratio", OPT_RATIO, "NUM/DEN", 0,
	  "Also test event counters NUM/DEN like misses; a+b sums allowed (repeatable)", 1 },
	{ "ignore", OPT_IGNORE, "PATTERN", 0,
	  "Skip series whose metric or SUB.METRIC matches (glob; 'misses' too; repeatable)", 1 },
	{ "direction", OPT_DIR, "PATTERN=up|down", 0,
	  "down: lower values are worse (default for 'slack'); repeatable", 1 },
	{ "json", OPT_JSON, NULL, 0, "Print the verdict as JSON instead of the table", 2 },
	{ "report", OPT_REPORT, "FILE.html", 0,
	  "Write a self-contained HTML report with histogram overlays", 2 },
	{},
};

static error_t gate_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct gate_args *a = state->input;
	double v;
	char *end;

	switch (key) {
	case 'b':
		add_file(a, GATE_BASE, arg);
		break;
	case 'r':
		add_file(a, GATE_RUN, arg);
		break;
	case OPT_Q:
		if (parse_quantiles(&a->o, arg))
			argp_error(state, "invalid quantile list '%s' (e.g. p50,p99,p99.9 or 0.5,0.99)",
				   arg);
		break;
	case OPT_REL:
		if (parse_double(arg, 0, 1e6, &a->o.rel_margin))
			argp_error(state, "invalid relative margin '%s'", arg);
		break;
	case OPT_ABS:
		if (parse_double(arg, 0, 1e18, &a->o.abs_margin))
			argp_error(state, "invalid absolute margin '%s'", arg);
		break;
	case OPT_ALPHA:
		if (parse_double(arg, 0, 1, &a->o.alpha) || !(a->o.alpha > 0 && a->o.alpha < 1))
			argp_error(state, "invalid significance '%s' (0 < alpha < 1)", arg);
		break;
	case OPT_CORR:
		if (!strcmp(arg, "holm"))
			a->o.no_correction = false;
		else if (!strcmp(arg, "none"))
			a->o.no_correction = true;
		else
			argp_error(state, "invalid correction '%s' (holm or none)", arg);
		break;
	case OPT_MISS:
		if (parse_double(arg, 0, 1, &a->o.miss_margin))
			argp_error(state, "invalid miss margin '%s' (0..1)", arg);
		break;
	case OPT_MIN:
		errno = 0;
		v = strtod(arg, &end);
		if (errno || end == arg || *end || v < 1 || v > 1e15 || v != floor(v))
			argp_error(state, "invalid sample minimum '%s'", arg);
		a->o.min_samples = (unsigned long long)v;
		break;
	case OPT_RATIO:
		end = strchr(arg, '/');
		if (!end || end == arg || !end[1] || strchr(end + 1, '/') || strlen(arg) > 200)
			argp_error(state, "invalid ratio '%s' (NUM/DEN or NUM/DEN1+DEN2)", arg);
		add_str(&a->o.ratios, &a->o.nratios, arg);
		break;
	case OPT_IGNORE:
		add_str(&a->o.ignore, &a->o.nignore, arg);
		break;
	case OPT_DIR:
		end = strrchr(arg, '=');
		if (!end || end == arg || (strcmp(end, "=up") && strcmp(end, "=down")))
			argp_error(state, "invalid direction '%s' (PATTERN=up or PATTERN=down)", arg);
		add_str(&a->o.direction, &a->o.ndirection, arg);
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case OPT_JSON:
		a->json = true;
		break;
	case OPT_REPORT:
		a->report = arg;
		break;
	case ARGP_KEY_ARG:
		if (a->npos >= 2)
			argp_error(state, "too many arguments: give BASELINE and RUN "
				   "(use -b/-r or a comma list for more files)");
		else
			a->pos[a->npos++] = arg;
		break;
	case ARGP_KEY_END: {
		/* two positionals: BASELINE RUN; one: the side -b/-r left empty */
		int side = 0, k;
		char *t, *save = NULL;

		if (a->npos == 1) {
			if (!!a->nfiles[GATE_BASE] == !!a->nfiles[GATE_RUN])
				argp_error(state, "give both BASELINE and RUN");
			side = a->nfiles[GATE_BASE] ? GATE_RUN : GATE_BASE;
		}
		for (k = 0; k < a->npos; k++)
			for (t = strtok_r(a->pos[k], ",", &save); t; t = strtok_r(NULL, ",", &save))
				add_file(a, side + k, t);
		if (!a->nfiles[GATE_BASE] || !a->nfiles[GATE_RUN])
			argp_error(state, "need at least one baseline and one run file");
		break;
	}
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* expand directories into their *.json files (sorted); returns 0 or -1 */
static int expand_dirs(struct gate_args *a, int side, char ***owned, int *nowned)
{
	const char **in = a->files[side];
	int n = a->nfiles[side], i;
	struct stat st;

	a->files[side] = NULL;
	a->nfiles[side] = 0;
	for (i = 0; i < n; i++) {
		struct dirent *de;
		char **list = NULL;
		int nl = 0, k;
		DIR *dir;

		if (stat(in[i], &st) || !S_ISDIR(st.st_mode)) {
			add_file(a, side, in[i]);
			continue;
		}
		dir = opendir(in[i]);
		if (!dir) {
			fprintf(stderr, "qlat gate: %s: %s\n", in[i], strerror(errno));
			free(in);
			return -1;
		}
		while ((de = readdir(dir))) {
			size_t l = strlen(de->d_name);
			char *p;

			if (l < 6 || strcmp(de->d_name + l - 5, ".json") || de->d_name[0] == '.')
				continue;
			p = malloc(strlen(in[i]) + l + 2);
			if (!p)
				exit(GATE_EXIT_USAGE);
			sprintf(p, "%s/%s", in[i], de->d_name);
			add_str(&list, &nl, p);
		}
		closedir(dir);
		if (!nl) {
			fprintf(stderr, "qlat gate: %s: no *.json files in this directory\n", in[i]);
			free(list);
			free(in);
			return -1;
		}
		qsort(list, nl, sizeof(*list), cmp_str);
		for (k = 0; k < nl; k++) {
			add_file(a, side, list[k]);
			add_str(owned, nowned, list[k]);
		}
		free(list);
	}
	free(in);
	return 0;
}

int gate_main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = gate_options,
		.parser = gate_parse_opt,
		.args_doc = "BASELINE RUN",
		.doc = gate_doc,
	};
	struct gate_args a = {};
	struct gate_data d;
	char err[1024], **owned = NULL;
	int code = GATE_EXIT_USAGE, s, i, nowned = 0;
	FILE *html = NULL;

	gate_opts_default(&a.o);
	argp_err_exit_status = GATE_EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return GATE_EXIT_USAGE;
	gate_data_init(&d);
	for (s = 0; s < GATE_SIDES; s++) {
		if (expand_dirs(&a, s, &owned, &nowned))
			goto out;
		add_file(&a, s, NULL);	/* NULL-terminate */
		a.nfiles[s]--;
		for (i = 0; i < a.nfiles[s]; i++) {
			if (gate_load_file(&d, s, a.files[s][i], err, sizeof(err))) {
				fprintf(stderr, "qlat gate: %s\n", err);
				goto out;
			}
		}
	}
	if (a.report) {
		html = fopen(a.report, "w");
		if (!html) {
			fprintf(stderr, "qlat gate: %s: %s\n", a.report, strerror(errno));
			goto out;
		}
	}
	code = gate_evaluate(&d, &a.o, a.json ? NULL : stdout, a.json ? stdout : NULL, html,
			     (const char *const *[GATE_SIDES]){ a.files[0], a.files[1] });
	if (html && (ferror(html) | fclose(html))) {
		fprintf(stderr, "qlat gate: writing %s failed\n", a.report);
		code = GATE_EXIT_USAGE;
	}
out:
	gate_data_free(&d);
	for (s = 0; s < GATE_SIDES; s++)
		free(a.files[s]);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(a.o.ratios);
	free(a.o.ignore);
	free(a.o.direction);
	return code;
}
