// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * zclat: vhost-zc-net zero-copy TX latency, from the vhost_zc:* tracepoints.
 *
 * The tracepoints carry the timestamps the latencies need: kiocb_dequeue
 * carries submit, complete and dequeue times, and signal the submit time
 * of every TX buffer it publishes. So every event is per-CPU array updates
 * only: no in-flight or batch map, nothing that grows with the number of
 * devices, vqs or buffers in flight, and no clock read of our own.
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

/* true when the event is not ours to bin (filter or bad vq: counted) */
static __always_inline bool skip(struct zclat_state *s, __u32 dev, __u32 vq)
{
	if ((targ_dev >= 0 && dev != targ_dev) || (targ_vq >= 0 && vq != targ_vq)) {
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

	if (!s || skip(s, dev, vq))
		return 0;
	count_submit(s, zerocopy);
	return 0;
}

static __always_inline int on_complete(__u32 dev, __u32 vq)
{
	struct zclat_state *s = zc_state();

	if (!s || skip(s, dev, vq))
		return 0;
	count(s, ZCLAT_EV_COMPLETE);
	return 0;
}

static __always_inline int on_dequeue(__u32 dev, __u32 vq, __u32 head, __u32 len,
				      __u32 zerocopy, __u32 success, __u64 submit_ns,
				      __u64 complete_ns, __u64 dequeue_ns, __u32 failed)
{
	struct zclat_state *s = zc_state();

	if (!s || skip(s, dev, vq))
		return 0;
	count(s, ZCLAT_EV_DEQUEUE);
	if (!counts_live && vq == ZCLAT_VQ_TX) {
		count_submit(s, zerocopy);
		count(s, ZCLAT_EV_COMPLETE);
	}
	if (zerocopy) {
		count(s, ZCLAT_EV_USED_ZC);
		/* a send that failed was not copied */
		if (!success && !failed)
			count(s, ZCLAT_EV_ZC_COPIED);
		if (submit_ns) {
			hist(s, ZCLAT_SUBMIT_COMPLETE, vq, complete_ns - submit_ns);
			hist(s, ZCLAT_COMPLETE_DEQUEUE, vq, dequeue_ns - complete_ns);
		}
	}
	if (qlat_evidence_on && submit_ns &&
	    !qlat_emit(dequeue_ns, ZCLAT_REC_USED, vq, head, complete_ns - submit_ns,
		       dequeue_ns - complete_ns,
		       (zerocopy && (success || failed) ? 0 : QLAT_EVF_COPY) |
		       (success ? 0 : QLAT_EVF_FAIL), dev))
		count_shared(s, ZCLAT_EV_RB_DROP);
	return 0;
}

/* submit times copied from the signal's array at a time (stack) */
#define ZCLAT_SIG_CHUNK	16

struct signal_ctx {
	struct qlat_hist *h;
	const __u64 *submit_ns;
	__u64 signal_ns;
	__u64 worst;
	__u64 timed;
	__u32 cnt;
};

/*
 * Chunk i of the signal's submit times: copy, bin each. A bpf_loop()
 * callback, so that the verifier walks the inner loop once, not once per
 * chunk (it ran out of its budget on 6.12 with the evidence code in).
 */
static long signal_chunk(__u32 i, void *data)
{
	struct signal_ctx *c = data;
	__u64 chunk[ZCLAT_SIG_CHUNK], v, n, first = (__u64)i * ZCLAT_SIG_CHUNK;
	__u32 j;

	if (first >= c->cnt)
		return 1;
	n = qlat_clamp(c->cnt - first, ZCLAT_SIG_CHUNK);
	if (bpf_probe_read_kernel(chunk, n * sizeof(chunk[0]), c->submit_ns + first))
		return 1;
	for (j = 0; j < ZCLAT_SIG_CHUNK && j < n; j++) {
		if (!chunk[j])
			continue;
		v = c->signal_ns - chunk[j];
		qlat_hist_add(c->h, v);
		c->timed++;
		if (v > c->worst && !(v >> 63))
			c->worst = v;
	}
	return 0;
}

/*
 * submit_ns: the kernel address of the signal's array of nsub submit times
 * (TX: nsub == cnt; RX: nsub == 0). Each buffer is binned
 * from its own submit time; entries without one (submitted before tracing
 * began) are counted unmatched.
 */
static __always_inline int on_signal(__u32 dev, __u32 vq, __u32 cnt, __u32 used_idx,
				     __u64 signal_ns, const __u64 *submit_ns, __u32 nsub)
{
	struct signal_ctx c = { .submit_ns = submit_ns, .signal_ns = signal_ns, .cnt = cnt };
	struct zclat_state *s = zc_state();
	__u32 flags = 0;

	if (!s || skip(s, dev, vq))
		return 0;
	count(s, ZCLAT_EV_SIGNAL);
	count_n(s, ZCLAT_EV_SIGNALED, cnt);
	hist(s, ZCLAT_BATCH, vq, cnt);
	if (vq != ZCLAT_VQ_TX)
		return 0;
	if (!submit_ns || nsub != cnt || cnt > ZCLAT_BATCH_MAX) {
		count_n(s, ZCLAT_EV_UNMATCHED, cnt);
		return 0;
	}
	c.h = &s->hists[ZCLAT_SUBMIT_SIGNAL * ZCLAT_VQS + ZCLAT_VQ_TX];
	bpf_loop((cnt + ZCLAT_SIG_CHUNK - 1) / ZCLAT_SIG_CHUNK, signal_chunk, &c, 0);
	if (cnt > c.timed)
		count_n(s, ZCLAT_EV_UNMATCHED, cnt - c.timed);
	if (!qlat_evidence_on)
		return 0;
	if (qlat_over(c.worst)) {
		flags |= QLAT_EVF_OVER;
		count(s, ZCLAT_EV_OVER);
	}
	if (!qlat_emit(signal_ns, ZCLAT_REC_SIGNAL, vq, cnt, c.worst, used_idx, flags, dev))
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

QLAT_TP_BTF_RAW(vhost_zc_kiocb_dequeue, dequeue,
		on_dequeue(dev, vq, desc_head, len, zerocopy, success, submit_ns,
			   complete_ns, dequeue_ns, failed),
		u32 dev, u32 vq, u32 desc_head, u32 len, bool zerocopy, bool success,
		u64 submit_ns, u64 complete_ns, u64 dequeue_ns, bool failed)

QLAT_TP_BTF_RAW(vhost_zc_signal, signal,
		on_signal(dev, vq, count, used_idx, signal_ns, submit_ns, nsubmit),
		u32 dev, u32 vq, u32 count, u32 used_idx, u64 first_submit_ns,
		u64 signal_ns, const u64 *submit_ns, u32 nsubmit)

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

SEC("tracepoint/vhost_zc/vhost_zc_kiocb_dequeue")
int dequeue_tp(struct tp_vhost_zc_kiocb_dequeue *ctx)
{
	return on_dequeue(ctx->dev, ctx->vq, ctx->head, ctx->len, ctx->zerocopy,
			  ctx->success, ctx->submit_ns, ctx->complete_ns, ctx->dequeue_ns,
			  ctx->failed);
}

SEC("tracepoint/vhost_zc/vhost_zc_signal")
int signal_tp(struct tp_vhost_zc_signal *ctx)
{
	/* __data_loc: length in bytes << 16 | offset in the record */
	const __u64 *submit_ns = (const __u64 *)((void *)ctx + (ctx->submit_ns & 0xffff));

	return on_signal(ctx->dev, ctx->vq, ctx->count, ctx->used_idx, ctx->signal_ns,
			 submit_ns, (ctx->submit_ns >> 16) / sizeof(__u64));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
