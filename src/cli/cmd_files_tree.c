/*
 * Directory trees for `sbx files get|put` (E2B itself moves single files):
 * the local side walked with opendir, the remote side with ListDir one
 * level at a time (names joined here, so no path arithmetic on what the
 * server reports; each must be a plain name, and the host side is written
 * through dirat.h, never through a symlink).  Symlinked directories are not
 * followed (no loops); symlinked files are copied as their content.  Files
 * go one after the other with one progress line for the whole tree.
 */
#include "cmd_files.h"
#include "../util/dirat.h"
#include "../util/path.h"
#include "../util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct wait_entries {
	sbx_wait w;
	char **names;
	int *types;
	int64_t *sizes;
	size_t n;
} wait_entries;

static void on_entries(const sbx_entry *en, size_t n, const sbx_err *e, void *ud)
{
	wait_entries *we = ud;
	if (!e) {
		we->names = xcalloc(n + 1, sizeof *we->names);
		we->types = xcalloc(n + 1, sizeof *we->types);
		we->sizes = xcalloc(n + 1, sizeof *we->sizes);
		for (size_t i = 0; i < n; i++) {
			we->names[i] = xstrdup(en[i].name);
			/* a symlinked directory: listed, never entered */
			we->types[i] = en[i].type == SBX_FILE_DIR && en[i].symlink_target ? SBX_FILE_SYMLINK : en[i].type;
			we->sizes[i] = en[i].size;
		}
		we->n = n;
	}
	sbx_wait_set(&we->w, e);
}

static void entries_free(wait_entries *we)
{
	for (size_t i = 0; i < we->n; i++)
		free(we->names[i]);
	free(we->names);
	free(we->types);
	free(we->sizes);
}

static void on_mkdir(const sbx_entry *en, const sbx_err *e, void *ud)
{
	(void)en;
	/* an existing directory is what we want */
	if (e && strstr(e->msg, "(already_exists)"))
		e = NULL;
	sbx_wait_set(ud, e);
}

static int remote_mkdir(cli *c, const sbx_sandbox *sb, const char *path)
{
	sbx_wait w = { 0 };
	sbx_err e;
	if (sbx_fs_mkdir(c->s.client, sb, path, on_mkdir, &w, NULL, &e) < 0 || sbx_sync_wait(&c->s, &w, 0, &e) < 0)
		return cli_fail(c, "%s", e.msg);
	return 0;
}

/* --- upload ---------------------------------------------------------------- */

typedef struct item {
	char *local, *remote;
	int dir;
	int64_t size;
} item;

typedef struct items {
	item *v;
	size_t n;
	int64_t bytes;
	size_t files;
} items;

static void add(items *it, const char *local, const char *remote, int dir, int64_t size)
{
	it->v = xrealloc(it->v, (it->n + 1) * sizeof *it->v);
	it->v[it->n++] = (item){ xstrdup(local), xstrdup(remote), dir, size };
	if (!dir) {
		it->bytes += size;
		it->files++;
	}
}

static void items_free(items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].local);
		free(it->v[i].remote);
	}
	free(it->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_local(cli *c, const char *local, const char *remote, items *it)
{
	DIR *d = opendir(local);
	if (!d)
		return cli_fail(c, "cannot read %s: %s", local, strerror(errno));
	add(it, local, remote, 1, 0);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *lp = xasprintf("%s/%s", local, names[i]), *rp = xasprintf("%s/%s", remote, names[i]);
		struct stat lst, st;
		if (lstat(lp, &lst) == 0 && S_ISDIR(lst.st_mode))
			rc |= walk_local(c, lp, rp, it);
		else if (stat(lp, &st) == 0 && S_ISREG(st.st_mode))
			add(it, lp, rp, 0, st.st_size);
		else
			fprintf(stderr, "sbx files: skipping %s (%s)\n", lp,
				S_ISLNK(lst.st_mode) ? "a symlink to a directory or to nothing" : "not a regular file");
		free(lp);
		free(rp);
		free(names[i]);
	}
	free(names);
	return rc;
}

