// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * zcstock: the same figures as zclat, from stock vhost_net's zero-copy TX
 * path (experimental_zcopytx=1), which has no tracepoints. fentry on:
 *
 *   tun_sendmsg()                  submit: msg_control is a TUN_MSG_UBUF
 *                                  whose callback is vhost_net's
 *   vhost_zerocopy_callback()      complete (the last reference only);
 *   or vhost_zerocopy_complete()   its name since 6.8, where ubuf_info
 *                                  has ops->complete instead of callback
 *   vhost_add_used_and_signal_n()  dequeue + signal, for the TX vq of a
 *                                  vhost_net device (handle_kick is
 *                                  handle_tx_kick)
 *   vhost_add_used_and_signal()    a TX chain vhost_net copied
 *   vhost_net_vq_reset()           release/reset: its in-flight entries
 *                                  that were never signalled go
 *
 * vhost_net keeps its ubuf_info in an array parallel to vq->heads[], so an
 * entry signalled from &vq->heads[i] is nvq->ubuf_info + i: the in-flight
 * map is keyed by the ubuf_info address. It is bounded (--max-inflight);
 * a send that finds it full is counted (ZCLAT_EV_MAP_FULL) and not timed.
 * The vhost_net internals are read with CO-RE against its module BTF; the
 * ubuf_info layouts of 6.1 and 6.12 are told apart with field existence
 * checks, and the loader keeps the one complete program whose function
 * exists, so one object serves both kernels.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "zclat.bpf.h"
#include "qlat_evidence.bpf.h"

#define TUN_MSG_UBUF	1
#define UIO_MAXIOV	1024	/* vhost_net's ring of in-flight zero-copy sends */
#define VQ_TX		ZCLAT_VQ_TX

/* Set by the loader from /proc/kallsyms (vhost_net's static functions) */
const volatile __u64 stock_callback = 0;	/* vhost_zerocopy_callback/_complete */
const volatile __u64 stock_tx_kick = 0;		/* handle_tx_kick */

/* Module types, relocated against vhost.ko / vhost_net.ko / tun.ko BTF */
struct vring_used_elem___q {
	__u32 id;
	__u32 len;
};

struct vhost_virtqueue___q {
	void *handle_kick;
	struct vring_used_elem___q *heads;
} __attribute__((preserve_access_index));

struct vhost_net_virtqueue___q {
	struct vhost_virtqueue___q vq;
	struct ubuf_info_msgzc *ubuf_info;
} __attribute__((preserve_access_index));

struct vhost_net___q {
	struct vhost_net_virtqueue___q vqs[2];
} __attribute__((preserve_access_index));

/* ubuf_info until 6.7: the completion is a function pointer */
struct ubuf_info___cb {
	void *callback;
} __attribute__((preserve_access_index));

/* since 6.8: a pointer to its ops */
struct ubuf_info_ops___q {
	void *complete;
} __attribute__((preserve_access_index));

struct ubuf_info___ops {
	const struct ubuf_info_ops___q *ops;
} __attribute__((preserve_access_index));

struct tun_msg_ctl___q {
	unsigned short type;
	unsigned short num;
	void *ptr;
};

/* key: ubuf_info address; max_entries set by the loader (--max-inflight) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct zclat_inflight);
} inflight SEC(".maps");

static __always_inline void hist_tx(struct zclat_state *s, __u32 metric, __u64 v)
{
	hist(s, metric, VQ_TX, v);
}

/* the function a zero-copy send's ubuf_info completes with */
static __always_inline __u64 ubuf_complete_fn(struct ubuf_info *ubuf)
{
	struct ubuf_info___ops *u = (void *)ubuf;

	if (bpf_core_field_exists(u->ops))
		return (__u64)BPF_CORE_READ(u, ops, complete);
	return (__u64)BPF_CORE_READ((struct ubuf_info___cb *)ubuf, callback);
}

