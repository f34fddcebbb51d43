// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpfempty: loads bpf/empty.bpf.c, the empty baseline programs on the
 * tracepoints of one system (cmdq: the five cmdq:* ones; vhost_zc: the four
 * vhost_zc:* ones) or on one tracepoint of them (e.g. vhost_zc_signal, the
 * one `qlat zc` attaches by default), in one attach flavour, or (fentry
 * stock) on the stock vhost_net functions `qlat zc --stock` probes (fentry
 * clock: the same, with a clock read at a frame's send, completion and
 * signal; fentry hist: and a per-CPU lookup and a histogram update there),
 * and holds them attached until SIGINT/SIGTERM. For
 * tests/bench/qlat-overhead.sh and zc-overhead.sh.
 *
 *   bpfempty [tp_btf|raw_tp|tracepoint] [READY-FILE] [cmdq|vhost_zc|TRACEPOINT]
 *   bpfempty fentry [READY-FILE] stock|clock|hist
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "empty.skel.h"
#include "trace_helpers.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "tp_btf", *suffix;
	const char *sys = argc > 3 ? argv[3] : "cmdq";
	struct sigaction sa = { .sa_handler = on_signal };
	struct bpf_link *links[8];
	struct bpf_program *prog;
	struct empty_bpf *skel;
	int nlinks = 0, i, err = 1;
	bool fentry_set;
	sigset_t block, old;

	if (!strcmp(mode, "tp_btf"))
		suffix = "_btf";
	else if (!strcmp(mode, "raw_tp"))
		suffix = "_raw";
	else if (!strcmp(mode, "tracepoint"))
		suffix = "_tp";
	else if (!strcmp(mode, "fentry"))
		suffix = "_fentry";
	else {
		fprintf(stderr, "usage: bpfempty [tp_btf|raw_tp|tracepoint] [READY-FILE] [cmdq|vhost_zc|TRACEPOINT]\n"
			"       bpfempty fentry [READY-FILE] stock|clock|hist\n");
		return 1;
	}
	fentry_set = !strcmp(sys, "stock") || !strcmp(sys, "clock") || !strcmp(sys, "hist");
	if (strncmp(sys, "cmdq", 4) && strncmp(sys, "vhost_zc", 8) && !fentry_set) {
		fprintf(stderr, "bpfempty: unknown tracepoint system '%s'\n", sys);
		return 1;
	}
	/* blocked until sigsuspend(), so a signal cannot slip in before it */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	skel = empty_bpf__open();
	if (!skel) {
		fprintf(stderr, "bpfempty: open: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, has_suffix(bpf_program__name(prog), suffix) &&
					  !strncmp(bpf_program__name(prog), sys, strlen(sys)));
	if (fentry_set) {
		/* vhost_net's completion: _complete since 6.8, _callback before */
		static const char *const cb[] = { "vhost_zerocopy_complete" };
		char name[64];
		__u64 addr;

		qlat_ksyms("vhost_net", cb, &addr, 1);
		/* the one of this set (stock_, clock_ or hist_) for the name it lacks */
		snprintf(name, sizeof(name), "%s_vhost_zerocopy_%s_fentry", sys,
			 addr ? "callback" : "complete");
		bpf_program__set_autoload(bpf_object__find_program_by_name(skel->obj, name), false);
	}
	nlinks = 0;
	bpf_object__for_each_program(prog, skel->obj)
		nlinks += bpf_program__autoload(prog);
	if (!nlinks) {
		fprintf(stderr, "bpfempty: no tracepoint '%s'\n", sys);
		goto out;
	}
	nlinks = 0;
	if (empty_bpf__load(skel)) {
		fprintf(stderr, "bpfempty: load: %s\n", strerror(errno));
		goto out;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		links[nlinks] = bpf_program__attach(prog);
		if (!links[nlinks]) {
			fprintf(stderr, "bpfempty: attach %s: %s\n", bpf_program__name(prog),
				strerror(errno));
			goto out;
		}
		nlinks++;
	}
	if (argc > 2) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0) {
			perror(argv[2]);
			goto out;
		}
		close(fd);
	}
	while (!stop)
		sigsuspend(&old);
	err = 0;
out:
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	empty_bpf__destroy(skel);
	return err;
}
