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

void qlat_select_variant(struct bpf_object *obj, const char *name, bool full)
{
	struct bpf_program *prog;
	size_t n = strlen(name);

	bpf_object__for_each_program(prog, obj) {
		const char *p = bpf_program__name(prog);
		bool is_full;

		if (strncmp(p, name, n) || p[n] != '_')
			continue;
		is_full = !strncmp(p + n + 1, "full_", 5);
		if (is_full != full)
			bpf_program__set_autoload(prog, false);
	}
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

int qlat_read_state(int fd, __u64 *cnt, __u32 ncnt, struct qlat_hist *h, __u32 nh)
{
	size_t need = ncnt * sizeof(__u64) + nh * sizeof(struct qlat_hist), stride;
	int ncpus = libbpf_num_possible_cpus();
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct qlat_hist *ph = NULL;
	__u32 key = 0, i;
	char *vals;
	int cpu;

	if (ncpus < 0)
		return ncpus;
	/* the whole element, whatever part of it the caller wants */
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.value_size < need)
		return -EINVAL;
	stride = (info.value_size + 7) & ~(size_t)7;	/* per-CPU values: 8-byte aligned */
	vals = calloc(ncpus, stride);
	if (h && nh)
		ph = calloc(ncpus, sizeof(*ph));
	if (!vals || (h && nh && !ph)) {
		free(vals);
		free(ph);
		return -ENOMEM;
	}
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		int err = -errno;

		free(vals);
		free(ph);
		return err;
	}
	for (i = 0; i < ncnt; i++) {
		cnt[i] = 0;
		for (cpu = 0; cpu < ncpus; cpu++)
			cnt[i] += ((__u64 *)(vals + cpu * stride))[i];
	}
	for (i = 0; ph && i < nh; i++) {
		for (cpu = 0; cpu < ncpus; cpu++)
			memcpy(&ph[cpu], vals + cpu * stride + ncnt * sizeof(__u64) +
			       i * sizeof(struct qlat_hist), sizeof(struct qlat_hist));
		qlat_hist_init(&h[i]);
		qlat_hist_merge_percpu(&h[i], ph, ncpus);
	}
	free(vals);
	free(ph);
	return 0;
}

int qlat_ksyms(const char *module, const char *const *names, __u64 *addrs, int n)
{
	return qlat_ksyms_file("/proc/kallsyms", module, names, addrs, n);
}

int qlat_ksyms_file(const char *path, const char *module, const char *const *names,
		    __u64 *addrs, int n)
{
	char line[512], sym[256], tag[136], type;
	size_t taglen = 0, len;
	unsigned long long addr;
	int i, found = 0;
	bool in = false;
	FILE *f;

	for (i = 0; i < n; i++)
		addrs[i] = 0;
	f = fopen(path, "r");
	if (!f)
		return 0;
	/* a module's lines end in "\t[module]": only those are parsed */
	if (module)
		taglen = snprintf(tag, sizeof(tag), "\t[%s]\n", module);
	/*
	 * The kernel lists vmlinux's symbols first, then each module's
	 * together (module_get_kallsym()), then BPF's and ftrace's: the
	 * lines sought end where the first line of another part follows
	 * them. The rest is not read for a name that is absent (on 6.12,
	 * vhost_zerocopy_callback): 5,040 of 168,586 lines on Debian's 6.12
	 * with vhost_net and this project's modules loaded, each formatted
	 * by the kernel (reading all of /proc/kallsyms takes 360 ms of
	 * system time there under TCG with -icount shift=0).
	 */
	while (found < n && fgets(line, sizeof(line), f)) {
		len = strlen(line);
		if (module ? len < taglen || memcmp(line + len - taglen, tag, taglen) :
			     strchr(line, '[') != NULL) {
			if (in)
				break;
			continue;
		}
		in = true;
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) != 3)
			continue;
		for (i = 0; i < n; i++) {
			if (!addrs[i] && !strcmp(sym, names[i])) {
				addrs[i] = addr;
				found++;
			}
		}
	}
	fclose(f);
	return found;
}
