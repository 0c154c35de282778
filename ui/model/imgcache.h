/*
 * imgcache: encoded pictures (sixel strings, half-block grids) kept per
 * (image hash, kind, target cells, cell pixel size, colours), so a redraw
 * re-emits bytes instead of re-encoding, and a resize or a font change
 * simply misses.  Least recently used entries go first once the byte
 * budget is exceeded.
 */
#ifndef SBX_UI_IMGCACHE_H
#define SBX_UI_IMGCACHE_H
#include <stddef.h>
#include <stdint.h>

typedef struct imgcache_key {
	uint64_t hash;          /* img_hash of the source bytes */
	int kind;               /* caller's encoding tag (sixel, half-block...) */
	int cols, rows;         /* target cells */
	int cell_w, cell_h;     /* cell size in pixels (0 for text encodings) */
	int colors;
} imgcache_key;

typedef struct imgcache imgcache;

imgcache *imgcache_new(size_t max_bytes);
void imgcache_free(imgcache *c);
/* The cached bytes or NULL; a hit makes the entry most recent. */
const void *imgcache_get(imgcache *c, const imgcache_key *k, size_t *len);
/* Stores a copy (replacing an entry with the same key). */
void imgcache_put(imgcache *c, const imgcache_key *k, const void *data, size_t len);
/* Drops every entry of one image (its output was cleared). */
void imgcache_forget(imgcache *c, uint64_t hash);
size_t imgcache_bytes(const imgcache *c);
size_t imgcache_count(const imgcache *c);

#endif
