// SPDX-License-Identifier: GPL-2.0
/*
 * gce_sim: the self-test, run by a write to debugfs "selftest" (the
 * comment below says what it covers).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "gce_sim_priv.h"

/*
 * debugfs "selftest": binds clients to threads 9..15 through the helper,
 * drives packets through the engine and checks registers (subsys 3,
 * 0x1402f000..0x1402f2ff), GPRs 0..3, events 900..912,
 * statuses, chaining, abort, shutdown, faults and (when the timing
 * generator runs) a deadline hit and a forced miss on pipe 0.
 */
#define GCE_ST_THR	15
#define GCE_ST_BASE	(CMDQ_SUBSYS_BASE(3) + 0xf000)
#define GCE_ST_EVT	900
#define GCE_ST_MAX_PKT	48
#define GCE_ST_REFLUSH	100
#define GCE_SX_FRAME_THR	9	/* stress: frame loops on threads 9..12 */
#define GCE_SX_FRAME_N		4
#define GCE_SX_PKTS		(2 * GCE_SX_FRAME_N + 2)
#define GCE_SX_MS		1000

struct gce_st;

struct gce_st_rec {
	struct gce_st *st;
	int idx;
};

struct gce_st {
	u32 pass;
	u32 fail;
	struct cmdq_client *cl[3];
	struct cmdq_base base;
	struct cmdq_pkt *pkt[GCE_ST_MAX_PKT];
	struct gce_st_rec rec[GCE_ST_MAX_PKT];
	int npkt;
	spinlock_t lock;	/* order, sta, n */
	int order[GCE_ST_MAX_PKT];
	int sta[GCE_ST_MAX_PKT];
	int n;
	int expect;
	struct completion all;
	int reflush_left;
	/* stress */
	struct gce_sx {
		struct gce_st *st;
		struct cmdq_client *cl;
		struct cmdq_pkt *pkt;
		u32 ok;
		u32 bad;
	} sx[GCE_SX_PKTS];
	bool sx_stop;
	atomic_t sx_inflight;
	struct completion sx_done;
	/* counters before the stress (here, not on a debug kernel's stack) */
	struct gce_sim_thread_stats sx_thr[6];
	struct gce_sim_pipe_stats sx_pipe[CMDQ_MAX_PIPES];
};

static void gce_st_check(struct gce_st *st, bool ok, const char *what, int line)
{
	if (ok) {
		st->pass++;
		return;
	}
	st->fail++;
	pr_err("selftest: FAIL line %d: %s\n", line, what);
}

#define ST_CHECK(st, cond) gce_st_check(st, cond, #cond, __LINE__)

static u32 gce_st_reg(int i)
{
	u32 v = 0;

	gce_sim_read_reg(GCE_ST_BASE + i * 4, &v);
	return v;
}

static void gce_st_cb(struct cmdq_cb_data data)
{
	struct gce_st_rec *r = data.data;
	struct gce_st *st = r->st;
	unsigned long flags;

	spin_lock_irqsave(&st->lock, flags);
	st->sta[r->idx] = data.sta;
	if (st->n < GCE_ST_MAX_PKT)
		st->order[st->n++] = r->idx;
	if (st->n == st->expect)
		complete(&st->all);
	spin_unlock_irqrestore(&st->lock, flags);
}

/* re-flushes its packet from the completion callback (the IRQ handler) */
static void gce_st_reflush_cb(struct cmdq_cb_data data)
{
	struct gce_st_rec *r = data.data;
	struct gce_st *st = r->st;

	if (data.sta || --st->reflush_left <= 0 ||
	    cmdq_pkt_flush_async(st->cl[0], data.pkt, gce_st_reflush_cb, r)) {
		st->sta[r->idx] = data.sta;
		complete(&st->all);
	}
}

static struct cmdq_pkt *gce_st_pkt(struct gce_st *st)
{
	struct cmdq_pkt *pkt = NULL;

	if (st->npkt == GCE_ST_MAX_PKT || cmdq_pkt_create(&pkt)) {
		ST_CHECK(st, !"cmdq_pkt_create");
		return NULL;
	}
	st->rec[st->npkt].st = st;
	st->rec[st->npkt].idx = st->npkt;
	st->pkt[st->npkt++] = pkt;
	return pkt;
}

static struct gce_st_rec *gce_st_rec_of(struct gce_st *st, struct cmdq_pkt *pkt)
{
	int i;

	for (i = 0; i < st->npkt; i++)
		if (st->pkt[i] == pkt)
			return &st->rec[i];
	return NULL;
}

static void gce_st_expect(struct gce_st *st, int n)
{
	reinit_completion(&st->all);
	spin_lock_irq(&st->lock);
	st->n = 0;
	st->expect = n;
	spin_unlock_irq(&st->lock);
}

