// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-zc-net RX: copy from the socket into the guest's RX ring, as
 * vhost-net does (see vzc_priv.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_tap.h>
#include <linux/if_tun.h>
#include <linux/if_vlan.h>
#include <linux/ptr_ring.h>
#include <linux/skb_array.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <linux/uio.h>
#include <linux/virtio_net.h>
#include <net/sock.h>
#include <net/xdp.h>

#include "vzc_priv.h"

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
 * Give the packets taken in a batch and not yet received back to the
 * front of the ring they came from (vq.mutex held), so that nothing is lost
 * when the backend goes.
 */
static void vzc_rx_unproduce(struct vzc_vq *nvq)
{
	if (nvq->rx_ring && nvq->rxq_head != nvq->rxq_tail)
		ptr_ring_unconsume(nvq->rx_ring, nvq->rxq + nvq->rxq_head,
				   nvq->rxq_tail - nvq->rxq_head, tun_ptr_free);
	nvq->rxq_head = 0;
	nvq->rxq_tail = 0;
}

/**
 * vzc_rx_set_ring() - batch RX from this backend's ring, if it has one
 * @nvq: the RX vq (vq.mutex held, no work running on it)
 * @sock: its backend from now on, or NULL
 *
 * Packets batched from the previous backend go back to its ring first.
 * tun and tap sockets queue packets in a ptr_ring that handle_rx takes up
 * to VZC_RX_BATCH at a time from; other sockets are read one packet at a
 * time.
 */
void vzc_rx_set_ring(struct vzc_vq *nvq, struct socket *sock)
{
	struct ptr_ring *ring = NULL;

	vzc_rx_unproduce(nvq);
	if (sock && sock->file) {
		ring = tun_get_tx_ring(sock->file);
		if (IS_ERR(ring))
			ring = tap_get_ptr_ring(sock->file);
		if (IS_ERR(ring))
			ring = NULL;
	}
	nvq->rx_ring = ring;
}

/*
 * The length of the next packet, taking a batch from the ring if needed.
 * Inline: handle_rx calls it at least twice a run (the packet, then the
 * socket dry), and a run often moves one packet.
 */
static __always_inline int vzc_rx_peek(struct vzc_vq *nvq, struct socket *sock)
{
	void *ptr;

	if (!nvq->rx_ring)
		return vzc_peek_len(sock);
	if (nvq->rxq_head == nvq->rxq_tail) {
		nvq->rxq_head = 0;
		nvq->rxq_tail = ptr_ring_consume_batched(nvq->rx_ring, nvq->rxq,
							 VZC_RX_BATCH);
		if (!nvq->rxq_tail)
			return 0;
	}
	ptr = nvq->rxq[nvq->rxq_head];
	if (tun_is_xdp_frame(ptr))
		return tun_ptr_to_xdp(ptr)->len;
	return __skb_array_len_with_tag(ptr);
}

/* the packet vzc_rx_peek() measured, for recvmsg's msg_control (or NULL) */
static void *vzc_rx_consume(struct vzc_vq *nvq)
{
	if (!nvq->rx_ring)
		return NULL;
	return nvq->rxq[nvq->rxq_head++];
}

/* vzc_busy_poll() on RX: a packet waits in the socket */
static bool vzc_rx_ready(struct vzc_vq *nvq, void *sock)
{
	return vzc_rx_peek(nvq, sock) > 0;
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
			/* an IOTLB miss waits for the update, which requeues us */
			vzc_add(nvq->n, r == -EAGAIN ? VZC_IOTLB_MISSES :
				VZC_VQ_ERRORS, 1);
			goto err;
		}
		if (r == vq->num) {
			r = 0;
			goto err;
		}
		/* unused unless the chain is good: r's register is free early */
		heads[headcount].id = cpu_to_vhost32(vq, r);
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
	/* counted here, added to the stats once per run */
	unsigned int rx_packets = 0;
	u64 rx_bytes = 0;
	unsigned int in, log = 0;
	struct vhost_log *vq_log;
	__virtio16 num_buffers;
	struct iov_iter fixup;
	struct socket *sock;
	bool mergeable, set_num_buffers, busy_intr = false;

	mutex_lock_nested(&vq->mutex, VZC_VQ_RX);
	sock = vzc_backend(nvq);
	if (!sock)
		goto out;
	if (!vq_meta_prefetch(vq))
		goto out;

	vhost_disable_notify(&n->dev, vq);
	vzc_poll_stop(n, nvq);

	vhost_hlen = nvq->vhost_hlen;
	sock_hlen = nvq->sock_hlen;
	vq_log = unlikely(vhost_has_feature(vq, VHOST_F_LOG_ALL)) ?
		 vq->log : NULL;
	mergeable = vhost_has_feature(vq, VIRTIO_NET_F_MRG_RXBUF);
	/* virtio 1.x: the device MUST set num_buffers, 1 without MRG_RXBUF */
	set_num_buffers = mergeable ||
			  vhost_has_feature(vq, VIRTIO_F_VERSION_1);

	do {
		sock_len = vzc_rx_peek(nvq, sock);
		if (sock_len <= 0 && vq->busyloop_timeout) {
			busy_intr = vzc_busy_poll(nvq, vzc_rx_ready, sock);
			sock_len = vzc_rx_peek(nvq, sock);
		}
		if (sock_len <= 0)
			goto dry;
		busy_intr = false;
		sock_len += sock_hlen;
		vhost_len = sock_len + vhost_hlen;
		/*
		 * publish once more than a batch is waiting, as vhost-net
		 * does: with 32 buffers a 64 KB packet, every third packet
		 * (at ">=", every second: 50 % more signals)
		 */
		if (nvq->done > VZC_BATCH)
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
			msg.msg_control = vzc_rx_consume(nvq);
			sock->ops->recvmsg(sock, &msg, 1,
					   MSG_DONTWAIT | MSG_TRUNC);
			vzc_add(n, VZC_RX_DROPPED, 1);
			continue;
		}
		iov_iter_init(&msg.msg_iter, ITER_DEST, vq->iov, in, vhost_len);
		fixup = msg.msg_iter;
		if (unlikely(vhost_hlen))
			iov_iter_advance(&msg.msg_iter, vhost_hlen);
		msg.msg_control = vzc_rx_consume(nvq);
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
		if (likely(set_num_buffers) &&
		    copy_to_iter(&num_buffers, sizeof(num_buffers), &fixup) !=
		    sizeof(num_buffers)) {
			vzc_vq_err(nvq, "Failed num_buffers write\n");
			vhost_discard_vq_desc(vq, headcount);
			goto out;
		}
		if (unlikely(vq_log))
			vhost_log_write(vq, vq_log, log, vhost_len, vq->iov,
					in);
		if (vzc_tracing()) {
			u64 now = ktime_get_ns();

			if (!nvq->first_ns)
				nvq->first_ns = now;
			trace_vhost_zc_kiocb_dequeue(n->id, nvq->index,
						     vhost32_to_cpu(vq, vq->heads[nvq->done].id),
						     vhost_len, false, true, now,
						     now, now, false);
		}
		nvq->done += headcount;
		nvq->packets++;
		rx_packets++;
		rx_bytes += sock_len - sock_hlen;
		total_len += vhost_len;
	} while (likely(!vhost_exceeds_weight(vq, ++recv_pkts, total_len)));
	/* over the weight: requeued, the socket unpolled meanwhile */
	vzc_add(n, VZC_REQUEUES, 1);
	goto out;

dry:
	if (unlikely(busy_intr))
		vhost_poll_queue(&vq->poll);	/* after the other work */
	else
		vzc_poll_start(n, nvq, sock);
out:
	vzc_flush_used(nvq);
	if (rx_packets) {
		vzc_add(n, VZC_RX_PACKETS, rx_packets);
		vzc_add(n, VZC_RX_BYTES, rx_bytes);
	}
	mutex_unlock(&vq->mutex);
}

void vzc_handle_rx_kick(struct vhost_work *work)
{
	struct vhost_virtqueue *vq = container_of(work, struct vhost_virtqueue,
						  poll.work);

	handle_rx(container_of(vq->dev, struct vzc, dev));
}

void vzc_handle_rx_net(struct vhost_work *work)
{
	handle_rx(container_of(work, struct vzc, poll[VZC_VQ_RX].work));
}
