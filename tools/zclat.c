// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * qlat zc: vhost zero-copy TX latency per vq: submit->complete (how long
 * the guest's buffer stays pinned), complete->dequeue (how long the
 * completion waits for the vq worker) and submit->signal (until the guest
 * is told), and the copy-fallback ratio. From the vhost_zc:* tracepoints
 * of vhost-zc-net, or with --stock from stock vhost_net's zero-copy path
 * through fentry.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "qlat.h"
#include "qlat/zclat.h"
#include "zclat.skel.h"
#include "zcstock.skel.h"

static struct zclat_env {
	struct qlat_env common;
	int vq;
	long dev;
	bool stock;
	bool in_flight;
	long max_devices;
} env = {
	.common = QLAT_ENV_INIT,
	.vq = -1,
	.dev = -1,
	.max_devices = -1,
};

static const char *const metric_names[ZCLAT_NR_METRICS] = {
	[ZCLAT_SUBMIT_COMPLETE] = "submit_complete",
	[ZCLAT_COMPLETE_DEQUEUE] = "complete_dequeue",
	[ZCLAT_SUBMIT_SIGNAL] = "submit_signal",
	[ZCLAT_BATCH] = "batch",
};

static const char *const metric_titles[ZCLAT_NR_METRICS] = {
	[ZCLAT_SUBMIT_COMPLETE] = "submit -> complete (zero-copy buffer pinned)",
	[ZCLAT_COMPLETE_DEQUEUE] = "complete -> dequeue (notification delay)",
	[ZCLAT_SUBMIT_SIGNAL] = "submit -> signal (every used buffer)",
	[ZCLAT_BATCH] = "used entries per signal",
};

static const char *const counter_names[ZCLAT_NR_COUNTERS] = {
	[ZCLAT_EV_SUBMIT] = "submit",
	[ZCLAT_EV_SUBMIT_ZC] = "submit_zerocopy",
	[ZCLAT_EV_SUBMIT_COPY] = "submit_copied",
	[ZCLAT_EV_COMPLETE] = "complete",
	[ZCLAT_EV_USED_ZC] = "used_zerocopy",
	[ZCLAT_EV_ZC_COPIED] = "zerocopy_copied",
	[ZCLAT_EV_DEQUEUE] = "dequeue",
	[ZCLAT_EV_SIGNAL] = "signal",
	[ZCLAT_EV_SIGNALED] = "signaled",
	[ZCLAT_EV_FILTERED] = "filtered",
	[ZCLAT_EV_BADKEY] = "badkey",
	[ZCLAT_EV_UNMATCHED] = "unmatched",
	[ZCLAT_EV_MAP_FULL] = "map_full",
	[ZCLAT_EV_PARTIAL] = "partial",
	[ZCLAT_EV_PURGED] = "purged",
	[ZCLAT_EV_OVER] = "over_threshold",
	[ZCLAT_EV_RB_DROP] = "evidence_dropped",
};

/* BPF program name prefixes, one per probe */
static const char *const prog_events[] = {
	"submit", "complete", "dequeue", "signal", "copy", "reset",
};
#define NR_PROG_EVENTS (sizeof(prog_events) / sizeof(prog_events[0]))

static bool metric_is_ns(int m)
{
	return m != ZCLAT_BATCH;
}

struct zclat_run {
	struct zclat_bpf *zc;		/* vhost-zc-net tracepoints, or */
	struct zcstock_bpf *stock;	/* stock vhost_net through fentry */
	struct bpf_object *obj;
	int state_fd;			/* struct zclat_state */
	enum qlat_attach mode;
	__u64 start_ns;
	struct qlat_evidence ev;
};

static const char *attach_name(const struct zclat_run *run)
{
	return run->stock ? "fentry" : qlat_attach_name(run->mode);
}

/* recursion misses are counted on every path but SEC("tracepoint") before 6.7 */
static bool drops_counted(const struct zclat_run *run)
{
	return run->stock || run->mode != QLAT_ATTACH_TRACEPOINT || qlat_tp_misses_counted();
}

