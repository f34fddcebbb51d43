// SPDX-License-Identifier: GPL-2.0
/*
 * cmdq_helper: packet building (cmdq_helper_priv.h has the overview): the
 * subsys table, packets and their buffer, the instruction builders and
 * finalize.
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <cmdq/cmdq.h>

#include "cmdq_trace.h"
#include "cmdq_helper_priv.h"

#define CMDQ_ARG_A_OFFSET_MASK	0xffff
#define CMDQ_FINALIZE_SIZE	(2 * CMDQ_INST_SIZE)

/* Physical 64 KiB windows of the GCE subsys table (seed: gce_subsys) */
static const struct {
	u16 base;	/* physical address >> 16 */
	u8 id;
} cmdq_gce_subsys[] = {
	{ 0x1400, 1 },
	{ 0x1401, 2 },
	{ 0x1402, 3 },
};

static atomic_t cmdq_pkt_last_id = ATOMIC_INIT(0);

static int cmdq_subsys_id(u32 base)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmdq_gce_subsys); i++)
		if (cmdq_gce_subsys[i].base == base >> 16)
			return cmdq_gce_subsys[i].id;
	return -EINVAL;
}

/* arg_a of WRITE/POLL: window offset | subsys << 16, after validation */
static int cmdq_reg_arg_a(const struct cmdq_base *base, u32 offset, u32 *arg_a)
{
	u32 in_window;

	if (!base || cmdq_subsys_id(base->base) != base->subsys)
		return -EINVAL;
	if ((base->base | offset) & 3)
		return -EINVAL;
	in_window = base->base & (CMDQ_SUBSYS_SIZE - 1);
	if (offset >= CMDQ_SUBSYS_SIZE - in_window)
		return -EINVAL;

	*arg_a = ((base->base + offset) & CMDQ_ARG_A_OFFSET_MASK) |
		 ((u32)base->subsys << CMDQ_SUBSYS_SHIFT);
	return 0;
}

static bool cmdq_reg_valid(u16 idx)
{
	return idx < CMDQ_THR_SPR_MAX ||
	       (idx >= CMDQ_GPR_BASE && idx < CMDQ_GPR_BASE + CMDQ_GPR_MAX);
}

static bool cmdq_logic_op_valid(enum cmdq_logic_op op)
{
	switch (op) {
	case CMDQ_LOGIC_ASSIGN:
	case CMDQ_LOGIC_ADD:
	case CMDQ_LOGIC_SUBTRACT:
	case CMDQ_LOGIC_MULTIPLY:
	case CMDQ_LOGIC_XOR:
	case CMDQ_LOGIC_NOT:
	case CMDQ_LOGIC_OR:
	case CMDQ_LOGIC_AND:
	case CMDQ_LOGIC_LEFT_SHIFT:
	case CMDQ_LOGIC_RIGHT_SHIFT:
		return true;
	}
	return false;
}

/*
 * Only cmdq_pkt_finalize() emits an EOC, so a packet is finalized when
 * its last two instructions are EOC + JUMP. The JUMP's target is not
 * checked: a GCE chains queued packets by patching it.
 */
static bool cmdq_pkt_is_finalized(const struct cmdq_pkt *pkt)
{
	const u64 *inst = pkt->va_base;
	size_t n = cmdq_pkt_inst_count(pkt);

	return n >= 2 && inst[n - 2] == CMDQ_EOC_CMD &&
	       inst[n - 1] >> (32 + CMDQ_OP_CODE_SHIFT) == CMDQ_CODE_JUMP;
}

/*
 * Make room for @n more instructions, growing the buffer by doubling.
 * Only finalize may use the last CMDQ_FINALIZE_SIZE bytes of the cap.
 */
