#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# qlat zc without module BTF: vhost_zc.ko with its .BTF section stripped.
# tp_btf cannot attach (exit 1, saying why); auto falls back to raw_tp and
# --attach=tracepoint loads too; both count what the device counted. In
# tracepoint mode only vhost_zc_submit is asserted exactly: it fires in the
# vq worker alone, while vhost_zc_complete can fire in softirq on top of a
# perf-path BPF run and be skipped uncounted (docs/tracepoints.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

KO=/tmp/vhost_zc-nobtf.ko
for m in tun tap vhost; do
	[ -d /sys/module/$m ] || modprobe $m
done
objcopy --remove-section=.BTF "$KMOD/vhost_zc/vhost_zc.ko" $KO &&
	! readelf -S $KO | grep -q '\.BTF'
ok $? "strip .BTF from vhost_zc.ko"
insmod $KO && test ! -e /sys/kernel/btf/vhost_zc
ok $? "insmod the stripped module: no /sys/kernel/btf/vhost_zc"

"$QLAT" zc --attach=tp_btf -d 1 >/dev/null 2>"$OUT/zc-nobtf.err"
assert_eq $? 1 "forced tp_btf without module BTF: exit 1"
grep -q "tp_btf needs module BTF, and /sys/kernel/btf/vhost_zc is missing" "$OUT/zc-nobtf.err"
ok $? "and says why"

for mode in auto tracepoint; do
	out=$OUT/zc-nobtf-$mode.json
	args=
	[ $mode = auto ] || args=--attach=$mode
	if ! qlat_start "$out" zc --json $args; then
		ok 1 "$mode: qlat attached"
		continue
	fi
	zc_snap a
	zc_run nb$mode -s 1500 -n 1000 -q 64 -N
	zc_snap b
	qlat_stop
	ok $? "$mode: qlat exits 0 on SIGINT"
	want=raw_tp
	[ $mode = auto ] || want=$mode
	eval "$(jq -r '"att=\(.attach) sub=\(.events.submit) cpl=\(.events.complete)"' "$out")"
	assert_eq "$att" $want "$mode: attached via $want"
	assert_eq "$sub" "$(zc_d a b submitted)" "$mode: submit events == device submitted"
	[ $mode = auto ] &&
		assert_eq "$cpl" "$(zc_d a b submitted)" "$mode: completions == device submitted"
done
rmmod vhost_zc
ok $? "rmmod the stripped module"
"$QLAT" zc -d 1 >/dev/null 2>"$OUT/zc-nomod.err"
assert_eq $? 1 "module not loaded: exit 1"
grep -q "vhost_zc.ko is not loaded" "$OUT/zc-nomod.err"
ok $? "and says so"
tap_done
