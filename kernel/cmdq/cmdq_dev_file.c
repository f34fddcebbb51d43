// SPDX-License-Identifier: GPL-2.0
/*
 * cmdq_dev: /dev/cmdq (cmdq_dev_priv.h has the overview): per-file state,
 * the binding to a GCE thread, SUBMIT, WAIT, the file operations and the
 * module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/compat.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include <cmdq/cmdq.h>
#include <cmdq/gce_sim.h>
#include <uapi/linux/cmdq.h>
#include "cmdq_dev_priv.h"

/* ---- per-file state --------------------------------------------------------- */

/* first thread tried when a SUBMIT binds the file itself */
#define CMDQ_DEV_AUTO_THREAD	8

static int cmdq_dev_bind_locked(struct cmdq_dev_file *f, int thread)
{
	struct device *dev = gce_sim_get_device();
	struct cmdq_client *cl;
	int err;

	if (!dev)
		return -ENODEV;
	cl = cmdq_mbox_create(dev, thread);
	if (IS_ERR(cl)) {
		err = PTR_ERR(cl);
		/* -EPROBE_DEFER is kernel-internal */
		return err == -EPROBE_DEFER ? -ENODEV : err;
	}
	f->client = cl;
	f->thread = thread;
	ds_inc(DS_BINDS);
	return 0;
}

/* SUBMIT on an unbound file: the first free thread from CMDQ_DEV_AUTO_THREAD up */
static int cmdq_dev_autobind_locked(struct cmdq_dev_file *f)
{
	int i, err = -EBUSY;

	for (i = 0; i < CMDQ_THR_MAX_COUNT; i++) {
		err = cmdq_dev_bind_locked(f, (CMDQ_DEV_AUTO_THREAD + i) % CMDQ_THR_MAX_COUNT);
		if (err != -EBUSY)
			break;
	}
	if (err)
		ds_inc(DS_BIND_ERRORS);
	return err;
}

/*
 * Free the channel. The GCE reports every packet still queued on it with
 * -ECONNABORTED before mbox_free_channel() returns, so afterwards no
 * callback of this file is running or pending.
 */
static void cmdq_dev_unbind_locked(struct cmdq_dev_file *f)
{
	cmdq_mbox_destroy(f->client);
	f->client = NULL;
	f->thread = -1;
	ds_inc(DS_UNBINDS);
}

static int cmdq_dev_open(struct inode *inode, struct file *file)
{
	struct cmdq_dev_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	spin_lock_init(&f->task_lock);
	INIT_LIST_HEAD(&f->pending);
	INIT_LIST_HEAD(&f->done);
	init_waitqueue_head(&f->wq);
	f->thread = -1;
	file->private_data = f;
	ds_inc(DS_OPENS);
	return nonseekable_open(inode, file);
}

static void cmdq_dev_task_free(struct cmdq_dev_task *task)
{
	cmdq_pkt_destroy(task->pkt);
	kfree(task);
	atomic64_dec(&cmdq_dev_stats[DS_TASKS_LIVE]);
}

static int cmdq_dev_release(struct inode *inode, struct file *file)
{
	struct cmdq_dev_file *f = file->private_data;
	struct cmdq_dev_task *task, *tmp;
	bool leak;

	spin_lock_irq(&f->task_lock);
	f->releasing = true;
	spin_unlock_irq(&f->task_lock);

	mutex_lock(&f->lock);
	if (f->client)
		cmdq_dev_unbind_locked(f);
	mutex_unlock(&f->lock);

	/* no callback can run any more */
	spin_lock_irq(&f->task_lock);
	leak = !list_empty(&f->pending);
	spin_unlock_irq(&f->task_lock);
	/* a packet the GCE did not give back cannot be freed safely */
	WARN_ONCE(leak, "cmdq_dev: packets still in flight after unbind, leaking them\n");
	list_for_each_entry_safe(task, tmp, &f->done, node) {
		list_del(&task->node);
		cmdq_dev_task_free(task);
	}
	mutex_destroy(&f->lock);
	if (!leak)
		kfree(f);
	ds_inc(DS_RELEASES);
	return 0;
}

/* ---- SUBMIT ----------------------------------------------------------------- */

