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
 * v, known to the caller to be in [1, max] (max a power of 2), as a value
 * the verifier knows to be in [1, max] on one path: ((v - 1) & (max - 1))
 * + 1, the mask in asm so that the compiler, which knows v's range, keeps
 * it. qlat_clamp() bounds any v, but with a branch, whose second path the
 * verifier walks whenever the test that excludes it was made on another
 * copy of v.
 */
#define qlat_bound1(v, max) ({						\
	__u64 __v = (v) - 1;						\
	asm volatile("%[x] &= %[m]" : [x] "+r"(__v) : [m] "i"((max) - 1));	\
	__v + 1;							\
})

/*
 * qlat_slot_tab[k][x]: the slot of a value whose highest non-zero byte is
 * its byte k (k < 4) and is x: 8 * k + floor(log2(x)) + 1, at most 32
 * ([0][0] is the slot of 0; [k][0], k > 0, is never read). A read-only
 * global: .rodata, one load.
 */
#define QLAT_R2(n)	n, n
#define QLAT_R4(n)	QLAT_R2(n), QLAT_R2(n)
#define QLAT_R8(n)	QLAT_R4(n), QLAT_R4(n)
#define QLAT_R16(n)	QLAT_R8(n), QLAT_R8(n)
#define QLAT_R32(n)	QLAT_R16(n), QLAT_R16(n)
#define QLAT_R64(n)	QLAT_R32(n), QLAT_R32(n)
#define QLAT_R128(n)	QLAT_R64(n), QLAT_R64(n)
#define QLAT_SLOT_ROW(b)						\
	{ (b), (b) + 1, QLAT_R2((b) + 2), QLAT_R4((b) + 3), QLAT_R8((b) + 4),	\
	  QLAT_R16((b) + 5), QLAT_R32((b) + 6), QLAT_R64((b) + 7), QLAT_R128((b) + 8) }
static const __u8 qlat_slot_tab[4][256] = {
	QLAT_SLOT_ROW(0), QLAT_SLOT_ROW(8), QLAT_SLOT_ROW(16), QLAT_SLOT_ROW(24)
};

/*
 * An empty asm in a branch keeps the compiler from turning the branch into
 * selects, which BPF has not: it lowers each to a compare and a branch of
 * its own, and a step would then compare twice.
 */
#define qlat_keep_branch()	asm volatile("")

/*
 * x opaque to the compiler from here on: it is in a register, and what
 * the compiler knew of its value it no longer assumes. No instruction.
 * Keeps a value computed once where it would be recomputed, a test on
 * the register the verifier will see, and a value just loaded in its
 * branch (qlat_slot_below16(): the compiler neither merges the branches'
 * loads into one after them nor moves anything past them).
 */
#ifdef __bpf__
#define qlat_opaque(x)	asm volatile("" : "+r"(x))
#else
#define qlat_opaque(x)	((void)(x))
#endif

/*
 * The slot of v: 0 for 0, floor(log2(v)) + 1 otherwise (inclusive upper
 * bound 2^i - 1); v < 2^63 (qlat_hist_add() counts the rest as overflow).
 * BPF has no clz: a search over the bytes of v finds its highest non-zero
 * byte and looks it up in that byte's row of qlat_slot_tab. Below 2^24
 * (16.8 ms in ns) that takes two compares, and with the lookup 9 to 11 x86
 * instructions. The steps shift by constants: a computed count costs the
 * x86 JIT of kernels before 6.2 (no shrx) six instructions to get it into
 * %cl. Below 2^32 each test compares v itself, so that the verifier knows
 * the byte it indexes a row with is below 256 without a mask (above, one
 * is needed). The caller makes v opaque to the compiler first
 * (qlat_hist_add()).
 *
 * Each branch ends with its own load of the slot, a byte the verifier
 * knows only as below 256 whichever branch it took. Where the branches
 * join, their states are then equal, and the verifier walks the slot's
 * update once for all of them (it prunes the others). The slot's bound
 * matters to the verifier (it indexes the histogram), so it tracks it
 * precisely, but a value loaded from a map is where that tracking stops.
 * Had the branches instead joined with a constant each (the row's 8 * k,
 * added to the row's byte after the join), every constant would be
 * tracked precisely back to its branch, the states at the join would all
 * differ, and each branch would walk the rest on its own: zclat's signal
 * program took 1,525 instructions to verify on 6.12 that way, 1,268 with
 * the slot loaded in each branch (851 after the changes that
 * zclat.bpf.c's on_signal() describes).
 * The search comes in two halves, below 2^16 and from 2^16, so that
 * qlat_hist_add() can put its statistics between its first test and the
 * rest; qlat_slot() joins them.
 */
