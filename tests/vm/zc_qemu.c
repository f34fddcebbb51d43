// SPDX-License-Identifier: GPL-2.0
/*
 * zc_qemu: both ends of the workload of tests/vm/39-zc-qemu.sh, where an
 * unmodified QEMU runs a nested Linux guest on /dev/vhost-zc-net (and on
 * stock /dev/vhost-net), and a helper that hands QEMU its tap. Static, so
 * that the same binary runs in the test VM and in the nested guest's
 * initramfs.
 *
 *   zc_qemu tapexec TAP FD [TAP FD]... -- CMD...
 *	open each existing tap TAP (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR) as
 *	file descriptor FD and exec CMD (QEMU's -netdev tap,fd=FD)
 *   zc_qemu peer [-i IF] [-c CAPIF] [-p PORT] [-P PHASE] [-n N] [-w W]
 *		  [-t RTO_MS] [-T SEC] [-f FLOOD] [-g FILE]
 *	the outer side (test VM): sends N requests to the guest, at most W
 *	unanswered, resending those unanswered after RTO_MS; checks every
 *	reply; then ENDs the phase and prints the guest's figures. Meanwhile
 *	it captures every frame on the tap CAPIF (AF_PACKET) and checks the
 *	workload's frames there too. With -f it only asks the guest to send
 *	FLOOD raw frames to an unknown MAC (flooded by the bridge). With -g,
 *	until FILE exists it sends one new request per 10 ms at most and
 *	keeps the last W + 1 back: the phase lasts until the caller is done.
 *	Output: "name value" lines.
 *   zc_qemu guest [-i IF] [-p PORT]
 *	the nested guest's side: adds the static neighbour of the outer
 *	address (netlink), answers every request, reports a phase's figures
 *	on END, floods on FLOOD.
 *
 * Addresses are IPv6 link-local and fixed: the outer bridge fe80::1 with
 * MAC 02:00:00:51:00:01, the guest fe80::2 with MAC 52:54:00:51:00:02
 * (QEMU's -device virtio-net-pci,mac=); both sides have static neighbour
 * entries and IFF_NOARP, so no frame other than the workload's crosses the
 * tap (the capture counts any other).
 *
 * A message is a struct zq_hdr and a payload. REQ (outer -> guest) and
 * REP (guest -> outer) have a length fixed by the sequence number (4
 * sizes, below and above the device's copybreak) and a payload generated
 * from it; the receiver regenerates it and compares every byte, and the
 * header's FNV-1a checksum of the payload.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ZQ_MAGIC	0x5a513136u	/* "ZQ16" */
#define ZQ_MAXPHASE	16
#define ZQ_MAXSEQ	(1u << 20)
#define ZQ_ETHER	0x88b5		/* flood frames: local experimental */
#define ZQ_HDRS		62		/* Ethernet + IPv6 + UDP */

enum { ZQ_REQ = 1, ZQ_REP, ZQ_END, ZQ_STATS, ZQ_FLOOD, ZQ_FLOODACK };

struct zq_hdr {
	uint32_t magic;
	uint16_t kind;
	uint16_t phase;
	uint32_t seq;
	uint32_t len;		/* UDP payload bytes, this header included */
	uint32_t csum;		/* FNV-1a of the bytes after the header */
};

static const uint8_t outer_mac[6] = { 0x02, 0x00, 0x00, 0x51, 0x00, 0x01 };
static const uint8_t flood_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
static const char *outer_ip = "fe80::1", *guest_ip = "fe80::2";

static uint32_t req_len(uint32_t seq)
{
	static const uint32_t l[4] = { 1400, 48, 700, 200 };

	return l[seq & 3];
}

static uint32_t rep_len(uint32_t seq)
{
	static const uint32_t l[4] = { 64, 1400, 300, 1000 };

	return l[seq & 3];
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/* the known content of message (kind, seq) */
static void zq_fill(uint8_t *p, size_t n, uint32_t kind, uint32_t seq)
{
	uint32_t x = seq * 2654435761u ^ kind * 0x9e3779b9u ^ 0x5a5a1234u;

	if (!x)
		x = 1;
	while (n--) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		*p++ = x >> 24;
	}
}

