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
#include "ai_priv.h"
#include "draw.h"
#include "pane_notebook.h"
#include "model/utf8.h"
#include "../src/ai/tools.h"
#include "../src/util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const pane_ops ai_ops;

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
		pane *nb = ap->answer.len ? aip_notebook(ap, 1, &e) : NULL;
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
	o.exec = aip_tools(ap);
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

static void send(ai_pane *ap)
{
	const char *text = ed_text(ap->ed, NULL);
	if (aip_blank(text))
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
	case A_AI_PROVIDER: aip_pick_provider(ap); return 1;
	case A_AI_MODEL: aip_pick_model(ap); return 1;
	case A_AI_SAVE: aip_save_transcript(ap); return 1;
	case A_AI_NEW: aip_new_conversation(ap); return 1;
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
	aip_tools_free(ap);
	ai_exec_sbx_free(ap->xs);
	http_client_free(ap->http);
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
	ai_exec_observer xo = aip_exec_observer(ap);
	ap->xs = ai_exec_sbx_new(app_client(a), &s->sb, NULL, &xo);
	return &ap->p;
}
