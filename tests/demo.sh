#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make run`, in the guest (vmtest.sh -I):
#  - two display pipes (60 and 120 Hz) commit a configuration packet every
#    frame through the CMDQ helper and the GCE model; in phase 2, pipe 0's
#    GCE thread stalls on every 10th frame for longer than its vblank;
#  - meanwhile vhostdrv sends frames through /dev/vhost-zc-net into a tap:
#    in phase 1 nobody reads the tap (the frames leave as through a NIC, the
#    guest's pages are sent zero-copy), in phase 2 vhostdrv's receiver reads
#    every frame back from the tap and checks it (a local reader: the stack
#    must copy);
#  - qlat cmdq and qlat zc watch live (interval output), then print their
#    final histograms; a short reading of the figures follows;
#  - qlat gate compares phase 2 (stalls) with phase 1 (no faults) of this
#    same run, with the options of `make gate` (tests/gate/gate.sh), and
#    writes the HTML report.
# Everything lands in $QLAT_OUT (make run: build/results/run-*/).
REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/zc_lib.sh"

R=${QLAT_OUT:-/tmp}
F=$DEBUGFS/cmdq_frame
G=$DEBUGFS/gce_sim
FRAMES=240		# per pipe and phase: 4 s at 60 Hz
VBLANK0_US=6000		# pipe 0: 60 Hz, 16.7 ms frames
VBLANK1_US=4000		# pipe 1: 120 Hz, 8.3 ms frames
STALL_US=8000		# > pipe 0's vblank
ZC_PPS=2000		# vhostdrv's pace, frames per second (guest time)
ZC_SEC=4		# per phase

# phase_qlat NAME: a quiet qlat cmdq and qlat zc for one phase only (the
# gate's input: cmdq-NAME.json, zc-NAME.json)
phase_qlat() {
	PQ=
	for _s in cmdq zc; do
		"$QLAT" $_s --json-file "$R/$_s-$1.json" --ready-file "$R/.ready-$_s" \
			>/dev/null 2>"$R/$_s-$1.err" &
		PQ="$PQ $!"
	done
	for _s in cmdq zc; do
		_i=0
		while [ ! -e "$R/.ready-$_s" ] && [ $_i -lt 400 ]; do sleep 0.05; _i=$((_i + 1)); done
		rm -f "$R/.ready-$_s"
	done
}
phase_stop() { kill -INT $PQ; wait $PQ; }

set -e
load_mod cmdq cmdq_helper
load_mod cmdq gce_sim
load_mod cmdq cmdq_frame
load_mod cmdq cmdq_dev
zc_load
echo 2 >$F/pipes
echo "0 60" >$F/hz
echo "1 120" >$F/hz
echo "0 $VBLANK0_US" >$F/vblank_us
echo "1 $VBLANK1_US" >$F/vblank_us
echo 16 >$F/writes
echo $FRAMES >$F/frames

echo "== qlat cmdq and qlat zc: live histograms every 2 s"
qlat_start "$R/qlat-live.txt" cmdq -u -i 2 --json-file "$R/cmdq.json" \
	--openmetrics-file "$R/cmdq.om"
QC=$QPID
qlat_start "$R/qlat-zc-live.txt" zc -u -i 2 --json-file "$R/zc.json" \
	--openmetrics-file "$R/zc.om"
QZ=$QPID
tail -f "$R/qlat-live.txt" "$R/qlat-zc-live.txt" &
TAILPID=$!

# phase N VHOSTDRV-ARGS...: the frame client's run and vhostdrv's, together
phase() {
	_n=$1
	shift
	phase_qlat phase$_n
	zc_snap z${_n}a
	"$DRV" -s 1500 -t $ZC_SEC -r $ZC_PPS -q 64 "$@" >"$R/vhostdrv-$_n.out" \
		2>"$R/vhostdrv-$_n.err" &
	_zp=$!
	echo 1 >$F/enable
	"$B/cmdqctl" frame-wait
	echo 0 >$F/enable
	wait $_zp
	eval "zrc$_n=$?"
	zc_snap z${_n}b
	phase_stop
}

echo "== phase 1: $FRAMES frames per pipe, no faults;" \
	"vhostdrv: 1500-byte frames at $ZC_PPS/s for $ZC_SEC s into tap vzt0, nobody reading"
phase 1 -N
echo "== phase 2: $FRAMES frames per pipe; pipe 0 stalls ${STALL_US} us on every 10th frame;" \
	"vhostdrv: the same, its receiver reads each frame back from the tap and checks it"
echo "stall 0 10 $STALL_US" >$F/fault
phase 2
set +e
sleep 0.5
QPID=$QC qlat_stop
QPID=$QZ qlat_stop
sleep 0.3
kill $TAILPID 2>/dev/null
wait $TAILPID 2>/dev/null

# the figures (one jq per document: each exec costs ~0.2 s under TCG)
eval "$(jq -r '"m0=\(.misses[0]) m1=\(.misses[1])",
	"p99=\([.hists[] | select(.metric == "flush_eoc") | .hist.percentiles.p99] | max)"' \
	"$R/cmdq.json")"
