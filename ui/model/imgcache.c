/* imgcache: a small LRU list of encoded images; see imgcache.h.  The
 * workbench holds tens of images, so a linear list is plenty.
 * curses-free. */
#include "imgcache.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

typedef struct entry {
	imgcache_key key;
	void *data;
	size_t len;
	struct entry *prev, *next;  /* head = most recent */
} entry;

struct imgcache {
	entry *head, *tail;
	size_t bytes, count, max;
};

static int key_eq(const imgcache_key *a, const imgcache_key *b)
{
	return a->hash == b->hash && a->kind == b->kind && a->cols == b->cols && a->rows == b->rows &&
	       a->cell_w == b->cell_w && a->cell_h == b->cell_h && a->colors == b->colors;
}

imgcache *imgcache_new(size_t max_bytes)
{
	imgcache *c = xcalloc(1, sizeof *c);
	c->max = max_bytes;
	return c;
}

static void unlink_entry(imgcache *c, entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void push_front(imgcache *c, entry *e)
{
	e->next = c->head;
	e->prev = NULL;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void drop(imgcache *c, entry *e)
{
	unlink_entry(c, e);
	c->bytes -= e->len;
	c->count--;
	free(e->data);
	free(e);
}

void imgcache_free(imgcache *c)
{
	if (!c)
		return;
	while (c->head)
		drop(c, c->head);
	free(c);
}

static entry *find(imgcache *c, const imgcache_key *k)
{
	for (entry *e = c->head; e; e = e->next)
		if (key_eq(&e->key, k))
			return e;
	return NULL;
}

const void *imgcache_get(imgcache *c, const imgcache_key *k, size_t *len)
{
	entry *e = find(c, k);
	if (!e)
		return NULL;
	unlink_entry(c, e);
	push_front(c, e);
	if (len)
		*len = e->len;
	return e->data;
}

void imgcache_put(imgcache *c, const imgcache_key *k, const void *data, size_t len)
{
	entry *old = find(c, k);
	if (old)
		drop(c, old);
	entry *e = xcalloc(1, sizeof *e);
	e->key = *k;
	e->data = xmalloc(len ? len : 1);
	memcpy(e->data, data, len);
	e->len = len;
	push_front(c, e);
	c->bytes += len;
	c->count++;
	/* Evict from the old end, but always keep the newest entry. */
	while (c->bytes > c->max && c->tail != c->head)
		drop(c, c->tail);
}

void imgcache_forget(imgcache *c, uint64_t hash)
{
	for (entry *e = c->head, *next; e; e = next) {
		next = e->next;
		if (e->key.hash == hash)
			drop(c, e);
	}
}

size_t imgcache_bytes(const imgcache *c)
{
	return c->bytes;
}

size_t imgcache_count(const imgcache *c)
{
	return c->count;
}
