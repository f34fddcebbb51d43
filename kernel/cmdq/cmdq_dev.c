// SPDX-License-Identifier: GPL-2.0
/*
 * cmdq_dev: /dev/cmdq and the in-kernel display frame client.
 *
 * /dev/cmdq (misc device, 0600) lets userspace build GCE command packets
 * from a validated list of ops (or from raw instruction words, to fuzz the
 * engine), flush them synchronously or asynchronously on a GCE thread of
 * gce_sim.ko through the cmdq_helper.ko API, and read back encoded words,
 * the emulated register file, events and every counter. The ABI is
 * include/uapi/linux/cmdq.h; docs/cmdq.md is the reference.
 *
 * Each open file binds to one GCE thread (CMDQ_IOC_BIND, or the first free
 * thread at the first SUBMIT) through cmdq_mbox_create(). Async packets get
 * a ticket; their completions are queued on the file and reaped with
 * CMDQ_IOC_WAIT, and poll() reports EPOLLIN while one is waiting. Closing
 * the file (or CMDQ_IOC_UNBIND) frees the channel, which makes the GCE
 * abort the packets still queued with -ECONNABORTED before it returns, so
 * release frees everything with no packet left in flight.
 *
 * The frame client plays the part of the upstream DRM driver (mtk_crtc):
 * for every frame of every driven display pipe it commits one packet
 *   clear_event(EOF(p)), wfe(EOF(p)), N register writes, EOC, JUMP
 * with cmdq_pkt_flush_async() on the pipe's own GCE thread and checks the
 * callback's status and completion time against the frame's deadline (the
 * next SOF). Timing: a SCHED_FIFO kthread follows each pipe's schedule in
 * the model (gce_sim_get_pipe_stats()) and sleeps with an hrtimer until the
 * next edge. Frame k's packet is committed in the vblank before it, just
 * after EOF(k - 1) (plus commit_offset_us), so that its clear_event and WFE
 * run long before EOF(k), with a whole frame of slack against scheduling
 * delays; a packet committed during frame k's active region must be at
 * least FRAME_GUARD_US ahead of EOF(k), else the frame is counted as
 * skipped and gets none. So every frame gets at most one packet, and each
 * packet is released by its own frame's EOF. Knobs and faults: debugfs
 * cmdq_frame/ (see docs/cmdq.md).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/compat.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include <cmdq/cmdq.h>
#include <cmdq/gce_sim.h>
#include <uapi/linux/cmdq.h>
#include "cmdq_debugfs.h"

static_assert(sizeof(struct cmdq_ioc_op) == 32);
static_assert(sizeof(struct cmdq_ioc_submit) == 48);
static_assert(sizeof(struct cmdq_ioc_wait) == 48);
static_assert(sizeof(struct cmdq_ioc_build) == 40);
static_assert(sizeof(struct cmdq_ioc_regs) == 24);
static_assert(sizeof(struct cmdq_ioc_stats) < (1 << _IOC_SIZEBITS));
static_assert(CMDQ_IOC_NR_THREADS == CMDQ_THR_MAX_COUNT);
static_assert(CMDQ_IOC_NR_PIPES == CMDQ_MAX_PIPES);
static_assert(CMDQ_IOC_NR_EVENTS == CMDQ_MAX_EVENT);
static_assert(CMDQ_SUBSYS_BASE(1) == CMDQ_IOC_REG_BASE);
static_assert(CMDQ_SUBSYS_COUNT * CMDQ_SUBSYS_SIZE / 4 == CMDQ_IOC_REG_COUNT);
#define LOP_EQ(u, k)	((int)(u) == (int)(k))
static_assert(LOP_EQ(CMDQ_LOP_ASSIGN, CMDQ_LOGIC_ASSIGN) && LOP_EQ(CMDQ_LOP_ADD, CMDQ_LOGIC_ADD) &&
	      LOP_EQ(CMDQ_LOP_SUB, CMDQ_LOGIC_SUBTRACT) &&
	      LOP_EQ(CMDQ_LOP_MUL, CMDQ_LOGIC_MULTIPLY) && LOP_EQ(CMDQ_LOP_XOR, CMDQ_LOGIC_XOR) &&
	      LOP_EQ(CMDQ_LOP_NOT, CMDQ_LOGIC_NOT) && LOP_EQ(CMDQ_LOP_OR, CMDQ_LOGIC_OR) &&
	      LOP_EQ(CMDQ_LOP_AND, CMDQ_LOGIC_AND) &&
	      LOP_EQ(CMDQ_LOP_SHL, CMDQ_LOGIC_LEFT_SHIFT) &&
	      LOP_EQ(CMDQ_LOP_SHR, CMDQ_LOGIC_RIGHT_SHIFT));

/* ---- /dev/cmdq counters --------------------------------------------------- */

/* same order as struct cmdq_ioc_dev_stats */
enum cmdq_dev_stat {
	DS_OPENS,
	DS_RELEASES,
	DS_BINDS,
	DS_BIND_ERRORS,
	DS_UNBINDS,
	DS_SUBMITS,
	DS_SUBMIT_REJECTED,
	DS_RAW_FLUSHED,
	DS_SYNC_FLUSHED,
	DS_SYNC_OK,
	DS_SYNC_ENOEXEC,
	DS_SYNC_ETIMEDOUT,
	DS_SYNC_ECONNABORTED,
	DS_SYNC_OTHER,
	DS_ASYNC_FLUSHED,
	DS_ASYNC_OK,
	DS_ASYNC_ENOEXEC,
	DS_ASYNC_ECONNABORTED,
	DS_ASYNC_OTHER,
	DS_REAPED,
	DS_RELEASE_ABORTED,
	DS_BUILDS,
	DS_TASKS_LIVE,
	DS_NR,
};

static_assert(sizeof(struct cmdq_ioc_dev_stats) == (DS_NR + 1) * sizeof(__u64));

static atomic64_t cmdq_dev_stats[DS_NR];

static inline void ds_inc(enum cmdq_dev_stat i)
{
	atomic64_inc(&cmdq_dev_stats[i]);
}

/* ---- ops: validation and encoding ------------------------------------------ */

enum {
	OPF_SUBSYS = BIT(0),
	OPF_BASE = BIT(1),
	OPF_OFFSET = BIT(2),
	OPF_VALUE = BIT(3),
	OPF_MASK = BIT(4),
	OPF_EVENT = BIT(5),
	OPF_REG = BIT(6),
	OPF_LOP = BIT(7),
	OPF_LEFT = BIT(8),
	OPF_RIGHT = BIT(9),
	OPF_FLAGS = BIT(10),
};

#define OPF_REGW	(OPF_SUBSYS | OPF_BASE | OPF_OFFSET | OPF_VALUE)

