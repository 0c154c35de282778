/* libFuzzer: the /execute and /contexts request decoders, plus language
 * normalisation and the NDJSON line of whatever they accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/agent/code_internal.h"
#include "../../src/proto/ndjson.h"
#include "../../src/util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sbx_err e;
	code_exec_req q;
	if (code_parse_execute((const char *)data, size, &q, &e) == 0) {
		if (!q.code || (q.context_id && q.language))
			abort();
		if (q.env_vars && !json_is_object(q.env_vars))
			abort();
		if (q.language) {
			char *again = code_normalize_language(q.language);
			if (strcmp(again, q.language))
				abort();   /* normalising is idempotent */
			free(again);
		}
		json_t *echo = json_pack("{s:s,s:o*}", "code", q.code, "env", json_incref(q.env_vars));
		size_t len;
		char *line = ndjson_line(echo, &len);
		if (!line || memchr(line, '\n', len - 1) || line[len - 1] != '\n')
			abort();
		free(line);
		json_decref(echo);
		code_exec_req_free(&q);
	}
	code_ctx_req c;
	if (code_parse_context((const char *)data, size, &c, &e) == 0) {
		if (!c.language)
			abort();
		code_ctx_req_free(&c);
	}
	char *s = xstrndup((const char *)data, size);
	free(code_normalize_language(s));
	free(s);
	return 0;
}
