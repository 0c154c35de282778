/* template recipes: the recipe format, the Dockerfile subset, errors with
 * line numbers, the canonical form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../vm/template/template.h"
#include "../../vm/template/template_int.h"

static template_recipe *parse_ok(const char *text, const char *path)
{
	template_recipe *r = NULL;
	sbx_err e = { "" };
	int rc = template_parse(text, path, &r, &e);
	if (rc != 0)
		fail_msg("parse failed: %s", e.msg);
	assert_non_null(r);
	return r;
}

/* The error message, which must start with path:line. */
static void expect_err(const char *text, const char *path, int line, const char *needle)
{
	template_recipe *r = NULL;
	sbx_err e = { "" };
	assert_int_equal(template_parse(text, path, &r, &e), -1);
	assert_null(r);
	char want[256];
	snprintf(want, sizeof want, "%s:%d: ", path, line);
	if (strncmp(e.msg, want, strlen(want)) || !strstr(e.msg, needle))
		fail_msg("error [%s] lacks [%s] or [%s]", e.msg, want, needle);
}

static void test_recipe_full(void **state)
{
	(void)state;
	template_recipe *r = parse_ok(
		"# a comment\n"
		"suite: bookworm\n"
		"packages: python3 curl,git\n"
		"packages:   jq\n"
		"alias: ci-v1 ci2\n"
		"\n"
		"env: A=1\n"
		"run: echo one\n"
		"  # indented comment\n"
		"workdir: /srv\n"
		"workdir: app\n"
		"env: B=x y\n"
		"user: user\n"
		"run: apt-get install \\\n"
		"    foo\n"
		"copy: files/conf.txt /etc/conf.txt\n",
		"/tmp/recipes/ci.recipe");
	assert_string_equal(r->name, "ci");
	assert_string_equal(r->dir, "/tmp/recipes");
	assert_false(r->dockerfile);
	assert_null(r->from);
	assert_string_equal(r->suite, "bookworm");
	assert_int_equal(r->npackages, 4);
	assert_string_equal(r->packages[1], "curl");
	assert_string_equal(r->packages[3], "jq");
	assert_int_equal(r->naliases, 2);
	assert_string_equal(r->aliases[1], "ci2");
	assert_int_equal(r->nenv, 2);
	assert_string_equal(r->env[1], "B=x y");
	assert_string_equal(r->workdir, "/srv/app");
	assert_string_equal(r->user, "user");
	assert_int_equal(r->nsteps, 3);

	assert_int_equal(r->steps[0].kind, TSTEP_RUN);
	assert_string_equal(r->steps[0].run, "echo one");
	assert_int_equal(r->steps[0].line, 8);
	assert_null(r->steps[0].user);
	assert_null(r->steps[0].workdir);
	assert_int_equal(r->steps[0].nenv, 1);

	assert_string_equal(r->steps[1].run, "apt-get install     foo");
	assert_int_equal(r->steps[1].line, 14);
	assert_string_equal(r->steps[1].user, "user");
	assert_string_equal(r->steps[1].workdir, "/srv/app");
	assert_int_equal(r->steps[1].nenv, 2);

	assert_int_equal(r->steps[2].kind, TSTEP_COPY);
	assert_string_equal(r->steps[2].src, "files/conf.txt");
	assert_string_equal(r->steps[2].dest, "/etc/conf.txt");
	assert_null(r->steps[2].chown);
	template_recipe_free(r);
}

static void test_recipe_from_and_names(void **state)
{
	(void)state;
	template_recipe *r = parse_ok("from: base\nname: my-tpl\ncopy: --chown=user:user \"a b\" /x/\n",
				      "whatever.recipe");
	assert_string_equal(r->from, "base");
	assert_string_equal(r->name, "my-tpl");
	assert_null(r->suite);
	assert_string_equal(r->steps[0].src, "a b");
	assert_string_equal(r->steps[0].chown, "user:user");
	template_recipe_free(r);

	r = parse_ok("from: e2bdev/code-interpreter:latest\n", "/x/Y.recipe");
	assert_string_equal(r->from, "code-interpreter");
	assert_string_equal(r->name, "y");
	template_recipe_free(r);

	r = parse_ok("FROM base\n", "/nonexistent/dir/myapp/Dockerfile");
	assert_true(r->dockerfile);
	assert_string_equal(r->name, "myapp");
	template_recipe_free(r);

	r = parse_ok("FROM base\n", "web.Dockerfile");
	assert_string_equal(r->name, "web");
	template_recipe_free(r);

	assert_true(template_name_ok("code-interpreter"));
	assert_true(template_name_ok("a1.b_c-d"));
	assert_false(template_name_ok("Base"));
	assert_false(template_name_ok("-x"));
	assert_false(template_name_ok(""));
	assert_false(template_name_ok("a/b"));
}

