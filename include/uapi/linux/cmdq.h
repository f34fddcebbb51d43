/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/cmdq: build, encode and submit GCE command packets from userspace
 * (cmdq_dev.ko). For tests, fuzzing and load generators; root only (0600).
 * docs/cmdq.md is the reference.
 *
 * Conventions:
 * - every struct has a fixed size and explicit padding; user pointers are
 *   __u64; all fields named "reserved" and every flag bit not defined here
 *   must be zero (EINVAL otherwise);
 * - an op (struct cmdq_ioc_op) must leave the fields its type does not use
 *   at zero (EINVAL otherwise);
 * - errors are the ioctl's errno: EINVAL (bad field), E2BIG (count over a
 *   documented maximum), EFAULT (bad user pointer), ENOTTY (unknown ioctl),
 *   and per ioctl as documented below.
 */
#ifndef _UAPI_LINUX_CMDQ_H
#define _UAPI_LINUX_CMDQ_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CMDQ_IOC_VERSION	1

/* Geometry of the GCE model */
#define CMDQ_IOC_NR_THREADS	16	/* GCE threads 0..15 */
#define CMDQ_IOC_NR_PIPES	3	/* display pipes 0..2 */
#define CMDQ_IOC_NR_EVENTS	1024	/* events 0..1023 */
#define CMDQ_IOC_REG_BASE	0x14000000u	/* subsys 1; subsys n at + (n - 1) << 16 */
#define CMDQ_IOC_REG_COUNT	(3 * 0x10000 / 4)	/* u32 registers of subsys 1..3 */

/* Limits */
#define CMDQ_IOC_MAX_OPS	4096	/* ops or raw words per SUBMIT/BUILD */
#define CMDQ_IOC_MAX_TICKETS	1024	/* async packets per fd (pending + unreaped) */
#define CMDQ_IOC_DEFAULT_TIMEOUT_MS	1000	/* sync SUBMIT with timeout_ms == 0 */
#define CMDQ_IOC_MAX_TIMEOUT_MS	10000	/* sync SUBMIT and WAIT */
#define CMDQ_WAIT_FOREVER	0xffffffffu	/* WAIT: no timeout (interruptible) */

/* struct cmdq_ioc_op.op */
enum cmdq_ioc_op_type {
	CMDQ_OP_WRITE = 1,		/* subsys, base, offset, value */
	CMDQ_OP_WRITE_MASK = 2,		/* subsys, base, offset, value, mask */
	CMDQ_OP_POLL = 3,		/* subsys, base, offset, value */
	CMDQ_OP_POLL_MASK = 4,		/* subsys, base, offset, value, mask */
	CMDQ_OP_WFE = 5,		/* event: wait for it, then clear it */
	CMDQ_OP_CLEAR_EVENT = 6,	/* event */
	CMDQ_OP_SET_EVENT = 7,		/* event */
	CMDQ_OP_ACQUIRE_EVENT = 8,	/* event: wait until clear, then set */
	CMDQ_OP_JUMP = 9,		/* value: relative jump in bytes (__s32) */
	CMDQ_OP_ASSIGN = 10,		/* reg, value */
	CMDQ_OP_LOGIC = 11,		/* reg, lop, left, right, flags */
	CMDQ_OP_MAX = CMDQ_OP_LOGIC,
};

/* struct cmdq_ioc_op.lop: LOGIC operators (the GCE's encoding) */
enum cmdq_ioc_logic_op {
	CMDQ_LOP_ASSIGN = 0,
	CMDQ_LOP_ADD = 1,
	CMDQ_LOP_SUB = 2,
	CMDQ_LOP_MUL = 3,
	CMDQ_LOP_XOR = 8,
	CMDQ_LOP_NOT = 9,
	CMDQ_LOP_OR = 10,
	CMDQ_LOP_AND = 11,
	CMDQ_LOP_SHL = 12,
	CMDQ_LOP_SHR = 13,
};

