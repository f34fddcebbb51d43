/* SPDX-License-Identifier: GPL-2.0 */
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
 * In-flight bound: at most min(max_inflight, vring size / 4) zero-copy
 * records per TX vq exist between submit and dequeue; at the bound
 * handle_tx copies the chain instead, as vhost-net does past its limit. The
 * records come from a per-device pool of UIO_MAXIOV, the highest bound,
 * allocated at open (as vhost-net's ubuf_info array): a send allocates
 * nothing.
 *
 * Used batches: TX heads are published in batches of up to VZC_BATCH, and
 * at once when the device has fewer descriptors left than the batch
 * holds, so that the guest sees its buffers (and, with EVENT_IDX, the
 * call it asked for) while there is still work to overlap its refill with.
 * RX publishes, as vhost-net, once more than VZC_BATCH heads wait (a
 * packet's heads are never split), and at the end of a run.
 *
 * RX: copy from the socket into the guest's RX ring, as vhost-net does
 * (mergeable buffers when VIRTIO_NET_F_MRG_RXBUF is acked), dirty-logged
 * and published through the same used/signal helper.
 *
 * Teardown: release, RESET_OWNER and backend swap first detach the backend
 * (no new submits), then wait for every outstanding zero-copy callback, and
 * only then free records; an skb can never hold a freed record. On a swap
 * the completed heads are returned to the guest. The wait is killable: a
 * killed SET_BACKEND or RESET_OWNER fails with -EINTR, the backend
 * detached and the records left with the device; a killed release hands
 * the device (records, stats, debugfs dir) to its last completion, which
 * frees it from vzc_wq, and module exit waits for those.
 *
 * Dirty log: used-ring writes go through vhost_add_used_n(), which logs
 * them with the vq's log settings at the time the head is published, so
 * asynchronously completed buffers are logged correctly; RX buffers are
 * logged with the log gathered by vhost_get_vq_desc() for that very chain.
 *
 * Locking
 * -------
 * dev.mutex     the device's: the ioctls hold it, and take a vq.mutex
 *               inside it.
 * vq.mutex      one per vq (vhost's): the backend and every vzc_vq field
 *               marked so below (record pool, pending, backoff window, the
 *               used batch in vq->heads); the workers take it nested by vq
 *               index.
 * notify_lock   innermost, irqsave (the ubuf_info callback runs in any
 *               context): the notifier list and rec->done; it orders in_run
 *               against the final dequeue of a TX run.
 * outstanding   the zero-copy sends whose callback has not run; teardown
 *               detaches the backend, then sleeps on nvq->wait until it is 0.
 *
 * Files (this header is the glue)
 * -----
 * vzc_main.c    module init/exit, the misc device and its file operations,
 *               open and release, the statistics and their debugfs files;
 *               creates the tracepoints (CREATE_TRACE_POINTS)
 * vzc_tx.c      module parameters, TX: the record pool, the ubuf_info
 *               callback, the notifier and its dequeue, the used batches,
 *               handle_tx and its work functions
 * vzc_rx.c      RX: handle_rx and its work functions
 * vzc_ioctl.c   the ioctls, and the teardown (stop) they share with release
 */
#ifndef _VZC_PRIV_H
#define _VZC_PRIV_H

#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/net.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "vhost.h"
#include "vhost_zc_trace.h"

/* Same weights as vhost-net: at most this many bytes/packets per work run */
#define VZC_WEIGHT	0x80000
#define VZC_PKT_WEIGHT	256
/* Used entries published per vhost_add_used_and_signal_n() */
#define VZC_BATCH	64
/* packets taken from a tun/tap backend's ring at a time (VHOST_NET_BATCH) */
#define VZC_RX_BATCH	64

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
	VZC_TX_ZC_BOUND,	/* copied because max_inflight were in flight */
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
	VZC_IOTLB_MISSES,	/* descriptor fetches that waited for the IOTLB */
	VZC_BUSY_POLLS,		/* busy polls (busyloop_timeout) ... */
	VZC_BUSY_POLL_HITS,	/* ... that found work before the timeout */
	VZC_NR_STATS
};

struct vzc_pcpu {
	u64 c[VZC_NR_STATS];
	s64 in_flight;			/* this CPU's share of the sends in flight */
};

/*
 * A device's counters are per CPU and only ever added to: one this_cpu_add
 * per update. The module's (vzc_global, pc NULL) are not kept apart but
 * summed when read, over the devices on its list and those freed before
 * (vzc_main.c). A write to a stats file zeroes it by remembering the sums
 * it then had (zero[]), so that zeroing one leaves the others as they were.
 */
struct vzc_stats {
	struct vzc_pcpu __percpu *pc;
	atomic64_t max_in_flight;	/* the most one device had in flight */
	u64 zero[VZC_NR_STATS];		/* under vzc_stats_lock */
	struct list_head node;		/* a device's on vzc_global.node */
};

struct vzc;

struct vzc_vq {
	struct vhost_virtqueue vq;
	struct vzc *n;
	u32 index;
	size_t vhost_hlen;
	size_t sock_hlen;
	bool zcopy;			/* backend takes TUN_MSG_UBUF */
	/*
	 * RX from a tun or tap backend: its ring of queued packets, from
	 * which up to VZC_RX_BATCH are taken at a time (one ring lock) and
	 * handed to recvmsg one by one (msg_control), as vhost-net's
	 * vhost_net_buf; rxq[rxq_head, rxq_tail) are ours. Under vq.mutex.
	 */
	struct ptr_ring *rx_ring;
	unsigned int rxq_head;
	unsigned int rxq_tail;
	void *rxq[VZC_RX_BATCH];
	/* zero-copy records between submit and dequeue; under vq.mutex */
	unsigned int pending;
	/* TX: the record pool and its free records; under vq.mutex */
	struct vzc_rec *recs;
	struct vzc_rec *free_recs;
	/* zero-copy backoff window, as vhost-net's; under vq.mutex */
	unsigned int tx_packets;
	unsigned int tx_zcopy_err;
	/*
	 * heads in vq->heads not yet published and the oldest time read of
	 * them (0: none read; 0 whenever done is); vq.mutex
	 */
	unsigned int done;
	u64 first_ns;
	/*
	 * TX: for each of those heads, what vhost_zc_signal reports so that
	 * a consumer of that event alone needs no map and no other event to
	 * time and count each buffer: its submit, completion and dequeue
	 * times (0: not read) and its head and outcome (VHOST_ZC_USED_*);
	 * vq.mutex
	 */
	u64 submit_ns[VZC_BATCH];
	u64 complete_ns[VZC_BATCH];
	u64 dequeue_ns[VZC_BATCH];
	u32 used[VZC_BATCH];
	/* the heads that began a packet (RX, mergeable buffers: fewer) */
	unsigned int packets;
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
	/*
	 * Released while zero-copy sends were still held (the releasing
	 * task was killed): the last completion queues free_work on vzc_wq.
	 * Set under the TX vq's notify_lock.
	 */
	bool orphan;
	struct work_struct free_work;
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
	u8 failed;			/* sendmsg failed: neither sent nor copied */
};

/* every device's counters added up when read; vzc_main.c */
extern struct vzc_stats vzc_global;
/* frees released devices once their last zero-copy send completes */
extern struct workqueue_struct *vzc_wq;

/*
 * Timestamps only feed the tracepoints: read the clock only while one of
 * them is on (one static key for the four, see vzc_trace_reg()). A record
 * submitted before that reads 0.
 */
DECLARE_STATIC_KEY_FALSE(vzc_trace_key);

static __always_inline bool vzc_tracing(void)
{
	return static_branch_unlikely(&vzc_trace_key);
}

static inline void vzc_add(struct vzc *n, enum vzc_stat s, s64 v)
{
	this_cpu_add(n->stats.pc->c[s], v);
}

#define vzc_vq_err(nvq, fmt, ...) do {					\
		struct vzc_vq *__nvq = (nvq);				\
									\
		vzc_add(__nvq->n, VZC_VQ_ERRORS, 1);			\
		vq_err(&__nvq->vq, fmt, ##__VA_ARGS__);			\
	} while (0)

static inline struct socket *vzc_backend(struct vzc_vq *nvq)
{
	return vhost_vq_get_backend(&nvq->vq);
}

/*
 * The socket poll of a vq whose backend is sock (vq.mutex held, so that
 * it stays): the worker stops it while it runs and starts it when the
 * socket runs dry, as vhost-net. The index comes from the vq's place in
 * vqs[], which folds to a constant in the workers.
 */
static inline void vzc_poll_stop(struct vzc *n, struct vzc_vq *nvq)
{
	vhost_poll_stop(&n->poll[nvq - n->vqs]);
}

static inline int vzc_poll_start(struct vzc *n, struct vzc_vq *nvq,
				 struct socket *sock)
{
	return vhost_poll_start(&n->poll[nvq - n->vqs], sock->file);
}

/* the same, the backend looked up (none: nothing to do) */
static inline void vzc_disable_vq(struct vzc *n, struct vzc_vq *nvq)
{
	if (vzc_backend(nvq))
		vzc_poll_stop(n, nvq);
}

static inline int vzc_enable_vq(struct vzc *n, struct vzc_vq *nvq)
{
	struct socket *sock = vzc_backend(nvq);

	if (!sock)
		return 0;
	return vzc_poll_start(n, nvq, sock);
}

/*
 * Busy polling (VHOST_SET_VRING_BUSYLOOP_TIMEOUT, QEMU's poll-us), as
 * vhost-net: a worker that ran out of work spins up to the vq's
 * busyloop_timeout (us, ~1024 ns units of local_clock()) for more before
 * it re-enables notifications and sleeps; the guest does not kick
 * meanwhile. It stops early when other work is queued on the worker, when
 * it should reschedule or when a signal is pending.
 */
static inline unsigned long vzc_busy_clock(void)
{
	return local_clock() >> 10;
}

static inline bool vzc_can_busy_poll(unsigned long end)
{
	return !need_resched() && !signal_pending(current) &&
	       !time_after(vzc_busy_clock(), end);
}

/* other work queued on this vq's worker (Kbuild tests the API) */
static inline bool vzc_other_work(struct vzc_vq *nvq)
{
#ifdef QLAT_VHOST_VQ_HAS_WORK
	return vhost_vq_has_work(&nvq->vq);
#else
	return vhost_has_work(&nvq->n->dev);
#endif
}

/* vzc_tx.c */
void vzc_ubuf_init(struct ubuf_info *ubuf);
void vzc_trace_signal(struct vzc_vq *nvq, unsigned int count);
bool vzc_busy_poll(struct vzc_vq *nvq, bool (*ready)(struct vzc_vq *nvq, void *arg),
		   void *arg);
bool vzc_tx_dequeue(struct vzc_vq *nvq, unsigned int budget);
void vzc_tx_release_all(struct vzc_vq *nvq);
int vzc_tx_wait(struct vzc_vq *nvq);
void vzc_handle_tx_kick(struct vhost_work *work);
void vzc_handle_tx_net(struct vhost_work *work);

/*
 * Publish the heads batched in vq->heads (vq.mutex held) and trace the
 * batch. Inline: RX and TX call it at the end of every worker run, and a
 * run often moves one packet, so its cost with nothing to trace is that of
 * vhost-net's vhost_net_signal_used(), plus the signals counter and one
 * branch; the event itself is built out of line.
 */
static __always_inline void vzc_flush_used(struct vzc_vq *nvq)
{
	unsigned int count = nvq->done;

	if (!count)
		return;
	vhost_add_used_and_signal_n(&nvq->n->dev, &nvq->vq, nvq->vq.heads,
				    count);
	vzc_add(nvq->n, VZC_SIGNALS, 1);
	if (trace_vhost_zc_signal_enabled())
		vzc_trace_signal(nvq, count);
	nvq->done = 0;
	nvq->packets = 0;
	nvq->first_ns = 0;
}

/* vzc_rx.c */
void vzc_rx_set_ring(struct vzc_vq *nvq, struct socket *sock);
void vzc_handle_rx_kick(struct vhost_work *work);
void vzc_handle_rx_net(struct vhost_work *work);

/* vzc_ioctl.c */
int vzc_stop(struct vzc *n, struct socket **tx_sock, struct socket **rx_sock);
long vzc_ioctl(struct file *f, unsigned int ioctl, unsigned long arg);

#endif /* _VZC_PRIV_H */
