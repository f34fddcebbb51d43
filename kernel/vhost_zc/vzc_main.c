// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-zc-net: a vhost-net device (/dev/vhost-zc-net) whose TX path keeps
 * many zero-copy sends in flight and completes them asynchronously. The
 * design, the locking rules and the list of files are in vzc_priv.h.
 *
 * This file: module init/exit, the misc device and its file operations,
 * open and release, the statistics and their debugfs files. It creates the
 * tracepoints of vhost_zc_trace.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "vzc_priv.h"

#define CREATE_TRACE_POINTS
#include "vhost_zc_trace.h"

DEFINE_STATIC_KEY_FALSE(vzc_trace_key);

/*
 * A vhost_zc event got its first consumer (tracepoints_mutex held, may
 * sleep): from now on the device reads the clock (vzc_tracing()).
 */
int vzc_trace_reg(void)
{
	static_branch_inc(&vzc_trace_key);
	return 0;
}

/* ... and lost its last one */
void vzc_trace_unreg(void)
{
	static_branch_dec(&vzc_trace_key);
}

static const char * const vzc_stat_names[VZC_NR_STATS] = {
	[VZC_TX_SUBMITTED] = "submitted",
	[VZC_TX_ZEROCOPY] = "zerocopy",
	[VZC_TX_COPIED] = "copied",
	[VZC_TX_ZC_FALLBACK] = "zc_fallback",
	[VZC_TX_ZC_LATE_COPY] = "zc_late_copy",
	[VZC_TX_ZC_BACKOFF] = "zc_backoff",
	[VZC_TX_ZC_BOUND] = "zc_bound",
	[VZC_TX_COMPLETED] = "completed",
	[VZC_TX_RELEASED] = "released",
	[VZC_TX_BYTES] = "tx_bytes",
	[VZC_TX_ERRORS] = "tx_errors",
	[VZC_TX_RETRIES] = "tx_retries",
	[VZC_RX_PACKETS] = "rx_packets",
	[VZC_RX_BYTES] = "rx_bytes",
	[VZC_RX_DROPPED] = "rx_dropped",
	[VZC_SIGNALS] = "signals",
	[VZC_REQUEUES] = "requeues",
	[VZC_VQ_ERRORS] = "errors",
	[VZC_IOTLB_MISSES] = "iotlb_misses",
	[VZC_BUSY_POLLS] = "busy_polls",
	[VZC_BUSY_POLL_HITS] = "busy_poll_hits",
};

static struct dentry *vzc_dbg_root;
struct vzc_stats vzc_global = { .node = LIST_HEAD_INIT(vzc_global.node) };
/* the freed devices' sums; under vzc_stats_lock, as the list and zero[] */
static u64 vzc_retired[VZC_NR_STATS];
static DEFINE_MUTEX(vzc_stats_lock);
struct workqueue_struct *vzc_wq;
static atomic_t vzc_next_id = ATOMIC_INIT(0);
static atomic_t vzc_devices = ATOMIC_INIT(0);
/* released devices still waiting for zero-copy completions; exit waits */
static atomic_t vzc_orphans = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(vzc_orphans_wait);

/* add a device's counters and sends in flight to c[] and *in_flight */
static void vzc_stats_add(const struct vzc_stats *st, u64 *c, s64 *in_flight)
{
	int i, cpu;

	for_each_possible_cpu(cpu) {
		const struct vzc_pcpu *p = per_cpu_ptr(st->pc, cpu);

		for (i = 0; i < VZC_NR_STATS; i++)
			c[i] += p->c[i];
		*in_flight += p->in_flight;
	}
}

/* what st has counted since the module was loaded; vzc_stats_lock held */
static void vzc_stats_sum(const struct vzc_stats *st, u64 *c, s64 *in_flight)
{
	const struct vzc_stats *d;

	lockdep_assert_held(&vzc_stats_lock);
	*in_flight = 0;
	if (st->pc) {
		memset(c, 0, sizeof(u64) * VZC_NR_STATS);
		vzc_stats_add(st, c, in_flight);
		return;
	}
	memcpy(c, vzc_retired, sizeof(vzc_retired));
	list_for_each_entry(d, &vzc_global.node, node)
		vzc_stats_add(d, c, in_flight);
}

static int vzc_stats_show(struct seq_file *m, void *v)
{
	struct vzc_stats *st = m->private;
	u64 c[VZC_NR_STATS];
	s64 in_flight;
	int i;

	mutex_lock(&vzc_stats_lock);
	vzc_stats_sum(st, c, &in_flight);
	for (i = 0; i < VZC_NR_STATS; i++)
		seq_printf(m, "%s %llu\n", vzc_stat_names[i], c[i] - st->zero[i]);
	mutex_unlock(&vzc_stats_lock);
	seq_printf(m, "in_flight %lld\n", in_flight);
	seq_printf(m, "max_in_flight %lld\n",
		   atomic64_read(&st->max_in_flight));
	if (st == &vzc_global)
		seq_printf(m, "devices %d\n", atomic_read(&vzc_devices));
	return 0;
}

