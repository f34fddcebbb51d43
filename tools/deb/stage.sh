#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: stage a copy of the tree in $O/deb/qlat-$QLAT_VERSION with
# tools/deb/ as its debian/ dir, build the binary packages qlat and
# qlat-dkms there with dpkg-buildpackage, and copy them to $O/.
#
# Usage: tools/deb/stage.sh SERIES...   (the kernel names whose vhost.h
#        the DKMS package carries, e.g. 6.1 6.12; $O/kernels/NAME must exist)
# Env:   O (build dir), QLAT_VERSION
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${O:?}" "${QLAT_VERSION:?}"

die() { echo "deb: $*" >&2; exit 1; }

# the version is the Makefile's; debian/changelog must say the same
clv=$(dpkg-parsechangelog -l tools/deb/changelog -S Version)
[ "$clv" = "$QLAT_VERSION" ] ||
	die "tools/deb/changelog is at $clv, the Makefile's QLAT_VERSION at $QLAT_VERSION"

S=$O/deb/qlat-$QLAT_VERSION
rm -rf "$O/deb"
mkdir -p "$S"
# what the packages are built from: the sources, headers, man pages and
# docs (no tests: they need VMs, tests/vm/70-deb.sh runs them on the result)
cp -a Makefile README.md bpf include kernel tools docs "$S/"
rm -rf "$S/tools/deb"
cp -a tools/deb "$S/debian"
cp "$O/vmlinux.h" "$S/debian/vmlinux.h"

# vhost.h of each series, from its Debian linux-source (kernel-cache.sh
# extracted it): vhost_zc includes the kernel's private drivers/vhost/vhost.h
for k in "$@"; do
	kd=$(cat "$O/kernels/$k")
	abi=$(cat "$kd/abi")
	series=$(echo "$abi" | cut -d. -f1,2)
	[ -f "$kd/src/drivers/vhost/vhost.h" ] || die "$kd has no src/drivers/vhost/vhost.h"
	mkdir -p "$S/debian/vhost/$series"
	cp "$kd/src/drivers/vhost/vhost.h" "$S/debian/vhost/$series/"
	cat "$kd/version" >"$S/debian/vhost/$series/VERSION" 2>/dev/null ||
		echo "$abi" >"$S/debian/vhost/$series/VERSION"
done

t0=$(date +%s.%N)
(cd "$S" && dpkg-buildpackage -b -us -uc) >"$O/deb/build.log" 2>&1 ||
	{ tail -n 40 "$O/deb/build.log" >&2; die "dpkg-buildpackage failed ($O/deb/build.log)"; }
rm -f "$O"/qlat_*.deb "$O"/qlat-dkms_*.deb
cp "$O"/deb/qlat_"$QLAT_VERSION"_*.deb "$O"/deb/qlat-dkms_"$QLAT_VERSION"_all.deb "$O/"
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "deb: dpkg-buildpackage %.1f s\n", b - a }'
ls -l "$O"/qlat_*.deb "$O"/qlat-dkms_*.deb
