#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Debian packages (`make deb`: build/qlat_*.deb, build/qlat-dkms_*.deb;
# docs/packaging.md) installed into the guest's copy-on-write root as a
# user installs them: linux-headers-<abi> of the running kernel (from the
# kernel cache's downloads), then qlat-dkms, whose postinst has DKMS build
# the modules against those headers; modprobe (kmod's) loads them by name
# with their dependencies; the installed qlat and cmdqctl measure a short
# load exactly; the units pass systemd-analyze verify; dpkg --purge leaves
# no module and no file behind. For the stock kernels (the debug kernel
# has no linux-headers package).
# Not in `make check`'s run: gcc under TCG compiles the five modules in
# ~20 min of a host CPU (25 files; ~30 CPU-s natively), and installing
# the headers takes 3 min more, per kernel. `make deb-check KERNEL=K`
# runs it (QLAT_DEB_VM=1); make check's unit phase builds, lints and
# lists the packages (tests/unit/deb.sh). docs/packaging.md has its
# figures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"

if [ "${QLAT_DEB_VM:-0}" != 1 ]; then
	echo "1..0 # SKIP the in-guest DKMS build takes ~25 min per kernel under TCG: make deb-check KERNEL=$(uname -r) (QLAT_DEB_VM=1)"
	exit 0
fi

KV=$(uname -r)
DL=${QLAT_KDIR:-}/../../dl
V=$(sed -n 's/^QLAT_VERSION := //p' "$REPO/Makefile")
QDEB=$B/qlat_${V}_amd64.deb
DDEB=$B/qlat-dkms_${V}_all.deb
hdr=$(ls "$DL/linux-headers-${KV}_"*.deb 2>/dev/null)
if [ -z "${QLAT_KDIR:-}" ] || [ -z "$hdr" ]; then
	echo "1..0 # SKIP no linux-headers-$KV package in the kernel cache (the debug kernel is built from source): DKMS needs one"
	exit 0
fi
# kmod's tools, as on an installed system (vm-init.sh puts busybox's first)
SYSPATH=/usr/sbin:/usr/bin:/sbin:/bin
secs() { echo $(($(date +%s) - $1)); }

test -s "$QDEB" && test -s "$DDEB"
ok $? "build/ has qlat and qlat-dkms $V (make deb)" || { tap_done; exit 1; }

# 1. linux-headers-<abi>, its -common and linux-kbuild: the dependency the
# test satisfies. --force-depends: the headers package of 6.12 depends on
# its linux-image, which the VM boots from the cache instead, and 6.1's on
# linux-compiler-gcc-12-x86 (= gcc-12, installed)
hver=$(dpkg-deb -f "$hdr" Version)
common=$(dpkg-deb -f "$hdr" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-headers-[^ ]*-common[^ ]*\) .*/\1/p')
kbuild=$(dpkg-deb -f "$hdr" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-kbuild-[^ ]*\) .*/\1/p')
t=$(date +%s)
PATH=$SYSPATH dpkg -i --force-depends --force-unsafe-io "$hdr" "$DL/${common}_${hver}_all.deb" \
	"$DL/${kbuild}_${hver}_amd64.deb" >"$OUT/deb-headers.log" 2>&1
ok $? "dpkg -i linux-headers-$KV, $common, $kbuild $hver ($(secs $t) s)"
test -f "/lib/modules/$KV/build/Makefile"
ok $? "/lib/modules/$KV/build -> $(readlink "/lib/modules/$KV/build")"

# 2. the packages; qlat-dkms's postinst: dkms add, build, install
for m in vhost_zc cmdq_dev cmdq_frame gce_sim cmdq_helper; do unload_mod $m; done
t=$(date +%s)
PATH=$SYSPATH dpkg -i --force-unsafe-io "$DDEB" "$QDEB" >"$OUT/deb-install.log" 2>&1
st=$?
dkms_s=$(secs $t)
ok $st "dpkg -i qlat-dkms qlat: DKMS built and installed the modules for $KV in $dkms_s s"
[ $st = 0 ] || sed 's/^/#   /' "$OUT/deb-install.log" | tail -n 30
diag "DKMS build time ($KV): $dkms_s s (dpkg -i of both packages, under TCG)"
assert_eq "$(PATH=$SYSPATH dkms status qlat 2>&1)" "qlat/$V, $KV, x86_64: installed" "dkms status"
n=0
for m in cmdq_helper gce_sim cmdq_frame cmdq_dev vhost_zc; do
	[ -f "/lib/modules/$KV/updates/dkms/$m.ko" ] && n=$((n + 1))
done
assert_eq "$n" 5 "the 5 modules are in /lib/modules/$KV/updates/dkms"

# 3. modprobe by name, dependencies and soft dependencies included
PATH=$SYSPATH modprobe cmdq_dev
ok $? "modprobe cmdq_dev"
n=0
for m in cmdq_helper gce_sim cmdq_frame cmdq_dev; do
	sv=$(cat /sys/module/$m/srcversion 2>/dev/null)
	[ -n "$sv" ] && [ "$sv" = "$(PATH=$SYSPATH modinfo -F srcversion "/lib/modules/$KV/updates/dkms/$m.ko")" ] &&
		n=$((n + 1))
