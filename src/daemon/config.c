#include "config.h"
#include "files.h"
#include "../util/fsutil.h"
#include "../util/rand.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REFUSED_BY "E2B SDKs 2.27 to 2.45 refuse other keys before sending a request"

static int mkdir_parent(const char *path, sbx_err *e)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	char *dir = xstrndup(path, (size_t)(slash - path));
	int rc = fsu_mkdirs(dir, 0700, e);
	free(dir);
	return rc;
}

/* Written under a temp name, then link()ed: two first starts at once end
 * up sharing whichever key won, never a half-written one. */
static int mint(const char *path, char **key, sbx_err *e)
{
	if (mkdir_parent(path, e) < 0)
		return -1;
	char hex[SBX_KEY_HEX + 1];
	int rc = -1;
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	rand_hex(hex, SBX_KEY_HEX);
	char *k = xasprintf(SBX_KEY_PREFIX "%s\n", hex);
	if (files_write_atomic(tmp, k, strlen(k), 0600, e) == 0) {
		if (link(tmp, path) < 0 && errno != EEXIST)
			sbx_error_errno(e, "cannot create %s", path);
		else
			rc = sbx_api_key_read_file(path, key, e);
		unlink(tmp);
	}
	free(k);
	free(tmp);
	return rc;
}

/* sbx_<hex> -> e2b_<hex>: the same secret, in the form E2B's SDKs accept. */
static int migrate(const char *path, char **key, char **note, sbx_err *e)
{
	const char *hex = *key + strlen(SBX_KEY_LEGACY_PREFIX);
	char *k = xasprintf(SBX_KEY_PREFIX "%s\n", hex);
	if (files_write_atomic(path, k, strlen(k), 0600, e) < 0) {
		free(k);
		return -1;
	}
	k[strlen(k) - 1] = '\0';
	*note = xasprintf("the API key in %s was in sbxd's old form " SBX_KEY_LEGACY_PREFIX "…; it is now "
			  SBX_KEY_PREFIX "… with the same digits, E2B's form (" REFUSED_BY "). "
			  "Re-run `eval \"$(sbx env)\"`; the old key is still accepted",
			  path);
	free(*key);
	*key = k;
	return 0;
}

int sbxd_api_key(const char *path, char **key, char **note, sbx_err *e)
{
	*note = NULL;
	if (sbx_api_key_read_file(path, key, e) < 0)
		return errno == ENOENT ? mint(path, key, e) : -1;
	if (sbx_key_has_form(*key, SBX_KEY_LEGACY_PREFIX)) {
		if (migrate(path, key, note, e) < 0) {
			free(*key);
			*key = NULL;
			return -1;
		}
	} else if (!sbx_key_has_form(*key, SBX_KEY_PREFIX)) {
		*note = xasprintf("the API key in %s is not in E2B's form " SBX_KEY_PREFIX "<%d hex digits>: "
				  REFUSED_BY "; delete the file and restart sbxd for a new key",
				  path, SBX_KEY_HEX);
	}
	return 0;
}

static int same(const char *a, const char *b)
{
	size_t n = strlen(a);
	return strlen(b) == n && CRYPTO_memcmp(a, b, n) == 0;
}

int sbxd_key_matches(const char *want, const char *got)
{
	if (!got)
		return 0;
	if (same(want, got))
		return 1;
	return sbx_key_has_form(want, SBX_KEY_PREFIX) && sbx_key_has_form(got, SBX_KEY_LEGACY_PREFIX) &&
	       same(want + strlen(SBX_KEY_PREFIX), got + strlen(SBX_KEY_LEGACY_PREFIX));
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
