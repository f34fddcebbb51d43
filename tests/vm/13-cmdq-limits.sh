#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmtest: icount (timing-sensitive: runs in the -I suite of make check)
# qlat cmdq per-pipe deadline misses against the GCE model with stalls
# injected, exactly, and the limits: --max-misses N and --threshold NS stop
# the run with exit 2 and print the last events leading to the breach
# (from the BPF ring buffer), the triggering one last; a packet that never
# completes is a miss at its deadline (UNDERRUN at the next SOF, once), and
# --max-misses 0 stops within a frame of it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"

FRAMES=300
VBLANK=6000
STALL=11000

cmdq_load vblank_us=$VBLANK enable=0
ok $? "load cmdq_helper, gce_sim (vblank ${VBLANK} us, generator stopped), cmdq_frame, cmdq_dev"
echo 2 >"$FR/pipes" && echo 16 >"$FR/writes" && echo $FRAMES >"$FR/frames" &&
	echo 60 >"$FR/hz" && echo "stall 0 10 $STALL" >"$FR/fault"
ok $? "frame client: 2 pipes, $FRAMES frames, pipe 0 stalled ${STALL} us every 10th frame"

# Stop the timing generator between a SOF and its EOF (its counters are
# then one frame apart for good): the frame client must still find the
# vblank (it once read the phase from those counters, and then committed
# every frame in the active region)
tg_stop_midframe 1
ok $? "timing generator stopped mid-frame ($(v g pipe1_frames) SOFs, $(v g pipe1_eofs) EOFs)"

# misses per pipe == the model's underruns, exactly
out=$OUT/qlat-cmdq-misses.json
if qlat_start "$out" cmdq --json; then
	snap a
	frame_run 60
	ok $? "$FRAMES frames per pipe"
	snap b
	qlat_stop
	ok $? "qlat exits 0 on SIGINT"
	eval "$(jq -r '"m0=\(.misses[0]) m1=\(.misses[1]) late0=\(.hists[] |
		select(.metric == "late" and .pipe == 0) | .hist.count)",
		(.hists[] | select(.metric == "flush_eoc" and .thread == 5) |
		"fe1_n=\(.hist.count) fe1_mean=\(.hist.sum / .hist.count | floor)")' "$out")"
	# pipe 1 (GCE thread 5) is never stalled: each packet is committed in
	# the vblank before its frame and released by that frame's EOF, so
	# flush->EOC is between the active region and one period (the first
	# frame's packet, committed in its active region, pulls the mean down
	# by ~20 us)
	active=$((1000000000 / 60 - VBLANK * 1000))
	[ "${fe1_n:-0}" = $FRAMES ] && [ "${fe1_mean:-0}" -gt $((active + 4000000)) ] &&
		[ "$fe1_mean" -le $((1000000000 / 60)) ]
	ok $? "pipe 1: committed in the vblank: mean flush->EOC $fe1_mean ns of $fe1_n in ($((active + 4000000)), $((1000000000 / 60))]"
	assert_eq "$(d a b pipe0_misses)/$(d a b pipe1_misses)" $((FRAMES / 10))/0 \
		"model: $((FRAMES / 10)) misses on pipe 0, none on pipe 1"
	assert_eq "$m0/$m1" "$(d a b pipe0_misses)/$(d a b pipe1_misses)" \
		"qlat misses per pipe == the model's underruns"
	assert_eq "$late0" "$m0" "pipe 0 lateness histogram total == its misses"
else
	ok 1 "qlat attached"
fi

# limit_run NAME ARGS...: qlat with a limit during a frame-client run;
# sets st (exit status) and the breach figures from its JSON
limit_run() {
	_n=$1
	shift
	_r=$(qlat_ready_path)
	"$QLAT" cmdq --json "$@" --ready-file "$_r" >"$OUT/qlat-$_n.json" 2>"$OUT/qlat-$_n.err" &
	QPID=$!
	QLAT_ERR=$OUT/qlat-$_n.err qlat_wait_ready "$_r"
	frame_run 60
	_i=0
	while kill -0 $QPID 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -INT $QPID 2>/dev/null
	wait $QPID
	st=$?
	eval "$(jq -r '.breach as $b | "reason=\($b.reason) trig=\($b.trigger_recorded)",
		"nev=\($b.events | length) seen=\($b.records_seen)",
		"lmiss=\($b.events[-1].missed) lpipe=\($b.events[-1].pipe)",
		"lev=\($b.events[-1].event) lkind=\($b.events[-1].miss)",
		"lval=\($b.events[-1].value_ns)",
		"nmiss=\([$b.events[] | select(.event == "underrun")] | length)",
		"over=\(.events.over_threshold) lost=\(.events.evidence_dropped)"' \
		"$OUT/qlat-$_n.json")"
}

