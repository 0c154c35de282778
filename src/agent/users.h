/*
 * users: who a request acts as, and where its relative paths start.
 *
 * envd picks the user from "Authorization: Basic base64(name:)" (no header:
 * the default user).  When the default user does not exist (the agent run on
 * a developer's host) requests act as the agent's own user; any other unknown
 * name is an authentication error.
 */
#ifndef SBX_USERS_H
#define SBX_USERS_H
#include <sys/types.h>
#include "../util/err.h"
#include "agent.h"

typedef struct sbx_user {
	char name[64];
	uid_t uid;
	gid_t gid;
	char home[512];
	int switch_user;   /* 1: setuid to uid in children; 0: run as the agent */
} sbx_user;

/* From an Authorization header value (may be NULL) or an explicit name
 * (e.g. the ?username= of /files; takes precedence when non-NULL/non-empty). */
int user_resolve(agent *a, const char *authorization, const char *name, sbx_user *u, sbx_err *e);

/* Absolute, lexically cleaned path for p as seen by u: "~" and "~/x" expand
 * to home, relative paths join the default workdir (or home).  Returns a
 * heap string. */
char *user_path(agent *a, const sbx_user *u, const char *p);

/* In a forked child: become u (groups, gid, uid).  Returns -1 with errno. */
int user_become(const sbx_user *u);

/* chown path to u when the agent can (root) and u differs from the agent. */
void user_chown(const sbx_user *u, const char *path);

#endif
