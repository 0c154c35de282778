#include "url.h"
#include <string.h>

int url_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t url_decode(char *s, int plus)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		int hi, lo;
		if (*r == '%' && (hi = url_hexval(r[1])) >= 0 && (lo = url_hexval(r[2])) >= 0) {
			*w++ = (char)(hi << 4 | lo);
			r += 2;
		} else {
			*w++ = plus && *r == '+' ? ' ' : *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

void url_encode(sbx_buf *out, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    strchr("-._~", *c) || (keep && strchr(keep, *c))) {
			buf_putc(out, (char)*c);
		} else {
			buf_putc(out, '%');
			buf_putc(out, hex[*c >> 4]);
			buf_putc(out, hex[*c & 15]);
		}
	}
}
