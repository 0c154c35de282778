/* colour: xterm palette and nearest-match reduction; see colour.h. */
#include "colour.h"
#include <limits.h>

static const ui_rgb ansi16[16] = {
	{ 0x00, 0x00, 0x00 }, { 0xcd, 0x00, 0x00 }, { 0x00, 0xcd, 0x00 }, { 0xcd, 0xcd, 0x00 },
	{ 0x00, 0x00, 0xee }, { 0xcd, 0x00, 0xcd }, { 0x00, 0xcd, 0xcd }, { 0xe5, 0xe5, 0xe5 },
	{ 0x7f, 0x7f, 0x7f }, { 0xff, 0x00, 0x00 }, { 0x00, 0xff, 0x00 }, { 0xff, 0xff, 0x00 },
	{ 0x5c, 0x5c, 0xff }, { 0xff, 0x00, 0xff }, { 0x00, 0xff, 0xff }, { 0xff, 0xff, 0xff },
};
static const uint8_t cube[6] = { 0, 95, 135, 175, 215, 255 };

int colour_bucket(int colors)
{
	if (colors >= 256)
		return 256;
	if (colors >= 16)
		return 16;
	if (colors >= 8)
		return 8;
	return 0;
}

ui_rgb colour_index_rgb(int idx)
{
	if (idx < 0 || idx > 255)
		return (ui_rgb){ 0, 0, 0 };
	if (idx < 16)
		return ansi16[idx];
	if (idx < 232) {
		int i = idx - 16;
		return (ui_rgb){ cube[i / 36], cube[i / 6 % 6], cube[i % 6] };
	}
	uint8_t v = (uint8_t)(8 + 10 * (idx - 232));
	return (ui_rgb){ v, v, v };
}

int colour_dist(ui_rgb a, ui_rgb b)
{
	int dr = a.r - b.r, dg = a.g - b.g, db = a.b - b.b;
	return dr * dr + dg * dg + db * db;
}

static int cube_level(int v)
{
	return v < 48 ? 0 : v < 114 ? 1 : (v - 35) / 40;
}

int colour_rgb_to_256(ui_rgb c)
{
	int qr = cube_level(c.r), qg = cube_level(c.g), qb = cube_level(c.b);
	ui_rgb cc = { cube[qr], cube[qg], cube[qb] };
	int cidx = 16 + 36 * qr + 6 * qg + qb;
	if (cc.r == c.r && cc.g == c.g && cc.b == c.b)
		return cidx;
	int avg = (c.r + c.g + c.b) / 3;
	int gi = avg > 238 ? 23 : avg < 3 ? 0 : (avg - 3) / 10;
	uint8_t gv = (uint8_t)(8 + 10 * gi);
	ui_rgb grey = { gv, gv, gv };
	return colour_dist(grey, c) < colour_dist(cc, c) ? 232 + gi : cidx;
}

static int nearest_in(ui_rgb c, int n)
{
	int best = 0, bd = INT_MAX;
	for (int i = 0; i < n; i++) {
		int d = colour_dist(ansi16[i], c);
		if (d < bd)
			bd = d, best = i;
	}
	return best;
}

int colour_nearest(ui_rgb c, int colors)
{
	switch (colour_bucket(colors)) {
	case 256: return colour_rgb_to_256(c);
	case 16: return nearest_in(c, 16);
	case 8: return nearest_in(c, 8);
	default: return -1;
	}
}

int colour_reduce(int idx, int colors)
{
	int n = colour_bucket(colors);
	if (idx < 0 || n == 0)
		return -1;
	if (idx < n)
		return idx;
	/* Bright ANSI colours on an 8-colour terminal: their normal twins,
	 * which is what every terminal without bright colours shows. */
	if (idx < 16 && n == 8)
		return idx - 8;
	return colour_nearest(colour_index_rgb(idx), colors);
}
