/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost_zc tracepoints. They are a user ABI: docs/tracepoints.md documents
 * every field. Devices are named by a small id (the debugfs directory name),
 * buffers by their descriptor head, never by kernel pointer. Each event
 * carries the timestamps its consumers need (CLOCK_MONOTONIC ns), so that
 * latency tools need no in-flight map and no clock read of their own.
 *
 * vq is the virtqueue index of the vhost-net ABI: 0 RX, 1 TX.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vhost_zc

#if !defined(_VHOST_ZC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VHOST_ZC_TRACE_H

#include <linux/tracepoint.h>

/*
 * Every event registers through these (vzc_main.c): they keep one static
 * key, vzc_trace_key, on while any of the four has a consumer, so that
 * the hot paths test one branch, not four, before they read the clock.
 */
int vzc_trace_reg(void);
void vzc_trace_unreg(void);

/* A TX descriptor chain was handed to the socket (sendmsg returned). */
TRACE_EVENT_FN(vhost_zc_submit,
	       TP_PROTO(u32 dev, u32 vq, u32 desc_head, u32 len, bool zerocopy,
			u64 submit_ns),
	       TP_ARGS(dev, vq, desc_head, len, zerocopy, submit_ns),
	       TP_STRUCT__entry(__field(u32, dev)
				__field(u32, vq)
				__field(u32, head)
				__field(u32, len)
				__field(u32, zerocopy)
				__field(u64, submit_ns)
	       ),
	       TP_fast_assign(__entry->dev = dev;
			      __entry->vq = vq;
			      __entry->head = desc_head;
			      __entry->len = len;
			      __entry->zerocopy = zerocopy;
			      __entry->submit_ns = submit_ns;
	       ),
	       TP_printk("dev=%u vq=%u head=%u len=%u zerocopy=%u submit_ns=%llu",
			 __entry->dev, __entry->vq, __entry->head, __entry->len,
			 __entry->zerocopy, __entry->submit_ns),
	       vzc_trace_reg, vzc_trace_unreg
);

/*
 * The completion record of a TX chain was released (any context: the
 * zero-copy callback, or the submit path itself for a copied send or a
 * failed one). success is 0 when the stack had to copy a zero-copy buffer
 * after all, or the send failed; copied is 1 when the data was copied (sent
 * by copy, or a zero-copy buffer the stack copied); failed is 1 when
 * sendmsg failed (appended last, so older consumers read the same fields).
 */
TRACE_EVENT_FN(vhost_zc_complete,
	       TP_PROTO(u32 dev, u32 vq, u32 desc_head, bool success, bool copied,
			u64 submit_ns, u64 complete_ns, bool failed),
	       TP_ARGS(dev, vq, desc_head, success, copied, submit_ns, complete_ns,
		       failed),
	       TP_STRUCT__entry(__field(u32, dev)
				__field(u32, vq)
				__field(u32, head)
				__field(u32, success)
				__field(u32, copied)
				__field(u64, submit_ns)
				__field(u64, complete_ns)
				__field(u32, failed)
	       ),
	       TP_fast_assign(__entry->dev = dev;
			      __entry->vq = vq;
			      __entry->head = desc_head;
			      __entry->success = success;
			      __entry->copied = copied;
			      __entry->submit_ns = submit_ns;
			      __entry->complete_ns = complete_ns;
			      __entry->failed = failed;
	       ),
	       TP_printk("dev=%u vq=%u head=%u success=%u copied=%u submit_ns=%llu complete_ns=%llu failed=%u",
			 __entry->dev, __entry->vq, __entry->head, __entry->success,
			 __entry->copied, __entry->submit_ns, __entry->complete_ns,
			 __entry->failed),
	       vzc_trace_reg, vzc_trace_unreg
);

/*
 * The vq worker took a completed record off the notifier list and put its
 * head in the used ring (the seed's kiocb_dequeue). RX buffers, which are
 * filled by copy, go through the same accounting with all three timestamps
 * equal to the time the packet was copied. failed (appended last): the
 * send failed; success is then 0.
 */
TRACE_EVENT_FN(vhost_zc_kiocb_dequeue,
	       TP_PROTO(u32 dev, u32 vq, u32 desc_head, u32 len, bool zerocopy,
			bool success, u64 submit_ns, u64 complete_ns,
			u64 dequeue_ns, bool failed),
	       TP_ARGS(dev, vq, desc_head, len, zerocopy, success, submit_ns,
		       complete_ns, dequeue_ns, failed),
	       TP_STRUCT__entry(__field(u32, dev)
				__field(u32, vq)
				__field(u32, head)
				__field(u32, len)
				__field(u32, zerocopy)
				__field(u32, success)
				__field(u64, submit_ns)
				__field(u64, complete_ns)
				__field(u64, dequeue_ns)
				__field(u32, failed)
	       ),
	       TP_fast_assign(__entry->dev = dev;
			      __entry->vq = vq;
			      __entry->head = desc_head;
			      __entry->len = len;
			      __entry->zerocopy = zerocopy;
			      __entry->success = success;
			      __entry->submit_ns = submit_ns;
			      __entry->complete_ns = complete_ns;
			      __entry->dequeue_ns = dequeue_ns;
			      __entry->failed = failed;
	       ),
	       TP_printk("dev=%u vq=%u head=%u len=%u zerocopy=%u success=%u submit_ns=%llu complete_ns=%llu dequeue_ns=%llu failed=%u",
			 __entry->dev, __entry->vq, __entry->head, __entry->len,
			 __entry->zerocopy, __entry->success, __entry->submit_ns,
			 __entry->complete_ns, __entry->dequeue_ns, __entry->failed),
	       vzc_trace_reg, vzc_trace_unreg
);

