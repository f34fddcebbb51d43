// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vhostdrv: a userspace virtio-net driver that drives a vhost-net device
 * (/dev/vhost-zc-net or the stock /dev/vhost-net) through its ioctls, with
 * its own memory: one mem-table region (guest physical 0 = the start of the
 * driver's buffer), split rings, kick/call/err eventfds. No VM is needed.
 *
 * TX frames carry a sequence number and a checksum; a receiver thread reads
 * them back from the tap with an AF_PACKET socket and verifies every one.
 * Every TX head must come back in the used ring exactly once. With --rx,
 * frames are injected into the tap and verified in the driver's RX ring.
 * Results are printed as "name value" lines. See docs/vhost_zc.md.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#define PAGE		4096UL
#define ETH_TX_TYPE	0x88b5	/* IEEE local experimental 1: TX frames */
#define ETH_RX_TYPE	0x88b6	/* local experimental 2: RX frames */
#define HDR_LEN		sizeof(struct virtio_net_hdr_mrg_rxbuf)
#define MAGIC		0x717a6376u	/* "vczq" */
#define RXBUF		2048

static struct opts {
	const char *dev;
	const char *tap;
	unsigned int size;	/* ethernet frame bytes */
	uint64_t count;
	double duration;
	unsigned int depth;
	uint64_t rate;
	unsigned int ring;
	bool verify;
	uint64_t rx;
	bool log;
	uint64_t swap;
	int hold_ms;
	const char *ready;
	const char *bad;
	double timeout;
	bool reset;
	bool detach;
	bool vhost_hdr;
	const char *swap_tap;
	bool log_late;
	bool reuse;
	bool event_idx;
} o = {
	.dev = "/dev/vhost-zc-net", .tap = "vzt0", .size = 1500,
	.count = 1000, .depth = 128, .ring = 256, .verify = true,
	.hold_ms = -1, .timeout = 60,
};

/* one split virtqueue in the driver's memory */
struct vq {
	unsigned int idx, num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx, last_used;
	uint16_t kicked_idx;	/* avail_idx at the last kick decision */
	int kick, call, err;
	uint8_t *bufs;		/* num slots of slot bytes */
	size_t slot;
	uint8_t *state;		/* per head: SLOT_OWNED, SLOT_FILLED */
	uint16_t *free;		/* free head stack */
	unsigned int nfree;
};

#define SLOT_OWNED	1	/* the device has the head */
#define SLOT_FILLED	2	/* TX: the slot holds a frame (--reuse) */

static uint8_t *mem;		/* guest memory, GPA 0 */
static size_t mem_size;
static uint8_t *logbuf;
static size_t log_size;
static int vfd = -1, tapfd = -1, tapfd2 = -1;
static struct vq rxq, txq;
static int ifindex, ifindex2;
static uint64_t features;	/* acked */

static struct {
	uint64_t sent, used, double_used, unknown_used, bad_len, retired;
	uint64_t ring_rx_ok, ring_rx_bad, ring_rx_bufs, ring_rx_other;
	uint64_t swaps, log_missing, log_extra, log_bits;
	uint64_t kicks, calls, arms;
} st;

static uint32_t *rx_written;		/* per RX head: most bytes written */
static _Atomic uint64_t rcvd;		/* frames the receiver has seen */
static volatile bool rx_stop;

static void die(const char *what)
{
	fprintf(stderr, "vhostdrv: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg) < 0)
		die(what);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t gpa(const void *p)
{
	return (const uint8_t *)p - mem;
}

/* ---- payload: eth header, magic, seq, len, csum, pattern ----------------- */

struct pl {
	uint32_t magic;
	uint32_t len;
	uint64_t seq;
	uint32_t csum;
	uint32_t pad;
} __attribute__((packed));

/* word-wise checksum: byte loops are slow under TCG */
static uint32_t csum(const uint8_t *p, size_t n)
{
	uint64_t h = n, w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ (h >> 32);
}

static void fill_frame(uint8_t *f, size_t len, uint64_t seq, uint16_t type)
{
	struct ethhdr *eh = (void *)f;
	struct pl *pl = (void *)(f + ETH_HLEN);
	uint8_t *d = f + ETH_HLEN + sizeof(*pl);
	size_t n = len - ETH_HLEN - sizeof(*pl), i;
	uint64_t x = seq * 0x9e3779b97f4a7c15ull + 1;

	memcpy(eh->h_dest, "\x02\x00\x00\x00\x00\x02", ETH_ALEN);
	memcpy(eh->h_source, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	eh->h_proto = htons(type);
	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t w = x + i * 0x2545f4914f6cdd1dull;

		memcpy(d + i, &w, 8);
	}
	for (; i < n; i++)
		d[i] = x >> (i & 7);
	pl->magic = MAGIC;
	pl->len = len;
	pl->seq = seq;
	pl->pad = 0;
	pl->csum = csum(d, n);
}

/* 0 ok, else what is wrong */
static const char *check_frame(const uint8_t *f, size_t len, uint64_t *seq)
{
	const struct pl *pl = (const void *)(f + ETH_HLEN);

	if (len < ETH_HLEN + sizeof(*pl))
		return "short";
	if (pl->magic != MAGIC)
		return "magic";
	if (pl->len != len)
		return "length";
	*seq = pl->seq;
	if (csum(f + ETH_HLEN + sizeof(*pl), len - ETH_HLEN - sizeof(*pl)) !=
	    pl->csum)
		return "checksum";
	return NULL;
}

/* ---- memory, rings, device ------------------------------------------------ */

static size_t vq_bytes(unsigned int num)
{
	size_t a = 16 * num + 6 + 2 * num;

	return ((a + PAGE - 1) & ~(PAGE - 1)) +
	       ((6 + 8 * num + PAGE - 1) & ~(PAGE - 1));
}

static uint8_t *carve(size_t *off, size_t n)
{
	uint8_t *p = mem + *off;

	*off += (n + PAGE - 1) & ~(PAGE - 1);
	return p;
}

static void vq_layout(struct vq *q, unsigned int idx, size_t slot, size_t *off)
{
	size_t a = 16 * o.ring + 6 + 2 * o.ring;

	q->idx = idx;
	q->num = o.ring;
	q->desc = (void *)carve(off, (a + PAGE - 1) & ~(PAGE - 1));
	q->avail = (void *)((uint8_t *)q->desc + 16 * o.ring);
	q->used = (void *)carve(off, 6 + 8 * o.ring);
	q->slot = slot;
	q->bufs = carve(off, slot * o.ring);
}

static void vq_init(struct vq *q)
{
	unsigned int i;

	q->avail_idx = q->last_used = q->kicked_idx = 0;
	free(q->state);
	free(q->free);
	q->state = calloc(q->num, 1);
	q->free = calloc(q->num, sizeof(*q->free));
	q->nfree = q->num;
	for (i = 0; i < q->num; i++)
		q->free[i] = q->num - 1 - i;
	memset(q->desc, 0, 16 * q->num);
	memset(q->avail, 0, 6 + 2 * q->num);
	memset(q->used, 0, 6 + 8 * q->num);
}

static void mem_init(void)
{
	size_t txslot = (HDR_LEN + o.size + 63) & ~63UL;
	size_t off = 0;

	mem_size = 2 * vq_bytes(o.ring) + (txslot + RXBUF) * o.ring + 4 * PAGE;
	mem_size = (mem_size + PAGE - 1) & ~(PAGE - 1);
	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	vq_layout(&rxq, 0, RXBUF, &off);
	vq_layout(&txq, 1, txslot, &off);
	if (off > mem_size) {
		errno = EOVERFLOW;
		die("layout");
	}
	rx_written = calloc(o.ring, sizeof(*rx_written));
	log_size = (mem_size / PAGE + 7) / 8;
	logbuf = calloc(1, (log_size + 7) & ~7UL);
}

/*
 * Open (or create) a tap and bring it up. With --vhost-hdr the device
 * adds and strips the vnet header itself (VHOST_NET_F_VIRTIO_NET_HDR), so
 * the tap carries none.
 */
static int tap_open(const char *name, int *index)
{
	struct ifreq ifr = { 0 };
	int hdr = HDR_LEN, s, fd;

	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0)
		die("/dev/net/tun");
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (o.vhost_hdr ? 0 : IFF_VNET_HDR);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	xioctl(fd, TUNSETIFF, &ifr, "TUNSETIFF");
	if (!o.vhost_hdr)
		xioctl(fd, TUNSETVNETHDRSZ, &hdr, "TUNSETVNETHDRSZ");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	xioctl(s, SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	xioctl(s, SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS");
	close(s);
	*index = if_nametoindex(name);
	return fd;
}

static void vq_set_addr(struct vq *q, bool log)
{
	struct vhost_vring_addr a = {
		.index = q->idx,
		.flags = log ? 1u << VHOST_VRING_F_LOG : 0,
		.desc_user_addr = (uintptr_t)q->desc,
		.avail_user_addr = (uintptr_t)q->avail,
		.used_user_addr = (uintptr_t)q->used,
		.log_guest_addr = gpa(q->used),
	};

	xioctl(vfd, VHOST_SET_VRING_ADDR, &a, "VHOST_SET_VRING_ADDR");
}

static void vq_setup(struct vq *q)
{
	struct vhost_vring_state s = { .index = q->idx, .num = q->num };
	struct vhost_vring_file f = { .index = q->idx };

	xioctl(vfd, VHOST_SET_VRING_NUM, &s, "VHOST_SET_VRING_NUM");
	s.num = 0;
	xioctl(vfd, VHOST_SET_VRING_BASE, &s, "VHOST_SET_VRING_BASE");
	vq_set_addr(q, o.log);
	q->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->err = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	f.fd = q->kick;
	xioctl(vfd, VHOST_SET_VRING_KICK, &f, "VHOST_SET_VRING_KICK");
	f.fd = q->call;
	xioctl(vfd, VHOST_SET_VRING_CALL, &f, "VHOST_SET_VRING_CALL");
	f.fd = q->err;
	xioctl(vfd, VHOST_SET_VRING_ERR, &f, "VHOST_SET_VRING_ERR");
}

static void set_backend(unsigned int idx, int fd)
{
	struct vhost_vring_file f = { .index = idx, .fd = fd };

	xioctl(vfd, VHOST_NET_SET_BACKEND, &f, "VHOST_NET_SET_BACKEND");
}

/*
 * Stop the device as QEMU does (vhost_net_stop(): VHOST_NET_SET_BACKEND -1
 * on each queue, which waits for the zero-copy sends in flight), then close
 * it. Closing with a zero-copy TX backend still attached is left to --hold,
 * whose subject it is: the stock vhost_net then leaks its
 * vhost_net_ubuf_ref (vhost_net_release() -> vhost_net_vq_reset() clears
 * the pointer without freeing it; docs/kernels.md), which the debug
 * kernel's kmemleak reports.
 */
static void dev_stop_close(void)
{
	set_backend(0, -1);
	set_backend(1, -1);
	close(vfd);
	vfd = -1;
}

static void dev_open(void)
{
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r;
	} mt = { { .nregions = 1 } };
	uint64_t feat, want;

	vfd = open(o.dev, O_RDWR);
	if (vfd < 0)
		die(o.dev);
	xioctl(vfd, VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER");
	xioctl(vfd, VHOST_GET_FEATURES, &feat, "VHOST_GET_FEATURES");
	want = (1ull << VIRTIO_NET_F_MRG_RXBUF) | (1ull << VIRTIO_F_VERSION_1);
	if (o.log || o.log_late)
		want |= 1ull << VHOST_F_LOG_ALL;
	if (o.vhost_hdr)
		want |= 1ull << VHOST_NET_F_VIRTIO_NET_HDR;
	if (o.event_idx)
		want |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	if ((feat & want) != want) {
		errno = ENOTSUP;
		die("device features");
	}
	mt.r.guest_phys_addr = 0;
	mt.r.memory_size = mem_size;
	mt.r.userspace_addr = (uintptr_t)mem;
	xioctl(vfd, VHOST_SET_MEM_TABLE, &mt, "VHOST_SET_MEM_TABLE");
	if (o.log) {
		uint64_t base = (uintptr_t)logbuf;

		xioctl(vfd, VHOST_SET_LOG_BASE, &base, "VHOST_SET_LOG_BASE");
	}
	features = want;
	if (o.log_late)		/* offered; acked later, by log_start() */
		features &= ~(1ull << VHOST_F_LOG_ALL);
	xioctl(vfd, VHOST_SET_FEATURES, &features, "VHOST_SET_FEATURES");
	vq_init(&rxq);
	vq_init(&txq);
	vq_setup(&rxq);
	vq_setup(&txq);
}

/* VIRTIO_RING_F_EVENT_IDX: the fields after the avail and used rings */
static volatile uint16_t *used_event(struct vq *q)
{
	return &q->avail->ring[q->num];
}

static volatile uint16_t *avail_event(struct vq *q)
{
	return (volatile uint16_t *)&q->used->ring[q->num];
}

static void kick(struct vq *q)
{
	uint64_t one = 1;
	bool need;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (o.event_idx)	/* the device asked for a kick past avail_event */
		need = vring_need_event(*avail_event(q), q->avail_idx,
					q->kicked_idx);
	else
		need = !(q->used->flags & VRING_USED_F_NO_NOTIFY);
	q->kicked_idx = q->avail_idx;
	if (need) {
		if (write(q->kick, &one, 8) != 8)
			die("kick");
		st.kicks++;
	}
}

static void avail_push(struct vq *q, uint16_t head)
{
	q->avail->ring[q->avail_idx % q->num] = head;
	q->avail_idx++;
	__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
}

/* ---- TX ------------------------------------------------------------------- */

static void tx_submit(uint64_t seq)
{
	uint16_t h = txq.free[--txq.nfree];
	uint8_t *b = txq.bufs + (size_t)h * txq.slot;

	/* --reuse: resend the frame already there (nobody reads it back) */
	if (!o.reuse || !(txq.state[h] & SLOT_FILLED)) {
		memset(b, 0, HDR_LEN);
		fill_frame(b + HDR_LEN, o.size, seq, ETH_TX_TYPE);
	}
	txq.desc[h].addr = gpa(b);
	txq.desc[h].len = HDR_LEN + o.size;
	txq.desc[h].flags = 0;
	txq.desc[h].next = 0;
	txq.state[h] = SLOT_OWNED | SLOT_FILLED;
	avail_push(&txq, h);
	st.sent++;
}

static unsigned int tx_reap(void)
{
	uint16_t idx = __atomic_load_n(&txq.used->idx, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	while (txq.last_used != idx) {
		struct vring_used_elem *e =
			&txq.used->ring[txq.last_used % txq.num];
		uint32_t id = e->id;

		txq.last_used++;
		n++;
		st.used++;
		if (id >= txq.num) {
			st.unknown_used++;
			continue;
		}
		if (!(txq.state[id] & SLOT_OWNED)) {
			st.double_used++;
			continue;
		}
		txq.state[id] &= ~SLOT_OWNED;
		txq.free[txq.nfree++] = id;
	}
	return n;
}

static unsigned int tx_outstanding(void)
{
	return txq.num - txq.nfree;
}

/*
 * Wait up to ms for the device's call. With VIRTIO_RING_F_EVENT_IDX, ask
 * for it as Linux's virtqueue_enable_cb_delayed() does: TX once 3/4 of the
 * buffers in flight are used, RX at the next used buffer; and do not sleep
 * if that many are used already.
 */
static void wait_call(struct vq *q, int ms)
{
	struct pollfd p = { .fd = q->call, .events = POLLIN };
	uint64_t v;

	if (o.event_idx) {
		uint16_t bufs = 0;

		if (q == &txq)
			bufs = (uint16_t)(q->avail_idx - q->last_used) * 3 / 4;
		*used_event(q) = q->last_used + bufs;
		st.arms++;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if ((uint16_t)(__atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE) -
			       q->last_used) > bufs)
			return;
	}
	if (poll(&p, 1, ms) > 0) {
		if (read(q->call, &v, 8) == 8)
			st.calls += v;
		else if (errno != EAGAIN)
			die("call eventfd");
	}
}

/* ---- receiver thread (AF_PACKET on the tap) ------------------------------- */

static int rx_sock_open(uint16_t type, int index)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(type),
		.sll_ifindex = index,
	};
	int s = socket(AF_PACKET, SOCK_RAW, htons(type)), sz = 64 << 20;

	if (s < 0)
		die("AF_PACKET socket");
	if (bind(s, (void *)&sll, sizeof(sll)) < 0)
		die("bind AF_PACKET");
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	return s;
}

/* one receiver thread per tap */
struct rxr {
	pthread_t thread;
	int sock;
	uint64_t expect, ok, bad, ooo, dup, drops;
};

static struct rxr rxr[2];
static unsigned int nrxr;
static _Atomic uint64_t rx_bad_seen;
/*
 * With --swap-tap: frames seen per sequence number (--count runs), so that
 * a frame received twice, or on both taps, is caught; the frames of one tap
 * have gaps (those sent on the other one) but must still be in order.
 */
static _Atomic uint8_t *seen;

static void *receiver(void *arg)
{
	struct rxr *r = arg;
	uint8_t *buf = malloc(70000);
	uint64_t seq;
	struct pollfd p = { .fd = r->sock, .events = POLLIN };

	while (!rx_stop || poll(&p, 1, 0) > 0) {
		ssize_t n;
		const char *bad;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = recv(r->sock, buf, 70000, MSG_DONTWAIT);
		if (n < 0)
			continue;
		bad = check_frame(buf, n, &seq);
		if (bad || n != (ssize_t)o.size || (seen && seq >= o.count)) {
			r->bad++;
			if (atomic_fetch_add(&rx_bad_seen, 1) < 5)
				fprintf(stderr, "vhostdrv: bad frame (%s, %zd bytes)\n",
					bad ? bad : "size", n);
		} else if (seen && atomic_fetch_add(&seen[seq], 1)) {
			r->dup++;
		} else {
			/* one tap: any gap; two taps: going backwards */
			if (seen ? seq < r->expect : seq != r->expect)
				r->ooo++;
			r->expect = seq + 1;
			r->ok++;
		}
		atomic_fetch_add(&rcvd, 1);
	}
	free(buf);
	return arg;
}

static void rx_start(int index)
{
	struct rxr *r = &rxr[nrxr++];

	r->sock = rx_sock_open(ETH_TX_TYPE, index);
	pthread_create(&r->thread, NULL, receiver, r);
}

static void rx_join(void)
{
	unsigned int i;

	rx_stop = true;
	for (i = 0; i < nrxr; i++) {
		struct tpacket_stats ps;
		socklen_t l = sizeof(ps);

		pthread_join(rxr[i].thread, NULL);
		if (!getsockopt(rxr[i].sock, SOL_PACKET, PACKET_STATISTICS,
				&ps, &l))
			rxr[i].drops = ps.tp_drops;
	}
}

/* ---- RX through the device ------------------------------------------------ */

static void rx_fill(void)
{
	while (rxq.nfree) {
		uint16_t h = rxq.free[--rxq.nfree];

		rxq.desc[h].addr = gpa(rxq.bufs + (size_t)h * RXBUF);
		rxq.desc[h].len = RXBUF;
		rxq.desc[h].flags = VRING_DESC_F_WRITE;
		rxq.state[h] = 1;
		avail_push(&rxq, h);
	}
	kick(&rxq);
}

/* reassemble mergeable buffers into one frame; returns frames completed */
static uint64_t rx_reap(uint8_t *frame, size_t *flen, unsigned int *want,
			uint64_t *expect)
{
	uint16_t idx = __atomic_load_n(&rxq.used->idx, __ATOMIC_ACQUIRE);
	uint64_t done = 0, seq;

	while (rxq.last_used != idx) {
		struct vring_used_elem *e =
			&rxq.used->ring[rxq.last_used % rxq.num];
		uint8_t *b = rxq.bufs + (size_t)e->id * RXBUF;
		size_t off = 0, len = e->len;

		rxq.last_used++;
		st.ring_rx_bufs++;
		if (e->id >= rxq.num || !rxq.state[e->id] || len > RXBUF) {
			st.ring_rx_bad++;
			continue;
		}
		rxq.state[e->id] = 0;
		rxq.free[rxq.nfree++] = e->id;
		if (len > rx_written[e->id])
			rx_written[e->id] = len;
		if (!*want) {
			struct virtio_net_hdr_mrg_rxbuf *h = (void *)b;

			*want = h->num_buffers ? h->num_buffers : 1;
			off = HDR_LEN;
			*flen = 0;
		}
		if (*flen + len - off <= 70000)
			memcpy(frame + *flen, b + off, len - off);
		*flen += len - off;
		if (--*want)
			continue;
		if (*flen < ETH_HLEN ||
		    ((struct ethhdr *)frame)->h_proto != htons(ETH_RX_TYPE)) {
			st.ring_rx_other++;	/* e.g. IPv6 ND of the tap */
			continue;
		}
		if (check_frame(frame, *flen, &seq) || *flen != o.size ||
		    seq != *expect)
			st.ring_rx_bad++;
		else
			st.ring_rx_ok++;
		*expect = *expect + 1;
		done++;
	}
	return done;
}

static int run_rx(void)
{
	int s = rx_sock_open(ETH_RX_TYPE, ifindex);
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_RX_TYPE),
		.sll_ifindex = ifindex, .sll_halen = ETH_ALEN,
	};
	uint8_t *f = malloc(o.size), *frame = malloc(70000);
	uint64_t injected = 0, got = 0, expect = 0;
	unsigned int want = 0;
	size_t flen = 0;
	double t0 = now_s(), dt;

	memset(sll.sll_addr, 0xff, ETH_ALEN);
	rx_fill();
	while (got < o.rx && now_s() - t0 < o.timeout) {
		while (injected < o.rx && injected - got < (uint64_t)o.depth) {
			fill_frame(f, o.size, injected, ETH_RX_TYPE);
			if (sendto(s, f, o.size, 0, (void *)&sll,
				   sizeof(sll)) != (ssize_t)o.size) {
				if (errno == ENOBUFS || errno == EAGAIN)
					break;
				die("inject sendto");
			}
			injected++;
		}
		got += rx_reap(frame, &flen, &want, &expect);
		rx_fill();
		if (injected - got >= (uint64_t)o.depth || injected == o.rx)
			wait_call(&rxq, 10);
	}
	dt = now_s() - t0;
	printf("rx_injected %" PRIu64 "\n", injected);
	printf("rx_ring_frames %" PRIu64 "\n", got);
	printf("rx_ring_ok %" PRIu64 "\n", st.ring_rx_ok);
	printf("rx_ring_bad %" PRIu64 "\n", st.ring_rx_bad);
	printf("rx_ring_bufs %" PRIu64 "\n", st.ring_rx_bufs);
	printf("rx_ring_other %" PRIu64 "\n", st.ring_rx_other);
	printf("rx_pps %.0f\n", got / dt);
	close(s);
	free(f);
	free(frame);
	return st.ring_rx_ok == o.rx && !st.ring_rx_bad ? 0 : 1;
}

