// SPDX-License-Identifier: GPL-2.0
/*
 * gce_sim: the display timing generator, one hrtimer per pipe raising SOF
 * and EOF (gce_sim_priv.h gives the schedule), and the pipe API.
 */
#include <linux/export.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include "gce_sim_priv.h"
#include "cmdq_trace.h"

static u64 gce_vblank_ns(struct gce_pipe *p, u64 period)
{
	u64 vb = p->vblank_us ? (u64)p->vblank_us * NSEC_PER_USEC : div_u64(period, 10);

	return min(vb, period - div_u64(period, 10));
}

/* a packet found running at its deadline, for its UNDERRUN */
struct gce_sof_miss {
	u32 thread;
	u32 id;
	u32 frame;
	u64 deadline_ns;
};

/*
 * Hard hrtimer (irqs off), no gce_sim lock held: the SOF of pipe @p at
 * @sof_ns is the deadline of every packet released by an earlier EOF of
 * @p: one still running now misses it now (once per packet). Fills @m,
 * returns how many.
 */
static u32 gce_sof_misses(struct gce_pipe *p, u64 sof_ns, struct gce_sof_miss *m)
{
	struct gce_thread *t;
	u32 i, n = 0;

	for (i = 0; i < GCE_THREADS; i++) {
		t = &gs->thr[i];
		raw_spin_lock(&t->lock);
		if (t->cur && t->pipe == (int)p->id && !t->miss_counted &&
		    t->deadline_ns <= sof_ns) {
			t->miss_counted = true;
			gce_count_miss(t, p->id);
			m[n].thread = t->id;
			m[n].id = t->cur->id;
			m[n].frame = t->frame;
			m[n].deadline_ns = t->deadline_ns;
			n++;
		}
		raw_spin_unlock(&t->lock);
	}
	return n;
}

enum hrtimer_restart gce_pipe_timer(struct hrtimer *timer)
{
	struct gce_pipe *p = container_of(timer, struct gce_pipe, timer);
	u64 now = ktime_get_ns(), period, next, ts, skip;
	struct gce_sof_miss m[GCE_THREADS];
	unsigned long flags;
	u32 frame, type, i, n;

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

	trace_cmdq_vblank(p->id, frame, type, ts, CMDQ_MISS_NONE, 0, -1);
	if (type != CMDQ_VBLANK_SOF)
		return HRTIMER_RESTART;
	/* lock order: thread lock -> evt_lock, so only now */
	n = gce_sof_misses(p, ts, m);
	for (i = 0; i < n; i++)
		trace_cmdq_vblank(p->id, m[i].frame, CMDQ_VBLANK_UNDERRUN, m[i].deadline_ns,
				  CMDQ_MISS_RUNNING, m[i].id, m[i].thread);
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