/* the fields each op type uses; every other field must be zero */
static const u16 cmdq_op_fields[CMDQ_OP_MAX + 1] = {
	[CMDQ_OP_WRITE] = OPF_REGW,
	[CMDQ_OP_WRITE_MASK] = OPF_REGW | OPF_MASK,
	[CMDQ_OP_POLL] = OPF_REGW,
	[CMDQ_OP_POLL_MASK] = OPF_REGW | OPF_MASK,
	[CMDQ_OP_WFE] = OPF_EVENT,
	[CMDQ_OP_CLEAR_EVENT] = OPF_EVENT,
	[CMDQ_OP_SET_EVENT] = OPF_EVENT,
	[CMDQ_OP_ACQUIRE_EVENT] = OPF_EVENT,
	[CMDQ_OP_JUMP] = OPF_VALUE,
	[CMDQ_OP_ASSIGN] = OPF_REG | OPF_VALUE,
	[CMDQ_OP_LOGIC] = OPF_REG | OPF_LOP | OPF_LEFT | OPF_RIGHT | OPF_FLAGS,
};

static u16 cmdq_op_nonzero(const struct cmdq_ioc_op *op)
{
	return (op->subsys ? OPF_SUBSYS : 0) | (op->base ? OPF_BASE : 0) |
	       (op->offset ? OPF_OFFSET : 0) | (op->value ? OPF_VALUE : 0) |
	       (op->mask ? OPF_MASK : 0) | (op->event ? OPF_EVENT : 0) |
	       (op->reg ? OPF_REG : 0) | (op->lop ? OPF_LOP : 0) |
	       (op->left ? OPF_LEFT : 0) | (op->right ? OPF_RIGHT : 0) |
	       (op->flags ? OPF_FLAGS : 0);
}

/*
 * The register window of a register op. A zero base means the start of the
 * subsys; the helper checks that base and subsys agree (-EINVAL).
 */
static void cmdq_op_base(const struct cmdq_ioc_op *op, struct cmdq_base *base)
{
	base->subsys = op->subsys;
	base->base = op->base;
	if (!base->base && op->subsys >= 1 && op->subsys <= CMDQ_SUBSYS_COUNT)
		base->base = CMDQ_SUBSYS_BASE(op->subsys);
}

/* Append one op to @pkt; the helper's own validation errnos propagate. */
static int cmdq_op_encode(struct cmdq_pkt *pkt, const struct cmdq_ioc_op *op)
{
	struct cmdq_operand left, right;
	struct cmdq_base base;

	if (!op->op || op->op > CMDQ_OP_MAX || op->reserved ||
	    (cmdq_op_nonzero(op) & ~cmdq_op_fields[op->op]))
		return -EINVAL;

	switch (op->op) {
	case CMDQ_OP_WRITE:
		cmdq_op_base(op, &base);
		return cmdq_pkt_write(pkt, op->value, &base, op->offset);
	case CMDQ_OP_WRITE_MASK:
		cmdq_op_base(op, &base);
		return cmdq_pkt_write_mask(pkt, op->value, &base, op->offset, op->mask);
	case CMDQ_OP_POLL:
		cmdq_op_base(op, &base);
		return cmdq_pkt_poll(pkt, op->value, &base, op->offset);
	case CMDQ_OP_POLL_MASK:
		cmdq_op_base(op, &base);
		return cmdq_pkt_poll_mask(pkt, op->value, &base, op->offset, op->mask);
	case CMDQ_OP_WFE:
		return cmdq_pkt_wfe(pkt, op->event);
	case CMDQ_OP_CLEAR_EVENT:
		return cmdq_pkt_clear_event(pkt, op->event);
	case CMDQ_OP_SET_EVENT:
		return cmdq_pkt_set_event(pkt, op->event);
	case CMDQ_OP_ACQUIRE_EVENT:
		return cmdq_pkt_acquire_event(pkt, op->event);
	case CMDQ_OP_JUMP:
		return cmdq_pkt_jump(pkt, (s32)op->value);
	case CMDQ_OP_ASSIGN:
		return cmdq_pkt_assign(pkt, op->reg, op->value);
	case CMDQ_OP_LOGIC:
		if (op->flags & ~(CMDQ_OPF_LEFT_REG | CMDQ_OPF_RIGHT_REG))
			return -EINVAL;
		left.reg = op->flags & CMDQ_OPF_LEFT_REG;
		left.value = op->left;
		right.reg = op->flags & CMDQ_OPF_RIGHT_REG;
		right.value = op->right;
		return cmdq_pkt_logic_command(pkt, op->reg, &left, op->lop, &right);
	}
	return -EINVAL;
}

/*
 * Build a packet from @count ops (or raw words) at @udata. On an encoding
 * error *@error_index is the index of the rejected op.
 */
static struct cmdq_pkt *cmdq_dev_build(u64 udata, u32 count, bool raw, u32 *error_index)
{
	size_t esize = raw ? sizeof(u64) : sizeof(struct cmdq_ioc_op);
	struct cmdq_pkt *pkt;
	void *buf;
	u32 i;
	int err;

	*error_index = U32_MAX;
	if (!count)
		return ERR_PTR(-EINVAL);
	if (count > CMDQ_IOC_MAX_OPS)
		return ERR_PTR(-E2BIG);
	buf = vmemdup_user(u64_to_user_ptr(udata), count * esize);
	if (IS_ERR(buf))
		return buf;

	err = cmdq_pkt_create(&pkt);
	if (err)
		goto out;
	if (raw) {
		/*
		 * Let the helper size the buffer (placeholder JUMP(+8)s), then
		 * put the user's words in their place, exactly as given.
		 */
		for (i = 0; i < count && !err; i++)
			err = cmdq_pkt_jump(pkt, CMDQ_INST_SIZE);
		if (!err)
			memcpy(pkt->va_base, buf, count * esize);
	} else {
		const struct cmdq_ioc_op *ops = buf;

		for (i = 0; i < count; i++) {
			err = cmdq_op_encode(pkt, &ops[i]);
			if (err) {
				*error_index = i;
				break;
			}
		}
	}
	if (err) {
		cmdq_pkt_destroy(pkt);
		pkt = NULL;
	}
out:
	kvfree(buf);
	return err ? ERR_PTR(err) : pkt;
}

/* ---- per-file state --------------------------------------------------------- */

struct cmdq_dev_file;

/* an async packet; on f->pending until its callback, then on f->done */
struct cmdq_dev_task {
	struct list_head node;
	struct cmdq_dev_file *f;
	struct cmdq_pkt *pkt;
	u64 ticket;
	u64 flush_ns;
	u64 eoc_ns;
	u32 pkt_id;
	int status;
};

