// SPDX-License-Identifier: GPL-2.0
/*
 * CMDQ helper: build MediaTek GCE command packets and flush them to a GCE
 * thread through the mailbox framework.
 *
 * Implements the API of the seed patch "soc: mediatek: Add Mediatek CMDQ
 * helper" (v18) plus the upstream additions (poll, set/acquire event,
 * jump, logic/assign), with the seed's defects fixed: allocation failures
 * are checked, errors keep their errno instead of being folded into
 * -EFAULT, and a synchronous flush has a timeout after which the packet is
 * withdrawn from the engine before the (on-stack) completion goes away.
 *
 * Errno conventions:
 *   -EINVAL   bad argument: register offset not 4-byte aligned or outside
 *             the 64 KiB subsys window, unknown subsys/base, event >=
 *             CMDQ_MAX_EVENT, register not SPR0..3/GPR 0x20..0x2f, unknown
 *             logic operator, jump of 0 or not a multiple of 8 bytes,
 *             mailbox channel index out of range
 *   -EBUSY    append/finalize on a packet that is finalized or in flight,
 *             flush of a packet in flight, second GCE registration,
 *             channel already bound to a client
 *   -ENOSPC   the packet would exceed CMDQ_PKT_MAX_SIZE (1 MiB; the last
 *             two slots are kept for EOC + JUMP so that finalize fits)
 *   -ENOMEM   allocation failure
 *   -EPROBE_DEFER  cmdq_mbox_create() before any GCE is registered
 *   -ENODEV   the GCE driver is being unloaded
 *   -ENOBUFS  (or any other mbox_send_message() error) the mailbox refused
 *             the packet; the packet is no longer busy
 *   flush status: 0, -ENOEXEC (GCE error IRQ), -ECONNABORTED (channel shut
 *             down), -ETIMEDOUT (synchronous flush timed out and aborted)
 *
 * debugfs (/sys/kernel/debug/cmdq_helper/):
 *   stats           read: one "name value" line per counter, names as in
 *                   struct cmdq_helper_stats and in this order: pkt_created
 *                   pkt_destroyed pkt_leaked pkt_finalized flush_sync
 *                   flush_async send_errors cb_delivered cb_ok cb_enoexec
 *                   cb_econnaborted cb_etimedout cb_other sync_timeouts
 *                   clients gce_registered
 *   finalize_burst  write N (1..10000000): N times create a packet, append
 *                   one write, finalize it (one cmdq_pkt_finalize event),
 *                   destroy it. read: the last N completed, "N\n".
 *   selftest        read: runs the encoding self-test; one "ok NAME" or
 *                   "not ok NAME ..." line per check, then
 *                   "selftest: passed P failed F". It creates, finalizes
 *                   and destroys packets, which the counters include.
 */

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <cmdq/cmdq.h>

#define CREATE_TRACE_POINTS
#include "cmdq_trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(cmdq_eoc_irq);
EXPORT_TRACEPOINT_SYMBOL_GPL(cmdq_vblank);

#define CMDQ_ARG_A_OFFSET_MASK	0xffff
#define CMDQ_FINALIZE_SIZE	(2 * CMDQ_INST_SIZE)
#define CMDQ_BURST_MAX		10000000

/* Physical 64 KiB windows of the GCE subsys table (seed: gce_subsys) */
static const struct {
	u16 base;	/* physical address >> 16 */
	u8 id;
} cmdq_gce_subsys[] = {
	{ 0x1400, 1 },
	{ 0x1401, 2 },
	{ 0x1402, 3 },
};

enum cmdq_stat_idx {
	CMDQ_STAT_PKT_CREATED,
	CMDQ_STAT_PKT_DESTROYED,
	CMDQ_STAT_PKT_LEAKED,
	CMDQ_STAT_PKT_FINALIZED,
	CMDQ_STAT_FLUSH_SYNC,
	CMDQ_STAT_FLUSH_ASYNC,
	CMDQ_STAT_SEND_ERRORS,
	CMDQ_STAT_CB_DELIVERED,
	CMDQ_STAT_CB_OK,
	CMDQ_STAT_CB_ENOEXEC,
	CMDQ_STAT_CB_ECONNABORTED,
	CMDQ_STAT_CB_ETIMEDOUT,
	CMDQ_STAT_CB_OTHER,
	CMDQ_STAT_SYNC_TIMEOUTS,
	CMDQ_STAT_NR,
};

/* debugfs names; stable, and equal to the struct cmdq_helper_stats fields */
static const char * const cmdq_stat_names[CMDQ_STAT_NR] = {
	[CMDQ_STAT_PKT_CREATED] = "pkt_created",
	[CMDQ_STAT_PKT_DESTROYED] = "pkt_destroyed",
	[CMDQ_STAT_PKT_LEAKED] = "pkt_leaked",
	[CMDQ_STAT_PKT_FINALIZED] = "pkt_finalized",
	[CMDQ_STAT_FLUSH_SYNC] = "flush_sync",
	[CMDQ_STAT_FLUSH_ASYNC] = "flush_async",
	[CMDQ_STAT_SEND_ERRORS] = "send_errors",
	[CMDQ_STAT_CB_DELIVERED] = "cb_delivered",
	[CMDQ_STAT_CB_OK] = "cb_ok",
	[CMDQ_STAT_CB_ENOEXEC] = "cb_enoexec",
	[CMDQ_STAT_CB_ECONNABORTED] = "cb_econnaborted",
	[CMDQ_STAT_CB_ETIMEDOUT] = "cb_etimedout",
	[CMDQ_STAT_CB_OTHER] = "cb_other",
	[CMDQ_STAT_SYNC_TIMEOUTS] = "sync_timeouts",
};

static atomic64_t cmdq_stats[CMDQ_STAT_NR];
static atomic_t cmdq_nr_clients = ATOMIC_INIT(0);
static atomic_t cmdq_pkt_last_id = ATOMIC_INIT(0);

/* The one registered GCE controller; all fields under cmdq_gce_lock */
static DEFINE_MUTEX(cmdq_gce_lock);
static struct {
	struct mbox_controller *mbox;
	const struct cmdq_gce_ops *ops;
	struct module *owner;	/* the GCE driver's module */
} cmdq_gce;

/*
 * What cmdq_mbox_create() hands out. The GCE driver's module is pinned for
 * the client's life, so @ops stays valid without holding cmdq_gce_lock.
 */
struct cmdq_client_priv {
	struct cmdq_client client;
	struct module *owner;
	const struct cmdq_gce_ops *ops;
};

static struct dentry *cmdq_debugfs_dir;
static unsigned int cmdq_burst_last;

static inline void cmdq_stat_inc(enum cmdq_stat_idx idx)
{
	atomic64_inc(&cmdq_stats[idx]);
}

static inline u64 cmdq_inst(u8 op, u32 arg_a, u32 arg_b)
{
	return (u64)(((u32)op << CMDQ_OP_CODE_SHIFT) | arg_a) << 32 | arg_b;
}

static int cmdq_subsys_id(u32 base)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmdq_gce_subsys); i++)
		if (cmdq_gce_subsys[i].base == base >> 16)
			return cmdq_gce_subsys[i].id;
	return -EINVAL;
}

