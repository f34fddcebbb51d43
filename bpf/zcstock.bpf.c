// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * zcstock: the same figures as zclat, from stock vhost_net's zero-copy TX
 * path (experimental_zcopytx=1), which has no tracepoints. fentry on:
 *
 *   tun_get_user()                 submit: tun_sendmsg() passes it the
 *                                  ubuf_info of a TUN_MSG_UBUF message as
 *                                  msg_control (NULL for a copy and for
 *                                  tun's write()); it is vhost_net's if
 *                                  its callback is
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
 * vhost_net keeps its ubuf_info in an array parallel to vq->heads[]: the
 * send in ring slot i (ubuf->desc == i) uses nvq->ubuf_info + i, and the
 * entry signalled from &vq->heads[i] is that send. So the sends in flight
 * need no hash keyed per buffer (an insert and a delete per frame): each
 * device traced has one element of the devs map, keyed by its ubuf_info
 * array, holding one record per slot (struct zclat_stock_dev), and an
 * event costs one lookup of its device plus an index. The element is made
 * at the device's first zero-copy send and goes when vhost_net frees the
 * array (vhost_net_vq_reset). The map is bounded (--max-devices); a send
 * of a device that finds it full is counted (ZCLAT_EV_MAP_FULL) and not
 * timed.
 * Once a device is known, its events find its element without reading
 * vhost_net's memory (bpf_probe_read_kernel(), about 110 instructions a
 * read on 6.1): a send or completion from its ubuf_info's address
 * (dev_of_ubuf()), a signal from the element this CPU's last signal used
 * (dev_of_vq()). Each checks what it assumes and, failing, reads as at
 * the device's first event, so that a frame reads none of vhost_net's
 * memory. The send is probed at tun_get_user(), not tun_sendmsg(), for
 * that: there the ubuf_info's address is an argument, where tun_sendmsg()
 * has it in the message's control block, which only a
 * bpf_probe_read_kernel() can read on 6.1 (84 instructions a frame).
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

#define VQ_TX		ZCLAT_VQ_TX

/* Set by the loader from /proc/kallsyms (vhost_net's static functions) */
const volatile __u64 stock_callback = 0;	/* vhost_zerocopy_callback/_complete */
const volatile __u64 stock_tx_kick = 0;		/* handle_tx_kick */
const volatile __u64 stock_ubuf_ops = 0;	/* vhost_ubuf_ops (6.8+), if in kallsyms */

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

/* since 6.8 */
struct ubuf_info_ops___q {
	void *complete;
} __attribute__((preserve_access_index));

/*
 * ubuf_info: until 6.7 its completion is a function pointer (callback),
 * since 6.8 a pointer to its ops; the one that exists is told by a field
 * existence check. One local type for both and the reference count, not a
 * flavour each: libbpf looks for each local type's candidates by a linear
 * search of the kernel's BTF (130,000 types on 6.12, about 5 ms under
 * TCG a search).
 */
struct ubuf_info___q {
	void *callback;
	const struct ubuf_info_ops___q *ops;
	refcount_t refcnt;
} __attribute__((preserve_access_index));

/*
 * The devices' elements: an open-addressed table (linear probing) indexed
 * by a hash of the device's ubuf_info array, whose address each element
 * holds (0: free). An array, not a hash map: its lookup is inlined, and a
 * device is almost always found at its first index. max_entries: a power
 * of 2 >= --max-devices (dev_mask + 1).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct zclat_stock_dev);
} devs SEC(".maps");

const volatile __u32 dev_mask = 63;

/*
 * Who claimed a free element (index -> ubuf_info array): the insert is
 * atomic, so two devices' first sends on two CPUs cannot take the same
 * one. Used only when a device is first seen and when it goes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} dev_owner SEC(".maps");

static __always_inline __u32 dev_hash(__u64 base)
{
	return (base * 0x9e3779b97f4a7c15ULL) >> 40;	/* Fibonacci hashing */
}

struct dev_scan {
	__u64 base;
	__u32 h;
	__u32 found;	/* index + 1 of base's element, or 0 */
	__u32 free;	/* index + 1 of the first free element, or 0 */
};

