// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * qlat cmdq: CMDQ packet flush->EOC and EOC->callback latency, vblank
 * deadline slack and misses, from the cmdq:* tracepoints.
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
#include "qlat/cmdqlat.h"
#include "cmdqlat.skel.h"

static struct cmdqlat_env {
	struct qlat_env common;
	int thread;
	int pipe;
} env = {
	.common = QLAT_ENV_INIT,
	.thread = -1,
	.pipe = -1,
};

static const char *const metric_names[CMDQLAT_NR_METRICS] = {
	[CMDQLAT_FLUSH_EOC] = "flush_eoc",
	[CMDQLAT_EOC_CB] = "eoc_cb",
	[CMDQLAT_SLACK] = "slack",
	[CMDQLAT_LATE] = "late",
	[CMDQLAT_INST] = "inst",
};

static const char *const metric_titles[CMDQLAT_NR_METRICS] = {
	[CMDQLAT_FLUSH_EOC] = "flush -> EOC irq",
	[CMDQLAT_EOC_CB] = "EOC irq -> callback",
	[CMDQLAT_SLACK] = "vblank slack (deadline - EOC), packets on time",
	[CMDQLAT_LATE] = "lateness (EOC - deadline), packets completed after it",
	[CMDQLAT_INST] = "instructions per packet",
};

static const char *const counter_names[CMDQLAT_EV_MISS_BASE] = {
	[CMDQLAT_EV_FINALIZE] = "finalize",
	[CMDQLAT_EV_FLUSH] = "flush",
	[CMDQLAT_EV_EOC] = "eoc",
	[CMDQLAT_EV_ERROR] = "error",
	[CMDQLAT_EV_CB] = "cb",
	[CMDQLAT_EV_SOF] = "sof",
	[CMDQLAT_EV_EOF] = "eof",
	[CMDQLAT_EV_UNDERRUN] = "underrun",
	[CMDQLAT_EV_FILTERED] = "filtered",
	[CMDQLAT_EV_BADKEY] = "badkey",
	[CMDQLAT_EV_OVER] = "over_threshold",
	[CMDQLAT_EV_RB_DROP] = "evidence_dropped",
};

/* BPF program name prefixes, one per tracepoint */
static const char *const prog_events[] = { "finalize", "flush", "eoc", "cb", "vblank" };
#define NR_PROG_EVENTS (sizeof(prog_events) / sizeof(prog_events[0]))

static bool metric_is_pipe(int m)
{
	return m == CMDQLAT_SLACK || m == CMDQLAT_LATE;
}

static bool metric_is_ns(int m)
{
	return m != CMDQLAT_INST;
}

struct cmdqlat_run {
	struct cmdqlat_bpf *skel;
	enum qlat_attach mode;
	__u64 start_ns;
	struct qlat_evidence ev;
};

/*
 * tp_btf and raw_tp runs skipped because the program was already running
 * on the CPU are counted by the kernel (recursion_misses). The perf-event
 * path of SEC("tracepoint") skips a run whenever any kprobe/tracepoint BPF
 * program is active on the CPU, which 6.7 and later count there too and
 * 6.1 nowhere.
 */
static bool drops_counted(const struct cmdqlat_run *run)
{
	return run->mode != QLAT_ATTACH_TRACEPOINT || qlat_tp_misses_counted();
}

static const char argp_doc[] =
"qlat cmdq: CMDQ packet latency and vblank deadline histograms.\n"
"\n"
"Histograms per GCE thread: flush->EOC irq, EOC irq->callback, instructions\n"
"per packet. Per display pipe: slack (deadline - EOC) of packets that made\n"
"their vblank, lateness of those that completed after it, and the miss count\n"
"(UNDERRUNs, reported at the deadline).\n"
"\n"
"EXAMPLES:\n"
"    qlat cmdq                  # trace until Ctrl-C, then print\n"
"    qlat cmdq -i 1 -u          # print every second, in usecs\n"
"    qlat cmdq -T --json 1 10   # every second, 10 times, JSON with timestamps\n"
"    qlat cmdq -d 10 --json     # 10 s, one JSON document\n"
"    qlat cmdq --pipe 0         # only packets released by pipe 0\n"
"    qlat cmdq --attach=raw_tp  # force the raw tracepoint path\n";

enum {
	OPT_MAX_MISSES = 0x200,
	OPT_THREAD,
	OPT_PIPE,
};

