/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gce_sim.ko: software model of the MediaTek GCE (a mailbox controller with
 * CMDQ_THR_MAX_COUNT threads) and of a display timing generator. This is
 * the API it exports to sibling modules (/dev/cmdq, the frame client).
 *
 * Model summary (details in kernel/cmdq/gce_sim_priv.h):
 * - Registers: subsys 1..CMDQ_SUBSYS_COUNT, u32 registers at
 *   CMDQ_SUBSYS_BASE(subsys) + offset (offset < CMDQ_SUBSYS_SIZE, 4-aligned).
 * - GPRs CMDQ_GPR_BASE + 0..CMDQ_GPR_MAX-1 are global (shared by all
 *   threads, like the hardware's); SPR0..3 are per thread and reset to 0
 *   when a task starts.
 * - Chaining: a packet flushed to a busy thread is linked by patching the
 *   last instruction of the previous packet into an absolute JUMP whose
 *   arg_b is pa_base >> CMDQ_SHIFT_PA. The patched slot is restored to
 *   CMDQ_JUMP_PASS_CMD when that packet leaves the thread.
 * - Display pipe p raises CMDQ_PIPE_SOF(p) at frame start and
 *   CMDQ_PIPE_EOF(p) at the end of the active region; a packet released
 *   by EOF of frame k must reach EOC by the scheduled SOF of frame k + 1,
 *   else it missed (CMDQ_PIPE_UNDERRUN(p) is set and the miss counted).
 */
#ifndef __QLAT_GCE_SIM_H__
#define __QLAT_GCE_SIM_H__

#include <linux/types.h>
#include <cmdq/cmdq.h>

#define GCE_SIM_HZ_MIN		30
#define GCE_SIM_HZ_MAX		240
/*
 * The most instructions one task may execute (inst_limit): a looping
 * packet at inst_cost_ns = 0 runs in the thread timer's hard-irq
 * callbacks, GCE_MAX_BATCH instructions at a time, until it hits the
 * limit, so the limit bounds that stretch of back-to-back hard irqs
 */
#define GCE_SIM_INST_LIMIT_MAX	1000000

/* gce_sim_thread_stats.last_err: why the last ERROR IRQ was raised */
enum gce_sim_err {
	GCE_SIM_ERR_NONE = 0,
	GCE_SIM_ERR_OPCODE = 1,		/* unknown op code */
	GCE_SIM_ERR_OPERAND = 2,	/* bad subsys/offset/event/register/logic op */
	GCE_SIM_ERR_JUMP = 3,		/* jump outside the buffer or misaligned */
	GCE_SIM_ERR_END = 4,		/* ran past the end of the buffer without EOC */
	GCE_SIM_ERR_LIMIT = 5,		/* per-task instruction limit reached */
	GCE_SIM_ERR_POLL_TIMEOUT = 6,	/* POLL did not match within poll_timeout_us */
	GCE_SIM_ERR_INJECTED = 7,	/* bad opcode injected by the fault knob */
	GCE_SIM_ERR_PKT = 8,		/* malformed packet (NULL buffer, bad size) */
};

/* gce_sim_thread_stats.state */
enum gce_sim_thread_state {
	GCE_SIM_THR_IDLE = 0,	/* no task */
	GCE_SIM_THR_RUN = 1,	/* executing (or stalled) */
	GCE_SIM_THR_WAIT = 2,	/* blocked in WFE */
	GCE_SIM_THR_POLL = 3,	/* re-checking a POLL */
};

/**
 * struct gce_sim_thread_stats - counters and state of one GCE thread
 * @submitted: packets accepted by send_data
 * @chained: of those, packets linked behind a busy thread (JUMP patched)
 * @inst: instructions executed (all tasks)
 * @done: EOC IRQs (callbacks with status 0)
 * @errors: ERROR IRQs (callbacks with -ENOEXEC)
 * @aborted: packets withdrawn by ops.abort or channel shutdown
 * @poll_timeouts: ERRORs caused by a POLL timeout (included in @errors)
 * @limit_errors: ERRORs caused by the instruction limit (in @errors)
 * @injected: ERRORs caused by the bad-opcode fault knob (in @errors)
 * @stalls: thread stalls injected by the fault knob
 * @irq_delays: EOC IRQs delayed by the fault knob
 * @chain_errors: EOC continuations whose final JUMP did not lead to the
 *	next queued packet (model consistency check; must stay 0)
 * @misses: deadline misses of packets of this thread
 * @eoc_mid: EOC IRQs raised before a task's end, which completed nothing
 *	(the thread ran on)
 * @irq_held: times the thread stopped because GCE_IRQ_RING completions
 *	were raised and not yet handled (it goes on when the handler runs)
 * @queued: packets currently owned by the thread (running + chained +
 *	completed with the callback not yet delivered)
 * @state: enum gce_sim_thread_state
 * @wait_event: event the thread blocks on, or -1
 * @bound: a mailbox client is bound to the channel
 * @last_status: status of the last completed packet
 * @last_pkt_id: id of the last completed packet
 * @last_pipe: pipe whose EOF released the last packet, or -1
 * @last_frame: frame whose EOF released the last packet
 * @last_inst: instructions the last packet executed
 * @last_missed: the last packet completed after its deadline (eoc > deadline)
 * @last_err: enum gce_sim_err of the last ERROR
 * @last_err_pc: byte offset in its buffer of the faulting instruction
 * @last_err_word: the faulting instruction (0 if not fetched)
 * @last_eoc_ns: eoc_ns of the last completed packet
 * @last_deadline_ns: deadline_ns of the last completed packet (0 if none)
 */
struct gce_sim_thread_stats {
	u64 submitted;
	u64 chained;
	u64 inst;
	u64 done;
	u64 errors;
	u64 aborted;
	u64 poll_timeouts;
	u64 limit_errors;
	u64 injected;
	u64 stalls;
	u64 irq_delays;
	u64 chain_errors;
	u64 misses;
	u64 irq_held;
	u64 eoc_mid;
	u32 queued;
	u32 state;
	s32 wait_event;
	u32 bound;
	s32 last_status;
	u32 last_pkt_id;
	s32 last_pipe;
	u32 last_frame;
	u32 last_inst;
	u32 last_missed;
	u32 last_err;
	u32 last_err_pc;
	u64 last_err_word;
	u64 last_eoc_ns;
	u64 last_deadline_ns;
};

/**
 * struct gce_sim_pipe_stats - counters and schedule of one display pipe
 * @frames: frames started (SOF raised) since load or the last stats reset
 * @eofs: EOFs raised
 * @misses: packets released by this pipe's EOF that missed their deadline:
 *	still running at it, completed after it, or failed after the release
 *	(= cmdq_vblank UNDERRUN events = cmdq_eoc_irq events with miss != 0
 *	and this pipe, once the packets have ended)
 * @skipped: frames skipped because the timer ran more than a frame late
 * @running: the pipe's timer is running
 * @hz: refresh rate
 * @vblank_us: configured vblank length (0: 10% of the frame)
 * @frame: sequence number of the current frame (monotonic since load)
 * @in_vblank: running, and between an EOF and the next SOF (the phase from
 *	the generator's state: the counters above are zeroed by a stats reset
 *	and left one apart by a stop between a SOF and its EOF)
 * @sof_ns: scheduled SOF time of the current frame
 * @eof_ns: scheduled EOF time of the current frame
 * @next_sof_ns: scheduled SOF time of the next frame
 */
struct gce_sim_pipe_stats {
	u64 frames;
	u64 eofs;
	u64 misses;
	u64 skipped;
	u32 running;
	u32 hz;
	u32 vblank_us;
	u32 frame;
	u32 in_vblank;
	u64 sof_ns;
	u64 eof_ns;
	u64 next_sof_ns;
};

struct device *gce_sim_get_device(void);

int gce_sim_get_thread_stats(int thread, struct gce_sim_thread_stats *st);
int gce_sim_get_pipe_stats(int pipe, struct gce_sim_pipe_stats *st);
void gce_sim_reset_stats(void);

int gce_sim_read_reg(u32 pa, u32 *val);
int gce_sim_write_reg(u32 pa, u32 val);
int gce_sim_read_regs(u32 pa, u32 *buf, u32 count);
int gce_sim_read_gpr(u32 idx, u32 *val);
int gce_sim_read_spr(int thread, u32 idx, u32 *val);
int gce_sim_get_event(u32 event, u32 *val);
int gce_sim_set_event(u32 event, u32 val);

/* engine knobs */
void gce_sim_set_inst_cost(u32 ns);
u32 gce_sim_get_inst_cost(void);
int gce_sim_set_batch(u32 inst);
int gce_sim_set_inst_limit(u32 inst);
void gce_sim_set_poll_timeout(u32 us);

/* timing generator knobs */
int gce_sim_set_enable(bool on);
int gce_sim_set_pipes(u32 pipes);
u32 gce_sim_get_pipes(void);
int gce_sim_set_refresh(int pipe, u32 hz);
int gce_sim_set_vblank(int pipe, u32 us);

/* fault injection */
int gce_sim_set_stall(int thread, u32 us, u32 every);
int gce_sim_set_irq_delay(int thread, u32 us);
int gce_sim_inject_bad_opcode(int thread, u32 count);

#endif /* __QLAT_GCE_SIM_H__ */
