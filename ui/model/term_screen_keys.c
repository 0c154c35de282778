/* term_screen_keys: keys, pastes and mouse events → bytes for the program
 * (queued through libvterm's output callback); see term_screen.h. */
#include <string.h>
#include "term_screen_int.h"

static VTermModifier vmod(unsigned mods)
{
	return (VTermModifier)(((mods & KEY_SHIFT) ? VTERM_MOD_SHIFT : 0) | ((mods & KEY_ALT) ? VTERM_MOD_ALT : 0) |
			       ((mods & KEY_CTRL) ? VTERM_MOD_CTRL : 0));
}

/* The C0 byte a legacy terminal sends for Ctrl+c, or -1 when there is
 * none.  Letters are folded to lower case first: libvterm would read
 * Ctrl+'A' as Ctrl+Shift+a and send CSI u, which shells do not read. */
static int ctrl_byte(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	if (c >= 'a' && c <= 'z')
		return (int)(c - 'a' + 1);
	switch (c) {
	case '@': case ' ': case '2': return 0;
	case '[': case '3': return 0x1b;
	case '\\': case '4': return 0x1c;
	case ']': case '5': return 0x1d;
	case '^': case '6': return 0x1e;
	case '_': case '/': case '7': return 0x1f;
	case '?': case '8': return 0x7f;
	default: return -1;
	}
}

static VTermKey named_key(uint32_t code, unsigned *mods)
{
	switch (code) {
	case UK_ENTER: return VTERM_KEY_ENTER;
	case UK_TAB: return VTERM_KEY_TAB;
	case UK_BSPACE: return VTERM_KEY_BACKSPACE;
	case UK_ESCAPE: return VTERM_KEY_ESCAPE;
	case UK_UP: return VTERM_KEY_UP;
	case UK_DOWN: return VTERM_KEY_DOWN;
	case UK_LEFT: return VTERM_KEY_LEFT;
	case UK_RIGHT: return VTERM_KEY_RIGHT;
	case UK_HOME: return VTERM_KEY_HOME;
	case UK_END: return VTERM_KEY_END;
	case UK_PGUP: return VTERM_KEY_PAGEUP;
	case UK_PGDN: return VTERM_KEY_PAGEDOWN;
	case UK_INSERT: return VTERM_KEY_INS;
	case UK_DELETE: return VTERM_KEY_DEL;
	default:
		break;
	}
	if (code >= UK_F1 && code <= UK_LAST) {
		unsigned n = code - UK_F1 + 1;
		if (n > 12) {   /* xterm's F13..F24 are Shift+F1..F12 */
			n -= 12;
			*mods |= KEY_SHIFT;
		}
		return (VTermKey)VTERM_KEY_FUNCTION(n);
	}
	return VTERM_KEY_NONE;
}

int term_screen_key(term_screen *t, ui_key k)
{
	if (k.code < UK_BASE) {
		if (k.mods & KEY_CTRL) {
			int b = ctrl_byte(k.code);
			if (b < 0) {   /* no legacy byte: libvterm's CSI u form */
				vterm_keyboard_unichar(t->vt, k.code, vmod(k.mods));
				return 1;
			}
			if (k.mods & KEY_ALT)
				buf_putc(&t->out, 0x1b);
			buf_putc(&t->out, (char)b);
			return 1;
		}
		/* Alt is an ESC prefix; libvterm's own Alt form would print a
		 * code point above 127 with %c, breaking its UTF-8. */
		if (k.mods & KEY_ALT)
			buf_putc(&t->out, 0x1b);
		vterm_keyboard_unichar(t->vt, k.code, VTERM_MOD_NONE);
		return 1;
	}
	unsigned mods = k.mods;
	VTermKey key = named_key(k.code, &mods);
	if (key == VTERM_KEY_NONE)
		return 0;
	if (key == VTERM_KEY_BACKSPACE && (mods & KEY_CTRL)) {
		/* C-BSpace: ^H, what shells and editors take as "rub out" */
		if (mods & KEY_ALT)
			buf_putc(&t->out, 0x1b);
		buf_putc(&t->out, 0x08);
		return 1;
	}
	vterm_keyboard_key(t->vt, key, vmod(mods));
	return 1;
}

void term_screen_paste(term_screen *t, const char *s, size_t len)
{
	static const char end_marker[] = "\x1b[201~";
	const size_t end_len = sizeof end_marker - 1;
	vterm_keyboard_start_paste(t->vt);   /* emits ESC[200~ only when mode 2004 is on */
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;   /* CRLF → one CR */
		if (s[i] == '\x1b' && len - i >= end_len && memcmp(s + i, end_marker, end_len) == 0) {
			i += end_len - 1;
			continue;
		}
		buf_putc(&t->out, s[i] == '\n' ? '\r' : s[i]);
	}
	vterm_keyboard_end_paste(t->vt);
}

int term_screen_mouse(term_screen *t, int row, int col, int button, int pressed, unsigned mods)
{
	if (t->mouse == TERM_MOUSE_NONE)
		return 0;
	row = row < 0 ? 0 : row >= t->rows ? t->rows - 1 : row;
	col = col < 0 ? 0 : col >= t->cols ? t->cols - 1 : col;
	VTermModifier m = vmod(mods);
	vterm_mouse_move(t->vt, row, col, m);
	if (button)
		vterm_mouse_button(t->vt, button, pressed != 0, m);
	return 1;
}
