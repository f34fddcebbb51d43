// SPDX-License-Identifier: GPL-2.0
/*
 * cmdq_dev: the ops of /dev/cmdq (struct cmdq_ioc_op), validated and
 * encoded into a packet through the helper's cmdq_pkt_*() builders, or raw
 * instruction words copied in as given; CMDQ_IOC_BUILD returns the words.
 */
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <cmdq/cmdq.h>
#include <uapi/linux/cmdq.h>
#include "cmdq_dev_priv.h"

static_assert(sizeof(struct cmdq_ioc_op) == 32);
static_assert(sizeof(struct cmdq_ioc_submit) == 48);
static_assert(sizeof(struct cmdq_ioc_wait) == 48);
static_assert(sizeof(struct cmdq_ioc_build) == 40);
static_assert(sizeof(struct cmdq_ioc_regs) == 24);
static_assert(sizeof(struct cmdq_ioc_stats) < (1 << _IOC_SIZEBITS));
static_assert(CMDQ_IOC_NR_THREADS == CMDQ_THR_MAX_COUNT);
static_assert(CMDQ_IOC_NR_PIPES == CMDQ_MAX_PIPES);
static_assert(CMDQ_IOC_NR_EVENTS == CMDQ_MAX_EVENT);
static_assert(CMDQ_SUBSYS_BASE(1) == CMDQ_IOC_REG_BASE);
static_assert(CMDQ_SUBSYS_COUNT * CMDQ_SUBSYS_SIZE / 4 == CMDQ_IOC_REG_COUNT);
#define LOP_EQ(u, k)	((int)(u) == (int)(k))
static_assert(LOP_EQ(CMDQ_LOP_ASSIGN, CMDQ_LOGIC_ASSIGN) && LOP_EQ(CMDQ_LOP_ADD, CMDQ_LOGIC_ADD) &&
	      LOP_EQ(CMDQ_LOP_SUB, CMDQ_LOGIC_SUBTRACT) &&
	      LOP_EQ(CMDQ_LOP_MUL, CMDQ_LOGIC_MULTIPLY) && LOP_EQ(CMDQ_LOP_XOR, CMDQ_LOGIC_XOR) &&
	      LOP_EQ(CMDQ_LOP_NOT, CMDQ_LOGIC_NOT) && LOP_EQ(CMDQ_LOP_OR, CMDQ_LOGIC_OR) &&
	      LOP_EQ(CMDQ_LOP_AND, CMDQ_LOGIC_AND) &&
	      LOP_EQ(CMDQ_LOP_SHL, CMDQ_LOGIC_LEFT_SHIFT) &&
	      LOP_EQ(CMDQ_LOP_SHR, CMDQ_LOGIC_RIGHT_SHIFT));

/* ---- ops: validation and encoding ------------------------------------------ */

enum {
	OPF_SUBSYS = BIT(0),
	OPF_BASE = BIT(1),
	OPF_OFFSET = BIT(2),
	OPF_VALUE = BIT(3),
	OPF_MASK = BIT(4),
	OPF_EVENT = BIT(5),
	OPF_REG = BIT(6),
	OPF_LOP = BIT(7),
	OPF_LEFT = BIT(8),
	OPF_RIGHT = BIT(9),
	OPF_FLAGS = BIT(10),
};

#define OPF_REGW	(OPF_SUBSYS | OPF_BASE | OPF_OFFSET | OPF_VALUE)

/* the fields each op type uses; every other field must be zero */
static const u16 cmdq_op_fields[CMDQ_OP_MAX + 1] = {
	[CMDQ_OP_WRITE] = OPF_REGW,
	[CMDQ_OP_WRITE_MASK] = OPF_REGW | OPF_MASK,
	[CMDQ_OP_POLL] = OPF_REGW,
	[CMDQ_OP_POLL_MASK] = OPF_REGW | OPF_MASK,
	[CMDQ_OP_WFE] = OPF_EVENT,
	[CMDQ_OP_CLEAR_EVENT] = OPF_EVENT,
	[CMDQ_OP_SET_EVENT] = OPF_EVENT,
	[CMDQ_OP_ACQUIRE_EVENT] = OPF_EVENT,
	[CMDQ_OP_JUMP] = OPF_VALUE,
	[CMDQ_OP_ASSIGN] = OPF_REG | OPF_VALUE,
	[CMDQ_OP_LOGIC] = OPF_REG | OPF_LOP | OPF_LEFT | OPF_RIGHT | OPF_FLAGS,
};

static u16 cmdq_op_nonzero(const struct cmdq_ioc_op *op)
{
	return (op->subsys ? OPF_SUBSYS : 0) | (op->base ? OPF_BASE : 0) |
	       (op->offset ? OPF_OFFSET : 0) | (op->value ? OPF_VALUE : 0) |
	       (op->mask ? OPF_MASK : 0) | (op->event ? OPF_EVENT : 0) |
	       (op->reg ? OPF_REG : 0) | (op->lop ? OPF_LOP : 0) |
	       (op->left ? OPF_LEFT : 0) | (op->right ? OPF_RIGHT : 0) |
	       (op->flags ? OPF_FLAGS : 0);
}

/*
 * The register window of a register op. A zero base means the start of the
 * subsys; the helper checks that base and subsys agree (-EINVAL).
 */
static void cmdq_op_base(const struct cmdq_ioc_op *op, struct cmdq_base *base)
{
	base->subsys = op->subsys;
	base->base = op->base;
	if (!base->base && op->subsys >= 1 && op->subsys <= CMDQ_SUBSYS_COUNT)
		base->base = CMDQ_SUBSYS_BASE(op->subsys);
}

