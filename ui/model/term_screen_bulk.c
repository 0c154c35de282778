/*
 * term_screen_bulk: plain text pouring through the bottom row (`cat` of a
 * big file) without libvterm moving its whole screen once per line.
 *
 * libvterm scrolls by moving every screen row, so a line costs rows x cols
 * cells.  A run of L >= 2 x rows complete plain lines ("[ -~]{0,cols}\r\n")
 * on the main screen with a full-height scroll region ends the same way
 * as this: the first `rows` lines go through libvterm (the
 * old screen rows scroll into the scrollback as usual), the lines that
 * would scroll off after them go into the scrollback directly (cells of
 * the current pen, copied from what libvterm drew), the screen is cleared
 * and the last rows-1 lines are written from the top: no scrolling at all.
 *
 * Whether a run may take this path depends on state libvterm does not
 * expose, so every byte also goes through a small scanner that tracks it:
 * the scroll region (DECSTBM), left/right margins (DECLRMM), the character
 * sets in use (SCS, SO/SI, saved with the cursor).  Anything it does not
 * follow exactly (single/locking shifts to G2/G3, private mode restores)
 * turns the path off until a reset.
 */
#include <stdlib.h>
#include <string.h>
#include "term_screen_int.h"
#include "../../src/util/xalloc.h"

enum { SC_GROUND, SC_ESC, SC_ESC_INT, SC_CSI, SC_STR, SC_STR_ESC };

void term_scan_reset(term_scan *s)
{
	memset(s, 0, sizeof *s);
}

/* A cursor restore: whether libvterm restores the character sets with it
 * or not, the path stays off while either state is not plain ASCII. */
static void restore(term_scan *s)
{
	s->cs.g0 |= s->saved.g0;
	s->cs.g1 |= s->saved.g1;
	if (s->cs.shift != s->saved.shift)
		s->unsure = 1;
}

static void csi_done(term_scan *s, int rows, unsigned char final)
{
	if (s->csi_inter)
		return;   /* DECSTR (CSI ! p) and friends never make the path unsafe */
	if (final == 'r' && !s->csi_priv) {
		/* libvterm: top defaults to 1; "1;rows" or no bottom is the full screen */
		long top = s->nargs > 0 ? s->args[0] : -1, bot = s->nargs > 1 ? s->args[1] : -1;
		s->region = !(top <= 1 && (bot < 0 || bot == rows));
	} else if (final == 'r') {
		s->unsure = 1;   /* XTRESTORE and the like: modes we do not follow */
	} else if ((final == 'h' || final == 'l') && s->csi_priv == '?') {
		for (int i = 0; i < s->nargs && i < TERM_SCAN_ARGS; i++) {
			if (s->args[i] == 69)
				s->lrmm = final == 'h';
			else if ((s->args[i] == 1049 || s->args[i] == 1048) && final == 'h')
				s->saved = s->cs;
			else if ((s->args[i] == 1049 || s->args[i] == 1048) && final == 'l')
				restore(s);
		}
	} else if (final == 's' && !s->csi_priv && !s->lrmm) {
		s->saved = s->cs;   /* SCOSC */
	} else if (final == 'u' && !s->csi_priv) {
		restore(s);   /* SCORC */
	}
}

static void esc_done(term_scan *s, unsigned char final)
{
	if (s->esc_inter) {
		if (s->esc_ninter > 1)
			s->unsure = 1;
		else if (s->esc_inter == '(')
			s->cs.g0 = final != 'B';
		else if (s->esc_inter == ')')
			s->cs.g1 = final != 'B';
		/* G2/G3 only matter through the shifts below; ESC # n, ESC SP F,
		 * ESC % G set nothing the path depends on */
		return;
	}
	switch (final) {
	case 'c':   /* RIS: everything back to the defaults */
		term_scan_reset(s);
		break;
	case '7':
		s->saved = s->cs;
		break;
	case '8':
		restore(s);
		break;
	case 'N': case 'O': case 'n': case 'o': case '|': case '}': case '~':
		s->unsure = 1;   /* shifts to G2/G3 */
		break;
	default:
		break;
	}
}

