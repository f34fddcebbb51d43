/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmdq tracepoints. They are a user ABI: docs/tracepoints.md documents
 * every field. Packets are named by id, never by kernel pointer, and each
 * event carries the timestamps its consumers need, so that latency tools
 * need no in-flight map and no clock read of their own.
 *
 * All cmdq:* events are created by cmdq_helper.ko and exported to the GCE
 * model (gce_sim.ko).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM cmdq

#if !defined(_CMDQ_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _CMDQ_TRACE_H

#include <linux/tracepoint.h>

/* cmdq_vblank.type */
#define CMDQ_VBLANK_SOF		0
#define CMDQ_VBLANK_EOF		1
#define CMDQ_VBLANK_UNDERRUN	2

/* cmdq_vblank.miss, cmdq_eoc_irq.miss: why a packet missed its deadline */
#define CMDQ_MISS_NONE		0	/* no miss */
#define CMDQ_MISS_LATE		1	/* completed after the deadline */
#define CMDQ_MISS_RUNNING	2	/* still running at the deadline (SOF) */
#define CMDQ_MISS_FAILED	3	/* error or abort after its release */

TRACE_EVENT(cmdq_pkt_finalize,
	    TP_PROTO(u32 id, u32 inst),
	    TP_ARGS(id, inst),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, inst)
	    ),
	    TP_fast_assign(__entry->id = id;
			   __entry->inst = inst;
	    ),
	    TP_printk("pkt=%u inst=%u", __entry->id, __entry->inst)
);

TRACE_EVENT(cmdq_pkt_flush,
	    TP_PROTO(u32 id, u32 thread, bool async, u32 inst, u64 flush_ns),
	    TP_ARGS(id, thread, async, inst, flush_ns),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, thread)
			     __field(u32, async)
			     __field(u32, inst)
			     __field(u64, flush_ns)
	    ),
	    TP_fast_assign(__entry->id = id;
			   __entry->thread = thread;
			   __entry->async = async;
			   __entry->inst = inst;
			   __entry->flush_ns = flush_ns;
	    ),
	    TP_printk("pkt=%u thread=%u async=%u inst=%u flush_ns=%llu",
		      __entry->id, __entry->thread, __entry->async, __entry->inst,
		      __entry->flush_ns)
);

/*
 * EOC or ERROR interrupt of a GCE thread, in its interrupt handler
 * (hardirq, or a thread on PREEMPT_RT).
 * pipe is -1 when the packet did not wait on a display EOF; otherwise
 * frame/deadline_ns name the frame whose EOF released the packet and the
 * next SOF, and missed is 1 exactly when eoc_ns > deadline_ns. miss is the
 * packet's deadline miss (CMDQ_MISS_*, the kind of its UNDERRUN), also for
 * an error or abort after the release with eoc_ns <= deadline_ns.
 */
TRACE_EVENT(cmdq_eoc_irq,
	    TP_PROTO(u32 thread, u32 id, int status, int pipe, u32 frame,
		     u64 flush_ns, u64 eoc_ns, u64 deadline_ns, u32 inst, bool missed,
		     u32 miss),
	    TP_ARGS(thread, id, status, pipe, frame, flush_ns, eoc_ns, deadline_ns,
		    inst, missed, miss),
	    TP_STRUCT__entry(__field(u32, thread)
			     __field(u32, id)
			     __field(s32, status)
			     __field(s32, pipe)
			     __field(u32, frame)
			     __field(u32, inst)
			     __field(u64, flush_ns)
			     __field(u64, eoc_ns)
			     __field(u64, deadline_ns)
			     __field(u32, missed)
			     __field(u32, miss)
	    ),
	    TP_fast_assign(__entry->thread = thread;
			   __entry->id = id;
			   __entry->status = status;
			   __entry->pipe = pipe;
			   __entry->frame = frame;
			   __entry->inst = inst;
			   __entry->flush_ns = flush_ns;
			   __entry->eoc_ns = eoc_ns;
			   __entry->deadline_ns = deadline_ns;
			   __entry->missed = missed;
			   __entry->miss = miss;
	    ),
	    TP_printk("thread=%u pkt=%u status=%d pipe=%d frame=%u inst=%u flush_ns=%llu eoc_ns=%llu deadline_ns=%llu missed=%u miss=%s",
		      __entry->thread, __entry->id, __entry->status, __entry->pipe,
		      __entry->frame, __entry->inst, __entry->flush_ns,
		      __entry->eoc_ns, __entry->deadline_ns, __entry->missed,
		      __print_symbolic(__entry->miss,
				       { CMDQ_MISS_NONE, "none" },
				       { CMDQ_MISS_LATE, "late" },
				       { CMDQ_MISS_RUNNING, "running" },
				       { CMDQ_MISS_FAILED, "failed" }))
);

