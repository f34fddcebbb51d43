#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print a directory holding qemu-plugin.h, the TCG plugin API of the QEMU
# installed here, for tests/bench/qprof.c. Debian ships no package with the
# header, so it comes from the source Debian built that QEMU from: the
# upstream tarball of the installed qemu-system-x86's version, downloaded
# once from Debian's archive into $CACHE/dl and checked against the
# checksum pinned below (Debian's Sources index lists the same), then only
# the header is extracted to $CACHE/qemu-plugin/VERSION/.
#
# Usage: tools/build/qemu-plugin-h.sh
# Env:   QLAT_CACHE (cache root), QLAT_DEBIAN_MIRROR (default
#        http://deb.debian.org/debian)

set -euo pipefail

CACHE=${QLAT_CACHE:-$HOME/.cache/qlat}
MIRROR=${QLAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
die() { echo "qemu-plugin-h: error: $*" >&2; exit 1; }

# upstream version (Debian's orig tarball) -> its sha256
declare -A SHA256=(
	[7.2+dfsg]=91aca71520040edc40b8d437aa3004dae614f58e286cf653ee8996c07af2962f
)

ver=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null) ||
	die "qemu-system-x86 is not installed (make deps)"
up=${ver#*:}
up=${up%-*}
out=$CACHE/qemu-plugin/$up
if [ -f "$out/qemu-plugin.h" ]; then
	echo "$out"
	exit 0
fi
sum=${SHA256[$up]:-}
[ -n "$sum" ] || die "no pinned checksum for QEMU $up (installed: $ver): add its orig tarball's sha256 from Debian's Sources index to ${BASH_SOURCE[0]}"

tarball=qemu_$up.orig.tar.xz
mkdir -p "$CACHE/dl"
exec {lock}>"$CACHE/dl/.lock"
flock "$lock"
if ! echo "$sum  $CACHE/dl/$tarball" | sha256sum -c --status 2>/dev/null; then
	echo "qemu-plugin-h: downloading $tarball" >&2
	curl -fsS --retry 3 -o "$CACHE/dl/$tarball.part" "$MIRROR/pool/main/q/qemu/$tarball" ||
		die "download of $MIRROR/pool/main/q/qemu/$tarball failed"
	echo "$sum  $CACHE/dl/$tarball.part" | sha256sum -c --status ||
		die "$tarball: sha256 mismatch (want $sum)"
	mv "$CACHE/dl/$tarball.part" "$CACHE/dl/$tarball"
fi
tmp=$(mktemp -d "$CACHE/qemu-plugin.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar --no-same-owner -xJf "$CACHE/dl/$tarball" -C "$tmp" --wildcards '*/include/qemu/qemu-plugin.h' ||
	die "$tarball has no include/qemu/qemu-plugin.h"
mkdir -p "$out"
mv "$tmp"/*/include/qemu/qemu-plugin.h "$out/qemu-plugin.h.tmp"
mv "$out/qemu-plugin.h.tmp" "$out/qemu-plugin.h"
exec {lock}>&-
echo "$out"
