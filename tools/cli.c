// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The command line and run loop every qlat subcommand shares. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

volatile sig_atomic_t qlat_exiting;
static bool verbose;

int qlat_parse_format(const char *s, enum qlat_format *f)
{
	if (!strcmp(s, "tty"))
		*f = QLAT_FMT_TTY;
	else if (!strcmp(s, "json"))
		*f = QLAT_FMT_JSON;
	else if (!strcmp(s, "openmetrics"))
		*f = QLAT_FMT_OPENMETRICS;
	else
		return -EINVAL;
	return 0;
}

int qlat_parse_uint(const char *s, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno || end == s || *end || *v < 0 || *v > max)
		return -EINVAL;
	return 0;
}

int qlat_parse_ns(const char *s, __u64 *ns)
{
	static const struct { const char *sfx; __u64 mult; } units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000 },
	};
	unsigned long long v;
	unsigned int i;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].sfx))
			continue;
		if (v > ((1ULL << 63) - 1) / units[i].mult)
			return -EINVAL;
		*ns = v * units[i].mult;
		return 0;
	}
	return -EINVAL;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	if (level == LIBBPF_WARN && !verbose)
		return 0;	/* fallback attempts are expected to fail; see -v */
	return vfprintf(stderr, fmt, args);
}

/*
 * The first SIGINT/SIGTERM ends the run with its final print; a second one
 * while that is under way ends the process at once, as the signal's default
 * action would (for a print that hangs, e.g. on a full pipe).
 */
static void sig_handler(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	if (qlat_exiting) {
		sigaction(sig, &dfl, NULL);
		raise(sig);
		return;
	}
	qlat_exiting = 1;
}

