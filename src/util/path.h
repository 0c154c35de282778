/* path: lexical path helpers (no file system access). */
#ifndef SBX_PATH_H
#define SBX_PATH_H

/* base + "/" + rel, with no doubled or trailing slashes; rel's leading
 * slashes are ignored.  Returns a heap string. */
char *path_join(const char *base, const char *rel);
/* Go's filepath.Clean: "a//b/./c/.." is "a/b", "" is ".", "/.." is "/".
 * Returns a heap string. */
char *path_clean(const char *p);

/* 1 when name (from a server, say) is safe to create as one entry inside a
 * host directory: not empty, not "." or "..", no '/', no control byte
 * (NUL cannot get in: the caller's string ends there). */
int path_name_safe(const char *name);
/* The first element of the relative path rel ("a/b/c") that is not
 * path_name_safe, as a heap string; NULL when every element is. */
char *path_rel_unsafe(const char *rel);
/* name for a message: quoted, control bytes as \xNN, cut after 80 bytes.
 * Returns a heap string. */
char *path_name_show(const char *name);

#endif
