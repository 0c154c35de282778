#include "users.h"
#include "../util/b64.h"
#include "../util/path.h"
#include "../util/xalloc.h"
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fill(sbx_user *u, const struct passwd *pw)
{
	snprintf(u->name, sizeof u->name, "%s", pw->pw_name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->home, sizeof u->home, "%s", pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
	u->switch_user = pw->pw_uid != geteuid();
}

/* "Basic base64(name:)" → name; envd reads only the username. */
static int basic_user(const char *auth, char *out, size_t n)
{
	if (!auth || strncasecmp(auth, "Basic ", 6) != 0)
		return 0;
	const char *b = auth + 6;
	while (*b == ' ')
		b++;
	size_t len;
	unsigned char *dec = b64_decode(b, strlen(b), &len);
	if (!dec)
		return -1;
	char *colon = memchr(dec, ':', len);
	size_t ulen = colon ? (size_t)(colon - (char *)dec) : len;
	snprintf(out, n, "%.*s", (int)ulen, (char *)dec);
	free(dec);
	return ulen > 0;
}

int user_resolve(agent *a, const char *authorization, const char *name, sbx_user *u, sbx_err *e)
{
	char want[64];
	memset(u, 0, sizeof *u);
	if (name && *name) {
		snprintf(want, sizeof want, "%s", name);
	} else {
		int rc = basic_user(authorization, want, sizeof want);
		if (rc < 0)
			return sbx_error(e, "invalid Authorization header: expected Basic base64(username:)");
		if (rc == 0)
			snprintf(want, sizeof want, "%s", a->cfg.default_user ? a->cfg.default_user : "user");
	}
	struct passwd *pw = getpwnam(want);
	int is_default = a->cfg.default_user && !strcmp(want, a->cfg.default_user);
	if (!pw && is_default) {
		/* The agent runs outside a sandbox (a developer's host): act as itself. */
		pw = getpwuid(geteuid());
		if (!pw)
			return sbx_error(e, "the agent's own uid %u has no passwd entry", (unsigned)geteuid());
		fill(u, pw);
		if (a->cfg.workdir)
			snprintf(u->home, sizeof u->home, "%s", a->cfg.workdir);
		return 0;
	}
	if (!pw)
		return sbx_error(e, "user '%s' does not exist in the sandbox", want);
	fill(u, pw);
	if (u->switch_user && geteuid() != 0)
		return sbx_error(e, "the agent runs as uid %u and cannot act as user '%s'; run the agent as root",
				 (unsigned)geteuid(), want);
	return 0;
}

char *user_path(agent *a, const sbx_user *u, const char *p)
{
	const char *base = a->cfg.workdir ? a->cfg.workdir : u->home;
	char *joined;
	if (!p || !*p)
		joined = xstrdup(base);
	else if (p[0] == '~' && (p[1] == '\0' || p[1] == '/'))
		joined = path_join(u->home, p + 1);
	else if (p[0] == '/')
		joined = xstrdup(p);
	else
		joined = path_join(base, p);
	char *clean = path_clean(joined);
	free(joined);
	return clean;
}

int user_become(const sbx_user *u)
{
	if (!u->switch_user)
		return 0;
	if (initgroups(u->name, u->gid) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0)
		return -1;
	return 0;
}

void user_chown(const sbx_user *u, const char *path)
{
	if (u->switch_user && geteuid() == 0 && lchown(path, u->uid, u->gid) < 0) {
		/* Best effort, as envd: the file is there, only its owner is off. */
	}
}
