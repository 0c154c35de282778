#include "accept_enc.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* q of one entry's parameters ("; q=0.5"), in thousandths; 1000 when none,
 * -1 when malformed. */
static int parse_q(const char *p, const char *end)
{
	int q = 1000;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
			p++;
		if (p >= end)
			break;
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *pe = semi ? semi : end;
		if (pe - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			const char *v = p + 2;
			if (v >= pe || (*v != '0' && *v != '1'))
				return -1;
			q = (*v - '0') * 1000;
			v++;
			if (v < pe && *v == '.') {
				int scale = 100;
				for (v++; v < pe && *v >= '0' && *v <= '9' && scale; v++, scale /= 10)
					q += (*v - '0') * scale;
			}
			while (v < pe && (*v == ' ' || *v == '\t'))
				v++;
			if (v != pe || q > 1000)
				return -1;
		}
		p = pe;
	}
	return q;
}

int accept_encoding(const char *header)
{
	if (!header)
		return ACCEPT_IDENTITY;
	int gzip = -1, identity = -1, star = -1;   /* q, -1: not named */
	const char *p = header;
	while (*p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *ne = p;
		while (ne < end && *ne != ';' && *ne != ' ' && *ne != '\t')
			ne++;
		size_t n = (size_t)(ne - p);
		int q = parse_q(ne, end);
		if (q >= 0) {
			if (n == 4 && !strncasecmp(p, "gzip", 4))
				gzip = q;
			else if (n == 6 && !strncasecmp(p, "x-gzip", 6) && gzip < 0)
				gzip = q;
			else if (n == 8 && !strncasecmp(p, "identity", 8))
				identity = q;
			else if (n == 1 && *p == '*')
				star = q;
		}
		p = comma ? comma + 1 : end;
	}
	if (gzip < 0)
		gzip = star >= 0 ? star : 0;
	if (identity < 0)
		identity = star == 0 ? 0 : 1;   /* identity is acceptable unless refused */
	if (gzip > 0 && gzip >= identity)
		return ACCEPT_GZIP;
	if (identity > 0)
		return ACCEPT_IDENTITY;
	return gzip > 0 ? ACCEPT_GZIP : ACCEPT_NONE;
}
