#include "kv.h"
#include "xalloc.h"
#include <stdlib.h>
#include <string.h>

void kv_set(kvlist *kv, const char *key, const char *value)
{
	for (size_t i = 0; i < kv->n; i++) {
		if (!strcmp(kv->keys[i], key)) {
			free(kv->values[i]);
			kv->values[i] = xstrdup(value);
			return;
		}
	}
	kv->keys = xrealloc(kv->keys, (kv->n + 1) * sizeof *kv->keys);
	kv->values = xrealloc(kv->values, (kv->n + 1) * sizeof *kv->values);
	kv->keys[kv->n] = xstrdup(key);
	kv->values[kv->n] = xstrdup(value);
	kv->n++;
}

const char *kv_get(const kvlist *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (!strcmp(kv->keys[i], key))
			return kv->values[i];
	return NULL;
}

void kv_free(kvlist *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->keys[i]);
		free(kv->values[i]);
	}
	free(kv->keys);
	free(kv->values);
	memset(kv, 0, sizeof *kv);
}
