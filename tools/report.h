/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every qlat subcommand prints, and how: one reading of its BPF maps
 * handed to its printers (terminal, JSON, OpenMetrics), the files kept up
 * to date atomically, the drops line, the JSON document head.
 */
#ifndef __QLAT_TOOLS_REPORT_H
#define __QLAT_TOOLS_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "cli.h"
#include "hist.h"
#include "openmetrics.h"

/*
 * Write a whole file atomically: begin returns a stream on PATH.tmp (NULL
 * when path is NULL or on error, reported), commit closes and renames it
 * over PATH. Readers (e.g. a textfile collector) never see a partial file.
 */
FILE *qlat_file_begin(const char *path);
int qlat_file_commit(FILE *f, const char *path);

/* One reading of a subcommand's BPF maps, for its printers */
struct qlat_snapshot {
	__u64 *cnt;		/* counters, summed over CPUs */
	struct qlat_hist *h;	/* histograms, merged over CPUs */
	__u64 *drop;		/* recursion misses per prog_events[] entry */
	bool final;
	double timestamp;	/* -T: seconds since the epoch (CLOCK_REALTIME) at the read; else 0 */
};

/*
 * JSON document head every subcommand writes: tool, subcommand, schema,
 * attach, final, elapsed_s, and with -T timestamp (s->timestamp)
 */
json_object *qlat_json_doc(const char *subcommand, const char *attach,
			   const struct qlat_snapshot *s, double elapsed_s);

/* What a subcommand reports and how it prints it */
struct qlat_output {
	const char *who;			/* "qlat cmdq" */
	const char *const *prog_events;		/* BPF program name prefixes */
	unsigned int nprogs;
	unsigned int ncounters, nhists;
	/* the counters the programs leave to the tool, from the rest (or NULL) */
	void (*derive)(struct qlat_snapshot *s);
	void (*tty)(FILE *f, void *ctx, const struct qlat_snapshot *s);
	void (*json)(FILE *f, void *ctx, const struct qlat_snapshot *s);
	void (*openmetrics)(FILE *f, void *ctx, const struct qlat_snapshot *s);
};

/*
 * Read the counters and histograms (ncounters __u64 then nhists struct
 * qlat_hist, element 0 of the per-CPU map state_fd, with one syscall) and
 * the programs' misses, print them on stdout in env->format, and keep
 * --json-file and --openmetrics-file up to date. Returns QLAT_EXIT_OK or
 * QLAT_EXIT_USAGE.
 */
int qlat_report(const struct qlat_env *env, const struct qlat_output *out, void *ctx,
		struct bpf_object *obj, int state_fd, bool final);

/*
 * The events a subcommand's BPF programs missed (names[i]: program prefix,
 * drop[i]: recursion misses; counted false on the tracepoint path, where
 * 6.1 counts nothing) as a terminal line and as a JSON object (null values
 * when not counted).
 */
void qlat_tty_drops(FILE *f, const char *const *names, unsigned int n,
		    const __u64 *drop, bool counted);
json_object *qlat_json_drops(const char *const *names, unsigned int n,
			     const __u64 *drop, bool counted);

#endif /* __QLAT_TOOLS_REPORT_H */
