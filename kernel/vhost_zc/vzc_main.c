// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-zc-net: a vhost-net device (/dev/vhost-zc-net) whose TX path keeps
 * many zero-copy sends in flight and completes them asynchronously.
 *
 * The ioctl ABI is /dev/vhost-net's, so an unmodified vhost-net userspace
 * driver works on it. It is built on vhost.ko's exported API, as
 * drivers/vhost/test.c is, and its backend is a tun/tap (or AF_PACKET raw)
 * socket.
 *
 * TX: every descriptor chain gets a completion record (vq, head, len,
 * submit time). A chain of at least copybreak bytes is sent zero-copy:
 * msg_control is a TUN_MSG_UBUF whose ubuf_info is embedded in the record,
 * and the ubuf_info callback is the record's destructor. The callback may
 * run in any context (the sending thread, softirq, another CPU): it moves
 * the record onto the vq's notifier list under spin_lock_irqsave and queues
 * the vq work. handle_tx dequeues completed records, publishes their heads
 * in the used ring (add_used + signal, in batches), honours the packet and
 * byte weights and requeues itself when over weight. A chain sent by copy
 * (short, or zero-copy disabled or impossible for the backend) is complete
 * when sendmsg returns: its record is never allocated, it goes straight to
 * the same used batch with the same complete/dequeue events, so the
 * accounting is uniform. A zero-copy send that the socket copies anyway
 * still completes through the callback (counted as zc_fallback, or
 * zc_late_copy when the stack copied it later, success == false).
 *
 * In-flight bound: at most min(max_inflight, vring size) zero-copy records
 * per TX vq exist between submit and dequeue; handle_tx stops pulling
 * descriptors at the bound and is requeued by the next completion. The
 * records come from a per-device pool of UIO_MAXIOV, the highest bound,
 * allocated at open (as vhost-net's ubuf_info array): a send allocates
 * nothing.
 *
 * Used batches: heads are published in batches of up to VZC_BATCH, and
 * at once when the device has fewer descriptors left than the batch
 * holds, so that the guest sees its buffers (and, with EVENT_IDX, the
 * call it asked for) while there is still work to overlap its refill with.
 *
 * RX: copy from the socket into the guest's RX ring, as vhost-net does
 * (mergeable buffers when VIRTIO_NET_F_MRG_RXBUF is acked), dirty-logged
 * and published through the same used/signal helper.
 *
 * Teardown: release, RESET_OWNER and backend swap first detach the backend
 * (no new submits), then wait for every outstanding zero-copy callback, and
 * only then free records; an skb can never hold a freed record. On a swap
 * the completed heads are returned to the guest.
 *
 * Dirty log: used-ring writes go through vhost_add_used_n(), which logs
 * them with the vq's log settings at the time the head is published, so
 * asynchronously completed buffers are logged correctly; RX buffers are
 * logged with the log gathered by vhost_get_vq_desc() for that very chain.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/debugfs.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/if_packet.h>
#include <linux/if_tap.h>
#include <linux/if_tun.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uio.h>
#include <linux/vhost.h>
#include <linux/virtio_net.h>
#include <net/sock.h>

#include "vhost.h"

#define CREATE_TRACE_POINTS
#include "vhost_zc_trace.h"

static bool zcopytx = true;
module_param(zcopytx, bool, 0644);
MODULE_PARM_DESC(zcopytx, "Send TX chains zero-copy when the backend allows it (default 1)");

static unsigned int copybreak = 256;
module_param(copybreak, uint, 0644);
MODULE_PARM_DESC(copybreak, "TX chains shorter than this many bytes are copied (default 256)");

static bool zc_backoff = true;
module_param(zc_backoff, bool, 0644);
MODULE_PARM_DESC(zc_backoff,
		 "Copy while more than 1/64 of the recent zero-copy sends were copied by the stack anyway (default 1)");

static unsigned int max_inflight = 256;
module_param(max_inflight, uint, 0644);
MODULE_PARM_DESC(max_inflight,
		 "Bound on TX records between submit and dequeue per vq, also capped by the vring size (1..1024, default 256)");

/* Same weights as vhost-net: at most this many bytes/packets per work run */
#define VZC_WEIGHT	0x80000
#define VZC_PKT_WEIGHT	256
/* Used entries published per vhost_add_used_and_signal_n() */
#define VZC_BATCH	64

enum {
	VZC_FEATURES = VHOST_FEATURES |
		       (1ULL << VHOST_NET_F_VIRTIO_NET_HDR) |
		       (1ULL << VIRTIO_NET_F_MRG_RXBUF) |
		       (1ULL << VIRTIO_F_ACCESS_PLATFORM)
};

enum {
	VZC_BACKEND_FEATURES = (1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2)
};

enum {
	VZC_VQ_RX = 0,
	VZC_VQ_TX = 1,
	VZC_VQ_MAX = 2,
};

/* Counters, in debugfs order; see docs/vhost_zc.md */
enum vzc_stat {
	VZC_TX_SUBMITTED,	/* chains handed to the socket */
	VZC_TX_ZEROCOPY,	/* ... of which with a ubuf_info (zero-copy) */
	VZC_TX_COPIED,		/* ... of which copied at submit (no ubuf) */
	VZC_TX_ZC_FALLBACK,	/* zero-copy sends the socket copied at once */
	VZC_TX_ZC_LATE_COPY,	/* zero-copy sends completed success=false */
	VZC_TX_ZC_BACKOFF,	/* copied because zero-copy kept failing */
	VZC_TX_COMPLETED,	/* records dequeued into the used ring */
	VZC_TX_RELEASED,	/* records freed at release/reset, not used */
	VZC_TX_BYTES,
	VZC_TX_ERRORS,		/* sendmsg failed: head used, packet lost */
	VZC_TX_RETRIES,		/* sendmsg would block: chain given back */
	VZC_RX_PACKETS,
	VZC_RX_BYTES,
	VZC_RX_DROPPED,
	VZC_SIGNALS,		/* add_used_and_signal_n batches */
	VZC_REQUEUES,		/* work runs ended over weight */
	VZC_VQ_ERRORS,		/* bad guest input seen (vq_err) */
	VZC_NR_STATS
};

static const char * const vzc_stat_names[VZC_NR_STATS] = {
	[VZC_TX_SUBMITTED] = "submitted",
	[VZC_TX_ZEROCOPY] = "zerocopy",
	[VZC_TX_COPIED] = "copied",
	[VZC_TX_ZC_FALLBACK] = "zc_fallback",
	[VZC_TX_ZC_LATE_COPY] = "zc_late_copy",
	[VZC_TX_ZC_BACKOFF] = "zc_backoff",
	[VZC_TX_COMPLETED] = "completed",
	[VZC_TX_RELEASED] = "released",
	[VZC_TX_BYTES] = "tx_bytes",
	[VZC_TX_ERRORS] = "tx_errors",
	[VZC_TX_RETRIES] = "tx_retries",
	[VZC_RX_PACKETS] = "rx_packets",
	[VZC_RX_BYTES] = "rx_bytes",
	[VZC_RX_DROPPED] = "rx_dropped",
	[VZC_SIGNALS] = "signals",
	[VZC_REQUEUES] = "requeues",
	[VZC_VQ_ERRORS] = "errors",
};

struct vzc_pcpu {
	u64 c[VZC_NR_STATS];
	s64 in_flight;			/* this CPU's share of the sends in flight */
};

struct vzc_stats {
	struct vzc_pcpu __percpu *pc;
	atomic64_t max_in_flight;	/* the most one device had in flight */
};

struct vzc;

struct vzc_vq {
	struct vhost_virtqueue vq;
	struct vzc *n;
	u32 index;
	size_t vhost_hlen;
	size_t sock_hlen;
	bool zcopy;			/* backend takes TUN_MSG_UBUF */
	/* zero-copy records between submit and dequeue; under vq.mutex */
	unsigned int pending;
	/* TX: the record pool and its free records; under vq.mutex */
	struct vzc_rec *recs;
	struct vzc_rec *free_recs;
	/* zero-copy backoff window, as vhost-net's; under vq.mutex */
	unsigned int tx_packets;
	unsigned int tx_zcopy_err;
	/* heads in vq->heads not yet published, oldest time; vq.mutex */
	unsigned int done;
	u64 first_ns;
	/*
	 * Completed records, oldest first (a singly linked FIFO: a record is
	 * added once and taken with the rest); the callback side runs in any
	 * context.
	 */
	spinlock_t notify_lock;
	struct vzc_rec *notifier;
	struct vzc_rec **notifier_tail;
	/*
	 * handle_tx is sending and dequeues before it returns: a completion
	 * need not queue the work. Written under vq.mutex, read under
	 * notify_lock, which orders it against the final dequeue.
	 */
	bool in_run;
	/* zero-copy sends whose callback has not run yet */
	atomic_t outstanding;
	wait_queue_head_t wait;
};

struct vzc {
	struct vhost_dev dev;
	struct vzc_vq vqs[VZC_VQ_MAX];
	struct vhost_poll poll[VZC_VQ_MAX];
	u32 id;
	struct dentry *dbg;
	struct vzc_stats stats;
};

/* The seed's kiocb: one per zero-copy TX descriptor chain */
struct vzc_rec {
	struct ubuf_info ubuf;		/* callback == destructor */
	struct vzc_rec *next;		/* on the notifier, or free_recs */
	struct vzc_vq *nvq;
	u64 submit_ns;
	u64 complete_ns;
	u32 len;
	u16 head;
	u8 success;
	u8 fallback;
	u8 in_submit;
	u8 done;			/* on the notifier list; notify_lock */
};

static struct dentry *vzc_dbg_root;
static struct vzc_stats vzc_global;
static atomic_t vzc_next_id = ATOMIC_INIT(0);
static atomic_t vzc_devices = ATOMIC_INIT(0);

/*
 * Timestamps only feed the tracepoints: read the clock only while one of
 * them is on. A record submitted before that reads 0.
 */
static __always_inline bool vzc_tracing(void)
{
	return trace_vhost_zc_submit_enabled() ||
	       trace_vhost_zc_complete_enabled() ||
	       trace_vhost_zc_kiocb_dequeue_enabled() ||
	       trace_vhost_zc_signal_enabled();
}

static inline void vzc_add(struct vzc *n, enum vzc_stat s, s64 v)
{
	this_cpu_add(n->stats.pc->c[s], v);
	this_cpu_add(vzc_global.pc->c[s], v);
}

static void vzc_max(atomic64_t *max, s64 v)
{
	s64 old = atomic64_read(max);

	while (v > old && !atomic64_try_cmpxchg(max, &old, v))
		;
}

/*
 * d zero-copy sends more (or fewer) in flight; now is the device's count
 * after a submit (its TX vq's outstanding). No shared atomics here: the
 * counts are per CPU and the maxima are only read unless they grow.
 */
static void vzc_in_flight(struct vzc *n, s64 d, s64 now)
{
	this_cpu_add(n->stats.pc->in_flight, d);
	this_cpu_add(vzc_global.pc->in_flight, d);
	if (d > 0) {
		vzc_max(&n->stats.max_in_flight, now);
		vzc_max(&vzc_global.max_in_flight, now);
	}
}

static s64 vzc_in_flight_sum(struct vzc_stats *st)
{
	s64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(st->pc, cpu)->in_flight;
	return sum;
}

#define vzc_vq_err(nvq, fmt, ...) do {					\
		struct vzc_vq *__nvq = (nvq);				\
									\
		vzc_add(__nvq->n, VZC_VQ_ERRORS, 1);			\
		vq_err(&__nvq->vq, fmt, ##__VA_ARGS__);			\
	} while (0)

static struct socket *vzc_backend(struct vzc_vq *nvq)
{
	return vhost_vq_get_backend(&nvq->vq);
}

static void vzc_disable_vq(struct vzc *n, struct vzc_vq *nvq)
{
	if (vzc_backend(nvq))
		vhost_poll_stop(&n->poll[nvq->index]);
}

static int vzc_enable_vq(struct vzc *n, struct vzc_vq *nvq)
{
	struct socket *sock = vzc_backend(nvq);

	if (!sock)
		return 0;
	return vhost_poll_start(&n->poll[nvq->index], sock->file);
}

/* Publish count used entries of vq->heads and trace the batch. */
static void vzc_signal(struct vzc_vq *nvq, unsigned int count, u64 first_ns)
{
	struct vhost_virtqueue *vq = &nvq->vq;
	struct vzc *n = nvq->n;

	vhost_add_used_and_signal_n(&n->dev, vq, vq->heads, count);
	vzc_add(n, VZC_SIGNALS, 1);
	if (trace_vhost_zc_signal_enabled())
		trace_vhost_zc_signal(n->id, nvq->index, count,
				      vq->last_used_idx, first_ns,
				      ktime_get_ns());
}

/* Publish the heads batched in vq->heads (vq.mutex held). */
static void vzc_flush_used(struct vzc_vq *nvq)
{
	if (nvq->done) {
		vzc_signal(nvq, nvq->done, nvq->first_ns);
		nvq->done = 0;
	}
}

/*
 * Batch one TX head for the used ring (vq.mutex held). The batch so far is
 * published first when it is full, or when it holds more heads than the
 * device has descriptors left of the guest's last avail index it read:
 * the guest then gets its buffers back (and, with EVENT_IDX, the call it
 * asked for, e.g. at 3/4 of its buffers in flight) while the device still
 * has work, instead of when the ring has run dry. Those flushes come at
 * halving distances towards the end of the descriptors read. A head's
 * dequeue event comes after this call, before the signal that publishes it.
 */
static void vzc_used_add(struct vzc_vq *nvq, u16 head, u64 submit_ns)
{
	struct vhost_virtqueue *vq = &nvq->vq;

	if (nvq->done >= VZC_BATCH ||
	    (u16)(vq->avail_idx - vq->last_avail_idx) < nvq->done)
		vzc_flush_used(nvq);
	if (!nvq->done)
		nvq->first_ns = 0;
	/* 0: not read, tracing was off at submit */
	if (submit_ns && (!nvq->first_ns || submit_ns < nvq->first_ns))
		nvq->first_ns = submit_ns;
	vq->heads[nvq->done].id = cpu_to_vhost32(vq, head);
	vq->heads[nvq->done].len = 0;
	nvq->done++;
}

/* A free record of the TX pool (vq.mutex held), NULL if none is left. */
static struct vzc_rec *vzc_rec_get(struct vzc_vq *nvq)
{
	struct vzc_rec *rec = nvq->free_recs;

	if (rec)
		nvq->free_recs = rec->next;
	return rec;
}

/* Back to the pool (vq.mutex held); no skb may hold it any more. */
static void vzc_rec_put(struct vzc_vq *nvq, struct vzc_rec *rec)
{
	rec->next = nvq->free_recs;
	nvq->free_recs = rec;
	nvq->pending--;
}

/*
 * The record is complete: put it on the notifier list and kick the vq
 * work. Any context. Nothing touches rec or nvq after the unlock, so that
 * the worker may free rec and teardown may free nvq as soon as they have
 * taken notify_lock themselves.
 */
static void vzc_rec_complete(struct vzc_rec *rec)
{
	struct vzc_vq *nvq = rec->nvq;
	struct vzc *n = nvq->n;
	unsigned long flags;

	/* a record timed at submit is timed at completion too */
	if (rec->submit_ns || vzc_tracing())
		rec->complete_ns = ktime_get_ns();
	if (rec->fallback)
		vzc_add(n, VZC_TX_ZC_FALLBACK, 1);
	else if (!rec->success)
		vzc_add(n, VZC_TX_ZC_LATE_COPY, 1);
	vzc_in_flight(n, -1, 0);
	trace_vhost_zc_complete(n->id, nvq->index, rec->head, rec->success,
				!rec->success, rec->submit_ns, rec->complete_ns);

	spin_lock_irqsave(&nvq->notify_lock, flags);
	rec->next = NULL;
	/* may be nvq->notifier itself, which handle_tx peeks at locklessly */
	WRITE_ONCE(*nvq->notifier_tail, rec);
	nvq->notifier_tail = &rec->next;
	rec->done = 1;
	/*
	 * Inside sendmsg the submitter dequeues before it leaves handle_tx:
	 * it clears in_submit before it takes notify_lock to dequeue, so a
	 * callback that still sees in_submit set here is dequeued by it.
	 */
	if (!READ_ONCE(rec->in_submit) && !READ_ONCE(nvq->in_run))
		vhost_poll_queue(&nvq->vq.poll);
	/* only teardown waits: no wait-queue lock per completion */
	if (atomic_dec_and_test(&nvq->outstanding) &&
	    wq_has_sleeper(&nvq->wait))
		wake_up(&nvq->wait);
	spin_unlock_irqrestore(&nvq->notify_lock, flags);
}

/* ubuf_info callback: the record's destructor (the seed's ki_dtor). */
static void vzc_zerocopy_callback(struct sk_buff *skb, struct ubuf_info *ubuf,
				  bool success)
{
	struct vzc_rec *rec = container_of(ubuf, struct vzc_rec, ubuf);

	/* Only the last reference (clones share it) completes the chain. */
	if (!refcount_dec_and_test(&ubuf->refcnt))
		return;
	rec->success = success;
	/* tun copied the data inside sendmsg and released us with no skb */
	if (!skb && READ_ONCE(rec->in_submit))
		rec->fallback = 1;
	vzc_rec_complete(rec);
}

#ifdef QLAT_UBUF_INFO_OPS
/* 6.10 on: the callback is an op (Kbuild tests for struct ubuf_info_ops) */
static const struct ubuf_info_ops vzc_ubuf_ops = {
	.complete = vzc_zerocopy_callback,
};
#endif

static void vzc_ubuf_init(struct ubuf_info *ubuf)
{
#ifdef QLAT_UBUF_INFO_OPS
	ubuf->ops = &vzc_ubuf_ops;
#else
	ubuf->callback = vzc_zerocopy_callback;
#endif
	ubuf->flags = SKBFL_ZEROCOPY_FRAG;
}

static bool vzc_rec_done(struct vzc_rec *rec)
{
	struct vzc_vq *nvq = rec->nvq;
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&nvq->notify_lock, flags);
	done = rec->done;
	spin_unlock_irqrestore(&nvq->notify_lock, flags);
	return done;
}