static int cmdq_pkt_reserve(struct cmdq_pkt *pkt, size_t n, bool finalize)
{
	size_t limit = CMDQ_PKT_MAX_SIZE - (finalize ? 0 : CMDQ_FINALIZE_SIZE);
	size_t need = pkt->cmd_buf_size + n * CMDQ_INST_SIZE;
	size_t size;
	void *buf;

	if (need > limit)
		return -ENOSPC;
	if (need <= pkt->buf_size)
		return 0;

	size = max_t(size_t, pkt->buf_size, PAGE_SIZE);
	while (size < need)
		size <<= 1;
	size = min_t(size_t, size, CMDQ_PKT_MAX_SIZE);

	buf = krealloc(pkt->va_base, size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	pkt->va_base = buf;
	pkt->buf_size = size;
	return 0;
}

/* Check that @pkt accepts @n more instructions and make room for them */
static int cmdq_pkt_prepare(struct cmdq_pkt *pkt, size_t n)
{
	if (test_bit(CMDQ_PKT_BUSY, &pkt->busy) || cmdq_pkt_is_finalized(pkt))
		return -EBUSY;
	return cmdq_pkt_reserve(pkt, n, false);
}

/* Append one instruction; the room was reserved by the caller */
static void cmdq_pkt_emit(struct cmdq_pkt *pkt, u8 op, u32 arg_a, u32 arg_b)
{
	u64 *slot = pkt->va_base + pkt->cmd_buf_size;

	*slot = cmdq_inst(op, arg_a, arg_b);
	pkt->cmd_buf_size += CMDQ_INST_SIZE;
}

static int cmdq_pkt_append(struct cmdq_pkt *pkt, u8 op, u32 arg_a, u32 arg_b)
{
	int err = cmdq_pkt_prepare(pkt, 1);

	if (err)
		return err;
	cmdq_pkt_emit(pkt, op, arg_a, arg_b);
	return 0;
}

/**
 * cmdq_register_device() - map a client's register window to a GCE subsys
 * @dev: the client device; the result is devm-allocated on it
 * @base: physical base address of the client's registers, 4-byte aligned,
 *	inside 0x14000000..0x1402ffff
 *
 * The 64 KiB window that contains @base selects the subsys (0x1400xxxx is
 * subsys 1, 0x1401xxxx subsys 2, 0x1402xxxx subsys 3).
 *
 * Context: process context, may sleep.
 * Return: the cmdq_base, ERR_PTR(-EINVAL) for a NULL @dev or a base outside
 * the subsys table, ERR_PTR(-ENOMEM) on allocation failure. Never NULL.
 */
struct cmdq_base *cmdq_register_device(struct device *dev, u32 base)
{
	struct cmdq_base *cmdq_base;
	int subsys;

	if (!dev || (base & 3))
		return ERR_PTR(-EINVAL);
	subsys = cmdq_subsys_id(base);
	if (subsys < 0)
		return ERR_PTR(subsys);

	cmdq_base = devm_kzalloc(dev, sizeof(*cmdq_base), GFP_KERNEL);
	if (!cmdq_base)
		return ERR_PTR(-ENOMEM);
	cmdq_base->subsys = subsys;
	cmdq_base->base = base;
	return cmdq_base;
}
EXPORT_SYMBOL_GPL(cmdq_register_device);

/**
 * cmdq_pkt_create() - allocate an empty CMDQ packet
 * @pkt_ptr: where to store the packet
 *
 * The instruction buffer starts at PAGE_SIZE bytes and doubles as needed up
 * to CMDQ_PKT_MAX_SIZE. The packet gets the next id of a global counter
 * (the first is 1; 0 is never used).
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for a NULL @pkt_ptr, or -ENOMEM.
 */
int cmdq_pkt_create(struct cmdq_pkt **pkt_ptr)
{
	struct cmdq_pkt *pkt;
	u32 id;

	if (!pkt_ptr)
		return -EINVAL;

	pkt = kzalloc(sizeof(*pkt), GFP_KERNEL);
	if (!pkt)
		return -ENOMEM;
	pkt->va_base = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!pkt->va_base) {
		kfree(pkt);
		return -ENOMEM;
	}
	pkt->buf_size = PAGE_SIZE;
	INIT_LIST_HEAD(&pkt->node);
	do {
		id = (u32)atomic_inc_return(&cmdq_pkt_last_id);
	} while (!id);
	pkt->id = id;

	cmdq_stat_inc(CMDQ_STAT_PKT_CREATED);
	*pkt_ptr = pkt;
	return 0;
}
EXPORT_SYMBOL_GPL(cmdq_pkt_create);

