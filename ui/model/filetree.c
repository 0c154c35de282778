/*
 * filetree: see filetree.h.  Rows are rebuilt after every change (a few
 * thousand nodes at most: cheap), remembering the cursor's path first.
 */
#include "filetree.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- paths ------------------------------------------------------------------ */

static char *norm(const char *dir)
{
	char *s = xstrdup(dir && *dir ? dir : "/");
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

char *ft_dirname(const char *path)
{
	char *s = norm(path), *slash = strrchr(s, '/');
	if (!slash || slash == s)
		s[1] = '\0', s[0] = '/';
	else
		*slash = '\0';
	return s;
}

char *ft_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	return xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* --- nodes ------------------------------------------------------------------ */

static void node_free(ft_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->path);
	free(n->permissions);
	free(n->owner);
	free(n->link);
	free(n);
}

static void node_set(ft_node *n, const sbx_entry *e, const char *dir)
{
	free(n->name);
	free(n->path);
	free(n->permissions);
	free(n->owner);
	free(n->link);
	n->name = xstrdup(e->name ? e->name : "");
	n->path = e->path && *e->path ? norm(e->path) : ft_join(dir, n->name);
	n->type = e->type;
	n->size = e->size;
	n->mode = e->mode;
	n->permissions = xstrdup(e->permissions ? e->permissions : "");
	n->owner = xstrdup(e->owner ? e->owner : "");
	n->mtime_ms = e->mtime_ms;
	n->link = e->symlink_target ? xstrdup(e->symlink_target) : NULL;
}

static ft_node *root_node(const char *dir)
{
	ft_node *n = xcalloc(1, sizeof *n);
	n->path = norm(dir);
	const char *slash = strrchr(n->path, '/');
	n->name = xstrdup(slash && slash[1] ? slash + 1 : "/");
	n->type = SBX_FILE_DIR;
	n->permissions = xstrdup("");
	n->owner = xstrdup("");
	n->expanded = 1;
	n->loading = 1;
	return n;
}

int ft_is_dir(const ft_node *n)
{
	return n && n->type == SBX_FILE_DIR;
}

static int cmp_kids(const void *a, const void *b)
{
	const ft_node *x = *(ft_node *const *)a, *y = *(ft_node *const *)b;
	int dx = ft_is_dir(x), dy = ft_is_dir(y);
	if (dx != dy)
		return dy - dx;
	int c = strcasecmp(x->name, y->name);
	return c ? c : strcmp(x->name, y->name);
}

/* --- rows ------------------------------------------------------------------- */

static void push_row(filetree *t, ft_node *n, int depth)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
	}
	t->rows[t->nrows++] = (ft_row){ n, depth };
}

static void flatten(filetree *t, ft_node *dir, int depth)
{
	for (size_t i = 0; i < dir->nkids; i++) {
		ft_node *k = dir->kids[i];
		if (!t->show_hidden && k->name[0] == '.')
			continue;
		push_row(t, k, depth);
		if (k->expanded && k->listed)
			flatten(t, k, depth + 1);
	}
}

/* Rebuilds rows; the cursor follows `keep` (a path) when it is still a
 * row, else stays at its index (clamped). */
static void rebuild(filetree *t, const char *keep)
{
	size_t old = t->cursor;
	t->nrows = 0;
	flatten(t, t->root, 0);
	t->cursor = old;
	if (keep && filetree_select(t, keep))
		return;
	if (t->cursor >= t->nrows)
		t->cursor = t->nrows ? t->nrows - 1 : 0;
}

/* The cursor's path, copied (the node may be freed by the change). */
static char *cursor_path(filetree *t)
{
	ft_node *n = filetree_cursor(t);
	return n ? xstrdup(n->path) : NULL;
}

/* --- tree ------------------------------------------------------------------- */

filetree *filetree_new(const char *dir)
{
	filetree *t = xcalloc(1, sizeof *t);
	t->root = root_node(dir);
	return t;
}

void filetree_free(filetree *t)
{
	if (!t)
		return;
	node_free(t->root);
	free(t->rows);
	free(t);
}

void filetree_set_root(filetree *t, const char *dir)
{
	node_free(t->root);
	t->root = root_node(dir);
	t->nrows = 0;
	t->cursor = 0;
}

static ft_node *kid_named(ft_node *dir, const char *name, size_t *idx)
{
	for (size_t i = 0; i < dir->nkids; i++)
		if (!strcmp(dir->kids[i]->name, name)) {
			if (idx)
				*idx = i;
			return dir->kids[i];
		}
	return NULL;
}

ft_node *filetree_find(filetree *t, const char *path)
{
	char *p = norm(path);
	ft_node *n = NULL;
	size_t rl = strlen(t->root->path);
	if (!strcmp(p, t->root->path)) {
		n = t->root;
	} else if (!strncmp(p, t->root->path, rl) && (p[rl] == '/' || rl == 1)) {
		/* Walk down component by component from the root. */
		n = t->root;
		char *save = NULL;
		for (char *c = strtok_r(p + rl, "/", &save); c && n; c = strtok_r(NULL, "/", &save))
			n = n->listed ? kid_named(n, c, NULL) : NULL;
	}
	free(p);
	return n;
}

