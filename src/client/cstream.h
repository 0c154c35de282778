/*
 * cstream: the client side of a Connect server stream (docs/protocol.md
 * §3.2), pure.  Bytes in, in any splits; each data envelope's JSON message
 * out; then the end-stream frame's error (if any).  A stream that stops
 * without its end-stream frame, or in the middle of an envelope, is an error.
 */
#ifndef SBX_CLIENT_CSTREAM_H
#define SBX_CLIENT_CSTREAM_H
#include <jansson.h>
#include <stddef.h>
#include "../proto/connect.h"
#include "../util/err.h"

/* Per message; return 0 to go on, -1 to stop (e already filled). */
typedef int (*cstream_msg_cb)(const json_t *msg, void *ud, sbx_err *e);
/* Optional, tried first with each message's JSON text: 1 when it took the
 * message itself (a hot kind it parses faster than jansson), 0 to have it
 * parsed and given to the msg_cb, -1 to stop (e filled). */
typedef int (*cstream_raw_cb)(const char *json, size_t len, void *ud, sbx_err *e);

typedef struct cstream {
	connect_reader rd;
	cstream_raw_cb raw;   /* set after init; NULL: every message is parsed */
	int ended;            /* the end-stream frame came */
	char code[48];        /* its error code ("" when it ended cleanly) */
	char message[768];
} cstream;

void cstream_init(cstream *s);
void cstream_free(cstream *s);
/* -1 with e on a protocol error (bad envelope, bad JSON, data after the
 * end) or when cb stopped. */
int cstream_feed(cstream *s, const void *data, size_t len, cstream_msg_cb cb, void *ud, sbx_err *e);
/* At the end of the body: 0 when it ended cleanly, else -1 with e (the
 * end-stream error as "message (code)", a truncated envelope, or no end). */
int cstream_finish(const cstream *s, sbx_err *e);

#endif