static bool gce_st_wait(struct gce_st *st)
{
	return wait_for_completion_timeout(&st->all, msecs_to_jiffies(3000)) != 0;
}

static int gce_st_async(struct gce_st *st, int cl, struct cmdq_pkt *pkt)
{
	return cmdq_pkt_flush_async(st->cl[cl], pkt, gce_st_cb, gce_st_rec_of(st, pkt));
}

/* append a raw instruction (tests only; the buffer has room) */
static void gce_st_raw(struct cmdq_pkt *pkt, u8 op, u32 a, u32 b)
{
	*(u64 *)(pkt->va_base + pkt->cmd_buf_size) = (u64)((u32)op << 24 | a) << 32 | b;
	pkt->cmd_buf_size += CMDQ_INST_SIZE;
}

static void gce_st_thread(struct gce_st *st, int thr, struct gce_sim_thread_stats *ts)
{
	gce_sim_get_thread_stats(thr, ts);
}

static void gce_st_basic(struct gce_st *st)
{
	struct cmdq_operand one = { .reg = false, .value = 1 };
	struct cmdq_operand g0 = { .reg = true, .idx = CMDQ_GPR_BASE };
	struct cmdq_operand g1 = { .reg = true, .idx = CMDQ_GPR_BASE + 1 };
	struct cmdq_operand s31 = { .reg = false, .value = 31 };
	struct cmdq_operand s0 = { .reg = true, .idx = 0 };
	struct gce_sim_thread_stats a, b;
	struct cmdq_pkt *pkt = gce_st_pkt(st);
	u32 v = 0;

	if (!pkt)
		return;
	gce_sim_write_reg(GCE_ST_BASE + 4, 0xffff0000);
	gce_sim_set_event(GCE_ST_EVT, 0);
	ST_CHECK(st, !cmdq_pkt_write(pkt, 0x11111111, &st->base, 0));
	ST_CHECK(st, !cmdq_pkt_write_mask(pkt, 0x1234, &st->base, 4, 0xff));
	ST_CHECK(st, !cmdq_pkt_poll(pkt, 0x11111111, &st->base, 0));
	ST_CHECK(st, !cmdq_pkt_poll_mask(pkt, 0x34, &st->base, 4, 0xff));
	ST_CHECK(st, !cmdq_pkt_assign(pkt, CMDQ_GPR_BASE, 0xdeadbeef));
	ST_CHECK(st, !cmdq_pkt_logic_command(pkt, CMDQ_GPR_BASE + 1, &g0, CMDQ_LOGIC_ADD, &one));
	ST_CHECK(st, !cmdq_pkt_logic_command(pkt, CMDQ_GPR_BASE + 2, &g1, CMDQ_LOGIC_XOR, &g0));
	ST_CHECK(st, !cmdq_pkt_logic_command(pkt, 0, &one, CMDQ_LOGIC_LEFT_SHIFT, &s31));
	ST_CHECK(st, !cmdq_pkt_logic_command(pkt, CMDQ_GPR_BASE + 3, &s0, CMDQ_LOGIC_NOT, &one));
	ST_CHECK(st, !cmdq_pkt_set_event(pkt, GCE_ST_EVT));
	gce_st_thread(st, GCE_ST_THR, &b);
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], pkt, 1000) == 0);
	gce_st_thread(st, GCE_ST_THR, &a);
	ST_CHECK(st, gce_st_reg(0) == 0x11111111);
	ST_CHECK(st, gce_st_reg(1) == 0xffff0034);
	gce_sim_read_gpr(0, &v);
	ST_CHECK(st, v == 0xdeadbeef);
	gce_sim_read_gpr(1, &v);
	ST_CHECK(st, v == 0xdeadbef0);
	gce_sim_read_gpr(2, &v);
	ST_CHECK(st, v == (0xdeadbef0 ^ 0xdeadbeef));
	gce_sim_read_spr(GCE_ST_THR, 0, &v);
	ST_CHECK(st, v == 0x80000000);
	gce_sim_read_gpr(3, &v);
	ST_CHECK(st, v == 0x7fffffff);
	gce_sim_get_event(GCE_ST_EVT, &v);
	ST_CHECK(st, v == 1);
	ST_CHECK(st, a.done == b.done + 1 && a.submitted == b.submitted + 1);
	/* everything but the final JUMP executes */
	ST_CHECK(st, a.last_inst == cmdq_pkt_inst_count(pkt) - 1);
	ST_CHECK(st, a.last_pipe == -1 && !a.last_missed && pkt->eoc_ns >= pkt->flush_ns);
	/* the same finalized packet can be flushed again */
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], pkt, 1000) == 0);
}

