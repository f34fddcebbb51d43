/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Common pieces of the qlat subcommands. */
#ifndef __QLAT_TOOLS_QLAT_H
#define __QLAT_TOOLS_QLAT_H

#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "hist.h"
#include "qlat/evidence.h"

/* Exit codes of qlat cmdq / qlat zc */
#define QLAT_EXIT_OK		0
#define QLAT_EXIT_USAGE		1	/* usage or setup error */
#define QLAT_EXIT_BREACH	2	/* --threshold / --max-misses breached */

enum qlat_attach {
	QLAT_ATTACH_AUTO,
	QLAT_ATTACH_TP_BTF,
	QLAT_ATTACH_RAW_TP,
	QLAT_ATTACH_TRACEPOINT,
	QLAT_ATTACH_NR,
};

enum qlat_format { QLAT_FMT_TTY, QLAT_FMT_JSON, QLAT_FMT_OPENMETRICS };

struct qlat_env {
	bool verbose;
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
 * The options every subcommand shares (-i -c -d -u -m --json ... --attach
 * --threshold --evidence), as an argp child whose input is a struct
 * qlat_env. QLAT_ENV_INIT gives the defaults.
 */
extern const struct argp qlat_common_argp;
#define QLAT_ENV_INIT { .max_misses = -1, .evidence = 20 }

/*
 * Breach evidence: the last env->evidence records from the "qlat_events"
 * BPF ring buffer (include/qlat/evidence.h), and the first record over
 * --threshold or past --max-misses.
 */
enum qlat_breach { QLAT_BREACH_NONE, QLAT_BREACH_THRESHOLD, QLAT_BREACH_MISSES };

struct qlat_evidence {
	struct ring_buffer *rb;
	struct qlat_event *ring;	/* circular, `keep` records */
	unsigned int keep, next;
	__u64 seen;			/* records received */
	__u64 misses;			/* ... of which QLAT_EVF_MISS */
	__u64 threshold_ns;
	long max_misses;
	enum qlat_breach breach;
	__u64 trigger_seen;		/* index of the triggering record + 1; 0 if lost */
};

/* NULL map_fd < 0 or no limits: evidence off (returns 0, ev->rb NULL) */
int qlat_evidence_open(struct qlat_evidence *ev, const struct qlat_env *env, int map_fd);
/* Wait up to timeout_ms for records, take them in; returns the breach state */
enum qlat_breach qlat_evidence_poll(struct qlat_evidence *ev, int timeout_ms);
/* Record a breach seen in the BPF counters (its record may have been lost) */
void qlat_evidence_breach(struct qlat_evidence *ev, enum qlat_breach b);
const char *qlat_breach_name(enum qlat_breach b);
/*
 * Print the breach and the records leading up to it, oldest first, times
 * relative to the trigger; fmt prints one record's subcommand fields.
 */
void qlat_evidence_print(const struct qlat_evidence *ev, FILE *f, __u64 rb_drops,
			 void (*fmt)(FILE *f, const struct qlat_event *e));
/* The same as a JSON object: { reason, records_seen, ring_drops, events[] } */
json_object *qlat_evidence_json(const struct qlat_evidence *ev, __u64 rb_drops,
				void (*fmt)(json_object *o, const struct qlat_event *e));
void qlat_evidence_close(struct qlat_evidence *ev);

extern volatile sig_atomic_t qlat_exiting;

const char *qlat_attach_name(enum qlat_attach a);
int qlat_parse_attach(const char *s, enum qlat_attach *a);
int qlat_parse_format(const char *s, enum qlat_format *f);
int qlat_parse_uint(const char *s, long max, long *v);

void qlat_setup(const struct qlat_env *env);

/*
 * Enable exactly the programs of one attach flavour: names ending in
 * "_btf" (tp_btf), "_raw" (raw_tp) or "_tp" (tracepoint).
 */
void qlat_select_progs(struct bpf_object *obj, enum qlat_attach a);
/*
 * Order of flavours to try for a forced or automatic attach: tp_btf only
 * when /sys/kernel/btf/<module> exists, tracepoint only when tracefs has
 * the events/<system>. Returns the number of entries written to order[].
 */
int qlat_attach_order(enum qlat_attach forced, const char *module,
		      const char *system, enum qlat_attach order[QLAT_ATTACH_NR]);

/*
 * Events a BPF program did not see because it was already running on that
 * CPU (e.g. a hardirq tracepoint interrupting the same program in process
 * context): the kernel's recursion_misses, summed over the loaded programs
 * whose name starts with "<event>_".
 */
__u64 qlat_prog_misses(struct bpf_object *obj, const char *event);

/*
 * Does the running kernel count the runs of SEC("tracepoint") programs
 * (the perf-event path, trace_call_bpf()) it skips because a BPF program
 * is already active on the CPU? 6.7 and later add them to the programs'
 * recursion_misses ("bpf: Count missed stats in trace_call_bpf"), as for
 * tp_btf and raw_tp; 6.1 counts them nowhere.
 */
bool qlat_tp_misses_counted(void);

/* Explain why no flavour could attach (module missing, no BTF, no tracefs) */
void qlat_attach_failed(const char *who, enum qlat_attach forced, const char *module,
			const char *system, int err);

/* Sum of the per-CPU values of a PERCPU_ARRAY of __u64 */
int qlat_read_counters(int fd, __u64 *out, __u32 n);
/* Merged per-CPU qlat_hist entries of a PERCPU_ARRAY */
int qlat_read_hists(int fd, struct qlat_hist *out, __u32 n);

/*
 * Drive the -i/-c/-d loop: call print(ctx, final) at every interval and
 * once at the end (SIGINT, SIGTERM, duration, count, or stop() true).
 * Between those it sleeps; with a stop callback it calls that instead,
 * which may wait up to timeout_ms (e.g. in ring_buffer__poll()) and says
 * whether a limit was breached. Returns the last print() result.
 */
int qlat_run_loop(const struct qlat_env *env, int (*print)(void *ctx, bool final),
		  bool (*stop)(void *ctx, int timeout_ms), void *ctx);

/*
 * Write a whole file atomically: begin returns a stream on PATH.tmp (NULL
 * when path is NULL or on error, reported), commit closes and renames it
 * over PATH. Readers (e.g. a textfile collector) never see a partial file.
 */
FILE *qlat_file_begin(const char *path);
int qlat_file_commit(FILE *f, const char *path);

/* Address of a symbol in /proc/kallsyms (module: "[mod]" column, or NULL); 0 if absent */
__u64 qlat_ksym(const char *name, const char *module);

/* JSON document head every subcommand writes: tool, subcommand, schema, attach, final, elapsed_s */
json_object *qlat_json_doc(const char *subcommand, const char *attach, bool final,
			   double elapsed_s);

/* One reading of a subcommand's BPF maps, for its printers */
struct qlat_snapshot {
	__u64 *cnt;		/* counters, summed over CPUs */
	struct qlat_hist *h;	/* histograms, merged over CPUs */
	__u64 *drop;		/* recursion misses per prog_events[] entry */
	bool final;
};

/* What a subcommand reports and how it prints it */
struct qlat_output {
	const char *who;			/* "qlat cmdq" */
	const char *const *prog_events;		/* BPF program name prefixes */
	unsigned int nprogs;
	unsigned int ncounters, nhists;
	void (*tty)(FILE *f, void *ctx, const struct qlat_snapshot *s);
	void (*json)(FILE *f, void *ctx, const struct qlat_snapshot *s);
	void (*openmetrics)(FILE *f, void *ctx, const struct qlat_snapshot *s);
};

/*
 * Read the counters and histograms (PERCPU_ARRAYs) and the programs'
 * misses, print them on stdout in env->format, and keep --json-file and
 * --openmetrics-file up to date. Returns QLAT_EXIT_OK or QLAT_EXIT_USAGE.
 */
int qlat_report(const struct qlat_env *env, const struct qlat_output *out, void *ctx,
		struct bpf_object *obj, int counters_fd, int hists_fd, bool final);

/*
 * The pieces every subcommand prints the same way: the events its BPF
 * programs missed (names[i]: program prefix, drop[i]: recursion misses;
 * counted false on the tracepoint path, where 6.1 counts nothing) as a
 * terminal line and as a JSON object (null values when not counted), and
 * an OpenMetrics family's TYPE, UNIT (unit may be NULL) and HELP lines,
 * and the end of an exposition. While qlat_om_prom is set they write the
 * Prometheus text format 0.0.4 instead (node_exporter's textfile
 * collector): a counter family is named as its samples (NAME_total), no
 * UNIT, no # EOF; the samples are the same.
 */
void qlat_tty_drops(FILE *f, const char *const *names, unsigned int n,
		    const __u64 *drop, bool counted);
json_object *qlat_json_drops(const char *const *names, unsigned int n,
			     const __u64 *drop, bool counted);
extern bool qlat_om_prom;
void qlat_om_family(FILE *f, const char *name, const char *type, const char *unit,
		    const char *help);
void qlat_om_end(FILE *f);

int cmdqlat_main(int argc, char **argv);
int zclat_main(int argc, char **argv);
int gate_main(int argc, char **argv);

#endif /* __QLAT_TOOLS_QLAT_H */
