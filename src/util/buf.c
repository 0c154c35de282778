#include "buf.h"
#include "err.h"
#include "xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void buf_init(sbx_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_free(sbx_buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reset(sbx_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_grow(sbx_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_append(sbx_buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(sbx_buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(sbx_buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_printf(sbx_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_consume(sbx_buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *buf_detach(sbx_buf *b)
{
	char *p = b->data ? b->data : xstrdup("");
	buf_init(b);
	return p;
}

const char *buf_cstr(sbx_buf *b)
{
	return b->data ? b->data : "";
}

int buf_read_stream(sbx_buf *b, FILE *f)
{
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(b, chunk, n);
	return ferror(f) ? -1 : 0;
}

int buf_read_file(sbx_buf *b, const char *path, sbx_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return sbx_error_errno(e, "cannot read %s", path);
	int bad = buf_read_stream(b, f) < 0;
	int saved = errno;
	fclose(f);
	if (bad) {
		errno = saved;
		return sbx_error_errno(e, "cannot read %s", path);
	}
	return 0;
}
