// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the input side of `qlat gate`: json-c tokenizing of
 * one or more documents, the document schema, the histogram parser of
 * tools/hist.c, then the decisions and all three renderings of what was
 * accepted. Built with clang -fsanitize=fuzzer,address,undefined; run by
 * tests/unit/fuzz.sh in `make check`.
 *
 * The input is split at the first NUL byte: the part before goes to the
 * baseline, the part after (if any) to the run, so that the merging and
 * the comparison of two different documents are reached too.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "gate.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *nul = memchr(buf, '\0', size);
	size_t n0 = nul ? (size_t)(nul - buf) : size;
	struct gate_opts o;
	struct gate_data d;
	char err[512];
	int ok;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	gate_data_init(&d);
	gate_opts_default(&o);
	o.min_samples = 1;
	/* odd sizes: the exact unconditional test of a margin instead of Fisher's */
	if (size & 1)
		o.miss_margin = 0.01;
	ok = !gate_parse_buffer(&d, GATE_BASE, buf, n0, "base", err, sizeof(err));
	if (ok && nul)
		ok = !gate_parse_buffer(&d, GATE_RUN, nul + 1, size - n0 - 1, "run", err,
					sizeof(err));
	else if (ok)
		ok = !gate_parse_buffer(&d, GATE_RUN, buf, n0, "run", err, sizeof(err));
	if (ok)
		gate_evaluate(&d, &o, devnull, devnull, devnull, NULL);
	gate_data_free(&d);
	return 0;
}
