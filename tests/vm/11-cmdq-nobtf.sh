#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# qlat without module BTF: cmdq_helper.ko with its .BTF section stripped.
# tp_btf cannot attach (exit 1, saying why); auto falls back to raw_tp;
# the tracepoint path (plain record layouts, no CO-RE against module
# types) loads too; both count exactly what the module emitted.
. "$(dirname "$0")/lib.sh"

N=2000
STATS=$DEBUGFS/cmdq_helper/stats
KO=/tmp/cmdq_helper-nobtf.ko

objcopy --remove-section=.BTF "$KMOD/cmdq/cmdq_helper.ko" $KO
ok $? "strip .BTF from cmdq_helper.ko"
readelf -S $KO | grep -q '\.BTF'
ok $((!$?)) "the stripped module has no .BTF section"
insmod $KO
ok $? "insmod the stripped module"
test ! -e /sys/kernel/btf/cmdq_helper
ok $? "no /sys/kernel/btf/cmdq_helper"

"$QLAT" cmdq --attach=tp_btf -d 1 >/tmp/nobtf.out 2>/tmp/nobtf.err
assert_eq $? 1 "forced tp_btf without module BTF: exit 1"
grep -q "tp_btf needs module BTF, and /sys/kernel/btf/cmdq_helper is missing" /tmp/nobtf.err
ok $? "and says why: $(head -c 90 /tmp/nobtf.err)..."


for mode in auto tracepoint; do
	out=$OUT/nobtf-$mode.json
	args=
	[ $mode = auto ] || args=--attach=$mode
	if ! qlat_start "$out" cmdq --json $args; then
		ok 1 "$mode: qlat attached"
		continue
	fi
	before=$(stat_of $STATS pkt_finalized)
	echo $N >$DEBUGFS/cmdq_helper/finalize_burst
	after=$(stat_of $STATS pkt_finalized)
	qlat_stop
	ok $? "$mode: qlat exits 0 on SIGINT"
	want=raw_tp
	[ $mode = auto ] || want=$mode
	assert_eq "$(jq -r .attach "$out")" $want "$mode: attached via $want"
	assert_eq "$(jq -r .events.finalize "$out")" $((after - before)) \
		"$mode: BPF finalize count == module counter ($N)"
done

rmmod cmdq_helper
ok $? "rmmod the stripped module"
"$QLAT" cmdq -d 1 >/dev/null 2>/tmp/nomod.err
assert_eq $? 1 "module not loaded: exit 1"
grep -q "cmdq_helper.ko is not loaded" /tmp/nomod.err
ok $? "and says so: $(cat /tmp/nomod.err)"
tap_done
