/* ui/model theme: every shipped theme parses strictly and covers every
 * element, resolution for 256/16/8/no colours (the @8 variants, nearest
 * colours, collision and mono rules), the parser's errors, lookup in theme
 * directories.  Themes are read from $SBX_ROOT/themes (default ./themes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../ui/model/colour.h"
#include "../../ui/model/theme.h"
#include "../../src/util/xalloc.h"

static const char *const shipped[] = { "default", "dark", "light", "high-contrast", "mono" };

static char *themes_dir(void)
{
	const char *root = getenv("SBX_ROOT");
	char *d = xasprintf("%s/themes", root ? root : ".");
#ifdef SBX_SOURCE_DIR
	if (access(d, R_OK) != 0) {
		free(d);
		d = xasprintf("%s/themes", SBX_SOURCE_DIR);
	}
#endif
	return d;
}

static theme load(const char *text, int colors)
{
	theme t;
	sbx_err e;
	if (theme_load_string(&t, text, "t.theme", "t", colors, &e) < 0)
		fail_msg("%s", e.msg);
	return t;
}

static void assert_style(ui_attr a, int fg, int bg, unsigned flags)
{
	if (a.fg != fg || a.bg != bg || a.flags != flags)
		fail_msg("got fg %d bg %d flags %#x, want fg %d bg %d flags %#x", a.fg, a.bg, a.flags, fg, bg, flags);
}

static void test_shipped_themes(void **state)
{
	(void)state;
	char *dir = themes_dir();
	const char *dirs[] = { dir };
	int counts[] = { 256, 16, 8, 0 };
	for (size_t i = 0; i < sizeof shipped / sizeof *shipped; i++) {
		char *path;
		sbx_err e;
		assert_int_equal(theme_find(shipped[i], dirs, 1, &path, &e), 0);
		/* Every element is set explicitly in every shipped theme. */
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		char text[16384];
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = '\0';
		fclose(f);
		for (int el = 0; el < TH_COUNT; el++) {
			char *needle = xasprintf("\n%s = ", theme_elem_name((theme_elem)el));
			if (!strstr(text, needle))
				fail_msg("%s does not set %s", path, theme_elem_name((theme_elem)el));
			free(needle);
		}
		for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
			theme t;
			if (theme_load_file(&t, path, counts[c], &e) < 0)
				fail_msg("%s", e.msg);
			assert_string_equal(t.name, shipped[i]);
			assert_int_equal(t.colors, counts[c]);
			for (int el = 0; el < TH_COUNT; el++) {
				ui_attr a = t.el[el];
				assert_true(a.fg >= -1 && a.fg < (counts[c] ? counts[c] : 0));
				assert_true(a.bg >= -1 && a.bg < (counts[c] ? counts[c] : 0));
				/* Never text in its own background colour. */
				if (a.fg >= 0 && a.fg == a.bg)
					fail_msg("%s@%d: %s is unreadable", shipped[i], counts[c], theme_elem_name((theme_elem)el));
			}
		}
		free(path);
	}
	char **names;
	size_t n = theme_list(dirs, 1, &names);
	assert_int_equal(n, 5);
	assert_string_equal(names[0], "dark");
	assert_string_equal(names[4], "mono");
	theme_list_free(names, n);
	free(dir);
}

static void test_dark_degrades(void **state)
{
	(void)state;
	char *dir = themes_dir();
	char *path = xasprintf("%s/dark.theme", dir);
	theme t;
	sbx_err e;
	assert_int_equal(theme_load_file(&t, path, 256, &e), 0);
	assert_style(t.el[TH_NORMAL], 252, 235, 0);
	assert_style(t.el[TH_BORDER], 240, 235, 0);      /* bg inherited from normal */
	assert_style(t.el[TH_SELECTION], 252, 24, 0);
	assert_int_equal(theme_load_file(&t, path, 8, &e), 0);
	assert_style(t.el[TH_NORMAL], 7, 0, 0);          /* from normal@8 */
	assert_style(t.el[TH_STATUS], 0, 7, 0);          /* from status@8 */
	assert_style(t.el[TH_SELECTION], 7, colour_reduce(24, 8), 0);
	assert_int_equal(theme_load_file(&t, path, 0, &e), 0);
	assert_style(t.el[TH_NORMAL], -1, -1, 0);
	assert_style(t.el[TH_SELECTION], -1, -1, UI_REVERSE);  /* a background highlight */
	assert_style(t.el[TH_BORDER], -1, -1, 0);               /* normal's background: no */
	free(path);
	free(dir);
}