/* Append one op to @pkt; the helper's own validation errnos propagate. */
static int cmdq_op_encode(struct cmdq_pkt *pkt, const struct cmdq_ioc_op *op)
{
	struct cmdq_operand left, right;
	struct cmdq_base base;

	if (!op->op || op->op > CMDQ_OP_MAX || op->reserved ||
	    (cmdq_op_nonzero(op) & ~cmdq_op_fields[op->op]))
		return -EINVAL;

	switch (op->op) {
	case CMDQ_OP_WRITE:
		cmdq_op_base(op, &base);
		return cmdq_pkt_write(pkt, op->value, &base, op->offset);
	case CMDQ_OP_WRITE_MASK:
		cmdq_op_base(op, &base);
		return cmdq_pkt_write_mask(pkt, op->value, &base, op->offset, op->mask);
	case CMDQ_OP_POLL:
		cmdq_op_base(op, &base);
		return cmdq_pkt_poll(pkt, op->value, &base, op->offset);
	case CMDQ_OP_POLL_MASK:
		cmdq_op_base(op, &base);
		return cmdq_pkt_poll_mask(pkt, op->value, &base, op->offset, op->mask);
	case CMDQ_OP_WFE:
		return cmdq_pkt_wfe(pkt, op->event);
	case CMDQ_OP_CLEAR_EVENT:
		return cmdq_pkt_clear_event(pkt, op->event);
	case CMDQ_OP_SET_EVENT:
		return cmdq_pkt_set_event(pkt, op->event);
	case CMDQ_OP_ACQUIRE_EVENT:
		return cmdq_pkt_acquire_event(pkt, op->event);
	case CMDQ_OP_JUMP:
		return cmdq_pkt_jump(pkt, (s32)op->value);
	case CMDQ_OP_ASSIGN:
		return cmdq_pkt_assign(pkt, op->reg, op->value);
	case CMDQ_OP_LOGIC:
		if (op->flags & ~(CMDQ_OPF_LEFT_REG | CMDQ_OPF_RIGHT_REG))
			return -EINVAL;
		left.reg = op->flags & CMDQ_OPF_LEFT_REG;
		left.value = op->left;
		right.reg = op->flags & CMDQ_OPF_RIGHT_REG;
		right.value = op->right;
		return cmdq_pkt_logic_command(pkt, op->reg, &left, op->lop, &right);
	}
	return -EINVAL;
}

/*
 * Build a packet from @count ops (or raw words) at @udata. On an encoding
 * error *@error_index is the index of the rejected op.
 */
struct cmdq_pkt *cmdq_dev_build(u64 udata, u32 count, bool raw, u32 *error_index)
{
	size_t esize = raw ? sizeof(u64) : sizeof(struct cmdq_ioc_op);
	struct cmdq_pkt *pkt;
	void *buf;
	u32 i;
	int err;

	*error_index = U32_MAX;
	if (!count)
		return ERR_PTR(-EINVAL);
	if (count > CMDQ_IOC_MAX_OPS)
		return ERR_PTR(-E2BIG);
	buf = vmemdup_user(u64_to_user_ptr(udata), count * esize);
	if (IS_ERR(buf))
		return buf;

	err = cmdq_pkt_create(&pkt);
	if (err)
		goto out;
	if (raw) {
		/*
		 * Let the helper size the buffer (placeholder JUMP(+8)s), then
		 * put the user's words in their place, exactly as given.
		 */
		for (i = 0; i < count && !err; i++)
			err = cmdq_pkt_jump(pkt, CMDQ_INST_SIZE);
		if (!err)
			memcpy(pkt->va_base, buf, count * esize);
	} else {
		const struct cmdq_ioc_op *ops = buf;

		for (i = 0; i < count; i++) {
			err = cmdq_op_encode(pkt, &ops[i]);
			if (err) {
				*error_index = i;
				break;
			}
		}
	}
	if (err) {
		cmdq_pkt_destroy(pkt);
		pkt = NULL;
	}
out:
	kvfree(buf);
	return err ? ERR_PTR(err) : pkt;
}

long cmdq_dev_build_ioctl(struct cmdq_ioc_build __user *ub)
{
	struct cmdq_ioc_build b;
	struct cmdq_pkt *pkt;
	long ret;

	if (copy_from_user(&b, ub, sizeof(b)))
		return -EFAULT;
	if ((b.flags & ~CMDQ_BUILD_FINALIZE) || b.reserved)
		return -EINVAL;

	pkt = cmdq_dev_build(b.ops, b.count, false, &b.error_index);
	if (IS_ERR(pkt)) {
		ret = PTR_ERR(pkt);
		if (b.error_index != U32_MAX && put_user(b.error_index, &ub->error_index))
			ret = -EFAULT;
		return ret;
	}
	ret = (b.flags & CMDQ_BUILD_FINALIZE) ? cmdq_pkt_finalize(pkt) : 0;
	if (!ret) {
		b.nwords = cmdq_pkt_inst_count(pkt);
		if (b.nwords > b.max_words)
			ret = -EOVERFLOW;
		else if (copy_to_user(u64_to_user_ptr(b.words), pkt->va_base,
				      b.nwords * sizeof(u64)))
			ret = -EFAULT;
	}
	cmdq_pkt_destroy(pkt);
	if ((!ret || ret == -EOVERFLOW) && copy_to_user(ub, &b, sizeof(b)))
		ret = -EFAULT;
	if (!ret)
		ds_inc(DS_BUILDS);
	return ret;
}
