// SPDX-License-Identifier: GPL-2.0
/*
 * gce_sim: the engine of the GCE threads. Thread helpers (start a task,
 * unlink and finish one, count), the instruction interpreter, the
 * per-thread hrtimer that runs it, and gce_sim_get_thread_stats().
 */
#include <linux/device.h>
#include <linux/export.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "gce_sim_priv.h"
#include "cmdq_trace.h"

enum gce_exec {
	EXEC_NEXT,	/* instruction done, pc advanced */
	EXEC_WAIT,	/* blocked in WFE; an event change kicks the timer */
	EXEC_DELAY,	/* sim_ns moved into the future (poll, stall, irq delay) */
	EXEC_DONE,	/* the task finished; a completion is to be delivered */
};

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
	t->miss_counted = false;
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

/*
 * Thread lock held, evt_lock taken inside: count a deadline miss of the
 * current task, released by pipe @pipe (once per task: the caller checks
 * and sets miss_counted, or finishes the task).
 */
void gce_count_miss(struct gce_thread *t, int pipe)
{
	struct gce_pipe *p = &gs->pipe[pipe];

	t->st.misses++;
	raw_spin_lock(&gs->evt_lock);
	p->misses++;
	gce_evt_set_locked(CMDQ_PIPE_UNDERRUN(pipe), 1, false);
	raw_spin_unlock(&gs->evt_lock);
}

/*
 * Thread lock held: the deadline miss of the finishing task (@d: pipe,
 * status, times filled). Counted at a SOF while it ran: CMDQ_MISS_RUNNING,
 * nothing more to count. Otherwise a completion after the deadline (late)
 * or an error/abort after the release (failed) is counted now, and @d
 * asks the IRQ handler for its UNDERRUN.
 */
static void gce_finish_miss(struct gce_thread *t, struct gce_done *d)
{
	d->miss = CMDQ_MISS_NONE;
	d->underrun = false;
	d->underrun_ns = 0;
	if (d->pipe < 0)
		return;
	if (t->miss_counted) {
		d->miss = CMDQ_MISS_RUNNING;
		return;
	}
	if (d->missed) {
		d->miss = CMDQ_MISS_LATE;
		d->underrun_ns = d->deadline_ns;
	} else if (d->sta) {
		d->miss = CMDQ_MISS_FAILED;
		d->underrun_ns = d->eoc_ns;
	} else {
		return;
	}
	d->underrun = true;
	gce_count_miss(t, d->pipe);
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
	d->missed = t->pipe >= 0 && d->eoc_ns > t->deadline_ns;
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
	gce_finish_miss(t, d);
	gce_record_last(t, d);
	t->cur = NULL;
	if (next)
		gce_start_task(t, next, d->eoc_ns);
}

/* ---- instruction execution ---------------------------------------------- */

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
			target = ((s64)b << CMDQ_SHIFT_PA) -
				 (s64)(pkt->pa_base & ((1ULL << (32 + CMDQ_SHIFT_PA)) - 1));
		else
			target = (s64)t->pc + (s64)(s32)b * (1 << CMDQ_SHIFT_PA);
		if (target < 0 || target > size || (target % CMDQ_INST_SIZE))
			return gce_fail(t, GCE_SIM_ERR_JUMP, w, d);
		t->pc = target;
		t->task_inst++;
		t->st.inst++;
		return EXEC_NEXT;
	case CMDQ_CODE_EOC:
		if (!(b & CMDQ_EOC_IRQ_EN))
			break;
		if (t->pc + CMDQ_INST_SIZE < gce_slot(pkt)) {
			/* the IRQ finds the PC inside the task: it runs on */
			t->st.eoc_mid++;
			break;
		}
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

/* ---- exported API ------------------------------------------------------- */

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