/* Take the whole notifier list, oldest first. */
static struct vzc_rec *vzc_notifier_take(struct vzc_vq *nvq)
{
	struct vzc_rec *list;
	unsigned long flags;

	spin_lock_irqsave(&nvq->notify_lock, flags);
	list = nvq->notifier;
	WRITE_ONCE(nvq->notifier, NULL);
	nvq->notifier_tail = &nvq->notifier;
	spin_unlock_irqrestore(&nvq->notify_lock, flags);
	return list;
}

/*
 * The seed's kiocb_dequeue: move up to budget completed records into the
 * used ring, in completion order. Returns true when records are left (the
 * work has been requeued). Called with vq.mutex held, in the owner's mm.
 */
static bool vzc_tx_dequeue(struct vzc_vq *nvq, unsigned int budget)
{
	struct vhost_virtqueue *vq = &nvq->vq;
	struct vzc *n = nvq->n;
	struct vzc_rec *list, *rec, *last;
	unsigned int done = 0;
	unsigned long flags;
	u64 now;

	list = vzc_notifier_take(nvq);
	if (!list)
		return false;

	now = trace_vhost_zc_kiocb_dequeue_enabled() ? ktime_get_ns() : 0;
	while (list && done < budget) {
		rec = list;
		list = rec->next;
		if (!rec->success)
			nvq->tx_zcopy_err++;
		vzc_used_add(nvq, rec->head, rec->submit_ns);
		trace_vhost_zc_kiocb_dequeue(n->id, nvq->index, rec->head,
					     rec->len, true,
					     rec->success, rec->submit_ns,
					     rec->complete_ns, now);
		vzc_rec_put(nvq, rec);
		done++;
	}
	vzc_add(n, VZC_TX_COMPLETED, done);

	if (!list)
		return false;
	/* over budget: the rest goes back in front, in order */
	for (last = list; last->next; last = last->next)
		;
	spin_lock_irqsave(&nvq->notify_lock, flags);
	last->next = nvq->notifier;
	if (!nvq->notifier)
		nvq->notifier_tail = &last->next;
	WRITE_ONCE(nvq->notifier, list);
	spin_unlock_irqrestore(&nvq->notify_lock, flags);
	vzc_add(n, VZC_REQUEUES, 1);
	vhost_poll_queue(&vq->poll);
	return true;
}

