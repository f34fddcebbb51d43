#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Cross-check: qlat zc and bpftrace hist() watch the same vhostdrv run on
# vhost-zc-net and must report identical submit->complete and
# complete->dequeue histograms, bucket for bucket (bucket conventions: see
# 12-cmdq-bpftrace.sh). Both read the timestamps vhost_zc_kiocb_dequeue
# carries. bpftrace takes the perf tracepoint path, which in 6.1 skips a run
# only while another perf-path BPF program is active on the CPU; the only
# one here is its own dequeue probe, which fires in the vq worker only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

N=2000
zc_load
ok $? "load vhost_zc.ko"
command -v bpftrace >/dev/null
ok $? "bpftrace is available in the guest"

qlat_start "$OUT/zq.json" zc --json --attach=tp_btf
ok $? "qlat zc attached"
bpftrace -f json -o "$OUT/zbt.json" -e '
tracepoint:vhost_zc:vhost_zc_kiocb_dequeue /args->zerocopy && args->submit_ns/ {
	@submit_complete[args->vq] = hist(args->complete_ns - args->submit_ns);
	@complete_dequeue[args->vq] = hist(args->dequeue_ns - args->complete_ns); }
' -c "$DRV -s 1500 -n $N -q 128 -N" >"$OUT/zbt.out" 2>&1
ok $? "bpftrace ran vhostdrv ($N frames)"
qlat_stop
ok $? "qlat exits 0"

hist_same "$OUT/zq.json" "$OUT/zbt.json" submit_complete complete_dequeue
total=$(awk '$1 == "submit_complete" { s += $4 } END { print s + 0 }' "$OUT/zq.json.txt")
assert_eq "$total" "$(jq -r .events.used_zerocopy "$OUT/zq.json")" \
	"submit->complete total == zero-copy buffers used"
unload_mod vhost_zc
ok $? "unload"
tap_done
