#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmtest: icount (timing-sensitive: runs in the -I suite of make check)
# The frame client's fault knobs, with exact counts: a bad opcode on every
# 10th frame of pipe 1, an IRQ delay longer than the vblank on pipe 0, a
# slow GCE (instruction cost x writes longer than the vblank), and the
# event that never fires (a synchronous flush that must time out cleanly
# and leave its GCE thread usable); from tracefs, the miss kind of every
# packet (failed, running at the deadline) and missed == (eoc > deadline).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"

N=120
VBLANK=6000

cmdq_load vblank_us=$VBLANK enable=0
ok $? "load cmdq_helper, gce_sim (vblank ${VBLANK} us), cmdq_frame, cmdq_dev"
echo 2 >"$FR/pipes" && echo 16 >"$FR/writes" && echo $N >"$FR/frames"
ok $? "frame client: 2 pipes, 16 writes, $N frames"

# Every cmdq_eoc_irq and UNDERRUN of the three runs below, in a tracefs
# instance of our own, checked at the end: missed == 1 exactly when
# eoc_ns > deadline_ns, and the miss kind of each packet
TI=$TRACEFS/instances/qlat23
rmdir "$TI" 2>/dev/null
mkdir "$TI" && echo 'type == 2' >"$TI/events/cmdq/cmdq_vblank/filter" &&
	echo 1 >"$TI/events/cmdq/cmdq_vblank/enable" &&
	echo 1 >"$TI/events/cmdq/cmdq_eoc_irq/enable"
ok $? "tracefs instance: cmdq_eoc_irq and cmdq_vblank UNDERRUNs"

# --- bad opcode on every 10th frame of pipe 1, and the never-firing event ---
echo "bad_opcode 1 10" >"$FR/fault"
ok $? "fault: bad opcode on every 10th frame of pipe 1"
assert_eq "$(cat "$FR/fault")" "bad_opcode 1 10" "fault settings read back"
snap b0
echo 1 >"$GS/enable" && echo 1 >"$FR/enable"
echo "bad_opcode 1 5" >"$FR/fault" 2>/dev/null && rc=accepted || rc=refused
assert_eq "$rc" refused "fault settings are refused while running"
# the event that never fires, on the probe thread, while the frames run
echo 50 >"$FR/timeout_probe"
ok $? "timeout probe: flush with a 50 ms timeout on an event nobody raises"
frame_wait_done 60
ok $? "$N frames done"
echo 0 >"$FR/enable"
echo 0 >"$GS/enable"
echo clear >"$FR/fault"
snap b1
assert_eq "$(d b0 b1 frame1_bad_frames)" $((N / 10)) "pipe 1: $((N / 10)) packets got a bad opcode"
assert_eq "$(d b0 b1 frame1_cb_enoexec)" $((N / 10)) "pipe 1: $((N / 10)) callbacks with ENOEXEC"
assert_eq "$(d b0 b1 frame1_cb_ok)" $((N - N / 10)) "pipe 1: the other $((N - N / 10)) OK"
assert_eq "$(d b0 b1 thread5_errors)" $((N / 10)) "model: thread 5 raised $((N / 10)) ERROR IRQs"
assert_eq "$(d b0 b1 pipe1_misses)" $((N / 10)) \
	"model: each failed packet (released by EOF, never reached EOC) is a miss"
assert_eq "$(d b0 b1 frame1_committed) $(d b0 b1 frame1_skipped)" "$N 0" \
	"pipe 1: the thread kept running every frame"
assert_eq "$(d b0 b1 frame0_cb_ok) $(d b0 b1 pipe0_misses)" "$N 0" "pipe 0 is unaffected"
assert_eq "$(d b0 b1 frame_probes)" 1 "one timeout probe ran"
assert_eq "$(d b0 b1 frame_timeouts)" 1 "it timed out"
assert_eq "$(v b1 frame_probe_last_status)" -110 "with -ETIMEDOUT"
assert_eq "$(d b0 b1 frame_probe_followup_ok)" 1 "and the next packet on its thread ran"
assert_eq "$(v b1 frame_probe_last_followup)" 0 "with status 0"
assert_eq "$("$C" regs --values 0x1400b000)" 0x00000001 "the follow-up packet's write landed"
assert_eq "$(d b0 b1 thread7_aborted) $(d b0 b1 thread7_done)" "1 1" \
	"model: thread 7 aborted the waiting packet, then completed one"