/* chaining, completion order, JUMP patching and restore */
static void gce_st_chain(struct gce_st *st)
{
	struct gce_sim_thread_stats a, b;
	struct cmdq_pkt *p[4];
	int i, ok = 1;
	u64 w;

	gce_sim_set_event(GCE_ST_EVT + 1, 0);
	for (i = 0; i < 4; i++) {
		p[i] = gce_st_pkt(st);
		if (!p[i])
			return;
		if (!i)
			ST_CHECK(st, !cmdq_pkt_wfe(p[i], GCE_ST_EVT + 1));
		ST_CHECK(st, !cmdq_pkt_write(p[i], i, &st->base, 8));
	}
	gce_st_thread(st, GCE_ST_THR, &b);
	gce_st_expect(st, 4);
	for (i = 0; i < 4; i++)
		ST_CHECK(st, !gce_st_async(st, 0, p[i]));
	for (i = 0; i < 1000; i++) {	/* until the first batch ran */
		gce_st_thread(st, GCE_ST_THR, &a);
		if (a.state == GCE_SIM_THR_WAIT)
			break;
		usleep_range(100, 200);
	}
	ST_CHECK(st, a.queued == 4 && a.state == GCE_SIM_THR_WAIT &&
		 a.wait_event == GCE_ST_EVT + 1);
	ST_CHECK(st, a.chained == b.chained + 3);
	for (i = 0; i < 3; i++) {
		w = *(u64 *)(p[i]->va_base + p[i]->cmd_buf_size - 8);
		ok &= w == GCE_JUMP_ABS_CMD(p[i + 1]->pa_base);
		/* the seed's (MT8173) form: CMDQ_JUMP_BY_PA << 32 | pa, unshifted */
		ok &= w == (0x10000001ULL << 32 | lower_32_bits(p[i + 1]->pa_base));
	}
	ST_CHECK(st, ok);
	gce_sim_set_event(GCE_ST_EVT + 1, 1);
	ST_CHECK(st, gce_st_wait(st));
	/* completion order = submission order; patched slots restored */
	for (i = 0, ok = 1; i < 4; i++) {
		ok &= st->order[i] == gce_st_rec_of(st, p[i])->idx;
		ok &= !st->sta[gce_st_rec_of(st, p[i])->idx];
		ok &= *(u64 *)(p[i]->va_base + p[i]->cmd_buf_size - 8) == CMDQ_JUMP_PASS_CMD;
	}
	ST_CHECK(st, ok);
	ST_CHECK(st, gce_st_reg(2) == 3);
	gce_st_thread(st, GCE_ST_THR, &a);
	ST_CHECK(st, a.chain_errors == 0 && a.queued == 0 && a.done == b.done + 4);
}

/* abort of a chained, then of the running packet; sync flush timeout */
static void gce_st_abort(struct gce_st *st)
{
	struct mbox_chan *chan = st->cl[0]->chan;
	struct cmdq_pkt *p[3], *q;
	struct gce_sim_thread_stats a, b;
	int i;

	gce_sim_set_event(GCE_ST_EVT + 2, 0);
	gce_sim_write_reg(GCE_ST_BASE + 16, 0);
	gce_sim_write_reg(GCE_ST_BASE + 20, 0);
	for (i = 0; i < 3; i++) {
		p[i] = gce_st_pkt(st);
		if (!p[i])
			return;
	}
	ST_CHECK(st, !cmdq_pkt_wfe(p[0], GCE_ST_EVT + 2));
	ST_CHECK(st, !cmdq_pkt_write(p[1], 1, &st->base, 16));
	ST_CHECK(st, !cmdq_pkt_write(p[2], 2, &st->base, 20));
	gce_st_thread(st, GCE_ST_THR, &b);
	gce_st_expect(st, 3);
	for (i = 0; i < 3; i++)
		ST_CHECK(st, !gce_st_async(st, 0, p[i]));
	ST_CHECK(st, gce_abort(chan, p[1], -ECANCELED) == 0);
	ST_CHECK(st, gce_abort(chan, p[1], -ECANCELED) == -ENOENT);
	ST_CHECK(st, *(u64 *)(p[0]->va_base + p[0]->cmd_buf_size - 8) ==
		 GCE_JUMP_ABS_CMD(p[2]->pa_base));
	gce_sim_set_event(GCE_ST_EVT + 2, 1);
	ST_CHECK(st, gce_st_wait(st));
	ST_CHECK(st, st->order[0] == gce_st_rec_of(st, p[1])->idx &&
		 st->order[1] == gce_st_rec_of(st, p[0])->idx &&
		 st->order[2] == gce_st_rec_of(st, p[2])->idx);
	ST_CHECK(st, st->sta[gce_st_rec_of(st, p[1])->idx] == -ECANCELED &&
		 !st->sta[gce_st_rec_of(st, p[0])->idx] && !st->sta[gce_st_rec_of(st, p[2])->idx]);
	ST_CHECK(st, gce_st_reg(4) == 0 && gce_st_reg(5) == 2);
	gce_st_thread(st, GCE_ST_THR, &a);
	ST_CHECK(st, a.aborted == b.aborted + 1 && a.done == b.done + 2 && !a.chain_errors);

	/* abort the running (waiting) packet */
	q = gce_st_pkt(st);
	if (!q)
		return;
	gce_sim_set_event(GCE_ST_EVT + 3, 0);
	ST_CHECK(st, !cmdq_pkt_wfe(q, GCE_ST_EVT + 3));
	gce_st_expect(st, 1);
	ST_CHECK(st, !gce_st_async(st, 0, q));
	ST_CHECK(st, gce_abort(chan, q, -ETIMEDOUT) == 0);
	ST_CHECK(st, gce_st_wait(st) && st->sta[gce_st_rec_of(st, q)->idx] == -ETIMEDOUT);
	gce_st_thread(st, GCE_ST_THR, &a);
	ST_CHECK(st, a.state == GCE_SIM_THR_IDLE && a.wait_event == -1 && a.queued == 0);
	/* synchronous flush timeout: the helper aborts through ops.abort */
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], q, 50) == -ETIMEDOUT);
	gce_st_thread(st, GCE_ST_THR, &a);
	ST_CHECK(st, a.last_status == -ETIMEDOUT && a.queued == 0);
}

