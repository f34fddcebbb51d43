// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-zc-net ioctls: SET_BACKEND (with the old backend's zero-copy
 * buffers waited for and its completed heads returned), features, owner,
 * and the teardown that RESET_OWNER shares with release (see vzc_priv.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/if_packet.h>
#include <linux/if_tap.h>
#include <linux/if_tun.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>
#include <linux/virtio_net.h>
#include <net/sock.h>

#include "vzc_priv.h"

enum {
	VZC_FEATURES = VHOST_FEATURES |
		       (1ULL << VHOST_NET_F_VIRTIO_NET_HDR) |
		       (1ULL << VIRTIO_NET_F_MRG_RXBUF) |
		       (1ULL << VIRTIO_F_ACCESS_PLATFORM)
};

enum {
	VZC_BACKEND_FEATURES = (1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2)
};

/* Detach the backend of one vq: no new submits after this. */
static struct socket *vzc_stop_vq(struct vzc *n, struct vzc_vq *nvq)
{
	struct socket *sock;

	mutex_lock(&nvq->vq.mutex);
	sock = vzc_backend(nvq);
	vzc_disable_vq(n, nvq);
	vhost_vq_set_backend(&nvq->vq, NULL);
	vzc_rx_set_ring(nvq, NULL);
	mutex_unlock(&nvq->vq.mutex);
	return sock;
}

/*
 * Stop both vqs, wait for every zero-copy send, and free all records
 * without publishing them. The caller puts the returned sockets. Returns
 * -EINTR, the records left as they are, when the task was killed while
 * the network held zero-copy buffers.
 */
int vzc_stop(struct vzc *n, struct socket **tx_sock, struct socket **rx_sock)
{
	struct vzc_vq *tvq = &n->vqs[VZC_VQ_TX];
	int r;

	*tx_sock = vzc_stop_vq(n, tvq);
	*rx_sock = vzc_stop_vq(n, &n->vqs[VZC_VQ_RX]);
	vhost_dev_flush(&n->dev);
	r = vzc_tx_wait(tvq);
	/* the callbacks may have queued the (now idle) TX work */
	vhost_dev_flush(&n->dev);
	if (r)
		return r;
	mutex_lock(&tvq->vq.mutex);
	vzc_tx_release_all(tvq);
	mutex_unlock(&tvq->vq.mutex);
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
	struct socket *sock, *oldsock, *put;
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

	/* stop submitting on the old socket (RX: return its batch) ... */
	vzc_disable_vq(n, nvq);
	vhost_vq_set_backend(vq, NULL);
	vzc_rx_set_ring(nvq, NULL);
	mutex_unlock(&vq->mutex);

	/* ... wait until it has released every zero-copy buffer ... */
	if (oldsock && index == VZC_VQ_TX && vzc_tx_wait(nvq)) {
		/*
		 * killed: no backend; the records stay with the device, the
		 * next swap or the release takes them
		 */
		if (sock)
			sockfd_put(sock);
		vhost_dev_flush(&n->dev);
		sockfd_put(oldsock);
		r = -EINTR;
		goto out;
	}

	/* ... and give the completed heads back to the guest. */
	mutex_lock(&vq->mutex);
	if (index == VZC_VQ_TX) {
		while (vzc_tx_dequeue(nvq, UIO_MAXIOV))
			;
		vzc_flush_used(nvq);
	}
	vhost_vq_set_backend(vq, sock);
	r = vhost_vq_init_access(vq);
	if (!r)
		r = vzc_enable_vq(n, nvq);
	if (r) {
		/*
		 * As vhost-net (err_used): the old backend stays, polled
		 * again; its buffers were all given back meanwhile, so the
		 * vq simply goes on with it.
		 */
		vzc_disable_vq(n, nvq);
		vhost_vq_set_backend(vq, oldsock);
		vzc_enable_vq(n, nvq);
		put = sock;
	} else {
		/* a new backend starts a new zero-copy backoff window */
		nvq->tx_packets = 0;
		nvq->tx_zcopy_err = 0;
		put = oldsock;
	}
	sock = vzc_backend(nvq);
	nvq->zcopy = index == VZC_VQ_TX && sock &&
		     sock_flag(sock->sk, SOCK_ZEROCOPY);
	if (index == VZC_VQ_RX)
		vzc_rx_set_ring(nvq, sock);
	mutex_unlock(&vq->mutex);

	if (put) {
		/* the old one: no work may still use it */
		if (put == oldsock)
			vhost_dev_flush(&n->dev);
		sockfd_put(put);
	}
	/* kicks that came while no backend was set, or new work waiting */
	if (sock)
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
	err = vzc_stop(n, &tx_sock, &rx_sock);
	if (err) {
		/* killed: backends detached, the owner and records stay */
		vhost_iotlb_free(umem);
		goto done;
	}
	vhost_dev_stop(&n->dev);
	vhost_dev_reset_owner(&n->dev, umem);
	for (i = 0; i < VZC_VQ_MAX; i++) {
		n->vqs[i].vhost_hlen = 0;
		n->vqs[i].sock_hlen = 0;
		n->vqs[i].zcopy = false;
		n->vqs[i].done = 0;
		n->vqs[i].packets = 0;
		n->vqs[i].first_ns = 0;
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

long vzc_ioctl(struct file *f, unsigned int ioctl, unsigned long arg)
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
