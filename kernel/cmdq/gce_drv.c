// SPDX-License-Identifier: GPL-2.0
/*
 * gce_sim: the GCE model and the display timing generator, all but the
 * self-test. gce_sim_priv.h describes the model and its locking.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mailbox_controller.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "gce_sim_priv.h"
#include "cmdq_debugfs.h"
#include "cmdq_trace.h"

unsigned int gce_inst_cost_ns = 100;
module_param_named(inst_cost_ns, gce_inst_cost_ns, uint, 0444);
MODULE_PARM_DESC(inst_cost_ns, "Simulated cost of one GCE instruction in ns (0: run at once)");

unsigned int gce_batch = 16;
module_param_named(batch, gce_batch, uint, 0444);
MODULE_PARM_DESC(batch, "Instructions per executor timer tick (1..1024)");

unsigned int gce_inst_limit = 1000000;
module_param_named(inst_limit, gce_inst_limit, uint, 0444);
MODULE_PARM_DESC(inst_limit, "Instructions one task may execute before an ERROR IRQ");

unsigned int gce_poll_timeout_us = 100000;
module_param_named(poll_timeout_us, gce_poll_timeout_us, uint, 0444);
MODULE_PARM_DESC(poll_timeout_us, "POLL raises an ERROR IRQ after this long (0: never)");

static unsigned int pipes = 2;
module_param(pipes, uint, 0444);
MODULE_PARM_DESC(pipes, "Display pipes of the timing generator (1..3)");

static unsigned int hz = 60;
module_param(hz, uint, 0444);
MODULE_PARM_DESC(hz, "Refresh rate of every pipe (30..240)");

static unsigned int vblank_us;
module_param(vblank_us, uint, 0444);
MODULE_PARM_DESC(vblank_us, "Vertical blanking length in us (0: 10% of the frame)");

static bool enable = true;
module_param(enable, bool, 0444);
MODULE_PARM_DESC(enable, "Start the timing generator at load");

struct gce_sim *gs;

enum gce_exec {
	EXEC_NEXT,	/* instruction done, pc advanced */
	EXEC_WAIT,	/* blocked in WFE; an event change kicks the timer */
	EXEC_DELAY,	/* sim_ns moved into the future (poll, stall, irq delay) */
	EXEC_DONE,	/* the task finished; a completion is to be delivered */
};

/* ---- events ------------------------------------------------------------ */

/* evt_lock held. Set an event; wake the threads blocked on it. */
void gce_evt_set_locked(u32 ev, u32 val, bool by_tg)
{
	unsigned int i;
	int p = (int)ev - CMDQ_PIPE_EOF(0);

	val &= GCE_EVT_VAL_MASK;
	if (p >= 0 && p < CMDQ_MAX_PIPES)
		gs->pipe[p].eof_by_tg = by_tg;
	if (gs->evt[ev] == val)
		return;
	gs->evt[ev] = val;
	for (i = 0; i < GCE_THREADS; i++)
		if (gs->thr[i].wait_evt == (int)ev)
			hrtimer_start(&gs->thr[i].timer, 0, HRTIMER_MODE_REL_HARD);
}

static void gce_evt_set(u32 ev, u32 val)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&gs->evt_lock, flags);
	gce_evt_set_locked(ev, val, false);
	raw_spin_unlock_irqrestore(&gs->evt_lock, flags);
}

/* ---- thread helpers (thread lock held) ---------------------------------- */

void gce_arm(struct gce_thread *t)
{
	u64 when = t->sim_ns + (u64)READ_ONCE(gce_inst_cost_ns) * READ_ONCE(gce_batch);

	if (!t->dead)
		hrtimer_start(&t->timer, ns_to_ktime(when), HRTIMER_MODE_ABS_HARD);
}

void gce_unwait(struct gce_thread *t)
{
	if (t->waiting) {
		raw_spin_lock(&gs->evt_lock);
		t->wait_evt = -1;
		raw_spin_unlock(&gs->evt_lock);
		t->waiting = false;
	}
}

void gce_start_task(struct gce_thread *t, struct cmdq_pkt *pkt, u64 now)
{
	t->cur = pkt;
	t->pc = 0;
	t->task_inst = 0;
	t->mask = 0;
	memset(t->spr, 0, sizeof(t->spr));
	t->polling = false;
	t->invalid = !gce_pkt_ok(pkt);
	t->waited = false;
	t->eoc_delayed = false;
	t->pipe = -1;
	t->frame = 0;
	t->deadline_ns = 0;
	t->sim_ns = max(t->sim_ns, now);

	t->bad = false;
	t->stall_armed = false;
	if (t->dead)
		return;		/* about to be aborted: leave the fault knobs alone */
	if (t->bad_count) {
		t->bad_count--;
		t->bad = true;
	}
	if (t->stall_us) {
		t->stall_seq++;
		if (!t->stall_every || !(t->stall_seq % t->stall_every)) {
			t->stall_armed = true;
			t->stall_ns = (u64)t->stall_us * NSEC_PER_USEC;
		}
		if (!t->stall_every)
			t->stall_us = 0;	/* one shot */
	}
}

/*
 * Remove @pkt from the thread, keeping the chain consistent: the previous
 * packet's final JUMP now leads to @pkt's successor (or is a JUMP(PASS)
 * again), and @pkt's own patched slot is restored.
 */
void gce_unlink(struct gce_thread *t, struct cmdq_pkt *pkt)
{
	struct cmdq_pkt *prev = NULL, *next = NULL;

	if (pkt->node.prev != &t->tasks)
		prev = list_prev_entry(pkt, node);
	if (!list_is_last(&pkt->node, &t->tasks))
		next = list_next_entry(pkt, node);

	if (prev && gce_pkt_ok(prev))
		gce_set_word(prev, gce_slot(prev),
			     next ? GCE_JUMP_ABS_CMD(next->pa_base) : CMDQ_JUMP_PASS_CMD);
	if (next && gce_pkt_ok(pkt))
		gce_set_word(pkt, gce_slot(pkt), CMDQ_JUMP_PASS_CMD);

	list_del_init(&pkt->node);
	pkt->priv = NULL;
}

void gce_count_status(struct gce_thread *t, int sta)
{
	if (!sta)
		t->st.done++;
	else if (sta == -ENOEXEC)
		t->st.errors++;
	else
		t->st.aborted++;
}

/* evt_lock taken inside: count a deadline miss of @d */
static void gce_count_miss(struct gce_thread *t, struct gce_done *d)
{
	struct gce_pipe *p = &gs->pipe[d->pipe];

	t->st.misses++;
	raw_spin_lock(&gs->evt_lock);
	p->misses++;
	gce_evt_set_locked(CMDQ_PIPE_UNDERRUN(d->pipe), 1, false);
	raw_spin_unlock(&gs->evt_lock);
}

void gce_record_last(struct gce_thread *t, struct gce_done *d)
{
	t->st.last_status = d->sta;
	t->st.last_pkt_id = d->pkt->id;
	t->st.last_pipe = d->pipe;
	t->st.last_frame = d->frame;
	t->st.last_inst = d->inst;
	t->st.last_missed = d->missed;
	t->st.last_eoc_ns = d->eoc_ns;
	t->st.last_deadline_ns = d->deadline_ns;
}

/*
 * The current task finished with @sta: fill @d, unlink it and start the
 * next one. For an EOC (sta == 0) the next task is the target of the
 * packet's final absolute JUMP; after an error or abort it is the next
 * queued task, as the real driver's error handler does.
 */
