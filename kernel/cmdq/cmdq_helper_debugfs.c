// SPDX-License-Identifier: GPL-2.0
/*
 * cmdq_helper: the counters, its debugfs directory cmdq_helper/ (stats,
 * finalize_burst, the encoding self-test; cmdq_helper_priv.h describes the
 * files) and the module.
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include <cmdq/cmdq.h>
#include "cmdq_helper_priv.h"

#define CMDQ_BURST_MAX		10000000

/* debugfs names; stable, and equal to the struct cmdq_helper_stats fields */
static const char * const cmdq_stat_names[CMDQ_STAT_NR] = {
	[CMDQ_STAT_PKT_CREATED] = "pkt_created",
	[CMDQ_STAT_PKT_DESTROYED] = "pkt_destroyed",
	[CMDQ_STAT_PKT_LEAKED] = "pkt_leaked",
	[CMDQ_STAT_PKT_FINALIZED] = "pkt_finalized",
	[CMDQ_STAT_FLUSH_SYNC] = "flush_sync",
	[CMDQ_STAT_FLUSH_ASYNC] = "flush_async",
	[CMDQ_STAT_SEND_ERRORS] = "send_errors",
	[CMDQ_STAT_CB_DELIVERED] = "cb_delivered",
	[CMDQ_STAT_CB_OK] = "cb_ok",
	[CMDQ_STAT_CB_ENOEXEC] = "cb_enoexec",
	[CMDQ_STAT_CB_ECONNABORTED] = "cb_econnaborted",
	[CMDQ_STAT_CB_ETIMEDOUT] = "cb_etimedout",
	[CMDQ_STAT_CB_OTHER] = "cb_other",
	[CMDQ_STAT_SYNC_TIMEOUTS] = "sync_timeouts",
};

atomic64_t cmdq_stats[CMDQ_STAT_NR];

static struct dentry *cmdq_debugfs_dir;
static unsigned int cmdq_burst_last;

/**
 * cmdq_helper_get_stats() - snapshot the helper's counters
 * @stats: filled in; see struct cmdq_helper_stats
 *
 * Each counter is read atomically; the set is not a consistent snapshot
 * while packets are in flight.
 *
 * Context: any context.
 */
void cmdq_helper_get_stats(struct cmdq_helper_stats *stats)
{
	stats->pkt_created = atomic64_read(&cmdq_stats[CMDQ_STAT_PKT_CREATED]);
	stats->pkt_destroyed = atomic64_read(&cmdq_stats[CMDQ_STAT_PKT_DESTROYED]);
	stats->pkt_leaked = atomic64_read(&cmdq_stats[CMDQ_STAT_PKT_LEAKED]);
	stats->pkt_finalized = atomic64_read(&cmdq_stats[CMDQ_STAT_PKT_FINALIZED]);
	stats->flush_sync = atomic64_read(&cmdq_stats[CMDQ_STAT_FLUSH_SYNC]);
	stats->flush_async = atomic64_read(&cmdq_stats[CMDQ_STAT_FLUSH_ASYNC]);
	stats->send_errors = atomic64_read(&cmdq_stats[CMDQ_STAT_SEND_ERRORS]);
	stats->cb_delivered = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_DELIVERED]);
	stats->cb_ok = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_OK]);
	stats->cb_enoexec = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_ENOEXEC]);
	stats->cb_econnaborted = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_ECONNABORTED]);
	stats->cb_etimedout = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_ETIMEDOUT]);
	stats->cb_other = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_OTHER]);
	stats->sync_timeouts = atomic64_read(&cmdq_stats[CMDQ_STAT_SYNC_TIMEOUTS]);
	stats->clients = atomic_read(&cmdq_nr_clients);
	stats->gce_registered = !!READ_ONCE(cmdq_gce.mbox);
}
EXPORT_SYMBOL_GPL(cmdq_helper_get_stats);

/* debugfs: stats */
static int cmdq_stats_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	for (i = 0; i < CMDQ_STAT_NR; i++)
		seq_printf(m, "%s %lld\n", cmdq_stat_names[i],
			   atomic64_read(&cmdq_stats[i]));
	seq_printf(m, "clients %d\n", atomic_read(&cmdq_nr_clients));
	seq_printf(m, "gce_registered %d\n", !!READ_ONCE(cmdq_gce.mbox));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cmdq_stats);

/* debugfs: finalize_burst, the tracepoint pipeline test knob */
static const struct cmdq_base cmdq_burst_base = {
	.subsys = 1,
	.base = CMDQ_SUBSYS_BASE(1),
};

