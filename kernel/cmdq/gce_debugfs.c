// SPDX-License-Identifier: GPL-2.0
/*
 * gce_sim: its debugfs directory, /sys/kernel/debug/gce_sim/ (docs/cmdq.md
 * lists the files): counters, registers, events, the knobs, the self-test.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "gce_sim_priv.h"
#include "cmdq_debugfs.h"

static const char * const gce_state_name[] = { "idle", "run", "wait", "poll" };

static int gce_threads_show(struct seq_file *m, void *v)
{
	struct gce_sim_thread_stats st, tot = {};
	int i;

	for (i = 0; i < GCE_THREADS; i++) {
		gce_sim_get_thread_stats(i, &st);
		seq_printf(m, "thread%d_bound %u\n", i, st.bound);
		seq_printf(m, "thread%d_state %s\n", i, gce_state_name[st.state]);
		seq_printf(m, "thread%d_wait_event %d\n", i, st.wait_event);
		seq_printf(m, "thread%d_queued %u\n", i, st.queued);
		seq_printf(m, "thread%d_submitted %llu\n", i, st.submitted);
		seq_printf(m, "thread%d_chained %llu\n", i, st.chained);
		seq_printf(m, "thread%d_inst %llu\n", i, st.inst);
		seq_printf(m, "thread%d_done %llu\n", i, st.done);
		seq_printf(m, "thread%d_errors %llu\n", i, st.errors);
		seq_printf(m, "thread%d_aborted %llu\n", i, st.aborted);
		seq_printf(m, "thread%d_misses %llu\n", i, st.misses);
		seq_printf(m, "thread%d_poll_timeouts %llu\n", i, st.poll_timeouts);
		seq_printf(m, "thread%d_limit_errors %llu\n", i, st.limit_errors);
		seq_printf(m, "thread%d_injected %llu\n", i, st.injected);
		seq_printf(m, "thread%d_stalls %llu\n", i, st.stalls);
		seq_printf(m, "thread%d_irq_delays %llu\n", i, st.irq_delays);
		seq_printf(m, "thread%d_chain_errors %llu\n", i, st.chain_errors);
		seq_printf(m, "thread%d_irq_held %llu\n", i, st.irq_held);
		seq_printf(m, "thread%d_eoc_mid %llu\n", i, st.eoc_mid);
		seq_printf(m, "thread%d_last_status %d\n", i, st.last_status);
		seq_printf(m, "thread%d_last_pkt %u\n", i, st.last_pkt_id);
		seq_printf(m, "thread%d_last_pipe %d\n", i, st.last_pipe);
		seq_printf(m, "thread%d_last_frame %u\n", i, st.last_frame);
		seq_printf(m, "thread%d_last_inst %u\n", i, st.last_inst);
		seq_printf(m, "thread%d_last_missed %u\n", i, st.last_missed);
		seq_printf(m, "thread%d_last_err %u\n", i, st.last_err);
		seq_printf(m, "thread%d_last_err_pc %u\n", i, st.last_err_pc);
		seq_printf(m, "thread%d_last_err_word 0x%016llx\n", i, st.last_err_word);
		tot.submitted += st.submitted;
		tot.chained += st.chained;
		tot.inst += st.inst;
		tot.done += st.done;
		tot.errors += st.errors;
		tot.aborted += st.aborted;
		tot.misses += st.misses;
		tot.chain_errors += st.chain_errors;
		tot.queued += st.queued;
	}
	seq_printf(m, "total_queued %u\n", tot.queued);
	seq_printf(m, "total_submitted %llu\n", tot.submitted);
	seq_printf(m, "total_chained %llu\n", tot.chained);
	seq_printf(m, "total_inst %llu\n", tot.inst);
	seq_printf(m, "total_done %llu\n", tot.done);
	seq_printf(m, "total_errors %llu\n", tot.errors);
	seq_printf(m, "total_aborted %llu\n", tot.aborted);
	seq_printf(m, "total_misses %llu\n", tot.misses);
	seq_printf(m, "total_chain_errors %llu\n", tot.chain_errors);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gce_threads);

static int gce_pipes_show(struct seq_file *m, void *v)
{
	struct gce_sim_pipe_stats st;
	int i;

	seq_printf(m, "pipes %u\n", gce_sim_get_pipes());
	seq_printf(m, "enable %u\n", READ_ONCE(gs->tg_enabled));
	for (i = 0; i < CMDQ_MAX_PIPES; i++) {
		gce_sim_get_pipe_stats(i, &st);
		seq_printf(m, "pipe%d_running %u\n", i, st.running);
		seq_printf(m, "pipe%d_hz %u\n", i, st.hz);
		seq_printf(m, "pipe%d_vblank_us %u\n", i, st.vblank_us);
		seq_printf(m, "pipe%d_frames %llu\n", i, st.frames);
		seq_printf(m, "pipe%d_eofs %llu\n", i, st.eofs);
		seq_printf(m, "pipe%d_misses %llu\n", i, st.misses);
		seq_printf(m, "pipe%d_skipped %llu\n", i, st.skipped);
		seq_printf(m, "pipe%d_frame %u\n", i, st.frame);
		seq_printf(m, "pipe%d_sof_ns %llu\n", i, st.sof_ns);
		seq_printf(m, "pipe%d_eof_ns %llu\n", i, st.eof_ns);
		seq_printf(m, "pipe%d_next_sof_ns %llu\n", i, st.next_sof_ns);
	}
	return 0;
}

static int gce_pipes_open(struct inode *inode, struct file *file)
{
	return single_open(file, gce_pipes_show, NULL);
}

static ssize_t gce_pipes_write(struct file *file, const char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	char buf[80];
	u32 v;
	int n, ret;

	n = cmdq_debugfs_parse_u32s(ubuf, len, &v, 1, NULL, buf);
	if (n != 1)
		return n < 0 ? n : -EINVAL;
	ret = gce_sim_set_pipes(v);
	return ret ? ret : len;
}

static const struct file_operations gce_pipes_fops = {
	.owner = THIS_MODULE,
	.open = gce_pipes_open,
	.read = seq_read,
	.write = gce_pipes_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int gce_regs_show(struct seq_file *m, void *v)
{
	u32 i, val;

	for (i = 0; i < CMDQ_SUBSYS_COUNT * GCE_REGS_PER_SUBSYS; i++) {
		val = READ_ONCE(gs->regs[i]);
		if (val)
			seq_printf(m, "0x%08x 0x%08x\n", CMDQ_SUBSYS_BASE(1) + i * 4, val);
	}
	return 0;
}

static int gce_regs_open(struct inode *inode, struct file *file)
{
	return single_open_size(file, gce_regs_show, NULL, 64 * 1024);
}

/* write "<pa> <value>" */
static ssize_t gce_regs_write(struct file *file, const char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	char buf[80];
	u32 v[2];
	int n, ret;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 2, NULL, buf);
	if (n != 2)
		return n < 0 ? n : -EINVAL;
	ret = gce_sim_write_reg(v[0], v[1]);
	return ret ? ret : len;
}

