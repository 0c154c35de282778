/* events: lifecycle events on the control plane. */
#include "events.h"
#include "client_int.h"
#include "../util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));
	return s ? s : "";
}

int sbx_event_parse(const json_t *j, sbx_event *o, sbx_err *e)
{
	memset(o, 0, sizeof *o);
	if (!json_is_object(j))
		return sbx_error(e, "an event is not a JSON object");
	o->type = str(j, "type");
	if (!*o->type)
		return sbx_error(e, "an event has no type");
	o->id = str(j, "id");
	o->sandbox_id = str(j, "sandboxId");
	o->template_id = str(j, "sandboxTemplateId");
	o->timestamp = str(j, "timestamp");
	o->ts_ms = sbx_parse_time(o->timestamp);
	o->data = json_object_get(j, "eventData");
	o->raw = j;
	return 0;
}

const char *sbx_event_short(const char *type)
{
	const char *dot = type ? strrchr(type, '.') : NULL;
	return dot && dot[1] ? dot + 1 : type ? type : "";
}

const char *const sbx_event_types[] = {
	"created", "updated", "paused", "resumed", "snapshotted", "killed", "died", NULL,
};

int sbx_event_type_known(const char *name, size_t len)
{
	static const char prefix[] = "sandbox.lifecycle.";
	if (len > sizeof prefix - 1 && !strncmp(name, prefix, sizeof prefix - 1)) {
		name += sizeof prefix - 1;
		len -= sizeof prefix - 1;
	}
	for (const char *const *t = sbx_event_types; *t; t++)
		if (strlen(*t) == len && !strncmp(*t, name, len))
			return 1;
	return 0;
}

typedef struct ev_ud {
	sbx_events_cb cb;
	void *ud;
} ev_ud;

static void on_json(json_t *j, const sbx_err *e, void *ud)
{
	ev_ud *u = ud;
	if (e) {
		u->cb(NULL, 0, e, u->ud);
		return;
	}
	if (!json_is_array(j)) {
		sbx_err pe;
		sbx_error(&pe, "cannot list events: the answer is not a JSON array");
		u->cb(NULL, 0, &pe, u->ud);
		return;
	}
	size_t n = json_array_size(j), k = 0;
	sbx_event *ev = xcalloc(n + 1, sizeof *ev);
	for (size_t i = 0; i < n; i++)
		if (sbx_event_parse(json_array_get(j, i), &ev[k], NULL) == 0)
			k++;
	u->cb(ev, k, NULL, u->ud);
	free(ev);
}

int sbx_events(sbx_client *c, const char *sandbox_id, int limit, const char *const *types, sbx_events_cb cb,
	       void *ud, sbx_op **out, sbx_err *e)
{
	sbx_buf p = SBX_BUF_INIT;
	buf_puts(&p, "/events/sandboxes");
	if (sandbox_id && *sandbox_id) {
		buf_putc(&p, '/');
		url_query_enc(&p, sandbox_id);
	}
	char sep = '?';
	if (limit > 0) {
		buf_printf(&p, "?limit=%d", limit);
		sep = '&';
	}
	for (const char *const *t = types; t && *t; t++, sep = '&') {
		buf_printf(&p, "%ctypes=", sep);
		url_query_enc(&p, *t);
	}
	ev_ud *u = xcalloc(1, sizeof *u);
	u->cb = cb;
	u->ud = ud;
	char what[160];
	snprintf(what, sizeof what, "list the events%s%s", sandbox_id ? " of sandbox " : "",
		 sandbox_id ? sandbox_id : "");
	int rc = api_json_call(c, what, "GET", buf_cstr(&p), NULL, 0, 0, on_json, u, free, out, e);
	buf_free(&p);
	return rc;
}