/* flush callback of async packets; the GCE's interrupt context */
static void cmdq_dev_async_cb(struct cmdq_cb_data data)
{
	struct cmdq_dev_task *task = data.data;
	struct cmdq_dev_file *f = task->f;
	unsigned long flags;

	switch (data.sta) {
	case 0:
		ds_inc(DS_ASYNC_OK);
		break;
	case -ENOEXEC:
		ds_inc(DS_ASYNC_ENOEXEC);
		break;
	case -ECONNABORTED:
		ds_inc(DS_ASYNC_ECONNABORTED);
		break;
	default:
		ds_inc(DS_ASYNC_OTHER);
		break;
	}

	spin_lock_irqsave(&f->task_lock, flags);
	task->status = data.sta;
	task->eoc_ns = data.pkt->eoc_ns;
	list_move_tail(&task->node, &f->done);
	f->npending--;
	f->ndone++;
	if (f->releasing && data.sta == -ECONNABORTED)
		ds_inc(DS_RELEASE_ABORTED);
	/* @task may be reaped as soon as the lock is dropped; @f lives on */
	spin_unlock_irqrestore(&f->task_lock, flags);
	wake_up_interruptible(&f->wq);
}

static int cmdq_dev_submit_async(struct cmdq_dev_file *f, struct cmdq_pkt *pkt,
				 struct cmdq_ioc_submit *s)
{
	struct cmdq_dev_task *task;
	int err;

	task = kzalloc(sizeof(*task), GFP_KERNEL);
	if (!task)
		return -ENOMEM;
	task->f = f;
	task->pkt = pkt;
	task->pkt_id = pkt->id;
	task->ticket = ++f->next_ticket;
	s->ticket = task->ticket;

	spin_lock_irq(&f->task_lock);
	list_add_tail(&task->node, &f->pending);
	f->npending++;
	spin_unlock_irq(&f->task_lock);
	atomic64_inc(&cmdq_dev_stats[DS_TASKS_LIVE]);

	err = cmdq_pkt_flush_async(f->client, pkt, cmdq_dev_async_cb, task);
	if (err) {
		/* not queued: no callback will come */
		spin_lock_irq(&f->task_lock);
		list_del(&task->node);
		f->npending--;
		spin_unlock_irq(&f->task_lock);
		atomic64_dec(&cmdq_dev_stats[DS_TASKS_LIVE]);
		kfree(task);
		s->ticket = 0;
		return err;
	}
	/* the task may be complete and reaped already: do not touch it */
	ds_inc(DS_ASYNC_FLUSHED);
	return 0;
}

static int cmdq_dev_sync_status(int sta)
{
	ds_inc(DS_SYNC_FLUSHED);
	switch (sta) {
	case 0:
		ds_inc(DS_SYNC_OK);
		break;
	case -ENOEXEC:
		ds_inc(DS_SYNC_ENOEXEC);
		break;
	case -ETIMEDOUT:
		ds_inc(DS_SYNC_ETIMEDOUT);
		break;
	case -ECONNABORTED:
		ds_inc(DS_SYNC_ECONNABORTED);
		break;
	default:
		ds_inc(DS_SYNC_OTHER);
		break;
	}
	return sta;
}