static const struct argp_option opts[] = {
	{ NULL, 0, NULL, 0, "Selecting:", 1 },
	/* long only: -T is a timestamp and -p a PID in libbpf-tools */
	{ "thread", OPT_THREAD, "THREAD", 0, "Only GCE thread THREAD (0-15)", 0 },
	{ "pipe", OPT_PIPE, "PIPE", 0, "Only packets released by display pipe PIPE (0-2)", 0 },
	{ NULL, 'p', "PID", OPTION_HIDDEN, NULL, 0 },
	/* in the common "Limits" group (20) of qlat_common_argp */
	{ "max-misses", OPT_MAX_MISSES, "N", 0,
	  "Stop when more than N packets have missed their vblank deadline", 20 },
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
		argp_error(state, "-p: no PID filter here: the EOC, callback and vblank events "
			   "run in interrupt context, in no process's name. A display pipe is "
			   "--pipe PIPE");
		break;
	case OPT_THREAD:
		if (qlat_parse_uint(arg, CMDQLAT_THREADS - 1, &v))
			argp_error(state, "invalid thread '%s' (0-%d)", arg, CMDQLAT_THREADS - 1);
		env.thread = v;
		break;
	case OPT_PIPE:
		if (qlat_parse_uint(arg, CMDQLAT_PIPES - 1, &v))
			argp_error(state, "invalid pipe '%s' (0-%d)", arg, CMDQLAT_PIPES - 1);
		env.pipe = v;
		break;
	case OPT_MAX_MISSES:
		if (qlat_parse_uint(arg, 1L << 40, &v))
			argp_error(state, "invalid miss count '%s'", arg);
		env.common.max_misses = v;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int nkeys(int m)
{
	return cmdqlat_nkeys(m);
}

/*
 * flush and cb: a flush or callback event is binned in its thread's
 * histogram (INST, EOC_CB: its count or overflow) or counted as a bad key
 * in a slot of its program's, so its count is their sum, which the
 * programs then need not keep (three instructions an event). Every event
 * adds to one of the slots summed once, so the sum never goes back from
 * one snapshot to the next, as a counter.
 */
static void derive(struct qlat_snapshot *s)
{
	__u64 *c = s->cnt;
	int k;

	c[CMDQLAT_EV_FLUSH] = c[CMDQLAT_EV_BADKEY_FLUSH];
	c[CMDQLAT_EV_CB] = c[CMDQLAT_EV_BADKEY_CB];
	for (k = 0; k < CMDQLAT_THREADS; k++) {
		const struct qlat_hist *in = &s->h[cmdqlat_hist_idx(CMDQLAT_INST, k)];
		const struct qlat_hist *cb = &s->h[cmdqlat_hist_idx(CMDQLAT_EOC_CB, k)];

		c[CMDQLAT_EV_FLUSH] += in->count + in->overflow;
		c[CMDQLAT_EV_CB] += cb->count + cb->overflow;
	}
	c[CMDQLAT_EV_BADKEY] += c[CMDQLAT_EV_BADKEY_FLUSH] + c[CMDQLAT_EV_BADKEY_CB];
}

/*
 * The histogram of (m, k) in a snapshot. --thread: the BPF programs bin
 * the flush and callback events of every thread (a filter would cost every
 * event a load), so another thread's histogram is shown as it was before,
 * when they were filtered there: empty.
 */
static const struct qlat_hist *hist_of(const struct qlat_snapshot *s, int m, int k)
{
	static struct qlat_hist none;

	if (!metric_is_pipe(m) && env.thread >= 0 && k != env.thread) {
		qlat_hist_init(&none);
		return &none;
	}
	return &s->h[cmdqlat_hist_idx(m, k)];
}

static const char *miss_name(__u64 kind)
{
	switch (kind) {
	case CMDQLAT_MISS_LATE:
		return "late";
	case CMDQLAT_MISS_RUNNING:
		return "running";
	case CMDQLAT_MISS_FAILED:
		return "failed";
	default:
		return "none";
	}
}

static void evidence_tty(FILE *f, const struct qlat_event *e)
{
	if (e->kind == CMDQLAT_REC_UNDERRUN) {
		fprintf(f, "UNDERRUN pipe %d thread %u packet %u MISSED (%s)", e->ext, e->key,
			e->id, miss_name(e->aux));
		return;
	}
	fprintf(f, "eoc thread %u packet %u flush->EOC %llu ns", e->key, e->id,
		(unsigned long long)e->value);
	if (e->ext >= 0 && (e->flags & QLAT_EVF_LATE))
		fprintf(f, " pipe %d late by %llu ns", e->ext, (unsigned long long)e->aux);
	else if (e->ext >= 0 && !(e->flags & QLAT_EVF_FAIL))
		fprintf(f, " pipe %d slack %llu ns", e->ext, (unsigned long long)e->aux);
	else if (e->ext >= 0)
		fprintf(f, " pipe %d", e->ext);
	if (e->flags & QLAT_EVF_FAIL)
		fprintf(f, " ERROR");
}

static void evidence_json(json_object *o, const struct qlat_event *e)
{
	bool udr = e->kind == CMDQLAT_REC_UNDERRUN;
	bool late = e->flags & QLAT_EVF_LATE;

	json_object_object_add(o, "event", json_object_new_string(udr ? "underrun" : "eoc"));
	json_object_object_add(o, "thread", json_object_new_int(e->key));
	json_object_object_add(o, "packet", json_object_new_int64(e->id));
	json_object_object_add(o, "error", json_object_new_boolean(e->flags & QLAT_EVF_FAIL));
	if (e->ext < 0)
		return;
	json_object_object_add(o, "pipe", json_object_new_int(e->ext));
	json_object_object_add(o, "missed", json_object_new_boolean(udr || late));
	if (udr)
		json_object_object_add(o, "miss", json_object_new_string(miss_name(e->aux)));
	else if (late || !(e->flags & QLAT_EVF_FAIL))
		json_object_object_add(o, late ? "late_ns" : "slack_ns",
				       json_object_new_uint64(e->aux));
}

static void print_tty(FILE *f, void *ctx, const struct qlat_snapshot *s)
{
	struct cmdqlat_run *run = ctx;
	const __u64 *cnt = s->cnt, *drop = s->drop;
	bool final = s->final;
	char title[128];
	time_t t = time(NULL);
	struct tm tm;
	int i, m, k;

	localtime_r(&t, &tm);
	fprintf(f, "%02d:%02d:%02d qlat cmdq (%s, %.1f s%s)\n", tm.tm_hour, tm.tm_min,
	       tm.tm_sec, qlat_attach_name(run->mode), qlat_elapsed_s(run->start_ns),
	       final ? ", final" : "");
	fprintf(f, "events:");
	for (i = 0; i < CMDQLAT_EV_MISS_BASE; i++)
		fprintf(f, " %s %llu", counter_names[i], (unsigned long long)cnt[i]);
	fprintf(f, "\nmisses:");
	for (i = 0; i < CMDQLAT_PIPES; i++)
		fprintf(f, " pipe%d %llu", i, (unsigned long long)cnt[CMDQLAT_EV_MISS_BASE + i]);
	fprintf(f, "\n");
	qlat_tty_drops(f, prog_events, NR_PROG_EVENTS, drop, drops_counted(run));
	fprintf(f, "\n");
	for (m = 0; m < CMDQLAT_NR_METRICS; m++) {
		for (k = 0; k < nkeys(m); k++) {
			const struct qlat_hist *x = hist_of(s, m, k);

			if (!x->count && !x->overflow)
				continue;
			snprintf(title, sizeof(title), "%s, %s %d", metric_titles[m],
				 metric_is_pipe(m) ? "pipe" : "thread", k);
			qlat_hist_print(f, x, title,
					metric_is_ns(m) ? env.common.unit : QLAT_UNIT_NONE);
			fprintf(f, "\n");
		}
	}
	if (final)
		qlat_evidence_print(&run->ev, f, cnt[CMDQLAT_EV_RB_DROP], evidence_tty);
}

static void print_json(FILE *f, void *ctx, const struct qlat_snapshot *s)
{
	struct cmdqlat_run *run = ctx;
	const __u64 *cnt = s->cnt, *drop = s->drop;
	bool final = s->final;
	json_object *doc = qlat_json_doc("cmdq", qlat_attach_name(run->mode), s,
					  qlat_elapsed_s(run->start_ns));
	json_object *c = json_object_new_object();
	json_object *miss = json_object_new_array();
	json_object *hs = json_object_new_array();
	int i, m, k;

	for (i = 0; i < CMDQLAT_EV_MISS_BASE; i++)
		json_object_object_add(c, counter_names[i], json_object_new_uint64(cnt[i]));
	json_object_object_add(doc, "events", c);
	json_object_object_add(doc, "dropped", qlat_json_drops(prog_events, NR_PROG_EVENTS,
							       drop, drops_counted(run)));
	for (i = 0; i < CMDQLAT_PIPES; i++)
		json_object_array_add(miss, json_object_new_uint64(cnt[CMDQLAT_EV_MISS_BASE + i]));
	json_object_object_add(doc, "misses", miss);
	for (m = 0; m < CMDQLAT_NR_METRICS; m++) {
		for (k = 0; k < nkeys(m); k++) {
			const struct qlat_hist *x = hist_of(s, m, k);
			json_object *e;

			if (!x->count && !x->overflow)
				continue;
			e = json_object_new_object();
			json_object_object_add(e, "metric", json_object_new_string(metric_names[m]));
			json_object_object_add(e, metric_is_pipe(m) ? "pipe" : "thread",
					       json_object_new_int(k));
			json_object_object_add(e, "hist", qlat_hist_json(x, metric_is_ns(m)));
			json_object_array_add(hs, e);
		}
	}
	json_object_object_add(doc, "hists", hs);
	if (final && run->ev.breach)
		json_object_object_add(doc, "breach",
				       qlat_evidence_json(&run->ev, cnt[CMDQLAT_EV_RB_DROP],
							  evidence_json));
	fprintf(f, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
}

/* one sample of a counter family, its labels escaped (qlat_om_label) */
static void om_counter(FILE *f, const char *name, const char *label, const char *value,
		       __u64 v)
{
	char labels[128] = "";

	qlat_om_label(labels, sizeof(labels), label, value);
	fprintf(f, "%s_total{%s} %llu\n", name, labels, (unsigned long long)v);
}

static void print_openmetrics(FILE *f, void *ctx, const struct qlat_snapshot *s)
{
	struct cmdqlat_run *run = ctx;
	const __u64 *cnt = s->cnt, *drop = s->drop;
	char name[96], labels[64], key[16];
	int i, m, k;

	qlat_om_family(f, "qlat_cmdq_events", "counter", NULL,
		       "cmdq tracepoint events seen by qlat.");
	for (i = 0; i < CMDQLAT_EV_MISS_BASE; i++)
		om_counter(f, "qlat_cmdq_events", "event", counter_names[i], cnt[i]);
	qlat_om_family(f, "qlat_cmdq_dropped", "counter", NULL,
		       "Events a BPF program missed (recursion on a CPU).");
	for (i = 0; drops_counted(run) && i < (int)NR_PROG_EVENTS; i++)
		om_counter(f, "qlat_cmdq_dropped", "event", prog_events[i], drop[i]);
	qlat_om_family(f, "qlat_cmdq_deadline_misses", "counter", NULL,
		       "Packets that missed their deadline (UNDERRUN events).");
	for (i = 0; i < CMDQLAT_PIPES; i++) {
		snprintf(key, sizeof(key), "%d", i);
		om_counter(f, "qlat_cmdq_deadline_misses", "pipe", key,
			   cnt[CMDQLAT_EV_MISS_BASE + i]);
	}
	for (m = 0; m < CMDQLAT_NR_METRICS; m++) {
		bool ns = metric_is_ns(m);

		snprintf(name, sizeof(name), "qlat_cmdq_%s%s", metric_names[m],
			 ns ? "_seconds" : "");
		qlat_om_family(f, name, "histogram", ns ? "seconds" : NULL, metric_titles[m]);
		for (k = 0; k < nkeys(m); k++) {
			const struct qlat_hist *x = hist_of(s, m, k);

			/* every series, empty ones too: a fleet's sums need them */
			labels[0] = '\0';
			qlat_om_label_int(labels, sizeof(labels),
					  metric_is_pipe(m) ? "pipe" : "thread", k);
			qlat_hist_openmetrics(f, x, name, labels, ns);
		}
	}
	qlat_om_end(f);
}

static const struct qlat_output output = {
	.who = "qlat cmdq",
	.prog_events = prog_events,
	.nprogs = NR_PROG_EVENTS,
	.ncounters = CMDQLAT_NR_COUNTERS,
	.nhists = CMDQLAT_NR_HISTS,
	.derive = derive,
	.tty = print_tty,
	.json = print_json,
	.openmetrics = print_openmetrics,
};

static int print_cb(void *ctx, bool final)
{
	struct cmdqlat_run *run = ctx;

	/* the final read after detaching: no program adds to it meanwhile */
	if (final)
		cmdqlat_bpf__detach(run->skel);
	return qlat_report(&env.common, &output, run, run->skel->obj,
			   bpf_map__fd(run->skel->maps.state), final);
}

/*
 * Every 10 ms: take in the evidence records, and look at the BPF counters
 * too, so a breach whose record the full ring buffer lost still stops us.
 */
static bool stop_cb(void *ctx, int timeout_ms)
{
	struct cmdqlat_run *run = ctx;
	__u64 cnt[CMDQLAT_NR_COUNTERS], misses = 0;
	enum qlat_breach b = QLAT_BREACH_NONE;
	int i;

	if (qlat_evidence_poll(&run->ev, timeout_ms))
		return true;
	if (qlat_read_state(bpf_map__fd(run->skel->maps.state), cnt, CMDQLAT_NR_COUNTERS,
			    NULL, 0))
		return false;
	for (i = 0; i < CMDQLAT_PIPES; i++)
		misses += cnt[CMDQLAT_EV_MISS_BASE + i];
	if (env.common.threshold_ns && cnt[CMDQLAT_EV_OVER])
		b = QLAT_BREACH_THRESHOLD;
	else if (env.common.max_misses >= 0 && misses > (__u64)env.common.max_misses)
		b = QLAT_BREACH_MISSES;
	if (!b)
		return false;
	/* the record is submitted right after the counter: let it land */
	usleep(2000);
	if (!qlat_evidence_poll(&run->ev, 0))
		qlat_evidence_breach(&run->ev, b);
	return true;
}

/* open -> set rodata -> select flavour -> load -> attach; NULL on failure */
static struct cmdqlat_bpf *open_load_attach(enum qlat_attach mode, int *errp)
{
	struct cmdqlat_bpf *skel;
	int err;

	skel = cmdqlat_bpf__open();
	if (!skel) {
		*errp = -errno;
		return NULL;
	}
	skel->rodata->targ_thread = env.thread;
	skel->rodata->targ_pipe = env.pipe;
	skel->rodata->qlat_evidence_on = env.common.threshold_ns || env.common.max_misses >= 0;
	err = qlat_evidence_size(skel->maps.qlat_events, skel->rodata->qlat_evidence_on);
	skel->rodata->qlat_threshold_ns = env.common.threshold_ns;
	qlat_select_progs(skel->obj, mode);
	/* the EOC program: eoc_* or eoc_full_* (the filters and the evidence) */
	qlat_select_variant(skel->obj, "eoc",
			    env.thread >= 0 || env.pipe >= 0 || skel->rodata->qlat_evidence_on);
	if (!err)
		err = cmdqlat_bpf__load(skel);
	if (!err)
		err = cmdqlat_bpf__attach(skel);
	if (err) {
		cmdqlat_bpf__destroy(skel);
		*errp = err;
		return NULL;
	}
	return skel;
}

int cmdqlat_main(int argc, char **argv)
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
	struct cmdqlat_run run = {};
	int err = 0, i, n;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return QLAT_EXIT_USAGE;
	qlat_setup(&env.common);

	n = qlat_attach_order(env.common.attach, "cmdq_helper", "cmdq", order);
	for (i = 0; i < n && !run.skel; i++) {
		run.skel = open_load_attach(order[i], &err);
		run.mode = order[i];
		if (!run.skel && env.common.verbose)
			fprintf(stderr, "qlat cmdq: %s: %s\n", qlat_attach_name(order[i]),
				strerror(-err));
	}
	if (!run.skel) {
		qlat_attach_failed("qlat cmdq", env.common.attach, "cmdq_helper", "cmdq", err);
		return QLAT_EXIT_USAGE;
	}
	err = qlat_evidence_open(&run.ev, &env.common, bpf_map__fd(run.skel->maps.qlat_events));
	if (err) {
		fprintf(stderr, "qlat cmdq: evidence ring buffer: %s\n", strerror(-err));
		cmdqlat_bpf__destroy(run.skel);
		return QLAT_EXIT_USAGE;
	}
	if (!env.common.quiet)
		fprintf(stderr, "qlat cmdq: tracing cmdq:* via %s; Ctrl-C to end\n",
			qlat_attach_name(run.mode));
	run.start_ns = qlat_mono_ns();
	err = qlat_run_loop(&env.common, print_cb, run.ev.rb ? stop_cb : NULL, &run);
	/* a breach is the answer a script waits for, even if a print failed */
	if (run.ev.breach)
		err = QLAT_EXIT_BREACH;
	qlat_evidence_close(&run.ev);
	cmdqlat_bpf__destroy(run.skel);
	return err;
}
