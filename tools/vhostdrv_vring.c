// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vhostdrv: guest memory, split rings, the vhost device's setup and kicks */
#include "vhostdrv.h"

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

void mem_init(void)
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
/* the first line of /sys/class/net/NAME/FILE, or "" */
static void sysfs_net(const char *name, const char *file, char *buf, size_t n)
{
	char path[128];
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, file);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(buf, n, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

/*
 * Opening the tap turns its carrier on, but the kernel tells the rest of
 * the stack later (linkwatch, up to a second): until then a bridge keeps
 * the port disabled and drops what the tap sends, whose zero-copy sends
 * then complete at once. On a bridge, wait (up to 5 s) until the port
 * forwards (BR_STATE_FORWARDING).
 */
static void tap_wait_forwarding(const char *name)
{
	char v[32];
	int i;

	for (i = 0; i < 500; i++) {
		sysfs_net(name, "brport/state", v, sizeof(v));
		if (!v[0] || !strcmp(v, "3"))
			return;
		usleep(10000);
	}
	fprintf(stderr, "vhostdrv: %s: bridge port not forwarding after 5 s (state %s)\n",
		name, v);
}

int tap_open(const char *name, int *index)
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
	/* --rx frames longer than Ethernet's are injected through the tap */
	if (o.rx && o.size > ETH_FRAME_LEN) {
		ifr.ifr_mtu = o.size - ETH_HLEN;
		xioctl(s, SIOCSIFMTU, &ifr, "SIOCSIFMTU");
	}
	xioctl(s, SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	xioctl(s, SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS");
	close(s);
	*index = if_nametoindex(name);
	tap_wait_forwarding(name);
	return fd;
}

/* a ring address: with an IOTLB (--iotlb) an I/O virtual address = GPA */
static uint64_t ring_addr(const void *p)
{
	return o.iotlb ? gpa(p) : (uintptr_t)p;
}

void vq_set_addr(struct vq *q, bool log)
{
	struct vhost_vring_addr a = {
		.index = q->idx,
		.flags = log ? 1u << VHOST_VRING_F_LOG : 0,
		.desc_user_addr = ring_addr(q->desc),
		.avail_user_addr = ring_addr(q->avail),
		.used_user_addr = ring_addr(q->used),
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

void set_backend(unsigned int idx, int fd)
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
void dev_stop_close(void)
{
	iotlb_stop();
	set_backend(0, -1);
	set_backend(1, -1);
	close(vfd);
	vfd = -1;
}

void dev_open(void)
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
	if (o.no_mrg)
		want &= ~(1ull << VIRTIO_NET_F_MRG_RXBUF);
	if (o.iotlb) {
		uint64_t bf = 1ull << VHOST_BACKEND_F_IOTLB_MSG_V2;

		want |= 1ull << VIRTIO_F_ACCESS_PLATFORM;
		xioctl(vfd, VHOST_SET_BACKEND_FEATURES, &bf,
		       "VHOST_SET_BACKEND_FEATURES");
	}
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
	if (o.busyloop) {
		struct vhost_vring_state b = { .num = o.busyloop };

		b.index = 0;
		xioctl(vfd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &b,
		       "VHOST_SET_VRING_BUSYLOOP_TIMEOUT");
		b.index = 1;
		xioctl(vfd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &b,
		       "VHOST_SET_VRING_BUSYLOOP_TIMEOUT");
	}
	if (o.iotlb)
		iotlb_start();
}

/* ---- --iotlb: the device's IOTLB, I/O virtual address = GPA ------------- */

static pthread_t iotlb_thread;
static volatile bool iotlb_run;

static void iotlb_update(uint64_t iova, uint64_t size)
{
	struct vhost_msg_v2 m = { .type = VHOST_IOTLB_MSG_V2 };

	m.iotlb.iova = iova;
	m.iotlb.size = size;
	m.iotlb.uaddr = (uintptr_t)(mem + iova);
	m.iotlb.perm = VHOST_ACCESS_RW;
	m.iotlb.type = VHOST_IOTLB_UPDATE;
	if (write(vfd, &m, sizeof(m)) != sizeof(m))
		die("IOTLB update");
}

/*
 * Serve the device's misses page by page, as a vIOMMU would, so that the
 * buffers miss many times; counts them (iotlb_misses).
 */
static void *iotlb_serve(void *arg)
{
	struct pollfd p = { .fd = vfd, .events = POLLIN };
	struct vhost_msg_v2 m;

	while (iotlb_run) {
		if (poll(&p, 1, 20) <= 0)
			continue;
		if (read(vfd, &m, sizeof(m)) != sizeof(m))
			continue;
		if (m.type != VHOST_IOTLB_MSG_V2 ||
		    m.iotlb.type != VHOST_IOTLB_MISS)
			continue;
		st.iotlb_misses++;
		if (m.iotlb.iova >= mem_size) {
			st.iotlb_unmapped++;
			continue;
		}
		iotlb_update(m.iotlb.iova & ~(PAGE - 1), PAGE);
	}
	return arg;
}

/* map the rings up front (a miss there is no descriptor fetch), serve the rest */
void iotlb_start(void)
{
	struct vq *qs[] = { &rxq, &txq };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct vq *q = qs[i];

		iotlb_update(gpa(q->desc), gpa(q->used) - gpa(q->desc));
		iotlb_update(gpa(q->used),
			     (6 + 8 * q->num + PAGE - 1) & ~(PAGE - 1));
	}
	iotlb_run = true;
	pthread_create(&iotlb_thread, NULL, iotlb_serve, NULL);
}

void iotlb_stop(void)
{
	if (!iotlb_run)
		return;
	iotlb_run = false;
	pthread_join(iotlb_thread, NULL);
}

/* VIRTIO_RING_F_EVENT_IDX: the fields after the avail and used rings */
volatile uint16_t *used_event(struct vq *q)
{
	return &q->avail->ring[q->num];
}

static volatile uint16_t *avail_event(struct vq *q)
{
	return (volatile uint16_t *)&q->used->ring[q->num];
}

void kick(struct vq *q)
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

void avail_push(struct vq *q, uint16_t head)
{
	q->avail->ring[q->avail_idx % q->num] = head;
	q->avail_idx++;
	__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
}
