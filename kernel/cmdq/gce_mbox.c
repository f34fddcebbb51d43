// SPDX-License-Identifier: GPL-2.0
/*
 * gce_sim: the mailbox controller, one channel per GCE thread (send_data
 * queues and chains a packet, startup, shutdown, and the helper's abort
 * hook), and the completion IRQ that delivers finished packets to the
 * clients.
 */
#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mailbox_controller.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "gce_sim_priv.h"
#include "cmdq_trace.h"

/* ---- the completion IRQ ------------------------------------------------- */

static void gce_deliver(struct gce_thread *t, struct gce_done *d)
{
	struct cmdq_pkt *pkt = d->pkt;
	struct cmdq_cb_data cb = {
		.sta = d->sta,
		.pkt = pkt,
		.data = pkt->cb_data,
	};

	trace_cmdq_eoc_irq(t->id, pkt->id, d->sta, d->pipe, d->frame, pkt->flush_ns,
			   d->eoc_ns, d->deadline_ns, d->inst, d->missed, d->miss);
	if (d->underrun)
		trace_cmdq_vblank(d->pipe, d->frame, CMDQ_VBLANK_UNDERRUN, d->underrun_ns,
				  d->miss, pkt->id, t->id);
	mbox_chan_received_data(t->chan, &cb);
}

/* thread lock held, a ring entry free: raise the IRQ for @d */
void gce_irq_raise(struct gce_thread *t, const struct gce_done *d)
{
	t->irq_ring[t->irq_head % GCE_IRQ_RING] = *d;
	/* gce_irq_room() reads it without the lock */
	WRITE_ONCE(t->irq_head, t->irq_head + 1);
	irq_work_queue(&t->irq);
}

/* thread lock held: the ring index of @pkt's completion; false if none */
static bool gce_irq_find(struct gce_thread *t, struct cmdq_pkt *pkt, u32 *seq)
{
	u32 i;

	for (i = t->irq_tail; i != t->irq_head; i++)
		if (t->irq_ring[i % GCE_IRQ_RING].pkt == pkt) {
			*seq = i;
			return true;
		}
	return false;
}

/* has the completion with ring index @seq been delivered? */
static bool gce_irq_handled(struct gce_thread *t, u32 seq)
{
	return (s32)(READ_ONCE(t->irq_tail) - seq) > 0;
}

static bool gce_irq_room(struct gce_thread *t)
{
	return READ_ONCE(t->irq_head) - READ_ONCE(t->irq_tail) < GCE_IRQ_RING;
}

/*
 * The thread's interrupt handler: deliver the raised completions in order.
 * Hardirq context, or the irq_work thread on PREEMPT_RT. A second instance
 * (queued on another CPU while this one runs) finds in_irq set and leaves
 * the new entries to this one, which looks for them before it stops.
 */
void gce_irq_handler(struct irq_work *work)
{
	struct gce_thread *t = container_of(work, struct gce_thread, irq);
	struct gce_done d;
	unsigned long flags;

	raw_spin_lock_irqsave(&t->lock, flags);
	if (t->in_irq) {
		raw_spin_unlock_irqrestore(&t->lock, flags);
		return;
	}
	t->in_irq = true;
	while (t->irq_tail != t->irq_head) {
		d = t->irq_ring[t->irq_tail % GCE_IRQ_RING];
		raw_spin_unlock_irqrestore(&t->lock, flags);
		gce_deliver(t, &d);
		raw_spin_lock_irqsave(&t->lock, flags);
		WRITE_ONCE(t->irq_tail, t->irq_tail + 1);
		if (t->held) {
			/* the engine waited for room: let it go on */
			t->held = false;
			if (t->cur && !t->dead)
				hrtimer_start(&t->timer, 0, HRTIMER_MODE_REL_HARD);
		}
		if (wq_has_sleeper(&t->irq_wq)) {
			raw_spin_unlock_irqrestore(&t->lock, flags);
			wake_up_all(&t->irq_wq);
			raw_spin_lock_irqsave(&t->lock, flags);
		}
	}
	t->in_irq = false;
	raw_spin_unlock_irqrestore(&t->lock, flags);
}

/* ---- mailbox controller ------------------------------------------------- */

