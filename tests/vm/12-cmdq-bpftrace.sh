#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Cross-check: qlat cmdq and bpftrace hist() watch the same frame-client
# run and must report identical histograms, bucket for bucket.
#
# Bucket conventions: bpftrace's hist() buckets are [2^k, 2^(k+1)), printed
# "[8M, 16M)" and in JSON as {min: 2^k, max: 2^(k+1)-1}; qlat's slot i
# holds 2^(i-1) <= v <= 2^i - 1 and is written {le: 2^i - 1}. Both have a
# bucket for 0. So bpftrace's max equals qlat's le and the counts must be
# equal. bpftrace also lists empty buckets between non-empty ones; qlat's
# JSON lists only non-empty ones, so zero counts are dropped first. (bpftrace's text output and libbpf-tools' "a -> b" rows label the
# same buckets differently; only the JSON bounds are compared here.)
# bpftrace uses the perf tracepoint path; in this run cmdq_eoc_irq fires
# only from the GCE model's hrtimers, so neither tool can lose an event.
. "$(dirname "$0")/lib.sh"

FRAMES=90
F=$DEBUGFS/cmdq_frame
load_mod cmdq cmdq_helper && load_mod cmdq gce_sim && load_mod cmdq cmdq_frame &&
	load_mod cmdq cmdq_dev
ok $? "load cmdq_helper, gce_sim, cmdq_frame, cmdq_dev"
command -v bpftrace >/dev/null
ok $? "bpftrace is available in the guest"
echo $FRAMES >$F/frames
W=$OUT/frames.sh
printf '#!/bin/sh\necho 1 > %s/enable\n%s frame-wait\necho 0 > %s/enable\n' \
	"$F" "$B/cmdqctl" "$F" >$W

qlat_start "$OUT/q.json" cmdq --json --attach=tp_btf
ok $? "qlat cmdq attached"
bpftrace -f json -o "$OUT/bt.json" -e '
tracepoint:cmdq:cmdq_eoc_irq { @flush_eoc[args->thread] = hist(args->eoc_ns - args->flush_ns); }
tracepoint:cmdq:cmdq_eoc_irq /args->pipe >= 0 && !args->missed && args->status == 0/ {
	@slack[args->pipe] = hist(args->deadline_ns - args->eoc_ns); }
' -c "/bin/sh $W" >"$OUT/bt.out" 2>&1
ok $? "bpftrace ran the frame client ($FRAMES frames x 2 pipes)"
qlat_stop
ok $? "qlat exits 0"

# both normalised to lines "metric key le count", sorted
hist_same "$OUT/q.json" "$OUT/bt.json" flush_eoc slack
total=$(awk '$1 == "flush_eoc" { s += $4 } END { print s }' "$OUT/q.json.txt")
assert_eq "$total" $((FRAMES * 2)) "flush->EOC total == frames committed on both pipes"
assert_eq "$(jq -r .events.eoc "$OUT/q.json")" $((FRAMES * 2)) "qlat saw every EOC"

unload_mod cmdq_dev; unload_mod cmdq_frame; unload_mod gce_sim; unload_mod cmdq_helper
ok $? "unload"
tap_done
