/*
 * Streaming multipart parser.  The body is scanned for the delimiter
 * "\r\n--<boundary>"; the first delimiter may start the body, which we get
 * for free by starting with "\r\n" already matched.  Bytes that might begin
 * a delimiter are held back (as a match length: they are a prefix of the
 * delimiter, so they need no buffer) until the next byte decides.
 */
#include "multipart.h"
#include "../util/buf.h"
#include "../util/url.h"
#include "../util/xalloc.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MP_MAX_BOUNDARY 200          /* RFC 2046 says 70; be lenient */
#define MP_MAX_HEADERS (16 * 1024)   /* one part's header block */

enum mp_state {
	ST_PREAMBLE,   /* before the first delimiter: discarded */
	ST_TAIL,       /* right after a delimiter: "--" or LWSP* CRLF */
	ST_DASH2,      /* saw "-" after the delimiter */
	ST_LWSP,       /* transport padding after the delimiter */
	ST_CR,         /* saw CR after the delimiter */
	ST_HEADERS,    /* a part's header block, up to the empty line */
	ST_BODY,       /* a part's data */
	ST_END,        /* after the close delimiter: epilogue, discarded */
	ST_ERROR,
};

struct mp_parser {
	char *delim;            /* "\r\n--" boundary */
	size_t dlen;
	size_t m;               /* delimiter bytes matched so far */
	enum mp_state state;
	int stopped;            /* the error came from a callback */
	sbx_buf hdr;
	mp_callbacks cb;
	void *ud;
	sbx_err err;
};

/* --- header values: type *( ";" name "=" ( token | quoted-string ) ) ------ */

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static char *trimmed(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

/* The leading type ("form-data", "multipart/form-data"); *sp moves past it. */
static char *value_type(const char **sp)
{
	const char *s = skip_ws(*sp);
	size_t n = strcspn(s, ";");
	*sp = s + n;
	return trimmed(s, n);
}

/* Next parameter: 1 with heap name and value, 0 at the end, -1 when malformed. */
static int next_param(const char **sp, char **name, char **value)
{
	const char *s = *sp;
	for (;;) {
		s = skip_ws(s);
		if (*s != ';')
			break;
		s++;
	}
	if (!*s)
		return 0;
	size_t n = strcspn(s, "=;");
	if (s[n] != '=')
		return -1;
	*name = trimmed(s, n);
	s = skip_ws(s + n + 1);
	if (*s == '"') {
		sbx_buf v = SBX_BUF_INIT;
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			buf_putc(&v, *s);
		}
		if (*s != '"') {
			buf_free(&v);
			free(*name);
			return -1;
		}
		*value = xstrdup(buf_cstr(&v));
		buf_free(&v);
		s++;
	} else {
		n = strcspn(s, ";");
		*value = trimmed(s, n);
		s += n;
	}
	*sp = s;
	return 1;
}

/* RFC 5987 ext-value "UTF-8'lang'pct%20encoded"; NULL when unusable. */
static char *ext_value(const char *v)
{
	const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
	if (!q2)
		return NULL;
	size_t cl = (size_t)(q1 - v);
	if (!((cl == 5 && !strncasecmp(v, "utf-8", 5)) || (cl == 8 && !strncasecmp(v, "us-ascii", 8))))
		return NULL;
	sbx_buf out = SBX_BUF_INIT;
	for (const char *s = q2 + 1; *s; s++) {
		int hi, lo;
		if (*s != '%') {
			buf_putc(&out, *s);
			continue;
		}
		if ((hi = url_hexval(s[1])) < 0 || (lo = url_hexval(s[2])) < 0 || (hi == 0 && lo == 0)) {
			buf_free(&out);
			return NULL;
		}
		buf_putc(&out, (char)(hi << 4 | lo));
		s += 2;
	}
	return buf_detach(&out);
}

char *mp_boundary_from_content_type(const char *ct, sbx_err *e)
{
	if (!ct)
		return sbx_error(e, "missing Content-Type: send multipart/form-data; boundary=..."), NULL;
	const char *s = ct;
	char *type = value_type(&s);
	int is_mp = !strncasecmp(type, "multipart/", 10);
	free(type);
	if (!is_mp)
		return sbx_error(e, "Content-Type '%s' is not multipart", ct), NULL;
	char *name, *value, *boundary = NULL;
	int rc;
	while ((rc = next_param(&s, &name, &value)) > 0) {
		if (!strcasecmp(name, "boundary") && !boundary) {
			boundary = value;
			value = NULL;
		}
		free(name);
		free(value);
	}
	if (rc < 0) {
		free(boundary);
		return sbx_error(e, "malformed parameters in Content-Type '%s'", ct), NULL;
	}
	if (!boundary)
		return sbx_error(e, "Content-Type '%s' has no boundary parameter", ct), NULL;
	return boundary;
}

