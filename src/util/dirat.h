/*
 * dirat: making directories and files under a host directory one name at a
 * time (openat with O_NOFOLLOW), so that neither ".." nor a symlink met on
 * the way leads out of it.  For downloads whose names come from a server:
 * every element of a relative path must pass path_name_safe (path.h).
 */
#ifndef SBX_DIRAT_H
#define SBX_DIRAT_H
#include "err.h"

/* Opens the directory that holds rel's last element ("a/b/c": a/b under
 * root, made when missing if mkdirs) and points *leaf at that element
 * inside rel.  Returns the fd (the caller closes it), or -1 with e naming
 * the refused element or the directory that could not be opened. */
int dirat_parent(int root, const char *rel, int mkdirs, const char **leaf, sbx_err *e);
/* Makes directory rel under root; an existing one is fine, a symlink is not. */
int dirat_mkdir(int root, const char *rel, sbx_err *e);
/* Creates (or truncates) file rel under root for writing, never through a
 * symlink; returns the fd or -1 with e. */
int dirat_create(int root, const char *rel, sbx_err *e);

#endif