/* arg_a of WRITE/POLL: window offset | subsys << 16, after validation */
static int cmdq_reg_arg_a(const struct cmdq_base *base, u32 offset, u32 *arg_a)
{
	u32 in_window;

	if (!base || cmdq_subsys_id(base->base) != base->subsys)
		return -EINVAL;
	if ((base->base | offset) & 3)
		return -EINVAL;
	in_window = base->base & (CMDQ_SUBSYS_SIZE - 1);
	if (offset >= CMDQ_SUBSYS_SIZE - in_window)
		return -EINVAL;

	*arg_a = ((base->base + offset) & CMDQ_ARG_A_OFFSET_MASK) |
		 ((u32)base->subsys << CMDQ_SUBSYS_SHIFT);
	return 0;
}

static bool cmdq_reg_valid(u16 idx)
{
	return idx < CMDQ_THR_SPR_MAX ||
	       (idx >= CMDQ_GPR_BASE && idx < CMDQ_GPR_BASE + CMDQ_GPR_MAX);
}

static bool cmdq_logic_op_valid(enum cmdq_logic_op op)
{
	switch (op) {
	case CMDQ_LOGIC_ASSIGN:
	case CMDQ_LOGIC_ADD:
	case CMDQ_LOGIC_SUBTRACT:
	case CMDQ_LOGIC_MULTIPLY:
	case CMDQ_LOGIC_XOR:
	case CMDQ_LOGIC_NOT:
	case CMDQ_LOGIC_OR:
	case CMDQ_LOGIC_AND:
	case CMDQ_LOGIC_LEFT_SHIFT:
	case CMDQ_LOGIC_RIGHT_SHIFT:
		return true;
	}
	return false;
}

/*
 * Only cmdq_pkt_finalize() emits an EOC, so a packet is finalized when
 * its last two instructions are EOC + JUMP. The JUMP's target is not
 * checked: a GCE chains queued packets by patching it.
 */
static bool cmdq_pkt_is_finalized(const struct cmdq_pkt *pkt)
{
	const u64 *inst = pkt->va_base;
	size_t n = cmdq_pkt_inst_count(pkt);

	return n >= 2 && inst[n - 2] == CMDQ_EOC_CMD &&
	       inst[n - 1] >> (32 + CMDQ_OP_CODE_SHIFT) == CMDQ_CODE_JUMP;
}

/*
 * Make room for @n more instructions, growing the buffer by doubling.
 * Only finalize may use the last CMDQ_FINALIZE_SIZE bytes of the cap.
 */
