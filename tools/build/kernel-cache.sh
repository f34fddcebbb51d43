#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the target kernel in the qlat cache (default ~/.cache/qlat):
#   - discover the current Debian bookworm 6.1 ABI (never hard-coded),
#   - install the matching linux-headers package,
#   - download linux-image-<abi>-unsigned and linux-source-6.1 of the same
#     version (apt-get download) and unpack them into the cache (dpkg -x),
#   - extract an uncompressed vmlinux (PVH boot target and BTF base),
#   - generate modules.dep for the unpacked module tree (busybox depmod),
#   - extract drivers/vhost/vhost.h, checkpatch.pl and kernel-doc from linux-source,
#   - make a private kbuild dir: symlinks to the headers tree + vmlinux, so
#     that Kbuild emits module BTF.
#
# Usage: kernel-cache.sh [ABI]        prints the kernel dir on stdout
# Env:   QLAT_CACHE (cache root), QLAT_KABI (ABI override, e.g. 6.1.0-56-amd64)
#
# Every step is skipped when its output exists, so a warm run costs one
# apt-cache query (skipped too when QLAT_KABI or the argument is given).

set -euo pipefail

CACHE=${QLAT_CACHE:-$HOME/.cache/qlat}
ABI=${1:-${QLAT_KABI:-}}
log() { echo "kernel-cache: $*" >&2; }
die() { echo "kernel-cache: error: $*" >&2; exit 1; }

if [ -z "$ABI" ]; then
	ABI=$(apt-cache depends linux-image-amd64 2>/dev/null |
	      awk '/Depends: linux-image-[0-9]/ { sub("linux-image-", "", $2); print $2; exit }')
	[ -n "$ABI" ] || die "cannot discover the Debian kernel ABI (run 'apt-get update' or 'make deps')"
fi
case "$ABI" in
*-amd64) ;;
*) die "unexpected ABI '$ABI' (want e.g. 6.1.0-56-amd64)" ;;
esac

K=$CACHE/kernel/$ABI
mkdir -p "$K" "$CACHE/dl"

# What a ready cache holds; a cache made by an older version of this
# script (e.g. without kernel-doc) goes through the steps again, each of
# which only does what is missing.
LAYOUT=2
if [ "$(cat "$K/.ready" 2>/dev/null)" = "$LAYOUT" ]; then
	ln -sfn "$K" "$CACHE/kernel/current"
	echo "$K"
	exit 0
fi