/* Follows bytes that go to libvterm. */
void term_scan_bytes(term_scan *s, int rows, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == 0x18 || c == 0x1a) {   /* CAN, SUB abort a sequence */
			s->st = SC_GROUND;
			continue;
		}
		switch (s->st) {
		case SC_GROUND:
			if (c == 0x1b)
				s->st = SC_ESC;
			else if (c == 0x0e)
				s->cs.shift = 1;
			else if (c == 0x0f)
				s->cs.shift = 0;
			break;
		case SC_ESC:
			s->esc_inter = 0;
			s->esc_ninter = 0;
			if (c == '[') {
				s->st = SC_CSI;
				s->csi_priv = s->csi_inter = 0;
				s->nargs = 0;
				s->have_arg = 0;
				memset(s->args, 0, sizeof s->args);
			} else if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X') {
				s->st = SC_STR;
			} else if (c >= 0x20 && c <= 0x2f) {
				s->esc_inter = c;
				s->esc_ninter = 1;
				s->st = SC_ESC_INT;
			} else if (c == 0x1b) {
				s->st = SC_ESC;
			} else if (c >= 0x30 && c <= 0x7e) {
				esc_done(s, c);
				s->st = SC_GROUND;
			}   /* other C0 inside ESC: executed, the ESC goes on */
			break;
		case SC_ESC_INT:
			if (c >= 0x20 && c <= 0x2f) {
				s->esc_ninter++;
			} else if (c >= 0x30 && c <= 0x7e) {
				esc_done(s, c);
				s->st = SC_GROUND;
			} else if (c == 0x1b) {
				s->st = SC_ESC;
			}
			break;
		case SC_CSI:
			if (c >= '0' && c <= '9') {
				int k = s->nargs < TERM_SCAN_ARGS ? s->nargs : TERM_SCAN_ARGS - 1;
				if (!s->have_arg)
					s->args[k] = 0;
				if (s->args[k] < 100000)
					s->args[k] = s->args[k] * 10 + (c - '0');
				s->have_arg = 1;
			} else if (c == ';' || c == ':') {
				if (!s->have_arg && s->nargs < TERM_SCAN_ARGS)
					s->args[s->nargs] = -1;   /* missing */
				s->nargs++;
				s->have_arg = 0;
			} else if (c >= 0x3c && c <= 0x3f) {
				s->csi_priv = c;
			} else if (c >= 0x20 && c <= 0x2f) {
				s->csi_inter = c;
			} else if (c >= 0x40 && c <= 0x7e) {
				if (s->have_arg)
					s->nargs++;
				else if (s->nargs && s->nargs < TERM_SCAN_ARGS)
					s->args[s->nargs++] = -1;   /* "5;" ends with a missing one */
				csi_done(s, rows, c);
				s->st = SC_GROUND;
			} else if (c == 0x1b) {
				s->st = SC_ESC;
			}
			break;
		case SC_STR:
			if (c == 0x1b)
				s->st = SC_STR_ESC;
			else if (c == 0x07)
				s->st = SC_GROUND;
			break;
		case SC_STR_ESC:
			s->st = c == '\\' ? SC_GROUND : c == 0x1b ? SC_STR_ESC : SC_STR;
			break;
		}
	}
}

/* Complete plain lines at p, none wider than cols: how many, and their bytes. */
static size_t count_lines(const unsigned char *p, size_t n, int cols, size_t *bytes)
{
	size_t lines = 0, i = 0, start = 0;
	*bytes = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c >= 0x20 && c <= 0x7e && (long)(i - start) < cols) {
			i++;
		} else if (c == '\r' && i + 1 < n && p[i + 1] == '\n') {
			i += 2;
			lines++;
			start = *bytes = i;
		} else {
			break;
		}
	}
	return lines;
}

/* The cursor must be on the bottom row (any column): then every line
 * after the first is written into a row that scrolling has just blanked,
 * which is what the rows put into the scrollback directly assume. */