/* --- the parser -------------------------------------------------------------- */

mp_parser *mp_new(const char *boundary, const mp_callbacks *cb, void *ud, sbx_err *e)
{
	size_t bl = boundary ? strlen(boundary) : 0;
	if (bl == 0 || bl > MP_MAX_BOUNDARY)
		return sbx_error(e, "multipart boundary must be 1 to %d characters long", MP_MAX_BOUNDARY), NULL;
	/* The held-back logic relies on CR appearing only at the delimiter's start. */
	if (strpbrk(boundary, "\r\n"))
		return sbx_error(e, "multipart boundary must not contain CR or LF"), NULL;
	mp_parser *p = xcalloc(1, sizeof *p);
	p->delim = xasprintf("\r\n--%s", boundary);
	p->dlen = bl + 4;
	p->m = 2;   /* the body may open with "--boundary": pretend a CRLF came first */
	p->state = ST_PREAMBLE;
	p->cb = *cb;
	p->ud = ud;
	return p;
}

void mp_free(mp_parser *p)
{
	if (!p)
		return;
	free(p->delim);
	buf_free(&p->hdr);
	free(p);
}

int mp_stopped_by_receiver(const mp_parser *p)
{
	return p->stopped;
}

static int fail(mp_parser *p, sbx_err *e, const char *msg)
{
	if (p->state != ST_ERROR) {
		sbx_error(&p->err, "%s", msg);
		p->state = ST_ERROR;
	}
	return sbx_error(e, "%s", p->err.msg);
}

static int stop(mp_parser *p, sbx_err *e)
{
	p->stopped = 1;
	return fail(p, e, "multipart: stopped by the receiver");
}

/* The header lines of hdr ("Name: value\r\n" each), unfolded, one per
 * '\n'-terminated line. */
static void unfold(const char *s, sbx_buf *lines)
{
	while (*s) {
		const char *eol = strstr(s, "\r\n");
		size_t n = eol ? (size_t)(eol - s) : strlen(s);
		if ((*s == ' ' || *s == '\t') && lines->len)
			lines->data[lines->len - 1] = ' ';   /* join onto the previous line */
		buf_append(lines, s, n);
		buf_putc(lines, '\n');
		s += n + (eol ? 2 : 0);
	}
}

struct part_hdrs {
	char *name, *filename, *filename_ext, *ctype;
};

/* One header line (NUL-terminated, no newline); an error message or NULL. */
static const char *header_line(char *line, struct part_hdrs *h)
{
	char *colon = strchr(line, ':');
	if (!colon || colon == line)
		return "multipart: malformed part header line (expected 'Name: value')";
	*colon = '\0';
	const char *v = skip_ws(colon + 1);
	if (!strcasecmp(line, "Content-Type")) {
		free(h->ctype);
		h->ctype = trimmed(v, strlen(v));
		return NULL;
	}
	if (strcasecmp(line, "Content-Disposition"))
		return NULL;
	free(value_type(&v));
	char *pn, *pv;
	int rc;
	while ((rc = next_param(&v, &pn, &pv)) > 0) {
		char **slot = !strcasecmp(pn, "name") ? &h->name
			      : !strcasecmp(pn, "filename") ? &h->filename
			      : !strcasecmp(pn, "filename*") ? &h->filename_ext : NULL;
		if (slot) {
			free(*slot);
			*slot = pv;
			pv = NULL;
		}
		free(pn);
		free(pv);
	}
	return rc < 0 ? "multipart: malformed Content-Disposition parameters in a part" : NULL;
}

/* Headers of one part from p->hdr (the blank line stripped); calls part_begin. */
static int parse_headers(mp_parser *p, sbx_err *e)
{
	struct part_hdrs h = { NULL, NULL, NULL, NULL };
	const char *msg = NULL;
	int rc = 0;
	if (p->hdr.len && memchr(p->hdr.data, '\0', p->hdr.len))
		msg = "multipart: NUL byte in part headers";   /* would cut names short */
	sbx_buf lines = SBX_BUF_INIT;
	if (!msg)
		unfold(buf_cstr(&p->hdr), &lines);
	for (char *line = lines.data, *next; !msg && line && *line; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		msg = header_line(line, &h);
	}
	buf_free(&lines);
	if (!msg && h.filename_ext) {
		char *dec = ext_value(h.filename_ext);
		if (dec) {
			free(h.filename);
			h.filename = dec;
		}
	}
	if (msg) {
		rc = fail(p, e, msg);
	} else if (p->cb.part_begin) {
		mp_part part = { h.name, h.filename, h.ctype };
		if (p->cb.part_begin(&part, p->ud) < 0)
			rc = stop(p, e);
	}
	free(h.name);
	free(h.filename);
	free(h.filename_ext);
	free(h.ctype);
	return rc;
}

