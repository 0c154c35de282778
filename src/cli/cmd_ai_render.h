/* cmd_ai_render: how `sbx ai` shows a run — the model's streamed text,
 * each tool call (its code or command), the sandbox's outputs as they
 * come, charts saved as DIR/chart-N.png, statuses.  Whatever the model or
 * the sandbox sent has its control bytes shown as '?' on a terminal. */
#ifndef SBX_CLI_AI_RENDER_H
#define SBX_CLI_AI_RENDER_H
#include <stdio.h>
#include "../ai/exec_sbx.h"

typedef struct ai_render {
	FILE *out, *err;
	int tty_out, tty_err;
	const char *charts_dir;    /* where chart-N.png go */
	int ncharts;
	int at_bol;                /* out's last byte was a newline (or nothing yet) */
	int call_shown;            /* the current call showed output from the sandbox */
	int write_failed;          /* a chart could not be saved */
} ai_render;

void ai_render_init(ai_render *r, FILE *out, FILE *err, const char *charts_dir);
/* The run's observer and the executor's, both with r as ud. */
ai_observer ai_render_observer(ai_render *r);
ai_exec_observer ai_render_exec_observer(ai_render *r);
/* A message line on err ("sbx ai: ..."), after ending out's line. */
void ai_render_note(ai_render *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
