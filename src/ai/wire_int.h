/*
 * wire_int: what wire.c shares with openai.c and anthropic.c — the
 * decoder's state, the turn being assembled (bounded: the server is
 * hostile), and the request helpers both formats need.  Private to src/ai.
 */
#ifndef SBX_AI_WIRE_INT_H
#define SBX_AI_WIRE_INT_H
#include <jansson.h>
#include "sse.h"
#include "wire.h"
#include "../util/buf.h"

#define WIRE_MAX_CALLS 128              /* tool calls in one turn */
#define WIRE_MAX_TURN (8u << 20)        /* text + arguments of one turn */
#define WIRE_MAX_BODY (16u << 20)       /* a non-streamed response */
#define WIRE_MAX_EVENT (8u << 20)       /* one SSE line / event */
#define WIRE_MAX_NAME 256

typedef struct wire_call {
	char *id, *name;
	char *given;        /* the id the provider gave (NULL: none), before any replacing */
	sbx_buf args;
	long long key;      /* the provider's index (OpenAI) or content block (Anthropic) */
	int started;        /* CALL_START emitted */
	int closed;         /* Anthropic: content_block_stop seen */
	char *input;        /* Anthropic: a non-empty input in content_block_start */
} wire_call;

struct ai_decoder {
	ai_kind kind;
	int streaming;
	ai_event_cb cb;
	void *ud;
	sse_parser sse;
	sbx_buf body;       /* non-streamed: the whole body */
	sbx_buf head;       /* the stream's first bytes, quoted when it is no stream */
	sbx_buf text;
	wire_call *calls;
	size_t ncalls;
	ai_call *out;       /* built by finish */
	size_t turn_bytes;
	char *stop;         /* normalised; NULL until the provider gave one */
	int events;         /* SSE events seen */
	int done;           /* OpenAI [DONE] / Anthropic message_stop */
	int failed;         /* an error was returned: later feeds fail too */
	int finished;
};

/* Decoder helpers (wire.c).  Each returning int gives -1 with e. */
int wire_text(ai_decoder *d, const char *s, size_t n, sbx_err *e);
/* The latest call with this key, or NULL. */
wire_call *wire_call_find(ai_decoder *d, long long key);
/* A new call; id NULL/empty/duplicate/odd gets a generated one (prefix
 * "call_" or "toolu_" by kind); name may be NULL (set later). */
wire_call *wire_call_new(ai_decoder *d, long long key, const char *id, const char *name, sbx_err *e);
void wire_call_name(wire_call *c, const char *name);
void wire_call_start(ai_decoder *d, wire_call *c);
int wire_call_args(ai_decoder *d, wire_call *c, const char *s, size_t n, sbx_err *e);
/* The provider's stop reason, normalised to end / tool_use / max_tokens;
 * emits STOP once (after starting every call). */
void wire_stop(ai_decoder *d, const char *reason);
/* "message (type)" from an {"message","type"|"code"} error object. */
int wire_api_error(const json_t *err, sbx_err *e);
/* At most n - 1 bytes of s (len) as one line for a message: control
 * characters become spaces, a UTF-8 sequence is never cut. */
void wire_one_line(char *out, size_t n, const char *s, size_t len);
/* The string member key of o, or NULL when absent or not a string. */
const char *wire_str(const json_t *o, const char *key);

/* Request helpers (wire.c). */
/* Tool results of the assistant message at i: res[k] answers its call k
 * (NULL: unanswered); returns the index after the tool messages that
 * follow it (results answering no call there are dropped: the APIs
 * reject them). */
size_t wire_results(const ai_conv *c, size_t i, const ai_msg **res);
/* What an unanswered call is told (a run stopped before it ran). */
extern const char wire_unanswered_text[];
/* args as a JSON value when it is valid JSON (object for want_object),
 * else NULL. */
json_t *wire_args_json(const char *args, int want_object);
/* The tools' parameter schemas parsed; -1 when one is not an object. */
int wire_tool_params(const ai_tool_def *t, json_t **out, sbx_err *e);
/* Header "name: value", -1 when value holds a control character. */
int wire_header(char ***v, size_t *n, const char *name, const char *value, const char *what, sbx_err *e);
/* A JSON string of s; bytes that are not UTF-8 (a tool's binary output)
 * become U+FFFD rather than the whole string being refused. */
json_t *wire_string(const char *s);
/* url = base + path, body encoded; takes body and headers. */
void wire_finish_request(const ai_provider *p, const char *path, json_t *body, char **headers, ai_request *out);

/* Per format (openai.c, anthropic.c). */
int openai_request(const ai_provider *p, const ai_conv *c, const ai_tool_def *tools, size_t ntools, int stream,
		   ai_request *out, sbx_err *e);
int openai_event(ai_decoder *d, const char *data, size_t len, sbx_err *e);
int openai_body(ai_decoder *d, const json_t *body, sbx_err *e);
int openai_complete(ai_decoder *d, sbx_err *e);

int anthropic_request(const ai_provider *p, const ai_conv *c, const ai_tool_def *tools, size_t ntools,
		      int stream, ai_request *out, sbx_err *e);
int anthropic_event(ai_decoder *d, const char *event, const char *data, size_t len, sbx_err *e);
int anthropic_body(ai_decoder *d, const json_t *body, sbx_err *e);
int anthropic_complete(ai_decoder *d, sbx_err *e);

#endif
