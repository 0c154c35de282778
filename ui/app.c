/*
 * app: the workbench's owner — start-up (terminal probe, curses, sbxd),
 * the loop, tabs and sessions, panes coming and going, and the services
 * of app.h.  Input is app_input.c, drawing app_draw.c, dialogs and
 * overlays app_dialog.c.
 */
#include "app_priv.h"
#include "draw.h"
#include "pane_notebook.h"
#include "term_probe.h"
#include "model/autosave.h"
#include "model/colour.h"
#include "model/runtimes.h"
#include "../src/proto/local.h"
#include "../src/util/log.h"
#include "../src/util/selfpath.h"
#include "../src/util/timeutil.h"
#include "../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define DAEMON_TIMEOUT_MS 30000

/* The signal self-pipe, the handlers' only way into the loop: 'w' for a
 * resize, 'q' for SIGTERM/SIGHUP (quit at once; notebooks autosave). */
static int signal_write_fd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	const char *b = sig == SIGWINCH ? "w" : "q";
	if (signal_write_fd >= 0 && write(signal_write_fd, b, 1) < 0) {
		/* full pipe: the same news is already waiting */
	}
	errno = saved;
}

/* --- services -------------------------------------------------------------- */

sbx_client *app_client(app *a) { return a->client; }
sbx_loop *app_loop(app *a) { return a->loop; }
ui_attr app_th(app *a, theme_elem el) { return a->theme.el[el]; }
const keytable *app_keys(app *a) { return a->keys; }
const char *app_state_dir(app *a) { return a->state_dir; }
const char *app_session_tag(app *a) { return a->tag; }
int64_t app_now_ms(app *a) { (void)a; return now_ms(); }
const app_gfx *app_graphics(app *a) { return &a->gfx; }
imgcache *app_imgcache(app *a) { return a->imgcache; }
unsigned app_gfx_epoch(app *a) { return a->epoch; }

void app_dirty(app *a) { a->dirty = 1; }

const char *app_key_hint(app *a, keymode m, ui_action act, char *out, size_t n)
{
	sbx_buf b;
	buf_init(&b);
	keytable_keys_for(a->keys, m, act, &b);
	if (!b.len && m != KM_GLOBAL)
		keytable_keys_for(a->keys, KM_GLOBAL, act, &b);
	const char *s = buf_cstr(&b);
	size_t k = strcspn(s, ",");
	if (k >= n)
		k = n - 1;
	memcpy(out, s, k);
	out[k] = '\0';
	buf_free(&b);
	return out;
}

