/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gce_sim: a software model of the MediaTek GCE (Global Command Engine)
 * registered as a mailbox controller, plus a display timing generator.
 *
 * Engine
 * ------
 * 16 threads, one mailbox channel each. send_data() queues the packet on
 * the thread's task list (pkt->node, pkt->priv = thread). An idle thread
 * starts it at once; a busy thread gets it chained the way the real driver
 * does: the last instruction of the previous packet (the JUMP(PASS) that
 * cmdq_pkt_finalize() appends) is patched into an absolute JUMP to the new
 * packet's pa_base. The list and the program counter are protected by the
 * per-thread raw spinlock.
 *
 * Each thread is executed by its own hrtimer (hard mode: hardirq context
 * even on PREEMPT_RT, since it is the hardware; it takes raw spinlocks
 * only and never calls out of the model). The thread keeps a simulated
 * clock sim_ns: the time at which its last instruction completed. A timer callback at time now
 * executes every instruction whose completion time sim_ns + inst_cost_ns is
 * not in the future (at most GCE_MAX_BATCH per callback) and re-arms the
 * timer at sim_ns + inst_cost_ns * batch, so simulated time advances by
 * cost x instructions and catches up with timer latency. inst_cost_ns = 0
 * runs until the task completes or blocks.
 *
 * Instructions (64-bit LE, ((op << 24 | arg_a) << 32) | arg_b):
 *  MASK   thread mask register = arg_b (~mask, as the helper encodes it)
 *  WRITE  reg = arg_b; with offset bit 0: reg = (reg & mask) | (arg_b & ~mask)
 *  POLL   wait until reg (masked with offset bit 0) == arg_b; re-checked every
 *         GCE_POLL_INTERVAL_NS; ERROR after poll_timeout_us (0: never)
 *  WFE    event = arg_a & 0xffff (< 1024). With WAIT: block until
 *         event == arg_b[11:0], then with UPDATE set it to arg_b[27:16]
 *         atomically. Without WAIT: UPDATE only. Waiters are woken (their
 *         timers kicked) whenever an event value changes.
 *  JUMP   relative: pc += (s32)arg_b << CMDQ_SHIFT_PA (multiple of 8,
 *         target inside the buffer or exactly its end). Absolute (arg_a
 *         bit 0): target pa = arg_b << CMDQ_SHIFT_PA; only a target inside
 *         the current buffer is followed; leaving the buffer other than
 *         through EOC is an ERROR. (CMDQ_SHIFT_PA is 0, the seed's MT8173.)
 *  EOC    without IRQ_EN: no-op. With IRQ_EN: raises the thread's IRQ. As
 *         on the hardware, whose IRQ handler completes a task only once the
 *         thread's PC has reached the task's last instruction, an EOC
 *         followed by more than that last instruction completes nothing:
 *         the thread runs on (eoc_mid counts these IRQs), to the next EOC
 *         or past the end of the buffer (an ERROR). The EOC before the
 *         last instruction, or in the last slot, completes the packet
 *         (status 0). The continuation is read from the packet's last
 *         instruction before the callback runs (the client owns the
 *         buffer afterwards): an absolute JUMP leads to the queued packet
 *         with that pa_base, which must be the next one in submission
 *         order (else chain_errors++ and the next queued packet runs
 *         anyway); anything else ends the run.
 *  LOGIC  upstream encoding; SPR0..3 per thread (reset at task start), GPR
 *         0x20..0x2f global. Shifts by >= 32 give 0.
 * Any other op code or operand error, running past the end of the buffer,
 * a POLL timeout or inst_limit instructions in one task raise the ERROR IRQ:
 * status -ENOEXEC, and the thread moves on to the next queued packet.
 *
 * Completion ("IRQ"): the engine records the finished task (pkt->eoc_ns =
 * ktime_get_ns(), status, deadline) in the thread's IRQ ring and raises
 * the thread's IRQ, an irq_work: the interrupt handler of real hardware,
 * i.e. hardirq context, and a thread on PREEMPT_RT (as a force-threaded
 * handler), so client callbacks may take spinlock_t and wake tasks. The
 * handler delivers the ring in order, one at a time per thread, with no
 * gce_sim lock held: trace_cmdq_eoc_irq(), then mbox_chan_received_data()
 * (the client may flush again from its callback, which re-enters
 * send_data()). Aborts and channel shutdown go through the same ring and
 * wait until the handler has delivered their packets. A ring of
 * GCE_IRQ_RING entries is the IRQ status the hardware keeps: with it full
 * the thread stops executing until the handler has made room.
 *
 * Timing generator
 * ----------------
 * Pipe p, frame k: SOF at T(k) raises event CMDQ_PIPE_SOF(p); EOF at
 * T(k) + period - vblank raises CMDQ_PIPE_EOF(p); T(k + 1) = T(k) + period.
 * All timestamps are the scheduled (hrtimer expiry) times. A WFE with WAIT
 * that passes on CMDQ_PIPE_EOF(p) while the event value was set by the
 * generator records pipe p, frame k and deadline_ns = T(k + 1) on the task
 * (a later such WFE in the same task overrides). The deadline is where a
 * miss is known, as on hardware that underruns at scan-out:
 *  - at each SOF of pipe p (ts = its scheduled time), after evt_lock is
 *    dropped, the pipe timer takes each thread's lock in turn: a current
 *    task released by p, not yet counted, with deadline_ns <= ts is a miss
 *    now, CMDQ_MISS_RUNNING (miss_counted set, so it stays one miss however
 *    many SOFs it runs past);
 *  - at EOC, ERROR or abort (gce_finish_cur): missed = (eoc_ns >
 *    deadline_ns) exactly. A task not counted at a SOF counts now if it is
 *    missed (CMDQ_MISS_LATE: the SOF timer had not run yet, or the generator
 *    stopped) or, with eoc_ns <= deadline_ns, failed after its release
 *    (status != 0: CMDQ_MISS_FAILED).
 * A miss increments the pipe's and the thread's miss counters and sets
 * CMDQ_PIPE_UNDERRUN(p) to 1 (under the locks), and fires
 * trace_cmdq_vblank(UNDERRUN, miss kind, packet id, thread) with no gce_sim
 * lock held: from the pipe timer for RUNNING, from the IRQ handler right
 * after the packet's cmdq_eoc_irq for LATE and FAILED. Its ts is the
 * deadline, or eoc_ns for FAILED. Each packet counts at most once, and
 * cmdq_eoc_irq's miss field gives the packet's kind (RUNNING included).
 *
 * Locking (outer to inner): mbox chan->lock (held by the framework around
 * send_data) -> thread lock -> evt_lock -> hrtimer base. evt_lock protects
 * the event table, the pipes' runtime state and each thread's wait_event;
 * a thread sets wait_event under evt_lock when it blocks, and whoever
 * changes an event kicks the waiters' timers under evt_lock, so no wakeup is
 * lost and no thread lock is taken while another one is held. Timers are
 * only ever (re)armed with hrtimer_start(), never forwarded. Callbacks to the
 * client and the UNDERRUN tracepoints are made with no gce_sim lock held.
 * The pipe timer (hard, irqs off) holds evt_lock for the SOF/EOF edge and
 * drops it before it takes the thread locks (raw_spin_lock) for the
 * deadline check above: thread lock -> evt_lock is the only order.
 *
 * Fault injection (debugfs "fault", or the gce_sim_set_* API):
 *  stall <thread> <us> [every]  stall the thread for <us>: once (every = 0)
 *      or on every <every>th task started. The stall hits right after the
 *      task's first WFE wait is released, or before its EOC if it has none.
 *  irq_delay <thread> <us>      delay each EOC IRQ of the thread by <us>
 *  bad_opcode <thread> [n]      the next n tasks fail at their first
 *      instruction (ERROR IRQ, buffer untouched)
 *  clear [<thread>]             clear the settings
 *
 * Files (one block of the hardware each; this header is the glue)
 * -----
 * gce_drv.c       module parameters, init/exit, the platform driver (its
 *                 probe registers the mailbox controller), whole-model API
 * gce_mbox.c      mailbox channel ops, the abort hook, the completion IRQ
 * gce_exec.c      thread helpers, instruction interpreter, thread timer,
 *                 thread statistics
 * gce_evt.c       the event table
 * gce_regs.c      the register file, GPRs and SPRs
 * gce_tg.c        the timing generator and the pipe API
 * gce_fault.c     the fault knobs and the engine's timing knobs
 * gce_debugfs.c   /sys/kernel/debug/gce_sim/
 * gce_selftest.c  the self-test (debugfs "selftest")
 */
#ifndef _GCE_SIM_PRIV_H
#define _GCE_SIM_PRIV_H

#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mailbox_controller.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <cmdq/cmdq.h>
#include <cmdq/gce_sim.h>

#define GCE_THREADS		CMDQ_THR_MAX_COUNT
#define GCE_REGS_PER_SUBSYS	(CMDQ_SUBSYS_SIZE / 4)
#define GCE_MAX_BATCH		1024	/* instructions per timer callback */
#define GCE_POLL_INTERVAL_NS	10000ULL
#define GCE_EVT_VAL_MASK	0xfff
#define GCE_IRQ_RING		64	/* completions raised, not yet handled */
#define GCE_JUMP_ABS_CMD(pa) \
	((u64)((CMDQ_CODE_JUMP << CMDQ_OP_CODE_SHIFT) | CMDQ_JUMP_ABSOLUTE) << 32 | \
	 (u32)((pa) >> CMDQ_SHIFT_PA))

struct gce_done {
	struct cmdq_pkt *pkt;
	int sta;
	int pipe;
	u32 frame;
	u32 inst;
	bool missed;		/* eoc_ns > deadline_ns */
	u32 miss;		/* CMDQ_MISS_*: the packet's deadline miss */
	bool underrun;		/* the miss was counted here: fire its UNDERRUN */
	u64 underrun_ns;	/* that UNDERRUN's ts_ns */
	u64 eoc_ns;
	u64 deadline_ns;
};

struct gce_thread {
	raw_spinlock_t lock;
	struct hrtimer timer;
	struct mbox_chan *chan;
	unsigned int id;
	bool bound;
	bool dead;		/* shutting down: queue, do not execute */
	struct list_head tasks;	/* pkt->node, submission order */
	struct cmdq_pkt *cur;	/* first of @tasks, or NULL when idle */
	/*
	 * The IRQ: completions are raised into irq_ring[irq_head] and handled
	 * from irq_ring[irq_tail] (free-running indexes, lock); irq_tail moves
	 * only once a completion has been delivered. One handler at a time
	 * (in_irq). held: the engine stopped for want of a ring entry.
	 */
	struct irq_work irq;
	struct gce_done irq_ring[GCE_IRQ_RING];
	u32 irq_head;
	u32 irq_tail;
	bool in_irq;
	bool held;
	wait_queue_head_t irq_wq;	/* aborts and shutdown, for irq_tail */
	u32 pc;
	u64 sim_ns;
	u32 task_inst;
	u32 mask;
	u32 spr[CMDQ_THR_SPR_MAX];
	int wait_evt;		/* evt_lock */
	bool waiting;
	bool polling;
	u64 poll_start_ns;
	/* state of the current task */
	bool invalid;
	bool bad;
	bool waited;
	bool stall_armed;
	bool eoc_delayed;
	u64 stall_ns;
	int pipe;
	u32 frame;
	u64 deadline_ns;
	bool miss_counted;	/* counted at a SOF, still running */
	/* fault knobs */
	u32 stall_us;
	u32 stall_every;
	u32 stall_seq;
	u32 irq_delay_us;
	u32 bad_count;
	struct gce_sim_thread_stats st;
};

struct gce_pipe {
	struct hrtimer timer;
	unsigned int id;
	u32 hz;			/* knobs, read at each SOF */
	u32 vblank_us;
	/* evt_lock */
	bool running;
	bool next_is_eof;
	u32 seq;		/* number of the next frame */
	u32 frame;		/* current frame */
	u64 sof_ns;
	u64 eof_ns;
	u64 next_sof_ns;
	bool eof_by_tg;		/* EOF event value was set by the generator */
	u32 eof_frame;
	u64 eof_deadline_ns;
	u64 frames;
	u64 eofs;
	u64 misses;
	u64 skipped;
};

struct gce_sim {
	struct platform_device *pdev;
	struct mbox_controller mbox;
	struct mbox_chan chans[GCE_THREADS];
	struct gce_thread thr[GCE_THREADS];
	bool probed;
	int probe_err;

	raw_spinlock_t evt_lock;
	u16 evt[CMDQ_MAX_EVENT];
	struct gce_pipe pipe[CMDQ_MAX_PIPES];

	struct mutex cfg_lock;	/* timing generator configuration */
	u32 npipes;
	bool tg_enabled;

	u32 *regs;		/* CMDQ_SUBSYS_COUNT x GCE_REGS_PER_SUBSYS */
	u32 gpr[CMDQ_GPR_MAX];

	struct dentry *dbg;
	struct mutex st_lock;	/* selftest */
	u32 st_passed;
	u32 st_failed;
};

extern struct gce_sim *gs;

/* module parameters (gce_drv.c), set at run time through gce_fault.c */
extern unsigned int gce_inst_cost_ns;
extern unsigned int gce_batch;
extern unsigned int gce_inst_limit;
extern unsigned int gce_poll_timeout_us;

static inline u64 gce_word(const struct cmdq_pkt *pkt, u32 off)
{
	return le64_to_cpu(*(__le64 *)(pkt->va_base + off));
}

static inline void gce_set_word(struct cmdq_pkt *pkt, u32 off, u64 w)
{
	*(__le64 *)(pkt->va_base + off) = cpu_to_le64(w);
}

static inline bool gce_pkt_ok(const struct cmdq_pkt *pkt)
{
	return pkt->va_base && pkt->cmd_buf_size >= CMDQ_INST_SIZE &&
	       pkt->cmd_buf_size <= pkt->buf_size &&
	       !(pkt->cmd_buf_size % CMDQ_INST_SIZE) && pkt->cmd_buf_size <= U32_MAX;
}

static inline u32 gce_slot(const struct cmdq_pkt *pkt)
{
	return pkt->cmd_buf_size - CMDQ_INST_SIZE;
}

static inline bool gce_pa_match(const struct cmdq_pkt *pkt, u32 target)
{
	return (u32)(pkt->pa_base >> CMDQ_SHIFT_PA) == target;
}

/* thread lock held */
static inline bool gce_irq_full(struct gce_thread *t)
{
	return t->irq_head - t->irq_tail >= GCE_IRQ_RING;
}

/* gce_evt.c; evt_lock held */
void gce_evt_set_locked(u32 ev, u32 val, bool by_tg);

/* gce_regs.c: the register at @off of subsys @subsys, or NULL */
u32 *gce_reg_ptr(u32 subsys, u32 off);

/* gce_exec.c: thread helpers, thread lock held */
void gce_arm(struct gce_thread *t);
void gce_unwait(struct gce_thread *t);
void gce_start_task(struct gce_thread *t, struct cmdq_pkt *pkt, u64 now);
void gce_unlink(struct gce_thread *t, struct cmdq_pkt *pkt);
void gce_count_status(struct gce_thread *t, int sta);
void gce_count_miss(struct gce_thread *t, int pipe);
void gce_record_last(struct gce_thread *t, struct gce_done *d);
void gce_finish_cur(struct gce_thread *t, int sta, struct gce_done *d);
/* gce_exec.c: the thread's hrtimer */
enum hrtimer_restart gce_thread_timer(struct hrtimer *timer);

/* gce_mbox.c */
extern const struct mbox_chan_ops gce_chan_ops;
extern const struct cmdq_gce_ops gce_ops;
void gce_irq_raise(struct gce_thread *t, const struct gce_done *d);
void gce_irq_handler(struct irq_work *work);
int gce_abort(struct mbox_chan *chan, struct cmdq_pkt *pkt, int sta);

/* gce_tg.c */
enum hrtimer_restart gce_pipe_timer(struct hrtimer *timer);
void gce_tg_stop(void);

/* gce_debugfs.c */
void gce_debugfs_init(void);

/* gce_selftest.c */
int gce_selftest_run(void);

#endif /* _GCE_SIM_PRIV_H */
