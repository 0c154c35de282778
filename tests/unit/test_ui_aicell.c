/* ui/model aicell: a notebook cell's outputs as the model's tool result —
 * stdout alone unlabelled, streams labelled when there is more, the error
 * with its traceback (IPython's colours out) marking a failure, a chart
 * as a line naming it, a cell that did not finish as an error saying why. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../ui/model/aicell.h"

static nb_cell *cell(notebook **nb)
{
	*nb = nb_new();
	return nb_insert(*nb, 0, NB_CODE);
}

static void test_stdout_alone(void **state)
{
	(void)state;
	notebook *nb;
	nb_cell *c = cell(&nb);
	nb_cell_add_stream(nb, c, "stdout", "3\n", 2);
	int err = -1;
	char *t = aicell_result(c, 1, NULL, &err);
	assert_string_equal(t, "3");
	assert_int_equal(err, 0);
	free(t);
	nb_free(nb);
}

static void test_streams_and_error(void **state)
{
	(void)state;
	notebook *nb;
	nb_cell *c = cell(&nb);
	nb_cell_add_stream(nb, c, "stdout", "before\n", 7);
	nb_cell_add_stream(nb, c, "stderr", "warned\n", 7);
	const char *tb[] = { "\x1b[0;31mNameError\x1b[0m  Traceback", "\x1b[0;31m----> 1\x1b[0m x" };
	nb_cell_add_error(nb, c, "NameError", "name 'x' is not defined", tb, 2);
	int err = 0;
	char *t = aicell_result(c, 1, NULL, &err);
	assert_int_equal(err, 1);
	assert_non_null(strstr(t, "before"));
	assert_non_null(strstr(t, "warned"));
	assert_non_null(strstr(t, "stdout"));   /* labelled: more than one part */
	assert_non_null(strstr(t, "NameError: name 'x' is not defined"));
	assert_non_null(strstr(t, "----> 1"));
	assert_null(strchr(t, '\x1b'));          /* the traceback's colours are gone */
	free(t);
	nb_free(nb);
}

static void test_chart(void **state)
{
	(void)state;
	notebook *nb;
	nb_cell *c = cell(&nb);
	json_t *b = json_pack("{s:s, s:s, s:{s:s, s:s}}", "image/png", "iVBORw0KGgo=", "text/plain",
			      "<Figure size 640x480 with 1 Axes>", "e2b/chart", "type", "line", "title", "Votes by year");
	nb_cell_add_bundle(nb, c, 0, b, NULL, -1);
	json_decref(b);
	json_t *r = json_pack("{s:s}", "text/plain", "42");
	nb_cell_add_bundle(nb, c, 1, r, NULL, 1);
	json_decref(r);
	int err = -1;
	char *t = aicell_result(c, 1, NULL, &err);
	assert_int_equal(err, 0);
	assert_non_null(strstr(t, "chart was produced: \"Votes by year\" (line chart)"));
	assert_null(strstr(t, "<Figure"));
	assert_non_null(strstr(t, "42"));
	free(t);
	nb_free(nb);
}

static void test_not_finished(void **state)
{
	(void)state;
	notebook *nb;
	nb_cell *c = cell(&nb);
	nb_cell_add_stream(nb, c, "stdout", "partial\n", 8);
	int err = 0;
	char *t = aicell_result(c, 0, "stopped by the user", &err);
	assert_int_equal(err, 1);
	assert_non_null(strstr(t, "partial"));
	assert_non_null(strstr(t, "stopped by the user"));
	free(t);
	/* no cell at all (deleted, its notebook closed) */
	t = aicell_result(NULL, 0, "the notebook was closed", &err);
	assert_int_equal(err, 1);
	assert_non_null(strstr(t, "the notebook was closed"));
	free(t);
	/* a cell that printed nothing */
	nb_cell *e = nb_insert(nb, 1, NB_CODE);
	t = aicell_result(e, 1, NULL, &err);
	assert_string_equal(t, "(no output)");
	assert_int_equal(err, 0);
	free(t);
	nb_free(nb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stdout_alone), cmocka_unit_test(test_streams_and_error),
		cmocka_unit_test(test_chart),        cmocka_unit_test(test_not_finished),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