/* struct cmdq_ioc_op.flags (LOGIC only) */
#define CMDQ_OPF_LEFT_REG	0x01	/* left is a register index, else a 16-bit immediate */
#define CMDQ_OPF_RIGHT_REG	0x02	/* right is a register index */

/* GCE registers of ASSIGN/LOGIC: SPR 0..3 (per thread), GPR 0x20..0x2f (global) */
#define CMDQ_IOC_GPR(n)		(0x20 + (n))

/**
 * struct cmdq_ioc_op - one operation of a packet (32 bytes)
 * @op: enum cmdq_ioc_op_type
 * @flags: LOGIC: CMDQ_OPF_*; must be 0 for other ops
 * @subsys: register ops: GCE subsys 1..3
 * @lop: LOGIC: enum cmdq_ioc_logic_op
 * @base: register ops: physical base of the register window; 0 means the
 *	start of @subsys (CMDQ_IOC_REG_BASE + ((@subsys - 1) << 16)); must lie
 *	in the window of @subsys
 * @offset: register ops: byte offset from @base, 4-aligned, inside the window
 * @value: WRITE/POLL: the value; ASSIGN: the immediate; JUMP: the relative
 *	jump in bytes as a __s32 (non-zero multiple of 8)
 * @mask: WRITE_MASK/POLL_MASK: the bits to write/compare
 * @event: event ops: 0..CMDQ_IOC_NR_EVENTS-1
 * @reg: ASSIGN/LOGIC: destination register
 * @left: LOGIC: left operand (register index or immediate, see @flags)
 * @right: LOGIC: right operand
 * @reserved: must be 0
 */
struct cmdq_ioc_op {
	__u8 op;
	__u8 flags;
	__u8 subsys;
	__u8 lop;
	__u32 base;
	__u32 offset;
	__u32 value;
	__u32 mask;
	__u32 event;
	__u16 reg;
	__u16 left;
	__u16 right;
	__u16 reserved;
};

/**
 * struct cmdq_ioc_bind - CMDQ_IOC_BIND argument
 * @thread: GCE thread 0..CMDQ_IOC_NR_THREADS-1
 * @flags: must be 0
 */
struct cmdq_ioc_bind {
	__u32 thread;
	__u32 flags;
};

/* struct cmdq_ioc_submit.flags */
#define CMDQ_SUBMIT_ASYNC	0x1	/* return a ticket at once; reap with WAIT */
#define CMDQ_SUBMIT_RAW		0x2	/* @data is __u64 instruction words, not ops */

/**
 * struct cmdq_ioc_submit - CMDQ_IOC_SUBMIT argument (48 bytes)
 * @data: user pointer to struct cmdq_ioc_op[@count], or with
 *	CMDQ_SUBMIT_RAW to __u64[@count] instruction words copied as they are
 * @count: 1..CMDQ_IOC_MAX_OPS
 * @flags: CMDQ_SUBMIT_*
 * @timeout_ms: sync only: 0 (CMDQ_IOC_DEFAULT_TIMEOUT_MS) ..
 *	CMDQ_IOC_MAX_TIMEOUT_MS; must be 0 with CMDQ_SUBMIT_ASYNC
 * @error_index: out: index in @data of the op that was rejected, or
 *	0xffffffff
 * @ticket: out: async: the ticket (> 0) to WAIT for
 * @pkt_id: out: the packet id (as in the cmdq:* tracepoints)
 * @inst: out: instructions in the packet, EOC + JUMP included
 * @status: out: sync: the completion status (also the ioctl's result)
 * @reserved: must be 0
 */
struct cmdq_ioc_submit {
	__u64 data;
	__u32 count;
	__u32 flags;
	__u32 timeout_ms;
	__u32 error_index;
	__u64 ticket;
	__u32 pkt_id;
	__u32 inst;
	__s32 status;
	__u32 reserved;
};

