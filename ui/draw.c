/* draw: model cells into curses windows (see draw.h). */
#include "draw.h"
#include "model/utf8.h"
#include <stdio.h>
#include <string.h>
#include <wchar.h>

void draw_attr(ui_attr a, attr_t *at, int *pair)
{
	attr_t r = A_NORMAL;
	if (a.flags & UI_BOLD)
		r |= A_BOLD;
	if (a.flags & UI_UNDERLINE)
		r |= A_UNDERLINE;
	if (a.flags & UI_ITALIC)
		r |= A_ITALIC;
	if (a.flags & UI_REVERSE)
		r |= A_REVERSE;
	if (a.flags & UI_BLINK)
		r |= A_BLINK;
	if (a.flags & UI_DIM)
		r |= A_DIM;
	*at = r;
	*pair = 0;
	if (has_colors() && (a.fg >= 0 || a.bg >= 0)) {
		int fg = a.fg < COLORS ? a.fg : -1, bg = a.bg < COLORS ? a.bg : -1;
		int p = alloc_pair(fg, bg);
		if (p > 0)
			*pair = p;
	}
}

static void put_cp(WINDOW *w, int y, int x, uint32_t cp, ui_attr a)
{
	uint32_t chars[2] = { cp, 0 };
	draw_cell(w, y, x, chars, a);
}

void draw_cell(WINDOW *w, int y, int x, const uint32_t *chars, ui_attr a)
{
	int maxy, maxx;
	getmaxyx(w, maxy, maxx);
	if (y < 0 || x < 0 || y >= maxy || x >= maxx)
		return;
	wchar_t wc[8];
	int n = 0;
	for (; n < 6 && chars[n]; n++)
		wc[n] = (wchar_t)chars[n];
	if (n == 0)
		wc[n++] = L' ';
	if (wc[0] < 0x20 || wc[0] == 0x7f || (wc[0] >= 0x80 && wc[0] < 0xa0))
		wc[0] = L'?';
	/* a wide character that does not fit shows as a blank */
	if (wcwidth(wc[0]) == 2 && x + 1 >= maxx)
		wc[0] = L' ', n = 1;
	wc[n] = 0;
	attr_t at;
	int pair;
	draw_attr(a, &at, &pair);
	cchar_t cc;
	if (setcchar(&cc, wc, at, 0, &pair) != OK) {
		wchar_t q[2] = { L'?', 0 };
		setcchar(&cc, q, at, 0, &pair);
	}
	mvwadd_wch(w, y, x, &cc);
}

int draw_textn(WINDOW *w, int y, int x, int maxw, const char *s, size_t len, ui_attr a)
{
	int maxy, maxx;
	getmaxyx(w, maxy, maxx);
	if (y < 0 || y >= maxy || x >= maxx)
		return 0;
	int limit = maxx - x;
	if (maxw >= 0 && maxw < limit)
		limit = maxw;
	int used = 0;
	size_t i = 0;
	while (i < len && used < limit) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		i += n;
		if (cp == '\t')
			cp = ' ';
		int cw = utf8_cp_width(cp);
		if (cp < 0x20 || cp == 0x7f)
			cp = '?', cw = 1;
		if (cw == 0) {
			continue;  /* combining marks: dropped rather than misplaced */
		}
		if (used + cw > limit)
			break;
		if (x + used >= 0)
			put_cp(w, y, x + used, cp, a);
		used += cw;
	}
	return used;
}

int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, ui_attr a)
{
	return draw_textn(w, y, x, maxw, s, strlen(s), a);
}

void draw_text_pad(WINDOW *w, int y, int x, int width, const char *s, ui_attr a)
{
	int used = draw_text(w, y, x, width, s, a);
	for (int i = used; i < width; i++)
		put_cp(w, y, x + i, ' ', a);
}

void draw_fill(WINDOW *w, int y, int x, int width, int height, ui_attr a)
{
	for (int r = 0; r < height; r++)
		for (int c = 0; c < width; c++)
			put_cp(w, y + r, x + c, ' ', a);
}

void draw_box(WINDOW *w, int y, int x, int width, int height, ui_attr a, const char *title, ui_attr ta)
{
	if (width < 2 || height < 2)
		return;
	put_cp(w, y, x, 0x250c, a);
	put_cp(w, y, x + width - 1, 0x2510, a);
	put_cp(w, y + height - 1, x, 0x2514, a);
	put_cp(w, y + height - 1, x + width - 1, 0x2518, a);
	for (int c = 1; c < width - 1; c++) {
		put_cp(w, y, x + c, 0x2500, a);
		put_cp(w, y + height - 1, x + c, 0x2500, a);
	}
	for (int r = 1; r < height - 1; r++) {
		put_cp(w, y + r, x, 0x2502, a);
		put_cp(w, y + r, x + width - 1, 0x2502, a);
	}
	if (title && *title && width > 4) {
		put_cp(w, y, x + 1, ' ', ta);
		int used = draw_text(w, y, x + 2, width - 5, title, ta);
		put_cp(w, y, x + 2 + used, ' ', ta);
	}
}

void draw_progress(WINDOW *w, int y, int x, int width, double frac, unsigned tick, ui_attr done, ui_attr rest)
{
	if (width <= 0)
		return;
	if (frac < 0) {
		int blk = width / 4 ? width / 4 : 1, at = (int)(tick % (unsigned)width);
		for (int i = 0; i < width; i++) {
			int on = (i - at + width) % width < blk;
			put_cp(w, y, x + i, on ? 0x2588 : 0x2591, on ? done : rest);
		}
		return;
	}
	if (frac > 1)
		frac = 1;
	int n = (int)(frac * width + 0.5);
	for (int i = 0; i < width; i++)
		put_cp(w, y, x + i, i < n ? 0x2588 : 0x2591, i < n ? done : rest);
}

void fmt_size(int64_t bytes, char *out, size_t n)
{
	static const char units[] = "BKMGTP";
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 5)
		v /= 1024, u++;
	if (u == 0)
		snprintf(out, n, "%lld", (long long)bytes);
	else if (v < 10)
		snprintf(out, n, "%.1f%c", v, units[u]);
	else
		snprintf(out, n, "%.0f%c", v, units[u]);
}

void fmt_duration(int64_t s, char *out, size_t n)
{
	const char *sign = s < 0 ? "-" : "";
	if (s < 0)
		s = -s;
	if (s < 60)
		snprintf(out, n, "%s%llds", sign, (long long)s);
	else if (s < 3600)
		snprintf(out, n, "%s%lldm%02llds", sign, (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(out, n, "%s%lldh%02lldm", sign, (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(out, n, "%s%lldd%02lldh", sign, (long long)(s / 86400), (long long)(s % 86400 / 3600));
}