done
assert_eq "$n" 4 "cmdq_helper, gce_sim, cmdq_frame and cmdq_dev loaded, each the DKMS build (srcversion)"
PATH=$SYSPATH modprobe vhost_zc
ok $? "modprobe vhost_zc"
# vhost_zc has no MODULE_VERSION, hence no srcversion: the module modprobe
# resolves is the DKMS one, the only vhost_zc.ko under /lib/modules/$KV
zcp=$(PATH=$SYSPATH modinfo -n vhost_zc 2>&1)
[ -d /sys/module/vhost_zc ] && [ -d /sys/module/vhost ] && [ -c /dev/vhost-zc-net ] &&
	[ "$zcp" = "/lib/modules/$KV/updates/dkms/vhost_zc.ko" ] &&
	[ "$(find "/lib/modules/$KV/" -name vhost_zc.ko | wc -l)" = 1 ]
ok $? "vhost_zc loaded with vhost, /dev/vhost-zc-net exists, the only vhost_zc.ko is DKMS's ($zcp)"

# 4. the installed tools: a short load, measured exactly. DKMS modules have
# no module BTF (Debian's headers ship no vmlinux), so qlat takes raw_tp
QLAT=/usr/sbin/qlat C=/usr/sbin/cmdqctl
flushes() { echo $(($(stat_of $DEBUGFS/cmdq_helper/stats flush_sync) + $(stat_of $DEBUGFS/cmdq_helper/stats flush_async))); }
out=$OUT/deb-cmdq.json
if qlat_start "$out" cmdq --json; then
	f0=$(flushes)
	"$C" -t 14 load --depth 8 --ops 4 --duration-ms 1000 >"$OUT/deb-load.out"
	ok $? "/usr/sbin/cmdqctl load for 1 s"
	f1=$(flushes)
	qlat_stop
	ok $? "/usr/sbin/qlat cmdq exits 0 on SIGINT"
	# shellcheck disable=SC2046
	set -- $(cat "$OUT/deb-load.out")
	sub=$(kv load_submitted "$@")
	[ "$sub" -gt 0 ] && [ "$(($(kv load_reaped "$@") + $(kv load_inflight "$@")))" = "$sub" ]
	ok $? "cmdqctl: $sub packets submitted, reaped + in flight == submitted, $(kv load_errors "$@") errors"
	assert_eq "$(jq -r .attach "$out")" raw_tp "qlat attached raw_tp (no module BTF in a DKMS build)"
	assert_eq "$(jq -r '.events.flush + .dropped.flush' "$out")" "$((f1 - f0))" \
		"qlat: flush events seen + dropped == cmdq_helper's flushes ($((f1 - f0)), $sub of them the load's)"
	assert_eq "$(jq -r '[.hists[] | select(.metric == "flush_eoc") | .hist.count] | add' "$out")" \
		"$(jq -r '.events.eoc + .events.error' "$out")" "qlat: flush->EOC histogram total == EOC events"
else
	ok 1 "/usr/sbin/qlat cmdq attached"
fi

# 5. the units
for u in qlat-cmdq qlat-zc; do
	PATH=$SYSPATH systemd-analyze verify "/lib/systemd/system/$u.service" >"$OUT/deb-$u.verify" 2>&1
	ok $? "systemd-analyze verify $u.service: '$(head -c 200 "$OUT/deb-$u.verify")'"
done

# 6. purge: nothing of either package left
PATH=$SYSPATH dpkg -L qlat qlat-dkms 2>/dev/null | sort -u >"$OUT/deb-files"
for m in vhost_zc cmdq_dev cmdq_frame gce_sim cmdq_helper; do rmmod $m; done
ok $? "the 5 modules unload"
t=$(date +%s)
PATH=$SYSPATH dpkg --purge qlat qlat-dkms >"$OUT/deb-purge.log" 2>&1
ok $? "dpkg --purge qlat qlat-dkms ($(secs $t) s)"
left=0
while read -r f; do
	case "$f" in /. | /lib | /lib/systemd | /lib/systemd/system | /usr | /usr/sbin | /usr/share | \
		/usr/share/doc | /usr/share/man | /usr/share/man/man8 | /usr/src) continue ;; esac
	# a directory another package still owns (e.g. /usr/share/lintian/
	# overrides, lintian's) rightly stays
	[ -d "$f" ] && PATH=$SYSPATH dpkg-query -S "$f" >/dev/null 2>&1 && continue
	if [ -e "$f" ]; then
		diag "left: $f"
		left=$((left + 1))
	fi
done <"$OUT/deb-files"
assert_eq "$left" 0 "none of the packages' $(wc -l <"$OUT/deb-files") paths is left"
n=$(ls "/lib/modules/$KV/updates/dkms" 2>/dev/null | wc -l)
assert_eq "$n/$(ls -d /var/lib/dkms/qlat 2>/dev/null | wc -l)" 0/0 \
	"no module left in updates/dkms, no /var/lib/dkms/qlat"
PATH=$SYSPATH modprobe -n cmdq_dev 2>/dev/null
ok $((!$?)) "modprobe finds no cmdq_dev any more"
tap_done
