// SPDX-License-Identifier: GPL-2.0
/*
 * cmdq_frame: its debugfs directory, /sys/kernel/debug/cmdq_frame/
 * (docs/cmdq.md lists the files): the client's knobs, the model's per-pipe
 * hz and vblank_us, the faults, the timeout probe, the counters.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <cmdq/cmdq.h>
#include <cmdq/cmdq_frame.h>
#include <cmdq/gce_sim.h>
#include <uapi/linux/cmdq.h>
#include "cmdq_frame_priv.h"
#include "cmdq_debugfs.h"

static const char * const frame_stat_names[FS_NR] = {
	[FS_COMMITTED] = "committed",
	[FS_CB_OK] = "cb_ok",
	[FS_CB_ENOEXEC] = "cb_enoexec",
	[FS_CB_ECONNABORTED] = "cb_econnaborted",
	[FS_CB_OTHER] = "cb_other",
	[FS_LATE] = "late",
	[FS_LATE_INJECTED] = "late_injected",
	[FS_STALL_FRAMES] = "stall_frames",
	[FS_BAD_FRAMES] = "bad_frames",
	[FS_SKIPPED] = "skipped",
	[FS_BUILD_ERRORS] = "build_errors",
	[FS_FLUSH_ERRORS] = "flush_errors",
};

/* ---- debugfs: cmdq_frame/ ---------------------------------------------------------- */

/* u32 knobs of the client: enable pipes writes frames commit_offset_us inst_cost_ns */
enum { FK_ENABLE, FK_PIPES, FK_WRITES, FK_FRAMES, FK_OFFSET, FK_COST };

static int frame_knob_get(void *data, u64 *val)
{
	mutex_lock(&fc.lock);
	switch ((uintptr_t)data) {
	case FK_ENABLE:
		*val = fc.enabled;
		break;
	case FK_PIPES:
		*val = fc.pipes;
		break;
	case FK_WRITES:
		*val = fc.writes;
		break;
	case FK_FRAMES:
		*val = fc.frames;
		break;
	case FK_OFFSET:
		*val = fc.offset_us;
		break;
	case FK_COST:
		*val = gce_sim_get_inst_cost();
		break;
	}
	mutex_unlock(&fc.lock);
	return 0;
}

static int frame_knob_set(void *data, u64 val)
{
	int ret = 0;

	if (val > U32_MAX)
		return -EINVAL;
	mutex_lock(&fc.lock);
	switch ((uintptr_t)data) {
	case FK_ENABLE:
		if (val > 1)
			ret = -EINVAL;
		else if (val)
			ret = frame_start();
		else
			frame_stop();
		break;
	case FK_PIPES:
		if (fc.enabled)
			ret = -EBUSY;
		else if (val < 1 || val > CMDQ_MAX_PIPES)
			ret = -EINVAL;
		else
			fc.pipes = val;
		break;
	case FK_WRITES:
		if (fc.enabled)
			ret = -EBUSY;
		else if (val < 1 || val > FRAME_MAX_WRITES)
			ret = -EINVAL;
		else
			fc.writes = val;
		break;
	case FK_FRAMES:
		if (fc.enabled)
			ret = -EBUSY;
		else
			fc.frames = val;
		break;
	case FK_OFFSET:
		if (fc.enabled)
			ret = -EBUSY;
		else if (val > USEC_PER_SEC / GCE_SIM_HZ_MIN)
			ret = -EINVAL;
		else
			fc.offset_us = val;
		break;
	case FK_COST:
		gce_sim_set_inst_cost(val);
		break;
	}
	mutex_unlock(&fc.lock);
	return ret;
}
DEFINE_DEBUGFS_ATTRIBUTE(frame_knob_fops, frame_knob_get, frame_knob_set, "%llu\n");

/* hz, vblank_us: the model's per-pipe knobs; read "p0 p1 p2", write "<v>" or "<pipe> <v>" */
static int frame_pipe_knob_show(struct seq_file *m, void *v)
{
	bool is_hz = m->private == (void *)1;
	struct gce_sim_pipe_stats ps;
	int p;

	for (p = 0; p < CMDQ_MAX_PIPES; p++) {
		if (gce_sim_get_pipe_stats(p, &ps))
			return -EIO;
		seq_printf(m, "%u%c", is_hz ? ps.hz : ps.vblank_us,
			   p == CMDQ_MAX_PIPES - 1 ? '\n' : ' ');
	}
	return 0;
}

