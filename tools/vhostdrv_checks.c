// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vhostdrv's device checks: bad guest input (each must raise the vq error
 * eventfd and never be used) and the dirty log bitmap.
 */
#include "vhostdrv.h"

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

int run_bad(void)
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

static bool log_bit(uint64_t addr)
{
	uint64_t pg = addr / PAGE;

	return logbuf[pg / 8] & (1u << (pg % 8));
}

static void log_check(void);

/* Start dirty logging on a running device, in QEMU's order. */
void log_start(void)
{
	uint64_t base = (uintptr_t)logbuf;

	xioctl(vfd, VHOST_SET_LOG_BASE, &base, "VHOST_SET_LOG_BASE");
	features |= 1ull << VHOST_F_LOG_ALL;
	xioctl(vfd, VHOST_SET_FEATURES, &features, "VHOST_SET_FEATURES");
	vq_set_addr(&rxq, true);
	vq_set_addr(&txq, true);
}

void log_report(int *ret)
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
