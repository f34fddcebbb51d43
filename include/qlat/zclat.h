/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between bpf/zclat.bpf.c, bpf/zcstock.bpf.c and tools/zclat.c */
#ifndef __QLAT_ZCLAT_H
#define __QLAT_ZCLAT_H

#include "hist.h"

#define ZCLAT_VQS	2	/* vq 0 = RX, vq 1 = TX (vhost-net's numbering) */
#define ZCLAT_VQ_TX	1

/* Histograms: index = metric * ZCLAT_VQS + vq */
enum zclat_metric {
	ZCLAT_SUBMIT_COMPLETE,	/* zero-copy sends: sendmsg -> ubuf callback (pinned time) */
	ZCLAT_COMPLETE_DEQUEUE,	/* zero-copy sends: callback -> used ring (notification delay) */
	ZCLAT_SUBMIT_SIGNAL,	/* every used TX buffer: submit -> guest signalled */
	ZCLAT_BATCH,		/* used entries per signal (a count, not ns) */
	ZCLAT_NR_METRICS,
};
#define ZCLAT_NR_HISTS	(ZCLAT_NR_METRICS * ZCLAT_VQS)

/* Event counters (per-CPU array, summed by the tool) */
enum zclat_counter {
	ZCLAT_EV_SUBMIT,	/* TX chains handed to the socket */
	ZCLAT_EV_SUBMIT_ZC,	/* ... with a ubuf_info (zero-copy) */
	ZCLAT_EV_SUBMIT_COPY,	/* ... copied at submit (small, backoff, over the bound) */
	ZCLAT_EV_COMPLETE,	/* completions: vhost_zc_complete / stock's ubuf callback */
	ZCLAT_EV_USED_ZC,	/* zero-copy buffers put in the used ring */
	ZCLAT_EV_ZC_COPIED,	/* ... that the stack copied after all (success=false) */
	ZCLAT_EV_DEQUEUE,	/* used entries written (vhost-zc-net: TX and RX) */
	ZCLAT_EV_SIGNAL,	/* add_used_and_signal_n() calls */
	ZCLAT_EV_SIGNALED,	/* used entries in those calls */
	ZCLAT_EV_FILTERED,	/* events dropped by --vq/--dev */
	ZCLAT_EV_BADKEY,	/* vq out of range: counted, not binned */
	ZCLAT_EV_UNMATCHED,	/* signalled entries with no submit time (attached late) */
	ZCLAT_EV_MAP_FULL,	/* --stock: device table full (--max-devices), the buffer is not timed */
	ZCLAT_EV_PARTIAL,	/* --stock: callback of a cloned skb, not the last */
	ZCLAT_EV_PURGED,	/* --stock: timed sends never signalled (device released) */
	ZCLAT_EV_OVER,		/* submit->signal over --threshold */
	ZCLAT_EV_RB_DROP,	/* evidence records lost: ring buffer full */
	ZCLAT_NR_COUNTERS,
};

/* What the BPF programs count and bin: one per-CPU element (map "state") */
struct zclat_state {
	__u64 counters[ZCLAT_NR_COUNTERS];
	struct qlat_hist hists[ZCLAT_NR_HISTS];
	__u64 stock_dev;	/* --stock: the devs element (+ 1) this CPU's last
				 * signal used; a hint to bpf/zcstock.bpf.c, not a
				 * figure */
};

/* vhost_zc_signal reports at most this many submit times (VZC_BATCH) */
#define ZCLAT_BATCH_MAX	64

/* --stock: a zero-copy send in flight (submit_ns 0: none timed) */
struct zclat_inflight {
	__u64 submit_ns;
	__u64 complete_ns;	/* 0 until the callback ran */
};

/*
 * --stock: one stock vhost_net device's zero-copy sends in flight, indexed
 * as its ubuf_info array (ubuf->desc, the ring slot: UIO_MAXIOV of them),
 * 16 KiB; one map element per device traced (--max-devices)
 */
#define ZCLAT_STOCK_SLOTS	1024
struct zclat_stock_dev {
	__u64 base;		/* the device's ubuf_info array; 0: free */
	__u64 idx;		/* this element's index */
	__u64 vq;		/* its TX vhost_virtqueue, once a signal found it
				 * (0: not yet) */
	struct zclat_inflight slot[ZCLAT_STOCK_SLOTS];
};

/* Evidence record kinds (struct qlat_event.kind) */
enum zclat_rec {
	ZCLAT_REC_USED,		/* key vq, id head (stock: ring slot), ext dev,
				 * value submit->complete, aux complete->dequeue,
				 * flags COPY (not zero-copy) / FAIL */
	ZCLAT_REC_SIGNAL,	/* key vq, id entries, ext dev, aux used_idx,
				 * value the batch's worst submit->signal */
};

#endif /* __QLAT_ZCLAT_H */