void gce_finish_cur(struct gce_thread *t, int sta, struct gce_done *d)
{
	struct cmdq_pkt *pkt = t->cur, *next = NULL, *first, *it;
	u64 w;

	gce_unwait(t);
	d->pkt = pkt;
	d->sta = sta;
	d->pipe = t->pipe;
	d->frame = t->frame;
	d->deadline_ns = t->deadline_ns;
	d->inst = t->task_inst;
	d->eoc_ns = ktime_get_ns();
	d->missed = t->pipe >= 0 && (sta || d->eoc_ns > t->deadline_ns);
	pkt->eoc_ns = d->eoc_ns;

	first = list_is_last(&pkt->node, &t->tasks) ? NULL : list_next_entry(pkt, node);
	if (!sta && !t->invalid) {
		w = gce_word(pkt, gce_slot(pkt));
		if ((w >> 56) == CMDQ_CODE_JUMP && ((w >> 32) & CMDQ_JUMP_ABSOLUTE)) {
			it = pkt;
			list_for_each_entry_continue(it, &t->tasks, node)
				if (gce_pa_match(it, (u32)w)) {
					next = it;
					break;
				}
		}
		if (next != first) {
			/* the chain does not match the queue: keep going */
			t->st.chain_errors++;
			next = first;
		}
	} else {
		next = first;
	}

	gce_unlink(t, pkt);
	gce_count_status(t, sta);
	if (d->missed)
		gce_count_miss(t, d);
	gce_record_last(t, d);
	t->cur = NULL;
	if (next)
		gce_start_task(t, next, d->eoc_ns);
}

static void gce_deliver(struct gce_thread *t, struct gce_done *d)
{
	struct cmdq_pkt *pkt = d->pkt;
	struct cmdq_cb_data cb = {
		.sta = d->sta,
		.pkt = pkt,
		.data = pkt->cb_data,
	};

	trace_cmdq_eoc_irq(t->id, pkt->id, d->sta, d->pipe, d->frame, pkt->flush_ns,
			   d->eoc_ns, d->deadline_ns, d->inst, d->missed);
	if (d->missed)
		trace_cmdq_vblank(d->pipe, d->frame, CMDQ_VBLANK_UNDERRUN, d->eoc_ns);
	mbox_chan_received_data(t->chan, &cb);
}

/* ---- the completion IRQ ------------------------------------------------- */

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

/* ---- instruction execution ---------------------------------------------- */

u32 *gce_reg_ptr(u32 subsys, u32 off)
{
	if (subsys < 1 || subsys > CMDQ_SUBSYS_COUNT || (off & 3) || off >= CMDQ_SUBSYS_SIZE)
		return NULL;
	return &gs->regs[(subsys - 1) * GCE_REGS_PER_SUBSYS + off / 4];
}

static u32 *gce_logic_reg(struct gce_thread *t, u32 idx)
{
	if (idx < CMDQ_THR_SPR_MAX)
		return &t->spr[idx];
	if (idx >= CMDQ_GPR_BASE && idx < CMDQ_GPR_BASE + CMDQ_GPR_MAX)
		return &gs->gpr[idx - CMDQ_GPR_BASE];
	return NULL;
}

static int gce_fail(struct gce_thread *t, enum gce_sim_err why, u64 w, struct gce_done *d)
{
	t->st.last_err = why;
	t->st.last_err_pc = t->pc;
	t->st.last_err_word = w;
	if (why == GCE_SIM_ERR_POLL_TIMEOUT)
		t->st.poll_timeouts++;
	else if (why == GCE_SIM_ERR_LIMIT)
		t->st.limit_errors++;
	else if (why == GCE_SIM_ERR_INJECTED)
		t->st.injected++;
	dev_dbg(&gs->pdev->dev, "thread %u: error %d at pc 0x%x word 0x%016llx\n",
		t->id, why, t->pc, w);
	gce_finish_cur(t, -ENOEXEC, d);
	return EXEC_DONE;
}

static int gce_exec_logic(struct gce_thread *t, u32 a, u32 b)
{
	u32 sub = (a >> 16) & 0xff, sop = sub & 0x1f;
	u32 *dst, *r, src, argc, v;

	if (!(sub & CMDQ_LOGIC_DST_T))
		return -EINVAL;
	dst = gce_logic_reg(t, a & 0xffff);
	if (!dst)
		return -EINVAL;
	src = b >> 16;
	if (sub & CMDQ_LOGIC_SRC_T) {
		r = gce_logic_reg(t, src);
		if (!r)
			return -EINVAL;
		src = READ_ONCE(*r);
	}
	argc = b & 0xffff;
	if (sub & CMDQ_LOGIC_ARG_C_T) {
		r = gce_logic_reg(t, argc);
		if (!r)
			return -EINVAL;
		argc = READ_ONCE(*r);
	}

	switch (sop) {
	case CMDQ_LOGIC_ASSIGN:
		v = (sub & CMDQ_LOGIC_SRC_T) ? src : b;
		break;
	case CMDQ_LOGIC_ADD:
		v = src + argc;
		break;
	case CMDQ_LOGIC_SUBTRACT:
		v = src - argc;
		break;
	case CMDQ_LOGIC_MULTIPLY:
		v = src * argc;
		break;
	case CMDQ_LOGIC_XOR:
		v = src ^ argc;
		break;
	case CMDQ_LOGIC_NOT:
		v = ~src;
		break;
	case CMDQ_LOGIC_OR:
		v = src | argc;
		break;
	case CMDQ_LOGIC_AND:
		v = src & argc;
		break;
	case CMDQ_LOGIC_LEFT_SHIFT:
		v = argc >= 32 ? 0 : src << argc;
		break;
	case CMDQ_LOGIC_RIGHT_SHIFT:
		v = argc >= 32 ? 0 : src >> argc;
		break;
	default:
		return -EINVAL;
	}
	WRITE_ONCE(*dst, v);
	return 0;
}

/* A WFE with WAIT passed on @ev: note the deadline if a pipe's EOF released it */
static void gce_note_release(struct gce_thread *t, u32 ev)
{
	int p = (int)ev - CMDQ_PIPE_EOF(0);

	if (p < 0 || p >= CMDQ_MAX_PIPES || !gs->pipe[p].eof_by_tg || !gs->evt[ev])
		return;
	t->pipe = p;
	t->frame = gs->pipe[p].eof_frame;
	t->deadline_ns = gs->pipe[p].eof_deadline_ns;
}

static int gce_exec_wfe(struct gce_thread *t, u32 a, u32 b, u64 now)
{
	u32 ev = a & 0xffff;

	if (ev >= CMDQ_MAX_EVENT)
		return -EINVAL;

	raw_spin_lock(&gs->evt_lock);
	if (b & CMDQ_WFE_WAIT) {
		if (gs->evt[ev] != (b & GCE_EVT_VAL_MASK)) {
			t->wait_evt = ev;
			raw_spin_unlock(&gs->evt_lock);
			t->waiting = true;
			return EXEC_WAIT;
		}
		t->wait_evt = -1;
		gce_note_release(t, ev);
	}
	if (b & CMDQ_WFE_UPDATE)
		gce_evt_set_locked(ev, b >> 16, false);
	raw_spin_unlock(&gs->evt_lock);

	if (b & CMDQ_WFE_WAIT) {
		if (t->waiting) {
			t->waiting = false;
			t->sim_ns = max(t->sim_ns, now);
		}
		t->waited = true;
	}
	return EXEC_NEXT;
}

