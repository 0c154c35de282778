/* aichat: the AI pane's transcript and its wrapped layout (see aichat.h). */
#include "aichat.h"
#include "conbuf.h"
#include "utf8.h"
#include "../../src/util/buf.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define USER_PREFIX "> "
#define PREFIX_COLS 2

typedef struct entry {
	aic_kind kind;
	sbx_buf text;
} entry;

struct aichat {
	entry *v;
	size_t n, cap;
	int open;               /* the last entry is the model's text, still growing */
	char *status;
	unsigned long version;
	/* the layout cache */
	unsigned long lay_version;
	int lay_width;
	aic_row *rows;
	size_t nrows, rows_cap;
	char **owned;
	size_t nowned, owned_cap;
};

aichat *aichat_new(void)
{
	aichat *c = xcalloc(1, sizeof *c);
	c->lay_width = -1;
	return c;
}

static void drop_layout(aichat *c)
{
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	c->nowned = 0;
	c->nrows = 0;
	c->lay_width = -1;
}

void aichat_clear(aichat *c)
{
	for (size_t i = 0; i < c->n; i++)
		buf_free(&c->v[i].text);
	c->n = 0;
	c->open = 0;
	free(c->status);
	c->status = NULL;
	drop_layout(c);
	c->version++;
}

void aichat_free(aichat *c)
{
	if (!c)
		return;
	aichat_clear(c);
	free(c->v);
	free(c->rows);
	free(c->owned);
	free(c);
}

static entry *push(aichat *c, aic_kind kind)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xrealloc(c->v, c->cap * sizeof *c->v);
	}
	entry *e = &c->v[c->n++];
	e->kind = kind;
	buf_init(&e->text);
	c->version++;
	return e;
}

size_t aichat_add(aichat *c, aic_kind kind, const char *text)
{
	c->open = 0;
	entry *e = push(c, kind);
	buf_puts(&e->text, text ? text : "");
	return c->n - 1;
}

void aichat_set(aichat *c, size_t i, const char *text)
{
	if (i >= c->n)
		return;
	buf_reset(&c->v[i].text);
	buf_puts(&c->v[i].text, text ? text : "");
	c->version++;
}

void aichat_text(aichat *c, const char *delta, size_t len)
{
	if (!len)
		return;
	entry *e = c->open ? &c->v[c->n - 1] : push(c, AIC_TEXT);
	c->open = 1;
	buf_append(&e->text, delta, len);
	c->version++;
}

void aichat_turn_end(aichat *c)
{
	c->open = 0;
}

void aichat_status(aichat *c, const char *msg)
{
	free(c->status);
	c->status = msg && *msg ? xstrdup(msg) : NULL;
	c->version++;
}

size_t aichat_count(const aichat *c) { return c->n; }
const char *aichat_status_text(const aichat *c) { return c->status; }
unsigned long aichat_version(const aichat *c) { return c->version; }

const char *aichat_entry(const aichat *c, size_t i, aic_kind *kind)
{
	if (i >= c->n)
		return NULL;
	if (kind)
		*kind = c->v[i].kind;
	return buf_cstr(&c->v[i].text);
}

/* --- layout ----------------------------------------------------------------- */

static void add_row(aichat *c, aic_kind kind, size_t ent, const char *prefix, const char *s, size_t len)
{
	size_t pl = prefix ? strlen(prefix) : 0;
	char *t = xmalloc(pl + len + 1);
	if (pl)
		memcpy(t, prefix, pl);
	memcpy(t + pl, s, len);
	t[pl + len] = '\0';
	if (c->nowned == c->owned_cap) {
		c->owned_cap = c->owned_cap ? c->owned_cap * 2 : 64;
		c->owned = xrealloc(c->owned, c->owned_cap * sizeof *c->owned);
	}
	c->owned[c->nowned++] = t;
	if (c->nrows == c->rows_cap) {
		c->rows_cap = c->rows_cap ? c->rows_cap * 2 : 64;
		c->rows = xrealloc(c->rows, c->rows_cap * sizeof *c->rows);
	}
	c->rows[c->nrows++] = (aic_row){ kind, t, ent };
}

/* One sanitised line (no newline) wrapped into rows of width columns:
 * at the last blank that fits, else mid-word. */
static void wrap_line(aichat *c, aic_kind kind, size_t ent, int width, const char *s, size_t len, int *first)
{
	int indent = kind == AIC_USER;
	int avail = width - (indent ? PREFIX_COLS : 0);
	if (avail < 1) {
		indent = 0;
		avail = width;
	}
	do {
		size_t i = 0, brk = 0;
		int col = 0;
		while (i < len) {
			uint32_t cp;
			size_t k = utf8_decode(s + i, len - i, &cp);
			int w = utf8_cp_width(cp);
			if (w < 0)
				w = 1;
			if (col + w > avail && i > 0)
				break;
			if (cp == ' ')
				brk = i;
			col += w;
			i += k;
		}
		size_t take = i, skip = i;
		if (i < len && s[i] == ' ') {   /* a blank just past the edge */
			skip = i + 1;
		} else if (i < len && brk > 0) {  /* break at the blank; it is not shown */
			take = brk;
			skip = brk + 1;
		}
		add_row(c, kind, ent, indent ? (*first ? USER_PREFIX : "  ") : NULL, s, take);
		*first = 0;
		s += skip;
		len -= skip;
	} while (len > 0);
}

static void layout_text(aichat *c, aic_kind kind, size_t ent, int width, const char *s, size_t len,
			sbx_buf *tmp)
{
	int first = 1;
	/* a streamed text's trailing newline opens no empty row */
	while (len && s[len - 1] == '\n' && kind == AIC_TEXT)
		len--;
	const char *end = s + len;
	do {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t ll = nl ? (size_t)(nl - s) : (size_t)(end - s);
		buf_reset(tmp);
		conbuf_sanitize(s, ll, tmp);
		wrap_line(c, kind, ent, width, tmp->data ? tmp->data : "", tmp->len, &first);
		s = nl ? nl + 1 : end;
	} while (s < end);
}

size_t aichat_layout(aichat *c, int width, const aic_row **rows)
{
	if (width < 1)
		width = 1;
	if (c->lay_width == width && c->lay_version == c->version) {
		*rows = c->rows;
		return c->nrows;
	}
	drop_layout(c);
	sbx_buf tmp = SBX_BUF_INIT;
	for (size_t i = 0; i < c->n; i++) {
		entry *e = &c->v[i];
		if (e->kind == AIC_USER && i > 0)
			add_row(c, AIC_BLANK, (size_t)-1, NULL, "", 0);
		layout_text(c, e->kind, i, width, e->text.data ? e->text.data : "", e->text.len, &tmp);
	}
	if (c->status)
		layout_text(c, AIC_STATUS, (size_t)-1, width, c->status, strlen(c->status), &tmp);
	buf_free(&tmp);
	c->lay_width = width;
	c->lay_version = c->version;
	*rows = c->rows;
	return c->nrows;
}