static int gce_send_data(struct mbox_chan *chan, void *data)
{
	struct gce_thread *t = chan->con_priv;
	struct cmdq_pkt *pkt = data, *tail;
	unsigned long flags;

	raw_spin_lock_irqsave(&t->lock, flags);
	if (pkt->priv) {
		raw_spin_unlock_irqrestore(&t->lock, flags);
		dev_err_ratelimited(&gs->pdev->dev, "thread %u: packet %u is already queued\n",
				    t->id, pkt->id);
		return -EBUSY;
	}
	pkt->priv = t;
	if (!list_empty(&t->tasks)) {
		tail = list_last_entry(&t->tasks, struct cmdq_pkt, node);
		if (gce_pkt_ok(tail))
			gce_set_word(tail, gce_slot(tail), GCE_JUMP_ABS_CMD(pkt->pa_base));
		t->st.chained++;
	}
	list_add_tail(&pkt->node, &t->tasks);
	t->st.submitted++;
	if (!t->cur) {
		gce_start_task(t, pkt, ktime_get_ns());
		gce_arm(t);
	}
	raw_spin_unlock_irqrestore(&t->lock, flags);
	return 0;
}

static int gce_startup(struct mbox_chan *chan)
{
	struct gce_thread *t = chan->con_priv;
	unsigned long flags;

	raw_spin_lock_irqsave(&t->lock, flags);
	t->dead = false;
	t->bound = true;
	t->mask = 0;
	memset(t->spr, 0, sizeof(t->spr));
	t->sim_ns = ktime_get_ns();
	if (t->cur)		/* sent while the channel was being freed */
		gce_arm(t);
	raw_spin_unlock_irqrestore(&t->lock, flags);
	return 0;
}

/*
 * Withdraw every packet of the thread with -ECONNABORTED, one callback
 * each, and return once every completion raised so far has been delivered
 * (the framework forgets the client after this). Process context.
 */
static void gce_shutdown(struct mbox_chan *chan)
{
	struct gce_thread *t = chan->con_priv;
	struct gce_done d;
	unsigned long flags;
	u32 last;

	raw_spin_lock_irqsave(&t->lock, flags);
	t->dead = true;
	gce_unwait(t);
	raw_spin_unlock_irqrestore(&t->lock, flags);
	hrtimer_cancel(&t->timer);

	for (;;) {
		raw_spin_lock_irqsave(&t->lock, flags);
		if (!t->cur) {
			t->bound = false;
			last = t->irq_head;
			raw_spin_unlock_irqrestore(&t->lock, flags);
			break;
		}
		if (gce_irq_full(t)) {
			raw_spin_unlock_irqrestore(&t->lock, flags);
			wait_event(t->irq_wq, gce_irq_room(t));
			continue;
		}
		gce_finish_cur(t, -ECONNABORTED, &d);
		gce_irq_raise(t, &d);
		raw_spin_unlock_irqrestore(&t->lock, flags);
	}
	wait_event(t->irq_wq, gce_irq_handled(t, last - 1));
}

static bool gce_last_tx_done(struct mbox_chan *chan)
{
	return true;
}

const struct mbox_chan_ops gce_chan_ops = {
	.send_data = gce_send_data,
	.startup = gce_startup,
	.shutdown = gce_shutdown,
	.last_tx_done = gce_last_tx_done,
};

/*
 * The helper's abort hook: withdraw @pkt with @sta unless it completed
 * already, and return once its completion has been delivered, by the
 * IRQ handler either way. Process context.
 */
int gce_abort(struct mbox_chan *chan, struct cmdq_pkt *pkt, int sta)
{
	struct gce_thread *t = chan->con_priv;
	struct cmdq_pkt *it;
	struct gce_done d;
	unsigned long flags;
	bool found;
	u32 seq;

	might_sleep();
	raw_spin_lock_irqsave(&t->lock, flags);
	for (;;) {
		/* completed, or being delivered right now: wait for it */
		if (gce_irq_find(t, pkt, &seq))
			goto wait;
		found = false;
		list_for_each_entry(it, &t->tasks, node)
			if (it == pkt) {
				found = true;
				break;
			}
		if (!found) {
			raw_spin_unlock_irqrestore(&t->lock, flags);
			return -ENOENT;
		}
		if (!gce_irq_full(t))
			break;
		raw_spin_unlock_irqrestore(&t->lock, flags);
		wait_event(t->irq_wq, gce_irq_room(t));
		raw_spin_lock_irqsave(&t->lock, flags);
	}
	if (pkt == t->cur) {
		gce_finish_cur(t, sta, &d);
		if (t->cur)
			gce_arm(t);
	} else {
		memset(&d, 0, sizeof(d));
		d.pkt = pkt;
		d.sta = sta;
		d.pipe = -1;
		d.eoc_ns = ktime_get_ns();
		pkt->eoc_ns = d.eoc_ns;
		gce_unlink(t, pkt);
		gce_count_status(t, sta);
		gce_record_last(t, &d);
	}
	seq = t->irq_head;
	gce_irq_raise(t, &d);
wait:
	raw_spin_unlock_irqrestore(&t->lock, flags);
	wait_event(t->irq_wq, gce_irq_handled(t, seq));
	return 0;
}

const struct cmdq_gce_ops gce_ops = {
	.abort = gce_abort,
};