static long cmdq_dev_submit(struct cmdq_dev_file *f, struct cmdq_ioc_submit __user *us)
{
	struct cmdq_ioc_submit s;
	bool async, raw;
	struct cmdq_pkt *pkt;
	long ret;
	u32 tmo;

	ds_inc(DS_SUBMITS);
	if (copy_from_user(&s, us, sizeof(s))) {
		ret = -EFAULT;
		goto rejected;
	}
	async = s.flags & CMDQ_SUBMIT_ASYNC;
	raw = s.flags & CMDQ_SUBMIT_RAW;
	if ((s.flags & ~(CMDQ_SUBMIT_ASYNC | CMDQ_SUBMIT_RAW)) || s.reserved ||
	    (async && s.timeout_ms) || s.timeout_ms > CMDQ_IOC_MAX_TIMEOUT_MS) {
		ret = -EINVAL;
		goto rejected;
	}
	tmo = s.timeout_ms ?: CMDQ_IOC_DEFAULT_TIMEOUT_MS;
	s.ticket = 0;
	s.pkt_id = 0;
	s.inst = 0;
	s.status = 0;

	if (mutex_lock_interruptible(&f->lock)) {
		ret = -EINTR;
		goto rejected;
	}
	if (async) {
		spin_lock_irq(&f->task_lock);
		ret = f->npending + f->ndone >= CMDQ_IOC_MAX_TICKETS ? -EAGAIN : 0;
		spin_unlock_irq(&f->task_lock);
		if (ret)
			goto unlock;
	}

	pkt = cmdq_dev_build(s.data, s.count, raw, &s.error_index);
	if (IS_ERR(pkt)) {
		ret = PTR_ERR(pkt);
		if (s.error_index != U32_MAX &&
		    put_user(s.error_index, &us->error_index))
			ret = -EFAULT;
		goto unlock;
	}
	ret = cmdq_pkt_finalize(pkt);
	if (!ret && !f->client)
		ret = cmdq_dev_autobind_locked(f);
	if (ret) {
		cmdq_pkt_destroy(pkt);
		goto unlock;
	}
	s.pkt_id = pkt->id;
	s.inst = cmdq_pkt_inst_count(pkt);

	if (async) {
		ret = cmdq_dev_submit_async(f, pkt, &s);
		if (ret) {
			cmdq_pkt_destroy(pkt);
			goto unlock;
		}
	} else {
		/* never in flight after return, even on timeout */
		ret = cmdq_pkt_flush(f->client, pkt, tmo);
		if (!pkt->flush_ns) {
			/* refused before the GCE got it: nothing was flushed */
			cmdq_pkt_destroy(pkt);
			goto unlock;
		}
		ret = cmdq_dev_sync_status(ret);
		s.status = ret;
		cmdq_pkt_destroy(pkt);
	}
	if (raw)
		ds_inc(DS_RAW_FLUSHED);
	mutex_unlock(&f->lock);

	if (copy_to_user(us, &s, sizeof(s)))
		ret = -EFAULT;
	return ret;

unlock:
	mutex_unlock(&f->lock);
rejected:
	ds_inc(DS_SUBMIT_REJECTED);
	return ret;
}

/* ---- WAIT ------------------------------------------------------------------- */

/*
 * task_lock held. The completed task to reap for @ticket (0: the oldest
 * completion), or NULL; *@known is false when waiting could never succeed.
 */
static struct cmdq_dev_task *cmdq_dev_find_done(struct cmdq_dev_file *f, u64 ticket,
						bool *known)
{
	struct cmdq_dev_task *t;

	list_for_each_entry(t, &f->done, node)
		if (!ticket || t->ticket == ticket) {
			*known = true;
			return t;
		}
	*known = false;
	list_for_each_entry(t, &f->pending, node)
		if (!ticket || t->ticket == ticket) {
			*known = true;
			break;
		}
	return NULL;
}

static bool cmdq_dev_wait_cond(struct cmdq_dev_file *f, u64 ticket)
{
	bool known, ready;

	spin_lock_irq(&f->task_lock);
	ready = cmdq_dev_find_done(f, ticket, &known) || !known;
	spin_unlock_irq(&f->task_lock);
	return ready;
}

static long cmdq_dev_wait(struct cmdq_dev_file *f, struct cmdq_ioc_wait __user *uw)
{
	struct cmdq_dev_task *task;
	struct cmdq_ioc_wait w;
	long left = 0;
	bool known;

	if (copy_from_user(&w, uw, sizeof(w)))
		return -EFAULT;
	if (w.flags || (w.timeout_ms > CMDQ_IOC_MAX_TIMEOUT_MS &&
			w.timeout_ms != CMDQ_WAIT_FOREVER))
		return -EINVAL;
	if (w.timeout_ms != CMDQ_WAIT_FOREVER)
		left = msecs_to_jiffies(w.timeout_ms);

	for (;;) {
		spin_lock_irq(&f->task_lock);
		task = cmdq_dev_find_done(f, w.ticket, &known);
		if (task) {
			list_del(&task->node);
			f->ndone--;
		}
		spin_unlock_irq(&f->task_lock);
		if (task)
			break;
		if (!known)
			return -ENOENT;
		if (!w.timeout_ms)
			return -EAGAIN;
		if (w.timeout_ms == CMDQ_WAIT_FOREVER) {
			if (wait_event_interruptible(f->wq, cmdq_dev_wait_cond(f, w.ticket)))
				return -EINTR;
		} else {
			if (left <= 0)
				return -ETIMEDOUT;
			left = wait_event_interruptible_timeout(f->wq,
								cmdq_dev_wait_cond(f, w.ticket),
								left);
			if (left < 0)
				return -EINTR;
			if (!left && !cmdq_dev_wait_cond(f, w.ticket))
				return -ETIMEDOUT;
		}
	}

	w.done_ticket = task->ticket;
	w.status = task->status;
	w.pkt_id = task->pkt_id;
	w.flush_ns = task->pkt->flush_ns;
	w.eoc_ns = task->eoc_ns;
	cmdq_dev_task_free(task);
	ds_inc(DS_REAPED);
	if (copy_to_user(uw, &w, sizeof(w)))
		return -EFAULT;
	return 0;
}

