// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * zclat: vhost-zc-net zero-copy TX latency, from the vhost_zc:* tracepoints.
 *
 * The tracepoints carry the timestamps the latencies need (kiocb_dequeue
 * carries submit, complete and dequeue times), so most events are one
 * per-CPU array update. submit->signal is per TX buffer: each vq worker's
 * dequeued-but-not-signalled submit times wait in a per-(dev, vq) batch
 * entry until its signal event deletes it; only that worker writes the
 * entry. The map is bounded (--max-inflight devices with a batch open at
 * once); entries that find it full are counted, not timed.
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

/* key: dev << 32 | vq; max_entries set by the loader (--max-inflight) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, struct zclat_batch);
} batches SEC(".maps");

static const struct zclat_batch empty_batch;

/* true when the event is not ours to bin (filter or bad vq: counted) */
static __always_inline bool skip(__u32 dev, __u32 vq)
{
	if ((targ_dev >= 0 && dev != targ_dev) || (targ_vq >= 0 && vq != targ_vq)) {
		count(ZCLAT_EV_FILTERED);
		return true;
	}
	if (vq >= ZCLAT_VQS) {
		count(ZCLAT_EV_BADKEY);
		return true;
	}
	return false;
}

static __always_inline int on_submit(__u32 dev, __u32 vq, __u32 zerocopy)
{
	if (skip(dev, vq))
		return 0;
	count(ZCLAT_EV_SUBMIT);
	count(zerocopy ? ZCLAT_EV_SUBMIT_ZC : ZCLAT_EV_SUBMIT_COPY);
	return 0;
}

static __always_inline int on_complete(__u32 dev, __u32 vq)
{
	if (skip(dev, vq))
		return 0;
	count(ZCLAT_EV_COMPLETE);
	return 0;
}

static __always_inline int on_dequeue(__u32 dev, __u32 vq, __u32 head, __u32 len,
				      __u32 zerocopy, __u32 success, __u64 submit_ns,
				      __u64 complete_ns, __u64 dequeue_ns)
{
	__u64 key = (__u64)dev << 32 | vq;
	struct zclat_batch *b;

	if (skip(dev, vq))
		return 0;
	count(ZCLAT_EV_DEQUEUE);
	if (zerocopy) {
		count(ZCLAT_EV_USED_ZC);
		if (!success)
			count(ZCLAT_EV_ZC_COPIED);
		if (submit_ns) {
			hist(ZCLAT_SUBMIT_COMPLETE, vq, complete_ns - submit_ns);
			hist(ZCLAT_COMPLETE_DEQUEUE, vq, dequeue_ns - complete_ns);
		}
	}
	if (qlat_evidence_on && submit_ns &&
	    !qlat_emit(dequeue_ns, ZCLAT_REC_USED, vq, head, complete_ns - submit_ns,
		       dequeue_ns - complete_ns,
		       (zerocopy && success ? 0 : QLAT_EVF_COPY) |
		       (success ? 0 : QLAT_EVF_FAIL), dev))
		count(ZCLAT_EV_RB_DROP);

	/* RX entries are copies (and one packet may take several buffers) */
	if (vq != ZCLAT_VQ_TX)
		return 0;
	b = bpf_map_lookup_elem(&batches, &key);
	if (!b) {
		/* a full map fails here: counted at the signal */
		bpf_map_update_elem(&batches, &key, &empty_batch, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&batches, &key);
		if (!b)
			return 0;
	}
	/* no submit time (tracing began later): counted unmatched at the signal */
	if (submit_ns && b->n < ZCLAT_BATCH_MAX)
		b->submit_ns[b->n++ & (ZCLAT_BATCH_MAX - 1)] = submit_ns;
	else if (submit_ns)
		b->untimed++;
	return 0;
}

struct signal_ctx {
	struct zclat_batch *b;
	__u64 signal_ns;
	__u64 worst;
	__u32 vq;
};

static long signal_one(__u32 i, void *data)
{
	struct signal_ctx *c = data;
	__u64 v;

	if (i >= ZCLAT_BATCH_MAX)
		return 1;
	v = c->signal_ns - c->b->submit_ns[i];
	hist(ZCLAT_SUBMIT_SIGNAL, c->vq, v);
	if (v > c->worst && !(v >> 63))
		c->worst = v;
	return 0;
}

static __always_inline int on_signal(__u32 dev, __u32 vq, __u32 cnt, __u32 used_idx,
				     __u64 signal_ns)
{
	__u64 key = (__u64)dev << 32 | vq;
	struct signal_ctx c = { .signal_ns = signal_ns, .vq = vq };
	__u32 timed = 0, flags = 0;

	if (skip(dev, vq))
		return 0;
	count(ZCLAT_EV_SIGNAL);
	count_n(ZCLAT_EV_SIGNALED, cnt);
	hist(ZCLAT_BATCH, vq, cnt);
	if (vq != ZCLAT_VQ_TX)
		return 0;
	c.b = bpf_map_lookup_elem(&batches, &key);
	if (!c.b) {
		count_n(ZCLAT_EV_MAP_FULL, cnt);
		return 0;
	}
	timed = c.b->n < cnt ? c.b->n : cnt;
	bpf_loop(timed, signal_one, &c, 0);
	count_n(ZCLAT_EV_MAP_FULL, c.b->untimed);
	if (cnt > timed + c.b->untimed)
		count_n(ZCLAT_EV_UNMATCHED, cnt - timed - c.b->untimed);
	/* the entry lives from a worker's first dequeue to its signal */
	bpf_map_delete_elem(&batches, &key);
	if (!qlat_evidence_on)
		return 0;
	if (qlat_over(c.worst)) {
		flags |= QLAT_EVF_OVER;
		count(ZCLAT_EV_OVER);
	}
	if (!qlat_emit(signal_ns, ZCLAT_REC_SIGNAL, vq, cnt, c.worst, used_idx, flags, dev))
		count(ZCLAT_EV_RB_DROP);
	return 0;
}

QLAT_TP_BTF_RAW(vhost_zc_submit, submit,
		on_submit(dev, vq, zerocopy),
		u32 dev, u32 vq, u32 desc_head, u32 len, bool zerocopy, u64 submit_ns)

QLAT_TP_BTF_RAW(vhost_zc_complete, complete,
		on_complete(dev, vq),
		u32 dev, u32 vq, u32 desc_head, bool success, bool copied,
		u64 submit_ns, u64 complete_ns)

QLAT_TP_BTF_RAW(vhost_zc_kiocb_dequeue, dequeue,
		on_dequeue(dev, vq, desc_head, len, zerocopy, success, submit_ns,
			   complete_ns, dequeue_ns),
		u32 dev, u32 vq, u32 desc_head, u32 len, bool zerocopy, bool success,
		u64 submit_ns, u64 complete_ns, u64 dequeue_ns)

QLAT_TP_BTF_RAW(vhost_zc_signal, signal,
		on_signal(dev, vq, count, used_idx, signal_ns),
		u32 dev, u32 vq, u32 count, u32 used_idx, u64 first_submit_ns,
		u64 signal_ns)

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
			  ctx->success, ctx->submit_ns, ctx->complete_ns, ctx->dequeue_ns);
}

SEC("tracepoint/vhost_zc/vhost_zc_signal")
int signal_tp(struct tp_vhost_zc_signal *ctx)
{
	return on_signal(ctx->dev, ctx->vq, ctx->count, ctx->used_idx, ctx->signal_ns);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