static long dev_scan_one(__u32 i, void *data)
{
	struct dev_scan *c = data;
	__u32 idx = (c->h + i) & dev_mask;
	struct zclat_stock_dev *d = bpf_map_lookup_elem(&devs, &idx);
	__u64 b;

	if (!d)
		return 1;
	b = d->base;
	if (b == c->base) {
		c->found = idx + 1;
		return 1;
	}
	if (!b && !c->free)
		c->free = idx + 1;
	return 0;
}

/* the element at base's first index, where a device is almost always found */
static __always_inline struct zclat_stock_dev *dev_first(__u64 base)
{
	__u32 idx = dev_hash(base) & dev_mask;

	return bpf_map_lookup_elem(&devs, &idx);
}

/*
 * The element of the device whose ubuf_info array is at base, or NULL.
 * With make (its submits: one vhost worker), a free one is claimed for it;
 * *full is set when none is free.
 */
static __always_inline struct zclat_stock_dev *dev_find(__u64 base, bool make, bool *full)
{
	struct dev_scan c = { .base = base, .h = dev_hash(base) };
	struct zclat_stock_dev *d = dev_first(base);
	__u32 idx;
	int try;

	if (!d || d->base == base)
		return d;
	for (try = 0; try < 2; try++) {
		c.found = c.free = 0;
		bpf_loop(dev_mask + 1, dev_scan_one, &c, 0);
		if (c.found) {
			idx = c.found - 1;
			return bpf_map_lookup_elem(&devs, &idx);
		}
		if (!make)
			return NULL;
		if (!c.free) {
			*full = true;
			return NULL;
		}
		idx = c.free - 1;
		/* lost to another device's first send: look again */
		if (bpf_map_update_elem(&dev_owner, &idx, &base, BPF_NOEXIST))
			continue;
		d = bpf_map_lookup_elem(&devs, &idx);
		if (d) {
			d->idx = idx;
			d->base = base;
		}
		return d;
	}
	*full = true;
	return NULL;
}

static __always_inline void hist_tx(struct zclat_state *s, __u32 metric, __u64 v)
{
	hist(s, metric, VQ_TX, v);
}

/*
 * The start of a ubuf_info_msgzc, read with one bpf_probe_read_kernel():
 * its completion (callback, or ops since 6.8) and its desc
 */
#define UBUF_HDR_WORDS	4

/* byte offsets of a field in a ubuf_info_msgzc (CO-RE) */
#define UBUF_OFF_FN()							\
	(bpf_core_field_offset(struct ubuf_info_msgzc, ubuf) +		\
	 (bpf_core_field_exists(((struct ubuf_info___q *)0)->ops) ?	\
	  bpf_core_field_offset(struct ubuf_info___q, ops) :		\
	  bpf_core_field_offset(struct ubuf_info___q, callback)))
#define UBUF_OFF_DESC()	bpf_core_field_offset(struct ubuf_info_msgzc, desc)

/* the ubuf_info_msgzc holding the ubuf_info at ubuf (addresses) */
static __always_inline __u64 msgzc_of(__u64 ubuf)
{
	return ubuf - bpf_core_field_offset(struct ubuf_info_msgzc, ubuf);
}

/*
 * Is ubuf (an address) vhost_net's? Then *desc is its ring slot. It is if
 * it completes with vhost_net's function: its callback, or (6.8+) its ops
 * are vhost_ubuf_ops (whose ->complete is that function).
 */
static __always_inline bool stock_ubuf(__u64 ubuf, __u64 *desc)
{
	__u64 z = msgzc_of(ubuf);
	__u64 hdr[UBUF_HDR_WORDS], fn;
	__u32 off_fn = UBUF_OFF_FN(), off_desc = UBUF_OFF_DESC();

	if (off_fn > sizeof(hdr) - 8 || off_desc > sizeof(hdr) - 8 ||
	    bpf_probe_read_kernel(hdr, sizeof(hdr), (void *)z))
		return false;
	fn = hdr[off_fn / 8];
	*desc = hdr[off_desc / 8];
	if (bpf_core_field_exists(((struct ubuf_info___q *)0)->ops)) {
		if (stock_ubuf_ops)
			return fn == stock_ubuf_ops;
		/* vhost_ubuf_ops not in kallsyms (no CONFIG_KALLSYMS_ALL) */
		return (__u64)BPF_CORE_READ((struct ubuf_info_ops___q *)fn, complete) ==
		       stock_callback;
	}
	return fn == stock_callback;
}

