/*
 * pane_files: a sandbox's files as a tree (model/filetree.h).  Each open
 * directory is listed with sbx_fs_list (depth 1) and watched with
 * sbx_fs_watch (not recursive); events re-list their directory after a
 * short debounce.  Enter opens a directory in place or views a text file
 * (at most 1 MiB, no NUL bytes) in a viewer pane; mkdir, rename, delete,
 * go to a path, dot files, refresh; upload and download are in
 * files_transfer.c.  Errors say what failed and what to do.
 */
#include "files_priv.h"
#include "draw.h"
#include "model/utf8.h"
#include "../src/util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VIEW_MAX (1024 * 1024)
#define DEBOUNCE_MS 150
#define DOUBLE_CLICK_MS 400

sbx_client *files_client(fpane *fp) { return app_client(fp->p.app); }
const sbx_sandbox *files_sb(fpane *fp) { return &fp->p.session->sb; }

/* --- calls in flight -------------------------------------------------------- */

fcall *fcall_new(fpane *fp, const char *path, const char *path2)
{
	fcall *c = xcalloc(1, sizeof *c);
	c->fp = fp;
	c->path = path ? xstrdup(path) : NULL;
	c->path2 = path2 ? xstrdup(path2) : NULL;
	c->fd = -1;
	LIST_INSERT_HEAD(&fp->calls, c, link);
	return c;
}

void fcall_done(fcall *c)
{
	LIST_REMOVE(c, link);
	if (c->fd >= 0)
		close(c->fd);
	free(c->path);
	free(c->path2);
	free(c);
}

/* --- watches ---------------------------------------------------------------- */

static int64_t on_debounce(sbx_loop *l, int64_t id, void *ud)
{
	(void)l;
	(void)id;
	fpane *fp = ud;
	fp->debounce = 0;
	char **dirs = fp->pending;
	size_t n = fp->npending;
	fp->pending = NULL;
	fp->npending = 0;
	for (size_t i = 0; i < n; i++) {
		files_list(fp, dirs[i]);
		free(dirs[i]);
	}
	free(dirs);
	return -1;
}

static void queue_list(fpane *fp, const char *dir)
{
	for (size_t i = 0; i < fp->npending; i++)
		if (!strcmp(fp->pending[i], dir))
			return;
	fp->pending = xrealloc(fp->pending, (fp->npending + 1) * sizeof *fp->pending);
	fp->pending[fp->npending++] = xstrdup(dir);
	if (!fp->debounce)
		fp->debounce = loop_add_timer(app_loop(fp->p.app), DEBOUNCE_MS, on_debounce, fp);
}

static void on_watch_event(const char *name, int type, const sbx_entry *en, void *ud)
{
	(void)en;
	fwatch *w = ud;
	if (filetree_event(w->fp->t, w->dir, name, type))
		queue_list(w->fp, w->dir);
	app_dirty(w->fp->p.app);
}

static void on_watch_done(const sbx_err *e, void *ud)
{
	fwatch *w = ud;
	w->op = NULL;   /* ended (the directory went, or the sandbox paused) */
	(void)e;
}

static void watch_free(fwatch *w)
{
	if (w->op)
		sbx_op_cancel(w->op);
	free(w->dir);
	free(w);
}

/* Watches exactly the open directories.  retry: re-arm ended watches. */
static void sync_watches(fpane *fp, int retry)
{
	if (fp->gone || fp->p.session->state != SESSION_RUNNING)
		return;
	const char **dirs;
	size_t n = filetree_open_dirs(fp->t, &dirs);
	for (fwatch **pw = &fp->watches; *pw;) {
		fwatch *w = *pw;
		int keep = !retry || w->op;
		size_t i;
		for (i = 0; i < n && strcmp(dirs[i], w->dir); i++)
			;
		if (i == n || !keep) {
			*pw = w->next;
			watch_free(w);
		} else {
			pw = &w->next;
		}
	}
	for (size_t i = 0; i < n; i++) {
		fwatch *w;
		for (w = fp->watches; w && strcmp(w->dir, dirs[i]); w = w->next)
			;
		if (w)
			continue;
		w = xcalloc(1, sizeof *w);
		w->fp = fp;
		w->dir = xstrdup(dirs[i]);
		sbx_watch_handler h = { .on_event = on_watch_event, .on_done = on_watch_done, .ud = w };
		sbx_err e;
		if (sbx_fs_watch(files_client(fp), files_sb(fp), w->dir, 0, 0, 0, &h, &w->op, &e) < 0)
			w->op = NULL;
		w->next = fp->watches;
		fp->watches = w;
	}
	free(dirs);
}