limit_run maxmiss --max-misses 5 --evidence 60
assert_eq "$st" 2 "--max-misses 5: exit status 2"
assert_eq "$reason/$trig" max-misses/true "--max-misses: reason, trigger recorded"
assert_eq "$lmiss/$lpipe/$lev/$lkind" true/0/underrun/running \
	"--max-misses: the last event is a pipe 0 UNDERRUN, the packet running at its deadline"
assert_eq "$nev/$lost" 60/0 "--max-misses: 60 events of evidence, none lost"
[ "$nmiss" -ge 2 ] && [ "$nmiss" -le 6 ]
ok $? "--max-misses: the evidence holds the UNDERRUNs leading up ($nmiss of 6)"

# a clean frame's flush->EOC is at most one period (16.7 ms), a stalled
# one's a period plus the stall (27.7 ms)
limit_run thresh --threshold 20000000 --evidence 10
assert_eq "$st" 2 "--threshold 20 ms: exit status 2"
assert_eq "$reason/$trig/$lpipe" threshold/true/0 "--threshold: reason, trigger recorded, pipe 0"
[ "${lval:-0}" -gt 20000000 ] && [ "$over" -ge 1 ]
ok $? "--threshold: the trigger's flush->EOC is over 20 ms ($lval ns)"
want=$seen
[ "$want" -gt 10 ] && want=10
assert_eq "$nev" "$want" "--threshold: min(10, records seen) events of evidence"

# the terminal form names the breach and marks the trigger
_r=$(qlat_ready_path)
"$QLAT" cmdq --max-misses 0 --evidence 4 --ready-file "$_r" >"$OUT/qlat-tty.out" 2>&1 &
QPID=$!
QLAT_ERR=$OUT/qlat-tty.out qlat_wait_ready "$_r"
frame_run 60
wait $QPID
assert_eq $? 2 "--max-misses 0, terminal: exit status 2"
grep -q '^BREACH: more than 0 deadline misses (--max-misses)' "$OUT/qlat-tty.out" &&
	grep -q 'UNDERRUN pipe 0 .* MISSED (running) *<== breach$' "$OUT/qlat-tty.out"
ok $? "terminal: BREACH line, the trigger marked: an UNDERRUN of a running packet"

# --- a stall that never ends on pipe 0 ---
# No frame client: a packet on GCE thread 9 (/dev/cmdq) is released by
# pipe 0's EOF, then waits for event 1001, which nobody sets. It is still
# running at its deadline, the next SOF: the model counts its miss there,
# once (not again at the SOFs after), and qlat --max-misses 0 stops on its
# UNDERRUN within one frame period of the deadline. A second qlat, without
# limits, counts exactly the model's underruns, through the abort too.
PERIOD=$((1000000000 / 60))
echo 0 >"$GS/enable" && echo 60 >"$GS/hz" && echo $VBLANK >"$GS/vblank_us"
ok $? "timing generator stopped, 60 Hz, vblank $VBLANK us"
snap n0
qlat_start "$OUT/qlat-never-all.json" cmdq --json
ok $? "qlat (no limits) attached"
QALL=$QPID
_r=$(qlat_ready_path)
"$QLAT" cmdq --json --max-misses 0 --evidence 8 --ready-file "$_r" \
	>"$OUT/qlat-never.json" 2>"$OUT/qlat-never.err" &
