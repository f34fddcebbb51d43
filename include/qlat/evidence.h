/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Evidence records: with --threshold or --max-misses, the BPF programs send
 * one record per measured event through a BPF ring buffer; the tool keeps
 * the last N and prints them when the limit is breached.
 */
#ifndef __QLAT_EVIDENCE_H
#define __QLAT_EVIDENCE_H

#define QLAT_RB_SIZE	(256 * 1024)	/* the ring buffer, bytes */

#define QLAT_EVF_OVER	0x1	/* value > --threshold */
#define QLAT_EVF_MISS	0x2	/* a missed deadline: counts for --max-misses (cmdq UNDERRUN) */
#define QLAT_EVF_COPY	0x4	/* the buffer was copied (zc) */
#define QLAT_EVF_FAIL	0x8	/* error status / zero-copy failed */
#define QLAT_EVF_LATE	0x10	/* completed after its deadline (cmdq EOC) */

struct qlat_event {
	__u64 ts_ns;	/* CLOCK_MONOTONIC of the event (the tracepoint's own stamp) */
	__u64 value;	/* the latency --threshold applies to, ns */
	__u64 aux;	/* a second figure, per kind (slack or lateness, len, ...) */
	__u32 kind;	/* subcommand-specific event kind */
	__u32 key;	/* thread, pipe or vq */
	__u32 id;	/* packet id, descriptor head, batch size */
	__u32 flags;	/* QLAT_EVF_* */
	__s32 ext;	/* per kind: pipe, device id */
	__u32 pad;
};

#endif /* __QLAT_EVIDENCE_H */
