/* provider: the built-in providers, ai.conf, and which one the
 * environment chooses (provider.h has the rules). */
#include "provider.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../proto/local.h"
#include "../util/buf.h"
#include "../util/kv.h"
#include "../util/xalloc.h"

#define DOCS "docs/ai.md"

typedef struct builtin {
	const char *name;
	ai_kind kind;
	const char *base_url, *base_env, *key_env, *model;
} builtin;

static const builtin builtins[] = {
	{ "openai", AI_KIND_OPENAI, "https://api.openai.com/v1", "OPENAI_BASE_URL", "OPENAI_API_KEY", "gpt-4o" },
	{ "anthropic", AI_KIND_ANTHROPIC, "https://api.anthropic.com", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY",
	  "claude-sonnet-4-5" },
	{ "groq", AI_KIND_OPENAI, "https://api.groq.com/openai/v1", "GROQ_BASE_URL", "GROQ_API_KEY",
	  "llama-3.3-70b-versatile" },
	{ "mistral", AI_KIND_OPENAI, "https://api.mistral.ai/v1", "MISTRAL_BASE_URL", "MISTRAL_API_KEY",
	  "mistral-large-latest" },
	{ "together", AI_KIND_OPENAI, "https://api.together.xyz/v1", "TOGETHER_BASE_URL", "TOGETHER_API_KEY",
	  "meta-llama/Llama-3.3-70B-Instruct-Turbo" },
	{ "ollama", AI_KIND_OPENAI, "http://localhost:11434/v1", "OLLAMA_HOST", NULL, "llama3.1" },
	{ "llamacpp", AI_KIND_OPENAI, "http://localhost:8080/v1", "LLAMACPP_BASE_URL", NULL, "default" },
	{ "lmstudio", AI_KIND_OPENAI, "http://localhost:1234/v1", "LMSTUDIO_BASE_URL", NULL, "default" },
	{ "vllm", AI_KIND_OPENAI, "http://localhost:8000/v1", "VLLM_BASE_URL", NULL, "default" },
};
#define NBUILTIN (sizeof builtins / sizeof *builtins)

static const char *const fields[] = { "base_url", "model", "key_env", "kind", "max_tokens" };

static const builtin *find_builtin(const char *name)
{
	for (size_t i = 0; i < NBUILTIN; i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

/* The variable's value, NULL when unset or empty. */
static const char *var(const ai_env *env, const char *name)
{
	const char *v = name && env->getenv ? env->getenv(name, env->ud) : NULL;
	return v && *v ? v : NULL;
}

/* ---- ai.conf ---- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = 0;
	return s;
}

static int name_ok(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", s[i]))
			return 0;
	return 1;
}

static int key_ok(const char *k)
{
	if (!strcmp(k, "provider") || !strcmp(k, "model") || !strcmp(k, "max_steps"))
		return 1;
	const char *dot = strchr(k, '.');
	if (!dot || !name_ok(k, (size_t)(dot - k)))
		return 0;
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (!strcmp(dot + 1, fields[i]))
			return 1;
	return 0;
}

/* `key = value` lines, '#' comments; a value may be in double quotes.
 * No file: nothing set. */
static int load_conf(const ai_env *env, kvlist *kv, sbx_err *e)
{
	memset(kv, 0, sizeof *kv);
	const char *path = env->conf_path;
	if (!path || (access(path, F_OK) < 0 && errno == ENOENT))
		return 0;
	sbx_buf b = SBX_BUF_INIT;
	if (buf_read_file(&b, path, e) < 0) {
		buf_free(&b);
		return -1;
	}
	char *save = NULL, *text = b.data ? b.data : (char *)"";
	int lineno = 0, rc = 0;
	/* strtok_r would merge empty lines and miscount; split by hand */
	for (char *line = text; line && rc == 0; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = 0;
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			rc = sbx_error(e, "%s:%d: want `key = value`", path, lineno);
			break;
		}
		*eq = 0;
		char *k = trim(s), *v = trim(eq + 1);
		size_t vn = strlen(v);
		if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
			v[vn - 1] = 0;
			v++;
		}
		if (!key_ok(k))
			rc = sbx_error(e,
				       "%s:%d: unknown setting \"%s\" (want provider, model, max_steps, or NAME.base_url, "
				       "NAME.model, NAME.key_env, NAME.kind, NAME.max_tokens)",
				       path, lineno, k);
		else
			kv_set(kv, k, v);
	}
	buf_free(&b);
	if (rc < 0)
		kv_free(kv);
	return rc;
}

