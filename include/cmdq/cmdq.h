/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CMDQ helper: build GCE command packets and flush them through a mailbox.
 *
 * This is the in-kernel client API of the MediaTek CMDQ helper
 * (seed: "soc: mediatek: Add Mediatek CMDQ helper", v18) plus the
 * operations upstream added later (poll, set/acquire event, jump,
 * logic/assign). It lives under include/cmdq/ rather than
 * include/linux/soc/mediatek/mtk-cmdq.h because distribution kernel
 * headers ship a different header under that name.
 *
 * The GCE engine behind the mailbox is modelled in software by gce_sim.ko.
 */
#ifndef __QLAT_CMDQ_H__
#define __QLAT_CMDQ_H__

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mailbox_client.h>
#include <linux/mailbox_controller.h>
#include <linux/types.h>

/* Instruction layout: ((u64)((op << 24) | arg_a) << 32) | arg_b */
#define CMDQ_INST_SIZE		8
#define CMDQ_OP_CODE_SHIFT	24
#define CMDQ_SUBSYS_SHIFT	16

/* GCE op codes */
enum cmdq_code {
	CMDQ_CODE_MASK = 0x02,
	CMDQ_CODE_WRITE = 0x04,
	CMDQ_CODE_POLL = 0x08,
	CMDQ_CODE_JUMP = 0x10,
	CMDQ_CODE_WFE = 0x20,
	CMDQ_CODE_EOC = 0x40,
	CMDQ_CODE_LOGIC = 0xa0,
};

/* WFE arg_b bits */
#define CMDQ_WFE_UPDATE		BIT(31)
#define CMDQ_WFE_UPDATE_VALUE	BIT(16)
#define CMDQ_WFE_WAIT		BIT(15)
#define CMDQ_WFE_WAIT_VALUE	0x1

#define CMDQ_EOC_IRQ_EN		BIT(0)
/*
 * JUMP operands, relative offsets and absolute addresses alike, are byte
 * values shifted right by CMDQ_SHIFT_PA. One GCE generation is modelled,
 * the seed's MT8173: no shift (MT8183 and later shift both by 3, the
 * mailbox driver's shift_pa).
 */
#define CMDQ_SHIFT_PA		0
/* relative jump to the next instruction, in bytes */
#define CMDQ_JUMP_PASS		CMDQ_INST_SIZE
#define CMDQ_JUMP_ABSOLUTE	BIT(0)		/* arg_a bit 0 of a JUMP */
#define CMDQ_WRITE_ENABLE_MASK	BIT(0)		/* offset bit 0: apply the MASK */

/*
 * Packet buffer: starts at PAGE_SIZE and doubles up to CMDQ_PKT_MAX_SIZE.
 * The last two slots are reserved for cmdq_pkt_finalize(), so an append
 * that would leave no room for EOC + JUMP fails with -ENOSPC.
 */
#define CMDQ_PKT_MAX_SIZE	(1024 * 1024)
/* cmdq_pkt_flush() with timeout_ms == 0 waits this long */
#define CMDQ_FLUSH_TIMEOUT_DEFAULT_MS	1000

#define CMDQ_EOC_CMD	((u64)(CMDQ_CODE_EOC << CMDQ_OP_CODE_SHIFT) << 32 | CMDQ_EOC_IRQ_EN)
#define CMDQ_JUMP_PASS_CMD \
	((u64)(CMDQ_CODE_JUMP << CMDQ_OP_CODE_SHIFT) << 32 | (CMDQ_JUMP_PASS >> CMDQ_SHIFT_PA))

/* GCE geometry */
#define CMDQ_THR_MAX_COUNT	16
#define CMDQ_MAX_EVENT		1024	/* size of the hardware event table */
#define CMDQ_SUBSYS_COUNT	3	/* subsys 1..3 -> 0x1400xxxx..0x1402xxxx */
#define CMDQ_SUBSYS_SIZE	0x10000
#define CMDQ_SUBSYS_BASE(id)	(0x14000000u + ((u32)((id) - 1) << 16))