struct cmdq_dev_file {
	struct mutex lock;		/* client and thread; serializes submits */
	struct cmdq_client *client;
	int thread;
	u64 next_ticket;
	spinlock_t task_lock;		/* the lists, their counts, releasing */
	struct list_head pending;
	struct list_head done;
	u32 npending;
	u32 ndone;
	bool releasing;
	wait_queue_head_t wq;		/* a task moved to done */
};

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
		ret = cmdq_dev_sync_status(cmdq_pkt_flush(f->client, pkt, tmo));
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

/* ---- BIND, BUILD, REGS, EVENT, INFO ------------------------------------------ */

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

static long cmdq_dev_build_ioctl(struct cmdq_ioc_build __user *ub)
{
	struct cmdq_ioc_build b;
	struct cmdq_pkt *pkt;
	long ret;

	if (copy_from_user(&b, ub, sizeof(b)))
		return -EFAULT;
	if ((b.flags & ~CMDQ_BUILD_FINALIZE) || b.reserved)
		return -EINVAL;

	pkt = cmdq_dev_build(b.ops, b.count, false, &b.error_index);
	if (IS_ERR(pkt)) {
		ret = PTR_ERR(pkt);
		if (b.error_index != U32_MAX && put_user(b.error_index, &ub->error_index))
			ret = -EFAULT;
		return ret;
	}
	ret = (b.flags & CMDQ_BUILD_FINALIZE) ? cmdq_pkt_finalize(pkt) : 0;
	if (!ret) {
		b.nwords = cmdq_pkt_inst_count(pkt);
		if (b.nwords > b.max_words)
			ret = -EOVERFLOW;
		else if (copy_to_user(u64_to_user_ptr(b.words), pkt->va_base,
				      b.nwords * sizeof(u64)))
			ret = -EFAULT;
	}
	cmdq_pkt_destroy(pkt);
	if ((!ret || ret == -EOVERFLOW) && copy_to_user(ub, &b, sizeof(b)))
		ret = -EFAULT;
	if (!ret)
		ds_inc(DS_BUILDS);
	return ret;
}

