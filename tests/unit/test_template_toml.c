/* e2b.toml: the TOML subset, E2B's fields, errors naming the line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../vm/template/template.h"
#include "../../vm/template/template_int.h"
#include "../../src/util/xalloc.h"

static void parse_ok(const char *text, template_e2b *t)
{
	sbx_err e = { "" };
	if (template_toml_parse(text, strlen(text), "d/e2b.toml", t, &e) != 0)
		fail_msg("parse failed: %s", e.msg);
}

static void expect_err(const char *text, size_t len, int line, const char *needle)
{
	template_e2b t;
	sbx_err e = { "" };
	assert_int_equal(template_toml_parse(text, len, "d/e2b.toml", &t, &e), -1);
	assert_null(t.template_id);
	assert_null(t.warnings);
	char want[64];
	snprintf(want, sizeof want, "d/e2b.toml:%d: ", line);
	if (strncmp(e.msg, want, strlen(want)) || !strstr(e.msg, needle))
		fail_msg("error [%s] lacks [%s] or [%s]", e.msg, want, needle);
}
#define ERR(text, line, needle) expect_err(text, strlen(text), line, needle)

/* E2B's own file, as its CLI wrote it (template/e2b.toml before 31e8d47). */
static void test_e2b_file(void **state)
{
	(void)state;
	template_e2b t;
	parse_ok("# This is a config for E2B sandbox template.\n"
		 "# You can use template ID (nlhz8vlwyupq845jsdg9) to create a sandbox:\n"
		 "\n"
		 "team_id = \"460355b3-4f64-48f9-9a16-4442817f79f5\"\n"
		 "memory_mb = 1_024\n"
		 "start_cmd = \"/root/.jupyter/start-up.sh\"\n"
		 "dockerfile = \"e2b.Dockerfile\"\n"
		 "template_name = \"code-interpreter-v1\"\n"
		 "template_id = \"nlhz8vlwyupq845jsdg9\"\n", &t);
	assert_int_equal(t.memory_mb, 1024);
	assert_int_equal(t.cpu_count, 0);
	assert_string_equal(t.start_cmd, "/root/.jupyter/start-up.sh");
	assert_null(t.ready_cmd);
	assert_string_equal(t.dockerfile, "e2b.Dockerfile");
	assert_string_equal(t.template_name, "code-interpreter-v1");
	assert_string_equal(t.template_id, "nlhz8vlwyupq845jsdg9");
	assert_int_equal(t.nwarnings, 0);   /* team_id is known, and ignored */
	template_e2b_free(&t);
}

static void test_values(void **state)
{
	(void)state;
	template_e2b t;
	parse_ok("\xef\xbb\xbf  id = 'old-id'   # the old name\r\n"
		 "start_cmd = \"python3 -c \\\"print('a\\\\tb')\\\"\\t\\u00e9\\U0001F600\"\n"
		 "ready_cmd='curl -s localhost:8000 | grep \\d' # literal: no escapes\n"
		 "\"cpu_count\" = +4\n"
		 "extra = true\n"
		 "big = -12_345_678\n"
		 "\t\n", &t);
	assert_string_equal(t.template_id, "old-id");
	assert_string_equal(t.start_cmd, "python3 -c \"print('a\\tb')\"\t\xc3\xa9\xf0\x9f\x98\x80");
	assert_string_equal(t.ready_cmd, "curl -s localhost:8000 | grep \\d");
	assert_int_equal(t.cpu_count, 4);
	assert_int_equal(t.nwarnings, 2);
	assert_non_null(strstr(t.warnings[0], "d/e2b.toml:5: unknown key 'extra' ignored"));
	assert_non_null(strstr(t.warnings[1], "d/e2b.toml:6: unknown key 'big'"));
	template_e2b_free(&t);

	parse_ok("", &t);
	assert_null(t.template_id);
	template_e2b_free(&t);
	parse_ok("dockerfile = \"x\"", &t);   /* no final newline */
	assert_string_equal(t.dockerfile, "x");
	template_e2b_free(&t);
}

