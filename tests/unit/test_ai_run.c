/* ai run: the tool loop against a scripted in-process OpenAI-style server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/ai/run.h"
#include "../../src/http/server.h"
#include "../../src/util/buf.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"

/* --- the scripted server ------------------------------------------------------ */

typedef struct reply {
	int status;
	const char *header;     /* "Name: value" or NULL */
	const char *body;
	int hang;               /* stream body, then never end */
} reply;

typedef struct fx {
	sbx_loop *loop;
	http_server *srv;
	http_client *http;
	int port;
	const reply *replies;
	size_t nreplies, nreq;
	char *bodies[16];       /* requests seen */
	http_req *hung;

	/* the run */
	ai_conv conv;
	ai_provider prov;
	ai_run *run;
	int done;
	ai_end end;
	char msg[2048], status_msg[2048];
	sbx_buf text;
	int statuses, exec_calls, cancels, results;
	int tool_sync;          /* the executor answers at once */
	const char *tool_answer;
	int stop_on_text, stop_on_call;
	char last_code[256];
} fx;

static void on_body(http_req *r, const char *body, size_t len, void *ud)
{
	fx *f = ud;
	if (f->nreq < 16)
		f->bodies[f->nreq] = xstrndup(body, len);
	const reply *rp = f->nreq < f->nreplies ? &f->replies[f->nreq] : NULL;
	f->nreq++;
	if (!rp) {
		http_respond_str(r, 500, "text/plain", "no more replies");
		return;
	}
	if (rp->header) {
		char name[64];
		const char *colon = strchr(rp->header, ':');
		snprintf(name, sizeof name, "%.*s", (int)(colon - rp->header), rp->header);
		http_req_add_header(r, name, colon + 2);
	}
	if (rp->hang) {
		http_stream_begin(r, rp->status, "text/event-stream");
		http_stream_write(r, rp->body, strlen(rp->body));
		f->hung = r;
		return;
	}
	http_respond_str(r, rp->status, rp->status >= 400 ? "application/json" : "text/event-stream", rp->body);
}

static void handler(http_req *r, void *ud)
{
	http_req_read_body(r, 1 << 20, on_body, ud);
}

static int setup(void **state)
{
	fx *f = xcalloc(1, sizeof *f);
	sbx_err e;
	f->loop = loop_new();
	f->srv = http_server_new(f->loop, handler, f);
	assert_int_equal(http_server_listen(f->srv, "tcp:127.0.0.1:0", &e), 0);
	f->port = http_server_port(f->srv);
	f->http = http_client_new(f->loop);
	ai_conv_init(&f->conv, "you are a test");
	f->prov.name = xstrdup("openai");
	f->prov.kind = AI_KIND_OPENAI;
	f->prov.base_url = xasprintf("http://127.0.0.1:%d/v1", f->port);
	f->prov.api_key = xstrdup("k");
	f->prov.key_env = xstrdup("OPENAI_API_KEY");
	f->prov.model = xstrdup("gpt-test");
	f->tool_sync = 1;
	f->tool_answer = "3";
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	ai_run_free(f->run);
	http_client_free(f->http);
	http_server_free(f->srv);
	loop_free(f->loop);
	ai_conv_free(&f->conv);
	ai_provider_free(&f->prov);
	buf_free(&f->text);
	for (size_t i = 0; i < 16; i++)
		free(f->bodies[i]);
	free(f);
	return 0;
}

/* --- the run's observer and a fake executor --------------------------------------- */

static int64_t stop_now(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	ai_run_stop(((fx *)ud)->run);
	return -1;
}

static void on_text(void *ud, const char *d, size_t n)
{
	fx *f = ud;
	buf_append(&f->text, d, n);
	if (f->stop_on_text)
		loop_add_timer(f->loop, 0, stop_now, f);
}

static void on_status(void *ud, const char *msg)
{
	fx *f = ud;
	if (msg) {
		f->statuses++;
		snprintf(f->status_msg, sizeof f->status_msg, "%s", msg);
	}
}

static void on_result(void *ud, const ai_call *c, const char *text, int is_error)
{
	(void)c, (void)text, (void)is_error;
	((fx *)ud)->results++;
}

static void on_done(void *ud, ai_end end, const char *msg)
{
	fx *f = ud;
	f->done++;
	f->end = end;
	snprintf(f->msg, sizeof f->msg, "%s", msg ? msg : "");
}