static void test_recipe_errors(void **state)
{
	(void)state;
	expect_err("suite: bookworm\n\nfrobnicate: 1\n", "t.recipe", 3, "unknown key 'frobnicate'");
	expect_err("# c\nthis is not a key line\n", "t.recipe", 2, "expected 'key: value'");
	expect_err("packages: ok Bad;rm\n", "t.recipe", 1, "'Bad;rm' is not a Debian package name");
	expect_err("from: base\nsuite: sid\n", "t.recipe", 2, "cannot be combined");
	expect_err("suite: sid\nfrom: base\n", "t.recipe", 2, "cannot be combined");
	expect_err("run:\n", "t.recipe", 1, "needs a value");
	expect_err("env: 1A=2\n", "t.recipe", 1, "KEY=VALUE");
	expect_err("env: NOVALUE\n", "t.recipe", 1, "KEY=VALUE");
	expect_err("workdir: rel\n", "t.recipe", 1, "relative workdir");
	expect_err("workdir: /a/../b\n", "t.recipe", 1, "'..'");
	expect_err("workdir: $HOME\n", "t.recipe", 1, "variables are not expanded");
	expect_err("user: Bad User\n", "t.recipe", 1, "not a user name");
	expect_err("user: user:grp\n", "t.recipe", 1, "group is not supported");
	expect_err("copy: only-one\n", "t.recipe", 1, "source and a destination");
	expect_err("copy: ../secret /x\n", "t.recipe", 1, "leaves the recipe's directory");
	expect_err("copy: /etc/passwd /x\n", "t.recipe", 1, "is absolute");
	expect_err("copy: *.txt /x/\n", "t.recipe", 1, "wildcards");
	expect_err("copy: a b /not-a-dir\n", "t.recipe", 1, "ending in '/'");
	expect_err("copy: --chmod=755 a /b\n", "t.recipe", 1, "--chmod=755 is not supported");
	expect_err("from: python:3.11\n", "t.recipe", 1, "not an sbx template");
	expect_err("from: base\nfrom: base\n", "t.recipe", 2, "second FROM");
	expect_err("name: Up\n", "t.recipe", 1, "not a template name");
	expect_err("name: a\nname: b\n", "t.recipe", 2, "given twice");
	expect_err("alias: ok NOT\n", "t.recipe", 1, "alias 'NOT'");
}

static void test_dockerfile(void **state)
{
	(void)state;
	template_recipe *r = parse_ok(
		"# syntax=docker/dockerfile:1\n"
		"FROM e2bdev/code-interpreter:latest AS build\n"
		"ENV A=1 B=\"two words\" C='$A'\n"
		"ENV LEGACY some value here\n"
		"run echo hi > /hello && \\\n"
		"    echo there\n"
		"RUN [\"python3\", \"-c\", \"print('x')\"]\n"
		"WORKDIR /app\n"
		"COPY --chown=user:user a.txt b.txt ./\n"
		"COPY [\"c d\", \"/opt/c\"]\n"
		"USER user\n"
		"RUN id\n",
		"/ctx/Dockerfile");
	assert_true(r->dockerfile);
	assert_string_equal(r->from, "code-interpreter");
	assert_int_equal(r->nenv, 4);
	assert_string_equal(r->env[0], "A=1");
	assert_string_equal(r->env[1], "B=two words");
	assert_string_equal(r->env[2], "C=$A");
	assert_string_equal(r->env[3], "LEGACY=some value here");
	assert_int_equal(r->nsteps, 6);
	assert_string_equal(r->steps[0].run, "echo hi > /hello &&     echo there");
	assert_int_equal(r->steps[0].line, 5);
	assert_int_equal(r->steps[0].nenv, 4);
	assert_null(r->steps[0].workdir);
	assert_string_equal(r->steps[1].run, "'python3' '-c' 'print('\\''x'\\'')'");
	assert_int_equal(r->steps[2].kind, TSTEP_COPY);
	assert_string_equal(r->steps[2].src, "a.txt");
	assert_string_equal(r->steps[2].dest, "./");
	assert_string_equal(r->steps[2].chown, "user:user");
	assert_string_equal(r->steps[2].workdir, "/app");
	assert_string_equal(r->steps[3].src, "b.txt");
	assert_string_equal(r->steps[4].src, "c d");
	assert_string_equal(r->steps[4].dest, "/opt/c");
	assert_null(r->steps[4].chown);
	assert_string_equal(r->steps[5].run, "id");
	assert_string_equal(r->steps[5].user, "user");
	assert_string_equal(r->user, "user");
	assert_string_equal(r->workdir, "/app");
	template_recipe_free(r);

	/* Recognised by content, whatever the file is called. */
	r = parse_ok("\n# hi\nfrom base\nRUN true\n", "/tmp/custom.txt");
	assert_true(r->dockerfile);
	template_recipe_free(r);
}

