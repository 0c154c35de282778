#include "sandbox.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static int id_ok(const char *id)
{
	if (!*id)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return 0;
	return 1;
}

int sbx_sandbox_init(sbx_sandbox *sb, const sbx_config *cfg, const char *id, const char *token,
		     const char *traffic_token, const char *domain, sbx_err *e)
{
	memset(sb, 0, sizeof *sb);
	/* The id becomes part of a host name and a header: keep it plain. */
	if (!id || !id_ok(id))
		return sbx_error(e, "'%s' is not a sandbox id", id ? id : "");
	sb->id = xstrdup(id);
	sb->token = token && *token ? xstrdup(token) : NULL;
	sb->traffic_token = traffic_token && *traffic_token ? xstrdup(traffic_token) : NULL;
	if (cfg->sandbox_url) {
		sb->envd_url = xstrdup(cfg->sandbox_url);
		sb->code_url = xstrdup(cfg->sandbox_url);
	} else {
		const char *d = domain && *domain ? domain : cfg->domain;
		sb->envd_url = xasprintf("https://%d-%s.%s", SBX_PORT_ENVD, id, d);
		sb->code_url = xasprintf("https://%d-%s.%s", SBX_PORT_CODE, id, d);
	}
	return 0;
}

void sbx_sandbox_free(sbx_sandbox *sb)
{
	if (!sb)
		return;
	free(sb->id);
	free(sb->token);
	free(sb->traffic_token);
	free(sb->envd_url);
	free(sb->code_url);
	free(sb->user);
	memset(sb, 0, sizeof *sb);
}

char **sbx_sandbox_headers(const sbx_sandbox *sb, int port, const char *const *extra)
{
	size_t n = 0, k = 0;
	for (const char *const *x = extra; x && *x; x++)
		n++;
	char **v = xcalloc(n + 5, sizeof *v);
	v[k++] = xasprintf("E2b-Sandbox-Id: %s", sb->id);
	v[k++] = xasprintf("E2b-Sandbox-Port: %d", port);
	if (sb->token)
		v[k++] = xasprintf("X-Access-Token: %s", sb->token);
	if (sb->traffic_token)
		v[k++] = xasprintf("E2B-Traffic-Access-Token: %s", sb->traffic_token);
	for (const char *const *x = extra; x && *x; x++)
		v[k++] = xstrdup(*x);
	return v;
}