static const struct {
	u8 op;
	u32 a;
	u32 b;
	u32 err;
} gce_st_bad[] = {
	{ 0xff, 0, 0, GCE_SIM_ERR_OPCODE },
	{ 0x00, 0, 0, GCE_SIM_ERR_OPCODE },
	{ CMDQ_CODE_WRITE, 0x0000010, 1, GCE_SIM_ERR_OPERAND },	/* subsys 0 */
	{ CMDQ_CODE_WRITE, 0x0040010, 1, GCE_SIM_ERR_OPERAND },	/* subsys 4 */
	{ CMDQ_CODE_WRITE, 0x0030012, 1, GCE_SIM_ERR_OPERAND },	/* misaligned */
	{ CMDQ_CODE_WFE, 1024, CMDQ_WFE_UPDATE, GCE_SIM_ERR_OPERAND },
	{ CMDQ_CODE_LOGIC, (CMDQ_LOGIC_DST_T | 5) << 16 | 0x20, 0, GCE_SIM_ERR_OPERAND },
	{ CMDQ_CODE_LOGIC, CMDQ_LOGIC_DST_T << 16 | 0x10, 0, GCE_SIM_ERR_OPERAND },
	{ CMDQ_CODE_JUMP, 0, 0x1000, GCE_SIM_ERR_JUMP },
	{ CMDQ_CODE_JUMP, 0, (u32)-8, GCE_SIM_ERR_JUMP },
	{ CMDQ_CODE_JUMP, 0, 4, GCE_SIM_ERR_JUMP },
	{ CMDQ_CODE_JUMP, CMDQ_JUMP_ABSOLUTE, 0, GCE_SIM_ERR_JUMP },
	{ CMDQ_CODE_JUMP, 0, 0, GCE_SIM_ERR_LIMIT },			/* jump to self */
	{ CMDQ_CODE_POLL, 0x003f01c, 1, GCE_SIM_ERR_POLL_TIMEOUT },
};

