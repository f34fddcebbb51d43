// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmdqctl's commands of one ioctl or a few: encode, submit, wait, bind,
 * unbind, info, regs, event, poll, stats, frame-wait.
 */
#include "cmdqctl.h"

int cmd_encode(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "no-finalize", OPT_NOFIN, 0, 0, "Do not append EOC + JUMP", 0 },
		{ "oneline", OPT_ONELINE, 0, 0, "All words on one line", 0 },
		{ 0 },
	};
	struct cmd_args a = { 0 };
	struct cmdq_ioc_build b = { 0 };
	struct cmdq_ioc_op *ops;
	uint64_t *words;
	uint32_t i;

	if (cmd_argp(argc, argv, opts, "OP...",
		     "Encode ops with CMDQ_IOC_BUILD; print one word per line." OP_DOC, &a))
		return 2;
	if (parse_ops(a.nargs, a.args, &ops) || open_dev())
		return 2;
	words = calloc(2 * a.nargs + 2, sizeof(*words));
	b.ops = (uintptr_t)ops;
	b.words = (uintptr_t)words;
	b.count = a.nargs;
	b.max_words = 2 * a.nargs + 2;
	b.flags = a.no_finalize ? 0 : CMDQ_BUILD_FINALIZE;
	if (ioctl(devfd, CMDQ_IOC_BUILD, &b)) {
		printf("error %s", errname(errno));
		if (b.error_index != UINT32_MAX && errno == EINVAL)
			printf(" index %u", b.error_index);
		printf("\n");
		return 1;
	}
	for (i = 0; i < b.nwords; i++)
		printf("0x%016" PRIx64 "%c", words[i],
		       a.oneline && i + 1 < b.nwords ? ' ' : '\n');
	return 0;
}

int cmd_submit(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "async", OPT_ASYNC, 0, 0, "Return a ticket at once", 0 },
		{ "raw", OPT_RAW, 0, 0, "Arguments are raw 64-bit instruction words", 0 },
		{ "timeout", OPT_TIMEOUT, "MS", 0, "Sync flush timeout (default 1000)", 0 },
		{ 0 },
	};
	struct cmd_args a = { 0 };
	struct cmdq_ioc_submit s = { 0 };
	struct cmdq_ioc_op *ops = NULL;
	uint64_t *words = NULL;
	int i, ret;

	if (cmd_argp(argc, argv, opts, "OP...|WORD...",
		     "Submit one packet. Prints 'status S pkt ID inst N' (sync) or "
		     "'ticket T pkt ID inst N' (async); exit 1 on failure." OP_DOC, &a))
		return 2;
	if (a.raw) {
		words = calloc(a.nargs ? a.nargs : 1, sizeof(*words));
		for (i = 0; i < a.nargs; i++)
			if (parse_u64(a.args[i], &words[i])) {
				fprintf(stderr, "cmdqctl: bad word '%s'\n", a.args[i]);
				return 2;
			}
		s.data = (uintptr_t)words;
	} else {
		if (parse_ops(a.nargs, a.args, &ops))
			return 2;
		s.data = (uintptr_t)ops;
	}
	if (open_dev())
		return 2;
	s.count = a.nargs;
	s.flags = (a.async ? CMDQ_SUBMIT_ASYNC : 0) | (a.raw ? CMDQ_SUBMIT_RAW : 0);
	s.timeout_ms = a.timeout_ms;
	s.error_index = UINT32_MAX;
	ret = ioctl(devfd, CMDQ_IOC_SUBMIT, &s);
	if (ret && (a.async || !s.pkt_id)) {
		printf("error %s", errname(errno));
		if (s.error_index != UINT32_MAX)
			printf(" index %u", s.error_index);
		printf("\n");
		return 1;
	}
	if (a.async)
		printf("ticket %llu pkt %u inst %u\n", (unsigned long long)s.ticket, s.pkt_id,
		       s.inst);
	else
		printf("status %s pkt %u inst %u\n", staname(s.status), s.pkt_id, s.inst);
	return ret ? 1 : 0;
}