SEC("fentry/tun_sendmsg")
int BPF_PROG(submit_fentry, struct socket *sock, struct msghdr *m, size_t total_len)
{
	struct zclat_inflight v = { .submit_ns = bpf_ktime_get_ns() };
	struct zclat_state *s;
	struct tun_msg_ctl___q ctl;
	struct ubuf_info *ubuf;
	__u64 key;
	void *p;

	p = BPF_CORE_READ(m, msg_control);
	if (!p || BPF_CORE_READ(m, msg_controllen) != sizeof(ctl) ||
	    bpf_probe_read_kernel(&ctl, sizeof(ctl), p) || ctl.type != TUN_MSG_UBUF)
		return 0;
	ubuf = ctl.ptr;
	if (ubuf_complete_fn(ubuf) != stock_callback)
		return 0;	/* not vhost_net's (vhost-zc-net uses tun too) */
	s = zc_state();
	if (!s)
		return 0;
	count(s, ZCLAT_EV_SUBMIT);
	count(s, ZCLAT_EV_SUBMIT_ZC);
	key = (__u64)ubuf;
	if (bpf_map_update_elem(&inflight, &key, &v, BPF_ANY))
		count(s, ZCLAT_EV_MAP_FULL);
	return 0;
}

static __always_inline bool stock_tx_vq(struct vhost_virtqueue___q *vq)
{
	return (__u64)BPF_CORE_READ(vq, handle_kick) == stock_tx_kick;
}

SEC("fentry/vhost_add_used_and_signal")
int BPF_PROG(copy_fentry, void *dev, struct vhost_virtqueue___q *vq, unsigned int head,
	     int len)
{
	struct zclat_state *s;

	if (!stock_tx_vq(vq))
		return 0;
	s = zc_state();
	if (!s)
		return 0;
	count(s, ZCLAT_EV_SUBMIT);
	count(s, ZCLAT_EV_SUBMIT_COPY);
	return 0;
}

static __always_inline int complete(struct ubuf_info *ubuf, bool success)
{
	__u64 now = bpf_ktime_get_ns(), key = (__u64)ubuf;
	struct zclat_state *s = zc_state();
	struct zclat_inflight *v;

	if (!s)
		return 0;
	/* vhost_net acts on the last reference only (clones share the ubuf) */
	if (BPF_CORE_READ(ubuf, refcnt.refs.counter) != 1) {
		count(s, ZCLAT_EV_PARTIAL);
		return 0;
	}
	count(s, ZCLAT_EV_COMPLETE);
	if (!success)
		count(s, ZCLAT_EV_ZC_COPIED);
	v = bpf_map_lookup_elem(&inflight, &key);
	if (!v)
		return 0;	/* counted at submit (map full) or sent before we attached */
	v->complete_ns = now;
	hist_tx(s, ZCLAT_SUBMIT_COMPLETE, now - v->submit_ns);
	if (qlat_evidence_on &&
	    !qlat_emit(now, ZCLAT_REC_USED, VQ_TX,
		       BPF_CORE_READ(container_of(ubuf, struct ubuf_info_msgzc, ubuf), desc),
		       now - v->submit_ns, 0, success ? 0 : QLAT_EVF_COPY | QLAT_EVF_FAIL, -1))
		count_shared(s, ZCLAT_EV_RB_DROP);
	return 0;
}

/* the loader keeps the one of these two that the kernel has */
SEC("fentry/vhost_zerocopy_callback")
int BPF_PROG(complete_fentry, struct sk_buff *skb, struct ubuf_info *ubuf, bool success)
{
	return complete(ubuf, success);
}

SEC("fentry/vhost_zerocopy_complete")
int BPF_PROG(complete_ops_fentry, struct sk_buff *skb, struct ubuf_info *ubuf, bool success)
{
	return complete(ubuf, success);
}

struct signal_ctx {
	struct zclat_state *s;
	__u64 ubufs;	/* nvq->ubuf_info */
	__u64 now;
	__u64 worst;
	__u32 first;	/* ring slot of heads[0] */
	__u32 matched;
};

