// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmdqlat: CMDQ packet latency and vblank deadline histograms.
 *
 * Every cmdq:* tracepoint carries the timestamps its latency needs
 * (cmdq_eoc_irq carries flush_ns, cmdq_pkt_cb carries eoc_ns), so each
 * event is one lookup of the per-CPU state and its updates: no in-flight
 * map, no clock read.
 *
 * Each handler exists in three flavours, selected by the loader before
 * load: tp_btf (module BTF), raw_tp (no BTF needed) and tracepoint
 * (perf-event path, plain record layout from cmdq_tp.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "qlat/cmdqlat.h"
#include "qlat_hist.bpf.h"
#include "qlat_evidence.bpf.h"
#include "qlat_flavours.bpf.h"
#include "cmdq_tp.h"

/*
 * --thread and --pipe (-1: all). The thread filter applies here to the EOC
 * events only, with the pipe filter, since they gate the pipe's histograms
 * and the evidence too; flush and callback events of every thread are
 * binned, and the tool shows the selected thread's (the verifier drops the
 * branch on a frozen .rodata value, but not its load: one saved on their
 * path). The EOC program comes in two variants, eoc_* without the filters
 * and the evidence and eoc_full_* with them, and the tool loads one: the
 * plain one loads no setting and keeps no more registers than it needs.
 */
const volatile __s32 targ_thread = -1;
const volatile __s32 targ_pipe = -1;

/* Every counter and histogram: struct cmdqlat_state, include/qlat/cmdqlat.h */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cmdqlat_state);
} state SEC(".maps");

static __always_inline struct cmdqlat_state *cq_state(void)
{
	return bpf_map_lookup_elem(&state, (void *)&qlat_key0);
}

/*
 * handler(s, args): s the per-CPU state, looked up first, so that the
 * arguments are read after the helper call (QLAT_TP_BTF_RAW_CTX)
 */
#define CQ(handler, args...) ({						\
	struct cmdqlat_state *__s = cq_state();				\
									\
	__s ? handler(__s, ##args) : 0;					\
})

/* idx a constant: a plain increment; computed: bounded where it is used */
static __always_inline void count(struct cmdqlat_state *s, __u32 idx)
{
	if (__builtin_constant_p(idx))
		s->counters[idx]++;
	else if (idx < CMDQLAT_NR_COUNTERS)
		s->counters[qlat_clamp(idx, CMDQLAT_NR_COUNTERS - 1)]++;
}

/*
 * The counters more than one program updates: badkey, filtered and
 * evidence_dropped (eoc, vblank; the flush and callback programs count
 * their bad keys in slots of their own). One of those
 * programs can interrupt another on the same CPU: the EOC, callback and
 * vblank events of an IRQ land in a flush's run in process context, and on
 * PREEMPT_RT, where the EOC handler is a thread, the vblank timer's hardirq
 * lands in an EOC's run. Atomic: see qlat_count_shared().
 */
static __always_inline void count_shared(struct cmdqlat_state *s, __u32 idx)
{
	qlat_count_shared(&s->counters[idx], 1);
}

/*
 * metric is a constant at every call: the index folds. key: a u64, as the
 * raw tracepoint's argument and the record's field arrive (zero-extended),
 * so that the bound checked is the one the verifier needs for the index,
 * without a zero-extension between them
 */
static __always_inline void hist(struct cmdqlat_state *s, __u32 metric, __u64 key, __u64 v,
				 __u32 badkey)
{
	if (key >= cmdqlat_nkeys(metric)) {
		/* a program's own slot: plain; the shared one: atomic */
		if (badkey == CMDQLAT_EV_BADKEY)
			count_shared(s, badkey);
		else
			count(s, badkey);
		return;
	}
	/* the metric's first histogram at a constant offset, then the key's */
	if (cmdqlat_nkeys(metric) == CMDQLAT_PIPES)
		key = qlat_clamp(key, CMDQLAT_PIPES - 1);
	else
		key = qlat_clamp(key, CMDQLAT_THREADS - 1);
	qlat_hist_add(&s->hists[cmdqlat_hist_idx(metric, 0)] + key, v);
}

static __always_inline bool filtered(__u64 thread, __s32 pipe)
{
	if (targ_thread >= 0 && thread != targ_thread)
		return true;
	if (targ_pipe >= 0 && pipe != targ_pipe)
		return true;
	return false;
}

static __always_inline int on_finalize(struct cmdqlat_state *s)
{
	count(s, CMDQLAT_EV_FINALIZE);
	return 0;
}

static __always_inline int on_flush(struct cmdqlat_state *s, __u64 thread, __u64 inst)
{
	/* counted by the tool: INST's total + BADKEY_FLUSH */
	hist(s, CMDQLAT_INST, thread, inst, CMDQLAT_EV_BADKEY_FLUSH);
	return 0;
}