int files_put_tree(cli *c, const sbx_sandbox *sb, const char *local, const char *remote)
{
	items it = { 0 };
	int rc = walk_local(c, local, remote, &it);
	xfer_progress p = { .tty = cli_isatty(2), .verb = "upload", .total = it.bytes, .files_total = it.files };
	for (size_t i = 0; i < it.n && !rc; i++) {
		if (it.v[i].dir) {
			rc = remote_mkdir(c, sb, it.v[i].remote);
			continue;
		}
		rc = files_put_one(c, sb, it.v[i].local, it.v[i].remote, &p);
		p.base += it.v[i].size;
		p.files_done++;
	}
	progress_end(&p);
	if (!rc)
		printf("uploaded %zu files (%lld bytes) to %s\n", it.files, (long long)it.bytes, remote);
	items_free(&it);
	return rc;
}

/* --- download -------------------------------------------------------------- */

/* Items' local paths are relative to the target directory ("" is the target
 * itself), made of names the server listed: each must be one plain name
 * (path_name_safe), and dirat opens them one at a time without following
 * symlinks, so a hostile agent cannot steer a write out of the target. */
static int walk_remote(cli *c, const sbx_sandbox *sb, const char *remote, const char *local, items *it)
{
	wait_entries we = { 0 };
	sbx_err e;
	if (sbx_fs_list(c->s.client, sb, remote, 1, on_entries, &we, NULL, &e) < 0 ||
	    sbx_sync_wait(&c->s, &we.w, 0, &e) < 0)
		return cli_fail(c, "%s", e.msg);
	if (*local)
		add(it, local, remote, 1, 0);
	int rc = 0;
	for (size_t i = 0; i < we.n && !rc; i++) {
		if (!path_name_safe(we.names[i])) {
			char *shown = path_name_show(we.names[i]);
			rc = cli_fail(c, "refusing to download %s: the sandbox listed the name %s in it, which is not a "
				      "plain file name (a broken or hostile agent?); nothing was written", remote, shown);
			free(shown);
			break;
		}
		char *rp = xasprintf("%s/%s", remote, we.names[i]);
		char *lp = *local ? xasprintf("%s/%s", local, we.names[i]) : xstrdup(we.names[i]);
		if (we.types[i] == SBX_FILE_DIR)
			rc = walk_remote(c, sb, rp, lp, it);
		else if (we.types[i] == SBX_FILE_FILE)
			add(it, lp, rp, 0, we.sizes[i]);
		else
			fprintf(stderr, "sbx files: skipping %s (a symlink to a directory)\n", rp);
		free(rp);
		free(lp);
	}
	entries_free(&we);
	return rc;
}

static int get_item(cli *c, const sbx_sandbox *sb, int root, const char *target, const item *v, xfer_progress *p)
{
	sbx_err e;
	if (v->dir)
		return dirat_mkdir(root, v->local, &e) < 0 ? cli_fail(c, "%s: %s", target, e.msg) : 0;
	const char *leaf;
	int dir = dirat_parent(root, v->local, 0, &leaf, &e);
	if (dir < 0)
		return cli_fail(c, "%s: %s", target, e.msg);
	int rc = files_get_at(c, sb, v->remote, dir, leaf, p);
	close(dir);
	return rc;
}

int files_get_tree(cli *c, const sbx_sandbox *sb, const char *remote, const char *local)
{
	items it = { 0 };
	int rc = walk_remote(c, sb, remote, "", &it);
	int root = -1;
	/* the target itself is the user's to name: it may be a symlink */
	if (!rc && mkdir(local, 0755) < 0 && errno != EEXIST)
		rc = cli_fail(c, "cannot make %s: %s", local, strerror(errno));
	if (!rc && (root = open(local, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = cli_fail(c, "cannot open %s: %s", local, strerror(errno));
	xfer_progress p = { .tty = cli_isatty(2), .verb = "download", .total = it.bytes, .files_total = it.files };
	for (size_t i = 0; i < it.n && !rc; i++) {
		rc = get_item(c, sb, root, local, &it.v[i], &p);
		if (!it.v[i].dir) {
			p.base += it.v[i].size;
			p.files_done++;
		}
	}
	progress_end(&p);
	if (root >= 0)
		close(root);
	if (!rc)
		printf("downloaded %zu files (%lld bytes) to %s\n", it.files, (long long)it.bytes, local);
	items_free(&it);
	return rc;
}
