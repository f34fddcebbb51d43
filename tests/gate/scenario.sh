#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The fixed scenarios of `make gate` (runs in the guest, under vmtest.sh -I):
#
#  cmdq: the frame client drives 2 display pipes through the CMDQ helper and
#        the GCE model, pipe 0 at 60 Hz (vblank 6 ms), pipe 1 at 120 Hz
#        (vblank 4 ms), 16 register writes per frame, 300 frames per pipe,
#        no faults; qlat cmdq watches.
#  zc:   vhostdrv sends 10000 frames of 1500 bytes through /dev/vhost-zc-net
#        into a tap nobody reads (zero-copy end to end), 128 in flight;
#        qlat zc watches.
#
# Usage: scenario.sh [OUTDIR]   (default $QLAT_OUT)
# Writes OUTDIR/{cmdq,zc}.json (qlat --json-file), OUTDIR/{cmdq,zc}.om
# (--openmetrics-file), OUTDIR/{cmdq,zc}.prom (--prometheus-file) and
# OUTDIR/scenario.txt (the drivers' own counters).
#
# GATE_SLOW=1 runs the same scenarios with deliberately slowed drivers:
#  cmdq: the GCE thread of pipe 0 stalls 8 ms (> its 6 ms vblank) on every
#        10th packet (the frame client's stall fault), so 10% of pipe 0's
#        packets miss their deadline;
#  zc:   vhost_zc's zcopytx=0 (module parameter): every TX buffer is copied
#        instead of pinned, so the copy-fallback ratio goes from ~0 to 1.
# Exit 0 when both scenarios ran (whatever they measured), 1 otherwise.
T=$(cd "$(dirname "$0")/../vm" && pwd)
. "$T/lib.sh"
. "$T/cmdq_lib.sh"
. "$T/zc_lib.sh"

R=${1:-$OUT}
SLOW=${GATE_SLOW:-0}
FRAMES=300
STALL_US=8000
ZC_N=10000
mkdir -p "$R" || exit 1
rm -f "$R/cmdq.json" "$R/cmdq.om" "$R/zc.json" "$R/zc.om"
log() { echo "gate-scenario: $*"; }
fail() { log "FAILED: $*"; exit 1; }

# --- cmdq ---
cmdq_load vblank_us=6000 enable=0 || fail "loading the cmdq modules"
echo 2 >"$FR/pipes" && echo 16 >"$FR/writes" && echo $FRAMES >"$FR/frames" &&
	echo "0 60" >"$FR/hz" && echo "1 120" >"$FR/hz" &&
	echo "0 6000" >"$FR/vblank_us" && echo "1 4000" >"$FR/vblank_us" ||
	fail "setting up the frame client"
if [ "$SLOW" = 1 ]; then
	echo "stall 0 10 $STALL_US" >"$FR/fault" || fail "stall fault"
	log "cmdq: SLOW: pipe 0 stalls $STALL_US us on every 10th frame"
fi
qlat_start "$R/cmdq.txt" cmdq --json-file "$R/cmdq.json" \
	--openmetrics-file "$R/cmdq.om" --prometheus-file "$R/cmdq.prom" ||
	fail "qlat cmdq did not attach"
snap a
frame_run 60
st=$?
snap b
qlat_stop || fail "qlat cmdq exited $?"
[ $st = 0 ] || fail "the frame client did not finish"
echo clear >"$FR/fault"
log "cmdq: $FRAMES frames per pipe; model misses pipe0 $(d a b pipe0_misses)" \
	"pipe1 $(d a b pipe1_misses); stalls $(d a b frame0_stall_frames)"
{
	echo "cmdq_frames $FRAMES"
	echo "cmdq_pipe0_misses $(d a b pipe0_misses)"
	echo "cmdq_pipe1_misses $(d a b pipe1_misses)"
	echo "cmdq_pipe0_stalls $(d a b frame0_stall_frames)"
} >"$R/scenario.txt"
cmdq_unload || fail "unloading the cmdq modules"

# --- zc ---
zc_load || fail "loading vhost_zc"
ZP=/sys/module/vhost_zc/parameters
if [ "$SLOW" = 1 ]; then
	echo 0 >$ZP/zcopytx || fail "zcopytx=0"
	log "zc: SLOW: zcopytx=0, every TX buffer copied"
else
	echo 1 >$ZP/zcopytx || fail "zcopytx=1"
fi
qlat_start "$R/zc.txt" zc --json-file "$R/zc.json" \
	--openmetrics-file "$R/zc.om" --prometheus-file "$R/zc.prom" ||
	fail "qlat zc did not attach"
zc_snap a
zc_run gate -s 1500 -n $ZC_N -q 128 -N
zc_snap b
qlat_stop || fail "qlat zc exited $?"
echo 1 >$ZP/zcopytx
[ "$ZC_RC" = 0 ] || fail "vhostdrv exited $ZC_RC"
log "zc: $ZC_N frames; submitted $(zc_d a b submitted) zerocopy $(zc_d a b zerocopy)" \
	"copied $(zc_d a b copied) late-copied $(zc_d a b zc_late_copy)"
{
	echo "zc_submitted $(zc_d a b submitted)"
	echo "zc_zerocopy $(zc_d a b zerocopy)"
	echo "zc_copied $(zc_d a b copied)"
	echo "zc_late_copy $(zc_d a b zc_late_copy)"
} >>"$R/scenario.txt"
unload_mod vhost_zc || fail "unloading vhost_zc"
exit 0
