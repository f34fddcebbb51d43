# SPDX-License-Identifier: GPL-2.0
# Helpers of the /dev/cmdq and frame client VM tests (tests/vm/2N-cmdq-*.sh);
# sourced after lib.sh.

C=$B/cmdqctl
GS=$DEBUGFS/gce_sim
FR=$DEBUGFS/cmdq_frame
HS=$DEBUGFS/cmdq_helper/stats
export REPO

cmdq_unload() {
	unload_mod cmdq_dev && unload_mod gce_sim && unload_mod cmdq_helper
}

# Fresh modules: cmdq_load [gce_sim params...]
cmdq_load() {
	cmdq_unload || return 1
	load_mod cmdq cmdq_helper && load_mod cmdq gce_sim "$@" && load_mod cmdq cmdq_dev
}

# snap FILE: every counter, "name value" (cmdqctl stats)
snap() { "$C" stats >"$1"; }

# d BEFORE AFTER NAME: growth of a counter between two snapshots
d() { echo $(($(stat_of "$2" "$3") - $(stat_of "$1" "$3"))); }

# sum of NAME over threads/pipes: dsum BEFORE AFTER PATTERN (awk regex on names)
dsum() {
	awk -v p="$3" 'FNR == NR { if ($1 ~ p) b += $2; next } $1 ~ p { a += $2 }
		END { print a - b }' "$1" "$2"
}

# perf_count CSVFILE EVENT: a count from perf stat -x,
perf_count() {
	awk -F, -v e="$2" '$3 == e { print $1; f = 1 } END { if (!f) print "missing" }' "$1"
}

# wait until the frame client has committed its frames and drained
frame_wait_done() { # timeout_s
	_i=0
	while [ "$(stat_of "$FR/stats" done)" != 1 ]; do
		[ $_i -ge $(($1 * 10)) ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
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
