/* template_toml: e2b.toml → template_e2b.  A strict subset of TOML: what
 * E2B's CLI writes and people hand-edit (key = "string" | 'literal' |
 * integer | true/false, comments); anything else is an error naming the
 * line.  Bounded (TOML_MAX_BYTES) and safe on any bytes. */
#include "template.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/proto/jsontext.h"
#include "../../src/util/buf.h"
#include "../../src/util/xalloc.h"

typedef struct toml_p {
	const char *path;
	const char *s, *end;   /* the rest of the input */
	int line;
	sbx_err *e;
	template_e2b *out;
	char *seen[16];        /* keys already set (a repeat is an error) */
	size_t nseen;
} toml_p;

enum { V_STR, V_INT, V_BOOL };
typedef struct toml_val {
	int kind;
	char *str;
	long long num;
} toml_val;

static int perr(toml_p *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(toml_p *p, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sbx_error(p->e, "%s:%d: %s", p->path, p->line, msg);
}

static void warn(toml_p *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(toml_p *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	template_e2b *o = p->out;
	o->warnings = xrealloc(o->warnings, (o->nwarnings + 1) * sizeof *o->warnings);
	o->warnings[o->nwarnings++] = xasprintf("%s:%d: %s", p->path, p->line, msg);
}

static void skip_ws(toml_p *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t'))
		p->s++;
}

/* After a value: spaces, an optional comment, then the end of the line. */
static int end_of_line(toml_p *p)
{
	skip_ws(p);
	if (p->s < p->end && *p->s == '#')
		while (p->s < p->end && *p->s != '\n')
			p->s++;
	if (p->s < p->end && *p->s == '\r' && p->s + 1 < p->end && p->s[1] == '\n')
		p->s++;
	if (p->s < p->end && *p->s != '\n')
		return perr(p, "unexpected '%c' after the value; one `key = value` per line", *p->s);
	return 0;
}

static void put_utf8(sbx_buf *b, uint32_t c)
{
	char u[4];
	size_t n;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	buf_append(b, u, n);
}

/* A basic ("…", escapes) or literal ('…') string on one line; p->s is at the quote. */
static int string(toml_p *p, char **out)
{
	char q = *p->s++;
	if (p->end - p->s >= 2 && p->s[0] == q && p->s[1] == q)
		return perr(p, "multi-line strings (%c%c%c) are not supported; write the value on one line",
			    q, q, q);
	sbx_buf b = SBX_BUF_INIT;
	for (;;) {
		if (p->s >= p->end || *p->s == '\n' || *p->s == '\r') {
			buf_free(&b);
			return perr(p, "unterminated string: a closing %c is missing on this line", q);
		}
		unsigned char c = (unsigned char)*p->s;
		if (c == (unsigned char)q) {
			p->s++;
			break;
		}
		if (c == 0 || (c < 0x20 && c != '\t') || c == 0x7f) {
			buf_free(&b);
			return perr(p, "control character 0x%02x in a string; write it as an escape (\\n, \\u0001)", c);
		}
		if (c >= 0x80) {
			size_t n = utf8_valid_seq((const unsigned char *)p->s, (size_t)(p->end - p->s));
			if (!n) {
				buf_free(&b);
				return perr(p, "a string is not valid UTF-8; save the file as UTF-8");
			}
			buf_append(&b, p->s, n);
			p->s += n;
			continue;
		}
		p->s++;
		if (c != '\\' || q == '\'') {
			buf_putc(&b, (char)c);
			continue;
		}
		char x = p->s < p->end ? *p->s++ : '\0';
		const char *simple = strchr("btnfr\"\\", x);
		if (x && simple) {
			buf_putc(&b, "\b\t\n\f\r\"\\"[simple - "btnfr\"\\"]);
			continue;
		}
		int digits = x == 'u' ? 4 : x == 'U' ? 8 : 0;
		uint32_t cp = 0;
		for (int i = 0; digits && i < digits; i++) {
			if (p->s >= p->end || !isxdigit((unsigned char)*p->s)) {
				digits = -1;
				break;
			}
			char h = (char)tolower((unsigned char)*p->s++);
			cp = cp * 16 + (uint32_t)(isdigit((unsigned char)h) ? h - '0' : h - 'a' + 10);
		}
		if (digits <= 0 || cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			buf_free(&b);
			return perr(p, "bad escape in a string (TOML knows \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX "
				    "\\UXXXXXXXX, not NUL or surrogates); use '…' for backslashes");
		}
		put_utf8(&b, cp);
	}
	*out = buf_detach(&b);
	if (!*out)
		*out = xstrdup("");
	return 0;
}

/* Decimal, optional sign, `_` only between digits (1_024). */
static int integer(toml_p *p, long long *out)
{
	const char *s = p->s;
	int neg = 0;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s >= p->end || !isdigit((unsigned char)*s))
		return perr(p, "not a value: write a \"string\", a whole number or true/false");
	if (*s == '0' && s + 1 < p->end && (isalnum((unsigned char)s[1]) || s[1] == '_'))
		return perr(p, "only plain decimal numbers are supported (no leading zeros, 0x, 0o, 0b)");
	long long v = 0;
	while (s < p->end && (isdigit((unsigned char)*s) || *s == '_')) {
		if (*s == '_') {
			if (!isdigit((unsigned char)s[-1]) || s + 1 >= p->end || !isdigit((unsigned char)s[1]))
				return perr(p, "'_' in a number must sit between two digits (1_024)");
			s++;
			continue;
		}
		if (v > (INT32_MAX - (*s - '0')) / 10)
			return perr(p, "the number is too large");
		v = v * 10 + (*s++ - '0');
	}
	if (s < p->end && (*s == '.' || *s == 'e' || *s == 'E' || *s == ':' || *s == '-'))
		return perr(p, "floats, dates and times are not supported here; write a whole number");
	p->s = s;
	*out = neg ? -v : v;
	return 0;
}

static int value(toml_p *p, toml_val *v)
{
	memset(v, 0, sizeof *v);
	if (p->s >= p->end || *p->s == '\n' || *p->s == '#' || *p->s == '\r')
		return perr(p, "the value is missing after '='");
	char c = *p->s;
	if (c == '"' || c == '\'') {
		v->kind = V_STR;
		return string(p, &v->str);
	}
	if (c == '[')
		return perr(p, "arrays are not supported in e2b.toml; write one string");
	if (c == '{')
		return perr(p, "inline tables are not supported in e2b.toml");
	size_t left = (size_t)(p->end - p->s);
	for (int b = 0; b < 2; b++) {
		const char *w = b ? "true" : "false";
		size_t n = strlen(w);
		if (left >= n && !memcmp(p->s, w, n) && (left == n || !isalnum((unsigned char)p->s[n]))) {
			v->kind = V_BOOL;
			v->num = b;
			p->s += n;
			return 0;
		}
	}
	v->kind = V_INT;
	return integer(p, &v->num);
}

/* A bare key (A-Za-z0-9_-) or a "quoted" one; dotted keys are refused. */
static int key(toml_p *p, char **out)
{
	if (*p->s == '"' || *p->s == '\'') {
		if (string(p, out) < 0)
			return -1;
	} else {
		const char *k = p->s;
		while (p->s < p->end && (isalnum((unsigned char)*p->s) || *p->s == '_' || *p->s == '-'))
			p->s++;
		if (p->s == k)
			return perr(p, "expected `key = value`, got '%c'", *p->s);
		*out = xstrndup(k, (size_t)(p->s - k));
	}
	skip_ws(p);
	if (p->s < p->end && *p->s == '.') {
		free(*out);
		return perr(p, "dotted keys are not supported in e2b.toml; write `key = value`");
	}
	if (p->s >= p->end || *p->s != '=') {
		free(*out);
		return perr(p, "expected '=' after the key");
	}
	p->s++;
	skip_ws(p);
	return 0;
}

static int want_string(toml_p *p, const char *k, const toml_val *v, char **dst)
{
	if (v->kind != V_STR)
		return perr(p, "%s must be a \"string\"", k);
	free(*dst);
	*dst = xstrdup(v->str);
	return 0;
}

static int want_int(toml_p *p, const char *k, const toml_val *v, int min, int max, int *dst)
{
	if (v->kind != V_INT)
		return perr(p, "%s must be a whole number (e.g. %s = %d)", k, k, min);
	if (v->num < min || v->num > max)
		return perr(p, "%s = %lld is out of range (%d to %d)", k, v->num, min, max);
	*dst = (int)v->num;
	return 0;
}

static int assign(toml_p *p, const char *k, const toml_val *v)
{
	template_e2b *o = p->out;
	const char *name = !strcmp(k, "id") ? "template_id" : k;   /* E2B's old name */
	for (size_t i = 0; i < p->nseen; i++)
		if (!strcmp(p->seen[i], name))
			return perr(p, "%s is set twice%s; keep one", name,
				    strcmp(k, name) ? " (id is the old name of template_id)" : "");
	if (p->nseen < sizeof p->seen / sizeof p->seen[0])
		p->seen[p->nseen++] = xstrdup(name);
	if (!strcmp(name, "template_id"))
		return want_string(p, k, v, &o->template_id);
	if (!strcmp(name, "template_name"))
		return want_string(p, k, v, &o->template_name);
	if (!strcmp(name, "dockerfile"))
		return want_string(p, k, v, &o->dockerfile);
	if (!strcmp(name, "start_cmd"))
		return want_string(p, k, v, &o->start_cmd);
	if (!strcmp(name, "ready_cmd"))
		return want_string(p, k, v, &o->ready_cmd);
	if (!strcmp(name, "cpu_count"))
		return want_int(p, k, v, 1, TEMPLATE_MAX_CPUS, &o->cpu_count);
	if (!strcmp(name, "memory_mb"))
		return want_int(p, k, v, 128, TEMPLATE_MAX_MEMORY_MB, &o->memory_mb);
	if (!strcmp(name, "team_id"))
		return 0;   /* E2B's account; nothing to do with a local build */
	warn(p, "unknown key '%.60s' ignored (sbx reads template_id, template_name, dockerfile, start_cmd, "
	     "ready_cmd, cpu_count, memory_mb)", k);
	return 0;
}

static int line(toml_p *p)
{
	skip_ws(p);
	if (p->s >= p->end || *p->s == '\n' || *p->s == '#' || *p->s == '\r')
		return end_of_line(p);
	if (*p->s == '[')
		return perr(p, "tables ([%s]) are not supported in e2b.toml; put every key at the top level",
			    p->s + 1 < p->end && p->s[1] == '[' ? "[…]" : "…");
	char *k = NULL;
	if (key(p, &k) < 0)
		return -1;
	toml_val v;
	int rc = value(p, &v);
	if (rc == 0)
		rc = end_of_line(p);
	if (rc == 0)
		rc = assign(p, k, &v);
	free(v.str);
	free(k);
	return rc;
}

int template_toml_parse(const char *text, size_t len, const char *path, template_e2b *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	toml_p p = { .path = path, .s = text, .end = text + len, .line = 1, .e = e, .out = out };
	if (len > TEMPLATE_TOML_MAX_BYTES)
		return sbx_error(e, "%s is %zu bytes; an e2b.toml holds a few lines (at most %d bytes)", path, len,
				 TEMPLATE_TOML_MAX_BYTES);
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))   /* a UTF-8 BOM */
		p.s += 3;
	int rc = 0;
	while (rc == 0 && p.s < p.end) {
		rc = line(&p);
		if (rc == 0 && p.s < p.end) {   /* at the newline */
			p.s++;
			p.line++;
		}
	}
	for (size_t i = 0; i < p.nseen; i++)
		free(p.seen[i]);
	if (rc < 0)
		template_e2b_free(out);
	return rc;
}

void template_e2b_free(template_e2b *t)
{
	if (!t)
		return;
	free(t->template_id);
	free(t->template_name);
	free(t->dockerfile);
	free(t->start_cmd);
	free(t->ready_cmd);
	for (size_t i = 0; i < t->nwarnings; i++)
		free(t->warnings[i]);
	free(t->warnings);
	memset(t, 0, sizeof *t);
}
