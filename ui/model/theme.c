/* theme: elements, the built-in styles, the theme-file parser and the
 * degradation to the terminal's colours; see theme.h.  File lookup is in
 * theme_files.c.  curses-free. */
#include "theme.h"
#include "colour.h"
#include "../../src/util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name, *desc;
	uint16_t builtin; /* attribute-only fallback */
} elems[TH_COUNT] = {
	[TH_NORMAL] = { "normal", "text everywhere unless said otherwise", 0 },
	[TH_BORDER] = { "border", "pane borders and splitters", 0 },
	[TH_BORDER_FOCUS] = { "border.focus", "the focused pane's border", UI_BOLD },
	[TH_TITLE] = { "title", "pane titles", 0 },
	[TH_TITLE_FOCUS] = { "title.focus", "the focused pane's title", UI_BOLD | UI_REVERSE },
	[TH_STATUS] = { "status", "the status bar", UI_REVERSE },
	[TH_STATUS_MODE] = { "status.mode", "the mode shown in the status bar", UI_BOLD },
	[TH_STATUS_PASSTHROUGH] = { "status.passthrough", "the indicator that keys go to the terminal's program", UI_BOLD | UI_BLINK },
	[TH_STATUS_KEY] = { "status.key", "key hints in the status bar", UI_BOLD | UI_REVERSE },
	[TH_STATUS_ERROR] = { "status.error", "errors in the status bar", UI_BOLD },
	[TH_TAB] = { "tab", "sandbox tabs", 0 },
	[TH_TAB_ACTIVE] = { "tab.active", "the current sandbox tab", UI_REVERSE | UI_BOLD },
	[TH_HELP_TITLE] = { "help.title", "section titles in the help overlay", UI_BOLD | UI_UNDERLINE },
	[TH_HELP_KEY] = { "help.key", "keys in the help overlay", UI_BOLD },
	[TH_HELP_TEXT] = { "help.text", "descriptions in the help overlay", 0 },
	[TH_PALETTE] = { "palette", "the command palette", 0 },
	[TH_PALETTE_MATCH] = { "palette.match", "matched characters in the palette", UI_UNDERLINE | UI_BOLD },
	[TH_PALETTE_SELECTED] = { "palette.selected", "the selected palette entry", UI_REVERSE },
	[TH_DIALOG] = { "dialog", "dialogs (confirmations, pickers)", 0 },
	[TH_BUTTON] = { "button", "dialog buttons", 0 },
	[TH_BUTTON_FOCUS] = { "button.focus", "the focused dialog button", UI_REVERSE },
	[TH_CELL_BORDER] = { "cell.border", "notebook cell frames", UI_DIM },
	[TH_CELL_SELECTED] = { "cell.selected", "the selected cell's frame (command mode)", UI_BOLD },
	[TH_CELL_EDITING] = { "cell.editing", "the frame of the cell being edited", UI_BOLD | UI_UNDERLINE },
	[TH_CELL_PROMPT] = { "cell.prompt", "In [n] / Out [n] prompts", UI_DIM },
	[TH_MARKDOWN] = { "markdown", "markdown cell text", 0 },
	[TH_MARKDOWN_HEADING] = { "markdown.heading", "markdown headings", UI_BOLD },
	[TH_OUT_STDOUT] = { "output.stdout", "printed output", 0 },
	[TH_OUT_STDERR] = { "output.stderr", "output on stderr", UI_DIM },
	[TH_OUT_ERROR] = { "output.error", "exceptions (name and value)", UI_BOLD },
	[TH_OUT_RESULT] = { "output.result", "rich results shown as text", 0 },
	[TH_OUT_PLACEHOLDER] = { "output.placeholder", "image placeholders", UI_DIM },
	[TH_SELECTION] = { "selection", "selected text and list rows", UI_REVERSE },
	[TH_SEARCH_MATCH] = { "search.match", "search matches", UI_UNDERLINE | UI_BOLD },
	[TH_FILES_DIR] = { "files.dir", "directories", UI_BOLD },
	[TH_FILES_FILE] = { "files.file", "regular files", 0 },
	[TH_FILES_LINK] = { "files.link", "symbolic links", UI_ITALIC },
	[TH_FILES_EXEC] = { "files.exec", "executable files", UI_BOLD },
	[TH_FILES_META] = { "files.meta", "size, mode, owner and time columns", UI_DIM },
	[TH_SB_RUNNING] = { "sandbox.running", "running sandboxes", UI_BOLD },
	[TH_SB_PAUSED] = { "sandbox.paused", "paused sandboxes", UI_DIM },
	[TH_SB_STOPPED] = { "sandbox.stopped", "stopped or dead sandboxes", UI_DIM },
	[TH_MSG_INFO] = { "message.info", "messages", 0 },
	[TH_MSG_ERROR] = { "message.error", "error messages", UI_BOLD | UI_REVERSE },
	[TH_PROGRESS] = { "progress", "progress bars", UI_REVERSE },
};