/* Free completed records without publishing them (release, reset). */
static void vzc_tx_release_all(struct vzc_vq *nvq)
{
	struct vzc_rec *list = vzc_notifier_take(nvq), *rec;
	unsigned int freed = 0;

	while (list) {
		rec = list;
		list = rec->next;
		vzc_rec_put(nvq, rec);
		freed++;
	}
	vzc_add(nvq->n, VZC_TX_RELEASED, freed);
}

/*
 * Wait until no skb holds a record of this vq. The caller has detached the
 * backend (under vq.mutex), so no new zero-copy send can start.
 */
static void vzc_tx_wait(struct vzc_vq *nvq)
{
	/* may take as long as the network holds the buffers: TASK_IDLE */
	wait_event_idle(nvq->wait, !atomic_read(&nvq->outstanding));
	/* the last callback has left its critical section */
	spin_lock_irq(&nvq->notify_lock);
	spin_unlock_irq(&nvq->notify_lock);
}

static size_t vzc_tx_bound(struct vzc_vq *nvq)
{
	return clamp_t(unsigned int, READ_ONCE(max_inflight), 1,
		       min_t(unsigned int, nvq->vq.num, UIO_MAXIOV));
}

static void handle_tx(struct vzc *n)
{
	struct vzc_vq *nvq = &n->vqs[VZC_VQ_TX];
	struct vhost_virtqueue *vq = &nvq->vq;
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct tun_msg_ctl ctl;
	size_t total_len = 0;
	int sent_pkts = 0;
	/* added to the counters once per run: total_len is the bytes */
	unsigned int submitted = 0, zcopied = 0, copy_done = 0;
	bool at_bound = false;
	struct socket *sock;

	mutex_lock_nested(&vq->mutex, VZC_VQ_TX);
	sock = vzc_backend(nvq);
	if (!sock)
		goto out;
	if (!vq_meta_prefetch(vq))
		goto out;

	vhost_disable_notify(&n->dev, vq);
	vzc_disable_vq(n, nvq);

	if (vzc_tx_dequeue(nvq, VZC_PKT_WEIGHT))
		goto out;

	WRITE_ONCE(nvq->in_run, true);
	do {
		struct vzc_rec *rec;
		unsigned int out, in;
		bool zcopy, backoff, fired = false;
		u64 submit_ns;
		size_t len;
		int head, err;

		if (nvq->pending >= vzc_tx_bound(nvq)) {
			/* at the bound: make room, else a completion requeues us */
			at_bound = vzc_tx_dequeue(nvq, VZC_PKT_WEIGHT) ||
				   nvq->pending >= vzc_tx_bound(nvq);
			if (at_bound)
				break;
		}

		head = vhost_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov),
					 &out, &in, NULL, NULL);
		if (unlikely(head < 0)) {
			vzc_add(n, VZC_VQ_ERRORS, 1);
			break;
		}
		if (head == vq->num) {
			if (unlikely(vhost_enable_notify(&n->dev, vq))) {
				vhost_disable_notify(&n->dev, vq);
				continue;
			}
			break;
		}
		if (unlikely(in)) {
			vzc_vq_err(nvq, "Unexpected descriptor format for TX: out %d, in %d\n",
				   out, in);
			break;
		}
		len = iov_length(vq->iov, out);
		iov_iter_init(&msg.msg_iter, ITER_SOURCE, vq->iov, out, len);
		iov_iter_advance(&msg.msg_iter, nvq->vhost_hlen);
		len = iov_iter_count(&msg.msg_iter);
		if (unlikely(!len)) {
			vzc_vq_err(nvq, "Unexpected header len for TX: %zd expected %zd\n",
				   len, nvq->vhost_hlen);
			break;
		}

		zcopy = nvq->zcopy && READ_ONCE(zcopytx) &&
			len >= READ_ONCE(copybreak);
		/*
		 * Pinning is wasted when the stack copies the buffers anyway
		 * (e.g. local delivery): as vhost-net, copy while more than
		 * 1/64 of the sends of this 1024-packet window failed.
		 */
		backoff = zcopy && READ_ONCE(zc_backoff) &&
			  nvq->tx_packets / 64 < nvq->tx_zcopy_err;
		if (backoff)
			zcopy = false;
		if (++nvq->tx_packets >= 1024) {
			nvq->tx_packets = 0;
			nvq->tx_zcopy_err = 0;
		}
		rec = NULL;
		if (zcopy) {
			/* pending < bound <= UIO_MAXIOV: never NULL */
			rec = vzc_rec_get(nvq);
			if (WARN_ON_ONCE(!rec)) {
				vhost_discard_vq_desc(vq, 1);
				break;
			}
			/* nvq and the ubuf's callback and flags are set at open */
			rec->head = head;
			rec->len = len;
			rec->complete_ns = 0;
			rec->success = 1;
			rec->fallback = 0;
			rec->done = 0;
			refcount_set(&rec->ubuf.refcnt, 1);
			nvq->pending++;
			ctl.type = TUN_MSG_UBUF;
			ctl.num = 0;
			ctl.ptr = &rec->ubuf;
			msg.msg_control = &ctl;
			msg.msg_controllen = sizeof(ctl);
			vzc_in_flight(n, 1, atomic_inc_return(&nvq->outstanding));
			WRITE_ONCE(rec->in_submit, 1);
		} else {
			msg.msg_control = NULL;
			msg.msg_controllen = 0;
		}

		submit_ns = vzc_tracing() ? ktime_get_ns() : 0;
		if (rec)
			rec->submit_ns = submit_ns;
		err = sock->ops->sendmsg(sock, &msg, len);
		if (rec)
			WRITE_ONCE(rec->in_submit, 0);

		if (unlikely(err < 0)) {
			bool retry = err == -EAGAIN || err == -ENOMEM ||
				     err == -ENOBUFS;

			fired = rec && vzc_rec_done(rec);
			if (retry && !fired) {
				/* the socket never took the buffer: redo later */
				if (rec) {
					vzc_in_flight(n, -1, 0);
					atomic_dec(&nvq->outstanding);
					vzc_rec_put(nvq, rec);
				}
				vhost_discard_vq_desc(vq, 1);
				vzc_add(n, VZC_TX_RETRIES, 1);
				vzc_enable_vq(n, nvq);
				break;
			}
			pr_debug("TX chain %d dropped: error %d\n", head, err);
			vzc_add(n, VZC_TX_ERRORS, 1);
			if (rec && !fired)
				rec->success = 0;
		}

		submitted++;
		zcopied += zcopy;
		if (backoff)
			vzc_add(n, VZC_TX_ZC_BACKOFF, 1);
		trace_vhost_zc_submit(n->id, nvq->index, head, len, zcopy,
				      submit_ns);
		if (!rec) {
			/*
			 * A copied send is complete when sendmsg returns: its
			 * record goes straight to the used batch, with the
			 * same events as an asynchronous completion.
			 */
			u64 now = submit_ns ? ktime_get_ns() : 0;

			trace_vhost_zc_complete(n->id, nvq->index, head,
						err >= 0, true, submit_ns, now);
			/* used first: it may signal the batch before it */
			vzc_used_add(nvq, head, submit_ns);
			trace_vhost_zc_kiocb_dequeue(n->id, nvq->index, head,
						     len, false, err >= 0,
						     submit_ns, now, now);
			copy_done++;
		} else if (err < 0 && !fired) {
			/* failed without its callback: ours to complete */
			vzc_rec_complete(rec);
		}
		/*
		 * Hand completed buffers back while we go on sending (a
		 * lockless peek: a record added meanwhile is dequeued at the
		 * latest at the end of this run), so that the guest can refill
		 * the ring with a batch while we send the next one.
		 */
		if (READ_ONCE(nvq->notifier))
			vzc_tx_dequeue(nvq, UIO_MAXIOV);
		total_len += len;
	} while (likely(!vhost_exceeds_weight(vq, ++sent_pkts, total_len)));

	vzc_add(n, VZC_TX_SUBMITTED, submitted);
	vzc_add(n, VZC_TX_ZEROCOPY, zcopied);
	vzc_add(n, VZC_TX_COPIED, submitted - zcopied);
	vzc_add(n, VZC_TX_BYTES, total_len);
	vzc_add(n, VZC_TX_COMPLETED, copy_done);
	if (sent_pkts >= VZC_PKT_WEIGHT || total_len >= VZC_WEIGHT)
		vzc_add(n, VZC_REQUEUES, 1);
	/*
	 * From here completions queue the work again. One that saw in_run
	 * set added its record before this dequeue takes notify_lock.
	 */
	WRITE_ONCE(nvq->in_run, false);
	vzc_tx_dequeue(nvq, VZC_PKT_WEIGHT);
	/* completions that came while in_run made room without a kick */
	if (at_bound && nvq->pending < vzc_tx_bound(nvq))
		vhost_poll_queue(&vq->poll);
