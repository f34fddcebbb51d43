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
#include <signal.h>

#include "vhostdrv.h"

const char *argp_program_version = "vhostdrv " QLAT_VERSION;

struct opts o = {
	.dev = "/dev/vhost-zc-net", .tap = "vzt0", .size = 1500,
	.count = 1000, .depth = 128, .ring = 256, .verify = true,
	.hold_ms = -1, .timeout = 60,
};

uint8_t *mem;		/* guest memory, GPA 0 */
size_t mem_size;
uint8_t *logbuf;
size_t log_size;
int vfd = -1, tapfd = -1, tapfd2 = -1;
struct vq rxq, txq;
int ifindex, ifindex2;
uint64_t features;	/* acked */

struct stats st;

uint32_t *rx_written;		/* per RX head: most bytes written */
_Atomic uint64_t rcvd;		/* frames the receiver has seen */
volatile bool rx_stop;
/* SIGINT/SIGTERM: stop sending, drain, report as at the end of a run */
static volatile sig_atomic_t stop_req;

static void on_stop(int sig)
{
	stop_req = 1;
}

/* TX goes on: not stopped, and --duration (from t0) or --count not reached */
static bool sending(double t0, uint64_t seq)
{
	return !stop_req && (o.duration > 0 ? now_s() - t0 < o.duration : seq < o.count);
}

void die(const char *what)
{
	fprintf(stderr, "vhostdrv: %s: %s\n", what, strerror(errno));
	exit(2);
}

void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg) < 0)
		die(what);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

uint64_t gpa(const void *p)
{
	return (const uint8_t *)p - mem;
}

static int badfd = -1;

/* --bad-backend: a backend the device must refuse, keeping the old one */
static void try_backend(unsigned int idx, int fd)
{
	struct vhost_vring_file f = { .index = idx, .fd = fd };

	if (ioctl(vfd, VHOST_NET_SET_BACKEND, &f) < 0) {
		st.bad_backend_fails++;
		st.bad_backend_errno = errno;
	} else {
		/* accepted: put the tap back, so that the run goes on */
		st.bad_backend_accepted++;
		set_backend(idx, tapfd);
	}
}

/*
 * --then-tap: after the run (every head used), optionally wait for --go,
 * switch the TX backend to the second tap with one VHOST_NET_SET_BACKEND
 * and send --then-n frames more, which nobody reads back; all must be
 * used. Returns non-zero on a timeout.
 */
static int then_run(uint64_t seq)
{
	uint64_t end = seq + o.then_n;
	double t;

	if (o.go) {
		FILE *f = o.ready ? fopen(o.ready, "w") : NULL;

		if (f)
			fclose(f);
		t = now_s();
		while (access(o.go, F_OK) && now_s() - t < o.timeout)
			usleep(10000);
	}
	set_backend(1, tapfd2);
	t = now_s();
	while ((seq < end || tx_outstanding()) && now_s() - t < o.timeout) {
		unsigned int n = 0;

		tx_reap();
		while (seq < end && tx_outstanding() < o.depth && txq.nfree) {
			tx_submit(seq++);
			st.then_sent++;
			n++;
		}
		if (n)
			kick(&txq);
		else
			wait_call(&txq, 10);
	}
	return seq < end || tx_outstanding();
}

/* ---- main ----------------------------------------------------------------- */

