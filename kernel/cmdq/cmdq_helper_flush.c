// SPDX-License-Identifier: GPL-2.0
/*
 * cmdq_helper: flush and abort (cmdq_helper_priv.h has the overview): the
 * GCE's registration, mailbox clients, the completion dispatcher,
 * synchronous and asynchronous flush, abort on timeout. The cmdq:*
 * tracepoints are created here.
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <cmdq/cmdq.h>
#include "cmdq_helper_priv.h"

#define CREATE_TRACE_POINTS
#include "cmdq_trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(cmdq_eoc_irq);
EXPORT_TRACEPOINT_SYMBOL_GPL(cmdq_vblank);

atomic_t cmdq_nr_clients = ATOMIC_INIT(0);

/* The one registered GCE controller; all fields under cmdq_gce_lock */
static DEFINE_MUTEX(cmdq_gce_lock);
struct cmdq_helper_gce cmdq_gce;

/*
 * What cmdq_mbox_create() hands out. The GCE driver's module is pinned for
 * the client's life, so @ops stays valid without holding cmdq_gce_lock.
 */
struct cmdq_client_priv {
	struct cmdq_client client;
	struct module *owner;
	const struct cmdq_gce_ops *ops;
};

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
		/* not queued: the packet is still ours, and was not flushed */
		pkt->flush_ns = 0;
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
 * packet after @timeout_ms, or the calling task gets a fatal signal while
 * it waits, the packet is aborted through the GCE's abort hook, which
 * guarantees that the engine no longer references it and that its
 * completion has been delivered (with -ETIMEDOUT or -EINTR) when it
 * returns; only then does this function return. So the packet is never in
 * flight after return, and its completion is delivered exactly once.
 *
 * Context: process context, may sleep.
 * Return: the status the GCE reported: 0, -ENOEXEC (GCE error IRQ),
 * -ECONNABORTED (channel shut down), -ETIMEDOUT (timed out and aborted),
 * -EINTR (aborted for a fatal signal; a packet that completes in the
 * window before the abort reports its own status instead); or a
 * submission error as for cmdq_pkt_flush_async().
 */
int cmdq_pkt_flush(struct cmdq_client *client, struct cmdq_pkt *pkt,
		   unsigned long timeout_ms)
{
	struct cmdq_flush_completion cmplt;
	long left;
	int err;

	might_sleep();
	if (!timeout_ms)
		timeout_ms = CMDQ_FLUSH_TIMEOUT_DEFAULT_MS;

	init_completion(&cmplt.done);
	cmplt.sta = -EINPROGRESS;
	err = cmdq_pkt_submit(client, pkt, cmdq_pkt_flush_cb, &cmplt, false);
	if (err)
		return err;

	left = wait_for_completion_killable_timeout(&cmplt.done, msecs_to_jiffies(timeout_ms));
	if (left <= 0) {
		cmdq_gce_abort(client, pkt, left ? -EINTR : -ETIMEDOUT);
		/* delivered by the abort (or by the GCE just before it) */
		wait_for_completion(&cmplt.done);
		/* a timeout only if the abort, not the GCE, ended the packet */
		if (cmplt.sta == -ETIMEDOUT)
			cmdq_stat_inc(CMDQ_STAT_SYNC_TIMEOUTS);
	}
	return cmplt.sta;
}
EXPORT_SYMBOL_GPL(cmdq_pkt_flush);