int filetree_set_listing(filetree *t, const char *dir, const sbx_entry *en, size_t n)
{
	ft_node *d = filetree_find(t, dir);
	if (!d || !ft_is_dir(d))
		return -1;
	char *keep = cursor_path(t);
	ft_node **kids = xcalloc(n + 1, sizeof *kids);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!en[i].name || !*en[i].name || (en[i].path && !strcmp(en[i].path, d->path)))
			continue;
		size_t at;
		/* Reuse the node of a name still there: its subtree and state stay. */
		ft_node *old = kid_named(d, en[i].name, &at);
		if (old) {
			d->kids[at] = d->kids[--d->nkids];
		} else {
			old = xcalloc(1, sizeof *old);
			old->parent = d;
		}
		int was_dir = ft_is_dir(old);
		node_set(old, &en[i], d->path);
		if (was_dir && !ft_is_dir(old)) {   /* a directory replaced by a file */
			for (size_t j = 0; j < old->nkids; j++)
				node_free(old->kids[j]);
			old->nkids = 0;
			old->expanded = old->listed = old->loading = 0;
		}
		kids[k++] = old;
	}
	for (size_t i = 0; i < d->nkids; i++)
		node_free(d->kids[i]);
	free(d->kids);
	d->kids = kids;
	d->nkids = k;
	if (k > 1)
		qsort(kids, k, sizeof *kids, cmp_kids);
	d->listed = 1;
	d->loading = 0;
	rebuild(t, keep);
	free(keep);
	return 0;
}

void filetree_listing_failed(filetree *t, const char *dir)
{
	ft_node *d = filetree_find(t, dir);
	if (!d)
		return;
	d->loading = 0;
	if (d != t->root && !d->listed)
		d->expanded = 0;
	char *keep = cursor_path(t);
	rebuild(t, keep);
	free(keep);
}

int filetree_toggle(filetree *t, ft_node *n)
{
	if (!ft_is_dir(n))
		return -1;
	char *keep = cursor_path(t);
	int need = 0;
	n->expanded = !n->expanded;
	if (n->expanded && !n->listed) {
		n->loading = 1;
		need = 1;
	}
	rebuild(t, keep);
	free(keep);
	return need;
}

int filetree_event(filetree *t, const char *dir, const char *name, int type)
{
	ft_node *d = filetree_find(t, dir);
	if (!d || !d->listed)
		return 0;
	if ((type == SBX_FS_REMOVE || type == SBX_FS_RENAME) && name && !strchr(name, '/')) {
		size_t at;
		ft_node *gone = kid_named(d, name, &at);
		if (gone) {
			char *keep = cursor_path(t);
			memmove(&d->kids[at], &d->kids[at + 1], (d->nkids - at - 1) * sizeof *d->kids);
			d->nkids--;
			node_free(gone);
			rebuild(t, keep);
			free(keep);
		}
	}
	return 1;
}

static void open_dirs(ft_node *n, const char ***out, size_t *k, size_t *cap)
{
	if (!n->expanded)
		return;
	if (*k == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*out = xrealloc(*out, *cap * sizeof **out);
	}
	(*out)[(*k)++] = n->path;
	if (n->listed)
		for (size_t i = 0; i < n->nkids; i++)
			if (ft_is_dir(n->kids[i]) && n->kids[i]->listed)
				open_dirs(n->kids[i], out, k, cap);
}

size_t filetree_open_dirs(filetree *t, const char ***out)
{
	size_t k = 0, cap = 0;
	*out = NULL;
	open_dirs(t->root, out, &k, &cap);
	return k;
}

void filetree_set_hidden(filetree *t, int show)
{
	char *keep = cursor_path(t);
	t->show_hidden = !!show;
	rebuild(t, keep);
	free(keep);
}

/* --- cursor ----------------------------------------------------------------- */

ft_node *filetree_cursor(filetree *t)
{
	return t->cursor < t->nrows ? t->rows[t->cursor].node : NULL;
}

void filetree_set_cursor(filetree *t, size_t row)
{
	t->cursor = !t->nrows ? 0 : row >= t->nrows ? t->nrows - 1 : row;
}

void filetree_move(filetree *t, long delta)
{
	long c = (long)t->cursor + delta;
	filetree_set_cursor(t, c < 0 ? 0 : (size_t)c);
}

int filetree_select(filetree *t, const char *path)
{
	char *p = norm(path);
	int found = 0;
	for (size_t i = 0; i < t->nrows && !found; i++)
		if (!strcmp(t->rows[i].node->path, p)) {
			t->cursor = i;
			found = 1;
		}
	free(p);
	return found;
}

const char *filetree_target_dir(filetree *t)
{
	ft_node *n = filetree_cursor(t);
	if (!n)
		return t->root->path;
	if (ft_is_dir(n))
		return n->path;
	return n->parent ? n->parent->path : t->root->path;
}
