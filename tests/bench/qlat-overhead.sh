#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): what `qlat cmdq` adds per traced event, side by
# side with (a) an empty BPF program on the same cmdq:* tracepoints in the
# same attach flavour (bpf/empty.bpf.c, loaded by build/bpfempty) and
# (b) the equivalent bpftrace script (hist() of the same latencies, counts
# of the same events), in one VM run; plus the start-up time of qlat cmdq,
# qlat zc and qlat zc --stock against an empty loader's and bpftrace's.
#
#   tests/bench/qlat-overhead.sh [-r ROUNDS] [-n BURST] [-d LOAD_MS] [-s STARTS]
#                                [-q QLAT] [-x] [-T] [-P DIR]
#
# -q benchmarks another qlat binary (default build/qlat). -T: plain TCG
# timing instead of the instruction counter (see below).
# -P DIR: where the instructions go (tests/bench/qprof.c, docs/vmtest.md):
# the first round's load runs are profiled (DIR/load-CFG.tb), and qlat is
# compared per event with the empty program ([bpf] first, then the whole
# kernel), and the empty program with nothing attached.
# -x adds three configurations: two in the tracepoint (perf-event)
# flavour, bpftrace's: the empty program (empty-tp) and `qlat cmdq
# --attach=tracepoint` (qlat-tp); and qlat-ev, `qlat cmdq --threshold` with
# a threshold never reached, which sends an evidence record per EOC event
# through the BPF ring buffer.
#
# On the host it boots a VM with vmtest.sh and runs itself inside: one
# vCPU, so that guest time is CPU time and every added instruction shows
# up in it, and QEMU's instruction counter with a fixed rate (-icount
# shift=0,sleep=off): guest time counts executed guest instructions, 1 ns
# = 1 instruction, whatever else the host runs. The rounds then agree
# within ~2 % on a busy shared host, where plain TCG timing (-T) scatters
# by more than the effect measured. The figures are instruction counts
# (the kernel's clocks follow the counter), not a real CPU's nanoseconds:
# compare the ratios.
# Configurations: none, empty (tp_btf), qlat (`qlat cmdq`, default attach:
# tp_btf), bpftrace (tracepoint: probes, bpftrace's way to module
# tracepoints with named args). Each round runs every configuration
# once, in a rotated order, and each configuration, once attached, runs
# two workloads:
#   burst  `echo N > cmdq_helper/finalize_burst`: N packets created,
#          finalized, destroyed in one write(), N cmdq_pkt_finalize events,
#          nothing else (the cheapest event: qlat only counts it)
#   load   `cmdqctl load --ops 1 --depth 64` for LOAD_MS on the GCE model
#          with inst_cost_ns=0 and the timing generator off: per packet one
#          finalize, one flush, one eoc_irq (flush->EOC histogram) and one
#          pkt_cb (EOC->callback histogram), the EOC and callback in hardirq
# Two measurements of each:
#   e2e    end-to-end: ns per event of the workload minus the same round's
#          run with nothing attached (burst: wall time of the write / N;
#          load: LOAD_MS / (packets reaped x 4)). This is everything a
#          tracer costs: the kernel's dispatch (trampoline or perf-event
#          record), the program, and its user-space process.
#   bpf    the programs' own run time per event from the kernel's BPF
#          statistics (kernel.bpf_stats_enabled=1; run_time_ns of every
#          program in `bpftool prog show`, bpftrace's included, over the
#          events the drivers counted). Dispatch is not in it.
# The statistics are switched on only for a second pass of both workloads
# (whose wall times are not used): they cost two clock reads and some
# accounting per program run (~45 instructions: the empty program's "bpf"
# figure is that floor), which would inflate
# every tracer's e2e figure by the same amount and pull the ratios towards
# 1. Figures are medians over the rounds; ratios are medians of the
# per-round ratios, so that drift of a shared host between rounds cancels.
# The goals of issue 6: qlat/empty <= 1.3 and qlat/bpftrace <= 0.5 (e2e).
#
# Start-up: from just before exec until attached, median of STARTS runs
# each, alternating: qlat until it opens its --ready-file, bpftrace until its
# BEGIN probe prints (bpftrace runs BEGIN after attaching every probe), the
# empty loader (build/bpfempty, tp_btf: open, load, attach with libbpf and
# nothing else, the floor of any libbpf tool) until it opens its ready file.
# qlat cmdq and bpftrace are against the empty loader on the five cmdq:*
# tracepoints, qlat zc against the one on vhost_zc_signal (the one event
# it attaches by default) and qlat zc --stock (stock vhost_net: fentry
# programs) against empty fentry programs on the same vhost_net, vhost and
# tun functions (bpfempty fentry stock); each ratio is taken per round and
# the worst round is reported too (the goal of issue 15: <= 1.1 in every
# round).
# Start-up reads files (BTF; bpftrace's libraries over 9p, page cache
# warm) and waits for the host, and while the guest idles the instruction
# counter (sleep=off) jumps guest time to the next timer due: a wait costs
# what the guest's timers say, not what it took. So start-up is also
# given as CPU time: the tracer's own run time until attached (its
# threads' /proc/PID/task/*/schedstat, read once it is attached),
# instruction-exact under the counter and blind to waits. The goal of
# issue 15 is on the wall figure.
# Nothing but the tracer runs between the two clock reads: no fork, no
# exec, no poll. An exec over 9p is a few dozen requests, and under the
# counter each one waits for the guest's next tick (4 ms): until
# 2026-12-06 an `rm -f` of the ready file inside the window added ~200 ms
# (194 to 225) to every start, about half of qlat zc's, and its spread
# was most of the spread of the ratios. The libbpf loaders' ready files
# are FIFOs, which the script waits on in the kernel (attach()); the 2 ms
# poll before them took ~8 % of the CPU in the window. bpftrace is still
# polled for its BEGIN line (attach()): at 10 ms its start-up read 5.6 s,
# at 2 ms 3.9 s, with no poll 5.5 to 16.6 s.
#
# A hang is an error that says where: each workload and each tracer's exit
# after SIGINT runs under a watchdog (burst 120 s, load LOAD_MS + 60 s,
# exit 60 s) that prints the stuck process's kernel stacks, asks the
# kernel for every blocked task's (sysrq-w, in the console log) and kills
# it (a run on 2026-12-05 hung without a message; tried with a tracer that
# ignores SIGINT). QLAT_BENCH_VMTEST_ARGS adds vmtest.sh options.
REPO=$(cd "$(dirname "$0")/../.." && pwd)
R=5 N=50000 D=500 S=5 X= T= Q=$REPO/build/qlat PROF=
while getopts r:n:d:s:q:xTP: c; do
	case $c in
	r) R=$OPTARG ;; n) N=$OPTARG ;; d) D=$OPTARG ;; s) S=$OPTARG ;; q) Q=$OPTARG ;;
	x) X=-x ;; T) T=-T ;; P) PROF=$OPTARG ;;
	*) echo "usage: $0 [-r ROUNDS] [-n BURST] [-d LOAD_MS] [-s STARTS] [-q QLAT] [-x] [-T] [-P DIR]" >&2
	   exit 2 ;;
	esac
