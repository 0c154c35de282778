/* ui/model notebook + ipynb + autosave: the model's operations, E2B
 * execution lines, and .ipynb round trips — byte for byte against a
 * hand-written Jupyter notebook and one written by nbformat itself, and,
 * when /usr/bin/python3 has nbformat, our output validated by nbformat.
 * Fixtures: tests/unit/ui_fixtures/ under $SBX_ROOT (default "."). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../ui/model/autosave.h"
#include "../../ui/model/ipynb.h"
#include "../../ui/model/pyjson.h"
#include "../../src/client/code.h"
#include "../../src/util/xalloc.h"

#define PYTHON "/usr/bin/python3"

static char *fixture(const char *name)
{
	const char *root = getenv("SBX_ROOT");
	char *p = xasprintf("%s/tests/unit/ui_fixtures/%s", root ? root : ".", name);
#ifdef SBX_SOURCE_DIR
	if (access(p, R_OK) != 0) {
		free(p);
		p = xasprintf("%s/tests/unit/ui_fixtures/%s", SBX_SOURCE_DIR, name);
	}
#endif
	return p;
}

static char *slurp(const char *path, size_t *len)
{
	sbx_buf b = SBX_BUF_INIT;
	sbx_err e;
	if (buf_read_file(&b, path, &e) < 0)
		fail_msg("%s", e.msg);
	*len = b.len;
	return buf_detach(&b);
}

static notebook *load_fixture(const char *name)
{
	char *p = fixture(name);
	sbx_err e;
	notebook *nb = ipynb_load(p, &e);
	if (!nb)
		fail_msg("%s", e.msg);
	free(p);
	return nb;
}

/* Load, save, compare bytes with the file. */
static void assert_round_trip(const char *name)
{
	char *p = fixture(name);
	size_t len, outlen;
	char *want = slurp(p, &len);
	notebook *nb = load_fixture(name);
	char *got = ipynb_dump(nb, &outlen);
	if (outlen != len || memcmp(got, want, len) != 0) {
		size_t i = 0;
		while (i < len && i < outlen && got[i] == want[i])
			i++;
		fail_msg("%s differs at byte %zu: ...%.60s... vs ...%.60s...", name, i, want + (i > 20 ? i - 20 : 0),
			 got + (i > 20 ? i - 20 : 0));
	}
	free(got);
	free(want);
	free(p);
	nb_free(nb);
}

static void test_round_trip_jupyter(void **state)
{
	(void)state;
	assert_round_trip("jupyter.ipynb");
	notebook *nb = load_fixture("jupyter.ipynb");
	assert_int_equal(nb->ncells, 6);
	assert_int_equal(nb->version, 0);
	assert_string_equal(nb_kernel_name(nb), "python3");
	assert_string_equal(nb_language(nb), "python");
	nb_cell *md = nb->cells[0];
	assert_int_equal(md->type, NB_MARKDOWN);
	assert_string_equal(md->id, "a1b2c3d4");
	assert_string_equal(md->source, "# Analysis \xc3\xa9 \xe4\xb8\xad\n\nSome *text* with an ![dot](attachment:dot.png)");
	assert_non_null(json_object_get(md->extra, "attachments"));
	nb_cell *c = nb->cells[1];
	assert_int_equal(c->type, NB_CODE);
	assert_int_equal(c->execution_count, 1);
	assert_string_equal(c->source, "print('hello')\nprint('world')\n42");
	assert_int_equal(c->noutputs, 3);
	assert_int_equal(c->outputs[0].type, NB_OUT_STREAM);
	assert_string_equal(c->outputs[0].name, "stdout");
	assert_string_equal(buf_cstr(&c->outputs[0].text), "hello\nworld\n");
	assert_string_equal(c->outputs[1].name, "stderr");
	assert_int_equal(c->outputs[2].type, NB_OUT_RESULT);
	assert_int_equal(c->outputs[2].execution_count, 1);
	assert_string_equal(nb_output_text(&c->outputs[2], "text/plain"), "42");
	assert_string_equal(nb_output_text(&c->outputs[2], "text/html"), "<b>42</b>");
	nb_output *chart = &nb->cells[2]->outputs[0];
	assert_int_equal(chart->type, NB_OUT_DISPLAY);
	const json_t *cj = nb_output_json(chart, NB_MIME_E2B_CHART);
	assert_string_equal(json_string_value(json_object_get(cj, "type")), "line");
	assert_true(strncmp(nb_output_text(chart, "image/png"), "iVBORw0KGgo", 11) == 0);
	assert_null(nb_output_text(chart, NB_MIME_E2B_CHART));
	nb_output *err = &nb->cells[3]->outputs[0];
	assert_int_equal(err->type, NB_OUT_ERROR);
	assert_string_equal(err->ename, "ZeroDivisionError");
	assert_string_equal(err->evalue, "division by zero");
	assert_int_equal(json_array_size(err->traceback), 4);
	assert_int_equal(nb->cells[4]->type, NB_RAW);
	assert_string_equal(nb->cells[4]->source, "raw text\r\n\twith CRLF and a tab");
	assert_int_equal(nb->cells[5]->execution_count, -1);
	assert_string_equal(nb->cells[5]->source, "");
	nb_free(nb);
}

