/*
 * jsonfile: a JSON record on disk, replaced whole.  Written to PATH.tmp.PID
 * and renamed over PATH, so a reader (or a crash) sees the old record or
 * the new, never half of one; the temporary file is removed on failure.
 */
#ifndef SBX_JSONFILE_H
#define SBX_JSONFILE_H
#include <jansson.h>
#include "../util/err.h"

/* o as text (jansson's dump flags) at path; 0, or -1 with why in *e. */
int json_file_replace(const char *path, const json_t *o, size_t flags, sbx_err *e);

#endif
