#include "cmd_show.h"
#include <string.h>

void cli_runtime_text(const sbx_info *in, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s", *in->runtime ? in->runtime : "-", *in->accel ? "/" : "", in->accel);
}

void cli_progress_text(const sbx_info *in, char *out, size_t n)
{
	const double mib = 1024.0 * 1024.0;
	if (!*in->progress_op)
		snprintf(out, n, "%s", "");
	else if (in->progress_total > 0)
		snprintf(out, n, "%s: %d%% (%.1f of %.1f MiB)", in->progress_op,
			 (int)(in->progress_done * 100 / in->progress_total), in->progress_done / mib,
			 in->progress_total / mib);
	else if (in->progress_done > 0)
		snprintf(out, n, "%s: %.1f MiB", in->progress_op, in->progress_done / mib);
	else
		snprintf(out, n, "%s", in->progress_op);
}

void cli_runtimes_print(FILE *f, const sbx_health *h)
{
	fprintf(f, "%-8s %-9s %-6s %s\n", "RUNTIME", "AVAILABLE", "ACCEL", "NOTES");
	for (size_t i = 0; i < h->nruntimes; i++) {
		const sbx_runtime_info *r = &h->runtimes[i];
		char notes[160] = "";
		if (r->is_auto)
			strcat(notes, "auto picks it");
		if (r->is_default)
			strcat(notes, *notes ? "; the default" : "the default");
		if (r->available && !strcmp(r->accel, "tcg"))
			strcat(notes, *notes ? "; emulated (no KVM): only by name" : "emulated (no KVM): only by name");
		fprintf(f, "%-8s %-9s %-6s %s\n", r->name, r->available ? "yes" : "no", *r->accel ? r->accel : "-",
			r->available ? notes : r->reason);
	}
	if (!h->nruntimes)
		fprintf(f, "%-8s %-9s %-6s %s\n", h->default_runtime, "yes", "-",
			"the default (this sbxd lists no others: it predates runtime lists)");
}
