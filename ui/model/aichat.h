/*
 * aichat: the AI pane's transcript as the user sees it — their requests,
 * the model's words as they stream in, a line per tool call ("ran cell
 * [3]", "$ ls"), notes (stopped, the answer went to the notebook) and
 * errors, plus one transient status line (a retry's countdown) shown
 * last.  Curses-free.
 *
 * Text is kept raw as it came (a stream may split a UTF-8 sequence or an
 * escape sequence between two deltas) and sanitised when laid out: the
 * model's and the sandbox's bytes are hostile, so escape sequences are
 * dropped and other controls become '?' (conbuf_sanitize) — nothing they
 * send reaches the terminal as a control.  The layout (rows wrapped to a
 * width, a blank row before each request but the first) is cached until
 * the transcript or the width changes.
 */
#ifndef SBX_UI_AICHAT_H
#define SBX_UI_AICHAT_H
#include <stddef.h>

typedef enum { AIC_USER, AIC_TEXT, AIC_TOOL, AIC_NOTE, AIC_ERROR, AIC_STATUS, AIC_BLANK } aic_kind;

typedef struct aic_row {
	aic_kind kind;
	const char *text;       /* sanitised UTF-8, NUL-terminated, fits the width */
	size_t entry;           /* the entry it belongs to (AIC_BLANK, AIC_STATUS: (size_t)-1) */
} aic_row;

typedef struct aichat aichat;

aichat *aichat_new(void);
void aichat_free(aichat *c);

/* A whole entry (kind: USER, TOOL, NOTE, ERROR); returns its index.
 * Ends the model's open text entry, if any. */
size_t aichat_add(aichat *c, aic_kind kind, const char *text);
/* Replaces entry i's text (a tool line once its cell finished). */
void aichat_set(aichat *c, size_t i, const char *text);
/* The model's words: appended to its open text entry (one is opened
 * when there is none). */
void aichat_text(aichat *c, const char *delta, size_t len);
/* The model's turn ended: the next text starts a new entry. */
void aichat_turn_end(aichat *c);
/* The status line (NULL or "": none). */
void aichat_status(aichat *c, const char *msg);
void aichat_clear(aichat *c);

size_t aichat_count(const aichat *c);
/* Entry i's raw text and kind (NULL when out of range). */
const char *aichat_entry(const aichat *c, size_t i, aic_kind *kind);
const char *aichat_status_text(const aichat *c);   /* NULL when none */
/* Bumped by every change. */
unsigned long aichat_version(const aichat *c);

/* The rows for a width (>= 1 column); valid until the next call or change. */
size_t aichat_layout(aichat *c, int width, const aic_row **rows);

#endif
