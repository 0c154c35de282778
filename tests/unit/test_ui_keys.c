/* ui/model keys, keytable and fuzzy: key names, default bindings per
 * mode, sequences, config rebinding, generated help, palette matching. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../ui/model/fuzzy.h"
#include "../../ui/model/keytable_int.h"

static ui_key K(const char *name)
{
	ui_key k;
	sbx_err e;
	if (key_parse(name, &k, &e) < 0)
		fail_msg("%s", e.msg);
	return k;
}

static void assert_key(const char *name, uint32_t code, unsigned mods)
{
	ui_key k = K(name);
	assert_int_equal(k.code, code);
	assert_int_equal(k.mods, mods);
}

static void test_key_parse(void **state)
{
	(void)state;
	assert_key("a", 'a', 0);
	assert_key("A", 'A', 0);
	assert_key("S-a", 'A', 0);
	assert_key("C-x", 'x', KEY_CTRL);
	assert_key("C-X", 'x', KEY_CTRL);
	assert_key("c-x", 'x', KEY_CTRL);
	assert_key("M-Enter", UK_ENTER, KEY_ALT);
	assert_key("Alt-Return", UK_ENTER, KEY_ALT);
	assert_key("S-Tab", UK_TAB, KEY_SHIFT);
	assert_key("C-M-S-Left", UK_LEFT, KEY_CTRL | KEY_ALT | KEY_SHIFT);
	assert_key("Ctrl-Alt-Delete", UK_DELETE, KEY_CTRL | KEY_ALT);
	assert_key("F5", UK_F1 + 4, 0);
	assert_key("F24", UK_F1 + 23, 0);
	assert_key("S-F6", UK_F1 + 5, KEY_SHIFT);
	assert_key("-", '-', 0);
	assert_key("C--", '-', KEY_CTRL);
	assert_key("M-|", '|', KEY_ALT);
	assert_key("Space", ' ', 0);
	assert_key("C-Space", ' ', KEY_CTRL);
	assert_key("F", 'F', 0);
	assert_key("\xc3\xa9", 0xe9, 0);
	assert_key("PageDown", UK_PGDN, 0);
	assert_key("esc", UK_ESCAPE, 0);
	ui_key k;
	sbx_err e;
	const char *bad[] = { "", "M-", "F25", "F0", "Fx", "bogus", "C-bogus", "ab" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(key_parse(bad[i], &k, &e), -1);
		assert_true(strlen(e.msg) > 0);
	}
	assert_true(key_equal((ui_key){ 'A', KEY_CTRL }, (ui_key){ 'a', KEY_CTRL }));
	assert_false(key_equal((ui_key){ 'a', 0 }, (ui_key){ 'a', KEY_ALT }));
}

static void test_key_format(void **state)
{
	(void)state;
	const char *names[] = { "a", "A", "C-x", "M-Enter", "S-Tab", "C-M-S-Left", "F5", "F12",
				"Space", "C-Space", "BSpace", "Escape", "PgUp", "PgDn", "Delete",
				"Insert", "Home", "End", "C--", "M-|", "\xe4\xb8\xad", "?" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char out[32];
		assert_string_equal(key_format(K(names[i]), out, sizeof out), names[i]);
	}
	char out[32];
	assert_string_equal(key_format(K("Return"), out, sizeof out), "Enter");
	assert_string_equal(key_format(K("S-x"), out, sizeof out), "X");
}

static void test_actions_and_modes(void **state)
{
	(void)state;
	for (int a = A_NONE + 1; a < A_COUNT; a++) {
		const ui_action_desc *d = ui_action_info((ui_action)a);
		assert_non_null(d->name);
		assert_true(strlen(d->desc) > 0);
		assert_int_equal(ui_action_by_name(d->name), a);
	}
	assert_int_equal(ui_action_by_name("no.such"), A_NONE);
	for (int m = 0; m < KM_COUNT; m++)
		assert_int_equal(keymode_by_name(keymode_name((keymode)m)), m);
	assert_int_equal(keymode_by_name("vim"), -1);
}

static kt_match look(keytable *kt, keymode m, const char *keys, ui_action *a)
{
	ui_key seq[KT_MAX_SEQ];
	int n = kt_parse_seq(keys, seq, NULL);
	assert_true(n > 0);
	return keytable_lookup(kt, m, seq, (size_t)n, a);
}

static void assert_action(keytable *kt, keymode m, const char *keys, ui_action want)
{
	ui_action a;
	kt_match r = look(kt, m, keys, &a);
	if (r != KT_MATCH || a != want)
		fail_msg("%s '%s': got match %d action %s, want %s", keymode_name(m), keys, r,
			 ui_action_info(a)->name, ui_action_info(want)->name);
}

static void test_defaults(void **state)
{
	(void)state;
	keytable *kt = keytable_new();
	/* Every default survives (no default shadows another). */
	for (size_t i = 0; i < kt_ndefaults; i++)
		assert_action(kt, kt_defaults[i].mode, kt_defaults[i].keys, kt_defaults[i].action);
	ui_action a;
	assert_action(kt, KM_NOTEBOOK, "a", A_NB_INSERT_ABOVE);
	assert_action(kt, KM_NOTEBOOK, "b", A_NB_INSERT_BELOW);
	assert_int_equal(look(kt, KM_NOTEBOOK, "d", &a), KT_PREFIX);
	assert_action(kt, KM_NOTEBOOK, "d d", A_NB_DELETE);
	assert_int_equal(look(kt, KM_NOTEBOOK, "d x", &a), KT_NONE);
	assert_action(kt, KM_NOTEBOOK, "m", A_NB_TO_MARKDOWN);
	assert_action(kt, KM_NOTEBOOK, "y", A_NB_TO_CODE);
	assert_action(kt, KM_NOTEBOOK, "Enter", A_NB_EDIT);
	assert_action(kt, KM_NOTEBOOK, "S-Enter", A_NB_RUN_ADVANCE);
	assert_action(kt, KM_NOTEBOOK, "M-Enter", A_NB_RUN_ADVANCE);
	assert_action(kt, KM_NOTEBOOK, "C-Enter", A_NB_RUN);
	assert_action(kt, KM_NOTEBOOK, "F5", A_NB_RUN);
	/* Global keys apply in the other modes; the focused mode wins. */
	assert_action(kt, KM_NOTEBOOK, "F1", A_HELP);
	assert_action(kt, KM_FILES, "M-z", A_PANE_ZOOM);
	assert_action(kt, KM_EDIT, "M-w", A_ED_COPY);
	assert_action(kt, KM_NOTEBOOK, "M-w", A_PANE_CLOSE);
	/* Edit mode: printable keys are not bound (they are typed). */
	assert_int_equal(look(kt, KM_EDIT, "a", &a), KT_NONE);
	assert_int_equal(look(kt, KM_EDIT, "d", &a), KT_NONE);
	assert_action(kt, KM_EDIT, "Escape", A_NB_COMMAND_MODE);
	assert_action(kt, KM_EDIT, "C-Enter", A_NB_RUN);
	assert_action(kt, KM_EDIT, "S-Tab", A_ED_DEDENT);
	/* Terminal mode: only the escape chord, no global keys. */
	assert_action(kt, KM_TERMINAL, "C-g", A_TERM_LEAVE);
	assert_int_equal(look(kt, KM_TERMINAL, "F1", &a), KT_NONE);
	assert_int_equal(look(kt, KM_TERMINAL, "C-q", &a), KT_NONE);
	assert_action(kt, KM_COPY, "q", A_TERM_RESUME);
	assert_action(kt, KM_COPY, "F1", A_HELP);
	assert_int_equal(keytable_lookup(kt, KM_NOTEBOOK, NULL, 0, &a), KT_NONE);
	keytable_free(kt);
}

