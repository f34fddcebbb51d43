/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What bpf/zclat.bpf.c (vhost-zc-net) and bpf/zcstock.bpf.c (stock
 * vhost_net) share: the per-CPU histograms and counters the tool reads
 * (struct zclat_state, include/qlat/zclat.h), and their update helpers.
 */
#ifndef __QLAT_ZCLAT_BPF_H
#define __QLAT_ZCLAT_BPF_H

#include "qlat/zclat.h"
#include "qlat_hist.bpf.h"

/*
 * Every counter and histogram in one per-CPU element: an event costs one
 * map lookup (zc_state()), whatever it updates, and the tool reads it all
 * with one syscall.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zclat_state);
} state SEC(".maps");

static __always_inline struct zclat_state *zc_state(void)
{
	return bpf_map_lookup_elem(&state, (void *)&qlat_key0);
}

static __always_inline void count_n(struct zclat_state *s, __u32 idx, __u64 n)
{
	if (idx < ZCLAT_NR_COUNTERS)
		s->counters[idx] += n;
}

static __always_inline void count(struct zclat_state *s, __u32 idx)
{
	count_n(s, idx, 1);
}

/*
 * The counters more than one program updates, where one can interrupt
 * another on the same CPU: filtered and badkey (every vhost_zc program;
 * vhost_zc_complete runs wherever the stack frees the buffer, softirq
 * included, inside a vhost worker's run) and evidence_dropped (--stock's
 * ubuf callback and the worker's signal). Atomic: see qlat_count_shared().
 */
static __always_inline void count_shared(struct zclat_state *s, __u32 idx)
{
	if (idx < ZCLAT_NR_COUNTERS)
		qlat_count_shared(&s->counters[idx], 1);
}

static __always_inline void hist(struct zclat_state *s, __u32 metric, __u32 vq, __u64 v)
{
	__u64 idx = metric * ZCLAT_VQS + vq;

	if (idx < ZCLAT_NR_HISTS)
		qlat_hist_add(&s->hists[qlat_clamp(idx, ZCLAT_NR_HISTS - 1)], v);
}

#endif /* __QLAT_ZCLAT_BPF_H */
