#include "cmd_args.h"
#include "cmd_opts.h"
#include "../util/buf.h"
#include "../util/strv.h"
#include "../util/xalloc.h"
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int opt_volume_mount(const char *arg, sbx_volume_mount **m, size_t *n, sbx_err *e)
{
	const char *colon = strchr(arg, ':');
	if (!colon || colon == arg || colon[1] != '/')
		return sbx_error(e, "--volume '%s' is not NAME:/path (a volume, and where it goes in the sandbox)", arg);
	if (!strcmp(colon + 1, "/"))
		return sbx_error(e, "--volume '%s': a volume cannot be mounted on the sandbox's root", arg);
	*m = xrealloc(*m, (*n + 1) * sizeof **m);
	(*m)[*n].name = xstrndup(arg, (size_t)(colon - arg));
	(*m)[*n].path = xstrdup(colon + 1);
	(*n)++;
	return 0;
}

void opt_mounts_free(sbx_volume_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)m[i].name);
		free((char *)m[i].path);
	}
	free(m);
}

int opt_rules(const char *arg, const char *what, char ***v, size_t *n, sbx_err *e)
{
	const char *p = arg;
	size_t before = *n;
	if (!*arg)
		return sbx_error(e, "%s wants a CIDR, an IP or a domain name, got ''", what);
	while (*p) {
		size_t len = strcspn(p, ", \t");
		if (!len) {
			/* a separator: runs of spaces are fine, an empty entry between commas is not */
			if (*p == ',' && (p == arg || p[1] == ',' || !p[1]))
				return sbx_error(e, "%s '%s' has an empty entry", what, arg);
			p++;
			continue;
		}
		sbx_strv_push(v, n, xstrndup(p, len));
		p += len;
	}
	if (*n == before)
		return sbx_error(e, "%s wants a CIDR, an IP or a domain name, got '%s'", what, arg);
	return 0;
}

/* The operands after the options (getopt permutes them to the end). */
static int operands(int argc, char **argv, const char **out, int min, int max, const char *missing, sbx_err *e)
{
	int n = argc - optind;
	if (n < min)
		return sbx_error(e, "%s", missing);
	if (n > max)
		return sbx_error(e, "unexpected argument '%s'", argv[optind + max]);
	for (int i = 0; i < n; i++)
		out[i] = argv[optind + i];
	return 0;
}

int parse_snapshot(int argc, char **argv, snapshot_args *a, sbx_err *e)
{
	static const struct option opts[] = {
		{ "name", required_argument, 0, 'n' }, { "sandbox", required_argument, 0, 's' },
		{ "json", no_argument, 0, 'j' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	memset(a, 0, sizeof *a);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return sbx_error(e, OPT_HELP);
	if (argc < 2)
		return sbx_error(e, "want a subcommand: create, ls or rm");
	const char *sub = argv[1];
	if (!strcmp(sub, "create"))
		a->sub = SNAP_CREATE;
	else if (!strcmp(sub, "ls") || !strcmp(sub, "list"))
		a->sub = SNAP_LS;
	else if (!strcmp(sub, "rm") || !strcmp(sub, "delete"))
		a->sub = SNAP_RM;
	else
		return sbx_error(e, "unknown subcommand '%s'; want create, ls or rm", sub);
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc - 1, argv + 1, "n:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': a->name = optarg; break;
		case 's': a->sandbox = optarg; break;
		case 'j': a->json = 1; break;
		case 'h': return sbx_error(e, OPT_HELP);
		default: return opt_bad(argc - 1, argv + 1, e);
		}
	}
	if (a->name && a->sub != SNAP_CREATE)
		return sbx_error(e, "--name goes with `snapshot create`");
	if (a->sandbox && a->sub != SNAP_LS)
		return sbx_error(e, "--sandbox goes with `snapshot ls`");
	const char *op[1] = { NULL };
	if (a->sub == SNAP_LS)
		return operands(argc - 1, argv + 1, op, 0, 0, "", e);
	if (operands(argc - 1, argv + 1, op, 1, 1,
		     a->sub == SNAP_CREATE ? "no sandbox id given" : "no snapshot id or name given", e) < 0)
		return -1;
	a->id = op[0];
	return 0;
}