/*
 * count used entries were published with one vhost_add_used_and_signal_n()
 * (the guest is interrupted unless it suppressed notifications).
 * first_submit_ns is the oldest submit time in the batch (RX: copy time).
 * TX also reports, for each entry in used ring order, what its
 * kiocb_dequeue event said (nsubmit == count; RX: nsubmit == 0), so that
 * a consumer of this event alone can time and count every buffer: its
 * submit, completion and dequeue times (0: the entry was submitted before
 * tracing began) and its head and outcome in used (VHOST_ZC_USED_*).
 * packets (appended, with complete_ns, dequeue_ns and used): the entries
 * that began a packet (RX with mergeable buffers: fewer than count; TX:
 * count), i.e. the kiocb_dequeue events of the batch.
 */
#ifndef VHOST_ZC_USED_HEAD
#define VHOST_ZC_USED_HEAD	0xffffu		/* the descriptor head */
#define VHOST_ZC_USED_ZEROCOPY	BIT(16)		/* sent zero-copy */
#define VHOST_ZC_USED_SUCCESS	BIT(17)		/* not copied, not failed */
#define VHOST_ZC_USED_FAILED	BIT(18)		/* the send failed */
#endif
TRACE_EVENT_FN(vhost_zc_signal,
	       TP_PROTO(u32 dev, u32 vq, u32 count, u32 used_idx,
			u64 first_submit_ns, u64 signal_ns, const u64 *submit_ns,
			u32 nsubmit, const u64 *complete_ns, const u64 *dequeue_ns,
			const u32 *used, u32 packets),
	       TP_ARGS(dev, vq, count, used_idx, first_submit_ns, signal_ns,
		       submit_ns, nsubmit, complete_ns, dequeue_ns, used, packets),
	       TP_STRUCT__entry(__field(u32, dev)
				__field(u32, vq)
				__field(u32, count)
				__field(u32, used_idx)
				__field(u64, first_submit_ns)
				__field(u64, signal_ns)
				__dynamic_array(u64, submit_ns, nsubmit)
				__dynamic_array(u64, complete_ns, nsubmit)
				__dynamic_array(u64, dequeue_ns, nsubmit)
				__dynamic_array(u32, used, nsubmit)
				__field(u32, packets)
	       ),
	       TP_fast_assign(__entry->dev = dev;
			      __entry->vq = vq;
			      __entry->count = count;
			      __entry->used_idx = used_idx;
			      __entry->first_submit_ns = first_submit_ns;
			      __entry->signal_ns = signal_ns;
			      memcpy(__get_dynamic_array(submit_ns), submit_ns,
				     nsubmit * sizeof(*submit_ns));
			      memcpy(__get_dynamic_array(complete_ns), complete_ns,
				     nsubmit * sizeof(*complete_ns));
			      memcpy(__get_dynamic_array(dequeue_ns), dequeue_ns,
				     nsubmit * sizeof(*dequeue_ns));
			      memcpy(__get_dynamic_array(used), used,
				     nsubmit * sizeof(*used));
			      __entry->packets = packets;
	       ),
	       TP_printk("dev=%u vq=%u count=%u used_idx=%u first_submit_ns=%llu signal_ns=%llu submit_ns=%s complete_ns=%s dequeue_ns=%s used=%s packets=%u",
			 __entry->dev, __entry->vq, __entry->count,
			 __entry->used_idx, __entry->first_submit_ns,
			 __entry->signal_ns,
			 __print_array(__get_dynamic_array(submit_ns),
				       __get_dynamic_array_len(submit_ns) / sizeof(u64),
				       sizeof(u64)),
			 __print_array(__get_dynamic_array(complete_ns),
				       __get_dynamic_array_len(complete_ns) / sizeof(u64),
				       sizeof(u64)),
			 __print_array(__get_dynamic_array(dequeue_ns),
				       __get_dynamic_array_len(dequeue_ns) / sizeof(u64),
				       sizeof(u64)),
			 __print_array(__get_dynamic_array(used),
				       __get_dynamic_array_len(used) / sizeof(u32),
				       sizeof(u32)),
			 __entry->packets),
	       vzc_trace_reg, vzc_trace_unreg
);

#endif /* _VHOST_ZC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vhost_zc_trace
#include <trace/define_trace.h>
