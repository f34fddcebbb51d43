/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* BPF side of the evidence ring buffer: see include/qlat/evidence.h. */
#ifndef __QLAT_EVIDENCE_BPF_H
#define __QLAT_EVIDENCE_BPF_H

#include "qlat/evidence.h"

/* Set by the loader: records are sent only with --threshold/--max-misses */
const volatile bool qlat_evidence_on = false;
/* --threshold in ns; 0 = none */
const volatile __u64 qlat_threshold_ns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, QLAT_RB_SIZE);
} qlat_events SEC(".maps");

/*
 * Send one record; false when the ring buffer is full (the caller counts
 * it: the tool prints ring-buffer drops). The reader is woken only for a
 * record that may be a breach (over the threshold, a miss) or when the
 * ring is a quarter full: no wakeup per event.
 */
static __always_inline bool qlat_emit(__u64 ts, __u32 kind, __u32 key, __u32 id,
				      __u64 value, __u64 aux, __u32 flags, __s32 ext)
{
	struct qlat_event *e;

	e = bpf_ringbuf_reserve(&qlat_events, sizeof(*e), 0);
	if (!e)
		return false;
	e->ts_ns = ts;
	e->value = value;
	e->aux = aux;
	e->kind = kind;
	e->key = key;
	e->id = id;
	e->flags = flags;
	e->ext = ext;
	e->pad = 0;
	if ((flags & (QLAT_EVF_OVER | QLAT_EVF_MISS)) ||
	    bpf_ringbuf_query(&qlat_events, BPF_RB_AVAIL_DATA) > QLAT_RB_SIZE / 4)
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	else
		bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return true;
}

static __always_inline bool qlat_over(__u64 v)
{
	return qlat_threshold_ns && v > qlat_threshold_ns && !(v >> 63);
}

#endif /* __QLAT_EVIDENCE_BPF_H */
