// SPDX-License-Identifier: GPL-2.0
/*
 * gce_sim: the module. Its parameters, the platform device and driver (the
 * probe registers the mailbox controller and hooks into the helper), the
 * exported functions that concern the whole model, init and exit.
 * gce_sim_priv.h describes the model and its locking; each block of the
 * hardware has a file of its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/export.h>
#include <linux/hrtimer.h>
#include <linux/init.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mailbox_controller.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "gce_sim_priv.h"

unsigned int gce_inst_cost_ns = 100;
module_param_named(inst_cost_ns, gce_inst_cost_ns, uint, 0444);
MODULE_PARM_DESC(inst_cost_ns, "Simulated cost of one GCE instruction in ns (0: run at once)");

unsigned int gce_batch = 16;
module_param_named(batch, gce_batch, uint, 0444);
MODULE_PARM_DESC(batch, "Instructions per executor timer tick (1..1024)");

unsigned int gce_inst_limit = 1000000;
module_param_named(inst_limit, gce_inst_limit, uint, 0444);
MODULE_PARM_DESC(inst_limit, "Instructions one task may execute before an ERROR IRQ (1..1000000)");

unsigned int gce_poll_timeout_us = 100000;
module_param_named(poll_timeout_us, gce_poll_timeout_us, uint, 0444);
MODULE_PARM_DESC(poll_timeout_us, "POLL raises an ERROR IRQ after this long (0: never)");

static unsigned int pipes = 2;
module_param(pipes, uint, 0444);
MODULE_PARM_DESC(pipes, "Display pipes of the timing generator (1..3)");

static unsigned int hz = 60;
module_param(hz, uint, 0444);
MODULE_PARM_DESC(hz, "Refresh rate of every pipe (30..240)");

static unsigned int vblank_us;
module_param(vblank_us, uint, 0444);
MODULE_PARM_DESC(vblank_us, "Vertical blanking length in us (0: 10% of the frame)");

static bool enable = true;
module_param(enable, bool, 0444);
MODULE_PARM_DESC(enable, "Start the timing generator at load");

struct gce_sim *gs;

/* ---- platform driver ---------------------------------------------------- */

static int gce_probe(struct platform_device *pdev)
{
	int i, ret;

	gs->mbox.dev = &pdev->dev;
	gs->mbox.ops = &gce_chan_ops;
	gs->mbox.chans = gs->chans;
	gs->mbox.num_chans = GCE_THREADS;
	gs->mbox.txdone_irq = false;
	gs->mbox.txdone_poll = false;
	for (i = 0; i < GCE_THREADS; i++) {
		gs->chans[i].con_priv = &gs->thr[i];
		gs->thr[i].chan = &gs->chans[i];
	}
	ret = mbox_controller_register(&gs->mbox);
	if (ret)
		goto out;
	ret = cmdq_register_gce(&gs->mbox, &gce_ops);
	if (ret) {
		mbox_controller_unregister(&gs->mbox);
		goto out;
	}
	gs->probed = true;
out:
	gs->probe_err = ret;
	return ret;
}

static void gce_remove(struct platform_device *pdev)
{
	int i;

	if (!gs->probed)
		return;
	cmdq_unregister_gce(&gs->mbox);
	mbox_controller_unregister(&gs->mbox);
	for (i = 0; i < GCE_THREADS; i++)
		hrtimer_cancel(&gs->thr[i].timer);
	gs->probed = false;
}

#ifndef QLAT_PLATFORM_REMOVE_VOID
/* before 6.11 .remove returns int (Kbuild tests which) */
static int gce_remove_int(struct platform_device *pdev)
{
	gce_remove(pdev);
	return 0;
}
#endif

static struct platform_driver gce_driver = {
	.probe = gce_probe,
#ifdef QLAT_PLATFORM_REMOVE_VOID
	.remove = gce_remove,
#else
	.remove = gce_remove_int,
#endif
	.driver = {
		.name = "gce_sim",
		.suppress_bind_attrs = true,
	},
};

/* ---- exported API ------------------------------------------------------- */

/**
 * gce_sim_get_device() - the GCE model's platform device
 *
 * Return: the device that owns the mailbox controller, or NULL before probe.
 */
struct device *gce_sim_get_device(void)
{
	return gs && gs->probed ? &gs->pdev->dev : NULL;
}
EXPORT_SYMBOL_GPL(gce_sim_get_device);

/**
 * gce_sim_reset_stats() - zero every thread and pipe counter
 *
 * State (queues, registers, events, frame sequence numbers) is kept.
 */