static const char argp_doc[] =
"qlat zc: vhost zero-copy TX completion latency per virtqueue.\n"
"\n"
"Histograms per vq: submit->complete (how long a zero-copy buffer stays\n"
"pinned), complete->dequeue (how long its completion waits for the vq\n"
"worker), submit->signal (until the guest is told, every used buffer) and\n"
"used entries per signal; the copy-fallback ratio. Source: the vhost_zc:*\n"
"tracepoints of vhost-zc-net, or with --stock stock vhost_net's zero-copy\n"
"path (experimental_zcopytx=1) through fentry.\n"
"\n"
"EXAMPLES:\n"
"    qlat zc                     # trace until Ctrl-C, then print\n"
"    qlat zc -i 1 -u             # print every second, in usecs\n"
"    qlat zc --vq 1 --json       # TX only, JSON\n"
"    qlat zc --stock             # stock vhost_net instead of vhost-zc-net\n"
"    qlat zc --threshold 1000000 # stop with evidence if a buffer takes > 1 ms\n";

enum {
	OPT_STOCK = 0x200,
	OPT_VQ,
	OPT_MAX_DEVICES,
	OPT_MAX_INFLIGHT,
	OPT_DEV,
	OPT_IN_FLIGHT,
};

static const struct argp_option opts[] = {
	{ NULL, 0, NULL, 0, "Selecting:", 1 },
	/* long only: -q is quiet (rtla), as in the common options */
	{ "vq", OPT_VQ, "VQ", 0, "Only virtqueue VQ (0 RX, 1 TX)", 0 },
	{ NULL, 'p', "PID", OPTION_HIDDEN, NULL, 0 },
	{ "dev", OPT_DEV, "ID", 0, "Only vhost-zc-net device ID (debugfs vhost_zc/<ID>)", 0 },
	{ "stock", OPT_STOCK, NULL, 0,
	  "Trace stock vhost_net's zero-copy TX (fentry) instead of vhost-zc-net", 0 },
	{ "in-flight", OPT_IN_FLIGHT, NULL, 0,
	  "Also attach vhost_zc_submit and _complete, so that submits and completions are "
	  "counted as they happen (default: when the buffer is used; costs two more events "
	  "per packet)", 0 },
	{ "max-devices", OPT_MAX_DEVICES, "N", 0,
	  "With --stock: vhost_net devices whose zero-copy sends can be timed at once "
	  "(default 64, 16 KiB each); the sends of one more are counted (map_full)", 0 },
	{ "max-inflight", OPT_MAX_INFLIGHT, "N", OPTION_HIDDEN, NULL, 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	long v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env.common;
		break;
	case 'h':
		argp_state_help(state, stderr, ARGP_HELP_STD_HELP);
		break;
	case 'p':
		argp_error(state, "-p: no PID filter here: the events run in vhost workers "
			   "and in whatever context frees a buffer, not in a guest's process. "
			   "A vhost-zc-net device is --dev ID (debugfs vhost_zc/<ID>)");
		break;
	case OPT_VQ:
		if (qlat_parse_uint(arg, ZCLAT_VQS - 1, &v))
			argp_error(state, "invalid vq '%s' (0-%d)", arg, ZCLAT_VQS - 1);
		env.vq = v;
		break;
	case OPT_DEV:
		if (qlat_parse_uint(arg, 0xffffffffL, &v))
			argp_error(state, "invalid device id '%s'", arg);
		env.dev = v;
		break;
	case OPT_STOCK:
		env.stock = true;
		break;
	case OPT_IN_FLIGHT:
		env.in_flight = true;
		break;
	case OPT_MAX_DEVICES:
		/* 4096 devices: a 64 MiB table */
		if (qlat_parse_uint(arg, 4096, &v) || !v)
			argp_error(state, "invalid device bound '%s' (1-4096)", arg);
		env.max_devices = v;
		break;
	case OPT_MAX_INFLIGHT:
		argp_error(state, "--max-inflight is gone: --stock times every send of a device "
			   "in one 16 KiB element; bound the devices with --max-devices");
		break;
	case ARGP_KEY_END:
		if (env.stock && env.common.attach != QLAT_ATTACH_AUTO)
			argp_error(state, "--stock attaches with fentry only; drop --attach");
		if (env.stock && env.dev >= 0)
			argp_error(state, "--dev selects vhost-zc-net devices, not stock ones");
		if (!env.stock && env.max_devices > 0)
			argp_error(state, "--max-devices bounds --stock's device map; "
				   "vhost-zc-net's events need no map");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* TX buffers the stack copied: at submit, or after a zero-copy attempt */
static void copy_fallback(const __u64 *cnt, __u64 *copied, __u64 *total)
{
	*copied = cnt[ZCLAT_EV_SUBMIT_COPY] + cnt[ZCLAT_EV_ZC_COPIED];
	*total = cnt[ZCLAT_EV_SUBMIT];
}

static void evidence_tty(FILE *f, const struct qlat_event *e)
{
	if (e->kind == ZCLAT_REC_USED)
		fprintf(f, "used   vq %u head %-5u submit->complete %llu ns%s%s", e->key, e->id,
			(unsigned long long)e->value,
			e->flags & QLAT_EVF_COPY ? " copied" : " zero-copy",
			e->flags & QLAT_EVF_FAIL ? " (failed)" : "");
	else
		fprintf(f, "signal vq %u entries %-3u worst submit->signal %llu ns", e->key,
			e->id, (unsigned long long)e->value);
	if (e->ext >= 0)
		fprintf(f, " dev %d", e->ext);
}

static void evidence_json(json_object *o, const struct qlat_event *e)
{
	bool used = e->kind == ZCLAT_REC_USED;

	json_object_object_add(o, "event", json_object_new_string(used ? "used" : "signal"));
	json_object_object_add(o, "vq", json_object_new_int(e->key));
	if (e->ext >= 0)
		json_object_object_add(o, "dev", json_object_new_int(e->ext));
	json_object_object_add(o, used ? "head" : "entries", json_object_new_int64(e->id));
	if (used) {
		json_object_object_add(o, "zerocopy",
				       json_object_new_boolean(!(e->flags & QLAT_EVF_COPY)));
		json_object_object_add(o, "success",
				       json_object_new_boolean(!(e->flags & QLAT_EVF_FAIL)));
	}
}

static void print_tty(FILE *f, void *ctx, const struct qlat_snapshot *s)
{
	struct zclat_run *run = ctx;
	const __u64 *cnt = s->cnt, *drop = s->drop;
	const struct qlat_hist *h = s->h;
	bool final = s->final;
	__u64 copied, total;
	char title[128];
	time_t t = time(NULL);
	struct tm tm;
	int i, m, q;

	localtime_r(&t, &tm);
	fprintf(f, "%02d:%02d:%02d qlat zc (%s, %s, %.1f s%s)\n", tm.tm_hour, tm.tm_min,
		tm.tm_sec, run->stock ? "stock vhost_net" : "vhost-zc-net", attach_name(run),
		qlat_elapsed_s(run->start_ns), final ? ", final" : "");
	fprintf(f, "events:");
	for (i = 0; i < ZCLAT_NR_COUNTERS; i++)
		fprintf(f, " %s %llu", counter_names[i], (unsigned long long)cnt[i]);
	copy_fallback(cnt, &copied, &total);
	fprintf(f, "\ncopy fallback: %llu of %llu TX buffers (%.2f%%): %llu at submit, "
		"%llu after zero-copy\n", (unsigned long long)copied, (unsigned long long)total,
		total ? 100.0 * copied / total : 0.0,
		(unsigned long long)cnt[ZCLAT_EV_SUBMIT_COPY],
		(unsigned long long)cnt[ZCLAT_EV_ZC_COPIED]);
	qlat_tty_drops(f, prog_events, NR_PROG_EVENTS, drop, drops_counted(run));
	if (cnt[ZCLAT_EV_MAP_FULL] || cnt[ZCLAT_EV_UNMATCHED])
		fprintf(f, "not timed: %llu (device map full, see --stock --max-devices), %llu "
			"(submitted before tracing began)\n",
			(unsigned long long)cnt[ZCLAT_EV_MAP_FULL],
			(unsigned long long)cnt[ZCLAT_EV_UNMATCHED]);
	fprintf(f, "\n");
	for (m = 0; m < ZCLAT_NR_METRICS; m++) {
		for (q = 0; q < ZCLAT_VQS; q++) {
			const struct qlat_hist *x = &h[m * ZCLAT_VQS + q];

			if (!x->count && !x->overflow)
				continue;
			snprintf(title, sizeof(title), "%s, vq %d (%s)", metric_titles[m], q,
				 q ? "TX" : "RX");
			qlat_hist_print(f, x, title,
					metric_is_ns(m) ? env.common.unit : QLAT_UNIT_NONE);
			fprintf(f, "\n");
		}
	}
	if (final)
		qlat_evidence_print(&run->ev, f, cnt[ZCLAT_EV_RB_DROP], evidence_tty);
}

static void print_json(FILE *f, void *ctx, const struct qlat_snapshot *s)
{
	struct zclat_run *run = ctx;
	const __u64 *cnt = s->cnt, *drop = s->drop;
	const struct qlat_hist *h = s->h;
	bool final = s->final;
	json_object *doc = qlat_json_doc("zc", attach_name(run), s,
					  qlat_elapsed_s(run->start_ns));
	json_object *c = json_object_new_object();
	json_object *cf = json_object_new_object();
	json_object *hs = json_object_new_array();
	__u64 copied, total;
	int i, m, q;

	json_object_object_add(doc, "source",
			       json_object_new_string(run->stock ? "vhost_net" : "vhost_zc"));
	for (i = 0; i < ZCLAT_NR_COUNTERS; i++)
		json_object_object_add(c, counter_names[i], json_object_new_uint64(cnt[i]));
	json_object_object_add(doc, "events", c);
	json_object_object_add(doc, "dropped", qlat_json_drops(prog_events, NR_PROG_EVENTS,
							       drop, drops_counted(run)));
	copy_fallback(cnt, &copied, &total);
	json_object_object_add(cf, "copied", json_object_new_uint64(copied));
	json_object_object_add(cf, "total", json_object_new_uint64(total));
	json_object_object_add(cf, "ratio", total ? json_object_new_double((double)copied / total)
						  : NULL);
	json_object_object_add(doc, "copy_fallback", cf);
	for (m = 0; m < ZCLAT_NR_METRICS; m++) {
		for (q = 0; q < ZCLAT_VQS; q++) {
			const struct qlat_hist *x = &h[m * ZCLAT_VQS + q];
			json_object *e;

			if (!x->count && !x->overflow)
				continue;
			e = json_object_new_object();
			json_object_object_add(e, "metric", json_object_new_string(metric_names[m]));
			json_object_object_add(e, "vq", json_object_new_int(q));
			json_object_object_add(e, "hist", qlat_hist_json(x, metric_is_ns(m)));
			json_object_array_add(hs, e);
		}
	}
	json_object_object_add(doc, "hists", hs);
	if (final && run->ev.breach)
		json_object_object_add(doc, "breach",
				       qlat_evidence_json(&run->ev, cnt[ZCLAT_EV_RB_DROP],
							  evidence_json));
	fprintf(f, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
}

/* the labels of a sample: source="...", then name="value" unless name is NULL */
static void om_labels(char *buf, size_t len, const char *src, const char *name,
		      const char *value)
{
	buf[0] = '\0';
	qlat_om_label(buf, len, "source", src);
	if (name)
		qlat_om_label(buf, len, name, value);
}

static void print_openmetrics(FILE *f, void *ctx, const struct qlat_snapshot *s)
{
	struct zclat_run *run = ctx;
	const __u64 *cnt = s->cnt, *drop = s->drop;
	const struct qlat_hist *h = s->h;
	const char *src = run->stock ? "vhost_net" : "vhost_zc";
	char name[96], labels[128], key[16];
	__u64 copied, total;
	int i, m, q;

	qlat_om_family(f, "qlat_zc_events", "counter", NULL,
		       "vhost zero-copy events seen by qlat.");
	for (i = 0; i < ZCLAT_NR_COUNTERS; i++) {
		om_labels(labels, sizeof(labels), src, "event", counter_names[i]);
		fprintf(f, "qlat_zc_events_total{%s} %llu\n", labels,
			(unsigned long long)cnt[i]);
	}
	qlat_om_family(f, "qlat_zc_dropped", "counter", NULL,
		       "Events a BPF program missed (recursion on a CPU).");
	for (i = 0; drops_counted(run) && i < (int)NR_PROG_EVENTS; i++) {
		om_labels(labels, sizeof(labels), src, "event", prog_events[i]);
		fprintf(f, "qlat_zc_dropped_total{%s} %llu\n", labels,
			(unsigned long long)drop[i]);
	}
	copy_fallback(cnt, &copied, &total);
	qlat_om_family(f, "qlat_zc_copy_fallback_ratio", "gauge", NULL,
		       "TX buffers copied instead of zero-copy, of all TX buffers.");
	om_labels(labels, sizeof(labels), src, NULL, NULL);
	if (total)
		fprintf(f, "qlat_zc_copy_fallback_ratio{%s} %.6f\n", labels,
			(double)copied / total);
	for (m = 0; m < ZCLAT_NR_METRICS; m++) {
		bool ns = metric_is_ns(m);

		snprintf(name, sizeof(name), "qlat_zc_%s%s", metric_names[m], ns ? "_seconds" : "");
		qlat_om_family(f, name, "histogram", ns ? "seconds" : NULL, metric_titles[m]);
		for (q = 0; q < ZCLAT_VQS; q++) {
			const struct qlat_hist *x = &h[m * ZCLAT_VQS + q];

			/* every series, empty ones too: a fleet's sums need them */
			snprintf(key, sizeof(key), "%d", q);
			om_labels(labels, sizeof(labels), src, "vq", key);
			qlat_hist_openmetrics(f, x, name, labels, ns);
		}
	}
	qlat_om_end(f);
}

/*
 * --stock: the signal program keeps no counter on its common path (four
 * updates a signal fewer): the TX batch histogram has them, a signal
 * binned there once with its entries as the value, and every signalled
 * entry of stock vhost_net is a zero-copy buffer put in the used ring.
 * signal is the sum of its buckets and signaled the sum of the values
 * binned; each CPU's copy of either only grows (qlat_hist_merge_percpu()
 * adds a copy once it holds a value), so none goes back from one snapshot
 * to the next, as a counter must not.
 */
static void stock_derive(struct qlat_snapshot *s)
{
	const struct qlat_hist *b = &s->h[ZCLAT_BATCH * ZCLAT_VQS + ZCLAT_VQ_TX];
	__u64 *c = s->cnt;

	if (!env.stock)
		return;
	c[ZCLAT_EV_SIGNAL] = b->count + b->overflow;
	c[ZCLAT_EV_SIGNALED] = b->sum;
	c[ZCLAT_EV_DEQUEUE] = b->sum;
	c[ZCLAT_EV_USED_ZC] = b->sum;
}

static const struct qlat_output output = {
	.who = "qlat zc",
	.derive = stock_derive,
	.prog_events = prog_events,
	.nprogs = NR_PROG_EVENTS,
	.ncounters = ZCLAT_NR_COUNTERS,
	.nhists = ZCLAT_NR_HISTS,
	.tty = print_tty,
	.json = print_json,
	.openmetrics = print_openmetrics,
};

static int print_cb(void *ctx, bool final)
{
	struct zclat_run *run = ctx;

	/* the final read after detaching: no program adds to it meanwhile */
	if (final) {
		if (run->zc)
			zclat_bpf__detach(run->zc);
		else
			zcstock_bpf__detach(run->stock);
	}
	return qlat_report(&env.common, &output, run, run->obj, run->state_fd, final);
}

/* Evidence records, and the BPF counter in case the ring lost the record */
static bool stop_cb(void *ctx, int timeout_ms)
{
	struct zclat_run *run = ctx;
	__u64 cnt[ZCLAT_NR_COUNTERS];

	if (qlat_evidence_poll(&run->ev, timeout_ms))
		return true;
	if (qlat_read_state(run->state_fd, cnt, ZCLAT_NR_COUNTERS, NULL, 0) ||
	    !cnt[ZCLAT_EV_OVER])
		return false;
	usleep(2000);	/* the record is submitted right after the counter */
	if (!qlat_evidence_poll(&run->ev, 0))
		qlat_evidence_breach(&run->ev, QLAT_BREACH_THRESHOLD);
	return true;
}

static bool evidence_on(void)
{
	return env.common.threshold_ns;
}

/* vhost-zc-net: open -> rodata -> flavour -> load -> attach */
static int open_zc(struct zclat_run *run, enum qlat_attach mode)
{
	struct zclat_bpf *skel;
	int err;

	skel = zclat_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->targ_vq = env.vq;
	skel->rodata->targ_dev = env.dev;
	skel->rodata->qlat_evidence_on = evidence_on();
	skel->rodata->qlat_threshold_ns = env.common.threshold_ns;
	skel->rodata->counts_live = env.in_flight;
	err = qlat_evidence_size(skel->maps.qlat_events, evidence_on());
	if (err) {
		zclat_bpf__destroy(skel);
		return err;
	}
	qlat_select_progs(skel->obj, mode);
	/* the signal program: signal_* or signal_full_* (filters, evidence) */
	qlat_select_variant(skel->obj, "signal", env.dev >= 0 || env.vq >= 0 || evidence_on());
	if (!env.in_flight) {
		struct bpf_program *prog;

		bpf_object__for_each_program(prog, skel->obj)
			if (!strncmp(bpf_program__name(prog), "submit_", 7) ||
			    !strncmp(bpf_program__name(prog), "complete_", 9))
				bpf_program__set_autoload(prog, false);
	}
	err = zclat_bpf__load(skel);
	if (!err)
		err = zclat_bpf__attach(skel);
	if (err) {
		zclat_bpf__destroy(skel);
		return err;
	}
	run->zc = skel;
	run->obj = skel->obj;
	run->mode = mode;
	run->state_fd = bpf_map__fd(skel->maps.state);
	return 0;
}

/* --stock's device table: the power of 2 at or above n */
static __u32 stock_table_size(long n)
{
	__u32 size = 1;

	while (size < n)
		size <<= 1;
	return size;
}

/* stock vhost_net: its static functions' addresses come from kallsyms */
static int open_stock(struct zclat_run *run)
{
	static const char *const syms[] = {
		"vhost_zerocopy_complete", "vhost_zerocopy_callback", "handle_tx_kick",
		"vhost_ubuf_ops",
	};
	struct zcstock_bpf *skel;
	__u64 addr[4];
	__u64 cb, kick;
	bool ops;
	int err;

	if (access("/sys/module/vhost_net", F_OK)) {
		fprintf(stderr, "qlat zc: --stock: vhost_net.ko is not loaded "
			"(modprobe vhost_net experimental_zcopytx=1)\n");
		return -ENOENT;
	}
	if (access("/sys/kernel/btf/vhost_net", F_OK) || access("/sys/kernel/btf/vhost", F_OK) ||
	    access("/sys/kernel/btf/tun", F_OK)) {
		fprintf(stderr, "qlat zc: --stock needs the BTF of vhost, vhost_net and tun "
			"(/sys/kernel/btf/<module>): fentry and the CO-RE reads of vhost_net's "
			"internals depend on it\n");
		return -ENOENT;
	}
	/* vhost_zerocopy_complete() since 6.8 (ubuf_info->ops), _callback() before */
	/* vhost_ubuf_ops (6.8+, data: CONFIG_KALLSYMS_ALL) spares a read per send */
	qlat_ksyms("vhost_net", syms, addr, 4);
	ops = addr[0];
	cb = ops ? addr[0] : addr[1];
	kick = addr[2];
	if (!cb || !kick) {
		fprintf(stderr, "qlat zc: --stock: vhost_zerocopy_complete (or _callback) and "
			"handle_tx_kick not in /proc/kallsyms (not root, or kptr_restrict?)\n");
		return -ENOENT;
	}
	skel = zcstock_bpf__open();
	if (!skel)
		return -errno;
	bpf_program__set_autoload(ops ? skel->progs.complete_fentry :
				  skel->progs.complete_ops_fentry, false);
	skel->rodata->stock_callback = cb;
	skel->rodata->stock_tx_kick = kick;
	skel->rodata->stock_ubuf_ops = ops ? addr[3] : 0;
	skel->rodata->qlat_evidence_on = evidence_on();
	skel->rodata->qlat_threshold_ns = env.common.threshold_ns;
	err = qlat_evidence_size(skel->maps.qlat_events, evidence_on());
	/* the device table: a power of 2, at least --max-devices */
	skel->rodata->dev_mask = stock_table_size(env.max_devices > 0 ? env.max_devices : 64) - 1;
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.devs, skel->rodata->dev_mask + 1);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.dev_owner, skel->rodata->dev_mask + 1);
	if (!err)
		err = zcstock_bpf__load(skel);
	if (!err)
		err = zcstock_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "qlat zc: --stock: cannot attach fentry probes: %s (-v for details)\n",
			strerror(-err));
		zcstock_bpf__destroy(skel);
		return err;
	}
	run->stock = skel;
	run->obj = skel->obj;
	run->state_fd = bpf_map__fd(skel->maps.state);
	return 0;
}

