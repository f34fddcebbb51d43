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
# figures. 45-55 min in all on a loaded host, past run.sh's default
# per-test limit: it declares make deb-check's vmtest.sh -t instead
# vmtest: timeout 5400
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
common=$(dpkg-deb -f "$hdr" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-headers-[^ ]*-common[^ ]*\).*/\1/p')
kbuild=$(dpkg-deb -f "$hdr" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-kbuild-[^ ]*\).*/\1/p')
t=$(date +%s)
PATH=$SYSPATH dpkg -i --force-depends --force-unsafe-io "$hdr" "$DL/${common}_${hver}_all.deb" \
	"$DL/${kbuild}_${hver}_amd64.deb" >"$OUT/deb-headers.log" 2>&1
st=$?
ok $st "dpkg -i linux-headers-$KV, $common, $kbuild $hver ($(secs $t) s)"
[ $st = 0 ] || sed 's/^/#   /' "$OUT/deb-headers.log" | tail -n 20
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
# (6.12's DKMS runs readelf on the kernel's modules: its warnings go to
# stderr, not into the status)
assert_eq "$(PATH=$SYSPATH dkms status qlat 2>/dev/null)" "qlat/$V, $KV, x86_64: installed" "dkms status"
# modfile NAME: the DKMS build of module NAME, compressed as the kernel's
# own modules are (6.12: .ko.xz)
modfile() {
	for _e in ko ko.xz ko.zst ko.gz; do
		[ -f "/lib/modules/$KV/updates/dkms/$1.$_e" ] && echo "/lib/modules/$KV/updates/dkms/$1.$_e" && return
	done
	echo "no $1.ko*"
}
n=0
for m in cmdq_helper gce_sim cmdq_frame cmdq_dev vhost_zc; do
	[ -f "$(modfile $m)" ] && n=$((n + 1))
done
assert_eq "$n" 5 "the 5 modules are in /lib/modules/$KV/updates/dkms"

# 3. modprobe by name, dependencies and soft dependencies included
PATH=$SYSPATH modprobe cmdq_dev
ok $? "modprobe cmdq_dev"
PATH=$SYSPATH modprobe vhost_zc
ok $? "modprobe vhost_zc"
# each loaded module is the DKMS build: its GNU build ID (sysfs exposes the
# loaded module's notes) is the one of the file in updates/dkms, the only
# one of that name under /lib/modules/$KV, and the one modinfo -n (kmod's
# lookup, as modprobe's) resolves. Not srcversion, which this test
# compared until 6.12 failed it for all four cmdq modules (6.1 passed):
# modpost adds one only in some cases, while every module both kernels
# build has a build ID
n=0 bad='' T=$(mktemp -d)
for m in cmdq_helper gce_sim cmdq_frame cmdq_dev vhost_zc; do
	f=$(modfile $m)
	loaded=$(od -An -tx1 -v "/sys/module/$m/notes/.note.gnu.build-id" 2>/dev/null | tr -d ' \n' | tail -c 40)
	elf=$f
	case "$f" in *.xz) elf=$T/$m.ko && xz -dc "$f" >"$elf" ;; esac
	file=$(readelf -n "$elf" 2>/dev/null | sed -n 's/.*Build ID: //p')
	if [ -n "$loaded" ] && [ "$loaded" = "$file" ] &&
		[ "$(PATH=$SYSPATH modinfo -n $m 2>&1)" = "$f" ] &&
		[ "$(find "/lib/modules/$KV/" -name "$m.ko*" | wc -l)" = 1 ]; then
		n=$((n + 1))
	else
		bad="$bad $m (loaded ${loaded:-none}, file ${file:-none})"
	fi
done
rm -rf "$T"
assert_eq "$n${bad:+:$bad}" 5 "the 5 loaded modules are the DKMS builds (GNU build ID of /sys/module/*/notes = the updates/dkms file's, the only one of its name)"
[ -d /sys/module/vhost ] && [ -c /dev/vhost-zc-net ]
ok $? "vhost_zc brought vhost, /dev/vhost-zc-net exists"

# 4. the installed tools: a short load, measured exactly. Whether a DKMS
# module has BTF depends on the kernel's headers: 6.1's ship no vmlinux, so
# none, and qlat takes raw_tp; 6.12's DKMS builds get it, and qlat tp_btf
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
	want=raw_tp why="no module BTF in this DKMS build"
	[ -e /sys/kernel/btf/cmdq_helper ] && want=tp_btf why="this DKMS build has module BTF"
	assert_eq "$(jq -r .attach "$out")" $want "qlat attached $want ($why)"
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
