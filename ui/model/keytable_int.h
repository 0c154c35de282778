/* keytable internals: the default binding list (keytable_defaults.c) and
 * the table itself (keytable.c, keytable_help.c). */
#ifndef SBX_UI_KEYTABLE_INT_H
#define SBX_UI_KEYTABLE_INT_H
#include "keytable.h"

typedef struct kt_default {
	keymode mode;
	const char *keys;   /* key names separated by one space */
	ui_action action;
} kt_default;

extern const kt_default kt_defaults[];
extern const size_t kt_ndefaults;

typedef struct kt_binding {
	keymode mode;
	size_t n;
	ui_key seq[KT_MAX_SEQ];
	ui_action action;
} kt_binding;

struct keytable {
	kt_binding *b;
	size_t n, cap;
};

/* Parses "d d" / "C-x C-s" into seq; returns the key count or -1. */
int kt_parse_seq(const char *text, ui_key *seq, sbx_err *e);

#endif