/* ---- bad guest input ------------------------------------------------------ */

/* Returns 1 when the device signalled the vq error eventfd. */
static int bad_one(const char *mode)
{
	struct pollfd p;
	uint64_t v;
	uint16_t h = 0;
	int r;

	txq.desc[0].addr = gpa(txq.bufs);
	txq.desc[0].len = HDR_LEN + 64;
	txq.desc[0].flags = 0;
	fill_frame(txq.bufs + HDR_LEN, 64, 0, ETH_TX_TYPE);
	if (!strcmp(mode, "head")) {
		h = txq.num + 5;		/* out-of-range head */
	} else if (!strcmp(mode, "loop")) {
		txq.desc[0].flags = VRING_DESC_F_NEXT;	/* 0 -> 1 -> 0 */
		txq.desc[0].next = 1;
		txq.desc[1] = txq.desc[0];
		txq.desc[1].next = 0;
	} else if (!strcmp(mode, "len")) {
		txq.desc[0].len = 0xfffffff0u;	/* runs past the region */
	} else if (!strcmp(mode, "addr")) {
		txq.desc[0].addr = mem_size + (1ull << 30);	/* unmapped */
	} else if (!strcmp(mode, "next")) {
		txq.desc[0].flags = VRING_DESC_F_NEXT;	/* next out of range */
		txq.desc[0].next = txq.num + 3;
	} else if (!strcmp(mode, "wrap")) {
		txq.desc[0].addr = ~0ull - 100;	/* addr + len overflows */
	} else {
		fprintf(stderr, "vhostdrv: unknown --bad mode %s\n", mode);
		exit(2);
	}
	avail_push(&txq, h);
	kick(&txq);
	p.fd = txq.err;
	p.events = POLLIN;
	r = poll(&p, 1, 2000);
	if (r > 0 && read(txq.err, &v, 8) == 8)
		r = 1;
	else
		r = 0;
	/* the bad chain must not come back used */
	if (txq.used->idx)
		st.unknown_used += txq.used->idx;
	return r;
}

