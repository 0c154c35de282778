/*
 * fs_watch: inotify on one directory, optionally recursive (subdirectories
 * created later are watched as they appear), reported the way envd reports
 * fsnotify: names relative to the watched directory, one event per op in
 * the order CREATE, RENAME, CHMOD, WRITE, REMOVE.  Read through the loop.
 */
#ifndef SBX_AGENT_FS_WATCH_H
#define SBX_AGENT_FS_WATCH_H
#include "../util/err.h"
#include "../util/loop.h"

typedef struct fs_watch fs_watch;

/* One event (type: ENVD_EVENT_*); must not free w. */
typedef void (*fs_watch_event_fn)(fs_watch *w, const char *rel, int type, void *ud);
/* The watch cannot go on (its directory is gone); may free w. */
typedef void (*fs_watch_error_fn)(fs_watch *w, const char *code, const char *msg, void *ud);

/* NULL on failure with *code (not_found, invalid_argument, internal) and e.
 * A network filesystem is refused unless allow_network_mounts. */
fs_watch *fs_watch_new(sbx_loop *l, const char *path, int recursive, int allow_network_mounts,
		       fs_watch_event_fn ev, fs_watch_error_fn err, void *ud, const char **code,
		       sbx_err *e);
void fs_watch_free(fs_watch *w);
/* The directory as given to fs_watch_new. */
const char *fs_watch_path(const fs_watch *w);

#endif
