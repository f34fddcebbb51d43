#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness's detectors, proven by planted bugs: tests/kmod/qlat_splat.ko
# (built here against the kernel under test) plants one bug per boot, and
# vmtest.sh must exit with its splat code (123) and print the report; with
# no bug planted it must exit 0. A bug the kernel cannot detect (no KASAN,
# no lockdep, no kmemleak in its config) is a TAP skip that says so.
# Prints TAP.
#
# Usage: tests/harness/test_detectors.sh
# Env:   QLAT_KDIR, VMTEST_ARGS (tests/harness/lib.sh)

# shellcheck source=tests/harness/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

# planted bug | config symbols that must all be set to detect it |
# the report (ERE) expected among the splats vmtest.sh prints
BUGS=(
	"warn||WARNING: CPU: .*qlat_splat"
	"sleep_atomic||BUG: (scheduling while atomic|sleeping function called from invalid context)"
	"uaf|KASAN|BUG: KASAN: .*use-after-free in qs_uaf"
	"leak|DEBUG_KMEMLEAK|kmemleak: .*qs_leak"
	"abba|PROVE_LOCKING|possible circular locking dependency detected"
	"wait_ctx|PROVE_RAW_LOCK_NESTING|BUG: Invalid wait context"
)

echo "1..$((2 + ${#BUGS[@]}))"

config_has() { # SYMBOL
	grep -q "^CONFIG_$1=y" "$K/kbuild/.config"
}

kmod=$T/kmod
mkdir -p "$kmod"
ln -s "$REPO/tests/kmod/qlat_splat.c" "$REPO/tests/kmod/Kbuild" "$kmod/"
if ! make -C "$K/kbuild" M="$kmod" RESOLVE_BTFIDS=true modules >"$T/kmod.log" 2>&1 ||
	[ ! -f "$kmod/qlat_splat.ko" ]; then
	ok 1 "tests/kmod/qlat_splat.ko builds"
	diag "$T/kmod.log"
	exit 1
fi
ok 0 "tests/kmod/qlat_splat.ko builds"

# nothing planted: a clean run, leak scan included
vm none -- insmod "$kmod/qlat_splat.ko"
expect_rc none 0 "qlat_splat with no bug planted: exit 0"

for b in "${BUGS[@]}"; do
	IFS='|' read -r bug need re <<<"$b"
	missing=
	for c in $need; do
		config_has "$c" || missing+=" CONFIG_$c"
	done
	if [ -n "$missing" ]; then
		skip "$bug=1: exit 123 with the report" "this kernel cannot detect it (no$missing)"
		continue
	fi
	vm "$bug" -- insmod "$kmod/qlat_splat.ko" "$bug=1"
	if [ "$rc" = 123 ] && grep -qE -- "$re" "$T/$bug.err"; then
		ok 0 "$bug=1: exit 123 with the report: $(grep -m1 -oE -- "$re" "$T/$bug.err")"
	else
		ok 1 "$bug=1: exit 123 with a report matching /$re/ (exit $rc)"
		diag "$T/$bug.err"
	fi
done

echo "# $failed of $n failed"
[ "$failed" = 0 ]
