/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmdq_frame.ko: the in-kernel display frame client, a client of
 * cmdq_helper.ko on gce_sim.ko. It plays the part of the upstream DRM
 * driver (mtk_crtc): for every frame of every driven display pipe it
 * commits one packet
 *   clear_event(EOF(p)), wfe(EOF(p)), N register writes, EOC, JUMP
 * with cmdq_pkt_flush_async() on the pipe's own GCE thread and checks the
 * callback's status and completion time against the frame's deadline (the
 * next SOF). Timing: a SCHED_FIFO kthread follows each pipe's schedule in
 * the model (gce_sim_get_pipe_stats()) and sleeps with an hrtimer until the
 * next edge. Frame k's packet is committed in the vblank before it, just
 * after EOF(k - 1) (plus commit_offset_us), so that its clear_event and WFE
 * run long before EOF(k), with a whole frame of slack against scheduling
 * delays; a packet committed during frame k's active region must be at
 * least FRAME_GUARD_US ahead of EOF(k), else the frame is counted as
 * skipped and gets none. So every frame gets at most one packet, and each
 * packet is released by its own frame's EOF. Knobs and faults: debugfs
 * cmdq_frame/ (see docs/cmdq.md).
 *
 * Files:
 *   cmdq_frame_client.c   the client: commit, timing kthread, start/stop,
 *                         the timeout probe, the counters, the module
 *   cmdq_frame_debugfs.c  the debugfs directory cmdq_frame/
 *
 * Private to cmdq_frame.ko.
 */
#ifndef _CMDQ_FRAME_PRIV_H
#define _CMDQ_FRAME_PRIV_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <cmdq/cmdq.h>

/*
 * Register writes per frame packet: up to 16384 (131 KB of instructions,
 * 1.6 ms of GCE time at 100 ns each), over the pipe's window of
 * FRAME_PIPE_REGS registers, round and round
 */
#define FRAME_MAX_WRITES	16384
#define FRAME_PIPE_REGS		1024
#define FRAME_PROBE_EVENT	(CMDQ_MAX_EVENT - 1)

/* same order as struct cmdq_ioc_frame_pipe_stats */
enum frame_stat {
	FS_COMMITTED,
	FS_CB_OK,
	FS_CB_ENOEXEC,
	FS_CB_ECONNABORTED,
	FS_CB_OTHER,
	FS_LATE,
	FS_LATE_INJECTED,
	FS_STALL_FRAMES,
	FS_BAD_FRAMES,
	FS_SKIPPED,
	FS_BUILD_ERRORS,
	FS_FLUSH_ERRORS,
	FS_NR,
};

struct frame_pipe {
	unsigned int id;
	struct cmdq_client *client;
	atomic_t inflight;
	atomic64_t st[FS_NR];
	/* owned by the kthread while enabled */
	bool have_last;
	u32 last_frame;
	u64 seq;		/* frames handled since enable (READ_ONCE elsewhere) */
};

/* the client: one instance, fc */
struct frame_client {
	struct mutex lock;	/* configuration, enable */
	bool enabled;
	struct task_struct *task;
	wait_queue_head_t drain;
	u32 pipes;
	u32 writes;
	u32 frames;
	u32 offset_us;
	/* faults, applied at enable */
	int stall_pipe;
	u32 stall_every;
	u32 stall_us;
	int irq_pipe;
	u32 irq_us;
	int bad_pipe;
	u32 bad_every;
	struct frame_pipe pipe[CMDQ_MAX_PIPES];
	/* timeout probe */
	struct mutex probe_lock;
	atomic64_t probes;
	atomic64_t timeouts;
	atomic64_t followup_ok;
	int probe_last_status;
	int probe_last_followup;
	struct dentry *dbg;
};

extern struct frame_client fc;

/* cmdq_frame_client.c; frame_start() and frame_stop() with fc.lock held */
int frame_start(void);
void frame_stop(void);
int frame_probe(u32 timeout_ms, u32 event);

/* cmdq_frame_debugfs.c */
void frame_debugfs_init(void);

#endif /* _CMDQ_FRAME_PRIV_H */