static size_t zq_build(uint8_t *buf, int kind, int phase, uint32_t seq,
		       uint32_t len, const char *text)
{
	struct zq_hdr *h = (struct zq_hdr *)buf;
	size_t n = len - sizeof(*h);

	if (text) {
		n = strlen(text);
		memcpy(buf + sizeof(*h), text, n);
		len = sizeof(*h) + n;
	} else {
		zq_fill(buf + sizeof(*h), n, kind, seq);
	}
	h->magic = ZQ_MAGIC;
	h->kind = kind;
	h->phase = phase;
	h->seq = seq;
	h->len = len;
	h->csum = fnv1a(buf + sizeof(*h), n);
	return len;
}

/*
 * 0 when buf[0..n) is a well-formed message: magic, length, checksum, and
 * for REQ/REP the exact length and content of its sequence number
 */
static int zq_check(const uint8_t *buf, size_t n)
{
	static uint8_t want[2048];
	const struct zq_hdr *h = (const struct zq_hdr *)buf;
	uint32_t l;

	if (n < sizeof(*h) || h->magic != ZQ_MAGIC || h->len != n ||
	    h->phase >= ZQ_MAXPHASE)
		return -1;
	if (h->csum != fnv1a(buf + sizeof(*h), n - sizeof(*h)))
		return -1;
	if (h->kind != ZQ_REQ && h->kind != ZQ_REP)
		return 0;
	l = h->kind == ZQ_REQ ? req_len(h->seq) : rep_len(h->seq);
	if (n != l || h->seq >= ZQ_MAXSEQ)
		return -1;
	zq_fill(want, n - sizeof(*h), h->kind, h->seq);
	return memcmp(want, buf + sizeof(*h), n - sizeof(*h)) ? -1 : 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "zc_qemu: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int udp_socket(const char *ifname, const char *addr, int port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	int fd, sz = 8 << 20;

	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		die("SO_RCVBUFFORCE/SO_SNDBUFFORCE");
	sa.sin6_port = htons(port);
	sa.sin6_scope_id = if_nametoindex(ifname);
	if (!sa.sin6_scope_id)
		die(ifname);
	if (inet_pton(AF_INET6, addr, &sa.sin6_addr) != 1)
		die(addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	return fd;
}

static struct sockaddr_in6 peer_addr(const char *ifname, const char *addr,
				     int port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };

	sa.sin6_port = htons(port);
	sa.sin6_scope_id = if_nametoindex(ifname);
	inet_pton(AF_INET6, addr, &sa.sin6_addr);
	return sa;
}

/* --- tapexec ------------------------------------------------------------ */

static int cmd_tapexec(int argc, char **argv)
{
	int i, fd, want;

	for (i = 1; i + 1 < argc && strcmp(argv[i], "--"); i += 2) {
		struct ifreq ifr = { 0 };

		want = atoi(argv[i + 1]);
		fd = open("/dev/net/tun", O_RDWR);
		if (fd < 0)
			die("/dev/net/tun");
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[i]);
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
		if (ioctl(fd, TUNSETIFF, &ifr))
			die("TUNSETIFF");
		if (fd != want) {
			if (dup2(fd, want) < 0)
				die("dup2");
			close(fd);
		}
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: zc_qemu tapexec TAP FD [TAP FD]... -- CMD...\n");
		return 2;
	}
	execvp(argv[i + 1], argv + i + 1);
	die(argv[i + 1]);
	return 2;
}

/* --- peer (outer side) -------------------------------------------------- */

struct cap {
	int fd, port;
	/* [0] frames to the guest (PACKET_OUTGOING), [1] frames from it */
	uint64_t frames[2], bytes[2], data[2], ctl[2], other[2], bad[2];
	char desc[2][4][80];	/* the first other frames, described */
};

/* "dst-MAC,ethertype[,next header[,ICMPv6 type]],length" */
static void cap_desc(char *d, size_t sz, const uint8_t *f, size_t n)
{
	int l;

	if (n < 14) {
		snprintf(d, sz, "short,%zu", n);
		return;
	}
	l = snprintf(d, sz, "%02x:%02x:%02x:%02x:%02x:%02x,%02x%02x", f[0],
		     f[1], f[2], f[3], f[4], f[5], f[12], f[13]);
	if (n >= 54 && f[12] == 0x86 && f[13] == 0xdd) {
		l += snprintf(d + l, sz - l, ",%u", f[20]);
		if (f[20] == 58 && n >= 55)
			l += snprintf(d + l, sz - l, ",%u", f[54]);
		else if (f[20] == 0 && n >= 63)	/* hop-by-hop: MLD */
			l += snprintf(d + l, sz - l, ",%u,%u", f[54], f[62]);
	}
	snprintf(d + l, sz - l, ",%zu", n);
}

