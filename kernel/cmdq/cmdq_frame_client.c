// SPDX-License-Identifier: GPL-2.0
/*
 * cmdq_frame: the display frame client (cmdq_frame_priv.h has the
 * overview): packets, the timing kthread, start/stop, the timeout probe,
 * the counters and the module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include <cmdq/cmdq.h>
#include <cmdq/cmdq_frame.h>
#include <cmdq/gce_sim.h>
#include <uapi/linux/cmdq.h>
#include "cmdq_frame_priv.h"

static_assert(CMDQ_IOC_NR_PIPES == CMDQ_MAX_PIPES);

/*
 * register writes of pipe p go to subsys 1, offset FRAME_REG_OFF(p, i):
 * write i of frame k is reg (i % FRAME_PIPE_REGS) = k << 12 | that index
 */
#define FRAME_REG_OFF(p, i)	(0x8000 + (p) * 0x1000 + (i) * 4)
#define FRAME_GUARD_US		1000	/* commit at least this long before EOF */
#define FRAME_IDLE_NS		(10 * NSEC_PER_MSEC)
#define FRAME_MIN_SLEEP_NS	(100 * NSEC_PER_USEC)
#define FRAME_POLL_NS		(250 * NSEC_PER_USEC)	/* waiting for the previous packet */
#define FRAME_BAD_WORD		0xdd000000deadbeefULL	/* op code 0xdd does not exist */
#define FRAME_DRAIN_MS		200

static unsigned int frame_thread = 4;
module_param(frame_thread, uint, 0444);
MODULE_PARM_DESC(frame_thread,
		 "First GCE thread of the frame client: pipe p uses frame_thread + p, the timeout probe frame_thread + 3 (0..12)");

static bool frame_enable;
module_param(frame_enable, bool, 0444);
MODULE_PARM_DESC(frame_enable, "Start the frame client at load");

static unsigned int frame_pipes = 2;
module_param(frame_pipes, uint, 0444);
MODULE_PARM_DESC(frame_pipes, "Display pipes the frame client drives (1..3)");

static unsigned int frame_writes = 16;
module_param(frame_writes, uint, 0444);
MODULE_PARM_DESC(frame_writes, "Register writes per frame (1..16384)");

static unsigned int frame_frames;
module_param(frame_frames, uint, 0444);
MODULE_PARM_DESC(frame_frames, "Frames per pipe, then stop committing (0: no limit)");

static unsigned int frame_commit_offset_us;
module_param(frame_commit_offset_us, uint, 0444);
MODULE_PARM_DESC(frame_commit_offset_us,
		 "Commit frame k's packet this long after EOF(k - 1) (default 0: at once)");

/* per packet, for the callback */
struct frame_job {
	struct frame_pipe *fp;
	u64 deadline_ns;
	bool stall;
};

struct frame_client fc;

static int frame_thread_of(int pipe)
{
	return frame_thread + pipe;
}

static inline void fs_inc(struct frame_pipe *fp, enum frame_stat i)
{
	atomic64_inc(&fp->st[i]);
}

static void frame_cb(struct cmdq_cb_data data)
{
	struct frame_job *job = data.data;
	struct frame_pipe *fp = job->fp;

	switch (data.sta) {
	case 0:
		fs_inc(fp, FS_CB_OK);
		if (data.pkt->eoc_ns > job->deadline_ns) {
			fs_inc(fp, FS_LATE);
			if (job->stall)
				fs_inc(fp, FS_LATE_INJECTED);
		}
		break;
	case -ENOEXEC:
		fs_inc(fp, FS_CB_ENOEXEC);
		break;
	case -ECONNABORTED:
		fs_inc(fp, FS_CB_ECONNABORTED);
		break;
	default:
		fs_inc(fp, FS_CB_OTHER);
		break;
	}
	cmdq_pkt_destroy(data.pkt);
	kfree(job);
	if (atomic_dec_and_test(&fp->inflight))
		wake_up(&fc.drain);
}

