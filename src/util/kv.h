/* kv: a string → string map in insertion order (metadata, env vars). */
#ifndef SBX_KV_H
#define SBX_KV_H
#include <stddef.h>

typedef struct kvlist {
	char **keys, **values;
	size_t n;
} kvlist;

/* Sets key (copied), replacing its value where it has one. */
void kv_set(kvlist *kv, const char *key, const char *value);
const char *kv_get(const kvlist *kv, const char *key);   /* NULL: absent */
void kv_free(kvlist *kv);                                /* kv is empty again */

#endif
