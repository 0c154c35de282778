/* libsbx's stream decoders: Connect frames → process events, NDJSON →
 * execution events, split anywhere. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/client/code.h"
#include "../../src/client/cstream.h"
#include "../../src/client/proc.h"

/* --- Connect stream → process events --------------------------------------- */

typedef struct seen {
	int n, types[16];
	char out[256];
	uint32_t pid;
	int exit_code;
	char status[64];
} seen;

static int on_proc_msg(const json_t *msg, void *ud, sbx_err *e)
{
	seen *s = ud;
	sbx_proc_event ev;
	unsigned char *owned;
	if (sbx_proc_event_parse(msg, &ev, &owned, e) < 0)
		return -1;
	s->types[s->n++] = ev.type;
	if (ev.type == SBX_PROC_START)
		s->pid = ev.pid;
	if (ev.type == SBX_PROC_STDOUT || ev.type == SBX_PROC_STDERR || ev.type == SBX_PROC_PTY)
		strncat(s->out, (const char *)ev.data, ev.len);
	if (ev.type == SBX_PROC_END) {
		s->exit_code = ev.exit_code;
		snprintf(s->status, sizeof s->status, "%s", ev.status);
	}
	free(owned);
	return 0;
}

static void frames(sbx_buf *b, int with_end, const char *end_json)
{
	const char *msgs[] = {
		"{\"event\":{\"start\":{\"pid\":42}}}",
		"{\"event\":{\"data\":{\"stdout\":\"aGVsbG8K\"}}}",   /* hello\n */
		"{\"event\":{\"keepalive\":{}}}",
		"{\"event\":{\"data\":{\"stderr\":\"b29wcw==\"}}}",    /* oops */
		"{\"event\":{\"end\":{\"exitCode\":3,\"exited\":true,\"status\":\"exit status 3\"}}}",
	};
	for (size_t i = 0; i < 5; i++)
		connect_envelope(b, 0, msgs[i], strlen(msgs[i]));
	if (with_end)
		connect_envelope(b, CONNECT_FLAG_END, end_json, strlen(end_json));
}

static void test_proc_stream_any_split(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	frames(&b, 1, "{}");
	for (size_t step = 1; step <= b.len; step += step < 8 ? 1 : 13) {
		cstream cs;
		seen s = { 0 };
		sbx_err e;
		cstream_init(&cs);
		for (size_t off = 0; off < b.len; off += step) {
			size_t n = b.len - off < step ? b.len - off : step;
			assert_int_equal(cstream_feed(&cs, b.data + off, n, on_proc_msg, &s, &e), 0);
		}
		assert_int_equal(cstream_finish(&cs, &e), 0);
		assert_int_equal(s.n, 5);
		assert_int_equal(s.types[0], SBX_PROC_START);
		assert_int_equal(s.pid, 42);
		assert_int_equal(s.types[2], SBX_PROC_KEEPALIVE);
		assert_string_equal(s.out, "hello\noops");
		assert_int_equal(s.exit_code, 3);
		assert_string_equal(s.status, "exit status 3");
		cstream_free(&cs);
	}
	buf_free(&b);
}

static void test_proc_stream_end_error(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	frames(&b, 1, "{\"error\":{\"code\":\"deadline_exceeded\",\"message\":\"too slow\"}}");
	cstream cs;
	seen s = { 0 };
	sbx_err e;
	cstream_init(&cs);
	assert_int_equal(cstream_feed(&cs, b.data, b.len, on_proc_msg, &s, &e), 0);
	assert_int_equal(cstream_finish(&cs, &e), -1);
	assert_non_null(strstr(e.msg, "too slow"));
	assert_non_null(strstr(e.msg, "deadline_exceeded"));
	cstream_free(&cs);
	buf_free(&b);
}

