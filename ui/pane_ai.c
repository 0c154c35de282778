/*
 * pane_ai: a model working in the tab's sandbox.  The user types a
 * request on the bottom line; the model's words stream into the
 * transcript above (ui/model/aichat); the tool loop (src/ai/run.c) runs on
 * the app's loop through the pane's own libcurl client, so nothing blocks.
 *
 * Tools: execute_python is a real code cell appended to the tab's notebook
 * pane (one is opened when the tab has none) and run by the notebook's own
 * runner, in the notebook's context, so its outputs and charts show inline
 * as for any cell and it is editable, re-runnable and saved in the
 * .ipynb; when it ends its outputs are the tool's result (aicell).
 * run_command runs through exec_sbx (an envd process, bash -lc, with its
 * exit status — what `sbx ai` does) and is mirrored as a `%%bash` cell
 * holding its output; read_file and write_file go through exec_sbx and
 * get a line in the transcript.  The final answer is appended to the
 * notebook as a markdown cell.
 *
 * C-c stops the run (the streamed text stays, a running cell is
 * interrupted); C-p picks the provider (unusable ones say what to set),
 * C-o the model, both shown in the border title and the status bar; C-s
 * saves the conversation as JSON (ai_conv_to_json); C-n starts anew.
 */
#include "app.h"
#include "draw.h"
#include "pane_notebook.h"
#include "model/aicell.h"
#include "model/aichat.h"
#include "model/editor.h"
#include "model/utf8.h"
#include "../src/ai/exec_sbx.h"
#include "../src/ai/run.h"
#include "../src/ai/tools.h"
#include "../src/util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const pane_ops ai_ops;

/* --- the notebook ------------------------------------------------------------ */

static pane *pane_by_id(ai_pane *ap, int id)
{
	session *s = ap->p.session;
	for (size_t i = 0; s && id && i < s->npanes; i++)
		if (s->panes[i]->id == id && s->panes[i]->ops->kind == PANE_NOTEBOOK)
			return s->panes[i];
	return NULL;
}

/* The notebook the model writes into: the one it used, else the tab's
 * first, else a new one (open is 0: none then). */