/* ---- dirty log ------------------------------------------------------------ */

static bool log_bit(uint64_t addr)
{
	uint64_t pg = addr / PAGE;

	return logbuf[pg / 8] & (1u << (pg % 8));
}

static void log_check(void);

/* Start dirty logging on a running device, in QEMU's order. */
static void log_start(void)
{
	uint64_t base = (uintptr_t)logbuf;

	xioctl(vfd, VHOST_SET_LOG_BASE, &base, "VHOST_SET_LOG_BASE");
	features |= 1ull << VHOST_F_LOG_ALL;
	xioctl(vfd, VHOST_SET_FEATURES, &features, "VHOST_SET_FEATURES");
	vq_set_addr(&rxq, true);
	vq_set_addr(&txq, true);
}

static void log_report(int *ret)
{
	log_check();
	printf("log_bits %" PRIu64 "\n", st.log_bits);
	printf("log_missing %" PRIu64 "\n", st.log_missing);
	printf("log_extra %" PRIu64 "\n", st.log_extra);
	if (st.log_missing || st.log_extra)
		*ret = 1;
}

static void log_check(void)
{
	uint64_t pg, a, e;
	unsigned int h;
	bool *want = calloc(mem_size / PAGE + 1, 1);

	/* the used rings are written by every completion */
	for (a = gpa(txq.used); a < gpa(txq.used) + 6 + 8 * txq.num; a += PAGE)
		want[a / PAGE] = true;
	e = gpa(txq.used) + 6 + 8 * txq.num - 1;
	want[e / PAGE] = true;
	if (rxq.last_used) {
		for (a = gpa(rxq.used); a < gpa(rxq.used) + 6 + 8 * rxq.num;
		     a += PAGE)
			want[a / PAGE] = true;
	}
	/* every RX buffer that was filled, as far as it was written */
	for (h = 0; h < rxq.num; h++) {
		uint64_t b = gpa(rxq.bufs + (size_t)h * RXBUF);

		if (!rx_written[h])
			continue;
		for (a = b & ~(PAGE - 1); a < b + rx_written[h]; a += PAGE)
			want[a / PAGE] = true;
	}
	for (pg = 0; pg < mem_size / PAGE; pg++) {
		bool set = log_bit(pg * PAGE);

		st.log_bits += set;
		if (want[pg] && !set)
			st.log_missing++;
		if (!want[pg] && set)
			st.log_extra++;
	}
	free(want);
}

