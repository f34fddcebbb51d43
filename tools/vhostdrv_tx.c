// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vhostdrv TX: frames with a magic, sequence number and checksum, submitted
 * to the TX ring and reaped from it, and the receiver threads that read
 * them back from the tap (AF_PACKET) and check every one.
 */
#include "vhostdrv.h"

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

void fill_frame(uint8_t *f, size_t len, uint64_t seq, uint16_t type)
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
const char *check_frame(const uint8_t *f, size_t len, uint64_t *seq)
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

/* --bad-hdr N: frame seq is one of the every Nth that tun must reject */
bool seq_bad_hdr(uint64_t seq)
{
	return o.bad_hdr && seq % o.bad_hdr == o.bad_hdr - 1;
}

void tx_submit(uint64_t seq)
{
	uint16_t h = txq.free[--txq.nfree];
	uint8_t *b = txq.bufs + (size_t)h * txq.slot;

	/* --reuse: resend the frame already there (nobody reads it back) */
	if (!o.reuse || !(txq.state[h] & SLOT_FILLED)) {
		memset(b, 0, HDR_LEN);
		fill_frame(b + HDR_LEN, o.size, seq, ETH_TX_TYPE);
	}
	if (seq_bad_hdr(seq)) {
		/* a header longer than the frame: tun's sendmsg says -EINVAL */
		((struct virtio_net_hdr *)b)->hdr_len = 0xffff;
		st.bad_hdr_sent++;
	}
	txq.desc[h].addr = gpa(b);
	txq.desc[h].len = HDR_LEN + o.size;
	txq.desc[h].flags = 0;
	txq.desc[h].next = 0;
	txq.state[h] = SLOT_OWNED | SLOT_FILLED;
	avail_push(&txq, h);
	st.sent++;
}

unsigned int tx_reap(void)
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

unsigned int tx_outstanding(void)
{
	return txq.num - txq.nfree;
}

/*
 * Wait up to ms for the device's call. With VIRTIO_RING_F_EVENT_IDX, ask
 * for it as Linux's virtqueue_enable_cb_delayed() does: TX once 3/4 of the
 * buffers in flight are used, RX at the next used buffer; and do not sleep
 * if that many are used already.
 */
void wait_call(struct vq *q, int ms)
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
	st.waits++;
	if (poll(&p, 1, ms) > 0) {
		if (read(q->call, &v, 8) == 8)
			st.calls += v;
		else if (errno != EAGAIN)
			die("call eventfd");
	}
}

int rx_sock_open(uint16_t type, int index)
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
struct rxr rxr[2];
unsigned int nrxr;
static _Atomic uint64_t rx_bad_seen;
/*
 * With --swap-tap: frames seen per sequence number (--count runs), so that
 * a frame received twice, or on both taps, is caught; the frames of one tap
 * have gaps (those sent on the other one) but must still be in order.
 */
_Atomic uint8_t *seen;

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
			/* --bad-hdr: those frames never come */
			while (seq_bad_hdr(r->expect))
				r->expect++;
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

void rx_start(int index)
{
	struct rxr *r = &rxr[nrxr++];

	r->sock = rx_sock_open(ETH_TX_TYPE, index);
	pthread_create(&r->thread, NULL, receiver, r);
}

void rx_join(void)
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
