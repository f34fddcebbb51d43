// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmdqctl: ops as written on the command line (NAME[:KEY=VALUE,...]) and
 * the reference encoder that checks the driver's instruction words.
 */
#include "cmdqctl.h"

static const struct {
	const char *name;
	int op;
} op_names[] = {
	{ "write", CMDQ_OP_WRITE },
	{ "write_mask", CMDQ_OP_WRITE_MASK },
	{ "poll", CMDQ_OP_POLL },
	{ "poll_mask", CMDQ_OP_POLL_MASK },
	{ "wfe", CMDQ_OP_WFE },
	{ "clear_event", CMDQ_OP_CLEAR_EVENT },
	{ "set_event", CMDQ_OP_SET_EVENT },
	{ "acquire_event", CMDQ_OP_ACQUIRE_EVENT },
	{ "jump", CMDQ_OP_JUMP },
	{ "assign", CMDQ_OP_ASSIGN },
	{ "logic", CMDQ_OP_LOGIC },
};

static const struct {
	const char *name;
	int lop;
} lop_names[] = {
	{ "assign", CMDQ_LOP_ASSIGN }, { "add", CMDQ_LOP_ADD }, { "sub", CMDQ_LOP_SUB },
	{ "mul", CMDQ_LOP_MUL }, { "xor", CMDQ_LOP_XOR }, { "not", CMDQ_LOP_NOT },
	{ "or", CMDQ_LOP_OR }, { "and", CMDQ_LOP_AND }, { "shl", CMDQ_LOP_SHL },
	{ "shr", CMDQ_LOP_SHR },
};

/* NAME[:KEY=VALUE,...]; NAME may be a number (any op code, for tests) */
int parse_op(const char *spec, struct cmdq_ioc_op *op)
{
	char *s = strdup(spec), *name, *kv, *save = NULL, *val;
	uint64_t v;
	size_t i;
	int err = -EINVAL;

	memset(op, 0, sizeof(*op));
	if (!s)
		return -ENOMEM;
	name = strtok_r(s, ":", &save);
	if (!name)
		goto out;
	for (i = 0; i < ARRAY_SIZE(op_names); i++)
		if (!strcmp(name, op_names[i].name))
			op->op = op_names[i].op;
	if (!op->op) {
		if (parse_u64(name, &v) || v > 0xff)
			goto out;
		op->op = v;
	}
	while ((kv = strtok_r(NULL, ",", &save))) {
		val = strchr(kv, '=');
		if (!val)
			goto out;
		*val++ = '\0';
		if (!strcmp(kv, "lop")) {
			for (i = 0; i < ARRAY_SIZE(lop_names); i++)
				if (!strcmp(val, lop_names[i].name))
					break;
			if (i < ARRAY_SIZE(lop_names)) {
				op->lop = lop_names[i].lop;
				continue;
			}
		}
		if (parse_u64(val, &v))
			goto out;
		if (!strcmp(kv, "subsys"))
			op->subsys = v;
		else if (!strcmp(kv, "base"))
			op->base = v;
		else if (!strcmp(kv, "offset"))
			op->offset = v;
		else if (!strcmp(kv, "value"))
			op->value = v;
		else if (!strcmp(kv, "mask"))
			op->mask = v;
		else if (!strcmp(kv, "event"))
			op->event = v;
		else if (!strcmp(kv, "reg"))
			op->reg = v;
		else if (!strcmp(kv, "lop"))
			op->lop = v;
		else if (!strcmp(kv, "left"))
			op->left = v;
		else if (!strcmp(kv, "right"))
			op->right = v;
		else if (!strcmp(kv, "lreg"))
			op->flags |= v ? CMDQ_OPF_LEFT_REG : 0;
		else if (!strcmp(kv, "rreg"))
			op->flags |= v ? CMDQ_OPF_RIGHT_REG : 0;
		else if (!strcmp(kv, "flags"))
			op->flags = v;
		else if (!strcmp(kv, "reserved"))
			op->reserved = v;
		else
			goto out;
	}
	err = 0;
out:
	if (err)
		fprintf(stderr, "cmdqctl: bad op '%s'\n", spec);
	free(s);
	return err;
}

static bool ref_reg_ok(uint32_t r)
{
	return r < 4 || (r >= 0x20 && r < 0x30);
}

static bool ref_lop_ok(uint32_t l)
{
	return l <= CMDQ_LOP_MUL || (l >= CMDQ_LOP_XOR && l <= CMDQ_LOP_SHR);
}

static int ref_arg_a(const struct cmdq_ioc_op *op, uint32_t *arg_a)
{
	uint32_t base = op->base, hi;
	int id;

	if (!base && op->subsys >= 1 && op->subsys <= 3)
		base = CMDQ_IOC_REG_BASE + ((uint32_t)(op->subsys - 1) << 16);
	hi = base >> 16;
	id = hi >= 0x1400 && hi <= 0x1402 ? (int)(hi - 0x1400 + 1) : -1;
	if (id != op->subsys || ((base | op->offset) & 3) ||
	    op->offset >= 0x10000 - (base & 0xffff))
		return -EINVAL;
	*arg_a = ((base + op->offset) & 0xffff) | ((uint32_t)op->subsys << 16);
	return 0;
}