static int gce_exec_one(struct gce_thread *t, u64 now, struct gce_done *d)
{
	struct cmdq_pkt *pkt = t->cur;
	u32 a, b, *reg, old, nv, size;
	u64 w = 0, pto;
	s64 target;
	int ret;
	u8 op;

	if (t->invalid)
		return gce_fail(t, GCE_SIM_ERR_PKT, 0, d);
	size = pkt->cmd_buf_size;
	if (t->pc + CMDQ_INST_SIZE > size)
		return gce_fail(t, GCE_SIM_ERR_END, 0, d);
	if (t->task_inst >= READ_ONCE(gce_inst_limit))
		return gce_fail(t, GCE_SIM_ERR_LIMIT, 0, d);
	w = gce_word(pkt, t->pc);
	if (t->bad) {
		t->bad = false;
		return gce_fail(t, GCE_SIM_ERR_INJECTED, w, d);
	}
	op = w >> 56;
	a = (w >> 32) & 0xffffff;
	b = (u32)w;

	if (t->stall_armed && (t->waited || op == CMDQ_CODE_EOC)) {
		t->stall_armed = false;
		t->st.stalls++;
		t->sim_ns = max(t->sim_ns, now) + t->stall_ns;
		return EXEC_DELAY;
	}

	switch (op) {
	case CMDQ_CODE_MASK:
		t->mask = b;
		break;
	case CMDQ_CODE_WRITE:
		reg = gce_reg_ptr(a >> 16, a & 0xfffe);
		if (!reg || (a & 2))
			return gce_fail(t, GCE_SIM_ERR_OPERAND, w, d);
		if (a & CMDQ_WRITE_ENABLE_MASK) {
			do {
				old = READ_ONCE(*reg);
				nv = (old & t->mask) | (b & ~t->mask);
			} while (cmpxchg(reg, old, nv) != old);
		} else {
			WRITE_ONCE(*reg, b);
		}
		break;
	case CMDQ_CODE_POLL:
		reg = gce_reg_ptr(a >> 16, a & 0xfffe);
		if (!reg || (a & 2))
			return gce_fail(t, GCE_SIM_ERR_OPERAND, w, d);
		old = READ_ONCE(*reg);
		if (a & CMDQ_WRITE_ENABLE_MASK ? !((old ^ b) & ~t->mask) : old == b) {
			t->polling = false;
			break;
		}
		pto = (u64)READ_ONCE(gce_poll_timeout_us) * NSEC_PER_USEC;
		if (!t->polling) {
			t->polling = true;
			t->poll_start_ns = now;
		} else if (pto && now - t->poll_start_ns >= pto) {
			t->polling = false;
			return gce_fail(t, GCE_SIM_ERR_POLL_TIMEOUT, w, d);
		}
		t->sim_ns = max(t->sim_ns, now) + GCE_POLL_INTERVAL_NS;
		return EXEC_DELAY;
	case CMDQ_CODE_WFE:
		ret = gce_exec_wfe(t, a, b, now);
		if (ret < 0)
			return gce_fail(t, GCE_SIM_ERR_OPERAND, w, d);
		if (ret == EXEC_WAIT)
			return ret;
		break;
	case CMDQ_CODE_JUMP:
		if (a & CMDQ_JUMP_ABSOLUTE)
			target = ((s64)b << GCE_SIM_SHIFT_PA) -
				 (s64)(pkt->pa_base & ((1ULL << (32 + GCE_SIM_SHIFT_PA)) - 1));
		else
			target = (s64)t->pc + (s32)b;
		if (target < 0 || target > size || (target % CMDQ_INST_SIZE))
			return gce_fail(t, GCE_SIM_ERR_JUMP, w, d);
		t->pc = target;
		t->task_inst++;
		t->st.inst++;
		return EXEC_NEXT;
	case CMDQ_CODE_EOC:
		if (!(b & CMDQ_EOC_IRQ_EN))
			break;
		if (t->irq_delay_us && !t->eoc_delayed) {
			t->eoc_delayed = true;
			t->st.irq_delays++;
			t->sim_ns = max(t->sim_ns, now) + (u64)t->irq_delay_us * NSEC_PER_USEC;
			return EXEC_DELAY;
		}
		t->task_inst++;
		t->st.inst++;
		gce_finish_cur(t, 0, d);
		return EXEC_DONE;
	case CMDQ_CODE_LOGIC:
		if (gce_exec_logic(t, a, b))
			return gce_fail(t, GCE_SIM_ERR_OPERAND, w, d);
		break;
	default:
		return gce_fail(t, GCE_SIM_ERR_OPCODE, w, d);
	}
	t->pc += CMDQ_INST_SIZE;
	t->task_inst++;
	t->st.inst++;
	return EXEC_NEXT;
}

/*
 * Run the current task until it completes (returns true with @d filled),
 * blocks, or has to wait for simulated time (timer armed).
 */
static bool gce_run(struct gce_thread *t, unsigned int *budget, struct gce_done *d)
{
	u64 cost = READ_ONCE(gce_inst_cost_ns);
	u64 now = ktime_get_ns();
	int r;

	while (t->cur) {
		if (t->sim_ns + cost > now) {
			gce_arm(t);
			return false;
		}
		if (!*budget) {
			if (!t->dead)
				hrtimer_start(&t->timer, 0, HRTIMER_MODE_REL_HARD);
			return false;
		}
		r = gce_exec_one(t, now, d);
		switch (r) {
		case EXEC_NEXT:
			(*budget)--;
			t->sim_ns += cost;
			break;
		case EXEC_WAIT:
			return false;
		case EXEC_DELAY:
			break;
		case EXEC_DONE:
			(*budget)--;
			t->sim_ns += cost;
			return true;
		}
	}
	return false;
}

enum hrtimer_restart gce_thread_timer(struct hrtimer *timer)
{
	struct gce_thread *t = container_of(timer, struct gce_thread, timer);
	unsigned int budget = GCE_MAX_BATCH;
	struct gce_done d;
	unsigned long flags;

	raw_spin_lock_irqsave(&t->lock, flags);
	while (!t->dead && t->cur) {
		/* a task may complete: it needs a ring entry for its IRQ */
		if (gce_irq_full(t)) {
			t->held = true;
			t->st.irq_held++;
			break;
		}
		if (!gce_run(t, &budget, &d))
			break;
		gce_irq_raise(t, &d);
	}
	raw_spin_unlock_irqrestore(&t->lock, flags);
	return HRTIMER_NORESTART;
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

static int gce_probe(struct platform_device *pdev)
{
	int i, ret;

	gs->mbox.dev = &pdev->dev;
	gs->mbox.ops = &gce_chan_ops;
	gs->mbox.chans = gs->chans;
	gs->mbox.num_chans = GCE_THREADS;
	gs->mbox.txdone_irq = false;
	gs->mbox.txdone_poll = false;
	for (i = 0; i < GCE_THREADS; i++) {
		gs->chans[i].con_priv = &gs->thr[i];
		gs->thr[i].chan = &gs->chans[i];
	}
	ret = mbox_controller_register(&gs->mbox);
	if (ret)
		goto out;
	ret = cmdq_register_gce(&gs->mbox, &gce_ops);
	if (ret) {
		mbox_controller_unregister(&gs->mbox);
		goto out;
	}
	gs->probed = true;
out:
	gs->probe_err = ret;
	return ret;
}

static void gce_remove(struct platform_device *pdev)
{
	int i;

	if (!gs->probed)
		return;
	cmdq_unregister_gce(&gs->mbox);
	mbox_controller_unregister(&gs->mbox);
	for (i = 0; i < GCE_THREADS; i++)
		hrtimer_cancel(&gs->thr[i].timer);
	gs->probed = false;
}

#ifndef QLAT_PLATFORM_REMOVE_VOID
/* before 6.11 .remove returns int (Kbuild tests which) */
static int gce_remove_int(struct platform_device *pdev)
{
	gce_remove(pdev);
	return 0;
}
#endif

static struct platform_driver gce_driver = {
	.probe = gce_probe,
#ifdef QLAT_PLATFORM_REMOVE_VOID
	.remove = gce_remove,
#else
	.remove = gce_remove_int,
#endif
	.driver = {
		.name = "gce_sim",
		.suppress_bind_attrs = true,
	},
};

/* ---- timing generator --------------------------------------------------- */

static u64 gce_vblank_ns(struct gce_pipe *p, u64 period)
{
	u64 vb = p->vblank_us ? (u64)p->vblank_us * NSEC_PER_USEC : div_u64(period, 10);

	return min(vb, period - div_u64(period, 10));
}

enum hrtimer_restart gce_pipe_timer(struct hrtimer *timer)
{
	struct gce_pipe *p = container_of(timer, struct gce_pipe, timer);
	u64 now = ktime_get_ns(), period, next, ts, skip;
	unsigned long flags;
	u32 frame, type;

