/* docs/workbench.md's key tables against the key table: every default
 * binding of every mode has its row ("| `KEYS` | `action` |"), so the
 * guide cannot drift from what F1 shows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../ui/model/keytable.h"
#include "../../src/util/xalloc.h"

static char *read_doc(void)
{
	const char *root = getenv("SBX_ROOT");
	char *path = xasprintf("%s/docs/workbench.md", root && *root ? root : SBX_SOURCE_DIR);
	sbx_buf b = SBX_BUF_INIT;
	sbx_err e;
	if (buf_read_file(&b, path, &e) < 0)
		fail_msg("%s", e.msg);
	free(path);
	return buf_detach(&b);
}

/* "C-Enter, F5" + "nb.run" → "| `C-Enter`, `F5` | `nb.run` |" ('|' escaped) */
static void row_for(const char *keys, const char *action, sbx_buf *out)
{
	buf_reset(out);
	buf_puts(out, "| `");
	for (const char *k = keys; *k; k++) {
		if (*k == ',' && k[1] == ' ') {
			buf_puts(out, "`, `");
			k++;
		} else if (*k == '|') {
			buf_puts(out, "\\|");
		} else {
			buf_putc(out, *k);
		}
	}
	buf_printf(out, "` | `%s` |", action);
}

static void test_every_binding_documented(void **state)
{
	(void)state;
	char *doc = read_doc();
	keytable *kt = keytable_new();
	sbx_buf keys = SBX_BUF_INIT, row = SBX_BUF_INIT;
	int missing = 0, rows = 0;
	for (int m = 0; m < KM_COUNT; m++) {
		/* each mode's table starts at its heading "(`mode`)" */
		char *heading = xasprintf("(`%s`)", keymode_name((keymode)m));
		const char *section = strstr(doc, heading);
		free(heading);
		if (!section) {
			print_error("no section for mode %s\n", keymode_name((keymode)m));
			missing++;
			continue;
		}
		const char *end = strstr(section + 1, "\n### ");
		for (int a = A_NONE + 1; a < A_COUNT; a++) {
			buf_reset(&keys);
			keytable_keys_for(kt, (keymode)m, (ui_action)a, &keys);
			if (!keys.len)
				continue;
			row_for(buf_cstr(&keys), ui_action_info((ui_action)a)->name, &row);
			const char *at = strstr(section, buf_cstr(&row));
			rows++;
			if (!at || (end && at > end)) {
				print_error("%s: no row %s\n", keymode_name((keymode)m), buf_cstr(&row));
				missing++;
			}
		}
	}
	assert_true(rows > 100);
	assert_int_equal(missing, 0);
	buf_free(&keys);
	buf_free(&row);
	keytable_free(kt);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_binding_documented),
	};
	return cmocka_run_group_tests_name("ui_keydocs", tests, NULL, NULL);
}
