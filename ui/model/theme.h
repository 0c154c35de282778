/*
 * theme: the workbench's colours, loaded from themes/NAME.theme (format in
 * themes/README.md) and resolved for the terminal's colour count.
 *
 * Every element starts from a built-in, attribute-only style (legible on
 * any terminal); a theme file overrides elements, and a colour a line
 * leaves out is "normal"'s (so a dark background needs saying once).  For
 * terminals with
 * fewer than 256 colours an element's "NAME@8 = ..." line wins when
 * present; otherwise its colours are reduced to the nearest of 16 or 8
 * (colour.h), a foreground that would land on its own background gets
 * black or white instead, and on terminals without colours an element
 * whose background differs from "normal"'s becomes reverse video.
 * Loading is strict: an unknown element, colour or attribute fails with
 * file:line and leaves the theme unchanged.
 */
#ifndef SBX_UI_THEME_H
#define SBX_UI_THEME_H
#include <stddef.h>
#include "attr.h"
#include "../../src/util/err.h"

typedef enum {
	TH_NORMAL, TH_BORDER, TH_BORDER_FOCUS, TH_TITLE, TH_TITLE_FOCUS,
	TH_STATUS, TH_STATUS_MODE, TH_STATUS_PASSTHROUGH, TH_STATUS_KEY, TH_STATUS_ERROR,
	TH_TAB, TH_TAB_ACTIVE,
	TH_HELP_TITLE, TH_HELP_KEY, TH_HELP_TEXT,
	TH_PALETTE, TH_PALETTE_MATCH, TH_PALETTE_SELECTED,
	TH_DIALOG, TH_BUTTON, TH_BUTTON_FOCUS,
	TH_CELL_BORDER, TH_CELL_SELECTED, TH_CELL_EDITING, TH_CELL_PROMPT,
	TH_MARKDOWN, TH_MARKDOWN_HEADING,
	TH_OUT_STDOUT, TH_OUT_STDERR, TH_OUT_ERROR, TH_OUT_RESULT, TH_OUT_PLACEHOLDER,
	TH_SELECTION, TH_SEARCH_MATCH,
	TH_FILES_DIR, TH_FILES_FILE, TH_FILES_LINK, TH_FILES_EXEC, TH_FILES_META,
	TH_SB_RUNNING, TH_SB_PAUSED, TH_SB_STOPPED,
	TH_MSG_INFO, TH_MSG_ERROR, TH_PROGRESS,
	TH_COUNT
} theme_elem;

typedef struct theme {
	char name[64];
	int colors;              /* the bucket it was resolved for: 256, 16, 8 or 0 */
	ui_attr el[TH_COUNT];
} theme;

const char *theme_elem_name(theme_elem t);   /* "status.mode" */
const char *theme_elem_desc(theme_elem t);
int theme_elem_by_name(const char *name);    /* -1 when unknown */

/* The built-in attribute-only theme ("builtin"). */
void theme_builtin(theme *t, int colors);
/* Applies theme text on top of the built-in theme; name defaults to
 * `name` when the text sets none. */
int theme_load_string(theme *t, const char *text, const char *origin, const char *name, int colors, sbx_err *e);
int theme_load_file(theme *t, const char *path, int colors, sbx_err *e);
/* The first DIR/NAME.theme that exists (dirs in priority order: the
 * user's config dir, then the installed themes). */
int theme_find(const char *name, const char *const *dirs, size_t ndirs, char **path, sbx_err *e);
/* Theme names (files *.theme) across dirs, sorted, without duplicates. */
size_t theme_list(const char *const *dirs, size_t ndirs, char ***names);
void theme_list_free(char **names, size_t n);

/* Parses one colour word ("red", "bright-blue", "colour123", "42",
 * "#ff8700", "default") into an index 0..255 or -1. */
int theme_parse_colour(const char *word, int *idx);

#endif
