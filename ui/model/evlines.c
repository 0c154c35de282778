/*
 * evlines: see evlines.h.
 */
#include "evlines.h"
#include "conbuf.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PREFIX "sandbox.lifecycle."

void evlines_free(evlines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->lines[i]);
	free(l->lines);
	l->lines = NULL;
	l->n = 0;
}

static void put_clean(sbx_buf *b, const char *s)
{
	conbuf_sanitize(s, strnlen(s, EV_TEXT_MAX), b);
}

static char *line_of(const ev_in *e)
{
	sbx_buf b = SBX_BUF_INIT;
	char ts[16] = "--:--:--";
	if (e->ts_ms > 0) {
		time_t t = (time_t)(e->ts_ms / 1000);
		struct tm tm;
		if (localtime_r(&t, &tm))
			strftime(ts, sizeof ts, "%H:%M:%S", &tm);
	}
	buf_printf(&b, "%s  ", ts);
	const char *type = e->type && *e->type ? e->type : "?";
	if (!strncmp(type, PREFIX, strlen(PREFIX)) && type[strlen(PREFIX)])
		type += strlen(PREFIX);
	put_clean(&b, type);
	if (e->detail && *e->detail) {
		buf_puts(&b, "  ");
		put_clean(&b, e->detail);
	}
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

static int cmp_newest(const void *a, const void *b)
{
	const ev_in *x = *(const ev_in *const *)a, *y = *(const ev_in *const *)b;
	if (x->ts_ms != y->ts_ms)
		return (x->ts_ms < y->ts_ms) - (x->ts_ms > y->ts_ms);
	return (x > y) - (x < y);   /* the same time: sbxd's order (newest first) */
}

void evlines_set(evlines *l, const ev_in *ev, size_t n, size_t max)
{
	evlines_free(l);
	const ev_in **order = xcalloc(n + 1, sizeof *order);
	for (size_t i = 0; i < n; i++)
		order[i] = &ev[i];
	qsort(order, n, sizeof *order, cmp_newest);
	size_t k = n < max ? n : max;
	l->lines = xcalloc(k + 1, sizeof *l->lines);
	for (size_t i = 0; i < k; i++)
		l->lines[i] = line_of(order[i]);
	l->n = k;
	free(order);
}