static void test_dockerfile_errors(void **state)
{
	(void)state;
	const char *df = "/c/Dockerfile";
	expect_err("FROM base\nRUN true\nEXPOSE 80\n", df, 3,
		   "EXPOSE is not supported; a Dockerfile here may use FROM, RUN, COPY, ENV, WORKDIR, USER");
	expect_err("FROM base\nCMD [\"x\"]\n", df, 2, "CMD is not supported (a sandbox starts sbx-agent");
	expect_err("FROM base\nADD http://x/y /y\n", df, 2, "ADD is not supported (use COPY");
	expect_err("RUN true\n", df, 1, "first instruction must be FROM");
	expect_err("FROM python:3.11-slim\n", df, 1, "'python:3.11-slim' is not an sbx template");
	expect_err("FROM base\nFROM base\n", df, 2, "multi-stage");
	expect_err("FROM --platform=linux/amd64 base\n", df, 1, "options are not supported");
	expect_err("FROM base\nCOPY --from=build /a /b\n", df, 2, "COPY option --from=build is not supported");
	expect_err("FROM base\nRUN --mount=type=cache,target=/x true\n", df, 2, "RUN options");
	expect_err("FROM base\nENV\n", df, 2, "ENV needs an argument");
	expect_err("FROM base\nENV A=\"unterminated\n", df, 2, "unterminated quote");
	expect_err("FROM base\nWORKDIR /a /b\n", df, 2, "WORKDIR takes one argument");
	expect_err("FROM base\nUSER 0:0\n", df, 2, "group is not supported");
	expect_err("FROM base\n\n\nCOPY x\n", df, 4, "source and a destination");
	expect_err("# only a comment\n", df, 1, "no FROM instruction");
}

static void test_normalize(void **state)
{
	(void)state;
	template_recipe *a = parse_ok("name: t\nsuite: bookworm\npackages: b a\npackages: a\nrun: echo 1\n", "x.recipe");
	template_recipe *b = parse_ok("# comment\n\n  name:t  \n\npackages:a,b\nrun:   echo 1   \n", "x.recipe");
	char *na = template_normalize(a), *nb = template_normalize(b);
	assert_string_equal(na, nb);
	assert_non_null(strstr(na, "packages: a b\n"));
	free(na);
	free(nb);
	template_recipe_free(a);
	template_recipe_free(b);

	/* A Dockerfile and the recipe that says the same normalise the same. */
	a = parse_ok("FROM base\nENV A=1\nRUN echo hi > /hello\nWORKDIR /w\nUSER user\nCOPY f /x\n", "/d/Dockerfile");
	b = parse_ok("from: base\nenv: A=1\nrun: echo hi > /hello\nworkdir: /w\nuser: user\ncopy: f /x\n", "/d/d.recipe");
	na = template_normalize(a);
	nb = template_normalize(b);
	assert_string_equal(na, nb);
	free(na);
	free(nb);

	/* The normalised text parses back to itself. */
	template_recipe *c = parse_ok("copy: --chown=u \"a b\" \"/x y/\"\nuser: u\nrun: x\n", "/d/c.recipe");
	char *nc = template_normalize(c);
	template_recipe *c2 = parse_ok(nc, "/d/c.recipe");
	char *nc2 = template_normalize(c2);
	assert_string_equal(nc, nc2);
	assert_string_equal(c2->steps[0].dest, "/x y/");
	free(nc);
	free(nc2);
	template_recipe_free(c);
	template_recipe_free(c2);
	template_recipe_free(a);
	template_recipe_free(b);
}

