/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Histogram layout shared by the BPF programs and the qlat tools.
 *
 * Buckets are log2 with exact, inclusive upper bounds:
 *   slot 0         holds v == 0
 *   slot i (1..63) holds 2^(i-1) <= v <= 2^i - 1
 * so a value equal to a slot's upper bound (2^i - 1) is inside that slot,
 * which is exactly OpenMetrics' `le` ("less than or equal") rule. Values
 * >= 2^63 (e.g. a negative delta seen as u64) are not binned; they are
 * counted in `overflow`.
 *
 * A BPF program's per-CPU copy (qlat_hist_add() in bpf/qlat_hist.bpf.h) is
 * kept in a cheaper form: `count` stays 0 (the count is the sum of the
 * buckets) and `min` holds ~min (0: no value yet), so that a zeroed map
 * element is an empty histogram and the minimum is kept like the maximum.
 * qlat_hist_merge_percpu() (tools/hist.c) turns per-CPU copies into one
 * histogram of the form above.
 */
#ifndef __QLAT_HIST_H
#define __QLAT_HIST_H

#define QLAT_SLOTS	64

struct qlat_hist {
	__u64 slots[QLAT_SLOTS];
	__u64 count;		/* binned values (per-CPU form: 0) */
	__u64 sum;		/* sum of binned values (wraps only past 2^64) */
	__u64 min;		/* valid when count > 0 (per-CPU form: ~min) */
	__u64 max;
	__u64 overflow;		/* values >= 2^63, not binned */
};

#endif /* __QLAT_HIST_H */
