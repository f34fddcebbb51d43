/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* OpenMetrics / Prometheus text exposition pieces shared by the subcommands */
#ifndef __QLAT_TOOLS_OPENMETRICS_H
#define __QLAT_TOOLS_OPENMETRICS_H

#include <stdbool.h>
#include <stdio.h>

/*
 * An OpenMetrics family's TYPE, UNIT (unit may be NULL) and HELP lines,
 * and the end of an exposition. While qlat_om_prom is set they write the
 * Prometheus text format 0.0.4 instead (node_exporter's textfile
 * collector): a counter family is named as its samples (NAME_total), no
 * UNIT, no # EOF; the samples are the same.
 */
extern bool qlat_om_prom;
void qlat_om_family(FILE *f, const char *name, const char *type, const char *unit,
		    const char *help);
void qlat_om_end(FILE *f);

#endif /* __QLAT_TOOLS_OPENMETRICS_H */
