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
 * qlat_off8[x]: the byte offset in slots[] of the slot of x < 256,
 * 8 * (floor(log2(x)) + 1) (0 for 0), at most 64: a byte. A read-only
 * global: .rodata, one load.
 */
#define QLAT_R2(n)	n, n
#define QLAT_R4(n)	QLAT_R2(n), QLAT_R2(n)
#define QLAT_R8(n)	QLAT_R4(n), QLAT_R4(n)
#define QLAT_R16(n)	QLAT_R8(n), QLAT_R8(n)
#define QLAT_R32(n)	QLAT_R16(n), QLAT_R16(n)
#define QLAT_R64(n)	QLAT_R32(n), QLAT_R32(n)
#define QLAT_R128(n)	QLAT_R64(n), QLAT_R64(n)
static const __u8 qlat_off8[256] = {
	0, 8, QLAT_R2(16), QLAT_R4(24), QLAT_R8(32), QLAT_R16(40), QLAT_R32(48),
	QLAT_R64(56), QLAT_R128(64)
};

/*
 * An empty asm in a branch keeps the compiler from turning the branch into
 * selects, which BPF has not: it lowers each to a compare and a branch of
 * its own, and a step would then compare twice.
 */
#define qlat_keep_branch()	asm volatile("")

/*
 * Byte offset in slots[] of the slot of v, 8 * slot: the slot 0 for 0,
 * floor(log2(v)) + 1 otherwise (inclusive upper bound 2^i - 1); *over set
 * (and 0 returned) for v >= 2^63, which has no slot. BPF has no clz: a
 * search over the bytes of v finds its highest non-zero byte, shifts it
 * down by a constant and looks it up in a 256-entry table, to which the
 * byte's position adds 64 a byte. Below 2^24 (16.8 ms in ns) that takes
 * two compares, and with the lookup 10 to 12 x86 instructions. The test
 * for 2^63 is in the branch of 2^32 and more, off the common path.
 * The steps shift by constants: a computed count costs the x86 JIT of
 * kernels before 6.2 (no shrx) six instructions to get it into %cl. Below
 * 2^32 each test compares v itself, so that the verifier knows the byte it
 * indexes the table with is below 256 without a mask (above, one is
 * needed). Returned unmasked: the caller bounds it. The caller makes v
 * opaque to the compiler first (qlat_hist_add()).
 * The search comes in two halves, below 2^16 and from 2^16, so that
 * qlat_hist_add() can put its statistics between its first test and the
 * rest; qlat_slot_off() joins them.
 */
static __always_inline __u32 qlat_slot_off16(__u64 v)
{
	__u32 off;

	if (v < (1ULL << 8)) {
		off = 0;
		qlat_keep_branch();
	} else {
		v >>= 8;
		off = 64;
	}
	return off + qlat_off8[v];
}

/* v >= 2^16 */
static __always_inline __u32 qlat_slot_off_hi(__u64 v, bool *over)
{
	__u32 off;

	if (v < (1ULL << 24)) {
		/* before 2^32, whose test loads its bound into a register */
		v >>= 16;
		off = 128;
		qlat_keep_branch();
	} else if (v < (1ULL << 32)) {
		v >>= 24;
		off = 192;
	} else if (v < (1ULL << 63)) {
		/* 4.3 s and more: rare, by halving */
		v >>= 32;
		off = 256;
		if (v >= (1ULL << 16)) {
			v >>= 16;
			off += 128;
			qlat_keep_branch();
		}
		if (v >= (1ULL << 8)) {
			v >>= 8;
			off += 64;
			qlat_keep_branch();
		}
		/*
		 * v < 2^8 now, which the compiler knows and the verifier may
		 * not: the compiler may test a copy of v (v >= 2^48 for the
		 * first step). Masked in asm, on this path only.
		 */
#ifdef __bpf__
		asm volatile("%[x] &= 0xff" : [x] "+r"(v));
#endif
	} else {
		*over = true;
		return 0;
	}
	return off + qlat_off8[v];
}

/* the two halves: see above */
static __always_inline __u32 qlat_slot_off(__u64 v, bool *over)
{
	return v < (1ULL << 16) ? qlat_slot_off16(v) : qlat_slot_off_hi(v, over);
}

/* Slot of v < 2^63 (see qlat_slot_off()) */
static __always_inline __u32 qlat_slot(__u64 v)
{
	bool over = false;

	return qlat_slot_off(v, &over) / 8;
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

/* sum, max and ~min of a per-CPU histogram (see qlat_hist_add()) */
static __always_inline void qlat_hist_stats(struct qlat_hist *h, __u64 v)
{
	h->sum += v;
	if (v > h->max)
		h->max = v;
	/* v < min, as v < ~(~min): one copy fewer than ~v > ~min */
	if (v < ~h->min)
		h->min = ~v;
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
	bool over = false;
	__u32 off;

	/*
	 * h in one register, computed once: the compiler would otherwise
	 * add the histogram's index to the state's address anew for each
	 * field (BPF has no base + index addressing), up to three times.
	 */
#ifdef __bpf__
	asm volatile("" : "+r"(h));
#endif
	/*
	 * v opaque to the compiler: knowing it below 2^32 (a u32 widened),
	 * it would test its low half only (a 32-bit compare, which leaves
	 * the verifier's 64-bit bound open), or a copy of v it made before.
	 * Here, not in qlat_slot_off(), so that the statistics below use
	 * the same register.
	 */
#ifdef __bpf__
	asm volatile("" : "+r"(v));
#endif
	/*
	 * The statistics first, then the rest of the slot's search: its
	 * paths then carry only the offset, not v, and the verifier prunes
	 * them once the slot is updated. With the statistics after the
	 * search, each path walked them on its own: zclat's signal program
	 * took 3,025 instructions to verify on 6.1 and 7,299 on 6.12, with
	 * them first 2,251 and 4,569 (qlat zc started with 6 and 20 ms less
	 * CPU; see also on_signal() in zclat.bpf.c). The
	 * common path is as long as before (the statistics in the two
	 * branches); from 2^16 the overflow test adds two instructions.
	 */
	if (v < (1ULL << 16)) {
		qlat_hist_stats(h, v);
		off = qlat_slot_off16(v);
	} else if (v >> 63) {
		h->overflow++;
		return;
	} else {
		qlat_hist_stats(h, v);
		off = qlat_slot_off_hi(v, &over);
	}
	/*
	 * v < 2^63, so the slot is at most 63: the mask is exact and bounds
	 * the offset, which indexes bytes (no shift to scale a slot)
	 */
	(*(__u64 *)((char *)h->slots + (off & (8 * (QLAT_SLOTS - 1)))))++;
}

#endif /* __QLAT_HIST_BPF_H */