const char *theme_elem_name(theme_elem t)
{
	return t < TH_COUNT ? elems[t].name : "?";
}

const char *theme_elem_desc(theme_elem t)
{
	return t < TH_COUNT ? elems[t].desc : "?";
}

int theme_elem_by_name(const char *name)
{
	for (int i = 0; i < TH_COUNT; i++)
		if (strcmp(elems[i].name, name) == 0)
			return i;
	return -1;
}

void theme_builtin(theme *t, int colors)
{
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "builtin");
	t->colors = colour_bucket(colors);
	for (int i = 0; i < TH_COUNT; i++)
		t->el[i] = (ui_attr){ -1, -1, elems[i].builtin };
}

static const char *const names8[8] = { "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white" };

int theme_parse_colour(const char *w, int *idx)
{
	if (strcasecmp(w, "default") == 0) {
		*idx = -1;
		return 0;
	}
	for (int i = 0; i < 8; i++) {
		if (strcasecmp(w, names8[i]) == 0) {
			*idx = i;
			return 0;
		}
		if (strncasecmp(w, "bright-", 7) == 0 && strcasecmp(w + 7, names8[i]) == 0) {
			*idx = i + 8;
			return 0;
		}
	}
	if (strcasecmp(w, "grey") == 0 || strcasecmp(w, "gray") == 0) {
		*idx = 8;
		return 0;
	}
	const char *num = w;
	if (strncasecmp(w, "colour", 6) == 0)
		num = w + 6;
	else if (strncasecmp(w, "color", 5) == 0)
		num = w + 5;
	if (*num >= '0' && *num <= '9') {
		char *end;
		long v = strtol(num, &end, 10);
		if (*end || v > 255)
			return -1;
		*idx = (int)v;
		return 0;
	}
	if (w[0] == '#' && strlen(w) == 7 && strspn(w + 1, "0123456789abcdefABCDEF") == 6) {
		unsigned long v = strtoul(w + 1, NULL, 16);
		*idx = colour_rgb_to_256((ui_rgb){ (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v });
		return 0;
	}
	return -1;
}

static const struct {
	const char *name;
	uint16_t flag;
} attr_names[] = {
	{ "bold", UI_BOLD }, { "underline", UI_UNDERLINE }, { "italic", UI_ITALIC },
	{ "reverse", UI_REVERSE }, { "blink", UI_BLINK }, { "strike", UI_STRIKE }, { "dim", UI_DIM },
};

#define UNSET (-2) /* not given: inherit "normal"'s colour */

/* "FG [on BG] [ATTR...]", FG and BG optional. */
static int parse_style(char *value, ui_attr *a, sbx_err *e)
{
	*a = (ui_attr){ UNSET, UNSET, 0 };
	char *save = NULL;
	int n = 0, want_bg = 0;
	for (char *w = strtok_r(value, " \t", &save); w; w = strtok_r(NULL, " \t", &save), n++) {
		int idx;
		if (want_bg) {
			if (theme_parse_colour(w, &idx) < 0)
				return sbx_error(e, "unknown background colour '%s'", w);
			a->bg = (int16_t)idx;
			want_bg = 0;
			continue;
		}
		if (strcasecmp(w, "on") == 0) {
			want_bg = 1;
			continue;
		}
		size_t i = 0, na = sizeof attr_names / sizeof *attr_names;
		while (i < na && strcasecmp(w, attr_names[i].name) != 0)
			i++;
		if (i < na) {
			a->flags |= attr_names[i].flag;
			continue;
		}
		if (n == 0 && theme_parse_colour(w, &idx) == 0) {
			a->fg = (int16_t)idx;
			continue;
		}
		return sbx_error(e, "unknown colour or attribute '%s'", w);
	}
	if (want_bg)
		return sbx_error(e, "'on' needs a background colour");
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* One style reduced to `bucket` colours; normal_bg is "normal"'s
 * background before reduction. */
static ui_attr degrade(ui_attr a, int bucket, int normal_bg)
{
	if (bucket == 256)
		return a;
	if (bucket == 0) {
		/* No colours: a highlight made by a background becomes reverse. */
		if (a.bg >= 0 && a.bg != normal_bg)
			a.flags |= UI_REVERSE;
		a.fg = a.bg = -1;
		return a;
	}
	ui_attr r = a;
	r.fg = (int16_t)colour_reduce(a.fg, bucket);
	r.bg = (int16_t)colour_reduce(a.bg, bucket);
	if (r.fg >= 0 && r.fg == r.bg && a.fg != a.bg) {
		/* Distinct colours collapsed into one: keep the text readable. */
		ui_rgb bg = colour_index_rgb(r.bg);
		int dark = colour_dist(bg, (ui_rgb){ 0, 0, 0 }) < colour_dist(bg, (ui_rgb){ 255, 255, 255 });
		r.fg = (int16_t)(dark ? (bucket == 16 ? 15 : 7) : 0);
	}
	return r;
}

static ui_attr inherit(ui_attr a, ui_attr normal)
{
	if (a.fg == UNSET)
		a.fg = normal.fg;
	if (a.bg == UNSET)
		a.bg = normal.bg;
	return a;
}

int theme_load_string(theme *t, const char *text, const char *origin, const char *name, int colors, sbx_err *e)
{
	int bucket = colour_bucket(colors);
	ui_attr full[TH_COUNT], low[TH_COUNT];
	int has_full[TH_COUNT] = { 0 }, has_low[TH_COUNT] = { 0 };
	char tname[64];
	snprintf(tname, sizeof tname, "%s", name ? name : "unnamed");
	char *copy = xstrdup(text), *p = copy;
	int lineno = 0, rc = 0;
	while (p && rc == 0) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		char *line = trim(p);
		p = nl ? nl + 1 : NULL;
		if (!*line || *line == '#')
			continue;
		char *eq = strchr(line, '=');
		if (!eq) {
			rc = sbx_error(e, "%s:%d: expected 'element = style'", origin, lineno);
			break;
		}
		*eq = '\0';
		char *key = trim(line), *value = trim(eq + 1);
		if (strcmp(key, "name") == 0) {
			snprintf(tname, sizeof tname, "%s", value);
			continue;
		}
		char *at = strchr(key, '@');
		int is_low = 0;
		if (at) {
			if (strcmp(at, "@8") != 0) {
				rc = sbx_error(e, "%s:%d: '%s': the only variant is @8", origin, lineno, key);
				break;
			}
			*at = '\0';
			is_low = 1;
		}
		int el = theme_elem_by_name(key);
		if (el < 0) {
			rc = sbx_error(e, "%s:%d: unknown element '%s' (themes/README.md lists them)", origin, lineno, key);
			break;
		}
		sbx_err se;
		ui_attr a;
		if (parse_style(value, &a, &se) < 0) {
			rc = sbx_error(e, "%s:%d: %s: %s", origin, lineno, key, se.msg);
			break;
		}
		if (is_low) {
			low[el] = a;
			has_low[el] = 1;
		} else {
			full[el] = a;
			has_full[el] = 1;
		}
	}
	free(copy);
	if (rc < 0)
		return rc;
	/* Pick each element's style for this terminal, fill in what it leaves
	 * to "normal", then reduce the colours. */
	ui_attr pick[TH_COUNT];
	for (int i = 0; i < TH_COUNT; i++) {
		if (bucket < 256 && bucket > 0 && has_low[i])
			pick[i] = low[i];
		else if (has_full[i])
			pick[i] = full[i];
		else
			pick[i] = (ui_attr){ UNSET, UNSET, elems[i].builtin };
	}
	ui_attr normal = inherit(pick[TH_NORMAL], UI_ATTR_DEFAULT);
	theme out;
	theme_builtin(&out, colors);
	snprintf(out.name, sizeof out.name, "%s", tname);
	for (int i = 0; i < TH_COUNT; i++)
		out.el[i] = degrade(inherit(pick[i], normal), bucket, normal.bg);
	*t = out;
	return 0;
}
