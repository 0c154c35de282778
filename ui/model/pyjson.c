/* pyjson: Python-compatible JSON text; see pyjson.h.  curses-free. */
#include "pyjson.h"
#include "../../src/util/xalloc.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pyjson_float(double d, char *out, size_t n)
{
	if (d == 0) {
		snprintf(out, n, "%s", signbit(d) ? "-0.0" : "0.0");
		return;
	}
	if (!isfinite(d)) {
		snprintf(out, n, "%s", isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	/* Shortest round-tripping digits, as repr finds them. */
	char buf[40];
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	const char *s = buf;
	int neg = *s == '-';
	if (neg)
		s++;
	char digits[24];
	size_t nd = 0;
	for (; *s && *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	int exp = atoi(s + 1);
	sbx_buf b = SBX_BUF_INIT;
	if (neg)
		buf_putc(&b, '-');
	if (exp >= -4 && exp < 16) {
		if (exp < 0) {
			buf_puts(&b, "0.");
			for (int i = 0; i < -exp - 1; i++)
				buf_putc(&b, '0');
			buf_puts(&b, digits);
		} else {
			for (int i = 0; i <= exp; i++)
				buf_putc(&b, (size_t)i < nd ? digits[i] : '0');
			buf_putc(&b, '.');
			if ((size_t)exp + 1 < nd)
				buf_puts(&b, digits + exp + 1);
			else
				buf_putc(&b, '0');
		}
	} else {
		buf_putc(&b, digits[0]);
		if (nd > 1) {
			buf_putc(&b, '.');
			buf_puts(&b, digits + 1);
		}
		buf_printf(&b, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
	}
	snprintf(out, n, "%s", buf_cstr(&b));
	buf_free(&b);
}

static void dump_string(const char *s, size_t len, sbx_buf *out)
{
	buf_putc(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': buf_puts(out, "\\\""); break;
		case '\\': buf_puts(out, "\\\\"); break;
		case '\n': buf_puts(out, "\\n"); break;
		case '\r': buf_puts(out, "\\r"); break;
		case '\t': buf_puts(out, "\\t"); break;
		case '\b': buf_puts(out, "\\b"); break;
		case '\f': buf_puts(out, "\\f"); break;
		default:
			if (c < 0x20)
				buf_printf(out, "\\u%04x", c);
			else
				buf_putc(out, (char)c);
		}
	}
	buf_putc(out, '"');
}

static void indent(sbx_buf *out, int depth)
{
	buf_putc(out, '\n');
	for (int i = 0; i < depth; i++)
		buf_putc(out, ' ');
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void dump(const json_t *v, int depth, sbx_buf *out)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		if (!n) {
			buf_puts(out, "{}");
			break;
		}
		const char **keys = xmalloc(n * sizeof *keys);
		const char *k;
		json_t *val;
		json_object_foreach((json_t *)v, k, val)
			keys[i++] = k;
		qsort(keys, n, sizeof *keys, cmp_keys);
		buf_putc(out, '{');
		for (i = 0; i < n; i++) {
			if (i)
				buf_putc(out, ',');
			indent(out, depth + 1);
			dump_string(keys[i], strlen(keys[i]), out);
			buf_puts(out, ": ");
			dump(json_object_get(v, keys[i]), depth + 1, out);
		}
		indent(out, depth);
		buf_putc(out, '}');
		free(keys);
		break;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		if (!n) {
			buf_puts(out, "[]");
			break;
		}
		buf_putc(out, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_putc(out, ',');
			indent(out, depth + 1);
			dump(json_array_get(v, i), depth + 1, out);
		}
		indent(out, depth);
		buf_putc(out, ']');
		break;
	}
	case JSON_STRING:
		dump_string(json_string_value(v), json_string_length(v), out);
		break;
	case JSON_INTEGER:
		buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL: {
		char f[40];
		pyjson_float(json_real_value(v), f, sizeof f);
		buf_puts(out, f);
		break;
	}
	case JSON_TRUE: buf_puts(out, "true"); break;
	case JSON_FALSE: buf_puts(out, "false"); break;
	case JSON_NULL: buf_puts(out, "null"); break;
	}
}

void pyjson_dump(const json_t *v, sbx_buf *out)
{
	dump(v, 0, out);
}