done
. "$REPO/tests/bench/lib.sh"
if [ -z "$QLAT_VM" ]; then
	Q=$(realpath "$Q") || exit 1
	for f in "$Q" "$REPO"/build/{cmdqctl,bpfempty}; do
		[ -e "$f" ] || { echo "$0: $f missing: run make" >&2; exit 1; }
	done
	bench_prof "$PROF"
	# one vCPU with plain TCG too: guest time is then CPU time
	QLAT_BENCH_VMTEST_ARGS="-m 1G${T:+ -s 1}${QLAT_BENCH_VMTEST_ARGS:+ $QLAT_BENCH_VMTEST_ARGS}" bench_vm "$T" "$REPO/tests/bench/qlat-overhead.sh" \
		-r "$R" -n "$N" -d "$D" -s "$S" -q "$Q" $X
fi

die() { echo "qlat-overhead: $*" >&2; exit 1; }
DBG=/sys/kernel/debug
HS=$DBG/cmdq_helper/stats
TMP=$(mktemp -d /tmp/qlat-overhead.XXXXXX)
# private copies (in the guest's tmpfs): a rebuild on the host while this
# runs must not pull the binaries away
B=$TMP/bin
mkdir -p "$B" && cp "$Q" "$B/qlat" && cp "$REPO/build/cmdqctl" "$REPO/build/bpfempty" \
	"$REPO/build/kmod/$(uname -r)"/cmdq/*.ko "$REPO/build/kmod/$(uname -r)"/vhost_zc/*.ko \
	"$B/" || die "copying the binaries failed"
CFGS="none empty qlat bpftrace"
[ -n "$X" ] && CFGS="$CFGS empty-tp qlat-tp qlat-ev"

# the same work as `qlat cmdq` (see bpf/cmdqlat.bpf.c), in bpftrace, written
# as a bpftrace user would: one probe per tracepoint, so that bpftrace pays
# one dispatch per event, as qlat does
read -r -d '' BT <<'EOF'
BEGIN { printf("ready\n"); }
tracepoint:cmdq:cmdq_pkt_finalize { @finalize = count(); }
tracepoint:cmdq:cmdq_pkt_flush { @flush = count(); @inst[args->thread] = hist(args->inst); }
tracepoint:cmdq:cmdq_eoc_irq {
	@eoc[args->status != 0] = count();
	@flush_eoc[args->thread] = hist(args->eoc_ns - args->flush_ns);
	if (args->pipe >= 0) {
		if (args->missed) {
			@misses[args->pipe] = count();
			@late[args->pipe] = hist(args->eoc_ns - args->deadline_ns);
		} else {
			@slack[args->pipe] = hist(args->deadline_ns - args->eoc_ns);
		}
	}
}
tracepoint:cmdq:cmdq_pkt_cb { @cb = count(); @eoc_cb[args->thread] = hist(args->cb_ns - args->eoc_ns); }
tracepoint:cmdq:cmdq_vblank { @vblank[args->type] = count(); }
EOF

insmod "$B/cmdq_helper.ko" &&
	insmod "$B/gce_sim.ko" inst_cost_ns=0 enable=0 &&
	insmod "$B/cmdq_frame.ko" &&
	insmod "$B/cmdq_dev.ko" || die "insmod failed"
# for the start-up of qlat zc (vhost_zc.ko) and qlat zc --stock (vhost_net)
for m in tun tap vhost; do modprobe $m; done
modprobe vhost_net experimental_zcopytx=1 && insmod "$B/vhost_zc.ko" ||
	die "vhost_net/vhost_zc.ko failed"
echo 0 >/proc/sys/kernel/bpf_stats_enabled || die "no kernel.bpf_stats_enabled"

# sleeps without exec'ing anything (each exec over 9p costs ~0.2 s)
mkfifo "$TMP/fifo" && exec 9<>"$TMP/fifo"
nap() { read -r -t "$1" -u 9; }
# the ready FIFOs (attach()): one per tracer started, made before any timing
mkfifo $(seq -f "$TMP/ready.%.0f" 1 $(((R + S) * 7 + 1))) || die "mkfifo failed"
: >"$TMP/armed"
us() { local t=$EPOCHREALTIME; echo "${t/./}"; }	# microseconds, no fork of date

# helper counter NAME
hstat() {
	local k v
	while read -r k v; do
		[ "$k" = "$1" ] && { echo "$v"; return; }
	done <"$HS"
}
events_now() { # every cmdq:* event so far (the timing generator is off)
	echo $(($(hstat pkt_finalized) + $(hstat flush_sync) + $(hstat flush_async) + 2 * $(hstat cb_delivered)))
}
bpf_ns() { # sum of run_time_ns of every loaded program
	bpftool prog show -j | jq '[.[] | .run_time_ns // 0] | add // 0'
}

# cpu_ns PID: CPU_NS = the CPU time of PID's threads so far, ns (under the
# counter: instructions); no subshell, it runs inside the timed window
cpu_ns() {
	local f t
	CPU_NS=0
	for f in /proc/"$1"/task/*/schedstat; do
		read -r t _ <"$f" 2>/dev/null && CPU_NS=$((CPU_NS + t))
	done
}
PID= CPU_NS=0
# Each libbpf tracer's ready file is a FIFO of its own, made before any
# timing: the tracer's open() of it completes the script's open of the
# same FIFO, so the script sleeps in the kernel until the tracer has
# attached. Polled every 2 ms instead (until 2026-12-06), the script's
# shell ran beside the tracer on the one CPU: about 8 % of the window, and
# the fentry loaders' waits for RCU Tasks grace periods (one per attach
# target) came out up to 120 ms longer at random. bpftrace is still polled
# for its BEGIN probe's line: its start reads its libraries and headers
# over 9p, and without the poll's timer pending an idle guest's time jumps
# further at each read (5.5 to 16.6 s instead of 3.7 s; its CPU time did
# not move). guard(), forked once before any timing, ends a
# wait whose tracer exits or hangs before it opens its FIFO: every 0.25 s
# it reads $TMP/armed (PID FIFO SINCE); once PID is gone, or SINCE is
# 120 s ago (then it kills PID), it opens the FIFO itself.
guard() {
	local pid fifo since
	while [ ! -e "$TMP/guard.stop" ]; do
		nap 0.25
		read -r pid fifo since <"$TMP/armed" 2>/dev/null || continue
		[ -n "$fifo" ] || continue
		if ! kill -0 "$pid" 2>/dev/null || [ $((EPOCHSECONDS - since)) -gt 120 ]; then
			echo "qlat-overhead: pid $pid did not attach (gone, or 120 s)" >&2
			kill -KILL "$pid" 2>/dev/null
			: >"$TMP/armed"
			: 1<>"$fifo"
		fi
	done
}
guard &
GUARD=$!
trap 'kill "$GUARD" 2>/dev/null' EXIT
# attach CFG: start the tracer and wait until it has attached
NSTART=0
attach() {
	local rf l t=$EPOCHSECONDS
	NSTART=$((NSTART + 1))
	rf=$TMP/ready.$NSTART
	[ -p "$rf" ] || die "no FIFO $rf (too few made)"
	case $1 in
	none) PID=; return 0 ;;
	empty) "$B/bpfempty" tp_btf "$rf" & ;;
	empty-tp) "$B/bpfempty" tracepoint "$rf" & ;;
	empty-zc) "$B/bpfempty" tp_btf "$rf" vhost_zc_signal & ;;
	empty-stock) "$B/bpfempty" fentry "$rf" stock & ;;
	qlat-zc) "$B/qlat" zc --ready-file "$rf" >/dev/null 2>&1 & ;;
	qlat-zcs) "$B/qlat" zc --stock --ready-file "$rf" >/dev/null 2>&1 & ;;
	qlat) "$B/qlat" cmdq --ready-file "$rf" >/dev/null 2>&1 & ;;
	qlat-tp) "$B/qlat" cmdq --attach=tracepoint --ready-file "$rf" >/dev/null 2>&1 & ;;
	qlat-ev) "$B/qlat" cmdq --threshold 1000000000000 --ready-file "$rf" >/dev/null 2>&1 & ;;
	bpftrace)
		# polled: see above
		: >"$TMP/bt.out"
		bpftrace -e "$BT" >"$TMP/bt.out" 2>&1 &
		PID=$!
		while :; do
			while read -r l; do
				[ "$l" = ready ] && { cpu_ns "$PID"; return 0; }
			done <"$TMP/bt.out"
			kill -0 "$PID" 2>/dev/null || { cat "$TMP/bt.out"; die "bpftrace exited early"; }
			[ $((EPOCHSECONDS - t)) -gt 120 ] && die "bpftrace did not attach in 120 s"
			nap 0.002
		done ;;
	esac
	PID=$!
	echo "$PID $rf $EPOCHSECONDS" >"$TMP/armed"
	: <"$rf"
	: >"$TMP/armed"
	kill -0 "$PID" 2>/dev/null || die "$1 exited before it attached"
	cpu_ns "$PID"
}
# watchdog SECS WHAT PID: in the background (WD), after SECS s report where
# PID is stuck (its tasks' kernel stacks, and every blocked task through
# sysrq-w in the console) and kill it, so that a hang is an error that says
# where; watchdog_off when PID is done. Sleeps in one read -t: it does not
# wake while the workload runs.
WD=
watchdog() {
	(
		nap "$1"
		kill -0 "$3" 2>/dev/null || exit 0
		{
			echo "qlat-overhead: $2 (pid $3) still running after $1 s; its tasks:"
			for t in /proc/"$3"/task/*; do
				echo "# task ${t##*/} $(cat "$t/comm") wchan $(cat "$t/wchan")"
				cat "$t/stack"
			done
			echo "# blocked tasks: sysrq-w in the console"
		} >&2
		echo w >/proc/sysrq-trigger
		kill -KILL "$3"
	) &
	WD=$!
}
watchdog_off() {
	kill "$WD" 2>/dev/null
	wait "$WD" 2>/dev/null
	WD=
}
detach() {
	[ -n "$PID" ] || return 0
	kill -INT "$PID" || die "kill -INT $PID failed"
	watchdog 60 "the tracer after SIGINT" "$PID"
	wait "$PID"
	watchdog_off
	PID=
}

