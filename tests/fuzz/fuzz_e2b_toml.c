/*
 * libFuzzer target for the e2b.toml parser (vm/template/template_toml.c):
 * any bytes either fail with a message naming a line or give strings that
 * jansson takes (they go into meta.json) and numbers in range.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../vm/template/template.h"

static void check_str(const char *s)
{
	if (!s)
		return;
	json_t *j = json_string(s);
	if (!j)
		abort();   /* not UTF-8, or a NUL inside */
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	template_e2b t;
	sbx_err e;
	if (template_toml_parse((const char *)data, size, "e2b.toml", &t, &e) < 0) {
		if (strncmp(e.msg, "e2b.toml", 8))
			abort();
		return 0;
	}
	check_str(t.template_id);
	check_str(t.template_name);
	check_str(t.dockerfile);
	check_str(t.start_cmd);
	check_str(t.ready_cmd);
	if (t.cpu_count < 0 || t.cpu_count > TEMPLATE_MAX_CPUS || (t.memory_mb && t.memory_mb < 128))
		abort();
	for (size_t i = 0; i < t.nwarnings; i++)
		check_str(t.warnings[i]);
	template_e2b_free(&t);
	return 0;
}
