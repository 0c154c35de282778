#include "cmd_opts.h"
#include "cmd_args.h"
#include "../util/strv.h"
#include "../util/buf.h"
#include "../util/xalloc.h"
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int opt_kv(const char *arg, const char *what, sbx_kv **kv, size_t *n, sbx_err *e)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return sbx_error(e, "%s '%s' is not KEY=VALUE", what, arg);
	*kv = xrealloc(*kv, (*n + 1) * sizeof **kv);
	(*kv)[*n].key = xstrndup(arg, (size_t)(eq - arg));
	(*kv)[*n].value = xstrdup(eq + 1);
	(*n)++;
	return 0;
}

void opt_kv_free(sbx_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)kv[i].key);
		free((char *)kv[i].value);
	}
	free(kv);
}

int opt_seconds(const char *s, int *out, sbx_err *e)
{
	long long total = 0;
	const char *p = s;
	if (!*p)
		return sbx_error(e, "an empty duration; give seconds, or e.g. 90s, 5m, 2h, 1d");
	while (*p) {
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p || v < 0)
			return sbx_error(e, "'%s' is not a duration; give seconds, or e.g. 90s, 5m, 2h, 1d", s);
		long long mul = 1;
		switch (*end) {
		case '\0': case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: return sbx_error(e, "'%s' is not a duration; give seconds, or e.g. 90s, 5m, 2h, 1d", s);
		}
		total += v * mul;
		if (total > 365LL * 86400)
			return sbx_error(e, "duration '%s' is more than a year", s);
		p = *end ? end + 1 : end;
	}
	if (total < 1)
		return sbx_error(e, "duration '%s' must be at least one second", s);
	*out = (int)total;
	return 0;
}

int opt_int(const char *s, int min, int max, const char *what, int *out, sbx_err *e)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < min || v > max)
		return sbx_error(e, "%s wants a whole number from %d to %d, got '%s'", what, min, max, s);
	*out = (int)v;
	return 0;
}

int opt_memory_mb(const char *s, int *out, sbx_err *e)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v <= 0)
		return sbx_error(e, "--memory wants MiB, e.g. 512, 512M or 2G; got '%s'", s);
	if (!strcmp(end, "G") || !strcmp(end, "g") || !strcmp(end, "GB") || !strcmp(end, "GiB"))
		v *= 1024;
	else if (*end && strcmp(end, "M") && strcmp(end, "m") && strcmp(end, "MB") && strcmp(end, "MiB"))
		return sbx_error(e, "--memory wants MiB, e.g. 512, 512M or 2G; got '%s'", s);
	if (v < 64 || v > 1024 * 1024)
		return sbx_error(e, "--memory must be from 64 MiB to 1 TiB, got '%s'", s);
	*out = (int)v;
	return 0;
}

static int plain(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%", *s))
			return 0;
	return 1;
}

char *opt_shell_join(char *const *argv, size_t n)
{
	if (n == 1)
		return xstrdup(argv[0]);
	sbx_buf b = SBX_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ' ');
		if (plain(argv[i])) {
			buf_puts(&b, argv[i]);
			continue;
		}
		buf_putc(&b, '\'');
		for (const char *p = argv[i]; *p; p++) {
			if (*p == '\'')
				buf_puts(&b, "'\\''");
			else
				buf_putc(&b, *p);
		}
		buf_putc(&b, '\'');
	}
	return b.data ? buf_detach(&b) : xstrdup("");
}

/* --- whole commands -------------------------------------------------------- */

int opt_bad(int argc, char **argv, sbx_err *e)
{
	/* getopt printed nothing (opterr = 0): say which */
	int i = optind - 1;
	const char *arg = i >= 0 && i < argc ? argv[i] : "?";
	if (optopt && optopt != '?')
		return sbx_error(e, "option '-%c' is unknown or wants a value", optopt);
	return sbx_error(e, "option '%s' is unknown or wants a value", arg);
}

int parse_create(int argc, char **argv, create_args *a, sbx_err *e)
{
	static const struct option opts[] = {
		{ "template", required_argument, 0, 't' }, { "timeout", required_argument, 0, 'T' },
		{ "runtime", required_argument, 0, 'r' }, { "env", required_argument, 0, 'e' },
		{ "meta", required_argument, 0, 'm' }, { "cpus", required_argument, 0, 'c' },
		{ "memory", required_argument, 0, 'M' }, { "no-internet", no_argument, 0, 'N' },
		{ "json", no_argument, 0, 'j' }, { "help", no_argument, 0, 'h' },
		{ "from", required_argument, 0, 'f' }, { "volume", required_argument, 0, 'v' },
		{ "allow-out", required_argument, 0, 'a' }, { "deny-out", required_argument, 0, 'd' }, { 0, 0, 0, 0 },
	};
	memset(a, 0, sizeof *a);
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "t:e:m:v:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->template_id = optarg; break;
		case 'T': if (opt_seconds(optarg, &a->timeout_s, e) < 0) return -1; break;
		case 'r': a->runtime = optarg; break;
		case 'e': if (opt_kv(optarg, "--env", &a->env, &a->nenv, e) < 0) return -1; break;
		case 'm': if (opt_kv(optarg, "--meta", &a->meta, &a->nmeta, e) < 0) return -1; break;
		case 'c': if (opt_int(optarg, 1, 256, "--cpus", &a->cpus, e) < 0) return -1; break;
		case 'M': if (opt_memory_mb(optarg, &a->memory_mb, e) < 0) return -1; break;
		case 'N': a->no_internet = 1; break;
		case 'j': a->json = 1; break;
		case 'f': a->from = optarg; break;
		case 'v': if (opt_volume_mount(optarg, &a->mounts, &a->nmounts, e) < 0) return -1; break;
		case 'a': if (opt_rules(optarg, "--allow-out", &a->allow_out, &a->nallow, e) < 0) return -1; break;
		case 'd': if (opt_rules(optarg, "--deny-out", &a->deny_out, &a->ndeny, e) < 0) return -1; break;
		case 'h': return sbx_error(e, OPT_HELP);
		default: return opt_bad(argc, argv, e);
		}
	}
	if (optind < argc) {
		/* `sbx create base` reads naturally: a lone template name */
		if (a->template_id || optind + 1 < argc)
			return sbx_error(e, "unexpected argument '%s'", argv[optind]);
		a->template_id = argv[optind];
	}
	if (a->from && a->template_id)
		return sbx_error(e, "--from starts the sandbox from a snapshot: give no template with it");
	if (a->from && !*a->from)
		return sbx_error(e, "--from wants a snapshot id or name (`sbx snapshot ls` lists them)");
	return 0;
}

