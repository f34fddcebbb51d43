// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpf-vlog: the verifier's account of one program of a BPF object. Loads
 * only the programs named (every other program of OBJ is left out, as the
 * qlat tools leave out the flavours they do not attach) with the
 * verifier's log at LEVEL, and prints each program's log. LEVEL 4 (the
 * default, BPF_LOG_STATS) gives the summary alone:
 *
 *   verification time 12511 usec
 *   processed 1443 insns (limit 1000000) max_states_per_insn 4 ...
 *
 * Under QEMU's -icount shift=0 a microsecond is a thousand guest
 * instructions, so the time is exact and comparable between builds.
 * LEVEL 2 logs every instruction walked and each precision backtrack:
 * where the verifier's work goes (docs/vmtest.md, "Where a loader's
 * start-up goes"). The object's read-only settings keep their defaults
 * (the tools' configuration without options). Run as root in a guest
 * where the programs' attach targets exist (modules loaded).
 * Exit status: 0, 1 when a program failed to load or none matched, 2 on
 * a usage or system error.
 *
 *   bpf-vlog [-l LEVEL] OBJ PROG...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#define LOG_SIZE	(64U << 20)	/* LEVEL 2 logs of the largest programs fit */

static int wanted(const char *name, int n, char **names)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	int c, level = 4, found = 0, err;
	char *log;

	while ((c = getopt(argc, argv, "l:")) != -1) {
		if (c != 'l' || (level = atoi(optarg)) <= 0) {
			fprintf(stderr, "usage: bpf-vlog [-l LEVEL] OBJ PROG...\n");
			return 2;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: bpf-vlog [-l LEVEL] OBJ PROG...\n");
		return 2;
	}
	obj = bpf_object__open(argv[optind]);
	if (!obj) {
		fprintf(stderr, "bpf-vlog: %s: %s\n", argv[optind], strerror(errno));
		return 2;
	}
	log = calloc(argc - optind - 1, LOG_SIZE);
	if (!log) {
		fprintf(stderr, "bpf-vlog: %s\n", strerror(ENOMEM));
		bpf_object__close(obj);
		return 2;
	}
	bpf_object__for_each_program(prog, obj) {
		int on = wanted(bpf_program__name(prog), argc - optind - 1, argv + optind + 1);

		bpf_program__set_autoload(prog, on);
		if (!on)
			continue;
		bpf_program__set_log_level(prog, level);
		bpf_program__set_log_buf(prog, log + (size_t)found * LOG_SIZE, LOG_SIZE);
		found++;
	}
	if (found != argc - optind - 1) {
		fprintf(stderr, "bpf-vlog: %s: %d of the %d programs named found\n",
			argv[optind], found, argc - optind - 1);
		free(log);
		bpf_object__close(obj);
		return 1;
	}
	err = bpf_object__load(obj);
	found = 0;
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog))
			continue;
		printf("# %s\n%s", bpf_program__name(prog), log + (size_t)found * LOG_SIZE);
		found++;
	}
	if (err)
		fprintf(stderr, "bpf-vlog: load: %s\n", strerror(-err));
	free(log);
	bpf_object__close(obj);
	return err ? 1 : 0;
}