static long cmdq_dev_regs(struct cmdq_ioc_regs __user *ur)
{
	struct cmdq_ioc_regs r;
	u32 *buf;
	long ret;

	if (copy_from_user(&r, ur, sizeof(r)))
		return -EFAULT;
	if (r.flags || r.reserved || !r.count)
		return -EINVAL;
	if (r.count > CMDQ_IOC_REG_COUNT)
		return -E2BIG;
	buf = kvmalloc_array(r.count, sizeof(u32), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = gce_sim_read_regs(r.pa, buf, r.count);
	if (!ret && copy_to_user(u64_to_user_ptr(r.buf), buf, r.count * sizeof(u32)))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

static long cmdq_dev_event(struct cmdq_ioc_event __user *ue)
{
	struct cmdq_ioc_event e;
	long ret;

	if (copy_from_user(&e, ue, sizeof(e)))
		return -EFAULT;
	if ((e.flags & ~CMDQ_EVENT_SET) || e.reserved || e.event >= CMDQ_MAX_EVENT)
		return -EINVAL;
	if (e.flags & CMDQ_EVENT_SET) {
		ret = gce_sim_set_event(e.event, e.value);
		if (ret)
			return ret;
	}
	ret = gce_sim_get_event(e.event, &e.value);
	if (!ret && copy_to_user(ue, &e, sizeof(e)))
		ret = -EFAULT;
	return ret;
}

static long cmdq_dev_info(struct cmdq_dev_file *f, struct cmdq_ioc_info __user *ui)
{
	struct cmdq_ioc_info info = {
		.version = CMDQ_IOC_VERSION,
		.nr_threads = CMDQ_THR_MAX_COUNT,
		.nr_pipes = gce_sim_get_pipes(),
		.nr_events = CMDQ_MAX_EVENT,
		.max_ops = CMDQ_IOC_MAX_OPS,
		.max_tickets = CMDQ_IOC_MAX_TICKETS,
		.max_timeout_ms = CMDQ_IOC_MAX_TIMEOUT_MS,
	};

	info.thread = READ_ONCE(f->thread);
	spin_lock_irq(&f->task_lock);
	info.pending = f->npending;
	info.done = f->ndone;
	spin_unlock_irq(&f->task_lock);
	return copy_to_user(ui, &info, sizeof(info)) ? -EFAULT : 0;
}

/* ---- the frame client ---------------------------------------------------------- */

/* register writes of pipe p go to subsys 1, offset FRAME_REG_OFF(p, i) */
#define FRAME_REG_OFF(p, i)	(0x8000 + (p) * 0x1000 + (i) * 4)
#define FRAME_MAX_WRITES	1024
#define FRAME_GUARD_US		1000	/* commit at least this long before EOF */
#define FRAME_IDLE_NS		(10 * NSEC_PER_MSEC)
#define FRAME_MIN_SLEEP_NS	(100 * NSEC_PER_USEC)
#define FRAME_POLL_NS		(250 * NSEC_PER_USEC)	/* waiting for the previous packet */
#define FRAME_BAD_WORD		0xdd000000deadbeefULL	/* op code 0xdd does not exist */
#define FRAME_DRAIN_MS		200
#define FRAME_PROBE_EVENT	(CMDQ_MAX_EVENT - 1)

static unsigned int frame_thread = 4;
module_param(frame_thread, uint, 0444);
MODULE_PARM_DESC(frame_thread,
		 "First GCE thread of the frame client: pipe p uses frame_thread + p, the timeout probe frame_thread + 3 (0..12)");

static bool frame_enable;
module_param(frame_enable, bool, 0444);
MODULE_PARM_DESC(frame_enable, "Start the frame client at load");

static unsigned int frame_pipes = 2;
module_param(frame_pipes, uint, 0444);
MODULE_PARM_DESC(frame_pipes, "Display pipes the frame client drives (1..3)");

static unsigned int frame_writes = 16;
module_param(frame_writes, uint, 0444);
MODULE_PARM_DESC(frame_writes, "Register writes per frame (1..1024)");

static unsigned int frame_frames;
module_param(frame_frames, uint, 0444);
MODULE_PARM_DESC(frame_frames, "Frames per pipe, then stop committing (0: no limit)");

static unsigned int frame_commit_offset_us;
module_param(frame_commit_offset_us, uint, 0444);
MODULE_PARM_DESC(frame_commit_offset_us,
		 "Commit frame k's packet this long after EOF(k - 1) (default 0: at once)");

/* same order as struct cmdq_ioc_frame_pipe_stats */
enum frame_stat {
	FS_COMMITTED,
	FS_CB_OK,
	FS_CB_ENOEXEC,
	FS_CB_ECONNABORTED,
	FS_CB_OTHER,
	FS_LATE,
	FS_LATE_INJECTED,
	FS_STALL_FRAMES,
	FS_BAD_FRAMES,
	FS_SKIPPED,
	FS_BUILD_ERRORS,
	FS_FLUSH_ERRORS,
	FS_NR,
};

static const char * const frame_stat_names[FS_NR] = {
	[FS_COMMITTED] = "committed",
	[FS_CB_OK] = "cb_ok",
	[FS_CB_ENOEXEC] = "cb_enoexec",
	[FS_CB_ECONNABORTED] = "cb_econnaborted",
	[FS_CB_OTHER] = "cb_other",
	[FS_LATE] = "late",
	[FS_LATE_INJECTED] = "late_injected",
	[FS_STALL_FRAMES] = "stall_frames",
	[FS_BAD_FRAMES] = "bad_frames",
	[FS_SKIPPED] = "skipped",
	[FS_BUILD_ERRORS] = "build_errors",
	[FS_FLUSH_ERRORS] = "flush_errors",
};

struct frame_pipe {
	unsigned int id;
	struct cmdq_client *client;
	atomic_t inflight;
	atomic64_t st[FS_NR];
	/* owned by the kthread while enabled */
	bool have_last;
	u32 last_frame;
	u64 seq;		/* frames handled since enable (READ_ONCE elsewhere) */
};

/* per packet, for the callback */
struct frame_job {
	struct frame_pipe *fp;
	u64 deadline_ns;
	bool stall;
};

static struct {
	struct mutex lock;	/* configuration, enable */
	bool enabled;
	struct task_struct *task;
	wait_queue_head_t drain;
	u32 pipes;
	u32 writes;
	u32 frames;
	u32 offset_us;
	/* faults, applied at enable */
	int stall_pipe;
	u32 stall_every;
	u32 stall_us;
	int irq_pipe;
	u32 irq_us;
	int bad_pipe;
	u32 bad_every;
	struct frame_pipe pipe[CMDQ_MAX_PIPES];
	/* timeout probe */
	struct mutex probe_lock;
	atomic64_t probes;
	atomic64_t timeouts;
	atomic64_t followup_ok;
	int probe_last_status;
	int probe_last_followup;
	struct dentry *dbg;
} fc;

static int frame_thread_of(int pipe)
{
	return frame_thread + pipe;
}

static inline void fs_inc(struct frame_pipe *fp, enum frame_stat i)
{
	atomic64_inc(&fp->st[i]);
}

static void frame_cb(struct cmdq_cb_data data)
{
	struct frame_job *job = data.data;
	struct frame_pipe *fp = job->fp;

	switch (data.sta) {
	case 0:
		fs_inc(fp, FS_CB_OK);
		if (data.pkt->eoc_ns > job->deadline_ns) {
			fs_inc(fp, FS_LATE);
			if (job->stall)
				fs_inc(fp, FS_LATE_INJECTED);
		}
		break;
	case -ENOEXEC:
		fs_inc(fp, FS_CB_ENOEXEC);
		break;
	case -ECONNABORTED:
		fs_inc(fp, FS_CB_ECONNABORTED);
		break;
	default:
		fs_inc(fp, FS_CB_OTHER);
		break;
	}
	cmdq_pkt_destroy(data.pkt);
	kfree(job);
	if (atomic_dec_and_test(&fp->inflight))
		wake_up(&fc.drain);
}

/* The mtk_crtc-shaped packet of frame @idx of pipe @fp */
static void frame_commit(struct frame_pipe *fp, u64 idx, u64 deadline_ns)
{
	struct cmdq_base base = { .subsys = 1, .base = CMDQ_SUBSYS_BASE(1) };
	u32 eof = CMDQ_PIPE_EOF(fp->id), i;
	struct frame_job *job;
	struct cmdq_pkt *pkt;
	bool bad;
	int err;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job || cmdq_pkt_create(&pkt)) {
		kfree(job);
		fs_inc(fp, FS_BUILD_ERRORS);
		return;
	}
	err = cmdq_pkt_clear_event(pkt, eof) ?: cmdq_pkt_wfe(pkt, eof);
	for (i = 0; i < fc.writes && !err; i++)
		err = cmdq_pkt_write(pkt, (u32)(idx << 12) | i, &base,
				     FRAME_REG_OFF(fp->id, i));
	if (!err)
		err = cmdq_pkt_finalize(pkt);
	if (err) {
		cmdq_pkt_destroy(pkt);
		kfree(job);
		fs_inc(fp, FS_BUILD_ERRORS);
		return;
	}

	bad = fc.bad_pipe == fp->id && fc.bad_every && idx % fc.bad_every == fc.bad_every - 1;
	if (bad) {
		/* the first register write becomes an unknown op code */
		((u64 *)pkt->va_base)[2] = FRAME_BAD_WORD;
		fs_inc(fp, FS_BAD_FRAMES);
	}
	/* gce_sim stalls every stall_every-th task of the thread: this one */
	job->stall = fc.stall_pipe == fp->id && fc.stall_us && fc.stall_every &&
		     idx % fc.stall_every == fc.stall_every - 1;
	if (job->stall)
		fs_inc(fp, FS_STALL_FRAMES);
	job->fp = fp;
	job->deadline_ns = deadline_ns;

	atomic_inc(&fp->inflight);
	err = cmdq_pkt_flush_async(fp->client, pkt, frame_cb, job);
	if (err) {
		atomic_dec(&fp->inflight);
		cmdq_pkt_destroy(pkt);
		kfree(job);
		fs_inc(fp, FS_FLUSH_ERRORS);
		return;
	}
	fs_inc(fp, FS_COMMITTED);
}

/*
 * One look at pipe @fp at time @now: commit the next frame's packet if it
 * has none yet. Returns when to look again.
 *
 * Frame k's packet is committed in the vblank of frame k - 1 (right after
 * EOF(k - 1), as a DRM client does upon its vblank event), plus
 * commit_offset_us, once frame k - 1's packet has completed (as a DRM
 * driver refuses a flip while the previous one is pending). If that is
 * later, it may still be committed during frame k's active region up to
 * FRAME_GUARD_US before EOF(k). Later than that its WFE could miss EOF(k)
 * and be released by EOF(k + 1): the frame is counted as skipped and gets
 * no packet. So a late packet never shifts the following frames.
 */
static u64 frame_step(struct frame_pipe *fp, u64 now)
{
	u64 offset = (u64)fc.offset_us * NSEC_PER_USEC;
	struct gce_sim_pipe_stats ps;
	u64 deadline, period, look;
	bool in_vblank, late;
	u32 target, gap;

	/*
	 * The phase comes from the generator's own state, not from its
	 * counters: a stats reset zeroes those, and a stop between SOF and
	 * EOF leaves them one apart for good.
	 */
	if (gce_sim_get_pipe_stats(fp->id, &ps) || !ps.running || !ps.sof_ns || !ps.hz)
		return now + NSEC_PER_MSEC;
	in_vblank = ps.in_vblank;
	if (in_vblank) {
		period = div_u64(NSEC_PER_SEC, ps.hz);
		target = ps.frame + 1;
		deadline = ps.next_sof_ns + period;
		look = ps.next_sof_ns + 50 * NSEC_PER_USEC;
		if (now < ps.eof_ns + offset && !(fp->have_last && fp->last_frame == target))
			return ps.eof_ns + offset;
	} else {
		target = ps.frame;
		deadline = ps.next_sof_ns;
		look = ps.eof_ns + 50 * NSEC_PER_USEC;
	}
	if (fp->have_last && fp->last_frame == target)
		return look;	/* committed; look again after the next edge */

	/* too close to EOF: the packet could wait for the next frame's */
	late = !in_vblank && now + FRAME_GUARD_US * NSEC_PER_USEC > ps.eof_ns;
	/* the previous frame's packet is still out (a DRM flip pending) */
	if (!late && atomic_read(&fp->inflight))
		return now + FRAME_POLL_NS;

	gap = fp->have_last ? target - fp->last_frame : 1;
	fp->have_last = true;
	fp->last_frame = target;
	if (late) {
		atomic64_add(gap, &fp->st[FS_SKIPPED]);
		return look;
	}
	if (gap > 1)
		atomic64_add(gap - 1, &fp->st[FS_SKIPPED]);
	frame_commit(fp, fp->seq, deadline);
	WRITE_ONCE(fp->seq, fp->seq + 1);
	return look;
}

static int frame_kthread(void *unused)
{
	ktime_t kt;
	u64 now, wake;
	u32 p;

	sched_set_fifo(current);
	while (!kthread_should_stop()) {
		now = ktime_get_ns();
		wake = now + FRAME_IDLE_NS;
		for (p = 0; p < fc.pipes; p++) {
			struct frame_pipe *fp = &fc.pipe[p];

			if (fc.frames && fp->seq >= fc.frames)
				continue;
			wake = min(wake, frame_step(fp, now));
		}
		/*
		 * Always sleep a little: an edge whose time has passed may not
		 * have been raised yet (its timer runs late on another CPU),
		 * and a SCHED_FIFO loop must not spin waiting for it.
		 */
		wake = max(wake, ktime_get_ns() + FRAME_MIN_SLEEP_NS);
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		kt = ns_to_ktime(wake);
		schedule_hrtimeout_range(&kt, 20 * NSEC_PER_USEC, HRTIMER_MODE_ABS);
	}
	return 0;
}

static bool frame_drained(void)
{
	u32 p;

	for (p = 0; p < fc.pipes; p++)
		if (atomic_read(&fc.pipe[p].inflight))
			return false;
	return true;
}

/* fc.lock held */
static void frame_stop(void)
{
	u32 p;

	if (!fc.enabled)
		return;
	kthread_stop(fc.task);
	fc.task = NULL;
	/* packets waiting for an EOF finish within a frame; abort the rest */
	wait_event_timeout(fc.drain, frame_drained(), msecs_to_jiffies(FRAME_DRAIN_MS));
	for (p = 0; p < fc.pipes; p++) {
		gce_sim_set_stall(frame_thread_of(p), 0, 0);
		gce_sim_set_irq_delay(frame_thread_of(p), 0);
		cmdq_mbox_destroy(fc.pipe[p].client);
		fc.pipe[p].client = NULL;
	}
	fc.enabled = false;
}

/* fc.lock held */
static int frame_start(void)
{
	struct device *dev = gce_sim_get_device();
	struct task_struct *task;
	struct cmdq_client *cl;
	int err = 0;
	u32 p;

	if (fc.enabled)
		return 0;
	if (!dev)
		return -ENODEV;
	if (gce_sim_get_pipes() < fc.pipes) {
		err = gce_sim_set_pipes(fc.pipes);
		if (err)
			return err;
	}
	for (p = 0; p < fc.pipes; p++) {
		struct frame_pipe *fp = &fc.pipe[p];

		cl = cmdq_mbox_create(dev, frame_thread_of(p));
		if (IS_ERR(cl)) {
			err = PTR_ERR(cl);
			if (err == -EPROBE_DEFER)
				err = -ENODEV;
			goto err_unbind;
		}
		fp->client = cl;
		fp->have_last = false;
		fp->seq = 0;
		/* the model counts tasks from here: stall every Nth frame */
		gce_sim_set_stall(frame_thread_of(p),
				  fc.stall_pipe == p && fc.stall_every ? fc.stall_us : 0,
				  fc.stall_every);
		gce_sim_set_irq_delay(frame_thread_of(p), fc.irq_pipe == p ? fc.irq_us : 0);
	}
	task = kthread_run(frame_kthread, NULL, "cmdq_frame");
	if (IS_ERR(task)) {
		err = PTR_ERR(task);
		goto err_unbind;
	}
	fc.task = task;
	fc.enabled = true;
	return 0;

err_unbind:
	while (p--) {
		gce_sim_set_stall(frame_thread_of(p), 0, 0);
		gce_sim_set_irq_delay(frame_thread_of(p), 0);
		cmdq_mbox_destroy(fc.pipe[p].client);
		fc.pipe[p].client = NULL;
	}
	return err;
}

/*
 * The event that never fires: a synchronous flush of clear_event(E) +
 * wfe(E) with a timeout must come back with -ETIMEDOUT, and the next packet
 * on the same thread must run.
 */
static int frame_probe(u32 timeout_ms, u32 event)
{
	struct cmdq_base base = { .subsys = 1, .base = CMDQ_SUBSYS_BASE(1) };
	struct device *dev = gce_sim_get_device();
	int thread = frame_thread_of(CMDQ_MAX_PIPES);
	struct cmdq_client *cl;
	struct cmdq_pkt *pkt;
	int sta, sta2, err;
	u64 n;

	if (!dev)
		return -ENODEV;
	mutex_lock(&fc.probe_lock);
	cl = cmdq_mbox_create(dev, thread);
	if (IS_ERR(cl)) {
		err = PTR_ERR(cl);
		goto out;
	}
	n = atomic64_inc_return(&fc.probes);

	err = cmdq_pkt_create(&pkt);
	if (err)
		goto out_destroy;
	sta = cmdq_pkt_clear_event(pkt, event) ?: cmdq_pkt_wfe(pkt, event) ?:
	      cmdq_pkt_flush(cl, pkt, timeout_ms);
	cmdq_pkt_destroy(pkt);
	if (sta == -ETIMEDOUT)
		atomic64_inc(&fc.timeouts);

	err = cmdq_pkt_create(&pkt);
	if (err)
		goto out_destroy;
	sta2 = cmdq_pkt_write(pkt, (u32)n, &base, FRAME_REG_OFF(CMDQ_MAX_PIPES, 0)) ?:
	       cmdq_pkt_flush(cl, pkt, CMDQ_FLUSH_TIMEOUT_DEFAULT_MS);
	cmdq_pkt_destroy(pkt);
	if (sta == -ETIMEDOUT && !sta2)
		atomic64_inc(&fc.followup_ok);
	WRITE_ONCE(fc.probe_last_status, sta);
	WRITE_ONCE(fc.probe_last_followup, sta2);
out_destroy:
	cmdq_mbox_destroy(cl);
out:
	mutex_unlock(&fc.probe_lock);
	return err;
}

static void frame_get_stats(struct cmdq_ioc_frame_stats *st)
{
	bool done = true;
	u32 p, i;

	memset(st, 0, sizeof(*st));
	mutex_lock(&fc.lock);
	st->enabled = fc.enabled;
	st->pipes = fc.pipes;
	st->writes = fc.writes;
	st->frames = fc.frames;
	st->commit_offset_us = fc.offset_us;
	for (p = 0; p < CMDQ_MAX_PIPES; p++) {
		struct cmdq_ioc_frame_pipe_stats *ps = &st->pipe[p];
		struct frame_pipe *fp = &fc.pipe[p];
		u64 *dst = &ps->committed;

		for (i = 0; i < FS_NR; i++)
			dst[i] = atomic64_read(&fp->st[i]);
		ps->thread = frame_thread_of(p);
		ps->inflight = atomic_read(&fp->inflight);
		ps->last_frame = READ_ONCE(fp->last_frame);
		if (p < fc.pipes && (!fc.frames || READ_ONCE(fp->seq) < fc.frames ||
				     ps->inflight))
			done = false;
	}
	st->done = fc.enabled && done;
	mutex_unlock(&fc.lock);
	st->probes = atomic64_read(&fc.probes);
	st->timeouts = atomic64_read(&fc.timeouts);
	st->probe_followup_ok = atomic64_read(&fc.followup_ok);
	st->probe_last_status = READ_ONCE(fc.probe_last_status);
	st->probe_last_followup = READ_ONCE(fc.probe_last_followup);
}

static_assert(offsetof(struct cmdq_ioc_frame_pipe_stats, flush_errors) ==
	      (FS_NR - 1) * sizeof(__u64));

/* ---- STATS -------------------------------------------------------------------- */

static void cmdq_dev_thread_stats(struct cmdq_ioc_thread_stats *d,
				  const struct gce_sim_thread_stats *s)
{
	d->submitted = s->submitted;
	d->chained = s->chained;
	d->inst = s->inst;
	d->done = s->done;
	d->errors = s->errors;
	d->aborted = s->aborted;
	d->poll_timeouts = s->poll_timeouts;
	d->limit_errors = s->limit_errors;
	d->injected = s->injected;
	d->stalls = s->stalls;
	d->irq_delays = s->irq_delays;
	d->chain_errors = s->chain_errors;
	d->misses = s->misses;
	d->queued = s->queued;
	d->state = s->state;
	d->wait_event = s->wait_event;
	d->bound = s->bound;
	d->last_status = s->last_status;
	d->last_pkt_id = s->last_pkt_id;
	d->last_pipe = s->last_pipe;
	d->last_frame = s->last_frame;
	d->last_inst = s->last_inst;
	d->last_missed = s->last_missed;
	d->last_err = s->last_err;
	d->last_err_pc = s->last_err_pc;
	d->last_err_word = s->last_err_word;
	d->last_eoc_ns = s->last_eoc_ns;
	d->last_deadline_ns = s->last_deadline_ns;
}

static long cmdq_dev_stats_ioctl(void __user *arg)
{
	struct gce_sim_thread_stats ts;
	struct gce_sim_pipe_stats ps;
	struct cmdq_helper_stats hs;
	struct cmdq_ioc_stats *st;
	long ret = 0;
	u64 *dst;
	int i;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->version = CMDQ_IOC_VERSION;
	st->nr_threads = CMDQ_THR_MAX_COUNT;
	st->nr_pipes = CMDQ_MAX_PIPES;

	cmdq_helper_get_stats(&hs);
	st->helper.pkt_created = hs.pkt_created;
	st->helper.pkt_destroyed = hs.pkt_destroyed;
	st->helper.pkt_leaked = hs.pkt_leaked;
	st->helper.pkt_finalized = hs.pkt_finalized;
	st->helper.flush_sync = hs.flush_sync;
	st->helper.flush_async = hs.flush_async;
	st->helper.send_errors = hs.send_errors;
	st->helper.cb_delivered = hs.cb_delivered;
	st->helper.cb_ok = hs.cb_ok;
	st->helper.cb_enoexec = hs.cb_enoexec;
	st->helper.cb_econnaborted = hs.cb_econnaborted;
	st->helper.cb_etimedout = hs.cb_etimedout;
	st->helper.cb_other = hs.cb_other;
	st->helper.sync_timeouts = hs.sync_timeouts;
	st->helper.clients = hs.clients;
	st->helper.gce_registered = hs.gce_registered;

	dst = &st->dev.opens;
	for (i = 0; i < DS_NR; i++)
		dst[i] = atomic64_read(&cmdq_dev_stats[i]);

	frame_get_stats(&st->frame);

	for (i = 0; i < CMDQ_THR_MAX_COUNT; i++) {
		ret = gce_sim_get_thread_stats(i, &ts);
		if (ret)
			goto out;
		cmdq_dev_thread_stats(&st->thread[i], &ts);
	}
	for (i = 0; i < CMDQ_MAX_PIPES; i++) {
		ret = gce_sim_get_pipe_stats(i, &ps);
		if (ret)
			goto out;
		st->pipe[i].frames = ps.frames;
		st->pipe[i].eofs = ps.eofs;
		st->pipe[i].misses = ps.misses;
		st->pipe[i].skipped = ps.skipped;
		st->pipe[i].running = ps.running;
		st->pipe[i].hz = ps.hz;
		st->pipe[i].vblank_us = ps.vblank_us;
		st->pipe[i].frame = ps.frame;
		st->pipe[i].sof_ns = ps.sof_ns;
		st->pipe[i].eof_ns = ps.eof_ns;
		st->pipe[i].next_sof_ns = ps.next_sof_ns;
	}
	if (copy_to_user(arg, st, sizeof(*st)))
		ret = -EFAULT;
out:
	kfree(st);
	return ret;
}

static_assert(offsetof(struct cmdq_ioc_dev_stats, tasks_live) ==
	      DS_TASKS_LIVE * sizeof(__u64));

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

/* ---- debugfs: cmdq_frame/ ---------------------------------------------------------- */

/* u32 knobs of the client: enable pipes writes frames commit_offset_us inst_cost_ns */
enum { FK_ENABLE, FK_PIPES, FK_WRITES, FK_FRAMES, FK_OFFSET, FK_COST };

static int frame_knob_get(void *data, u64 *val)
{
	mutex_lock(&fc.lock);
	switch ((uintptr_t)data) {
	case FK_ENABLE:
		*val = fc.enabled;
		break;
	case FK_PIPES:
		*val = fc.pipes;
		break;
	case FK_WRITES:
		*val = fc.writes;
		break;
	case FK_FRAMES:
		*val = fc.frames;
		break;
	case FK_OFFSET:
		*val = fc.offset_us;
		break;
	case FK_COST:
		*val = gce_sim_get_inst_cost();
		break;
	}
	mutex_unlock(&fc.lock);
	return 0;
}

static int frame_knob_set(void *data, u64 val)
{
	int ret = 0;

	if (val > U32_MAX)
		return -EINVAL;
	mutex_lock(&fc.lock);
	switch ((uintptr_t)data) {
	case FK_ENABLE:
		if (val > 1)
			ret = -EINVAL;
		else if (val)
			ret = frame_start();
		else
			frame_stop();
		break;
	case FK_PIPES:
		if (fc.enabled)
			ret = -EBUSY;
		else if (val < 1 || val > CMDQ_MAX_PIPES)
			ret = -EINVAL;
		else
			fc.pipes = val;
		break;
	case FK_WRITES:
		if (fc.enabled)
			ret = -EBUSY;
		else if (val < 1 || val > FRAME_MAX_WRITES)
			ret = -EINVAL;
		else
			fc.writes = val;
		break;
	case FK_FRAMES:
		if (fc.enabled)
			ret = -EBUSY;
		else
			fc.frames = val;
		break;
	case FK_OFFSET:
		if (fc.enabled)
			ret = -EBUSY;
		else if (val > USEC_PER_SEC / GCE_SIM_HZ_MIN)
			ret = -EINVAL;
		else
			fc.offset_us = val;
		break;
	case FK_COST:
		gce_sim_set_inst_cost(val);
		break;
	}
	mutex_unlock(&fc.lock);
	return ret;
}
DEFINE_DEBUGFS_ATTRIBUTE(frame_knob_fops, frame_knob_get, frame_knob_set, "%llu\n");

/* hz, vblank_us: the model's per-pipe knobs; read "p0 p1 p2", write "<v>" or "<pipe> <v>" */
static int frame_pipe_knob_show(struct seq_file *m, void *v)
{
	bool is_hz = m->private == (void *)1;
	struct gce_sim_pipe_stats ps;
	int p;

	for (p = 0; p < CMDQ_MAX_PIPES; p++) {
		if (gce_sim_get_pipe_stats(p, &ps))
			return -EIO;
		seq_printf(m, "%u%c", is_hz ? ps.hz : ps.vblank_us,
			   p == CMDQ_MAX_PIPES - 1 ? '\n' : ' ');
	}
	return 0;
}

static int frame_pipe_knob_open(struct inode *inode, struct file *file)
{
	return single_open(file, frame_pipe_knob_show, inode->i_private);
}

static ssize_t frame_pipe_knob_write(struct file *file, const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	char buf[80];
	struct seq_file *m = file->private_data;
	bool is_hz = m->private == (void *)1;
	int pipe = -1, n, ret;
	u32 v[2];

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 2, NULL, buf);
	if (n < 1)
		return n < 0 ? n : -EINVAL;
	if (n == 2) {
		if (v[0] >= CMDQ_MAX_PIPES)
			return -EINVAL;
		pipe = v[0];
	}
	ret = is_hz ? gce_sim_set_refresh(pipe, v[n - 1]) : gce_sim_set_vblank(pipe, v[n - 1]);
	return ret ?: len;
}

