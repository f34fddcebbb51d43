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
#include <sys/utsname.h>
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
		  bool (*stop)(void *ctx, int timeout_ms), void *ctx)
{
	double start = now_s(), next = env->interval ? start + env->interval : 0;
	/* a stop callback also watches counters: let it look 5 times a second */
	double step = stop ? 0.2 : 1.0;
	int intervals = 0, ret = 0;

	if (env->ready_file) {
		int fd = open(env->ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
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
	{ "threshold", OPT_THRESHOLD, "NS", 0,
	  "Stop when one event's latency exceeds NS nanoseconds", 0 },
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
	char *end;
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
		errno = 0;
		env->threshold_ns = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || *arg == '-' || !env->threshold_ns ||
		    env->threshold_ns >> 63)
			argp_error(state, "invalid threshold '%s' (ns, 1 to 2^63-1)", arg);
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

static int evidence_sample(void *ctx, void *data, size_t size)
{
	struct qlat_evidence *ev = ctx;
	const struct qlat_event *e = data;

	if (size < sizeof(*e) || ev->breach)
		return 0;	/* keep what led to the breach, not what followed */
	if (ev->keep) {
		ev->ring[ev->next] = *e;
		ev->next = (ev->next + 1) % ev->keep;
	}
	ev->seen++;
	if (e->flags & QLAT_EVF_MISS)
		ev->misses++;
	if (ev->threshold_ns && (e->flags & QLAT_EVF_OVER)) {
		ev->breach = QLAT_BREACH_THRESHOLD;
		ev->trigger_seen = ev->seen;
	} else if (ev->max_misses >= 0 && (e->flags & QLAT_EVF_MISS) &&
		   ev->misses > (__u64)ev->max_misses) {
		ev->breach = QLAT_BREACH_MISSES;
		ev->trigger_seen = ev->seen;
	}
	return 0;
}

int qlat_evidence_open(struct qlat_evidence *ev, const struct qlat_env *env, int map_fd)
{
	memset(ev, 0, sizeof(*ev));
	ev->threshold_ns = env->threshold_ns;
	ev->max_misses = env->max_misses;
	if (!env->threshold_ns && env->max_misses < 0)
		return 0;
	ev->keep = env->evidence;
	ev->ring = calloc(ev->keep ? ev->keep : 1, sizeof(*ev->ring));
	if (!ev->ring)
		return -ENOMEM;
	ev->rb = ring_buffer__new(map_fd, evidence_sample, ev, NULL);
	if (!ev->rb) {
		int err = -errno;

		free(ev->ring);
		ev->ring = NULL;
		return err;
	}
	return 0;
}

enum qlat_breach qlat_evidence_poll(struct qlat_evidence *ev, int timeout_ms)
{
	if (ev->rb && !ev->breach)
		ring_buffer__poll(ev->rb, timeout_ms);	/* -EINTR on a signal: fine */
	return ev->breach;
}

void qlat_evidence_breach(struct qlat_evidence *ev, enum qlat_breach b)
{
	if (!ev->breach)
		ev->breach = b;
}

const char *qlat_breach_name(enum qlat_breach b)
{
	switch (b) {
	case QLAT_BREACH_THRESHOLD:
		return "threshold";
	case QLAT_BREACH_MISSES:
		return "max-misses";
	default:
		return "none";
	}
}

/* Records kept, oldest first: the i-th is ev->ring[(first + i) % keep] */
static unsigned int evidence_kept(const struct qlat_evidence *ev, unsigned int *first)
{
	unsigned int n = ev->seen < ev->keep ? ev->seen : ev->keep;

	*first = ev->seen < ev->keep ? 0 : ev->next;
	return n;
}

static const struct qlat_event *evidence_trigger(const struct qlat_evidence *ev)
{
	if (!ev->trigger_seen || !ev->keep)
		return NULL;
	return &ev->ring[(ev->next + ev->keep - 1) % ev->keep];
}

static void breach_reason(const struct qlat_evidence *ev, char *buf, size_t n)
{
	if (ev->breach == QLAT_BREACH_THRESHOLD)
		snprintf(buf, n, "an event took more than %llu ns (--threshold)",
			 (unsigned long long)ev->threshold_ns);
	else
		snprintf(buf, n, "more than %ld deadline misses (--max-misses)",
			 ev->max_misses);
}

void qlat_evidence_print(const struct qlat_evidence *ev, FILE *f, __u64 rb_drops,
			 void (*fmt)(FILE *f, const struct qlat_event *e))
{
	const struct qlat_event *t = evidence_trigger(ev);
	unsigned int first, n, i;
	char reason[128];

	if (!ev->breach)
		return;
	breach_reason(ev, reason, sizeof(reason));
	fprintf(f, "BREACH: %s\n", reason);
	if (!ev->trigger_seen)
		fprintf(f, "the triggering record was lost (ring buffer full: %llu records "
			"dropped); the BPF counters saw the breach\n",
			(unsigned long long)rb_drops);
	if (!ev->keep)
		return;
	n = evidence_kept(ev, &first);
	fprintf(f, "last %u of %llu events (times relative to the %s; ring-buffer drops %llu):\n",
		n, (unsigned long long)ev->seen, t ? "breach" : "last record",
		(unsigned long long)rb_drops);
	if (!t && n)
		t = &ev->ring[(first + n - 1) % ev->keep];
	for (i = 0; i < n; i++) {
		const struct qlat_event *e = &ev->ring[(first + i) % ev->keep];

		fprintf(f, "  %+12.3f us  ", ((double)(__s64)(e->ts_ns - t->ts_ns)) / 1e3);
		fmt(f, e);
		fprintf(f, "%s\n", e == t && ev->trigger_seen ? "   <== breach" : "");
	}
}

json_object *qlat_evidence_json(const struct qlat_evidence *ev, __u64 rb_drops,
				void (*fmt)(json_object *o, const struct qlat_event *e))
{
	const struct qlat_event *t = evidence_trigger(ev);
	json_object *o, *a;
	unsigned int first, n, i;
	char reason[128];

	if (!ev->breach)
		return NULL;
	o = json_object_new_object();
	a = json_object_new_array();
	breach_reason(ev, reason, sizeof(reason));
	json_object_object_add(o, "reason", json_object_new_string(qlat_breach_name(ev->breach)));
	json_object_object_add(o, "message", json_object_new_string(reason));
	json_object_object_add(o, "records_seen", json_object_new_uint64(ev->seen));
	json_object_object_add(o, "ring_drops", json_object_new_uint64(rb_drops));
	json_object_object_add(o, "trigger_recorded", json_object_new_boolean(t != NULL));
	n = evidence_kept(ev, &first);
	for (i = 0; i < n; i++) {
		const struct qlat_event *e = &ev->ring[(first + i) % ev->keep];
		json_object *r = json_object_new_object();

		json_object_object_add(r, "ts_ns", json_object_new_uint64(e->ts_ns));
		json_object_object_add(r, "value_ns", json_object_new_uint64(e->value));
		fmt(r, e);
		json_object_array_add(a, r);
	}
	json_object_object_add(o, "events", a);
	return o;
}

void qlat_evidence_close(struct qlat_evidence *ev)
{
	ring_buffer__free(ev->rb);
	free(ev->ring);
	memset(ev, 0, sizeof(*ev));
}

int qlat_report(const struct qlat_env *env, const struct qlat_output *out, void *ctx,
		struct bpf_object *obj, int counters_fd, int hists_fd, bool final)
{
	struct qlat_snapshot s = { .final = final };
	unsigned int i;
	int err = -ENOMEM;
	FILE *f;

	s.cnt = calloc(out->ncounters, sizeof(*s.cnt));
	s.h = calloc(out->nhists, sizeof(*s.h));
	s.drop = calloc(out->nprogs, sizeof(*s.drop));
	if (s.cnt && s.h && s.drop) {
		err = qlat_read_counters(counters_fd, s.cnt, out->ncounters);
		if (!err)
			err = qlat_read_hists(hists_fd, s.h, out->nhists);
	}
	if (err) {
		fprintf(stderr, "%s: reading maps: %s\n", out->who, strerror(-err));
		goto out;
	}
	for (i = 0; i < out->nprogs; i++)
		s.drop[i] = qlat_prog_misses(obj, out->prog_events[i]);
	switch (env->format) {
	case QLAT_FMT_JSON:
		out->json(stdout, ctx, &s);
		break;
	case QLAT_FMT_OPENMETRICS:
		out->openmetrics(stdout, ctx, &s);
		break;
	default:
		out->tty(stdout, ctx, &s);
	}
	fflush(stdout);
	f = qlat_file_begin(env->json_file);
	if (f) {
		out->json(f, ctx, &s);
		err |= qlat_file_commit(f, env->json_file);
	}
	f = qlat_file_begin(env->om_file);
	if (f) {
		out->openmetrics(f, ctx, &s);
		err |= qlat_file_commit(f, env->om_file);
	}
	f = qlat_file_begin(env->prom_file);
	if (f) {
		qlat_om_prom = true;
		out->openmetrics(f, ctx, &s);
		qlat_om_prom = false;
		err |= qlat_file_commit(f, env->prom_file);
	}
out:
	free(s.cnt);
	free(s.h);
	free(s.drop);
	return err ? QLAT_EXIT_USAGE : QLAT_EXIT_OK;
}

void qlat_tty_drops(FILE *f, const char *const *names, unsigned int n,
		    const __u64 *drop, bool counted)
{
	__u64 sum = 0;
	unsigned int i;

	if (!counted) {
		fprintf(f, "dropped: not counted on the tracepoint path before Linux 6.7 "
			"(use tp_btf or raw_tp)\n");
		return;
	}
	for (i = 0; i < n; i++)
		sum += drop[i];
	fprintf(f, "dropped: %llu", (unsigned long long)sum);
	for (i = 0; sum && i < n; i++)
		fprintf(f, " %s %llu", names[i], (unsigned long long)drop[i]);
	fprintf(f, " (events a BPF program missed: it was already running on that CPU)\n");
}

json_object *qlat_json_drops(const char *const *names, unsigned int n,
			     const __u64 *drop, bool counted)
{
	json_object *d = json_object_new_object();
	unsigned int i;

	for (i = 0; i < n; i++)
		json_object_object_add(d, names[i],
				       counted ? json_object_new_uint64(drop[i]) : NULL);
	return d;
}

bool qlat_om_prom;

void qlat_om_family(FILE *f, const char *name, const char *type, const char *unit,
		    const char *help)
{
	const char *sfx = qlat_om_prom && !strcmp(type, "counter") ? "_total" : "";

	fprintf(f, "# TYPE %s%s %s\n", name, sfx, type);
	if (unit && !qlat_om_prom)
		fprintf(f, "# UNIT %s %s\n", name, unit);
	fprintf(f, "# HELP %s%s %s\n", name, sfx, help);
}

void qlat_om_end(FILE *f)
{
	if (!qlat_om_prom)
		fprintf(f, "# EOF\n");
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

json_object *qlat_json_doc(const char *subcommand, const char *attach, bool final,
			   double elapsed_s)
{
	json_object *doc = json_object_new_object();

	json_object_object_add(doc, "tool", json_object_new_string("qlat"));
	json_object_object_add(doc, "subcommand", json_object_new_string(subcommand));
	json_object_object_add(doc, "schema", json_object_new_int(1));
	json_object_object_add(doc, "attach", json_object_new_string(attach));
	json_object_object_add(doc, "final", json_object_new_boolean(final));
	json_object_object_add(doc, "elapsed_s", json_object_new_double(elapsed_s));
	return doc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: qlat SUBCOMMAND [OPTION...]\n"
		"Latency histograms for CMDQ display packets and vhost zero-copy TX\n"
		"completions, from their tracepoints.\n\n"
		"Subcommands:\n"
		"  cmdq    flush->EOC, EOC->callback and vblank deadline slack/misses\n"
		"  zc      vhost zero-copy submit->complete->dequeue->signal, copy fallbacks\n"
		"          (vhost-zc-net, or stock vhost_net with --stock)\n"
		"  gate    compare runs against a baseline: exit 0 pass, 2 regression,\n"
		"          3 inconclusive\n\n"
		"Run 'qlat SUBCOMMAND --help' for the options of each.\n");
}

int main(int argc, char **argv)
{
	argp_err_exit_status = QLAT_EXIT_USAGE;	/* argp's default is EX_USAGE (64) */
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
	if (!strcmp(argv[1], "zc")) {
		argv[1] = "qlat zc";
		return zclat_main(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "gate")) {
		argv[1] = "qlat gate";
		return gate_main(argc - 1, argv + 1);
	}
	fprintf(stderr, "qlat: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return QLAT_EXIT_USAGE;
}
