# SPDX-License-Identifier: GPL-2.0
# Shared by the benchmarks of tests/bench/ (sourced; POSIX sh). Needs REPO.

# bench_vm T SCRIPT ARGS...: on the host, boot a VM with vmtest.sh and run
# SCRIPT ARGS in it (exec: does not return). The house clock: one vCPU and
# QEMU's instruction counter at a fixed rate (-icount shift=0,sleep=off),
# so guest time counts guest instructions whatever else the host runs;
# with T = -T, plain TCG on vmtest.sh's default vCPUs (host time).
# With QLAT_BENCH_PROF=DIR (a host dir), QEMU also loads the instruction
# profiler (build/qprof.so, tests/bench/qprof.c), which writes DIR; the
# guest sees DIR as $QLAT_OUT and marks the windows with prof_mark.
# QLAT_BENCH_VMTEST_ARGS: more vmtest.sh options (split on blanks), e.g.
# "-m 1G".
bench_vm() {
	_t=$1
	shift
	# shellcheck disable=SC2086 # options, split on purpose
	set -- -t 3600 ${QLAT_BENCH_VMTEST_ARGS:-} -- "$@"
	if [ -n "${QLAT_BENCH_PROF:-}" ]; then
		[ -f "$REPO/build/qprof.so" ] || { echo "bench: no build/qprof.so (make)" >&2; exit 1; }
		mkdir -p "$QLAT_BENCH_PROF" || exit 1
		export QLAT_VM_QEMU_ARGS="${QLAT_VM_QEMU_ARGS:+$QLAT_VM_QEMU_ARGS }-plugin $REPO/build/qprof.so,dir=$QLAT_BENCH_PROF"
		set -- -o "$QLAT_BENCH_PROF" -e QLAT_BENCH_PROF=1 "$@"
	fi
	if [ -z "$_t" ]; then
		export QLAT_VM_QEMU_ARGS="${QLAT_VM_QEMU_ARGS:+$QLAT_VM_QEMU_ARGS }-icount shift=0,sleep=off"
		exec "$REPO/vmtest.sh" -s 1 -e QLAT_BENCH_CLOCK= "$@"
	fi
	exec "$REPO/vmtest.sh" -e QLAT_BENCH_CLOCK=tcg "$@"
}

# bench_prof DIR: on the host, before bench_vm: profile into DIR (its
# -P option; nothing when DIR is empty)
bench_prof() {
	[ -n "$1" ] || return 0
	mkdir -p "$1" && QLAT_BENCH_PROF=$(cd "$1" && pwd) || exit 1
	export QLAT_BENCH_PROF
}

# prof_mark start | prof_mark stop LABEL: in the VM, open or close a qprof
# window (nothing without QLAT_BENCH_PROF). stop leaves LABEL.tb (the
# plugin's counts) and LABEL.kallsyms (the symbols then: modules come and
# go between windows) in $QLAT_OUT, for tests/bench/qprof-report.sh. Waits
# until the plugin has acted (guest time runs on while it waits).
prof_mark() {
	[ -n "${QLAT_BENCH_PROF:-}" ] || return 0
	# numbered in a file: callers run in $(...) subshells too
	_prof_seq=$(($(cat /tmp/.qprof-seq 2>/dev/null || echo 0) + 1))
	echo "$_prof_seq" >/tmp/.qprof-seq
	echo "$_prof_seq $*" >"$QLAT_OUT/prof.ctl"
	_i=0
	until [ "$(cat "$QLAT_OUT/prof.ack" 2>/dev/null)" = "$_prof_seq" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 3000 ]; then
			echo "prof_mark: qprof did not answer '$*'" >&2
			return 1
		fi
		sleep 0.01
	done
	[ "$1" != stop ] || cat /proc/kallsyms >"$QLAT_OUT/$2.kallsyms"
}

# bench_clock: in the VM, what its guest time is (for the report)
bench_clock() {
	if [ "${QLAT_BENCH_CLOCK:-icount}" = icount ]; then
		echo "QEMU icount shift=0, 1 vCPU: guest time counts instructions, 1 ns = 1 instruction"
	else
		echo "plain TCG, $(nproc) vCPUs: guest time is host time"
	fi
}

# prof_units LABEL UNITS: in the VM, what a window's figures are divided by
# (frames, events); prof_report A B [REGEX]: windows A and B compared per
# unit, the functions matching REGEX first (e.g. a module's), then the
# whole kernel (nothing without QLAT_BENCH_PROF)
prof_units() {
	[ -z "${QLAT_BENCH_PROF:-}" ] || echo "$2" >"$QLAT_OUT/$1.units"
}
prof_report() {
	[ -n "${QLAT_BENCH_PROF:-}" ] || return 0
	_u="$(cat "$QLAT_OUT/$1.units"),$(cat "$QLAT_OUT/$2.units")"
	echo "# where the instructions go, per unit: A = $1, B = $2"
	if [ -n "${3:-}" ]; then
		"$REPO/tests/bench/qprof-report.sh" -u "$_u" -n 12 -g "$3" \
			"$QLAT_OUT/$1.tb" "$QLAT_OUT/$2.tb" | sed 's/^/# /'
	fi
	"$REPO/tests/bench/qprof-report.sh" -u "$_u" -n 12 \
		"$QLAT_OUT/$1.tb" "$QLAT_OUT/$2.tb" | sed 's/^/# /'
}
