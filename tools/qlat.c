// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * qlat: latency histograms for CMDQ display packets and vhost zero-copy
 * completions, from their tracepoints, with CO-RE BPF.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "qlat.h"

volatile sig_atomic_t qlat_exiting;
static bool verbose;

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

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	if (level == LIBBPF_WARN && !verbose)
		return 0;	/* fallback attempts are expected to fail; see -v */
	return vfprintf(stderr, fmt, args);
}

static void sig_handler(int sig)
{
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

FILE *qlat_file_begin(const char *path)
{
	char tmp[4096];
	FILE *f;

	if (!path)
		return NULL;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		fprintf(stderr, "qlat: %s: %s\n", tmp, strerror(errno));
	return f;
}

int qlat_file_commit(FILE *f, const char *path)
{
	char tmp[4096];
	int err = ferror(f);

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (fclose(f) || err || rename(tmp, path)) {
		fprintf(stderr, "qlat: writing %s failed: %s\n", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int qlat_run_loop(const struct qlat_env *env, int (*print)(void *ctx, bool final),
		  bool (*stop)(void *ctx), void *ctx)
{
	double start = now_s(), next = env->interval ? start + env->interval : 0;
	int intervals = 0, ret = 0;

	if (env->ready_file) {
		int fd = open(env->ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
			close(fd);
	}
	while (!qlat_exiting) {
		double t;

		usleep(10000);
		t = now_s();
		if (stop && stop(ctx))
			break;
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

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: qlat SUBCOMMAND [OPTION...]\n"
		"Latency histograms for CMDQ display packets from their tracepoints.\n\n"
		"Subcommands:\n"
		"  cmdq    flush->EOC, EOC->callback and vblank deadline slack/misses\n\n"
		"Run 'qlat SUBCOMMAND --help' for the options of each.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return QLAT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "cmdq")) {
		argv[1] = "qlat cmdq";	/* argp's program name */
		return cmdqlat_main(argc - 1, argv + 1);
	}
	fprintf(stderr, "qlat: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return QLAT_EXIT_USAGE;
}
