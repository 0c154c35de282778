/* conbuf: see conbuf.h. */
#include "conbuf.h"
#include "utf8.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define FP_MAX 256   /* bytes remembered to find a section's place again */
#define FP_LINES 4   /* ... and lines: a window that slid keeps them */
#define TABW 8

typedef struct con_src {
	char *name;
	size_t off;            /* bytes of the last answer's section taken */
	char fp[FP_MAX];       /* the bytes before the last newline taken */
	size_t fplen;
	char *pending;         /* the last line, held back */
	size_t npending;
	int has_pending;
	int fed;               /* an answer had it before */
} con_src;

typedef struct con_line {
	char *s;
	con_kind kind;
} con_line;

struct conbuf {
	con_line *ring;
	size_t max, head, n;   /* line i is ring[(head + i) % max] */
	uint64_t dropped;
	con_src *src;
	size_t nsrc;
	const con_src *last;   /* the source of the last line appended */
	sbx_buf tmp;
};

conbuf *conbuf_new(size_t max_lines)
{
	conbuf *cb = xcalloc(1, sizeof *cb);
	cb->max = max_lines ? max_lines : 1;
	cb->ring = xcalloc(cb->max, sizeof *cb->ring);
	return cb;
}

void conbuf_free(conbuf *cb)
{
	if (!cb)
		return;
	for (size_t i = 0; i < cb->n; i++)
		free(cb->ring[(cb->head + i) % cb->max].s);
	free(cb->ring);
	for (size_t i = 0; i < cb->nsrc; i++) {
		free(cb->src[i].name);
		free(cb->src[i].pending);
	}
	free(cb->src);
	buf_free(&cb->tmp);
	free(cb);
}

size_t conbuf_count(const conbuf *cb) { return cb->n; }
uint64_t conbuf_dropped(const conbuf *cb) { return cb->dropped; }

const char *conbuf_line(const conbuf *cb, size_t i, con_kind *kind)
{
	if (i >= cb->n)
		return NULL;
	const con_line *l = &cb->ring[(cb->head + i) % cb->max];
	if (kind)
		*kind = l->kind;
	return l->s;
}

/* --- sanitising ------------------------------------------------------------- */

static int is_bidi(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f;
}

/* Length of the escape sequence at s[0] == ESC (all of it when unfinished). */
static size_t esc_len(const char *s, size_t len)
{
	if (len < 2)
		return len;
	size_t i = 2;
	if (s[1] == '[') {                    /* CSI: parameters, then a final byte */
		while (i < len && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7e))
			i++;
		return i < len ? i + 1 : len;
	}
	if (s[1] == ']' || s[1] == 'P' || s[1] == '_' || s[1] == '^') {   /* OSC, DCS...: to BEL or ST */
		for (; i < len; i++) {
			if (s[i] == '\a')
				return i + 1;
			if (s[i] == 0x1b && i + 1 < len && s[i + 1] == '\\')
				return i + 2;
		}
		return len;
	}
	return 2;
}

void conbuf_sanitize(const char *s, size_t len, sbx_buf *out)
{
	/* A carriage return inside a line: what follows was drawn over it. */
	for (size_t i = len; i > 0; i--)
		if (s[i - 1] == '\r' && i < len) {
			s += i;
			len -= i;
			break;
		}
	size_t start = out->len;
	int col = 0;
	for (size_t i = 0; i < len;) {
		if (out->len - start >= CONBUF_LINE_MAX) {
			buf_puts(out, "\xe2\x80\xa6");   /* … */
			return;
		}
		if (s[i] == 0x1b) {
			i += esc_len(s + i, len - i);
			continue;
		}
		uint32_t cp;
		size_t k = utf8_decode(s + i, len - i, &cp);
		i += k;
		if (cp == '\r')
			continue;
		if (cp == '\t') {
			do
				buf_putc(out, ' ');
			while (++col % TABW);
			continue;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || is_bidi(cp))
			cp = '?';
		char enc[4];
		buf_append(out, enc, utf8_encode(cp, enc));
		int w = utf8_cp_width(cp);
		col += w > 0 ? w : 0;
	}
}

/* --- lines ------------------------------------------------------------------ */

static void push(conbuf *cb, con_kind kind, char *s)
{
	if (cb->n == cb->max) {
		free(cb->ring[cb->head].s);
		cb->head = (cb->head + 1) % cb->max;
		cb->n--;
		cb->dropped++;
	}
	cb->ring[(cb->head + cb->n) % cb->max] = (con_line){ s, kind };
	cb->n++;
}

static void push_text(conbuf *cb, con_kind kind, const char *s, size_t len)
{
	buf_reset(&cb->tmp);
	conbuf_sanitize(s, len, &cb->tmp);
	buf_putc(&cb->tmp, '\0');
	push(cb, kind, xstrdup(cb->tmp.data));
}

/* A line of source src: a header first when the source changed. */
static void append(conbuf *cb, const con_src *src, const char *s, size_t len)
{
	if (cb->last != src) {
		char *h = xasprintf("\xe2\x94\x80\xe2\x94\x80 %s \xe2\x94\x80\xe2\x94\x80", *src->name ? src->name : "log");
		buf_reset(&cb->tmp);
		conbuf_sanitize(h, strlen(h), &cb->tmp);
		buf_putc(&cb->tmp, '\0');
		push(cb, CON_HEADER, xstrdup(cb->tmp.data));
		free(h);
		cb->last = src;
	}
	if (len && s[len - 1] == '\r')
		len--;
	push_text(cb, CON_TEXT, s, len);
}