static int frame_pipe_knob_open(struct inode *inode, struct file *file)
{
	return single_open(file, frame_pipe_knob_show, inode->i_private);
}

static ssize_t frame_pipe_knob_write(struct file *file, const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	char buf[80];
	struct seq_file *m = file->private_data;
	bool is_hz = m->private == (void *)1;
	int pipe = -1, n, ret;
	u32 v[2];

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 2, NULL, buf);
	if (n < 1)
		return n < 0 ? n : -EINVAL;
	if (n == 2) {
		if (v[0] >= CMDQ_MAX_PIPES)
			return -EINVAL;
		pipe = v[0];
	}
	ret = is_hz ? gce_sim_set_refresh(pipe, v[n - 1]) : gce_sim_set_vblank(pipe, v[n - 1]);
	return ret ?: len;
}

static const struct file_operations frame_pipe_knob_fops = {
	.owner = THIS_MODULE,
	.open = frame_pipe_knob_open,
	.read = seq_read,
	.write = frame_pipe_knob_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int frame_fault_show(struct seq_file *m, void *v)
{
	mutex_lock(&fc.lock);
	if (fc.stall_every && fc.stall_us)
		seq_printf(m, "stall %d %u %u\n", fc.stall_pipe, fc.stall_every, fc.stall_us);
	if (fc.irq_us)
		seq_printf(m, "irq_delay %d %u\n", fc.irq_pipe, fc.irq_us);
	if (fc.bad_every)
		seq_printf(m, "bad_opcode %d %u\n", fc.bad_pipe, fc.bad_every);
	mutex_unlock(&fc.lock);
	return 0;
}

static int frame_fault_open(struct inode *inode, struct file *file)
{
	return single_open(file, frame_fault_show, NULL);
}

/*
 * "stall <pipe> <every> <us>", "irq_delay <pipe> <us>",
 * "bad_opcode <pipe> <every>", "clear"; only while disabled
 */
static ssize_t frame_fault_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	char buf[80];
	char *cmd = NULL;
	u32 v[3];
	int n, ret = 0;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 3, &cmd, buf);
	if (n < 0)
		return n;
	if (n > 0 && v[0] >= CMDQ_MAX_PIPES)
		return -EINVAL;
	mutex_lock(&fc.lock);
	if (fc.enabled) {
		ret = -EBUSY;
	} else if (!strcmp(cmd, "stall") && n == 3 && v[1]) {
		fc.stall_pipe = v[0];
		fc.stall_every = v[1];
		fc.stall_us = v[2];
	} else if (!strcmp(cmd, "irq_delay") && n == 2) {
		fc.irq_pipe = v[0];
		fc.irq_us = v[1];
	} else if (!strcmp(cmd, "bad_opcode") && n == 2 && v[1]) {
		fc.bad_pipe = v[0];
		fc.bad_every = v[1];
	} else if (!strcmp(cmd, "clear") && !n) {
		fc.stall_pipe = -1;
		fc.stall_every = 0;
		fc.stall_us = 0;
		fc.irq_pipe = -1;
		fc.irq_us = 0;
		fc.bad_pipe = -1;
		fc.bad_every = 0;
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&fc.lock);
	return ret ?: len;
}