	raw_spin_lock_irqsave(&gs->evt_lock, flags);
	if (!p->running) {
		raw_spin_unlock_irqrestore(&gs->evt_lock, flags);
		return HRTIMER_NORESTART;
	}
	if (p->next_is_eof) {
		p->eof_frame = p->frame;
		p->eof_deadline_ns = p->next_sof_ns;
		gce_evt_set_locked(CMDQ_PIPE_EOF(p->id), 1, true);
		p->eofs++;
		ts = p->eof_ns;
		type = CMDQ_VBLANK_EOF;
		next = p->next_sof_ns;
		p->next_is_eof = false;
	} else {
		period = div_u64(NSEC_PER_SEC, READ_ONCE(p->hz));
		ts = p->next_sof_ns;
		if (now > ts + period) {
			/* more than a frame late (e.g. a stalled vCPU): skip */
			skip = div64_u64(now - ts, period);
			ts += skip * period;
			p->seq += skip;
			p->skipped += skip;
		}
		p->frame = p->seq++;
		p->sof_ns = ts;
		p->eof_ns = ts + period - gce_vblank_ns(p, period);
		p->next_sof_ns = ts + period;
		gce_evt_set_locked(CMDQ_PIPE_SOF(p->id), 1, true);
		p->frames++;
		type = CMDQ_VBLANK_SOF;
		next = p->eof_ns;
		p->next_is_eof = true;
	}
	frame = p->frame;
	hrtimer_set_expires(timer, ns_to_ktime(next));
	raw_spin_unlock_irqrestore(&gs->evt_lock, flags);

