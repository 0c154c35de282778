/* tprobe: parses the terminal's answers to the start-up queries (tprobe.h). */
#include "tprobe.h"
#include <string.h>

/* One complete CSI reply: private marker, numbers, final byte. */
static void reply(tprobe *p, char priv, const int *v, int n, char fin)
{
	if (fin == 'c' && priv == '?') {
		p->done = 1;
		for (int i = 1; i < n; i++)
			if (v[i] == 4)
				p->sixel = 1;
	} else if (fin == 'S' && priv == '?' && n >= 3 && v[0] == 1 && v[1] == 0) {
		p->registers = v[2];
	} else if (fin == 't' && priv == 0 && n >= 3 && v[0] == 6) {
		p->cell_h = v[1];
		p->cell_w = v[2];
	}
}

int tprobe_feed(tprobe *p, const char *buf, size_t len)
{
	/* stateless: a caller whose reply arrived split re-feeds the whole
	 * buffer (a reply seen twice sets the same fields) */
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\033' || buf[i + 1] != '[')
			continue;
		size_t j = i + 2;
		char priv = 0;
		if (j < len && (buf[j] == '?' || buf[j] == '>'))
			priv = buf[j++];
		int v[32], n = 0, cur = 0, have = 0;
		for (; j < len; j++) {
			char ch = buf[j];
			if (ch >= '0' && ch <= '9') {
				cur = cur * 10 + (ch - '0');
				if (cur > 1000000)
					cur = 1000000;
				have = 1;
			} else if (ch == ';') {
				if (n < 32)
					v[n++] = cur;
				cur = 0, have = 0;
			} else {
				if ((have || n) && n < 32)
					v[n++] = cur;
				if (ch >= 0x40 && ch <= 0x7e)
					reply(p, priv, v, n, ch);
				break;
			}
		}
		i = j < len ? j : len;
	}
	return p->done;
}
