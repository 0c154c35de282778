/* The notebook's whole output path, end to end: Jupyter IOPub messages
 * (tests/unit/ui_fixtures/pipeline_msgs.json) → the agent's /execute lines
 * (proto/code_result) → NDJSON bytes fed to libsbx in small chunks → typed
 * code events → the notebook model → .ipynb, compared byte for byte with
 * what Jupyter itself saves for those messages (pipeline.ipynb, written by
 * nbformat; see pipeline_gen.py).  Quoted text/plain, display metadata and
 * multi-line traceback entries must all survive. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/client/code.h"
#include "../../src/proto/code_result.h"
#include "../../src/proto/ndjson.h"
#include "../../ui/model/ipynb.h"
#include "../../src/util/xalloc.h"

static char *fixture(const char *name)
{
	const char *root = getenv("SBX_ROOT");
	char *p = xasprintf("%s/tests/unit/ui_fixtures/%s", root ? root : ".", name);
	if (access(p, R_OK) != 0) {
		free(p);
		p = xasprintf("%s/tests/unit/ui_fixtures/%s", SBX_SOURCE_DIR, name);
	}
	return p;
}

static char *slurp(const char *name, size_t *len)
{
	char *p = fixture(name);
	FILE *f = fopen(p, "rb");
	if (!f)
		fail_msg("cannot open %s", p);
	sbx_buf b = SBX_BUF_INIT;
	if (buf_read_stream(&b, f) < 0)
		fail_msg("cannot read %s", p);
	fclose(f);
	free(p);
	*len = b.len;
	return buf_detach(&b);
}

typedef struct sink {
	notebook *nb;
	nb_cell *c;
	int events;
} sink;

static void on_event(const sbx_code_event *ev, void *ud)
{
	sink *s = ud;
	sbx_err e;
	s->events++;
	if (nb_cell_add_event(s->nb, s->c, ev, &e) < 0)
		fail_msg("%s", e.msg);
}

static int on_line(const json_t *j, void *ud, sbx_err *e)
{
	sbx_code_event ev;
	if (sbx_code_event_parse(j, &ev, e) < 0)
		return -1;
	on_event(&ev, ud);
	sbx_code_event_clear(&ev);
	return 0;
}

/* The agent's stream for the fixture's messages, as the workbench asks
 * for it (with the Jupyter details E2B's fields drop). */
static char *agent_stream(size_t *len, char **code)
{
	size_t n;
	char *text = slurp("pipeline_msgs.json", &n);
	json_error_t je;
	json_t *msgs = json_loadb(text, n, 0, &je);
	if (!msgs)
		fail_msg("pipeline_msgs.json: %s", je.text);
	sbx_buf out = SBX_BUF_INIT;
	size_t i;
	json_t *m;
	json_array_foreach(msgs, i, m) {
		const char *type = json_string_value(json_object_get(m, "msg_type"));
		const json_t *content = json_object_get(m, "content");
		if (!strcmp(type, "execute_input"))
			*code = xstrdup(json_string_value(json_object_get(content, "code")));
		json_t *line = code_line_from_msg(type, content, "2026-01-01T00:00:00.000000Z");
		assert_non_null(line);
		code_line_add_jupyter(line, type, content);
		size_t ll;
		char *s = ndjson_line(line, &ll);
		buf_append(&out, s, ll);
		free(s);
		json_decref(line);
	}
	json_t *end = code_line_simple("end_of_execution");
	size_t ll;
	char *s = ndjson_line(end, &ll);
	buf_append(&out, s, ll);
	free(s);
	json_decref(end);
	json_decref(msgs);
	free(text);
	*len = out.len;
	return buf_detach(&out);
}

static void assert_same(const char *want, size_t wlen, const char *got, size_t glen)
{
	if (wlen == glen && memcmp(want, got, wlen) == 0)
		return;
	size_t i = 0;
	while (i < wlen && i < glen && want[i] == got[i])
		i++;
	size_t from = i > 60 ? i - 60 : 0;
	fail_msg("differs from Jupyter's file at byte %zu:\nJupyter: ...%.120s...\nours:    ...%.120s...", i,
		 want + from, got + from);
}

static void test_jupyter_bundle_survives_the_whole_path(void **state)
{
	(void)state;
	char *code = NULL;
	size_t len;
	char *stream = agent_stream(&len, &code);
	notebook *nb = nb_new();
	nb_cell *c = nb_insert(nb, 0, NB_CODE);
	free(c->id);
	c->id = xstrdup("c0ffee00");
	nb_cell_set_source(nb, c, code, strlen(code));
	sink s = { nb, c, 0 };
	/* 7-byte chunks: every line arrives in pieces */
	sbx_ndjson_reader r;
	sbx_ndjson_init(&r);
	sbx_err e;
	for (size_t off = 0; off < len; off += 7)
		assert_int_equal(sbx_ndjson_feed(&r, stream + off, len - off < 7 ? len - off : 7, on_line, &s, &e), 0);
	assert_int_equal(sbx_ndjson_finish(&r, on_line, &s, &e), 0);
	sbx_ndjson_free(&r);
	assert_int_equal(s.events, 7);

	size_t wlen, glen;
	char *want = slurp("pipeline.ipynb", &wlen);
	char *got = ipynb_dump(nb, &glen);
	assert_same(want, wlen, got, glen);
	free(want);
	free(got);
	free(stream);
	free(code);
	nb_free(nb);
}

/* The details come from inside the sandbox: wrong types are ignored (E2B's
 * fields then serve), never trusted. */
static void test_hostile_details(void **state)
{
	(void)state;
	static const char stream[] =
		"{\"type\":\"result\",\"text\":\"t\",\"is_main_result\":true,\"jupyter\":5}\n"
		"{\"type\":\"result\",\"text\":\"t\",\"is_main_result\":false,\"extra\":[1],"
		"\"jupyter\":{\"metadata\":[1],\"quote\":{\"x\":1}}}\n"
		"{\"type\":\"error\",\"name\":7,\"traceback\":\"a\\nb\",\"jupyter\":{\"traceback\":\"s\"}}\n"
		"{\"type\":\"error\",\"traceback\":\"a\",\"jupyter\":{\"traceback\":[\"x\",null]}}\n";
	notebook *nb = nb_new();
	nb_cell *c = nb_insert(nb, 0, NB_CODE);
	sink s = { nb, c, 0 };
	sbx_ndjson_reader r;
	sbx_ndjson_init(&r);
	sbx_err e;
	assert_int_equal(sbx_ndjson_feed(&r, stream, sizeof stream - 1, on_line, &s, &e), 0);
	sbx_ndjson_free(&r);
	assert_int_equal(c->noutputs, 4);
	assert_string_equal(nb_output_text(&c->outputs[0], "text/plain"), "t");
	assert_int_equal(json_object_size(c->outputs[1].metadata), 0);
	assert_string_equal(nb_output_text(&c->outputs[1], "text/plain"), "t");
	assert_string_equal(c->outputs[2].ename, "Error");
	assert_int_equal(json_array_size(c->outputs[2].traceback), 2);
	assert_string_equal(json_string_value(json_array_get(c->outputs[3].traceback, 0)), "a");
	size_t len;
	char *text = ipynb_dump(nb, &len);
	assert_non_null(text);
	free(text);
	nb_free(nb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jupyter_bundle_survives_the_whole_path),
		cmocka_unit_test(test_hostile_details),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
