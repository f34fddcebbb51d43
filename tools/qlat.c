// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * qlat: latency histograms for CMDQ display packets and vhost zero-copy
 * completions, from their tracepoints, with CO-RE BPF. Usage and dispatch
 * only: the subcommands are cmdqlat.c, zclat.c and gate.c.
 */
#include <stdio.h>
#include <string.h>
#include "qlat.h"

/* every subcommand's --version (-V), from argp */
const char *argp_program_version = "qlat " QLAT_VERSION;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: qlat SUBCOMMAND [OPTION...]\n"
		"Latency histograms for CMDQ display packets and vhost zero-copy TX\n"
		"completions, from their tracepoints.\n\n"
		"Subcommands:\n"
		"  cmdq    flush->EOC, EOC->callback and vblank deadline slack/misses\n"
		"  zc      vhost zero-copy submit->complete->dequeue->signal, copy fallbacks\n"
		"          (vhost-zc-net, or stock vhost_net with --stock)\n"
		"  gate    compare runs against a baseline: exit 0 pass, 2 regression,\n"
		"          3 inconclusive\n\n"
		"Run 'qlat SUBCOMMAND --help' for the options of each;\n"
		"'qlat --version' for the version.\n");
}

int main(int argc, char **argv)
{
	argp_err_exit_status = QLAT_EXIT_USAGE;	/* argp's default is EX_USAGE (64) */
	if (argc < 2) {
		usage(stderr);
		return QLAT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("%s\n", argp_program_version);
		return 0;
	}
	if (!strcmp(argv[1], "cmdq")) {
		argv[1] = "qlat cmdq";	/* argp's program name */
		return cmdqlat_main(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "zc")) {
		argv[1] = "qlat zc";
		return zclat_main(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "gate")) {
		argv[1] = "qlat gate";
		return gate_main(argc - 1, argv + 1);
	}
	fprintf(stderr, "qlat: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return QLAT_EXIT_USAGE;
}
