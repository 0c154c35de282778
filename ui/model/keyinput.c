/* keyinput: terminal input → ui_key where curses stops (keyinput.h). */
#include "keyinput.h"

ui_key keyin_char(uint32_t c)
{
	if (c == '\r' || c == '\n')
		return (ui_key){ UK_ENTER, 0 };
	if (c == '\t')
		return (ui_key){ UK_TAB, 0 };
	if (c == 127 || c == 8)
		return (ui_key){ UK_BSPACE, 0 };
	if (c == 27)
		return (ui_key){ UK_ESCAPE, 0 };
	if (c == 0)
		return (ui_key){ ' ', KEY_CTRL };
	if (c < 27)
		return (ui_key){ 'a' + c - 1, KEY_CTRL };
	if (c < 32)
		return (ui_key){ (uint32_t)"\\]^_"[c - 28], KEY_CTRL };
	return (ui_key){ c, 0 };
}

unsigned keyin_mods(int param)
{
	if (param < 2)
		return 0;
	int m = param - 1;
	return (m & 1 ? KEY_SHIFT : 0) | (m & 2 ? KEY_ALT : 0) | (m & 4 ? KEY_CTRL : 0);
}

int keyin_csi(const uint32_t *p, size_t n, ui_key *k)
{
	int v[4] = { 0 }, nv = 0;
	size_t i = 0;
	for (; i < n && nv < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9') {
			if (v[nv] < 0x200000)
				v[nv] = v[nv] * 10 + (int)(p[i] - '0');
		} else if (p[i] == ';') {
			nv++;
		} else {
			break;
		}
	}
	if (i >= n || nv >= 4)
		return 0;
	nv++;
	uint32_t code;
	int mods;
	if (p[i] == '~' && nv == 3 && v[0] == 27)
		code = (uint32_t)v[2], mods = v[1];
	else if (p[i] == 'u' && nv <= 2)
		code = (uint32_t)v[0], mods = nv == 2 ? v[1] : 1;
	else
		return 0;
	if (code > 0x10ffff)
		return 0;
	ui_key r = keyin_char(code);
	r.mods |= keyin_mods(mods);
	*k = key_normalize(r);
	return 1;
}
