/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* OpenMetrics / Prometheus text exposition pieces shared by the subcommands */
#ifndef __QLAT_TOOLS_OPENMETRICS_H
#define __QLAT_TOOLS_OPENMETRICS_H

#include <stdbool.h>
#include <stddef.h>
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

/*
 * Append the label name="value" to the label set in buf (a NUL-terminated
 * string of len bytes at most, "" for none; a comma before it unless it is
 * the first), the value escaped as both text formats require: backslash as
 * \\, double quote as \", line feed as \n. Every label value qlat
 * writes goes through here. 0, or -ENOSPC with buf as it was.
 */
int qlat_om_label(char *buf, size_t len, const char *name, const char *value);
/* the same for a number */
int qlat_om_label_int(char *buf, size_t len, const char *name, long long value);

#endif /* __QLAT_TOOLS_OPENMETRICS_H */
