/*
 * app_input: the user's terminal → ui_key and mouse events → dialogs,
 * the key table and panes.  curses decodes what terminfo names; the rest
 * is done here: Alt as ESC-prefix, modified cursor keys (kLFT5...),
 * modifyOtherKeys / CSI u chords (C-Enter, S-Enter), bracketed paste.
 * A bare Escape is an ESC with nothing after it once curses' short
 * escdelay has passed.
 */
#include "app_priv.h"
#include "../src/util/timeutil.h"
#include "../src/util/xalloc.h"
#include "model/keyinput.h"
#include "model/utf8.h"
#include <string.h>

#define KEYCODE_PASTE_BEGIN 0x3100
#define KEYCODE_PASTE_END 0x3101
#define DOUBLE_CLICK_MS 400

/* Modified keys terminfo names with a numeric suffix (xterm's 2..8). */
static const struct { const char *cap; uint32_t code; } modkeys[] = {
	{ "kUP", UK_UP }, { "kDN", UK_DOWN }, { "kLFT", UK_LEFT }, { "kRIT", UK_RIGHT },
	{ "kHOM", UK_HOME }, { "kEND", UK_END }, { "kPRV", UK_PGUP }, { "kNXT", UK_PGDN },
	{ "kDC", UK_DELETE }, { "kIC", UK_INSERT },
};

/* The curses key codes of the modified keys (terminfo is fixed for the run). */
static void build_modmap(app *a)
{
	for (size_t i = 0; i < sizeof modkeys / sizeof *modkeys; i++)
		for (int m = 2; m <= 8; m++) {
			char name[16];
			snprintf(name, sizeof name, "%s%d", modkeys[i].cap, m);
			char *s = tigetstr(name);
			if (!s || s == (char *)-1)
				continue;
			int code = key_defined(s);
			if (code <= 0 || a->nmodmap == sizeof a->modmap / sizeof *a->modmap)
				continue;
			a->modmap[a->nmodmap].code = code;
			a->modmap[a->nmodmap].key = (ui_key){ modkeys[i].code, keyin_mods(m) };
			a->nmodmap++;
		}
}

void app_input_init(app *a)
{
	build_modmap(a);
	define_key("\033[200~", KEYCODE_PASTE_BEGIN);
	define_key("\033[201~", KEYCODE_PASTE_END);
	if (!a->o.no_mouse) {
		mousemask(ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION, NULL);
		mouseinterval(0);
	}
	/* bracketed paste on; modifyOtherKeys 1 so C-Enter/S-Enter arrive */
	const char *on = "\033[?2004h\033[>4;1m";
	app_tty_write(a, on, strlen(on));
}

static int fkey(int code, ui_key *k)
{
	for (int i = 1; i <= 48; i++)
		if (code == KEY_F(i)) {
			int base = (i - 1) % 12, group = (i - 1) / 12;
			/* xterm's terminfo: F13-F24 are S-F1.., F25-F36 C-F1.., F37- C-S-F1.. */
			static const unsigned gm[] = { 0, KEY_SHIFT, KEY_CTRL, KEY_CTRL | KEY_SHIFT };
			*k = (ui_key){ UK_F1 + (uint32_t)base, gm[group] };
			return 1;
		}
	return 0;
}

