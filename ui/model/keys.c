/* keys: parse and format key names; see keys.h.  curses-free. */
#include "keys.h"
#include "utf8.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	uint32_t code;
} names[] = {
	/* Canonical names first: key_format uses the first match. */
	{ "Enter", UK_ENTER }, { "Tab", UK_TAB }, { "BSpace", UK_BSPACE },
	{ "Escape", UK_ESCAPE }, { "Space", ' ' }, { "Up", UK_UP }, { "Down", UK_DOWN },
	{ "Left", UK_LEFT }, { "Right", UK_RIGHT }, { "Home", UK_HOME }, { "End", UK_END },
	{ "PgUp", UK_PGUP }, { "PgDn", UK_PGDN }, { "Insert", UK_INSERT }, { "Delete", UK_DELETE },
	{ "Return", UK_ENTER }, { "Esc", UK_ESCAPE }, { "Backspace", UK_BSPACE },
	{ "PageUp", UK_PGUP }, { "PPage", UK_PGUP }, { "PageDown", UK_PGDN }, { "NPage", UK_PGDN },
	{ "IC", UK_INSERT }, { "DC", UK_DELETE }, { "Del", UK_DELETE },
};

static const struct {
	const char *prefix;
	unsigned mod;
} prefixes[] = {
	{ "C-", KEY_CTRL }, { "M-", KEY_ALT }, { "S-", KEY_SHIFT },
	{ "Ctrl-", KEY_CTRL }, { "Alt-", KEY_ALT }, { "Meta-", KEY_ALT }, { "Shift-", KEY_SHIFT },
};

ui_key key_normalize(ui_key k)
{
	if (k.code < UK_BASE && k.code != ' ') {
		if ((k.mods & KEY_SHIFT) && k.code >= 'a' && k.code <= 'z')
			k.code -= 32;
		k.mods &= ~(unsigned)KEY_SHIFT;
		if ((k.mods & KEY_CTRL) && k.code >= 'A' && k.code <= 'Z')
			k.code += 32;
	}
	return k;
}

int key_equal(ui_key a, ui_key b)
{
	a = key_normalize(a);
	b = key_normalize(b);
	return a.code == b.code && a.mods == b.mods;
}

int key_parse(const char *name, ui_key *k, sbx_err *e)
{
	const char *s = name;
	unsigned mods = 0;
	for (;;) {
		size_t i = 0, n = sizeof prefixes / sizeof *prefixes;
		for (; i < n; i++) {
			size_t pl = strlen(prefixes[i].prefix);
			/* "C--" is Ctrl+minus: a prefix needs something after it. */
			if (strncasecmp(s, prefixes[i].prefix, pl) == 0 && s[pl])
				break;
		}
		if (i == n)
			break;
		mods |= prefixes[i].mod;
		s += strlen(prefixes[i].prefix);
	}
	if (!*s)
		return sbx_error(e, "empty key name '%s'", name);
	uint32_t code;
	size_t len = strlen(s);
	if (utf8_decode(s, len, &code) == len && code >= 0x20 && code != 0x7f && code != UTF8_REPLACEMENT) {
		k->code = code;
	} else if (s[0] == 'F' && s[1] >= '1' && s[1] <= '9' && len <= 3) {
		int f = 0;
		for (const char *p = s + 1; *p; p++) {
			if (*p < '0' || *p > '9')
				return sbx_error(e, "unknown key '%s'", name);
			f = f * 10 + (*p - '0');
		}
		if (f < 1 || f > 24)
			return sbx_error(e, "unknown key '%s' (function keys are F1..F24)", name);
		k->code = UK_F1 + (uint32_t)(f - 1);
	} else {
		size_t i = 0, n = sizeof names / sizeof *names;
		while (i < n && strcasecmp(s, names[i].name) != 0)
			i++;
		if (i == n)
			return sbx_error(e, "unknown key '%s'", name);
		k->code = names[i].code;
	}
	k->mods = mods;
	*k = key_normalize(*k);
	return 0;
}

char *key_format(ui_key k, char *out, size_t n)
{
	k = key_normalize(k);
	char base[16];
	if (k.code >= UK_F1 && k.code <= UK_LAST) {
		snprintf(base, sizeof base, "F%u", (unsigned)(k.code - UK_F1 + 1));
	} else if (k.code >= UK_BASE || k.code == ' ') {
		size_t i = 0, nn = sizeof names / sizeof *names;
		while (i < nn && names[i].code != k.code)
			i++;
		snprintf(base, sizeof base, "%s", i < nn ? names[i].name : "?");
	} else {
		base[utf8_encode(k.code, base)] = '\0';
	}
	snprintf(out, n, "%s%s%s%s", k.mods & KEY_CTRL ? "C-" : "", k.mods & KEY_ALT ? "M-" : "",
		 k.mods & KEY_SHIFT ? "S-" : "", base);
	return out;
}