/* The mtk_crtc-shaped packet of frame @idx of pipe @fp */
static void frame_commit(struct frame_pipe *fp, u64 idx, u64 deadline_ns)
{
	struct cmdq_base base = { .subsys = 1, .base = CMDQ_SUBSYS_BASE(1) };
	u32 eof = CMDQ_PIPE_EOF(fp->id), i, r;
	struct frame_job *job;
	struct cmdq_pkt *pkt;
	bool bad;
	int err;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job || cmdq_pkt_create(&pkt)) {
		kfree(job);
		fs_inc(fp, FS_BUILD_ERRORS);
		return;
	}
	err = cmdq_pkt_clear_event(pkt, eof) ?: cmdq_pkt_wfe(pkt, eof);
	for (i = 0; i < fc.writes && !err; i++) {
		r = i % FRAME_PIPE_REGS;
		err = cmdq_pkt_write(pkt, (u32)(idx << 12) | r, &base, FRAME_REG_OFF(fp->id, r));
	}
	if (!err)
		err = cmdq_pkt_finalize(pkt);
	if (err) {
		cmdq_pkt_destroy(pkt);
		kfree(job);
		fs_inc(fp, FS_BUILD_ERRORS);
		return;
	}

	bad = fc.bad_pipe == fp->id && fc.bad_every && idx % fc.bad_every == fc.bad_every - 1;
	if (bad) {
		/* the first register write becomes an unknown op code */
		((u64 *)pkt->va_base)[2] = FRAME_BAD_WORD;
		fs_inc(fp, FS_BAD_FRAMES);
	}
	/* gce_sim stalls every stall_every-th task of the thread: this one */
	job->stall = fc.stall_pipe == fp->id && fc.stall_us && fc.stall_every &&
		     idx % fc.stall_every == fc.stall_every - 1;
	if (job->stall)
		fs_inc(fp, FS_STALL_FRAMES);
	job->fp = fp;
	job->deadline_ns = deadline_ns;

	atomic_inc(&fp->inflight);
	err = cmdq_pkt_flush_async(fp->client, pkt, frame_cb, job);
	if (err) {
		atomic_dec(&fp->inflight);
		cmdq_pkt_destroy(pkt);
		kfree(job);
		fs_inc(fp, FS_FLUSH_ERRORS);
		return;
	}
	fs_inc(fp, FS_COMMITTED);
}

/*
 * One look at pipe @fp at time @now: commit the next frame's packet if it
 * has none yet. Returns when to look again.
 *
 * Frame k's packet is committed in the vblank of frame k - 1 (right after
 * EOF(k - 1), as a DRM client does upon its vblank event), plus
 * commit_offset_us, once frame k - 1's packet has completed (as a DRM
 * driver refuses a flip while the previous one is pending). If that is
 * later, it may still be committed during frame k's active region up to
 * FRAME_GUARD_US before EOF(k). Later than that its WFE could miss EOF(k)
 * and be released by EOF(k + 1): the frame is counted as skipped and gets
 * no packet. So a late packet never shifts the following frames.
 */
static u64 frame_step(struct frame_pipe *fp, u64 now)
{
	u64 offset = (u64)fc.offset_us * NSEC_PER_USEC;
	struct gce_sim_pipe_stats ps;
	u64 deadline, period, look;
	bool in_vblank, late;
	u32 target, gap;

	/*
	 * The phase comes from the generator's own state, not from its
	 * counters: a stats reset zeroes those, and a stop between SOF and
	 * EOF leaves them one apart for good.
	 */
	if (gce_sim_get_pipe_stats(fp->id, &ps) || !ps.running || !ps.sof_ns || !ps.hz)
		return now + NSEC_PER_MSEC;
	in_vblank = ps.in_vblank;
	if (in_vblank) {
		period = div_u64(NSEC_PER_SEC, ps.hz);
		target = ps.frame + 1;
		deadline = ps.next_sof_ns + period;
		look = ps.next_sof_ns + 50 * NSEC_PER_USEC;
		if (now < ps.eof_ns + offset && !(fp->have_last && fp->last_frame == target))
			return ps.eof_ns + offset;
	} else {
		target = ps.frame;
		deadline = ps.next_sof_ns;
		look = ps.eof_ns + 50 * NSEC_PER_USEC;
	}
	if (fp->have_last && fp->last_frame == target)
		return look;	/* committed; look again after the next edge */

	/* too close to EOF: the packet could wait for the next frame's */
	late = !in_vblank && now + FRAME_GUARD_US * NSEC_PER_USEC > ps.eof_ns;
	/* the previous frame's packet is still out (a DRM flip pending) */
	if (!late && atomic_read(&fp->inflight))
		return now + FRAME_POLL_NS;

	gap = fp->have_last ? target - fp->last_frame : 1;
	fp->have_last = true;
	fp->last_frame = target;
	if (late) {
		atomic64_add(gap, &fp->st[FS_SKIPPED]);
		return look;
	}
	if (gap > 1)
		atomic64_add(gap - 1, &fp->st[FS_SKIPPED]);
	frame_commit(fp, fp->seq, deadline);
	WRITE_ONCE(fp->seq, fp->seq + 1);
	return look;
}