/* LOGIC: register types and operators (upstream encoding) */
#define CMDQ_THR_SPR_MAX	4	/* per-thread SPR0..SPR3 */
#define CMDQ_GPR_BASE		0x20	/* GPR R0.. at register index 0x20 */
#define CMDQ_GPR_MAX		16
#define CMDQ_LOGIC_SOP_SHIFT	0	/* in the subsys byte: sop[4:0] */
#define CMDQ_LOGIC_ARG_C_T	BIT(5)
#define CMDQ_LOGIC_SRC_T	BIT(6)
#define CMDQ_LOGIC_DST_T	BIT(7)

enum cmdq_logic_op {
	CMDQ_LOGIC_ASSIGN = 0,
	CMDQ_LOGIC_ADD = 1,
	CMDQ_LOGIC_SUBTRACT = 2,
	CMDQ_LOGIC_MULTIPLY = 3,
	CMDQ_LOGIC_XOR = 8,
	CMDQ_LOGIC_NOT = 9,
	CMDQ_LOGIC_OR = 10,
	CMDQ_LOGIC_AND = 11,
	CMDQ_LOGIC_LEFT_SHIFT = 12,
	CMDQ_LOGIC_RIGHT_SHIFT = 13,
};

/**
 * struct cmdq_operand - an operand of cmdq_pkt_logic_command()
 * @reg: true when @idx names a register, false when @value is an immediate
 * @idx: register index (SPR 0..3 or GPR %CMDQ_GPR_BASE + n)
 * @value: 16-bit immediate
 */
struct cmdq_operand {
	bool reg;
	union {
		u16 idx;
		u16 value;
	};
};

/*
 * Display events (MT8173 numbering). The enum values are the hardware
 * event numbers, so any event below CMDQ_MAX_EVENT is valid.
 */
enum cmdq_event {
	CMDQ_EVENT_DISP_OVL0_SOF = 11,
	CMDQ_EVENT_DISP_OVL1_SOF = 12,
	CMDQ_EVENT_DISP_RDMA0_SOF = 13,
	CMDQ_EVENT_DISP_RDMA1_SOF = 14,
	CMDQ_EVENT_DISP_RDMA2_SOF = 15,
	CMDQ_EVENT_DISP_WDMA0_SOF = 16,
	CMDQ_EVENT_DISP_WDMA1_SOF = 17,
	CMDQ_EVENT_DISP_OVL0_EOF = 39,
	CMDQ_EVENT_DISP_OVL1_EOF = 40,
	CMDQ_EVENT_DISP_RDMA0_EOF = 41,
	CMDQ_EVENT_DISP_RDMA1_EOF = 42,
	CMDQ_EVENT_DISP_RDMA2_EOF = 43,
	CMDQ_EVENT_DISP_WDMA0_EOF = 44,
	CMDQ_EVENT_DISP_WDMA1_EOF = 45,
	CMDQ_EVENT_MUTEX0_STREAM_EOF = 53,
	CMDQ_EVENT_MUTEX1_STREAM_EOF = 54,
	CMDQ_EVENT_MUTEX2_STREAM_EOF = 55,
	CMDQ_EVENT_MUTEX3_STREAM_EOF = 56,
	CMDQ_EVENT_MUTEX4_STREAM_EOF = 57,
	CMDQ_EVENT_DISP_RDMA0_UNDERRUN = 63,
	CMDQ_EVENT_DISP_RDMA1_UNDERRUN = 64,
	CMDQ_EVENT_DISP_RDMA2_UNDERRUN = 65,
};

/* Display pipe p (0..CMDQ_MAX_PIPES-1) of the timing generator */
#define CMDQ_MAX_PIPES		3
#define CMDQ_PIPE_SOF(p)	(CMDQ_EVENT_DISP_RDMA0_SOF + (p))
#define CMDQ_PIPE_EOF(p)	(CMDQ_EVENT_MUTEX0_STREAM_EOF + (p))
#define CMDQ_PIPE_UNDERRUN(p)	(CMDQ_EVENT_DISP_RDMA0_UNDERRUN + (p))