/* ERROR IRQ cases; the packet behind a failing one still runs */
static void gce_st_errors(struct gce_st *st)
{
	u32 limit = READ_ONCE(gce_inst_limit), pto = READ_ONCE(gce_poll_timeout_us);
	struct gce_sim_thread_stats a, b;
	struct cmdq_pkt *p, *q;
	unsigned int i;
	int sta;

	gce_sim_set_inst_limit(5000);
	gce_sim_set_poll_timeout(20000);
	gce_sim_write_reg(GCE_ST_BASE + 0x1c, 0);
	for (i = 0; i < ARRAY_SIZE(gce_st_bad); i++) {
		p = gce_st_pkt(st);
		if (!p)
			break;
		gce_st_raw(p, gce_st_bad[i].op, gce_st_bad[i].a, gce_st_bad[i].b);
		gce_st_thread(st, GCE_ST_THR, &b);
		sta = cmdq_pkt_flush(st->cl[0], p, 1000);
		gce_st_thread(st, GCE_ST_THR, &a);
		if (sta != -ENOEXEC || a.last_err != gce_st_bad[i].err ||
		    a.errors != b.errors + 1)
			pr_err("selftest: bad case %u: sta %d err %u\n", i, sta, a.last_err);
		ST_CHECK(st, sta == -ENOEXEC && a.last_err == gce_st_bad[i].err &&
			 a.errors == b.errors + 1);
	}
	gce_sim_set_inst_limit(limit);
	gce_sim_set_poll_timeout(pto);

	/* run past the end: jump over the EOC to the final JUMP(PASS) */
	p = gce_st_pkt(st);
	q = gce_st_pkt(st);
	if (!p || !q)
		return;
	gce_st_raw(p, CMDQ_CODE_JUMP, 0, 2 * CMDQ_INST_SIZE);
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], p, 1000) == -ENOEXEC);
	gce_st_thread(st, GCE_ST_THR, &a);
	ST_CHECK(st, a.last_err == GCE_SIM_ERR_END);

	/* error, then the chained packet behind it */
	gce_sim_set_event(GCE_ST_EVT + 5, 0);
	gce_sim_write_reg(GCE_ST_BASE + 24, 0);
	p = gce_st_pkt(st);
	if (!p)
		return;
	ST_CHECK(st, !cmdq_pkt_wfe(p, GCE_ST_EVT + 5));
	gce_st_raw(p, 0xee, 0, 0);
	ST_CHECK(st, !cmdq_pkt_write(q, 6, &st->base, 24));
	gce_st_expect(st, 2);
	ST_CHECK(st, !gce_st_async(st, 0, p) && !gce_st_async(st, 0, q));
	gce_sim_set_event(GCE_ST_EVT + 5, 1);
	ST_CHECK(st, gce_st_wait(st));
	ST_CHECK(st, st->sta[gce_st_rec_of(st, p)->idx] == -ENOEXEC &&
		 st->sta[gce_st_rec_of(st, q)->idx] == 0 && gce_st_reg(6) == 6);
	ST_CHECK(st, st->order[0] == gce_st_rec_of(st, p)->idx);
}

/* fault knobs */
static void gce_st_faults(struct gce_st *st)
{
	struct gce_sim_thread_stats a, b;
	struct cmdq_pkt *p = gce_st_pkt(st);

	if (!p)
		return;
	ST_CHECK(st, !cmdq_pkt_write(p, 7, &st->base, 28));
	gce_st_thread(st, GCE_ST_THR, &b);
	gce_sim_inject_bad_opcode(GCE_ST_THR, 1);
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], p, 1000) == -ENOEXEC);
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], p, 1000) == 0);
	gce_st_thread(st, GCE_ST_THR, &a);
	ST_CHECK(st, a.injected == b.injected + 1 && a.last_err == GCE_SIM_ERR_INJECTED);

	gce_sim_set_irq_delay(GCE_ST_THR, 3000);
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], p, 1000) == 0);
	ST_CHECK(st, p->eoc_ns - p->flush_ns >= 3000 * NSEC_PER_USEC);
	gce_sim_set_irq_delay(GCE_ST_THR, 0);

	gce_sim_set_stall(GCE_ST_THR, 4000, 0);
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], p, 1000) == 0);
	ST_CHECK(st, p->eoc_ns - p->flush_ns >= 4000 * NSEC_PER_USEC);
	/*
	 * one shot: the next flush is not stalled. Counted, not timed: under
	 * a loaded TCG host a plain flush can take 4 ms of wall time too
	 */
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], p, 1000) == 0);
	gce_st_thread(st, GCE_ST_THR, &a);
	ST_CHECK(st, a.stalls == b.stalls + 1 && a.irq_delays == b.irq_delays + 1);
}

/* re-flush from the completion callback (the IRQ handler); cost 0 */
static void gce_st_reflush(struct gce_st *st)
{
	u32 cost = gce_sim_get_inst_cost();
	struct gce_sim_thread_stats a, b;
	struct cmdq_pkt *p = gce_st_pkt(st);
	struct gce_st_rec *r;
	int i;

	if (!p)
		return;
	r = gce_st_rec_of(st, p);
	for (i = 0; i < 64; i++)
		ST_CHECK(st, !cmdq_pkt_write(p, i, &st->base, 32 + 4 * (i % 8)));
	gce_st_thread(st, GCE_ST_THR, &b);
	gce_sim_set_inst_cost(0);
	reinit_completion(&st->all);
	st->reflush_left = GCE_ST_REFLUSH;
	st->sta[r->idx] = -EINPROGRESS;
	ST_CHECK(st, !cmdq_pkt_flush_async(st->cl[0], p, gce_st_reflush_cb, r));
	ST_CHECK(st, gce_st_wait(st) && st->sta[r->idx] == 0 && st->reflush_left == 0);
	gce_sim_set_inst_cost(cost);
	gce_st_thread(st, GCE_ST_THR, &a);
	ST_CHECK(st, a.done == b.done + GCE_ST_REFLUSH);
	ST_CHECK(st, a.inst == b.inst + GCE_ST_REFLUSH * (cmdq_pkt_inst_count(p) - 1));
	ST_CHECK(st, gce_st_reg(15) == 63);
}

