#include "ndjson.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

char *ndjson_line(const json_t *obj, size_t *len)
{
	if (!json_is_object(obj))
		return NULL;
	/* Compact output escapes every control character, so the only
	 * newline in the line is the terminator. */
	char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *line = xmalloc(n + 2);
	memcpy(line, s, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	free(s);
	*len = n + 1;
	return line;
}