/* A curses function-key code → ui_key; 0 when it means nothing. */
static int decode_code(app *a, int code, ui_key *k)
{
	static const struct { int c; uint32_t code; unsigned mods; } t[] = {
		{ KEY_UP, UK_UP, 0 }, { KEY_DOWN, UK_DOWN, 0 }, { KEY_LEFT, UK_LEFT, 0 },
		{ KEY_RIGHT, UK_RIGHT, 0 }, { KEY_HOME, UK_HOME, 0 }, { KEY_END, UK_END, 0 },
		{ KEY_PPAGE, UK_PGUP, 0 }, { KEY_NPAGE, UK_PGDN, 0 }, { KEY_IC, UK_INSERT, 0 },
		{ KEY_DC, UK_DELETE, 0 }, { KEY_BACKSPACE, UK_BSPACE, 0 }, { KEY_ENTER, UK_ENTER, 0 },
		{ KEY_BTAB, UK_TAB, KEY_SHIFT }, { KEY_SLEFT, UK_LEFT, KEY_SHIFT },
		{ KEY_SRIGHT, UK_RIGHT, KEY_SHIFT }, { KEY_SR, UK_UP, KEY_SHIFT }, { KEY_SF, UK_DOWN, KEY_SHIFT },
		{ KEY_SHOME, UK_HOME, KEY_SHIFT }, { KEY_SEND, UK_END, KEY_SHIFT }, { KEY_SDC, UK_DELETE, KEY_SHIFT },
		{ KEY_SNEXT, UK_PGDN, KEY_SHIFT }, { KEY_SPREVIOUS, UK_PGUP, KEY_SHIFT },
		{ KEY_A1, UK_HOME, 0 }, { KEY_C1, UK_END, 0 }, { KEY_A3, UK_PGUP, 0 }, { KEY_C3, UK_PGDN, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (t[i].c == code) {
			*k = (ui_key){ t[i].code, t[i].mods };
			return 1;
		}
	if (fkey(code, k))
		return 1;
	for (size_t i = 0; i < a->nmodmap; i++)
		if (a->modmap[i].code == code) {
			*k = a->modmap[i].key;
			return 1;
		}
	return 0;
}

static void deliver_key(app *a, ui_key k)
{
	k = key_normalize(k);
	if (a->msg[0] && !a->msg_error)
		a->msg[0] = '\0';
	if (a->ndlgs) {
		dialog_key(a, k);
		app_dirty(a);
		return;
	}
	pane *p = app_focused(a);
	keymode m = p ? p->ops->mode(p) : KM_GLOBAL;
	if (a->nseq == KT_MAX_SEQ)
		a->nseq = 0;
	a->seq[a->nseq++] = k;
	ui_action act;
	kt_match r = keytable_lookup(a->keys, m, a->seq, a->nseq, &act);
	if (r == KT_PREFIX) {
		app_dirty(a);
		return;
	}
	if (r == KT_NONE && a->nseq > 1) {
		/* a sequence that went nowhere: start again from this key */
		a->nseq = 0;
		deliver_key(a, k);
		return;
	}
	a->nseq = 0;
	if (r == KT_MATCH) {
		app_run_action(a, p, act);
		return;
	}
	if (p && p->ops->key && p->ops->key(p, k))
		app_dirty(a);
}

static void deliver_paste(app *a)
{
	if (a->ndlgs)
		dialog_paste(a, a->paste.data, a->paste.len);
	else {
		pane *p = app_focused(a);
		if (p && p->ops->paste)
			p->ops->paste(p, a->paste.data, a->paste.len);
		else
			app_info(a, "this pane takes no paste");
	}
	buf_reset(&a->paste);
	app_dirty(a);
}

/* --- mouse ----------------------------------------------------------------- */

static void mouse_tabbar(app *a, int x)
{
	for (size_t i = 0; i < a->ntabs; i++)
		if (x >= a->tabs[i].x0 && x < a->tabs[i].x1)
			app_switch_tab(a, a->tabs[i].tab);
}

static void to_pane(app *a, pane *p, ui_mouse m)
{
	session *s = app_cur(a);
	layout_rect r;
	if (!p->ops->mouse || layout_pane_rect(s->layout, p->id, &r) != 1)
		return;
	m.x = m.screen_x - r.x;
	m.y = m.screen_y - (r.y + 1) - 1;   /* the tab bar, then the pane's title row */
	if (p->ops->mouse(p, &m))
		app_dirty(a);
}

static void deliver_mouse(app *a, const MEVENT *ev)
{
	ui_mouse m = { .screen_x = ev->x, .screen_y = ev->y };
	mmask_t b = ev->bstate;
	m.mods = (b & BUTTON_SHIFT ? KEY_SHIFT : 0) | (b & BUTTON_CTRL ? KEY_CTRL : 0) | (b & BUTTON_ALT ? KEY_ALT : 0);
	if (b & BUTTON1_PRESSED) m.button = MOUSE_LEFT, m.pressed = 1;
	else if (b & BUTTON1_RELEASED) m.button = MOUSE_LEFT;
	else if (b & BUTTON2_PRESSED) m.button = MOUSE_MIDDLE, m.pressed = 1;
	else if (b & BUTTON2_RELEASED) m.button = MOUSE_MIDDLE;
	else if (b & BUTTON3_PRESSED) m.button = MOUSE_RIGHT, m.pressed = 1;
	else if (b & BUTTON3_RELEASED) m.button = MOUSE_RIGHT;
	else if (b & BUTTON4_PRESSED) m.button = MOUSE_WHEEL_UP, m.pressed = 1;
#ifdef BUTTON5_PRESSED
	else if (b & BUTTON5_PRESSED) m.button = MOUSE_WHEEL_DOWN, m.pressed = 1;
#endif
	else if (b & REPORT_MOUSE_POSITION) m.motion = 1, m.button = a->drag_splitter || a->mouse_grab ? MOUSE_LEFT : 0;
	else
		return;
	if (m.pressed && m.button == MOUSE_LEFT) {
		int64_t t = now_ms();
		if (t - a->last_click_ms < DOUBLE_CLICK_MS && ev->x == a->last_click_x && ev->y == a->last_click_y)
			a->clicks++;
		else
			a->clicks = 1;
		a->last_click_ms = t, a->last_click_x = ev->x, a->last_click_y = ev->y;
		m.clicks = a->clicks;
	}
	if (a->ndlgs) {
		dialog_mouse(a, &m);
		app_dirty(a);
		return;
	}
	session *s = app_cur(a);
	if (m.motion) {
		if (a->drag_splitter && s->layout) {
			layout_drag(s->layout, a->drag_splitter, ev->x, ev->y - 1, NULL);
			a->epoch++;
			app_dirty(a);
		} else if (a->mouse_grab) {
			to_pane(a, a->mouse_grab, m);
		}
		return;
	}
	if (!m.pressed && m.button == MOUSE_LEFT) {
		pane *g = a->mouse_grab;
		a->drag_splitter = 0;
		a->mouse_grab = NULL;
		if (g)
			to_pane(a, g, m);
		return;
	}
	if (ev->y == 0) {
		if (m.pressed && m.button == MOUSE_LEFT)
			mouse_tabbar(a, ev->x);
		return;
	}
	if (ev->y >= a->rows - 1 || !s->layout)
		return;
	layout_hit h = layout_hit_test(s->layout, ev->x, ev->y - 1);
	if (h.kind == LAYOUT_HIT_SPLITTER && m.pressed && m.button == MOUSE_LEFT) {
		a->drag_splitter = h.id;
		return;
	}
	if (h.kind != LAYOUT_HIT_PANE)
		return;
	pane *p = session_pane(s, h.id);
	if (!p)
		return;
	if (m.pressed && m.button == MOUSE_LEFT && layout_focus(s->layout) != p->id) {
		layout_set_focus(s->layout, p->id, NULL);
		app_dirty(a);
	}
	layout_rect r;
	layout_pane_rect(s->layout, p->id, &r);
	if (ev->y - 1 == r.y) {
		/* the title row: a double click zooms */
		if (m.clicks == 2)
			app_run_action(a, p, A_PANE_ZOOM);
		return;
	}
	if (m.pressed && m.button == MOUSE_LEFT)
		a->mouse_grab = p;
	to_pane(a, p, m);
}

/* --- the stdin handler ----------------------------------------------------- */

typedef struct inkey {
	int is_code;           /* 2: a mouse event */
	uint32_t v;
	MEVENT ev;
} inkey;

void app_on_stdin(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)fd, (void)events;
	app *a = ud;
	inkey in[512];
	size_t n = 0;
	wint_t wc;
	int r;
	while (n < sizeof in / sizeof *in && (r = wget_wch(stdscr, &wc)) != ERR) {
		if (r == KEY_CODE_YES && wc == KEY_MOUSE) {
			MEVENT ev;
			if (getmouse(&ev) == OK)
				in[n++] = (inkey){ .is_code = 2, .ev = ev };
			continue;
		}
		if (r == KEY_CODE_YES && wc == KEY_RESIZE)
			continue;  /* our SIGWINCH pipe does resizes */
		in[n++] = (inkey){ .is_code = r == KEY_CODE_YES, .v = (uint32_t)wc };
	}
	for (size_t i = 0; i < n; i++) {
		inkey k = in[i];
		if (k.is_code == 2) {
			deliver_mouse(a, &k.ev);
			continue;
		}
		if (k.is_code && k.v == KEYCODE_PASTE_BEGIN) {
			a->in_paste = 1;
			buf_reset(&a->paste);
			continue;
		}
		if (k.is_code && k.v == KEYCODE_PASTE_END) {
			a->in_paste = 0;
			deliver_paste(a);
			continue;
		}
		if (a->in_paste) {
			if (!k.is_code) {
				char u[4];
				uint32_t c = k.v == '\r' ? '\n' : k.v;
				buf_append(&a->paste, u, utf8_encode(c, u));
			}
			continue;
		}
		ui_key key;
		if (k.is_code) {
			if (decode_code(a, (int)k.v, &key))
				deliver_key(a, key);
			continue;
		}
		if (k.v == 27 && i + 1 < n) {
			inkey nx = in[i + 1];
			if (nx.is_code == 2) {
				deliver_key(a, keyin_char(27));
				continue;
			}
			if (!nx.is_code && nx.v == '[' && i + 2 < n) {
				/* a CSI curses did not know: collect up to its final byte */
				uint32_t seq[32];
				size_t m = 0, j = i + 2;
				while (j < n && m < 32 && !in[j].is_code) {
					seq[m++] = in[j].v;
					if (in[j].v >= 0x40 && in[j].v <= 0x7e)
						break;
					j++;
				}
				if (keyin_csi(seq, m, &key)) {
					deliver_key(a, key);
					i = j;
					continue;
				}
				if (m && seq[m - 1] >= 0x40 && seq[m - 1] <= 0x7e && m > 1) {
					/* a whole sequence we have no key for (focus
					 * reports...): dropped, not typed */
					i = j;
					continue;
				}
			}
			if (nx.is_code) {
				if (decode_code(a, (int)nx.v, &key)) {
					key.mods |= KEY_ALT;
					deliver_key(a, key);
				}
			} else {
				key = keyin_char(nx.v);
				key.mods |= KEY_ALT;
				deliver_key(a, key);
			}
			i++;
			continue;
		}
		deliver_key(a, keyin_char(k.v));
	}
}