/* ---- main ----------------------------------------------------------------- */

static error_t parse(int key, char *arg, struct argp_state *state)
{
	char *end = NULL;

	switch (key) {
	case 'D': o.dev = arg; break;
	case 'i': o.tap = arg; break;
	case 's': o.size = strtoul(arg, &end, 0); break;
	case 'n': o.count = strtoull(arg, &end, 0); break;
	case 't': o.duration = strtod(arg, &end); break;
	case 'q': o.depth = strtoul(arg, &end, 0); break;
	case 'r': o.rate = strtoull(arg, &end, 0); break;
	case 'R': o.ring = strtoul(arg, &end, 0); break;
	case 'N': o.verify = false; break;
	case 'x': o.rx = strtoull(arg, &end, 0); break;
	case 'l': o.log = true; break;
	case 'S': o.swap = strtoull(arg, &end, 0); break;
	case 'H': o.hold_ms = strtol(arg, &end, 0); break;
	case 'Y': o.ready = arg; break;
	case 'B': o.bad = arg; break;
	case 'T': o.timeout = strtod(arg, &end); break;
	case 'X': o.reset = true; break;
	case 'K': o.detach = true; break;
	case 'V': o.vhost_hdr = true; break;
	case 'W': o.swap_tap = arg; break;
	case 'G': o.log_late = true; break;
	case 'U': o.reuse = true; break;
	case 'E': o.event_idx = true; break;
	default: return ARGP_ERR_UNKNOWN;
	}
	if (end && *end)
		argp_error(state, "invalid number '%s'", arg);
	return 0;
}

