/* ai tools: the tool table's schemas, tool results for the model, the prompt, retry waits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/ai/retry.h"
#include "../../src/ai/tools.h"

static void test_schemas_are_json_objects(void **state)
{
	(void)state;
	assert_int_equal(ai_ntools, 4);
	const char *want[][3] = { { "execute_python", "code", NULL }, { "run_command", "command", NULL },
				  { "read_file", "path", NULL }, { "write_file", "path", "content" } };
	for (size_t i = 0; i < ai_ntools; i++) {
		const ai_tool_def *t = ai_tool_find(want[i][0]);
		assert_non_null(t);
		assert_true(strlen(t->description) > 10);
		json_error_t je;
		json_t *s = json_loads(t->params_json, 0, &je);
		assert_non_null(s);
		assert_string_equal(json_string_value(json_object_get(s, "type")), "object");
		json_t *req = json_object_get(s, "required"), *props = json_object_get(s, "properties");
		for (size_t k = 1; k < 3 && want[i][k]; k++) {
			assert_string_equal(json_string_value(json_array_get(req, k - 1)), want[i][k]);
			assert_string_equal(json_string_value(json_object_get(json_object_get(props, want[i][k]),
									 "type")), "string");
		}
		json_decref(s);
	}
	assert_null(ai_tool_find("rm_rf"));
	assert_null(ai_tool_find(NULL));
}

static char *text_of(ai_toolres *r, int *is_error)
{
	return ai_toolres_text(r, is_error);
}

static void test_plain_stdout_unlabelled(void **state)
{
	(void)state;
	ai_toolres r;
	ai_toolres_init(&r);
	ai_toolres_stdout(&r, "3\n", 2);
	int err = -1;
	char *t = text_of(&r, &err);
	assert_string_equal(t, "3");
	assert_int_equal(err, 0);
	free(t);
	ai_toolres_free(&r);

	ai_toolres_init(&r);
	t = text_of(&r, &err);
	assert_string_equal(t, "(no output)");
	free(t);
	ai_toolres_free(&r);
}

static void test_error_traceback_ansi_stripped(void **state)
{
	(void)state;
	ai_toolres r;
	ai_toolres_init(&r);
	ai_toolres_stdout(&r, "before\n", 7);
	ai_toolres_error(&r, "NameError", "name 'x' is not defined",
			 "\x1b[0;31mNameError\x1b[0m Traceback\n\x1b]0;title\x07----> 1 \x1b[38;5;124mx\x1b[0m\x01\n");
	int err = 0;
	char *t = text_of(&r, &err);
	assert_int_equal(err, 1);
	assert_null(strchr(t, '\x1b'));
	assert_null(strchr(t, '\x01'));
	assert_null(strstr(t, "title"));
	assert_non_null(strstr(t, "stdout:\nbefore\n"));
	assert_non_null(strstr(t, "NameError: name 'x' is not defined\nNameError Traceback\n----> 1 x"));
	free(t);
	ai_toolres_free(&r);
}

static void test_command_exit_status(void **state)
{
	(void)state;
	ai_toolres r;
	ai_toolres_init(&r);
	ai_toolres_stderr(&r, "ls: cannot access 'nope'\r\n", 26);
	ai_toolres_exit(&r, 2);
	int err = 0;
	char *t = text_of(&r, &err);
	assert_int_equal(err, 1);
	assert_string_equal(t, "stderr:\nls: cannot access 'nope'\nexit status: 2");
	free(t);
	ai_toolres_free(&r);

	ai_toolres_init(&r);
	ai_toolres_stdout(&r, "ok\n", 3);
	ai_toolres_exit(&r, 0);
	t = text_of(&r, &err);
	assert_int_equal(err, 0);
	assert_string_equal(t, "stdout:\nok\nexit status: 0");
	free(t);
	ai_toolres_free(&r);
}

/* A part larger than the limit keeps its head and tail and says how much went. */
static void test_clipping_head_tail_note(void **state)
{
	(void)state;
	ai_toolres r;
	ai_toolres_init(&r);
	r.limit = 100;
	char chunk[1000];
	size_t total = 0;
	/* streamed in pieces, far past the limit (the buffer must stay bounded) */
	for (int i = 0; i < 200; i++) {
		memset(chunk, 'a' + i % 26, sizeof chunk);
		if (i == 0)
			memcpy(chunk, "HEAD", 4);
		if (i == 199)
			memcpy(chunk + sizeof chunk - 4, "TAIL", 4);
		ai_toolres_stdout(&r, chunk, sizeof chunk);
		total += sizeof chunk;
	}
	assert_true(r.out.len <= 50 + 2 * 100);
	char *t = text_of(&r, NULL);
	char note[80];
	snprintf(note, sizeof note, "[... %zu bytes left out ...]", total - 100);
	assert_non_null(strstr(t, note));
	assert_int_equal(strncmp(t, "HEAD", 4), 0);
	assert_non_null(strstr(t, "TAIL"));
	assert_true(strlen(t) < 100 + 60);
	free(t);
	ai_toolres_free(&r);
}

