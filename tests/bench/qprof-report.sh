#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where the instructions went: the blocks a qprof window counted
# (tests/bench/qprof.c) added up per guest function with the guest's
# /proc/kallsyms.
#
#   qprof-report.sh [-u UNITS[,UNITS_B]] [-n TOP] [-g REGEX] A.tb [B.tb]
#
# Each window's symbols are read from its kallsyms, A.kallsyms beside A.tb
# (prof_mark in tests/bench/lib.sh writes both).
# One file: per function, its instructions (divided by UNITS, e.g. the
# packets the window moved) and its entries (executions of the block at
# its first address: calls, for a function that does not loop back to its
# start), most instructions first. Two files: A's and B's instructions
# and A - B per function, largest difference first (by magnitude), each
# divided by its own UNITS (UNITS_B: B's, default UNITS). A last
# line gives the totals. -g keeps the functions whose name (with its
# [module]) matches the extended REGEX; -n prints the TOP first lines
# (default 25; 0: all).
# Blocks below the first kernel text symbol are user space, "[user]" (the
# plugin keeps one line per block length at address 0 for them); a
# block is its function's when it starts in it (blocks end at jumps and
# calls, so they do not straddle functions).
set -euo pipefail
USAGE="usage: $0 [-u UNITS[,UNITS_B]] [-n TOP] [-g REGEX] A.tb [B.tb]"
U=1 TOP=25 RE=
while getopts u:n:g: c; do
	case $c in
	u) U=$OPTARG ;; n) TOP=$OPTARG ;; g) RE=$OPTARG ;;
	*) echo "$USAGE" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || [ $# -eq 2 ] || { echo "$USAGE" >&2; exit 2; }
UA=${U%,*} UB=${U#*,}
for u in "$UA" "$UB"; do
	[[ $u =~ ^[1-9][0-9]*$ ]] || { echo "$0: -u: positive integers, not '$U'" >&2; exit 2; }
done
[[ $TOP =~ ^[0-9]+$ ]] || { echo "$0: -n: a number, not '$TOP'" >&2; exit 2; }
for f in "$@"; do
	for g in "$f" "${f%.tb}.kallsyms"; do
		[ -r "$g" ] || { echo "$0: cannot read $g" >&2; exit 1; }
	done
done

# the plugin's table ran full: some blocks were never counted
for f in "$@"; do
	if d=$(grep -m1 '^# dropped' "$f"); then
		echo "$0: $f: ${d#\# }, its figures are short" >&2
	fi
done

# per function of one window: "NAME INSNS ENTRIES"
funcs() {
	{
		awk '$2 ~ /^[tTwW]$/ { print $1, "S", $3 ($4 == "" ? "" : $4) }' "${1%.tb}.kallsyms"
		awk 'NF == 3 { print $1, "T", $2 * $3, $3 }' "$1"
	} | LC_ALL=C sort -k1,1 -k2,2 |
		awk '$2 == "S" { cur = $3; at = $1; next }
		     { f = cur == "" ? "[user]" : cur
		       n[f] += $3; if ($1 == at) e[f] += $4 }
		     END { for (f in n) print f, n[f], e[f] + 0 }'
}

keep() { RE=$RE awk '$1 ~ ENVIRON["RE"]'; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# the first TOP lines, reading them all (head would leave its writers a
# SIGPIPE, which pipefail turns into a failure)
top() { awk -v n="$TOP" 'n == 0 || NR <= n'; }

if [ $# -eq 1 ]; then
	funcs "$1" | keep | sort -k2,2nr -k1,1 >"$tmp"
	printf '%14s %10s  %s\n' "insns/$UA" entries function
	top <"$tmp" | awk -v u="$UA" '{ printf "%14.1f %10d  %s\n", $2 / u, $3, $1 }'
	awk -v u="$UA" '{ t += $2 } END { printf "%14.1f %10s  total\n", t / u, "" }' "$tmp"
	exit 0
fi
join -a1 -a2 -e 0 -o 0,1.2,2.2 <(funcs "$1" | keep | LC_ALL=C sort -k1,1) \
	<(funcs "$2" | keep | LC_ALL=C sort -k1,1) >"$tmp"
printf '%14s %14s %12s  %s\n' "A insns/$UA" "B insns/$UB" "A-B" function
awk -v ua="$UA" -v ub="$UB" '{ d = $2 / ua - $3 / ub; print (d < 0 ? -d : d), $0 }' "$tmp" |
	sort -k1,1gr -k2,2 | top |
	awk -v ua="$UA" -v ub="$UB" '{ printf "%14.1f %14.1f %12.1f  %s\n", $3 / ua, $4 / ub, $3 / ua - $4 / ub, $2 }'
awk -v ua="$UA" -v ub="$UB" '{ a += $2; b += $3 }
	END { printf "%14.1f %14.1f %12.1f  total\n", a / ua, b / ub, a / ua - b / ub }' \
	"$tmp"
