// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <string.h>
#include "hist.h"

unsigned int qlat_slot(__u64 v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

__u64 qlat_slot_lo(unsigned int slot)
{
	return slot ? 1ULL << (slot - 1) : 0;
}

__u64 qlat_slot_hi(unsigned int slot)
{
	return slot ? (slot >= 64 ? ~0ULL : (1ULL << slot) - 1) : 0;
}

void qlat_hist_init(struct qlat_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void qlat_hist_add(struct qlat_hist *h, __u64 v)
{
	if (v >> 63) {
		h->overflow++;
		return;
	}
	h->slots[qlat_slot(v)]++;
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
}

void qlat_hist_merge(struct qlat_hist *dst, const struct qlat_hist *src)
{
	int i;

	for (i = 0; i < QLAT_SLOTS; i++)
		dst->slots[i] += src->slots[i];
	dst->overflow += src->overflow;
	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
}

/*
 * Per-CPU copies, in BPF's form (include/qlat/hist.h: no count, ~min), into
 * one histogram. A CPU's copy read while its program runs can be caught
 * between the bucket's increment and the min, max and sum updates
 * (qlat_hist_add() in BPF). The buckets are the truth: count is their sum,
 * so every snapshot has count == sum of buckets (OpenMetrics' +Inf bucket
 * == _count); sum and min/max may lack the value being added at that
 * instant (never in a final read, taken after detaching); where the
 * buckets say a value lies outside min/max, they are widened to that
 * bucket's bound.
 */
void qlat_hist_merge_percpu(struct qlat_hist *dst, const struct qlat_hist *percpu, int ncpus)
{
	struct qlat_hist h;
	unsigned int i, lo, hi;
	__u64 n;
	int cpu;

	for (cpu = 0; cpu < ncpus; cpu++) {
		h = percpu[cpu];
		for (i = 0, n = 0, lo = QLAT_SLOTS, hi = 0; i < QLAT_SLOTS; i++) {
			n += h.slots[i];
			if (h.slots[i]) {
				if (lo == QLAT_SLOTS)
					lo = i;
				hi = i;
			}
		}
		h.count = n;
		if (n) {
			/* ~min, 0 if the first value's min is not in yet */
			h.min = h.min ? ~h.min : qlat_slot_lo(lo);
			/* a value half added is in bucket lo or hi */
			if (h.min > qlat_slot_hi(lo))
				h.min = qlat_slot_lo(lo);
			if (h.max < qlat_slot_lo(hi))
				h.max = qlat_slot_hi(hi);
		}
		qlat_hist_merge(dst, &h);
	}
}

/*
 * Slot holding the value of rank ceil(q * count), in integers: q is taken
 * in parts per 10^9 (rounded), so that a q computed in floating point
 * (1 - 0.99 = 0.010000000000000009, 99.9 / 100 = 0.9990000000000001)
 * does not pick the next rank when q * count is a whole number.
 */
static int quantile_slot(const struct qlat_hist *h, double q)
{
	const unsigned __int128 giga = 1000000000;
	__u64 ppb, rank, cum = 0;
	int i;

	if (!h->count)
		return -1;
	ppb = q >= 1 ? giga : q <= 0 ? 0 : (__u64)llround(q * 1e9);
	rank = (__u64)(((unsigned __int128)h->count * ppb + giga - 1) / giga);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < QLAT_SLOTS; i++) {
		cum += h->slots[i];
		if (cum >= rank)
			return i;
	}
	return QLAT_SLOTS - 1;
}

__u64 qlat_hist_quantile(const struct qlat_hist *h, double q)
{
	int s = quantile_slot(h, q);
	__u64 v;

	if (s < 0)
		return 0;
	v = qlat_slot_hi(s);
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}

__u64 qlat_hist_quantile_lo(const struct qlat_hist *h, double q)
{
	int s = quantile_slot(h, q);
	__u64 v;

	if (s < 0)
		return 0;
	v = qlat_slot_lo(s);
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

const char *qlat_unit_name(enum qlat_unit u)
{
	switch (u) {
	case QLAT_UNIT_US: return "usecs";
	case QLAT_UNIT_MS: return "msecs";
	case QLAT_UNIT_NONE: return "count";
	default: return "nsecs";
	}
}

double qlat_unit_div(enum qlat_unit u)
{
	switch (u) {
	case QLAT_UNIT_US: return 1e3;
	case QLAT_UNIT_MS: return 1e6;
	default: return 1;
	}
}

/*
 * v (ns, or a count) in unit, exactly: a nanosecond is 0.001 us and
 * 0.000001 ms, so us get 3 decimals and ms 6 (with 3, the low buckets'
 * bounds all printed as 0.000)
 */
static void fmt_val(char *buf, size_t len, __u64 v, enum qlat_unit unit)
{
	__u64 d = (__u64)qlat_unit_div(unit);

	if (d <= 1)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu.%0*llu", (unsigned long long)(v / d),
			 d == 1000 ? 3 : 6, (unsigned long long)(v % d));
}

#define STARS_MAX 40

void qlat_hist_print(FILE *f, const struct qlat_hist *h, const char *title,
		     enum qlat_unit unit)
{
	static const double qs[] = { 0.50, 0.90, 0.99, 0.999 };
	static const char *const qn[] = { "p50", "p90", "p99", "p99.9" };
	char lo[32], hi[32], b[4][32];
	__u64 peak = 0;
	int i, first = -1, last = -1, w, wlo, whi;

	for (i = 0; i < QLAT_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->slots[i] > peak)
			peak = h->slots[i];
	}
	fprintf(f, "%s\n", title);
	if (first < 0) {
		fprintf(f, "     (no events)\n");
	} else {
		/* columns as wide as the widest bound shown (10 at least) */
		fmt_val(lo, sizeof(lo), qlat_slot_lo(last), unit);
		fmt_val(hi, sizeof(hi), qlat_slot_hi(last), unit);
		wlo = strlen(lo) > 10 ? (int)strlen(lo) : 10;
		whi = strlen(hi) > 10 ? (int)strlen(hi) : 10;
		fprintf(f, "%*s : %-12s |%-*s|\n", wlo + 4 + whi, qlat_unit_name(unit),
			"count", STARS_MAX, "distribution");
		for (i = first; i <= last; i++) {
			fmt_val(lo, sizeof(lo), qlat_slot_lo(i), unit);
			fmt_val(hi, sizeof(hi), qlat_slot_hi(i), unit);
			w = peak ? (int)((h->slots[i] * STARS_MAX + peak - 1) / peak) : 0;
			fprintf(f, "%*s -> %-*s : %-12llu |%-*.*s|\n", wlo, lo, whi, hi,
				(unsigned long long)h->slots[i], STARS_MAX, w,
				"****************************************");
		}
	}
	fmt_val(lo, sizeof(lo), h->count ? h->min : 0, unit);
	fmt_val(hi, sizeof(hi), h->max, unit);
	fprintf(f, "     count %llu  min %s  avg %.3f  max %s%s%s",
		(unsigned long long)h->count, lo,
		h->count ? (double)h->sum / h->count / qlat_unit_div(unit) : 0.0, hi,
		unit == QLAT_UNIT_NONE ? "" : " ", unit == QLAT_UNIT_NONE ? "" : qlat_unit_name(unit));
	if (h->overflow)
		fprintf(f, "  overflow %llu", (unsigned long long)h->overflow);
	fprintf(f, "\n     ");
	for (i = 0; i < 4; i++) {
		fmt_val(b[i], sizeof(b[i]), qlat_hist_quantile(h, qs[i]), unit);
		fprintf(f, "%s<=%s%s", qn[i], b[i], i < 3 ? "  " : "\n");
	}
}

