// SPDX-License-Identifier: GPL-2.0
/*
 * gce_sim: the knobs. The engine's timing (instruction cost, batch,
 * instruction limit, POLL timeout; module parameters too) and the fault
 * injection per thread (stall, IRQ delay, bad op code).
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/spinlock.h>

#include "gce_sim_priv.h"

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
 * @inst: a task executing this many instructions raises an ERROR IRQ;
 *	  1..GCE_SIM_INST_LIMIT_MAX
 *
 * Return: 0, or -EINVAL out of range.
 */
int gce_sim_set_inst_limit(u32 inst)
{
	if (!inst || inst > GCE_SIM_INST_LIMIT_MAX)
		return -EINVAL;
	WRITE_ONCE(gce_inst_limit, inst);
	return 0;
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
