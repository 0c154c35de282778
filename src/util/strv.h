/* strv: NULL-terminated arrays of heap strings (argv, envp, header lists). */
#ifndef SBX_STRV_H
#define SBX_STRV_H
#include <stddef.h>

/* A deep copy of v (NULL: an empty array); never NULL. */
char **sbx_strv_dup(const char *const *v);
/* Appends s (taken, not copied) to *v of *n entries and NULL-terminates. */
void sbx_strv_push(char ***v, size_t *n, char *s);
/* Frees every string and the array; NULL is fine. */
void sbx_strv_free(char **v);

#endif
