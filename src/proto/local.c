#include "local.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_FILE_MAX 4096

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

char *sbx_api_key_path(void)
{
	char *dir = sbx_config_dir(), *p = xasprintf("%s/api_key", dir);
	free(dir);
	return p;
}

int sbx_key_has_form(const char *k, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(k, prefix, n))
		return 0;
	k += n;
	for (n = 0; k[n]; n++)
		if (!((k[n] >= '0' && k[n] <= '9') || (k[n] >= 'a' && k[n] <= 'f')))
			return 0;
	return n == SBX_KEY_HEX;
}

static int key_usable(const char *k)
{
	size_t n = strlen(k);
	if (n < 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (k[i] <= ' ' || k[i] > '~')
			return 0;
	return 1;
}

int sbx_api_key_read_file(const char *path, char **key, sbx_err *e)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return sbx_error_errno(e, "cannot read %s", path);   /* keeps errno: ENOENT is "no key yet" */
	char buf[KEY_FILE_MAX + 1];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	int bad = ferror(f), more = !bad && fgetc(f) != EOF;
	fclose(f);
	if (bad) {
		sbx_error(e, "cannot read %s: read error", path);
		errno = EIO;
		return -1;
	}
	buf[n] = '\0';
	int nul = memchr(buf, '\0', n) != NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	if (more || nul || !key_usable(buf)) {
		sbx_error(e, "%s does not hold a valid API key; delete it and run `sbx serve` to make a new one", path);
		errno = EINVAL;
		return -1;
	}
	*key = xstrdup(buf);
	return 0;
}

int sbx_api_key_read(char **key, sbx_err *e)
{
	char *path = sbx_api_key_path();
	int rc = sbx_api_key_read_file(path, key, e);
	if (rc < 0 && errno == ENOENT)
		sbx_error(e, "no API key in %s yet; start sbxd once with `sbx serve`", path);
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
