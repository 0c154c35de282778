/*
 * files_transfer: upload a host file or directory into the selected
 * sandbox directory, and download the selected file or directory to the
 * host — recursively, one file at a time, with a progress entry counting
 * bytes done of the total.  A failure stops the transfer and says which
 * file failed and how far it got.
 */
#include "files_priv.h"
#include "draw.h"
#include "../src/util/dirat.h"
#include "../src/util/path.h"
#include "../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct xitem {
	char *src, *dst;
	int dir;
	int64_t size;
} xitem;

typedef struct xfer {
	fpane *fp;
	int upload;
	xitem *items;
	size_t n, cap, next;
	int64_t total, done, cur;
	int progress;
	int fd;
	int root;                     /* a directory download: its target, open */
	sbx_op *op;
	char *top_src, *top_dst;      /* for messages */
	size_t files_done;
	LIST_ENTRY(xfer) link;
} xfer;

static void add_item(xfer *x, char *src, char *dst, int dir, int64_t size)
{
	if (x->n == x->cap)
		x->items = xrealloc(x->items, (x->cap = x->cap ? x->cap * 2 : 16) * sizeof *x->items);
	x->items[x->n++] = (xitem){ src, dst, dir, size };
	if (!dir)
		x->total += size;
}

static xfer *xfer_new(fpane *fp, int upload, const char *src, const char *dst)
{
	xfer *x = xcalloc(1, sizeof *x);
	x->fp = fp;
	x->upload = upload;
	x->fd = -1;
	x->root = -1;
	x->progress = -1;
	x->top_src = xstrdup(src);
	x->top_dst = xstrdup(dst);
	LIST_INSERT_HEAD(&fp->xfers, x, link);
	return x;
}

static void xfer_free(xfer *x)
{
	fpane *fp = x->fp;
	if (x->op)
		sbx_op_cancel(x->op);
	if (x->fd >= 0)
		close(x->fd);
	if (x->root >= 0)
		close(x->root);
	if (x->progress >= 0)
		app_progress_end(fp->p.app, x->progress);
	LIST_REMOVE(x, link);
	for (size_t i = 0; i < x->n; i++) {
		free(x->items[i].src);
		free(x->items[i].dst);
	}
	free(x->items);
	free(x->top_src);
	free(x->top_dst);
	free(x);
}

void files_xfers_free(fpane *fp)
{
	while (!LIST_EMPTY(&fp->xfers))
		xfer_free(LIST_FIRST(&fp->xfers));
}

static void show_progress(xfer *x)
{
	char d[16], t[16], label[512];
	fmt_size(x->done + x->cur, d, sizeof d);
	fmt_size(x->total, t, sizeof t);
	snprintf(label, sizeof label, "%s %s: %s/%s", x->upload ? "upload" : "download", x->top_src, d, t);
	double frac = x->total > 0 ? (double)(x->done + x->cur) / (double)x->total : -1;
	app_progress_set(x->fp->p.app, x->progress, frac, label);
}

static void on_bytes(int64_t done, int64_t total, void *ud)
{
	(void)total;
	xfer *x = ud;
	x->cur = done;
	show_progress(x);
}

static void step(xfer *x);

static void fail(xfer *x, const char *what, const char *msg)
{
	size_t files = 0;
	for (size_t i = 0; i < x->n; i++)
		files += !x->items[i].dir;
	app_error(x->fp->p.app, "%s %s failed at %s: %s (%zu of %zu files were copied before it)",
		  x->upload ? "upload of" : "download of", x->top_src, what, msg, x->files_done, files);
	xfer_free(x);
}

static void finished(xfer *x)
{
	char t[16];
	fmt_size(x->total, t, sizeof t);
	app_info(x->fp->p.app, "%s %s → %s: %zu file%s, %s", x->upload ? "uploaded" : "downloaded", x->top_src,
		 x->top_dst, x->files_done, x->files_done == 1 ? "" : "s", t);
	if (x->upload) {
		char *d = ft_dirname(x->top_dst);
		if (filetree_find(x->fp->t, d))
			files_list(x->fp, d);
		free(d);
	}
	xfer_free(x);
}

static void on_item_done(const sbx_err *e, void *ud)
{
	xfer *x = ud;
	xitem *it = &x->items[x->next - 1];
	x->op = NULL;
	if (x->fd >= 0) {
		int rc = close(x->fd);
		x->fd = -1;
		if (!e && rc < 0 && !x->upload) {
			fail(x, it->dst, strerror(errno));
			return;
		}
	}
	if (e) {
		fail(x, it->src, e->msg);
		return;
	}
	x->done += it->size;
	x->cur = 0;
	x->files_done++;
	step(x);
}