static int vzc_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, vzc_stats_show, inode->i_private);
}

/*
 * Any write zeroes the counters (of this file only) and sets
 * max_in_flight to in_flight.
 */
static ssize_t vzc_stats_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct vzc_stats *st = ((struct seq_file *)file->private_data)->private;
	s64 in_flight;

	mutex_lock(&vzc_stats_lock);
	vzc_stats_sum(st, st->zero, &in_flight);
	mutex_unlock(&vzc_stats_lock);
	atomic64_set(&st->max_in_flight, in_flight);
	return count;
}

static const struct file_operations vzc_stats_fops = {
	.owner = THIS_MODULE,
	.open = vzc_stats_open,
	.read = seq_read,
	.write = vzc_stats_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* The device's last part: its records (all back in the pool) and stats. */
static void vzc_free(struct vzc *n)
{
	struct vzc_vq *tvq = &n->vqs[VZC_VQ_TX];
	s64 in_flight = 0;	/* vzc_stats_add() adds to it; not used here */

	vzc_tx_release_all(tvq);
	WARN_ON_ONCE(tvq->pending);
	debugfs_remove_recursive(n->dbg);
	atomic_dec(&vzc_devices);
	/* the module's sums keep what the device counted */
	mutex_lock(&vzc_stats_lock);
	list_del(&n->stats.node);
	vzc_stats_add(&n->stats, vzc_retired, &in_flight);
	mutex_unlock(&vzc_stats_lock);
	kvfree(tvq->recs);
	free_percpu(n->stats.pc);
	kvfree(n);
}

/* vzc_wq: the last zero-copy send of a released device has completed */
static void vzc_free_work(struct work_struct *work)
{
	struct vzc *n = container_of(work, struct vzc, free_work);

	/* the callback that queued us has left its critical section */
	synchronize_rcu();
	vzc_free(n);
	if (atomic_dec_and_test(&vzc_orphans))
		wake_up(&vzc_orphans_wait);
}

/*
 * A killed release: the network still holds zero-copy sends. Unless the
 * last one completed meanwhile, leave the device to it (free_work).
 * Returns true when the device is the caller's to free.
 */
static bool vzc_orphan(struct vzc *n)
{
	struct vzc_vq *tvq = &n->vqs[VZC_VQ_TX];
	bool mine;

	spin_lock_irq(&tvq->notify_lock);
	mine = !atomic_read(&tvq->outstanding);
	if (!mine) {
		atomic_inc(&vzc_orphans);
		n->orphan = true;
	}
	spin_unlock_irq(&tvq->notify_lock);
	if (!mine)
		pr_info("device %u released with %d zero-copy sends held: freed when they complete\n",
			n->id, atomic_read(&tvq->outstanding));
	return mine;
}

static int vzc_open(struct inode *inode, struct file *f)
{
	struct vhost_virtqueue **vqs;
	struct vzc_rec *recs;
	char name[16];
	struct vzc *n;
	int i;

	n = kvzalloc(sizeof(*n), GFP_KERNEL | __GFP_RETRY_MAYFAIL);
	if (!n)
		return -ENOMEM;
	vqs = kmalloc_array(VZC_VQ_MAX, sizeof(*vqs), GFP_KERNEL);
	if (!vqs) {
		kvfree(n);
		return -ENOMEM;
	}

	n->stats.pc = alloc_percpu(struct vzc_pcpu);
	recs = kvcalloc(UIO_MAXIOV, sizeof(*recs), GFP_KERNEL);
	if (!n->stats.pc || !recs) {
		kvfree(recs);
		free_percpu(n->stats.pc);
		kfree(vqs);
		kvfree(n);
		return -ENOMEM;
	}
	n->id = atomic_inc_return(&vzc_next_id);
	INIT_WORK(&n->free_work, vzc_free_work);
	for (i = 0; i < VZC_VQ_MAX; i++) {
		struct vzc_vq *nvq = &n->vqs[i];

		vqs[i] = &nvq->vq;
		nvq->n = n;
		nvq->index = i;
		spin_lock_init(&nvq->notify_lock);
		nvq->notifier_tail = &nvq->notifier;
		atomic_set(&nvq->outstanding, 0);
		init_waitqueue_head(&nvq->wait);
	}
	n->vqs[VZC_VQ_TX].recs = recs;
	for (i = 0; i < UIO_MAXIOV; i++) {
		recs[i].nvq = &n->vqs[VZC_VQ_TX];
		vzc_ubuf_init(&recs[i].ubuf);
		recs[i].next = n->vqs[VZC_VQ_TX].free_recs;
		n->vqs[VZC_VQ_TX].free_recs = &recs[i];
	}
	n->vqs[VZC_VQ_TX].vq.handle_kick = vzc_handle_tx_kick;
	n->vqs[VZC_VQ_RX].vq.handle_kick = vzc_handle_rx_kick;
	vhost_dev_init(&n->dev, vqs, VZC_VQ_MAX, UIO_MAXIOV + VZC_BATCH,
		       VZC_PKT_WEIGHT, VZC_WEIGHT, true, NULL);
#ifdef QLAT_VHOST_POLL_VQ
	vhost_poll_init(&n->poll[VZC_VQ_TX], vzc_handle_tx_net, EPOLLOUT, &n->dev,
			vqs[VZC_VQ_TX]);
	vhost_poll_init(&n->poll[VZC_VQ_RX], vzc_handle_rx_net, EPOLLIN, &n->dev,
			vqs[VZC_VQ_RX]);
#else
	vhost_poll_init(&n->poll[VZC_VQ_TX], vzc_handle_tx_net, EPOLLOUT, &n->dev);
	vhost_poll_init(&n->poll[VZC_VQ_RX], vzc_handle_rx_net, EPOLLIN, &n->dev);
#endif

	snprintf(name, sizeof(name), "%u", n->id);
	n->dbg = debugfs_create_dir(name, vzc_dbg_root);
	mutex_lock(&vzc_stats_lock);
	list_add_tail(&n->stats.node, &vzc_global.node);
	mutex_unlock(&vzc_stats_lock);
	debugfs_create_file("stats", 0600, n->dbg, &n->stats, &vzc_stats_fops);
	atomic_inc(&vzc_devices);

	f->private_data = n;
	return 0;
}

static int vzc_release(struct inode *inode, struct file *f)
{
	struct vzc *n = f->private_data;
	struct socket *tx_sock, *rx_sock;
	bool mine = true;

	/*
	 * Killed while the network holds zero-copy sends: do not wait for
	 * them (they may never come back, e.g. a plugged qdisc)
	 */
	if (vzc_stop(n, &tx_sock, &rx_sock))
		mine = vzc_orphan(n);
	vhost_dev_stop(&n->dev);
	vhost_dev_cleanup(&n->dev);
	if (tx_sock)
		sockfd_put(tx_sock);
	if (rx_sock)
		sockfd_put(rx_sock);
	vhost_dev_flush(&n->dev);
	kfree(n->dev.vqs);
	if (mine)
		vzc_free(n);
	return 0;
}

static ssize_t vzc_chr_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct vzc *n = iocb->ki_filp->private_data;

	return vhost_chr_read_iter(&n->dev, to, iocb->ki_filp->f_flags & O_NONBLOCK);
}