static int cmdq_pkt_reserve(struct cmdq_pkt *pkt, size_t n, bool finalize)
{
	size_t limit = CMDQ_PKT_MAX_SIZE - (finalize ? 0 : CMDQ_FINALIZE_SIZE);
	size_t need = pkt->cmd_buf_size + n * CMDQ_INST_SIZE;
	size_t size;
	void *buf;

	if (need > limit)
		return -ENOSPC;
	if (need <= pkt->buf_size)
		return 0;

	size = max_t(size_t, pkt->buf_size, PAGE_SIZE);
	while (size < need)
		size <<= 1;
	size = min_t(size_t, size, CMDQ_PKT_MAX_SIZE);

	buf = krealloc(pkt->va_base, size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	pkt->va_base = buf;
	pkt->buf_size = size;
	return 0;
}

/* Check that @pkt accepts @n more instructions and make room for them */
static int cmdq_pkt_prepare(struct cmdq_pkt *pkt, size_t n)
{
	if (test_bit(CMDQ_PKT_BUSY, &pkt->busy) || cmdq_pkt_is_finalized(pkt))
		return -EBUSY;
	return cmdq_pkt_reserve(pkt, n, false);
}

/* Append one instruction; the room was reserved by the caller */
static void cmdq_pkt_emit(struct cmdq_pkt *pkt, u8 op, u32 arg_a, u32 arg_b)
{
	u64 *slot = pkt->va_base + pkt->cmd_buf_size;

	*slot = cmdq_inst(op, arg_a, arg_b);
	pkt->cmd_buf_size += CMDQ_INST_SIZE;
}

static int cmdq_pkt_append(struct cmdq_pkt *pkt, u8 op, u32 arg_a, u32 arg_b)
{
	int err = cmdq_pkt_prepare(pkt, 1);

	if (err)
		return err;
	cmdq_pkt_emit(pkt, op, arg_a, arg_b);
	return 0;
}

/**
 * cmdq_register_device() - map a client's register window to a GCE subsys
 * @dev: the client device; the result is devm-allocated on it
 * @base: physical base address of the client's registers, 4-byte aligned,
 *	inside 0x14000000..0x1402ffff
 *
 * The 64 KiB window that contains @base selects the subsys (0x1400xxxx is
 * subsys 1, 0x1401xxxx subsys 2, 0x1402xxxx subsys 3).
 *
 * Context: process context, may sleep.
 * Return: the cmdq_base, ERR_PTR(-EINVAL) for a NULL @dev or a base outside
 * the subsys table, ERR_PTR(-ENOMEM) on allocation failure. Never NULL.
 */
struct cmdq_base *cmdq_register_device(struct device *dev, u32 base)
{
	struct cmdq_base *cmdq_base;
	int subsys;

	if (!dev || (base & 3))
		return ERR_PTR(-EINVAL);
	subsys = cmdq_subsys_id(base);
	if (subsys < 0)
		return ERR_PTR(subsys);

	cmdq_base = devm_kzalloc(dev, sizeof(*cmdq_base), GFP_KERNEL);
	if (!cmdq_base)
		return ERR_PTR(-ENOMEM);
	cmdq_base->subsys = subsys;
	cmdq_base->base = base;
	return cmdq_base;
}
EXPORT_SYMBOL_GPL(cmdq_register_device);

/**
 * cmdq_register_gce() - publish the GCE mailbox controller
 * @mbox: the registered mbox_controller; @mbox->dev must be bound to a
 *	driver, whose module is pinned while clients are bound
 * @ops: the GCE hooks; @ops->abort is mandatory
 *
 * There is no device tree to find the GCE in, so the controller announces
 * itself here and cmdq_mbox_create() binds clients to its channels. Only
 * one GCE can be registered at a time.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for an incomplete @mbox or @ops, -EBUSY if a GCE is
 * already registered.
 */
int cmdq_register_gce(struct mbox_controller *mbox, const struct cmdq_gce_ops *ops)
{
	int err = 0;

	if (!mbox || !mbox->dev || !mbox->dev->driver || !mbox->chans ||
	    mbox->num_chans <= 0 || !ops || !ops->abort)
		return -EINVAL;

	mutex_lock(&cmdq_gce_lock);
	if (cmdq_gce.mbox) {
		err = -EBUSY;
	} else {
		cmdq_gce.mbox = mbox;
		cmdq_gce.ops = ops;
		cmdq_gce.owner = mbox->dev->driver->owner;
	}
	mutex_unlock(&cmdq_gce_lock);
	return err;
}
EXPORT_SYMBOL_GPL(cmdq_register_gce);

/**
 * cmdq_unregister_gce() - withdraw the GCE published by cmdq_register_gce()
 * @mbox: the controller that was registered
 *
 * New cmdq_mbox_create() calls fail with -EPROBE_DEFER afterwards. Bound
 * clients keep a reference on the GCE driver's module, so the module cannot
 * be unloaded until they are destroyed; the GCE driver should also forbid
 * unbinding its device (suppress_bind_attrs).
 *
 * Context: process context, may sleep.
 */
void cmdq_unregister_gce(struct mbox_controller *mbox)
{
	mutex_lock(&cmdq_gce_lock);
	if (!WARN_ON_ONCE(!mbox || cmdq_gce.mbox != mbox)) {
		cmdq_gce.mbox = NULL;
		cmdq_gce.ops = NULL;
		cmdq_gce.owner = NULL;
	}
	mutex_unlock(&cmdq_gce_lock);
}
EXPORT_SYMBOL_GPL(cmdq_unregister_gce);

static void cmdq_stat_cb(int sta)
{
	cmdq_stat_inc(CMDQ_STAT_CB_DELIVERED);
	switch (sta) {
	case 0:
		cmdq_stat_inc(CMDQ_STAT_CB_OK);
		break;
	case -ENOEXEC:
		cmdq_stat_inc(CMDQ_STAT_CB_ENOEXEC);
		break;
	case -ECONNABORTED:
		cmdq_stat_inc(CMDQ_STAT_CB_ECONNABORTED);
		break;
	case -ETIMEDOUT:
		cmdq_stat_inc(CMDQ_STAT_CB_ETIMEDOUT);
		break;
	default:
		cmdq_stat_inc(CMDQ_STAT_CB_OTHER);
		break;
	}
}

/*
 * mbox rx_callback: the GCE reports a finished packet with a
 * struct cmdq_cb_data (sta, pkt). Runs in the controller's interrupt
 * context: hardirq, or a thread on PREEMPT_RT.
 *
 * Ownership of the packet returns to the client here. Everything needed is
 * read from the packet first; then the busy bit is released with
 * clear_bit_unlock(), which orders those reads before the clear, so an
 * owner that sees the bit clear (test_bit_acquire(), or the callback
 * itself) may reuse or free the packet. The packet is not touched after
 * that: the callback may destroy it.
 */
static void cmdq_rx_callback(struct mbox_client *cl, void *mssg)
{
	struct cmdq_client *client = container_of(cl, struct cmdq_client, client);
	struct cmdq_cb_data *res = mssg;
	struct cmdq_cb_data data;
	cmdq_async_flush_cb cb;
	struct cmdq_pkt *pkt;

	if (WARN_ON_ONCE(!res || !res->pkt))
		return;
	pkt = res->pkt;
	/* a second report of the same flush is a controller bug */
	if (WARN_ON_ONCE(!test_bit(CMDQ_PKT_BUSY, &pkt->busy)))
		return;

	data.sta = res->sta;
	data.pkt = pkt;
	data.data = pkt->cb_data;
	cb = pkt->cb;

	cmdq_stat_cb(data.sta);
	if (trace_cmdq_pkt_cb_enabled())
		trace_cmdq_pkt_cb(pkt->id, client->thread, data.sta,
				  pkt->eoc_ns, ktime_get_ns());

	clear_bit_unlock(CMDQ_PKT_BUSY, &pkt->busy);
	if (cb)
		cb(data);
}

/**
 * cmdq_mbox_create() - bind a CMDQ mailbox client to a GCE thread
 * @dev: the client device (mbox_client.dev)
 * @index: GCE thread, 0 .. mbox->num_chans - 1
 *
 * The channel is bound with mbox_bind_client(); the client does its own TX
 * ticking (knows_txdone) and completions come back through the helper's
 * dispatcher, which calls each packet's flush callback. The GCE driver's
 * module is pinned until cmdq_mbox_destroy().
 *
 * Context: process context, may sleep.
 * Return: the client, or ERR_PTR(-EPROBE_DEFER) if no GCE is registered,
 * ERR_PTR(-EINVAL) for an out-of-range @index, ERR_PTR(-ENODEV) if the GCE
 * driver is going away, ERR_PTR(-ENOMEM), or the mbox_bind_client() error
 * (-EBUSY if the channel already has a client). Never NULL.
 */
struct cmdq_client *cmdq_mbox_create(struct device *dev, int index)
{
	struct cmdq_client_priv *priv;
	struct mbox_controller *mbox;
	int err;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return ERR_PTR(-ENOMEM);

	mutex_lock(&cmdq_gce_lock);
	mbox = cmdq_gce.mbox;
	if (!mbox) {
		err = -EPROBE_DEFER;
		goto err_unlock;
	}
	if (index < 0 || index >= mbox->num_chans) {
		err = -EINVAL;
		goto err_unlock;
	}
	if (!try_module_get(cmdq_gce.owner)) {
		err = -ENODEV;
		goto err_unlock;
	}
	priv->owner = cmdq_gce.owner;
	priv->ops = cmdq_gce.ops;
	priv->client.client.dev = dev;
	priv->client.client.tx_block = false;
	priv->client.client.knows_txdone = true;
	priv->client.client.rx_callback = cmdq_rx_callback;
	priv->client.thread = index;

	/*
	 * Still under cmdq_gce_lock, so the GCE cannot unregister between the
	 * lookup and the bind; its startup hook must not call
	 * cmdq_register_gce() or cmdq_unregister_gce().
	 */
	err = mbox_bind_client(&mbox->chans[index], &priv->client.client);
	if (err) {
		module_put(priv->owner);
		goto err_unlock;
	}
	priv->client.chan = &mbox->chans[index];
	mutex_unlock(&cmdq_gce_lock);

	atomic_inc(&cmdq_nr_clients);
	return &priv->client;

err_unlock:
	mutex_unlock(&cmdq_gce_lock);
	kfree(priv);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(cmdq_mbox_create);

/**
 * cmdq_mbox_destroy() - unbind and free a client made by cmdq_mbox_create()
 * @client: the client; NULL and error pointers are ignored
 *
 * mbox_free_channel() shuts the GCE thread down; the GCE reports packets
 * still queued on it with -ECONNABORTED before it returns. Then the GCE
 * driver's module is released.
 *
 * Context: process context, may sleep.
 */
void cmdq_mbox_destroy(struct cmdq_client *client)
{
	struct cmdq_client_priv *priv;
	struct module *owner;

	if (IS_ERR_OR_NULL(client))
		return;
	priv = container_of(client, struct cmdq_client_priv, client);
	owner = priv->owner;

	mbox_free_channel(client->chan);
	kfree(priv);
	atomic_dec(&cmdq_nr_clients);
	module_put(owner);
}
EXPORT_SYMBOL_GPL(cmdq_mbox_destroy);

/**
 * cmdq_pkt_create() - allocate an empty CMDQ packet
 * @pkt_ptr: where to store the packet
 *
 * The instruction buffer starts at PAGE_SIZE bytes and doubles as needed up
 * to CMDQ_PKT_MAX_SIZE. The packet gets the next id of a global counter
 * (the first is 1; 0 is never used).
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for a NULL @pkt_ptr, or -ENOMEM.
 */
int cmdq_pkt_create(struct cmdq_pkt **pkt_ptr)
{
	struct cmdq_pkt *pkt;
	u32 id;

	if (!pkt_ptr)
		return -EINVAL;

	pkt = kzalloc(sizeof(*pkt), GFP_KERNEL);
	if (!pkt)
		return -ENOMEM;
	pkt->va_base = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!pkt->va_base) {
		kfree(pkt);
		return -ENOMEM;
	}
	pkt->buf_size = PAGE_SIZE;
	INIT_LIST_HEAD(&pkt->node);
	do {
		id = (u32)atomic_inc_return(&cmdq_pkt_last_id);
	} while (!id);
	pkt->id = id;

	cmdq_stat_inc(CMDQ_STAT_PKT_CREATED);
	*pkt_ptr = pkt;
	return 0;
}
EXPORT_SYMBOL_GPL(cmdq_pkt_create);

/**
 * cmdq_pkt_destroy() - free a packet
 * @pkt: the packet; NULL is ignored
 *
 * The packet must not be in flight. Destroying a packet the GCE still owns
 * is a kernel API misuse: it is reported once with a warning and the packet
 * is leaked (counted in pkt_leaked) rather than freed under the engine.
 * A flush callback may destroy its own packet.
 *
 * Context: any context.
 */
void cmdq_pkt_destroy(struct cmdq_pkt *pkt)
{
	if (!pkt)
		return;
	if (WARN_ON_ONCE(test_bit_acquire(CMDQ_PKT_BUSY, &pkt->busy))) {
		cmdq_stat_inc(CMDQ_STAT_PKT_LEAKED);
		return;
	}
	kfree(pkt->va_base);
	kfree(pkt);
	cmdq_stat_inc(CMDQ_STAT_PKT_DESTROYED);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_destroy);

/* WRITE or POLL of one register */
static int cmdq_pkt_reg_op(struct cmdq_pkt *pkt, enum cmdq_code code, u32 value,
			   struct cmdq_base *base, u32 offset)
{
	u32 arg_a;
	int err;

	err = cmdq_reg_arg_a(base, offset, &arg_a);
	if (err)
		return err;
	return cmdq_pkt_append(pkt, code, arg_a, value);
}

/*
 * MASK(~mask) then WRITE or POLL with offset bit 0 (CMDQ_WRITE_ENABLE_MASK,
 * which POLL shares) set: both instructions or neither.
 */
static int cmdq_pkt_reg_op_mask(struct cmdq_pkt *pkt, enum cmdq_code code, u32 value,
				struct cmdq_base *base, u32 offset, u32 mask)
{
	u32 arg_a;
	int err;

	err = cmdq_reg_arg_a(base, offset, &arg_a);
	if (err)
		return err;
	err = cmdq_pkt_prepare(pkt, 2);
	if (err)
		return err;
	cmdq_pkt_emit(pkt, CMDQ_CODE_MASK, 0, ~mask);
	cmdq_pkt_emit(pkt, code, arg_a | CMDQ_WRITE_ENABLE_MASK, value);
	return 0;
}

/**
 * cmdq_pkt_write() - append a register write
 * @pkt: the packet
 * @value: the value to write
 * @base: the client's register window (cmdq_register_device())
 * @offset: register offset from @base->base, 4-byte aligned, inside the
 *	subsys window
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EINVAL for a bad @base or @offset, -EBUSY if @pkt is
 * finalized or in flight, -ENOSPC if @pkt is full, -ENOMEM.
 */
int cmdq_pkt_write(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base, u32 offset)
{
	return cmdq_pkt_reg_op(pkt, CMDQ_CODE_WRITE, value, base, offset);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_write);

/**
 * cmdq_pkt_write_mask() - append a masked register write
 * @pkt: the packet
 * @value: the value to write
 * @base: the client's register window
 * @offset: register offset from @base->base, as for cmdq_pkt_write()
 * @mask: bits of the register to change
 *
 * Appends MASK(~@mask) then WRITE(@offset | 1); a @mask of 0xffffffff is a
 * plain cmdq_pkt_write(). Both instructions are appended, or neither.
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_write().
 */
int cmdq_pkt_write_mask(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base,
			u32 offset, u32 mask)
{
	if (mask == U32_MAX)
		return cmdq_pkt_write(pkt, value, base, offset);
	return cmdq_pkt_reg_op_mask(pkt, CMDQ_CODE_WRITE, value, base, offset, mask);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_write_mask);

static int cmdq_pkt_event(struct cmdq_pkt *pkt, enum cmdq_event event, u32 arg_b)
{
	if ((u32)event >= CMDQ_MAX_EVENT)
		return -EINVAL;
	return cmdq_pkt_append(pkt, CMDQ_CODE_WFE, event, arg_b);
}

/**
 * cmdq_pkt_wfe() - append a wait for an event, clearing it
 * @pkt: the packet
 * @event: hardware event number, below CMDQ_MAX_EVENT
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EINVAL for a bad @event, -EBUSY, -ENOSPC or -ENOMEM as for
 * cmdq_pkt_write().
 */
int cmdq_pkt_wfe(struct cmdq_pkt *pkt, enum cmdq_event event)
{
	return cmdq_pkt_event(pkt, event,
			      CMDQ_WFE_UPDATE | CMDQ_WFE_WAIT | CMDQ_WFE_WAIT_VALUE);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_wfe);

/**
 * cmdq_pkt_clear_event() - append a clear of an event
 * @pkt: the packet
 * @event: hardware event number, below CMDQ_MAX_EVENT
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_wfe().
 */
int cmdq_pkt_clear_event(struct cmdq_pkt *pkt, enum cmdq_event event)
{
	return cmdq_pkt_event(pkt, event, CMDQ_WFE_UPDATE);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_clear_event);

/**
 * cmdq_pkt_set_event() - append a set of an event
 * @pkt: the packet
 * @event: hardware event number, below CMDQ_MAX_EVENT
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_wfe().
 */
int cmdq_pkt_set_event(struct cmdq_pkt *pkt, enum cmdq_event event)
{
	return cmdq_pkt_event(pkt, event, CMDQ_WFE_UPDATE | CMDQ_WFE_UPDATE_VALUE);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_set_event);

/**
 * cmdq_pkt_acquire_event() - append a wait for an event to be clear, then
 *	set it (a GCE mutex)
 * @pkt: the packet
 * @event: hardware event number, below CMDQ_MAX_EVENT
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_wfe().
 */
int cmdq_pkt_acquire_event(struct cmdq_pkt *pkt, enum cmdq_event event)
{
	return cmdq_pkt_event(pkt, event, CMDQ_WFE_UPDATE | CMDQ_WFE_UPDATE_VALUE |
				      CMDQ_WFE_WAIT);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_acquire_event);

/**
 * cmdq_pkt_poll() - append a poll until a register equals a value
 * @pkt: the packet
 * @value: the value to wait for
 * @base: the client's register window
 * @offset: register offset from @base->base, as for cmdq_pkt_write()
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_write().
 */
int cmdq_pkt_poll(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base, u32 offset)
{
	return cmdq_pkt_reg_op(pkt, CMDQ_CODE_POLL, value, base, offset);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_poll);

/**
 * cmdq_pkt_poll_mask() - append a poll until the masked register equals a
 *	value
 * @pkt: the packet
 * @value: the value to wait for
 * @base: the client's register window
 * @offset: register offset from @base->base, as for cmdq_pkt_write()
 * @mask: bits of the register to compare
 *
 * Appends MASK(~@mask) then POLL(@offset | 1), both or neither.
 *
 * Context: may sleep when the buffer has to grow.
 * Return: as cmdq_pkt_write().
 */
int cmdq_pkt_poll_mask(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base,
		       u32 offset, u32 mask)
{
	return cmdq_pkt_reg_op_mask(pkt, CMDQ_CODE_POLL, value, base, offset, mask);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_poll_mask);

/**
 * cmdq_pkt_jump() - append a relative jump
 * @pkt: the packet
 * @rel_bytes: distance from this instruction, a non-zero multiple of
 *	CMDQ_INST_SIZE (negative jumps backwards)
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EINVAL for a bad @rel_bytes, -EBUSY, -ENOSPC or -ENOMEM as
 * for cmdq_pkt_write().
 */
int cmdq_pkt_jump(struct cmdq_pkt *pkt, s32 rel_bytes)
{
	if (!rel_bytes || rel_bytes % CMDQ_INST_SIZE)
		return -EINVAL;
	return cmdq_pkt_append(pkt, CMDQ_CODE_JUMP, 0, (u32)rel_bytes);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_jump);

/**
 * cmdq_pkt_assign() - append a load of an immediate into a GCE register
 * @pkt: the packet
 * @reg_idx: destination, SPR 0..3 or GPR %CMDQ_GPR_BASE..%CMDQ_GPR_BASE+15
 * @value: the 32-bit immediate
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EINVAL for a bad @reg_idx, -EBUSY, -ENOSPC or -ENOMEM as for
 * cmdq_pkt_write().
 */
int cmdq_pkt_assign(struct cmdq_pkt *pkt, u16 reg_idx, u32 value)
{
	u32 arg_a;

	if (!cmdq_reg_valid(reg_idx))
		return -EINVAL;
	arg_a = ((u32)CMDQ_LOGIC_DST_T << CMDQ_SUBSYS_SHIFT) | reg_idx;
	return cmdq_pkt_append(pkt, CMDQ_CODE_LOGIC, arg_a, value);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_assign);

/**
 * cmdq_pkt_logic_command() - append result = left op right
 * @pkt: the packet
 * @result_reg: destination register (SPR or GPR, as for cmdq_pkt_assign())
 * @left: left operand: a register or a 16-bit immediate
 * @op: the operator
 * @right: right operand: a register or a 16-bit immediate
 *
 * Encoding as upstream: the subsys byte holds sop | ARG_C_T (right is a
 * register) | SRC_T (left is a register) | DST_T, the offset field the
 * result register, arg_b left << 16 | right.
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EINVAL for a NULL operand, a bad register or an unknown @op,
 * -EBUSY, -ENOSPC or -ENOMEM as for cmdq_pkt_write().
 */
int cmdq_pkt_logic_command(struct cmdq_pkt *pkt, u16 result_reg,
			   struct cmdq_operand *left, enum cmdq_logic_op op,
			   struct cmdq_operand *right)
{
	u32 sbyte, arg_a, arg_b;

	if (!left || !right || !cmdq_logic_op_valid(op) ||
	    !cmdq_reg_valid(result_reg) ||
	    (left->reg && !cmdq_reg_valid(left->idx)) ||
	    (right->reg && !cmdq_reg_valid(right->idx)))
		return -EINVAL;

	sbyte = ((u32)op << CMDQ_LOGIC_SOP_SHIFT) | CMDQ_LOGIC_DST_T;
	if (left->reg)
		sbyte |= CMDQ_LOGIC_SRC_T;
	if (right->reg)
		sbyte |= CMDQ_LOGIC_ARG_C_T;
	arg_a = (sbyte << CMDQ_SUBSYS_SHIFT) | result_reg;
	arg_b = ((u32)left->value << 16) | right->value;
	return cmdq_pkt_append(pkt, CMDQ_CODE_LOGIC, arg_a, arg_b);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_logic_command);

/* finalize without the busy check: the flush path owns the busy bit */
static int __cmdq_pkt_finalize(struct cmdq_pkt *pkt)
{
	int err;

	if (cmdq_pkt_is_finalized(pkt))
		return 0;
	err = cmdq_pkt_reserve(pkt, 2, true);
	if (err)
		return err;
	/* EOC raises the IRQ; the JUMP to the next slot ends the thread */
	cmdq_pkt_emit(pkt, CMDQ_CODE_EOC, 0, CMDQ_EOC_IRQ_EN);
	cmdq_pkt_emit(pkt, CMDQ_CODE_JUMP, 0, CMDQ_JUMP_PASS);

	cmdq_stat_inc(CMDQ_STAT_PKT_FINALIZED);
	trace_cmdq_pkt_finalize(pkt->id, cmdq_pkt_inst_count(pkt));
	return 0;
}

/**
 * cmdq_pkt_finalize() - terminate a packet with EOC + JUMP(PASS)
 * @pkt: the packet
 *
 * Idempotent: a finalized packet is left alone and 0 returned. The
 * cmdq:cmdq_pkt_finalize event fires only when the instructions are
 * appended. Afterwards the packet accepts no more instructions (-EBUSY)
 * but can be flushed any number of times. The flush functions finalize
 * the packet themselves.
 *
 * Context: may sleep when the buffer has to grow.
 * Return: 0, -EBUSY if @pkt is in flight, -ENOMEM.
 */
int cmdq_pkt_finalize(struct cmdq_pkt *pkt)
{
	if (test_bit(CMDQ_PKT_BUSY, &pkt->busy))
		return -EBUSY;
	return __cmdq_pkt_finalize(pkt);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_finalize);

static int cmdq_pkt_submit(struct cmdq_client *client, struct cmdq_pkt *pkt,
			   cmdq_async_flush_cb cb, void *data, bool async)
{
	u64 now;
	int err;

	if (IS_ERR_OR_NULL(client) || !pkt)
		return -EINVAL;
	if (test_and_set_bit_lock(CMDQ_PKT_BUSY, &pkt->busy))
		return -EBUSY;

	err = __cmdq_pkt_finalize(pkt);
	if (err) {
		clear_bit_unlock(CMDQ_PKT_BUSY, &pkt->busy);
		return err;
	}

	pkt->cl = client;
	pkt->cb = cb;
	pkt->cb_data = data;
	pkt->pa_base = virt_to_phys(pkt->va_base);
	pkt->eoc_ns = 0;
	now = ktime_get_ns();
	pkt->flush_ns = now;
	/*
	 * The callback may run (and free the packet) before
	 * mbox_send_message() returns, so trace and count first.
	 */
	trace_cmdq_pkt_flush(pkt->id, client->thread, async,
			     cmdq_pkt_inst_count(pkt), now);
	cmdq_stat_inc(async ? CMDQ_STAT_FLUSH_ASYNC : CMDQ_STAT_FLUSH_SYNC);

	err = mbox_send_message(client->chan, pkt);
	if (err < 0) {
		/* not queued: the packet is still ours */
		clear_bit_unlock(CMDQ_PKT_BUSY, &pkt->busy);
		cmdq_stat_inc(CMDQ_STAT_SEND_ERRORS);
		return err;
	}
	/* The GCE queues packets itself: the next one may be sent at once. */
	mbox_client_txdone(client->chan, 0);
	return 0;
}

/**
 * cmdq_pkt_flush_async() - submit a packet to the client's GCE thread
 * @client: the CMDQ mailbox client
 * @pkt: the packet; finalized here if it is not yet
 * @cb: called once when the packet completed, failed or was aborted, in
 *	the GCE's completion (interrupt) context: hardirq, or a thread on
 *	PREEMPT_RT; it may take spinlock_t and wake tasks, not sleep; may be NULL
 * @data: cookie passed back in cmdq_cb_data.data
 *
 * The packet is in flight (busy) from here until @cb is called; it must
 * not be modified or destroyed meanwhile. The busy bit is released just
 * before @cb runs, so @cb may destroy or resubmit the packet. Fires
 * cmdq:cmdq_pkt_flush (async=1) before the packet is handed to the GCE.
 *
 * Context: any context if @pkt is already finalized; otherwise it may
 * sleep (finalize may grow the buffer).
 * Return: 0 if the packet was queued; -EINVAL for a NULL argument, -EBUSY
 * if @pkt is already in flight, -ENOMEM from finalize, or the
 * mbox_send_message() error (e.g. -ENOBUFS when the mailbox queue is
 * full), in which case @cb is not called and @pkt is not busy.
 */
int cmdq_pkt_flush_async(struct cmdq_client *client, struct cmdq_pkt *pkt,
			 cmdq_async_flush_cb cb, void *data)
{
	return cmdq_pkt_submit(client, pkt, cb, data, true);
}
EXPORT_SYMBOL_GPL(cmdq_pkt_flush_async);

struct cmdq_flush_completion {
	struct completion done;
	int sta;
};

static void cmdq_pkt_flush_cb(struct cmdq_cb_data data)
{
	struct cmdq_flush_completion *cmplt = data.data;

	cmplt->sta = data.sta;
	complete(&cmplt->done);
}

/*
 * Withdraw @pkt from the GCE; on return its callback has been delivered.
 * Called without cmdq_gce_lock, so the GCE may take its own locks.
 */
static void cmdq_gce_abort(struct cmdq_client *client, struct cmdq_pkt *pkt, int sta)
{
	struct cmdq_client_priv *priv = container_of(client, struct cmdq_client_priv, client);

	priv->ops->abort(client->chan, pkt, sta);
}

/**
 * cmdq_pkt_flush() - submit a packet and wait for it to complete
 * @client: the CMDQ mailbox client
 * @pkt: the packet; finalized here if it is not yet
 * @timeout_ms: how long to wait; 0 means CMDQ_FLUSH_TIMEOUT_DEFAULT_MS
 *
 * Fires cmdq:cmdq_pkt_flush with async=0. If the GCE has not completed the
 * packet after @timeout_ms, the packet is aborted through the GCE's
 * abort hook, which guarantees that the engine no longer references it and
 * that its completion has been delivered (with -ETIMEDOUT) when it
 * returns; only then does this function return. So the packet is never in
 * flight after return.
 *
 * Context: process context, may sleep.
 * Return: the status the GCE reported: 0, -ENOEXEC (GCE error IRQ),
 * -ECONNABORTED (channel shut down), -ETIMEDOUT (timed out and aborted;
 * a packet that completes in the window between the timeout and the abort
 * reports its own status instead); or a submission error as for
 * cmdq_pkt_flush_async().
 */
int cmdq_pkt_flush(struct cmdq_client *client, struct cmdq_pkt *pkt,
		   unsigned long timeout_ms)
{
	struct cmdq_flush_completion cmplt;
	int err;

	might_sleep();
	if (!timeout_ms)
		timeout_ms = CMDQ_FLUSH_TIMEOUT_DEFAULT_MS;

	init_completion(&cmplt.done);
	cmplt.sta = -EINPROGRESS;
	err = cmdq_pkt_submit(client, pkt, cmdq_pkt_flush_cb, &cmplt, false);
	if (err)
		return err;

	if (!wait_for_completion_timeout(&cmplt.done, msecs_to_jiffies(timeout_ms))) {
		cmdq_stat_inc(CMDQ_STAT_SYNC_TIMEOUTS);
		cmdq_gce_abort(client, pkt, -ETIMEDOUT);
		/* delivered by the abort (or by the GCE just before it) */
		wait_for_completion(&cmplt.done);
	}
	return cmplt.sta;
}
EXPORT_SYMBOL_GPL(cmdq_pkt_flush);

/**
 * cmdq_helper_get_stats() - snapshot the helper's counters
 * @stats: filled in; see struct cmdq_helper_stats
 *
 * Each counter is read atomically; the set is not a consistent snapshot
 * while packets are in flight.
 *
 * Context: any context.
 */
void cmdq_helper_get_stats(struct cmdq_helper_stats *stats)
{
	stats->pkt_created = atomic64_read(&cmdq_stats[CMDQ_STAT_PKT_CREATED]);
	stats->pkt_destroyed = atomic64_read(&cmdq_stats[CMDQ_STAT_PKT_DESTROYED]);
	stats->pkt_leaked = atomic64_read(&cmdq_stats[CMDQ_STAT_PKT_LEAKED]);
	stats->pkt_finalized = atomic64_read(&cmdq_stats[CMDQ_STAT_PKT_FINALIZED]);
	stats->flush_sync = atomic64_read(&cmdq_stats[CMDQ_STAT_FLUSH_SYNC]);
	stats->flush_async = atomic64_read(&cmdq_stats[CMDQ_STAT_FLUSH_ASYNC]);
	stats->send_errors = atomic64_read(&cmdq_stats[CMDQ_STAT_SEND_ERRORS]);
	stats->cb_delivered = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_DELIVERED]);
	stats->cb_ok = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_OK]);
	stats->cb_enoexec = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_ENOEXEC]);
	stats->cb_econnaborted = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_ECONNABORTED]);
	stats->cb_etimedout = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_ETIMEDOUT]);
	stats->cb_other = atomic64_read(&cmdq_stats[CMDQ_STAT_CB_OTHER]);
	stats->sync_timeouts = atomic64_read(&cmdq_stats[CMDQ_STAT_SYNC_TIMEOUTS]);
	stats->clients = atomic_read(&cmdq_nr_clients);
	stats->gce_registered = !!READ_ONCE(cmdq_gce.mbox);
}
EXPORT_SYMBOL_GPL(cmdq_helper_get_stats);