/*
 * The reference encoder: what the kernel must produce for @op (the seed's
 * encoding), or -EINVAL when it must reject it. Returns the word count.
 */
int ref_encode(const struct cmdq_ioc_op *op, uint64_t *w)
{
	static const uint16_t used[] = {
		[CMDQ_OP_WRITE] = 0x00f, [CMDQ_OP_WRITE_MASK] = 0x01f,
		[CMDQ_OP_POLL] = 0x00f, [CMDQ_OP_POLL_MASK] = 0x01f,
		[CMDQ_OP_WFE] = 0x020, [CMDQ_OP_CLEAR_EVENT] = 0x020,
		[CMDQ_OP_SET_EVENT] = 0x020, [CMDQ_OP_ACQUIRE_EVENT] = 0x020,
		[CMDQ_OP_JUMP] = 0x008, [CMDQ_OP_ASSIGN] = 0x048, [CMDQ_OP_LOGIC] = 0x7c0,
	};
	uint16_t nz = (op->subsys ? 0x1 : 0) | (op->base ? 0x2 : 0) | (op->offset ? 0x4 : 0) |
		      (op->value ? 0x8 : 0) | (op->mask ? 0x10 : 0) | (op->event ? 0x20 : 0) |
		      (op->reg ? 0x40 : 0) | (op->lop ? 0x80 : 0) | (op->left ? 0x100 : 0) |
		      (op->right ? 0x200 : 0) | (op->flags ? 0x400 : 0);
	uint32_t a, sb;
	int32_t j;

	if (!op->op || op->op > CMDQ_OP_MAX || op->reserved || (nz & ~used[op->op]))
		return -EINVAL;
	switch (op->op) {
	case CMDQ_OP_WRITE:
	case CMDQ_OP_POLL:
		if (ref_arg_a(op, &a))
			return -EINVAL;
		w[0] = inst(op->op == CMDQ_OP_WRITE ? 0x04 : 0x08, a, op->value);
		return 1;
	case CMDQ_OP_WRITE_MASK:
	case CMDQ_OP_POLL_MASK:
		if (ref_arg_a(op, &a))
			return -EINVAL;
		if (op->op == CMDQ_OP_WRITE_MASK && op->mask == UINT32_MAX) {
			w[0] = inst(0x04, a, op->value);
			return 1;
		}
		w[0] = inst(0x02, 0, ~op->mask);
		w[1] = inst(op->op == CMDQ_OP_WRITE_MASK ? 0x04 : 0x08, a | 1, op->value);
		return 2;
	case CMDQ_OP_WFE:
	case CMDQ_OP_CLEAR_EVENT:
	case CMDQ_OP_SET_EVENT:
	case CMDQ_OP_ACQUIRE_EVENT:
		if (op->event >= CMDQ_IOC_NR_EVENTS)
			return -EINVAL;
		w[0] = inst(0x20, op->event,
			    op->op == CMDQ_OP_WFE ? 0x80008001 :
			    op->op == CMDQ_OP_CLEAR_EVENT ? 0x80000000 :
			    op->op == CMDQ_OP_SET_EVENT ? 0x80010000 : 0x80018000);
		return 1;
	case CMDQ_OP_JUMP:
		j = (int32_t)op->value;
		if (!j || j % 8)
			return -EINVAL;
		w[0] = inst(0x10, 0, op->value);
		return 1;
	case CMDQ_OP_ASSIGN:
		if (!ref_reg_ok(op->reg))
			return -EINVAL;
		w[0] = inst(0xa0, 0x80 << 16 | op->reg, op->value);
		return 1;
	case CMDQ_OP_LOGIC:
		if ((op->flags & ~(CMDQ_OPF_LEFT_REG | CMDQ_OPF_RIGHT_REG)) ||
		    !ref_lop_ok(op->lop) || !ref_reg_ok(op->reg) ||
		    ((op->flags & CMDQ_OPF_LEFT_REG) && !ref_reg_ok(op->left)) ||
		    ((op->flags & CMDQ_OPF_RIGHT_REG) && !ref_reg_ok(op->right)))
			return -EINVAL;
		sb = op->lop | 0x80 | (op->flags & CMDQ_OPF_LEFT_REG ? 0x40 : 0) |
		     (op->flags & CMDQ_OPF_RIGHT_REG ? 0x20 : 0);
		w[0] = inst(0xa0, sb << 16 | op->reg, (uint32_t)op->left << 16 | op->right);
		return 1;
	}
	return -EINVAL;
}