static void test_errors(void **state)
{
	(void)state;
	ERR("a = 1\n[build]\nx = 1\n", 2, "tables ([…]) are not supported");
	ERR("\n\n[[x]]\n", 3, "tables ([[…]])");
	ERR("start_cmd = [\"a\"]\n", 1, "arrays are not supported");
	ERR("x = { a = 1 }\n", 1, "inline tables");
	ERR("a.b = 1\n", 1, "dotted keys");
	ERR("\n\nstart_cmd = \"\"\"\nx\n\"\"\"\n", 3, "multi-line strings");
	ERR("start_cmd = \"abc\n", 1, "unterminated string");
	ERR("start_cmd = \"a\" \"b\"\n", 1, "after the value");
	ERR("start_cmd = \"a\\qb\"\n", 1, "bad escape");
	ERR("start_cmd = \"a\\u00\"\n", 1, "bad escape");
	ERR("start_cmd = \"\\ud800\"\n", 1, "bad escape");
	ERR("start_cmd = \"\\u0000\"\n", 1, "bad escape");
	ERR("x = \"a\x01\"\n", 1, "control character");
	ERR("x = \"\xff\"\n", 1, "not valid UTF-8");
	ERR("memory_mb = 1__024\n", 1, "between two digits");
	ERR("memory_mb = 1024_\n", 1, "between two digits");
	ERR("memory_mb = 0x400\n", 1, "plain decimal");
	ERR("memory_mb = 01024\n", 1, "plain decimal");
	ERR("memory_mb = 1.5\n", 1, "floats");
	ERR("x = 1979-05-27\n", 1, "dates");
	ERR("memory_mb = 99999999999\n", 1, "too large");
	ERR("memory_mb = 64\n", 1, "out of range (128 to");
	ERR("cpu_count = 0\n", 1, "out of range (1 to");
	ERR("cpu_count = \"2\"\n", 1, "cpu_count must be a whole number");
	ERR("start_cmd = 5\n", 1, "start_cmd must be a \"string\"");
	ERR("template_id = \"a\"\nid = \"b\"\n", 2, "template_id is set twice (id is the old name");
	ERR("x = 1\nx = 2\n", 2, "x is set twice");
	ERR("x =\n", 1, "value is missing");
	ERR("x 1\n", 1, "expected '='");
	ERR("= 1\n", 1, "expected `key = value`");
	ERR("x = yes\n", 1, "not a value");
	ERR("x = truex\n", 1, "not a value");
	expect_err("x = \"a\0b\"\n", 10, 1, "control character");
	expect_err("\0", 1, 1, "expected `key = value`");
	char *big = calloc(1, TEMPLATE_TOML_MAX_BYTES + 2);
	memset(big, '#', TEMPLATE_TOML_MAX_BYTES + 1);
	template_e2b t;
	sbx_err e;
	assert_int_equal(template_toml_parse(big, TEMPLATE_TOML_MAX_BYTES + 1, "d/e2b.toml", &t, &e), -1);
	assert_non_null(strstr(e.msg, "at most"));
	free(big);
}

/* --- E2B template directories ------------------------------------------------ */

