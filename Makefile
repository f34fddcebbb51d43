# SPDX-License-Identifier: GPL-2.0
#
# qlat: kernel modules (kernel/), BPF programs (bpf/), tools (tools/) and
# tests (tests/). The modules are built per target kernel, which is fetched
# (or, for "debug", built) into $(QLAT_CACHE), never into the repo; the BPF
# objects and tools are built once (CO-RE, against 6.1's BTF) and run on
# every kernel.
#
#   make            build everything for KERNEL (default 6.1), which becomes
#                   this checkout's kernel (build/kernel.stamp: vmtest.sh
#                   boots it by default)
#   make KERNEL=K   the same for K: 6.1, 6.12, 6.12-rt or debug
#   make KERNEL=K modules   only K's modules; the checkout's kernel stays
#   make deps       install the Debian packages the build and the VM need
#   make check      host unit tests + the VM suite on each of KERNELS
#                   (default: 6.1 6.12 6.12-rt; add debug); last line
#                   "N passed, N failed, N skipped"
#   make run        the demo, in a VM
#   make soak       the mixed soak on the debug kernel (DURATION=600 s)
#   make gate       the project's own latency gate vs tests/gate/baseline
#                   (GATE_SLOW=1: slowed drivers, must fail; GATE_UPDATE=1: refresh)
#   make install    DESTDIR=... prefix=/usr/local
#   make deb        the Debian packages qlat and qlat-dkms, in build/
#                   (docs/packaging.md); make deb-check installs them in
#                   the VM (DKMS build in the guest, ~25 min)
#   make clean

QLAT_CACHE ?= $(HOME)/.cache/qlat
export QLAT_CACHE
O := build
prefix ?= /usr/local
DESTDIR ?=

CC ?= cc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
# what `qlat --version` says (and the Debian packages, issue 18)
QLAT_VERSION := 0.2.0
TOOL_CFLAGS := $(CPPFLAGS) $(CFLAGS) $(WARNFLAGS) -I$(O) -Iinclude -Itools -DQLAT_VERSION='"$(QLAT_VERSION)"'
# static by default: a dynamically linked host program costs ~0.2 s per
# exec over the VM's 9p root (docs/vmtest.md); the Debian package links
# dynamically (STATIC=, tools/deb/rules)
STATIC ?= -static
TOOL_LIBS := $(LDFLAGS) $(STATIC) -lbpf -lelf -lz -ljson-c -lm

# Debian packages for building and for the VM. libc6-dev etc come with
# build-essential; kernel headers/image/source are handled by kernel-cache.sh
# (downloaded and unpacked, never installed); flex and bison build the debug
# kernel (debug-kernel.sh). linux-base: 6.12's linux-headers postinst runs
# its linux-run-hooks when tests/vm/70-deb.sh installs them in the VM,
# whose root is this system's.
DEB_PKGS := build-essential clang llvm libbpf-dev bpftool dwarves libelf-dev \
	zlib1g-dev libjson-c-dev qemu-system-x86 busybox-static \
	xz-utils zstd binutils jq bc bpftrace linux-perf iproute2 \
	libclang-rt-dev libpng-dev chromium groff-base prometheus perl \
	flex bison debhelper dh-dkms dkms lintian help2man linux-base curl

# Target kernels by name. $(O)/kernels/NAME holds NAME's kernel dir in the
# cache, resolved by tools/build/kernel-cache.sh on every make (one
# apt-cache query); $(O)/kernel.stamp is the checkout's kernel (KERNEL of
# the last plain make). vmlinux.h, hence every BPF object, comes from
# BPF_KERNEL's BTF whatever KERNEL is.
KERNEL ?= 6.1
KERNELS ?= 6.1 6.12 6.12-rt debug
BPF_KERNEL := 6.1
export KERNELS