static const char *conf(const kvlist *kv, const char *name, const char *field)
{
	char key[160];
	snprintf(key, sizeof key, "%s.%s", name, field);
	const char *v = kv_get(kv, key);
	return v && *v ? v : NULL;
}

/* ---- resolving ---- */

/* OLLAMA_HOST is what the Ollama server and its clients take: host,
 * host:port or a URL; its OpenAI-compatible API is under /v1. */
static char *ollama_url(const char *host)
{
	const char *sep = strstr(host, "://");
	const char *h = sep ? sep + 3 : host;
	size_t n = strlen(h);
	while (n && h[n - 1] == '/')
		n--;
	/* a port after the host (an IPv6 address is in brackets) */
	const char *bracket = memchr(h, ']', n);
	const char *rest = bracket ? bracket : h;
	int has_port = memchr(rest, ':', n - (size_t)(rest - h)) != NULL;
	return xasprintf("%s%.*s%s/v1", sep ? "" : "http://", (int)((size_t)(h - host) + n), host,
			 has_port ? "" : ":11434");
}

static char *no_slash(const char *url)
{
	size_t n = strlen(url);
	while (n && url[n - 1] == '/')
		n--;
	return xstrndup(url, n);
}

/* The provider name as far as settings go: NULL if none. */
static const char *chosen(const ai_env *env, const kvlist *kv)
{
	const char *p = var(env, "SBX_AI_PROVIDER");
	if (!p)
		p = kv_get(kv, "provider");
	if (p && *p)
		return p;
	for (size_t i = 0; i < 2; i++)   /* openai, anthropic */
		if (var(env, builtins[i].key_env) || var(env, builtins[i].base_env))
			return builtins[i].name;
	return NULL;
}

/* name resolved into out; global_model: SBX_AI_MODEL / `model` apply
 * (the environment's own choice).  -1 only for a bad kind. */
static int resolve_one(const ai_env *env, const kvlist *kv, const char *name, const char *model, int global_model,
		       ai_provider *out, sbx_err *e)
{
	const builtin *b = find_builtin(name);
	const char *kind = conf(kv, name, "kind");
	memset(out, 0, sizeof *out);
	out->name = xstrdup(name);
	out->kind = b ? b->kind : AI_KIND_OPENAI;
	if (kind && !strcmp(kind, "anthropic"))
		out->kind = AI_KIND_ANTHROPIC;
	else if (kind && strcmp(kind, "openai")) {
		ai_provider_free(out);
		return sbx_error(e, "ai.conf: %s.kind is \"%s\": want openai or anthropic", name, kind);
	}
	/* base URL: its variable, then ai.conf, then the built-in */
	const char *benv = b ? var(env, b->base_env) : NULL;
	const char *base = benv ? benv : conf(kv, name, "base_url") ? conf(kv, name, "base_url") : b ? b->base_url : NULL;
	if (benv && !strcmp(b->base_env, "OLLAMA_HOST"))
		out->base_url = ollama_url(benv);
	else if (base)
		out->base_url = no_slash(base);
	const char *kenv = conf(kv, name, "key_env");
	if (!kenv && b)
		kenv = b->key_env;
	out->key_env = kenv ? xstrdup(kenv) : NULL;
	out->api_key = var(env, kenv) ? xstrdup(var(env, kenv)) : NULL;
	/* model: the explicit one, SBX_AI_MODEL, NAME.model, `model`, the default */
	const char *m = model && *model ? model : NULL;
	if (!m && global_model)
		m = var(env, "SBX_AI_MODEL");
	if (!m)
		m = conf(kv, name, "model");
	if (!m && global_model && kv_get(kv, "model") && *kv_get(kv, "model"))
		m = kv_get(kv, "model");
	if (!m)
		m = b ? b->model : "default";
	out->model = xstrdup(m);
	const char *mt = conf(kv, name, "max_tokens");
	out->max_tokens = mt ? atoi(mt) : 0;
	if (out->max_tokens < 0)
		out->max_tokens = 0;
	if (!out->base_url)
		out->missing = xasprintf("set %s.base_url in %s", name, env->conf_path ? env->conf_path : "ai.conf");
	else if (out->key_env && !out->api_key)
		out->missing = xasprintf("set %s", out->key_env);
	return 0;
}

/* Whether ai.conf defines name (one of its NAME.* keys). */
static int conf_defines(const kvlist *kv, const char *name)
{
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (conf(kv, name, fields[i]))
			return 1;
	return 0;
}

