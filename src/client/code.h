/*
 * code: the code interpreter — /execute (NDJSON stream), /contexts
 * (docs/protocol.md §5) and sbx's GET /languages.  Asynchronous; see
 * client.h.
 *
 * An execution streams events as its NDJSON lines arrive: COUNT (the
 * execution count), STDOUT/STDERR text, RESULT (rich outputs), ERROR (the
 * cell raised), END; then on_done once (e NULL: the stream completed).
 */
#ifndef SBX_CLIENT_CODE_H
#define SBX_CLIENT_CODE_H
#include <jansson.h>
#include <stddef.h>
#include "../util/buf.h"
#include "client.h"

enum {
	SBX_CODE_STDOUT, SBX_CODE_STDERR, SBX_CODE_RESULT, SBX_CODE_ERROR, SBX_CODE_COUNT, SBX_CODE_END,
	SBX_CODE_KEEPALIVE, SBX_CODE_OTHER,
};

/* One result: E2B's fields, each NULL when absent (png/jpeg are base64),
 * and the same output as Jupyter has it: `bundle`, every format under its
 * MIME type (text/plain, image/png, e2b/chart, e2b/data, the "extra"
 * ones), and the display `metadata` (NULL: none).  From sbx's agent these
 * are exactly what the kernel sent; from another server the bundle is
 * rebuilt from E2B's fields, so text/plain lacks the quotes E2B strips.
 * Bundle values are the line's own (shared, never copied). */
typedef struct sbx_result {
	int is_main;
	const char *text, *html, *markdown, *svg, *png, *jpeg, *pdf, *latex, *javascript;
	const json_t *json, *data, *chart, *extra;
	const json_t *bundle, *metadata;
} sbx_result;

/* Valid until sbx_code_event_clear (the handler's event: until it returns). */
typedef struct sbx_code_event {
	int type;
	const char *text;          /* STDOUT, STDERR */
	const char *timestamp;     /* STDOUT, STDERR (may be NULL) */
	sbx_result result;         /* RESULT */
	const char *name, *value, *traceback;   /* ERROR */
	const json_t *traceback_lines;          /* ERROR: the kernel's entries, an
						 * array of strings (from another
						 * server: traceback split at \n) */
	int execution_count;       /* COUNT */
	const json_t *raw;         /* the line as sent */
	json_t *owned_[2];         /* private: what parse built */
} sbx_code_event;

typedef struct sbx_code_handler {
	void (*on_event)(const sbx_code_event *ev, void *ud);   /* never KEEPALIVE/OTHER */
	void (*on_done)(const sbx_err *e, void *ud);
	void *ud;
} sbx_code_handler;

typedef struct sbx_exec_opts {
	const char *code;
	const char *context_id;        /* or */
	const char *language;          /* NULL (and no context): the default Python context */
	const char *const *env;        /* "K=V" for this execution; NULL-terminated, may be NULL */
	long timeout_ms;               /* 0: none */
} sbx_exec_opts;

typedef struct sbx_context {
	const char *id, *language, *cwd;
} sbx_context;

typedef void (*sbx_context_cb)(const sbx_context *ctx, const sbx_err *e, void *ud);
typedef void (*sbx_context_list_cb)(const sbx_context *ctx, size_t n, const sbx_err *e, void *ud);

int sbx_code_exec(sbx_client *c, const sbx_sandbox *sb, const sbx_exec_opts *o, const sbx_code_handler *h,
		  sbx_op **op, sbx_err *e);
/* language / cwd NULL: the server's (python, /home/user). */
int sbx_context_create(sbx_client *c, const sbx_sandbox *sb, const char *language, const char *cwd,
		       sbx_context_cb cb, void *ud, sbx_op **op, sbx_err *e);
int sbx_context_list(sbx_client *c, const sbx_sandbox *sb, sbx_context_list_cb cb, void *ud, sbx_op **op,
		     sbx_err *e);
int sbx_context_restart(sbx_client *c, const sbx_sandbox *sb, const char *id, sbx_done_cb cb, void *ud,
			sbx_op **op, sbx_err *e);
int sbx_context_delete(sbx_client *c, const sbx_sandbox *sb, const char *id, sbx_done_cb cb, void *ud,
		       sbx_op **op, sbx_err *e);

/* A language the sandbox's template has a kernel for (sbx's agent only). */
typedef struct sbx_language {
	char *language, *kernel, *display_name;
} sbx_language;
/* l: n languages, python first; valid during the call only. */
typedef void (*sbx_languages_cb)(const sbx_language *l, size_t n, const sbx_err *e, void *ud);
/* GET /languages: the languages cells can run in this sandbox. */
int sbx_code_languages(sbx_client *c, const sbx_sandbox *sb, sbx_languages_cb cb, void *ud, sbx_op **op,
		       sbx_err *e);

/* --- pure parts (code_event.c) --------------------------------------------- */
/* A /languages answer → *out (heap, n entries; free with
 * sbx_languages_free).  Entries without a "language" string are an error. */
int sbx_languages_parse(const json_t *j, sbx_language **out, size_t *n, sbx_err *e);
void sbx_languages_free(sbx_language *l, size_t n);

/* One /execute line's object → ev (strings point into j); release with
 * sbx_code_event_clear (also after a failed parse). */
int sbx_code_event_parse(const json_t *j, sbx_code_event *ev, sbx_err *e);
void sbx_code_event_clear(sbx_code_event *ev);

/* Splits a byte stream into lines and parses each (blank lines skipped).
 * Incremental: each byte is examined for a line end once, however the
 * stream is cut into chunks (a multi-megabyte picture line arriving in
 * small pieces costs linear time); `examined` counts those bytes. */
typedef struct sbx_ndjson_reader {
	sbx_buf buf;
	size_t scanned;              /* bytes of buf known to hold no '\n' */
	unsigned long long examined;
} sbx_ndjson_reader;
typedef int (*sbx_ndjson_cb)(const json_t *obj, void *ud, sbx_err *e);
void sbx_ndjson_init(sbx_ndjson_reader *r);
void sbx_ndjson_free(sbx_ndjson_reader *r);
/* -1 with e when a line is not a JSON object or cb stopped. */
int sbx_ndjson_feed(sbx_ndjson_reader *r, const void *data, size_t len, sbx_ndjson_cb cb, void *ud, sbx_err *e);
/* The last line without its newline, if any. */
int sbx_ndjson_finish(sbx_ndjson_reader *r, sbx_ndjson_cb cb, void *ud, sbx_err *e);

/* The /execute request body for o (a new reference), or NULL with e. */
json_t *sbx_exec_request(const sbx_exec_opts *o, sbx_err *e);

#endif