/* The client's flush callback is about to run (any context). */
TRACE_EVENT(cmdq_pkt_cb,
	    TP_PROTO(u32 id, u32 thread, int status, u64 eoc_ns, u64 cb_ns),
	    TP_ARGS(id, thread, status, eoc_ns, cb_ns),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, thread)
			     __field(s32, status)
			     __field(u64, eoc_ns)
			     __field(u64, cb_ns)
	    ),
	    TP_fast_assign(__entry->id = id;
			   __entry->thread = thread;
			   __entry->status = status;
			   __entry->eoc_ns = eoc_ns;
			   __entry->cb_ns = cb_ns;
	    ),
	    TP_printk("pkt=%u thread=%u status=%d eoc_ns=%llu cb_ns=%llu",
		      __entry->id, __entry->thread, __entry->status,
		      __entry->eoc_ns, __entry->cb_ns)
);

/*
 * Display timing generator: SOF, EOF or UNDERRUN of one pipe. SOF and EOF:
 * ts_ns is the scheduled edge; miss, id and thread are 0, 0 and -1.
 * UNDERRUN: a packet (id, on GCE thread @thread) released by the EOF of
 * the frame numbered @frame missed its deadline; miss says how
 * (CMDQ_MISS_*), and ts_ns is the deadline (the SOF) for CMDQ_MISS_LATE
 * and CMDQ_MISS_RUNNING, the interrupt time for CMDQ_MISS_FAILED.
 */
TRACE_EVENT(cmdq_vblank,
	    TP_PROTO(u32 pipe, u32 frame, u32 type, u64 ts_ns, u32 miss, u32 id,
		     int thread),
	    TP_ARGS(pipe, frame, type, ts_ns, miss, id, thread),
	    TP_STRUCT__entry(__field(u32, pipe)
			     __field(u32, frame)
			     __field(u32, type)
			     __field(u64, ts_ns)
			     __field(u32, miss)
			     __field(u32, id)
			     __field(s32, thread)
	    ),
	    TP_fast_assign(__entry->pipe = pipe;
			   __entry->frame = frame;
			   __entry->type = type;
			   __entry->ts_ns = ts_ns;
			   __entry->miss = miss;
			   __entry->id = id;
			   __entry->thread = thread;
	    ),
	    TP_printk("pipe=%u frame=%u type=%s ts_ns=%llu miss=%s pkt=%u thread=%d",
		      __entry->pipe, __entry->frame,
		      __print_symbolic(__entry->type,
				       { CMDQ_VBLANK_SOF, "SOF" },
				       { CMDQ_VBLANK_EOF, "EOF" },
				       { CMDQ_VBLANK_UNDERRUN, "UNDERRUN" }),
		      __entry->ts_ns,
		      __print_symbolic(__entry->miss,
				       { CMDQ_MISS_NONE, "none" },
				       { CMDQ_MISS_LATE, "late" },
				       { CMDQ_MISS_RUNNING, "running" },
				       { CMDQ_MISS_FAILED, "failed" }),
		      __entry->id, __entry->thread)
);

#endif /* _CMDQ_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE cmdq_trace
#include <trace/define_trace.h>