BPF_PROGS := cmdqlat zclat zcstock
BPF_OBJS := $(BPF_PROGS:%=$(O)/%.bpf.o)
SKELS := $(BPF_PROGS:%=$(O)/%.skel.h)
# qlat = usage/dispatch (qlat.c) + subcommands + libqlat.a, the helpers
# they share (also linked by the unit tests)
LIB_SRCS := tools/trace_helpers.c tools/cli.c tools/evidence.c tools/report.c \
	tools/openmetrics.c tools/hist.c
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
GATE_SRCS := tools/gate.c tools/gate_input.c tools/gate_decide.c tools/gate_stats.c tools/gate_render.c
TOOL_SRCS := tools/qlat.c tools/cmdqlat.c tools/zclat.c $(GATE_SRCS)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(O)/%.o)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(wildcard tests/unit/test_*.c))

# Modules go to $(O)/kmod/<uname -r of the kernel>/<dir>/, where the VM
# tests find the ones of the kernel they run on. KDIR and KABI are set on
# the command line of the sub-make that builds them (see `modules`).
KMODS := cmdq vhost_zc testkmod cmdqtest
KABI = $(shell cat $(KDIR)/abi 2>/dev/null)
KMOD_DIR = $(O)/kmod/$(KABI)
KMOD_STAMPS = $(KMODS:%=$(KMOD_DIR)/%/.built)

ifeq ($(V),1)
Q :=
msg := @true
else
Q := @
msg = @printf '  %-8s %s\n'
endif

.PHONY: deb deb-check install-tools soak install-files all deps kernel modules kmods bpf tools unit-tests check run gate install clean FORCE

all: modules $(O)/kernel.stamp $(SKELS) $(O)/qlat $(O)/cmdqctl $(O)/vhostdrv $(UNIT_TESTS) $(O)/tests/tp_layout $(O)/tests/zc_qemu \
	$(O)/tests/fuzz_gate_json $(O)/tests/png_colors $(O)/bpfempty $(O)/tests/gate_aa $(O)/qprof.so \
	$(O)/bpf-jit $(O)/bpf-vlog

# --- dependencies ---------------------------------------------------------