static void test_words_and_expand(void **state)
{
	(void)state;
	char **w;
	size_t n;
	assert_int_equal(tpl_split_words(" a \"b c\" 'd \"e' f\\ g \\$H \"\" ", &w, &n), 0);
	assert_int_equal(n, 6);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "b c");
	assert_string_equal(w[2], "d \"e");
	assert_string_equal(w[3], "f g");
	assert_string_equal(w[4], "\\$H");
	assert_string_equal(w[5], "");
	strv_free(w, n);
	assert_int_equal(tpl_split_words("a 'b", &w, &n), -1);

	char *env[] = { "PATH=/bin", "A=x", "A=y" };
	char *s = tpl_expand("$PATH:/opt/${A}/$NOPE/\\$A/$/${", env, 3);
	assert_string_equal(s, "/bin:/opt/y//$A/$/${");
	free(s);

	char **v = NULL;
	size_t nv = 0;
	tpl_env_set(&v, &nv, "A=1");
	tpl_env_set(&v, &nv, "B=2");
	tpl_env_set(&v, &nv, "A=3");
	assert_int_equal(nv, 2);
	assert_string_equal(v[0], "A=3");
	strv_free(v, nv);
}

/* fetch: URL HASH DEST — the hash in any of the accepted spellings becomes
 * ALGO:hex, which is what the canonical text (and so the template hash) holds. */
static void test_fetch(void **state)
{
	(void)state;
	template_recipe *r = parse_ok("fetch: https://example.org/a.whl "
				      "sha256:DA28513230F5307C7A49E87352366304DC52B66FAA207D6CAED1B2BDEC03C1FA x.whl\n",
				      "/tmp/recipes/f.recipe");
	assert_string_equal(r->steps[0].hash, "sha256:da28513230f5307c7a49e87352366304dc52b66faa207d6caed1b2bdec03c1fa");
	expect_err("fetch: https://example.org/b SHA256:da28513230f5307c7a49e87352366304dc52b66faa207d6caed1b2bdec03c1fa /b\n",
		   "/tmp/x.recipe", 1, "not a pinned hash");
	template_recipe_free(r);
	r = parse_ok(
		"from: base\n"
		"fetch: https://registry.npmjs.org/npm/-/npm-10.9.9.tgz \\\n"
		"\tsha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg== /tmp/f/\n"
		"workdir: /srv\n"
		"fetch: https://example.org/b sha256:da28513230f5307c7a49e87352366304dc52b66faa207d6caed1b2bdec03c1fa b\n",
		"/tmp/recipes/f.recipe");
	assert_int_equal(r->nsteps, 2);
	assert_int_equal(r->steps[0].kind, TSTEP_FETCH);
	assert_string_equal(r->steps[0].src, "https://registry.npmjs.org/npm/-/npm-10.9.9.tgz");
	assert_string_equal(r->steps[0].hash, "sha512:d60fba8cb42f688b81e33c2f1cbef2ad7b977166700ec0ad057f1b6d60ea6ef2"
			    "524abf673e20c35931cd8305d1dbb8887134d6eefdc0e7b8435bd458bf65b862");
	assert_string_equal(r->steps[0].dest, "/tmp/f/");
	assert_string_equal(r->steps[1].workdir, "/srv");
	char *norm = template_normalize(r);
	if (!strstr(norm, "fetch: https://example.org/b sha256:da28513230f5307c7a49e87352366304dc52b66faa207d6caed1b2bdec03c1fa b\n"))
		fail_msg("canonical text lacks the fetch line: %s", norm);
	/* Read back, the canonical text is the same recipe. */
	template_recipe *r2 = parse_ok(norm, "/tmp/recipes/f.recipe");
	char *norm2 = template_normalize(r2);
	assert_string_equal(norm, norm2);
	free(norm);
	free(norm2);
	template_recipe_free(r2);
	template_recipe_free(r);

	expect_err("fetch: https://example.org/a sha256:abc /a\n", "/tmp/x.recipe", 1, "needs 64 hex digits");
	expect_err("fetch: https://example.org/a sha512-AAAA /a\n", "/tmp/x.recipe", 1, "64-byte digest");
	expect_err("fetch: https://example.org/a md5:0123 /a\n", "/tmp/x.recipe", 1, "not a pinned hash");
	expect_err("fetch: ftp://example.org/a sha256:da28513230f5307c7a49e87352366304dc52b66faa207d6caed1b2bdec03c1fa /a\n",
		   "/tmp/x.recipe", 1, "not an http(s) URL");
	expect_err("fetch: https://example.org/a /a\n", "/tmp/x.recipe", 1, "takes URL HASH DEST");
	expect_err("fetch: https://example.org/a sha256:da28513230f5307c7a49e87352366304dc52b66faa207d6caed1b2bdec03c1fa $D\n",
		   "/tmp/x.recipe", 1, "not expanded");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recipe_full),
		cmocka_unit_test(test_recipe_from_and_names),
		cmocka_unit_test(test_recipe_errors),
		cmocka_unit_test(test_dockerfile),
		cmocka_unit_test(test_dockerfile_errors),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_words_and_expand),
		cmocka_unit_test(test_fetch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
