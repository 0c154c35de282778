/*
 * sbforms: what the user types into the sandboxes pane's dialogs, checked
 * before anything is sent — a snapshot's name and the create form's
 * volume mounts.
 *
 * Snapshot names are sbxd's: [a-z0-9][a-z0-9._-]*, at most 64 ("" means
 * no name: sbxd makes an id).  Mounts are "NAME:/path" separated by
 * blanks or commas; NAME as a volume name ([A-Za-z0-9][A-Za-z0-9._-]*,
 * at most 64), the path absolute without "." or ".." parts, at most 1024
 * bytes, no control characters; a path mounted twice is refused.
 */
#ifndef SBX_UI_SBFORMS_H
#define SBX_UI_SBFORMS_H
#include <stddef.h>
#include "../../src/util/err.h"

/* 0 when name is a usable snapshot name (or ""), else -1 with e saying why. */
int sbf_snapshot_name(const char *name, sbx_err *e);

typedef struct sbf_mount {
	char *name, *path;
} sbf_mount;

/* Parses the field; *out (NULL when none) is freed with sbf_mounts_free.
 * -1 with e naming the bad entry. */
int sbf_parse_mounts(const char *text, sbf_mount **out, size_t *n, sbx_err *e);
void sbf_mounts_free(sbf_mount *m, size_t n);

/* The create form's line for a snapshot: "NAME (of SANDBOX8, RUNTIME)",
 * NAME the first of names without E2B's "team/" and ":default" (the id
 * when it has none); the rest left out when unknown.  sbxd's strings,
 * sanitised and cut (each at most 64 bytes). */
void sbf_snapshot_label(const char *id, const char *name, const char *sandbox_id, const char *runtime, char *out,
			size_t n);

#endif