static void message(app *a, int error, const char *fmt, va_list ap)
{
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	for (char *c = a->msg; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	a->msg_error = error;
	a->msg_until = now_ms() + (error ? 15000 : 5000);
	a->log = xrealloc(a->log, (a->nlog + 1) * sizeof *a->log);
	a->log[a->nlog++] = xasprintf("%s%s", error ? "error: " : "", a->msg);
	if (a->nlog > 200) {
		free(a->log[0]);
		memmove(a->log, a->log + 1, --a->nlog * sizeof *a->log);
	}
	if (!a->curses_on)
		fprintf(stderr, "sbx: %s\n", a->msg);
	app_dirty(a);
}

void app_info(app *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	message(a, 0, fmt, ap);
	va_end(ap);
}

void app_error(app *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	message(a, 1, fmt, ap);
	va_end(ap);
}

int app_progress_begin(app *a, const char *label)
{
	a->prog = xrealloc(a->prog, (a->nprog + 1) * sizeof *a->prog);
	progress_entry *p = &a->prog[a->nprog++];
	p->handle = ++a->next_prog;
	p->label = xstrdup(label ? label : "");
	p->frac = -1;
	app_dirty(a);
	return p->handle;
}

void app_progress_set(app *a, int handle, double frac, const char *label)
{
	for (size_t i = 0; i < a->nprog; i++)
		if (a->prog[i].handle == handle) {
			a->prog[i].frac = frac;
			if (label) {
				free(a->prog[i].label);
				a->prog[i].label = xstrdup(label);
			}
			app_dirty(a);
		}
}

void app_progress_end(app *a, int handle)
{
	for (size_t i = 0; i < a->nprog; i++)
		if (a->prog[i].handle == handle) {
			free(a->prog[i].label);
			memmove(a->prog + i, a->prog + i + 1, (a->nprog - i - 1) * sizeof *a->prog);
			a->nprog--;
			app_dirty(a);
			return;
		}
}

void app_tty_write(app *a, const void *data, size_t len)
{
	(void)a;
	const char *p = data;
	while (len) {
		ssize_t n = write(STDOUT_FILENO, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		if (n <= 0)
			return;
		p += n, len -= (size_t)n;
	}
}

void app_sixel(app *a, int y, int x, const void *data, size_t len)
{
	if (y < 0 || x < 0 || y >= a->rows - 1 || x >= a->cols)
		return;
	char pos[48];
	int k = snprintf(pos, sizeof pos, "\0337\033[%d;%dH", y + 1, x + 1);
	app_tty_write(a, pos, (size_t)k);
	app_tty_write(a, data, len);
	app_tty_write(a, "\0338", 2);
}

/* --- panes and sessions ---------------------------------------------------- */

session *app_cur(app *a)
{
	return a->tab == 0 ? &a->home : a->sessions[a->tab - 1];
}

pane *session_pane(session *s, int id)
{
	for (size_t i = 0; i < s->npanes; i++)
		if (s->panes[i]->id == id)
			return s->panes[i];
	return NULL;
}

pane *app_focused(app *a)
{
	session *s = app_cur(a);
	return s->layout ? session_pane(s, layout_focus(s->layout)) : NULL;
}

static session *owner_session(app *a, pane *p)
{
	return p->session ? p->session : &a->home;
}

int app_pane_focused(app *a, pane *p)
{
	return app_focused(a) == p;
}

static void session_take(session *s, pane *p)
{
	s->panes = xrealloc(s->panes, (s->npanes + 1) * sizeof *s->panes);
	s->panes[s->npanes++] = p;
	p->id = ++s->next_pane_id;
}

void app_add_pane(app *a, session *s, pane *p, int vertical)
{
	session *ss = s ? s : &a->home;
	p->app = a;
	p->session = s;
	session_take(ss, p);
	sbx_err e;
	if (!ss->layout) {
		ss->layout = layout_new(p->id);
	} else {
		int at = layout_focus(ss->layout);
		if (layout_split(ss->layout, at, p->id, vertical ? LAYOUT_TOPBOTTOM : LAYOUT_LEFTRIGHT, 0, &e) < 0) {
			app_error(a, "cannot open the pane: %s", e.msg);
			ss->npanes--;
			p->ops->free(p);
			return;
		}
		layout_set_focus(ss->layout, p->id, NULL);
	}
	a->epoch++;
	app_dirty(a);
}

/* Everything of the app's that points at p goes: its dialogs (cancelled),
 * a mouse grab, its window. */
static void pane_unhook(app *a, pane *p)
{
	dialog_cancel_owner(a, p);
	if (a->mouse_grab == p)
		a->mouse_grab = NULL;
	if (p->win) {
		delwin(p->win);
		p->win = NULL;
	}
}

/* Unhooked now, freed by prepare() after the callback we are in returns. */
static void pane_doom(app *a, pane *p)
{
	pane_unhook(a, p);
	a->doomed = xrealloc(a->doomed, (a->ndoomed + 1) * sizeof *a->doomed);
	a->doomed[a->ndoomed++] = p;
}

void app_close_pane(app *a, pane *p)
{
	session *s = owner_session(a, p);
	size_t i = 0;
	while (i < s->npanes && s->panes[i] != p)
		i++;
	if (i == s->npanes)
		return;  /* already closing */
	memmove(s->panes + i, s->panes + i + 1, (s->npanes - i - 1) * sizeof *s->panes);
	s->npanes--;
	if (s->npanes == 0) {
		layout_free(s->layout);
		s->layout = NULL;
	} else {
		layout_close(s->layout, p->id, NULL);
	}
	pane_doom(a, p);
	if (s != &a->home && s->npanes == 0)
		app_detach(a, s);
	else if (s == &a->home && s->npanes == 0)
		app_add_pane(a, NULL, pane_sandboxes_new(a), 0);
	a->epoch++;
	app_dirty(a);
}

static void session_free(app *a, session *s);

static void free_doomed(app *a)
{
	while (a->ndoomed) {
		pane *p = a->doomed[--a->ndoomed];
		p->ops->free(p);
	}
	while (a->ndoomed_sessions)
		session_free(a, a->doomed_sessions[--a->ndoomed_sessions]);
}

#define FRAME_MS 16   /* about 60 frames a second */

static int prepare(sbx_loop *l, void *ud)
{
	(void)l;
	app *a = ud;
	free_doomed(a);
	if (a->quit) {
		loop_stop(a->loop);
		return 0;
	}
	if (!a->dirty || !a->curses_on)
		return -1;
	/* Output may change the screen far more often than a terminal shows
	 * frames: everything that arrived is parsed at once, drawn at most
	 * once per FRAME_MS (the poll wakes us for the frame that is due). */
	int64_t now = now_ms(), due = a->last_frame_ms + FRAME_MS;
	if (now < due)
		return (int)(due - now);
	a->last_frame_ms = now;
	app_render(a);
	return -1;
}

void app_switch_tab(app *a, size_t tab)
{
	if (tab > a->nsessions)
		return;
	a->tab = tab;
	a->nseq = 0;
	a->epoch++;
	app_dirty(a);
}

session *app_find_session(app *a, const char *id)
{
	for (size_t i = 0; i < a->nsessions; i++)
		if (!strcmp(a->sessions[i]->id, id))
			return a->sessions[i];
	return NULL;
}

static void open_default_panes(app *a, session *s, const char *notebook)
{
	sbx_err e;
	pane *nb = pane_notebook_new(a, s, notebook, &e);
	if (nb)
		app_add_pane(a, s, nb, 0);
	else
		app_error(a, "notebook: %s", e.msg);
	pane *files = pane_files_new(a, s, NULL, &e);
	if (files)
		app_add_pane(a, s, files, 0);
	else
		app_error(a, "files: %s", e.msg);
	pane *term = pane_terminal_new(a, s, NULL, &e);
	if (term)
		app_add_pane(a, s, term, files != NULL);
	else
		app_error(a, "terminal: %s", e.msg);
	if (nb && s->layout)
		layout_set_focus(s->layout, nb->id, NULL);
}

void app_session_update(app *a, const sbx_info *info)
{
	session *s = app_find_session(a, info->id);
	if (!s)
		return;
	sbx_err e;
	sbx_sandbox sb;
	/* only Connect/Create answers carry tokens; list entries do not */
	if (*info->access_token && sbx_info_sandbox(info, sbx_client_config(a->client), &sb, &e) == 0) {
		sbx_sandbox_free(&s->sb);
		s->sb = sb;
	}
	if (info->end_ms)
		s->end_ms = info->end_ms;
	if (*info->runtime && strcmp(info->runtime, s->runtime)) {
		free(s->runtime);
		s->runtime = xstrdup(info->runtime);
	}
	const char *accel = rt_accel_of(info);
	if (*accel && strcmp(accel, s->accel)) {
		free(s->accel);
		s->accel = xstrdup(accel);
	}
	if (!strcmp(info->state, "paused"))
		app_sandbox_state(a, s->id, SESSION_PAUSED, NULL);
	else if (!strcmp(info->state, "running") || *info->access_token)
		app_sandbox_state(a, s->id, SESSION_RUNNING, NULL);
	app_dirty(a);
}

void app_show_session(app *a, session *s)
{
	for (size_t i = 0; i < a->nsessions; i++)
		if (a->sessions[i] == s)
			app_switch_tab(a, i + 1);
}

session *app_attach(app *a, const sbx_info *info)
{
	session *s = app_find_session(a, info->id);
	sbx_err e;
	if (s) {
		/* a resumed sandbox: fresh tokens, same panes */
		app_session_update(a, info);
	} else {
		s = xcalloc(1, sizeof *s);
		if (sbx_info_sandbox(info, sbx_client_config(a->client), &s->sb, &e) < 0) {
			app_error(a, "cannot attach %s: %s", info->id, e.msg);
			free(s);
			return NULL;
		}
		s->id = xstrdup(info->id);
		s->template_id = xstrdup(*info->alias ? info->alias : info->template_id);
		s->runtime = xstrdup(info->runtime);
		s->accel = xstrdup(rt_accel_of(info));
		s->state = SESSION_RUNNING;
		s->end_ms = info->end_ms;
		a->sessions = xrealloc(a->sessions, (a->nsessions + 1) * sizeof *a->sessions);
		a->sessions[a->nsessions++] = s;
		int first = a->nsessions == 1;
		open_default_panes(a, s, first ? a->o.notebook : NULL);
		if (first)
			notebook_offer_restore(a, s);
	}
	app_show_session(a, s);
	return s;
}

void app_sandbox_state(app *a, const char *id, session_state st, const char *reason)
{
	session *s = app_find_session(a, id);
	if (!s || (s->state == st && st != SESSION_GONE))
		return;
	if (s->state == SESSION_GONE && st == SESSION_GONE)
		return;
	s->state = st;
	free(s->gone_reason);
	s->gone_reason = reason ? xstrdup(reason) : NULL;
	for (size_t i = 0; i < s->npanes; i++)
		if (s->panes[i]->ops->sandbox_state)
			s->panes[i]->ops->sandbox_state(s->panes[i]);
	if (st == SESSION_GONE)
		app_error(a, "sandbox %.8s is gone%s%s — its panes keep what they show; M-w closes them", id,
			  reason ? ": " : "", reason ? reason : "");
	app_dirty(a);
}

static void session_free(app *a, session *s)
{
	while (s->npanes) {
		pane *p = s->panes[--s->npanes];
		pane_unhook(a, p);
		p->ops->free(p);
	}
	free(s->panes);
	layout_free(s->layout);
	sbx_sandbox_free(&s->sb);
	free(s->id);
	free(s->template_id);
	free(s->runtime);
	free(s->accel);
	free(s->gone_reason);
	if (s != &a->home)
		free(s);
}

void app_detach(app *a, session *s)
{
	size_t i = 0;
	while (i < a->nsessions && a->sessions[i] != s)
		i++;
	if (i == a->nsessions)
		return;
	/* panes still open are closed through the doomed list so a pane
	 * calling this from its own callback is not freed under itself */
	while (s->npanes)
		pane_doom(a, s->panes[--s->npanes]);
	memmove(a->sessions + i, a->sessions + i + 1, (a->nsessions - i - 1) * sizeof *a->sessions);
	a->nsessions--;
	if (a->tab > a->nsessions || a->tab == i + 1)
		a->tab = i < a->nsessions ? i + 1 : a->nsessions;
	/* its panes keep pointing at it until prepare() has freed them */
	a->doomed_sessions = xrealloc(a->doomed_sessions, (a->ndoomed_sessions + 1) * sizeof *a->doomed_sessions);
	a->doomed_sessions[a->ndoomed_sessions++] = s;
	a->epoch++;
	app_dirty(a);
}

/* --- actions --------------------------------------------------------------- */

static int need_session(app *a)
{
	if (a->tab > 0)
		return 1;
	app_error(a, "no sandbox here: select one in the sandboxes list and press Enter (or n to create one)");
	return 0;
}

static int split_vertical(app *a)
{
	session *s = app_cur(a);
	layout_rect r;
	if (!s->layout || layout_pane_rect(s->layout, layout_focus(s->layout), &r) != 1)
		return 0;
	return r.w < r.h * 5 / 2;  /* cells are about twice as tall as wide */
}

static void open_kind(app *a, pane_kind kind, int vertical)
{
	if (kind == PANE_SANDBOXES) {
		app_error(a, "the sandboxes list has one pane (M-s shows it)");
		return;
	}
	if (!need_session(a))
		return;
	session *s = app_cur(a);
	sbx_err e;
	pane *p = NULL;
	if (kind == PANE_NOTEBOOK)
		p = pane_notebook_new(a, s, NULL, &e);
	else if (kind == PANE_FILES)
		p = pane_files_new(a, s, NULL, &e);
	else if (kind == PANE_CONSOLE)
		p = pane_console_new(a, s, s->id);
	else if (kind == PANE_AI)
		p = pane_ai_new(a, s, &e);
	else if (kind == PANE_PORTS)
		p = pane_ports_new(a, s);
	else
		p = pane_terminal_new(a, s, NULL, &e);
	if (!p) {
		app_error(a, "%s", e.msg);
		return;
	}
	app_add_pane(a, s, p, vertical);
}

static void on_open_notebook(app *a, const char *path, void *ud)
{
	(void)ud;
	if (!path || !*path || !need_session(a))
		return;
	sbx_err e;
	pane *p = pane_notebook_new(a, app_cur(a), path, &e);
	if (!p)
		app_error(a, "cannot open %s: %s", path, e.msg);
	else
		app_add_pane(a, app_cur(a), p, split_vertical(a));
}

static void on_quit_answer(app *a, int ok, void *ud)
{
	(void)ud;
	if (ok)
		a->quit = 1;
}

void app_quit(app *a)
{
	if (a->nsessions == 0) {
		a->quit = 1;
		return;
	}
	app_confirm(a, NULL,
		    "Quit the workbench? Sandboxes keep running (sbx ls); unsaved notebooks are autosaved "
		    "and offered back next time.",
		    on_quit_answer, NULL);
}

static void close_focused(app *a, pane *p)
{
	if (!p)
		return;
	if (!p->ops->can_close || p->ops->can_close(p))
		app_close_pane(a, p);
}

static void next_theme(app *a)
{
	char **names;
	size_t n = theme_list((const char *const *)a->theme_dirs, a->nthemedirs, &names);
	if (!n)
		return;
	size_t i = 0;
	while (i < n && strcmp(names[i], a->theme.name))
		i++;
	app_set_theme(a, names[(i + 1) % n]);
	theme_list_free(names, n);
}

void app_run_action(app *a, pane *p, ui_action act)
{
	session *s = app_cur(a);
	/* the pane's own meaning first (e.g. q/Escape in a pane's sub-mode) */
	if (p && p->ops->action && act != A_QUIT && act != A_HELP && act != A_PALETTE && act != A_REDRAW &&
	    act != A_PANE_CLOSE && act != A_PANE_ZOOM && p->ops->action(p, act)) {
		app_dirty(a);
		return;
	}
	switch (act) {
	case A_QUIT: app_quit(a); break;
	case A_HELP: app_help(a); break;
	case A_PALETTE: app_palette(a); break;
	case A_REDRAW:
		clearok(curscr, TRUE);
		a->epoch++;
		break;
	case A_CANCEL: break;
	case A_FOCUS_NEXT: if (s->layout) layout_focus_next(s->layout); a->epoch++; break;
	case A_FOCUS_PREV: if (s->layout) layout_focus_prev(s->layout); a->epoch++; break;
	case A_FOCUS_LEFT: if (s->layout) layout_focus_dir(s->layout, LAYOUT_LEFT); break;
	case A_FOCUS_RIGHT: if (s->layout) layout_focus_dir(s->layout, LAYOUT_RIGHT); break;
	case A_FOCUS_UP: if (s->layout) layout_focus_dir(s->layout, LAYOUT_UP); break;
	case A_FOCUS_DOWN: if (s->layout) layout_focus_dir(s->layout, LAYOUT_DOWN); break;
	case A_SPLIT_RIGHT: open_kind(a, p ? p->ops->kind : PANE_TERMINAL, 0); break;
	case A_SPLIT_DOWN: open_kind(a, p ? p->ops->kind : PANE_TERMINAL, 1); break;
	case A_PANE_CLOSE: close_focused(a, p); break;
	case A_PANE_ZOOM:
		if (s->layout && p)
			layout_zoom(s->layout, layout_zoomed(s->layout) ? 0 : p->id, NULL);
		a->epoch++;
		break;
	case A_RESIZE_LEFT: case A_RESIZE_RIGHT: case A_RESIZE_UP: case A_RESIZE_DOWN: {
		layout_dir d = act == A_RESIZE_LEFT ? LAYOUT_LEFT : act == A_RESIZE_RIGHT ? LAYOUT_RIGHT
			     : act == A_RESIZE_UP ? LAYOUT_UP : LAYOUT_DOWN;
		sbx_err e;
		if (p && s->layout && layout_resize(s->layout, p->id, d, 2, &e) < 0)
			app_info(a, "%s", e.msg);
		a->epoch++;
		break;
	}
	case A_NEW_NOTEBOOK: open_kind(a, PANE_NOTEBOOK, split_vertical(a)); break;
	case A_NEW_TERMINAL: open_kind(a, PANE_TERMINAL, split_vertical(a)); break;
	case A_OPEN_FILES: open_kind(a, PANE_FILES, split_vertical(a)); break;
	case A_OPEN_CONSOLE: open_kind(a, PANE_CONSOLE, split_vertical(a)); break;
	case A_OPEN_AI: open_kind(a, PANE_AI, split_vertical(a)); break;
	case A_OPEN_PORTS: open_kind(a, PANE_PORTS, split_vertical(a)); break;
	case A_SB_SNAPSHOT:
	case A_SB_FORK:   /* a tab's sandbox: the sandboxes pane runs it (and its progress) */
		for (size_t i = 0; need_session(a) && i < a->home.npanes; i++)
			if (a->home.panes[i]->ops->kind == PANE_SANDBOXES) {
				pane_sandboxes_act_on(a->home.panes[i], act, s->id);
				break;
			}
		break;
	case A_SHOW_SANDBOXES: app_switch_tab(a, 0); break;
	case A_OPEN_NOTEBOOK:
		if (need_session(a))
			app_prompt(a, NULL, "Open a notebook (.ipynb path on this machine)", "", on_open_notebook, NULL);
		break;
	case A_TAB_NEXT: app_switch_tab(a, (a->tab + 1) % (a->nsessions + 1)); break;
	case A_TAB_PREV: app_switch_tab(a, (a->tab + a->nsessions) % (a->nsessions + 1)); break;
	case A_THEME_NEXT: next_theme(a); break;
	default:
		if (p)
			app_info(a, "%s: not available in this pane", ui_action_info(act)->name);
		break;
	}
	app_dirty(a);
}

/* --- start-up -------------------------------------------------------------- */

void app_set_theme(app *a, const char *name)
{
	sbx_err e;
	char *path = NULL;
	int colors = has_colors() ? COLORS : 0;
	theme t;
	if (theme_find(name, (const char *const *)a->theme_dirs, a->nthemedirs, &path, &e) < 0 ||
	    theme_load_file(&t, path, colors, &e) < 0) {
		app_error(a, "theme %s: %s", name, e.msg);
		free(path);
		return;
	}
	free(path);
	a->theme = t;
	a->epoch++;
	if (a->curses_on) {
		attr_t at;
		int pair;
		draw_attr(a->theme.el[TH_NORMAL], &at, &pair);
		cchar_t bg;
		wchar_t sp[2] = { L' ', 0 };
		setcchar(&bg, sp, at, 0, &pair);
		if (a->frame)
			wbkgrndset(a->frame, &bg);
		clearok(curscr, TRUE);
	}
	app_dirty(a);
}

static char *read_conf_value(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char line[512], *val = NULL;
	size_t kl = strlen(key);
	while (!val && fgets(line, sizeof line, f)) {
		char *p = line + strspn(line, " \t");
		if (strncmp(p, key, kl) || !strchr(" \t=", p[kl]))
			continue;
		p += kl;
		p += strspn(p, " \t=");
		p[strcspn(p, "\r\n#")] = '\0';
		size_t n = strlen(p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			p[--n] = '\0';
		if (n)
			val = xstrdup(p);
	}
	fclose(f);
	return val;
}

static int64_t on_tick(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	app *a = ud;
	a->tick++;
	if (a->nprog || (a->msg[0] && now_ms() > a->msg_until))
		app_dirty(a);
	if (a->msg[0] && now_ms() > a->msg_until)
		a->msg[0] = '\0';
	return 250;
}

static void on_signal_pipe(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)events;
	app *a = ud;
	char buf[64];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (memchr(buf, 'q', (size_t)n))
			a->quit = 1;
	if (a->quit) {
		loop_stop(a->loop);
		return;
	}
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		resize_term(ws.ws_row, ws.ws_col);
		if (ws.ws_xpixel && ws.ws_ypixel) {
			a->gfx.cell_w = ws.ws_xpixel / ws.ws_col;
			a->gfx.cell_h = ws.ws_ypixel / ws.ws_row;
		}
	}
	clearok(curscr, TRUE);
	a->epoch++;
	app_dirty(a);
}

static void on_attach_connect(const sbx_info *info, const sbx_err *e, void *ud)
{
	app *a = ud;
	if (e)
		app_error(a, "cannot attach %s: %s", a->o.attach, e->msg);
	else
		app_attach(a, info);
}

static void on_attach_list(const sbx_info *items, size_t n, const char *next, const sbx_err *e, void *ud)
{
	(void)next;
	app *a = ud;
	sbx_err e2;
	if (e) {
		app_error(a, "cannot attach %s: %s", a->o.attach, e->msg);
		return;
	}
	const char **ids = xcalloc(n + 1, sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = items[i].id;
	int at = sbx_id_resolve(a->o.attach, ids, n, &e2);
	if (at < 0 || sbx_api_connect(a->client, ids[at], 0, on_attach_connect, a, NULL, &e2) < 0)
		app_error(a, "cannot attach: %s", e2.msg);
	free(ids);
}

/* The control plane answers (or a remote one is configured): what waited
 * for it — the autosave notice and --attach. */
static void control_plane_ready(app *a, int started)
{
	nb_autosave_entry *saved;
	size_t nsaved = 0;
	if (nb_autosave_list(a->state_dir, &saved, &nsaved, NULL) == 0 && nsaved) {
		app_info(a, "%zu unsaved notebook%s from an earlier run: attach a sandbox (Enter) to get %s back", nsaved,
			 nsaved > 1 ? "s" : "", nsaved > 1 ? "them" : "it");
		nb_autosave_list_free(saved, nsaved);
	} else if (started) {
		app_info(a, "started sbxd (%s; log in %s/sbxd.log)", sbx_client_config(a->client)->api_url,
			 sbx_client_config(a->client)->state_dir);
	} else {
		a->msg[0] = '\0';  /* "connecting…" is over */
		app_dirty(a);
	}
	if (a->o.attach) {
		sbx_err e;
		if (sbx_api_list_all(a->client, NULL, on_attach_list, a, NULL, &e) < 0)
			app_error(a, "cannot attach %s: %s", a->o.attach, e.msg);
	}
}

static void on_daemon(const sbx_err *e, int started, void *ud)
{
	app *a = ud;
	a->starter = NULL;
	if (e)
		app_error(a, "%s", e->msg);
	else
		control_plane_ready(a, started);
}

static void curses_start(app *a)
{
	initscr();
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	wnoutrefresh(stdscr);  /* stdscr stays untouched: wget_wch never repaints it */
	a->frame = newwin(0, 0, 0, 0);
	leaveok(a->frame, TRUE);
	a->curses_on = 1;
	getmaxyx(stdscr, a->rows, a->cols);
	app_input_init(a);
}

static void curses_stop(app *a)
{
	if (!a->curses_on)
		return;
	/* mouse, bracketed paste and modifyOtherKeys off again */
	const char *off = "\033[?2004l\033[>4m\033[0 q";
	app_tty_write(a, off, strlen(off));
	if (a->dlgwin)
		delwin(a->dlgwin);
	delwin(a->frame);
	endwin();
	a->curses_on = 0;
}

static void load_config(app *a)
{
	char *conf_dir = sbx_config_dir();
	a->config_dir = conf_dir;
	a->state_dir = sbx_state_dir();
	a->theme_dirs[a->nthemedirs++] = xasprintf("%s/themes", conf_dir);
	char *installed = self_find("../share/sbx/themes", 1);
	a->theme_dirs[a->nthemedirs++] = installed ? installed : xstrdup(SBX_SOURCE_DIR "/themes");
	sbx_err e;
	char *keys = xasprintf("%s/keys.conf", conf_dir);
	if (access(keys, R_OK) == 0 && keytable_load_file(a->keys, keys, &e) < 0)
		app_error(a, "%s (fix the file or move it away)", e.msg);
	free(keys);
}

int app_main(const app_opts *o)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "sbx: the workbench needs a terminal (run a command instead: sbx help)\n");
		return 2;
	}
	setlocale(LC_ALL, "");
	app a_storage, *a = &a_storage;
	memset(a, 0, sizeof *a);
	a->o = *o;
	buf_init(&a->paste);
	snprintf(a->tag, sizeof a->tag, "%ld-%lld", (long)getpid(), (long long)time(NULL));

	sbx_err e;
	sbx_config cfg;
	if (sbx_config_load(&cfg, &e) < 0) {
		fprintf(stderr, "sbx: %s\n", e.msg);
		return 1;
	}
	a->loop = loop_new();
	a->client = sbx_client_new(a->loop, &cfg);
	sbx_config_free(&cfg);
	a->keys = keytable_new();
	a->imgcache = imgcache_new(64u << 20);
	load_config(a);

	tprobe probe;
	term_probe(STDIN_FILENO, STDOUT_FILENO, 400, &probe);
	a->gfx.sixel = probe.sixel && !o->no_sixel;
	a->gfx.cell_w = probe.cell_w;
	a->gfx.cell_h = probe.cell_h;
	a->gfx.sixel_registers = probe.registers ? probe.registers : 256;
	if (a->gfx.sixel && (!a->gfx.cell_w || !a->gfx.cell_h)) {
		/* a sixel terminal that keeps its cell size secret: xterm's default font */
		a->gfx.cell_w = 6;
		a->gfx.cell_h = 13;
	}

	if (pipe2(a->signal_fd, O_CLOEXEC | O_NONBLOCK) == 0) {
		signal_write_fd = a->signal_fd[1];
		struct sigaction sa = { .sa_handler = on_signal };
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(SIGWINCH, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		loop_add_fd(a->loop, a->signal_fd[0], LOOP_READ, on_signal_pipe, a);
	}
	signal(SIGPIPE, SIG_IGN);
	curses_start(a);
	a->gfx.colors = colour_bucket(has_colors() ? COLORS : 0);

	char *conf = xasprintf("%s/workbench.conf", a->config_dir);
	char *tname = o->theme ? xstrdup(o->theme) : read_conf_value(conf, "theme");
	free(conf);
	theme_builtin(&a->theme, has_colors() ? COLORS : 0);
	app_set_theme(a, tname ? tname : "default");
	free(tname);

	app_add_pane(a, NULL, pane_sandboxes_new(a), 0);
	if (sbx_client_config(a->client)->local) {
		if (sbx_daemon_ensure(a->client, o->exe, DAEMON_TIMEOUT_MS, on_daemon, a, &a->starter, &e) < 0)
			app_error(a, "%s", e.msg);
		else
			app_info(a, "connecting to sbxd…");
	} else {
		control_plane_ready(a, 0);
	}
	loop_add_fd(a->loop, STDIN_FILENO, LOOP_READ, app_on_stdin, a);
	loop_add_prepare(a->loop, prepare, a);
	a->tick_timer = loop_add_timer(a->loop, 250, on_tick, a);
	app_dirty(a);
	loop_run(a->loop);

	/* teardown: no more input or frames; notebooks autosave in their free */
	loop_del_prepare(a->loop, prepare, a);
	loop_del_fd(a->loop, STDIN_FILENO);
	dialog_free_all(a);
	while (a->nsessions)
		app_detach(a, a->sessions[0]);
	free_doomed(a);
	session_free(a, &a->home);
	free(a->sessions);
	free(a->doomed);
	free(a->doomed_sessions);
	if (a->starter)
		sbx_starter_cancel(a->starter);
	curses_stop(a);
	/* the panes' last words (a terminal's kill for its shell) go out */
	int64_t flush_end = now_ms() + 2000;
	while (sbx_client_busy(a->client) && now_ms() < flush_end)
		loop_once(a->loop, 50);
	loop_del_timer(a->loop, a->tick_timer);
	if (a->signal_fd[0] > 0) {
		signal(SIGWINCH, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal_write_fd = -1;
		loop_del_fd(a->loop, a->signal_fd[0]);
		close(a->signal_fd[0]);
		close(a->signal_fd[1]);
	}
	sbx_client_free(a->client);
	loop_free(a->loop);
	keytable_free(a->keys);
	imgcache_free(a->imgcache);
	for (size_t i = 0; i < a->nthemedirs; i++)
		free(a->theme_dirs[i]);
	for (size_t i = 0; i < a->nlog; i++)
		free(a->log[i]);
	free(a->log);
	for (size_t i = 0; i < a->nprog; i++)
		free(a->prog[i].label);
	free(a->prog);
	buf_free(&a->paste);
	free(a->config_dir);
	free(a->state_dir);
	return 0;
}