/* acquire_event across two threads */
static void gce_st_acquire(struct gce_st *st)
{
	struct cmdq_pkt *p = gce_st_pkt(st), *q = gce_st_pkt(st);
	u32 v = 0;

	if (!p || !q)
		return;
	gce_sim_set_event(GCE_ST_EVT + 6, 1);
	gce_sim_write_reg(GCE_ST_BASE + 0x24, 0);
	ST_CHECK(st, !cmdq_pkt_acquire_event(p, GCE_ST_EVT + 6));
	ST_CHECK(st, !cmdq_pkt_write(p, 9, &st->base, 0x24));
	ST_CHECK(st, !cmdq_pkt_clear_event(q, GCE_ST_EVT + 6));
	gce_st_expect(st, 1);
	ST_CHECK(st, !gce_st_async(st, 1, p));
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], q, 1000) == 0);
	ST_CHECK(st, gce_st_wait(st) && !st->sta[gce_st_rec_of(st, p)->idx]);
	gce_sim_get_event(GCE_ST_EVT + 6, &v);
	ST_CHECK(st, v == 1 && gce_st_reg(9) == 9);
}

/* a deadline met and a forced miss on pipe 0 */
static void gce_st_deadline(struct gce_st *st)
{
	struct gce_sim_pipe_stats pa, pb;
	struct gce_sim_thread_stats a;
	struct cmdq_pkt *p = gce_st_pkt(st);
	u32 v = 0, us;

	if (!p)
		return;
	gce_sim_get_pipe_stats(0, &pb);
	if (!pb.running) {
		pr_info("selftest: timing generator off, deadline checks skipped\n");
		return;
	}
	ST_CHECK(st, !cmdq_pkt_clear_event(p, CMDQ_PIPE_EOF(0)));
	ST_CHECK(st, !cmdq_pkt_wfe(p, CMDQ_PIPE_EOF(0)));
	ST_CHECK(st, !cmdq_pkt_write(p, 10, &st->base, 0x28));
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], p, 1000) == 0);
	gce_st_thread(st, GCE_ST_THR, &a);
	gce_sim_get_pipe_stats(0, &pa);
	ST_CHECK(st, a.last_pipe == 0 && a.last_deadline_ns > 0 &&
		 a.last_missed == (a.last_eoc_ns > a.last_deadline_ns));
	ST_CHECK(st, a.last_deadline_ns - (u64)NSEC_PER_SEC / pa.hz <= a.last_eoc_ns);

	/* stall for two frames after the EOF release: a miss */
	us = 2 * USEC_PER_SEC / pa.hz;
	gce_sim_get_pipe_stats(0, &pb);
	gce_sim_set_stall(GCE_ST_THR, us, 0);
	ST_CHECK(st, cmdq_pkt_flush(st->cl[0], p, 1000) == 0);
	gce_st_thread(st, GCE_ST_THR, &a);
	gce_sim_get_pipe_stats(0, &pa);
	ST_CHECK(st, a.last_pipe == 0 && a.last_missed && a.last_eoc_ns > a.last_deadline_ns);
	ST_CHECK(st, pa.misses == pb.misses + 1);
	gce_sim_get_event(CMDQ_PIPE_UNDERRUN(0), &v);
	ST_CHECK(st, v == 1);
	gce_sim_set_event(CMDQ_PIPE_UNDERRUN(0), 0);
}

/* channel shutdown aborts the queue with -ECONNABORTED, even mid-packet */
static void gce_st_shutdown(struct gce_st *st)
{
	struct cmdq_pkt *p = gce_st_pkt(st), *q = gce_st_pkt(st), *r = gce_st_pkt(st);
	struct gce_sim_thread_stats a, b;
	int thr = GCE_ST_THR - 2, i, rsta, err = 0;

	if (!p || !q || !r)
		return;
	for (i = 0; i < 400; i++)
		err |= cmdq_pkt_write(r, i, &st->base, 0x40);
	gce_sim_set_event(GCE_ST_EVT + 7, 0);
	err |= cmdq_pkt_wfe(p, GCE_ST_EVT + 7);
	ST_CHECK(st, !err);
	gce_st_thread(st, thr, &b);
	gce_st_expect(st, 3);
	ST_CHECK(st, !gce_st_async(st, 2, r) && !gce_st_async(st, 2, p) &&
		 !gce_st_async(st, 2, q));
	cmdq_mbox_destroy(st->cl[2]);
	st->cl[2] = NULL;
	ST_CHECK(st, completion_done(&st->all));
	rsta = st->sta[gce_st_rec_of(st, r)->idx];
	ST_CHECK(st, rsta == 0 || rsta == -ECONNABORTED);
	ST_CHECK(st, st->sta[gce_st_rec_of(st, p)->idx] == -ECONNABORTED &&
		 st->sta[gce_st_rec_of(st, q)->idx] == -ECONNABORTED);
	gce_st_thread(st, thr, &a);
	ST_CHECK(st, a.aborted == b.aborted + 2 + !!rsta && !a.bound && a.queued == 0);
}

