// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-zc-net TX: the record pool, the ubuf_info callback and the
 * notifier list, the dequeue into used batches, handle_tx (see the design
 * comment and the locking rules in vzc_priv.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_tun.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <linux/uio.h>

#include "vzc_priv.h"

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

static unsigned int max_inflight = 128;
module_param(max_inflight, uint, 0644);
MODULE_PARM_DESC(max_inflight,
		 "Zero-copy TX records between submit and dequeue per vq, also capped by a quarter of the vring size and 1024 (default 128, as vhost-net); chains past it are copied");

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
	if (d > 0) {
		vzc_max(&n->stats.max_in_flight, now);
		vzc_max(&vzc_global.max_in_flight, now);
	}
}

/**
 * vzc_trace_signal() - fire vhost_zc_signal for a batch just published
 * @nvq: the vq (vq.mutex held), its batch still in its arrays
 * @count: the used entries published
 *
 * Out of line, so that vzc_flush_used(), inlined in the workers, keeps the
 * event's arguments off its fast path.
 */
void vzc_trace_signal(struct vzc_vq *nvq, unsigned int count)
{
	struct vhost_virtqueue *vq = &nvq->vq;

	trace_vhost_zc_signal(nvq->n->id, nvq->index, count,
			      vq->last_used_idx, nvq->first_ns,
			      ktime_get_ns(), nvq->submit_ns,
			      nvq->index == VZC_VQ_TX ? count : 0,
			      nvq->complete_ns, nvq->dequeue_ns,
			      nvq->used, nvq->packets);
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
 * The head goes in with what vhost_zc_signal reports of it: its times (0:
 * not read) and outcome (VHOST_ZC_USED_*).
 */
static void vzc_used_add(struct vzc_vq *nvq, u16 head, u64 submit_ns,
			 u64 complete_ns, u64 dequeue_ns, u32 outcome)
{
	struct vhost_virtqueue *vq = &nvq->vq;

	if (nvq->done >= VZC_BATCH ||
	    (u16)(vq->avail_idx - vq->last_avail_idx) < nvq->done)
		vzc_flush_used(nvq);
	/* 0: not read, tracing was off at submit */
	if (submit_ns && (!nvq->first_ns || submit_ns < nvq->first_ns))
		nvq->first_ns = submit_ns;
	vq->heads[nvq->done].id = cpu_to_vhost32(vq, head);
	vq->heads[nvq->done].len = 0;
	nvq->submit_ns[nvq->done] = submit_ns;
	nvq->complete_ns[nvq->done] = complete_ns;
	nvq->dequeue_ns[nvq->done] = dequeue_ns;
	nvq->used[nvq->done] = head | outcome;
	nvq->done++;
	nvq->packets++;
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
	vzc_in_flight(n, -1, 0);
	/*
	 * failed is only known here when the submitter completes a send
	 * that failed before the socket took the buffer; the dequeue event
	 * always has it
	 */
	trace_vhost_zc_complete(n->id, nvq->index, rec->head, rec->success,
				!rec->success && !rec->failed, rec->submit_ns,
				rec->complete_ns, rec->failed);

	/* vzc_exit() waits for this section (synchronize_rcu) */
	rcu_read_lock();
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
	if (!READ_ONCE(rec->in_submit) && !READ_ONCE(nvq->in_run) &&
	    !n->orphan)
		vhost_poll_queue(&nvq->vq.poll);
	if (atomic_dec_and_test(&nvq->outstanding)) {
		/* only teardown waits: no wait-queue lock per completion */
		if (wq_has_sleeper(&nvq->wait))
			wake_up(&nvq->wait);
		/* the last one of a released device frees it */
		if (n->orphan)
			queue_work(vzc_wq, &n->free_work);
	}
	spin_unlock_irqrestore(&nvq->notify_lock, flags);
	rcu_read_unlock();
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

void vzc_ubuf_init(struct ubuf_info *ubuf)
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

/*
 * Did the stack copy this completed zero-copy send after all? Counts it in
 * copies[0] (zc_fallback: tun copied it inside sendmsg) or copies[1]
 * (zc_late_copy: copied later). A send that failed was not copied.
 */
static bool vzc_rec_copied(const struct vzc_rec *rec, unsigned int *copies)
{
	if (rec->success || rec->failed)
		return false;
	copies[rec->fallback ? 0 : 1]++;
	return true;
}

static void vzc_add_copies(struct vzc *n, const unsigned int *copies)
{
	if (copies[0])
		vzc_add(n, VZC_TX_ZC_FALLBACK, copies[0]);
	if (copies[1])
		vzc_add(n, VZC_TX_ZC_LATE_COPY, copies[1]);
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
bool vzc_tx_dequeue(struct vzc_vq *nvq, unsigned int budget)
{
	struct vhost_virtqueue *vq = &nvq->vq;
	struct vzc *n = nvq->n;
	struct vzc_rec *list, *rec, *last;
	unsigned int done = 0, copies[2] = { 0, 0 };
	unsigned long flags;
	u64 now;

	list = vzc_notifier_take(nvq);
	if (!list)
		return false;

	now = trace_vhost_zc_kiocb_dequeue_enabled() ||
	      trace_vhost_zc_signal_enabled() ? ktime_get_ns() : 0;
	while (list && done < budget) {
		rec = list;
		list = rec->next;
		/* a failed send is an error (tx_errors), not a copy */
		if (vzc_rec_copied(rec, copies))
			nvq->tx_zcopy_err++;
		vzc_used_add(nvq, rec->head, rec->submit_ns, rec->complete_ns,
			     now, VHOST_ZC_USED_ZEROCOPY |
			     (rec->failed ? VHOST_ZC_USED_FAILED :
			      rec->success ? VHOST_ZC_USED_SUCCESS : 0));
		trace_vhost_zc_kiocb_dequeue(n->id, nvq->index, rec->head,
					     rec->len, true,
					     rec->success && !rec->failed,
					     rec->submit_ns, rec->complete_ns,
					     now, rec->failed);
		vzc_rec_put(nvq, rec);
		done++;
	}
	vzc_add(n, VZC_TX_COMPLETED, done);
	vzc_add_copies(n, copies);

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
void vzc_tx_release_all(struct vzc_vq *nvq)
{
	struct vzc_rec *list = vzc_notifier_take(nvq), *rec;
	unsigned int freed = 0, copies[2] = { 0, 0 };

	while (list) {
		rec = list;
		list = rec->next;
		vzc_rec_copied(rec, copies);
		vzc_rec_put(nvq, rec);
		freed++;
	}
	vzc_add(nvq->n, VZC_TX_RELEASED, freed);
	vzc_add_copies(nvq->n, copies);
}

/*
 * Wait until no skb holds a record of this vq. The caller has detached the
 * backend (under vq.mutex), so no new zero-copy send can start. Returns
 * -EINTR when the task was killed first, or is exiting and sends are held:
 * the records stay with the device (release then leaves them to
 * vzc_orphan()).
 */
int vzc_tx_wait(struct vzc_vq *nvq)
{
	/*
	 * This may take as long as the network holds the buffers, so the
	 * wait is killable (and, as TASK_IDLE, counts neither as load nor as
	 * a hung task). An exiting task, whose SIGKILL has been dequeued by
	 * now, does not wait at all: release leaves the device to its last
	 * completion.
	 */
	if (current->flags & PF_EXITING) {
		if (atomic_read(&nvq->outstanding))
			return -EINTR;
	} else if (wait_event_state(nvq->wait, !atomic_read(&nvq->outstanding),
				    (TASK_KILLABLE | TASK_NOLOAD))) {
		return -EINTR;
	}
	/* the last callback has left its critical section */
	spin_lock_irq(&nvq->notify_lock);
	spin_unlock_irq(&nvq->notify_lock);
	return 0;
}

/* vzc_busy_poll() on TX: new chains, or completions to hand back */
static bool vzc_tx_ready(struct vzc_vq *nvq, void *unused)
{
	return !vhost_vq_avail_empty(&nvq->n->dev, &nvq->vq) || READ_ONCE(nvq->notifier);
}

/**
 * vzc_busy_poll() - spin on a vq that ran out of work (see vzc_busy_clock())
 * @nvq: the vq, its worker's mutex held
 * @ready: true when the vq has work again
 * @arg: @ready's second argument
 *
 * Publishes what is batched first, so that the guest can refill meanwhile,
 * then polls @ready for up to the vq's busyloop_timeout.
 *
 * Return: true when other work on the worker cut it short: the caller
 * requeues the vq instead of sleeping.
 */
bool vzc_busy_poll(struct vzc_vq *nvq, bool (*ready)(struct vzc_vq *nvq, void *arg),
		   void *arg)
{
	bool intr = false, hit = false;
	unsigned long end;

	vzc_flush_used(nvq);
	migrate_disable();
	end = vzc_busy_clock() + nvq->vq.busyloop_timeout;
	while (vzc_can_busy_poll(end)) {
		if (vzc_other_work(nvq)) {
			intr = true;
			break;
		}
		if (ready(nvq, arg)) {
			hit = true;
			break;
		}
		cpu_relax();
	}
	migrate_enable();
	vzc_add(nvq->n, VZC_BUSY_POLLS, 1);
	if (hit)
		vzc_add(nvq->n, VZC_BUSY_POLL_HITS, 1);
	return intr;
}

/*
 * The in-flight bound: min(max_inflight, vring size / 4, UIO_MAXIOV), at
 * least 1, as vhost-net's min(VHOST_MAX_PEND, num >> 2). A guest driver
 * that stops its queue when short of descriptors may wait for most of
 * its outstanding buffers before it looks again (virtio_net re-arms its
 * TX interrupt for about 3/4 of them): if the network held most of the
 * ring, a paused receiver would stop the guest's TX for good, though
 * every chain past the bound is copied and used at once.
 */
static size_t vzc_tx_bound(struct vzc_vq *nvq)
{
	unsigned int cap = min_t(unsigned int, nvq->vq.num / 4, UIO_MAXIOV);

	return clamp_t(unsigned int, READ_ONCE(max_inflight), 1, max(cap, 1U));
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
	unsigned int bound_copies = 0;
	bool busy_intr = false;
	struct socket *sock;

	mutex_lock_nested(&vq->mutex, VZC_VQ_TX);
	sock = vzc_backend(nvq);
	if (!sock)
		goto out;
	if (!vq_meta_prefetch(vq))
		goto out;

	vhost_disable_notify(&n->dev, vq);
	vzc_poll_stop(n, nvq);

	if (vzc_tx_dequeue(nvq, VZC_PKT_WEIGHT))
		goto out;

	WRITE_ONCE(nvq->in_run, true);
	do {
		struct vzc_rec *rec;
		unsigned int out, in;
		bool zcopy, backoff, at_bound = false, fired = false;
		u64 submit_ns;
		size_t len;
		int head, err;

		if (nvq->pending >= vzc_tx_bound(nvq)) {
			/*
			 * At the bound: make room; if none, this chain is
			 * copied, as vhost-net copies past its limit, so that
			 * TX goes on while the network holds the buffers.
			 * pending <= UIO_MAXIOV: the dequeue takes them all.
			 */
			if (READ_ONCE(nvq->notifier))
				vzc_tx_dequeue(nvq, UIO_MAXIOV);
			at_bound = nvq->pending >= vzc_tx_bound(nvq);
		}

		head = vhost_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov),
					 &out, &in, NULL, NULL);
		if (head == vq->num && vq->busyloop_timeout) {
			busy_intr = vzc_busy_poll(nvq, vzc_tx_ready, NULL);
			if (READ_ONCE(nvq->notifier))
				vzc_tx_dequeue(nvq, UIO_MAXIOV);
			head = vhost_get_vq_desc(vq, vq->iov,
						 ARRAY_SIZE(vq->iov), &out,
						 &in, NULL, NULL);
		}
		if (unlikely(head < 0)) {
			/*
			 * -EAGAIN: an IOTLB miss, not bad input; vhost asked
			 * userspace for the mapping, whose update requeues us
			 */
			vzc_add(n, head == -EAGAIN ? VZC_IOTLB_MISSES :
				VZC_VQ_ERRORS, 1);
			break;
		}
		if (head == vq->num) {
			if (unlikely(busy_intr)) {
				/* let the other work run, then poll again */
				vhost_poll_queue(&vq->poll);
			} else if (unlikely(vhost_enable_notify(&n->dev, vq))) {
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
		if (zcopy && at_bound) {
			zcopy = false;
			bound_copies++;
		}
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
			rec->failed = 0;
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
				vzc_poll_start(n, nvq, sock);
				break;
			}
			pr_debug("TX chain %d dropped: error %d\n", head, err);
			vzc_add(n, VZC_TX_ERRORS, 1);
			/*
			 * Not a copy: no zc_late_copy, no backoff. A callback
			 * that fired inside sendmsg left the record on the
			 * notifier, still ours until we dequeue it.
			 */
			if (rec) {
				rec->failed = 1;
				if (!fired)
					rec->success = 0;
			}
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
						err >= 0, true, submit_ns, now,
						err < 0);
			/* used first: it may signal the batch before it */
			vzc_used_add(nvq, head, submit_ns, now, now,
				     err < 0 ? VHOST_ZC_USED_FAILED :
				     VHOST_ZC_USED_SUCCESS);
			trace_vhost_zc_kiocb_dequeue(n->id, nvq->index, head,
						     len, false, err >= 0,
						     submit_ns, now, now,
						     err < 0);
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
	if (bound_copies)
		vzc_add(n, VZC_TX_ZC_BOUND, bound_copies);
	if (sent_pkts >= VZC_PKT_WEIGHT || total_len >= VZC_WEIGHT)
		vzc_add(n, VZC_REQUEUES, 1);
	/*
	 * From here completions queue the work again. One that saw in_run
	 * set added its record before this dequeue takes notify_lock.
	 */
	WRITE_ONCE(nvq->in_run, false);
	vzc_tx_dequeue(nvq, VZC_PKT_WEIGHT);
out:
	vzc_flush_used(nvq);
	mutex_unlock(&vq->mutex);
}

void vzc_handle_tx_kick(struct vhost_work *work)
{
	struct vhost_virtqueue *vq = container_of(work, struct vhost_virtqueue,
						  poll.work);

	handle_tx(container_of(vq->dev, struct vzc, dev));
}

void vzc_handle_tx_net(struct vhost_work *work)
{
	handle_tx(container_of(work, struct vzc, poll[VZC_VQ_TX].work));
}
