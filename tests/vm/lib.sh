# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the VM tests (sourced; POSIX sh + busybox).
# Each test prints TAP lines: "ok N - what" / "not ok N - what", and its
# plan "1..N" at the end (tap_done).

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
B=$REPO/build
QLAT=$B/qlat
KMOD=$B/kmod/$(uname -r)
TRACEFS=/sys/kernel/tracing
DEBUGFS=/sys/kernel/debug
OUT=${QLAT_OUT:-/tmp}
. "$REPO/tests/tap.sh"

# Load a module from build/kmod/<uname -r>/<dir>/<name>.ko (the modules
# built for the running kernel) unless already loaded.
load_mod() { # dir name [params...]
	_d=$1 _m=$2
	shift 2
	[ -d "/sys/module/$_m" ] && return 0
	insmod "$KMOD/$_d/$_m.ko" "$@"
}

unload_mod() {
	[ -d "/sys/module/$1" ] || return 0
	rmmod "$1"
}

# kernel_at_least MAJOR MINOR: the running kernel is that version or later
kernel_at_least() {
	_rel=$(uname -r)
	_maj=${_rel%%.*}
	_min=${_rel#*.}
	_min=${_min%%[!0-9]*}
	[ "$_maj" -gt "$1" ] || { [ "$_maj" -eq "$1" ] && [ "$_min" -ge "$2" ]; }
}

# kernel_rt: the running kernel is PREEMPT_RT
kernel_rt() {
	case "$(uname -v)" in *PREEMPT_RT*) return 0 ;; esac
	return 1
}

# kernel_debug: the running kernel is the debug kernel (tools/build/
# debug-kernel.sh: KASAN, lockdep, kmemleak...), whose checks make every
# guest instruction of the kernel many
kernel_debug() {
	case "$(uname -r)" in *-qlat-debug) return 0 ;; esac
	return 1
}

# tp_drops_counted: the perf-event path (SEC("tracepoint")) counts the runs
# it skips in recursion_misses (6.7 and later; see docs/tracepoints.md)
tp_drops_counted() {
	kernel_at_least 6 7
}

# stat FILE NAME: value of "NAME value" in a debugfs stats file
# read_kv P OUT ERR RC WHAT: a tool's "name value" lines in OUT become
# shell variables P_<name>; with RC non-zero, WHAT's stderr (ERR) goes to
# the TAP diag
read_kv() {
	while read -r _k _v; do
		case "$_k" in *[!a-z0-9_]*) continue ;; esac
		eval "${1}_$_k=\$_v"
	done <"$2"
	if [ "$4" -ne 0 ]; then
		diag "$5 ($1) exited $4:"
		while read -r _l; do diag "  $_l"; done <"$3"
	fi
}

stat_of() {
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print "missing" }' "$1"
}

# qlat_wait_ready FILE: wait until the qlat of QPID, started with
# --ready-file FILE, is attached (up to 30 s; the debug kernel's verifier
# takes seconds). 1 if it exited first (its stderr, QLAT_ERR if set, shown)
# or never got there.
qlat_wait_ready() {
	_i=0
	while [ ! -e "$1" ] && [ $_i -lt 600 ]; do
		if ! kill -0 "$QPID" 2>/dev/null; then
			diag "qlat exited early:"
			[ -n "${QLAT_ERR:-}" ] && sed 's/^/#   /' "$QLAT_ERR"
			return 1
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	rm -f "$1"
	[ $_i -lt 600 ]
}

# qlat_ready_path: a fresh --ready-file path
qlat_ready_path() { mktemp -u /tmp/qlat-ready.XXXXXX; }

# Start qlat in the background; sets QPID. Waits until it is attached.
qlat_start() { # outfile qlat-args...
	_out=$1
	shift
	_ready=$(qlat_ready_path)
	"$QLAT" "$@" --ready-file "$_ready" >"$_out" 2>"$_out.err" &
	QPID=$!
	QLAT_ERR=$_out.err qlat_wait_ready "$_ready"
}

# Stop it with SIGINT and return its exit status
qlat_stop() {
	kill -INT "$QPID"
	wait "$QPID"
}

# tp_layout_check SYSTEM: compare the plain record layouts the
# SEC("tracepoint") fallback programs use (bpf/<system>_tp.h, printed by
# build/tests/tp_layout) with tracefs' format files; sets tp_bad (fields
# that differ, each told with diag) and tp_fields (fields checked).
tp_layout_check() {
	tp_bad=0
	tp_fields=0
	while read -r _ev _field _off _size; do
		tp_fields=$((tp_fields + 1))
		_got=$(awk -v f="$_field" -F'\t' '/^\tfield:/ {
			sub(/^field:.* /, "", $2); sub(/;$/, "", $2)
			if ($2 == f) { sub(/offset:/, "", $3); sub(/size:/, "", $4);
				sub(/;/, "", $3); sub(/;/, "", $4); print $3, $4 } }' \
			"$TRACEFS/events/$1/$_ev/format")
		if [ "$_got" != "$_off $_size" ]; then
			diag "$_ev.$_field: bpf/$1_tp.h has offset $_off size $_size, tracefs '$_got'"
			tp_bad=$((tp_bad + 1))
		fi
	done <<EOT
$("$B/tests/tp_layout" | grep "^$1_")
EOT
}

# hist_buckets QLAT_JSON METRIC...: "metric key le count" for every
# non-empty bucket of those histograms of a qlat --json document (key: the
# thread, pipe or vq), sorted
hist_buckets() {
	_f=$1
	shift
	jq -r --arg ms "$*" '.hists[] | select(.metric | IN(($ms | split(" "))[])) |
		(.thread // .pipe // .vq) as $k | .metric as $m | .hist.buckets[] |
		"\($m) \($k) \(.le) \(.count)"' "$_f" | sort
}

# bt_buckets BPFTRACE_JSON: the same lines from `bpftrace -f json` hist()
# maps @metric[key]: a bucket's max (2^(k+1)-1) is qlat's inclusive le;
# bpftrace's empty interior buckets are left out, as qlat leaves them out
bt_buckets() {
	jq -r 'select(.type == "hist") | .data | to_entries[] |
		(.key | ltrimstr("@")) as $m |
		.value | to_entries[] | .key as $k | .value[] | select(.count > 0) |
		"\($m) \($k) \(.max) \(.count)"' "$1" | sort
}

# hist_same QLAT_JSON BPFTRACE_JSON METRIC...: two checks, that qlat has
# non-empty buckets of those histograms and that bpftrace's are identical
# (the differences go to the TAP diag); leaves qlat's lines in
# QLAT_JSON.txt for further checks, bpftrace's in BPFTRACE_JSON.txt
hist_same() {
	_q=$1 _b=$2
	shift 2
	hist_buckets "$_q" "$@" >"$_q.txt"
	bt_buckets "$_b" >"$_b.txt"
	_n=$(wc -l <"$_q.txt")
	[ "$_n" -gt 0 ]
	ok $? "qlat produced $_n non-empty buckets"
	cmp -s "$_q.txt" "$_b.txt"
	ok $? "bpftrace and qlat buckets are identical ($_n buckets)"
	cmp -s "$_q.txt" "$_b.txt" || diff "$_q.txt" "$_b.txt" | sed 's/^/# /' | head -20
}
