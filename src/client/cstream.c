#include "cstream.h"
#include <stdio.h>
#include <string.h>

#define FRAME_LIMIT (64 * 1024 * 1024)

void cstream_init(cstream *s)
{
	memset(s, 0, sizeof *s);
	connect_reader_init(&s->rd, FRAME_LIMIT);
}

void cstream_free(cstream *s)
{
	connect_reader_free(&s->rd);
}

static int on_end(cstream *s, const connect_frame *f, sbx_err *e)
{
	json_error_t je;
	json_t *j = json_loadb(f->data, f->len, 0, &je);
	if (!json_is_object(j)) {
		json_decref(j);
		return sbx_error(e, "the stream's end frame is not a JSON object");
	}
	json_t *err = json_object_get(j, "error");
	s->ended = 1;
	if (json_is_object(err)) {
		const char *c = json_string_value(json_object_get(err, "code"));
		const char *m = json_string_value(json_object_get(err, "message"));
		snprintf(s->code, sizeof s->code, "%s", c && *c ? c : "unknown");
		snprintf(s->message, sizeof s->message, "%s", m ? m : "");
	}
	json_decref(j);
	return 0;
}

int cstream_feed(cstream *s, const void *data, size_t len, cstream_msg_cb cb, void *ud, sbx_err *e)
{
	connect_reader_feed(&s->rd, data, len);
	for (;;) {
		connect_frame f;
		int r = connect_reader_next(&s->rd, &f, e);
		if (r == CONNECT_NEED_MORE)
			return 0;
		if (r == CONNECT_BAD)
			return -1;
		if (s->ended)
			return sbx_error(e, "the stream went on after its end frame");
		if (f.flags & CONNECT_FLAG_END) {
			if (on_end(s, &f, e) < 0)
				return -1;
			continue;
		}
		if (s->raw) {
			int taken = s->raw(f.data, f.len, ud, e);
			if (taken < 0)
				return -1;
			if (taken)
				continue;
		}
		json_error_t je;
		json_t *j = json_loadb(f.data, f.len, 0, &je);
		if (!json_is_object(j)) {
			json_decref(j);
			return sbx_error(e, "a stream message is not a JSON object (%s)", je.text);
		}
		int rc = cb(j, ud, e);
		json_decref(j);
		if (rc < 0)
			return -1;
	}
}

int cstream_finish(const cstream *s, sbx_err *e)
{
	if (connect_reader_pending(&s->rd))
		return sbx_error(e, "the stream stopped in the middle of a message");
	if (!s->ended)
		return sbx_error(e, "the stream stopped without its end frame (the connection was lost)");
	if (s->code[0])
		return sbx_error(e, "%s (%s)", s->message[0] ? s->message : "the stream failed", s->code);
	return 0;
}