out:
	vzc_flush_used(nvq);
	mutex_unlock(&vq->mutex);
}

static int vzc_peek_len(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct sk_buff *head;
	unsigned long flags;
	int len = 0;

	if (sock->ops->peek_len)
		return sock->ops->peek_len(sock);

	spin_lock_irqsave(&sk->sk_receive_queue.lock, flags);
	head = skb_peek(&sk->sk_receive_queue);
	if (likely(head)) {
		len = head->len;
		if (skb_vlan_tag_present(head))
			len += VLAN_HLEN;
	}
	spin_unlock_irqrestore(&sk->sk_receive_queue.lock, flags);
	return len;
}

/*
 * Gather enough RX descriptor chains for datalen bytes into heads. Returns
 * the number of heads, 0 when the ring is short, > UIO_MAXIOV on overrun
 * (the packet does not fit quota heads) or a negative error.
 */
static int vzc_get_rx_bufs(struct vzc_vq *nvq, struct vring_used_elem *heads,
			   int datalen, unsigned int *iovcount,
			   struct vhost_log *log, unsigned int *log_num,
			   unsigned int quota)
{
	struct vhost_virtqueue *vq = &nvq->vq;
	unsigned int out, in, nlogs = 0;
	int seg = 0, headcount = 0, r;
	u32 len = 0;

	while (datalen > 0 && headcount < quota) {
		if (unlikely(seg >= UIO_MAXIOV)) {
			r = -ENOBUFS;
			goto err;
		}
		r = vhost_get_vq_desc(vq, vq->iov + seg,
				      ARRAY_SIZE(vq->iov) - seg, &out, &in,
				      log, log_num);
		if (unlikely(r < 0)) {
			vzc_add(nvq->n, VZC_VQ_ERRORS, 1);
			goto err;
		}
		if (r == vq->num) {
			r = 0;
			goto err;
		}
		if (unlikely(out || in <= 0)) {
			vzc_vq_err(nvq, "Unexpected descriptor format for RX: out %d, in %d\n",
				   out, in);
			r = -EINVAL;
			goto err;
		}
		if (unlikely(log)) {
			nlogs += *log_num;
			log += *log_num;
		}
		heads[headcount].id = cpu_to_vhost32(vq, r);
		len = iov_length(vq->iov + seg, in);
		heads[headcount].len = cpu_to_vhost32(vq, len);
		datalen -= len;
		++headcount;
		seg += in;
	}
	heads[headcount - 1].len = cpu_to_vhost32(vq, len + datalen);
	*iovcount = seg;
	if (unlikely(log))
		*log_num = nlogs;
	if (unlikely(datalen > 0)) {
		r = UIO_MAXIOV + 1;
		goto err;
	}
	return headcount;
err:
	vhost_discard_vq_desc(vq, headcount);
	return r;
}

