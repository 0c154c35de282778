#include "config.h"
#include "../proto/local.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DOMAIN "e2b.app"

static char *dup_url(const char *u)
{
	size_t n = strlen(u);
	while (n && u[n - 1] == '/')
		n--;
	return xstrndup(u, n);
}

static const char *set(const char *s)
{
	return s && *s ? s : NULL;
}

int sbx_config_build(const sbx_config_env *env, sbx_config *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	const char *url = set(env->api_url), *key = set(env->api_key), *surl = set(env->sandbox_url);
	const char *domain = set(env->domain) ? env->domain : DEFAULT_DOMAIN;
	if (url && strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return sbx_error(e, "E2B_API_URL '%s' is not an http:// or https:// URL", url);
	if (surl && strncmp(surl, "http://", 7) && strncmp(surl, "https://", 8))
		return sbx_error(e, "E2B_SANDBOX_URL '%s' is not an http:// or https:// URL", surl);
	out->domain = xstrdup(domain);
	if (url) {
		out->api_url = dup_url(url);
		key = key ? key : set(env->local_key);
	} else if (key) {
		out->api_url = xasprintf("https://api.%s", domain);
	} else {
		out->local = 1;
		out->api_url = dup_url(set(env->local_url) ? env->local_url : "http://127.0.0.1:49982");
		key = set(env->local_key);
		if (env->state_dir)
			out->state_dir = xstrdup(env->state_dir);
		if (!surl)
			surl = out->api_url;   /* sbxd proxies the data plane */
	}
	out->api_key = key ? xstrdup(key) : NULL;
	out->sandbox_url = surl ? dup_url(surl) : NULL;
	return 0;
}

int sbx_config_load(sbx_config *out, sbx_err *e)
{
	sbx_config_env env = {
		.api_url = getenv("E2B_API_URL"), .api_key = getenv("E2B_API_KEY"),
		.sandbox_url = getenv("E2B_SANDBOX_URL"), .domain = getenv("E2B_DOMAIN"),
	};
	char *state = sbx_state_dir(), *key = NULL;
	sbxd_endpoint ep = { 0 };
	int have_ep = sbxd_endpoint_read(state, &ep, NULL) == 0;
	sbx_err ke;
	if (sbx_api_key_read(&key, &ke) < 0)
		key = NULL;   /* not made yet: the first `sbx serve` makes it */
	env.state_dir = state;
	env.local_url = have_ep ? ep.url : NULL;
	env.local_key = key;
	int rc = sbx_config_build(&env, out, e);
	if (have_ep)
		sbxd_endpoint_free(&ep);
	free(key);
	free(state);
	return rc;
}

static char *dup0(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void sbx_config_copy(sbx_config *dst, const sbx_config *src)
{
	dst->api_url = dup0(src->api_url);
	dst->api_key = dup0(src->api_key);
	dst->sandbox_url = dup0(src->sandbox_url);
	dst->domain = dup0(src->domain);
	dst->local = src->local;
	dst->state_dir = dup0(src->state_dir);
}

void sbx_config_free(sbx_config *c)
{
	if (!c)
		return;
	free(c->api_url);
	free(c->api_key);
	free(c->sandbox_url);
	free(c->domain);
	free(c->state_dir);
	memset(c, 0, sizeof *c);
}