/* the address of the ubuf_info array whose entry desc is at ubuf */
static __always_inline __u64 ubuf_base(__u64 ubuf, __u64 desc)
{
	return msgzc_of(ubuf) - desc * bpf_core_type_size(struct ubuf_info_msgzc);
}

/*
 * The element of the device whose ubuf_info array holds the one at ubuf
 * (an address), and its ring slot, found without reading the ubuf_info:
 * NULL when that does not work, and the caller reads it instead. vhost_net
 * allocates a vq's UIO_MAXIOV ubuf_info_msgzc at once (48 KiB on 6.1 and
 * 6.12: kmalloc_array() above KMALLOC_MAX_CACHE_SIZE takes pages of order
 * 4), so the array starts at the 64 KiB boundary below each of its entries.
 * If that boundary is the array of the device at the first index it
 * hashes to, and ubuf lies inside it at an entry's start, ubuf is that
 * device's entry: the arrays do not overlap, and an element goes
 * (vhost_net_vq_reset) before its array is freed. Anything else (another
 * layout or allocator, a device not yet known or not at its first index,
 * a send not vhost_net's) returns NULL. Saves a bpf_probe_read_kernel(),
 * about 110 instructions, at each zero-copy send and each completion.
 */
#define UBUF_ARRAY_ALIGN	0x10000ULL

static __always_inline struct zclat_stock_dev *dev_of_ubuf(__u64 ubuf, __u64 *slot)
{
	__u64 z = msgzc_of(ubuf), base = z & ~(UBUF_ARRAY_ALIGN - 1), off = z - base;
	__u64 size = bpf_core_type_size(struct ubuf_info_msgzc);
	struct zclat_stock_dev *d;

	if (!size || off >= ZCLAT_STOCK_SLOTS * size || off % size)
		return NULL;
	/* not dev_find(): a send that is not vhost_net's would scan the map */
	d = dev_first(base);
	if (!d || d->base != base)
		return NULL;
	*slot = off / size;
	return d;
}

/*
 * tun_get_user(tun, tfile, msg_control, from, noblock, more): msg_control
 * is the ubuf_info of a zero-copy send (tun_sendmsg()'s TUN_MSG_UBUF) or
 * NULL; vhost_net's XDP batches (TUN_MSG_PTR) do not come here
 */
#define TUN_GET_USER_ARG_UBUF	2

SEC("fentry/tun_get_user")
int BPF_PROG(submit_fentry)
{
	__u64 now = bpf_ktime_get_ns();
	struct zclat_stock_dev *dev;
	struct zclat_inflight *v;
	struct zclat_state *s;
	__u64 ubuf = 0, base, slot;
	bool full = false;

	/* the address as a number (a void * argument has no BTF type to read) */
	bpf_get_func_arg(ctx, TUN_GET_USER_ARG_UBUF, &ubuf);
	if (!ubuf)
		return 0;	/* a copy */
	dev = dev_of_ubuf(ubuf, &slot);
	if (!dev && !stock_ubuf(ubuf, &slot))
		return 0;	/* not vhost_net's (vhost-zc-net uses tun too) */
	s = zc_state();
	if (!s)
		return 0;
	count(s, ZCLAT_EV_SUBMIT);
	count(s, ZCLAT_EV_SUBMIT_ZC);
	if (!dev) {
		if (slot >= ZCLAT_STOCK_SLOTS)
			return 0;	/* not a vhost_net ring slot: unmatched at signal */
		base = ubuf_base(ubuf, slot);
		dev = dev_find(base, true, &full);
		if (!dev) {
			if (full)
				count(s, ZCLAT_EV_MAP_FULL);
			return 0;
		}
	}
	v = &dev->slot[slot & (ZCLAT_STOCK_SLOTS - 1)];
	v->complete_ns = 0;
	v->submit_ns = now;
	return 0;
}

