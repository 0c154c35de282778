/* agent_env: the global environment given by /init or --env. */
#include "agent.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

void agent_env_set(agent_env *env, const char *key, const char *value)
{
	for (size_t i = 0; i < env->n; i++) {
		if (!strcmp(env->keys[i], key)) {
			free(env->values[i]);
			env->values[i] = xstrdup(value);
			return;
		}
	}
	env->keys = xrealloc(env->keys, (env->n + 1) * sizeof *env->keys);
	env->values = xrealloc(env->values, (env->n + 1) * sizeof *env->values);
	env->keys[env->n] = xstrdup(key);
	env->values[env->n] = xstrdup(value);
	env->n++;
}

void agent_env_free(agent_env *env)
{
	for (size_t i = 0; i < env->n; i++) {
		free(env->keys[i]);
		free(env->values[i]);
	}
	free(env->keys);
	free(env->values);
	memset(env, 0, sizeof *env);
}
