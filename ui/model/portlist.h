/*
 * portlist: the ports pane's model — the TCP ports listening in a sandbox
 * (its agent's GET /sbx/ports, through libsbx) and the local forwards the
 * user made to them, plus the URLs a browser on this machine opens.
 *
 * Everything in a listing comes from the sandbox and is hostile: ports
 * outside 1..65535 are dropped, a port listed twice (IPv4 and IPv6) shows
 * once, addresses and commands are sanitised (conbuf_sanitize: escapes
 * dropped, controls '?') and cut to PL_TEXT_MAX bytes, negative pids are
 * "unknown".  Rows are sorted by port; the cursor stays on its port
 * across listings.  Forwards are kept apart from the listing: a forward
 * whose port stopped listening still shows (its connections would fail).
 */
#ifndef SBX_UI_PORTLIST_H
#define SBX_UI_PORTLIST_H
#include <stddef.h>
#include <stdint.h>

#define PL_TEXT_MAX 200

/* One listening socket as libsbx parsed it (strings may be NULL). */
typedef struct pl_port_in {
	long long port;
	const char *address, *proto, *cmd;
	long long pid;          /* <= 0: unknown */
} pl_port_in;

typedef struct pl_row {
	int port;
	char *address;          /* sanitised, "" when unknown */
	char *cmd;              /* sanitised, "" when unknown */
	long long pid;          /* 0: unknown */
} pl_row;

typedef struct pl_fwd {
	int port, lport;
} pl_fwd;

typedef struct portlist {
	pl_row *rows;
	size_t n;
	size_t cursor;
	pl_fwd *fwds;
	size_t nfwds;
	int loaded;             /* a listing came at least once */
} portlist;

void portlist_init(portlist *pl);
void portlist_free(portlist *pl);
/* Replaces the rows with a listing. */
void portlist_set(portlist *pl, const pl_port_in *in, size_t n);
/* The port under the cursor; 0 when the list is empty. */
int portlist_selected(const portlist *pl);
/* Moves the cursor by delta rows (clamped). */
void portlist_move(portlist *pl, long delta);
/* The forward of port (its local port), 0 when none. */
int portlist_forward_of(const portlist *pl, int port);
/* Records (lport > 0) or forgets (lport 0) the forward of port. */
void portlist_forward_set(portlist *pl, int port, int lport);

/* A port typed by the user: "8000" → 8000; allow0: "0" (any free port)
 * is allowed.  -1 when it is not a port. */
int pl_parse_port(const char *s, int allow0);
/* "http://127.0.0.1:LPORT/". */
void pl_local_url(int lport, char *out, size_t n);
/* The row's line: "8000  0.0.0.0  python3 -m http.server (pid 12)". */
void pl_row_text(const pl_row *r, char *out, size_t n);

#endif
