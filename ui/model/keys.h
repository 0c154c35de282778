/*
 * keys: key values and their names, the vocabulary of the key table.
 *
 * A key is a code — a Unicode code point for characters, UK_* for named
 * keys — plus modifiers.  Names are tmux/emacs style: "a", "A", "?",
 * "C-x", "M-Enter", "S-Tab", "C-M-Left", "F5", "Space", "C-Space";
 * long prefixes "Ctrl-", "Alt-", "Meta-", "Shift-" are accepted too.
 * Named keys: Enter, Tab, BSpace, Escape, Space, Up, Down, Left, Right,
 * Home, End, PgUp, PgDn, Insert, Delete, F1..F24 (aliases: Return, Esc,
 * Backspace, PageUp, PPage, PageDown, NPage, IC, DC, Del).
 * Normal form (what key_parse returns and lookups compare): a character
 * never carries S- ("S-a" is "A"), and C- with a letter is lower case
 * (terminals cannot tell C-a from C-A).  Space is stored as ' '.
 */
#ifndef SBX_UI_KEYS_H
#define SBX_UI_KEYS_H
#include <stddef.h>
#include <stdint.h>
#include "../../src/util/err.h"

enum { KEY_CTRL = 1, KEY_ALT = 2, KEY_SHIFT = 4 };

enum {
	UK_BASE = 0x110000, /* above every code point */
	UK_ENTER = UK_BASE, UK_TAB, UK_BSPACE, UK_ESCAPE,
	UK_UP, UK_DOWN, UK_LEFT, UK_RIGHT, UK_HOME, UK_END,
	UK_PGUP, UK_PGDN, UK_INSERT, UK_DELETE,
	UK_F1, /* F1..F24 are UK_F1 + 0..23 */
	UK_LAST = UK_F1 + 23,
};

typedef struct ui_key {
	uint32_t code;
	unsigned mods;
} ui_key;

/* Parses one key name into normal form. */
int key_parse(const char *name, ui_key *k, sbx_err *e);
/* Canonical name ("C-M-Enter", "F5", "a", "Space"); returns out. */
char *key_format(ui_key k, char *out, size_t n);
ui_key key_normalize(ui_key k);
int key_equal(ui_key a, ui_key b);

#endif
