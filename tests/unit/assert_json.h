/* assert_json(j, want): encodes j compactly (consuming it) and compares it
 * with want, printing both on a mismatch.  For cmocka unit tests. */
#ifndef SBX_TEST_ASSERT_JSON_H
#define SBX_TEST_ASSERT_JSON_H
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static inline void assert_json(json_t *j, const char *want)
{
	assert_non_null(j);
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	assert_non_null(s);
	if (strcmp(s, want))
		fail_msg("got  %s\nwant %s", s, want);
	free(s);
}

#endif