int ai_providers_list(const ai_env *env, ai_provider **out, size_t *n, sbx_err *e)
{
	kvlist kv;
	*out = NULL;
	*n = 0;
	if (load_conf(env, &kv, e) < 0)
		return -1;
	const char *active = chosen(env, &kv);
	char **names = NULL;
	size_t nn = 0;
	for (size_t i = 0; i < NBUILTIN; i++) {
		names = xrealloc(names, (nn + 1) * sizeof *names);
		names[nn++] = xstrdup(builtins[i].name);
	}
	for (size_t i = 0; i < kv.n; i++) {
		const char *dot = strchr(kv.keys[i], '.');
		if (!dot)
			continue;
		char *name = xstrndup(kv.keys[i], (size_t)(dot - kv.keys[i]));
		int seen = 0;
		for (size_t k = 0; k < nn && !seen; k++)
			seen = !strcmp(names[k], name);
		if (seen) {
			free(name);
			continue;
		}
		names = xrealloc(names, (nn + 1) * sizeof *names);
		names[nn++] = name;
	}
	ai_provider *v = xcalloc(nn, sizeof *v);
	int rc = 0;
	for (size_t i = 0; i < nn && rc == 0; i++) {
		rc = resolve_one(env, &kv, names[i], NULL, active && !strcmp(active, names[i]), &v[i], e);
		if (rc == 0)
			(*n)++;
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	kv_free(&kv);
	if (rc < 0) {
		ai_providers_free(v, *n);
		*n = 0;
		return -1;
	}
	*out = v;
	return 0;
}

int ai_provider_resolve(const ai_env *env, const char *provider, const char *model, ai_provider *out,
			sbx_err *e)
{
	kvlist kv;
	memset(out, 0, sizeof *out);
	if (load_conf(env, &kv, e) < 0)
		return -1;
	const char *active = chosen(env, &kv);
	const char *name = provider && *provider ? provider : active;
	int rc = -1;
	if (!name) {
		sbx_error(e, "no AI provider is configured: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or "
			     "SBX_AI_PROVIDER=ollama for a local Ollama (" DOCS ")");
	} else if (!find_builtin(name) && !conf_defines(&kv, name)) {
		sbx_error(e,
			  "unknown AI provider \"%s\": use openai, anthropic, groq, mistral, together, ollama, llamacpp, "
			  "lmstudio or vllm, or define %s.base_url in %s (" DOCS ")",
			  name, name, env->conf_path ? env->conf_path : "ai.conf");
	} else if (resolve_one(env, &kv, name, model, active && !strcmp(active, name), out, e) == 0) {
		rc = 0;
		if (out->missing) {
			rc = sbx_error(e, "AI provider %s is not usable: %s (" DOCS ")", name, out->missing);
			ai_provider_free(out);
		}
	}
	kv_free(&kv);
	return rc;
}

int ai_max_steps(const ai_env *env, int dflt)
{
	const char *srcs[2] = { var(env, "SBX_AI_MAX_STEPS"), NULL };
	kvlist kv;
	int n = dflt;
	if (load_conf(env, &kv, NULL) < 0)
		memset(&kv, 0, sizeof kv);
	srcs[1] = kv_get(&kv, "max_steps");
	for (size_t i = 0; i < 2; i++) {
		char *end;
		long v = srcs[i] ? strtol(srcs[i], &end, 10) : 0;
		if (srcs[i] && *srcs[i] && !*end && v > 0 && v <= 1000) {
			n = (int)v;
			break;   /* one that is not a step count falls through to the next */
		}
	}
	kv_free(&kv);
	return n;
}

static const char *host_getenv(const char *name, void *ud)
{
	(void)ud;
	return getenv(name);
}

void ai_env_default(ai_env *env)
{
	char *dir = sbx_config_dir();
	env->getenv = host_getenv;
	env->ud = NULL;
	env->conf_path = xasprintf("%s/ai.conf", dir);
	free(dir);
}

void ai_env_free_default(ai_env *env)
{
	free((char *)env->conf_path);
	env->conf_path = NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void ai_provider_copy(ai_provider *dst, const ai_provider *src)
{
	dst->name = dup_or_null(src->name);
	dst->kind = src->kind;
	dst->base_url = dup_or_null(src->base_url);
	dst->api_key = dup_or_null(src->api_key);
	dst->key_env = dup_or_null(src->key_env);
	dst->model = dup_or_null(src->model);
	dst->max_tokens = src->max_tokens;
	dst->missing = dup_or_null(src->missing);
}

void ai_provider_free(ai_provider *p)
{
	free(p->name);
	free(p->base_url);
	free(p->api_key);
	free(p->key_env);
	free(p->model);
	free(p->missing);
	memset(p, 0, sizeof *p);
}

void ai_providers_free(ai_provider *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ai_provider_free(&v[i]);
	free(v);
}