static __always_inline bool stock_tx_vq(struct vhost_virtqueue___q *vq)
{
	return (__u64)vq->handle_kick == stock_tx_kick;
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

static __always_inline int complete(__u64 *ctx, struct ubuf_info *ubuf, bool success)
{
	__u64 now = bpf_ktime_get_ns(), slot, lat, u = 0;
	struct zclat_state *s = zc_state();
	struct zclat_stock_dev *dev;
	struct zclat_inflight *v;

	if (!s)
		return 0;
	/* vhost_net acts on the last reference only (clones share the ubuf) */
	if (((struct ubuf_info___q *)ubuf)->refcnt.refs.counter != 1) {
		count(s, ZCLAT_EV_PARTIAL);
		return 0;
	}
	count(s, ZCLAT_EV_COMPLETE);
	if (!success)
		count(s, ZCLAT_EV_ZC_COPIED);
	/* the address as a number (arithmetic on a typed pointer is refused) */
	bpf_get_func_arg(ctx, 1, &u);
	dev = dev_of_ubuf(u, &slot);
	if (!dev) {
		slot = BPF_CORE_READ((struct ubuf_info_msgzc *)msgzc_of(u), desc);
		if (slot >= ZCLAT_STOCK_SLOTS)
			return 0;
		dev = dev_find(ubuf_base(u, slot), false, NULL);
		if (!dev)
			return 0;	/* counted at submit (map full) or sent before we attached */
	}
	v = &dev->slot[slot & (ZCLAT_STOCK_SLOTS - 1)];
	if (!v->submit_ns)
		return 0;
	v->complete_ns = now;
	lat = now - v->submit_ns;
	hist_tx(s, ZCLAT_SUBMIT_COMPLETE, lat);
	if (qlat_evidence_on &&
	    !qlat_emit(now, ZCLAT_REC_USED, VQ_TX, slot, lat, 0,
		       success ? 0 : QLAT_EVF_COPY | QLAT_EVF_FAIL, -1))
		count_shared(s, ZCLAT_EV_RB_DROP);
	return 0;
}

/* the loader keeps the one of these two that the kernel has */
SEC("fentry/vhost_zerocopy_callback")
int BPF_PROG(complete_fentry, struct sk_buff *skb, struct ubuf_info *ubuf, bool success)
{
	return complete(ctx, ubuf, success);
}

SEC("fentry/vhost_zerocopy_complete")
int BPF_PROG(complete_ops_fentry, struct sk_buff *skb, struct ubuf_info *ubuf, bool success)
{
	return complete(ctx, ubuf, success);
}

struct signal_ctx {
	struct zclat_state *s;
	struct zclat_stock_dev *dev;
	__u64 now;
	__u64 worst;	/* with the evidence only */
	__u32 first;	/* ring slot of heads[0] */
};

static long signal_one(__u32 i, void *data)
{
	struct signal_ctx *c = data;
	struct zclat_inflight *v;
	__u64 lat;

	v = &c->dev->slot[(c->first + i) & (ZCLAT_STOCK_SLOTS - 1)];
	if (!v->submit_ns) {
		count(c->s, ZCLAT_EV_UNMATCHED);
		return 0;
	}
	if (v->complete_ns)
		hist_tx(c->s, ZCLAT_COMPLETE_DEQUEUE, c->now - v->complete_ns);
	lat = c->now - v->submit_ns;
	hist_tx(c->s, ZCLAT_SUBMIT_SIGNAL, lat);
	if (qlat_evidence_on && lat > c->worst && !(lat >> 63))
		c->worst = lat;
	v->submit_ns = 0;
	return 0;
}

/*
 * The element of the device whose TX vq is at vq (an address), without
 * reading vhost_net's vq: the one this CPU's last signal used, if a signal
 * of vq found it before (the element keeps its vq from then until the
 * device's reset, and a vq's ubuf_info array lives as long). NULL
 * otherwise (another device's worker signalled on this CPU meanwhile, or
 * none yet), and the caller reads vq's ubuf_info array to find it. Saves
 * a bpf_probe_read_kernel() a signal.
 */
static __always_inline struct zclat_stock_dev *dev_of_vq(struct zclat_state *s, __u64 vq)
{
	__u32 idx = s->stock_dev - 1;	/* 0: none, beyond the map */
	struct zclat_stock_dev *d = bpf_map_lookup_elem(&devs, &idx);

	if (!d || d->vq != vq || !d->base)
		return NULL;
	return d;
}

SEC("fentry/vhost_add_used_and_signal_n")
int BPF_PROG(signal_fentry, void *dev, struct vhost_virtqueue___q *vq,
	     struct vring_used_elem___q *heads, unsigned int cnt)
{
	struct signal_ctx c = {};
	struct vhost_net_virtqueue___q *nvq;
	__u64 h = 0, ubufs;
	__u32 flags = 0;

	if (!stock_tx_vq(vq))
		return 0;
	c.s = zc_state();
	if (!c.s)
		return 0;
	c.now = bpf_ktime_get_ns();
	/* vq's address, as a number (arithmetic on a typed pointer is refused) */
	bpf_get_func_arg(ctx, 1, &h);
	c.dev = dev_of_vq(c.s, h);
	if (!c.dev) {
		/* nvq->ubuf_info, beyond the vhost_virtqueue the verifier knows vq as */
		nvq = (void *)(h - bpf_core_field_offset(struct vhost_net_virtqueue___q, vq));
		ubufs = (__u64)BPF_CORE_READ(nvq, ubuf_info);
		if (!ubufs)
			return 0;	/* zero-copy off: handle_tx_copy's batches */
		c.dev = dev_find(ubufs, false, NULL);
		if (c.dev) {
			c.dev->vq = h;
			c.s->stock_dev = c.dev->idx + 1;
		}
	}
	/* pointer - pointer: a number (root) */
	c.first = ((__u64)heads - (__u64)vq->heads) / sizeof(*heads);
	if (cnt > ZCLAT_STOCK_SLOTS || c.first >= ZCLAT_STOCK_SLOTS)
		return 0;
	/*
	 * No counter on the common path: the tool takes signal and signaled
	 * as the TX batch histogram's count and sum, dequeue and
	 * used_zerocopy as signaled (zclat.c, stock_derive()). Unmatched
	 * entries are counted where they are found: signaled less the
	 * submit->signal total would be the same at rest, but a snapshot
	 * taken between this update and the loop's would count a batch's
	 * entries as unmatched and the next one take them back, and an
	 * OpenMetrics counter must not go down.
	 */
	hist_tx(c.s, ZCLAT_BATCH, cnt);
	if (c.dev)
		bpf_loop(cnt, signal_one, &c, 0);
	else
		count_n(c.s, ZCLAT_EV_UNMATCHED, cnt);
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
	struct zclat_stock_dev *dev;
	__u64 purged;
};

static long purge_one(__u32 i, void *data)
{
	struct purge_ctx *c = data;
	struct zclat_inflight *v = &c->dev->slot[i & (ZCLAT_STOCK_SLOTS - 1)];

	if (v->submit_ns)
		c->purged++;
	v->submit_ns = 0;
	v->complete_ns = 0;
	return 0;
}

/*
 * Release and RESET_OWNER wait for the sends in flight, then free the
 * ubuf_info array here; what completed meanwhile is never signalled (the
 * guest is gone). Count those as purged, and free the device's element.
 */
SEC("fentry/vhost_net_vq_reset")
int BPF_PROG(reset_fentry, struct vhost_net___q *n)
{
	struct purge_ctx c = {};
	struct zclat_state *s;
	__u32 idx;
	__u64 base;

	base = (__u64)BPF_CORE_READ(n, vqs[VQ_TX].ubuf_info);
	if (!base)
		return 0;
	c.dev = dev_find(base, false, NULL);
	if (!c.dev)
		return 0;
	bpf_loop(ZCLAT_STOCK_SLOTS, purge_one, &c, 0);
	idx = c.dev->idx;
	c.dev->vq = 0;
	c.dev->base = 0;
	bpf_map_delete_elem(&dev_owner, &idx);
	s = zc_state();
	if (s)
		count_n(s, ZCLAT_EV_PURGED, c.purged);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