assert_eq "$(d b0 b1 helper_sync_timeouts) $(d b0 b1 helper_cb_etimedout)" "1 1" \
	"helper: one sync timeout, one ETIMEDOUT callback"
assert_eq "$(v b1 thread7_bound) $(v b1 thread7_queued)" "0 0" "the probe thread is free and empty"

# --- IRQ delay longer than the vblank on pipe 0 ---
echo "irq_delay 0 8000" >"$FR/fault"
snap i0
frame_run 60
ok $? "$N frames with an 8 ms IRQ delay on pipe 0"
echo clear >"$FR/fault"
snap i1
assert_eq "$(d i0 i1 thread4_irq_delays)" $N "model: $N delayed EOC IRQs on thread 4"
assert_eq "$(d i0 i1 frame0_late) $(d i0 i1 pipe0_misses)" "$N $N" \
	"pipe 0: every frame late, by the client and the model"
assert_eq "$(d i0 i1 frame0_cb_ok) $(d i0 i1 frame0_skipped)" "$N 0" \
	"pipe 0: still one OK packet per frame"
assert_eq "$(d i0 i1 frame1_late) $(d i0 i1 pipe1_misses)" "0 0" "pipe 1 is unaffected"
assert_eq "$(cat "$GS/fault")" "" "the model's fault settings are cleared at disable"

# --- a slow GCE: 1000 writes at 10 us each take longer than the vblank ---
echo 10000 >"$FR/inst_cost_ns"
assert_eq "$(cat "$GS/inst_cost_ns")" 10000 "inst_cost_ns passes through to gce_sim"
echo 1000 >"$FR/writes" && echo 30 >"$FR/frames"
snap s0
frame_run 60
ok $? "30 frames of 1000 writes at 10 us per instruction"
snap s1
echo 100 >"$FR/inst_cost_ns"
assert_eq "$(d s0 s1 frame0_late) $(d s0 s1 frame1_late)" "30 30" "every frame late on both pipes"
assert_eq "$(d s0 s1 pipe0_misses) $(d s0 s1 pipe1_misses)" "30 30" "the model agrees"
assert_eq "$(d s0 s1 thread4_inst)" $((30 * 1003)) \
	"model: 1003 instructions executed per packet (the final JUMP is not)"

echo 0 >"$TI/tracing_on"
# per record: "E pipe missed miss late" (late: eoc_ns > deadline_ns) or
# "U pipe miss"; then the sums
awk '{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	if (index($0, "cmdq_eoc_irq:") && f["pipe"] >= 0) {
		n++
		if (f["missed"] != (f["eoc_ns"] > f["deadline_ns"])) bad++
		k[f["miss"]]++
	} else if (index($0, "cmdq_vblank:")) u[f["miss"]]++
} END {
	printf "n=%d bad=%d none=%d late=%d running=%d failed=%d ", n, bad, k["none"],
		k["late"], k["running"], k["failed"]
	printf "ulate=%d urunning=%d ufailed=%d\n", u["late"], u["running"], u["failed"]
}' "$TI/trace" >"$OUT/kinds.txt"
eval "$(cat "$OUT/kinds.txt")"
echo 0 >"$TI/events/enable"
rmdir "$TI"
assert_eq "$n/$bad" "$((4 * N + 60))/0" \
	"tracefs: $((4 * N + 60)) EOCs of released packets, missed == (eoc_ns > deadline_ns) in each"
# pipe 1 bad opcodes: failed; IRQ delay (pipe 0) and slow GCE: running at the SOF
assert_eq "$failed/$running/$late" "$((N / 10))/$((N + 60))/0" \
	"tracefs: miss kinds of the EOCs: failed $((N / 10)), running $((N + 60)), late 0"
assert_eq "$ufailed/$urunning/$ulate" "$failed/$running/$late" \
	"tracefs: one UNDERRUN per missed packet, of the same kind"

assert_eq "$(v s1 helper_pkt_created)" "$(v s1 helper_pkt_destroyed)" "every packet destroyed"
assert_eq "$(v s1 helper_clients)" 0 "no mailbox client left"
cmdq_unload
ok $? "unload"
tap_done
