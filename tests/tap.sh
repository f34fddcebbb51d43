# SPDX-License-Identifier: GPL-2.0
# TAP helpers (sourced; POSIX sh) of every shell test, in the VM
# (tests/vm/lib.sh) and on the host: "ok N - what" / "not ok N - what"
# lines, and the plan "1..N" at the end (tap_done, which returns non-zero
# if anything failed).

_tap_n=0
_tap_fail=0

ok() { # cond-status description
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_fail=$((_tap_fail + 1))
	fi
}

# assert_eq GOT WANT DESCRIPTION
assert_eq() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3 ($1)"
	else
		ok 1 "$3"
		echo "#   got '$1', want '$2'"
	fi
}

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

diag() { echo "# $*"; }

tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_fail" -eq 0 ]
}