/* --- listings --------------------------------------------------------------- */

static void on_listed(const sbx_entry *en, size_t n, const sbx_err *e, void *ud)
{
	fcall *c = ud;
	fpane *fp = c->fp;
	if (e) {
		filetree_listing_failed(fp->t, c->path);
		if (!strcmp(c->path, fp->t->root->path))
			app_error(fp->p.app, "cannot list %s: %s (press g to go to another path)", c->path, e->msg);
		else
			app_error(fp->p.app, "cannot open %s: %s", c->path, e->msg);
	} else {
		filetree_set_listing(fp->t, c->path, en, n);
	}
	if (fp->reselect && filetree_select(fp->t, fp->reselect)) {
		free(fp->reselect);
		fp->reselect = NULL;
	}
	fcall_done(c);
	sync_watches(fp, 0);
	app_dirty(fp->p.app);
}

void files_list(fpane *fp, const char *dir)
{
	if (fp->gone)
		return;
	fcall *c = fcall_new(fp, dir, NULL);
	sbx_err e;
	if (sbx_fs_list(files_client(fp), files_sb(fp), dir, 1, on_listed, c, &c->op, &e) < 0) {
		app_error(fp->p.app, "cannot list %s: %s", dir, e.msg);
		filetree_listing_failed(fp->t, dir);
		fcall_done(c);
	}
}

static void refresh_all(fpane *fp)
{
	const char **dirs;
	size_t n = filetree_open_dirs(fp->t, &dirs);
	char **copy = xcalloc(n + 1, sizeof *copy);
	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(dirs[i]);
	free(dirs);
	for (size_t i = 0; i < n; i++) {
		files_list(fp, copy[i]);
		free(copy[i]);
	}
	free(copy);
	sync_watches(fp, 1);
}

static void go_to_dir(fpane *fp, const char *dir, const char *select)
{
	filetree_set_root(fp->t, dir);
	fp->top = 0;
	free(fp->reselect);
	fp->reselect = select ? xstrdup(select) : NULL;
	sync_watches(fp, 0);
	files_list(fp, fp->t->root->path);
	app_dirty(fp->p.app);
}

/* --- viewing a file --------------------------------------------------------- */

/* NUL bytes, or many bytes that are neither UTF-8 text nor usual
 * whitespace (more than 1 in 10): not something to read as text. */
static int looks_binary(const char *s, size_t n)
{
	if (memchr(s, '\0', n))
		return 1;
	size_t bad = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode(s + i, n - i, &cp);
		if ((cp == UTF8_REPLACEMENT && k == 1) || (cp < 0x20 && !strchr("\t\n\r\f\033", (int)cp)))
			bad++;
		i += k;
	}
	return bad * 10 > n;
}

