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

tap_done