# centi N: N / 100 with two decimals, without a fork: the workloads' ns
# per event to 0.01 ns (whole ns would be 1 % of what a tracer adds)
centi() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }
# workloads: print "ns_per_event events"
burst() {
	local t0 t1
	watchdog 120 "finalize_burst" "$BASHPID"
	t0=$(us)
	echo "$N" >$DBG/cmdq_helper/finalize_burst || die "finalize_burst failed"
	t1=$(us)
	watchdog_off
	echo "$(centi $(((t1 - t0) * 100000 / N)))" "$N"
}
load() {
	local k v p reaped=
	"$B/cmdqctl" load --duration-ms "$D" --depth 64 --ops 1 >"$TMP/load.out" &
	p=$!
	watchdog $((D / 1000 + 60)) "cmdqctl load" "$p"
	wait "$p"
	watchdog_off
	while read -r k v; do
		[ "$k" = load_reaped ] && reaped=$v
	done <"$TMP/load.out"
	[ -n "$reaped" ] && [ "$reaped" -gt 0 ] || die "cmdqctl load failed"
	echo "$(centi $((D * 100000000 / (reaped * 4))))" $((reaped * 4))
}
# bpf WORKLOAD: the programs' run time per event (ns x 100), stats on
bpf() {
	local t0 t1 e0 e1
	e0=$(events_now) t0=$(bpf_ns)
	$1 >/dev/null
	e1=$(events_now) t1=$(bpf_ns)
	echo $(((t1 - t0) * 100 / (e1 - e0)))
}

