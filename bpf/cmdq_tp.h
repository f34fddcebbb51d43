/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Plain layouts of the cmdq:* tracepoint records, as in
 * /sys/kernel/tracing/events/cmdq/<event>/format. The SEC("tracepoint")
 * fallback programs use these instead of the module's BTF types, so they
 * load when the module has no BTF (no CO-RE relocation against module
 * types). tests/vm/ checks them against the format files.
 */
#ifndef __CMDQ_TP_H
#define __CMDQ_TP_H

#include "tp_common.h"

struct tp_cmdq_pkt_finalize {
	struct tp_common c;
	__u32 id;
	__u32 inst;
};

struct tp_cmdq_pkt_flush {
	struct tp_common c;
	__u32 id;
	__u32 thread;
	__u32 async;
	__u32 inst;
	__u64 flush_ns;
};

struct tp_cmdq_eoc_irq {
	struct tp_common c;
	__u32 thread;
	__u32 id;
	__s32 status;
	__s32 pipe;
	__u32 frame;
	__u32 inst;
	__u64 flush_ns;
	__u64 eoc_ns;
	__u64 deadline_ns;
	__u32 missed;
	__u32 miss;
};

struct tp_cmdq_pkt_cb {
	struct tp_common c;
	__u32 id;
	__u32 thread;
	__s32 status;
	__u64 eoc_ns;
	__u64 cb_ns;
};

struct tp_cmdq_vblank {
	struct tp_common c;
	__u32 pipe;
	__u32 frame;
	__u32 type;
	__u64 ts_ns;
	__u32 miss;
	__u32 id;
	__s32 thread;
};

#endif /* __CMDQ_TP_H */