static const struct file_operations frame_pipe_knob_fops = {
	.owner = THIS_MODULE,
	.open = frame_pipe_knob_open,
	.read = seq_read,
	.write = frame_pipe_knob_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int frame_fault_show(struct seq_file *m, void *v)
{
	mutex_lock(&fc.lock);
	if (fc.stall_every && fc.stall_us)
		seq_printf(m, "stall %d %u %u\n", fc.stall_pipe, fc.stall_every, fc.stall_us);
	if (fc.irq_us)
		seq_printf(m, "irq_delay %d %u\n", fc.irq_pipe, fc.irq_us);
	if (fc.bad_every)
		seq_printf(m, "bad_opcode %d %u\n", fc.bad_pipe, fc.bad_every);
	mutex_unlock(&fc.lock);
	return 0;
}

static int frame_fault_open(struct inode *inode, struct file *file)
{
	return single_open(file, frame_fault_show, NULL);
}

/*
 * "stall <pipe> <every> <us>", "irq_delay <pipe> <us>",
 * "bad_opcode <pipe> <every>", "clear"; only while disabled
 */
static ssize_t frame_fault_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	char buf[80];
	char *cmd = NULL;
	u32 v[3];
	int n, ret = 0;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 3, &cmd, buf);
	if (n < 0)
		return n;
	if (n > 0 && v[0] >= CMDQ_MAX_PIPES)
		return -EINVAL;
	mutex_lock(&fc.lock);
	if (fc.enabled) {
		ret = -EBUSY;
	} else if (!strcmp(cmd, "stall") && n == 3 && v[1]) {
		fc.stall_pipe = v[0];
		fc.stall_every = v[1];
		fc.stall_us = v[2];
	} else if (!strcmp(cmd, "irq_delay") && n == 2) {
		fc.irq_pipe = v[0];
		fc.irq_us = v[1];
	} else if (!strcmp(cmd, "bad_opcode") && n == 2 && v[1]) {
		fc.bad_pipe = v[0];
		fc.bad_every = v[1];
	} else if (!strcmp(cmd, "clear") && !n) {
		fc.stall_pipe = -1;
		fc.stall_every = 0;
		fc.stall_us = 0;
		fc.irq_pipe = -1;
		fc.irq_us = 0;
		fc.bad_pipe = -1;
		fc.bad_every = 0;
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&fc.lock);
	return ret ?: len;
}

