/*
 * sandboxes_create: the sandboxes pane's create form — template (from
 * GET /templates; "code-interpreter" and "base" when sbxd cannot say),
 * timeout, runtime (every runtime GET /health lists, with its accelerator;
 * an unavailable one shows why and cannot be chosen; sbxd's defaultRuntime
 * preselected — an older sbxd that lists none: "default" or one seen in
 * the list), env "K=V K2=V2", internet — then sbx_api_create under a
 * progress entry, and attach.
 */
#include "sandboxes_priv.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static const char *const fallback[] = { "code-interpreter", "base" };

static void set_templates(sbpane *sp, const sbx_template *t, size_t n)
{
	for (size_t i = 0; i < sp->ntemplates; i++)
		free(sp->templates[i]);
	free(sp->templates);
	sp->templates = NULL;
	sp->ntemplates = 0;
	size_t k = t ? n : sizeof fallback / sizeof *fallback;
	sp->templates = xcalloc(k + 1, sizeof *sp->templates);
	for (size_t i = 0; i < k; i++) {
		if (t && *t[i].build_status && strcmp(t[i].build_status, "ready"))
			continue;   /* still building or failed: a create would fail */
		sp->templates[sp->ntemplates++] = xstrdup(t ? t[i].id : fallback[i]);
	}
}

static void show_form(sbpane *sp);

/* The form opens once both the templates and the runtimes answered. */
static void maybe_show(sbpane *sp)
{
	if (sp->form_wanted && !sp->templates_op && !sp->health_op) {
		sp->form_wanted = 0;
		show_form(sp);
	}
}

static void on_templates(const sbx_template *t, size_t n, const sbx_err *e, void *ud)
{
	sbpane *sp = ud;
	sp->templates_op = NULL;
	/* An older sbxd (or a cloud that will not list them): the fallback. */
	if (!sp->form_open)
		set_templates(sp, e ? NULL : t, n);
	sp->templates_ok = !e;
	app_dirty(sp->p.app);
	maybe_show(sp);
}

static void on_health(const sbx_health *h, const sbx_err *e, void *ud)
{
	sbpane *sp = ud;
	sp->health_op = NULL;
	/* Not answered: the form offers "default" (sbxd's own choice). */
	if (!sp->form_open) {
		rt_list_free(&sp->rts);
		if (!e)
			rt_list_from(h, &sp->rts);
	}
	maybe_show(sp);
}

static void runtimes_fetch(sbpane *sp)
{
	if (sp->health_op)
		return;
	sbx_err e;
	if (sbx_api_health_info(app_client(sp->p.app), 5000, on_health, sp, &sp->health_op, &e) < 0) {
		sp->health_op = NULL;
		on_health(NULL, &e, sp);
	}
}

void sb_templates_fetch(sbpane *sp)
{
	if (sp->templates_op)
		return;
	sbx_err e;
	if (sbx_api_templates(app_client(sp->p.app), on_templates, sp, &sp->templates_op, &e) < 0) {
		sp->templates_op = NULL;
		on_templates(NULL, 0, &e, sp);
	}
}

void sb_create_start(sbpane *sp)
{
	if (sp->form_open)
		return;
	sp->form_wanted = 1;   /* the form opens when the templates and runtimes come */
	runtimes_fetch(sp);
	sb_templates_fetch(sp);
}

void sb_create_free(sbpane *sp)
{
	if (sp->health_op)
		sbx_op_cancel(sp->health_op);
	rt_list_free(&sp->rts);
	free(sp->form_rt);
	free(sp->form_rt_notes);
}

/* --- the create call ---------------------------------------------------------- */

static void on_created(const sbx_info *info, const sbx_err *e, void *ud)
{
	sb_call *c = ud;
	sbpane *sp = c->sp;
	app *a = sp->p.app;
	if (e) {
		app_error(a, "cannot create a sandbox: %s", e->msg);
	} else {
		app_info(a, "created sandbox %.8s (%s)", info->id, info->template_id);
		app_attach(a, info);
		sb_refresh(sp);
	}
	sb_call_done(c);
}

/* "K=V K2=V2" → pairs pointing into buf (modified); -1 on a word without '='. */
static int parse_env(char *buf, sbx_kv **kv, size_t *n, const char **bad)
{
	*kv = NULL;
	*n = 0;
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(w, '=');
		if (!eq || eq == w) {
			*bad = w;
			free(*kv);
			*kv = NULL;
			return -1;
		}
		*eq = '\0';
		*kv = xrealloc(*kv, (*n + 1) * sizeof **kv);
		(*kv)[(*n)++] = (sbx_kv){ w, eq + 1 };
	}
	return 0;
}

