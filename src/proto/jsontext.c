#include "jsontext.h"
#include "../util/buf.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

size_t utf8_valid_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) { len = 2; min = 0x80; }
	else if (c >= 0xe0 && c <= 0xef) { len = 3; min = 0x800; }
	else if (c >= 0xf0 && c <= 0xf4) { len = 4; min = 0x10000; }
	else return 0;
	if (n < len)
		return 0;
	unsigned cp = c & (0xff >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

json_t *json_text(const char *s)
{
	if (!s)
		s = "";
	json_t *j = json_string(s);
	if (j)
		return j;
	sbx_buf b = SBX_BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	while (n) {
		size_t k = utf8_valid_seq(p, n);
		if (k) {
			buf_append(&b, p, k);
		} else {
			buf_puts(&b, "\xef\xbf\xbd");   /* U+FFFD */
			k = 1;
		}
		p += k;
		n -= k;
	}
	j = json_string(buf_cstr(&b));
	buf_free(&b);
	return j ? j : json_string("");   /* only OOM gets here */
}

void json_text_set(json_t *obj, const char *key, json_t *value)
{
	/* Not json_object_set_new: on a bad key it drops value, and then we
	 * would have nothing to store under the repaired one. */
	json_t *k = json_text(key);
	json_object_set_new_nocheck(obj, json_string_value(k), value);
	json_decref(k);
}

static char *dump_or(json_t *j, const char *fallback)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s ? s : xstrdup(fallback);
}

char *json_error_rest(int status, const char *msg)
{
	return dump_or(json_pack("{s:i,s:o}", "code", status, "message", json_text(msg)),
		       "{\"code\":500,\"message\":\"out of memory\"}");
}

char *json_error_connect(const char *code, const char *msg)
{
	return dump_or(json_pack("{s:o,s:o}", "code", json_text(code ? code : "unknown"), "message", json_text(msg)),
		       "{\"code\":\"internal\",\"message\":\"out of memory\"}");
}