static void handle_rx(struct vzc *n)
{
	struct vzc_vq *nvq = &n->vqs[VZC_VQ_RX];
	struct vhost_virtqueue *vq = &nvq->vq;
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct virtio_net_hdr hdr = { .gso_type = VIRTIO_NET_HDR_GSO_NONE };
	size_t vhost_hlen, sock_hlen, vhost_len, total_len = 0;
	int sock_len = 0, recv_pkts = 0, headcount, err;
	unsigned int in, log = 0;
	struct vhost_log *vq_log;
	__virtio16 num_buffers;
	struct iov_iter fixup;
	struct socket *sock;
	bool mergeable;

	mutex_lock_nested(&vq->mutex, VZC_VQ_RX);
	sock = vzc_backend(nvq);
	if (!sock)
		goto out;
	if (!vq_meta_prefetch(vq))
		goto out;

	vhost_disable_notify(&n->dev, vq);
	vzc_disable_vq(n, nvq);

	vhost_hlen = nvq->vhost_hlen;
	sock_hlen = nvq->sock_hlen;
	vq_log = unlikely(vhost_has_feature(vq, VHOST_F_LOG_ALL)) ?
		 vq->log : NULL;
	mergeable = vhost_has_feature(vq, VIRTIO_NET_F_MRG_RXBUF);

	do {
		u64 now;

		sock_len = vzc_peek_len(sock);
		if (sock_len <= 0)
			break;
		sock_len += sock_hlen;
		vhost_len = sock_len + vhost_hlen;
		if (nvq->done >= VZC_BATCH)
			vzc_flush_used(nvq);
		headcount = vzc_get_rx_bufs(nvq, vq->heads + nvq->done,
					    vhost_len, &in, vq_log, &log,
					    mergeable ?
					    UIO_MAXIOV - nvq->done : 1);
		if (unlikely(headcount < 0))
			goto out;
		if (!headcount) {
			if (unlikely(vhost_enable_notify(&n->dev, vq))) {
				vhost_disable_notify(&n->dev, vq);
				continue;
			}
			/* no buffers: the guest's kick brings us back */
			goto out;
		}
		if (unlikely(headcount > UIO_MAXIOV)) {
			/* does not fit: truncate and discard */
			iov_iter_init(&msg.msg_iter, ITER_DEST, vq->iov, 1, 1);
			sock->ops->recvmsg(sock, &msg, 1,
					   MSG_DONTWAIT | MSG_TRUNC);
			vzc_add(n, VZC_RX_DROPPED, 1);
			continue;
		}
		iov_iter_init(&msg.msg_iter, ITER_DEST, vq->iov, in, vhost_len);
		fixup = msg.msg_iter;
		if (unlikely(vhost_hlen))
			iov_iter_advance(&msg.msg_iter, vhost_hlen);
		err = sock->ops->recvmsg(sock, &msg, sock_len,
					 MSG_DONTWAIT | MSG_TRUNC);
		if (unlikely(err != sock_len)) {
			/* someone else consumed the packet: give buffers back */
			vhost_discard_vq_desc(vq, headcount);
			vzc_add(n, VZC_RX_DROPPED, 1);
			continue;
		}
		if (unlikely(vhost_hlen)) {
			if (copy_to_iter(&hdr, sizeof(hdr), &fixup) !=
			    sizeof(hdr)) {
				vzc_vq_err(nvq, "Unable to write vnet_hdr\n");
				vhost_discard_vq_desc(vq, headcount);
				goto out;
			}
		} else {
			/* header came from the socket; patch num_buffers */
			iov_iter_advance(&fixup, sizeof(hdr));
		}
		num_buffers = cpu_to_vhost16(vq, headcount);
		if (likely(mergeable) &&
		    copy_to_iter(&num_buffers, sizeof(num_buffers), &fixup) !=
		    sizeof(num_buffers)) {
			vzc_vq_err(nvq, "Failed num_buffers write\n");
			vhost_discard_vq_desc(vq, headcount);
			goto out;
		}
		if (unlikely(vq_log))
			vhost_log_write(vq, vq_log, log, vhost_len, vq->iov,
					in);
		now = vzc_tracing() ? ktime_get_ns() : 0;
		if (!nvq->done)
			nvq->first_ns = now;
		trace_vhost_zc_kiocb_dequeue(n->id, nvq->index,
					     vhost32_to_cpu(vq, vq->heads[nvq->done].id),
					     vhost_len, false, true, now, now,
					     now);
		nvq->done += headcount;
		vzc_add(n, VZC_RX_PACKETS, 1);
		vzc_add(n, VZC_RX_BYTES, sock_len - sock_hlen);
		total_len += vhost_len;
	} while (likely(!vhost_exceeds_weight(vq, ++recv_pkts, total_len)));

	if (recv_pkts >= VZC_PKT_WEIGHT || total_len >= VZC_WEIGHT)
		vzc_add(n, VZC_REQUEUES, 1);
	else if (sock_len <= 0)
		vzc_enable_vq(n, nvq);
out:
	vzc_flush_used(nvq);
	mutex_unlock(&vq->mutex);
}

