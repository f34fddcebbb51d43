// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * qlat gate: the renderings of a decision, as a terminal table, a JSON
 * verdict and a self-contained HTML report with SVG histograms.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gate_priv.h"

static void cell_side(char *buf, size_t len, const struct check *c, int s)
{
	char a[32], b[32];

	switch (c->kind) {
	case K_QUANTILE:
		gate_fmt_val(a, sizeof(a), c->lo[s], c->ns);
		gate_fmt_val(b, sizeof(b), c->hi[s], c->ns);
		if (c->lo[s] == c->hi[s])
			snprintf(buf, len, "%s", a);
		else
			snprintf(buf, len, "[%s, %s]", a, b);
		break;
	case K_PROPORTION:
		snprintf(buf, len, "%llu/%llu (%.3g%%)", (unsigned long long)c->x[s],
			 (unsigned long long)c->n[s], c->n[s] ? 100.0 * c->x[s] / c->n[s] : 0.0);
		break;
	default:
		if (c->sub && c->metric && c->n[0] + c->n[1])
			snprintf(buf, len, "n=%llu", (unsigned long long)c->n[s]);
		else
			snprintf(buf, len, "-");
	}
}

static void cell_change(char *buf, size_t len, const struct check *c)
{
	if (isnan(c->change))
		snprintf(buf, len, "-");
	else if (isinf(c->change))
		snprintf(buf, len, "new");
	else if (fabs(c->change) < 0.005)
		snprintf(buf, len, "+0%%");
	else
		snprintf(buf, len, "%+.0f%%", c->change * 100);
}

static void print_table(FILE *f, const struct checks *cs, const struct gate_data *d, int code)
{
	size_t i, w = 6, nreg = 0, ninc = 0;
	char b[80], r[80], ch[32];
	int k;

	for (i = 0; i < cs->n; i++)
		if (strlen(cs->c[i].series) > w)
			w = strlen(cs->c[i].series);
	fprintf(f, "qlat gate: baseline %u document(s) in %u file(s), run %u document(s) in %u file(s)\n",
		d->docs[0], d->files[0], d->docs[1], d->files[1]);
	fprintf(f, "%-*s  %-7s  %-22s  %-22s  %7s  %s\n", (int)w, "SERIES", "CHECK", "BASELINE",
		"RUN", "CHANGE", "VERDICT");
	for (i = 0; i < cs->n; i++) {
		const struct check *c = &cs->c[i];

		cell_side(b, sizeof(b), c, 0);
		cell_side(r, sizeof(r), c, 1);
		cell_change(ch, sizeof(ch), c);
		fprintf(f, "%-*s  %-7s  %-22s  %-22s  %7s  %s", (int)w, c->series, c->what, b, r,
			ch, gate_verdict_upper[c->v]);
		if (*c->reason)
			fprintf(f, " (%s)", c->reason);
		fprintf(f, "\n");
		nreg += c->v == V_REGRESSION;
		ninc += c->v == V_INCONCLUSIVE;
	}
	for (k = 0; k < cs->nnotes; k++)
		fprintf(f, "note: %s\n", cs->notes[k]);
	fprintf(f, "verdict: %s (%zu checks: %zu regressed, %zu inconclusive), exit %d\n",
		gate_exit_verdict(code), cs->n, nreg, ninc, code);
}

static json_object *label_json(const char *key, const char *val)
{
	json_object *o = json_object_new_object();
	char kb[64], vb[64], *end;
	long long v;

	while (key && val && *key) {
		size_t kl = strcspn(key, ","), vl = strcspn(val, ",");

		snprintf(kb, sizeof(kb), "%.*s", (int)kl, key);
		snprintf(vb, sizeof(vb), "%.*s", (int)vl, val);
		v = strtoll(vb, &end, 10);
		json_object_object_add(o, kb, *vb && !*end ? json_object_new_int64(v) :
				       json_object_new_string(vb));
		key += kl + !!key[kl];
		val += vl + !!val[vl];
	}
	return o;
}

