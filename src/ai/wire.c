/* wire: dispatch on the provider's kind, the decoder's plumbing (SSE or
 * one body) and the turn it assembles, and the helpers both formats use. */
#include "wire_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../util/strv.h"
#include "../util/xalloc.h"

const char wire_unanswered_text[] = "no result: the run was stopped before this call ran";

/* ---- requests ---- */

int ai_request_build(const ai_provider *p, const ai_conv *c, const ai_tool_def *tools, size_t ntools,
		     int stream, ai_request *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	const char *name = p->name ? p->name : "?";
	if (!p->base_url || !*p->base_url)
		return sbx_error(e, "provider %s has no base URL: set %s.base_url in ai.conf", name, name);
	if (!p->model || !*p->model)
		return sbx_error(e, "provider %s has no model: pass --model or set SBX_AI_MODEL", name);
	if (p->kind == AI_KIND_ANTHROPIC)
		return anthropic_request(p, c, tools, ntools, stream, out, e);
	return openai_request(p, c, tools, ntools, stream, out, e);
}

void ai_request_free(ai_request *r)
{
	free(r->url);
	sbx_strv_free(r->headers);
	free(r->body);
	memset(r, 0, sizeof *r);
}

size_t wire_results(const ai_conv *c, size_t i, const ai_msg **res)
{
	const ai_msg *a = &c->msgs[i];
	for (size_t k = 0; k < a->ncalls; k++)
		res[k] = NULL;
	size_t j = i + 1;
	for (; j < c->n && c->msgs[j].role == AI_ROLE_TOOL; j++)
		for (size_t k = 0; k < a->ncalls; k++)
			if (!res[k] && !strcmp(c->msgs[j].call_id, a->calls[k].id)) {
				res[k] = &c->msgs[j];
				break;
			}
	return j;
}