log "preparing $ABI in $K"
VER=$(apt-cache show "linux-image-$ABI-unsigned" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
[ -n "$VER" ] || die "linux-image-$ABI-unsigned not found in the apt lists"

# 1. headers (installed: Kbuild needs them at their packaged path)
HDR=/usr/src/linux-headers-$ABI
if [ ! -e "$HDR/Module.symvers" ]; then
	log "installing linux-headers-$ABI"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "linux-headers-$ABI" >&2 ||
		die "cannot install linux-headers-$ABI"
fi

# 2. image and source packages, downloaded, never installed
dl() {
	local pkg=$1 f
	f=$(ls "$CACHE/dl/${pkg}_${VER}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$f" ]; then
		log "downloading $pkg=$VER"
		(cd "$CACHE/dl" && apt-get download -q "$pkg=$VER" >&2 2>/dev/null) ||
			(cd "$CACHE/dl" && apt-get download -q "$pkg=$VER" >&2) ||
			die "apt-get download $pkg=$VER failed"
		f=$(ls "$CACHE/dl/${pkg}_${VER}_"*.deb | head -n1)
	fi
	echo "$f"
}
IMG_DEB=$(dl "linux-image-$ABI-unsigned")
# linux-source-MAJOR.MINOR: 6.1.0-56-amd64 -> 6.1, 6.12.115+deb12-amd64 -> 6.12
SRC_DEB=$(dl "linux-source-$(echo "$ABI" | cut -d. -f1,2)")

if [ ! -f "$K/root/boot/vmlinuz-$ABI" ]; then
	rm -rf "$K/root.tmp"
	dpkg -x "$IMG_DEB" "$K/root.tmp"
	mv "$K/root.tmp" "$K/root"
fi
ln -sfn "root/boot/vmlinuz-$ABI" "$K/vmlinuz"
ln -sfn "root/lib/modules/$ABI" "$K/modules"

# 3. vmlinux: find the compressed payload in the bzImage and inflate it
# (the logic of scripts/extract-vmlinux)
if [ ! -f "$K/vmlinux" ]; then
	log "extracting vmlinux"
	try() { # magic, decompressor...
		local magic=$1 pos
		shift
		for pos in $(LC_ALL=C grep -obUaP "$magic" "$K/vmlinuz" | cut -d: -f1); do
			tail -c+$((pos + 1)) "$K/vmlinuz" | "$@" >"$K/vmlinux.tmp" 2>/dev/null || true
			if [ "$(head -c4 "$K/vmlinux.tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
				mv "$K/vmlinux.tmp" "$K/vmlinux"
				return 0
			fi
		done
		return 1
	}
	try '\xfd\x37\x7a\x58\x5a\x00' xz -dc ||
		try '\x28\xb5\x2f\xfd' zstd -dc ||
		try '\x1f\x8b\x08' gzip -dc ||
		die "no vmlinux payload found in $K/vmlinuz"
	rm -f "$K/vmlinux.tmp"
	readelf -S "$K/vmlinux" | grep -q '\.BTF' || die "extracted vmlinux has no .BTF section"
fi

# 4. modules.dep for the guest's modprobe (the image package ships none)
if [ ! -f "$K/modules/modules.dep" ]; then
	log "busybox depmod"
	busybox depmod -b "$K/root" "$ABI" || die "busybox depmod failed"
fi

# 5. the bits of linux-source we need
# (kernel-doc came with layout 2: a cache without it is extracted again)
if [ ! -f "$K/src/drivers/vhost/vhost.h" ] || [ ! -f "$K/src/scripts/kernel-doc" ]; then
	log "extracting vhost.h, checkpatch and kernel-doc from linux-source"
	rm -rf "$K/src" "$K/src.tmp"
	mkdir -p "$K/src.tmp"
	tarball=$(dpkg -c "$SRC_DEB" | awk '/linux-source-.*\.tar\.(xz|bz2|gz)$/ { print $NF; exit }')
	[ -n "$tarball" ] || die "no tarball in $SRC_DEB"
	dpkg --fsys-tarfile "$SRC_DEB" | tar -xO "${tarball#/}" 2>/dev/null |
		tar -xJ -C "$K/src.tmp" --strip-components=1 --wildcards \
			'*/drivers/vhost/vhost.h' '*/scripts/checkpatch.pl' \
			'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' \
			'*/scripts/extract-vmlinux' '*/scripts/kernel-doc' ||
		die "cannot extract from $tarball"
	mv "$K/src.tmp" "$K/src"
fi

# 6. private kbuild dir: the headers tree + vmlinux => module BTF
if [ ! -e "$K/kbuild/vmlinux" ]; then
	rm -rf "$K/kbuild"
	mkdir -p "$K/kbuild"
	for f in "$HDR"/* "$HDR"/.config "$HDR"/.kernelvariables; do
		# 6.12's headers ship a vmlinux (BTF only): ours is linked below
		[ "$(basename "$f")" = vmlinux ] && continue
		[ -e "$f" ] && ln -s "$f" "$K/kbuild/$(basename "$f")"
	done
	ln -s "$K/vmlinux" "$K/kbuild/vmlinux"
fi

echo "$ABI" >"$K/abi"
echo "$VER" >"$K/version"
echo "$LAYOUT" >"$K/.ready"
ln -sfn "$K" "$CACHE/kernel/current"
log "ready: $K"
echo "$K"