/* stress: a completion re-flushes its packet until sx_stop */
static void gce_sx_cb(struct cmdq_cb_data data)
{
	struct gce_sx *x = data.data;
	struct gce_st *st = x->st;

	if (data.sta)
		x->bad++;
	else
		x->ok++;
	if (!READ_ONCE(st->sx_stop) && !cmdq_pkt_flush_async(x->cl, x->pkt, gce_sx_cb, x))
		return;
	if (atomic_dec_and_test(&st->sx_inflight))
		complete(&st->sx_done);
}

/*
 * Frame loops (clear EOF, wait EOF, 32 writes, two packets in flight) on
 * threads 9..12, an event ping-pong between threads 13 and 14, and
 * synchronous flushes that time out (abort of a running packet with
 * chained frame packets behind it) on thread 12, all at once.
 */
static void gce_st_stress(struct gce_st *st)
{
	struct gce_sim_thread_stats *b = st->sx_thr, a;
	struct gce_sim_pipe_stats *pb = st->sx_pipe, pa;
	struct cmdq_client *cl[GCE_SX_FRAME_N] = {};
	u64 misses = 0, pmisses = 0, sub, fin;
	unsigned long end;
	struct cmdq_pkt *never;
	u32 npipes = gce_sim_get_pipes(), aborts = 0, i, j;
	int ev = GCE_ST_EVT + 10, err = 0;

	never = gce_st_pkt(st);
	if (!never)
		return;
	ST_CHECK(st, !cmdq_pkt_wfe(never, ev + 2));
	for (i = 0; i < GCE_SX_FRAME_N; i++) {
		cl[i] = cmdq_mbox_create(gce_sim_get_device(), GCE_SX_FRAME_THR + i);
		if (IS_ERR(cl[i])) {
			ST_CHECK(st, !"stress client");
			cl[i] = NULL;
			goto out;
		}
	}
	for (i = 0; i < GCE_SX_PKTS; i++) {
		struct gce_sx *x = &st->sx[i];

		x->st = st;
		x->pkt = gce_st_pkt(st);
		if (!x->pkt)
			goto out;
		if (i < 2 * GCE_SX_FRAME_N) {
			x->cl = cl[i / 2];
			err |= cmdq_pkt_clear_event(x->pkt, CMDQ_PIPE_EOF(i / 2 % npipes));
			err |= cmdq_pkt_wfe(x->pkt, CMDQ_PIPE_EOF(i / 2 % npipes));
			for (j = 0; j < 32; j++)
				err |= cmdq_pkt_write(x->pkt, j, &st->base,
						      0x100 + 0x80 * (i / 2) + 4 * j);
		} else {
			/* ping (thread 13): wait ev, set ev+1; pong (14): set ev, wait ev+1 */
			x->cl = st->cl[i == 2 * GCE_SX_FRAME_N ? 2 : 1];
			if (i == 2 * GCE_SX_FRAME_N) {
				err |= cmdq_pkt_wfe(x->pkt, ev);
				err |= cmdq_pkt_set_event(x->pkt, ev + 1);
			} else {
				err |= cmdq_pkt_set_event(x->pkt, ev);
				err |= cmdq_pkt_wfe(x->pkt, ev + 1);
			}
		}
	}
	ST_CHECK(st, !err);
	for (i = 0; i < 6; i++)
		gce_sim_get_thread_stats(GCE_SX_FRAME_THR + i, &b[i]);
	for (i = 0; i < npipes; i++)
		gce_sim_get_pipe_stats(i, &pb[i]);
	gce_sim_set_event(ev, 0);
	gce_sim_set_event(ev + 1, 0);
	gce_sim_set_event(ev + 2, 0);
	init_completion(&st->sx_done);
	WRITE_ONCE(st->sx_stop, false);
	atomic_set(&st->sx_inflight, GCE_SX_PKTS);
	for (i = 0; i < GCE_SX_PKTS; i++)
		if (cmdq_pkt_flush_async(st->sx[i].cl, st->sx[i].pkt, gce_sx_cb, &st->sx[i])) {
			ST_CHECK(st, !"stress flush");
			atomic_dec(&st->sx_inflight);
		}
	end = jiffies + msecs_to_jiffies(GCE_SX_MS);
	while (time_before(jiffies, end)) {
		ST_CHECK(st, cmdq_pkt_flush(cl[GCE_SX_FRAME_N - 1], never, 3) == -ETIMEDOUT);
		aborts++;
	}
	WRITE_ONCE(st->sx_stop, true);
	/* release whatever still waits (the generator may be off) */
	for (i = 0; i < 300 && atomic_read(&st->sx_inflight); i++) {
		gce_sim_set_event(ev, 1);
		gce_sim_set_event(ev + 1, 1);
		for (j = 0; j < npipes; j++)
			gce_sim_set_event(CMDQ_PIPE_EOF(j), 1);
		wait_for_completion_timeout(&st->sx_done, msecs_to_jiffies(10));
	}
	ST_CHECK(st, !atomic_read(&st->sx_inflight));

	for (i = 0, err = 0; i < GCE_SX_PKTS; i++)
		err |= st->sx[i].bad;
	ST_CHECK(st, !err);
	sub = 0;
	fin = 0;
	for (i = 0; i < 6; i++) {
		gce_sim_get_thread_stats(GCE_SX_FRAME_THR + i, &a);
		ST_CHECK(st, a.queued == 0 && !a.chain_errors && a.errors == b[i].errors);
		sub += a.submitted - b[i].submitted;
		fin += a.done - b[i].done + a.aborted - b[i].aborted;
		misses += a.misses - b[i].misses;
		if (i == GCE_SX_FRAME_N - 1)
			ST_CHECK(st, a.aborted - b[i].aborted == aborts);
	}
	ST_CHECK(st, sub == fin);
	for (i = 0; i < npipes; i++) {
		gce_sim_get_pipe_stats(i, &pa);
		pmisses += pa.misses - pb[i].misses;
	}
	ST_CHECK(st, misses == pmisses);
	ST_CHECK(st, st->sx[2 * GCE_SX_FRAME_N].ok + 1 >= st->sx[2 * GCE_SX_FRAME_N + 1].ok &&
		 st->sx[2 * GCE_SX_FRAME_N + 1].ok + 1 >= st->sx[2 * GCE_SX_FRAME_N].ok);
	pr_info("selftest: stress %ums: %llu packets, %u ping-pongs, %u aborts, %llu misses\n",
		GCE_SX_MS, sub, st->sx[2 * GCE_SX_FRAME_N].ok, aborts, misses);
out:
	for (i = 0; i < GCE_SX_FRAME_N; i++)
		cmdq_mbox_destroy(cl[i]);
}

