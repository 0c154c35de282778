/*
 * daemon: start the local sbxd when none answers — as a tmux client starts
 * its server.  `<exe> serve` runs detached (its own session, stdio to
 * <state dir>/sbxd.log), on the address it last listened on; then /health
 * is polled until it answers or the time is up.  Asynchronous (the TUI
 * uses it too).  Does nothing for a non-local configuration.
 */
#ifndef SBX_CLIENT_DAEMON_H
#define SBX_CLIENT_DAEMON_H
#include "client.h"

typedef struct sbx_starter sbx_starter;

/* started: 1 when this call started sbxd.  On success the client's
 * configuration has been reloaded (URL, API key). */
typedef void (*sbx_daemon_cb)(const sbx_err *e, int started, void *ud);

/* exe: the sbx binary to run ("serve" is added).  *out (may be NULL) can be
 * cancelled with sbx_starter_cancel until cb ran; it is freed after cb. */
int sbx_daemon_ensure(sbx_client *c, const char *exe, long timeout_ms, sbx_daemon_cb cb, void *ud,
		      sbx_starter **out, sbx_err *e);
void sbx_starter_cancel(sbx_starter *s);

#endif
