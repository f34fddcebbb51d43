/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between bpf/cmdqlat.bpf.c and tools/cmdqlat.c */
#ifndef __QLAT_CMDQLAT_H
#define __QLAT_CMDQLAT_H

#include "hist.h"

#define CMDQLAT_THREADS	16	/* GCE threads */
#define CMDQLAT_PIPES	3	/* display pipes of the timing generator */

/* Histograms: one per (metric, key), at cmdqlat_hist_idx(metric, key) */
enum cmdqlat_metric {
	CMDQLAT_FLUSH_EOC,	/* key: thread; flush -> EOC/ERROR irq, ns */
	CMDQLAT_EOC_CB,		/* key: thread; irq -> client callback, ns */
	CMDQLAT_SLACK,		/* key: pipe; deadline - EOC of packets on time (status 0), ns */
	CMDQLAT_LATE,		/* key: pipe; EOC - deadline of packets completed after it, ns */
	CMDQLAT_INST,		/* key: thread; instructions per flushed packet */
	CMDQLAT_NR_METRICS,
};
#define CMDQLAT_NR_HISTS (3 * CMDQLAT_THREADS + 2 * CMDQLAT_PIPES)

/* Keys of a metric: pipes for SLACK and LATE, threads for the others */
static inline __attribute__((always_inline)) unsigned int cmdqlat_nkeys(unsigned int metric)
{
	return metric == CMDQLAT_SLACK || metric == CMDQLAT_LATE ? CMDQLAT_PIPES :
								  CMDQLAT_THREADS;
}

/*
 * The histograms of the metrics one after the other, each with its own
 * number of keys (key < cmdqlat_nkeys(metric)); a constant where metric
 * is one.
 */
static inline __attribute__((always_inline)) unsigned int
cmdqlat_hist_idx(unsigned int metric, unsigned int key)
{
	switch (metric) {
	case CMDQLAT_FLUSH_EOC:
		return key;
	case CMDQLAT_EOC_CB:
		return CMDQLAT_THREADS + key;
	case CMDQLAT_SLACK:
		return 2 * CMDQLAT_THREADS + key;
	case CMDQLAT_LATE:
		return 2 * CMDQLAT_THREADS + CMDQLAT_PIPES + key;
	default:
		return 2 * CMDQLAT_THREADS + 2 * CMDQLAT_PIPES + key;
	}
}

/* Event counters (in struct cmdqlat_state, summed over CPUs by the tool) */
enum cmdqlat_counter {
	CMDQLAT_EV_FINALIZE,
	CMDQLAT_EV_FLUSH,
	CMDQLAT_EV_EOC,		/* cmdq_eoc_irq with status 0 */
	CMDQLAT_EV_ERROR,	/* cmdq_eoc_irq with status != 0 */
	CMDQLAT_EV_CB,
	CMDQLAT_EV_SOF,
	CMDQLAT_EV_EOF,
	CMDQLAT_EV_UNDERRUN,
	CMDQLAT_EV_FILTERED,	/* events dropped by --pipe/--thread */
	CMDQLAT_EV_BADKEY,	/* thread/pipe out of range: counted, not binned */
	CMDQLAT_EV_OVER,	/* flush->EOC over --threshold */
	CMDQLAT_EV_RB_DROP,	/* evidence records lost: ring buffer full */
	CMDQLAT_EV_MISS_BASE,	/* + pipe: packets that missed their deadline (UNDERRUNs) */
	/*
	 * The programs' own: the flush and callback programs' bad keys. They
	 * do not count their events: each is binned in its thread's
	 * histogram (INST, EOC_CB) or counted here, and the tool derives
	 * flush and cb from those, and adds these to badkey.
	 */
	CMDQLAT_EV_BADKEY_FLUSH = CMDQLAT_EV_MISS_BASE + CMDQLAT_PIPES,
	CMDQLAT_EV_BADKEY_CB,
	CMDQLAT_NR_COUNTERS,
};

/*
 * What the BPF programs count and bin: one per-CPU element (map "state"),
 * so that an event costs one map lookup, whatever it updates, and the tool
 * reads it all with one syscall. 29,944 bytes: a per-CPU map's value must
 * fit the kernel's minimum per-CPU unit (PCPU_MIN_UNIT_SIZE, 32 KiB).
 */
struct cmdqlat_state {
	__u64 counters[CMDQLAT_NR_COUNTERS];
	struct qlat_hist hists[CMDQLAT_NR_HISTS];
};
_Static_assert(sizeof(struct cmdqlat_state) <= 32768,
	       "struct cmdqlat_state exceeds a per-CPU map value's 32 KiB");

/* cmdq_vblank.type, and cmdq_vblank.miss / cmdq_eoc_irq.miss (CMDQ_MISS_*) */
#define CMDQLAT_VBLANK_UNDERRUN	2
#define CMDQLAT_MISS_LATE	1	/* completed after the deadline */
#define CMDQLAT_MISS_RUNNING	2	/* still running at the deadline */
#define CMDQLAT_MISS_FAILED	3	/* error or abort after its release */

/* Evidence record kinds (struct qlat_event.kind) */
enum cmdqlat_rec {
	CMDQLAT_REC_EOC,	/* key thread, id packet, ext pipe, value flush->EOC,
				 * aux lateness (QLAT_EVF_LATE), slack (on time, status 0)
				 * or 0 */
	CMDQLAT_REC_UNDERRUN,	/* key thread, id packet, ext pipe, value 0, aux the
				 * miss kind (CMDQLAT_MISS_*), ts_ns the deadline (the
				 * EOC for MISS_FAILED); flags QLAT_EVF_MISS */
};

#endif /* __QLAT_CMDQLAT_H */