static void test_bind_config(void **state)
{
	(void)state;
	keytable *kt = keytable_new();
	sbx_err e;
	const char *conf =
		"# my keys\n"
		"   # indented comment\n"
		"\n"
		"bind notebook d nb.delete\n"
		"bind edit C-x C-s nb.save\n"
		"unbind edit C-k\n"
		"bind\tglobal  F12 quit\r\n"
		"bind notebook # nb.to-markdown\n";
	assert_int_equal(keytable_load(kt, conf, "keys.conf", &e), 0);
	ui_action a;
	/* "d" replaced "d d" (a prefix conflict). */
	assert_action(kt, KM_NOTEBOOK, "d", A_NB_DELETE);
	assert_int_equal(look(kt, KM_NOTEBOOK, "d d", &a), KT_NONE);
	/* "C-x C-s" replaced "C-x" (cut). */
	assert_int_equal(look(kt, KM_EDIT, "C-x", &a), KT_PREFIX);
	assert_action(kt, KM_EDIT, "C-x C-s", A_NB_SAVE);
	assert_int_equal(look(kt, KM_EDIT, "C-k", &a), KT_NONE);
	assert_action(kt, KM_SANDBOXES, "F12", A_QUIT);
	assert_action(kt, KM_NOTEBOOK, "#", A_NB_TO_MARKDOWN);

	struct {
		const char *text, *want;
	} bad[] = {
		{ "bind notebook x", "usage" },
		{ "bind vim x quit", "unknown mode 'vim'" },
		{ "bind notebook x no.such", "unknown action 'no.such'" },
		{ "bind notebook Bogus quit", "unknown key 'Bogus'" },
		{ "frobnicate", "unknown command" },
		{ "unbind notebook q q q", "nothing is bound" },
		{ "bind notebook a b c d e quit", "too many" },
		{ "bind notebook a b c d e f quit", "too many" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *text = NULL;
		assert_true(asprintf(&text, "\nbind notebook F9 quit\n%s\n", bad[i].text) > 0);
		assert_int_equal(keytable_load(kt, text, "k.conf", &e), -1);
		if (!strstr(e.msg, bad[i].want) || !strstr(e.msg, "k.conf:3: "))
			fail_msg("'%s' gave '%s'", bad[i].text, e.msg);
		free(text);
	}
	keytable_free(kt);
}

static void test_load_file(void **state)
{
	(void)state;
	keytable *kt = keytable_new();
	sbx_err e;
	char path[] = "/tmp/sbx-keys-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *conf = "bind files F3 files.open\n";
	assert_int_equal(write(fd, conf, strlen(conf)), (ssize_t)strlen(conf));
	close(fd);
	assert_int_equal(keytable_load_file(kt, path, &e), 0);
	assert_action(kt, KM_FILES, "F3", A_FILES_OPEN);
	unlink(path);
	assert_int_equal(keytable_load_file(kt, path, &e), -1);
	assert_non_null(strstr(e.msg, "No such file"));
	keytable_free(kt);
}

/* Column at which `what` starts on its line. */
static long desc_column(const char *text, const char *what)
{
	const char *p = strstr(text, what);
	assert_non_null(p);
	const char *line = p;
	while (line > text && line[-1] != '\n')
		line--;
	return p - line;
}

static void test_help(void **state)
{
	(void)state;
	keytable *kt = keytable_new();
	sbx_buf b = SBX_BUF_INIT;
	keytable_keys_for(kt, KM_NOTEBOOK, A_NB_RUN, &b);
	assert_string_equal(buf_cstr(&b), "C-Enter, F5, C-e");
	buf_reset(&b);
	keytable_keys_for(kt, KM_NOTEBOOK, A_NB_RUN_INSERT, &b);
	assert_string_equal(buf_cstr(&b), "");  /* palette only */
	keytable_help(kt, KM_NOTEBOOK, &b);
	const char *h = buf_cstr(&b);
	assert_true(strncmp(h, "Notebook (command mode)\n", 24) == 0);
	assert_non_null(strstr(h, "\n  d d "));
	assert_non_null(strstr(h, "Delete the cell\n"));
	assert_null(strstr(h, "Everywhere"));
	/* Descriptions line up in one column. */
	assert_int_equal(desc_column(h, "Insert a cell above"), desc_column(h, "Delete the cell"));
	assert_int_equal(desc_column(h, "Insert a cell above"), desc_column(h, "Run the cell\n"));
	buf_reset(&b);
	/* Rebinding shows up in the help. */
	ui_key f9 = K("F9");
	assert_int_equal(keytable_bind(kt, KM_NOTEBOOK, &f9, 1, A_NB_RUN_ALL, NULL), 0);
	keytable_help(kt, KM_COUNT, &b);
	h = buf_cstr(&b);
	for (int m = 0; m < KM_COUNT; m++)
		assert_non_null(strstr(h, keymode_title((keymode)m)));
	assert_non_null(strstr(h, "F9"));
	assert_non_null(strstr(h, "Run every cell"));
	buf_free(&b);
	keytable_free(kt);
}

static void test_fuzzy(void **state)
{
	(void)state;
	size_t pos[8];
	assert_int_equal(fuzzy_score("fb", "foo bar", pos), 57);
	assert_int_equal(pos[0], 0);
	assert_int_equal(pos[1], 4);
	assert_int_equal(fuzzy_score("fb", "fxxb", NULL), 48);
	assert_int_equal(fuzzy_score("xyz", "foo bar", NULL), -1);
	assert_int_equal(fuzzy_score("", "anything", NULL), 0);
	/* The backward scan finds the tightest window: "run" in "rerun". */
	assert_true(fuzzy_score("run", "rerun", pos) > 0);
	assert_int_equal(pos[0], 2);
	/* Smart case. */
	assert_true(fuzzy_score("nbrun", "NB.Run", NULL) > 0);
	assert_int_equal(fuzzy_score("NB", "nb.run", NULL), -1);
	/* camelCase and delimiters earn bonuses over plain gaps. */
	assert_true(fuzzy_score("sr", "splitRight", NULL) > fuzzy_score("sr", "spare", NULL));
	assert_true(fuzzy_score("nr", "nb.run", NULL) > fuzzy_score("nr", "inner", NULL));
	/* Ranking: better score first, then shorter, then original order. */
	const char *items[] = { "Restart the kernel", "Run every cell", "Quit the workbench",
				"Run the cell", "Rename" };
	size_t order[5];
	size_t n = fuzzy_rank("run", items, 5, order);
	assert_int_equal(n, 2);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 1);
	/* "Run the cell" (t starts a word) beats "Restart" (t inside one). */
	assert_int_equal(fuzzy_rank("rt", items, 5, order), 2);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 0);
	assert_int_equal(fuzzy_rank("zzz", items, 5, order), 0);
	assert_int_equal(fuzzy_rank("", items, 5, order), 5);
	assert_int_equal(order[0], 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_key_format),
		cmocka_unit_test(test_actions_and_modes),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bind_config),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_fuzzy),
	};
	return cmocka_run_group_tests_name("ui_keys", tests, NULL, NULL);
}