static int x_start(void *ud, ai_run *r, const ai_call *call, const json_t *args, sbx_err *e)
{
	(void)e;
	fx *f = ud;
	f->exec_calls++;
	snprintf(f->last_code, sizeof f->last_code, "%s", json_string_value(json_object_get(args, "code")));
	assert_string_equal(call->name, "execute_python");
	if (f->stop_on_call)
		loop_add_timer(f->loop, 0, stop_now, f);
	if (f->tool_sync)
		ai_run_tool_done(r, f->tool_answer, 0);
	return 0;
}

static void x_cancel(void *ud, ai_run *r)
{
	(void)r;
	((fx *)ud)->cancels++;
}

static void run(fx *f, const reply *replies, size_t n, int max_steps, int max_retries)
{
	f->replies = replies;
	f->nreplies = n;
	ai_run_opts o = {
		.provider = &f->prov, .conv = &f->conv, .request = "how many r's in strawberry?",
		.max_steps = max_steps, .max_retries = max_retries, .retry_cap_ms = 50,
		.exec = { .start = x_start, .cancel = x_cancel, .ud = f },
		.obs = { .on_text = on_text, .on_status = on_status, .on_result = on_result, .on_done = on_done,
			 .ud = f },
	};
	sbx_err e;
	f->run = ai_run_start(f->loop, f->http, &o, &e);
	assert_non_null(f->run);
	int64_t until = now_ms() + 20000;
	while (!f->done && now_ms() < until)
		loop_once(f->loop, 100);
	assert_int_equal(f->done, 1);
	assert_true(ai_run_done(f->run));
}

#define TEXT(s) "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" s "\"}}]}\n\n"
#define CALL(id, name, args) \
	"data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"" id "\"," \
	"\"type\":\"function\",\"function\":{\"name\":\"" name "\",\"arguments\":" args "}}]}}]}\n\n"
#define CALL2(i, id, name, args) \
	"data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":" i ",\"id\":\"" id "\"," \
	"\"type\":\"function\",\"function\":{\"name\":\"" name "\",\"arguments\":" args "}}]}}]}\n\n"
#define FINISH(r) "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" r "\"}]}\n\ndata: [DONE]\n\n"

static const reply tool_then_answer[] = {
	{ 200, NULL, TEXT("Counting.") CALL("call_1", "execute_python", "\"{\\\"code\\\": \\\"print(1)\\\"}\"")
		     FINISH("tool_calls"), 0 },
	{ 200, NULL, TEXT("There are 3.") FINISH("stop"), 0 },
};

static void test_tool_loop(void **state)
{
	fx *f = *state;
	run(f, tool_then_answer, 2, 0, 0);
	assert_int_equal(f->end, AI_END_ANSWER);
	assert_int_equal(f->exec_calls, 1);
	assert_string_equal(f->last_code, "print(1)");
	assert_string_equal(buf_cstr(&f->text), "Counting.There are 3.");
	assert_int_equal(f->nreq, 2);
	/* the second request carries the call and its result */
	json_t *b = json_loads(f->bodies[1], 0, NULL);
	json_t *msgs = json_object_get(b, "messages");
	json_t *last = json_array_get(msgs, json_array_size(msgs) - 1);
	assert_string_equal(json_string_value(json_object_get(last, "role")), "tool");
	assert_string_equal(json_string_value(json_object_get(last, "tool_call_id")), "call_1");
	assert_string_equal(json_string_value(json_object_get(last, "content")), "3");
	json_decref(b);
	/* user, assistant + call, result, answer */
	assert_int_equal(f->conv.n, 4);
	assert_int_equal(f->conv.msgs[2].role, AI_ROLE_TOOL);
	assert_string_equal(f->conv.msgs[3].text, "There are 3.");
}

static const reply bad_calls[] = {
	{ 200, NULL, CALL2("0", "c0", "nope", "\"{}\"") CALL2("1", "c1", "execute_python", "\"{bad\"")
		     CALL2("2", "c2", "execute_python", "\"{\\\"cmd\\\": \\\"x\\\"}\"")
		     CALL2("3", "c3", "execute_python", "\"{\\\"code\\\": 5}\"") FINISH("tool_calls"), 0 },
	{ 200, NULL, TEXT("ok") FINISH("stop"), 0 },
};

/* Unknown tool, malformed JSON, a missing or mistyped field: answered to
 * the model as errors, never run. */