static void print_json(FILE *f, const struct checks *cs, const struct gate_data *d,
		       const struct gate_opts *o, int code, const char *const *files[GATE_SIDES])
{
	json_object *doc = json_object_new_object(), *a = json_object_new_array();
	json_object *opt = json_object_new_object(), *qs = json_object_new_array();
	json_object *notes = json_object_new_array();
	size_t i;
	int s, k;

	json_object_object_add(doc, "tool", json_object_new_string("qlat"));
	json_object_object_add(doc, "subcommand", json_object_new_string("gate"));
	json_object_object_add(doc, "schema", json_object_new_int(1));
	json_object_object_add(doc, "verdict", json_object_new_string(gate_exit_verdict(code)));
	json_object_object_add(doc, "exit", json_object_new_int(code));
	for (k = 0; k < o->nq; k++)
		json_object_array_add(qs, json_object_new_double(o->q[k]));
	json_object_object_add(opt, "quantiles", qs);
	json_object_object_add(opt, "rel_margin", json_object_new_double(o->rel_margin));
	json_object_object_add(opt, "abs_margin", json_object_new_double(o->abs_margin));
	json_object_object_add(opt, "alpha", json_object_new_double(o->alpha));
	json_object_object_add(opt, "miss_margin", json_object_new_double(o->miss_margin));
	json_object_object_add(opt, "min_samples", json_object_new_uint64(o->min_samples));
	json_object_object_add(opt, "correction", json_object_new_string(
		o->no_correction ? "none" : "holm"));
	json_object_object_add(doc, "options", opt);
	for (s = 0; s < GATE_SIDES; s++) {
		json_object *side = json_object_new_object(), *fl = json_object_new_array();

		for (k = 0; files && files[s] && files[s][k]; k++)
			json_object_array_add(fl, json_object_new_string(files[s][k]));
		json_object_object_add(side, "files", fl);
		json_object_object_add(side, "documents", json_object_new_int(d->docs[s]));
		json_object_object_add(doc, s ? "run" : "baseline", side);
	}
	for (i = 0; i < cs->n; i++) {
		const struct check *c = &cs->c[i];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "series", json_object_new_string(c->series));
		if (c->sub)
			json_object_object_add(e, "subcommand", json_object_new_string(c->sub));
		if (c->metric)
			json_object_object_add(e, "metric", json_object_new_string(c->metric));
		if (c->key && *c->key && (c->val || *c->valbuf))
			json_object_object_add(e, "label", label_json(c->key,
					       c->val ? c->val : c->valbuf));
		json_object_object_add(e, "check", json_object_new_string(c->what));
		for (s = 0; s < GATE_SIDES; s++) {
			json_object *v = json_object_new_object();

			if (c->kind == K_PROPORTION) {
				json_object_object_add(v, "x", json_object_new_uint64(c->x[s]));
				json_object_object_add(v, "n", json_object_new_uint64(c->n[s]));
				json_object_object_add(v, "fraction", json_object_new_double(
					c->n[s] ? (double)c->x[s] / c->n[s] : 0));
			} else {
				json_object_object_add(v, "count", json_object_new_uint64(c->n[s]));
			}
			if (c->kind == K_QUANTILE) {
				json_object_object_add(v, "lo", json_object_new_uint64(c->lo[s]));
				json_object_object_add(v, "hi", json_object_new_uint64(c->hi[s]));
			}
			json_object_object_add(e, s ? "run" : "baseline", v);
		}
		if (c->kind == K_QUANTILE) {
			json_object_object_add(e, "quantile", json_object_new_double(c->q));
			json_object_object_add(e, "direction", json_object_new_string(
				c->down ? "lower_is_worse" : "higher_is_worse"));
			json_object_object_add(e, "unit", json_object_new_string(c->ns ? "ns" : "count"));
			/* the bounds at the level the check was tested at */
			json_object_object_add(e, "limit", isfinite(c->limit) ?
					       json_object_new_double(c->limit) : NULL);
			json_object_object_add(e, "run_bound", c->rbound && c->rbound != ~0ULL ?
					       json_object_new_uint64(c->rbound) : NULL);
		}
		if (c->kind != K_STATUS && c->v != V_INCONCLUSIVE) {
			json_object_object_add(e, "p_value", json_object_new_double(c->pval));
			json_object_object_add(e, "p_adjusted", json_object_new_double(c->padj));
			json_object_object_add(e, "p_improved", json_object_new_double(c->padj_imp));
			json_object_object_add(e, "testable", json_object_new_boolean(c->tested));
			if (c->tested)
				json_object_object_add(e, "level", json_object_new_double(c->level));
			if (c->kind == K_PROPORTION)
				json_object_object_add(e, "test", json_object_new_string(
					o->miss_margin > 0 ? (c->exact ? "exact-unconditional-fm" :
					"farrington-manning") : "fisher"));
		}
		json_object_object_add(e, "change", isfinite(c->change) ?
				       json_object_new_double(c->change) : NULL);
		json_object_object_add(e, "verdict", json_object_new_string(gate_verdict_names[c->v]));
		if (*c->reason)
			json_object_object_add(e, "reason", json_object_new_string(c->reason));
		json_object_array_add(a, e);
	}
	json_object_object_add(doc, "checks", a);
	for (k = 0; k < cs->nnotes; k++)
		json_object_array_add(notes, json_object_new_string(cs->notes[k]));
	json_object_object_add(doc, "notes", notes);
	fprintf(f, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
}

static void html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

#define COL_BASE "#1f77b4"
#define COL_RUN  "#ff7f0e"

