/* sse: the WHATWG EventSource line and event rules, fed in pieces. */
#include "sse.h"
#include <string.h>

#define SSE_DEFAULT_MAX_LINE (16u << 20)

void sse_init(sse_parser *p)
{
	memset(p, 0, sizeof *p);
}

void sse_free(sse_parser *p)
{
	buf_free(&p->line);
	buf_free(&p->data);
	buf_free(&p->event);
	p->have_data = 0;
	p->last_cr = 0;
}

static size_t max_line(const sse_parser *p)
{
	return p->max_line ? p->max_line : SSE_DEFAULT_MAX_LINE;
}

static int dispatch(sse_parser *p, sse_event_cb cb, void *ud, sbx_err *e)
{
	int rc = 0;
	if (p->have_data)
		rc = cb(p->event.len ? p->event.data : NULL, buf_cstr(&p->data), p->data.len, ud, e);
	buf_reset(&p->data);
	buf_reset(&p->event);
	p->have_data = 0;
	return rc;
}

/* One complete line (without its end), per the spec's "process the field". */
static int process_line(sse_parser *p, const char *s, size_t n, sse_event_cb cb, void *ud, sbx_err *e)
{
	if (n == 0)
		return dispatch(p, cb, ud, e);
	if (s[0] == ':')
		return 0;
	const char *colon = memchr(s, ':', n);
	size_t flen = colon ? (size_t)(colon - s) : n;
	const char *v = colon ? colon + 1 : s + n;
	size_t vlen = (size_t)(s + n - v);
	if (vlen && *v == ' ') {
		v++;
		vlen--;
	}
	if (flen == 4 && !memcmp(s, "data", 4)) {
		/* Data lines join with '\n'; the event as a whole is bounded too,
		 * or endless data lines without a blank one would grow forever. */
		if (p->data.len + vlen + 1 > max_line(p))
			return sbx_error(e, "the model's event stream sent an event longer than %zu bytes", max_line(p));
		if (p->have_data)
			buf_putc(&p->data, '\n');
		buf_append(&p->data, v, vlen);
		p->have_data = 1;
	} else if (flen == 5 && !memcmp(s, "event", 5)) {
		buf_reset(&p->event);
		buf_append(&p->event, v, vlen);
	}
	/* id, retry and unknown fields: nothing a model stream needs. */
	return 0;
}

int sse_feed(sse_parser *p, const char *bytes, size_t len, sse_event_cb cb, void *ud, sbx_err *e)
{
	size_t i = 0;
	if (len && p->last_cr && bytes[0] == '\n')
		i = 1;   /* the LF of a CRLF split across feeds */
	p->last_cr = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && bytes[j] != '\n' && bytes[j] != '\r')
			j++;
		if (p->line.len + (j - i) > max_line(p))
			return sbx_error(e, "the model's event stream sent a line longer than %zu bytes", max_line(p));
		if (j == len) {   /* no line end yet: keep the piece */
			buf_append(&p->line, bytes + i, j - i);
			break;
		}
		int rc;
		if (p->line.len) {
			buf_append(&p->line, bytes + i, j - i);
			rc = process_line(p, p->line.data, p->line.len, cb, ud, e);
			buf_reset(&p->line);
		} else {
			rc = process_line(p, bytes + i, j - i, cb, ud, e);
		}
		if (rc < 0)
			return -1;
		if (bytes[j] == '\r') {
			if (j + 1 == len)
				p->last_cr = 1;
			else if (bytes[j + 1] == '\n')
				j++;
		}
		i = j + 1;
	}
	return 0;
}

int sse_finish(sse_parser *p, sse_event_cb cb, void *ud, sbx_err *e)
{
	int rc = 0;
	if (p->line.len) {
		rc = process_line(p, p->line.data, p->line.len, cb, ud, e);
		buf_reset(&p->line);
	}
	if (rc == 0)
		rc = dispatch(p, cb, ud, e);
	p->last_cr = 0;
	return rc;
}