static int frame_kthread(void *unused)
{
	ktime_t kt;
	u64 now, wake;
	u32 p;

	sched_set_fifo(current);
	while (!kthread_should_stop()) {
		now = ktime_get_ns();
		wake = now + FRAME_IDLE_NS;
		for (p = 0; p < fc.pipes; p++) {
			struct frame_pipe *fp = &fc.pipe[p];

			if (fc.frames && fp->seq >= fc.frames)
				continue;
			wake = min(wake, frame_step(fp, now));
		}
		/*
		 * Always sleep a little: an edge whose time has passed may not
		 * have been raised yet (its timer runs late on another CPU),
		 * and a SCHED_FIFO loop must not spin waiting for it.
		 */
		wake = max(wake, ktime_get_ns() + FRAME_MIN_SLEEP_NS);
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		kt = ns_to_ktime(wake);
		schedule_hrtimeout_range(&kt, 20 * NSEC_PER_USEC, HRTIMER_MODE_ABS);
	}
	return 0;
}

static bool frame_drained(void)
{
	u32 p;

	for (p = 0; p < fc.pipes; p++)
		if (atomic_read(&fc.pipe[p].inflight))
			return false;
	return true;
}

/* fc.lock held */
void frame_stop(void)
{
	u32 p;

	if (!fc.enabled)
		return;
	kthread_stop(fc.task);
	fc.task = NULL;
	/* packets waiting for an EOF finish within a frame; abort the rest */
	wait_event_timeout(fc.drain, frame_drained(), msecs_to_jiffies(FRAME_DRAIN_MS));
	for (p = 0; p < fc.pipes; p++) {
		gce_sim_set_stall(frame_thread_of(p), 0, 0);
		gce_sim_set_irq_delay(frame_thread_of(p), 0);
		cmdq_mbox_destroy(fc.pipe[p].client);
		fc.pipe[p].client = NULL;
	}
	fc.enabled = false;
}

/* fc.lock held */
int frame_start(void)
{
	struct device *dev = gce_sim_get_device();
	struct task_struct *task;
	struct cmdq_client *cl;
	int err = 0;
	u32 p;

	if (fc.enabled)
		return 0;
	if (!dev)
		return -ENODEV;
	if (gce_sim_get_pipes() < fc.pipes) {
		err = gce_sim_set_pipes(fc.pipes);
		if (err)
			return err;
	}
	for (p = 0; p < fc.pipes; p++) {
		struct frame_pipe *fp = &fc.pipe[p];

		cl = cmdq_mbox_create(dev, frame_thread_of(p));
		if (IS_ERR(cl)) {
			err = PTR_ERR(cl);
			if (err == -EPROBE_DEFER)
				err = -ENODEV;
			goto err_unbind;
		}
		fp->client = cl;
		fp->have_last = false;
		fp->seq = 0;
		/* the model counts tasks from here: stall every Nth frame */
		gce_sim_set_stall(frame_thread_of(p),
				  fc.stall_pipe == p && fc.stall_every ? fc.stall_us : 0,
				  fc.stall_every);
		gce_sim_set_irq_delay(frame_thread_of(p), fc.irq_pipe == p ? fc.irq_us : 0);
	}
	task = kthread_run(frame_kthread, NULL, "cmdq_frame");
	if (IS_ERR(task)) {
		err = PTR_ERR(task);
		goto err_unbind;
	}
	fc.task = task;
	fc.enabled = true;
	return 0;

err_unbind:
	while (p--) {
		gce_sim_set_stall(frame_thread_of(p), 0, 0);
		gce_sim_set_irq_delay(frame_thread_of(p), 0);
		cmdq_mbox_destroy(fc.pipe[p].client);
		fc.pipe[p].client = NULL;
	}
	return err;
}

/*
 * The event that never fires: a synchronous flush of clear_event(E) +
 * wfe(E) with a timeout must come back with -ETIMEDOUT, and the next packet
 * on the same thread must run.
 */
int frame_probe(u32 timeout_ms, u32 event)
{
	struct cmdq_base base = { .subsys = 1, .base = CMDQ_SUBSYS_BASE(1) };
	struct device *dev = gce_sim_get_device();
	int thread = frame_thread_of(CMDQ_MAX_PIPES);
	struct cmdq_client *cl;
	struct cmdq_pkt *pkt;
	int sta, sta2, err;
	u64 n;

	if (!dev)
		return -ENODEV;
	mutex_lock(&fc.probe_lock);
	cl = cmdq_mbox_create(dev, thread);
	if (IS_ERR(cl)) {
		err = PTR_ERR(cl);
		goto out;
	}
	n = atomic64_inc_return(&fc.probes);

	err = cmdq_pkt_create(&pkt);
	if (err)
		goto out_destroy;
	sta = cmdq_pkt_clear_event(pkt, event) ?: cmdq_pkt_wfe(pkt, event) ?:
	      cmdq_pkt_flush(cl, pkt, timeout_ms);
	cmdq_pkt_destroy(pkt);
	if (sta == -ETIMEDOUT)
		atomic64_inc(&fc.timeouts);

	err = cmdq_pkt_create(&pkt);
	if (err)
		goto out_destroy;
	sta2 = cmdq_pkt_write(pkt, (u32)n, &base, FRAME_REG_OFF(CMDQ_MAX_PIPES, 0)) ?:
	       cmdq_pkt_flush(cl, pkt, CMDQ_FLUSH_TIMEOUT_DEFAULT_MS);
	cmdq_pkt_destroy(pkt);
	if (sta == -ETIMEDOUT && !sta2)
		atomic64_inc(&fc.followup_ok);
	WRITE_ONCE(fc.probe_last_status, sta);
	WRITE_ONCE(fc.probe_last_followup, sta2);
out_destroy:
	cmdq_mbox_destroy(cl);
out:
	mutex_unlock(&fc.probe_lock);
	return err;
}