QPID=$!
QLAT_ERR=$OUT/qlat-never.err qlat_wait_ready "$_r"
ok $? "qlat --max-misses 0 attached"
QLIM=$QPID
exec 7<>/dev/cmdq
"$C" -f 7 bind 9 >/dev/null && echo 1 >"$GS/enable"
# shellcheck disable=SC2046
set -- $("$C" -f 7 submit --async clear_event:event=1001 clear_event:event=53 wfe:event=53 \
	wfe:event=1001)
npkt=$(kv pkt "$@")
[ "$(kv ticket "$@")" != missing ]
ok $? "packet $npkt queued on thread 9: EOF of pipe 0, then event 1001 (never set)"
_i=0
while kill -0 $QLIM 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
kill -INT $QLIM 2>/dev/null
wait $QLIM
st=$?
snap n1
# more SOFs while the packet still runs: no second miss
sleep 0.1
snap n2
assert_eq "$st" 2 "--max-misses 0, packet never completes: exit status 2"
eval "$(jq -r '.breach as $b | $b.events[-1] as $e |
	"reason=\($b.reason) trig=\($b.trigger_recorded)",
	"lev=\($e.event) lpipe=\($e.pipe) lkind=\($e.miss) lpkt=\($e.packet) lthr=\($e.thread)",
	"dl=\($e.ts_ns) det=\($b.detected_ns) qm0=\(.misses[0]) qudr=\(.events.underrun)"' \
	"$OUT/qlat-never.json")"
assert_eq "$reason/$trig" max-misses/true "never ends: breach max-misses, trigger recorded"
assert_eq "$lev/$lpipe/$lkind/$lpkt/$lthr" "underrun/0/running/$npkt/9" \
	"never ends: the breach is the UNDERRUN of packet $npkt (pipe 0, thread 9, running)"
delay=$((det - dl))
[ "$delay" -gt 0 ] && [ "$delay" -le $PERIOD ]
ok $? "never ends: deadline -> qlat breach in $delay ns (<= one frame, $PERIOD ns)"
assert_eq "$(d n0 n1 pipe0_misses)/$(d n0 n1 thread9_misses)" 1/1 \
	"never ends: the model counted 1 underrun (pipe 0, thread 9)"
assert_eq "$qm0/$qudr" "$(d n0 n1 pipe0_misses)/$(d n0 n1 pipe0_misses)" \
	"never ends: qlat misses == model underruns"
[ "$(d n1 n2 pipe0_frames)" -ge 3 ]
ok $? "never ends: $(d n1 n2 pipe0_frames) more SOFs with the packet running"
assert_eq "$(d n0 n2 pipe0_misses)/$(v n2 thread9_state)/$(v n2 thread9_wait_event)" 1/2/1001 \
	"never ends: still 1 underrun, the packet still waiting on event 1001"
"$C" -f 7 unbind >/dev/null
echo 0 >"$GS/enable"
exec 7>&-
snap n3
assert_eq "$(d n0 n3 thread9_aborted)/$(d n0 n3 pipe0_misses)/$(v n3 thread9_last_missed)" 1/1/1 \
	"never ends: aborted at unbind, still 1 miss, its EOC after the deadline (missed)"
QPID=$QALL
qlat_stop
ok $? "qlat (no limits) exits 0"
eval "$(jq -r '"am0=\(.misses[0]) audr=\(.events.underrun) alate=\([.hists[] |
	select(.metric == "late" and .pipe == 0) | .hist.count] | add // 0)"' \
	"$OUT/qlat-never-all.json")"
assert_eq "$am0/$audr/$alate" "$(d n0 n3 pipe0_misses)/$(d n0 n3 pipe0_misses)/1" \
	"never ends: qlat (no limits) misses == UNDERRUNs == model underruns, the abort binned late"

for bad in "--max-misses -1" "--threshold 1x" "--evidence 100001" "--pipe 3"; do
	# shellcheck disable=SC2086
	"$QLAT" cmdq $bad -d 1 >/dev/null 2>"$OUT/qlat-bad.err"
	st=$?
	[ $st = 1 ] && [ -s "$OUT/qlat-bad.err" ]
	ok $? "qlat cmdq $bad: exit 1 with a message (got $st)"
done

echo clear >"$FR/fault"
cmdq_unload
ok $? "unload"
tap_done
