/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The command line and run loop every qlat subcommand shares: the common
 * options (-i -c -d -T -q -u -m --json ... --attach --threshold --evidence),
 * libbpf logging, signals, and the -i/-c/-d loop.
 */
#ifndef __QLAT_TOOLS_CLI_H
#define __QLAT_TOOLS_CLI_H

#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include "hist.h"
#include "trace_helpers.h"

/* Exit codes of qlat cmdq / qlat zc */
#define QLAT_EXIT_OK		0
#define QLAT_EXIT_USAGE		1	/* usage or setup error */
#define QLAT_EXIT_BREACH	2	/* --threshold / --max-misses breached */

enum qlat_format { QLAT_FMT_TTY, QLAT_FMT_JSON, QLAT_FMT_OPENMETRICS };

struct qlat_env {
	bool verbose;
	bool timestamp;		/* -T: wall-clock time in every JSON document */
	bool quiet;		/* -q: stdout gets the final report only */
	enum qlat_attach attach;
	enum qlat_format format;
	enum qlat_unit unit;
	int interval;		/* seconds, 0 = print once at the end */
	int count;		/* intervals, 0 = unlimited */
	int duration;		/* seconds, 0 = until SIGINT */
	const char *ready_file;	/* touched once attached (for scripts) */
	const char *json_file;	/* latest JSON document, replaced atomically */
	const char *om_file;	/* latest OpenMetrics text, replaced atomically */
	const char *prom_file;	/* the same in Prometheus text format 0.0.4 */
	__u64 threshold_ns;	/* --threshold: 0 = none */
	long max_misses;	/* --max-misses: -1 = none */
	unsigned int evidence;	/* --evidence: records kept for a breach */
};

/*
 * The options every subcommand shares (-i -c -d -T -q -u -m --json ... --attach
 * --threshold --evidence), as an argp child whose input is a struct
 * qlat_env. QLAT_ENV_INIT gives the defaults.
 */
extern const struct argp qlat_common_argp;
#define QLAT_ENV_INIT { .max_misses = -1, .evidence = 20 }

extern volatile sig_atomic_t qlat_exiting;

int qlat_parse_format(const char *s, enum qlat_format *f);
int qlat_parse_uint(const char *s, long max, long *v);
/*
 * A time: digits, then no suffix or ns (nanoseconds), us, ms or s, as rtla
 * takes thresholds; -EINVAL unless the result is below 2^63 ns
 */
int qlat_parse_ns(const char *s, __u64 *ns);

/* libbpf's messages (debug and fallback warnings only with -v), SIGINT/SIGTERM */
void qlat_setup(const struct qlat_env *env);

/*
 * Drive the -i/-c/-d loop: call print(ctx, final) at every interval and
 * once at the end (SIGINT, SIGTERM, duration, count, or stop() true).
 * Between those it sleeps; with a stop callback it calls that instead,
 * which may wait up to timeout_ms (e.g. in ring_buffer__poll()) and says
 * whether a limit was breached. Returns the last print() result.
 */
int qlat_run_loop(const struct qlat_env *env, int (*print)(void *ctx, bool final),
		  bool (*stop)(void *ctx, int timeout_ms), void *ctx);

#endif /* __QLAT_TOOLS_CLI_H */