static __always_inline __u32 qlat_slot_below16(__u64 v)
{
	__u32 slot;

	if (v < (1ULL << 8)) {
		slot = qlat_slot_tab[0][v];
		qlat_opaque(slot);
	} else {
		slot = qlat_slot_tab[1][v >> 8];
		qlat_opaque(slot);
	}
	return slot;
}

/* 2^16 <= v < 2^63 */
static __always_inline __u32 qlat_slot_from16(__u64 v)
{
	__u32 slot, base;

	if (v < (1ULL << 24)) {
		/* before 2^32, whose test loads its bound into a register */
		slot = qlat_slot_tab[2][v >> 16];
		qlat_opaque(slot);
	} else if (v < (1ULL << 32)) {
		slot = qlat_slot_tab[3][v >> 24];
		qlat_opaque(slot);
	} else {
		/* 4.3 s and more: rare, by halving */
		v >>= 32;
		base = 32;
		if (v >= (1ULL << 16)) {
			v >>= 16;
			base += 16;
			qlat_keep_branch();
		}
		if (v >= (1ULL << 8)) {
			v >>= 8;
			base += 8;
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
		slot = base + qlat_slot_tab[0][v];
	}
	return slot;
}

/* Slot of v < 2^63: the two halves (see qlat_slot_below16()) */
static __always_inline __u32 qlat_slot(__u64 v)
{
	return v < (1ULL << 16) ? qlat_slot_below16(v) : qlat_slot_from16(v);
}

/*
 * v, with no tie to where it came from for the verifier: a value copied
 * with a move shares its source's id, and whatever a branch on the copy
 * proves about its range the verifier applies to the source as well. A
 * value binned (qlat_hist_add(), five ranges) and used again afterwards
 * (an array's length) would then leave the histogram in five states that
 * differ, and the verifier walks the rest of the program from each. An
 * ALU operation (here one that changes nothing) gives the copy an id of
 * its own. One instruction.
 */
#ifdef __bpf__
#define qlat_unlinked(v) ({						\
	__u64 __u = (v);						\
	asm volatile("%[x] |= 0" : [x] "+r"(__u));			\
	__u;								\
})
#else
#define qlat_unlinked(v)	((__u64)(v))
#endif

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
	__u32 slot;

	/*
	 * h in one register, computed once: the compiler would otherwise
	 * add the histogram's index to the state's address anew for each
	 * field (BPF has no base + index addressing), up to three times.
	 */
	qlat_opaque(h);
	/*
	 * v opaque to the compiler: knowing it below 2^32 (a u32 widened),
	 * it would test its low half only (a 32-bit compare, which leaves
	 * the verifier's 64-bit bound open), or a copy of v it made before.
	 * Here, not in qlat_slot_below16(), so that the statistics below use
	 * the same register.
	 */
	qlat_opaque(v);
	/*
	 * The statistics first, then the rest of the slot's search: its
	 * paths then carry only the slot, not v, and the verifier prunes
	 * them once the slot is updated. With the statistics after the
	 * search, each path walked them on its own: zclat's signal program
	 * took 3,025 instructions to verify on 6.1 and 7,299 on 6.12, with
	 * them first 2,251 and 4,569 (qlat zc started with 6 and 20 ms less
	 * CPU; see also qlat_slot_below16() and on_signal() in zclat.bpf.c). The
	 * common path is as long as before (the statistics in the two
	 * branches); from 2^16 the overflow test adds two instructions.
	 */
	if (v < (1ULL << 16)) {
		qlat_hist_stats(h, v);
		slot = qlat_slot_below16(v);
	} else if (v >> 63) {
		h->overflow++;
		return;
	} else {
		qlat_hist_stats(h, v);
		slot = qlat_slot_from16(v);
	}
	/* v < 2^63, so the slot is at most 63: the mask is exact */
	h->slots[slot & (QLAT_SLOTS - 1)]++;
}

#endif /* __QLAT_HIST_BPF_H */
