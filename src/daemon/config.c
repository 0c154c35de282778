#include "config.h"
#include "files.h"
#include "../util/rand.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h)
		return xstrdup(h);
	struct passwd *pw = getpwuid(getuid());
	return xstrdup(pw && pw->pw_dir ? pw->pw_dir : "/");
}

/* $VAR/sbx, else ~/FALLBACK/sbx (XDG base directory rules: relative values are ignored). */
static char *xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var);
	if (v && v[0] == '/')
		return xasprintf("%s/sbx", v);
	char *home = home_dir(), *p = xasprintf("%s/%s/sbx", home, fallback);
	free(home);
	return p;
}

char *sbx_config_dir(void) { return xdg_dir("XDG_CONFIG_HOME", ".config"); }
char *sbx_state_dir(void) { return xdg_dir("XDG_STATE_HOME", ".local/state"); }

static int key_valid(const char *k)
{
	size_t n = strlen(k);
	if (n < 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (k[i] <= ' ' || k[i] > '~')
			return 0;
	return 1;
}

static int read_key(const char *path, char **key, sbx_err *e)
{
	char *s;
	if (files_read(path, 4096, &s, NULL, e) < 0)
		return -1;
	s[strcspn(s, "\r\n")] = '\0';
	if (!key_valid(s)) {
		free(s);
		return sbx_error(e, "%s does not hold a valid API key; delete it and run `sbx serve` to make a new one", path);
	}
	*key = s;
	return 0;
}

int sbx_api_key(int create, char **key, sbx_err *e)
{
	char *dir = sbx_config_dir(), *path = xasprintf("%s/api_key", dir);
	int rc = -1;
	if (access(path, F_OK) == 0 || !create) {
		rc = read_key(path, key, e);
		if (rc < 0 && !create && errno == ENOENT)
			sbx_error(e, "no API key in %s yet; start sbxd once with `sbx serve`", path);
		goto out;
	}
	if (fsu_mkdirs(dir, 0700, e) < 0)
		goto out;
	/* Written under a temp name, then link()ed: two first starts at once
	 * end up sharing whichever key won, never a half-written one. */
	char hex[41], *k, *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	rand_hex(hex, 40);
	k = xasprintf("sbx_%s\n", hex);
	if (files_write_atomic(tmp, k, strlen(k), 0600, e) == 0) {
		if (link(tmp, path) < 0 && errno != EEXIST)
			sbx_error_errno(e, "cannot create %s", path);
		else
			rc = read_key(path, key, e);
		unlink(tmp);
	}
	free(k);
	free(tmp);
out:
	free(path);
	free(dir);
	return rc;
}

int sbxd_endpoint_write(const char *state_dir, const sbxd_endpoint *ep, sbx_err *e)
{
	char *path = xasprintf("%s/sbxd.json", state_dir);
	json_t *j = json_pack("{s:s,s:s,s:i,s:i}", "url", ep->url, "listen", ep->listen, "port", ep->port,
			      "pid", (int)ep->pid);
	char *s = json_dumps(j, JSON_INDENT(2));
	int rc = files_write_atomic(path, s, strlen(s), 0644, e);
	free(s);
	json_decref(j);
	free(path);
	return rc;
}

int sbxd_endpoint_read(const char *state_dir, sbxd_endpoint *ep, sbx_err *e)
{
	char *path = xasprintf("%s/sbxd.json", state_dir);
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	const char *url = NULL, *listen = NULL;
	int port = 0, pid = 0, rc = -1;
	memset(ep, 0, sizeof *ep);
	if (!j) {
		sbx_error(e, "cannot read %s: %s (has `sbx serve` run with this state dir?)", path, je.text);
	} else if (json_unpack(j, "{s:s,s?s,s?i,s?i}", "url", &url, "listen", &listen, "port", &port, "pid", &pid) < 0) {
		sbx_error(e, "%s is not what `sbx serve` writes; delete it and restart sbxd", path);
	} else {
		ep->url = xstrdup(url);
		ep->listen = xstrdup(listen ? listen : "");
		ep->port = port;
		ep->pid = pid;
		rc = 0;
	}
	json_decref(j);
	free(path);
	return rc;
}

void sbxd_endpoint_free(sbxd_endpoint *ep)
{
	free(ep->url);
	free(ep->listen);
	memset(ep, 0, sizeof *ep);
}
