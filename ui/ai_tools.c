/*
 * ai_tools: the model's tools in the AI pane.  execute_python is a code
 * cell appended to the tab's notebook and run by the notebook's own runner
 * (watched with notebook_add_cell; its outputs become the result through
 * aicell); the others run through exec_sbx, run_command mirrored as a
 * %%bash cell holding its output.  A cell whose notebook closes under it is
 * answered from the loop (the notebook may be mid-free, maybe with the tab).
 */
#include "ai_priv.h"
#include "pane_notebook.h"
#include "model/aicell.h"
#include "../src/ai/tools.h"
#include "../src/util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the notebook ------------------------------------------------------------ */

static pane *pane_by_id(ai_pane *ap, int id)
{
	session *s = ap->p.session;
	for (size_t i = 0; s && id && i < s->npanes; i++)
		if (s->panes[i]->id == id && s->panes[i]->ops->kind == PANE_NOTEBOOK)
			return s->panes[i];
	return NULL;
}

pane *aip_notebook(ai_pane *ap, int open, sbx_err *e)
{
	session *s = ap->p.session;
	pane *nb = pane_by_id(ap, ap->nb_id);
	for (size_t i = 0; !nb && s && i < s->npanes; i++)
		if (s->panes[i]->ops->kind == PANE_NOTEBOOK)
			nb = s->panes[i];
	if (!nb && open && s) {
		nb = pane_notebook_new(ap->p.app, s, NULL, e);
		if (nb) {
			/* the user may be typing somewhere (here, a terminal):
			 * the focus stays where it was */
			int was = s->layout ? layout_focus(s->layout) : 0;
			app_add_pane(ap->p.app, s, nb, 0);
			sbx_err ignored;
			if (was > 0 && s->layout)
				layout_set_focus(s->layout, was, &ignored);
		}
	} else if (!nb) {
		sbx_error(e, "this tab has no notebook: open one with M-n");
	}
	ap->nb_id = nb ? nb->id : 0;
	return nb;
}

/* --- the tools ----------------------------------------------------------------- */

static void clear_cell(ai_pane *ap)
{
	free(ap->cell_id);
	ap->cell_id = NULL;
	ap->cell_nb = NULL;
}

static const char *first_error(const nb_cell *c)
{
	for (size_t i = 0; c && i < c->noutputs; i++)
		if (c->outputs[i].type == NB_OUT_ERROR)
			return c->outputs[i].ename ? c->outputs[i].ename : "an error";
	return NULL;
}

static int64_t tell_late(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	ai_pane *ap = ud;
	ap->late_timer = 0;
	char *text = ap->late_text;
	ap->late_text = NULL;
	if (ap->tool_run)
		ai_run_tool_done(ap->tool_run, text, 1);
	free(text);
	return -1;
}

static void cell_done(pane *nb, const nb_cell *c, int ran, void *ud)
{
	(void)nb;
	ai_pane *ap = ud;
	if (!ap->cell_id)
		return;
	/* no cell: deleted, or its notebook is closing (maybe with this tab) */
	int lost = c == NULL;
	const char *why = lost ? "the cell was deleted or its notebook closed before it finished"
			       : "the cell was interrupted or could not run (its output in the notebook says why)";
	int is_error = 0;
	char *text = aicell_result(c, ran, why, &is_error);
	char line[200];
	const char *err = first_error(c);
	int n = c ? c->execution_count : -1;
	if (!ran)
		snprintf(line, sizeof line, TOOL_MARK "cell %s", lost ? "lost: deleted or its notebook closed" : "did not finish");
	else if (err)
		snprintf(line, sizeof line, TOOL_MARK "ran cell [%d]: %.80s", n, err);
	else
		snprintf(line, sizeof line, TOOL_MARK "ran cell [%d]", n);
	aichat_set(ap->chat, ap->tool_line, line);
	clear_cell(ap);
	ap->phase = PH_MODEL;
	app_dirty(ap->p.app);
	if (lost) {
		/* the notebook may be in the middle of being freed: answer from the loop */
		free(ap->late_text);
		ap->late_text = text;
		if (!ap->late_timer)
			ap->late_timer = loop_add_timer(app_loop(ap->p.app), 0, tell_late, ap);
		return;
	}
	ai_run_tool_done(ap->tool_run, text, is_error);
	free(text);
}

static const char *arg(const json_t *args, const char *name)
{
	const char *s = json_string_value(json_object_get(args, name));
	return s ? s : "";
}