static void handle_tx_kick(struct vhost_work *work)
{
	struct vhost_virtqueue *vq = container_of(work, struct vhost_virtqueue,
						  poll.work);

	handle_tx(container_of(vq->dev, struct vzc, dev));
}

static void handle_rx_kick(struct vhost_work *work)
{
	struct vhost_virtqueue *vq = container_of(work, struct vhost_virtqueue,
						  poll.work);

	handle_rx(container_of(vq->dev, struct vzc, dev));
}

static void handle_tx_net(struct vhost_work *work)
{
	handle_tx(container_of(work, struct vzc, poll[VZC_VQ_TX].work));
}

static void handle_rx_net(struct vhost_work *work)
{
	handle_rx(container_of(work, struct vzc, poll[VZC_VQ_RX].work));
}

static int vzc_stats_show(struct seq_file *m, void *v)
{
	struct vzc_stats *st = m->private;
	int i, cpu;

	for (i = 0; i < VZC_NR_STATS; i++) {
		u64 sum = 0;

		for_each_possible_cpu(cpu)
			sum += per_cpu_ptr(st->pc, cpu)->c[i];
		seq_printf(m, "%s %llu\n", vzc_stat_names[i], sum);
	}
	seq_printf(m, "in_flight %lld\n", vzc_in_flight_sum(st));
	seq_printf(m, "max_in_flight %lld\n",
		   atomic64_read(&st->max_in_flight));
	if (st == &vzc_global)
		seq_printf(m, "devices %d\n", atomic_read(&vzc_devices));
	return 0;
}

static int vzc_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, vzc_stats_show, inode->i_private);
}

/* Any write zeroes the counters and sets max_in_flight to in_flight. */
static ssize_t vzc_stats_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct vzc_stats *st = ((struct seq_file *)file->private_data)->private;
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(st->pc, cpu)->c, 0, sizeof(u64) * VZC_NR_STATS);
	atomic64_set(&st->max_in_flight, vzc_in_flight_sum(st));
	return count;
}

