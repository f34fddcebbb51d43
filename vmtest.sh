#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmtest.sh - run a command as root in a throw-away QEMU guest booting the
# qlat target kernel (the Debian kernel prepared by tools/build/kernel-cache.sh),
# with the host / visible read-only (writes go to a tmpfs overlay).
#
# See usage() below and docs/vmtest.md.

set -euo pipefail

# Exit codes of the harness itself (documented in usage() and docs/vmtest.md).
readonly E_SETUP=120   # host-side setup error: bad option, no kernel, no qemu
readonly E_PANIC=121   # the guest kernel panicked (an oops panics: oops=panic)
readonly E_NOSTATUS=122 # the guest never reported an exit status
readonly E_SPLAT=123   # a kernel splat (WARNING, BUG, lockdep...) in the console
readonly E_TIMEOUT=124 # timeout (-t)

PROG=${0##*/}
REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
CACHE=${QLAT_CACHE:-$HOME/.cache/qlat}

usage() {
	cat <<EOF
Usage: $PROG [options] [-- CMD [ARG...]]

Boot the qlat target kernel in QEMU and run CMD as root in the guest, in the
caller's working directory.  The host / is shared read-only (9p) under a tmpfs
overlay, so the guest sees the host's files and its writes vanish at the end.
Default CMD: $REPO/tests/vm/run.sh (with -i: an interactive shell).

A single CMD word is run by 'sh -c' (so it may be a shell snippet); several
words are executed as they are, each argument preserved exactly.  The
command's stdout and stderr (merged) are streamed live to stdout; the kernel
console goes to a log file (and, with -v, to stdout as well).

Options:
  -s SMP        number of vCPUs (default: $DEF_SMP)
  -m MEM        guest memory, QEMU syntax, e.g. 512M, 1G (default: $DEF_MEM)
  -t SECONDS    timeout for the whole run, boot included; 0 disables it
                (default: $DEF_TIMEOUT, none with -i)
  -k KERNEL     a kernel name: 6.1, 6.12, 6.12-rt or debug (this checkout's
                build/kernels/NAME if it built one, else prepared with
                tools/build/kernel-cache.sh); a kernel dir as printed by
                kernel-cache.sh; or a Debian ABI string (e.g. 6.1.0-57-amd64)
                (default: \$QLAT_KABI, else this checkout's kernel,
                build/kernel.stamp, else 6.1)
  -l LOGFILE    write the kernel console log to LOGFILE (kept); otherwise it
                is written in the run dir, which is kept only on failure
  -o DIR        host dir exported to the guest as \$QLAT_OUT (read-write) for
                artifacts; default: a dir in the run dir (deleted on success)
  -e VAR=VALUE  set an environment variable for CMD (repeatable)
  -c ARGS       append ARGS to the kernel command line
  -v            verbose: stream the kernel console to stdout too (and boot
                with loglevel=7 instead of 5)
  -I            TCG only: virtual guest time from QEMU's instruction
                counter (-icount shift=0,sleep=off), one vCPU: 1 ns of
                guest time per executed guest instruction, whatever the
                host does, so timing tests are deterministic; guest
                sleeps take no wall time and guest clocks no longer
                track wall time. (also QLAT_VM_ICOUNT=1; ignored under
                KVM; -s above 1 is refused with it)
  -T            keep the host's /tmp visible (copy-on-write) instead of a
                fresh tmpfs; automatic when the cwd or a word of CMD is
                under /tmp
  -i            interactive: CMD (default: a login shell) on this terminal;
                Ctrl-a x kills the VM
  -h            this help

Exit status:
  N    CMD's exit status, when the guest finished cleanly
  $E_SETUP  host setup error: bad option, kernel or qemu missing, initramfs
       build failure
  $E_PANIC  the guest kernel panicked (an oops too: oops=panic)
  $E_NOSTATUS  the guest never reported an exit status: boot failure, QEMU died,
       guest setup failure
  $E_SPLAT  a kernel splat in the console log (WARNING:, BUG:, lockdep, RCU
       stall, hung task, soft lockup, Call Trace:...), whatever CMD's status
  $E_TIMEOUT  timeout (-t)
  130/143  vmtest.sh interrupted (SIGINT / SIGTERM, SIGHUP)
  Precedence: $E_PANIC, $E_SPLAT, CMD's status, $E_TIMEOUT, $E_NOSTATUS.  CMD's own status may
  collide with 120-124: tests should keep clear of that range.
  On any failure the run dir (console log, output.log) is kept and named.

Guest: CMD runs as root, stdin /dev/null (-i: the terminal), in a clean env:
QLAT_VM=1, QLAT_OUT=/run/qlat/out, QLAT_KERNEL, QLAT_KDIR (the kernel dir), HOME=/root, PATH, TERM,
LANG, plus -e.  Mounted: proc, sysfs, devtmpfs, devpts, tracefs, debugfs,
bpffs, cgroup2, a fresh tmpfs /tmp; 'modprobe' works (busybox).

Environment: QLAT_CACHE (cache root, default ~/.cache/qlat), QLAT_KABI,
QLAT_VM_KERNEL (the kernel when -k is not given, as -k takes it: for
scripts that call vmtest.sh, e.g. the benchmarks), QEMU (qemu binary,
default qemu-system-x86_64), QLAT_VM_ACCEL (kvm or tcg; default: kvm
when /dev/kvm is usable, else tcg), QLAT_VM_BOOT_TIMEOUT (seconds from
QEMU's start to the command's start before the boot counts as hung;
default 90, 0 disables it), QLAT_VM_BOOT_RETRIES (boots retried after
such a hang, if the console shows no splat, before the run fails with $E_NOSTATUS;
default 1), QLAT_VM_CPU (QEMU -cpu model;
default max under TCG, host under KVM), QLAT_VM_TCG_THREAD (single, the
default, runs all vCPUs in one TCG thread; multi is QEMU's multi-threaded
TCG, which can run stale code after a static key flips), QLAT_VM_QEMU_ARGS (extra QEMU
arguments, split on white space; for debugging).
EOF
}

DEF_SMP=2
DEF_MEM=512M
DEF_TIMEOUT=1800
BOOT_TIMEOUT=${QLAT_VM_BOOT_TIMEOUT:-90}
BOOT_RETRIES=${QLAT_VM_BOOT_RETRIES:-1}

msg() { echo "$PROG: $*" >&2; }
die() {
	msg "error: $*"
	exit "$E_SETUP"
}
usage_die() {
	msg "error: $*"
	msg "try '$PROG -h'"
	exit "$E_SETUP"
}

# POSIX single quoting, safe for sh and bash
sq() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

smp=$DEF_SMP
mem=$DEF_MEM
timeout=
kernel=${QLAT_VM_KERNEL:-}
logfile=
outdir=
extra_cmdline=
verbose=0
interactive=0
host_tmp=0
icount=${QLAT_VM_ICOUNT:-0}
smp_set=0
envs=()

while getopts ":s:m:t:k:l:o:e:c:vTIih" opt; do
	case "$opt" in
	s)
		smp=$OPTARG
		smp_set=1
		;;
	m) mem=$OPTARG ;;
	t) timeout=$OPTARG ;;
	k) kernel=$OPTARG ;;
	l) logfile=$OPTARG ;;
	o) outdir=$OPTARG ;;
	e) envs+=("$OPTARG") ;;
	c) extra_cmdline+=" $OPTARG" ;;
	v) verbose=1 ;;
	T) host_tmp=1 ;;
	I) icount=1 ;;
	i) interactive=1 ;;
	h)
		usage
		exit 0
		;;
	:) usage_die "option -$OPTARG needs an argument" ;;
	*) usage_die "unknown option -$OPTARG" ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ] && [ "$1" = -- ]; then
	shift