int parse_fork(int argc, char **argv, fork_args *a, sbx_err *e)
{
	static const struct option opts[] = {
		{ "count", required_argument, 0, 'n' }, { "timeout", required_argument, 0, 'T' },
		{ "json", no_argument, 0, 'j' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	memset(a, 0, sizeof *a);
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "n:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': if (opt_int(optarg, 1, 20, "--count", &a->count, e) < 0) return -1; break;
		case 'T': if (opt_seconds(optarg, &a->timeout_s, e) < 0) return -1; break;
		case 'j': a->json = 1; break;
		case 'h': return sbx_error(e, OPT_HELP);
		default: return opt_bad(argc, argv, e);
		}
	}
	const char *op[1] = { NULL };
	if (operands(argc, argv, op, 1, 1, "no sandbox id given", e) < 0)
		return -1;
	a->id = op[0];
	return 0;
}

int parse_port(int argc, char **argv, port_args *a, sbx_err *e)
{
	static const struct option opts[] = {
		{ "local", required_argument, 0, 'l' }, { "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	memset(a, 0, sizeof *a);
	optind = 0;
	opterr = 0;
	int c, has_local = 0;
	while ((c = getopt_long(argc, argv, "l:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (opt_int(optarg, 1, 65535, "--local", &a->local_port, e) < 0)
				return -1;
			has_local = 1;
			break;
		case 'j': a->json = 1; break;
		case 'h': return sbx_error(e, OPT_HELP);
		default: return opt_bad(argc, argv, e);
		}
	}
	const char *op[2] = { NULL, NULL };
	if (operands(argc, argv, op, 1, 2, "no sandbox id given", e) < 0)
		return -1;
	a->id = op[0];
	if (op[1] && opt_int(op[1], 1, 65535, "PORT", &a->port, e) < 0)
		return -1;
	if (has_local && !a->port)
		return sbx_error(e, "--local goes with a PORT to forward (sbx port ID PORT --local LPORT)");
	if (a->json && a->port)
		return sbx_error(e, "--json goes with the list of ports (sbx port ID --json)");
	return 0;
}

static const struct { const char *name; int sub, min, max; const char *missing; } vol_subs[] = {
	{ "create", VOL_CREATE, 1, 1, "no volume name given" },
	{ "ls", VOL_LS, 0, 2, "" },
	{ "list", VOL_LS, 0, 2, "" },
	{ "rm", VOL_RM, 1, 1, "no volume given" },
	{ "files", VOL_FILES, 1, 2, "no volume given" },
	{ "ls-files", VOL_FILES, 1, 2, "no volume given" },
	{ "put", VOL_PUT, 3, 3, "want a volume, a local file (- for stdin) and a path in the volume" },
	{ "get", VOL_GET, 2, 3, "want a volume and a path in it (and where to write it)" },
	{ "mkdir", VOL_MKDIR, 2, 2, "want a volume and a directory path in it" },
	{ "rm-file", VOL_RMFILE, 2, 2, "want a volume and the path to remove in it" },
};

int parse_volume(int argc, char **argv, volume_args *a, sbx_err *e)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	memset(a, 0, sizeof *a);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return sbx_error(e, OPT_HELP);
	if (argc < 2)
		return sbx_error(e, "want a subcommand: create, ls, rm, files, put, get, mkdir or rm-file");
	size_t s;
	for (s = 0; s < sizeof vol_subs / sizeof *vol_subs; s++)
		if (!strcmp(argv[1], vol_subs[s].name))
			break;
	if (s == sizeof vol_subs / sizeof *vol_subs)
		return sbx_error(e, "unknown subcommand '%s'; want create, ls, rm, files, put, get, mkdir or rm-file",
				 argv[1]);
	a->sub = vol_subs[s].sub;
	optind = 0;
	opterr = 0;
	int c;
	/* "-" (stdin/stdout) is an operand: getopt leaves it alone */
	while ((c = getopt_long(argc - 1, argv + 1, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': a->json = 1; break;
		case 'h': return sbx_error(e, OPT_HELP);
		default: return opt_bad(argc - 1, argv + 1, e);
		}
	}
	const char *op[3] = { NULL, NULL, NULL };
	if (operands(argc - 1, argv + 1, op, vol_subs[s].min, vol_subs[s].max, vol_subs[s].missing, e) < 0)
		return -1;
	a->name = op[0];
	switch (a->sub) {
	case VOL_LS:
		if (a->name) {   /* `ls NAME [PATH]`: the volume's files */
			a->sub = VOL_FILES;
			a->path = op[1] ? op[1] : "/";
		}
		break;
	case VOL_FILES: a->path = op[1] ? op[1] : "/"; break;
	case VOL_PUT: a->local = op[1]; a->path = op[2]; break;
	case VOL_GET: a->path = op[1]; a->local = op[2]; break;
	case VOL_MKDIR: case VOL_RMFILE: a->path = op[1]; break;
	default: break;
	}
	if (a->path && !*a->path)
		return sbx_error(e, "an empty path in the volume");
	if (a->json && a->sub != VOL_LS && a->sub != VOL_FILES && a->sub != VOL_CREATE)
		return sbx_error(e, "--json goes with create, ls and files");
	return 0;
}

int parse_network(int argc, char **argv, network_args *a, sbx_err *e)
{
	static const struct option opts[] = {
		{ "allow-out", required_argument, 0, 'a' }, { "deny-out", required_argument, 0, 'd' },
		{ "no-internet", no_argument, 0, 'N' }, { "internet", no_argument, 0, 'I' },
		{ "clear", no_argument, 0, 'c' }, { "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	memset(a, 0, sizeof *a);
	a->internet = -1;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': if (opt_rules(optarg, "--allow-out", &a->allow_out, &a->nallow, e) < 0) return -1; break;
		case 'd': if (opt_rules(optarg, "--deny-out", &a->deny_out, &a->ndeny, e) < 0) return -1; break;
		case 'N': a->internet = 0; break;
		case 'I': a->internet = 1; break;
		case 'c': a->clear = 1; break;
		case 'j': a->json = 1; break;
		case 'h': return sbx_error(e, OPT_HELP);
		default: return opt_bad(argc, argv, e);
		}
	}
	const char *op[1] = { NULL };
	if (operands(argc, argv, op, 1, 1, "no sandbox id given", e) < 0)
		return -1;
	a->id = op[0];
	a->update = a->nallow || a->ndeny || a->internet >= 0;
	if (a->clear && a->update)
		return sbx_error(e, "--clear drops every rule; give it alone (the rules given replace the old ones anyway)");
	a->update |= a->clear;
	if (a->json && a->update)
		return sbx_error(e, "--json shows the rules; it goes without rule options");
	return 0;
}

void network_args_free(network_args *a)
{
	sbx_strv_free(a->allow_out);
	sbx_strv_free(a->deny_out);
	memset(a, 0, sizeof *a);
}

/* --type T[,T...]: each name one sbxd records, at most EVENTS_TYPES_MAX in all. */
static int opt_event_types(const char *arg, events_args *a, sbx_err *e)
{
	size_t nargs = 0;
	while (a->types[nargs])
		nargs++;
	for (const char *p = arg;; p++) {
		size_t len = strcspn(p, ",");
		if (!sbx_event_type_known(p, len)) {
			sbx_buf known = SBX_BUF_INIT;
			for (const char *const *t = sbx_event_types; *t; t++)
				buf_printf(&known, "%s%s", t == sbx_event_types ? "" : ", ", *t);
			sbx_error(e, "--type '%.*s' is not an event type; want one of %s", (int)len, p, buf_cstr(&known));
			buf_free(&known);
			return -1;
		}
		if (++a->ntypes > EVENTS_TYPES_MAX)
			return sbx_error(e, "at most %d event types at once", EVENTS_TYPES_MAX);
		p += len;
		if (!*p)
			break;
	}
	a->types[nargs] = arg;
	return 0;
}

int parse_events(int argc, char **argv, events_args *a, sbx_err *e)
{
	static const struct option opts[] = {
		{ "limit", required_argument, 0, 'n' }, { "type", required_argument, 0, 't' },
		{ "json", no_argument, 0, 'j' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	memset(a, 0, sizeof *a);
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "n:t:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': if (opt_int(optarg, 1, 100, "--limit", &a->limit, e) < 0) return -1; break;
		case 't': if (opt_event_types(optarg, a, e) < 0) return -1; break;
		case 'j': a->json = 1; break;
		case 'h': return sbx_error(e, OPT_HELP);
		default: return opt_bad(argc, argv, e);
		}
	}
	const char *op[1] = { NULL };
	if (operands(argc, argv, op, 0, 1, "", e) < 0)
		return -1;
	a->id = op[0];
	return 0;
}