static pane *notebook_for(ai_pane *ap, int open, sbx_err *e)
{
	session *s = ap->p.session;
	pane *nb = pane_by_id(ap, ap->nb_id);
	for (size_t i = 0; !nb && s && i < s->npanes; i++)
		if (s->panes[i]->ops->kind == PANE_NOTEBOOK)
			nb = s->panes[i];
	if (!nb && open && s) {
		nb = pane_notebook_new(ap->p.app, s, NULL, e);
		if (nb) {
			/* the user keeps typing here: the focus stays */
			int focused = app_pane_focused(ap->p.app, &ap->p);
			app_add_pane(ap->p.app, s, nb, 0);
			sbx_err ignored;
			if (focused && s->layout)
				layout_set_focus(s->layout, ap->p.id, &ignored);
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
	pane *nb = notebook_for(ap, 1, e);
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
		pane *nb = notebook_for(ap, 1, &ignored);
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

/* --- the run's observer -------------------------------------------------------- */

static void on_text(void *ud, const char *delta, size_t len)
{
	ai_pane *ap = ud;
	aichat_text(ap->chat, delta, len);
	buf_append(&ap->turn, delta, len);
	app_dirty(ap->p.app);
}

static void on_turn_end(void *ud)
{
	ai_pane *ap = ud;
	aichat_turn_end(ap->chat);
	buf_reset(&ap->answer);
	buf_append(&ap->answer, ap->turn.data, ap->turn.len);
	buf_reset(&ap->turn);
}

static void on_result(void *ud, const ai_call *call, const char *text, int is_error)
{
	(void)text;
	ai_pane *ap = ud;
	if (strcmp(call->name, "execute_python") != 0 && ap->phase == PH_TOOL) {
		aic_kind k;
		const char *was = aichat_entry(ap->chat, ap->tool_line, &k);
		if (was && k == AIC_TOOL && is_error) {
			char *line = xasprintf("%s  (failed)", was);
			aichat_set(ap->chat, ap->tool_line, line);
			free(line);
		}
		free(ap->bash_id);
		ap->bash_id = NULL;
	}
	if (ap->phase == PH_TOOL && !ap->cell_id)
		ap->phase = PH_MODEL;
	app_dirty(ap->p.app);
}

static void on_call(void *ud, const ai_call *call)
{
	ai_pane *ap = ud;
	/* a call the loop refuses (unknown tool, bad arguments) still shows */
	if (!ai_tool_find(call->name)) {
		char *line = xasprintf(TOOL_MARK "the model asked for an unknown tool \"%.60s\"", call->name);
		aichat_add(ap->chat, AIC_TOOL, line);
		free(line);
	}
}

static void on_status(void *ud, const char *msg)
{
	ai_pane *ap = ud;
	aichat_status(ap->chat, msg);
	app_dirty(ap->p.app);
}

static void on_done(void *ud, ai_end end, const char *msg)
{
	ai_pane *ap = ud;
	aichat_status(ap->chat, NULL);
	aichat_turn_end(ap->chat);
	ap->phase = PH_IDLE;
	ap->tool_run = NULL;
	if (end == AI_END_ANSWER) {
		sbx_err e;
		pane *nb = ap->answer.len ? notebook_for(ap, 1, &e) : NULL;
		if (nb) {
			char *id = notebook_add_cell(nb, NB_MARKDOWN, buf_cstr(&ap->answer), 0, NULL, NULL, &e);
			free(id);
		}
		if (msg)
			aichat_add(ap->chat, AIC_NOTE, msg);
	} else if (end == AI_END_STOPPED) {
		aichat_add(ap->chat, AIC_NOTE, "stopped: what was shown is kept");
	} else {
		aichat_add(ap->chat, AIC_ERROR, msg ? msg : (end == AI_END_STEP_LIMIT ? "step limit reached" : "failed"));
	}
	buf_reset(&ap->turn);
	buf_reset(&ap->answer);
	app_dirty(ap->p.app);
}

/* --- requests -------------------------------------------------------------------- */

static void begin(ai_pane *ap)
{
	char *req = ap->pending;
	ap->pending = NULL;
	ai_run_free(ap->run);
	ap->run = NULL;
	ai_run_opts o = { 0 };
	o.provider = &ap->prov;
	o.conv = &ap->conv;
	o.request = req;
	o.max_steps = ai_max_steps(&ap->env, 0);
	o.exec = (ai_tool_exec){ tool_start, tool_cancel, ap };
	o.obs = (ai_observer){ on_text, on_turn_end, on_call, on_result, on_status, on_done, ap };
	sbx_err e;
	buf_reset(&ap->turn);
	buf_reset(&ap->answer);
	ap->run = ai_run_start(app_loop(ap->p.app), ap->http, &o, &e);
	if (!ap->run) {
		aichat_add(ap->chat, AIC_ERROR, e.msg);
		ap->phase = PH_IDLE;
	} else {
		ap->phase = PH_MODEL;
	}
	free(req);
	app_dirty(ap->p.app);
}

static void got_prompt(char *prompt, const sbx_err *e, void *ud)
{
	ai_pane *ap = ud;
	ap->prompt_op = NULL;
	if (!prompt) {
		/* the listing failed: a prompt without the sandbox's files */
		session *s = ap->p.session;
		ai_prompt_info info = { s && s->template_id ? s->template_id : "code-interpreter", "/home/user", NULL,
					NULL };
		prompt = ai_system_prompt(&info);
		(void)e;
	}
	ai_conv_set_system(&ap->conv, prompt);
	free(prompt);
	begin(ap);
}

static int blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

static void send(ai_pane *ap)
{
	const char *text = ed_text(ap->ed, NULL);
	if (blank(text))
		return;
	app *a = ap->p.app;
	session *s = ap->p.session;
	if (ap->phase != PH_IDLE) {
		char k[32];
		app_info(a, "the model is still working: %s stops it", app_key_hint(a, KM_AI, A_AI_STOP, k, sizeof k));
		return;
	}
	if (!s || s->state != SESSION_RUNNING) {
		app_error(a, "the sandbox is %s: resume it (sandboxes pane) or attach another",
			  s && s->state == SESSION_PAUSED ? "paused" : "gone");
		return;
	}
	if (!ap->have_prov) {
		char k[32];
		app_error(a, "no model provider: %s (or %s picks one)", ap->prov_error ? ap->prov_error : "",
			  app_key_hint(a, KM_AI, A_AI_PROVIDER, k, sizeof k));
		return;
	}
	aichat_add(ap->chat, AIC_USER, text);
	ap->pending = xstrdup(text);
	ed_set_text(ap->ed, "", 0);
	ap->hscroll = 0;
	ap->follow = 1;
	if (ap->conv.system) {
		begin(ap);
		return;
	}
	sbx_err e;
	ap->phase = PH_PROMPT;
	if (ai_sandbox_prompt(app_client(a), &s->sb, s->template_id, got_prompt, ap, &ap->prompt_op, &e) < 0) {
		ap->prompt_op = NULL;
		got_prompt(NULL, &e, ap);
	}
	app_dirty(a);
}

static void stop(ai_pane *ap)
{
	if (ap->prompt_op) {
		ai_sandbox_prompt_cancel(ap->prompt_op);
		ap->prompt_op = NULL;
		free(ap->pending);
		ap->pending = NULL;
		ap->phase = PH_IDLE;
		aichat_add(ap->chat, AIC_NOTE, "stopped before the model was asked");
	} else if (ap->run && !ai_run_done(ap->run)) {
		ai_run_stop(ap->run);   /* on_done tells the transcript */
	} else {
		app_info(ap->p.app, "nothing to stop");
	}
	app_dirty(ap->p.app);
}

/* --- provider, model, transcript ------------------------------------------------ */

static void set_provider(ai_pane *ap, const char *name, const char *model)
{
	ai_provider np;
	sbx_err e;
	if (ai_provider_resolve(&ap->env, name, model, &np, &e) < 0) {
		if (!ap->have_prov) {
			free(ap->prov_error);
			ap->prov_error = xstrdup(e.msg);
		}
		app_error(ap->p.app, "%s", e.msg);
		return;
	}
	if (ap->have_prov)
		ai_provider_free(&ap->prov);
	ap->prov = np;
	ap->have_prov = 1;
	free(ap->prov_error);
	ap->prov_error = NULL;
	app_info(ap->p.app, "the AI pane now uses %s, model %s", np.name, np.model ? np.model : "(default)");
}

typedef struct prov_pick {
	ai_pane *ap;
	ai_provider *v;
	size_t n;
} prov_pick;

static void picked(app *a, int index, void *ud)
{
	(void)a;
	prov_pick *pp = ud;
	if (index >= 0 && (size_t)index < pp->n) {
		ai_provider *p = &pp->v[index];
		if (p->missing)
			app_error(pp->ap->p.app, "%s cannot be used yet: %s", p->name, p->missing);
		else
			set_provider(pp->ap, p->name, NULL);
		app_dirty(pp->ap->p.app);
	}
	ai_providers_free(pp->v, pp->n);
	free(pp);
}

static void pick_provider(ai_pane *ap)
{
	prov_pick *pp = xcalloc(1, sizeof *pp);
	pp->ap = ap;
	sbx_err e;
	if (ai_providers_list(&ap->env, &pp->v, &pp->n, &e) < 0 || pp->n == 0) {
		app_error(ap->p.app, "%s", pp->n ? e.msg : "no providers are known");
		ai_providers_free(pp->v, pp->n);
		free(pp);
		return;
	}
	char **items = xcalloc(pp->n, sizeof *items);
	int sel = 0;
	for (size_t i = 0; i < pp->n; i++) {
		ai_provider *p = &pp->v[i];
		if (p->missing)
			items[i] = xasprintf("%-10s  unusable: %s", p->name, p->missing);
		else
			items[i] = xasprintf("%-10s  %s  (%s)", p->name, p->model ? p->model : "", p->base_url);
		if (ap->have_prov && strcmp(p->name, ap->prov.name) == 0)
			sel = (int)i;
	}
	app_pick(ap->p.app, &ap->p, "Model provider", (const char *const *)items, pp->n, sel, picked, pp);
	for (size_t i = 0; i < pp->n; i++)
		free(items[i]);
	free(items);
}

static void model_typed(app *a, const char *text, void *ud)
{
	(void)a;
	ai_pane *ap = ud;
	if (!text || blank(text) || !ap->have_prov)
		return;
	char *name = xstrdup(ap->prov.name);
	set_provider(ap, name, text + strspn(text, " \t"));
	free(name);
	app_dirty(ap->p.app);
}

static void pick_model(ai_pane *ap)
{
	if (!ap->have_prov) {
		char k[32];
		app_error(ap->p.app, "choose a provider first (%s)", app_key_hint(ap->p.app, KM_AI, A_AI_PROVIDER, k, sizeof k));
		return;
	}
	char title[128];
	snprintf(title, sizeof title, "Model for %.60s", ap->prov.name);
	app_prompt(ap->p.app, &ap->p, title, ap->prov.model ? ap->prov.model : "", model_typed, ap);
}

static void save_typed(app *a, const char *path, void *ud)
{
	ai_pane *ap = ud;
	if (!path || blank(path))
		return;
	json_t *j = ai_conv_to_json(&ap->conv);
	if (!j || json_dump_file(j, path, JSON_INDENT(2)) < 0)
		app_error(a, "cannot write the transcript to %s: %s (choose a writable path)", path, strerror(errno));
	else
		app_info(a, "transcript saved to %s (%zu messages)", path, ap->conv.n);
	json_decref(j);
}

static void save_transcript(ai_pane *ap)
{
	char initial[128];
	snprintf(initial, sizeof initial, "sbx-ai-%.12s.json", ap->p.session ? ap->p.session->id : "transcript");
	app_prompt(ap->p.app, &ap->p, "Save the transcript (JSON, a path on this machine)", initial, save_typed, ap);
}

static void new_conversation(ai_pane *ap)
{
	if (ap->phase != PH_IDLE) {
		app_info(ap->p.app, "the model is still working: stop it first");
		return;
	}
	char *sys = ap->conv.system ? xstrdup(ap->conv.system) : NULL;
	ai_conv_free(&ap->conv);
	ai_conv_init(&ap->conv, sys);
	free(sys);
	aichat_clear(ap->chat);
	ap->follow = 1;
	app_info(ap->p.app, "a new conversation: the model forgets the earlier one (the notebook keeps its cells)");
}

/* --- pane ops ---------------------------------------------------------------------- */

static void ai_title(pane *p, char *out, size_t n)
{
	ai_pane *ap = (ai_pane *)p;
	if (ap->have_prov)
		snprintf(out, n, "AI %s/%s", ap->prov.name, ap->prov.model ? ap->prov.model : "?");
	else
		snprintf(out, n, "AI (no provider)");
}

static keymode ai_mode(pane *p)
{
	(void)p;
	return KM_AI;
}

static ui_attr row_attr(ai_pane *ap, aic_kind k)
{
	app *a = ap->p.app;
	switch (k) {
	case AIC_USER: return app_th(a, TH_MARKDOWN_HEADING);
	case AIC_TOOL: return app_th(a, TH_OUT_RESULT);
	case AIC_NOTE: return app_th(a, TH_OUT_PLACEHOLDER);
	case AIC_ERROR: return app_th(a, TH_OUT_ERROR);
	case AIC_STATUS: return app_th(a, TH_MSG_INFO);
	default: return app_th(a, TH_NORMAL);
	}
}

static int view_rows(ai_pane *ap)
{
	return ap->p.rows > 2 ? ap->p.rows - 2 : 1;
}

static void clamp_top(ai_pane *ap, int nrows)
{
	int h = view_rows(ap), max = nrows > h ? nrows - h : 0;
	if (ap->follow || ap->top > max)
		ap->top = max;
	if (ap->top < 0)
		ap->top = 0;
	if (ap->top >= max)
		ap->follow = 1;
}

static const char *phase_text(ai_pane *ap)
{
	switch (ap->phase) {
	case PH_PROMPT: return "reading the sandbox";
	case PH_MODEL: return "thinking";
	case PH_TOOL: return "running a tool";
	default: return NULL;
	}
}

static void ai_draw(pane *p, WINDOW *w, int focused)
{
	(void)focused;
	ai_pane *ap = (ai_pane *)p;
	app *a = p->app;
	int W = p->cols, h = view_rows(ap);
	if (W < 1 || p->rows < 1)
		return;
	const aic_row *rows;
	int n = (int)aichat_layout(ap->chat, W, &rows);
	clamp_top(ap, n);
	if (n == 0 && p->rows > 2) {
		char k1[32], k2[32], k3[32], hint[300];
		snprintf(hint, sizeof hint, "Ask for something: the model's code runs as cells of the notebook. %s sends, %s stops, %s picks the provider.",
			 app_key_hint(a, KM_AI, A_AI_SEND, k1, sizeof k1), app_key_hint(a, KM_AI, A_AI_STOP, k2, sizeof k2),
			 app_key_hint(a, KM_AI, A_AI_PROVIDER, k3, sizeof k3));
		aichat *tmp = aichat_new();
		aichat_add(tmp, AIC_NOTE, hint);
		if (!ap->have_prov && ap->prov_error)
			aichat_add(tmp, AIC_ERROR, ap->prov_error);
		const aic_row *hr;
		int hn = (int)aichat_layout(tmp, W, &hr);
		for (int i = 0; i < hn && i < h; i++)
			draw_text(w, i, 0, W, hr[i].text, row_attr(ap, hr[i].kind));
		aichat_free(tmp);
	}
	for (int i = 0; i < h && ap->top + i < n; i++) {
		const aic_row *r = &rows[ap->top + i];
		draw_text(w, i, 0, W, r->text, row_attr(ap, r->kind));
	}
	if (p->rows < 2)
		return;
	/* the rule above the request line, with what is happening */
	ui_attr border = app_th(a, TH_BORDER);
	for (int x = 0; x < W; x++)
		draw_text(w, p->rows - 2, x, 1, "\xe2\x94\x80", border);
	const char *ph = phase_text(ap);
	if (ph) {
		char label[80];
		snprintf(label, sizeof label, " %s\xe2\x80\xa6 ", ph);
		draw_text(w, p->rows - 2, 1, W - 1, label, app_th(a, TH_MSG_INFO));
	} else if (!ap->follow) {
		draw_text(w, p->rows - 2, 1, W - 1, " more below (PgDn) ", border);
	}
	/* the request line */
	int y = p->rows - 1;
	draw_text(w, y, 0, W, "> ", app_th(a, TH_CELL_PROMPT));
	size_t len, line;
	const char *text = ed_text(ap->ed, &len);
	int col;
	ed_cursor_pos(ap->ed, &line, &col);
	int avail = W - 2;
	if (avail < 1)
		return;
	if (col - ap->hscroll >= avail)
		ap->hscroll = col - avail + 1;
	if (col < ap->hscroll)
		ap->hscroll = col;
	/* skip hscroll columns */
	size_t off = 0;
	int c = 0;
	while (off < len && c < ap->hscroll) {
		uint32_t cp;
		off += utf8_decode(text + off, len - off, &cp);
		int cw = utf8_cp_width(cp);
		c += cw > 0 ? cw : 0;
	}
	draw_textn(w, y, 2, avail, text + off, len - off, app_th(a, TH_NORMAL));
}

static int ai_cursor(pane *p, int *y, int *x)
{
	ai_pane *ap = (ai_pane *)p;
	size_t line;
	int col;
	ed_cursor_pos(ap->ed, &line, &col);
	*y = p->rows - 1;
	*x = 2 + col - ap->hscroll;
	return p->rows >= 1 && *x < p->cols;
}

static void scroll_by(ai_pane *ap, int d)
{
	const aic_row *rows;
	int n = (int)aichat_layout(ap->chat, ap->p.cols > 0 ? ap->p.cols : 1, &rows);
	int h = view_rows(ap), max = n > h ? n - h : 0;
	int top = ap->top + d;
	ap->top = top < 0 ? 0 : top > max ? max : top;
	ap->follow = ap->top >= max;
	app_dirty(ap->p.app);
}

static int ai_action(pane *p, ui_action act)
{
	ai_pane *ap = (ai_pane *)p;
	switch (act) {
	case A_AI_SEND: send(ap); return 1;
	case A_AI_STOP: stop(ap); return 1;
	case A_AI_PROVIDER: pick_provider(ap); return 1;
	case A_AI_MODEL: pick_model(ap); return 1;
	case A_AI_SAVE: save_transcript(ap); return 1;
	case A_AI_NEW: new_conversation(ap); return 1;
	case A_LIST_UP: scroll_by(ap, -1); return 1;
	case A_LIST_DOWN: scroll_by(ap, 1); return 1;
	case A_LIST_PAGE_UP: scroll_by(ap, -view_rows(ap) + 1); return 1;
	case A_LIST_PAGE_DOWN: scroll_by(ap, view_rows(ap) - 1); return 1;
	case A_LIST_TOP: scroll_by(ap, -1000000); return 1;
	case A_LIST_BOTTOM: scroll_by(ap, 1000000); return 1;
	default: return 0;
	}
}

/* The request line's editing keys (those no binding took). */
static int ai_key(pane *p, ui_key k)
{
	ai_pane *ap = (ai_pane *)p;
	editor *ed = ap->ed;
	int used = 1;
	if (!k.mods && k.code >= 0x20 && k.code < UK_BASE && k.code != 0x7f) {
		ed_insert_char(ed, k.code);
	} else if (!k.mods) {
		switch (k.code) {
		case UK_BSPACE: ed_backspace(ed); break;
		case UK_DELETE: ed_delete(ed); break;
		case UK_LEFT: ed_move(ed, ED_LEFT, 0); break;
		case UK_RIGHT: ed_move(ed, ED_RIGHT, 0); break;
		case UK_HOME: ed_move(ed, ED_BUF_START, 0); break;
		case UK_END: ed_move(ed, ED_BUF_END, 0); break;
		case UK_TAB: ed_insert_char(ed, ' '); break;
		default: used = 0;
		}
	} else if (k.mods == KEY_CTRL) {
		switch (k.code) {
		case 'a': ed_move(ed, ED_BUF_START, 0); break;
		case 'e': ed_move(ed, ED_BUF_END, 0); break;
		case 'w': ed_delete_word_back(ed); break;
		case 'k': ed_kill_line(ed); break;
		case 'u': ed_set_text(ed, "", 0); break;
		case UK_LEFT: ed_move(ed, ED_WORD_LEFT, 0); break;
		case UK_RIGHT: ed_move(ed, ED_WORD_RIGHT, 0); break;
		default: used = 0;
		}
	} else if (k.mods == KEY_SHIFT && k.code >= 0x20 && k.code < UK_BASE) {
		ed_insert_char(ed, k.code);
	} else {
		used = 0;
	}
	if (used)
		app_dirty(p->app);
	return used;
}

static void ai_paste(pane *p, const char *s, size_t len)
{
	ai_pane *ap = (ai_pane *)p;
	/* one request line: line breaks become blanks */
	char *t = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		t[i] = s[i] == '\n' || s[i] == '\r' ? ' ' : s[i];
	t[len] = '\0';
	ed_paste(ap->ed, t, len);
	free(t);
	app_dirty(p->app);
}

static int ai_mouse(pane *p, const ui_mouse *m)
{
	ai_pane *ap = (ai_pane *)p;
	if (m->button == MOUSE_WHEEL_UP)
		scroll_by(ap, -3);
	else if (m->button == MOUSE_WHEEL_DOWN)
		scroll_by(ap, 3);
	else
		return 0;
	return 1;
}

static void ai_status(pane *p, sbx_buf *out)
{
	ai_pane *ap = (ai_pane *)p;
	if (ap->have_prov)
		buf_printf(out, "%s/%s", ap->prov.name, ap->prov.model ? ap->prov.model : "?");
	else
		buf_puts(out, "no provider");
	const char *ph = phase_text(ap);
	if (ph)
		buf_printf(out, ": %s", ph);
}

static void ai_sandbox_state(pane *p)
{
	ai_pane *ap = (ai_pane *)p;
	if (p->session && p->session->state == SESSION_GONE && ap->phase != PH_IDLE)
		stop(ap);
}

static void ai_free(pane *p)
{
	ai_pane *ap = (ai_pane *)p;
	if (ap->prompt_op)
		ai_sandbox_prompt_cancel(ap->prompt_op);
	ai_run_free(ap->run);   /* stops a running one: tool_cancel forgets the cell */
	if (ap->cell_nb)
		notebook_forget(ap->cell_nb, ap);
	if (ap->late_timer)
		loop_del_timer(app_loop(p->app), ap->late_timer);
	free(ap->late_text);
	ai_exec_sbx_free(ap->xs);
	http_client_free(ap->http);
	free(ap->cell_id);
	free(ap->bash_id);
	free(ap->pending);
	buf_free(&ap->turn);
	buf_free(&ap->answer);
	ai_conv_free(&ap->conv);
	aichat_free(ap->chat);
	ed_free(ap->ed);
	if (ap->have_prov)
		ai_provider_free(&ap->prov);
	free(ap->prov_error);
	ai_env_free_default(&ap->env);
	free(ap);
}

static const pane_ops ai_ops = {
	.kind = PANE_AI,
	.title = ai_title,
	.mode = ai_mode,
	.draw = ai_draw,
	.action = ai_action,
	.key = ai_key,
	.paste = ai_paste,
	.mouse = ai_mouse,
	.cursor = ai_cursor,
	.status = ai_status,
	.sandbox_state = ai_sandbox_state,
	.free = ai_free,
};

pane *pane_ai_new(app *a, session *s, sbx_err *e)
{
	if (!s) {
		sbx_error(e, "the AI pane works in a sandbox: attach one first (Enter in the sandboxes list)");
		return NULL;
	}
	ai_pane *ap = xcalloc(1, sizeof *ap);
	ap->p.ops = &ai_ops;
	ap->p.app = a;
	ap->p.session = s;
	ap->chat = aichat_new();
	ap->ed = ed_new();
	ap->follow = 1;
	ai_conv_init(&ap->conv, NULL);
	ai_env_default(&ap->env);
	sbx_err pe;
	if (ai_provider_resolve(&ap->env, NULL, NULL, &ap->prov, &pe) == 0)
		ap->have_prov = 1;
	else
		ap->prov_error = xstrdup(pe.msg);
	ap->http = http_client_new(app_loop(a));
	ai_exec_observer xo = { NULL, on_proc_event, ap };
	ap->xs = ai_exec_sbx_new(app_client(a), &s->sb, NULL, &xo);
	return &ap->p;
}