int gce_selftest_run(void)
{
	struct device *dev = gce_sim_get_device();
	int i, refs = module_refcount(THIS_MODULE);
	struct gce_st *st;

	if (!dev)
		return -ENODEV;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	spin_lock_init(&st->lock);
	init_completion(&st->all);
	st->base.subsys = 3;
	st->base.base = GCE_ST_BASE;
	for (i = 0; i < 3; i++) {
		st->cl[i] = cmdq_mbox_create(dev, GCE_ST_THR - i);
		if (IS_ERR(st->cl[i])) {
			pr_err("selftest: thread %d: %ld\n", GCE_ST_THR - i, PTR_ERR(st->cl[i]));
			st->cl[i] = NULL;
			st->fail++;
			goto out;
		}
	}
	/* each bound client pins gce_sim twice (mbox core + helper) */
	ST_CHECK(st, module_refcount(THIS_MODULE) == refs + 6);

	gce_st_basic(st);
	gce_st_chain(st);
	gce_st_abort(st);
	gce_st_errors(st);
	gce_st_faults(st);
	gce_st_reflush(st);
	gce_st_acquire(st);
	gce_st_deadline(st);
	gce_st_stress(st);
	gce_st_shutdown(st);
out:
	for (i = 0; i < 3; i++) {
		cmdq_mbox_destroy(st->cl[i]);
		gce_sim_set_stall(GCE_ST_THR - i, 0, 0);
		gce_sim_set_irq_delay(GCE_ST_THR - i, 0);
		gce_sim_inject_bad_opcode(GCE_ST_THR - i, 0);
	}
	for (i = 0; i < st->npkt; i++)
		cmdq_pkt_destroy(st->pkt[i]);
	gs->st_passed = st->pass;
	gs->st_failed = st->fail;
	pr_info("selftest: passed %u failed %u\n", st->pass, st->fail);
	kfree(st);
	return 0;
}
