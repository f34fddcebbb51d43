#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Host check (TAP, run by tests/check.sh's unit phase): the man pages in
# docs/man/ render without a groff warning, and every long option that
# `build/qlat SUBCOMMAND --help` prints is documented in qlat-SUBCOMMAND.8
# (every page of that name in docs/man/),
# so that the pages stay true to the tool.
cd "$(dirname "$0")/../.." || exit 1
QLAT=${QLAT:-build/qlat}
. tests/tap.sh

if ! command -v groff >/dev/null; then
	echo "1..0 # SKIP groff is not installed (make deps)"
	exit 0
fi

for page in docs/man/*.8; do
	out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	[ -z "$out" ]
	ok $? "$page renders without warnings"
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
done

# The long options of a subcommand's --help, one per line (argp: "--name",
# "--name=ARG", "--name[=ARG]").
long_opts() {
	"$QLAT" "$1" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# qlat-cmdq.8, and every other qlat-SUBCOMMAND.8 there is (qlat-zc.8 ...)
for page in docs/man/qlat-*.8; do
	sub=${page#docs/man/qlat-}
	sub=${sub%.8}
	if [ "$sub" != cmdq ] && ! "$QLAT" "$sub" --help >/dev/null 2>&1; then
		skip "$page: options" "$QLAT has no '$sub' subcommand (yet)"
		continue
	fi
	opts=$(long_opts $sub)
	[ -n "$opts" ]
	ok $? "qlat $sub --help lists options ($(echo $opts | wc -w))"
	missing=
	for o in $opts; do
		# in troff source a hyphen is written \- ; the option must not
		# continue with another name character (--json vs --json-file)
		sed 's/\\-/-/g' "$page" | grep -qE -- "$o([^a-z0-9-]|\$)" || missing="$missing $o"
	done
	[ -z "$missing" ]
	ok $? "every long option of qlat $sub --help is in $page${missing:+ (missing:$missing)}"
done

# the version is the Makefile's, however it is asked for; gate takes -h
want="qlat $(sed -n 's/^QLAT_VERSION := //p' Makefile)"
for a in --version -V "cmdq --version" "zc -V" "gate --version"; do
	# shellcheck disable=SC2086
	got=$("$QLAT" $a 2>&1)
	assert_eq "$got" "$want" "qlat $a"
done
out=$("$QLAT" gate -h)
st=$?
case "$out" in "Usage: qlat gate"*) ;; *) st=x ;; esac
assert_eq "$st" 0 "qlat gate -h: its usage, exit 0"
"$QLAT" cmdq -c 3 >/dev/null 2>&1
assert_eq $? 1 "qlat cmdq -c 3 without an interval: usage error"

# libbpf-tools/rtla letters (#17): -T timestamps, -q quiet take no
# argument (before, -T was a thread and -q a vq: "-c" became the THREAD);
# -p is no PID filter and says which option selects a pipe or a device;
# the filters are long options. Each case stops at parsing, before BPF.
cli() { # want-status want-stderr-substring args...
	_st=$1 _msg=$2
	shift 2
	_err=$("$QLAT" "$@" 2>&1 >/dev/null)
	_got=$?
	case "$_err" in *"$_msg"*) ;; *) _got="$_got, stderr: $(echo "$_err" | head -n 1)" ;; esac
	assert_eq "$_got" "$_st" "qlat $*: exit $_st, '$_msg'"
}
cli 1 "a count (-c) needs an interval (-i)" cmdq -T -c 3
cli 1 "a count (-c) needs an interval (-i)" cmdq -q -c 3
cli 1 "a count (-c) needs an interval (-i)" zc -q -T -c 3
cli 1 "a count (-c) needs an interval (-i)" cmdq --timestamp --quiet -c 3
cli 1 "-p: no PID filter here" cmdq -p 0
cli 1 "A display pipe is --pipe PIPE" cmdq -p 1234
cli 1 "A vhost-zc-net device is --dev ID" zc -p 1234
cli 1 "a count (-c) needs an interval (-i)" cmdq --thread 15 --pipe 2 -c 3
cli 1 "a count (-c) needs an interval (-i)" zc --vq 1 -c 3
cli 1 "invalid thread '16' (0-15)" cmdq --thread 16
cli 1 "invalid pipe '3' (0-2)" cmdq --pipe 3
cli 1 "invalid vq '2' (0-1)" zc --vq 2
cli 1 "too many arguments" cmdq -T 1 10 4

tap_done