enum { OPT_RX_DETACH = 0x100 };	/* long-only options */

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
	case 'b': o.bad_backend = true; break;
	case 'M': o.no_mrg = true; break;
	case 'F': o.bad_hdr = strtoull(arg, &end, 0); break;
	case 'I': o.iotlb = true; break;
	case 'A': o.then_tap = arg; break;
	case 'a': o.then_n = strtoull(arg, &end, 0); break;
	case 'g': o.go = arg; break;
	case 'P': o.busyloop = strtoul(arg, &end, 0); break;
	case OPT_RX_DETACH: o.rx_detach = true; break;
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
	{ "duration", 't', "SEC", 0, "send for SEC seconds (inf: until SIGINT/SIGTERM) instead of --count; SIGINT/SIGTERM always stops sending, and the run drains and reports as at its end" },
	{ "depth", 'q', "N", 0, "TX buffers in flight at most (default 128)" },
	{ "rate", 'r', "PPS", 0, "pace TX to PPS frames per second" },
	{ "ring", 'R', "N", 0, "vring size, power of 2 (default 256)" },
	{ "no-verify", 'N', 0, 0, "no receiver on the tap (frames are not read back)" },
	{ "rx", 'x', "N", 0, "then inject N frames into the tap and verify them in the RX ring" },
	{ "rx-detach", OPT_RX_DETACH, 0, 0, "with --rx: inject the first 32 frames before posting RX buffers, then detach and re-attach the RX backend (SET_BACKEND -1, then the tap): none may be lost or reordered" },
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
	{ "bad-backend", 'b', 0, 0, "each --swap (and, with --rx, once on RX first) tries VHOST_NET_SET_BACKEND with a tun fd that has no device: it must fail and leave the backend as it was" },
	{ "no-mrg", 'M', 0, 0, "do not ack VIRTIO_NET_F_MRG_RXBUF (VERSION_1 still): every RX header must say num_buffers 1" },
	{ "bad-hdr", 'F', "N", 0, "every Nth TX frame gets a vnet header tun rejects (hdr_len past the frame): that send fails, the frame is not expected" },
	{ "iotlb", 'I', 0, 0, "VIRTIO_F_ACCESS_PLATFORM with IOTLB_MSG_V2: rings mapped up front, buffers on IOTLB misses, page by page" },
	{ "then-tap", 'A', "NAME", 0, "after the run, switch the TX backend to this tap (one VHOST_NET_SET_BACKEND) and send --then-n frames more, not read back" },
	{ "then-n", 'a', "N", 0, "frames sent after --then-tap (default 64)" },
	{ "go", 'g', "FILE", 0, "with --then-tap: create the --ready file, then wait for FILE before switching" },
	{ "busyloop", 'P', "US", 0, "VHOST_SET_VRING_BUSYLOOP_TIMEOUT on both vqs (QEMU's poll-us)" },
	{ 0 }
};

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
	if ((o.bad_hdr && (o.reuse || o.vhost_hdr)) || (o.go && !o.then_tap) ||
	    (o.then_tap && (o.swap_tap || o.hold_ms >= 0)) ||
	    (o.bad_backend && o.swap_tap)) {
		fprintf(stderr, "vhostdrv: --bad-hdr excludes --reuse and --vhost-hdr, --go needs --then-tap, --then-tap excludes --swap-tap and --hold, --bad-backend excludes --swap-tap\n");
		return 2;
	}
	if (o.then_tap && !o.then_n)
		o.then_n = 64;
	mem_init();
	tapfd = tap_open(o.tap, &ifindex);
	if (o.swap_tap)
		tapfd2 = tap_open(o.swap_tap, &ifindex2);
	if (o.then_tap)
		tapfd2 = tap_open(o.then_tap, &ifindex2);
	if (o.bad_backend) {
		/* a tun file with no device attached: polling it fails */
		badfd = open("/dev/net/tun", O_RDWR);
		if (badfd < 0)
			die("/dev/net/tun");
	}
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

	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_stop, .sa_flags = SA_RESTART }, NULL);
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_stop, .sa_flags = SA_RESTART }, NULL);
	t0 = progress = now_s();
	for (;;) {
		bool more = sending(t0, seq);
		unsigned int n = 0;

		if (tx_reap())
			progress = now_s();
		while (more && tx_outstanding() < o.depth && txq.nfree &&
		       (!o.verify ||
			seq - st.bad_hdr_sent - atomic_load(&rcvd) < o.depth)) {
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
			more = sending(t0, seq);
		}
		if (n)
			kick(&txq);
		if (o.swap && pending_swap >= o.swap) {
			if (o.bad_backend) {
				try_backend(1, badfd);
			} else if (o.swap_tap) {
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

		while (atomic_load(&rcvd) < st.sent - st.bad_hdr_sent &&
		       now_s() - t < 5)
			usleep(10000);
		rx_join();
	}
	if (o.then_tap && then_run(seq))
		ret = 1;

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
	printf("waits %" PRIu64 "\n", st.waits);
	if (o.bad_hdr)
		printf("bad_hdr_sent %" PRIu64 "\n", st.bad_hdr_sent);
	if (o.then_tap)
		printf("then_sent %" PRIu64 "\n", st.then_sent);
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
		printf("rx_lost %" PRIu64 "\n",
		       st.sent - st.then_sent - st.bad_hdr_sent - t.ok - t.bad);
		printf("rx_out_of_order %" PRIu64 "\n", t.ooo);
		printf("rx_sock_drops %" PRIu64 "\n", t.drops);
		if (o.swap_tap) {
			printf("rx_tap0_ok %" PRIu64 "\n", rxr[0].ok);
			printf("rx_tap1_ok %" PRIu64 "\n", rxr[1].ok);
			printf("rx_dup %" PRIu64 "\n", t.dup);
		}
		if (t.ok != st.sent - st.then_sent - st.bad_hdr_sent ||
		    t.bad || t.ooo || t.dup)
			ret = 1;
	}
	if (st.double_used || st.unknown_used)
		ret = 1;
	if (o.hold_ms < 0 && st.used != st.sent)
		ret = 1;

	if (o.rx && o.bad_backend)
		try_backend(0, badfd);
	if (o.rx && run_rx())
		ret = 1;
	if (o.bad_backend) {
		printf("bad_backend_fails %" PRIu64 "\n", st.bad_backend_fails);
		printf("bad_backend_errno %d\n", st.bad_backend_errno);
		printf("bad_backend_accepted %" PRIu64 "\n",
		       st.bad_backend_accepted);
		if (st.bad_backend_accepted)
			ret = 1;
	}
	if (o.iotlb) {
		/* everything was used: every miss has been served */
		iotlb_stop();
		printf("iotlb_misses %" PRIu64 "\n", st.iotlb_misses);
		printf("iotlb_unmapped %" PRIu64 "\n", st.iotlb_unmapped);
	}

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
