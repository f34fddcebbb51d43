/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What bpf/zclat.bpf.c (vhost-zc-net) and bpf/zcstock.bpf.c (stock
 * vhost_net) share: the per-CPU histograms and counters the tool reads
 * (include/qlat/zclat.h), and their update helpers.
 */
#ifndef __QLAT_ZCLAT_BPF_H
#define __QLAT_ZCLAT_BPF_H

#include "qlat/zclat.h"
#include "qlat_hist.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZCLAT_NR_HISTS);
	__type(key, __u32);
	__type(value, struct qlat_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZCLAT_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count_n(__u32 idx, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += n;
}

static __always_inline void count(__u32 idx)
{
	count_n(idx, 1);
}

static __always_inline void hist(__u32 metric, __u32 vq, __u64 v)
{
	__u32 idx = metric * ZCLAT_VQS + vq;
	struct qlat_hist *h = bpf_map_lookup_elem(&hists, &idx);

	if (h)
		qlat_hist_add(h, v);
}

#endif /* __QLAT_ZCLAT_BPF_H */