/**
 * struct cmdq_ioc_wait - CMDQ_IOC_WAIT argument (48 bytes)
 * @ticket: the ticket to reap, or 0 for the oldest completion of this fd
 * @timeout_ms: 0: do not block (EAGAIN if not complete); 1 ..
 *	CMDQ_IOC_MAX_TIMEOUT_MS (ETIMEDOUT); or CMDQ_WAIT_FOREVER
 * @flags: must be 0
 * @done_ticket: out: the ticket reaped
 * @status: out: 0, -ENOEXEC (GCE error), -ECONNABORTED (aborted by UNBIND)
 * @pkt_id: out: the packet id
 * @flush_ns: out: CLOCK_MONOTONIC flush time
 * @eoc_ns: out: CLOCK_MONOTONIC completion (EOC/error/abort) time
 */
struct cmdq_ioc_wait {
	__u64 ticket;
	__u32 timeout_ms;
	__u32 flags;
	__u64 done_ticket;
	__s32 status;
	__u32 pkt_id;
	__u64 flush_ns;
	__u64 eoc_ns;
};

/* struct cmdq_ioc_build.flags */
#define CMDQ_BUILD_FINALIZE	0x1	/* append EOC + JUMP(PASS) as a flush would */

/**
 * struct cmdq_ioc_build - CMDQ_IOC_BUILD argument (40 bytes)
 * @ops: user pointer to struct cmdq_ioc_op[@count]
 * @words: user pointer to __u64[@max_words], receives the encoded packet
 * @count: 1..CMDQ_IOC_MAX_OPS
 * @max_words: capacity of @words
 * @flags: CMDQ_BUILD_*
 * @nwords: out: instruction words in the packet (also set with EOVERFLOW,
 *	when @max_words is too small and nothing was copied)
 * @error_index: out: as in struct cmdq_ioc_submit
 * @reserved: must be 0
 */
struct cmdq_ioc_build {
	__u64 ops;
	__u64 words;
	__u32 count;
	__u32 max_words;
	__u32 flags;
	__u32 nwords;
	__u32 error_index;
	__u32 reserved;
};

/**
 * struct cmdq_ioc_regs - CMDQ_IOC_REGS argument (24 bytes)
 * @pa: physical address of the first register, 4-aligned, inside
 *	CMDQ_IOC_REG_BASE .. + CMDQ_IOC_REG_COUNT * 4
 * @count: 1..CMDQ_IOC_REG_COUNT registers, all inside the file
 * @buf: user pointer to __u32[@count]
 * @flags: must be 0
 * @reserved: must be 0
 */
struct cmdq_ioc_regs {
	__u32 pa;
	__u32 count;
	__u64 buf;
	__u32 flags;
	__u32 reserved;
};

/* struct cmdq_ioc_event.flags */
#define CMDQ_EVENT_SET		0x1	/* set the event to @value (as the CPU would) */

/**
 * struct cmdq_ioc_event - CMDQ_IOC_EVENT argument: read or set an event
 * @event: 0..CMDQ_IOC_NR_EVENTS-1
 * @value: in (CMDQ_EVENT_SET): 0..0xfff; out: the value after the call
 * @flags: CMDQ_EVENT_*
 * @reserved: must be 0
 */
