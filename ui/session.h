/*
 * session: one attached sandbox — a tab of the workbench with its own
 * layout of panes, and the data-plane target its panes talk to.  The app
 * owns sessions; panes keep a pointer for their lifetime (a pane never
 * outlives its session).
 */
#ifndef SBX_UI_SESSION_H
#define SBX_UI_SESSION_H
#include <stdint.h>
#include "../src/client/libsbx.h"
#include "model/layout.h"

typedef enum {
	SESSION_RUNNING, SESSION_PAUSED, SESSION_GONE   /* killed, timed out or unknown to sbxd */
} session_state;

struct session {
	char *id;               /* sandbox id */
	char *template_id, *runtime;
	char *accel;            /* "kvm", "tcg"; "" when its runtime has none or sbxd did not say */
	sbx_sandbox sb;         /* data plane: ids, access token, URLs */
	session_state state;
	int64_t end_ms;         /* when it times out (unix ms; 0: unknown) */
	layout *layout;         /* the tab's panes */
	struct pane **panes;
	size_t npanes;
	int next_pane_id;
	char *gone_reason;      /* why it is GONE, for messages */
};

#endif