static int path_open(term_screen *t)
{
	const term_scan *s = &t->scan;
	int special = s->cs.shift ? s->cs.g1 : s->cs.g0;
	return s->st == SC_GROUND && !s->region && !s->lrmm && !special && !s->unsure && !t->altscreen &&
	       t->cursor.row == t->rows - 1;
}

static void feed_vterm(term_screen *t, const unsigned char *p, size_t n)
{
	term_scan_bytes(&t->scan, t->rows, p, n);
	vterm_input_write(t->vt, (const char *)p, n);
}

/* One line's cells: its bytes in the text pen, then the blank of the row
 * (left out when the scrollback would trim it anyway). */
static void push_line(term_screen *t, VTermScreenCell *row, const VTermScreenCell *text,
		      const VTermScreenCell *blank, int blank_trims, const unsigned char *p, size_t len)
{
	int cols = blank_trims ? (int)len : t->cols;
	for (int c = 0; c < cols; c++) {
		if ((size_t)c < len) {
			row[c] = *text;
			row[c].chars[0] = p[c];
		} else {
			row[c] = *blank;
		}
	}
	term_sb_push(t, cols, row);
}

/* The run of `lines` plain lines in p[0..n): see the top of the file. */
static void bulk(term_screen *t, const unsigned char *p, size_t n, size_t lines)
{
	int rows = t->rows;
	/* line starts */
	size_t *at = xmalloc((lines + 1) * sizeof *at);
	size_t k = 0;
	at[k++] = 0;
	for (size_t i = 0; i < n && k <= lines; i++)
		if (p[i] == '\n')
			at[k++] = i + 1;
	/* 1. the first `rows` lines the usual way */
	feed_vterm(t, p, at[rows]);
	/* the pens: a written cell of the newest lines, and the fresh bottom row */
	VTermScreenCell text, blank;
	int have_text = 0;
	for (int r = rows - 2; r >= 0 && !have_text; r--) {
		vterm_screen_get_cell(t->vts, (VTermPos){ .row = r, .col = 0 }, &text);
		have_text = text.chars[0] != 0;
	}
	vterm_screen_get_cell(t->vts, (VTermPos){ .row = rows - 1, .col = 0 }, &blank);
	size_t m = lines - (size_t)(rows - 1);   /* lines 2..m (1-based) scroll off */
	int need_text = 0;
	for (size_t i = 1; i < m && !need_text; i++)
		need_text = at[i + 1] - at[i] > 2;
	if (need_text && !have_text) {
		/* only empty lines so far: no sample of the pen; the usual way */
		feed_vterm(t, p + at[rows], n - at[rows]);
		free(at);
		return;
	}
	/* 2. lines 2..m straight into the scrollback */
	VTermScreenCell *row = xmalloc((size_t)t->cols * sizeof *row);
	int blank_trims = term_cell_blank(&blank);
	for (size_t i = 1; i < m; i++)
		push_line(t, row, &text, &blank, blank_trims, p + at[i], at[i + 1] - at[i] - 2);
	free(row);
	/* 3. a cleared screen gets the last rows-1 lines from the top */
	vterm_input_write(t->vt, "\x1b[H\x1b[2J", 7);
	vterm_input_write(t->vt, (const char *)p + at[m], n - at[m]);
	t->bulk_lines += m - 1;
	t->dirty = 1;
	free(at);
}

void term_screen_feed(term_screen *t, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t pos = 0;
	while (pos < len) {
		size_t bytes = 0, lines = 0;
		if (path_open(t))
			lines = count_lines(p + pos, len - pos, t->cols, &bytes);
		if (lines >= (size_t)(2 * t->rows)) {
			bulk(t, p + pos, bytes, lines);
			pos += bytes;
			continue;
		}
		/* the usual way up to the next line end, where a run may begin */
		const unsigned char *nl = memchr(p + pos + (lines ? bytes : 0), '\n', len - pos - (lines ? bytes : 0));
		size_t next = nl ? (size_t)(nl - p) + 1 : len;
		feed_vterm(t, p + pos, next - pos);
		pos = next;
	}
	vterm_screen_flush_damage(t->vts);
}
