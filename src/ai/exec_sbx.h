/*
 * exec_sbx: runs the model's tools in a sandbox through libsbx —
 * execute_python as a cell in a code context (/execute), run_command as
 * an envd process (bash -lc), read_file / write_file through /files — and
 * builds each tool's result with ai_toolres.  What the CLI uses; the AI
 * pane uses it for all but execute_python (which it runs as a notebook
 * cell).  An observer sees every event as it streams, to show it.
 */
#ifndef SBX_AI_EXEC_SBX_H
#define SBX_AI_EXEC_SBX_H
#include "run.h"
#include "tools.h"
#include "../client/libsbx.h"

typedef struct ai_exec_sbx ai_exec_sbx;

typedef struct ai_exec_observer {
	void (*on_code_event)(void *ud, const ai_call *call, const sbx_code_event *ev);
	void (*on_proc_event)(void *ud, const ai_call *call, const sbx_proc_event *ev);
	void *ud;
} ai_exec_observer;

/* sb is borrowed (must outlive x); context_id NULL: the default Python
 * context (what a notebook without its own context shares); obs may be
 * NULL. */
ai_exec_sbx *ai_exec_sbx_new(sbx_client *c, const sbx_sandbox *sb, const char *context_id,
			     const ai_exec_observer *obs);
/* The executor to put in ai_run_opts.exec. */
ai_tool_exec ai_exec_sbx_tools(ai_exec_sbx *x);
void ai_exec_sbx_free(ai_exec_sbx *x);

/* What the system prompt says about sb: lists home and the preinstalled
 * packages through envd (never the kernel: no cell count is used), then
 * cb with the prompt (heap, the callee's to keep: free it) or NULL and e.
 * *op (op may be NULL) is the handle to stop it with
 * ai_sandbox_prompt_cancel until cb runs; cb then never runs. */
typedef void (*ai_prompt_cb)(char *prompt, const sbx_err *e, void *ud);
typedef struct ai_prompt_op ai_prompt_op;
int ai_sandbox_prompt(sbx_client *c, const sbx_sandbox *sb, const char *template_id, ai_prompt_cb cb,
		      void *ud, ai_prompt_op **op, sbx_err *e);
void ai_sandbox_prompt_cancel(ai_prompt_op *op);

#endif
