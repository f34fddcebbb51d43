# SPDX-License-Identifier: GPL-2.0
# Shared by the harness self-tests (tests/harness/test_*.sh; sourced by
# bash): TAP helpers, a vmtest.sh runner and the kernel to test with.
# Env: QLAT_KDIR   kernel dir (default: this checkout's build/kernel.stamp,
#                  else what tools/build/kernel-cache.sh prepares)
#      VMTEST_ARGS extra vmtest.sh options for every run (e.g. "-s 1")

set -uo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
VMTEST=$REPO/vmtest.sh
read -r -a EXTRA <<<"${VMTEST_ARGS:-}"

n=0
failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/qlat-test-vmtest.XXXXXX") || exit 1
# the run dirs that vmtest.sh keeps on failure land in $T too
export TMPDIR=$T
trap 'if [ "$failed" = 0 ]; then rm -rf "$T"; else echo "# kept: $T"; fi' EXIT

ok() { # condition-status, description
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

skip() { # description, reason
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
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

# The kernel: the same one for vmtest.sh and the test module.
if [ -n "${QLAT_KDIR:-}" ]; then
	K=$QLAT_KDIR
elif ! K=$(cat "$REPO/build/kernel.stamp" 2>/dev/null) || [ ! -f "$K/.ready" ]; then
	K=$("$REPO/tools/build/kernel-cache.sh") || {
		echo "Bail out! tools/build/kernel-cache.sh failed"
		exit 1
	}
fi
echo "# kernel: $K"
