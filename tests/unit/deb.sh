#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages (`make deb`, tools/deb/, docs/packaging.md), as TAP:
# both build with dpkg-buildpackage, lintian --pedantic has nothing to say
# beyond the overrides (each justified in tools/deb/*.lintian-overrides),
# and each package holds exactly what it should. tests/vm/70-deb.sh
# installs them in the VM (DKMS build, modprobe, a measured scenario,
# systemd-analyze verify, purge).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/tap.sh
V=$(sed -n 's/^QLAT_VERSION := //p' Makefile)
Q=build/qlat_${V}_amd64.deb D=build/qlat-dkms_${V}_all.deb

t0=$(date +%s)
out=$(make -s deb 2>&1)
st=$?
ok $st "make deb: dpkg-buildpackage builds qlat and qlat-dkms $V ($(($(date +%s) - t0)) s)"
[ $st -eq 0 ] || { echo "$out" | tail -n 20 | sed 's/^/#   /'; tap_done; exit; }
for f in "$Q" "$D"; do
	test -s "$f"
	ok $? "$f: $(stat -c %s "$f" 2>/dev/null) bytes, $(dpkg-deb -c "$f" | grep -vc '/$') files"
done

# lintian: no error, warning, info or pedantic tag left (overridden tags
# are listed with "N:" under --show-overrides and not counted)
tags=$(lintian --pedantic "$Q" "$D" 2>&1 | grep -v 'running with root privileges')
assert_eq "$(printf '%s' "$tags" | grep -c '^[EWIPX]:')" 0 "lintian --pedantic: no tags ($(grep -vc '^#' tools/deb/qlat.lintian-overrides) overridden, tools/deb/qlat.lintian-overrides)"
[ -z "$tags" ] || echo "$tags" | sed 's/^/#   /'

# contents: qlat
list() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|' | grep -v '/$' | sort; }
want_q="/lib/systemd/system/qlat-cmdq.service
/lib/systemd/system/qlat-zc.service
/usr/sbin/cmdqctl
/usr/sbin/qlat
/usr/sbin/vhostdrv
/usr/share/doc/qlat/changelog.gz
/usr/share/doc/qlat/copyright
/usr/share/doc/qlat/examples/modules-load.d/qlat.conf
/usr/share/lintian/overrides/qlat
/usr/share/man/man8/cmdqctl.8.gz
/usr/share/man/man8/qlat-cmdq.8.gz
/usr/share/man/man8/qlat-gate.8.gz
/usr/share/man/man8/qlat-zc.8.gz
/usr/share/man/man8/qlat.8.gz
/usr/share/man/man8/vhostdrv.8.gz"
got=$(list "$Q")
[ "$got" = "$want_q" ]
ok $? "qlat: the tools, their 6 man pages, 2 units, the modules-load.d example, nothing else"
[ "$got" = "$want_q" ] || diff <(echo "$want_q") <(echo "$got") | sed 's/^/#   /'
dep=$(dpkg-deb -f "$Q" Depends)
case "$dep" in *libbpf1*libjson-c5* | *libjson-c5*libbpf1*) r=0 ;; *) r=1 ;; esac
ok $r "qlat: linked dynamically, shlibs dependencies ($dep)"

# contents: qlat-dkms: the module sources of kernel/ (cmdq, vhost_zc), the
# headers they include, vhost.h per series, dkms.conf naming 5 modules
S=/usr/src/qlat-$V
got=$(list "$D" | grep "^$S/")
want=$( (cd kernel && find cmdq vhost_zc -type f | sed "s|^|$S/kernel/|")
	(cd include && find cmdq uapi -type f | sed "s|^|$S/include/|")
	echo "$S/Kbuild"; echo "$S/dkms.conf"
	for s in 6.1 6.12; do echo "$S/vhost/$s/VERSION"; echo "$S/vhost/$s/vhost.h"; done) 
want=$(echo "$want" | sort)
[ "$got" = "$want" ]
ok $? "qlat-dkms: $(echo "$want" | wc -l) files under $S: kernel/cmdq, kernel/vhost_zc, their headers, vhost.h of 6.1 and 6.12, Kbuild, dkms.conf"
[ "$got" = "$want" ] || diff <(echo "$want") <(echo "$got") | sed 's/^/#   /'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$D" "$tmp"
conf=$tmp$S/dkms.conf
assert_eq "$(grep -c '^BUILT_MODULE_NAME' "$conf")" 5 "dkms.conf: 5 modules"
assert_eq "$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$conf")" "$V" "dkms.conf: PACKAGE_VERSION is the package's"
names=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]\]="\(.*\)"/\1/p' "$conf" | sort | tr '\n' ' ')
kb=$(cat kernel/*/Kbuild | sed -n 's/.*obj-m += \(\$(if [^,]*,\)\?\([a-z_]*\)\.o.*/\2/p' | sort | tr '\n' ' ')
assert_eq "$names" "$kb" "dkms.conf names every module of kernel/*/Kbuild"

# dkms.conf's own MAKE line, as DKMS runs it, against each series'
# kernel of the cache (kbuild dir of headers): the package's source tree
# builds all five modules. The in-guest DKMS install is tests/vm/70-deb.sh
for k in 6.1 6.12; do
	kd=$(cat "build/kernels/$k" 2>/dev/null) || { ok 1 "build/kernels/$k: no kernel"; continue; }
	abi=$(cat "$kd/abi")
	dt=$tmp/dkms-$k
	mkdir -p "$dt/qlat/$V"
	cp -a "$tmp$S" "$dt/qlat/$V/build"
	t0=$(date +%s)
	# shellcheck disable=SC2034 # dkms.conf's variables
	(kernelver=$abi kernel_source_dir=$kd/kbuild dkms_tree=$dt
		. "$dt/qlat/$V/build/dkms.conf" && eval "${MAKE[0]}") >"$dt/make.log" 2>&1
	st=$?
	n=$(sed -n 's/^BUILT_MODULE_LOCATION\[\([0-9]\)\]="\(.*\)"/\1 \2/p' "$dt/qlat/$V/build/dkms.conf" |
		while read -r i loc; do
			m=$(sed -n "s/^BUILT_MODULE_NAME\\[$i\\]=\"\\(.*\\)\"/\\1/p" "$dt/qlat/$V/build/dkms.conf")
			[ -f "$dt/qlat/$V/build/$loc$m.ko" ] && echo "$m"
		done | wc -l)
	[ "$st" = 0 ] && [ "$n" = 5 ]
	ok $? "dkms.conf's MAKE[0] against $abi's headers: $n of 5 modules built ($(($(date +%s) - t0)) s)"
	[ "$st" = 0 ] || tail -n 20 "$dt/make.log" | sed 's/^/#   /'
done
tap_done
