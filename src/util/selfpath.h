/* selfpath: files that travel with the running binary (build/sbx finds
 * build/sbx-agent and ../vm/python in a checkout). */
#ifndef SBX_SELFPATH_H
#define SBX_SELFPATH_H

/* <dir of /proc/self/exe>/rel when it is a directory (want_dir) or an
 * executable file (!want_dir); else NULL.  Returns a heap string. */
char *self_find(const char *rel, int want_dir);

#endif