static void on_read(const sbx_err *e, void *ud)
{
	fcall *c = ud;
	fpane *fp = c->fp;
	app *a = fp->p.app;
	struct stat st;
	if (e) {
		app_error(a, "cannot read %s: %s", c->path, e->msg);
	} else if (fstat(c->fd, &st) < 0 || st.st_size > VIEW_MAX) {
		app_error(a, "%s is too big to view here (1 MiB at most); press d to download it", c->path);
	} else {
		size_t len = (size_t)st.st_size, got = 0;
		char *text = xmalloc(len + 1);
		while (got < len) {
			ssize_t r = pread(c->fd, text + got, len - got, (off_t)got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (looks_binary(text, got))
			app_error(a, "%s looks binary (not text); press d to download it instead", c->path);
		else
			app_add_pane(a, fp->p.session, pane_viewer_new(a, fp->p.session, c->path, text, got), 0);
		free(text);
	}
	fcall_done(c);
}

static void view_file(fpane *fp, ft_node *n)
{
	app *a = fp->p.app;
	if (n->size > VIEW_MAX) {
		char sz[16];
		fmt_size(n->size, sz, sizeof sz);
		app_error(a, "%s is %s: too big to view here (1 MiB at most); press d to download it", n->path, sz);
		return;
	}
	char tmpl[] = "/tmp/sbx-view-XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0) {
		app_error(a, "cannot make a temporary file in /tmp to read %s: %s", n->path, strerror(errno));
		return;
	}
	unlink(tmpl);   /* only the fd is needed */
	fcall *c = fcall_new(fp, n->path, NULL);
	c->fd = fd;
	sbx_err e;
	if (sbx_files_read(files_client(fp), files_sb(fp), n->path, fd, NULL, on_read, c, &c->op, &e) < 0) {
		app_error(a, "cannot read %s: %s", n->path, e.msg);
		fcall_done(c);
	}
}

/* --- mkdir, rename, delete, goto -------------------------------------------- */

static char *resolve(fpane *fp, const char *text, const char *base)
{
	(void)fp;
	while (*text == ' ')
		text++;
	return text[0] == '/' ? xstrdup(text) : ft_join(base, text);
}

static void relist_parent(fpane *fp, const char *path)
{
	char *d = ft_dirname(path);
	if (filetree_find(fp->t, d))
		files_list(fp, d);
	free(d);
}

static void on_made(const sbx_entry *en, const sbx_err *e, void *ud)
{
	(void)en;
	fcall *c = ud;
	fpane *fp = c->fp;
	if (e) {
		app_error(fp->p.app, "cannot make directory %s: %s", c->path, e->msg);
	} else {
		free(fp->reselect);
		fp->reselect = xstrdup(c->path);
		/* Open the directory it went into, so the new one shows. */
		char *d = ft_dirname(c->path);
		ft_node *pn = filetree_find(fp->t, d);
		if (pn && pn != fp->t->root && !pn->expanded)
			filetree_toggle(fp->t, pn);
		if (pn) {
			files_list(fp, d);
			sync_watches(fp, 0);
		}
		free(d);
	}
	fcall_done(c);
}

static void on_mkdir(app *a, const char *text, void *ud)
{
	fpane *fp = ud;
	if (!text || !*text)
		return;
	char *path = resolve(fp, text, filetree_target_dir(fp->t));
	fcall *c = fcall_new(fp, path, NULL);
	sbx_err e;
	if (sbx_fs_mkdir(files_client(fp), files_sb(fp), path, on_made, c, &c->op, &e) < 0) {
		app_error(a, "cannot make directory %s: %s", path, e.msg);
		fcall_done(c);
	}
	free(path);
}

static void on_moved(const sbx_entry *en, const sbx_err *e, void *ud)
{
	(void)en;
	fcall *c = ud;
	fpane *fp = c->fp;
	if (e) {
		app_error(fp->p.app, "cannot rename %s to %s: %s", c->path, c->path2, e->msg);
	} else {
		free(fp->reselect);
		fp->reselect = xstrdup(c->path2);
		relist_parent(fp, c->path);
		char *d1 = ft_dirname(c->path), *d2 = ft_dirname(c->path2);
		if (strcmp(d1, d2))
			relist_parent(fp, c->path2);
		free(d1);
		free(d2);
	}
	fcall_done(c);
}

static void on_rename(app *a, const char *text, void *ud)
{
	fpane *fp = ud;
	ft_node *n = filetree_cursor(fp->t);
	if (!text || !*text || !n)
		return;
	char *d = ft_dirname(n->path), *to = resolve(fp, text, d);
	free(d);
	if (strcmp(to, n->path)) {
		fcall *c = fcall_new(fp, n->path, to);
		sbx_err e;
		if (sbx_fs_move(files_client(fp), files_sb(fp), n->path, to, on_moved, c, &c->op, &e) < 0) {
			app_error(a, "cannot rename %s: %s", n->path, e.msg);
			fcall_done(c);
		}
	}
	free(to);
}

static void on_removed(const sbx_err *e, void *ud)
{
	fcall *c = ud;
	fpane *fp = c->fp;
	if (e) {
		app_error(fp->p.app, "cannot delete %s: %s", c->path, e->msg);
	} else {
		app_info(fp->p.app, "deleted %s", c->path);
		relist_parent(fp, c->path);
	}
	fcall_done(c);
}

/* The confirm's ud: the path asked about (the cursor may move meanwhile). */
static void on_delete_confirm(app *a, int ok, void *ud)
{
	fcall *c = ud;
	if (!ok) {
		fcall_done(c);
		return;
	}
	sbx_err e;
	if (sbx_fs_remove(files_client(c->fp), files_sb(c->fp), c->path, on_removed, c, &c->op, &e) < 0) {
		app_error(a, "cannot delete %s: %s", c->path, e.msg);
		fcall_done(c);
	}
}

static void on_stat_goto(const sbx_entry *en, const sbx_err *e, void *ud)
{
	fcall *c = ud;
	fpane *fp = c->fp;
	if (e) {
		app_error(fp->p.app, "cannot go to %s: %s", c->path, e->msg);
	} else if (en->type == SBX_FILE_DIR) {
		go_to_dir(fp, c->path, NULL);
	} else {
		char *d = ft_dirname(c->path);
		go_to_dir(fp, d, c->path);
		free(d);
	}
	fcall_done(c);
}

static void on_goto(app *a, const char *text, void *ud)
{
	fpane *fp = ud;
	if (!text || !*text)
		return;
	char *path = resolve(fp, text, fp->t->root->path);
	fcall *c = fcall_new(fp, path, NULL);
	sbx_err e;
	if (sbx_fs_stat(files_client(fp), files_sb(fp), path, on_stat_goto, c, &c->op, &e) < 0) {
		app_error(a, "cannot go to %s: %s", path, e.msg);
		fcall_done(c);
	}
	free(path);
}

/* --- actions ---------------------------------------------------------------- */

static void open_node(fpane *fp, ft_node *n)
{
	if (!n)
		return;
	if (ft_is_dir(n)) {
		if (filetree_toggle(fp->t, n) == 1)
			files_list(fp, n->path);
		sync_watches(fp, 0);
	} else {
		view_file(fp, n);
	}
}

static void parent(fpane *fp)
{
	ft_node *n = filetree_cursor(fp->t);
	if (n && n->parent && n->parent != fp->t->root) {
		filetree_select(fp->t, n->parent->path);
		return;
	}
	if (!strcmp(fp->t->root->path, "/")) {
		app_info(fp->p.app, "already at /");
		return;
	}
	char *old = xstrdup(fp->t->root->path), *up = ft_dirname(old);
	go_to_dir(fp, up, old);
	free(old);
	free(up);
}

static int busy_or_gone(fpane *fp)
{
	if (fp->gone || fp->p.session->state == SESSION_GONE) {
		app_error(fp->p.app, "the sandbox is gone: its files cannot be reached any more");
		return 1;
	}
	if (fp->p.session->state == SESSION_PAUSED) {
		app_error(fp->p.app, "the sandbox is paused: resume it in the sandboxes pane (r) first");
		return 1;
	}
	return 0;
}

static int action_op(pane *p, ui_action act)
{
	fpane *fp = (fpane *)p;
	filetree *t = fp->t;
	long page = p->rows > 2 ? p->rows - 2 : 1;
	ft_node *n = filetree_cursor(t);
	char q[4200];
	switch (act) {
	case A_LIST_UP: filetree_move(t, -1); break;
	case A_LIST_DOWN: filetree_move(t, 1); break;
	case A_LIST_TOP: filetree_set_cursor(t, 0); break;
	case A_LIST_BOTTOM: filetree_set_cursor(t, t->nrows ? t->nrows - 1 : 0); break;
	case A_LIST_PAGE_UP: filetree_move(t, -page); break;
	case A_LIST_PAGE_DOWN: filetree_move(t, page); break;
	case A_FILES_HIDDEN:
		filetree_set_hidden(t, !t->show_hidden);
		app_info(p->app, "dot files %s", t->show_hidden ? "shown" : "hidden");
		break;
	case A_FILES_OPEN:
		if (!busy_or_gone(fp))
			open_node(fp, n);
		break;
	case A_FILES_PARENT:
		if (!busy_or_gone(fp))
			parent(fp);
		break;
	case A_FILES_REFRESH:
		if (!busy_or_gone(fp))
			refresh_all(fp);
		break;
	case A_FILES_GOTO:
		if (!busy_or_gone(fp))
			app_prompt(p->app, p, "Go to path", t->root->path, on_goto, fp);
		break;
	case A_FILES_MKDIR:
		if (!busy_or_gone(fp)) {
			snprintf(q, sizeof q, "New directory in %s", filetree_target_dir(t));
			app_prompt(p->app, p, q, "", on_mkdir, fp);
		}
		break;
	case A_FILES_RENAME:
		if (!n)
			app_info(p->app, "nothing selected to rename");
		else if (!busy_or_gone(fp))
			app_prompt(p->app, p, "Rename or move to", n->path, on_rename, fp);
		break;
	case A_FILES_DELETE:
		if (!n) {
			app_info(p->app, "nothing selected to delete");
		} else if (!busy_or_gone(fp)) {
			snprintf(q, sizeof q, ft_is_dir(n) ? "Delete %s (and everything in it)?" : "Delete %s?", n->path);
			app_confirm(p->app, p, q, on_delete_confirm, fcall_new(fp, n->path, NULL));
		}
		break;
	case A_FILES_UPLOAD:
		if (!busy_or_gone(fp))
			files_upload(fp);
		break;
	case A_FILES_DOWNLOAD:
		if (!n)
			app_info(p->app, "nothing selected to download");
		else if (!busy_or_gone(fp))
			files_download(fp);
		break;
	default: return 0;
	}
	app_dirty(p->app);
	return 1;
}

/* --- drawing ---------------------------------------------------------------- */

enum { W_SIZE = 7, W_PERM = 10, W_OWNER = 8, W_TIME = 16 };

static void fmt_time(int64_t ms, char *out, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	if (!ms || !localtime_r(&s, &tm))
		snprintf(out, n, "-");
	else
		strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

static void draw_op(pane *p, WINDOW *w, int focused)
{
	fpane *fp = (fpane *)p;
	app *a = p->app;
	filetree *t = fp->t;
	ui_attr meta = app_th(a, TH_FILES_META), sel = app_th(a, TH_SELECTION);
	ui_attr head = app_th(a, TH_TITLE);
	draw_text(w, 0, 0, -1, t->root->path, head);
	if (t->root->loading && !t->nrows) {
		draw_text(w, 1, 2, -1, "listing…", meta);
		return;
	}
	if (!t->nrows) {
		draw_text(w, 1, 2, -1, t->root->listed ? "(empty)" : "(cannot list: press g to go elsewhere)", meta);
		return;
	}
	/* Which columns fit (names keep at least 16 columns). */
	int cols = p->cols, show_size = 0, show_time = 0, show_perm = 0, show_owner = 0, left = cols - 16;
	if (left >= W_SIZE + 1)
		show_size = 1, left -= W_SIZE + 1;
	if (left >= W_TIME + 1)
		show_time = 1, left -= W_TIME + 1;
	if (left >= W_PERM + 1)
		show_perm = 1, left -= W_PERM + 1;
	if (left >= W_OWNER + 1)
		show_owner = 1, left -= W_OWNER + 1;
	int name_w = cols - (show_size ? W_SIZE + 1 : 0) - (show_time ? W_TIME + 1 : 0) -
		     (show_perm ? W_PERM + 1 : 0) - (show_owner ? W_OWNER + 1 : 0);
	int vis = p->rows - 1;
	if (vis < 1)
		return;
	if (t->cursor < fp->top)
		fp->top = t->cursor;
	if (t->cursor >= fp->top + (size_t)vis)
		fp->top = t->cursor - (size_t)vis + 1;
	if (fp->top + (size_t)vis > t->nrows)
		fp->top = t->nrows > (size_t)vis ? t->nrows - (size_t)vis : 0;
	for (int y = 0; y < vis && fp->top + (size_t)y < t->nrows; y++) {
		size_t i = fp->top + (size_t)y;
		ft_row *r = &t->rows[i];
		ft_node *n = r->node;
		int is_sel = i == t->cursor;
		ui_attr na = app_th(a, ft_is_dir(n) ? TH_FILES_DIR
				       : n->link ? TH_FILES_LINK
				       : (n->mode & 0111) ? TH_FILES_EXEC : TH_FILES_FILE);
		if (ft_is_dir(n) && n->link)
			na = app_th(a, TH_FILES_LINK);
		ui_attr ma = meta;
		if (is_sel) {
			ui_attr s = focused ? sel : meta;
			if (!focused)
				s.flags |= UI_REVERSE;
			draw_fill(w, y + 1, 0, cols, 1, s);
			na = ma = s;
		}
		char name[4200];
		const char *mark = !ft_is_dir(n) ? "  " : n->loading ? "… " : n->expanded ? "▼ " : "► ";
		snprintf(name, sizeof name, "%*s%s%s%s%s", r->depth * 2, "", mark, n->name, n->link ? " -> " : "",
			 n->link ? n->link : "");
		draw_text(w, y + 1, 0, name_w - 1, name, na);
		int x = name_w;
		char buf[64];
		if (show_size) {
			if (ft_is_dir(n))
				snprintf(buf, sizeof buf, "-");
			else
				fmt_size(n->size, buf, sizeof buf);
			char padded[80];
			snprintf(padded, sizeof padded, "%*s", W_SIZE, buf);
			draw_text(w, y + 1, x, W_SIZE, padded, ma);
			x += W_SIZE + 1;
		}
		if (show_perm) {
			draw_text(w, y + 1, x, W_PERM, n->permissions, ma);
			x += W_PERM + 1;
		}
		if (show_owner) {
			draw_text(w, y + 1, x, W_OWNER, n->owner, ma);
			x += W_OWNER + 1;
		}
		if (show_time) {
			fmt_time(n->mtime_ms, buf, sizeof buf);
			draw_text(w, y + 1, x, W_TIME, buf, ma);
		}
	}
}

static int mouse_op(pane *p, const ui_mouse *m)
{
	fpane *fp = (fpane *)p;
	if (m->button == MOUSE_WHEEL_UP || m->button == MOUSE_WHEEL_DOWN) {
		filetree_move(fp->t, m->button == MOUSE_WHEEL_UP ? -3 : 3);
		app_dirty(p->app);
		return 1;
	}
	if (m->button != MOUSE_LEFT || !m->pressed || m->motion)
		return 0;
	size_t i = fp->top + (size_t)(m->y - 1);
	if (m->y < 1 || i >= fp->t->nrows)
		return 1;
	int64_t now = app_now_ms(p->app);
	int dbl = i == fp->last_click_row && now - fp->last_click_ms < DOUBLE_CLICK_MS;
	ft_row *r = &fp->t->rows[i];
	int on_marker = ft_is_dir(r->node) && m->x >= r->depth * 2 && m->x < r->depth * 2 + 2;
	filetree_set_cursor(fp->t, i);
	fp->last_click_ms = dbl ? 0 : now;
	fp->last_click_row = i;
	if ((dbl || on_marker) && !busy_or_gone(fp))
		open_node(fp, r->node);
	app_dirty(p->app);
	return 1;
}

/* --- the rest --------------------------------------------------------------- */

static void title_op(pane *p, char *out, size_t n)
{
	fpane *fp = (fpane *)p;
	snprintf(out, n, "files %s", fp->t->root->path);
}

static keymode mode_op(pane *p)
{
	(void)p;
	return KM_FILES;
}

static void status_op(pane *p, sbx_buf *out)
{
	fpane *fp = (fpane *)p;
	size_t items = 0;
	for (size_t i = 0; i < fp->t->root->nkids; i++)
		items += fp->t->show_hidden || fp->t->root->kids[i]->name[0] != '.';
	/* the directory listed (the selected row is highlighted in it) */
	buf_printf(out, "%s  %zu item%s", fp->t->root->path, items, items == 1 ? "" : "s");
}

static void sandbox_state_op(pane *p)
{
	fpane *fp = (fpane *)p;
	session_state st = p->session->state;
	if (st == SESSION_GONE) {
		fp->gone = 1;
		for (fwatch *w = fp->watches; w; w = w->next)
			if (w->op) {
				sbx_op_cancel(w->op);
				w->op = NULL;
			}
	} else if (st == SESSION_RUNNING) {
		refresh_all(fp);   /* watches ended while it was paused */
	}
	app_dirty(p->app);
}

static void free_op(pane *p)
{
	fpane *fp = (fpane *)p;
	if (fp->debounce)
		loop_del_timer(app_loop(p->app), fp->debounce);
	for (size_t i = 0; i < fp->npending; i++)
		free(fp->pending[i]);
	free(fp->pending);
	while (fp->watches) {
		fwatch *w = fp->watches;
		fp->watches = w->next;
		watch_free(w);
	}
	fcall *c;
	while ((c = LIST_FIRST(&fp->calls))) {
		if (c->op)
			sbx_op_cancel(c->op);
		fcall_done(c);
	}
	files_xfers_free(fp);
	filetree_free(fp->t);
	free(fp->reselect);
	free(fp);
}

static const pane_ops files_ops = {
	.kind = PANE_FILES, .title = title_op, .mode = mode_op, .draw = draw_op, .action = action_op,
	.mouse = mouse_op, .status = status_op, .sandbox_state = sandbox_state_op, .free = free_op,
};

pane *pane_files_new(app *a, session *s, const char *dir, sbx_err *e)
{
	if (!s)
		return sbx_error(e, "the files pane needs a sandbox: attach one first"), NULL;
	fpane *fp = xcalloc(1, sizeof *fp);
	fp->p.ops = &files_ops;
	fp->p.app = a;
	fp->p.session = s;
	fp->t = filetree_new(dir && *dir ? dir : "/home/user");
	files_list(fp, fp->t->root->path);
	return &fp->p;
}