eval "$(jq -r '"zsub=\(.events.submit) zzc=\(.events.submit_zerocopy)",
	"zcp=\(.events.submit_copied) zlate=\(.events.zerocopy_copied)",
	"zratio=\(.copy_fallback.ratio * 1000 | round / 10)",
	"zpin=\([.hists[] | select(.metric == "submit_complete") | .hist.percentiles.p99] | max // 0)",
	"zsig=\([.hists[] | select(.metric == "submit_signal" and .vq == 1) | .hist.percentiles.p99] | max // 0)"' \
	"$R/zc.json")"
g0=$(stat_of $G/pipes pipe0_misses)
g1=$(stat_of $G/pipes pipe1_misses)
inj=$(stat_of $F/stats pipe0_stall_frames)
zok=$(awk '$1 == "rx_ok" { print $2 }' "$R/vhostdrv-2.out")
zbad=$(awk '$1 == "rx_bad" || $1 == "rx_lost" { s += $2 } END { print s + 0 }' "$R/vhostdrv-2.out")
for n in 1 2; do
	for k in submitted zerocopy copied zc_late_copy zc_backoff; do
		eval "${k}_$n=$(zc_d z${n}a z${n}b $k)"
	done
	eval "ratio_$n=\$(((copied_$n + zc_late_copy_$n) * 100 / (submitted_$n + (submitted_$n == 0))))"
done

echo
echo "== qlat gate: phase 2 (stalls) against phase 1 (no faults) of this run"
sh "$REPO/tests/gate/gate.sh" --report "$R/report.html" \
	"$R/cmdq-phase1.json,$R/zc-phase1.json" "$R/cmdq-phase2.json,$R/zc-phase2.json" \
	>"$R/gate.txt" 2>&1
gst=$?
cat "$R/gate.txt"
case $gst in
0) gv="green (exit 0): no difference it could prove" ;;
2) gv="red (exit 2), $(grep -c 'REGRESSION' "$R/gate.txt") check(s) regressed (the REGRESSION lines
above). Pipe 0's misses are the injected stalls; the zc copy-fallback ratio,
and any zc latency that moved, are phase 2's local reader, which makes the
stack copy and holds buffers longer" ;;
*) gv="exit $gst (see gate.txt)" ;;
esac

cat <<EOF

== what this shows
Display (qlat cmdq). Each frame, each pipe commits a packet that waits for
its pipe's end of frame (EOF) and must finish its register writes before the
next start of frame (SOF): that is the vertical blanking interval.
- pipe 0 (60 Hz, vblank $VBLANK0_US us): $m0 deadline misses seen by qlat; the GCE model counted $g0;
  stalls injected: $inj (one every 10th frame of phase 2, each longer than the vblank)
- pipe 1 (120 Hz, vblank $VBLANK1_US us): $m1 misses seen by qlat; the model counted $g1
- flush -> EOC p99 <= $((p99 / 1000)) us over all threads (a packet is flushed
  in the vblank before the EOF it waits for, so this includes that wait)
The 'vblank slack' histograms show how much of the vblank each packet
left unused; 'lateness' shows by how much the missed ones overran. Misses
beyond the injected stalls are timer latency of the software GCE model
inside this emulated (TCG) guest, not of real hardware.

Zero-copy networking (qlat zc). qlat saw $zsub TX buffers: $zzc sent zero-copy,
$zcp copied at submit, $zlate of the zero-copy ones copied later by the stack:
a copy-fallback ratio of $zratio%. By phase (the device's own counters):
- phase 1, nobody reads the tap: $submitted_1 sent, $zerocopy_1 zero-copy, $copied_1 copied,
  $zc_late_copy_1 copied late: $ratio_1% fell back to a copy (vhostdrv exit $zrc1). The frames
  leave the tap as they would through a NIC: the guest's pages go out as they are.
- phase 2, vhostdrv's receiver reads every frame back ($zok intact, $zbad bad or lost;
  exit $zrc2): $submitted_2 sent, $zerocopy_2 zero-copy, $copied_2 copied: $ratio_2%. A local
  socket cannot be handed pages the guest still owns, so the stack copies
  them on delivery ($zc_late_copy_2 late copies), and after too many of those vhost_zc,
  like vhost-net, stops trying zero-copy for a while ($zc_backoff_2 backoff copies).
- submit -> complete p99 <= $((zpin / 1000)) us: how long a zero-copy buffer stays pinned;
  submit -> signal p99 <= $((zsig / 1000)) us: until the guest is told its buffer is free.

The gate (qlat gate, as make gate uses it): $gv.
Phase 1 is the reference measured in this same boot, so host speed and
TCG noise cancel out; make gate compares fixed scenarios with committed
baselines instead.

Results: cmdq.json, zc.json (qlat --json-file), cmdq.om, zc.om
(OpenMetrics, docs/fleet.md), report.html (the gate's histogram overlays),
gate.txt, {cmdq,zc}-phase{1,2}.json, the live logs, vhostdrv's output: in the
directory below.
EOF
[ "$m0" = "$g0" ] && [ "$m1" = "$g1" ] && [ "$zrc1" = 0 ] && [ "$zrc2" = 0 ]