json_object *qlat_hist_json(const struct qlat_hist *h, bool ns)
{
	static const double qs[] = { 0.50, 0.90, 0.99, 0.999 };
	static const char *const qn[] = { "p50", "p90", "p99", "p99_9" };
	json_object *o = json_object_new_object();
	json_object *b = json_object_new_array();
	json_object *p = json_object_new_object();
	int i;

	json_object_object_add(o, "unit", json_object_new_string(ns ? "ns" : "count"));
	json_object_object_add(o, "count", json_object_new_uint64(h->count));
	json_object_object_add(o, "sum", json_object_new_uint64(h->sum));
	json_object_object_add(o, "min", json_object_new_uint64(h->count ? h->min : 0));
	json_object_object_add(o, "max", json_object_new_uint64(h->max));
	json_object_object_add(o, "overflow", json_object_new_uint64(h->overflow));
	for (i = 0; i < QLAT_SLOTS; i++) {
		json_object *e;

		if (!h->slots[i])
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "le", json_object_new_uint64(qlat_slot_hi(i)));
		json_object_object_add(e, "count", json_object_new_uint64(h->slots[i]));
		json_object_array_add(b, e);
	}
	json_object_object_add(o, "buckets", b);
	for (i = 0; i < 4; i++)
		json_object_object_add(p, qn[i], json_object_new_uint64(qlat_hist_quantile(h, qs[i])));
	json_object_object_add(o, "percentiles", p);
	return o;
}

