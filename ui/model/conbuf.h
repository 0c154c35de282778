/*
 * conbuf: the console pane's model — the lines of a sandbox's logs as
 * GET /sandboxes/ID/logs answers them, polled again and again.
 *
 * An answer is sections, each "==> NAME <==\n" then the last MB of that
 * log with a newline at its end (sbxd adds one when the file's last line
 * is unfinished).  Each feed appends only what is new in each section
 * since the last one (found by the bytes last taken, so a log that grew
 * past the MB window still lines up), with a header line whenever the
 * source differs from the one appended before (like tail -f on several
 * files).  After the first answer (history, taken whole) a section's
 * last line is held back until an answer shows it again unchanged or
 * followed by more: it may be a line still being written (the rest of a
 * line that was taken unfinished comes as a line of its own).  When a section's known bytes are gone (the log restarted or
 * grew by more than the window between two polls) a note says so and the
 * section is taken whole.
 *
 * A header line of a name already seen in the answer is a log line (a
 * sandbox may write "==> sbxd <==" into its log; it gets no section).
 * Everything is sanitised before it is kept (sandbox output is hostile):
 * invalid UTF-8 becomes U+FFFD, escape sequences (CSI, OSC, two-byte) are
 * dropped, a carriage return inside a line keeps what follows it, tabs
 * become spaces to the next multiple of 8, other C0/C1 controls, DEL and
 * bidi overrides become '?', lines are cut at CONBUF_LINE_MAX bytes.
 * Only the last max_lines lines are kept.
 */
#ifndef SBX_UI_CONBUF_H
#define SBX_UI_CONBUF_H
#include <stddef.h>
#include <stdint.h>
#include "../../src/util/buf.h"

#define CONBUF_LINE_MAX 4096

typedef enum { CON_TEXT, CON_HEADER, CON_NOTE } con_kind;

typedef struct conbuf conbuf;

conbuf *conbuf_new(size_t max_lines);
void conbuf_free(conbuf *cb);
/* One answer of the logs endpoint; returns the lines appended. */
size_t conbuf_feed(conbuf *cb, const char *text, size_t len);
/* Lines kept; line i (0: the oldest kept), NUL-terminated, sanitised. */
size_t conbuf_count(const conbuf *cb);
const char *conbuf_line(const conbuf *cb, size_t i, con_kind *kind);
/* Lines dropped from the front so far (a view keeps its place with it). */
uint64_t conbuf_dropped(const conbuf *cb);

/* Appends s[0..len) (one line, no newline) to out as printable UTF-8. */
void conbuf_sanitize(const char *s, size_t len, sbx_buf *out);

#endif