/* Scans s[*pos..len) for the delimiter, passing data on in ST_BODY.
 * Returns 1 with *pos just past a complete delimiter, 0 when the input ran
 * out (*pos = len), -1 when part_data stopped. */
static int scan(mp_parser *p, const char *s, size_t len, size_t *pos)
{
	const char *d = p->delim;
	size_t i = *pos, run = i;
	size_t carry = p->m;   /* matched bytes that arrived before s[*pos] */
	int emit = p->state == ST_BODY && p->cb.part_data;
	while (i < len) {
		if (p->m == 0) {
			const char *cr = memchr(s + i, '\r', len - i);
			if (!cr) {
				i = len;
				break;
			}
			i = (size_t)(cr - s) + 1;
			p->m = 1;
			continue;
		}
		if (s[i] == d[p->m]) {
			i++;
			if (++p->m == p->dlen) {
				size_t start = i - (p->dlen - carry);   /* delimiter's first byte here */
				if (emit && start > run && p->cb.part_data(s + run, start - run, p->ud) < 0)
					return -1;
				p->m = 0;
				*pos = i;
				return 1;
			}
			continue;
		}
		/* Not a delimiter after all: the held bytes were data.  Those from an
		 * earlier chunk go out first; the rest are already in the run.  As
		 * CR occurs only at d[0], no shorter suffix can still match, so
		 * matching restarts at s[i] itself. */
		if (carry) {
			if (emit && p->cb.part_data(d, carry, p->ud) < 0)
				return -1;
			carry = 0;
		}
		p->m = 0;
	}
	size_t end = len - (p->m - carry);   /* hold back this chunk's matched bytes */
	if (emit && end > run && p->cb.part_data(s + run, end - run, p->ud) < 0)
		return -1;
	*pos = len;
	return 0;
}

int mp_feed(mp_parser *p, const char *data, size_t len, sbx_err *e)
{
	size_t i = 0;
	if (p->state == ST_ERROR)
		return sbx_error(e, "%s", p->err.msg);
	while (i < len) {
		char c;
		switch (p->state) {
		case ST_PREAMBLE:
		case ST_BODY: {
			int rc = scan(p, data, len, &i);
			if (rc < 0)
				return stop(p, e);
			if (rc == 0)
				return 0;
			if (p->state == ST_BODY && p->cb.part_end && p->cb.part_end(p->ud) < 0)
				return stop(p, e);
			p->state = ST_TAIL;
			break;
		}
		case ST_TAIL:
		case ST_LWSP:
			c = data[i++];
			if (c == '-' && p->state == ST_TAIL)
				p->state = ST_DASH2;
			else if (c == ' ' || c == '\t')
				p->state = ST_LWSP;
			else if (c == '\r')
				p->state = ST_CR;
			else
				return fail(p, e, "multipart: junk after a boundary (expected CRLF or '--')");
			break;
		case ST_DASH2:
			if (data[i++] != '-')
				return fail(p, e, "multipart: junk after a boundary (expected CRLF or '--')");
			p->state = ST_END;
			break;
		case ST_CR:
			if (data[i++] != '\n')
				return fail(p, e, "multipart: boundary line not ended by CRLF");
			buf_reset(&p->hdr);
			p->state = ST_HEADERS;
			break;
		case ST_HEADERS: {
			/* The block ends at the first empty line: "\r\n" alone (no
			 * headers) or "\r\n\r\n" after the last header. */
			buf_putc(&p->hdr, data[i++]);
			size_t n = p->hdr.len;
			const char *h = p->hdr.data;
			int done = (n == 2 && !memcmp(h, "\r\n", 2)) ||
				   (n >= 4 && !memcmp(h + n - 4, "\r\n\r\n", 4));
			if (!done) {
				if (n > MP_MAX_HEADERS)
					return fail(p, e, "multipart: a part's headers exceed 16 KiB");
				break;
			}
			p->hdr.len -= 2;   /* keep each header's own CRLF */
			p->hdr.data[p->hdr.len] = '\0';
			if (parse_headers(p, e) < 0)
				return -1;
			p->state = ST_BODY;
			p->m = 0;
			break;
		}
		case ST_END:
			return 0;   /* the epilogue is ignored */
		case ST_ERROR:
			return sbx_error(e, "%s", p->err.msg);
		}
	}
	return 0;
}

int mp_finish(mp_parser *p, sbx_err *e)
{
	switch (p->state) {
	case ST_END:
		return 0;
	case ST_ERROR:
		return sbx_error(e, "%s", p->err.msg);
	case ST_PREAMBLE:
		return fail(p, e, "multipart: body has no boundary line (empty or truncated body, or a wrong boundary)");
	default:
		return fail(p, e, "multipart: body ended before the closing boundary (truncated upload?)");
	}
}
