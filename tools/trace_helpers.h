/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF-side helpers of the qlat subcommands (as libbpf-tools' trace_helpers):
 * attach flavours and their fallback order, per-CPU map reads, programs'
 * recursion misses, /proc/kallsyms.
 */
#ifndef __QLAT_TOOLS_TRACE_HELPERS_H
#define __QLAT_TOOLS_TRACE_HELPERS_H

#include <stdbool.h>
#include <bpf/libbpf.h>
#include "hist.h"

enum qlat_attach {
	QLAT_ATTACH_AUTO,
	QLAT_ATTACH_TP_BTF,
	QLAT_ATTACH_RAW_TP,
	QLAT_ATTACH_TRACEPOINT,
	QLAT_ATTACH_NR,
};

const char *qlat_attach_name(enum qlat_attach a);
int qlat_parse_attach(const char *s, enum qlat_attach *a);

/*
 * Enable exactly the programs of one attach flavour: names ending in
 * "_btf" (tp_btf), "_raw" (raw_tp) or "_tp" (tracepoint).
 */
void qlat_select_progs(struct bpf_object *obj, enum qlat_attach a);
/*
 * Of a program that comes in two variants, NAME_<flavour> (the default
 * case: no filters, no evidence, so no code the verifier must prove dead
 * and remove) and NAME_full_<flavour> (with them), leave only the one
 * wanted loadable; after qlat_select_progs().
 */
void qlat_select_variant(struct bpf_object *obj, const char *name, bool full);
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

/* CLOCK_MONOTONIC now, in ns: the clock of bpf_ktime_get_ns() */
__u64 qlat_mono_ns(void);
/* Seconds since @start_ns (a qlat_mono_ns() value) */
double qlat_elapsed_s(__u64 start_ns);

/*
 * Element 0 of a PERCPU_ARRAY laid out as __u64 counters[ncnt] then struct
 * qlat_hist hists[nh] (struct cmdqlat_state, struct zclat_state), in one syscall:
 * the counters summed and the histograms merged over the CPUs. h may be NULL
 * (counters only).
 */
int qlat_read_state(int fd, __u64 *cnt, __u32 ncnt, struct qlat_hist *h, __u32 nh);

/*
 * Addresses of n symbols of one module (NULL: vmlinux) from one pass over
 * /proc/kallsyms, 0 where absent (or hidden by kptr_restrict); returns how
 * many were found.
 */
int qlat_ksyms(const char *module, const char *const *names, __u64 *addrs, int n);
/* the same from a file in /proc/kallsyms' format (for tests) */
int qlat_ksyms_file(const char *path, const char *module, const char *const *names,
		    __u64 *addrs, int n);

#endif /* __QLAT_TOOLS_TRACE_HELPERS_H */
