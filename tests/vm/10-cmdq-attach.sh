#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The tracepoint pipeline: cmdq_helper.ko loads with module BTF, and qlat's
# CO-RE programs count exactly the events the module says it emitted, in
# each attach flavour (tp_btf, raw_tp, tracepoint).
. "$(dirname "$0")/lib.sh"

N=1000
STATS=$DEBUGFS/cmdq_helper/stats

load_mod cmdq cmdq_helper
ok $? "insmod cmdq_helper.ko"
test -e /sys/kernel/btf/cmdq_helper
ok $? "module BTF: /sys/kernel/btf/cmdq_helper exists"
test -d $TRACEFS/events/cmdq/cmdq_pkt_finalize
ok $? "tracefs has cmdq:cmdq_pkt_finalize"

# The tracepoint fallback reads records with the plain layouts of
# bpf/cmdq_tp.h: every field's offset and size must match tracefs.
bad=0
nf=0
while read -r ev field off size; do
	nf=$((nf + 1))
	got=$(awk -v f="$field" -F'\t' '/^\tfield:/ {
		split($2, a, /[ ;]+/); name = a[length(a) - 1]
		sub(/^field:.* /, "", $2); sub(/;$/, "", $2)
		if ($2 == f) { sub(/offset:/, "", $3); sub(/size:/, "", $4);
			sub(/;/, "", $3); sub(/;/, "", $4); print $3, $4 } }' \
		"$TRACEFS/events/cmdq/$ev/format")
	if [ "$got" != "$off $size" ]; then
		diag "$ev.$field: bpf/cmdq_tp.h has offset $off size $size, tracefs '$got'"
		bad=$((bad + 1))
	fi
done <<EOT
$("$B/tests/tp_layout")
EOT
assert_eq "$bad" 0 "all $nf fallback record fields match the tracefs format files"

for mode in tp_btf raw_tp tracepoint; do
	out=$OUT/cmdq-attach-$mode.json
	if ! qlat_start "$out" cmdq --json --attach=$mode; then
		ok 1 "$mode: qlat attached"
		continue
	fi
	before=$(stat_of $STATS pkt_finalized)
	echo $N >$DEBUGFS/cmdq_helper/finalize_burst
	after=$(stat_of $STATS pkt_finalized)
	qlat_stop
	ok $? "$mode: qlat exits 0 on SIGINT"
	assert_eq "$((after - before))" $N "$mode: module counted $N finalize events"
	assert_eq "$(jq -r .attach "$out")" $mode "$mode: qlat used the forced flavour"
	assert_eq "$(jq -r .events.finalize "$out")" "$((after - before))" \
		"$mode: BPF finalize count == module counter"
	assert_eq "$(jq -r .final "$out")" true "$mode: final document printed on SIGINT"
done

# auto picks tp_btf when module BTF is present
qlat_start "$OUT/cmdq-auto.json" cmdq --json && qlat_stop
assert_eq "$(jq -r .attach "$OUT/cmdq-auto.json")" tp_btf "auto attach picks tp_btf"

unload_mod cmdq_helper
ok $? "rmmod cmdq_helper"
tap_done
