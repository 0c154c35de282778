/*
 * sse: an incremental parser of Server-Sent Events (the WHATWG
 * EventSource format), as OpenAI's and Anthropic's streaming APIs send
 * them.  Pure.
 *
 * Bytes are fed as they arrive, cut anywhere (even inside a CRLF or a
 * UTF-8 sequence); each complete event (ended by a blank line) is handed to
 * the callback with its `event:` name (NULL when none was given) and its
 * `data:` lines joined with '\n'.  Comment lines (": ping") and `id:` /
 * `retry:` are skipped; an event without data is not dispatched.  Lines
 * end with LF, CRLF or CR.  A line longer than the limit is an error
 * (a provider never sends one; a hostile server could).
 */
#ifndef SBX_AI_SSE_H
#define SBX_AI_SSE_H
#include <stddef.h>
#include "../util/buf.h"
#include "../util/err.h"

typedef struct sse_parser {
	sbx_buf line, data, event;
	int have_data;
	int last_cr;        /* the previous chunk ended in CR: skip a leading LF */
	size_t max_line;    /* 0: 16 MiB */
} sse_parser;

/* Return -1 (with e) to stop parsing; sse_feed then returns -1. */
typedef int (*sse_event_cb)(const char *event, const char *data, size_t len, void *ud, sbx_err *e);

void sse_init(sse_parser *p);
void sse_free(sse_parser *p);
int sse_feed(sse_parser *p, const char *bytes, size_t len, sse_event_cb cb, void *ud, sbx_err *e);
/* End of stream: dispatches a final event not followed by a blank line. */
int sse_finish(sse_parser *p, sse_event_cb cb, void *ud, sbx_err *e);

#endif