static void svg_hist(FILE *f, const struct gate_series *s, const struct checks *cs)
{
	const int W = 760, H = 260, L = 64, R = 16, T = 16, B = 58;
	const int pw = W - L - R, ph = H - T - B;
	int first = -1, last = -1, i, side, nb, dec, k;
	__u64 maxn = 1;
	char lab[32];
	double bw;
	size_t j;

	for (side = 0; side < GATE_SIDES; side++) {
		if (s->h[side].count > maxn)
			maxn = s->h[side].count;
		for (i = 0; i < QLAT_SLOTS; i++) {
			if (!s->h[side].slots[i])
				continue;
			if (first < 0 || i < first)
				first = i;
			if (i > last)
				last = i;
		}
	}
	fprintf(f, "<svg class=\"hist\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", W, H, W, H);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
		"stroke=\"#999\"/>\n", L, T, pw, ph);
	if (first < 0) {
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no samples</text>\n</svg>\n",
			L + pw / 2, T + ph / 2);
		return;
	}
	/* y: share of the side's samples, log scale down to one sample */
	dec = (int)ceil(log10((double)maxn));
	if (dec < 1)
		dec = 1;
	if (dec > 8)
		dec = 8;
	for (k = 0; k <= dec; k++) {
		double y = T + (double)ph * k / dec;

		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			L, L + pw, y, y);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%g%%</text>\n",
			L - 4, y + 3, 100 * pow(10, -k));
	}
	nb = last - first + 1;
	bw = (double)pw / nb;
	for (i = first; i <= last; i++) {
		double x0 = L + bw * (i - first);

		for (side = 0; side < GATE_SIDES; side++) {
			__u64 n = s->h[side].slots[i], tot = s->h[side].count;
			double frac, hgt;

			if (!n || !tot)
				continue;
			frac = (double)n / tot;
			hgt = ph * (1 + log10(frac) / dec);
			if (hgt < 2)
				hgt = 2;
			fprintf(f, "<rect class=\"bar-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"%s\"><title>%s: %llu of %llu</title></rect>\n",
				side ? "run" : "base", x0 + bw * (side ? 0.5 : 0.1), T + ph - hgt,
				bw * 0.4, hgt, side ? COL_RUN : COL_BASE, side ? "run" : "baseline",
				(unsigned long long)n, (unsigned long long)tot);
		}
		if (nb <= 16 || (i - first) % ((nb + 15) / 16) == 0) {
			gate_fmt_val(lab, sizeof(lab), qlat_slot_lo(i), s->ns);
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"end\" "
				"transform=\"rotate(-35 %.1f %d)\">%s</text>\n", x0 + bw / 2,
				T + ph + 14, x0 + bw / 2, T + ph + 14, lab);
		}
	}
	/* the quantiles checked, as ticks on the top edge */
	for (j = 0; j < cs->n; j++) {
		const struct check *c = &cs->c[j];
		char name[160];

		gate_series_name(name, sizeof(name), s);
		if (c->kind != K_QUANTILE || strcmp(c->series, name))
			continue;
		for (side = 0; side < GATE_SIDES; side++) {
			int slot = qlat_slot(c->hi[side]);
			double x = L + bw * (slot - first) + bw * (side ? 0.7 : 0.3);

			if (slot < first || slot > last)
				continue;
			fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
				"stroke-width=\"2\" stroke-dasharray=\"3 2\"><title>%s %s</title></line>\n",
				x, x, T, T + ph, side ? COL_RUN : COL_BASE,
				side ? "run" : "baseline", c->what);
		}
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">"
		"bucket lower bound (%s); y: share of samples, log scale</text>\n",
		L + pw / 2, H - 4, s->ns ? "time" : "count");
	fprintf(f, "</svg>\n");
}