static ssize_t vzc_chr_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vzc *n = iocb->ki_filp->private_data;

	return vhost_chr_write_iter(&n->dev, from);
}

static __poll_t vzc_chr_poll(struct file *file, poll_table *wait)
{
	struct vzc *n = file->private_data;

	return vhost_chr_poll(file, &n->dev, wait);
}

static const struct file_operations vzc_fops = {
	.owner = THIS_MODULE,
	.release = vzc_release,
	.read_iter = vzc_chr_read_iter,
	.write_iter = vzc_chr_write_iter,
	.poll = vzc_chr_poll,
	.unlocked_ioctl = vzc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.open = vzc_open,
	.llseek = noop_llseek,
};

static struct miscdevice vzc_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vhost-zc-net",
	.fops = &vzc_fops,
	.mode = 0600,
};

static int __init vzc_init(void)
{
	int r;

	vzc_wq = alloc_workqueue("vhost_zc", 0, 0);
	if (!vzc_wq)
		return -ENOMEM;
	vzc_dbg_root = debugfs_create_dir("vhost_zc", NULL);
	debugfs_create_file("stats", 0600, vzc_dbg_root, &vzc_global,
			    &vzc_stats_fops);
	r = misc_register(&vzc_misc);
	if (r) {
		debugfs_remove_recursive(vzc_dbg_root);
		destroy_workqueue(vzc_wq);
	}
	return r;
}
module_init(vzc_init);

static void __exit vzc_exit(void)
{
	misc_deregister(&vzc_misc);
	/*
	 * Devices released while the network held their zero-copy sends
	 * (killed owners) still have callbacks of this module in skbs: wait
	 * until the last has run and freed its device.
	 */
	wait_event_idle(vzc_orphans_wait, !atomic_read(&vzc_orphans));
	destroy_workqueue(vzc_wq);
	/* no callback is still on its way out of this module's text */
	synchronize_rcu();
	debugfs_remove_recursive(vzc_dbg_root);
}
module_exit(vzc_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("qlat");
MODULE_DESCRIPTION("vhost-net with asynchronous multi-submit zero-copy TX");
MODULE_ALIAS("devname:vhost-zc-net");
