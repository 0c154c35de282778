/*
 * gunzip: a streaming gzip decoder for request bodies sent with
 * Content-Encoding: gzip (the E2B Python SDK's files.write(gzip=True)).
 * Bytes go in as they arrive, in chunks of any size; the decoded bytes go
 * out through a callback, a bounded piece at a time.  Concatenated gzip
 * members decode as one stream (as Go's gzip reader, envd's, does).  The
 * input is the client's: anything malformed is an error, never a crash.
 */
#ifndef SBX_GUNZIP_H
#define SBX_GUNZIP_H
#include "../util/err.h"
#include <stddef.h>

typedef struct gunzip gunzip;

/* Receives decoded bytes; returning -1 stops the decoding (gunzip_feed
 * then fails without touching e). */
typedef int (*gunzip_out)(const char *data, size_t len, void *ud);

gunzip *gunzip_new(gunzip_out out, void *ud);
/* Decodes len more bytes; -1 with e filled on a malformed stream. */
int gunzip_feed(gunzip *g, const char *data, size_t len, sbx_err *e);
/* At the end of the body: -1 unless it ended a gzip member (truncated or
 * empty bodies fail). */
int gunzip_finish(gunzip *g, sbx_err *e);
/* 1 when the last failure came from the out callback. */
int gunzip_stopped_by_receiver(const gunzip *g);
void gunzip_free(gunzip *g);

#endif