static void print_html(FILE *f, const struct checks *cs, const struct gate_data *d,
		       const struct gate_opts *o, int code, const char *const *files[GATE_SIDES])
{
	static const char *const vclass[] = { "pass", "improved", "inc", "reg" };
	char b[80], r[80], ch[32], name[160];
	size_t i, j;
	int s, k;

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<title>qlat gate: %s</title>\n<style>\n"
		"body{font-family:sans-serif;margin:1.5em;color:#222}\n"
		"table{border-collapse:collapse;font-size:13px}\n"
		"td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}\n"
		"td.n{text-align:right;font-family:monospace}\n"
		".pass{color:#1a7f37}.improved{color:#1a7f37}.inc{color:#9a6700}.reg{color:#cf222e;font-weight:bold}\n"
		".sw{display:inline-block;width:12px;height:12px;vertical-align:middle;margin:0 4px 0 12px}\n"
		"figure{margin:1em 0}figcaption{font-size:14px;margin-bottom:4px}\n"
		"</style>\n</head>\n<body>\n", gate_exit_verdict(code));
	fprintf(f, "<h1>qlat gate: <span class=\"%s\">%s</span> (exit %d)</h1>\n",
		code == GATE_EXIT_PASS ? "pass" : code == GATE_EXIT_REGRESSION ? "reg" : "inc",
		gate_exit_verdict(code), code);
	for (s = 0; s < GATE_SIDES; s++) {
		fprintf(f, "<p><b>%s</b> (%u documents):", s ? "run" : "baseline", d->docs[s]);
		for (k = 0; files && files[s] && files[s][k]; k++) {
			fputs(" <code>", f);
			html_esc(f, files[s][k]);
			fputs("</code>", f);
		}
		fputs("</p>\n", f);
	}
	fprintf(f, "<p>quantiles");
	for (k = 0; k < o->nq; k++)
		fprintf(f, " p%.4g", o->q[k] * 100);
	fprintf(f, "; margins: relative %g, absolute %g; proportion tests at alpha %g "
		"(miss margin %g); at least %llu samples.</p>\n", o->rel_margin, o->abs_margin,
		o->alpha, o->miss_margin, o->min_samples);
	for (k = 0; k < cs->nnotes; k++) {
		fputs("<p>note: ", f);
		html_esc(f, cs->notes[k]);
		fputs("</p>\n", f);
	}
	fputs("<table>\n<tr><th>series</th><th>check</th><th>baseline</th><th>run</th>"
	      "<th>change</th><th>verdict</th></tr>\n", f);
	for (i = 0; i < cs->n; i++) {
		const struct check *c = &cs->c[i];

		cell_side(b, sizeof(b), c, 0);
		cell_side(r, sizeof(r), c, 1);
		cell_change(ch, sizeof(ch), c);
		fputs("<tr><td>", f);
		html_esc(f, c->series);
		fputs("</td><td>", f);
		html_esc(f, c->what);
		fputs("</td><td class=\"n\">", f);
		html_esc(f, b);
		fputs("</td><td class=\"n\">", f);
		html_esc(f, r);
		fprintf(f, "</td><td class=\"n\">%s</td><td class=\"%s\">%s", ch, vclass[c->v],
			gate_verdict_names[c->v]);
		if (*c->reason) {
			fputs(" (", f);
			html_esc(f, c->reason);
			fputs(")", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<h2>Histograms</h2>\n<p>Bars: share of each side's samples per log2 "
	      "bucket. Dashed ticks: the bucket of each quantile checked.</p>\n", f);
	fprintf(f, "<p><span class=\"sw\" style=\"background:%s\"></span>baseline"
		"<span class=\"sw\" style=\"background:%s\"></span>run</p>\n", COL_BASE, COL_RUN);
	for (i = 0; i < d->nseries; i++) {
		const struct gate_series *sr = &d->series[i];
		const char *worst = "pass";

		gate_series_name(name, sizeof(name), sr);
		for (j = 0; j < cs->n; j++) {
			if (strcmp(cs->c[j].series, name))
				continue;
			if (cs->c[j].v == V_REGRESSION)
				worst = "regression";
			else if (cs->c[j].v == V_INCONCLUSIVE && strcmp(worst, "regression"))
				worst = "inconclusive";
		}
		if (gate_ignored(o, sr->sub, sr->metric))
			worst = "ignored";
		fputs("<figure>\n<figcaption><b>", f);
		html_esc(f, name);
		fprintf(f, "</b>: baseline n=%llu, run n=%llu, <span class=\"%s\">%s</span>"
			"</figcaption>\n", (unsigned long long)sr->h[0].count,
			(unsigned long long)sr->h[1].count,
			!strcmp(worst, "regression") ? "reg" : !strcmp(worst, "pass") ? "pass" : "inc",
			worst);
		svg_hist(f, sr, cs);
		fputs("</figure>\n", f);
	}
	fputs("</body>\n</html>\n", f);
}

int gate_evaluate(const struct gate_data *d, const struct gate_opts *o,
		  FILE *table, FILE *json, FILE *html, const char *const *files[GATE_SIDES])
{
	struct checks cs = {};
	struct gate_data sorted = *d;
	int code;

	/* sort a copy of the series array (pointers inside are shared) */
	sorted.series = malloc((d->nseries + 1) * sizeof(*d->series));
	if (!sorted.series)
		return GATE_EXIT_USAGE;
	if (d->nseries)
		memcpy(sorted.series, d->series, d->nseries * sizeof(*d->series));
	qsort(sorted.series, sorted.nseries, sizeof(*sorted.series), gate_cmp_series);
	code = gate_decide(&cs, &sorted, o);
	if (table)
		print_table(table, &cs, &sorted, code);
	if (json)
		print_json(json, &cs, &sorted, o, code, files);
	if (html)
		print_html(html, &cs, &sorted, o, code, files);
	free(cs.c);
	free(sorted.series);
	return code;
}