/* Evidence record of one EOC: see include/qlat/evidence.h */
static __always_inline void eoc_evidence(struct cmdqlat_state *s, __u32 thread, __u32 id, __s32 status, __s32 pipe,
					 __u64 flush_ns, __u64 eoc_ns, __u64 deadline_ns,
					 __u32 missed)
{
	__u64 lat = eoc_ns - flush_ns, aux = 0;
	__u32 flags = 0;

	if (qlat_over(lat)) {
		flags |= QLAT_EVF_OVER;
		count(s, CMDQLAT_EV_OVER);
	}
	if (pipe >= 0 && missed) {
		flags |= QLAT_EVF_LATE;
		aux = eoc_ns - deadline_ns;
	} else if (pipe >= 0 && !status) {
		aux = deadline_ns - eoc_ns;
	}
	if (status)
		flags |= QLAT_EVF_FAIL;
	if (!qlat_emit(eoc_ns, CMDQLAT_REC_EOC, thread, id, lat, aux, flags, pipe))
		count_shared(s, CMDQLAT_EV_RB_DROP);
}

/* cmdq_eoc_irq(u32 thread, u32 id, int status, int pipe, u32 frame, u64 flush_ns, ...) */
enum {
	EOC_THREAD, EOC_ID, EOC_STATUS, EOC_PIPE, EOC_FRAME, EOC_FLUSH_NS, EOC_EOC_NS,
	EOC_DEADLINE_NS, EOC_INST, EOC_MISSED, EOC_MISS,
};

/*
 * An argument of the EOC event, read where it is used: from the record's
 * field f (rec, the tracepoint flavour) or ctx[i] (tp_btf, raw_tp: ints
 * zero-extended). Read on entry, as BPF_PROG does, the ones needed after
 * the histogram's update wait on the stack; a store to the state may alias
 * ctx, so the compiler keeps each read where it is.
 */
#define EOC_ARG(f, i)	(rec ? (__u64)((const struct tp_cmdq_eoc_irq *)ctx)->f : \
			       ((const __u64 *)ctx)[i])

/* eoc_full_*: the filters, then the evidence; true if filtered out */
static __always_inline bool eoc_slow(struct cmdqlat_state *s, const void *ctx, const bool rec)
{
	__s32 pipe = EOC_ARG(pipe, EOC_PIPE);

	if (filtered(EOC_ARG(thread, EOC_THREAD), pipe)) {
		count_shared(s, CMDQLAT_EV_FILTERED);
		return true;
	}
	if (qlat_evidence_on)
		eoc_evidence(s, EOC_ARG(thread, EOC_THREAD), EOC_ARG(id, EOC_ID),
			     EOC_ARG(status, EOC_STATUS), pipe, EOC_ARG(flush_ns, EOC_FLUSH_NS),
			     EOC_ARG(eoc_ns, EOC_EOC_NS), EOC_ARG(deadline_ns, EOC_DEADLINE_NS),
			     EOC_ARG(missed, EOC_MISSED));
	return false;
}

/*
 * missed (eoc_ns > deadline_ns): lateness; on time with status 0: slack.
 * The misses themselves are counted from the UNDERRUN events (on_vblank),
 * which the model fires at the deadline for a packet still running then.
 */
static __always_inline int on_eoc(struct cmdqlat_state *s, const void *ctx, const bool rec,
				  const bool full)
{
	__u64 pipe;

	/* two constant indexes: a computed one would be bounded and clamped */
	if ((__s32)EOC_ARG(status, EOC_STATUS)) {
		count(s, CMDQLAT_EV_ERROR);
		qlat_keep_branch();
	} else {
		count(s, CMDQLAT_EV_EOC);
	}
	if (full && eoc_slow(s, ctx, rec))
		return 0;
	hist(s, CMDQLAT_FLUSH_EOC, EOC_ARG(thread, EOC_THREAD),
	     EOC_ARG(eoc_ns, EOC_EOC_NS) - EOC_ARG(flush_ns, EOC_FLUSH_NS), CMDQLAT_EV_BADKEY);
	/*
	 * no pipe: -1, zero-extended in ctx[] and sign-extended in the
	 * record, above every pipe in either: one compare on the way
	 */
	pipe = EOC_ARG(pipe, EOC_PIPE);
	if (pipe >= CMDQLAT_PIPES) {
		/*
		 * -1 tested first, alone: the sign's bit test takes three
		 * instructions (qlat_opaque() keeps the compiler from
		 * folding the two tests into it)
		 */
		if ((__u32)pipe != 0xffffffff) {
			qlat_opaque(pipe);
			if ((__s32)pipe >= 0)
				count_shared(s, CMDQLAT_EV_BADKEY);
		}
		return 0;
	}
	if (EOC_ARG(missed, EOC_MISSED))
		hist(s, CMDQLAT_LATE, pipe,
		     EOC_ARG(eoc_ns, EOC_EOC_NS) - EOC_ARG(deadline_ns, EOC_DEADLINE_NS),
		     CMDQLAT_EV_BADKEY);
	else if (!(__s32)EOC_ARG(status, EOC_STATUS))
		hist(s, CMDQLAT_SLACK, pipe,
		     EOC_ARG(deadline_ns, EOC_DEADLINE_NS) - EOC_ARG(eoc_ns, EOC_EOC_NS),
		     CMDQLAT_EV_BADKEY);
	return 0;
}

