/* envd_json: request decoding (see envd_json.h; encoding is in envd_json_enc.c). */
#include "envd_json.h"
#include "../util/b64.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int value;
} signal_names[] = {
	{ "SIGNAL_UNSPECIFIED", ENVD_SIGNAL_UNSPECIFIED },
	{ "SIGNAL_SIGTERM", ENVD_SIGNAL_SIGTERM },
	{ "SIGNAL_SIGKILL", ENVD_SIGNAL_SIGKILL },
};

const char *envd_signal_name(int s)
{
	for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++)
		if (signal_names[i].value == s)
			return signal_names[i].name;
	return NULL;
}

json_t *envd_parse(const char *text, size_t len, sbx_err *e)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		sbx_error(e, "request body is not valid JSON: %s (line %d, column %d)", je.text, je.line,
			  je.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		sbx_error(e, "request body must be a JSON object");
		return NULL;
	}
	return j;
}

/* --- field access --------------------------------------------------------- */

/* A field by its JSON (lowerCamelCase) or proto name; null counts as absent. */
static int field(const json_t *o, const char *json_name, const char *proto_name, const json_t **out,
		 sbx_err *e)
{
	const json_t *a = json_object_get(o, json_name);
	const json_t *b = strcmp(json_name, proto_name) ? json_object_get(o, proto_name) : NULL;
	if (a && b)
		return sbx_error(e, "field '%s' is set twice (as '%s' and '%s')", proto_name, json_name,
				 proto_name);
	const json_t *v = a ? a : b;
	*out = v && !json_is_null(v) ? v : NULL;
	return 0;
}

#define F1(name) name, name   /* fields whose two names agree */

static int get_string(const json_t *o, const char *jn, const char *pn, int optional, char **out,
		      sbx_err *e)
{
	const json_t *v;
	*out = NULL;
	if (field(o, jn, pn, &v, e) < 0)
		return -1;
	if (!v) {
		if (!optional)
			*out = xstrdup("");
		return 0;
	}
	if (!json_is_string(v))
		return sbx_error(e, "field '%s' must be a string", pn);
	*out = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

/* Integers: JSON numbers (integral) or strings of digits, as protojson. */
static int int_value(const json_t *v, const char *name, long long lo, long long hi, long long *out,
		     sbx_err *e)
{
	long long x;
	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d != floor(d) || d < (double)lo || d > (double)hi)
			return sbx_error(e, "field '%s' must be an integer in [%lld, %lld]", name, lo, hi);
		x = (long long)d;
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		errno = 0;
		x = strtoll(s, &end, 10);
		if (!*s || *end || errno)
			return sbx_error(e, "field '%s' must be an integer, got \"%.40s\"", name, s);
	} else {
		return sbx_error(e, "field '%s' must be an integer", name);
	}
	if (x < lo || x > hi)
		return sbx_error(e, "field '%s' is out of range [%lld, %lld]", name, lo, hi);
	*out = x;
	return 0;
}