static void test_bad_calls_answered_as_errors(void **state)
{
	fx *f = *state;
	run(f, bad_calls, 2, 0, 0);
	assert_int_equal(f->end, AI_END_ANSWER);
	assert_int_equal(f->exec_calls, 0);
	assert_int_equal(f->results, 4);
	assert_int_equal(f->conv.n, 7);
	for (size_t i = 2; i < 6; i++)
		assert_true(f->conv.msgs[i].is_error);
	assert_non_null(strstr(f->conv.msgs[2].text, "no tool \"nope\""));
	assert_non_null(strstr(f->conv.msgs[2].text, "execute_python"));
	assert_non_null(strstr(f->conv.msgs[3].text, "not valid JSON"));
	assert_non_null(strstr(f->conv.msgs[4].text, "missing the \"code\" argument"));
	assert_non_null(strstr(f->conv.msgs[5].text, "must be a string"));
	assert_non_null(strstr(f->bodies[1], "not valid JSON"));
}

static const reply rate_limited[] = {
	{ 429, "Retry-After: 0", "{\"error\":{\"message\":\"Rate limit reached for requests\"}}", 0 },
	{ 503, NULL, "{\"error\":{\"message\":\"overloaded\"}}", 0 },
	{ 200, NULL, TEXT("fine") FINISH("stop"), 0 },
};

static void test_429_and_5xx_retried(void **state)
{
	fx *f = *state;
	run(f, rate_limited, 3, 0, 0);
	assert_int_equal(f->end, AI_END_ANSWER);
	assert_int_equal(f->nreq, 3);
	assert_int_equal(f->statuses, 2);
	assert_string_equal(buf_cstr(&f->text), "fine");
}

static void test_retries_exhausted(void **state)
{
	fx *f = *state;
	run(f, rate_limited, 3, 0, 1);
	assert_int_equal(f->end, AI_END_ERROR);
	assert_int_equal(f->nreq, 2);
	assert_non_null(strstr(f->msg, "gave up after 2 attempts"));
	assert_non_null(strstr(f->msg, "503"));
	assert_non_null(strstr(f->msg, "overloaded"));
}

static const reply broken_off[] = {
	{ 200, NULL, TEXT("The ans"), 0 },   /* no finish: the reply broke off */
	{ 200, NULL, TEXT("The answer.") FINISH("stop"), 0 },
};

/* A reply cut short is asked for again; only the whole one is kept. */
static void test_broken_reply_retried(void **state)
{
	fx *f = *state;
	run(f, broken_off, 2, 0, 0);
	assert_int_equal(f->end, AI_END_ANSWER);
	assert_int_equal(f->nreq, 2);
	assert_int_equal(f->statuses, 1);
	assert_int_equal(f->conv.n, 2);
	assert_string_equal(f->conv.msgs[1].text, "The answer.");
}

static const reply error_event[] = {
	{ 200, NULL, TEXT("a") "data: {\"error\":{\"message\":\"server overloaded\"}}\n\n", 0 },
	{ 200, NULL, TEXT("b") FINISH("stop"), 0 },
};

/* An error event mid-stream (Anthropic's overloaded_error) is retried
 * with the provider's words. */
static void test_error_event_retried(void **state)
{
	fx *f = *state;
	run(f, error_event, 2, 0, 0);
	assert_int_equal(f->end, AI_END_ANSWER);
	assert_int_equal(f->nreq, 2);
	assert_int_equal(f->statuses, 1);
	assert_non_null(strstr(f->status_msg, "server overloaded"));
	assert_string_equal(f->conv.msgs[1].text, "b");
}

static const reply unauthorized[] = {
	{ 401, NULL, "{\"error\":{\"message\":\"Incorrect API key provided: bad-key.\"}}", 0 },
};

static void test_401_says_which_key(void **state)
{
	fx *f = *state;
	run(f, unauthorized, 1, 0, 0);
	assert_int_equal(f->end, AI_END_ERROR);
	assert_int_equal(f->nreq, 1);
	assert_non_null(strstr(f->msg, "refused the key in OPENAI_API_KEY"));
	assert_non_null(strstr(f->msg, "Incorrect API key provided"));
}

static const reply not_found[] = {
	{ 404, NULL, "{\"error\":{\"message\":\"The model `gpt-test` does not exist\"}}", 0 },
};

static void test_404_says_model(void **state)
{
	fx *f = *state;
	run(f, not_found, 1, 0, 0);
	assert_int_equal(f->end, AI_END_ERROR);
	assert_non_null(strstr(f->msg, "model name (gpt-test)"));
	assert_non_null(strstr(f->msg, "does not exist"));
}

static const reply bad_request[] = {
	{ 400, NULL, "{\"error\":{\"message\":\"messages: too long\"}}", 0 },
};

