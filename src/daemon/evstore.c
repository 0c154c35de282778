#include "evstore.h"
#include "files.h"
#include "../util/buf.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A file line longer than this is not one of ours. */
#define LINE_MAX_BYTES 65536

struct ev_item {
	json_t *ev;
	int64_t ms;
};

struct ev_store {
	char *path;
	size_t max_n;
	int64_t max_age_ms;
	struct ev_item *v;
	size_t n, cap;
	size_t file_lines;   /* events in the file (>= n) */
};

/* Its time, or -1 when ev is not an event. */
static int64_t event_ms(json_t *ev)
{
	int64_t ms;
	const char *ts = json_string_value(json_object_get(ev, "timestamp"));
	if (!json_is_object(ev) || !json_is_string(json_object_get(ev, "sandboxId")) ||
	    !json_is_string(json_object_get(ev, "type")) || !ts || rfc3339_parse(ts, &ms) < 0)
		return -1;
	return ms;
}

static void push(ev_store *s, json_t *ev, int64_t ms)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n].ev = ev;
	s->v[s->n].ms = ms;
	s->n++;
}

/* Drops the first k events. */
static void drop_first(ev_store *s, size_t k)
{
	for (size_t i = 0; i < k; i++)
		json_decref(s->v[i].ev);
	memmove(s->v, s->v + k, (s->n - k) * sizeof *s->v);
	s->n -= k;
}

static int rewrite(ev_store *s, sbx_err *e)
{
	if (!s->path)
		return 0;
	sbx_buf b = SBX_BUF_INIT;
	for (size_t i = 0; i < s->n; i++) {
		char *line = json_dumps(s->v[i].ev, JSON_COMPACT);
		if (line) {
			buf_printf(&b, "%s\n", line);
			free(line);
		}
	}
	int rc = files_write_atomic(s->path, b.data ? b.data : "", b.len, 0600, e);
	buf_free(&b);
	if (rc == 0)
		s->file_lines = s->n;
	return rc;
}

static void load(ev_store *s, sbx_err *warn)
{
	char *text;
	size_t len;
	sbx_err e;
	if (access(s->path, F_OK) < 0)
		return;
	/* Bounded by what a full store can hold twice, with room for long lines. */
	if (files_read(s->path, (s->max_n * 2 + 16) * 4096, &text, &len, &e) < 0) {
		if (warn)
			sbx_error(warn, "the event log %s could not be read (%s); starting with no events", s->path, e.msg);
		return;
	}
	size_t skipped = 0;
	for (char *p = text, *end = text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && n < LINE_MAX_BYTES) {
			json_t *ev = json_loadb(p, n, 0, NULL);
			int64_t ms = event_ms(ev);
			if (ms >= 0)
				push(s, ev, ms);
			else {
				json_decref(ev);
				skipped++;
			}
		} else if (n) {
			skipped++;
		}
		p += n + 1;
	}
	free(text);
	s->file_lines = s->n + skipped;
	if (skipped && warn)
		sbx_error(warn, "the event log %s had %zu unreadable line%s (dropped)", s->path, skipped,
			  skipped == 1 ? "" : "s");
}

ev_store *evs_open(const char *path, size_t max_n, int64_t max_age_ms, int64_t now, sbx_err *warn)
{
	ev_store *s = xcalloc(1, sizeof *s);
	s->path = path ? xstrdup(path) : NULL;
	s->max_n = max_n ? max_n : 1;
	s->max_age_ms = max_age_ms;
	if (warn)
		warn->msg[0] = '\0';
	if (s->path)
		load(s, warn);
	sbx_err e;
	size_t had = s->file_lines;
	evs_trim(s, now, &e);
	if (s->file_lines != had || had != s->n)   /* bad lines too: leave a clean file */
		rewrite(s, &e);
	return s;
}

void evs_free(ev_store *s)
{
	if (!s)
		return;
	drop_first(s, s->n);
	free(s->v);
	free(s->path);
	free(s);
}

size_t evs_count(const ev_store *s)
{
	return s->n;
}

int evs_trim(ev_store *s, int64_t now, sbx_err *e)
{
	size_t k = 0;
	while (k < s->n && s->v[k].ms < now - s->max_age_ms)
		k++;
	if (s->n - k > s->max_n)
		k = s->n - s->max_n;
	if (!k)
		return 0;
	drop_first(s, k);
	return rewrite(s, e);
}

int evs_add(ev_store *s, json_t *ev, sbx_err *e)
{
	int64_t ms = event_ms(ev);
	if (ms < 0) {
		json_decref(ev);
		return sbx_error(e, "not an event (it needs sandboxId, type and an RFC 3339 timestamp)");
	}
	push(s, ev, ms);
	if (s->n > s->max_n)
		drop_first(s, s->n - s->max_n);
	if (!s->path)
		return 0;
	if (s->file_lines + 1 > 2 * s->max_n)
		return rewrite(s, e);
	char *line = json_dumps(ev, JSON_COMPACT);
	if (!line)
		return sbx_error(e, "cannot encode an event");
	size_t len = strlen(line);
	line[len++] = '\n';   /* over its NUL: what we write is counted, not terminated */
	int fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	ssize_t w = fd < 0 ? -1 : write(fd, line, len);
	int err = errno;
	if (fd >= 0)
		close(fd);
	free(line);
	if (w != (ssize_t)len) {
		errno = err;
		return sbx_error_errno(e, "cannot append to the event log %s", s->path);
	}
	s->file_lines++;
	return 0;
}

static int matches(const struct ev_item *it, const evs_query *q)
{
	if (q->sandbox_id && strcmp(json_string_value(json_object_get(it->ev, "sandboxId")), q->sandbox_id))
		return 0;
	if (!q->types || !q->types[0])
		return 1;
	const char *t = json_string_value(json_object_get(it->ev, "type"));
	for (const char *const *p = q->types; *p; p++)
		if (!strcmp(*p, t))
			return 1;
	return 0;
}

json_t *evs_find(const ev_store *s, const evs_query *q)
{
	json_t *out = json_array();
	size_t skipped = 0;
	for (size_t k = 0; k < s->n; k++) {
		const struct ev_item *it = &s->v[q->asc ? k : s->n - 1 - k];
		if (!matches(it, q))
			continue;
		if (skipped++ < q->offset)
			continue;
		if (q->limit && json_array_size(out) >= q->limit)
			break;
		json_array_append(out, it->ev);
	}
	return out;
}

size_t evs_count_for(const ev_store *s, const char *sandbox_id)
{
	evs_query q = { .sandbox_id = sandbox_id };
	size_t n = 0;
	for (size_t k = 0; k < s->n; k++)
		n += matches(&s->v[k], &q);
	return n;
}
