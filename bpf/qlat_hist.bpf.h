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

/*
 * qlat_slot8[x]: the slot of x < 256, floor(log2(x)) + 1 (0 for 0). A
 * read-only global: .rodata, one load.
 */
#define QLAT_R2(n)	n, n
#define QLAT_R4(n)	QLAT_R2(n), QLAT_R2(n)
#define QLAT_R8(n)	QLAT_R4(n), QLAT_R4(n)
#define QLAT_R16(n)	QLAT_R8(n), QLAT_R8(n)
#define QLAT_R32(n)	QLAT_R16(n), QLAT_R16(n)
#define QLAT_R64(n)	QLAT_R32(n), QLAT_R32(n)
#define QLAT_R128(n)	QLAT_R64(n), QLAT_R64(n)
static const __u8 qlat_slot8[256] = {
	0, 1, QLAT_R2(2), QLAT_R4(3), QLAT_R8(4), QLAT_R16(5), QLAT_R32(6),
	QLAT_R64(7), QLAT_R128(8)
};

/*
 * An empty asm in a branch keeps the compiler from turning the branch into
 * selects, which BPF has not: it lowers each to a compare and a branch of
 * its own, and a step would then compare twice.
 */
#define qlat_keep_branch()	asm volatile("")

/*
 * Slot of v < 2^63: 0 for 0, floor(log2(v)) + 1 otherwise (inclusive upper
 * bound 2^i - 1). BPF has no clz: three halving steps by constant shifts
 * bring v below 2^8, then a 256-entry table finishes: about 20 x86
 * instructions. The steps branch: a branch-free step shifts by a computed
 * count, which the x86 JIT of kernels before 6.2 (no shrx) wraps in six
 * instructions to get the count into %cl, 38 in all. The branches cost the
 * verifier nothing per step: the table's byte is unknown to it, so every
 * path's slot & 63 is the same [0, 63], and the paths are pruned where
 * they meet.
 */
static __always_inline __u32 qlat_slot(__u64 v)
{
	__u64 t;
	__u32 r = 0;

	t = v >> 32;
	if (t) {
		v = t;
		r = 32;
		qlat_keep_branch();
	}
	t = v >> 16;
	if (t) {
		v = t;
		r += 16;
		qlat_keep_branch();
	}
	t = v >> 8;
	if (t) {
		v = t;
		r += 8;
		qlat_keep_branch();
	}
	/*
	 * v < 2^8 now, which the compiler knows and the verifier may not
	 * (a path it cannot rule out has v's bounds crossed): mask in asm.
	 */
#ifdef __bpf__
	asm volatile("%[x] &= 0xff" : [x] "+r"(v));
#else
	v &= 0xff;	/* tests/unit/test_hist.c: the same code as host C */
#endif
	return r + qlat_slot8[v];
}

/*
 * Key 0 of a one-element per-CPU map, as a .rodata object: its address is
 * a constant, where a key on the stack takes a store and a stack slot.
 */
static const __u32 qlat_key0 __attribute__((unused)) = 0;

/*
 * Add n to a per-CPU counter that several programs update. A program runs
 * with migration disabled and never nests in itself on a CPU (the kernel
 * skips such a run and counts it in recursion_misses, which qlat reports
 * as dropped), so a slot only one program writes takes a plain increment.
 * But a program in hardirq (or softirq) context can interrupt another
 * program on the same CPU between its load and its store, and one of the
 * two increments is lost: a slot that programs of different contexts
 * share is added to atomically (BPF_ATOMIC, lock add on x86; two BPF
 * instructions where load, add, store are three). Only counters of rare
 * events (bad keys, filtered events, lost evidence) are shared: the
 * common path stays plain.
 */
static __always_inline void qlat_count_shared(__u64 *c, __u64 n)
{
	__sync_fetch_and_add(c, n);
}

/*
 * Add v to a per-CPU histogram, in the per-CPU form of include/qlat/hist.h:
 * count is not kept (the tool takes the sum of the buckets) and min holds
 * ~min, so that a zeroed element is empty and the minimum is a maximum,
 * with no first-value test. No atomics: the map is per-CPU, a BPF program
 * runs with migration disabled, and each histogram has one writer program
 * (see qlat_count_shared()).
 */
static __always_inline void qlat_hist_add(struct qlat_hist *h, __u64 v)
{
	__u64 inv = ~v;

	if (v >> 63) {
		h->overflow++;
		/* not merged with the sum's add: each would compute its address */
		qlat_keep_branch();
		return;
	}
	/* v < 2^63, so slot <= 63: the mask is exact and bounds the index */
	h->slots[qlat_slot(v) & (QLAT_SLOTS - 1)]++;
	if (inv > h->min)
		h->min = inv;
	if (v > h->max)
		h->max = v;
	h->sum += v;
}

#endif /* __QLAT_HIST_BPF_H */