struct cmdq_ioc_event {
	__u32 event;
	__u32 value;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct cmdq_ioc_info - CMDQ_IOC_INFO result
 * @version: CMDQ_IOC_VERSION
 * @thread: the GCE thread this fd is bound to, or -1
 * @nr_threads: CMDQ_IOC_NR_THREADS
 * @nr_pipes: display pipes running in the model
 * @nr_events: CMDQ_IOC_NR_EVENTS
 * @max_ops: CMDQ_IOC_MAX_OPS
 * @max_tickets: CMDQ_IOC_MAX_TICKETS
 * @max_timeout_ms: CMDQ_IOC_MAX_TIMEOUT_MS
 * @pending: this fd's async packets in flight
 * @done: this fd's completed async packets not yet reaped
 * @reserved: zero
 */
struct cmdq_ioc_info {
	__u32 version;
	__s32 thread;
	__u32 nr_threads;
	__u32 nr_pipes;
	__u32 nr_events;
	__u32 max_ops;
	__u32 max_tickets;
	__u32 max_timeout_ms;
	__u32 pending;
	__u32 done;
	__u32 reserved[6];
};

/* Counters of cmdq_helper.ko (see struct cmdq_helper_stats) */
struct cmdq_ioc_helper_stats {
	__u64 pkt_created;
	__u64 pkt_destroyed;
	__u64 pkt_leaked;
	__u64 pkt_finalized;
	__u64 flush_sync;
	__u64 flush_async;
	__u64 send_errors;
	__u64 cb_delivered;
	__u64 cb_ok;
	__u64 cb_enoexec;
	__u64 cb_econnaborted;
	__u64 cb_etimedout;
	__u64 cb_other;
	__u64 sync_timeouts;
	__u64 clients;
	__u64 gce_registered;
};

/*
 * Counters of /dev/cmdq (all fds, since load). A SUBMIT either flushes a
 * packet (sync_flushed or async_flushed) or is rejected (submit_rejected).
 */
struct cmdq_ioc_dev_stats {
	__u64 opens;
	__u64 releases;
	__u64 binds;
	__u64 bind_errors;
	__u64 unbinds;
	__u64 submits;		/* SUBMIT ioctls */
	__u64 submit_rejected;	/* SUBMITs that flushed nothing */
	__u64 raw_flushed;	/* flushed SUBMITs with CMDQ_SUBMIT_RAW */
	__u64 sync_flushed;
	__u64 sync_ok;
	__u64 sync_enoexec;
	__u64 sync_etimedout;
	__u64 sync_econnaborted;
	__u64 sync_other;
	__u64 async_flushed;
	__u64 async_ok;
	__u64 async_enoexec;
	__u64 async_econnaborted;
	__u64 async_other;
	__u64 reaped;		/* tickets reaped by WAIT */
	__u64 release_aborted;	/* async packets aborted by close() */
	__u64 builds;		/* successful BUILDs */
	__u64 tasks_live;	/* async packets not yet freed (gauge) */
	__u64 reserved;
};

/* Counters of the frame client, per pipe (since load or "reset") */
struct cmdq_ioc_frame_pipe_stats {
	__u64 committed;	/* packets flushed, one per frame */
	__u64 cb_ok;
	__u64 cb_enoexec;
	__u64 cb_econnaborted;
	__u64 cb_other;
	__u64 late;		/* cb_ok with eoc_ns > the frame's deadline (next SOF) */
	__u64 late_injected;	/* of @late, frames with an injected stall */
	__u64 stall_frames;	/* frames whose packet got the stall fault */
	__u64 bad_frames;	/* frames whose packet got a bad opcode */
	__u64 skipped;		/* frames without a packet (commit window missed) */
	__u64 build_errors;
	__u64 flush_errors;
	__u32 thread;
	__u32 inflight;
	__u64 last_frame;	/* model frame number of the last commit */
};

struct cmdq_ioc_frame_stats {
	__u32 enabled;
	__u32 done;		/* every pipe committed its frames and drained */
	__u32 pipes;
	__u32 writes;
	__u32 frames;
	__u32 commit_offset_us;
	__u64 probes;		/* timeout probes run */
	__u64 timeouts;		/* of which the flush returned -ETIMEDOUT */
	__u64 probe_followup_ok;	/* of which the next packet on the thread ran */
	__s32 probe_last_status;
	__s32 probe_last_followup;
	struct cmdq_ioc_frame_pipe_stats pipe[CMDQ_IOC_NR_PIPES];
};

/* gce_sim thread counters (see struct gce_sim_thread_stats) */
struct cmdq_ioc_thread_stats {
	__u64 submitted;
	__u64 chained;
	__u64 inst;
	__u64 done;
	__u64 errors;
	__u64 aborted;
	__u64 poll_timeouts;
	__u64 limit_errors;
	__u64 injected;
	__u64 stalls;
	__u64 irq_delays;
	__u64 chain_errors;
	__u64 misses;
	__u32 queued;
	__u32 state;		/* 0 idle, 1 run, 2 wait (WFE), 3 poll */
	__s32 wait_event;
	__u32 bound;
	__s32 last_status;
	__u32 last_pkt_id;
	__s32 last_pipe;
	__u32 last_frame;
	__u32 last_inst;
	__u32 last_missed;
	__u32 last_err;
	__u32 last_err_pc;
	__u64 last_err_word;
	__u64 last_eoc_ns;
	__u64 last_deadline_ns;
};

/* gce_sim display pipe counters (see struct gce_sim_pipe_stats) */
struct cmdq_ioc_pipe_stats {
	__u64 frames;
	__u64 eofs;
	__u64 misses;
	__u64 skipped;
	__u32 running;
	__u32 hz;
	__u32 vblank_us;
	__u32 frame;
	__u64 sof_ns;
	__u64 eof_ns;
	__u64 next_sof_ns;
};

/**
 * struct cmdq_ioc_stats - CMDQ_IOC_STATS result: every counter at once
 * @version: CMDQ_IOC_VERSION
 * @nr_threads: CMDQ_IOC_NR_THREADS
 * @nr_pipes: CMDQ_IOC_NR_PIPES
 * @reserved: zero
 * @helper: cmdq_helper.ko
 * @dev: /dev/cmdq
 * @frame: the frame client
 * @thread: gce_sim threads
 * @pipe: gce_sim display pipes
 */
struct cmdq_ioc_stats {
	__u32 version;
	__u32 nr_threads;
	__u32 nr_pipes;
	__u32 reserved;
	struct cmdq_ioc_helper_stats helper;
	struct cmdq_ioc_dev_stats dev;
	struct cmdq_ioc_frame_stats frame;
	struct cmdq_ioc_thread_stats thread[CMDQ_IOC_NR_THREADS];
	struct cmdq_ioc_pipe_stats pipe[CMDQ_IOC_NR_PIPES];
};

#define CMDQ_IOC_MAGIC		0xC7

/* Bind this fd to a GCE thread. EBUSY: the thread has a client; EISCONN: already bound */
#define CMDQ_IOC_BIND		_IOW(CMDQ_IOC_MAGIC, 0x00, struct cmdq_ioc_bind)
/* Unbind: pending async packets complete with -ECONNABORTED. ENOTCONN: not bound */
#define CMDQ_IOC_UNBIND		_IO(CMDQ_IOC_MAGIC, 0x01)
/* Build, finalize and flush a packet (binds the fd first if needed) */
#define CMDQ_IOC_SUBMIT		_IOWR(CMDQ_IOC_MAGIC, 0x02, struct cmdq_ioc_submit)
/* Reap a completed async packet */
#define CMDQ_IOC_WAIT		_IOWR(CMDQ_IOC_MAGIC, 0x03, struct cmdq_ioc_wait)
/* Encode ops into words without flushing */
#define CMDQ_IOC_BUILD		_IOWR(CMDQ_IOC_MAGIC, 0x04, struct cmdq_ioc_build)
/* Read a range of the emulated register file */
#define CMDQ_IOC_REGS		_IOW(CMDQ_IOC_MAGIC, 0x05, struct cmdq_ioc_regs)
/* Read or set an event */
#define CMDQ_IOC_EVENT		_IOWR(CMDQ_IOC_MAGIC, 0x06, struct cmdq_ioc_event)
/* This fd and the limits */
#define CMDQ_IOC_INFO		_IOR(CMDQ_IOC_MAGIC, 0x07, struct cmdq_ioc_info)
/* All counters */
#define CMDQ_IOC_STATS		_IOR(CMDQ_IOC_MAGIC, 0x08, struct cmdq_ioc_stats)

#endif /* _UAPI_LINUX_CMDQ_H */
