/* ui/model/nblang: notebook and cell languages — canonical names from
 * what files hold (IRkernel's "R", aliases, junk refused), a cell's own
 * language kept in its metadata and through a save and load, and what a
 * change of the notebook's language does to the cells that already ran. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../ui/model/ipynb.h"
#include "../../ui/model/nblang.h"

static void test_canon(void **state)
{
	(void)state;
	char b[NB_LANG_MAX];
	assert_string_equal(nb_lang_canon("R", b), "r");
	assert_string_equal(nb_lang_canon("js", b), "javascript");
	assert_string_equal(nb_lang_canon("TS", b), "typescript");
	assert_string_equal(nb_lang_canon("sh", b), "bash");
	assert_string_equal(nb_lang_canon("c++", b), "c++");
	assert_null(nb_lang_canon(NULL, b));
	assert_null(nb_lang_canon("", b));
	assert_null(nb_lang_canon("py thon", b));
	assert_null(nb_lang_canon("\x1b[31mr", b));
	assert_null(nb_lang_canon("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", b));
}

static void test_notebook_language(void **state)
{
	(void)state;
	char b[NB_LANG_MAX];
	sbx_err e;
	/* as IRkernel's Jupyter writes it */
	const char *ir = "{\"cells\": [], \"metadata\": {\"kernelspec\": {\"display_name\": \"R\", \"language\": \"R\","
			 " \"name\": \"ir\"}}, \"nbformat\": 4, \"nbformat_minor\": 5}";
	notebook *nb = ipynb_parse(ir, strlen(ir), &e);
	assert_non_null(nb);
	assert_string_equal(nb_lang_notebook(nb, b), "r");
	nb_free(nb);
	const char *li = "{\"cells\": [], \"metadata\": {\"language_info\": {\"name\": \"typescript\"}}, \"nbformat\": 4,"
			 " \"nbformat_minor\": 5}";
	nb = ipynb_parse(li, strlen(li), &e);
	assert_non_null(nb);
	assert_string_equal(nb_lang_notebook(nb, b), "typescript");
	nb_free(nb);
	nb = nb_new();
	assert_string_equal(nb_lang_notebook(nb, b), "python");
	nb_free(nb);
}

static void test_cell_language(void **state)
{
	(void)state;
	char b[NB_LANG_MAX];
	notebook *nb = nb_new();
	nb_cell *c = nb_insert(nb, 0, NB_CODE);
	nb_cell *m = nb_insert(nb, 1, NB_MARKDOWN);
	assert_null(nb_lang_cell_own(c, b));
	assert_string_equal(nb_lang_cell(nb, c, b), "python");
	assert_int_equal(nb_lang_shown(nb, c), 0);   /* python in a python notebook: as before */
	unsigned long v = nb->version;
	nb_lang_set_cell(nb, c, "R");
	assert_true(nb->version > v);
	assert_string_equal(nb_lang_cell_own(c, b), "r");
	assert_int_equal(nb_lang_shown(nb, c), 1);
	assert_int_equal(nb_lang_shown(nb, m), 0);
	nb_lang_set_cell(nb, m, "r");   /* markdown has no language */
	assert_null(json_object_get(m->metadata, "sbx"));
	/* the notebook's own language: the cell follows it again */
	nb_lang_set_cell(nb, c, "python");
	assert_null(nb_lang_cell_own(c, b));
	assert_null(json_object_get(c->metadata, "sbx"));
	/* other keys of "sbx" are kept */
	json_object_set_new(c->metadata, "sbx", json_pack("{s:s}", "other", "x"));
	nb_lang_set_cell(nb, c, "bash");
	nb_lang_set_cell(nb, c, NULL);
	assert_string_equal(json_string_value(json_object_get(json_object_get(c->metadata, "sbx"), "other")), "x");
	/* junk in a file is not a language */
	json_object_set_new(json_object_get(c->metadata, "sbx"), "language", json_string("r; rm -rf"));
	assert_null(nb_lang_cell_own(c, b));
	assert_string_equal(nb_lang_cell(nb, c, b), "python");
	nb_free(nb);
}

static void test_switch_keeps_ran_cells(void **state)
{
	(void)state;
	char b[NB_LANG_MAX];
	notebook *nb = nb_new();
	nb_lang_set_notebook(nb, "javascript", "deno", "Deno (JavaScript/TypeScript)");
	assert_string_equal(nb_kernel_name(nb), "deno");
	assert_string_equal(nb_lang_notebook(nb, b), "javascript");
	nb_cell *ran = nb_insert(nb, 0, NB_CODE);
	nb_cell_set_source(nb, ran, "console.log(1)", 14);
	nb_cell_set_count(nb, ran, 1);
	nb_cell *fresh = nb_insert(nb, 1, NB_CODE);
	nb_cell *r = nb_insert(nb, 2, NB_CODE);
	nb_lang_set_cell(nb, r, "r");
	nb_lang_set_notebook(nb, "r", "ir", "R");
	assert_string_equal(nb_lang_cell(nb, ran, b), "javascript");   /* its output came from JavaScript */
	assert_string_equal(nb_lang_cell(nb, fresh, b), "r");          /* never ran: follows */
	assert_null(nb_lang_cell_own(r, b));                           /* now the notebook's */
	assert_string_equal(nb_lang_cell(nb, r, b), "r");
	/* through a save and a load */
	size_t len;
	char *text = ipynb_dump(nb, &len);
	sbx_err e;
	notebook *back = ipynb_parse(text, len, &e);
	assert_non_null(back);
	assert_string_equal(nb_lang_notebook(back, b), "r");
	assert_string_equal(nb_kernel_name(back), "ir");
	assert_string_equal(nb_lang_cell(back, back->cells[0], b), "javascript");
	assert_string_equal(nb_lang_cell(back, back->cells[1], b), "r");
	assert_non_null(strstr(text, "\"language\": \"javascript\""));
	free(text);
	nb_free(back);
	nb_free(nb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon),
		cmocka_unit_test(test_notebook_language),
		cmocka_unit_test(test_cell_language),
		cmocka_unit_test(test_switch_keeps_ran_cells),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
