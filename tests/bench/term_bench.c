/*
 * term_bench: how fast a terminal pane takes a program's output — the
 * same bytes, side by side in one run, through
 *   vterm      libvterm alone (screen layer, damage flushed per chunk,
 *              scrolled-off lines handed over and dropped),
 *   pane       term_screen: libvterm plus our damage tracking, the
 *              scrollback ring and the output queue,
 *   pane+draw  term_screen plus what a frame reads: every row of the
 *              80x24 screen as ui_attr cells (vtattr), once per 64 KiB
 *              chunk (the workbench draws at most once per loop turn).
 * Workloads: `ls --color`-like lines (SGR colours, scrolling), plain text,
 * and a full-screen program redrawing (cursor moves, 256 colours, alt
 * screen).  Prints a markdown block for docs/PERFORMANCE.md: the median of
 * ROUNDS rounds in MB/s and the ratios to vterm.
 *   term_bench [MB] [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vterm.h>
#include "../../ui/model/term_screen.h"
#include "../../ui/model/vtattr.h"
#include "../../src/util/buf.h"

#define ROWS 24
#define COLS 80
#define CHUNK 65536

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void gen_ls(sbx_buf *b, size_t want)
{
	static const char *const col[] = { "01;34", "01;32", "01;36", "00", "01;31" };
	unsigned i = 0;
	while (b->len < want) {
		buf_printf(b, "-rw-r--r-- 1 user user %8u Nov 27 08:%02u \033[%sm%s_%u.%s\033[0m\r\n", i * 37 % 99991,
			   i % 60, col[i % 5], "file", i, i % 3 ? "txt" : "py");
		i++;
	}
}

static void gen_plain(sbx_buf *b, size_t want)
{
	unsigned i = 0;
	while (b->len < want)
		buf_printf(b, "line %u: the quick brown fox jumps over the lazy dog, %u times over\r\n", i, i * 7), i++;
}

static void gen_fullscreen(sbx_buf *b, size_t want)
{
	buf_puts(b, "\033[?1049h");
	unsigned f = 0;
	while (b->len < want) {
		buf_puts(b, "\033[H");
		for (int r = 1; r <= ROWS; r++) {
			buf_printf(b, "\033[%d;1H\033[38;5;%um\033[48;5;%um", r, (f + r) % 256, (f * 3 + r) % 256);
			for (int c = 0; c < COLS; c++)
				buf_putc(b, (char)('!' + (f + r + c) % 90));
		}
		buf_puts(b, "\033[0m");
		f++;
	}
	buf_puts(b, "\033[?1049l");
}

static int nop_damage(VTermRect r, void *u) { (void)r, (void)u; return 1; }
/* libvterm builds a scrolled-off line's cells only for an embedder that
 * keeps scrollback; the baseline asks for them too, then drops them */
static int nop_push(int cols, const VTermScreenCell *cells, void *u) { (void)cols, (void)cells, (void)u; return 1; }

/* mode 0: vterm, 1: pane, 2: pane + draw; returns seconds */
static double run(int mode, const sbx_buf *w)
{
	vt_cell row[COLS];
	double t0 = now_s();
	if (mode == 0) {
		VTerm *vt = vterm_new(ROWS, COLS);
		vterm_set_utf8(vt, 1);
		VTermScreen *s = vterm_obtain_screen(vt);
		static const VTermScreenCallbacks cb = { .damage = nop_damage, .sb_pushline = nop_push };
		vterm_screen_set_callbacks(s, &cb, NULL);
		vterm_screen_enable_altscreen(s, 1);
		vterm_screen_set_damage_merge(s, VTERM_DAMAGE_SCROLL);
		vterm_screen_reset(s, 1);
		for (size_t off = 0; off < w->len; off += CHUNK) {
			size_t n = w->len - off < CHUNK ? w->len - off : CHUNK;
			vterm_input_write(vt, w->data + off, n);
			vterm_screen_flush_damage(s);
		}
		vterm_free(vt);
	} else {
		term_screen *t = term_screen_new(ROWS, COLS, 256, 10000);
		sbx_buf out = SBX_BUF_INIT;
		for (size_t off = 0; off < w->len; off += CHUNK) {
			size_t n = w->len - off < CHUNK ? w->len - off : CHUNK;
			term_screen_feed(t, w->data + off, n);
			term_screen_take_output(t, &out);
			buf_reset(&out);
			if (mode == 2 && term_screen_take_dirty(t))
				for (long r = term_screen_sb_lines(t); r < term_screen_lines(t); r++)
					term_screen_line(t, r, row, COLS);
		}
		buf_free(&out);
		term_screen_free(t);
	}
	return now_s() - t0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double mb = argc > 1 ? atof(argv[1]) : 16;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	if (mb <= 0 || rounds < 1) {
		fprintf(stderr, "usage: term_bench [MB] [ROUNDS]\n");
		return 2;
	}
	size_t want = (size_t)(mb * 1e6);
	static const char *const names[] = { "ls --color", "plain text", "full-screen redraw" };
	void (*gen[])(sbx_buf *, size_t) = { gen_ls, gen_plain, gen_fullscreen };
	printf("## Results: terminal pane throughput\n\n");
	printf("%.0f MB of each workload through an 80x24 terminal, in 64 KiB chunks; median of %d rounds, "
	       "the three ways interleaved in each round. *vterm alone*: libvterm's screen layer, lines "
	       "scrolled off handed over and dropped; *pane*: `term_screen` (damage tracking, plain lines that "
	       "only scroll by straight into a 10000-line "
	       "scrollback ring, the output queue); *+ frame reads*: also every screen row as cells once per "
	       "chunk, as a frame does (`tests/bench/term_bench.c`).\n\n", mb, rounds);
	printf("| workload | vterm alone | pane (term_screen) | pane + frame reads | pane / vterm | pane+draw / vterm |\n");
	printf("|---|---|---|---|---|---|\n");
	for (int g = 0; g < 3; g++) {
		sbx_buf w = SBX_BUF_INIT;
		gen[g](&w, want);
		double *t[3];
		for (int m = 0; m < 3; m++)
			t[m] = calloc((size_t)rounds, sizeof *t[m]);
		for (int r = 0; r < rounds; r++)
			for (int m = 0; m < 3; m++)
				t[m][r] = run(m, &w);
		double med[3];
		for (int m = 0; m < 3; m++) {
			qsort(t[m], (size_t)rounds, sizeof *t[m], cmp_d);
			med[m] = t[m][rounds / 2];
			free(t[m]);
		}
		double mbs = w.len / 1e6;
		printf("| %s | %.1f MB/s | %.1f MB/s | %.1f MB/s | %.2f | %.2f |\n", names[g], mbs / med[0], mbs / med[1],
		       mbs / med[2], med[1] / med[0], med[2] / med[0]);
		buf_free(&w);
	}
	printf("\nRatios are times (lower is faster; 1.00 = as fast as libvterm alone).\n");
	return 0;
}