static const struct file_operations frame_fault_fops = {
	.owner = THIS_MODULE,
	.open = frame_fault_open,
	.read = seq_read,
	.write = frame_fault_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int frame_stats_show(struct seq_file *m, void *v)
{
	struct cmdq_ioc_frame_stats st;
	u32 p, i;

	frame_get_stats(&st);
	seq_printf(m, "enabled %u\ndone %u\npipes %u\nwrites %u\nframes %u\n",
		   st.enabled, st.done, st.pipes, st.writes, st.frames);
	seq_printf(m, "commit_offset_us %u\nprobes %llu\ntimeouts %llu\n",
		   st.commit_offset_us, st.probes, st.timeouts);
	seq_printf(m, "probe_followup_ok %llu\nprobe_last_status %d\nprobe_last_followup %d\n",
		   st.probe_followup_ok, st.probe_last_status, st.probe_last_followup);
	for (p = 0; p < CMDQ_MAX_PIPES; p++) {
		const u64 *c = &st.pipe[p].committed;

		for (i = 0; i < FS_NR; i++)
			seq_printf(m, "pipe%u_%s %llu\n", p, frame_stat_names[i], c[i]);
		seq_printf(m, "pipe%u_thread %u\npipe%u_inflight %u\npipe%u_last_frame %llu\n",
			   p, st.pipe[p].thread, p, st.pipe[p].inflight, p,
			   st.pipe[p].last_frame);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(frame_stats);

static ssize_t frame_reset_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	u32 p, i;

	for (p = 0; p < CMDQ_MAX_PIPES; p++)
		for (i = 0; i < FS_NR; i++)
			atomic64_set(&fc.pipe[p].st[i], 0);
	atomic64_set(&fc.probes, 0);
	atomic64_set(&fc.timeouts, 0);
	atomic64_set(&fc.followup_ok, 0);
	return len;
}

static const struct file_operations frame_reset_fops = {
	.owner = THIS_MODULE,
	.write = frame_reset_write,
};

static int frame_probe_show(struct seq_file *m, void *v)
{
	seq_printf(m, "probes %lld\ntimeouts %lld\nfollowup_ok %lld\n",
		   atomic64_read(&fc.probes), atomic64_read(&fc.timeouts),
		   atomic64_read(&fc.followup_ok));
	seq_printf(m, "last_status %d\nlast_followup %d\n",
		   READ_ONCE(fc.probe_last_status), READ_ONCE(fc.probe_last_followup));
	return 0;
}

static int frame_probe_open(struct inode *inode, struct file *file)
{
	return single_open(file, frame_probe_show, NULL);
}

/* write "<timeout_ms> [<event>]": run the probe (synchronously) */
static ssize_t frame_probe_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	char buf[80];
	u32 v[2] = { 0, FRAME_PROBE_EVENT };
	int n, ret;

	n = cmdq_debugfs_parse_u32s(ubuf, len, v, 2, NULL, buf);
	if (n < 1)
		return n < 0 ? n : -EINVAL;
	if (!v[0] || v[0] > CMDQ_IOC_MAX_TIMEOUT_MS || v[1] >= CMDQ_MAX_EVENT)
		return -EINVAL;
	ret = frame_probe(v[0], v[1]);
	return ret ?: len;
}

static const struct file_operations frame_probe_fops = {
	.owner = THIS_MODULE,
	.open = frame_probe_open,
	.read = seq_read,
	.write = frame_probe_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static void frame_debugfs_init(void)
{
	struct dentry *d = debugfs_create_dir("cmdq_frame", NULL);

	fc.dbg = d;
	debugfs_create_file_unsafe("enable", 0600, d, (void *)FK_ENABLE, &frame_knob_fops);
	debugfs_create_file_unsafe("pipes", 0600, d, (void *)FK_PIPES, &frame_knob_fops);
	debugfs_create_file_unsafe("writes", 0600, d, (void *)FK_WRITES, &frame_knob_fops);
	debugfs_create_file_unsafe("frames", 0600, d, (void *)FK_FRAMES, &frame_knob_fops);
	debugfs_create_file_unsafe("commit_offset_us", 0600, d, (void *)FK_OFFSET,
				   &frame_knob_fops);
	debugfs_create_file_unsafe("inst_cost_ns", 0600, d, (void *)FK_COST, &frame_knob_fops);
	debugfs_create_file("hz", 0600, d, (void *)1, &frame_pipe_knob_fops);
	debugfs_create_file("vblank_us", 0600, d, (void *)0, &frame_pipe_knob_fops);
	debugfs_create_file("fault", 0600, d, NULL, &frame_fault_fops);
	debugfs_create_file("timeout_probe", 0600, d, NULL, &frame_probe_fops);
	debugfs_create_file("stats", 0400, d, NULL, &frame_stats_fops);
	debugfs_create_file("reset", 0200, d, NULL, &frame_reset_fops);
}

/* ---- module -------------------------------------------------------------------------- */

static int __init cmdq_dev_init(void)
{
	int p, err;

	if (frame_thread > CMDQ_THR_MAX_COUNT - CMDQ_MAX_PIPES - 1 || frame_pipes < 1 ||
	    frame_pipes > CMDQ_MAX_PIPES || frame_writes < 1 ||
	    frame_writes > FRAME_MAX_WRITES ||
	    frame_commit_offset_us > USEC_PER_SEC / GCE_SIM_HZ_MIN)
		return -EINVAL;

	mutex_init(&fc.lock);
	mutex_init(&fc.probe_lock);
	init_waitqueue_head(&fc.drain);
	fc.pipes = frame_pipes;
	fc.writes = frame_writes;
	fc.frames = frame_frames;
	fc.offset_us = frame_commit_offset_us;
	fc.stall_pipe = -1;
	fc.irq_pipe = -1;
	fc.bad_pipe = -1;
	for (p = 0; p < CMDQ_MAX_PIPES; p++)
		fc.pipe[p].id = p;

	err = misc_register(&cmdq_misc);
	if (err)
		return err;
	frame_debugfs_init();
	if (frame_enable) {
		mutex_lock(&fc.lock);
		err = frame_start();
		mutex_unlock(&fc.lock);
		if (err) {
			debugfs_remove_recursive(fc.dbg);
			misc_deregister(&cmdq_misc);
			return err;
		}
	}
	return 0;
}

static void __exit cmdq_dev_exit(void)
{
	/* no file is open: each holds a reference on the module */
	debugfs_remove_recursive(fc.dbg);
	mutex_lock(&fc.lock);
	frame_stop();
	mutex_unlock(&fc.lock);
	misc_deregister(&cmdq_misc);
}

module_init(cmdq_dev_init);
module_exit(cmdq_dev_exit);

MODULE_DESCRIPTION("/dev/cmdq and a display frame client for the CMDQ helper and the GCE model");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: cmdq_helper gce_sim");
