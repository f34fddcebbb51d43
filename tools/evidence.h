/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Breach evidence of the qlat subcommands (--threshold, --max-misses) */
#ifndef __QLAT_TOOLS_EVIDENCE_H
#define __QLAT_TOOLS_EVIDENCE_H

#include <stdio.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "qlat/evidence.h"
#include "cli.h"

/*
 * Breach evidence: the last env->evidence records from the "qlat_events"
 * BPF ring buffer (include/qlat/evidence.h), and the first record over
 * --threshold or past --max-misses.
 */
enum qlat_breach { QLAT_BREACH_NONE, QLAT_BREACH_THRESHOLD, QLAT_BREACH_MISSES };

struct qlat_evidence {
	struct ring_buffer *rb;
	struct qlat_event *ring;	/* circular, `keep` records */
	unsigned int keep, next;
	__u64 seen;			/* records received */
	__u64 misses;			/* ... of which QLAT_EVF_MISS */
	__u64 threshold_ns;
	long max_misses;
	enum qlat_breach breach;
	__u64 trigger_seen;		/* index of the triggering record + 1; 0 if lost */
	__u64 breach_ns;		/* CLOCK_MONOTONIC when the breach was seen */
};

/*
 * Before load: the ring buffer at its full size when evidence is on, else
 * at a ring buffer's minimum, one page, so that it costs no memory.
 */
int qlat_evidence_size(struct bpf_map *rb, bool on);
/* NULL map_fd < 0 or no limits: evidence off (returns 0, ev->rb NULL) */
int qlat_evidence_open(struct qlat_evidence *ev, const struct qlat_env *env, int map_fd);
/* Wait up to timeout_ms for records, take them in; returns the breach state */
enum qlat_breach qlat_evidence_poll(struct qlat_evidence *ev, int timeout_ms);
/* Record a breach seen in the BPF counters (its record may have been lost) */
void qlat_evidence_breach(struct qlat_evidence *ev, enum qlat_breach b);
const char *qlat_breach_name(enum qlat_breach b);
/*
 * Print the breach and the records leading up to it, oldest first, times
 * relative to the trigger; fmt prints one record's subcommand fields.
 */
void qlat_evidence_print(const struct qlat_evidence *ev, FILE *f, __u64 rb_drops,
			 void (*fmt)(FILE *f, const struct qlat_event *e));
/*
 * The same as a JSON object: { reason, message, records_seen, ring_drops,
 * trigger_recorded, detected_ns, events[] }
 */
json_object *qlat_evidence_json(const struct qlat_evidence *ev, __u64 rb_drops,
				void (*fmt)(json_object *o, const struct qlat_event *e));
void qlat_evidence_close(struct qlat_evidence *ev);

#endif /* __QLAT_TOOLS_EVIDENCE_H */
