/*
 * filetree: the files pane's model — a tree of one sandbox directory and
 * the directories the user expanded below it, flattened to the rows shown.
 *
 * Nodes carry what envd's EntryInfo says (copied).  Children sort
 * directories first (symlinks to directories count as directories), then
 * by name (case-insensitive, then byte order).  The root is not a row: its
 * children are the rows at depth 0.  Dot files are hidden unless
 * show_hidden.  Listings come in from outside (the pane calls sbx_fs_list
 * with depth 1 and hands the result to filetree_set_listing); a re-listing
 * keeps the expanded state of children that are still there.  After every
 * change the rows are rebuilt and the cursor stays on the same path (when
 * that path went away: on the row that took its place).
 * Curses-free and libsbx-free (sbx_entry is only read).
 */
#ifndef SBX_UI_FILETREE_H
#define SBX_UI_FILETREE_H
#include <stddef.h>
#include <stdint.h>
#include "../../src/client/fs.h"

typedef struct ft_node {
	char *name, *path;
	int type;                 /* SBX_FILE_*: the target's for a symlink */
	int64_t size;
	uint32_t mode;
	char *permissions, *owner;
	int64_t mtime_ms;
	char *link;               /* symlink target, NULL when not a link */
	struct ft_node *parent;
	struct ft_node **kids;
	size_t nkids;
	int expanded;             /* shown open (its kids are rows when listed) */
	int listed;               /* kids are known */
	int loading;              /* a listing was asked for and has not come */
} ft_node;

typedef struct ft_row {
	ft_node *node;
	int depth;
} ft_row;

typedef struct filetree {
	ft_node *root;
	int show_hidden;
	ft_row *rows;
	size_t nrows, cap;
	size_t cursor;            /* index into rows (0 when there are none) */
} filetree;

/* A tree rooted at dir (absolute; trailing slashes dropped), not listed. */
filetree *filetree_new(const char *dir);
void filetree_free(filetree *t);
/* Starts over at dir; keeps show_hidden. */
void filetree_set_root(filetree *t, const char *dir);

/* 1 when the node is a directory (or a link to one). */
int ft_is_dir(const ft_node *n);
/* The node of path: the root or a node under a listed directory; NULL
 * when the tree does not hold it. */
ft_node *filetree_find(filetree *t, const char *path);

/* The children of dir (depth-1 listing; entries whose path is dir itself
 * are skipped).  Returns 0, or -1 when dir is not in the tree (the
 * listing came after the user left it: ignore it). */
int filetree_set_listing(filetree *t, const char *dir, const sbx_entry *en, size_t n);
/* A listing failed: dir is no longer loading and is shown closed. */
void filetree_listing_failed(filetree *t, const char *dir);

/* Opens or closes a directory row.  Returns 1 when it opened a directory
 * whose kids are not known yet (the caller lists it; it is marked
 * loading), 0 otherwise; -1 when the node is not a directory. */
int filetree_toggle(filetree *t, ft_node *n);

/* A watch event on dir (name relative to it, SBX_FS_*).  A removal or a
 * rename (the old name) drops the node at once.  Returns 1 when dir
 * should be listed again to learn the new state, 0 when the event does
 * not concern a listed directory of the tree. */
int filetree_event(filetree *t, const char *dir, const char *name, int type);

/* The directories whose contents are shown (the root and every expanded
 * listed directory whose ancestors are all expanded): what to watch.
 * Returns how many; *out is a heap array of pointers into the tree. */
size_t filetree_open_dirs(filetree *t, const char ***out);

void filetree_set_hidden(filetree *t, int show);

/* Cursor: the node under it (NULL when there are no rows). */
ft_node *filetree_cursor(filetree *t);
void filetree_move(filetree *t, long delta);     /* clamped */
void filetree_set_cursor(filetree *t, size_t row); /* clamped */
/* Puts the cursor on path's row; 0 when it is not a row. */
int filetree_select(filetree *t, const char *path);
/* The directory an upload goes to: the cursor's directory, the directory
 * holding the cursor's file, or the root. */
const char *filetree_target_dir(filetree *t);

/* Path helpers (heap strings): the parent of an absolute path ("/" for
 * "/"), and dir + "/" + name. */
char *ft_dirname(const char *path);
char *ft_join(const char *dir, const char *name);

#endif