static int cmdq_burst_one(u32 value)
{
	struct cmdq_base base = cmdq_burst_base;
	struct cmdq_pkt *pkt;
	int err;

	err = cmdq_pkt_create(&pkt);
	if (err)
		return err;
	err = cmdq_pkt_write(pkt, value, &base, 0);
	if (!err)
		err = cmdq_pkt_finalize(pkt);
	cmdq_pkt_destroy(pkt);
	return err;
}

static ssize_t cmdq_burst_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	unsigned int n, i;
	int err;

	err = kstrtouint_from_user(ubuf, count, 0, &n);
	if (err)
		return err;
	if (n < 1 || n > CMDQ_BURST_MAX)
		return -EINVAL;

	for (i = 0; i < n; i++) {
		err = cmdq_burst_one(i);
		if (err)
			return err;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	WRITE_ONCE(cmdq_burst_last, n);
	return count;
}

static ssize_t cmdq_burst_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%u\n", READ_ONCE(cmdq_burst_last));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations cmdq_burst_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = cmdq_burst_read,
	.write = cmdq_burst_write,
	.llseek = default_llseek,
};

/* debugfs: selftest, the encoding self-test */
struct cmdq_st {
	struct seq_file *m;
	unsigned int pass;
	unsigned int fail;
};

static void cmdq_st_int(struct cmdq_st *st, const char *name, long got, long want)
{
	if (got == want) {
		st->pass++;
		seq_printf(st->m, "ok %s\n", name);
	} else {
		st->fail++;
		seq_printf(st->m, "not ok %s: got %ld want %ld\n", name, got, want);
	}
}