static const struct file_operations frame_fault_fops = {
	.owner = THIS_MODULE,
	.open = frame_fault_open,
	.read = seq_read,
	.write = frame_fault_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int frame_stats_show(struct seq_file *m, void *v)
{
	struct cmdq_ioc_frame_stats st;
	u32 p, i;

	cmdq_frame_get_stats(&st);
	seq_printf(m, "enabled %u\ndone %u\npipes %u\nwrites %u\nframes %u\n",
		   st.enabled, st.done, st.pipes, st.writes, st.frames);
	seq_printf(m, "commit_offset_us %u\nprobes %llu\ntimeouts %llu\n",
		   st.commit_offset_us, st.probes, st.timeouts);
	seq_printf(m, "probe_followup_ok %llu\nprobe_last_status %d\nprobe_last_followup %d\n",
		   st.probe_followup_ok, st.probe_last_status, st.probe_last_followup);
	for (p = 0; p < CMDQ_MAX_PIPES; p++) {
		const u64 *c = &st.pipe[p].committed;

		for (i = 0; i < FS_NR; i++)
			seq_printf(m, "pipe%u_%s %llu\n", p, frame_stat_names[i], c[i]);
		seq_printf(m, "pipe%u_thread %u\npipe%u_inflight %u\npipe%u_last_frame %llu\n",
			   p, st.pipe[p].thread, p, st.pipe[p].inflight, p,
			   st.pipe[p].last_frame);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(frame_stats);

static ssize_t frame_reset_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	u32 p, i;

	for (p = 0; p < CMDQ_MAX_PIPES; p++)
		for (i = 0; i < FS_NR; i++)
			atomic64_set(&fc.pipe[p].st[i], 0);
	atomic64_set(&fc.probes, 0);
	atomic64_set(&fc.timeouts, 0);
	atomic64_set(&fc.followup_ok, 0);
	return len;
}

static const struct file_operations frame_reset_fops = {
	.owner = THIS_MODULE,
	.write = frame_reset_write,
};

static int frame_probe_show(struct seq_file *m, void *v)
{
	seq_printf(m, "probes %lld\ntimeouts %lld\nfollowup_ok %lld\n",
		   atomic64_read(&fc.probes), atomic64_read(&fc.timeouts),
		   atomic64_read(&fc.followup_ok));
	seq_printf(m, "last_status %d\nlast_followup %d\n",
		   READ_ONCE(fc.probe_last_status), READ_ONCE(fc.probe_last_followup));
	return 0;
}

static int frame_probe_open(struct inode *inode, struct file *file)
{
	return single_open(file, frame_probe_show, NULL);
}

/* write "<timeout_ms> [<event>]": run the probe (synchronously) */
static ssize_t frame_probe_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	char buf[80];
	u32 v[2] = { 0, FRAME_PROBE_EVENT };
	int n, ret;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 2, NULL, buf);
	if (n < 1)
		return n < 0 ? n : -EINVAL;
	if (!v[0] || v[0] > CMDQ_IOC_MAX_TIMEOUT_MS || v[1] >= CMDQ_MAX_EVENT)
		return -EINVAL;
	ret = frame_probe(v[0], v[1]);
	return ret ?: len;
}

static const struct file_operations frame_probe_fops = {
	.owner = THIS_MODULE,
	.open = frame_probe_open,
	.read = seq_read,
	.write = frame_probe_write,
	.llseek = seq_lseek,
	.release = single_release,
};

void frame_debugfs_init(void)
{
	struct dentry *d = debugfs_create_dir("cmdq_frame", NULL);

	fc.dbg = d;
	debugfs_create_file_unsafe("enable", 0600, d, (void *)FK_ENABLE, &frame_knob_fops);
	debugfs_create_file_unsafe("pipes", 0600, d, (void *)FK_PIPES, &frame_knob_fops);
	debugfs_create_file_unsafe("writes", 0600, d, (void *)FK_WRITES, &frame_knob_fops);
	debugfs_create_file_unsafe("frames", 0600, d, (void *)FK_FRAMES, &frame_knob_fops);
	debugfs_create_file_unsafe("commit_offset_us", 0600, d, (void *)FK_OFFSET,
				   &frame_knob_fops);
	debugfs_create_file_unsafe("inst_cost_ns", 0600, d, (void *)FK_COST, &frame_knob_fops);
	debugfs_create_file("hz", 0600, d, (void *)1, &frame_pipe_knob_fops);
	debugfs_create_file("vblank_us", 0600, d, (void *)0, &frame_pipe_knob_fops);
	debugfs_create_file("fault", 0600, d, NULL, &frame_fault_fops);
	debugfs_create_file("timeout_probe", 0600, d, NULL, &frame_probe_fops);
	debugfs_create_file("stats", 0400, d, NULL, &frame_stats_fops);
	debugfs_create_file("reset", 0200, d, NULL, &frame_reset_fops);
}