static void cap_frame(struct cap *c, const uint8_t *f, size_t n, int in)
{
	const struct zq_hdr *h;
	size_t ul;

	c->frames[in]++;
	c->bytes[in] += n;
	if (n < ZQ_HDRS || f[12] != 0x86 || f[13] != 0xdd || f[20] != 17 ||
	    ((f[54] << 8) | f[55]) != c->port ||
	    ((f[56] << 8) | f[57]) != c->port) {
		if (c->other[in] < 4)
			cap_desc(c->desc[in][c->other[in]], sizeof(c->desc[0][0]),
				 f, n);
		c->other[in]++;
		return;
	}
	ul = (f[58] << 8) | f[59];
	h = (const struct zq_hdr *)(f + ZQ_HDRS);
	if (ul < 8 || n != ZQ_HDRS + ul - 8 || zq_check(f + ZQ_HDRS, ul - 8)) {
		c->bad[in]++;
		return;
	}
	if (h->kind == (in ? ZQ_REP : ZQ_REQ))
		c->data[in]++;
	else
		c->ctl[in]++;
}

static void cap_drain(struct cap *c)
{
	static uint8_t f[65536];
	struct sockaddr_ll sll;
	socklen_t sl;
	ssize_t n;

	for (;;) {
		sl = sizeof(sll);
		n = recvfrom(c->fd, f, sizeof(f), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&sll, &sl);
		if (n < 0)
			return;
		cap_frame(c, f, (size_t)n > sizeof(f) ? sizeof(f) : (size_t)n,
			  sll.sll_pkttype != PACKET_OUTGOING);
	}
}

static int cap_open(struct cap *c, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int sz = 16 << 20;

	c->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (c->fd < 0)
		die("AF_PACKET socket");
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		die("SO_RCVBUFFORCE");
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex)
		die(ifname);
	if (bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind AF_PACKET");
	return 0;
}

