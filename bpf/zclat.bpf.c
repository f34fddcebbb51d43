// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * zclat: vhost-zc-net zero-copy TX latency, from the vhost_zc:* tracepoints.
 *
 * vhost_zc_signal carries, for every TX buffer it publishes, the submit,
 * completion and dequeue times and the outcome that its kiocb_dequeue
 * event carried. So by default one program runs per signal (per batch of
 * up to 64 buffers), not one per buffer: it counts and bins each buffer
 * of the batch in a loop, with per-CPU array updates only: no in-flight
 * or batch map, nothing that grows with the number of devices, vqs or
 * buffers in flight, and no clock read of our own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "zclat.bpf.h"
#include "qlat_evidence.bpf.h"
#include "qlat_flavours.bpf.h"
#include "vhost_zc_tp.h"

const volatile __s32 targ_vq = -1;
const volatile __s64 targ_dev = -1;
/*
 * --in-flight: the submit and complete programs are attached and count
 * TX submits and completions as they happen. Otherwise only dequeue and
 * signal are, and a used TX buffer counts its submit and completion too
 * (the dequeue event says how it was sent): the same totals once nothing
 * is in flight, for two events per packet fewer.
 */
const volatile bool counts_live = false;

/*
 * true when the event is not ours to bin (filter or bad vq: counted); the
 * filters only where `filters` (a constant) says so
 */
static __always_inline bool skip(struct zclat_state *s, __u32 dev, __u32 vq, const bool filters)
{
	if (filters &&
	    ((targ_dev >= 0 && dev != targ_dev) || (targ_vq >= 0 && vq != targ_vq))) {
		count_shared(s, ZCLAT_EV_FILTERED);
		return true;
	}
	if (vq >= ZCLAT_VQS) {
		count_shared(s, ZCLAT_EV_BADKEY);
		return true;
	}
	return false;
}

static __always_inline void count_submit(struct zclat_state *s, __u32 zerocopy)
{
	count(s, ZCLAT_EV_SUBMIT);
	count(s, zerocopy ? ZCLAT_EV_SUBMIT_ZC : ZCLAT_EV_SUBMIT_COPY);
}

static __always_inline int on_submit(__u32 dev, __u32 vq, __u32 zerocopy)
{
	struct zclat_state *s = zc_state();

	if (!s || skip(s, dev, vq, true))
		return 0;
	count_submit(s, zerocopy);
	return 0;
}

static __always_inline int on_complete(__u32 dev, __u32 vq)
{
	struct zclat_state *s = zc_state();

	if (!s || skip(s, dev, vq, true))
		return 0;
	count(s, ZCLAT_EV_COMPLETE);
	return 0;
}

/*
 * The signal's four arrays, copied with one read each (a helper call per
 * array and signal, not per buffer): per-CPU scratch, since 64 entries of
 * them do not fit on the BPF stack. A program does not nest in itself on
 * a CPU, so one element per CPU is enough. The loop's inputs and sums are
 * kept here too, not in its context on the stack: see on_signal().
 */
struct sig_scratch {
	__u64 sub[ZCLAT_BATCH_MAX];
	__u64 cpl[ZCLAT_BATCH_MAX];
	__u64 deq[ZCLAT_BATCH_MAX];
	__u32 used[ZCLAT_BATCH_MAX];
	__u64 signal_ns;
	__u64 worst;
	__u32 dev;
	__u32 vq;
	/* counted in the loop, added to the state once */
	__u32 timed;
	__u32 zerocopy;
	__u32 zc_copied;
	__u32 rb_drops;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sig_scratch);
} sigbuf SEC(".maps");

struct signal_ctx {
	struct zclat_state *s;
	struct sig_scratch *b;
};

/*
 * Buffer i of the signal: count and bin it as its kiocb_dequeue event
 * would have been (zero-copy sends: submit->complete, complete->dequeue)
 * and time it from submit to this signal. The body of a bpf_loop()
 * callback (inlined by the verifier), walked once whatever the batch
 * size; `full` (a constant) adds what the evidence needs.
 */
static __always_inline long buffer_one(__u32 i, void *data, const bool full)
{
	struct signal_ctx *c = data;
	struct sig_scratch *b = c->b;
	struct zclat_state *s = c->s;
	__u32 k = i & (ZCLAT_BATCH_MAX - 1), u = b->used[k], flags;
	__u64 sub = b->sub[k], cpl = b->cpl[k], deq = b->deq[k], v;

	if (u & VHOST_ZC_USED_ZEROCOPY) {
		b->zerocopy++;
		/* a send that failed was not copied */
		if (!(u & (VHOST_ZC_USED_SUCCESS | VHOST_ZC_USED_FAILED)))
			b->zc_copied++;
		if (sub) {
			qlat_hist_add(&s->hists[ZCLAT_SUBMIT_COMPLETE * ZCLAT_VQS + ZCLAT_VQ_TX],
				      cpl - sub);
			qlat_hist_add(&s->hists[ZCLAT_COMPLETE_DEQUEUE * ZCLAT_VQS + ZCLAT_VQ_TX],
				      deq - cpl);
		}
	}
	if (!sub)
		return 0;
	v = b->signal_ns - sub;
	qlat_hist_add(&s->hists[ZCLAT_SUBMIT_SIGNAL * ZCLAT_VQS + ZCLAT_VQ_TX], v);
	b->timed++;
	/* the worst time and the records serve the evidence alone */
	if (!full || !qlat_evidence_on)
		return 0;
	if (v > b->worst && !(v >> 63))
		b->worst = v;
	flags = ((u & VHOST_ZC_USED_ZEROCOPY) &&
		 (u & (VHOST_ZC_USED_SUCCESS | VHOST_ZC_USED_FAILED)) ? 0 : QLAT_EVF_COPY) |
		(u & VHOST_ZC_USED_SUCCESS ? 0 : QLAT_EVF_FAIL);
	if (!qlat_emit(deq, ZCLAT_REC_USED, b->vq, u & VHOST_ZC_USED_HEAD, cpl - sub,
		       deq - cpl, flags, b->dev))
		b->rb_drops++;
	return 0;
}

