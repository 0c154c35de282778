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

/* An environment ("KEY=VALUE" entries, NULL-terminated, *n of them): sets
 * key, replacing its entry where it has one. */
void sbx_env_set(char ***v, size_t *n, const char *key, const char *value);
/* key's value, or NULL. */
const char *sbx_env_get(char *const *v, const char *key);

#endif