static void on_dir_made(const sbx_entry *en, const sbx_err *e, void *ud)
{
	(void)en;
	xfer *x = ud;
	x->op = NULL;
	/* An existing directory is fine: the upload merges into it. */
	if (e && !strstr(e->msg, "already_exists")) {
		fail(x, x->items[x->next - 1].dst, e->msg);
		return;
	}
	step(x);
}

/* The next item; everything after a failure stops. */
static void step(xfer *x)
{
	if (x->next == x->n) {
		finished(x);
		return;
	}
	xitem *it = &x->items[x->next++];
	sbx_err e;
	show_progress(x);
	if (x->upload) {
		if (it->dir) {
			if (sbx_fs_mkdir(files_client(x->fp), files_sb(x->fp), it->dst, on_dir_made, x, &x->op, &e) < 0)
				fail(x, it->dst, e.msg);
			return;
		}
		x->fd = open(it->src, O_RDONLY | O_CLOEXEC);
		if (x->fd < 0) {
			fail(x, it->src, strerror(errno));
			return;
		}
		if (sbx_files_write(files_client(x->fp), files_sb(x->fp), it->dst, x->fd, it->size, on_bytes,
				    on_item_done, x, &x->op, &e) < 0)
			fail(x, it->src, e.msg);
		return;
	}
	if (x->root < 0 && it->dir) {
		/* the target of a directory download: the user's to name (a
		 * symlink is fine); all below it goes through dirat */
		if ((mkdir(it->dst, 0755) < 0 && errno != EEXIST) ||
		    (x->root = open(it->dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			char msg[600];
			snprintf(msg, sizeof msg, "%s (check that the destination is writable)", strerror(errno));
			fail(x, it->dst, msg);
			return;
		}
		step(x);
		return;
	}
	if (it->dir) {
		if (dirat_mkdir(x->root, it->dst, &e) < 0) {
			fail(x, x->top_dst, e.msg);
			return;
		}
		step(x);
		return;
	}
	x->fd = x->root >= 0 ? dirat_create(x->root, it->dst, &e)
			     : open(it->dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (x->fd < 0) {
		char msg[1200];
		if (x->root >= 0)
			snprintf(msg, sizeof msg, "%s", e.msg);
		else
			snprintf(msg, sizeof msg, "%s (check that the destination is writable and has space)",
				 strerror(errno));
		fail(x, x->root >= 0 ? x->top_dst : it->dst, msg);
		return;
	}
	if (sbx_files_read(files_client(x->fp), files_sb(x->fp), it->src, x->fd, on_bytes, on_item_done, x, &x->op,
			   &e) < 0)
		fail(x, it->src, e.msg);
}

/* --- upload ----------------------------------------------------------------- */

static const char *base_of(const char *p)
{
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	const char *s = p + n;
	while (s > p && s[-1] != '/')
		s--;
	return s;
}

/* Depth first, each directory before what it holds. */
static int walk_host(xfer *x, const char *src, const char *dst, sbx_err *e)
{
	struct stat st;
	if (lstat(src, &st) < 0)
		return sbx_error(e, "%s: %s", src, strerror(errno));
	if (S_ISREG(st.st_mode)) {
		add_item(x, xstrdup(src), xstrdup(dst), 0, st.st_size);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;   /* sockets, devices, symlinks: not copied */
	add_item(x, xstrdup(src), xstrdup(dst), 1, 0);
	DIR *d = opendir(src);
	if (!d)
		return sbx_error(e, "cannot read directory %s: %s", src, strerror(errno));
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *s = ft_join(src, de->d_name), *t = ft_join(dst, de->d_name);
		rc = walk_host(x, s, t, e);
		free(s);
		free(t);
	}
	closedir(d);
	return rc;
}

static void on_upload_path(app *a, const char *text, void *ud)
{
	fpane *fp = ud;
	if (!text || !*text)
		return;
	char *src = NULL;
	if (text[0] == '~' && (text[1] == '/' || !text[1]))
		src = xasprintf("%s%s", getenv("HOME") ? getenv("HOME") : "", text + 1);
	else
		src = xstrdup(text);
	const char *dir = filetree_target_dir(fp->t);
	char *dst = ft_join(dir, base_of(src));
	xfer *x = xfer_new(fp, 1, src, dst);
	sbx_err e;
	if (walk_host(x, src, dst, &e) < 0) {
		app_error(a, "cannot upload %s: %s", src, e.msg);
		xfer_free(x);
	} else if (!x->n) {
		app_error(a, "cannot upload %s: it is not a regular file or directory", src);
		xfer_free(x);
	} else {
		x->progress = app_progress_begin(a, "upload");
		step(x);
	}
	free(src);
	free(dst);
}

void files_upload(fpane *fp)
{
	char title[4200];
	snprintf(title, sizeof title, "Upload a host file or directory into %s", filetree_target_dir(fp->t));
	app_prompt(fp->p.app, &fp->p, title, "", on_upload_path, fp);
}

/* --- download --------------------------------------------------------------- */

static void on_tree_listed(const sbx_entry *en, size_t n, const sbx_err *e, void *ud)
{
	xfer *x = ud;
	x->op = NULL;
	if (e) {
		fail(x, x->top_src, e->msg);
		return;
	}
	/* Item destinations below the target are relative to it, each element
	 * a name the server sent: all must be plain names (path.h), checked
	 * before anything is written. */
	size_t sl = strlen(x->top_src);
	for (size_t i = 0; i < n; i++) {
		const char *p = en[i].path;
		if (!p || strncmp(p, x->top_src, sl) || p[sl] != '/')
			continue;
		if (en[i].symlink_target && en[i].type == SBX_FILE_DIR)
			continue;   /* a link to a directory: not followed */
		if (en[i].type != SBX_FILE_DIR && en[i].type != SBX_FILE_FILE)
			continue;
		char *bad = path_rel_unsafe(p + sl + 1);
		if (bad) {
			char *shown = path_name_show(bad), msg[600];
			snprintf(msg, sizeof msg, "the sandbox listed %s, whose element %s is not a plain file name "
				 "(a broken or hostile agent?); nothing was written", p, shown);
			free(shown);
			free(bad);
			fail(x, x->top_src, msg);
			return;
		}
		add_item(x, xstrdup(p), xstrdup(p + sl + 1), en[i].type == SBX_FILE_DIR,
			 en[i].type == SBX_FILE_DIR ? 0 : en[i].size);
	}
	/* Parents before children: sort by destination path. */
	for (size_t i = 2; i < x->n; i++)
		for (size_t j = i; j > 1 && strcmp(x->items[j - 1].dst, x->items[j].dst) > 0; j--) {
			xitem t = x->items[j];
			x->items[j] = x->items[j - 1];
			x->items[j - 1] = t;
		}
	step(x);
}

static void on_download_path(app *a, const char *text, void *ud)
{
	fpane *fp = ud;
	ft_node *n = filetree_cursor(fp->t);
	if (!text || !*text || !n)
		return;
	char *dest = text[0] == '~' && (text[1] == '/' || !text[1])
			     ? xasprintf("%s%s", getenv("HOME") ? getenv("HOME") : "", text + 1)
			     : xstrdup(text);
	struct stat st;
	int into = stat(dest, &st) == 0 && S_ISDIR(st.st_mode);
	if (into && !path_name_safe(n->name)) {
		char *shown = path_name_show(n->name);
		app_error(a, "cannot download %s: its name %s is not a plain file name; give a file name to "
			  "download it to", n->path, shown);
		free(shown);
		free(dest);
		return;
	}
	char *dst = into ? ft_join(dest, n->name) : xstrdup(dest);
	free(dest);
	xfer *x = xfer_new(fp, 0, n->path, dst);
	x->progress = app_progress_begin(a, "download");
	if (ft_is_dir(n)) {
		add_item(x, xstrdup(n->path), xstrdup(dst), 1, 0);
		sbx_err e;
		if (sbx_fs_list(files_client(fp), files_sb(fp), n->path, 64, on_tree_listed, x, &x->op, &e) < 0)
			fail(x, n->path, e.msg);
	} else {
		add_item(x, xstrdup(n->path), xstrdup(dst), 0, n->size);
		step(x);
	}
	free(dst);
}

void files_download(fpane *fp)
{
	ft_node *n = filetree_cursor(fp->t);
	const char *home = getenv("HOME");
	char *def = NULL, cwd[4096];
	struct stat st;
	if (home) {
		def = xasprintf("%s/Downloads", home);
		if (stat(def, &st) < 0 || !S_ISDIR(st.st_mode)) {
			free(def);
			def = NULL;
		}
	}
	if (!def)
		def = xstrdup(getcwd(cwd, sizeof cwd) ? cwd : ".");
	char title[4200];
	snprintf(title, sizeof title, "Download %s to (a host directory or file name)", n->path);
	app_prompt(fp->p.app, &fp->p, title, def, on_download_path, fp);
	free(def);
}