static int get_u64(json_object *o, const char *key, __u64 *v)
{
	json_object *x;

	if (!json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_int))
		return -EINVAL;
	errno = 0;
	*v = json_object_get_uint64(x);
	if (errno || json_object_get_int64(x) < 0)
		return -EINVAL;
	return 0;
}

int qlat_hist_from_json(struct qlat_hist *h, json_object *o)
{
	json_object *b;
	__u64 le, n, total = 0;
	size_t i, len;
	unsigned int s;

	qlat_hist_init(h);
	if (!json_object_is_type(o, json_type_object))
		return -EINVAL;
	if (get_u64(o, "count", &h->count) || get_u64(o, "sum", &h->sum) ||
	    get_u64(o, "min", &h->min) || get_u64(o, "max", &h->max) ||
	    get_u64(o, "overflow", &h->overflow))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "buckets", &b) ||
	    !json_object_is_type(b, json_type_array))
		return -EINVAL;
	len = json_object_array_length(b);
	for (i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(b, i);

		if (!json_object_is_type(e, json_type_object) ||
		    get_u64(e, "le", &le) || get_u64(e, "count", &n))
			return -EINVAL;
		s = qlat_slot(le);
		if (s >= QLAT_SLOTS || qlat_slot_hi(s) != le)
			return -EINVAL;	/* not one of our bucket bounds */
		h->slots[s] += n;
		total += n;
	}
	if (total != h->count || (h->count && (h->min > h->max)))
		return -EINVAL;
	return 0;
}

static void om_le(char *buf, size_t len, __u64 v, bool ns)
{
	int n;

	if (!ns) {
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return;
	}
	/* exact decimal seconds: integer ns with 9 fractional digits, trimmed */
	n = snprintf(buf, len, "%llu.%09llu", (unsigned long long)(v / 1000000000ULL),
		     (unsigned long long)(v % 1000000000ULL));
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[n++] = '0', buf[n] = '\0';
}

/*
 * The buckets are a fixed set, the same on every machine, at every scrape
 * and for an empty histogram, as client libraries export them, so that
 * `sum by (le)` over a fleet adds like with like: latencies le = 2^10 - 1 ns
 * (~1 us) to 2^36 - 1 ns (~69 s), counts le = 0 to 2^20 - 1. The first
 * bucket also holds what lies below it (buckets are cumulative); what lies
 * above the last is in +Inf only.
 */
void qlat_hist_openmetrics(FILE *f, const struct qlat_hist *h, const char *name,
			   const char *labels, bool ns)
{
	const int first = ns ? QLAT_OM_NS_FIRST : QLAT_OM_N_FIRST;
	const int last = ns ? QLAT_OM_NS_LAST : QLAT_OM_N_LAST;
	const char *sep = labels && *labels ? "," : "";
	char le[48];
	__u64 cum = 0;
	int i;

	if (!labels)
		labels = "";
	for (i = 0; i < first; i++)
		cum += h->slots[i];
	for (i = first; i <= last; i++) {
		cum += h->slots[i];
		om_le(le, sizeof(le), qlat_slot_hi(i), ns);
		fprintf(f, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, sep, le,
			(unsigned long long)cum);
	}
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
		(unsigned long long)h->count);
	om_le(le, sizeof(le), h->sum, ns);
	if (*labels) {
		fprintf(f, "%s_sum{%s} %s\n", name, labels, le);
		fprintf(f, "%s_count{%s} %llu\n", name, labels,
			(unsigned long long)h->count);
	} else {
		fprintf(f, "%s_sum %s\n", name, le);
		fprintf(f, "%s_count %llu\n", name, (unsigned long long)h->count);
	}
}
