/*
 * ndjson: newline-delimited JSON as E2B's /execute streams it.
 *
 * One compact JSON object and "\n" per line, never a blank line, each line
 * handed to the HTTP layer in a single write (the JS SDK decodes every
 * network chunk on its own, so a line must not be split by us).  Non-ASCII
 * characters are written as \u escapes: a long line is still split by TCP,
 * and an escaped line survives the SDK's per-chunk UTF-8 decoding.
 */
#ifndef SBX_NDJSON_H
#define SBX_NDJSON_H
#include <jansson.h>
#include <stddef.h>
#include "../http/server.h"

/* The line for obj, "\n"-terminated; NULL (nothing to write) unless obj is
 * a JSON object.  Heap string; *len gets its length. */
char *ndjson_line(const json_t *obj, size_t *len);

/* Writes obj as one line on a streaming response.  Returns 0, or -1 when
 * obj was not an object (nothing written). */
int ndjson_write(http_req *r, const json_t *obj);

#endif
