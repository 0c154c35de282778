/*
 * keyinput: what the user's terminal sends → ui_key, for the parts curses
 * does not decode — C0 controls as C-x, xterm's modifier parameter
 * (1 + shift|alt<<1|ctrl<<2), and the CSI forms of modified keys
 * terminfo has no name for: modifyOtherKeys `CSI 27 ; mod ; code ~` and
 * `CSI code ; mod u` (how C-Enter and S-Enter arrive).
 */
#ifndef SBX_UI_KEYINPUT_H
#define SBX_UI_KEYINPUT_H
#include <stddef.h>
#include "keys.h"

/* A character as typed: CR/LF → Enter, TAB → Tab, DEL/BS → BSpace,
 * ESC → Escape, NUL → C-Space, other C0 → C-letter or C-\ ] ^ _. */
ui_key keyin_char(uint32_t c);
/* xterm's modifier parameter (2..16) → KEY_* bits. */
unsigned keyin_mods(int param);
/* The characters after "ESC [" up to and including the final byte:
 * 1 with *k (normal form) when they are one of the two forms above. */
int keyin_csi(const uint32_t *p, size_t n, ui_key *k);

#endif