/**
 * cmdq_pkt_destroy() - free a packet
 * @pkt: the packet; NULL is ignored
 *
 * The packet must not be in flight. Destroying a packet the GCE still owns
 * is a kernel API misuse: it is reported once with a warning and the packet
 * is leaked (counted in pkt_leaked) rather than freed under the engine.
 * A flush callback may destroy its own packet.
 *
 * Context: any context.
 */
void cmdq_pkt_destroy(struct cmdq_pkt *pkt)
{
	if (!pkt)
		return;
	if (WARN_ON_ONCE(test_bit_acquire(CMDQ_PKT_BUSY, &pkt->busy))) {
		cmdq_stat_inc(CMDQ_STAT_PKT_LEAKED);
		return;
	}
	kfree(pkt->va_base);
	kfree(pkt);
	cmdq_stat_inc(CMDQ_STAT_PKT_DESTROYED);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_destroy);

/* WRITE or POLL of one register */
static int cmdq_pkt_reg_op(struct cmdq_pkt *pkt, enum cmdq_code code, u32 value,
			   struct cmdq_base *base, u32 offset)
{
	u32 arg_a;
	int err;

	err = cmdq_reg_arg_a(base, offset, &arg_a);
	if (err)
		return err;
	return cmdq_pkt_append(pkt, code, arg_a, value);
}

/*
 * MASK(~mask) then WRITE or POLL with offset bit 0 (CMDQ_WRITE_ENABLE_MASK,
 * which POLL shares) set: both instructions or neither.
 */
static int cmdq_pkt_reg_op_mask(struct cmdq_pkt *pkt, enum cmdq_code code, u32 value,
				struct cmdq_base *base, u32 offset, u32 mask)
{
	u32 arg_a;
	int err;

	err = cmdq_reg_arg_a(base, offset, &arg_a);
	if (err)
		return err;
	err = cmdq_pkt_prepare(pkt, 2);
	if (err)
		return err;
	cmdq_pkt_emit(pkt, CMDQ_CODE_MASK, 0, ~mask);
	cmdq_pkt_emit(pkt, code, arg_a | CMDQ_WRITE_ENABLE_MASK, value);
	return 0;
}

/**
 * cmdq_pkt_write() - append a register write
 * @pkt: the packet
 * @value: the value to write
 * @base: the client's register window (cmdq_register_device())
 * @offset: register offset from @base->base, 4-byte aligned, inside the
 *	subsys window
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EINVAL for a bad @base or @offset, -EBUSY if @pkt is
 * finalized or in flight, -ENOSPC if @pkt is full, -ENOMEM.
 */
int cmdq_pkt_write(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base, u32 offset)
{
	return cmdq_pkt_reg_op(pkt, CMDQ_CODE_WRITE, value, base, offset);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_write);

/**
 * cmdq_pkt_write_mask() - append a masked register write
 * @pkt: the packet
 * @value: the value to write
 * @base: the client's register window
 * @offset: register offset from @base->base, as for cmdq_pkt_write()
 * @mask: bits of the register to change
 *
 * Appends MASK(~@mask) then WRITE(@offset | 1); a @mask of 0xffffffff is a
 * plain cmdq_pkt_write(). Both instructions are appended, or neither.
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_write().
 */
int cmdq_pkt_write_mask(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base,
			u32 offset, u32 mask)
{
	if (mask == U32_MAX)
		return cmdq_pkt_write(pkt, value, base, offset);
	return cmdq_pkt_reg_op_mask(pkt, CMDQ_CODE_WRITE, value, base, offset, mask);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_write_mask);

static int cmdq_pkt_event(struct cmdq_pkt *pkt, enum cmdq_event event, u32 arg_b)
{
	if ((u32)event >= CMDQ_MAX_EVENT)
		return -EINVAL;
	return cmdq_pkt_append(pkt, CMDQ_CODE_WFE, event, arg_b);
}

