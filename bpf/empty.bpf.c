// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * empty: the baseline of tests/bench/qlat-overhead.sh and zc-overhead.sh.
 * One program per cmdq:* and vhost_zc:* tracepoint, each returning 0 at
 * once, in the three flavours qlat attaches with (tp_btf, raw_tp,
 * tracepoint), and one per stock vhost_net function `qlat zc --stock`
 * probes (fentry). Attached the way qlat
 * attaches, it costs what the kernel's BPF dispatch costs and nothing
 * more, so "qlat - empty" is what qlat's own work adds per event.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "qlat_hist.bpf.h"

#define EMPTY(sys, tp)							\
SEC("tp_btf/" #tp) int tp##_btf(void *ctx) { return 0; }		\
SEC("raw_tp/" #tp) int tp##_raw(void *ctx) { return 0; }		\
SEC("tracepoint/" #sys "/" #tp) int tp##_tp(void *ctx) { return 0; }

EMPTY(cmdq, cmdq_pkt_finalize)
EMPTY(cmdq, cmdq_pkt_flush)
EMPTY(cmdq, cmdq_eoc_irq)
EMPTY(cmdq, cmdq_pkt_cb)
EMPTY(cmdq, cmdq_vblank)
EMPTY(vhost_zc, vhost_zc_submit)
EMPTY(vhost_zc, vhost_zc_complete)
EMPTY(vhost_zc, vhost_zc_kiocb_dequeue)
EMPTY(vhost_zc, vhost_zc_signal)

/*
 * stock: fentry on the five functions `qlat zc --stock` probes on stock
 * vhost_net (bpf/zcstock.bpf.c), the floor of any tracer of them; of the
 * completion callback's two names the loader keeps the one that exists.
 */
#define EMPTY_FENTRY(fn) SEC("fentry/" #fn) int stock_##fn##_fentry(void *ctx) { return 0; }

EMPTY_FENTRY(tun_get_user)
EMPTY_FENTRY(vhost_zerocopy_callback)
EMPTY_FENTRY(vhost_zerocopy_complete)
EMPTY_FENTRY(vhost_add_used_and_signal_n)
EMPTY_FENTRY(vhost_add_used_and_signal)
EMPTY_FENTRY(vhost_net_vq_reset)

/*
 * clock: the same five probes, and on the three functions every zero-copy
 * frame passes (its send, its completion, its signal) a read of the clock,
 * as any tracer that times each buffer there needs: the floor of --stock's
 * design, which reads it at those three.
 */
__u64 clock_stamp;

#define CLOCK_FENTRY(fn) SEC("fentry/" #fn) int clock_##fn##_fentry(void *ctx)	\
{										\
	clock_stamp = bpf_ktime_get_ns();					\
	return 0;								\
}
#define CLOCK_EMPTY_FENTRY(fn) SEC("fentry/" #fn) int clock_##fn##_fentry(void *ctx) { return 0; }

CLOCK_FENTRY(tun_get_user)
CLOCK_FENTRY(vhost_zerocopy_callback)
CLOCK_FENTRY(vhost_zerocopy_complete)
CLOCK_FENTRY(vhost_add_used_and_signal_n)
CLOCK_EMPTY_FENTRY(vhost_add_used_and_signal)
CLOCK_EMPTY_FENTRY(vhost_net_vq_reset)

/*
 * hist: the clock set, plus what a per-buffer latency histogram adds at
 * the least: at each of the three, this CPU's element of a per-CPU array
 * looked up (qlat's state) and one value binned into a histogram there
 * (qlat_hist_add(), the time since the CPU's previous stamp). No buffer
 * is matched: the floor of --stock's design with its three histograms,
 * below which no per-buffer tracer of these functions can go.
 */
struct hist_floor {
	__u64 stamp;
	struct qlat_hist h[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hist_floor);
} hist_floor SEC(".maps");

#define HIST_FENTRY(fn, i) SEC("fentry/" #fn) int hist_##fn##_fentry(void *ctx)	\
{										\
	__u64 now = bpf_ktime_get_ns();						\
	struct hist_floor *f = bpf_map_lookup_elem(&hist_floor, &qlat_key0);	\
										\
	if (f) {								\
		qlat_hist_add(&f->h[i], now - f->stamp);			\
		f->stamp = now;							\
	}									\
	return 0;								\
}
#define HIST_EMPTY_FENTRY(fn) SEC("fentry/" #fn) int hist_##fn##_fentry(void *ctx) { return 0; }

HIST_FENTRY(tun_get_user, 0)
HIST_FENTRY(vhost_zerocopy_callback, 1)
HIST_FENTRY(vhost_zerocopy_complete, 1)
HIST_FENTRY(vhost_add_used_and_signal_n, 2)
HIST_EMPTY_FENTRY(vhost_add_used_and_signal)
HIST_EMPTY_FENTRY(vhost_net_vq_reset)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
