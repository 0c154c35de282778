/* run: the tool loop (see run.h). */
#include "run.h"
#include "retry.h"
#include "tools.h"
#include "../util/buf.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define DEFAULT_STEPS 10
#define DEFAULT_RETRIES 4
#define DEFAULT_CAP_MS 60000
#define CONNECT_TIMEOUT_MS 15000
#define MAX_ERRBODY (64 * 1024)

struct ai_run {
	sbx_loop *loop;
	http_client *http;
	ai_provider prov;
	ai_conv *conv;
	int max_steps, max_retries, no_stream;
	long retry_cap_ms;
	ai_tool_exec exec;
	ai_observer obs;

	int steps;             /* model turns answered */
	int attempt;           /* of the current turn, from 0 */
	int done;
	int64_t timer;         /* the next turn (or its retry) is due */
	int64_t kill_timer;    /* a body that cannot be decoded: cancel from outside curl */
	int status_shown;

	/* the model call in flight */
	http_call *call;
	ai_decoder *dec;
	int status;
	int bad_body;          /* decoding failed: the rest is ignored */
	sbx_err derr;
	sbx_buf errbody;
	sbx_buf text;          /* this attempt's streamed text */

	/* the tools of the last turn */
	ai_call *calls;
	size_t ncalls, next;
	int tool_running, in_start, tool_answered;
};

static void start_turn(ai_run *r);
static void run_calls(ai_run *r);

int ai_run_done(const ai_run *r)
{
	return r->done;
}

static void status(ai_run *r, const char *msg)
{
	r->status_shown = msg != NULL;
	if (r->obs.on_status)
		r->obs.on_status(r->obs.ud, msg);
}

static void free_calls(ai_run *r)
{
	for (size_t i = 0; i < r->ncalls; i++) {
		free(r->calls[i].id);
		free(r->calls[i].name);
		free(r->calls[i].args);
	}
	free(r->calls);
	r->calls = NULL;
	r->ncalls = r->next = 0;
}

static void drop_timers(ai_run *r)
{
	if (r->timer)
		loop_del_timer(r->loop, r->timer);
	if (r->kill_timer)
		loop_del_timer(r->loop, r->kill_timer);
	r->timer = r->kill_timer = 0;
}

/* The last thing the run does: r may be freed by on_done. */
static void finish(ai_run *r, ai_end end, const char *msg)
{
	r->done = 1;
	drop_timers(r);
	ai_decoder_free(r->dec);
	r->dec = NULL;
	if (r->status_shown)
		status(r, NULL);
	if (r->obs.on_done)
		r->obs.on_done(r->obs.ud, end, msg);
}

/* A turn cut short keeps the text the user saw (never its half calls). */
static void keep_partial(ai_run *r)
{
	if (r->text.len)
		ai_conv_add_assistant(r->conv, buf_cstr(&r->text), NULL, 0);
	buf_reset(&r->text);
}

/* --- the model call ---------------------------------------------------------- */

static void on_event(const ai_event *ev, void *ud)
{
	ai_run *r = ud;
	if (ev->type != AI_EV_TEXT || !ev->len)
		return;
	buf_append(&r->text, ev->text, ev->len);
	if (r->obs.on_text)
		r->obs.on_text(r->obs.ud, ev->text, ev->len);
}

static void on_headers(http_call *c, int st, void *ud)
{
	(void)c;
	ai_run *r = ud;
	r->status = st;
	if (st >= 200 && st < 300) {
		if (r->status_shown)
			status(r, NULL);
		r->dec = ai_decoder_new(r->prov.kind, !r->no_stream, on_event, r);
	}
}

static int64_t kill_call(sbx_loop *l, int64_t id, void *ud)
{
	(void)l;
	(void)id;
	ai_run *r = ud;
	r->kill_timer = 0;
	if (r->call)
		http_call_cancel(r->call);   /* on_done sees bad_body */
	return -1;
}

static void on_data(http_call *c, const char *data, size_t len, void *ud)
{
	(void)c;
	ai_run *r = ud;
	if (r->bad_body)
		return;
	if (!r->dec) {   /* an error's body, for its message */
		size_t room = MAX_ERRBODY - r->errbody.len;
		buf_append(&r->errbody, data, len < room ? len : room);
		return;
	}
	if (ai_decoder_feed(r->dec, data, len, &r->derr) < 0) {
		r->bad_body = 1;
		r->kill_timer = loop_add_timer(r->loop, 0, kill_call, r);
	}
}

static const char *key_var(const ai_run *r)
{
	return r->prov.key_env ? r->prov.key_env : "the key variable";
}