static void test_round_trip_nbformat_file(void **state)
{
	(void)state;
	assert_round_trip("nbformat_written.ipynb");
	notebook *nb = load_fixture("nbformat_written.ipynb");
	/* U+2028, U+2029, \f, \x1c and a lone \r are line breaks to Python. */
	assert_non_null(strstr(nb->cells[1]->source, "line sep\xe2\x80\xa8para"));
	const json_t *k = json_object_get(nb_output_json(&nb->cells[0]->outputs[1], "application/json"), "k");
	assert_true(json_is_real(json_array_get(k, 1)));
	nb_free(nb);
}

static void test_upgrade_44(void **state)
{
	(void)state;
	notebook *nb = load_fixture("nbformat44.ipynb");
	assert_int_equal(nb->nbformat_minor, 2);
	assert_int_equal(nb->ncells, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(strlen(nb->cells[i]->id), 8);
		assert_int_equal(strspn(nb->cells[i]->id, "0123456789abcdef"), 8);
	}
	assert_string_equal(nb->cells[0]->source, "print('a')\nprint('b')");
	assert_null(json_object_get(nb->cells[0]->metadata, "trusted"));
	assert_string_equal(nb_kernel_name(nb), "ir");
	assert_string_equal(nb_language(nb), "R");
	size_t n1, n2;
	char *once = ipynb_dump(nb, &n1);
	assert_non_null(strstr(once, "\"nbformat_minor\": 5\n"));
	assert_null(strstr(once, "signature"));
	assert_non_null(strstr(once, "\"source\": [\n    \"print('a')\\n\",\n    \"print('b')\"\n   ]"));
	/* PNG values stay one string; text/plain becomes a list. */
	assert_non_null(strstr(once, "\"image/png\": \"iVBOR"));
	assert_non_null(strstr(once, "\"text/plain\": [\n       \"<Figure>\"\n      ]"));
	sbx_err e;
	notebook *again = ipynb_parse(once, n1, &e);
	assert_non_null(again);
	char *twice = ipynb_dump(again, &n2);
	assert_string_equal(once, twice);
	free(once);
	free(twice);
	nb_free(again);
	nb_free(nb);
}

