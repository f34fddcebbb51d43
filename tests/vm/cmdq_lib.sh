# SPDX-License-Identifier: GPL-2.0
# Helpers of the /dev/cmdq and frame client VM tests (tests/vm/2N-cmdq-*.sh);
# sourced after lib.sh. Under TCG every exec of a dynamic host binary (awk,
# sed, tr...) costs ~0.5 s, so these use shell builtins and the static
# cmdqctl only.

C=$B/cmdqctl
GS=$DEBUGFS/gce_sim
FR=$DEBUGFS/cmdq_frame
export REPO

cmdq_unload() {
	unload_mod cmdq_dev && unload_mod cmdq_frame && unload_mod gce_sim && unload_mod cmdq_helper
}

# Fresh modules: cmdq_load [gce_sim params...]
cmdq_load() {
	cmdq_unload || return 1
	load_mod cmdq cmdq_helper && load_mod cmdq gce_sim "$@" && load_mod cmdq cmdq_frame &&
		load_mod cmdq cmdq_dev
}

# snap P: every counter (cmdqctl stats) into shell variables P_<name>
snap() { eval "$("$C" stats --prefix "$1")"; }

# v P NAME: a snapshot's value
v() { eval "echo \${${1}_$2:-missing}"; }

# d A B NAME: growth of a counter from snapshot A to snapshot B
d() { eval "echo \$((${2}_$3 - ${1}_$3))"; }

# kv KEY WORD...: the word after KEY in "key value key value ..." output
kv() {
	_k=$1
	shift
	while [ $# -ge 2 ]; do
		if [ "$1" = "$_k" ]; then
			echo "$2"
			return
		fi
		shift 2
	done
	echo missing
}

# w2 WORD...: the first two words ("status OK" of a submit)
w2() { echo "$1 $2"; }

# perf_count CSVFILE EVENT: a count from perf stat -x,
perf_count() {
	_pc=missing
	while IFS=, read -r _c _u _e _rest; do
		[ "$_e" = "$2" ] && _pc=$_c
	done <"$1"
	echo "$_pc"
}

# the frame client's "done" (second line of its stats)
frame_done() {
	{
		read -r _n _v
		read -r _n _v
	} <"$FR/stats"
	[ "$_v" = 1 ]
}

# wait until the frame client has committed its frames and drained; polls
# with ioctls, since exec'ing host binaries over 9p delays the VM's timers
frame_wait_done() { # timeout_s
	[ "$("$C" frame-wait --timeout $(($1 * 1000)))" = done ]
}

# One frame-client run: start the timing generator and the client, wait for
# its frames, stop both (so that perf stat brackets every event of the run).
frame_run() { # timeout_s
	echo 1 >"$GS/enable" && echo 1 >"$FR/enable" || return 1
	frame_wait_done "$1"
	_st=$?
	echo 0 >"$FR/enable"
	echo 0 >"$GS/enable"
	return $_st
}

# tg_stop_midframe PIPE: start the timing generator (a start begins with a
# SOF) and stop it before PIPE's EOF, so that its SOF and EOF counters stay
# one apart; again if the EOF came first (up to 20 times). Leaves snapshot
# g; 0 if PIPE stopped mid-frame.
tg_stop_midframe() {
	_t=0
	while [ $_t -lt 20 ]; do
		echo 1 >"$GS/enable"
		snap g
		echo 0 >"$GS/enable"
		snap g
		[ "$(v g "pipe$1_frames")" -gt "$(v g "pipe$1_eofs")" ] && return 0
		_t=$((_t + 1))
	done
	return 1
}
