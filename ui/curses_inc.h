/*
 * curses_inc: the one way the view includes ncurses — wide-character
 * (ncursesw) API with extended colour pairs.  Only ui/ (never ui/model or
 * src/) includes it.
 */
#ifndef SBX_UI_CURSES_INC_H
#define SBX_UI_CURSES_INC_H
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#endif
