// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What every qlat subcommand prints, and how */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "report.h"
#include "trace_helpers.h"

FILE *qlat_file_begin(const char *path)
{
	char tmp[4096];
	FILE *f;

	if (!path)
		return NULL;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		fprintf(stderr, "qlat: %s: %s\n", tmp, strerror(errno));
	return f;
}

int qlat_file_commit(FILE *f, const char *path)
{
	char tmp[4096];
	int err = ferror(f);

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (fclose(f) || err || rename(tmp, path)) {
		fprintf(stderr, "qlat: writing %s failed: %s\n", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

int qlat_report(const struct qlat_env *env, const struct qlat_output *out, void *ctx,
		struct bpf_object *obj, int state_fd, bool final)
{
	struct qlat_snapshot s = { .final = final };
	unsigned int i;
	int err = -ENOMEM;
	FILE *f;

	s.cnt = calloc(out->ncounters, sizeof(*s.cnt));
	s.h = calloc(out->nhists, sizeof(*s.h));
	s.drop = calloc(out->nprogs, sizeof(*s.drop));
	if (s.cnt && s.h && s.drop)
		err = qlat_read_state(state_fd, s.cnt, out->ncounters, s.h, out->nhists);
	if (err) {
		fprintf(stderr, "%s: reading maps: %s\n", out->who, strerror(-err));
		goto out;
	}
	if (out->derive)
		out->derive(&s);
	for (i = 0; i < out->nprogs; i++)
		s.drop[i] = qlat_prog_misses(obj, out->prog_events[i]);
	if (env->timestamp) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s.timestamp = ts.tv_sec + (ts.tv_nsec / 1000000) / 1e3;
	}
	/* -q: the intervals only keep the files up to date */
	if (!final && env->quiet)
		goto files;
	switch (env->format) {
	case QLAT_FMT_JSON:
		out->json(stdout, ctx, &s);
		break;
	case QLAT_FMT_OPENMETRICS:
		out->openmetrics(stdout, ctx, &s);
		break;
	default:
		out->tty(stdout, ctx, &s);
	}
	fflush(stdout);
files:
	/* a file that cannot be opened is an error too (exit 1), not a skip */
	if (env->json_file) {
		f = qlat_file_begin(env->json_file);
		if (f) {
			out->json(f, ctx, &s);
			err |= qlat_file_commit(f, env->json_file);
		}
		err |= !f;
	}
	if (env->om_file) {
		f = qlat_file_begin(env->om_file);
		if (f) {
			out->openmetrics(f, ctx, &s);
			err |= qlat_file_commit(f, env->om_file);
		}
		err |= !f;
	}
	if (env->prom_file) {
		f = qlat_file_begin(env->prom_file);
		if (f) {
			qlat_om_prom = true;
			out->openmetrics(f, ctx, &s);
			qlat_om_prom = false;
			err |= qlat_file_commit(f, env->prom_file);
		}
		err |= !f;
	}
out:
	free(s.cnt);
	free(s.h);
	free(s.drop);
	return err ? QLAT_EXIT_USAGE : QLAT_EXIT_OK;
}

void qlat_tty_drops(FILE *f, const char *const *names, unsigned int n,
		    const __u64 *drop, bool counted)
{
	__u64 sum = 0;
	unsigned int i;

	if (!counted) {
		fprintf(f, "dropped: not counted on the tracepoint path before Linux 6.7 "
			"(use tp_btf or raw_tp)\n");
		return;
	}
	for (i = 0; i < n; i++)
		sum += drop[i];
	fprintf(f, "dropped: %llu", (unsigned long long)sum);
	for (i = 0; sum && i < n; i++)
		fprintf(f, " %s %llu", names[i], (unsigned long long)drop[i]);
	fprintf(f, " (events a BPF program missed: it was already running on that CPU)\n");
}

json_object *qlat_json_drops(const char *const *names, unsigned int n,
			     const __u64 *drop, bool counted)
{
	json_object *d = json_object_new_object();
	unsigned int i;

	for (i = 0; i < n; i++)
		json_object_object_add(d, names[i],
				       counted ? json_object_new_uint64(drop[i]) : NULL);
	return d;
}

json_object *qlat_json_doc(const char *subcommand, const char *attach,
			   const struct qlat_snapshot *s, double elapsed_s)
{
	json_object *doc = json_object_new_object();

	json_object_object_add(doc, "tool", json_object_new_string("qlat"));
	json_object_object_add(doc, "subcommand", json_object_new_string(subcommand));
	json_object_object_add(doc, "schema", json_object_new_int(1));
	json_object_object_add(doc, "attach", json_object_new_string(attach));
	json_object_object_add(doc, "final", json_object_new_boolean(s->final));
	json_object_object_add(doc, "elapsed_s", json_object_new_double(elapsed_s));
	if (s->timestamp) {
		char ts[32];

		/* milliseconds, written as such (not json-c's 17 digits) */
		snprintf(ts, sizeof(ts), "%.3f", s->timestamp);
		json_object_object_add(doc, "timestamp", json_object_new_double_s(s->timestamp, ts));
	}
	return doc;
}
