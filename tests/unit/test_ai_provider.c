/* provider: which provider, model, key and base URL the environment and
 * ai.conf give — a table of cases — and the list with what to set. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/ai/provider.h"

/* A fake environment: "NAME=VALUE" entries, NULL-terminated. */
static const char *fake_getenv(const char *name, void *ud)
{
	const char *const *v = ud;
	size_t n = strlen(name);
	for (; v && *v; v++)
		if (!strncmp(*v, name, n) && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}

static char conf_path[64];

/* An ai_env over vars and a conf file holding text (NULL: no file). */
static ai_env make_env(const char *const *vars, const char *text)
{
	ai_env env = { fake_getenv, (void *)vars, conf_path };
	unlink(conf_path);
	if (text) {
		FILE *f = fopen(conf_path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	return env;
}

static int setup(void **state)
{
	(void)state;
	snprintf(conf_path, sizeof conf_path, "/tmp/test_ai_provider.%d.conf", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(conf_path);
	return 0;
}

#define V(...) ((const char *const[]){ __VA_ARGS__, NULL })

typedef struct rcase {
	const char *what;
	const char *const *vars;
	const char *conf;
	const char *provider, *model;          /* the explicit choice */
	const char *name, *base_url, *want_model, *key;   /* want; name NULL: an error */
	ai_kind kind;
	const char *err;                       /* want: a substring of the error */
} rcase;

static const rcase cases[] = {
	{ "nothing set", V(NULL), NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "no AI provider is configured: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or SBX_AI_PROVIDER=ollama for a "
	  "local Ollama (docs/ai.md)" },
	{ "an empty variable is unset", V("OPENAI_API_KEY="), NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "no AI provider is configured" },
	{ "openai key", V("OPENAI_API_KEY=sk-1"), NULL, NULL, NULL, "openai", "https://api.openai.com/v1", "gpt-4o",
	  "sk-1", AI_KIND_OPENAI, NULL },
	{ "anthropic key", V("ANTHROPIC_API_KEY=a-1"), NULL, NULL, NULL, "anthropic", "https://api.anthropic.com",
	  "claude-sonnet-4-5", "a-1", AI_KIND_ANTHROPIC, NULL },
	{ "both keys: openai first", V("ANTHROPIC_API_KEY=a", "OPENAI_API_KEY=o"), NULL, NULL, NULL, "openai",
	  "https://api.openai.com/v1", "gpt-4o", "o", AI_KIND_OPENAI, NULL },
	{ "a base URL variable chooses too, and wants its key",
	  V("ANTHROPIC_API_KEY=a", "OPENAI_BASE_URL=http://127.0.0.1:8/v1"), NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  0, "AI provider openai is not usable: set OPENAI_API_KEY (docs/ai.md)" },
	{ "SBX_AI_PROVIDER beats the keys", V("OPENAI_API_KEY=o", "ANTHROPIC_API_KEY=a", "SBX_AI_PROVIDER=anthropic"),
	  NULL, NULL, NULL, "anthropic", "https://api.anthropic.com", "claude-sonnet-4-5", "a", AI_KIND_ANTHROPIC,
	  NULL },
	{ "the file's provider beats the keys", V("OPENAI_API_KEY=o", "GROQ_API_KEY=g"), "provider = groq\n", NULL,
	  NULL, "groq", "https://api.groq.com/openai/v1", "llama-3.3-70b-versatile", "g", AI_KIND_OPENAI, NULL },
	{ "SBX_AI_PROVIDER beats the file", V("MISTRAL_API_KEY=m", "SBX_AI_PROVIDER=mistral"), "provider = groq\n",
	  NULL, NULL, "mistral", "https://api.mistral.ai/v1", "mistral-large-latest", "m", AI_KIND_OPENAI, NULL },
	{ "the explicit choice beats all", V("SBX_AI_PROVIDER=mistral", "TOGETHER_API_KEY=t"), "provider = groq\n",
	  "together", NULL, "together", "https://api.together.xyz/v1", "meta-llama/Llama-3.3-70B-Instruct-Turbo", "t",
	  AI_KIND_OPENAI, NULL },
	{ "ollama needs no key", V("SBX_AI_PROVIDER=ollama"), NULL, NULL, NULL, "ollama", "http://localhost:11434/v1",
	  "llama3.1", NULL, AI_KIND_OPENAI, NULL },
	{ "OLLAMA_HOST host only", V("OLLAMA_HOST=10.0.0.5"), NULL, "ollama", NULL, "ollama",
	  "http://10.0.0.5:11434/v1", "llama3.1", NULL, AI_KIND_OPENAI, NULL },
	{ "OLLAMA_HOST URL", V("OLLAMA_HOST=https://o.example:443/"), NULL, "ollama", NULL, "ollama",
	  "https://o.example:443/v1", "llama3.1", NULL, AI_KIND_OPENAI, NULL },
	{ "OLLAMA_HOST IPv6", V("OLLAMA_HOST=[::1]"), NULL, "ollama", NULL, "ollama", "http://[::1]:11434/v1",
	  "llama3.1", NULL, AI_KIND_OPENAI, NULL },
	{ "OLLAMA_HOST IPv6 and port", V("OLLAMA_HOST=[::1]:9"), NULL, "ollama", NULL, "ollama", "http://[::1]:9/v1",
	  "llama3.1", NULL, AI_KIND_OPENAI, NULL },
	{ "local servers: default model", V(NULL), NULL, "vllm", NULL, "vllm", "http://localhost:8000/v1", "default",
	  NULL, AI_KIND_OPENAI, NULL },
	{ "base URL: the variable beats the file, no trailing slash",
	  V("OPENAI_API_KEY=o", "OPENAI_BASE_URL=http://127.0.0.1:8/v1//"), "openai.base_url = http://x/v1\n", NULL,
	  NULL, "openai", "http://127.0.0.1:8/v1", "gpt-4o", "o", AI_KIND_OPENAI, NULL },
	{ "base URL from the file", V("ANTHROPIC_API_KEY=a"), "anthropic.base_url = http://127.0.0.1:7/\n", NULL,
	  NULL, "anthropic", "http://127.0.0.1:7", "claude-sonnet-4-5", "a", AI_KIND_ANTHROPIC, NULL },
	{ "model: explicit first", V("OPENAI_API_KEY=o", "SBX_AI_MODEL=m1"), "openai.model = m2\nmodel = m3\n", NULL,
	  "m0", "openai", "https://api.openai.com/v1", "m0", "o", AI_KIND_OPENAI, NULL },
	{ "model: SBX_AI_MODEL", V("OPENAI_API_KEY=o", "SBX_AI_MODEL=m1"), "openai.model = m2\nmodel = m3\n", NULL,
	  NULL, "openai", "https://api.openai.com/v1", "m1", "o", AI_KIND_OPENAI, NULL },
	{ "model: NAME.model", V("OPENAI_API_KEY=o"), "openai.model = m2\nmodel = m3\n", NULL, NULL, "openai",
	  "https://api.openai.com/v1", "m2", "o", AI_KIND_OPENAI, NULL },
	{ "model: the file's model", V("OPENAI_API_KEY=o"), "model = m3\n", NULL, NULL, "openai",
	  "https://api.openai.com/v1", "m3", "o", AI_KIND_OPENAI, NULL },
	{ "model: SBX_AI_MODEL is not another provider's", V("OPENAI_API_KEY=o", "ANTHROPIC_API_KEY=a", "SBX_AI_MODEL=m1"),
	  "model = m3\n", "anthropic", NULL, "anthropic", "https://api.anthropic.com", "claude-sonnet-4-5", "a",
	  AI_KIND_ANTHROPIC, NULL },
	{ "key_env from the file", V("OPENAI_API_KEY=o", "MY_KEY=z"), "openai.key_env = MY_KEY\n", NULL, NULL,
	  "openai", "https://api.openai.com/v1", "gpt-4o", "z", AI_KIND_OPENAI, NULL },
	{ "key_env from the file, unset", V("OPENAI_API_KEY=o"), "openai.key_env = MY_KEY\n", NULL, NULL, NULL, NULL,
	  NULL, NULL, 0, "AI provider openai is not usable: set MY_KEY" },
	{ "a provider of the file's own",
	  V("MINE_KEY=k"),
	  "# mine\r\n\r\nprovider = mine\r\n  mine.base_url = \"http://127.0.0.1:5/\"  \r\nmine.kind = anthropic\n"
	  "mine.key_env = MINE_KEY\n",
	  NULL, NULL, "mine", "http://127.0.0.1:5", "default", "k", AI_KIND_ANTHROPIC, NULL },
	{ "a provider of its own without a base URL", V(NULL), "provider = mine\nmine.model = x\n", NULL, NULL, NULL,
	  NULL, NULL, NULL, 0, "AI provider mine is not usable: set mine.base_url in /tmp/test_ai_provider." },
	{ "an unknown provider", V("SBX_AI_PROVIDER=nope"), NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "unknown AI provider \"nope\": use openai, anthropic" },
	{ "a bad kind", V(NULL), "mine.base_url = http://h\nmine.kind = grpc\n", "mine", NULL, NULL, NULL, NULL, NULL,
	  0, "ai.conf: mine.kind is \"grpc\": want openai or anthropic" },
	{ "a line without =", V("OPENAI_API_KEY=o"), "# c\nprovider openai\n", NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  ".conf:2: want `key = value`" },
	{ "an unknown setting", V("OPENAI_API_KEY=o"), "openai.api_key = sk\n", NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  ".conf:1: unknown setting \"openai.api_key\"" },
	{ "a bad provider name in a key", V("OPENAI_API_KEY=o"), "My Prov.model = x\n", NULL, NULL, NULL, NULL, NULL,
	  NULL, 0, "unknown setting \"My Prov.model\"" },
};

static void test_resolve_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const rcase *c = &cases[i];
		ai_env env = make_env(c->vars, c->conf);
		ai_provider p;
		sbx_err e = { "" };
		int rc = ai_provider_resolve(&env, c->provider, c->model, &p, &e);
		if (!c->name) {
			if (rc != -1 || !strstr(e.msg, c->err))
				fail_msg("%s: rc %d, error \"%s\", want \"%s\"", c->what, rc, e.msg, c->err);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: failed: %s", c->what, e.msg);
		if (strcmp(p.name, c->name) || strcmp(p.base_url, c->base_url) || strcmp(p.model, c->want_model) ||
		    (c->key ? !p.api_key || strcmp(p.api_key, c->key) : p.api_key != NULL) || p.kind != c->kind ||
		    p.missing)
			fail_msg("%s: got %s %s %s key %s kind %d missing %s", c->what, p.name, p.base_url, p.model,
				 p.api_key ? p.api_key : "(none)", (int)p.kind, p.missing ? p.missing : "-");
		ai_provider_free(&p);
	}
}

static void test_list(void **state)
{
	(void)state;
	ai_env env = make_env(V("OPENAI_API_KEY=o", "SBX_AI_MODEL=gpt-x", "OLLAMA_HOST=h:1"),
			      "mine.base_url = http://127.0.0.1:5\nmine.key_env = MINE_KEY\nanthropic.max_tokens = 8192\n");
	ai_provider *v;
	size_t n;
	sbx_err e;
	assert_int_equal(ai_providers_list(&env, &v, &n, &e), 0);
	static const char *const names[] = { "openai", "anthropic", "groq", "mistral", "together",
					     "ollama", "llamacpp", "lmstudio", "vllm", "mine" };
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v[i].name, names[i]);
	assert_null(v[0].missing);
	assert_string_equal(v[0].model, "gpt-x");   /* the active one takes SBX_AI_MODEL */
	assert_string_equal(v[1].missing, "set ANTHROPIC_API_KEY");
	assert_string_equal(v[1].model, "claude-sonnet-4-5");
	assert_int_equal(v[1].max_tokens, 8192);
	assert_string_equal(v[2].missing, "set GROQ_API_KEY");
	assert_null(v[5].missing);   /* ollama */
	assert_string_equal(v[5].base_url, "http://h:1/v1");
	assert_null(v[5].key_env);
	assert_string_equal(v[9].missing, "set MINE_KEY");
	assert_int_equal(v[9].kind, AI_KIND_OPENAI);
	/* a copy is deep */
	ai_provider c;
	ai_provider_copy(&c, &v[1]);
	ai_providers_free(v, n);
	assert_string_equal(c.name, "anthropic");
	assert_string_equal(c.missing, "set ANTHROPIC_API_KEY");
	ai_provider_free(&c);
	/* a broken file is an error saying where */
	env = make_env(V(NULL), "x\n");
	assert_int_equal(ai_providers_list(&env, &v, &n, &e), -1);
	assert_non_null(strstr(e.msg, ".conf:1: want `key = value`"));
	assert_int_equal(n, 0);
	/* no file at all is fine */
	env = make_env(V(NULL), NULL);
	assert_int_equal(ai_providers_list(&env, &v, &n, &e), 0);
	assert_int_equal(n, 9);
	ai_providers_free(v, n);
}

static void test_max_steps(void **state)
{
	(void)state;
	ai_env env = make_env(V("SBX_AI_MAX_STEPS=7"), "max_steps = 5\n");
	assert_int_equal(ai_max_steps(&env, 10), 7);
	env = make_env(V("SBX_AI_MAX_STEPS=abc"), "max_steps = 5\n");
	assert_int_equal(ai_max_steps(&env, 10), 5);
	env = make_env(V("SBX_AI_MAX_STEPS=0"), "max_steps = 5x\n");
	assert_int_equal(ai_max_steps(&env, 10), 10);
	env = make_env(V(NULL), NULL);
	assert_int_equal(ai_max_steps(&env, 3), 3);
}

static void test_env_default(void **state)
{
	(void)state;
	ai_env env;
	setenv("XDG_CONFIG_HOME", "/tmp/xdg-test-ai", 1);
	setenv("SBX_TEST_AI_VAR", "v", 1);
	ai_env_default(&env);
	assert_string_equal(env.conf_path, "/tmp/xdg-test-ai/sbx/ai.conf");
	assert_string_equal(env.getenv("SBX_TEST_AI_VAR", env.ud), "v");
	ai_env_free_default(&env);
	assert_null(env.conf_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_table),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_max_steps),
		cmocka_unit_test(test_env_default),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
