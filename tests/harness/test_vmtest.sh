#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side self-tests of vmtest.sh, the VM harness: exact exit codes, the
# guest environment, splat, panic and timeout detection.  Prints TAP.
#
# Usage: tests/harness/test_vmtest.sh
# Env:   QLAT_KDIR   kernel dir to test with (default: as vmtest.sh picks it)
#        VMTEST_ARGS extra vmtest.sh options for every run (e.g. "-s 1")
#
# Boots the VM 9 times (~1-2 min under TCG).

set -uo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
VMTEST=$REPO/vmtest.sh
CACHE=${QLAT_CACHE:-$HOME/.cache/qlat}
read -r -a EXTRA <<<"${VMTEST_ARGS:-}"

n=0
failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/qlat-test-vmtest.XXXXXX") || exit 1
# the run dirs that vmtest.sh keeps on failure land in $T too
export TMPDIR=$T
trap 'if [ "$failed" = 0 ]; then rm -rf "$T"; else echo "# kept: $T"; fi' EXIT

echo "1..17"

ok() { # condition-status, description
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

diag() { sed 's/^/# /' "$@"; }

# vm NAME [vmtest args...]: run vmtest.sh, stdout/stderr in $T/NAME.{out,err},
# exit code in $rc, duration in $secs
vm() {
	local name=$1 start
	shift
	start=$EPOCHREALTIME
	"$VMTEST" -k "$K" ${EXTRA[@]+"${EXTRA[@]}"} "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	echo "# $name: exit $rc in $secs s"
}

# expect_rc NAME WANT DESCRIPTION
expect_rc() {
	if [ "$rc" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3 (exit $rc, want $2)"
		echo "# stdout:"
		diag "$T/$1.out"
		echo "# stderr:"
		diag "$T/$1.err"
	fi
}

# The kernel: the same one for vmtest.sh and the splat module.
if [ -n "${QLAT_KDIR:-}" ]; then
	K=$QLAT_KDIR
elif [ -n "${QLAT_KABI:-}" ] || [ ! -f "$CACHE/kernel/current/.ready" ]; then
	K=$("$REPO/tools/build/kernel-cache.sh" ${QLAT_KABI:+"$QLAT_KABI"}) || {
		echo "Bail out! tools/build/kernel-cache.sh failed"
		exit 1
	}
else
	K=$(readlink -f "$CACHE/kernel/current")
fi
echo "# kernel: $K"

# 1. a host setup error does not boot anything
vm badopt -Z -- true
expect_rc badopt 120 "bad option: exit 120"

# 2-4. exit statuses, single word (sh -c) and argv forms
vm true -- true
expect_rc true 0 "-- true: exit 0 (${secs} s)"
vm false -- false
expect_rc false 1 "-- false: exit 1"
vm exit7 -- sh -c 'exit 7'
expect_rc exit7 7 "-- sh -c 'exit 7': exit 7"

# 5-11. the guest environment, in one boot, run from a subdir of the repo
out=$T/out
mkdir -p "$out"
# shellcheck disable=SC2016 # expanded in the guest
probe='
set -u
pwd >"$QLAT_OUT/pwd"
for m in /sys/kernel/tracing /sys/kernel/debug /sys/fs/bpf; do
	awk -v m="$m" '\''$2 == m { print m, $3 }'\'' /proc/mounts
done >"$QLAT_OUT/mounts"
if modprobe tun && grep -q "^tun " /proc/modules && [ -c /dev/net/tun ]; then
	echo yes >"$QLAT_OUT/tun"
fi
readlink "$(command -v modprobe)" >"$QLAT_OUT/modprobe"
cat /proc/sys/kernel/modprobe >>"$QLAT_OUT/modprobe"
printf "<%s>\n" "$@" >"$QLAT_OUT/args"
echo "$QLAT_VM" >"$QLAT_OUT/qlat_vm"
echo stdout-marker
echo stderr-marker >&2
'
cd "$REPO/tests/harness" || exit 1
# shellcheck disable=SC2016 # literal $HOME on purpose
vm env -o "$out" -- sh -c "$probe" probe 'a b' "c'd" '$HOME' '' ' x '
cd "$REPO" || exit 1
expect_rc env 0 "environment probe: exit 0"
[ "$(cat "$out/pwd" 2>/dev/null)" = "$REPO/tests/harness" ]
ok $? "the guest cwd is the host cwd"
[ "$(cat "$out/mounts" 2>/dev/null)" = "/sys/kernel/tracing tracefs
/sys/kernel/debug debugfs
/sys/fs/bpf bpf" ]
ok $? "tracefs, debugfs and bpffs are mounted"
[ "$(cat "$out/tun" 2>/dev/null)" = yes ]
ok $? "modprobe tun works"
[ "$(cat "$out/modprobe" 2>/dev/null)" = "/run/qlat-vm/busybox
/usr/local/sbin/modprobe" ]
ok $? "modprobe is busybox's, for commands and request_module() (host kmod: $(command -v kmod >/dev/null && echo yes || echo no))"
[ "$(cat "$out/args" 2>/dev/null)" = "<a b>
<c'd>
<\$HOME>
<>
< x >" ]
ok $? "arguments reach the command exactly"
[ "$(cat "$out/qlat_vm" 2>/dev/null)" = 1 ]
ok $? "QLAT_VM=1, and QLAT_OUT (-o) reaches the host"
grep -qx stdout-marker "$T/env.out" && grep -qx stderr-marker "$T/env.out"
ok $? "the command's stdout and stderr reach vmtest.sh's stdout"

# 12. a kernel panic ends the run with the panic code
vm panic -- sh -c 'echo c >/proc/sysrq-trigger; sleep 100'
expect_rc panic 121 "guest panic (sysrq c): exit 121"

# 13. timeout
vm timeout -t 5 -- sleep 100
if [ "$rc" = 124 ] && awk -v s="$secs" 'BEGIN { exit !(s < 20) }'; then
	ok 0 "-t 5 -- sleep 100: exit 124 (${secs} s)"
else
	ok 1 "-t 5 -- sleep 100: exit 124 in less than 20 s (exit $rc, $secs s)"
	diag "$T/timeout.err"
fi

# 14-16. splat detection, with tests/kmod/qlat_splat.ko, built here from a
# mirror of symlinks (as the Makefile does), so nothing lands in the source
# tree.  $T is under /tmp: vmtest.sh keeps the host's /tmp visible because the
# command names a path there.
kmod=$T/kmod
mkdir -p "$kmod"
ln -s "$REPO/tests/kmod/qlat_splat.c" "$REPO/tests/kmod/Kbuild" "$kmod/"
if make -C "$K/kbuild" M="$kmod" RESOLVE_BTFIDS=true modules >"$T/kmod.log" 2>&1 &&
	[ -f "$kmod/qlat_splat.ko" ]; then
	ok 0 "tests/kmod/qlat_splat.ko builds"
	vm warn0 -- insmod "$kmod/qlat_splat.ko" warn=0
	expect_rc warn0 0 "qlat_splat warn=0: exit 0"
	vm warn1 -- insmod "$kmod/qlat_splat.ko" warn=1
	if [ "$rc" = 123 ] && grep -q 'WARNING: CPU: .*qlat_splat' "$T/warn1.err"; then
		ok 0 "qlat_splat warn=1: exit 123, the splat is shown"
	else
		ok 1 "qlat_splat warn=1: exit 123, the splat is shown (exit $rc)"
		diag "$T/warn1.err"
	fi
else
	ok 1 "tests/kmod/qlat_splat.ko builds"
	diag "$T/kmod.log"
	ok 1 "qlat_splat warn=0: exit 0 # SKIP no module"
	ok 1 "qlat_splat warn=1: exit 123 # SKIP no module"
fi

# 17. no exit status: at 48M QEMU exits 0 at once, without any output
vm nostatus -m 48M -- true
expect_rc nostatus 122 "guest too small to boot (-m 48M): exit 122"

echo "# $failed of $n failed"
[ "$failed" = 0 ]
