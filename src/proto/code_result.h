/*
 * code_result: Jupyter IOPub messages → the output lines of E2B's /execute
 * (docs/protocol.md §5.1, §5.3).  Pure functions:
 * every returned json_t is a new reference the caller owns.
 *
 *   stream          {"type":"stdout"|"stderr","text","timestamp"}
 *   execute_input   {"type":"number_of_executions","execution_count"}
 *   execute_result  {"type":"result",...fields,"is_main_result":true,"extra":{}}
 *   display_data    the same with "is_main_result":false
 *   error           {"type":"error","name","value","traceback"}
 * Other message types (status, clear_output, update_display_data, comm_*)
 * produce no line, as in E2B.
 */
#ifndef SBX_CODE_RESULT_H
#define SBX_CODE_RESULT_H
#include <jansson.h>

/* The line for one kernel message, or NULL when it produces none.  date is
 * the message header's date (used as the stream timestamp; may be NULL). */
json_t *code_line_from_msg(const char *msg_type, const json_t *content, const char *date);

/* For clients that ask for it ("sbx_jupyter": true in the request; E2B's
 * SDKs never do): adds to the line made from that message a "jupyter"
 * object with what E2B's fields lose, so the client can rebuild the
 * kernel's output exactly —
 *   result: "quote", the quote character E2B stripped from both ends of
 *           text/plain (text/plain is quote + text + quote), "metadata"
 *           (when not {});
 *   error:  "traceback", the kernel's list of entries (E2B joins them).
 * Nothing big is repeated (no picture, no text); no member when nothing is
 * lost.  line may be NULL (nothing happens). */
void code_line_add_jupyter(json_t *line, const char *msg_type, const json_t *content);

/* A result line from a MIME bundle: text/plain→text (one pair of matching
 * outer quotes stripped, E2B's quirk), text/html→html, text/markdown→
 * markdown, image/svg+xml→svg, image/png→png, image/jpeg→jpeg,
 * application/pdf→pdf, text/latex→latex, application/json→json,
 * application/javascript→javascript, e2b/data→data, e2b/chart→chart, every
 * other MIME type into "extra" (always present, often {}). */
json_t *code_line_result(const json_t *data, int is_main_result);
/* The MIME types E2B's result fields stand for, as code_line_result maps
 * them ({"text/plain", "text"} first); clients map them back with it. */
typedef struct code_mime_field {
	const char *mime, *field;
} code_mime_field;
extern const code_mime_field code_mime_fields[];
extern const size_t code_mime_nfields;

json_t *code_line_error(const char *name, const char *value, const char *traceback);
json_t *code_line_stream(const char *name, const char *text, const char *timestamp);
/* {"type":type} — keepalive, end_of_execution. */
json_t *code_line_simple(const char *type);

/* Traceback entries joined with "\n" (E2B joins with "", which glues the
 * header lines together); "" for a non-array.  Heap string. */
char *code_traceback_join(const json_t *traceback);
/* s without one pair of matching outer ' or " quotes.  Heap string. */
char *code_strip_quotes(const char *s);

#endif
