// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Breach evidence: the last records of the "qlat_events" BPF ring buffer
 * leading to a --threshold or --max-misses breach.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "evidence.h"
#include "trace_helpers.h"

static int evidence_sample(void *ctx, void *data, size_t size)
{
	struct qlat_evidence *ev = ctx;
	const struct qlat_event *e = data;

	if (size < sizeof(*e) || ev->breach)
		return 0;	/* keep what led to the breach, not what followed */
	if (ev->keep) {
		ev->ring[ev->next] = *e;
		ev->next = (ev->next + 1) % ev->keep;
	}
	ev->seen++;
	if (e->flags & QLAT_EVF_MISS)
		ev->misses++;
	if (ev->threshold_ns && (e->flags & QLAT_EVF_OVER)) {
		ev->breach = QLAT_BREACH_THRESHOLD;
		ev->trigger_seen = ev->seen;
		ev->breach_ns = qlat_mono_ns();
	} else if (ev->max_misses >= 0 && (e->flags & QLAT_EVF_MISS) &&
		   ev->misses > (__u64)ev->max_misses) {
		ev->breach = QLAT_BREACH_MISSES;
		ev->trigger_seen = ev->seen;
		ev->breach_ns = qlat_mono_ns();
	}
	return 0;
}

int qlat_evidence_size(struct bpf_map *rb, bool on)
{
	return bpf_map__set_max_entries(rb, on ? QLAT_RB_SIZE : sysconf(_SC_PAGESIZE));
}

int qlat_evidence_open(struct qlat_evidence *ev, const struct qlat_env *env, int map_fd)
{
	memset(ev, 0, sizeof(*ev));
	ev->threshold_ns = env->threshold_ns;
	ev->max_misses = env->max_misses;
	if (!env->threshold_ns && env->max_misses < 0)
		return 0;
	ev->keep = env->evidence;
	ev->ring = calloc(ev->keep ? ev->keep : 1, sizeof(*ev->ring));
	if (!ev->ring)
		return -ENOMEM;
	ev->rb = ring_buffer__new(map_fd, evidence_sample, ev, NULL);
	if (!ev->rb) {
		int err = -errno;

		free(ev->ring);
		ev->ring = NULL;
		return err;
	}
	return 0;
}

enum qlat_breach qlat_evidence_poll(struct qlat_evidence *ev, int timeout_ms)
{
	if (ev->rb && !ev->breach)
		ring_buffer__poll(ev->rb, timeout_ms);	/* -EINTR on a signal: fine */
	return ev->breach;
}

void qlat_evidence_breach(struct qlat_evidence *ev, enum qlat_breach b)
{
	if (!ev->breach) {
		ev->breach = b;
		ev->breach_ns = qlat_mono_ns();
	}
}

const char *qlat_breach_name(enum qlat_breach b)
{
	switch (b) {
	case QLAT_BREACH_THRESHOLD:
		return "threshold";
	case QLAT_BREACH_MISSES:
		return "max-misses";
	default:
		return "none";
	}
}

/* Records kept, oldest first: the i-th is ev->ring[(first + i) % keep] */
static unsigned int evidence_kept(const struct qlat_evidence *ev, unsigned int *first)
{
	unsigned int n = ev->seen < ev->keep ? ev->seen : ev->keep;

	*first = ev->seen < ev->keep ? 0 : ev->next;
	return n;
}

static const struct qlat_event *evidence_trigger(const struct qlat_evidence *ev)
{
	if (!ev->trigger_seen || !ev->keep)
		return NULL;
	return &ev->ring[(ev->next + ev->keep - 1) % ev->keep];
}

static void breach_reason(const struct qlat_evidence *ev, char *buf, size_t n)
{
	if (ev->breach == QLAT_BREACH_THRESHOLD)
		snprintf(buf, n, "an event took more than %llu ns (--threshold)",
			 (unsigned long long)ev->threshold_ns);
	else
		snprintf(buf, n, "more than %ld deadline misses (--max-misses)",
			 ev->max_misses);
}

void qlat_evidence_print(const struct qlat_evidence *ev, FILE *f, __u64 rb_drops,
			 void (*fmt)(FILE *f, const struct qlat_event *e))
{
	const struct qlat_event *t = evidence_trigger(ev);
	unsigned int first, n, i;
	char reason[128];

	if (!ev->breach)
		return;
	breach_reason(ev, reason, sizeof(reason));
	fprintf(f, "BREACH: %s\n", reason);
	if (!ev->trigger_seen)
		fprintf(f, "the triggering record was lost (ring buffer full: %llu records "
			"dropped); the BPF counters saw the breach\n",
			(unsigned long long)rb_drops);
	if (!ev->keep)
		return;
	n = evidence_kept(ev, &first);
	fprintf(f, "last %u of %llu events (times relative to the %s; ring-buffer drops %llu):\n",
		n, (unsigned long long)ev->seen, t ? "breach" : "last record",
		(unsigned long long)rb_drops);
	if (!t && n)
		t = &ev->ring[(first + n - 1) % ev->keep];
	for (i = 0; i < n; i++) {
		const struct qlat_event *e = &ev->ring[(first + i) % ev->keep];

		fprintf(f, "  %+12.3f us  ", ((double)(__s64)(e->ts_ns - t->ts_ns)) / 1e3);
		fmt(f, e);
		fprintf(f, "%s\n", e == t && ev->trigger_seen ? "   <== breach" : "");
	}
}

json_object *qlat_evidence_json(const struct qlat_evidence *ev, __u64 rb_drops,
				void (*fmt)(json_object *o, const struct qlat_event *e))
{
	const struct qlat_event *t = evidence_trigger(ev);
	json_object *o, *a;
	unsigned int first, n, i;
	char reason[128];

	if (!ev->breach)
		return NULL;
	o = json_object_new_object();
	a = json_object_new_array();
	breach_reason(ev, reason, sizeof(reason));
	json_object_object_add(o, "reason", json_object_new_string(qlat_breach_name(ev->breach)));
	json_object_object_add(o, "message", json_object_new_string(reason));
	json_object_object_add(o, "records_seen", json_object_new_uint64(ev->seen));
	json_object_object_add(o, "ring_drops", json_object_new_uint64(rb_drops));
	json_object_object_add(o, "trigger_recorded", json_object_new_boolean(t != NULL));
	json_object_object_add(o, "detected_ns", json_object_new_uint64(ev->breach_ns));
	n = evidence_kept(ev, &first);
	for (i = 0; i < n; i++) {
		const struct qlat_event *e = &ev->ring[(first + i) % ev->keep];
		json_object *r = json_object_new_object();

		json_object_object_add(r, "ts_ns", json_object_new_uint64(e->ts_ns));
		json_object_object_add(r, "value_ns", json_object_new_uint64(e->value));
		fmt(r, e);
		json_object_array_add(a, r);
	}
	json_object_object_add(o, "events", a);
	return o;
}

void qlat_evidence_close(struct qlat_evidence *ev)
{
	ring_buffer__free(ev->rb);
	free(ev->ring);
	memset(ev, 0, sizeof(*ev));
}