static void test_400_provider_message(void **state)
{
	fx *f = *state;
	run(f, bad_request, 1, 0, 0);
	assert_int_equal(f->end, AI_END_ERROR);
	assert_int_equal(f->nreq, 1);
	assert_non_null(strstr(f->msg, "messages: too long"));
}

static const reply always_tools[] = {
	{ 200, NULL, CALL("a", "execute_python", "\"{\\\"code\\\": \\\"1\\\"}\"") FINISH("tool_calls"), 0 },
	{ 200, NULL, CALL("b", "execute_python", "\"{\\\"code\\\": \\\"2\\\"}\"") FINISH("tool_calls"), 0 },
	{ 200, NULL, CALL("c", "execute_python", "\"{\\\"code\\\": \\\"3\\\"}\"") FINISH("tool_calls"), 0 },
};

static void test_step_limit(void **state)
{
	fx *f = *state;
	run(f, always_tools, 3, 2, 0);
	assert_int_equal(f->end, AI_END_STEP_LIMIT);
	assert_int_equal(f->nreq, 2);
	assert_int_equal(f->exec_calls, 2);
	assert_non_null(strstr(f->msg, "step limit (2"));
	/* ends with a result: the conversation can go on */
	assert_int_equal(f->conv.msgs[f->conv.n - 1].role, AI_ROLE_TOOL);
}

static const reply slow[] = {
	{ 200, NULL, TEXT("The answer is"), 1 },
};

/* Stopped mid-stream: what was shown stays in the conversation. */
static void test_stop_mid_stream_keeps_text(void **state)
{
	fx *f = *state;
	f->stop_on_text = 1;
	run(f, slow, 1, 0, 0);
	assert_int_equal(f->end, AI_END_STOPPED);
	assert_int_equal(f->conv.n, 2);
	assert_int_equal(f->conv.msgs[1].role, AI_ROLE_ASSISTANT);
	assert_string_equal(f->conv.msgs[1].text, "The answer is");
	assert_int_equal(f->conv.msgs[1].ncalls, 0);
}

static const reply two_calls[] = {
	{ 200, NULL, CALL2("0", "c0", "execute_python", "\"{\\\"code\\\": \\\"1\\\"}\"")
		     CALL2("1", "c1", "execute_python", "\"{\\\"code\\\": \\\"2\\\"}\"") FINISH("tool_calls"), 0 },
};

/* Stopped while a tool runs: it is cancelled and every unanswered call gets
 * a "stopped by the user" result, so the conversation stays valid. */
static void test_stop_during_tool(void **state)
{
	fx *f = *state;
	f->tool_sync = 0;
	f->stop_on_call = 1;
	run(f, two_calls, 1, 0, 0);
	assert_int_equal(f->end, AI_END_STOPPED);
	assert_int_equal(f->exec_calls, 1);
	assert_int_equal(f->cancels, 1);
	assert_int_equal(f->conv.n, 4);
	assert_string_equal(f->conv.msgs[2].call_id, "c0");
	assert_string_equal(f->conv.msgs[3].call_id, "c1");
	assert_non_null(strstr(f->conv.msgs[3].text, "stopped by the user"));
	const char *ids[4];
	assert_int_equal(ai_conv_unanswered(&f->conv, ids, 4), 0);
}

static void test_unreachable(void **state)
{
	fx *f = *state;
	free(f->prov.base_url);
	f->prov.base_url = xstrdup("http://127.0.0.1:1/v1");
	run(f, NULL, 0, 0, -1);
	assert_int_equal(f->end, AI_END_ERROR);
	assert_non_null(strstr(f->msg, "http://127.0.0.1:1/v1"));
	assert_non_null(strstr(f->msg, "unreachable"));
}

static void test_missing_key_refused(void **state)
{
	fx *f = *state;
	f->prov.missing = xstrdup("set OPENAI_API_KEY");
	ai_run_opts o = { .provider = &f->prov, .conv = &f->conv, .request = "x",
			  .exec = { .start = x_start, .ud = f } };
	sbx_err e;
	assert_null(ai_run_start(f->loop, f->http, &o, &e));
	assert_non_null(strstr(e.msg, "set OPENAI_API_KEY"));
	assert_int_equal(f->conv.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tool_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_calls_answered_as_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_429_and_5xx_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retries_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_reply_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_event_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_401_says_which_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_404_says_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_400_provider_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_mid_stream_keeps_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_during_tool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_key_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