json_t *wire_args_json(const char *args, int want_object)
{
	json_t *j = json_loads(args, JSON_DECODE_ANY, NULL);
	if (j && want_object && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int wire_tool_params(const ai_tool_def *t, json_t **out, sbx_err *e)
{
	*out = t->params_json ? json_loads(t->params_json, 0, NULL) : json_object();
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return sbx_error(e, "tool %s: its parameters are not a JSON Schema object", t->name);
	}
	return 0;
}

int wire_header(char ***v, size_t *n, const char *name, const char *value, const char *what, sbx_err *e)
{
	for (const unsigned char *s = (const unsigned char *)value; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			return sbx_error(e, "%s holds a control character (a line break?): set it again without one",
					 what);
	sbx_strv_push(v, n, xasprintf("%s: %s", name, value));
	return 0;
}

/* Bytes of the valid UTF-8 sequence at s (n left), 0 when invalid —
 * the same rules as jansson's (no overlongs, surrogates, > U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

json_t *wire_string(const char *s)
{
	json_t *j = json_string(s ? s : "");
	if (j)
		return j;
	sbx_buf b = SBX_BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);
		if (k) {
			buf_append(&b, p + i, k);
			i += k;
		} else {
			buf_puts(&b, "\xef\xbf\xbd");
			i++;
		}
	}
	j = json_stringn(buf_cstr(&b), b.len);
	buf_free(&b);
	return j;
}

void wire_finish_request(const ai_provider *p, const char *path, json_t *body, char **headers, ai_request *out)
{
	size_t blen = strlen(p->base_url);
	while (blen && p->base_url[blen - 1] == '/')
		blen--;
	out->url = xasprintf("%.*s%s", (int)blen, p->base_url, path);
	out->headers = headers;
	out->body = json_dumps(body, JSON_COMPACT);
	if (!out->body)
		abort();   /* only OOM: every string went through wire_string */
	json_decref(body);
}

/* ---- the turn being decoded ---- */

const char *wire_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* At most n - 1 bytes of s as one line (control characters become
 * spaces), never cutting a UTF-8 sequence. */
void wire_one_line(char *out, size_t n, const char *s, size_t len)
{
	size_t o = 0;
	if (!n)
		return;
	for (size_t i = 0; i < len && s[i];) {
		unsigned char c = (unsigned char)s[i];
		size_t k = utf8_seq((const unsigned char *)s + i, len - i);
		if (!k)
			k = 1, c = '?';   /* not UTF-8 */
		if (o + k > n - 1)
			break;
		if (k == 1)
			out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
		else
			memcpy(out + o, s + i, k), o += k;
		i += k;
	}
	out[o] = 0;
}

int wire_api_error(const json_t *err, sbx_err *e)
{
	char msg[600], type[100];
	const char *m = json_is_string(err) ? json_string_value(err) : wire_str(err, "message");
	const char *t = wire_str(err, "type");
	if (!t)
		t = wire_str(err, "code");
	if (!m)
		m = "an error without a message";
	wire_one_line(msg, sizeof msg, m, strlen(m));
	if (t && *t) {
		wire_one_line(type, sizeof type, t, strlen(t));
		return sbx_error(e, "%s (%s)", msg, type);
	}
	return sbx_error(e, "%s", msg);
}

static void emit(ai_decoder *d, int type, const char *text, size_t len, int index, const char *id,
		 const char *name)
{
	ai_event ev = { type, text, len, index, id, name };
	if (d->cb)
		d->cb(&ev, d->ud);
}

static int turn_grow(ai_decoder *d, size_t n, sbx_err *e)
{
	if (n > WIRE_MAX_TURN - d->turn_bytes)
		return sbx_error(e, "the model's turn is larger than %u MiB: not accepted", WIRE_MAX_TURN >> 20);
	d->turn_bytes += n;
	return 0;
}

int wire_text(ai_decoder *d, const char *s, size_t n, sbx_err *e)
{
	if (!n)
		return 0;
	if (turn_grow(d, n, e) < 0)
		return -1;
	buf_append(&d->text, s, n);
	emit(d, AI_EV_TEXT, s, n, 0, NULL, NULL);
	return 0;
}

wire_call *wire_call_find(ai_decoder *d, long long key)
{
	for (size_t i = d->ncalls; i > 0; i--)
		if (d->calls[i - 1].key == key)
			return &d->calls[i - 1];
	return NULL;
}

static int id_usable(const ai_decoder *d, const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 128 || strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:") != n)
		return 0;
	for (size_t i = 0; i < d->ncalls; i++)
		if (!strcmp(d->calls[i].id, id))
			return 0;
	return 1;
}

wire_call *wire_call_new(ai_decoder *d, long long key, const char *id, const char *name, sbx_err *e)
{
	if (d->ncalls == WIRE_MAX_CALLS) {
		sbx_error(e, "the model asked for more than %d tool calls in one turn", WIRE_MAX_CALLS);
		return NULL;
	}
	char *use;
	if (id_usable(d, id)) {
		use = xstrdup(id);
	} else {
		/* Missing, duplicate or odd: the results must name each call
		 * unambiguously, so it gets one of ours. */
		use = NULL;
		for (size_t k = d->ncalls; !use || !id_usable(d, use); k++) {
			free(use);
			use = xasprintf("%s_sbx_%zu", d->kind == AI_KIND_ANTHROPIC ? "toolu" : "call", k);
		}
	}
	d->calls = xrealloc(d->calls, (d->ncalls + 1) * sizeof *d->calls);
	wire_call *c = &d->calls[d->ncalls++];
	memset(c, 0, sizeof *c);
	c->id = use;
	c->given = id && *id ? xstrndup(id, strnlen(id, 256)) : NULL;
	c->key = key;
	wire_call_name(c, name);
	return c;
}

void wire_call_name(wire_call *c, const char *name)
{
	if (c->name || !name || !*name)
		return;   /* the first name given stands */
	c->name = xstrndup(name, strnlen(name, WIRE_MAX_NAME));
}

void wire_call_start(ai_decoder *d, wire_call *c)
{
	if (c->started)
		return;
	c->started = 1;
	emit(d, AI_EV_CALL_START, NULL, 0, (int)(c - d->calls), c->id, c->name ? c->name : "");
}

int wire_call_args(ai_decoder *d, wire_call *c, const char *s, size_t n, sbx_err *e)
{
	wire_call_start(d, c);
	if (!n)
		return 0;
	if (turn_grow(d, n, e) < 0)
		return -1;
	buf_append(&c->args, s, n);
	emit(d, AI_EV_CALL_ARGS, s, n, (int)(c - d->calls), NULL, NULL);
	return 0;
}

void wire_stop(ai_decoder *d, const char *reason)
{
	static const struct {
		const char *from, *to;
	} map[] = {
		{ "stop", "end" },               /* OpenAI */
		{ "end_turn", "end" },           /* Anthropic */
		{ "stop_sequence", "end" },
		{ "tool_calls", "tool_use" },
		{ "function_call", "tool_use" },
		{ "tool_use", "tool_use" },
		{ "length", "max_tokens" },
		{ "max_tokens", "max_tokens" },
	};
	if (d->stop || !reason || !*reason)
		return;
	const char *r = NULL;
	for (size_t i = 0; i < sizeof map / sizeof *map && !r; i++)
		if (!strcmp(reason, map[i].from))
			r = map[i].to;
	/* Some OpenAI-compatible servers (older Ollama, llama.cpp) say "stop"
	 * after tool calls; the calls still need running and answering. */
	if (r && !strcmp(r, "end") && d->ncalls)
		r = "tool_use";
	d->stop = r ? xstrdup(r) : xstrndup(reason, strnlen(reason, 64));
	for (size_t i = 0; i < d->ncalls; i++)
		wire_call_start(d, &d->calls[i]);
	emit(d, AI_EV_STOP, d->stop, strlen(d->stop), 0, NULL, NULL);
}

/* ---- the decoder ---- */

ai_decoder *ai_decoder_new(ai_kind kind, int streaming, ai_event_cb cb, void *ud)
{
	ai_decoder *d = xcalloc(1, sizeof *d);
	d->kind = kind;
	d->streaming = streaming;
	d->cb = cb;
	d->ud = ud;
	sse_init(&d->sse);
	d->sse.max_line = WIRE_MAX_EVENT;
	return d;
}

static int on_sse(const char *event, const char *data, size_t len, void *ud, sbx_err *e)
{
	ai_decoder *d = ud;
	d->events++;
	if (d->kind == AI_KIND_ANTHROPIC)
		return anthropic_event(d, event, data, len, e);
	return openai_event(d, data, len, e);
}

static int failed(ai_decoder *d, sbx_err *e)
{
	if (d->failed || d->finished)
		return sbx_error(e, "the model's response %s: nothing more is decoded",
				 d->failed ? "already failed" : "has ended");
	return 0;
}

int ai_decoder_feed(ai_decoder *d, const char *data, size_t len, sbx_err *e)
{
	if (failed(d, e) < 0)
		return -1;
	if (d->head.len < 256)
		buf_append(&d->head, data, len < 256 - d->head.len ? len : 256 - d->head.len);
	if (!d->streaming) {
		if (len > WIRE_MAX_BODY - d->body.len) {
			d->failed = 1;
			return sbx_error(e, "the model's response is larger than %u MiB: not accepted",
					 WIRE_MAX_BODY >> 20);
		}
		buf_append(&d->body, data, len);
		return 0;
	}
	if (sse_feed(&d->sse, data, len, on_sse, d, e) < 0) {
		d->failed = 1;
		return -1;
	}
	return 0;
}

/* What the server sent, for an error saying it is not the API's. */
static int not_api(ai_decoder *d, sbx_err *e, const char *what)
{
	char q[201];
	wire_one_line(q, sizeof q, buf_cstr(&d->head), d->head.len);
	return sbx_error(e, "the model's API answered with %s (is the base URL right?): %s%s", what, q,
			 d->head.len > 200 ? "…" : "");
}

static int finish(ai_decoder *d, sbx_err *e)
{
	if (d->streaming) {
		/* A line the end of the stream cut short is no event (an event
		 * whose lines all ended, without the blank line, still is). */
		buf_reset(&d->sse.line);
		if (sse_finish(&d->sse, on_sse, d, e) < 0)
			return -1;
		if (!d->events)
			return d->head.len ? not_api(d, e, "no event stream") : sbx_error(e, "the model's response was empty");
	} else {
		json_error_t je;
		json_t *j = json_loadb(buf_cstr(&d->body), d->body.len, 0, &je);
		if (!json_is_object(j)) {
			json_decref(j);
			return d->body.len ? not_api(d, e, "something that is not its JSON")
					   : sbx_error(e, "the model's response was empty");
		}
		int rc = d->kind == AI_KIND_ANTHROPIC ? anthropic_body(d, j, e) : openai_body(d, j, e);
		json_decref(j);
		if (rc < 0)
			return -1;
	}
	return d->kind == AI_KIND_ANTHROPIC ? anthropic_complete(d, e) : openai_complete(d, e);
}

int ai_decoder_finish(ai_decoder *d, sbx_err *e)
{
	if (failed(d, e) < 0)
		return -1;
	int rc = finish(d, e);
	d->finished = 1;
	if (rc < 0)
		d->failed = 1;
	d->out = d->ncalls ? xcalloc(d->ncalls, sizeof *d->out) : NULL;
	for (size_t i = 0; i < d->ncalls; i++) {
		wire_call *c = &d->calls[i];
		if (!c->name)
			c->name = xstrdup("");
		if (!c->args.data)
			buf_puts(&c->args, "");
		d->out[i] = (ai_call){ c->id, c->name, c->args.data };
	}
	return rc;
}

const char *ai_decoder_text(const ai_decoder *d)
{
	return d->text.data ? d->text.data : "";
}

const ai_call *ai_decoder_calls(const ai_decoder *d, size_t *n)
{
	*n = d->out ? d->ncalls : 0;
	return d->out;
}

const char *ai_decoder_stop_reason(const ai_decoder *d)
{
	return d->stop;
}

void ai_decoder_free(ai_decoder *d)
{
	if (!d)
		return;
	sse_free(&d->sse);
	buf_free(&d->body);
	buf_free(&d->head);
	buf_free(&d->text);
	for (size_t i = 0; i < d->ncalls; i++) {
		free(d->calls[i].id);
		free(d->calls[i].name);
		free(d->calls[i].input);
		free(d->calls[i].given);
		buf_free(&d->calls[i].args);
	}
	free(d->calls);
	free(d->out);
	free(d->stop);
	free(d);
}

/* ---- error bodies ---- */

static const char *status_text(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 529: return "Overloaded";
	default: return NULL;
	}
}

void ai_error_text(ai_kind kind, int status, const char *body, size_t len, char *out, size_t n)
{
	(void)kind;   /* both formats put it in error.message; Ollama's {"error":"…"} too */
	if (!n)
		return;
	json_t *j = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	const json_t *err = json_object_get(j, "error");
	const char *m = json_is_string(err) ? json_string_value(err) : wire_str(err, "message");
	if (!m)
		m = wire_str(j, "message");
	if (m && *m) {
		wire_one_line(out, n, m, strlen(m));
	} else {
		const char *t = status_text(status);
		char s[64];
		if (t)
			snprintf(s, sizeof s, "HTTP %d %s", status, t);
		else
			snprintf(s, sizeof s, "HTTP %d", status);
		wire_one_line(out, n, s, strlen(s));
	}
	json_decref(j);
}