static con_src *source(conbuf *cb, const char *name, size_t len)
{
	for (size_t i = 0; i < cb->nsrc; i++)
		if (strlen(cb->src[i].name) == len && !memcmp(cb->src[i].name, name, len))
			return &cb->src[i];
	/* cb->last points into the array: keep it across the realloc */
	size_t last = cb->last ? (size_t)(cb->last - cb->src) : (size_t)-1;
	cb->src = xrealloc(cb->src, (cb->nsrc + 1) * sizeof *cb->src);
	if (last != (size_t)-1)
		cb->last = &cb->src[last];
	con_src *s = &cb->src[cb->nsrc++];
	memset(s, 0, sizeof *s);
	s->name = xmalloc(len + 1);
	memcpy(s->name, name, len);
	s->name[len] = '\0';
	return s;
}

/* The last occurrence of needle in hay, or NULL. */
static const char *last_of(const char *hay, size_t n, const char *needle, size_t k)
{
	const char *found = NULL, *p = hay;
	while (k && (size_t)(p - hay) + k <= n) {
		const char *q = memmem(p, n - (size_t)(p - hay), needle, k);
		if (!q)
			break;
		found = q;
		p = q + 1;
	}
	return found;
}

/* Where the section's new text starts. */
static size_t new_start(conbuf *cb, con_src *src, const char *t, size_t n)
{
	if (!src->off)
		return 0;
	/* the fast path: the same bytes where they were */
	if (src->off <= n && src->off >= src->fplen + 1 &&
	    !memcmp(t + src->off - 1 - src->fplen, src->fp, src->fplen)) {
		size_t s = src->off - 1;
		return t[s] == '\n' ? s + 1 : s;   /* else the "line" was unfinished: its rest is new */
	}
	const char *at = last_of(t, n, src->fp, src->fplen);
	if (at) {
		size_t s = (size_t)(at - t) + src->fplen;
		return s < n && t[s] == '\n' ? s + 1 : s;
	}
	cb->last = NULL;
	char *note = xasprintf("(%s restarted or lost lines between two reads)", *src->name ? src->name : "the log");
	push(cb, CON_NOTE, note);
	src->has_pending = 0;
	return 0;
}

static void feed_section(conbuf *cb, con_src *src, const char *t, size_t n, size_t *added)
{
	if (!n) {
		src->fed = 1;
		return;   /* empty now: keep the place; a restart shows when text comes */
	}
	size_t before = cb->n + cb->dropped;
	size_t s = new_start(cb, src, t, n), taken = s;
	while (s < n) {
		const char *nl = memchr(t + s, '\n', n - s);
		size_t e = nl ? (size_t)(nl - t) : n, next = nl ? e + 1 : n;
		if (next < n) {
			append(cb, src, t + s, e - s);
			taken = next;
		} else if (!src->fed || (src->has_pending && src->npending == e - s && !memcmp(src->pending, t + s, e - s))) {
			/* the first answer is history: all of it */
			append(cb, src, t + s, e - s);   /* the same last line twice: it is whole */
			src->has_pending = 0;
			taken = next;
		} else {
			free(src->pending);
			src->pending = xmalloc(e - s + 1);
			memcpy(src->pending, t + s, e - s);
			src->npending = e - s;
			src->has_pending = 1;
		}
		s = next;
	}
	if (taken > 0) {   /* the next answer goes on after `taken` */
		src->off = taken;
		/* remember the bytes before the newline ending what was taken */
		size_t end = t[taken - 1] == '\n' ? taken - 1 : taken;
		size_t from = end > FP_MAX ? end - FP_MAX : 0, nl = 0;
		for (size_t i = end; i > from; i--)   /* at most FP_LINES lines */
			if (t[i - 1] == '\n' && ++nl == FP_LINES) {
				from = i;
				break;
			}
		src->fplen = end - from;
		memcpy(src->fp, t + end - src->fplen, src->fplen);
		if (t[taken - 1] != '\n')
			src->off = taken + 1;
	}
	src->fed = 1;
	*added += cb->n + cb->dropped - before;
}

static int header(const char *l, size_t len, const char **name, size_t *nlen)
{
	if (len < 9 || memcmp(l, "==> ", 4) || memcmp(l + len - 4, " <==", 4))
		return 0;
	*name = l + 4;
	*nlen = len - 8;
	return 1;
}

/* 1 when a section of this name came earlier in the answer: a log line
 * that looks like sbxd's header (the sandbox wrote it) is text. */
static int seen(const char *const *names, const size_t *lens, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (lens[i] == len && !memcmp(names[i], name, len))
			return 1;
	return 0;
}

size_t conbuf_feed(conbuf *cb, const char *text, size_t len)
{
	size_t added = 0, i = 0;
	const char *name = "";
	size_t nlen = 0, body = 0;
	int in = 0;
	const char **names = NULL;
	size_t *lens = NULL, nnames = 0;
	while (i <= len) {
		const char *nl = i < len ? memchr(text + i, '\n', len - i) : NULL;
		size_t e = nl ? (size_t)(nl - text) : len;
		const char *hn = NULL;
		size_t hl = 0;
		if (i == len || (header(text + i, e - i, &hn, &hl) && !seen(names, lens, nnames, hn, hl))) {
			/* the section before this header (or the end) */
			if (in || i > body)
				feed_section(cb, source(cb, name, nlen), text + body, i - body, &added);
			if (i == len)
				break;
			name = hn;
			nlen = hl;
			names = xrealloc(names, (nnames + 1) * sizeof *names);
			lens = xrealloc(lens, (nnames + 1) * sizeof *lens);
			names[nnames] = hn;
			lens[nnames++] = hl;
			in = 1;
			body = nl ? e + 1 : len;
		}
		i = nl ? e + 1 : len;
	}
	free(names);
	free(lens);
	return added;
}