/* debugfs: stats */
static int cmdq_stats_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	for (i = 0; i < CMDQ_STAT_NR; i++)
		seq_printf(m, "%s %lld\n", cmdq_stat_names[i],
			   atomic64_read(&cmdq_stats[i]));
	seq_printf(m, "clients %d\n", atomic_read(&cmdq_nr_clients));
	seq_printf(m, "gce_registered %d\n", !!READ_ONCE(cmdq_gce.mbox));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cmdq_stats);

/* debugfs: finalize_burst, the tracepoint pipeline test knob */
static const struct cmdq_base cmdq_burst_base = {
	.subsys = 1,
	.base = CMDQ_SUBSYS_BASE(1),
};

static int cmdq_burst_one(u32 value)
{
	struct cmdq_base base = cmdq_burst_base;
	struct cmdq_pkt *pkt;
	int err;

	err = cmdq_pkt_create(&pkt);
	if (err)
		return err;
	err = cmdq_pkt_write(pkt, value, &base, 0);
	if (!err)
		err = cmdq_pkt_finalize(pkt);
	cmdq_pkt_destroy(pkt);
	return err;
}

static ssize_t cmdq_burst_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	unsigned int n, i;
	int err;

	err = kstrtouint_from_user(ubuf, count, 0, &n);
	if (err)
		return err;
	if (n < 1 || n > CMDQ_BURST_MAX)
		return -EINVAL;

	for (i = 0; i < n; i++) {
		err = cmdq_burst_one(i);
		if (err)
			return err;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	WRITE_ONCE(cmdq_burst_last, n);
	return count;
}

