/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmdq_helper.ko: build MediaTek GCE command packets and flush them to a
 * GCE thread through the mailbox framework.
 *
 * Implements the API of the seed patch "soc: mediatek: Add Mediatek CMDQ
 * helper" (v18) plus the upstream additions (poll, set/acquire event,
 * jump, logic/assign), with the seed's defects fixed: allocation failures
 * are checked, errors keep their errno instead of being folded into
 * -EFAULT, and a synchronous flush has a timeout after which the packet is
 * withdrawn from the engine before the (on-stack) completion goes away.
 *
 * Errno conventions:
 *   -EINVAL   bad argument: register offset not 4-byte aligned or outside
 *             the 64 KiB subsys window, unknown subsys/base, event >=
 *             CMDQ_MAX_EVENT, register not SPR0..3/GPR 0x20..0x2f, unknown
 *             logic operator, jump of 0 or not a multiple of 8 bytes,
 *             mailbox channel index out of range
 *   -EBUSY    append/finalize on a packet that is finalized or in flight,
 *             flush of a packet in flight, second GCE registration,
 *             channel already bound to a client
 *   -ENOSPC   the packet would exceed CMDQ_PKT_MAX_SIZE (1 MiB; the last
 *             two slots are kept for EOC + JUMP so that finalize fits)
 *   -ENOMEM   allocation failure
 *   -EPROBE_DEFER  cmdq_mbox_create() before any GCE is registered
 *   -ENODEV   the GCE driver is being unloaded
 *   -ENOBUFS  (or any other mbox_send_message() error) the mailbox refused
 *             the packet; the packet is no longer busy
 *   flush status: 0, -ENOEXEC (GCE error IRQ), -ECONNABORTED (channel shut
 *             down), -ETIMEDOUT (synchronous flush timed out and aborted)
 *
 * debugfs (/sys/kernel/debug/cmdq_helper/):
 *   stats           read: one "name value" line per counter, names as in
 *                   struct cmdq_helper_stats and in this order: pkt_created
 *                   pkt_destroyed pkt_leaked pkt_finalized flush_sync
 *                   flush_async send_errors cb_delivered cb_ok cb_enoexec
 *                   cb_econnaborted cb_etimedout cb_other sync_timeouts
 *                   clients gce_registered
 *   finalize_burst  write N (1..10000000): N times create a packet, append
 *                   one write, finalize it (one cmdq_pkt_finalize event),
 *                   destroy it. read: the last N completed, "N\n".
 *   selftest        read: runs the encoding self-test; one "ok NAME" or
 *                   "not ok NAME ..." line per check, then
 *                   "selftest: passed P failed F". It creates, finalizes
 *                   and destroys packets, which the counters include.
 *
 * Files:
 *   cmdq_helper_pkt.c      packet building: the subsys table, packets,
 *                          the instruction builders, finalize
 *   cmdq_helper_flush.c    the GCE's registration, mailbox clients, flush
 *                          (sync and async), abort, the completion
 *                          dispatcher; the tracepoints are created here
 *   cmdq_helper_debugfs.c  the counters, debugfs cmdq_helper/ (stats,
 *                          finalize_burst, the self-test), the module
 *
 * Private to cmdq_helper.ko.
 */
#ifndef _CMDQ_HELPER_PRIV_H
#define _CMDQ_HELPER_PRIV_H

#include <linux/atomic.h>
#include <linux/types.h>

#include <cmdq/cmdq.h>

enum cmdq_stat_idx {
	CMDQ_STAT_PKT_CREATED,
	CMDQ_STAT_PKT_DESTROYED,
	CMDQ_STAT_PKT_LEAKED,
	CMDQ_STAT_PKT_FINALIZED,
	CMDQ_STAT_FLUSH_SYNC,
	CMDQ_STAT_FLUSH_ASYNC,
	CMDQ_STAT_SEND_ERRORS,
	CMDQ_STAT_CB_DELIVERED,
	CMDQ_STAT_CB_OK,
	CMDQ_STAT_CB_ENOEXEC,
	CMDQ_STAT_CB_ECONNABORTED,
	CMDQ_STAT_CB_ETIMEDOUT,
	CMDQ_STAT_CB_OTHER,
	CMDQ_STAT_SYNC_TIMEOUTS,
	CMDQ_STAT_NR,
};

extern atomic64_t cmdq_stats[CMDQ_STAT_NR];
extern atomic_t cmdq_nr_clients;

/* The one registered GCE controller; all fields under cmdq_gce_lock */
struct cmdq_helper_gce {
	struct mbox_controller *mbox;
	const struct cmdq_gce_ops *ops;
	struct module *owner;	/* the GCE driver's module */
};

extern struct cmdq_helper_gce cmdq_gce;

static inline void cmdq_stat_inc(enum cmdq_stat_idx idx)
{
	atomic64_inc(&cmdq_stats[idx]);
}

static inline u64 cmdq_inst(u8 op, u32 arg_a, u32 arg_b)
{
	return (u64)(((u32)op << CMDQ_OP_CODE_SHIFT) | arg_a) << 32 | arg_b;
}

/* cmdq_helper_pkt.c: finalize without the busy check, for the flush path */
int __cmdq_pkt_finalize(struct cmdq_pkt *pkt);

#endif /* _CMDQ_HELPER_PRIV_H */