static long signal_one(__u32 i, void *data)
{
	return buffer_one(i, data, false);
}

static long signal_one_full(__u32 i, void *data)
{
	return buffer_one(i, data, true);
}

/*
 * A signal: cnt used entries published, packets of them the first of a
 * packet (the kiocb_dequeue events); TX: nsub == cnt buffers described by
 * the arrays (each an entry in used ring order). Buffers without a submit
 * time (submitted before tracing began) are counted, not timed
 * (unmatched).
 */
static __always_inline int on_signal(__u32 dev, __u32 vq, __u32 cnt, __u32 used_idx,
				     __u64 signal_ns, const __u64 *submit_ns, __u32 nsub,
				     const __u64 *complete_ns, const __u64 *dequeue_ns,
				     const __u32 *used, __u32 packets, const bool full)
{
	struct zclat_state *s = zc_state();
	struct signal_ctx c;
	__u32 flags = 0;
	struct sig_scratch *b;
	__u64 n;

	if (!s || skip(s, dev, vq, full))
		return 0;
	count(s, ZCLAT_EV_SIGNAL);
	count_n(s, ZCLAT_EV_SIGNALED, cnt);
	count_n(s, ZCLAT_EV_DEQUEUE, packets);
	/* cnt bounds the arrays' length below: see qlat_unlinked() */
	hist(s, ZCLAT_BATCH, vq, qlat_unlinked(cnt));
	if (vq != ZCLAT_VQ_TX)
		return 0;
	/* none (nothing to do, 0 counted) or too many: cnt - 1 wraps for 0 */
	if (!submit_ns || !complete_ns || !dequeue_ns || !used || nsub != cnt ||
	    cnt - 1 >= ZCLAT_BATCH_MAX) {
		count_n(s, ZCLAT_EV_UNMATCHED, cnt);
		return 0;
	}
	/*
	 * n, the arrays' length: cnt, bounded for the verifier without a
	 * branch (qlat_bound1()). Clamped with a branch, on a register the
	 * test above had not bounded (the compiler tests a copy), the rest
	 * was walked twice, the loop's callback included: once for the
	 * clamped n of 64 that cannot happen. Verified instructions (and
	 * time, as below) of signal_btf, 6.12: 1,065 (10.5 ms) before, 851
	 * (9.6 ms) now, signal_full_btf 973; 6.1: 903 (5.3 ms), 793 (4.5
	 * ms), 862.
	 */
	n = qlat_bound1(cnt, ZCLAT_BATCH_MAX);
	b = bpf_map_lookup_elem(&sigbuf, (void *)&qlat_key0);
	if (!b)
		return 0;
	if (bpf_probe_read_kernel(b->sub, n * sizeof(b->sub[0]), submit_ns) ||
	    bpf_probe_read_kernel(b->cpl, n * sizeof(b->cpl[0]), complete_ns) ||
	    bpf_probe_read_kernel(b->deq, n * sizeof(b->deq[0]), dequeue_ns) ||
	    bpf_probe_read_kernel(b->used, n * sizeof(b->used[0]), used)) {
		count_n(s, ZCLAT_EV_UNMATCHED, cnt);
		return 0;
	}
	c.s = s;
	c.b = b;
	/*
	 * The loop's inputs and sums live in the scratch element, whose
	 * contents the verifier does not track, and its context on the
	 * stack holds two pointers. Kept on the stack (with sums starting
	 * from known constants, later from a never-written field of this
	 * element), they made the verifier's states larger and, from 6.7,
	 * where it walks a bpf_loop() callback until the state at its entry
	 * repeats, more of them. Verified instructions (and the verifier's
	 * time under TCG with -icount shift=0, build/bpf-vlog): 6.12 1,692
	 * (13.7 ms) before, 1,525 (12.5 ms) after, an empty tp_btf program 2
	 * (4.0 ms); 6.1 2,281 before, 1,339 (7.3 ms) after. Without the
	 * evidence, the worst time and what the records need are neither
	 * stored nor kept: 100 instructions a signal fewer (3,970). With the
	 * slot loaded in each branch of the search (qlat_slot_below16()) and
	 * the batch size unlinked from cnt (qlat_unlinked()): 6.12 1,065
	 * (10.5 ms), 6.1 903 (5.3 ms).
	 */
	b->signal_ns = signal_ns;
	b->timed = b->zerocopy = b->zc_copied = 0;
	if (full && qlat_evidence_on) {
		b->dev = dev;
		b->vq = vq;
		b->worst = 0;
		b->rb_drops = 0;
	}
	bpf_loop(n, full ? signal_one_full : signal_one, &c, 0);
	if (!counts_live) {
		count_n(s, ZCLAT_EV_SUBMIT, n);
		count_n(s, ZCLAT_EV_SUBMIT_ZC, b->zerocopy);
		count_n(s, ZCLAT_EV_SUBMIT_COPY, n - b->zerocopy);
		count_n(s, ZCLAT_EV_COMPLETE, n);
	}
	count_n(s, ZCLAT_EV_USED_ZC, b->zerocopy);
	count_n(s, ZCLAT_EV_ZC_COPIED, b->zc_copied);
	if (cnt > b->timed)
		count_n(s, ZCLAT_EV_UNMATCHED, cnt - b->timed);
	if (!full || !qlat_evidence_on)
		return 0;
	if (b->rb_drops)
		qlat_count_shared(&s->counters[ZCLAT_EV_RB_DROP], b->rb_drops);
	if (qlat_over(b->worst)) {
		flags |= QLAT_EVF_OVER;
		count(s, ZCLAT_EV_OVER);
	}
	if (!qlat_emit(signal_ns, ZCLAT_REC_SIGNAL, vq, cnt, b->worst, used_idx, flags, dev))
		count_shared(s, ZCLAT_EV_RB_DROP);
	return 0;
}