median() { # values...
	printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
# per-round list: l_<metric>_<cfg> (cfg with - as _)
add() { eval "l_$1_${2//-/_}=\"\${l_$1_${2//-/_}} $3\""; }
get() { eval "echo \${l_$1_${2//-/_}}"; }

# warm the 9p page cache: the first exec of each binary is slow
bpftrace --version >/dev/null; bpftool version >/dev/null; jq --version >/dev/null
"$B/qlat" cmdq --help >/dev/null; "$B/bpfempty" bad 2>/dev/null; "$B/cmdqctl" --help >/dev/null
echo 1000 >$DBG/cmdq_helper/finalize_burst
"$B/cmdqctl" load --duration-ms 200 >/dev/null

if [ "${QLAT_BENCH_CLOCK:-icount}" = icount ]; then
	CLOCK="QEMU icount shift=0: guest time counts instructions, 1 ns = 1 instruction"
else
	CLOCK="plain TCG: guest time is host time"
fi
echo "# qlat-overhead: $R rounds, burst $N finalize events, load $D ms; 1 vCPU, $(uname -r)"
echo "# clock: $CLOCK"
echo "# $(bpftrace --version)"
ncfg=$(echo $CFGS | wc -w)
r=0
while [ $r -lt "$R" ]; do
	# rotate the order: configuration i runs at position (i + r) mod n
	order=$(echo $CFGS | awk -v r=$r '{ for (i = 0; i < NF; i++) printf "%s ", $((i + r) % NF + 1) }')
	for c in $order; do
		attach $c
		set -- $(burst); [ -n "$1" ] || die "burst failed"; add e2eb $c "$1"
		[ $r = 0 ] && prof_mark start
		set -- $(load); [ -n "$1" ] || die "load failed"; add e2el $c "$1"; add rate $c "$2"
		[ $r = 0 ] && { prof_mark stop "load-$c"; prof_units "load-$c" "$2"; }
		if [ $c != none ]; then
			echo 1 >/proc/sys/kernel/bpf_stats_enabled
			add bpfb $c "$(bpf burst)"
			add bpfl $c "$(bpf load)"
			echo 0 >/proc/sys/kernel/bpf_stats_enabled
		fi
		detach
	done
	r=$((r + 1))
	echo "# round $r/$R: $order done"
done

prof_report load-qlat load-empty '\[bpf\]$'
prof_report load-empty load-none

# added e2e cost per round: cfg - none of the same round
for m in e2eb e2el; do
	set -- $(get $m none)
	base="$*"
	for c in $CFGS; do
		[ $c = none ] && continue
		add ${m}add $c "$(paste -d' ' <(echo $base | tr ' ' '\n') <(get $m $c | tr ' ' '\n') |
			awk '{ printf "%s ", $2 - $1 }')"
	done
