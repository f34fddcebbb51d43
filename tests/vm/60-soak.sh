#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Soak: everything at once for QLAT_SOAK_S seconds (default 30; `make
# check` gives the debug kernel 120, `make soak DURATION=600` runs the long
# one): the frame client on all 3 pipes with a stall longer than the
# vblank on every 7th frame of pipe 0, an async /dev/cmdq load on GCE
# thread 0 and a fuzz loop on thread 12, vhost-zc-net TX with a backend
# swap every 250 frames and then RX, while `qlat cmdq` and `qlat zc` are
# attached. At the end every event count and histogram total of both
# equals the drivers' own counters (seen + dropped, drops counted: tp_btf),
# and the kernel reported nothing (vmtest.sh fails the run on any report;
# run.sh scans kmemleak after this test).
#
# Then unloading under load: while the frame client runs, /dev/cmdq and
# /dev/vhost-zc-net are open and packets are in flight, rmmod of each
# module in use is refused (the kernel's EWOULDBLOCK, "Resource temporarily
# unavailable": a module with users or dependants); with no file open,
# rmmod of cmdq_dev completes cleanly, then cmdq_frame stops a running
# frame client and completes cleanly, then gce_sim with its timing
# generator running, cmdq_helper and vhost_zc.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"
. "$(dirname "$0")/zc_lib.sh"

D=${QLAT_SOAK_S:-30}
diag "soak: $D s on $(uname -r)"

cmdq_load enable=0 pipes=3 && zc_load
ok $? "load cmdq_helper, gce_sim (3 pipes, generator stopped), cmdq_frame, cmdq_dev, vhost_zc"
echo 3 >"$FR/pipes" && echo 0 >"$FR/frames" && echo 8 >"$FR/writes" &&
	echo "stall 0 7 20000" >"$FR/fault"
ok $? "frame client: 3 pipes, no frame limit, a 20 ms stall every 7th frame of pipe 0"
echo 2000 >"$GS/poll_timeout_us" && echo 20000 >"$GS/inst_limit"
ok $? "gce_sim: poll_timeout_us 2000, inst_limit 20000 (for the fuzz)"
# every reference taken on and dropped from cmdq_dev, with its stack, for
# the rmmod under load below (docs/kernels.md, "Open"): printed if that
# rmmod is not refused
MT=$TRACEFS/events/module
if [ -d "$MT/module_put" ]; then
	echo >"$TRACEFS/trace"
	for e in module_get module_put; do
		echo 'name == "cmdq_dev"' >"$MT/$e/filter" &&
			echo 'stacktrace if name == "cmdq_dev"' >"$MT/$e/trigger" &&
			echo 1 >"$MT/$e/enable"
	done
fi

qlat_start "$OUT/soak-cmdq.json" cmdq --json --attach=tp_btf
ok $? "qlat cmdq attached (tp_btf)"
QC=$QPID
qlat_start "$OUT/soak-zc.json" zc --json --attach=tp_btf
ok $? "qlat zc attached (tp_btf)"
QZ=$QPID

snap s0
zc_snap z0
echo 1 >"$GS/enable" && echo 1 >"$FR/enable"
ok $? "timing generator and frame client started"

# the loads, in the background, each for $D s (at least):
# the loader and vhostdrv run until stopped (below, after $D s): they
# must still hold their devices when rmmod is tried under load, however
# long that takes here (it took over 30 s on a busy host)
LOAD_T0=$(date +%s)
"$C" -t 0 load --depth 16 --ops 32 >"$OUT/soak-load.out" 2>&1 &
LOAD=$!
(
	s=1
	end=$(($(date +%s) + D))
	while [ "$(date +%s)" -lt $end ]; do
		"$C" -t 12 fuzz --seed $s --count 200 >>"$OUT/soak-fuzz.out" 2>&1 || echo "seed $s failed" >>"$OUT/soak-fuzz.err"
		s=$((s + 1))
	done
) &
FUZZ=$!
"$DRV" -t inf -s 1500 -q 128 --swap 250 -E -x 200 >"$OUT/zc-soak.out" 2>"$OUT/zc-soak.err" &
ZCD=$!

