/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmdq_dev.ko: /dev/cmdq, a misc device that lets userspace build GCE
 * command packets from a validated list of ops (or from raw instruction
 * words, to fuzz the engine), flush them synchronously or asynchronously on
 * a GCE thread of gce_sim.ko through the cmdq_helper.ko API, and read back
 * encoded words, the emulated register file, events and every counter. The
 * ABI is include/uapi/linux/cmdq.h; docs/cmdq.md is the reference.
 *
 * Each open file binds to one GCE thread (CMDQ_IOC_BIND, or the first free
 * thread at the first SUBMIT) through cmdq_mbox_create(). Async packets get
 * a ticket; their completions are queued on the file and reaped with
 * CMDQ_IOC_WAIT, and poll() reports EPOLLIN while one is waiting. Closing
 * the file (or CMDQ_IOC_UNBIND) frees the channel, which makes the GCE
 * abort the packets still queued with -ECONNABORTED before it returns, so
 * release frees everything with no packet left in flight.
 *
 * Files:
 *   cmdq_dev_ops.c    ops: validation and encoding into a packet; BUILD
 *   cmdq_dev_file.c   per-file state, BIND/UNBIND, SUBMIT, WAIT, the file
 *                     operations and the module
 *   cmdq_dev_query.c  REGS, EVENT, INFO and STATS (the helper's, this
 *                     device's, the frame client's and the model's counters)
 *
 * Private to cmdq_dev.ko.
 */
#ifndef _CMDQ_DEV_PRIV_H
#define _CMDQ_DEV_PRIV_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <cmdq/cmdq.h>
#include <uapi/linux/cmdq.h>

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

extern atomic64_t cmdq_dev_stats[DS_NR];

static inline void ds_inc(enum cmdq_dev_stat i)
{
	atomic64_inc(&cmdq_dev_stats[i]);
}

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

/* cmdq_dev_ops.c */
struct cmdq_pkt *cmdq_dev_build(u64 udata, u32 count, bool raw, u32 *error_index);
long cmdq_dev_build_ioctl(struct cmdq_ioc_build __user *ub);

/* cmdq_dev_query.c */
long cmdq_dev_regs(struct cmdq_ioc_regs __user *ur);
long cmdq_dev_event(struct cmdq_ioc_event __user *ue);
long cmdq_dev_info(struct cmdq_dev_file *f, struct cmdq_ioc_info __user *ui);
long cmdq_dev_stats_ioctl(void __user *arg);

#endif /* _CMDQ_DEV_PRIV_H */
