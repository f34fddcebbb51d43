/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one histogram and percentile library of qlat: merging per-CPU
 * values, quantiles from binned counts, and the terminal, JSON and
 * OpenMetrics renderings. Used by every subcommand and by `qlat gate`.
 */
#ifndef __QLAT_TOOLS_HIST_H
#define __QLAT_TOOLS_HIST_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "qlat/hist.h"

enum qlat_unit { QLAT_UNIT_NS, QLAT_UNIT_US, QLAT_UNIT_MS, QLAT_UNIT_NONE };

/* Bucket geometry (see include/qlat/hist.h) */
unsigned int qlat_slot(__u64 v);
__u64 qlat_slot_lo(unsigned int slot);
__u64 qlat_slot_hi(unsigned int slot);	/* inclusive */

void qlat_hist_init(struct qlat_hist *h);
void qlat_hist_add(struct qlat_hist *h, __u64 v);
/* dst += src, including min/max; an empty src changes nothing */
void qlat_hist_merge(struct qlat_hist *dst, const struct qlat_hist *src);
/* Sum the per-CPU copies of one map value (BPF's form: include/qlat/hist.h) */
void qlat_hist_merge_percpu(struct qlat_hist *dst, const struct qlat_hist *percpu, int ncpus);

/*
 * Quantile q (0 < q <= 1) from binned counts: the inclusive upper bound of
 * the bucket that holds the value of rank ceil(q * count), clamped to
 * [min, max]. It is never below the true quantile of the raw data and at
 * most 2x above it. Returns 0 for an empty histogram.
 */
__u64 qlat_hist_quantile(const struct qlat_hist *h, double q);
/* Lower bound of the same bucket, clamped to min: true quantile >= this */
__u64 qlat_hist_quantile_lo(const struct qlat_hist *h, double q);

const char *qlat_unit_name(enum qlat_unit u);
double qlat_unit_div(enum qlat_unit u);

/* Terminal: log2 rows with stars, then count/min/avg/max/percentiles */
void qlat_hist_print(FILE *f, const struct qlat_hist *h, const char *title,
		     enum qlat_unit unit);
/* JSON object: unit "ns" (or none), buckets [{le, count}], stats, percentiles */
json_object *qlat_hist_json(const struct qlat_hist *h, bool ns);
/* Parse what qlat_hist_json() wrote; returns 0 or -EINVAL */
int qlat_hist_from_json(struct qlat_hist *h, json_object *o);
/*
 * OpenMetrics histogram samples (no TYPE/HELP lines): cumulative
 * name_bucket{labels,le="B"} for every bucket of the fixed set below,
 * le="+Inf", name_sum and name_count. labels is a label set built with
 * qlat_om_label() (values escaped), or "" or NULL for none. Bucket bounds
 * are inclusive, so le="1023" counts values <= 1023 exactly. Values are in
 * seconds when ns is true (OpenMetrics base unit), else plain.
 */
void qlat_hist_openmetrics(FILE *f, const struct qlat_hist *h, const char *name,
			   const char *labels, bool ns);

/* the slots of the OpenMetrics export's fixed bucket set (qlat_hist_openmetrics) */
#define QLAT_OM_NS_FIRST	10	/* le 1023 ns */
#define QLAT_OM_NS_LAST		36	/* le 2^36 - 1 ns, ~69 s */
#define QLAT_OM_N_FIRST		0	/* le 0 */
#define QLAT_OM_N_LAST		20	/* le 2^20 - 1 */

#endif /* __QLAT_TOOLS_HIST_H */