static int cmd_peer(int argc, char **argv)
{
	const char *ifname = "br0", *capif = "qzt0";
	int port = 5016, phase = 1, w = 32, rto = 3000, tmo = 600, flood = -1;
	uint32_t n = 1000, next = 0, base = 0, replied = 0, s;
	uint64_t retrans = 0, dup = 0, bad = 0, stale = 0, other = 0;
	uint64_t req_bytes = 0, rep_bytes = 0, ctl_out = 0, ctl_in = 0;
	uint64_t ctl_out_bytes = 0, ctl_in_bytes = 0;
	uint64_t t0, last_end = 0, deadline;
	static uint8_t buf[65536];
	struct tpacket_stats pst = { 0 };
	struct sockaddr_in6 to;
	uint64_t *sent_at;
	uint8_t *got;
	struct cap c = { 0 };
	socklen_t sl;
	char stats[4096] = "";
	const char *gate = NULL;
	uint64_t last_new = 0;
	int fd, opt, done = 0, ok;

	while ((opt = getopt(argc, argv, "i:c:p:P:n:w:t:T:f:g:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'c': capif = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'P': phase = atoi(optarg); break;
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 'w': w = atoi(optarg); break;
		case 't': rto = atoi(optarg); break;
		case 'T': tmo = atoi(optarg); break;
		case 'f': flood = atoi(optarg); break;
		case 'g': gate = optarg; break;
		default: return 2;
		}
	}
	if (n > ZQ_MAXSEQ || phase <= 0 || phase >= ZQ_MAXPHASE || w < 1) {
		fprintf(stderr, "zc_qemu peer: bad -n, -P or -w\n");
		return 2;
	}
	fd = udp_socket(ifname, outer_ip, port);
	to = peer_addr(ifname, guest_ip, port);
	c.port = port;
	cap_open(&c, capif);
	sent_at = calloc(n + 1, sizeof(*sent_at));
	got = calloc(n + 1, 1);
	if (!sent_at || !got)
		die("calloc");
	t0 = now_ms();
	deadline = t0 + tmo * 1000ull;
	if (flood >= 0)
		n = 0;

	while (!done) {
		uint64_t now = now_ms();
		struct pollfd pfd[2] = { { fd, POLLIN, 0 }, { c.fd, POLLIN, 0 } };
		size_t l;

		if (now > deadline) {
			fprintf(stderr, "zc_qemu peer: timeout: %u of %u replies\n",
				replied, n);
			break;
		}
		while (next < n && next - base < (uint32_t)w) {
			/*
			 * -g FILE: until FILE exists, one new request per 10 ms
			 * and w + 1 of them kept back, so that traffic flows
			 * and the phase cannot end while the script acts
			 * (set_link) on a machine fast enough to finish first
			 */
			if (gate && access(gate, F_OK)) {
				if (next + w + 1 >= n || now - last_new < 10)
					break;
			}
			last_new = now;
			l = zq_build(buf, ZQ_REQ, phase, next, req_len(next), NULL);
			if (sendto(fd, buf, l, 0, (struct sockaddr *)&to,
				   sizeof(to)) != (ssize_t)l)
				die("sendto");
			req_bytes += l + ZQ_HDRS;
			sent_at[next++] = now;
		}
		for (s = base; s < next; s++) {
			if (got[s] || now - sent_at[s] < (uint64_t)rto)
				continue;
			l = zq_build(buf, ZQ_REQ, phase, s, req_len(s), NULL);
			if (sendto(fd, buf, l, 0, (struct sockaddr *)&to,
				   sizeof(to)) != (ssize_t)l)
				die("sendto");
			req_bytes += l + ZQ_HDRS;
			retrans++;
			sent_at[s] = now;
		}
		if (replied == n && now - last_end >= (uint64_t)rto) {
			/* END (or FLOOD), until the guest answers */
			if (flood >= 0)
				l = zq_build(buf, ZQ_FLOOD, phase, flood,
					     sizeof(struct zq_hdr), NULL);
			else
				l = zq_build(buf, ZQ_END, phase, n,
					     sizeof(struct zq_hdr), NULL);
			if (sendto(fd, buf, l, 0, (struct sockaddr *)&to,
				   sizeof(to)) != (ssize_t)l)
				die("sendto");
			ctl_out++;
			ctl_out_bytes += l + ZQ_HDRS;
			last_end = now;
		}
		poll(pfd, 2, 20);
		cap_drain(&c);
		for (;;) {
			struct zq_hdr *h = (struct zq_hdr *)buf;
			ssize_t r;

			r = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
			if (r < 0)
				break;
			if (zq_check(buf, r)) {
				bad++;
				continue;
			}
			if (h->phase != phase) {
				stale++;
				continue;
			}
			if (h->kind == ZQ_REP && h->seq < n) {
				rep_bytes += r + ZQ_HDRS;
				if (got[h->seq]) {
					dup++;
					continue;
				}
				got[h->seq] = 1;
				replied++;
				while (base < next && got[base])
					base++;
			} else if ((h->kind == ZQ_STATS && flood < 0) ||
				   (h->kind == ZQ_FLOODACK && flood >= 0)) {
				ctl_in++;
				ctl_in_bytes += r + ZQ_HDRS;
				if (!done) {
					buf[r] = 0;
					snprintf(stats, sizeof(stats), "%.4000s",
						 (char *)buf + sizeof(*h));
				}
				done = 1;
			} else {
				other++;
			}
		}
	}
	/* the frames still on their way through the tap */
	for (deadline = now_ms() + 300; now_ms() < deadline;) {
		struct pollfd p = { c.fd, POLLIN, 0 };

		poll(&p, 1, 50);
		cap_drain(&c);
	}
	sl = sizeof(pst);
	if (getsockopt(c.fd, SOL_PACKET, PACKET_STATISTICS, &pst, &sl))
		die("PACKET_STATISTICS");

	printf("phase %d\nrequests %u\nreplies_ok %u\n", phase, n, replied);
	printf("retransmits %llu\nreplies_dup %llu\nbad %llu\nstale %llu\n"
	       "other %llu\n", (unsigned long long)retrans,
	       (unsigned long long)dup, (unsigned long long)bad,
	       (unsigned long long)stale, (unsigned long long)other);
	printf("req_frame_bytes %llu\nrep_frame_bytes %llu\n",
	       (unsigned long long)req_bytes, (unsigned long long)rep_bytes);
	printf("ctl_out %llu\nctl_in %llu\nctl_out_bytes %llu\nctl_in_bytes %llu\n",
	       (unsigned long long)ctl_out, (unsigned long long)ctl_in,
	       (unsigned long long)ctl_out_bytes,
	       (unsigned long long)ctl_in_bytes);
	for (ok = 0; ok < 2; ok++) {
		const char *d = ok ? "in" : "out";

		printf("cap_%s %llu\ncap_%s_bytes %llu\ncap_%s_data %llu\n"
		       "cap_%s_ctl %llu\ncap_%s_other %llu\ncap_%s_bad %llu\n",
		       d, (unsigned long long)c.frames[ok],
		       d, (unsigned long long)c.bytes[ok],
		       d, (unsigned long long)c.data[ok],
		       d, (unsigned long long)c.ctl[ok],
		       d, (unsigned long long)c.other[ok],
		       d, (unsigned long long)c.bad[ok]);
	}
	for (ok = 0; ok < 2; ok++)
		for (int i = 0; i < 4 && (uint64_t)i < c.other[ok]; i++)
			printf("other_%s_%d %s\n", ok ? "in" : "out", i,
			       c.desc[ok][i]);
	printf("cap_drops %u\n", pst.tp_drops);
	printf("ms %llu\n", (unsigned long long)(now_ms() - t0));
	/* the guest's "name value" lines, prefixed */
	for (char *l = strtok(stats, "\n"); l; l = strtok(NULL, "\n"))
		printf("guest_%s\n", l);
	return done && replied == n ? 0 : 1;
}

/* --- guest (nested side) ------------------------------------------------ */

static int add_neigh(const char *ifname, const char *addr,
		     const uint8_t *mac)
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
		char attrs[64];
	} req = { 0 };
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct rtattr *rta;
	int fd;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.nd));
	req.nh.nlmsg_type = RTM_NEWNEIGH;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			     NLM_F_REPLACE;
	req.nd.ndm_family = AF_INET6;
	req.nd.ndm_ifindex = if_nametoindex(ifname);
	req.nd.ndm_state = NUD_PERMANENT;
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	rta->rta_type = NDA_DST;
	rta->rta_len = RTA_LENGTH(16);
	inet_pton(AF_INET6, addr, RTA_DATA(rta));
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	rta = (struct rtattr *)((char *)&req + req.nh.nlmsg_len);
	rta->rta_type = NDA_LLADDR;
	rta->rta_len = RTA_LENGTH(6);
	memcpy(RTA_DATA(rta), mac, 6);
	req.nh.nlmsg_len += RTA_ALIGN(rta->rta_len);

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (fd < 0)
		die("netlink socket");
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		die("RTM_NEWNEIGH");
	if (recv(fd, &ack, sizeof(ack), 0) < 0)
		die("netlink ack");
	close(fd);
	if (ack.nh.nlmsg_type == NLMSG_ERROR && ack.err.error) {
		errno = -ack.err.error;
		die("RTM_NEWNEIGH");
	}
	return 0;
}