static const struct argp_option options[] = {
	{ "dev", 'D', "PATH", 0, "vhost device (default /dev/vhost-zc-net)" },
	{ "tap", 'i', "NAME", 0, "tap interface, created or attached (default vzt0)" },
	{ "size", 's', "BYTES", 0, "ethernet frame size, 60..65000 (default 1500)" },
	{ "count", 'n', "N", 0, "TX frames to send (default 1000)" },
	{ "duration", 't', "SEC", 0, "send for SEC seconds instead of --count" },
	{ "depth", 'q', "N", 0, "TX buffers in flight at most (default 128)" },
	{ "rate", 'r', "PPS", 0, "pace TX to PPS frames per second" },
	{ "ring", 'R', "N", 0, "vring size, power of 2 (default 256)" },
	{ "no-verify", 'N', 0, 0, "no receiver on the tap (frames are not read back)" },
	{ "rx", 'x', "N", 0, "then inject N frames into the tap and verify them in the RX ring" },
	{ "log", 'l', 0, 0, "VHOST_F_LOG_ALL: check the dirty bitmap at the end" },
	{ "swap", 'S', "N", 0, "every N frames, detach and re-attach the TX backend" },
	{ "hold", 'H', "MS", 0, "after sending, wait MS ms, report, then close the device with its backends attached and time close()" },
	{ "ready", 'Y', "FILE", 0, "with --hold: create FILE just before close()" },
	{ "bad", 'B', "MODES", 0, "bad guest input, comma-separated: head,loop,len,addr,next,wrap; one device each" },
	{ "timeout", 'T', "SEC", 0, "give up after SEC seconds without progress (default 60)" },
	{ "reset", 'X', 0, 0, "with --hold: time VHOST_RESET_OWNER instead of close()" },
	{ "detach", 'K', 0, 0, "with --hold: first detach both backends (SET_BACKEND -1, timed), as QEMU stops a device" },
	{ "vhost-hdr", 'V', 0, 0, "VHOST_NET_F_VIRTIO_NET_HDR: the device adds/strips the vnet header, the tap has none" },
	{ "swap-tap", 'W', "NAME", 0, "with --swap: switch the TX backend between the tap and this second tap" },
	{ "log-late", 'G', 0, 0, "with --hold: start dirty logging while the sends are held, wait until all are used, check the bitmap" },
	{ "reuse", 'U', 0, 0, "with --no-verify: fill each TX buffer once and resend it as is (benchmarks the device, not the driver's fill)" },
	{ "event-idx", 'E', 0, 0, "VIRTIO_RING_F_EVENT_IDX: kick only past avail_event; ask for calls as Linux's virtio-net does (TX: 3/4 of the buffers in flight used)" },
	{ 0 }
};