static void test_proc_stream_truncated(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	frames(&b, 0, NULL);
	cstream cs;
	seen s = { 0 };
	sbx_err e;
	/* no end frame at all */
	cstream_init(&cs);
	assert_int_equal(cstream_feed(&cs, b.data, b.len, on_proc_msg, &s, &e), 0);
	assert_int_equal(cstream_finish(&cs, &e), -1);
	assert_non_null(strstr(e.msg, "end frame"));
	cstream_free(&cs);
	/* cut inside an envelope */
	cstream_init(&cs);
	memset(&s, 0, sizeof s);
	assert_int_equal(cstream_feed(&cs, b.data, b.len - 3, on_proc_msg, &s, &e), 0);
	assert_int_equal(cstream_finish(&cs, &e), -1);
	assert_non_null(strstr(e.msg, "middle"));
	cstream_free(&cs);
	buf_free(&b);
}

static void test_proc_stream_bad_frames(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	cstream cs;
	seen s = { 0 };
	sbx_err e;
	connect_envelope(&b, CONNECT_FLAG_COMPRESSED, "x", 1);
	cstream_init(&cs);
	assert_int_equal(cstream_feed(&cs, b.data, b.len, on_proc_msg, &s, &e), -1);
	cstream_free(&cs);
	buf_reset(&b);
	connect_envelope(&b, 0, "[1]", 3);
	cstream_init(&cs);
	assert_int_equal(cstream_feed(&cs, b.data, b.len, on_proc_msg, &s, &e), -1);
	cstream_free(&cs);
	buf_reset(&b);
	/* two oneof members */
	const char *two = "{\"event\":{\"start\":{\"pid\":1},\"end\":{}}}";
	connect_envelope(&b, 0, two, strlen(two));
	cstream_init(&cs);
	assert_int_equal(cstream_feed(&cs, b.data, b.len, on_proc_msg, &s, &e), -1);
	cstream_free(&cs);
	buf_free(&b);
}

static void test_proc_event_fields(void **state)
{
	(void)state;
	sbx_err e;
	sbx_proc_event ev;
	unsigned char *owned;
	/* proto names, exit code omitted (0), pty data */
	json_t *j = json_loads("{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}", 0, NULL);
	assert_int_equal(sbx_proc_event_parse(j, &ev, &owned, &e), 0);
	assert_int_equal(ev.type, SBX_PROC_END);
	assert_int_equal(ev.exit_code, 0);
	assert_int_equal(sbx_proc_exit_status(&ev), 0);
	json_decref(j);
	j = json_loads("{\"event\":{\"end\":{\"exit_code\":-1,\"status\":\"signal: killed\",\"error\":\"x\"}}}", 0, NULL);
	assert_int_equal(sbx_proc_event_parse(j, &ev, &owned, &e), 0);
	assert_int_equal(ev.exit_code, -1);
	assert_string_equal(ev.error, "x");
	assert_int_equal(sbx_proc_exit_status(&ev), 137);
	json_decref(j);
	j = json_loads("{\"event\":{\"data\":{\"pty\":\"G1sxbQ\"}}}", 0, NULL);   /* unpadded */
	assert_int_equal(sbx_proc_event_parse(j, &ev, &owned, &e), 0);
	assert_int_equal(ev.type, SBX_PROC_PTY);
	assert_int_equal(ev.len, 4);
	assert_memory_equal(ev.data, "\x1b[1m", 4);
	free(owned);
	json_decref(j);
	j = json_loads("{\"event\":{\"data\":{\"stdout\":\"!!\"}}}", 0, NULL);
	assert_int_equal(sbx_proc_event_parse(j, &ev, &owned, &e), -1);
	json_decref(j);
}

