/* template hash: what changes it (recipe, copied files, agent, chart
 * extension, builder, parent) and what does not (comments, spacing,
 * package order, __pycache__). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/util/xalloc.h"
#include "../../vm/template/template.h"
#include "../../vm/template/template_int.h"

typedef struct fx {
	char dir[64];
	char *recipe_dir, *agent, *python, *builder;
} fx;

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	fx *f = xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/sbx-thash.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->recipe_dir = xasprintf("%s/ctx", f->dir);
	f->agent = xasprintf("%s/sbx-agent", f->dir);
	f->python = xasprintf("%s/python", f->dir);
	f->builder = xasprintf("%s/mkrootfs.sh", f->dir);
	mkdir(f->recipe_dir, 0755);
	char *p = xasprintf("%s/files", f->recipe_dir);
	mkdir(p, 0755);
	free(p);
	p = xasprintf("%s/files/a.txt", f->recipe_dir);
	put(p, "a\n");
	free(p);
	p = xasprintf("%s/one.txt", f->recipe_dir);
	put(p, "one\n");
	free(p);
	put(f->agent, "agent v1");
	put(f->builder, "#!/bin/sh\n");
	mkdir(f->python, 0755);
	p = xasprintf("%s/ext.py", f->python);
	put(p, "x = 1\n");
	free(p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	sbx_err e;
	tpl_rmtree(f->dir, &e);
	free(f->recipe_dir);
	free(f->agent);
	free(f->python);
	free(f->builder);
	free(f);
	return 0;
}

/* The hash of TEXT as a recipe in the fixture's context dir. */
static void hash_of(fx *f, const char *text, const char *parent, char out[65])
{
	char *path = xasprintf("%s/t.recipe", f->recipe_dir);
	template_recipe *r;
	sbx_err e = { "" };
	if (template_parse(text, path, &r, &e) < 0)
		fail_msg("%s", e.msg);
	template_hash_inputs in = { f->agent, f->python, f->builder, parent };
	if (template_hash(r, &in, out, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(strlen(out), 64);
	template_recipe_free(r);
	free(path);
}

static const char *recipe = "packages: b a\nrun: echo hi\ncopy: files /opt/files\ncopy: one.txt /one\n";

static void test_hash_stable(void **state)
{
	fx *f = *state;
	char h1[65], h2[65];
	hash_of(f, recipe, NULL, h1);
	hash_of(f, recipe, NULL, h2);
	assert_string_equal(h1, h2);
	/* Comments, blank lines, spacing and package order do not count. */
	hash_of(f, "# comment\n\npackages:a,b\n  run:   echo hi  \ncopy: files  /opt/files\n\n"
		   "copy: one.txt /one\n", NULL, h2);
	assert_string_equal(h1, h2);
	/* Neither do file times. */
	char *p = xasprintf("%s/one.txt", f->recipe_dir);
	put(p, "one\n");
	free(p);
	hash_of(f, recipe, NULL, h2);
	assert_string_equal(h1, h2);
}

static void test_hash_changes(void **state)
{
	fx *f = *state;
	char h1[65], h2[65];
	hash_of(f, recipe, NULL, h1);

	hash_of(f, "packages: b a c\nrun: echo hi\ncopy: files /opt/files\ncopy: one.txt /one\n", NULL, h2);
	assert_string_not_equal(h1, h2);
	hash_of(f, "packages: b a\nrun: echo hi!\ncopy: files /opt/files\ncopy: one.txt /one\n", NULL, h2);
	assert_string_not_equal(h1, h2);
	hash_of(f, recipe, "0000000000000000000000000000000000000000000000000000000000000000", h2);
	assert_string_not_equal(h1, h2);

	/* A copied file, one inside a copied directory, a new file there. */
	char *p = xasprintf("%s/one.txt", f->recipe_dir);
	put(p, "ONE\n");
	hash_of(f, recipe, NULL, h2);
	assert_string_not_equal(h1, h2);
	put(p, "one\n");
	free(p);
	hash_of(f, recipe, NULL, h2);
	assert_string_equal(h1, h2);
	p = xasprintf("%s/files/a.txt", f->recipe_dir);
	chmod(p, 0700);
	hash_of(f, recipe, NULL, h2);
	assert_string_not_equal(h1, h2);
	chmod(p, 0644);
	free(p);
	p = xasprintf("%s/files/new.txt", f->recipe_dir);
	put(p, "");
	hash_of(f, recipe, NULL, h2);
	assert_string_not_equal(h1, h2);
	unlink(p);
	free(p);
	hash_of(f, recipe, NULL, h2);
	assert_string_equal(h1, h2);

	/* The agent, the builder, the chart extension (but not its bytecode). */
	put(f->agent, "agent v2");
	hash_of(f, recipe, NULL, h2);
	assert_string_not_equal(h1, h2);
	put(f->agent, "agent v1");
	put(f->builder, "#!/bin/sh\n# changed\n");
	hash_of(f, recipe, NULL, h2);
	assert_string_not_equal(h1, h2);
	put(f->builder, "#!/bin/sh\n");
	p = xasprintf("%s/__pycache__", f->python);
	mkdir(p, 0755);
	free(p);
	p = xasprintf("%s/__pycache__/ext.cpython-311.pyc", f->python);
	put(p, "bytecode");
	free(p);
	hash_of(f, recipe, NULL, h2);
	assert_string_equal(h1, h2);
	p = xasprintf("%s/ext.py", f->python);
	put(p, "x = 2\n");
	hash_of(f, recipe, NULL, h2);
	assert_string_not_equal(h1, h2);
	put(p, "x = 1\n");
	free(p);
}

static void test_hash_errors(void **state)
{
	fx *f = *state;
	char *path = xasprintf("%s/t.recipe", f->recipe_dir);
	template_recipe *r;
	sbx_err e = { "" };
	assert_int_equal(template_parse("run: true\n\ncopy: missing.txt /x\n", path, &r, &e), 0);
	template_hash_inputs in = { f->agent, f->python, f->builder, NULL };
	char h[65];
	assert_int_equal(template_hash(r, &in, h, &e), -1);
	assert_non_null(strstr(e.msg, "t.recipe:3: copy source missing.txt not found"));
	template_recipe_free(r);

	assert_int_equal(template_parse("run: true\n", path, &r, &e), 0);
	template_hash_inputs noagent = { "/nonexistent/sbx-agent", f->python, f->builder, NULL };
	assert_int_equal(template_hash(r, &noagent, h, &e), -1);
	assert_non_null(strstr(e.msg, "/nonexistent/sbx-agent"));
	assert_non_null(strstr(e.msg, "--agent"));
	template_hash_inputs nopy = { f->agent, "/nonexistent/python", f->builder, NULL };
	assert_int_equal(template_hash(r, &nopy, h, &e), -1);
	assert_non_null(strstr(e.msg, "chart extension"));
	template_recipe_free(r);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hash_stable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
