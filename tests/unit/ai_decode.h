/*
 * ai_decode: the decoder fixture test_ai_openai.c and test_ai_anthropic.c
 * share — events recorded as a log string, a body fed in pieces of any
 * size, and the check that every cut gives the same turn.  Define
 * AI_DECODE_KIND (AI_KIND_OPENAI, AI_KIND_ANTHROPIC) before including.
 */
#ifndef SBX_TEST_AI_DECODE_H
#define SBX_TEST_AI_DECODE_H
#include <string.h>
#include "../../src/ai/wire.h"
#include "../../src/util/buf.h"

/* Events as "T(text)", "S0(id,name)", "A0(args)", "STOP(reason)";
 * consecutive deltas of one kind are joined, so the log is the same
 * however the bytes were cut. */
typedef struct rec {
	sbx_buf log;
	int last;       /* last event type, -1 none */
	int last_index;
	int nstart, nstop;
} rec;

static void on_ev(const ai_event *ev, void *ud)
{
	rec *r = ud;
	int joined = (ev->type == AI_EV_TEXT || ev->type == AI_EV_CALL_ARGS) && r->last == ev->type &&
		     r->last_index == ev->index;
	if (joined) {
		r->log.len--;   /* drop the ')' and go on */
	} else if (ev->type == AI_EV_TEXT) {
		buf_puts(&r->log, "T(");
	} else if (ev->type == AI_EV_CALL_ARGS) {
		buf_printf(&r->log, "A%d(", ev->index);
	} else if (ev->type == AI_EV_CALL_START) {
		r->nstart++;
		buf_printf(&r->log, "S%d(%s,%s)", ev->index, ev->id, ev->name);
	} else if (ev->type == AI_EV_STOP) {
		r->nstop++;
		buf_puts(&r->log, "STOP(");
	}
	if (ev->type != AI_EV_CALL_START) {
		buf_append(&r->log, ev->text, ev->len);
		buf_putc(&r->log, ')');
	}
	r->last = ev->type;
	r->last_index = ev->index;
}

typedef struct run {
	ai_decoder *d;
	rec r;
	int feed_rc, finish_rc;
	sbx_err e;
} run;

/* Feeds body step bytes at a time (0: all at once) until an error. */
static void decode(run *x, int streaming, const char *body, size_t len, size_t step)
{
	memset(x, 0, sizeof *x);
	x->r.last = -1;
	x->d = ai_decoder_new(AI_DECODE_KIND, streaming, on_ev, &x->r);
	if (!step)
		step = len ? len : 1;
	for (size_t i = 0; i < len && x->feed_rc == 0; i += step)
		x->feed_rc = ai_decoder_feed(x->d, body + i, len - i < step ? len - i : step, &x->e);
	if (x->feed_rc == 0)
		x->finish_rc = ai_decoder_finish(x->d, &x->e);
}

static void run_free(run *x)
{
	ai_decoder_free(x->d);
	buf_free(&x->r.log);
}

/* The same events, text, calls and stop whichever way the stream is cut. */
static void expect_stream(const char *body, const char *want_log, const char *want_stop)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64, 0 };
	for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
		run x;
		decode(&x, 1, body, strlen(body), steps[s]);
		if (x.feed_rc || x.finish_rc)
			fail_msg("step %zu: failed: %s", steps[s], x.e.msg);
		if (strcmp(buf_cstr(&x.r.log), want_log))
			fail_msg("step %zu:\ngot  %s\nwant %s", steps[s], buf_cstr(&x.r.log), want_log);
		assert_string_equal(ai_decoder_stop_reason(x.d), want_stop);
		assert_int_equal(x.r.nstop, 1);
		run_free(&x);
	}
}

#endif
