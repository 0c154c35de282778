/*
 * ndjson: newline-delimited JSON as E2B's /execute streams it — the
 * encoding of one line (pure: the agent hands each line to its HTTP stream
 * in a single write, since the JS SDK decodes every network chunk on its
 * own, so a line must not be split by us).  One compact JSON object and
 * "\n" per line, never a blank line.  Non-ASCII characters are written as
 * \u escapes: a long line is still split by TCP, and an escaped line
 * survives the SDK's per-chunk UTF-8 decoding.  The reading side is
 * libsbx's sbx_ndjson_reader (client/code.h).
 */
#ifndef SBX_NDJSON_H
#define SBX_NDJSON_H
#include <jansson.h>
#include <stddef.h>

/* The line for obj, "\n"-terminated; NULL (nothing to write) unless obj is
 * a JSON object.  Heap string; *len gets its length. */
char *ndjson_line(const json_t *obj, size_t *len);

#endif
