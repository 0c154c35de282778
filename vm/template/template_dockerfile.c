/* template_dockerfile: the Dockerfile subset (FROM one of our templates,
 * RUN, COPY, ENV, WORKDIR, USER), parsed into the same recipe as the
 * recipe format; EXPOSE, LABEL and MAINTAINER (metadata, common in E2B's
 * files) are ignored with a note; anything else is an error naming the
 * line. */
#include "template_int.h"
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../../src/util/xalloc.h"

/* A JSON array of strings, or 0 when s is not one. */
static int json_words(const char *s, char ***w, size_t *n)
{
	*w = NULL;
	*n = 0;
	json_t *a = json_loads(s, JSON_DECODE_ANY, NULL);
	if (!a || !json_is_array(a)) {
		json_decref(a);
		return 0;
	}
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			json_decref(a);
			strv_free(*w, *n);
			*w = NULL;
			*n = 0;
			return 0;
		}
		strv_push(w, n, xstrdup(json_string_value(v)));
	}
	json_decref(a);
	return 1;
}

static int docker_from(tpl_parser *p, const char *rest)
{
	char **w;
	size_t n;
	if (tpl_split_words(rest, &w, &n) < 0)
		return tpl_perr(p, "unterminated quote in FROM");
	int rc;
	if (n && !strncmp(w[0], "--", 2))
		rc = tpl_perr(p, "FROM %s: options are not supported; write FROM <template>", w[0]);
	else if (n == 1 || (n == 3 && !strcasecmp(w[1], "as")))
		rc = tpl_set_from(p, w[0]);
	else
		rc = tpl_perr(p, "FROM takes one template name (FROM base), got '%s'", rest);
	strv_free(w, n);
	return rc;
}

static int docker_run(tpl_parser *p, const char *rest)
{
	if (!strncmp(rest, "--", 2))
		return tpl_perr(p, "RUN options (--mount, --network, …) are not supported; write RUN <command>");
	char **w;
	size_t n;
	if (rest[0] == '[' && json_words(rest, &w, &n)) {
		if (!n) {
			strv_free(w, n);
			return tpl_perr(p, "RUN [] has no command");
		}
		sbx_buf b = SBX_BUF_INIT;
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_putc(&b, ' ');
			tpl_sh_quote(&b, w[i]);
		}
		strv_free(w, n);
		int rc = tpl_add_run(p, buf_cstr(&b));
		buf_free(&b);
		return rc;
	}
	return tpl_add_run(p, rest);
}

static int docker_copy(tpl_parser *p, const char *rest)
{
	char *chown = NULL;
	const char *s = rest;
	while (!strncmp(s, "--", 2)) {
		size_t len = strcspn(s, " \t");
		if (!strncmp(s, "--chown=", 8)) {
			free(chown);
			chown = xstrndup(s + 8, len - 8);
		} else {
			free(chown);
			return tpl_perr(p, "COPY option %.*s is not supported (only --chown=USER[:GROUP]); "
				    "copy local files and use RUN for the rest", (int)len, s);
		}
		s += len;
		while (isspace((unsigned char)*s))
			s++;
	}
	char **w;
	size_t n;
	if (!(s[0] == '[' && json_words(s, &w, &n)) && tpl_split_words(s, &w, &n) < 0) {
		free(chown);
		return tpl_perr(p, "unterminated quote in COPY");
	}
	int rc = tpl_add_copy(p, chown, w, n);
	strv_free(w, n);
	free(chown);
	return rc;
}

static int docker_env(tpl_parser *p, const char *rest)
{
	char **w;
	size_t n;
	if (tpl_split_words(rest, &w, &n) < 0)
		return tpl_perr(p, "unterminated quote in ENV");
	int rc = 0;
	if (n == 0) {
		rc = tpl_perr(p, "ENV needs KEY=VALUE");
	} else if (!strchr(w[0], '=')) {
		/* Legacy ENV KEY VALUE: the value is the rest of the line as written. */
		size_t klen = strcspn(rest, " \t");
		const char *v = rest + klen;
		while (isspace((unsigned char)*v))
			v++;
		char *kv = xasprintf("%.*s=%s", (int)klen, rest, v);
		rc = tpl_add_env(p, kv);
		free(kv);
	} else {
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = tpl_add_env(p, w[i]);
	}
	strv_free(w, n);
	return rc;
}

static int docker_one_word(tpl_parser *p, const char *instr, const char *rest, int (*set)(tpl_parser *, const char *))
{
	char **w;
	size_t n;
	if (tpl_split_words(rest, &w, &n) < 0)
		return tpl_perr(p, "unterminated quote in %s", instr);
	int rc = n == 1 ? set(p, w[0]) : tpl_perr(p, "%s takes one argument, got '%s'", instr, rest);
	strv_free(w, n);
	return rc;
}

int tpl_docker_line(tpl_parser *p, const char *line)
{
	size_t ilen = strcspn(line, " \t");
	char instr[16];
	snprintf(instr, sizeof instr, "%.*s", (int)(ilen < 15 ? ilen : 15), line);
	for (char *c = instr; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	const char *rest = line + ilen;
	while (isspace((unsigned char)*rest))
		rest++;
	if (!p->seen_from && strcmp(instr, "FROM"))
		return tpl_perr(p, "the first instruction must be FROM <template> (e.g. FROM base), got %s", instr);
	int known = !strcmp(instr, "FROM") || !strcmp(instr, "RUN") || !strcmp(instr, "COPY") ||
		    !strcmp(instr, "ENV") || !strcmp(instr, "WORKDIR") || !strcmp(instr, "USER");
	if (known && !*rest)
		return tpl_perr(p, "%s needs an argument", instr);
	if (!strcmp(instr, "FROM")) {
		p->seen_from = 1;
		return docker_from(p, rest);
	}
	if (!strcmp(instr, "RUN"))
		return docker_run(p, rest);
	if (!strcmp(instr, "COPY"))
		return docker_copy(p, rest);
	if (!strcmp(instr, "ENV"))
		return docker_env(p, rest);
	if (!strcmp(instr, "WORKDIR"))
		return docker_one_word(p, "WORKDIR", rest, tpl_set_workdir);
	if (!strcmp(instr, "USER"))
		return docker_one_word(p, "USER", rest, tpl_set_user);
	if (!strcmp(instr, "EXPOSE") || !strcmp(instr, "LABEL") || !strcmp(instr, "MAINTAINER")) {
		tpl_note(p, "%s ignored (%s)", instr, !strcmp(instr, "EXPOSE")
			 ? "every port of a sandbox is reachable through sbxd's proxy"
			 : "image metadata; a template has none");
		return 0;
	}
	const char *hint = "";
	if (!strcmp(instr, "ADD"))
		hint = " (use COPY for local files; URLs and archives are not fetched)";
	else if (!strcmp(instr, "CMD") || !strcmp(instr, "ENTRYPOINT"))
		hint = " (a sandbox starts sbx-agent; put your process in e2b.toml's start_cmd, "
		       "or start it with a command after creating the sandbox)";
	else if (!strcmp(instr, "ARG"))
		hint = " (use ENV)";
	return tpl_perr(p, "%s is not supported%s; a Dockerfile here may use FROM, RUN, COPY, ENV, WORKDIR, USER "
		    "(and EXPOSE, LABEL, which are ignored)", instr, hint);
}
