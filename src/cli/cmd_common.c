#include "cmd_common.h"
#include "cmd_opts.h"
#include "../util/selfpath.h"
#include "../util/xalloc.h"
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_MS 30000
#define ID_LIST_TIMEOUT_MS 30000

int cli_fail(const cli *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "sbx %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int cli_usage_or(const cli *c, const sbx_err *e, const char *usage)
{
	if (!strcmp(e->msg, OPT_HELP)) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "sbx %s: %s\n%s", c->name, e->msg, usage);
	return 2;
}

int cli_isatty(int fd)
{
	return isatty(fd);
}

void cli_put_shown(FILE *f, const char *text, size_t len, int tty)
{
	if (!tty) {
		fwrite(text, 1, len, f);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		putc((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : c, f);
	}
}

typedef struct start_wait {
	int done, started;
	sbx_err err;
	int failed;
} start_wait;

static void on_started(const sbx_err *e, int started, void *ud)
{
	start_wait *w = ud;
	w->done = 1;
	w->started = started;
	if (e) {
		w->failed = 1;
		w->err = *e;
	}
}

int cli_open(cli *c, const char *name)
{
	sbx_config cfg;
	sbx_err e;
	c->name = name;
	if (sbx_config_load(&cfg, &e) < 0)
		return cli_fail(c, "%s", e.msg);
	sbx_sync_open(&c->s, &cfg);
	c->open = 1;
	sbx_config_free(&cfg);
	if (!sbx_client_config(c->s.client)->local)
		return 0;
	char *exe = self_exe();
	if (!exe)
		return cli_fail(c, "cannot find the sbx binary to start sbxd with; run `sbx serve` yourself");
	start_wait w = { 0 };
	int rc = sbx_daemon_ensure(c->s.client, exe, START_TIMEOUT_MS, on_started, &w, NULL, &e);
	free(exe);
	if (rc < 0)
		return cli_fail(c, "%s", e.msg);
	sbx_sync_until(&c->s, &w.done);
	if (w.failed)
		return cli_fail(c, "%s", w.err.msg);
	if (w.started && cli_isatty(2))
		fprintf(stderr, "sbx: started sbxd (%s; log in %s/sbxd.log)\n", sbx_client_config(c->s.client)->api_url,
			sbx_client_config(c->s.client)->state_dir);
	return 0;
}

void cli_close(cli *c)
{
	if (c->open)
		sbx_sync_close(&c->s);
	c->open = 0;
}

/* --- ids ------------------------------------------------------------------- */

typedef struct list_wait {
	sbx_wait w;
	char **ids;
	size_t n;
} list_wait;

static void on_list(const sbx_info *items, size_t n, const char *next, const sbx_err *e, void *ud)
{
	(void)next;
	list_wait *l = ud;
	if (!e) {
		l->ids = xcalloc(n + 1, sizeof *l->ids);
		for (size_t i = 0; i < n; i++)
			l->ids[i] = xstrdup(items[i].id);
		l->n = n;
	}
	sbx_wait_set(&l->w, e);
}

char *cli_resolve(cli *c, const char *prefix)
{
	list_wait l = { 0 };
	sbx_err e;
	sbx_list_opts o = { .state = NULL };   /* the server's default: sbxd's lists dead ones too */
	char *out = NULL;
	if (sbx_api_list_all(c->s.client, &o, on_list, &l, NULL, &e) < 0 ||
	    sbx_sync_wait(&c->s, &l.w, ID_LIST_TIMEOUT_MS, &e) < 0) {
		cli_fail(c, "%s", e.msg);
		return NULL;
	}
	int i = sbx_id_resolve(prefix, (const char *const *)l.ids, l.n, &e);
	if (i < 0)
		cli_fail(c, "%s", e.msg);
	else
		out = xstrdup(l.ids[i]);
	for (size_t k = 0; k < l.n; k++)
		free(l.ids[k]);
	free(l.ids);
	return out;
}

typedef struct info_wait {
	sbx_wait w;
	json_t *j;
} info_wait;

static void on_info(const sbx_info *info, const sbx_err *e, void *ud)
{
	info_wait *iw = ud;
	if (info)
		iw->j = json_deep_copy(info->raw);
	sbx_wait_set(&iw->w, e);
}

json_t *cli_describe(cli *c, const char *prefix)
{
	char *id = cli_resolve(c, prefix);
	if (!id)
		return NULL;
	info_wait iw = { 0 };
	sbx_err e;
	if (sbx_api_get(c->s.client, id, on_info, &iw, NULL, &e) < 0 || sbx_sync_wait(&c->s, &iw.w, 0, &e) < 0) {
		cli_fail(c, "%s", e.msg);
		free(id);
		return NULL;
	}
	free(id);
	return iw.j;
}

int cli_target(cli *c, const char *prefix, sbx_sandbox *sb)
{
	json_t *j = cli_describe(c, prefix);
	if (!j)
		return -1;
	sbx_info info;
	sbx_err e;
	int rc = -1;
	if (sbx_info_parse(j, &info, &e) < 0) {
		cli_fail(c, "%s", e.msg);
	} else if (!strcmp(info.state, "paused")) {
		cli_fail(c, "sandbox %s is paused; resume it with `sbx resume %s`", info.id, info.id);
	} else if (!strcmp(info.state, "dead")) {
		const char *why = json_string_value(json_object_get(j, "stateReason"));
		cli_fail(c, "sandbox %s's agent died (%s); kill it with `sbx kill %s` and create a new one "
			 "(`sbx logs %s` shows its last logs)", info.id, why ? why : "no reason given", info.id, info.id);
	} else if (sbx_info_sandbox(&info, sbx_client_config(c->s.client), sb, &e) < 0) {
		cli_fail(c, "%s", e.msg);
	} else {
		rc = 0;
	}
	sbx_info_clear(&info);
	json_decref(j);
	return rc;
}

/* --- times ----------------------------------------------------------------- */

int64_t cli_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_duration(int64_t s, char *out, size_t n)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, n, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, n, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(out, n, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(out, n, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

void cli_ago(int64_t ms, char *out, size_t n)
{
	char d[32];
	if (!ms) {
		snprintf(out, n, "-");
		return;
	}
	cli_duration((cli_now_ms() - ms) / 1000, d, sizeof d);
	snprintf(out, n, "%s ago", d);
}