void qlat_setup(const struct qlat_env *env)
{
	struct sigaction sa = { .sa_handler = sig_handler };

	verbose = env->verbose;
	libbpf_set_print(libbpf_print_fn);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int qlat_run_loop(const struct qlat_env *env, int (*print)(void *ctx, bool final),
		  bool (*stop)(void *ctx, int timeout_ms), void *ctx)
{
	double start = now_s(), next = env->interval ? start + env->interval : 0;
	/* a stop callback also watches counters: let it look 5 times a second */
	double step = stop ? 0.2 : 1.0;
	int intervals = 0, ret = 0;

	if (env->ready_file) {
		int fd = open(env->ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		/* a script waits for this file: say so and stop, not hang it */
		if (fd < 0) {
			fprintf(stderr, "qlat: --ready-file %s: %s\n", env->ready_file,
				strerror(errno));
			return QLAT_EXIT_USAGE;
		}
		close(fd);
	}
	while (!qlat_exiting) {
		double t = now_s(), wake = t + step;

		if (env->duration && start + env->duration < wake)
			wake = start + env->duration;
		if (next && next < wake)
			wake = next;
		if (wake < t)
			wake = t;
		if (stop) {
			if (stop(ctx, (int)((wake - t) * 1000) + 1))
				break;
		} else {
			struct timespec ts = {
				.tv_sec = (time_t)(wake - t),
				.tv_nsec = (long)(((wake - t) - (time_t)(wake - t)) * 1e9),
			};

			nanosleep(&ts, NULL);	/* a signal cuts it short */
		}
		t = now_s();
		if (env->duration && t - start >= env->duration)
			break;
		if (next && t >= next) {
			if (env->count && intervals + 1 >= env->count)
				break;	/* the last interval is the final print */
			ret = print(ctx, false);
			if (ret)
				return ret;
			intervals++;
			next += env->interval;
		}
	}
	return print(ctx, true);
}

enum {
	OPT_ATTACH = 0x100,
	OPT_JSON,
	OPT_OPENMETRICS,
	OPT_READY,
	OPT_JSON_FILE,
	OPT_OM_FILE,
	OPT_PROM_FILE,
	OPT_THRESHOLD,
	OPT_EVIDENCE,
};

static const struct argp_option common_opts[] = {
	{ NULL, 0, NULL, 0, "Reporting:", 10 },
	{ "interval", 'i', "SEC", 0, "Print every SEC seconds (cumulative)", 0 },
	{ "count", 'c', "N", 0, "Stop after N intervals", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds", 0 },
	{ "timestamp", 'T', NULL, 0,
	  "A wall-clock timestamp in every JSON document (the terminal header always has the time)",
	  0 },
	{ "quiet", 'q', NULL, 0,
	  "Print only the final report on stdout (the files are still kept up to date every "
	  "interval), and no start-up message", 0 },
	{ "microseconds", 'u', NULL, 0, "Terminal output in usecs", 0 },
	{ "milliseconds", 'm', NULL, 0, "Terminal output in msecs", 0 },
	{ "json", OPT_JSON, NULL, 0, "One JSON document per interval", 0 },
	{ "openmetrics", OPT_OPENMETRICS, NULL, 0, "OpenMetrics text per interval", 0 },
	{ "json-file", OPT_JSON_FILE, "FILE", 0,
	  "Also keep the latest JSON document in FILE (replaced atomically)", 0 },
	{ "openmetrics-file", OPT_OM_FILE, "FILE", 0,
	  "Also keep the latest OpenMetrics text in FILE (replaced atomically; "
	  "for a scrape endpoint)", 0 },
	{ "prometheus-file", OPT_PROM_FILE, "FILE", 0,
	  "Also keep the latest Prometheus text format 0.0.4 in FILE (replaced "
	  "atomically; for node_exporter's textfile collector)", 0 },
	{ NULL, 0, NULL, 0, "Limits (exit status 2 when breached):", 20 },
	{ "threshold", OPT_THRESHOLD, "TIME", 0,
	  "Stop when one event's latency exceeds TIME (ns; or with a suffix: "
	  "ns, us, ms, s)", 0 },
	{ "evidence", OPT_EVIDENCE, "N", 0,
	  "On a breach, print the last N events leading to it (default 20)", 0 },
	{ NULL, 0, NULL, 0, "Attaching:", 30 },
	{ "attach", OPT_ATTACH, "MODE", 0,
	  "auto (default), tp_btf, raw_tp or tracepoint", 0 },
	{ "ready-file", OPT_READY, "FILE", 0, "Create FILE once attached", 0 },
	{ "verbose", 'v', NULL, 0, "Verbose libbpf output", 0 },
	{},
};

static error_t parse_common(int key, char *arg, struct argp_state *state)
{
	struct qlat_env *env = state->input;
	long v;

	switch (key) {
	case 'v':
		env->verbose = true;
		break;
	case 'i':
		if (qlat_parse_uint(arg, 86400, &v) || !v)
			argp_error(state, "invalid interval '%s'", arg);
		env->interval = v;
		break;
	case 'c':
		if (qlat_parse_uint(arg, 1000000, &v) || !v)
			argp_error(state, "invalid count '%s'", arg);
		env->count = v;
		break;
	case 'd':
		if (qlat_parse_uint(arg, 86400 * 365, &v) || !v)
			argp_error(state, "invalid duration '%s'", arg);
		env->duration = v;
		break;
	case 'T':
		env->timestamp = true;
		break;
	case 'q':
		env->quiet = true;
		break;
	case 'u':
		env->unit = QLAT_UNIT_US;
		break;
	case 'm':
		env->unit = QLAT_UNIT_MS;
		break;
	case OPT_JSON:
		env->format = QLAT_FMT_JSON;
		break;
	case OPT_OPENMETRICS:
		env->format = QLAT_FMT_OPENMETRICS;
		break;
	case OPT_ATTACH:
		if (qlat_parse_attach(arg, &env->attach))
			argp_error(state, "invalid attach mode '%s'", arg);
		break;
	case OPT_READY:
		env->ready_file = arg;
		break;
	case OPT_JSON_FILE:
		env->json_file = arg;
		break;
	case OPT_OM_FILE:
		env->om_file = arg;
		break;
	case OPT_PROM_FILE:
		env->prom_file = arg;
		break;
	case OPT_THRESHOLD:
		if (qlat_parse_ns(arg, &env->threshold_ns) || !env->threshold_ns)
			argp_error(state, "invalid threshold '%s' (1 to 2^63-1 ns; "
				   "suffix ns, us, ms or s, default ns)", arg);
		break;
	case ARGP_KEY_ARG:
		/* libbpf-tools' positional [interval] [count] */
		if (state->arg_num == 0) {
			if (qlat_parse_uint(arg, 86400, &v) || !v)
				argp_error(state, "invalid interval '%s'", arg);
			env->interval = v;
		} else if (state->arg_num == 1) {
			if (qlat_parse_uint(arg, 1000000, &v) || !v)
				argp_error(state, "invalid count '%s'", arg);
			env->count = v;
		} else {
			argp_error(state, "too many arguments: [interval [count]] at most");
		}
		break;
	case ARGP_KEY_END:
		if (env->count && !env->interval)
			argp_error(state, "a count (-c) needs an interval (-i)");
		break;
	case OPT_EVIDENCE:
		if (qlat_parse_uint(arg, 100000, &v))
			argp_error(state, "invalid evidence count '%s' (0-100000)", arg);
		env->evidence = v;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp qlat_common_argp = {
	.options = common_opts,
	.parser = parse_common,
};