int cmd_wait(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "timeout", OPT_TIMEOUT, "MS", 0,
		  "0: do not block; default: wait forever", 0 },
		{ 0 },
	};
	struct cmd_args a = { 0 };
	struct cmdq_ioc_wait w = { 0 };
	uint64_t t = 0;

	if (cmd_argp(argc, argv, opts, "[TICKET]",
		     "Reap a completed async packet (0 or none: the oldest completion). "
		     "Prints 'ticket T status S pkt ID flush_ns F eoc_ns E'.", &a))
		return 2;
	if (a.nargs > 1 || (a.nargs == 1 && parse_u64(a.args[0], &t))) {
		fprintf(stderr, "cmdqctl: wait [TICKET]\n");
		return 2;
	}
	if (open_dev())
		return 2;
	w.ticket = t;
	w.timeout_ms = a.timeout_set ? a.timeout_ms : CMDQ_WAIT_FOREVER;
	if (ioctl(devfd, CMDQ_IOC_WAIT, &w)) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	printf("ticket %llu status %s pkt %u flush_ns %llu eoc_ns %llu\n",
	       (unsigned long long)w.done_ticket, staname(w.status), w.pkt_id,
	       (unsigned long long)w.flush_ns, (unsigned long long)w.eoc_ns);
	return 0;
}

static int simple_ioctl_result(int ret)
{
	if (ret) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}

int cmd_bind(int argc, char **argv)
{
	struct cmdq_ioc_bind b = { 0 };
	struct cmd_args a = { 0 };

	if (cmd_argp(argc, argv, NULL, "THREAD", "Bind the fd to a GCE thread.", &a))
		return 2;
	if (a.nargs != 1 || parse_u32(a.args[0], &b.thread)) {
		fprintf(stderr, "cmdqctl: bind THREAD\n");
		return 2;
	}
	if (open_dev())
		return 2;
	return simple_ioctl_result(ioctl(devfd, CMDQ_IOC_BIND, &b));
}

int cmd_unbind(int argc, char **argv)
{
	struct cmd_args a = { 0 };

	if (cmd_argp(argc, argv, NULL, NULL,
		     "Unbind the fd; its pending packets complete with ECONNABORTED.", &a))
		return 2;
	if (open_dev())
		return 2;
	return simple_ioctl_result(ioctl(devfd, CMDQ_IOC_UNBIND));
}

int cmd_info(int argc, char **argv)
{
	struct cmdq_ioc_info i;
	struct cmd_args a = { 0 };

	if (cmd_argp(argc, argv, NULL, NULL, "Print the fd's binding and the limits.", &a))
		return 2;
	if (open_dev())
		return 2;
	if (ioctl(devfd, CMDQ_IOC_INFO, &i)) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	printf("version %u\nthread %d\nnr_threads %u\nnr_pipes %u\nnr_events %u\n"
	       "max_ops %u\nmax_tickets %u\nmax_timeout_ms %u\npending %u\ndone %u\n",
	       i.version, i.thread, i.nr_threads, i.nr_pipes, i.nr_events, i.max_ops,
	       i.max_tickets, i.max_timeout_ms, i.pending, i.done);
	return 0;
}

int cmd_regs(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "values", OPT_VALUES, 0, 0, "Only the values, on one line", 0 },
		{ 0 },
	};
	struct cmdq_ioc_regs r = { 0 };
	struct cmd_args a = { 0 };
	uint32_t *buf, i;

	if (cmd_argp(argc, argv, opts, "PA [COUNT]",
		     "Print COUNT (default 1) registers from PA: 'ADDR VALUE' lines.", &a))
		return 2;
	r.count = 1;
	if (a.nargs < 1 || a.nargs > 2 || parse_u32(a.args[0], &r.pa) ||
	    (a.nargs == 2 && parse_u32(a.args[1], &r.count))) {
		fprintf(stderr, "cmdqctl: regs PA [COUNT]\n");
		return 2;
	}
	if (open_dev())
		return 2;
	buf = calloc(r.count ? r.count : 1, sizeof(*buf));
	r.buf = (uintptr_t)buf;
	if (ioctl(devfd, CMDQ_IOC_REGS, &r)) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	for (i = 0; i < r.count; i++) {
		if (a.values)
			printf("0x%08x%c", buf[i], i + 1 < r.count ? ' ' : '\n');
		else
			printf("0x%08x 0x%08x\n", r.pa + 4 * i, buf[i]);
	}
	return 0;
}

