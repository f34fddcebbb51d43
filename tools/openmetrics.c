// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* OpenMetrics / Prometheus text exposition pieces */
#include <string.h>
#include "openmetrics.h"

bool qlat_om_prom;

void qlat_om_family(FILE *f, const char *name, const char *type, const char *unit,
		    const char *help)
{
	const char *sfx = qlat_om_prom && !strcmp(type, "counter") ? "_total" : "";

	fprintf(f, "# TYPE %s%s %s\n", name, sfx, type);
	if (unit && !qlat_om_prom)
		fprintf(f, "# UNIT %s %s\n", name, unit);
	fprintf(f, "# HELP %s%s %s\n", name, sfx, help);
}

void qlat_om_end(FILE *f)
{
	if (!qlat_om_prom)
		fprintf(f, "# EOF\n");
}