void create_args_free(create_args *a)
{
	opt_kv_free(a->env, a->nenv);
	opt_kv_free(a->meta, a->nmeta);
	sbx_strv_free(a->allow_out);
	sbx_strv_free(a->deny_out);
	opt_mounts_free(a->mounts, a->nmounts);
	memset(a, 0, sizeof *a);
}

/* Options of sbx exec up to the first operand ("+": CMD's own options stay CMD's). */
static int exec_opts(int argc, char **argv, exec_args *a, sbx_err *e)
{
	static const struct option opts[] = {
		{ "tty", no_argument, 0, 't' }, { "interactive", no_argument, 0, 'i' },
		{ "cwd", required_argument, 0, 'w' }, { "user", required_argument, 0, 'u' },
		{ "env", required_argument, 0, 'e' }, { "timeout", required_argument, 0, 'T' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	int c, secs;
	while ((c = getopt_long(argc, argv, "+tiw:u:e:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->tty = 1; break;
		case 'i': a->stdin_fwd = 1; break;
		case 'w': a->cwd = optarg; break;
		case 'u': a->user = optarg; break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return sbx_error(e, "--env '%s' is not KEY=VALUE", optarg);
			a->env = xrealloc(a->env, (a->nenv + 2) * sizeof *a->env);
			a->env[a->nenv++] = optarg;
			a->env[a->nenv] = NULL;
			break;
		case 'T':
			if (opt_seconds(optarg, &secs, e) < 0)
				return -1;
			a->timeout_ms = secs * 1000L;
			break;
		case 'h': return sbx_error(e, OPT_HELP);
		default: return opt_bad(argc, argv, e);
		}
	}
	return 0;
}

/* sbx exec [OPTS] ID [OPTS] [--] CMD...: options go before or after the id
 * (README writes `sbx exec ID -t -- bash`); everything after "--", or from
 * the first operand after the id, is the command. */
int parse_exec(int argc, char **argv, exec_args *a, sbx_err *e)
{
	memset(a, 0, sizeof *a);
	optind = 0;
	opterr = 0;
	if (exec_opts(argc, argv, a, e) < 0)
		return -1;
	if (optind >= argc)
		return sbx_error(e, "no sandbox id given: sbx exec ID [-t] -- CMD...");
	a->id = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--")) {
		optind++;
	} else if (optind < argc) {
		/* Scan the rest as a new argv whose argv[0] is the id; getopt
		 * itself consumes a "--" there. */
		char **sub = argv + optind - 1;
		optind = 0;
		if (exec_opts(argc - (int)(sub - argv), sub, a, e) < 0)
			return -1;
		optind += (int)(sub - argv);
	}
	if (optind >= argc && !a->tty)
		return sbx_error(e, "no command given: sbx exec %s -- CMD...", a->id);
	a->cmd = argv + optind;
	a->ncmd = (size_t)(argc - optind);
	return 0;
}

void exec_args_free(exec_args *a)
{
	free(a->env);
	memset(a, 0, sizeof *a);
}

int parse_run(int argc, char **argv, run_args *a, sbx_err *e)
{
	static const struct option opts[] = {
		{ "code", required_argument, 0, 'c' }, { "context", required_argument, 0, 'C' },
		{ "language", required_argument, 0, 'l' }, { "out", required_argument, 0, 'o' },
		{ "list-contexts", no_argument, 0, 'L' }, { "timeout", required_argument, 0, 'T' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	memset(a, 0, sizeof *a);
	optind = 0;
	opterr = 0;
	int c, secs;
	while ((c = getopt_long(argc, argv, "c:l:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->code = optarg; break;
		case 'C': a->context = optarg; break;
		case 'l': a->language = optarg; break;
		case 'o': a->out_dir = optarg; break;
		case 'L': a->list_contexts = 1; break;
		case 'T':
			if (opt_seconds(optarg, &secs, e) < 0)
				return -1;
			a->timeout_ms = secs * 1000L;
			break;
		case 'h': return sbx_error(e, OPT_HELP);
		default: return opt_bad(argc, argv, e);
		}
	}
	if (optind >= argc)
		return sbx_error(e, "no sandbox id given: sbx run ID [-c CODE | FILE]");
	a->id = argv[optind++];
	if (optind < argc)
		a->file = argv[optind++];
	if (optind < argc)
		return sbx_error(e, "unexpected argument '%s'", argv[optind]);
	if (a->list_contexts)
		return 0;
	if (a->code && a->file)
		return sbx_error(e, "give -c CODE or a FILE, not both");
	if (!a->code && !a->file)
		return sbx_error(e, "nothing to run: give -c CODE, a FILE, or - for stdin");
	if (a->context && a->language)
		return sbx_error(e, "give --context or --language, not both (a context has its language)");
	return 0;
}
