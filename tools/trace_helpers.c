// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BPF-side helpers of the qlat subcommands: attach flavours and their
 * fallback order, per-CPU map reads, recursion misses, kallsyms.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include "trace_helpers.h"

static const char *const attach_names[QLAT_ATTACH_NR] = {
	[QLAT_ATTACH_AUTO] = "auto",
	[QLAT_ATTACH_TP_BTF] = "tp_btf",
	[QLAT_ATTACH_RAW_TP] = "raw_tp",
	[QLAT_ATTACH_TRACEPOINT] = "tracepoint",
};

static const char *const attach_suffix[QLAT_ATTACH_NR] = {
	[QLAT_ATTACH_TP_BTF] = "_btf",
	[QLAT_ATTACH_RAW_TP] = "_raw",
	[QLAT_ATTACH_TRACEPOINT] = "_tp",
};

const char *qlat_attach_name(enum qlat_attach a)
{
	return a < QLAT_ATTACH_NR ? attach_names[a] : "?";
}

int qlat_parse_attach(const char *s, enum qlat_attach *a)
{
	int i;

	for (i = 0; i < QLAT_ATTACH_NR; i++) {
		if (!strcmp(s, attach_names[i])) {
			*a = i;
			return 0;
		}
	}
	return -EINVAL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

void qlat_select_progs(struct bpf_object *obj, enum qlat_attach a)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, ends_with(bpf_program__name(prog),
							  attach_suffix[a]));
}

static bool path_exists(const char *fmt, const char *arg)
{
	char path[256];

	snprintf(path, sizeof(path), fmt, arg);
	return access(path, F_OK) == 0;
}

int qlat_attach_order(enum qlat_attach forced, const char *module,
		      const char *system, enum qlat_attach order[QLAT_ATTACH_NR])
{
	int n = 0;

	if (forced != QLAT_ATTACH_AUTO) {
		order[n++] = forced;
		return n;
	}
	if (path_exists("/sys/kernel/btf/%s", module))
		order[n++] = QLAT_ATTACH_TP_BTF;
	order[n++] = QLAT_ATTACH_RAW_TP;
	if (path_exists("/sys/kernel/tracing/events/%s", system) ||
	    path_exists("/sys/kernel/debug/tracing/events/%s", system))
		order[n++] = QLAT_ATTACH_TRACEPOINT;
	return n;
}

void qlat_attach_failed(const char *who, enum qlat_attach forced, const char *module,
			const char *system, int err)
{
	if (!path_exists("/sys/module/%s", module))
		fprintf(stderr, "%s: %s.ko is not loaded\n", who, module);
	else if (forced == QLAT_ATTACH_TP_BTF && !path_exists("/sys/kernel/btf/%s", module))
		fprintf(stderr, "%s: tp_btf needs module BTF, and /sys/kernel/btf/%s is missing "
			"(module built without BTF?); use --attach=raw_tp or tracepoint\n",
			who, module);
	else if (forced == QLAT_ATTACH_TRACEPOINT &&
		 !path_exists("/sys/kernel/tracing/events/%s", system) &&
		 !path_exists("/sys/kernel/debug/tracing/events/%s", system))
		fprintf(stderr, "%s: the tracepoint path needs tracefs with events/%s "
			"(mount -t tracefs nodev /sys/kernel/tracing)\n", who, system);
	else
		fprintf(stderr, "%s: cannot attach to the %s tracepoints: %s (-v for details)\n",
			who, system, strerror(-err));
}

__u64 qlat_prog_misses(struct bpf_object *obj, const char *event)
{
	size_t n = strlen(event);
	struct bpf_program *prog;
	__u64 sum = 0;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		const char *name = bpf_program__name(prog);

		if (!bpf_program__autoload(prog) || strncmp(name, event, n) || name[n] != '_')
			continue;
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			sum += info.recursion_misses;
	}
	return sum;
}

__u64 qlat_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

double qlat_elapsed_s(__u64 start_ns)
{
	return (qlat_mono_ns() - start_ns) / 1e9;
}

bool qlat_tp_misses_counted(void)
{
	unsigned int major, minor;
	struct utsname u;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 7);
}

int qlat_read_counters(int fd, __u64 *out, __u32 n)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 i;
	int cpu;

	if (ncpus < 0)
		return ncpus;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals)) {
			free(vals);
			return -errno;
		}
		out[i] = 0;
		for (cpu = 0; cpu < ncpus; cpu++)
			out[i] += vals[cpu];
	}
	free(vals);
	return 0;
}

int qlat_read_hists(int fd, struct qlat_hist *out, __u32 n)
{
	int ncpus = libbpf_num_possible_cpus();
	struct qlat_hist *vals;
	__u32 i;

	if (ncpus < 0)
		return ncpus;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals)) {
			free(vals);
			return -errno;
		}
		qlat_hist_init(&out[i]);
		qlat_hist_merge_percpu(&out[i], vals, ncpus);
	}
	free(vals);
	return 0;
}

__u64 qlat_ksym(const char *name, const char *module)
{
	char line[512], sym[256], mod[128], type;
	unsigned long long addr, found = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		int n;

		mod[0] = 0;
		n = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, sym, mod);
		if (n < 3 || strcmp(sym, name))
			continue;
		if (module && strcmp(mod, module))
			continue;
		found = addr;
		break;
	}
	fclose(f);
	return found;
}