static const struct file_operations vzc_stats_fops = {
	.owner = THIS_MODULE,
	.open = vzc_stats_open,
	.read = seq_read,
	.write = vzc_stats_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int vzc_open(struct inode *inode, struct file *f)
{
	struct vhost_virtqueue **vqs;
	struct vzc_rec *recs;
	char name[16];
	struct vzc *n;
	int i;

	n = kvzalloc(sizeof(*n), GFP_KERNEL | __GFP_RETRY_MAYFAIL);
	if (!n)
		return -ENOMEM;
	vqs = kmalloc_array(VZC_VQ_MAX, sizeof(*vqs), GFP_KERNEL);
	if (!vqs) {
		kvfree(n);
		return -ENOMEM;
	}

	n->stats.pc = alloc_percpu(struct vzc_pcpu);
	recs = kvcalloc(UIO_MAXIOV, sizeof(*recs), GFP_KERNEL);
	if (!n->stats.pc || !recs) {
		kvfree(recs);
		free_percpu(n->stats.pc);
		kfree(vqs);
		kvfree(n);
		return -ENOMEM;
	}
	n->id = atomic_inc_return(&vzc_next_id);
	for (i = 0; i < VZC_VQ_MAX; i++) {
		struct vzc_vq *nvq = &n->vqs[i];

		vqs[i] = &nvq->vq;
		nvq->n = n;
		nvq->index = i;
		spin_lock_init(&nvq->notify_lock);
		nvq->notifier_tail = &nvq->notifier;
		atomic_set(&nvq->outstanding, 0);
		init_waitqueue_head(&nvq->wait);
	}
	n->vqs[VZC_VQ_TX].recs = recs;
	for (i = 0; i < UIO_MAXIOV; i++) {
		recs[i].nvq = &n->vqs[VZC_VQ_TX];
		vzc_ubuf_init(&recs[i].ubuf);
		recs[i].next = n->vqs[VZC_VQ_TX].free_recs;
		n->vqs[VZC_VQ_TX].free_recs = &recs[i];
	}
	n->vqs[VZC_VQ_TX].vq.handle_kick = handle_tx_kick;
	n->vqs[VZC_VQ_RX].vq.handle_kick = handle_rx_kick;
	vhost_dev_init(&n->dev, vqs, VZC_VQ_MAX, UIO_MAXIOV + VZC_BATCH,
		       VZC_PKT_WEIGHT, VZC_WEIGHT, true, NULL);
#ifdef QLAT_VHOST_POLL_VQ
	vhost_poll_init(&n->poll[VZC_VQ_TX], handle_tx_net, EPOLLOUT, &n->dev,
			vqs[VZC_VQ_TX]);
	vhost_poll_init(&n->poll[VZC_VQ_RX], handle_rx_net, EPOLLIN, &n->dev,
			vqs[VZC_VQ_RX]);
#else
	vhost_poll_init(&n->poll[VZC_VQ_TX], handle_tx_net, EPOLLOUT, &n->dev);
	vhost_poll_init(&n->poll[VZC_VQ_RX], handle_rx_net, EPOLLIN, &n->dev);
#endif

	snprintf(name, sizeof(name), "%u", n->id);
	n->dbg = debugfs_create_dir(name, vzc_dbg_root);
	debugfs_create_file("stats", 0600, n->dbg, &n->stats, &vzc_stats_fops);
	atomic_inc(&vzc_devices);

	f->private_data = n;
	return 0;
}

/* Detach the backend of one vq: no new submits after this. */
static struct socket *vzc_stop_vq(struct vzc *n, struct vzc_vq *nvq)
{
	struct socket *sock;

	mutex_lock(&nvq->vq.mutex);
	sock = vzc_backend(nvq);
	vzc_disable_vq(n, nvq);
	vhost_vq_set_backend(&nvq->vq, NULL);
	mutex_unlock(&nvq->vq.mutex);
	return sock;
}

/*
 * Stop both vqs, wait for every zero-copy send, and free all records
 * without publishing them. The caller puts the returned sockets.
 */
static void vzc_stop(struct vzc *n, struct socket **tx_sock,
		     struct socket **rx_sock)
{
	struct vzc_vq *tvq = &n->vqs[VZC_VQ_TX];

	*tx_sock = vzc_stop_vq(n, tvq);
	*rx_sock = vzc_stop_vq(n, &n->vqs[VZC_VQ_RX]);
	vhost_dev_flush(&n->dev);
	vzc_tx_wait(tvq);
	/* the callbacks may have queued the (now idle) TX work */
	vhost_dev_flush(&n->dev);
	mutex_lock(&tvq->vq.mutex);
	vzc_tx_release_all(tvq);
	mutex_unlock(&tvq->vq.mutex);
}

static int vzc_release(struct inode *inode, struct file *f)
{
	struct vzc *n = f->private_data;
	struct socket *tx_sock, *rx_sock;

	vzc_stop(n, &tx_sock, &rx_sock);
	vhost_dev_stop(&n->dev);
	vhost_dev_cleanup(&n->dev);
	if (tx_sock)
		sockfd_put(tx_sock);
	if (rx_sock)
		sockfd_put(rx_sock);
	vhost_dev_flush(&n->dev);
	WARN_ON_ONCE(n->vqs[VZC_VQ_TX].pending);
	debugfs_remove_recursive(n->dbg);
	atomic_dec(&vzc_devices);
	kfree(n->dev.vqs);
	kvfree(n->vqs[VZC_VQ_TX].recs);
	free_percpu(n->stats.pc);
	kvfree(n);
	return 0;
}

static struct socket *vzc_get_raw_socket(int fd)
{
	struct socket *sock;
	int r;

	sock = sockfd_lookup(fd, &r);
	if (!sock)
		return ERR_PTR(-ENOTSOCK);
	if (sock->sk->sk_type != SOCK_RAW ||
	    sock->sk->sk_family != AF_PACKET) {
		sockfd_put(sock);
		return ERR_PTR(-EPFNOSUPPORT);
	}
	return sock;
}

static struct socket *vzc_get_socket(int fd)
{
	struct socket *sock;
	struct file *file;

	if (fd == -1)
		return NULL;
	sock = vzc_get_raw_socket(fd);
	if (!IS_ERR(sock))
		return sock;
	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	sock = tun_get_socket(file);
	if (!IS_ERR(sock))
		return sock;
	sock = tap_get_socket(file);
	if (!IS_ERR(sock))
		return sock;
	fput(file);
	return ERR_PTR(-ENOTSOCK);
}

static long vzc_set_backend(struct vzc *n, unsigned int index, int fd)
{
	struct socket *sock, *oldsock;
	struct vhost_virtqueue *vq;
	struct vzc_vq *nvq;
	int r;

	mutex_lock(&n->dev.mutex);
	r = vhost_dev_check_owner(&n->dev);
	if (r)
		goto out;
	if (index >= VZC_VQ_MAX) {
		r = -ENOBUFS;
		goto out;
	}
	nvq = &n->vqs[index];
	vq = &nvq->vq;
	mutex_lock(&vq->mutex);
	if (fd == -1)
		vhost_clear_msg(&n->dev);
	if (!vhost_vq_access_ok(vq)) {
		r = -EFAULT;
		goto out_vq;
	}
	sock = vzc_get_socket(fd);
	if (IS_ERR(sock)) {
		r = PTR_ERR(sock);
		goto out_vq;
	}
	oldsock = vzc_backend(nvq);
	if (sock == oldsock) {
		mutex_unlock(&vq->mutex);
		if (sock)
			sockfd_put(sock);
		goto out;
	}

	/* stop submitting on the old socket ... */
	vzc_disable_vq(n, nvq);
	vhost_vq_set_backend(vq, NULL);
	mutex_unlock(&vq->mutex);

	/* ... wait until it has released every zero-copy buffer ... */
	if (oldsock && index == VZC_VQ_TX)
		vzc_tx_wait(nvq);

	/* ... and give the completed heads back to the guest. */
	mutex_lock(&vq->mutex);
	if (index == VZC_VQ_TX) {
		while (vzc_tx_dequeue(nvq, UIO_MAXIOV))
			;
		vzc_flush_used(nvq);
	}
	vhost_vq_set_backend(vq, sock);
	nvq->zcopy = index == VZC_VQ_TX && sock &&
		     sock_flag(sock->sk, SOCK_ZEROCOPY);
	r = vhost_vq_init_access(vq);
	if (!r)
		r = vzc_enable_vq(n, nvq);
	if (r) {
		vzc_disable_vq(n, nvq);
		vhost_vq_set_backend(vq, NULL);
		nvq->zcopy = false;
	}
	mutex_unlock(&vq->mutex);

	if (r && sock)
		sockfd_put(sock);
	if (oldsock) {
		vhost_dev_flush(&n->dev);
		sockfd_put(oldsock);
	}
	/* the new backend may have work waiting */
	if (!r && sock)
		vhost_poll_queue(&vq->poll);
	goto out;

out_vq:
	mutex_unlock(&vq->mutex);
out:
	mutex_unlock(&n->dev.mutex);
	return r;
}

static long vzc_reset_owner(struct vzc *n)
{
	struct socket *tx_sock = NULL, *rx_sock = NULL;
	struct vhost_iotlb *umem;
	long err;
	int i;

	mutex_lock(&n->dev.mutex);
	err = vhost_dev_check_owner(&n->dev);
	if (err)
		goto done;
	umem = vhost_dev_reset_owner_prepare();
	if (!umem) {
		err = -ENOMEM;
		goto done;
	}
	vzc_stop(n, &tx_sock, &rx_sock);
	vhost_dev_stop(&n->dev);
	vhost_dev_reset_owner(&n->dev, umem);
	for (i = 0; i < VZC_VQ_MAX; i++) {
		n->vqs[i].vhost_hlen = 0;
		n->vqs[i].sock_hlen = 0;
		n->vqs[i].zcopy = false;
		n->vqs[i].done = 0;
		n->vqs[i].tx_packets = 0;
		n->vqs[i].tx_zcopy_err = 0;
	}
done:
	mutex_unlock(&n->dev.mutex);
	if (tx_sock)
		sockfd_put(tx_sock);
	if (rx_sock)
		sockfd_put(rx_sock);
	return err;
}

/* the device IOTLB for VIRTIO_F_ACCESS_PLATFORM (Kbuild tests the signature) */
static int vzc_init_iotlb(struct vzc *n)
{
#ifdef QLAT_VHOST_IOTLB_NOFLAG
	return vhost_init_device_iotlb(&n->dev);
#else
	return vhost_init_device_iotlb(&n->dev, true);
#endif
}

static int vzc_set_features(struct vzc *n, u64 features)
{
	size_t vhost_hlen, sock_hlen, hdr_len;
	int i;

	hdr_len = (features & ((1ULL << VIRTIO_NET_F_MRG_RXBUF) |
			       (1ULL << VIRTIO_F_VERSION_1))) ?
		  sizeof(struct virtio_net_hdr_mrg_rxbuf) :
		  sizeof(struct virtio_net_hdr);
	if (features & (1ULL << VHOST_NET_F_VIRTIO_NET_HDR)) {
		vhost_hlen = hdr_len;	/* vhost provides the vnet header */
		sock_hlen = 0;
	} else {
		vhost_hlen = 0;		/* the socket provides it */
		sock_hlen = hdr_len;
	}
	mutex_lock(&n->dev.mutex);
	if ((features & (1ULL << VHOST_F_LOG_ALL)) &&
	    !vhost_log_access_ok(&n->dev))
		goto out_unlock;
	if (features & (1ULL << VIRTIO_F_ACCESS_PLATFORM)) {
		if (vzc_init_iotlb(n))
			goto out_unlock;
	}
	for (i = 0; i < VZC_VQ_MAX; i++) {
		struct vzc_vq *nvq = &n->vqs[i];

		mutex_lock(&nvq->vq.mutex);
		nvq->vq.acked_features = features;
		nvq->vhost_hlen = vhost_hlen;
		nvq->sock_hlen = sock_hlen;
		mutex_unlock(&nvq->vq.mutex);
	}
	mutex_unlock(&n->dev.mutex);
	return 0;

out_unlock:
	mutex_unlock(&n->dev.mutex);
	return -EFAULT;
}

static long vzc_set_owner(struct vzc *n)
{
	long r;

	mutex_lock(&n->dev.mutex);
	if (vhost_dev_has_owner(&n->dev)) {
		r = -EBUSY;
		goto out;
	}
	r = vhost_dev_set_owner(&n->dev);
	vhost_dev_flush(&n->dev);
out:
	mutex_unlock(&n->dev.mutex);
	return r;
}

static long vzc_ioctl(struct file *f, unsigned int ioctl, unsigned long arg)
{
	struct vzc *n = f->private_data;
	void __user *argp = (void __user *)arg;
	u64 __user *featurep = argp;
	struct vhost_vring_file backend;
	u64 features;
	long r;

	switch (ioctl) {
	case VHOST_NET_SET_BACKEND:
		if (copy_from_user(&backend, argp, sizeof(backend)))
			return -EFAULT;
		return vzc_set_backend(n, backend.index, backend.fd);
	case VHOST_GET_FEATURES:
		features = VZC_FEATURES;
		if (copy_to_user(featurep, &features, sizeof(features)))
			return -EFAULT;
		return 0;
	case VHOST_SET_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			return -EFAULT;
		if (features & ~VZC_FEATURES)
			return -EOPNOTSUPP;
		return vzc_set_features(n, features);
	case VHOST_GET_BACKEND_FEATURES:
		features = VZC_BACKEND_FEATURES;
		if (copy_to_user(featurep, &features, sizeof(features)))
			return -EFAULT;
		return 0;
	case VHOST_SET_BACKEND_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			return -EFAULT;
		if (features & ~VZC_BACKEND_FEATURES)
			return -EOPNOTSUPP;
		vhost_set_backend_features(&n->dev, features);
		return 0;
	case VHOST_RESET_OWNER:
		return vzc_reset_owner(n);
	case VHOST_SET_OWNER:
		return vzc_set_owner(n);
	default:
		mutex_lock(&n->dev.mutex);
		r = vhost_dev_ioctl(&n->dev, ioctl, argp);
		if (r == -ENOIOCTLCMD)
			r = vhost_vring_ioctl(&n->dev, ioctl, argp);
		else
			vhost_dev_flush(&n->dev);
		mutex_unlock(&n->dev.mutex);
		return r;
	}
}

static ssize_t vzc_chr_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct vzc *n = iocb->ki_filp->private_data;

	return vhost_chr_read_iter(&n->dev, to, iocb->ki_filp->f_flags & O_NONBLOCK);
}