static long signal_one(__u32 i, void *data)
{
	struct signal_ctx *c = data;
	struct zclat_inflight *v;
	__u64 key, lat;

	key = c->ubufs + ((c->first + i) % UIO_MAXIOV) * bpf_core_type_size(struct ubuf_info_msgzc);
	v = bpf_map_lookup_elem(&inflight, &key);
	if (!v)
		return 0;
	c->matched++;
	if (v->complete_ns)
		hist_tx(c->s, ZCLAT_COMPLETE_DEQUEUE, c->now - v->complete_ns);
	lat = c->now - v->submit_ns;
	hist_tx(c->s, ZCLAT_SUBMIT_SIGNAL, lat);
	if (lat > c->worst && !(lat >> 63))
		c->worst = lat;
	bpf_map_delete_elem(&inflight, &key);
	return 0;
}

SEC("fentry/vhost_add_used_and_signal_n")
int BPF_PROG(signal_fentry, void *dev, struct vhost_virtqueue___q *vq,
	     struct vring_used_elem___q *heads, unsigned int cnt)
{
	struct signal_ctx c = { .now = bpf_ktime_get_ns() };
	struct vhost_net_virtqueue___q *nvq;
	__u64 base, h;
	__u32 flags = 0;

	if (!stock_tx_vq(vq))
		return 0;
	nvq = (void *)vq - bpf_core_field_offset(struct vhost_net_virtqueue___q, vq);
	c.ubufs = (__u64)BPF_CORE_READ(nvq, ubuf_info);
	if (!c.ubufs)
		return 0;	/* zero-copy off: handle_tx_copy's batches */
	base = (__u64)BPF_CORE_READ(vq, heads);
	/* as a number: the verifier refuses arithmetic on the typed pointer */
	bpf_probe_read_kernel(&h, sizeof(h), &ctx[2]);
	c.first = (h - base) / sizeof(*heads);
	if (cnt > UIO_MAXIOV || c.first >= UIO_MAXIOV)
		return 0;
	c.s = zc_state();
	if (!c.s)
		return 0;
	count(c.s, ZCLAT_EV_SIGNAL);
	count_n(c.s, ZCLAT_EV_SIGNALED, cnt);
	hist_tx(c.s, ZCLAT_BATCH, cnt);
	bpf_loop(cnt, signal_one, &c, 0);
	count_n(c.s, ZCLAT_EV_DEQUEUE, cnt);
	count_n(c.s, ZCLAT_EV_USED_ZC, cnt);
	count_n(c.s, ZCLAT_EV_UNMATCHED, cnt - c.matched);
	if (!qlat_evidence_on)
		return 0;
	if (qlat_over(c.worst)) {
		flags |= QLAT_EVF_OVER;
		count(c.s, ZCLAT_EV_OVER);
	}
	if (!qlat_emit(c.now, ZCLAT_REC_SIGNAL, VQ_TX, cnt, c.worst, 0, flags, -1))
		count_shared(c.s, ZCLAT_EV_RB_DROP);
	return 0;
}

struct purge_ctx {
	__u64 lo, hi;
	__u64 purged;
};

static long purge_one(struct bpf_map *map, __u64 *key, struct zclat_inflight *v, void *data)
{
	struct purge_ctx *c = data;

	if (*key >= c->lo && *key < c->hi) {
		bpf_map_delete_elem(map, key);
		c->purged++;
	}
	return 0;
}

/*
 * Release and RESET_OWNER wait for the sends in flight, then free the
 * ubuf_info array here; what completed meanwhile is never signalled (the
 * guest is gone). Forget those entries, or they would fill the map.
 */
SEC("fentry/vhost_net_vq_reset")
int BPF_PROG(reset_fentry, struct vhost_net___q *n)
{
	struct purge_ctx c = {};
	struct zclat_state *s;

	c.lo = (__u64)BPF_CORE_READ(n, vqs[VQ_TX].ubuf_info);
	if (!c.lo)
		return 0;
	c.hi = c.lo + UIO_MAXIOV * bpf_core_type_size(struct ubuf_info_msgzc);
	bpf_for_each_map_elem(&inflight, purge_one, &c, 0);
	s = zc_state();
	if (s)
		count_n(s, ZCLAT_EV_PURGED, c.purged);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