static void destroy(struct zclat_run *run)
{
	zclat_bpf__destroy(run->zc);
	zcstock_bpf__destroy(run->stock);
}

int zclat_main(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &qlat_common_argp, 0, NULL, 0 },
		{},
	};
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.args_doc = "[INTERVAL [COUNT]]",
		.doc = argp_doc,
		.children = children,
	};
	enum qlat_attach order[QLAT_ATTACH_NR];
	struct zclat_run run = {};
	int err = -ENOENT, i, n;
	int rb_fd;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return QLAT_EXIT_USAGE;
	qlat_setup(&env.common);

	if (env.stock) {
		if (open_stock(&run))
			return QLAT_EXIT_USAGE;
	} else {
		n = qlat_attach_order(env.common.attach, "vhost_zc", "vhost_zc", order);
		for (i = 0; i < n && !run.obj; i++) {
			err = open_zc(&run, order[i]);
			if (err && env.common.verbose)
				fprintf(stderr, "qlat zc: %s: %s\n", qlat_attach_name(order[i]),
					strerror(-err));
		}
		if (!run.obj) {
			qlat_attach_failed("qlat zc", env.common.attach, "vhost_zc", "vhost_zc", err);
			return QLAT_EXIT_USAGE;
		}
	}
	rb_fd = bpf_map__fd(run.zc ? run.zc->maps.qlat_events : run.stock->maps.qlat_events);
	err = qlat_evidence_open(&run.ev, &env.common, rb_fd);
	if (err) {
		fprintf(stderr, "qlat zc: evidence ring buffer: %s\n", strerror(-err));
		destroy(&run);
		return QLAT_EXIT_USAGE;
	}
	if (!env.common.quiet)
		fprintf(stderr, "qlat zc: tracing %s via %s; Ctrl-C to end\n",
			run.stock ? "stock vhost_net" : "vhost_zc:*", attach_name(&run));
	run.start_ns = qlat_mono_ns();
	err = qlat_run_loop(&env.common, print_cb, run.ev.rb ? stop_cb : NULL, &run);
	/* a breach is the answer a script waits for, even if a print failed */
	if (run.ev.breach)
		err = QLAT_EXIT_BREACH;
	qlat_evidence_close(&run.ev);
	destroy(&run);
	return err;
}
