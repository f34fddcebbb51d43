// SPDX-License-Identifier: GPL-2.0
/*
 * qlat_cmdq_badkey: fires cmdq_helper's exported tracepoints with a pipe
 * out of qlat's range (7), from two contexts on one CPU at once, for
 * tests/vm/27-qlat-badkey.sh: cmdq_vblank (UNDERRUN) in a loop in process
 * context, and cmdq_eoc_irq from a hard hrtimer pinned to that CPU, which
 * interrupts the loop (and the BPF program it runs) at arbitrary
 * instructions. Two programs of qlat cmdq (vblank, eoc) then count into
 * one per-CPU counter, badkey, each event once.
 *
 * debugfs qlat_cmdq_badkey/run: write "N PERIOD_NS" to arm the timer
 * every PERIOD_NS (plus a varying 0-1023 ns, so that the interrupts fall
 * at every phase of the loop) and fire vblank events until the timer has
 * fired N times; read "vblank V eoc E" of the last run.
 */
#include <linux/debugfs.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "cmdq_trace.h"

#define BADKEY_PIPE	7

static struct dentry *dir;
static DEFINE_MUTEX(run_lock);
static struct hrtimer timer;
static u64 period_ns;
static unsigned long want, fired, vblanks;

static enum hrtimer_restart badkey_timer(struct hrtimer *t)
{
	u64 now = ktime_get_ns();

	trace_cmdq_eoc_irq(0, fired, 0, BADKEY_PIPE, 0, now - 1000, now, now + 1000, 0,
			   false, 0);
	WRITE_ONCE(fired, fired + 1);
	if (fired >= want)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(period_ns + (fired * 7919) % 1024));
	return HRTIMER_RESTART;
}

static ssize_t run_write(struct file *file, const char __user *ubuf, size_t len,
			 loff_t *ppos)
{
	unsigned long n;
	u64 period;
	char buf[48];
	int err = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%lu %llu", &n, &period) != 2 || !n || period < 1000)
		return -EINVAL;

	mutex_lock(&run_lock);
	want = n;
	period_ns = period;
	WRITE_ONCE(fired, 0);
	vblanks = 0;
	/* the loop and the timer on one CPU: the timer is pinned to it */
	migrate_disable();
	hrtimer_start(&timer, ns_to_ktime(period), HRTIMER_MODE_REL_PINNED_HARD);
	while (READ_ONCE(fired) < want) {
		trace_cmdq_vblank(BADKEY_PIPE, 0, CMDQ_VBLANK_UNDERRUN, ktime_get_ns(),
				  CMDQ_MISS_RUNNING, vblanks, 0);
		vblanks++;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
	}
	hrtimer_cancel(&timer);
	migrate_enable();
	mutex_unlock(&run_lock);
	return err ? err : len;
}

static int run_show(struct seq_file *m, void *v)
{
	mutex_lock(&run_lock);
	seq_printf(m, "vblank %lu eoc %lu\n", vblanks, fired);
	mutex_unlock(&run_lock);
	return 0;
}

static int run_open(struct inode *inode, struct file *file)
{
	return single_open(file, run_show, NULL);
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.open = run_open,
	.read = seq_read,
	.write = run_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init badkey_init(void)
{
	hrtimer_init(&timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	timer.function = badkey_timer;
	dir = debugfs_create_dir("qlat_cmdq_badkey", NULL);
	debugfs_create_file("run", 0600, dir, NULL, &run_fops);
	return 0;
}

static void __exit badkey_exit(void)
{
	debugfs_remove_recursive(dir);
	hrtimer_cancel(&timer);
}

module_init(badkey_init);
module_exit(badkey_exit);
MODULE_DESCRIPTION("qlat test: cmdq tracepoints with bad keys from process and hardirq context");
MODULE_LICENSE("GPL");