static void test_parse_errors(void **state)
{
	(void)state;
	struct {
		const char *text, *want;
	} bad[] = {
		{ "{", "invalid JSON" },
		{ "[]", "no nbformat" },
		{ "{\"nbformat\": 3, \"worksheets\": []}", "nbformat 3 notebooks are not supported; convert" },
		{ "{\"nbformat\": 4}", "no list of cells" },
		{ "{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"heading\", \"source\": \"\"}]}", "cell 0: unknown cell_type 'heading'" },
		{ "{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": 5}]}", "cell 0: source" },
		{ "{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": \"\", \"outputs\": [{\"output_type\": \"x\"}]}]}",
		  "cell 0, output 0: unknown output_type 'x'" },
		{ "{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": \"\", \"outputs\": [{\"output_type\": \"stream\"}]}]}",
		  "a stream needs" },
		{ "{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": \"\", \"outputs\": {}}]}", "outputs is not a list" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		sbx_err e = { "" };
		notebook *nb = ipynb_parse(bad[i].text, strlen(bad[i].text), &e);
		assert_null(nb);
		if (!strstr(e.msg, bad[i].want))
			fail_msg("'%s': got '%s'", bad[i].text, e.msg);
	}
	/* A NUL printed by a kernel survives a load and a save. */
	const char *nul = "{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}, \"cells\": [{\"cell_type\": \"code\", "
			  "\"id\": \"n\", \"source\": \"\", \"metadata\": {}, \"execution_count\": null, \"outputs\": "
			  "[{\"output_type\": \"stream\", \"name\": \"stdout\", \"text\": [\"a\\u0000b\\n\"]}]}]}";
	sbx_err e;
	notebook *nb = ipynb_parse(nul, strlen(nul), &e);
	assert_non_null(nb);
	assert_int_equal(nb->cells[0]->outputs[0].text.len, 4);
	char *text = ipynb_dump(nb, NULL);
	assert_non_null(strstr(text, "\"a\\u0000b\\n\""));
	free(text);
	nb_free(nb);
	assert_null(ipynb_load("/nonexistent/x.ipynb", &e));
	assert_non_null(strstr(e.msg, "cannot read /nonexistent/x.ipynb: No such file"));
}

static void test_model_ops(void **state)
{
	(void)state;
	notebook *nb = nb_new();
	sbx_err e;
	nb_cell *a = nb_insert(nb, 0, NB_CODE);
	nb_cell *b = nb_insert(nb, 99, NB_MARKDOWN);
	nb_cell *z = nb_insert(nb, 0, NB_CODE);
	assert_int_equal(nb->ncells, 3);
	assert_ptr_equal(nb->cells[0], z);
	assert_ptr_equal(nb->cells[2], b);
	assert_int_equal(nb_find(nb, a->id), 1);
	assert_int_equal(nb_find(nb, "nope"), -1);
	unsigned long v = nb->version;
	nb_cell_set_source(nb, a, "x = 1\n", 6);
	assert_true(nb->version > v);
	nb_cell_add_stream(nb, a, "stdout", "1", 1);
	nb_cell_add_stream(nb, a, "stdout", "2\n", 2);
	nb_cell_add_stream(nb, a, "stderr", "e", 1);
	nb_cell_add_stream(nb, a, "stdout", "3", 1);
	assert_int_equal(a->noutputs, 3);
	assert_string_equal(buf_cstr(&a->outputs[0].text), "12\n");
	/* Clone: deep copy, new id. */
	nb_cell *copy = nb_cell_clone(a);
	assert_string_not_equal(copy->id, a->id);
	assert_int_equal(copy->noutputs, 3);
	assert_string_equal(buf_cstr(&copy->outputs[2].text), "3");
	nb_insert_cell(nb, 3, copy);
	assert_int_equal(nb_move(nb, 3, 0, NULL), 0);
	assert_ptr_equal(nb->cells[0], copy);
	assert_int_equal(nb_move(nb, 0, 4, &e), -1);
	/* Detach (cut) and put back (undo-delete). */
	nb_cell *cut = nb_detach(nb, 0);
	assert_ptr_equal(cut, copy);
	assert_null(nb_detach(nb, 10));
	nb_insert_cell(nb, 1, cut);
	assert_int_equal(nb_delete(nb, 1, NULL), 0);
	assert_int_equal(nb_delete(nb, 7, &e), -1);
	assert_non_null(strstr(e.msg, "no cell 7"));
	/* Becoming markdown drops outputs and the count. */
	nb_cell_set_count(nb, a, 4);
	nb_cell_set_type(nb, a, NB_MARKDOWN);
	assert_int_equal(a->noutputs, 0);
	assert_int_equal(a->execution_count, -1);
	nb_set_kernel(nb, "ir", "R", "R");
	assert_string_equal(nb_kernel_name(nb), "ir");
	assert_string_equal(nb_language(nb), "R");
	nb_free(nb);
}

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j)
		fail_msg("bad test JSON: %s", je.text);
	return j;
}

/* One /execute line, as the pane gets it: libsbx's event, then the model. */
static int add_line(notebook *nb, nb_cell *c, const char *text, sbx_err *e)
{
	json_t *j = J(text);
	sbx_code_event ev;
	int rc = sbx_code_event_parse(j, &ev, e);
	if (rc == 0)
		rc = nb_cell_add_event(nb, c, &ev, e);
	sbx_code_event_clear(&ev);
	json_decref(j);
	return rc;
}