/* the packet's words from @first on must be @want[0..n-1], then end */
static void cmdq_st_words(struct cmdq_st *st, const char *name, struct cmdq_pkt *pkt,
			  size_t first, const u64 *want, size_t n)
{
	const u64 *inst = pkt->va_base;
	size_t i, count = cmdq_pkt_inst_count(pkt);

	if (count != first + n) {
		st->fail++;
		seq_printf(st->m, "not ok %s: %zu instructions, want %zu\n",
			   name, count, first + n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (inst[first + i] != want[i]) {
			st->fail++;
			seq_printf(st->m, "not ok %s: word %zu is %#018llx, want %#018llx\n",
				   name, first + i, inst[first + i], want[i]);
			return;
		}
	}
	st->pass++;
	seq_printf(st->m, "ok %s\n", name);
}

static void cmdq_selftest_encoding(struct cmdq_st *st, struct cmdq_pkt *pkt)
{
	struct cmdq_base b1 = { .subsys = 1, .base = 0x14000000 };
	struct cmdq_base b2 = { .subsys = 2, .base = 0x1401c000 };
	struct cmdq_operand gpr0 = { .reg = true, .idx = CMDQ_GPR_BASE };
	struct cmdq_operand imm5 = { .reg = false, .value = 5 };
	static const u64 want[] = {
		0x0401004012345678ull,	/* write */
		0x2000000b80008001ull,	/* wfe(OVL0 SOF) */
		0x0200000000ff00ffull,	/* write_mask: MASK(~mask) */
		0x0402c1010000abcdull,	/* write_mask: WRITE(offset | 1) */
		0x0401004400000001ull,	/* write_mask with ~0: plain write */
		0x2000002980000000ull,	/* clear_event(RDMA0 EOF) */
		0x2000002980010000ull,	/* set_event */
		0x2000002980018000ull,	/* acquire_event */
		0x0802c10000000005ull,	/* poll */
		0x02000000ffff0000ull,	/* poll_mask: MASK */
		0x0802c1050000000full,	/* poll_mask: POLL(offset | 1) */
		0x10000000fffffff0ull,	/* jump(-16) */
		0x1000000000000018ull,	/* jump(24) */
		0xa0800020deadbeefull,	/* assign(GPR0) */
		0xa0c1002100200005ull,	/* GPR1 = GPR0 + 5 */
		0xa0a0000300050020ull,	/* SPR3 = ASSIGN(5, GPR0) */
		0x4000000000000001ull,	/* finalize: EOC */
		0x1000000000000008ull,	/* finalize: JUMP(PASS) */
	};
	int err = 0;

	err |= cmdq_pkt_write(pkt, 0x12345678, &b1, 0x40);
	err |= cmdq_pkt_wfe(pkt, CMDQ_EVENT_DISP_OVL0_SOF);
	err |= cmdq_pkt_write_mask(pkt, 0xabcd, &b2, 0x100, 0xff00ff00);
	err |= cmdq_pkt_write_mask(pkt, 1, &b1, 0x44, 0xffffffff);
	err |= cmdq_pkt_clear_event(pkt, CMDQ_EVENT_DISP_RDMA0_EOF);
	err |= cmdq_pkt_set_event(pkt, CMDQ_EVENT_DISP_RDMA0_EOF);
	err |= cmdq_pkt_acquire_event(pkt, CMDQ_EVENT_DISP_RDMA0_EOF);
	err |= cmdq_pkt_poll(pkt, 5, &b2, 0x100);
	err |= cmdq_pkt_poll_mask(pkt, 0xf, &b2, 0x104, 0xffff);
	err |= cmdq_pkt_jump(pkt, -16);
	err |= cmdq_pkt_jump(pkt, 24);
	err |= cmdq_pkt_assign(pkt, CMDQ_GPR_BASE, 0xdeadbeef);
	err |= cmdq_pkt_logic_command(pkt, CMDQ_GPR_BASE + 1, &gpr0, CMDQ_LOGIC_ADD, &imm5);
	err |= cmdq_pkt_logic_command(pkt, 3, &imm5, CMDQ_LOGIC_ASSIGN, &gpr0);
	cmdq_st_int(st, "encode_ops_succeed", err, 0);
	cmdq_st_int(st, "finalize", cmdq_pkt_finalize(pkt), 0);
	cmdq_st_words(st, "encoding", pkt, 0, want, ARRAY_SIZE(want));
	cmdq_st_int(st, "finalize_idempotent", cmdq_pkt_finalize(pkt), 0);
	cmdq_st_int(st, "finalize_idempotent_count", cmdq_pkt_inst_count(pkt),
		    ARRAY_SIZE(want));
	cmdq_st_int(st, "append_after_finalize", cmdq_pkt_write(pkt, 0, &b1, 0), -EBUSY);

	/* a GCE may patch the final JUMP into an absolute jump (chaining) */
	((u64 *)pkt->va_base)[ARRAY_SIZE(want) - 1] = cmdq_inst(CMDQ_CODE_JUMP,
								CMDQ_JUMP_ABSOLUTE, 0x1000);
	cmdq_st_int(st, "patched_jump_finalize", cmdq_pkt_finalize(pkt), 0);
	cmdq_st_int(st, "patched_jump_count", cmdq_pkt_inst_count(pkt), ARRAY_SIZE(want));
	cmdq_st_int(st, "patched_jump_append", cmdq_pkt_jump(pkt, 8), -EBUSY);
}

static void cmdq_selftest_errors(struct cmdq_st *st, struct cmdq_pkt *pkt)
{
	struct cmdq_base b1 = { .subsys = 1, .base = 0x14000000 };
	struct cmdq_base b3 = { .subsys = 3, .base = 0x1402fff0 };
	struct cmdq_base bad_subsys = { .subsys = 2, .base = 0x14000000 };
	struct cmdq_operand reg4 = { .reg = true, .idx = 4 };
	struct cmdq_operand gpr15 = { .reg = true, .idx = CMDQ_GPR_BASE + 15 };
	struct cmdq_operand imm = { .reg = false, .value = 0xffff };
	struct cmdq_client client = { .thread = 0 };

	cmdq_st_int(st, "offset_unaligned", cmdq_pkt_write(pkt, 0, &b1, 2), -EINVAL);
	cmdq_st_int(st, "offset_window_end", cmdq_pkt_write(pkt, 0, &b1, 0x10000), -EINVAL);
	cmdq_st_int(st, "offset_window_last", cmdq_pkt_write(pkt, 0, &b3, 0xc), 0);
	cmdq_st_int(st, "offset_past_window", cmdq_pkt_write(pkt, 0, &b3, 0x10), -EINVAL);
	cmdq_st_int(st, "subsys_mismatch", cmdq_pkt_poll(pkt, 0, &bad_subsys, 0), -EINVAL);
	cmdq_st_int(st, "base_null", cmdq_pkt_write_mask(pkt, 0, NULL, 0, 1), -EINVAL);
	cmdq_st_int(st, "event_max", cmdq_pkt_wfe(pkt, CMDQ_MAX_EVENT), -EINVAL);
	cmdq_st_int(st, "event_last", cmdq_pkt_set_event(pkt, CMDQ_MAX_EVENT - 1), 0);
	cmdq_st_int(st, "event_negative", cmdq_pkt_clear_event(pkt, -1), -EINVAL);
	cmdq_st_int(st, "jump_zero", cmdq_pkt_jump(pkt, 0), -EINVAL);
	cmdq_st_int(st, "jump_unaligned", cmdq_pkt_jump(pkt, 12), -EINVAL);
	cmdq_st_int(st, "assign_spr4", cmdq_pkt_assign(pkt, 4, 0), -EINVAL);
	cmdq_st_int(st, "assign_gpr16", cmdq_pkt_assign(pkt, CMDQ_GPR_BASE + 16, 0), -EINVAL);
	cmdq_st_int(st, "logic_bad_left",
		    cmdq_pkt_logic_command(pkt, 0, &reg4, CMDQ_LOGIC_OR, &imm), -EINVAL);
	cmdq_st_int(st, "logic_bad_sop",
		    cmdq_pkt_logic_command(pkt, 0, &imm, 4, &gpr15), -EINVAL);
	cmdq_st_int(st, "logic_null",
		    cmdq_pkt_logic_command(pkt, 0, NULL, CMDQ_LOGIC_OR, &imm), -EINVAL);
	cmdq_st_int(st, "logic_bad_result",
		    cmdq_pkt_logic_command(pkt, 0x1f, &imm, CMDQ_LOGIC_OR, &imm), -EINVAL);
	cmdq_st_int(st, "errors_append_nothing", cmdq_pkt_inst_count(pkt), 2);

	set_bit(CMDQ_PKT_BUSY, &pkt->busy);
	cmdq_st_int(st, "busy_append", cmdq_pkt_assign(pkt, 0, 0), -EBUSY);
	cmdq_st_int(st, "busy_finalize", cmdq_pkt_finalize(pkt), -EBUSY);
	cmdq_st_int(st, "busy_flush", cmdq_pkt_flush_async(&client, pkt, NULL, NULL),
		    -EBUSY);
	clear_bit(CMDQ_PKT_BUSY, &pkt->busy);
	cmdq_st_int(st, "flush_null_client", cmdq_pkt_flush_async(NULL, pkt, NULL, NULL),
		    -EINVAL);
}

static void cmdq_selftest_growth(struct cmdq_st *st, struct cmdq_pkt *pkt)
{
	struct cmdq_base b1 = { .subsys = 1, .base = 0x14000000 };
	size_t max_ops = CMDQ_PKT_MAX_SIZE / CMDQ_INST_SIZE - 2;
	u64 last = 0x040100fc00000000ull;
	int err = 0;
	size_t i;

	for (i = 0; i < max_ops && !err; i++)
		err = cmdq_pkt_write(pkt, i, &b1, 0xfc);
	cmdq_st_int(st, "grow_to_max", err, 0);
	cmdq_st_int(st, "grow_buf_size", pkt->buf_size, CMDQ_PKT_MAX_SIZE);
	cmdq_st_int(st, "grow_full", cmdq_pkt_write(pkt, 0, &b1, 0), -ENOSPC);
	cmdq_st_int(st, "grow_full_two", cmdq_pkt_poll_mask(pkt, 0, &b1, 0, 1), -ENOSPC);
	last |= max_ops - 1;
	cmdq_st_words(st, "grow_last_write", pkt, max_ops - 1, &last, 1);
	cmdq_st_int(st, "grow_finalize", cmdq_pkt_finalize(pkt), 0);
	cmdq_st_int(st, "grow_finalized_count", cmdq_pkt_inst_count(pkt), max_ops + 2);
}

static int cmdq_selftest_show(struct seq_file *m, void *unused)
{
	static void (* const tests[])(struct cmdq_st *, struct cmdq_pkt *) = {
		cmdq_selftest_encoding,
		cmdq_selftest_errors,
		cmdq_selftest_growth,
	};
	struct cmdq_st st = { .m = m };
	struct cmdq_pkt *pkt;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		err = cmdq_pkt_create(&pkt);
		if (err)
			return err;
		tests[i](&st, pkt);
		cmdq_pkt_destroy(pkt);
	}
	seq_printf(m, "selftest: passed %u failed %u\n", st.pass, st.fail);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cmdq_selftest);

static int __init cmdq_helper_init(void)
{
	cmdq_debugfs_dir = debugfs_create_dir("cmdq_helper", NULL);
	debugfs_create_file("stats", 0444, cmdq_debugfs_dir, NULL, &cmdq_stats_fops);
	debugfs_create_file("finalize_burst", 0600, cmdq_debugfs_dir, NULL,
			    &cmdq_burst_fops);
	debugfs_create_file("selftest", 0400, cmdq_debugfs_dir, NULL,
			    &cmdq_selftest_fops);
	return 0;
}

static void __exit cmdq_helper_exit(void)
{
	debugfs_remove_recursive(cmdq_debugfs_dir);
	/* GCE drivers and clients use our symbols, so they are gone by now */
	WARN_ON(cmdq_gce.mbox || atomic_read(&cmdq_nr_clients));
}

module_init(cmdq_helper_init);
module_exit(cmdq_helper_exit);

MODULE_DESCRIPTION("MediaTek CMDQ helper: GCE command packets over a mailbox");
MODULE_LICENSE("GPL");
