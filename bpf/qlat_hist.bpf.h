/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* BPF-side histogram helpers: see include/qlat/hist.h for the layout. */
#ifndef __QLAT_HIST_BPF_H
#define __QLAT_HIST_BPF_H

#include "qlat/hist.h"

/*
 * min(v, max) in asm, so that the verifier sees the bound on the very
 * register that is used next: the compiler may otherwise test one copy of
 * a value and use another, whose bounds the verifier does not know, as an
 * index or a helper's size.
 */
#define qlat_clamp(v, max) ({						\
	__u64 __v = (v);						\
	asm volatile("if %[x] <= %[m] goto +1; %[x] = %[m]"		\
		     : [x] "+r"(__v) : [m] "i"(max));			\
	__v;								\
})

/* floor(log2(v)) for v > 0, without a loop (BPF has no clz) */
static __always_inline __u32 qlat_log2(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xffffffffULL) << 5; v >>= s; r |= s;
	s = (v > 0xffff) << 4; v >>= s; r |= s;
	s = (v > 0xff) << 3; v >>= s; r |= s;
	s = (v > 0xf) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	r |= (v >> 1);
	return r;
}

/* Slot of v: 0 for 0, floor(log2(v)) + 1 otherwise (inclusive upper bound 2^i - 1) */
static __always_inline __u32 qlat_slot(__u64 v)
{
	return v ? qlat_log2(v) + 1 : 0;
}

/*
 * Add v to a per-CPU histogram. No atomics: the map is per-CPU and a BPF
 * program runs with migration disabled.
 */
static __always_inline void qlat_hist_add(struct qlat_hist *h, __u64 v)
{
	__u32 slot;

	if (v >> 63) {
		h->overflow++;
		return;
	}
	/* v < 2^63, so slot <= 63: the mask is exact and bounds the index */
	slot = qlat_slot(v) & (QLAT_SLOTS - 1);
	h->slots[slot]++;
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
}

#endif /* __QLAT_HIST_BPF_H */