/**
 * cmdq_pkt_wfe() - append a wait for an event, clearing it
 * @pkt: the packet
 * @event: hardware event number, below CMDQ_MAX_EVENT
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EINVAL for a bad @event, -EBUSY, -ENOSPC or -ENOMEM as for
 * cmdq_pkt_write().
 */
int cmdq_pkt_wfe(struct cmdq_pkt *pkt, enum cmdq_event event)
{
	return cmdq_pkt_event(pkt, event,
			      CMDQ_WFE_UPDATE | CMDQ_WFE_WAIT | CMDQ_WFE_WAIT_VALUE);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_wfe);

/**
 * cmdq_pkt_clear_event() - append a clear of an event
 * @pkt: the packet
 * @event: hardware event number, below CMDQ_MAX_EVENT
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_wfe().
 */
int cmdq_pkt_clear_event(struct cmdq_pkt *pkt, enum cmdq_event event)
{
	return cmdq_pkt_event(pkt, event, CMDQ_WFE_UPDATE);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_clear_event);

/**
 * cmdq_pkt_set_event() - append a set of an event
 * @pkt: the packet
 * @event: hardware event number, below CMDQ_MAX_EVENT
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_wfe().
 */
int cmdq_pkt_set_event(struct cmdq_pkt *pkt, enum cmdq_event event)
{
	return cmdq_pkt_event(pkt, event, CMDQ_WFE_UPDATE | CMDQ_WFE_UPDATE_VALUE);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_set_event);

/**
 * cmdq_pkt_acquire_event() - append a wait for an event to be clear, then
 *	set it (a GCE mutex)
 * @pkt: the packet
 * @event: hardware event number, below CMDQ_MAX_EVENT
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_wfe().
 */
int cmdq_pkt_acquire_event(struct cmdq_pkt *pkt, enum cmdq_event event)
{
	return cmdq_pkt_event(pkt, event, CMDQ_WFE_UPDATE | CMDQ_WFE_UPDATE_VALUE |
				      CMDQ_WFE_WAIT);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_acquire_event);

/**
 * cmdq_pkt_poll() - append a poll until a register equals a value
 * @pkt: the packet
 * @value: the value to wait for
 * @base: the client's register window
 * @offset: register offset from @base->base, as for cmdq_pkt_write()
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_write().
 */
int cmdq_pkt_poll(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base, u32 offset)
{
	return cmdq_pkt_reg_op(pkt, CMDQ_CODE_POLL, value, base, offset);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_poll);

/**
 * cmdq_pkt_poll_mask() - append a poll until the masked register equals a
 *	value
 * @pkt: the packet
 * @value: the value to wait for
 * @base: the client's register window
 * @offset: register offset from @base->base, as for cmdq_pkt_write()
 * @mask: bits of the register to compare
 *
 * Appends MASK(~@mask) then POLL(@offset | 1), both or neither.
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_write().
 */
int cmdq_pkt_poll_mask(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base,
		       u32 offset, u32 mask)
{
	return cmdq_pkt_reg_op_mask(pkt, CMDQ_CODE_POLL, value, base, offset, mask);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_poll_mask);

/**
 * cmdq_pkt_jump() - append a relative jump
 * @pkt: the packet
 * @rel_bytes: distance from this instruction, a non-zero multiple of
 *	CMDQ_INST_SIZE (negative jumps backwards)
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EINVAL for a bad @rel_bytes, -EBUSY, -ENOSPC or -ENOMEM as
 * for cmdq_pkt_write().
 */
int cmdq_pkt_jump(struct cmdq_pkt *pkt, s32 rel_bytes)
{
	if (!rel_bytes || rel_bytes % CMDQ_INST_SIZE)
		return -EINVAL;
	return cmdq_pkt_append(pkt, CMDQ_CODE_JUMP, 0, (u32)(rel_bytes / (1 << CMDQ_SHIFT_PA)));
}
EXPORT_SYMBOL_GPL(cmdq_pkt_jump);

/**
 * cmdq_pkt_assign() - append a load of an immediate into a GCE register
 * @pkt: the packet
 * @reg_idx: destination, SPR 0..3 or GPR %CMDQ_GPR_BASE..%CMDQ_GPR_BASE+15
 * @value: the 32-bit immediate
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EINVAL for a bad @reg_idx, -EBUSY, -ENOSPC or -ENOMEM as for
 * cmdq_pkt_write().
 */