static ssize_t cmdq_burst_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%u\n", READ_ONCE(cmdq_burst_last));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations cmdq_burst_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = cmdq_burst_read,
	.write = cmdq_burst_write,
	.llseek = default_llseek,
};

/* debugfs: selftest, the encoding self-test */
struct cmdq_st {
	struct seq_file *m;
	unsigned int pass;
	unsigned int fail;
};

static void cmdq_st_int(struct cmdq_st *st, const char *name, long got, long want)
{
	if (got == want) {
		st->pass++;
		seq_printf(st->m, "ok %s\n", name);
	} else {
		st->fail++;
		seq_printf(st->m, "not ok %s: got %ld want %ld\n", name, got, want);
	}
}

/* the packet's words from @first on must be @want[0..n-1], then end */
static void cmdq_st_words(struct cmdq_st *st, const char *name, struct cmdq_pkt *pkt,
			  size_t first, const u64 *want, size_t n)
{
	const u64 *inst = pkt->va_base;
	size_t i, count = cmdq_pkt_inst_count(pkt);

	if (count != first + n) {
		st->fail++;
		seq_printf(st->m, "not ok %s: %zu instructions, want %zu\n",
			   name, count, first + n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (inst[first + i] != want[i]) {
			st->fail++;
			seq_printf(st->m, "not ok %s: word %zu is %#018llx, want %#018llx\n",
				   name, first + i, inst[first + i], want[i]);
			return;
		}
	}
	st->pass++;
	seq_printf(st->m, "ok %s\n", name);
}

static void cmdq_selftest_encoding(struct cmdq_st *st, struct cmdq_pkt *pkt)
{
	struct cmdq_base b1 = { .subsys = 1, .base = 0x14000000 };
	struct cmdq_base b2 = { .subsys = 2, .base = 0x1401c000 };
	struct cmdq_operand gpr0 = { .reg = true, .idx = CMDQ_GPR_BASE };
	struct cmdq_operand imm5 = { .reg = false, .value = 5 };
	static const u64 want[] = {
		0x0401004012345678ull,	/* write */
		0x2000000b80008001ull,	/* wfe(OVL0 SOF) */
		0x0200000000ff00ffull,	/* write_mask: MASK(~mask) */
		0x0402c1010000abcdull,	/* write_mask: WRITE(offset | 1) */
		0x0401004400000001ull,	/* write_mask with ~0: plain write */
		0x2000002980000000ull,	/* clear_event(RDMA0 EOF) */
		0x2000002980010000ull,	/* set_event */
		0x2000002980018000ull,	/* acquire_event */
		0x0802c10000000005ull,	/* poll */
		0x02000000ffff0000ull,	/* poll_mask: MASK */
		0x0802c1050000000full,	/* poll_mask: POLL(offset | 1) */
		0x10000000fffffff0ull,	/* jump(-16) */
		0x1000000000000018ull,	/* jump(24) */
		0xa0800020deadbeefull,	/* assign(GPR0) */
		0xa0c1002100200005ull,	/* GPR1 = GPR0 + 5 */
		0xa0a0000300050020ull,	/* SPR3 = ASSIGN(5, GPR0) */
		0x4000000000000001ull,	/* finalize: EOC */
		0x1000000000000008ull,	/* finalize: JUMP(PASS) */
	};
	int err = 0;

	err |= cmdq_pkt_write(pkt, 0x12345678, &b1, 0x40);
	err |= cmdq_pkt_wfe(pkt, CMDQ_EVENT_DISP_OVL0_SOF);
	err |= cmdq_pkt_write_mask(pkt, 0xabcd, &b2, 0x100, 0xff00ff00);
	err |= cmdq_pkt_write_mask(pkt, 1, &b1, 0x44, 0xffffffff);
	err |= cmdq_pkt_clear_event(pkt, CMDQ_EVENT_DISP_RDMA0_EOF);
	err |= cmdq_pkt_set_event(pkt, CMDQ_EVENT_DISP_RDMA0_EOF);
	err |= cmdq_pkt_acquire_event(pkt, CMDQ_EVENT_DISP_RDMA0_EOF);
	err |= cmdq_pkt_poll(pkt, 5, &b2, 0x100);
	err |= cmdq_pkt_poll_mask(pkt, 0xf, &b2, 0x104, 0xffff);
	err |= cmdq_pkt_jump(pkt, -16);
	err |= cmdq_pkt_jump(pkt, 24);
	err |= cmdq_pkt_assign(pkt, CMDQ_GPR_BASE, 0xdeadbeef);
	err |= cmdq_pkt_logic_command(pkt, CMDQ_GPR_BASE + 1, &gpr0, CMDQ_LOGIC_ADD, &imm5);
	err |= cmdq_pkt_logic_command(pkt, 3, &imm5, CMDQ_LOGIC_ASSIGN, &gpr0);
	cmdq_st_int(st, "encode_ops_succeed", err, 0);
	cmdq_st_int(st, "finalize", cmdq_pkt_finalize(pkt), 0);
	cmdq_st_words(st, "encoding", pkt, 0, want, ARRAY_SIZE(want));
	cmdq_st_int(st, "finalize_idempotent", cmdq_pkt_finalize(pkt), 0);
	cmdq_st_int(st, "finalize_idempotent_count", cmdq_pkt_inst_count(pkt),
		    ARRAY_SIZE(want));
	cmdq_st_int(st, "append_after_finalize", cmdq_pkt_write(pkt, 0, &b1, 0), -EBUSY);

	/* a GCE may patch the final JUMP into an absolute jump (chaining) */
	((u64 *)pkt->va_base)[ARRAY_SIZE(want) - 1] = cmdq_inst(CMDQ_CODE_JUMP,
								CMDQ_JUMP_ABSOLUTE, 0x1000);
	cmdq_st_int(st, "patched_jump_finalize", cmdq_pkt_finalize(pkt), 0);
	cmdq_st_int(st, "patched_jump_count", cmdq_pkt_inst_count(pkt), ARRAY_SIZE(want));
	cmdq_st_int(st, "patched_jump_append", cmdq_pkt_jump(pkt, 8), -EBUSY);
}

static void cmdq_selftest_errors(struct cmdq_st *st, struct cmdq_pkt *pkt)
{
	struct cmdq_base b1 = { .subsys = 1, .base = 0x14000000 };
	struct cmdq_base b3 = { .subsys = 3, .base = 0x1402fff0 };
	struct cmdq_base bad_subsys = { .subsys = 2, .base = 0x14000000 };
	struct cmdq_operand reg4 = { .reg = true, .idx = 4 };
	struct cmdq_operand gpr15 = { .reg = true, .idx = CMDQ_GPR_BASE + 15 };
	struct cmdq_operand imm = { .reg = false, .value = 0xffff };
	struct cmdq_client client = { .thread = 0 };

	cmdq_st_int(st, "offset_unaligned", cmdq_pkt_write(pkt, 0, &b1, 2), -EINVAL);
	cmdq_st_int(st, "offset_window_end", cmdq_pkt_write(pkt, 0, &b1, 0x10000), -EINVAL);
	cmdq_st_int(st, "offset_window_last", cmdq_pkt_write(pkt, 0, &b3, 0xc), 0);
	cmdq_st_int(st, "offset_past_window", cmdq_pkt_write(pkt, 0, &b3, 0x10), -EINVAL);
	cmdq_st_int(st, "subsys_mismatch", cmdq_pkt_poll(pkt, 0, &bad_subsys, 0), -EINVAL);
	cmdq_st_int(st, "base_null", cmdq_pkt_write_mask(pkt, 0, NULL, 0, 1), -EINVAL);
	cmdq_st_int(st, "event_max", cmdq_pkt_wfe(pkt, CMDQ_MAX_EVENT), -EINVAL);
	cmdq_st_int(st, "event_last", cmdq_pkt_set_event(pkt, CMDQ_MAX_EVENT - 1), 0);
	cmdq_st_int(st, "event_negative", cmdq_pkt_clear_event(pkt, -1), -EINVAL);
	cmdq_st_int(st, "jump_zero", cmdq_pkt_jump(pkt, 0), -EINVAL);
	cmdq_st_int(st, "jump_unaligned", cmdq_pkt_jump(pkt, 12), -EINVAL);
	cmdq_st_int(st, "assign_spr4", cmdq_pkt_assign(pkt, 4, 0), -EINVAL);
	cmdq_st_int(st, "assign_gpr16", cmdq_pkt_assign(pkt, CMDQ_GPR_BASE + 16, 0), -EINVAL);
	cmdq_st_int(st, "logic_bad_left",
		    cmdq_pkt_logic_command(pkt, 0, &reg4, CMDQ_LOGIC_OR, &imm), -EINVAL);
	cmdq_st_int(st, "logic_bad_sop",
		    cmdq_pkt_logic_command(pkt, 0, &imm, 4, &gpr15), -EINVAL);
	cmdq_st_int(st, "logic_null",
		    cmdq_pkt_logic_command(pkt, 0, NULL, CMDQ_LOGIC_OR, &imm), -EINVAL);
	cmdq_st_int(st, "logic_bad_result",
		    cmdq_pkt_logic_command(pkt, 0x1f, &imm, CMDQ_LOGIC_OR, &imm), -EINVAL);
	cmdq_st_int(st, "errors_append_nothing", cmdq_pkt_inst_count(pkt), 2);

	set_bit(CMDQ_PKT_BUSY, &pkt->busy);
	cmdq_st_int(st, "busy_append", cmdq_pkt_assign(pkt, 0, 0), -EBUSY);
	cmdq_st_int(st, "busy_finalize", cmdq_pkt_finalize(pkt), -EBUSY);
	cmdq_st_int(st, "busy_flush", cmdq_pkt_flush_async(&client, pkt, NULL, NULL),
		    -EBUSY);
	clear_bit(CMDQ_PKT_BUSY, &pkt->busy);
	cmdq_st_int(st, "flush_null_client", cmdq_pkt_flush_async(NULL, pkt, NULL, NULL),
		    -EINVAL);
}

static void cmdq_selftest_growth(struct cmdq_st *st, struct cmdq_pkt *pkt)
{
	struct cmdq_base b1 = { .subsys = 1, .base = 0x14000000 };
	size_t max_ops = CMDQ_PKT_MAX_SIZE / CMDQ_INST_SIZE - 2;
	u64 last = 0x040100fc00000000ull;
	int err = 0;
	size_t i;

	for (i = 0; i < max_ops && !err; i++)
		err = cmdq_pkt_write(pkt, i, &b1, 0xfc);
	cmdq_st_int(st, "grow_to_max", err, 0);
	cmdq_st_int(st, "grow_buf_size", pkt->buf_size, CMDQ_PKT_MAX_SIZE);
	cmdq_st_int(st, "grow_full", cmdq_pkt_write(pkt, 0, &b1, 0), -ENOSPC);
	cmdq_st_int(st, "grow_full_two", cmdq_pkt_poll_mask(pkt, 0, &b1, 0, 1), -ENOSPC);
	last |= max_ops - 1;
	cmdq_st_words(st, "grow_last_write", pkt, max_ops - 1, &last, 1);
	cmdq_st_int(st, "grow_finalize", cmdq_pkt_finalize(pkt), 0);
	cmdq_st_int(st, "grow_finalized_count", cmdq_pkt_inst_count(pkt), max_ops + 2);
}

static int cmdq_selftest_show(struct seq_file *m, void *unused)
{
	static void (* const tests[])(struct cmdq_st *, struct cmdq_pkt *) = {
		cmdq_selftest_encoding,
		cmdq_selftest_errors,
		cmdq_selftest_growth,
	};
	struct cmdq_st st = { .m = m };
	struct cmdq_pkt *pkt;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		err = cmdq_pkt_create(&pkt);
		if (err)
			return err;
		tests[i](&st, pkt);
		cmdq_pkt_destroy(pkt);
	}
	seq_printf(m, "selftest: passed %u failed %u\n", st.pass, st.fail);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cmdq_selftest);

static int __init cmdq_helper_init(void)
{
	cmdq_debugfs_dir = debugfs_create_dir("cmdq_helper", NULL);
	debugfs_create_file("stats", 0444, cmdq_debugfs_dir, NULL, &cmdq_stats_fops);
	debugfs_create_file("finalize_burst", 0600, cmdq_debugfs_dir, NULL,
			    &cmdq_burst_fops);
	debugfs_create_file("selftest", 0400, cmdq_debugfs_dir, NULL,
			    &cmdq_selftest_fops);
	return 0;
}

static void __exit cmdq_helper_exit(void)
{
	debugfs_remove_recursive(cmdq_debugfs_dir);
	/* GCE drivers and clients use our symbols, so they are gone by now */
	WARN_ON(cmdq_gce.mbox || atomic_read(&cmdq_nr_clients));
}

module_init(cmdq_helper_init);
module_exit(cmdq_helper_exit);

MODULE_DESCRIPTION("MediaTek CMDQ helper: GCE command packets over a mailbox");
MODULE_LICENSE("GPL");
