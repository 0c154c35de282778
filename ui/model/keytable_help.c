/* keytable help: the keys of an action and the help overlay's text, both
 * generated from the live table so rebinding shows up everywhere.
 * curses-free. */
#include "keytable_int.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define HELP_KEYS_MAX 28 /* wider key lists still print, just unaligned */

void keytable_keys_for(const keytable *kt, keymode m, ui_action a, sbx_buf *out)
{
	int first = 1;
	for (size_t i = 0; i < kt->n; i++) {
		const kt_binding *b = &kt->b[i];
		if (b->mode != m || b->action != a)
			continue;
		if (!first)
			buf_puts(out, ", ");
		first = 0;
		for (size_t k = 0; k < b->n; k++) {
			char name[32];
			if (k)
				buf_putc(out, ' ');
			buf_puts(out, key_format(b->seq[k], name, sizeof name));
		}
	}
}

static void help_mode(const keytable *kt, keymode m, sbx_buf *out)
{
	char **keys = xcalloc(A_COUNT, sizeof *keys);
	int width = 0;
	for (int a = A_NONE + 1; a < A_COUNT; a++) {
		sbx_buf k = SBX_BUF_INIT;
		keytable_keys_for(kt, m, (ui_action)a, &k);
		if (k.len) {
			keys[a] = buf_detach(&k);
			int w = (int)strlen(keys[a]);
			if (w > width && w <= HELP_KEYS_MAX)
				width = w;
		}
		buf_free(&k);
	}
	buf_printf(out, "%s\n", keymode_title(m));
	for (int a = A_NONE + 1; a < A_COUNT; a++) {
		if (!keys[a])
			continue;
		buf_printf(out, "  %-*s  %s\n", width, keys[a], ui_action_info((ui_action)a)->desc);
		free(keys[a]);
	}
	free(keys);
}

void keytable_help(const keytable *kt, keymode m, sbx_buf *out)
{
	for (int i = 0; i < KM_COUNT; i++) {
		if (m != KM_COUNT && (keymode)i != m)
			continue;
		if (out->len)
			buf_putc(out, '\n');
		help_mode(kt, (keymode)i, out);
	}
}