# unloading under load, once every module is in use: the loader has
# bound GCE thread 0 (its /dev/cmdq file holds cmdq_dev) and vhostdrv
# has run 2 s (a fixed 5 s once; exec'ing over 9p on the debug kernel
# can take longer)
thr0_bound() {
	while read -r _k _v; do
		[ "$_k" = thread0_bound ] && [ "$_v" = 1 ] && return 0
	done <"$GS/threads"
	return 1
}
sleep 2
_i=0
until thr0_bound || [ $_i -ge 600 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
thr0_bound
ok $? "the /dev/cmdq load generator bound GCE thread 0 (after 2 + $((_i / 10)) s)"
diag "rmmod under load from $(cut -d' ' -f1 /proc/uptime) s (uptime)"
for m in cmdq_helper gce_sim cmdq_frame cmdq_dev vhost_zc; do
	# the reference count and the time rmmod takes: docs/kernels.md, "Open"
	ref=$(cat /sys/module/$m/refcnt 2>/dev/null)
	t0=$(date +%s)
	rmmod $m >"$OUT/soak-rmmod.err" 2>&1
	st=$?
	diag "rmmod $m: refcnt $ref before, $(($(date +%s) - t0)) s"
	grep -q 'Resource temporarily unavailable' "$OUT/soak-rmmod.err" && [ -d /sys/module/$m ]
	refused=$?
	ok $refused "rmmod $m under load: refused (exit $st: $(cat "$OUT/soak-rmmod.err")), still loaded"
	if [ $refused -ne 0 ] && [ $m = cmdq_dev ]; then
		diag "the loader's (pid $LOAD) files, and every reference taken on cmdq_dev and dropped:"
		{ ls -l /proc/$LOAD/fd; grep -v '^#' "$TRACEFS/trace" | tail -n 300; } 2>&1 | sed 's/^/#   /'
	fi
done

diag "rmmod under load until $(cut -d' ' -f1 /proc/uptime) s (uptime)"
kill -0 $LOAD $ZCD
ok $? "the loader and vhostdrv were still running after the rmmod checks"
for e in module_get module_put; do
	[ -d "$MT/$e" ] && echo 0 >"$MT/$e/enable" && echo '!stacktrace if name == "cmdq_dev"' >"$MT/$e/trigger" &&
		echo 0 >"$MT/$e/filter"
done
_left=$((LOAD_T0 + D - $(date +%s)))
[ $_left -gt 0 ] && sleep $_left
kill -TERM $LOAD $ZCD
wait $LOAD
ok $? "/dev/cmdq load ran $D s, stopped by SIGTERM: $(echo $(cat "$OUT/soak-load.out"))"
wait $FUZZ
[ ! -s "$OUT/soak-fuzz.err" ]
ok $? "fuzz loop: nothing unexpected in $(grep -c fuzz_total "$OUT/soak-fuzz.out") runs"
wait $ZCD
ZC_RC=$?
zc_out soak
assert_eq "$ZC_RC/$(v soak double_used)/$(v soak unknown_used)/$(v soak rx_lost)" 0/0/0/0 \
	"vhostdrv: exit 0, no double-used/unknown heads, no lost frames"
assert_eq "$(v soak used)/$(v soak rx_ok)/$(v soak swaps)" \
	"$(v soak sent)/$(v soak sent)/$(($(v soak sent) / 250))" \
	"vhostdrv: $(v soak sent) frames used and received, a backend swap every 250"

echo 0 >"$FR/enable" && echo 0 >"$GS/enable"
ok $? "frame client and timing generator stopped"
snap s1
zc_snap z1
kill -INT $QC $QZ
wait $QC
qc_rc=$?
wait $QZ
assert_eq "$qc_rc/$?" 0/0 "qlat cmdq and qlat zc exit 0 on SIGINT"

# --- qlat cmdq vs the drivers ---
j() { jq -r "$1" "$OUT/soak-cmdq.json"; }
flush=$(($(d s0 s1 helper_flush_async) + $(d s0 s1 helper_flush_sync)))
eoc=$(($(d s0 s1 threads_done) + $(d s0 s1 threads_errors) + $(d s0 s1 threads_aborted)))
vbl=$(($(d s0 s1 pipes_frames) + $(d s0 s1 pipes_eofs) + $(d s0 s1 pipes_misses)))
diag "cmdq: flush $flush eoc $eoc cb $(d s0 s1 helper_cb_delivered) vblank $vbl" \
	"misses $(d s0 s1 pipes_misses) frames $(d s0 s1 pipes_frames)"
[ $(($(d s0 s1 frame0_committed) * $(d s0 s1 frame1_committed) * $(d s0 s1 frame2_committed))) -gt 0 ]
ok $? "frame client committed on every pipe ($(d s0 s1 frame0_committed)/$(d s0 s1 frame1_committed)/$(d s0 s1 frame2_committed))"
assert_eq "$(j '.events.flush + .dropped.flush')" "$flush" "qlat cmdq: flush seen + dropped == helper flushes"
assert_eq "$(j '.events.eoc + .events.error + .dropped.eoc')" "$eoc" \
	"qlat cmdq: eoc_irq seen + dropped == model done + errors + aborted"
assert_eq "$(j '.events.cb + .dropped.cb')" "$(d s0 s1 helper_cb_delivered)" \
	"qlat cmdq: pkt_cb seen + dropped == helper cb_delivered"
assert_eq "$(j '.events.sof + .events.eof + .events.underrun + .dropped.vblank')" "$vbl" \
	"qlat cmdq: vblank seen + dropped == model SOFs + EOFs + UNDERRUNs"
assert_eq "$(j '[.hists[] | select(.metric == "flush_eoc") | .hist.count] | add')" \
	"$(j '.events.eoc + .events.error')" "qlat cmdq: flush->EOC histogram total == eoc_irq events seen"
if [ "$(j .dropped.eoc)" = 0 ]; then
	assert_eq "$(j '.misses | add')" "$(d s0 s1 pipes_misses)" "qlat cmdq: deadline misses == model misses"
else	# a dropped EOC event may or may not have been a miss
	seen=$(j '.misses | add')
	[ "$seen" -le "$(d s0 s1 pipes_misses)" ] &&
		[ "$(d s0 s1 pipes_misses)" -le $((seen + $(j .dropped.eoc))) ]
	ok $? "qlat cmdq: misses $seen <= model $(d s0 s1 pipes_misses) <= misses + dropped EOCs"
fi
[ "$(d s0 s1 frame0_stall_frames)" -gt 0 ] && [ "$(d s0 s1 pipes_misses)" -ge "$(d s0 s1 frame0_stall_frames)" ]
ok $? "stalled frames of pipe 0 ($(d s0 s1 frame0_stall_frames)) all missed (model misses $(d s0 s1 pipes_misses))"

# --- qlat zc vs the driver ---
zc_doc "$OUT/soak-zc.json"
zc_growth z0 z1
assert_eq "$d_submit/$d_complete/$d_dequeue/$d_signal" 0/0/0/0 "qlat zc: no BPF run missed"
assert_eq "$e_submit/$e_submit_zerocopy/$e_submit_copied" "$sub/$zcp/$cpd" \
	"qlat zc: submits (zero-copy/copied) == driver"
assert_eq "$e_complete/$e_used_zerocopy/$e_zerocopy_copied" "$sub/$zcp/$late" \
	"qlat zc: completions, zero-copy used, copied late == driver"
assert_eq "$h_submit_complete_1/$h_complete_dequeue_1/$h_submit_signal_1" "$zcp/$zcp/$done_tx" \
	"qlat zc: submit->complete, complete->dequeue, submit->signal totals == driver"
assert_eq "$e_dequeue/$e_signal/$((h_batch_0 + h_batch_1))" "$((done_tx + rxp))/$sig/$sig" \
	"qlat zc: dequeues == TX completed + RX, signals and batch total == driver signals"
assert_eq "$(zc_d z0 z1 released)/$(v z1 in_flight)" 0/0 "vhost_zc: nothing released unpublished, nothing in flight"

# --- unloading under load, once nothing holds the modules open ---
echo 1 >"$GS/enable" && echo 1 >"$FR/enable"
sleep 1
snap u0
rmmod cmdq_dev
ok $? "rmmod cmdq_dev with the frame client running"
[ ! -d /sys/module/cmdq_dev ] && [ ! -e /dev/cmdq ]
ok $? "cmdq_dev gone, /dev/cmdq gone"
rmmod cmdq_frame
ok $? "rmmod cmdq_frame with the frame client running ($(d s1 u0 frame0_committed) frames committed meanwhile)"
[ ! -d /sys/module/cmdq_frame ] && [ ! -e "$FR" ]
ok $? "cmdq_frame gone, $FR gone"
rmmod gce_sim
ok $? "rmmod gce_sim with its timing generator running"
rmmod cmdq_helper
ok $? "rmmod cmdq_helper"
rmmod vhost_zc
ok $? "rmmod vhost_zc after the devices closed"
tap_done