static void test_start_request(void **state)
{
	(void)state;
	const char *args[] = { "-l", "-c", "echo hi", NULL }, *env[] = { "A=1", "B=x=y", NULL };
	sbx_proc_opts o = { .cmd = "/bin/bash", .args = args, .env = env, .cwd = "/tmp", .tag = "t" };
	sbx_err e;
	json_t *j = sbx_proc_start_request(&o, &e);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"process\":{\"args\":[\"-l\",\"-c\",\"echo hi\"],\"cmd\":\"/bin/bash\",\"cwd\":\"/tmp\","
			       "\"envs\":{\"A\":\"1\",\"B\":\"x=y\"}},\"stdin\":false,\"tag\":\"t\"}");
	free(s);
	json_decref(j);
	sbx_proc_opts p = { .cmd = "/bin/bash", .pty = 1, .cols = 100, .rows = 30 };
	j = sbx_proc_start_request(&p, &e);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"process\":{\"args\":[],\"cmd\":\"/bin/bash\"},\"pty\":{\"size\":{\"cols\":100,\"rows\":30}}}");
	free(s);
	json_decref(j);
	const char *bad[] = { "=1", NULL };
	sbx_proc_opts q = { .cmd = "x", .env = bad };
	assert_null(sbx_proc_start_request(&q, &e));
	assert_non_null(strstr(e.msg, "KEY=VALUE"));
}

/* --- NDJSON → execution events --------------------------------------------- */

typedef struct cseen {
	int n, types[16], count, main_results;
	char out[256], err[256], ename[64], chart_type[32];
	int has_png;
} cseen;

static int on_code_line(const json_t *j, void *ud, sbx_err *e)
{
	cseen *s = ud;
	sbx_code_event ev;
	if (sbx_code_event_parse(j, &ev, e) < 0)
		return -1;
	s->types[s->n++] = ev.type;
	switch (ev.type) {
	case SBX_CODE_STDOUT: strcat(s->out, ev.text); break;
	case SBX_CODE_STDERR: strcat(s->err, ev.text); break;
	case SBX_CODE_COUNT: s->count = ev.execution_count; break;
	case SBX_CODE_ERROR: snprintf(s->ename, sizeof s->ename, "%s", ev.name); break;
	case SBX_CODE_RESULT:
		s->main_results += ev.result.is_main;
		if (ev.result.png)
			s->has_png = 1;
		if (ev.result.chart)
			snprintf(s->chart_type, sizeof s->chart_type, "%s",
				 json_string_value(json_object_get(ev.result.chart, "type")));
		break;
	}
	sbx_code_event_clear(&ev);
	return 0;
}

static const char execution[] =
	"{\"type\":\"number_of_executions\",\"execution_count\":7}\n"
	"{\"type\":\"stdout\",\"text\":\"hi\\n\",\"timestamp\":\"2024-01-01T00:00:00Z\"}\n"
	"{\"type\":\"keepalive\"}\n"
	"{\"type\":\"stderr\",\"text\":\"caf\\u00e9\\n\"}\n"
	"{\"type\":\"result\",\"text\":\"2\",\"is_main_result\":true,\"extra\":{}}\n"
	"{\"type\":\"result\",\"png\":\"iVBOR\",\"chart\":{\"type\":\"bar\",\"title\":null,\"elements\":[]},"
	"\"is_main_result\":false,\"extra\":{}}\n"
	"{\"type\":\"result\",\"png\":\"iVBOR\",\"chart\":{},\"is_main_result\":false}\n"
	"{\"type\":\"error\",\"name\":\"ValueError\",\"value\":\"x\",\"traceback\":\"tb\"}\n"
	"{\"type\": \"end_of_execution\"}\n";

static void test_ndjson_any_split(void **state)
{
	(void)state;
	size_t len = strlen(execution);
	for (size_t step = 1; step <= len; step += step < 6 ? 1 : 17) {
		sbx_ndjson_reader r;
		cseen s = { 0 };
		sbx_err e;
		sbx_ndjson_init(&r);
		for (size_t off = 0; off < len; off += step)
			assert_int_equal(sbx_ndjson_feed(&r, execution + off, len - off < step ? len - off : step,
							 on_code_line, &s, &e), 0);
		assert_int_equal(sbx_ndjson_finish(&r, on_code_line, &s, &e), 0);
		assert_int_equal(s.n, 9);
		assert_int_equal(s.types[0], SBX_CODE_COUNT);
		assert_int_equal(s.count, 7);
		assert_string_equal(s.out, "hi\n");
		assert_string_equal(s.err, "caf\xc3\xa9\n");
		assert_int_equal(s.main_results, 1);
		assert_true(s.has_png);
		assert_string_equal(s.chart_type, "bar");
		assert_string_equal(s.ename, "ValueError");
		assert_int_equal(s.types[8], SBX_CODE_END);
		sbx_ndjson_free(&r);
	}
}

