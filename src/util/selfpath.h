/* selfpath: files that travel with the running binary (build/sbx finds
 * build/sbx-agent and ../vm/python in a checkout). */
#ifndef SBX_SELFPATH_H
#define SBX_SELFPATH_H

/* <dir of /proc/self/exe>/rel when it is a directory (want_dir) or an
 * executable file (!want_dir); else NULL.  Returns a heap string. */
char *self_find(const char *rel, int want_dir);
/* The running binary's path; NULL when /proc is not there.  Heap. */
char *self_exe(void);
/* The directory holding the running binary; NULL when unknown.  Heap. */
char *self_dir(void);

#endif