/* ---- BIND, UNBIND ---------------------------------------------------------- */

static long cmdq_dev_bind(struct cmdq_dev_file *f, struct cmdq_ioc_bind __user *ub)
{
	struct cmdq_ioc_bind b;
	long ret;

	if (copy_from_user(&b, ub, sizeof(b)))
		return -EFAULT;
	if (b.flags || b.thread >= CMDQ_THR_MAX_COUNT)
		return -EINVAL;
	if (mutex_lock_interruptible(&f->lock))
		return -EINTR;
	ret = f->client ? -EISCONN : cmdq_dev_bind_locked(f, b.thread);
	mutex_unlock(&f->lock);
	if (ret)
		ds_inc(DS_BIND_ERRORS);
	return ret;
}

static long cmdq_dev_unbind(struct cmdq_dev_file *f)
{
	long ret = 0;

	if (mutex_lock_interruptible(&f->lock))
		return -EINTR;
	if (f->client)
		cmdq_dev_unbind_locked(f);
	else
		ret = -ENOTCONN;
	mutex_unlock(&f->lock);
	return ret;
}

/* ---- file operations ------------------------------------------------------------ */

static long cmdq_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct cmdq_dev_file *f = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case CMDQ_IOC_BIND:
		return cmdq_dev_bind(f, argp);
	case CMDQ_IOC_UNBIND:
		return cmdq_dev_unbind(f);
	case CMDQ_IOC_SUBMIT:
		return cmdq_dev_submit(f, argp);
	case CMDQ_IOC_WAIT:
		return cmdq_dev_wait(f, argp);
	case CMDQ_IOC_BUILD:
		return cmdq_dev_build_ioctl(argp);
	case CMDQ_IOC_REGS:
		return cmdq_dev_regs(argp);
	case CMDQ_IOC_EVENT:
		return cmdq_dev_event(argp);
	case CMDQ_IOC_INFO:
		return cmdq_dev_info(f, argp);
	case CMDQ_IOC_STATS:
		return cmdq_dev_stats_ioctl(argp);
	}
	return -ENOTTY;
}

static __poll_t cmdq_dev_poll(struct file *file, poll_table *wait)
{
	struct cmdq_dev_file *f = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &f->wq, wait);
	spin_lock_irq(&f->task_lock);
	if (f->ndone)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (f->npending + f->ndone < CMDQ_IOC_MAX_TICKETS)
		mask |= EPOLLOUT | EPOLLWRNORM;
	spin_unlock_irq(&f->task_lock);
	return mask;
}

static const struct file_operations cmdq_dev_fops = {
	.owner = THIS_MODULE,
	.open = cmdq_dev_open,
	.release = cmdq_dev_release,
	.unlocked_ioctl = cmdq_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = cmdq_dev_poll,
};

static struct miscdevice cmdq_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "cmdq",
	.fops = &cmdq_dev_fops,
	.mode = 0600,
};

/* ---- module -------------------------------------------------------------------------- */

static int __init cmdq_dev_init(void)
{
	return misc_register(&cmdq_misc);
}

static void __exit cmdq_dev_exit(void)
{
	/* no file is open: each holds a reference on the module */
	misc_deregister(&cmdq_misc);
}

module_init(cmdq_dev_init);
module_exit(cmdq_dev_exit);

MODULE_DESCRIPTION("/dev/cmdq: packets of ops for the CMDQ helper on the GCE model, and every counter");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: cmdq_helper gce_sim cmdq_frame");