static void put(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void on_log(void *ud, template_log_kind kind, const char *line)
{
	(void)kind;
	sbx_buf *b = ud;
	buf_printf(b, "%s\n", line);
}

static void test_e2b_dir(void **state)
{
	(void)state;
	char top[] = "/tmp/e2btoml-XXXXXX";
	assert_non_null(mkdtemp(top));
	char *dir = xasprintf("%s/My App!", top);
	assert_int_equal(mkdir(dir, 0755), 0);
	sbx_buf log = SBX_BUF_INIT;
	template_opts o = { .log = on_log, .log_ud = &log };
	template_recipe *r;
	sbx_err e = { "" };

	/* Neither file: what to add. */
	assert_int_equal(tpl_load_e2b(&o, dir, &r, &e), -1);
	assert_non_null(strstr(e.msg, "has no e2b.Dockerfile or Dockerfile; add one (FROM e2bdev/base"));

	/* A Dockerfile alone: named after the directory. */
	put(dir, "Dockerfile", "FROM e2bdev/base\nRUN echo plain\n");
	assert_int_equal(tpl_load_e2b(&o, dir, &r, &e), 0);
	assert_string_equal(r->name, "my-app-");
	assert_string_equal(r->steps[0].run, "echo plain");
	assert_null(r->start_cmd);
	template_recipe_free(r);

	/* e2b.Dockerfile wins over Dockerfile; e2b.toml gives name, alias, start-up, limits. */
	put(dir, "e2b.Dockerfile", "FROM e2bdev/code-interpreter:latest\nEXPOSE 8000\nRUN echo e2b\n");
	put(dir, "e2b.toml", "team_id = \"t\"\ntemplate_id = \"abc123xyz\"\ntemplate_name = \"My-App\"\n"
	    "start_cmd = \"python3 -m http.server 8000\"\nready_cmd = 'curl -sf localhost:8000'\n"
	    "cpu_count = 2\nmemory_mb = 1_024\nfancy = true\n");
	assert_int_equal(tpl_load_e2b(&o, dir, &r, &e), 0);
	assert_string_equal(r->name, "my-app");
	assert_string_equal(r->from, "code-interpreter");
	assert_string_equal(r->steps[0].run, "echo e2b");
	assert_int_equal(r->naliases, 1);
	assert_string_equal(r->aliases[0], "abc123xyz");
	assert_string_equal(r->start_cmd, "python3 -m http.server 8000");
	assert_string_equal(r->ready_cmd, "curl -sf localhost:8000");
	assert_int_equal(r->cpu_count, 2);
	assert_int_equal(r->memory_mb, 1024);
	assert_int_equal(r->nnotes, 1);
	assert_non_null(strstr(buf_cstr(&log), "e2b.toml:8: unknown key 'fancy' ignored"));
	assert_non_null(strstr(buf_cstr(&log), "template_name 'My-App' is built as 'my-app'"));
	template_recipe_free(r);

	/* The path of e2b.toml does the same; `dockerfile` picks the file. */
	char *sub = xasprintf("%s/docker", dir), *toml = xasprintf("%s/e2b.toml", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	put(sub, "app.Dockerfile", "FROM base\nRUN echo picked\n");
	put(dir, "e2b.toml", "id = \"old-id\"\ndockerfile = \"docker/app.Dockerfile\"\n");
	buf_reset(&log);
	assert_int_equal(tpl_load_e2b(&o, toml, &r, &e), 0);
	assert_string_equal(r->steps[0].run, "echo picked");
	assert_string_equal(r->name, "my-app-");
	assert_string_equal(r->aliases[0], "old-id");
	assert_int_equal(log.len, 0);
	template_recipe_free(r);

	put(dir, "e2b.toml", "dockerfile = \"nope.Dockerfile\"\n");
	assert_int_equal(tpl_load_e2b(&o, dir, &r, &e), -1);
	assert_non_null(strstr(e.msg, "dockerfile = \"nope.Dockerfile\", but"));
	put(dir, "e2b.toml", "template_id = \"Bad ID\"\n");
	assert_int_equal(tpl_load_e2b(&o, dir, &r, &e), -1);
	assert_non_null(strstr(e.msg, "template_id 'Bad ID' cannot be a template alias"));
	put(dir, "e2b.toml", "\n[x]\n");
	assert_int_equal(tpl_load_e2b(&o, dir, &r, &e), -1);
	assert_non_null(strstr(e.msg, "e2b.toml:2: tables"));
	put(dir, "e2b.toml", "template_name = \"!!!\"\n");
	assert_int_equal(tpl_load_e2b(&o, dir, &r, &e), -1);
	assert_non_null(strstr(e.msg, "cannot make a template name from template_name '!!!'; give one with --name"));
	/* Errors in the Dockerfile name its line. */
	put(dir, "e2b.toml", "start_cmd = \"x\"\n");
	put(dir, "e2b.Dockerfile", "FROM e2bdev/base\nRUN true\nCMD [\"python3\", \"app.py\"]\n");
	assert_int_equal(tpl_load_e2b(&o, dir, &r, &e), -1);
	assert_non_null(strstr(e.msg, "e2b.Dockerfile:3: CMD is not supported"));

	buf_free(&log);
	char *rm = xasprintf("rm -rf '%s'", top);
	assert_int_equal(system(rm), 0);
	free(rm);
	free(sub);
	free(toml);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e2b_file),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_e2b_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