void gce_sim_reset_stats(void)
{
	unsigned long flags;
	int i;

	for (i = 0; i < GCE_THREADS; i++) {
		struct gce_thread *t = &gs->thr[i];

		raw_spin_lock_irqsave(&t->lock, flags);
		memset(&t->st, 0, sizeof(t->st));
		t->st.last_pipe = -1;
		raw_spin_unlock_irqrestore(&t->lock, flags);
	}
	raw_spin_lock_irqsave(&gs->evt_lock, flags);
	for (i = 0; i < CMDQ_MAX_PIPES; i++) {
		gs->pipe[i].frames = 0;
		gs->pipe[i].eofs = 0;
		gs->pipe[i].misses = 0;
		gs->pipe[i].skipped = 0;
	}
	raw_spin_unlock_irqrestore(&gs->evt_lock, flags);
}
EXPORT_SYMBOL_GPL(gce_sim_reset_stats);

/* ---- module ------------------------------------------------------------- */

static int __init gce_sim_init(void)
{
	int i, ret;

	if (!gce_batch || gce_batch > GCE_MAX_BATCH || pipes < 1 || pipes > CMDQ_MAX_PIPES ||
	    hz < GCE_SIM_HZ_MIN || hz > GCE_SIM_HZ_MAX ||
	    !gce_inst_limit || gce_inst_limit > GCE_SIM_INST_LIMIT_MAX)
		return -EINVAL;

	gs = kzalloc(sizeof(*gs), GFP_KERNEL);
	if (!gs)
		return -ENOMEM;
	gs->regs = vzalloc(CMDQ_SUBSYS_COUNT * CMDQ_SUBSYS_SIZE);
	if (!gs->regs) {
		ret = -ENOMEM;
		goto err_free;
	}
	raw_spin_lock_init(&gs->evt_lock);
	mutex_init(&gs->cfg_lock);
	mutex_init(&gs->st_lock);
	gs->npipes = pipes;
	for (i = 0; i < GCE_THREADS; i++) {
		struct gce_thread *t = &gs->thr[i];

		raw_spin_lock_init(&t->lock);
		hrtimer_init(&t->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
		t->timer.function = gce_thread_timer;
		init_irq_work(&t->irq, gce_irq_handler);
		init_waitqueue_head(&t->irq_wq);
		INIT_LIST_HEAD(&t->tasks);
		t->id = i;
		t->wait_evt = -1;
		t->pipe = -1;
		t->st.last_pipe = -1;
	}
	for (i = 0; i < CMDQ_MAX_PIPES; i++) {
		struct gce_pipe *p = &gs->pipe[i];

		hrtimer_init(&p->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
		p->timer.function = gce_pipe_timer;
		p->id = i;
		p->hz = hz;
		p->vblank_us = vblank_us;
	}

	ret = platform_driver_register(&gce_driver);
	if (ret)
		goto err_free;
	gs->pdev = platform_device_register_simple("gce_sim", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(gs->pdev)) {
		ret = PTR_ERR(gs->pdev);
		goto err_driver;
	}
	if (!gs->probed) {
		ret = gs->probe_err ?: -ENODEV;
		goto err_device;
	}

	gce_debugfs_init();
	if (enable)
		gce_sim_set_enable(true);
	pr_info("%d threads, %u pipes at %u Hz, %u ns/instruction\n",
		GCE_THREADS, gs->npipes, hz, gce_inst_cost_ns);
	return 0;

err_device:
	platform_device_unregister(gs->pdev);
err_driver:
	platform_driver_unregister(&gce_driver);
err_free:
	vfree(gs->regs);
	kfree(gs);
	gs = NULL;
	return ret;
}

static void __exit gce_sim_exit(void)
{
	int i;

	debugfs_remove_recursive(gs->dbg);
	mutex_lock(&gs->cfg_lock);
	gce_tg_stop();
	gs->tg_enabled = false;
	mutex_unlock(&gs->cfg_lock);
	platform_device_unregister(gs->pdev);
	platform_driver_unregister(&gce_driver);
	for (i = 0; i < GCE_THREADS; i++) {
		hrtimer_cancel(&gs->thr[i].timer);
		irq_work_sync(&gs->thr[i].irq);
	}
	vfree(gs->regs);
	kfree(gs);
	gs = NULL;
}

module_init(gce_sim_init);
module_exit(gce_sim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Software model of the MediaTek GCE mailbox and a display timing generator");
MODULE_SOFTDEP("pre: cmdq_helper");