static void test_ndjson_edges(void **state)
{
	(void)state;
	sbx_ndjson_reader r;
	cseen s = { 0 };
	sbx_err e;
	sbx_ndjson_init(&r);
	/* blank lines and CRLF are tolerated; the last line may lack its newline */
	const char *t = "\n\r\n{\"type\":\"stdout\",\"text\":\"a\"}\r\n\n{\"type\":\"end_of_execution\"}";
	assert_int_equal(sbx_ndjson_feed(&r, t, strlen(t), on_code_line, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(sbx_ndjson_finish(&r, on_code_line, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.types[1], SBX_CODE_END);
	/* a line that is not an object */
	assert_int_equal(sbx_ndjson_feed(&r, "[1]\n", 4, on_code_line, &s, &e), -1);
	assert_int_equal(sbx_ndjson_feed(&r, "{oops\n", 6, on_code_line, &s, &e), -1);
	sbx_ndjson_free(&r);
	/* the server's own errors */
	json_t *j = json_loads("{\"type\":\"unexpected_end_of_execution\"}", 0, NULL);
	sbx_code_event ev;
	assert_int_equal(sbx_code_event_parse(j, &ev, &e), 0);
	assert_int_equal(ev.type, SBX_CODE_ERROR);
	assert_string_equal(ev.name, "UnexpectedEndOfExecution");
	assert_int_equal(json_array_size(ev.traceback_lines), 0);
	sbx_code_event_clear(&ev);
	json_decref(j);
	j = json_loads("{\"text\":\"no type\"}", 0, NULL);
	assert_int_equal(sbx_code_event_parse(j, &ev, &e), -1);
	json_decref(j);
}

static void test_exec_request(void **state)
{
	(void)state;
	const char *env[] = { "A=B", NULL };
	sbx_exec_opts o = { .code = "1+1", .context_id = "c1", .env = env };
	sbx_err e;
	json_t *j = sbx_exec_request(&o, &e);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	/* sbx_jupyter: our agent's extra details; E2B's server ignores it */
	assert_string_equal(s, "{\"code\":\"1+1\",\"context_id\":\"c1\",\"env_vars\":{\"A\":\"B\"},\"sbx_jupyter\":true}");
	free(s);
	json_decref(j);
	sbx_exec_opts both = { .code = "x", .context_id = "c", .language = "python" };
	assert_null(sbx_exec_request(&both, &e));
	assert_non_null(strstr(e.msg, "not both"));
}

/* Each byte is looked at once, however the stream is cut: a 4 MB picture
 * line in 1 KB chunks must not be rescanned per chunk (quadratic). */
static void test_ndjson_linear(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	buf_puts(&b, "{\"type\":\"stdout\",\"text\":\"a\"}\n{\"type\":\"result\",\"png\":\"");
	for (int i = 0; i < 4 << 20; i++)
		buf_putc(&b, "AB+/"[i & 3]);
	buf_puts(&b, "\",\"is_main_result\":false}\n{\"type\":\"end_of_execution\"}\n");
	sbx_ndjson_reader r;
	cseen s = { 0 };
	sbx_err e;
	sbx_ndjson_init(&r);
	for (size_t off = 0; off < b.len; off += 1024)
		assert_int_equal(sbx_ndjson_feed(&r, b.data + off, b.len - off < 1024 ? b.len - off : 1024, on_code_line,
						 &s, &e), 0);
	assert_int_equal(sbx_ndjson_finish(&r, on_code_line, &s, &e), 0);
	assert_int_equal(s.n, 3);
	assert_true(s.has_png);
	assert_int_equal(r.examined, b.len);
	sbx_ndjson_free(&r);
	buf_free(&b);
}

static void parse(const char *text, json_t **j, sbx_code_event *ev)
{
	sbx_err e;
	*j = json_loads(text, 0, NULL);
	assert_non_null(*j);
	assert_int_equal(sbx_code_event_parse(*j, ev, &e), 0);
}

static void expect_dump(const json_t *v, const char *want)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	assert_string_equal(s, want);
	free(s);
}

/* A result's Jupyter bundle: from E2B's fields, or exact with our agent's
 * "jupyter" details; values are the line's own. */
static void test_result_bundle(void **state)
{
	(void)state;
	json_t *j;
	sbx_code_event ev;
	parse("{\"type\":\"result\",\"text\":\"hi\",\"png\":\"iVBOR\",\"chart\":{\"type\":\"bar\"},"
	      "\"data\":{\"a\":[1]},\"html\":null,\"extra\":{\"text/x-c\":\"c\"},\"is_main_result\":true}",
	      &j, &ev);
	expect_dump(ev.result.bundle, "{\"e2b/chart\":{\"type\":\"bar\"},\"e2b/data\":{\"a\":[1]},"
				      "\"image/png\":\"iVBOR\",\"text/plain\":\"hi\",\"text/x-c\":\"c\"}");
	assert_ptr_equal(json_object_get(ev.result.bundle, "image/png"), json_object_get(j, "png"));
	assert_null(ev.result.metadata);
	sbx_code_event_clear(&ev);
	json_decref(j);

	parse("{\"type\":\"result\",\"text\":\"hi\",\"is_main_result\":true,\"extra\":{},"
	      "\"jupyter\":{\"quote\":\"'\",\"metadata\":{\"image/png\":{\"width\":3}}}}", &j, &ev);
	assert_string_equal(ev.result.text, "hi");
	expect_dump(ev.result.bundle, "{\"text/plain\":\"'hi'\"}");
	expect_dump(ev.result.metadata, "{\"image/png\":{\"width\":3}}");
	sbx_code_event_clear(&ev);
	json_decref(j);
	/* only a quote character is a quote */
	parse("{\"type\":\"result\",\"text\":\"hi\",\"jupyter\":{\"quote\":\"x\"}}", &j, &ev);
	expect_dump(ev.result.bundle, "{\"text/plain\":\"hi\"}");
	sbx_code_event_clear(&ev);
	json_decref(j);
}

/* An error's traceback entries: the kernel's list from our agent, else
 * E2B's joined string cut at line breaks (also when the list is bad). */
static void test_error_traceback_lines(void **state)
{
	(void)state;
	json_t *j;
	sbx_code_event ev;
	parse("{\"type\":\"error\",\"name\":\"E\",\"value\":\"v\",\"traceback\":\"a\\nb\\nc\",\"jupyter\":"
	      "{\"traceback\":[\"a\\nb\",\"c\"]}}", &j, &ev);
	expect_dump(ev.traceback_lines, "[\"a\\nb\",\"c\"]");
	sbx_code_event_clear(&ev);
	json_decref(j);
	parse("{\"type\":\"error\",\"name\":\"E\",\"value\":\"v\",\"traceback\":\"a\\nb\\n\\nc\",\"jupyter\":"
	      "{\"traceback\":[\"a\",7]}}", &j, &ev);
	expect_dump(ev.traceback_lines, "[\"a\",\"b\",\"\",\"c\"]");
	sbx_code_event_clear(&ev);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_stream_any_split), cmocka_unit_test(test_proc_stream_end_error),
		cmocka_unit_test(test_proc_stream_truncated), cmocka_unit_test(test_proc_stream_bad_frames),
		cmocka_unit_test(test_proc_event_fields),     cmocka_unit_test(test_start_request),
		cmocka_unit_test(test_ndjson_any_split),      cmocka_unit_test(test_ndjson_edges),
		cmocka_unit_test(test_exec_request),          cmocka_unit_test(test_ndjson_linear),
		cmocka_unit_test(test_result_bundle),         cmocka_unit_test(test_error_traceback_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
