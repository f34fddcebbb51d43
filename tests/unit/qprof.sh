#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmarks' instruction profiler on the host, as TAP: the report
# (tests/bench/qprof-report.sh) on made-up windows whose figures are known,
# and the plugin (build/qprof.so) loaded by the QEMU installed here, with
# good and bad arguments, answering a window through its files. Its counts
# in a real guest are tests/harness/test_qprof.sh's.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/tap.sh
R=tests/bench/qprof-report.sh
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

# A: user space, foo (two blocks, one at its start), bar (a block after a
# data symbol, which is not a function), baz of a module
printf '%s\n' 'ffffffff81000000 T _stext' 'ffffffff81000100 T foo' 'ffffffff81000200 t bar' \
	'ffffffff81000300 D some_data' 'ffffffffc0000000 t baz	[mymod]' >"$d/a.kallsyms"
cp "$d/a.kallsyms" "$d/b.kallsyms"
printf '%s\n' '0000000000401000 5 10' 'ffffffff81000100 4 100' 'ffffffff81000120 6 50' \
	'ffffffff81000200 3 7' 'ffffffff81000310 2 1' 'ffffffffc0000000 10 3' >"$d/a.tb"
# B: foo called 40 times, no bar, baz 6 times
printf '%s\n' 'ffffffff81000100 4 40' 'ffffffffc0000000 10 6' >"$d/b.tb"

out=$("$R" -n 0 "$d/a.tb")
assert_eq "$?" 0 "one window: exit 0"
assert_eq "$(echo "$out" | awk 'NR > 1 { printf "%s=%s/%s ", $NF, $1, NF == 3 ? $2 : "" } END { print "" }')" \
	"foo=700.0/100 [user]=50.0/0 baz[mymod]=30.0/3 bar=23.0/7 total=803.0/ " \
	"one window: instructions and entries per function, most first, and the total"
assert_eq "$("$R" -u 10 -n 1 "$d/a.tb" | sed -n 2p)" "          70.0        100  foo" \
	"-u 10: per unit; -n 1: the first line only"
out=$("$R" -u 10,2 -n 0 "$d/a.tb" "$d/b.tb")
assert_eq "$(echo "$out" | awk 'NR > 1 { printf "%s:%s-%s=%s ", $4, $1, $2, $3 } END { print "" }')" \
	"baz[mymod]:3.0-30.0=-27.0 foo:70.0-80.0=-10.0 [user]:5.0-0.0=5.0 bar:2.3-0.0=2.3 total:80.3-110.0=-29.7 " \
	"two windows, each per its own units: A, B and A - B"
assert_eq "$(echo "$out" | awk 'NR > 1 && $4 != "total" { print $4 }' | tr '\n' ' ')" \
	"baz[mymod] foo [user] bar " "two windows: the largest difference first"
assert_eq "$("$R" -n 0 -g '\[mymod\]$' "$d/a.tb" "$d/b.tb" | awk 'NR > 1 { print $4 }' | tr '\n' ' ')" \
	"baz[mymod] total " "-g keeps the matching functions, and the total is theirs"
"$R" -n 0 "$d/a.tb" "$d/nothere.tb" >"$d/err" 2>&1
assert_eq "$?:$(cat "$d/err")" "1:$R: cannot read $d/nothere.tb" "a missing window: exit 1, named"
rm "$d/b.kallsyms"
"$R" "$d/b.tb" >"$d/err" 2>&1
assert_eq "$?:$(cat "$d/err")" "1:$R: cannot read $d/b.kallsyms" "a window without its kallsyms: exit 1, named"
{ echo "# dropped 5 blocks: the table was full"; cat "$d/a.tb"; } >"$d/c.tb"
cp "$d/a.kallsyms" "$d/c.kallsyms"
out=$("$R" -n 1 "$d/c.tb" 2>"$d/err")
assert_eq "$?:$(cat "$d/err"):$(echo "$out" | sed -n 2p)" \
	"0:$R: $d/c.tb: dropped 5 blocks: the table was full, its figures are short:         700.0        100  foo" \
	"a window whose table ran full: reported, with a warning"
"$R" -u 0 "$d/a.tb" >/dev/null 2>&1
assert_eq "$?" 2 "-u 0: usage error"
"$R" >/dev/null 2>&1
assert_eq "$?" 2 "no window: usage error"

# The plugin in QEMU: no guest (-M none), the monitor on stdin
P=build/qprof.so
qemu() { # PLUGIN-ARGS [monitor commands...]
	local a=$1
	shift
	printf '%s\n' "$@" quit | timeout 60 qemu-system-x86_64 -M none -display none -nodefaults \
		-monitor stdio -plugin "$P$a" >"$d/q.out" 2>&1
}
nm -D --defined-only "$P" | awk '{ print $3 }' | grep -E '^qemu_plugin_(install|version)$' | sort >"$d/syms"
assert_eq "$(tr '\n' ' ' <"$d/syms")" "qemu_plugin_install qemu_plugin_version " "$P exports the plugin entry points"
qemu ",dir=$d" "info status"
assert_eq "$?" 0 "QEMU loads the plugin (dir=DIR) and quits"
qemu ""
assert_eq "$?:$(grep -c 'qprof: no dir=DIR' "$d/q.out")" "1:1" "no dir=: QEMU refuses to start, the plugin says why"
qemu ",dir=$d,bogus=1"
assert_eq "$?:$(grep -c "qprof: unknown argument 'bogus=1'" "$d/q.out")" "1:1" "an unknown argument: refused, named"

# a window answered through the files: start, then stop LABEL writes
# LABEL.tb (no guest runs: no blocks) and each command is acknowledged
(
	sleep 1
	echo "1 start" >"$d/prof.ctl"
	for _ in $(seq 200); do [ "$(cat "$d/prof.ack" 2>/dev/null)" = 1 ] && break; sleep 0.05; done
	echo "2 stop w1" >"$d/prof.ctl"
	for _ in $(seq 200); do [ "$(cat "$d/prof.ack" 2>/dev/null)" = 2 ] && break; sleep 0.05; done
	echo "3 stop ../escape" >"$d/prof.ctl"
	for _ in $(seq 200); do [ "$(cat "$d/prof.ack" 2>/dev/null)" = 3 ] && break; sleep 0.05; done
	echo finished >"$d/client"
) &
{ for _ in $(seq 120); do [ -f "$d/client" ] && break; sleep 0.1; done; echo quit; } |
	timeout 60 qemu-system-x86_64 -M none -display none -nodefaults -monitor stdio \
		-plugin "$P,dir=$d" >"$d/q.out" 2>&1
assert_eq "$?:$(cat "$d/prof.ack" 2>/dev/null)" "0:3" "three commands, each acknowledged"
assert_eq "$([ -f "$d/w1.tb" ] && wc -l <"$d/w1.tb")" 0 "stop w1 wrote w1.tb: no guest, no blocks"
assert_eq "$(grep -c "qprof: bad command '3 stop ../escape'" "$d/q.out")" 1 \
	"a label with a '/' is refused, and still acknowledged"

tap_done
