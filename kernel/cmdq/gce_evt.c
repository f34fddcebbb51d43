// SPDX-License-Identifier: GPL-2.0
/*
 * gce_sim: the event table, CMDQ_MAX_EVENT values of 12 bits, set by WFE
 * with UPDATE, by the timing generator and by the CPU; evt_lock protects
 * it. Whoever changes an event kicks the threads waiting on it.
 */
#include <linux/export.h>
#include <linux/hrtimer.h>
#include <linux/spinlock.h>

#include "gce_sim_priv.h"

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