fi
cmd=("$@")

[[ $smp =~ ^[1-9][0-9]*$ ]] || usage_die "-s: bad vCPU count '$smp'"
# -I: one vCPU. With icount TCG runs the vCPUs in one thread anyway, and
# shift=0 with two of them hung Debian's 6.1 at times (docs/vmtest.md).
if [ "$icount" = 1 ]; then
	[ "$smp_set" = 1 ] && [ "$smp" != 1 ] && usage_die "-I runs one vCPU (-s $smp given)"
	smp=1
fi
[[ $mem =~ ^[1-9][0-9]*[MGmg]?$ ]] || usage_die "-m: bad memory size '$mem' (e.g. 512M, 1G)"
if [ -z "$timeout" ]; then
	if [ "$interactive" = 1 ]; then timeout=0; else timeout=$DEF_TIMEOUT; fi
fi
[[ $timeout =~ ^[0-9]+$ ]] || usage_die "-t: bad timeout '$timeout' (seconds)"
[[ $BOOT_TIMEOUT =~ ^[0-9]+$ ]] || usage_die "QLAT_VM_BOOT_TIMEOUT: bad value '$BOOT_TIMEOUT' (seconds)"
[[ $BOOT_RETRIES =~ ^[0-9]+$ ]] || usage_die "QLAT_VM_BOOT_RETRIES: bad value '$BOOT_RETRIES'"
for e in ${envs[@]+"${envs[@]}"}; do
	[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || usage_die "-e: expected VAR=VALUE, got '$e'"
done
[[ $extra_cmdline != *$'\n'* ]] || usage_die "-c: newline in the kernel command line"

if [ ${#cmd[@]} -eq 0 ] && [ "$interactive" = 0 ]; then
	cmd=("$REPO/tests/vm/run.sh")
	[ -x "${cmd[0]}" ] || die "default command ${cmd[0]} not found or not executable (give one after --)"
fi

# --- host prerequisites ------------------------------------------------------
QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-system-x86)"
for t in busybox timeout tail flock; do
	command -v "$t" >/dev/null || die "$t not found"
done

# --- kernel -------------------------------------------------------------------
kernel_cache() {
	"$REPO/tools/build/kernel-cache.sh" "$@" ||
		die "tools/build/kernel-cache.sh ${*:-} failed"
}
# a stamp of this checkout (build/kernel.stamp, build/kernels/NAME) naming a
# ready kernel dir, or nothing
stamp_kernel() {
	local d
	d=$(cat "$1" 2>/dev/null) || return 1
	[ -n "$d" ] && [ -f "$d/.ready" ] && echo "$d"
}
if [ -n "$kernel" ]; then
	if [ -d "$kernel" ]; then
		K=$(cd "$kernel" && pwd)
	elif [[ $kernel =~ ^(6\.1|6\.12|6\.12-rt|debug)$ ]]; then
		K=$(stamp_kernel "$REPO/build/kernels/$kernel") || K=$(kernel_cache "$kernel")
	elif [[ $kernel == *-amd64 ]] && [[ $kernel != */* ]]; then
		K=$(kernel_cache "$kernel")
	else
		usage_die "-k: '$kernel' is neither a kernel name (6.1, 6.12, 6.12-rt, debug), a kernel dir nor an ABI string"
	fi
elif [ -n "${QLAT_KABI:-}" ]; then
	K=$(kernel_cache "$QLAT_KABI")
elif ! K=$(stamp_kernel "$REPO/build/kernel.stamp"); then
	K=$(kernel_cache)
fi
for f in abi vmlinux modules/modules.dep; do
	[ -e "$K/$f" ] || die "$K/$f missing: not a kernel dir prepared by tools/build/kernel-cache.sh"
done
ABI=$(cat "$K/abi")
MODULES=$(readlink -f "$K/modules")

INITRAMFS=$("$REPO/tools/build/mkinitramfs.sh" "$K") || die "initramfs build failed"

# --- accelerator ----------------------------------------------------------------
# The host KVM may be PVM-flavoured (kvm_pvm), on which a normal guest fails
# with an emulation error: use TCG there.
accel=${QLAT_VM_ACCEL:-}
if [ -z "$accel" ]; then
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ]; then
		accel=kvm
	else
		accel=tcg
	fi
fi
case "$accel" in
kvm) accel_args=(-accel kvm -cpu "${QLAT_VM_CPU:-host}") ;;
tcg)
	# One TCG thread for all vCPUs (round-robin) unless
	# QLAT_VM_TCG_THREAD=multi: QEMU 7.2's multi-threaded TCG can keep
	# running a stale translation of kernel text that another vCPU has
	# just patched, so a guest that flips a static key (a tracepoint
	# attached or detached) while the code runs on the other vCPU takes
	# an int3 its kernel no longer expects: "Oops: int3" on 6.12, a
	# soft lockup on 6.1 (docs/vmtest.md, "Cross-modified code").
	tcg_thread=${QLAT_VM_TCG_THREAD:-single}
	case "$tcg_thread" in
	single) ;;
	multi) [ "$icount" = 1 ] && die "-I needs QLAT_VM_TCG_THREAD=single (QEMU's icount is single-threaded)" ;;
	*) die "QLAT_VM_TCG_THREAD must be single or multi, not '$tcg_thread'" ;;
	esac
	accel_args=(-accel "tcg,thread=$tcg_thread" -cpu "${QLAT_VM_CPU:-max}")
	# -I: the guest clock is the instruction count (1 ns each), so host
	# load never shows up in guest time: shift=auto would re-sync with
	# the host's speed and let a busy host make deadline misses
	[ "$icount" = 1 ] && accel_args+=(-icount shift=0,sleep=off)
	;;
*) die "QLAT_VM_ACCEL must be kvm or tcg, not '$accel'" ;;
esac

# --- run dir --------------------------------------------------------------------
RUN=$(mktemp -d "${TMPDIR:-/tmp}/qlat-vmtest.XXXXXX") || die "mktemp failed"
CTL=$RUN/ctl
# The guest sees $CTL as /run/qlat and the output dir as /run/qlat/out:
# $CTL/out itself by default, a share of its own with -o.
mkdir -p "$CTL/out"
if [ -n "$outdir" ]; then
	mkdir -p "$outdir" || die "cannot create $outdir"
	outdir=$(cd "$outdir" && pwd -P)
fi
if [ -n "$logfile" ]; then
	if ! mkdir -p "$(dirname "$logfile")" || ! : >"$logfile"; then
		die "cannot write $logfile"
	fi
	logfile=$(readlink -f "$logfile")
else
	logfile=$RUN/console.log
	: >"$logfile"
fi
output=$RUN/output.log
: >"$output"

qemu_pid=
tail_pids=()
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
	rc=$? # first: anything else would clobber it
	local p
	trap - EXIT INT TERM HUP
	if [ -n "$qemu_pid" ]; then
		kill -TERM "$qemu_pid" 2>/dev/null || true
	fi
	for p in ${tail_pids[@]+"${tail_pids[@]}"}; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [ "$rc" = 0 ] && ! compgen -G "$RUN/console.hung*.log" >/dev/null; then
		rm -rf "$RUN"
	else
		msg "run dir kept: $RUN"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'msg "interrupted"; rc=130; exit 130' INT
trap 'msg "terminated"; rc=143; exit 143' TERM HUP

# --- guest control files -------------------------------------------------------
cwd=$(pwd)
# /tmp in the guest is a fresh tmpfs, which hides the host's /tmp: keep the
# latter (copy-on-write) when the cwd or the command refers to it.
case "$cwd/:$(pwd -P)/" in
/tmp/*|*:/tmp/*) host_tmp=1 ;;
esac
for a in ${cmd[@]+"${cmd[@]}"}; do
	if [[ $a =~ (^|[[:space:]=:;\'\"\(\`])/tmp/ ]]; then
		host_tmp=1
	fi
done
rows=24 cols=80
if [ "$interactive" = 1 ]; then
	[ -t 0 ] || msg "warning: -i without a terminal on stdin"
	if [ -t 0 ] && sz=$(stty size 2>/dev/null) && [[ $sz =~ ^[1-9][0-9]*\ [1-9][0-9]*$ ]]; then
		rows=${sz% *} cols=${sz#* }
	fi
fi
{
	echo "# generated by vmtest.sh"
	echo "QLAT_MODULES=$(sq "$MODULES")"
	echo "QLAT_CWD=$(sq "$cwd")"
	echo "QLAT_HOST_TMP=$host_tmp"
	echo "QLAT_INTERACTIVE=$interactive"
} >"$CTL/env"
cp "$REPO/tools/build/vm-init.sh" "$CTL/init"
cp "$REPO/tools/build/kmemleak.sh" "$CTL/kmemleak.sh"

term=dumb
[ "$interactive" = 1 ] && term=${TERM:-vt100}
# The command script runs on busybox sh, whose exec prefers busybox applets to
# $PATH, so a bare command name is looked up in $PATH here.
{
	echo "# generated by vmtest.sh: the guest command, run by 'env -i busybox sh'"
	for e in "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 "TERM=$term" \
		QLAT_VM=1 QLAT_OUT=/run/qlat/out "QLAT_KERNEL=$ABI" "QLAT_KDIR=$K" \
		${envs[@]+"${envs[@]}"}; do
		echo "export ${e%%=*}=$(sq "${e#*=}")"
	done
	if [ "$interactive" = 1 ]; then
		# the window size lives in the open tty, so set it here
		echo "stty sane rows $rows cols $cols"
	fi
	if [ ${#cmd[@]} -eq 0 ]; then
		echo 'if [ -x /bin/bash ]; then exec /bin/bash -l; else exec /bin/sh -l; fi'
	elif [ ${#cmd[@]} -eq 1 ]; then
		echo "exec /bin/sh -c $(sq "${cmd[0]}")"
	else
		printf 'set --'
		for a in "${cmd[@]}"; do
			printf ' %s' "$(sq "$a")"
		done
		echo
		cat <<'EOF'
case "$1" in
*/*) ;;
*)
	IFS=:
	for d in $PATH; do
		if [ -f "$d/$1" ] && [ -x "$d/$1" ]; then
			p=$d/$1
			shift
			set -- "$p" "$@"
			break
		fi
	done
	unset IFS d p
	case "$1" in
	*/*) ;;
	*)
		echo "vmtest: $1: command not found" >&2
		exit 127
		;;
	esac
	;;
esac
exec "$@"
EOF
	fi
} >"$CTL/cmd"

# --- QEMU -------------------------------------------------------------------------
# Kernel command line:
#  earlyprintk       so that an early boot failure is not silent (e.g. too
#                    little memory); costs nothing measurable;
#  loglevel=5        keeps KERN_WARNING and more severe (WARN, BUG, lockdep,
#                    the stack dumps) on the console, and drops the info
#                    chatter that costs boot time on an emulated UART;
#  panic=-1 oops=panic with -no-reboot: an oops or a panic ends QEMU;
#  tsc=reliable      otherwise the guest falls back to HPET under TCG (3x
#                    slower clock reads, see ARCHITECTURE.md section 7);
#  cryptomgr.notests skips the crypto self-tests (~0.8 s under TCG);
#  acpi=noirq        skips the ACPI PCI interrupt links (~0.4 s per device);
#  lpj=N             skips the delay loop calibration of each AP under TCG
#                    (delays use the TSC anyway).
loglevel=5
[ "$verbose" = 1 ] && loglevel=7
cmdline="console=ttyS0 earlyprintk=serial,ttyS0 loglevel=$loglevel"
cmdline+=" panic=-1 oops=panic tsc=reliable"
cmdline+=" cryptomgr.notests acpi=noirq"
if [ "$accel" = tcg ]; then
	mhz=$(awk -F: '/^cpu MHz/ { printf "%d", $2; exit }' /proc/cpuinfo 2>/dev/null || true)
	hz=$(sed -n 's/^CONFIG_HZ=//p' "$K/kbuild/.config" 2>/dev/null || true)
	if [[ ${mhz:-} =~ ^[1-9][0-9]*$ ]] && [[ ${hz:-} =~ ^[1-9][0-9]*$ ]]; then
		cmdline+=" lpj=$((mhz * 1000000 / hz))"
	fi
fi
cmdline+=$extra_cmdline

qarg() { # escape a value for a QEMU option list: a comma is doubled
	printf '%s' "${1//,/,,}"
}
p9() { # id, path, tag, extra fsdev options
	printf '%s\n' -fsdev "local,id=$1,path=$(qarg "$2"),security_model=none$4" \
		-device "virtio-9p-pci,fsdev=$1,mount_tag=$3"
}
mapfile -t shares < <(
	p9 fsroot / qroot ",readonly=on,multidevs=remap"
	p9 fsctl "$CTL" qctl ""
	[ -z "$outdir" ] || p9 fsout "$outdir" qout ""
)

qemu_args=(
	-nodefaults -no-user-config -display none -no-reboot
	-M pc "${accel_args[@]}" -smp "$smp" -m "$mem"
	-kernel "$K/vmlinux" -initrd "$INITRAMFS" -append "$cmdline"
	-chardev "file,id=con,path=$(qarg "$logfile")" -serial chardev:con
	"${shares[@]}"
)
# debugging aid: extra QEMU arguments, split on white space (e.g. "-s")
if [ -n "${QLAT_VM_QEMU_ARGS:-}" ]; then
	read -r -a extra_qemu <<<"$QLAT_VM_QEMU_ARGS"
	qemu_args+=("${extra_qemu[@]}")
fi
if [ "$interactive" = 1 ]; then
	# shellcheck disable=SC2054 # commas inside QEMU option values
	qemu_args+=(-chardev "stdio,id=term,mux=on,signal=off"
		-serial chardev:term -mon chardev=term,mode=readline)
else
	# a virtio-serial port: ~20x the throughput of an emulated UART
	# shellcheck disable=SC2054 # commas inside QEMU option values
	qemu_args+=(-device virtio-serial-pci,id=vser
		-chardev "file,id=out,path=$(qarg "$output")"
		-device virtserialport,bus=vser.0,chardev=out,name=qlat.out)
fi

follow() { # file: stream it to stdout until QEMU exits
	tail -f -n +1 -s 0.1 --pid="$qemu_pid" "$1" 2>/dev/null
}

# panic=-1 makes a panic reboot, i.e. end QEMU, but a panic early in the boot
# hangs: stop QEMU a few seconds after a panic message anyway.
panic_watch() {
	if grep -aq 'Kernel panic - not syncing' < <(follow "$logfile"); then
		for _ in $(seq 50); do
			kill -0 "$qemu_pid" 2>/dev/null || return 0
			sleep 0.1
		done
		kill -TERM "$qemu_pid" 2>/dev/null || true
	fi
}

# A boot takes seconds; one stuck for BOOT_TIMEOUT (a rare hang seen under
# TCG on a loaded host) need not wait for -t.
boot_watch() {
	local rc=0
	timeout "$BOOT_TIMEOUT" grep -aq 'qlat-vm: .* running the command' < <(follow "$logfile") || rc=$?
	if [ "$rc" = 124 ]; then
		: >"$RUN/boot-timeout"
		kill -TERM "$qemu_pid" 2>/dev/null || true
	fi
}

# Splat patterns.  Kept specific enough that module taint notices and the
# usual boot chatter do not match; lines matching SPLAT_IGNORE are skipped.
SPLAT_RE='WARNING:|BUG:|Oops|Kernel panic|general protection fault|kernel BUG at|'
SPLAT_RE+='possible circular locking|possible recursive locking|inconsistent lock state|'
SPLAT_RE+='suspicious RCU usage|refcount_t:|scheduling while atomic|soft lockup|hard LOCKUP|'
SPLAT_RE+='hung_task|blocked for more than|UBSAN|KASAN|KFENCE|list_add corruption|'
SPLAT_RE+='list_del corruption|Call Trace:|rcu: INFO: .*detected stall|self-detected stall|'
SPLAT_RE+='unable to handle (kernel|page)|stack-protector|double fault|'
# debug kernels: DEBUG_OBJECTS, kmemleak (printed by vm-init.sh after its
# scan), lockdep's other reports (most start with "BUG:" or "WARNING:")
SPLAT_RE+='ODEBUG:|unreferenced object|Invalid wait context|lock held when returning|'
SPLAT_RE+='bad unlock balance|held lock freed'
# CPU vulnerability notices, e.g. "Spectre V2 : WARNING: Unprivileged eBPF is
# enabled with eIBRS on...", are not splats.
SPLAT_IGNORE='(Spectre V[12]|RETBleed|MDS|TAA|MMIO Stale Data|SRBDS|GDS|SRSO|L1TF|Speculative Store Bypass)[^:]*: WARNING:'
BOOTFAIL_RE='Attempted to kill init|VFS: Unable to mount root|No working init found|Requested init .* failed'

splat_lines() { # line numbers of splats
	grep -anE -- "$SPLAT_RE" "$logfile" | grep -avE -- "$SPLAT_IGNORE" | cut -d: -f1 || true
}

run_qemu() { # timeout: one QEMU run; sets qemu_rc
	local t=$1 p
	if [ "$interactive" = 1 ]; then
		# explicit stdin: a background job would get /dev/null
		timeout --foreground -k 5 "$t" "$QEMU" "${qemu_args[@]}" 0<&0 &
		qemu_pid=$!
	else
		timeout -k 5 "$t" "$QEMU" "${qemu_args[@]}" </dev/null &
		qemu_pid=$!
		follow "$output" &
		tail_pids+=($!)
	fi
	if [ "$verbose" = 1 ]; then
		follow "$logfile" | sed -u 's/\r$//' &
		tail_pids+=($!)
	fi
	panic_watch >/dev/null &
	tail_pids+=($!)
	if [ "$BOOT_TIMEOUT" != 0 ]; then
		boot_watch >/dev/null &
		tail_pids+=($!)
	fi
	qemu_rc=0
	wait "$qemu_pid" || qemu_rc=$?
	qemu_pid=
	for p in ${tail_pids[@]+"${tail_pids[@]}"}; do
		wait "$p" 2>/dev/null || true
	done
	tail_pids=()
}

# A boot that hangs before the command starts, with no panic and no splat, is
# retried (QLAT_VM_BOOT_RETRIES times): the command has not run, and such
# hangs came from the emulator on a loaded host, not from the code under test.
start=$SECONDS
attempt=0
while :; do
	attempt=$((attempt + 1))
	left=0
	if [ "$timeout" != 0 ]; then
		left=$((timeout - (SECONDS - start)))
		[ "$left" -gt 0 ] || left=1
	fi
	run_qemu "$left"
	if [ -e "$RUN/boot-timeout" ] && [ ! -s "$CTL/status" ] && [ "$interactive" = 0 ] &&
		[ "$attempt" -le "$BOOT_RETRIES" ] &&
		{ [ "$timeout" = 0 ] || [ $((SECONDS - start + BOOT_TIMEOUT)) -lt "$timeout" ]; } &&
		[ -z "$(splat_lines)" ]; then
		mv "$logfile" "$RUN/console.hung$attempt.log"
		: >"$logfile"
		: >"$output"
		rm -f "$RUN/boot-timeout"
		msg "the guest did not boot within $BOOT_TIMEOUT s; retrying (log: $RUN/console.hung$attempt.log)"
		continue
	fi
	break
done
elapsed=$((SECONDS - start))

# --- verdict ------------------------------------------------------------------------
show_splats() { # print each splat with context, at most ~200 lines
	local nums
	nums=$(splat_lines | tr '\n' ' ')
	awk -v nums="$nums" '
		BEGIN { n = split(nums, a, " "); for (i = 1; i <= n; i++) hit[a[i]] = 1 }
		{ sub(/\r$/, ""); line[NR] = $0 }
		END {
			for (i = 1; i <= NR; i++)
				if (hit[i])
					for (j = i - 3; j <= i + 25; j++)
						if (j >= 1 && j <= NR) want[j] = 1
			printed = 0; last = 0
			for (i = 1; i <= NR; i++) {
				if (!want[i]) continue
				if (last && i != last + 1) print "    ..."
				if (++printed > 200) { print "    ... (truncated)"; break }
				print "    " line[i]; last = i
			}
		}' "$logfile" >&2
}

show_tail() {
	if [ -s "$logfile" ]; then
		msg "last 40 lines of the console log $logfile:"
		tail -n 40 "$logfile" | tr -d '\r' | sed 's/^/    /' >&2
	else
		msg "the console log $logfile is empty: QEMU failed, or the kernel died before its console came up (too little memory?)"
	fi
}

status=
if [ -s "$CTL/status" ]; then
	status=$(head -n1 "$CTL/status")
	if ! [[ $status =~ ^[0-9]+$ ]] || [ "$status" -gt 255 ]; then
		msg "bad status file content: '$status'"
		status=
	fi
fi
panic=0 bootfail=0
if grep -aq 'Kernel panic - not syncing' "$logfile"; then
	panic=1
	if grep -aqE -- "$BOOTFAIL_RE" "$logfile"; then
		bootfail=1
	fi
fi
nsplat=0
[ "$bootfail" = 1 ] || nsplat=$(splat_lines | wc -l)
# timeout(1) exits 124 (137 when it had to SIGKILL QEMU); QEMU itself never
# does, but an outside SIGKILL would, hence the elapsed time check.
timed_out=0
if [ "$timeout" != 0 ] && [ $((elapsed + 1)) -ge "$timeout" ] &&
	{ [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; }; then
	timed_out=1
fi

if [ "$panic" = 1 ] && [ "$bootfail" = 0 ]; then
	rc=$E_PANIC
	msg "FAIL: the guest kernel panicked ($elapsed s):"
	show_splats
	msg "console log: $logfile"
elif [ "$nsplat" -gt 0 ]; then
	rc=$E_SPLAT
	msg "FAIL: kernel splat in the console log (guest status: ${status:-none}):"
	show_splats
	msg "console log: $logfile"
elif [ -n "$status" ]; then
	rc=$status
	if [ "$rc" != 0 ]; then
		msg "guest command exited with status $rc ($elapsed s); console log: $logfile"
	fi
elif [ -e "$RUN/boot-timeout" ] && [ "$timed_out" = 0 ]; then
	rc=$E_NOSTATUS
	msg "FAIL: the guest did not boot within $BOOT_TIMEOUT s (QLAT_VM_BOOT_TIMEOUT), $attempt attempt(s)"
	show_tail
elif [ "$timed_out" = 1 ]; then
	rc=$E_TIMEOUT
	msg "FAIL: timeout after $timeout s"
	show_tail
else
	rc=$E_NOSTATUS
	msg "FAIL: the guest reported no exit status (QEMU exit code $qemu_rc, $elapsed s): boot or guest setup failure"
	show_tail
fi
exit "$rc"
