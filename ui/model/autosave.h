/*
 * autosave: where unsaved notebooks are kept so nothing typed is lost, and
 * how they are offered back on the next start.
 *
 * Files live in STATE/autosave/ (STATE is sbx's state dir,
 * $XDG_STATE_HOME/sbx): "NAME-HASH.ipynb" for a notebook that has a path
 * (HASH: 16 hex digits of FNV-1a over the absolute path, so two
 * "analysis.ipynb" in different directories do not collide) and
 * "untitled-SESSION.ipynb" for one that has none.  Each autosave records
 * its origin in the notebook metadata ("sbx": {"autosave_of": path|null});
 * nb_autosave_restore removes that key again.
 */
#ifndef SBX_UI_AUTOSAVE_H
#define SBX_UI_AUTOSAVE_H
#include <stddef.h>
#include <time.h>
#include "notebook.h"

/* The autosave file for nb_path (NULL: untitled, named by session). */
char *nb_autosave_path(const char *state_dir, const char *nb_path, const char *session);
/* Writes nb there atomically, creating the directory. */
int nb_autosave(const notebook *nb, const char *state_dir, const char *nb_path, const char *session,
		sbx_err *e);

typedef struct nb_autosave_entry {
	char *path;         /* the autosave file */
	char *origin;       /* the notebook it belongs to, NULL if untitled */
	time_t mtime;
} nb_autosave_entry;

/* Every autosave, newest first (none: *n = 0, returns 0).  Files that do
 * not parse are skipped. */
int nb_autosave_list(const char *state_dir, nb_autosave_entry **out, size_t *n, sbx_err *e);
void nb_autosave_list_free(nb_autosave_entry *v, size_t n);
/* Loads an autosave, without its origin key. */
notebook *nb_autosave_restore(const char *path, sbx_err *e);
/* Removes one (after a real save, or when the user declines it). */
int nb_autosave_discard(const char *path, sbx_err *e);

#endif