done
# ratio per round of two lists, then the median
ratio() { # metric cfgA cfgB
	paste -d' ' <(get $1 $2 | tr ' ' '\n') <(get $1 $3 | tr ' ' '\n') |
		awk '$2 > 0 { printf "%.3f\n", $1 / $2 } $2 <= 0 { print "inf" }' | sort -g |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
fmt100() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 100 }'; }

echo
echo "## cost per event, ns (median of $R rounds; under TCG)"
printf '%-10s %14s %14s %14s %14s\n' config "burst e2e+" "load e2e+" "burst bpf" "load bpf"
for c in $CFGS; do
	if [ $c = none ]; then
		printf '%-10s %14s %14s %14s %14s\n' "none" \
			"($(median $(get e2eb none)))" "($(median $(get e2el none)))" - -
		continue
	fi
	printf '%-10s %14s %14s %14s %14s\n' $c "$(median $(get e2ebadd $c))" \
		"$(median $(get e2eladd $c))" "$(fmt100 "$(median $(get bpfb $c))")" \
		"$(fmt100 "$(median $(get bpfl $c))")"
done
echo "# e2e+: added end-to-end cost per event vs nothing attached (none: its own ns/event)"
echo "# bpf: the programs' own run time per event (kernel BPF stats, dispatch excluded)"
echo
echo "## ratios (median of per-round ratios)"
printf '%-22s %10s %10s %10s %10s\n' ratio "burst e2e" "load e2e" "burst bpf" "load bpf"
for p in "qlat empty" "qlat bpftrace" ${X:+"qlat-tp empty-tp" "qlat-tp bpftrace"}; do
	set -- $p
	printf '%-22s %10s %10s %10s %10s\n' "$1/$2" "$(ratio e2ebadd $1 $2)" "$(ratio e2eladd $1 $2)" \
		"$(ratio bpfb $1 $2)" "$(ratio bpfl $1 $2)"