static void test_e2b_lines(void **state)
{
	(void)state;
	notebook *nb = nb_new();
	nb_cell *c = nb_insert(nb, 0, NB_CODE);
	const char *lines[] = {
		"{\"type\":\"stdout\",\"text\":\"a\",\"timestamp\":\"t\"}",
		"{\"type\":\"stdout\",\"text\":\"b\\n\"}",
		"{\"type\":\"stderr\",\"text\":\"warn\\n\"}",
		"{\"type\":\"result\",\"text\":\"<Figure>\",\"png\":\"iVBOR\",\"chart\":{\"type\":\"bar\",\"elements\":[]},"
		"\"data\":{\"a\":[1]},\"extra\":{\"text/x-custom\":\"c\"},\"is_main_result\":false}",
		"{\"type\":\"result\",\"text\":\"42\",\"html\":null,\"is_main_result\":true,\"extra\":{}}",
		"{\"type\":\"number_of_executions\",\"execution_count\":9}",
		"{\"type\":\"error\",\"name\":\"ValueError\",\"value\":\"bad\",\"traceback\":\"line1\\nline2\"}",
		"{\"type\":\"end_of_execution\"}",
	};
	sbx_err e;
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
		assert_int_equal(add_line(nb, c, lines[i], &e), 0);
	assert_int_equal(c->execution_count, 9);
	assert_int_equal(c->noutputs, 5);
	assert_string_equal(buf_cstr(&c->outputs[0].text), "ab\n");
	nb_output *d = &c->outputs[2];
	assert_int_equal(d->type, NB_OUT_DISPLAY);
	assert_string_equal(nb_output_text(d, "text/plain"), "<Figure>");
	assert_string_equal(nb_output_text(d, "image/png"), "iVBOR");
	assert_string_equal(nb_output_text(d, "text/x-custom"), "c");
	assert_string_equal(json_string_value(json_object_get(nb_output_json(d, NB_MIME_E2B_CHART), "type")), "bar");
	assert_non_null(nb_output_json(d, NB_MIME_E2B_DATA));
	nb_output *r = &c->outputs[3];
	assert_int_equal(r->type, NB_OUT_RESULT);
	assert_int_equal(r->execution_count, 9);
	assert_null(nb_output_json(r, "text/html"));
	nb_output *x = &c->outputs[4];
	assert_int_equal(x->type, NB_OUT_ERROR);
	assert_int_equal(json_array_size(x->traceback), 2);
	assert_string_equal(json_string_value(json_array_get(x->traceback, 1)), "line2");
	/* Malformed lines. */
	const char *bad[] = { "{}", "{\"type\":1}" };
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(add_line(nb, c, bad[i], &e), -1);
	assert_int_equal(c->noutputs, 5);
	/* The chart survives a save and a load. */
	size_t len;
	char *text = ipynb_dump(nb, &len);
	assert_non_null(strstr(text, "\"application/vnd.e2b.chart+json\": {"));
	notebook *back = ipynb_parse(text, len, &e);
	assert_non_null(back);
	assert_true(json_equal((json_t *)nb_output_json(&back->cells[0]->outputs[2], NB_MIME_E2B_CHART),
			       (json_t *)nb_output_json(d, NB_MIME_E2B_CHART)));
	free(text);
	nb_free(back);
	nb_free(nb);
}

/* Output stamps: every change of a cell's outputs gets a new one, unique
 * in the notebook (also across a reload's version reset); out_reset moves
 * only for changes that were not appends. */