static int run_bad(void)
{
	char *modes = strdup(o.bad), *m, *save = NULL;
	int fails = 0;

	for (m = strtok_r(modes, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		int got;

		st.unknown_used = 0;
		dev_open();
		set_backend(1, tapfd);
		got = bad_one(m);
		printf("bad_%s_vq_error %d\n", m, got);
		printf("bad_%s_used %" PRIu64 "\n", m, st.unknown_used);
		fails += !got || st.unknown_used;
		dev_stop_close();
		close(txq.kick);
		close(txq.call);
		close(txq.err);
		close(rxq.kick);
		close(rxq.call);
		close(rxq.err);
	}
	free(modes);
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct argp argp = { options, parse, NULL,
		"Userspace virtio-net driver for vhost-net devices: TX integrity, "
		"in-flight and throughput load, RX, dirty log, bad input." };
	double t0, t1, dt, next = 0, progress;
	uint64_t seq = 0, pending_swap = 0;
	int ret = 0;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (o.size < 60 || o.size > 65000 || o.ring < 2 || o.ring > 32768 ||
	    (o.ring & (o.ring - 1)) || !o.depth) {
		fprintf(stderr, "vhostdrv: bad --size/--ring/--depth\n");
		return 2;
	}
	if (o.reuse && o.verify) {
		fprintf(stderr, "vhostdrv: --reuse resends stale frames: only with --no-verify\n");
		return 2;
	}
	if (o.depth > o.ring)
		o.depth = o.ring;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((o.swap_tap && !o.swap) || (o.log_late && (o.hold_ms < 0 || o.log)) ||
	    (o.detach && o.hold_ms < 0)) {
		fprintf(stderr, "vhostdrv: --swap-tap needs --swap, --log-late needs --hold and no --log, --detach needs --hold\n");
		return 2;
	}
	mem_init();
	tapfd = tap_open(o.tap, &ifindex);
	if (o.swap_tap)
		tapfd2 = tap_open(o.swap_tap, &ifindex2);
	if (o.bad)
		return run_bad();
	dev_open();
	set_backend(0, tapfd);
	set_backend(1, tapfd);
	if (o.verify) {
		if (o.swap_tap && !o.duration)
			seen = calloc(o.count, 1);
		rx_start(ifindex);
		if (o.swap_tap)
			rx_start(ifindex2);
	}

	t0 = progress = now_s();
	for (;;) {
		bool more = o.duration > 0 ? now_s() - t0 < o.duration
					   : seq < o.count;
		unsigned int n = 0;

		if (tx_reap())
			progress = now_s();
		while (more && tx_outstanding() < o.depth && txq.nfree &&
		       (!o.verify || seq - atomic_load(&rcvd) < o.depth)) {
			if (o.rate) {
				double t = now_s();

				if (!next)
					next = t;
				if (t < next)
					break;
				next += 1.0 / o.rate;
			}
			tx_submit(seq++);
			n++;
			if (o.swap && ++pending_swap == o.swap)
				break;
			more = o.duration > 0 ? now_s() - t0 < o.duration
					      : seq < o.count;
		}
		if (n)
			kick(&txq);
		if (o.swap && pending_swap >= o.swap) {
			if (o.swap_tap) {
				/* straight from one tap to the other */
				set_backend(1, st.swaps & 1 ? tapfd : tapfd2);
			} else {
				set_backend(1, -1);
				set_backend(1, tapfd);
			}
			st.swaps++;
			pending_swap = 0;
		}
		if (!more && (!tx_outstanding() || o.hold_ms >= 0))
			break;
		if (n)
			progress = now_s();
		if (now_s() - progress > o.timeout) {
			fprintf(stderr, "vhostdrv: no progress for %.0f s, %u TX buffers not used\n",
				o.timeout, tx_outstanding());
			ret = 1;
			break;
		}
		if (!n)
			wait_call(&txq, o.rate ? 1 : 10);
	}
	t1 = now_s();
	dt = t1 - t0;

	if (o.verify) {
		/* let the receiver drain what is still queued */
		double t = now_s();

		while (atomic_load(&rcvd) < st.sent && now_s() - t < 5)
			usleep(10000);
		rx_join();
	}

	printf("dev %s\n", o.dev);
	printf("size %u\n", o.size);
	printf("sent %" PRIu64 "\n", st.sent);
	printf("used %" PRIu64 "\n", st.used);
	printf("outstanding %u\n", tx_outstanding());
	printf("double_used %" PRIu64 "\n", st.double_used);
	printf("unknown_used %" PRIu64 "\n", st.unknown_used);
	printf("swaps %" PRIu64 "\n", st.swaps);
	printf("kicks %" PRIu64 "\n", st.kicks);
	printf("calls %" PRIu64 "\n", st.calls);
	printf("arms %" PRIu64 "\n", st.arms);
	printf("seconds %.3f\n", dt);
	printf("pps %.0f\n", st.sent / dt);
	printf("mbps %.1f\n", st.sent * o.size * 8 / dt / 1e6);
	if (o.verify) {
		struct rxr t = { 0 };
		unsigned int i;

		for (i = 0; i < nrxr; i++) {
			t.ok += rxr[i].ok;
			t.bad += rxr[i].bad;
			t.ooo += rxr[i].ooo;
			t.dup += rxr[i].dup;
			t.drops += rxr[i].drops;
		}
		printf("rx_ok %" PRIu64 "\n", t.ok);
		printf("rx_bad %" PRIu64 "\n", t.bad);
		printf("rx_lost %" PRIu64 "\n", st.sent - t.ok - t.bad);
		printf("rx_out_of_order %" PRIu64 "\n", t.ooo);
		printf("rx_sock_drops %" PRIu64 "\n", t.drops);
		if (o.swap_tap) {
			printf("rx_tap0_ok %" PRIu64 "\n", rxr[0].ok);
			printf("rx_tap1_ok %" PRIu64 "\n", rxr[1].ok);
			printf("rx_dup %" PRIu64 "\n", t.dup);
		}
		if (t.ok != st.sent || t.bad || t.ooo || t.dup)
			ret = 1;
	}
	if (st.double_used || st.unknown_used)
		ret = 1;
	if (o.hold_ms < 0 && st.used != st.sent)
		ret = 1;

	if (o.rx && run_rx())
		ret = 1;

	if (o.log)
		log_report(&ret);

	if (o.hold_ms >= 0) {
		double c0;

		t0 = now_s();
		while (now_s() - t0 < o.hold_ms / 1000.0) {
			tx_reap();
			wait_call(&txq, 10);
		}
		printf("held_used %" PRIu64 "\n", st.used);
		printf("held_outstanding %u\n", tx_outstanding());
		if (o.log_late)
			log_start();
		if (o.ready) {
			FILE *f = fopen(o.ready, "w");

			if (f)
				fclose(f);
		}
		if (o.log_late) {
			/* the held sends complete with logging on */
			c0 = now_s();
			while (tx_outstanding() && now_s() - c0 < o.timeout) {
				tx_reap();
				wait_call(&txq, 10);
			}
			printf("late_used %" PRIu64 "\n", st.used);
			printf("late_wait_ms %.0f\n", (now_s() - c0) * 1000);
			if (st.used != st.sent)
				ret = 1;
			log_report(&ret);
		}
		c0 = now_s();
		if (o.detach) {
			set_backend(0, -1);
			set_backend(1, -1);
			printf("detach_ms %.0f\n", (now_s() - c0) * 1000);
			c0 = now_s();
		}
		if (o.reset) {
			xioctl(vfd, VHOST_RESET_OWNER, NULL, "VHOST_RESET_OWNER");
			printf("reset_ms %.0f\n", (now_s() - c0) * 1000);
			c0 = now_s();
		}
		close(vfd);
		printf("close_ms %.0f\n", (now_s() - c0) * 1000);
		vfd = -1;
	}
	if (vfd >= 0)
		dev_stop_close();
	return ret;
}