static void on_form(app *a, const char *const *v, void *ud)
{
	sbpane *sp = ud;
	sp->form_open = 0;
	/* the runtime chosen: its name (the choice shows "qemu (tcg)") */
	const char *rt = NULL;
	for (size_t i = 0; v && sp->rts.n && i < sp->rts.n; i++)
		if (!strcmp(v[2], sp->rts.v[i].label))
			rt = sp->rts.v[i].name;
	if (v && !sp->rts.n && strcmp(v[2], "default"))
		rt = v[2];
	char *rtname = rt ? xstrdup(rt) : NULL;
	free(sp->form_rt);
	free(sp->form_rt_notes);
	sp->form_rt = NULL;
	sp->form_rt_notes = NULL;
	if (!v)
		return;
	char *end;
	long timeout = strtol(v[1], &end, 10);
	if (end == v[1] || *end || timeout <= 0) {
		app_error(a, "timeout \"%s\" is not a number of seconds; try again with e.g. 300", v[1]);
		free(rtname);
		return;
	}
	char *envbuf = xstrdup(v[3]);
	sbx_kv *env;
	size_t nenv;
	const char *bad = NULL;
	if (parse_env(envbuf, &env, &nenv, &bad) < 0) {
		app_error(a, "env \"%s\" is not KEY=VALUE; write variables as K=V K2=V2", bad);
		free(envbuf);
		free(rtname);
		return;
	}
	sbx_create_opts o = {
		.template_id = v[0], .timeout_s = (int)timeout, .env = env, .nenv = nenv,
		.no_internet = !strcmp(v[4], "0"), .runtime = rtname,
	};
	sb_call *c = sb_call_new(sp, v[0], "creating sandbox…");
	sbx_err e;
	if (sbx_api_create(app_client(a), &o, on_created, c, &c->op, &e) < 0) {
		app_error(a, "cannot create a sandbox: %s", e.msg);
		sb_call_done(c);
	}
	free(env);
	free(envbuf);
	free(rtname);
}

static void show_form(sbpane *sp)
{
	if (!sp->ntemplates)
		set_templates(sp, NULL, 0);
	size_t nrt = sp->rts.n ? sp->rts.n : sp->nruntimes + 1, rtsel = 0;
	const char **rt = xcalloc(nrt + 1, sizeof *rt), **notes = NULL;
	char hint[200];
	if (sp->rts.n) {
		/* every runtime sbxd knows, the unavailable ones with their reason */
		notes = xcalloc(nrt + 1, sizeof *notes);
		for (size_t i = 0; i < nrt; i++) {
			rt[i] = sp->rts.v[i].label;
			notes[i] = sp->rts.v[i].reason;
		}
		rtsel = rt_list_default(&sp->rts);
		snprintf(hint, sizeof hint, "sbxd's default: %s; Space/arrows: the others",
			 sp->rts.def ? sp->rts.def : sp->rts.v[rtsel].name);
	} else {
		rt[0] = "default";
		for (size_t i = 0; i < sp->nruntimes; i++)
			rt[i + 1] = sp->runtimes[i];
		snprintf(hint, sizeof hint, "default: sbxd's own");
	}
	size_t sel = 0;
	for (size_t i = 0; i < sp->ntemplates; i++)
		if (!strcmp(sp->templates[i], "code-interpreter"))
			sel = i;
	app_field f[] = {
		{ .label = "Template", .kind = FIELD_CHOICE, .value = (int)sel,
		  .choices = (const char *const *)sp->templates, .nchoices = sp->ntemplates,
		  .hint = sp->templates_ok ? "the templates sbxd has built" : "sbxd did not list its templates" },
		{ .label = "Timeout (seconds)", .kind = FIELD_TEXT, .text = "300",
		  .hint = "killed after this long unless extended" },
		{ .label = "Runtime", .kind = FIELD_CHOICE, .value = (int)rtsel, .choices = rt, .nchoices = nrt,
		  .hint = hint, .notes = notes },
		{ .label = "Environment", .kind = FIELD_TEXT, .text = "", .hint = "K=V K2=V2" },
		{ .label = "Internet access", .kind = FIELD_TOGGLE, .value = 1 },
	};
	/* The choices stay alive until the form answers. */
	sp->form_rt = rt;
	sp->form_rt_notes = notes;
	sp->form_open = 1;
	app_form(sp->p.app, &sp->p, "Create a sandbox", f, sizeof f / sizeof *f, on_form, sp);
}
