# SPDX-License-Identifier: GPL-2.0
# Helpers of the vhost-zc-net VM tests (tests/vm/3N-zc-*.sh); sourced after
# lib.sh. Under TCG every exec of a dynamic host binary costs ~0.5 s, so
# the parsing here uses shell builtins only.

DRV=$B/vhostdrv
ZS=$DEBUGFS/vhost_zc/stats
export REPO

zc_load() { # [vhost_zc params...]
	for m in tun tap vhost; do
		[ -d /sys/module/$m ] || modprobe $m || return 1
	done
	load_mod vhost_zc vhost_zc "$@"
}

# zc_snap P [FILE]: debugfs counters (default: the global ones) into
# shell variables P_<name>
zc_snap() {
	while read -r _k _v; do
		eval "${1}_$_k=$_v"
	done <"${2:-$ZS}"
}

# zc_d A B NAME: growth of a counter from snapshot A to snapshot B
zc_d() { eval "echo \$((${2}_$3 - ${1}_$3))"; }

# v P NAME: a snapshot's or a run's value
v() { eval "echo \${${1}_$2:-missing}"; }

# zc_run P ARGS...: run vhostdrv; its "name value" lines become P_<name>;
# sets ZC_RC. The output is kept in $OUT/zc-P.out.
zc_run() {
	_p=$1
	shift
	"$DRV" "$@" >"$OUT/zc-$_p.out" 2>"$OUT/zc-$_p.err"
	ZC_RC=$?
	while read -r _k _v; do
		case "$_k" in *[!a-z0-9_]*) continue ;; esac
		eval "${_p}_$_k=\$_v"
	done <"$OUT/zc-$_p.out"
	if [ $ZC_RC -ne 0 ]; then
		diag "vhostdrv $* exited $ZC_RC:"
		while read -r _l; do diag "  $_l"; done <"$OUT/zc-$_p.err"
	fi
}
