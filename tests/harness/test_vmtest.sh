#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side self-tests of vmtest.sh, the VM harness: exact exit codes, the
# guest environment, panic and timeout detection.  Prints TAP.  Splat,
# report and leak detection: tests/harness/test_detectors.sh.
#
# Usage: tests/harness/test_vmtest.sh
# Env:   QLAT_KDIR, VMTEST_ARGS (tests/harness/lib.sh)
#
# Boots the VM 10 times (~1 min under TCG).

# shellcheck source=tests/harness/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

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

# 14. no exit status: at 48M QEMU exits 0 at once, without any output
vm nostatus -m 48M -- true
expect_rc nostatus 122 "guest too small to boot (-m 48M): exit 122"

# 15-16. -I: one vCPU (the instruction counter's clock is exact only so)
vm icount_smp -I -s 2 -- true
expect_rc icount_smp 120 "-I -s 2: refused (exit 120)"
vm icount -I -- nproc
[ "$rc" = 0 ] && [ "$(cat "$T/icount.out")" = 1 ]
ok $? "-I: the guest has 1 vCPU (exit $rc, nproc '$(cat "$T/icount.out")')"

# 18-20. TCG runs its vCPUs in one thread (docs/vmtest.md, "Cross-modified
# code"): the QEMU command line, through a wrapper that logs it
cat >"$T/qemu-wrap" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$T/qemu-args"
exec ${QEMU:-qemu-system-x86_64} "\$@"
EOF
chmod +x "$T/qemu-wrap"
QEMU=$T/qemu-wrap QLAT_VM_ACCEL=tcg vm tcgthread -- nproc
[ "$rc" = 0 ] && grep -qx 'tcg,thread=single' "$T/qemu-args" && [ "$(cat "$T/tcgthread.out")" = 2 ]
ok $? "TCG: -accel tcg,thread=single, still 2 vCPUs (exit $rc, nproc '$(cat "$T/tcgthread.out")')"
QEMU=$T/qemu-wrap QLAT_VM_ACCEL=tcg QLAT_VM_TCG_THREAD=multi vm tcgmulti -- true
[ "$rc" = 0 ] && grep -qx 'tcg,thread=multi' "$T/qemu-args"
ok $? "QLAT_VM_TCG_THREAD=multi: -accel tcg,thread=multi (exit $rc)"
QLAT_VM_ACCEL=tcg QLAT_VM_TCG_THREAD=multi vm icountmulti -I -- true
expect_rc icountmulti 120 "QLAT_VM_TCG_THREAD=multi with -I: refused (exit 120)"

# QLAT_VM_KERNEL: the kernel when -k is not given (the benchmarks' way to
# pick one); -k wins
QLAT_VM_KERNEL=nosuch "$VMTEST" -- true >"$T/envk-bad.out" 2>"$T/envk-bad.err"
rc=$?
[ "$rc" = 120 ] && grep -q "'nosuch' is neither a kernel name" "$T/envk-bad.err"
ok $? "QLAT_VM_KERNEL=nosuch without -k: exit 120, and the error names it (exit $rc)"
QLAT_VM_KERNEL=$K "$VMTEST" ${EXTRA[@]+"${EXTRA[@]}"} -- uname -r >"$T/envk.out" 2>"$T/envk.err"
rc=$?
[ "$rc" = 0 ] && [ "$(tail -n 1 "$T/envk.out")" = "$(cat "$K/abi")" ]
ok $? "QLAT_VM_KERNEL=\$K without -k boots that kernel ($(tail -n 1 "$T/envk.out"), exit $rc)"
QLAT_VM_KERNEL=nosuch vm envkk -- true
expect_rc envkk 0 "-k wins over QLAT_VM_KERNEL (exit 0)"

# plant_suite DIR: the suite runner (tests/vm/run.sh) and what it sources
# in a tree of its own under DIR, for planted tests in DIR/tests/vm
plant_suite() {
	mkdir -p "$1/tests/vm" "$1/tools/build"
	cp "$REPO/tests/vm/run.sh" "$1/tests/vm/"
	cp "$REPO/tools/build/kmemleak.sh" "$1/tools/build/"
}

# 21-25. the suite runner kills a test that outlives QLAT_TEST_TIMEOUT,
# with what it started, and goes on: a planted suite of a test that hangs
# (its background child too), one that says it needs longer, and one
# after them
S=$T/suite
plant_suite "$S"
cat >"$S/tests/vm/10-hang.sh" <<'TEST'
sleep 1000 &
echo $! >"$QLAT_OUT/child"
echo "ok 1 - before the hang"
sleep 1000
TEST
cat >"$S/tests/vm/15-long.sh" <<'TEST'
# vmtest: timeout 60
sleep 8
echo "ok 1 - a test that says it needs longer"
echo "1..1"
TEST
cat >"$S/tests/vm/20-after.sh" <<'TEST'
c=$(cat "$QLAT_OUT/child")
kill -0 "$c" 2>/dev/null && echo "not ok 1 - the hung test's child $c is gone" ||
	echo "ok 1 - the hung test's child $c is gone"
echo "1..1"
TEST
vm runner -o "$S" -e QLAT_TEST_TIMEOUT=5 -- "$S/tests/vm/run.sh"
[ "$rc" = 1 ]
ok $? "run.sh, a test hanging past QLAT_TEST_TIMEOUT=5: exit 1 (exit $rc, $secs s)"
grep -qx "not ok - 10-hang.sh: killed after its 5 s (QLAT_TEST_TIMEOUT, or its own # vmtest: timeout)" "$T/runner.out"
ok $? "the hung test is a \"not ok\" that says so"
grep -q "^ok 1 - the hung test's child [0-9]* is gone$" "$T/runner.out"
ok $? "the test after it ran, and the hung test's background child went with it"
grep -qx "ok 1 - a test that says it needs longer" "$T/runner.out" &&
	! grep -q "^not ok - 15-long" "$T/runner.out"
ok $? "a test with a '# vmtest: timeout 60' line runs its 8 s"
[ "$(grep -c '^# ==== [12][05]-.*: [0-9]* s$' "$T/runner.out")" = 3 ]
ok $? "the three tests reported their time"
[ "$failed" = 0 ] || diag "$T/runner.out"

# 26-27. the suites: a test marked "# vmtest: mttcg" runs in QLAT_SUITE=mttcg
# only, the others in plain only
S2=$T/suite2
plant_suite "$S2"
printf 'echo "ok 1 - plain ran"\necho "1..1"\n' >"$S2/tests/vm/10-plain.sh"
printf '# vmtest: mttcg\necho "ok 1 - mttcg ran"\necho "1..1"\n' >"$S2/tests/vm/20-one.sh"
vm suites -- sh -c "QLAT_SUITE=plain $S2/tests/vm/run.sh; echo ---; QLAT_SUITE=mttcg $S2/tests/vm/run.sh"
[ "$rc" = 0 ] && [ "$(sed -n '/^ok 1/p' "$T/suites.out" | tr '\n' /)" = "ok 1 - plain ran/ok 1 - mttcg ran/" ] &&
	[ "$(sed -n '1,/^---$/p' "$T/suites.out" | grep -c '^# ==== 20-one.sh')" = 0 ]
ok $? "QLAT_SUITE=plain runs the unmarked test only, QLAT_SUITE=mttcg the '# vmtest: mttcg' one only (exit $rc)"
[ "$(grep -c '^# ==== [12]0-.*: [0-9]* s$' "$T/suites.out")" = 2 ]
ok $? "each ran once"

echo "1..$n"
echo "# $failed of $n failed"
[ "$failed" = 0 ]