deps:
	$(Q)missing=$$(dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' $(DEB_PKGS) 2>/dev/null | \
		awk '$$1 == "ii" { ok[$$2] = 1 } END { n = split("$(DEB_PKGS)", p, " "); \
			for (i = 1; i <= n; i++) if (!(p[i] in ok)) printf "%s ", p[i] }'); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing $$missing"; \
		apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

# --- kernel (cache) -------------------------------------------------------

# Re-resolved on every make (one apt-cache query); touched only on change.
$(O)/kernels/%: FORCE
	$(Q)mkdir -p $(O)/kernels
	$(Q)k=$$(tools/build/kernel-cache.sh $*) || exit 1; \
	if [ "$$(cat $@ 2>/dev/null)" != "$$k" ]; then echo "$$k" > $@; fi

$(O)/kernel.stamp: $(O)/kernels/$(KERNEL) FORCE
	$(Q)cmp -s $< $@ || cp $< $@

kernel: $(O)/kernels/$(KERNEL)

# --- kernel modules, with BTF ---------------------------------------------
# Built from a mirror of symlinks in $(O)/kmod/<name>, so that no build
# output lands in the source tree, against the private kbuild dir of the
# cache (headers + vmlinux => module BTF). Debian's kbuild has no
# resolve_btfids, hence RESOLVE_BTFIDS=true. $(4): more make arguments.

define kmod_rule
$(KMOD_DIR)/$(1)/.built: $(2) $(KDIR)/.ready
	$$(msg) KMOD "$(1) ($(KABI))"
	$$(Q)mkdir -p $(KMOD_DIR)/$(1)
	$$(Q)find $(KMOD_DIR)/$(1) -maxdepth 1 -xtype l -delete
	$$(Q)ln -sf $(abspath $(wildcard $(3)/*.c $(3)/*.h $(3)/Kbuild)) $(KMOD_DIR)/$(1)/
	$$(Q)$$(MAKE) --no-print-directory -s -C $(KDIR)/kbuild M=$(abspath $(KMOD_DIR)/$(1)) \
		RESOLVE_BTFIDS=true QLAT_INC=$(abspath include) \
		VHOST_INC=$(KDIR)/src/drivers/vhost $(4) modules
	$$(Q)for m in $(KMOD_DIR)/$(1)/*.ko; do \
		readelf -S $$$$m | grep -q '\.BTF' || { echo "$$$$m: no module BTF" >&2; exit 1; }; \
	done
	$$(Q)touch $$@
endef

# the module rules exist in the sub-make only, where KDIR is known
ifneq ($(KDIR),)
KSRC = $(wildcard $(1)/*.c $(1)/*.h $(1)/Kbuild)
$(eval $(call kmod_rule,cmdq,$(call KSRC,kernel/cmdq) $(wildcard include/cmdq/*.h),kernel/cmdq))
$(eval $(call kmod_rule,vhost_zc,$(call KSRC,kernel/vhost_zc),kernel/vhost_zc))
$(eval $(call kmod_rule,testkmod,$(call KSRC,tests/kmod),tests/kmod))
# fires cmdq_helper's exported tracepoints: its header, its Module.symvers
$(eval $(call kmod_rule,cmdqtest,$(call KSRC,tests/kmod/cmdq) $(KMOD_DIR)/cmdq/.built,tests/kmod/cmdq,\
	CMDQ_SRC=$(abspath kernel/cmdq) KBUILD_EXTRA_SYMBOLS=$(abspath $(KMOD_DIR)/cmdq/Module.symvers)))
endif

kmods: $(KMOD_STAMPS)

modules: $(O)/kernels/$(KERNEL)
	$(Q)$(MAKE) --no-print-directory kmods KDIR="$$(cat $<)"

# --- BPF ------------------------------------------------------------------

# VMLINUX_H=FILE: use that vmlinux.h (the Debian package's build, which
# has no kernel cache: `make deb` puts 6.1's into the staged tree)
ifeq ($(VMLINUX_H),)
$(O)/vmlinux.h: $(O)/kernels/$(BPF_KERNEL)
	$(msg) GEN $@
	$(Q)$(BPFTOOL) btf dump file "$$(cat $<)/vmlinux" format c > $@.tmp && mv $@.tmp $@
else
$(O)/vmlinux.h: $(VMLINUX_H)
	$(Q)mkdir -p $(O)
	$(Q)cp $< $@
endif

$(O)/%.bpf.o: bpf/%.bpf.c $(O)/vmlinux.h $(wildcard bpf/*.h include/qlat/*.h)
	$(msg) BPF $@
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -I$(O) -Iinclude -Ibpf \
		-Wall -Wno-unused-function -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(O)/%.skel.h: $(O)/%.bpf.o
	$(msg) GEN-SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

bpf: $(SKELS)

# --- tools ----------------------------------------------------------------

$(O)/tools/%.o: tools/%.c $(wildcard tools/*.h include/qlat/*.h) $(SKELS)
	$(msg) CC $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(TOOL_CFLAGS) -c $< -o $@

$(O)/libqlat.a: $(LIB_OBJS)
	$(msg) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(O)/qlat: $(TOOL_OBJS) $(O)/libqlat.a
	$(msg) LINK $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(TOOL_LIBS)

# /dev/cmdq CLI for tests, fuzzing and load generation (no BPF)
CMDQCTL_SRCS := $(wildcard tools/cmdqctl*.c)
$(O)/cmdqctl: $(CMDQCTL_SRCS) tools/cmdqctl.h include/uapi/linux/cmdq.h
	$(msg) LINK $@
	$(Q)$(CC) $(TOOL_CFLAGS) $(LDFLAGS) $(STATIC) -o $@ $(CMDQCTL_SRCS)

# userspace virtio-net driver for vhost-net devices (tests, benchmarks)
VHOSTDRV_SRCS := $(wildcard tools/vhostdrv*.c)
$(O)/vhostdrv: $(VHOSTDRV_SRCS) tools/vhostdrv.h
	$(msg) LINK $@
	$(Q)$(CC) $(TOOL_CFLAGS) $(LDFLAGS) $(STATIC) -pthread -o $@ $(VHOSTDRV_SRCS)

tools: $(O)/qlat $(O)/cmdqctl $(O)/vhostdrv

# --- host unit tests ------------------------------------------------------

$(O)/tests/test_hist: tests/unit/test_hist.c tools/hist.c bpf/qlat_hist.bpf.h $(wildcard tests/unit/*.h tools/*.h include/qlat/*.h)
	$(msg) CC $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(TOOL_CFLAGS) -Itests/unit -o $@ tests/unit/test_hist.c tools/hist.c -ljson-c -lm

$(O)/tests/test_gate: tests/unit/test_gate.c $(GATE_SRCS) tools/hist.c $(wildcard tests/unit/*.h tools/*.h include/qlat/*.h)
	$(msg) CC $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(TOOL_CFLAGS) -Itests/unit -o $@ tests/unit/test_gate.c $(GATE_SRCS) tools/hist.c -ljson-c -lm

$(O)/tests/test_lib: tests/unit/test_lib.c $(O)/libqlat.a $(wildcard tests/unit/*.h tools/*.h include/qlat/*.h)
	$(msg) CC $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(TOOL_CFLAGS) -Itests/unit -o $@ tests/unit/test_lib.c $(O)/libqlat.a $(TOOL_LIBS)

# resampled A/A and stall pairs from tests/gate/baseline (tests/gate/aa.sh)
$(O)/tests/gate_aa: tests/unit/gate_aa.c tools/hist.c $(wildcard tools/*.h include/qlat/*.h)
	$(msg) CC $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(TOOL_CFLAGS) -o $@ tests/unit/gate_aa.c tools/hist.c -ljson-c -lm

# libFuzzer target of qlat gate's JSON input (run by tests/unit/fuzz.sh);
# libFuzzer comes with libclang-rt-dev
$(O)/tests/fuzz_gate_json: tests/fuzz/fuzz_gate_json.c $(GATE_SRCS) tools/hist.c $(wildcard tools/*.h include/qlat/*.h)
	$(msg) FUZZ $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Iinclude -Itools -o $@ $(filter %.c,$^) -ljson-c -lm

# pixel colour counts of a PNG, for the Chromium screenshot of the gate report
$(O)/tests/png_colors: tests/unit/png_colors.c
	$(msg) CC $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(TOOL_CFLAGS) -o $@ $< -lpng

# the empty baseline BPF programs of tests/bench/qlat-overhead.sh
$(O)/bpfempty: tests/bench/bpfempty.c $(O)/empty.skel.h $(O)/libqlat.a
	$(msg) LINK $@
	$(Q)$(CC) $(TOOL_CFLAGS) -o $@ $< $(O)/libqlat.a $(TOOL_LIBS)

# the loaded BPF programs' sizes and JITed code (Debian 12's bpftool has no
# libbfd to show it): docs/vmtest.md, "Where the instructions go"
$(O)/bpf-jit: tests/bench/bpf-jit.c
	$(msg) LINK $@
	$(Q)$(CC) $(TOOL_CFLAGS) -o $@ $< $(TOOL_LIBS)

# the verifier's log (time, instructions walked) of chosen programs of an
# object: docs/vmtest.md, "Where a loader's start-up goes"
$(O)/bpf-vlog: tests/bench/bpf-vlog.c
	$(msg) LINK $@
	$(Q)$(CC) $(TOOL_CFLAGS) -o $@ $< $(TOOL_LIBS)

# run in the guest by tests/vm/: the fallback record layouts vs tracefs
$(O)/tests/tp_layout: tests/vm/tp_layout.c $(wildcard bpf/*_tp.h)
	$(msg) CC $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(TOOL_CFLAGS) -Ibpf -static -o $@ $<

# both ends of tests/vm/39-zc-qemu.sh's workload, the nested guest's in
# its initramfs: static
$(O)/tests/zc_qemu: tests/vm/zc_qemu.c
	$(msg) CC $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(TOOL_CFLAGS) -static -o $@ $<

# the benchmarks' instruction profiler, a QEMU TCG plugin (docs/vmtest.md,
# "Where the instructions go"); its header comes from QEMU's source
$(O)/qprof.so: tests/bench/qprof.c tools/build/qemu-plugin-h.sh
	$(msg) CC $@
	$(Q)inc=$$(tools/build/qemu-plugin-h.sh) && \
		$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNFLAGS) -I"$$inc" -shared -fPIC -pthread -o $@ $<

unit-tests: $(UNIT_TESTS)

# --- test, demo, install --------------------------------------------------

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/check.sh

RESULTS ?= $(O)/results/run-$(shell date +%Y%m%d-%H%M%S)

# recipes read the kernel dir from the stamp at run time: make expands a
# whole recipe before its first line builds the stamp in a fresh tree
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)mkdir -p $(RESULTS)
	$(Q)./vmtest.sh -I -k "$$(cat $(O)/kernel.stamp)" -o $(abspath $(RESULTS)) -- tests/demo.sh; \
		st=$$?; echo "results: $(RESULTS)"; ls $(RESULTS); exit $$st

# dogfooding: the fixed cmdq and zc scenarios in one VM boot, gated against
# the committed baselines (docs/gate.md, "Dogfooding"; tests/gate/)
GATE_SLOW ?= 0
GATE_UPDATE ?= 0

gate: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)GATE_SLOW=$(GATE_SLOW) GATE_UPDATE=$(GATE_UPDATE) GATE_DIR=$(O)/gate tests/gate/run.sh "$$(cat $(O)/kernel.stamp)"

# the mixed soak (tests/vm/60-soak.sh) on the debug kernel, DURATION s
DURATION ?= 600
soak: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory KERNEL=debug modules
	$(Q)./vmtest.sh -k "$$(cat $(O)/kernels/debug)" -m 1G -t $$(($(DURATION) + 1800)) \
		-e QLAT_SOAK_S=$(DURATION) -- tests/vm/run.sh soak

install: all
	$(Q)$(MAKE) --no-print-directory install-files KDIR="$$(cat $(O)/kernel.stamp)"

install-files: install-tools
	install -d $(DESTDIR)/lib/modules/$(KABI)/extra/qlat
	install -m 0644 $(KMOD_DIR)/cmdq/*.ko $(DESTDIR)/lib/modules/$(KABI)/extra/qlat/
	install -m 0644 $(KMOD_DIR)/vhost_zc/*.ko $(DESTDIR)/lib/modules/$(KABI)/extra/qlat/

# the tools and their man pages (also the Debian package's install step)
install-tools:
	install -d $(DESTDIR)$(prefix)/sbin $(DESTDIR)$(prefix)/share/man/man8
	install -m 0755 $(O)/qlat $(DESTDIR)$(prefix)/sbin/qlat
	install -m 0755 $(O)/vhostdrv $(DESTDIR)$(prefix)/sbin/vhostdrv
	install -m 0755 $(O)/cmdqctl $(DESTDIR)$(prefix)/sbin/cmdqctl
	install -m 0644 $(wildcard docs/man/*.8) $(DESTDIR)$(prefix)/share/man/man8/

# Debian packages (docs/packaging.md): qlat and qlat-dkms in $(O)/, built
# by dpkg-buildpackage from a staged copy of the tree in $(O)/deb/ with
# tools/deb/ as its debian/ dir; 6.1's vmlinux.h and the vhost.h of each
# kernel series of the matrix (linux-headers lacks it) go along
DEB_SERIES_KERNELS := 6.1 6.12
deb: $(O)/vmlinux.h $(DEB_SERIES_KERNELS:%=$(O)/kernels/%)
	$(Q)QLAT_VERSION=$(QLAT_VERSION) O=$(O) tools/deb/stage.sh $(DEB_SERIES_KERNELS)

# the packages installed in the VM: DKMS builds the modules in the guest
# (tests/vm/70-deb.sh; 45-55 min per kernel under TCG, hence not in check)
deb-check: deps
	$(Q)$(MAKE) --no-print-directory all deb
	$(Q)./vmtest.sh -k "$$(cat $(O)/kernels/$(KERNEL))" -m 1G -t 5400 -e QLAT_DEB_VM=1 \
		-- tests/vm/run.sh 70-deb

clean:
	rm -rf $(O)

FORCE:

.SECONDARY:
