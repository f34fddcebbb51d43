// SPDX-License-Identifier: GPL-2.0
/*
 * gce_sim: the register file (CMDQ_SUBSYS_COUNT subsystems of u32
 * registers), as the instructions address it (subsys, offset) and as the
 * CPU does (physical address), and the CPU's view of the GPRs and SPRs.
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/types.h>

#include "gce_sim_priv.h"

u32 *gce_reg_ptr(u32 subsys, u32 off)
{
	if (subsys < 1 || subsys > CMDQ_SUBSYS_COUNT || (off & 3) || off >= CMDQ_SUBSYS_SIZE)
		return NULL;
	return &gs->regs[(subsys - 1) * GCE_REGS_PER_SUBSYS + off / 4];
}

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
