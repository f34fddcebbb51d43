// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cmdqctl errnos: bad input to every ioctl of /dev/cmdq, and the exact errnos */
#include "cmdqctl.h"

static void report(const char *name, int ret)
{
	printf("%s %s\n", name, ret ? errname(errno) : "OK");
}

static int submit1(int fd, struct cmdq_ioc_op *op, uint32_t flags, uint32_t tmo,
		   struct cmdq_ioc_submit *out)
{
	struct cmdq_ioc_submit s = {
		.data = (uintptr_t)op, .count = 1, .flags = flags, .timeout_ms = tmo,
		.error_index = UINT32_MAX,
	};
	int ret = ioctl(fd, CMDQ_IOC_SUBMIT, &s);

	if (out)
		*out = s;
	return ret;
}

int cmd_errnos(int argc, char **argv)
{
	struct cmdq_ioc_op good = { .op = CMDQ_OP_WRITE, .subsys = 3, .offset = 0x40, .value = 1 };
	struct cmdq_ioc_op hang = { .op = CMDQ_OP_WFE, .event = 1000 };
	struct cmdq_ioc_op ops[3], op;
	struct cmdq_ioc_submit s;
	struct cmdq_ioc_bind b = { 0 };
	struct cmdq_ioc_wait w = { 0 };
	struct cmdq_ioc_build bl = { 0 };
	struct cmdq_ioc_regs r = { 0 };
	struct cmdq_ioc_event e = { 0 };
	struct cmd_args a = { 0 };
	uint64_t words[8], bad_word = 0xdd00000000000000ull;
	uint32_t regbuf[4];
	int fd2, ret, i;

	if (cmd_argp(argc, argv, NULL, NULL,
		     "Feed /dev/cmdq bad input; print 'name ERRNO' (or OK) per check. "
		     "Needs -t THREAD (binds it) and leaves thread THREAD+1 free for a second fd.",
		     &a))
		return 2;
	if (g.thread < 0 || g.thread + 1 >= CMDQ_IOC_NR_THREADS) {
		fprintf(stderr, "cmdqctl: errnos needs -t THREAD (0..14)\n");
		return 2;
	}
	if (open_dev())
		return 2;

	/* ioctl numbers */
	report("unknown_ioctl", ioctl(devfd, _IO(CMDQ_IOC_MAGIC, 0x7f), 0));
	report("other_magic", ioctl(devfd, _IOWR('x', 0x02, struct cmdq_ioc_submit), &s));
	report("submit_wrong_size", ioctl(devfd, _IOWR(CMDQ_IOC_MAGIC, 0x02, uint64_t), words));
	report("submit_wrong_dir", ioctl(devfd, _IOR(CMDQ_IOC_MAGIC, 0x02, struct cmdq_ioc_submit), &s));
	report("submit_arg_null", ioctl(devfd, CMDQ_IOC_SUBMIT, NULL));
	report("submit_arg_bad", ioctl(devfd, CMDQ_IOC_SUBMIT, (void *)16));
	report("stats_arg_null", ioctl(devfd, CMDQ_IOC_STATS, NULL));
	report("info_arg_null", ioctl(devfd, CMDQ_IOC_INFO, NULL));

	/* SUBMIT fields */
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 0 };
	report("submit_count_0", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s.count = CMDQ_IOC_MAX_OPS + 1;
	report("submit_count_max_plus_1", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s.count = UINT32_MAX;
	report("submit_count_u32_max", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = 0, .count = 1 };
	report("submit_data_null", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s.data = 0xffffffffff600000ull;
	report("submit_data_kernel", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 1, .flags = 0x4 };
	report("submit_flags_unknown", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 1, .reserved = 1 };
	report("submit_reserved", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 1,
				      .flags = CMDQ_SUBMIT_ASYNC, .timeout_ms = 5 };
	report("submit_async_with_timeout", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 1,
				      .timeout_ms = CMDQ_IOC_MAX_TIMEOUT_MS + 1 };
	report("submit_timeout_too_big", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 1,
				      .flags = CMDQ_SUBMIT_RAW, .timeout_ms = 0 };
	s.count = 0;
	report("submit_raw_count_0", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	report("submit_good", submit1(devfd, &good, 0, 0, NULL));

	/* op fields; error_index names the op */
	ops[0] = good;
	ops[1] = good;
	ops[2] = good;
	ops[2].op = 0;
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)ops, .count = 3, .error_index = 77 };
	ret = ioctl(devfd, CMDQ_IOC_SUBMIT, &s);
	report("op_type_0", ret);
	printf("op_type_0_error_index %u\n", s.error_index);
#define OPCHK(name, field, val) do { \
		op = good; op.field = (val); report(name, submit1(devfd, &op, 0, 0, NULL)); \
	} while (0)
	OPCHK("op_type_max_plus_1", op, CMDQ_OP_MAX + 1);
	OPCHK("op_reserved", reserved, 1);
	OPCHK("op_unused_event", event, 5);
	OPCHK("op_unused_mask", mask, 0xff);
	OPCHK("op_unused_reg", reg, 1);
	OPCHK("op_unused_flags", flags, 1);
	OPCHK("op_subsys_0", subsys, 0);
	OPCHK("op_subsys_4", subsys, 4);
	OPCHK("op_offset_unaligned", offset, 0x42);
	OPCHK("op_offset_window_end", offset, 0x10000);
	OPCHK("op_base_other_subsys", base, 0x14000000);
	OPCHK("op_base_unaligned", base, 0x14020002);
	op = (struct cmdq_ioc_op){ .op = CMDQ_OP_WFE, .event = 1024 };
	report("op_event_1024", submit1(devfd, &op, 0, 0, NULL));
	op = (struct cmdq_ioc_op){ .op = CMDQ_OP_SET_EVENT, .event = 1023 };
	report("op_event_1023", submit1(devfd, &op, 0, 0, NULL));
	op = (struct cmdq_ioc_op){ .op = CMDQ_OP_JUMP, .value = 0 };
	report("op_jump_0", submit1(devfd, &op, 0, 0, NULL));
	op.value = 12;
	report("op_jump_unaligned", submit1(devfd, &op, 0, 0, NULL));
	op = (struct cmdq_ioc_op){ .op = CMDQ_OP_ASSIGN, .reg = 4 };
	report("op_assign_spr4", submit1(devfd, &op, 0, 0, NULL));
	op.reg = 0x30;
	report("op_assign_gpr16", submit1(devfd, &op, 0, 0, NULL));
	op = (struct cmdq_ioc_op){ .op = CMDQ_OP_LOGIC, .reg = 0x20, .lop = 4 };
	report("op_logic_lop_4", submit1(devfd, &op, 0, 0, NULL));
	op.lop = CMDQ_LOP_ADD;
	op.flags = 4;
	report("op_logic_flags_4", submit1(devfd, &op, 0, 0, NULL));
	op.flags = CMDQ_OPF_LEFT_REG;
	op.left = 5;
	report("op_logic_left_reg_5", submit1(devfd, &op, 0, 0, NULL));

	/* execution errors */
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&bad_word, .count = 1,
				      .flags = CMDQ_SUBMIT_RAW };
	report("raw_bad_opcode", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	printf("raw_bad_opcode_status %s\n", staname(s.status));
	report("after_bad_opcode", submit1(devfd, &good, 0, 0, NULL));
	report("sync_timeout", submit1(devfd, &hang, 0, 20, NULL));
	report("after_timeout", submit1(devfd, &good, 0, 0, NULL));

	/* BIND / UNBIND */
	fd2 = open(g.dev, O_RDWR | O_CLOEXEC);
	b.thread = g.thread;
	report("bind_taken", ioctl(fd2, CMDQ_IOC_BIND, &b));
	b.thread = CMDQ_IOC_NR_THREADS;
	report("bind_thread_16", ioctl(fd2, CMDQ_IOC_BIND, &b));
	b.thread = g.thread + 1;
	b.flags = 1;
	report("bind_flags", ioctl(fd2, CMDQ_IOC_BIND, &b));
	report("unbind_unbound", ioctl(fd2, CMDQ_IOC_UNBIND));
	b.flags = 0;
	report("bind_free", ioctl(fd2, CMDQ_IOC_BIND, &b));
	report("bind_again", ioctl(fd2, CMDQ_IOC_BIND, &b));
	report("bind_arg_bad", ioctl(fd2, CMDQ_IOC_BIND, (void *)8));

	/* WAIT */
	w = (struct cmdq_ioc_wait){ .ticket = 12345, .timeout_ms = 0 };
	report("wait_unknown_ticket", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	w = (struct cmdq_ioc_wait){ .ticket = 0, .timeout_ms = 0 };
	report("wait_nothing_pending", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	w = (struct cmdq_ioc_wait){ .flags = 1 };
	report("wait_flags", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	w = (struct cmdq_ioc_wait){ .timeout_ms = CMDQ_IOC_MAX_TIMEOUT_MS + 1 };
	report("wait_timeout_too_big", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	report("async_hang", submit1(fd2, &hang, CMDQ_SUBMIT_ASYNC, 0, &s));
	w = (struct cmdq_ioc_wait){ .ticket = s.ticket, .timeout_ms = 0 };
	report("wait_not_done", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	w.timeout_ms = 20;
	report("wait_timeout", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	/* the ticket limit */
	for (i = 1; i < CMDQ_IOC_MAX_TICKETS; i++)
		if (submit1(fd2, &hang, CMDQ_SUBMIT_ASYNC, 0, NULL))
			break;
	printf("async_accepted %d\n", i);
	report("async_ticket_limit", submit1(fd2, &hang, CMDQ_SUBMIT_ASYNC, 0, NULL));
	report("unbind_pending", ioctl(fd2, CMDQ_IOC_UNBIND));
	w = (struct cmdq_ioc_wait){ .ticket = s.ticket, .timeout_ms = 0 };
	ret = ioctl(fd2, CMDQ_IOC_WAIT, &w);
	report("wait_aborted", ret);
	printf("wait_aborted_status %s\n", staname(w.status));
	w = (struct cmdq_ioc_wait){ .ticket = 0, .timeout_ms = 0 };
	for (i = 0; !ioctl(fd2, CMDQ_IOC_WAIT, &w); i++)
		if (w.status != -ECONNABORTED)
			break;
	printf("aborted_reaped %d\n", i);
	report("wait_after_reaping", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	close(fd2);

	/* BUILD */
	bl = (struct cmdq_ioc_build){ .ops = (uintptr_t)&good, .words = (uintptr_t)words,
				      .count = 1, .max_words = 2, .flags = CMDQ_BUILD_FINALIZE };
	report("build_overflow", ioctl(devfd, CMDQ_IOC_BUILD, &bl));
	printf("build_overflow_nwords %u\n", bl.nwords);
	bl.max_words = 3;
	report("build_fits", ioctl(devfd, CMDQ_IOC_BUILD, &bl));
	bl.flags = 2;
	report("build_flags", ioctl(devfd, CMDQ_IOC_BUILD, &bl));
	bl.flags = 0;
	bl.reserved = 1;
	report("build_reserved", ioctl(devfd, CMDQ_IOC_BUILD, &bl));
	bl.reserved = 0;
	bl.words = 0;
	report("build_words_null", ioctl(devfd, CMDQ_IOC_BUILD, &bl));
	bl.words = (uintptr_t)words;
	bl.count = CMDQ_IOC_MAX_OPS + 1;
	report("build_count_big", ioctl(devfd, CMDQ_IOC_BUILD, &bl));

	/* REGS */
	r = (struct cmdq_ioc_regs){ .pa = CMDQ_IOC_REG_BASE, .count = 4, .buf = (uintptr_t)regbuf };
	report("regs_good", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.pa = CMDQ_IOC_REG_BASE - 4;
	report("regs_below", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.pa = CMDQ_IOC_REG_BASE + CMDQ_IOC_REG_COUNT * 4 - 8;
	report("regs_past_end", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.pa = CMDQ_IOC_REG_BASE + 2;
	report("regs_unaligned", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.pa = CMDQ_IOC_REG_BASE;
	r.count = 0;
	report("regs_count_0", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.count = CMDQ_IOC_REG_COUNT + 1;
	report("regs_count_big", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.count = 4;
	r.buf = 0;
	report("regs_buf_null", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.buf = (uintptr_t)regbuf;
	r.flags = 1;
	report("regs_flags", ioctl(devfd, CMDQ_IOC_REGS, &r));

	/* EVENT */
	e = (struct cmdq_ioc_event){ .event = CMDQ_IOC_NR_EVENTS };
	report("event_1024", ioctl(devfd, CMDQ_IOC_EVENT, &e));
	e = (struct cmdq_ioc_event){ .event = 1000, .value = 0x1000, .flags = CMDQ_EVENT_SET };
	report("event_value_big", ioctl(devfd, CMDQ_IOC_EVENT, &e));
	e = (struct cmdq_ioc_event){ .event = 1000, .flags = 2 };
	report("event_flags", ioctl(devfd, CMDQ_IOC_EVENT, &e));
	e = (struct cmdq_ioc_event){ .event = 1000, .reserved = 1 };
	report("event_reserved", ioctl(devfd, CMDQ_IOC_EVENT, &e));
	return 0;
}