static const struct file_operations gce_regs_fops = {
	.owner = THIS_MODULE,
	.open = gce_regs_open,
	.read = seq_read,
	.write = gce_regs_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int gce_gprs_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < CMDQ_GPR_MAX; i++)
		seq_printf(m, "gpr%d 0x%08x\n", i, READ_ONCE(gs->gpr[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gce_gprs);

static int gce_events_show(struct seq_file *m, void *v)
{
	u32 i, val;

	for (i = 0; i < CMDQ_MAX_EVENT; i++) {
		val = READ_ONCE(gs->evt[i]);
		if (val)
			seq_printf(m, "%u %u\n", i, val);
	}
	return 0;
}

static int gce_events_open(struct inode *inode, struct file *file)
{
	return single_open(file, gce_events_show, NULL);
}

/* write "<event> <value>" */
static ssize_t gce_events_write(struct file *file, const char __user *ubuf, size_t len,
				loff_t *ppos)
{
	char buf[80];
	u32 v[2];
	int n, ret;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 2, NULL, buf);
	if (n != 2)
		return n < 0 ? n : -EINVAL;
	ret = gce_sim_set_event(v[0], v[1]);
	return ret ? ret : len;
}

static const struct file_operations gce_events_fops = {
	.owner = THIS_MODULE,
	.open = gce_events_open,
	.read = seq_read,
	.write = gce_events_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* per-pipe knobs: read "v0 v1 v2", write "<v>" (all pipes) or "<pipe> <v>" */
static int gce_pipe_knob_show(struct seq_file *m, void *v)
{
	bool is_hz = m->private == (void *)1;
	int i;

	for (i = 0; i < CMDQ_MAX_PIPES; i++)
		seq_printf(m, "%u%c", is_hz ? READ_ONCE(gs->pipe[i].hz) :
			   READ_ONCE(gs->pipe[i].vblank_us), i == CMDQ_MAX_PIPES - 1 ? '\n' : ' ');
	return 0;
}

static int gce_pipe_knob_open(struct inode *inode, struct file *file)
{
	return single_open(file, gce_pipe_knob_show, inode->i_private);
}

static ssize_t gce_pipe_knob_write(struct file *file, const char __user *ubuf, size_t len,
				   loff_t *ppos)
{
	char buf[80];
	struct seq_file *m = file->private_data;
	bool is_hz = m->private == (void *)1;
	int pipe = -1, n, ret;
	u32 v[2], val;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 2, NULL, buf);
	if (n < 1)
		return n < 0 ? n : -EINVAL;
	val = v[n - 1];
	if (n == 2) {
		if (v[0] >= CMDQ_MAX_PIPES)
			return -EINVAL;
		pipe = v[0];
	}
	ret = is_hz ? gce_sim_set_refresh(pipe, val) : gce_sim_set_vblank(pipe, val);
	return ret ? ret : len;
}

static const struct file_operations gce_pipe_knob_fops = {
	.owner = THIS_MODULE,
	.open = gce_pipe_knob_open,
	.read = seq_read,
	.write = gce_pipe_knob_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int gce_fault_show(struct seq_file *m, void *v)
{
	unsigned long flags;
	int i;

	for (i = 0; i < GCE_THREADS; i++) {
		struct gce_thread *t = &gs->thr[i];
		u32 s, e, d, b;

		raw_spin_lock_irqsave(&t->lock, flags);
		s = t->stall_us;
		e = t->stall_every;
		d = t->irq_delay_us;
		b = t->bad_count;
		raw_spin_unlock_irqrestore(&t->lock, flags);
		if (s || d || b)
			seq_printf(m, "thread%d stall_us=%u stall_every=%u irq_delay_us=%u bad_opcode=%u\n",
				   i, s, e, d, b);
	}
	return 0;
}

static int gce_fault_open(struct inode *inode, struct file *file)
{
	return single_open(file, gce_fault_show, NULL);
}

static ssize_t gce_fault_write(struct file *file, const char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	char buf[80], *cmd;
	u32 v[3] = {};
	int n, i, ret;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, ARRAY_SIZE(v), &cmd, buf);
	if (n < 0)
		return n;
	if (!strcmp(cmd, "stall") && (n == 2 || n == 3)) {
		ret = gce_sim_set_stall(v[0], v[1], v[2]);
	} else if (!strcmp(cmd, "irq_delay") && n == 2) {
		ret = gce_sim_set_irq_delay(v[0], v[1]);
	} else if (!strcmp(cmd, "bad_opcode") && (n == 1 || n == 2)) {
		ret = gce_sim_inject_bad_opcode(v[0], n == 2 ? v[1] : 1);
	} else if (!strcmp(cmd, "clear") && n <= 1) {
		ret = 0;
		for (i = 0; i < GCE_THREADS && !ret; i++) {
			if (n == 1 && v[0] != i)
				continue;
			ret = gce_sim_set_stall(i, 0, 0) ?: gce_sim_set_irq_delay(i, 0) ?:
			      gce_sim_inject_bad_opcode(i, 0);
		}
		if (n == 1 && v[0] >= GCE_THREADS)
			ret = -EINVAL;
	} else {
		ret = -EINVAL;
	}
	return ret ? ret : len;
}

static const struct file_operations gce_fault_fops = {
	.owner = THIS_MODULE,
	.open = gce_fault_open,
	.read = seq_read,
	.write = gce_fault_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* u32 knobs */
enum { KNOB_COST, KNOB_BATCH, KNOB_LIMIT, KNOB_POLL, KNOB_ENABLE };

static int gce_knob_get(void *data, u64 *val)
{
	switch ((uintptr_t)data) {
	case KNOB_COST:
		*val = READ_ONCE(gce_inst_cost_ns);
		break;
	case KNOB_BATCH:
		*val = READ_ONCE(gce_batch);
		break;
	case KNOB_LIMIT:
		*val = READ_ONCE(gce_inst_limit);
		break;
	case KNOB_POLL:
		*val = READ_ONCE(gce_poll_timeout_us);
		break;
	case KNOB_ENABLE:
		*val = READ_ONCE(gs->tg_enabled);
		break;
	}
	return 0;
}

static int gce_knob_set(void *data, u64 val)
{
	if (val > U32_MAX)
		return -EINVAL;
	switch ((uintptr_t)data) {
	case KNOB_COST:
		gce_sim_set_inst_cost(val);
		break;
	case KNOB_BATCH:
		return gce_sim_set_batch(val);
	case KNOB_LIMIT:
		return gce_sim_set_inst_limit(val);
	case KNOB_POLL:
		gce_sim_set_poll_timeout(val);
		break;
	case KNOB_ENABLE:
		if (val > 1)
			return -EINVAL;
		return gce_sim_set_enable(val);
	}
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(gce_knob_fops, gce_knob_get, gce_knob_set, "%llu\n");

static ssize_t gce_reset_write(struct file *file, const char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	gce_sim_reset_stats();
	return len;
}

static const struct file_operations gce_reset_fops = {
	.owner = THIS_MODULE,
	.write = gce_reset_write,
};

static int gce_selftest_show(struct seq_file *m, void *v)
{
	mutex_lock(&gs->st_lock);
	seq_printf(m, "passed %u failed %u\n", gs->st_passed, gs->st_failed);
	mutex_unlock(&gs->st_lock);
	return 0;
}

static int gce_selftest_open(struct inode *inode, struct file *file)
{
	return single_open(file, gce_selftest_show, NULL);
}

static ssize_t gce_selftest_write(struct file *file, const char __user *ubuf, size_t len,
				  loff_t *ppos)
{
	int ret;

	mutex_lock(&gs->st_lock);
	ret = gce_selftest_run();
	mutex_unlock(&gs->st_lock);
	return ret ? ret : len;
}

static const struct file_operations gce_selftest_fops = {
	.owner = THIS_MODULE,
	.open = gce_selftest_open,
	.read = seq_read,
	.write = gce_selftest_write,
	.llseek = seq_lseek,
	.release = single_release,
};

void gce_debugfs_init(void)
{
	struct dentry *d = debugfs_create_dir("gce_sim", NULL);

	gs->dbg = d;
	debugfs_create_file("threads", 0400, d, NULL, &gce_threads_fops);
	debugfs_create_file("pipes", 0600, d, NULL, &gce_pipes_fops);
	debugfs_create_file("regs", 0600, d, NULL, &gce_regs_fops);
	debugfs_create_file("gprs", 0400, d, NULL, &gce_gprs_fops);
	debugfs_create_file("events", 0600, d, NULL, &gce_events_fops);
	debugfs_create_file("hz", 0600, d, (void *)1, &gce_pipe_knob_fops);
	debugfs_create_file("vblank_us", 0600, d, (void *)0, &gce_pipe_knob_fops);
	debugfs_create_file("fault", 0600, d, NULL, &gce_fault_fops);
	debugfs_create_file_unsafe("inst_cost_ns", 0600, d, (void *)KNOB_COST, &gce_knob_fops);
	debugfs_create_file_unsafe("batch", 0600, d, (void *)KNOB_BATCH, &gce_knob_fops);
	debugfs_create_file_unsafe("inst_limit", 0600, d, (void *)KNOB_LIMIT, &gce_knob_fops);
	debugfs_create_file_unsafe("poll_timeout_us", 0600, d, (void *)KNOB_POLL,
				   &gce_knob_fops);
	debugfs_create_file_unsafe("enable", 0600, d, (void *)KNOB_ENABLE, &gce_knob_fops);
	debugfs_create_file("reset_stats", 0200, d, NULL, &gce_reset_fops);
	debugfs_create_file("selftest", 0600, d, NULL, &gce_selftest_fops);
}