done
echo "# goals (issue 6): qlat/empty <= 1.3, qlat/bpftrace <= 0.5"

# start-up: exec -> attached
SCFGS="empty qlat bpftrace empty-zc qlat-zc empty-stock qlat-zcs"
echo
for i in $(seq "$S"); do
	for c in $SCFGS; do
		# no fork in the window (us() is a command substitution)
		t0=${EPOCHREALTIME/./}
		attach $c
		t1=${EPOCHREALTIME/./}
		add start $c $(((t1 - t0) / 1000))
		add startcpu $c $((CPU_NS / 1000000))
		detach
	done
done
echo "## start-up, exec -> attached, ms (median of $S; min..max): wall, and the tracer's CPU time"
for c in $SCFGS; do
	set -- $(get start $c)
	printf '%-10s %8s   (%s..%s)' $c "$(median "$@")" "$(printf '%s\n' "$@" | sort -n | head -1)" \
		"$(printf '%s\n' "$@" | sort -n | tail -1)"
	set -- $(get startcpu $c)
	printf '   cpu %6s   (%s..%s)\n' "$(median "$@")" "$(printf '%s\n' "$@" | sort -n | head -1)" \
		"$(printf '%s\n' "$@" | sort -n | tail -1)"
done
# worst per-round ratio
maxratio() { # metric cfgA cfgB
	paste -d' ' <(get $1 $2 | tr ' ' '\n') <(get $1 $3 | tr ' ' '\n') |
		awk '$2 > 0 { printf "%.3f\n", $1 / $2 }' | sort -g | tail -1
}
printf '%-22s %8s %8s %10s %9s\n' ratio median worst "cpu median" "cpu worst"
for p in "qlat empty" "bpftrace empty" "qlat-zc empty-zc" "qlat-zcs empty-stock" "qlat bpftrace"; do
	set -- $p
	printf '%-22s %8s %8s %10s %9s\n' "$1/$2" "$(ratio start $1 $2)" "$(maxratio start $1 $2)" \
		"$(ratio startcpu $1 $2)" "$(maxratio startcpu $1 $2)"
done
echo "# goal (issue 15): qlat*/empty* <= 1.1 in every round"

echo
echo "# raw per-round figures"
for m in e2eb e2el rate bpfb bpfl start startcpu; do
	for c in $CFGS empty-zc qlat-zc empty-stock qlat-zcs; do
		v=$(get $m $c)
		[ -n "$v" ] && echo "# $m $c:$v"
	done
done
for m in cmdq_dev cmdq_frame gce_sim cmdq_helper vhost_zc; do rmmod $m; done
: >"$TMP/guard.stop"
wait "$GUARD"
trap - EXIT
rm -rf "$TMP"