/**
 * cmdq_frame_get_stats() - the frame client's configuration and counters
 * @st: filled in: the configuration, whether the run is done, the timeout
 *      probe's results and the counters of every pipe
 *
 * For CMDQ_IOC_STATS of /dev/cmdq (cmdq_dev.ko) and debugfs cmdq_frame/stats.
 * Sleeps (takes the configuration lock).
 */
void cmdq_frame_get_stats(struct cmdq_ioc_frame_stats *st)
{
	bool done = true;
	u32 p, i;

	memset(st, 0, sizeof(*st));
	mutex_lock(&fc.lock);
	st->enabled = fc.enabled;
	st->pipes = fc.pipes;
	st->writes = fc.writes;
	st->frames = fc.frames;
	st->commit_offset_us = fc.offset_us;
	for (p = 0; p < CMDQ_MAX_PIPES; p++) {
		struct cmdq_ioc_frame_pipe_stats *ps = &st->pipe[p];
		struct frame_pipe *fp = &fc.pipe[p];
		u64 *dst = &ps->committed;

		for (i = 0; i < FS_NR; i++)
			dst[i] = atomic64_read(&fp->st[i]);
		ps->thread = frame_thread_of(p);
		ps->inflight = atomic_read(&fp->inflight);
		ps->last_frame = READ_ONCE(fp->last_frame);
		if (p < fc.pipes && (!fc.frames || READ_ONCE(fp->seq) < fc.frames ||
				     ps->inflight))
			done = false;
	}
	st->done = fc.enabled && done;
	mutex_unlock(&fc.lock);
	st->probes = atomic64_read(&fc.probes);
	st->timeouts = atomic64_read(&fc.timeouts);
	st->probe_followup_ok = atomic64_read(&fc.followup_ok);
	st->probe_last_status = READ_ONCE(fc.probe_last_status);
	st->probe_last_followup = READ_ONCE(fc.probe_last_followup);
}
EXPORT_SYMBOL_GPL(cmdq_frame_get_stats);

static_assert(offsetof(struct cmdq_ioc_frame_pipe_stats, flush_errors) ==
	      (FS_NR - 1) * sizeof(__u64));

/* ---- module -------------------------------------------------------------------------- */

static int __init cmdq_frame_init(void)
{
	int p, err;

	if (frame_thread > CMDQ_THR_MAX_COUNT - CMDQ_MAX_PIPES - 1 || frame_pipes < 1 ||
	    frame_pipes > CMDQ_MAX_PIPES || frame_writes < 1 ||
	    frame_writes > FRAME_MAX_WRITES ||
	    frame_commit_offset_us > USEC_PER_SEC / GCE_SIM_HZ_MIN)
		return -EINVAL;

	mutex_init(&fc.lock);
	mutex_init(&fc.probe_lock);
	init_waitqueue_head(&fc.drain);
	fc.pipes = frame_pipes;
	fc.writes = frame_writes;
	fc.frames = frame_frames;
	fc.offset_us = frame_commit_offset_us;
	fc.stall_pipe = -1;
	fc.irq_pipe = -1;
	fc.bad_pipe = -1;
	for (p = 0; p < CMDQ_MAX_PIPES; p++)
		fc.pipe[p].id = p;

	frame_debugfs_init();
	if (frame_enable) {
		mutex_lock(&fc.lock);
		err = frame_start();
		mutex_unlock(&fc.lock);
		if (err) {
			debugfs_remove_recursive(fc.dbg);
			return err;
		}
	}
	return 0;
}

static void __exit cmdq_frame_exit(void)
{
	debugfs_remove_recursive(fc.dbg);
	mutex_lock(&fc.lock);
	frame_stop();
	mutex_unlock(&fc.lock);
}

module_init(cmdq_frame_init);
module_exit(cmdq_frame_exit);

MODULE_DESCRIPTION("A display frame client of the CMDQ helper on the GCE model (like mtk_crtc)");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: cmdq_helper gce_sim");