static unsigned long long sysfs_num(const char *ifname, const char *f)
{
	unsigned long long v = 0;
	char p[256];
	FILE *fp;

	snprintf(p, sizeof(p), "/sys/class/net/%s/%s", ifname, f);
	fp = fopen(p, "r");
	if (fp) {
		if (fscanf(fp, "%llu", &v) != 1)
			v = 0;
		fclose(fp);
	}
	return v;
}

struct gphase {
	uint64_t req_ok, req_dup, req_bad, rep_sent, rep_err;
	uint64_t flood_sent, flood_err;
	int flooded;
	uint8_t *seen;
};

static void guest_flood(const char *ifname, struct gphase *g, int count)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	static uint8_t f[1400];
	struct ifreq ifr = { 0 };
	int fd, i, sz = 64 << 20;

	fd = socket(AF_PACKET, SOCK_RAW, htons(ZQ_ETHER));
	if (fd < 0)
		die("AF_PACKET socket");
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR");
	memcpy(f, flood_mac, 6);
	memcpy(f + 6, ifr.ifr_hwaddr.sa_data, 6);
	f[12] = ZQ_ETHER >> 8;
	f[13] = ZQ_ETHER & 0xff;
	sll.sll_ifindex = if_nametoindex(ifname);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, flood_mac, 6);
	for (i = 0; i < count; i++) {
		zq_fill(f + 14, sizeof(f) - 14, ZQ_FLOOD, i);
		if (sendto(fd, f, sizeof(f), MSG_DONTWAIT,
			   (struct sockaddr *)&sll, sizeof(sll)) == sizeof(f))
			g->flood_sent++;
		else
			g->flood_err++;
	}
	close(fd);
	printf("zc_qemu guest: flood of %d frames: %llu sent, %llu failed\n",
	       count, (unsigned long long)g->flood_sent,
	       (unsigned long long)g->flood_err);
	fflush(stdout);
}