QLAT_TP_BTF_RAW(vhost_zc_submit, submit,
		on_submit(dev, vq, zerocopy),
		u32 dev, u32 vq, u32 desc_head, u32 len, bool zerocopy, u64 submit_ns)

QLAT_TP_BTF_RAW(vhost_zc_complete, complete,
		on_complete(dev, vq),
		u32 dev, u32 vq, u32 desc_head, bool success, bool copied,
		u64 submit_ns, u64 complete_ns, bool failed)

/*
 * The signal program comes in two variants, and the tool loads one:
 * signal_* without the filters and the evidence, signal_full_* with them.
 * The plain one has no code that a frozen setting makes dead, which the
 * verifier would have to find and remove, a pass over the program per
 * dead range: the full one, without --threshold, takes 10.2 ms to verify
 * on 6.12, the plain one 9.6 (tools/zclat.c, open_zc()).
 */
#define SIGNAL_ARGS							\
	u32 dev, u32 vq, u32 count, u32 used_idx, u64 first_submit_ns,	\
	u64 signal_ns, const u64 *submit_ns, u32 nsubmit,		\
	const u64 *complete_ns, const u64 *dequeue_ns, const u32 *used,	\
	u32 packets

QLAT_TP_BTF_RAW(vhost_zc_signal, signal,
		on_signal(dev, vq, count, used_idx, signal_ns, submit_ns, nsubmit,
			  complete_ns, dequeue_ns, used, packets, false),
		SIGNAL_ARGS)

QLAT_TP_BTF_RAW(vhost_zc_signal, signal_full,
		on_signal(dev, vq, count, used_idx, signal_ns, submit_ns, nsubmit,
			  complete_ns, dequeue_ns, used, packets, true),
		SIGNAL_ARGS)

SEC("tracepoint/vhost_zc/vhost_zc_submit")
int submit_tp(struct tp_vhost_zc_submit *ctx)
{
	return on_submit(ctx->dev, ctx->vq, ctx->zerocopy);
}

SEC("tracepoint/vhost_zc/vhost_zc_complete")
int complete_tp(struct tp_vhost_zc_complete *ctx)
{
	return on_complete(ctx->dev, ctx->vq);
}

/* __data_loc: length in bytes << 16 | offset in the record */
#define TP_ARRAY(ctx, loc)	((void *)(ctx) + ((loc) & 0xffff))

#define SIGNAL_TP(ctx, full)							\
	on_signal((ctx)->dev, (ctx)->vq, (ctx)->count, (ctx)->used_idx, (ctx)->signal_ns,	\
		  TP_ARRAY(ctx, (ctx)->submit_ns), ((ctx)->submit_ns >> 16) / sizeof(__u64),	\
		  TP_ARRAY(ctx, (ctx)->complete_ns), TP_ARRAY(ctx, (ctx)->dequeue_ns),		\
		  TP_ARRAY(ctx, (ctx)->used), (ctx)->packets, full)

SEC("tracepoint/vhost_zc/vhost_zc_signal")
int signal_tp(struct tp_vhost_zc_signal *ctx)
{
	return SIGNAL_TP(ctx, false);
}

SEC("tracepoint/vhost_zc/vhost_zc_signal")
int signal_full_tp(struct tp_vhost_zc_signal *ctx)
{
	return SIGNAL_TP(ctx, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