static __always_inline int on_cb(struct cmdqlat_state *s, __u64 thread, __u64 eoc_ns,
				 __u64 cb_ns)
{
	/* counted by the tool: EOC_CB's total + BADKEY_CB */
	hist(s, CMDQLAT_EOC_CB, thread, cb_ns - eoc_ns, CMDQLAT_EV_BADKEY_CB);
	return 0;
}

/* UNDERRUN: one packet missed its deadline (miss: how, CMDQ_MISS_*) */
static __always_inline int on_vblank(struct cmdqlat_state *s, __u32 pipe, __u32 type,
				     __u64 ts_ns, __u32 miss, __u32 id, __s32 thread)
{
	if (type > CMDQLAT_VBLANK_UNDERRUN)
		return 0;
	count(s, CMDQLAT_EV_SOF + type);
	if (type != CMDQLAT_VBLANK_UNDERRUN)
		return 0;
	if (filtered(thread, pipe)) {
		count_shared(s, CMDQLAT_EV_FILTERED);
		return 0;
	}
	if (pipe >= CMDQLAT_PIPES) {
		count_shared(s, CMDQLAT_EV_BADKEY);
		return 0;
	}
	count(s, CMDQLAT_EV_MISS_BASE + pipe);
	if (qlat_evidence_on &&
	    !qlat_emit(ts_ns, CMDQLAT_REC_UNDERRUN, thread, id, 0, miss,
		       QLAT_EVF_MISS | (miss == CMDQLAT_MISS_FAILED ? QLAT_EVF_FAIL : 0), pipe))
		count_shared(s, CMDQLAT_EV_RB_DROP);
	return 0;
}

/*
 * tp_btf (module BTF) and raw_tp (no BTF needed): ctx[i] is the i-th
 * argument of the TP_PROTO quoted above each
 */

/* cmdq_pkt_finalize(u32 id, u32 inst) */
QLAT_TP_BTF_RAW_CTX(cmdq_pkt_finalize, finalize, CQ(on_finalize))

/* cmdq_pkt_flush(u32 id, u32 thread, bool async, u32 inst, u64 flush_ns) */
QLAT_TP_BTF_RAW_CTX(cmdq_pkt_flush, flush, CQ(on_flush, ctx[1], ctx[3]))

/*
 * cmdq_eoc_irq(u32 thread, u32 id, int status, int pipe, u32 frame,
 *		u64 flush_ns, u64 eoc_ns, u64 deadline_ns, u32 inst, bool missed,
 *		u32 miss)
 */
QLAT_TP_BTF_RAW_CTX(cmdq_eoc_irq, eoc, CQ(on_eoc, ctx, false, false))
QLAT_TP_BTF_RAW_CTX(cmdq_eoc_irq, eoc_full, CQ(on_eoc, ctx, false, true))

/* cmdq_pkt_cb(u32 id, u32 thread, int status, u64 eoc_ns, u64 cb_ns) */
QLAT_TP_BTF_RAW_CTX(cmdq_pkt_cb, cb, CQ(on_cb, ctx[1], ctx[3], ctx[4]))

/* cmdq_vblank(u32 pipe, u32 frame, u32 type, u64 ts_ns, u32 miss, u32 id, int thread) */
QLAT_TP_BTF_RAW_CTX(cmdq_vblank, vblank,
		    CQ(on_vblank, ctx[0], ctx[2], ctx[3], ctx[4], ctx[5], ctx[6]))

/* tracepoint: the perf-event path, record layout from the format files */
SEC("tracepoint/cmdq/cmdq_pkt_finalize")
int finalize_tp(struct tp_cmdq_pkt_finalize *ctx)
{
	return CQ(on_finalize);
}

SEC("tracepoint/cmdq/cmdq_pkt_flush")
int flush_tp(struct tp_cmdq_pkt_flush *ctx)
{
	return CQ(on_flush, ctx->thread, ctx->inst);
}

SEC("tracepoint/cmdq/cmdq_eoc_irq")
int eoc_tp(struct tp_cmdq_eoc_irq *ctx)
{
	return CQ(on_eoc, ctx, true, false);
}

SEC("tracepoint/cmdq/cmdq_eoc_irq")
int eoc_full_tp(struct tp_cmdq_eoc_irq *ctx)
{
	return CQ(on_eoc, ctx, true, true);
}

SEC("tracepoint/cmdq/cmdq_pkt_cb")
int cb_tp(struct tp_cmdq_pkt_cb *ctx)
{
	return CQ(on_cb, ctx->thread, ctx->eoc_ns, ctx->cb_ns);
}

SEC("tracepoint/cmdq/cmdq_vblank")
int vblank_tp(struct tp_cmdq_vblank *ctx)
{
	return CQ(on_vblank, ctx->pipe, ctx->type, ctx->ts_ns, ctx->miss, ctx->id, ctx->thread);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
