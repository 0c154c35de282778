/* path: lexical path helpers (no file system access). */
#ifndef SBX_PATH_H
#define SBX_PATH_H

/* base + "/" + rel, with no doubled or trailing slashes; rel's leading
 * slashes are ignored.  Returns a heap string. */
char *path_join(const char *base, const char *rel);
/* Go's filepath.Clean: "a//b/./c/.." is "a/b", "" is ".", "/.." is "/".
 * Returns a heap string. */
char *path_clean(const char *p);

#endif