static int64_t turn_due(sbx_loop *l, int64_t id, void *ud)
{
	(void)l;
	(void)id;
	ai_run *r = ud;
	r->timer = 0;
	start_turn(r);
	return -1;
}

/* Tries the turn again after wait_ms when attempts are left (0), telling
 * the user why; -1 when none are left. */
static int schedule_retry(ai_run *r, const char *why, long wait_ms)
{
	if (r->max_retries < 0 || r->attempt >= r->max_retries)
		return -1;
	r->attempt++;
	if (wait_ms > r->retry_cap_ms)
		wait_ms = r->retry_cap_ms;
	char msg[1400];
	snprintf(msg, sizeof msg, "%s; retrying in %ld s (retry %d of %d)", why, (wait_ms + 999) / 1000, r->attempt,
		 r->max_retries);
	status(r, msg);
	buf_reset(&r->text);   /* the retry streams the turn again */
	r->timer = loop_add_timer(r->loop, wait_ms, turn_due, r);
	return 0;
}

static void http_failed(ai_run *r, http_call *c)
{
	int st = r->status;
	char pmsg[600], why[1000];
	ai_error_text(r->prov.kind, st, r->errbody.data ? r->errbody.data : "", r->errbody.len, pmsg, sizeof pmsg);
	if (st == 429 || st >= 500) {
		long wait = ai_retry_after_ms(http_call_header(c, "retry-after-ms"), http_call_header(c, "retry-after"),
					      ai_now_unix());
		if (wait < 0)
			wait = ai_backoff_ms(r->attempt);
		snprintf(why, sizeof why, "%s answered %d: %s", r->prov.name, st, pmsg);
		if (schedule_retry(r, why, wait) == 0)
			return;
		snprintf(why, sizeof why, "%s answered %d: %s (gave up after %d attempt%s; try again later)",
			 r->prov.name, st, pmsg, r->attempt + 1, r->attempt ? "s" : "");
	} else if (st == 401 || st == 403) {
		if (r->prov.key_env)
			snprintf(why, sizeof why, "%s refused the key in %s: %s; check that it is valid for %s",
				 r->prov.name, key_var(r), pmsg, r->prov.base_url);
		else
			snprintf(why, sizeof why, "%s refused the request (%d): %s; it wants a key: set %s.key_env "
				 "in ai.conf to the variable holding it", r->prov.name, st, pmsg, r->prov.name);
	} else if (st == 404) {
		snprintf(why, sizeof why, "%s answered 404 at %s: %s; check the model name (%s) and the base URL",
			 r->prov.name, r->prov.base_url, pmsg, r->prov.model ? r->prov.model : "none");
	} else {
		snprintf(why, sizeof why, "%s rejected the request (%d): %s", r->prov.name, st, pmsg);
	}
	keep_partial(r);
	finish(r, AI_END_ERROR, why);
}

/* The turn came back whole: keep it, then run its calls or end. */
static void turn_complete(ai_run *r)
{
	size_t n = 0;
	const ai_call *calls = ai_decoder_calls(r->dec, &n);
	const char *stop = ai_decoder_stop_reason(r->dec);
	ai_conv_add_assistant(r->conv, ai_decoder_text(r->dec), calls, n);
	buf_reset(&r->text);
	r->steps++;
	r->calls = xcalloc(n ? n : 1, sizeof *r->calls);
	for (size_t i = 0; i < n; i++) {
		r->calls[i].id = xstrdup(calls[i].id);
		r->calls[i].name = xstrdup(calls[i].name ? calls[i].name : "");
		r->calls[i].args = xstrdup(calls[i].args ? calls[i].args : "");
	}
	r->ncalls = n;
	r->next = 0;
	int cut = stop && (!strcmp(stop, "max_tokens") || !strcmp(stop, "length"));
	ai_decoder_free(r->dec);
	r->dec = NULL;
	if (r->obs.on_turn_end)
		r->obs.on_turn_end(r->obs.ud);
	if (n) {
		run_calls(r);
		return;
	}
	free_calls(r);
	finish(r, AI_END_ANSWER, cut ? "the answer was cut off at the model's output limit" : NULL);
}