int cmdq_pkt_assign(struct cmdq_pkt *pkt, u16 reg_idx, u32 value)
{
	u32 arg_a;

	if (!cmdq_reg_valid(reg_idx))
		return -EINVAL;
	arg_a = ((u32)CMDQ_LOGIC_DST_T << CMDQ_SUBSYS_SHIFT) | reg_idx;
	return cmdq_pkt_append(pkt, CMDQ_CODE_LOGIC, arg_a, value);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_assign);

/**
 * cmdq_pkt_logic_command() - append result = left op right
 * @pkt: the packet
 * @result_reg: destination register (SPR or GPR, as for cmdq_pkt_assign())
 * @left: left operand: a register or a 16-bit immediate
 * @op: the operator
 * @right: right operand: a register or a 16-bit immediate
 *
 * Encoding as upstream: the subsys byte holds sop | ARG_C_T (right is a
 * register) | SRC_T (left is a register) | DST_T, the offset field the
 * result register, arg_b left << 16 | right.
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EINVAL for a NULL operand, a bad register or an unknown @op,
 * -EBUSY, -ENOSPC or -ENOMEM as for cmdq_pkt_write().
 */
int cmdq_pkt_logic_command(struct cmdq_pkt *pkt, u16 result_reg,
			   struct cmdq_operand *left, enum cmdq_logic_op op,
			   struct cmdq_operand *right)
{
	u32 sbyte, arg_a, arg_b;

	if (!left || !right || !cmdq_logic_op_valid(op) ||
	    !cmdq_reg_valid(result_reg) ||
	    (left->reg && !cmdq_reg_valid(left->idx)) ||
	    (right->reg && !cmdq_reg_valid(right->idx)))
		return -EINVAL;

	sbyte = ((u32)op << CMDQ_LOGIC_SOP_SHIFT) | CMDQ_LOGIC_DST_T;
	if (left->reg)
		sbyte |= CMDQ_LOGIC_SRC_T;
	if (right->reg)
		sbyte |= CMDQ_LOGIC_ARG_C_T;
	arg_a = (sbyte << CMDQ_SUBSYS_SHIFT) | result_reg;
	arg_b = ((u32)left->value << 16) | right->value;
	return cmdq_pkt_append(pkt, CMDQ_CODE_LOGIC, arg_a, arg_b);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_logic_command);

/* finalize without the busy check: the flush path owns the busy bit */
int __cmdq_pkt_finalize(struct cmdq_pkt *pkt)
{
	int err;

	if (cmdq_pkt_is_finalized(pkt))
		return 0;
	err = cmdq_pkt_reserve(pkt, 2, true);
	if (err)
		return err;
	/* EOC raises the IRQ; the JUMP to the next slot ends the thread */
	cmdq_pkt_emit(pkt, CMDQ_CODE_EOC, 0, CMDQ_EOC_IRQ_EN);
	cmdq_pkt_emit(pkt, CMDQ_CODE_JUMP, 0, CMDQ_JUMP_PASS >> CMDQ_SHIFT_PA);

	cmdq_stat_inc(CMDQ_STAT_PKT_FINALIZED);
	trace_cmdq_pkt_finalize(pkt->id, cmdq_pkt_inst_count(pkt));
	return 0;
}

/**
 * cmdq_pkt_finalize() - terminate a packet with EOC + JUMP(PASS)
 * @pkt: the packet
 *
 * Idempotent: a finalized packet is left alone and 0 returned. The
 * cmdq:cmdq_pkt_finalize event fires only when the instructions are
 * appended. Afterwards the packet accepts no more instructions (-EBUSY)
 * but can be flushed any number of times. The flush functions finalize
 * the packet themselves.
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EBUSY if @pkt is in flight, -ENOMEM.
 */
int cmdq_pkt_finalize(struct cmdq_pkt *pkt)
{
	if (test_bit(CMDQ_PKT_BUSY, &pkt->busy))
		return -EBUSY;
	return __cmdq_pkt_finalize(pkt);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_finalize);
