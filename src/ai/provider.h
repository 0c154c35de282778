/*
 * provider: which model API sbx talks to, configured the way users already
 * configure those SDKs (docs/ai.md).  Pure but for ai_env_default.
 *
 * Two wire formats: OpenAI chat completions (also Groq, Mistral, Together,
 * vLLM, llama.cpp's server, LM Studio, Ollama's /v1) and Anthropic
 * messages.  Built-in providers:
 *
 *   name       kind       base URL (env override)                         key
 *   openai     openai     https://api.openai.com/v1 (OPENAI_BASE_URL)     OPENAI_API_KEY
 *   anthropic  anthropic  https://api.anthropic.com (ANTHROPIC_BASE_URL)  ANTHROPIC_API_KEY
 *   groq       openai     https://api.groq.com/openai/v1 (GROQ_BASE_URL)  GROQ_API_KEY
 *   mistral    openai     https://api.mistral.ai/v1 (MISTRAL_BASE_URL)    MISTRAL_API_KEY
 *   together   openai     https://api.together.xyz/v1 (TOGETHER_BASE_URL) TOGETHER_API_KEY
 *   ollama     openai     http://localhost:11434/v1 (OLLAMA_HOST + /v1)   none
 *   llamacpp   openai     http://localhost:8080/v1 (LLAMACPP_BASE_URL)    none
 *   lmstudio   openai     http://localhost:1234/v1 (LMSTUDIO_BASE_URL)    none
 *   vllm       openai     http://localhost:8000/v1 (VLLM_BASE_URL)        none
 *
 * Default models: openai gpt-4o, anthropic claude-sonnet-4-5, groq
 * llama-3.3-70b-versatile, mistral mistral-large-latest, together
 * meta-llama/Llama-3.3-70B-Instruct-Turbo, ollama llama3.1, the others
 * (and a provider of the config's own) "default".  OLLAMA_HOST is taken as
 * Ollama takes it (host, host:port or URL; port 11434 when none).
 *
 * Base URLs are as the official SDKs take them: OpenAI's includes /v1
 * (the path added is /chat/completions), Anthropic's does not (/v1/messages).
 * The config file (<config dir>/ai.conf, `key = value` lines, '#' comments)
 * sets `provider`, `model`, `max_steps`, and per provider `NAME.base_url`,
 * `NAME.model`, `NAME.key_env` (the variable holding its key),
 * `NAME.max_tokens`, and for a provider of its own `NAME.kind =
 * openai|anthropic` (it needs `NAME.base_url`).  A base URL variable beats
 * the file's `NAME.base_url`.  An unknown setting is an error.
 *
 * Which one: the explicit choice (--provider, the workbench's picker), else
 * SBX_AI_PROVIDER, else the file's `provider`, else the first of openai,
 * anthropic whose key or base URL variable is set.  Model likewise
 * (--model, SBX_AI_MODEL, `NAME.model`, `model`, the provider's default);
 * SBX_AI_MODEL and `model` go with the environment's choice of provider
 * only — another one, picked or listed, gets its own model.
 * A provider that needs a key and has none is still listed, with `missing`
 * saying what to set; resolving it is an error saying the same.
 */
#ifndef SBX_AI_PROVIDER_H
#define SBX_AI_PROVIDER_H
#include <stddef.h>
#include "../util/err.h"

typedef enum { AI_KIND_OPENAI, AI_KIND_ANTHROPIC } ai_kind;

typedef struct ai_provider {
	char *name;         /* "openai", "anthropic", "ollama", or the config's own */
	ai_kind kind;
	char *base_url;     /* no trailing slash */
	char *api_key;      /* NULL: none (local servers need none) */
	char *key_env;      /* the variable its key comes from; NULL: needs none */
	char *model;
	int max_tokens;     /* Anthropic requires one; 0: 4096 */
	char *missing;      /* NULL when usable, else what to set ("set ANTHROPIC_API_KEY") */
} ai_provider;

/* Where settings come from, as values, so resolution is testable. */
typedef struct ai_env {
	const char *(*getenv)(const char *name, void *ud);
	void *ud;
	const char *conf_path;   /* ai.conf; NULL or missing file: none */
} ai_env;

/* getenv(3) and <config dir>/ai.conf; conf_path is heap (free it). */
void ai_env_default(ai_env *env);
void ai_env_free_default(ai_env *env);

/* Every provider (built-in first, then the config file's), each resolved
 * as far as it can be (model, key, missing). */
int ai_providers_list(const ai_env *env, ai_provider **out, size_t *n, sbx_err *e);
/* provider / model NULL: the environment's choice, as above. */
int ai_provider_resolve(const ai_env *env, const char *provider, const char *model, ai_provider *out,
			sbx_err *e);
/* The max_steps setting (SBX_AI_MAX_STEPS, then the file), or dflt. */
int ai_max_steps(const ai_env *env, int dflt);
void ai_provider_copy(ai_provider *dst, const ai_provider *src);
void ai_provider_free(ai_provider *p);
void ai_providers_free(ai_provider *v, size_t n);

#endif