static int start_python(ai_pane *ap, const json_t *args, sbx_err *e)
{
	pane *nb = aip_notebook(ap, 1, e);
	if (!nb)
		return -1;
	ap->tool_line = aichat_add(ap->chat, AIC_TOOL, TOOL_MARK "running a cell in the notebook");
	char *id = notebook_add_cell(nb, NB_CODE, arg(args, "code"), 1, cell_done, ap, e);
	if (!id) {
		aichat_set(ap->chat, ap->tool_line, TOOL_MARK "could not add a cell");
		return -1;
	}
	ap->cell_nb = nb;
	ap->cell_id = id;
	return 0;
}

static int tool_start(void *ud, ai_run *r, const ai_call *call, const json_t *args, sbx_err *e)
{
	ai_pane *ap = ud;
	ap->tool_run = r;
	ap->phase = PH_TOOL;
	app_dirty(ap->p.app);
	if (strcmp(call->name, "execute_python") == 0)
		return start_python(ap, args, e);
	sbx_buf line = SBX_BUF_INIT;
	if (strcmp(call->name, "run_command") == 0) {
		const char *cmd = arg(args, "command");
		buf_printf(&line, "$ %.*s%s", (int)strcspn(cmd, "\n"), cmd, strchr(cmd, '\n') ? " ..." : "");
		free(ap->bash_id);
		ap->bash_id = NULL;
		sbx_err ignored;
		pane *nb = aip_notebook(ap, 1, &ignored);
		if (nb) {
			sbx_buf src = SBX_BUF_INIT;
			buf_printf(&src, "%%%%bash\n%s", cmd);
			ap->bash_id = notebook_add_cell(nb, NB_CODE, buf_cstr(&src), 0, NULL, NULL, &ignored);
			ap->bash_nb = nb->id;
			buf_free(&src);
		}
	} else if (strcmp(call->name, "read_file") == 0) {
		buf_printf(&line, TOOL_MARK "read %s", arg(args, "path"));
	} else if (strcmp(call->name, "write_file") == 0) {
		buf_printf(&line, TOOL_MARK "wrote %s", arg(args, "path"));
	} else {
		buf_printf(&line, TOOL_MARK "%s", call->name);
	}
	ap->tool_line = aichat_add(ap->chat, AIC_TOOL, buf_cstr(&line));
	buf_free(&line);
	ai_tool_exec x = ai_exec_sbx_tools(ap->xs);
	return x.start(x.ud, r, call, args, e);
}

static void tool_cancel(void *ud, ai_run *r)
{
	ai_pane *ap = ud;
	if (ap->cell_id) {
		pane *nb = ap->cell_nb;
		char *id = ap->cell_id;
		ap->cell_id = NULL;
		notebook_forget(nb, ap);
		notebook_stop_cell(nb, id);
		free(id);
		ap->cell_nb = NULL;
		aichat_set(ap->chat, ap->tool_line, TOOL_MARK "cell stopped");
		return;
	}
	ai_tool_exec x = ai_exec_sbx_tools(ap->xs);
	if (x.cancel)
		x.cancel(x.ud, r);
}

/* run_command's output into its %%bash cell as it streams */
static void on_proc_event(void *ud, const ai_call *call, const sbx_proc_event *ev)
{
	(void)call;
	ai_pane *ap = ud;
	pane *nb = pane_by_id(ap, ap->bash_nb);
	nb_cell *c = nb ? notebook_cell(nb, ap->bash_id) : NULL;
	if (!c)
		return;
	notebook *doc = notebook_doc(nb);
	if (ev->type == SBX_PROC_STDOUT || ev->type == SBX_PROC_STDERR)
		nb_cell_add_stream(doc, c, ev->type == SBX_PROC_STDOUT ? "stdout" : "stderr", (const char *)ev->data,
				   ev->len);
	else if (ev->type == SBX_PROC_END && ev->exit_code != 0) {
		char msg[200];
		snprintf(msg, sizeof msg, "[%.100s]\n", ev->status ? ev->status : "failed");
		nb_cell_add_stream(doc, c, "stderr", msg, strlen(msg));
	} else {
		return;
	}
	notebook_changed(nb);
}

ai_tool_exec aip_tools(ai_pane *ap)
{
	return (ai_tool_exec){ tool_start, tool_cancel, ap };
}

ai_exec_observer aip_exec_observer(ai_pane *ap)
{
	return (ai_exec_observer){ NULL, on_proc_event, ap };
}

void aip_tools_free(ai_pane *ap)
{
	if (ap->cell_nb)
		notebook_forget(ap->cell_nb, ap);
	if (ap->late_timer)
		loop_del_timer(app_loop(ap->p.app), ap->late_timer);
	free(ap->late_text);
	free(ap->cell_id);
	free(ap->bash_id);
}