static void test_output_stamps(void **state)
{
	(void)state;
	notebook *nb = nb_new();
	nb_cell *a = nb_insert(nb, 0, NB_CODE), *b = nb_insert(nb, 1, NB_CODE);
	unsigned long v0 = a->out_version;
	nb_cell_add_stream(nb, a, "stdout", "x", 1);
	unsigned long v1 = a->out_version, r1 = a->out_reset;
	assert_true(v1 > v0);
	nb_cell_add_stream(nb, a, "stdout", "y\n", 2);
	nb_cell_add_stream(nb, a, "stderr", "z", 1);
	assert_true(a->out_version > v1);
	assert_int_equal(a->out_reset, r1);
	nb_cell_add_stream(nb, b, "stdout", "q", 1);
	assert_true(b->out_version != a->out_version);
	nb_cell_set_source(nb, a, "1", 1);
	unsigned long v2 = a->out_version;
	nb_cell_set_count(nb, a, 4);
	assert_true(a->out_version > v2);
	assert_int_equal(a->out_reset, a->out_version);
	nb->version = 0;
	nb_cell_clear_outputs(nb, a);
	assert_true(a->out_version > b->out_version);
	assert_int_equal(a->out_reset, a->out_version);
	nb_free(nb);
}

static void test_pyjson_floats(void **state)
{
	(void)state;
	struct {
		double d;
		const char *want;
	} cases[] = {
		{ 0.1, "0.1" }, { 1e-05, "1e-05" }, { 0.0001, "0.0001" }, { 100.0, "100.0" },
		{ 1e16, "1e+16" }, { 1e15, "1000000000000000.0" }, { 1.5e-07, "1.5e-07" },
		{ -2.75, "-2.75" }, { 0.30000000000000004, "0.30000000000000004" }, { 0.0, "0.0" },
		{ 123456789012345680.0, "1.2345678901234568e+17" }, { 1e22, "1e+22" }, { 2.5, "2.5" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char out[40];
		pyjson_float(cases[i].d, out, sizeof out);
		assert_string_equal(out, cases[i].want);
	}
	sbx_buf b = SBX_BUF_INIT;
	json_t *j = J("{\"b\":[],\"a\":{},\"c\":\"\\u0001\\u001b\\t\\\"\\\\/\\u00e9\"}");
	pyjson_dump(j, &b);
	assert_string_equal(buf_cstr(&b), "{\n \"a\": {},\n \"b\": [],\n \"c\": \"\\u0001\\u001b\\t\\\"\\\\/\xc3\xa9\"\n}");
	json_decref(j);
	buf_free(&b);
}

static void test_save_atomic(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbx-nb-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/n.ipynb", dir);
	notebook *nb = nb_new();
	nb_cell *c = nb_insert(nb, 0, NB_CODE);
	nb_cell_set_source(nb, c, "print(1)", 8);
	sbx_err e;
	assert_int_equal(ipynb_save(nb, path, &e), 0);
	assert_int_equal(chmod(path, 0600), 0);
	nb_cell_set_source(nb, c, "print(2)", 8);
	assert_int_equal(ipynb_save(nb, path, &e), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	notebook *back = ipynb_load(path, &e);
	assert_string_equal(back->cells[0]->source, "print(2)");
	assert_string_equal(back->cells[0]->id, c->id);
	nb_free(back);
	char *bad = xasprintf("%s/missing/n.ipynb", dir);
	assert_int_equal(ipynb_save(nb, bad, &e), -1);
	assert_non_null(strstr(e.msg, "cannot write"));
	free(bad);
	unlink(path);
	rmdir(dir);
	free(path);
	nb_free(nb);
}

static void test_autosave(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbx-state-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *state_dir = xasprintf("%s/state", dir);
	char *p1 = nb_autosave_path(state_dir, "/home/u/analysis.ipynb", NULL);
	char *p2 = nb_autosave_path(state_dir, "/tmp/analysis.ipynb", NULL);
	char *p3 = nb_autosave_path(state_dir, NULL, "s42");
	char *prefix = xasprintf("%s/autosave/analysis-", state_dir);
	assert_true(strncmp(p1, prefix, strlen(prefix)) == 0);
	assert_int_equal(strlen(p1), strlen(prefix) + 16 + 6);
	assert_string_not_equal(p1, p2);
	char *want3 = xasprintf("%s/autosave/untitled-s42.ipynb", state_dir);
	assert_string_equal(p3, want3);

	sbx_err e;
	size_t n;
	nb_autosave_entry *list;
	assert_int_equal(nb_autosave_list(state_dir, &list, &n, &e), 0);
	assert_int_equal(n, 0);
	notebook *nb = nb_new();
	nb_cell *c = nb_insert(nb, 0, NB_CODE);
	nb_cell_set_source(nb, c, "unsaved work", 12);
	assert_int_equal(nb_autosave(nb, state_dir, "/home/u/analysis.ipynb", NULL, &e), 0);
	assert_int_equal(nb_autosave(nb, state_dir, NULL, "s42", &e), 0);
	assert_null(json_object_get(nb->metadata, "sbx"));
	assert_int_equal(nb_autosave_list(state_dir, &list, &n, &e), 0);
	assert_int_equal(n, 2);
	int seen_origin = 0, seen_untitled = 0;
	for (size_t i = 0; i < n; i++) {
		if (list[i].origin && strcmp(list[i].origin, "/home/u/analysis.ipynb") == 0 && strcmp(list[i].path, p1) == 0)
			seen_origin = 1;
		if (!list[i].origin && strcmp(list[i].path, p3) == 0)
			seen_untitled = 1;
	}
	assert_true(seen_origin && seen_untitled);
	notebook *back = nb_autosave_restore(p1, &e);
	assert_non_null(back);
	assert_string_equal(back->cells[0]->source, "unsaved work");
	assert_null(json_object_get(back->metadata, "sbx"));
	assert_true(back->version > 0);
	nb_free(back);
	nb_autosave_list_free(list, n);
	assert_int_equal(nb_autosave_discard(p1, &e), 0);
	assert_int_equal(nb_autosave_discard(p3, &e), 0);
	assert_int_equal(nb_autosave_discard(p3, &e), 0);
	assert_int_equal(nb_autosave_list(state_dir, &list, &n, &e), 0);
	assert_int_equal(n, 0);
	char *asdir = xasprintf("%s/autosave", state_dir);
	rmdir(asdir);
	rmdir(state_dir);
	rmdir(dir);
	free(asdir);
	free(p1), free(p2), free(p3), free(prefix), free(want3), free(state_dir);
	nb_free(nb);
}

/* nbformat (when /usr/bin/python3 has it) must validate what we write and
 * write it back byte for byte. */
static void test_nbformat_validates_ours(void **state)
{
	(void)state;
	if (access(PYTHON, X_OK) != 0 || system(PYTHON " -c 'import nbformat' 2>/dev/null") != 0) {
		print_message("python3-nbformat not installed: skipping the nbformat cross-check\n");
		skip();
	}
	notebook *nb = load_fixture("jupyter.ipynb");
	nb_cell *c = nb_insert(nb, 1, NB_CODE);
	nb_cell_set_source(nb, c, "plot()\n\xe2\x80\xa8x", 11);
	const char *line = "{\"type\":\"result\",\"png\":\"iVBOR\",\"text\":\"t\",\"chart\":{\"type\":\"pie\",\"v\":0.1},\"is_main_result\":true}";
	assert_int_equal(add_line(nb, c, line, NULL), 0);
	nb_cell_add_stream(nb, c, "stdout", "x\ry\n", 4);
	const char *tb[] = { "a", "b" };
	nb_cell_add_error(nb, c, "E", "v", tb, 2);
	char path[] = "/tmp/sbx-ours-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	sbx_err e;
	assert_int_equal(ipynb_save(nb, path, &e), 0);
	char *cmd = xasprintf(PYTHON " -c '"
			      "import nbformat,sys\n"
			      "s=open(sys.argv[1],encoding=\"utf-8\").read()\n"
			      "nb=nbformat.reads(s,as_version=4)\n"
			      "nbformat.validate(nb)\n"
			      "o=nbformat.writes(nb)+\"\\n\"\n"
			      "sys.exit(0 if o==s else 3)' %s", path);
	int rc = system(cmd);
	free(cmd);
	unlink(path);
	nb_free(nb);
	assert_true(WIFEXITED(rc));
	assert_int_equal(WEXITSTATUS(rc), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_jupyter),
		cmocka_unit_test(test_output_stamps),
		cmocka_unit_test(test_round_trip_nbformat_file),
		cmocka_unit_test(test_upgrade_44),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_model_ops),
		cmocka_unit_test(test_e2b_lines),
		cmocka_unit_test(test_pyjson_floats),
		cmocka_unit_test(test_save_atomic),
		cmocka_unit_test(test_autosave),
		cmocka_unit_test(test_nbformat_validates_ours),
	};
	return cmocka_run_group_tests_name("ui_notebook", tests, NULL, NULL);
}
