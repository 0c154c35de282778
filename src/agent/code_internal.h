/*
 * code_internal: shared by code_contexts.c (state, /contexts, routing) and
 * code_execute.c (/execute), plus the pure request decoders the fuzzer uses.
 *
 * A context is one kernel with a language and a working directory.  One
 * context per language is that language's default, used by /execute without
 * context_id; python's is started at agent start so the first cell does not
 * wait for the interpreter's imports; javascript's (when a Deno kernel is
 * installed) is listed from the start, as E2B's, but its process starts with
 * its first cell.
 */
#ifndef SBX_CODE_INTERNAL_H
#define SBX_CODE_INTERNAL_H
#include <jansson.h>
#include "agent.h"
#include "kernel.h"

#define CODE_EXECUTE_BODY_LIMIT (64u << 20)
#define CODE_CONTEXT_BODY_LIMIT (1u << 20)
#define CODE_KEEPALIVE_MS 5000

typedef struct code_ctx {
	char id[37];
	char *language;     /* normalised, e.g. "python" */
	char *cwd;
	kernel *k;
	int is_default;
	struct code_ctx *next;
} code_ctx;

struct code_run;

struct code_state {
	agent *a;
	kernel_host *host;   /* NULL: no kernels at all; see unavailable */
	char *unavailable;
	code_ctx *ctxs;
	struct code_run *runs;   /* /execute streams in progress */
};
typedef struct code_state code_state;

/* --- request decoders (pure; no agent state) ------------------------------ */
typedef struct code_exec_req {
	char *code;
	char *context_id;   /* NULL when absent, null or "" */
	char *language;     /* normalised; NULL when absent, null or "" */
	json_t *env_vars;   /* object of strings, NULL when absent/null/empty */
	int jupyter;        /* "sbx_jupyter": true — lines carry what E2B's fields
			     * drop (code_line_add_jupyter); sbx's clients ask */
} code_exec_req;

/* Decodes a POST /execute body.  -1 (e says what is wrong, for a 400) on bad
 * JSON, a missing "code", wrong types, NUL characters, or both context_id
 * and language. */
int code_parse_execute(const char *body, size_t len, code_exec_req *out, sbx_err *e);
void code_exec_req_free(code_exec_req *r);

typedef struct code_ctx_req {
	char *language;     /* normalised; "python" when absent */
	char *cwd;          /* NULL when absent */
} code_ctx_req;

/* Decodes a POST /contexts body (an empty body means {}). */
int code_parse_context(const char *body, size_t len, code_ctx_req *out, sbx_err *e);
void code_ctx_req_free(code_ctx_req *r);

/* Member key of o as a string (NULL when absent or null); -1 when it is
 * required and missing, another type, or holds a NUL. */
int code_json_str(json_t *o, const char *key, int required, const char **out, sbx_err *e);

/* Trimmed, lowercased; "" → python, js → javascript, ts → typescript.  Heap. */
char *code_normalize_language(const char *s);

/* --- contexts (code_contexts.c) ------------------------------------------- */
/* How a language's kernel is spoken to (env_vars, global env). */
enum { CODE_PY, CODE_R, CODE_JS, CODE_BASH, CODE_JAVA, CODE_OTHER };
int code_lang_flavour(const char *language);

code_ctx *code_ctx_find(code_state *cs, const char *id);
/* Creates a context and starts its kernel.  On failure *status is the HTTP
 * status to answer with (404: no kernel for that language, 500 otherwise). */
code_ctx *code_ctx_create(code_state *cs, const char *language, const char *cwd,
			  int is_default, int *status, sbx_err *e);
/* The default context of language, created on first use. */
code_ctx *code_ctx_default(code_state *cs, const char *language, int *status, sbx_err *e);

void code_contexts_route(code_state *cs, http_req *r);

/* --- /execute (code_execute.c) -------------------------------------------- */
void code_execute_route(code_state *cs, http_req *r);
/* Agent exit: forget every stream still open (their requests are gone or
 * about to be). */
void code_runs_detach(code_state *cs);

#endif