int cmd_event(int argc, char **argv)
{
	struct cmdq_ioc_event e = { 0 };
	struct cmd_args a = { 0 };

	if (cmd_argp(argc, argv, NULL, "EVENT [VALUE]",
		     "Print an event's value; with VALUE, set it first (as the CPU would).", &a))
		return 2;
	if (a.nargs < 1 || a.nargs > 2 || parse_u32(a.args[0], &e.event) ||
	    (a.nargs == 2 && parse_u32(a.args[1], &e.value))) {
		fprintf(stderr, "cmdqctl: event EVENT [VALUE]\n");
		return 2;
	}
	if (open_dev())
		return 2;
	e.flags = a.nargs == 2 ? CMDQ_EVENT_SET : 0;
	if (ioctl(devfd, CMDQ_IOC_EVENT, &e)) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	printf("%u\n", e.value);
	return 0;
}

int cmd_poll(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "timeout", OPT_TIMEOUT, "MS", 0, "poll() timeout (default 0)", 0 },
		{ 0 },
	};
	struct cmd_args a = { 0 };
	struct pollfd p;
	int n;

	if (cmd_argp(argc, argv, opts, NULL,
		     "poll() the fd; prints 'pollin 0|1 pollout 0|1'.", &a))
		return 2;
	if (open_dev())
		return 2;
	p.fd = devfd;
	p.events = POLLIN | POLLOUT;
	n = poll(&p, 1, a.timeout_ms);
	if (n < 0) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	if (!n)
		p.revents = 0;
	printf("pollin %d pollout %d\n", !!(p.revents & POLLIN), !!(p.revents & POLLOUT));
	return 0;
}

/* ---- stats ---------------------------------------------------------------------- */

static const char *out_prefix;

/* one counter: "name value", or with --prefix "P_name=value" for eval */
static void out(const char *fmt_name, const char *suffix, long long v)
{
	if (out_prefix)
		printf("%s_%s%s=%lld\n", out_prefix, fmt_name, suffix, v);
	else
		printf("%s%s %lld\n", fmt_name, suffix, v);
}

static void out_u64s(const char *prefix, const char *const *names, const __u64 *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out(prefix, names[i], (long long)v[i]);
}