static void on_done(http_call *c, int ok, const char *err, void *ud)
{
	ai_run *r = ud;
	r->call = NULL;
	if (r->done)    /* ai_run_stop cancelled it */
		return;
	if (r->kill_timer) {
		loop_del_timer(r->loop, r->kill_timer);
		r->kill_timer = 0;
	}
	char why[1200];
	if (!r->bad_body && ok && r->status >= 400) {
		http_failed(r, c);
		return;
	}
	sbx_err fe;
	if (!r->bad_body && ok && r->dec && ai_decoder_finish(r->dec, &fe) == 0) {
		turn_complete(r);
		return;
	}
	/* the connection failed, the reply broke off or could not be read (an
	 * error event mid-stream: Anthropic's overloaded_error): try again */
	int unreachable = !ok && !r->status && !r->bad_body;
	if (r->bad_body)
		snprintf(why, sizeof why, "%s's reply failed: %s", r->prov.name, r->derr.msg);
	else if (unreachable)
		snprintf(why, sizeof why, "cannot reach %s at %s (%s)", r->prov.name, r->prov.base_url, err ? err : "?");
	else if (!ok)
		snprintf(why, sizeof why, "the connection to %s broke off (%s)", r->prov.name, err ? err : "?");
	else if (!r->dec)
		snprintf(why, sizeof why, "%s answered %d without a reply", r->prov.name, r->status);
	else
		snprintf(why, sizeof why, "%s's reply broke off: %s", r->prov.name, fe.msg);
	ai_decoder_free(r->dec);
	r->dec = NULL;
	if (schedule_retry(r, why, ai_backoff_ms(r->attempt)) == 0)
		return;
	keep_partial(r);
	if (unreachable) {
		size_t l = strlen(why);
		snprintf(why + l, sizeof why - l, ": the provider is unreachable; check that its server is running "
			 "and the base URL is right (`sbx ai --providers` shows it)");
	}
	finish(r, AI_END_ERROR, why);
}

static void start_turn(ai_run *r)
{
	if (r->steps >= r->max_steps) {
		char msg[200];
		snprintf(msg, sizeof msg, "stopped at the step limit (%d model turns); raise it with --max-steps or "
			 "max_steps in ai.conf", r->max_steps);
		finish(r, AI_END_STEP_LIMIT, msg);
		return;
	}
	ai_request req;
	sbx_err e;
	if (ai_request_build(&r->prov, r->conv, ai_tools, ai_ntools, !r->no_stream, &req, &e) < 0) {
		finish(r, AI_END_ERROR, e.msg);
		return;
	}
	r->status = 0;
	r->bad_body = 0;
	buf_reset(&r->errbody);
	buf_reset(&r->text);
	http_call_opts o = {
		.method = "POST", .url = req.url, .headers = (const char *const *)req.headers, .body = req.body,
		.body_len = strlen(req.body), .connect_timeout_ms = CONNECT_TIMEOUT_MS, .on_headers = on_headers,
		.on_data = on_data, .on_done = on_done, .ud = r,
	};
	r->call = http_call_start(r->http, &o);
	ai_request_free(&req);
}

/* --- the tools --------------------------------------------------------------- */

/* The arguments as the tool wants them, or NULL with why (told to the model). */
static json_t *check_args(const ai_tool_def *t, const char *text, char *why, size_t n)
{
	json_error_t je;
	json_t *schema = json_loads(t->params_json, 0, NULL);
	json_t *args = *text ? json_loads(text, JSON_REJECT_DUPLICATES, &je) : json_object();
	if (!args) {
		snprintf(why, n, "the arguments are not valid JSON (%s at character %d); send a JSON object like "
			 "{\"%s\": \"...\"}", je.text, je.position,
			 json_string_value(json_array_get(json_object_get(schema, "required"), 0)));
		json_decref(schema);
		return NULL;
	}
	if (!json_is_object(args)) {
		snprintf(why, n, "the arguments must be a JSON object");
		goto bad;
	}
	json_t *props = json_object_get(schema, "properties"), *req = json_object_get(schema, "required"), *v;
	size_t i;
	const char *k;
	json_array_foreach(req, i, v) {
		const char *f = json_string_value(v);
		if (!json_object_get(args, f)) {
			snprintf(why, n, "missing the \"%s\" argument", f);
			goto bad;
		}
	}
	json_object_foreach(args, k, v) {
		json_t *p = json_object_get(props, k);
		if (!p) {
			snprintf(why, n, "%s takes no \"%s\" argument", t->name, k);
			goto bad;
		}
		if (!json_is_string(v)) {
			snprintf(why, n, "the \"%s\" argument must be a string", k);
			goto bad;
		}
	}
	json_decref(schema);
	return args;
bad:
	json_decref(schema);
	json_decref(args);
	return NULL;
}

static void answer(ai_run *r, const char *text, int is_error)
{
	const ai_call *c = &r->calls[r->next];
	ai_conv_add_tool_result(r->conv, c->id, c->name, text, is_error);
	if (r->obs.on_result)
		r->obs.on_result(r->obs.ud, c, text, is_error);
	r->next++;
}