static int cmd_guest(int argc, char **argv)
{
	const char *ifname = "eth0";
	static struct gphase ph[ZQ_MAXPHASE];
	static uint8_t buf[65536], out[2048];
	int port = 5016, fd, opt;
	uint64_t junk = 0;
	char text[1024];

	while ((opt = getopt(argc, argv, "i:p:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'p': port = atoi(optarg); break;
		default: return 2;
		}
	}
	add_neigh(ifname, outer_ip, outer_mac);
	fd = udp_socket(ifname, guest_ip, port);
	{
		struct ifreq ifr = { 0 };
		const uint8_t *m = (const uint8_t *)ifr.ifr_hwaddr.sa_data;

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr))
			die("SIOCGIFHWADDR");
		printf("zc_qemu guest: serving on [%s%%%s]:%d mac %02x:%02x:%02x:%02x:%02x:%02x\n",
		       guest_ip, ifname, port, m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	fflush(stdout);
	for (;;) {
		struct zq_hdr *h = (struct zq_hdr *)buf;
		struct sockaddr_in6 from;
		socklen_t fl = sizeof(from);
		struct gphase *g;
		ssize_t r;
		size_t l;

		r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &fl);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("recvfrom");
		}
		if (r < (ssize_t)sizeof(*h) || h->magic != ZQ_MAGIC ||
		    h->phase >= ZQ_MAXPHASE) {
			junk++;
			continue;
		}
		g = &ph[h->phase];
		if (zq_check(buf, r)) {
			g->req_bad++;
			continue;
		}
		switch (h->kind) {
		case ZQ_REQ:
			if (!g->seen) {
				g->seen = calloc(ZQ_MAXSEQ / 8, 1);
				if (!g->seen)
					die("calloc");
			}
			if (g->seen[h->seq / 8] & (1 << (h->seq % 8)))
				g->req_dup++;
			else
				g->req_ok++;
			g->seen[h->seq / 8] |= 1 << (h->seq % 8);
			l = zq_build(out, ZQ_REP, h->phase, h->seq,
				     rep_len(h->seq), NULL);
			if (sendto(fd, out, l, 0, (struct sockaddr *)&from,
				   fl) == (ssize_t)l)
				g->rep_sent++;
			else
				g->rep_err++;
			break;
		case ZQ_END:
			snprintf(text, sizeof(text),
				 "req_ok %llu\nreq_dup %llu\nreq_bad %llu\n"
				 "rep_sent %llu\nrep_err %llu\njunk %llu\n"
				 "rx_packets %llu\nrx_bytes %llu\n"
				 "tx_packets %llu\ncarrier_changes %llu\n",
				 (unsigned long long)g->req_ok,
				 (unsigned long long)g->req_dup,
				 (unsigned long long)g->req_bad,
				 (unsigned long long)g->rep_sent,
				 (unsigned long long)g->rep_err,
				 (unsigned long long)junk,
				 sysfs_num(ifname, "statistics/rx_packets"),
				 sysfs_num(ifname, "statistics/rx_bytes"),
				 sysfs_num(ifname, "statistics/tx_packets"),
				 sysfs_num(ifname, "carrier_changes"));
			l = zq_build(out, ZQ_STATS, h->phase, h->seq, 0, text);
			sendto(fd, out, l, 0, (struct sockaddr *)&from, fl);
			printf("zc_qemu guest: phase %u: %llu requests, %llu duplicates, %llu bad, %llu replies\n",
			       h->phase, (unsigned long long)g->req_ok,
			       (unsigned long long)g->req_dup,
			       (unsigned long long)g->req_bad,
			       (unsigned long long)g->rep_sent);
			fflush(stdout);
			break;
		case ZQ_FLOOD:
			l = zq_build(out, ZQ_FLOODACK, h->phase, h->seq,
				     sizeof(*h), NULL);
			sendto(fd, out, l, 0, (struct sockaddr *)&from, fl);
			if (!g->flooded) {
				g->flooded = 1;
				guest_flood(ifname, g, h->seq);
			}
			break;
		default:
			junk++;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "tapexec"))
		return cmd_tapexec(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "peer"))
		return cmd_peer(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "guest"))
		return cmd_guest(argc - 1, argv + 1);
	fprintf(stderr, "usage: zc_qemu tapexec|peer|guest ...\n");
	return 2;
}
