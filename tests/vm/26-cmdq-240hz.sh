#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmtest: icount (timing-sensitive: runs in the -I suite of make check)
# The model's misses come from the program, never from the host: three
# pipes at 240 Hz (vblank 417 us, 10 % of the frame), 1000 register writes
# per frame (100 us of GCE time at 100 ns per instruction), 2000 frames per
# pipe, nothing injected: every frame committed in its vblank and made
# its deadline, 0 misses, 0 skipped, on the model's counters and in qlat.
# Under vmtest.sh -I the guest clock is the instruction count, so a busy
# host cannot change the figures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"

FRAMES=${CMDQ_240_FRAMES:-2000}
WRITES=1000

if kernel_debug; then
	# a throughput figure of a production kernel: on the debug kernel
	# (KASAN, lockdep; every instruction counts under -I) every packet
	# misses (2000 of 2000 per pipe, measured)
	skip "3 pipes x 240 Hz x $WRITES writes make every vblank" \
		"the debug kernel's checks cost the model its deadlines at this rate"
	tap_done
	exit
fi

cmdq_load pipes=3 hz=240 enable=0
ok $? "load cmdq_helper, gce_sim (3 pipes, 240 Hz, generator stopped), cmdq_dev"
echo 3 >"$FR/pipes" && echo $WRITES >"$FR/writes" && echo $FRAMES >"$FR/frames" &&
	echo 240 >"$FR/hz"
ok $? "frame client: 3 pipes, $WRITES writes, $FRAMES frames, 240 Hz"

# Before the run, the counters the frame client once took its phase from
# are knocked out of step: zeroed while the generator runs, then the
# generator stopped between a SOF and its EOF (retried if it got to EOF)
echo 1 >"$GS/enable"
echo 1 >"$GS/reset_stats"
tg_stop_midframe 2
ok $? "counters reset while running, generator stopped mid-frame ($(v g pipe2_frames) SOFs, $(v g pipe2_eofs) EOFs)"

out=$OUT/qlat-cmdq-240.json
if qlat_start "$out" cmdq --json; then
	snap a
	frame_run 120
	ok $? "$FRAMES frames per pipe"
	snap b
	qlat_stop
	ok $? "qlat exits 0 on SIGINT"
	for p in 0 1 2; do
		assert_eq "$(d a b frame${p}_committed)/$(d a b frame${p}_cb_ok)/$(d a b frame${p}_skipped)" \
			"$FRAMES/$FRAMES/0" "pipe $p: committed/callbacks OK/skipped"
		assert_eq "$(d a b pipe${p}_misses)/$(d a b pipe${p}_skipped)" 0/0 \
			"pipe $p: model misses/frames the generator skipped"
	done
	eval "$(jq -r '"qm=\([.misses[0:3][]] | add) nslack=\([.hists[] |
		select(.metric == "slack") | .hist.count] | add)"' "$out")"
	assert_eq "$qm/$nslack" "0/$((3 * FRAMES))" \
		"qlat: 0 misses, slack histograms hold every packet"
	assert_eq "$(d a b threads_inst)" $((3 * FRAMES * (WRITES + 3))) \
		"model: $((WRITES + 3)) instructions executed per packet (the final JUMP is not)"
else
	ok 1 "qlat attached"
fi
cmdq_unload
ok $? "unload"
tap_done