struct cmdq_pkt;

/**
 * struct cmdq_cb_data - status handed to a flush callback
 * @sta: 0 on EOC, -ENOEXEC on a GCE error IRQ, -ECONNABORTED when the
 *	 channel shut down, -ETIMEDOUT when a synchronous flush timed out
 * @pkt: the packet
 * @data: the cookie given to cmdq_pkt_flush_async()
 */
struct cmdq_cb_data {
	int sta;
	struct cmdq_pkt *pkt;
	void *data;
};

typedef void (*cmdq_async_flush_cb)(struct cmdq_cb_data data);

/**
 * struct cmdq_base - a client's register window mapped to a GCE subsys
 * @subsys: GCE subsys id (1..CMDQ_SUBSYS_COUNT)
 * @base: physical base address of the window
 */
struct cmdq_base {
	int subsys;
	u32 base;
};

/**
 * struct cmdq_client - a mailbox client bound to one GCE thread
 * @client: mailbox client
 * @chan: the bound channel; its index is the GCE thread
 * @thread: GCE thread number
 */
struct cmdq_client {
	struct mbox_client client;
	struct mbox_chan *chan;
	int thread;
};

/**
 * struct cmdq_pkt - a GCE command packet
 * @va_base: instruction buffer
 * @pa_base: bus address of @va_base, set at flush (the GCE jumps to it)
 * @cmd_buf_size: bytes of instructions in use
 * @buf_size: bytes allocated
 * @id: packet id, unique while the helper is loaded; used in tracepoints
 * @cb: flush callback
 * @cb_data: cookie for @cb
 * @cl: the client the packet was last flushed to
 * @flush_ns: CLOCK_MONOTONIC time of the last flush; 0 if it never reached
 *	the GCE (the mailbox refused it)
 * @eoc_ns: CLOCK_MONOTONIC time of the last EOC or error IRQ
 * @busy: set while the packet is owned by the GCE
 * @node: owned by the controller while @busy
 * @priv: owned by the controller while @busy
 */
struct cmdq_pkt {
	void *va_base;
	dma_addr_t pa_base;
	size_t cmd_buf_size;
	size_t buf_size;
	u32 id;
	cmdq_async_flush_cb cb;
	void *cb_data;
	struct cmdq_client *cl;
	u64 flush_ns;
	u64 eoc_ns;
	unsigned long busy;
	struct list_head node;
	void *priv;
};

/*
 * Bit of cmdq_pkt.busy: set by the flush functions, cleared with release
 * semantics just before the flush callback runs. Test it with
 * test_bit_acquire() before reusing or freeing a packet.
 */
#define CMDQ_PKT_BUSY		0

static inline size_t cmdq_pkt_inst_count(const struct cmdq_pkt *pkt)
{
	return pkt->cmd_buf_size / CMDQ_INST_SIZE;
}

/**
 * struct cmdq_gce_ops - hooks a GCE controller gives the helper
 * @abort: withdraw @pkt from @chan. On return the engine no longer
 *	   references @pkt and its callback has been delivered exactly once
 *	   (with @sta if the packet had not completed yet). Returns 0, or
 *	   -ENOENT if @pkt was not queued on @chan.
 */
struct cmdq_gce_ops {
	int (*abort)(struct mbox_chan *chan, struct cmdq_pkt *pkt, int sta);
};

/*
 * Controller side: publish a GCE so that cmdq_mbox_create() can find it
 * (there is no device tree to look it up in). The controller reports a
 * finished packet with mbox_chan_received_data(chan, &struct cmdq_cb_data),
 * after setting pkt->eoc_ns and firing trace_cmdq_eoc_irq().
 */
int cmdq_register_gce(struct mbox_controller *mbox, const struct cmdq_gce_ops *ops);
void cmdq_unregister_gce(struct mbox_controller *mbox);