static int get_u32(const json_t *o, const char *jn, const char *pn, uint32_t *out, int *present,
		   sbx_err *e)
{
	const json_t *v;
	long long x = 0;
	*out = 0;
	if (present)
		*present = 0;
	if (field(o, jn, pn, &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	if (int_value(v, pn, 0, UINT32_MAX, &x, e) < 0)
		return -1;
	*out = (uint32_t)x;
	if (present)
		*present = 1;
	return 0;
}

static int get_bool(const json_t *o, const char *jn, const char *pn, int *out, int *present,
		    sbx_err *e)
{
	const json_t *v;
	*out = 0;
	if (present)
		*present = 0;
	if (field(o, jn, pn, &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return sbx_error(e, "field '%s' must be true or false", pn);
	*out = json_is_true(v);
	if (present)
		*present = 1;
	return 0;
}

static int get_message(const json_t *o, const char *jn, const char *pn, const json_t **out,
		       sbx_err *e)
{
	if (field(o, jn, pn, out, e) < 0)
		return -1;
	if (*out && !json_is_object(*out))
		return sbx_error(e, "field '%s' must be an object", pn);
	return 0;
}

static int get_bytes(const json_t *v, const char *name, unsigned char **data, size_t *len, sbx_err *e)
{
	if (!json_is_string(v))
		return sbx_error(e, "field '%s' must be a base64 string", name);
	*data = b64_decode(json_string_value(v), json_string_length(v), len);
	if (!*data)
		return sbx_error(e, "field '%s' is not valid base64", name);
	return 0;
}

/* Counts the members of a oneof that are present (non-null). */
static int oneof_count(const json_t *o, const char *const *names, size_t n)
{
	int c = 0;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_object_get(o, names[i]);
		if (v && !json_is_null(v))
			c++;
	}
	return c;
}

/* --- shared messages ------------------------------------------------------ */

void envd_kv_free(envd_kv *kv)
{
	kv_free(kv);
}

static int get_map(const json_t *o, const char *jn, const char *pn, envd_kv *kv, sbx_err *e)
{
	const json_t *v;
	memset(kv, 0, sizeof *kv);
	if (field(o, jn, pn, &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return sbx_error(e, "field '%s' must be an object of strings", pn);
	size_t n = json_object_size(v), i = 0;
	kv->keys = xcalloc(n ? n : 1, sizeof *kv->keys);
	kv->values = xcalloc(n ? n : 1, sizeof *kv->values);
	const char *k;
	json_t *val;
	json_object_foreach((json_t *)v, k, val) {
		if (!json_is_string(val)) {
			envd_kv_free(kv);
			return sbx_error(e, "field '%s': value of '%.60s' must be a string", pn, k);
		}
		kv->keys[i] = xstrdup(k);
		kv->values[i] = xstrndup(json_string_value(val), json_string_length(val));
		kv->n = ++i;
	}
	return 0;
}

void envd_proc_config_free(envd_proc_config *c)
{
	free(c->cmd);
	for (size_t i = 0; i < c->nargs; i++)
		free(c->args[i]);
	free(c->args);
	envd_kv_free(&c->envs);
	free(c->cwd);
	memset(c, 0, sizeof *c);
}

static int decode_config(const json_t *o, envd_proc_config *c, sbx_err *e)
{
	memset(c, 0, sizeof *c);
	const json_t *args;
	if (!o) {
		c->cmd = xstrdup("");
		return 0;
	}
	if (get_string(o, F1("cmd"), 0, &c->cmd, e) < 0 || field(o, F1("args"), &args, e) < 0)
		goto fail;
	if (args) {
		if (!json_is_array(args)) {
			sbx_error(e, "field 'args' must be an array of strings");
			goto fail;
		}
		size_t n = json_array_size(args);
		c->args = xcalloc(n ? n : 1, sizeof *c->args);
		for (size_t i = 0; i < n; i++) {
			json_t *a = json_array_get(args, i);
			if (!json_is_string(a)) {
				sbx_error(e, "field 'args': element %zu must be a string", i);
				goto fail;
			}
			c->args[i] = xstrndup(json_string_value(a), json_string_length(a));
			c->nargs = i + 1;
		}
	}
	if (get_map(o, F1("envs"), &c->envs, e) < 0 || get_string(o, F1("cwd"), 1, &c->cwd, e) < 0)
		goto fail;
	return 0;
fail:
	envd_proc_config_free(c);
	return -1;
}

void envd_selector_free(envd_selector *s)
{
	free(s->tag);
	memset(s, 0, sizeof *s);
}

static int decode_selector(const json_t *parent, envd_selector *s, sbx_err *e)
{
	static const char *const members[] = { "pid", "tag" };
	const json_t *o;
	memset(s, 0, sizeof *s);
	if (get_message(parent, F1("process"), &o, e) < 0)
		return -1;
	if (!o)
		return 0;
	if (oneof_count(o, members, 2) > 1)
		return sbx_error(e, "ProcessSelector: oneof 'selector' set multiple times (pid and tag)");
	int present;
	if (get_u32(o, F1("pid"), &s->pid, &present, e) < 0)
		return -1;
	if (present) {
		s->kind = ENVD_SEL_PID;
		return 0;
	}
	if (get_string(o, F1("tag"), 1, &s->tag, e) < 0)
		return -1;
	if (s->tag)
		s->kind = ENVD_SEL_TAG;
	return 0;
}

static int decode_pty(const json_t *parent, envd_pty *p, sbx_err *e)
{
	const json_t *o, *size;
	memset(p, 0, sizeof *p);
	if (get_message(parent, F1("pty"), &o, e) < 0)
		return -1;
	if (!o)
		return 0;
	p->set = 1;
	if (get_message(o, F1("size"), &size, e) < 0)
		return -1;
	if (!size)
		return 0;
	if (get_u32(size, F1("cols"), &p->cols, NULL, e) < 0 ||
	    get_u32(size, F1("rows"), &p->rows, NULL, e) < 0)
		return -1;
	return 0;
}

/* --- process requests ----------------------------------------------------- */

void envd_start_req_free(envd_start_req *r)
{
	envd_proc_config_free(&r->process);
	free(r->tag);
	memset(r, 0, sizeof *r);
}

int envd_decode_start(const json_t *j, envd_start_req *r, sbx_err *e)
{
	const json_t *proc;
	memset(r, 0, sizeof *r);
	if (get_message(j, F1("process"), &proc, e) < 0 || decode_config(proc, &r->process, e) < 0)
		return -1;
	if (decode_pty(j, &r->pty, e) < 0 || get_string(j, F1("tag"), 1, &r->tag, e) < 0 ||
	    get_bool(j, F1("stdin"), &r->stdin_on, &r->stdin_set, e) < 0) {
		envd_start_req_free(r);
		return -1;
	}
	if (!r->stdin_set)
		r->stdin_on = 1;   /* absent means true (envd back-compat) */
	return 0;
}

void envd_update_req_free(envd_update_req *r)
{
	envd_selector_free(&r->process);
}

int envd_decode_update(const json_t *j, envd_update_req *r, sbx_err *e)
{
	memset(r, 0, sizeof *r);
	if (decode_selector(j, &r->process, e) < 0 || decode_pty(j, &r->pty, e) < 0) {
		envd_update_req_free(r);
		return -1;
	}
	return 0;
}

void envd_input_req_free(envd_input_req *r)
{
	envd_selector_free(&r->process);
	free(r->data);
	memset(r, 0, sizeof *r);
}

int envd_decode_input(const json_t *j, envd_input_req *r, sbx_err *e)
{
	static const char *const members[] = { "stdin", "pty" };
	const json_t *in, *v;
	memset(r, 0, sizeof *r);
	if (decode_selector(j, &r->process, e) < 0)
		return -1;
	if (get_message(j, F1("input"), &in, e) < 0)
		goto fail;
	if (!in)
		return 0;
	if (oneof_count(in, members, 2) > 1) {
		sbx_error(e, "ProcessInput: oneof 'input' set multiple times (stdin and pty)");
		goto fail;
	}
	if ((v = json_object_get(in, "stdin")) && !json_is_null(v))
		r->kind = ENVD_INPUT_STDIN;
	else if ((v = json_object_get(in, "pty")) && !json_is_null(v))
		r->kind = ENVD_INPUT_PTY;
	if (r->kind && get_bytes(v, r->kind == ENVD_INPUT_STDIN ? "stdin" : "pty", &r->data, &r->len, e) < 0)
		goto fail;
	return 0;
fail:
	envd_input_req_free(r);
	return -1;
}

void envd_signal_req_free(envd_signal_req *r)
{
	envd_selector_free(&r->process);
}

int envd_decode_signal(const json_t *j, envd_signal_req *r, sbx_err *e)
{
	const json_t *v;
	memset(r, 0, sizeof *r);
	if (decode_selector(j, &r->process, e) < 0)
		return -1;
	if (field(j, F1("signal"), &v, e) < 0)
		goto fail;
	if (v && json_is_string(v)) {
		/* An unknown name is unset, as protojson with DiscardUnknown. */
		for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++)
			if (!strcmp(json_string_value(v), signal_names[i].name))
				r->signal = signal_names[i].value;
	} else if (v) {
		long long x;
		if (int_value(v, "signal", INT32_MIN, INT32_MAX, &x, e) < 0)
			goto fail;
		r->signal = (int)x;
	}
	return 0;
fail:
	envd_signal_req_free(r);
	return -1;
}

void envd_select_req_free(envd_select_req *r)
{
	envd_selector_free(&r->process);
}

int envd_decode_select(const json_t *j, envd_select_req *r, sbx_err *e)
{
	memset(r, 0, sizeof *r);
	return decode_selector(j, &r->process, e);
}

/* --- filesystem requests -------------------------------------------------- */

void envd_path_req_free(envd_path_req *r)
{
	free(r->path);
	r->path = NULL;
}

int envd_decode_path(const json_t *j, envd_path_req *r, sbx_err *e)
{
	return get_string(j, F1("path"), 0, &r->path, e);
}

void envd_move_req_free(envd_move_req *r)
{
	free(r->source);
	free(r->destination);
	memset(r, 0, sizeof *r);
}

int envd_decode_move(const json_t *j, envd_move_req *r, sbx_err *e)
{
	memset(r, 0, sizeof *r);
	if (get_string(j, F1("source"), 0, &r->source, e) < 0 ||
	    get_string(j, F1("destination"), 0, &r->destination, e) < 0) {
		envd_move_req_free(r);
		return -1;
	}
	return 0;
}

void envd_listdir_req_free(envd_listdir_req *r)
{
	free(r->path);
	memset(r, 0, sizeof *r);
}

int envd_decode_listdir(const json_t *j, envd_listdir_req *r, sbx_err *e)
{
	memset(r, 0, sizeof *r);
	if (get_string(j, F1("path"), 0, &r->path, e) < 0 ||
	    get_u32(j, F1("depth"), &r->depth, NULL, e) < 0) {
		envd_listdir_req_free(r);
		return -1;
	}
	return 0;
}

void envd_watch_req_free(envd_watch_req *r)
{
	free(r->path);
	memset(r, 0, sizeof *r);
}

int envd_decode_watch(const json_t *j, envd_watch_req *r, sbx_err *e)
{
	memset(r, 0, sizeof *r);
	if (get_string(j, F1("path"), 0, &r->path, e) < 0 ||
	    get_bool(j, F1("recursive"), &r->recursive, NULL, e) < 0 ||
	    get_bool(j, "includeEntry", "include_entry", &r->include_entry, NULL, e) < 0 ||
	    get_bool(j, "allowNetworkMounts", "allow_network_mounts", &r->allow_network_mounts, NULL, e) < 0) {
		envd_watch_req_free(r);
		return -1;
	}
	return 0;
}

void envd_watcher_req_free(envd_watcher_req *r)
{
	free(r->watcher_id);
	r->watcher_id = NULL;
}

int envd_decode_watcher(const json_t *j, envd_watcher_req *r, sbx_err *e)
{
	return get_string(j, "watcherId", "watcher_id", 0, &r->watcher_id, e);
}