/* Clipping never cuts a character in two, and bad UTF-8 becomes '?'. */
static void test_clipping_keeps_utf8_valid(void **state)
{
	(void)state;
	ai_toolres r;
	ai_toolres_init(&r);
	r.limit = 101;
	for (int i = 0; i < 100; i++)
		ai_toolres_stdout(&r, "\xc3\xa9", 2);   /* é */
	ai_toolres_stdout(&r, "\xff\xfe", 2);
	char *t = text_of(&r, NULL);
	json_t *s = json_string(t);   /* NULL for invalid UTF-8 */
	assert_non_null(s);
	json_decref(s);
	assert_non_null(strstr(t, "??"));
	free(t);
	ai_toolres_free(&r);
}

static void test_chart_and_image_lines(void **state)
{
	(void)state;
	ai_toolres r;
	ai_toolres_init(&r);
	ai_toolres_result(&r, "<Figure size 640x480 with 1 Axes>", 1, "Sales", "line");
	ai_toolres_result(&r, "42", 0, NULL, NULL);
	ai_toolres_result(&r, NULL, 1, NULL, NULL);
	char *t = text_of(&r, NULL);
	assert_non_null(strstr(t, "[a PNG chart was produced: \"Sales\" (line chart)"));
	assert_null(strstr(t, "<Figure"));
	assert_non_null(strstr(t, "\n42\n"));
	assert_non_null(strstr(t, "[an image was produced"));
	free(t);
	ai_toolres_free(&r);
}

static void test_system_prompt(void **state)
{
	(void)state;
	const char *pk[] = { "numpy", "pandas", "matplotlib", NULL };
	const char *files[] = { "sales.csv", "data/", "evil\x1b]0;x\x07name", NULL };
	ai_prompt_info info = { .template_id = "code-interpreter", .home = "/home/user", .packages = pk,
				.files = files };
	char *p = ai_system_prompt(&info);
	assert_non_null(strstr(p, "Jupyter"));
	assert_non_null(strstr(p, "kept between calls"));
	assert_non_null(strstr(p, "/home/user"));
	assert_non_null(strstr(p, "plt.show()"));
	assert_non_null(strstr(p, "savefig"));
	assert_non_null(strstr(p, "numpy, pandas, matplotlib"));
	assert_non_null(strstr(p, "sales.csv, data/"));
	assert_non_null(strstr(p, "code-interpreter"));
	assert_null(strchr(p, '\x1b'));
	free(p);
	/* nothing known about the sandbox: still a prompt, no empty lists */
	p = ai_system_prompt(NULL);
	assert_non_null(strstr(p, "/home/user"));
	assert_null(strstr(p, "Preinstalled"));
	free(p);
}

static void test_retry_after(void **state)
{
	(void)state;
	assert_int_equal(ai_retry_after_ms(NULL, "3", 0), 3000);
	assert_int_equal(ai_retry_after_ms(NULL, " 1.5 ", 0), 1500);
	assert_int_equal(ai_retry_after_ms("250", "3", 0), 250);
	assert_int_equal(ai_retry_after_ms(NULL, NULL, 0), -1);
	assert_int_equal(ai_retry_after_ms(NULL, "soon", 0), -1);
	assert_int_equal(ai_retry_after_ms(NULL, "-4", 0), -1);
	/* an HTTP date: 07:28:00 asked at 07:27:50 */
	assert_int_equal(ai_retry_after_ms(NULL, "Wed, 21 Oct 2015 07:28:00 GMT", 1445412470), 10000);
	assert_int_equal(ai_retry_after_ms(NULL, "Wed, 21 Oct 2015 07:28:00 GMT", 1445412490), 0);
	/* absurd values are bounded (the run caps them further) */
	assert_true(ai_retry_after_ms(NULL, "999999999", 0) <= 24L * 3600 * 1000);
	assert_int_equal(ai_backoff_ms(0), 1000);
	assert_int_equal(ai_backoff_ms(2), 4000);
	assert_int_equal(ai_backoff_ms(40), 32000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schemas_are_json_objects),
		cmocka_unit_test(test_plain_stdout_unlabelled),
		cmocka_unit_test(test_error_traceback_ansi_stripped),
		cmocka_unit_test(test_command_exit_status),
		cmocka_unit_test(test_clipping_head_tail_note),
		cmocka_unit_test(test_clipping_keeps_utf8_valid),
		cmocka_unit_test(test_chart_and_image_lines),
		cmocka_unit_test(test_system_prompt),
		cmocka_unit_test(test_retry_after),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
