// SPDX-License-Identifier: GPL-2.0
/*
 * cmdq_dev: the queries of /dev/cmdq: the model's registers and events,
 * the file's binding, and every counter (CMDQ_IOC_STATS): the helper's,
 * this device's, the frame client's (cmdq_frame.ko) and the model's per
 * thread and per pipe.
 */
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include <cmdq/cmdq.h>
#include <cmdq/cmdq_frame.h>
#include <cmdq/gce_sim.h>
#include <uapi/linux/cmdq.h>
#include "cmdq_dev_priv.h"

atomic64_t cmdq_dev_stats[DS_NR];

static_assert(sizeof(struct cmdq_ioc_dev_stats) == (DS_NR + 1) * sizeof(__u64));

long cmdq_dev_regs(struct cmdq_ioc_regs __user *ur)
{
	struct cmdq_ioc_regs r;
	u32 *buf;
	long ret;

	if (copy_from_user(&r, ur, sizeof(r)))
		return -EFAULT;
	if (r.flags || r.reserved || !r.count)
		return -EINVAL;
	if (r.count > CMDQ_IOC_REG_COUNT)
		return -E2BIG;
	buf = kvmalloc_array(r.count, sizeof(u32), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = gce_sim_read_regs(r.pa, buf, r.count);
	if (!ret && copy_to_user(u64_to_user_ptr(r.buf), buf, r.count * sizeof(u32)))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

long cmdq_dev_event(struct cmdq_ioc_event __user *ue)
{
	struct cmdq_ioc_event e;
	long ret;

	if (copy_from_user(&e, ue, sizeof(e)))
		return -EFAULT;
	if ((e.flags & ~CMDQ_EVENT_SET) || e.reserved || e.event >= CMDQ_MAX_EVENT)
		return -EINVAL;
	if (e.flags & CMDQ_EVENT_SET) {
		ret = gce_sim_set_event(e.event, e.value);
		if (ret)
			return ret;
	}
	ret = gce_sim_get_event(e.event, &e.value);
	if (!ret && copy_to_user(ue, &e, sizeof(e)))
		ret = -EFAULT;
	return ret;
}

long cmdq_dev_info(struct cmdq_dev_file *f, struct cmdq_ioc_info __user *ui)
{
	struct cmdq_ioc_info info = {
		.version = CMDQ_IOC_VERSION,
		.nr_threads = CMDQ_THR_MAX_COUNT,
		.nr_pipes = gce_sim_get_pipes(),
		.nr_events = CMDQ_MAX_EVENT,
		.max_ops = CMDQ_IOC_MAX_OPS,
		.max_tickets = CMDQ_IOC_MAX_TICKETS,
		.max_timeout_ms = CMDQ_IOC_MAX_TIMEOUT_MS,
	};

	info.thread = READ_ONCE(f->thread);
	spin_lock_irq(&f->task_lock);
	info.pending = f->npending;
	info.done = f->ndone;
	spin_unlock_irq(&f->task_lock);
	return copy_to_user(ui, &info, sizeof(info)) ? -EFAULT : 0;
}

/* ---- STATS -------------------------------------------------------------------- */

static void cmdq_dev_thread_stats(struct cmdq_ioc_thread_stats *d,
				  const struct gce_sim_thread_stats *s)
{
	d->submitted = s->submitted;
	d->chained = s->chained;
	d->inst = s->inst;
	d->done = s->done;
	d->errors = s->errors;
	d->aborted = s->aborted;
	d->poll_timeouts = s->poll_timeouts;
	d->limit_errors = s->limit_errors;
	d->injected = s->injected;
	d->stalls = s->stalls;
	d->irq_delays = s->irq_delays;
	d->chain_errors = s->chain_errors;
	d->misses = s->misses;
	d->queued = s->queued;
	d->state = s->state;
	d->wait_event = s->wait_event;
	d->bound = s->bound;
	d->last_status = s->last_status;
	d->last_pkt_id = s->last_pkt_id;
	d->last_pipe = s->last_pipe;
	d->last_frame = s->last_frame;
	d->last_inst = s->last_inst;
	d->last_missed = s->last_missed;
	d->last_err = s->last_err;
	d->last_err_pc = s->last_err_pc;
	d->last_err_word = s->last_err_word;
	d->last_eoc_ns = s->last_eoc_ns;
	d->last_deadline_ns = s->last_deadline_ns;
}

long cmdq_dev_stats_ioctl(void __user *arg)
{
	struct gce_sim_thread_stats ts;
	struct gce_sim_pipe_stats ps;
	struct cmdq_helper_stats hs;
	struct cmdq_ioc_stats *st;
	long ret = 0;
	u64 *dst;
	int i;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->version = CMDQ_IOC_VERSION;
	st->nr_threads = CMDQ_THR_MAX_COUNT;
	st->nr_pipes = CMDQ_MAX_PIPES;

	cmdq_helper_get_stats(&hs);
	st->helper.pkt_created = hs.pkt_created;
	st->helper.pkt_destroyed = hs.pkt_destroyed;
	st->helper.pkt_leaked = hs.pkt_leaked;
	st->helper.pkt_finalized = hs.pkt_finalized;
	st->helper.flush_sync = hs.flush_sync;
	st->helper.flush_async = hs.flush_async;
	st->helper.send_errors = hs.send_errors;
	st->helper.cb_delivered = hs.cb_delivered;
	st->helper.cb_ok = hs.cb_ok;
	st->helper.cb_enoexec = hs.cb_enoexec;
	st->helper.cb_econnaborted = hs.cb_econnaborted;
	st->helper.cb_etimedout = hs.cb_etimedout;
	st->helper.cb_other = hs.cb_other;
	st->helper.sync_timeouts = hs.sync_timeouts;
	st->helper.clients = hs.clients;
	st->helper.gce_registered = hs.gce_registered;

	dst = &st->dev.opens;
	for (i = 0; i < DS_NR; i++)
		dst[i] = atomic64_read(&cmdq_dev_stats[i]);

	cmdq_frame_get_stats(&st->frame);

	for (i = 0; i < CMDQ_THR_MAX_COUNT; i++) {
		ret = gce_sim_get_thread_stats(i, &ts);
		if (ret)
			goto out;
		cmdq_dev_thread_stats(&st->thread[i], &ts);
	}
	for (i = 0; i < CMDQ_MAX_PIPES; i++) {
		ret = gce_sim_get_pipe_stats(i, &ps);
		if (ret)
			goto out;
		st->pipe[i].frames = ps.frames;
		st->pipe[i].eofs = ps.eofs;
		st->pipe[i].misses = ps.misses;
		st->pipe[i].skipped = ps.skipped;
		st->pipe[i].running = ps.running;
		st->pipe[i].hz = ps.hz;
		st->pipe[i].vblank_us = ps.vblank_us;
		st->pipe[i].frame = ps.frame;
		st->pipe[i].sof_ns = ps.sof_ns;
		st->pipe[i].eof_ns = ps.eof_ns;
		st->pipe[i].next_sof_ns = ps.next_sof_ns;
	}
	if (copy_to_user(arg, st, sizeof(*st)))
		ret = -EFAULT;
out:
	kfree(st);
	return ret;
}

static_assert(offsetof(struct cmdq_ioc_dev_stats, tasks_live) ==
	      DS_TASKS_LIVE * sizeof(__u64));
