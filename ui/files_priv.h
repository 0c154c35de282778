/*
 * files_priv: the files pane's state, shared by pane_files.c (the tree,
 * listings, watches, file actions) and files_transfer.c (recursive upload
 * and download with progress).
 */
#ifndef SBX_UI_FILES_PRIV_H
#define SBX_UI_FILES_PRIV_H
#include <sys/queue.h>
#include "app.h"
#include "model/filetree.h"

typedef struct fpane fpane;

/* A watch on one open directory; op NULL once it ended (it stays, so it
 * is not re-armed in a loop, until the directory closes or a refresh). */
typedef struct fwatch {
	fpane *fp;
	char *dir;
	sbx_op *op;
	struct fwatch *next;
} fwatch;

/* Any other call in flight (cancelled when the pane closes). */
typedef struct fcall {
	fpane *fp;
	sbx_op *op;
	char *path, *path2;
	int fd;                       /* a temp file, or -1 */
	LIST_ENTRY(fcall) link;
} fcall;

struct xfer;

struct fpane {
	pane p;
	filetree *t;
	size_t top;                   /* first row shown */
	fwatch *watches;
	char **pending;               /* directories to list again (debounced) */
	size_t npending;
	int64_t debounce;             /* the timer, 0 when none */
	LIST_HEAD(, fcall) calls;
	LIST_HEAD(, xfer) xfers;
	char *reselect;               /* put the cursor here once it is a row */
	int64_t last_click_ms;
	size_t last_click_row;
	int gone;                     /* the sandbox is gone: nothing to ask */
};

fcall *fcall_new(fpane *fp, const char *path, const char *path2);
void fcall_done(fcall *c);
/* Lists dir (depth 1) into the tree. */
void files_list(fpane *fp, const char *dir);
sbx_client *files_client(fpane *fp);
const sbx_sandbox *files_sb(fpane *fp);

/* files_transfer.c */
void files_upload(fpane *fp);
void files_download(fpane *fp);
void files_xfers_free(fpane *fp);

#endif
