// SPDX-License-Identifier: GPL-2.0
/*
 * qprof: a QEMU TCG plugin that counts the guest instructions executed in
 * each translation block between two marks the guest sets, so that a
 * benchmark can say which kernel functions its instructions went to (see
 * docs/vmtest.md, "Where the instructions go"). Under -icount shift=0 a
 * guest instruction is a nanosecond of guest time, so these counts add up
 * to what the benchmark's clock measured.
 *
 *   qemu-system-x86_64 ... -plugin build/qprof.so,dir=DIR
 *
 * The guest writes "SEQ start" or "SEQ stop LABEL" to DIR/prof.ctl (DIR
 * shared with it, vmtest.sh -o DIR); a thread of the plugin polls that file
 * and answers each new SEQ by writing SEQ to DIR/prof.ack once it has
 * acted: start zeroes the counts, stop writes DIR/LABEL.tb, one line per
 * block that ran since: "VADDR INSNS EXECUTIONS" (hex, decimal, decimal;
 * user space's blocks at VADDR 0, one line per length), and a first line
 * "# dropped N blocks" if the table ever ran full (those blocks were never
 * counted).
 * tests/bench/qprof-report.sh turns those into functions with the guest's
 * /proc/kallsyms.
 *
 * Each block gets an inline add to its own counter (no call per block):
 * exact with one vCPU, which the house method uses; with several vCPUs
 * the adds race and the counts are approximate. A block interrupted
 * mid-way (an exception) still counts whole.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* open addressing; a Linux guest's busy kernel runs some 10^5 blocks */
#define QPROF_SLOTS	(1u << 21)
#define QPROF_POLL_US	2000

struct qprof_block {
	uint64_t vaddr;
	uint64_t insns;		/* 0: a free slot */
	uint64_t execs;		/* the inline add's target */
};

static struct qprof_block *blocks;
static unsigned int nblocks;
static pthread_mutex_t blocks_lock = PTHREAD_MUTEX_INITIALIZER;
static char ctl_path[4096], ack_path[4096];
static const char *dir;

/* the slot of (vaddr, insns): a block retranslated with another length is another */
static struct qprof_block *qprof_slot(uint64_t vaddr, uint64_t insns)
{
	uint64_t h = (vaddr ^ (insns << 48)) * 0x9e3779b97f4a7c15ULL;
	uint32_t i = h >> 43;

	for (;;) {
		struct qprof_block *b = &blocks[i & (QPROF_SLOTS - 1)];

		if (!b->insns) {
			if (nblocks >= QPROF_SLOTS / 2)
				return NULL;
			nblocks++;
			b->vaddr = vaddr;
			b->insns = insns;
			return b;
		}
		if (b->vaddr == vaddr && b->insns == insns)
			return b;
		i++;
	}
}

/* blocks translated but not counted: the table was full */
static uint64_t dropped;

/*
 * The slot a block counts in. User space is one function to the report
 * ("[user]"), and a busy guest translates millions of its blocks (each
 * process at the same addresses, LLVM's JIT in bpftrace...): its blocks
 * share one slot per length, at address 0.
 */
static void qprof_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct qprof_block *b;

	if (!(vaddr >> 63))
		vaddr = 0;
	pthread_mutex_lock(&blocks_lock);
	b = qprof_slot(vaddr, qemu_plugin_tb_n_insns(tb));
	if (!b && !dropped++)
		fprintf(stderr, "qprof: block table full, later blocks not counted\n");
	pthread_mutex_unlock(&blocks_lock);
	if (b)
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
							 &b->execs, 1);
}

static int qprof_dump(const char *label)
{
	char path[4096 + 256];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/%s.tb", dir, label);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	pthread_mutex_lock(&blocks_lock);
	if (dropped)
		fprintf(f, "# dropped %" PRIu64 " blocks: the table was full\n", dropped);
	for (uint32_t i = 0; i < QPROF_SLOTS; i++) {
		const struct qprof_block *b = &blocks[i];

		if (b->insns && b->execs)
			fprintf(f, "%016" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
				b->vaddr, b->insns, b->execs);
	}
	pthread_mutex_unlock(&blocks_lock);
	err = ferror(f) ? -EIO : 0;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* one command of prof.ctl: "SEQ start" or "SEQ stop LABEL" */
static void qprof_command(const char *line, long *last)
{
	char cmd[16], label[200];
	long seq;
	int n;
	FILE *f;

	n = sscanf(line, "%ld %15s %199s", &seq, cmd, label);
	if (n < 2 || seq == *last)
		return;
	*last = seq;
	if (!strcmp(cmd, "start") && n == 2) {
		pthread_mutex_lock(&blocks_lock);
		for (uint32_t i = 0; i < QPROF_SLOTS; i++)
			blocks[i].execs = 0;
		pthread_mutex_unlock(&blocks_lock);
	} else if (!strcmp(cmd, "stop") && n == 3 && !strchr(label, '/')) {
		int err = qprof_dump(label);

		if (err)
			fprintf(stderr, "qprof: %s/%s.tb: %s\n", dir, label, strerror(-err));
	} else {
		fprintf(stderr, "qprof: bad command '%s'\n", line);
	}
	/* answered, even a bad command: the guest waits for it */
	f = fopen(ack_path, "w");
	if (f) {
		fprintf(f, "%ld\n", seq);
		fclose(f);
	}
}

static void *qprof_poll(void *arg)
{
	char line[256];
	long last = -1;

	(void)arg;
	for (;;) {
		FILE *f;

		usleep(QPROF_POLL_US);
		f = fopen(ctl_path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			qprof_command(line, &last);
		}
		fclose(f);
	}
	return NULL;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	pthread_t t;

	(void)info;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "dir=", 4) && argv[i][4]) {
			dir = argv[i] + 4;
		} else {
			fprintf(stderr, "qprof: unknown argument '%s' (dir=DIR)\n", argv[i]);
			return 1;
		}
	}
	if (!dir) {
		fprintf(stderr, "qprof: no dir=DIR\n");
		return 1;
	}
	snprintf(ctl_path, sizeof(ctl_path), "%s/prof.ctl", dir);
	snprintf(ack_path, sizeof(ack_path), "%s/prof.ack", dir);
	/* a stale command of an earlier run must not be taken for a new one */
	unlink(ctl_path);
	unlink(ack_path);
	blocks = calloc(QPROF_SLOTS, sizeof(*blocks));
	if (!blocks) {
		fprintf(stderr, "qprof: out of memory\n");
		return 1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, qprof_trans);
	if (pthread_create(&t, NULL, qprof_poll, NULL)) {
		fprintf(stderr, "qprof: cannot start its thread\n");
		return 1;
	}
	pthread_detach(t);
	return 0;
}
