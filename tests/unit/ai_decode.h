/*
 * ai_decode: the decoder fixture test_ai_openai.c and test_ai_anthropic.c
 * share — events recorded as a log string, a body fed in pieces of any
 * size, the check that every cut gives the same turn, and damaged copies
 * of a stream that must never pass as a whole turn.  Define
 * AI_DECODE_KIND (AI_KIND_OPENAI, AI_KIND_ANTHROPIC) before including.
 */
#ifndef SBX_TEST_AI_DECODE_H
#define SBX_TEST_AI_DECODE_H
#include <stdlib.h>
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

/* Damaged copies of real streams (bytes changed, cut short, fed in odd
 * pieces) never crash (ASan watches) and never pass as a whole turn
 * without a stop reason or with calls whose ids are empty or repeated. */
static void fuzz_stream(const char *stream, unsigned seed)
{
	size_t len = strlen(stream);
	char *buf = malloc(len + 1);
	static const char alphabet[] = "\n\r\":{}[],0123456789-e\\ a\x80\xff";
	for (int iter = 0; iter < 1500; iter++) {
		memcpy(buf, stream, len + 1);
		seed = seed * 1103515245u + 12345u;
		int flips = 1 + (int)(seed >> 16) % 4;
		for (int f = 0; f < flips; f++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			buf[at] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		size_t cut = iter % 3 ? len : (seed >> 8) % len;
		run x;
		decode(&x, 1, buf, cut, 1 + iter % 13);
		if (x.feed_rc == 0 && x.finish_rc == 0) {
			assert_non_null(ai_decoder_stop_reason(x.d));
			size_t n;
			const ai_call *c = ai_decoder_calls(x.d, &n);
			for (size_t i = 0; i < n; i++) {
				assert_true(c[i].id[0]);
				for (size_t k = 0; k < i; k++)
					assert_string_not_equal(c[i].id, c[k].id);
			}
		}
		run_free(&x);
	}
	free(buf);
}

#endif
