# SPDX-License-Identifier: GPL-2.0
# Shared by the benchmarks of tests/bench/ (sourced; POSIX sh). Needs REPO.

# bench_vm T SCRIPT ARGS...: on the host, boot a VM with vmtest.sh and run
# SCRIPT ARGS in it (exec: does not return). The house clock: one vCPU and
# QEMU's instruction counter at a fixed rate (-icount shift=0,sleep=off),
# so guest time counts guest instructions whatever else the host runs;
# with T = -T, plain TCG on vmtest.sh's default vCPUs (host time).
bench_vm() {
	_t=$1
	shift
	if [ -z "$_t" ]; then
		export QLAT_VM_QEMU_ARGS="${QLAT_VM_QEMU_ARGS:+$QLAT_VM_QEMU_ARGS }-icount shift=0,sleep=off"
		exec "$REPO/vmtest.sh" -s 1 -t 3600 -e QLAT_BENCH_CLOCK= -- "$@"
	fi
	exec "$REPO/vmtest.sh" -t 3600 -e QLAT_BENCH_CLOCK=tcg -- "$@"
}

# bench_clock: in the VM, what its guest time is (for the report)
bench_clock() {
	if [ "${QLAT_BENCH_CLOCK:-icount}" = icount ]; then
		echo "QEMU icount shift=0, 1 vCPU: guest time counts instructions, 1 ns = 1 instruction"
	else
		echo "plain TCG, $(nproc) vCPUs: guest time is host time"
	fi
}
