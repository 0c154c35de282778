/* ui/model keyinput: terminal bytes curses leaves undecoded → keys —
 * C0 controls, xterm modifier parameters, modifyOtherKeys and CSI u. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "../../ui/model/keyinput.h"

static void assert_named(ui_key k, const char *name)
{
	char buf[32];
	assert_string_equal(key_format(k, buf, sizeof buf), name);
}

static int csi(const char *s, ui_key *k)
{
	uint32_t cp[32];
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		cp[i] = (unsigned char)s[i];
	return keyin_csi(cp, n, k);
}

static void test_chars(void **state)
{
	(void)state;
	assert_named(keyin_char('\r'), "Enter");
	assert_named(keyin_char('\t'), "Tab");
	assert_named(keyin_char(127), "BSpace");
	assert_named(keyin_char(27), "Escape");
	assert_named(keyin_char(0), "C-Space");
	assert_named(keyin_char(3), "C-c");
	assert_named(keyin_char(7), "C-g");
	assert_named(keyin_char(31), "C-_");
	assert_named(keyin_char('x'), "x");
	assert_named(keyin_char(0x4e2d), "\xe4\xb8\xad");
}

static void test_mods(void **state)
{
	(void)state;
	assert_int_equal(keyin_mods(1), 0);
	assert_int_equal(keyin_mods(2), KEY_SHIFT);
	assert_int_equal(keyin_mods(3), KEY_ALT);
	assert_int_equal(keyin_mods(5), KEY_CTRL);
	assert_int_equal(keyin_mods(8), KEY_CTRL | KEY_ALT | KEY_SHIFT);
}

static void test_csi_forms(void **state)
{
	(void)state;
	ui_key k;
	/* xterm modifyOtherKeys=1: C-Enter, S-Enter, C-S-Tab */
	assert_int_equal(csi("27;5;13~", &k), 1);
	assert_named(k, "C-Enter");
	assert_int_equal(csi("27;2;13~", &k), 1);
	assert_named(k, "S-Enter");
	assert_int_equal(csi("27;6;9~", &k), 1);
	assert_named(k, "C-S-Tab");
	/* CSI u (fixterms / kitty's legacy-compatible form) */
	assert_int_equal(csi("13;5u", &k), 1);
	assert_named(k, "C-Enter");
	assert_int_equal(csi("97;7u", &k), 1);
	assert_named(k, "C-M-a");
	/* shift on a character is folded into the character by the sender */
	assert_int_equal(csi("65;2u", &k), 1);
	assert_named(k, "A");
	/* not these forms: cursor keys and junk */
	assert_int_equal(csi("1;5A", &k), 0);
	assert_int_equal(csi("27;5", &k), 0);
	assert_int_equal(csi("200~", &k), 0);
	assert_int_equal(csi("99999999;5u", &k), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chars),
		cmocka_unit_test(test_mods),
		cmocka_unit_test(test_csi_forms),
	};
	return cmocka_run_group_tests_name("ui_keyinput", tests, NULL, NULL);
}