static void run_calls(ai_run *r)
{
	while (!r->done && r->next < r->ncalls) {
		const ai_call *c = &r->calls[r->next];
		if (r->obs.on_call)
			r->obs.on_call(r->obs.ud, c);
		const ai_tool_def *t = ai_tool_find(c->name);
		char why[600];
		if (!t) {
			sbx_buf b = SBX_BUF_INIT;
			buf_printf(&b, "error: there is no tool \"%.100s\"; the tools are", c->name);
			for (size_t i = 0; i < ai_ntools; i++)
				buf_printf(&b, "%s%s", i ? ", " : " ", ai_tools[i].name);
			answer(r, buf_cstr(&b), 1);
			buf_free(&b);
			continue;
		}
		json_t *args = check_args(t, c->args, why, sizeof why);
		if (!args) {
			char msg[700];
			snprintf(msg, sizeof msg, "error: %s; the call was not run", why);
			answer(r, msg, 1);
			continue;
		}
		sbx_err e;
		r->tool_running = 1;
		r->tool_answered = 0;
		r->in_start = 1;
		int rc = r->exec.start(r->exec.ud, r, c, args, &e);
		r->in_start = 0;
		json_decref(args);
		if (r->done)
			return;
		if (rc < 0 && !r->tool_answered) {
			r->tool_running = 0;
			char msg[1100];
			snprintf(msg, sizeof msg, "error: %s", e.msg);
			answer(r, msg, 1);
			continue;
		}
		if (r->tool_running)   /* it answers later, from the loop */
			return;
	}
	if (r->done)
		return;
	free_calls(r);
	r->attempt = 0;
	start_turn(r);
}

void ai_run_tool_done(ai_run *r, const char *text, int is_error)
{
	if (r->done || !r->tool_running)
		return;
	r->tool_running = 0;
	r->tool_answered = 1;
	answer(r, text ? text : "", is_error);
	if (!r->in_start)
		run_calls(r);
}

/* --- life -------------------------------------------------------------------- */

ai_run *ai_run_start(sbx_loop *loop, http_client *http, const ai_run_opts *o, sbx_err *e)
{
	if (o->provider->missing) {
		sbx_error(e, "%s: %s", o->provider->name, o->provider->missing);
		return NULL;
	}
	if (!o->exec.start) {
		sbx_error(e, "no tool executor given");
		return NULL;
	}
	ai_run *r = xcalloc(1, sizeof *r);
	r->loop = loop;
	r->http = http;
	ai_provider_copy(&r->prov, o->provider);
	r->conv = o->conv;
	r->max_steps = o->max_steps > 0 ? o->max_steps : DEFAULT_STEPS;
	r->max_retries = o->max_retries ? (o->max_retries < 0 ? -1 : o->max_retries) : DEFAULT_RETRIES;
	r->retry_cap_ms = o->retry_cap_ms > 0 ? o->retry_cap_ms : DEFAULT_CAP_MS;
	r->no_stream = o->no_stream;
	r->exec = o->exec;
	r->obs = o->obs;
	if (o->request)
		ai_conv_add_user(r->conv, o->request);
	/* the first call starts from the loop: no callback runs before the caller has r */
	r->timer = loop_add_timer(loop, 0, turn_due, r);
	return r;
}

void ai_run_stop(ai_run *r)
{
	if (!r || r->done)
		return;
	r->done = 1;   /* the cancelled call's on_done and a late tool answer are ignored */
	drop_timers(r);
	if (r->call) {
		http_call *c = r->call;
		r->call = NULL;
		http_call_cancel(c);
	}
	keep_partial(r);
	if (r->tool_running) {
		r->tool_running = 0;
		if (r->exec.cancel)
			r->exec.cancel(r->exec.ud, r);
	}
	while (r->next < r->ncalls)
		answer(r, "stopped by the user before this call finished", 1);
	free_calls(r);
	finish(r, AI_END_STOPPED, "stopped by the user");
}

void ai_run_free(ai_run *r)
{
	if (!r)
		return;
	if (!r->done) {
		ai_observer none = { 0 };
		r->obs = none;   /* the owner is going away: tell no one */
		ai_run_stop(r);
	}
	drop_timers(r);
	if (r->call)
		http_call_cancel(r->call);
	ai_decoder_free(r->dec);
	free_calls(r);
	buf_free(&r->errbody);
	buf_free(&r->text);
	ai_provider_free(&r->prov);
	free(r);
}