static ssize_t vzc_chr_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vzc *n = iocb->ki_filp->private_data;

	return vhost_chr_write_iter(&n->dev, from);
}

static __poll_t vzc_chr_poll(struct file *file, poll_table *wait)
{
	struct vzc *n = file->private_data;

	return vhost_chr_poll(file, &n->dev, wait);
}

static const struct file_operations vzc_fops = {
	.owner = THIS_MODULE,
	.release = vzc_release,
	.read_iter = vzc_chr_read_iter,
	.write_iter = vzc_chr_write_iter,
	.poll = vzc_chr_poll,
	.unlocked_ioctl = vzc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.open = vzc_open,
	.llseek = noop_llseek,
};

static struct miscdevice vzc_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vhost-zc-net",
	.fops = &vzc_fops,
	.mode = 0600,
};

static int __init vzc_init(void)
{
	int r;

	vzc_global.pc = alloc_percpu(struct vzc_pcpu);
	if (!vzc_global.pc)
		return -ENOMEM;
	vzc_dbg_root = debugfs_create_dir("vhost_zc", NULL);
	debugfs_create_file("stats", 0600, vzc_dbg_root, &vzc_global,
			    &vzc_stats_fops);
	r = misc_register(&vzc_misc);
	if (r) {
		debugfs_remove_recursive(vzc_dbg_root);
		free_percpu(vzc_global.pc);
	}
	return r;
}
module_init(vzc_init);

static void __exit vzc_exit(void)
{
	misc_deregister(&vzc_misc);
	debugfs_remove_recursive(vzc_dbg_root);
	/* release waited for every callback; none can run any more */
	free_percpu(vzc_global.pc);
}
module_exit(vzc_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("qlat");
MODULE_DESCRIPTION("vhost-net with asynchronous multi-submit zero-copy TX");
MODULE_ALIAS("devname:vhost-zc-net");