static void test_resolution_rules(void **state)
{
	(void)state;
	/* Distinct greys that both become black get a readable foreground. */
	theme t = load("normal = 236 on 234\nstatus = 234 on 252\n", 8);
	assert_style(t.el[TH_NORMAL], 7, 0, 0);
	assert_style(t.el[TH_STATUS], 0, 7, 0);
	t = load("normal = 236 on 234\n", 16);
	assert_style(t.el[TH_NORMAL], 15, 0, 0);
	/* Same colour on purpose stays (a solid bar). */
	t = load("progress = 22 on 22\n", 8);
	assert_int_equal(t.el[TH_PROGRESS].fg, t.el[TH_PROGRESS].bg);
	/* 16-colour indices survive on 16 colours, not on 8. */
	t = load("border = bright-red on bright-blue bold\n", 16);
	assert_style(t.el[TH_BORDER], 9, 12, UI_BOLD);
	t = load("border = bright-red on bright-blue bold\n", 8);
	assert_style(t.el[TH_BORDER], 1, 4, UI_BOLD);
	/* @8 lines are ignored with 256 colours and without colours. */
	t = load("status = 24 on 250\nstatus@8 = red underline\n", 256);
	assert_style(t.el[TH_STATUS], 24, 250, 0);
	t = load("status = 24 on 250\nstatus@8 = red underline\n", 8);
	assert_style(t.el[TH_STATUS], 1, -1, UI_UNDERLINE);
	t = load("status = 24 on 250\nstatus@8 = red underline\n", 0);
	assert_style(t.el[TH_STATUS], -1, -1, UI_REVERSE);
	/* Elements left out keep the built-in attributes, with normal's colours. */
	t = load("# just a background\nnormal = on 17\n", 256);
	assert_style(t.el[TH_NORMAL], -1, 17, 0);
	assert_style(t.el[TH_TITLE_FOCUS], -1, 17, UI_BOLD | UI_REVERSE);
	assert_string_equal(t.name, "t");
	t = load("name = mine\nselection = on default reverse\n", 256);
	assert_string_equal(t.name, "mine");
	assert_style(t.el[TH_SELECTION], -1, -1, UI_REVERSE);
	theme b;
	theme_builtin(&b, 256);
	for (int i = 0; i < TH_COUNT; i++) {
		assert_int_equal(b.el[i].fg, -1);
		assert_int_equal(b.el[i].bg, -1);
		assert_true(strlen(theme_elem_desc((theme_elem)i)) > 0);
		assert_int_equal(theme_elem_by_name(theme_elem_name((theme_elem)i)), i);
	}
}

static void test_colour_words(void **state)
{
	(void)state;
	struct {
		const char *w;
		int idx;
	} ok[] = {
		{ "default", -1 }, { "black", 0 }, { "Red", 1 }, { "white", 7 }, { "bright-black", 8 },
		{ "grey", 8 }, { "bright-white", 15 }, { "colour123", 123 }, { "color7", 7 }, { "42", 42 },
		{ "255", 255 }, { "#ff8700", 208 }, { "#FFFFFF", 231 }, { "#080808", 232 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		int idx = 99;
		assert_int_equal(theme_parse_colour(ok[i].w, &idx), 0);
		assert_int_equal(idx, ok[i].idx);
	}
	const char *bad[] = { "256", "#12345", "purple", "colour", "bright-", "-1", "12x" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int idx;
		assert_int_equal(theme_parse_colour(bad[i], &idx), -1);
	}
}

static void test_parse_errors(void **state)
{
	(void)state;
	struct {
		const char *text, *want;
	} bad[] = {
		{ "statusbar = red", "t.theme:2: unknown element 'statusbar'" },
		{ "status = red sparkly", "t.theme:2: status: unknown colour or attribute 'sparkly'" },
		{ "status red", "t.theme:2: expected 'element = style'" },
		{ "status = red on", "'on' needs a background colour" },
		{ "status = red on mauve", "unknown background colour 'mauve'" },
		{ "status@16 = red", "the only variant is @8" },
		{ "status = bold red", "unknown colour or attribute 'red'" },
	};
	theme t;
	theme_builtin(&t, 256);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *text = xasprintf("normal = red\n%s\n", bad[i].text);
		sbx_err e;
		assert_int_equal(theme_load_string(&t, text, "t.theme", "x", 256, &e), -1);
		if (!strstr(e.msg, bad[i].want))
			fail_msg("'%s': got '%s'", bad[i].text, e.msg);
		free(text);
	}
	/* A failed load leaves the theme as it was. */
	assert_string_equal(t.name, "builtin");
	assert_int_equal(t.el[TH_NORMAL].fg, -1);
}

static void test_find_and_files(void **state)
{
	(void)state;
	char tmp[] = "/tmp/sbx-themes-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	char *user = xasprintf("%s/dark.theme", tmp), *extra = xasprintf("%s/solar.theme", tmp);
	FILE *f = fopen(user, "w");
	fputs("normal = 230 on 16\n", f);
	fclose(f);
	f = fopen(extra, "w");
	fputs("border = 136\n", f);
	fclose(f);
	char *shipped_dir = themes_dir();
	const char *dirs[] = { tmp, shipped_dir };
	char *path;
	sbx_err e;
	/* The user's directory wins. */
	assert_int_equal(theme_find("dark", dirs, 2, &path, &e), 0);
	assert_string_equal(path, user);
	theme t;
	assert_int_equal(theme_load_file(&t, path, 256, &e), 0);
	assert_string_equal(t.name, "dark");
	assert_style(t.el[TH_NORMAL], 230, 16, 0);
	free(path);
	assert_int_equal(theme_find("mono", dirs, 2, &path, &e), 0);
	free(path);
	assert_int_equal(theme_find("nope", dirs, 2, &path, &e), -1);
	assert_non_null(strstr(e.msg, "no theme 'nope'"));
	assert_null(path);
	assert_int_equal(theme_find("../etc/passwd", dirs, 2, &path, &e), -1);
	char **names;
	size_t n = theme_list(dirs, 2, &names);
	assert_int_equal(n, 6); /* dark once */
	assert_string_equal(names[4], "mono");
	assert_string_equal(names[5], "solar");
	theme_list_free(names, n);
	assert_int_equal(theme_load_file(&t, "/nonexistent.theme", 256, &e), -1);
	assert_non_null(strstr(e.msg, "cannot read /nonexistent.theme: No such file"));
	unlink(user);
	unlink(extra);
	rmdir(tmp);
	free(user);
	free(extra);
	free(shipped_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_themes),
		cmocka_unit_test(test_dark_degrades),
		cmocka_unit_test(test_resolution_rules),
		cmocka_unit_test(test_colour_words),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_find_and_files),
	};
	return cmocka_run_group_tests_name("ui_theme", tests, NULL, NULL);
}
