/*
 * sandboxes_create: the sandboxes pane's create form — template (from
 * GET /templates; "code-interpreter" and "base" when sbxd cannot say),
 * timeout, runtime (every runtime GET /health lists, with its accelerator;
 * an unavailable one shows why and cannot be chosen; sbxd's defaultRuntime
 * preselected — an older sbxd that lists none: "default" or one seen in
 * the list), env "K=V K2=V2", volumes "NAME:/path …" (sbforms), internet,
 * and "From snapshot": none, or one of sbxd's snapshots (GET /snapshots;
 * a sandbox from one starts on the snapshot's runtime, so the template and
 * runtime fields are then left out) — then sbx_api_create under a
 * progress entry, and attach.
 */
#include "sandboxes_priv.h"
#include "model/sbforms.h"
#include "../src/client/snapshot.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static const char *const fallback[] = { "code-interpreter", "base" };

/* The form's fields, in order. */
enum { F_TEMPLATE, F_SNAPSHOT, F_TIMEOUT, F_RUNTIME, F_ENV, F_VOLUMES, F_INTERNET, F_COUNT };

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
	if (sp->form_wanted && !sp->templates_op && !sp->health_op && !sp->snapshots_op) {
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

static void snaps_free(sbpane *sp)
{
	for (size_t i = 0; i < sp->nsnaps; i++)
		free(sp->snap_ids[i]);
	for (size_t i = 0; sp->snap_labels && i <= sp->nsnaps; i++)   /* "none", then one per snapshot */
		free(sp->snap_labels[i]);
	free(sp->snap_ids);
	free(sp->snap_labels);
	sp->snap_ids = sp->snap_labels = NULL;
	sp->nsnaps = 0;
}

static void on_snapshots(const sbx_snapshot *s, size_t n, const sbx_err *e, void *ud)
{
	sbpane *sp = ud;
	sp->snapshots_op = NULL;
	sp->snaps_ok = !e;
	if (!sp->form_open) {
		/* "none" first: the form's choices are labels[0..n] */
		snaps_free(sp);
		size_t k = e ? 0 : n;
		sp->snap_ids = xcalloc(k + 2, sizeof *sp->snap_ids);
		sp->snap_labels = xcalloc(k + 2, sizeof *sp->snap_labels);
		sp->snap_labels[0] = xstrdup("none");
		for (size_t i = 0; i < k; i++) {
			char label[200];
			sbf_snapshot_label(s[i].id, s[i].nnames ? s[i].names[0] : NULL, s[i].sandbox_id, s[i].runtime,
					   label, sizeof label);
			/* two of one name (sbxd keeps the newest under it): the ids tell them apart */
			for (size_t j = 0; j < sp->nsnaps; j++)
				if (!strcmp(sp->snap_labels[j + 1], label))
					snprintf(label + strlen(label), sizeof label - strlen(label), " #%zu", i + 1);
			sp->snap_ids[sp->nsnaps] = xstrdup(s[i].id);
			sp->snap_labels[++sp->nsnaps] = xstrdup(label);
		}
	}
	maybe_show(sp);
}

static void snapshots_fetch(sbpane *sp)
{
	if (sp->snapshots_op)
		return;
	sbx_err e;
	if (sbx_snapshot_list(app_client(sp->p.app), NULL, on_snapshots, sp, &sp->snapshots_op, &e) < 0) {
		sp->snapshots_op = NULL;
		on_snapshots(NULL, 0, &e, sp);
	}
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
	sp->form_wanted = 1;   /* the form opens when the templates, runtimes and snapshots come */
	runtimes_fetch(sp);
	snapshots_fetch(sp);
	sb_templates_fetch(sp);
}

void sb_create_free(sbpane *sp)
{
	if (sp->health_op)
		sbx_op_cancel(sp->health_op);
	if (sp->snapshots_op)
		sbx_op_cancel(sp->snapshots_op);
	snaps_free(sp);
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
		if (!strcmp(v[F_RUNTIME], sp->rts.v[i].label))
			rt = sp->rts.v[i].name;
	if (v && !sp->rts.n && strcmp(v[F_RUNTIME], "default"))
		rt = v[F_RUNTIME];
	/* the snapshot chosen: its id */
	char *snap = NULL;
	for (size_t i = 0; v && i < sp->nsnaps; i++)
		if (!strcmp(v[F_SNAPSHOT], sp->snap_labels[i + 1]))
			snap = xstrdup(sp->snap_ids[i]);
	char *rtname = rt ? xstrdup(rt) : NULL;
	free(sp->form_rt);
	free(sp->form_rt_notes);
	sp->form_rt = NULL;
	sp->form_rt_notes = NULL;
	if (!v)
		return;
	char *end, *envbuf = NULL;
	sbx_kv *env = NULL;
	size_t nenv = 0, nmounts = 0;
	sbf_mount *mounts = NULL;
	sbx_volume_mount *vm = NULL;
	const char *bad = NULL;
	sbx_err e;
	long timeout = strtol(v[F_TIMEOUT], &end, 10);
	if (end == v[F_TIMEOUT] || *end || timeout <= 0) {
		app_error(a, "timeout \"%s\" is not a number of seconds; try again with e.g. 300", v[F_TIMEOUT]);
		goto out;
	}
	envbuf = xstrdup(v[F_ENV]);
	if (parse_env(envbuf, &env, &nenv, &bad) < 0) {
		app_error(a, "env \"%s\" is not KEY=VALUE; write variables as K=V K2=V2", bad);
		goto out;
	}
	if (sbf_parse_mounts(v[F_VOLUMES], &mounts, &nmounts, &e) < 0) {
		app_error(a, "%s; n opens the form again", e.msg);
		goto out;
	}
	vm = xcalloc(nmounts + 1, sizeof *vm);
	for (size_t i = 0; i < nmounts; i++)
		vm[i] = (sbx_volume_mount){ mounts[i].name, mounts[i].path };
	/* From a snapshot: sbxd starts it on the snapshot's runtime, from its files. */
	sbx_create_opts o = {
		.template_id = snap ? NULL : v[F_TEMPLATE], .from_snapshot = snap, .timeout_s = (int)timeout,
		.env = env, .nenv = nenv, .no_internet = !strcmp(v[F_INTERNET], "0"), .runtime = snap ? NULL : rtname,
		.mounts = vm, .nmounts = nmounts,
	};
	sb_call *c = sb_call_new(sp, snap ? snap : v[F_TEMPLATE], snap ? "starting from the snapshot…" : "creating sandbox…");
	if (sbx_api_create(app_client(a), &o, on_created, c, &c->op, &e) < 0) {
		app_error(a, "cannot create a sandbox: %s", e.msg);
		sb_call_done(c);
	}
out:
	free(vm);
	sbf_mounts_free(mounts, nmounts);
	free(env);
	free(envbuf);
	free(rtname);
	free(snap);
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
	if (!sp->snap_labels) {   /* never answered: "none" only */
		sp->snap_ids = xcalloc(1, sizeof *sp->snap_ids);
		sp->snap_labels = xcalloc(2, sizeof *sp->snap_labels);
		sp->snap_labels[0] = xstrdup("none");
	}
	app_field f[] = {
		[F_TEMPLATE] = { .label = "Template", .kind = FIELD_CHOICE, .value = (int)sel,
		  .choices = (const char *const *)sp->templates, .nchoices = sp->ntemplates,
		  .hint = sp->templates_ok ? "the templates sbxd has built" : "sbxd did not list its templates" },
		[F_SNAPSHOT] = { .label = "From snapshot", .kind = FIELD_CHOICE, .value = 0,
		  .choices = (const char *const *)sp->snap_labels, .nchoices = sp->nsnaps + 1,
		  .hint = !sp->snaps_ok ? "sbxd did not list snapshots"
			  : sp->nsnaps ? "its own runtime and files; Template, Runtime unused"
			  : "none taken yet: S on a sandbox takes one" },
		[F_TIMEOUT] = { .label = "Timeout (seconds)", .kind = FIELD_TEXT, .text = "300",
		  .hint = "killed after this long unless extended" },
		[F_RUNTIME] = { .label = "Runtime", .kind = FIELD_CHOICE, .value = (int)rtsel, .choices = rt,
		  .nchoices = nrt, .hint = hint, .notes = notes },
		[F_ENV] = { .label = "Environment", .kind = FIELD_TEXT, .text = "", .hint = "K=V K2=V2" },
		[F_VOLUMES] = { .label = "Volumes", .kind = FIELD_TEXT, .text = "",
		  .hint = "NAME:/path … (sbx volume create NAME makes one)" },
		[F_INTERNET] = { .label = "Internet access", .kind = FIELD_TOGGLE, .value = 1 },
	};
	/* The choices stay alive until the form answers. */
	sp->form_rt = rt;
	sp->form_rt_notes = notes;
	sp->form_open = 1;
	app_form(sp->p.app, &sp->p, "Create a sandbox", f, sizeof f / sizeof *f, on_form, sp);
}
