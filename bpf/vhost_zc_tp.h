/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Plain layouts of the vhost_zc:* tracepoint records, as in
 * /sys/kernel/tracing/events/vhost_zc/<event>/format, for the
 * SEC("tracepoint") fallback programs (see cmdq_tp.h). tests/vm/ checks
 * them against the format files.
 */
#ifndef __VHOST_ZC_TP_H
#define __VHOST_ZC_TP_H

#include "tp_common.h"

struct tp_vhost_zc_submit {
	struct tp_common c;
	__u32 dev;
	__u32 vq;
	__u32 head;
	__u32 len;
	__u32 zerocopy;
	__u64 submit_ns;
};

struct tp_vhost_zc_complete {
	struct tp_common c;
	__u32 dev;
	__u32 vq;
	__u32 head;
	__u32 success;
	__u32 copied;
	__u64 submit_ns;
	__u64 complete_ns;
	__u32 failed;
};

struct tp_vhost_zc_kiocb_dequeue {
	struct tp_common c;
	__u32 dev;
	__u32 vq;
	__u32 head;
	__u32 len;
	__u32 zerocopy;
	__u32 success;
	__u64 submit_ns;
	__u64 complete_ns;
	__u64 dequeue_ns;
	__u32 failed;
};

struct tp_vhost_zc_signal {
	struct tp_common c;
	__u32 dev;
	__u32 vq;
	__u32 count;
	__u32 used_idx;
	__u64 first_submit_ns;
	__u64 signal_ns;
	__u32 submit_ns;	/* __data_loc u64[]: offset | length << 16 */
	__u32 complete_ns;	/* __data_loc u64[] */
	__u32 dequeue_ns;	/* __data_loc u64[] */
	__u32 used;		/* __data_loc u32[]: VHOST_ZC_USED_* */
	__u32 packets;
};

/* vhost_zc_signal's used[]: the head and the outcome of each buffer */
#define VHOST_ZC_USED_HEAD	0xffffu
#define VHOST_ZC_USED_ZEROCOPY	(1u << 16)
#define VHOST_ZC_USED_SUCCESS	(1u << 17)
#define VHOST_ZC_USED_FAILED	(1u << 18)

#endif /* __VHOST_ZC_TP_H */
