/*
 * tools: what the model may ask the sandbox to do, and how what came back
 * is told to it.  Pure.
 *
 * Tools: execute_python {code} (a cell in the sandbox's Jupyter kernel,
 * state kept between calls), run_command {command} (bash -lc in the
 * sandbox, as its user, in /home/user), read_file {path}, write_file
 * {path, content}.
 *
 * A tool's result is text the model reads: stdout, stderr, the error with
 * its traceback (ANSI colours stripped), each result's text/plain, a line
 * per chart or image ("[a PNG chart was produced: "Title" (line chart)]"),
 * the exit status of a command.  Each part is clipped (the model's context
 * is finite; the user sees everything anyway) with a note of how much was
 * left out.
 */
#ifndef SBX_AI_TOOLS_H
#define SBX_AI_TOOLS_H
#include <stddef.h>
#include "wire.h"
#include "../util/buf.h"

extern const ai_tool_def ai_tools[];
extern const size_t ai_ntools;
/* The tool named name, or NULL. */
const ai_tool_def *ai_tool_find(const char *name);

typedef struct ai_toolres {
	sbx_buf out, err, results, error;
	int exit_code;          /* run_command: -1 unknown */
	int failed;             /* an error was added, or a non-zero exit */
	size_t limit;           /* per part; 0: 16 KiB */
	size_t out_seen, err_seen, results_seen, error_seen;   /* bytes each part got */
} ai_toolres;

void ai_toolres_init(ai_toolres *r);
void ai_toolres_free(ai_toolres *r);
void ai_toolres_stdout(ai_toolres *r, const char *s, size_t n);
void ai_toolres_stderr(ai_toolres *r, const char *s, size_t n);
/* traceback may hold ANSI escapes (IPython's); they are removed. */
void ai_toolres_error(ai_toolres *r, const char *name, const char *value, const char *traceback);
/* One rich result: its text/plain (may be NULL), whether it carries an
 * image, and a chart's title and type when it is one (NULL: none). */
void ai_toolres_result(ai_toolres *r, const char *text, int has_image, const char *chart_title,
		       const char *chart_type);
void ai_toolres_exit(ai_toolres *r, int code);
/* The text for the model (heap); *is_error set when the tool failed. */
char *ai_toolres_text(const ai_toolres *r, int *is_error);
/* Appends s to b as the model gets tool output: terminal escapes and
 * control bytes but \n and \t removed, a lone \r a newline, invalid
 * UTF-8 as '?'. */
void ai_text_clean(sbx_buf *b, const char *s, size_t n);

/* What the system prompt tells the model about its sandbox. */
typedef struct ai_prompt_info {
	const char *template_id;       /* "code-interpreter" */
	const char *home;              /* "/home/user" */
	const char *const *packages;   /* preinstalled Python packages, NULL-terminated; may be NULL */
	const char *const *files;      /* files in home (the user's uploads), NULL-terminated; may be NULL */
} ai_prompt_info;

/* The system prompt (heap). */
char *ai_system_prompt(const ai_prompt_info *info);

#endif