/* Client side: the seed API */
struct cmdq_base *cmdq_register_device(struct device *dev, u32 base);
struct cmdq_client *cmdq_mbox_create(struct device *dev, int index);
void cmdq_mbox_destroy(struct cmdq_client *client);
int cmdq_pkt_create(struct cmdq_pkt **pkt_ptr);
void cmdq_pkt_destroy(struct cmdq_pkt *pkt);
int cmdq_pkt_write(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base, u32 offset);
int cmdq_pkt_write_mask(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base,
			u32 offset, u32 mask);
int cmdq_pkt_wfe(struct cmdq_pkt *pkt, enum cmdq_event event);
int cmdq_pkt_clear_event(struct cmdq_pkt *pkt, enum cmdq_event event);
int cmdq_pkt_finalize(struct cmdq_pkt *pkt);
int cmdq_pkt_flush(struct cmdq_client *client, struct cmdq_pkt *pkt,
		   unsigned long timeout_ms);
int cmdq_pkt_flush_async(struct cmdq_client *client, struct cmdq_pkt *pkt,
			 cmdq_async_flush_cb cb, void *data);

/* Upstream additions */
int cmdq_pkt_poll(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base, u32 offset);
int cmdq_pkt_poll_mask(struct cmdq_pkt *pkt, u32 value, struct cmdq_base *base,
		       u32 offset, u32 mask);
int cmdq_pkt_set_event(struct cmdq_pkt *pkt, enum cmdq_event event);
int cmdq_pkt_acquire_event(struct cmdq_pkt *pkt, enum cmdq_event event);
int cmdq_pkt_jump(struct cmdq_pkt *pkt, s32 rel_bytes);
int cmdq_pkt_assign(struct cmdq_pkt *pkt, u16 reg_idx, u32 value);
int cmdq_pkt_logic_command(struct cmdq_pkt *pkt, u16 result_reg,
			   struct cmdq_operand *left, enum cmdq_logic_op op,
			   struct cmdq_operand *right);

/**
 * struct cmdq_helper_stats - counters of cmdq_helper.ko (all monotonic
 *	except @clients and @gce_registered); also in debugfs
 *	cmdq_helper/stats as "name value" lines with the same names
 * @pkt_created: cmdq_pkt_create() successes
 * @pkt_destroyed: packets freed by cmdq_pkt_destroy()
 * @pkt_leaked: cmdq_pkt_destroy() on an in-flight packet (leaked)
 * @pkt_finalized: finalizations that appended EOC + JUMP
 *	(= cmdq:cmdq_pkt_finalize events)
 * @flush_sync: cmdq_pkt_flush() submissions (cmdq:cmdq_pkt_flush async=0)
 * @flush_async: cmdq_pkt_flush_async() submissions (async=1)
 * @send_errors: submissions the mailbox refused (included in flush_*)
 * @cb_delivered: completions dispatched (= cmdq:cmdq_pkt_cb events)
 * @cb_ok: completions with status 0
 * @cb_enoexec: completions with -ENOEXEC
 * @cb_econnaborted: completions with -ECONNABORTED
 * @cb_etimedout: completions with -ETIMEDOUT
 * @cb_other: completions with any other status
 * @sync_timeouts: cmdq_pkt_flush() calls that timed out and returned
 *	-ETIMEDOUT (the abort ended the packet, not the GCE racing it)
 * @clients: mailbox clients currently bound
 * @gce_registered: 1 while a GCE controller is registered
 */
struct cmdq_helper_stats {
	u64 pkt_created;
	u64 pkt_destroyed;
	u64 pkt_leaked;
	u64 pkt_finalized;
	u64 flush_sync;
	u64 flush_async;
	u64 send_errors;
	u64 cb_delivered;
	u64 cb_ok;
	u64 cb_enoexec;
	u64 cb_econnaborted;
	u64 cb_etimedout;
	u64 cb_other;
	u64 sync_timeouts;
	u64 clients;
	u64 gce_registered;
};

void cmdq_helper_get_stats(struct cmdq_helper_stats *stats);

#endif /* __QLAT_CMDQ_H__ */