	trace_cmdq_vblank(p->id, frame, type, ts);
	return HRTIMER_RESTART;
}

/* cfg_lock held */
void gce_tg_stop(void)
{
	unsigned long flags;
	int i;

	raw_spin_lock_irqsave(&gs->evt_lock, flags);
	for (i = 0; i < CMDQ_MAX_PIPES; i++)
		gs->pipe[i].running = false;
	raw_spin_unlock_irqrestore(&gs->evt_lock, flags);
	for (i = 0; i < CMDQ_MAX_PIPES; i++)
		hrtimer_cancel(&gs->pipe[i].timer);
}

/* cfg_lock held */
static void gce_tg_start(void)
{
	u64 now = ktime_get_ns();
	unsigned long flags;
	u32 i;

	for (i = 0; i < gs->npipes; i++) {
		struct gce_pipe *p = &gs->pipe[i];

		raw_spin_lock_irqsave(&gs->evt_lock, flags);
		p->running = true;
		p->next_is_eof = false;
		p->next_sof_ns = now;
		raw_spin_unlock_irqrestore(&gs->evt_lock, flags);
		hrtimer_start(&p->timer, ns_to_ktime(now), HRTIMER_MODE_ABS_HARD);
	}
}

/* ---- exported API ------------------------------------------------------- */

/**
 * gce_sim_get_device() - the GCE model's platform device
 *
 * Return: the device that owns the mailbox controller, or NULL before probe.
 */
struct device *gce_sim_get_device(void)
{
	return gs && gs->probed ? &gs->pdev->dev : NULL;
}
EXPORT_SYMBOL_GPL(gce_sim_get_device);

/**
 * gce_sim_get_thread_stats() - read the counters and state of a GCE thread
 * @thread: thread (= mailbox channel) number, 0..CMDQ_THR_MAX_COUNT-1
 * @st: filled with a consistent snapshot
 *
 * Return: 0, or -EINVAL for a bad thread number.
 */
int gce_sim_get_thread_stats(int thread, struct gce_sim_thread_stats *st)
{
	struct gce_thread *t;
	struct cmdq_pkt *pkt;
	unsigned long flags;
	u32 n = 0;

	if (thread < 0 || thread >= GCE_THREADS)
		return -EINVAL;
	t = &gs->thr[thread];
	raw_spin_lock_irqsave(&t->lock, flags);
	*st = t->st;
	list_for_each_entry(pkt, &t->tasks, node)
		n++;
	/* completed, callback not yet delivered: still the thread's */
	st->queued = n + t->irq_head - t->irq_tail;
	st->bound = t->bound;
	if (!t->cur)
		st->state = GCE_SIM_THR_IDLE;
	else if (t->waiting)
		st->state = GCE_SIM_THR_WAIT;
	else if (t->polling)
		st->state = GCE_SIM_THR_POLL;
	else
		st->state = GCE_SIM_THR_RUN;
	st->wait_event = READ_ONCE(t->wait_evt);
	raw_spin_unlock_irqrestore(&t->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_get_thread_stats);

/**
 * gce_sim_get_pipe_stats() - read the counters and schedule of a display pipe
 * @pipe: pipe number, 0..CMDQ_MAX_PIPES-1 (pipes beyond gce_sim_get_pipes()
 *	  exist but do not run)
 * @st: filled with a consistent snapshot
 *
 * Return: 0, or -EINVAL for a bad pipe number.
 */
int gce_sim_get_pipe_stats(int pipe, struct gce_sim_pipe_stats *st)
{
	struct gce_pipe *p;
	unsigned long flags;

	if (pipe < 0 || pipe >= CMDQ_MAX_PIPES)
		return -EINVAL;
	p = &gs->pipe[pipe];
	raw_spin_lock_irqsave(&gs->evt_lock, flags);
	st->frames = p->frames;
	st->eofs = p->eofs;
	st->misses = p->misses;
	st->skipped = p->skipped;
	st->running = p->running;
	st->hz = READ_ONCE(p->hz);
	st->vblank_us = READ_ONCE(p->vblank_us);
	st->frame = p->frame;
	st->in_vblank = p->running && !p->next_is_eof;
	st->sof_ns = p->sof_ns;
	st->eof_ns = p->eof_ns;
	st->next_sof_ns = p->next_sof_ns;
	raw_spin_unlock_irqrestore(&gs->evt_lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_get_pipe_stats);

/**
 * gce_sim_reset_stats() - zero every thread and pipe counter
 *
 * State (queues, registers, events, frame sequence numbers) is kept.
 */
void gce_sim_reset_stats(void)
{
	unsigned long flags;
	int i;

	for (i = 0; i < GCE_THREADS; i++) {
		struct gce_thread *t = &gs->thr[i];

		raw_spin_lock_irqsave(&t->lock, flags);
		memset(&t->st, 0, sizeof(t->st));
		t->st.last_pipe = -1;
		raw_spin_unlock_irqrestore(&t->lock, flags);
	}
	raw_spin_lock_irqsave(&gs->evt_lock, flags);
	for (i = 0; i < CMDQ_MAX_PIPES; i++) {
		gs->pipe[i].frames = 0;
		gs->pipe[i].eofs = 0;
		gs->pipe[i].misses = 0;
		gs->pipe[i].skipped = 0;
	}
	raw_spin_unlock_irqrestore(&gs->evt_lock, flags);
}
EXPORT_SYMBOL_GPL(gce_sim_reset_stats);

static u32 *gce_pa_reg(u32 pa)
{
	u32 base = CMDQ_SUBSYS_BASE(1);

	if (pa < base || pa - base >= CMDQ_SUBSYS_COUNT * CMDQ_SUBSYS_SIZE || (pa & 3))
		return NULL;
	return &gs->regs[(pa - base) / 4];
}

/**
 * gce_sim_read_reg() - read an emulated register
 * @pa: physical address, CMDQ_SUBSYS_BASE(1) .. CMDQ_SUBSYS_BASE(3) + 0xfffc,
 *	4-aligned
 * @val: the register value
 *
 * Return: 0, or -EINVAL for an address outside the register file.
 */
int gce_sim_read_reg(u32 pa, u32 *val)
{
	u32 *r = gce_pa_reg(pa);

	if (!r)
		return -EINVAL;
	*val = READ_ONCE(*r);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_read_reg);

/**
 * gce_sim_write_reg() - write an emulated register (as the CPU would)
 * @pa: physical address, see gce_sim_read_reg()
 * @val: new value
 *
 * Return: 0, or -EINVAL for an address outside the register file.
 */
int gce_sim_write_reg(u32 pa, u32 val)
{
	u32 *r = gce_pa_reg(pa);

	if (!r)
		return -EINVAL;
	WRITE_ONCE(*r, val);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_write_reg);

/**
 * gce_sim_read_regs() - read a range of emulated registers
 * @pa: address of the first register, see gce_sim_read_reg()
 * @buf: receives @count values
 * @count: number of consecutive registers
 *
 * Return: 0, or -EINVAL if any of the range is outside the register file.
 */
int gce_sim_read_regs(u32 pa, u32 *buf, u32 count)
{
	u32 *r = gce_pa_reg(pa), i;

	if (!r || count > CMDQ_SUBSYS_COUNT * GCE_REGS_PER_SUBSYS - (r - gs->regs))
		return -EINVAL;
	for (i = 0; i < count; i++)
		buf[i] = READ_ONCE(r[i]);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_read_regs);

/**
 * gce_sim_read_gpr() - read a global GPR
 * @idx: 0..CMDQ_GPR_MAX-1 (LOGIC register index CMDQ_GPR_BASE + @idx)
 * @val: the value
 *
 * Return: 0, or -EINVAL.
 */
int gce_sim_read_gpr(u32 idx, u32 *val)
{
	if (idx >= CMDQ_GPR_MAX)
		return -EINVAL;
	*val = READ_ONCE(gs->gpr[idx]);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_read_gpr);

/**
 * gce_sim_read_spr() - read a thread's SPR (as left by its last task)
 * @thread: thread number
 * @idx: 0..CMDQ_THR_SPR_MAX-1
 * @val: the value
 *
 * Return: 0, or -EINVAL.
 */
int gce_sim_read_spr(int thread, u32 idx, u32 *val)
{
	if (thread < 0 || thread >= GCE_THREADS || idx >= CMDQ_THR_SPR_MAX)
		return -EINVAL;
	*val = READ_ONCE(gs->thr[thread].spr[idx]);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_read_spr);

/**
 * gce_sim_get_event() - read an event's value
 * @event: 0..CMDQ_MAX_EVENT-1
 * @val: the value
 *
 * Return: 0, or -EINVAL.
 */
int gce_sim_get_event(u32 event, u32 *val)
{
	if (event >= CMDQ_MAX_EVENT)
		return -EINVAL;
	*val = READ_ONCE(gs->evt[event]);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_get_event);

/**
 * gce_sim_set_event() - set an event's value, waking the threads waiting on it
 * @event: 0..CMDQ_MAX_EVENT-1
 * @val: new value (12 bits)
 *
 * Any context. Counts as a software update: a pipe EOF set this way does
 * not give a packet a deadline.
 *
 * Return: 0, or -EINVAL.
 */
int gce_sim_set_event(u32 event, u32 val)
{
	if (event >= CMDQ_MAX_EVENT || val > GCE_EVT_VAL_MASK)
		return -EINVAL;
	gce_evt_set(event, val);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_set_event);

/**
 * gce_sim_set_inst_cost() - set the simulated cost of one instruction
 * @ns: nanoseconds per instruction; 0 runs tasks until they complete or block
 */
void gce_sim_set_inst_cost(u32 ns)
{
	WRITE_ONCE(gce_inst_cost_ns, ns);
}
EXPORT_SYMBOL_GPL(gce_sim_set_inst_cost);

/**
 * gce_sim_get_inst_cost() - the simulated cost of one instruction
 *
 * Return: nanoseconds per instruction.
 */
u32 gce_sim_get_inst_cost(void)
{
	return READ_ONCE(gce_inst_cost_ns);
}
EXPORT_SYMBOL_GPL(gce_sim_get_inst_cost);

/**
 * gce_sim_set_batch() - set how many instructions one executor tick runs
 * @inst: 1..1024; the timer is re-armed every @inst x inst_cost_ns
 *
 * Return: 0, or -EINVAL.
 */
int gce_sim_set_batch(u32 inst)
{
	if (!inst || inst > GCE_MAX_BATCH)
		return -EINVAL;
	WRITE_ONCE(gce_batch, inst);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_set_batch);

/**
 * gce_sim_set_inst_limit() - set the per-task instruction limit
 * @inst: a task executing this many instructions raises an ERROR IRQ
 *	  (0 makes every task fail at once)
 */
void gce_sim_set_inst_limit(u32 inst)
{
	WRITE_ONCE(gce_inst_limit, inst);
}
EXPORT_SYMBOL_GPL(gce_sim_set_inst_limit);

/**
 * gce_sim_set_poll_timeout() - set the POLL timeout
 * @us: a POLL that has not matched after @us raises an ERROR IRQ; 0: never
 */
void gce_sim_set_poll_timeout(u32 us)
{
	WRITE_ONCE(gce_poll_timeout_us, us);
}
EXPORT_SYMBOL_GPL(gce_sim_set_poll_timeout);

/**
 * gce_sim_set_enable() - start or stop the display timing generator
 * @on: true to start every configured pipe at frame boundary "now"
 *
 * Process context. Restarting begins a new frame on every pipe.
 *
 * Return: 0.
 */
int gce_sim_set_enable(bool on)
{
	mutex_lock(&gs->cfg_lock);
	gce_tg_stop();
	gs->tg_enabled = on;
	if (on)
		gce_tg_start();
	mutex_unlock(&gs->cfg_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_set_enable);

/**
 * gce_sim_set_pipes() - set the number of display pipes
 * @n: 1..CMDQ_MAX_PIPES
 *
 * Process context. Running pipes restart at a new frame.
 *
 * Return: 0, or -EINVAL.
 */
int gce_sim_set_pipes(u32 n)
{
	if (n < 1 || n > CMDQ_MAX_PIPES)
		return -EINVAL;
	mutex_lock(&gs->cfg_lock);
	gce_tg_stop();
	gs->npipes = n;
	if (gs->tg_enabled)
		gce_tg_start();
	mutex_unlock(&gs->cfg_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_set_pipes);

/**
 * gce_sim_get_pipes() - the number of display pipes
 *
 * Return: 1..CMDQ_MAX_PIPES.
 */
u32 gce_sim_get_pipes(void)
{
	return READ_ONCE(gs->npipes);
}
EXPORT_SYMBOL_GPL(gce_sim_get_pipes);

/**
 * gce_sim_set_refresh() - set a pipe's refresh rate
 * @pipe: 0..CMDQ_MAX_PIPES-1, or -1 for every pipe
 * @hz: GCE_SIM_HZ_MIN..GCE_SIM_HZ_MAX
 *
 * Takes effect at the pipe's next SOF.
 *
 * Return: 0, or -EINVAL.
 */
int gce_sim_set_refresh(int pipe, u32 hz)
{
	int i;

	if (pipe < -1 || pipe >= CMDQ_MAX_PIPES || hz < GCE_SIM_HZ_MIN || hz > GCE_SIM_HZ_MAX)
		return -EINVAL;
	for (i = 0; i < CMDQ_MAX_PIPES; i++)
		if (pipe < 0 || pipe == i)
			WRITE_ONCE(gs->pipe[i].hz, hz);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_set_refresh);

/**
 * gce_sim_set_vblank() - set a pipe's vertical blanking length
 * @pipe: 0..CMDQ_MAX_PIPES-1, or -1 for every pipe
 * @us: vblank in us; 0 means 10% of the frame. Clamped to 90% of the frame.
 *
 * Takes effect at the pipe's next SOF.
 *
 * Return: 0, or -EINVAL.
 */
int gce_sim_set_vblank(int pipe, u32 us)
{
	int i;

	if (pipe < -1 || pipe >= CMDQ_MAX_PIPES || us > USEC_PER_SEC / GCE_SIM_HZ_MIN)
		return -EINVAL;
	for (i = 0; i < CMDQ_MAX_PIPES; i++)
		if (pipe < 0 || pipe == i)
			WRITE_ONCE(gs->pipe[i].vblank_us, us);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_set_vblank);

/**
 * gce_sim_set_stall() - make a thread stall
 * @thread: thread number
 * @us: stall length; 0 disables
 * @every: 0: stall the next task once; N: stall every Nth task started from now
 *
 * The stall hits right after the task's first WFE wait is released, or
 * before its EOC if it has none.
 *
 * Return: 0, or -EINVAL.
 */
int gce_sim_set_stall(int thread, u32 us, u32 every)
{
	struct gce_thread *t;
	unsigned long flags;

	if (thread < 0 || thread >= GCE_THREADS)
		return -EINVAL;
	t = &gs->thr[thread];
	raw_spin_lock_irqsave(&t->lock, flags);
	t->stall_us = us;
	t->stall_every = every;
	t->stall_seq = 0;
	raw_spin_unlock_irqrestore(&t->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_set_stall);

/**
 * gce_sim_set_irq_delay() - delay every EOC IRQ of a thread
 * @thread: thread number
 * @us: delay; 0 disables
 *
 * Return: 0, or -EINVAL.
 */
int gce_sim_set_irq_delay(int thread, u32 us)
{
	if (thread < 0 || thread >= GCE_THREADS)
		return -EINVAL;
	WRITE_ONCE(gs->thr[thread].irq_delay_us, us);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_set_irq_delay);

/**
 * gce_sim_inject_bad_opcode() - make the next tasks of a thread fail
 * @thread: thread number
 * @count: number of tasks (started from now on) whose first instruction
 *	   raises an ERROR IRQ as if it were a bad opcode; 0 cancels
 *
 * Return: 0, or -EINVAL.
 */
int gce_sim_inject_bad_opcode(int thread, u32 count)
{
	struct gce_thread *t;
	unsigned long flags;

	if (thread < 0 || thread >= GCE_THREADS)
		return -EINVAL;
	t = &gs->thr[thread];
	raw_spin_lock_irqsave(&t->lock, flags);
	t->bad_count = count;
	raw_spin_unlock_irqrestore(&t->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(gce_sim_inject_bad_opcode);

/* ---- debugfs ------------------------------------------------------------ */

static const char * const gce_state_name[] = { "idle", "run", "wait", "poll" };

static int gce_threads_show(struct seq_file *m, void *v)
{
	struct gce_sim_thread_stats st, tot = {};
	int i;

	for (i = 0; i < GCE_THREADS; i++) {
		gce_sim_get_thread_stats(i, &st);
		seq_printf(m, "thread%d_bound %u\n", i, st.bound);
		seq_printf(m, "thread%d_state %s\n", i, gce_state_name[st.state]);
		seq_printf(m, "thread%d_wait_event %d\n", i, st.wait_event);
		seq_printf(m, "thread%d_queued %u\n", i, st.queued);
		seq_printf(m, "thread%d_submitted %llu\n", i, st.submitted);
		seq_printf(m, "thread%d_chained %llu\n", i, st.chained);
		seq_printf(m, "thread%d_inst %llu\n", i, st.inst);
		seq_printf(m, "thread%d_done %llu\n", i, st.done);
		seq_printf(m, "thread%d_errors %llu\n", i, st.errors);
		seq_printf(m, "thread%d_aborted %llu\n", i, st.aborted);
		seq_printf(m, "thread%d_misses %llu\n", i, st.misses);
		seq_printf(m, "thread%d_poll_timeouts %llu\n", i, st.poll_timeouts);
		seq_printf(m, "thread%d_limit_errors %llu\n", i, st.limit_errors);
		seq_printf(m, "thread%d_injected %llu\n", i, st.injected);
		seq_printf(m, "thread%d_stalls %llu\n", i, st.stalls);
		seq_printf(m, "thread%d_irq_delays %llu\n", i, st.irq_delays);
		seq_printf(m, "thread%d_chain_errors %llu\n", i, st.chain_errors);
		seq_printf(m, "thread%d_irq_held %llu\n", i, st.irq_held);
		seq_printf(m, "thread%d_last_status %d\n", i, st.last_status);
		seq_printf(m, "thread%d_last_pkt %u\n", i, st.last_pkt_id);
		seq_printf(m, "thread%d_last_pipe %d\n", i, st.last_pipe);
		seq_printf(m, "thread%d_last_frame %u\n", i, st.last_frame);
		seq_printf(m, "thread%d_last_inst %u\n", i, st.last_inst);
		seq_printf(m, "thread%d_last_missed %u\n", i, st.last_missed);
		seq_printf(m, "thread%d_last_err %u\n", i, st.last_err);
		seq_printf(m, "thread%d_last_err_pc %u\n", i, st.last_err_pc);
		seq_printf(m, "thread%d_last_err_word 0x%016llx\n", i, st.last_err_word);
		tot.submitted += st.submitted;
		tot.chained += st.chained;
		tot.inst += st.inst;
		tot.done += st.done;
		tot.errors += st.errors;
		tot.aborted += st.aborted;
		tot.misses += st.misses;
		tot.chain_errors += st.chain_errors;
		tot.queued += st.queued;
	}
	seq_printf(m, "total_queued %u\n", tot.queued);
	seq_printf(m, "total_submitted %llu\n", tot.submitted);
	seq_printf(m, "total_chained %llu\n", tot.chained);
	seq_printf(m, "total_inst %llu\n", tot.inst);
	seq_printf(m, "total_done %llu\n", tot.done);
	seq_printf(m, "total_errors %llu\n", tot.errors);
	seq_printf(m, "total_aborted %llu\n", tot.aborted);
	seq_printf(m, "total_misses %llu\n", tot.misses);
	seq_printf(m, "total_chain_errors %llu\n", tot.chain_errors);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gce_threads);

static int gce_pipes_show(struct seq_file *m, void *v)
{
	struct gce_sim_pipe_stats st;
	int i;

	seq_printf(m, "pipes %u\n", gce_sim_get_pipes());
	seq_printf(m, "enable %u\n", READ_ONCE(gs->tg_enabled));
	for (i = 0; i < CMDQ_MAX_PIPES; i++) {
		gce_sim_get_pipe_stats(i, &st);
		seq_printf(m, "pipe%d_running %u\n", i, st.running);
		seq_printf(m, "pipe%d_hz %u\n", i, st.hz);
		seq_printf(m, "pipe%d_vblank_us %u\n", i, st.vblank_us);
		seq_printf(m, "pipe%d_frames %llu\n", i, st.frames);
		seq_printf(m, "pipe%d_eofs %llu\n", i, st.eofs);
		seq_printf(m, "pipe%d_misses %llu\n", i, st.misses);
		seq_printf(m, "pipe%d_skipped %llu\n", i, st.skipped);
		seq_printf(m, "pipe%d_frame %u\n", i, st.frame);
		seq_printf(m, "pipe%d_sof_ns %llu\n", i, st.sof_ns);
		seq_printf(m, "pipe%d_eof_ns %llu\n", i, st.eof_ns);
		seq_printf(m, "pipe%d_next_sof_ns %llu\n", i, st.next_sof_ns);
	}
	return 0;
}

static int gce_pipes_open(struct inode *inode, struct file *file)
{
	return single_open(file, gce_pipes_show, NULL);
}

static ssize_t gce_pipes_write(struct file *file, const char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	char buf[80];
	u32 v;
	int n, ret;

	n = cmdq_debugfs_parse_u32s(ubuf, len, &v, 1, NULL, buf);
	if (n != 1)
		return n < 0 ? n : -EINVAL;
	ret = gce_sim_set_pipes(v);
	return ret ? ret : len;
}

static const struct file_operations gce_pipes_fops = {
	.owner = THIS_MODULE,
	.open = gce_pipes_open,
	.read = seq_read,
	.write = gce_pipes_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int gce_regs_show(struct seq_file *m, void *v)
{
	u32 i, val;

	for (i = 0; i < CMDQ_SUBSYS_COUNT * GCE_REGS_PER_SUBSYS; i++) {
		val = READ_ONCE(gs->regs[i]);
		if (val)
			seq_printf(m, "0x%08x 0x%08x\n", CMDQ_SUBSYS_BASE(1) + i * 4, val);
	}
	return 0;
}

static int gce_regs_open(struct inode *inode, struct file *file)
{
	return single_open_size(file, gce_regs_show, NULL, 64 * 1024);
}

/* write "<pa> <value>" */
static ssize_t gce_regs_write(struct file *file, const char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	char buf[80];
	u32 v[2];
	int n, ret;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 2, NULL, buf);
	if (n != 2)
		return n < 0 ? n : -EINVAL;
	ret = gce_sim_write_reg(v[0], v[1]);
	return ret ? ret : len;
}

static const struct file_operations gce_regs_fops = {
	.owner = THIS_MODULE,
	.open = gce_regs_open,
	.read = seq_read,
	.write = gce_regs_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int gce_gprs_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < CMDQ_GPR_MAX; i++)
		seq_printf(m, "gpr%d 0x%08x\n", i, READ_ONCE(gs->gpr[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gce_gprs);

static int gce_events_show(struct seq_file *m, void *v)
{
	u32 i, val;

	for (i = 0; i < CMDQ_MAX_EVENT; i++) {
		val = READ_ONCE(gs->evt[i]);
		if (val)
			seq_printf(m, "%u %u\n", i, val);
	}
	return 0;
}

static int gce_events_open(struct inode *inode, struct file *file)
{
	return single_open(file, gce_events_show, NULL);
}

/* write "<event> <value>" */
static ssize_t gce_events_write(struct file *file, const char __user *ubuf, size_t len,
				loff_t *ppos)
{
	char buf[80];
	u32 v[2];
	int n, ret;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 2, NULL, buf);
	if (n != 2)
		return n < 0 ? n : -EINVAL;
	ret = gce_sim_set_event(v[0], v[1]);
	return ret ? ret : len;
}

static const struct file_operations gce_events_fops = {
	.owner = THIS_MODULE,
	.open = gce_events_open,
	.read = seq_read,
	.write = gce_events_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* per-pipe knobs: read "v0 v1 v2", write "<v>" (all pipes) or "<pipe> <v>" */
static int gce_pipe_knob_show(struct seq_file *m, void *v)
{
	bool is_hz = m->private == (void *)1;
	int i;

	for (i = 0; i < CMDQ_MAX_PIPES; i++)
		seq_printf(m, "%u%c", is_hz ? READ_ONCE(gs->pipe[i].hz) :
			   READ_ONCE(gs->pipe[i].vblank_us), i == CMDQ_MAX_PIPES - 1 ? '\n' : ' ');
	return 0;
}

static int gce_pipe_knob_open(struct inode *inode, struct file *file)
{
	return single_open(file, gce_pipe_knob_show, inode->i_private);
}

static ssize_t gce_pipe_knob_write(struct file *file, const char __user *ubuf, size_t len,
				   loff_t *ppos)
{
	char buf[80];
	struct seq_file *m = file->private_data;
	bool is_hz = m->private == (void *)1;
	int pipe = -1, n, ret;
	u32 v[2], val;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 2, NULL, buf);
	if (n < 1)
		return n < 0 ? n : -EINVAL;
	val = v[n - 1];
	if (n == 2) {
		if (v[0] >= CMDQ_MAX_PIPES)
			return -EINVAL;
		pipe = v[0];
	}
	ret = is_hz ? gce_sim_set_refresh(pipe, val) : gce_sim_set_vblank(pipe, val);
	return ret ? ret : len;
}

static const struct file_operations gce_pipe_knob_fops = {
	.owner = THIS_MODULE,
	.open = gce_pipe_knob_open,
	.read = seq_read,
	.write = gce_pipe_knob_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int gce_fault_show(struct seq_file *m, void *v)
{
	unsigned long flags;
	int i;

	for (i = 0; i < GCE_THREADS; i++) {
		struct gce_thread *t = &gs->thr[i];
		u32 s, e, d, b;

		raw_spin_lock_irqsave(&t->lock, flags);
		s = t->stall_us;
		e = t->stall_every;
		d = t->irq_delay_us;
		b = t->bad_count;
		raw_spin_unlock_irqrestore(&t->lock, flags);
		if (s || d || b)
			seq_printf(m, "thread%d stall_us=%u stall_every=%u irq_delay_us=%u bad_opcode=%u\n",
				   i, s, e, d, b);
	}
	return 0;
}

static int gce_fault_open(struct inode *inode, struct file *file)
{
	return single_open(file, gce_fault_show, NULL);
}

static ssize_t gce_fault_write(struct file *file, const char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	char buf[80], *cmd;
	u32 v[3] = {};
	int n, i, ret;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, ARRAY_SIZE(v), &cmd, buf);
	if (n < 0)
		return n;
	if (!strcmp(cmd, "stall") && (n == 2 || n == 3)) {
		ret = gce_sim_set_stall(v[0], v[1], v[2]);
	} else if (!strcmp(cmd, "irq_delay") && n == 2) {
		ret = gce_sim_set_irq_delay(v[0], v[1]);
	} else if (!strcmp(cmd, "bad_opcode") && (n == 1 || n == 2)) {
		ret = gce_sim_inject_bad_opcode(v[0], n == 2 ? v[1] : 1);
	} else if (!strcmp(cmd, "clear") && n <= 1) {
		ret = 0;
		for (i = 0; i < GCE_THREADS && !ret; i++) {
			if (n == 1 && v[0] != i)
				continue;
			ret = gce_sim_set_stall(i, 0, 0) ?: gce_sim_set_irq_delay(i, 0) ?:
			      gce_sim_inject_bad_opcode(i, 0);
		}
		if (n == 1 && v[0] >= GCE_THREADS)
			ret = -EINVAL;
	} else {
		ret = -EINVAL;
	}
	return ret ? ret : len;
}

static const struct file_operations gce_fault_fops = {
	.owner = THIS_MODULE,
	.open = gce_fault_open,
	.read = seq_read,
	.write = gce_fault_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* u32 knobs */
enum { KNOB_COST, KNOB_BATCH, KNOB_LIMIT, KNOB_POLL, KNOB_ENABLE };

static int gce_knob_get(void *data, u64 *val)
{
	switch ((uintptr_t)data) {
	case KNOB_COST:
		*val = READ_ONCE(gce_inst_cost_ns);
		break;
	case KNOB_BATCH:
		*val = READ_ONCE(gce_batch);
		break;
	case KNOB_LIMIT:
		*val = READ_ONCE(gce_inst_limit);
		break;
	case KNOB_POLL:
		*val = READ_ONCE(gce_poll_timeout_us);
		break;
	case KNOB_ENABLE:
		*val = READ_ONCE(gs->tg_enabled);
		break;
	}
	return 0;
}

static int gce_knob_set(void *data, u64 val)
{
	if (val > U32_MAX)
		return -EINVAL;
	switch ((uintptr_t)data) {
	case KNOB_COST:
		gce_sim_set_inst_cost(val);
		break;
	case KNOB_BATCH:
		return gce_sim_set_batch(val);
	case KNOB_LIMIT:
		gce_sim_set_inst_limit(val);
		break;
	case KNOB_POLL:
		gce_sim_set_poll_timeout(val);
		break;
	case KNOB_ENABLE:
		if (val > 1)
			return -EINVAL;
		return gce_sim_set_enable(val);
	}
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(gce_knob_fops, gce_knob_get, gce_knob_set, "%llu\n");

static ssize_t gce_reset_write(struct file *file, const char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	gce_sim_reset_stats();
	return len;
}

static const struct file_operations gce_reset_fops = {
	.owner = THIS_MODULE,
	.write = gce_reset_write,
};

static int gce_selftest_show(struct seq_file *m, void *v)
{
	mutex_lock(&gs->st_lock);
	seq_printf(m, "passed %u failed %u\n", gs->st_passed, gs->st_failed);
	mutex_unlock(&gs->st_lock);
	return 0;
}

static int gce_selftest_open(struct inode *inode, struct file *file)
{
	return single_open(file, gce_selftest_show, NULL);
}

static ssize_t gce_selftest_write(struct file *file, const char __user *ubuf, size_t len,
				  loff_t *ppos)
{
	int ret;

	mutex_lock(&gs->st_lock);
	ret = gce_selftest_run();
	mutex_unlock(&gs->st_lock);
	return ret ? ret : len;
}

static const struct file_operations gce_selftest_fops = {
	.owner = THIS_MODULE,
	.open = gce_selftest_open,
	.read = seq_read,
	.write = gce_selftest_write,
	.llseek = seq_lseek,
	.release = single_release,
};

void gce_debugfs_init(void)
{
	struct dentry *d = debugfs_create_dir("gce_sim", NULL);

	gs->dbg = d;
	debugfs_create_file("threads", 0400, d, NULL, &gce_threads_fops);
	debugfs_create_file("pipes", 0600, d, NULL, &gce_pipes_fops);
	debugfs_create_file("regs", 0600, d, NULL, &gce_regs_fops);
	debugfs_create_file("gprs", 0400, d, NULL, &gce_gprs_fops);
	debugfs_create_file("events", 0600, d, NULL, &gce_events_fops);
	debugfs_create_file("hz", 0600, d, (void *)1, &gce_pipe_knob_fops);
	debugfs_create_file("vblank_us", 0600, d, (void *)0, &gce_pipe_knob_fops);
	debugfs_create_file("fault", 0600, d, NULL, &gce_fault_fops);
	debugfs_create_file_unsafe("inst_cost_ns", 0600, d, (void *)KNOB_COST, &gce_knob_fops);
	debugfs_create_file_unsafe("batch", 0600, d, (void *)KNOB_BATCH, &gce_knob_fops);
	debugfs_create_file_unsafe("inst_limit", 0600, d, (void *)KNOB_LIMIT, &gce_knob_fops);
	debugfs_create_file_unsafe("poll_timeout_us", 0600, d, (void *)KNOB_POLL,
				   &gce_knob_fops);
	debugfs_create_file_unsafe("enable", 0600, d, (void *)KNOB_ENABLE, &gce_knob_fops);
	debugfs_create_file("reset_stats", 0200, d, NULL, &gce_reset_fops);
	debugfs_create_file("selftest", 0600, d, NULL, &gce_selftest_fops);
}

/* ---- module ------------------------------------------------------------- */

static int __init gce_sim_init(void)
{
	int i, ret;

	if (!gce_batch || gce_batch > GCE_MAX_BATCH || pipes < 1 || pipes > CMDQ_MAX_PIPES ||
	    hz < GCE_SIM_HZ_MIN || hz > GCE_SIM_HZ_MAX)
		return -EINVAL;

	gs = kzalloc(sizeof(*gs), GFP_KERNEL);
	if (!gs)
		return -ENOMEM;
	gs->regs = vzalloc(CMDQ_SUBSYS_COUNT * CMDQ_SUBSYS_SIZE);
	if (!gs->regs) {
		ret = -ENOMEM;
		goto err_free;
	}
	raw_spin_lock_init(&gs->evt_lock);
	mutex_init(&gs->cfg_lock);
	mutex_init(&gs->st_lock);
	gs->npipes = pipes;
	for (i = 0; i < GCE_THREADS; i++) {
		struct gce_thread *t = &gs->thr[i];

		raw_spin_lock_init(&t->lock);
		hrtimer_init(&t->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
		t->timer.function = gce_thread_timer;
		init_irq_work(&t->irq, gce_irq_handler);
		init_waitqueue_head(&t->irq_wq);
		INIT_LIST_HEAD(&t->tasks);
		t->id = i;
		t->wait_evt = -1;
		t->pipe = -1;
		t->st.last_pipe = -1;
	}
	for (i = 0; i < CMDQ_MAX_PIPES; i++) {
		struct gce_pipe *p = &gs->pipe[i];

		hrtimer_init(&p->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
		p->timer.function = gce_pipe_timer;
		p->id = i;
		p->hz = hz;
		p->vblank_us = vblank_us;
	}

	ret = platform_driver_register(&gce_driver);
	if (ret)
		goto err_free;
	gs->pdev = platform_device_register_simple("gce_sim", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(gs->pdev)) {
		ret = PTR_ERR(gs->pdev);
		goto err_driver;
	}
	if (!gs->probed) {
		ret = gs->probe_err ?: -ENODEV;
		goto err_device;
	}

	gce_debugfs_init();
	if (enable)
		gce_sim_set_enable(true);
	pr_info("%d threads, %u pipes at %u Hz, %u ns/instruction\n",
		GCE_THREADS, gs->npipes, hz, gce_inst_cost_ns);
	return 0;

err_device:
	platform_device_unregister(gs->pdev);
err_driver:
	platform_driver_unregister(&gce_driver);
err_free:
	vfree(gs->regs);
	kfree(gs);
	gs = NULL;
	return ret;
}

static void __exit gce_sim_exit(void)
{
	int i;

	debugfs_remove_recursive(gs->dbg);
	mutex_lock(&gs->cfg_lock);
	gce_tg_stop();
	gs->tg_enabled = false;
	mutex_unlock(&gs->cfg_lock);
	platform_device_unregister(gs->pdev);
	platform_driver_unregister(&gce_driver);
	for (i = 0; i < GCE_THREADS; i++) {
		hrtimer_cancel(&gs->thr[i].timer);
		irq_work_sync(&gs->thr[i].irq);
	}
	vfree(gs->regs);
	kfree(gs);
	gs = NULL;
}

module_init(gce_sim_init);
module_exit(gce_sim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Software model of the MediaTek GCE mailbox and a display timing generator");
MODULE_SOFTDEP("pre: cmdq_helper");