int cmd_stats(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "prefix", OPT_PREFIX, "P", 0, "Print P_name=value lines (for eval)", 0 },
		{ 0 },
	};
	static const char *const helper[] = {
		"pkt_created", "pkt_destroyed", "pkt_leaked", "pkt_finalized", "flush_sync",
		"flush_async", "send_errors", "cb_delivered", "cb_ok", "cb_enoexec",
		"cb_econnaborted", "cb_etimedout", "cb_other", "sync_timeouts", "clients",
		"gce_registered",
	};
	static const char *const dev[] = {
		"opens", "releases", "binds", "bind_errors", "unbinds", "submits",
		"submit_rejected", "raw_flushed", "sync_flushed", "sync_ok", "sync_enoexec",
		"sync_etimedout", "sync_econnaborted", "sync_other", "async_flushed",
		"async_ok", "async_enoexec", "async_econnaborted", "async_other", "reaped",
		"release_aborted", "builds", "tasks_live",
	};
	static const char *const fpipe[] = {
		"committed", "cb_ok", "cb_enoexec", "cb_econnaborted", "cb_other", "late",
		"late_injected", "stall_frames", "bad_frames", "skipped", "build_errors",
		"flush_errors",
	};
	static const char *const thr[] = {
		"submitted", "chained", "inst", "done", "errors", "aborted", "poll_timeouts",
		"limit_errors", "injected", "stalls", "irq_delays", "chain_errors", "misses",
	};
	static const char *const pipe[] = { "frames", "eofs", "misses", "skipped" };
	struct cmdq_ioc_stats *st = calloc(1, sizeof(*st));
	unsigned long long tot[ARRAY_SIZE(thr)] = { 0 }, ptot[ARRAY_SIZE(pipe)] = { 0 };
	struct cmd_args a = { 0 };
	char pfx[32];
	unsigned int i, k;

	if (cmd_argp(argc, argv, opts, NULL,
		     "Print every counter as 'name value' lines: helper_*, dev_*, frame_*, "
		     "frameP_*, threadT_*, pipeP_*, and the sums over threads (threads_*) "
		     "and pipes (pipes_*).", &a))
		return 2;
	out_prefix = a.prefix;
	if (open_dev())
		return 2;
	if (ioctl(devfd, CMDQ_IOC_STATS, st)) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	out_u64s("helper_", helper, &st->helper.pkt_created, ARRAY_SIZE(helper));
	out_u64s("dev_", dev, &st->dev.opens, ARRAY_SIZE(dev));
	out("frame_", "enabled", st->frame.enabled);
	out("frame_", "done", st->frame.done);
	out("frame_", "pipes", st->frame.pipes);
	out("frame_", "writes", st->frame.writes);
	out("frame_", "frames", st->frame.frames);
	out("frame_", "commit_offset_us", st->frame.commit_offset_us);
	out("frame_", "probes", st->frame.probes);
	out("frame_", "timeouts", st->frame.timeouts);
	out("frame_", "probe_followup_ok", st->frame.probe_followup_ok);
	out("frame_", "probe_last_status", st->frame.probe_last_status);
	out("frame_", "probe_last_followup", st->frame.probe_last_followup);
	for (i = 0; i < CMDQ_IOC_NR_PIPES; i++) {
		const struct cmdq_ioc_frame_pipe_stats *p = &st->frame.pipe[i];

		snprintf(pfx, sizeof(pfx), "frame%u_", i);
		out_u64s(pfx, fpipe, &p->committed, ARRAY_SIZE(fpipe));
		out(pfx, "thread", p->thread);
		out(pfx, "inflight", p->inflight);
		out(pfx, "last_frame", p->last_frame);
	}
	for (i = 0; i < CMDQ_IOC_NR_THREADS; i++) {
		const struct cmdq_ioc_thread_stats *t = &st->thread[i];

		snprintf(pfx, sizeof(pfx), "thread%u_", i);
		out_u64s(pfx, thr, &t->submitted, ARRAY_SIZE(thr));
		for (k = 0; k < ARRAY_SIZE(thr); k++)
			tot[k] += (&t->submitted)[k];
		out(pfx, "queued", t->queued);
		out(pfx, "state", t->state);
		out(pfx, "wait_event", t->wait_event);
		out(pfx, "bound", t->bound);
		out(pfx, "last_status", t->last_status);
		out(pfx, "last_pkt", t->last_pkt_id);
		out(pfx, "last_pipe", t->last_pipe);
		out(pfx, "last_frame", t->last_frame);
		out(pfx, "last_inst", t->last_inst);
		out(pfx, "last_missed", t->last_missed);
		out(pfx, "last_err", t->last_err);
		out(pfx, "last_err_pc", t->last_err_pc);
	}
	for (k = 0; k < ARRAY_SIZE(thr); k++)
		out("threads_", thr[k], tot[k]);
	for (i = 0; i < CMDQ_IOC_NR_PIPES; i++) {
		const struct cmdq_ioc_pipe_stats *p = &st->pipe[i];

		snprintf(pfx, sizeof(pfx), "pipe%u_", i);
		out_u64s(pfx, pipe, &p->frames, ARRAY_SIZE(pipe));
		for (k = 0; k < ARRAY_SIZE(pipe); k++)
			ptot[k] += (&p->frames)[k];
		out(pfx, "running", p->running);
		out(pfx, "hz", p->hz);
		out(pfx, "vblank_us", p->vblank_us);
		out(pfx, "frame", p->frame);
	}
	for (k = 0; k < ARRAY_SIZE(pipe); k++)
		out("pipes_", pipe[k], ptot[k]);
	free(st);
	return 0;
}

/* ---- frame-wait ---------------------------------------------------------------------- */

int cmd_frame_wait(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "timeout", OPT_TIMEOUT, "MS", 0, "Give up after MS (default 60000)", 0 },
		{ 0 },
	};
	struct cmd_args a = { .timeout_ms = 60000 };
	struct cmdq_ioc_stats *st = calloc(1, sizeof(*st));
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	uint32_t waited = 0;

	if (cmd_argp(argc, argv, opts, NULL,
		     "Wait until the frame client has committed its frames and every packet "
		     "completed (without exec'ing anything: no load on the VM's 9p). "
		     "Prints 'done' or 'timeout'.", &a))
		return 2;
	if (open_dev())
		return 2;
	for (;;) {
		if (ioctl(devfd, CMDQ_IOC_STATS, st)) {
			printf("error %s\n", errname(errno));
			return 1;
		}
		if (st->frame.done) {
			printf("done\n");
			return 0;
		}
		if (waited >= a.timeout_ms) {
			printf("timeout\n");
			return 1;
		}
		nanosleep(&ts, NULL);
		waited += 20;
	}
}
