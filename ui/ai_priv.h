/*
 * ai_priv: what the AI pane's files share — the pane's state and what each
 * file offers the others.  pane_ai.c: the ops, drawing, the request line,
 * the run and its observer; ai_tools.c: the model's tools (notebook cells,
 * exec_sbx); ai_settings.c: provider, model, transcript, a new conversation.
 */
#ifndef SBX_UI_AI_PRIV_H
#define SBX_UI_AI_PRIV_H
#include "app.h"
#include "model/aichat.h"
#include "model/editor.h"
#include "../src/ai/exec_sbx.h"
#include "../src/ai/run.h"

#define TOOL_MARK "\xe2\x96\xb8 "   /* ▸ */

typedef enum { PH_IDLE, PH_PROMPT, PH_MODEL, PH_TOOL } ai_phase;

typedef struct ai_pane {
	pane p;
	aichat *chat;
	ai_conv conv;
	ai_env env;
	ai_provider prov;
	int have_prov;
	char *prov_error;          /* why there is none (what to set) */

	http_client *http;
	ai_exec_sbx *xs;
	ai_run *run;               /* the last run (freed at the next or at close) */
	ai_phase phase;
	ai_prompt_op *prompt_op;   /* the sandbox's system prompt, before the first request */
	char *pending;             /* the request waiting for it */
	sbx_buf turn, answer;      /* this turn's text; the last finished turn's */

	/* the tool running */
	ai_run *tool_run;
	size_t tool_line;          /* its transcript line */
	pane *cell_nb;             /* execute_python: the notebook watched (while set) */
	char *cell_id;
	int bash_nb;               /* run_command: the %%bash cell's notebook (layout id) */
	char *bash_id;
	int64_t late_timer;        /* a closed notebook's answer, told from the loop */
	char *late_text;
	int nb_id;                 /* the notebook the model writes into (layout id) */

	editor *ed;
	int hscroll;
	int top, follow;
} ai_pane;

/* ai_tools.c */
/* The notebook the model writes into: the one it used, else the tab's
 * first, else (open set) a new one beside the AI pane, which keeps the
 * focus; NULL with e when there is none. */
pane *aip_notebook(ai_pane *ap, int open, sbx_err *e);
/* The executor for ai_run_opts and the observer for ai_exec_sbx_new. */
ai_tool_exec aip_tools(ai_pane *ap);
ai_exec_observer aip_exec_observer(ai_pane *ap);
/* Before the pane is freed (after its run): drops what the tools hold. */
void aip_tools_free(ai_pane *ap);

/* ai_settings.c */
int aip_blank(const char *s);
void aip_pick_provider(ai_pane *ap);
void aip_pick_model(ai_pane *ap);
void aip_save_transcript(ai_pane *ap);
void aip_new_conversation(ai_pane *ap);

#endif
