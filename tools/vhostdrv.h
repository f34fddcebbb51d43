/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vhostdrv's pieces shared by its files (vhostdrv*.c) */
#ifndef __QLAT_TOOLS_VHOSTDRV_H
#define __QLAT_TOOLS_VHOSTDRV_H

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

struct opts {
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
	bool bad_backend;	/* swaps try a tun fd with no device: must fail */
	bool no_mrg;		/* VERSION_1 without VIRTIO_NET_F_MRG_RXBUF */
	uint64_t bad_hdr;	/* every Nth TX frame has a vnet header tun rejects */
	bool iotlb;		/* VIRTIO_F_ACCESS_PLATFORM: IOTLB misses served */
	const char *then_tap;	/* after the run: switch TX to this tap ... */
	uint64_t then_n;	/* ... and send this many frames more */
	const char *go;		/* with --then-tap: wait for FILE first */
	unsigned int busyloop;	/* VHOST_SET_VRING_BUSYLOOP_TIMEOUT, us */
	bool rx_detach;		/* --rx: detach/re-attach RX with frames queued */
};
extern struct opts o;

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

/* the driver's state (vhostdrv.c) */
extern uint8_t *mem;		/* guest memory, GPA 0 */
extern size_t mem_size;
extern uint8_t *logbuf;
extern size_t log_size;
extern int vfd, tapfd, tapfd2;
extern struct vq rxq, txq;
extern int ifindex, ifindex2;
extern uint64_t features;	/* acked */

struct stats {
	uint64_t sent, used, double_used, unknown_used, bad_len, retired;
	uint64_t ring_rx_ok, ring_rx_bad, ring_rx_bufs, ring_rx_other;
	uint64_t swaps, log_missing, log_extra, log_bits;
	uint64_t kicks, calls, arms, waits;
	uint64_t bad_backend_fails, bad_backend_accepted, bad_hdr_sent;
	int bad_backend_errno;
	uint64_t ring_rx_nbuf_bad, iotlb_misses, iotlb_unmapped, then_sent;
};
extern struct stats st;

extern uint32_t *rx_written;		/* per RX head: most bytes written */
extern _Atomic uint64_t rcvd;		/* frames the receiver has seen */
extern volatile bool rx_stop;

/* one receiver thread per tap (vhostdrv_tx.c) */
struct rxr {
	pthread_t thread;
	int sock;
	uint64_t expect, ok, bad, ooo, dup, drops;
};
extern struct rxr rxr[2];
extern unsigned int nrxr;
/* --swap-tap: frames seen per sequence number (vhostdrv_tx.c) */
extern _Atomic uint8_t *seen;

/* vhostdrv.c */
uint64_t gpa(const void *p);
void die(const char *what);
void xioctl(int fd, unsigned long req, void *arg, const char *what);
double now_s(void);

/* vhostdrv_vring.c */
void dev_open(void);
void dev_stop_close(void);
void kick(struct vq *q);
void mem_init(void);
void set_backend(unsigned int idx, int fd);
int tap_open(const char *name, int *index);
void avail_push(struct vq *q, uint16_t head);
volatile uint16_t *used_event(struct vq *q);
void vq_set_addr(struct vq *q, bool log);
void iotlb_start(void);
void iotlb_stop(void);
bool seq_bad_hdr(uint64_t seq);

/* vhostdrv_tx.c */
void rx_join(void);
void rx_start(int index);
unsigned int tx_outstanding(void);
unsigned int tx_reap(void);
void tx_submit(uint64_t seq);
void wait_call(struct vq *q, int ms);
const char *check_frame(const uint8_t *f, size_t len, uint64_t *seq);
void fill_frame(uint8_t *f, size_t len, uint64_t seq, uint16_t type);
int rx_sock_open(uint16_t type, int index);

/* vhostdrv_rx.c */
int run_rx(void);

/* vhostdrv_checks.c */
void log_report(int *ret);
void log_start(void);
int run_bad(void);

#endif /* __QLAT_TOOLS_VHOSTDRV_H */
