// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vhostdrv RX: frames injected into the tap, verified in the RX ring */
#include "vhostdrv.h"

static void rx_fill(void)
{
	while (rxq.nfree) {
		uint16_t h = rxq.free[--rxq.nfree];

		/* a header field the device does not write reads 0xa5a5 */
		memset(rxq.bufs + (size_t)h * RXBUF, 0xa5, HDR_LEN);
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

			/*
			 * VERSION_1: the device MUST set num_buffers, to 1
			 * without MRG_RXBUF (virtio 1.x, 5.1.6.4)
			 */
			if (o.no_mrg ? h->num_buffers != 1 : !h->num_buffers)
				st.ring_rx_nbuf_bad++;
			*want = o.no_mrg || !h->num_buffers ? 1 :
				h->num_buffers;
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

int run_rx(void)
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
	if (o.rx_detach) {
		/*
		 * frames queued while the ring has no buffers: the device may
		 * have taken them from the tap's ring already (a batch), and
		 * must give them back when its backend goes
		 */
		while (injected < o.rx && injected < 32) {
			fill_frame(f, o.size, injected, ETH_RX_TYPE);
			if (sendto(s, f, o.size, 0, (void *)&sll, sizeof(sll)) !=
			    (ssize_t)o.size)
				die("inject sendto");
			injected++;
		}
		usleep(200000);
		set_backend(0, -1);
		set_backend(0, tapfd);
	}
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
	printf("rx_ring_nbuf_bad %" PRIu64 "\n", st.ring_rx_nbuf_bad);
	printf("rx_pps %.1f\n", got / dt);
	close(s);
	free(f);
	free(frame);
	return st.ring_rx_ok == o.rx && !st.ring_rx_bad &&
	       !st.ring_rx_nbuf_bad ? 0 : 1;
}
