/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a qlat subcommand uses: the shared helpers (trace_helpers.c: attach
 * and map reads; cli.c: options and run loop; evidence.c; report.c and
 * openmetrics.c: output), and the subcommands' entry points, which only
 * qlat.c's main calls. Dependencies run one way: qlat.c -> subcommands ->
 * helpers -> hist.c.
 */
#ifndef __QLAT_TOOLS_QLAT_H
#define __QLAT_TOOLS_QLAT_H

#include "cli.h"
#include "evidence.h"
#include "openmetrics.h"
#include "report.h"
#include "trace_helpers.h"

int cmdqlat_main(int argc, char **argv);
int zclat_main(int argc, char **argv);
int gate_main(int argc, char **argv);

#endif /* __QLAT_TOOLS_QLAT_H */
